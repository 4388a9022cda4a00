//! The audit trail's changes ([`Change`], the body of every signed event) and the entries of
//! the hash-chained log that stores wrote before devices (carried over into events, see
//! `dag`); those entries keep their text and hash, computed as below.
//!
//! An entry's hash is SHA-256 over the previous entry's hash (32 zero bytes for the first)
//! followed by the entry's canonical JSON encoding (object keys sorted, no spaces). Entries
//! written since version 2 of the entry format also name their inspection (`"inspection"`);
//! entries of version 1, without it, hash exactly as they always did. The trail
//! is also the inspection's ground truth: replaying it gives the inspection, and `verify`
//! compares that with the tables the app reads, so an edit behind the app's back shows.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tekseru_core::quorum::Settings;
use tekseru_core::{Bin, Checklist, Iin, Roster, Verdict};

use crate::key::hex;
use crate::model::{
    ActDetails, ActRevision, Answer, Dissent, Evidence, Inspection, InventoryRow, ProcedureEvent,
    Recommendation, Seal,
};

/// The hash before the first entry.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Change {
    /// The inspection was created.
    Created {
        /// The CA's name.
        ca_name: String,
        /// The CA's BIN.
        bin: Bin,
        /// The site.
        site: String,
        /// The checklist, copied whole.
        checklist: Box<Checklist>,
        /// The commission.
        roster: Roster,
        /// A training inspection; left out of the encoding when false, so the trails of
        /// stores made before it hash as they did.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        training: bool,
        /// The quorum settings pinned; absent in inspections made before they were, which
        /// count by the defaults.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        settings: Option<Settings>,
    },
    /// An answer took this state.
    Answered {
        /// The item.
        item: String,
        /// Its verdict.
        verdict: Option<Verdict>,
        /// Its measured value.
        value: Option<f64>,
        /// Its note.
        note: Option<String>,
        /// Its inventory rows.
        inventory: Option<Vec<InventoryRow>>,
    },
    /// A file was attached.
    EvidenceAdded {
        /// The evidence record.
        evidence: Evidence,
    },
    /// Findings, conclusions and recommendations took this state.
    ConclusionsSet {
        /// Findings.
        findings: String,
        /// Conclusions.
        conclusions: String,
        /// Recommendations.
        recommendations: Vec<Recommendation>,
    },
    /// The act's details took this state.
    DetailsSet {
        /// The details.
        details: ActDetails,
    },
    /// A member recorded why they do not sign.
    DissentRecorded {
        /// The member.
        iin: Iin,
        /// The reason.
        reason: String,
    },
    /// A step of the procedure happened on a date.
    EventRecorded {
        /// The step.
        event: ProcedureEvent,
    },
    /// A revision of the act was stored.
    ActStored {
        /// The revision.
        act: ActRevision,
    },
    /// The act was rendered from the inspection at this head.
    Sealed {
        /// The head sealed.
        head: String,
    },
    /// A root certificate was trusted in this store: from now on, signatures that chain to
    /// it count in every inspection's act, so each inspection's trail records it.
    RootTrusted {
        /// SHA-256 of its DER encoding, hex.
        sha256: String,
        /// Its subject.
        subject: String,
    },
    /// Fields of an answer took these values. Laptops merge field by field, so a write names
    /// only the fields it touched; a field left out (`None`) was not. Written since
    /// inspections merge; `Answered` (every field at once) only in older trails.
    AnswerSet {
        /// The item.
        item: String,
        /// Its verdict, when touched (`Some(None)` clears it).
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "crate::model::present"
        )]
        verdict: Option<Option<Verdict>>,
        /// Its measured value, when touched.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "crate::model::present"
        )]
        value: Option<Option<f64>>,
        /// Its note, when touched.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "crate::model::present"
        )]
        note: Option<Option<String>>,
        /// Whether the item has an inventory at all, when touched (`false`: cleared, as `na`
        /// clears it; its rows are then deleted in `rows`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inventory: Option<bool>,
        /// The inventory rows written: added, changed or deleted, each by its id.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        rows: Vec<RowWrite>,
    },
    /// Some of the findings, conclusions and recommendations took these values; the ones
    /// left out were not touched.
    ConclusionsEdited {
        /// Findings, when touched.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        findings: Option<String>,
        /// Conclusions, when touched.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conclusions: Option<String>,
        /// Recommendations, when touched.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recommendations: Option<Vec<Recommendation>>,
    },
    /// Some fields of the act's details took these values (by the name [`ActDetails`]
    /// serialises them under; `null` clears one); the others were not touched.
    DetailsEdited {
        /// The fields written.
        fields: std::collections::BTreeMap<String, Value>,
    },
    /// A file was detached (a tombstone: its bytes and its record stay in the trail).
    EvidenceRemoved {
        /// Its SHA-256.
        sha256: String,
        /// The item it was attached to; `None` for the inspection as a whole.
        item: Option<String>,
    },
    /// A person resolved a conflict: the field takes this value, superseding every version
    /// the resolving laptop held (the event's parents are the conflicting heads).
    Resolved {
        /// The item (or pseudo-item, see [`crate::Conflict::item`]).
        item: String,
        /// The field (see [`crate::Conflict::field`]).
        field: String,
        /// The value it takes (`null`: cleared, or deleted).
        value: Value,
        /// Fields of the same item written with it because they follow from it (the verdict
        /// of a measure or an inventory).
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        also: std::collections::BTreeMap<String, Value>,
    },
}

