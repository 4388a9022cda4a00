//! CMS made by KalkanCrypt with the NCA test keys verifies; a changed byte does not.
#![allow(clippy::unwrap_used)]

use tekseru_eds::algorithm::{DigestAlgorithm, SignatureAlgorithm};
use tekseru_eds::anchor;
use tekseru_eds::certificate::Certificate;
use tekseru_eds::{chain, cms};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cms/");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}{name}")).unwrap()
}

fn check(who: &str) {
    let document = read(&format!("{who}_document.txt"));
    let expected_signer = Certificate::parse(&read(&format!("{who}_signer.cer"))).unwrap();
    for kind in ["detached", "attached"] {
        let der = read(&format!("{who}_{kind}.der"));
        let signed = match cms::verify_detached(&der, &[&document]) {
            Ok(s) => s,
            Err(e) => panic!("{who} {kind}: {e}"),
        };
        assert!(signed.signer == expected_signer);
        assert_eq!(signed.digest_algorithm, DigestAlgorithm::Streebog512);
        assert_eq!(signed.signature_algorithm, SignatureAlgorithm::Gost2015_512);
        assert!(signed.signing_certificate_v2);
        let at = signed.signing_time.unwrap();
        assert_eq!(at.year(), 2026);
        // The signer chains to the NCA TEST anchors at the signing time.
        let report = chain::validate(&signed.signer, &[], anchor::training().unwrap(), at, &[]);
        assert!(report.valid, "{:#?}", report.reasons);
        // The document split in two ranges gives the same digest.
        let (a, b) = document.split_at(document.len() / 2);
        cms::verify_detached(&der, &[a, b]).unwrap();

        let mut changed = document.clone();
        changed[3] ^= 0x20;
        let err = cms::verify_detached(&der, &[&changed])
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("messageDigest")),
            "{err:?}"
        );

        let mut forged = der.clone();
        let n = forged.len() - 3000; // inside the signer's certificate or signature region
        forged[n] ^= 0x01;
        assert!(cms::verify_detached(&forged, &[&document]).is_err());
    }
    // The attached CMS verifies over the content it carries.
    cms::verify_detached(&read(&format!("{who}_attached.der")), &[]).unwrap();
}

#[test]
fn kalkan_individual_verifies() {
    check("individual");
}

#[test]
fn kalkan_legal_entity_verifies() {
    check("legal_entity");
}

#[test]
fn a_flipped_signature_bit_fails() {
    let document = read("individual_document.txt");
    let mut der = read("individual_detached.der");
    // The signature: the 128-byte OCTET STRING after the GOST signature algorithm.
    let alg = [
        0x06, 0x0a, 0x2a, 0x83, 0x0e, 0x03, 0x0a, 0x01, 0x01, 0x02, 0x03, 0x02, 0x05, 0x00, 0x04,
        0x81, 0x80,
    ];
    let at = der.windows(alg.len()).position(|w| w == alg).unwrap() + alg.len() + 5;
    der[at] ^= 0x01;
    let err = cms::verify_detached(&der, &[&document])
        .err()
        .map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|e| e.contains("signature does not verify")),
        "{err:?}"
    );
}

/// The raw GOST facts of a Kalkan CMS are the ones its signature is over: the signer's key
/// verifies them, and not once the digest changes.
#[test]
fn the_raw_gost_facts_of_kalkan_cms() {
    for who in ["individual", "legal_entity"] {
        let der = read(&format!("{who}_detached.der"));
        let signer = Certificate::parse(&read(&format!("{who}_signer.cer"))).unwrap();
        let facts = cms::gost_signature_facts(&der).unwrap().unwrap();
        assert_eq!(facts.curve, tekseru_eds::algorithm::GostCurve::Tc26_512A);
        assert_eq!(facts.signed_attributes_digest.len(), 64);
        assert_eq!(facts.signature_le.len(), 128);
        let key = signer.public_key().unwrap();
        assert!(
            matches!(&key, tekseru_eds::key::PublicKey::Gost { xy_le, .. } if *xy_le == facts.public_key_le)
        );
        key.verify_digest(
            SignatureAlgorithm::Gost2015_512,
            &facts.signed_attributes_digest,
            &facts.signature_le,
        )
        .unwrap();
        let mut wrong = facts.signed_attributes_digest.clone();
        wrong[0] ^= 1;
        assert!(key
            .verify_digest(
                SignatureAlgorithm::Gost2015_512,
                &wrong,
                &facts.signature_le
            )
            .is_err());
    }
    assert!(cms::gost_signature_facts(b"not a CMS").is_err());
}
