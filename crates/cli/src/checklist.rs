//! `tekseru checklist`: list, show and validate the legal checklists.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use tekseru_core::{catalog, Checklist, Localized};

#[derive(clap::Subcommand)]
pub(crate) enum ChecklistCmd {
    /// List the checklists.
    List {
        /// A directory of checklists to use instead of the built-in ones.
        #[arg(long, env = "TEKSERU_CHECKLISTS")]
        dir: Option<PathBuf>,
    },
    /// Show one checklist, item by item.
    Show {
        /// The checklist's id, e.g. ca-accreditation-onsite.
        id: String,
        /// A directory of checklists to use instead of the built-in ones.
        #[arg(long, env = "TEKSERU_CHECKLISTS")]
        dir: Option<PathBuf>,
        /// Language of the human text: kk, ru or en.
        #[arg(long, default_value = "en", value_parser = ["kk", "ru", "en"])]
        lang: String,
    },
    /// Validate checklist files; exit 0 when every file is valid.
    Validate {
        /// The files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// One line of `checklist list --json`.
#[derive(Serialize)]
struct Summary<'a> {
    id: &'a str,
    version: &'a str,
    title: &'a Localized,
    source: String,
    /// `null` when the text does not let us state it (see `effective_note`).
    effective_from: Option<String>,
    effective_note: &'a str,
    /// The wording of the act applied, in English.
    wording: Option<&'a str>,
    items: usize,
}

pub(crate) fn run(cmd: ChecklistCmd, json: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        ChecklistCmd::List { dir } => {
            let all = load(dir)?;
            if json {
                let rows: Vec<Summary<'_>> = all
                    .iter()
                    .map(|c| Summary {
                        id: &c.id,
                        version: &c.version,
                        title: &c.title,
                        source: source_line(c),
                        effective_from: c.source.effective_from.map(|d| d.to_string()),
                        effective_note: &c.source.effective_note,
                        wording: c.source.wording.as_ref().map(|w| w.text.en.as_str()),
                        items: c.items().count(),
                    })
                    .collect();
                crate::print_json(&rows)?;
            } else {
                for c in &all {
                    out!(
                        "{:<32} {:<8} {:>3} items  {}",
                        c.id,
                        c.version,
                        c.items().count(),
                        c.title.en
                    );
                }
            }
        }
        ChecklistCmd::Show { id, dir, lang } => {
            let all = load(dir)?;
            let Some(c) = all.iter().find(|c| c.id == id) else {
                let known: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
                anyhow::bail!("no checklist '{id}' (known: {})", known.join(", "));
            };
            if json {
                crate::print_json(c)?;
            } else {
                print_human(c, &lang)?;
            }
        }
        ChecklistCmd::Validate { paths } => {
            let mut bad = 0;
            for path in &paths {
                match Checklist::load(path) {
                    Ok(c) => out!(
                        "ok: {} ({} {}, {} items)",
                        path.display(),
                        c.id,
                        c.version,
                        c.items().count()
                    ),
                    Err(e) => {
                        eprintln!("tekseru: {e}");
                        bad += 1;
                    }
                }
            }
            if bad > 0 {
                eprintln!(
                    "tekseru: {bad} of {} checklist files are not valid",
                    paths.len()
                );
                return Ok(ExitCode::from(2));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The built-in checklists, or those of `dir` when given.
pub(crate) fn load(dir: Option<PathBuf>) -> anyhow::Result<Vec<Checklist>> {
    match dir {
        None => catalog::embedded().context("a built-in checklist does not load"),
        Some(dir) => catalog::load_dir(&dir)
            .with_context(|| format!("cannot load the checklists of '{}'", dir.display())),
    }
}

fn source_line(c: &Checklist) -> String {
    format!(
        "Order {} of {} (state register No {})",
        c.source.number, c.source.date, c.source.registration
    )
}

fn print_human(c: &Checklist, lang: &str) -> std::io::Result<()> {
    out!("{} — {} (version {})", c.id, c.title.get(lang), c.version);
    match c.source.effective_from {
        Some(d) => out!("{}; applies from {d}", source_line(c)),
        None => out!(
            "{}; effective date not stated: {}",
            source_line(c),
            c.source.effective_note
        ),
    }
    if let Some(w) = &c.source.wording {
        out!("wording applied: {}", w.text.get(lang));
    }
    for (n, section) in c.sections.iter().enumerate() {
        out!("\n{}. {}", n + 1, section.title.get(lang));
        for (m, item) in section.items.iter().enumerate() {
            let rule = match (&item.rule, &item.unit) {
                (Some(r), Some(u)) => format!("  [{} {} {}]", r.op.as_str(), r.value, u),
                _ => String::new(),
            };
            out!(
                "  {}.{} [{}] {}{}  ({}; {})",
                n + 1,
                m + 1,
                item.kind,
                item.text.get(lang),
                rule,
                item.reference,
                item.id
            );
        }
    }
    Ok(())
}
