//! What can go wrong with a store, said so that the user knows what to do.

use std::path::PathBuf;

/// An error of the store. Nothing is written when an operation fails: each operation is one
/// transaction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The passphrase does not open this store.
    #[error("wrong passphrase for the store in '{0}' (nothing was changed)")]
    WrongPassphrase(PathBuf),
    /// No store in this directory yet.
    #[error("no store in '{0}' (create one first)")]
    NotFound(PathBuf),
    /// A store already exists where one was to be created.
    #[error("a store already exists in '{0}'")]
    AlreadyExists(PathBuf),
    /// The store's header file is damaged or of an unknown format.
    #[error("{path}: {reason}")]
    BadHeader {
        /// The header file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// No inspection with this id.
    #[error("no inspection '{0}' in this store")]
    NoInspection(String),
    /// The request does not fit the inspection (an unknown item, a verdict a measurement cannot
    /// take, …).
    #[error("{0}")]
    Invalid(String),
    /// The inspection changed (another writer) since the state an act was made from.
    #[error("inspection '{0}' changed while its act was being made (another window or the command line wrote to it); nothing was kept")]
    HeadMoved(String),
    /// No evidence with this hash in the inspection.
    #[error("no evidence {sha256} in inspection '{inspection}'")]
    NoEvidence {
        /// The inspection.
        inspection: String,
        /// The hash asked for.
        sha256: String,
    },
    /// The disk filled up; the operation was rolled back.
    #[error("the disk is full: nothing was written (free some space and try again)")]
    DiskFull,
    /// The user stopped a long operation; it was rolled back.
    #[error("cancelled: nothing was written")]
    Cancelled,
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// The database refused an operation.
    #[error("the store's database: {0}")]
    Db(rusqlite::Error),
    /// A change cannot be recorded faithfully in the audit trail; nothing was written.
    #[error(transparent)]
    Encoding(#[from] crate::audit::EncodingError),
    /// An import holds events of a device this store has not accepted: show its
    /// fingerprint and inspector, and import again with it accepted if the person confirms.
    #[error("device {fingerprint} ({inspector}) is not accepted in this store: compare its fingerprint with the one its inspector's `tekseru device show` prints, then accept it")]
    UnknownDevice {
        /// The device's fingerprint (SHA-256 of its public key, hex).
        fingerprint: String,
        /// The inspector its card names.
        inspector: String,
    },
    /// Two different events claim the same place in one device's chain: the device's key
    /// signed two histories. Never merged; nothing was imported.
    #[error("fork: device {device} signed two different events #{seq}; nothing was imported (the device's key may be copied or stolen)")]
    Fork {
        /// The device.
        device: String,
        /// The place in its chain.
        seq: u64,
    },
    /// An import was refused; the reason names the event or blob. Nothing was written.
    #[error("import refused: {0}; nothing was written")]
    Refused(String),
    /// The store holds data this version cannot read.
    #[error("the store's data is damaged: {0} (run `tekseru audit verify`)")]
    Corrupt(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> StoreError {
        if let rusqlite::Error::SqliteFailure(e, _) = &err {
            if e.code == rusqlite::ErrorCode::DiskFull {
                return StoreError::DiskFull;
            }
        }
        StoreError::Db(err)
    }
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> StoreError {
        if source.raw_os_error() == Some(28) {
            return StoreError::DiskFull;
        }
        StoreError::Io {
            path: path.into(),
            source,
        }
    }
}

/// The result of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
