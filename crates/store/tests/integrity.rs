//! What keeps the store honest under a second writer, a kill, a crafted header and a
//! dependency update: the act is sealed with its head in one transaction, the KDF's cost is
//! bounded, and the audit trail's encoding is pinned.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::path::Path;

use tekseru_core::{catalog, Bin, Roster, Verdict};
use tekseru_store::audit::{Change, Entry};
use tekseru_store::{AnswerChange, NewInspection, Store, StoreError};

const PASS: &str = "correct horse battery staple";

fn new_inspection(store: &mut Store) -> String {
    let checklist = catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "ca-accreditation-onsite")
        .unwrap();
    let roster: Roster = serde_json::from_str(
        r#"[{"name":"Әсел Жұмабаева","iin":"810315400008","role":"chair","body":"committee"}]"#,
    )
    .unwrap();
    store
        .new_inspection(NewInspection {
            checklist,
            ca_name: "«Сенім» КО".into(),
            bin: Bin::parse("050440001000").unwrap(),
            site: "Астана".into(),
            roster,
            training: false,
            settings: None,
        })
        .unwrap()
}

fn complies() -> AnswerChange {
    AnswerChange {
        verdict: Some(Some(Verdict::Complies)),
        ..AnswerChange::default()
    }
}

#[test]
fn an_act_made_before_another_writers_change_is_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store);
    let head = store.inspection(&id).unwrap().audit_head;
    // The command line, beside the app, answers an item after the app read the head.
    let mut other = Store::open(dir.path(), PASS).unwrap();
    other.answer(&id, "server-room.ups", complies()).unwrap();
    let err = store.seal_act(&id, &head, b"%PDF-1.7 stale").unwrap_err();
    assert!(matches!(err, StoreError::HeadMoved(_)), "{err}");
    assert_eq!(
        err.to_string(),
        format!("inspection '{id}' changed while its act was being made (another window or the command line wrote to it); nothing was kept")
    );
    let after = store.inspection(&id).unwrap();
    assert!(after.seal.is_none() && after.acts.is_empty());
    // A signed revision made from an older state is refused the same way.
    let now = after.audit_head.clone();
    store.seal_act(&id, &now, b"%PDF-1.7 act").unwrap();
    let sealed = store.inspection(&id).unwrap().audit_head;
    other
        .answer(&id, "server-room.ups", AnswerChange::default())
        .unwrap();
    let member = tekseru_core::Iin::parse("810315400008").ok();
    let err = store
        .store_act(&id, &sealed, b"%PDF-1.7 signed", "signed", member)
        .unwrap_err();
    assert!(matches!(err, StoreError::HeadMoved(_)), "{err}");
    assert_eq!(store.inspection(&id).unwrap().acts.len(), 1);
    // A rendered act is only ever kept with its seal.
    let head = store.inspection(&id).unwrap().audit_head;
    assert!(store
        .store_act(&id, &head, b"%PDF-1.7 act", "rendered", None)
        .is_err());
    assert!(store.verify(&id).unwrap().intact());
}

/// The child side of the kill test: seals acts in a loop until it is killed.
fn seal_until_killed(dir: &Path, id: &str) -> ! {
    let mut store = Store::open(dir, PASS).unwrap();
    for n in 0u64.. {
        store
            .answer(
                id,
                "server-room.ups",
                AnswerChange {
                    note: Some(Some(format!("note {n}"))),
                    ..AnswerChange::default()
                },
            )
            .unwrap();
        let head = store.inspection(id).unwrap().audit_head;
        // A large act, so that a kill often lands inside its transaction.
        let mut pdf = format!("%PDF-1.7 act {n}\n").into_bytes();
        pdf.resize(4 << 20, b'x');
        store.seal_act(id, &head, &pdf).unwrap();
    }
    unreachable!()
}

