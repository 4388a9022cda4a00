//! Rendering the act and the dissent notice to PDF.

use printpdf::{
    PdfDocument, PdfSaveOptions, RawImage, RawImageData, RawImageFormat, XObject, XObjectId,
};
use sha2::{Digest, Sha256};
use tekseru_core::{quorum::Rule, Body, Iin, ItemKind, Role, Verdict};
use time::OffsetDateTime;

use crate::data::{ActData, Bilingual, Lang, PkiMeasured, PkiVerdict};
use crate::layout::{mm, Align, Cell, CellBox, Font, Fonts, Layout, Style, LEFT, WIDTH};
use crate::wording::{self, Sentences};
use crate::ActError;

const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/PTSerif-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/PTSerif-Bold.ttf");
/// The largest side of a photo as embedded, pixels; larger images are downscaled.
const THUMB_MAX: u32 = 480;
/// The height a table's header and first rows take, points: a heading before a table keeps
/// them on its page.
const TABLE_START: f32 = 90.0;
/// The name of the manifest attached to the PDF.
pub const MANIFEST_NAME: &str = "tekseru-act.json";
/// The format of the rendered pages: raised whenever the same data would render to other
/// bytes, so that `verify` knows whether it can draw an act again.
pub const RENDER_FORMAT: u32 = 1;
/// The renderer as the manifest records it: `tekseru-act <crate version>+<RENDER_FORMAT>`.
pub const RENDERER: &str = concat!("tekseru-act ", env!("CARGO_PKG_VERSION"), "+1");

/// The photos of an act drawn again from its own PDF: each photo's image XObject as the PDF
/// holds it (photo number from 1 → stream), already encoded.
pub(crate) type EncodedImages = std::collections::BTreeMap<usize, lopdf::Stream>;

/// The languages in the words of the manifest.
fn languages_word(languages: Languages) -> &'static str {
    match languages {
        Languages::One(Lang::Kk) => "kk",
        Languages::One(Lang::Ru) => "ru",
        Languages::Both => "kk+ru",
    }
}

/// The manifest of an act rendered with `options`: the data without photo bytes, with the
/// renderer and the languages.
fn manifest_of(data: &ActData, options: &RenderOptions) -> Vec<u8> {
    let mut manifest = data.clone();
    manifest.renderer = Some(RENDERER.to_owned());
    manifest.languages = Some(languages_word(options.languages).to_owned());
    manifest.manifest_json()
}

/// A stand-in for a photo whose encoded image is taken from the PDF: its size only.
fn placeholder(stream: &lopdf::Stream) -> Option<RawImage> {
    let side = |key: &[u8]| {
        stream
            .dict
            .get(key)
            .and_then(lopdf::Object::as_i64)
            .ok()
            .and_then(|v| usize::try_from(v).ok())
            .filter(|&v| v > 0 && v <= THUMB_MAX as usize)
    };
    let (width, height) = (side(b"Width")?, side(b"Height")?);
    Some(RawImage {
        width,
        height,
        pixels: RawImageData::U8(vec![0; width * height * 3]),
        data_format: RawImageFormat::RGB8,
        tag: Vec::new(),
    })
}

/// Which languages the act is printed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Languages {
    /// One language.
    One(Lang),
    /// Kazakh and Russian side by side.
    Both,
}

impl std::str::FromStr for Languages {
    type Err = ActError;
    fn from_str(s: &str) -> Result<Self, ActError> {
        match s {
            "kk" => Ok(Languages::One(Lang::Kk)),
            "ru" => Ok(Languages::One(Lang::Ru)),
            "kk+ru" | "ru+kk" => Ok(Languages::Both),
            other => Err(ActError::Input(format!(
                "unknown language {other:?}: use kk, ru or kk+ru"
            ))),
        }
    }
}

/// How to render.
#[derive(Clone, Copy, Debug)]
pub struct RenderOptions {
    /// Languages.
    pub languages: Languages,
    /// The document's creation time (its metadata); the same data and time give the same
    /// bytes.
    pub created: OffsetDateTime,
}

fn bi(kk: &str, ru: &str) -> Bilingual {
    Bilingual {
        kk: kk.to_owned(),
        ru: ru.to_owned(),
    }
}

struct Writer<'a> {
    layout: Layout<'a>,
    languages: Languages,
    /// The act's fixed wording (`assets/act/wording.toml`).
    t: &'static Sentences,
}

impl Writer<'_> {
    /// One text in the act's languages: full width, or kk | ru side by side.
    fn text(&mut self, text: &Bilingual, style: Style, align: Align) {
        match self.languages {
            Languages::One(lang) => self.layout.paragraph(text.get(lang), style, align),
            Languages::Both => self.layout.columns(&text.kk, &text.ru, style, align),
        }
    }

    /// A short label: "kk / ru" in both-language mode.
    fn label(&self, text: &Bilingual) -> String {
        match self.languages {
            Languages::One(lang) => text.get(lang).to_owned(),
            Languages::Both if text.kk == text.ru => text.kk.clone(),
            Languages::Both => format!("{} / {}", text.kk, text.ru),
        }
    }

    /// A date in the official form of the act's languages ("2026 жылғы 2 желтоқсан",
    /// "2 декабря 2026 г."); "kk / ru" in both-language mode.
    fn date(&self, date: time::Date) -> String {
        self.label(&official_date(date))
    }

    /// A label stacked in a cell: kk, then ru on the next line.
    fn stacked(&self, text: &Bilingual) -> String {
        match self.languages {
            Languages::One(lang) => text.get(lang).to_owned(),
            Languages::Both if text.kk == text.ru => text.kk.clone(),
            Languages::Both => format!("{}\n{}", text.kk, text.ru),
        }
    }

    fn heading(&mut self, number: &str, text: &Bilingual) {
        self.heading_keeping(number, text, 0.0);
    }

    /// A heading kept on the page of the first `keep` points that follow it (a table's header
    /// and first rows), so that it never ends a page alone.
    fn heading_keeping(&mut self, number: &str, text: &Bilingual, keep: f32) {
        self.layout.ensure(Style::HEADING.size * 4.0 + keep);
        self.layout.space(6.0);
        let numbered = bi(
            &format!("{number} {}", text.kk),
            &format!("{number} {}", text.ru),
        );
        self.text(&numbered, Style::HEADING, Align::Left);
        self.layout.space(3.0);
    }

    fn field(&mut self, name: &Bilingual, value: &str) {
        let text = format!("{}: {value}", self.label(name));
        self.layout.paragraph(&text, Style::BODY, Align::Left);
    }

    /// A field whose value differs by language: "name: value" in each language, side by
    /// side in both-language mode.
    fn field_text(&mut self, name: &Bilingual, value: &Bilingual) {
        let text = bi(
            &format!("{}: {}", name.kk, value.kk),
            &format!("{}: {}", name.ru, value.ru),
        );
        self.text(&text, Style::BODY, Align::Left);
    }

    /// The height a text takes in the act's languages (the taller column side by side).
    fn height(&self, text: &Bilingual, style: Style) -> f32 {
        match self.languages {
            Languages::One(lang) => self.layout.paragraph_height(text.get(lang), style, WIDTH),
            Languages::Both => {
                let half = (WIDTH - crate::layout::GUTTER) / 2.0;
                self.layout
                    .paragraph_height(&text.kk, style, half)
                    .max(self.layout.paragraph_height(&text.ru, style, half))
            }
        }
    }
}

