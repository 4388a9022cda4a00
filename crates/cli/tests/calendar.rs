//! The `tekseru calendar` command-line contract.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::process::{Command, Output};

use serde_json::{json, Value};

fn tekseru(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tekseru"))
        .args(args)
        .output()
        .unwrap()
}

fn ok_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn failure(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "bad input exits 2");
    assert!(out.stdout.is_empty(), "nothing on stdout on error");
    String::from_utf8_lossy(&out.stderr).trim_end().to_owned()
}

/// Friday 7 March 2025 to Tuesday 1 April 2025: 13 working days, past Women's Day (Sat 8,
/// moved to Mon 10) and Nauryz (Fri 21 – Sun 23, moved to Mon 24 and Tue 25).
#[test]
fn workdays_json() {
    let v = ok_json(&tekseru(&[
        "calendar",
        "workdays",
        "2025-03-07",
        "2025-04-01",
        "--json",
    ]));
    assert_eq!(v["from"], "2025-03-07");
    assert_eq!(v["to"], "2025-04-01");
    assert_eq!(v["working_days"], 13);
    let dates: Vec<&str> = v["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            "2025-03-08",
            "2025-03-10",
            "2025-03-21",
            "2025-03-22",
            "2025-03-23",
            "2025-03-24",
            "2025-03-25"
        ]
    );
    assert_eq!(v["holidays"][1]["kind"], "moved_holiday");
    assert_eq!(v["holidays"][1]["holiday"], "2025-03-08");
    assert_eq!(v["holidays"][1]["name"]["kk"], "Халықаралық әйелдер күні");
    assert_eq!(
        v["holidays"][1]["explanation"],
        "2025-03-10 (Monday) is a day off: International Women's Day of Saturday 2025-03-08 moved to the next working day (Law «On holidays» art. 5)"
    );
}

#[test]
fn workdays_backwards_are_negative() {
    let v = ok_json(&tekseru(&[
        "calendar",
        "workdays",
        "2025-04-01",
        "2025-03-07",
        "--json",
    ]));
    assert_eq!(v["working_days"], -13);
}

/// Wednesday 1 May 2024 + 3 working days: Thu 2 (1), Fri 3 (2), Sat 4 (3: worked by decree
/// No. 109 of 2024, which made Wed 8 May a day off).
#[test]
fn add_json_counts_a_decree_saturday() {
    let v = ok_json(&tekseru(&["calendar", "add", "2024-05-01", "3", "--json"]));
    assert_eq!(v["date"], "2024-05-01");
    assert_eq!(v["n"], 3);
    assert_eq!(v["due"], "2024-05-04");
    assert_eq!(v["skipped"], json!([]));
    let v = ok_json(&tekseru(&["calendar", "add", "2024-05-06", "2", "--json"]));
    // Mon 6 → Tue 7 Defender's Day, Wed 8 decree day off, Thu 9 Victory Day: Fri 10 (1),
    // Sat 11, Sun 12, Mon 13 (2).
    assert_eq!(v["due"], "2024-05-13");
    let skipped: Vec<(&str, &str)> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["date"].as_str().unwrap(), d["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("2024-05-07", "holiday"),
            ("2024-05-08", "decree_day_off"),
            ("2024-05-09", "holiday"),
            ("2024-05-11", "weekend"),
            ("2024-05-12", "weekend"),
        ]
    );
}

#[test]
fn add_text() {
    let out = tekseru(&["calendar", "add", "2025-03-07", "2"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(
            "2 working day(s) after 2025-03-07 (Friday): due 2025-03-12 (Wednesday)\n"
        ),
        "{text}"
    );
    assert!(text.contains("  skipped 2025-03-10 (Monday) is a day off: International Women's Day of Saturday 2025-03-08 moved"));
}

#[test]
fn day_explains_a_religious_day_that_does_not_move() {
    let v = ok_json(&tekseru(&["calendar", "day", "2024-06-17", "--json"]));
    assert_eq!(
        v["working"], true,
        "Kurban Ait on Sunday 16 June 2024 gave no Monday off"
    );
    let v = ok_json(&tekseru(&["calendar", "day", "2024-06-16", "--json"]));
    assert_eq!(v["kind"], "religious_day_off");
}

#[test]
fn bad_dates_and_uncovered_years_exit_2() {
    assert_eq!(
        failure(&tekseru(&["calendar", "add", "2025-02-30", "2"])),
        "tekseru: DATE '2025-02-30' is not a date: expected YYYY-MM-DD"
    );
    assert_eq!(
        failure(&tekseru(&["calendar", "workdays", "2027-12-01", "2028-01-10", "--json"])),
        "tekseru: the working-day calendar has no data for 2028 (it covers 2020–2027): add assets/calendars/kz-2028.toml"
    );
}

fn events_file(name: &str, body: &Value) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tekseru-calendar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(body).unwrap()).unwrap();
    path
}

