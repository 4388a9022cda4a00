//! Reading our PDFs back (the manifest, the signature dictionaries) and writing the few
//! objects of an incremental update.

use std::fmt::Write as _;

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::render::MANIFEST_NAME;
use crate::ActError;

/// Loads a PDF from bytes.
pub(crate) fn load(bytes: &[u8]) -> Result<Document, ActError> {
    Document::load_mem(bytes).map_err(|e| ActError::Pdf(format!("cannot read the PDF: {e}")))
}

/// The offset given by the last `startxref`.
pub(crate) fn last_startxref(bytes: &[u8]) -> Result<usize, ActError> {
    let at = rfind(bytes, b"startxref")
        .ok_or_else(|| ActError::Pdf("no startxref: not a complete PDF".to_owned()))?;
    let rest = &bytes[at + b"startxref".len()..];
    let text: String = rest
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    text.parse()
        .map_err(|_| ActError::Pdf("the startxref offset is not a number".to_owned()))
}

/// The last position of `needle` in `hay`.
pub(crate) fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The first position of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How many revisions (`%%EOF` markers) the first `len` bytes hold.
pub(crate) fn revisions(bytes: &[u8]) -> usize {
    bytes.windows(5).filter(|w| w == b"%%EOF").count()
}

fn deref<'a>(doc: &'a Document, object: &'a Object) -> Result<&'a Object, ActError> {
    doc.dereference(object)
        .map(|(_, o)| o)
        .map_err(|e| ActError::Pdf(format!("dangling reference: {e}")))
}

/// The attached manifest's bytes.
pub(crate) fn manifest(doc: &Document) -> Result<Vec<u8>, ActError> {
    let missing = || {
        ActError::Pdf(format!(
            "no attached {MANIFEST_NAME}: this PDF is not an act rendered by tekseru"
        ))
    };
    let catalog = doc.catalog().map_err(|_| missing())?;
    let names = deref(doc, catalog.get(b"Names").map_err(|_| missing())?)?
        .as_dict()
        .map_err(|_| missing())?;
    let files = deref(doc, names.get(b"EmbeddedFiles").map_err(|_| missing())?)?
        .as_dict()
        .map_err(|_| missing())?;
    let list = deref(doc, files.get(b"Names").map_err(|_| missing())?)?
        .as_array()
        .map_err(|_| missing())?;
    for pair in list.chunks(2) {
        let [name, spec] = pair else { continue };
        if name.as_str().ok() != Some(MANIFEST_NAME.as_bytes()) {
            continue;
        }
        let spec = deref(doc, spec)?.as_dict().map_err(|_| missing())?;
        let ef = deref(doc, spec.get(b"EF").map_err(|_| missing())?)?
            .as_dict()
            .map_err(|_| missing())?;
        let stream = deref(doc, ef.get(b"F").map_err(|_| missing())?)?
            .as_stream()
            .map_err(|_| missing())?;
        return stream
            .decompressed_content()
            .or_else(|_| Ok(stream.content.clone()))
            .map_err(|e: lopdf::Error| ActError::Pdf(format!("manifest: {e}")));
    }
    Err(missing())
}

/// A signature dictionary found in the PDF.
pub(crate) struct SigDict {
    pub(crate) byte_range: [usize; 4],
    pub(crate) time: Option<String>,
}

/// Every signature dictionary (`/Type /Sig` with a `/ByteRange`), in file order.
pub(crate) fn signatures(doc: &Document) -> Vec<SigDict> {
    let mut found = Vec::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        let is_sig = dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"Sig".as_slice());
        let Ok(range) = dict.get(b"ByteRange").and_then(Object::as_array) else {
            continue;
        };
        if !is_sig {
            continue;
        }
        let numbers: Vec<usize> = range
            .iter()
            .filter_map(|o| o.as_i64().ok())
            .filter_map(|n| usize::try_from(n).ok())
            .collect();
        let [a, b, c, d] = numbers[..] else { continue };
        // Signatures made before PAdES carry their time in /M; later ones only in the CMS.
        let time = dict
            .get(b"M")
            .and_then(Object::as_str)
            .ok()
            .map(|s| String::from_utf8_lossy(s).into_owned());
        found.push(SigDict {
            byte_range: [a, b, c, d],
            time,
        });
    }
    found.sort_by_key(|s| s.byte_range[2] + s.byte_range[3]);
    found
}

/// The catalog's id.
pub(crate) fn root_id(doc: &Document) -> Result<ObjectId, ActError> {
    doc.trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| ActError::Pdf("the trailer has no /Root".to_owned()))
}

/// Writes `id 0 obj … endobj`: any object, a stream with its dictionary's `/Length` set to
/// its content (compressed with Flate first unless it has a filter or says not to).
pub(crate) fn write_indirect(out: &mut Vec<u8>, id: ObjectId, object: &Object) {
    let mut text = format!("{} {} obj\n", id.0, id.1);
    match object {
        Object::Stream(stream) => {
            let mut stream = stream.clone();
            if stream.allows_compression {
                let _ = stream.compress();
            }
            stream
                .dict
                .set("Length", Object::Integer(stream.content.len() as i64));
            write_dict(&mut text, &stream.dict);
            text.push_str("\nstream\n");
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(&stream.content);
            out.extend_from_slice(b"\nendstream\nendobj\n");
        }
        other => {
            write_object(&mut text, other);
            text.push_str("\nendobj\n");
            out.extend_from_slice(text.as_bytes());
        }
    }
}

