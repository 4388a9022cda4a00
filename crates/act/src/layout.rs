//! Page layout over printpdf: line wrapping with the fonts' real glyph widths, ruled tables
//! that break across pages (repeating their header), images, and a footer on every page.
//!
//! Coordinates are PDF points from the bottom-left corner of an A4 page.

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    Color, FontId, Line, LinePoint, Op, ParsedFont, PdfFontHandle, PdfPage, Point, Pt, Rgb,
    TextItem, XObjectId, XObjectTransform,
};

/// A4 width, points.
pub(crate) const PAGE_W: f32 = 595.28;
/// A4 height, points.
pub(crate) const PAGE_H: f32 = 841.89;
const MM: f32 = 72.0 / 25.4;
/// Margins (top 20, right 15, bottom 20, left 30 mm: the left one for filing).
pub(crate) const LEFT: f32 = 30.0 * MM;
const RIGHT: f32 = 15.0 * MM;
const TOP: f32 = 20.0 * MM;
const BOTTOM: f32 = 20.0 * MM;
/// The width of the text column.
pub(crate) const WIDTH: f32 = PAGE_W - LEFT - RIGHT;
const CELL_PAD: f32 = 2.5;

/// Millimetres to points.
/// The gap between the Kazakh and Russian columns, points.
pub(crate) const GUTTER: f32 = 6.0 * MM;

pub(crate) fn mm(value: f32) -> f32 {
    value * MM
}

/// One embedded font and its metrics.
pub(crate) struct Font {
    id: FontId,
    bytes: &'static [u8],
    glyphs: BTreeMap<u32, u16>,
    widths: BTreeMap<u16, u16>,
    units_per_em: f32,
}

impl Font {
    /// Parses a TrueType font; `name` is its fixed resource name (determinism).
    pub(crate) fn parse(name: &str, bytes: &'static [u8]) -> Option<Font> {
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())?;
        let font = Font {
            id: FontId(name.to_owned()),
            bytes,
            glyphs: parsed.codepoint_to_glyph.clone(),
            widths: parsed.glyph_widths.clone(),
            units_per_em: f32::from(parsed.units_per_em.max(1)),
        };
        Some(font)
    }

    /// The font cut down to the glyphs of `chars` (and `.notdef`), parsed for embedding.
    pub(crate) fn subset(&self, chars: &BTreeSet<char>) -> Option<ParsedFont> {
        use allsorts::binary::read::ReadScope;
        use allsorts::font_data::FontData;
        use allsorts::subset::{subset, CmapTarget, SubsetProfile};

        let mut glyphs: Vec<u16> = chars
            .iter()
            .filter_map(|c| self.glyphs.get(&u32::from(*c)).copied())
            .collect();
        glyphs.push(0);
        glyphs.sort_unstable();
        glyphs.dedup();
        let data = ReadScope::new(self.bytes).read::<FontData<'_>>().ok()?;
        let provider = data.table_provider(0).ok()?;
        let bytes = subset(
            &provider,
            &glyphs,
            &SubsetProfile::Minimal,
            CmapTarget::Unicode,
        )
        .ok()?;
        ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
    }

    pub(crate) fn id(&self) -> &FontId {
        &self.id
    }

    fn char_width(&self, c: char) -> f32 {
        let gid = self
            .glyphs
            .get(&u32::from(c))
            .or_else(|| self.glyphs.get(&u32::from('?')))
            .copied()
            .unwrap_or(0);
        f32::from(self.widths.get(&gid).copied().unwrap_or(500)) / self.units_per_em
    }

    /// The width of `text` at `size`, points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(c)).sum::<f32>() * size
    }

    /// Splits `text` into lines no wider than `width` (explicit newlines kept; a word
    /// longer than the line is broken between characters).
    pub(crate) fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // The word alone: break it if it is too long.
                for c in word.chars() {
                    line.push(c);
                    if self.width(&line, size) > width && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    }
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// The two faces of the act.
pub(crate) struct Fonts {
    pub(crate) regular: Font,
    pub(crate) bold: Font,
}

impl Fonts {
    fn get(&self, bold: bool) -> &Font {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }
}

/// Text style.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    pub(crate) size: f32,
    pub(crate) bold: bool,
}

