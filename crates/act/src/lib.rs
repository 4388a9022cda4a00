//! The inspection act: rendering to PDF, signing by each commission member in turn, and
//! verification with the quorum of 224/НҚ.
//!
//! - [`render_act`] turns [`ActData`] into a PDF (A4, Kazakh and/or Russian, fonts embedded
//!   and subset) with the data attached as a JSON manifest, so that verification needs only
//!   the PDF. The same data and creation time give the same bytes.
//!   Each member who may sign has an empty signature field on their line of the signatures
//!   table ([`signature_fields`]).
//! - [`sign`] appends one member's detached CMS signature (SHA-256, PAdES
//!   `ETSI.CAdES.detached`) in an incremental update, filling the member's field with a
//!   visible stamp ([`Appearance`]: name, IIN, certificate, issuer, signing time); earlier
//!   signatures stay valid. A [`Signer`] makes the CMS: [`Pkcs12Signer`] now, an
//!   NCALayer signer later.
//! - The act's fixed wording (every Kazakh and Russian sentence, with its citation of 224/НҚ)
//!   is data, `assets/act/wording.toml`, compiled in and checked against the law's text
//!   ([`wording_citations`]).
//! - [`verify`] checks every signature (at its own signing time), what every incremental
//!   update changed (only signing is allowed after a signature: DocMDP P=2, the
//!   incremental-saving attack), whether the file changed after the last one, whether the
//!   manifest matches, whether the pages are the manifest's (revision 1 drawn again and
//!   compared byte for byte, [`RENDERER`]), whether the roster is the inspection's (when
//!   given), and evaluates the quorum over the signatures that count.
#![deny(missing_docs)]

mod data;
mod layout;
mod pdf;
mod render;
mod revisions;
mod sign;
mod stamp;
mod verify;
mod wording;

/// The EDS crate the act signs and verifies with (certificates, CRLs, anchors).
pub use tekseru_eds as eds;

pub use crate::{
    data::{
        ActData, ActItem, Basis, Bilingual, Ca, Dissent, Equipment, EvidenceEntry, EvidenceRef,
        InventoryRow, Lang, Measurement, Notice, Photo, PkiMeasured, PkiVerdict, Recommendation,
        Site,
    },
    pdf::SignatureField,
    render::{
        render_act, render_dissent, Languages, RenderOptions, MANIFEST_NAME, RENDERER,
        RENDER_FORMAT, TRAINING_MARK,
    },
    revisions::{Change, Level},
    sign::{sign, signature_fields, subject_line, Pkcs12Signer, Signer},
    stamp::Appearance,
    verify::{
        verify, CertificateReport, ExpectedRoster, Pages, SignatureReport, Verification,
        VerifyOptions,
    },
    wording::citations as wording_citations,
};

/// What can go wrong with an act.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    /// The input is not usable.
    #[error("{0}")]
    Input(String),
    /// The PDF is not one we can read or write.
    #[error("pdf: {0}")]
    Pdf(String),
    /// The signer is not on the act's roster.
    #[error(
        "IIN {0} is not on the commission's roster in this act's manifest: only its members sign"
    )]
    NotOnRoster(String),
    /// The certificate does not belong to the member.
    #[error("{0}")]
    Certificate(String),
    /// The key store cannot be opened.
    #[error("{0}")]
    KeyStore(String),
    /// A cryptographic operation failed.
    #[error("crypto: {0}")]
    Crypto(String),
}
