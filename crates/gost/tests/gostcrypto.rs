//! Cross-check with an independent implementation: PyPI's `gostcrypto` (pure Python) must
//! accept the signatures this crate makes, on each curve, through `gostcrypto_check.py`.
//!
//! Needs python3 (the test is skipped, with a notice, only when there is none) and creates a
//! virtual environment with gostcrypto under the workspace's `target/pyvenv` if missing.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tekseru_gost::{digest, Curve, Hash, SigningKey};

/// The workspace's target directory (CARGO_TARGET_TMPDIR is `<target>/tmp`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR has a parent")
        .to_path_buf()
}

/// The venv's python with gostcrypto, made if missing; `None` if there is no python3.
fn gostcrypto_python() -> Option<PathBuf> {
    let venv = target_dir().join("pyvenv");
    let python = venv.join("bin/python");
    let has_gostcrypto = |python: &Path| {
        Command::new(python)
            .args(["-c", "import gostcrypto"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if python.exists() && has_gostcrypto(&python) {
        return Some(python);
    }
    if Command::new("python3").arg("--version").output().is_err() {
        return None;
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 runs");
    assert!(
        status.success(),
        "python3 -m venv {} failed",
        venv.display()
    );
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "gostcrypto"])
        .status()
        .expect("pip runs");
    assert!(status.success(), "pip install gostcrypto failed");
    assert!(has_gostcrypto(&python), "gostcrypto is not importable");
    Some(python)
}

struct Line {
    curve: String,
    digest: Vec<u8>,
    public: Vec<u8>,
    signature: Vec<u8>,
}

/// Runs the checker on the lines; one result ("ok" / "fail ...") per line.
fn check(python: &Path, lines: &[Line]) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gostcrypto_check.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the checker starts");
    let mut input = String::new();
    for line in lines {
        let json = serde_json::json!({
            "curve": line.curve,
            "digest_hex": hex::encode(&line.digest),
            "public_le_hex": hex::encode(&line.public),
            "signature_le_hex": hex::encode(&line.signature),
        });
        input.push_str(&json.to_string());
        input.push('\n');
    }
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("the checker reads");
    let output = child.wait_with_output().expect("the checker ends");
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn gostcrypto_accepts_our_signatures_and_refuses_tampered_ones() {
    let Some(python) = gostcrypto_python() else {
        println!("NOTICE: python3 not found; the gostcrypto cross-check is skipped");
        return;
    };
    let mut lines = Vec::new();
    let mut expected = Vec::new();
    for curve in Curve::ALL {
        let hash = match curve {
            Curve::Tc26_512A => Hash::Streebog512,
            Curve::Tc26_256A => Hash::Streebog256,
            Curve::CryptoProA => Hash::Gost94Test,
        };
        for i in 0..6u32 {
            let key = SigningKey::generate(curve).expect("os randomness");
            let mut message = Vec::from(i.to_le_bytes());
            let mut random = vec![0u8; 40];
            getrandom::fill(&mut random).expect("os randomness");
            message.extend(random);
            let e = digest(hash, &message);
            let signature = key.sign_digest(&e).expect("signs");
            let public = key.verifying_key().to_le_bytes();
            // Every other signature gets one bit of s flipped: that one must fail.
            let tampered = i % 2 == 1;
            let mut signature = signature;
            if tampered {
                let last = signature.len() - 1;
                signature[last - 3] ^= 0x10;
            }
            lines.push(Line {
                curve: curve.name().to_owned(),
                digest: e,
                public,
                signature,
            });
            expected.push(if tampered { "fail" } else { "ok" });
        }
    }
    // A real one: the NCA's 2022 root certificate, by its Kazakh curve OID.
    let root = common::cert(&common::fixture("root_gost_2022.cer"));
    lines.push(Line {
        curve: root.curve_oid.clone(),
        digest: digest(Hash::Streebog512, &root.tbs),
        public: root.public_xy.clone(),
        signature: root.signature.clone(),
    });
    expected.push("ok");

    let results = check(&python, &lines);
    assert_eq!(
        results.len(),
        lines.len(),
        "one result per line: {results:?}"
    );
    for (i, (result, want)) in results.iter().zip(&expected).enumerate() {
        assert!(
            result.starts_with(want),
            "line {i} ({}): gostcrypto says {result:?}, expected {want}",
            lines[i].curve
        );
    }
}
