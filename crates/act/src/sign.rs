//! Signing: one member's detached CMS signature appended in an incremental update.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ScopedJoinHandle;

use lopdf::{dictionary, Object, ObjectId};
use tekseru_core::Iin;
use tekseru_eds::algorithm::{DigestAlgorithm, Hasher};
use tekseru_eds::certificate::Certificate;
use tekseru_eds::cms::{self, SignedCms};
use tekseru_eds::key::Credential;
use time::OffsetDateTime;

use crate::data::ActData;
use crate::pdf;
use crate::stamp::{self, Appearance};
use crate::ActError;

/// Room reserved for the CMS signature, bytes (hex doubles it in the file).
const SIGNATURE_CAPACITY: usize = 16 * 1024;
/// The width reserved for the `/ByteRange` array.
const BYTE_RANGE_WIDTH: usize = 60;
/// Room reserved for the rest of an incremental update (the stamp and its fonts, the xref).
const UPDATE_ROOM: usize = 256 * 1024;

/// Something that makes a member's detached CMS signature (CAdES, as Kalkan makes it): a key
/// file ([`Pkcs12Signer`]) or NCALayer, for keys on tokens and ID cards.
///
/// What a signer returns is never trusted: [`sign`] verifies the CMS over the signed bytes and
/// checks its certificate before anything enters the act.
pub trait Signer {
    /// The signer's certificate when it is known before signing (a key file), so that a
    /// wrong key is refused before any work and the visible signature can show it; `None`
    /// for NCALayer, whose certificate is known only from the signature it returns.
    fn certificate(&self) -> Option<&Certificate>;
    /// A detached CMS `SignedData` over the concatenation of `parts`, with the signed
    /// attributes contentType, signingTime, signingCertificateV2 and messageDigest, DER.
    /// `at` is the signing time to write, where the signer lets the caller choose it.
    fn sign_detached(&self, parts: &[&[u8]], at: OffsetDateTime) -> Result<Vec<u8>, ActError>;
    /// The digest algorithm of a signer that signs a digest the act computes
    /// ([`Signer::sign_digest`]), so that a 30 MB act is hashed once for signing and checking;
    /// `None` (NCALayer) when the signer needs the bytes themselves.
    fn digest_algorithm(&self) -> Option<DigestAlgorithm> {
        None
    }
    /// Like [`Signer::sign_detached`], over content whose digest (by
    /// [`Signer::digest_algorithm`]) is `digest`.
    fn sign_digest(&self, _digest: &[u8], _at: OffsetDateTime) -> Result<Vec<u8>, ActError> {
        Err(ActError::Crypto(
            "this signer signs the act's bytes, not a digest".to_owned(),
        ))
    }
}

/// A signer whose key and certificate come from a PKCS#12 (`.p12`) file: an NCA RK key
/// file (`GOST512_….p12`, `RSA256_….p12`, GOST 34.310-2004) or any RSA/ECDSA file.
pub struct Pkcs12Signer {
    credential: Credential,
}

impl Pkcs12Signer {
    /// Opens a PKCS#12 file's bytes with its password. A wrong password says so; an
    /// authentication key (`AUTH_…`) is refused here, with what to use instead.
    pub fn open(der: &[u8], password: &str) -> Result<Pkcs12Signer, ActError> {
        let credential =
            Credential::open_p12(der, password).map_err(|e| ActError::KeyStore(e.to_string()))?;
        let public = credential
            .certificate()
            .public_key()
            .map_err(|e| ActError::KeyStore(e.to_string()))?;
        if let Some(bits) = public.rsa_bits().filter(|&b| b < 2048) {
            return Err(ActError::KeyStore(format!(
                "the RSA key has {bits} bits; at least 2048 are required"
            )));
        }
        credential
            .check_signing_usage()
            .map_err(|e| ActError::KeyStore(e.to_string()))?;
        Ok(Pkcs12Signer { credential })
    }
}

impl Signer for Pkcs12Signer {
    fn certificate(&self) -> Option<&Certificate> {
        Some(self.credential.certificate())
    }