/// Writes an object in PDF syntax (a stream's dictionary only: [`write_indirect`] writes
/// whole streams).
pub(crate) fn write_object(out: &mut String, object: &Object) {
    match object {
        Object::Null => out.push_str("null"),
        Object::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Object::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Object::Real(r) => {
            let _ = write!(out, "{r}");
        }
        Object::Name(name) => write_name(out, name),
        Object::String(bytes, _) => {
            out.push('<');
            for b in bytes {
                let _ = write!(out, "{b:02X}");
            }
            out.push('>');
        }
        Object::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_object(out, item);
            }
            out.push(']');
        }
        Object::Dictionary(dict) => write_dict(out, dict),
        Object::Stream(stream) => write_dict(out, &stream.dict),
        Object::Reference((id, gen)) => {
            let _ = write!(out, "{id} {gen} R");
        }
    }
}

/// Writes a dictionary.
pub(crate) fn write_dict(out: &mut String, dict: &Dictionary) {
    out.push_str("<<");
    for (key, value) in dict.iter() {
        write_name(out, key);
        out.push(' ');
        write_object(out, value);
    }
    out.push_str(">>");
}

fn write_name(out: &mut String, name: &[u8]) {
    out.push('/');
    for &b in name {
        if b.is_ascii_alphanumeric() || b"-_.+".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "#{b:02X}");
        }
    }
}

/// Parses a PDF date, `D:YYYYMMDDHHmmSS+HH'mm'` (and its common variants).
pub(crate) fn parse_pdf_date(text: &str) -> Option<time::OffsetDateTime> {
    let s = text.strip_prefix("D:").unwrap_or(text);
    let digits = |r: std::ops::Range<usize>| s.get(r).and_then(|d| d.parse::<i32>().ok());
    let year = digits(0..4)?;
    let month = time::Month::try_from(u8::try_from(digits(4..6)?).ok()?).ok()?;
    let day = u8::try_from(digits(6..8)?).ok()?;
    let hour = u8::try_from(digits(8..10).unwrap_or(0)).ok()?;
    let minute = u8::try_from(digits(10..12).unwrap_or(0)).ok()?;
    let second = u8::try_from(digits(12..14).unwrap_or(0)).ok()?;
    let offset = match s.get(14..15) {
        Some(sign @ ("+" | "-")) => {
            let oh = i8::try_from(digits(15..17).unwrap_or(0)).ok()?;
            let om = i8::try_from(digits(18..20).unwrap_or(0)).ok()?;
            let k = if sign == "-" { -1 } else { 1 };
            time::UtcOffset::from_hms(k * oh, k * om, 0).ok()?
        }
        _ => time::UtcOffset::UTC,
    };
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let t = time::Time::from_hms(hour, minute, second).ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_offset(offset))
}

/// An act's signature field for one commission member: where the member's visible signature
/// goes.
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureField {
    /// The field's name (`/T`), `sig-<IIN>`.
    pub name: String,
    /// The member's IIN.
    pub iin: String,
    /// The widget annotation (also the field: they are merged).
    pub widget_id: ObjectId,
    /// The page the widget is on.
    pub page_id: ObjectId,
    /// The page number, from 1.
    pub page: usize,
    /// The widget's rectangle `[x1 y1 x2 y2]`, PDF points.
    pub rect: [f32; 4],
    /// Whether the field already holds a signature (`/V`).
    pub signed: bool,
}

/// The prefix of a member's signature field name.
pub(crate) const FIELD_PREFIX: &str = "sig-";

/// The members' signature fields of the catalog's `/AcroForm`, in field order (none in acts
/// rendered before fields existed).
pub(crate) fn signature_fields(doc: &Document) -> Vec<SignatureField> {
    let pages: std::collections::BTreeMap<ObjectId, usize> = doc
        .get_pages()
        .into_iter()
        .map(|(n, id)| (id, n as usize))
        .collect();
    let Ok(catalog) = doc.catalog() else {
        return Vec::new();
    };
    let Some(fields) = catalog
        .get(b"AcroForm")
        .ok()
        .and_then(|af| deref(doc, af).ok())
        .and_then(|af| af.as_dict().ok())
        .and_then(|af| af.get(b"Fields").ok())
        .and_then(|f| deref(doc, f).ok())
        .and_then(|f| f.as_array().ok())
    else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for field in fields {
        let Ok(widget_id) = field.as_reference() else {
            continue;
        };
        let Ok(dict) = doc.get_dictionary(widget_id) else {
            continue;
        };
        if dict.get(b"FT").and_then(Object::as_name).ok() != Some(b"Sig".as_slice()) {
            continue;
        }
        let Some(name) = dict
            .get(b"T")
            .and_then(Object::as_str)
            .ok()
            .map(|t| String::from_utf8_lossy(t).into_owned())
        else {
            continue;
        };
        let Some(iin) = name.strip_prefix(FIELD_PREFIX).map(str::to_owned) else {
            continue;
        };
        let Ok(page_id) = dict.get(b"P").and_then(Object::as_reference) else {
            continue;
        };
        let Some(&page) = pages.get(&page_id) else {
            continue;
        };
        let numbers: Vec<f32> = dict
            .get(b"Rect")
            .and_then(Object::as_array)
            .map(|r| r.iter().filter_map(|o| o.as_float().ok()).collect())
            .unwrap_or_default();
        let [x1, y1, x2, y2] = numbers[..] else {
            continue;
        };
        found.push(SignatureField {
            name,
            iin,
            widget_id,
            page_id,
            page,
            rect: [x1.min(x2), y1.min(y2), x1.max(x2), y1.max(y2)],
            signed: dict.get(b"V").is_ok(),
        });
    }
    found
}

/// A text string as UTF-16BE with its byte-order mark (ISO 32000 §7.9.2.2): any script.
pub(crate) fn text_string(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, lopdf::StringFormat::Hexadecimal)
}
