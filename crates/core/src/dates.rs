//! Dates in the official form of the act and its notices: "2026 жылғы 2 желтоқсан" in
//! Kazakh, "2 декабря 2026 г." in Russian. The words are data (`assets/dates/forms.toml`:
//! each language's pattern and month names), validated when it loads; JSON keeps ISO dates.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use time::Date;

const EMBEDDED: &str = include_str!("../../../assets/dates/forms.toml");
/// The languages every date-forms file must have.
pub const LANGUAGES: [&str; 3] = ["kk", "ru", "en"];

/// Why a date-forms file does not load.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct DateFormsError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    pattern: String,
    months: Vec<String>,
}

/// One language's form of a date.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Form {
    pattern: String,
    months: [String; 12],
}

/// The official date forms, per language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateForms {
    forms: BTreeMap<String, Form>,
}

impl DateForms {
    /// The forms compiled into tekseru, parsed once.
    pub fn embedded() -> Result<&'static DateForms, DateFormsError> {
        static PARSED: OnceLock<Result<DateForms, DateFormsError>> = OnceLock::new();
        PARSED
            .get_or_init(|| DateForms::parse("assets/dates/forms.toml", EMBEDDED))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parses and validates a date-forms file; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<DateForms, DateFormsError> {
        let err = |reason: String| DateFormsError {
            file: file.to_owned(),
            reason,
        };
        let raw: BTreeMap<String, RawForm> =
            toml::from_str(text).map_err(|e| err(e.message().trim().replace('\n', ": ")))?;
        for lang in LANGUAGES {
            if !raw.contains_key(lang) {
                return Err(err(format!(
                    "no [{lang}] table: every date needs kk, ru and en"
                )));
            }
        }
        let mut forms = BTreeMap::new();
        for (lang, form) in raw {
            if !LANGUAGES.contains(&lang.as_str()) {
                return Err(err(format!(
                    "[{lang}] is not a language of tekseru (kk, ru, en)"
                )));
            }
            check_pattern(&form.pattern).map_err(|why| err(format!("[{lang}] pattern: {why}")))?;
            let months: [String; 12] =
                form.months.clone().try_into().map_err(|m: Vec<String>| {
                    err(format!(
                        "[{lang}] months: {} names, expected 12 (January first)",
                        m.len()
                    ))
                })?;
            for (i, name) in months.iter().enumerate() {
                if name.trim().is_empty() || name.trim() != name {
                    return Err(err(format!(
                        "[{lang}] months: name {} '{name}' is empty or has surrounding spaces",
                        i + 1
                    )));
                }
                if months[..i].contains(name) {
                    return Err(err(format!("[{lang}] months: '{name}' is given twice")));
                }
            }
            let months = months.map(|m| crate::nfc(&m));
            forms.insert(
                lang,
                Form {
                    pattern: crate::nfc(&form.pattern),
                    months,
                },
            );
        }
        Ok(DateForms { forms })
    }

    /// `date` in the official form of `lang` (`kk`, `ru` or `en`); `None` for another language.
    pub fn format(&self, date: Date, lang: &str) -> Option<String> {
        let form = self.forms.get(lang)?;
        let month = form.months.get(usize::from(u8::from(date.month())) - 1)?;
        Some(
            form.pattern
                .replace("{year}", &date.year().to_string())
                .replace("{day}", &date.day().to_string())
                .replace("{month}", month),
        )
    }
}

/// Each placeholder once, no other `{…}`.
fn check_pattern(pattern: &str) -> Result<(), String> {
    for name in ["{year}", "{month}", "{day}"] {
        match pattern.matches(name).count() {
            1 => {}
            0 => return Err(format!("'{pattern}' has no {name}")),
            _ => return Err(format!("'{pattern}' has {name} more than once")),
        }
    }
    let rest = pattern
        .replace("{year}", "")
        .replace("{month}", "")
        .replace("{day}", "");
    if rest.contains('{') || rest.contains('}') {
        return Err(format!(
            "'{pattern}' has a placeholder other than {{year}}, {{month}}, {{day}}"
        ));
    }
    Ok(())
}

/// `date` in the official form of `lang` from the embedded forms ("2026 жылғы 2 желтоқсан",
/// "2 декабря 2026 г.", "2 December 2026"); ISO 8601 for a language without a form.
pub fn official(date: Date, lang: &str) -> String {
    DateForms::embedded()
        .ok()
        .and_then(|f| f.format(date, lang))
        .unwrap_or_else(|| date.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    #[test]
    fn the_act_dates_read_as_official_documents_write_them() {
        let d = date!(2026 - 12 - 02);
        assert_eq!(official(d, "kk"), "2026 жылғы 2 желтоқсан");
        assert_eq!(official(d, "ru"), "2 декабря 2026 г.");
        assert_eq!(official(d, "en"), "2 December 2026");
        assert_eq!(
            official(date!(2025 - 03 - 31), "kk"),
            "2025 жылғы 31 наурыз"
        );
        assert_eq!(official(date!(2025 - 05 - 01), "ru"), "1 мая 2025 г.");
        assert_eq!(official(d, "de"), "2026-12-02");
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let good = EMBEDDED;
        let cases = [
            (
                good.replace("\"қаңтар\", ", ""),
                "f.toml: [kk] months: 11 names, expected 12 (January first)",
            ),
            (
                good.replace("{day} {month} {year} г.", "{month} {year} г."),
                "f.toml: [ru] pattern: '{month} {year} г.' has no {day}",
            ),
            (
                good.replace("{year} жылғы {day} {month}", "{year} жылғы {day} {month} {weekday}"),
                "f.toml: [kk] pattern: '{year} жылғы {day} {month} {weekday}' has a placeholder other than {year}, {month}, {day}",
            ),
            (
                good.replace("\"ақпан\"", "\"қаңтар\""),
                "f.toml: [kk] months: 'қаңтар' is given twice",
            ),
            (
                good.replace("[en]", "[de]"),
                "f.toml: no [en] table: every date needs kk, ru and en",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                DateForms::parse("f.toml", &text).unwrap_err().to_string(),
                expected
            );
        }
    }

    proptest::proptest! {
        /// Different days never print alike, and each form names its year, day and month.
        #[test]
        fn distinct_days_print_distinctly(a in 0i32..3650, b in 0i32..3650) {
            let base = date!(2020 - 01 - 01);
            let da = base + time::Duration::days(a.into());
            let db = base + time::Duration::days(b.into());
            for lang in LANGUAGES {
                let (fa, fb) = (official(da, lang), official(db, lang));
                proptest::prop_assert_eq!(fa == fb, da == db);
                proptest::prop_assert!(fa.contains(&da.year().to_string()));
                let day = da.day().to_string();
                let has_day = fa.split(' ').any(|w| w == day);
                proptest::prop_assert!(has_day, "{} lacks its day", fa);
            }
        }
    }
}
