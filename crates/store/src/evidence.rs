//! Evidence: files kept once by their SHA-256, in 1 MiB chunks inside the encrypted database,
//! imported by streaming so that memory stays small whatever the file's size.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::sync::mpsc;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use crate::audit::Change;
use crate::error::{Result, StoreError};
use crate::key::hex;
use crate::model::{Evidence, Gps};
use crate::store::{append, checklist_of, now, to_json, Store};

const CHUNK: usize = 1 << 20;

/// Files from this size on are written through a rollback journal rather than the WAL (when
/// no other connection has the store open): in WAL mode every new page is written twice, to
/// the log and then to the database, so a large import takes about 1.5× as long and needs
/// free space for a second copy of the file. A rollback journal records only the pages that
/// existed before (a few), and a kill or a full disk still rolls the import back.
const ROLLBACK_JOURNAL_FROM: u64 = 8 << 20;

/// What an import reports as it goes: bytes done of bytes to do. Returning `false` cancels
/// the import, which then writes nothing.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64) -> bool;

impl Store {
    /// Imports a file as evidence of an item (`None`: of the whole inspection). The same
    /// content is stored once however often it is attached; attaching the same file to the
    /// same item again changes nothing and returns the existing record.
    pub fn add_evidence(
        &mut self,
        id: &str,
        item: Option<&str>,
        path: &Path,
        progress: Progress<'_>,
    ) -> Result<Evidence> {
        let name = path
            .file_name()
            .map(|n| tekseru_core::nfc(&n.to_string_lossy()))
            .ok_or_else(|| StoreError::Invalid(format!("'{}' is not a file", path.display())))?;
        let meta = std::fs::metadata(path).map_err(|e| StoreError::io(path, e))?;
        if !meta.is_file() {
            return Err(StoreError::Invalid(format!(
                "'{}' is not a file",
                path.display()
            )));
        }
        let total = meta.len();
        // First pass: the hash, so that content already stored is not written again.
        let sha256 = hash_file(path, &mut |done| progress(done, total * 2))?;
        let rollback = total >= ROLLBACK_JOURNAL_FROM && self.leave_wal();
        let added = self.add_hashed(id, item, path, name, total, sha256, progress);
        if rollback {
            self.enter_wal();
        }
        let added = added?;
        // The photo's thumbnail now, while its chunks are fresh in the cache, so that no
        // later rendering of the act decodes the original (the app and the CLI alike). It is
        // derived data: a photo that cannot be decoded simply has none.
        if added.media_type == "image/jpeg" || added.media_type == "image/png" {
            self.thumbnail(&added.sha256)?;
        }
        Ok(added)
    }

