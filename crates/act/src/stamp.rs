//! The visible signature: the stamp a printed e-signed document in Kazakhstan shows on the
//! signer's line ("ЭЦҚ-мен қол қойылды / Подписано ЭЦП", name, IIN, certificate, issuer,
//! time), drawn as a Form XObject for a signature widget's appearance.
//!
//! The stamp is laid out as a one-page PDF with printpdf and the bundled fonts (subset to
//! exactly its characters, with widths and a ToUnicode map, as the act's own text), and that
//! page's content and resources are then transplanted, renumbered, into the signing update.

use std::collections::{BTreeMap, BTreeSet};

use lopdf::{dictionary, Dictionary, Object, ObjectId, Stream};
use printpdf::{
    Color, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb,
    TextItem,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::layout::Fonts;
use crate::ActError;

/// What the visible signature shows: the facts of the signer's certificate and the signing
/// time (the same time as the CMS's signingTime). A signer whose certificate is known only
/// from the signature it returns (NCALayer) gets a stamp without them: the signature
/// itself carries them, and `act verify` shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appearance {
    /// The signer's name, as on the roster.
    pub name: String,
    /// The signer's IIN.
    pub iin: String,
    /// The certificate's serial number, hexadecimal, when known before signing.
    pub serial: Option<String>,
    /// The issuer's common name, e.g. `ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST)`, when known.
    pub issuer: Option<String>,
    /// The signing time, when the signer writes the time asked for; shown in Astana time
    /// (UTC+5).
    pub signed_at: Option<OffsetDateTime>,
}

impl Appearance {
    /// The stamp's lines, kk and ru, with whether each is bold.
    pub(crate) fn lines(&self) -> Vec<(String, bool)> {
        let mut lines = vec![
            ("ЭЦҚ-мен қол қойылды / Подписано ЭЦП".to_owned(), true),
            (self.name.clone(), false),
            (format!("ЖСН/ИИН {}", self.iin), false),
        ];
        if let Some(serial) = &self.serial {
            lines.push((format!("Сертификат № {serial}"), false));
        }
        if let Some(issuer) = &self.issuer {
            lines.push((format!("Берген / Издатель: {issuer}"), false));
        }
        if let Some(at) = self.signed_at {
            lines.push((
                format!("Қол қойылған уақыты / Время подписи: {}", astana_time(at)),
                false,
            ));
        }
        lines
    }
}

/// `2026-11-20 17:30:00 (UTC+5)`.
pub(crate) fn astana_time(t: OffsetDateTime) -> String {
    let five = time::UtcOffset::from_whole_seconds(5 * 3600).unwrap_or(time::UtcOffset::UTC);
    let t = t.to_offset(five);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} (UTC+5)",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The stamp's colour: the dark blue of a seal, apart from the act's black print.
fn ink() -> Color {
    Color::Rgb(Rgb {
        r: 0.05,
        g: 0.18,
        b: 0.55,
        icc_profile: None,
    })
}

fn white() -> Color {
    Color::Rgb(Rgb {
        r: 1.0,
        g: 1.0,
        b: 1.0,
        icc_profile: None,
    })
}

const PAD: f32 = 3.0;
const LARGEST: f32 = 8.0;
const SMALLEST: f32 = 3.5;
const LEADING: f32 = 1.18;

/// The lines wrapped at the largest font size (from 8 pt down to 3.5 pt) at which they fit
/// the box; at the smallest size when nothing fits (the box then clips them).
pub(crate) fn fit(
    fonts: &Fonts,
    lines: &[(String, bool)],
    width: f32,
    height: f32,
) -> (f32, Vec<(String, bool)>) {
    let inner_w = (width - PAD * 2.0).max(1.0);
    let inner_h = height - PAD * 2.0;
    let mut size = LARGEST;
    loop {
        let wrapped: Vec<(String, bool)> = lines
            .iter()
            .flat_map(|(text, bold)| {
                let font = if *bold { &fonts.bold } else { &fonts.regular };
                font.wrap(text, size, inner_w)
                    .into_iter()
                    .map(move |l| (l, *bold))
            })
            .collect();
        let needed = wrapped.len() as f32 * size * LEADING;
        if needed <= inner_h || size <= SMALLEST {
            return (size, wrapped);
        }
        size -= 0.25;
    }
}

