//! `tekseru pki`: the field checks through the command line — the NCA chains, the TEST CRL,
//! a PKI made here at test time (every case its verdict), a CRL served over HTTP, an SNTP
//! responder, the anchors, and a report attached as evidence.
#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use der::asn1::{BitString, Null, UtcTime};
use der::{Any, Decode, Encode};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509Name, X509};
use serde_json::Value;
use spki::AlgorithmIdentifierOwned;
use tekseru_eds::key::PrivateKey;
use time::macros::datetime;
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

const PASS: &str = "test passphrase";

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn tekseru(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tekseru"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap()
}

/// Runs a pki command with `--json`: its exit code and report.
fn pki(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["pki"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = tekseru(&all);
    let code = out.status.code().unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: exit {code}, not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, report)
}

fn reasons(report: &Value) -> Vec<String> {
    report["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_nca_chains_verify_and_a_flipped_signature_names_its_link() {
    let dir = tempfile::tempdir().unwrap();
    for (leaf, root) in [
        ("nca_gost_2022", "root_gost_2022"),
        ("nca_rsa_2022", "root_rsa_2020"),
        ("ucgo_gost", "root_gost_2020"),
    ] {
        let leaf_path = repo(&format!("assets/anchors/prod/{leaf}.cer"));
        let root_path = repo(&format!("assets/anchors/prod/{root}.cer"));
        let (code, report) = pki(&["chain", s(&leaf_path), "--at", "2025-01-01T00:00:00Z"]);
        assert_eq!(code, 0, "{leaf}: {:?}", reasons(&report));
        assert_eq!(report["check"], "chain");
        assert_eq!(report["verdict"], "complies");
        assert_eq!(report["anchor_set"], "production");
        let links = report["links"].as_array().unwrap();
        assert_eq!(links.len(), 2);
        let root_sha =
            tekseru_eds::certificate::Certificate::parse(&std::fs::read(&root_path).unwrap())
                .unwrap()
                .sha256_hex();
        assert_eq!(links[1]["sha256"], root_sha.as_str(), "{leaf}");
        for key in [
            "subject",
            "issuer",
            "serial",
            "not_before",
            "not_after",
            "key_usage",
            "basic_constraints",
            "signature_algorithm",
            "policies",
            "problems",
        ] {
            assert!(links[0].get(key).is_some(), "{key}");
        }

        let mut bytes = std::fs::read(&leaf_path).unwrap();
        let n = bytes.len() - 3;
        bytes[n] ^= 1;
        let flipped = dir.path().join(format!("{leaf}-flipped.cer"));
        std::fs::write(&flipped, bytes).unwrap();
        let (code, report) = pki(&["chain", s(&flipped), "--at", "2025-01-01T00:00:00Z"]);
        assert_eq!(code, 1);
        assert_eq!(report["verdict"], "does_not_comply");
        assert!(
            reasons(&report)
                .iter()
                .any(|r| r.starts_with("link 1 (") && r.contains("does not verify")),
            "{:?}",
            reasons(&report)
        );
    }
    // Text output names the verdict.
    let out = tekseru(&[
        "pki",
        "chain",
        s(&repo("assets/anchors/prod/nca_gost_2022.cer")),
        "--at",
        "2025-01-01T00:00:00Z",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("verdict: complies"), "{text}");
    assert!(text.contains("link 2 (trust anchor): ok"), "{text}");
}

#[test]
fn the_test_crl_lists_the_revoked_test_key_and_a_test_key_has_the_wrong_root() {
    let dir = tempfile::tempdir().unwrap();
    let p12 = std::fs::read(repo(
        "assets/kz-eds-test/keys/GOST512_0860d9665327c26760c213126760a3b73072218d.p12",
    ))
    .unwrap();
    let cred = tekseru_eds::key::Credential::open_p12(&p12, "Qwerty12").unwrap();
    let cert = dir.path().join("GOST512_0860.cer");
    std::fs::write(&cert, cred.certificate().der()).unwrap();

    let crl = repo("crates/eds/tests/fixtures/crl/nca_gost2022_test.crl");
    let issuer = repo("assets/anchors/test/nca_gost2022_test.cer");
    let (code, report) = pki(&[
        "crl",
        s(&crl),
        "--issuer",
        s(&issuer),
        "--check",
        s(&cert),
        "--at",
        "2025-05-01T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{:?}", reasons(&report));
    assert_eq!(report["verdict"], "complies");
    assert_eq!(report["signature"]["verified"], true);
    assert_eq!(report["entries"], 54);
    assert_eq!(report["fresh"], true);
    assert_eq!(report["delta"], false);
    let lookup = &report["lookups"][0];
    assert_eq!(lookup["revoked"], true);
    assert_eq!(lookup["revoked_on"], "2024-10-29T11:45:53Z");

    // The same test certificate under the production anchors: wrong root.
    let (code, report) = pki(&["chain", s(&cert), "--at", "2025-01-01T00:00:00Z"]);
    assert_eq!(code, 1);
    assert_eq!(report["trusted"], false);
    assert!(
        reasons(&report).iter().any(|r| r.contains("wrong root")),
        "{:?}",
        reasons(&report)
    );
    // And revoked at that time, judged with the CRL under the NCA TEST anchors.
    let (code, report) = pki(&[
        "chain",
        s(&cert),
        "--anchor",
        s(&issuer),
        "--crl",
        s(&crl),
        "--at",
        "2025-01-01T00:00:00Z",
    ]);
    assert_eq!(code, 1);
    assert!(
        reasons(&report)
            .iter()
            .any(|r| r.starts_with("link 1") && r.contains("revoked on 2024-10-29T11:45:53Z")),
        "{:?}",
        reasons(&report)
    );
}

// A PKI made at test time.

fn rsa() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
}

fn p256() -> PKey<Private> {
    PKey::from_ec_key(
        EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
    )
    .unwrap()
}

fn asn1(t: OffsetDateTime) -> Asn1Time {
    Asn1Time::from_unix(t.unix_timestamp()).unwrap()
}

fn named(cn: &str) -> openssl::x509::X509Name {
    let mut n = X509Name::builder().unwrap();
    n.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    n.append_entry_by_nid(Nid::COUNTRYNAME, "KZ").unwrap();
    n.build()
}

struct Ca {
    cert: X509,
    key: PKey<Private>,
}

#[allow(clippy::too_many_arguments)]
fn issue(
    cn: &str,
    issuer_cn: Option<&str>,
    serial: u32,
    key: &PKey<Private>,
    signer: Option<&PKey<Private>>,
    ca: bool,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> X509 {
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(serial).unwrap()).unwrap())
        .unwrap();
    b.set_subject_name(&named(cn)).unwrap();
    b.set_issuer_name(&named(issuer_cn.unwrap_or(cn))).unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&asn1(from)).unwrap();
    b.set_not_after(&asn1(to)).unwrap();
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
    } else {
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .build()
                .unwrap(),
        )
        .unwrap();
    }
    b.sign(signer.unwrap_or(key), MessageDigest::sha256())
        .unwrap();
    b.build()
}

