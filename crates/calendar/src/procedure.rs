//! The steps of the 224/НҚ procedures and their deadlines, as written in
//! `assets/calendars/procedure.toml`, checked against the text of the law.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use tekseru_core::law::{fold, LegalRef, LegalText};
use toml::Spanned;

use crate::error::{line_of, CalendarError};
use crate::year::Names;

const EMBEDDED_PROCEDURES: &str = include_str!("../../../assets/calendars/procedure.toml");
const EMBEDDED_LAW: &str = include_str!("../../../checklists/sources/000_e988696a9b771066.txt");

/// A place in the law and the words found there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    /// A reference such as `224/НҚ §12 ¶5`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Kazakh words of the law at that place.
    pub quote: String,
}

/// What a deadline counts from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Anchor {
    /// The recorded date of the earlier step.
    #[default]
    Event,
    /// The due date of the earlier step (for a step that follows a missed term).
    Due,
}

/// A term of `working_days` working days from an earlier step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// The id of the earlier step the term counts from.
    pub after: String,
    /// From that step's event (default) or from its due date.
    #[serde(default)]
    pub from: Anchor,
    /// The term; 0 means "on the same day".
    pub working_days: u32,
    /// Where the law sets it, e.g. `224/НҚ §8 ¶1`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Kazakh words of the law there.
    pub quote: String,
    /// When set, the term is the one an earlier act sets (e.g. a recommendation's own term,
    /// 224/НҚ §23 ¶1), given to the timeline as an input of this name; `working_days` is
    /// then the most it may be, and the term counted when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_by: Option<SetBy>,
    /// When set, a longer term agreed between the CA and the provider may replace it
    /// (224/НҚ §21 ¶4, §22 ¶8): where the law allows that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreed: Option<LegalBasis>,
}

/// A term set by an earlier act rather than by the law itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetBy {
    /// The name of the timeline's input that gives the term, e.g. `recommendation`.
    pub input: String,
    /// Where the law says the act sets the term.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Kazakh words of the law there.
    pub quote: String,
}

/// One step of a procedure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Stable id, used in event files.
    pub id: String,
    /// What happens.
    pub title: Names,
    /// Where the law describes the step.
    pub basis: LegalBasis,
    /// The terms that bind it; the earliest due date wins.
    pub deadlines: Vec<Deadline>,
    /// When set, an event recorded on a day off counts from the next working day (224/НҚ §7 ¶2).
    pub closed_day: Option<LegalBasis>,
    /// The step is needed only when this earlier step was not done on time.
    pub unless_on_time: Option<String>,
    /// …or when one of these earlier steps is recorded, even if that one was on time.
    pub needed_if_recorded: Vec<String>,
    /// Further places in the law that describe the step.
    pub also: Vec<LegalBasis>,
}

/// A procedure: its steps in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Procedure {
    /// Stable id (`accreditation`, `revocation`, …).
    pub id: String,
    /// Its name.
    pub title: Names,
    /// Its steps; a deadline only counts from an earlier step.
    pub steps: Vec<Step>,
}

