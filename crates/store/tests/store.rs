//! The store as its users meet it: create, unlock, record, attach, verify, tamper.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::path::Path;

use rusqlite::Connection;
use tekseru_core::{catalog, Bin, Iin, Roster, Verdict};
use tekseru_store::{AnswerChange, InventoryRow, NewInspection, Recommendation, Store, StoreError};

const PASS: &str = "correct horse battery staple";

fn roster() -> Roster {
    serde_json::from_str(
        r#"[
        {"name":"Әсел Жұмабаева","iin":"810315400008","role":"chair","body":"committee"},
        {"name":"Гүлнар Есенова","iin":"791130400009","role":"member","body":"techreg"},
        {"name":"Ерлан Қасымов","iin":"850214300001","role":"member","body":"knb"}
    ]"#,
    )
    .unwrap()
}

fn new_inspection(store: &mut Store, checklist: &str) -> String {
    let checklist = catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == checklist)
        .unwrap();
    store
        .new_inspection(NewInspection {
            checklist,
            ca_name: "«Сенім» КО".into(),
            bin: Bin::parse("050440001000").unwrap(),
            site: "Астана".into(),
            roster: roster(),
            training: false,
            settings: None,
        })
        .unwrap()
}

fn verdict(v: Verdict) -> AnswerChange {
    AnswerChange {
        verdict: Some(Some(v)),
        ..AnswerChange::default()
    }
}

fn value(v: f64) -> AnswerChange {
    AnswerChange {
        value: Some(Some(v)),
        ..AnswerChange::default()
    }
}

/// The store's raw database key as SQLCipher's literal `x'…'`, derived as tekseru does.
fn key_literal(dir: &Path) -> String {
    let header: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("store.toml")).unwrap()).unwrap();
    let salt = header["salt"].as_str().unwrap();
    let salt: Vec<u8> = (0..salt.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&salt[i..i + 2], 16).unwrap())
        .collect();
    let params = argon2::Params::new(19 * 1024, 2, 1, Some(32)).unwrap();
    let mut key = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(PASS.as_bytes(), &salt, &mut key)
        .unwrap();
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    format!("\"x'{hex}'\"")
}

/// Opens the database file directly with the store's key and page settings, as someone with
/// the passphrase but without tekseru would.
fn raw(dir: &Path) -> Connection {
    let header: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("store.toml")).unwrap()).unwrap();
    let conn = Connection::open(dir.join("tekseru.db")).unwrap();
    conn.execute_batch(&format!("PRAGMA key = {};", key_literal(dir)))
        .unwrap();
    if let (Some(size), Some(hmac)) = (header.get("page_size"), header.get("hmac")) {
        conn.execute_batch(&format!(
            "PRAGMA cipher_page_size = {size}; PRAGMA cipher_hmac_algorithm = {};",
            hmac.as_str().unwrap()
        ))
        .unwrap();
    }
    conn
}

#[test]
fn a_wrong_passphrase_is_refused_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    new_inspection(&mut store, "ca-accreditation-onsite");
    drop(store);
    let before = std::fs::read(dir.path().join("tekseru.db")).unwrap();
    let err = Store::open(dir.path(), "wrong").unwrap_err();
    assert!(matches!(err, StoreError::WrongPassphrase(_)));
    assert_eq!(
        err.to_string(),
        format!(
            "wrong passphrase for the store in '{}' (nothing was changed)",
            dir.path().display()
        )
    );
    assert_eq!(
        std::fs::read(dir.path().join("tekseru.db")).unwrap(),
        before
    );
    let store = Store::open(dir.path(), PASS).unwrap();
    assert_eq!(store.inspections().unwrap().len(), 1);
    assert_eq!(store.inspector().name, "Inspector");
}

#[test]
fn the_database_file_is_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    new_inspection(&mut store, "ca-accreditation-onsite");
    drop(store);
    let bytes = std::fs::read(dir.path().join("tekseru.db")).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    let needle = "Сенім".as_bytes();
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
}

#[test]
fn a_measurement_takes_its_verdict_from_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    let a = store
        .answer(&id, "server-room.ceiling-height", value(2.31))
        .unwrap();
    assert_eq!(a.verdict, Some(Verdict::Fails));
    let a = store
        .answer(&id, "server-room.ceiling-height", value(2.44))
        .unwrap();
    assert_eq!(a.verdict, Some(Verdict::Complies));
    let err = store
        .answer(
            &id,
            "server-room.ceiling-height",
            verdict(Verdict::Complies),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "item 'server-room.ceiling-height' is a measure item: its verdict follows from its value; only 'na' can be set by hand"
    );
    let err = store
        .answer(&id, "server-room.ups", value(1.0))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "item 'server-room.ups' is a check item; only measure items take a value"
    );
    let err = store
        .answer(&id, "no.such-item", verdict(Verdict::Fails))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "checklist ca-accreditation-onsite 2026.2 has no item 'no.such-item'"
    );
    // A note alone keeps the verdict.
    let a = store
        .answer(
            &id,
            "server-room.ceiling-height",
            AnswerChange {
                note: Some(Some(" под вентиляцией ".into())),
                ..AnswerChange::default()
            },
        )
        .unwrap();
    assert_eq!(
        (a.verdict, a.value, a.note.as_deref()),
        (Some(Verdict::Complies), Some(2.44), Some("под вентиляцией"))
    );
    let summary = &store.inspections().unwrap()[0];
    assert_eq!(
        (summary.answered, summary.total, summary.failing),
        (1, 26, 0)
    );
}

#[test]
fn an_inventory_complies_only_when_everything_declared_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    let row = |role: &str, found: bool| InventoryRow {
        id: String::new(),
        kind: "server".into(),
        role: role.into(),
        serial: "SN-1".into(),
        model: "R740".into(),
        manufacturer: "Dell".into(),
        location: "Rack 3".into(),
        declared: true,
        found,
    };
    let rows = |r: Vec<InventoryRow>| AnswerChange {
        inventory: Some(Some(r)),
        ..AnswerChange::default()
    };
    let item = "conformity.equipment-inventory";
    assert_eq!(
        store
            .answer(
                &id,
                item,
                rows(vec![row("main", true), row("backup", true)])
            )
            .unwrap()
            .verdict,
        Some(Verdict::Complies)
    );
    assert_eq!(
        store
            .answer(
                &id,
                item,
                rows(vec![row("main", true), row("backup", false)])
            )
            .unwrap()
            .verdict,
        Some(Verdict::Fails)
    );
    let mut odd = row("main", true);
    odd.kind = "router".into();
    let err = store.answer(&id, item, rows(vec![odd])).unwrap_err();
    assert!(err.to_string().contains("a row of kind 'router'"), "{err}");
}

