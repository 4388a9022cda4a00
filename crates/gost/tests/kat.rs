//! Known-answer tests from the standards.

use tekseru_gost::hazmat::{self, ParamSet};
use tekseru_gost::{digest, Hash, Hasher};

/// Big-endian hex (as the standards print integers) to little-endian bytes (as Kazakh keys
/// and signatures hold them).
fn le(be_hex: &str) -> Vec<u8> {
    let mut bytes = hex::decode(be_hex).expect("test vector is hex");
    bytes.reverse();
    bytes
}

fn concat(a: Vec<u8>, b: Vec<u8>) -> Vec<u8> {
    [a, b].concat()
}

// GOST R 34.11-2012 (RFC 6986 section 10) examples M1 and M2, in the byte order in which the
// hash functions take and give bytes (the standard prints them as reversed numbers).
const M1: &[u8] = b"012345678901234567890123456789012345678901234567890123456789012";
const M2_HEX: &str = "d1e520e2e5f2f0e82c20d1f2f0e8e1eee6e820e2edf3f6e82c20e2e5fef2fa20f120eceef0ff20f1f2f0e5ebe0ece820ede020f5f0e0e1f0fbff20efebfaeafb20c8e3eef0e5e2fb";

#[test]
fn streebog_examples_of_the_standard() {
    let m2 = hex::decode(M2_HEX).expect("hex");
    let cases: [(&[u8], Hash, &str); 4] = [
        (M1, Hash::Streebog512, "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48"),
        (M1, Hash::Streebog256, "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500"),
        (&m2, Hash::Streebog512, "1e88e62226bfca6f9994f1f2d51569e0daf8475a3b0fe61a5300eee46d961376035fe83549ada2b8620fcd7c496ce5b33f0cb9dddc2b6460143b03dabac9fb28"),
        (&m2, Hash::Streebog256, "9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50"),
    ];
    for (message, hash, expected) in cases {
        assert_eq!(hex::encode(digest(hash, message)), expected, "{hash}");
        assert_eq!(digest(hash, message).len(), hash.output_size());
    }
}

// GOST R 34.11-94 with the test parameter set: RFC 5831 section 7.3.1 (the examples of the
// standard's Appendix A).
#[test]
fn gost94_test_sbox_examples() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"This is message, length=32 bytes",
            "b1c466d37519b82e8319819ff32595e047a28cb6f83eff1c6916a815a637fffa",
        ),
        (
            b"Suppose the original message has length = 50 bytes",
            "471aba57a60a770d3a76130635c1fbea4ef14de51f78b4ae57dd893b62f55208",
        ),
        (
            b"",
            "ce85b99cc46752fffee35cab9a7b0278abb4c2d2055cff685af4912c49490f8d",
        ),
    ];
    for (message, expected) in cases {
        assert_eq!(hex::encode(digest(Hash::Gost94Test, message)), expected);
    }
}

#[test]
fn incremental_hashing_equals_one_shot() {
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
    for hash in [Hash::Streebog256, Hash::Streebog512, Hash::Gost94Test] {
        let mut hasher = Hasher::new(hash);
        assert_eq!(hasher.algorithm(), hash);
        for chunk in data.chunks(97) {
            hasher.update(chunk);
        }
        assert_eq!(hasher.finalize(), digest(hash, &data), "{hash}");
        let mut writer = Hasher::new(hash);
        std::io::copy(&mut &data[..], &mut writer).expect("hashing cannot fail");
        assert_eq!(writer.finalize(), digest(hash, &data), "{hash}");
    }
}

struct Example {
    set: ParamSet,
    d: &'static str,
    e: &'static str,
    k: &'static str,
    qx: &'static str,
    qy: &'static str,
    r: &'static str,
    s: &'static str,
}