impl Procedure {
    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// The procedures of 224/НҚ with their deadlines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Procedures {
    /// The act every reference cites.
    pub act: String,
    /// The procedures.
    pub procedures: Vec<Procedure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    source: RawSource,
    procedure: Vec<RawProcedure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    act: String,
    #[allow(dead_code)]
    text: String,
    body_starts_at: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcedure {
    id: Spanned<String>,
    title: Names,
    step: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    title: Names,
    #[serde(rename = "ref")]
    reference: Spanned<String>,
    quote: Spanned<String>,
    #[serde(default)]
    deadline: Vec<Spanned<Deadline>>,
    closed_day: Option<Spanned<LegalBasis>>,
    unless_on_time: Option<Spanned<String>>,
    #[serde(default)]
    needed_if_recorded: Vec<Spanned<String>>,
    #[serde(default)]
    also: Vec<Spanned<LegalBasis>>,
}

impl Procedures {
    /// The procedures compiled into the binary, checked against the embedded text of 224/НҚ.
    pub fn embedded() -> Result<&'static Procedures, CalendarError> {
        static EMBEDDED: OnceLock<Result<Procedures, CalendarError>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| Procedures::parse("procedure.toml", EMBEDDED_PROCEDURES, EMBEDDED_LAW))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parses and validates a procedure file (`file` names it in errors) against `law`, the
    /// text of the act it cites.
    pub fn parse(file: &str, text: &str, law: &str) -> Result<Procedures, CalendarError> {
        let err = |at: usize, reason: String| CalendarError::Data {
            file: file.to_owned(),
            line: line_of(text, at),
            reason,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            err(
                e.span().map_or(0, |s| s.start),
                e.message().trim().replace('\n', ": "),
            )
        })?;
        let act = raw.source.act.clone();
        let legal =
            LegalText::parse(law, raw.source.body_starts_at.get_ref()).ok_or_else(|| {
                err(
                    raw.source.body_starts_at.span().start,
                    format!(
                        "`body_starts_at` line '{}' is not in the cited text",
                        raw.source.body_starts_at.get_ref()
                    ),
                )
            })?;
        let check = |at: usize, reference: &str, quote: &str| -> Result<(), CalendarError> {
            let parsed: LegalRef = reference
                .parse()
                .map_err(|e: tekseru_core::law::RefSyntaxError| err(at, e.to_string()))?;
            if parsed.act != act {
                return Err(err(
                    at,
                    format!(
                        "reference '{reference}' cites '{}', but this file cites '{act}'",
                        parsed.act
                    ),
                ));
            }
            let (unit, _) = legal
                .resolve(&parsed.locator)
                .map_err(|e| err(at, format!("reference '{reference}': {e}")))?;
            if quote.trim().is_empty() {
                return Err(err(
                    at,
                    format!("reference '{reference}' has an empty quote"),
                ));
            }
            if !fold(&unit).contains(&fold(quote)) {
                return Err(err(
                    at,
                    format!(
                        "quote '{quote}' is not in {reference}: copy the words of the law there"
                    ),
                ));
            }
            Ok(())
        };
        let mut procedures = Vec::new();
        let mut procedure_ids = BTreeSet::new();
        for p in raw.procedure {
            let pid = p.id.get_ref().clone();
            if !procedure_ids.insert(pid.clone()) {
                return Err(err(
                    p.id.span().start,
                    format!("procedure '{pid}' is defined twice"),
                ));
            }
            let mut steps: Vec<Step> = Vec::new();
            for s in p.step {
                let id = s.id.get_ref().clone();
                let at = s.id.span().start;
                if id.is_empty()
                    || !id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                {
                    return Err(err(
                        at,
                        format!("step id '{id}' must be lowercase ascii letters, digits and '-'"),
                    ));
                }
                if steps.iter().any(|x| x.id == id) {
                    return Err(err(
                        at,
                        format!("step '{id}' is defined twice in procedure '{pid}'"),
                    ));
                }
                check(
                    s.reference.span().start,
                    s.reference.get_ref(),
                    s.quote.get_ref(),
                )?;
                let earlier = |name: &str| steps.iter().any(|x| x.id == name);
                let mut deadlines = Vec::new();
                for d in s.deadline {
                    let d_at = d.span().start;
                    let d = d.into_inner();
                    if !earlier(&d.after) {
                        return Err(err(
                            d_at,
                            format!("step '{id}' counts from '{}', which is not an earlier step of procedure '{pid}'", d.after),
                        ));
                    }
                    check(d_at, &d.reference, &d.quote)?;
                    if let Some(set) = &d.set_by {
                        if set.input.trim().is_empty() {
                            return Err(err(d_at, format!("step '{id}': `set_by.input` is empty")));
                        }
                        check(d_at, &set.reference, &set.quote)?;
                    }
                    if let Some(agreed) = &d.agreed {
                        if d.set_by.is_none() {
                            return Err(err(
                                d_at,
                                format!("step '{id}': an `agreed` term replaces a term set by an act; add `set_by`"),
                            ));
                        }
                        check(d_at, &agreed.reference, &agreed.quote)?;
                    }
                    deadlines.push(d);
                }
                let closed_day = match s.closed_day {
                    Some(c) => {
                        check(c.span().start, &c.get_ref().reference, &c.get_ref().quote)?;
                        Some(c.into_inner())
                    }
                    None => None,
                };
                let unless_on_time = match s.unless_on_time {
                    Some(u) => {
                        if !earlier(u.get_ref()) {
                            return Err(err(
                                u.span().start,
                                format!("`unless_on_time` '{}' is not an earlier step of procedure '{pid}'", u.get_ref()),
                            ));
                        }
                        Some(u.into_inner())
                    }
                    None => None,
                };
                let mut needed_if_recorded = Vec::new();
                for n in s.needed_if_recorded {
                    if !earlier(n.get_ref()) {
                        return Err(err(
                            n.span().start,
                            format!("`needed_if_recorded` '{}' is not an earlier step of procedure '{pid}'", n.get_ref()),
                        ));
                    }
                    needed_if_recorded.push(n.into_inner());
                }
                if !needed_if_recorded.is_empty() && unless_on_time.is_none() {
                    return Err(err(
                        at,
                        format!(
                            "step '{id}': `needed_if_recorded` only qualifies `unless_on_time`"
                        ),
                    ));
                }
                let mut also = Vec::new();
                for a in s.also {
                    check(a.span().start, &a.get_ref().reference, &a.get_ref().quote)?;
                    also.push(a.into_inner());
                }
                steps.push(Step {
                    id,
                    title: s.title,
                    basis: LegalBasis {
                        reference: s.reference.into_inner(),
                        quote: s.quote.into_inner(),
                    },
                    deadlines,
                    closed_day,
                    unless_on_time,
                    needed_if_recorded,
                    also,
                });
            }
            procedures.push(Procedure {
                id: pid,
                title: p.title,
                steps,
            });
        }
        Ok(Procedures { act, procedures })
    }

    /// The procedure with this id.
    pub fn get(&self, id: &str) -> Option<&Procedure> {
        self.procedures.iter().find(|p| p.id == id)
    }
}