#[test]
fn evidence_is_stored_once_and_comes_back_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let path = files.path().join("журнал.bin");
    std::fs::write(&path, &content).unwrap();
    let mut calls = 0;
    let a = store
        .add_evidence(&id, Some("server-room.work-log"), &path, &mut |_, _| {
            calls += 1;
            true
        })
        .unwrap();
    assert!(calls >= 3);
    let b = store
        .add_evidence(&id, Some("server-room.ups"), &path, &mut |_, _| true)
        .unwrap();
    let again = store
        .add_evidence(&id, Some("server-room.ups"), &path, &mut |_, _| true)
        .unwrap();
    assert_eq!(a.sha256, b.sha256);
    assert_eq!(again, b);
    assert_eq!(a.name, "журнал.bin");
    assert_eq!(a.bytes, 3_000_000);
    let inspection = store.inspection(&id).unwrap();
    assert_eq!(inspection.evidence.len(), 2);
    assert_eq!(
        store.evidence_of_item(&id, "server-room.ups").unwrap(),
        vec![b.clone()]
    );
    let blobs: i64 = raw(dir.path())
        .query_row("SELECT count(*) FROM blob", [], |r| r.get(0))
        .unwrap();
    assert_eq!(blobs, 1);
    let mut out = Vec::new();
    assert_eq!(
        store.export_evidence(&id, &a.sha256, &mut out).unwrap(),
        3_000_000
    );
    assert_eq!(out, content);
    let err = store
        .export_evidence(&id, &"0".repeat(64), &mut Vec::new())
        .unwrap_err();
    assert!(matches!(err, StoreError::NoEvidence { .. }));
}

#[test]
fn a_cancelled_import_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    let path = files.path().join("video.mp4");
    std::fs::write(&path, vec![1u8; 5 << 20]).unwrap();
    let mut seen = 0;
    let err = store
        .add_evidence(&id, None, &path, &mut |done, total| {
            seen += 1;
            done < total * 3 / 4
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Cancelled));
    assert!(seen > 1);
    assert!(store.inspection(&id).unwrap().evidence.is_empty());
    let chunks: i64 = raw(dir.path())
        .query_row("SELECT count(*) FROM chunk", [], |r| r.get(0))
        .unwrap();
    assert_eq!(chunks, 0);
    assert!(store.verify(&id).unwrap().intact());
}

#[test]
fn recommendations_respect_the_procedures_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-revocation-examination");
    let rec = |d| {
        vec![Recommendation {
            text: "Журналды тігу".into(),
            deadline_working_days: Some(d),
            agreed_working_days: None,
        }]
    };
    store.set_conclusions(&id, "f", "c", rec(60)).unwrap();
    let err = store.set_conclusions(&id, "f", "c", rec(61)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "recommendation 1: a deadline of 61 working days exceeds the 60 allowed by 224/НҚ §21 ¶2"
    );
    assert_eq!(store.inspection(&id).unwrap().recommendations, rec(60));
}

#[test]
fn an_agreed_longer_term_is_kept_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-revocation-examination");
    let rec = |own, agreed| {
        vec![Recommendation {
            text: "Резервтік АБК орнату".into(),
            deadline_working_days: own,
            agreed_working_days: agreed,
        }]
    };
    // Longer than the 60 of §21 ¶2: §22 ¶8 lets the CA and the provider agree on it.
    store
        .set_conclusions(&id, "f", "c", rec(Some(20), Some(90)))
        .unwrap();
    let kept = store.inspection(&id).unwrap().recommendations;
    assert_eq!(kept, rec(Some(20), Some(90)));
    assert_eq!(kept[0].term(), Some(90));
    let err = store
        .set_conclusions(&id, "f", "c", rec(Some(20), Some(20)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "recommendation 1: the agreed term (20 working days) must be longer than the recommendation's own (20)"
    );
    let err = store
        .set_conclusions(&id, "f", "c", rec(None, Some(90)))
        .unwrap_err();
    assert!(err.to_string().contains("give that term first"), "{err}");
    assert!(store.verify(&id).unwrap().intact());
    let accreditation = new_inspection(&mut store, "ca-accreditation-onsite");
    let err = store
        .set_conclusions(&accreditation, "f", "c", rec(Some(20), Some(90)))
        .unwrap_err();
    assert!(
        err.to_string().contains("only in the revocation procedure"),
        "{err}"
    );
}

#[test]
fn a_change_after_the_seal_is_an_amendment() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    store
        .answer(&id, "server-room.ups", verdict(Verdict::Complies))
        .unwrap();
    let head = store.inspection(&id).unwrap().audit_head;
    store.seal_act(&id, &head, b"%PDF-1.7 act").unwrap();
    let sealed = store.inspection(&id).unwrap();
    assert_eq!(sealed.seal.as_ref().unwrap().head, head);
    assert!(sealed.summary().sealed);
    assert_eq!(sealed.amendments, 0);
    store
        .answer(&id, "server-room.ups", verdict(Verdict::Fails))
        .unwrap();
    let amended = store.inspection(&id).unwrap();
    assert_eq!(amended.amendments, 1);
    assert!(!amended.summary().sealed);
    assert_eq!(amended.seal.unwrap().head, head);
    assert!(store.verify(&id).unwrap().intact());
}

fn tampered(edit: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    store
        .answer(&id, "server-room.ups", verdict(Verdict::Complies))
        .unwrap();
    store
        .answer(&id, "server-room.ceiling-height", value(2.31))
        .unwrap();
    let photo = files.path().join("ceiling.jpg");
    std::fs::write(&photo, vec![7u8; 2 << 20]).unwrap();
    store
        .add_evidence(
            &id,
            Some("server-room.ceiling-height"),
            &photo,
            &mut |_, _| true,
        )
        .unwrap();
    store
        .answer(
            &id,
            "server-room.air-conditioning",
            verdict(Verdict::Complies),
        )
        .unwrap();
    let report = store.verify(&id).unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    assert_eq!(report.entries, 5);
    drop(store);
    raw(dir.path()).execute_batch(edit).unwrap();
    let store = Store::open(dir.path(), PASS).unwrap();
    store.verify(&id).unwrap().problems
}

#[test]
fn a_changed_answer_is_named() {
    let problems = tampered(
        "UPDATE answer SET verdict = 'complies' WHERE item = 'server-room.ceiling-height'",
    );
    assert_eq!(
        problems,
        ["the answer to item 'server-room.ceiling-height' differs from the audit trail (store: verdict complies, value 2.31; trail: verdict fails, value 2.31): changed behind tekseru's back"]
    );
}

#[test]
fn a_deleted_audit_entry_is_named() {
    let problems = tampered("DELETE FROM event WHERE seq = 3");
    assert!(
        problems[0].starts_with("event #3 of device ")
            && problems[0].ends_with(" is missing (its chain jumps from #2 to #4)"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("event #4 of device ")
            && problems[1].contains(" (attached 'ceiling.jpg'"),
        "{problems:?}"
    );
    assert!(problems[1]
        .ends_with("does not follow the event before it: an event was removed or replaced"));
}

#[test]
fn an_edited_audit_entry_is_named() {
    let problems = tampered("UPDATE event SET body = replace(body, '2.31', '2.51') WHERE seq = 3");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("event #3 of device ")
            && problems[0].contains(" (answered item 'server-room.ceiling-height'"),
        "{problems:?}"
    );
    assert!(problems[0].ends_with("was altered: its signature does not verify"));
    assert!(problems[1].starts_with("the answer to item 'server-room.ceiling-height' differs"));
}

#[test]
fn a_removed_last_entry_is_named() {
    let problems = tampered("DELETE FROM event WHERE seq = 5");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("the trail ends at event #4 of device ")
                && p.ends_with(
                    " but the inspection's head is another event: events were removed from its end"
                )),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.starts_with("the answer to item 'server-room.air-conditioning' is in the store but not in the audit trail")));
}

#[test]
fn a_changed_evidence_blob_is_named() {
    let problems = tampered("UPDATE chunk SET data = zeroblob(length(data)) WHERE seq = 1");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("evidence 'ceiling.jpg' ("),
        "{problems:?}"
    );
    assert!(problems[0].contains("was altered: its content hashes to"));
}

