//! The merge: an inspection's state is a deterministic fold over its event DAG.
//!
//! Every field is a register: an item's verdict, value and note, whether it has an inventory,
//! each inventory row (by id), each evidence file (by item and SHA-256), the findings, the
//! conclusions, the recommendations, each field of the act's details, each member's dissent
//! and each step's date. A register holds the writes to it that no later write supersedes:
//! write `w` supersedes `h` when `h` happened before `w` (`w`'s clock covers `h`). One such
//! write gives the value; several with equal values are parallel, merged; several with
//! different values are a [`Conflict`], kept with every version until a person resolves it
//! with a write that saw them all ([`Change::Resolved`], or any later edit of the field).
//! Rows and files are sets keyed by id with tombstones (`null`), so edit+delete conflicts too.
//! Nothing is dropped: every write stays in the trail.
//!
//! The fold is linear in the number of events (times the few heads a register holds), using
//! the clocks instead of walking ancestry.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, Connection, Transaction};
use serde_json::Value;
use tekseru_core::{Checklist, Iin, ItemKind, Verdict};
use tekseru_ledger::{DeviceId, VersionVector};

use crate::audit::{Change, RowWrite};
use crate::error::{Result, StoreError};
use crate::model::{
    ActDetails, Answer, Choice, Conflict, Dissent, Evidence, Inspection, InventoryRow,
    ProcedureEvent, Recommendation, Seal, Version,
};
use crate::store::{inventory_verdict, Store};

/// The pseudo-item of the findings, conclusions and recommendations.
pub(crate) const ACT: &str = "@act";
/// The pseudo-item of the act's details, one field per detail.
pub(crate) const DETAILS: &str = "@details";
/// The pseudo-item of the dissents, one field per member's IIN.
pub(crate) const DISSENTS: &str = "@dissents";
/// The pseudo-item of the procedure's dates, one field per step.
pub(crate) const EVENTS: &str = "@events";
/// The pseudo-item of evidence attached to the inspection as a whole.
pub(crate) const INSPECTION: &str = "@inspection";

/// The fields of [`ActDetails`], as it serialises them.
const DETAIL_FIELDS: [&str; 8] = [
    "commission_order",
    "commission_order_date",
    "act_number",
    "legal_address",
    "present",
    "subject",
    "onsite_start",
    "violations",
];

/// The fields of the act's details, by the names they serialise under.
pub(crate) fn detail_fields() -> [&'static str; 8] {
    DETAIL_FIELDS
}

/// One event of the DAG, as the fold sees it, given in a deterministic topological order
/// (dag computes it: Kahn's algorithm, ties broken by event hash).
pub(crate) struct Node<'a> {
    /// The event's hash.
    pub hash: &'a str,
    /// The device that wrote it.
    pub device: &'a DeviceId,
    /// Its number in that device's chain.
    pub seq: u64,
    /// The event's causal past including itself: for each device the highest seq it had seen.
    /// Event a happened before b  iff  b.clock.get(a.device) >= a.seq.
    pub clock: &'a VersionVector,
    /// When (RFC 3339, UTC).
    pub at: &'a str,
    /// The inspector's name the device is bound to.
    pub actor_name: &'a str,
    /// What changed.
    pub change: &'a Change,
}

impl Node<'_> {
    /// Whether `self` happened before `later` (or is it).
    fn before(&self, later: &Node<'_>) -> bool {
        later.clock.get(self.device) >= self.seq
    }
}

/// Which register of an item (or pseudo-item).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Slot {
    Verdict,
    Value,
    Note,
    /// Whether the item has an inventory at all.
    Inventory,
    Row(String),
    Evidence(String),
    /// A field of a pseudo-item.
    Field(String),
}

impl Slot {
    fn name(&self) -> &str {
        match self {
            Slot::Verdict => "verdict",
            Slot::Value => "value",
            Slot::Note => "note",
            Slot::Inventory => "inventory",
            Slot::Row(id) | Slot::Evidence(id) | Slot::Field(id) => id,
        }
    }

    /// Rows and files show the kept side while an edit and a delete conflict.
    fn keeps(&self) -> bool {
        matches!(self, Slot::Row(_) | Slot::Evidence(_))
    }

    /// Whether two values are the same version. A file is the same file whoever attached it.
    fn same(&self, a: &Value, b: &Value) -> bool {
        match self {
            Slot::Evidence(_) => a.is_null() == b.is_null(),
            _ => a == b,
        }
    }
}

struct Write {
    node: usize,
    value: Value,
}

struct Register {
    heads: Vec<Write>,
    /// The order of its first write, for sets shown in the order they grew.
    first: usize,
}

impl Register {
    fn conflicting(&self, slot: &Slot) -> bool {
        match self.heads.split_first() {
            Some((a, rest)) => rest.iter().any(|b| !slot.same(&a.value, &b.value)),
            None => false,
        }
    }

    /// The value shown: the last head in the fold's order (for rows and files, the last
    /// that keeps it).
    fn winner(&self, slot: &Slot) -> Option<&Write> {
        if slot.keeps() {
            if let Some(w) = self.heads.iter().rev().find(|w| !w.value.is_null()) {
                return Some(w);
            }
        }
        self.heads.last()
    }
}

type Key = (String, Slot);

struct Folder<'n, 'a> {
    nodes: &'n [Node<'a>],
    regs: BTreeMap<Key, Register>,
    writes: usize,
    /// Each item's rows, in the order they were first written.
    rows_of: HashMap<String, Vec<String>>,
    /// Items answered, in the order first touched, with the last event touching them.
    items: Vec<String>,
    touched: HashMap<String, usize>,
    iins: HashMap<String, Iin>,
    acts: Vec<crate::model::ActRevision>,
    seal: Option<usize>,
    amending: Vec<usize>,
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// `[]` and `null` are one value (an empty list is how a cleared detail is left out).
fn normal(value: Value) -> Value {
    match value {
        Value::Array(a) if a.is_empty() => Value::Null,
        Value::String(s) if s.is_empty() => Value::Null,
        other => other,
    }
}

impl<'n, 'a> Folder<'n, 'a> {
    fn write(&mut self, item: &str, slot: Slot, node: usize, value: Value) {
        let nodes = self.nodes;
        let Some(n) = nodes.get(node) else { return };
        if let Slot::Row(id) = &slot {
            if !self.regs.contains_key(&(item.to_owned(), slot.clone())) {
                self.rows_of
                    .entry(item.to_owned())
                    .or_default()
                    .push(id.clone());
            }
        }
        let writes = &mut self.writes;
        let reg = self.regs.entry((item.to_owned(), slot)).or_insert_with(|| {
            *writes += 1;
            Register {
                heads: Vec::new(),
                first: *writes,
            }
        });
        reg.heads
            .retain(|w| nodes.get(w.node).is_none_or(|h| !h.before(n)));
        reg.heads.push(Write { node, value });
    }

    fn touch(&mut self, item: &str, node: usize) {
        if self.touched.insert(item.to_owned(), node).is_none() {
            self.items.push(item.to_owned());
        }
    }

    /// The slot a resolution names.
    fn slot_of(&self, item: &str, field: &str) -> Option<Slot> {
        if item.starts_with('@') && item != INSPECTION {
            return Some(Slot::Field(field.to_owned()));
        }
        match field {
            "verdict" => return Some(Slot::Verdict),
            "value" => return Some(Slot::Value),
            "note" => return Some(Slot::Note),
            "inventory" => return Some(Slot::Inventory),
            _ => {}
        }
        let key = |s: Slot| (item.to_owned(), s);
        [
            Slot::Row(field.to_owned()),
            Slot::Evidence(field.to_owned()),
        ]
        .into_iter()
        .find(|s| self.regs.contains_key(&key(s.clone())))
    }

