//! A device's identity: its Ed25519 key pair, the public key's text form, its fingerprint
//! and its short id.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The prefix of a public key's text form.
const PUBLIC_PREFIX: &str = "ed25519:";

/// Why a key or an id could not be read, or a key could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text is not `ed25519:` followed by the base64 of 32 bytes.
    #[error("not a device public key (expected 'ed25519:' and 44 characters of base64): {0}")]
    PublicKeyText(String),
    /// The 32 bytes are not a point of the curve.
    #[error("not a valid Ed25519 public key: {0}")]
    PublicKeyPoint(String),
    /// A device id is 16 lowercase hexadecimal characters.
    #[error("not a device id (expected 16 lowercase hexadecimal characters): {0}")]
    DeviceId(String),
    /// A secret key is 32 bytes.
    #[error("a device's secret key must be 32 bytes, found {0}")]
    SecretLength(usize),
    /// The system's random source failed.
    #[error("the system's random source failed: {0}")]
    Random(String),
    /// A signature is 64 bytes.
    #[error("a signature must be 64 bytes, found {0}")]
    SignatureLength(usize),
    /// The signature does not verify under the key.
    #[error("the signature does not verify under device {0}")]
    BadSignature(DeviceId),
}

/// A device's key pair. Its secret stays in the encrypted store; it is wiped from memory
/// when dropped.
pub struct DeviceKey {
    signing: SigningKey,
}

impl DeviceKey {
    /// A new key pair from the system's random source.
    ///
    /// # Errors
    /// When the random source fails.
    pub fn generate() -> Result<DeviceKey, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut_slice()).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(DeviceKey {
            signing: SigningKey::from_bytes(&seed),
        })
    }

    /// The key pair whose secret is these 32 bytes (as [`DeviceKey::secret`] gave them).
    ///
    /// # Errors
    /// When `secret` is not 32 bytes long.
    pub fn from_secret(secret: &[u8]) -> Result<DeviceKey, KeyError> {
        let seed: &[u8; 32] = secret
            .try_into()
            .map_err(|_| KeyError::SecretLength(secret.len()))?;
        Ok(DeviceKey {
            signing: SigningKey::from_bytes(seed),
        })
    }

    /// The 32 secret bytes, to be kept inside the encrypted store and nowhere else.
    pub fn secret(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key())
    }

    /// This device's id.
    pub fn id(&self) -> DeviceId {
        self.public().id()
    }

    /// The Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// The X25519 secret that belongs to this key (the clamped scalar of RFC 8032 §5.1.5,
    /// as `age` derives it for `ssh-ed25519` recipients), for decrypting what was encrypted
    /// to [`PublicKey::x25519`].
    pub fn x25519_secret(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_scalar_bytes())
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceKey")
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

/// A device's public key. Its text form is `ed25519:` followed by the base64 of its 32
/// bytes; that is what `device show` prints and what `bundle export --to` takes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// The key from its 32 bytes.
    ///
    /// # Errors
    /// When the bytes are not a valid point.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, KeyError> {
        VerifyingKey::from_bytes(bytes)
            .map(PublicKey)
            .map_err(|e| KeyError::PublicKeyPoint(e.to_string()))
    }

    /// Its 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// SHA-256 of its 32 bytes, lowercase hex: what a person compares before accepting a
    /// device, as with an SSH host key.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The device's id: the first 16 characters of its fingerprint.
    pub fn id(&self) -> DeviceId {
        let fingerprint = self.fingerprint();
        DeviceId(fingerprint.chars().take(16).collect())
    }

    /// Checks `signature` over `message` (strict Ed25519: no malleable or small-order forms).
    ///
    /// # Errors
    /// When it does not verify, or is not 64 bytes.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        let bytes: &[u8; 64] = signature
            .try_into()
            .map_err(|_| KeyError::SignatureLength(signature.len()))?;
        let signature = ed25519_dalek::Signature::from_bytes(bytes);
        self.0
            .verify_strict(message, &signature)
            .map_err(|_| KeyError::BadSignature(self.id()))?;
        // `verify` as well, so that both the strict and the cofactorless checks agree.
        self.0
            .verify(message, &signature)
            .map_err(|_| KeyError::BadSignature(self.id()))
    }

    /// The X25519 public key that belongs to this key (the birational map to Montgomery
    /// form), for encrypting to this device.
    pub fn x25519(&self) -> [u8; 32] {
        self.0.to_montgomery().to_bytes()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PUBLIC_PREFIX}{}", STANDARD.encode(self.0.as_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<PublicKey, KeyError> {
        let bad = || KeyError::PublicKeyText(text.chars().take(80).collect());
        let encoded = text.trim().strip_prefix(PUBLIC_PREFIX).ok_or_else(bad)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| bad())?;
        let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| bad())?;
        PublicKey::from_bytes(&bytes)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PublicKey, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A device's short name: the first 16 hexadecimal characters of its key's fingerprint.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct DeviceId(String);