#[test]
fn a_missing_evidence_blob_is_named() {
    let problems = tampered("DELETE FROM chunk; DELETE FROM blob;");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].ends_with("is missing"), "{problems:?}");
}

#[test]
fn a_dissent_must_come_from_the_roster() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    let outsider = Iin::parse("880722300007").unwrap();
    let err = store.record_dissent(&id, outsider, "no").unwrap_err();
    assert_eq!(
        err.to_string(),
        "880722300007 is not on the commission's roster"
    );
    let knb = Iin::parse("850214300001").unwrap();
    store
        .record_dissent(&id, knb, "the ceiling was measured wrongly")
        .unwrap();
    assert_eq!(
        store.inspection(&id).unwrap().dissents[0].reason,
        "the ceiling was measured wrongly"
    );
}

/// Attaches bytes as a file named `name` to the item on the ceiling; returns its hash.
fn attach(store: &mut Store, id: &str, name: &str, bytes: &[u8]) -> String {
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    store
        .add_evidence(
            id,
            Some("server-room.ceiling-height"),
            &path,
            &mut |_, _| true,
        )
        .unwrap()
        .sha256
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([
            (x % 256) as u8,
            (y % 256) as u8,
            90,
            if x < 50 { 0 } else { 255 },
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn a_photo_gets_a_small_jpeg_thumbnail_made_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    let sha = attach(&mut store, &id, "ceiling.png", &png(1000, 750));
    // Made while importing: rendering the act never decodes the original.
    let first = store
        .cached_thumbnail(&sha)
        .unwrap()
        .expect("a thumbnail made at import");
    assert_eq!(store.thumbnail(&sha).unwrap(), Some(first.clone()));
    assert!(first.starts_with(&[0xFF, 0xD8, 0xFF]));
    let thumb = image::load_from_memory_with_format(&first, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 240));
    // The transparent strip is flattened onto white, not black.
    let corner = thumb.to_rgb8().get_pixel(5, 120).0;
    assert!(corner.iter().all(|&c| c > 200), "{corner:?}");
    assert_eq!(store.thumbnail(&sha).unwrap(), Some(first.clone()));
    drop(store);
    // The cache survives a restart, is not part of what `verify` checks, and can be dropped.
    let store = Store::open(dir.path(), PASS).unwrap();
    assert_eq!(store.thumbnail(&sha).unwrap(), Some(first.clone()));
    assert!(store.verify(&id).unwrap().intact());
    drop(store);
    raw(dir.path())
        .execute_batch("DELETE FROM thumbnail")
        .unwrap();
    let store = Store::open(dir.path(), PASS).unwrap();
    assert!(store.verify(&id).unwrap().intact());
    assert_eq!(store.thumbnail(&sha).unwrap(), Some(first));
    assert_eq!(store.verify(&id).unwrap().entries, 2);
}

#[test]
fn a_small_photo_is_not_enlarged_and_exif_turns_it_upright() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    let small = attach(&mut store, &id, "small.png", &png(100, 40));
    let thumb = store.thumbnail(&small).unwrap().unwrap();
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (100, 40));
    // A landscape sensor image whose EXIF says "rotate 90° clockwise to view".
    let exif = [
        b"MM\0\x2a\0\0\0\x08".as_slice(),
        &[0, 1],                                     // one entry
        &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0], // Orientation, SHORT, 1, value 6
        &[0, 0, 0, 0],                               // no next IFD
    ]
    .concat();
    let mut jpeg = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90);
    image::ImageEncoder::set_exif_metadata(&mut encoder, exif).unwrap();
    encoder
        .encode_image(&image::RgbImage::from_pixel(
            640,
            480,
            image::Rgb([40, 90, 200]),
        ))
        .unwrap();
    let turned = attach(&mut store, &id, "turned.jpg", &jpeg);
    let thumb = store.thumbnail(&turned).unwrap().unwrap();
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (240, 320));
}

#[test]
fn a_large_jpeg_is_decoded_at_a_reduced_scale_into_the_same_picture() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    // A 1600 × 1200 photo, red on the left, blue on the right.
    let photo = image::RgbImage::from_fn(1600, 1200, |x, _| {
        if x < 800 {
            image::Rgb([200, 30, 30])
        } else {
            image::Rgb([30, 30, 200])
        }
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&photo)
        .unwrap();
    let sha = attach(&mut store, &id, "server-room.jpg", &jpeg);
    let thumb = store.thumbnail(&sha).unwrap().expect("a thumbnail");
    let thumb = image::load_from_memory(&thumb).unwrap().to_rgb8();
    assert_eq!(thumb.dimensions(), (320, 240));
    let [r, _, b] = thumb.get_pixel(40, 120).0;
    assert!(r > 150 && b < 80, "left is red: {r} {b}");
    let [r, _, b] = thumb.get_pixel(280, 120).0;
    assert!(b > 150 && r < 80, "right is blue: {r} {b}");
}

#[test]
fn files_that_are_not_usable_images_have_no_thumbnail() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    let text = attach(&mut store, &id, "notes.txt", "Журнал жоқ".as_bytes());
    assert_eq!(store.thumbnail(&text).unwrap(), None);
    let whole = png(600, 400);
    let truncated = attach(&mut store, &id, "broken.png", &whole[..whole.len() / 2]);
    assert_eq!(store.thumbnail(&truncated).unwrap(), None);
    // A header announcing 20000 × 20000 pixels: refused before decoding.
    let mut huge = png(1, 1);
    huge[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    let crc = crc32(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.to_be_bytes());
    let header = image::ImageReader::new(std::io::Cursor::new(&huge))
        .with_guessed_format()
        .unwrap()
        .into_dimensions()
        .unwrap();
    assert_eq!(header, (20_000, 20_000));
    let huge = attach(&mut store, &id, "huge.png", &huge);
    assert_eq!(store.thumbnail(&huge).unwrap(), None);
    assert_eq!(store.thumbnail(&"0".repeat(64)).unwrap(), None);
    // Each is still evidence, and the store is intact.
    assert_eq!(store.inspection(&id).unwrap().evidence.len(), 3);
    assert!(store.verify(&id).unwrap().intact());
}

/// The CRC-32 of PNG chunks.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_store_made_before_format_2_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    store
        .answer(&id, "server-room.ups", verdict(Verdict::Complies))
        .unwrap();
    drop(store);
    // Rewrite it as format 1 wrote it: SQLCipher's default page (4 KiB, HMAC-SHA512), and a
    // header without page_size and hmac.
    let header = std::fs::read_to_string(dir.path().join("store.toml")).unwrap();
    assert!(header.contains("format = 2"), "{header}");
    assert!(header.contains("page_size = 65536"), "{header}");
    let old = dir.path().join("old.db");
    let conn = raw(dir.path());
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!(
        "ATTACH DATABASE '{}' AS old KEY {}; SELECT sqlcipher_export('old'); \
         PRAGMA old.user_version = {version}; DETACH DATABASE old;",
        old.display(),
        key_literal(dir.path())
    ))
    .unwrap();
    drop(conn);
    std::fs::rename(&old, dir.path().join("tekseru.db")).unwrap();
    // With format 2's settings, the old pages do not read.
    assert!(Store::open(dir.path(), PASS).is_err());
    let header: String = header
        .lines()
        .filter(|l| !l.starts_with("page_size") && !l.starts_with("hmac"))
        .map(|l| l.replace("format = 2", "format = 1") + "\n")
        .collect();
    std::fs::write(dir.path().join("store.toml"), header).unwrap();

    let store = Store::open(dir.path(), PASS).unwrap();
    let inspection = store.inspection(&id).unwrap();
    assert_eq!(inspection.answers[0].verdict, Some(Verdict::Complies));
    assert!(store.verify(&id).unwrap().intact());
    assert!(matches!(
        Store::open(dir.path(), "wrong").unwrap_err(),
        StoreError::WrongPassphrase(_)
    ));
}

