//! Legal checklists: the model, and the loader that validates a TOML file against its schema
//! (`checklists/README.md`) and against the legal text it cites.

mod error;
pub(crate) mod raw;

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::Date;

pub use self::error::{ChecklistError, ChecklistErrorKind};
use crate::quorum::Rule;

/// A text in the three languages of tekseru.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    /// Kazakh, the state language.
    pub kk: String,
    /// Russian.
    pub ru: String,
    /// English.
    pub en: String,
}

impl Localized {
    /// The text in `lang` ("kk", "ru" or "en"; anything else gives Kazakh).
    pub fn get(&self, lang: &str) -> &str {
        match lang {
            "ru" => &self.ru,
            "en" => &self.en,
            _ => &self.kk,
        }
    }
}

/// One legal checklist, pinned by `id` and `version`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checklist {
    /// Stable id, e.g. `ca-accreditation-onsite`.
    pub id: String,
    /// Version; an inspection pins it at creation.
    pub version: String,
    /// Title.
    pub title: Localized,
    /// The quorum rule of the act this checklist leads to.
    pub rule: Rule,
    /// The legal act the checklist cites.
    pub source: Source,
    /// Sections, in order.
    pub sections: Vec<Section>,
    /// Act-level rules of the procedure, when the checklist has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Procedure>,
}

/// The legal act a checklist cites.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Short name, the first word of every reference.
    pub act: String,
    /// Full name.
    pub name: Localized,
    /// The order's number.
    pub number: String,
    /// The order's date.
    pub date: Date,
    /// Number in the state register of normative legal acts.
    pub registration: String,
    /// The date the cited wording applies from, when the text lets us state it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<Date>,
    /// Where `effective_from` comes from, or why it is not stated.
    pub effective_note: String,
    /// Which wording of the act the checklist cites (printed in the act).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wording: Option<Wording>,
    /// The cited text's file, relative to the checklist file.
    pub text: String,
}

/// The wording of the legal act a checklist cites, e.g. the one an amending order restated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wording {
    /// Words of the cited text (anywhere in it, the amending order included) that say so.
    pub quote: String,
    /// The wording's name, as the act prints it.
    pub text: Localized,
}

/// A section of a checklist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Unique within the checklist.
    pub id: String,
    /// Title.
    pub title: Localized,
    /// Items, in order.
    pub items: Vec<Item>,
}

/// What kind of answer an item takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Complies / does not comply / not applicable.
    Check,
    /// A number with a unit; the verdict follows from a rule.
    Measure,
    /// Rows declared vs found (servers, HSMs).
    Inventory,
    /// Filled by the PKI field tools; a manual verdict until they exist.
    Pki,
    /// Present / missing / does not conform.
    Document,
}

impl ItemKind {
    /// The kind as written in the TOML file.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Check => "check",
            ItemKind::Measure => "measure",
            ItemKind::Inventory => "inventory",
            ItemKind::Pki => "pki",
            ItemKind::Document => "document",
        }
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One requirement to check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable id, unique within the checklist.
    pub id: String,
    /// Kind of answer.
    pub kind: ItemKind,
    /// Legal reference, e.g. `224/НҚ §12(15) ¶6`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Words of the law at that reference.
    pub quote: String,
    /// The requirement.
    pub text: Localized,
    /// How to check it on site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<Localized>,
    /// Unit of a measured value (measure items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The rule that computes the verdict (measure items); `null` for other kinds.
    #[serde(default)]
    pub rule: Option<MeasureRule>,
    /// What rows the inventory has (inventory items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<InventorySpec>,
    /// The field tool that measures the item (check and pki items): its report is kept as
    /// evidence and proposes the verdict. Absent in copies made before tools were named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<Tool>,
}

/// A field tool that measures an item on site (`tool = "pki.chain"` in the TOML).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tool {
    /// The certificate chain up to the NCA RK roots (224/НҚ §12(1), (2), (4)).
    #[serde(rename = "pki.chain")]
    PkiChain,
    /// The OIDs of issued certificates against the registry (§12(3), (5)).
    #[serde(rename = "pki.oids")]
    PkiOids,
    /// The revocation list (§12(13)).
    #[serde(rename = "pki.crl")]
    PkiCrl,
    /// The CA's time server over SNTP (§12(8), (9)).
    #[serde(rename = "pki.time")]
    PkiTime,
}

