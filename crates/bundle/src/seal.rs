//! Encryption with age: to device keys (X25519, the Montgomery form of the Ed25519 device
//! key) or to a passphrase (scrypt).

use std::str::FromStr as _;

use age::secrecy::SecretString;
use bech32::{Bech32, Hrp};
use tekseru_ledger::{DeviceKey, PublicKey};
use zeroize::Zeroizing;

use crate::BundleError;

/// How a bundle is written.
pub enum Encryption {
    /// To these devices' keys: any of them can open it.
    ToDevices(Vec<PublicKey>),
    /// To a passphrase, stretched with scrypt.
    Passphrase {
        /// The passphrase.
        passphrase: Zeroizing<String>,
        /// scrypt's work factor, log2(N); `None` lets age pick one that takes about a
        /// second on this machine.
        work_factor: Option<u8>,
    },
    /// Not encrypted: anyone holding the file reads the inspection and its evidence.
    Plain,
}

/// What may open a bundle. A plain bundle needs neither.
#[derive(Default)]
pub struct Decryption<'a> {
    /// This device's key, for bundles encrypted to device keys.
    pub device: Option<&'a DeviceKey>,
    /// A passphrase, for bundles encrypted to one.
    pub passphrase: Option<Zeroizing<String>>,
}

impl<'a> Decryption<'a> {
    /// Opens bundles encrypted to `key`.
    pub fn device(key: &'a DeviceKey) -> Decryption<'a> {
        Decryption {
            device: Some(key),
            passphrase: None,
        }
    }
}

/// The age recipient for a device's public key.
pub(crate) fn recipient(key: &PublicKey) -> Result<age::x25519::Recipient, BundleError> {
    let hrp = Hrp::parse("age").map_err(|e| BundleError::Contents(e.to_string()))?;
    let text = bech32::encode::<Bech32>(hrp, &key.x25519())
        .map_err(|e| BundleError::Contents(e.to_string()))?;
    age::x25519::Recipient::from_str(&text).map_err(|e| {
        BundleError::Contents(format!("device {} cannot be encrypted to: {e}", key.id()))
    })
}

/// The age identity for this device's key.
pub(crate) fn identity(key: &DeviceKey) -> Result<age::x25519::Identity, BundleError> {
    let hrp = Hrp::parse("AGE-SECRET-KEY-").map_err(|e| BundleError::Decryption(e.to_string()))?;
    let secret = key.x25519_secret();
    let text = Zeroizing::new(
        bech32::encode_upper::<Bech32>(hrp, secret.as_slice())
            .map_err(|e| BundleError::Decryption(e.to_string()))?,
    );
    age::x25519::Identity::from_str(&text).map_err(|e| BundleError::Decryption(e.to_string()))
}

/// A passphrase as age takes it.
pub(crate) fn secret(passphrase: &Zeroizing<String>) -> SecretString {
    SecretString::from(passphrase.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret as _;

    #[test]
    fn a_device_key_and_its_public_key_are_one_age_key_pair() {
        let key = DeviceKey::generate().unwrap();
        let from_public = recipient(&key.public()).unwrap();
        let from_secret = identity(&key).unwrap().to_public();
        assert_eq!(from_public.to_string(), from_secret.to_string());
        assert!(from_public.to_string().starts_with("age1"));
        assert!(identity(&key)
            .unwrap()
            .to_string()
            .expose_secret()
            .starts_with("AGE-SECRET-KEY-1"));
    }
}
