//! Events: one change made on one device, placed in that device's chain and in the DAG.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::canonical;
use crate::device::{DeviceId, DeviceKey, KeyError, PublicKey};

/// What a device signs and what an event's hash is taken over: this tag, then the event's
/// canonical encoding. The tag keeps an event's signature from meaning anything else.
const DOMAIN: &[u8] = b"tekseru event 1\n";

/// One change, made on one device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// The inspection it changes.
    pub inspection: String,
    /// The device that made it.
    pub device: DeviceId,
    /// Its place in that device's chain for this inspection: 1, 2, 3, …
    pub seq: u64,
    /// The hash of the same device's previous event (`None` only for `seq` 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<EventHash>,
    /// The heads of other devices' chains that this device had seen when it made the
    /// event, sorted, each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<EventHash>,
    /// When, by the device's clock (RFC 3339, UTC).
    pub at: String,
    /// The change itself, as the store encodes it.
    pub body: Value,
}

/// An event and its device's signature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedEvent {
    /// The event.
    pub event: Event,
    /// The Ed25519 signature over the event's signed bytes, base64.
    pub signature: String,
}

/// Why an event is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The event cannot be encoded.
    #[error("event {device}#{seq} cannot be encoded: {reason}")]
    Encoding {
        /// Its device.
        device: DeviceId,
        /// Its number.
        seq: u64,
        /// Why.
        reason: String,
    },
    /// Its links do not fit its place in the chain.
    #[error("event {device}#{seq} is malformed: {reason}")]
    Malformed {
        /// Its device.
        device: DeviceId,
        /// Its number.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// It is signed by a device other than the one it names, or not signed right.
    #[error("event {device}#{seq} has a bad signature: {reason}")]
    Signature {
        /// Its device.
        device: DeviceId,
        /// Its number.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// Not an event at all.
    #[error("not an event: {0}")]
    Json(String),
}

impl Event {
    /// The bytes a device signs and the hash is taken over.
    ///
    /// # Errors
    /// When the body cannot be encoded.
    pub fn signed_bytes(&self) -> Result<Vec<u8>, EventError> {
        let body = canonical::to_vec(self).map_err(|e| EventError::Encoding {
            device: self.device.clone(),
            seq: self.seq,
            reason: e.to_string(),
        })?;
        let mut out = Vec::with_capacity(DOMAIN.len() + body.len());
        out.extend_from_slice(DOMAIN);
        out.extend(body);
        Ok(out)
    }

    /// The event's hash: SHA-256 of its signed bytes.
    ///
    /// # Errors
    /// When the body cannot be encoded.
    pub fn hash(&self) -> Result<EventHash, EventError> {
        Ok(EventHash(hex::encode(Sha256::digest(self.signed_bytes()?))))
    }

    /// Checks that the event's links fit its place: `seq` 1 has no `prev`, every later one
    /// has one; `parents` are sorted, each once, and never the event's own `prev`.
    ///
    /// # Errors
    /// Naming what does not fit.
    pub fn check_shape(&self) -> Result<(), EventError> {
        let malformed = |reason: &str| EventError::Malformed {
            device: self.device.clone(),
            seq: self.seq,
            reason: reason.to_owned(),
        };
        match (self.seq, &self.prev) {
            (0, _) => return Err(malformed("its sequence number is 0; chains start at 1")),
            (1, Some(_)) => return Err(malformed("the first event of a chain has a 'prev'")),
            (n, None) if n > 1 => return Err(malformed("it has no 'prev' but is not the first")),
            _ => {}
        }
        if !self.parents.windows(2).all(|w| w[0] < w[1]) {
            return Err(malformed(
                "its parents are not sorted, or one is named twice",
            ));
        }
        if self.prev.as_ref().is_some_and(|p| self.parents.contains(p)) {
            return Err(malformed("its own 'prev' is also named as a parent"));
        }
        Ok(())
    }

    /// The event signed by `key`, which must be the device it names.
    ///
    /// # Errors
    /// When the event names another device, is malformed, or cannot be encoded.
    pub fn sign(self, key: &DeviceKey) -> Result<SignedEvent, EventError> {
        if key.id() != self.device {
            return Err(EventError::Signature {
                device: self.device.clone(),
                seq: self.seq,
                reason: format!("it would be signed by device {}", key.id()),
            });
        }
        self.check_shape()?;
        let signature = STANDARD.encode(key.sign(&self.signed_bytes()?));
        Ok(SignedEvent {
            event: self,
            signature,
        })
    }
}

impl SignedEvent {
    /// Checks the event's shape and its signature under `key`, the public key of the device
    /// it names, and gives its hash.
    ///
    /// # Errors
    /// When the key is another device's, the shape is wrong or the signature fails.
    pub fn verify(&self, key: &PublicKey) -> Result<EventHash, EventError> {
        let event = &self.event;
        let refuse = |reason: String| EventError::Signature {
            device: event.device.clone(),
            seq: event.seq,
            reason,
        };
        if key.id() != event.device {
            return Err(refuse(format!("the key given is device {}'s", key.id())));
        }
        event.check_shape()?;
        let signature = STANDARD
            .decode(&self.signature)
            .map_err(|_| refuse("the signature is not base64".into()))?;
        let bytes = event.signed_bytes()?;
        key.verify(&bytes, &signature).map_err(|e| match e {
            KeyError::SignatureLength(n) => refuse(format!("the signature is {n} bytes, not 64")),
            _ => refuse("it does not verify under the device's key".into()),
        })?;
        Ok(EventHash(hex::encode(Sha256::digest(&bytes))))
    }

    /// Reads a signed event from its JSON.
    ///
    /// # Errors
    /// When the JSON is not a signed event.
    pub fn from_json(bytes: &[u8]) -> Result<SignedEvent, EventError> {
        serde_json::from_slice(bytes).map_err(|e| EventError::Json(e.to_string()))
    }

    /// Its JSON, canonical.
    ///
    /// # Errors
    /// When the body cannot be encoded.
    pub fn to_json(&self) -> Result<Vec<u8>, EventError> {
        canonical::to_vec(self).map_err(|e| EventError::Encoding {
            device: self.event.device.clone(),
            seq: self.event.seq,
            reason: e.to_string(),
        })
    }
}

/// An event's hash: 64 lowercase hexadecimal characters.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct EventHash(String);

impl EventHash {
    /// Its text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventHash({})", self.0)
    }
}