impl Tool {
    /// The tool as written in the TOML file.
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::PkiChain => "pki.chain",
            Tool::PkiOids => "pki.oids",
            Tool::PkiCrl => "pki.crl",
            Tool::PkiTime => "pki.time",
        }
    }

    /// The name of the check the tool runs, as its report names it (`chain`, `oids`, `crl`,
    /// `time`).
    pub fn check(self) -> &'static str {
        match self {
            Tool::PkiChain => "chain",
            Tool::PkiOids => "oids",
            Tool::PkiCrl => "crl",
            Tool::PkiTime => "time",
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verdict on one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// сәйкес келеді / соответствует.
    Complies,
    /// сәйкес келмейді / не соответствует.
    Fails,
    /// қолданылмайды / не применимо.
    #[serde(rename = "na")]
    NotApplicable,
}

/// A comparison of a measured value against a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Op {
    /// At least.
    #[serde(rename = ">=")]
    AtLeast,
    /// More than.
    #[serde(rename = ">")]
    MoreThan,
    /// At most.
    #[serde(rename = "<=")]
    AtMost,
    /// Less than.
    #[serde(rename = "<")]
    LessThan,
}

impl Op {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::AtLeast => ">=",
            Op::MoreThan => ">",
            Op::AtMost => "<=",
            Op::LessThan => "<",
        }
    }
}

/// The rule of a measure item: `value op limit`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasureRule {
    /// The comparison.
    pub op: Op,
    /// The limit, in the item's unit.
    pub value: f64,
}

impl MeasureRule {
    /// The verdict for a measured value (in the item's unit). Values are compared as
    /// entered, never converted, so `2.44 >= 2.44` holds exactly.
    pub fn verdict(&self, measured: f64) -> Verdict {
        let ok = match self.op {
            Op::AtLeast => measured >= self.value,
            Op::MoreThan => measured > self.value,
            Op::AtMost => measured <= self.value,
            Op::LessThan => measured < self.value,
        };
        if ok {
            Verdict::Complies
        } else {
            Verdict::Fails
        }
    }
}

/// The rows of an inventory item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventorySpec {
    /// What is inventoried, e.g. `["server", "hsm"]`.
    pub kinds: Vec<String>,
    /// Roles of each, e.g. `["main", "backup"]`.
    pub roles: Vec<String>,
}

/// Act-level rules of a procedure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedure {
    /// The mark the act carries when no violation is found (revocation, 224/НҚ §22 ¶5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_violations_mark: Option<Mark>,
    /// The longest remediation deadline a recommendation may set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation_deadline: Option<DeadlineLimit>,
}

/// A mark the act carries, with its legal basis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Legal reference.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Words of the law there.
    pub quote: String,
    /// The mark's wording.
    pub text: Localized,
}

/// A limit on a deadline, in working days, with its legal basis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineLimit {
    /// At most this many working days.
    pub max_working_days: u32,
    /// Legal reference.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Words of the law there.
    pub quote: String,
}

impl Checklist {
    /// Loads and validates a checklist file, checking every reference and quote against the
    /// legal text named by its `[source] text` (relative to the file).
    pub fn load(path: &Path) -> Result<Checklist, ChecklistError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ChecklistError::new(path, None, ChecklistErrorKind::Io(e.to_string())))?;
        raw::parse(&text, path, &|rel: &str| {
            let law_path = path.parent().unwrap_or(Path::new(".")).join(rel);
            std::fs::read_to_string(&law_path)
                .map_err(|e| format!("cannot read the cited text '{}': {e}", law_path.display()))
        })
    }

    /// Parses and validates a checklist from text; `origin` names it in errors and
    /// `law` gives the cited text for a `[source] text` path.
    pub fn parse(
        text: &str,
        origin: &Path,
        law: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<Checklist, ChecklistError> {
        raw::parse(text, origin, law)
    }

    /// Every item, in order, with its section.
    pub fn items(&self) -> impl Iterator<Item = (&Section, &Item)> {
        self.sections
            .iter()
            .flat_map(|s| s.items.iter().map(move |i| (s, i)))
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().map(|(_, i)| i).find(|i| i.id == id)
    }
}
