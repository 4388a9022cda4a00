//! Worked examples counted by hand on a paper calendar, checked against the timeline.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::collections::BTreeMap;

use tekseru_calendar::timeline::{timeline, timeline_with, SetTerm, Status, Timeline};
use tekseru_calendar::{Calendar, Procedures};
use time::macros::date;
use time::Date;

fn run(procedure: &str, events: &[(&str, Date)], today: Date) -> Timeline {
    let cal = Calendar::embedded().unwrap();
    let procedure = Procedures::embedded().unwrap().get(procedure).unwrap();
    let events: BTreeMap<String, Date> =
        events.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    timeline(cal, procedure, &events, today).unwrap()
}

fn step<'a>(t: &'a Timeline, id: &str) -> &'a tekseru_calendar::timeline::StepTimeline {
    t.steps.iter().find(|s| s.id == id).unwrap()
}

/// March 2025, Kazakhstan:
///
/// ```text
///  Mo Tu We Th Fr Sa Su
///                 7  8  9     8 Sat: International Women's Day → day off moves to Mon 10
///  10 11 12 13 14 15 16       10: day off (moved)
///  17 18 19 20 21 22 23       21–23: Nauryz (Fri–Sun); Sat 22 → Mon 24, Sun 23 → Tue 25
///  24 25 26 27 28 29 30       24, 25: days off (moved)
///  31  1 (April)
/// ```
///
/// The application is registered on Friday 7 March, the day before the holiday. Terms count
/// from the next day (Civil Code of RK art. 170); working days after 7 March:
///
/// ```text
///  WD:  1=Tue 11  2=Wed 12  3=Thu 13  4=Fri 14  5=Mon 17  6=Tue 18  7=Wed 19  8=Thu 20
///       (Fri 21 … Tue 25 are days off)  9=Wed 26  10=Thu 27  11=Fri 28  12=Mon 31  13=Tue 1 Apr
/// ```
///
/// - completeness check, 2 WD from registration (§8): Wed 12 March.
/// - whole service, 13 WD from registration (Annex 1 item 4): Tue 1 April.
/// - the CA is notified on Wed 12; documentary check and on-site notice, 3 WD (§12 ¶1, ¶4):
///   Thu 13 (1), Fri 14 (2), Mon 17 (3) → Mon 17 March.
/// - on-site notice sent Mon 17; on-site check within 6 WD (§12 ¶5): Tue 18 (1), Wed 19 (2),
///   Thu 20 (3), [21–25 off], Wed 26 (4), Thu 27 (5), Fri 28 (6) → Fri 28 March.
/// - check ends and act adopted Thu 27; decision the next WD (§14): Fri 28 March. It is taken
///   on Mon 31: late by one working day.
/// - certificate 1 WD after the decision of Mon 31 (§15): Tue 1 April, and also no later than
///   the 13th WD: Tue 1 April. On Mon 31 March it has 1 working day left.
#[test]
fn accreditation_registered_on_the_friday_before_a_holiday() {
    let t = run(
        "accreditation",
        &[
            ("application-registered", date!(2025 - 03 - 07)),
            ("completeness-checked", date!(2025 - 03 - 12)),
            ("ca-notified", date!(2025 - 03 - 12)),
            ("commission-informed", date!(2025 - 03 - 12)),
            ("documentary-check-done", date!(2025 - 03 - 14)),
            ("onsite-notice", date!(2025 - 03 - 17)),
            ("onsite-check-done", date!(2025 - 03 - 27)),
            ("act-drawn-up", date!(2025 - 03 - 27)),
            ("act-adopted", date!(2025 - 03 - 27)),
            ("decision", date!(2025 - 03 - 31)),
        ],
        date!(2025 - 03 - 31),
    );
    let due = |id| step(&t, id).due;
    assert_eq!(due("completeness-checked"), Some(date!(2025 - 03 - 12)));
    assert_eq!(due("ca-notified"), Some(date!(2025 - 04 - 01)));
    assert_eq!(due("commission-informed"), Some(date!(2025 - 03 - 12)));
    assert_eq!(due("documentary-check-done"), Some(date!(2025 - 03 - 17)));
    assert_eq!(due("onsite-notice"), Some(date!(2025 - 03 - 17)));
    assert_eq!(due("onsite-check-done"), Some(date!(2025 - 03 - 28)));
    assert_eq!(due("act-drawn-up"), Some(date!(2025 - 03 - 27)));
    assert_eq!(due("act-adopted"), None, "§13 ¶4 sets no term");
    assert_eq!(due("decision"), Some(date!(2025 - 03 - 28)));
    assert_eq!(due("certificate-issued"), Some(date!(2025 - 04 - 01)));

    assert_eq!(t.late, vec!["decision".to_owned()]);
    let decision = step(&t, "decision");
    assert_eq!(decision.status, Status::DoneLate);
    assert_eq!(decision.late_by, Some(1));
    assert_eq!(
        decision.explanation,
        vec![
            "due 2025-03-28 (Friday): 1 working day after 'act-adopted' (2025-03-27) — 224/НҚ §14 ¶1 «актіні қабылдағаннан кейін келесі жұмыс күні ішінде»",
            "late: recorded on 2025-03-31, after the due date 2025-03-28 (1 working day late)",
        ]
    );
    let certificate = step(&t, "certificate-issued");
    assert_eq!(certificate.status, Status::Pending);
    assert_eq!(certificate.working_days_left, Some(1));
    assert_eq!(step(&t, "onsite-check-done").status, Status::Done);
}

