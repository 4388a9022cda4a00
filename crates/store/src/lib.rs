/*!
The inspection store: what inspectors record on site, kept on the laptop so that nothing is
lost and nothing changes silently.

# Brief overview

A [`Store`] is a directory with an encrypted SQLite database (SQLCipher, key derived from
the passphrase with Argon2id) in WAL mode. Each operation is one transaction: an
[`Inspection`] is created from a checklist (copied into it, so later checklist edits never
change it) and a roster; answers, evidence, conclusions, dissents and procedure dates are
added; the act's revisions are kept. Every change is appended to the inspection's audit
trail, a hash chain ([`audit::Entry`]); [`Store::verify`] recomputes the chain, replays it and
compares the result with the tables, and re-hashes every file, naming what was changed.

Evidence is content-addressed: a file is stored once by its SHA-256, in chunks inside the
encrypted database, imported by streaming with bounded memory (a large file through a
rollback journal, so that its pages are written once rather than twice). Photos get a small
JPEG [thumbnail](Store::thumbnail), made on first request and cached as derived data.
*/
#![deny(missing_docs)]

pub mod audit;
mod dag;
mod device;
mod error;
mod evidence;
mod key;
mod merge;
mod model;
mod schema;
mod store;
mod thumbnail;
mod trust;
mod verify;

pub use crate::{
    device::DeviceCard,
    error::{Result, StoreError},
    evidence::{media_type, Progress},
    model::{
        ActDetails, ActRevision, Answer, AnswerChange, Choice, Conflict, DetailChange, Dissent,
        Evidence, Gps, Inspection, InspectionSummary, Inspector, InventoryRow, NewInspection,
        ProcedureEvent, Recommendation, Seal, Version,
    },
    store::{inventory_verdict, Store},
    trust::TrustedRoot,
    verify::Verification,
};
