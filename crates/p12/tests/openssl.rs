//! Containers that OpenSSL writes at test time open and give back exactly what went in: modern
//! defaults (PBES2, AES-256-CBC, HMAC-SHA-256 MAC), legacy 3DES, RC2, no MAC, chains,
//! non-ASCII passwords.
#![allow(clippy::unwrap_used)]

mod common;

use common::{assert_der, pfx_fields, strip_mac};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::{X509Name, X509};
use tekseru_p12::{open, P12Error};

fn rsa() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
}

fn p256() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

fn cert(key: &PKey<Private>, cn: &str, serial: u32) -> X509 {
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(serial).unwrap()).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(key).unwrap();
    // Fixed dates: nothing here depends on today.
    b.set_not_before(&Asn1Time::from_unix(1_700_000_000).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(1_800_000_000).unwrap())
        .unwrap();
    b.sign(key, MessageDigest::sha256()).unwrap();
    b.build()
}

/// Checks that `bytes`, opened with `password`, give back `key` and `cert` first.
fn assert_roundtrip(
    bytes: &[u8],
    password: &str,
    key: &PKey<Private>,
    cert: &X509,
    algorithm: &str,
) {
    let c = open(bytes, password).unwrap();
    assert_eq!(c.key_algorithm, algorithm);
    assert_der(&c.private_key);
    let back = PKey::private_key_from_pkcs8(&c.private_key).unwrap();
    assert!(back.public_eq(key));
    assert_eq!(
        back.private_key_to_pkcs8().unwrap(),
        key.private_key_to_pkcs8().unwrap()
    );
    assert_eq!(c.certificates[0], cert.to_der().unwrap());
}

const RSA: &str = "1.2.840.113549.1.1.1";
const EC: &str = "1.2.840.10045.2.1";

#[test]
fn openssl3_defaults_pbes2_aes256_and_a_sha256_mac_open() {
    let key = rsa();
    let cert = cert(&key, "modern", 1);
    let p12 = Pkcs12::builder()
        .name("member")
        .pkey(&key)
        .cert(&cert)
        .build2("s3cret")
        .unwrap();
    let der = p12.to_der().unwrap();
    assert_eq!(pfx_fields(&der), 3, "version, authSafe, macData");
    assert_roundtrip(&der, "s3cret", &key, &cert, RSA);
    assert_eq!(open(&der, "s3cret!").unwrap_err(), P12Error::WrongPassword);
}

#[test]
fn an_ec_key_opens_too() {
    let key = p256();
    let cert = cert(&key, "ec", 2);
    let der = Pkcs12::builder()
        .pkey(&key)
        .cert(&cert)
        .build2("pw")
        .unwrap()
        .to_der()
        .unwrap();
    assert_roundtrip(&der, "pw", &key, &cert, EC);
}

#[test]
fn legacy_3des_with_a_sha1_mac_opens() {
    let key = rsa();
    let cert = cert(&key, "legacy", 3);
    let der = Pkcs12::builder()
        .pkey(&key)
        .cert(&cert)
        .key_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC)
        .cert_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC)
        .mac_md(MessageDigest::sha1())
        .key_iter(1024)
        .mac_iter(1024)
        .build2("Qwerty12")
        .unwrap()
        .to_der()
        .unwrap();
    assert_roundtrip(&der, "Qwerty12", &key, &cert, RSA);
    assert_eq!(open(&der, "Qwerty13").unwrap_err(), P12Error::WrongPassword);
}

#[test]
fn rc2_40_and_rc2_128_open() {
    // OpenSSL 3 has RC2 only in its legacy provider (shipped with libssl3).
    let _legacy = openssl::provider::Provider::try_load(None, "legacy", true)
        .expect("the OpenSSL legacy provider, for RC2");
    let key = rsa();
    let cert = cert(&key, "rc2", 4);
    for nid in [
        Nid::PBE_WITHSHA1AND40BITRC2_CBC,
        Nid::PBE_WITHSHA1AND128BITRC2_CBC,
    ] {
        let der = Pkcs12::builder()
            .pkey(&key)
            .cert(&cert)
            .key_algorithm(nid)
            .cert_algorithm(nid)
            .mac_md(MessageDigest::sha1())
            .build2("rc2 pass")
            .unwrap()
            .to_der()
            .unwrap();
        assert_roundtrip(&der, "rc2 pass", &key, &cert, RSA);
    }
}

#[test]
fn non_ascii_passwords_are_encoded_as_openssl_does() {
    let key = p256();
    let cert = cert(&key, "unicode", 5);
    let password = "Құпия сөз 😀";
    for legacy in [false, true] {
        let mut b = Pkcs12::builder();
        b.pkey(&key).cert(&cert);
        if legacy {
            b.key_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC)
                .cert_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC)
                .mac_md(MessageDigest::sha1());
        }
        let der = b.build2(password).unwrap().to_der().unwrap();
        assert_roundtrip(&der, password, &key, &cert, EC);
        assert_eq!(
            open(&der, "Құпия сөз").unwrap_err(),
            P12Error::WrongPassword
        );
    }
}

