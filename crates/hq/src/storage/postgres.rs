//! The backend for scale: PostgreSQL through tokio-postgres (queries checked at run time),
//! a small fixed pool of connections. Several `hq serve` processes may share one database:
//! slots, tokens, nonces and parts are decided by primary keys, migrations under an advisory
//! lock.

use std::sync::atomic::{AtomicUsize, Ordering};

use tekseru_ledger::{DeviceId, VersionVector};
use tokio::sync::Mutex;
use tokio_postgres::{Client, GenericClient, NoTls, Row};

use super::{
    check_event, to_i64, to_u64, CardRow, DeviceRow, NewEvent, Part, PushOutcome, Storage,
    StorageError, MIGRATIONS,
};

/// HQ's database on a PostgreSQL server.
#[derive(Debug)]
pub struct Postgres {
    pool: Vec<Mutex<Client>>,
    next: AtomicUsize,
}

fn db(e: tokio_postgres::Error) -> StorageError {
    StorageError::Database(format!("postgresql: {e}"))
}

/// An arbitrary constant: the advisory lock the migrations run under.
const MIGRATION_LOCK: i64 = 0x0074_656b_7365_7275;

impl Postgres {
    /// Connects `connections` clients to `url` (`postgres://user@host:port/db`), without TLS:
    /// the database is expected on the same host or a private network.
    ///
    /// # Errors
    /// When a connection fails.
    pub async fn connect(url: &str, connections: usize) -> Result<Postgres, StorageError> {
        let mut pool = Vec::new();
        for _ in 0..connections.max(1) {
            let (client, connection) = tokio_postgres::connect(url, NoTls).await.map_err(db)?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    eprintln!("hq: the connection to postgresql failed: {e}");
                }
            });
            pool.push(Mutex::new(client));
        }
        Ok(Postgres {
            pool,
            next: AtomicUsize::new(0),
        })
    }

    async fn client(&self) -> Result<tokio::sync::MutexGuard<'_, Client>, StorageError> {
        // Round robin; a connection is held for one statement or one transaction.
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.pool.len().max(1);
        match self.pool.get(i) {
            Some(c) => Ok(c.lock().await),
            None => Err(StorageError::Database("postgresql: no connection".into())),
        }
    }
}

fn device_row(r: &Row) -> Result<DeviceRow, StorageError> {
    Ok(DeviceRow {
        id: r.try_get(0).map_err(db)?,
        public_key: r.try_get(1).map_err(db)?,
        inspector_iin: r.try_get(2).map_err(db)?,
        inspector_name: r.try_get(3).map_err(db)?,
        enrolled_at: r.try_get(4).map_err(db)?,
        revoked_at: r.try_get(5).map_err(db)?,
    })
}

const DEVICE_COLUMNS: &str =
    "id, public_key, inspector_iin, inspector_name, enrolled_at, revoked_at";

async fn slot_hash<C: GenericClient>(
    c: &C,
    inspection: &str,
    device: &str,
    seq: i64,
) -> Result<Option<String>, StorageError> {
    let row = c
        .query_opt(
            "SELECT hash FROM event WHERE inspection = $1 AND device = $2 AND seq = $3",
            &[&inspection, &device, &seq],
        )
        .await
        .map_err(db)?;
    row.map(|r| r.try_get(0).map_err(db)).transpose()
}

