//! `tekseru pki`: the PKI field checks of 224/НҚ §12 (tekseru-pki), each printing its report
//! and proposed verdict, and with `--attach` keeping the report as evidence on an item.
//!
//! Exit status: 0 complies, 1 does not comply, 3 not verifiable here, 2 bad usage.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::{json, Value};
use tekseru_pki::registry::Registry;
use tekseru_pki::{chain, oids, sntp, Input, Report, Verdict};
use tekseru_workflow::pki::CrlSource;
use time::OffsetDateTime;

use crate::store::StoreArgs;

/// Where a report goes as evidence: `--attach INSPECTION ITEM`.
#[derive(clap::Args, Clone)]
pub(crate) struct AttachArgs {
    /// Store the report (JSON and text) as evidence on this inspection's item and print the
    /// proposed verdict; the inspector confirms it with `tekseru inspection answer`.
    #[arg(long, num_args = 2, value_names = ["INSPECTION", "ITEM"])]
    attach: Option<Vec<String>>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(clap::Subcommand)]
pub(crate) enum PkiCmd {
    /// §12(1), (2), (4): build and verify the path from a certificate to the NCA RK roots.
    Chain {
        /// The certificate (PEM or DER).
        cert: PathBuf,
        /// An intermediate certificate (or a PEM bundle); repeatable.
        #[arg(long = "intermediate")]
        intermediates: Vec<PathBuf>,
        /// A trust anchor replacing the NCA RK production roots; repeatable.
        #[arg(long = "anchor")]
        anchors: Vec<PathBuf>,
        /// A CRL of an issuer on the path (DER or PEM); repeatable.
        #[arg(long = "crl")]
        crls: Vec<PathBuf>,
        /// Judge the path at this time (RFC 3339) [default: now, or SOURCE_DATE_EPOCH].
        #[arg(long)]
        at: Option<String>,
        #[command(flatten)]
        attach: AttachArgs,
    },
    /// §12(3), (5): policy OIDs, EKUs and roles against the registry of registered OIDs.
    Oids {
        /// The certificates the CA issued (PEM or DER).
        #[arg(required = true)]
        certs: Vec<PathBuf>,
        /// A registry file instead of the shipped assets/pki/oid-registry.toml.
        #[arg(long)]
        registry: Option<PathBuf>,
        #[command(flatten)]
        attach: AttachArgs,
    },
    /// §12(13): a CRL from a file or an http(s) URL: signature, freshness, delta, lookups.
    Crl {
        /// The CRL file (DER or PEM) or its URL [default: the first http(s) CRL distribution
        /// point of the first --check certificate].
        source: Option<String>,
        /// The issuer's certificate [default: searched among the shipped anchors].
        #[arg(long)]
        issuer: Option<PathBuf>,
        /// A certificate to look up on the CRL; repeatable.
        #[arg(long = "check")]
        checks: Vec<PathBuf>,
        /// Judge freshness and revocations at this time (RFC 3339) [default: now].
        #[arg(long)]
        at: Option<String>,
        /// How long to wait for a URL, milliseconds.
        #[arg(long, default_value_t = 5000)]
        timeout: u64,
        /// List every entry of the CRL in the report.
        #[arg(long)]
        list: bool,
        #[command(flatten)]
        attach: AttachArgs,
    },
    /// §12(8), (9): the offset of the CA's time server (SNTP) to the laptop and a second source.
    Time {
        /// The time server, HOST[:PORT] (port 123 by default).
        server: String,
        /// A second source to compare with, HOST[:PORT].
        #[arg(long)]
        second: Option<String>,
        /// How long to wait for each server, milliseconds.
        #[arg(long, default_value_t = 3000)]
        timeout: u64,
        /// The largest offset accepted, milliseconds (the law sets no number).
        #[arg(long, default_value_t = 1000.0)]
        max_offset: f64,
        #[command(flatten)]
        attach: AttachArgs,
    },
    /// The trust anchors shipped with tekseru, with source and SHA-256.
    Anchors {
        /// The NCA TEST hierarchy (training inspections) instead of the production roots.
        #[arg(long)]
        training: bool,
    },
}

fn read(path: &Path) -> anyhow::Result<Input> {
    Ok(Input::read(path)?)
}

fn read_all(paths: &[PathBuf]) -> anyhow::Result<Vec<Input>> {
    paths.iter().map(|p| read(p)).collect()
}

fn at(text: Option<&str>) -> anyhow::Result<OffsetDateTime> {
    match text {
        Some(t) => OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .with_context(|| format!("--at {t:?} is not an RFC 3339 time")),
        None => Ok(tekseru_workflow::clock::now()?),
    }
}

