//! The `tekseru` command-line contract that later issues and outside scripts build on.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn tekseru(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tekseru"))
        .args(args)
        .env_remove("TEKSERU_CHECKLISTS")
        .output()
        .expect("tekseru runs")
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn checklist_validate() {
    let good = repo("crates/core/tests/data/mini.toml");
    let good = good.to_str().unwrap();
    let out = tekseru(&["checklist", "validate", good]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("(mini 1, 2 items)"));

    let bad = std::env::temp_dir().join(format!("tekseru-bad-{}.toml", std::process::id()));
    std::fs::write(&bad, "id = \"x\"\nversion = 1\n").unwrap();
    let out = tekseru(&["checklist", "validate", good, bad.to_str().unwrap()]);
    std::fs::remove_file(&bad).unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:2: invalid type: integer `1`, expected a string",
            bad.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("1 of 2 checklist files are not valid"),
        "{err}"
    );
}

#[test]
fn quorum_of_the_demo_rosters() {
    let adopted = json(&tekseru(&[
        "quorum",
        "--roster",
        repo("assets/demo/accreditation-adopted.json")
            .to_str()
            .unwrap(),
        "--json",
    ]));
    assert_eq!(adopted["adopted"], true);
    assert_eq!(adopted["signed"], 4);
    assert_eq!(adopted["required"], 4);
    assert_eq!(adopted["counted"].as_array().unwrap().len(), 4);
    assert_eq!(
        adopted["reasons"][0],
        "adopted: 4 of 6 members signed (needs 4, two thirds), the KNB representative signed (224/НҚ §13 ¶4)"
    );

    let no_knb = json(&tekseru(&[
        "quorum",
        "--roster",
        repo("assets/demo/accreditation-no-knb.json")
            .to_str()
            .unwrap(),
        "--json",
    ]));
    assert_eq!(no_knb["adopted"], false);
    assert_eq!(no_knb["signed"], 5);
    assert!(no_knb["reasons"][0]
        .as_str()
        .unwrap()
        .contains("the KNB representative has not signed"));

    // The secretary signed but does not count in a revocation: 3 others signed.
    let revocation = json(&tekseru(&[
        "quorum",
        "--roster",
        repo("assets/demo/revocation-adopted.json")
            .to_str()
            .unwrap(),
        "--json",
    ]));
    assert_eq!(revocation["adopted"], true);
    assert_eq!(revocation["signed"], 3);
    assert!(revocation["reasons"].as_array().unwrap().iter().any(|r| r
        .as_str()
        .unwrap()
        .contains("(secretary) signed but is not counted")));
}

#[test]
fn quorum_human_text_and_bad_input() {
    let out = tekseru(&[
        "quorum",
        "--roster",
        repo("assets/demo/accreditation-no-knb.json")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout)
        .starts_with("not adopted: the KNB representative has not signed"));

    let bad = std::env::temp_dir().join(format!("tekseru-roster-{}.json", std::process::id()));
    std::fs::write(
        &bad,
        r#"{"rule":"accreditation","members":[{"name":"A","iin":"810315400009","role":"chair","body":"knb","signed":true}]}"#,
    )
    .unwrap();
    let out = tekseru(&["quorum", "--roster", bad.to_str().unwrap(), "--json"]);
    std::fs::remove_file(&bad).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("IIN '810315400009' fails its checksum (control digit 9, expected 8)"),
        "{err}"
    );
    assert!(err.contains(&bad.display().to_string()), "{err}");

    let out = tekseru(&["quorum", "--roster", "/nonexistent/roster.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read roster file '/nonexistent/roster.json'"));
}