    fn apply(&mut self, i: usize, change: &Change) -> std::result::Result<(), String> {
        if amends(change) {
            self.amending.push(i);
        }
        match change {
            Change::Created { .. } => {
                return Err(format!(
                    "event #{i} creates the inspection again: only its first event may"
                ))
            }
            Change::Answered {
                item,
                verdict,
                value,
                note,
                inventory,
            } => {
                self.write(item, Slot::Verdict, i, json(verdict));
                self.write(item, Slot::Value, i, json(value));
                self.write(item, Slot::Note, i, json(note));
                self.write(item, Slot::Inventory, i, Value::Bool(inventory.is_some()));
                // An old event writes every row: those it leaves out are deleted.
                let mut listed = Vec::new();
                for (n, row) in inventory.iter().flatten().enumerate() {
                    let id = row_id(item, n, &row.id);
                    let row = InventoryRow {
                        id: id.clone(),
                        ..row.clone()
                    };
                    self.write(item, Slot::Row(id.clone()), i, json(&row));
                    listed.push(id);
                }
                let old: Vec<String> = self.rows_of.get(item).cloned().unwrap_or_default();
                for id in old.into_iter().filter(|id| !listed.contains(id)) {
                    self.write(item, Slot::Row(id), i, Value::Null);
                }
                self.touch(item, i);
            }
            Change::AnswerSet {
                item,
                verdict,
                value,
                note,
                inventory,
                rows,
            } => {
                if let Some(v) = verdict {
                    self.write(item, Slot::Verdict, i, json(v));
                }
                if let Some(v) = value {
                    self.write(item, Slot::Value, i, json(v));
                }
                if let Some(n) = note {
                    self.write(item, Slot::Note, i, json(n));
                }
                if let Some(present) = inventory {
                    self.write(item, Slot::Inventory, i, Value::Bool(*present));
                }
                for RowWrite { id, row } in rows {
                    let value = match row {
                        Some(row) => json(&InventoryRow {
                            id: id.clone(),
                            ..row.clone()
                        }),
                        None => Value::Null,
                    };
                    self.write(item, Slot::Row(id.clone()), i, value);
                }
                self.touch(item, i);
            }
            Change::EvidenceAdded { evidence } => {
                let item = evidence.item.as_deref().unwrap_or(INSPECTION);
                self.write(
                    item,
                    Slot::Evidence(evidence.sha256.clone()),
                    i,
                    json(evidence),
                );
            }
            Change::EvidenceRemoved { sha256, item } => {
                let item = item.as_deref().unwrap_or(INSPECTION);
                self.write(item, Slot::Evidence(sha256.clone()), i, Value::Null);
            }
            Change::ConclusionsSet {
                findings,
                conclusions,
                recommendations,
            } => {
                self.write(ACT, field("findings"), i, normal(json(findings)));
                self.write(ACT, field("conclusions"), i, normal(json(conclusions)));
                let recs = normal(json(recommendations));
                self.write(ACT, field("recommendations"), i, recs);
            }
            Change::ConclusionsEdited {
                findings,
                conclusions,
                recommendations,
            } => {
                if let Some(f) = findings {
                    self.write(ACT, field("findings"), i, normal(json(f)));
                }
                if let Some(c) = conclusions {
                    self.write(ACT, field("conclusions"), i, normal(json(c)));
                }
                if let Some(r) = recommendations {
                    self.write(ACT, field("recommendations"), i, normal(json(r)));
                }
            }
            Change::DetailsSet { details } => {
                let all = json(details);
                for name in DETAIL_FIELDS {
                    let v = all.get(name).cloned().unwrap_or(Value::Null);
                    self.write(DETAILS, field(name), i, normal(v));
                }
            }
            Change::DetailsEdited { fields } => {
                for (name, v) in fields {
                    if DETAIL_FIELDS.contains(&name.as_str()) {
                        self.write(DETAILS, field(name), i, normal(v.clone()));
                    }
                }
            }
            Change::DissentRecorded { iin, reason } => {
                let key = iin.to_string();
                self.iins.insert(key.clone(), *iin);
                self.write(DISSENTS, Slot::Field(key), i, Value::String(reason.clone()));
            }
            Change::EventRecorded { event } => {
                self.write(EVENTS, field(&event.step), i, json(event));
            }
            Change::ActStored { act } => self.acts.push(act.clone()),
            Change::Sealed { .. } => self.seal = Some(i),
            Change::RootTrusted { .. } => {}
            Change::Resolved {
                item,
                field,
                value,
                also,
            } => {
                let pseudo = item.starts_with('@');
                for (f, v) in std::iter::once((field, value)).chain(also.iter()) {
                    if let Some(slot) = self.slot_of(item, f) {
                        let v = if pseudo { normal(v.clone()) } else { v.clone() };
                        self.write(item, slot, i, v);
                    }
                }
                if !pseudo {
                    self.touch(item, i);
                }
            }
        }
        Ok(())
    }

    fn reg(&self, item: &str, slot: Slot) -> Option<(&Register, Slot)> {
        let key = (item.to_owned(), slot);
        self.regs.get(&key).map(|r| (r, key.1))
    }

    /// The value shown for a register, read as `T` (its default when never written).
    fn value<T: serde::de::DeserializeOwned + Default>(
        &self,
        item: &str,
        slot: Slot,
    ) -> std::result::Result<T, String> {
        match self.reg(item, slot) {
            Some((reg, slot)) => match reg.winner(&slot) {
                Some(w) if !w.value.is_null() => serde_json::from_value(w.value.clone())
                    .map_err(|e| format!("{item} {}: {e}", slot.name())),
                _ => Ok(T::default()),
            },
            None => Ok(T::default()),
        }
    }
}

fn field(name: &str) -> Slot {
    Slot::Field(name.to_owned())
}

/// A row's id: its own, or for rows written before rows had ids, `ITEM#INDEX`.
pub(crate) fn row_id(item: &str, index: usize, id: &str) -> String {
    if id.is_empty() {
        format!("{item}#{index}")
    } else {
        id.to_owned()
    }
}

/// Whether a change, made after the seal, amends the sealed content.
fn amends(change: &Change) -> bool {
    matches!(
        change,
        Change::Answered { .. }
            | Change::AnswerSet { .. }
            | Change::EvidenceAdded { .. }
            | Change::EvidenceRemoved { .. }
            | Change::ConclusionsSet { .. }
            | Change::ConclusionsEdited { .. }
            | Change::DetailsSet { .. }
            | Change::DetailsEdited { .. }
            | Change::Resolved { .. }
    )
}

