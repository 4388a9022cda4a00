//! The store's command line: its contract, and that no kill at any moment loses what a
//! command reported as done or corrupts the store.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const PASS: &str = "test passphrase";

fn tekseru(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tekseru"));
    c.env("TEKSERU_DATA_DIR", dir)
        .env("TEKSERU_PASSPHRASE", PASS)
        .env("TEKSERU_INSPECTOR", "Test Inspector")
        .env_remove("TEKSERU_CHECKLISTS");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    tekseru(dir).args(args).output().unwrap()
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

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn new_inspection(dir: &Path) -> String {
    let roster = repo("assets/demo/accreditation-adopted.json");
    let out = run(
        dir,
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
    );
    json(&out)["id"].as_str().unwrap().to_owned()
}

#[test]
fn the_store_commands_keep_their_contract() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let id = new_inspection(dir.path());
    assert_eq!(id.len(), 32);

    let answer = json(&run(
        dir.path(),
        &[
            "inspection",
            "answer",
            &id,
            "server-room.ceiling-height",
            "--value",
            "2.31",
            "--note",
            "төмен",
            "--json",
        ],
    ));
    assert_eq!(answer["verdict"], "fails");
    assert_eq!(answer["updated_by"], "Test Inspector");

    let photo = files.path().join("төбе.jpg");
    std::fs::write(&photo, b"\xFF\xD8\xFF\xE0 not really a jpeg").unwrap();
    let added = json(&run(
        dir.path(),
        &[
            "evidence",
            "add",
            &id,
            "--item",
            "server-room.ceiling-height",
            photo.to_str().unwrap(),
            "--json",
        ],
    ));
    let sha = added[0]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(added[0]["name"], "төбе.jpg");
    assert_eq!(added[0]["bytes"], 22);

    let out = files.path().join("back.jpg");
    json(&run(
        dir.path(),
        &[
            "evidence",
            "export",
            &id,
            &sha,
            "-o",
            out.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&photo).unwrap());

    let show = json(&run(dir.path(), &["inspection", "show", &id, "--json"]));
    assert_eq!(show["checklist"]["id"], "ca-accreditation-onsite");
    assert_eq!(show["evidence"][0]["media_type"], "image/jpeg");
    assert_eq!(show["roster"].as_array().unwrap().len(), 6);

    let list = json(&run(dir.path(), &["inspection", "list", "--json"]));
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["failing"], 1);

    let verify = run(dir.path(), &["audit", "verify", &id]);
    assert_eq!(verify.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&verify.stdout).starts_with("intact: 3 entries, head "));

    let wrong = tekseru(dir.path())
        .env("TEKSERU_PASSPHRASE", "nope")
        .args(["inspection", "list"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong passphrase for the store in"));

    let bad = run(
        dir.path(),
        &[
            "inspection",
            "answer",
            &id,
            "server-room.ups",
            "--value",
            "3",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr)
        .contains("item 'server-room.ups' is a check item; only measure items take a value"));

    let none = tekseru(dir.path())
        .env("TEKSERU_DATA_DIR", files.path().join("nowhere"))
        .args(["inspection", "list"])
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no store in"));
}

/// A small deterministic generator, so that a failing run can be replayed from its seed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn fifty_kills_lose_nothing_reported_and_corrupt_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let id = new_inspection(dir.path());
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("kill test seed {seed}");
    let mut rng = Lcg(seed);
    let items = [
        "server-room.ups",
        "server-room.air-conditioning",
        "server-room.fire-system",
        "server-room.access-control",
    ];
    // Every answer attempted, in order, and the last one each item reported as done.
    let mut attempts: Vec<(String, String)> = Vec::new();
    let mut reported_answers: BTreeMap<String, usize> = BTreeMap::new();
    let mut reported_evidence: Vec<(String, u64)> = Vec::new();
    let mut killed_mid_work = 0;
    // How long one whole evidence import takes on this machine now (under load it can be
    // many times the idle time), measured on a store of its own: the kills fall within twice
    // that, so that some imports finish and some are cut, whatever the load.
    let calibration = {
        let dir = tempfile::tempdir().unwrap();
        let id = new_inspection(dir.path());
        let paths: Vec<_> = (0..3)
            .map(|k| {
                let path = files.path().join(format!("calibration-{k}.bin"));
                std::fs::write(&path, vec![k as u8; 12 << 20]).unwrap();
                path
            })
            .collect();
        let started = Instant::now();
        let out = tekseru(dir.path())
            .args(["evidence", "add", &id, "--item", "server-room.work-log"])
            .args(&paths)
            .output()
            .unwrap();
        assert!(out.status.success(), "the calibration import failed");
        started.elapsed().as_millis() as u64
    };
    let window = (2 * calibration).max(400);
    eprintln!("one import takes {calibration} ms: kills within {window} ms");
    for round in 0..50 {
        let mut cmd = tekseru(dir.path());
        let evidence = round % 2 == 0;
        let mut batch = Vec::new();
        if evidence {
            let mut paths = Vec::new();
            for k in 0..3 {
                let path = files.path().join(format!("video-{round}-{k}.bin"));
                let mut content = vec![(round * 3 + k) as u8; 12 << 20];
                content[..8].copy_from_slice(&(seed ^ (round * 3 + k) as u64).to_le_bytes());
                std::fs::write(&path, &content).unwrap();
                paths.push(path);
            }
            cmd.args(["evidence", "add", &id, "--item", "server-room.work-log"])
                .args(&paths);
        } else {
            // A batch of answers: one process per answer, each reporting when it is done.
            let mut script = String::new();
            for i in 0..8 {
                let item = items[(i + round) % items.len()];
                let note = format!("round {round} answer {i}");
                script.push_str(&format!(
                    "{bin} inspection answer {id} {item} --verdict complies --note '{note}' || exit 1\n",
                    bin = env!("CARGO_BIN_EXE_tekseru")
                ));
                batch.push((item.to_owned(), note));
            }
            cmd = Command::new("sh");
            cmd.env("TEKSERU_DATA_DIR", dir.path())
                .env("TEKSERU_PASSPHRASE", PASS)
                .args(["-c", &script]);
        }
        let first_attempt = attempts.len();
        attempts.extend(batch.iter().cloned());
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        let delay = Duration::from_millis(5 + rng.next(window));
        let started = Instant::now();
        while started.elapsed() < delay {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait().unwrap().is_none() {
            killed_mid_work += 1;
            // SIGKILL the whole group: the shell and the tekseru process it runs.
            unsafe_free_kill(child.id());
        }
        child.wait().unwrap();
        let lines = reader.join().unwrap();
        for line in lines {
            if evidence {
                let mut parts = line.split_whitespace();
                let sha = parts.next().unwrap().to_owned();
                let _name = parts.next();
                let bytes: u64 = parts.next().unwrap().parse().unwrap();
                reported_evidence.push((sha, bytes));
            } else {
                let item = line.split(':').next().unwrap().to_owned();
                // The n-th reported line of the batch is the n-th answer of it.
                let done = (first_attempt..attempts.len())
                    .find(|&i| {
                        attempts[i].0 == item && reported_answers.get(&item).is_none_or(|&r| r < i)
                    })
                    .unwrap();
                reported_answers.insert(item, done);
            }
        }
    }
    assert!(
        killed_mid_work >= 10,
        "only {killed_mid_work} of 50 runs were killed mid-work; the delays are too long"
    );

    let verify = run(dir.path(), &["audit", "verify", &id]);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let show = json(&run(dir.path(), &["inspection", "show", &id, "--json"]));
    for (sha, bytes) in &reported_evidence {
        let found = show["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["sha256"] == sha.as_str());
        assert_eq!(
            found.map(|e| e["bytes"].as_u64().unwrap()),
            Some(*bytes),
            "reported evidence {sha} is missing"
        );
    }
    for (item, &done) in &reported_answers {
        let answer = show["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["item"] == item.as_str())
            .unwrap();
        let note = answer["note"].as_str().unwrap();
        // The answer is the one reported, or one attempted after it (killed after committing).
        let index = attempts
            .iter()
            .position(|(i, n)| i == item && n == note)
            .unwrap();
        assert!(
            index >= done,
            "{item}: the store has '{note}', older than the reported '{}'",
            attempts[done].1
        );
    }
    eprintln!(
        "{killed_mid_work} kills mid-work; {} evidence files and {} answers reported done",
        reported_evidence.len(),
        reported_answers.len()
    );
    assert!(!reported_evidence.is_empty() && !reported_answers.is_empty());
}

/// SIGKILL a process group through the `kill` command (the test crate forbids unsafe code).
fn unsafe_free_kill(pid: u32) {
    Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .status()
        .unwrap();
}

/// Unmounts the small filesystem when the test ends, whatever happens.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_store_stays_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=12m",
            "tekseru-test",
            mnt.to_str().unwrap(),
        ])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        // Only root may mount; CI runs as root. Say so rather than pass silently.
        eprintln!("SKIPPED: cannot mount a small tmpfs here (needs root); disk-full not tested");
        return;
    }
    let _mount = Mount(mnt.clone());
    let store = mnt.join("store");
    let files = tempfile::tempdir().unwrap();
    let id = new_inspection(&store);
    let small = files.path().join("small.bin");
    std::fs::write(&small, vec![5u8; 100_000]).unwrap();
    let added = json(&run(
        &store,
        &[
            "evidence",
            "add",
            &id,
            "--item",
            "server-room.ups",
            small.to_str().unwrap(),
            "--json",
        ],
    ));
    json(&run(
        &store,
        &[
            "inspection",
            "answer",
            &id,
            "server-room.ups",
            "--verdict",
            "fails",
            "--json",
        ],
    ));
    let big = files.path().join("big.bin");
    let content: Vec<u8> = (0..20u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&big, content).unwrap();
    let out = run(
        &store,
        &[
            "evidence",
            "add",
            &id,
            "--item",
            "server-room.ups",
            big.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the disk is full: nothing was written (free some space and try again)"),
        "{err}"
    );

    let verify = run(&store, &["audit", "verify", &id]);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let show = json(&run(&store, &["inspection", "show", &id, "--json"]));
    let evidence = show["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0]["sha256"], added[0]["sha256"]);
    assert_eq!(show["answers"][0]["verdict"], "fails");
    // The store still takes work.
    json(&run(
        &store,
        &[
            "inspection",
            "answer",
            &id,
            "server-room.air-conditioning",
            "--verdict",
            "complies",
            "--json",
        ],
    ));
}

#[test]
fn an_act_is_rendered_from_the_store_and_verified_against_its_trusted_roots() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let id = new_inspection(dir.path());
    let out = run(dir.path(), &["act", "status", &id]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no act yet"));

    let act = files.path().join("act.pdf");
    let out = json(&run(
        dir.path(),
        &[
            "act",
            "render",
            &id,
            "-o",
            act.to_str().unwrap(),
            "--lang",
            "kk",
            "--json",
        ],
    ));
    assert!(out["bytes"].as_u64().unwrap() > 10_000);
    assert!(std::fs::read(&act).unwrap().starts_with(b"%PDF-"));
    let shown = json(&run(dir.path(), &["inspection", "show", &id, "--json"]));
    assert_eq!(shown["acts"].as_array().unwrap().len(), 1);
    assert!(shown["seal"]["head"].is_string());

    // Unsigned, nothing trusted: not adopted, exit 1, and the reasons say so.
    let out = run(dir.path(), &["act", "status", &id, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["quorum"]["adopted"], false);
    assert_eq!(status["trusted_roots"], 0);

    // Only a root certificate is trusted; a file that is none is refused with its name.
    let junk = files.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let out = run(dir.path(), &["act", "trust", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.pem"));
    let root = files.path().join("root.pem");
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args(["-subj", "/CN=Test root", "-days", "30", "-keyout"])
        .arg(files.path().join("root.key"))
        .arg("-out")
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let out = json(&run(
        dir.path(),
        &["act", "trust", root.to_str().unwrap(), "--json"],
    ));
    assert_eq!(out["added"], 1);
    assert_eq!(out["trusted"], 1);

    // Rendering again with nothing signed is allowed: a new revision.
    json(&run(
        dir.path(),
        &["act", "render", &id, "-o", act.to_str().unwrap(), "--json"],
    ));
    let status: Value =
        serde_json::from_slice(&run(dir.path(), &["act", "status", &id, "--json"]).stdout).unwrap();
    assert_eq!(status["trusted_roots"], 1);
    assert_eq!(status["revision"]["kind"], "rendered");
    let out = run(dir.path(), &["audit", "verify", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_recommendation_is_recorded_with_its_term_and_an_agreed_longer_one() {
    let dir = tempfile::tempdir().unwrap();
    let roster = repo("assets/demo/revocation-adopted.json");
    let id = json(&run(
        dir.path(),
        &[
            "inspection",
            "new",
            "--checklist",
            "ca-revocation-examination",
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
    let first = json(&run(
        dir.path(),
        &[
            "inspection",
            "recommend",
            &id,
            "Журналды тігу",
            "--term",
            "20",
            "--json",
        ],
    ));
    assert_eq!(
        (&first["number"], &first["term"], &first["counted_term"]),
        (&Value::from(1), &Value::from(20), &Value::from(20))
    );
    // Not received yet: nothing to count from.
    assert!(first["report_due"].is_null());
    let second = json(&run(
        dir.path(),
        &[
            "inspection",
            "recommend",
            &id,
            "Резервтік АБК орнату",
            "--term",
            "30",
            "--agreed-term",
            "90",
            "--json",
        ],
    ));
    assert_eq!(
        (
            &second["number"],
            &second["agreed_term"],
            &second["counted_term"]
        ),
        (&Value::from(2), &Value::from(90), &Value::from(90))
    );
    let refused = run(
        dir.path(),
        &["inspection", "recommend", &id, "Тым ұзақ", "--term", "61"],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("a deadline of 61 working days exceeds the 60 allowed by 224/НҚ §21 ¶2"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let shown = json(&run(dir.path(), &["inspection", "show", &id, "--json"]));
    let recs = shown["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1]["agreed_working_days"], 90);
    assert!(recs[0].get("agreed_working_days").is_none());
}

/// Everything the app records, recorded from the command line; an inspection made with
/// settings other than the defaults keeps them, and `act verify` counts by them.
#[test]
fn the_cli_records_the_acts_details_and_pins_the_quorum_settings() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut roster: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("assets/demo/accreditation-adopted.json")).unwrap(),
    )
    .unwrap();
    let settings = serde_json::json!({
        "secretary_counts_in_accreditation": false,
        "revocation_minimum": "whole_commission",
        "late_signatures_count": true,
        "every_knb_member_signs": true
    });
    roster["settings"] = settings.clone();
    let roster_path = files.path().join("roster.json");
    std::fs::write(&roster_path, roster.to_string()).unwrap();
    let members = roster["members"].as_array().unwrap().len();
    let id = json(&run(
        dir.path(),
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
            "Астана қ., Мәңгілік Ел, 55",
            "--roster",
            roster_path.to_str().unwrap(),
            "--json",
        ],
    ))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown = json(&run(dir.path(), &["inspection", "show", &id, "--json"]));
    assert_eq!(shown["settings"], settings);

    for (field, value) in [
        ("commission-order", "312/НҚ"),
        ("commission-order-date", "2026-11-12"),
        ("act-number", "КО-17/2026"),
        ("legal-address", "Астана қ., Мәңгілік Ел, 55"),
        ("onsite-start", "2026-11-18"),
        ("actual-state", "Серверлік үй-жай таза."),
        ("conclusions", "Талаптарға сәйкес."),
    ] {
        json(&run(
            dir.path(),
            &["inspection", "set", &id, field, value, "--json"],
        ));
    }
    let details = json(&run(
        dir.path(),
        &[
            "inspection",
            "set",
            &id,
            "present",
            "Б. Ахметов, техникалық директор",
            "С. Омарова, АҚ бөлімінің басшысы",
            "--json",
        ],
    ));
    assert_eq!(details["present"].as_array().unwrap().len(), 2);
    assert_eq!(details["commission_order_date"], "2026-11-12");
    let out = run(dir.path(), &["inspection", "set", &id, "subject", "шағым"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only in the revocation procedure"));
    let out = run(
        dir.path(),
        &["inspection", "set", &id, "onsite-start", "18.11.2026"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected YYYY-MM-DD"));
    let violations = json(&run(
        dir.path(),
        &[
            "inspection",
            "violation",
            &id,
            "Журнал тігілмеген",
            "--json",
        ],
    ));
    assert_eq!(violations, serde_json::json!(["Журнал тігілмеген"]));
    json(&run(
        dir.path(),
        &[
            "inspection",
            "event",
            &id,
            "onsite-notice",
            "2026-11-13",
            "--json",
        ],
    ));
    json(&run(
        dir.path(),
        &[
            "inspection",
            "event",
            &id,
            "onsite-check-done",
            "2026-11-20",
            "--json",
        ],
    ));
    let out = run(
        dir.path(),
        &[
            "inspection",
            "event",
            &id,
            "complaint-received",
            "2026-11-20",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let timeline = json(&run(
        dir.path(),
        &[
            "inspection",
            "timeline",
            &id,
            "--today",
            "2026-11-20",
            "--json",
        ],
    ));
    let done = timeline["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "onsite-check-done")
        .unwrap();
    assert_eq!(done["recorded"], "2026-11-20");

    let act = files.path().join("act.pdf");
    json(&run(
        dir.path(),
        &[
            "act",
            "render",
            &id,
            "-o",
            act.to_str().unwrap(),
            "--lang",
            "ru",
            "--json",
        ],
    ));
    let out = run(
        dir.path(),
        &["act", "verify", act.to_str().unwrap(), "--json"],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["quorum"]["settings"], settings, "{report:#}");
    // The secretary is out of the denominator: two thirds of the others.
    let required = (2 * (members - 1)).div_ceil(3);
    assert_eq!(report["quorum"]["required"], required, "{report:#}");
    let text = Command::new("pdftotext")
        .args(["-raw", act.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for expected in [
        "№ КО-17/2026",
        "Приказ о создании комиссии (224/НҚ §3 ¶4): № 312/НҚ от 12 ноября 2026 г.",
        "Юридический адрес: Астана қ., Мәңгілік Ел, 55",
        "Б. Ахметов, техникалық директор; С. Омарова",
        "18 ноября 2026 г. — 20 ноября 2026 г.",
        "Фактическое состояние удостоверяющего центра",
        "Журнал тігілмеген",
        "секретарь не входит в число членов комиссии",
        "требуется подпись каждого представителя органов национальной безопасности",
    ] {
        assert!(text.contains(expected), "no «{expected}» in {text}");
    }
    let out = run(dir.path(), &["audit", "verify", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn device_show_names_the_stores_device_and_a_bad_iin_creates_no_store() {
    let dir = tempfile::tempdir().unwrap();
    let roster = repo("assets/demo/accreditation-adopted.json");
    let args = [
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
    ];
    let out = tekseru(dir.path())
        .env("TEKSERU_INSPECTOR_IIN", "810315400009")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("TEKSERU_INSPECTOR_IIN is not a valid IIN")
            && err.contains("nothing was created"),
        "{err}"
    );
    assert!(!dir.path().join("store.toml").exists());
    let out = tekseru(dir.path())
        .env("TEKSERU_INSPECTOR_IIN", "123456789011")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is the NCA test identity") && err.contains("nothing was created"),
        "{err}"
    );
    assert!(!dir.path().join("store.toml").exists());
    let out = tekseru(dir.path())
        .env("TEKSERU_INSPECTOR_IIN", "810315400008")
        .args(args)
        .output()
        .unwrap();
    json(&out);
    let card = json(&run(dir.path(), &["device", "show", "--json"]));
    let id = card["id"].as_str().unwrap();
    assert_eq!(id.len(), 16);
    assert!(card["fingerprint"].as_str().unwrap().starts_with(id));
    assert!(card["public_key"].as_str().unwrap().starts_with("ed25519:"));
    assert_eq!(
        card["inspector"],
        serde_json::json!({"name": "Test Inspector", "iin": "810315400008"})
    );
    // The same device on every run.
    assert_eq!(json(&run(dir.path(), &["device", "show", "--json"])), card);
}
