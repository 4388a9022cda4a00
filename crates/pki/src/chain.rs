//! §12(1), (2), (4): the path from a certificate up to the NCA RK roots (or the anchors
//! given), every link with its facts and problems, and a verdict.

use serde::Serialize;
use tekseru_eds::certificate::Certificate;
use tekseru_eds::chain::{self as eds_chain, Link};
use tekseru_eds::EdsError;
use time::OffsetDateTime;

use crate::{header, rfc3339, short_name, Input, InputFact, Report, Verdict};

/// The report of [`check`].
#[derive(Clone, Debug, Serialize)]
pub struct ChainCheck {
    /// Always `chain`.
    pub check: &'static str,
    /// The paragraphs of 224/НҚ it serves.
    pub paragraphs: &'static str,
    /// The proposed verdict.
    pub verdict: Verdict,
    /// Why, one sentence each, naming the link.
    pub reasons: Vec<String>,
    /// The time the path was judged at, RFC 3339.
    pub at: String,
    /// `production` (the NCA RK roots shipped with tekseru) or `given` (`--anchor`).
    pub anchor_set: &'static str,
    /// The files read: the certificate, the intermediates, the anchors given.
    pub inputs: Vec<InputFact>,
    /// Whether the path reaches a trust anchor.
    pub trusted: bool,
    /// The links, the certificate asked about first; empty when it does not parse.
    pub links: Vec<Link>,
}

impl Report for ChainCheck {
    fn check(&self) -> &'static str {
        self.check
    }
    fn verdict(&self) -> Verdict {
        self.verdict
    }
    fn reasons(&self) -> &[String] {
        &self.reasons
    }
    fn text(&self) -> String {
        let mut out = header(
            "Certificate chain",
            self.paragraphs,
            self.verdict,
            &self.reasons,
        );
        out.push_str(&format!(
            "judged at: {}\nanchors: {}\n",
            self.at,
            if self.anchor_set == "production" {
                "NCA RK production roots (shipped)"
            } else {
                "given with --anchor"
            }
        ));
        for (i, l) in self.links.iter().enumerate() {
            out.push_str(&format!(
                "\nlink {}{}: {}\n  subject: {}\n  issuer: {}\n  serial: {}\n  valid: {} to {}\n  \
                 key usage: {}\n  basic constraints: {}\n  signature algorithm: {}\n  \
                 policies: {}\n  sha256: {}\n",
                i + 1,
                if l.anchor { " (trust anchor)" } else { "" },
                if l.ok { "ok" } else { "FAILS" },
                l.subject,
                l.issuer,
                l.serial,
                l.not_before,
                l.not_after,
                l.key_usage.join(", "),
                l.basic_constraints
                    .as_ref()
                    .map(|b| format!(
                        "cA={}{}",
                        b.ca,
                        b.path_len
                            .map(|p| format!(", pathLen={p}"))
                            .unwrap_or_default()
                    ))
                    .unwrap_or_else(|| "none".to_owned()),
                l.signature_algorithm,
                l.policies.join(", "),
                l.sha256,
            ));
            for p in &l.problems {
                out.push_str(&format!("  problem: {p}\n"));
            }
            for n in &l.notes {
                out.push_str(&format!("  note: {n}\n"));
            }
        }
        out.push_str("\nfiles:\n");
        for f in &self.inputs {
            out.push_str(&format!("  {}  {} bytes  {}\n", f.sha256, f.bytes, f.name));
        }
        out
    }
}

/// Whether an error means "this algorithm is not implemented here".
fn unknown(e: &EdsError) -> bool {
    matches!(e, EdsError::UnknownAlgorithm(_))
}

