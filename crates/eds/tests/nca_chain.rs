//! The NCA's own signatures, verified under the shipped production anchors.
#![allow(clippy::unwrap_used)]

use tekseru_eds::anchor::{self, Anchor, AnchorRole};
use tekseru_eds::certificate::Certificate;
use tekseru_eds::chain;
use time::macros::datetime;

fn prod(file: &str) -> &'static Anchor {
    anchor::production()
        .unwrap()
        .iter()
        .find(|a| a.file == file)
        .unwrap()
}

/// `cert` with one bit of its signature flipped.
fn flip_signature_bit(cert: &Certificate) -> Certificate {
    let mut der = cert.der().to_vec();
    let last = der.len() - 10;
    der[last] ^= 0x01;
    Certificate::from_der(der).unwrap()
}

fn check(leaf: &str, root: &str) {
    let leaf = &prod(leaf).certificate;
    let root = prod(root);
    let at = datetime!(2024-06-01 00:00 UTC);
    let report = chain::validate(leaf, &[], std::slice::from_ref(&root.certificate), at, &[]);
    assert!(report.valid, "{:#?}", report.reasons);
    assert_eq!(report.links.len(), 2);
    assert!(report.links[1].anchor);

    let bad = flip_signature_bit(leaf);
    let report = chain::validate(&bad, &[], std::slice::from_ref(&root.certificate), at, &[]);
    assert!(!report.valid);
    assert!(
        report
            .reasons
            .iter()
            .any(|r| r.starts_with("link 1 (") && r.contains("does not verify")),
        "{:#?}",
        report.reasons
    );
}

#[test]
fn nca_rsa_2022_under_root_rsa_2020() {
    check("nca_rsa_2022.cer", "root_rsa_2020.cer");
}

#[test]
fn production_anchors_are_pinned() {
    let pins = [
        (
            "root_rsa_2020.cer",
            "9ba06354b626641715182e4d07c9dbaa1777720fa795d03174ffc68876535dcd",
            AnchorRole::Root,
        ),
        (
            "nca_rsa_2022.cer",
            "84fb799a66140950818c056a5d9730acc2a7622cdd4ef0d47113b132fb892905",
            AnchorRole::Intermediate,
        ),
        (
            "root_gost_2022.cer",
            "af77725f8328bb24f89d81da3acdf7cee4324248538b7ba2cd2a860517fb9dca",
            AnchorRole::Root,
        ),
        (
            "nca_gost_2022.cer",
            "32c7d233a42703a327f3025543a05b930e3f39a786c68dfa196baa86d5618524",
            AnchorRole::Intermediate,
        ),
        (
            "root_gost_2020.cer",
            "c48164ab5ccaaee6b938299a1e3aeebd6f698bb2bd716a0f0d85befc46166aa2",
            AnchorRole::Root,
        ),
        (
            "ucgo_gost.cer",
            "eb5a5318299db447a46619d2a541f026b52c1fce8a1d371262da8f6f2d7bb6f5",
            AnchorRole::Intermediate,
        ),
        (
            "btsd_gost.cer",
            "74bb80edf34f4594e5e69b79029c64214e67630e3d16b82f952ab6e5956c5fa8",
            AnchorRole::Intermediate,
        ),
        (
            "root_rsa.cer",
            "a7064abc5699827f370c67b09f1a1bfd7ad5e1514d471223df209c08300ea972",
            AnchorRole::Root,
        ),
        (
            "root_gost.cer",
            "9ab210e54e6b0343321131202d9edcc2598f598cfdd9ee4ec1056021ab2e9759",
            AnchorRole::Root,
        ),
        (
            "nca_rsa.cer",
            "34d1b311a9873191ae3382805df51e0a5da23315c512a8deeb885668ceeb5834",
            AnchorRole::Intermediate,
        ),
        (
            "nca_gost.cer",
            "908521d0531e5645e64b34d3588374a3a83582c860e5f7293a04c41217e8cc18",
            AnchorRole::Intermediate,
        ),
    ];
    let anchors = anchor::production().unwrap();
    assert_eq!(anchors.len(), pins.len());
    for (file, sha, role) in pins {
        let a = anchors.iter().find(|a| a.file == file).unwrap();
        assert_eq!(a.sha256, sha, "{file}");
        assert_eq!(a.certificate.sha256_hex(), sha, "{file}");
        assert_eq!(a.role, role, "{file}");
        assert!(a.source.contains("gov.kz"), "{file}");
    }
}

