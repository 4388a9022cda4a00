//! What an inspection holds: the values the store keeps and returns.

use serde::{Deserialize, Deserializer, Serialize};
use tekseru_core::quorum::Settings;
use tekseru_core::{Bin, Checklist, Iin, Roster, Verdict};
use time::Date;

/// Who works on this laptop: every change names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspector {
    /// A random id made when the store was created; stable across renames.
    pub id: String,
    /// The inspector's name as they typed it.
    pub name: String,
}

/// What is needed to start an inspection.
#[derive(Clone, Debug)]
pub struct NewInspection {
    /// The checklist; its text is copied into the inspection, so later edits never change it.
    pub checklist: Checklist,
    /// The certification authority's name.
    pub ca_name: String,
    /// Its business identification number.
    pub bin: Bin,
    /// Where its infrastructure is (the site inspected).
    pub site: String,
    /// The commission.
    pub roster: Roster,
    /// A training inspection: its roster may list the NCA RK test identity (IIN
    /// 123456789011, BIN 123456789021), and its act, signed with the public NCA test keys,
    /// has no legal force. Fixed at creation.
    pub training: bool,
    /// How the act's quorum is counted, pinned in the inspection; `None` takes the defaults
    /// of the checklist's rule ([`Settings::for_rule`]).
    pub settings: Option<Settings>,
}

/// What the act carries besides the answers (224/НҚ §3 ¶4, §12, §13, §21–22), each known
/// only once someone records it; the act prints only what is known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActDetails {
    /// The number of the provider's order that formed the commission (§3 ¶4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_order: Option<String>,
    /// The date of that order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_order_date: Option<Date>,
    /// The act's registry number; the inspection id's first eight characters when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub act_number: Option<String>,
    /// The CA's legal address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_address: Option<String>,
    /// The CA's representatives present, each "NAME, POSITION".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub present: Vec<String>,
    /// The subject of the examination (revocation, §21 ¶5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The first day of the on-site check (or examination).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onsite_start: Option<Date>,
    /// Violations the inspectors write, besides the failing items.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<String>,
}

/// One field of [`ActDetails`] and its new value, as `tekseru inspection set` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DetailChange {
    /// `commission-order`: the order's number; empty clears it.
    CommissionOrder(String),
    /// `commission-order-date`.
    CommissionOrderDate(Option<Date>),
    /// `act-number`; empty clears it.
    ActNumber(String),
    /// `legal-address`; empty clears it.
    LegalAddress(String),
    /// `present`: every representative present, replacing the list.
    Present(Vec<String>),
    /// `subject`; empty clears it.
    Subject(String),
    /// `onsite-start`.
    OnsiteStart(Option<Date>),
    /// A violation the inspectors write, added to the list.
    AddViolation(String),
    /// Every violation the inspectors wrote, replacing the list.
    Violations(Vec<String>),
    /// Every detail at once, as the app's form saves them.
    All(Box<ActDetails>),
}

/// One row of an inventory item: a server or HSM, declared in the application and/or found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryRow {
    /// The row's id, stable across edits and laptops: rows are a set keyed by it, so two
    /// laptops editing different rows of one item merge without conflict. Rows written
    /// before rows had ids are numbered `ITEM#INDEX` when read; a new row without one gets
    /// a fresh id when stored. Left out of the encoding when empty, so that old audit
    /// entries hash as they always did.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// One of the item's kinds, e.g. `server`, `hsm`.
    pub kind: String,
    /// One of the item's roles, e.g. `main`, `backup`.
    pub role: String,
    /// Serial number.
    pub serial: String,
    /// Model.
    pub model: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Actual location.
    pub location: String,
    /// Declared in the application.
    pub declared: bool,
    /// Found on site as declared.
    pub found: bool,
}

/// The answer to one checklist item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The item's id.
    pub item: String,
    /// The verdict; for measure and inventory items it follows from the value or the rows.
    pub verdict: Option<Verdict>,
    /// The measured value (measure items), in the item's unit.
    pub value: Option<f64>,
    /// The inspector's note: the actual state found.
    pub note: Option<String>,
    /// The rows (inventory items).
    pub inventory: Option<Vec<InventoryRow>>,
    /// Who changed it last.
    pub updated_by: String,
    /// When (RFC 3339, UTC).
    pub updated_at: String,
}

