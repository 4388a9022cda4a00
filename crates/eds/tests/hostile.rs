//! Mutated, truncated and random inputs give errors, never panics.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tekseru_eds::certificate::Certificate;
use tekseru_eds::crl::Crl;
use tekseru_eds::key::PrivateKey;
use tekseru_eds::{chain, cms};
use time::macros::datetime;

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{FIX}{path}")).unwrap()
}

fn cert_der() -> Vec<u8> {
    Certificate::parse(&fixture("cms/individual_signer.cer"))
        .unwrap()
        .der()
        .to_vec()
}

fn exercise_certificate(bytes: &[u8]) {
    if let Ok(cert) = Certificate::parse(bytes) {
        let _ = cert.facts();
        let _ = cert.check_signing_usage();
        let anchors = tekseru_eds::anchor::training().unwrap();
        let _ = chain::validate(
            &cert,
            std::slice::from_ref(&cert),
            anchors,
            datetime!(2026-07-20 0:00 UTC),
            &[],
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_certificates(index in 0usize..1082, byte in any::<u8>()) {
        let mut der = cert_der();
        let i = index % der.len();
        der[i] = byte;
        exercise_certificate(&der);
    }

    #[test]
    fn truncated_certificates(len in 0usize..1082) {
        let der = cert_der();
        exercise_certificate(&der[..len.min(der.len())]);
    }

    #[test]
    fn random_bytes_everywhere(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise_certificate(&bytes);
        let _ = Crl::parse(&bytes);
        let _ = cms::verify_detached(&bytes, &[b"x"]);
        let _ = PrivateKey::from_pkcs8_der(&bytes);
    }

    #[test]
    fn mutated_cms(index in 0usize..4000, byte in any::<u8>()) {
        let document = fixture("cms/individual_document.txt");
        let mut der = fixture("cms/individual_detached.der");
        let i = index % der.len();
        let changed = der[i] != byte;
        der[i] = byte;
        let result = cms::verify_detached(&der, &[&document]);
        // The unsigned attributes (the timestamp token) are not covered by the signature.
        if changed && i < 1629 {
            prop_assert!(result.is_err(), "byte {} changed and the CMS still verifies", i);
        }
    }

    #[test]
    fn truncated_cms(len in 0usize..3400) {
        let der = fixture("cms/legal_entity_detached.der");
        let document = fixture("cms/legal_entity_document.txt");
        let cut = &der[..len.min(der.len() - 1)];
        prop_assert!(cms::verify_detached(cut, &[&document]).is_err());
    }

    #[test]
    fn mutated_crls(index in 0usize..4000, byte in any::<u8>()) {
        let mut der = fixture("crl/nca_gost2022_test.crl");
        let i = index % der.len();
        der[i] = byte;
        if let Ok(crl) = Crl::parse(&der) {
            let _ = crl.lookup(&[1, 2, 3]);
            let issuer = &tekseru_eds::anchor::training().unwrap()[1].certificate;
            let _ = crl.verify_signed_by(issuer);
        }
    }

    #[test]
    fn truncated_crls(len in 0usize..4000) {
        let der = fixture("crl/nca_gost2022_test.crl");
        let _ = Crl::parse(&der[..len.min(der.len())]);
    }
}

#[test]
fn mutated_cms_region_is_the_signed_part() {
    // The bound used above: the SignerInfo's unsigned attributes start at 1629.
    let der = fixture("cms/individual_detached.der");
    assert_eq!(der[1629], 0xa1);
}

#[test]
fn an_unknown_algorithm_is_named_and_not_verifiable() {
    let mut der = cert_der();
    // The certificate's outer signatureAlgorithm: 1.2.398.3.10.1.1.2.3.2 → …3.9.
    let alg = [0x2a, 0x83, 0x0e, 0x03, 0x0a, 0x01, 0x01, 0x02, 0x03, 0x02];
    let at = der.windows(alg.len()).rposition(|w| w == alg).unwrap();
    der[at + alg.len() - 1] = 0x09;
    let cert = Certificate::from_der(der).unwrap();
    let issuer = &tekseru_eds::anchor::training().unwrap()[1].certificate;
    let err = cert
        .verify_signed_by(&issuer.public_key().unwrap())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "unknown algorithm (signature) 1.2.398.3.10.1.1.2.3.9: not verifiable here"
    );
    let report = chain::validate(
        &cert,
        &[],
        tekseru_eds::anchor::training().unwrap(),
        datetime!(2026-07-20 0:00 UTC),
        &[],
    );
    assert!(!report.valid);
    assert!(
        report
            .reasons
            .iter()
            .any(|r| r.contains("not verifiable here")),
        "{:?}",
        report.reasons
    );
}

#[test]
fn every_byte_of_the_signed_part_matters() {
    let document = fixture("cms/individual_document.txt");
    let original = fixture("cms/individual_detached.der");
    for i in 0..1629 {
        let mut der = original.clone();
        der[i] ^= 0x01;
        assert!(
            cms::verify_detached(&der, &[&document]).is_err(),
            "byte {i} flipped and the CMS still verifies"
        );
    }
}

/// RFC 5280 §4.1.1.2: a certificate whose outer signatureAlgorithm differs from the one in
/// its signed part does not verify, even when both are known algorithms.
#[test]
fn an_outer_algorithm_other_than_the_signed_one_is_refused() {
    let der = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/anchors/prod/nca_gost_2022.cer"
    ))
    .unwrap();
    let root = tekseru_eds::certificate::Certificate::parse(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/anchors/prod/root_gost_2022.cer"
        ))
        .unwrap(),
    )
    .unwrap();
    let key = root.public_key().unwrap();
    let cert = tekseru_eds::certificate::Certificate::parse(&der).unwrap();
    assert!(cert.verify_signed_by(&key).is_ok());
    // The outer OID (after the TBS) names the 2015-256 signature instead of 2015-512.
    let sig_512 = [0x2a, 0x83, 0x0e, 0x03, 0x0a, 0x01, 0x01, 0x02, 0x03, 0x02];
    let last = der
        .windows(sig_512.len())
        .rposition(|w| w == sig_512)
        .unwrap();
    let mut forged = der.clone();
    forged[last + sig_512.len() - 1] = 0x01;
    let forged = tekseru_eds::certificate::Certificate::parse(&forged).unwrap();
    let err = forged.verify_signed_by(&key).unwrap_err().to_string();
    assert!(
        err.contains("is not the one its signed part names"),
        "{err}"
    );
}