/// A date in the official form, in Kazakh and Russian.
fn official_date(date: time::Date) -> Bilingual {
    bi(
        &tekseru_core::dates::official(date, "kk"),
        &tekseru_core::dates::official(date, "ru"),
    )
}

fn verdict_text(t: &Sentences, verdict: Option<Verdict>) -> &Bilingual {
    let v = &t.verdicts;
    match verdict {
        Some(Verdict::Complies) => &v.complies,
        Some(Verdict::Fails) => &v.fails,
        Some(Verdict::NotApplicable) => &v.not_applicable,
        None => &v.unchecked,
    }
}

fn role_text(t: &Sentences, role: Role) -> &Bilingual {
    match role {
        Role::Chair => &t.roles.chair,
        Role::Secretary => &t.roles.secretary,
        Role::Member => &t.roles.member,
    }
}

fn body_text(t: &Sentences, body: Body) -> &Bilingual {
    match body {
        Body::Committee => &t.bodies.committee,
        Body::Techreg => &t.bodies.techreg,
        Body::Knb => &t.bodies.knb,
        Body::Other => &t.bodies.other,
    }
}

/// Inventory words (`server`, `hsm`, `main`, `backup`) in the act's languages.
fn equipment_word(t: &Sentences, word: &str) -> Bilingual {
    let i = &t.inventory;
    match word {
        "server" => (*i.server).clone(),
        "hsm" => (*i.hsm).clone(),
        "main" => (*i.main).clone(),
        "backup" => (*i.backup).clone(),
        other => bi(other, other),
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The bundled fonts, parsed once for the process (rendering and every signature's stamp).
pub(crate) fn load_fonts() -> Result<&'static Fonts, ActError> {
    static FONTS: std::sync::OnceLock<Option<Fonts>> = std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| {
            let regular = Font::parse("F1", REGULAR)?;
            let bold = Font::parse("F2", BOLD)?;
            Some(Fonts { regular, bold })
        })
        .as_ref()
        .ok_or_else(|| ActError::Input("the bundled font cannot be parsed".to_owned()))
}

/// Every photo decoded for embedding, in order (`None` for a photo without image bytes),
/// on as many threads as the machine has cores: decoding is most of an act's rendering time.
fn decode_photos(photos: &[crate::data::Photo]) -> Result<Vec<Option<RawImage>>, ActError> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, photos.len().max(1));
    let mut slots: Vec<Option<RawImage>> = (0..photos.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    photos
                        .iter()
                        .enumerate()
                        .skip(worker)
                        .step_by(workers)
                        .filter(|(_, p)| !p.image.is_empty())
                        .map(|(i, p)| decode_photo(&p.image, &p.name).map(|raw| (i, raw)))
                        .collect::<Result<Vec<_>, ActError>>()
                })
            })
            .collect();
        for handle in handles {
            let done = handle
                .join()
                .map_err(|_| ActError::Input("a photo could not be decoded".to_owned()))??;
            for (i, raw) in done {
                slots[i] = Some(raw);
            }
        }
        Ok(slots)
    })
}

/// A photo decoded for embedding: pixels, downscaled when larger than a thumbnail.
fn decode_photo(bytes: &[u8], name: &str) -> Result<RawImage, ActError> {
    // A JPEG is decoded at a reduced scale straight away; anything else in full.
    let scaled = tekseru_photo::decode_jpeg_scaled(bytes, THUMB_MAX as u16, u64::MAX);
    let image = match scaled {
        Some(image) => image,
        None => image::load_from_memory(bytes).map_err(|e| {
            ActError::Input(format!(
                "photo {name}: cannot decode it as JPEG or PNG: {e}"
            ))
        })?,
    };
    let image = if image.width() > THUMB_MAX || image.height() > THUMB_MAX {
        image.thumbnail(THUMB_MAX, THUMB_MAX)
    } else {
        image
    };
    let rgb = image.to_rgb8();
    Ok(RawImage {
        width: rgb.width() as usize,
        height: rgb.height() as usize,
        pixels: RawImageData::U8(rgb.into_raw()),
        data_format: RawImageFormat::RGB8,
        tag: Vec::new(),
    })
}

/// The mark across every page of a training act and of its notices.
pub const TRAINING_MARK: &str = "ОҚУ / УЧЕБНЫЙ / TRAINING";

/// Renders the act to PDF bytes, with the manifest attached.
pub fn render_act(data: &ActData, options: &RenderOptions) -> Result<Vec<u8>, ActError> {
    render_with(data, options, None)
}

/// Renders the act; with `encoded`, the photos are the image XObjects given (an act drawn
/// again from its own PDF) instead of those decoded from the data.
pub(crate) fn render_with(
    data: &ActData,
    options: &RenderOptions,
    encoded: Option<&EncodedImages>,
) -> Result<Vec<u8>, ActError> {
    data.check_identities().map_err(ActError::Input)?;
    let fonts = load_fonts()?;
    let mut doc = PdfDocument::new("");
    let mut w = Writer {
        layout: Layout::new(fonts),
        languages: options.languages,
        t: wording::get()?,
    };
    if data.training {
        w.layout.watermark(TRAINING_MARK);
    }
    let words = Words::of(w.t, data);
    let title = act_heading(&mut w, data, &words);
    let mut n = Numbering(0);
    basis_section(&mut w, data, &words, &mut n);
    commission_section(&mut w, data, &mut n);
    object_section(&mut w, data, &words, &mut n);
    documentary_section(&mut w, data, &mut n);
    items_section(&mut w, data, &words, &mut n);
    inventory_section(&mut w, data, &mut n);
    actual_state_section(&mut w, data, &mut n);
    violations_section(&mut w, data, &mut n);
    conclusions_section(&mut w, data, &mut n);
    recommendations_section(&mut w, data, &mut n);
    adoption_section(&mut w, data, &mut n);
    let fields = signatures_section(&mut w, data, &mut n);
    evidence_annex(&mut w, data);
    photo_annex(&mut w, &mut doc, data, encoded)?;
    dissent_annex(&mut w, data);

    let footer = &w.t.footer;
    let footer_label = (
        w.label(&footer.page),
        w.label(&footer.act),
        w.label(&footer.inspection),
        w.label(&footer.audit),
    );
    let pages = w.layout.finish(|page, total| {
        format!(
            "{} {page} / {total}   ·   {} № {}   ·   {}: {}   ·   {}: {}",
            footer_label.0,
            footer_label.1,
            data.act_number,
            footer_label.2,
            data.inspection_id,
            footer_label.3,
            short(&data.audit_head)
        )
    });
    let title = format!("{} № {}", title.kk, data.act_number);
    finish_document(
        doc,
        pages,
        fonts,
        &title,
        options,
        Attached {
            manifest: &manifest_of(data, options),
            fields: &fields,
            encoded,
        },
    )
}