    fn sign_detached(&self, parts: &[&[u8]], at: OffsetDateTime) -> Result<Vec<u8>, ActError> {
        cms::sign_detached(parts, &self.credential, at).map_err(|e| ActError::Crypto(e.to_string()))
    }

    fn digest_algorithm(&self) -> Option<DigestAlgorithm> {
        Some(self.credential.key().signature_algorithm().digest())
    }

    fn sign_digest(&self, digest: &[u8], at: OffsetDateTime) -> Result<Vec<u8>, ActError> {
        cms::sign_detached_digest(digest, &self.credential, at)
            .map_err(|e| ActError::Crypto(e.to_string()))
    }
}

/// The certificate's subject on one line, e.g. `CN=Member 810315400008, SERIALNUMBER=IIN…`.
pub fn subject_line(cert: &Certificate) -> String {
    cert.subject()
}

/// Checks that `cert` is `member`'s (its subject `serialNumber=IIN…`), usable for signing
/// (nonRepudiation) and valid at `at`.
fn check_certificate(
    cert: &Certificate,
    member: &Iin,
    name: &str,
    at: OffsetDateTime,
) -> Result<(), ActError> {
    match cert.iin() {
        Some(iin) if iin == member.to_string() => {}
        Some(iin) => {
            return Err(ActError::Certificate(format!(
                "the certificate belongs to IIN {iin} (subject serialNumber IIN{iin}), not to {name} ({member})"
            )))
        }
        None => {
            return Err(ActError::Certificate(format!(
                "the certificate's subject has no serialNumber IIN<12 digits>, so it cannot be tied to {name} ({member})"
            )))
        }
    }
    cert.check_signing_usage()
        .map_err(|e| ActError::Certificate(e.to_string()))?;
    let show = |t: OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    if cert.not_after() < at {
        return Err(ActError::Certificate(format!(
            "the certificate of {name} expired on {} (signing time {})",
            show(cert.not_after()),
            show(at)
        )));
    }
    if cert.not_before() > at {
        return Err(ActError::Certificate(format!(
            "the certificate of {name} is not valid before {} (signing time {})",
            show(cert.not_before()),
            show(at)
        )));
    }
    Ok(())
}

/// The visible signature's facts from a certificate known before signing.
fn appearance(
    name: &str,
    member: &Iin,
    cert: Option<&Certificate>,
    now: OffsetDateTime,
) -> Appearance {
    Appearance {
        name: name.to_owned(),
        iin: member.to_string(),
        serial: cert.map(Certificate::serial_hex),
        issuer: cert.map(|c| c.issuer_common_name().unwrap_or_else(|| c.issuer())),
        signed_at: cert.map(|_| now),
    }
}

/// Signs the act `pdf` as the member `member` at `now`: checks the member is on the
/// manifest's roster and has not dissented, appends the signature in an incremental update
/// (earlier signatures stay valid), then verifies what the signer returned: the CMS over
/// the signed bytes, and that its certificate is the member's, a signing key, and valid at
/// the CMS's signing time. Nothing is returned unless all of that holds.
pub fn sign(
    pdf_bytes: &[u8],
    member: &Iin,
    signer: &dyn Signer,
    now: OffsetDateTime,
) -> Result<Vec<u8>, ActError> {
    let cancel = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // The signed bytes begin with the whole existing file (the update is appended to it),
        // so a key file's digest starts over it on another core while the document is parsed
        // and the update is built; the appended bytes are fed to the same hasher afterwards.
        // Without a thread (the system refused one) the digest is computed afterwards.
        let cancel = &cancel;
        let prefix = signer.digest_algorithm().map(|algorithm| {
            let hashing = std::thread::Builder::new()
                .name("act-digest".to_owned())
                .spawn_scoped(scope, move || hash_prefix(algorithm, pdf_bytes, cancel))
                .ok();
            (algorithm, hashing)
        });
        let signed = sign_with(pdf_bytes, member, signer, now, prefix);
        // On an error before the prefix was needed, the hashing stops at its next chunk.
        cancel.store(true, Ordering::Relaxed);
        signed
    })
}

/// The thread hashing the existing file: its hasher, or `None` when cancelled.
type Prefix<'scope> = ScopedJoinHandle<'scope, Option<Hasher>>;