fn utc(t: OffsetDateTime) -> Time {
    Time::UtcTime(
        UtcTime::from_unix_duration(std::time::Duration::from_secs(t.unix_timestamp() as u64))
            .unwrap(),
    )
}

/// A DER CRL of `ca` (its name) signed with `key`, listing `revoked`.
fn crl(ca: &X509, key: &PKey<Private>, revoked: &[(u32, OffsetDateTime)]) -> Vec<u8> {
    let key = PrivateKey::from_pkcs8_der(&key.private_key_to_pkcs8().unwrap()).unwrap();
    let algorithm = key.signature_algorithm();
    let parameters = match algorithm {
        tekseru_eds::algorithm::SignatureAlgorithm::Ecdsa(_) => None,
        _ => Some(Any::from(Null)),
    };
    let signature = AlgorithmIdentifierOwned {
        oid: algorithm.oid(),
        parameters,
    };
    let entries: Vec<RevokedCert> = revoked
        .iter()
        .map(|(serial, when)| RevokedCert {
            serial_number: SerialNumber::<x509_cert::certificate::Rfc5280>::new(
                &serial.to_be_bytes(),
            )
            .unwrap(),
            revocation_date: utc(*when),
            crl_entry_extensions: None,
        })
        .collect();
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: signature.clone(),
        issuer: Name::from_der(&ca.subject_name().to_der().unwrap()).unwrap(),
        this_update: utc(datetime!(2024-01-01 0:00 UTC)),
        next_update: Some(utc(datetime!(2024-08-01 0:00 UTC))),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: None,
    };
    let sig = key.sign(&tbs.to_der().unwrap()).unwrap();
    CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: signature,
        signature: BitString::from_bytes(&sig).unwrap(),
    }
    .to_der()
    .unwrap()
}

