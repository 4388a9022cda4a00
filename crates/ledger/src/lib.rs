//! The units that laptops and HQ exchange about an inspection.
//!
//! - A [`DeviceKey`] is a store's Ed25519 key pair; its [`PublicKey`] is what colleagues
//!   accept and encrypt to, and its [`DeviceId`] names it in events and version vectors.
//! - An [`Event`] is one change, made on one device: it names the inspection, its place in
//!   that device's chain (`seq`, `prev`) and the other devices' heads it had seen
//!   (`parents`), so that the union of every device's chain is a DAG.
//! - A [`SignedEvent`] is an event with its device's signature; its [`EventHash`] is the
//!   SHA-256 of its [canonical encoding](canonical), signature excluded.
//! - A [`VersionVector`] says, per device, how much of its chain one side holds.
//!
//! What a change *is* (an answer, a note, a resolution) is the store's business: here it is
//! JSON, signed and hashed as it stands. The crate holds no storage and no network code.
#![deny(missing_docs)]

pub mod canonical;
mod device;
mod event;
mod vector;

pub use device::{DeviceId, DeviceKey, KeyError, PublicKey};
pub use event::{Event, EventError, EventHash, SignedEvent};
pub use vector::VersionVector;