/// The stamp drawn on a page of `width`×`height` points: white ground, thin border, the
/// lines centred vertically. Returns the page with the characters used (regular, bold).
fn stamp_page(
    fonts: &Fonts,
    appearance: &Appearance,
    width: f32,
    height: f32,
) -> (PdfPage, [BTreeSet<char>; 2]) {
    let (size, lines) = fit(fonts, &appearance.lines(), width, height);
    let mut used = [BTreeSet::new(), BTreeSet::new()];
    let mut ops = vec![
        printpdf::Op::SetFillColor { col: white() },
        printpdf::Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(0.0),
                y: Pt(0.0),
                width: Pt(width),
                height: Pt(height),
                mode: Some(PaintMode::Fill),
                winding_order: None,
            },
        },
        printpdf::Op::SetOutlineColor { col: ink() },
        printpdf::Op::SetOutlineThickness { pt: Pt(0.6) },
        printpdf::Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(0.8),
                y: Pt(0.8),
                width: Pt(width - 1.6),
                height: Pt(height - 1.6),
                mode: Some(PaintMode::Stroke),
                winding_order: None,
            },
        },
        printpdf::Op::SetFillColor { col: ink() },
    ];
    let leading = size * LEADING;
    let block = lines.len() as f32 * leading;
    let top = height - ((height - block) / 2.0).max(PAD);
    // The first baseline sits one font size below the block's top (as in the act's cells).
    let mut baseline = top - size;
    for (line, bold) in &lines {
        if line.is_empty() {
            baseline -= leading;
            continue;
        }
        let font = if *bold { &fonts.bold } else { &fonts.regular };
        used[usize::from(*bold)].extend(line.chars());
        ops.extend([
            printpdf::Op::StartTextSection,
            printpdf::Op::SetFont {
                font: PdfFontHandle::External(font.id().clone()),
                size: Pt(size),
            },
            printpdf::Op::SetTextCursor {
                pos: Point {
                    x: Pt(PAD),
                    y: Pt(baseline),
                },
            },
            printpdf::Op::ShowText {
                items: vec![TextItem::Text(line.clone())],
            },
            printpdf::Op::EndTextSection,
        ]);
        baseline -= leading;
    }
    let mm = |pt: f32| printpdf::Mm(pt * 25.4 / 72.0);
    (PdfPage::new(mm(width), mm(height), ops), used)
}

/// The appearance of a signature widget of `width`×`height` points: a Form XObject and the
/// objects it needs (fonts), numbered from `first_id` on.
pub(crate) struct Xobject {
    /// The Form XObject.
    pub(crate) form: Stream,
    /// The objects it refers to, with their new ids.
    pub(crate) objects: Vec<(ObjectId, Object)>,
}

/// Draws the stamp and makes it a Form XObject whose objects are numbered from `first_id`.
pub(crate) fn xobject(
    fonts: &Fonts,
    appearance: &Appearance,
    width: f32,
    height: f32,
    first_id: u32,
) -> Result<Xobject, ActError> {
    let bad = |what: &str| ActError::Pdf(format!("cannot draw the visible signature: {what}"));
    let (page, used) = stamp_page(fonts, appearance, width, height);
    let mut doc = PdfDocument::new("");
    for (font, chars) in [(&fonts.regular, &used[0]), (&fonts.bold, &used[1])] {
        if chars.is_empty() {
            continue;
        }
        let subset = font
            .subset(chars)
            .ok_or_else(|| bad("cannot subset the bundled font"))?;
        doc.resources
            .fonts
            .map
            .insert(font.id().clone(), printpdf::PdfFont::new(subset));
    }
    doc.pages = vec![page];
    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mini = printpdf::serialize::to_lopdf_doc(&doc, &opts, &mut Vec::new());
    let page_id = mini
        .get_pages()
        .values()
        .next()
        .copied()
        .ok_or_else(|| bad("the drawn stamp has no page"))?;
    let content = mini.get_page_content(page_id);
    let resources = match mini
        .get_dictionary(page_id)
        .ok()
        .and_then(|p| p.get(b"Resources").ok())
    {
        Some(r) => r.clone(),
        None => Object::Dictionary(Dictionary::new()),
    };

    // Subset fonts are named with a tag (ISO 32000 §9.6.4): here one made from the stamp's
    // characters, so that different subsets have different names.
    let digest = Sha256::digest(
        used.iter()
            .flat_map(|set| set.iter().collect::<String>().into_bytes())
            .collect::<Vec<u8>>(),
    );
    let tag: String = digest
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    let names: BTreeMap<Vec<u8>, Vec<u8>> = [
        (
            fonts.regular.id().0.as_bytes().to_vec(),
            format!("{tag}+PTSerif-Regular").into_bytes(),
        ),
        (
            fonts.bold.id().0.as_bytes().to_vec(),
            format!("{tag}+PTSerif-Bold").into_bytes(),
        ),
    ]
    .into_iter()
    .collect();

    let mut copier = Copier {
        source: &mini,
        next: first_id,
        map: BTreeMap::new(),
        out: Vec::new(),
        names: &names,
    };
    let resources = copier.copy(&resources)?;
    let mut form = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), Object::Real(width), Object::Real(height)],
            "Resources" => resources,
        },
        content,
    );
    let _ = form.compress();
    Ok(Xobject {
        form,
        objects: copier.out,
    })
}