/// The inspection that the DAG's events describe, or why they describe none. `nodes` come in
/// a topological order; the result depends only on the set of events and that order.
pub(crate) fn fold(id: &str, nodes: &[Node<'_>]) -> std::result::Result<Inspection, String> {
    let Some(first) = nodes.first() else {
        return Err("the audit trail is empty".into());
    };
    let Change::Created {
        ca_name,
        bin,
        site,
        checklist,
        roster,
        training,
        settings,
    } = first.change
    else {
        return Err("the audit trail does not start with the inspection's creation".into());
    };
    let mut f = Folder {
        nodes,
        regs: BTreeMap::new(),
        writes: 0,
        rows_of: HashMap::new(),
        items: Vec::new(),
        touched: HashMap::new(),
        iins: HashMap::new(),
        acts: Vec::new(),
        seal: None,
        amending: Vec::new(),
    };
    for (i, node) in nodes.iter().enumerate().skip(1) {
        f.apply(i, node.change)?;
    }
    let checklist: &Checklist = checklist;
    let mut hidden: Vec<Key> = Vec::new();
    let mut answers = Vec::new();
    for item in &f.items {
        let Some(last) = f.touched.get(item).and_then(|n| nodes.get(*n)) else {
            continue;
        };
        let mut verdict: Option<Verdict> = f.value(item, Slot::Verdict)?;
        let value: Option<f64> = f.value(item, Slot::Value)?;
        let note: Option<String> = f.value(item, Slot::Note)?;
        let present = f
            .reg(item, Slot::Inventory)
            .is_some_and(|(r, _)| r.heads.iter().any(|w| w.value == Value::Bool(true)));
        let mut rows_clean = true;
        let inventory = if present {
            let mut rows = Vec::new();
            for id in f.rows_of.get(item).into_iter().flatten() {
                let Some((reg, slot)) = f.reg(item, Slot::Row(id.clone())) else {
                    continue;
                };
                rows_clean &= !reg.conflicting(&slot);
                if let Some(w) = reg.winner(&slot).filter(|w| !w.value.is_null()) {
                    let row: InventoryRow = serde_json::from_value(w.value.clone())
                        .map_err(|e| format!("{item} row {id}: {e}"))?;
                    rows.push(InventoryRow {
                        id: id.clone(),
                        ..row
                    });
                }
            }
            Some(rows)
        } else {
            None
        };
        // A computed verdict written differently on two laptops follows from the merged
        // value or rows when those agree: that is no conflict of its own.
        if let Some((reg, slot)) = f.reg(item, Slot::Verdict) {
            if reg.conflicting(&slot) {
                let kind = checklist.item(item).map(|i| (i.kind, i.rule));
                let derived = match (kind, value, &inventory) {
                    (Some((ItemKind::Measure, Some(rule))), Some(v), _) => f
                        .reg(item, Slot::Value)
                        .filter(|(r, s)| !r.conflicting(s))
                        .map(|_| rule.verdict(v)),
                    (Some((ItemKind::Inventory, _)), _, Some(rows)) if rows_clean => {
                        Some(inventory_verdict(rows))
                    }
                    _ => None,
                };
                if let Some(d) = derived {
                    verdict = Some(d);
                    hidden.push((item.clone(), Slot::Verdict));
                }
            }
        }
        answers.push(Answer {
            item: item.clone(),
            verdict,
            value,
            note,
            inventory,
            updated_by: last.actor_name.to_owned(),
            updated_at: last.at.to_owned(),
        });
    }
    let order: HashMap<&str, usize> = checklist
        .items()
        .enumerate()
        .map(|(n, (_, i))| (i.id.as_str(), n))
        .collect();
    answers.sort_by_key(|a| order.get(a.item.as_str()).copied().unwrap_or(usize::MAX));

    let mut conflicts = Vec::new();
    let mut evidence: Vec<(usize, Evidence)> = Vec::new();
    let mut dissents: Vec<(usize, Dissent)> = Vec::new();
    let mut events: Vec<(usize, ProcedureEvent)> = Vec::new();
    let mut details = serde_json::Map::new();
    for ((item, slot), reg) in &f.regs {
        if reg.conflicting(slot) && !hidden.iter().any(|(i, s)| i == item && s == slot) {
            conflicts.push(Conflict {
                item: item.clone(),
                field: slot.name().to_owned(),
                versions: reg
                    .heads
                    .iter()
                    .filter_map(|w| {
                        let n = nodes.get(w.node)?;
                        Some(Version {
                            value: w.value.clone(),
                            device: n.device.to_string(),
                            inspector: n.actor_name.to_owned(),
                            at: n.at.to_owned(),
                        })
                    })
                    .collect(),
            });
        }
        let Some(w) = reg.winner(slot) else { continue };
        match (item.as_str(), slot) {
            (_, Slot::Evidence(_)) => {
                // The first laptop's record of a file attached on several.
                if let Some(first) = reg.heads.iter().find(|w| !w.value.is_null()) {
                    let e: Evidence = serde_json::from_value(first.value.clone())
                        .map_err(|e| format!("evidence {}: {e}", slot.name()))?;
                    evidence.push((reg.first, e));
                }
            }
            (DETAILS, Slot::Field(name)) if !w.value.is_null() => {
                details.insert(name.clone(), w.value.clone());
            }
            (DISSENTS, Slot::Field(iin)) => {
                if let (Some(iin), Value::String(reason), Some(n)) =
                    (f.iins.get(iin), &w.value, nodes.get(w.node))
                {
                    let d = Dissent {
                        iin: *iin,
                        reason: reason.clone(),
                        at: n.at.to_owned(),
                    };
                    dissents.push((w.node, d));
                }
            }
            (EVENTS, Slot::Field(step)) if !w.value.is_null() => {
                let e: ProcedureEvent = serde_json::from_value(w.value.clone())
                    .map_err(|e| format!("the date of step '{step}': {e}"))?;
                events.push((w.node, e));
            }
            _ => {}
        }
    }
    // By item and field as text, the order the tables list them in.
    conflicts.sort_by(|a, b| (&a.item, &a.field).cmp(&(&b.item, &b.field)));
    evidence.sort_by_key(|(n, _)| *n);
    dissents.sort_by_key(|(n, _)| *n);
    events.sort_by_key(|(n, _)| *n);
    let details: ActDetails = serde_json::from_value(Value::Object(details))
        .map_err(|e| format!("the act's details: {e}"))?;
    let findings: String = f.value(ACT, field("findings"))?;
    let conclusions: String = f.value(ACT, field("conclusions"))?;
    let recommendations: Vec<Recommendation> = f.value(ACT, field("recommendations"))?;
    let (seal, amendments) = match f.seal.and_then(|s| nodes.get(s).map(|n| (s, n))) {
        Some((_, sealed)) => {
            let Change::Sealed { head } = sealed.change else {
                return Err("the seal is not a seal".into());
            };
            let after = f
                .amending
                .iter()
                .filter_map(|a| nodes.get(*a))
                .filter(|a| !a.before(sealed))
                .count();
            (
                Some(Seal {
                    head: head.clone(),
                    at: sealed.at.to_owned(),
                }),
                after,
            )
        }
        None => (None, 0),
    };
    Ok(Inspection {
        id: id.to_owned(),
        ca_name: ca_name.clone(),
        bin: *bin,
        site: site.clone(),
        checklist: checklist.clone(),
        roster: roster.clone(),
        settings: settings.unwrap_or_default(),
        details,
        created_at: first.at.to_owned(),
        created_by: first.actor_name.to_owned(),
        answers,
        evidence: evidence.into_iter().map(|(_, e)| e).collect(),
        findings,
        conclusions,
        recommendations,
        dissents: dissents.into_iter().map(|(_, d)| d).collect(),
        events: events.into_iter().map(|(_, e)| e).collect(),
        acts: f.acts,
        seal,
        amendments,
        audit_head: nodes.last().map(|n| n.hash.to_owned()).unwrap_or_default(),
        training: *training,
        conflicts,
    })
}

/// The item and field of every register a change writes.
fn written(change: &Change) -> Vec<(String, String)> {
    let own = |item: &str, fields: &[&str]| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|f| (item.to_owned(), (*f).to_owned()))
            .collect()
    };
    match change {
        Change::Answered { item, .. } => own(item, &["verdict", "value", "note", "inventory"]),
        Change::AnswerSet {
            item,
            verdict,
            value,
            note,
            inventory,
            rows,
        } => {
            let mut out = Vec::new();
            for (touched, name) in [
                (verdict.is_some(), "verdict"),
                (value.is_some(), "value"),
                (note.is_some(), "note"),
                (inventory.is_some(), "inventory"),
            ] {
                if touched {
                    out.push((item.clone(), name.to_owned()));
                }
            }
            out.extend(rows.iter().map(|r| (item.clone(), r.id.clone())));
            out
        }
        Change::EvidenceAdded { evidence } => vec![(
            evidence.item.clone().unwrap_or_else(|| INSPECTION.into()),
            evidence.sha256.clone(),
        )],
        Change::EvidenceRemoved { sha256, item } => vec![(
            item.clone().unwrap_or_else(|| INSPECTION.into()),
            sha256.clone(),
        )],
        Change::ConclusionsSet { .. } => own(ACT, &["findings", "conclusions", "recommendations"]),
        Change::ConclusionsEdited {
            findings,
            conclusions,
            recommendations,
        } => {
            let mut out = Vec::new();
            for (touched, name) in [
                (findings.is_some(), "findings"),
                (conclusions.is_some(), "conclusions"),
                (recommendations.is_some(), "recommendations"),
            ] {
                if touched {
                    out.push((ACT.to_owned(), name.to_owned()));
                }
            }
            out
        }
        Change::DetailsSet { .. } => own(DETAILS, &DETAIL_FIELDS),
        Change::DetailsEdited { fields } => fields
            .keys()
            .map(|k| (DETAILS.to_owned(), k.clone()))
            .collect(),
        Change::DissentRecorded { iin, .. } => vec![(DISSENTS.into(), iin.to_string())],
        Change::EventRecorded { event } => vec![(EVENTS.into(), event.step.clone())],
        Change::Resolved {
            item, field, also, ..
        } => std::iter::once(field)
            .chain(also.keys())
            .map(|f| (item.clone(), f.clone()))
            .collect(),
        Change::Created { .. }
        | Change::ActStored { .. }
        | Change::Sealed { .. }
        | Change::RootTrusted { .. } => Vec::new(),
    }
}

