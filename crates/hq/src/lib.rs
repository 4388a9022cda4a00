//! HQ (placeholder)
#![deny(missing_docs)]
