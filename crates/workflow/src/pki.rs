//! The PKI field checks of 224/НҚ §12 (`tekseru-pki`) as evidence on an item: the report is
//! kept as JSON and as readable text, and its verdict is proposed, never set. The CLI's
//! `--attach` and the app's "Attach as evidence" both go through [`attach_report`].

use std::time::Duration;

use serde::Serialize;
use tekseru_core::Verdict;
use tekseru_pki::crl::{self, CrlCheck};
use tekseru_pki::oids::OidsCheck;
use tekseru_pki::sntp::TimeCheck;
use tekseru_pki::{chain::ChainCheck, Input, Report};
use tekseru_store::{Evidence, Store};
use time::OffsetDateTime;

use crate::{Result, WorkflowError};

/// The report of any of the four checks, as one type (what the app keeps between running a
/// check and attaching it). Serialized as the report itself.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum PkiReport {
    /// `tekseru pki chain`.
    Chain(ChainCheck),
    /// `tekseru pki oids`.
    Oids(OidsCheck),
    /// `tekseru pki crl`.
    Crl(CrlCheck),
    /// `tekseru pki time`.
    Time(TimeCheck),
}

/// `$body` with `$r` bound to the report inside, whichever check it is.
macro_rules! each {
    ($self:expr, $r:ident => $body:expr) => {
        match $self {
            PkiReport::Chain($r) => $body,
            PkiReport::Oids($r) => $body,
            PkiReport::Crl($r) => $body,
            PkiReport::Time($r) => $body,
        }
    };
}

impl Report for PkiReport {
    fn check(&self) -> &'static str {
        each!(self, r => r.check())
    }
    fn verdict(&self) -> tekseru_pki::Verdict {
        each!(self, r => r.verdict())
    }
    fn reasons(&self) -> &[String] {
        each!(self, r => r.reasons())
    }
    fn text(&self) -> String {
        each!(self, r => r.text())
    }
}

/// The checklist verdict a check proposes: complies, fails, or none when it could not
/// decide (the inspector decides the item).
pub fn proposed_verdict(verdict: tekseru_pki::Verdict) -> Option<Verdict> {
    match verdict {
        tekseru_pki::Verdict::Complies => Some(Verdict::Complies),
        tekseru_pki::Verdict::DoesNotComply => Some(Verdict::Fails),
        tekseru_pki::Verdict::NotVerifiableHere => None,
    }
}

/// A report kept as evidence on an item.
#[derive(Clone, Debug, Serialize)]
pub struct Attached {
    /// The inspection.
    pub inspection: String,
    /// The item.
    pub item: String,
    /// The report as `pki-<check>-<time>.json`, then as `.txt`.
    pub files: Vec<Evidence>,
    /// The verdict the report proposes; the item's answer is not changed.
    pub proposed_verdict: Option<Verdict>,
}

/// Keeps `report` as evidence on `item` of inspection `id`: its JSON and its text, named
/// `pki-<check>-<now>.json` and `.txt`, each imported in its own transaction. The item's
/// verdict is not touched: [`Attached::proposed_verdict`] is for the inspector to confirm.
///
/// Refused when the item names a field tool (`tool` in the checklist) that is not the
/// report's check, e.g. a time report on the chain item; an unknown inspection or item is
/// the store's error, and nothing is attached.
pub fn attach_report<R: Report>(
    store: &mut Store,
    id: &str,
    item: &str,
    report: &R,
    now: OffsetDateTime,
) -> Result<Attached> {
    let inspection = store.inspection(id)?;
    if let Some(tool) = inspection.checklist.item(item).and_then(|i| i.tool) {
        if tool.check() != report.check() {
            return Err(WorkflowError::Refused(format!(
                "item '{item}' is measured by {tool}, not by the {} check: attach the report to an item of that check",
                report.check()
            )));
        }
    }
    let json = serde_json::to_string_pretty(report)
        .map_err(|e| WorkflowError::Refused(format!("the report cannot be written: {e}")))?;
    let stamp = now
        .to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .map_err(|e| WorkflowError::Refused(format!("the time {now} cannot be written: {e}")))?;
    let base = format!("pki-{}-{stamp}", report.check());
    let dir = tempfile::Builder::new()
        .prefix("tekseru-pki")
        .tempdir()
        .map_err(|e| WorkflowError::Refused(format!("no temporary directory: {e}")))?;
    let mut files = Vec::with_capacity(2);
    for (name, content) in [
        (format!("{base}.json"), json + "\n"),
        (format!("{base}.txt"), report.text()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).map_err(|e| {
            WorkflowError::Refused(format!("cannot write '{}': {e}", path.display()))
        })?;
        files.push(store.add_evidence(id, Some(item), &path, &mut |_, _| true)?);
    }
    Ok(Attached {
        inspection: id.to_owned(),
        item: item.to_owned(),
        files,
        proposed_verdict: proposed_verdict(report.verdict()),
    })
}

/// Where the CRL of [`crl_check`] comes from.
#[derive(Clone, Debug)]
pub enum CrlSource {
    /// A file (DER or PEM) the CA gave.
    File(Input),
    /// An http(s) URL on the CA's network.
    Url(String),
    /// The first http(s) CRL distribution point of the first certificate to look up.
    DistributionPoint,
}

impl CrlSource {
    /// A URL when `text` starts with `http://` or `https://`, else `None`.
    pub fn url(text: &str) -> Option<CrlSource> {
        let t = text.trim();
        (t.starts_with("http://") || t.starts_with("https://"))
            .then(|| CrlSource::Url(t.to_owned()))
    }
}

/// The CRL check (§12(13)) from a file, a URL (fetched with `timeout`) or the distribution
/// point of the first of `checks`: a URL that does not answer is a report too
/// ([`crl::not_fetched`]). Refused when there is no CRL to read: no source and no
/// certificate with a distribution point.
pub fn crl_check(
    source: CrlSource,
    issuer: Option<&Input>,
    checks: &[Input],
    at: OffsetDateTime,
    timeout: Duration,
    list_entries: bool,
) -> Result<CrlCheck> {
    let url = match source {
        CrlSource::File(input) => return Ok(crl::check(&input, issuer, checks, at, list_entries)),
        CrlSource::Url(url) => url,
        CrlSource::DistributionPoint => {
            let first = checks.first().ok_or_else(|| {
                WorkflowError::Refused(
                    "give the CRL (file or URL), or a certificate to look up that names a CRL distribution point"
                        .to_owned(),
                )
            })?;
            let cert = tekseru_eds::certificate::Certificate::parse(&first.bytes).map_err(|e| {
                WorkflowError::Refused(format!("'{}' is not a certificate: {e}", first.name))
            })?;
            crl::distribution_points(&cert)
                .into_iter()
                .next()
                .ok_or_else(|| {
                    WorkflowError::Refused(format!(
                        "'{}' has no http(s) CRL distribution point: give the CRL",
                        first.name
                    ))
                })?
        }
    };
    Ok(match crl::fetch(&url, timeout) {
        Ok(input) => crl::check(&input, issuer, checks, at, list_entries),
        Err(e) => crl::not_fetched(&url, &e, at),
    })
}
