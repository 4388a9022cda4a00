//! Two stores exchange an inspection: what one sends, the other imports whole or refuses
//! whole, leaving its files as they were.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::collections::BTreeMap;
use std::path::Path;

use tekseru_core::{catalog, Bin, Roster, Verdict};
use tekseru_ledger::VersionVector;
use tekseru_store::{
    AnswerChange, Incoming, NewInspection, Outgoing, StagedBlob, Store, StoreError,
};

const PASS: &str = "correct horse battery staple";

fn roster() -> Roster {
    serde_json::from_str(
        r#"[{"name":"Әсел Жұмабаева","iin":"810315400008","role":"chair","body":"committee"},
            {"name":"Ерлан Қасымов","iin":"850214300001","role":"member","body":"knb"}]"#,
    )
    .unwrap()
}

fn new_inspection(store: &mut Store) -> String {
    let checklist = catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "ca-accreditation-onsite")
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

/// What `from` sends, staged in `to`'s staging directory as a bundle or HQ would.
fn carry(from: &Store, out: Outgoing, to: &Store) -> Incoming {
    let staging = to.staging_dir().unwrap();
    let blobs = out
        .blobs
        .iter()
        .map(|b| {
            let path = staging.join(&b.sha256);
            let mut file = std::fs::File::create(&path).unwrap();
            std::io::copy(&mut from.blob_reader(&b.sha256).unwrap(), &mut file).unwrap();
            StagedBlob {
                sha256: b.sha256.clone(),
                bytes: b.bytes,
                path,
            }
        })
        .collect();
    Incoming {
        inspection: out.inspection,
        events: out.events,
        devices: out.devices,
        blobs,
    }
}

/// Every file under `dir` and its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.insert(
                    path.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    out
}

struct Pair {
    _a: tempfile::TempDir,
    _b: tempfile::TempDir,
    a_dir: std::path::PathBuf,
    b_dir: std::path::PathBuf,
    a: Store,
    b: Store,
    id: String,
}

/// Store a with an inspection (answers and a photo), store b empty.
fn pair() -> Pair {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = Store::create(da.path(), PASS, "Әсел Жұмабаева", None).unwrap();
    let b = Store::create(db.path(), PASS, "Ерлан Қасымов", None).unwrap();
    let id = new_inspection(&mut a);
    a.answer(&id, "server-room.ups", verdict(Verdict::Complies))
        .unwrap();
    let photo = da.path().join("ceiling.txt");
    std::fs::write(&photo, vec![7u8; 3 << 20]).unwrap();
    a.add_evidence(&id, None, &photo, &mut |_, _| true).unwrap();
    std::fs::remove_file(&photo).unwrap();
    Pair {
        a_dir: da.path().to_path_buf(),
        b_dir: db.path().to_path_buf(),
        _a: da,
        _b: db,
        a,
        b,
        id,
    }
}

/// Runs `refused` on store b (reopened), checks that it fails as `expect` says and that
/// b's files are byte for byte as before.
fn refused_leaves_files(
    p: Pair,
    incoming: Incoming,
    accept: &[String],
    expect: impl FnOnce(&StoreError),
) -> Pair {
    let Pair {
        _a,
        _b,
        a_dir,
        b_dir,
        a,
        b,
        id,
    } = p;
    drop(b);
    let before = files(&b_dir);
    let mut b = Store::open(&b_dir, PASS).unwrap();
    let err = b.import(incoming, accept).unwrap_err();
    expect(&err);
    drop(b);
    assert_eq!(
        files(&b_dir),
        before,
        "a refusal changed the store's files ({err})"
    );
    let b = Store::open(&b_dir, PASS).unwrap();
    Pair {
        _a,
        _b,
        a_dir,
        b_dir,
        a,
        b,
        id,
    }
}

