//! Hostile bundles: each is refused, the refusal names the entry, and nothing stays staged.
#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::{files_in, fixture, Fixture};
use tar::EntryType;
use tekseru_bundle::{read, BlobRef, Decryption, Encryption, Limits, Manifest};
use tekseru_ledger::{canonical, DeviceKey};

/// One archive entry, with every header field a test may want to lie about.
#[derive(Clone)]
struct Raw {
    name: Vec<u8>,
    kind: EntryType,
    data: Vec<u8>,
    link: Vec<u8>,
    /// The size the header declares (the data's length if `None`).
    size: Option<u64>,
}

fn raw(name: &str, data: &[u8]) -> Raw {
    Raw {
        name: name.as_bytes().to_vec(),
        kind: EntryType::Regular,
        data: data.to_vec(),
        link: Vec::new(),
        size: None,
    }
}

/// The entries of a plain bundle.
fn entries_of(bytes: &[u8]) -> Vec<Raw> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path_bytes().into_owned();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut data).unwrap();
            Raw {
                name,
                kind: EntryType::Regular,
                data,
                link: Vec::new(),
                size: None,
            }
        })
        .collect()
}

/// A tar archive of exactly these headers and data, written by hand so that any name,
/// type and size can be put in it.
fn tar_of(entries: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let mut header = tar::Header::new_ustar();
        {
            let old = header.as_old_mut();
            old.name[..e.name.len()].copy_from_slice(&e.name);
            old.linkname[..e.link.len()].copy_from_slice(&e.link);
        }
        header.set_entry_type(e.kind);
        header.set_size(e.size.unwrap_or(e.data.len() as u64));
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&e.data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0; 1024]);
    out
}

/// `manifest.json` for `manifest`, signed by `key` as the format says.
fn signed_manifest(manifest: &Manifest, key: &DeviceKey) -> Vec<u8> {
    let mut message = b"tekseru bundle manifest 1\n".to_vec();
    message.extend(canonical::to_vec(manifest).unwrap());
    let signature = STANDARD.encode(key.sign(&message));
    canonical::to_vec(&serde_json::json!({"manifest": manifest, "signature": signature})).unwrap()
}

fn manifest_of(entries: &[Raw]) -> Manifest {
    let value: serde_json::Value = serde_json::from_slice(&entries[0].data).unwrap();
    serde_json::from_value(value["manifest"].clone()).unwrap()
}

fn plain(f: &Fixture) -> Vec<Raw> {
    entries_of(&f.bundle(&Encryption::Plain))
}

fn blob_name(f: &Fixture, i: usize) -> String {
    format!("blobs/{}", f.contents.blobs[i].sha256)
}

/// Reads `bytes` and checks that it is refused at `entry`, saying `says`, with nothing left
/// in the staging directory.
fn refused_with(bytes: &[u8], limits: &Limits, entry: &str, says: &str) {
    let dir = tempfile::tempdir().unwrap();
    let err = read(bytes, &Decryption::default(), limits, dir.path())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.entry(), Some(entry), "{err}");
    let text = err.to_string();
    assert!(text.contains(says), "expected '{says}' in: {text}");
    assert!(text.contains(entry), "{text}");
    assert_eq!(
        files_in(dir.path()),
        0,
        "staged files were left after: {text}"
    );
}

fn refused(entries: &[Raw], entry: &str, says: &str) {
    refused_with(&tar_of(entries), &Limits::default(), entry, says);
}

#[test]
fn the_hand_written_archive_of_a_good_bundle_is_accepted() {
    // The baseline for every test below: rewriting a bundle's entries by hand changes nothing.
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let verified = read(
        &tar_of(&plain(&f))[..],
        &Decryption::default(),
        &Limits::default(),
        dir.path(),
    )
    .unwrap();
    assert_eq!(verified.events, f.contents.events);
    assert_eq!(files_in(dir.path()), 2);
}