/// Filed on Saturday 8 March 2025 (a holiday): accepted on the next working day, Tue 11
/// March (Mon 10 is the moved day off) — 224/НҚ §7 ¶2. Two working days from Tue 11: Wed 12
/// (1), Thu 13 (2). Thirteen: 12, 13, 14, 17, 18, 19, 20, 26, 27, 28, 31, 1 Apr, 2 Apr → Wed 2
/// April. Nothing else is recorded; on Fri 14 March the completeness check is overdue by one
/// working day.
#[test]
fn an_application_filed_on_a_holiday_counts_from_the_next_working_day() {
    let t = run(
        "accreditation",
        &[("application-registered", date!(2025 - 03 - 08))],
        date!(2025 - 03 - 14),
    );
    let registered = step(&t, "application-registered");
    assert_eq!(
        registered.explanation,
        vec!["recorded on 2025-03-08 (Saturday), a day off: 224/НҚ §7 ¶2 «демалыс және мереке күндері жүгінген кезде» — it is accepted on the next working day, 2025-03-11, and terms count from there"]
    );
    let completeness = step(&t, "completeness-checked");
    assert_eq!(completeness.due, Some(date!(2025 - 03 - 13)));
    assert_eq!(completeness.status, Status::Overdue);
    assert_eq!(completeness.working_days_left, Some(-1));
    assert_eq!(
        step(&t, "certificate-issued").due,
        Some(date!(2025 - 04 - 02))
    );
    assert_eq!(step(&t, "documentary-check-done").status, Status::Waiting);
    assert_eq!(
        t.late,
        vec!["completeness-checked".to_owned()],
        "ca-notified is bounded by the 13 WD only"
    );
}

