//! What the act says: its input model, which is also the JSON manifest attached to the PDF.

use serde::{Deserialize, Serialize};
use tekseru_core::{quorum, Bin, Iin, ItemKind, MeasureRule, Roster, Verdict};
use time::Date;

/// A text in Kazakh and Russian, the two languages of the act.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    /// Kazakh.
    pub kk: String,
    /// Russian.
    pub ru: String,
}

impl Bilingual {
    /// The text in `lang` (`kk` or `ru`).
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
        }
    }
}

/// One language of the act.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Kazakh.
    Kk,
    /// Russian.
    Ru,
}

/// Everything the act shows, as the caller assembled it from the inspection.
///
/// Serialized without photo thumbnails, it is the manifest attached to the PDF.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActData {
    /// The inspection's id (printed on every page).
    pub inspection_id: String,
    /// A training act: signed with the public NCA TEST keys, trusted only against the NCA
    /// TEST anchors, marked "ОҚУ / УЧЕБНЫЙ / TRAINING" on every page; no legal force.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub training: bool,
    /// The act's number.
    pub act_number: String,
    /// Where the act is drawn up (city).
    pub place: Bilingual,
    /// The certification authority.
    pub ca: Ca,
    /// The inspected site.
    pub site: Site,
    /// First day of the on-site check (or examination), when recorded; the act then prints
    /// only its last day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Date>,
    /// Last day of the on-site check; the act is dated that day (224/НҚ §13 ¶1).
    pub end: Date,
    /// The legal basis.
    pub basis: Basis,
    /// The commission.
    pub roster: Roster,
    /// The quorum rule of the act.
    pub rule: quorum::Rule,
    /// The quorum settings; the defaults when absent.
    #[serde(default)]
    pub settings: quorum::Settings,
    /// The result of the documentary check, in short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentary_check: Option<Bilingual>,
    /// The checklist items with what was found.
    pub items: Vec<ActItem>,
    /// Photographs for annex B.
    #[serde(default)]
    pub photos: Vec<Photo>,
    /// The violations found, in short: every failing item, then those the inspectors wrote.
    #[serde(default)]
    pub findings: Vec<Bilingual>,
    /// The CA's actual state found, in the inspectors' prose (224/НҚ §13 ¶1), besides each
    /// item's own; never a violation by itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actual_state: Vec<Bilingual>,
    /// Conclusions.
    #[serde(default)]
    pub conclusions: Vec<Bilingual>,
    /// Recommendations.
    #[serde(default)]
    pub recommendations: Vec<Recommendation>,
    /// The mark a revocation act carries when no violation is found (224/НҚ §22 ¶5), as the
    /// checklist words it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_violations_mark: Option<Bilingual>,
    /// Dissent notes of members who do not sign.
    #[serde(default)]
    pub dissents: Vec<Dissent>,
    /// The head of the inspection's audit chain (hex hash).
    pub audit_head: String,
    /// Every evidence file: annex A.
    #[serde(default)]
    pub evidence: Vec<EvidenceEntry>,
    /// The renderer that drew the pages (`tekseru-act <version>+<format>`), recorded in the
    /// manifest when the act is rendered, so that `verify` can draw them again and compare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renderer: Option<String>,
    /// The languages the pages are in (`kk`, `ru`, `kk+ru`), recorded with the renderer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<String>,
}

/// The certification authority.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ca {
    /// Legal name.
    pub name: String,
    /// BIN.
    pub bin: Bin,
    /// Legal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_address: Option<String>,
}

/// The inspected site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Address of the inspected infrastructure.
    pub address: String,
    /// The CA's representatives present (name, position).
    #[serde(default)]
    pub representatives: Vec<String>,
}

/// The legal basis of the inspection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Basis {
    /// The checklist's id.
    pub checklist_id: String,
    /// The checklist's version.
    pub checklist_version: String,
    /// The legal act's short name (e.g. `224/НҚ`).
    pub source_act: String,
    /// The legal act's full name.
    pub source_name: Bilingual,
    /// The paragraphs that apply (e.g. `§12`, `§21–22`).
    pub paragraphs: String,
    /// Which wording of the legal act was applied, as the checklist names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wording: Option<Bilingual>,
    /// The date of the legal act (224/НҚ: 1 June 2020).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_date: Option<Date>,
    /// The legal act's number in the register of normative legal acts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_registration: Option<String>,
    /// The order forming the commission (224/НҚ §3 ¶4): its number, as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commission_order: Option<String>,
    /// The date of that order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commission_order_date: Option<Date>,
    /// The procedure's dates: the application or complaint, the notices to the CA (224/НҚ
    /// §10 ¶1, §12 ¶4; §21 ¶5), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Notice>,
    /// The subject of the examination (revocation, 224/НҚ §21 ¶5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The application or complaint (number and registration date), as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
}

/// A notice to the CA and its date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// What the CA was notified of, as the procedure names the step.
    pub what: Bilingual,
    /// Its legal reference, e.g. `224/НҚ §12 ¶4`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The day.
    pub date: Date,
}

/// One checklist item with what was found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActItem {
    /// The checklist item's id.
    pub id: String,
    /// Its section's title.
    pub section: Bilingual,
    /// Legal reference.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The requirement.
    pub requirement: Bilingual,
    /// The kind of item.
    pub kind: ItemKind,
    /// The verdict; `None` while not yet decided.
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// The measured value (measure items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement: Option<Measurement>,
    /// Declared vs found rows (inventory items).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inventory: Vec<InventoryRow>,
    /// The actual state found, in the inspector's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Evidence supporting the item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceRef>,
    /// What the PKI field checks measured for the item, one per report attached to it
    /// (`tekseru pki … --attach`), in the order attached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pki: Vec<PkiMeasured>,
}

