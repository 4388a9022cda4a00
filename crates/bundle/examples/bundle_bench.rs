//! The bundle's own cost, without a store: `bundle_bench FILE DIR` writes a bundle holding
//! FILE as its one blob (encrypted to a device key, and plain) into DIR, reads each back
//! (staging into DIR), and prints one line of JSON with the seconds each step took.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark of inputs it makes itself.

use std::fs::File;
use std::io::{BufReader, Read};
use std::time::Instant;

use sha2::{Digest, Sha256};
use tekseru_bundle::{BlobRef, Contents, Decryption, DeviceCard, Encryption, Limits};
use tekseru_ledger::{DeviceKey, VersionVector};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (file, dir) = match args.as_slice() {
        [_, file, dir] => (
            std::path::PathBuf::from(file),
            std::path::PathBuf::from(dir),
        ),
        _ => {
            eprintln!("usage: bundle_bench FILE DIR");
            std::process::exit(2);
        }
    };
    std::fs::create_dir_all(&dir).unwrap();
    let key = DeviceKey::generate().unwrap();
    let t = Instant::now();
    let mut hasher = Sha256::new();
    let mut input = File::open(&file).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = input.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    let hash_seconds = t.elapsed().as_secs_f64();
    let sha256 = hex::encode(hasher.finalize());
    let card = DeviceCard {
        public_key: key.public(),
        inspector_name: "Bench".into(),
        inspector_iin: String::new(),
    };
    let contents = Contents {
        inspection: "bench".into(),
        exporter: card,
        vector: VersionVector::new(),
        since: VersionVector::new(),
        events: Vec::new(),
        devices: Vec::new(),
        blobs: vec![BlobRef { sha256, bytes }],
    };
    let mut out = format!("{{\"bytes\":{bytes},\"hash_seconds\":{hash_seconds:.3}");
    for (name, encryption) in [
        ("sealed", Encryption::ToDevices(vec![key.public()])),
        ("plain", Encryption::Plain),
    ] {
        let path = dir.join(format!("bench-{name}.tekseru"));
        let t = Instant::now();
        tekseru_bundle::write(
            File::create(&path).unwrap(),
            &contents,
            |_| File::open(&file),
            &encryption,
            &key,
        )
        .unwrap();
        let write = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let verified = tekseru_bundle::read(
            BufReader::with_capacity(1 << 20, File::open(&path).unwrap()),
            &Decryption::device(&key),
            &Limits::default(),
            &dir,
        )
        .unwrap();
        let read = t.elapsed().as_secs_f64();
        drop(verified);
        std::fs::remove_file(&path).unwrap();
        out.push_str(&format!(
            ",\"{name}_write_seconds\":{write:.3},\"{name}_read_seconds\":{read:.3}"
        ));
    }
    println!("{out}}}");
}
