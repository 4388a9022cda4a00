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
fn checklist_list_json() {
    let list = json(&tekseru(&["checklist", "list", "--json"]));
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "ca-accreditation-onsite",
            "ca-accreditation-documents",
            "ca-revocation-examination"
        ]
    );
    for c in list.as_array().unwrap() {
        for lang in ["kk", "ru", "en"] {
            assert!(!c["title"][lang].as_str().unwrap().is_empty());
        }
        assert!(c["source"].as_str().unwrap().contains("224/НҚ"));
        // The cited 2022 wording's date is blank in the law's text: no date is claimed, the
        // note says why, and the wording applied is named.
        assert!(c["effective_from"].is_null());
        assert!(c["effective_note"].as_str().unwrap().contains("blank"));
        assert!(c["wording"].as_str().unwrap().contains("2022"));
        assert!(c["items"].as_u64().unwrap() > 5);
        assert!(c["version"].is_string());
    }
}

#[test]
fn checklist_show_json_has_the_contract_shape() {
    let c = json(&tekseru(&[
        "checklist",
        "show",
        "ca-accreditation-onsite",
        "--json",
    ]));
    assert_eq!(c["id"], "ca-accreditation-onsite");
    let items: Vec<&Value> = c["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            assert!(s["title"]["kk"].is_string());
            s["items"].as_array().unwrap()
        })
        .collect();
    for item in &items {
        for key in ["id", "kind", "ref", "text", "rule"] {
            assert!(item.get(key).is_some(), "item lacks {key}: {item}");
        }
    }
    let ceiling = items
        .iter()
        .find(|i| i["ref"] == "224/НҚ §12(15) ¶6")
        .expect("an item cites the ceiling height");
    assert_eq!(ceiling["kind"], "measure");
    assert_eq!(ceiling["rule"]["op"], ">=");
    assert_eq!(ceiling["rule"]["value"], 2.44);
    assert_eq!(ceiling["unit"], "m");
}

#[test]
fn checklist_show_unknown_id_exits_2() {
    let out = tekseru(&["checklist", "show", "no-such-list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no checklist 'no-such-list' (known: ca-accreditation-onsite"));
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

#[test]
fn checklist_validate_the_shipped_files() {
    let shipped: Vec<String> = std::fs::read_dir(repo("checklists"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(shipped.len(), 3);
    let mut args = vec!["checklist", "validate"];
    args.extend(shipped.iter().map(String::as_str));
    let out = tekseru(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn checklist_dir_overrides_the_built_in_ones() {
    let dir = repo("crates/core/tests/data");
    let list = json(&tekseru(&[
        "checklist",
        "list",
        "--dir",
        dir.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(list[0]["id"], "mini");
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    // `tekseru checklist show … | head -0`: the reader closes the pipe before tekseru writes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_tekseru"))
        .args([
            "checklist",
            "show",
            "ca-revocation-examination",
            "--lang",
            "kk",
        ])
        .env_remove("TEKSERU_CHECKLISTS")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The read end is dropped at once; everything tekseru writes fails with EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}: {stderr}",
        out.status.code()
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
