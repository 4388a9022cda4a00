//! Signing: one member's detached CMS signature appended in an incremental update.

use std::fmt::Write as _;

use lopdf::{dictionary, Object, ObjectId};
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
use crate::stamp::{self, Appearance};
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

/// The certificate's serial number in hexadecimal (two digits a byte, as NCA prints it).
fn serial_hex(cert: &X509) -> Result<String, ActError> {
    let bytes = cert
        .serial_number()
        .to_bn()
        .map_err(|e| ActError::Certificate(format!("the certificate's serial number: {e}")))?
        .to_vec();
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(hex, "{b:02x}");
    }
    Ok(hex)
}

/// The issuer's common name (its whole name when it has none).
fn issuer_name(cert: &X509) -> String {
    let cn = cert
        .issuer_name()
        .entries_by_nid(Nid::COMMONNAME)
        .find_map(|e| e.data().to_string().ok());
    cn.unwrap_or_else(|| {
        cert.issuer_name()
            .entries()
            .filter_map(|e| e.data().to_string().ok())
            .collect::<Vec<_>>()
            .join(", ")
    })
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

    let appearance = Appearance {
        name: person.name.clone(),
        iin: member.to_string(),
        serial: serial_hex(&cert)?,
        issuer: issuer_name(&cert),
        signed_at: now,
    };
    let update = incremental_update(pdf_bytes, &doc, member, Some(&appearance))?;
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

    let mut out = bytes.to_vec();
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
