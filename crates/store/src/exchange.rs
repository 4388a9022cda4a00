//! What stores exchange about an inspection (by bundle or through HQ): the events the other
//! side lacks, the cards of their devices and the evidence they reference. An import is
//! all or nothing: everything is checked before anything is written, then it is written
//! in one transaction and the inspection's tables are re-made from its DAG.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::PathBuf;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tekseru_ledger::{DeviceId, SignedEvent, VersionVector};

use crate::audit::{short, Change};
use crate::dag::{self, Dag, Decoded};
use crate::device::{self, DeviceCard};
use crate::error::{Result, StoreError};
use crate::key::hex;
use crate::model::Inspection;
use crate::store::{now, to_json, verdict_str, Store};

/// The staging directory's name inside the store.
const STAGING: &str = "staging";

/// What the other side lacks of an inspection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    /// The inspection.
    pub inspection: String,
    /// The events, in an order that respects `prev` and `parents`.
    pub events: Vec<SignedEvent>,
    /// The card of every device whose events are included.
    pub devices: Vec<DeviceCard>,
    /// The blobs (evidence and acts) the included events reference.
    pub blobs: Vec<BlobRef>,
}

/// A blob by its hash and size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    /// SHA-256 of its content, lowercase hex.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// What arrived from another side, to import.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incoming {
    /// The inspection.
    pub inspection: String,
    /// The events, in any order.
    pub events: Vec<SignedEvent>,
    /// The cards of the devices whose events are included.
    pub devices: Vec<DeviceCard>,
    /// The blobs that came with them, as files in [`Store::staging_dir`].
    pub blobs: Vec<StagedBlob>,
}

/// A blob written to a file in the staging directory, with what it claims to be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedBlob {
    /// SHA-256 it claims, lowercase hex (checked on import).
    pub sha256: String,
    /// Its size in bytes (checked on import).
    pub bytes: u64,
    /// The file.
    pub path: PathBuf,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Events this store did not hold.
    pub new_events: usize,
    /// Events it already held (byte for byte).
    pub known_events: usize,
    /// Blobs stored (those already held are not copied again).
    pub new_blobs: usize,
    /// Fingerprints of the devices accepted by this import.
    pub devices_accepted: Vec<String>,
    /// Conflicts open in the inspection after the import.
    pub conflicts: usize,
}

/// The blobs a change references, with their sizes.
fn blobs_of(change: &Change) -> Option<BlobRef> {
    match change {
        Change::EvidenceAdded { evidence } => Some(BlobRef {
            sha256: evidence.sha256.clone(),
            bytes: evidence.bytes,
        }),
        Change::ActStored { act } => Some(BlobRef {
            sha256: act.sha256.clone(),
            bytes: act.bytes,
        }),
        _ => None,
    }
}

/// A blob's content, streamed from its chunks and checked against its hash at the end.
struct BlobReader<'a> {
    conn: &'a Connection,
    sha256: String,
    bytes: u64,
    chunks: i64,
    next: i64,
    buf: Vec<u8>,
    at: usize,
    done: u64,
    hasher: Sha256,
    checked: bool,
}

impl Read for BlobReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if let Some(rest) = self.buf.get(self.at..).filter(|r| !r.is_empty()) {
                let n = rest.len().min(out.len());
                if let (Some(dst), Some(src)) = (out.get_mut(..n), rest.get(..n)) {
                    dst.copy_from_slice(src);
                }
                self.at += n;
                return Ok(n);
            }
            if self.next >= self.chunks {
                if !self.checked {
                    self.checked = true;
                    let actual = hex(&std::mem::take(&mut self.hasher).finalize());
                    if actual != self.sha256 || self.done != self.bytes {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("blob {} was altered in the store", short(&self.sha256)),
                        ));
                    }
                }
                return Ok(0);
            }
            let data: Option<Vec<u8>> = self
                .conn
                .prepare_cached("SELECT data FROM chunk WHERE sha256 = ?1 AND seq = ?2")
                .and_then(|mut s| {
                    s.query_row(params![self.sha256, self.next], |r| r.get(0))
                        .optional()
                })
                .map_err(std::io::Error::other)?;
            let data = data.ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("blob {} lacks chunk {}", short(&self.sha256), self.next),
                )
            })?;
            self.hasher.update(&data);
            self.done = self.done.saturating_add(data.len() as u64);
            self.buf = data;
            self.at = 0;
            self.next += 1;
        }
    }
}