/// Revocation, 2024. Complaint on Thu 2 May 2024. Days off: Wed 1 May (Unity Day), Tue 7
/// (Defender), Wed 8 (decree No. 109: in exchange Sat 4 May is a working day), Thu 9 (Victory).
/// Working days after Thu 2 May: Fri 3 (1), Sat 4 (2, worked by decree), Mon 6 (3) → the
/// explanations must be requested by Mon 6 May.
///
/// Recommendations received Mon 3 June 2024; remediation report at most 60 WD later. June:
/// 4–28 has 19 working days with Kurban Ait on Sunday 16 June (no move): 4,5,6,7 (4),
/// 10–14 (9), 17–21 (14), 24–28 (19); July: 1–5 (24), Sat 6 Capital Day → Mon 8 off, 9–12
/// (28), 15–19 (33), 22–26 (38), 29–31 (41); August: 1, 2 (43), 5–9 (48), 12–16 (53),
/// 19–23 (58), 26 (59), 27 (60) → Tue 27 August. Reported on time on Mon 26 August: the
/// follow-up request (§23 ¶2) is not needed.
#[test]
fn revocation_with_a_decree_saturday_and_a_sixty_day_term() {
    let t = run(
        "revocation",
        &[
            ("complaint-received", date!(2024 - 05 - 02)),
            ("explanation-requested", date!(2024 - 05 - 06)),
            ("recommendations-received", date!(2024 - 06 - 03)),
            ("remediation-reported", date!(2024 - 08 - 26)),
        ],
        date!(2024 - 09 - 02),
    );
    assert_eq!(
        step(&t, "explanation-requested").due,
        Some(date!(2024 - 05 - 06))
    );
    assert_eq!(step(&t, "explanation-requested").status, Status::Done);
    assert_eq!(
        step(&t, "remediation-reported").due,
        Some(date!(2024 - 08 - 27))
    );
    assert_eq!(step(&t, "follow-up-request").status, Status::NotNeeded);
    // explanation-received: 30 WD after Mon 6 May, not recorded: overdue by now.
    assert_eq!(step(&t, "explanation-received").status, Status::Overdue);
    assert_eq!(step(&t, "examination-notice").status, Status::NoTerm);
    assert_eq!(t.late, vec!["explanation-received".to_owned()]);
}

/// When the remediation report is missing, the follow-up request is due 2 WD after the
/// report's due date: Tue 27 August 2024 → Wed 28 (1), Thu 29 (2) → Thu 29 August.
#[test]
fn follow_up_request_counts_from_the_missed_due_date() {
    let t = run(
        "revocation",
        &[("recommendations-received", date!(2024 - 06 - 03))],
        date!(2024 - 08 - 28),
    );
    let follow = step(&t, "follow-up-request");
    assert_eq!(follow.due, Some(date!(2024 - 08 - 29)));
    assert_eq!(follow.status, Status::Pending);
    assert_eq!(follow.working_days_left, Some(1));
}

#[test]
fn an_unknown_step_is_an_error_listing_the_steps() {
    let cal = Calendar::embedded().unwrap();
    let procedure = Procedures::embedded().unwrap().get("changes").unwrap();
    let events = BTreeMap::from([("change".to_owned(), date!(2025 - 01 - 10))]);
    let err = timeline(cal, procedure, &events, date!(2025 - 01 - 10)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event 'change' is not a step of procedure 'changes'; its steps are: change-made, changes-notified"
    );
}

#[test]
fn a_date_recorded_in_the_future_or_before_its_anchor_is_pointed_out() {
    let t = run(
        "changes",
        &[
            ("change-made", date!(2025 - 01 - 10)),
            ("changes-notified", date!(2025 - 01 - 09)),
        ],
        date!(2025 - 01 - 08),
    );
    let notified = step(&t, "changes-notified");
    assert_eq!(
        notified.explanation,
        vec![
            "recorded on 2025-01-09, after today (2025-01-08): check the date",
            "due 2025-01-24 (Friday): 10 working days after 'change-made' (2025-01-10) — 224/НҚ §24 ¶1 «10 (он) жұмыс күні ішінде көрсетілетін қызметті берушіге»",
            "recorded on 2025-01-09, before the step it counts from (2025-01-10): check the dates",
        ]
    );
    assert_eq!(notified.basis.reference, "224/НҚ §24 ¶1");
}

fn run_with_term(events: &[(&str, Date)], term: SetTerm, today: Date) -> Timeline {
    let cal = Calendar::embedded().unwrap();
    let procedure = Procedures::embedded().unwrap().get("revocation").unwrap();
    let events: BTreeMap<String, Date> =
        events.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    let terms = BTreeMap::from([("recommendation".to_owned(), term)]);
    timeline_with(cal, procedure, &events, &terms, today).unwrap()
}

