//! `tekseru inspection show` and `inspection resolve` on an inspection two laptops merged.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // Tests may panic on what they set up.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use tekseru_core::Verdict;
use tekseru_store::{AnswerChange, Incoming, StagedBlob, Store};

const PASS: &str = "test passphrase";

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tekseru"))
        .env("TEKSERU_DATA_DIR", dir)
        .env("TEKSERU_PASSPHRASE", PASS)
        .env("TEKSERU_INSPECTOR", "Әсел Жұмабаева")
        .env_remove("TEKSERU_CHECKLISTS")
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn send(from: &Store, to: &mut Store, id: &str) {
    let theirs = to.version_vector(id).unwrap_or_default();
    let out = from.outgoing(id, &theirs).unwrap();
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
    let incoming = Incoming {
        inspection: out.inspection,
        events: out.events,
        devices: out.devices,
        blobs,
    };
    to.import(incoming, &[from.device().public_key.fingerprint()])
        .unwrap();
}

#[test]
fn a_conflict_is_shown_and_resolved_from_the_command_line() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let roster =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo/accreditation-adopted.json");
    let id = json(&run(
        a_dir.path(),
        &[
            "inspection",
            "new",
            "--checklist",
            "ca-accreditation-onsite",
            "--ca",
            "«Сенім» КО",
            "--bin",
            "050440001000",
            "--site",
            "Астана",
            "--roster",
            roster.to_str().unwrap(),
            "--json",
        ],
    ))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A colleague's laptop receives the inspection; both answer the same item otherwise,
    // and the colleague's work comes back.
    let mut b = Store::create(b_dir.path(), PASS, "Ерлан Қасымов", None).unwrap();
    {
        let a = Store::open(a_dir.path(), PASS).unwrap();
        send(&a, &mut b, &id);
    }
    let out = run(
        a_dir.path(),
        &[
            "inspection",
            "answer",
            &id,
            "server-room.ups",
            "--verdict",
            "complies",
        ],
    );
    assert!(out.status.success(), "the answer is recorded");
    b.answer(
        &id,
        "server-room.ups",
        AnswerChange {
            verdict: Some(Some(Verdict::Fails)),
            ..AnswerChange::default()
        },
    )
    .unwrap();
    let b_device = b.device().public_key.id().to_string();
    {
        let mut a = Store::open(a_dir.path(), PASS).unwrap();
        send(&b, &mut a, &id);
    }

    let shown = json(&run(a_dir.path(), &["inspection", "show", &id, "--json"]));
    let conflicts = shown["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0]["item"], "server-room.ups");
    assert_eq!(conflicts[0]["field"], "verdict");
    let versions = conflicts[0]["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions.iter().any(|v| v["device"] == b_device.as_str()
        && v["inspector"] == "Ерлан Қасымов"
        && v["value"] == "fails"));
    let human = run(a_dir.path(), &["inspection", "show", &id]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("1 open conflicts"), "{text}");
    assert!(
        text.contains(&format!("\"fails\"  by Ерлан Қасымов on device {b_device}")),
        "{text}"
    );

    // Clear errors.
    let out = run(
        a_dir.path(),
        &[
            "inspection",
            "resolve",
            &id,
            "server-room.ups",
            "note",
            "--value",
            "x",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "has no open conflict on server-room.ups note (open: server-room.ups verdict)"
        ),
        "{err}"
    );
    let out = run(
        a_dir.path(),
        &["inspection", "resolve", &id, "server-room.ups", "verdict"],
    );
    assert!(!out.status.success(), "neither --take nor --value");
    let out = run(
        a_dir.path(),
        &[
            "inspection",
            "resolve",
            &id,
            "server-room.ups",
            "verdict",
            "--take",
            "0000000000000009",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("no version of server-room.ups verdict comes from device 0000000000000009"));

    let done = json(&run(
        a_dir.path(),
        &[
            "inspection",
            "resolve",
            &id,
            "server-room.ups",
            "verdict",
            "--take",
            &b_device,
            "--json",
        ],
    ));
    assert_eq!(done["conflicts"], serde_json::json!([]));
    let shown = json(&run(a_dir.path(), &["inspection", "show", &id, "--json"]));
    assert_eq!(shown["conflicts"], serde_json::json!([]));
    let answer = shown["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["item"] == "server-room.ups")
        .unwrap()
        .clone();
    assert_eq!(answer["verdict"], "fails");
    let out = run(a_dir.path(), &["audit", "verify", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