/// What a PKI field check of 224/НҚ §12 measured on site, summed up from its report (the
/// report itself stays evidence on the item): the act prints it under the item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum PkiMeasured {
    /// The certificate chain (§12(1), (2), (4)).
    Chain {
        /// The check's proposed verdict.
        verdict: PkiVerdict,
        /// The root the path ends at (its CN), or the last certificate reached.
        root: String,
        /// How many links the path has, the certificate asked about included.
        links: usize,
        /// When the path was judged, RFC 3339.
        at: String,
    },
    /// The certificates' OIDs against the registry (§12(3), (5)).
    Oids {
        /// The check's proposed verdict.
        verdict: PkiVerdict,
        /// How many certificates were read.
        certificates: usize,
        /// How many OIDs the registry does not list, over all of them.
        unregistered: usize,
    },
    /// The revocation list (§12(13)).
    Crl {
        /// The check's proposed verdict.
        verdict: PkiVerdict,
        /// How many certificates it lists.
        entries: usize,
        /// Its nextUpdate, RFC 3339, when it has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_update: Option<String>,
        /// Whether its signature verifies under its issuer; `None` when it was not checked.
        #[serde(default)]
        signature_verified: Option<bool>,
    },
    /// The CA's time source (§12(8), (9)).
    Time {
        /// The check's proposed verdict.
        verdict: PkiVerdict,
        /// The CA's time server, as given.
        server: String,
        /// Its clock minus the laptop's, milliseconds; `None` when it did not answer.
        #[serde(default)]
        offset_ms: Option<f64>,
        /// The second source, when one was given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        second: Option<String>,
        /// The CA's server's clock minus the second source's, milliseconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offset_to_second_ms: Option<f64>,
    },
}

/// A PKI check's proposed verdict, as its report states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PkiVerdict {
    /// What was measured meets the requirement.
    Complies,
    /// It does not.
    DoesNotComply,
    /// It could not be decided here.
    NotVerifiableHere,
}

/// A measured value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// The value.
    pub value: f64,
    /// Its unit.
    pub unit: String,
    /// The rule it is judged by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<MeasureRule>,
}

/// Equipment as declared in the application and as found on site.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Equipment {
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// Serial number.
    pub serial: String,
    /// Location.
    pub location: String,
}

/// One inventory row: a server or HSM, declared vs found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryRow {
    /// What it is (`server`, `hsm`).
    pub kind: String,
    /// Its role (`main`, `backup`).
    pub role: String,
    /// As declared.
    pub declared: Equipment,
    /// As found; `None` when not found.
    #[serde(default)]
    pub found: Option<Equipment>,
}

impl InventoryRow {
    /// Whether what was found differs from what was declared.
    pub fn mismatch(&self) -> bool {
        self.found.as_ref() != Some(&self.declared)
    }
}

/// A reference to an evidence file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRef {
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// File name.
    pub name: String,
}

/// An evidence file in annex A.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceEntry {
    /// The item it supports.
    pub item: String,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// A photograph for annex B.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Photo {
    /// SHA-256 of the original file, hex.
    pub sha256: String,
    /// File name.
    pub name: String,
    /// Caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Capture time, as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<String>,
    /// JPEG or PNG bytes (base64 in JSON): a thumbnail, or the full image, which is then
    /// downscaled. Not part of the manifest.
    #[serde(default, with = "base64_bytes", skip_serializing_if = "Vec::is_empty")]
    pub image: Vec<u8>,
}

/// A recommendation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    /// What to do.
    pub text: Bilingual,
    /// By when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
}

/// A member's dissent note: why they do not sign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dissent {
    /// The member.
    pub iin: Iin,
    /// Their justification.
    pub reason: String,
}

impl ActData {
    /// Parses act data from JSON, normalizing every text to NFC.
    pub fn from_json(json: &str) -> Result<ActData, serde_json::Error> {
        let data: ActData = serde_json::from_str(&tekseru_core::nfc(json))?;
        data.check_identities().map_err(serde::de::Error::custom)?;
        Ok(data)
    }

    /// Refuses the NCA's test identities (IIN 123456789011, …) outside a training act.
    pub fn check_identities(&self) -> Result<(), String> {
        if self.training {
            return Ok(());
        }
        if let Some(m) = self.roster.members.iter().find(|m| m.iin.is_nca_test()) {
            return Err(format!(
                "{} has IIN {}, the NCA's test identity: only a training act may list it",
                m.name, m.iin
            ));
        }
        if self.ca.bin.is_nca_test() {
            return Err(format!(
                "the CA has BIN {}, the NCA's test identity: only a training act may list it",
                self.ca.bin
            ));
        }
        Ok(())
    }

    /// The manifest attached to the PDF: this data without photo bytes, as JSON.
    pub fn manifest_json(&self) -> Vec<u8> {
        let mut manifest = self.clone();
        for photo in &mut manifest.photos {
            photo.image.clear();
        }
        // Serializing plain data to a Vec cannot fail.
        serde_json::to_vec_pretty(&manifest).unwrap_or_default()
    }
}

mod base64_bytes {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(serde::de::Error::custom)
    }
}