#[test]
fn a_pki_made_here_gets_every_verdict_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, der: Vec<u8>| {
        let path = dir.path().join(name);
        std::fs::write(&path, der).unwrap();
        path
    };
    let (y2020, y2040) = (
        datetime!(2020-01-01 0:00 UTC),
        datetime!(2040-01-01 0:00 UTC),
    );
    let window = (
        datetime!(2024-01-01 0:00 UTC),
        datetime!(2025-01-01 0:00 UTC),
    );
    let root_key = rsa();
    let root = Ca {
        cert: issue("Made Root", None, 1, &root_key, None, true, y2020, y2040),
        key: root_key,
    };
    let int_key = p256();
    let int = Ca {
        cert: issue(
            "Made CA",
            Some("Made Root"),
            2,
            &int_key,
            Some(&root.key),
            true,
            y2020,
            y2040,
        ),
        key: int_key,
    };
    let root_file = write("root.cer", root.cert.to_der().unwrap());
    let int_file = write("int.cer", int.cert.to_der().unwrap());
    let leaf = |name: &str, serial: u32, signer: &PKey<Private>, from, to| {
        let cert = issue(
            "Member",
            Some("Made CA"),
            serial,
            &rsa(),
            Some(signer),
            false,
            from,
            to,
        );
        write(name, cert.to_pem().unwrap())
    };
    let good = leaf("good.pem", 10, &int.key, window.0, window.1);
    let expired = leaf(
        "expired.pem",
        11,
        &int.key,
        datetime!(2022-01-01 0:00 UTC),
        datetime!(2023-01-01 0:00 UTC),
    );
    let future = leaf(
        "future.pem",
        12,
        &int.key,
        datetime!(2025-01-01 0:00 UTC),
        datetime!(2026-01-01 0:00 UTC),
    );
    let impostor = p256();
    let forged = leaf("forged.pem", 13, &impostor, window.0, window.1);
    let revoked = leaf("revoked.pem", 14, &int.key, window.0, window.1);
    let list = write(
        "int.crl",
        crl(&int.cert, &int.key, &[(14, datetime!(2024-03-01 0:00 UTC))]),
    );
    let forged_list = write(
        "forged.crl",
        crl(
            &int.cert,
            &impostor,
            &[(10, datetime!(2024-03-01 0:00 UTC))],
        ),
    );
    let at = "2024-06-01T12:00:00Z";
    let chain = |cert: &Path, extra: &[&str]| {
        let mut args = vec![
            "chain",
            s(cert),
            "--intermediate",
            s(&int_file),
            "--anchor",
            s(&root_file),
            "--at",
            at,
        ];
        args.extend_from_slice(extra);
        pki(&args)
    };

    let (code, report) = chain(&good, &[]);
    assert_eq!(
        (code, report["verdict"].as_str()),
        (0, Some("complies")),
        "{:?}",
        reasons(&report)
    );
    assert_eq!(report["anchor_set"], "given");
    assert_eq!(report["links"].as_array().unwrap().len(), 3);
    assert_eq!(
        report["links"][1]["signature_algorithm"],
        "RSA PKCS#1 v1.5 (SHA-256)"
    );
    assert_eq!(report["links"][0]["basic_constraints"], Value::Null);

    // Without the intermediate: no path.
    let (code, report) = pki(&["chain", s(&good), "--anchor", s(&root_file), "--at", at]);
    assert_eq!(code, 1);
    assert!(reasons(&report)[0].contains("no path to a trusted anchor"));

    // Under the production anchors: wrong root.
    let (code, report) = pki(&[
        "chain",
        s(&good),
        "--intermediate",
        s(&int_file),
        "--at",
        at,
    ]);
    assert_eq!(code, 1);
    assert!(
        reasons(&report).iter().any(|r| r.contains("wrong root")),
        "{:?}",
        reasons(&report)
    );

    for (cert, why) in [
        (
            &expired,
            "link 1 (Member): not valid at 2024-06-01T12:00:00Z",
        ),
        (
            &future,
            "link 1 (Member): not valid at 2024-06-01T12:00:00Z",
        ),
        (&forged, "link 1 (Member): its signature by"),
    ] {
        let (code, report) = chain(cert, &[]);
        assert_eq!(code, 1, "{}", cert.display());
        assert_eq!(report["verdict"], "does_not_comply");
        assert!(
            reasons(&report).iter().any(|r| r.starts_with(why)),
            "{}: {:?}",
            cert.display(),
            reasons(&report)
        );
    }
    // The expired one complied when it was valid.
    let (code, _) = pki(&[
        "chain",
        s(&expired),
        "--intermediate",
        s(&int_file),
        "--anchor",
        s(&root_file),
        "--at",
        "2022-06-01T00:00:00Z",
    ]);
    assert_eq!(code, 0);

    // Revoked: through the chain with the CRL, and through the CRL check.
    let (code, report) = chain(&revoked, &["--crl", s(&list)]);
    assert_eq!(code, 1);
    assert!(
        reasons(&report)
            .iter()
            .any(|r| r.contains("revoked on 2024-03-01T00:00:00Z")),
        "{:?}",
        reasons(&report)
    );
    let (code, report) = chain(&good, &["--crl", s(&list)]);
    assert_eq!(code, 0, "{:?}", reasons(&report));
    assert_eq!(report["links"][0]["revocation_checked"], true);
    let (code, report) = pki(&[
        "crl",
        s(&list),
        "--issuer",
        s(&int_file),
        "--check",
        s(&revoked),
        "--check",
        s(&good),
        "--check",
        s(&root_file),
        "--at",
        at,
    ]);
    assert_eq!(code, 0, "{:?}", reasons(&report));
    assert_eq!(report["signature"]["algorithm"], "ECDSA (SHA-256)");
    let lookups = report["lookups"].as_array().unwrap();
    assert_eq!(
        (
            lookups[0]["revoked"].as_bool(),
            lookups[0]["revoked_on"].as_str()
        ),
        (Some(true), Some("2024-03-01T00:00:00Z"))
    );
    assert_eq!(lookups[1]["revoked"], false);
    assert_eq!(lookups[2]["covered"], false);
    // Out of date after its nextUpdate.
    let (code, report) = pki(&[
        "crl",
        s(&list),
        "--issuer",
        s(&int_file),
        "--at",
        "2024-09-01T00:00:00Z",
    ]);
    assert_eq!(code, 1);
    assert!(reasons(&report)[0].contains("out of date"));
    // Signed by the impostor: does not verify. Without an issuer at hand: not verifiable.
    let (code, report) = pki(&["crl", s(&forged_list), "--issuer", s(&int_file), "--at", at]);
    assert_eq!(code, 1);
    assert_eq!(report["signature"]["verified"], false);
    let (code, report) = pki(&["crl", s(&list), "--at", at]);
    assert_eq!(code, 3);
    assert_eq!(report["verdict"], "not_verifiable_here");
    assert!(reasons(&report)[0].contains("--issuer"));

    // No CRL given: fetched from the --check certificate's distribution point.
    let url = http_server("200 OK", std::fs::read(&list).unwrap(), 1);
    let with_dp = {
        let key = rsa();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(14).unwrap()).unwrap())
            .unwrap();
        b.set_subject_name(&named("Member")).unwrap();
        b.set_issuer_name(&named("Made CA")).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&asn1(window.0)).unwrap();
        b.set_not_after(&asn1(window.1)).unwrap();
        #[allow(deprecated)]
        let dp = openssl::x509::X509Extension::new_nid(
            None,
            None,
            Nid::CRL_DISTRIBUTION_POINTS,
            &format!("URI:{url}"),
        )
        .unwrap();
        b.append_extension(dp).unwrap();
        b.sign(&int.key, MessageDigest::sha256()).unwrap();
        write("with-dp.cer", b.build().to_der().unwrap())
    };
    let (code, report) = pki(&[
        "crl",
        "--check",
        s(&with_dp),
        "--issuer",
        s(&int_file),
        "--at",
        at,
    ]);
    assert_eq!(code, 0, "{:?}", reasons(&report));
    assert_eq!(report["source"]["name"], url.as_str());
    assert_eq!(report["lookups"][0]["revoked"], true);

    // An issuer loop: A by B, B by A, the leaf by A.
    let (ka, kb) = (rsa(), rsa());
    let a = issue(
        "Loop A",
        Some("Loop B"),
        20,
        &ka,
        Some(&kb),
        true,
        y2020,
        y2040,
    );
    let b = issue(
        "Loop B",
        Some("Loop A"),
        21,
        &kb,
        Some(&ka),
        true,
        y2020,
        y2040,
    );
    let looped = issue(
        "Member",
        Some("Loop A"),
        22,
        &rsa(),
        Some(&ka),
        false,
        window.0,
        window.1,
    );
    let (a, b, looped) = (
        write("a.cer", a.to_der().unwrap()),
        write("b.cer", b.to_der().unwrap()),
        write("looped.cer", looped.to_der().unwrap()),
    );
    let (code, report) = pki(&[
        "chain",
        s(&looped),
        "--intermediate",
        s(&a),
        "--intermediate",
        s(&b),
        "--anchor",
        s(&root_file),
        "--at",
        at,
    ]);
    assert_eq!(code, 1);
    assert!(
        reasons(&report).iter().any(|r| r.contains("issuer loop")),
        "{:?}",
        reasons(&report)
    );

    // Garbage as the certificate: not verifiable here, with the file named.
    let junk = write("junk.cer", b"not a certificate".to_vec());
    let (code, report) = pki(&["chain", s(&junk)]);
    assert_eq!(code, 3);
    assert!(reasons(&report)[0].starts_with(s(&junk)));
    // A file that does not exist is bad usage (exit 2), with its name.
    let out = tekseru(&["pki", "chain", "/nonexistent.cer"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.cer"));

    // The OIDs of the made leaf: no policy at all.
    let (code, report) = pki(&["oids", s(&good)]);
    assert_eq!(code, 1);
    assert!(reasons(&report)[0].contains("carries no certificate policy"));
}

/// Serves `body` once per connection with `status`, on 127.0.0.1.
fn http_server(status: &'static str, body: Vec<u8>, connections: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/pkix-crl\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
        }
    });
    format!("http://{addr}/nca_gost2022_test.crl")
}

