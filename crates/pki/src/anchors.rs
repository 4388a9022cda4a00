//! The trust anchors shipped with tekseru: the NCA RK production roots and intermediates,
//! and the NCA TEST hierarchy for training inspections, with their source and SHA-256.

use serde::Serialize;
use tekseru_eds::anchor::{Anchor, AnchorRole};
use tekseru_eds::EdsError;

use crate::rfc3339;

/// One shipped anchor as listed.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AnchorFact {
    /// `production` or `training`.
    pub set: &'static str,
    /// Its file in `assets/anchors/<set>/`.
    pub file: String,
    /// `root` or `intermediate`.
    pub role: &'static str,
    /// The subject on one line.
    pub subject: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// The signature algorithm.
    pub signature_algorithm: String,
    /// Where the NCA RK publishes it.
    pub source: String,
    /// SHA-256 of its DER, lowercase hex (checked against `anchors.toml` on load).
    pub sha256: String,
}

fn fact(set: &'static str, a: &Anchor) -> AnchorFact {
    AnchorFact {
        set,
        file: a.file.clone(),
        role: match a.role {
            AnchorRole::Root => "root",
            AnchorRole::Intermediate => "intermediate",
        },
        subject: a.certificate.subject(),
        not_before: rfc3339(a.certificate.not_before()),
        not_after: rfc3339(a.certificate.not_after()),
        signature_algorithm: a.certificate.signature_algorithm_name(),
        source: a.source.clone(),
        sha256: a.sha256.clone(),
    }
}

/// The production anchors, or with `training` the NCA TEST ones.
pub fn list(training: bool) -> Result<Vec<AnchorFact>, EdsError> {
    Ok(if training {
        tekseru_eds::anchor::training()?
            .iter()
            .map(|a| fact("training", a))
            .collect()
    } else {
        tekseru_eds::anchor::production()?
            .iter()
            .map(|a| fact("production", a))
            .collect()
    })
}

/// The list as text, one anchor a paragraph.
pub fn text(anchors: &[AnchorFact]) -> String {
    let mut out = String::new();
    for a in anchors {
        out.push_str(&format!(
            "{} ({}, {})\n  subject: {}\n  valid: {} to {}\n  signature: {}\n  source: {}\n  sha256: {}\n",
            a.file, a.set, a.role, a.subject, a.not_before, a.not_after, a.signature_algorithm, a.source, a.sha256
        ));
    }
    out
}
