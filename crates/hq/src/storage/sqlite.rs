//! The embedded backend: one SQLite file (through the workspace's rusqlite, SQLCipher's build
//! used unkeyed), WAL mode, one connection behind a mutex.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tekseru_ledger::{DeviceId, VersionVector};

use super::{
    check_event, to_i64, to_u64, CardRow, DeviceRow, NewEvent, Part, PushOutcome, Storage,
    StorageError, MIGRATIONS,
};

/// HQ's database in a SQLite file.
#[derive(Debug)]
pub struct Sqlite {
    conn: Mutex<Connection>,
}

fn db(e: rusqlite::Error) -> StorageError {
    StorageError::Database(format!("sqlite: {e}"))
}

impl Sqlite {
    /// Opens (creating) the database file.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(path: &Path) -> Result<Sqlite, StorageError> {
        let conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db)?;
        Ok(Sqlite {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>, StorageError> {
        self.conn
            .lock()
            .map_err(|_| StorageError::Database("sqlite: the connection's lock is poisoned".into()))
    }
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        id: r.get(0)?,
        public_key: r.get(1)?,
        inspector_iin: r.get(2)?,
        inspector_name: r.get(3)?,
        enrolled_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

const DEVICE_COLUMNS: &str =
    "id, public_key, inspector_iin, inspector_name, enrolled_at, revoked_at";

impl Storage for Sqlite {
    async fn migrate(&self) -> Result<(), StorageError> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        tx.execute_batch("CREATE TABLE IF NOT EXISTS migration (version BIGINT PRIMARY KEY)")
            .map_err(db)?;
        let done: i64 = tx
            .query_row("SELECT COALESCE(MAX(version), 0) FROM migration", [], |r| {
                r.get(0)
            })
            .map_err(db)?;
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            let version = i64::try_from(i + 1)
                .map_err(|_| StorageError::Database("too many migrations".into()))?;
            if version > done {
                tx.execute_batch(sql).map_err(db)?;
                tx.execute("INSERT INTO migration (version) VALUES ($1)", [version])
                    .map_err(db)?;
            }
        }
        tx.commit().map_err(db)
    }

    async fn set_account(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        self.conn()?
            .execute(
                "INSERT INTO account (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
                params![name, role, password_hash, now],
            )
            .map_err(db)?;
        Ok(())
    }

    async fn account_hash(&self, name: &str) -> Result<Option<String>, StorageError> {
        self.conn()?
            .query_row(
                "SELECT password_hash FROM account WHERE name = $1",
                [name],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
    }

    async fn add_token(
        &self,
        hash: &str,
        inspector_iin: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StorageError> {
        self.conn()?
            .execute(
                "INSERT INTO token (hash, inspector_iin, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                params![hash, inspector_iin, now, expires_at],
            )
            .map_err(db)?;
        Ok(())
    }

    async fn redeem_token(
        &self,
        hash: &str,
        device: &str,
        now: i64,
    ) -> Result<Option<String>, StorageError> {
        self.conn()?
            .query_row(
                "UPDATE token SET used_at = $1, used_by = $2 \
                 WHERE hash = $3 AND used_at IS NULL AND expires_at > $1 RETURNING inspector_iin",
                params![now, device, hash],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
    }

    async fn enrol(&self, d: &DeviceRow) -> Result<bool, StorageError> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let n = tx
            .execute(
                "INSERT INTO device (id, public_key, inspector_iin, inspector_name, enrolled_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                params![
                    d.id,
                    d.public_key,
                    d.inspector_iin,
                    d.inspector_name,
                    d.enrolled_at
                ],
            )
            .map_err(db)?;
        tx.execute(
            "INSERT INTO card (device, public_key, inspector_name, inspector_iin) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (device) DO UPDATE SET inspector_name = excluded.inspector_name, \
             inspector_iin = excluded.inspector_iin",
            params![d.id, d.public_key, d.inspector_name, d.inspector_iin],
        )
        .map_err(db)?;
        if n == 1 {
            tx.commit().map_err(db)?;
        }
        Ok(n == 1)
    }

    async fn device(&self, id: &str) -> Result<Option<DeviceRow>, StorageError> {
        self.conn()?
            .query_row(
                &format!("SELECT {DEVICE_COLUMNS} FROM device WHERE id = $1"),
                [id],
                device_row,
            )
            .optional()
            .map_err(db)
    }

    async fn devices(&self) -> Result<Vec<DeviceRow>, StorageError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM device ORDER BY enrolled_at, id"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([], device_row).map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    async fn revoke(&self, id: &str, now: i64) -> Result<bool, StorageError> {
        let n = self
            .conn()?
            .execute(
                "UPDATE device SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                params![now, id],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn use_nonce(
        &self,
        device: &str,
        nonce: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StorageError> {
        let conn = self.conn()?;
        conn.execute("DELETE FROM nonce WHERE expires_at < $1", [now])
            .map_err(db)?;
        let n = conn
            .execute(
                "INSERT INTO nonce (device, nonce, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (device, nonce) DO NOTHING",
                params![device, nonce, expires_at],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn cards(&self, devices: &[String]) -> Result<Vec<CardRow>, StorageError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare(
                "SELECT device, public_key, inspector_name, inspector_iin FROM card WHERE device = $1",
            )
            .map_err(db)?;
        let mut out = Vec::new();
        for d in devices {
            let card = stmt
                .query_row([d], |r| {
                    Ok(CardRow {
                        device: r.get(0)?,
                        public_key: r.get(1)?,
                        inspector_name: r.get(2)?,
                        inspector_iin: r.get(3)?,
                    })
                })
                .optional()
                .map_err(db)?;
            out.extend(card);
        }
        Ok(out)
    }

    async fn roster(&self, inspection: &str) -> Result<Option<Vec<String>>, StorageError> {
        let text: Option<String> = self
            .conn()?
            .query_row(
                "SELECT roster FROM inspection WHERE id = $1",
                [inspection],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| StorageError::Database(format!("the roster of {inspection}: {e}")))
        })
        .transpose()
    }

    async fn inspections_of(&self, iin: &str) -> Result<Vec<String>, StorageError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare("SELECT id, roster FROM inspection ORDER BY id")
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, roster) = row.map_err(db)?;
            let roster: Vec<String> = serde_json::from_str(&roster)
                .map_err(|e| StorageError::Database(format!("the roster of {id}: {e}")))?;
            if roster.iter().any(|r| r == iin) {
                out.push(id);
            }
        }
        Ok(out)
    }

    async fn vector(&self, inspection: &str) -> Result<VersionVector, StorageError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare("SELECT device, MAX(seq) FROM event WHERE inspection = $1 GROUP BY device")
            .map_err(db)?;
        let rows = stmt
            .query_map([inspection], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db)?;
        let mut vector = VersionVector::new();
        for row in rows {
            let (device, seq) = row.map_err(db)?;
            let device: DeviceId = device
                .parse()
                .map_err(|e| StorageError::Database(format!("device id in the database: {e}")))?;
            vector.observe(&device, to_u64(seq)?);
        }
        Ok(vector)
    }

    async fn events_beyond(
        &self,
        inspection: &str,
        have: &VersionVector,
    ) -> Result<Vec<String>, StorageError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare(
                "SELECT device, seq, json FROM event WHERE inspection = $1 \
                 ORDER BY received_at, device, seq",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([inspection], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (device, seq, json) = row.map_err(db)?;
            let held = device
                .parse::<DeviceId>()
                .map(|d| have.get(&d))
                .unwrap_or(0);
            if to_u64(seq)? > held {
                out.push(json);
            }
        }
        Ok(out)
    }

    async fn push(
        &self,
        inspection: &str,
        creation: Option<(&[String], &str)>,
        cards: &[CardRow],
        events: &[NewEvent],
        now: i64,
    ) -> Result<PushOutcome, StorageError> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        for c in cards {
            tx.execute(
                "INSERT INTO card (device, public_key, inspector_name, inspector_iin) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (device) DO NOTHING",
                params![c.device, c.public_key, c.inspector_name, c.inspector_iin],
            )
            .map_err(db)?;
        }
        if let Some((roster, by)) = creation {
            let roster = serde_json::to_string(roster)
                .map_err(|e| StorageError::Database(format!("roster: {e}")))?;
            tx.execute(
                "INSERT INTO inspection (id, roster, created_by, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO NOTHING",
                params![inspection, roster, by, now],
            )
            .map_err(db)?;
        }
        let mut outcome = PushOutcome::default();
        for e in events {
            let slot_hash = |seq: i64| -> Result<Option<String>, StorageError> {
                tx.query_row(
                    "SELECT hash FROM event WHERE inspection = $1 AND device = $2 AND seq = $3",
                    params![inspection, e.device, seq],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)
            };
            let seq = to_i64(e.seq)?;
            let slot = slot_hash(seq)?;
            let prev = if slot.is_none() && seq > 1 {
                slot_hash(seq - 1)?
            } else {
                None
            };
            let mut missing = None;
            if slot.is_none() {
                for p in &e.parents {
                    let held: Option<i64> = tx
                        .query_row(
                            "SELECT 1 FROM event WHERE inspection = $1 AND hash = $2 LIMIT 1",
                            params![inspection, p],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(db)?;
                    if held.is_none() {
                        missing = Some(p.as_str());
                        break;
                    }
                }
            }
            if check_event(inspection, e, slot.as_deref(), prev.as_deref(), missing)? {
                tx.execute(
                    "INSERT INTO event (inspection, device, seq, hash, json, received_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    params![inspection, e.device, seq, e.hash, e.json, now],
                )
                .map_err(db)?;
                outcome.new_events += 1;
            } else {
                outcome.known_events += 1;
            }
        }
        tx.commit().map_err(db)?;
        Ok(outcome)
    }

    async fn alarm(&self, kind: &str, detail: &str, now: i64) -> Result<(), StorageError> {
        self.conn()?
            .execute(
                "INSERT INTO alarm (at, kind, detail) VALUES ($1, $2, $3)",
                params![now, kind, detail],
            )
            .map_err(db)?;
        Ok(())
    }

    async fn blob(&self, sha256: &str) -> Result<Option<u64>, StorageError> {
        let bytes: Option<i64> = self
            .conn()?
            .query_row("SELECT bytes FROM blob WHERE sha256 = $1", [sha256], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db)?;
        bytes.map(to_u64).transpose()
    }

    async fn inspection_has_blob(
        &self,
        inspection: &str,
        sha256: &str,
    ) -> Result<bool, StorageError> {
        let held: Option<i64> = self
            .conn()?
            .query_row(
                "SELECT 1 FROM inspection_blob WHERE inspection = $1 AND sha256 = $2",
                [inspection, sha256],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        Ok(held.is_some())
    }

    async fn link_blob(&self, inspection: &str, sha256: &str) -> Result<(), StorageError> {
        self.conn()?
            .execute(
                "INSERT INTO inspection_blob (inspection, sha256) VALUES ($1, $2) \
                 ON CONFLICT (inspection, sha256) DO NOTHING",
                [inspection, sha256],
            )
            .map_err(db)?;
        Ok(())
    }

    async fn parts(&self, sha256: &str) -> Result<Vec<Part>, StorageError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare(
                "SELECT part_offset, length, object FROM upload_part WHERE sha256 = $1 \
                 ORDER BY part_offset",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([sha256], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (offset, length, object) = row.map_err(db)?;
            out.push(Part {
                offset: to_u64(offset)?,
                length: to_u64(length)?,
                object,
            });
        }
        Ok(out)
    }

    async fn add_part(&self, sha256: &str, part: &Part) -> Result<bool, StorageError> {
        let n = self
            .conn()?
            .execute(
                "INSERT INTO upload_part (sha256, part_offset, length, object) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (sha256, part_offset) DO NOTHING",
                params![sha256, to_i64(part.offset)?, to_i64(part.length)?, part.object],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn commit_blob(&self, sha256: &str, bytes: u64, now: i64) -> Result<bool, StorageError> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let n = tx
            .execute(
                "INSERT INTO blob (sha256, bytes, committed_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (sha256) DO NOTHING",
                params![sha256, to_i64(bytes)?, now],
            )
            .map_err(db)?;
        tx.execute("DELETE FROM upload_part WHERE sha256 = $1", [sha256])
            .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(n == 1)
    }

    async fn drop_parts(&self, sha256: &str) -> Result<(), StorageError> {
        self.conn()?
            .execute("DELETE FROM upload_part WHERE sha256 = $1", [sha256])
            .map_err(db)?;
        Ok(())
    }
}
