//! The year files and the procedure file: each kind of mistake gives its exact message, with
//! the file and the line.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use tekseru_calendar::{Calendar, CalendarError, Procedures};
use time::macros::date;

/// A small valid year: one weekend holiday with its move, one religious day, one transfer.
const GOOD: &str = r#"year = 2025
holidays_source = "Law «On holidays»"

[decree]
source = "decree No. 436 of 2024"

[[holiday]]
date = 2025-03-08
name = { kk = "Әйелдер күні", ru = "Женский день", en = "Women's Day" }

[[holiday]]
date = 2025-06-06
kind = "religious"
name = { kk = "Құрбан айт", ru = "Курбан айт", en = "Kurban Ait" }

[[move]]
from = 2025-03-08
to = 2025-03-10

[[transfer]]
day_off = 2025-01-03
working_day = 2025-01-05
"#;

fn load(text: &str) -> Result<Calendar, CalendarError> {
    Calendar::from_files([("kz-2025.toml", text)])
}

fn error(text: &str) -> String {
    load(text).unwrap_err().to_string()
}

#[test]
fn the_small_year_loads_and_means_what_it_says() {
    let cal = load(GOOD).unwrap();
    assert!(
        !cal.is_working_day(date!(2025 - 03 - 10)).unwrap(),
        "moved day off"
    );
    assert!(
        !cal.is_working_day(date!(2025 - 06 - 06)).unwrap(),
        "religious day"
    );
    assert!(
        !cal.is_working_day(date!(2025 - 01 - 03)).unwrap(),
        "decree day off"
    );
    assert!(
        cal.is_working_day(date!(2025 - 01 - 05)).unwrap(),
        "decree working Sunday"
    );
    assert!(cal.is_working_day(date!(2025 - 03 - 11)).unwrap());
}

#[test]
fn unknown_field() {
    let text = GOOD.replace(
        "kind = \"religious\"",
        "kind = \"religious\"\ncolour = \"green\"",
    );
    assert_eq!(
        error(&text),
        "kz-2025.toml:14: unknown field `colour`, expected one of `date`, `kind`, `name`, `note`"
    );
}

#[test]
fn date_not_in_the_year_of_the_file() {
    let text = GOOD.replace("date = 2025-06-06", "date = 2024-06-06");
    assert_eq!(
        error(&text),
        "kz-2025.toml:12: `date` 2024-06-06 is not in 2025, the year of this file"
    );
}

#[test]
fn duplicate_date() {
    let text = GOOD.replace("date = 2025-06-06", "date = 2025-03-08");
    assert_eq!(
        error(&text),
        "kz-2025.toml:12: holiday 2025-03-08 is listed twice (first at line 8)"
    );
}

#[test]
fn a_date_with_a_time() {
    let text = GOOD.replace("date = 2025-06-06", "date = 2025-06-06T10:00:00");
    assert_eq!(
        error(&text),
        "kz-2025.toml:12: `date` must be a date like 2025-03-21, without a time"
    );
}

#[test]
fn missing_move_of_a_weekend_holiday() {
    let text = GOOD.replace("[[move]]\nfrom = 2025-03-08\nto = 2025-03-10\n", "");
    assert_eq!(
        error(&text),
        "kz-2025.toml:8: holiday 2025-03-08 falls on a Saturday and needs a [[move]] to 2025-03-10 (Law «On holidays» art. 5)"
    );
}

#[test]
fn move_to_the_wrong_day() {
    let text = GOOD.replace("to = 2025-03-10", "to = 2025-03-11");
    assert_eq!(
        error(&text),
        "kz-2025.toml:18: move from 2025-03-08 goes to 2025-03-11, but the day off moves to the next working day, 2025-03-10 (Law «On holidays» art. 5)"
    );
}

#[test]
fn a_religious_day_never_moves() {
    // Kurban Ait on Sunday 16 June 2024 gave no Monday off.
    let text = GOOD
        .replace("date = 2025-06-06", "date = 2025-06-08")
        .replace(
            "[[transfer]]",
            "[[move]]\nfrom = 2025-06-08\nto = 2025-06-09\n\n[[transfer]]",
        );
    assert_eq!(
        error(&text),
        "kz-2025.toml:21: move from 2025-06-08: Kurban Ait never moves to another day (Labour Code art. 84 ¶5)"
    );
}

#[test]
fn transfer_of_a_day_that_is_already_off() {
    let text = GOOD.replace("day_off = 2025-01-03", "day_off = 2025-01-04");
    assert_eq!(
        error(&text),
        "kz-2025.toml:21: transfer `day_off` 2025-01-04 is already a day off: a decree turns a working day into a day off"
    );
}

#[test]
fn transfer_to_a_day_that_is_already_working() {
    let text = GOOD.replace("working_day = 2025-01-05", "working_day = 2025-01-06");
    assert_eq!(
        error(&text),
        "kz-2025.toml:22: transfer `working_day` 2025-01-06 is already a working day: a decree turns a day off into a working day"
    );
}

#[test]
fn a_decree_must_be_named_or_its_absence_explained() {
    let text = GOOD.replace("source = \"decree No. 436 of 2024\"\n", "");
    assert_eq!(
        error(&text),
        "kz-2025.toml:4: `[decree]` needs a `source` (the Government decree on transferred days) or a `note` saying why there is none"
    );
}