#[test]
fn path_traversal_is_refused() {
    let f = fixture();
    for evil in [
        "../evil",
        "events/../../evil.json",
        "..././blobs/x",
        "blobs/./x",
    ] {
        let mut e = plain(&f);
        e.insert(1, raw(evil, b"x"));
        refused(&e, evil, "climbs out of the bundle");
    }
    // As the very first entry too.
    let mut e = plain(&f);
    e.insert(0, raw("../manifest.json", b"{}"));
    refused(&e, "../manifest.json", "climbs out");
}

#[test]
fn absolute_paths_are_refused() {
    let f = fixture();
    let mut e = plain(&f);
    e.insert(1, raw("/etc/cron.d/evil", b"* * * * * root sh"));
    refused(&e, "/etc/cron.d/evil", "an absolute path");
}

#[test]
fn symlinks_are_refused() {
    let f = fixture();
    let name = blob_name(&f, 0);
    let mut e = plain(&f);
    e[4] = Raw {
        kind: EntryType::Symlink,
        data: Vec::new(),
        link: b"/home/inspector/.ssh/authorized_keys".to_vec(),
        ..e[4].clone()
    };
    refused(
        &e,
        &name,
        "a symbolic link to '/home/inspector/.ssh/authorized_keys'",
    );
    // A symlink named as the manifest, first.
    let mut e = plain(&f);
    e[0] = Raw {
        kind: EntryType::Symlink,
        data: Vec::new(),
        link: b"/etc".to_vec(),
        ..e[0].clone()
    };
    refused(&e, "manifest.json", "symbolic link");
}

#[test]
fn hard_links_are_refused() {
    let f = fixture();
    let mut e = plain(&f);
    let name = blob_name(&f, 1);
    e[5] = Raw {
        kind: EntryType::Link,
        data: Vec::new(),
        link: b"/etc/shadow".to_vec(),
        ..e[5].clone()
    };
    refused(&e, &name, "a hard link to '/etc/shadow'");
}

#[test]
fn devices_fifos_and_directories_are_refused() {
    let f = fixture();
    for (kind, says) in [
        (EntryType::Char, "a character device"),
        (EntryType::Block, "a block device"),
        (EntryType::Fifo, "a fifo"),
        (EntryType::Directory, "a directory"),
        (EntryType::GNUSparse, "a sparse file"),
    ] {
        let mut e = plain(&f);
        e[1] = Raw {
            kind,
            data: Vec::new(),
            ..e[1].clone()
        };
        refused(&e, "events/1.json", says);
    }
}

#[test]
fn long_name_and_pax_headers_are_refused_rather_than_obeyed() {
    // A pax header may rename or resize the entry after it; bundles never need one.
    let f = fixture();
    let mut e = plain(&f);
    let mut pax = raw(
        "PaxHeaders/events/1.json",
        b"30 path=../../../../etc/passwd\n",
    );
    pax.kind = EntryType::XHeader;
    e.insert(1, pax);
    refused(&e, "PaxHeaders/events/1.json", "a pax extended header");
    let mut e = plain(&f);
    let mut long = raw("././@LongLink", b"../../evil\0");
    long.kind = EntryType::GNULongName;
    e.insert(1, long);
    refused(&e, "././@LongLink", "GNU long-name");
}

#[test]
fn duplicate_entries_are_refused() {
    let f = fixture();
    let mut e = plain(&f);
    let again = e[0].clone();
    e.insert(1, again);
    refused(&e, "manifest.json", "a duplicate entry");
    let mut e = plain(&f);
    let again = e[1].clone();
    e.insert(2, again);
    refused(&e, "events/1.json", "a duplicate entry");
    let mut e = plain(&f);
    let again = e[4].clone();
    e.push(again);
    refused(&e, &blob_name(&f, 0), "a duplicate entry");
}

#[test]
fn unexpected_names_are_refused() {
    let f = fixture();
    for evil in [
        "evil.sh",
        "events/01.json",
        "events/1.json.bak",
        "blobs/ABCDEF",
        "manifest.json/x",
        "",
    ] {
        let mut e = plain(&f);
        e.insert(1, raw(evil, b"x"));
        refused(
            &e,
            if evil.is_empty() { "(no name)" } else { evil },
            "an unexpected name",
        );
    }
}

