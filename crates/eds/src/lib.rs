//! Kazakh EDS (электронная цифровая подпись) in pure Rust: the certificates, keys and
//! signatures of the NCA RK (ҰКО), and trust in them.
//!
//! - [`algorithm`]: OIDs ↔ algorithms — GOST 2015-512/256 (Streebog), GOST 34.310-2004
//!   (GOST 34.311-95, Test S-box), RSA PKCS#1 v1.5 and ECDSA P-256/P-384 with SHA-2. An
//!   unknown OID is an error that names it; it never verifies.
//! - [`key`]: [`PublicKey`](key::PublicKey) from a SubjectPublicKeyInfo,
//!   [`PrivateKey`](key::PrivateKey) from PKCS#8 (GOST as the NCA writes it, little-endian),
//!   and [`Credential`](key::Credential): a `.p12` key file opened into a key and its
//!   certificate, checked to match.
//! - [`certificate`]: X.509 (PEM, bare base64 or DER) and the facts a report shows (subject,
//!   IIN, BIN, serial, validity, key usage, EKU, policies, role from EKU 1.2.398.3.3.4.*),
//!   and the refusal of authentication keys for signing.
//! - [`cms`]: detached CMS `SignedData` as KalkanCrypt makes it, signed and verified.
//! - [`anchor`]: the NCA RK production anchors and the NCA TEST hierarchy, compiled in and
//!   pinned by SHA-256.
//! - [`chain`]: path validation at a given time (the signing time), with CRLs.
//! - [`crl`]: revocation lists, their signature, freshness, delta CRLs, lookup by serial.
//!
//! Kazakh GOST byte order throughout: public key x‖y, signature r‖s and private scalar are
//! little-endian. No PDF, no store and no network here.
//!
//! ```
//! use tekseru_eds::{anchor, chain, cms};
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cms/");
//! let signature = std::fs::read(format!("{dir}individual_detached.der"))?;
//! let document = std::fs::read(format!("{dir}individual_document.txt"))?;
//!
//! // The signature over the document (given as its parts, e.g. a PDF's byte ranges) …
//! let signed = cms::verify_detached(&signature, &[&document])?;
//! let at = signed.signing_time.ok_or("no signing time")?;
//! // … and its signer's path to the NCA TEST anchors, judged at the signing time.
//! let report = chain::validate(&signed.signer, &signed.certificates, anchor::training()?, at, &[]);
//! assert!(report.valid, "{:?}", report.reasons);
//! assert_eq!(signed.signer.iin().as_deref(), Some("123456789011"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod algorithm;
pub mod anchor;
pub mod certificate;
pub mod chain;
pub mod cms;
pub mod crl;
mod error;
mod gost;
pub mod key;

pub use error::EdsError;
