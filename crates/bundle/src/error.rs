//! Why a bundle could not be written or was refused.

use std::io;

/// Why a bundle could not be written, or why one was refused.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// An entry of the bundle (or the place where one was expected) fails a check.
    #[error("bundle refused at '{entry}': {reason}")]
    Refused {
        /// The entry's name as the archive gives it (escaped), or the name that was
        /// expected there.
        entry: String,
        /// What is wrong.
        reason: String,
    },
    /// The file is neither an age file nor a tar archive.
    #[error("not a tekseru bundle: {0}")]
    NotABundle(String),
    /// The bundle is encrypted to a passphrase and none was given.
    #[error("the bundle is encrypted to a passphrase, and none was given")]
    NeedsPassphrase,
    /// The bundle is encrypted to device keys and no device key was given.
    #[error("the bundle is encrypted to device keys, and no device key was given")]
    NeedsDeviceKey,
    /// The bundle is encrypted to other devices.
    #[error("the bundle is not encrypted to this device (fingerprint {fingerprint}); ask its sender to export it again with --to and this device's public key")]
    NotForThisDevice {
        /// The fingerprint of the device key that was tried.
        fingerprint: String,
    },
    /// The passphrase does not open the bundle.
    #[error("the passphrase does not open this bundle")]
    WrongPassphrase,
    /// The age encryption of the bundle is damaged or unusable.
    #[error("the bundle's encryption is damaged or unsupported: {0}")]
    Decryption(String),
    /// What the caller asked to write is not a consistent bundle.
    #[error("cannot write the bundle: {0}")]
    Contents(String),
    /// Reading a blob to export, writing the bundle or staging a blob failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        #[source]
        source: io::Error,
    },
}

impl BundleError {
    /// The entry named by a refusal, if this is one.
    pub fn entry(&self) -> Option<&str> {
        match self {
            BundleError::Refused { entry, .. } => Some(entry),
            _ => None,
        }
    }

    pub(crate) fn refused(entry: impl Into<String>, reason: impl Into<String>) -> BundleError {
        BundleError::Refused {
            entry: entry.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(what: impl Into<String>, source: io::Error) -> BundleError {
        BundleError::Io {
            what: what.into(),
            source,
        }
    }
}