#[test]
fn the_manifest_comes_first_and_entries_in_its_order() {
    let f = fixture();
    let mut e = plain(&f);
    e.swap(0, 1);
    refused(
        &e,
        "events/1.json",
        "the first entry must be 'manifest.json'",
    );
    let mut e = plain(&f);
    e.swap(1, 2);
    refused(
        &e,
        "events/2.json",
        "out of order: 'events/1.json' was expected here",
    );
}

#[test]
fn too_many_entries_are_refused() {
    let f = fixture();
    let limits = Limits {
        max_entries: 5,
        ..Limits::default()
    };
    refused_with(
        &tar_of(&plain(&f)),
        &limits,
        "manifest.json",
        "over the limit of 5",
    );
}

#[test]
fn a_bundle_over_the_total_limit_is_refused_on_the_bytes_read() {
    let f = fixture();
    let bytes = tar_of(&plain(&f));
    // What the manifest lists (70 000 bytes and a few hundred) fits; the archive, with its
    // headers and manifest, does not.
    let listed: u64 = f.contents.blobs.iter().map(|b| b.bytes).sum::<u64>() + 3000;
    assert!(listed < bytes.len() as u64);
    let limits = Limits {
        max_total_bytes: listed,
        ..Limits::default()
    };
    refused_with(&bytes, &limits, &blob_name(&f, 0), "larger than the limit");
    // And a manifest that lists more than the limit is refused at once.
    let limits = Limits {
        max_total_bytes: 20_000,
        ..Limits::default()
    };
    refused_with(&bytes, &limits, "manifest.json", "over the limit of 20000");
    let limits = Limits {
        max_entry_bytes: 1000,
        ..Limits::default()
    };
    refused_with(
        &bytes,
        &limits,
        &blob_name(&f, 0),
        "over the limit of 1000 for a blob",
    );
}

#[test]
fn an_entry_declaring_a_huge_size_is_refused_before_it_is_read() {
    // A "bomb" without compression: a header declaring a terabyte. Nothing is read or
    // staged on its word.
    let f = fixture();
    let mut e = plain(&f);
    e[4].size = Some(1 << 40);
    refused(&e, &blob_name(&f, 0), "over the limit");
    let mut e = plain(&f);
    e[0].size = Some(1 << 30);
    refused(&e, "manifest.json", "over the limit");
    let mut e = plain(&f);
    e[1].size = Some(1 << 30);
    refused(&e, "events/1.json", "over the limit");
}

#[test]
fn a_compressed_bundle_is_not_decompressed() {
    // Bundles are never compressed: a gzip file is not a tar archive, and is refused
    // without being inflated.
    let f = fixture();
    let mut gzip = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03];
    gzip.extend(f.bundle(&Encryption::Plain).iter().take(600));
    refused_with(&gzip, &Limits::default(), "manifest.json", "damaged");
}

#[test]
fn a_blob_that_does_not_hash_to_its_name_is_refused() {
    let f = fixture();
    let mut e = plain(&f);
    e[4].data[1000] ^= 1;
    refused(&e, &blob_name(&f, 0), "not to its name");
}

#[test]
fn a_truncated_bundle_is_refused() {
    let f = fixture();
    let bytes = tar_of(&plain(&f));
    let blob_at = {
        // Inside the first blob's data.
        let e = plain(&f);
        let before: usize = e[..4]
            .iter()
            .map(|r| 512 + r.data.len().div_ceil(512) * 512)
            .sum();
        before + 512 + 30_000
    };
    refused_with(
        &bytes[..blob_at],
        &Limits::default(),
        &blob_name(&f, 0),
        "truncated",
    );
    // At an entry's boundary: the last blob is missing.
    let mut e = plain(&f);
    e.pop();
    refused(&e, &blob_name(&f, 1), "the bundle ends before it");
    // Only the end-of-archive blocks are missing.
    let bytes = tar_of(&plain(&f));
    refused_with(
        &bytes[..bytes.len() - 1024],
        &Limits::default(),
        &blob_name(&f, 1),
        "end-of-archive block is missing",
    );
    refused_with(
        &bytes[..bytes.len() - 512],
        &Limits::default(),
        "(end of archive)",
        "truncated",
    );
    let dir = tempfile::tempdir().unwrap();
    let err = read(
        &bytes[..0],
        &Decryption::default(),
        &Limits::default(),
        dir.path(),
    )
    .map(|_| ())
    .unwrap_err();
    assert_eq!(err.to_string(), "not a tekseru bundle: the file is empty");
    refused_with(&bytes[..300], &Limits::default(), "manifest.json", "");
}

