//! The signing ceremony with the NCA RK's public test keys, as a commission rehearses it from
//! the command line: a training act signed in turn with the GOST 2015-512, RSA and GOST 2004
//! test keys (each at a `SOURCE_DATE_EPOCH` inside its key's validity), verified by tekseru and,
//! for every GOST signature, by an independent verifier (PyPI's `gostcrypto`); the AUTH key,
//! the revoked key and a wrong password; and NCALayer, through its protocol double.
//!
//! Every test key carries the same IIN (123456789011), so one roster member signs three times
//! here: the quorum is that of a one-member commission, which is enough for the rehearsal.
//! `tekseru act sign` on a file does not go through the store, whose "already signed"
//! refusal would stop a second signature by the same member.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tekseru_act::eds;
use tekseru_ncalayer::double::{Behaviour, Double, Options};

const PASSWORD: &str = "Qwerty12";
const TEST_IIN: &str = "123456789011";
const GOST512: &str = "GOST512_0d79679f360a2da49a631a0b1ac76f76c34b6f24.p12";
const GOST512_REVOKED: &str = "GOST512_0860d9665327c26760c213126760a3b73072218d.p12";
const RSA256: &str = "RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.p12";
const GOSTKNCA: &str = "GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.p12";
const AUTH: &str = "AUTH_RSA256_b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d.p12";

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn key(name: &str) -> PathBuf {
    repo("assets/kz-eds-test/keys").join(name)
}

