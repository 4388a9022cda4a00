//! The root certificates that the act's signatures are checked against.
//!
//! They are kept in the encrypted store (not in a file beside it), so that adding one is as
//! deliberate as any other change. The store keeps PEM text; parsing and checking the
//! certificate is the caller's job (the store knows no cryptography beyond hashing).

use rusqlite::params;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::Change;
use crate::error::Result;
use crate::store::{append, now, Store};

/// A trusted root certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedRoot {
    /// SHA-256 of the PEM text's certificate (as the caller gives it), hex.
    pub sha256: String,
    /// The certificate's subject, as the caller read it.
    pub subject: String,
    /// The certificate, PEM.
    pub pem: String,
    /// When it was added.
    pub added_at: String,
    /// Who added it.
    pub added_by: String,
}

impl Store {
    /// The trusted root certificates, oldest first.
    pub fn trusted_roots(&self) -> Result<Vec<TrustedRoot>> {
        let mut stmt = self.conn.prepare(
            "SELECT sha256, subject, pem, added_at, added_by FROM trusted_root ORDER BY added_at, sha256",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TrustedRoot {
                sha256: r.get(0)?,
                subject: r.get(1)?,
                pem: r.get(2)?,
                added_at: r.get(3)?,
                added_by: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds a root certificate (`der`: its DER bytes, which identify it; `pem`: its text),
    /// and records it in the audit trail of every inspection, in the same transaction.
    /// Returns `false` when it was already trusted.
    pub fn add_trusted_root(&mut self, der: &[u8], subject: &str, pem: &str) -> Result<bool> {
        let sha256 = crate::key::hex(&Sha256::digest(der));
        let (tx, who) = self.begin()?;
        let added = tx.execute(
            "INSERT OR IGNORE INTO trusted_root (sha256, subject, pem, added_at, added_by) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![sha256, subject, pem, now(), who.name],
        )?;
        if added == 1 {
            let ids: Vec<String> = tx
                .prepare("SELECT id FROM inspection ORDER BY created_at, id")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in ids {
                append(
                    &tx,
                    who,
                    &id,
                    Change::RootTrusted {
                        sha256: sha256.clone(),
                        subject: subject.to_owned(),
                    },
                )?;
            }
        }
        tx.commit()?;
        Ok(added == 1)
    }
}
