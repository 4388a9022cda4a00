//! The act's procedure as the commission lives it: render from the store, sign in turn,
//! see the quorum, refuse what would make a false act.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use tekseru_act::{Lang, Languages, Pkcs12Signer};
use tekseru_core::quorum::{RevocationMinimum, Settings};
use tekseru_core::{catalog, Bin, Iin, ItemKind, Roster, Verdict};
use tekseru_store::{AnswerChange, DetailChange, NewInspection, ProcedureEvent, Store};
use tekseru_testpki::{Alg, Root, PASSWORD};
use tekseru_workflow::{self as workflow, WorkflowError};
use time::OffsetDateTime;

/// A fixed "now" inside the test certificates' validity (2026-01-01 → 2027-12-31): no test
/// depends on the day it runs.
const NOW: OffsetDateTime = time::macros::datetime!(2026-11-20 12:00 UTC);

const CHAIR: &str = "810315400008";
const TECHREG: &str = "880722300007";
const KNB: &str = "791130400009";

fn roster() -> Roster {
    serde_json::from_value(serde_json::json!([
        {"name": "Әсел Жұмабаева", "iin": CHAIR, "role": "chair", "body": "committee"},
        {"name": "Дәурен Оспанов", "iin": TECHREG, "role": "member", "body": "techreg"},
        {"name": "Гүлнар Есенова", "iin": KNB, "role": "member", "body": "knb"}
    ]))
    .unwrap()
}

fn iin(text: &str) -> Iin {
    Iin::parse(text).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    id: String,
}

/// An accreditation inspection whose every item is decided: the ceiling is 2.31 m (fails,
/// under 2.44 m), the inventory is not applicable, the rest complies; one photo attached.
fn decided() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        Store::create(&dir.path().join("store"), "pass phrase", "Inspector", None).unwrap();
    let checklist = catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "ca-accreditation-onsite")
        .unwrap();
    let items: Vec<(String, ItemKind)> = checklist
        .items()
        .map(|(_, i)| (i.id.clone(), i.kind))
        .collect();
    let id = store
        .new_inspection(NewInspection {
            checklist,
            ca_name: "«Сенім» КО ЖШС".into(),
            bin: Bin::parse("050440001000").unwrap(),
            site: "Астана қ., Мәңгілік Ел, 55".into(),
            roster: roster(),
            training: false,
            settings: None,
        })
        .unwrap();
    for (item, kind) in items {
        let change = match (item.as_str(), kind) {
            ("server-room.ceiling-height", _) => AnswerChange {
                value: Some(Some(2.31)),
                note: Some(Some("ең төмен нүкте — желдеткіш қорабы".into())),
                ..AnswerChange::default()
            },
            (_, ItemKind::Measure) => AnswerChange {
                value: Some(Some(100.0)),
                ..AnswerChange::default()
            },
            (_, ItemKind::Inventory) => AnswerChange {
                verdict: Some(Some(Verdict::NotApplicable)),
                ..AnswerChange::default()
            },
            _ => AnswerChange {
                verdict: Some(Some(Verdict::Complies)),
                ..AnswerChange::default()
            },
        };
        store.answer(&id, &item, change).unwrap();
    }
    let photo = dir.path().join("ceiling.png");
    image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]))
        .save(&photo)
        .unwrap();
    store
        .add_evidence(
            &id,
            Some("server-room.ceiling-height"),
            &photo,
            &mut |_, _| true,
        )
        .unwrap();
    store
        .set_conclusions(
            &id,
            "",
            "Серверлік үй-жайдың төбесі талапқа сай емес.",
            Vec::new(),
        )
        .unwrap();
    Fixture {
        _dir: dir,
        store,
        id,
    }
}

fn render(f: &mut Fixture) -> workflow::Rendered {
    workflow::render(&mut f.store, &f.id, Languages::Both, NOW, &mut |_, _| true).unwrap()
}

fn signer(root: &Root, member: &str) -> Pkcs12Signer {
    Pkcs12Signer::open(&root.member(member, Alg::P256), PASSWORD).unwrap()
}

fn sign(f: &mut Fixture, root: &Root, member: &str) -> Result<workflow::Rendered, WorkflowError> {
    workflow::sign(
        &mut f.store,
        &f.id,
        &iin(member),
        &signer(root, member),
        NOW,
    )
}