/// A change to an answer: a field left out stays as it is; `null` clears it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct AnswerChange {
    /// The verdict (check, pki, document items; `na` on any item).
    #[serde(default, deserialize_with = "present")]
    pub verdict: Option<Option<Verdict>>,
    /// The measured value (measure items).
    #[serde(default, deserialize_with = "present")]
    pub value: Option<Option<f64>>,
    /// The note.
    #[serde(default, deserialize_with = "present")]
    pub note: Option<Option<String>>,
    /// The inventory rows (inventory items).
    #[serde(default, deserialize_with = "present")]
    pub inventory: Option<Option<Vec<InventoryRow>>>,
}

/// A field that is present in JSON, possibly `null`.
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A remediation recommendation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// What to do.
    pub text: String,
    /// The deadline, in working days from receipt.
    pub deadline_working_days: Option<u32>,
    /// A longer term agreed between the CA and the provider (224/НҚ §21 ¶4, §22 ¶8), in
    /// working days from receipt; when set, it is the term counted and printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreed_working_days: Option<u32>,
}

impl Recommendation {
    /// The term counted: the agreed one when there is one, else the recommendation's own.
    pub fn term(&self) -> Option<u32> {
        self.agreed_working_days.or(self.deadline_working_days)
    }
}

/// A member who does not sign, and why (224/НҚ §13: the member notifies the provider).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dissent {
    /// The member.
    pub iin: Iin,
    /// The member's reason.
    pub reason: String,
    /// When it was recorded.
    pub at: String,
}

/// A step of the procedure that happened on a date (for the deadlines).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureEvent {
    /// The step's id in the procedure's timeline, e.g. `ca_notified`.
    pub step: String,
    /// The date it happened.
    pub date: Date,
}

/// A GPS position from a photo's EXIF data.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gps {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
}

/// A file attached to an inspection (to an item, or to the whole inspection).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// SHA-256 of the content, lowercase hex: the file's identity.
    pub sha256: String,
    /// The item it is attached to; `None` for the inspection as a whole.
    pub item: Option<String>,
    /// The original file name.
    pub name: String,
    /// The media type, from the content's signature or the name.
    pub media_type: String,
    /// Size in bytes.
    pub bytes: u64,
    /// When it was imported.
    pub added_at: String,
    /// Who imported it.
    pub added_by: String,
    /// When the photo was taken (EXIF DateTimeOriginal), as written in the file.
    pub captured_at: Option<String>,
    /// Where the photo was taken (EXIF GPS).
    pub gps: Option<Gps>,
}

/// A revision of the act kept in the store (rendered, then one per signature).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActRevision {
    /// SHA-256 of the PDF.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// `rendered`, `signed` or `dissent`.
    pub kind: String,
    /// The member who signed (or dissented), for `signed` and `dissent`.
    pub member: Option<Iin>,
    /// When it was stored.
    pub at: String,
}

/// The seal of an inspection: the audit-chain head its act was rendered from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// The head sealed.
    pub head: String,
    /// When.
    pub at: String,
}

/// A line of the inspections list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionSummary {
    /// The inspection's id.
    pub id: String,
    /// The CA's name.
    pub ca_name: String,
    /// The CA's BIN.
    pub bin: String,
    /// The site.
    pub site: String,
    /// The checklist's id, pinned at creation.
    pub checklist_id: String,
    /// The checklist's version, pinned at creation.
    pub checklist_version: String,
    /// When it was created.
    pub created_at: String,
    /// Who created it.
    pub created_by: String,
    /// Items with a verdict.
    pub answered: usize,
    /// Items in the checklist.
    pub total: usize,
    /// Items that fail.
    pub failing: usize,
    /// Whether an act was rendered from it (and not amended since).
    pub sealed: bool,
    /// Why the inspection cannot be read, when its data is damaged; the other fields then
    /// hold what could be read (the counts are 0). Other inspections are not affected.
    pub damaged: Option<String>,
    /// A training inspection (no legal force).
    pub training: bool,
}