#[test]
fn a_store_of_an_unknown_format_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path(), PASS, "Inspector", None).unwrap());
    let path = dir.path().join("store.toml");
    let header = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, header.replace("format = 2", "format = 3")).unwrap();
    assert_eq!(
        Store::open(dir.path(), PASS).unwrap_err().to_string(),
        format!(
            "{}: store format 3 is not known to this version of tekseru (it reads formats 1 and 2); update tekseru",
            path.display()
        )
    );
    std::fs::write(
        &path,
        header.replace("page_size = 65536", "page_size = 1000"),
    )
    .unwrap();
    assert!(Store::open(dir.path(), PASS)
        .unwrap_err()
        .to_string()
        .contains("unsupported page_size 1000"));
}

#[test]
fn a_large_file_is_imported_whether_or_not_another_connection_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    let big = |n: u32| -> std::path::PathBuf {
        let path = files.path().join(format!("video-{n}.mp4"));
        let content: Vec<u8> = (0..9u32 << 20)
            .map(|i| (i.wrapping_mul(2654435761).wrapping_add(n) >> 13) as u8)
            .collect();
        std::fs::write(&path, content).unwrap();
        path
    };
    // Alone, through a rollback journal; the store is back in WAL mode afterwards.
    let first = store
        .add_evidence(&id, None, &big(1), &mut |_, _| true)
        .unwrap();
    let mode: String = raw(dir.path())
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // With another connection open (the app and the command line at once), through the WAL.
    let other = Store::open(dir.path(), PASS).unwrap();
    let second = store
        .add_evidence(&id, None, &big(2), &mut |_, _| true)
        .unwrap();
    let seen = other.inspection(&id).unwrap().evidence;
    assert_eq!(seen, vec![first.clone(), second.clone()]);
    for (evidence, n) in [(first, 1), (second, 2)] {
        let mut out = Vec::new();
        other
            .export_evidence(&id, &evidence.sha256, &mut out)
            .unwrap();
        assert_eq!(
            out,
            std::fs::read(files.path().join(format!("video-{n}.mp4"))).unwrap()
        );
    }
    assert!(other.verify(&id).unwrap().intact());
}

/// The on-site checklist 2026.1 as tekseru before 2026.2 stored it (serialized by that
/// version's code): one merged §12(15) ¶5 item, and `effective_from` 2020-06-01.
const ONSITE_2026_1: &str = include_str!("data/onsite-2026.1.json");

#[test]
fn an_inspection_made_with_the_old_checklist_keeps_its_item_and_still_verifies() {
    let old: tekseru_core::Checklist = serde_json::from_str(ONSITE_2026_1).unwrap();
    // Read and written again, the old copy is byte for byte what the old code wrote, so
    // its audit entries still hash to what was recorded.
    let original: serde_json::Value = serde_json::from_str(ONSITE_2026_1).unwrap();
    assert_eq!(serde_json::to_value(&old).unwrap(), original);
    assert_eq!(old.version, "2026.1");
    assert!(old.item("server-room.grounding-bond").is_none());

    let dir = tempfile::tempdir().unwrap();
    let id = {
        let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
        let id = store
            .new_inspection(NewInspection {
                checklist: old,
                ca_name: "«Сенім» КО".into(),
                bin: Bin::parse("050440001000").unwrap(),
                site: "Астана".into(),
                roster: roster(),
                training: false,
                settings: None,
            })
            .unwrap();
        let merged = store
            .answer(
                &id,
                "server-room.grounding-conduit",
                AnswerChange {
                    value: Some(Some(2.0)),
                    ..AnswerChange::default()
                },
            )
            .unwrap();
        assert_eq!(merged.verdict, Some(Verdict::Complies));
        // The new item does not exist in the old copy.
        let err = store
            .answer(
                &id,
                "server-room.grounding-bond",
                AnswerChange {
                    verdict: Some(Some(Verdict::Fails)),
                    ..AnswerChange::default()
                },
            )
            .unwrap_err();
        assert!(err.to_string().contains("has no item"), "{err}");
        id
    };
    let store = Store::open(dir.path(), PASS).unwrap();
    let inspection = store.inspection(&id).unwrap();
    assert_eq!(inspection.checklist.version, "2026.1");
    assert_eq!(inspection.checklist.items().count(), 24);
    assert!(store.verify(&id).unwrap().intact());
    // A new inspection gets the new version, with ¶5 as two items.
    let new = catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "ca-accreditation-onsite")
        .unwrap();
    assert_eq!(new.version, "2026.2");
    assert!(new.item("server-room.grounding-bond").is_some());
}

/// A JPEG whose EXIF records a GPS position of degrees, minutes and seconds given as
/// (numerator, denominator) pairs, north and east.
fn jpeg_at(lat: [(u32, u32); 3], lon: [(u32, u32); 3]) -> Vec<u8> {
    let rationals = |parts: [(u32, u32); 3]| -> Vec<u8> {
        parts
            .iter()
            .flat_map(|(n, d)| [n.to_be_bytes(), d.to_be_bytes()].concat())
            .collect()
    };
    let exif = [
        b"MM\0\x2a\0\0\0\x08".as_slice(),
        &[0, 1],                                      // IFD0: one entry
        &[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26], // GPSInfo, LONG, at 26
        &[0, 0, 0, 0],
        &[0, 4],                                  // the GPS IFD: four entries
        &[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0], // GPSLatitudeRef "N"
        &[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 80],   // GPSLatitude, 3 RATIONAL at 80
        &[0, 3, 0, 2, 0, 0, 0, 2, b'E', 0, 0, 0], // GPSLongitudeRef "E"
        &[0, 4, 0, 5, 0, 0, 0, 3, 0, 0, 0, 104],  // GPSLongitude, 3 RATIONAL at 104
        &[0, 0, 0, 0],
        &rationals(lat),
        &rationals(lon),
    ]
    .concat();
    let mut jpeg = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90);
    image::ImageEncoder::set_exif_metadata(&mut encoder, exif).unwrap();
    encoder
        .encode_image(&image::RgbImage::from_pixel(
            32,
            24,
            image::Rgb([9, 90, 200]),
        ))
        .unwrap();
    jpeg
}

#[test]
fn a_photo_with_a_broken_gps_position_keeps_no_position_and_the_list_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    let astana = jpeg_at([(51, 1), (10, 1), (0, 1)], [(71, 1), (26, 1), (0, 1)]);
    attach(&mut store, &id, "astana.jpg", &astana);
    // A zero denominator (0/0 seconds: NaN), and a latitude past the pole.
    attach(
        &mut store,
        &id,
        "nan.jpg",
        &jpeg_at([(51, 1), (10, 1), (0, 0)], [(71, 1), (26, 1), (0, 1)]),
    );
    attach(
        &mut store,
        &id,
        "pole.jpg",
        &jpeg_at([(95, 1), (0, 1), (0, 1)], [(71, 1), (26, 1), (0, 1)]),
    );
    let evidence = store.inspection(&id).unwrap().evidence;
    let gps = evidence[0].gps.unwrap();
    assert!((gps.lat - (51.0 + 10.0 / 60.0)).abs() < 1e-9, "{gps:?}");
    assert!((gps.lon - (71.0 + 26.0 / 60.0)).abs() < 1e-9, "{gps:?}");
    assert_eq!(evidence[1].gps, None);
    assert_eq!(evidence[2].gps, None);
    assert_eq!(store.inspections().unwrap().len(), 1);
    assert!(store.verify(&id).unwrap().intact());
}