#[test]
fn members_sign_in_turn_and_the_quorum_follows() {
    let mut f = decided();
    let root = Root::new("Test root CA");
    assert!(workflow::status(&f.store, &f.id).unwrap().is_none());

    let rendered = render(&mut f);
    let status = workflow::status(&f.store, &f.id).unwrap().unwrap();
    assert_eq!(status.revision, rendered.revision);
    assert!(status.pages >= 2, "{} pages", status.pages);
    assert!(status.signatures.is_empty());
    assert!(!status.quorum.adopted);

    // Without a trusted root, a valid signature does not count, and the reasons say why.
    sign(&mut f, &root, CHAIR).unwrap();
    sign(&mut f, &root, KNB).unwrap();
    let status = workflow::status(&f.store, &f.id).unwrap().unwrap();
    assert_eq!(status.signatures.len(), 2);
    assert!(status.signatures.iter().all(|s| s.valid && !s.trusted));
    assert!(!status.quorum.adopted);
    assert!(
        status
            .reasons
            .iter()
            .any(|r| r.contains("is not trusted at") && r.contains("(wrong root)")),
        "{:?}",
        status.reasons
    );

    // Trusting the root makes both count: 2 of 3 including the KNB representative.
    let added = workflow::add_trusted_root(
        &mut f.store,
        "root.pem",
        &root.pem(),
        time::macros::datetime!(2026-11-20 12:00 UTC),
    )
    .unwrap();
    assert_eq!(added, 1);
    assert_eq!(
        workflow::add_trusted_root(
            &mut f.store,
            "root.pem",
            &root.pem(),
            time::macros::datetime!(2026-11-20 12:00 UTC)
        )
        .unwrap(),
        0,
        "the same root is kept once"
    );
    let status = workflow::status(&f.store, &f.id).unwrap().unwrap();
    assert!(status.signatures.iter().all(|s| s.valid && s.trusted));
    assert!(status.quorum.adopted, "{:?}", status.quorum.reasons);
    assert!(status.ok);
    assert_eq!(status.trusted_roots, 1);
    assert!(status.roster_confirmed, "{:?}", status.reasons);
    assert_eq!(
        status.pages_shown,
        tekseru_act::Pages::Shown,
        "{:?}",
        status.reasons
    );

    // The store's audit trail still verifies with every revision in it.
    assert!(f.store.verify(&f.id).unwrap().intact());
}

#[test]
fn a_member_signs_once() {
    let mut f = decided();
    let root = Root::new("Test root CA");
    render(&mut f);
    sign(&mut f, &root, CHAIR).unwrap();
    let err = sign(&mut f, &root, CHAIR).unwrap_err();
    assert!(err.to_string().contains("already signed"), "{err}");
}

#[test]
fn the_act_lists_every_failing_item_as_a_violation() {
    let mut f = decided();
    let inspection = f.store.inspection(&f.id).unwrap();
    let data = workflow::act_data(
        &f.store,
        &inspection,
        &inspection.audit_head,
        &mut |_, _| true,
    )
    .unwrap();
    assert_eq!(data.findings.len(), 1, "{:?}", data.findings);
    let finding = data.findings[0].get(Lang::Ru);
    assert!(
        finding.contains("§12(15)") && finding.contains("2.31 m"),
        "{finding}"
    );
    assert!(
        finding.contains("желдеткіш"),
        "the inspector's note is kept: {finding}"
    );
    assert_eq!(data.photos.len(), 1);
    assert!(
        !data.photos[0].image.is_empty(),
        "the photo's thumbnail is embedded"
    );
    let ceiling = data
        .items
        .iter()
        .find(|i| i.id == "server-room.ceiling-height")
        .unwrap();
    assert_eq!(ceiling.verdict, Some(Verdict::Fails));
    assert_eq!(ceiling.evidence.len(), 1);
    assert_eq!(data.audit_head, inspection.audit_head);
    render(&mut f);
}

#[test]
fn a_change_after_rendering_must_be_rendered_again_before_signing() {
    let mut f = decided();
    let root = Root::new("Test root CA");
    render(&mut f);
    f.store
        .answer(
            &f.id,
            "server-room.ups",
            AnswerChange {
                note: Some(Some("батарея ескі".into())),
                ..AnswerChange::default()
            },
        )
        .unwrap();
    let status = workflow::status(&f.store, &f.id).unwrap().unwrap();
    assert_eq!(status.amendments, 1);
    assert!(!status.ok);
    let err = sign(&mut f, &root, CHAIR).unwrap_err();
    assert!(err.to_string().contains("render the act again"), "{err}");
    render(&mut f);
    sign(&mut f, &root, CHAIR).unwrap();
}

