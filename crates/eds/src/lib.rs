//! Kazakh EDS.
#![deny(missing_docs)]

pub mod algorithm;
mod error;
mod gost;
pub mod key;

pub use error::EdsError;
pub mod certificate;
pub mod crl;
pub mod anchor;
pub mod chain;
pub mod cms;