#[test]
fn without_a_mac_a_wrong_password_is_still_a_wrong_password() {
    let key = rsa();
    let cert = cert(&key, "no mac", 6);
    for legacy in [false, true] {
        let mut b = Pkcs12::builder();
        b.pkey(&key).cert(&cert);
        if legacy {
            b.key_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC)
                .cert_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC);
        }
        let der = strip_mac(&b.build2("right").unwrap().to_der().unwrap());
        assert_eq!(pfx_fields(&der), 2, "version and authSafe, no macData");
        assert_roundtrip(&der, "right", &key, &cert, RSA);
        for wrong in ["wrong", "Right", "", "right "] {
            assert_eq!(
                open(&der, wrong).unwrap_err(),
                P12Error::WrongPassword,
                "{wrong:?}"
            );
        }
    }
}

#[test]
fn an_empty_password_works() {
    let key = p256();
    let cert = cert(&key, "empty", 7);
    let der = Pkcs12::builder()
        .pkey(&key)
        .cert(&cert)
        .build2("")
        .unwrap()
        .to_der()
        .unwrap();
    assert_roundtrip(&der, "", &key, &cert, EC);
    assert_eq!(open(&der, "x").unwrap_err(), P12Error::WrongPassword);
}

#[test]
fn the_keys_own_certificate_comes_first_then_the_chain() {
    let ca_key = rsa();
    let ca = cert(&ca_key, "ca", 10);
    let key = p256();
    let leaf = cert(&key, "leaf", 11);
    let mut chain = Stack::new().unwrap();
    chain.push(ca.clone()).unwrap();
    let der = Pkcs12::builder()
        .pkey(&key)
        .cert(&leaf)
        .ca(chain)
        .build2("pw")
        .unwrap()
        .to_der()
        .unwrap();
    let c = open(&der, "pw").unwrap();
    assert_eq!(
        c.certificates,
        vec![leaf.to_der().unwrap(), ca.to_der().unwrap()]
    );
}

#[test]
fn a_container_without_a_key_or_without_a_certificate_says_so() {
    let key = p256();
    let cert = cert(&key, "half", 12);
    let only_cert = Pkcs12::builder()
        .cert(&cert)
        .build2("pw")
        .unwrap()
        .to_der()
        .unwrap();
    assert_eq!(open(&only_cert, "pw").unwrap_err(), P12Error::NoPrivateKey);
    let only_key = Pkcs12::builder()
        .pkey(&key)
        .build2("pw")
        .unwrap()
        .to_der()
        .unwrap();
    assert_eq!(open(&only_key, "pw").unwrap_err(), P12Error::NoCertificate);
    assert_eq!(
        P12Error::NoPrivateKey.to_string(),
        "the key file holds no private key"
    );
}

#[test]
fn pbes2_with_other_ciphers_and_macs_with_other_digests_open() {
    let key = p256();
    let cert = cert(&key, "variants", 13);
    let ciphers = [
        Nid::AES_128_CBC,
        Nid::AES_192_CBC,
        Nid::AES_256_CBC,
        Nid::DES_EDE3_CBC,
    ];
    let digests = [
        MessageDigest::sha1(),
        MessageDigest::sha224(),
        MessageDigest::sha256(),
        MessageDigest::sha384(),
        MessageDigest::sha512(),
    ];
    for (i, cipher) in ciphers.into_iter().enumerate() {
        for (j, md) in digests.into_iter().enumerate() {
            if i != j && j != 2 {
                continue; // every cipher with SHA-256, every digest once
            }
            let der = Pkcs12::builder()
                .pkey(&key)
                .cert(&cert)
                .key_algorithm(cipher)
                .cert_algorithm(cipher)
                .mac_md(md)
                .build2("variant")
                .unwrap()
                .to_der()
                .unwrap();
            assert_roundtrip(&der, "variant", &key, &cert, EC);
            assert_eq!(open(&der, "Variant").unwrap_err(), P12Error::WrongPassword);
        }
    }
}

#[test]
fn an_unencrypted_key_bag_and_certificate_open() {
    // NID -1 to PKCS12_create: the key in a plain keyBag, the certificate in a plain data safe.
    let key = rsa();
    let cert = cert(&key, "plain", 14);
    let der = Pkcs12::builder()
        .pkey(&key)
        .cert(&cert)
        .key_algorithm(Nid::from_raw(-1))
        .cert_algorithm(Nid::from_raw(-1))
        .build2("mac only")
        .unwrap()
        .to_der()
        .unwrap();
    // The key is in the clear: its DER is in the file as is.
    let pkcs8 = key.private_key_to_pkcs8().unwrap();
    assert!(der.windows(pkcs8.len()).any(|w| w == pkcs8));
    assert_roundtrip(&der, "mac only", &key, &cert, RSA);
    assert_eq!(open(&der, "no").unwrap_err(), P12Error::WrongPassword);
}
