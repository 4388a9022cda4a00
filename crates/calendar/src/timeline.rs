//! The timeline of a procedure: from the recorded events, each step's due date, the working
//! days left and the late steps, each explained with the words of the law.

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;

use tekseru_core::explain::Reason;

use crate::calendar::Calendar;
use crate::error::CalendarError;
use crate::procedure::{Anchor, LegalBasis, Procedure};
use crate::year::Names;

/// Where a step stands on `today`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Recorded on or before its due date (or it has no term).
    Done,
    /// Recorded after its due date.
    DoneLate,
    /// Not recorded; its due date is today or later.
    Pending,
    /// Not recorded; its due date has passed.
    Overdue,
    /// Not recorded; the step it counts from is not recorded yet.
    Waiting,
    /// Not recorded, and the law sets no term for it.
    NoTerm,
    /// Not needed: the step it depends on was done on time.
    NotNeeded,
}

/// One step of a timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepTimeline {
    /// The step's id.
    pub id: String,
    /// The step's name.
    pub title: Names,
    /// Where the law describes the step.
    pub basis: LegalBasis,
    /// The date recorded for it, if any.
    pub recorded: Option<Date>,
    /// The last day of its term, when the steps it counts from are recorded.
    pub due: Option<Date>,
    /// Where it stands.
    pub status: Status,
    /// Whether it is late: done late, or overdue.
    pub late: bool,
    /// Working days after `today` up to and including `due` (0: due today; negative: the
    /// working days since `due`), for a step not recorded yet.
    pub working_days_left: Option<i64>,
    /// For a step done late: the working days from `due` to `recorded` (`d` with
    /// `due < d <= recorded`).
    pub late_by: Option<i64>,
    /// English sentences: how `due` was counted, with the law's words; why it is late.
    pub explanation: Vec<String>,
    /// The same sentences as message keys with their arguments, for a user interface that
    /// translates them ([`MESSAGES`]). A `weekday` is an English day name; `after` and `step`
    /// are step ids.
    pub notes: Vec<Reason>,
}

/// Every message of a step's explanation, in English, with its `{placeholders}`. A count of
/// one has its own message (`…_one`).
pub const MESSAGES: &[(&str, &str)] = &[
    ("recorded_after_today", "recorded on {date}, after today ({today}): check the date"),
    ("recorded_on_day_off", "recorded on {date} ({weekday}), a day off: {reference} «{quote}» — it is accepted on the next working day, {next}, and terms count from there"),
    ("due_same_day", "due {due} ({weekday}): the same day as '{after}' ({anchor}) — {reference} «{quote}»"),
    ("due_after_event_one", "due {due} ({weekday}): 1 working day after '{after}' ({anchor}) — {reference} «{quote}»"),
    ("due_after_event", "due {due} ({weekday}): {n} working days after '{after}' ({anchor}) — {reference} «{quote}»"),
    ("due_after_due_one", "due {due} ({weekday}): 1 working day after the due date of '{after}' ({anchor}) — {reference} «{quote}»"),
    ("due_after_due", "due {due} ({weekday}): {n} working days after the due date of '{after}' ({anchor}) — {reference} «{quote}»"),
    ("recorded_before_anchor", "recorded on {date}, before the step it counts from ({anchor}): check the dates"),
    ("done_late_one", "late: recorded on {date}, after the due date {due} (1 working day late)"),
    ("done_late", "late: recorded on {date}, after the due date {due} ({n} working days late)"),
    ("not_needed", "not needed: '{step}' was done on time"),
    ("overdue_one", "overdue: due {due}, not recorded by {today} (1 working day ago)"),
    ("overdue", "overdue: due {due}, not recorded by {today} ({n} working days ago)"),
    ("no_term", "224/НҚ sets no term of its own for this step ({reference} «{quote}»)"),
    ("waiting_recorded", "waiting: '{after}' is not recorded yet"),
    ("waiting_due", "waiting: the due date of '{after}' is not known yet"),
];

/// `key` for a count other than one, `key_one` for one.
fn counted(key: &str, n: i64) -> String {
    if n == 1 {
        format!("{key}_one")
    } else {
        key.to_owned()
    }
}

/// The timeline of one procedure on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// The procedure's id.
    pub procedure: String,
    /// The day the timeline is computed for.
    pub today: Date,
    /// Each step, in the procedure's order.
    pub steps: Vec<StepTimeline>,
    /// The ids of the late steps.
    pub late: Vec<String>,
}