#[test]
fn an_act_with_undecided_items_is_not_signed() {
    let mut f = decided();
    let root = Root::new("Test root CA");
    f.store
        .answer(
            &f.id,
            "server-room.ups",
            AnswerChange {
                verdict: Some(None),
                ..AnswerChange::default()
            },
        )
        .unwrap();
    render(&mut f);
    let err = sign(&mut f, &root, CHAIR).unwrap_err();
    assert!(
        err.to_string()
            .contains("1 item(s) have no verdict yet (server-room.ups)"),
        "{err}"
    );
}

#[test]
fn rendering_again_never_silently_drops_signatures() {
    let mut f = decided();
    let root = Root::new("Test root CA");
    render(&mut f);
    sign(&mut f, &root, CHAIR).unwrap();
    let err = workflow::render(
        &mut f.store,
        &f.id,
        Languages::One(Lang::Kk),
        NOW,
        &mut |_, _| true,
    )
    .unwrap_err();
    assert!(err.to_string().contains("start the signing over"), "{err}");
    assert_eq!(
        workflow::status(&f.store, &f.id)
            .unwrap()
            .unwrap()
            .signatures
            .len(),
        1
    );
}

#[test]
fn cancelling_a_render_writes_nothing() {
    let mut f = decided();
    let before = f.store.inspection(&f.id).unwrap();
    let err =
        workflow::render(&mut f.store, &f.id, Languages::Both, NOW, &mut |_, _| false).unwrap_err();
    assert!(matches!(err, WorkflowError::Cancelled));
    let after = f.store.inspection(&f.id).unwrap();
    assert_eq!(after.audit_head, before.audit_head);
    assert!(after.acts.is_empty() && after.seal.is_none());
}

#[test]
fn a_dissenting_member_does_not_sign_and_the_notice_is_kept() {
    let mut f = decided();
    let root = Root::new("Test root CA");
    render(&mut f);
    let notice = workflow::dissent(
        &mut f.store,
        &f.id,
        &iin(TECHREG),
        "Биіктікті өлшеу әдісімен келіспеймін",
        Languages::Both,
        NOW,
    )
    .unwrap();
    assert!(notice.pdf.starts_with(b"%PDF-"));
    assert_eq!(notice.revision.kind, "dissent");
    let err = sign(&mut f, &root, TECHREG).unwrap_err();
    assert!(err.to_string().contains("recorded a dissent"), "{err}");
    // The act itself is still the one rendered: the dissent notice is not an act revision.
    let status = workflow::status(&f.store, &f.id).unwrap().unwrap();
    assert_eq!(status.revision.kind, "rendered");
}

#[test]
fn only_valid_root_certificates_are_trusted() {
    let mut f = decided();
    let err = workflow::add_trusted_root(
        &mut f.store,
        "junk.pem",
        b"not a certificate",
        time::macros::datetime!(2026-11-20 12:00 UTC),
    )
    .unwrap_err();
    assert!(err.to_string().contains("'junk.pem'"), "{err}");
    // A member's certificate is not a root.
    let root = Root::new("Test root CA");
    let p12 = openssl::pkcs12::Pkcs12::from_der(&root.member(CHAIR, Alg::P256))
        .unwrap()
        .parse2(PASSWORD)
        .unwrap();
    let member_pem = p12.cert.unwrap().to_pem().unwrap();
    let err = workflow::add_trusted_root(
        &mut f.store,
        "member.pem",
        &member_pem,
        time::macros::datetime!(2026-11-20 12:00 UTC),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("is not a root certificate"),
        "{err}"
    );
    assert!(workflow::trusted_roots(&f.store).unwrap().is_empty());
}

#[test]
fn the_timeline_counts_from_the_recorded_dates() {
    let mut f = decided();
    f.store
        .record_event(
            &f.id,
            ProcedureEvent {
                step: "application-registered".into(),
                date: time::macros::date!(2025 - 03 - 07),
            },
        )
        .unwrap();
    let inspection = f.store.inspection(&f.id).unwrap();
    assert_eq!(workflow::procedure_of(&inspection), "accreditation");
    let timeline = workflow::timeline(&inspection, time::macros::date!(2025 - 03 - 07)).unwrap();
    let registered = timeline
        .steps
        .iter()
        .find(|s| s.id == "application-registered")
        .unwrap();
    assert_eq!(
        registered.recorded,
        Some(time::macros::date!(2025 - 03 - 07))
    );
    assert!(timeline.steps.iter().any(|s| s.due.is_some()));
}

