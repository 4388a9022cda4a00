//! Verification: every signature, the manifest, and the quorum on the manifest's roster.

use std::collections::HashMap;

use serde::Serialize;
use tekseru_core::{quorum, Iin};
use tekseru_eds::algorithm::{DigestAlgorithm, Hasher};
use tekseru_eds::certificate::Certificate;
use tekseru_eds::chain::{self, ChainReport};
use tekseru_eds::crl::{Crl, Revocation};
use tekseru_eds::{anchor, cms};
use time::OffsetDateTime;

use crate::data::ActData;
use crate::pdf;
use crate::revisions::{Change, History, Level, Roles};
use crate::ActError;

/// What an act's roster, rule, settings and audit head must be: the inspection's, from the
/// store or a roster file (`act verify --roster`).
#[derive(Clone, Debug, Default)]
pub struct ExpectedRoster {
    /// The commission.
    pub roster: tekseru_core::Roster,
    /// The quorum rule, when known.
    pub rule: Option<quorum::Rule>,
    /// The quorum settings, when known.
    pub settings: Option<quorum::Settings>,
    /// The audit head the inspection was sealed at, when known.
    pub audit_head: Option<String>,
}

/// Whether the pages of revision 1 are the manifest's, drawn again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pages {
    /// Drawn again from the manifest, revision 1 is byte for byte the same.
    Shown,
    /// Revision 1 is not what the manifest renders to: the pages show something else.
    NotShown,
    /// The act was rendered by another renderer: its pages cannot be drawn again here.
    Unconfirmed,
}

/// The modification policy every signature of an act allows (DocMDP P=2).
const MDP: &str = "form filling and signing (P=2)";

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
    /// The inspection's roster, rule, settings and audit head the manifest must state; `None`:
    /// the roster is taken as the act states it, not confirmed.
    pub roster: Option<ExpectedRoster>,
}