#[test]
fn a_damaged_row_shows_an_error_on_its_own_inspection_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let damaged = new_inspection(&mut store, "ca-accreditation-onsite");
    let sound = new_inspection(&mut store, "ca-accreditation-documents");
    attach(&mut store, &damaged, "photo.png", &png(8, 8));
    drop(store);
    // What the old import wrote for a photo whose EXIF latitude was NaN.
    raw(dir.path())
        .execute_batch(r#"UPDATE evidence SET gps = '{"lat":null,"lon":71.4}'"#)
        .unwrap();
    let store = Store::open(dir.path(), PASS).unwrap();
    let list = store.inspections().unwrap();
    assert_eq!(list.len(), 2);
    let bad = list.iter().find(|s| s.id == damaged).unwrap();
    let good = list.iter().find(|s| s.id == sound).unwrap();
    assert_eq!(good.damaged, None);
    assert_eq!(good.total, 13);
    assert_eq!(bad.ca_name, "«Сенім» КО");
    let reason = bad.damaged.as_deref().unwrap();
    assert!(reason.contains("gps"), "{reason}");
    assert!(store.inspection(&damaged).is_err());
    assert!(store.inspection(&sound).is_ok());
}

/// Replaces the `n`-th string inside a JSON value (depth first) with `with`; whether there
/// was one.
fn replace_string(value: &mut serde_json::Value, n: &mut usize, with: &str) -> bool {
    match value {
        serde_json::Value::String(s) => {
            if *n == 0 {
                *s = with.to_owned();
                return true;
            }
            *n -= 1;
            false
        }
        serde_json::Value::Array(items) => items.iter_mut().any(|v| replace_string(v, n, with)),
        serde_json::Value::Object(map) => map.values_mut().any(|v| replace_string(v, n, with)),
        _ => false,
    }
}

fn strings_in(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::String(_) => 1,
        serde_json::Value::Array(items) => items.iter().map(strings_in).sum(),
        serde_json::Value::Object(map) => map.values().map(strings_in).sum(),
        _ => 0,
    }
}

struct Tamperable {
    _dir: tempfile::TempDir,
    store: Store,
    raw: Connection,
    id: String,
    /// Every event row: (seq, body, prev, hash).
    rows: Vec<(i64, String, Option<String>, String)>,
    /// The photo's hash.
    photo: String,
}

/// A store with an inspection of every kind of entry but creation (kept out: its checklist
/// holds thousands of strings), and a raw connection to tamper with it.
fn tamperable() -> Tamperable {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    store
        .answer(&id, "server-room.ceiling-height", value(2.31))
        .unwrap();
    let photo = attach(&mut store, &id, "photo.png", &png(8, 8));
    store
        .set_conclusions(&id, "табылды", "қорытынды", Vec::new())
        .unwrap();
    store
        .record_event(
            &id,
            serde_json::from_str(r#"{"step":"ca_notified","date":"2025-03-07"}"#).unwrap(),
        )
        .unwrap();
    let head = store.inspection(&id).unwrap().audit_head;
    store.seal_act(&id, &head, b"%PDF-1.7 act").unwrap();
    store
        .record_dissent(&id, Iin::parse("850214300001").unwrap(), "қарсымын")
        .unwrap();
    let raw = raw(dir.path());
    let rows = {
        let mut stmt = raw
            .prepare("SELECT seq, body, prev, hash FROM event WHERE inspection = ?1 ORDER BY seq")
            .unwrap();
        stmt.query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    assert_eq!(rows.len(), 8);
    assert!(store.verify(&id).unwrap().intact());
    Tamperable {
        _dir: dir,
        store,
        raw,
        id,
        rows,
        photo,
    }
}

thread_local! {
    static TAMPERABLE: std::cell::RefCell<Option<Tamperable>> = const { std::cell::RefCell::new(None) };
}

/// Runs `edit` on the raw database of a shared tamperable store, checks that reading and
/// verifying the inspection report rather than panic, then puts the rows back.
fn tamper_and_check(edit: impl FnOnce(&Connection, &Tamperable)) {
    TAMPERABLE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let t = cell.get_or_insert_with(tamperable);
        t.raw.execute_batch("SAVEPOINT before").unwrap();
        edit(&t.raw, t);
        t.raw.execute_batch("RELEASE before").unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let verified = t.store.verify(&t.id);
            let _ = t.store.inspection(&t.id);
            let _ = t.store.inspections();
            let _ = verified.map(|v| v.problems.iter().map(|p| p.len()).sum::<usize>());
        }));
        // Put everything back as it was.
        for (seq, entry, prev, hash) in &t.rows {
            t.raw
                .execute(
                    "UPDATE event SET body = ?3, prev = ?4, hash = ?5 WHERE inspection = ?1 AND seq = ?2",
                    rusqlite::params![t.id, seq, entry, prev, hash],
                )
                .unwrap();
        }
        t.raw
            .execute(
                "UPDATE evidence SET sha256 = ?2 WHERE inspection = ?1",
                rusqlite::params![t.id, t.photo],
            )
            .unwrap();
        assert!(outcome.is_ok(), "reading a tampered store panicked");
    });
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

    #[test]
    fn a_tampered_audit_string_is_reported_never_a_panic(
        row in 1usize..8,
        which in proptest::prelude::any::<proptest::sample::Index>(),
        text in "\\PC{0,20}",
    ) {
        tamper_and_check(|raw, t| {
            let (seq, entry, _, _) = &t.rows[row];
            let mut value: serde_json::Value = serde_json::from_str(entry).unwrap();
            let mut n = which.index(strings_in(&value));
            assert!(replace_string(&mut value, &mut n, &text));
            raw.execute(
                "UPDATE event SET body = ?3 WHERE inspection = ?1 AND seq = ?2",
                rusqlite::params![t.id, seq, value.to_string()],
            )
            .unwrap();
        });
    }

    #[test]
    fn tampered_audit_bytes_and_hashes_are_reported_never_a_panic(
        row in 0usize..8,
        at in proptest::prelude::any::<proptest::sample::Index>(),
        cut in 0usize..6,
        insert in "\\PC{0,6}",
        column in 0usize..3,
    ) {
        tamper_and_check(|raw, t| {
            let (seq, entry, prev, hash) = &t.rows[row];
            let prev = prev.clone().unwrap_or_default();
            let original = [entry, &prev, hash][column];
            let chars: Vec<char> = original.chars().collect();
            let start = at.index(chars.len() + 1);
            let end = (start + cut).min(chars.len());
            let changed: String = chars[..start]
                .iter()
                .chain(insert.chars().collect::<Vec<_>>().iter())
                .chain(chars[end..].iter())
                .collect();
            let name = ["body", "prev", "hash"][column];
            raw.execute(
                &format!("UPDATE OR IGNORE event SET {name} = ?3 WHERE inspection = ?1 AND seq = ?2"),
                rusqlite::params![t.id, seq, changed],
            )
            .unwrap();
        });
    }

    #[test]
    fn a_tampered_hash_inside_an_audit_entry_is_reported_never_a_panic(
        sealed in proptest::prelude::any::<bool>(),
        text in "\\PC{0,20}",
    ) {
        tamper_and_check(|raw, t| {
            // The photo's entry (#3) names its hash; the seal's (#6) the head it sealed.
            let (row, pointer) = if sealed { (5, "/change/head") } else { (2, "/change/evidence/sha256") };
            let (seq, entry, _, _) = &t.rows[row];
            let mut value: serde_json::Value = serde_json::from_str(entry).unwrap();
            *value.pointer_mut(pointer).unwrap() = serde_json::Value::String(text.clone());
            raw.execute(
                "UPDATE event SET body = ?3 WHERE inspection = ?1 AND seq = ?2",
                rusqlite::params![t.id, seq, value.to_string()],
            )
            .unwrap();
        });
    }

    #[test]
    fn a_tampered_evidence_hash_is_reported_never_a_panic(text in "\\PC{0,20}") {
        tamper_and_check(|raw, t| {
            raw.execute(
                "UPDATE evidence SET sha256 = ?2 WHERE inspection = ?1",
                rusqlite::params![t.id, text],
            )
            .unwrap();
        });
    }
}