#[test]
fn a_step_the_procedure_does_not_have_is_refused() {
    let mut f = decided();
    let err = workflow::record_event(
        &mut f.store,
        &f.id,
        "complaint-received",
        time::macros::date!(2026 - 01 - 05),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("'complaint-received' is not a step of the accreditation procedure"),
        "{err}"
    );
    workflow::record_event(
        &mut f.store,
        &f.id,
        "onsite-check-done",
        time::macros::date!(2026 - 01 - 05),
    )
    .unwrap();
    let inspection = f.store.inspection(&f.id).unwrap();
    let data = workflow::act_data(
        &f.store,
        &inspection,
        &inspection.audit_head,
        &mut |_, _| true,
    )
    .unwrap();
    assert_eq!(
        data.end,
        time::macros::date!(2026 - 01 - 05),
        "the act is dated the last day on site"
    );
}

#[test]
fn unbonded_equipment_with_a_two_centimetre_conduit_fails_the_inspection() {
    let mut f = decided();
    // 224/НҚ §12(15) ¶5 asks for both: a bond to the building's main grounding electrode and
    // a conduit of at least 1.5 cm. A wide conduit does not make up for a missing bond.
    f.store
        .answer(
            &f.id,
            "server-room.grounding-bond",
            AnswerChange {
                verdict: Some(Some(Verdict::Fails)),
                note: Some(Some("негізгі электродқа қосылмаған".into())),
                ..AnswerChange::default()
            },
        )
        .unwrap();
    let conduit = f
        .store
        .answer(
            &f.id,
            "server-room.grounding-conduit",
            AnswerChange {
                value: Some(Some(2.0)),
                ..AnswerChange::default()
            },
        )
        .unwrap();
    assert_eq!(conduit.verdict, Some(Verdict::Complies), "2 cm ≥ 1.5 cm");
    let inspection = f.store.inspection(&f.id).unwrap();
    assert_eq!(inspection.summary().failing, 2, "the ceiling and the bond");
    let data = workflow::act_data(
        &f.store,
        &inspection,
        &inspection.audit_head,
        &mut |_, _| true,
    )
    .unwrap();
    let bond: Vec<&str> = data
        .findings
        .iter()
        .map(|f| f.get(Lang::Ru))
        .filter(|f| f.contains("§12(15) ¶5"))
        .collect();
    assert_eq!(bond.len(), 1, "{:?}", data.findings);
    assert!(bond[0].contains("основному электроду"), "{}", bond[0]);
}

fn revocation() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        Store::create(&dir.path().join("store"), "pass phrase", "Inspector", None).unwrap();
    let checklist = catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "ca-revocation-examination")
        .unwrap();
    let id = store
        .new_inspection(NewInspection {
            checklist,
            ca_name: "«Сенім» КО ЖШС".into(),
            bin: Bin::parse("050440001000").unwrap(),
            site: "Астана қ., Мәңгілік Ел, 55".into(),
            roster: roster(),
            training: false,
            settings: None,
        })
        .unwrap();
    Fixture {
        _dir: dir,
        store,
        id,
    }
}

/// Opens the store's database directly, with its key and page settings, as someone with the
/// passphrase but without tekseru would (to inject a failure).
fn raw(dir: &std::path::Path) -> rusqlite::Connection {
    let header: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("store.toml")).unwrap()).unwrap();
    let salt = header["salt"].as_str().unwrap();
    let salt: Vec<u8> = (0..salt.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(salt.get(i..i + 2).unwrap(), 16).unwrap())
        .collect();
    let params = argon2::Params::new(19 * 1024, 2, 1, Some(32)).unwrap();
    let mut key = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(b"pass phrase", &salt, &mut key)
        .unwrap();
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let conn = rusqlite::Connection::open(dir.join("tekseru.db")).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{hex}'\"; PRAGMA cipher_page_size = {}; PRAGMA cipher_hmac_algorithm = {};",
        header["page_size"],
        header["hmac"].as_str().unwrap()
    ))
    .unwrap();
    conn
}

fn note(text: &str) -> AnswerChange {
    AnswerChange {
        note: Some(Some(text.into())),
        ..AnswerChange::default()
    }
}

