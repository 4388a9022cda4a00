//! Bundles written and read back: encrypted to device keys, to a passphrase, and plain.
#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

mod common;

use common::{files_in, fixture, Fixture};
use tekseru_bundle::{read, BundleError, Decryption, Encryption, Limits, Sealing, Verified};
use zeroize::Zeroizing;

fn open(
    bytes: &[u8],
    decryption: &Decryption<'_>,
    dir: &std::path::Path,
) -> Result<Verified, BundleError> {
    read(bytes, decryption, &Limits::default(), dir)
}

fn assert_same(f: &Fixture, verified: &Verified) {
    assert_eq!(verified.events, f.contents.events);
    assert_eq!(verified.devices, f.contents.devices);
    assert_eq!(verified.manifest.inspection, "insp-1");
    assert_eq!(verified.manifest.vector, f.contents.vector);
    assert_eq!(verified.exporter(), &f.contents.exporter);
    assert_eq!(verified.blobs.len(), 2);
    for (staged, listed) in verified.blobs.iter().zip(&f.contents.blobs) {
        assert_eq!(staged.sha256, listed.sha256);
        assert_eq!(staged.bytes, listed.bytes);
        assert_eq!(
            &std::fs::read(&staged.path).unwrap(),
            &f.blobs[&listed.sha256]
        );
    }
}

#[test]
fn a_bundle_encrypted_to_a_device_opens_with_that_device_only() {
    let f = fixture();
    let bytes = f.bundle(&Encryption::ToDevices(vec![f.b.public()]));
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    let dir = tempfile::tempdir().unwrap();
    let verified = open(&bytes, &Decryption::device(&f.b), dir.path()).unwrap();
    assert_eq!(verified.sealing, Sealing::Device);
    assert_same(&f, &verified);
    assert_eq!(files_in(dir.path()), 2);
    drop(verified);
    assert_eq!(
        files_in(dir.path()),
        0,
        "dropping a verified bundle deletes what it staged"
    );

    // The exporter did not encrypt to itself.
    let err = open(&bytes, &Decryption::device(&f.a), dir.path()).unwrap_err();
    assert!(matches!(err, BundleError::NotForThisDevice { .. }), "{err}");
    assert!(
        err.to_string().contains(&f.a.public().fingerprint()),
        "{err}"
    );
    let err = open(&bytes, &Decryption::default(), dir.path()).unwrap_err();
    assert!(matches!(err, BundleError::NeedsDeviceKey), "{err}");
    assert_eq!(files_in(dir.path()), 0);
}

#[test]
fn a_bundle_encrypted_to_two_devices_opens_with_either() {
    let f = fixture();
    let bytes = f.bundle(&Encryption::ToDevices(vec![f.a.public(), f.b.public()]));
    let dir = tempfile::tempdir().unwrap();
    for key in [&f.a, &f.b] {
        let verified = open(&bytes, &Decryption::device(key), dir.path()).unwrap();
        assert_same(&f, &verified);
    }
}

#[test]
fn a_bundle_encrypted_to_a_passphrase_needs_that_passphrase() {
    let f = fixture();
    let bytes = f.bundle(&Encryption::Passphrase {
        passphrase: Zeroizing::new("correct horse battery staple".into()),
        work_factor: Some(10),
    });
    let dir = tempfile::tempdir().unwrap();
    let with = |p: &str| Decryption {
        device: Some(&f.b),
        passphrase: Some(Zeroizing::new(p.into())),
    };
    let verified = open(&bytes, &with("correct horse battery staple"), dir.path()).unwrap();
    assert_eq!(verified.sealing, Sealing::Passphrase);
    assert_same(&f, &verified);
    drop(verified);

    let err = open(&bytes, &with("correct horse battery stapler"), dir.path()).unwrap_err();
    assert!(matches!(err, BundleError::WrongPassphrase), "{err}");
    assert_eq!(err.to_string(), "the passphrase does not open this bundle");
    let err = open(&bytes, &Decryption::device(&f.b), dir.path()).unwrap_err();
    assert!(matches!(err, BundleError::NeedsPassphrase), "{err}");
    assert_eq!(files_in(dir.path()), 0);
}

#[test]
fn a_plain_bundle_is_a_tar_archive_anyone_reads() {
    let f = fixture();
    let bytes = f.bundle(&Encryption::Plain);
    let dir = tempfile::tempdir().unwrap();
    let verified = open(&bytes, &Decryption::default(), dir.path()).unwrap();
    assert_eq!(verified.sealing, Sealing::Plain);
    assert_same(&f, &verified);
    // Entry by entry, in the documented order and names.
    let mut archive = tar::Archive::new(&bytes[..]);
    let names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    let mut expected = vec![
        "manifest.json".to_owned(),
        "events/1.json".into(),
        "events/2.json".into(),
        "events/3.json".into(),
    ];
    expected.extend(
        f.contents
            .blobs
            .iter()
            .map(|b| format!("blobs/{}", b.sha256)),
    );
    assert_eq!(names, expected);
}

#[test]
fn a_bundle_of_nothing_new_round_trips() {
    let mut f = fixture();
    f.contents.since = f.contents.vector.clone();
    f.contents.events.clear();
    f.contents.blobs.clear();
    let bytes = f.bundle(&Encryption::Plain);
    let dir = tempfile::tempdir().unwrap();
    let verified = open(&bytes, &Decryption::default(), dir.path()).unwrap();
    assert!(verified.events.is_empty() && verified.blobs.is_empty());
}

#[test]
fn the_writer_refuses_contents_that_do_not_hang_together() {
    let f = fixture();
    let write = |contents: &tekseru_bundle::Contents| {
        tekseru_bundle::write(
            Vec::new(),
            contents,
            |_: &tekseru_bundle::BlobRef| Ok(std::io::empty()),
            &Encryption::Plain,
            &f.a,
        )
        .map(|_| ())
        .unwrap_err()
        .to_string()
    };
    let mut gap = f.contents.clone();
    gap.events.remove(0);
    assert!(
        write(&gap).contains("must go on from #1"),
        "{}",
        write(&gap)
    );
    let mut no_card = f.contents.clone();
    no_card.devices.remove(1);
    assert!(
        write(&no_card).contains("card is not included"),
        "{}",
        write(&no_card)
    );
    let mut other = f.contents.clone();
    other.exporter = common::card(&f.b, "Bolat");
    assert!(
        write(&other).contains("the key signing is device"),
        "{}",
        write(&other)
    );
    // A blob whose bytes in the store are not what its reference says.
    let err = write(&f.contents);
    assert!(err.contains("is 0 bytes in the store"), "{err}");
    let err = tekseru_bundle::write(
        Vec::new(),
        &f.contents,
        |r: &tekseru_bundle::BlobRef| Ok(std::io::Cursor::new(vec![0u8; r.bytes as usize])),
        &Encryption::Plain,
        &f.a,
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(err.contains("the stored evidence is damaged"), "{err}");
    let err = tekseru_bundle::write(
        Vec::new(),
        &f.contents,
        |_: &tekseru_bundle::BlobRef| Ok(std::io::empty()),
        &Encryption::ToDevices(vec![]),
        &f.a,
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(err.contains("no device to encrypt"), "{err}");
}
