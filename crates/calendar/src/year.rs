//! One year of the calendar as written in `assets/calendars/kz-YYYY.toml`, and its validator.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use time::{Date, Month, Weekday};
use toml::Spanned;

use crate::error::{line_of, CalendarError};

/// A name in the three languages of the tool.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// Kazakh.
    pub kk: String,
    /// Russian.
    pub ru: String,
    /// English.
    pub en: String,
}

/// Whether a holiday moves when it falls on a weekend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HolidayKind {
    /// A national or state holiday of the Law «On holidays»: on a Saturday or Sunday the day
    /// off moves to the next working day (art. 5).
    #[default]
    Public,
    /// The first day of Kurban Ait and 7 January (Orthodox Christmas): days off under the
    /// Labour Code art. 84 ¶5, which never move.
    Religious,
}

/// A holiday of one year.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Holiday {
    /// Its date.
    pub date: Date,
    /// Public (moves off a weekend) or religious (never moves).
    pub kind: HolidayKind,
    /// Its name.
    pub name: Names,
}

/// A Government decree's swap of a working day and a day off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Transfer {
    /// The weekday that becomes a day off.
    pub(crate) day_off: Date,
    /// The day off (usually a Saturday or Sunday) that becomes a working day.
    pub(crate) working_day: Date,
}

/// One year of the calendar, validated.
#[derive(Clone, Debug)]
pub(crate) struct Year {
    pub(crate) year: i32,
    pub(crate) holidays: Vec<Holiday>,
    /// Weekend holiday → the working day its day off moved to.
    pub(crate) moves: BTreeMap<Date, Date>,
    pub(crate) transfers: Vec<Transfer>,
    /// The decree's number and date, or `None` when no decree is known.
    pub(crate) decree: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: Spanned<i32>,
    holidays_source: Spanned<String>,
    decree: Spanned<RawDecree>,
    #[serde(default)]
    holiday: Vec<RawHoliday>,
    #[serde(default, rename = "move")]
    moves: Vec<RawMove>,
    #[serde(default)]
    transfer: Vec<RawTransfer>,
    #[serde(default)]
    crosscheck: Vec<RawCrosscheck>,
}

/// A difference from Python's `holidays` package, explained (read by `crosscheck.py`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrosscheck {
    date: Spanned<toml::value::Datetime>,
    reason: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecree {
    source: Option<Spanned<String>>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    date: Spanned<toml::value::Datetime>,
    #[serde(default)]
    kind: HolidayKind,
    name: Spanned<Names>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMove {
    from: Spanned<toml::value::Datetime>,
    to: Spanned<toml::value::Datetime>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTransfer {
    day_off: Spanned<toml::value::Datetime>,
    working_day: Spanned<toml::value::Datetime>,
    #[allow(dead_code)]
    note: Option<String>,
}

pub(crate) fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, offset: usize, reason: impl Into<String>) -> CalendarError {
        CalendarError::Data {
            file: self.file.to_owned(),
            line: line_of(self.text, offset),
            reason: reason.into(),
        }
    }

    /// A TOML local date of the file's year.
    fn date(
        &self,
        value: &Spanned<toml::value::Datetime>,
        field: &str,
        year: i32,
    ) -> Result<Date, CalendarError> {
        let at = value.span().start;
        let dt = value.get_ref();
        let (Some(d), None, None) = (dt.date, dt.time, dt.offset) else {
            return Err(self.err(
                at,
                format!("`{field}` must be a date like 2025-03-21, without a time"),
            ));
        };
        let date = Month::try_from(d.month)
            .ok()
            .and_then(|m| Date::from_calendar_date(i32::from(d.year), m, d.day).ok())
            .ok_or_else(|| self.err(at, format!("`{field}` {dt} is not a valid date")))?;
        if date.year() != year {
            return Err(self.err(
                at,
                format!("`{field}` {date} is not in {year}, the year of this file"),
            ));
        }
        Ok(date)
    }
}

fn weekday_name(date: Date) -> String {
    format!("{}", date.weekday())
}

/// The day off of each weekend public holiday moves to the next working day that is not a
/// holiday and not already taken by an earlier move (Law «On holidays» art. 5).
pub(crate) fn expected_moves(holidays: &[Holiday]) -> BTreeMap<Date, Date> {
    let days_off: BTreeSet<Date> = holidays.iter().map(|h| h.date).collect();
    let mut taken = BTreeSet::new();
    let mut moves = BTreeMap::new();
    for h in holidays {
        if h.kind != HolidayKind::Public || !is_weekend(h.date) {
            continue;
        }
        let mut to = h.date;
        while let Some(next) = to.next_day() {
            to = next;
            if !is_weekend(to) && !days_off.contains(&to) && !taken.contains(&to) {
                break;
            }
        }
        taken.insert(to);
        moves.insert(h.date, to);
    }
    moves
}