#[test]
fn each_recommendation_counts_its_own_term_and_an_agreed_one_replaces_it() {
    let mut f = revocation();
    workflow::recommend(&mut f.store, &f.id, "Журналды тігу", 20, None).unwrap();
    workflow::recommend(&mut f.store, &f.id, "Резервтік АБК орнату", 30, Some(90)).unwrap();
    workflow::record_event(
        &mut f.store,
        &f.id,
        "recommendations-received",
        time::macros::date!(2024 - 06 - 03),
    )
    .unwrap();
    let inspection = f.store.inspection(&f.id).unwrap();
    let today = time::macros::date!(2024 - 06 - 10);
    let plan = workflow::remediation(&inspection).unwrap();
    assert!(
        plan[0].explanation[0].contains("224/НҚ §23 ¶1"),
        "{:?}",
        plan[0].explanation
    );
    // 20 WD from Mon 3 June 2024: Mon 1 July; the §23 ¶2 follow-up 2 WD later, Wed 3 July.
    assert_eq!(
        (
            plan[0].counted_term,
            plan[0].report_due,
            plan[0].follow_up_due
        ),
        (
            20,
            Some(time::macros::date!(2024 - 07 - 01)),
            Some(time::macros::date!(2024 - 07 - 03))
        )
    );
    // The agreed 90 WD replace the recommendation's 30: Wed 9 October, follow-up Fri 11.
    assert_eq!(
        (plan[1].term, plan[1].agreed_term, plan[1].counted_term),
        (Some(30), Some(90), 90)
    );
    assert_eq!(
        plan[1].report_due,
        Some(time::macros::date!(2024 - 10 - 09))
    );
    assert_eq!(
        plan[1].follow_up_due,
        Some(time::macros::date!(2024 - 10 - 11))
    );
    // The procedure's own timeline waits for the first report due.
    let timeline = workflow::timeline(&inspection, today).unwrap();
    let reported = timeline
        .steps
        .iter()
        .find(|s| s.id == "remediation-reported")
        .unwrap();
    assert_eq!(reported.due, Some(time::macros::date!(2024 - 07 - 01)));
    // The act prints the term counted, and its last day.
    let data = workflow::act_data(
        &f.store,
        &inspection,
        &inspection.audit_head,
        &mut |_, _| true,
    )
    .unwrap();
    assert_eq!(
        data.recommendations[0].text.ru,
        "Журналды тігу — в течение 20 рабочих дней"
    );
    assert_eq!(
        data.recommendations[1].text.ru,
        "Резервтік АБК орнату — срок, определённый по соглашению: в течение 90 рабочих дней, вместо установленных рекомендацией 30 рабочих дней (224/НҚ §22 ¶8)"
    );
    assert_eq!(
        data.recommendations[1].deadline,
        Some(time::macros::date!(2024 - 10 - 09))
    );
}

#[test]
fn a_revocation_act_without_violations_carries_the_checklists_mark() {
    let f = revocation();
    let inspection = f.store.inspection(&f.id).unwrap();
    let data = workflow::act_data(
        &f.store,
        &inspection,
        &inspection.audit_head,
        &mut |_, _| true,
    )
    .unwrap();
    let mark = &inspection
        .checklist
        .procedure
        .as_ref()
        .unwrap()
        .no_violations_mark
        .as_ref()
        .unwrap()
        .text;
    let printed = data.no_violations_mark.as_ref().unwrap();
    assert_eq!((&printed.kk, &printed.ru), (&mark.kk, &mark.ru));
    let wording = data.basis.wording.as_ref().expect("the wording applied");
    assert!(wording.ru.contains("2022"), "{}", wording.ru);
}

#[test]
fn a_failure_between_sealing_and_keeping_the_act_leaves_nothing_half_done() {
    let mut f = decided();
    let root = Root::new("Test root CA");
    render(&mut f);
    f.store
        .answer(&f.id, "server-room.ups", note("батарея ескі"))
        .unwrap();
    let before = f.store.inspection(&f.id).unwrap();
    assert_eq!(before.amendments, 1);
    // The process dies once the act is rendered, while it is being kept: the database refuses
    // the act's row, as a kill at that point would leave it.
    raw(f.store.dir())
        .execute_batch(
            "CREATE TRIGGER die BEFORE INSERT ON act \
             BEGIN SELECT RAISE(ABORT, 'killed while keeping the act'); END;",
        )
        .unwrap();
    let err =
        workflow::render(&mut f.store, &f.id, Languages::Both, NOW, &mut |_, _| true).unwrap_err();
    assert!(
        err.to_string().contains("killed while keeping the act"),
        "{err}"
    );
    let after = f.store.inspection(&f.id).unwrap();
    assert_eq!(after.audit_head, before.audit_head, "nothing was written");
    assert_eq!(after.seal, before.seal);
    assert_eq!(after.acts, before.acts);
    assert_eq!(
        after.amendments, 1,
        "the older act still does not show the inspection"
    );
    let err = sign(&mut f, &root, CHAIR).unwrap_err();
    assert!(err.to_string().contains("render the act again"), "{err}");
    raw(f.store.dir())
        .execute_batch("DROP TRIGGER die")
        .unwrap();
    render(&mut f);
    sign(&mut f, &root, CHAIR).unwrap();
    assert!(f.store.verify(&f.id).unwrap().intact());
}