/// One inventory row written by [`Change::AnswerSet`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowWrite {
    /// The row's id.
    pub id: String,
    /// Its content; `None` deletes it.
    pub row: Option<InventoryRow>,
}

impl Change {
    /// A short description, as `audit verify` names an entry.
    pub fn describe(&self) -> String {
        match self {
            Change::Created { ca_name, .. } => format!("created the inspection of {ca_name}"),
            Change::Answered { item, .. } => format!("answered item '{item}'"),
            Change::EvidenceAdded { evidence } => {
                format!("attached '{}' ({})", evidence.name, short(&evidence.sha256))
            }
            Change::ConclusionsSet { .. } => "set findings, conclusions and recommendations".into(),
            Change::DetailsSet { .. } => "set the act's details".into(),
            Change::DissentRecorded { iin, .. } => format!("recorded the dissent of {iin}"),
            Change::EventRecorded { event } => {
                format!("recorded step '{}' on {}", event.step, event.date)
            }
            Change::ActStored { act } => format!("stored the {} act", act.kind),
            Change::Sealed { head } => format!("sealed at {}", short(head)),
            Change::RootTrusted { sha256, subject } => {
                format!("trusted the root certificate {subject} ({})", short(sha256))
            }
            Change::AnswerSet { item, .. } => format!("answered item '{item}'"),
            Change::ConclusionsEdited { .. } => {
                "edited findings, conclusions or recommendations".into()
            }
            Change::DetailsEdited { fields } => format!(
                "set the act's {}",
                fields.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
            Change::EvidenceRemoved { sha256, .. } => format!("detached {}", short(sha256)),
            Change::Resolved { item, field, .. } => {
                format!("resolved the conflict on {item} {field}")
            }
        }
    }

    /// The first non-finite number it holds, by name: JSON has none, and serde would write
    /// `null` in its place, so that the entry would not read back.
    pub(crate) fn non_finite(&self) -> Option<&'static str> {
        match self {
            Change::Answered { value: Some(v), .. } if !v.is_finite() => Some("value"),
            Change::AnswerSet {
                value: Some(Some(v)),
                ..
            } if !v.is_finite() => Some("value"),
            Change::EvidenceAdded { evidence } => match evidence.gps {
                Some(g) if !g.lat.is_finite() || !g.lon.is_finite() => Some("gps"),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether this change, made after a seal, amends the sealed content.
    pub(crate) fn amends(&self) -> bool {
        matches!(
            self,
            Change::Answered { .. }
                | Change::EvidenceAdded { .. }
                | Change::ConclusionsSet { .. }
                | Change::DetailsSet { .. }
        )
    }
}

/// One entry of the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The inspection (entry format 2); `None` in entries of format 1, written before the
    /// trail named it, which hash as they always did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspection: Option<String>,
    /// 1, 2, 3, … within the inspection.
    pub seq: u64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The inspector's id.
    pub actor: String,
    /// The inspector's name.
    pub actor_name: String,
    /// What changed.
    pub change: Change,
}

impl Entry {
    /// The entry's canonical encoding: JSON with sorted keys and no spaces. An entry that
    /// JSON cannot hold faithfully (a number that is not finite) is an error, never `null`.
    pub fn canonical(&self) -> Result<Vec<u8>, EncodingError> {
        if let Some(field) = self.change.non_finite() {
            return Err(EncodingError {
                seq: self.seq,
                reason: format!("its {field} is not a finite number"),
            });
        }
        let value = serde_json::to_value(self).map_err(|e| EncodingError {
            seq: self.seq,
            reason: e.to_string(),
        })?;
        let mut out = Vec::new();
        tekseru_ledger::canonical::write(&value, &mut out).map_err(|e| EncodingError {
            seq: self.seq,
            reason: e.to_string(),
        })?;
        Ok(out)
    }

    /// This entry's hash after `prev` (hex; text that is not hex counts as no bytes, and the
    /// hash then differs from any stored one).
    pub fn hash(&self, prev: &str) -> Result<String, EncodingError> {
        let prev = crate::key::unhex(prev).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(&prev);
        h.update(self.canonical()?);
        Ok(hex(&h.finalize()))
    }
}

/// An audit entry that cannot be encoded, so neither hashed nor stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("audit entry #{seq} cannot be encoded: {reason}")]
pub struct EncodingError {
    /// The entry's number.
    pub seq: u64,
    /// Why.
    pub reason: String,
}

/// The first 12 characters of a hash, as messages show it; never splits a character, whatever
/// a tampered store holds.
pub fn short(hash: &str) -> &str {
    match hash.char_indices().nth(12) {
        Some((at, _)) => hash.get(..at).unwrap_or(hash),
        None => hash,
    }
}

/// One change as a replay applies it: when, by whom, what.
#[derive(Clone, Copy)]
pub(crate) struct Step<'a> {
    /// When (RFC 3339).
    pub(crate) at: &'a str,
    /// The inspector's name.
    pub(crate) actor_name: &'a str,
    /// What changed.
    pub(crate) change: &'a Change,
}

#[cfg_attr(not(test), allow(dead_code))]
/// The inspection that a sequence of changes describes, or why it describes none. Its
/// `audit_head` is left empty for the caller to set.
pub(crate) fn replay(id: &str, steps: &[Step<'_>]) -> Result<Inspection, String> {
    let mut iter = steps.iter();
    let Some(first) = iter.next() else {
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
    let mut inspection = Inspection {
        id: id.to_owned(),
        ca_name: ca_name.clone(),
        bin: *bin,
        site: site.clone(),
        checklist: (**checklist).clone(),
        roster: roster.clone(),
        settings: settings.unwrap_or_default(),
        details: ActDetails::default(),
        created_at: first.at.to_owned(),
        created_by: first.actor_name.to_owned(),
        answers: Vec::new(),
        evidence: Vec::new(),
        findings: String::new(),
        conclusions: String::new(),
        recommendations: Vec::new(),
        dissents: Vec::new(),
        events: Vec::new(),
        acts: Vec::new(),
        seal: None,
        amendments: 0,
        audit_head: String::new(),
        training: *training,
        conflicts: Vec::new(),
    };
    for step in iter {
        apply(&mut inspection, step);
    }
    let order: Vec<&str> = inspection
        .checklist
        .items()
        .map(|(_, i)| i.id.as_str())
        .collect();
    inspection.answers.sort_by_key(|a| {
        order
            .iter()
            .position(|id| *id == a.item)
            .unwrap_or(usize::MAX)
    });
    Ok(inspection)
}

fn apply(inspection: &mut Inspection, entry: &Step<'_>) {
    if inspection.seal.is_some() && entry.change.amends() {
        inspection.amendments += 1;
    }
    match entry.change {
        Change::Created { .. } => {}
        Change::Answered {
            item,
            verdict,
            value,
            note,
            inventory,
        } => {
            let answer = Answer {
                item: item.clone(),
                verdict: *verdict,
                value: *value,
                note: note.clone(),
                inventory: inventory.clone(),
                updated_by: entry.actor_name.to_owned(),
                updated_at: entry.at.to_owned(),
            };
            match inspection.answers.iter_mut().find(|a| a.item == *item) {
                Some(a) => *a = answer,
                None => inspection.answers.push(answer),
            }
        }
        Change::EvidenceAdded { evidence } => inspection.evidence.push(evidence.clone()),
        Change::ConclusionsSet {
            findings,
            conclusions,
            recommendations,
        } => {
            inspection.findings = findings.clone();
            inspection.conclusions = conclusions.clone();
            inspection.recommendations = recommendations.clone();
        }
        Change::DetailsSet { details } => inspection.details = details.clone(),
        Change::DissentRecorded { iin, reason } => {
            inspection.dissents.retain(|d| d.iin != *iin);
            inspection.dissents.push(Dissent {
                iin: *iin,
                reason: reason.clone(),
                at: entry.at.to_owned(),
            });
        }
        Change::EventRecorded { event } => {
            inspection.events.retain(|e| e.step != event.step);
            inspection.events.push(event.clone());
        }
        Change::ActStored { act } => inspection.acts.push(act.clone()),
        Change::RootTrusted { .. } => {}
        // Written only since inspections merge; their trails are folded by `merge::fold`.
        Change::AnswerSet { .. }
        | Change::ConclusionsEdited { .. }
        | Change::DetailsEdited { .. }
        | Change::EvidenceRemoved { .. }
        | Change::Resolved { .. } => {}
        Change::Sealed { head } => {
            inspection.seal = Some(Seal {
                head: head.clone(),
                at: entry.at.to_owned(),
            });
            inspection.amendments = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn a_hash_is_shortened_by_characters_never_inside_one() {
        assert_eq!(short("0ead3fa972ef83b08fabbe4a"), "0ead3fa972ef");
        assert_eq!(short("aбвгдеёжзийклмн"), "aбвгдеёжзийк");
        assert_eq!(short("ab"), "ab");
        assert_eq!(short(""), "");
    }

    #[test]
    fn canonical_encoding_sorts_keys_at_every_depth() {
        let value: Value =
            serde_json::json!({"b": 1, "a": {"d": [1, {"z": 0, "y": null}], "c": "é"}});
        let mut out = Vec::new();
        tekseru_ledger::canonical::write(&value, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":{"c":"é","d":[1,{"y":null,"z":0}]},"b":1}"#
        );
    }
}
