//! `tekseru calendar`: Kazakhstan's working days and the deadlines of the 224/НҚ procedures.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;
use serde::{Deserialize, Serialize};
use tekseru_calendar::timeline::{timeline, Status, Timeline};
use tekseru_calendar::{Calendar, Day, DayKind, Procedures};
use time::Date;

#[derive(Subcommand)]
pub(crate) enum CalendarCmd {
    /// Working days after FROM up to and including TO (a term that starts with an event on
    /// FROM counts from the next day), with the holidays and transferred days in between.
    Workdays {
        /// YYYY-MM-DD
        from: String,
        /// YYYY-MM-DD
        to: String,
    },
    /// The N-th working day after DATE: the last day of a term of N working days that starts
    /// with an event on DATE.
    Add {
        /// YYYY-MM-DD
        date: String,
        /// Working days.
        n: u32,
    },
    /// Why a date is, or is not, a working day.
    Day {
        /// YYYY-MM-DD
        date: String,
    },
    /// Due dates, working days left and late steps of a procedure, from recorded events.
    Timeline {
        /// JSON file: {"procedure":"accreditation"|"revocation"|…,"events":{"step-id":"YYYY-MM-DD",…}}
        #[arg(long)]
        events: PathBuf,
        /// The day to count from (default: today in Kazakhstan, UTC+5).
        #[arg(long)]
        today: Option<String>,
    },
}

pub(crate) fn parse_date(text: &str, what: &str) -> anyhow::Result<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format)
        .map_err(|_| anyhow::anyhow!("{what} '{text}' is not a date: expected YYYY-MM-DD"))
}

pub(crate) fn today_in_kazakhstan() -> Date {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(5)).date()
}

/// A day of the calendar in JSON: date, working, kind (+ its fields), explanation.
#[derive(Serialize)]
struct DayOut {
    #[serde(flatten)]
    day: Day,
    explanation: String,
}

impl From<Day> for DayOut {
    fn from(day: Day) -> Self {
        let explanation = day.explain();
        DayOut { day, explanation }
    }
}

#[derive(Serialize)]
struct WorkdaysOut {
    from: Date,
    to: Date,
    working_days: i64,
    holidays: Vec<DayOut>,
}

#[derive(Serialize)]
struct AddOut {
    date: Date,
    n: u32,
    due: Date,
    skipped: Vec<DayOut>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsFile {
    procedure: String,
    events: BTreeMap<String, String>,
}

pub(crate) fn run(cmd: CalendarCmd, json: bool) -> anyhow::Result<ExitCode> {
    let cal = Calendar::embedded()?;
    match cmd {
        CalendarCmd::Workdays { from, to } => {
            let from = parse_date(&from, "FROM")?;
            let to = parse_date(&to, "TO")?;
            let working_days = cal.working_days_between(from, to)?;
            let (a, b) = if from <= to { (from, to) } else { (to, from) };
            let holidays: Vec<DayOut> = cal
                .days_in(a, b)?
                .into_iter()
                .filter(|d| !matches!(d.kind, DayKind::Workday | DayKind::Weekend))
                .map(DayOut::from)
                .collect();
            let out = WorkdaysOut {
                from,
                to,
                working_days,
                holidays,
            };
            if json {
                crate::print_json(&out)?;
            } else {
                out!("{working_days} working day(s) after {from} up to and including {to}");
                for d in &out.holidays {
                    out!("  {}", d.explanation);
                }
            }
        }
        CalendarCmd::Add { date, n } => {
            let date = parse_date(&date, "DATE")?;
            let due = cal.add_working_days(date, n)?;
            let skipped: Vec<DayOut> = cal
                .days_in(date, due)?
                .into_iter()
                .filter(|d| !d.working)
                .map(DayOut::from)
                .collect();
            let out = AddOut {
                date,
                n,
                due,
                skipped,
            };
            if json {
                crate::print_json(&out)?;
            } else {
                out!(
                    "{n} working day(s) after {date} ({}): due {due} ({})",
                    date.weekday(),
                    due.weekday()
                );
                for d in &out.skipped {
                    out!("  skipped {}", d.explanation);
                }
            }
        }
        CalendarCmd::Day { date } => {
            let date = parse_date(&date, "DATE")?;
            let out = DayOut::from(cal.day(date)?);
            if json {
                crate::print_json(&out)?;
            } else {
                out!("{}", out.explanation);
            }
        }
        CalendarCmd::Timeline { events, today } => {
            let text = std::fs::read_to_string(&events)
                .with_context(|| format!("cannot read events file '{}'", events.display()))?;
            let file: EventsFile = serde_json::from_str(&text)
                .with_context(|| format!("events file '{}' is not valid", events.display()))?;
            let procedures = Procedures::embedded()?;
            let Some(procedure) = procedures.get(&file.procedure) else {
                let known: Vec<&str> = procedures
                    .procedures
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect();
                bail!(
                    "events file '{}': unknown procedure '{}'; known: {}",
                    events.display(),
                    file.procedure,
                    known.join(", ")
                );
            };
            let mut recorded = BTreeMap::new();
            for (step, date) in &file.events {
                let what = format!("events file '{}': event '{step}'", events.display());
                recorded.insert(step.clone(), parse_date(date, &what)?);
            }
            let today = match today {
                Some(t) => parse_date(&t, "--today")?,
                None => today_in_kazakhstan(),
            };
            let result = timeline(cal, procedure, &recorded, today)
                .with_context(|| format!("events file '{}'", events.display()))?;
            if json {
                crate::print_json(&result)?;
            } else {
                print_timeline(&result)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Done => "done",
        Status::DoneLate => "done late",
        Status::Pending => "pending",
        Status::Overdue => "OVERDUE",
        Status::Waiting => "waiting",
        Status::NoTerm => "no term",
        Status::NotNeeded => "not needed",
    }
}

pub(crate) fn print_timeline(t: &Timeline) -> std::io::Result<()> {
    if t.late.is_empty() {
        out!("{} on {}: no late step", t.procedure, t.today);
    } else {
        out!(
            "{} on {}: late: {}",
            t.procedure,
            t.today,
            t.late.join(", ")
        );
    }
    for s in &t.steps {
        let mut line = format!("  {:<10} {:<28}", status_word(s.status), s.id);
        if let Some(r) = s.recorded {
            line.push_str(&format!(" recorded {r}"));
        }
        if let Some(d) = s.due {
            line.push_str(&format!(" due {d}"));
        }
        if let Some(left) = s.working_days_left {
            if left >= 0 {
                line.push_str(&format!(" ({left} working day(s) left)"));
            }
        }
        out!("{line}");
        for e in &s.explanation {
            out!("      {e}");
        }
    }
    Ok(())
}
