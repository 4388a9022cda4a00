//! `audit verify`: check an inspection's signed events (signatures, chains, the DAG, the
//! audit chain carried over from older stores), replay them, compare the result with the
//! tables, and re-hash every blob it refers to. Each problem is named, first break first.

use serde::Serialize;

use std::collections::HashMap;

use rusqlite::OptionalExtension;
use tekseru_ledger::{PublicKey, SignedEvent};

use crate::audit::{short, GENESIS};
use crate::dag::{self, Dag, Decoded};
use crate::device;
use crate::error::Result;
use crate::evidence::check_blob;
use crate::model::Inspection;
use crate::store::{load, Store};

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// The inspection.
    pub inspection: String,
    /// Events in its DAG.
    pub entries: usize,
    /// Its head (see `Inspection::audit_head`).
    pub head: String,
    /// What is wrong, first break first; empty when intact.
    pub problems: Vec<String>,
}

impl Verification {
    /// Whether the trail, the tables and the evidence agree.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Store {
    /// Checks an inspection's events (every signature under its device's key, every
    /// device's chain, the DAG's links, the carried-over audit chain), replays them and
    /// compares the result with the tables, and re-hashes the evidence. The first bad
    /// event is named first.
    pub fn verify(&self, id: &str) -> Result<Verification> {
        let conn = &self.conn;
        let rows = dag::rows(conn, id)?;
        let stored = load(conn, id);
        let mut problems = Vec::new();
        let mut events: Vec<(SignedEvent, String, Decoded)> = Vec::new();
        let mut keys: HashMap<String, Option<PublicKey>> = HashMap::new();
        let mut chain: Option<(&str, i64, &str)> = None;
        let mut legacy_prev = GENESIS.to_owned();
        let mut legacy_count = 0u64;
        // Whether an earlier legacy entry names its inspection (format 2): every later one must.
        let mut named = false;
        for row in &rows {
            let (expected, prev) = match chain {
                Some((device, seq, hash)) if device == row.device => {
                    (seq.saturating_add(1), Some(hash))
                }
                _ => (1, None),
            };
            if row.seq != expected {
                problems.push(format!(
                    "event #{expected} of device {} is missing (its chain jumps from #{} to #{})",
                    row.device,
                    expected.saturating_sub(1),
                    row.seq
                ));
            }
            chain = Some((row.device.as_str(), row.seq, row.hash.as_str()));
            let name = format!("event #{} of device {}", row.seq, row.device);
            let signed = match row.signed() {
                Ok(s) => s,
                Err(e) => {
                    problems.push(format!("{name} cannot be read ({e})"));
                    continue;
                }
            };
            let decoded = match dag::decode(&signed.event.body) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(format!("{name} cannot be read ({e})"));
                    continue;
                }
            };
            let what = decoded.change.describe();
            if row.prev.as_deref() != prev {
                problems.push(format!(
                    "{name} ({what}) does not follow the event before it: an event was removed or replaced"
                ));
            }
            if signed.event.inspection != id {
                problems.push(format!(
                    "{name} ({what}) belongs to inspection '{}', not to this one: it was copied from another inspection",
                    signed.event.inspection
                ));
            }
            let key = match keys.get(&row.device) {
                Some(k) => *k,
                None => {
                    let k = device::card(conn, &row.device)?.map(|c| c.public_key);
                    keys.insert(row.device.clone(), k);
                    k
                }
            };
            match key {
                None => problems.push(format!(
                    "{name} ({what}) is signed by a device this store never accepted"
                )),
                Some(key) => match signed.verify(&key) {
                    Ok(hash) if hash.as_str() == row.hash => {}
                    _ => problems.push(format!(
                        "{name} ({what}, {} by {}) was altered: its signature does not verify",
                        signed.event.at, decoded.actor_name
                    )),
                },
            }
            if let Some((entry, legacy)) = &decoded.legacy {
                legacy_count += 1;
                let seq = entry.seq;
                if legacy.prev != legacy_prev {
                    problems.push(format!(
                        "audit entry #{seq} ({what}) does not follow the entry before it: an entry was removed or replaced"
                    ));
                }
                match entry.inspection.as_deref() {
                    Some(other) if other != id => problems.push(format!(
                        "audit entry #{seq} ({what}) belongs to inspection '{other}', not to this one: it was copied from another trail"
                    )),
                    None if named => problems.push(format!(
                        "audit entry #{seq} ({what}) does not name its inspection although an earlier entry does: it was not written by tekseru"
                    )),
                    _ => {}
                }
                named |= entry.inspection.is_some();
                let hash = match entry.hash(&legacy.prev) {
                    Ok(hash) => hash,
                    Err(e) => {
                        problems.push(e.to_string());
                        String::new()
                    }
                };
                if hash != legacy.hash || seq != legacy_count {
                    problems.push(format!(
                        "audit entry #{seq} ({what}, {} by {}) was altered: its content no longer matches its hash",
                        entry.at, entry.actor_name
                    ));
                }
                legacy_prev.clone_from(&legacy.hash);
            }
            events.push((signed, row.hash.clone(), decoded));
        }
        let legacy_head: Option<String> = conn
            .query_row(
                "SELECT CAST(head AS TEXT) FROM legacy_head WHERE inspection = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(old) = legacy_head.filter(|h| *h != legacy_prev) {
            problems.push(format!(
                "the audit trail carried over ends at #{legacy_count} but the inspection's head was another entry ({}): entries were removed from its end",
                short(&old)
            ));
        }
        let heads = dag::heads(conn, id)?;
        let head = dag::digest(&heads);
        match (&stored, Dag::ordered(events)) {
            (Err(e), _) => problems.push(format!("the inspection cannot be read: {e}")),
            (Ok(_), Err(reason)) => problems.push(reason),
            (Ok(tables), Ok(dag)) => match dag.inspection(id, head.clone()) {
                Err(reason) => problems.push(reason),
                Ok(trail) => {
                    if tables.audit_head != head {
                        let end = match heads.as_slice() {
                            [one] => rows
                                .iter()
                                .find(|r| r.hash == *one)
                                .map(|r| format!("event #{} of device {}", r.seq, r.device))
                                .unwrap_or_default(),
                            _ => format!("{} heads", heads.len()),
                        };
                        problems.push(format!(
                            "the trail ends at {end} but the inspection's head is another event: events were removed from its end"
                        ));
                    }
                    compare(tables, &trail, &mut problems);
                }
            },
        }
        if let Ok(inspection) = &stored {
            for e in &inspection.evidence {
                if let Some(reason) = check_blob(conn, &e.sha256)? {
                    problems.push(format!(
                        "evidence '{}' ({}): {reason}",
                        e.name,
                        short(&e.sha256)
                    ));
                }
            }
            for a in &inspection.acts {
                if let Some(reason) = check_blob(conn, &a.sha256)? {
                    problems.push(format!(
                        "the {} act ({}): {reason}",
                        a.kind,
                        short(&a.sha256)
                    ));
                }
            }
        }
        Ok(Verification {
            inspection: id.to_owned(),
            entries: rows.len(),
            head,
            problems,
        })
    }
}

