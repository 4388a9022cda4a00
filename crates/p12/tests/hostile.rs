//! Hostile input: truncated, flipped and random bytes give an error and never a panic; deep
//! nesting, huge iteration counts and oversized files are refused quickly.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use proptest::prelude::*;
use tekseru_p12::{open, P12Error, MAX_INPUT};

fn nca(i: usize) -> Vec<u8> {
    nca_file(NCA_KEYS[i % NCA_KEYS.len()].0)
}

fn is_malformed(e: &P12Error) -> bool {
    matches!(e, P12Error::Malformed { .. })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Every proper prefix of a key file is an error naming where it broke.
    #[test]
    fn truncated_files_are_malformed(file in 0usize..5, cut in any::<prop::sample::Index>()) {
        let bytes = nca(file);
        let len = cut.index(bytes.len());
        let err = open(&bytes[..len], NCA_PASSWORD).unwrap_err();
        prop_assert!(is_malformed(&err), "{len}: {err:?}");
        prop_assert!(err.to_string().starts_with("not a PKCS#12 file: "), "{err}");
    }

    /// Changed bytes never panic, and never give anything but the original key and
    /// certificate: the MAC covers everything that matters.
    #[test]
    fn flipped_bytes_never_give_other_contents(
        file in 0usize..5,
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
    ) {
        let original = nca(file);
        let mut bytes = original.clone();
        for (at, x) in &flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x;
        }
        if let Ok(c) = open(&bytes, NCA_PASSWORD) {
            let o = open(&original, NCA_PASSWORD).unwrap();
            prop_assert_eq!(&c.private_key[..], &o.private_key[..]);
            prop_assert_eq!(c.certificates, o.certificates);
            prop_assert_eq!(c.key_algorithm, o.key_algorithm);
        }
    }

    /// The same without the MAC: nothing vouches for the contents, so a flip may give other
    /// bytes, but it must not panic.
    #[test]
    fn flipped_bytes_without_a_mac_never_panic(
        file in 0usize..5,
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
    ) {
        let mut bytes = strip_mac(&nca(file));
        for (at, x) in &flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x;
        }
        let _ = open(&bytes, NCA_PASSWORD);
    }

    /// Random bytes are not a key file.
    #[test]
    fn random_bytes_are_an_error(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(open(&bytes, NCA_PASSWORD).is_err());
    }

    /// Random bytes behind a plausible PFX start reach the inner parsers.
    #[test]
    fn random_contents_in_a_pfx_shell_are_an_error(body in prop::collection::vec(any::<u8>(), 0..1024)) {
        let mut bytes = vec![0x30, 0x80, 0x02, 0x01, 0x03, 0x30, 0x80, 0x06, 0x09,
            0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x80, 0x24, 0x80];
        bytes.extend(body);
        prop_assert!(open(&bytes, NCA_PASSWORD).is_err());
    }
}

#[test]
fn an_empty_file_or_another_kind_of_file_is_malformed() {
    let err = open(&[], NCA_PASSWORD).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not a PKCS#12 file: PFX: the file is empty"
    );
    let err = open(b"-----BEGIN CERTIFICATE-----", NCA_PASSWORD).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not a PKCS#12 file: PFX: expected a SEQUENCE (byte 0x30) at position 0, found 0x2d"
    );
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    // 200 000 nested indefinite-length SEQUENCEs, as the whole file and as the MAC's
    // algorithm parameters (which the decoder skips over).
    let deep: Vec<u8> = [0x30, 0x80].repeat(200_000);
    assert!(is_malformed(&open(&deep, NCA_PASSWORD).unwrap_err()));
    let deep_strings: Vec<u8> = [0x24, 0x80].repeat(200_000);
    assert!(is_malformed(
        &open(&deep_strings, NCA_PASSWORD).unwrap_err()
    ));

    let mut pfx = vec![
        0x30, 0x80, 0x02, 0x01, 0x03, 0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
        0x01, 0x07, 0x01, 0xa0, 0x80, 0x04, 0x02, 0x30, 0x00, 0x00, 0x00, 0x00,
        0x00, // end of [0] and of the ContentInfo
        0x30, 0x80, 0x30, 0x80, 0x30, 0x80, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a,
    ];
    pfx.extend([0x30, 0x80].repeat(200_000));
    assert!(is_malformed(&open(&pfx, NCA_PASSWORD).unwrap_err()));
}

