//! `tekseru act`: render, sign, verify and dissent as a script calls them.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::BasicConstraints;
use openssl::x509::{X509Name, X509};
use serde_json::Value;

fn tekseru(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tekseru"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("tekseru runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn ec_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// A certificate valid from yesterday for a year, issued by `issuer` (self-signed when None).
fn cert(
    subject: &[(Nid, &str)],
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    serial: u32,
) -> X509 {
    let mut name = X509Name::builder().unwrap();
    for (nid, value) in subject {
        name.append_entry_by_nid(*nid, value).unwrap();
    }
    let name = name.build();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(serial).unwrap()).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map(|(c, _)| c.subject_name()).unwrap_or(&name))
        .unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(now - 86_400).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(now + 365 * 86_400).unwrap())
        .unwrap();
    if issuer.is_none() {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
    } else {
        // A signing key, as the NCA issues them: nonRepudiation.
        b.append_extension(
            openssl::x509::extension::KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .build()
                .unwrap(),
        )
        .unwrap();
    }
    b.sign(
        issuer.map(|(_, k)| k).unwrap_or(key),
        MessageDigest::sha256(),
    )
    .unwrap();
    b.build()
}

/// The demo act data dated today (Kazakhstan time), without its dissent note.
fn data_today(dir: &Path) -> PathBuf {
    let mut data: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("assets/demo/act-data.json")).unwrap())
            .unwrap();
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(5, 0, 0).unwrap())
        .date();
    data["end"] = Value::String(today.to_string());
    data["start"] = Value::String(today.to_string());
    data["dissents"] = Value::Array(Vec::new());
    let path = dir.join("act-data.json");
    std::fs::write(&path, serde_json::to_vec(&data).unwrap()).unwrap();
    path
}