/// The bytes hashed between checks for cancellation.
const HASH_CHUNK: usize = 1 << 20;

/// A hasher fed with all of `bytes`, or `None` when `cancel` was set first.
fn hash_prefix(algorithm: DigestAlgorithm, bytes: &[u8], cancel: &AtomicBool) -> Option<Hasher> {
    let mut hasher = algorithm.hasher();
    for chunk in bytes.chunks(HASH_CHUNK) {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        hasher.update(chunk);
    }
    Some(hasher)
}

/// [`sign`], given the signer's digest algorithm and the hashing of the existing file with
/// it (`prefix`) when the signer signs a digest.
fn sign_with(
    pdf_bytes: &[u8],
    member: &Iin,
    signer: &dyn Signer,
    now: OffsetDateTime,
    prefix: Option<(DigestAlgorithm, Option<Prefix<'_>>)>,
) -> Result<Vec<u8>, ActError> {
    let doc = pdf::load(pdf_bytes)?;
    let manifest = pdf::manifest(&doc)?;
    let data = ActData::from_json(&String::from_utf8_lossy(&manifest))
        .map_err(|e| ActError::Pdf(format!("the attached manifest is not act data: {e}")))?;
    let Some(person) = data.roster.find(member) else {
        return Err(ActError::NotOnRoster(member.to_string()));
    };
    if data.dissents.iter().any(|d| &d.iin == member) {
        return Err(ActError::Input(format!(
            "{} ({member}) has a dissent note in this act and does not sign it",
            person.name
        )));
    }
    if let Some(cert) = signer.certificate() {
        check_certificate(cert, member, &person.name, now)?;
    }

    let appearance = appearance(&person.name, member, signer.certificate(), now);
    let update = incremental_update(pdf_bytes, &doc, member, Some(&appearance))?;
    drop(doc);
    let mut out = update.bytes;
    let (start, end) = update.contents;
    let signed_len = out.len() - end;
    let range = format!("[0 {start} {end} {signed_len}]");
    if range.len() > BYTE_RANGE_WIDTH {
        return Err(ActError::Pdf(
            "the document is too large for the byte range".to_owned(),
        ));
    }
    let padded = format!("{range:<BYTE_RANGE_WIDTH$}");
    out[update.byte_range..update.byte_range + BYTE_RANGE_WIDTH].copy_from_slice(padded.as_bytes());

    let (head, rest) = out.split_at(start);
    let tail = rest.get(end - start..).unwrap_or_default();
    // A key file signs a digest computed here once, and the CMS is checked against the same
    // digest; NCALayer gets the bytes, and what it returns is checked over them.
    let (cms, checked) = match prefix {
        Some((algorithm, hashing)) => {
            let digest = match hashing {
                Some(hashing) => finish_digest(hashing, pdf_bytes, &[head, tail])?,
                None => algorithm.digest_parts(&[head, tail]),
            };
            let cms = signer.sign_digest(&digest, now)?;
            let checked = cms::verify_detached_digest(&cms, algorithm, &digest);
            (cms, checked)
        }
        None => {
            let cms = signer.sign_detached(&[head, tail], now)?;
            let checked = cms::verify_detached(&cms, &[head, tail]);
            (cms, checked)
        }
    };
    let signed = checked.map_err(|e| {
        ActError::Crypto(format!(
            "the signature the signer returned does not verify over the act, so it was not added: {e}"
        ))
    })?;
    check_returned(&signed, member, &person.name, now)?;
    if cms.len() > SIGNATURE_CAPACITY {
        return Err(ActError::Crypto(format!(
            "the signature is {} bytes, more than the {SIGNATURE_CAPACITY} reserved",
            cms.len()
        )));
    }
    let hex = hex::encode_upper(&cms);
    out[start + 1..start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// The digest of the signed byte ranges `ranges` (`[head, tail]`), given the hasher that
/// has already taken `existing`, the file the update was appended to: `head` must begin
/// with `existing`, and only the rest of `head`, then `tail`, are fed to it.
fn finish_digest(
    prefix: Prefix<'_>,
    existing: &[u8],
    ranges: &[&[u8]; 2],
) -> Result<Vec<u8>, ActError> {
    let [head, tail] = *ranges;
    let appended = head.strip_prefix(existing).ok_or_else(|| {
        ActError::Pdf("cannot sign: the update does not extend the act".to_owned())
    })?;
    let mut hasher = prefix
        .join()
        .ok()
        .flatten()
        .ok_or_else(|| ActError::Crypto("hashing the act failed".to_owned()))?;
    hasher.update(appended);
    hasher.update(tail);
    Ok(hasher.finalize())
}

/// Checks a returned signature's certificate: the member's, a signing key, valid at the
/// CMS's own signing time (which must be present and near `now`, the time asked for).
fn check_returned(
    signed: &SignedCms,
    member: &Iin,
    name: &str,
    now: OffsetDateTime,
) -> Result<(), ActError> {
    let Some(at) = signed.signing_time else {
        return Err(ActError::Crypto(
            "the signature the signer returned has no signingTime attribute, so the time it was made is unknown; it was not added".to_owned(),
        ));
    };
    // NCALayer writes its own clock's time; allow the minutes a member needs for the PIN.
    if (at - now).abs() > time::Duration::minutes(30) {
        return Err(ActError::Crypto(format!(
            "the signature the signer returned says it was made at {at}, not near {now}: check the computer's clock; it was not added"
        )));
    }
    check_certificate(&signed.signer, member, name, at)
}

/// The next free object number, counted on.
fn take(next: &mut u32) -> Result<ObjectId, ActError> {
    let id = (*next, 0);
    *next = next
        .checked_add(1)
        .ok_or_else(|| ActError::Pdf("cannot sign: too many objects".to_owned()))?;
    Ok(id)
}

struct Update {
    bytes: Vec<u8>,
    /// Offsets of `<` and just past `>` of `/Contents`.
    contents: (usize, usize),
    /// Offset of the `/ByteRange` array.
    byte_range: usize,
}

/// Appends the signature dictionary (with room for the CMS) for `member` in an incremental
/// update. The member's empty signature field, when the act has one, gets the signature
/// and, given an `appearance`, the visible stamp; otherwise (acts rendered before fields
/// existed, or a member signing again) a new invisible field is added.
fn incremental_update(
    bytes: &[u8],
    doc: &lopdf::Document,
    member: &Iin,
    appearance: Option<&Appearance>,
) -> Result<Update, ActError> {
    let bad = |what: &str| ActError::Pdf(format!("cannot sign: {what}"));
    let prev = pdf::last_startxref(bytes)?;
    let size = doc
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .map_err(|_| bad("the trailer has no /Size"))?;
    let size = u32::try_from(size).map_err(|_| bad("bad /Size"))?;
    let root = pdf::root_id(doc)?;
    let mut catalog = doc
        .get_dictionary(root)
        .map_err(|_| bad("no catalog"))?
        .clone();
    let mut next = size;
    let sig_id = take(&mut next)?;

    // The catalog's /AcroForm: an object of its own or inline in the catalog.
    let (acroform_id, mut acroform) = match catalog.get(b"AcroForm") {
        Ok(Object::Reference(id)) => (
            Some(*id),
            doc.get_dictionary(*id).cloned().unwrap_or_default(),
        ),
        Ok(Object::Dictionary(af)) => (None, af.clone()),
        _ => (None, lopdf::Dictionary::new()),
    };
    let mut fields: Vec<Object> = match acroform.get(b"Fields").map(|f| doc.dereference(f)) {
        Ok(Ok((_, Object::Array(list)))) => list.clone(),
        _ => Vec::new(),
    };
    acroform.set("SigFlags", Object::Integer(3));

    // Objects of the update besides the signature dictionary, and whether the catalog changes.
    let mut objects: Vec<(ObjectId, Object)> = Vec::new();
    let mut catalog_changed = acroform_id.is_none();
    let field = pdf::signature_fields(doc)
        .into_iter()
        .find(|f| f.iin == member.to_string() && !f.signed);
    if let Some(field) = field {
        let mut widget = doc
            .get_dictionary(field.widget_id)
            .map_err(|_| bad("the signature field's widget is missing"))?
            .clone();
        widget.set("V", Object::Reference(sig_id));
        if let Some(appearance) = appearance {
            let [x1, y1, x2, y2] = field.rect;
            let fonts = crate::render::load_fonts()?;
            let form_id = take(&mut next)?;
            let xobject = stamp::xobject(fonts, appearance, x2 - x1, y2 - y1, next)?;
            for _ in &xobject.objects {
                take(&mut next)?;
            }
            widget.set("AP", dictionary! { "N" => Object::Reference(form_id) });
            objects.push((form_id, Object::Stream(xobject.form)));
            objects.extend(xobject.objects);
        }
        objects.push((field.widget_id, Object::Dictionary(widget)));
    } else {
        // No field for the member: an invisible one on the first page.
        let page_id = doc
            .get_pages()
            .into_iter()
            .next()
            .map(|(_, id)| id)
            .ok_or_else(|| bad("the document has no page"))?;
        let mut page = doc
            .get_dictionary(page_id)
            .map_err(|_| bad("no first page"))?
            .clone();
        let mut annots: Vec<Object> = match page.get(b"Annots").map(|a| doc.dereference(a)) {
            Ok(Ok((_, Object::Array(list)))) => list.clone(),
            _ => Vec::new(),
        };
        let widget_id = take(&mut next)?;
        let n = fields.len();
        fields.push(Object::Reference(widget_id));
        annots.push(Object::Reference(widget_id));
        page.set("Annots", Object::Array(annots));
        let widget = dictionary! {
            "Type" => "Annot",
            "Subtype" => "Widget",
            "FT" => "Sig",
            "T" => Object::String(format!("Signature{n}").into_bytes(), lopdf::StringFormat::Literal),
            "V" => Object::Reference(sig_id),
            "F" => 132,
            "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
            "P" => Object::Reference(page_id),
        };
        objects.push((widget_id, Object::Dictionary(widget)));
        objects.push((page_id, Object::Dictionary(page)));
        acroform.set("Fields", Object::Array(fields));
    }
    match acroform_id {
        Some(id) => objects.push((id, Object::Dictionary(acroform))),
        None => {
            let id = take(&mut next)?;
            catalog.set("AcroForm", Object::Reference(id));
            objects.push((id, Object::Dictionary(acroform)));
            catalog_changed = true;
        }
    }
    if catalog_changed {
        objects.push((root, Object::Dictionary(catalog)));
    }

    // Room for the update, so that the 30 MB act is copied once.
    let mut out = Vec::with_capacity(
        bytes
            .len()
            .saturating_add(SIGNATURE_CAPACITY * 2 + UPDATE_ROOM),
    );
    out.extend_from_slice(bytes);
    if out.last() != Some(&b'\n') {
        out.push(b'\n');
    }
    let mut offsets: Vec<(ObjectId, usize)> = Vec::new();

    // The signature dictionary (PAdES: the signing time is the CMS's own, not /M).
    offsets.push((sig_id, out.len()));
    let name = match appearance {
        Some(a) => a.name.clone(),
        None => member.to_string(),
    };
    let mut head = format!(
        "{} 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/Name ",
        sig_id.0
    );
    pdf::write_object(&mut head, &pdf::text_string(&name));
    head.push_str("/Reason (224/NQ act)/ByteRange ");
    let byte_range = out.len() + head.len();
    head.push_str(&" ".repeat(BYTE_RANGE_WIDTH));
    head.push_str("/Contents ");
    out.extend_from_slice(head.as_bytes());
    let contents_start = out.len();
    out.push(b'<');
    out.extend(std::iter::repeat_n(b'0', SIGNATURE_CAPACITY * 2));
    out.push(b'>');
    let contents_end = out.len();
    out.extend_from_slice(b">>\nendobj\n");

    for (id, object) in &objects {
        offsets.push((*id, out.len()));
        pdf::write_indirect(&mut out, *id, object);
    }

    // The cross-reference section of this update.
    offsets.sort();
    let xref = out.len();
    let mut table = String::from("xref\n");
    let mut i = 0;
    while i < offsets.len() {
        let mut j = i;
        while j + 1 < offsets.len() && offsets[j + 1].0 .0 == offsets[j].0 .0 + 1 {
            j += 1;
        }
        let _ = writeln!(table, "{} {}", offsets[i].0 .0, j - i + 1);
        for ((_, generation), offset) in &offsets[i..=j] {
            let _ = write!(table, "{offset:010} {generation:05} n\r\n");
        }
        i = j + 1;
    }
    let mut trailer = lopdf::Dictionary::new();
    trailer.set("Size", Object::Integer(i64::from(next)));
    trailer.set("Root", Object::Reference(root));
    if let Ok(info) = doc.trailer.get(b"Info") {
        trailer.set("Info", info.clone());
    }
    if let Ok(id) = doc.trailer.get(b"ID") {
        trailer.set("ID", id.clone());
    }
    trailer.set("Prev", Object::Integer(prev as i64));
    table.push_str("trailer\n");
    pdf::write_dict(&mut table, &trailer);
    let _ = write!(table, "\nstartxref\n{xref}\n%%EOF\n");
    out.extend_from_slice(table.as_bytes());
    Ok(Update {
        bytes: out,
        contents: (contents_start, contents_end),
        byte_range,
    })
}

/// The members' signature fields of an act (empty in acts rendered before they existed):
/// where each member's visible signature goes, and whether it is filled.
pub fn signature_fields(pdf_bytes: &[u8]) -> Result<Vec<pdf::SignatureField>, ActError> {
    Ok(pdf::signature_fields(&pdf::load(pdf_bytes)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The digest [`sign`] computes: the existing file hashed on another thread, then the
    /// rest of the signed ranges.
    fn overlapped(
        algorithm: DigestAlgorithm,
        existing: &[u8],
        ranges: &[&[u8]; 2],
    ) -> Result<Vec<u8>, ActError> {
        let cancel = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let hashing = scope.spawn(|| hash_prefix(algorithm, existing, &cancel));
            finish_digest(hashing, existing, ranges)
        })
    }

    #[test]
    fn the_digest_begun_over_the_existing_act_is_the_digest_of_the_signed_ranges() {
        // Longer than a hashing chunk, so that the cancellation checks run between chunks.
        let existing: Vec<u8> = (0..HASH_CHUNK * 2 + 77).map(|i| (i % 251) as u8).collect();
        let mut head = existing.clone();
        head.extend_from_slice(b"\n9 0 obj\n<</Type/Sig/ByteRange [0 1 2 3]/Contents ");
        let tail = b">>\nendobj\nxref\n0 1\ntrailer\n<<>>\nstartxref\n1\n%%EOF\n";
        for algorithm in [
            DigestAlgorithm::Streebog512,
            DigestAlgorithm::Streebog256,
            DigestAlgorithm::Gost34311,
            DigestAlgorithm::Sha256,
        ] {
            assert_eq!(
                overlapped(algorithm, &existing, &[&head, tail]).unwrap(),
                algorithm.digest_parts(&[&head, tail]),
                "{}",
                algorithm.name()
            );
        }
    }

    #[test]
    fn signed_ranges_that_do_not_begin_with_the_existing_act_are_refused() {
        let existing = b"%PDF-1.7 the act as it was".to_vec();
        let mut head = existing.clone();
        head[3] ^= 1;
        head.extend_from_slice(b" and the update");
        let err = overlapped(DigestAlgorithm::Streebog512, &existing, &[&head, b"tail"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("the update does not extend the act"), "{err}");
    }

    #[test]
    fn cancelled_hashing_returns_no_hasher() {
        let cancel = AtomicBool::new(true);
        assert!(hash_prefix(DigestAlgorithm::Streebog512, b"act", &cancel).is_none());
    }

    proptest! {
        #[test]
        fn any_split_between_existing_and_appended_bytes_gives_the_same_digest(
            existing in proptest::collection::vec(any::<u8>(), 0..300),
            appended in proptest::collection::vec(any::<u8>(), 0..300),
            tail in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let mut head = existing.clone();
            head.extend_from_slice(&appended);
            let algorithm = DigestAlgorithm::Streebog512;
            prop_assert_eq!(
                overlapped(algorithm, &existing, &[&head, &tail]).unwrap(),
                algorithm.digest_parts(&[&head, &tail])
            );
        }
    }
}