    /// The second pass of [`Store::add_evidence`]: stores the file (unless its content is
    /// already stored) and records the evidence, in one transaction.
    #[allow(clippy::too_many_arguments)]
    fn add_hashed(
        &mut self,
        id: &str,
        item: Option<&str>,
        path: &Path,
        name: String,
        total: u64,
        sha256: String,
        progress: Progress<'_>,
    ) -> Result<Evidence> {
        let (tx, who) = self.begin()?;
        let checklist = checklist_of(&tx, id)?;
        if let Some(item) = item {
            if checklist.item(item).is_none() {
                return Err(StoreError::Invalid(format!(
                    "checklist {} {} has no item '{item}'",
                    checklist.id, checklist.version
                )));
            }
        }
        let existing: Option<i64> = tx
            .query_row(
                "SELECT n FROM evidence WHERE inspection = ?1 AND sha256 = ?2 AND item IS ?3",
                params![id, sha256, item],
                |r| r.get(0),
            )
            .optional()?;
        if existing.is_some() {
            drop(tx);
            let found = self
                .inspection(id)?
                .evidence
                .into_iter()
                .find(|e| e.sha256 == sha256 && e.item.as_deref() == item);
            return found.ok_or_else(|| StoreError::Corrupt("evidence vanished".into()));
        }
        let stored: Option<i64> = tx
            .query_row("SELECT bytes FROM blob WHERE sha256 = ?1", [&sha256], |r| {
                r.get(0)
            })
            .optional()?;
        let head = if stored.is_none() {
            write_file(&tx, path, &sha256, &mut |done| {
                progress(total + done, total * 2)
            })?
        } else {
            progress(total * 2, total * 2);
            read_head(path)?
        };
        let media_type = media_type(&head, &name);
        let (captured_at, gps) = if media_type.starts_with("image/") {
            exif_of(path)
        } else {
            (None, None)
        };
        let evidence = Evidence {
            sha256,
            item: item.map(str::to_owned),
            name,
            media_type,
            bytes: total,
            added_at: now(),
            added_by: who.name.clone(),
            captured_at,
            gps,
        };
        append(
            &tx,
            who,
            id,
            Change::EvidenceAdded {
                evidence: evidence.clone(),
            },
        )?;
        let n: i64 = tx.query_row(
            "SELECT COALESCE(MAX(n), 0) + 1 FROM evidence WHERE inspection = ?1",
            [id],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO evidence (inspection, n, sha256, item, name, media_type, bytes, added_at, \
             added_by, captured_at, gps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                id,
                n,
                evidence.sha256,
                evidence.item,
                evidence.name,
                evidence.media_type,
                evidence.bytes as i64,
                evidence.added_at,
                evidence.added_by,
                evidence.captured_at,
                evidence.gps.as_ref().map(to_json).transpose()?
            ],
        )?;
        tx.execute(
            "UPDATE inspection SET amendments = amendments + 1 WHERE id = ?1 AND seal IS NOT NULL",
            [id],
        )?;
        tx.commit()?;
        Ok(evidence)
    }

    /// Writes an inspection's evidence to `out`, checking it against its hash as it goes;
    /// returns the number of bytes.
    pub fn export_evidence(&self, id: &str, sha256: &str, out: &mut dyn Write) -> Result<u64> {
        let attached: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM evidence WHERE inspection = ?1 AND sha256 = ?2 LIMIT 1",
                params![id, sha256],
                |r| r.get(0),
            )
            .optional()?;
        if attached.is_none() {
            self.inspection(id)?;
            return Err(StoreError::NoEvidence {
                inspection: id.to_owned(),
                sha256: sha256.to_owned(),
            });
        }
        read_blob(&self.conn, sha256, out)
    }
}

impl Store {
    /// Leaves WAL mode for a rollback journal, if no other connection has the store open
    /// (without waiting for one to close); whether it did.
    fn leave_wal(&self) -> bool {
        if self.conn.busy_timeout(std::time::Duration::ZERO).is_err() {
            return false;
        }
        let mode: rusqlite::Result<String> =
            self.conn
                .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0));
        let _ = self.conn.busy_timeout(crate::store::BUSY_TIMEOUT);
        matches!(mode.as_deref(), Ok("delete"))
    }

    /// Back to WAL mode after a large import. Should another process have opened the store
    /// meanwhile, it has already switched it back (every connection does on opening).
    fn enter_wal(&self) {
        let _ = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
    }
}

/// Chunks read ahead of the one being used: with the chunk in use and the one being read,
/// an import holds at most `AHEAD + 2` chunks (6 MiB).
const AHEAD: usize = 4;

/// Reads the file in `CHUNK`-sized pieces on a helper thread and hands each to `each` (with
/// the bytes done so far) on this one, so that reading overlaps with the work on each piece.
/// With `hash_while_reading`, the helper also hashes and the SHA-256 is returned; `each`
/// returning an error stops the reading.
fn stream(
    path: &Path,
    hash_while_reading: bool,
    each: &mut dyn FnMut(&[u8], u64) -> Result<()>,
) -> Result<Option<String>> {
    let mut file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let (full_tx, full_rx) = mpsc::sync_channel::<std::io::Result<Vec<u8>>>(AHEAD);
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> Option<String> {
            let mut hasher = Sha256::new();
            loop {
                let mut buf = free_rx.try_recv().unwrap_or_default();
                buf.resize(CHUNK, 0);
                let n = match read_full(&mut file, &mut buf) {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = full_tx.send(Err(e));
                        return None;
                    }
                };
                if n == 0 {
                    return Some(hex(&hasher.finalize()));
                }
                buf.truncate(n);
                if hash_while_reading {
                    hasher.update(&buf);
                }
                if full_tx.send(Ok(buf)).is_err() {
                    // The consumer stopped.
                    return None;
                }
            }
        });
        let mut done = 0u64;
        let mut outcome = Ok(());
        for piece in &full_rx {
            match piece {
                Ok(buf) => {
                    done += buf.len() as u64;
                    if let Err(e) = each(&buf, done) {
                        outcome = Err(e);
                        break;
                    }
                    let _ = free_tx.send(buf);
                }
                Err(e) => {
                    outcome = Err(StoreError::io(path, e));
                    break;
                }
            }
        }
        // Unblocks the reader if it waits to hand over a piece nobody will take.
        drop(full_rx);
        let hash = reader.join().map_err(|_| {
            StoreError::io(path, std::io::Error::other("the reading thread failed"))
        })?;
        outcome?;
        Ok(hash.filter(|_| hash_while_reading))
    })
}