/// The words that differ between an accreditation check and a revocation examination.
struct Words {
    revocation: bool,
    /// The basis heading ("Основание проверки" / "Основание обследования").
    basis: Bilingual,
    /// The object heading.
    object: Bilingual,
    /// The results heading of the items table.
    results: Bilingual,
}

impl Words {
    fn of(t: &Sentences, data: &ActData) -> Words {
        let revocation = data.rule == Rule::Revocation;
        let documents =
            !data.items.is_empty() && data.items.iter().all(|i| i.kind == ItemKind::Document);
        let (basis, object) = if revocation {
            (&t.basis.heading_revocation, &t.object.heading_revocation)
        } else {
            (
                &t.basis.heading_accreditation,
                &t.object.heading_accreditation,
            )
        };
        let (basis, object) = ((**basis).clone(), (**object).clone());
        let results = match (revocation, documents) {
            (true, _) => &t.items.results_revocation,
            (false, true) => &t.items.results_documents,
            (false, false) => &t.items.results_onsite,
        };
        let results = (**results).clone();
        Words {
            revocation,
            basis,
            object,
            results,
        }
    }
}

/// The numbers of the act's sections, 1, 2, 3, …, as they are printed.
struct Numbering(u32);

impl Numbering {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("{}.", self.0)
    }
}

/// Section 1, the heading: the issuing body, the title, the act's number, place and date. Returns
/// the title.
fn act_heading(w: &mut Writer<'_>, data: &ActData, words: &Words) -> Bilingual {
    let t = w.t;
    w.text(&t.heading.issuer, Style::BOLD, Align::Center);
    w.layout.space(10.0);
    let title = if words.revocation {
        (*t.heading.title_revocation).clone()
    } else {
        (*t.heading.title_accreditation).clone()
    };
    w.text(&title, Style::TITLE, Align::Center);
    let number = format!("№ {}", data.act_number);
    w.text(&bi(&number, &number), Style::TITLE, Align::Center);
    w.layout.space(6.0);
    let date = official_date(data.end);
    w.text(
        &bi(
            &format!("{}, {}", data.place.kk, date.kk),
            &format!("{}, {}", data.place.ru, date.ru),
        ),
        Style::BODY,
        Align::Center,
    );
    title
}

/// Section 2, the basis: the legal act with its date and registration, the wording applied, the order
/// forming the commission, the application or complaint, the notices, the subject.
fn basis_section(w: &mut Writer<'_>, data: &ActData, words: &Words, n: &mut Numbering) {
    let t = &w.t.basis;
    let basis = &data.basis;
    w.heading(&n.next(), &words.basis);
    let none = bi("", "");
    let date = basis
        .source_date
        .map(|d| t.order_date.fill(&[("date", &official_date(d))]));
    let registration = basis
        .source_registration
        .as_deref()
        .map(|r| t.order_registration.fill_same(&[("registration", r)]));
    let order = t.order.fill(&[
        ("act", &bi(&basis.source_act, &basis.source_act)),
        ("date", date.as_ref().unwrap_or(&none)),
        ("registration", registration.as_ref().unwrap_or(&none)),
    ]);
    let legal = bi(
        &format!(
            "{} ({}), {} {}",
            basis.source_name.kk, order.kk, basis.source_act, basis.paragraphs
        ),
        &format!(
            "{} ({}), {} {}",
            basis.source_name.ru, order.ru, basis.source_act, basis.paragraphs
        ),
    );
    w.field_text(&t.legal_basis, &legal);
    if let Some(wording) = &basis.wording {
        w.field_text(&t.wording, wording);
    }
    if basis.commission_order.is_some() || basis.commission_order_date.is_some() {
        let number = basis.commission_order.as_deref().map(|o| {
            if o.starts_with('№') {
                o.to_owned()
            } else {
                format!("№ {o}")
            }
        });
        let date = basis.commission_order_date.map(official_date);
        let value = match (number, date) {
            (Some(number), Some(date)) => t
                .commission_order_value
                .fill(&[("number", &bi(&number, &number)), ("date", &date)]),
            (Some(number), None) => bi(&number, &number),
            (None, Some(date)) => date,
            (None, None) => bi("", ""),
        };
        w.field_text(&t.commission_order, &value);
    }
    if let Some(app) = &basis.application {
        let name = if words.revocation {
            &t.application_revocation
        } else {
            &t.application_accreditation
        };
        w.field(name, app);
    }
    for notice in &basis.notices {
        let date = official_date(notice.date);
        w.field_text(
            &bi(
                &format!("{} ({})", notice.what.kk, notice.reference),
                &format!("{} ({})", notice.what.ru, notice.reference),
            ),
            &date,
        );
    }
    if let Some(subject) = &basis.subject {
        w.field(&t.subject, subject);
    }
    w.field(
        &t.checklist,
        &format!("{} v{}", basis.checklist_id, basis.checklist_version),
    );
}

/// Section 3, the commission: one row per member.
fn commission_section(w: &mut Writer<'_>, data: &ActData, n: &mut Numbering) {
    let t = w.t;
    w.heading_keeping(&n.next(), &t.commission.heading, TABLE_START);
    let widths = [mm(9.0), mm(52.0), mm(34.0), mm(44.0), mm(26.0)];
    let header = [
        Cell::bold("№"),
        Cell::bold(w.stacked(&t.commission.name_iin)),
        Cell::bold(w.stacked(&t.commission.position)),
        Cell::bold(w.stacked(&t.commission.body)),
        Cell::bold(w.stacked(&t.commission.role)),
    ];
    let rows: Vec<Vec<Cell>> = data
        .roster
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            vec![
                Cell::new(format!("{}", i + 1)),
                Cell::new(format!("{}\n{}", m.name, m.iin)),
                Cell::new(m.position.clone().unwrap_or_default()),
                Cell::new(w.stacked(body_text(t, m.body))),
                Cell::new(w.stacked(role_text(t, m.role))),
            ]
        })
        .collect();
    w.layout.table(&widths, &header, &rows);
}

