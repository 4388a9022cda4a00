//! The audit trail: every change to an inspection, appended to a hash-chained log.
//!
//! An entry's hash is SHA-256 over the previous entry's hash (32 zero bytes for the first)
//! followed by the entry's canonical JSON encoding (object keys sorted, no spaces). The trail
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
}

impl Change {
    /// A short description, as `audit verify` names an entry.
    pub fn describe(&self) -> String {
        match self {
            Change::Created { ca_name, .. } => format!("created the inspection of {ca_name}"),
            Change::Answered { item, .. } => format!("answered item '{item}'"),
            Change::EvidenceAdded { evidence } => format!(
                "attached '{}' ({})",
                evidence.name,
                &evidence.sha256[..12.min(evidence.sha256.len())]
            ),
            Change::ConclusionsSet { .. } => "set findings, conclusions and recommendations".into(),
            Change::DetailsSet { .. } => "set the act's details".into(),
            Change::DissentRecorded { iin, .. } => format!("recorded the dissent of {iin}"),
            Change::EventRecorded { event } => {
                format!("recorded step '{}' on {}", event.step, event.date)
            }
            Change::ActStored { act } => format!("stored the {} act", act.kind),
            Change::Sealed { head } => format!("sealed at {}", &head[..12.min(head.len())]),
        }
    }

    /// Whether this change, made after a seal, amends the sealed content.
    fn amends(&self) -> bool {
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
    /// The entry's canonical encoding: JSON with sorted keys and no spaces.
    pub fn canonical(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        let mut out = Vec::new();
        write_canonical(&value, &mut out);
        out
    }

    /// This entry's hash after `prev`.
    pub fn hash(&self, prev: &str) -> String {
        let prev = crate::key::unhex(prev).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(&prev);
        h.update(self.canonical());
        hex(&h.finalize())
    }
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(serde_json::to_vec(key).unwrap_or_default());
                out.push(b':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(v, out);
            }
            out.push(b']');
        }
        other => out.extend(serde_json::to_vec(other).unwrap_or_default()),
    }
}

/// The inspection that a trail describes, or why it describes none.
pub(crate) fn replay(id: &str, entries: &[(Entry, String)]) -> Result<Inspection, String> {
    let mut iter = entries.iter();
    let Some((first, first_hash)) = iter.next() else {
        return Err("the audit trail is empty".into());
    };
    let Change::Created {
        ca_name,
        bin,
        site,
        checklist,
        roster,
        settings,
    } = &first.change
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
        created_at: first.at.clone(),
        created_by: first.actor_name.clone(),
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
        audit_head: first_hash.clone(),
    };
    for (entry, hash) in iter {
        apply(&mut inspection, entry);
        inspection.audit_head = hash.clone();
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

fn apply(inspection: &mut Inspection, entry: &Entry) {
    if inspection.seal.is_some() && entry.change.amends() {
        inspection.amendments += 1;
    }
    match &entry.change {
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
                updated_by: entry.actor_name.clone(),
                updated_at: entry.at.clone(),
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
                at: entry.at.clone(),
            });
        }
        Change::EventRecorded { event } => {
            inspection.events.retain(|e| e.step != event.step);
            inspection.events.push(event.clone());
        }
        Change::ActStored { act } => inspection.acts.push(act.clone()),
        Change::Sealed { head } => {
            inspection.seal = Some(Seal {
                head: head.clone(),
                at: entry.at.clone(),
            });
            inspection.amendments = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_encoding_sorts_keys_at_every_depth() {
        let value: Value =
            serde_json::json!({"b": 1, "a": {"d": [1, {"z": 0, "y": null}], "c": "é"}});
        let mut out = Vec::new();
        write_canonical(&value, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":{"c":"é","d":[1,{"y":null,"z":0}]},"b":1}"#
        );
    }
}
