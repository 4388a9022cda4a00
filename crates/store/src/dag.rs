//! The DAG of signed events: every change is an event of one device's chain (`prev`: its own
//! previous event in the inspection), linked to the other devices' heads it had seen
//! (`parents`), signed by the device ([`tekseru_ledger::SignedEvent`]).
//!
//! An event's body is the change and its actor: `{"actor", "actor_name", "change"}`. An
//! entry of the audit trail of a store made before devices existed is carried over, at the
//! first open, as an event of the store's own device whose body is
//! `{"legacy": {"entry", "prev", "hash"}}`: the entry's exact text and its place in the old
//! hash chain, so that verifying recomputes that chain too and seals naming an old head
//! still name an entry of it.
//!
//! The inspection's head (`Inspection::audit_head`, what a seal names) is the hash of the
//! DAG's only head, or, when several devices' events are concurrent, SHA-256 over
//! `"tekseru heads 1\n"` and the sorted head hashes joined by `"\n"`.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tekseru_core::Iin;
use tekseru_ledger::{DeviceId, Event, EventHash, SignedEvent, VersionVector};

use crate::audit::{self, Change, EncodingError, Entry, GENESIS};
use crate::device::{self, OwnDevice};
use crate::error::{Result, StoreError};
use crate::key::hex;
use crate::model::{Inspection, Inspector};
use crate::store::{now, Me};

/// What a device signs about a change.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Body {
    /// An entry of an older store's audit trail.
    Legacy(LegacyBody),
    /// A change made with this version.
    Local(LocalBody),
}

/// The body of a carried-over audit entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LegacyBody {
    pub(crate) legacy: Legacy,
}

/// An audit entry of an older store, as it was: its text, and its previous and own hash.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Legacy {
    pub(crate) entry: String,
    pub(crate) prev: String,
    pub(crate) hash: String,
}

/// The body of a change: who made it and what it is.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LocalBody {
    /// The inspector's id in their store.
    pub(crate) actor: String,
    /// The inspector's name.
    pub(crate) actor_name: String,
    /// What changed.
    pub(crate) change: Change,
}

/// An event's body read: the change, its actor and, for a carried-over entry, the entry.
#[derive(Clone, Debug)]
pub(crate) struct Decoded {
    pub(crate) actor: String,
    pub(crate) actor_name: String,
    pub(crate) change: Change,
    pub(crate) legacy: Option<(Entry, Legacy)>,
}

/// Reads an event's body.
pub(crate) fn decode(body: &Value) -> std::result::Result<Decoded, String> {
    let body: Body = serde_json::from_value(body.clone())
        .map_err(|_| "its body is neither a change nor a carried-over audit entry".to_owned())?;
    Ok(match body {
        Body::Local(b) => Decoded {
            actor: b.actor,
            actor_name: b.actor_name,
            change: b.change,
            legacy: None,
        },
        Body::Legacy(b) => {
            let entry: Entry = serde_json::from_str(&b.legacy.entry)
                .map_err(|e| format!("its carried-over audit entry cannot be read ({e})"))?;
            Decoded {
                actor: entry.actor.clone(),
                actor_name: entry.actor_name.clone(),
                change: entry.change.clone(),
                legacy: Some((entry, b.legacy)),
            }
        }
    })
}

/// One stored event, as the `event` table holds it.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub(crate) inspection: String,
    pub(crate) device: String,
    pub(crate) seq: i64,
    pub(crate) hash: String,
    pub(crate) prev: Option<String>,
    pub(crate) parents: String,
    pub(crate) at: String,
    pub(crate) body: String,
    pub(crate) signature: String,
}

impl Row {
    /// The signed event the row holds.
    pub(crate) fn signed(&self) -> std::result::Result<SignedEvent, String> {
        let device: DeviceId = self.device.parse().map_err(|e| format!("{e}"))?;
        let prev = self
            .prev
            .as_deref()
            .map(str::parse::<EventHash>)
            .transpose()
            .map_err(|e| format!("its prev: {e}"))?;
        let parents: Vec<EventHash> =
            serde_json::from_str(&self.parents).map_err(|e| format!("its parents: {e}"))?;
        let body: Value = serde_json::from_str(&self.body).map_err(|e| format!("its body: {e}"))?;
        Ok(SignedEvent {
            event: Event {
                inspection: self.inspection.clone(),
                device,
                seq: u64::try_from(self.seq).map_err(|_| "its sequence number".to_owned())?,
                prev,
                parents,
                at: self.at.clone(),
                body,
            },
            signature: self.signature.clone(),
        })
    }
}