#[test]
fn an_oversized_file_is_refused_before_parsing() {
    let mut big = nca(0);
    big.resize(MAX_INPUT + 1, 0);
    let err = open(&big, NCA_PASSWORD).unwrap_err();
    assert!(err.to_string().contains("more than"), "{err}");
}

/// The NCA file with the MAC iteration count (the last field, `02 02 04 00`) replaced.
fn with_mac_iterations(count: &[u8]) -> Vec<u8> {
    let mut bytes = nca(0);
    let tail = [0x02, 0x02, 0x04, 0x00];
    assert_eq!(&bytes[bytes.len() - 4..], &tail);
    bytes.truncate(bytes.len() - 4);
    bytes.push(0x02);
    bytes.push(count.len() as u8);
    bytes.extend_from_slice(count);
    let grow = count.len() as i32 - 2;
    // The outer SEQUENCE (30 82 hh ll) and the MacData (30 3d) grow by as much.
    let outer = i32::from(u16::from_be_bytes([bytes[2], bytes[3]])) + grow;
    bytes[2..4].copy_from_slice(&(outer as u16).to_be_bytes());
    let mac_at = bytes.len() - (2 + count.len()) - 22 - 35 - 2; // salt, DigestInfo, header
    assert_eq!(&bytes[mac_at..mac_at + 2], &[0x30, 0x3d]);
    bytes[mac_at + 1] = (0x3d + grow) as u8;
    bytes
}

#[test]
fn a_huge_iteration_count_is_refused_quickly() {
    // The splice is right: with another reasonable count the file parses, and only the MAC
    // (computed with 1024 iterations) fails.
    assert_eq!(
        open(&with_mac_iterations(&[0x00, 0x80, 0x00]), NCA_PASSWORD).unwrap_err(),
        P12Error::WrongPassword
    );
    let start = Instant::now();
    let err = open(
        &with_mac_iterations(&[0x7f, 0xff, 0xff, 0xff]),
        NCA_PASSWORD,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("iteration count 2147483647 exceeds the limit"),
        "{err}"
    );
    assert!(start.elapsed() < Duration::from_secs(1));
    let err = open(&with_mac_iterations(&[0x00]), NCA_PASSWORD).unwrap_err();
    assert!(err.to_string().contains("iteration count is zero"), "{err}");
}

#[test]
fn malformed_errors_name_the_structure_and_the_offset() {
    let mut bytes = nca(0);
    bytes[6] = 0x02; // PFX version 3 → 2
    let err = open(&bytes, NCA_PASSWORD).unwrap_err();
    assert_eq!(
        err,
        P12Error::Malformed {
            structure: "PFX",
            detail: "version 2, expected 3 (at position 4)".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "not a PKCS#12 file: PFX: version 2, expected 3 (at position 4)"
    );
}

#[test]
fn unsupported_algorithms_are_named() {
    // The MAC digest sha1 (1.3.14.3.2.26) changed to 1.3.14.3.2.27 (dsaWithSHA1), no digest.
    let mut bytes = nca(0);
    let sha1 = [0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a];
    let at = bytes.windows(7).rposition(|w| w == sha1).unwrap();
    bytes[at + 6] = 0x1b;
    let err = open(&bytes, NCA_PASSWORD).unwrap_err();
    assert_eq!(err.to_string(), "unsupported MAC algorithm 1.3.14.3.2.27");

    // pbeWithSHAAnd40BitRC2-CBC (…12.1.6) changed to pbeWithSHAAnd40BitRC4 (…12.1.2), without
    // the MAC that would catch the change.
    let mut bytes = strip_mac(&nca(0));
    let rc2_40 = [
        0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x06,
    ];
    let at = bytes.windows(12).position(|w| w == rc2_40).unwrap();
    bytes[at + 11] = 0x02;
    let err = open(&bytes, NCA_PASSWORD).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported encryption algorithm 1.2.840.113549.1.12.1.2 (pbeWithSHAAnd40BitRC4)"
    );
}