impl Year {
    /// Parses and validates one year file. `file` names it in errors (`kz-2025.toml`).
    pub(crate) fn parse(file: &str, text: &str) -> Result<Year, CalendarError> {
        let cx = Ctx { file, text };
        let raw: RawYear = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            cx.err(at, e.message().trim().replace('\n', ": "))
        })?;
        let year = *raw.year.get_ref();
        let expected_name = format!("kz-{year}.toml");
        let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
        if base != expected_name {
            return Err(cx.err(
                raw.year.span().start,
                format!("`year = {year}` but the file is named {base}: name it {expected_name}"),
            ));
        }
        if raw.holidays_source.get_ref().trim().is_empty() {
            return Err(cx.err(
                raw.holidays_source.span().start,
                "`holidays_source` is empty: name the law the holidays come from",
            ));
        }
        let decree = raw.decree.get_ref();
        let source = decree
            .source
            .as_ref()
            .map(|s| (s.span().start, s.get_ref().trim().to_owned()));
        if let Some((at, s)) = &source {
            if s.is_empty() {
                return Err(cx.err(*at, "`[decree] source` is empty: name the decree (number, year) or remove `source` and explain in `note`"));
            }
        }
        let has_note = decree.note.as_ref().is_some_and(|n| !n.trim().is_empty());
        if source.is_none() && !has_note {
            return Err(cx.err(
                raw.decree.span().start,
                "`[decree]` needs a `source` (the Government decree on transferred days) or a `note` saying why there is none",
            ));
        }

        let mut holidays: Vec<Holiday> = Vec::new();
        let mut lines: BTreeMap<Date, usize> = BTreeMap::new();
        for h in &raw.holiday {
            let date = cx.date(&h.date, "date", year)?;
            if let Some(first) = lines.get(&date) {
                return Err(cx.err(
                    h.date.span().start,
                    format!("holiday {date} is listed twice (first at line {first})"),
                ));
            }
            let n = h.name.get_ref();
            for (lang, v) in [("kk", &n.kk), ("ru", &n.ru), ("en", &n.en)] {
                if v.trim().is_empty() {
                    return Err(cx.err(
                        h.name.span().start,
                        format!("holiday {date} has an empty `name.{lang}`"),
                    ));
                }
            }
            lines.insert(date, line_of(text, h.date.span().start));
            holidays.push(Holiday {
                date,
                kind: h.kind,
                name: n.clone(),
            });
        }
        holidays.sort_by_key(|h| h.date);
        let by_date: BTreeMap<Date, &Holiday> = holidays.iter().map(|h| (h.date, h)).collect();

        let expected = expected_moves(&holidays);
        let mut moves = BTreeMap::new();
        for m in &raw.moves {
            let from = cx.date(&m.from, "from", year)?;
            let to = cx.date(&m.to, "to", year)?;
            let at = m.from.span().start;
            let Some(h) = by_date.get(&from) else {
                return Err(cx.err(
                    at,
                    format!("move from {from}: that date is not a holiday of this file"),
                ));
            };
            if h.kind == HolidayKind::Religious {
                return Err(cx.err(
                    at,
                    format!(
                        "move from {from}: {} never moves to another day (Labour Code art. 84 ¶5)",
                        h.name.en
                    ),
                ));
            }
            if !is_weekend(from) {
                return Err(cx.err(at, format!("move from {from}: it is a {}, and only a holiday on a Saturday or Sunday moves", weekday_name(from))));
            }
            if moves.insert(from, to).is_some() {
                return Err(cx.err(at, format!("move from {from} is listed twice")));
            }
            if let Some(&want) = expected.get(&from) {
                if want != to {
                    return Err(cx.err(
                        m.to.span().start,
                        format!("move from {from} goes to {to}, but the day off moves to the next working day, {want} (Law «On holidays» art. 5)"),
                    ));
                }
            }
        }
        for (from, to) in &expected {
            if !moves.contains_key(from) {
                let line = lines.get(from).copied().unwrap_or(1);
                return Err(CalendarError::Data {
                    file: file.to_owned(),
                    line,
                    reason: format!("holiday {from} falls on a {} and needs a [[move]] to {to} (Law «On holidays» art. 5)", weekday_name(*from)),
                });
            }
        }

        let moved_to: BTreeSet<Date> = moves.values().copied().collect();
        let off_by_law =
            |d: Date| is_weekend(d) || by_date.contains_key(&d) || moved_to.contains(&d);
        let mut transfers: Vec<Transfer> = Vec::new();
        let mut seen: BTreeMap<Date, usize> = BTreeMap::new();
        for t in &raw.transfer {
            let day_off = cx.date(&t.day_off, "day_off", year)?;
            let working_day = cx.date(&t.working_day, "working_day", year)?;
            for (d, at) in [
                (day_off, t.day_off.span().start),
                (working_day, t.working_day.span().start),
            ] {
                if let Some(first) = seen.get(&d) {
                    return Err(cx.err(
                        at,
                        format!("transfer date {d} is used twice (first at line {first})"),
                    ));
                }
                seen.insert(d, line_of(text, at));
            }
            if off_by_law(day_off) {
                return Err(cx.err(t.day_off.span().start, format!("transfer `day_off` {day_off} is already a day off: a decree turns a working day into a day off")));
            }
            if let Some(h) = by_date.get(&working_day) {
                return Err(cx.err(t.working_day.span().start, format!("transfer `working_day` {working_day} is a holiday ({}): a decree moves days off, never holidays", h.name.en)));
            }
            if !off_by_law(working_day) {
                return Err(cx.err(t.working_day.span().start, format!("transfer `working_day` {working_day} is already a working day: a decree turns a day off into a working day")));
            }
            transfers.push(Transfer {
                day_off,
                working_day,
            });
        }
        for c in &raw.crosscheck {
            let date = cx.date(&c.date, "date", year)?;
            if c.reason.get_ref().trim().is_empty() {
                return Err(cx.err(
                    c.reason.span().start,
                    format!("[[crosscheck]] {date} has an empty `reason`"),
                ));
            }
        }
        if source.is_none() && !transfers.is_empty() {
            return Err(cx.err(
                raw.decree.span().start,
                "this file has [[transfer]] entries but `[decree]` names no `source`",
            ));
        }
        Ok(Year {
            year,
            holidays,
            moves,
            transfers,
            decree: source.map(|(_, s)| s),
        })
    }
}
