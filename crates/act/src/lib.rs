//! The inspection act: rendering to PDF, signing by each commission member in turn, and
//! verification with the quorum of 224/НҚ.
#![deny(missing_docs)]
