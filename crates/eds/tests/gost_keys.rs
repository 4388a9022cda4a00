//! GOST keys of every curve through PKCS#8 and SubjectPublicKeyInfo, in the NCA's layout.
#![allow(clippy::unwrap_used)]

use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::{Any, Encode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use tekseru_eds::algorithm::{oid, SignatureAlgorithm};
use tekseru_eds::key::{PrivateKey, PublicKey};

#[derive(Sequence)]
struct Params {
    curve: ObjectIdentifier,
    digest: ObjectIdentifier,
}

#[derive(Sequence)]
struct Pkcs8 {
    version: u8,
    algorithm: AlgorithmIdentifierOwned,
    key: OctetString,
}

fn algorithm(
    key: ObjectIdentifier,
    curve: ObjectIdentifier,
    digest: ObjectIdentifier,
) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: key,
        parameters: Some(Any::encode_from(&Params { curve, digest }).unwrap()),
    }
}

fn check(
    key_oid: ObjectIdentifier,
    curve: ObjectIdentifier,
    digest: ObjectIdentifier,
    size: usize,
    expected: SignatureAlgorithm,
) {
    let mut scalar = vec![0x5au8; size];
    scalar[size - 1] = 0x01; // below the group order
    let inner = OctetString::new(scalar).unwrap().to_der().unwrap();
    let pkcs8 = Pkcs8 {
        version: 0,
        algorithm: algorithm(key_oid, curve, digest),
        key: OctetString::new(inner).unwrap(),
    }
    .to_der()
    .unwrap();
    let private = PrivateKey::from_pkcs8_der(&pkcs8).unwrap();
    assert_eq!(private.signature_algorithm(), expected);
    let PublicKey::Gost { xy_le, .. } = private.public_key().unwrap() else {
        panic!("not a GOST key");
    };
    assert_eq!(xy_le.len(), 2 * size);
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: algorithm(key_oid, curve, digest),
        subject_public_key: BitString::from_bytes(
            &OctetString::new(xy_le).unwrap().to_der().unwrap(),
        )
        .unwrap(),
    };
    let public = PublicKey::from_spki(&spki).unwrap();
    assert_eq!(public, private.public_key().unwrap());
    let signature = private.sign(b"signed attributes").unwrap();
    assert_eq!(signature.len(), 2 * size);
    public
        .verify(expected, b"signed attributes", &signature)
        .unwrap();
    assert!(public
        .verify(expected, b"signed attributeS", &signature)
        .is_err());
    // A signature of one algorithm is not taken for another.
    let other = if expected == SignatureAlgorithm::Gost2015_512 {
        SignatureAlgorithm::Gost2004
    } else {
        SignatureAlgorithm::Gost2015_512
    };
    let err = public
        .verify(other, b"signed attributes", &signature)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot make"), "{err}");
}

#[test]
fn gost_2015_512() {
    check(
        oid::GOST_2015_512_KEY,
        oid::GOST_2015_512_CURVE_A,
        oid::STREEBOG_512,
        64,
        SignatureAlgorithm::Gost2015_512,
    );
}

#[test]
fn gost_2015_256() {
    check(
        oid::GOST_2015_256_KEY,
        oid::GOST_2015_256_CURVE_A,
        oid::STREEBOG_256,
        32,
        SignatureAlgorithm::Gost2015_256,
    );
}

#[test]
fn gost_2004() {
    check(
        oid::GOST_2004_KEY,
        oid::GOST_2004_CURVE_A,
        oid::GOST_34311_PARAMS,
        32,
        SignatureAlgorithm::Gost2004,
    );
}

#[test]
fn an_unknown_curve_is_named() {
    let unknown = ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.2.9");
    let inner = OctetString::new(vec![1u8; 64]).unwrap().to_der().unwrap();
    let pkcs8 = Pkcs8 {
        version: 0,
        algorithm: algorithm(oid::GOST_2015_512_KEY, unknown, oid::STREEBOG_512),
        key: OctetString::new(inner).unwrap(),
    }
    .to_der()
    .unwrap();
    let err = PrivateKey::from_pkcs8_der(&pkcs8).unwrap_err().to_string();
    assert_eq!(
        err,
        "unknown algorithm (GOST curve parameters) 1.2.398.3.10.1.1.2.2.9: not verifiable here"
    );
}
