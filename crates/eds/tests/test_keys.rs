//! Sign and verify with the NCA test keys, judged at a time inside each key's validity.
#![allow(clippy::unwrap_used)]

use tekseru_eds::algorithm::SignatureAlgorithm;
use tekseru_eds::anchor;
use tekseru_eds::certificate::{Certificate, Role};
use tekseru_eds::crl::Crl;
use tekseru_eds::key::Credential;
use tekseru_eds::{chain, cms, EdsError};
use time::macros::datetime;
use time::OffsetDateTime;

const KEYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/kz-eds-test/keys/"
);
const CRL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/crl/");
const PASSWORD: &str = "Qwerty12";

fn key_file(prefix: &str) -> Vec<u8> {
    let entry = std::fs::read_dir(KEYS)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix))
        .unwrap();
    std::fs::read(entry).unwrap()
}

fn open(prefix: &str) -> Credential {
    match Credential::open_p12(&key_file(prefix), PASSWORD) {
        Ok(c) => c,
        Err(e) => panic!("{prefix}: {e}"),
    }
}

fn roundtrip(prefix: &str, at: OffsetDateTime, algorithm: SignatureAlgorithm) {
    let credential = open(prefix);
    let document = b"%PDF-1.7 an act of the commission".repeat(100);
    let (a, b) = document.split_at(1000);
    let der = cms::sign_detached(&[a, b], &credential, at).unwrap();
    let signed = match cms::verify_detached(&der, &[&document]) {
        Ok(s) => s,
        Err(e) => panic!("{prefix}: {e}"),
    };
    assert_eq!(signed.signature_algorithm, algorithm);
    assert_eq!(signed.signing_time, Some(at));
    assert!(signed.signing_certificate_v2);
    assert!(signed.signer == *credential.certificate());

    let anchors = anchor::training().unwrap();
    let report = chain::validate(&signed.signer, &[], anchors, at, &[]);
    assert!(report.valid, "{prefix}: {:?}", report.reasons);
    assert_eq!(report.links.len(), 3, "{prefix}: leaf, NCA TEST, root TEST");

    let later = chain::validate(
        &signed.signer,
        &[],
        anchors,
        datetime!(2030-01-01 0:00 UTC),
        &[],
    );
    assert!(!later.valid);
    assert!(
        later
            .reasons
            .iter()
            .any(|r| r.starts_with("link 1") && r.contains("not valid at 2030")),
        "{prefix}: {:?}",
        later.reasons
    );

    let mut changed = document.clone();
    changed[1500] ^= 1;
    assert!(cms::verify_detached(&der, &[&changed]).is_err());
}

#[test]
fn gost_2015_512_roundtrip() {
    roundtrip(
        "GOST512_0d79",
        datetime!(2024-11-01 10:00 UTC),
        SignatureAlgorithm::Gost2015_512,
    );
}

#[test]
fn rsa_roundtrip() {
    roundtrip(
        "RSA256_11c7",
        datetime!(2020-06-01 10:00 UTC),
        SignatureAlgorithm::RsaPkcs1(tekseru_eds::algorithm::DigestAlgorithm::Sha256),
    );
}

#[test]
fn gost_2004_roundtrip() {
    roundtrip(
        "GOSTKNCA_13a3",
        datetime!(2020-06-01 10:00 UTC),
        SignatureAlgorithm::Gost2004,
    );
}

#[test]
fn the_authentication_key_is_refused() {
    let credential = open("AUTH_RSA256");
    let err = cms::sign_detached(&[b"act"], &credential, datetime!(2020-06-01 10:00 UTC))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("this is an authentication key (AUTH_…): keyUsage lacks nonRepudiation"),
        "{err}"
    );
    assert!(
        err.ends_with("sign with your signing key (RSA256_…/GOST512_…) instead"),
        "{err}"
    );
}

#[test]
fn a_wrong_password_says_so() {
    let err = Credential::open_p12(&key_file("GOST512_0d79"), "qwerty12")
        .err()
        .unwrap();
    assert!(matches!(err, EdsError::WrongPassword), "{err}");
}

#[test]
fn certificate_facts() {
    let individual = open("GOST512_0d79");
    let facts = individual.certificate().facts();
    assert_eq!(facts.iin.as_deref(), Some("123456789011"));
    assert_eq!(facts.common_name.as_deref(), Some("ТЕСТОВ ТЕСТ"));
    assert_eq!(facts.role.as_deref(), Some("individual"));
    assert!(
        facts.not_before.starts_with("2024-10-29T"),
        "{}",
        facts.not_before
    );
    assert!(
        facts.not_after.starts_with("2025-10-29T"),
        "{}",
        facts.not_after
    );
    assert_eq!(facts.serial.len(), 40);
    assert!(
        facts.issuer.contains("(GOST) TEST 2022"),
        "{}",
        facts.issuer
    );
    assert!(facts.key_usage.contains(&"nonRepudiation".to_owned()));
    assert_eq!(facts.public_key, "GOST 2015-512");
    assert_eq!(individual.certificate().role(), Some(Role::Individual));

    let head = open("GOST512_0860");
    assert_eq!(head.certificate().role(), Some(Role::FirstHead));
    assert_eq!(head.certificate().bin().as_deref(), Some("123456789021"));
}

fn revoked_leaf() -> Certificate {
    open("GOST512_0860").certificate().clone()
}

