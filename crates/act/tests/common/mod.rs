//! Test PKI and act data, made at test time (no key is committed).
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use tekseru_act::{ActData, Languages, RenderOptions};
pub(crate) use tekseru_testpki::{unix, Alg, Root, PASSWORD};

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The demo act data, without its dissent (so that every member may sign).
pub(crate) fn demo() -> ActData {
    let text = std::fs::read_to_string(repo().join("assets/demo/act-data.json")).unwrap();
    let mut data = ActData::from_json(&text).unwrap();
    data.dissents.clear();
    data
}

/// The IINs of the demo roster, in roster order: chair, secretary, techreg, KNB, member, other.
pub(crate) fn iins(data: &ActData) -> Vec<String> {
    data.roster
        .members
        .iter()
        .map(|m| m.iin.to_string())
        .collect()
}

pub(crate) fn options(languages: Languages) -> RenderOptions {
    RenderOptions {
        languages,
        created: time::macros::datetime!(2026-11-20 18:00 +05:00),
    }
}

/// The time members sign the demo act: on its day.
pub(crate) fn signing_time() -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-20 17:30 +05:00)
}

/// Runs a tool on a file and returns stdout (stderr appended).
pub(crate) fn tool(program: &str, args: &[&str], file: &std::path::Path) -> String {
    let out = Command::new(program)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed (Debian poppler-utils/qpdf): {e}"));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The text pdftotext extracts (`-raw` or `-layout`).
pub(crate) fn text(file: &std::path::Path, mode: &str) -> String {
    let out = Command::new("pdftotext")
        .arg(mode)
        .arg(file)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// pdfsig's verdict per signature: (valid count, all lines of "Signature Validation").
pub(crate) fn pdfsig(file: &std::path::Path) -> Vec<String> {
    tool("pdfsig", &[], file)
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("- Signature Validation: ")
                .map(str::to_owned)
        })
        .collect()
}

/// Verification options trusting exactly these roots (no shipped NCA anchor).
pub(crate) fn trusting(roots: &[&openssl::x509::X509]) -> tekseru_act::VerifyOptions {
    tekseru_act::VerifyOptions {
        default_anchors: false,
        trust: roots
            .iter()
            .map(|r| {
                tekseru_act::eds::certificate::Certificate::from_der(r.to_der().unwrap()).unwrap()
            })
            .collect(),
        ..tekseru_act::VerifyOptions::default()
    }
}
