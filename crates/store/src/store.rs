//! The store: one directory holding `store.toml` (salt, KDF cost and page format, no secret)
//! and `tekseru.db` (SQLCipher, WAL). Every operation is one transaction that appends to the
//! inspection's audit trail and updates the tables the app reads.

use std::path::{Path, PathBuf};

use rusqlite::{
    params, Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior,
};
use tekseru_core::{Checklist, Iin, ItemKind, Roster, Verdict};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::audit::{Change, Entry, GENESIS};
use crate::device::{self, DeviceCard, OwnDevice};
use crate::error::{Result, StoreError};
use crate::key::{hex, Header, MIN_PASSPHRASE_CHARS};
use crate::model::{
    ActDetails, ActRevision, Answer, AnswerChange, DetailChange, Dissent, Evidence, Inspection,
    InspectionSummary, Inspector, InventoryRow, NewInspection, ProcedureEvent, Recommendation,
    Seal,
};
use crate::schema;

pub(crate) const DB: &str = "tekseru.db";
/// How long an operation waits for another process's transaction to end.
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// An open, unlocked store.
pub struct Store {
    pub(crate) conn: Connection,
    dir: PathBuf,
    pub(crate) me: Me,
}

/// Who makes this store's changes: the inspector and the device that signs them.
pub(crate) struct Me {
    pub(crate) inspector: Inspector,
    pub(crate) own: OwnDevice,
}

impl std::ops::Deref for Me {
    type Target = Inspector;

