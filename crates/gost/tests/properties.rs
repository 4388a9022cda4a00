//! Properties of signing and verifying on the three curves, and of hostile input.

use proptest::prelude::*;
use tekseru_gost::{Curve, GostError, SigningKey, VerifyingKey};

fn curve() -> impl Strategy<Value = Curve> {
    prop::sample::select(Curve::ALL.to_vec())
}

/// A curve and a digest of its size.
fn curve_and_digest() -> impl Strategy<Value = (Curve, Vec<u8>)> {
    curve().prop_flat_map(|c| (Just(c), prop::collection::vec(any::<u8>(), c.size())))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn a_signature_verifies_with_its_key_only((curve, digest) in curve_and_digest()) {
        let key = SigningKey::generate(curve).expect("os randomness");
        let signature = key.sign_digest(&digest).expect("signs");
        prop_assert_eq!(signature.len(), 2 * curve.size());
        let public = key.verifying_key();
        prop_assert_eq!(public.verify_digest(&digest, &signature), Ok(()));

        // The encoded public key reads back as the same key.
        let again = VerifyingKey::from_le_bytes(curve, &public.to_le_bytes()).expect("a point");
        prop_assert_eq!(&again, &public);
        prop_assert_eq!(again.verify_digest(&digest, &signature), Ok(()));

        // Another key does not accept it.
        let other = SigningKey::generate(curve).expect("os randomness").verifying_key();
        prop_assert_eq!(other.verify_digest(&digest, &signature), Err(GostError::SignatureMismatch));
    }

    #[test]
    fn any_flipped_bit_fails((curve, digest) in curve_and_digest(), bit in any::<prop::sample::Index>(), in_digest in any::<bool>()) {
        let key = SigningKey::generate(curve).expect("os randomness");
        let mut signature = key.sign_digest(&digest).expect("signs");
        let mut digest = digest;
        if in_digest {
            let i = bit.index(8 * digest.len());
            digest[i / 8] ^= 1 << (i % 8);
        } else {
            let i = bit.index(8 * signature.len());
            signature[i / 8] ^= 1 << (i % 8);
        }
        let result = key.verifying_key().verify_digest(&digest, &signature);
        prop_assert!(
            matches!(result, Err(GostError::SignatureMismatch | GostError::SignatureRange { .. })),
            "{:?}", result
        );
    }

    #[test]
    fn the_same_digest_gets_a_fresh_k_each_time((curve, digest) in curve_and_digest()) {
        let key = SigningKey::generate(curve).expect("os randomness");
        let a = key.sign_digest(&digest).expect("signs");
        let b = key.sign_digest(&digest).expect("signs");
        prop_assert_ne!(&a, &b);
        prop_assert_eq!(key.verifying_key().verify_digest(&digest, &b), Ok(()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_bytes_are_no_public_key(curve in curve(), bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let result = VerifyingKey::from_le_bytes(curve, &bytes);
        if bytes.len() == 2 * curve.size() {
            // A random x‖y is on the curve with probability about 2^-256.
            prop_assert_eq!(result, Err(GostError::PublicKeyNotOnCurve { curve: curve.name() }));
        } else {
            prop_assert_eq!(result, Err(GostError::PublicKeyLength {
                curve: curve.name(),
                expected: 2 * curve.size(),
                actual: bytes.len(),
            }));
        }
    }

    #[test]
    fn random_bytes_are_no_signature(
        curve in curve(),
        signature in prop::collection::vec(any::<u8>(), 0..200),
        digest in prop::collection::vec(any::<u8>(), 0..100),
    ) {
        let key = SigningKey::from_le_bytes(curve, &{
            let mut d = vec![0u8; curve.size()];
            d[0] = 7;
            d
        }).expect("d = 7");
        let result = key.verifying_key().verify_digest(&digest, &signature);
        prop_assert!(result.is_err());
        if digest.len() != curve.size() {
            let is_length_error = matches!(result, Err(GostError::DigestLength { .. }));
            prop_assert!(is_length_error, "{:?}", result);
        } else if signature.len() != 2 * curve.size() {
            let is_length_error = matches!(result, Err(GostError::SignatureLength { .. }));
            prop_assert!(is_length_error, "{:?}", result);
        }
        // Signing a digest of the wrong length is refused too.
        if digest.len() != curve.size() {
            let is_length_error = matches!(key.sign_digest(&digest), Err(GostError::DigestLength { .. }));
            prop_assert!(is_length_error);
        }
    }

    #[test]
    fn random_bytes_as_private_key_never_panic(curve in curve(), bytes in prop::collection::vec(any::<u8>(), 0..100)) {
        match SigningKey::from_le_bytes(curve, &bytes) {
            Ok(key) => {
                prop_assert_eq!(bytes.len(), curve.size());
                let digest = vec![1u8; curve.size()];
                let signature = key.sign_digest(&digest).expect("signs");
                prop_assert_eq!(key.verifying_key().verify_digest(&digest, &signature), Ok(()));
            }
            Err(GostError::PrivateKeyLength { actual, .. }) => prop_assert_ne!(actual, curve.size()),
            Err(GostError::PrivateKeyRange { .. }) => prop_assert_eq!(bytes.len(), curve.size()),
            Err(other) => prop_assert!(false, "unexpected {}", other),
        }
    }
}

/// q of each curve, little-endian.
fn order_le(curve: Curve) -> Vec<u8> {
    let hex = match curve {
        Curve::Tc26_512A => "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff27e69532f48d89116ff22b8d4e0560609b4b38abfad2b85dcacdb1411f10b275",
        Curve::Tc26_256A => "400000000000000000000000000000000fd8cddfc87b6635c115af556c360c67",
        Curve::CryptoProA => "ffffffffffffffffffffffffffffffff6c611070995ad10045841b09b761b893",
    };
    let mut bytes = hex::decode(hex).expect("hex");
    bytes.reverse();
    bytes
}

#[test]
fn private_keys_must_be_in_1_to_q_minus_1() {
    for curve in Curve::ALL {
        let range = Err(GostError::PrivateKeyRange {
            curve: curve.name(),
        });
        let zero = vec![0u8; curve.size()];
        assert_eq!(SigningKey::from_le_bytes(curve, &zero).map(|_| ()), range);
        let q = order_le(curve);
        assert_eq!(SigningKey::from_le_bytes(curve, &q).map(|_| ()), range);
        let mut q_minus_1 = q.clone();
        q_minus_1[0] -= 1;
        let key = SigningKey::from_le_bytes(curve, &q_minus_1).expect("q - 1 is a key");
        // d = q - 1 = -1: the public key is -G, so x is G's x.
        let one = {
            let mut d = vec![0u8; curve.size()];
            d[0] = 1;
            d
        };
        let g = SigningKey::from_le_bytes(curve, &one)
            .expect("1 is a key")
            .verifying_key();
        let minus_g = key.verifying_key();
        let size = curve.size();
        assert_eq!(minus_g.to_le_bytes()[..size], g.to_le_bytes()[..size]);
        assert_ne!(minus_g, g);
    }
}

#[test]
fn r_or_s_out_of_range_is_refused() {
    for curve in Curve::ALL {
        let key = SigningKey::generate(curve).expect("os randomness");
        let digest = vec![3u8; curve.size()];
        let good = key.sign_digest(&digest).expect("signs");
        let size = curve.size();
        let zero = vec![0u8; size];
        let q = order_le(curve);
        let range = Err(GostError::SignatureRange {
            curve: curve.name(),
        });
        let public = key.verifying_key();
        for bad in [
            [&zero[..], &good[size..]].concat(),
            [&good[..size], &zero[..]].concat(),
            [&q[..], &good[size..]].concat(),
            [&good[..size], &q[..]].concat(),
            vec![0xff; 2 * size],
        ] {
            assert_eq!(public.verify_digest(&digest, &bad), range);
        }
    }
}

/// tc26-256-A has cofactor 4: points of the curve outside the subgroup of order q are refused.
#[test]
fn tc26_256a_points_outside_the_subgroup_are_refused() {
    let refused = Err(GostError::PublicKeyNotInSubgroup {
        curve: "tc26-256-A",
    });
    // x = 8 gives a point of order 2q, q times it the point of order 2 (y = 0); x = 13 gives
    // one of order 4q, q times it one of order 4 (computed with Python integers).
    let order_2q = "0800000000000000000000000000000000000000000000000000000000000000\
                    07fdadf25214b9a2553b35536820ff02586db76832822fe4b400a8c3be8135ed";
    let order_2 = "aa4aa1e7dc7530a67ec42a195cfe448758d978d4444b978e15ff95f573fe0001\
                   0000000000000000000000000000000000000000000000000000000000000000";
    let order_4q = "0d00000000000000000000000000000000000000000000000000000000000000\
                    a3a6bb4ca6c634dbd507c651cad14df420b53a49cd5de491a789f5a6d9c22975";
    let order_4 = "77592f8c11c5e7acc09d6af3d1805dbc5393c3955d5ab43875003505c6807f7f\
                   cd0e8ea4344fb70642d93fda75821835fbb94ac1180f1daa5f019f0f52827e7e";
    for point in [order_2q, order_2, order_4q, order_4] {
        let xy = hex::decode(point).expect("hex");
        assert_eq!(VerifyingKey::from_le_bytes(Curve::Tc26_256A, &xy), refused);
    }
}

#[test]
fn curves_by_oid() {
    assert_eq!(
        Curve::from_oid("1.2.398.3.10.1.1.2.2.1"),
        Some(Curve::Tc26_512A)
    );
    assert_eq!(
        Curve::from_oid("1.2.643.7.1.2.1.2.1"),
        Some(Curve::Tc26_512A)
    );
    assert_eq!(
        Curve::from_oid("1.2.643.7.1.2.1.1.1"),
        Some(Curve::Tc26_256A)
    );
    assert_eq!(
        Curve::from_oid("1.2.398.3.10.1.1.1.1.1"),
        Some(Curve::CryptoProA)
    );
    assert_eq!(Curve::from_oid("1.2.643.2.2.35.1"), Some(Curve::CryptoProA));
    assert_eq!(Curve::from_oid("1.2.643.2.2.35.2"), None);
    assert_eq!(Curve::ALL.map(Curve::size), [64, 32, 32]);
}