/// After a local change: the fields it wrote are settled, since a laptop's own write follows
/// every version it holds (its parents are all its heads).
pub(crate) fn settle(tx: &Transaction<'_>, id: &str, change: &Change) -> Result<()> {
    let written = written(change);
    if written.is_empty() {
        return Ok(());
    }
    let mut stmt = tx.prepare_cached(
        "DELETE FROM conflict WHERE inspection = ?1 AND item = ?2 AND field = ?3",
    )?;
    for (item, field) in written {
        stmt.execute(params![id, item, field])?;
    }
    Ok(())
}

/// Replaces an inspection's open conflicts in the tables with the fold's (after an import).
pub(crate) fn store_conflicts(
    tx: &Transaction<'_>,
    id: &str,
    conflicts: &[Conflict],
) -> Result<()> {
    tx.execute("DELETE FROM conflict WHERE inspection = ?1", [id])?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO conflict (inspection, item, field, versions) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for c in conflicts {
        stmt.execute(params![
            id,
            c.item,
            c.field,
            crate::store::to_json(&c.versions)?
        ])?;
    }
    Ok(())
}

/// An inspection's open conflicts, as the tables hold them, by item and field.
pub(crate) fn conflicts_of(conn: &Connection, id: &str) -> Result<Vec<Conflict>> {
    let mut stmt = conn.prepare_cached(
        "SELECT item, field, versions FROM conflict WHERE inspection = ?1 ORDER BY item, field",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(item, field, versions)| {
            let versions = serde_json::from_str(&versions)
                .map_err(|e| StoreError::Corrupt(format!("the conflict on {item} {field}: {e}")))?;
            Ok(Conflict {
                item,
                field,
                versions,
            })
        })
        .collect()
}

fn invalid(text: String) -> StoreError {
    StoreError::Invalid(text)
}

/// The value a typed resolution stands for, checked as the store checks an answer.
fn parse_choice(inspection: &Inspection, conflict: &Conflict, text: &str) -> Result<Value> {
    let (item, field) = (conflict.item.as_str(), conflict.field.as_str());
    let text_value = |t: &str| {
        let t = tekseru_core::nfc(t.trim());
        if t.is_empty() {
            Value::Null
        } else {
            Value::String(t)
        }
    };
    let none = matches!(text.trim(), "none" | "");
    let checked = inspection.checklist.item(item);
    match (item, field) {
        (ACT, "findings" | "conclusions") | (DISSENTS, _) => Ok(text_value(text)),
        (EVENTS, step) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let date = time::Date::parse(text.trim(), &format).map_err(|_| {
                invalid(format!(
                    "the date of step '{step}' is not YYYY-MM-DD: '{text}'"
                ))
            })?;
            Ok(json(&ProcedureEvent {
                step: step.to_owned(),
                date,
            }))
        }
        (ACT | DETAILS, _) => {
            let v = serde_json::from_str(text).unwrap_or_else(|_| text_value(text));
            Ok(normal(v))
        }
        (_, "verdict") => {
            if none {
                return Ok(Value::Null);
            }
            let v: Verdict =
                serde_json::from_value(Value::String(text.trim().into())).map_err(|_| {
                    invalid(format!(
                        "'{text}' is no verdict: use complies, fails, na or none"
                    ))
                })?;
            let computed =
                checked.is_some_and(|i| matches!(i.kind, ItemKind::Measure | ItemKind::Inventory));
            if computed && v != Verdict::NotApplicable {
                return Err(invalid(format!(
                    "item '{item}': its verdict follows from its value or rows; only 'na' or 'none' can be chosen"
                )));
            }
            Ok(json(&v))
        }
        (_, "value") => {
            if none {
                return Ok(Value::Null);
            }
            let v: f64 = text
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    invalid(format!("item '{item}': the value '{text}' is not a number"))
                })?;
            Ok(json(&v))
        }
        (_, "note") => Ok(text_value(text)),
        (_, "inventory") => match text.trim() {
            "true" | "false" => Ok(Value::Bool(text.trim() == "true")),
            _ => Err(invalid(format!(
                "item '{item}': whether it has an inventory is 'true' or 'false'"
            ))),
        },
        (_, id) => {
            let is_file = conflict
                .versions
                .iter()
                .any(|v| v.value.get("sha256").is_some());
            match text.trim() {
                "deleted" => Ok(Value::Null),
                "kept" if is_file => conflict
                    .versions
                    .iter()
                    .find(|v| !v.value.is_null())
                    .map(|v| v.value.clone())
                    .ok_or_else(|| invalid(format!("no version keeps the file {id}"))),
                _ if is_file => Err(invalid(format!(
                    "the file {id} is resolved as 'kept' or 'deleted'"
                ))),
                t => {
                    let row: InventoryRow = serde_json::from_str(t).map_err(|e| {
                        invalid(format!(
                            "item '{item}' row {id}: give the row as JSON or 'deleted' ({e})"
                        ))
                    })?;
                    if let Some(spec) = checked.and_then(|i| i.inventory.as_ref()) {
                        if !spec.kinds.contains(&row.kind) || !spec.roles.contains(&row.role) {
                            return Err(invalid(format!(
                                "item '{item}': a row of kind '{}' and role '{}' (expected kinds {:?}, roles {:?})",
                                row.kind, row.role, spec.kinds, spec.roles
                            )));
                        }
                    }
                    Ok(json(&crate::store::nfc_row(InventoryRow {
                        id: id.to_owned(),
                        ..row
                    })))
                }
            }
        }
    }
}