/// Every event of an inspection, by device then sequence number.
pub(crate) fn rows(conn: &Connection, id: &str) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(
        "SELECT CAST(inspection AS TEXT), CAST(device AS TEXT), seq, CAST(hash AS TEXT), \
         CAST(prev AS TEXT), CAST(parents AS TEXT), CAST(at AS TEXT), CAST(body AS TEXT), \
         CAST(signature AS TEXT) FROM event WHERE inspection = ?1 ORDER BY device, seq",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(Row {
                inspection: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                device: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                seq: r.get::<_, Option<i64>>(2)?.unwrap_or_default(),
                hash: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                prev: r.get(4)?,
                parents: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                at: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                body: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                signature: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The hashes of the inspection's heads, sorted: each device's last event that no event
/// names as a parent.
pub(crate) fn heads(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.hash FROM event e WHERE e.inspection = ?1 \
         AND e.seq = (SELECT MAX(seq) FROM event WHERE inspection = ?1 AND device = e.device) \
         AND NOT EXISTS (SELECT 1 FROM event_parent p WHERE p.parent = e.hash) ORDER BY e.hash",
    )?;
    let heads = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(heads)
}

/// The inspection's head from its heads' hashes (sorted).
pub(crate) fn digest(heads: &[String]) -> String {
    match heads {
        [] => GENESIS.to_owned(),
        [one] => one.clone(),
        many => {
            let mut h = Sha256::new();
            h.update(b"tekseru heads 1\n");
            h.update(many.join("\n").as_bytes());
            hex(&h.finalize())
        }
    }
}

/// Writes a signed event and its links, inside `tx`.
pub(crate) fn insert(tx: &Transaction<'_>, signed: &SignedEvent, hash: &str) -> Result<()> {
    let e = &signed.event;
    let body = String::from_utf8(
        tekseru_ledger::canonical::to_vec(&e.body)
            .map_err(|err| StoreError::Corrupt(err.to_string()))?,
    )
    .map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let parents = crate::store::to_json(&e.parents)?;
    let seq = i64::try_from(e.seq)
        .map_err(|_| StoreError::Invalid(format!("event #{} is out of range", e.seq)))?;
    tx.prepare_cached(
        "INSERT INTO event (inspection, device, seq, hash, prev, parents, at, body, signature) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        e.inspection,
        e.device.as_str(),
        seq,
        hash,
        e.prev.as_ref().map(EventHash::as_str),
        parents,
        e.at,
        body,
        signed.signature
    ])?;
    let mut link =
        tx.prepare_cached("INSERT OR IGNORE INTO event_parent (parent, child) VALUES (?1, ?2)")?;
    for p in &e.parents {
        link.execute(params![p.as_str(), hash])?;
    }
    Ok(())
}

/// Moves the inspection's head to its DAG's heads.
pub(crate) fn move_head(tx: &Transaction<'_>, id: &str) -> Result<String> {
    let head = digest(&heads(tx, id)?);
    let count: i64 = tx.query_row(
        "SELECT count(*) FROM event WHERE inspection = ?1",
        [id],
        |r| r.get(0),
    )?;
    let moved = tx.execute(
        "UPDATE inspection SET head = ?2, seq = ?3 WHERE id = ?1",
        params![id, head, count],
    )?;
    if moved == 0 {
        return Err(StoreError::NoInspection(id.to_owned()));
    }
    Ok(head)
}

/// Signs `body` as this device's next event in the inspection and writes it, inside `tx`.
fn sign_next(
    tx: &Transaction<'_>,
    own: &OwnDevice,
    id: &str,
    at: String,
    body: Value,
) -> Result<(SignedEvent, String)> {
    let me = own.card.id();
    let last: Option<(i64, String)> = tx
        .prepare_cached(
            "SELECT seq, hash FROM event WHERE inspection = ?1 AND device = ?2 \
             ORDER BY seq DESC LIMIT 1",
        )?
        .query_row(params![id, me.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (
            u64::try_from(seq)
                .ok()
                .and_then(|s| s.checked_add(1))
                .filter(|s| i64::try_from(*s).is_ok())
                .ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "inspection '{id}': this device's last event number is out of range"
                    ))
                })?,
            Some(hash),
        ),
        None => (1, None),
    };
    let prev = prev
        .map(|p| p.parse::<EventHash>())
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("inspection '{id}': {e}")))?;
    let mut parents = Vec::new();
    for head in heads(tx, id)? {
        let head: EventHash = head
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("inspection '{id}': {e}")))?;
        if Some(&head) != prev.as_ref() {
            parents.push(head);
        }
    }
    parents.sort();
    let event = Event {
        inspection: id.to_owned(),
        device: me,
        seq,
        prev,
        parents,
        at,
        body,
    };
    let encoding = |e: tekseru_ledger::EventError| {
        StoreError::Encoding(EncodingError {
            seq,
            reason: e.to_string(),
        })
    };
    let signed = event.sign(&own.key).map_err(encoding)?;
    let hash = signed.event.hash().map_err(encoding)?.to_string();
    insert(tx, &signed, &hash)?;
    Ok((signed, hash))
}

