//! Rendering the act and the dissent notice to PDF.

use printpdf::{
    PdfDocument, PdfSaveOptions, RawImage, RawImageData, RawImageFormat, XObject, XObjectId,
};
use sha2::{Digest, Sha256};
use tekseru_core::{quorum::Rule, Body, Iin, ItemKind, Role, Verdict};
use time::OffsetDateTime;

use crate::data::{ActData, Bilingual, Lang};
use crate::layout::{mm, Align, Cell, CellBox, Font, Fonts, Layout, Style, LEFT, WIDTH};
use crate::ActError;

const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/PTSerif-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/PTSerif-Bold.ttf");
/// The largest side of a photo as embedded, pixels; larger images are downscaled.
const THUMB_MAX: u32 = 480;
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
        self.layout.ensure(Style::HEADING.size * 4.0);
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
}

/// A date in the official form, in Kazakh and Russian.
fn official_date(date: time::Date) -> Bilingual {
    bi(
        &tekseru_core::dates::official(date, "kk"),
        &tekseru_core::dates::official(date, "ru"),
    )
}

fn verdict_text(verdict: Option<Verdict>) -> Bilingual {
    match verdict {
        Some(Verdict::Complies) => bi("сәйкес келеді", "соответствует"),
        Some(Verdict::Fails) => bi("сәйкес келмейді", "не соответствует"),
        Some(Verdict::NotApplicable) => bi("қолданылмайды", "не применимо"),
        None => bi("тексерілмеген", "не проверено"),
    }
}

fn role_text(role: Role) -> Bilingual {
    match role {
        Role::Chair => bi("төраға", "председатель"),
        Role::Secretary => bi("хатшы", "секретарь"),
        Role::Member => bi("мүше", "член"),
    }
}

fn body_text(body: Body) -> Bilingual {
    match body {
        Body::Committee => bi(
            "Ақпараттық қауіпсіздік комитеті",
            "Комитет по информационной безопасности",
        ),
        Body::Techreg => bi(
            "Техникалық реттеу органы",
            "Орган по техническому регулированию",
        ),
        Body::Knb => bi(
            "Ұлттық қауіпсіздік органдары",
            "Органы национальной безопасности",
        ),
        Body::Other => bi("Өзге", "Иное"),
    }
}