impl Store {
    /// Resolves the open conflict on `item`'s `field` (see [`Conflict`]) by taking one
    /// device's version or a new value: a signed event whose parents are the conflicting
    /// heads, so that it supersedes them on every laptop that receives it. The versions stay
    /// in the trail. The verdict of a measure or an inventory follows from the chosen value
    /// or rows. Returns the inspection as it now is.
    pub fn resolve(
        &mut self,
        id: &str,
        item: &str,
        field: &str,
        choice: Choice,
    ) -> Result<Inspection> {
        let (tx, who) = self.begin()?;
        let inspection = crate::store::load(&tx, id)?;
        let Some(conflict) = inspection
            .conflicts
            .iter()
            .find(|c| c.item == item && c.field == field)
        else {
            let open = if inspection.conflicts.is_empty() {
                "it has none".to_owned()
            } else {
                format!("open: {}", inspection.conflicts_named(10))
            };
            return Err(invalid(format!(
                "inspection '{id}' has no open conflict on {item} {field} ({open})"
            )));
        };
        let value = match &choice {
            Choice::Take(device) => conflict
                .versions
                .iter()
                .find(|v| v.device == *device)
                .map(|v| v.value.clone())
                .ok_or_else(|| {
                    let devices: Vec<&str> =
                        conflict.versions.iter().map(|v| v.device.as_str()).collect();
                    invalid(format!(
                        "no version of {item} {field} comes from device {device}; the versions come from {}",
                        devices.join(", ")
                    ))
                })?,
            Choice::Value(text) => parse_choice(&inspection, conflict, text)?,
        };
        let answer = inspection.answer(item);
        let mut also = BTreeMap::new();
        let mut rows = answer.and_then(|a| a.inventory.clone());
        let checked = inspection.checklist.item(item);
        match (checked.map(|i| (i.kind, i.rule)), field) {
            (Some((ItemKind::Measure, rule)), "value") => {
                let v = value.as_f64();
                // A cleared value leaves the verdict to its own conflict, if any.
                if let (Some(v), Some(rule)) = (v, rule) {
                    also.insert("verdict".to_owned(), json(&rule.verdict(v)));
                }
            }
            (Some((ItemKind::Inventory, _)), f)
                if !matches!(f, "verdict" | "value" | "note" | "inventory") =>
            {
                if let Some(rows) = &mut rows {
                    match rows.iter().position(|r| r.id == f) {
                        Some(n) if value.is_null() => {
                            rows.remove(n);
                        }
                        Some(n) => {
                            if let (Ok(row), Some(slot)) =
                                (serde_json::from_value(value.clone()), rows.get_mut(n))
                            {
                                *slot = row;
                            }
                        }
                        None => {
                            if let Ok(row) = serde_json::from_value(value.clone()) {
                                rows.push(row);
                            }
                        }
                    }
                    let others_open = inspection.conflicts.iter().any(|c| {
                        c.item == item
                            && c.field != field
                            && !matches!(c.field.as_str(), "verdict" | "value" | "note")
                    });
                    if !others_open {
                        also.insert("verdict".to_owned(), json(&inventory_verdict(rows)));
                    }
                }
            }
            _ => {}
        }
        let entry = crate::store::append(
            &tx,
            who,
            id,
            Change::Resolved {
                item: item.to_owned(),
                field: field.to_owned(),
                value: value.clone(),
                also: also.clone(),
            },
        )?;
        // The tables follow: the field (and what follows from it) takes the chosen value.
        let text = |v: &Value| v.as_str().map(str::to_owned);
        match item {
            ACT => {
                let column = match field {
                    "findings" => "findings",
                    "conclusions" => "conclusions",
                    _ => "recommendations",
                };
                let stored = if column == "recommendations" {
                    crate::store::to_json(&if value.is_null() {
                        Value::Array(Vec::new())
                    } else {
                        value.clone()
                    })?
                } else {
                    text(&value).unwrap_or_default()
                };
                tx.execute(
                    &format!("UPDATE inspection SET {column} = ?2 WHERE id = ?1"),
                    params![id, stored],
                )?;
            }
            DETAILS => {
                let mut details = json(&inspection.details);
                if let Value::Object(map) = &mut details {
                    if value.is_null() {
                        map.remove(field);
                    } else {
                        map.insert(field.to_owned(), value.clone());
                    }
                }
                let details: ActDetails = serde_json::from_value(details)
                    .map_err(|e| invalid(format!("the act's {field}: {e}")))?;
                tx.execute(
                    "UPDATE inspection SET details = ?2 WHERE id = ?1",
                    params![id, crate::store::to_json(&details)?],
                )?;
            }
            DISSENTS => {
                let mut dissents = inspection.dissents.clone();
                dissents.retain(|d| d.iin.to_string() != field);
                if let (Some(reason), Some(iin)) = (
                    text(&value),
                    inspection
                        .roster
                        .members
                        .iter()
                        .find(|m| m.iin.to_string() == field),
                ) {
                    dissents.push(Dissent {
                        iin: iin.iin,
                        reason,
                        at: entry.at.clone(),
                    });
                }
                tx.execute(
                    "UPDATE inspection SET dissents = ?2 WHERE id = ?1",
                    params![id, crate::store::to_json(&dissents)?],
                )?;
            }
            EVENTS => {
                let mut events = inspection.events.clone();
                events.retain(|e| e.step != field);
                if let Ok(e) = serde_json::from_value::<ProcedureEvent>(value.clone()) {
                    events.push(e);
                }
                tx.execute(
                    "UPDATE inspection SET events = ?2 WHERE id = ?1",
                    params![id, crate::store::to_json(&events)?],
                )?;
            }
            _ if conflict
                .versions
                .iter()
                .any(|v| v.value.get("sha256").is_some()) =>
            {
                if value.is_null() {
                    let item = (item != INSPECTION).then_some(item);
                    tx.execute(
                        "DELETE FROM evidence WHERE inspection = ?1 AND sha256 = ?2 AND item IS ?3",
                        params![id, field, item],
                    )?;
                }
            }
            _ => {
                let Some(old) = answer else {
                    return Err(StoreError::Corrupt(format!(
                        "item '{item}' has a conflict but no answer"
                    )));
                };
                let mut new = old.clone();
                for (f, v) in std::iter::once((field, &value))
                    .chain(also.iter().map(|(f, v)| (f.as_str(), v)))
                {
                    match f {
                        "verdict" => {
                            new.verdict = serde_json::from_value(v.clone()).unwrap_or(None)
                        }
                        "value" => new.value = v.as_f64(),
                        "note" => new.note = text(v),
                        "inventory" => {
                            if v == &Value::Bool(false) {
                                new.inventory = None;
                            } else if new.inventory.is_none() {
                                new.inventory = Some(Vec::new());
                            }
                        }
                        _ => new.inventory = rows.clone(),
                    }
                }
                tx.execute(
                    "UPDATE answer SET verdict = ?3, value = ?4, note = ?5, inventory = ?6, \
                     updated_by = ?7, updated_at = ?8 WHERE inspection = ?1 AND item = ?2",
                    params![
                        id,
                        item,
                        new.verdict.map(crate::store::verdict_str),
                        new.value,
                        new.note,
                        new.inventory
                            .as_ref()
                            .map(crate::store::to_json)
                            .transpose()?,
                        entry.actor_name,
                        entry.at
                    ],
                )?;
            }
        }
        tx.execute(
            "UPDATE inspection SET amendments = amendments + 1 WHERE id = ?1 AND seal IS NOT NULL",
            [id],
        )?;
        tx.commit()?;
        self.inspection(id)
    }
}