#[test]
fn the_test_crl_verifies_and_lists_the_revoked_key() {
    let crl = Crl::parse(&std::fs::read(format!("{CRL}nca_gost2022_test.crl")).unwrap()).unwrap();
    let issuer = &anchor::training()
        .unwrap()
        .iter()
        .find(|a| a.file == "nca_gost2022_test.cer")
        .unwrap()
        .certificate;
    crl.verify_signed_by(issuer).unwrap();
    assert!(!crl.is_delta());
    assert_eq!(crl.len(), 54);
    assert_eq!(
        crl.this_update().date(),
        time::macros::date!(2025 - 04 - 29)
    );
    let entry = crl.lookup_certificate(&revoked_leaf()).unwrap();
    assert_eq!(entry.date, datetime!(2024-10-29 11:45:53 UTC));
    assert!(crl
        .lookup_certificate(open("GOST512_0d79").certificate())
        .is_none());

    let delta =
        Crl::parse(&std::fs::read(format!("{CRL}nca_gost2022_d_test.crl")).unwrap()).unwrap();
    delta.verify_signed_by(issuer).unwrap();
    assert!(delta.is_delta());

    // A flipped bit in the CRL's signature fails.
    let mut der = crl.der().to_vec();
    let n = der.len() - 5;
    der[n] ^= 1;
    assert!(Crl::from_der(der)
        .unwrap()
        .verify_signed_by(issuer)
        .is_err());
}

#[test]
fn the_revoked_key_counts_before_its_revocation_and_not_after() {
    let crl = Crl::parse(&std::fs::read(format!("{CRL}nca_gost2022_test.crl")).unwrap()).unwrap();
    let crls = [crl];
    let anchors = anchor::training().unwrap();
    let leaf = revoked_leaf();
    let before = chain::validate(
        &leaf,
        &[],
        anchors,
        datetime!(2024-10-29 11:44:30 UTC),
        &crls,
    );
    assert!(before.valid, "{:?}", before.reasons);
    assert!(before.leaf_revocation().is_some());
    assert!(before.links[0].revocation_checked);
    assert!(
        !before.links[1].revocation_checked,
        "no CRL of the root was given"
    );
    assert!(before.links[0]
        .notes
        .iter()
        .any(|n| n.contains("still counts")));

    let after = chain::validate(&leaf, &[], anchors, datetime!(2024-11-01 10:00 UTC), &crls);
    assert!(!after.valid);
    assert!(
        after
            .reasons
            .iter()
            .any(|r| r.starts_with("link 1") && r.contains("revoked on 2024-10-29T11:45:53Z")),
        "{:?}",
        after.reasons
    );
}

#[test]
fn a_test_certificate_fails_under_the_production_anchors() {
    let leaf = open("GOST512_0d79").certificate().clone();
    let report = chain::validate(
        &leaf,
        &[],
        anchor::production().unwrap(),
        datetime!(2024-11-01 10:00 UTC),
        &[],
    );
    assert!(!report.valid && !report.trusted);
    assert!(
        report.reasons.iter().any(|r| r.contains("wrong root")),
        "{:?}",
        report.reasons
    );

    // With the TEST intermediate and root given as mere intermediates: the path ends at a
    // self-signed root that is not an anchor.
    let training: Vec<Certificate> = anchor::training()
        .unwrap()
        .iter()
        .map(|a| a.certificate.clone())
        .collect();
    let report = chain::validate(
        &leaf,
        &training,
        anchor::production().unwrap(),
        datetime!(2024-11-01 10:00 UTC),
        &[],
    );
    assert!(!report.valid);
    assert!(
        report
            .reasons
            .iter()
            .any(|r| r.contains("not a trusted anchor (wrong root)")),
        "{:?}",
        report.reasons
    );
}

/// A CMS checked against a digest the caller computed once: the same digest verifies, another
/// digest or another digest algorithm does not.
#[test]
fn a_cms_is_checked_against_a_precomputed_digest() {
    use tekseru_eds::algorithm::DigestAlgorithm;
    let credential = open("GOST512_0d79");
    let at = time::macros::datetime!(2024-11-01 12:00 UTC);
    let parts: [&[u8]; 2] = [b"the act before /Contents", b"and after it"];
    let algorithm = credential.key().signature_algorithm().digest();
    assert_eq!(algorithm, DigestAlgorithm::Streebog512);
    let digest = algorithm.digest_parts(&parts);
    let cms = tekseru_eds::cms::sign_detached_digest(&digest, &credential, at).unwrap();
    let signed = tekseru_eds::cms::verify_detached_digest(&cms, algorithm, &digest).unwrap();
    assert_eq!(signed.signing_time, Some(at));
    // The same CMS over the parts themselves.
    assert!(tekseru_eds::cms::verify_detached(&cms, &parts).is_ok());
    let mut other = digest.clone();
    other[0] ^= 1;
    let err = tekseru_eds::cms::verify_detached_digest(&cms, algorithm, &other).unwrap_err();
    assert!(
        err.to_string().contains("differs from messageDigest"),
        "{err}"
    );
    let err = tekseru_eds::cms::verify_detached_digest(
        &cms,
        DigestAlgorithm::Sha256,
        &DigestAlgorithm::Sha256.digest_parts(&parts),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("digests its content with"),
        "{err}"
    );
}
