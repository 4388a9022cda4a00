//! Test PKI and act data, made at test time (no key is committed).
#![allow(dead_code, clippy::unwrap_used)]

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509Name, X509};
use std::path::PathBuf;
use std::process::Command;
use tekseru_act::{ActData, Languages, RenderOptions};

pub(crate) const PASSWORD: &str = "correct horse";

/// Key algorithms for member keys.
#[derive(Clone, Copy)]
pub(crate) enum Alg {
    Rsa2048,
    P256,
    P384,
}

pub(crate) fn key(alg: Alg) -> PKey<Private> {
    match alg {
        Alg::Rsa2048 => PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
        Alg::P256 => PKey::from_ec_key(
            EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
        )
        .unwrap(),
        Alg::P384 => PKey::from_ec_key(
            EcKey::generate(&EcGroup::from_curve_name(Nid::SECP384R1).unwrap()).unwrap(),
        )
        .unwrap(),
    }
}

/// A test root CA.
pub(crate) struct Root {
    pub(crate) cert: X509,
    key: PKey<Private>,
    serial: std::cell::Cell<u32>,
}

/// Unix time of a date at noon UTC.
pub(crate) fn unix(y: i32, m: u8, d: u8) -> i64 {
    time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d)
        .unwrap()
        .with_hms(12, 0, 0)
        .unwrap()
        .assume_utc()
        .unix_timestamp()
}

impl Root {
    pub(crate) fn new(name: &str) -> Root {
        let key = key(Alg::P256);
        let mut subject = X509Name::builder().unwrap();
        subject.append_entry_by_nid(Nid::COMMONNAME, name).unwrap();
        let subject = subject.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(1).unwrap()).unwrap())
            .unwrap();
        b.set_subject_name(&subject).unwrap();
        b.set_issuer_name(&subject).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::from_unix(unix(2020, 1, 1)).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::from_unix(unix(2040, 1, 1)).unwrap())
            .unwrap();
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
        b.sign(&key, MessageDigest::sha256()).unwrap();
        Root {
            cert: b.build(),
            key,
            serial: std::cell::Cell::new(2),
        }
    }

    /// A member's PKCS#12 with subject serialNumber `IIN<iin>`, valid between the two unix times.
    pub(crate) fn p12(
        &self,
        iin: &str,
        alg: Alg,
        not_before: i64,
        not_after: i64,
        password: &str,
    ) -> Vec<u8> {
        let key = key(alg);
        let mut subject = X509Name::builder().unwrap();
        subject
            .append_entry_by_nid(Nid::COMMONNAME, &format!("Member {iin}"))
            .unwrap();
        subject
            .append_entry_by_nid(Nid::SERIALNUMBER, &format!("IIN{iin}"))
            .unwrap();
        let subject = subject.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        let serial = self.serial.get();
        self.serial.set(serial + 1);
        b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(serial).unwrap()).unwrap())
            .unwrap();
        b.set_subject_name(&subject).unwrap();
        b.set_issuer_name(self.cert.subject_name()).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::from_unix(not_before).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::from_unix(not_after).unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .build()
                .unwrap(),
        )
        .unwrap();
        b.sign(&self.key, MessageDigest::sha256()).unwrap();
        let cert = b.build();
        let mut chain = openssl::stack::Stack::new().unwrap();
        chain.push(self.cert.clone()).unwrap();
        Pkcs12::builder()
            .name(iin)
            .pkey(&key)
            .cert(&cert)
            .ca(chain)
            .build2(password)
            .unwrap()
            .to_der()
            .unwrap()
    }

    /// A valid member key for the demo act's dates.
    pub(crate) fn member(&self, iin: &str, alg: Alg) -> Vec<u8> {
        self.p12(iin, alg, unix(2026, 1, 1), unix(2027, 12, 31), PASSWORD)
    }
}

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