#[test]
fn an_audit_entry_copied_from_another_inspection_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let a = new_inspection(&mut store, "ca-accreditation-onsite");
    let b = new_inspection(&mut store, "ca-accreditation-onsite");
    store
        .answer(&a, "server-room.ups", verdict(Verdict::Fails))
        .unwrap();
    store
        .answer(&b, "server-room.ups", verdict(Verdict::Complies))
        .unwrap();
    assert!(store
        .audit_trail(&b)
        .unwrap()
        .iter()
        .all(|e| e.inspection.as_deref() == Some(b.as_str())));
    drop(store);
    make_legacy(dir.path());
    // Inspection a's answer, rewritten into b's trail with every hash made to fit.
    let raw = raw(dir.path());
    let (text, prev): (String, String) = raw
        .query_row(
            "SELECT (SELECT entry FROM audit WHERE inspection = ?1 AND seq = 2), prev FROM audit WHERE inspection = ?2 AND seq = 2",
            [&a, &b],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let entry: tekseru_store::audit::Entry = serde_json::from_str(&text).unwrap();
    let hash = entry.hash(&prev).unwrap();
    raw.execute(
        "UPDATE audit SET entry = ?2, hash = ?3 WHERE inspection = ?1 AND seq = 2",
        rusqlite::params![b, text, hash],
    )
    .unwrap();
    raw.execute(
        "UPDATE inspection SET head = ?2 WHERE id = ?1",
        rusqlite::params![b, hash],
    )
    .unwrap();
    raw.execute(
        "UPDATE answer SET verdict = 'fails', \
         updated_at = (SELECT updated_at FROM answer WHERE inspection = ?2) WHERE inspection = ?1",
        [&b, &a],
    )
    .unwrap();
    drop(raw);
    let store = Store::open(dir.path(), PASS).unwrap();
    let problems = store.verify(&b).unwrap().problems;
    assert_eq!(
        problems,
        [format!("audit entry #2 (answered item 'server-room.ups') belongs to inspection '{a}', not to this one: it was copied from another trail")]
    );
    assert!(store.verify(&a).unwrap().intact());
}

#[test]
fn an_entry_that_drops_its_inspection_after_the_trail_named_it_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    store
        .answer(&id, "server-room.ups", verdict(Verdict::Complies))
        .unwrap();
    drop(store);
    make_legacy(dir.path());
    // Entry #2 rewritten without its inspection, as format 1 wrote it, every hash made to fit.
    let raw = raw(dir.path());
    let (text, prev): (String, String) = raw
        .query_row(
            "SELECT entry, prev FROM audit WHERE inspection = ?1 AND seq = 2",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut entry: tekseru_store::audit::Entry = serde_json::from_str(&text).unwrap();
    entry.inspection = None;
    let hash = entry.hash(&prev).unwrap();
    let text = String::from_utf8(entry.canonical().unwrap()).unwrap();
    raw.execute(
        "UPDATE audit SET entry = ?2, hash = ?3 WHERE inspection = ?1 AND seq = 2",
        rusqlite::params![id, text, hash],
    )
    .unwrap();
    raw.execute(
        "UPDATE inspection SET head = ?2 WHERE id = ?1",
        rusqlite::params![id, hash],
    )
    .unwrap();
    drop(raw);
    let store = Store::open(dir.path(), PASS).unwrap();
    assert_eq!(
        store.verify(&id).unwrap().problems,
        ["audit entry #2 (answered item 'server-room.ups') does not name its inspection although an earlier entry does: it was not written by tekseru"]
    );
}

fn training_roster() -> Roster {
    serde_json::from_str(
        r#"[{"name":"ТЕСТОВ ТЕСТ","iin":"123456789011","role":"chair","body":"committee"}]"#,
    )
    .unwrap()
}

fn new_training(store: &mut Store, training: bool) -> Result<String, StoreError> {
    let checklist = catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "ca-accreditation-onsite")
        .unwrap();
    store.new_inspection(NewInspection {
        checklist,
        ca_name: "АО «ТЕСТ»".into(),
        bin: Bin::parse("050440001000").unwrap(),
        site: "Астана".into(),
        roster: training_roster(),
        training,
        settings: None,
    })
}

#[test]
fn only_a_training_inspection_lists_the_nca_test_identity() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let err = new_training(&mut store, false).unwrap_err().to_string();
    assert!(
        err.contains("ТЕСТОВ ТЕСТ has IIN 123456789011, the NCA's test identity: only a training inspection may list it"),
        "{err}"
    );
    let test_bin = NewInspection {
        checklist: catalog::embedded().unwrap().remove(0),
        ca_name: "АО «ТЕСТ»".into(),
        bin: Bin::parse_allowing_test("123456789021").unwrap(),
        site: "Астана".into(),
        roster: roster(),
        training: false,
        settings: None,
    };
    let err = store.new_inspection(test_bin).unwrap_err().to_string();
    assert!(
        err.contains("BIN 123456789021 is the NCA's test identity"),
        "{err}"
    );
    assert!(store.inspections().unwrap().is_empty());

    let id = new_training(&mut store, true).unwrap();
    let real = new_inspection(&mut store, "ca-accreditation-onsite");
    drop(store);
    let store = Store::open(dir.path(), PASS).unwrap();
    assert!(store.inspection(&id).unwrap().training);
    assert!(!store.inspection(&real).unwrap().training);
    let list = store.inspections().unwrap();
    assert_eq!(list.iter().filter(|s| s.training).count(), 1);
    assert!(store.verify(&id).unwrap().intact());
    drop(store);

    // The flag is in the audit trail: turning a real inspection into a training one behind
    // tekseru's back is named.
    raw(dir.path())
        .execute("UPDATE inspection SET training = 1 WHERE id = ?1", [&real])
        .unwrap();
    let store = Store::open(dir.path(), PASS).unwrap();
    let problems = store.verify(&real).unwrap().problems;
    assert_eq!(
        problems,
        ["the inspection's training flag in the store (true) differs from the audit trail (false): changed behind tekseru's back"]
    );
}