/// An event checked for import: its hash, body and whether the store holds it.
struct Checked {
    signed: SignedEvent,
    hash: String,
    decoded: Decoded,
}

impl Store {
    /// For each device, how much of its chain in this inspection this store holds.
    pub fn version_vector(&self, inspection: &str) -> Result<VersionVector> {
        crate::store::load_exists(&self.conn, inspection)?;
        vector_of(&self.conn, inspection)
    }

    /// What `theirs` lacks of this inspection: events in an order that respects
    /// prev/parents, the cards of every device whose events are included, and the blobs
    /// (evidence and acts) they reference.
    pub fn outgoing(&self, inspection: &str, theirs: &VersionVector) -> Result<Outgoing> {
        crate::store::load_exists(&self.conn, inspection)?;
        let dag = Dag::load(&self.conn, inspection)?;
        let mut events = Vec::new();
        let mut devices: BTreeMap<String, DeviceCard> = BTreeMap::new();
        let mut blobs: BTreeMap<String, BlobRef> = BTreeMap::new();
        for (signed, _, decoded) in dag.events {
            if signed.event.seq <= theirs.get(&signed.event.device) {
                continue;
            }
            let id = signed.event.device.as_str().to_owned();
            if let std::collections::btree_map::Entry::Vacant(slot) = devices.entry(id) {
                let card = device::card(&self.conn, slot.key())?.ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "device {} of inspection '{inspection}' is not recorded",
                        slot.key()
                    ))
                })?;
                slot.insert(card);
            }
            if let Some(blob) = blobs_of(&decoded.change) {
                blobs.insert(blob.sha256.clone(), blob);
            }
            events.push(signed);
        }
        Ok(Outgoing {
            inspection: inspection.to_owned(),
            events,
            devices: devices.into_values().collect(),
            blobs: blobs.into_values().collect(),
        })
    }

    /// A blob's content, streamed (one chunk in memory at a time); the reader fails at the
    /// end when the content no longer matches its hash.
    pub fn blob_reader(&self, sha256: &str) -> Result<impl Read + '_> {
        let (bytes, chunks) = crate::evidence::blob_size(&self.conn, sha256)?;
        Ok(BlobReader {
            conn: &self.conn,
            sha256: sha256.to_owned(),
            bytes: u64::try_from(bytes).unwrap_or_default(),
            chunks,
            next: 0,
            buf: Vec::new(),
            at: 0,
            done: 0,
            hasher: Sha256::new(),
            checked: false,
        })
    }

    /// `<store>/staging/`, on the store's filesystem, where incoming blobs are written
    /// before [`Store::import`] (made if missing).
    pub fn staging_dir(&self) -> Result<PathBuf> {
        let dir = self.dir().join(STAGING);
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        Ok(dir)
    }

    /// Imports what another side sent. Everything is checked before anything is written:
    /// each event's signature under its device's key, each device accepted (a device this
    /// store does not know is refused with [`StoreError::UnknownDevice`] unless its
    /// fingerprint is in `accept`, and is then recorded as accepted by this store's
    /// inspector), each chain without gaps, no second event in a held slot
    /// ([`StoreError::Fork`]), every parent present, every blob the new events reference
    /// either held or staged with the bytes it claims. Then it is written in one transaction
    /// and the inspection's tables are re-made from its DAG. Importing the same again is a
    /// no-op; a blob already held is not copied again. A refusal names the event or blob and
    /// leaves the store's files as they were. Staged files used are removed after the import.
    pub fn import(&mut self, incoming: Incoming, accept: &[String]) -> Result<ImportReport> {
        let id = incoming.inspection.clone();
        if id.is_empty() {
            return Err(StoreError::Refused("the import names no inspection".into()));
        }
        // The staged blobs first: hashing them needs no lock on the store.
        let mut staged: HashMap<String, &StagedBlob> = HashMap::new();
        for blob in &incoming.blobs {
            staged.insert(blob.sha256.clone(), blob);
        }
        let referenced = referenced_blobs(&incoming)?;
        let mut to_store: Vec<(&StagedBlob, u64)> = Vec::new();
        for (sha256, bytes) in &referenced {
            if blob_held(&self.conn, sha256)? {
                continue;
            }
            let Some(blob) = staged.get(sha256) else {
                return Err(StoreError::Refused(format!(
                    "blob {} is referenced by the import but neither held by this store nor sent with it",
                    short(sha256)
                )));
            };
            let (actual, size) = hash_file(&blob.path)?;
            if actual != *sha256 {
                return Err(StoreError::Refused(format!(
                    "blob {}: its bytes hash to {}, not to the hash it was sent under",
                    short(sha256),
                    short(&actual)
                )));
            }
            if size != *bytes || size != blob.bytes {
                return Err(StoreError::Refused(format!(
                    "blob {}: it has {size} bytes, the events say {bytes}",
                    short(sha256)
                )));
            }
            to_store.push((blob, size));
        }
        let by = self.inspector().name.clone();
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Everything below reads until every check has passed; a refusal rolls back a
        // transaction that wrote nothing.
        let plan = plan(&tx, &incoming, accept)?;
        let mut report = ImportReport {
            new_events: plan.new.len(),
            known_events: plan.known,
            ..ImportReport::default()
        };
        if plan.new.is_empty() && plan.accept.is_empty() {
            return Ok(report);
        }
        for card in &plan.accept {
            device::accept(&tx, card, &at, &by)?;
            report.devices_accepted.push(card.fingerprint());
        }
        for c in &plan.new {
            dag::insert(&tx, &c.signed, &c.hash)?;
        }
        let mut used = Vec::new();
        for (blob, _) in &to_store {
            if blob_held(&tx, &blob.sha256)? {
                continue;
            }
            crate::evidence::write_file(&tx, &blob.path, &blob.sha256, &mut |_| true)?;
            report.new_blobs += 1;
            used.push(blob.path.clone());
        }
        let head = dag::digest(&dag::heads(&tx, &id)?);
        let mut inspection = plan.inspection;
        inspection.audit_head = head;
        materialise(&tx, &inspection)?;
        tx.commit()?;
        report.conflicts = inspection.conflicts.len();
        for path in used {
            let _ = std::fs::remove_file(path);
        }
        Ok(report)
    }
}

