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

/// Writes an object in PDF syntax (no streams: catalog, pages, fields).
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

/// A PDF date, `D:YYYYMMDDHHmmSS+HH'mm'`.
pub(crate) fn pdf_date(t: time::OffsetDateTime) -> String {
    let (h, m, _) = t.offset().as_hms();
    let sign = if h < 0 || m < 0 { '-' } else { '+' };
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}{sign}{:02}'{:02}'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

/// Parses a PDF date as written by [`pdf_date`] (and its common variants).
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