#[test]
fn a_crl_is_fetched_from_its_url_with_a_timeout() {
    let body = std::fs::read(repo("crates/eds/tests/fixtures/crl/nca_gost2022_test.crl")).unwrap();
    let issuer = repo("assets/anchors/test/nca_gost2022_test.cer");
    let url = http_server("200 OK", body.clone(), 1);
    let (code, report) = pki(&[
        "crl",
        &url,
        "--issuer",
        s(&issuer),
        "--at",
        "2025-05-01T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{:?}", reasons(&report));
    assert_eq!(report["source"]["name"], url.as_str());
    assert_eq!(report["source"]["bytes"], body.len());
    assert_eq!(report["entries"], 54);

    let url = http_server("404 Not Found", b"no".to_vec(), 1);
    let (code, report) = pki(&["crl", &url, "--at", "2025-05-01T00:00:00Z"]);
    assert_eq!(code, 1);
    assert!(
        reasons(&report)[0].contains("answered HTTP 404"),
        "{:?}",
        reasons(&report)
    );

    // A port that accepts nothing: no answer, not verifiable here, within the timeout.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let started = std::time::Instant::now();
    let (code, report) = pki(&[
        "crl",
        &format!("http://127.0.0.1:{port}/x.crl"),
        "--timeout",
        "500",
    ]);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(code, 3);
    assert!(
        reasons(&report)[0].contains("no answer"),
        "{:?}",
        reasons(&report)
    );
}

/// An SNTP responder `offset_ms` ahead of this clock, answering once.
fn sntp_responder(offset_ms: i64) -> String {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut buf = [0u8; 48];
        let (_, from) = socket.recv_from(&mut buf).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i128
            + i128::from(offset_ms) * 1_000_000;
        let ntp = tekseru_pki_ntp(now);
        let mut out = [0u8; 48];
        out[0] = (4 << 3) | 4;
        out[1] = 2;
        out[24..32].copy_from_slice(&buf[40..48]);
        out[32..40].copy_from_slice(&ntp.to_be_bytes());
        out[40..48].copy_from_slice(&ntp.to_be_bytes());
        socket.send_to(&out, from).unwrap();
    });
    addr
}