#[test]
fn a_second_writer_during_rendering_leaves_no_stale_act_to_sign() {
    let mut f = decided();
    let root = Root::new("Test root CA");
    let first = render(&mut f);
    f.store
        .answer(&f.id, "server-room.ups", note("батарея ескі"))
        .unwrap();
    // The CLI, beside the app, changes the inspection while the app renders its act.
    let mut other = Store::open(f.store.dir(), "pass phrase").unwrap();
    let id = f.id.clone();
    let mut written = false;
    let err = workflow::render(&mut f.store, &f.id, Languages::Both, NOW, &mut |_, _| {
        if !written {
            written = true;
            other
                .answer(&id, "server-room.ups", note("батарея жаңа"))
                .unwrap();
        }
        true
    })
    .unwrap_err();
    assert!(written);
    assert!(
        err.to_string()
            .contains("the inspection changed while the act was being rendered"),
        "{err}"
    );
    let after = f.store.inspection(&f.id).unwrap();
    assert_eq!(after.acts.len(), 1, "no act was kept");
    assert_eq!(after.acts[0], first.revision);
    assert_eq!(after.amendments, 2, "the stored act shows neither change");
    assert_ne!(
        after.seal.as_ref().map(|s| &s.head),
        Some(&after.audit_head)
    );
    let err = sign(&mut f, &root, CHAIR).unwrap_err();
    assert!(err.to_string().contains("render the act again"), "{err}");
    assert!(f.store.verify(&f.id).unwrap().intact());
    // Rendered again, the act shows both changes and is signed.
    let again = render(&mut f);
    sign(&mut f, &root, CHAIR).unwrap();
    assert_ne!(again.revision.sha256, first.revision.sha256);
}

/// A member's key that, while it signs, lets another writer change the inspection (the
/// command line beside the app).
struct SignsWhileAnotherWrites {
    key: Pkcs12Signer,
    other: std::cell::RefCell<Store>,
    id: String,
}

impl tekseru_act::Signer for SignsWhileAnotherWrites {
    fn certificate(&self) -> Option<&tekseru_act::eds::certificate::Certificate> {
        self.key.certificate()
    }

    fn sign_detached(
        &self,
        parts: &[&[u8]],
        at: time::OffsetDateTime,
    ) -> Result<Vec<u8>, tekseru_act::ActError> {
        self.other
            .borrow_mut()
            .answer(&self.id, "server-room.ups", note("батарея жаңа"))
            .unwrap();
        self.key.sign_detached(parts, at)
    }
}

#[test]
fn a_signature_made_while_another_writer_changes_the_inspection_is_not_kept() {
    let mut f = decided();
    let root = Root::new("Test root CA");
    render(&mut f);
    let signer = SignsWhileAnotherWrites {
        key: signer(&root, CHAIR),
        other: std::cell::RefCell::new(Store::open(f.store.dir(), "pass phrase").unwrap()),
        id: f.id.clone(),
    };
    let err = workflow::sign(&mut f.store, &f.id, &iin(CHAIR), &signer, NOW).unwrap_err();
    assert!(
        err.to_string()
            .contains("the inspection changed while the act was being signed"),
        "{err}"
    );
    let after = f.store.inspection(&f.id).unwrap();
    assert_eq!(
        after.acts.len(),
        1,
        "no signed revision of the older act was kept"
    );
    assert_eq!(after.amendments, 1);
    assert!(f.store.verify(&f.id).unwrap().intact());
    render(&mut f);
    sign(&mut f, &root, CHAIR).unwrap();
}

#[test]
fn an_act_without_conclusions_is_not_signed() {
    let mut f = decided();
    let root = Root::new("Test root CA");
    f.store
        .set_conclusions(&f.id, "", "  ", Vec::new())
        .unwrap();
    render(&mut f);
    let err = sign(&mut f, &root, CHAIR).unwrap_err();
    assert!(
        err.to_string()
            .contains("the act states no conclusions, and 224/НҚ §13 ¶1 asks it to"),
        "{err}"
    );
}