#[test]
fn an_inspection_exported_from_one_store_imports_into_another_and_both_verify() {
    let mut p = pair();
    let out = p.a.outgoing(&p.id, &VersionVector::new()).unwrap();
    assert_eq!(out.events.len(), 3);
    assert_eq!(out.devices, [p.a.device()]);
    assert_eq!(out.blobs.len(), 1);
    let a_head = out.events[2].event.hash().unwrap();
    let incoming = carry(&p.a, out, &p.b);
    let staged = incoming.blobs[0].path.clone();
    let report =
        p.b.import(incoming.clone(), &[p.a.device().fingerprint()])
            .unwrap();
    assert_eq!(report.new_events, 3);
    assert_eq!(report.new_blobs, 1);
    assert_eq!(report.devices_accepted, [p.a.device().fingerprint()]);
    assert!(!staged.exists(), "a staged blob used is removed");
    assert!(p.b.verify(&p.id).unwrap().intact());
    assert_eq!(
        p.b.inspection(&p.id).unwrap(),
        p.a.inspection(&p.id).unwrap()
    );
    assert_eq!(
        p.b.version_vector(&p.id).unwrap(),
        p.a.version_vector(&p.id).unwrap()
    );

    // The same again is a no-op: nothing written, nothing copied.
    drop(p.b);
    let before = files(&p.b_dir);
    let mut b = Store::open(&p.b_dir, PASS).unwrap();
    let again = carry(
        &p.a,
        p.a.outgoing(&p.id, &VersionVector::new()).unwrap(),
        &b,
    );
    let report = b.import(again.clone(), &[]).unwrap();
    assert_eq!(
        (report.new_events, report.known_events, report.new_blobs),
        (0, 3, 0)
    );
    for blob in &again.blobs {
        std::fs::remove_file(&blob.path).unwrap();
    }
    drop(b);
    assert_eq!(files(&p.b_dir), before);
    let mut b = Store::open(&p.b_dir, PASS).unwrap();

    // b answers; a imports what it lacks, with b's device accepted: one DAG, both verify.
    b.answer(
        &p.id,
        "server-room.ceiling-height",
        AnswerChange {
            value: Some(Some(2.6)),
            ..AnswerChange::default()
        },
    )
    .unwrap();
    p.a.answer(
        &p.id,
        "server-room.air-conditioning",
        verdict(Verdict::Fails),
    )
    .unwrap();
    let theirs = p.a.version_vector(&p.id).unwrap();
    let out = b.outgoing(&p.id, &theirs).unwrap();
    assert_eq!(out.events.len(), 1, "only what a lacks");
    assert_eq!(
        out.events[0].event.parents,
        [a_head],
        "b's first event names the head of a it had seen"
    );
    assert_eq!(out.events[0].event.seq, 1);
    let incoming = carry(&b, out, &p.a);
    let report = p.a.import(incoming, &[b.device().fingerprint()]).unwrap();
    assert_eq!(report.new_events, 1);
    let out =
        p.a.outgoing(&p.id, &b.version_vector(&p.id).unwrap())
            .unwrap();
    let incoming = carry(&p.a, out, &b);
    b.import(incoming, &[]).unwrap();
    for s in [&p.a, &b] {
        let v = s.verify(&p.id).unwrap();
        assert!(v.intact(), "{:?}", v.problems);
    }
    let (ia, ib) = (p.a.inspection(&p.id).unwrap(), b.inspection(&p.id).unwrap());
    assert_eq!(ia, ib, "both stores say the same");
    assert_eq!(ia.answers.len(), 3);
    assert_eq!(
        ia.answer("server-room.ceiling-height").unwrap().updated_by,
        "Ерлан Қасымов"
    );
    // Two heads now (a's and b's concurrent answers); the next change joins them.
    p.a.answer(&p.id, "server-room.ups", verdict(Verdict::Fails))
        .unwrap();
    assert!(p.a.verify(&p.id).unwrap().intact());
    let _ = p.a_dir;
}

#[test]
fn an_unknown_device_is_refused_until_accepted() {
    let p = pair();
    let incoming = carry(
        &p.a,
        p.a.outgoing(&p.id, &VersionVector::new()).unwrap(),
        &p.b,
    );
    let fingerprint = p.a.device().fingerprint();
    let p = refused_leaves_files(p, incoming.clone(), &["00".repeat(32)], |e| match e {
        StoreError::UnknownDevice {
            fingerprint: f,
            inspector,
        } => {
            assert_eq!(*f, fingerprint);
            assert_eq!(inspector, "Әсел Жұмабаева");
        }
        other => panic!("{other}"),
    });
    assert!(matches!(
        p.b.inspection(&p.id),
        Err(StoreError::NoInspection(_))
    ));
    let mut b = p.b;
    b.import(incoming, &[fingerprint.to_uppercase()]).unwrap();
    assert!(b.verify(&p.id).unwrap().intact());
}