/// Section 4, the object: the CA, its addresses, its representatives present, the dates of the work.
fn object_section(w: &mut Writer<'_>, data: &ActData, words: &Words, n: &mut Numbering) {
    let t = &w.t.object;
    w.heading(&n.next(), &words.object);
    w.field(&t.ca, &data.ca.name);
    w.field(&t.bin, &data.ca.bin.to_string());
    if let Some(address) = &data.ca.legal_address {
        w.field(&t.legal_address, address);
    }
    w.field(&t.site_address, &data.site.address);
    if !data.site.representatives.is_empty() {
        w.field(&t.representatives, &data.site.representatives.join("; "));
    }
    let end = official_date(data.end);
    let (label, period) = match (data.start, words.revocation) {
        (Some(start), revocation) => {
            let start = official_date(start);
            let period = if data.start == Some(data.end) {
                end
            } else {
                bi(
                    &format!("{} — {}", start.kk, end.kk),
                    &format!("{} — {}", start.ru, end.ru),
                )
            };
            let label = if revocation {
                &t.period_revocation
            } else {
                &t.period_accreditation
            };
            (label, period)
        }
        (None, true) => (&t.end_revocation, end),
        (None, false) => (&t.end_accreditation, end),
    };
    w.field_text(label, &period);
}

/// Section 5, the documentary check, in short (when its result is known).
fn documentary_section(w: &mut Writer<'_>, data: &ActData, n: &mut Numbering) {
    if let Some(doc_check) = &data.documentary_check {
        w.heading(&n.next(), &w.t.documentary.heading);
        w.text(doc_check, Style::BODY, Align::Left);
    }
}

/// What was found for an item: the inspector's words, the measured value, the inventory.
fn found_text(w: &Writer<'_>, item: &crate::data::ActItem) -> String {
    let mut found = item.note.clone().unwrap_or_default();
    let mut push = |line: String| {
        found = if found.is_empty() {
            line
        } else {
            format!("{found}\n{line}")
        };
    };
    if let Some(m) = &item.measurement {
        let rule = m
            .rule
            .map(|r| {
                format!(
                    " ({} {} {})",
                    w.label(&w.t.items.limit),
                    r.op.as_str(),
                    r.value
                )
            })
            .unwrap_or_default();
        push(format!(
            "{}: {} {}{rule}",
            w.label(&w.t.items.measured),
            m.value,
            m.unit
        ));
    }
    for measured in &item.pki {
        push(w.stacked(&pki_text(w.t, measured)));
    }
    if item.kind == ItemKind::Inventory && !item.inventory.is_empty() {
        let mismatches = item.inventory.iter().filter(|r| r.mismatch()).count();
        push(format!(
            "{}: {} / {mismatches}",
            w.label(&w.t.items.inventory),
            item.inventory.len()
        ));
    }
    found
}

/// A time of a PKI report (RFC 3339) as the act prints it: the official date and the UTC
/// time of day; the text as given when it is not RFC 3339.
fn report_time(text: &str) -> Bilingual {
    use time::format_description::well_known::Rfc3339;
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            let date = official_date(t.date());
            let clock = format!("{:02}:{:02} UTC", t.hour(), t.minute());
            bi(
                &format!("{}, {clock}", date.kk),
                &format!("{}, {clock}", date.ru),
            )
        }
        Err(_) => bi(text, text),
    }
}

/// What a PKI field check measured, in a sentence of the act's wording.
fn pki_text(t: &Sentences, measured: &PkiMeasured) -> Bilingual {
    let m = &t.measured;
    let result = |verdict: PkiVerdict| -> &Bilingual {
        match verdict {
            PkiVerdict::Complies => &m.complies,
            PkiVerdict::DoesNotComply => &m.does_not_comply,
            PkiVerdict::NotVerifiableHere => &m.not_verifiable,
        }
    };
    let seconds = |ms: Option<f64>| -> Bilingual {
        match ms {
            Some(ms) => m
                .seconds
                .fill_same(&[("value", &format!("{:+.3}", ms / 1000.0))]),
            None => (*m.no_answer).clone(),
        }
    };
    let same = |text: &str| bi(text, text);
    match measured {
        PkiMeasured::Chain {
            verdict,
            root,
            links,
            at,
        } => m.chain.fill(&[
            ("root", &same(root)),
            ("at", &report_time(at)),
            ("links", &same(&links.to_string())),
            ("result", result(*verdict)),
        ]),
        PkiMeasured::Oids {
            verdict,
            certificates,
            unregistered,
        } => m.oids.fill(&[
            ("certificates", &same(&certificates.to_string())),
            ("unregistered", &same(&unregistered.to_string())),
            ("result", result(*verdict)),
        ]),
        PkiMeasured::Crl {
            verdict,
            entries,
            next_update,
            signature_verified,
        } => {
            let next = next_update
                .as_deref()
                .map_or_else(|| (*m.no_next_update).clone(), report_time);
            let signature = match signature_verified {
                Some(true) => &m.signature_verified,
                Some(false) => &m.signature_invalid,
                None => &m.signature_unchecked,
            };
            m.crl.fill(&[
                ("entries", &same(&entries.to_string())),
                ("next_update", &next),
                ("signature", signature),
                ("result", result(*verdict)),
            ])
        }
        PkiMeasured::Time {
            verdict,
            server,
            offset_ms,
            second,
            offset_to_second_ms,
        } => {
            let second = match second {
                Some(name) => m.time_second.fill(&[
                    ("second", &same(name)),
                    ("offset", &seconds(*offset_to_second_ms)),
                ]),
                None => same(""),
            };
            m.time.fill(&[
                ("server", &same(server)),
                ("offset", &seconds(*offset_ms)),
                ("second", &second),
                ("result", result(*verdict)),
            ])
        }
    }
}

