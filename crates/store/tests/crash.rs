//! A kill in the middle of an import leaves the import whole or absent, and the store
//! opening and verifying.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::path::Path;

use tekseru_core::{catalog, Bin, Roster, Verdict};
use tekseru_ledger::VersionVector;
use tekseru_store::{AnswerChange, Incoming, NewInspection, StagedBlob, Store, StoreError};

const PASS: &str = "correct horse battery staple";
const TEST: &str = "a_kill_while_importing_leaves_the_import_whole_or_absent";

/// The child side: imports the staged Incoming (JSON in `file`) and exits.
fn import_until_killed(dir: &Path, file: &Path, accept: &str) -> ! {
    let mut store = Store::open(dir, PASS).unwrap();
    let incoming: Incoming = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    store.import(incoming, &[accept.to_owned()]).unwrap();
    std::process::exit(0)
}

/// Stages what `a` has of the inspection into `b`'s staging directory, as a JSON file.
fn stage(a: &Store, b_dir: &Path, id: &str, file: &Path) {
    let out = a.outgoing(id, &VersionVector::new()).unwrap();
    let staging = b_dir.join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let blobs = out
        .blobs
        .iter()
        .map(|b| {
            let path = staging.join(&b.sha256);
            let mut f = std::fs::File::create(&path).unwrap();
            std::io::copy(&mut a.blob_reader(&b.sha256).unwrap(), &mut f).unwrap();
            StagedBlob {
                sha256: b.sha256.clone(),
                bytes: b.bytes,
                path,
            }
        })
        .collect();
    let incoming = Incoming {
        inspection: out.inspection,
        events: out.events,
        devices: out.devices,
        blobs,
    };
    std::fs::write(file, serde_json::to_vec(&incoming).unwrap()).unwrap();
}

#[test]
fn a_kill_while_importing_leaves_the_import_whole_or_absent() {
    if let (Ok(dir), Ok(file), Ok(accept)) = (
        std::env::var("TEKSERU_TEST_IMPORT_CHILD_DIR"),
        std::env::var("TEKSERU_TEST_IMPORT_CHILD_FILE"),
        std::env::var("TEKSERU_TEST_IMPORT_CHILD_ACCEPT"),
    ) {
        import_until_killed(Path::new(&dir), Path::new(&file), &accept);
    }
    let (da, db, work) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let mut a = Store::create(da.path(), PASS, "Әсел Жұмабаева", None).unwrap();
    let checklist = catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "ca-accreditation-onsite")
        .unwrap();
    let roster: Roster = serde_json::from_str(
        r#"[{"name":"Әсел Жұмабаева","iin":"810315400008","role":"chair","body":"committee"}]"#,
    )
    .unwrap();
    let id = a
        .new_inspection(NewInspection {
            checklist,
            ca_name: "«Сенім» КО".into(),
            bin: Bin::parse("050440001000").unwrap(),
            site: "Астана".into(),
            roster,
            training: false,
            settings: None,
        })
        .unwrap();
    // A large import: 300 events and 24 MiB of evidence.
    for n in 0..300u32 {
        a.answer(
            &id,
            "server-room.ups",
            AnswerChange {
                verdict: Some(Some(if n % 2 == 0 {
                    Verdict::Complies
                } else {
                    Verdict::Fails
                })),
                note: Some(Some(format!("note {n}"))),
                ..AnswerChange::default()
            },
        )
        .unwrap();
    }
    for n in 0..4u8 {
        let photo = work.path().join(format!("photo-{n}.bin"));
        std::fs::write(&photo, vec![n; 6 << 20]).unwrap();
        a.add_evidence(&id, None, &photo, &mut |_, _| true).unwrap();
    }
    let whole = a.version_vector(&id).unwrap();
    let expected = a.inspection(&id).unwrap();
    let accept = a.device().fingerprint();
    drop(Store::create(db.path(), PASS, "Ерлан Қасымов", None).unwrap());
    let file = work.path().join("incoming.json");
    let (mut killed_midway, mut finished) = (0, false);
    for round in 0..10u64 {
        if finished {
            break;
        }
        stage(&a, db.path(), &id, &file);
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", TEST, "--nocapture"])
            .env("TEKSERU_TEST_IMPORT_CHILD_DIR", db.path())
            .env("TEKSERU_TEST_IMPORT_CHILD_FILE", &file)
            .env("TEKSERU_TEST_IMPORT_CHILD_ACCEPT", &accept)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Moments spread over the import (opening the store, checking, writing, committing).
        std::thread::sleep(std::time::Duration::from_millis(150 + (round * 233) % 1600));
        let exited = child.try_wait().unwrap();
        if exited.is_none() {
            child.kill().unwrap();
        }
        let status = child.wait().unwrap();
        let b = Store::open(db.path(), PASS).unwrap();
        match b.version_vector(&id) {
            Err(StoreError::NoInspection(_)) => {
                assert!(
                    exited.is_none(),
                    "round {round}: the child finished but imported nothing"
                );
                killed_midway += 1;
            }
            Ok(held) => {
                assert_eq!(held, whole, "round {round}: part of the import was kept");
                let verified = b.verify(&id).unwrap();
                assert!(verified.intact(), "round {round}: {:?}", verified.problems);
                let mut got = b.inspection(&id).unwrap();
                got.audit_head.clone_from(&expected.audit_head);
                assert_eq!(got, expected, "round {round}");
                for e in &expected.evidence {
                    let mut out = Vec::new();
                    b.export_evidence(&id, &e.sha256, &mut out).unwrap();
                    assert_eq!(out.len() as u64, e.bytes);
                }
                finished = true;
                let _ = status;
            }
            Err(e) => panic!("round {round}: {e}"),
        }
    }
    assert!(killed_midway > 0, "no kill landed inside an import");
    if !finished {
        // Never let to finish: the import still goes through whole afterwards.
        stage(&a, db.path(), &id, &file);
        let mut b = Store::open(db.path(), PASS).unwrap();
        let incoming: Incoming = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        b.import(incoming, &[accept]).unwrap();
        assert!(b.verify(&id).unwrap().intact());
        assert_eq!(b.version_vector(&id).unwrap(), whole);
    }
}