#[test]
fn the_actual_state_is_not_a_violation_and_written_violations_are() {
    let mut f = revocation();
    f.store
        .set_conclusions(
            &f.id,
            "Серверлік үй-жай таза, журнал жүргізіледі.",
            "Бұзушылық жоқ.",
            Vec::new(),
        )
        .unwrap();
    let inspection = f.store.inspection(&f.id).unwrap();
    let data = workflow::act_data(
        &f.store,
        &inspection,
        &inspection.audit_head,
        &mut |_, _| true,
    )
    .unwrap();
    assert!(data.findings.is_empty(), "{:?}", data.findings);
    assert_eq!(data.actual_state.len(), 1);
    assert!(data.no_violations_mark.is_some());

    f.store
        .set_detail(
            &f.id,
            DetailChange::AddViolation("Пайдаланушыларға хабарланбаған".into()),
        )
        .unwrap();
    let inspection = f.store.inspection(&f.id).unwrap();
    let data = workflow::act_data(
        &f.store,
        &inspection,
        &inspection.audit_head,
        &mut |_, _| true,
    )
    .unwrap();
    assert_eq!(data.findings.len(), 1);
    assert_eq!(data.findings[0].kk, "Пайдаланушыларға хабарланбаған");
    assert!(f.store.verify(&f.id).unwrap().intact());
}

/// An inspection made with settings other than the defaults: the act carries them, and
/// verification counts by them.
#[test]
fn settings_chosen_at_creation_reach_the_act_and_its_verification() {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        Store::create(&dir.path().join("store"), "pass phrase", "Inspector", None).unwrap();
    let checklist = catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "ca-accreditation-onsite")
        .unwrap();
    let items: Vec<(String, ItemKind)> = checklist
        .items()
        .map(|(_, i)| (i.id.clone(), i.kind))
        .collect();
    let settings = Settings {
        secretary_counts_in_accreditation: false,
        revocation_minimum: RevocationMinimum::MembersOnly,
        late_signatures_count: true,
        every_knb_member_signs: true,
    };
    let mut members = roster();
    members.members.push(
        serde_json::from_value(serde_json::json!(
            {"name": "Айгүл Мұқанова", "iin": "870925400005", "role": "secretary", "body": "committee"}
        ))
        .unwrap(),
    );
    let id = store
        .new_inspection(NewInspection {
            checklist,
            ca_name: "«Сенім» КО ЖШС".into(),
            bin: Bin::parse("050440001000").unwrap(),
            site: "Астана қ., Мәңгілік Ел, 55".into(),
            roster: members,
            settings: Some(settings),
            training: false,
        })
        .unwrap();
    for (item, kind) in items {
        let change = match kind {
            ItemKind::Measure => AnswerChange {
                value: Some(Some(100.0)),
                ..AnswerChange::default()
            },
            ItemKind::Inventory => AnswerChange {
                verdict: Some(Some(Verdict::NotApplicable)),
                ..AnswerChange::default()
            },
            _ => AnswerChange {
                verdict: Some(Some(Verdict::Complies)),
                ..AnswerChange::default()
            },
        };
        store.answer(&id, &item, change).unwrap();
    }
    store
        .set_conclusions(&id, "", "Талаптарға сәйкес.", Vec::new())
        .unwrap();
    assert_eq!(store.inspection(&id).unwrap().settings, settings);
    let mut f = Fixture {
        _dir: dir,
        store,
        id,
    };
    let rendered = render(&mut f);
    let root = Root::new("Test root CA");
    workflow::add_trusted_root(
        &mut f.store,
        "root.pem",
        &root.pem(),
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    for member in [CHAIR, TECHREG, KNB, "870925400005"] {
        sign(&mut f, &root, member).unwrap();
    }
    let status = workflow::status(&f.store, &f.id).unwrap().unwrap();
    assert_eq!(status.quorum.settings, settings);
    // The secretary is neither counted nor in the denominator: 3 of 3.
    assert!(status.quorum.adopted, "{:?}", status.quorum.reasons);
    assert_eq!((status.quorum.signed, status.quorum.required), (3, 2));
    assert!(status
        .quorum
        .reasons
        .iter()
        .any(|r| r.contains("setting secretary_counts_in_accreditation = false")));
    assert!(rendered.pdf.starts_with(b"%PDF-"));
}