#[test]
fn a_fork_is_refused_loudly_and_never_merged() {
    let p = pair();
    // A copy of store a (the same device key) makes a different event #4.
    let copy = tempfile::tempdir().unwrap();
    for (name, bytes) in files(&p.a_dir) {
        let path = copy.path().join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let mut twin = Store::open(copy.path(), PASS).unwrap();
    let mut p = p;
    p.a.answer(&p.id, "server-room.ups", verdict(Verdict::Fails))
        .unwrap();
    twin.answer(&p.id, "server-room.ups", verdict(Verdict::NotApplicable))
        .unwrap();
    let accept = [p.a.device().fingerprint()];
    let first = carry(
        &p.a,
        p.a.outgoing(&p.id, &VersionVector::new()).unwrap(),
        &p.b,
    );
    p.b.import(first, &accept).unwrap();
    let second = carry(
        &twin,
        twin.outgoing(&p.id, &VersionVector::new()).unwrap(),
        &p.b,
    );
    let device = p.a.device().id().to_string();
    let p = refused_leaves_files(p, second, &accept, |e| match e {
        StoreError::Fork { device: d, seq } => {
            assert_eq!((d.as_str(), *seq), (device.as_str(), 4));
            assert!(e.to_string().starts_with("fork: device "));
        }
        other => panic!("{other}"),
    });
    assert_eq!(
        p.b.inspection(&p.id)
            .unwrap()
            .answer("server-room.ups")
            .unwrap()
            .verdict,
        Some(Verdict::Fails)
    );
}

#[test]
fn a_tampered_event_or_blob_is_refused_and_nothing_is_written() {
    let p = pair();
    let accept = [p.a.device().fingerprint()];
    let good = carry(
        &p.a,
        p.a.outgoing(&p.id, &VersionVector::new()).unwrap(),
        &p.b,
    );
    // An event's content changed after it was signed.
    let mut tampered = good.clone();
    tampered.events[1].event.body["change"]["verdict"] = serde_json::json!("fails");
    let device = p.a.device().id().to_string();
    let p = refused_leaves_files(p, tampered, &accept, |e| {
        assert!(matches!(e, StoreError::Refused(_)), "{e}");
        assert!(
            e.to_string().starts_with(&format!(
                "import refused: event #2 of device {device} was refused: "
            )),
            "{e}"
        );
    });
    // A blob whose bytes are not the ones its hash names.
    let mut bad_blob = good.clone();
    std::fs::write(&bad_blob.blobs[0].path, vec![8u8; 3 << 20]).unwrap();
    bad_blob.blobs[0].bytes = 3 << 20;
    let sha = good.blobs[0].sha256.clone();
    let p = refused_leaves_files(p, bad_blob, &accept, |e| {
        assert!(
            e.to_string().starts_with(&format!(
                "import refused: blob {}: its bytes hash to",
                &sha[..12]
            )),
            "{e}"
        );
    });
    // A blob missing altogether.
    let mut missing = good.clone();
    missing.blobs.clear();
    let p = refused_leaves_files(p, missing, &accept, |e| {
        assert!(
            e.to_string()
                .contains("neither held by this store nor sent with it"),
            "{e}"
        );
    });
    // An event that does not follow the one before it (#2 left out).
    let mut gap = carry(
        &p.a,
        p.a.outgoing(&p.id, &VersionVector::new()).unwrap(),
        &p.b,
    );
    gap.events.remove(1);
    let p = refused_leaves_files(p, gap, &accept, |e| {
        assert!(e.to_string().contains("event #3 of device"), "{e}");
        assert!(
            e.to_string().contains("which is neither held nor sent"),
            "{e}"
        );
    });
    // The staged file written again as sent, the import goes through.
    let mut b = p.b;
    let fresh = carry(
        &p.a,
        p.a.outgoing(&p.id, &VersionVector::new()).unwrap(),
        &b,
    );
    b.import(fresh, &accept).unwrap();
    assert!(b.verify(&p.id).unwrap().intact());
}
