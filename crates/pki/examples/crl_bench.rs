//! The CRL benchmark of `cargo xtask bench`, release mode, one line of JSON per run.
//!
//! - `crl_bench make DIR ENTRIES`: a CA (RSA-2048, made now by OpenSSL) and its CRL of
//!   ENTRIES entries (20-byte serials, every other one with a reasonCode), signed, as
//!   `DIR/bench.crl` (DER) and `DIR/bench-ca.cer`.
//! - `crl_bench query CRL`: reads and parses the CRL, then looks up 1,000 serials (half of
//!   them listed); prints the times.
#![allow(clippy::unwrap_used)] // A bench tool: what it sets up itself may panic.

use std::time::Instant;

use der::asn1::{BitString, Null, OctetString, UtcTime};
use der::{Any, Decode, Encode};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509Name, X509};
use spki::AlgorithmIdentifierOwned;
use tekseru_eds::crl::Crl;
use tekseru_eds::key::PrivateKey;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::CrlReason;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

/// The i-th serial: 20 bytes, the first below 0x80 (positive), spread out.
fn serial(i: u64) -> [u8; 20] {
    let mut s = [0u8; 20];
    let a = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let b = i.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) ^ 0x5555;
    s[0] = 0x3a;
    s[4..12].copy_from_slice(&a.to_be_bytes());
    s[12..20].copy_from_slice(&b.to_be_bytes());
    s
}

fn utc(unix: u64) -> Time {
    Time::UtcTime(UtcTime::from_unix_duration(std::time::Duration::from_secs(unix)).unwrap())
}

fn make(dir: &str, entries: u64) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, "Bench CA")
        .unwrap();
    name.append_entry_by_nid(Nid::COUNTRYNAME, "KZ").unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(1).unwrap()).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(1_577_836_800).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(2_208_988_800).unwrap())
        .unwrap();
    b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
        .unwrap();
    b.append_extension(KeyUsage::new().key_cert_sign().crl_sign().build().unwrap())
        .unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let ca = b.build();

    let signer = PrivateKey::from_pkcs8_der(&key.private_key_to_pkcs8().unwrap()).unwrap();
    let algorithm = AlgorithmIdentifierOwned {
        oid: signer.signature_algorithm().oid(),
        parameters: Some(Any::from(Null)),
    };
    let reason = Extension {
        extn_id: <CrlReason as der::oid::AssociatedOid>::OID,
        critical: false,
        extn_value: OctetString::new(CrlReason::KeyCompromise.to_der().unwrap()).unwrap(),
    };
    let revoked: Vec<RevokedCert> = (0..entries)
        .map(|i| RevokedCert {
            serial_number: SerialNumber::new(&serial(i)).unwrap(),
            revocation_date: utc(1_700_000_000 + i),
            crl_entry_extensions: (i % 2 == 0).then(|| vec![reason.clone()]),
        })
        .collect();
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: algorithm.clone(),
        issuer: Name::from_der(&ca.subject_name().to_der().unwrap()).unwrap(),
        this_update: utc(1_735_689_600),
        next_update: Some(utc(1_738_368_000)),
        revoked_certificates: Some(revoked),
        crl_extensions: None,
    };
    let signature = signer.sign(&tbs.to_der().unwrap()).unwrap();
    let der = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature).unwrap(),
    }
    .to_der()
    .unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(format!("{dir}/bench.crl"), &der).unwrap();
    std::fs::write(format!("{dir}/bench-ca.cer"), ca.to_der().unwrap()).unwrap();
    println!(
        "{{\"entries\":{entries},\"bytes\":{},\"crl\":\"{dir}/bench.crl\"}}",
        der.len()
    );
}

fn query(path: &str) {
    let started = Instant::now();
    let bytes = std::fs::read(path).unwrap();
    let crl = Crl::parse(&bytes).unwrap();
    let parsed = started.elapsed();
    let entries = crl.len() as u64;
    let lookups = 1000u64;
    let step = (entries / (lookups / 2)).max(1);
    let started = Instant::now();
    let mut found = 0;
    for k in 0..lookups {
        // Even k: a listed serial; odd k: one that is not.
        let s = if k % 2 == 0 {
            serial((k / 2) * step)
        } else {
            serial(entries + k)
        };
        found += usize::from(crl.lookup(&s).is_some());
    }
    let looked = started.elapsed();
    println!(
        "{{\"entries\":{entries},\"parse_ms\":{:.3},\"lookups\":{lookups},\"found\":{found},\"lookup_ms\":{:.3}}}",
        parsed.as_secs_f64() * 1e3,
        looked.as_secs_f64() * 1e3
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["make", dir, entries] => make(dir, entries.parse().unwrap()),
        ["query", path] => query(path),
        _ => {
            eprintln!("usage: crl_bench make DIR ENTRIES | crl_bench query CRL");
            std::process::exit(2);
        }
    }
}
