//! The database schema and its migrations, numbered by `PRAGMA user_version`.

use rusqlite::Connection;

use crate::error::{Result, StoreError};

/// Each migration takes the schema from version `i` to `i + 1`; never edit a shipped one.
const MIGRATIONS: &[&str] = &[
    // 1: inspections, answers, evidence, acts, audit trail.
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE inspection (
    id TEXT PRIMARY KEY,
    ca_name TEXT NOT NULL,
    bin TEXT NOT NULL,
    site TEXT NOT NULL,
    checklist TEXT NOT NULL,
    roster TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    findings TEXT NOT NULL DEFAULT '',
    conclusions TEXT NOT NULL DEFAULT '',
    recommendations TEXT NOT NULL DEFAULT '[]',
    dissents TEXT NOT NULL DEFAULT '[]',
    events TEXT NOT NULL DEFAULT '[]',
    seal TEXT,
    amendments INTEGER NOT NULL DEFAULT 0,
    head TEXT NOT NULL,
    seq INTEGER NOT NULL
);
CREATE TABLE answer (
    inspection TEXT NOT NULL REFERENCES inspection(id),
    item TEXT NOT NULL,
    verdict TEXT,
    value REAL,
    note TEXT,
    inventory TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (inspection, item)
);
CREATE TABLE evidence (
    inspection TEXT NOT NULL REFERENCES inspection(id),
    n INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    item TEXT,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    captured_at TEXT,
    gps TEXT,
    PRIMARY KEY (inspection, n)
);
CREATE INDEX evidence_item ON evidence (inspection, item);
CREATE TABLE act (
    inspection TEXT NOT NULL REFERENCES inspection(id),
    n INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    kind TEXT NOT NULL,
    member TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (inspection, n)
);
CREATE TABLE blob (sha256 TEXT PRIMARY KEY, bytes INTEGER NOT NULL, chunks INTEGER NOT NULL);
CREATE TABLE chunk (sha256 TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (sha256, seq));
CREATE TABLE thumbnail (sha256 TEXT PRIMARY KEY, jpeg BLOB NOT NULL);
CREATE TABLE audit (
    inspection TEXT NOT NULL,
    seq INTEGER NOT NULL,
    entry TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (inspection, seq)
);
"#,
    // 2: the root certificates the act's signatures are checked against, kept encrypted
    // with the rest so that no one can slip a root in behind the store's back.
    r#"
CREATE TABLE trusted_root (
    sha256 TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    pem TEXT NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
);
"#,
    // 3: training inspections (NCA TEST keys, no legal force); every older one is real.
    r#"
ALTER TABLE inspection ADD COLUMN training INTEGER NOT NULL DEFAULT 0;
"#,
    // 4: the act's details (order, number, legal address, representatives, subject, start,
    // written violations) and the quorum settings pinned at creation (NULL: the defaults).
    r#"
ALTER TABLE inspection ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
ALTER TABLE inspection ADD COLUMN settings TEXT;
"#,
    // 5: devices and their signed events. Each store has its own device (`own` = 1, its
    // Ed25519 secret kept here only); other devices are recorded when a person accepts them.
    // Every change is an event of one device's chain (inspection, device, seq), linked to
    // its own previous event (`prev`) and to the other devices' heads it had seen
    // (`parents`, a JSON array; `event_parent` holds the same links for lookups). The
    // audit rows of older stores are carried over into the own device's chain at first
    // open; `legacy_head` keeps the head their inspection had then.
    r#"
CREATE TABLE device (
    id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL UNIQUE,
    fingerprint TEXT NOT NULL UNIQUE,
    inspector_name TEXT NOT NULL,
    inspector_iin TEXT NOT NULL DEFAULT '',
    accepted_at TEXT NOT NULL,
    accepted_by TEXT NOT NULL,
    own INTEGER NOT NULL DEFAULT 0,
    secret BLOB
);
CREATE UNIQUE INDEX device_own ON device (own) WHERE own = 1;
CREATE TABLE event (
    inspection TEXT NOT NULL,
    device TEXT NOT NULL REFERENCES device(id),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prev TEXT,
    parents TEXT NOT NULL DEFAULT '[]',
    at TEXT NOT NULL,
    body TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (inspection, device, seq)
);
CREATE TABLE event_parent (
    parent TEXT NOT NULL,
    child TEXT NOT NULL,
    PRIMARY KEY (parent, child)
);
CREATE TABLE legacy_head (inspection TEXT PRIMARY KEY, head TEXT NOT NULL);
"#,
    // 6: the conflicts the fold of the merged DAG leaves open, each with its versions (JSON).
    r#"
CREATE TABLE IF NOT EXISTS conflict (
    inspection TEXT NOT NULL REFERENCES inspection(id),
    item TEXT NOT NULL,
    field TEXT NOT NULL,
    versions TEXT NOT NULL,
    PRIMARY KEY (inspection, item, field)
);
"#,
];

/// Brings the schema up to date, each migration in its own transaction.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "the store's schema is version {version}, newer than this tekseru ({}); update tekseru",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