/// Each blob the incoming events reference, with the size they give it.
fn referenced_blobs(incoming: &Incoming) -> Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for signed in &incoming.events {
        // An event whose body cannot be read is refused by the checks that follow.
        if let Ok(decoded) = dag::decode(&signed.event.body) {
            if let Some(blob) = blobs_of(&decoded.change) {
                out.insert(blob.sha256, blob.bytes);
            }
        }
    }
    Ok(out)
}

fn blob_held(conn: &Connection, sha256: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM blob WHERE sha256 = ?1")?
        .query_row([sha256], |r| r.get::<_, i64>(0))
        .optional()?
        .is_some())
}

fn hash_file(path: &std::path::Path) -> Result<(String, u64)> {
    let mut file = std::fs::File::open(path).map_err(|e| StoreError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| StoreError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
        total = total.saturating_add(n as u64);
    }
    Ok((hex(&hasher.finalize()), total))
}

/// For each device, the highest seq held in the inspection.
fn vector_of(conn: &Connection, inspection: &str) -> Result<VersionVector> {
    let mut stmt = conn.prepare_cached(
        "SELECT device, MAX(seq) FROM event WHERE inspection = ?1 GROUP BY device",
    )?;
    let rows = stmt
        .query_map([inspection], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut vector = VersionVector::new();
    for (device, seq) in rows {
        let device: DeviceId = device
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("inspection '{inspection}': {e}")))?;
        vector.observe(&device, u64::try_from(seq).unwrap_or_default());
    }
    Ok(vector)
}

/// What an import will write, once every check passed.
struct Plan {
    accept: Vec<DeviceCard>,
    new: Vec<Checked>,
    known: usize,
    inspection: Inspection,
}

