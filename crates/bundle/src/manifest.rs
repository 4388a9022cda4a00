//! The manifest: what a bundle holds, signed by the device that exported it.

use std::collections::{BTreeMap, BTreeSet};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tekseru_ledger::{canonical, DeviceId, DeviceKey, EventHash, PublicKey, VersionVector};

/// The format version this build writes and reads.
pub const FORMAT: u32 = 1;

/// What the exporting device signs: this tag, then the manifest's canonical JSON. The tag
/// keeps a manifest's signature from meaning anything else (an event, a request).
const DOMAIN: &[u8] = b"tekseru bundle manifest 1\n";

/// The name of the first entry.
pub(crate) const MANIFEST_NAME: &str = "manifest.json";

/// A device as a bundle introduces it: its public key and the inspector it is bound to.
/// The receiving store decides whether to accept it (by its fingerprint).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCard {
    /// The device's public key.
    pub public_key: PublicKey,
    /// The name of the inspector the device belongs to.
    pub inspector_name: String,
    /// That inspector's IIN.
    pub inspector_iin: String,
}

/// An evidence file: its SHA-256 (lowercase hex) and its size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobRef {
    /// SHA-256 of its bytes, 64 lowercase hexadecimal characters.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// One event as the manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventEntry {
    /// The device that made it.
    pub device: DeviceId,
    /// Its place in that device's chain.
    pub seq: u64,
    /// Its hash.
    pub hash: EventHash,
    /// The size of its entry (`events/<n>.json`).
    pub bytes: u64,
}

/// What a bundle holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: u32,
    /// The inspection.
    pub inspection: String,
    /// The device that exported the bundle and signed this manifest.
    pub exporter: DeviceCard,
    /// What the exporter held of the inspection when it exported.
    pub vector: VersionVector,
    /// What the receiver was said to hold already: the bundle holds the events beyond it.
    pub since: VersionVector,
    /// The cards of the devices whose events are included.
    pub devices: Vec<DeviceCard>,
    /// The events, in the order of their entries `events/1.json`, `events/2.json`, ….
    pub events: Vec<EventEntry>,
    /// The blobs, in the order of their entries `blobs/<sha256>`.
    pub blobs: Vec<BlobRef>,
}

/// The content of `manifest.json`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ManifestFile {
    pub(crate) manifest: Manifest,
    /// Ed25519 by the exporter over [`DOMAIN`] and the manifest's canonical JSON, base64.
    pub(crate) signature: String,
}

/// The name of event entry `n` (1-based).
pub(crate) fn event_name(n: usize) -> String {
    format!("events/{n}.json")
}

/// The name of a blob's entry.
pub(crate) fn blob_name(sha256: &str) -> String {
    format!("blobs/{sha256}")
}

/// Whether `text` is 64 lowercase hexadecimal characters.
pub(crate) fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Manifest {
    fn signed_bytes(&self) -> Result<Vec<u8>, String> {
        let body = canonical::to_vec(self).map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(DOMAIN.len() + body.len());
        out.extend_from_slice(DOMAIN);
        out.extend(body);
        Ok(out)
    }

    /// The manifest signed by `key`, as `manifest.json` holds it.
    pub(crate) fn sign(self, key: &DeviceKey) -> Result<Vec<u8>, String> {
        if self.exporter.public_key != key.public() {
            return Err(format!(
                "the exporter's card is device {}, but the key signing is device {}",
                self.exporter.public_key.id(),
                key.id()
            ));
        }
        let signature = STANDARD.encode(key.sign(&self.signed_bytes()?));
        let file = ManifestFile {
            manifest: self,
            signature,
        };
        canonical::to_vec(&file).map_err(|e| e.to_string())
    }

    /// Reads `manifest.json` and checks its signature under the exporter's key.
    pub(crate) fn open(bytes: &[u8]) -> Result<Manifest, String> {
        let file: ManifestFile =
            serde_json::from_slice(bytes).map_err(|e| format!("it is not a manifest: {e}"))?;
        if file.manifest.format != FORMAT {
            return Err(format!(
                "its format version is {}, and this build reads version {FORMAT}",
                file.manifest.format
            ));
        }
        let signature = STANDARD
            .decode(&file.signature)
            .map_err(|_| "its signature is not base64".to_owned())?;
        let bytes = file.manifest.signed_bytes()?;
        file.manifest
            .exporter
            .public_key
            .verify(&bytes, &signature)
            .map_err(|_| {
                format!(
                    "its signature does not verify under the exporting device {}",
                    file.manifest.exporter.public_key.id()
                )
            })?;
        Ok(file.manifest)
    }

    /// Checks that the manifest is consistent in itself: cards once each and for every
    /// device with events, blobs once each with well-formed hashes, and for every device
    /// exactly the events between `since` and `vector`, in chain order.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.inspection.is_empty() {
            return Err("it names no inspection".into());
        }
        let mut cards = BTreeSet::new();
        for card in &self.devices {
            if !cards.insert(card.public_key.id()) {
                return Err(format!("it lists device {} twice", card.public_key.id()));
            }
        }
        let mut next: BTreeMap<&DeviceId, u64> = BTreeMap::new();
        for (i, entry) in self.events.iter().enumerate() {
            let name = event_name(i + 1);
            if !cards.contains(&entry.device) {
                return Err(format!(
                    "it lists {name} by device {}, whose card it does not hold",
                    entry.device
                ));
            }
            let expected = match next.get(&entry.device) {
                Some(n) => *n,
                None => self
                    .since
                    .get(&entry.device)
                    .checked_add(1)
                    .ok_or_else(|| format!("its starting vector for {} overflows", entry.device))?,
            };
            if entry.seq != expected {
                return Err(format!(
                    "it lists {name} as {}#{}, but that device's events in this bundle must go on from #{expected}",
                    entry.device, entry.seq
                ));
            }
            if entry.seq > self.vector.get(&entry.device) {
                return Err(format!(
                    "it lists {name} as {}#{}, beyond what the exporter holds (#{})",
                    entry.device,
                    entry.seq,
                    self.vector.get(&entry.device)
                ));
            }
            next.insert(&entry.device, entry.seq.saturating_add(1));
        }
        for (device, held) in self.vector.iter() {
            let since = self.since.get(device);
            let last = next.get(device).map_or(since, |n| n.saturating_sub(1));
            if held > since && last != held {
                return Err(format!(
                    "the exporter holds device {device}'s events up to #{held} and the bundle starts after #{since}, but it lists them only up to #{last}"
                ));
            }
        }
        let mut blobs = BTreeSet::new();
        for blob in &self.blobs {
            if !is_sha256_hex(&blob.sha256) {
                return Err(format!(
                    "it lists a blob whose name is not a SHA-256 in lowercase hex: {}",
                    blob.sha256.chars().take(80).collect::<String>()
                ));
            }
            if !blobs.insert(blob.sha256.as_str()) {
                return Err(format!("it lists {} twice", blob_name(&blob.sha256)));
            }
        }
        Ok(())
    }
}