#[test]
fn data_after_the_end_of_the_archive_is_refused() {
    let f = fixture();
    let mut bytes = tar_of(&plain(&f));
    bytes.extend_from_slice(b"more");
    refused_with(
        &bytes,
        &Limits::default(),
        "(end of archive)",
        "data after its end",
    );
}

#[test]
fn a_manifest_listing_a_blob_the_bundle_lacks_is_refused() {
    let f = fixture();
    let mut e = plain(&f);
    let mut manifest = manifest_of(&e);
    let absent = "ab".repeat(32);
    manifest.blobs.push(BlobRef {
        sha256: absent.clone(),
        bytes: 10,
    });
    e[0].data = signed_manifest(&manifest, &f.a);
    refused(&e, &format!("blobs/{absent}"), "the bundle ends before it");
}

#[test]
fn a_manifest_listing_an_event_the_bundle_lacks_is_refused() {
    let f = fixture();
    let mut e = plain(&f);
    e.remove(3);
    refused(&e, &blob_name(&f, 0), "'events/3.json' was expected here");
}

#[test]
fn an_entry_the_manifest_does_not_list_is_refused() {
    let f = fixture();
    let mut e = plain(&f);
    let extra = vec![7u8; 100];
    let name = format!(
        "blobs/{}",
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&extra))
    );
    e.push(raw(&name, &extra));
    refused(&e, &name, "does not list");
    let mut e = plain(&f);
    e.insert(4, raw("events/4.json", b"{}"));
    refused(&e, "events/4.json", "does not list");
}

#[test]
fn a_manifest_giving_a_wrong_size_or_hash_is_refused() {
    let f = fixture();
    let mut e = plain(&f);
    let mut manifest = manifest_of(&e);
    manifest.blobs[1].bytes += 1;
    e[0].data = signed_manifest(&manifest, &f.a);
    refused(&e, &blob_name(&f, 1), "the manifest lists");

    let mut e = plain(&f);
    let mut manifest = manifest_of(&e);
    manifest.events[0].bytes -= 1;
    e[0].data = signed_manifest(&manifest, &f.a);
    refused(&e, "events/1.json", "the manifest lists");

    let mut e = plain(&f);
    let mut manifest = manifest_of(&e);
    manifest.events[1].hash = "cd".repeat(32).parse().unwrap();
    e[0].data = signed_manifest(&manifest, &f.a);
    refused(&e, "events/2.json", "altered or replaced");
}

#[test]
fn a_manifest_that_lies_about_the_chains_is_refused() {
    let f = fixture();
    let mut e = plain(&f);
    let mut manifest = manifest_of(&e);
    manifest.vector.observe(&f.b.id(), 5);
    e[0].data = signed_manifest(&manifest, &f.a);
    refused(&e, "manifest.json", "lists them only up to #1");
}