impl DeviceId {
    /// Its text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({})", self.0)
    }
}

impl FromStr for DeviceId {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<DeviceId, KeyError> {
        if text.len() == 16 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(DeviceId(text.to_owned()))
        } else {
            Err(KeyError::DeviceId(text.chars().take(40).collect()))
        }
    }
}

impl<'de> Deserialize<'de> for DeviceId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<DeviceId, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_public_key_reads_back_from_its_text() {
        let key = DeviceKey::generate().unwrap();
        let text = key.public().to_string();
        assert!(text.starts_with("ed25519:"));
        assert_eq!(text.parse::<PublicKey>().unwrap(), key.public());
        assert_eq!(key.id().as_str().len(), 16);
        assert!(key.public().fingerprint().starts_with(key.id().as_str()));
    }

    #[test]
    fn a_secret_gives_back_the_same_key() {
        let key = DeviceKey::generate().unwrap();
        let again = DeviceKey::from_secret(key.secret().as_slice()).unwrap();
        assert_eq!(again.public(), key.public());
        assert!(matches!(
            DeviceKey::from_secret(&[0; 31]),
            Err(KeyError::SecretLength(31))
        ));
    }

    #[test]
    fn rfc8032_test_1_gives_its_public_key_and_signature() {
        // RFC 8032 §7.1, TEST 1 (empty message).
        let secret =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap();
        let key = DeviceKey::from_secret(&secret).unwrap();
        assert_eq!(
            hex::encode(key.public().to_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let signature = key.sign(b"");
        assert_eq!(
            hex::encode(signature),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        key.public().verify(b"", &signature).unwrap();
    }

    #[test]
    fn the_x25519_halves_agree() {
        // The Montgomery form of the public key is the X25519 base-point multiple of the
        // clamped secret scalar: what encrypting to a device relies on.
        let key = DeviceKey::generate().unwrap();
        let scalar = key.x25519_secret();
        let public = curve25519_dalek::MontgomeryPoint::mul_base_clamped(*scalar);
        assert_eq!(public.to_bytes(), key.public().x25519());
    }

    #[test]
    fn bad_texts_are_named() {
        for bad in ["", "ed25519:", "ed25519:AAAA", "rsa:AAAA", "ed25519:!!!!"] {
            assert!(matches!(
                bad.parse::<PublicKey>(),
                Err(KeyError::PublicKeyText(_))
            ));
        }
        for bad in [
            "",
            "0123456789abcdeF",
            "0123456789abcde",
            "0123456789abcdef0",
        ] {
            assert!(bad.parse::<DeviceId>().is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn a_changed_message_or_signature_never_verifies(
            message in proptest::collection::vec(any::<u8>(), 0..200),
            flip in 0usize..(64 * 8),
        ) {
            let key = DeviceKey::generate().unwrap();
            let mut signature = key.sign(&message);
            key.public().verify(&message, &signature).unwrap();
            if let Some(byte) = signature.get_mut(flip / 8) {
                *byte ^= 1 << (flip % 8);
            }
            prop_assert!(key.public().verify(&message, &signature).is_err());
            let mut other = message.clone();
            other.push(0);
            prop_assert!(key.public().verify(&other, &key.sign(&message)).is_err());
        }

        #[test]
        fn public_key_text_never_panics(text in "\\PC{0,80}") {
            let _ = text.parse::<PublicKey>();
            let _ = text.parse::<DeviceId>();
        }
    }
}