#[test]
fn training_anchors_are_pinned() {
    let anchors = anchor::training().unwrap();
    assert_eq!(anchors.len(), 6);
    let pins = [
        (
            "root_test_gost_2022.cer",
            "b995e79e7c07429f8f79e185451e5599ce342ac720000f01b3854fdfa03031a6",
        ),
        (
            "nca_gost2022_test.cer",
            "beeffc0bdb77cd798c35983eb0715f6ef0051cccb71d7cd05505e8a4fb2c6f4d",
        ),
    ];
    for (file, sha) in pins {
        assert_eq!(anchors.iter().find(|a| a.file == file).unwrap().sha256, sha);
    }
}

#[test]
fn a_tampered_anchor_file_is_refused_naming_it() {
    let toml = include_str!("../../../assets/anchors/prod/anchors.toml");
    let mut bytes = prod("root_rsa_2020.cer").certificate.der().to_vec();
    let n = bytes.len() - 20;
    bytes[n] ^= 0x80;
    let files: Vec<(&str, &[u8])> = anchor::production()
        .unwrap()
        .iter()
        .map(|a| {
            if a.file == "root_rsa_2020.cer" {
                (a.file.as_str(), bytes.as_slice())
            } else {
                (a.file.as_str(), a.certificate.der())
            }
        })
        .collect();
    let err = anchor::load(toml, &files).unwrap_err().to_string();
    assert!(err.contains("root_rsa_2020.cer"), "{err}");
    assert!(err.contains("SHA-256"), "{err}");
}

#[test]
fn nca_gost_2022_under_root_gost_2022() {
    check("nca_gost_2022.cer", "root_gost_2022.cer");
}

#[test]
fn ucgo_gost_under_root_gost_2020() {
    check("ucgo_gost.cer", "root_gost_2020.cer");
}

/// Every shipped intermediate finds its own root among all the anchors, though the 2015 and
/// 2020 roots share their names.
#[test]
fn every_intermediate_finds_its_root_among_all_anchors() {
    let anchors = anchor::production().unwrap();
    let cases = [
        (
            "nca_rsa.cer",
            "root_rsa.cer",
            datetime!(2020-01-01 0:00 UTC),
        ),
        (
            "nca_gost.cer",
            "root_gost.cer",
            datetime!(2020-01-01 0:00 UTC),
        ),
        (
            "nca_rsa_2022.cer",
            "root_rsa_2020.cer",
            datetime!(2024-01-01 0:00 UTC),
        ),
        (
            "nca_gost_2022.cer",
            "root_gost_2022.cer",
            datetime!(2024-01-01 0:00 UTC),
        ),
        (
            "ucgo_gost.cer",
            "root_gost_2020.cer",
            datetime!(2024-01-01 0:00 UTC),
        ),
        (
            "btsd_gost.cer",
            "root_gost_2020.cer",
            datetime!(2024-01-01 0:00 UTC),
        ),
    ];
    for (leaf, root, at) in cases {
        let cert = &prod(leaf).certificate;
        // Judge it as a non-anchor: pass every anchor but itself.
        let others: Vec<Certificate> = anchors
            .iter()
            .map(|a| a.certificate.clone())
            .filter(|c| c != cert)
            .collect();
        let report = chain::validate(cert, &[], &others, at, &[]);
        assert!(report.valid, "{leaf}: {:?}", report.reasons);
        assert_eq!(report.links[1].sha256, prod(root).sha256, "{leaf}");
    }
    // The 2015 generation expired in 2025: an act signed in 2020 is judged in 2020.
    let later = chain::validate(
        &prod("nca_gost.cer").certificate,
        &[],
        std::slice::from_ref(&prod("root_gost.cer").certificate),
        datetime!(2026-01-01 0:00 UTC),
        &[],
    );
    assert!(!later.valid);
}