impl Storage for Postgres {
    async fn migrate(&self) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS migration (version BIGINT PRIMARY KEY)")
            .await
            .map_err(db)?;
        let done: i64 = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM migration", &[])
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)?;
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            let version = i64::try_from(i + 1)
                .map_err(|_| StorageError::Database("too many migrations".into()))?;
            if version > done {
                tx.batch_execute(sql).await.map_err(db)?;
                tx.execute("INSERT INTO migration (version) VALUES ($1)", &[&version])
                    .await
                    .map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)
    }

    async fn set_account(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO account (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
                &[&name, &role, &password_hash, &now],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn account_hash(&self, name: &str) -> Result<Option<String>, StorageError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT password_hash FROM account WHERE name = $1",
                &[&name],
            )
            .await
            .map_err(db)?;
        row.map(|r| r.try_get(0).map_err(db)).transpose()
    }

    async fn add_token(
        &self,
        hash: &str,
        inspector_iin: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StorageError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO token (hash, inspector_iin, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                &[&hash, &inspector_iin, &now, &expires_at],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn redeem_token(
        &self,
        hash: &str,
        device: &str,
        now: i64,
    ) -> Result<Option<String>, StorageError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "UPDATE token SET used_at = $1, used_by = $2 \
                 WHERE hash = $3 AND used_at IS NULL AND expires_at > $1 RETURNING inspector_iin",
                &[&now, &device, &hash],
            )
            .await
            .map_err(db)?;
        row.map(|r| r.try_get(0).map_err(db)).transpose()
    }

    async fn enrol(&self, d: &DeviceRow) -> Result<bool, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let n = tx
            .execute(
                "INSERT INTO device (id, public_key, inspector_iin, inspector_name, enrolled_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                &[
                    &d.id,
                    &d.public_key,
                    &d.inspector_iin,
                    &d.inspector_name,
                    &d.enrolled_at,
                ],
            )
            .await
            .map_err(db)?;
        tx.execute(
            "INSERT INTO card (device, public_key, inspector_name, inspector_iin) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (device) DO UPDATE SET inspector_name = excluded.inspector_name, \
             inspector_iin = excluded.inspector_iin",
            &[&d.id, &d.public_key, &d.inspector_name, &d.inspector_iin],
        )
        .await
        .map_err(db)?;
        if n == 1 {
            tx.commit().await.map_err(db)?;
        }
        Ok(n == 1)
    }

    async fn device(&self, id: &str) -> Result<Option<DeviceRow>, StorageError> {
        let row = self
            .client()
            .await?
            .query_opt(
                &format!("SELECT {DEVICE_COLUMNS} FROM device WHERE id = $1"),
                &[&id],
            )
            .await
            .map_err(db)?;
        row.as_ref().map(device_row).transpose()
    }

    async fn devices(&self) -> Result<Vec<DeviceRow>, StorageError> {
        let rows = self
            .client()
            .await?
            .query(
                &format!("SELECT {DEVICE_COLUMNS} FROM device ORDER BY enrolled_at, id"),
                &[],
            )
            .await
            .map_err(db)?;
        rows.iter().map(device_row).collect()
    }

    async fn revoke(&self, id: &str, now: i64) -> Result<bool, StorageError> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE device SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                &[&now, &id],
            )
            .await
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
        let client = self.client().await?;
        client
            .execute("DELETE FROM nonce WHERE expires_at < $1", &[&now])
            .await
            .map_err(db)?;
        let n = client
            .execute(
                "INSERT INTO nonce (device, nonce, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (device, nonce) DO NOTHING",
                &[&device, &nonce, &expires_at],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn cards(&self, devices: &[String]) -> Result<Vec<CardRow>, StorageError> {
        let client = self.client().await?;
        let mut out = Vec::new();
        for d in devices {
            let row = client
                .query_opt(
                    "SELECT device, public_key, inspector_name, inspector_iin FROM card WHERE device = $1",
                    &[d],
                )
                .await
                .map_err(db)?;
            if let Some(r) = row {
                out.push(CardRow {
                    device: r.try_get(0).map_err(db)?,
                    public_key: r.try_get(1).map_err(db)?,
                    inspector_name: r.try_get(2).map_err(db)?,
                    inspector_iin: r.try_get(3).map_err(db)?,
                });
            }
        }
        Ok(out)
    }

    async fn roster(&self, inspection: &str) -> Result<Option<Vec<String>>, StorageError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT roster FROM inspection WHERE id = $1",
                &[&inspection],
            )
            .await
            .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let text: String = row.try_get(0).map_err(db)?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StorageError::Database(format!("the roster of {inspection}: {e}")))
    }

    async fn inspections_of(&self, iin: &str) -> Result<Vec<String>, StorageError> {
        let rows = self
            .client()
            .await?
            .query("SELECT id, roster FROM inspection ORDER BY id", &[])
            .await
            .map_err(db)?;
        let mut out = Vec::new();
        for r in rows {
            let id: String = r.try_get(0).map_err(db)?;
            let roster: String = r.try_get(1).map_err(db)?;
            let roster: Vec<String> = serde_json::from_str(&roster)
                .map_err(|e| StorageError::Database(format!("the roster of {id}: {e}")))?;
            if roster.iter().any(|r| r == iin) {
                out.push(id);
            }
        }
        Ok(out)
    }

    async fn vector(&self, inspection: &str) -> Result<VersionVector, StorageError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT device, MAX(seq) FROM event WHERE inspection = $1 GROUP BY device",
                &[&inspection],
            )
            .await
            .map_err(db)?;
        let mut vector = VersionVector::new();
        for r in rows {
            let device: String = r.try_get(0).map_err(db)?;
            let seq: i64 = r.try_get(1).map_err(db)?;
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
        let rows = self
            .client()
            .await?
            .query(
                "SELECT device, seq, json FROM event WHERE inspection = $1 \
                 ORDER BY received_at, device, seq",
                &[&inspection],
            )
            .await
            .map_err(db)?;
        let mut out = Vec::new();
        for r in rows {
            let device: String = r.try_get(0).map_err(db)?;
            let seq: i64 = r.try_get(1).map_err(db)?;
            let held = device
                .parse::<DeviceId>()
                .map(|d| have.get(&d))
                .unwrap_or(0);
            if to_u64(seq)? > held {
                out.push(r.try_get(2).map_err(db)?);
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
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        for c in cards {
            tx.execute(
                "INSERT INTO card (device, public_key, inspector_name, inspector_iin) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (device) DO NOTHING",
                &[
                    &c.device,
                    &c.public_key,
                    &c.inspector_name,
                    &c.inspector_iin,
                ],
            )
            .await
            .map_err(db)?;
        }
        if let Some((roster, by)) = creation {
            let roster = serde_json::to_string(roster)
                .map_err(|e| StorageError::Database(format!("roster: {e}")))?;
            tx.execute(
                "INSERT INTO inspection (id, roster, created_by, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO NOTHING",
                &[&inspection, &roster, &by, &now],
            )
            .await
            .map_err(db)?;
        }
        let mut outcome = PushOutcome::default();
        for e in events {
            let seq = to_i64(e.seq)?;
            let slot = slot_hash(&tx, inspection, &e.device, seq).await?;
            let prev = if slot.is_none() && seq > 1 {
                slot_hash(&tx, inspection, &e.device, seq - 1).await?
            } else {
                None
            };
            let mut missing = None;
            if slot.is_none() {
                for p in &e.parents {
                    let held = tx
                        .query_opt(
                            "SELECT 1 FROM event WHERE inspection = $1 AND hash = $2 LIMIT 1",
                            &[&inspection, p],
                        )
                        .await
                        .map_err(db)?;
                    if held.is_none() {
                        missing = Some(p.as_str());
                        break;
                    }
                }
            }
            if check_event(inspection, e, slot.as_deref(), prev.as_deref(), missing)? {
                let n = tx
                    .execute(
                        "INSERT INTO event (inspection, device, seq, hash, json, received_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                        &[&inspection, &e.device, &seq, &e.hash, &e.json, &now],
                    )
                    .await
                    .map_err(db)?;
                if n == 1 {
                    outcome.new_events += 1;
                } else {
                    // Another process stored that slot meanwhile: the same event, or a fork.
                    let held = slot_hash(&tx, inspection, &e.device, seq).await?;
                    check_event(inspection, e, held.as_deref(), None, None)?;
                    outcome.known_events += 1;
                }
            } else {
                outcome.known_events += 1;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(outcome)
    }

    async fn alarm(&self, kind: &str, detail: &str, now: i64) -> Result<(), StorageError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO alarm (at, kind, detail) VALUES ($1, $2, $3)",
                &[&now, &kind, &detail],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn blob(&self, sha256: &str) -> Result<Option<u64>, StorageError> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT bytes FROM blob WHERE sha256 = $1", &[&sha256])
            .await
            .map_err(db)?;
        row.map(|r| r.try_get::<_, i64>(0).map_err(db).and_then(to_u64))
            .transpose()
    }

    async fn inspection_has_blob(
        &self,
        inspection: &str,
        sha256: &str,
    ) -> Result<bool, StorageError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT 1 FROM inspection_blob WHERE inspection = $1 AND sha256 = $2",
                &[&inspection, &sha256],
            )
            .await
            .map_err(db)?;
        Ok(row.is_some())
    }

    async fn link_blob(&self, inspection: &str, sha256: &str) -> Result<(), StorageError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO inspection_blob (inspection, sha256) VALUES ($1, $2) \
                 ON CONFLICT (inspection, sha256) DO NOTHING",
                &[&inspection, &sha256],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn parts(&self, sha256: &str) -> Result<Vec<Part>, StorageError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT part_offset, length, object FROM upload_part WHERE sha256 = $1 \
                 ORDER BY part_offset",
                &[&sha256],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Part {
                    offset: to_u64(r.try_get(0).map_err(db)?)?,
                    length: to_u64(r.try_get(1).map_err(db)?)?,
                    object: r.try_get(2).map_err(db)?,
                })
            })
            .collect()
    }

    async fn add_part(&self, sha256: &str, part: &Part) -> Result<bool, StorageError> {
        let n = self
            .client()
            .await?
            .execute(
                "INSERT INTO upload_part (sha256, part_offset, length, object) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (sha256, part_offset) DO NOTHING",
                &[&sha256, &to_i64(part.offset)?, &to_i64(part.length)?, &part.object],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn commit_blob(&self, sha256: &str, bytes: u64, now: i64) -> Result<bool, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let n = tx
            .execute(
                "INSERT INTO blob (sha256, bytes, committed_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (sha256) DO NOTHING",
                &[&sha256, &to_i64(bytes)?, &now],
            )
            .await
            .map_err(db)?;
        tx.execute("DELETE FROM upload_part WHERE sha256 = $1", &[&sha256])
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(n == 1)
    }

    async fn drop_parts(&self, sha256: &str) -> Result<(), StorageError> {
        self.client()
            .await?
            .execute("DELETE FROM upload_part WHERE sha256 = $1", &[&sha256])
            .await
            .map_err(db)?;
        Ok(())
    }
}