/// Checks the incoming events against the store (read only) and says what to write.
fn plan(tx: &Transaction<'_>, incoming: &Incoming, accept: &[String]) -> Result<Plan> {
    let id = &incoming.inspection;
    let refuse = |s: String| StoreError::Refused(s);
    let cards: HashMap<String, &DeviceCard> = incoming
        .devices
        .iter()
        .map(|c| (c.id().as_str().to_owned(), c))
        .collect();
    // The devices: known, or accepted now, or refused.
    let mut keys = HashMap::new();
    let mut to_accept: BTreeMap<String, DeviceCard> = BTreeMap::new();
    let mut devices: Vec<&str> = incoming
        .events
        .iter()
        .map(|s| s.event.device.as_str())
        .collect();
    devices.sort_unstable();
    devices.dedup();
    for d in devices {
        if let Some(card) = device::card(tx, d)? {
            keys.insert(d.to_owned(), card.public_key);
            continue;
        }
        let Some(card) = cards.get(d) else {
            return Err(refuse(format!(
                "the events of device {d} came without its card (public key and inspector)"
            )));
        };
        let fingerprint = card.fingerprint();
        if !accept
            .iter()
            .any(|a| a.trim().eq_ignore_ascii_case(&fingerprint))
        {
            return Err(StoreError::UnknownDevice {
                fingerprint,
                inspector: card.inspector_name.clone(),
            });
        }
        device::check_iin(&card.inspector_iin)
            .map_err(|e| refuse(format!("the card of device {d}: {e}")))?;
        keys.insert(d.to_owned(), card.public_key);
        to_accept.insert(d.to_owned(), (*card).clone());
    }
    // Each event: its inspection, its signature, its slot.
    let mut slots: HashMap<(String, u64), String> = HashMap::new();
    let mut new: Vec<Checked> = Vec::new();
    let mut known = 0usize;
    for signed in &incoming.events {
        let e = &signed.event;
        let name = format!("event #{} of device {}", e.seq, e.device);
        if e.inspection != *id {
            return Err(refuse(format!(
                "{name} belongs to inspection '{}', not to '{id}'",
                e.inspection
            )));
        }
        let key = keys
            .get(e.device.as_str())
            .ok_or_else(|| refuse(format!("{name}: its device is unknown")))?;
        let hash = signed
            .verify(key)
            .map_err(|err| refuse(format!("{name} was refused: {err}")))?
            .to_string();
        let seq = i64::try_from(e.seq).map_err(|_| refuse(format!("{name}: out of range")))?;
        let held: Option<String> = tx
            .prepare_cached(
                "SELECT hash FROM event WHERE inspection = ?1 AND device = ?2 AND seq = ?3",
            )?
            .query_row(params![id, e.device.as_str(), seq], |r| r.get(0))
            .optional()?;
        match held {
            Some(h) if h == hash => {
                known += 1;
                continue;
            }
            Some(_) => {
                return Err(StoreError::Fork {
                    device: e.device.to_string(),
                    seq: e.seq,
                })
            }
            None => {}
        }
        match slots.get(&(e.device.as_str().to_owned(), e.seq)) {
            Some(h) if *h == hash => continue,
            Some(_) => {
                return Err(StoreError::Fork {
                    device: e.device.to_string(),
                    seq: e.seq,
                })
            }
            None => {}
        }
        slots.insert((e.device.as_str().to_owned(), e.seq), hash.clone());
        let decoded = dag::decode(&e.body).map_err(|err| refuse(format!("{name}: {err}")))?;
        new.push(Checked {
            signed: signed.clone(),
            hash,
            decoded,
        });
    }
    // The chains: each new event follows the one before it, held or incoming.
    let incoming_hash: HashMap<(&str, u64), &str> = new
        .iter()
        .map(|c| {
            (
                (c.signed.event.device.as_str(), c.signed.event.seq),
                c.hash.as_str(),
            )
        })
        .collect();
    let mut held_hashes: HashSet<String> = HashSet::new();
    for c in &new {
        let e = &c.signed.event;
        let name = format!("event #{} of device {}", e.seq, e.device);
        if let Some(prev) = &e.prev {
            let before = e.seq.saturating_sub(1);
            let expected = match incoming_hash.get(&(e.device.as_str(), before)) {
                Some(h) => Some((*h).to_owned()),
                None => tx
                    .prepare_cached(
                        "SELECT hash FROM event WHERE inspection = ?1 AND device = ?2 AND seq = ?3",
                    )?
                    .query_row(
                        params![id, e.device.as_str(), i64::try_from(before).unwrap_or(-1)],
                        |r| r.get::<_, String>(0),
                    )
                    .optional()?,
            };
            match expected {
                None => {
                    return Err(refuse(format!(
                    "{name} follows event #{before} of its device, which is neither held nor sent"
                )))
                }
                Some(h) if h != prev.as_str() => {
                    return Err(refuse(format!(
                    "{name} does not follow event #{before} of its device: the chain was altered"
                )))
                }
                Some(_) => {}
            }
        }
        for p in &e.parents {
            if new.iter().any(|o| o.hash == p.as_str()) || held_hashes.contains(p.as_str()) {
                continue;
            }
            let held: Option<i64> = tx
                .prepare_cached("SELECT 1 FROM event WHERE inspection = ?1 AND hash = ?2")?
                .query_row(params![id, p.as_str()], |r| r.get(0))
                .optional()?;
            if held.is_none() {
                return Err(refuse(format!(
                    "{name} names a parent ({}) that is neither held nor sent",
                    short(p.as_str())
                )));
            }
            held_hashes.insert(p.as_str().to_owned());
        }
    }
    // The whole DAG, held and new, ordered and folded: what the tables will say.
    let held = if crate::store::load_exists(tx, id).is_ok() {
        Dag::load(tx, id)?.events
    } else {
        Vec::new()
    };
    let mut all = held;
    all.extend(
        new.iter()
            .map(|c| (c.signed.clone(), c.hash.clone(), c.decoded.clone())),
    );
    let dag = Dag::ordered(all).map_err(refuse)?;
    let inspection = dag
        .inspection(id, String::new())
        .map_err(|reason| refuse(format!("inspection '{id}': {reason}")))?;
    Ok(Plan {
        accept: to_accept.into_values().collect(),
        new,
        known,
        inspection,
    })
}