#[test]
fn a_bad_manifest_signature_is_refused() {
    let f = fixture();
    let mut e = plain(&f);
    let mut manifest = manifest_of(&e);
    manifest.inspection = "insp-2".into();
    let good = signed_manifest(&manifest_of(&e), &f.a);
    let mut value: serde_json::Value = serde_json::from_slice(&good).unwrap();
    value["manifest"]["inspection"] = "insp-2".into();
    e[0].data = serde_json::to_vec(&value).unwrap();
    refused(
        &e,
        "manifest.json",
        "signature does not verify under the exporting device",
    );
    // Signed by a device other than the one it names as exporter.
    let mut e = plain(&f);
    e[0].data = signed_manifest(&manifest_of(&e), &f.b);
    refused(&e, "manifest.json", "signature does not verify");
    // Not a manifest at all, or of a format version this build does not read.
    let mut e = plain(&f);
    e[0].data = b"{\"manifest\": 1}".to_vec();
    refused(&e, "manifest.json", "not a manifest");
    let mut e = plain(&f);
    let mut manifest = manifest_of(&e);
    manifest.format = 2;
    e[0].data = signed_manifest(&manifest, &f.a);
    refused(&e, "manifest.json", "format version is 2");
}

#[test]
fn an_event_altered_and_signed_again_is_refused() {
    // The device's key signs the altered event (as a stolen key or a replay with other
    // content would), but its hash is not the one the manifest lists.
    let f = fixture();
    let mut e = plain(&f);
    let mut altered = f.contents.events[1].event.clone();
    altered.body["verdict"] = "violates".into();
    let altered = altered.sign(&f.b).unwrap();
    e[2].data = altered.to_json().unwrap();
    assert_eq!(
        e[2].data.len(),
        f.contents.events[1].to_json().unwrap().len()
    );
    refused(&e, "events/2.json", "altered or replaced");
}

#[test]
fn an_event_not_signed_by_the_device_it_names_is_refused() {
    let f = fixture();
    let mut e = plain(&f);
    // Device b's event, with a signature by a (over the very same bytes).
    let mut forged = f.contents.events[1].clone();
    forged.signature = STANDARD.encode(f.a.sign(&forged.event.signed_bytes().unwrap()));
    e[2].data = forged.to_json().unwrap();
    refused(
        &e,
        "events/2.json",
        "does not verify under the device's key",
    );
    // The card says b is another key: the manifest is signed anew over the lie.
    let mut e = plain(&f);
    let mut manifest = manifest_of(&e);
    let mallory = DeviceKey::generate().unwrap();
    manifest.devices[1].public_key = mallory.public();
    e[0].data = signed_manifest(&manifest, &f.a);
    refused(&e, "manifest.json", "whose card it does not hold");
}

#[test]
fn an_event_of_another_inspection_or_out_of_its_chain_is_refused() {
    let f = fixture();
    let mut e = plain(&f);
    e[2].data = {
        let mut other = f.contents.events[1].event.clone();
        other.inspection = "insp-9".into();
        other.sign(&f.b).unwrap().to_json().unwrap()
    };
    // Its size changed too; the manifest's size is checked first.
    let mut manifest = manifest_of(&e);
    manifest.events[1].bytes = e[2].data.len() as u64;
    e[0].data = signed_manifest(&manifest, &f.a);
    refused(&e, "events/2.json", "belongs to inspection insp-9");
}

#[test]
fn an_age_header_over_its_limit_is_refused_before_decrypting() {
    let f = fixture();
    let bytes = f.bundle(&Encryption::ToDevices(vec![f.b.public(), f.a.public()]));
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_header_bytes: 100,
        ..Limits::default()
    };
    let err = read(&bytes[..], &Decryption::device(&f.b), &limits, dir.path())
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("larger than 100 bytes"), "{err}");
    assert_eq!(files_in(dir.path()), 0);
}

#[test]
fn an_encrypted_bundle_cut_short_is_refused() {
    let f = fixture();
    let bytes = f.bundle(&Encryption::ToDevices(vec![f.b.public()]));
    let dir = tempfile::tempdir().unwrap();
    // age writes 64 KiB chunks: cut inside the last, and exactly between two.
    for cut in [bytes.len() - 10, 65_536 + 16 + 200] {
        let err = read(
            &bytes[..cut],
            &Decryption::device(&f.b),
            &Limits::default(),
            dir.path(),
        )
        .map(|_| ())
        .unwrap_err();
        assert!(err.entry().is_some(), "{err}");
        assert_eq!(files_in(dir.path()), 0, "{err}");
    }
}