impl FromStr for EventHash {
    type Err = EventError;

    fn from_str(text: &str) -> Result<EventHash, EventError> {
        if text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(EventHash(text.to_owned()))
        } else {
            Err(EventError::Json(format!(
                "not an event hash (expected 64 lowercase hexadecimal characters): {}",
                text.chars().take(80).collect::<String>()
            )))
        }
    }
}

impl<'de> Deserialize<'de> for EventHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<EventHash, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn event(key: &DeviceKey, seq: u64, prev: Option<EventHash>) -> Event {
        Event {
            inspection: "insp-1".into(),
            device: key.id(),
            seq,
            prev,
            parents: Vec::new(),
            at: "2026-12-01T10:00:00Z".into(),
            body: serde_json::json!({"action": "answered", "item": "12.1", "verdict": "complies"}),
        }
    }

    #[test]
    fn a_signed_event_verifies_and_reads_back() {
        let key = DeviceKey::generate().unwrap();
        let signed = event(&key, 1, None).sign(&key).unwrap();
        let hash = signed.verify(&key.public()).unwrap();
        assert_eq!(hash, signed.event.hash().unwrap());
        let again = SignedEvent::from_json(&signed.to_json().unwrap()).unwrap();
        assert_eq!(again, signed);
        assert_eq!(again.verify(&key.public()).unwrap(), hash);
    }

    #[test]
    fn another_devices_key_does_not_verify_and_cannot_sign() {
        let key = DeviceKey::generate().unwrap();
        let other = DeviceKey::generate().unwrap();
        let signed = event(&key, 1, None).sign(&key).unwrap();
        assert!(matches!(
            signed.verify(&other.public()),
            Err(EventError::Signature { .. })
        ));
        assert!(event(&key, 1, None).sign(&other).is_err());
        // Renaming the device to the other key's id does not carry the signature over.
        let mut forged = signed.clone();
        forged.event.device = other.id();
        assert!(forged.verify(&other.public()).is_err());
    }

    #[test]
    fn shapes_that_do_not_fit_a_chain_are_named() {
        let key = DeviceKey::generate().unwrap();
        let h: EventHash = "ab".repeat(32).parse().unwrap();
        let g: EventHash = "cd".repeat(32).parse().unwrap();
        for (seq, prev, parents, says) in [
            (0, None, vec![], "sequence number is 0"),
            (
                1,
                Some(h.clone()),
                vec![],
                "first event of a chain has a 'prev'",
            ),
            (2, None, vec![], "no 'prev'"),
            (
                2,
                Some(h.clone()),
                vec![h.clone()],
                "also named as a parent",
            ),
            (
                2,
                Some(h.clone()),
                vec![g.clone(), g.clone()],
                "named twice",
            ),
        ] {
            let mut e = event(&key, seq, prev);
            e.parents = parents;
            let err = e.sign(&key).unwrap_err().to_string();
            assert!(err.contains(says), "{err}");
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let key = DeviceKey::generate().unwrap();
        let signed = event(&key, 1, None).sign(&key).unwrap();
        let mut value: Value = serde_json::from_slice(&signed.to_json().unwrap()).unwrap();
        value["event"]["extra"] = Value::from(1);
        let bytes = serde_json::to_vec(&value).unwrap();
        assert!(SignedEvent::from_json(&bytes).is_err());
    }

    proptest! {
        #[test]
        fn any_change_to_a_signed_event_breaks_it(
            item in "[a-z0-9.]{1,12}",
            at in "[0-9:TZ-]{1,25}",
            seq in 2u64..1000,
        ) {
            let key = DeviceKey::generate().unwrap();
            let prev: EventHash = "01".repeat(32).parse().unwrap();
            let signed = event(&key, seq, Some(prev)).sign(&key).unwrap();
            let mut a = signed.clone();
            a.event.body["item"] = Value::from(item.clone());
            let mut b = signed.clone();
            b.event.at = at.clone();
            let mut c = signed.clone();
            c.event.seq = seq + 1;
            for changed in [a, b, c] {
                if changed != signed {
                    prop_assert!(changed.verify(&key.public()).is_err());
                }
            }
        }

        #[test]
        fn arbitrary_json_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = SignedEvent::from_json(&bytes);
        }
    }
}