#[test]
fn a_kill_while_sealing_leaves_the_seal_and_its_act_together_or_neither() {
    if let (Ok(dir), Ok(id)) = (
        std::env::var("TEKSERU_TEST_SEAL_CHILD_DIR"),
        std::env::var("TEKSERU_TEST_SEAL_CHILD_ID"),
    ) {
        seal_until_killed(Path::new(&dir), &id);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let id = new_inspection(&mut store);
    drop(store);
    let mut sealed_rounds = 0;
    for round in 0..6u64 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_kill_while_sealing_leaves_the_seal_and_its_act_together_or_neither",
                "--nocapture",
            ])
            .env("TEKSERU_TEST_SEAL_CHILD_DIR", dir.path())
            .env("TEKSERU_TEST_SEAL_CHILD_ID", &id)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(700 + 170 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        let store = Store::open(dir.path(), PASS).unwrap();
        let verified = store.verify(&id).unwrap();
        assert!(verified.intact(), "round {round}: {:?}", verified.problems);
        // Each seal is followed at once by its act, and no act comes without one.
        let trail = store.audit_trail(&id).unwrap();
        for (n, entry) in trail.iter().enumerate() {
            let next = trail.get(n + 1).map(|e| &e.change);
            match &entry.change {
                Change::Sealed { .. } => assert!(
                    matches!(next, Some(Change::ActStored { act }) if act.kind == "rendered"),
                    "round {round}: entry #{} is a seal without its act",
                    entry.seq
                ),
                Change::ActStored { .. } => assert!(
                    matches!(trail[n - 1].change, Change::Sealed { .. }),
                    "round {round}: entry #{} is an act without its seal",
                    entry.seq
                ),
                _ => {}
            }
        }
        let inspection = store.inspection(&id).unwrap();
        if let Some(seal) = &inspection.seal {
            let sealed_at = trail
                .iter()
                .rposition(|e| matches!(e.change, Change::Sealed { .. }))
                .unwrap();
            assert!(
                matches!(&trail[sealed_at].change, Change::Sealed { head } if *head == seal.head),
                "round {round}: the inspection's seal is not the trail's last"
            );
        }
        sealed_rounds += usize::from(inspection.seal.is_some());
    }
    assert!(sealed_rounds > 0, "no round got as far as a seal");
}

#[test]
fn a_short_passphrase_makes_no_store() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::create(dir.path(), "  seven  ", "Inspector", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the passphrase is too short: use at least 8 characters"
    );
    assert!(!Store::exists(dir.path()));
    Store::create(dir.path(), "eight ch", "Inspector", None).unwrap();
}

#[test]
fn a_crafted_header_cannot_make_unlocking_exhaust_the_laptop() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path(), PASS, "Inspector", None).unwrap());
    let path = dir.path().join("store.toml");
    let header = std::fs::read_to_string(&path).unwrap();
    let with = |from: &str, to: &str| {
        assert!(header.contains(from), "{header}");
        std::fs::write(&path, header.replace(from, to)).unwrap();
        Store::open(dir.path(), PASS).unwrap_err().to_string()
    };
    let started = std::time::Instant::now();
    assert_eq!(
        with("m_cost_kib = 19456", "m_cost_kib = 4194304"),
        format!("{}: the key derivation asks for 4194304 KiB, 2 passes and 1 lanes; at most 262144 KiB, 16 passes and 8 lanes are allowed", path.display())
    );
    assert!(with("t_cost = 2", "t_cost = 100000").contains("100000 passes"));
    assert!(with("p_cost = 1", "p_cost = 255").contains("255 lanes"));
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let salt = header
        .lines()
        .find(|l| l.starts_with("salt"))
        .unwrap()
        .to_owned();
    assert_eq!(
        with(&salt, "salt = \"0011223344556677\""),
        format!(
            "{}: the salt has 8 bytes; it must have 16 to 64",
            path.display()
        )
    );
    assert!(with(&salt, "salt = \"zz\"").ends_with("the salt is not hexadecimal"));
    std::fs::write(&path, &header).unwrap();
    Store::open(dir.path(), PASS).unwrap();
}

/// Entries as a store written before the trail named its inspection holds them (format 1),
/// each line followed by its hash in the chain (hashed by the code of that time, and
/// cross-checked with Python's json and hashlib): read and hashed again, they must give the
/// same hashes, whatever serde or sha2 become.
#[test]
fn entries_of_format_1_hash_as_they_always_did() {
    let fixture = include_str!("audit-v1.txt");
    let lines: Vec<&str> = fixture.lines().collect();
    assert_eq!(lines.len(), 20);
    let mut prev = "0".repeat(64);
    let mut kinds = Vec::new();
    for pair in lines.chunks(2) {
        let entry: Entry = serde_json::from_str(pair[0]).unwrap();
        assert_eq!(entry.inspection, None);
        assert_eq!(
            String::from_utf8(entry.canonical().unwrap()).unwrap(),
            pair[0]
        );
        assert_eq!(entry.hash(&prev).unwrap(), pair[1], "entry #{}", entry.seq);
        kinds.push(serde_json::to_value(&entry.change).unwrap()["action"].clone());
        prev = pair[1].to_owned();
    }
    assert_eq!(
        kinds,
        [
            "created",
            "answered",
            "answered",
            "evidence_added",
            "conclusions_set",
            "event_recorded",
            "sealed",
            "act_stored",
            "act_stored",
            "dissent_recorded"
        ]
    );
}

