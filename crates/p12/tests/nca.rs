//! The NCA RK test key containers open, and give the key and certificate in them.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::X509;
use tekseru_p12::{open, P12Error};

#[test]
fn every_nca_test_key_opens_with_its_algorithm_and_one_certificate() {
    for (name, algorithm) in NCA_KEYS {
        let c = open(&nca_file(name), NCA_PASSWORD).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(c.key_algorithm, *algorithm, "{name}");
        assert_eq!(c.certificates.len(), 1, "{name}: one certificate, no chain");
        // The key is PKCS#8 in DER: a SEQUENCE.
        assert_eq!(assert_der(&c.private_key), 0x30, "{name}");
        let cert = X509::from_der(&c.certificates[0]).unwrap();
        assert_eq!(assert_der(&c.certificates[0]), 0x30, "{name}");
        // The hex in the file name is the certificate's subject key identifier.
        assert_eq!(
            hex(cert.subject_key_id().unwrap().as_slice()),
            name_hex(name),
            "{name}"
        );
        let cn = cert
            .subject_name()
            .entries_by_nid(Nid::COMMONNAME)
            .next()
            .unwrap();
        let cn = cn.data().to_string().unwrap();
        assert!(cn.contains("ТЕСТОВ"), "{name}: CN {cn}");
    }
}

#[test]
fn rsa_keys_match_their_certificates() {
    for (name, algorithm) in NCA_KEYS {
        if *algorithm != "1.2.840.113549.1.1.1" {
            continue;
        }
        let c = open(&nca_file(name), NCA_PASSWORD).unwrap();
        let key = PKey::private_key_from_pkcs8(&c.private_key).unwrap();
        let cert = X509::from_der(&c.certificates[0]).unwrap();
        assert_eq!(key.bits(), 2048, "{name}");
        assert!(
            cert.public_key().unwrap().public_eq(&key),
            "{name}: key and certificate differ"
        );
    }
}

/// The GOST keys are what the kz-eds notes describe: `SEQ{0, SEQ{1.2.398.3.10.1.1.2.2,
/// SEQ{1.2.398.3.10.1.1.2.2.1, 1.2.398.3.10.1.3.3}}, OCTET STRING{OCTET STRING(64)}}`.
#[test]
fn gost512_keys_have_the_documented_pkcs8_shape() {
    for name in [NCA_KEYS[0].0, NCA_KEYS[1].0] {
        let c = open(&nca_file(name), NCA_PASSWORD).unwrap();
        let k = &c.private_key[..];
        let prefix = concat!(
            "306c",                     // SEQUENCE, 108 bytes
            "020100",                   // version 0
            "3023",                     // AlgorithmIdentifier
            "06092a830e030a01010202",   // 1.2.398.3.10.1.1.2.2
            "3016",                     // parameters
            "060a2a830e030a0101020201", // 1.2.398.3.10.1.1.2.2.1
            "06082a830e030a010303",     // 1.2.398.3.10.1.3.3
            "0442",                     // privateKey OCTET STRING
            "0440",                     // OCTET STRING, the 64-byte scalar
        );
        assert_eq!(hex(&k[..prefix.len() / 2]), prefix, "{name}");
        assert_eq!(k.len(), prefix.len() / 2 + 64, "{name}");
    }
}

#[test]
fn the_revoked_gost_key_still_opens() {
    // Revocation is not this crate's business: the file opens like any other.
    let c = open(
        &nca_file("GOST512_0860d9665327c26760c213126760a3b73072218d.p12"),
        NCA_PASSWORD,
    )
    .unwrap();
    let cert = X509::from_der(&c.certificates[0]).unwrap();
    let o = cert
        .subject_name()
        .entries_by_nid(Nid::ORGANIZATIONNAME)
        .next()
        .unwrap();
    assert!(o.data().to_string().unwrap().contains("ТЕСТ"));
}

#[test]
fn a_wrong_password_is_reported_as_such_for_every_nca_key() {
    for (name, _) in NCA_KEYS {
        let bytes = nca_file(name);
        for wrong in [
            "qwerty12",
            "Qwerty1",
            "Qwerty123",
            "",
            "Qwerty12 ",
            "Йцукен12",
        ] {
            let err = open(&bytes, wrong).unwrap_err();
            assert_eq!(err, P12Error::WrongPassword, "{name} with {wrong:?}");
            assert_eq!(
                err.to_string(),
                "wrong password for the key file (its integrity check failed)"
            );
        }
    }
}

#[test]
fn the_private_key_is_not_printed_by_debug() {
    let c = open(&nca_file(NCA_KEYS[2].0), NCA_PASSWORD).unwrap();
    let shown = format!("{c:?}");
    assert!(shown.contains("redacted"), "{shown}");
    assert!(
        !shown.contains(&format!("{:?}", &c.private_key[..8])),
        "{shown}"
    );
}

#[test]
fn without_its_mac_an_nca_key_still_tells_a_wrong_password() {
    for (name, algorithm) in NCA_KEYS {
        let bytes = strip_mac(&nca_file(name));
        assert_eq!(
            open(&bytes, NCA_PASSWORD).unwrap().key_algorithm,
            *algorithm,
            "{name}"
        );
        for wrong in ["qwerty12", "Qwerty1", "", "Йцукен12", "a", "Qwerty12\0"] {
            assert_eq!(
                open(&bytes, wrong).unwrap_err(),
                P12Error::WrongPassword,
                "{name} {wrong:?}"
            );
        }
    }
}