impl Default for VerifyOptions {
    fn default() -> VerifyOptions {
        VerifyOptions {
            default_anchors: true,
            trust: Vec::new(),
            at: None,
            crls: Vec::new(),
            roster: None,
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
    /// The modifications the signature allows after it (DocMDP).
    pub mdp: String,
    /// How far the updates after it go: `none`, `form_filling` (signing), `annotations`,
    /// `other` (the content changed).
    pub modification: Level,
    /// What the updates after it changed beyond signing: object, revision, what it is.
    pub changes_after: Vec<Change>,
    /// What the updates before it, after the rendered act, changed beyond signing: the
    /// revision it signs is not the act as rendered.
    pub changes_before: Vec<Change>,
    /// Whether the content it signed is what the file shows: nothing but signing after it
    /// (a comment after the last signature is an unsigned change, not a content change),
    /// and nothing but signing before it since the act was rendered.
    pub content_intact: bool,
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
    /// Whether the pages of revision 1 are the manifest's, drawn again.
    pub pages: Pages,
    /// The renderer the manifest names.
    pub renderer: Option<String>,
    /// Whether the roster, rule, settings and audit head were checked against the
    /// inspection's (`VerifyOptions::roster`) and agree.
    pub roster_confirmed: bool,
    /// The quorum over the valid, trusted signatures of roster members.
    pub quorum: quorum::Outcome,
    /// Every problem found, one sentence each.
    pub reasons: Vec<String>,
    /// Whether every signature is valid, trusted and covers intact content, nothing follows
    /// the last one, the manifest matches, the pages show it, the roster (when given) agrees
    /// and the quorum is met.
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

/// A signature's CMS and the bytes it signs, `bytes[..b]` then `bytes[c..end]`, from a
/// `/ByteRange [0 b c d]` that covers the file around its `/Contents`.
struct SignedParts {
    der: Vec<u8>,
    b: usize,
    c: usize,
    end: usize,
}

impl SignedParts {
    fn of(bytes: &[u8], [a, b, c, d]: [usize; 4]) -> Option<SignedParts> {
        let end = c.checked_add(d)?;
        let contents = bytes
            .get(b..c)
            .filter(|_| a == 0 && b < c && end <= bytes.len())?;
        if contents.first() != Some(&b'<') || contents.last() != Some(&b'>') {
            return None;
        }
        let inner = contents.get(1..contents.len() - 1).unwrap_or_default();
        let der = unhex(inner).unwrap_or_default();
        let der = der_len(&der)
            .and_then(|n| der.get(..n))
            .unwrap_or(&[])
            .to_vec();
        Some(SignedParts { der, b, c, end })
    }

    fn ranges<'a>(&self, bytes: &'a [u8]) -> [&'a [u8]; 2] {
        [
            bytes.get(..self.b).unwrap_or_default(),
            bytes.get(self.c..self.end).unwrap_or_default(),
        ]
    }
}

/// The digest of each signature's signed bytes, with its CMS's digest algorithm (`None`
/// where that cannot be read).
fn range_digests(
    bytes: &[u8],
    parts: &[Option<SignedParts>],
) -> Vec<Option<(DigestAlgorithm, Vec<u8>)>> {
    let wanted: Vec<Option<(DigestAlgorithm, [usize; 3])>> = parts
        .iter()
        .map(|p| {
            let p = p.as_ref()?;
            let algorithm = cms::signer_digest_algorithm(&p.der).ok()?;
            Some((algorithm, [p.b, p.c, p.end]))
        })
        .collect();
    shared_prefix_digests(bytes, &wanted)
}

/// The digest of `bytes[..b]` then `bytes[c..end]` for each `(algorithm, [b, c, end])`.
/// Every signed range of an act begins at 0 and runs to its `/Contents`, so, taken in that
/// order, each range's first part extends the one before: one hasher per algorithm runs
/// along the file and is copied at each `/Contents` to take that range's second part. Nine
/// signatures over a 30 MB act cost one pass over it, not nine.
fn shared_prefix_digests(
    bytes: &[u8],
    wanted: &[Option<(DigestAlgorithm, [usize; 3])>],
) -> Vec<Option<(DigestAlgorithm, Vec<u8>)>> {
    let mut order: Vec<(usize, DigestAlgorithm, [usize; 3])> = wanted
        .iter()
        .enumerate()
        .filter_map(|(i, w)| w.map(|(algorithm, range)| (i, algorithm, range)))
        .collect();
    order.sort_by_key(|&(_, _, [b, _, _])| b);
    // Per algorithm: a hasher that has taken `bytes[..at]`.
    let mut running: HashMap<DigestAlgorithm, (usize, Hasher)> = HashMap::new();
    let mut digests = vec![None; wanted.len()];
    for (i, algorithm, [b, c, end]) in order {
        let (at, hasher) = running
            .entry(algorithm)
            .or_insert_with(|| (0, algorithm.hasher()));
        hasher.update(bytes.get(*at..b).unwrap_or_default());
        *at = b;
        let mut this = hasher.clone();
        this.update(bytes.get(c..end).unwrap_or_default());
        if let Some(slot) = digests.get_mut(i) {
            *slot = Some((algorithm, this.finalize()));
        }
    }
    digests
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
    let history = History::read(bytes);
    let roles = Roles::of(&doc);
    let updates = history
        .as_ref()
        .map(|h| h.changes(&roles))
        .unwrap_or_default();
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
    let all_parts: Vec<Option<SignedParts>> = found
        .iter()
        .map(|sig| SignedParts::of(bytes, sig.byte_range))
        .collect();
    let digests = range_digests(bytes, &all_parts);
    for (index, sig) in found.iter().enumerate() {
        let number = index + 1;
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
            mdp: MDP.to_owned(),
            modification: Level::None,
            changes_after: Vec::new(),
            changes_before: Vec::new(),
            content_intact: false,
        };
        let Some(parts) = &all_parts[index] else {
            reasons.push(format!(
                "signature {number}: its byte range does not cover the file around /Contents"
            ));
            reports.push(report);
            continue;
        };
        let end = parts.end;
        report.revision = match &history {
            Some(h) => h.revision_of(end),
            None => pdf::revisions(bytes.get(..end).unwrap_or_default()),
        };
        let checked = match &digests[index] {
            Some((algorithm, digest)) => {
                cms::verify_detached_digest(&parts.der, *algorithm, digest)
            }
            // A CMS whose digest algorithm cannot be read: checked over the bytes, which
            // names what is wrong with it.
            None => cms::verify_detached(&parts.der, &parts.ranges(bytes)),
        };
        let cms = match checked {
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
        reports.push(report);
    }
    // What each signature's revision was changed by afterwards, and before it.
    let last_signed = reports.iter().map(|r| r.revision).max().unwrap_or(0);
    let unreadable = history.is_none();
    if unreadable {
        reasons.push(
            "the file's cross-reference sections cannot be read one by one, so what each update changed cannot be told: no signature counts"
                .to_owned(),
        );
    }
    let disqualifying = |c: &Change| {
        c.level == Level::Other || (c.level == Level::Annotations && c.revision <= last_signed)
    };
    let list = |changes: &[&Change]| {
        changes
            .iter()
            .map(|c| {
                format!(
                    "OBJECT {} ({}) in revision {}",
                    c.object, c.what, c.revision
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    for (index, report) in reports.iter_mut().enumerate() {
        if report.revision == 0 {
            continue;
        }
        let number = index + 1;
        let who = report
            .member
            .clone()
            .unwrap_or_else(|| report.subject.clone());
        for (revision, level, changes) in &updates {
            if *revision > report.revision {
                report.modification = report.modification.max(*level);
                report.changes_after.extend(changes.iter().cloned());
            } else {
                report
                    .changes_before
                    .extend(changes.iter().filter(|c| disqualifying(c)).cloned());
            }
        }
        let after: Vec<&Change> = report
            .changes_after
            .iter()
            .filter(|c| disqualifying(c))
            .collect();
        let before: Vec<&Change> = report.changes_before.iter().collect();
        if !after.is_empty() {
            reasons.push(format!(
                "signature {number} ({who}) covers a revision whose content was changed afterwards: {}; it does not count",
                list(&after)
            ));
        }
        if !before.is_empty() {
            reasons.push(format!(
                "signature {number} ({who}) signs a revision whose content was changed after the act was rendered: {}; it does not count",
                list(&before)
            ));
        }
        report.content_intact = !unreadable && after.is_empty() && before.is_empty();
    }
    let unsigned: Vec<&Change> = updates
        .iter()
        .filter(|(revision, _, _)| *revision > last_signed && last_signed > 0)
        .flat_map(|(_, _, changes)| changes.iter())
        .filter(|c| c.level == Level::Annotations)
        .collect();
    if !unsigned.is_empty() {
        reasons.push(format!(
            "after the last signature, an unsigned update adds comments: {} (an unsigned change, not a change of the signed content)",
            list(&unsigned)
        ));
    }

    // The act as rendered: revision 1, its manifest and pages.
    let redefined = history.as_ref().map(History::redefined).unwrap_or_default();
    let mut first = doc;
    if let Some(h) = &history {
        for (id, object) in h.first_versions(&redefined) {
            first.objects.insert(id, object);
        }
    }
    match pdf::manifest(&first) {
        Ok(m) if m == manifest => {}
        _ => manifest_matches = false,
    }
    let (pages, renderer) = check_pages(bytes, history.as_ref(), &first, &manifest, &mut reasons);
    let roster_confirmed = match &options.roster {
        None => {
            reasons.push(
                "roster as the act states it, not confirmed: give the inspection's roster (--roster) to check it"
                    .to_owned(),
            );
            false
        }
        Some(expected) => confirm_roster(&data, expected, &mut reasons),
    };
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
        .filter(|r| r.valid && r.trusted && r.content_intact)
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
            .all(|r| r.valid && r.trusted && r.content_intact && r.member.is_some())
        && !modified
        && manifest_matches
        && pages != Pages::NotShown
        && (options.roster.is_none() || roster_confirmed)
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
        pages,
        renderer,
        roster_confirmed,
        quorum: outcome,
        reasons,
        ok,
    })
}

/// Draws revision 1 again from its manifest (the photos taken from the PDF, the creation
/// time from its /Info) and compares the bytes.
fn check_pages(
    bytes: &[u8],
    history: Option<&History<'_>>,
    first: &lopdf::Document,
    manifest: &[u8],
    reasons: &mut Vec<String>,
) -> (Pages, Option<String>) {
    let this = crate::render::RENDERER;
    let data: ActData = match serde_json::from_slice(manifest) {
        Ok(data) => data,
        Err(e) => {
            reasons.push(format!(
                "pages do not show the manifest: the manifest cannot be read back ({e})"
            ));
            return (Pages::NotShown, None);
        }
    };
    let renderer = data.renderer.clone();
    match renderer.as_deref() {
        Some(r) if r == this => {}
        Some(r) => {
            reasons.push(format!(
                "cannot confirm the pages (rendered by {r}, this is {this})"
            ));
            return (Pages::Unconfirmed, renderer);
        }
        None => {
            reasons.push(format!(
                "cannot confirm the pages (rendered by a tekseru that did not record its renderer, this is {this})"
            ));
            return (Pages::Unconfirmed, renderer);
        }
    }
    let mut not_shown = |why: &str| {
        reasons.push(format!("pages do not show the manifest: {why}"));
        (Pages::NotShown, renderer.clone())
    };
    let Some(end) = history.and_then(History::first_revision_end) else {
        return not_shown("the rendered act's revision cannot be told");
    };
    let Some(languages) = data
        .languages
        .as_deref()
        .and_then(|l| l.parse::<crate::Languages>().ok())
    else {
        return not_shown("the manifest names no languages");
    };
    let created = first
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|i| first.dereference(i).ok())
        .and_then(|(_, i)| i.as_dict().ok())
        .and_then(|i| i.get(b"CreationDate").ok())
        .and_then(|d| d.as_str().ok())
        .and_then(|d| pdf::parse_pdf_date(&String::from_utf8_lossy(d)));
    let Some(created) = created else {
        return not_shown("the act has no creation date");
    };
    let mut images = crate::render::EncodedImages::new();
    for (number, id) in crate::render::image_xobjects(first) {
        if let Ok(stream) = first.get_object(id).and_then(lopdf::Object::as_stream) {
            images.insert(number, stream.clone());
        }
    }
    let options = crate::RenderOptions { languages, created };
    let rendered = match crate::render::render_with(&data, &options, Some(&images)) {
        Ok(rendered) => rendered,
        Err(e) => return not_shown(&format!("the manifest does not render ({e})")),
    };
    let original = bytes.get(..end).unwrap_or_default();
    let trimmed = rendered.trim_ascii_end();
    if original.trim_ascii_end() == trimmed {
        (Pages::Shown, renderer)
    } else {
        not_shown("the rendered act's pages are not what its manifest renders to (pages, text or hidden content differ)")
    }
}

/// Checks the manifest's roster, rule, settings and audit head against the inspection's.
fn confirm_roster(data: &ActData, expected: &ExpectedRoster, reasons: &mut Vec<String>) -> bool {
    let mut ok = true;
    if data.roster != expected.roster {
        ok = false;
        let names = |r: &tekseru_core::Roster| {
            r.members
                .iter()
                .map(|m| format!("{} ({})", m.name, m.iin))
                .collect::<Vec<_>>()
                .join(", ")
        };
        reasons.push(format!(
            "the act's roster is not the inspection's: the act lists {}; the inspection has {}",
            names(&data.roster),
            names(&expected.roster)
        ));
    }
    if let Some(rule) = expected.rule.filter(|r| *r != data.rule) {
        ok = false;
        reasons.push(format!(
            "the act's quorum rule is {:?}, the inspection's is {rule:?}",
            data.rule
        ));
    }
    if let Some(settings) = expected.settings.filter(|s| *s != data.settings) {
        ok = false;
        reasons.push(format!(
            "the act's quorum settings ({:?}) are not the inspection's ({settings:?})",
            data.settings
        ));
    }
    if let Some(head) = expected
        .audit_head
        .as_ref()
        .filter(|h| **h != data.audit_head)
    {
        ok = false;
        reasons.push(format!(
            "the act carries audit head {}, the inspection was sealed at {}",
            data.audit_head, head
        ));
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALGORITHMS: [DigestAlgorithm; 3] = [
        DigestAlgorithm::Streebog512,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Streebog256,
    ];

    #[test]
    fn nine_nested_ranges_in_any_order_get_the_digests_of_their_own_bytes() {
        let bytes: Vec<u8> = (0..40_000u32).map(|i| (i * 7 % 253) as u8).collect();
        // As nine incremental signatures lay them out: each range's /Contents lies past the
        // end of the one before; listed in roster order, not file order.
        let mut wanted = Vec::new();
        for k in [4usize, 0, 8, 2, 6, 1, 7, 3, 5] {
            let b = 3_000 + k * 4_000;
            let (c, end) = (b + 1_000, b + 3_500);
            wanted.push(Some((ALGORITHMS[k % 3], [b, c, end])));
        }
        wanted.insert(3, None);
        let digests = shared_prefix_digests(&bytes, &wanted);
        assert_eq!(digests.len(), wanted.len());
        for (want, got) in wanted.iter().zip(&digests) {
            match (want, got) {
                (Some((algorithm, [b, c, end])), Some((used, digest))) => {
                    assert_eq!(used, algorithm);
                    assert_eq!(
                        digest,
                        &algorithm.digest_parts(&[&bytes[..*b], &bytes[*c..*end]])
                    );
                }
                (None, None) => {}
                other => panic!("{other:?}"),
            }
        }
    }

    proptest! {
        #[test]
        fn shared_prefixes_give_each_range_its_own_digest(
            bytes in proptest::collection::vec(any::<u8>(), 1..2_000),
            ranges in proptest::collection::vec((any::<u16>(), any::<u16>(), any::<u16>(), 0..3usize), 0..6),
        ) {
            let len = bytes.len();
            let wanted: Vec<Option<(DigestAlgorithm, [usize; 3])>> = ranges
                .iter()
                .map(|&(x, y, z, a)| {
                    let mut cut = [usize::from(x) % len, usize::from(y) % len, usize::from(z) % len];
                    cut.sort_unstable();
                    Some((ALGORITHMS[a], cut))
                })
                .collect();
            let digests = shared_prefix_digests(&bytes, &wanted);
            for (want, got) in wanted.iter().zip(&digests) {
                let (algorithm, [b, c, end]) = want.unwrap();
                let expected = algorithm.digest_parts(&[&bytes[..b], &bytes[c..end]]);
                prop_assert_eq!(got.as_ref().map(|g| &g.1), Some(&expected));
            }
        }
    }
}