/// Builds and verifies the path from `leaf` through `intermediates` (PEM bundles allowed)
/// to `anchors` (the NCA RK production anchors when `None`), judged at `at`, with the
/// issuers' `crls` (a certificate revoked at or before `at` fails its link).
///
/// Complies when every link passes and the path ends at an anchor whose self-signature
/// verifies; not verifiable here when a file does not parse, or when the only failures are
/// signatures in an algorithm tekseru does not know; does not comply otherwise.
pub fn check(
    leaf: &Input,
    intermediates: &[Input],
    anchors: Option<&[Input]>,
    crls: &[Input],
    at: OffsetDateTime,
) -> ChainCheck {
    let mut report = ChainCheck {
        check: "chain",
        paragraphs: "224/НҚ §12(1), (2), (4)",
        verdict: Verdict::NotVerifiableHere,
        reasons: Vec::new(),
        at: rfc3339(at),
        anchor_set: if anchors.is_some() {
            "given"
        } else {
            "production"
        },
        inputs: std::iter::once(leaf)
            .chain(intermediates)
            .chain(anchors.unwrap_or_default())
            .chain(crls)
            .map(Input::describe)
            .collect(),
        trusted: false,
        links: Vec::new(),
    };
    let leaf_cert = match Certificate::parse(&leaf.bytes) {
        Ok(c) => c,
        Err(e) => {
            report.reasons.push(format!("{}: {e}", leaf.name));
            return report;
        }
    };
    let mut pool = Vec::new();
    for input in intermediates {
        match Certificate::parse_all(&input.bytes) {
            Ok(certs) => pool.extend(certs),
            Err(e) => report.reasons.push(format!("{}: {e}", input.name)),
        }
    }
    let anchor_certs: Vec<Certificate> = match anchors {
        Some(inputs) => {
            let mut certs = Vec::new();
            for input in inputs {
                match Certificate::parse_all(&input.bytes) {
                    Ok(c) => certs.extend(c),
                    Err(e) => report.reasons.push(format!("{}: {e}", input.name)),
                }
            }
            certs
        }
        None => match tekseru_eds::anchor::production() {
            Ok(a) => a.iter().map(|a| a.certificate.clone()).collect(),
            Err(e) => {
                report.reasons.push(e.to_string());
                Vec::new()
            }
        },
    };
    let mut lists = Vec::new();
    for input in crls {
        match tekseru_eds::crl::Crl::parse(&input.bytes) {
            Ok(l) => lists.push(l),
            Err(e) => report.reasons.push(format!("{}: {e}", input.name)),
        }
    }
    if !report.reasons.is_empty() {
        return report;
    }

    let result = eds_chain::validate(&leaf_cert, &pool, &anchor_certs, at, &lists);
    let all: Vec<&Certificate> = std::iter::once(&leaf_cert)
        .chain(&pool)
        .chain(&anchor_certs)
        .collect();
    let cert_of = |link: &Link| all.iter().find(|c| c.sha256_hex() == link.sha256).copied();

    // Which links cannot be verified here: their signature algorithm, or their issuer's
    // (the next link's) key, is one tekseru does not know.
    let mut links = result.links;
    let mut unverifiable = vec![false; links.len()];
    for (i, slot) in unverifiable.iter_mut().enumerate() {
        let Some(cert) = links.get(i).and_then(cert_of) else {
            continue;
        };
        let issuer = links
            .get(i + 1)
            .and_then(cert_of)
            .or(cert.is_self_issued().then_some(cert));
        *slot = cert.signature_algorithm().is_err_and(|e| unknown(&e))
            || issuer.is_some_and(|c| c.public_key().is_err_and(|e| unknown(&e)));
    }
    let mut reasons = result.reasons;
    // A trusted root's own signature counts here too: a field check verifies every
    // signature of the path, the root's included.
    for (i, link) in links.iter_mut().enumerate() {
        let Some(cert) = cert_of(link) else { continue };
        if !(link.anchor && cert.is_self_issued()) {
            continue;
        }
        if let Err(e) = cert.public_key().and_then(|k| cert.verify_signed_by(&k)) {
            let problem = format!("its self-signature does not verify: {e}");
            reasons.push(format!(
                "link {} ({}): {problem}",
                i + 1,
                short_name(&link.subject)
            ));
            link.notes.retain(|n| !n.starts_with("self-signature:"));
            link.problems.push(problem);
            link.ok = false;
        }
    }
    // RFC 5280 §4.1.1.2: the algorithm outside the signed part must be the one inside it
    // (the outer one is not covered by the signature).
    for (i, link) in links.iter_mut().enumerate() {
        let Some(cert) = cert_of(link) else { continue };
        let x509 = cert.x509();
        if x509.signature_algorithm() != x509.tbs_certificate().signature() {
            let problem = "its signatureAlgorithm differs from the signature field inside the \
                           signed certificate (RFC 5280 §4.1.1.2)"
                .to_owned();
            reasons.push(format!(
                "link {} ({}): {problem}",
                i + 1,
                short_name(&link.subject)
            ));
            link.problems.push(problem);
            link.ok = false;
        }
    }
    let all_unknown = !reasons.is_empty()
        && reasons.iter().all(|r| {
            let on_link = r
                .strip_prefix("link ")
                .and_then(|rest| rest.split_once(' '))
                .and_then(|(n, _)| n.parse::<usize>().ok())
                .and_then(|n| n.checked_sub(1))
                .and_then(|n| unverifiable.get(n).copied())
                .unwrap_or(false);
            on_link && (r.contains("does not verify") || r.contains("not verifiable here"))
        });
    report.verdict = if reasons.is_empty() && result.trusted {
        Verdict::Complies
    } else if all_unknown {
        Verdict::NotVerifiableHere
    } else {
        Verdict::DoesNotComply
    };
    report.trusted = result.trusted;
    report.reasons = reasons;
    report.links = links;
    report
}
