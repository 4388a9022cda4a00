//! Path validation: from a certificate up to a trust anchor, judged at a given time (the
//! signing time, not today), with CRLs.

use serde::Serialize;
use time::OffsetDateTime;
use x509_cert::ext::pkix::KeyUsages;

use crate::anchor::Anchor;
use crate::certificate::Certificate;
use crate::crl::{Crl, Revocation};

/// The longest path tried (leaf to root).
const MAX_DEPTH: usize = 8;

impl AsRef<Certificate> for Anchor {
    fn as_ref(&self) -> &Certificate {
        &self.certificate
    }
}

impl AsRef<Certificate> for Certificate {
    fn as_ref(&self) -> &Certificate {
        self
    }
}

/// basicConstraints as found.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct BasicConstraintsFact {
    /// cA.
    pub ca: bool,
    /// pathLenConstraint.
    pub path_len: Option<u8>,
}

/// One certificate of the path, with its verdict. The signature checked is the one on this
/// certificate, by the next link's key.
#[derive(Clone, Debug, Serialize)]
pub struct Link {
    /// The subject on one line.
    pub subject: String,
    /// The issuer on one line.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Key usage names.
    pub key_usage: Vec<String>,
    /// basicConstraints, when present.
    pub basic_constraints: Option<BasicConstraintsFact>,
    /// The signature algorithm's name (or OID).
    pub signature_algorithm: String,
    /// Certificate policy OIDs.
    pub policies: Vec<String>,
    /// SHA-256 of the certificate, hex.
    pub sha256: String,
    /// Whether this certificate is a trust anchor.
    pub anchor: bool,
    /// Whether this link passes.
    pub ok: bool,
    /// Why it fails, one sentence each.
    pub problems: Vec<String>,
    /// What was noticed without failing it (a revocation after the time asked about, …).
    pub notes: Vec<String>,
    /// Whether a CRL of its issuer, verified under the issuer's key, was consulted.
    pub revocation_checked: bool,
    /// Its CRL entry, when a CRL of its issuer lists it.
    pub revocation: Option<Revocation>,
}

/// The result of [`validate`].
#[derive(Clone, Debug, Serialize)]
pub struct ChainReport {
    /// The time the path was judged at, RFC 3339.
    pub at: String,
    /// Whether the path reaches a trust anchor.
    pub trusted: bool,
    /// Whether it is trusted and every link passes.
    pub valid: bool,
    /// The links, the certificate asked about first.
    pub links: Vec<Link>,
    /// Every problem, naming its link, plus path-level ones (no path, loop, …).
    pub reasons: Vec<String>,
}