/// Section 6, the checklist's items: requirement, actual state, evidence, verdict.
fn items_section(w: &mut Writer<'_>, data: &ActData, words: &Words, n: &mut Numbering) {
    let t = &w.t.items;
    w.heading_keeping(&n.next(), &words.results, TABLE_START);
    let (widths, header): (Vec<f32>, Vec<Cell>) = match w.languages {
        Languages::One(_) => (
            vec![mm(9.0), mm(54.0), mm(48.0), mm(28.0), mm(26.0)],
            vec![
                Cell::bold("№"),
                Cell::bold(w.label(&t.requirement_reference)),
                Cell::bold(w.label(&t.found)),
                Cell::bold(w.label(&t.evidence)),
                Cell::bold(w.label(&t.verdict)),
            ],
        ),
        Languages::Both => (
            vec![mm(8.0), mm(35.0), mm(35.0), mm(34.0), mm(27.0), mm(26.0)],
            vec![
                Cell::bold("№"),
                Cell::bold(t.requirement.kk.clone()),
                Cell::bold(t.requirement.ru.clone()),
                Cell::bold(w.stacked(&t.found)),
                Cell::bold(w.stacked(&t.evidence)),
                Cell::bold(w.stacked(&t.verdict)),
            ],
        ),
    };
    let mut rows = Vec::new();
    let mut current_section: Option<&Bilingual> = None;
    for (i, item) in data.items.iter().enumerate() {
        if current_section != Some(&item.section) {
            current_section = Some(&item.section);
            // A row of one cell spans the table.
            rows.push(vec![Cell::bold(w.label(&item.section))]);
        }
        let evidence = item
            .evidence
            .iter()
            .map(|e| format!("{} {}", short(&e.sha256), e.name))
            .collect::<Vec<_>>()
            .join("\n");
        let mut row = vec![Cell::new(format!("{}", i + 1))];
        match w.languages {
            Languages::One(lang) => row.push(Cell::new(format!(
                "{}\n({})",
                item.requirement.get(lang),
                item.reference
            ))),
            Languages::Both => {
                for text in [&item.requirement.kk, &item.requirement.ru] {
                    row.push(Cell::new(format!("{text}\n({})", item.reference)));
                }
            }
        }
        row.push(Cell::new(found_text(w, item)));
        row.push(Cell::new(evidence));
        let verdict = w.stacked(verdict_text(w.t, item.verdict));
        row.push(if item.verdict == Some(Verdict::Fails) {
            Cell::bold(verdict)
        } else {
            Cell::new(verdict)
        });
        rows.push(row);
    }
    w.layout.table(&widths, &header, &rows);
}

/// Section 7, servers and HSMs: declared vs found, mismatches in bold.
fn inventory_section(w: &mut Writer<'_>, data: &ActData, n: &mut Numbering) {
    let inventory: Vec<_> = data.items.iter().flat_map(|i| i.inventory.iter()).collect();
    if inventory.is_empty() {
        return;
    }
    let t = w.t;
    let i = &t.inventory;
    w.heading_keeping(&n.next(), &i.heading, TABLE_START);
    let widths = [mm(25.0), mm(58.0), mm(58.0), mm(24.0)];
    let header = [
        Cell::bold(w.stacked(&i.kind_role)),
        Cell::bold(w.stacked(&i.declared)),
        Cell::bold(w.stacked(&i.found)),
        Cell::bold(w.stacked(&i.check)),
    ];
    let describe = |e: &crate::data::Equipment| {
        format!(
            "{} {}\nS/N {}\n{}",
            e.manufacturer, e.model, e.serial, e.location
        )
    };
    let rows: Vec<Vec<Cell>> = inventory
        .iter()
        .map(|r| {
            let found = r
                .found
                .as_ref()
                .map(describe)
                .unwrap_or_else(|| w.stacked(&i.not_found));
            let matched = if r.mismatch() {
                Cell::bold(format!("≠ {}", w.stacked(&i.mismatch)))
            } else {
                Cell::new(format!("= {}", w.stacked(&i.matches)))
            };
            vec![
                Cell::new(format!(
                    "{}, {}",
                    w.stacked(&equipment_word(t, &r.kind)),
                    w.stacked(&equipment_word(t, &r.role))
                )),
                Cell::new(describe(&r.declared)),
                if r.mismatch() {
                    Cell::bold(found)
                } else {
                    Cell::new(found)
                },
                matched,
            ]
        })
        .collect();
    w.layout.table(&widths, &header, &rows);
}

/// A numbered list: "1) …", "2) …".
fn numbered(w: &mut Writer<'_>, texts: &[Bilingual]) {
    for (i, t) in texts.iter().enumerate() {
        let t = bi(
            &format!("{}) {}", i + 1, t.kk),
            &format!("{}) {}", i + 1, t.ru),
        );
        w.text(&t, Style::BODY, Align::Left);
    }
}

/// Section 8, the CA's actual state, in the inspectors' prose (224/НҚ §13 ¶1).
fn actual_state_section(w: &mut Writer<'_>, data: &ActData, n: &mut Numbering) {
    if data.actual_state.is_empty() {
        return;
    }
    w.heading(&n.next(), &w.t.findings.actual_state);
    for t in &data.actual_state {
        w.text(t, Style::BODY, Align::Left);
    }
}

/// Section 9, the violations found; in a revocation act without any, the checklist's mark (§22 ¶5).
fn violations_section(w: &mut Writer<'_>, data: &ActData, n: &mut Numbering) {
    let revocation = data.rule == Rule::Revocation;
    if data.findings.is_empty() {
        if let (true, Some(mark)) = (revocation, &data.no_violations_mark) {
            w.heading(&n.next(), &w.t.findings.violations);
            w.text(mark, Style::BOLD, Align::Left);
        }
        return;
    }
    w.heading(&n.next(), &w.t.findings.violations);
    numbered(w, &data.findings);
}

/// Section 10, the conclusions (224/НҚ §13 ¶1).
fn conclusions_section(w: &mut Writer<'_>, data: &ActData, n: &mut Numbering) {
    w.heading(&n.next(), &w.t.findings.conclusions);
    numbered(w, &data.conclusions);
}

/// Section 11, the recommendations, each with its term and deadline.
fn recommendations_section(w: &mut Writer<'_>, data: &ActData, n: &mut Numbering) {
    if data.recommendations.is_empty() {
        return;
    }
    let f = &w.t.findings;
    w.heading(&n.next(), &f.recommendations);
    for (i, r) in data.recommendations.iter().enumerate() {
        let deadline = r
            .deadline
            .map(|d| f.deadline.fill(&[("date", &official_date(d))]))
            .unwrap_or_else(|| bi("", ""));
        let t = bi(
            &format!("{}) {}{}", i + 1, r.text.kk, deadline.kk),
            &format!("{}) {}{}", i + 1, r.text.ru, deadline.ru),
        );
        w.text(&t, Style::BODY, Align::Left);
    }
}