#[test]
fn render_sign_verify_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = data_today(d);
    let act = d.join("act.pdf");
    let out = tekseru(
        &[
            "act",
            "render",
            "--data",
            p(&data),
            "-o",
            p(&act),
            "--lang",
            "kk+ru",
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let written: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        written["bytes"].as_u64().unwrap(),
        std::fs::metadata(&act).unwrap().len()
    );

    // Unsigned: verify exits 1 and says why.
    let out = tekseru(&["act", "verify", p(&act), "--json"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["signatures"], Value::Array(Vec::new()));
    assert_eq!(report["quorum"]["adopted"], Value::Bool(false));

    // A root and four members: chair, secretary, KNB, member.
    let root_key = ec_key();
    let root = cert(&[(Nid::COMMONNAME, "CLI Test Root")], &root_key, None, 1);
    let root_pem = d.join("root.pem");
    std::fs::write(&root_pem, root.to_pem().unwrap()).unwrap();
    let mut current = act.clone();
    for (i, iin) in [
        "810315400008",
        "880722300007",
        "850214300001",
        "900601300005",
    ]
    .iter()
    .enumerate()
    {
        let key = ec_key();
        let c = cert(
            &[
                (Nid::COMMONNAME, &format!("Member {iin}")),
                (Nid::SERIALNUMBER, &format!("IIN{iin}")),
            ],
            &key,
            Some((&root, &root_key)),
            10 + i as u32,
        );
        let p12 = openssl::pkcs12::Pkcs12::builder()
            .name(iin)
            .pkey(&key)
            .cert(&c)
            .build2("pw")
            .unwrap();
        let p12_path = d.join(format!("{iin}.p12"));
        std::fs::write(&p12_path, p12.to_der().unwrap()).unwrap();
        let next = d.join(format!("signed-{i}.pdf"));
        let out = tekseru(
            &[
                "act",
                "sign",
                p(&current),
                "--p12",
                p(&p12_path),
                "--password-env",
                "TEKSERU_TEST_PW",
                "--member",
                iin,
                "-o",
                p(&next),
            ],
            &[("TEKSERU_TEST_PW", "pw")],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        current = next;
    }

    let out = tekseru(
        &[
            "act",
            "verify",
            p(&current),
            "--trust",
            p(&root_pem),
            "--json",
        ],
        &[],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    let sigs = report["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 4);
    for key in [
        "member",
        "iin",
        "subject",
        "signed_at",
        "valid",
        "trusted",
        "revision",
    ] {
        assert!(sigs[0].get(key).is_some(), "no {key} in {report:#}");
    }
    assert_eq!(sigs[2]["member"], "Ерлан Маратұлы Қасымов");
    assert_eq!(sigs[2]["iin"], "850214300001");
    assert_eq!(report["modified_after_last_signature"], false);
    assert_eq!(report["manifest_matches"], true);
    assert_eq!(report["quorum"]["adopted"], true);
    assert_eq!(report["quorum"]["signed"], 4);
    assert_eq!(report["quorum"]["required"], 4);
    assert_eq!(report["pages"], "shown", "{report:#}");
    assert_eq!(report["roster_confirmed"], false);
    assert_eq!(sigs[0]["mdp"], "form filling and signing (P=2)");
    assert_eq!(sigs[0]["modification"], "form_filling");
    assert_eq!(sigs[0]["content_intact"], true);
    assert_eq!(sigs[0]["changes_after"], Value::Array(Vec::new()));

    // With the inspection's roster: confirmed; with another commission's: exit 1.
    let adopted = repo("assets/demo/accreditation-adopted.json");
    let args = |roster: &Path| {
        tekseru(
            &[
                "act",
                "verify",
                p(&current),
                "--trust",
                p(&root_pem),
                "--roster",
                p(roster),
            ],
            &[],
        )
    };
    let out = args(&adopted);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("roster: the inspection's (confirmed)"),
        "{text}"
    );
    assert!(
        text.contains("pages: the pages show the manifest"),
        "{text}"
    );
    let mut other: Value =
        serde_json::from_str(&std::fs::read_to_string(&adopted).unwrap()).unwrap();
    other["members"].as_array_mut().unwrap().pop();
    let other_path = d.join("other-roster.json");
    std::fs::write(&other_path, other.to_string()).unwrap();
    let out = args(&other_path);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("the act's roster is not the inspection's"),
        "{text}"
    );
    let out = tekseru(
        &["act", "verify", p(&current), "--trust", p(&root_pem)],
        &[],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("roster as the act states it, not confirmed"),
        "{text}"
    );

    // Without --trust, only the NCA RK anchors are trusted: exit 1, and it says why.
    let out = tekseru(&["act", "verify", p(&current)], &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("signature 1 (Әсел Нұрланқызы Жұмабаева) is not trusted at "),
        "{text}"
    );
    // With the shipped anchors off and nothing given, nothing is trusted, and it says so.
    let out = tekseru(&["act", "verify", p(&current), "--no-default-anchors"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no trust anchors"), "{text}");

    // Wrong password and a missing variable: exit 2 with the reason, nothing written.
    let never = d.join("never.pdf");
    let out = tekseru(
        &[
            "act",
            "sign",
            p(&current),
            "--p12",
            p(&d.join("810315400008.p12")),
            "--password-env",
            "TEKSERU_TEST_PW",
            "--member",
            "810315400008",
            "-o",
            p(&never),
        ],
        &[("TEKSERU_TEST_PW", "wrong")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("wrong password for the key file"),
        "{}",
        stderr(&out)
    );
    let out = tekseru(
        &[
            "act",
            "sign",
            p(&current),
            "--p12",
            p(&d.join("810315400008.p12")),
            "--password-env",
            "TEKSERU_UNSET_VARIABLE",
            "--member",
            "810315400008",
            "-o",
            p(&never),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("TEKSERU_UNSET_VARIABLE"),
        "{}",
        stderr(&out)
    );
    // A member whose certificate is someone else's.
    let out = tekseru(
        &[
            "act",
            "sign",
            p(&current),
            "--p12",
            p(&d.join("810315400008.p12")),
            "--password-env",
            "TEKSERU_TEST_PW",
            "--member",
            "791130400009",
            "-o",
            p(&never),
        ],
        &[("TEKSERU_TEST_PW", "pw")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the certificate belongs to IIN 810315400008"),
        "{}",
        stderr(&out)
    );
    assert!(!never.exists());
}

#[test]
fn dissent_notice_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = repo("assets/demo/act-data.json");
    let notice = d.join("notice.pdf");
    let out = tekseru(
        &[
            "act",
            "dissent",
            "--data",
            p(&data),
            "--member",
            "870925400005",
            "--reason",
            "Резервтік АБК жоқ.",
            "-o",
            p(&notice),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read(&notice).unwrap().starts_with(b"%PDF-"));

    let out = tekseru(
        &[
            "act",
            "render",
            "--data",
            p(&data),
            "-o",
            p(&d.join("x.pdf")),
            "--lang",
            "en",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown language \"en\": use kk, ru or kk+ru"),
        "{}",
        stderr(&out)
    );

    let out = tekseru(
        &[
            "act",
            "dissent",
            "--data",
            p(&data),
            "--member",
            "900101300007",
            "--reason",
            "x",
            "-o",
            p(&d.join("y.pdf")),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("IIN 900101300007 is not on the commission's roster"),
        "{}",
        stderr(&out)
    );
    assert!(!d.join("y.pdf").exists());
}
