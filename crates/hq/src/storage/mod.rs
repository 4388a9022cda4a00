//! HQ's database, behind one small trait with two backends: SQLite (the embedded default, a
//! file under the data dir) and PostgreSQL (for several `hq serve` processes side by side).
//!
//! Both run the same numbered migrations ([`MIGRATIONS`]) and the same SQL (`$1`-style
//! parameters, which SQLite reads positionally). Everything that must agree between
//! processes lives here: enrolment tokens, devices, the nonce store, events, blobs and the
//! partial uploads.

use std::future::Future;

use tekseru_ledger::VersionVector;

mod postgres;
mod sqlite;

pub use postgres::Postgres;
pub use sqlite::Sqlite;

/// The schema, one entry a version; each runs once, in order, in a transaction.
pub const MIGRATIONS: &[&str] = &[
    // 1: accounts, enrolment, devices, nonces, events, blobs.
    "CREATE TABLE account (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, \
        created_at BIGINT NOT NULL);
     CREATE TABLE token (hash TEXT PRIMARY KEY, inspector_iin TEXT NOT NULL, created_at BIGINT NOT NULL, \
        expires_at BIGINT NOT NULL, used_at BIGINT, used_by TEXT);
     CREATE TABLE device (id TEXT PRIMARY KEY, public_key TEXT NOT NULL, inspector_iin TEXT NOT NULL, \
        inspector_name TEXT NOT NULL, enrolled_at BIGINT NOT NULL, revoked_at BIGINT);
     CREATE TABLE nonce (device TEXT NOT NULL, nonce TEXT NOT NULL, expires_at BIGINT NOT NULL, \
        PRIMARY KEY (device, nonce));
     CREATE INDEX nonce_expiry ON nonce (expires_at);
     CREATE TABLE card (device TEXT PRIMARY KEY, public_key TEXT NOT NULL, inspector_name TEXT NOT NULL, \
        inspector_iin TEXT NOT NULL);
     CREATE TABLE inspection (id TEXT PRIMARY KEY, roster TEXT NOT NULL, created_by TEXT NOT NULL, \
        created_at BIGINT NOT NULL);
     CREATE TABLE event (inspection TEXT NOT NULL, device TEXT NOT NULL, seq BIGINT NOT NULL, \
        hash TEXT NOT NULL, json TEXT NOT NULL, received_at BIGINT NOT NULL, \
        PRIMARY KEY (inspection, device, seq));
     CREATE INDEX event_hash ON event (inspection, hash);
     CREATE TABLE blob (sha256 TEXT PRIMARY KEY, bytes BIGINT NOT NULL, committed_at BIGINT NOT NULL);
     CREATE TABLE inspection_blob (inspection TEXT NOT NULL, sha256 TEXT NOT NULL, \
        PRIMARY KEY (inspection, sha256));
     CREATE TABLE upload_part (sha256 TEXT NOT NULL, part_offset BIGINT NOT NULL, length BIGINT NOT NULL, \
        object TEXT NOT NULL, PRIMARY KEY (sha256, part_offset));
     CREATE TABLE alarm (at BIGINT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);",
];

/// Why the database failed or refused.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database itself failed.
    #[error("database error: {0}")]
    Database(String),
    /// A different event in a (device, seq) slot already held.
    #[error("device {device} already has a different event #{seq} in inspection {inspection}")]
    Fork {
        /// The inspection.
        inspection: String,
        /// The device.
        device: String,
        /// The slot.
        seq: u64,
    },
    /// An event does not follow its chain or names parents HQ does not hold.
    #[error("event {device}#{seq}: {reason}")]
    Chain {
        /// The device.
        device: String,
        /// Its seq.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
}

/// A device enrolled at HQ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRow {
    /// Its id.
    pub id: String,
    /// Its public key, text form.
    pub public_key: String,
    /// The inspector it is bound to (from the token).
    pub inspector_iin: String,
    /// The inspector's name, as the device gave it.
    pub inspector_name: String,
    /// When it enrolled, unix seconds.
    pub enrolled_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// A device card as HQ keeps it (enrolled devices' and those that travelled with a push).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardRow {
    /// The device id.
    pub device: String,
    /// Its public key, text form.
    pub public_key: String,
    /// The inspector's name.
    pub inspector_name: String,
    /// The inspector's IIN.
    pub inspector_iin: String,
}

/// One verified event to store.
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// Its device.
    pub device: String,
    /// Its seq.
    pub seq: u64,
    /// Its `prev`.
    pub prev: Option<String>,
    /// Its parents.
    pub parents: Vec<String>,
    /// Its hash.
    pub hash: String,
    /// The signed event's canonical JSON.
    pub json: String,
}

/// What a push did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PushOutcome {
    /// Events stored.
    pub new_events: usize,
    /// Events already held, identical.
    pub known_events: usize,
}

/// A part of a partial upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// Where it starts.
    pub offset: u64,
    /// Its length.
    pub length: u64,
    /// The object holding its bytes.
    pub object: String,
}

