//! Verification: every signature, the manifest, and the quorum on the manifest's roster.

use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::{X509StoreContext, X509};
use serde::Serialize;
use tekseru_core::{quorum, Iin};

use crate::data::ActData;
use crate::pdf;
use crate::sign::{subject_iin, subject_line};
use crate::ActError;

/// One signature as found.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureReport {
    /// The roster member's name, when the certificate's IIN is on the roster.
    pub member: Option<String>,
    /// The IIN in the certificate's subject.
    pub iin: Option<String>,
    /// The certificate's subject.
    pub subject: String,
    /// The signing time in the signature dictionary's `/M`, RFC 3339: only signatures made
    /// before the act's signatures became PAdES have one (a PAdES signature's time is the
    /// CMS's signingTime, which this does not read yet).
    pub signed_at: Option<String>,
    /// Whether the signed bytes are intact and the signature is mathematically valid.
    pub valid: bool,
    /// Whether the certificate chains to a root given with `--trust`.
    pub trusted: bool,
    /// The revision (1 = the rendered act) the signature covers.
    pub revision: usize,
}

/// The result of [`verify`].
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
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

fn store(roots: &[X509]) -> Result<X509Store, ActError> {
    let crypto = |e: openssl::error::ErrorStack| ActError::Crypto(e.to_string());
    let mut builder = X509StoreBuilder::new().map_err(crypto)?;
    for root in roots {
        builder.add_cert(root.clone()).map_err(crypto)?;
    }
    Ok(builder.build())
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
    Some(2 + n + len)
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

/// Verifies a signed act. `roots` are the trusted root certificates; with none, no signature
/// is trusted (and the reasons say so).
pub fn verify(bytes: &[u8], roots: &[X509]) -> Result<Verification, ActError> {
    let doc = pdf::load(bytes)?;
    let manifest = pdf::manifest(&doc)?;
    let data = ActData::from_json(&String::from_utf8_lossy(&manifest))
        .map_err(|e| ActError::Pdf(format!("the attached manifest is not act data: {e}")))?;
    let trust = store(roots)?;
    let mut reasons = Vec::new();
    if roots.is_empty() {
        reasons
            .push("no trusted roots were given (--trust PEM): no signature is trusted".to_owned());
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
            signed_at: sig
                .time
                .as_deref()
                .and_then(pdf::parse_pdf_date)
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                }),
            valid: false,
            trusted: false,
            revision: 0,
        };
        let end = c.saturating_add(d);
        if a != 0
            || b >= c
            || end > bytes.len()
            || bytes.get(b) != Some(&b'<')
            || bytes.get(c - 1) != Some(&b'>')
        {
            reasons.push(format!(
                "signature {number}: its byte range does not cover the file around /Contents"
            ));
            reports.push(report);
            continue;
        }
        report.revision = pdf::revisions(&bytes[..end]);
        let der = unhex(&bytes[b + 1..c - 1]).unwrap_or_default();
        let der = der_len(&der).and_then(|n| der.get(..n)).unwrap_or(&[]);
        let Ok(p7) = Pkcs7::from_der(der) else {
            reasons.push(format!(
                "signature {number}: /Contents is not a PKCS#7/CMS signature"
            ));
            reports.push(report);
            continue;
        };
        let empty = Stack::new().map_err(|e| ActError::Crypto(e.to_string()))?;
        let signer = p7
            .signers(&empty, Pkcs7Flags::empty())
            .ok()
            .and_then(|s| s.iter().next().map(|c| c.to_owned()));
        let Some(cert) = signer else {
            reasons.push(format!(
                "signature {number}: it carries no signer certificate"
            ));
            reports.push(report);
            continue;
        };
        report.subject = subject_line(&cert);
        report.iin = subject_iin(&cert);
        let member = report
            .iin
            .as_deref()
            .and_then(|i| Iin::parse(i).ok())
            .and_then(|i| data.roster.find(&i));
        report.member = member.map(|m| m.name.clone());
        let who = report
            .member
            .clone()
            .unwrap_or_else(|| report.subject.clone());
        let mut signed = Vec::with_capacity(b + d);
        signed.extend_from_slice(&bytes[..b]);
        signed.extend_from_slice(&bytes[c..end]);
        let no_store = store(&[])?;
        report.valid = p7
            .verify(
                &empty,
                &no_store,
                Some(&signed),
                None,
                Pkcs7Flags::NOVERIFY | Pkcs7Flags::BINARY,
            )
            .is_ok();
        if !report.valid {
            reasons.push(format!(
                "signature {number} ({who}) is not valid: the signed bytes were changed or the signature does not match"
            ));
        }
        let chain = p7
            .signed()
            .and_then(|s| s.certificates())
            .map(|certs| certs.iter().map(|c| c.to_owned()).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut untrusted = Stack::new().map_err(|e| ActError::Crypto(e.to_string()))?;
        for c in chain {
            let _ = untrusted.push(c);
        }
        if !roots.is_empty() {
            let mut ctx = X509StoreContext::new().map_err(|e| ActError::Crypto(e.to_string()))?;
            report.trusted = ctx
                .init(&trust, &cert, &untrusted, |ctx| ctx.verify_cert())
                .unwrap_or(false);
            if !report.trusted {
                reasons.push(format!(
                    "signature {number} ({who}): the certificate does not chain to a trusted root"
                ));
            }
        }
        if member.is_none() {
            reasons.push(format!(
                "signature {number} ({}): the signer is not on the commission's roster",
                report.subject
            ));
        }
        // The manifest in the revision this signature covers must be the current one.
        match pdf::load(&bytes[..end]).and_then(|d| pdf::manifest(&d)) {
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
            let iin = Iin::parse(r.iin.as_deref()?).ok()?;
            let signed_on = r
                .signed_at
                .as_deref()
                .and_then(|t| {
                    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                        .ok()
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
        signatures: reports,
        modified_after_last_signature: modified,
        manifest_matches,
        quorum: outcome,
        reasons,
        ok,
    })
}