/// Inventory words (`server`, `hsm`, `main`, `backup`) in the act's languages.
fn equipment_word(word: &str) -> Bilingual {
    match word {
        "server" => bi("сервер", "сервер"),
        "hsm" => bi("АБК (HSM)", "АПК (HSM)"),
        "main" => bi("негізгі", "основной"),
        "backup" => bi("резервтік", "резервный"),
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
    };
    let revocation = data.rule == Rule::Revocation;

    // 1. Heading.
    w.text(
        &bi(
            "Қазақстан Республикасы Цифрлық даму, инновациялар және аэроғарыш өнеркәсібі министрлігінің Ақпараттық қауіпсіздік комитеті",
            "Комитет по информационной безопасности Министерства цифрового развития, инноваций и аэрокосмической промышленности Республики Казахстан",
        ),
        Style::BOLD,
        Align::Center,
    );
    w.layout.space(10.0);
    let title = if revocation {
        bi(
            "Куәландырушы орталықты көшпелі зерттеп-қарау нәтижелері туралы АКТ",
            "АКТ по результатам выездного обследования удостоверяющего центра",
        )
    } else {
        bi(
            "Куәландырушы орталықты тексеру нәтижелері туралы АКТ",
            "АКТ по результатам проверки удостоверяющего центра",
        )
    };
    w.text(&title, Style::TITLE, Align::Center);
    w.text(
        &bi(
            &format!("№ {}", data.act_number),
            &format!("№ {}", data.act_number),
        ),
        Style::TITLE,
        Align::Center,
    );
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

    // 2. Basis.
    w.heading("1.", &bi("Тексерудің негізі", "Основание проверки"));
    w.field(
        &bi("Құқықтық негіз", "Правовое основание"),
        &format!(
            "{} {} ({})",
            data.basis.source_act,
            data.basis.paragraphs,
            w.label(&data.basis.source_name)
        ),
    );
    if let Some(wording) = &data.basis.wording {
        w.field(
            &bi("Қағидалардың редакциясы", "Редакция Правил"),
            &w.label(wording),
        );
    }
    if let Some(order) = &data.basis.commission_order {
        w.field(
            &bi(
                "Комиссияны құру туралы бұйрық",
                "Приказ о создании комиссии",
            ),
            order,
        );
    }
    if let Some(app) = &data.basis.application {
        let name = if revocation {
            bi("Шағым", "Жалоба")
        } else {
            bi("Өтініш", "Заявление")
        };
        w.field(&name, app);
    }
    w.field(
        &bi("Тексеру парағы", "Проверочный лист"),
        &format!(
            "{} v{}",
            data.basis.checklist_id, data.basis.checklist_version
        ),
    );

    // 3. Commission.
    w.heading("2.", &bi("Комиссия құрамы", "Состав комиссии"));
    let widths = [mm(9.0), mm(52.0), mm(34.0), mm(44.0), mm(26.0)];
    let header = [
        Cell::bold("№"),
        Cell::bold(w.stacked(&bi("Т.А.Ә., ЖСН", "Ф.И.О., ИИН"))),
        Cell::bold(w.stacked(&bi("Лауазымы", "Должность"))),
        Cell::bold(w.stacked(&bi("Орган", "Орган"))),
        Cell::bold(w.stacked(&bi("Рөлі", "Роль"))),
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
                Cell::new(w.stacked(&body_text(m.body))),
                Cell::new(w.stacked(&role_text(m.role))),
            ]
        })
        .collect();
    w.layout.table(&widths, &header, &rows);

    // 4. Object.
    w.heading("3.", &bi("Тексеру объектісі", "Объект проверки"));
    w.field(
        &bi("Куәландырушы орталық", "Удостоверяющий центр"),
        &data.ca.name,
    );
    w.field(&bi("БСН", "БИН"), &data.ca.bin.to_string());
    if let Some(address) = &data.ca.legal_address {
        w.field(&bi("Заңды мекенжайы", "Юридический адрес"), address);
    }
    w.field(
        &bi("Инфрақұрылымның мекенжайы", "Адрес инфраструктуры"),
        &data.site.address,
    );
    if !data.site.representatives.is_empty() {
        w.field(
            &bi(
                "Куәландырушы орталықтың өкілдері",
                "Представители удостоверяющего центра",
            ),
            &data.site.representatives.join("; "),
        );
    }
    w.field(
        &bi("Тексеру мерзімі", "Сроки проверки"),
        &{
            let (start, end) = (official_date(data.start), official_date(data.end));
            w.label(&bi(
                &format!("{} — {}", start.kk, end.kk),
                &format!("{} — {}", start.ru, end.ru),
            ))
        },
    );

    // 5. Documentary check.
    let mut section = 4;
    if let Some(doc_check) = &data.documentary_check {
        w.heading(
            &format!("{section}."),
            &bi("Құжаттық тексеру", "Документарная проверка"),
        );
        w.text(doc_check, Style::BODY, Align::Left);
        section += 1;
    }

    // 6. On-site check.
    w.heading(
        &format!("{section}."),
        &bi("Көшпелі тексеру нәтижелері", "Результаты выездной проверки"),
    );
    section += 1;
    let (widths, header): (Vec<f32>, Vec<Cell>) = match w.languages {
        Languages::One(_) => (
            vec![mm(9.0), mm(54.0), mm(48.0), mm(28.0), mm(26.0)],
            vec![
                Cell::bold("№"),
                Cell::bold(w.label(&bi(
                    "Талап және құқықтық сілтеме",
                    "Требование и правовая ссылка",
                ))),
                Cell::bold(w.label(&bi("Нақты жағдай", "Фактическое состояние"))),
                Cell::bold(w.label(&bi("Дәлелдемелер", "Доказательства"))),
                Cell::bold(w.label(&bi("Қорытынды", "Вывод"))),
            ],
        ),
        Languages::Both => (
            vec![mm(8.0), mm(35.0), mm(35.0), mm(34.0), mm(27.0), mm(26.0)],
            vec![
                Cell::bold("№"),
                Cell::bold("Талап"),
                Cell::bold("Требование"),
                Cell::bold("Нақты жағдай\nФактическое состояние"),
                Cell::bold("Дәлелдемелер\nДоказательства"),
                Cell::bold("Қорытынды\nВывод"),
            ],
        ),
    };
    let mut rows = Vec::new();
    let mut current_section: Option<&Bilingual> = None;
    let mut n = 0;
    for item in &data.items {
        if current_section != Some(&item.section) {
            current_section = Some(&item.section);
            // A row of one cell spans the table.
            rows.push(vec![Cell::bold(w.label(&item.section))]);
        }
        n += 1;
        let mut found = item.note.clone().unwrap_or_default();
        if let Some(m) = &item.measurement {
            let rule = m
                .rule
                .map(|r| {
                    format!(
                        " ({} {} {})",
                        w.label(&bi("талап", "требование")),
                        r.op.as_str(),
                        r.value
                    )
                })
                .unwrap_or_default();
            let line = format!(
                "{}: {} {}{rule}",
                w.label(&bi("Өлшенді", "Измерено")),
                m.value,
                m.unit
            );
            found = if found.is_empty() {
                line
            } else {
                format!("{found}\n{line}")
            };
        }
        if item.kind == ItemKind::Inventory && !item.inventory.is_empty() {
            let mismatches = item.inventory.iter().filter(|r| r.mismatch()).count();
            let line = format!(
                "{}: {} / {mismatches}",
                w.label(&bi(
                    "Жабдық (жолдар / сәйкессіздік)",
                    "Оборудование (строк / расхождений)"
                )),
                item.inventory.len()
            );
            found = if found.is_empty() {
                line
            } else {
                format!("{found}\n{line}")
            };
        }
        let evidence = item
            .evidence
            .iter()
            .map(|e| format!("{} {}", short(&e.sha256), e.name))
            .collect::<Vec<_>>()
            .join("\n");
        let mut row = vec![Cell::new(format!("{n}"))];
        match w.languages {
            Languages::One(lang) => row.push(Cell::new(format!(
                "{}\n({})",
                item.requirement.get(lang),
                item.reference
            ))),
            Languages::Both => {
                row.push(Cell::new(format!(
                    "{}\n({})",
                    item.requirement.kk, item.reference
                )));
                row.push(Cell::new(format!(
                    "{}\n({})",
                    item.requirement.ru, item.reference
                )));
            }
        }
        row.push(Cell::new(found));
        row.push(Cell::new(evidence));
        let verdict = w.stacked(&verdict_text(item.verdict));
        row.push(if item.verdict == Some(Verdict::Fails) {
            Cell::bold(verdict)
        } else {
            Cell::new(verdict)
        });
        rows.push(row);
    }
    w.layout.table(&widths, &header, &rows);

    // 7. Servers and HSMs.
    let inventory: Vec<_> = data.items.iter().flat_map(|i| i.inventory.iter()).collect();
    if !inventory.is_empty() {
        w.heading(
            &format!("{section}."),
            &bi(
                "Серверлер мен АБК: мәлімделгені және нақты",
                "Серверы и АПК: заявлено и фактически",
            ),
        );
        section += 1;
        let widths = [mm(25.0), mm(58.0), mm(58.0), mm(24.0)];
        let header = [
            Cell::bold(w.stacked(&bi("Түрі, рөлі", "Вид, роль"))),
            Cell::bold(w.stacked(&bi("Мәлімделді", "Заявлено"))),
            Cell::bold(w.stacked(&bi("Нақты табылды", "Фактически"))),
            Cell::bold(w.stacked(&bi("Салыстыру", "Сверка"))),
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
                    .unwrap_or_else(|| w.stacked(&bi("табылмады", "не обнаружено")));
                let matched = if r.mismatch() {
                    Cell::bold(format!(
                        "≠ {}",
                        w.stacked(&bi("сәйкес емес", "расхождение"))
                    ))
                } else {
                    Cell::new(format!("= {}", w.stacked(&bi("сәйкес", "совпадает"))))
                };
                vec![
                    Cell::new(format!(
                        "{}, {}",
                        w.stacked(&equipment_word(&r.kind)),
                        w.stacked(&equipment_word(&r.role))
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

    // 8. Findings, conclusions, recommendations.
    if !data.findings.is_empty() {
        w.heading(
            &format!("{section}."),
            &bi("Анықталған бұзушылықтар", "Выявленные нарушения"),
        );
        section += 1;
        for (i, f) in data.findings.iter().enumerate() {
            let t = bi(
                &format!("{}) {}", i + 1, f.kk),
                &format!("{}) {}", i + 1, f.ru),
            );
            w.text(&t, Style::BODY, Align::Left);
        }
    }
    w.heading(&format!("{section}."), &bi("Қорытындылар", "Выводы"));
    section += 1;
    for (i, c) in data.conclusions.iter().enumerate() {
        let t = bi(
            &format!("{}) {}", i + 1, c.kk),
            &format!("{}) {}", i + 1, c.ru),
        );
        w.text(&t, Style::BODY, Align::Left);
    }
    if let (true, true, Some(mark)) = (
        revocation,
        data.findings.is_empty(),
        &data.no_violations_mark,
    ) {
        w.text(mark, Style::BOLD, Align::Left);
    }
    if !data.recommendations.is_empty() {
        w.heading(&format!("{section}."), &bi("Ұсынымдар", "Рекомендации"));
        section += 1;
        for (i, r) in data.recommendations.iter().enumerate() {
            let deadline = |word: &str, lang: &str| {
                r.deadline
                    .map(|d| format!(" ({word} {})", tekseru_core::dates::official(d, lang)))
                    .unwrap_or_default()
            };
            let t = bi(
                &format!("{}) {}{}", i + 1, r.text.kk, deadline("мерзімі:", "kk")),
                &format!("{}) {}{}", i + 1, r.text.ru, deadline("срок:", "ru")),
            );
            w.text(&t, Style::BODY, Align::Left);
        }
    }

    // 9. Adoption.
    w.heading(
        &format!("{section}."),
        &bi("Актіні қабылдау тәртібі", "Порядок принятия акта"),
    );
    section += 1;
    let rule = match data.rule {
        Rule::Accreditation => bi(
            "Акт комиссия мүшелерінің үштен екісінің, оның ішінде ұлттық қауіпсіздік органдары өкілінің қолы қойылған кезде қабылданды деп есептеледі (224/НҚ 13-тармақ).",
            "Акт считается принятым при наличии подписей двух третей членов комиссии, в том числе представителя органов национальной безопасности (224/НҚ п. 13).",
        ),
        Rule::Revocation => bi(
            "Акт хатшыдан басқа кемінде үш комиссия мүшесі қол қойған кезде заңды болып табылады (224/НҚ 22-тармақ).",
            "Акт является легитимным при подписании не менее чем тремя членами комиссии, помимо секретаря (224/НҚ п. 22).",
        ),
    };
    w.text(&rule, Style::BODY, Align::Left);

    // 10. Signatures.
    w.heading(
        &format!("{section}."),
        &bi("Комиссия мүшелерінің қолдары", "Подписи членов комиссии"),
    );
    let widths = [mm(9.0), mm(58.0), mm(40.0), mm(58.0)];
    let header = [
        Cell::bold("№"),
        Cell::bold(w.stacked(&bi("Т.А.Ә.", "Ф.И.О."))),
        Cell::bold(w.stacked(&bi("Рөлі, органы", "Роль, орган"))),
        Cell::bold(w.stacked(&bi("Қолтаңба", "Подпись"))),
    ];
    let rows: Vec<Vec<Cell>> = data
        .roster
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let dissent = data.dissents.iter().any(|d| d.iin == m.iin);
            let status = if dissent {
                w.stacked(&bi(
                    "қол қойған жоқ, ерекше пікірі қоса беріледі (D қосымшасы)",
                    "не подписал(а), особое мнение прилагается (приложение D)",
                ))
            } else {
                w.stacked(&bi(
                    "электрондық цифрлық қолтаңбамен қол қойылады",
                    "подписывается электронной цифровой подписью",
                ))
            };
            vec![
                Cell::new(format!("{}", i + 1)),
                Cell::new(m.name.clone()),
                Cell::new(format!(
                    "{}\n{}",
                    w.label(&role_text(m.role)),
                    w.label(&body_text(m.body))
                )),
                if dissent {
                    Cell::bold(status)
                } else {
                    Cell::new(status)
                },
            ]
        })
        .collect();
    // Each row has room for the member's visible signature (see `stamp`).
    let cells = w
        .layout
        .table_cells(&widths, &header, &rows, Some(3), mm(21.0));
    // One empty signature field per member who may sign, on their signature cell (the
    // tallest piece, should the row have broken across pages).
    let fields: Vec<(String, CellBox)> = data
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
    w.text(
        &bi(
            "Актімен таныстым (куәландырушы орталықтың өкілі): ____________________",
            "С актом ознакомлен (представитель удостоверяющего центра): ____________________",
        ),
        Style::BODY,
        Align::Left,
    );

    // 11. Annexes.
    if !data.evidence.is_empty() {
        w.layout.new_page();
        w.heading("A.", &bi("Дәлелдемелер тізілімі", "Реестр доказательств"));
        let widths = [mm(30.0), mm(48.0), mm(18.0), mm(69.0)];
        let header = [
            Cell::bold(w.stacked(&bi("Тармақ", "Пункт"))),
            Cell::bold(w.stacked(&bi("Файл", "Файл"))),
            Cell::bold(w.stacked(&bi("Көлемі, байт", "Размер, байт"))),
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
    if !data.photos.is_empty() {
        w.layout.new_page();
        w.heading("B.", &bi("Фотосуреттер", "Фотографии"));
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
                    w.label(&bi("Фото", "Фото")),
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
    }
    if !data.dissents.is_empty() {
        w.layout.new_page();
        w.heading("D.", &bi("Ерекше пікірлер", "Особые мнения"));
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

    let footer_label = match options.languages {
        Languages::One(Lang::Kk) => ("Бет", "Акт", "Тексеру", "Аудит"),
        Languages::One(Lang::Ru) => ("Стр.", "Акт", "Проверка", "Аудит"),
        Languages::Both => ("Бет / Стр.", "Акт", "Тексеру / Проверка", "Аудит"),
    };
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
    };
    w.text(
        &bi(
            "Қазақстан Республикасы Цифрлық даму, инновациялар және аэроғарыш өнеркәсібі министрлігінің Ақпараттық қауіпсіздік комитетіне",
            "В Комитет по информационной безопасности Министерства цифрового развития, инноваций и аэрокосмической промышленности Республики Казахстан",
        ),
        Style::BOLD,
        Align::Left,
    );
    w.layout.space(14.0);
    w.text(
        &bi("ЕРЕКШЕ ПІКІР", "ОСОБОЕ МНЕНИЕ"),
        Style::TITLE,
        Align::Center,
    );
    let date = official_date(data.end);
    let about = bi(
        &format!(
            "№ {} акт бойынша ({}, {})",
            data.act_number, data.ca.name, date.kk
        ),
        &format!(
            "к акту № {} ({}, {})",
            data.act_number, data.ca.name, date.ru
        ),
    );
    w.text(&about, Style::BODY, Align::Center);
    w.layout.space(10.0);
    w.field(
        &bi("Комиссия мүшесі", "Член комиссии"),
        &format!("{}, {}", m.name, m.iin),
    );
    w.field(
        &bi("Рөлі, органы", "Роль, орган"),
        &format!(
            "{}, {}",
            w.label(&role_text(m.role)),
            w.label(&body_text(m.body))
        ),
    );
    w.field(&bi("Тексеру", "Проверка"), &data.inspection_id);
    w.layout.space(6.0);
    w.text(
        &bi(
            "Мен актіге қол қоймаймын, себебі (224/НҚ 13-тармақ):",
            "Я не подписываю акт по следующим основаниям (224/НҚ п. 13):",
        ),
        Style::BOLD,
        Align::Left,
    );
    w.layout.paragraph(&reason, Style::BODY, Align::Left);
    w.layout.space(20.0);
    w.field(&bi("Күні", "Дата"), &w.date(data.end));
    w.field(&bi("Қолы", "Подпись"), "____________________");
    let label = match options.languages {
        Languages::One(Lang::Ru) => "Стр.",
        Languages::One(Lang::Kk) => "Бет",
        Languages::Both => "Бет / Стр.",
    };
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
        "Ерекше пікір / Особое мнение",
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