/// HQ's database. Every method is one statement or one transaction.
pub trait Storage: Send + Sync + 'static {
    /// Runs the migrations not yet run (several processes may race: one wins, the others wait).
    fn migrate(&self) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Adds or replaces an HQ staff account.
    fn set_account(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// An account's password hash.
    fn account_hash(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, StorageError>> + Send;

    /// Records an enrolment token (by its SHA-256) for an inspector.
    fn add_token(
        &self,
        hash: &str,
        inspector_iin: &str,
        now: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Marks the token used by `device` if it is unused and unexpired, atomically; gives the
    /// inspector it was issued for, or `None`.
    fn redeem_token(
        &self,
        hash: &str,
        device: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<String>, StorageError>> + Send;

    /// Enrols a device; `false` when its id is enrolled already.
    fn enrol(&self, device: &DeviceRow) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// One enrolled device.
    fn device(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<DeviceRow>, StorageError>> + Send;

    /// Every enrolled device, by enrolment time.
    fn devices(&self) -> impl Future<Output = Result<Vec<DeviceRow>, StorageError>> + Send;

    /// Revokes a device; `false` when there is no such device or it was revoked already.
    fn revoke(&self, id: &str, now: i64)
        -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Records a nonce; `false` when the device used it before (and it has not expired).
    /// Expired nonces are dropped on the way.
    fn use_nonce(
        &self,
        device: &str,
        nonce: &str,
        expires_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// The cards of these devices that HQ holds.
    fn cards(
        &self,
        devices: &[String],
    ) -> impl Future<Output = Result<Vec<CardRow>, StorageError>> + Send;

    /// The IINs of an inspection's roster, if HQ holds the inspection.
    fn roster(
        &self,
        inspection: &str,
    ) -> impl Future<Output = Result<Option<Vec<String>>, StorageError>> + Send;

    /// The inspections whose roster holds this IIN, sorted.
    fn inspections_of(
        &self,
        iin: &str,
    ) -> impl Future<Output = Result<Vec<String>, StorageError>> + Send;

    /// HQ's vector of an inspection.
    fn vector(
        &self,
        inspection: &str,
    ) -> impl Future<Output = Result<VersionVector, StorageError>> + Send;

    /// The events HQ holds beyond `have`, each device's chain in seq order.
    fn events_beyond(
        &self,
        inspection: &str,
        have: &VersionVector,
    ) -> impl Future<Output = Result<Vec<String>, StorageError>> + Send;

    /// Stores a push in one transaction: the cards, the inspection's roster (when this push
    /// creates it) and the events, each checked against its slot and its chain. All or
    /// nothing: a fork or a broken chain stores nothing.
    fn push(
        &self,
        inspection: &str,
        creation: Option<(&[String], &str)>,
        cards: &[CardRow],
        events: &[NewEvent],
        now: i64,
    ) -> impl Future<Output = Result<PushOutcome, StorageError>> + Send;

    /// Records an alarm (a fork) for the staff.
    fn alarm(
        &self,
        kind: &str,
        detail: &str,
        now: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The size of a committed blob.
    fn blob(&self, sha256: &str) -> impl Future<Output = Result<Option<u64>, StorageError>> + Send;

    /// Whether an inspection references a committed blob.
    fn inspection_has_blob(
        &self,
        inspection: &str,
        sha256: &str,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Links a committed blob to an inspection.
    fn link_blob(
        &self,
        inspection: &str,
        sha256: &str,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The parts of a partial upload, by offset.
    fn parts(&self, sha256: &str) -> impl Future<Output = Result<Vec<Part>, StorageError>> + Send;

    /// Records a part; `false` when another part holds that offset already.
    fn add_part(
        &self,
        sha256: &str,
        part: &Part,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Commits a blob and forgets its parts' rows, in one transaction; `false` when it was
    /// committed already.
    fn commit_blob(
        &self,
        sha256: &str,
        bytes: u64,
        now: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Forgets the parts of an upload.
    fn drop_parts(&self, sha256: &str) -> impl Future<Output = Result<(), StorageError>> + Send;
}

/// Reads an i64 column as the u64 it was written from.
pub(crate) fn to_u64(v: i64) -> Result<u64, StorageError> {
    u64::try_from(v)
        .map_err(|_| StorageError::Database(format!("negative count {v} in the database")))
}

/// A u64 as the i64 the databases store.
pub(crate) fn to_i64(v: u64) -> Result<i64, StorageError> {
    i64::try_from(v)
        .map_err(|_| StorageError::Database(format!("count {v} too large for the database")))
}

/// Checks one event of a push against what is held: `slot` is the hash held at its
/// (device, seq), `prev_held` the hash held at (device, seq - 1), `parents_missing` the
/// first parent held nowhere. `Ok(true)`: new; `Ok(false)`: already held.
pub(crate) fn check_event(
    inspection: &str,
    event: &NewEvent,
    slot: Option<&str>,
    prev_held: Option<&str>,
    parent_missing: Option<&str>,
) -> Result<bool, StorageError> {
    if let Some(held) = slot {
        if held == event.hash {
            return Ok(false);
        }
        return Err(StorageError::Fork {
            inspection: inspection.to_owned(),
            device: event.device.clone(),
            seq: event.seq,
        });
    }
    let chain = |reason: String| StorageError::Chain {
        device: event.device.clone(),
        seq: event.seq,
        reason,
    };
    if event.seq > 1 {
        match (prev_held, event.prev.as_deref()) {
            (None, _) => {
                return Err(chain(format!(
                    "HQ does not hold the device's event #{} before it",
                    event.seq - 1
                )))
            }
            (Some(held), Some(prev)) if held == prev => {}
            _ => {
                return Err(chain(
                    "its 'prev' is not the hash of the event before it".into(),
                ))
            }
        }
    }
    if let Some(parent) = parent_missing {
        return Err(chain(format!("HQ does not hold its parent {parent}")));
    }
    Ok(true)
}
