//! Real signatures of the NCA RK: its GOST root and intermediate certificates, and CMS made by
//! KalkanCrypt with the NCA's 2026 test keys.

mod common;

use common::{cert, cms_signer, fixture};
use tekseru_gost::{digest, Curve, GostError, Hash, VerifyingKey};

/// (certificate, its issuer, the hash of its signature algorithm)
const CHAINS: [(&str, &str, Hash); 7] = [
    (
        "root_gost_2022.cer",
        "root_gost_2022.cer",
        Hash::Streebog512,
    ),
    ("nca_gost_2022.cer", "root_gost_2022.cer", Hash::Streebog512),
    ("root_gost_2020.cer", "root_gost_2020.cer", Hash::Gost94Test),
    ("ucgo_gost.cer", "root_gost_2020.cer", Hash::Gost94Test),
    ("btsd_gost.cer", "root_gost_2020.cer", Hash::Gost94Test),
    (
        "root_test_gost_2022.cer",
        "root_test_gost_2022.cer",
        Hash::Streebog512,
    ),
    (
        "nca_gost2022_test.cer",
        "root_test_gost_2022.cer",
        Hash::Streebog512,
    ),
];

fn issuer_key(issuer: &str) -> VerifyingKey {
    let issuer = cert(&fixture(issuer));
    let curve = Curve::from_oid(&issuer.curve_oid)
        .unwrap_or_else(|| panic!("unknown curve {}", issuer.curve_oid));
    VerifyingKey::from_le_bytes(curve, &issuer.public_xy).expect("the issuer key is a point")
}

#[test]
fn nca_certificates_verify_under_their_issuers() {
    for (subject, issuer, hash) in CHAINS {
        let key = issuer_key(issuer);
        let c = cert(&fixture(subject));
        let expected_alg = match hash {
            Hash::Streebog512 => "1.2.398.3.10.1.1.2.3.2",
            _ => "1.2.398.3.10.1.1.1.2",
        };
        assert_eq!(c.signature_algorithm, expected_alg, "{subject}");
        assert_eq!(c.signature.len(), 2 * key.curve().size(), "{subject}");
        let e = digest(hash, &c.tbs);
        key.verify_digest(&e, &c.signature)
            .unwrap_or_else(|err| panic!("{subject} under {issuer}: {err}"));
    }
}

#[test]
fn nca_curves_are_the_expected_ones() {
    assert_eq!(issuer_key("root_gost_2022.cer").curve(), Curve::Tc26_512A);
    assert_eq!(issuer_key("root_gost_2020.cer").curve(), Curve::CryptoProA);
}

#[test]
fn a_flipped_bit_in_the_signature_or_the_certificate_fails() {
    for (subject, issuer, hash) in CHAINS {
        let key = issuer_key(issuer);
        let c = cert(&fixture(subject));
        let e = digest(hash, &c.tbs);
        for bit in [0, 7, 100, 8 * c.signature.len() - 1] {
            let mut signature = c.signature.clone();
            signature[bit / 8] ^= 1 << (bit % 8);
            let err = key
                .verify_digest(&e, &signature)
                .expect_err("tampered signature");
            assert!(
                matches!(
                    err,
                    GostError::SignatureMismatch | GostError::SignatureRange { .. }
                ),
                "{subject}: {err}"
            );
        }
        for bit in [0, 8 * 40 + 3, 8 * c.tbs.len() - 1] {
            let mut tbs = c.tbs.clone();
            tbs[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                key.verify_digest(&digest(hash, &tbs), &c.signature),
                Err(GostError::SignatureMismatch),
                "{subject}"
            );
        }
        // A 2004 certificate hashed with another 32-byte hash does not verify.
        if hash == Hash::Gost94Test {
            let wrong = digest(Hash::Streebog256, &c.tbs);
            assert_eq!(
                key.verify_digest(&wrong, &c.signature),
                Err(GostError::SignatureMismatch),
                "{subject}"
            );
        }
    }
}

/// KalkanCrypt's CMS: the signature is over Streebog-512 of the DER signed attributes
/// (re-tagged as a SET), and the signer's certificate chains to the NCA TEST intermediate.
#[test]
fn kalkan_cms_signatures_verify() {
    for name in ["individual", "legal_entity"] {
        let signer = cms_signer(&fixture(&format!("{name}_detached.der")));
        let document = fixture(&format!("{name}_document.txt"));
        assert_eq!(
            signer.message_digest,
            digest(Hash::Streebog512, &document),
            "{name}: messageDigest is Streebog-512 of the document"
        );
        let c = cert(&fixture(&format!("{name}_signer_cert.der")));
        let key = VerifyingKey::from_le_bytes(Curve::Tc26_512A, &c.public_xy).expect("a point");
        let e = digest(Hash::Streebog512, &signer.signed_attributes);
        key.verify_digest(&e, &signer.signature)
            .unwrap_or_else(|err| panic!("{name}: {err}"));

        // The signer certificate itself verifies under the NCA TEST intermediate.
        let nca = issuer_key("nca_gost2022_test.cer");
        nca.verify_digest(&digest(Hash::Streebog512, &c.tbs), &c.signature)
            .unwrap_or_else(|err| panic!("{name} certificate: {err}"));

        let mut attrs = signer.signed_attributes.clone();
        let last = attrs.len() - 1;
        attrs[last] ^= 0x80;
        assert_eq!(
            key.verify_digest(&digest(Hash::Streebog512, &attrs), &signer.signature),
            Err(GostError::SignatureMismatch)
        );
    }
}
