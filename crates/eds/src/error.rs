//! The one error type of the crate.

/// What went wrong, said so that a user can act on it.
#[derive(Debug, thiserror::Error)]
pub enum EdsError {
    /// Input that does not parse: `what` names the input, `reason` the problem.
    #[error("{what} is malformed: {reason}")]
    Malformed {
        /// The input, e.g. "the certificate".
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An algorithm this crate does not implement: never treated as valid.
    #[error("unknown algorithm {0}: not verifiable here")]
    UnknownAlgorithm(String),
    /// A signature that does not verify.
    #[error("the signature does not verify: {0}")]
    BadSignature(String),
    /// A key that may not make a legally binding signature (an authentication key, …).
    #[error("{0}")]
    NotForSigning(String),
    /// The private key is not the one of the certificate.
    #[error("the private key does not match the certificate {0}")]
    KeyMismatch(String),
    /// The key file's password is wrong.
    #[error("wrong password for the key file")]
    WrongPassword,
    /// The key file cannot be opened for another reason.
    #[error("cannot open the key file: {0}")]
    KeyFile(String),
    /// A CMS that is well-formed but wrong (digest mismatch, missing attribute, …).
    #[error("{0}")]
    Cms(String),
    /// A shipped trust anchor that fails its own check.
    #[error("trust anchor {file}: {reason}")]
    Anchor {
        /// The anchor's file name.
        file: String,
        /// Why it was refused.
        reason: String,
    },
    /// Making a signature failed.
    #[error("signing failed: {0}")]
    Signing(String),
}

impl EdsError {
    pub(crate) fn malformed(what: &'static str, reason: impl std::fmt::Display) -> EdsError {
        EdsError::Malformed {
            what,
            reason: reason.to_string(),
        }
    }
}