/// The same entries as this version writes them (format 2: each names its inspection),
/// pinned the same way.
#[test]
fn entries_of_format_2_name_their_inspection_and_hash_as_pinned() {
    // Cross-checked with Python's json.dumps(sort_keys=True, separators=(",", ":"),
    // ensure_ascii=False) and hashlib.sha256 over the previous hash's bytes and that text.
    const PINNED: [&str; 10] = [
        "fe8b55cb55bb01234ab6cb2304f4d523d05730458e8a440a459715ab5f07da47",
        "b08315297dd52bdbf819aba4a0cac746b9eb342bab5452aa7ff0b9fb3ef1f6de",
        "8a3563b22f8ead9b4ed006aa2fcfdfb528a8f2c5aa05147c0d0cf4514db35e4b",
        "7f567a90570c86eff908559d983a0f3365547d90239db41f9633b0d1048fec66",
        "bb07de186944908d5911c876898f7052525f2b37789ee2a9791b2ef8837d71ef",
        "ce1c841c6033f0447567058dccebe2a2e13996404a0cf197598956e03349407b",
        "5520ae43a7063f8b923976bb79ae3ebfc5318a38e31c926a90234edeff893f25",
        "21111c53149953058ae93a31f925449fca64aade7d248a881e2e55342eb56a01",
        "55b00e8f045b94affaf84f212467f586098c9079a5c5d4358e79206d743b6090",
        "0a08b1a7bafd645400f90ce87018f5836b8473822ea059fceb55eb0ffc346520",
    ];
    let fixture = include_str!("audit-v1.txt");
    let mut prev = "0".repeat(64);
    let mut got = Vec::new();
    for (n, pair) in fixture.lines().collect::<Vec<_>>().chunks(2).enumerate() {
        let mut entry: Entry = serde_json::from_str(pair[0]).unwrap();
        entry.inspection = Some("00112233445566778899aabbccddeeff".into());
        if let Change::Sealed { head } = &mut entry.change {
            head.clone_from(&prev);
        }
        let text = String::from_utf8(entry.canonical().unwrap()).unwrap();
        assert!(text.contains(r#""inspection":"00112233445566778899aabbccddeeff""#));
        let hash = entry.hash(&prev).unwrap();
        assert_eq!(entry.seq, n as u64 + 1);
        got.push(hash.clone());
        prev = hash;
    }
    assert_eq!(got, PINNED);
}

#[test]
fn a_number_json_cannot_hold_is_an_error_never_null() {
    let fixture = include_str!("audit-v1.txt");
    let line = fixture.lines().nth(2).unwrap();
    let mut entry: Entry = serde_json::from_str(line).unwrap();
    let Change::Answered { value, .. } = &mut entry.change else {
        panic!("entry 2 is an answer")
    };
    *value = Some(f64::NAN);
    assert_eq!(
        entry.hash(&"0".repeat(64)).unwrap_err().to_string(),
        "audit entry #2 cannot be encoded: its value is not a finite number"
    );
}

#[test]
fn trusting_a_root_is_recorded_in_every_inspections_trail() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let a = new_inspection(&mut store);
    let b = new_inspection(&mut store);
    assert!(store
        .add_trusted_root(b"root der", "CN=Test root", "-----BEGIN CERTIFICATE-----")
        .unwrap());
    assert!(!store
        .add_trusted_root(b"root der", "CN=Test root", "-----BEGIN CERTIFICATE-----")
        .unwrap());
    for id in [&a, &b] {
        let trail = store.audit_trail(id).unwrap();
        let trusted: Vec<&Change> = trail
            .iter()
            .map(|e| &e.change)
            .filter(|c| matches!(c, Change::RootTrusted { .. }))
            .collect();
        assert_eq!(trusted.len(), 1, "recorded once");
        assert_eq!(
            trusted[0].describe(),
            "trusted the root certificate CN=Test root (f1e2e4b7d4f4)".replace(
                "f1e2e4b7d4f4",
                &store.trusted_roots().unwrap()[0].sha256[..12]
            )
        );
        assert!(store.verify(id).unwrap().intact());
    }
}
