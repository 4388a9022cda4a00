//! Two laptops of one commission and an HQ on 127.0.0.1, through the `tekseru` binary:
//! `hq init`, `hq serve`, `hq token`, `sync enrol`, `sync`.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::path::Path;
use std::process::{Child, Command, Output};

use serde_json::Value;
use tekseru_core::{catalog, Bin, Iin, Roster, Verdict};
use tekseru_store::{AnswerChange, NewInspection, Store};

const PASS: &str = "correct horse battery staple";
const ASEL: &str = "810315400008";
const ERLAN: &str = "850214300001";

fn tekseru() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tekseru"));
    c.env("TEKSERU_PASSPHRASE", PASS)
        .env("TEKSERU_HQ_ADMIN_PASSWORD", "hq admin password")
        .env_remove("TEKSERU_DATA_DIR")
        .env_remove("TEKSERU_HQ_DATABASE");
    c
}

fn json(out: Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn roster() -> Roster {
    serde_json::from_str(&format!(
        r#"[{{"name":"Әсел Жұмабаева","iin":"{ASEL}","role":"chair","body":"committee"}},
            {{"name":"Ерлан Қасымов","iin":"{ERLAN}","role":"member","body":"knb"}}]"#
    ))
    .unwrap()
}

fn verdict(v: Verdict) -> AnswerChange {
    AnswerChange {
        verdict: Some(Some(v)),
        ..AnswerChange::default()
    }
}

fn answer(dir: &Path, id: &str, item: &str, v: Verdict) {
    let mut store = Store::open(dir, PASS).unwrap();
    store.answer(id, item, verdict(v)).unwrap();
}

fn sync(dir: &Path) -> Value {
    json(
        tekseru()
            .args(["--json", "sync", "--data-dir"])
            .arg(dir)
            .output()
            .unwrap(),
    )
}

#[test]
fn two_laptops_converge_through_hq() {
    let tmp = tempfile::tempdir().unwrap();
    let hq = tmp.path().join("hq");
    let init = json(
        tekseru()
            .args(["--json", "hq", "init", "--data"])
            .arg(&hq)
            .output()
            .unwrap(),
    );
    let pin = init["cert_sha256"].as_str().unwrap().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        tekseru()
            .args(["hq", "serve", "--data"])
            .arg(&hq)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("https://127.0.0.1:{port}");
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed().as_secs() < 60, "hq serve did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    // Laptop a makes the inspection, answers an item and attaches a photo.
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let id = {
        let mut store = Store::create(
            &a,
            PASS,
            "Әсел Жұмабаева",
            Some(Iin::parse_allowing_test(ASEL).unwrap()),
        )
        .unwrap();
        let checklist = catalog::embedded()
            .unwrap()
            .into_iter()
            .find(|c| c.id == "ca-accreditation-onsite")
            .unwrap();
        let id = store
            .new_inspection(NewInspection {
                checklist,
                ca_name: "«Сенім» КО".into(),
                bin: Bin::parse("050440001000").unwrap(),
                site: "Астана".into(),
                roster: roster(),
                training: false,
                settings: None,
            })
            .unwrap();
        store
            .answer(&id, "server-room.ups", verdict(Verdict::Complies))
            .unwrap();
        let photo = tmp.path().join("ceiling.jpg");
        std::fs::write(&photo, vec![7u8; 3 << 20]).unwrap();
        store
            .add_evidence(&id, None, &photo, &mut |_, _| true)
            .unwrap();
        id
    };
    Store::create(
        &b,
        PASS,
        "Ерлан Қасымов",
        Some(Iin::parse_allowing_test(ERLAN).unwrap()),
    )
    .unwrap();

    for (dir, iin) in [(&a, ASEL), (&b, ERLAN)] {
        let token = json(
            tekseru()
                .args(["--json", "hq", "token", "--data"])
                .arg(&hq)
                .args(["--inspector", iin])
                .output()
                .unwrap(),
        );
        let enrolled = json(
            tekseru()
                .args(["--json", "sync", "enrol", "--hq", &url, "--pin", &pin])
                .args(["--token", token["token"].as_str().unwrap(), "--data-dir"])
                .arg(dir)
                .output()
                .unwrap(),
        );
        assert_eq!(enrolled["inspector_iin"], iin);
    }

    let first = sync(&a);
    assert!(first["pushed_events"].as_u64().unwrap() >= 3, "{first}");
    assert_eq!(first["sent_bytes"], 3 << 20);
    let again = sync(&a);
    assert_eq!(again["sent_bytes"], 0, "{again}");
    assert_eq!(again["pushed_events"], 0, "{again}");

    // Laptop b gets it all, photo included.
    let got = sync(&b);
    assert_eq!(got["pulled_events"], first["pushed_events"], "{got}");
    assert_eq!(got["received_bytes"], 3 << 20);

    // They answer different items, and sync: both end with the same inspection.
    answer(&a, &id, "server-room.air-conditioning", Verdict::Complies);
    answer(&b, &id, "server-room.work-log", Verdict::Fails);
    sync(&a);
    sync(&b);
    sync(&a);
    let (ia, ib) = (
        Store::open(&a, PASS).unwrap().inspection(&id).unwrap(),
        Store::open(&b, PASS).unwrap().inspection(&id).unwrap(),
    );
    assert_eq!(ia.answers, ib.answers);
    assert_eq!(
        ia.answer("server-room.work-log").unwrap().verdict,
        Some(Verdict::Fails)
    );
    assert_eq!(ia.evidence.len(), 1);
    assert_eq!(ia.evidence, ib.evidence);
    assert!(ia.conflicts.is_empty());

    // The same item answered differently on both: one conflict on each side.
    answer(&a, &id, "server-room.grounding-bond", Verdict::Complies);
    answer(&b, &id, "server-room.grounding-bond", Verdict::Fails);
    sync(&a);
    let at_b = sync(&b);
    let at_a = sync(&a);
    assert_eq!(at_b["conflicts"], 1, "{at_b}");
    assert_eq!(at_a["conflicts"], 1, "{at_a}");
    let (ia, ib) = (
        Store::open(&a, PASS).unwrap().inspection(&id).unwrap(),
        Store::open(&b, PASS).unwrap().inspection(&id).unwrap(),
    );
    assert_eq!(ia.conflicts.len(), 1);
    assert_eq!(ia.conflicts, ib.conflicts);
}