#[test]
fn a_store_from_before_training_inspections_opens_with_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    drop(store);
    make_legacy(dir.path());
    // The schema of version 2: no training column, nor the act's details and settings.
    raw(dir.path())
        .execute_batch(
            "ALTER TABLE inspection DROP COLUMN training; \
             ALTER TABLE inspection DROP COLUMN details; \
             ALTER TABLE inspection DROP COLUMN settings; PRAGMA user_version = 2;",
        )
        .unwrap();
    let store = Store::open(dir.path(), PASS).unwrap();
    let inspection = store.inspection(&id).unwrap();
    assert!(!inspection.training);
    // Its audit trail hashes as it did: verifying recomputes the carried-over chain, and a
    // real inspection's creation entry is unchanged.
    let report = store.verify(&id).unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    assert_eq!(report.entries, 1);
}

/// The act's details and the pinned quorum settings are in the audit trail: an edit behind
/// tekseru's back is named, and a change after the seal is an amendment.
#[test]
fn the_acts_details_and_settings_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store, "ca-accreditation-onsite");
    let pinned = store.inspection(&id).unwrap().settings;
    assert_eq!(
        pinned,
        tekseru_core::quorum::Settings::for_rule(tekseru_core::quorum::Rule::Accreditation)
    );
    store
        .set_detail(
            &id,
            tekseru_store::DetailChange::ActNumber("  КО-17/2026 ".into()),
        )
        .unwrap();
    let err = store
        .set_detail(&id, tekseru_store::DetailChange::AddViolation("  ".into()))
        .unwrap_err();
    assert!(
        err.to_string().contains("the violation's text is empty"),
        "{err}"
    );
    let head = store.inspection(&id).unwrap().audit_head;
    store.seal_act(&id, &head, b"%PDF-1.7 an act").unwrap();
    store
        .set_detail(
            &id,
            tekseru_store::DetailChange::Present(vec!["Б. Ахметов, директор".into(), " ".into()]),
        )
        .unwrap();
    let i = store.inspection(&id).unwrap();
    assert_eq!(i.details.act_number.as_deref(), Some("КО-17/2026"));
    assert_eq!(i.details.present, ["Б. Ахметов, директор"]);
    assert_eq!(i.amendments, 1);
    assert!(store.verify(&id).unwrap().intact());
    drop(store);
    raw(dir.path())
        .execute_batch(
            "UPDATE inspection SET details = '{\"act_number\":\"X\"}', \
             settings = '{\"late_signatures_count\":true}'",
        )
        .unwrap();
    let store = Store::open(dir.path(), PASS).unwrap();
    let problems = store.verify(&id).unwrap().problems;
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("the act's details differ from the audit trail")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("the quorum settings differ from the audit trail")),
        "{problems:?}"
    );
}

#[test]
fn a_store_has_its_own_device_bound_to_its_inspector() {
    let dir = tempfile::tempdir().unwrap();
    let iin = Iin::parse("810315400008").unwrap();
    let store = Store::create(dir.path(), PASS, "Әсел Жұмабаева", Some(iin)).unwrap();
    let card = store.device();
    assert_eq!(card.inspector_name, "Әсел Жұмабаева");
    assert_eq!(card.inspector_iin, "810315400008");
    assert!(card.public_key.to_string().starts_with("ed25519:"));
    assert!(card.fingerprint().starts_with(card.id().as_str()));
    drop(store);
    // The same device after reopening: the key is kept inside the store.
    let mut store = Store::open(dir.path(), PASS).unwrap();
    assert_eq!(store.device(), card);
    // A store without an IIN gets one later.
    let other = tempfile::tempdir().unwrap();
    let mut second = Store::create(other.path(), PASS, "Inspector", None).unwrap();
    assert_eq!(second.device().inspector_iin, "");
    assert_ne!(second.device().public_key, card.public_key);
    second.set_inspector_iin(iin).unwrap();
    drop(second);
    assert_eq!(
        Store::open(other.path(), PASS)
            .unwrap()
            .device()
            .inspector_iin,
        "810315400008"
    );
    store.set_inspector_iin(iin).unwrap();
}

/// Rewrites a store as tekseru wrote it before devices existed (schema 4): each
/// inspection's events become its audit rows, hashed as that version hashed them (a seal
/// names the head it sealed in that chain), and the device and event tables are gone.
fn make_legacy(dir: &Path) {
    let raw = raw(dir);
    let ids: Vec<(String, Option<String>)> = raw
        .prepare("SELECT id, seal FROM inspection")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (id, seal) in ids {
        let events: Vec<(i64, String, String, String)> = raw
            .prepare("SELECT seq, at, body, hash FROM event WHERE inspection = ?1 ORDER BY seq")
            .unwrap()
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut prev = "0".repeat(64);
        let mut legacy: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        for (seq, at, body, hash) in events {
            let body: serde_json::Value = serde_json::from_str(&body).unwrap();
            let mut change = body["change"].clone();
            if change["action"] == "sealed" {
                change["head"] =
                    serde_json::Value::String(legacy[change["head"].as_str().unwrap()].clone());
            }
            let entry: tekseru_store::audit::Entry = serde_json::from_value(serde_json::json!({
                "inspection": id, "seq": seq, "at": at, "actor": body["actor"],
                "actor_name": body["actor_name"], "change": change,
            }))
            .unwrap();
            let legacy_hash = entry.hash(&prev).unwrap();
            let text = String::from_utf8(entry.canonical().unwrap()).unwrap();
            raw.execute(
                "INSERT INTO audit (inspection, seq, entry, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![id, seq, text, prev, legacy_hash],
            )
            .unwrap();
            legacy.insert(hash, legacy_hash.clone());
            prev = legacy_hash;
        }
        let seal = seal.map(|s| {
            let mut seal: serde_json::Value = serde_json::from_str(&s).unwrap();
            seal["head"] =
                serde_json::Value::String(legacy[seal["head"].as_str().unwrap()].clone());
            seal.to_string()
        });
        raw.execute(
            "UPDATE inspection SET head = ?2, seal = ?3 WHERE id = ?1",
            rusqlite::params![id, prev, seal],
        )
        .unwrap();
    }
    raw.execute_batch(
        "DROP TABLE event; DROP TABLE event_parent; DROP TABLE legacy_head; DROP TABLE device; \
         PRAGMA user_version = 4;",
    )
    .unwrap();
}

#[test]
fn an_event_copied_from_another_inspection_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let a = new_inspection(&mut store, "ca-accreditation-onsite");
    let b = new_inspection(&mut store, "ca-accreditation-onsite");
    store
        .answer(&a, "server-room.ups", verdict(Verdict::Fails))
        .unwrap();
    store
        .answer(&b, "server-room.ups", verdict(Verdict::Complies))
        .unwrap();
    let device = store.device().id();
    drop(store);
    // Inspection a's answer, its body and signature put in b's place, the tables made to fit.
    let raw = raw(dir.path());
    raw.execute(
        "UPDATE event SET (body, at, signature) = \
         (SELECT body, at, signature FROM event WHERE inspection = ?2 AND seq = 2) \
         WHERE inspection = ?1 AND seq = 2",
        [&b, &a],
    )
    .unwrap();
    raw.execute(
        "UPDATE answer SET verdict = 'fails', \
         updated_at = (SELECT updated_at FROM answer WHERE inspection = ?2) WHERE inspection = ?1",
        [&b, &a],
    )
    .unwrap();
    drop(raw);
    let store = Store::open(dir.path(), PASS).unwrap();
    let problems = store.verify(&b).unwrap().problems;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(&format!(
            "event #2 of device {device} (answered item 'server-room.ups', "
        )) && problems[0].ends_with(" by Inspector) was altered: its signature does not verify"),
        "{problems:?}"
    );
    assert!(store.verify(&a).unwrap().intact());
}

