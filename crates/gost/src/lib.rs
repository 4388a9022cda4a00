//! GOST hashes and signatures in pure Rust, in the byte order of Kazakh EDS (NCA RK) keys.
//!
//! - Hashes ([`Hash`](enum@Hash), [`Hasher`], [`digest`]): Streebog-256/512 (GOST R 34.11-2012 = GOST
//!   34.11-2015) and GOST R 34.11-94 with the test S-box (= the Kazakh GOST 34.311-95).
//! - Signatures ([`SigningKey`], [`VerifyingKey`]): GOST R 34.10-2012 (= GOST 34.310-2004 and
//!   GOST 34.310-2015) on the curves of [`Curve`].
//!
//! Byte order, as the NCA RK certificates and KalkanCrypt's CMS use it: the private scalar, the
//! public key x‖y and the signature r‖s are little-endian integers, each `curve.size()` bytes;
//! the digest is the hash output as it is, read as a little-endian integer e (reduced mod q,
//! 0 becoming 1). r‖s little-endian is the byte reverse of RFC 4491's s‖r big-endian.
//!
//! ```
//! use tekseru_gost::{digest, Curve, Hash, SigningKey};
//!
//! let key = SigningKey::generate(Curve::Tc26_512A)?;
//! let e = digest(Hash::Streebog512, b"act");
//! let signature = key.sign_digest(&e)?;
//! key.verifying_key().verify_digest(&e, &signature)?;
//! # Ok::<(), tekseru_gost::GostError>(())
//! ```
//!
//! Field, scalar and point arithmetic come from RustCrypto's `primefield` / `crypto-bigint`
//! (Montgomery form) and `primeorder` (complete addition formulas, constant-time scalar
//! multiplication for signing).
#![deny(missing_docs)]

mod curves;
mod error;
mod hash;
mod keys;
mod ops;

pub use error::GostError;
pub use hash::{digest, Hash, Hasher};
#[doc(hidden)]
pub use keys::hazmat;
pub use keys::{Curve, SigningKey, VerifyingKey};
