//! The one error type of the crate.

/// What went wrong in hashing, key handling, signing or verifying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GostError {
    /// A private key of the wrong length.
    #[error("private key for {curve} must be {expected} bytes, got {actual}")]
    PrivateKeyLength {
        /// The curve's name, as `Curve::name` gives it.
        curve: &'static str,
        /// `curve.size()`.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A private scalar that is 0 or not below the group order q.
    #[error("private key for {curve} is zero or not below the group order")]
    PrivateKeyRange {
        /// The curve's name, as `Curve::name` gives it.
        curve: &'static str,
    },
    /// A public key of the wrong length.
    #[error("public key for {curve} must be {expected} bytes (x and y), got {actual}")]
    PublicKeyLength {
        /// The curve's name, as `Curve::name` gives it.
        curve: &'static str,
        /// `2 * curve.size()`.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// Coordinates that are not below p, or a point that is not on the curve.
    #[error("public key is not a point of {curve}")]
    PublicKeyNotOnCurve {
        /// The curve's name, as `Curve::name` gives it.
        curve: &'static str,
    },
    /// A point of the curve outside the subgroup of order q (only possible on tc26-256-A).
    #[error("public key is not in the prime-order subgroup of {curve}")]
    PublicKeyNotInSubgroup {
        /// The curve's name, as `Curve::name` gives it.
        curve: &'static str,
    },
    /// A digest whose length is not the curve size.
    #[error("digest for {curve} must be {expected} bytes, got {actual}")]
    DigestLength {
        /// The curve's name, as `Curve::name` gives it.
        curve: &'static str,
        /// `curve.size()`.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A signature of the wrong length.
    #[error("signature for {curve} must be {expected} bytes (r and s), got {actual}")]
    SignatureLength {
        /// The curve's name, as `Curve::name` gives it.
        curve: &'static str,
        /// `2 * curve.size()`.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A signature whose r or s is 0 or not below q: no signer makes one.
    #[error("signature for {curve} has r or s out of range")]
    SignatureRange {
        /// The curve's name, as `Curve::name` gives it.
        curve: &'static str,
    },
    /// A well-formed signature that does not match the digest and the public key.
    #[error("signature does not match the digest and the public key")]
    SignatureMismatch,
    /// The operating system could not provide random bytes.
    #[error("operating system randomness is unavailable: {0}")]
    Randomness(String),
}