fn hash_file(path: &Path, progress: &mut dyn FnMut(u64) -> bool) -> Result<String> {
    let mut hasher = Sha256::new();
    stream(path, false, &mut |piece, done| {
        hasher.update(piece);
        if progress(done) {
            Ok(())
        } else {
            Err(StoreError::Cancelled)
        }
    })?;
    Ok(hex(&hasher.finalize()))
}

/// Writes the file's chunks under `sha256`, hashing again (on the reading thread, while the
/// database encrypts and writes): a file that changed since the first pass is refused.
/// Returns the file's first bytes (for its media type).
pub(crate) fn write_file(
    tx: &Transaction<'_>,
    path: &Path,
    sha256: &str,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut seq = 0i64;
    let mut total = 0u64;
    let mut insert =
        tx.prepare_cached("INSERT INTO chunk (sha256, seq, data) VALUES (?1, ?2, ?3)")?;
    let actual = stream(path, true, &mut |piece, done| {
        if head.is_empty() {
            head = piece[..piece.len().min(64)].to_vec();
        }
        insert.execute(params![sha256, seq, piece])?;
        seq += 1;
        total = done;
        if progress(done) {
            Ok(())
        } else {
            Err(StoreError::Cancelled)
        }
    })?;
    if actual.as_deref() != Some(sha256) {
        return Err(StoreError::Invalid(format!(
            "'{}' changed while it was being imported; nothing was imported",
            path.display()
        )));
    }
    tx.execute(
        "INSERT INTO blob (sha256, bytes, chunks) VALUES (?1, ?2, ?3)",
        params![sha256, total as i64, seq],
    )?;
    Ok(head)
}

/// Stores bytes held in memory (an act); returns their hash.
pub(crate) fn put_bytes(tx: &Transaction<'_>, bytes: &[u8]) -> Result<String> {
    let sha256 = hex(&Sha256::digest(bytes));
    let stored: Option<i64> = tx
        .query_row("SELECT 1 FROM blob WHERE sha256 = ?1", [&sha256], |r| {
            r.get(0)
        })
        .optional()?;
    if stored.is_none() {
        let mut insert =
            tx.prepare_cached("INSERT INTO chunk (sha256, seq, data) VALUES (?1, ?2, ?3)")?;
        let mut chunks = 0i64;
        for (seq, part) in bytes.chunks(CHUNK).enumerate() {
            insert.execute(params![sha256, seq as i64, part])?;
            chunks += 1;
        }
        tx.execute(
            "INSERT INTO blob (sha256, bytes, chunks) VALUES (?1, ?2, ?3)",
            params![sha256, bytes.len() as i64, chunks],
        )?;
    }
    Ok(sha256)
}

/// A blob's size in bytes and its number of chunks; a missing blob is corruption.
pub(crate) fn blob_size(conn: &Connection, sha256: &str) -> Result<(i64, i64)> {
    conn.query_row(
        "SELECT bytes, chunks FROM blob WHERE sha256 = ?1",
        [sha256],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| StoreError::Corrupt(format!("blob {sha256} is missing")))
}

