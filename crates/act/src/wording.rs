//! The act's fixed wording, as data: every Kazakh and Russian sentence the act and the dissent
//! notice print lives in `assets/act/wording.toml`, compiled in and validated once (each
//! citation against the law's text) by [`tekseru_core::phrasebook`].

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer};
use tekseru_core::phrasebook::{self, Phrasebook, Sentence};

use crate::data::Bilingual;
use crate::ActError;

/// The wording file, built in.
pub(crate) const FILE: &str = include_str!("../../../assets/act/wording.toml");
/// Its path in the repository, as errors name it.
pub(crate) const ORIGIN: &str = "assets/act/wording.toml";

/// One sentence in the act's two languages, with `{name}` slots when it has any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Phrase(Bilingual);

impl<'de> Deserialize<'de> for Phrase {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Sentence::deserialize(d)?;
        Ok(Phrase(Bilingual { kk: s.kk, ru: s.ru }))
    }
}

impl std::ops::Deref for Phrase {
    type Target = Bilingual;
    fn deref(&self) -> &Bilingual {
        &self.0
    }
}

impl Phrase {
    /// The sentence with each `{name}` slot filled, by language. The slots are filled in one
    /// pass, so a value that holds braces is printed as it is.
    pub(crate) fn fill(&self, slots: &[(&str, &Bilingual)]) -> Bilingual {
        Bilingual {
            kk: fill(&self.0.kk, &mut |name| {
                slots
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.kk.as_str())
            }),
            ru: fill(&self.0.ru, &mut |name| {
                slots
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.ru.as_str())
            }),
        }
    }

    /// The sentence with each `{name}` slot filled with the same text in both languages.
    pub(crate) fn fill_same(&self, slots: &[(&str, &str)]) -> Bilingual {
        let mut value = |name: &str| slots.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        Bilingual {
            kk: fill(&self.0.kk, &mut value),
            ru: fill(&self.0.ru, &mut value),
        }
    }
}

/// `template` with each `{name}` that `value` knows replaced; anything else kept as written.
fn fill<'v>(template: &str, value: &mut dyn FnMut(&str) -> Option<&'v str>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        match after.split_once('}') {
            Some((name, tail)) => match value(name) {
                Some(v) => {
                    out.push_str(v);
                    rest = tail;
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            },
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_filled_once() {
        assert_eq!(
            fill("{a} и {b}, {c} {", &mut |n| match n {
                "a" => Some("{b}"),
                "b" => Some("2"),
                _ => None,
            }),
            "{b} и 2, {c} {"
        );
    }

    #[test]
    fn the_built_in_wording_loads() {
        let citations = citations().unwrap_or_else(|e| panic!("{e}"));
        assert!(citations.len() >= 10);
    }
}

/// Parses and validates a wording file's text (the built-in one, or an edited copy in tests).
pub(crate) fn parse(text: &str) -> Result<Phrasebook<Sentences>, ActError> {
    phrasebook::parse(text, Path::new(ORIGIN), &|rel: &str| {
        tekseru_core::catalog::cited_text(rel)
            .map(str::to_owned)
            .ok_or_else(|| format!("the cited text '{rel}' is not built in"))
    })
    .map_err(|e| ActError::Input(e.to_string()))
}

/// The built-in wording, parsed and validated once for the process.
pub(crate) fn get() -> Result<&'static Sentences, ActError> {
    static PARSED: OnceLock<Result<Sentences, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            parse(FILE)
                .map(|book| book.sentences)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| ActError::Input(format!("the act's built-in wording: {e}")))
}

/// Every citation of the built-in wording: sentence (`group.key`) → reference.
pub fn citations() -> Result<std::collections::BTreeMap<String, String>, ActError> {
    parse(FILE).map(|book| book.citations)
}