pub(crate) fn run(cmd: PkiCmd, json: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        PkiCmd::Chain {
            cert,
            intermediates,
            anchors,
            crls,
            at: when,
            attach,
        } => {
            let crls = read_all(&crls)?;
            let leaf = read(&cert)?;
            let intermediates = read_all(&intermediates)?;
            let anchors = read_all(&anchors)?;
            let when = at(when.as_deref())?;
            let report = chain::check(
                &leaf,
                &intermediates,
                (!anchors.is_empty()).then_some(anchors.as_slice()),
                &crls,
                when,
            );
            finish(&report, &attach, json)
        }
        PkiCmd::Oids {
            certs,
            registry,
            attach,
        } => {
            let registry = match registry {
                Some(path) => Registry::load(&path)?,
                None => Registry::shipped()?,
            };
            let report = oids::check(&read_all(&certs)?, &registry);
            finish(&report, &attach, json)
        }
        PkiCmd::Crl {
            source,
            issuer,
            checks,
            at: when,
            timeout,
            list,
            attach,
        } => {
            let when = at(when.as_deref())?;
            let issuer = issuer.as_deref().map(read).transpose()?;
            let checks = read_all(&checks)?;
            let source = match source {
                Some(s) => match CrlSource::url(&s) {
                    Some(url) => url,
                    None => CrlSource::File(read(Path::new(&s))?),
                },
                None => CrlSource::DistributionPoint,
            };
            let report = tekseru_workflow::pki::crl_check(
                source,
                issuer.as_ref(),
                &checks,
                when,
                Duration::from_millis(timeout),
                list,
            )?;
            finish(&report, &attach, json)
        }
        PkiCmd::Time {
            server,
            second,
            timeout,
            max_offset,
            attach,
        } => {
            if !(max_offset.is_finite() && max_offset >= 0.0) {
                bail!("--max-offset {max_offset} is not a number of milliseconds");
            }
            let report = sntp::check(
                &server,
                second.as_deref(),
                Duration::from_millis(timeout),
                max_offset,
            );
            finish(&report, &attach, json)
        }
        PkiCmd::Anchors { training } => {
            let list = tekseru_pki::anchors::list(training)?;
            if json {
                crate::print_json(&list)?;
            } else {
                out!("{}", tekseru_pki::anchors::text(&list).trim_end());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn exit(verdict: Verdict) -> ExitCode {
    match verdict {
        Verdict::Complies => ExitCode::SUCCESS,
        Verdict::DoesNotComply => ExitCode::from(1),
        Verdict::NotVerifiableHere => ExitCode::from(3),
    }
}

/// Prints the report, attaches it when asked, and exits by its verdict.
fn finish<R: Report>(report: &R, attach: &AttachArgs, json: bool) -> anyhow::Result<ExitCode> {
    let mut value = serde_json::to_value(report)?;
    let evidence = match &attach.attach {
        Some(target) => Some(attach_report(report, target, &attach.store)?),
        None => None,
    };
    if json {
        if let (Some(e), Value::Object(map)) = (&evidence, &mut value) {
            map.insert("evidence".to_owned(), e.clone());
        }
        crate::print_json(&value)?;
    } else {
        out!("{}", report.text().trim_end());
        if let Some(e) = &evidence {
            out!("");
            for file in e["files"].as_array().into_iter().flatten() {
                out!(
                    "attached to {} {}: {}  {}",
                    e["inspection"].as_str().unwrap_or_default(),
                    e["item"].as_str().unwrap_or_default(),
                    file["sha256"].as_str().unwrap_or_default(),
                    file["name"].as_str().unwrap_or_default()
                );
            }
            match e["confirm"].as_str() {
                Some(c) => out!(
                    "proposed verdict: {} — confirm it with: {c}",
                    report.verdict().text()
                ),
                None => out!(
                    "proposed verdict: none (not verifiable here): the inspector decides the item"
                ),
            }
        }
    }
    Ok(exit(report.verdict()))
}

/// Keeps the report as evidence on the item (`tekseru_workflow::pki::attach_report`, as the
/// app does); the verdict is proposed, never set.
fn attach_report<R: Report>(
    report: &R,
    target: &[String],
    store: &StoreArgs,
) -> anyhow::Result<Value> {
    let [id, item] = target else {
        bail!("--attach takes an inspection id and an item id");
    };
    let mut store = store.open(false)?;
    let attached = tekseru_workflow::pki::attach_report(
        &mut store,
        id,
        item,
        report,
        tekseru_workflow::clock::now()?,
    )
    .with_context(|| format!("the report was not attached to {id} {item}"))?;
    let files: Vec<Value> = attached
        .files
        .iter()
        .map(|e| json!({ "sha256": e.sha256, "name": e.name, "bytes": e.bytes }))
        .collect();
    let proposed = report.verdict().checklist_verdict();
    Ok(json!({
        "inspection": id,
        "item": item,
        "files": files,
        "proposed_verdict": proposed,
        "confirm": proposed.map(|v| format!("tekseru inspection answer {id} {item} --verdict {v}")),
    }))
}
