/*!
The inspection store: what inspectors record on site, kept on the laptop so that nothing is
lost and nothing changes silently.

# Brief overview

A [`Store`] is a directory with an encrypted SQLite database (SQLCipher, key derived from
the passphrase with Argon2id) in WAL mode. Each operation is one transaction: an
[`Inspection`] is created from a checklist (copied into it, so later checklist edits never
change it) and a roster; answers, evidence, conclusions, dissents and procedure dates are
added; the act's revisions are kept. Every change is an event signed by the store's device
(`tekseru_ledger::SignedEvent`, see [`DeviceCard`]), chained to the device's previous event
and linked to the other devices' heads it holds, so that several laptops' work on one
inspection forms a DAG that [`Store::outgoing`] and [`Store::import`] exchange. The tables
are the fold of that DAG; [`Store::verify`] checks every signature, chain and link, replays
the DAG and compares the result with the tables, and re-hashes every file, naming what was
changed. Older stores' hash-chained trails ([`audit::Entry`]) are carried over, still
verifiable, at their first open.

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
mod exchange;
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
    exchange::{BlobRef, ImportReport, Incoming, Outgoing, StagedBlob},
    model::{
        ActDetails, ActRevision, Answer, AnswerChange, Choice, Conflict, DetailChange, Dissent,
        Evidence, Gps, Inspection, InspectionSummary, Inspector, InventoryRow, NewInspection,
        ProcedureEvent, Recommendation, Seal, Version,
    },
    store::{inventory_verdict, Store},
    trust::TrustedRoot,
    verify::Verification,
};