/// The rows an answer now has, with their ids, and the writes that take the old rows there:
/// each row added or changed, each row left out deleted. When no new row carries an id (a
/// caller that does not know them), rows match the old ones by position; otherwise by id,
/// and a row without one is new.
pub(crate) fn row_writes(
    item: &str,
    old: &[InventoryRow],
    new: Option<Vec<InventoryRow>>,
) -> Result<(Option<Vec<InventoryRow>>, Vec<RowWrite>)> {
    let by_position = new
        .as_ref()
        .is_some_and(|rows| rows.iter().all(|r| r.id.is_empty()));
    let mut rows = Vec::new();
    for (n, row) in new.iter().flatten().enumerate() {
        let id = if !row.id.is_empty() {
            let id = row.id.trim();
            if id.is_empty()
                || id.starts_with('@')
                || matches!(id, "verdict" | "value" | "note" | "inventory")
                || id.chars().count() > 64
            {
                return Err(invalid(format!("item '{item}': '{id}' is not a row id")));
            }
            id.to_owned()
        } else if let Some(old) = old.get(n).filter(|_| by_position) {
            old.id.clone()
        } else {
            let mut raw = [0u8; 8];
            getrandom::fill(&mut raw)
                .map_err(|e| invalid(format!("no randomness for a row id: {e}")))?;
            crate::key::hex(&raw)
        };
        if rows.iter().any(|r: &InventoryRow| r.id == id) {
            return Err(invalid(format!(
                "item '{item}': two rows have the id '{id}'"
            )));
        }
        rows.push(InventoryRow { id, ..row.clone() });
    }
    let mut writes = Vec::new();
    for row in &rows {
        if old.iter().find(|o| o.id == row.id) != Some(row) {
            writes.push(RowWrite {
                id: row.id.clone(),
                row: Some(InventoryRow {
                    id: String::new(),
                    ..row.clone()
                }),
            });
        }
    }
    for o in old {
        if !rows.iter().any(|r| r.id == o.id) {
            writes.push(RowWrite {
                id: o.id.clone(),
                row: None,
            });
        }
    }
    Ok((new.map(|_| rows), writes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // Tests panic on what they set up.

    use std::collections::{BTreeSet, HashSet};

    use proptest::prelude::*;
    use tekseru_core::{catalog, Bin, Roster};

    use super::*;
    use crate::audit::Entry;

    const CHECK: [&str; 3] = ["server-room.ups", "pki.chain-building", "pki.issued-oids"];
    const MEASURE: &str = "server-room.ceiling-height";
    const INVENTORY: &str = "conformity.equipment-inventory";

    fn dev(n: usize) -> DeviceId {
        format!("{:016x}", n + 1).parse().unwrap()
    }

    fn created() -> Change {
        let checklist = catalog::embedded()
            .unwrap()
            .into_iter()
            .find(|c| c.id == "ca-accreditation-onsite")
            .unwrap();
        let roster: Roster = serde_json::from_str(
            r#"[{"name":"Әсел Жұмабаева","iin":"810315400008","role":"chair","body":"committee"},
                {"name":"Гүлнар Есенова","iin":"791130400009","role":"member","body":"techreg"}]"#,
        )
        .unwrap();
        Change::Created {
            ca_name: "«Сенім» КО".into(),
            bin: Bin::parse("050440001000").unwrap(),
            site: "Астана".into(),
            checklist: Box::new(checklist),
            roster,
            training: false,
            settings: None,
        }
    }

    /// An event as the DAG holds it.
    #[derive(Clone, Debug)]
    struct Ev {
        hash: String,
        device: DeviceId,
        seq: u64,
        clock: VersionVector,
        at: String,
        actor: String,
        change: Change,
    }

    /// Every event made, by hash, and what each laptop holds.
    struct World {
        events: HashMap<String, Ev>,
        made: Vec<String>,
        laptops: Vec<Laptop>,
    }

    #[derive(Clone)]
    struct Laptop {
        device: DeviceId,
        name: String,
        held: BTreeSet<String>,
        seen: VersionVector,
        seq: u64,
        ticks: u64,
    }

    impl World {
        fn new(n: usize) -> World {
            let mut world = World {
                events: HashMap::new(),
                made: Vec::new(),
                laptops: (0..n)
                    .map(|i| Laptop {
                        device: dev(i),
                        name: format!("Inspector {i}"),
                        held: BTreeSet::new(),
                        seen: VersionVector::new(),
                        seq: 0,
                        ticks: 0,
                    })
                    .collect(),
            };
            world.make(0, created());
            for i in 1..n {
                world.exchange(i, 0);
            }
            world
        }

        /// Laptop `l` writes `change`, having seen all it holds.
        fn make(&mut self, l: usize, change: Change) -> String {
            let laptop = &mut self.laptops[l];
            laptop.seq += 1;
            laptop.ticks += 1;
            let mut clock = laptop.seen.clone();
            clock.observe(&laptop.device, laptop.seq);
            let hash = format!(
                "{:x}",
                Sha256Hex::of(&format!("{}:{}", laptop.device, laptop.seq))
            );
            let ev = Ev {
                hash: hash.clone(),
                device: laptop.device.clone(),
                seq: laptop.seq,
                clock: clock.clone(),
                // Laptops' clocks disagree; the fold never trusts them for order.
                at: format!(
                    "2026-12-0{}T10:{:02}:{:02}Z",
                    l % 9 + 1,
                    laptop.ticks / 60 % 60,
                    laptop.ticks % 60
                ),
                actor: laptop.name.clone(),
                change,
            };
            laptop.seen = clock;
            laptop.held.insert(hash.clone());
            self.events.insert(hash.clone(), ev);
            self.made.push(hash.clone());
            hash
        }

        /// Laptop `to` imports everything laptop `from` holds (what it holds already is a no-op).
        fn exchange(&mut self, to: usize, from: usize) {
            let (held, seen) = (
                self.laptops[from].held.clone(),
                self.laptops[from].seen.clone(),
            );
            let laptop = &mut self.laptops[to];
            laptop.held.extend(held);
            laptop.seen.merge(&seen);
        }

        fn everyone_meets(&mut self) {
            for i in 1..self.laptops.len() {
                self.exchange(0, i);
            }
            for i in 1..self.laptops.len() {
                self.exchange(i, 0);
            }
        }

        /// What laptop `l` holds, in a topological order, ties broken by hash (Kahn).
        fn order(&self, l: usize) -> Vec<&Ev> {
            let held: Vec<&Ev> = self.laptops[l]
                .held
                .iter()
                .map(|h| &self.events[h])
                .collect();
            // An event's predecessors held: by clock, its direct past is everything it covers.
            let mut pending: Vec<&Ev> = held;
            let mut out: Vec<&Ev> = Vec::new();
            let mut done: HashSet<&str> = HashSet::new();
            while !pending.is_empty() {
                let ready = pending
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| {
                        pending.iter().all(|o| {
                            o.hash == e.hash
                                || done.contains(o.hash.as_str())
                                || e.clock.get(&o.device) < o.seq
                        })
                    })
                    .min_by(|a, b| a.1.hash.cmp(&b.1.hash))
                    .map(|(i, _)| i)
                    .unwrap();
                let e = pending.remove(ready);
                done.insert(e.hash.as_str());
                out.push(e);
            }
            out
        }

        fn fold(&self, l: usize) -> Inspection {
            let order = self.order(l);
            let nodes: Vec<Node<'_>> = order
                .iter()
                .map(|e| Node {
                    hash: &e.hash,
                    device: &e.device,
                    seq: e.seq,
                    clock: &e.clock,
                    at: &e.at,
                    actor_name: &e.actor,
                    change: &e.change,
                })
                .collect();
            fold("i", &nodes).unwrap()
        }
    }

    /// Hex of SHA-256, for event hashes.
    struct Sha256Hex(String);
    impl Sha256Hex {
        fn of(text: &str) -> Sha256Hex {
            use sha2::Digest;
            Sha256Hex(crate::key::hex(&sha2::Sha256::digest(text.as_bytes())))
        }
    }
    impl std::fmt::LowerHex for Sha256Hex {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }

    fn set_verdict(item: &str, v: Verdict) -> Change {
        Change::AnswerSet {
            item: item.into(),
            verdict: Some(Some(v)),
            value: None,
            note: None,
            inventory: None,
            rows: Vec::new(),
        }
    }

    fn row(serial: &str) -> InventoryRow {
        InventoryRow {
            id: String::new(),
            kind: "server".into(),
            role: "main".into(),
            serial: serial.into(),
            model: "R740".into(),
            manufacturer: "Dell".into(),
            location: "A1".into(),
            declared: true,
            found: true,
        }
    }

    fn conflict<'i>(i: &'i Inspection, item: &str, field: &str) -> Option<&'i Conflict> {
        i.conflicts
            .iter()
            .find(|c| c.item == item && c.field == field)
    }

    #[test]
    fn two_laptops_answering_different_items_merge_without_conflict() {
        let mut w = World::new(2);
        w.make(0, set_verdict(CHECK[0], Verdict::Complies));
        w.make(1, set_verdict(CHECK[1], Verdict::Fails));
        w.everyone_meets();
        let (a, b) = (w.fold(0), w.fold(1));
        assert_eq!(a, b);
        assert!(a.conflicts.is_empty(), "{:?}", a.conflicts);
        assert_eq!(a.answer(CHECK[0]).unwrap().verdict, Some(Verdict::Complies));
        assert_eq!(a.answer(CHECK[1]).unwrap().verdict, Some(Verdict::Fails));
        assert_eq!(a.answer(CHECK[1]).unwrap().updated_by, "Inspector 1");
    }

    #[test]
    fn the_same_item_answered_differently_is_one_conflict_with_both_versions() {
        let mut w = World::new(2);
        w.make(0, set_verdict(CHECK[0], Verdict::Complies));
        w.make(1, set_verdict(CHECK[0], Verdict::Fails));
        w.everyone_meets();
        let a = w.fold(0);
        assert_eq!(a, w.fold(1));
        assert_eq!(a.conflicts.len(), 1, "{:?}", a.conflicts);
        let c = &a.conflicts[0];
        assert_eq!((c.item.as_str(), c.field.as_str()), (CHECK[0], "verdict"));
        let mut versions: Vec<(String, String, Value)> = c
            .versions
            .iter()
            .map(|v| (v.device.clone(), v.inspector.clone(), v.value.clone()))
            .collect();
        versions.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            versions,
            [
                (
                    dev(0).to_string(),
                    "Inspector 0".into(),
                    Value::from("complies")
                ),
                (
                    dev(1).to_string(),
                    "Inspector 1".into(),
                    Value::from("fails")
                ),
            ]
        );
        assert!(c.versions.iter().all(|v| v.at.starts_with("2026-12-0")));
        let json = serde_json::to_value(&a).unwrap();
        let keys: Vec<&String> = json["conflicts"][0]["versions"][0]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(keys, ["at", "device", "inspector", "value"]);
        assert_eq!(json["conflicts"][0]["item"], CHECK[0]);
        assert_eq!(json["conflicts"][0]["field"], "verdict");
    }

    #[test]
    fn equal_verdicts_are_parallel_not_a_conflict() {
        let mut w = World::new(3);
        for l in 0..3 {
            w.make(l, set_verdict(CHECK[0], Verdict::Fails));
        }
        w.everyone_meets();
        let a = w.fold(2);
        assert!(a.conflicts.is_empty());
        assert_eq!(a.answer(CHECK[0]).unwrap().verdict, Some(Verdict::Fails));
    }

    #[test]
    fn a_later_write_that_saw_both_versions_settles_the_conflict() {
        let mut w = World::new(2);
        w.make(0, set_verdict(CHECK[0], Verdict::Complies));
        w.make(1, set_verdict(CHECK[0], Verdict::Fails));
        w.everyone_meets();
        w.make(
            1,
            Change::Resolved {
                item: CHECK[0].into(),
                field: "verdict".into(),
                value: Value::from("complies"),
                also: BTreeMap::new(),
            },
        );
        // Before the exchange, laptop 0 still shows it; after, neither does.
        assert_eq!(w.fold(0).conflicts.len(), 1);
        assert!(w.fold(1).conflicts.is_empty());
        w.everyone_meets();
        let a = w.fold(0);
        assert!(a.conflicts.is_empty());
        assert_eq!(a.answer(CHECK[0]).unwrap().verdict, Some(Verdict::Complies));
        assert_eq!(a, w.fold(1));
    }

    #[test]
    fn rows_are_a_set_edit_and_delete_of_one_row_conflict_other_rows_merge() {
        let mut w = World::new(2);
        let rows = |writes: Vec<(&str, Option<InventoryRow>)>| Change::AnswerSet {
            item: INVENTORY.into(),
            verdict: None,
            value: None,
            note: None,
            inventory: Some(true),
            rows: writes
                .into_iter()
                .map(|(id, row)| RowWrite { id: id.into(), row })
                .collect(),
        };
        w.make(
            0,
            rows(vec![("r1", Some(row("SN-1"))), ("r2", Some(row("SN-2")))]),
        );
        w.everyone_meets();
        w.make(
            0,
            rows(vec![("r1", Some(row("SN-1a"))), ("r3", Some(row("SN-3")))]),
        );
        w.make(1, rows(vec![("r1", None), ("r4", Some(row("SN-4")))]));
        w.everyone_meets();
        let a = w.fold(1);
        assert_eq!(a, w.fold(0));
        assert_eq!(a.conflicts.len(), 1, "{:?}", a.conflicts);
        let c = conflict(&a, INVENTORY, "r1").unwrap();
        let values: Vec<&Value> = c.versions.iter().map(|v| &v.value).collect();
        assert!(values.contains(&&Value::Null));
        assert!(values.iter().any(|v| v["serial"] == "SN-1a"));
        // The kept side shows while the conflict is open: nothing disappears.
        let mut serials: Vec<&str> = a
            .answer(INVENTORY)
            .unwrap()
            .inventory
            .as_ref()
            .unwrap()
            .iter()
            .map(|r| r.serial.as_str())
            .collect();
        // Rows show in the order first written; r3 and r4 were written concurrently.
        assert_eq!(serials[..2], ["SN-1a", "SN-2"]);
        serials.sort();
        assert_eq!(serials, ["SN-1a", "SN-2", "SN-3", "SN-4"]);
    }

    #[test]
    fn an_edit_after_the_seal_from_another_laptop_is_an_amendment() {
        let mut w = World::new(2);
        w.make(0, set_verdict(CHECK[0], Verdict::Complies));
        w.everyone_meets();
        // Laptop 1 edits without having seen the seal; laptop 0 seals.
        w.make(1, set_verdict(CHECK[1], Verdict::Fails));
        w.make(0, Change::Sealed { head: "h".into() });
        assert_eq!(w.fold(0).amendments, 0);
        w.everyone_meets();
        let a = w.fold(0);
        assert!(a.seal.is_some());
        assert_eq!(a.amendments, 1);
        assert_eq!(a, w.fold(1));
    }

    /// A random edit, on a few fields so that laptops collide.
    #[derive(Clone, Debug)]
    enum Edit {
        Verdict(usize, usize),
        Note(usize, usize),
        Value(usize),
        Row(usize, Option<usize>),
        Findings(usize),
        ActNumber(usize),
        Resolve,
    }

    #[derive(Clone, Debug)]
    enum Step {
        Edit(usize, Edit),
        Exchange(usize, usize),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (0..3usize, 0..3usize).prop_map(|(i, v)| Edit::Verdict(i, v)),
            (0..3usize, 0..2usize).prop_map(|(i, n)| Edit::Note(i, n)),
            (0..2usize).prop_map(Edit::Value),
            (0..3usize, proptest::option::of(0..2usize)).prop_map(|(r, c)| Edit::Row(r, c)),
            (0..2usize).prop_map(Edit::Findings),
            (0..2usize).prop_map(Edit::ActNumber),
            Just(Edit::Resolve),
        ]
    }

    fn scenario() -> impl Strategy<Value = (usize, Vec<Step>)> {
        (2..=9usize).prop_flat_map(|n| {
            let step = prop_oneof![
                3 => (0..n, edit()).prop_map(|(l, e)| Step::Edit(l, e)),
                2 => (0..n, 0..n).prop_map(|(a, b)| Step::Exchange(a, b)),
            ];
            (Just(n), proptest::collection::vec(step, 1..40))
        })
    }

    fn change_of(e: &Edit, open: &[Conflict]) -> Option<Change> {
        let verdicts = [Verdict::Complies, Verdict::Fails, Verdict::NotApplicable];
        Some(match e {
            Edit::Verdict(i, v) => set_verdict(CHECK[*i], verdicts[*v]),
            Edit::Note(i, n) => Change::AnswerSet {
                item: CHECK[*i].into(),
                verdict: None,
                value: None,
                note: Some((*n > 0).then(|| format!("note {n}"))),
                inventory: None,
                rows: Vec::new(),
            },
            Edit::Value(v) => Change::AnswerSet {
                item: MEASURE.into(),
                verdict: None,
                value: Some(Some(2.4 + *v as f64 / 10.0)),
                note: None,
                inventory: None,
                rows: Vec::new(),
            },
            Edit::Row(r, c) => Change::AnswerSet {
                item: INVENTORY.into(),
                verdict: None,
                value: None,
                note: None,
                inventory: Some(true),
                rows: vec![RowWrite {
                    id: format!("row{r}"),
                    row: c.map(|c| row(&format!("SN-{c}"))),
                }],
            },
            Edit::Findings(n) => Change::ConclusionsEdited {
                findings: Some(format!("findings {n}")),
                conclusions: None,
                recommendations: None,
            },
            Edit::ActNumber(n) => Change::DetailsEdited {
                fields: [("act_number".to_owned(), Value::from(format!("№{n}")))].into(),
            },
            Edit::Resolve => {
                let c = open.first()?;
                let take = c.versions.last()?;
                Change::Resolved {
                    item: c.item.clone(),
                    field: c.field.clone(),
                    value: take.value.clone(),
                    also: BTreeMap::new(),
                }
            }
        })
    }

    /// Each register an event writes, with the value, for the oracle.
    fn oracle_writes(e: &Ev) -> Vec<((String, String), Value)> {
        let mut out = Vec::new();
        match &e.change {
            Change::AnswerSet {
                item,
                verdict,
                value,
                note,
                rows,
                ..
            } => {
                if let Some(v) = verdict {
                    out.push(((item.clone(), "verdict".into()), json(v)));
                }
                if let Some(v) = value {
                    out.push(((item.clone(), "value".into()), json(v)));
                }
                if let Some(v) = note {
                    out.push(((item.clone(), "note".into()), json(v)));
                }
                for r in rows {
                    let v = match &r.row {
                        Some(row) => json(&InventoryRow {
                            id: r.id.clone(),
                            ..row.clone()
                        }),
                        None => Value::Null,
                    };
                    out.push(((item.clone(), r.id.clone()), v));
                }
            }
            Change::ConclusionsEdited {
                findings: Some(f), ..
            } => {
                out.push(((ACT.into(), "findings".into()), json(f)));
            }
            Change::DetailsEdited { fields } => {
                for (k, v) in fields {
                    out.push(((DETAILS.into(), k.clone()), v.clone()));
                }
            }
            Change::Resolved {
                item, field, value, ..
            } => {
                out.push(((item.clone(), field.clone()), value.clone()));
            }
            _ => {}
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// N laptops edit the same fields and exchange in random orders, duplicates included:
        /// all end with the same state and the same open conflicts, which are exactly the
        /// fields whose latest writes (by brute force over happened-before) disagree, every
        /// write made is held by all, and resolving every conflict on one laptop clears them
        /// on all after the next exchange.
        #[test]
        fn laptops_converge_and_keep_every_write((n, steps) in scenario()) {
            let mut w = World::new(n);
            for step in &steps {
                match step {
                    Step::Edit(l, e) => {
                        let open = w.fold(*l).conflicts;
                        if let Some(change) = change_of(e, &open) {
                            w.make(*l, change);
                        }
                    }
                    Step::Exchange(a, b) => w.exchange(*a, *b),
                }
            }
            w.everyone_meets();
            let first = w.fold(0);
            for l in 1..n {
                prop_assert_eq!(&first, &w.fold(l));
            }
            for l in 0..n {
                prop_assert_eq!(w.laptops[l].held.len(), w.made.len());
            }
            // The oracle: per register, the writes no other write to it follows.
            let all: Vec<&Ev> = w.made.iter().map(|h| &w.events[h]).collect();
            let mut writes: BTreeMap<(String, String), Vec<(&Ev, Value)>> = BTreeMap::new();
            for e in &all {
                for (key, v) in oracle_writes(e) {
                    writes.entry(key).or_default().push((e, v));
                }
            }
            for (key, ws) in &writes {
                let latest: Vec<&(&Ev, Value)> = ws
                    .iter()
                    .filter(|(a, _)| !ws.iter().any(|(b, _)| b.hash != a.hash && b.clock.get(&a.device) >= a.seq))
                    .collect();
                let distinct: HashSet<String> = latest.iter().map(|(_, v)| v.to_string()).collect();
                let found = conflict(&first, &key.0, &key.1);
                if distinct.len() > 1 {
                    let found = found.ok_or_else(|| TestCaseError::fail(format!("no conflict on {key:?}")))?;
                    let mut expected: Vec<(String, String)> = latest.iter().map(|(e, v)| (e.device.to_string(), v.to_string())).collect();
                    let mut got: Vec<(String, String)> = found.versions.iter().map(|v| (v.device.clone(), v.value.to_string())).collect();
                    expected.sort();
                    got.sort();
                    prop_assert_eq!(expected, got);
                } else {
                    prop_assert!(found.is_none(), "a conflict on {:?} whose latest writes agree", key);
                    let value = latest[0].1.clone();
                    let (item, field) = (key.0.as_str(), key.1.as_str());
                    let shown = match (item, field) {
                        (ACT, "findings") => json(&first.findings),
                        (DETAILS, "act_number") => json(&first.details.act_number),
                        (_, "verdict") => json(&first.answer(item).unwrap().verdict),
                        (_, "note") => json(&first.answer(item).unwrap().note),
                        (_, "value") => json(&first.answer(item).unwrap().value),
                        (_, id) => first.answer(item).unwrap().inventory.as_ref().unwrap()
                            .iter().find(|r| r.id == id).map(json).unwrap_or(Value::Null),
                    };
                    prop_assert_eq!(shown, value, "{:?}", key);
                }
            }
            // Resolve everything on one laptop; after the exchange no laptop has a conflict.
            let resolver = n - 1;
            for c in first.conflicts.clone() {
                let change = change_of(&Edit::Resolve, std::slice::from_ref(&c)).unwrap();
                w.make(resolver, change);
            }
            prop_assert!(w.fold(resolver).conflicts.is_empty());
            w.everyone_meets();
            let settled = w.fold(0);
            prop_assert!(settled.conflicts.is_empty(), "{:?}", settled.conflicts);
            for l in 1..n {
                prop_assert_eq!(&settled, &w.fold(l));
            }
        }
    }

    /// Legacy changes, as single-laptop trails held them.
    fn legacy() -> impl Strategy<Value = Change> {
        let verdict = proptest::option::of(prop_oneof![
            Just(Verdict::Complies),
            Just(Verdict::Fails),
            Just(Verdict::NotApplicable)
        ]);
        prop_oneof![
            (0..3usize, verdict, proptest::option::of("[a-c]{0,2}")).prop_map(|(i, v, n)| {
                Change::Answered {
                    item: CHECK[i].into(),
                    verdict: v,
                    value: None,
                    note: n,
                    inventory: None,
                }
            }),
            proptest::option::of(proptest::collection::vec(0..3usize, 0..4)).prop_map(|rows| {
                let rows: Option<Vec<InventoryRow>> =
                    rows.map(|r| r.into_iter().map(|s| row(&format!("SN-{s}"))).collect());
                Change::Answered {
                    item: INVENTORY.into(),
                    verdict: rows.as_deref().map(inventory_verdict),
                    value: None,
                    note: None,
                    inventory: rows,
                }
            }),
            ("[a-c]{0,2}", "[a-c]{0,2}").prop_map(|(f, c)| Change::ConclusionsSet {
                findings: f,
                conclusions: c,
                recommendations: Vec::new(),
            }),
            proptest::option::of("[a-c]{1,2}").prop_map(|n| Change::DetailsSet {
                details: ActDetails {
                    act_number: n,
                    ..ActDetails::default()
                },
            }),
            "[a-c]{1,2}".prop_map(|r| Change::DissentRecorded {
                iin: "810315400008".parse().unwrap(),
                reason: r,
            }),
            Just(Change::Sealed { head: "h".into() }),
        ]
    }

    proptest! {
        /// On a trail from before merging (one laptop, whole-answer writes), the fold gives
        /// what the old replay gave, rows numbered.
        #[test]
        fn the_fold_of_an_old_trail_is_its_old_replay(changes in proptest::collection::vec(legacy(), 0..25)) {
            let entries: Vec<(Entry, String)> = std::iter::once(created())
                .chain(changes)
                .enumerate()
                .map(|(n, change)| {
                    let seq = n as u64 + 1;
                    (Entry {
                        inspection: Some("i".into()),
                        seq,
                        at: format!("2025-01-01T00:00:{:02}Z", seq % 60),
                        actor: "a".into(),
                        actor_name: "Inspector".into(),
                        change,
                    }, format!("{seq:064x}"))
                })
                .collect();
            let steps: Vec<crate::audit::Step<'_>> = entries
                .iter()
                .map(|(e, _)| crate::audit::Step { at: &e.at, actor_name: &e.actor_name, change: &e.change })
                .collect();
            let mut old = crate::audit::replay("i", &steps).unwrap();
            old.audit_head = entries.last().unwrap().1.clone();
            for a in &mut old.answers {
                for (n, r) in a.inventory.iter_mut().flatten().enumerate() {
                    r.id = row_id(&a.item, n, &r.id);
                }
            }
            // A single-device trail is a chain: entry i has seen entries 1..=i.
            let device = dev(0);
            let clocks: Vec<VersionVector> = entries
                .iter()
                .map(|(e, _)| {
                    let mut clock = VersionVector::new();
                    clock.observe(&device, e.seq);
                    clock
                })
                .collect();
            let nodes: Vec<Node<'_>> = entries
                .iter()
                .zip(&clocks)
                .map(|((e, hash), clock)| Node {
                    hash,
                    device: &device,
                    seq: e.seq,
                    clock,
                    at: &e.at,
                    actor_name: &e.actor_name,
                    change: &e.change,
                })
                .collect();
            let new = fold("i", &nodes).unwrap();
            prop_assert_eq!(old, new);
        }
    }
}