/// Appends a change as this device's next event, inside `tx`, and moves the head. The
/// returned entry says when and by whom, as the tables record it.
pub(crate) fn append(tx: &Transaction<'_>, who: &Me, id: &str, change: Change) -> Result<Entry> {
    if let Some(field) = change.non_finite() {
        return Err(StoreError::Encoding(EncodingError {
            seq: 0,
            reason: format!("its {field} is not a finite number"),
        }));
    }
    let exists: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM inspection WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::NoInspection(id.to_owned()));
    }
    let at = now();
    let body = LocalBody {
        actor: who.id.clone(),
        actor_name: who.name.clone(),
        change,
    };
    let value = serde_json::to_value(&body).map_err(|e| {
        StoreError::Encoding(EncodingError {
            seq: 0,
            reason: e.to_string(),
        })
    })?;
    let (signed, _) = sign_next(tx, &who.own, id, at.clone(), value)?;
    move_head(tx, id)?;
    Ok(Entry {
        inspection: Some(id.to_owned()),
        seq: signed.event.seq,
        at,
        actor: body.actor,
        actor_name: body.actor_name,
        change: body.change,
    })
}

/// The first open of a store made before devices existed: makes its device key (the
/// inspector's IIN from the store's inspector record when it has one, else empty until
/// [`crate::Store::set_inspector_iin`]) and carries every inspection's audit trail over into
/// this device's chain, in one transaction: a kill leaves the store as it was.
pub(crate) fn upgrade(conn: &mut Connection, inspector: &Inspector) -> Result<OwnDevice> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have upgraded it meanwhile.
    if let Some(own) = device::load_own(&tx)? {
        return Ok(own);
    }
    let iin: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'inspector_iin'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let iin = iin.and_then(|i| Iin::parse_allowing_test(&i).ok());
    let own = device::create_own(&tx, &inspector.name, iin.as_ref(), &now())?;
    let ids: Vec<(String, Option<String>)> = tx
        .prepare(
            "SELECT DISTINCT a.inspection, CAST(i.head AS TEXT) FROM audit a \
             LEFT JOIN inspection i ON i.id = a.inspection ORDER BY a.inspection",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, old_head) in ids {
        let trail: Vec<(Option<String>, Option<String>, Option<String>)> = tx
            .prepare(
                "SELECT CAST(entry AS TEXT), CAST(prev AS TEXT), CAST(hash AS TEXT) FROM audit \
                 WHERE inspection = ?1 ORDER BY seq",
            )?
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (entry, prev, hash) in trail {
            let entry = entry.unwrap_or_default();
            // The entry's own time, when it can be read; a damaged entry is carried over as
            // it is, for `audit verify` to name.
            let at = serde_json::from_str::<Entry>(&entry)
                .map(|e| e.at)
                .unwrap_or_default();
            let body = LegacyBody {
                legacy: Legacy {
                    entry,
                    prev: prev.unwrap_or_default(),
                    hash: hash.unwrap_or_default(),
                },
            };
            let value = serde_json::to_value(&body)
                .map_err(|e| StoreError::Corrupt(format!("inspection '{id}': {e}")))?;
            sign_next(&tx, &own, &id, at, value)?;
        }
        if let Some(old) = old_head {
            tx.execute(
                "INSERT INTO legacy_head (inspection, head) VALUES (?1, ?2)",
                params![id, old],
            )?;
            move_head(&tx, &id)?;
        }
    }
    tx.commit()?;
    Ok(own)
}

pub(crate) use crate::merge::{fold, Node};

/// An event ready for ordering: its hash (as stored), device, seq and links.
pub(crate) struct Linked<'a> {
    pub(crate) hash: &'a str,
    pub(crate) device: &'a DeviceId,
    pub(crate) seq: u64,
    pub(crate) prev: Option<&'a str>,
    pub(crate) parents: Vec<&'a str>,
}

