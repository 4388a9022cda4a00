//! `audit verify`: recompute an inspection's chain, replay it, compare the result with the
//! tables, and re-hash every blob it refers to. Each problem is named, first break first.

use serde::Serialize;

use crate::audit::{short, Entry, GENESIS};
use crate::error::Result;
use crate::evidence::check_blob;
use crate::model::Inspection;
use crate::store::{load, replayed, trail, Store};

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// The inspection.
    pub inspection: String,
    /// Entries in its trail.
    pub entries: usize,
    /// The hash of the last entry.
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
    /// Checks an inspection's audit trail, its tables and its evidence.
    pub fn verify(&self, id: &str) -> Result<Verification> {
        let conn = &self.conn;
        let rows = trail(conn, id)?;
        let stored = load(conn, id);
        let mut problems = Vec::new();
        let mut entries: Vec<(Entry, String)> = Vec::new();
        let mut prev = GENESIS.to_owned();
        let mut expected_seq = 1i64;
        // Whether an earlier entry names its inspection (format 2): every later one must.
        let mut named = false;
        for (seq, text, stored_prev, stored_hash) in &rows {
            if *seq != expected_seq {
                problems.push(format!(
                    "audit entry #{expected_seq} is missing (the trail jumps from #{} to #{seq})",
                    expected_seq.saturating_sub(1)
                ));
            }
            expected_seq = seq.saturating_add(1);
            let entry: Entry = match serde_json::from_str(text) {
                Ok(e) => e,
                Err(e) => {
                    problems.push(format!("audit entry #{seq} cannot be read ({e})"));
                    prev = stored_hash.clone();
                    continue;
                }
            };
            if *stored_prev != prev {
                problems.push(format!(
                    "audit entry #{seq} ({}) does not follow the entry before it: an entry was removed or replaced",
                    entry.change.describe()
                ));
            }
            match entry.inspection.as_deref() {
                Some(other) if other != id => problems.push(format!(
                    "audit entry #{seq} ({}) belongs to inspection '{other}', not to this one: it was copied from another trail",
                    entry.change.describe()
                )),
                None if named => problems.push(format!(
                    "audit entry #{seq} ({}) does not name its inspection although an earlier entry does: it was not written by tekseru",
                    entry.change.describe()
                )),
                _ => {}
            }
            named |= entry.inspection.is_some();
            let hash = match entry.hash(stored_prev) {
                Ok(hash) => hash,
                Err(e) => {
                    problems.push(e.to_string());
                    String::new()
                }
            };
            if hash != *stored_hash || entry.seq as i64 != *seq {
                problems.push(format!(
                    "audit entry #{seq} ({}, {} by {}) was altered: its content no longer matches its hash",
                    entry.change.describe(),
                    entry.at,
                    entry.actor_name
                ));
            }
            prev = stored_hash.clone();
            entries.push((entry, stored_hash.clone()));
        }
        let head = prev.clone();
        match (&stored, replayed(id, &entries)) {
            (Err(e), _) => problems.push(format!("the inspection cannot be read: {e}")),
            (Ok(_), Err(reason)) => problems.push(reason),
            (Ok(tables), Ok(trail)) => {
                if tables.audit_head != head {
                    problems.push(format!(
                        "the trail ends at #{} but the inspection's head is another entry: entries were removed from its end",
                        rows.len()
                    ));
                }
                compare(tables, &trail, &mut problems);
            }
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
