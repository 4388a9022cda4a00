//! Kazakhstan's working-day calendar as data, and the deadlines of the 224/НҚ procedures.
#![deny(missing_docs)]
