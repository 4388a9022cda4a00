//! Properties of working-day arithmetic over the shipped calendar, and its agreement with
//! the data files read independently of the loader.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::collections::BTreeSet;

use proptest::prelude::*;
use tekseru_calendar::{Calendar, DayKind};
use time::{Date, Duration, Weekday};

fn cal() -> &'static Calendar {
    Calendar::embedded().unwrap()
}

/// Any day from 2020-01-01 to 2027-06-30 (half a year of room for terms to end in 2027).
fn any_date() -> impl Strategy<Value = Date> {
    let first = Date::from_calendar_date(2020, time::Month::January, 1).unwrap();
    let last = Date::from_calendar_date(2027, time::Month::June, 30).unwrap();
    let span = (last - first).whole_days();
    (0..=span).prop_map(move |d| first + Duration::days(d))
}

proptest! {
    #[test]
    fn adding_n_working_days_then_counting_back_gives_n(start in any_date(), n in 0u32..100) {
        let due = cal().add_working_days(start, n).unwrap();
        prop_assert_eq!(cal().working_days_between(start, due).unwrap(), i64::from(n));
        prop_assert_eq!(cal().working_days_between(due, start).unwrap(), -i64::from(n));
    }

    #[test]
    fn a_due_date_is_never_a_weekend_or_a_holiday(start in any_date(), n in 1u32..100) {
        let due = cal().add_working_days(start, n).unwrap();
        let day = cal().day(due).unwrap();
        prop_assert!(day.working, "{}", day.explain());
        // A Saturday or Sunday only when a decree made it a working day.
        let weekend = matches!(due.weekday(), Weekday::Saturday | Weekday::Sunday);
        prop_assert!(
            matches!(day.kind, DayKind::Workday) && !weekend
                || matches!(day.kind, DayKind::DecreeWorkingDay { .. }),
            "{}", day.explain()
        );
    }

    #[test]
    fn the_due_date_is_the_first_day_the_count_reaches_n(start in any_date(), n in 1u32..60) {
        let due = cal().add_working_days(start, n).unwrap();
        let day_before = due - Duration::DAY;
        prop_assert_eq!(
            cal().working_days_between(start, day_before).unwrap(),
            i64::from(n) - 1
        );
    }

    #[test]
    fn counting_is_additive(a in any_date(), b in any_date(), c in any_date()) {
        let ab = cal().working_days_between(a, b).unwrap();
        let bc = cal().working_days_between(b, c).unwrap();
        prop_assert_eq!(ab + bc, cal().working_days_between(a, c).unwrap());
    }
}

/// Working days by an independent reading of the TOML files: Monday–Friday, minus holidays,
/// move targets and decree days off, plus decree working days.
#[test]
fn is_working_day_agrees_with_the_data_on_every_day() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/calendars");
    let dates = |v: &toml::Value, table: &str, key: &str| -> BTreeSet<String> {
        v.get(table)
            .and_then(|t| t.as_array())
            .map(|a| {
                a.iter()
                    .map(|e| e.get(key).unwrap().as_datetime().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut checked = 0;
    for year in 2020..=2027 {
        let text = std::fs::read_to_string(dir.join(format!("kz-{year}.toml"))).unwrap();
        let v: toml::Value = toml::from_str(&text).unwrap();
        let holidays = dates(&v, "holiday", "date");
        let moved = dates(&v, "move", "to");
        let off = dates(&v, "transfer", "day_off");
        let work = dates(&v, "transfer", "working_day");
        let mut day = Date::from_calendar_date(year, time::Month::January, 1).unwrap();
        while day.year() == year {
            let key = day.to_string();
            let weekday = !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
            let expected = work.contains(&key)
                || (weekday
                    && !holidays.contains(&key)
                    && !moved.contains(&key)
                    && !off.contains(&key));
            assert_eq!(
                cal().is_working_day(day).unwrap(),
                expected,
                "{}",
                cal().day(day).unwrap().explain()
            );
            checked += 1;
            day = day.next_day().unwrap();
        }
    }
    assert_eq!(checked, 2922, "every day of 2020–2027");
}

/// For every shipped procedure: a random subset of its steps recorded on random dates, and a
/// random day to look from.
fn any_timeline_input() -> impl Strategy<Value = (usize, Vec<Option<Date>>, Date)> {
    let procedures = tekseru_calendar::Procedures::embedded().unwrap();
    let most_steps = procedures
        .procedures
        .iter()
        .map(|p| p.steps.len())
        .max()
        .unwrap();
    (
        0..procedures.procedures.len(),
        proptest::collection::vec(proptest::option::of(any_date()), most_steps),
        any_date(),
    )
}

proptest! {
    /// Every sentence of a timeline is a known message with every placeholder filled, and
    /// the English explanation is exactly those messages: what a translated screen shows and
    /// what the command line prints say the same.
    #[test]
    fn every_step_is_explained_with_known_messages((p, dates, today) in any_timeline_input()) {
        use tekseru_calendar::timeline::{timeline, MESSAGES};
        let procedure = &tekseru_calendar::Procedures::embedded().unwrap().procedures[p];
        let events = procedure
            .steps
            .iter()
            .zip(&dates)
            .filter_map(|(s, d)| d.map(|d| (s.id.clone(), d)))
            .collect();
        let t = timeline(cal(), procedure, &events, today).unwrap();
        for s in &t.steps {
            prop_assert_eq!(s.explanation.len(), s.notes.len());
            for (note, english) in s.notes.iter().zip(&s.explanation) {
                prop_assert!(MESSAGES.iter().any(|(k, _)| *k == note.key), "unknown key {}", note.key);
                prop_assert_eq!(&note.render(MESSAGES), english);
                prop_assert!(!english.contains('{'), "unfilled: {}", english);
            }
            if matches!(s.status, tekseru_calendar::timeline::Status::Waiting | tekseru_calendar::timeline::Status::NoTerm | tekseru_calendar::timeline::Status::NotNeeded) || s.late {
                prop_assert!(!s.notes.is_empty(), "step {} is {:?} without a reason", s.id, s.status);
            }
        }
    }
}
