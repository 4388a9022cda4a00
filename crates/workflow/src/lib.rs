/*!
An inspection's procedures that span the store, the act and the calendar.

# Brief overview

The store keeps what inspectors record; the act crate renders, signs and verifies PDFs; the
calendar counts working days. This crate joins them the way the commission works, so that
the CLI and the desktop app do exactly the same thing:

- [`act_data`] reads an inspection into the act's data: every item with its verdict,
  measurement, inventory and evidence, the violations found (every failing item, then the
  inspectors' own words), photos from the store's thumbnails, and what the PKI field checks
  measured (their reports attached as evidence, summed up typed for the act).
- [`render`] seals the inspection at its audit-chain head and keeps the rendered PDF as a
  revision in the store; [`sign`] adds one member's signature to the latest revision, and
  refuses when the inspection changed after the act was rendered or items are undecided;
  [`status`] verifies the latest revision against the store's trusted roots, with the quorum.
- [`dissent`] records why a member does not sign and writes the notice to the provider.
- [`timeline`] computes the procedure's deadlines from the recorded events.
- [`pki::attach_report`] keeps a PKI field check's report as evidence on an item and
  proposes its verdict.
*/
#![deny(missing_docs)]

mod act;
pub mod clock;
mod data;
mod error;
pub mod exchange;
mod measured;
mod ncalayer;
pub mod pki;
mod timeline;
mod trust;

pub use crate::{
    act::{dissent, latest_act, render, sign, status, ActStatus, Rendered},
    data::{act_data, today},
    error::{Result, WorkflowError},
    ncalayer::NcaLayerSigner,
    timeline::{procedure_of, recommend, record_event, remediation, timeline, Remediation},
    trust::{add_trusted_root, trusted_roots},
};

/// Reports progress (`done` of `total`); returning `false` asks the work to stop.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64) -> bool;