/// Unix nanoseconds → NTP timestamp (written out here, independently of the client).
fn tekseru_pki_ntp(unix_ns: i128) -> u64 {
    let ntp = unix_ns + 2_208_988_800 * 1_000_000_000;
    let secs = (ntp / 1_000_000_000) as u64;
    let frac = (((ntp % 1_000_000_000) << 32) / 1_000_000_000) as u64;
    (secs << 32) | frac
}

#[test]
fn time_reports_the_offset_of_a_responder() {
    let (code, report) = pki(&["time", &sntp_responder(300), "--timeout", "2000"]);
    assert_eq!(code, 0, "{:?}", reasons(&report));
    assert_eq!(report["check"], "time");
    let offset = report["server"]["sample"]["offset_ms"].as_f64().unwrap();
    assert!((offset - 300.0).abs() < 50.0, "{offset}");
    assert_eq!(report["server"]["sample"]["stratum"], 2);
    let (code, report) = pki(&[
        "time",
        &sntp_responder(300),
        "--second",
        &sntp_responder(-2000),
        "--max-offset",
        "500",
    ]);
    assert_eq!(code, 1);
    let d = report["offset_to_second_ms"].as_f64().unwrap();
    assert!((d - 2300.0).abs() < 50.0, "{d}");
}

#[test]
fn anchors_lists_the_shipped_roots_with_source_and_sha256() {
    let out = tekseru(&["pki", "anchors", "--json"]);
    assert!(out.status.success());
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 11);
    let gost = list
        .iter()
        .find(|a| a["file"] == "root_gost_2022.cer")
        .unwrap();
    assert_eq!(
        gost["sha256"],
        "af77725f8328bb24f89d81da3acdf7cee4324248538b7ba2cd2a860517fb9dca"
    );
    assert_eq!(
        gost["source"],
        "http://root.gov.kz/cert/root_gost2015_2022.cer"
    );
    assert_eq!(gost["role"], "root");
    assert_eq!(gost["set"], "production");
    let out = tekseru(&["pki", "anchors", "--training", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|a| a["sha256"]
                == "beeffc0bdb77cd798c35983eb0715f6ef0051cccb71d7cd05505e8a4fb2c6f4d")
    );
    let text = String::from_utf8_lossy(&tekseru(&["pki", "anchors"]).stdout).into_owned();
    assert!(
        text.contains("nca_gost_2022.cer (production, intermediate)"),
        "{text}"
    );
}