/// The act's sentences, by section (`assets/act/wording.toml`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Sentences {
    pub(crate) heading: Heading,
    pub(crate) basis: Basis,
    pub(crate) commission: Commission,
    pub(crate) roles: Roles,
    pub(crate) bodies: Bodies,
    pub(crate) object: Object,
    pub(crate) documentary: Documentary,
    pub(crate) items: Items,
    pub(crate) verdicts: Verdicts,
    pub(crate) inventory: Inventory,
    pub(crate) findings: Findings,
    pub(crate) adoption: Adoption,
    pub(crate) settings: Settings,
    pub(crate) signatures: Signatures,
    pub(crate) annexes: Annexes,
    pub(crate) footer: Footer,
    pub(crate) dissent: Dissent,
    pub(crate) measured: Measured,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Heading {
    pub(crate) issuer: Phrase,
    pub(crate) title_accreditation: Phrase,
    pub(crate) title_revocation: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Basis {
    pub(crate) heading_accreditation: Phrase,
    pub(crate) heading_revocation: Phrase,
    pub(crate) legal_basis: Phrase,
    pub(crate) order: Phrase,
    pub(crate) order_date: Phrase,
    pub(crate) order_registration: Phrase,
    pub(crate) wording: Phrase,
    pub(crate) commission_order: Phrase,
    pub(crate) commission_order_value: Phrase,
    pub(crate) application_accreditation: Phrase,
    pub(crate) application_revocation: Phrase,
    pub(crate) subject: Phrase,
    pub(crate) checklist: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Commission {
    pub(crate) heading: Phrase,
    pub(crate) name_iin: Phrase,
    pub(crate) position: Phrase,
    pub(crate) body: Phrase,
    pub(crate) role: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Roles {
    pub(crate) chair: Phrase,
    pub(crate) secretary: Phrase,
    pub(crate) member: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Bodies {
    pub(crate) committee: Phrase,
    pub(crate) techreg: Phrase,
    pub(crate) knb: Phrase,
    pub(crate) other: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Object {
    pub(crate) heading_accreditation: Phrase,
    pub(crate) heading_revocation: Phrase,
    pub(crate) ca: Phrase,
    pub(crate) bin: Phrase,
    pub(crate) legal_address: Phrase,
    pub(crate) site_address: Phrase,
    pub(crate) representatives: Phrase,
    pub(crate) period_accreditation: Phrase,
    pub(crate) period_revocation: Phrase,
    pub(crate) end_accreditation: Phrase,
    pub(crate) end_revocation: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Documentary {
    pub(crate) heading: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Items {
    pub(crate) results_onsite: Phrase,
    pub(crate) results_documents: Phrase,
    pub(crate) results_revocation: Phrase,
    pub(crate) requirement_reference: Phrase,
    pub(crate) requirement: Phrase,
    pub(crate) found: Phrase,
    pub(crate) evidence: Phrase,
    pub(crate) verdict: Phrase,
    pub(crate) limit: Phrase,
    pub(crate) measured: Phrase,
    pub(crate) inventory: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Verdicts {
    pub(crate) complies: Phrase,
    pub(crate) fails: Phrase,
    pub(crate) not_applicable: Phrase,
    pub(crate) unchecked: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Inventory {
    pub(crate) heading: Phrase,
    pub(crate) kind_role: Phrase,
    pub(crate) declared: Phrase,
    pub(crate) found: Phrase,
    pub(crate) check: Phrase,
    pub(crate) not_found: Phrase,
    pub(crate) mismatch: Phrase,
    pub(crate) matches: Phrase,
    pub(crate) server: Phrase,
    pub(crate) hsm: Phrase,
    pub(crate) main: Phrase,
    pub(crate) backup: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Findings {
    pub(crate) actual_state: Phrase,
    pub(crate) violations: Phrase,
    pub(crate) conclusions: Phrase,
    pub(crate) recommendations: Phrase,
    pub(crate) deadline: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Adoption {
    pub(crate) heading: Phrase,
    pub(crate) rule_accreditation: Phrase,
    pub(crate) rule_revocation: Phrase,
    pub(crate) counted: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Settings {
    pub(crate) secretary_counts: Phrase,
    pub(crate) secretary_not_counted: Phrase,
    pub(crate) every_knb_member: Phrase,
    pub(crate) any_knb_member: Phrase,
    pub(crate) revocation_whole_commission: Phrase,
    pub(crate) revocation_members_only: Phrase,
    pub(crate) late_signatures_count: Phrase,
    pub(crate) late_signatures_not_counted: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Signatures {
    pub(crate) heading: Phrase,
    pub(crate) name: Phrase,
    pub(crate) role_body: Phrase,
    pub(crate) signature: Phrase,
    pub(crate) dissents: Phrase,
    pub(crate) signs: Phrase,
    pub(crate) acknowledgement: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Annexes {
    pub(crate) evidence: Phrase,
    pub(crate) item: Phrase,
    pub(crate) file: Phrase,
    pub(crate) size: Phrase,
    pub(crate) photos: Phrase,
    pub(crate) photo: Phrase,
    pub(crate) dissents: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Footer {
    pub(crate) page: Phrase,
    pub(crate) act: Phrase,
    pub(crate) inspection: Phrase,
    pub(crate) audit: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Dissent {
    pub(crate) addressee: Phrase,
    pub(crate) title: Phrase,
    pub(crate) document_title: Phrase,
    pub(crate) about: Phrase,
    pub(crate) member: Phrase,
    pub(crate) role_body: Phrase,
    pub(crate) inspection: Phrase,
    pub(crate) reason_accreditation: Phrase,
    pub(crate) reason_revocation: Phrase,
    pub(crate) date: Phrase,
    pub(crate) signature: Phrase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Measured {
    pub(crate) chain: Phrase,
    pub(crate) oids: Phrase,
    pub(crate) crl: Phrase,
    pub(crate) no_next_update: Phrase,
    pub(crate) signature_verified: Phrase,
    pub(crate) signature_invalid: Phrase,
    pub(crate) signature_unchecked: Phrase,
    pub(crate) time: Phrase,
    pub(crate) time_second: Phrase,
    pub(crate) seconds: Phrase,
    pub(crate) no_answer: Phrase,
    pub(crate) complies: Phrase,
    pub(crate) does_not_comply: Phrase,
    pub(crate) not_verifiable: Phrase,
}