/// An inspection, whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    /// The inspection's id.
    pub id: String,
    /// The CA's name.
    pub ca_name: String,
    /// The CA's BIN.
    pub bin: Bin,
    /// The site.
    pub site: String,
    /// The checklist as it was when the inspection was created.
    pub checklist: Checklist,
    /// The commission.
    pub roster: Roster,
    /// How the act's quorum is counted, pinned when the inspection was created.
    pub settings: Settings,
    /// The act's details: the commission's order, the act's number, the CA's legal address
    /// and representatives, the subject, the start of the on-site work, the violations
    /// written by the inspectors.
    pub details: ActDetails,
    /// When it was created.
    pub created_at: String,
    /// Who created it.
    pub created_by: String,
    /// The answers, in checklist order.
    pub answers: Vec<Answer>,
    /// The evidence, in import order.
    pub evidence: Vec<Evidence>,
    /// The CA's actual state found, in prose (224/НҚ §13 ¶1), besides each item's own; not
    /// a list of violations.
    pub findings: String,
    /// The conclusions.
    pub conclusions: String,
    /// The recommendations.
    pub recommendations: Vec<Recommendation>,
    /// Members who do not sign, and why.
    pub dissents: Vec<Dissent>,
    /// Dates of the procedure's steps.
    pub events: Vec<ProcedureEvent>,
    /// The act's revisions, oldest first.
    pub acts: Vec<ActRevision>,
    /// The last seal.
    pub seal: Option<Seal>,
    /// Changes to answers, evidence or conclusions after the last seal.
    pub amendments: usize,
    /// The hash of the last audit entry.
    pub audit_head: String,
    /// A training inspection (NCA test identities, no legal force); fixed at creation.
    #[serde(default)]
    pub training: bool,
    /// Fields that laptops wrote concurrently with different values, each kept with every
    /// version until a person resolves it ([`crate::Store::resolve`]); the act is not
    /// rendered or signed while one is open.
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
}

/// A field written concurrently on several laptops with different values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// The item, or for fields of the inspection as a whole `@act` (findings, conclusions,
    /// recommendations), `@details` (a field of the act's details), `@dissents` (a member's
    /// dissent, by IIN), `@events` (a step's date).
    pub item: String,
    /// `verdict`, `value`, `note`, an inventory row's id, an evidence file's SHA-256, or the
    /// field of the pseudo-item.
    pub field: String,
    /// Every version still standing, one per laptop, in the fold's order.
    pub versions: Vec<Version>,
}

/// One laptop's version of a conflicting field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Version {
    /// The value written (`null`: cleared, or for a row or a file, deleted).
    pub value: serde_json::Value,
    /// The device that wrote it (its id).
    pub device: String,
    /// Its inspector's name.
    pub inspector: String,
    /// When (RFC 3339, UTC).
    pub at: String,
}

/// How a conflict is resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Choice {
    /// The version written on this device (its id).
    Take(String),
    /// A value typed by the person resolving, as text: `complies`, `fails`, `na` or `none`
    /// for a verdict; a number or `none` for a value; any text (empty clears) for a note,
    /// the findings, conclusions or a dissent's reason; `deleted` or a row's JSON for an
    /// inventory row; `deleted` or `kept` for a file; JSON for the other fields.
    Value(String),
}

impl Inspection {
    /// The open conflicts, named as `item field` for messages, at most `max` of them, with
    /// `, …` when there are more.
    pub fn conflicts_named(&self, max: usize) -> String {
        let mut names: Vec<String> = self
            .conflicts
            .iter()
            .take(max)
            .map(|c| format!("{} {}", c.item, c.field))
            .collect();
        if self.conflicts.len() > max {
            names.push("…".into());
        }
        names.join(", ")
    }

    /// The line of the inspections list.
    pub fn summary(&self) -> InspectionSummary {
        let total = self.checklist.items().count();
        let answered = self.answers.iter().filter(|a| a.verdict.is_some()).count();
        let failing = self
            .answers
            .iter()
            .filter(|a| a.verdict == Some(Verdict::Fails))
            .count();
        InspectionSummary {
            id: self.id.clone(),
            ca_name: self.ca_name.clone(),
            bin: self.bin.to_string(),
            site: self.site.clone(),
            checklist_id: self.checklist.id.clone(),
            checklist_version: self.checklist.version.clone(),
            created_at: self.created_at.clone(),
            created_by: self.created_by.clone(),
            answered,
            total,
            failing,
            sealed: self.seal.is_some() && self.amendments == 0,
            damaged: None,
            training: self.training,
        }
    }

    /// The answer to an item, if any.
    pub fn answer(&self, item: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.item == item)
    }
}
