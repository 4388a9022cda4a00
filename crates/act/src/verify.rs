//! Verification: every signature, the manifest, and the quorum on the manifest's roster.

use serde::Serialize;
use tekseru_core::{quorum, Iin};
use tekseru_eds::certificate::Certificate;
use tekseru_eds::chain::{self, ChainReport};
use tekseru_eds::crl::{Crl, Revocation};
use tekseru_eds::{anchor, cms};
use time::OffsetDateTime;

use crate::data::ActData;
use crate::pdf;
use crate::ActError;

/// What a verification trusts and when it judges.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// Whether the NCA RK anchors shipped with tekseru are trusted: the production roots and
    /// intermediates, or, for a training act, only the NCA TEST hierarchy.
    pub default_anchors: bool,
    /// Further trusted certificates (roots, or intermediates trusted as path ends): the
    /// store's trusted roots, `act verify --trust`.
    pub trust: Vec<Certificate>,
    /// Judge every certificate at this time instead of its signature's signing time.
    pub at: Option<OffsetDateTime>,
    /// Revocation lists: a signer revoked before its signing time does not count.
    pub crls: Vec<Crl>,
}

impl Default for VerifyOptions {
    fn default() -> VerifyOptions {
        VerifyOptions {
            default_anchors: true,
            trust: Vec::new(),
            at: None,
            crls: Vec::new(),
        }
    }
}

/// The signer's certificate, as `act verify --json` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct CertificateReport {
    /// Serial number, lowercase hex.
    pub serial: String,
    /// The issuer on one line.
    pub issuer: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// The holder's role from EKU 1.2.398.3.3.4.*, when the certificate has one.
    pub role: Option<String>,
    /// SHA-256 of the certificate, hex.
    pub sha256: String,
}

/// One signature as found.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureReport {
    /// The roster member's name, when the certificate's IIN is on the roster.
    pub member: Option<String>,
    /// The IIN in the certificate's subject.
    pub iin: Option<String>,
    /// The certificate's subject.
    pub subject: String,
    /// The signing time, RFC 3339: the CMS's signingTime signed attribute (for acts signed
    /// before tekseru wrote it, the signature dictionary's `/M`).
    pub signed_at: Option<String>,
    /// The time the certificate path was judged at, RFC 3339: `signed_at`, or `--at`.
    pub judged_at: Option<String>,
    /// The signature algorithm, e.g. `GOST R 34.10-2015 512-bit with Streebog-512`.
    pub algorithm: Option<String>,
    /// The signer's certificate.
    pub certificate: Option<CertificateReport>,
    /// The signer's CRL entry, when a CRL given lists it.
    pub revoked: Option<Revocation>,
    /// Whether the signed bytes are intact and the signature is mathematically valid.
    pub valid: bool,
    /// Whether the certificate chains to a trusted anchor, valid and unrevoked at `judged_at`.
    pub trusted: bool,
    /// The certificate path, link by link, when it was built.
    pub chain: Option<ChainReport>,
    /// The revision (1 = the rendered act) the signature covers.
    pub revision: usize,
}

/// The result of [`verify`].
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    /// Whether this is a training act (NCA TEST keys): it has no legal force.
    pub training: bool,
    /// The signatures, in the order they were made.
    pub signatures: Vec<SignatureReport>,
    /// Whether bytes were appended after the last signature.
    pub modified_after_last_signature: bool,
    /// Whether the manifest is present, is act data, and is the one every signature covered.
    pub manifest_matches: bool,
    /// The quorum over the valid, trusted signatures of roster members.
    pub quorum: quorum::Outcome,
    /// Every problem found, one sentence each.
    pub reasons: Vec<String>,
    /// Whether every signature is valid and trusted, nothing follows the last one, the
    /// manifest matches and the quorum is met.
    pub ok: bool,
}