/// Streams a blob to `out`, verifying its chunks and its hash.
pub(crate) fn read_blob(conn: &Connection, sha256: &str, out: &mut dyn Write) -> Result<u64> {
    let (bytes, chunks) = blob_size(conn, sha256)?;
    let mut stmt =
        conn.prepare_cached("SELECT seq, data FROM chunk WHERE sha256 = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([sha256])?;
    let mut hasher = Sha256::new();
    let mut expected = 0i64;
    let mut done = 0u64;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        if seq != expected {
            return Err(StoreError::Corrupt(format!(
                "blob {sha256} lacks chunk {expected}"
            )));
        }
        let data = row
            .get_ref(1)?
            .as_blob()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        hasher.update(data);
        out.write_all(data)
            .map_err(|e| StoreError::io("(output)", e))?;
        done += data.len() as u64;
        expected += 1;
    }
    if expected != chunks || done != bytes as u64 {
        return Err(StoreError::Corrupt(format!("blob {sha256} is incomplete")));
    }
    let actual = hex(&hasher.finalize());
    if actual != sha256 {
        return Err(StoreError::Corrupt(format!(
            "blob {sha256} was altered: its content hashes to {actual}"
        )));
    }
    Ok(done)
}

/// Re-hashes a blob: `Ok(None)` when intact, else what is wrong.
pub(crate) fn check_blob(conn: &Connection, sha256: &str) -> Result<Option<String>> {
    match read_blob(conn, sha256, &mut std::io::sink()) {
        Ok(_) => Ok(None),
        Err(StoreError::Corrupt(reason)) => Ok(Some(reason)),
        Err(e) => Err(e),
    }
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn read_head(path: &Path) -> Result<Vec<u8>> {
    let mut file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let mut head = vec![0u8; 64];
    let n = read_full(&mut file, &mut head).map_err(|e| StoreError::io(path, e))?;
    head.truncate(n);
    Ok(head)
}

/// The media type from the content's signature, else from the name's extension.
pub fn media_type(head: &[u8], name: &str) -> String {
    let by_magic = if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if head.starts_with(b"GIF8") {
        Some("image/gif")
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        Some(match &head[8..12] {
            b"heic" | b"heix" | b"mif1" => "image/heic",
            b"qt  " => "video/quicktime",
            _ => "video/mp4",
        })
    } else if head.starts_with(b"RIFF") && head.len() >= 12 && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    };
    if let Some(t) = by_magic {
        return t.to_owned();
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "cer" | "crt" | "der" => "application/pkix-cert",
        "crl" => "application/pkix-crl",
        "pem" => "application/x-pem-file",
        _ => "application/octet-stream",
    }
    .to_owned()
}

/// The capture time and GPS position a photo's EXIF data records, when it has them.
fn exif_of(path: &Path) -> (Option<String>, Option<Gps>) {
    let Ok(file) = File::open(path) else {
        return (None, None);
    };
    let Ok(exif) = exif::Reader::new().read_from_container(&mut BufReader::new(file)) else {
        return (None, None);
    };
    let captured = exif
        .get_field(exif::Tag::DateTimeOriginal, exif::In::PRIMARY)
        .or_else(|| exif.get_field(exif::Tag::DateTime, exif::In::PRIMARY))
        .map(|f| f.display_value().to_string());
    let coordinate = |tag, reference, negative: &str| -> Option<f64> {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        let exif::Value::Rational(parts) = &field.value else {
            return None;
        };
        let [d, m, s] = parts.as_slice() else {
            return None;
        };
        let value = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        let sign = exif
            .get_field(reference, exif::In::PRIMARY)
            .map(|f| f.display_value().to_string())
            .filter(|r| r.contains(negative))
            .map_or(1.0, |_| -1.0);
        Some(sign * value)
    };
    let gps = gps(
        coordinate(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, "S"),
        coordinate(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, "W"),
    );
    (captured, gps)
}

/// A position from EXIF coordinates, or none when they are not one: a zero denominator gives
/// an infinite or NaN coordinate, a damaged file one off the globe.
fn gps(lat: Option<f64>, lon: Option<f64>) -> Option<Gps> {
    let (lat, lon) = (lat?, lon?);
    let on_globe = lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon);
    on_globe.then_some(Gps { lat, lon })
}
