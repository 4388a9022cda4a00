//! Wording files: fixed sentences in Kazakh and Russian (the act's, `assets/act/`), each
//! sentence that states a legal rule with its citation, checked against the law's text by
//! the checklists' own machinery (a reference must exist in the text and its `quote` must
//! occur in the cited unit).
//!
//! A file has a `[source]` (the act every `ref` cites and its text) and groups of sentences:
//!
//! ```toml
//! [source]
//! act = "224/НҚ"
//! text = "../../checklists/sources/000_e988696a9b771066.txt"   # relative to the file
//! body_starts_at = "1-тарау. Жалпы ережелер"
//!
//! [sentences.adoption]
//! rule_accreditation = { kk = "… (224/НҚ §13 ¶4).", ru = "… (224/НҚ §13 ¶4).", ref = "224/НҚ §13 ¶4", quote = "үштен екісі" }
//! heading = { kk = "Актіні қабылдау тәртібі", ru = "Порядок принятия акта" }
//! ```
//!
//! What the groups and keys are is the caller's: [`parse`] deserializes `sentences` into the
//! caller's type, so an unknown or a missing key is an error with its line. A sentence that
//! prints a reference to the act (`224/НҚ §…`) must cite exactly that reference in `ref`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use toml::Spanned;

use crate::checklist::raw::{Citations, Ctx};
use crate::checklist::{ChecklistError, ChecklistErrorKind as Kind};
use crate::law::{LegalRef, LegalText};

/// One sentence: its Kazakh and Russian text, and its citation when it states a legal rule.
///
/// A text may hold `{name}` slots that the caller fills in.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sentence {
    /// Kazakh.
    pub kk: String,
    /// Russian.
    pub ru: String,
    /// The legal reference it rests on, e.g. `224/НҚ §13 ¶4`.
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    /// Words of the law at that reference (required with `ref`).
    #[serde(default)]
    pub quote: Option<String>,
}

/// A wording file, validated: the caller's sentences and every citation in it.
#[derive(Clone, Debug)]
pub struct Phrasebook<T> {
    /// The sentences, as the caller's type.
    pub sentences: T,
    /// Each citing sentence (`group.key`) → its reference, canonical.
    pub citations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
    source: Spanned<RawSource>,
    sentences: BTreeMap<String, BTreeMap<String, Spanned<Sentence>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    act: String,
    text: String,
    body_starts_at: String,
}

#[derive(Deserialize)]
struct Typed<T> {
    #[allow(dead_code)] // Checked by the generic pass.
    source: IgnoredAny,
    sentences: T,
}

/// Loads a wording file from disk; its `[source] text` is read relative to it.
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<Phrasebook<T>, ChecklistError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ChecklistError::new(path, None, Kind::Io(e.to_string())))?;
    parse(&text, path, &|rel: &str| {
        let law_path = path.parent().unwrap_or(Path::new(".")).join(rel);
        std::fs::read_to_string(&law_path)
            .map_err(|e| format!("cannot read the cited text '{}': {e}", law_path.display()))
    })
}

/// Parses and validates a wording file from text; `origin` names it in errors and `law`
/// gives the cited text for its `[source] text` path. Texts are normalized to NFC.
pub fn parse<T: DeserializeOwned>(
    text: &str,
    origin: &Path,
    law: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Phrasebook<T>, ChecklistError> {
    let text = crate::nfc(text);
    let ctx = Ctx {
        path: origin,
        text: &text,
    };
    let raw: RawBook = toml::from_str(&text).map_err(|e| ctx.syntax(&e))?;
    let src = raw.source.get_ref();
    let law_text = law(&src.text).or_else(|e| ctx.err(raw.source.span(), Kind::SourceText(e)))?;
    let Some(legal) = LegalText::parse(&law_text, &src.body_starts_at) else {
        return ctx.err(
            raw.source.span(),
            Kind::SourceText(format!(
                "`body_starts_at` line '{}' is not in the cited text '{}'",
                src.body_starts_at, src.text
            )),
        );
    };
    let citations = Citations {
        act: &src.act,
        law: legal,
    };
    let mut cited = BTreeMap::new();
    for (group, sentences) in &raw.sentences {
        for (key, sentence) in sentences {
            let owner = format!("sentence '{group}.{key}'");
            if let Some(reference) = check(&ctx, &citations, &owner, sentence)? {
                cited.insert(format!("{group}.{key}"), reference);
            }
        }
    }
    let typed: Typed<T> = toml::from_str(&text).map_err(|e| ctx.syntax(&e))?;
    Ok(Phrasebook {
        sentences: typed.sentences,
        citations: cited,
    })
}

/// Checks one sentence: both languages, its citation, and that every reference it prints is
/// its citation. Returns the citation, canonical.
fn check(
    ctx: &Ctx<'_>,
    citations: &Citations<'_>,
    owner: &str,
    raw: &Spanned<Sentence>,
) -> Result<Option<String>, ChecklistError> {
    let s = raw.get_ref();
    for (lang, text) in [("kk", &s.kk), ("ru", &s.ru)] {
        if text.trim().is_empty() {
            return ctx.err(
                raw.span(),
                Kind::MissingSentence {
                    lang,
                    what: owner.to_owned(),
                },
            );
        }
    }
    let reference = match (&s.reference, &s.quote) {
        (None, None) => None,
        (Some(reference), Some(quote)) => {
            Some(citations.check(ctx, raw.span(), owner, reference, quote)?)
        }
        (Some(_), None) => {
            return ctx.err(
                raw.span(),
                Kind::BadValue(format!(
                    "{owner}: a `ref` needs a `quote` (words of the law there)"
                )),
            )
        }
        (None, Some(_)) => {
            return ctx.err(
                raw.span(),
                Kind::BadValue(format!("{owner}: a `quote` without a `ref`")),
            )
        }
    };
    for (lang, text) in [("kk", &s.kk), ("ru", &s.ru)] {
        for printed in printed_references(text, citations.act) {
            let canonical = printed
                .parse::<LegalRef>()
                .map(|r| r.to_string())
                .unwrap_or_else(|_| printed.clone());
            if reference.as_deref() != Some(canonical.as_str()) {
                return ctx.err(
                    raw.span(),
                    Kind::BadValue(format!(
                        "{owner}: its {lang} text prints '{printed}' but its `ref` is {} (a sentence cites what it prints)",
                        reference
                            .as_deref()
                            .map_or("missing".to_owned(), |r| format!("'{r}'"))
                    )),
                );
            }
        }
    }
    Ok(reference)
}

/// The references to `act` a text prints: `224/НҚ §13 ¶4` in "… (224/НҚ §13 ¶4).".
fn printed_references(text: &str, act: &str) -> Vec<String> {
    text.split(act)
        .skip(1)
        .map(|rest| {
            let locator = rest
                .split([')', ',', ';', ':', '\n'])
                .next()
                .unwrap_or_default()
                .trim()
                .trim_end_matches('.');
            format!("{act} {locator}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_references_are_found() {
        assert_eq!(
            printed_references("Акт (224/НҚ §13 ¶4). Және 224/НҚ §22 ¶4, бәрі.", "224/НҚ"),
            ["224/НҚ §13 ¶4", "224/НҚ §22 ¶4"]
        );
        assert!(printed_references("no reference", "224/НҚ").is_empty());
    }
}
