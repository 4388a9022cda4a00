//! The cited legal texts, indexed by paragraph, sub-item, абзац and annex row, and the
//! references that point into them (`224/НҚ §12(15) ¶6`, `224/НҚ Annex 1 item 9`).

use std::collections::BTreeMap;
use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// A place in a legal act, as written in a checklist's `ref`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LegalRef {
    /// The act's short name, e.g. `224/НҚ`.
    pub act: String,
    /// Where inside the act.
    pub locator: Locator,
}

/// Where inside an act a reference points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Locator {
    /// Paragraph (тармақ) `para`, optionally its sub-item (тармақша) `sub`, optionally its
    /// N-th абзац (the unit's own numbered line is ¶1).
    Paragraph {
        /// The paragraph number.
        para: u32,
        /// The sub-item number.
        sub: Option<u32>,
        /// The абзац, counted from 1.
        indent: Option<u32>,
    },
    /// Row `item` of the table in annex `annex`.
    Annex {
        /// The annex number.
        annex: u32,
        /// The row number.
        item: u32,
    },
}

/// Why a reference cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("reference '{input}' is not understood: {why} (expected e.g. '224/НҚ §12(15) ¶6' or '224/НҚ Annex 1 item 9')")]
pub struct RefSyntaxError {
    input: String,
    why: &'static str,
}

impl std::str::FromStr for LegalRef {
    type Err = RefSyntaxError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |why| RefSyntaxError {
            input: input.to_owned(),
            why,
        };
        let (act, rest) = input
            .trim()
            .split_once(' ')
            .ok_or_else(|| err("no locator after the act's name"))?;
        let rest = rest.trim();
        let number = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| err("a number is expected"))
        };
        let locator = if let Some(annex) = rest.strip_prefix("Annex ") {
            let (annex, item) = annex
                .split_once(" item ")
                .ok_or_else(|| err("an annex reference needs ' item N'"))?;
            Locator::Annex {
                annex: number(annex)?,
                item: number(item)?,
            }
        } else if let Some(body) = rest.strip_prefix('§') {
            let (unit, indent) = match body.split_once('¶') {
                Some((unit, indent)) => (unit.trim(), Some(number(indent)?)),
                None => (body.trim(), None),
            };
            let (para, sub) = match unit.split_once('(') {
                Some((para, sub)) => {
                    let sub = sub
                        .strip_suffix(')')
                        .ok_or_else(|| err("a sub-item needs a closing ')'"))?;
                    (number(para)?, Some(number(sub)?))
                }
                None => (number(unit)?, None),
            };
            Locator::Paragraph { para, sub, indent }
        } else {
            return Err(err("the locator must start with '§' or 'Annex '"));
        };
        if matches!(
            locator,
            Locator::Paragraph {
                indent: Some(0),
                ..
            }
        ) {
            return Err(err("абзацы are counted from ¶1"));
        }
        Ok(LegalRef {
            act: act.to_owned(),
            locator,
        })
    }
}

impl fmt::Display for LegalRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.act, self.locator)
    }
}

impl fmt::Display for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Locator::Paragraph { para, sub, indent } => {
                write!(f, "§{para}")?;
                if let Some(sub) = sub {
                    write!(f, "({sub})")?;
                }
                if let Some(indent) = indent {
                    write!(f, " ¶{indent}")?;
                }
                Ok(())
            }
            Locator::Annex { annex, item } => write!(f, "Annex {annex} item {item}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum UnitKey {
    Para(u32),
    Sub(u32, u32),
    Annex(u32, u32),
}

#[derive(Clone, Debug, Default)]
struct Unit {
    /// 1-based line of the unit's first line in the source file.
    line: usize,
    /// Its абзацы, ¶1 first.
    paragraphs: Vec<String>,
}

/// A legal text split into its citable units.
#[derive(Clone, Debug, Default)]
pub struct LegalText {
    units: BTreeMap<UnitKey, Unit>,
}