fn rfc3339(t: OffsetDateTime) -> Option<String> {
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// The length of a DER value from its header (the hex in `/Contents` is zero-padded).
fn der_len(der: &[u8]) -> Option<usize> {
    let first = *der.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    let mut len = 0usize;
    for i in 0..n {
        len = len.checked_mul(256)? + usize::from(*der.get(2 + i)?);
    }
    2usize.checked_add(n)?.checked_add(len)
}

fn unhex(text: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

/// The trust anchors of a verification: the shipped ones (production, or TEST for a training
/// act) unless switched off, plus those given.
fn anchors(training: bool, options: &VerifyOptions) -> Result<Vec<Certificate>, ActError> {
    let mut out = Vec::new();
    if options.default_anchors {
        let shipped = if training {
            anchor::training()
        } else {
            anchor::production()
        }
        .map_err(|e| ActError::Crypto(format!("the shipped trust anchors: {e}")))?;
        out.extend(shipped.iter().map(|a| a.certificate.clone()));
    }
    out.extend(options.trust.iter().cloned());
    Ok(out)
}

/// Verifies a signed act: every signature over its byte range (GOST 2015/2004, RSA and
/// ECDSA alike), its certificate path to the trust anchors at the signature's own signing
/// time, revocation, whether the file changed after the last signature, whether the
/// manifest is the one every signature covered, and the quorum on the manifest's roster.
pub fn verify(bytes: &[u8], options: &VerifyOptions) -> Result<Verification, ActError> {
    let doc = pdf::load(bytes)?;
    let manifest = pdf::manifest(&doc)?;
    let data = ActData::from_json(&String::from_utf8_lossy(&manifest))
        .map_err(|e| ActError::Pdf(format!("the attached manifest is not act data: {e}")))?;
    let trusted = anchors(data.training, options)?;
    let mut reasons = Vec::new();
    if data.training {
        reasons.push(
            "training act: it has no legal force (signed with NCA TEST keys, trusted only against the NCA TEST anchors)"
                .to_owned(),
        );
    }
    if trusted.is_empty() {
        reasons.push(
            "no trust anchors: the shipped NCA anchors are switched off and none were given (--trust): no signature is trusted"
                .to_owned(),
        );
    }
    let mut reports = Vec::new();
    let mut manifest_matches = true;
    let found = pdf::signatures(&doc);
    for (index, sig) in found.iter().enumerate() {
        let number = index + 1;
        let [a, b, c, d] = sig.byte_range;
        let mut report = SignatureReport {
            member: None,
            iin: None,
            subject: String::new(),
            signed_at: None,
            judged_at: None,
            algorithm: None,
            certificate: None,
            revoked: None,
            valid: false,
            trusted: false,
            chain: None,
            revision: 0,
        };
        let end = c.saturating_add(d);
        let contents = bytes
            .get(b..c)
            .filter(|_| a == 0 && b < c && end <= bytes.len());
        let Some(contents) =
            contents.filter(|h| h.first() == Some(&b'<') && h.last() == Some(&b'>'))
        else {
            reasons.push(format!(
                "signature {number}: its byte range does not cover the file around /Contents"
            ));
            reports.push(report);
            continue;
        };
        report.revision = pdf::revisions(bytes.get(..end).unwrap_or_default());
        let inner = contents.get(1..contents.len() - 1).unwrap_or_default();
        let der = unhex(inner).unwrap_or_default();
        let der = der_len(&der).and_then(|n| der.get(..n)).unwrap_or(&[]);
        let signed = [
            bytes.get(..b).unwrap_or_default(),
            bytes.get(c..end).unwrap_or_default(),
        ];
        let cms = match cms::verify_detached(der, &signed) {
            Ok(cms) => cms,
            Err(e) => {
                reasons.push(format!("signature {number} is not valid: {e}"));
                reports.push(report);
                continue;
            }
        };
        report.valid = true;
        let cert = &cms.signer;
        report.subject = cert.subject();
        report.iin = cert.iin();
        report.algorithm = Some(cms.signature_algorithm.name());
        let facts = cert.facts();
        report.certificate = Some(CertificateReport {
            serial: facts.serial,
            issuer: facts.issuer,
            not_before: facts.not_before,
            not_after: facts.not_after,
            role: facts.role,
            sha256: facts.sha256,
        });
        let member = report
            .iin
            .as_deref()
            .and_then(|i| Iin::parse_allowing_test(i).ok())
            .and_then(|i| data.roster.find(&i));
        report.member = member.map(|m| m.name.clone());
        let who = report
            .member
            .clone()
            .unwrap_or_else(|| report.subject.clone());
        let signing_time = cms
            .signing_time
            .or_else(|| sig.time.as_deref().and_then(pdf::parse_pdf_date));
        report.signed_at = signing_time.and_then(rfc3339);
        let judged = options.at.or(signing_time);
        match judged {
            None => reasons.push(format!(
                "signature {number} ({who}): it carries no signing time, so its certificate cannot be judged; give --at"
            )),
            Some(at) => {
                report.judged_at = rfc3339(at);
                let intermediates: Vec<Certificate> = cms
                    .certificates
                    .iter()
                    .filter(|c| *c != cert)
                    .cloned()
                    .collect();
                let path = chain::validate(cert, &intermediates, &trusted, at, &options.crls);
                report.revoked = path.leaf_revocation().cloned();
                report.trusted = path.valid;
                if !path.valid && !trusted.is_empty() {
                    let why = path.reasons.first().cloned().unwrap_or_else(|| {
                        "it does not chain to a trusted anchor".to_owned()
                    });
                    reasons.push(format!(
                        "signature {number} ({who}) is not trusted at {}: {why}",
                        report.judged_at.as_deref().unwrap_or("?")
                    ));
                }
                if let Some(revoked) = &report.revoked {
                    if path.valid {
                        reasons.push(format!(
                            "signature {number} ({who}): its certificate was revoked on {} ({}), after it signed: the signature still counts",
                            rfc3339(revoked.date).unwrap_or_default(),
                            revoked.reason.as_deref().unwrap_or("no reason given")
                        ));
                    }
                }
                report.chain = Some(path);
            }
        }
        if let Err(e) = cert.check_signing_usage() {
            report.trusted = false;
            reasons.push(format!("signature {number} ({who}): {e}"));
        }
        if member.is_none() {
            reasons.push(format!(
                "signature {number} ({}): the signer is not on the commission's roster",
                report.subject
            ));
        }
        // The manifest in the revision this signature covers must be the current one.
        match pdf::load(bytes.get(..end).unwrap_or_default()).and_then(|d| pdf::manifest(&d)) {
            Ok(m) if m == manifest => {}
            _ => manifest_matches = false,
        }
        reports.push(report);
    }
    if !manifest_matches {
        reasons.push("the attached manifest was changed after signing".to_owned());
    }
    let last_end = found
        .last()
        .map(|s| s.byte_range[2].saturating_add(s.byte_range[3]))
        .unwrap_or(0);
    let modified = !found.is_empty() && bytes.len() > last_end;
    if modified {
        reasons.push(format!(
            "{} bytes were appended after the last signature: that change is not signed",
            bytes.len() - last_end
        ));
    }
    if found.is_empty() {
        reasons.push("the act bears no signature".to_owned());
    }
    let counted: Vec<quorum::Signature> = reports
        .iter()
        .filter(|r| r.valid && r.trusted)
        .filter_map(|r| {
            let iin = Iin::parse_allowing_test(r.iin.as_deref()?).ok()?;
            let signed_on = r
                .signed_at
                .as_deref()
                .and_then(|t| {
                    OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
                })
                .and_then(|t| {
                    time::UtcOffset::from_hms(5, 0, 0)
                        .ok()
                        .map(|o| t.to_offset(o).date())
                });
            Some(quorum::Signature { iin, signed_on })
        })
        .collect();
    let outcome = quorum::evaluate(
        data.rule,
        &data.roster,
        &counted,
        Some(data.end),
        &data.settings,
    );
    let ok = !found.is_empty()
        && reports
            .iter()
            .all(|r| r.valid && r.trusted && r.member.is_some())
        && !modified
        && manifest_matches
        && outcome.adopted;
    if !outcome.adopted {
        if let Some(first) = outcome.reasons.first() {
            reasons.push(format!("quorum: {first}"));
        }
    }
    Ok(Verification {
        training: data.training,
        signatures: reports,
        modified_after_last_signature: modified,
        manifest_matches,
        quorum: outcome,
        reasons,
        ok,
    })
}