/// A recommendation of 20 WD received Mon 3 June 2024: 4–7 (4), 10–14 (9), 17–21 (14),
/// 24–28 (19), Mon 1 July (20) → the report is due Mon 1 July (§23 ¶1); the follow-up
/// request (§23 ¶2) 2 WD later: Tue 2 (1), Wed 3 (2) → Wed 3 July.
#[test]
fn the_follow_up_counts_from_the_recommendations_own_term() {
    let received = [("recommendations-received", date!(2024 - 06 - 03))];
    let own = SetTerm {
        working_days: 20,
        agreed: false,
    };
    let t = run_with_term(&received, own, date!(2024 - 06 - 10));
    let reported = step(&t, "remediation-reported");
    assert_eq!(reported.due, Some(date!(2024 - 07 - 01)));
    assert!(
        reported.explanation[0].contains("20 working days after 'recommendations-received'")
            && reported.explanation[0].contains("224/НҚ §23 ¶1"),
        "{:?}",
        reported.explanation
    );
    assert_eq!(
        step(&t, "follow-up-request").due,
        Some(date!(2024 - 07 - 03))
    );
}

/// An agreed term of 90 WD replaces it (§22 ¶8): 60 WD end Tue 27 August (above); then Wed 28
/// (61), Thu 29 (62), Fri 30 Constitution Day off, 2–6 Sep (67), 9–13 (72), 16–20 (77), 23–27
/// (82), Mon 30 (83), 1–4 Oct (87), 7 (88), 8 (89), Wed 9 October (90). Follow-up: Thu 10
/// (1), Fri 11 October (2).
#[test]
fn an_agreed_longer_term_replaces_the_recommendations_own() {
    let received = [("recommendations-received", date!(2024 - 06 - 03))];
    let agreed = SetTerm {
        working_days: 90,
        agreed: true,
    };
    let t = run_with_term(&received, agreed, date!(2024 - 06 - 10));
    let reported = step(&t, "remediation-reported");
    assert_eq!(reported.due, Some(date!(2024 - 10 - 09)));
    assert!(reported.explanation[0].contains("224/НҚ §22 ¶8"));
    assert_eq!(
        step(&t, "follow-up-request").due,
        Some(date!(2024 - 10 - 11))
    );
    // Without an agreement, no recommendation may set more than 60 WD (§21 ¶2).
    let cal = Calendar::embedded().unwrap();
    let procedure = Procedures::embedded().unwrap().get("revocation").unwrap();
    let events = BTreeMap::from([("recommendations-received".to_owned(), date!(2024 - 06 - 03))]);
    let too_long = BTreeMap::from([(
        "recommendation".to_owned(),
        SetTerm {
            working_days: 61,
            agreed: false,
        },
    )]);
    let err = timeline_with(cal, procedure, &events, &too_long, date!(2024 - 06 - 10)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "step 'remediation-reported': a term of 61 working days exceeds the 60 allowed by 224/НҚ §21 ¶2"
    );
}

/// The examination notice (§21 ¶5) is needed only when the explanation is missing after 30
/// WD, or the CA's disagreement with the violation is unjustified.
#[test]
fn the_examination_notice_follows_a_late_explanation_or_an_unjustified_disagreement() {
    let on_time = [
        ("complaint-received", date!(2024 - 05 - 02)),
        ("explanation-requested", date!(2024 - 05 - 06)),
        ("explanation-received", date!(2024 - 05 - 20)),
    ];
    let t = run("revocation", &on_time, date!(2024 - 06 - 03));
    assert_eq!(step(&t, "examination-notice").status, Status::NotNeeded);
    let mut disputed = on_time.to_vec();
    disputed.push(("disagreement-unjustified", date!(2024 - 05 - 24)));
    let t = run("revocation", &disputed, date!(2024 - 06 - 03));
    assert_eq!(step(&t, "examination-notice").status, Status::NoTerm);
    // The steps after the act: the CA's objections, the provider's reply, the decision.
    for id in [
        "objections-received",
        "objections-answered",
        "revocation-decision",
    ] {
        assert_eq!(step(&t, id).status, Status::NoTerm, "{id}");
    }
    let procedure = Procedures::embedded().unwrap().get("revocation").unwrap();
    let decision = procedure.step("revocation-decision").unwrap();
    assert_eq!(decision.basis.reference, "224/НҚ §22 ¶6");
    assert_eq!(decision.also[0].reference, "224/НҚ §23 ¶3");
}