/// Why a reference does not resolve in a [`LegalText`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The paragraph, sub-item or annex row does not exist.
    #[error("{0} does not exist in the cited text")]
    NoSuchUnit(Locator),
    /// The unit exists but has fewer абзацы.
    #[error("{locator} does not exist: that unit has {count} абзац(ы)")]
    NoSuchIndent {
        /// The reference.
        locator: Locator,
        /// How many абзацы the unit has.
        count: usize,
    },
}

impl LegalText {
    /// Splits a legal text, starting at the first line equal to `body_starts_at` (or at the
    /// top when it is empty). Returns `None` when that line is not in the text.
    pub fn parse(text: &str, body_starts_at: &str) -> Option<LegalText> {
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        if !body_starts_at.is_empty() {
            let start = body_starts_at.trim();
            lines.by_ref().find(|(_, l)| l.trim() == start)?;
        }
        let mut units: BTreeMap<UnitKey, Unit> = BTreeMap::new();
        let mut para: Option<u32> = None;
        let mut open_sub: Option<u32> = None;
        let mut annex: Option<u32> = None;
        for (no, raw) in lines {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(n) = annex_heading(raw) {
                annex = Some(n);
                para = None;
                open_sub = None;
                continue;
            }
            if let Some(a) = annex {
                if let Some((n, rest)) = table_row(raw) {
                    units.insert(
                        UnitKey::Annex(a, n),
                        Unit {
                            line: no,
                            paragraphs: vec![rest.to_owned()],
                        },
                    );
                }
                continue;
            }
            if is_chapter_heading(line) {
                para = None;
                open_sub = None;
                continue;
            }
            if let Some(n) = numbered(line, '.') {
                para = Some(n);
                open_sub = None;
                units.insert(
                    UnitKey::Para(n),
                    Unit {
                        line: no,
                        paragraphs: vec![line.to_owned()],
                    },
                );
                continue;
            }
            let Some(p) = para else { continue };
            if let Some(s) = numbered(line, ')') {
                units.insert(
                    UnitKey::Sub(p, s),
                    Unit {
                        line: no,
                        paragraphs: vec![line.to_owned()],
                    },
                );
                open_sub = line.ends_with(':').then_some(s);
                continue;
            }
            let key = match open_sub {
                Some(s) => UnitKey::Sub(p, s),
                None => UnitKey::Para(p),
            };
            if let Some(unit) = units.get_mut(&key) {
                unit.paragraphs.push(line.to_owned());
            }
        }
        Some(LegalText { units })
    }

    /// The text a locator points to, and the line where its unit starts.
    pub fn resolve(&self, locator: &Locator) -> Result<(String, usize), ResolveError> {
        let (key, indent) = match *locator {
            Locator::Paragraph {
                para,
                sub: None,
                indent,
            } => (UnitKey::Para(para), indent),
            Locator::Paragraph {
                para,
                sub: Some(s),
                indent,
            } => (UnitKey::Sub(para, s), indent),
            Locator::Annex { annex, item } => (UnitKey::Annex(annex, item), None),
        };
        let unit = self
            .units
            .get(&key)
            .ok_or(ResolveError::NoSuchUnit(*locator))?;
        match indent {
            Some(i) => {
                let text = usize::try_from(i)
                    .ok()
                    .and_then(|i| unit.paragraphs.get(i - 1))
                    .ok_or(ResolveError::NoSuchIndent {
                        locator: *locator,
                        count: unit.paragraphs.len(),
                    })?;
                Ok((text.clone(), unit.line))
            }
            None => {
                let mut text = unit.paragraphs.join("\n");
                // A paragraph cited whole includes its sub-items.
                if let UnitKey::Para(p) = key {
                    for (_, sub) in self
                        .units
                        .range(UnitKey::Sub(p, 0)..=UnitKey::Sub(p, u32::MAX))
                    {
                        text.push('\n');
                        text.push_str(&sub.paragraphs.join("\n"));
                    }
                }
                Ok((text, unit.line))
            }
        }
    }
}

