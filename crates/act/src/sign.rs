//! Signing: one member's detached CMS signature appended in an incremental update.

use std::fmt::Write as _;

use lopdf::Object;
use openssl::asn1::Asn1Time;
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{Id, PKey, Private};
use openssl::stack::Stack;
use openssl::x509::X509;
use tekseru_core::Iin;
use time::OffsetDateTime;

use crate::data::ActData;
use crate::pdf;
use crate::ActError;

/// Room reserved for the CMS signature, bytes (hex doubles it in the file).
const SIGNATURE_CAPACITY: usize = 16 * 1024;
/// The width reserved for the `/ByteRange` array.
const BYTE_RANGE_WIDTH: usize = 60;

/// Something that makes a detached CMS signature with a member's key: a PKCS#12 file now,
/// NCALayer (Kazakh GOST keys on a token) later.
pub trait Signer {
    /// The signing certificate, DER.
    fn certificate(&self) -> Result<Vec<u8>, ActError>;
    /// A detached CMS `SignedData` (SHA-256, with the signing-time attribute) over `data`, DER.
    fn sign_detached(&self, data: &[u8]) -> Result<Vec<u8>, ActError>;
}

/// A signer whose key and certificate come from a PKCS#12 (`.p12`) file.
pub struct Pkcs12Signer {
    key: PKey<Private>,
    cert: X509,
    chain: Vec<X509>,
}

impl Pkcs12Signer {
    /// Opens a PKCS#12 file's bytes with its password. Accepts RSA keys of at least 2048
    /// bits and ECDSA keys on P-256 or P-384.
    pub fn open(der: &[u8], password: &str) -> Result<Pkcs12Signer, ActError> {
        let p12 = Pkcs12::from_der(der).map_err(|_| {
            ActError::KeyStore("the key file is not a PKCS#12 (.p12) file".to_owned())
        })?;
        let parsed = match p12.parse2(password) {
            Ok(p) => p,
            Err(first) => {
                // Older files use algorithms of OpenSSL's legacy provider.
                let legacy = openssl::provider::Provider::try_load(None, "legacy", true).ok();
                let retry = legacy.as_ref().and_then(|_| p12.parse2(password).ok());
                match retry {
                    Some(p) => p,
                    None => {
                        let text = first.to_string();
                        return Err(ActError::KeyStore(
                            if text.contains("mac verify failure") || text.contains("mac") {
                                "wrong password for the PKCS#12 file (its integrity check failed)"
                                    .to_owned()
                            } else {
                                format!("cannot open the PKCS#12 file: wrong password or unsupported format ({text})")
                            },
                        ));
                    }
                }
            }
        };
        let (Some(key), Some(cert)) = (parsed.pkey, parsed.cert) else {
            return Err(ActError::KeyStore(
                "the PKCS#12 file holds no private key with its certificate".to_owned(),
            ));
        };
        match key.id() {
            Id::RSA if key.bits() >= 2048 => {}
            Id::RSA => {
                return Err(ActError::KeyStore(format!(
                    "the RSA key has {} bits; at least 2048 are required",
                    key.bits()
                )))
            }
            Id::EC => {
                let curve = key.ec_key().ok().and_then(|k| k.group().curve_name());
                if !matches!(curve, Some(Nid::X9_62_PRIME256V1 | Nid::SECP384R1)) {
                    return Err(ActError::KeyStore(
                        "the EC key is not on P-256 or P-384".to_owned(),
                    ));
                }
            }
            _ => {
                return Err(ActError::KeyStore(
                    "the key is neither RSA nor ECDSA".to_owned(),
                ))
            }
        }
        let chain = parsed
            .ca
            .map(|s| s.into_iter().collect())
            .unwrap_or_default();
        Ok(Pkcs12Signer { key, cert, chain })
    }
}

impl Signer for Pkcs12Signer {
    fn certificate(&self) -> Result<Vec<u8>, ActError> {
        self.cert
            .to_der()
            .map_err(|e| ActError::Crypto(e.to_string()))
    }