    fn deref(&self) -> &Inspector {
        &self.inspector
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

pub(crate) fn now() -> String {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

impl Store {
    /// Whether `dir` holds a store.
    pub fn exists(dir: &Path) -> bool {
        Header::path(dir).exists()
    }

    /// Creates a store in `dir` (made if missing) for this laptop's inspector, with their IIN
    /// when known, and the store's device key (kept only inside the encrypted database). The
    /// passphrase has at least 8 characters (spaces around it do not count).
    pub fn create(
        dir: &Path,
        passphrase: &str,
        inspector: &str,
        iin: Option<Iin>,
    ) -> Result<Store> {
        if Store::exists(dir) || dir.join(DB).exists() {
            return Err(StoreError::AlreadyExists(dir.to_path_buf()));
        }
        if passphrase.trim().chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(StoreError::Invalid(format!(
                "the passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} characters"
            )));
        }
        let inspector = inspector.trim();
        if inspector.is_empty() {
            return Err(StoreError::Invalid("the inspector's name is empty".into()));
        }
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let header = Header::fresh()?;
        let key = header.derive(passphrase)?;
        let mut conn = connect(dir, &header, &key, true)?;
        let mut id = [0u8; 8];
        getrandom::fill(&mut id)
            .map_err(|e| StoreError::Invalid(format!("no randomness for the inspector id: {e}")))?;
        let inspector = Inspector {
            id: hex(&id),
            name: tekseru_core::nfc(inspector),
        };
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('inspector_id', ?1), ('inspector_name', ?2)",
            params![inspector.id, inspector.name],
        )?;
        let own = device::create_own(&tx, &inspector.name, iin.as_ref(), &now())?;
        tx.commit()?;
        // The header last: a store without it is not a store, and can be created again.
        header.write(dir)?;
        Ok(Store {
            conn,
            dir: dir.to_path_buf(),
            me: Me { inspector, own },
        })
    }

    /// Opens the store in `dir`. A wrong passphrase changes nothing.
    pub fn open(dir: &Path, passphrase: &str) -> Result<Store> {
        let header = Header::read(dir)?;
        if !dir.join(DB).exists() {
            return Err(StoreError::Corrupt(format!(
                "'{}' has a store header but no {DB}",
                dir.display()
            )));
        }
        let key = header.derive(passphrase)?;
        let mut conn = connect(dir, &header, &key, false)?;
        let meta = |key: &str| -> Result<String> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::Corrupt(format!("the store has no {key}")))
        };
        let inspector = Inspector {
            id: meta("inspector_id")?,
            name: meta("inspector_name")?,
        };
        let own = match device::load_own(&conn)? {
            Some(own) => own,
            None => crate::dag::upgrade(&mut conn, &inspector)?,
        };
        Ok(Store {
            conn,
            dir: dir.to_path_buf(),
            me: Me { inspector, own },
        })
    }

    /// This store's own device: its public key and the inspector it is bound to.
    pub fn device(&self) -> DeviceCard {
        self.me.own.card.clone()
    }

    /// This store's device key, lent for what is signed or opened as this device outside
    /// the store: a bundle's manifest, a bundle encrypted to this device.
    pub fn device_key(&self) -> &tekseru_ledger::DeviceKey {
        &self.me.own.key
    }

    /// Sets the IIN of this store's inspector (a store made before devices had one).
    /// Colleagues who accepted the device before see the new IIN only with its next events'
    /// card.
    pub fn set_inspector_iin(&mut self, iin: Iin) -> Result<()> {
        let text = iin.to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE device SET inspector_iin = ?1 WHERE own = 1",
            [&text],
        )?;
        tx.commit()?;
        self.me.own.card.inspector_iin = text;
        Ok(())
    }

    /// The directory of the store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// This laptop's inspector.
    pub fn inspector(&self) -> &Inspector {
        &self.me.inspector
    }

    /// Starts an inspection; returns its id.
    pub fn new_inspection(&mut self, new: NewInspection) -> Result<String> {
        let ca_name = tekseru_core::nfc(new.ca_name.trim());
        let site = tekseru_core::nfc(new.site.trim());
        if ca_name.is_empty() {
            return Err(StoreError::Invalid("the CA's name is empty".into()));
        }
        if site.is_empty() {
            return Err(StoreError::Invalid("the site is empty".into()));
        }
        if new.roster.members.is_empty() {
            return Err(StoreError::Invalid("the commission has no members".into()));
        }
        if !new.training {
            if let Some(m) = new.roster.members.iter().find(|m| m.iin.is_nca_test()) {
                return Err(StoreError::Invalid(format!(
                    "{} has IIN {}, the NCA's test identity: only a training inspection may list it (create it with --training)",
                    m.name, m.iin
                )));
            }
            if new.bin.is_nca_test() {
                return Err(StoreError::Invalid(format!(
                    "BIN {} is the NCA's test identity: only a training inspection may inspect it (create it with --training)",
                    new.bin
                )));
            }
        }
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw)
            .map_err(|e| StoreError::Invalid(format!("no randomness for the id: {e}")))?;
        let id = hex(&raw);
        let checklist_json = to_json(&new.checklist)?;
        let roster_json = to_json(&new.roster)?;
        let settings = new
            .settings
            .unwrap_or_else(|| tekseru_core::quorum::Settings::for_rule(new.checklist.rule));
        let (tx, who) = self.begin()?;
        let at = now();
        tx.execute(
            "INSERT INTO inspection (id, ca_name, bin, site, checklist, roster, created_at, \
             created_by, head, seq, training, settings) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11)",
            params![
                id,
                ca_name,
                new.bin.to_string(),
                site,
                checklist_json,
                roster_json,
                at,
                who.name,
                GENESIS,
                new.training,
                to_json(&settings)?
            ],
        )?;
        append(
            &tx,
            who,
            &id,
            Change::Created {
                ca_name,
                bin: new.bin,
                site,
                checklist: Box::new(new.checklist),
                roster: new.roster,
                training: new.training,
                settings: Some(settings),
            },
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Every inspection, newest first. An inspection whose data is damaged is listed with
    /// the reason ([`InspectionSummary::damaged`]); it never hides the others.
    pub fn inspections(&self) -> Result<Vec<InspectionSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT CAST(id AS TEXT), CAST(ca_name AS TEXT), CAST(bin AS TEXT), CAST(site AS TEXT), \
             CAST(created_at AS TEXT), CAST(created_by AS TEXT) \
             FROM inspection ORDER BY created_at DESC, id",
        )?;
        let rows: Vec<[Option<String>; 6]> = stmt
            .query_map([], |r| {
                Ok([
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ])
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows
            .into_iter()
            .map(|[id, ca_name, bin, site, created_at, created_by]| {
                let id = id.unwrap_or_default();
                match load(&self.conn, &id) {
                    Ok(inspection) => inspection.summary(),
                    Err(e) => InspectionSummary {
                        id,
                        ca_name: ca_name.unwrap_or_default(),
                        bin: bin.unwrap_or_default(),
                        site: site.unwrap_or_default(),
                        checklist_id: String::new(),
                        checklist_version: String::new(),
                        created_at: created_at.unwrap_or_default(),
                        created_by: created_by.unwrap_or_default(),
                        answered: 0,
                        total: 0,
                        failing: 0,
                        sealed: false,
                        damaged: Some(e.to_string()),
                        // Unknown when the row cannot be read; the list shows it damaged.
                        training: false,
                    },
                }
            })
            .collect())
    }

    /// The inspection's audit trail: its events in the DAG's deterministic order (a single
    /// device's chain in its order), each as an entry. An event that cannot be read is an
    /// error (`verify` names it).
    pub fn audit_trail(&self, id: &str) -> Result<Vec<Entry>> {
        load(&self.conn, id)?;
        let dag = crate::dag::Dag::load(&self.conn, id)?;
        Ok(dag
            .events
            .into_iter()
            .enumerate()
            .map(|(n, (signed, _, decoded))| match decoded.legacy {
                Some((entry, _)) => entry,
                None => Entry {
                    inspection: Some(id.to_owned()),
                    seq: n as u64 + 1,
                    at: signed.event.at,
                    actor: decoded.actor,
                    actor_name: decoded.actor_name,
                    change: decoded.change,
                },
            })
            .collect())
    }

    /// An inspection, whole, as the tables hold it.
    pub fn inspection(&self, id: &str) -> Result<Inspection> {
        load(&self.conn, id)
    }

    /// The evidence attached to one item, in import order.
    pub fn evidence_of_item(&self, id: &str, item: &str) -> Result<Vec<Evidence>> {
        evidence_where(&self.conn, id, Some(item))
    }

    /// Changes the answer to an item. The verdict of a measurement follows from its value and
    /// the item's rule; the verdict of an inventory from its rows.
    pub fn answer(&mut self, id: &str, item_id: &str, change: AnswerChange) -> Result<Answer> {
        let (tx, who) = self.begin()?;
        let checklist = checklist_of(&tx, id)?;
        let item = checklist.item(item_id).ok_or_else(|| {
            StoreError::Invalid(format!(
                "checklist {} {} has no item '{item_id}'",
                checklist.id, checklist.version
            ))
        })?;
        let old = answer_row(&tx, id, item_id)?;
        let (given_rows, given_note) = (change.inventory.is_some(), change.note.is_some());
        let mut verdict = old.as_ref().and_then(|a| a.verdict);
        let mut value = old.as_ref().and_then(|a| a.value);
        let mut note = old.as_ref().and_then(|a| a.note.clone());
        let mut inventory = old.as_ref().and_then(|a| a.inventory.clone());
        if let Some(v) = change.value {
            if item.kind != ItemKind::Measure {
                return Err(StoreError::Invalid(format!(
                    "item '{item_id}' is a {} item; only measure items take a value",
                    item.kind
                )));
            }
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(StoreError::Invalid(format!(
                    "item '{item_id}': the value is not a number"
                )));
            }
            value = v;
            verdict = match (v, item.rule) {
                (Some(v), Some(rule)) => Some(rule.verdict(v)),
                _ => None,
            };
        }
        if let Some(rows) = change.inventory {
            if item.kind != ItemKind::Inventory {
                return Err(StoreError::Invalid(format!(
                    "item '{item_id}' is a {} item; only inventory items take rows",
                    item.kind
                )));
            }
            if let (Some(spec), Some(rows)) = (&item.inventory, &rows) {
                for row in rows {
                    if !spec.kinds.contains(&row.kind) || !spec.roles.contains(&row.role) {
                        return Err(StoreError::Invalid(format!(
                            "item '{item_id}': a row of kind '{}' and role '{}' (expected kinds {:?}, roles {:?})",
                            row.kind, row.role, spec.kinds, spec.roles
                        )));
                    }
                }
            }
            verdict = rows.as_deref().map(inventory_verdict);
            inventory = rows.map(|rows| rows.into_iter().map(nfc_row).collect());
        }
        if let Some(v) = change.verdict {
            let computed = matches!(item.kind, ItemKind::Measure | ItemKind::Inventory);
            if computed && v.is_some_and(|v| v != Verdict::NotApplicable) {
                return Err(StoreError::Invalid(format!(
                    "item '{item_id}' is a {} item: its verdict follows from its {}; only 'na' can be set by hand",
                    item.kind,
                    if item.kind == ItemKind::Measure { "value" } else { "rows" }
                )));
            }
            verdict = v;
            if computed && v == Some(Verdict::NotApplicable) {
                value = None;
                inventory = None;
            }
        }
        if let Some(n) = change.note {
            note = n
                .map(|n| tekseru_core::nfc(n.trim()))
                .filter(|n| !n.is_empty());
        }
        // Only the fields touched are written, so that laptops merge field by field: those
        // given, and those that follow from them.
        let cleared = matches!(item.kind, ItemKind::Measure | ItemKind::Inventory)
            && change.verdict == Some(Some(Verdict::NotApplicable));
        let rows_touched = given_rows || (cleared && item.kind == ItemKind::Inventory);
        let old_rows = old
            .as_ref()
            .and_then(|a| a.inventory.clone())
            .unwrap_or_default();
        let (inventory, rows) = if rows_touched {
            let (new, writes) = crate::merge::row_writes(item_id, &old_rows, inventory)?;
            (new, writes)
        } else {
            (inventory, Vec::new())
        };
        let entry = append(
            &tx,
            who,
            id,
            Change::AnswerSet {
                item: item_id.to_owned(),
                verdict: (change.verdict.is_some() || change.value.is_some() || rows_touched)
                    .then_some(verdict),
                value: (change.value.is_some() || (cleared && item.kind == ItemKind::Measure))
                    .then_some(value),
                note: given_note.then(|| note.clone()),
                inventory: rows_touched.then_some(inventory.is_some()),
                rows,
            },
        )?;
        let answer = Answer {
            item: item_id.to_owned(),
            verdict,
            value,
            note,
            inventory,
            updated_by: entry.actor_name,
            updated_at: entry.at,
        };
        tx.execute(
            "INSERT INTO answer (inspection, item, verdict, value, note, inventory, updated_by, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (inspection, item) DO UPDATE SET verdict = ?3, value = ?4, note = ?5, \
             inventory = ?6, updated_by = ?7, updated_at = ?8",
            params![
                id,
                answer.item,
                answer.verdict.map(verdict_str),
                answer.value,
                answer.note,
                answer.inventory.as_ref().map(to_json).transpose()?,
                answer.updated_by,
                answer.updated_at
            ],
        )?;
        bump_amendments(&tx, id)?;
        tx.commit()?;
        Ok(answer)
    }

    /// Sets the findings, conclusions and recommendations.
    pub fn set_conclusions(
        &mut self,
        id: &str,
        findings: &str,
        conclusions: &str,
        recommendations: Vec<Recommendation>,
    ) -> Result<()> {
        let (tx, who) = self.begin()?;
        let checklist = checklist_of(&tx, id)?;
        let limit = checklist
            .procedure
            .as_ref()
            .and_then(|p| p.recommendation_deadline.as_ref());
        let mut clean = Vec::new();
        for (n, r) in recommendations.into_iter().enumerate() {
            let text = tekseru_core::nfc(r.text.trim());
            if text.is_empty() {
                continue;
            }
            if let (Some(limit), Some(days)) = (limit, r.deadline_working_days) {
                if days > limit.max_working_days {
                    return Err(StoreError::Invalid(format!(
                        "recommendation {}: a deadline of {days} working days exceeds the {} allowed by {}",
                        n + 1,
                        limit.max_working_days,
                        limit.reference
                    )));
                }
            }
            if r.deadline_working_days == Some(0) {
                return Err(StoreError::Invalid(format!(
                    "recommendation {}: a deadline of 0 working days",
                    n + 1
                )));
            }
            if let Some(agreed) = r.agreed_working_days {
                let Some(own) = r.deadline_working_days else {
                    return Err(StoreError::Invalid(format!(
                        "recommendation {}: an agreed term replaces the recommendation's own term; give that term first",
                        n + 1
                    )));
                };
                if checklist.rule != tekseru_core::quorum::Rule::Revocation {
                    return Err(StoreError::Invalid(format!(
                        "recommendation {}: a term agreed with the CA exists only in the revocation procedure (224/НҚ §21 ¶4, §22 ¶8)",
                        n + 1
                    )));
                }
                if agreed <= own {
                    return Err(StoreError::Invalid(format!(
                        "recommendation {}: the agreed term ({agreed} working days) must be longer than the recommendation's own ({own})",
                        n + 1
                    )));
                }
            }
            clean.push(Recommendation {
                text,
                deadline_working_days: r.deadline_working_days,
                agreed_working_days: r.agreed_working_days,
            });
        }
        let findings = tekseru_core::nfc(findings.trim());
        let conclusions = tekseru_core::nfc(conclusions.trim());
        // Only what changed is written, so that laptops merge the three apart.
        let (old_findings, old_conclusions, old_recs): (String, String, String) = tx.query_row(
            "SELECT findings, conclusions, recommendations FROM inspection WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let old_recs: Vec<Recommendation> = from_json(&old_recs, "recommendations")?;
        let edited = Change::ConclusionsEdited {
            findings: (findings != old_findings).then(|| findings.clone()),
            conclusions: (conclusions != old_conclusions).then(|| conclusions.clone()),
            recommendations: (clean != old_recs).then(|| clean.clone()),
        };
        tx.execute(
            "UPDATE inspection SET findings = ?2, conclusions = ?3, recommendations = ?4 WHERE id = ?1",
            params![id, findings, conclusions, to_json(&clean)?],
        )?;
        append(&tx, who, id, edited)?;
        bump_amendments(&tx, id)?;
        tx.commit()?;
        Ok(())
    }

    /// Changes one of the act's details (see [`DetailChange`]); returns them all. Every text
    /// is trimmed and NFC; an empty text clears its field.
    pub fn set_detail(&mut self, id: &str, change: DetailChange) -> Result<ActDetails> {
        let (tx, who) = self.begin()?;
        let mut details: ActDetails = json_column(&tx, id, "details")?;
        let before = details.clone();
        let text = |t: &str| Some(tekseru_core::nfc(t.trim())).filter(|t| !t.is_empty());
        let list =
            |items: &[String]| -> Vec<String> { items.iter().filter_map(|t| text(t)).collect() };
        match &change {
            DetailChange::CommissionOrder(t) => details.commission_order = text(t),
            DetailChange::CommissionOrderDate(d) => details.commission_order_date = *d,
            DetailChange::ActNumber(t) => details.act_number = text(t),
            DetailChange::LegalAddress(t) => details.legal_address = text(t),
            DetailChange::Present(people) => details.present = list(people),
            DetailChange::Subject(t) => details.subject = text(t),
            DetailChange::OnsiteStart(d) => details.onsite_start = *d,
            DetailChange::AddViolation(t) => {
                let Some(t) = text(t) else {
                    return Err(StoreError::Invalid(
                        "the violation's text is empty: say what was violated".into(),
                    ));
                };
                details.violations.push(t);
            }
            DetailChange::Violations(all) => details.violations = list(all),
            DetailChange::All(all) => {
                details = ActDetails {
                    commission_order: all.commission_order.as_deref().and_then(text),
                    commission_order_date: all.commission_order_date,
                    act_number: all.act_number.as_deref().and_then(text),
                    legal_address: all.legal_address.as_deref().and_then(text),
                    present: list(&all.present),
                    subject: all.subject.as_deref().and_then(text),
                    onsite_start: all.onsite_start,
                    violations: list(&all.violations),
                }
            }
        }
        if details.subject.is_some()
            && checklist_of(&tx, id)?.rule != tekseru_core::quorum::Rule::Revocation
        {
            return Err(StoreError::Invalid(
                "the subject of an examination exists only in the revocation procedure (224/НҚ §21 ¶5)".into(),
            ));
        }
        // Only the field named (for the whole form, the fields that changed) is written, so
        // that laptops merge the details field by field.
        let named = match &change {
            DetailChange::CommissionOrder(_) => Some("commission_order"),
            DetailChange::CommissionOrderDate(_) => Some("commission_order_date"),
            DetailChange::ActNumber(_) => Some("act_number"),
            DetailChange::LegalAddress(_) => Some("legal_address"),
            DetailChange::Present(_) => Some("present"),
            DetailChange::Subject(_) => Some("subject"),
            DetailChange::OnsiteStart(_) => Some("onsite_start"),
            DetailChange::AddViolation(_) | DetailChange::Violations(_) => Some("violations"),
            DetailChange::All(_) => None,
        };
        let (old, new) = (
            serde_json::to_value(&before).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            serde_json::to_value(&details).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        );
        let fields = crate::merge::detail_fields()
            .into_iter()
            .filter(|f| match named {
                Some(n) => n == *f,
                None => old.get(f) != new.get(f),
            })
            .map(|f| {
                let v = new.get(f).cloned().unwrap_or(serde_json::Value::Null);
                (f.to_owned(), v)
            })
            .collect();
        append(&tx, who, id, Change::DetailsEdited { fields })?;
        tx.execute(
            "UPDATE inspection SET details = ?2 WHERE id = ?1",
            params![id, to_json(&details)?],
        )?;
        bump_amendments(&tx, id)?;
        tx.commit()?;
        Ok(details)
    }

    /// Records why a member does not sign.
    pub fn record_dissent(&mut self, id: &str, iin: Iin, reason: &str) -> Result<()> {
        let reason = tekseru_core::nfc(reason.trim());
        if reason.is_empty() {
            return Err(StoreError::Invalid("a dissent needs its reason".into()));
        }
        let (tx, who) = self.begin()?;
        let roster = roster_of(&tx, id)?;
        if !roster.members.iter().any(|m| m.iin == iin) {
            return Err(StoreError::Invalid(format!(
                "{iin} is not on the commission's roster"
            )));
        }
        let entry = append(
            &tx,
            who,
            id,
            Change::DissentRecorded {
                iin,
                reason: reason.clone(),
            },
        )?;
        let mut dissents: Vec<Dissent> = json_column(&tx, id, "dissents")?;
        dissents.retain(|d| d.iin != iin);
        dissents.push(Dissent {
            iin,
            reason,
            at: entry.at,
        });
        tx.execute(
            "UPDATE inspection SET dissents = ?2 WHERE id = ?1",
            params![id, to_json(&dissents)?],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records the date a step of the procedure happened.
    pub fn record_event(&mut self, id: &str, event: ProcedureEvent) -> Result<()> {
        let (tx, who) = self.begin()?;
        append(
            &tx,
            who,
            id,
            Change::EventRecorded {
                event: event.clone(),
            },
        )?;
        let mut events: Vec<ProcedureEvent> = json_column(&tx, id, "events")?;
        events.retain(|e| e.step != event.step);
        events.push(event);
        tx.execute(
            "UPDATE inspection SET events = ?2 WHERE id = ?1",
            params![id, to_json(&events)?],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Seals the inspection at `head`, the audit head the act was rendered from, and keeps
    /// the act (its PDF bytes) as a `rendered` revision, in one transaction. Refused, writing
    /// nothing, when the inspection's head is no longer `head`: another writer (the command
    /// line beside the app) changed it meanwhile, and the act does not show it. Later changes
    /// to answers, evidence or conclusions count as amendments.
    pub fn seal_act(&mut self, id: &str, head: &str, pdf: &[u8]) -> Result<ActRevision> {
        let (tx, who) = self.begin()?;
        expect_head(&tx, id, head)?;
        let entry = append(
            &tx,
            who,
            id,
            Change::Sealed {
                head: head.to_owned(),
            },
        )?;
        let seal = Seal {
            head: head.to_owned(),
            at: entry.at,
        };
        tx.execute(
            "UPDATE inspection SET seal = ?2, amendments = 0 WHERE id = ?1",
            params![id, to_json(&seal)?],
        )?;
        let act = insert_act(&tx, who, id, pdf, RENDERED, None)?;
        tx.commit()?;
        Ok(act)
    }

    /// Keeps a later revision of the act (`signed`, `dissent`) made from the inspection at
    /// audit head `head`. Refused, writing nothing, when the head moved since (see
    /// [`Store::seal_act`]); a `rendered` act is kept only with its seal, by `seal_act`.
    pub fn store_act(
        &mut self,
        id: &str,
        head: &str,
        pdf: &[u8],
        kind: &str,
        member: Option<Iin>,
    ) -> Result<ActRevision> {
        if kind == RENDERED {
            return Err(StoreError::Invalid(
                "a rendered act is kept together with its seal (Store::seal_act)".into(),
            ));
        }
        let (tx, who) = self.begin()?;
        expect_head(&tx, id, head)?;
        let act = insert_act(&tx, who, id, pdf, kind, member)?;
        tx.commit()?;
        Ok(act)
    }

    /// The whole content of a blob (an act or a small file), checked against its hash.
    pub fn blob(&self, sha256: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        crate::evidence::read_blob(&self.conn, sha256, &mut out)?;
        Ok(out)
    }

    /// Starts a write transaction (taking the database's write lock at once), with the
    /// inspector who makes the change.
    pub(crate) fn begin(&mut self) -> Result<(Transaction<'_>, &Me)> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok((tx, &self.me))
    }
}

fn connect(dir: &Path, header: &Header, key: &crate::key::Key, create: bool) -> Result<Connection> {
    let path = dir.join(DB);
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let mut conn = Connection::open_with_flags(&path, flags)?;
    // SQLCipher logs a failed HMAC check on stderr; the caller gets WrongPassphrase instead.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    conn.execute_batch(&key.pragma())?;
    conn.execute_batch(&header.cipher_pragmas())?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Err(StoreError::WrongPassphrase(dir.to_path_buf()))
        }
        Err(e) => return Err(e.into()),
    }
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    schema::migrate(&mut conn)?;
    Ok(conn)
}

/// The kind of the act revision that is kept with the seal.
const RENDERED: &str = "rendered";

/// Refuses when the inspection's audit head is not `head`.
fn expect_head(tx: &Transaction<'_>, id: &str, head: &str) -> Result<()> {
    let current: String = tx
        .query_row("SELECT head FROM inspection WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| StoreError::NoInspection(id.to_owned()))?;
    if current == head {
        Ok(())
    } else {
        Err(StoreError::HeadMoved(id.to_owned()))
    }
}

/// Stores an act's bytes and records the revision, inside `tx`.
fn insert_act(
    tx: &Transaction<'_>,
    who: &Me,
    id: &str,
    pdf: &[u8],
    kind: &str,
    member: Option<Iin>,
) -> Result<ActRevision> {
    let sha256 = crate::evidence::put_bytes(tx, pdf)?;
    let act = ActRevision {
        sha256,
        bytes: pdf.len() as u64,
        kind: kind.to_owned(),
        member,
        at: now(),
    };
    append(tx, who, id, Change::ActStored { act: act.clone() })?;
    let n: i64 = tx.query_row(
        "SELECT COALESCE(MAX(n), 0) + 1 FROM act WHERE inspection = ?1",
        [id],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO act (inspection, n, sha256, bytes, kind, member, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, n, act.sha256, act.bytes as i64, act.kind, act.member.map(|m| m.to_string()), act.at],
    )?;
    Ok(act)
}

/// Appends a change to the inspection's trail, signed by this device, and moves its head.
pub(crate) fn append(tx: &Transaction<'_>, who: &Me, id: &str, change: Change) -> Result<Entry> {
    crate::merge::settle(tx, id, &change)?;
    crate::dag::append(tx, who, id, change)
}

fn bump_amendments(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.execute(
        "UPDATE inspection SET amendments = amendments + 1 WHERE id = ?1 AND seal IS NOT NULL",
        [id],
    )?;
    Ok(())
}

/// The verdict of an inventory: complies when every declared row is found as declared and
/// nothing undeclared is found; fails otherwise; no verdict without rows.
pub fn inventory_verdict(rows: &[InventoryRow]) -> Verdict {
    if rows.iter().all(|r| r.declared && r.found) && !rows.is_empty() {
        Verdict::Complies
    } else {
        Verdict::Fails
    }
}

pub(crate) fn nfc_row(row: InventoryRow) -> InventoryRow {
    let n = |s: String| tekseru_core::nfc(s.trim());
    InventoryRow {
        id: row.id,
        kind: row.kind,
        role: row.role,
        serial: n(row.serial),
        model: n(row.model),
        manufacturer: n(row.manufacturer),
        location: n(row.location),
        declared: row.declared,
        found: row.found,
    }
}

pub(crate) fn verdict_str(v: Verdict) -> &'static str {
    match v {
        Verdict::Complies => "complies",
        Verdict::Fails => "fails",
        Verdict::NotApplicable => "na",
    }
}

fn parse_verdict(s: &str) -> Result<Verdict> {
    match s {
        "complies" => Ok(Verdict::Complies),
        "fails" => Ok(Verdict::Fails),
        "na" => Ok(Verdict::NotApplicable),
        other => Err(StoreError::Corrupt(format!("unknown verdict '{other}'"))),
    }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn json_column<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    id: &str,
    column: &str,
) -> Result<T> {
    let text: String = conn
        .query_row(
            &format!("SELECT {column} FROM inspection WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NoInspection(id.to_owned()))?;
    from_json(&text, column)
}

pub(crate) fn checklist_of(conn: &Connection, id: &str) -> Result<Checklist> {
    json_column(conn, id, "checklist")
}

fn roster_of(conn: &Connection, id: &str) -> Result<Roster> {
    json_column(conn, id, "roster")
}

fn answer_row(conn: &Connection, id: &str, item: &str) -> Result<Option<Answer>> {
    let mut stmt = conn.prepare(
        "SELECT item, verdict, value, note, inventory, updated_by, updated_at FROM answer \
         WHERE inspection = ?1 AND item = ?2",
    )?;
    let mut rows = stmt.query(params![id, item])?;
    match rows.next()? {
        Some(row) => Ok(Some(answer_from(row)?)),
        None => Ok(None),
    }
}

fn answer_from(row: &rusqlite::Row<'_>) -> Result<Answer> {
    let verdict: Option<String> = row.get(1)?;
    let inventory: Option<String> = row.get(4)?;
    let item: String = row.get(0)?;
    let inventory: Option<Vec<InventoryRow>> = inventory
        .as_deref()
        .map(|t| from_json(t, "inventory"))
        .transpose()?;
    // Rows stored before rows had ids are numbered as the fold numbers them.
    let inventory = inventory.map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(n, r)| InventoryRow {
                id: crate::merge::row_id(&item, n, &r.id),
                ..r
            })
            .collect()
    });
    Ok(Answer {
        item,
        verdict: verdict.as_deref().map(parse_verdict).transpose()?,
        value: row.get(2)?,
        note: row.get(3)?,
        inventory,
        updated_by: row.get(5)?,
        updated_at: row.get(6)?,
    })
}

fn evidence_where(conn: &Connection, id: &str, item: Option<&str>) -> Result<Vec<Evidence>> {
    const COLUMNS: &str =
        "SELECT sha256, item, name, media_type, bytes, added_at, added_by, captured_at, gps \
         FROM evidence";
    // Two statements, so that one item's evidence is found through the (inspection, item)
    // index rather than by reading the inspection's every row.
    let mut stmt = match item {
        Some(_) => conn.prepare_cached(&format!(
            "{COLUMNS} WHERE inspection = ?1 AND item = ?2 ORDER BY n"
        ))?,
        None => conn.prepare_cached(&format!("{COLUMNS} WHERE inspection = ?1 ORDER BY n"))?,
    };
    let mut rows = match item {
        Some(item) => stmt.query(params![id, item])?,
        None => stmt.query([id])?,
    };
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let gps: Option<String> = row.get(8)?;
        out.push(Evidence {
            sha256: row.get(0)?,
            item: row.get(1)?,
            name: row.get(2)?,
            media_type: row.get(3)?,
            bytes: row.get::<_, i64>(4)? as u64,
            added_at: row.get(5)?,
            added_by: row.get(6)?,
            captured_at: row.get(7)?,
            gps: gps.as_deref().map(|t| from_json(t, "gps")).transpose()?,
        });
    }
    Ok(out)
}