/// Folds text for quote matching: NFC, lowercase, whitespace collapsed.
pub fn fold(text: &str) -> String {
    let lower: String = text.nfc().flat_map(char::to_lowercase).collect();
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `N.` or `N)` at the start of a line followed by a space, as numbering is written.
fn numbered(line: &str, mark: char) -> Option<u32> {
    let digits = line.find(|c: char| !c.is_ascii_digit())?;
    if digits == 0 || digits > 3 {
        return None;
    }
    let rest = &line[digits..];
    let after = rest.strip_prefix(mark)?;
    if !after.starts_with(' ') {
        return None;
    }
    line[..digits].parse().ok()
}

fn is_chapter_heading(line: &str) -> bool {
    let digits = line.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
    digits > 0 && line[digits..].starts_with("-тарау")
}

/// The number of an annex heading cell such as `\t|\t…қағидаларына1-қосымша`.
fn annex_heading(raw: &str) -> Option<u32> {
    let cell = raw.strip_prefix("\t|\t")?.trim_end();
    let head = cell.strip_suffix("-қосымша")?;
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i)?;
    head[start..].parse().ok()
}

/// A row `N.\t|\tname\t|\ttext` of an annex table: its number and its last cell.
fn table_row(raw: &str) -> Option<(u32, &str)> {
    let (num, rest) = raw.split_once(".\t|\t")?;
    let n = num.trim().parse().ok()?;
    let text = rest.rsplit("\t|\t").next()?.trim();
    Some((n, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip() {
        for text in [
            "224/НҚ §12",
            "224/НҚ §12(15)",
            "224/НҚ §12(15) ¶6",
            "224/НҚ §13 ¶4",
            "224/НҚ Annex 1 item 9",
        ] {
            let r: LegalRef = text.parse().unwrap();
            assert_eq!(r.to_string(), text);
        }
        for bad in [
            "224/НҚ",
            "224/НҚ 12",
            "224/НҚ §x",
            "224/НҚ §12(15",
            "224/НҚ §12 ¶0",
            "224/НҚ Annex 1",
        ] {
            assert!(bad.parse::<LegalRef>().is_err(), "{bad} should be refused");
        }
    }

    const SAMPLE: &str = "preamble 1. not the rules\n1-тарау. Жалпы ережелер\n1. Бірінші.\n\nЕкінші абзац.\n2. Мыналар:\n1) бір;\n2) талаптар:\n\nА;\n\nБ.\n3. Үшінші.\n\n\t|\tҚағидаларына1-қосымша\n1.\t|\tАтауы\t|\tмәтін бір\n9.\t|\tҚұжаттар\t|\tөтініш;көшірме\n";

    #[test]
    fn units_and_indents() {
        let law = LegalText::parse(SAMPLE, "1-тарау. Жалпы ережелер").unwrap();
        let get = |s: &str| {
            law.resolve(&s.parse::<LegalRef>().unwrap().locator)
                .map(|(t, _)| t)
        };
        assert_eq!(get("x §1 ¶2").unwrap(), "Екінші абзац.");
        assert_eq!(get("x §2(2) ¶3").unwrap(), "Б.");
        assert_eq!(get("x §2(1)").unwrap(), "1) бір;");
        assert!(get("x §2").unwrap().contains("А;"));
        assert_eq!(get("x Annex 1 item 9").unwrap(), "өтініш;көшірме");
        assert_eq!(
            get("x §3 ¶2"),
            Err(ResolveError::NoSuchIndent {
                locator: "x §3 ¶2".parse::<LegalRef>().unwrap().locator,
                count: 1
            })
        );
        assert!(matches!(get("x §4"), Err(ResolveError::NoSuchUnit(_))));
    }

    #[test]
    fn fold_ignores_case_and_spacing() {
        assert_eq!(
            fold("Серверлік  ҮЙ-жай\nжабдығы"),
            "серверлік үй-жай жабдығы"
        );
    }
}