impl ChainReport {
    /// The leaf's CRL entry, when one was found.
    pub fn leaf_revocation(&self) -> Option<&Revocation> {
        self.links.first().and_then(|l| l.revocation.as_ref())
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn short(cert: &Certificate) -> String {
    cert.common_name().unwrap_or_else(|| cert.subject())
}

fn link_of(cert: &Certificate, anchor: bool) -> Link {
    Link {
        subject: cert.subject(),
        issuer: cert.issuer(),
        serial: cert.serial_hex(),
        not_before: rfc3339(cert.not_before()),
        not_after: rfc3339(cert.not_after()),
        key_usage: cert.key_usage(),
        basic_constraints: cert
            .basic_constraints()
            .map(|(ca, path_len)| BasicConstraintsFact { ca, path_len }),
        signature_algorithm: cert.signature_algorithm_name(),
        policies: cert.policies(),
        sha256: cert.sha256_hex(),
        anchor,
        ok: true,
        problems: Vec::new(),
        notes: Vec::new(),
        revocation_checked: false,
        revocation: None,
    }
}

/// Candidate issuers of `cert`: same name, and the key identifiers agree when both exist.
fn candidates<'a>(
    cert: &Certificate,
    pool: &[(&'a Certificate, bool)],
) -> Vec<(&'a Certificate, bool)> {
    let issuer = cert.issuer_der();
    let aki = cert.authority_key_id();
    let mut found: Vec<(&Certificate, bool)> = pool
        .iter()
        .filter(|(c, _)| c.subject_der() == issuer)
        .filter(|(c, _)| match (&aki, c.subject_key_id()) {
            (Some(a), Some(s)) => *a == s,
            _ => true,
        })
        .copied()
        .collect();
    // Anchors first, then the rest, keeping the given order.
    found.sort_by_key(|(_, anchor)| !anchor);
    found
}

/// Builds and verifies the path from `leaf` to one of `anchors`, judging every certificate
/// at `at`: its validity period, its issuer's signature (GOST, RSA and ECDSA alike; an
/// unknown algorithm is "not verifiable here"), cA and keyCertSign on issuers, and the
/// `crls` of each issuer (a certificate revoked at or before `at` fails; one revoked after
/// is noted and still passes). Intermediates that are anchors are trusted path elements.
pub fn validate<A: AsRef<Certificate>>(
    leaf: &Certificate,
    intermediates: &[Certificate],
    anchors: &[A],
    at: OffsetDateTime,
    crls: &[Crl],
) -> ChainReport {
    let mut pool: Vec<(&Certificate, bool)> = anchors.iter().map(|a| (a.as_ref(), true)).collect();
    pool.extend(intermediates.iter().map(|c| (c, false)));
    let is_anchor = |c: &Certificate| anchors.iter().any(|a| a.as_ref() == c);

    let mut links: Vec<Link> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    let mut seen: Vec<[u8; 32]> = Vec::new();
    let mut trusted = false;
    let mut current = leaf.clone();
    let mut crl_checked: Vec<Option<bool>> = vec![None; crls.len()];

    for depth in 0..=MAX_DEPTH {
        if depth == MAX_DEPTH {
            reasons.push(format!("the path is longer than {MAX_DEPTH} certificates"));
            break;
        }
        seen.push(current.sha256());
        let anchor = is_anchor(&current);
        trusted |= anchor;
        let mut link = link_of(&current, anchor);

        for oid in current.unknown_critical_extensions() {
            link.problems.push(format!(
                "it has a critical extension {oid} that is not understood here"
            ));
        }
        if !current.is_valid_at(at) {
            link.problems.push(format!(
                "not valid at {}: valid {} to {}",
                rfc3339(at),
                link.not_before,
                link.not_after
            ));
        }
        if depth > 0 {
            match current.basic_constraints() {
                Some((true, _)) => {}
                _ => link.problems.push(
                    "issues certificates but is not a CA (basicConstraints cA is not set)"
                        .to_owned(),
                ),
            }
            if let Some((true, Some(limit))) = current.basic_constraints() {
                // Intermediate CAs below this one on the path (the leaf is not one).
                let below = depth.saturating_sub(1);
                if usize::from(limit) < below {
                    link.problems.push(format!(
                        "its pathLenConstraint {limit} allows fewer CAs below it than the {below} on this path"
                    ));
                }
            }
            if current.has_key_usage(KeyUsages::KeyCertSign) == Some(false) {
                link.problems
                    .push("issues certificates but its keyUsage lacks keyCertSign".to_owned());
            }
        }

        if current.is_self_issued() {
            match current
                .public_key()
                .and_then(|k| current.verify_signed_by(&k))
            {
                Ok(()) => {}
                Err(e) if anchor => link.notes.push(format!("self-signature: {e}")),
                Err(e) => link.problems.push(format!("self-signature: {e}")),
            }
            if !trusted {
                reasons.push(format!(
                    "the path ends at the self-signed {}, which is not a trusted anchor (wrong root)",
                    short(&current)
                ));
            }
            links.push(link);
            break;
        }

        let found = candidates(&current, &pool);
        if found.is_empty() {
            if !trusted {
                reasons.push(format!(
                    "no path to a trusted anchor: the issuer {} of {} is neither an anchor nor a given intermediate (wrong root?)",
                    current.issuer(),
                    short(&current)
                ));
            }
            links.push(link);
            break;
        }
        // The first candidate whose key verifies the signature; else the first, to report.
        let mut chosen: Option<&Certificate> = None;
        let mut first_error: Option<String> = None;
        for (candidate, _) in &found {
            let result = candidate
                .public_key()
                .and_then(|k| current.verify_signed_by(&k));
            match result {
                Ok(()) => {
                    chosen = Some(candidate);
                    break;
                }
                Err(e) => {
                    if first_error.is_none() {
                        first_error = Some(e.to_string());
                    }
                }
            }
        }
        let issuer = match chosen {
            Some(c) => c,
            None => {
                let error = first_error.unwrap_or_default();
                link.problems.push(format!(
                    "its signature by {} does not verify: {error}",
                    current.issuer()
                ));
                found.first().map(|(c, _)| *c).unwrap_or(&current)
            }
        };

        // Revocation by the issuer's CRLs.
        for (index, crl) in crls.iter().enumerate() {
            if crl.issuer_der() != current.issuer_der().as_slice() {
                continue;
            }
            let verified = match crl_checked.get_mut(index) {
                Some(slot) => *slot.get_or_insert_with(|| crl.verify_signed_by(issuer).is_ok()),
                None => crl.verify_signed_by(issuer).is_ok(),
            };
            if !verified {
                link.notes.push(format!(
                    "a CRL of {} does not verify under {}: ignored",
                    crl.issuer(),
                    short(issuer)
                ));
                continue;
            }
            link.revocation_checked = true;
            if !crl.is_fresh_at(at) {
                link.notes.push(format!(
                    "the CRL of {} used ({} to {}) is not the one current at {}",
                    short(issuer),
                    rfc3339(crl.this_update()),
                    crl.next_update()
                        .map(rfc3339)
                        .unwrap_or_else(|| "no nextUpdate".to_owned()),
                    rfc3339(at)
                ));
            }
            if let Some(entry) = crl.lookup_certificate(&current) {
                let reason = entry
                    .reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                if entry.date <= at {
                    link.problems.push(format!(
                        "revoked on {}{reason}, before {}",
                        rfc3339(entry.date),
                        rfc3339(at)
                    ));
                } else {
                    link.notes.push(format!(
                        "revoked on {}{reason}, after {}: it still counts at that time",
                        rfc3339(entry.date),
                        rfc3339(at)
                    ));
                }
                link.revocation = Some(entry);
            }
        }

        links.push(link);
        if seen.contains(&issuer.sha256()) {
            if !trusted {
                reasons.push(format!("issuer loop at {}", short(issuer)));
            }
            break;
        }
        current = issuer.clone();
    }

    for (index, link) in links.iter_mut().enumerate() {
        link.ok = link.problems.is_empty();
        let name = link
            .subject
            .split(", ")
            .find_map(|p| p.strip_prefix("CN="))
            .unwrap_or(&link.subject)
            .to_owned();
        for problem in &link.problems {
            reasons.push(format!("link {} ({name}): {problem}", index + 1));
        }
    }
    let valid = trusted && reasons.is_empty();
    ChainReport {
        at: rfc3339(at),
        trusted,
        valid,
        links,
        reasons,
    }
}