/// The quorum settings the act is counted by, in words, for its rule.
fn settings_text<'t>(t: &'t Sentences, data: &ActData) -> Vec<&'t Bilingual> {
    let s = &data.settings;
    let words = &t.settings;
    let mut out: Vec<&Bilingual> = Vec::new();
    match data.rule {
        Rule::Accreditation => {
            out.push(if s.secretary_counts_in_accreditation {
                &words.secretary_counts
            } else {
                &words.secretary_not_counted
            });
            out.push(if s.every_knb_member_signs {
                &words.every_knb_member
            } else {
                &words.any_knb_member
            });
        }
        Rule::Revocation => out.push(match s.revocation_minimum {
            tekseru_core::quorum::RevocationMinimum::WholeCommission => {
                &words.revocation_whole_commission
            }
            tekseru_core::quorum::RevocationMinimum::MembersOnly => &words.revocation_members_only,
        }),
    }
    out.push(if s.late_signatures_count {
        &words.late_signatures_count
    } else {
        &words.late_signatures_not_counted
    });
    out
}

/// Section 12, adoption: the rule in words, and how this act's quorum is counted.
fn adoption_section(w: &mut Writer<'_>, data: &ActData, n: &mut Numbering) {
    let t = w.t;
    w.heading(&n.next(), &t.adoption.heading);
    let rule = match data.rule {
        Rule::Accreditation => &t.adoption.rule_accreditation,
        Rule::Revocation => &t.adoption.rule_revocation,
    };
    w.text(rule, Style::BODY, Align::Left);
    let settings = settings_text(t, data);
    let join = |lang: Lang| {
        settings
            .iter()
            .map(|s| s.get(lang).to_owned())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let counted = t
        .adoption
        .counted
        .fill(&[("settings", &bi(&join(Lang::Kk), &join(Lang::Ru)))]);
    w.text(&counted, Style::BODY, Align::Left);
}

/// Section 13, the signatures: one row per member with room for the visible signature, then the CA
/// representative's acknowledgement (kept on the page of the last row). Returns each signing
/// member's signature field.
fn signatures_section(
    w: &mut Writer<'_>,
    data: &ActData,
    n: &mut Numbering,
) -> Vec<(String, CellBox)> {
    let t = w.t;
    let sg = &t.signatures;
    w.heading_keeping(&n.next(), &sg.heading, TABLE_START);
    let widths = [mm(9.0), mm(58.0), mm(40.0), mm(58.0)];
    let header = [
        Cell::bold("№"),
        Cell::bold(w.stacked(&sg.name)),
        Cell::bold(w.stacked(&sg.role_body)),
        Cell::bold(w.stacked(&sg.signature)),
    ];
    let rows: Vec<Vec<Cell>> = data
        .roster
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let dissent = data.dissents.iter().any(|d| d.iin == m.iin);
            let status = if dissent {
                w.stacked(&sg.dissents)
            } else {
                w.stacked(&sg.signs)
            };
            vec![
                Cell::new(format!("{}", i + 1)),
                Cell::new(m.name.clone()),
                Cell::new(format!(
                    "{}\n{}",
                    w.label(role_text(t, m.role)),
                    w.label(body_text(t, m.body))
                )),
                if dissent {
                    Cell::bold(status)
                } else {
                    Cell::new(status)
                },
            ]
        })
        .collect();
    let acknowledgement = &sg.acknowledgement;
    // The acknowledgement never stands alone on a page: it goes with the last row.
    let tail = 8.0 + w.height(acknowledgement, Style::BODY);
    // Each row has room for the member's visible signature (see `stamp`).
    let cells = w
        .layout
        .table_cells_with_tail(&widths, &header, &rows, Some(3), mm(21.0), tail);
    // One empty signature field per member who may sign, on their signature cell (the
    // tallest piece, should the row have broken across pages).
    let fields = data
        .roster
        .members
        .iter()
        .zip(&cells)
        .filter(|(m, _)| !data.dissents.iter().any(|d| d.iin == m.iin))
        .filter_map(|(m, pieces)| {
            let tallest = pieces
                .iter()
                .copied()
                .max_by(|a, b| a.height.total_cmp(&b.height))?;
            Some((m.iin.to_string(), tallest))
        })
        .collect();
    w.layout.space(8.0);
    w.text(acknowledgement, Style::BODY, Align::Left);
    fields
}

/// Annex A: every evidence file with its size and SHA-256.
fn evidence_annex(w: &mut Writer<'_>, data: &ActData) {
    if data.evidence.is_empty() {
        return;
    }
    w.layout.new_page();
    let a = &w.t.annexes;
    w.heading("A.", &a.evidence);
    let widths = [mm(30.0), mm(48.0), mm(18.0), mm(69.0)];
    let header = [
        Cell::bold(w.stacked(&a.item)),
        Cell::bold(w.stacked(&a.file)),
        Cell::bold(w.stacked(&a.size)),
        Cell::bold("SHA-256"),
    ];
    let rows: Vec<Vec<Cell>> = data
        .evidence
        .iter()
        .map(|e| {
            vec![
                Cell::new(e.item.clone()),
                Cell::new(e.name.clone()),
                Cell::new(e.size.to_string()),
                Cell::new(e.sha256.clone()),
            ]
        })
        .collect();
    w.layout.table(&widths, &header, &rows);
}

/// Annex B: the photographs, three a row, with captions and capture times.
fn photo_annex(
    w: &mut Writer<'_>,
    doc: &mut PdfDocument,
    data: &ActData,
    encoded: Option<&EncodedImages>,
) -> Result<(), ActError> {
    if data.photos.is_empty() {
        return Ok(());
    }
    w.layout.new_page();
    w.heading("B.", &w.t.annexes.photos);
    let per_row = 3;
    let gap = mm(5.0);
    let cell = (WIDTH - gap * (per_row as f32 - 1.0)) / per_row as f32;
    let box_h = mm(38.0);
    w.layout.space(4.0);
    let mut decoded = match encoded {
        None => decode_photos(&data.photos)?,
        Some(images) => (1..=data.photos.len())
            .map(|n| images.get(&n).and_then(placeholder))
            .collect(),
    }
    .into_iter();
    for (chunk_index, chunk) in data.photos.chunks(per_row).enumerate() {
        w.layout.ensure(box_h + Style::SMALL.size * 6.0);
        let top = w.layout.cursor();
        let mut lowest = top;
        for (i, photo) in chunk.iter().enumerate() {
            let x = LEFT + i as f32 * (cell + gap);
            let number = chunk_index * per_row + i + 1;
            let mut y_text = top;
            if let Some(raw) = decoded.next().flatten() {
                let (pw, ph) = (raw.width as u32, raw.height as u32);
                // Never upscale: at most one pixel per point (72 dpi) ... and within the box.
                let scale = (cell / pw as f32).min(box_h / ph as f32).min(1.0);
                let (iw, ih) = (pw as f32 * scale, ph as f32 * scale);
                let id = XObjectId(format!("Im{number}"));
                doc.resources
                    .xobjects
                    .map
                    .insert(id.clone(), XObject::Image(raw));
                w.layout.image(&id, (pw, ph), x, iw, ih);
                y_text = top - ih - 3.0;
            }
            let caption = format!(
                "{} {number}. {}\n{}{}\nSHA-256 {}",
                w.label(&w.t.annexes.photo),
                photo.caption.clone().unwrap_or_default(),
                photo.name,
                photo
                    .taken_at
                    .as_ref()
                    .map(|t| format!(", {t}"))
                    .unwrap_or_default(),
                short(&photo.sha256)
            );
            let h = w.layout.label(x, y_text, cell, &caption, Style::SMALL);
            lowest = lowest.min(y_text - h);
        }
        w.layout.set_cursor(lowest - mm(4.0));
    }
    Ok(())
}