impl Style {
    pub(crate) const BODY: Style = Style {
        size: 10.5,
        bold: false,
    };
    pub(crate) const BOLD: Style = Style {
        size: 10.5,
        bold: true,
    };
    pub(crate) const SMALL: Style = Style {
        size: 8.5,
        bold: false,
    };
    pub(crate) const SMALL_BOLD: Style = Style {
        size: 8.5,
        bold: true,
    };
    pub(crate) const HEADING: Style = Style {
        size: 11.5,
        bold: true,
    };
    pub(crate) const TITLE: Style = Style {
        size: 13.0,
        bold: true,
    };

    fn leading(self) -> f32 {
        self.size * 1.22
    }
}

/// Horizontal alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
}

/// A table cell.
#[derive(Clone, Debug)]
pub(crate) struct Cell {
    pub(crate) text: String,
    pub(crate) style: Style,
}

impl Cell {
    pub(crate) fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            style: Style::SMALL,
        }
    }
    pub(crate) fn bold(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            style: Style::SMALL_BOLD,
        }
    }
}

/// Where a table cell was drawn: its page (0-based) and its box in PDF points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct CellBox {
    pub(crate) page: usize,
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) width: f32,
    pub(crate) height: f32,
}

/// Pages being laid out, top to bottom.
pub(crate) struct Layout<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    /// The baseline-free cursor: the top of the next thing to draw.
    y: f32,
    /// The characters drawn with each face (regular, bold), for subsetting.
    used: [BTreeSet<char>; 2],
    /// A mark printed diagonally across every page, under the text (training acts).
    watermark: Option<String>,
}