/// Names every difference between the tables and the replayed trail.
fn compare(tables: &Inspection, trail: &Inspection, problems: &mut Vec<String>) {
    let behind = "changed behind tekseru's back";
    let field = |name: &str, a: String, b: String, problems: &mut Vec<String>| {
        if a != b {
            problems.push(format!(
                "the inspection's {name} in the store ({a}) differs from the audit trail ({b}): {behind}"
            ));
        }
    };
    field(
        "CA name",
        tables.ca_name.clone(),
        trail.ca_name.clone(),
        problems,
    );
    field(
        "BIN",
        tables.bin.to_string(),
        trail.bin.to_string(),
        problems,
    );
    field("site", tables.site.clone(), trail.site.clone(), problems);
    if tables.checklist != trail.checklist {
        problems.push(format!(
            "the inspection's checklist snapshot differs from the audit trail: {behind}"
        ));
    }
    if tables.training != trail.training {
        problems.push(format!(
            "the inspection's training flag in the store ({}) differs from the audit trail ({}): {behind}",
            tables.training, trail.training
        ));
    }
    if tables.roster != trail.roster {
        problems.push(format!(
            "the commission's roster differs from the audit trail: {behind}"
        ));
    }
    for a in &tables.answers {
        match trail.answer(&a.item) {
            None => problems.push(format!(
                "the answer to item '{}' is in the store but not in the audit trail: {behind}",
                a.item
            )),
            Some(b) if b != a => problems.push(format!(
                "the answer to item '{}' differs from the audit trail (store: {}; trail: {}): {behind}",
                a.item,
                describe(a),
                describe(b)
            )),
            Some(_) => {}
        }
    }
    for b in &trail.answers {
        if tables.answer(&b.item).is_none() {
            problems.push(format!(
                "the answer to item '{}' ({}) is in the audit trail but missing from the store: {behind}",
                b.item,
                describe(b)
            ));
        }
    }
    if tables.evidence != trail.evidence {
        let names = |i: &Inspection| -> Vec<String> {
            i.evidence
                .iter()
                .map(|e| format!("{} {}", e.name, short(&e.sha256)))
                .collect()
        };
        problems.push(format!(
            "the evidence list differs from the audit trail (store: [{}]; trail: [{}]): {behind}",
            names(tables).join(", "),
            names(trail).join(", ")
        ));
    }
    if (
        &tables.findings,
        &tables.conclusions,
        &tables.recommendations,
    ) != (&trail.findings, &trail.conclusions, &trail.recommendations)
    {
        problems.push(format!(
            "the findings, conclusions or recommendations differ from the audit trail: {behind}"
        ));
    }
    if tables.settings != trail.settings {
        problems.push(format!(
            "the quorum settings differ from the audit trail: {behind}"
        ));
    }
    if tables.details != trail.details {
        problems.push(format!(
            "the act's details differ from the audit trail: {behind}"
        ));
    }
    if tables.dissents != trail.dissents {
        problems.push(format!(
            "the dissents differ from the audit trail: {behind}"
        ));
    }
    if tables.events != trail.events {
        problems.push(format!(
            "the procedure's dates differ from the audit trail: {behind}"
        ));
    }
    if tables.acts != trail.acts {
        problems.push(format!(
            "the act's revisions differ from the audit trail: {behind}"
        ));
    }
    if (&tables.seal, tables.amendments) != (&trail.seal, trail.amendments) {
        problems.push(format!("the seal differs from the audit trail: {behind}"));
    }
    if tables.conflicts != trail.conflicts {
        let names = |i: &Inspection| i.conflicts_named(10);
        problems.push(format!(
            "the open conflicts in the store ({}) differ from the merge of the events ({}): {behind}",
            names(tables),
            names(trail)
        ));
    }
}

fn describe(a: &crate::model::Answer) -> String {
    let mut parts = Vec::new();
    if let Some(v) = a.verdict {
        parts.push(format!("verdict {}", crate::store::verdict_str(v)));
    }
    if let Some(v) = a.value {
        parts.push(format!("value {v}"));
    }
    if let Some(n) = &a.note {
        parts.push(format!("note '{n}'"));
    }
    if let Some(rows) = &a.inventory {
        parts.push(format!("{} inventory rows", rows.len()));
    }
    if parts.is_empty() {
        "empty".into()
    } else {
        parts.join(", ")
    }
}
