//! The PKI field checks of 224/НҚ §12: what the commission measures on site about a CA's
//! certificates, its revocation list and its time source, each as a report with a proposed
//! verdict, the reasons, and a readable text to keep as evidence.
//!
//! - [`chain`] (§12(1), (2), (4)): the path from a certificate to the NCA RK roots, every link.
//! - [`oids`] (§12(3), (5)): policies, EKUs and roles against the [`registry`] of OIDs.
//! - [`crl`] (§12(13)): a revocation list — its signature, freshness, delta, lookups.
//! - [`sntp`] (§12(8), (9)): the offset of the CA's time server (RFC 4330).
//! - [`anchors`]: the shipped trust anchors, with source and SHA-256.
//!
//! The checks never panic on what they are given: a file that is not what it should be is
//! a verdict ([`Verdict::NotVerifiableHere`] with the reason), not an error. Building on
//! [`tekseru_eds`]: the verification itself (GOST 2015/2004, RSA, ECDSA) is there.
//!
//! ```
//! use tekseru_pki::{chain, Input, Verdict};
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/anchors/prod/");
//! let nca = Input::read(format!("{dir}nca_gost_2022.cer"))?;
//! let at = time::macros::datetime!(2025-01-01 0:00 UTC);
//! let report = chain::check(&nca, &[], None, &[], at);
//! assert_eq!(report.verdict, Verdict::Complies, "{:?}", report.reasons);
//! assert_eq!(report.links.len(), 2);
//! # Ok::<(), std::io::Error>(())
//! ```
#![deny(missing_docs)]

pub mod anchors;
pub mod chain;
pub mod crl;
pub mod oids;
pub mod registry;
pub mod sntp;

use serde::Serialize;
use sha2_011::Digest as _;
use time::OffsetDateTime;

/// The verdict a check proposes; the inspector confirms it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// What was measured meets the requirement.
    Complies,
    /// What was measured does not meet it: the reasons say why.
    DoesNotComply,
    /// It cannot be decided here (an unknown algorithm, an unreadable file, no answer from
    /// the server, no issuer to check against): never a pass.
    NotVerifiableHere,
}

impl Verdict {
    /// The words a report prints.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Complies => "complies",
            Verdict::DoesNotComply => "does not comply",
            Verdict::NotVerifiableHere => "not verifiable here",
        }
    }

    /// The checklist verdict an inspector would answer with (`complies` / `fails`); none
    /// when the check could not decide.
    pub fn checklist_verdict(self) -> Option<&'static str> {
        match self {
            Verdict::Complies => Some("complies"),
            Verdict::DoesNotComply => Some("fails"),
            Verdict::NotVerifiableHere => None,
        }
    }
}

/// A file (or downloaded body) a check reads: its name, bytes and SHA-256.
#[derive(Clone, Debug)]
pub struct Input {
    /// The name it is reported under (a path or a URL).
    pub name: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

impl Input {
    /// An input from memory.
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> Input {
        Input {
            name: name.into(),
            bytes,
        }
    }

    /// Reads a file.
    pub fn read(path: impl AsRef<std::path::Path>) -> std::io::Result<Input> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot read '{}': {e}", path.display()))
        })?;
        Ok(Input::new(path.display().to_string(), bytes))
    }

    /// What a report says about it.
    pub fn describe(&self) -> InputFact {
        InputFact {
            name: self.name.clone(),
            bytes: self.bytes.len(),
            sha256: hex::encode(sha2_011::Sha256::digest(&self.bytes)),
        }
    }
}

/// An input as a report names it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct InputFact {
    /// Its path or URL.
    pub name: String,
    /// Its size.
    pub bytes: usize,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
}

/// What every report offers: a verdict, its reasons, and a readable text.
pub trait Report: Serialize {
    /// The check's name (`chain`, `oids`, `crl`, `time`).
    fn check(&self) -> &'static str;
    /// The proposed verdict.
    fn verdict(&self) -> Verdict;
    /// Why, one sentence each (empty when it complies).
    fn reasons(&self) -> &[String];
    /// The report as text for a person (and for the evidence's `.txt`).
    fn text(&self) -> String;
}

/// RFC 3339 of a time (UTC), or the empty string for the unrepresentable.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The short name of a one-line subject: its CN, else the whole line.
pub(crate) fn short_name(subject: &str) -> String {
    subject
        .split(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap_or(subject)
        .to_owned()
}

/// The header every text report starts with.
pub(crate) fn header(
    title: &str,
    paragraphs: &str,
    verdict: Verdict,
    reasons: &[String],
) -> String {
    let mut out = format!("{title} ({paragraphs})\nverdict: {}\n", verdict.text());
    for r in reasons {
        out.push_str(&format!("  - {r}\n"));
    }
    out
}