/// A deterministic topological order of the events (Kahn's algorithm, ties broken by
/// hash) with each event's causal clock, or the first event whose links do not hold (a
/// parent that is not there, or a cycle).
pub(crate) fn order(
    events: &[Linked<'_>],
) -> std::result::Result<(Vec<usize>, Vec<VersionVector>), String> {
    let index: HashMap<&str, usize> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.hash, i))
        .collect();
    let mut waiting = vec![0usize; events.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); events.len()];
    for (i, e) in events.iter().enumerate() {
        for dep in e.prev.iter().chain(e.parents.iter()) {
            match index.get(dep) {
                Some(&d) => {
                    waiting[i] += 1;
                    if let Some(c) = children.get_mut(d) {
                        c.push(i);
                    }
                }
                None => {
                    return Err(format!(
                        "event #{} of device {} names an event that is not in the store ({})",
                        e.seq,
                        e.device,
                        audit::short(dep)
                    ))
                }
            }
        }
    }
    let mut ready: BTreeSet<(&str, usize)> = events
        .iter()
        .enumerate()
        .filter(|(i, _)| waiting.get(*i) == Some(&0))
        .map(|(i, e)| (e.hash, i))
        .collect();
    let mut clocks = vec![VersionVector::new(); events.len()];
    let mut out = Vec::with_capacity(events.len());
    while let Some(next) = ready.pop_first() {
        let i = next.1;
        let Some(e) = events.get(i) else { break };
        let mut clock = VersionVector::new();
        for dep in e.prev.iter().chain(e.parents.iter()) {
            if let Some(c) = index.get(dep).and_then(|&d| clocks.get(d)) {
                clock.merge(c);
            }
        }
        clock.observe(e.device, e.seq);
        if let Some(slot) = clocks.get_mut(i) {
            *slot = clock;
        }
        out.push(i);
        for &c in children.get(i).map(Vec::as_slice).unwrap_or_default() {
            if let Some(w) = waiting.get_mut(c) {
                *w -= 1;
                if *w == 0 {
                    if let Some(ce) = events.get(c) {
                        ready.insert((ce.hash, c));
                    }
                }
            }
        }
    }
    if out.len() != events.len() {
        let stuck = events
            .iter()
            .enumerate()
            .find(|(i, _)| waiting.get(*i).is_some_and(|w| *w > 0))
            .map(|(_, e)| format!("event #{} of device {}", e.seq, e.device))
            .unwrap_or_default();
        return Err(format!(
            "the events form a cycle ({stuck} waits for itself): they were not written by tekseru"
        ));
    }
    Ok((out, clocks))
}

/// An inspection's events, read, decoded and ordered.
pub(crate) struct Dag {
    /// The signed events, with their stored hashes, in topological order.
    pub(crate) events: Vec<(SignedEvent, String, Decoded)>,
    /// Each event's causal clock.
    pub(crate) clocks: Vec<VersionVector>,
}

impl Dag {
    /// Reads an inspection's DAG; an event that cannot be read is an error naming it
    /// (`verify` reports rather than fails).
    pub(crate) fn load(conn: &Connection, id: &str) -> Result<Dag> {
        let mut events = Vec::new();
        for row in rows(conn, id)? {
            let signed = row.signed().map_err(|e| {
                StoreError::Corrupt(format!("event #{} of device {}: {e}", row.seq, row.device))
            })?;
            let decoded = decode(&signed.event.body).map_err(|e| {
                StoreError::Corrupt(format!("event #{} of device {}: {e}", row.seq, row.device))
            })?;
            events.push((signed, row.hash, decoded));
        }
        Dag::ordered(events).map_err(StoreError::Corrupt)
    }

    /// Orders events already read.
    pub(crate) fn ordered(
        events: Vec<(SignedEvent, String, Decoded)>,
    ) -> std::result::Result<Dag, String> {
        let linked: Vec<Linked<'_>> = events
            .iter()
            .map(|(s, hash, _)| Linked {
                hash: hash.as_str(),
                device: &s.event.device,
                seq: s.event.seq,
                prev: s.event.prev.as_ref().map(EventHash::as_str),
                parents: s.event.parents.iter().map(EventHash::as_str).collect(),
            })
            .collect();
        let (order, clocks) = order(&linked)?;
        drop(linked);
        let mut slots: Vec<Option<(SignedEvent, String, Decoded)>> =
            events.into_iter().map(Some).collect();
        let mut sorted = Vec::with_capacity(slots.len());
        let mut sorted_clocks = Vec::with_capacity(slots.len());
        for i in order {
            if let Some(e) = slots.get_mut(i).and_then(Option::take) {
                sorted.push(e);
                sorted_clocks.push(clocks.get(i).cloned().unwrap_or_default());
            }
        }
        Ok(Dag {
            events: sorted,
            clocks: sorted_clocks,
        })
    }

    /// The nodes the fold takes.
    pub(crate) fn nodes(&self) -> Vec<Node<'_>> {
        self.events
            .iter()
            .zip(&self.clocks)
            .map(|((s, hash, d), clock)| Node {
                hash,
                device: &s.event.device,
                seq: s.event.seq,
                clock,
                at: &s.event.at,
                actor_name: &d.actor_name,
                change: &d.change,
            })
            .collect()
    }

    /// The inspection the DAG describes, with its head.
    pub(crate) fn inspection(
        &self,
        id: &str,
        head: String,
    ) -> std::result::Result<Inspection, String> {
        let mut inspection = fold(id, &self.nodes())?;
        inspection.audit_head = head;
        Ok(inspection)
    }
}