fn crl() -> PathBuf {
    repo("crates/eds/tests/fixtures/crl/nca_gost2022_test.crl")
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn tekseru(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tekseru"));
    cmd.args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("TEKSERU_NCALAYER_URL")
        .env_remove("TEKSERU_NCALAYER_PIN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Seconds since the epoch of an RFC 3339 time.
fn epoch(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp()
        .to_string()
}

/// The demo act turned into a training act dated `date`, whose commission is the NCA test
/// identity (chair) and, when `with_other`, a real member too.
fn training_data(dir: &Path, date: &str, with_other: bool) -> PathBuf {
    let mut data: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("assets/demo/act-data.json")).unwrap())
            .unwrap();
    data["training"] = Value::Bool(true);
    data["start"] = Value::String(date.to_owned());
    data["end"] = Value::String(date.to_owned());
    data["dissents"] = Value::Array(Vec::new());
    let mut roster = vec![serde_json::json!({
        "name": "ТЕСТОВ ТЕСТ",
        "iin": TEST_IIN,
        "role": "chair",
        "body": "committee",
        "position": "Оқу / Учебный"
    })];
    if with_other {
        roster.push(data["roster"][1].clone());
    }
    data["roster"] = Value::Array(roster);
    let path = dir.join(format!("training-{date}.json"));
    std::fs::write(&path, serde_json::to_vec(&data).unwrap()).unwrap();
    path
}

fn render(dir: &Path, data: &Path, name: &str) -> PathBuf {
    let act = dir.join(name);
    let out = tekseru(
        &[
            "act",
            "render",
            "--data",
            p(data),
            "-o",
            p(&act),
            "--lang",
            "kk+ru",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    act
}

/// `act sign --p12 KEY` at `at` (RFC 3339), the password in an environment variable.
fn sign_p12(input: &Path, key_file: &str, at: &str, output: &Path, password: &str) -> Output {
    tekseru(
        &[
            "act",
            "sign",
            p(input),
            "--p12",
            p(&key(key_file)),
            "--password-env",
            "TEST_KEY_PASSWORD",
            "--member",
            TEST_IIN,
            "-o",
            p(output),
        ],
        &[
            ("TEST_KEY_PASSWORD", password),
            ("SOURCE_DATE_EPOCH", &epoch(at)),
        ],
    )
}

fn verify_json(pdf: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["act", "verify", p(pdf), "--json"];
    args.extend_from_slice(extra);
    let out = tekseru(&args, &[]);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("act verify --json: {e}; stderr: {}", stderr(&out)));
    (out.status.code(), json)
}

/// Every `/ByteRange [a b c d]` of the file, in file order.
fn byte_ranges(bytes: &[u8]) -> Vec<[usize; 4]> {
    let needle = b"/ByteRange";
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = bytes
        .get(at..)
        .and_then(|rest| rest.windows(needle.len()).position(|w| w == needle))
    {
        let start = at + i + needle.len();
        let text =
            String::from_utf8_lossy(&bytes[start..(start + 80).min(bytes.len())]).into_owned();
        let inner = text
            .trim_start()
            .strip_prefix('[')
            .and_then(|t| t.split(']').next())
            .unwrap_or("");
        let numbers: Vec<usize> = inner
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        if let [a, b, c, d] = numbers[..] {
            // The placeholder of a field not yet signed has zeros.
            if c > 0 {
                out.push([a, b, c, d]);
            }
        }
        at = start;
    }
    out
}

/// The CMS (DER) in the `/Contents` of the signature with this byte range.
fn cms_of(bytes: &[u8], range: [usize; 4]) -> Vec<u8> {
    let hex_text: Vec<u8> = bytes[range[1] + 1..range[2] - 1].to_vec();
    let der = hex::decode(hex_text).unwrap();
    // The hex is zero-padded: cut the DER at its length.
    let len = match der[1] {
        n if n < 0x80 => 2 + usize::from(n),
        n => {
            let k = usize::from(n & 0x7f);
            2 + k
                + der[2..2 + k]
                    .iter()
                    .fold(0usize, |l, b| l * 256 + usize::from(*b))
        }
    };
    der[..len].to_vec()
}

/// The venv's python with gostcrypto, made under the target directory if missing; `None`
/// when there is no python3 (the independent check is then skipped, with a notice).
fn gostcrypto_python() -> Option<PathBuf> {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let venv = target.join("pyvenv");
    let python = venv.join("bin/python");
    let has = |python: &Path| {
        Command::new(python)
            .args(["-c", "import gostcrypto"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if python.exists() && has(&python) {
        return Some(python);
    }
    if Command::new("python3").arg("--version").output().is_err() {
        return None;
    }
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap()
        .success();
    assert!(ok, "python3 -m venv failed");
    let ok = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "gostcrypto"])
        .status()
        .unwrap()
        .success();
    assert!(ok, "pip install gostcrypto failed");
    assert!(has(&python), "gostcrypto is not importable");
    Some(python)
}

/// Runs `crates/gost/tests/gostcrypto_check.py` on the facts; one "ok"/"fail …" per line.
fn gostcrypto_check(python: &Path, facts: &[eds::cms::GostSignatureFacts]) -> Vec<String> {
    let script = repo("crates/gost/tests/gostcrypto_check.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    for f in facts {
        let curve = match f.curve {
            eds::algorithm::GostCurve::Tc26_512A => "tc26-512-A",
            eds::algorithm::GostCurve::Tc26_256A => "tc26-256-A",
            eds::algorithm::GostCurve::CryptoProA => "CryptoPro-A",
        };
        let line = serde_json::json!({
            "curve": curve,
            "digest_hex": hex::encode(&f.signed_attributes_digest),
            "public_le_hex": hex::encode(&f.public_key_le),
            "signature_le_hex": hex::encode(&f.signature_le),
        });
        input.push_str(&line.to_string());
        input.push('\n');
    }
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The keys of the ceremony with a signing time inside each one's validity, in signing order
/// (the RSA and GOST 2004 kits of 2020, then the GOST 2015 key of 2024).
const CEREMONY: [(&str, &str, &str); 3] = [
    (RSA256, "2020-06-01T09:00:00Z", "RSA"),
    (GOSTKNCA, "2020-06-01T10:00:00Z", "GOST 34.310-2004"),
    (GOST512, "2025-03-03T09:00:00Z", "GOST R 34.10-2015 512"),
];

#[test]
fn the_training_ceremony_with_the_nca_test_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = training_data(d, "2020-06-01", false);
    let mut current = render(d, &data, "act-0.pdf");
    for (n, (file, at, _)) in CEREMONY.iter().enumerate() {
        let next = d.join(format!("act-{}.pdf", n + 1));
        let out = sign_p12(&current, file, at, &next, PASSWORD);
        assert!(
            out.status.success(),
            "signing with {file}: {}",
            stderr(&out)
        );
        current = next;
    }
    if let Ok(keep) = std::env::var("TEKSERU_KEEP_CEREMONY") {
        std::fs::copy(&current, keep).unwrap();
    }

    // tekseru: all three valid and trusted against the TEST anchors; a training act.
    let (code, report) = verify_json(&current, &[]);
    assert_eq!(report["training"], Value::Bool(true), "{report:#}");
    let reasons: Vec<&str> = report["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons[0].starts_with("training act: it has no legal force"),
        "{reasons:?}"
    );
    let signatures = report["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 3, "{report:#}");
    for (s, (file, at, algorithm)) in signatures.iter().zip(CEREMONY) {
        assert_eq!(s["valid"], Value::Bool(true), "{file}: {s:#}");
        assert_eq!(s["trusted"], Value::Bool(true), "{file}: {s:#}");
        assert_eq!(s["iin"], TEST_IIN);
        assert_eq!(s["member"], "ТЕСТОВ ТЕСТ");
        assert_eq!(s["signed_at"], at, "{file}");
        let name = s["algorithm"].as_str().unwrap();
        assert!(name.contains(algorithm), "{file}: {name}");
        let issuer = s["certificate"]["issuer"].as_str().unwrap();
        assert!(issuer.contains("TEST"), "{file} is issued by {issuer}");
    }
    // The quorum is computed as for a real act: the one test identity counts once, and a
    // one-member commission is not composed as 224/НҚ requires, so the act is not adopted
    // (exit 1) — for that reason alone.
    assert_eq!(
        report["quorum"]["counted"],
        serde_json::json!(["ТЕСТОВ ТЕСТ"])
    );
    let quorum: Vec<&str> = report["quorum"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(
        quorum
            .iter()
            .filter(|r| r.contains("is not counted: one member counts once"))
            .count(),
        2,
        "{quorum:?}"
    );
    // Besides the training notice: the roster is the act's say-so (no --roster given), and
    // the quorum.
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons[1].starts_with("roster as the act states it, not confirmed"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].starts_with("quorum: not adopted: the commission is not composed"),
        "{reasons:?}"
    );
    assert_eq!(report["ok"], Value::Bool(false));
    assert_eq!(code, Some(1));

    // The same act is trusted by nothing once the shipped (TEST) anchors are switched off:
    // the production roots never make a training act pass.
    let (code, report) = verify_json(&current, &["--no-default-anchors"]);
    assert_eq!(code, Some(1));
    assert!(report["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["trusted"] == Value::Bool(false)));

    // The independent verifier agrees on every GOST signature.
    let bytes = std::fs::read(&current).unwrap();
    let ranges = byte_ranges(&bytes);
    assert_eq!(ranges.len(), 3);
    let facts: Vec<_> = ranges
        .iter()
        .filter_map(|r| eds::cms::gost_signature_facts(&cms_of(&bytes, *r)).unwrap())
        .collect();
    assert_eq!(
        facts.iter().map(|f| f.curve).collect::<Vec<_>>(),
        [
            eds::algorithm::GostCurve::CryptoProA,
            eds::algorithm::GostCurve::Tc26_512A
        ],
        "the GOST 2004 and GOST 2015 signatures"
    );
    match gostcrypto_python() {
        None => eprintln!("NOTICE: no python3: the gostcrypto cross-check was skipped"),
        Some(python) => {
            assert_eq!(gostcrypto_check(&python, &facts), ["ok", "ok"]);
            // The checker is not a rubber stamp: one bit of a digest changed fails.
            let mut wrong = facts.clone();
            for f in &mut wrong {
                f.signed_attributes_digest[0] ^= 1;
            }
            let results = gostcrypto_check(&python, &wrong);
            assert!(results.iter().all(|r| r.starts_with("fail")), "{results:?}");
        }
    }

    // One byte changed inside the part each signature alone (with the later ones) covers —
    // its own signature dictionary, before its /Contents — fails that signature by number,
    // and leaves the earlier ones valid.
    for (n, range) in ranges.iter().enumerate() {
        let own_start = if n == 0 {
            0
        } else {
            ranges[n - 1][2] + ranges[n - 1][3]
        };
        let region = &bytes[own_start..range[1]];
        // A digit of the signature dictionary's `/Reason (224/NQ act)`.
        let needle = b"/Reason (";
        let at = region
            .windows(needle.len())
            .rposition(|w| w == needle)
            .map(|i| own_start + i + needle.len())
            .unwrap_or_else(|| panic!("signature {} has no /Reason", n + 1));
        let mut changed = bytes.clone();
        changed[at] = if changed[at] == b'2' { b'3' } else { b'2' };
        let path = d.join(format!("changed-{}.pdf", n + 1));
        std::fs::write(&path, &changed).unwrap();
        let (code, report) = verify_json(&path, &[]);
        assert_eq!(code, Some(1), "byte changed in signature {}", n + 1);
        let sigs = report["signatures"].as_array().unwrap();
        for (k, s) in sigs.iter().enumerate() {
            assert_eq!(
                s["valid"],
                Value::Bool(k < n),
                "signature {} after changing signature {}'s range: {s:#}",
                k + 1,
                n + 1
            );
        }
        let named = format!("signature {} is not valid", n + 1);
        assert!(
            report["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r.as_str().unwrap().starts_with(&named)),
            "{named}: {report:#}"
        );
    }
}

#[test]
fn the_authentication_key_and_a_wrong_password_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = training_data(d, "2020-06-01", false);
    let act = render(d, &data, "act.pdf");

    let out_path = d.join("auth.pdf");
    let out = sign_p12(&act, AUTH, "2020-06-01T09:00:00Z", &out_path, PASSWORD);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("authentication key"), "{err}");
    assert!(err.contains("sign with your signing key"), "{err}");
    assert!(!out_path.exists());

    let out_path = d.join("wrong.pdf");
    let out = sign_p12(&act, GOST512, "2025-03-03T09:00:00Z", &out_path, "Qwerty13");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("wrong password"), "{err}");
    assert!(!out_path.exists());
}

#[test]
fn the_revoked_key_counts_only_before_its_revocation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = training_data(d, "2024-10-29", false);
    let act = render(d, &data, "act.pdf");
    let crl = crl();

    // notBefore 2024-10-29 11:43:58, revoked 11:45:53: signed at 11:45:00, it counts.
    let before = d.join("before.pdf");
    let out = sign_p12(
        &act,
        GOST512_REVOKED,
        "2024-10-29T11:45:00Z",
        &before,
        PASSWORD,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let (code, report) = verify_json(&before, &["--crl", p(&crl)]);
    let s = &report["signatures"][0];
    assert_eq!(s["trusted"], Value::Bool(true), "{report:#}");
    assert!(s["revoked"].is_object(), "{s:#}");
    assert!(report["reasons"].as_array().unwrap().iter().any(|r| r
        .as_str()
        .unwrap()
        .contains("after it signed: the signature still counts")));
    assert_eq!(
        report["quorum"]["counted"],
        serde_json::json!(["ТЕСТОВ ТЕСТ"]),
        "{report:#}"
    );
    assert_eq!(
        code,
        Some(1),
        "a one-member commission adopts nothing: {report:#}"
    );
    let human = tekseru(&["act", "verify", p(&before), "--crl", p(&crl)], &[]);
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("(revoked later)"),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );

    // Signed at 11:50:00, after its revocation, it does not count.
    let after = d.join("after.pdf");
    let out = sign_p12(
        &act,
        GOST512_REVOKED,
        "2024-10-29T11:50:00Z",
        &after,
        PASSWORD,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let (code, report) = verify_json(&after, &["--crl", p(&crl)]);
    let s = &report["signatures"][0];
    assert_eq!(s["valid"], Value::Bool(true));
    assert_eq!(s["trusted"], Value::Bool(false), "{report:#}");
    assert!(s["revoked"].is_object());
    assert_eq!(
        report["quorum"]["counted"],
        serde_json::json!([]),
        "{report:#}"
    );
    assert!(
        report["reasons"].as_array().unwrap().iter().any(|r| r
            .as_str()
            .unwrap()
            .starts_with("signature 1 (ТЕСТОВ ТЕСТ) is not trusted")),
        "{report:#}"
    );
    assert_eq!(code, Some(1));
    // Without the CRL nothing says it was revoked.
    let (_, report) = verify_json(&after, &[]);
    assert_eq!(report["signatures"][0]["trusted"], Value::Bool(true));
}

/// The GOST 2015-512 test credential that the double signs with.
fn gost512_credential() -> eds::key::Credential {
    let bytes = std::fs::read(key(GOST512)).unwrap();
    eds::key::Credential::open_p12(&bytes, PASSWORD).unwrap()
}

const NCALAYER_AT: &str = "2025-03-03T09:00:00Z";

fn ncalayer_at() -> time::OffsetDateTime {
    time::OffsetDateTime::parse(NCALAYER_AT, &time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn sign_ncalayer(double: &Double, input: &Path, output: &Path) -> Output {
    tekseru(
        &[
            "act",
            "sign",
            p(input),
            "--ncalayer",
            "--member",
            TEST_IIN,
            "-o",
            p(output),
        ],
        &[
            ("TEKSERU_NCALAYER_URL", &double.url()),
            ("TEKSERU_NCALAYER_PIN", &double.pin_hex()),
            ("SOURCE_DATE_EPOCH", &epoch(NCALAYER_AT)),
        ],
    )
}

#[test]
fn ncalayer_end_to_end_through_its_double() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = training_data(d, "2025-03-03", true);
    let act = render(d, &data, "act.pdf");

    // A double that signs with the GOST 2015-512 test key.
    let credential = gost512_credential();
    let double = Double::start(Options::new(move |data: &[u8]| {
        eds::cms::sign_detached(&[data], &credential, ncalayer_at()).unwrap()
    }))
    .unwrap();
    let signed = d.join("signed.pdf");
    let out = sign_ncalayer(&double, &act, &signed);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(double.received().len(), 1);
    let (_, report) = verify_json(&signed, &[]);
    let s = &report["signatures"][0];
    assert_eq!(s["valid"], Value::Bool(true), "{report:#}");
    assert_eq!(s["trusted"], Value::Bool(true), "{report:#}");
    assert_eq!(s["member"], "ТЕСТОВ ТЕСТ");
    assert_eq!(report["training"], Value::Bool(true));

    // Each bad answer is refused, clearly, and nothing is written.
    let other = tekseru_testpki::Root::new("Not the NCA");
    let other_iin = data_member_iin(&data, 1);
    let other_p12 = other.p12(
        &other_iin,
        tekseru_testpki::Alg::P256,
        tekseru_testpki::unix(2025, 1, 1),
        tekseru_testpki::unix(2026, 1, 1),
        tekseru_testpki::PASSWORD,
    );
    let other_credential =
        eds::key::Credential::open_p12(&other_p12, tekseru_testpki::PASSWORD).unwrap();
    let forger = gost512_credential();
    let cases: Vec<(&str, Options, &str)> = vec![
        (
            "another member's key",
            Options::new(move |data: &[u8]| {
                eds::cms::sign_detached(&[data], &other_credential, ncalayer_at()).unwrap()
            }),
            &other_iin,
        ),
        (
            "a forged CMS",
            Options::new(move |data: &[u8]| {
                let mut cms = eds::cms::sign_detached(&[data], &forger, ncalayer_at()).unwrap();
                let last = cms.len() - 1;
                cms[last] ^= 0xff;
                cms[last - 1] ^= 0xff;
                cms
            }),
            "does not verify",
        ),
        (
            "cancel",
            Options::new(|_: &[u8]| Vec::new()).behaving(Behaviour::Cancel),
            "cancel",
        ),
        (
            "garbage",
            Options::new(|_: &[u8]| Vec::new())
                .behaving(Behaviour::Raw("}{ not json at all".to_owned())),
            "NCALayer",
        ),
    ];
    for (what, options, expected) in cases {
        let double = Double::start(options).unwrap();
        let output = d.join(format!("{}.pdf", what.replace(' ', "-")));
        let out = sign_ncalayer(&double, &act, &output);
        let err = stderr(&out);
        eprintln!("{what}: {err}");
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains(expected), "{what}: {err}");
        assert!(!output.exists(), "{what}: an output was written");
    }
}

fn data_member_iin(data: &Path, n: usize) -> String {
    let data: Value = serde_json::from_str(&std::fs::read_to_string(data).unwrap()).unwrap();
    data["roster"][n]["iin"].as_str().unwrap().to_owned()
}

/// A training inspection from the store: `--training` lets the roster list the NCA test
/// identity, a real inspection refuses it, and the act rendered from it is a training act.
#[test]
fn a_training_inspection_from_the_store() {
    let store = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let roster = files.path().join("roster.json");
    std::fs::write(
        &roster,
        serde_json::to_vec(&serde_json::json!({"members": [
            {"name": "ТЕСТОВ ТЕСТ", "iin": TEST_IIN, "role": "chair", "body": "committee"}
        ]}))
        .unwrap(),
    )
    .unwrap();
    let run = |args: &[&str]| {
        tekseru(
            args,
            &[
                ("TEKSERU_DATA_DIR", p(store.path())),
                ("TEKSERU_PASSPHRASE", "test passphrase"),
                ("TEKSERU_INSPECTOR", "Test Inspector"),
                ("SOURCE_DATE_EPOCH", &epoch("2025-03-03T06:00:00Z")),
            ],
        )
    };
    let new = |training: bool| {
        let mut args = vec![
            "inspection",
            "new",
            "--checklist",
            "ca-accreditation-onsite",
            "--ca",
            "АО «ТЕСТ»",
            "--bin",
            "123456789021",
            "--site",
            "Астана",
            "--roster",
            p(&roster),
            "--json",
        ];
        if training {
            args.push("--training");
        }
        run(&args)
    };
    let out = new(false);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("NCA's test identity"), "{err}");
    assert!(err.contains("--training"), "{err}");

    let out = new(true);
    assert!(out.status.success(), "{}", stderr(&out));
    let id = serde_json::from_slice::<Value>(&out.stdout).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown: Value =
        serde_json::from_slice(&run(&["inspection", "show", &id, "--json"]).stdout).unwrap();
    assert_eq!(shown["training"], Value::Bool(true));
    let listed: Value =
        serde_json::from_slice(&run(&["inspection", "list", "--json"]).stdout).unwrap();
    assert_eq!(listed[0]["training"], Value::Bool(true));
    let audit = run(&["audit", "verify", &id]);
    assert!(audit.status.success(), "{}", stderr(&audit));

    let act = files.path().join("act.pdf");
    let out = run(&["act", "render", &id, "-o", p(&act)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_, report) = verify_json(&act, &[]);
    assert_eq!(report["training"], Value::Bool(true), "{report:#}");
    assert_marked(&act);
    let signed = files.path().join("signed.pdf");
    let out = sign_p12(&act, GOST512, "2025-03-03T09:00:00Z", &signed, PASSWORD);
    assert!(out.status.success(), "{}", stderr(&out));
    let (code, report) = verify_json(&signed, &[]);
    assert_eq!(
        report["signatures"][0]["trusted"],
        Value::Bool(true),
        "{report:#}"
    );
    assert_eq!(report["training"], Value::Bool(true));
    assert_eq!(
        report["quorum"]["counted"],
        serde_json::json!(["ТЕСТОВ ТЕСТ"]),
        "{report:#}"
    );
    assert_eq!(
        code,
        Some(1),
        "a one-member commission adopts nothing: {report:#}"
    );
}

/// The mark is on every page, as text a reader (and pdftotext) finds; pdftotext gives the
/// diagonal line a character per line, hence the whitespace removed.
fn assert_marked(pdf: &Path) {
    match Command::new("pdftotext")
        .arg("-raw")
        .arg(pdf)
        .arg("-")
        .output()
    {
        Err(_) => eprintln!("NOTICE: no pdftotext: the mark's text was not looked for"),
        Ok(text) => {
            let text = String::from_utf8_lossy(&text.stdout).into_owned();
            let pages: Vec<String> = text
                .split('\u{c}')
                .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect::<String>())
                .filter(|p| !p.is_empty())
                .collect();
            assert!(!pages.is_empty(), "{}: no text", pdf.display());
            for (n, page) in pages.iter().enumerate() {
                assert!(
                    page.contains("ОҚУ/УЧЕБНЫЙ/TRAINING"),
                    "{} page {} lacks the mark",
                    pdf.display(),
                    n + 1
                );
            }
        }
    }
}

#[test]
fn a_training_act_and_its_dissent_notice_are_marked_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = training_data(d, "2025-03-03", true);
    let act = render(d, &data, "act.pdf");
    assert_marked(&act);
    let notice = d.join("notice.pdf");
    let other = data_member_iin(&data, 1);
    let out = tekseru(
        &[
            "act",
            "dissent",
            "--data",
            p(&data),
            "--member",
            &other,
            "--reason",
            "Оқу жаттығуы / учебное упражнение",
            "-o",
            p(&notice),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_marked(&notice);
    // A real act has no mark.
    let mut real: Value = serde_json::from_str(&std::fs::read_to_string(&data).unwrap()).unwrap();
    real["training"] = Value::Bool(false);
    real["roster"].as_array_mut().unwrap().remove(0);
    let real_path = d.join("real.json");
    std::fs::write(&real_path, serde_json::to_vec(&real).unwrap()).unwrap();
    let real_act = render(d, &real_path, "real.pdf");
    let text = Command::new("pdftotext")
        .arg("-raw")
        .arg(&real_act)
        .arg("-")
        .output();
    if let Ok(text) = text {
        let text: String = String::from_utf8_lossy(&text.stdout)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert!(text.contains("АКТ"), "the real act has text");
        assert!(!text.contains("TRAINING"));
    }
}