/// A term an earlier act set, given to the timeline for a deadline with `set_by`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SetTerm {
    /// The term, in working days.
    pub working_days: u32,
    /// Whether it is a longer term agreed between the CA and the provider (224/НҚ §21 ¶4,
    /// §22 ¶8) rather than the one the act set.
    pub agreed: bool,
}

/// Computes the timeline of `procedure` from `events` (step id → date) on `today`, with no
/// terms set by earlier acts (see [`timeline_with`]).
pub fn timeline(
    calendar: &Calendar,
    procedure: &Procedure,
    events: &BTreeMap<String, Date>,
    today: Date,
) -> Result<Timeline, CalendarError> {
    timeline_with(calendar, procedure, events, &BTreeMap::new(), today)
}

/// Computes the timeline of `procedure` from `events` (step id → date) on `today`; `terms`
/// gives, by input name, the terms earlier acts set (e.g. `recommendation`: a
/// recommendation's own remediation term, 224/НҚ §23 ¶1).
///
/// A deadline of `n` working days after a step ends on [`Calendar::add_working_days`] of
/// that step's date (`n = 0`: the same day); a step bound by several deadlines is due on the
/// earliest. An event recorded on a day off, for a step whose law says so (224/НҚ §7 ¶2),
/// counts from the next working day. An unknown step id is an error.
/// A deadline with `set_by` counts the given term (an agreed one only where the deadline
/// allows it), citing where the law lets the act set it; without one it counts its
/// `working_days`, the most the act may set.
pub fn timeline_with(
    calendar: &Calendar,
    procedure: &Procedure,
    events: &BTreeMap<String, Date>,
    terms: &BTreeMap<String, SetTerm>,
    today: Date,
) -> Result<Timeline, CalendarError> {
    for id in events.keys() {
        if procedure.step(id).is_none() {
            let known: Vec<&str> = procedure.steps.iter().map(|s| s.id.as_str()).collect();
            return Err(CalendarError::Events(format!(
                "event '{id}' is not a step of procedure '{}'; its steps are: {}",
                procedure.id,
                known.join(", ")
            )));
        }
    }
    // Day check: today must be covered too.
    calendar.day(today)?;
    // The date each step's terms count from, and each step's due date and lateness.
    let mut effective: BTreeMap<&str, Date> = BTreeMap::new();
    let mut dues: BTreeMap<&str, Date> = BTreeMap::new();
    let mut on_time: BTreeMap<&str, bool> = BTreeMap::new();
    let mut steps = Vec::new();
    for step in &procedure.steps {
        let recorded = events.get(&step.id).copied();
        let mut notes = Vec::new();
        if let Some(date) = recorded.filter(|d| *d > today) {
            notes.push(Reason::new(
                "recorded_after_today",
                &[("date", date.to_string()), ("today", today.to_string())],
            ));
        }
        if let Some(date) = recorded {
            let day = calendar.day(date)?;
            match (&step.closed_day, day.working) {
                (Some(rule), false) => {
                    let next = calendar.next_working_day(date)?;
                    notes.push(Reason::new(
                        "recorded_on_day_off",
                        &[
                            ("date", date.to_string()),
                            ("weekday", date.weekday().to_string()),
                            ("reference", rule.reference.clone()),
                            ("quote", rule.quote.clone()),
                            ("next", next.to_string()),
                        ],
                    ));
                    effective.insert(step.id.as_str(), next);
                }
                _ => {
                    effective.insert(step.id.as_str(), date);
                }
            }
        }
        let mut due: Option<Date> = None;
        let mut waiting_for = Vec::new();
        for d in &step.deadlines {
            let (anchor, waiting) = match d.from {
                Anchor::Event => (effective.get(d.after.as_str()).copied(), "waiting_recorded"),
                Anchor::Due => (dues.get(d.after.as_str()).copied(), "waiting_due"),
            };
            let Some(anchor) = anchor else {
                waiting_for.push(Reason::new(waiting, &[("after", d.after.clone())]));
                continue;
            };
            let set = d
                .set_by
                .as_ref()
                .and_then(|s| terms.get(&s.input).map(|t| (s, *t)));
            let (working_days, reference, quote) = match set {
                Some((_, t)) if t.agreed => match &d.agreed {
                    Some(basis) => (t.working_days, &basis.reference, &basis.quote),
                    None => {
                        return Err(CalendarError::Events(format!(
                            "step '{}': an agreed term is given, but the law allows none here",
                            step.id
                        )))
                    }
                },
                Some((s, t)) if t.working_days <= d.working_days => {
                    (t.working_days, &s.reference, &s.quote)
                }
                Some((_, t)) => {
                    return Err(CalendarError::Events(format!(
                        "step '{}': a term of {} working days exceeds the {} allowed by {}",
                        step.id, t.working_days, d.working_days, d.reference
                    )))
                }
                None => (d.working_days, &d.reference, &d.quote),
            };
            let candidate = calendar.add_working_days(anchor, working_days)?;
            let key = match (working_days, d.from) {
                (0, _) => "due_same_day".to_owned(),
                (n, Anchor::Event) => counted("due_after_event", n.into()),
                (n, Anchor::Due) => counted("due_after_due", n.into()),
            };
            notes.push(Reason::new(
                &key,
                &[
                    ("due", candidate.to_string()),
                    ("weekday", candidate.weekday().to_string()),
                    ("n", working_days.to_string()),
                    ("after", d.after.clone()),
                    ("anchor", anchor.to_string()),
                    ("reference", reference.clone()),
                    ("quote", quote.clone()),
                ],
            ));
            due = Some(due.map_or(candidate, |x: Date| x.min(candidate)));
        }
        if let Some(due) = due {
            dues.insert(step.id.as_str(), due);
        }
        if let (Some(date), Some(&anchor_date)) = (
            recorded,
            step.deadlines.iter().find_map(|d| {
                (d.from == Anchor::Event)
                    .then(|| effective.get(d.after.as_str()))
                    .flatten()
            }),
        ) {
            if date < anchor_date {
                notes.push(Reason::new(
                    "recorded_before_anchor",
                    &[
                        ("date", date.to_string()),
                        ("anchor", anchor_date.to_string()),
                    ],
                ));
            }
        }
        let not_needed = step
            .unless_on_time
            .as_deref()
            .is_some_and(|u| on_time.get(u).copied().unwrap_or(false))
            && !step
                .needed_if_recorded
                .iter()
                .any(|n| events.contains_key(n));
        let (status, left, late_by) = match (recorded, due) {
            (Some(date), Some(due)) if date > due => {
                let by = calendar.working_days_between(due, date)?;
                notes.push(Reason::new(
                    &counted("done_late", by),
                    &[
                        ("date", date.to_string()),
                        ("due", due.to_string()),
                        ("n", by.to_string()),
                    ],
                ));
                (Status::DoneLate, None, Some(by))
            }
            (Some(_), _) => (Status::Done, None, None),
            (None, _) if not_needed => {
                notes.push(Reason::new(
                    "not_needed",
                    &[("step", step.unless_on_time.clone().unwrap_or_default())],
                ));
                (Status::NotNeeded, None, None)
            }
            (None, Some(due)) => {
                let left = calendar.working_days_between(today, due)?;
                if today > due {
                    notes.push(Reason::new(
                        &counted("overdue", -left),
                        &[
                            ("due", due.to_string()),
                            ("today", today.to_string()),
                            ("n", (-left).to_string()),
                        ],
                    ));
                    (Status::Overdue, Some(left), None)
                } else {
                    (Status::Pending, Some(left), None)
                }
            }
            (None, None) if step.deadlines.is_empty() => {
                notes.push(Reason::new(
                    "no_term",
                    &[
                        ("reference", step.basis.reference.clone()),
                        ("quote", step.basis.quote.clone()),
                    ],
                ));
                (Status::NoTerm, None, None)
            }
            (None, None) => {
                notes.append(&mut waiting_for);
                (Status::Waiting, None, None)
            }
        };
        on_time.insert(step.id.as_str(), matches!(status, Status::Done));
        steps.push(StepTimeline {
            id: step.id.clone(),
            title: step.title.clone(),
            basis: step.basis.clone(),
            recorded,
            due,
            status,
            late: matches!(status, Status::DoneLate | Status::Overdue),
            working_days_left: left,
            late_by,
            explanation: notes.iter().map(|n| n.render(MESSAGES)).collect(),
            notes,
        });
    }
    let late = steps
        .iter()
        .filter(|s| s.late)
        .map(|s| s.id.clone())
        .collect();
    Ok(Timeline {
        procedure: procedure.id.clone(),
        today,
        steps,
        late,
    })
}
