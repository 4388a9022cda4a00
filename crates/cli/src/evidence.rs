//! `tekseru evidence`: attach files to an inspection's items, and get them back.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use crate::store::StoreArgs;

#[derive(clap::Subcommand)]
pub(crate) enum EvidenceCmd {
    /// Attach files (each one is one step: done files stay done if a later one fails).
    Add {
        /// The inspection's id.
        id: String,
        /// The item they are evidence of; without it, of the whole inspection.
        #[arg(long)]
        item: Option<String>,
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write a file of an inspection's evidence, checked against its SHA-256.
    Export {
        /// The inspection's id.
        id: String,
        /// The file's SHA-256.
        sha256: String,
        /// Where to write it.
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Serialize)]
struct Added<'a> {
    sha256: &'a str,
    name: &'a str,
    bytes: u64,
}

pub(crate) fn run(cmd: EvidenceCmd, json: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        EvidenceCmd::Add {
            id,
            item,
            files,
            store,
        } => {
            let mut store = store.open(false)?;
            let mut added = Vec::new();
            for file in &files {
                let e = store
                    .add_evidence(&id, item.as_deref(), file, &mut |_, _| true)
                    .with_context(|| format!("'{}' was not attached", file.display()))?;
                if !json {
                    out!("{}  {}  {} bytes", e.sha256, e.name, e.bytes);
                }
                added.push(e);
            }
            if json {
                let rows: Vec<Added<'_>> = added
                    .iter()
                    .map(|e| Added {
                        sha256: &e.sha256,
                        name: &e.name,
                        bytes: e.bytes,
                    })
                    .collect();
                crate::print_json(&rows)?;
            }
        }
        EvidenceCmd::Export {
            id,
            sha256,
            output,
            store,
        } => {
            let store = store.open(false)?;
            // Written next to the target and renamed: a half-written file never has its name.
            let dir = output
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let mut tmp = tempfile_in(dir)?;
            let bytes = store.export_evidence(&id, &sha256, &mut tmp.1)?;
            tmp.1.flush()?;
            tmp.1.sync_all()?;
            std::fs::rename(&tmp.0, &output)
                .with_context(|| format!("cannot write '{}'", output.display()))?;
            if json {
                crate::print_json(
                    &serde_json::json!({ "sha256": sha256, "bytes": bytes, "path": output }),
                )?;
            } else {
                out!("{} bytes → {}", bytes, output.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn tempfile_in(dir: &std::path::Path) -> anyhow::Result<(PathBuf, std::fs::File)> {
    let path = dir.join(format!(".tekseru-export-{}", std::process::id()));
    let file = std::fs::File::create(&path)
        .with_context(|| format!("cannot write in '{}'", dir.display()))?;
    Ok((path, file))
}