#[test]
fn a_report_is_attached_as_evidence_and_its_verdict_only_proposed() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tekseru"))
            .args(args)
            .env("TEKSERU_DATA_DIR", data.path())
            .env("TEKSERU_PASSPHRASE", PASS)
            .env("TEKSERU_INSPECTOR", "Test Inspector")
            .env_remove("TEKSERU_CHECKLISTS")
            .output()
            .unwrap()
    };
    let roster = repo("assets/demo/accreditation-adopted.json");
    let out = run(&[
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
        s(&roster),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = serde_json::from_slice::<Value>(&out.stdout).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cert = repo("assets/anchors/prod/nca_gost_2022.cer");
    let out = run(&[
        "pki",
        "chain",
        s(&cert),
        "--at",
        "2025-01-01T00:00:00Z",
        "--attach",
        &id,
        "pki.chain-building",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let evidence = &report["evidence"];
    assert_eq!(evidence["proposed_verdict"], "complies");
    assert_eq!(
        evidence["confirm"],
        format!("tekseru inspection answer {id} pki.chain-building --verdict complies").as_str()
    );
    let files = evidence["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(files[0]["name"].as_str().unwrap().starts_with("pki-chain-"));
    assert!(files[0]["name"].as_str().unwrap().ends_with(".json"));
    assert!(files[1]["name"].as_str().unwrap().ends_with(".txt"));

    // The stored JSON is the report; the stored text is readable.
    let exported = data.path().join("exported.json");
    let out = run(&[
        "evidence",
        "export",
        &id,
        files[0]["sha256"].as_str().unwrap(),
        "-o",
        s(&exported),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored: Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    assert_eq!(stored["verdict"], "complies");
    assert_eq!(stored["links"][0]["sha256"], report["links"][0]["sha256"]);
    let text_out = data.path().join("exported.txt");
    let out = run(&[
        "evidence",
        "export",
        &id,
        files[1]["sha256"].as_str().unwrap(),
        "-o",
        s(&text_out),
    ]);
    assert!(out.status.success());
    assert!(std::fs::read_to_string(&text_out)
        .unwrap()
        .starts_with("Certificate chain (224/НҚ §12(1), (2), (4))\nverdict: complies"));

    // The item is not answered: the verdict was only proposed.
    let out = run(&["inspection", "show", &id, "--json"]);
    let show: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = show.to_string();
    assert!(text.contains("pki-chain-"), "the evidence is listed");
    let answers = show["answers"].as_array().cloned().unwrap_or_default();
    assert!(
        !answers
            .iter()
            .any(|a| a["item"] == "pki.chain-building" && a["verdict"] == "complies"),
        "{answers:?}"
    );

    // The act prints what was measured under the item: the chain to its root, its links.
    let act = data.path().join("act.pdf");
    let out = run(&["act", "render", &id, "-o", s(&act), "--lang", "ru"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdftotext = Command::new("pdftotext")
        .args(["-raw", s(&act), "-"])
        .output()
        .unwrap();
    assert!(pdftotext.status.success());
    let flat = String::from_utf8_lossy(&pdftotext.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let links = report["links"].as_array().unwrap();
    let root = links.last().unwrap()["subject"].as_str().unwrap();
    let root = root
        .split(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap_or(root);
    let root = root.split_whitespace().collect::<Vec<_>>().join(" ");
    let measured = format!(
        "Измерено: цепочка до корня {root} на 1 января 2025 г., 00:00 UTC, звеньев: {} — соответствует",
        links.len()
    );
    assert!(flat.contains(&measured), "no «{measured}» in {flat}");

    // An unknown item is refused, and nothing is attached.
    let out = run(&[
        "pki",
        "chain",
        s(&cert),
        "--attach",
        &id,
        "no.such-item",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no.such-item"));
}
