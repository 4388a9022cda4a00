//! The one error type of the crate.

use thiserror::Error;

/// Why a key container could not be opened.
///
/// The variants are distinct on purpose: the application tells a user who mistyped the password
/// something else than a user who picked the wrong file.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum P12Error {
    /// The password does not open the container: the MAC over the contents does not verify, or,
    /// in a container without a MAC, the decrypted contents are not well formed.
    #[error("wrong password for the key file (its integrity check failed)")]
    WrongPassword,

    /// The bytes are not a PKCS#12 container, or one that is damaged.
    ///
    /// `structure` names the ASN.1 structure being read. `detail` says what was wrong and, for
    /// errors found while decoding, ends with `(at position N)`: the byte offset from the start
    /// of the encoding of the structure named (for the PFX, from the start of the file).
    #[error("not a PKCS#12 file: {structure}: {detail}")]
    Malformed {
        /// The structure being read, e.g. `PFX` or `authenticated safe`.
        structure: &'static str,
        /// What was wrong there.
        detail: String,
    },

    /// The container uses an algorithm (or a content type) that this crate does not implement.
    #[error("unsupported {purpose} {oid}{}", name.map(|n| format!(" ({n})")).unwrap_or_default())]
    Unsupported {
        /// What the object identifier stands for: `encryption algorithm`, `MAC algorithm`, ...
        purpose: &'static str,
        /// The dotted object identifier.
        oid: String,
        /// Its name, when known.
        name: Option<&'static str>,
    },

    /// The container opened, but holds no private key.
    #[error("the key file holds no private key")]
    NoPrivateKey,

    /// The container opened, but holds no X.509 certificate.
    #[error("the key file holds no certificate")]
    NoCertificate,
}

impl P12Error {
    pub(crate) fn malformed(structure: &'static str, detail: impl Into<String>) -> Self {
        P12Error::Malformed {
            structure,
            detail: detail.into(),
        }
    }

    pub(crate) fn unsupported(purpose: &'static str, oid: &str) -> Self {
        P12Error::Unsupported {
            purpose,
            oid: oid.to_owned(),
            name: crate::oid::name(oid),
        }
    }
}