#[test]
fn the_file_name_must_match_the_year() {
    let err = Calendar::from_files([("kz-2024.toml", GOOD)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "kz-2024.toml:1: `year = 2025` but the file is named kz-2024.toml: name it kz-2025.toml"
    );
}

#[test]
fn toml_syntax_error() {
    let text = GOOD.replace("to = 2025-03-10", "to = ");
    assert_eq!(
        error(&text),
        "kz-2025.toml:18: invalid string: expected `\"`, `'`"
    );
}

#[test]
fn a_year_outside_the_data_is_an_error_not_a_guess() {
    let cal = Calendar::embedded().unwrap();
    let err = cal.is_working_day(date!(2028 - 01 - 03)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the working-day calendar has no data for 2028 (it covers 2020–2027): add assets/calendars/kz-2028.toml"
    );
    assert!(matches!(
        cal.add_working_days(date!(2027 - 12 - 28), 5),
        Err(CalendarError::YearNotCovered { year: 2028, .. })
    ));
    assert!(matches!(
        cal.working_days_between(date!(2019 - 12 - 30), date!(2020 - 01 - 10)),
        Err(CalendarError::YearNotCovered { year: 2019, .. })
    ));
}

const LAW: &str = include_str!("../../../checklists/sources/000_e988696a9b771066.txt");
const PROCEDURES: &str = include_str!("../../../assets/calendars/procedure.toml");

fn procedure_error(text: &str) -> String {
    Procedures::parse("procedure.toml", text, LAW)
        .unwrap_err()
        .to_string()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn a_quote_that_is_not_in_the_law() {
    let text = PROCEDURES.replacen(
        "ref = \"224/НҚ §8 ¶1\"\nquote = \"өтініш тіркелген күннен бастап екі жұмыс күні ішінде\"",
        "ref = \"224/НҚ §8 ¶1\"\nquote = \"үш жұмыс күні ішінде\"",
        1,
    );
    let line = line_of(&text, "ref = \"224/НҚ §8 ¶1\"");
    assert_eq!(
        procedure_error(&text),
        format!("procedure.toml:{line}: quote 'үш жұмыс күні ішінде' is not in 224/НҚ §8 ¶1: copy the words of the law there")
    );
}

#[test]
fn a_reference_that_does_not_resolve() {
    let text = PROCEDURES.replacen("ref = \"224/НҚ §14 ¶1\"", "ref = \"224/НҚ §14 ¶3\"", 1);
    let line = line_of(&text, "ref = \"224/НҚ §14 ¶3\"");
    assert_eq!(
        procedure_error(&text),
        format!("procedure.toml:{line}: reference '224/НҚ §14 ¶3': §14 ¶3 does not exist: that unit has 1 абзац(ы)")
    );
}

#[test]
fn a_deadline_must_count_from_an_earlier_step() {
    let text = PROCEDURES.replacen(
        "{ after = \"application-registered\", working_days = 2,",
        "{ after = \"certificate-issued\", working_days = 2,",
        1,
    );
    let line = line_of(&text, "after = \"certificate-issued\"");
    assert_eq!(
        procedure_error(&text),
        format!("procedure.toml:{line}: step 'completeness-checked' counts from 'certificate-issued', which is not an earlier step of procedure 'accreditation'")
    );
}

#[test]
fn the_terms_a_recommendation_sets_are_checked_against_the_law_too() {
    let text = PROCEDURES.replacen(
        "quote = \"ұсынымда белгіленген бұзушылықтарды жою мерзімі\"",
        "quote = \"ұсынымда белгіленген 20 жұмыс күні\"",
        1,
    );
    let line = line_of(&text, "input = \"recommendation\"");
    assert_eq!(
        procedure_error(&text),
        format!("procedure.toml:{line}: quote 'ұсынымда белгіленген 20 жұмыс күні' is not in 224/НҚ §23 ¶1: copy the words of the law there")
    );
    let text = PROCEDURES.replacen(
        "needed_if_recorded = [\"disagreement-unjustified\"]",
        "needed_if_recorded = [\"revocation-decision\"]",
        1,
    );
    let line = line_of(&text, "needed_if_recorded");
    assert_eq!(
        procedure_error(&text),
        format!("procedure.toml:{line}: `needed_if_recorded` 'revocation-decision' is not an earlier step of procedure 'revocation'")
    );
}

#[test]
fn crosscheck_explanations_are_part_of_the_schema() {
    let explained =
        format!("{GOOD}\n[[crosscheck]]\ndate = 2025-06-06\nreason = \"announced date\"\n");
    assert!(load(&explained).is_ok());
    let empty = format!("{GOOD}\n[[crosscheck]]\ndate = 2025-06-06\nreason = \" \"\n");
    assert_eq!(
        error(&empty),
        "kz-2025.toml:26: [[crosscheck]] 2025-06-06 has an empty `reason`"
    );
}

#[test]
fn every_shipped_year_and_the_procedures_load() {
    let cal = Calendar::embedded().unwrap();
    assert_eq!(cal.covered(), Some((2020, 2027)));
    for year in 2020..=2025 {
        assert!(
            cal.decree(year).unwrap().is_some(),
            "{year} names its decree"
        );
    }
    assert_eq!(cal.decree(2026).unwrap(), None, "no decree known for 2026");
    let procedures = Procedures::embedded().unwrap();
    let ids: Vec<&str> = procedures
        .procedures
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "accreditation",
            "revocation",
            "changes",
            "complaint-to-provider",
            "complaint-to-quality-body"
        ]
    );
}