/// Annex D: the dissent notes.
fn dissent_annex(w: &mut Writer<'_>, data: &ActData) {
    if data.dissents.is_empty() {
        return;
    }
    w.layout.new_page();
    w.heading("D.", &w.t.annexes.dissents);
    for d in &data.dissents {
        let name = data
            .roster
            .find(&d.iin)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| d.iin.to_string());
        w.layout
            .paragraph(&format!("{name} ({}):", d.iin), Style::BOLD, Align::Left);
        w.layout.paragraph(&d.reason, Style::BODY, Align::Left);
        w.layout.space(6.0);
    }
}

/// Renders the dissent notice of `member` to the service provider.
pub fn render_dissent(
    data: &ActData,
    member: &Iin,
    reason: &str,
    options: &RenderOptions,
) -> Result<Vec<u8>, ActError> {
    let Some(m) = data.roster.find(member) else {
        return Err(ActError::NotOnRoster(member.to_string()));
    };
    if reason.trim().is_empty() {
        return Err(ActError::Input(
            "the dissent reason is empty: say why the member does not sign".to_owned(),
        ));
    }
    let reason = tekseru_core::nfc(reason);
    let fonts = load_fonts()?;
    let doc = PdfDocument::new("");
    let mut w = Writer {
        layout: Layout::new(fonts),
        languages: options.languages,
        t: wording::get()?,
    };
    if data.training {
        w.layout.watermark(TRAINING_MARK);
    }
    let t = w.t;
    let ds = &t.dissent;
    w.text(&ds.addressee, Style::BOLD, Align::Left);
    w.layout.space(14.0);
    w.text(&ds.title, Style::TITLE, Align::Center);
    let about = ds.about.fill(&[
        ("number", &bi(&data.act_number, &data.act_number)),
        ("ca", &bi(&data.ca.name, &data.ca.name)),
        ("date", &official_date(data.end)),
    ]);
    w.text(&about, Style::BODY, Align::Center);
    w.layout.space(10.0);
    w.field(&ds.member, &format!("{}, {}", m.name, m.iin));
    w.field(
        &ds.role_body,
        &format!(
            "{}, {}",
            w.label(role_text(t, m.role)),
            w.label(body_text(t, m.body))
        ),
    );
    w.field(&ds.inspection, &data.inspection_id);
    w.layout.space(6.0);
    // The accreditation act's dissent is §13 ¶3; the examination act is signed (or not)
    // under §22 ¶4, which sets no notice of its own.
    let statement = match data.rule {
        Rule::Accreditation => &ds.reason_accreditation,
        Rule::Revocation => &ds.reason_revocation,
    };
    w.text(statement, Style::BOLD, Align::Left);
    w.layout.paragraph(&reason, Style::BODY, Align::Left);
    w.layout.space(20.0);
    w.field(&ds.date, &w.date(data.end));
    w.field(&ds.signature, "____________________");
    let label = w.label(&t.footer.page);
    let pages = w.layout.finish(|page, total| {
        format!(
            "{label} {page} / {total}   ·   {}   ·   {}",
            data.act_number, data.inspection_id
        )
    });
    let mut notice = data.clone();
    notice.dissents = vec![crate::data::Dissent {
        iin: *member,
        reason,
    }];
    finish_document(
        doc,
        pages,
        fonts,
        &format!("{} / {}", ds.document_title.kk, ds.document_title.ru),
        options,
        Attached {
            manifest: &manifest_of(&notice, options),
            fields: &[],
            encoded: None,
        },
    )
}

/// What a document carries besides its pages: the manifest, the signature fields, and, when
/// drawn again from a PDF, its encoded photos.
struct Attached<'a> {
    manifest: &'a [u8],
    fields: &'a [(String, CellBox)],
    encoded: Option<&'a EncodedImages>,
}