/// Refuses an inspection this store does not hold.
pub(crate) fn load_exists(conn: &Connection, id: &str) -> Result<()> {
    let found: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM inspection WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NoInspection(id.to_owned()))
}

/// The inspection as the tables hold it.
pub(crate) fn load(conn: &Connection, id: &str) -> Result<Inspection> {
    let row = conn
        .query_row(
            "SELECT ca_name, bin, site, checklist, roster, created_at, created_by, findings, \
             conclusions, recommendations, dissents, events, seal, amendments, head, details, \
             settings, training FROM inspection WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    (
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ),
                    (r.get::<_, String>(3)?, r.get::<_, String>(4)?),
                    (r.get::<_, String>(5)?, r.get::<_, String>(6)?),
                    (
                        r.get::<_, String>(7)?,
                        r.get::<_, String>(8)?,
                        r.get::<_, String>(9)?,
                    ),
                    (
                        r.get::<_, String>(10)?,
                        r.get::<_, String>(11)?,
                        r.get::<_, Option<String>>(12)?,
                    ),
                    (r.get::<_, i64>(13)?, r.get::<_, String>(14)?),
                    (
                        r.get::<_, String>(15)?,
                        r.get::<_, Option<String>>(16)?,
                        r.get::<_, bool>(17)?,
                    ),
                ))
            },
        )
        .optional()?
        .ok_or_else(|| StoreError::NoInspection(id.to_owned()))?;
    let (
        (ca_name, bin, site),
        (checklist, roster),
        (created_at, created_by),
        (findings, conclusions, recs),
        (dissents, events, seal),
        (amendments, head),
        (details, settings, training),
    ) = row;
    let checklist: Checklist = from_json(&checklist, "checklist")?;
    let order: Vec<String> = checklist.items().map(|(_, i)| i.id.clone()).collect();
    let mut stmt = conn.prepare_cached(
        "SELECT item, verdict, value, note, inventory, updated_by, updated_at FROM answer WHERE inspection = ?1",
    )?;
    let mut rows = stmt.query([id])?;
    let mut answers = Vec::new();
    while let Some(row) = rows.next()? {
        answers.push(answer_from(row)?);
    }
    answers.sort_by_key(|a| {
        order
            .iter()
            .position(|i| *i == a.item)
            .unwrap_or(usize::MAX)
    });
    let mut stmt = conn.prepare_cached(
        "SELECT sha256, bytes, kind, member, at FROM act WHERE inspection = ?1 ORDER BY n",
    )?;
    let acts = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .map(|(sha256, bytes, kind, member, at)| {
            let member = member
                .map(|m| {
                    Iin::parse_allowing_test(&m).map_err(|e| StoreError::Corrupt(e.to_string()))
                })
                .transpose()?;
            Ok(ActRevision {
                sha256,
                bytes: bytes as u64,
                kind,
                member,
                at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Inspection {
        id: id.to_owned(),
        ca_name,
        bin: tekseru_core::Bin::parse_allowing_test(&bin)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        site,
        checklist,
        roster: from_json(&roster, "roster")?,
        settings: settings
            .as_deref()
            .map(|s| from_json(s, "settings"))
            .transpose()?
            .unwrap_or_default(),
        details: from_json(&details, "details")?,
        created_at,
        created_by,
        answers,
        evidence: evidence_where(conn, id, None)?,
        findings,
        conclusions,
        recommendations: from_json(&recs, "recommendations")?,
        dissents: from_json(&dissents, "dissents")?,
        events: from_json(&events, "events")?,
        acts,
        seal: seal.as_deref().map(|s| from_json(s, "seal")).transpose()?,
        amendments: amendments as usize,
        audit_head: head,
        training,
        conflicts: crate::merge::conflicts_of(conn, id)?,
    })
}