/// Writes the inspection's tables as `inspection` says, inside `tx`.
fn materialise(tx: &Transaction<'_>, i: &Inspection) -> Result<()> {
    tx.execute(
        "INSERT INTO inspection (id, ca_name, bin, site, checklist, roster, created_at, created_by, \
         findings, conclusions, recommendations, dissents, events, seal, amendments, head, seq, \
         training, details, settings) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
         (SELECT count(*) FROM event WHERE inspection = ?1), ?17, ?18, ?19) \
         ON CONFLICT (id) DO UPDATE SET ca_name = ?2, bin = ?3, site = ?4, checklist = ?5, \
         roster = ?6, created_at = ?7, created_by = ?8, findings = ?9, conclusions = ?10, \
         recommendations = ?11, dissents = ?12, events = ?13, seal = ?14, amendments = ?15, \
         head = ?16, seq = (SELECT count(*) FROM event WHERE inspection = ?1), training = ?17, \
         details = ?18, settings = ?19",
        params![
            i.id,
            i.ca_name,
            i.bin.to_string(),
            i.site,
            to_json(&i.checklist)?,
            to_json(&i.roster)?,
            i.created_at,
            i.created_by,
            i.findings,
            i.conclusions,
            to_json(&i.recommendations)?,
            to_json(&i.dissents)?,
            to_json(&i.events)?,
            i.seal.as_ref().map(to_json).transpose()?,
            i64::try_from(i.amendments).unwrap_or(i64::MAX),
            i.audit_head,
            i.training,
            to_json(&i.details)?,
            to_json(&i.settings)?,
        ],
    )?;
    tx.execute("DELETE FROM answer WHERE inspection = ?1", [&i.id])?;
    tx.execute("DELETE FROM evidence WHERE inspection = ?1", [&i.id])?;
    tx.execute("DELETE FROM act WHERE inspection = ?1", [&i.id])?;
    for a in &i.answers {
        tx.execute(
            "INSERT INTO answer (inspection, item, verdict, value, note, inventory, updated_by, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                i.id,
                a.item,
                a.verdict.map(verdict_str),
                a.value,
                a.note,
                a.inventory.as_ref().map(to_json).transpose()?,
                a.updated_by,
                a.updated_at
            ],
        )?;
    }
    for (n, e) in i.evidence.iter().enumerate() {
        tx.execute(
            "INSERT INTO evidence (inspection, n, sha256, item, name, media_type, bytes, added_at, \
             added_by, captured_at, gps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                i.id,
                n as i64 + 1,
                e.sha256,
                e.item,
                e.name,
                e.media_type,
                i64::try_from(e.bytes).unwrap_or(i64::MAX),
                e.added_at,
                e.added_by,
                e.captured_at,
                e.gps.as_ref().map(to_json).transpose()?
            ],
        )?;
    }
    for (n, a) in i.acts.iter().enumerate() {
        tx.execute(
            "INSERT INTO act (inspection, n, sha256, bytes, kind, member, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                i.id,
                n as i64 + 1,
                a.sha256,
                i64::try_from(a.bytes).unwrap_or(i64::MAX),
                a.kind,
                a.member.map(|m| m.to_string()),
                a.at
            ],
        )?;
    }
    crate::merge::store_conflicts(tx, &i.id, &i.conflicts)?;
    Ok(())
}