/// Serializes the pages with fixed ids, the manifest attached, to bytes.
fn finish_document(
    mut doc: PdfDocument,
    (pages, used): (
        Vec<printpdf::PdfPage>,
        [std::collections::BTreeSet<char>; 2],
    ),
    fonts: &Fonts,
    title: &str,
    options: &RenderOptions,
    attached: Attached<'_>,
) -> Result<Vec<u8>, ActError> {
    let Attached {
        manifest,
        fields,
        encoded,
    } = attached;
    use lopdf::{dictionary, Object, Stream, StringFormat};

    // Fonts are embedded cut down to the characters used (printpdf subsets only with its
    // heavy text_layout feature, so we subset with allsorts ourselves).
    for (font, chars) in [(&fonts.regular, &used[0]), (&fonts.bold, &used[1])] {
        let subset = font
            .subset(chars)
            .ok_or_else(|| ActError::Pdf("cannot subset the bundled font".to_owned()))?;
        doc.resources
            .fonts
            .map
            .insert(font.id().clone(), printpdf::PdfFont::new(subset));
    }
    let created = printpdf::DateTime::from_unix_timestamp(options.created.unix_timestamp())
        .map_err(|e| ActError::Input(format!("creation time: {e}")))?;
    doc.metadata.info.creation_date = created;
    doc.metadata.info.modification_date = created;
    doc.metadata.info.metadata_date = created;
    doc.metadata.info.document_title = title.to_owned();
    doc.metadata.info.creator = "tekseru".to_owned();
    doc.metadata.info.producer = "tekseru".to_owned();
    doc.metadata.info.conformance =
        printpdf::PdfConformance::Custom(printpdf::CustomPdfConformance {
            identifier: String::new(),
            requires_icc_profile: false,
            requires_xmp_metadata: false,
            ..Default::default()
        });
    doc.pages = pages;
    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        // Photos as JPEG (quality 0.85); the encoder is deterministic. Drawn again from a
        // PDF, the stand-ins are replaced by the PDF's own images: nothing to encode.
        image_optimization: encoded
            .is_none()
            .then_some(printpdf::ImageOptimizationOptions {
                quality: Some(0.85),
                max_image_size: None,
                dither_greyscale: Some(false),
                convert_to_greyscale: Some(false),
                auto_optimize: Some(false),
                format: Some(printpdf::ImageCompression::Jpeg),
            }),
    };
    let mut lo = printpdf::serialize::to_lopdf_doc(&doc, &opts, &mut Vec::new());
    // Drawn again from a PDF: its own encoded photos in place of the stand-ins.
    if let Some(images) = encoded {
        for (number, id) in image_xobjects(&lo) {
            if let Some(stream) = images.get(&number) {
                lo.objects.insert(id, Object::Stream(stream.clone()));
            }
        }
    }

    // The manifest, attached (EmbeddedFiles name tree and /AF).
    let digest = Sha256::digest(manifest);
    let mut file = Stream::new(
        dictionary! {
            "Type" => "EmbeddedFile",
            "Subtype" => Object::Name(b"application/json".to_vec()),
            "Params" => dictionary! { "Size" => manifest.len() as i64 },
        },
        manifest.to_vec(),
    );
    let _ = file.compress();
    let file_id = lo.add_object(file);
    let name = Object::String(MANIFEST_NAME.as_bytes().to_vec(), StringFormat::Literal);
    let spec_id = lo.add_object(dictionary! {
        "Type" => "Filespec",
        "F" => name.clone(),
        "UF" => name.clone(),
        "AFRelationship" => "Data",
        "Desc" => Object::String(b"tekseru act manifest".to_vec(), StringFormat::Literal),
        "EF" => dictionary! { "F" => file_id, "UF" => file_id },
    });
    let root_id = lo
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| ActError::Pdf(format!("no catalog in the rendered document: {e}")))?;
    if let Ok(Object::Dictionary(catalog)) = lo.get_object_mut(root_id) {
        catalog.set(
            "Names",
            dictionary! { "EmbeddedFiles" => dictionary! { "Names" => vec![name, Object::Reference(spec_id)] } },
        );
        catalog.set("AF", vec![Object::Reference(spec_id)]);
    }
    add_signature_fields(&mut lo, root_id, fields)?;
    // Subset fonts are named with a tag (ISO 32000 §9.6.4), fixed for determinism.
    let names = [
        (b"F1".as_slice(), b"TKSRAA+PTSerif-Regular".as_slice()),
        (b"F2".as_slice(), b"TKSRAB+PTSerif-Bold".as_slice()),
    ];
    for object in lo.objects.values_mut() {
        if let Object::Dictionary(dict) = object {
            for key in [b"BaseFont".as_slice(), b"FontName".as_slice()] {
                let current = dict.get(key).and_then(Object::as_name).map(<[u8]>::to_vec);
                if let Ok(current) = current {
                    if let Some((_, new)) = names.iter().find(|(old, _)| *old == current.as_slice())
                    {
                        dict.set(key, Object::Name(new.to_vec()));
                    }
                }
            }
        }
    }
    // A fixed document ID: the manifest's digest (no randomness).
    let id = Object::String(digest[..16].to_vec(), StringFormat::Hexadecimal);
    lo.trailer.set("ID", vec![id.clone(), id]);
    lo.version = "1.7".to_owned();
    let mut out = Vec::new();
    lo.save_to(&mut out)
        .map_err(|e| ActError::Pdf(format!("cannot serialize the act: {e}")))?;
    Ok(out)
}

/// The photos' image XObjects of a rendered act (`/Im<n>` in the pages' resources): photo
/// number → object.
pub(crate) fn image_xobjects(doc: &lopdf::Document) -> Vec<(usize, lopdf::ObjectId)> {
    use lopdf::Object;
    let mut out = std::collections::BTreeMap::new();
    for page_id in doc.get_pages().into_values() {
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue;
        };
        let Some(resources) = page
            .get(b"Resources")
            .ok()
            .and_then(|r| doc.dereference(r).ok())
            .and_then(|(_, r)| r.as_dict().ok())
        else {
            continue;
        };
        let Some(xobjects) = resources
            .get(b"XObject")
            .ok()
            .and_then(|r| doc.dereference(r).ok())
            .and_then(|(_, r)| r.as_dict().ok())
        else {
            continue;
        };
        for (name, value) in xobjects.iter() {
            let number = std::str::from_utf8(name)
                .ok()
                .and_then(|n| n.strip_prefix("Im"))
                .and_then(|n| n.parse::<usize>().ok());
            if let (Some(number), Object::Reference(id)) = (number, value) {
                out.insert(number, *id);
            }
        }
    }
    out.into_iter().collect()
}

/// How far a signature widget stays inside its cell's rules, points.
const FIELD_INSET: f32 = 1.0;

/// Adds an empty signature field (a merged field and widget, printed) for each of `fields`
/// (IIN, signature cell), listed in the catalog's `/AcroForm`.
fn add_signature_fields(
    lo: &mut lopdf::Document,
    root_id: lopdf::ObjectId,
    fields: &[(String, CellBox)],
) -> Result<(), ActError> {
    use lopdf::{dictionary, Object, StringFormat};

    if fields.is_empty() {
        return Ok(());
    }
    let pages = lo.get_pages();
    let mut refs = Vec::with_capacity(fields.len());
    for (iin, cell) in fields {
        let page_id = u32::try_from(cell.page + 1)
            .ok()
            .and_then(|n| pages.get(&n))
            .copied()
            .ok_or_else(|| ActError::Pdf("a signature cell is on no page".to_owned()))?;
        let rect = [
            cell.x + FIELD_INSET,
            cell.y + FIELD_INSET,
            cell.x + cell.width - FIELD_INSET,
            cell.y + cell.height - FIELD_INSET,
        ];
        let widget = lo.add_object(dictionary! {
            "Type" => "Annot",
            "Subtype" => "Widget",
            "FT" => "Sig",
            "T" => Object::String(
                format!("{}{iin}", crate::pdf::FIELD_PREFIX).into_bytes(),
                StringFormat::Literal,
            ),
            "F" => 4,
            "Rect" => rect.iter().map(|&v| Object::Real(v)).collect::<Vec<_>>(),
            "P" => page_id,
        });
        if let Ok(Object::Dictionary(page)) = lo.get_object_mut(page_id) {
            match page.get_mut(b"Annots") {
                Ok(Object::Array(annots)) => annots.push(Object::Reference(widget)),
                _ => page.set("Annots", vec![Object::Reference(widget)]),
            }
        }
        refs.push(Object::Reference(widget));
    }
    let acroform = lo.add_object(dictionary! {
        "Fields" => refs,
        "SigFlags" => 0,
    });
    if let Ok(Object::Dictionary(catalog)) = lo.get_object_mut(root_id) {
        catalog.set("AcroForm", acroform);
    }
    Ok(())
}
