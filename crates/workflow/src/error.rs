//! What can go wrong in a procedure.

use tekseru_act::ActError;
use tekseru_calendar::CalendarError;
use tekseru_store::StoreError;

/// An error of a procedure: the part that failed says what and where.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Rendering, signing or verifying the act failed.
    #[error(transparent)]
    Act(#[from] ActError),
    /// The calendar cannot count the dates.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// The step is not allowed now, or the input is not usable; the text says why.
    #[error("{0}")]
    Refused(String),
    /// The user cancelled; nothing was written.
    #[error("cancelled; nothing was written")]
    Cancelled,
}

/// A procedure's result.
pub type Result<T> = std::result::Result<T, WorkflowError>;
