//! Test-only PKI, made at test time so that no private key is ever committed: a root CA
//! and members' PKCS#12 key files whose subject carries `serialNumber=IIN…`, as Kazakh
//! EDS certificates do. Panics on failure: it is only for tests.
#![allow(clippy::unwrap_used, unreachable_pub)]

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

pub const PASSWORD: &str = "correct horse";

/// Key algorithms for member keys.
#[derive(Clone, Copy)]
pub enum Alg {
    Rsa2048,
    P256,
    P384,
}

pub fn key(alg: Alg) -> PKey<Private> {
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
pub struct Root {
    pub cert: X509,
    key: PKey<Private>,
    serial: std::cell::Cell<u32>,
}

/// Unix time of a date at noon UTC.
pub fn unix(y: i32, m: u8, d: u8) -> i64 {
    time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d)
        .unwrap()
        .with_hms(12, 0, 0)
        .unwrap()
        .assume_utc()
        .unix_timestamp()
}

impl Root {
    pub fn new(name: &str) -> Root {
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
    pub fn p12(
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
    pub fn member(&self, iin: &str, alg: Alg) -> Vec<u8> {
        self.p12(iin, alg, unix(2026, 1, 1), unix(2027, 12, 31), PASSWORD)
    }
}

impl Root {
    /// The root certificate as PEM.
    pub fn pem(&self) -> Vec<u8> {
        self.cert.to_pem().unwrap()
    }
}
