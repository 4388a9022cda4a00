//! Bundles: what one laptop sends another over a USB stick.
//!
//! A bundle is one file holding the signed events of one inspection that the receiver lacks,
//! the cards of the devices that made them and the evidence they reference. It is a plain
//! ustar archive (no compression: evidence is already compressed), encrypted with
//! [age](https://age-encryption.org/v1) to the receivers' device keys or to a passphrase,
//! or left plain when the exporter asks for it.
//!
//! The archive holds fixed names only, in this order:
//!
//! 1. `manifest.json`: the [`Manifest`] (inspection, exporting device, version vectors,
//!    the list of events and blobs with their hashes and sizes) and the exporting device's
//!    signature over its canonical JSON;
//! 2. `events/1.json`, `events/2.json`, …: each a [`SignedEvent`], in the manifest's order;
//! 3. `blobs/<sha256>`: each evidence file, in the manifest's order.
//!
//! [`read`] never extracts by name. It reads the archive entry by entry, refuses anything
//! that is not a regular file with the next expected name, checks every event's signature
//! against the device card in the manifest and every byte of every blob against its hash,
//! enforces [`Limits`] on the bytes actually read, and stages blobs as temporary files in a
//! directory the caller names (the store's staging directory). It gives a [`Verified`] only
//! when every check passed; on any error it deletes what it staged, and the error names the
//! entry.
//!
//! The crate knows nothing of the store: the command line converts its plain structs to
//! the store's exchange types.
#![deny(missing_docs)]

mod error;
mod manifest;
mod read;
mod seal;
mod write;

pub use error::BundleError;
pub use manifest::{BlobRef, DeviceCard, EventEntry, Manifest, FORMAT};
pub use read::{read, Limits, Sealing, StagedBlob, Verified};
pub use seal::{Decryption, Encryption};
pub use tekseru_ledger::SignedEvent;
pub use write::{write, Contents, Written};
