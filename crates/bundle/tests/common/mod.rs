//! A small inspection's bundle contents, shared by the tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::HashMap;
use std::io;
use std::path::Path;

use sha2::{Digest, Sha256};
use tekseru_bundle::{BlobRef, Contents, DeviceCard, Encryption};
use tekseru_ledger::{DeviceKey, Event, SignedEvent, VersionVector};

pub struct Fixture {
    /// The exporting device (made events 1 and 2 of its chain).
    pub a: DeviceKey,
    /// A colleague's device (event 1 of its chain, seen by a's second).
    pub b: DeviceKey,
    pub contents: Contents,
    pub blobs: HashMap<String, Vec<u8>>,
}

pub fn card(key: &DeviceKey, name: &str) -> DeviceCard {
    DeviceCard {
        public_key: key.public(),
        inspector_name: name.into(),
        inspector_iin: "900101300123".into(),
    }
}

fn event(
    key: &DeviceKey,
    seq: u64,
    prev: Option<&SignedEvent>,
    body: serde_json::Value,
) -> SignedEvent {
    Event {
        inspection: "insp-1".into(),
        device: key.id(),
        seq,
        prev: prev.map(|p| p.event.hash().unwrap()),
        parents: Vec::new(),
        at: "2026-12-01T10:00:00Z".into(),
        body,
    }
    .sign(key)
    .unwrap()
}

pub fn fixture() -> Fixture {
    let a = DeviceKey::generate().unwrap();
    let b = DeviceKey::generate().unwrap();
    let photo: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let scan: Vec<u8> = b"%PDF-1.7 a scanned licence".to_vec();
    let sha = |d: &[u8]| hex::encode(Sha256::digest(d));
    let a1 = event(
        &a,
        1,
        None,
        serde_json::json!({"action": "created", "actor": "Aida"}),
    );
    let b1 = event(
        &b,
        1,
        None,
        serde_json::json!({"action": "answered", "item": "12.1", "verdict": "complies", "evidence": sha(&photo)}),
    );
    let mut a2 = Event {
        parents: vec![b1.event.hash().unwrap()],
        ..event(
            &a,
            2,
            Some(&a1),
            serde_json::json!({"action": "noted", "evidence": sha(&scan)}),
        )
        .event
    };
    a2.prev = Some(a1.event.hash().unwrap());
    let a2 = a2.sign(&a).unwrap();
    let mut vector = VersionVector::new();
    vector.observe(&a.id(), 2);
    vector.observe(&b.id(), 1);
    let blobs: HashMap<String, Vec<u8>> =
        [(sha(&photo), photo.clone()), (sha(&scan), scan.clone())]
            .into_iter()
            .collect();
    let contents = Contents {
        inspection: "insp-1".into(),
        exporter: card(&a, "Aida"),
        vector,
        since: VersionVector::new(),
        events: vec![a1, b1, a2],
        devices: vec![card(&a, "Aida"), card(&b, "Bolat")],
        blobs: vec![
            BlobRef {
                sha256: sha(&photo),
                bytes: len(&photo),
            },
            BlobRef {
                sha256: sha(&scan),
                bytes: len(&scan),
            },
        ],
    };
    Fixture {
        a,
        b,
        contents,
        blobs,
    }
}

pub fn len(d: &[u8]) -> u64 {
    d.len() as u64
}

impl Fixture {
    pub fn bundle(&self, encryption: &Encryption) -> Vec<u8> {
        tekseru_bundle::write(
            Vec::new(),
            &self.contents,
            |r: &BlobRef| {
                self.blobs
                    .get(&r.sha256)
                    .map(|d| io::Cursor::new(d.clone()))
                    .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
            },
            encryption,
            &self.a,
        )
        .unwrap()
        .out
    }
}

pub fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}