#[test]
fn timeline_json() {
    let path = events_file(
        "accreditation.json",
        &json!({"procedure": "accreditation", "events": {
            "application-registered": "2025-03-07",
            "completeness-checked": "2025-03-13"
        }}),
    );
    let v = ok_json(&tekseru(&[
        "calendar",
        "timeline",
        "--events",
        path.to_str().unwrap(),
        "--today",
        "2025-03-13",
        "--json",
    ]));
    assert_eq!(v["procedure"], "accreditation");
    assert_eq!(v["today"], "2025-03-13");
    assert_eq!(v["late"], json!(["completeness-checked"]));
    let completeness = &v["steps"][1];
    assert_eq!(completeness["id"], "completeness-checked");
    assert_eq!(completeness["recorded"], "2025-03-13");
    assert_eq!(completeness["due"], "2025-03-12");
    assert_eq!(completeness["status"], "done_late");
    assert_eq!(completeness["late"], true);
    assert_eq!(completeness["late_by"], 1);
    assert_eq!(
        completeness["title"]["ru"],
        "Проверена комплектность документов"
    );
    let certificate = v["steps"].as_array().unwrap().last().unwrap();
    assert_eq!(certificate["id"], "certificate-issued");
    assert_eq!(certificate["due"], "2025-04-01");
    assert_eq!(certificate["status"], "pending");
    // Fri 14 (1), Mon 17 … Thu 20 (5), Wed 26 … Fri 28 (8), Mon 31 (9), Tue 1 April (10).
    assert_eq!(certificate["working_days_left"], 10);
}

#[test]
fn timeline_errors_name_the_file_and_the_problem() {
    let path = events_file(
        "unknown-step.json",
        &json!({"procedure": "changes", "events": {"change": "2025-01-10"}}),
    );
    let p = path.to_str().unwrap();
    assert_eq!(
        failure(&tekseru(&["calendar", "timeline", "--events", p, "--today", "2025-01-10"])),
        format!("tekseru: events file '{p}': event 'change' is not a step of procedure 'changes'; its steps are: change-made, changes-notified")
    );
    let path = events_file(
        "unknown-procedure.json",
        &json!({"procedure": "licensing", "events": {}}),
    );
    let p = path.to_str().unwrap();
    assert_eq!(
        failure(&tekseru(&["calendar", "timeline", "--events", p, "--today", "2025-01-10"])),
        format!("tekseru: events file '{p}': unknown procedure 'licensing'; known: accreditation, revocation, changes, complaint-to-provider, complaint-to-quality-body")
    );
    let path = events_file(
        "bad-date.json",
        &json!({"procedure": "changes", "events": {"change-made": "10.01.2025"}}),
    );
    let p = path.to_str().unwrap();
    assert_eq!(
        failure(&tekseru(&["calendar", "timeline", "--events", p, "--today", "2025-01-10"])),
        format!("tekseru: events file '{p}': event 'change-made' '10.01.2025' is not a date: expected YYYY-MM-DD")
    );
}

#[test]
fn timeline_text_flags_late_steps() {
    let path = events_file(
        "changes.json",
        &json!({"procedure": "changes", "events": {"change-made": "2025-01-10"}}),
    );
    let out = tekseru(&[
        "calendar",
        "timeline",
        "--events",
        path.to_str().unwrap(),
        "--today",
        "2025-02-03",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    // Fri 10 January 2025 + 10 WD: 13–17 (5), 20–24 (10) → Fri 24 January; on Mon 3
    // February it is overdue by 27, 28, 29, 30, 31 January and 3 February: 6 working days.
    assert!(
        text.starts_with("changes on 2025-02-03: late: changes-notified\n"),
        "{text}"
    );
    assert!(
        text.contains("overdue: due 2025-01-24, not recorded by 2025-02-03 (6 working days ago)"),
        "{text}"
    );
}
