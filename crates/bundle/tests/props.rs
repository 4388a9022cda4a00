//! Damaged bundles never panic the reader: they are refused, and leave nothing staged.
#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

mod common;

use std::sync::OnceLock;

use common::{files_in, fixture, Fixture};
use proptest::prelude::*;
use tekseru_bundle::{read, Decryption, Encryption, Limits};

struct Bundles {
    f: Fixture,
    plain: Vec<u8>,
    sealed: Vec<u8>,
}

fn bundles() -> &'static Bundles {
    static B: OnceLock<Bundles> = OnceLock::new();
    B.get_or_init(|| {
        let f = fixture();
        let plain = f.bundle(&Encryption::Plain);
        let sealed = f.bundle(&Encryption::ToDevices(vec![f.b.public()]));
        Bundles { f, plain, sealed }
    })
}

/// Reads `bytes`; on an error, nothing may be left staged. Gives whether it was accepted,
/// and if so checks that what was read is the original bundle's contents.
fn outcome(bytes: &[u8]) -> bool {
    let b = bundles();
    let dir = tempfile::tempdir().unwrap();
    match read(
        bytes,
        &Decryption::device(&b.f.b),
        &Limits::default(),
        dir.path(),
    ) {
        Ok(verified) => {
            assert_eq!(verified.events, b.f.contents.events);
            assert_eq!(verified.devices, b.f.contents.devices);
            for staged in &verified.blobs {
                assert_eq!(
                    &std::fs::read(&staged.path).unwrap(),
                    &b.f.blobs[&staged.sha256]
                );
            }
            true
        }
        Err(_) => {
            assert_eq!(files_in(dir.path()), 0);
            false
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_truncated_bundle_is_always_refused(cut in 0.0f64..1.0, sealed in any::<bool>()) {
        let b = bundles();
        let bytes = if sealed { &b.sealed } else { &b.plain };
        let at = ((bytes.len() as f64) * cut) as usize;
        prop_assert!(!outcome(&bytes[..at.min(bytes.len() - 1)]));
    }

    #[test]
    fn a_changed_byte_of_an_encrypted_bundle_is_always_refused(at in 0.0f64..1.0, bit in 0u8..8) {
        let mut bytes = bundles().sealed.clone();
        let i = ((bytes.len() as f64) * at) as usize % bytes.len();
        bytes[i] ^= 1 << bit;
        prop_assert!(!outcome(&bytes));
    }

    #[test]
    fn a_changed_byte_of_a_plain_bundle_is_refused_or_changes_nothing(
        at in 0.0f64..1.0,
        bit in 0u8..8,
    ) {
        // Some bytes of a tar archive carry nothing (the zero padding after an entry's data,
        // the terminator of a header's checksum field): a change there may be read through,
        // but what is read is then exactly the original (checked in `outcome`).
        let mut bytes = bundles().plain.clone();
        let i = ((bytes.len() as f64) * at) as usize % bytes.len();
        bytes[i] ^= 1 << bit;
        outcome(&bytes);
    }

    #[test]
    fn changed_bytes_in_the_manifest_and_events_are_always_refused(
        at in 0usize..4096,
        bit in 0u8..8,
    ) {
        // The first blocks hold the manifest and the events, whose every byte matters except
        // the padding up to a 512-byte block: flipping a bit of real data is refused.
        let b = bundles();
        let mut archive = tar::Archive::new(&b.plain[..]);
        let mut spans = Vec::new();
        for entry in archive.entries().unwrap().take(4) {
            let entry = entry.unwrap();
            spans.push(entry.raw_file_position()..entry.raw_file_position() + entry.size());
        }
        let data: Vec<u64> = spans.iter().flat_map(|s| s.clone()).collect();
        let i = data[at % data.len()] as usize;
        let mut bytes = b.plain.clone();
        bytes[i] ^= 1 << bit;
        prop_assert!(!outcome(&bytes));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        prop_assert!(!outcome(&bytes));
    }

    #[test]
    fn arbitrary_bytes_after_a_tar_header_never_panic(
        name in "[a-z./]{0,20}",
        size in 0u64..5000,
        tail in proptest::collection::vec(any::<u8>(), 0..3000),
    ) {
        let mut header = tar::Header::new_ustar();
        let _ = header.set_path(&name);
        header.set_size(size);
        header.set_cksum();
        let mut bytes = header.as_bytes().to_vec();
        bytes.extend(tail);
        prop_assert!(!outcome(&bytes));
    }
}