/// Deep-copies objects out of the stamp's document, renumbering references.
struct Copier<'a> {
    source: &'a lopdf::Document,
    next: u32,
    map: BTreeMap<ObjectId, ObjectId>,
    out: Vec<(ObjectId, Object)>,
    names: &'a BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Copier<'_> {
    fn copy(&mut self, object: &Object) -> Result<Object, ActError> {
        Ok(match object {
            Object::Reference(id) => Object::Reference(self.copy_ref(*id)?),
            Object::Array(items) => Object::Array(
                items
                    .iter()
                    .map(|o| self.copy(o))
                    .collect::<Result<_, _>>()?,
            ),
            Object::Dictionary(dict) => Object::Dictionary(self.copy_dict(dict)?),
            Object::Stream(stream) => {
                let mut copy = Stream::new(self.copy_dict(&stream.dict)?, stream.content.clone());
                copy.allows_compression = stream.allows_compression;
                Object::Stream(copy)
            }
            other => other.clone(),
        })
    }

    fn copy_dict(&mut self, dict: &Dictionary) -> Result<Dictionary, ActError> {
        let mut copy = Dictionary::new();
        for (key, value) in dict.iter() {
            let value = match (key.as_slice(), value) {
                (b"BaseFont" | b"FontName", Object::Name(name)) => {
                    Object::Name(self.names.get(name).unwrap_or(name).clone())
                }
                _ => self.copy(value)?,
            };
            copy.set(key.clone(), value);
        }
        Ok(copy)
    }

    fn copy_ref(&mut self, id: ObjectId) -> Result<ObjectId, ActError> {
        if let Some(new) = self.map.get(&id) {
            return Ok(*new);
        }
        let new = (self.next, 0);
        self.next = self
            .next
            .checked_add(1)
            .ok_or_else(|| ActError::Pdf("too many objects".to_owned()))?;
        self.map.insert(id, new);
        let object = self
            .source
            .get_object(id)
            .map_err(|e| ActError::Pdf(format!("the drawn stamp refers to a missing object: {e}")))?
            .clone();
        let copy = self.copy(&object)?;
        self.out.push((new, copy));
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn appearance(name: &str, issuer: &str) -> Appearance {
        Appearance {
            name: name.to_owned(),
            iin: "810315400008".to_owned(),
            serial: Some("3c5c4e9d1f0b2a7e6d8c9b0a1f2e3d4c5b6a7980".to_owned()),
            issuer: Some(issuer.to_owned()),
            signed_at: Some(time::macros::datetime!(2026-11-20 12:30 UTC)),
        }
    }

    #[test]
    fn the_time_is_shown_in_astana_time() {
        assert_eq!(
            astana_time(time::macros::datetime!(2026-11-20 12:30:05 UTC)),
            "2026-11-20 17:30:05 (UTC+5)"
        );
        assert_eq!(
            astana_time(time::macros::datetime!(2026-12-31 23:59:59 +05:00)),
            "2026-12-31 23:59:59 (UTC+5)"
        );
    }

    #[test]
    fn a_roomy_box_keeps_the_largest_size_and_a_small_one_shrinks() {
        let fonts = crate::render::load_fonts().unwrap();
        let lines = appearance("Әсел Жұмабаева", "ҰКО (GOST)").lines();
        let (size, wrapped) = fit(fonts, &lines, 400.0, 120.0);
        assert_eq!(size, LARGEST);
        assert_eq!(wrapped.len(), 6, "{wrapped:?}");
        let (small, _) = fit(fonts, &lines, 160.0, 57.0);
        assert!((5.0..LARGEST).contains(&small), "{small}");
        // Nothing fits a tiny box: the smallest size, clipped by the box.
        assert_eq!(fit(fonts, &lines, 40.0, 10.0).0, SMALLEST);
    }

    proptest! {
        /// Whatever the name and issuer, every line fits the box's width, and the lines fit
        /// its height unless the smallest size was reached.
        #[test]
        fn the_text_fits_its_box(
            name in "[А-Яа-яӘәҒғҚқҢңӨөҰұҮүҺһІі ]{1,120}",
            issuer in "[А-ЯӘҒҚҢӨҰҮҺІ() ]{1,60}",
            width in 100.0_f32..400.0,
            height in 40.0_f32..150.0,
        ) {
            let fonts = crate::render::load_fonts().unwrap();
            let (size, wrapped) = fit(fonts, &appearance(&name, &issuer).lines(), width, height);
            for (line, bold) in &wrapped {
                let font = if *bold { &fonts.bold } else { &fonts.regular };
                prop_assert!(
                    font.width(line, size) <= width - PAD * 2.0 || line.chars().count() == 1,
                    "{line:?} at {size} is wider than {width}"
                );
            }
            if size > SMALLEST {
                prop_assert!(wrapped.len() as f32 * size * LEADING <= height - PAD * 2.0);
            }
        }
    }
}