#[test]
fn the_acts_details_are_printed_from_the_store() {
    let mut f = decided();
    let d = time::macros::date!(2026 - 11 - 12);
    for change in [
        DetailChange::CommissionOrder("312/НҚ".into()),
        DetailChange::CommissionOrderDate(Some(d)),
        DetailChange::ActNumber("КО-17/2026".into()),
        DetailChange::LegalAddress("Астана қ., Мәңгілік Ел, 55".into()),
        DetailChange::Present(vec!["Б. Ахметов, техникалық директор".into()]),
        DetailChange::OnsiteStart(Some(time::macros::date!(2026 - 11 - 18))),
    ] {
        f.store.set_detail(&f.id, change).unwrap();
    }
    let err = f
        .store
        .set_detail(&f.id, DetailChange::Subject("шағым".into()))
        .unwrap_err();
    assert!(
        err.to_string().contains("only in the revocation procedure"),
        "{err}"
    );
    workflow::record_event(
        &mut f.store,
        &f.id,
        "onsite-check-done",
        time::macros::date!(2026 - 11 - 20),
    )
    .unwrap();
    workflow::record_event(
        &mut f.store,
        &f.id,
        "onsite-notice",
        time::macros::date!(2026 - 11 - 13),
    )
    .unwrap();
    let inspection = f.store.inspection(&f.id).unwrap();
    let data = workflow::act_data(
        &f.store,
        &inspection,
        &inspection.audit_head,
        &mut |_, _| true,
    )
    .unwrap();
    assert_eq!(data.act_number, "КО-17/2026");
    assert_eq!(data.basis.commission_order.as_deref(), Some("312/НҚ"));
    assert_eq!(data.basis.commission_order_date, Some(d));
    assert_eq!(data.start, Some(time::macros::date!(2026 - 11 - 18)));
    assert_eq!(data.site.representatives.len(), 1);
    assert_eq!(data.basis.notices.len(), 1);
    assert_eq!(data.basis.notices[0].reference, "224/НҚ §12 ¶4");
    assert_eq!(data.basis.source_registration.as_deref(), Some("20815"));
    assert!(f.store.verify(&f.id).unwrap().intact());
}

/// The manifest attached to an act.
fn manifest(pdf: &[u8]) -> tekseru_act::ActData {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let stream = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .find(|s| {
            s.dict.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"EmbeddedFile".as_slice())
        })
        .unwrap();
    let json = stream.decompressed_content().unwrap();
    tekseru_act::ActData::from_json(std::str::from_utf8(&json).unwrap()).unwrap()
}

/// An act that lists a commission of its own making, kept as the store's latest revision, is
/// not the inspection's act, however well it is signed.
#[test]
fn an_act_listing_another_commission_is_not_the_inspections() {
    let mut f = decided();
    let root = Root::new("Test root CA");
    workflow::add_trusted_root(&mut f.store, "root.pem", &root.pem(), NOW).unwrap();
    let rendered = render(&mut f);
    let mut data = manifest(&rendered.pdf);
    // The KNB seat given to someone else, whose key the forger holds.
    const STRANGER: &str = "900101300007";
    for m in &mut data.roster.members {
        if m.iin.to_string() == KNB {
            m.iin = iin(STRANGER);
        }
    }
    let options = tekseru_act::RenderOptions {
        languages: Languages::Both,
        created: NOW,
    };
    let mut pdf = tekseru_act::render_act(&data, &options).unwrap();
    for member in [CHAIR, STRANGER] {
        pdf = tekseru_act::sign(&pdf, &iin(member), &signer(&root, member), NOW).unwrap();
    }
    let alone = tekseru_act::verify(
        &pdf,
        &tekseru_act::VerifyOptions {
            trust: workflow::trusted_roots(&f.store).unwrap(),
            ..tekseru_act::VerifyOptions::default()
        },
    )
    .unwrap();
    assert!(
        alone.ok && !alone.roster_confirmed,
        "by its own say-so it is adopted: {:?}",
        alone.reasons
    );
    let head = f.store.inspection(&f.id).unwrap().audit_head;
    f.store
        .store_act(&f.id, &head, &pdf, "signed", Some(iin(STRANGER)))
        .unwrap();
    let status = workflow::status(&f.store, &f.id).unwrap().unwrap();
    assert!(!status.ok);
    assert!(!status.roster_confirmed);
    assert!(
        status
            .reasons
            .iter()
            .any(|r| r.starts_with("the act's roster is not the inspection's")),
        "{:?}",
        status.reasons
    );
}