    fn sign_detached(&self, data: &[u8]) -> Result<Vec<u8>, ActError> {
        let crypto = |e: openssl::error::ErrorStack| ActError::Crypto(e.to_string());
        let mut certs = Stack::new().map_err(crypto)?;
        for c in &self.chain {
            certs.push(c.clone()).map_err(crypto)?;
        }
        let flags = CMSOptions::DETACHED | CMSOptions::BINARY | CMSOptions::NOSMIMECAP;
        let cms = CmsContentInfo::sign(
            Some(&self.cert),
            Some(&self.key),
            Some(&certs),
            Some(data),
            flags,
        )
        .map_err(crypto)?;
        cms.to_der().map_err(crypto)
    }
}

/// The IIN in a certificate's subject `serialNumber` (`IIN` followed by 12 digits), if any.
pub(crate) fn subject_iin(cert: &X509) -> Option<String> {
    cert.subject_name()
        .entries_by_nid(Nid::SERIALNUMBER)
        .filter_map(|e| e.data().to_string().ok())
        .find_map(|s| s.strip_prefix("IIN").map(str::to_owned))
}

/// The certificate's subject on one line, e.g. `CN=Member 810315400008, serialNumber=IIN…`.
pub fn subject_line(cert: &X509) -> String {
    cert.subject_name()
        .entries()
        .map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?");
            let value = e.data().to_string().unwrap_or_default();
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Signs the act `pdf` as the member `member` at `now`: checks the member is on the
/// manifest's roster, that the certificate is theirs and valid now, and appends the
/// signature in an incremental update. Earlier signatures stay valid.
pub fn sign(
    pdf_bytes: &[u8],
    member: &Iin,
    signer: &dyn Signer,
    now: OffsetDateTime,
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
    let cert = X509::from_der(&signer.certificate()?).map_err(|e| {
        ActError::Certificate(format!("the signer's certificate cannot be read: {e}"))
    })?;
    match subject_iin(&cert) {
        Some(iin) if iin == member.to_string() => {}
        Some(iin) => {
            return Err(ActError::Certificate(format!(
                "the certificate belongs to IIN {iin} (subject serialNumber IIN{iin}), not to {} ({member})",
                person.name
            )))
        }
        None => {
            return Err(ActError::Certificate(format!(
                "the certificate's subject has no serialNumber IIN<12 digits>, so it cannot be tied to {} ({member})",
                person.name
            )))
        }
    }
    let at =
        Asn1Time::from_unix(now.unix_timestamp()).map_err(|e| ActError::Crypto(e.to_string()))?;
    if cert.not_after() < at {
        return Err(ActError::Certificate(format!(
            "the certificate of {} expired on {}",
            person.name,
            cert.not_after()
        )));
    }
    if cert.not_before() > at {
        return Err(ActError::Certificate(format!(
            "the certificate of {} is not valid before {}",
            person.name,
            cert.not_before()
        )));
    }

    let update = incremental_update(pdf_bytes, &doc, person.name.as_str(), now)?;
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

    let mut data = Vec::with_capacity(out.len() - (end - start));
    data.extend_from_slice(&out[..start]);
    data.extend_from_slice(&out[end..]);
    let cms = signer.sign_detached(&data)?;
    if cms.len() > SIGNATURE_CAPACITY {
        return Err(ActError::Crypto(format!(
            "the signature is {} bytes, more than the {SIGNATURE_CAPACITY} reserved",
            cms.len()
        )));
    }
    let mut hex = String::with_capacity(SIGNATURE_CAPACITY * 2);
    for b in &cms {
        let _ = write!(hex, "{b:02X}");
    }
    out[start + 1..start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

struct Update {
    bytes: Vec<u8>,
    /// Offsets of `<` and just past `>` of `/Contents`.
    contents: (usize, usize),
    /// Offset of the `/ByteRange` array.
    byte_range: usize,
}

fn incremental_update(
    bytes: &[u8],
    doc: &lopdf::Document,
    name: &str,
    now: OffsetDateTime,
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
    let (page_id, _) = doc
        .get_pages()
        .into_iter()
        .next()
        .map(|(_, id)| (id, ()))
        .ok_or_else(|| bad("the document has no page"))?;
    let mut page = doc
        .get_dictionary(page_id)
        .map_err(|_| bad("no first page"))?
        .clone();

    // Existing signature fields.
    let mut fields: Vec<Object> = Vec::new();
    let mut acroform_id = None;
    if let Ok(af) = catalog.get(b"AcroForm") {
        if let Ok(id) = af.as_reference() {
            acroform_id = Some(id);
        }
        if let Ok((_, Object::Dictionary(af))) = doc.dereference(af) {
            if let Ok((_, Object::Array(list))) = af.get(b"Fields").and_then(|f| doc.dereference(f))
            {
                fields = list.clone();
            }
        }
    }
    let mut annots: Vec<Object> = match page.get(b"Annots").map(|a| doc.dereference(a)) {
        Ok(Ok((_, Object::Array(list)))) => list.clone(),
        _ => Vec::new(),
    };

    let sig_id = size;
    let widget_id = size + 1;
    let (acroform_id, next) = match acroform_id {
        Some(id) => (id, size + 2),
        None => ((size + 2, 0), size + 3),
    };
    fields.push(Object::Reference((widget_id, 0)));
    annots.push(Object::Reference((widget_id, 0)));
    catalog.set("AcroForm", Object::Reference(acroform_id));
    page.set("Annots", Object::Array(annots));

    let mut out = bytes.to_vec();
    if out.last() != Some(&b'\n') {
        out.push(b'\n');
    }
    let mut offsets: Vec<(u32, usize)> = Vec::new();

    // The signature dictionary.
    offsets.push((sig_id, out.len()));
    let mut head = format!(
        "{sig_id} 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/adbe.pkcs7.detached/Name ({})/M ({})/Reason (224/NQ act)/ByteRange ",
        ascii_only(name),
        pdf::pdf_date(now)
    );
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

    let mut write = |id: (u32, u16), object: &Object, out: &mut Vec<u8>| {
        offsets.push((id.0, out.len()));
        let mut text = format!("{} {} obj\n", id.0, id.1);
        pdf::write_object(&mut text, object);
        text.push_str("\nendobj\n");
        out.extend_from_slice(text.as_bytes());
    };
    let n = fields.len();
    let mut widget = lopdf::Dictionary::new();
    widget.set("Type", Object::Name(b"Annot".to_vec()));
    widget.set("Subtype", Object::Name(b"Widget".to_vec()));
    widget.set("FT", Object::Name(b"Sig".to_vec()));
    widget.set(
        "T",
        Object::String(
            format!("Signature{n}").into_bytes(),
            lopdf::StringFormat::Literal,
        ),
    );
    widget.set("V", Object::Reference((sig_id, 0)));
    widget.set("F", Object::Integer(132));
    widget.set(
        "Rect",
        Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
    );
    widget.set("P", Object::Reference(page_id));
    write((widget_id, 0), &Object::Dictionary(widget), &mut out);
    let mut acroform = lopdf::Dictionary::new();
    acroform.set("Fields", Object::Array(fields));
    acroform.set("SigFlags", Object::Integer(3));
    write(acroform_id, &Object::Dictionary(acroform), &mut out);
    write(page_id, &Object::Dictionary(page), &mut out);
    write(root, &Object::Dictionary(catalog), &mut out);

    // The cross-reference section of this update.
    offsets.sort();
    let xref = out.len();
    let mut table = String::from("xref\n");
    let mut i = 0;
    while i < offsets.len() {
        let mut j = i;
        while j + 1 < offsets.len() && offsets[j + 1].0 == offsets[j].0 + 1 {
            j += 1;
        }
        let _ = writeln!(table, "{} {}", offsets[i].0, j - i + 1);
        for (id, offset) in &offsets[i..=j] {
            let generation = if *id == root.0 {
                root.1
            } else if *id == page_id.0 {
                page_id.1
            } else if *id == acroform_id.0 {
                acroform_id.1
            } else {
                0
            };
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

/// A PDF literal string's safe ASCII content (names go to the manifest; this is a label).
fn ascii_only(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