/// An inspection made before devices existed (the pinned format-1 trail of
/// `audit-v1.txt`, with the tables and files it describes) opens, is carried over into the
/// store's device chain, verifies and exports; its seal still names the old head.
#[test]
fn an_inspection_made_before_devices_opens_verifies_and_exports() {
    let fixture = include_str!("audit-v1.txt");
    let lines: Vec<&str> = fixture.lines().collect();
    let created: tekseru_store::audit::Entry = serde_json::from_str(lines[0]).unwrap();
    let tekseru_store::audit::Change::Created {
        ca_name,
        bin,
        site,
        checklist,
        roster,
        ..
    } = created.change
    else {
        panic!("the fixture starts with the creation")
    };
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = store
        .new_inspection(NewInspection {
            checklist: *checklist,
            ca_name,
            bin,
            site,
            roster,
            training: false,
            settings: None,
        })
        .unwrap();
    // The files the trail names, stored as that version stored them.
    let photo = files.path().join("photo.txt");
    std::fs::write(&photo, b"evidence").unwrap();
    store
        .add_evidence(&id, None, &photo, &mut |_, _| true)
        .unwrap();
    let head = store.inspection(&id).unwrap().audit_head;
    store.seal_act(&id, &head, b"%PDF-1.7 act").unwrap();
    let head = store.inspection(&id).unwrap().audit_head;
    store
        .store_act(
            &id,
            &head,
            b"%PDF-1.7 signed",
            "signed",
            Iin::parse("810315400008").ok(),
        )
        .unwrap();
    drop(store);
    // The store as that version left it: schema 4, the fixture's trail, the tables it describes.
    let db = raw(dir.path());
    let at = "2026-11-20T05:00:00Z";
    db.execute_batch(
        "DROP TABLE event; DROP TABLE event_parent; DROP TABLE legacy_head; DROP TABLE device; \
         PRAGMA user_version = 4; DELETE FROM answer; DELETE FROM evidence; DELETE FROM act; \
         UPDATE meta SET value = '0123456789abcdef' WHERE key = 'inspector_id';",
    )
    .unwrap();
    let mut prev = "0".repeat(64);
    for (n, pair) in lines.chunks(2).enumerate() {
        db.execute(
            "INSERT INTO audit (inspection, seq, entry, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![id, n as i64 + 1, pair[0], prev, pair[1]],
        )
        .unwrap();
        prev = pair[1].to_owned();
    }
    db.execute(
        "UPDATE inspection SET created_at = ?2, created_by = 'Inspector', findings = 'табылды', \
         conclusions = 'қорытынды', \
         recommendations = '[{\"text\":\"жөндеу\",\"deadline_working_days\":20}]', \
         dissents = json_array(json_object('iin', '850214300001', 'reason', 'қарсымын', 'at', ?2)), \
         events = '[{\"step\":\"ca_notified\",\"date\":\"2025-03-07\"}]', \
         seal = json_object('head', '0ead3fa972ef83b08fabbe4a043c3ea64b8d0e92fe6420d8fe8ed58b8dae971f', 'at', ?2), \
         amendments = 0, head = ?3, seq = 10, settings = NULL, details = '{}' WHERE id = ?1",
        rusqlite::params![id, at, prev],
    )
    .unwrap();
    db.execute(
        "INSERT INTO answer (inspection, item, verdict, value, note, inventory, updated_by, updated_at) \
         VALUES (?1, 'server-room.ceiling-height', 'fails', 2.31, 'желдеткіш', NULL, 'Inspector', ?2), \
         (?1, 'server-room.ups', 'complies', NULL, NULL, NULL, 'Inspector', ?2)",
        rusqlite::params![id, at],
    )
    .unwrap();
    db.execute(
        "INSERT INTO evidence (inspection, n, sha256, item, name, media_type, bytes, added_at, added_by) \
         VALUES (?1, 1, 'ee8250fb76e094b34b471f13a73dbbe51d1ae142e9df59d7c0d31ec20f0a0a8e', \
         'server-room.ceiling-height', 'photo.txt', 'text/plain', 8, ?2, 'Inspector')",
        rusqlite::params![id, at],
    )
    .unwrap();
    db.execute(
        "INSERT INTO act (inspection, n, sha256, bytes, kind, member, at) VALUES \
         (?1, 1, 'dffc73b222d614ae8a201a4d451755ecd4eec40b034283a5b61a3e110aea77ab', 12, 'rendered', NULL, ?2), \
         (?1, 2, '281a9b6b403e3fecbd92e4b0504bde1ddac566e0478eb038d63a85aed1a8b418', 15, 'signed', '810315400008', ?2)",
        rusqlite::params![id, at],
    )
    .unwrap();
    drop(db);

    let mut store = Store::open(dir.path(), PASS).unwrap();
    assert_eq!(store.device().inspector_name, "Inspector");
    assert_eq!(store.device().inspector_iin, "", "no IIN until it is set");
    let report = store.verify(&id).unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    assert_eq!(report.entries, 10);
    let trail = store.audit_trail(&id).unwrap();
    let texts: Vec<String> = trail
        .iter()
        .map(|e| String::from_utf8(e.canonical().unwrap()).unwrap())
        .collect();
    let pinned: Vec<String> = lines.iter().step_by(2).map(|l| l.to_string()).collect();
    assert_eq!(texts, pinned, "the entries are carried over as they were");
    let inspection = store.inspection(&id).unwrap();
    assert_eq!(
        inspection.seal.as_ref().unwrap().head,
        "0ead3fa972ef83b08fabbe4a043c3ea64b8d0e92fe6420d8fe8ed58b8dae971f"
    );
    assert!(inspection.summary().sealed);
    let mut out = Vec::new();
    store
        .export_evidence(
            &id,
            "ee8250fb76e094b34b471f13a73dbbe51d1ae142e9df59d7c0d31ec20f0a0a8e",
            &mut out,
        )
        .unwrap();
    assert_eq!(out, b"evidence");
    assert_eq!(
        store.blob(&inspection.acts[1].sha256).unwrap(),
        b"%PDF-1.7 signed"
    );
    // A change made now is an event of the device's chain, after the carried-over ones, and
    // amends the sealed act.
    store
        .answer(
            &id,
            "conformity.documents-match-reality",
            verdict(Verdict::Fails),
        )
        .unwrap();
    drop(store);
    let store = Store::open(dir.path(), PASS).unwrap();
    let report = store.verify(&id).unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    assert_eq!(report.entries, 11);
    assert_eq!(store.inspection(&id).unwrap().amendments, 1);
    // A carried-over entry edited behind tekseru's back is still named as the old chain did.
    drop(store);
    let raw = raw(dir.path());
    raw.execute(
        "UPDATE event SET body = replace(body, 'желдеткіш', 'жоқ') WHERE seq = 2",
        [],
    )
    .unwrap();
    drop(raw);
    let problems = Store::open(dir.path(), PASS)
        .unwrap()
        .verify(&id)
        .unwrap()
        .problems;
    assert!(
        problems
            .iter()
            .any(|p| p.ends_with("was altered: its signature does not verify")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p
            .starts_with("audit entry #2 (answered item 'server-room.ceiling-height'")
            && p.ends_with("was altered: its content no longer matches its hash")),
        "{problems:?}"
    );
}