// GOST R 34.10-2012 Appendix A.1 (the 256-bit example, also RFC 7091 section 7.1) and A.2
// (the 512-bit example). Integers as the standard prints them (big-endian hex).
const EXAMPLES: [Example; 2] = [
    Example {
        set: ParamSet::Test256,
        d: "7a929ade789bb9be10ed359dd39a72c11b60961f49397eee1d19ce9891ec3b28",
        e: "2dfbc1b372d89a1188c09c52e0eec61fce52032ab1022e8e67ece6672b043ee5",
        k: "77105c9b20bcd3122823c8cf6fcc7b956de33814e95b7fe64fed924594dceab3",
        qx: "7f2b49e270db6d90d8595bec458b50c58585ba1d4e9b788f6689dbd8e56fd80b",
        qy: "26f1b489d6701dd185c8413a977b3cbbaf64d1c593d26627dffb101a87ff77da",
        r: "41aa28d2f1ab148280cd9ed56feda41974053554a42767b83ad043fd39dc0493",
        s: "01456c64ba4642a1653c235a98a60249bcd6d3f746b631df928014f6c5bf9c40",
    },
    Example {
        set: ParamSet::Test512,
        d: "0ba6048aadae241ba40936d47756d7c93091a0e8514669700ee7508e508b102072e8123b2200a0563322dad2827e2714a2636b7bfd18aadfc62967821fa18dd4",
        e: "3754f3cfacc9e0615c4f4a7c4d8dab531b09b6f9c170c533a71d147035b0c5917184ee536593f4414339976c647c5d5a407adedb1d560c4fc6777d2972075b8c",
        k: "0359e7f4b1410feacc570456c6801496946312120b39d019d455986e364f365886748ed7a44b3e794434006011842286212273a6d14cf70ea3af71bb1ae679f1",
        qx: "115dc5bc96760c7b48598d8ab9e740d4c4a85a65be33c1815b5c320c854621dd5a515856d13314af69bc5b924c8b4ddff75c45415c1d9dd9dd33612cd530efe1",
        qy: "37c7c90cd40b0f5621dc3ac1b751cfa0e2634fa0503b3d52639f5d7fb72afd61ea199441d943ffe7f0c70a2759a3cdb84c114e1f9339fdf27f35eca93677beec",
        r: "2f86fa60a081091a23dd795e1e3c689ee512a3c82ee0dcc2643c78eea8fcacd35492558486b20f1c9ec197c90699850260c93bcbcd9c5c3317e19344e173ae36",
        s: "1081b394696ffe8e6585e7a9362d26b6325f56778aadbc081c0bfbe933d52ff5823ce288e8c4f362526080df7f70ce406a6eeb1f56919cb92a9853bde73e5b4a",
    },
];

#[test]
fn signature_examples_of_gost_r_34_10_2012() {
    for ex in &EXAMPLES {
        let public = hazmat::public_key(ex.set, &le(ex.d)).expect("valid d");
        assert_eq!(
            public,
            concat(le(ex.qx), le(ex.qy)),
            "{:?} public key",
            ex.set
        );

        let signature =
            hazmat::sign_with_k(ex.set, &le(ex.d), &le(ex.e), &le(ex.k)).expect("valid inputs");
        assert_eq!(
            signature,
            concat(le(ex.r), le(ex.s)),
            "{:?} signature",
            ex.set
        );

        hazmat::verify(ex.set, &public, &le(ex.e), &signature).expect("the example verifies");

        // The same signature is no signature of e + 1, nor with r and s swapped.
        let mut other = le(ex.e);
        other[0] ^= 1;
        assert!(hazmat::verify(ex.set, &public, &other, &signature).is_err());
        let swapped = concat(le(ex.s), le(ex.r));
        assert!(hazmat::verify(ex.set, &public, &le(ex.e), &swapped).is_err());
    }
}

/// The digest is reduced mod q before use: e and e + q give the same signature, and a digest
/// equal to q (e = 0) is signed as e = 1.
#[test]
fn digest_is_reduced_mod_q_and_zero_becomes_one() {
    let ex = &EXAMPLES[0];
    let q_hex = "8000000000000000000000000000000150fe8a1892976154c59cfc193accf5b3";
    // e + q, computed on little-endian bytes with carries; it still fits in 32 bytes.
    let add = |a: &[u8], b: &[u8]| -> Vec<u8> {
        let mut carry = 0u16;
        a.iter()
            .zip(b)
            .map(|(x, y)| {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                carry = sum >> 8;
                (sum & 0xff) as u8
            })
            .collect()
    };
    let e_plus_q = add(&le(ex.e), &le(q_hex));
    assert_ne!(e_plus_q, le(ex.e));
    let a = hazmat::sign_with_k(ex.set, &le(ex.d), &le(ex.e), &le(ex.k)).expect("signs");
    let b = hazmat::sign_with_k(ex.set, &le(ex.d), &e_plus_q, &le(ex.k)).expect("signs");
    assert_eq!(a, b);

    let mut one = vec![0u8; 32];
    one[0] = 1;
    let zero = hazmat::sign_with_k(ex.set, &le(ex.d), &le(q_hex), &le(ex.k)).expect("signs");
    let unit = hazmat::sign_with_k(ex.set, &le(ex.d), &one, &le(ex.k)).expect("signs");
    assert_eq!(zero, unit);
}