impl<'f> Layout<'f> {
    pub(crate) fn new(fonts: &'f Fonts) -> Layout<'f> {
        let mut layout = Layout {
            fonts,
            pages: Vec::new(),
            y: 0.0,
            used: [BTreeSet::new(), BTreeSet::new()],
            watermark: None,
        };
        layout.new_page();
        layout
    }

    /// Starts a new page.
    pub(crate) fn new_page(&mut self) {
        self.pages.push(vec![
            Op::SetOutlineThickness { pt: Pt(0.5) },
            Op::SetOutlineColor { col: black() },
            Op::SetFillColor { col: black() },
        ]);
        self.y = PAGE_H - TOP;
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.new_page();
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// The room left on this page, points.
    pub(crate) fn room(&self) -> f32 {
        self.y - BOTTOM
    }

    /// Vertical space.
    pub(crate) fn space(&mut self, height: f32) {
        self.y -= height;
    }

    /// Where a paragraph of `lines` lines should move to the next page so that neither page
    /// holds a single line of it (no orphan at the bottom, no widow at the top); `None` when
    /// it fits here or breaks well by itself.
    fn split_at(&self, lines: usize, leading: f32) -> Option<usize> {
        let fit = (self.room() / leading).floor().max(0.0) as usize;
        if lines <= fit || lines < 2 {
            return None;
        }
        if fit < 2 {
            return Some(0);
        }
        // One line would be left for the next page: take one more along.
        (lines - fit < 2).then(|| if lines >= 4 { fit - 1 } else { 0 })
    }

    /// Starts a new page unless `height` fits on this one.
    pub(crate) fn ensure(&mut self, height: f32) {
        if self.room() < height {
            self.new_page();
        }
    }

    fn text_at(&mut self, x: f32, baseline: f32, text: &str, style: Style) {
        if text.is_empty() {
            return;
        }
        let font = self.fonts.get(style.bold).id().clone();
        self.used[usize::from(style.bold)].extend(text.chars());
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(style.size),
            },
            Op::SetTextCursor {
                pos: Point {
                    x: Pt(x),
                    y: Pt(baseline),
                },
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// A line from (x1, y1) to (x2, y2).
    pub(crate) fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.ops().push(Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint {
                        p: Point {
                            x: Pt(x1),
                            y: Pt(y1),
                        },
                        bezier: false,
                    },
                    LinePoint {
                        p: Point {
                            x: Pt(x2),
                            y: Pt(y2),
                        },
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        });
    }

    /// A paragraph over the full width, breaking across pages.
    pub(crate) fn paragraph(&mut self, text: &str, style: Style, align: Align) {
        self.paragraph_in(LEFT, WIDTH, text, style, align);
    }

    /// A paragraph in the column `x..x+width`.
    pub(crate) fn paragraph_in(
        &mut self,
        x: f32,
        width: f32,
        text: &str,
        style: Style,
        align: Align,
    ) {
        let lines = self.fonts.get(style.bold).wrap(text, style.size, width);
        let split = self.split_at(lines.len(), style.leading());
        for (i, line) in lines.into_iter().enumerate() {
            if Some(i) == split {
                self.new_page();
            }
            self.ensure(style.leading());
            let dx = match align {
                Align::Left => 0.0,
                Align::Center => {
                    (width - self.fonts.get(style.bold).width(&line, style.size)).max(0.0) / 2.0
                }
            };
            self.text_at(x + dx, self.y - style.size, &line, style);
            self.y -= style.leading();
        }
    }

    /// The height of a paragraph of `text` wrapped to `width`.
    pub(crate) fn paragraph_height(&self, text: &str, style: Style, width: f32) -> f32 {
        self.fonts
            .get(style.bold)
            .wrap(text, style.size, width)
            .len() as f32
            * style.leading()
    }

    /// Two texts side by side (kk left, ru right), line by line, breaking across pages.
    pub(crate) fn columns(&mut self, left: &str, right: &str, style: Style, align: Align) {
        let gap = GUTTER;
        let width = (WIDTH - gap) / 2.0;
        let font = self.fonts.get(style.bold);
        let a = font.wrap(left, style.size, width);
        let b = font.wrap(right, style.size, width);
        let split = self.split_at(a.len().max(b.len()), style.leading());
        for i in 0..a.len().max(b.len()) {
            if Some(i) == split {
                self.new_page();
            }
            self.ensure(style.leading());
            for (x, line) in [(LEFT, a.get(i)), (LEFT + width + gap, b.get(i))] {
                if let Some(line) = line {
                    let dx = match align {
                        Align::Left => 0.0,
                        Align::Center => (width - font.width(line, style.size)).max(0.0) / 2.0,
                    };
                    self.text_at(x + dx, self.y - style.size, line, style);
                }
            }
            self.y -= style.leading();
        }
    }

    /// A ruled table: `widths` in points (summing to the text width), a header row repeated on
    /// every page, and rows that break between lines when they do not fit.
    pub(crate) fn table(&mut self, widths: &[f32], header: &[Cell], rows: &[Vec<Cell>]) {
        self.table_cells(widths, header, rows, None, 0.0);
    }

    /// [`Layout::table`], reporting where the cells of `column` were drawn: for each row, its
    /// pieces (more than one when the row broke across pages; none for a row of one cell or
    /// when `column` is `None`). Rows are at least `min_height` tall.
    pub(crate) fn table_cells(
        &mut self,
        widths: &[f32],
        header: &[Cell],
        rows: &[Vec<Cell>],
        column: Option<usize>,
        min_height: f32,
    ) -> Vec<Vec<CellBox>> {
        self.table_cells_with_tail(widths, header, rows, column, min_height, 0.0)
    }

    /// [`Layout::table_cells`], keeping `tail` points free below the last row on its page, so
    /// that what follows the table (`tail` tall) never starts a page alone.
    pub(crate) fn table_cells_with_tail(
        &mut self,
        widths: &[f32],
        header: &[Cell],
        rows: &[Vec<Cell>],
        column: Option<usize>,
        min_height: f32,
        tail: f32,
    ) -> Vec<Vec<CellBox>> {
        let header_lines = self.cell_lines(widths, header);
        let header_height = row_height(header, &header_lines);
        // Never leave a header alone at the bottom of a page.
        self.ensure(header_height + Style::SMALL.leading() * 2.0 + CELL_PAD * 2.0);
        self.draw_row(widths, header, &header_lines, header_height);
        let mut boxes = Vec::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            let last = index + 1 == rows.len();
            // A row of one cell (a section's title) stays with the first lines of the next.
            let keep = match rows.get(index + 1) {
                Some(next) if row.len() == 1 => {
                    let lines = self.cell_lines(widths, next);
                    row_height(next, &lines).min(Style::SMALL.leading() * 3.0 + CELL_PAD * 2.0)
                }
                _ => 0.0,
            };
            let after = if last { tail } else { keep };
            let mut pieces = Vec::new();
            let mut lines = self.cell_lines(widths, row);
            loop {
                let height = row_height(row, &lines).max(min_height);
                if height + after <= self.room() {
                    pieces.extend(self.cell_box(widths, row, column, height));
                    self.draw_row(widths, row, &lines, height);
                    break;
                }
                // How many lines fit here?
                let leading = row
                    .iter()
                    .map(|c| c.style.leading())
                    .fold(0.0_f32, f32::max);
                let fit = ((self.room() - CELL_PAD * 2.0) / leading).floor();
                let longest = lines.iter().map(Vec::len).max().unwrap_or(0);
                // Rows with a minimum height (signature lines) are never split; a last row
                // that fits but leaves no room for the tail moves with it.
                if fit < 2.0 || longest <= 2 || min_height > 0.0 || height <= self.room() {
                    self.new_page();
                    self.draw_row(widths, header, &header_lines, header_height);
                    continue;
                }
                let fit = fit as usize;
                let (now, rest): (Vec<Vec<String>>, Vec<Vec<String>>) = lines
                    .iter()
                    .map(|l| {
                        let cut = fit.min(l.len());
                        (l[..cut].to_vec(), l[cut..].to_vec())
                    })
                    .unzip();
                let height = row_height(row, &now);
                pieces.extend(self.cell_box(widths, row, column, height));
                self.draw_row(widths, row, &now, height);
                self.new_page();
                self.draw_row(widths, header, &header_lines, header_height);
                lines = rest;
            }
            boxes.push(pieces);
        }
        boxes
    }

    /// Where the cell of `column` of a row of `height` drawn at the cursor lies.
    fn cell_box(
        &self,
        widths: &[f32],
        row: &[Cell],
        column: Option<usize>,
        height: f32,
    ) -> Option<CellBox> {
        let column = column?;
        if row.len() != widths.len() {
            return None;
        }
        let width = *widths.get(column)?;
        let x = LEFT + widths.iter().take(column).sum::<f32>();
        Some(CellBox {
            page: self.pages.len().saturating_sub(1),
            x,
            y: self.y - height,
            width,
            height,
        })
    }

    fn cell_lines(&self, widths: &[f32], row: &[Cell]) -> Vec<Vec<String>> {
        let total = [widths.iter().sum::<f32>()];
        let widths: &[f32] = if row.len() == 1 { &total } else { widths };
        row.iter()
            .zip(widths)
            .map(|(cell, w)| {
                self.fonts.get(cell.style.bold).wrap(
                    &cell.text,
                    cell.style.size,
                    w - CELL_PAD * 2.0,
                )
            })
            .collect()
    }

    fn draw_row(&mut self, widths: &[f32], row: &[Cell], lines: &[Vec<String>], height: f32) {
        let total = [widths.iter().sum::<f32>()];
        // A row of one cell spans the whole table (a section title).
        let widths: &[f32] = if row.len() == 1 { &total } else { widths };
        let top = self.y;
        let mut x = LEFT;
        for ((cell, w), cell_lines) in row.iter().zip(widths).zip(lines) {
            let mut baseline = top - CELL_PAD - cell.style.size;
            for line in cell_lines {
                self.text_at(x + CELL_PAD, baseline, line, cell.style);
                baseline -= cell.style.leading();
            }
            x += w;
        }
        let right = LEFT + widths.iter().sum::<f32>();
        self.rule(LEFT, top, right, top);
        self.rule(LEFT, top - height, right, top - height);
        let mut x = LEFT;
        self.rule(x, top, x, top - height);
        for w in widths {
            x += w;
            self.rule(x, top, x, top - height);
        }
        self.y = top - height;
    }

    /// An image of `width`×`height` points whose top-left corner is at (x, cursor).
    pub(crate) fn image(
        &mut self,
        id: &XObjectId,
        pixels: (u32, u32),
        x: f32,
        width: f32,
        height: f32,
    ) {
        let (pw, ph) = pixels;
        let y = self.y - height;
        self.ops().push(Op::UseXobject {
            id: id.clone(),
            transform: XObjectTransform {
                translate_x: Some(Pt(x)),
                translate_y: Some(Pt(y)),
                rotate: None,
                scale_x: Some(width / pw.max(1) as f32),
                scale_y: Some(height / ph.max(1) as f32),
                dpi: Some(72.0),
                no_auto_scale: false,
            },
        });
    }

    /// Text at an absolute place in the current page's flow (used beside images).
    pub(crate) fn label(&mut self, x: f32, top: f32, width: f32, text: &str, style: Style) -> f32 {
        let lines = self.fonts.get(style.bold).wrap(text, style.size, width);
        let mut baseline = top - style.size;
        for line in &lines {
            self.text_at(x, baseline, line, style);
            baseline -= style.leading();
        }
        lines.len() as f32 * style.leading()
    }

    /// The current cursor.
    pub(crate) fn cursor(&self) -> f32 {
        self.y
    }

    /// Moves the cursor to `y`.
    pub(crate) fn set_cursor(&mut self, y: f32) {
        self.y = y;
    }

    /// Adds the footer (given page number and page count) and returns the pages with the
    /// characters used by each face (regular, bold).
    /// Prints `text` diagonally across every page, light, under the text, so that the text
    /// stays readable and the mark cannot be missed (or cut out without the text with it).
    pub(crate) fn watermark(&mut self, text: &str) {
        self.watermark = Some(text.to_owned());
    }

    /// The ops of the watermark, drawn first on a page: bold, light red, along the page's
    /// diagonal from bottom left to top right, centred, 70 % of the diagonal long.
    fn watermark_ops(&mut self) -> Vec<Op> {
        let Some(text) = self.watermark.clone() else {
            return Vec::new();
        };
        let font = &self.fonts.bold;
        let unit = font.width(&text, 1.0);
        if unit <= 0.0 {
            return Vec::new();
        }
        let diagonal = PAGE_W.hypot(PAGE_H);
        let size = diagonal * 0.62 / unit;
        let width = unit * size;
        let (sin, cos) = PAGE_H.atan2(PAGE_W).sin_cos();
        // Centre the line on the page's centre; lift it by half a cap height (≈ 0.35 em).
        let lift = size * 0.35;
        let x = PAGE_W / 2.0 - width / 2.0 * cos + lift * sin;
        let y = PAGE_H / 2.0 - width / 2.0 * sin - lift * cos;
        self.used[1].extend(text.chars());
        vec![
            Op::SaveGraphicsState,
            Op::SetFillColor {
                col: Color::Rgb(Rgb {
                    r: 0.97,
                    g: 0.80,
                    b: 0.80,
                    icc_profile: None,
                }),
            },
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font.id().clone()),
                size: Pt(size),
            },
            Op::SetTextMatrix {
                matrix: printpdf::TextMatrix::Raw([cos, sin, -sin, cos, x, y]),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text)],
            },
            Op::EndTextSection,
            Op::RestoreGraphicsState,
        ]
    }

    pub(crate) fn finish(
        mut self,
        footer: impl Fn(usize, usize) -> String,
    ) -> (Vec<PdfPage>, [BTreeSet<char>; 2]) {
        let total = self.pages.len();
        let style = Style {
            size: 7.5,
            bold: false,
        };
        let pages = std::mem::take(&mut self.pages);
        let mut out = Vec::with_capacity(total);
        for (i, mut ops) in pages.into_iter().enumerate() {
            let text = footer(i + 1, total);
            self.pages = vec![std::mem::take(&mut ops)];
            let line_y = BOTTOM - mm(5.0);
            self.rule(LEFT, line_y, PAGE_W - RIGHT, line_y);
            let lines = self.fonts.regular.wrap(&text, style.size, WIDTH);
            let mut baseline = line_y - style.size - 2.0;
            for line in &lines {
                self.text_at(LEFT, baseline, line, style);
                baseline -= style.leading();
            }
            let mut ops = self.watermark_ops();
            ops.extend(self.pages.pop().unwrap_or_default());
            out.push(PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), ops));
        }
        (out, self.used)
    }
}

fn row_height(row: &[Cell], lines: &[Vec<String>]) -> f32 {
    row.iter()
        .zip(lines)
        .map(|(c, l)| l.len().max(1) as f32 * c.style.leading())
        .fold(0.0_f32, f32::max)
        + CELL_PAD * 2.0
}

fn black() -> Color {
    Color::Rgb(Rgb {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        icc_profile: None,
    })
}
