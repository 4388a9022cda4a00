//! `tekseru inspection`: start, answer, show and list inspections.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::Deserialize;
use tekseru_core::quorum::{Rule, Settings};
use tekseru_core::{Bin, Member, Roster, Verdict};
use tekseru_store::{AnswerChange, Choice, DetailChange, Inspection, NewInspection};
use time::Date;

use crate::store::StoreArgs;

#[derive(clap::Subcommand)]
pub(crate) enum InspectionCmd {
    /// Start an inspection of a CA with a checklist and a commission.
    New {
        /// The checklist's id (see `tekseru checklist list`).
        #[arg(long)]
        checklist: String,
        /// The CA's name.
        #[arg(long)]
        ca: String,
        /// The CA's BIN (12 digits).
        #[arg(long)]
        bin: String,
        /// The site of its infrastructure.
        #[arg(long)]
        site: String,
        /// JSON file: {"members":[{"name","iin","role","body","position"?}],"settings"?:{…}};
        /// the quorum settings are pinned in the inspection (the rule's defaults when absent).
        #[arg(long)]
        roster: PathBuf,
        /// A directory of checklists to use instead of the built-in ones.
        #[arg(long, env = "TEKSERU_CHECKLISTS")]
        checklists: Option<PathBuf>,
        /// A training inspection: rehearse the signing ceremony with the public NCA test keys.
        /// Its roster may list the NCA test identity (IIN 123456789011, BIN 123456789021), its
        /// act is marked "ОҚУ / УЧЕБНЫЙ / TRAINING" on every page and is trusted only against
        /// the NCA TEST anchors: it has no legal force.
        #[arg(long)]
        training: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Answer an item: a verdict, a measured value, a note.
    Answer {
        /// The inspection's id.
        id: String,
        /// The item's id.
        item: String,
        /// complies, fails or na.
        #[arg(long, value_parser = ["complies", "fails", "na"])]
        verdict: Option<String>,
        /// The measured value, in the item's unit.
        #[arg(long)]
        value: Option<f64>,
        /// The note: the actual state found.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Add a recommendation with its remediation term, in working days from its receipt
    /// (224/НҚ §21 ¶2, §23 ¶1); the CA's report and the §23 ¶2 follow-up count from it.
    Recommend {
        /// The inspection's id.
        id: String,
        /// What to do.
        text: String,
        /// The remediation term the recommendation sets, in working days.
        #[arg(long)]
        term: u32,
        /// A longer term agreed between the CA and the provider (224/НҚ §21 ¶4, §22 ¶8;
        /// revocation only): then the one counted and printed.
        #[arg(long)]
        agreed_term: Option<u32>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Set one of the act's details: commission-order, commission-order-date, act-number,
    /// legal-address, present (one or more "NAME, POSITION"), subject (revocation),
    /// onsite-start, actual-state (the CA's actual state in prose) or conclusions. An empty
    /// VALUE clears the field; dates are YYYY-MM-DD.
    Set {
        /// The inspection's id.
        id: String,
        /// The field.
        field: Field,
        /// Its value; `present` takes several, each "NAME, POSITION", replacing the list.
        #[arg(num_args = 1.., required = true)]
        value: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Add a violation in the inspectors' words (failing items are listed without it).
    Violation {
        /// The inspection's id.
        id: String,
        /// What was violated.
        text: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Record the date a step of the procedure happened (see `tekseru inspection timeline`
    /// for the steps).
    Event {
        /// The inspection's id.
        id: String,
        /// The step's id, e.g. onsite-notice, onsite-check-done, examination-notice.
        step: String,
        /// The date, YYYY-MM-DD.
        date: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The procedure's deadlines from the dates recorded on the inspection.
    Timeline {
        /// The inspection's id.
        id: String,
        /// The day to count from (default: today in Kazakhstan, UTC+5).
        #[arg(long)]
        today: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show an inspection.
    Show {
        /// The inspection's id.
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Resolve a conflict that merging laptops left open: take one device's version, or
    /// give the value. The versions stay in the audit trail.
    #[command(group(clap::ArgGroup::new("choice").required(true).args(["take", "value"])))]
    Resolve {
        /// The inspection's id.
        id: String,
        /// The item's id (or `@act`, `@details`, `@dissents`, `@events`, `@inspection`, as
        /// `inspection show` lists the conflict).
        item: String,
        /// `verdict`, `value`, `note`, an inventory row's id, or the field as listed.
        field: String,
        /// Take the version written on this device (its id, as listed).
        #[arg(long)]
        take: Option<String>,
        /// The value: a verdict (complies, fails, na, none), a number, a note, a row as JSON
        /// or `deleted`, …
        #[arg(long, allow_hyphen_values = true)]
        value: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the inspections.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// A field of `tekseru inspection set`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum Field {
    /// The number of the order that formed the commission (224/НҚ §3 ¶4).
    CommissionOrder,
    /// The date of that order.
    CommissionOrderDate,
    /// The act's registry number.
    ActNumber,
    /// The CA's legal address.
    LegalAddress,
    /// The CA's representatives present, each "NAME, POSITION".
    Present,
    /// The subject of the examination (revocation, 224/НҚ §21 ¶5).
    Subject,
    /// The first day of the on-site check or examination.
    OnsiteStart,
    /// The CA's actual state found, in prose (224/НҚ §13 ¶1).
    ActualState,
    /// The conclusions (224/НҚ §13 ¶1), one paragraph per line.
    Conclusions,
}

/// The roster file of `tekseru quorum`; its signatures and date are not used here.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterFile {
    #[serde(default)]
    rule: Option<Rule>,
    members: Vec<RosterMember>,
    #[serde(default)]
    settings: Option<Settings>,
    #[serde(default, rename = "act_date")]
    _act_date: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterMember {
    #[serde(flatten)]
    member: Member,
    #[serde(default, rename = "signed")]
    _signed: Option<bool>,
    #[serde(default, rename = "signed_on")]
    _signed_on: Option<serde_json::Value>,
}

pub(crate) fn run(cmd: InspectionCmd, json: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        InspectionCmd::New {
            checklist,
            ca,
            bin,
            site,
            roster,
            checklists,
            training,
            store,
        } => {
            let all = crate::checklist::load(checklists)?;
            let Some(checklist) = all.into_iter().find(|c| c.id == checklist) else {
                anyhow::bail!("no checklist '{checklist}' (see `tekseru checklist list`)");
            };
            // The NCA test BIN parses here; the store refuses it outside a training inspection.
            let bin = Bin::parse_allowing_test(&bin).with_context(|| format!("--bin '{bin}'"))?;
            let text = std::fs::read_to_string(&roster)
                .with_context(|| format!("cannot read roster file '{}'", roster.display()))?;
            let file: RosterFile = serde_json::from_str(&text)
                .with_context(|| format!("roster file '{}' is not valid", roster.display()))?;
            if let Some(rule) = file.rule {
                anyhow::ensure!(
                    rule == checklist.rule,
                    "roster file '{}' is for the {rule:?} rule but checklist {} is for {:?}",
                    roster.display(),
                    checklist.id,
                    checklist.rule
                );
            }
            let mut store = store.open(true)?;
            let id = store.new_inspection(NewInspection {
                checklist,
                ca_name: ca,
                bin,
                site,
                roster: Roster {
                    members: file.members.into_iter().map(|m| m.member).collect(),
                },
                training,
                settings: file.settings,
            })?;
            if json {
                crate::print_json(&serde_json::json!({ "id": id }))?;
            } else {
                out!("{id}");
            }
        }
        InspectionCmd::Answer {
            id,
            item,
            verdict,
            value,
            note,
            store,
        } => {
            let verdict = verdict.map(|v| match v.as_str() {
                "complies" => Verdict::Complies,
                "fails" => Verdict::Fails,
                _ => Verdict::NotApplicable,
            });
            anyhow::ensure!(
                verdict.is_some() || value.is_some() || note.is_some(),
                "nothing to record: give --verdict, --value or --note"
            );
            let change = AnswerChange {
                verdict: verdict.map(Some),
                value: value.map(Some),
                note: note.map(Some),
                inventory: None,
            };
            let mut store = store.open(false)?;
            let answer = store.answer(&id, &item, change)?;
            if json {
                crate::print_json(&answer)?;
            } else {
                out!("{item}: {}", verdict_text(answer.verdict));
            }
        }
        InspectionCmd::Recommend {
            id,
            text,
            term,
            agreed_term,
            store,
        } => {
            anyhow::ensure!(
                !text.trim().is_empty(),
                "the recommendation's text is empty: say what the CA must do"
            );
            let mut store = store.open(false)?;
            tekseru_workflow::recommend(&mut store, &id, &text, term, agreed_term)?;
            let inspection = store.inspection(&id)?;
            let all = tekseru_workflow::remediation(&inspection)?;
            let Some(added) = all.last() else {
                anyhow::bail!("the recommendation was not kept");
            };
            if json {
                crate::print_json(added)?;
            } else {
                let agreed = added
                    .agreed_term
                    .map(|a| format!(", agreed {a}"))
                    .unwrap_or_default();
                let due = |d: Option<time::Date>| {
                    d.map_or_else(|| "when the CA receives it".to_owned(), |d| d.to_string())
                };
                out!(
                    "recommendation {}: {} working days{agreed}; report due {}, follow-up due {}",
                    added.number,
                    added.counted_term,
                    due(added.report_due),
                    due(added.follow_up_due)
                );
            }
        }
        InspectionCmd::Set {
            id,
            field,
            value,
            store,
        } => {
            let mut store = store.open(false)?;
            let one = || value.join(" ");
            let date = |what: &str| -> anyhow::Result<Option<Date>> {
                let text = one();
                if text.trim().is_empty() {
                    return Ok(None);
                }
                Ok(Some(crate::calendar::parse_date(text.trim(), what)?))
            };
            let change = match field {
                Field::CommissionOrder => DetailChange::CommissionOrder(one()),
                Field::CommissionOrderDate => {
                    DetailChange::CommissionOrderDate(date("commission-order-date")?)
                }
                Field::ActNumber => DetailChange::ActNumber(one()),
                Field::LegalAddress => DetailChange::LegalAddress(one()),
                Field::Present => DetailChange::Present(value.clone()),
                Field::Subject => DetailChange::Subject(one()),
                Field::OnsiteStart => DetailChange::OnsiteStart(date("onsite-start")?),
                Field::ActualState | Field::Conclusions => {
                    let i = store.inspection(&id)?;
                    let (findings, conclusions) = match field {
                        Field::ActualState => (one(), i.conclusions.clone()),
                        _ => (i.findings.clone(), one()),
                    };
                    store.set_conclusions(&id, &findings, &conclusions, i.recommendations)?;
                    let i = store.inspection(&id)?;
                    if json {
                        crate::print_json(&serde_json::json!({
                            "actual_state": i.findings,
                            "conclusions": i.conclusions,
                        }))?;
                    } else {
                        out!("{id}: {} set", field_name(field));
                    }
                    return Ok(ExitCode::SUCCESS);
                }
            };
            let details = store.set_detail(&id, change)?;
            if json {
                crate::print_json(&details)?;
            } else {
                out!("{id}: {} set", field_name(field));
            }
        }
        InspectionCmd::Violation { id, text, store } => {
            let mut store = store.open(false)?;
            let details = store.set_detail(&id, DetailChange::AddViolation(text))?;
            if json {
                crate::print_json(&details.violations)?;
            } else {
                out!("{id}: violation {} added", details.violations.len());
            }
        }
        InspectionCmd::Event {
            id,
            step,
            date,
            store,
        } => {
            let date = crate::calendar::parse_date(&date, "DATE")?;
            let mut store = store.open(false)?;
            tekseru_workflow::record_event(&mut store, &id, &step, date)?;
            if json {
                crate::print_json(&serde_json::json!({ "step": step, "date": date }))?;
            } else {
                out!("{id}: {step} on {date}");
            }
        }
        InspectionCmd::Timeline { id, today, store } => {
            let today = match today {
                Some(t) => crate::calendar::parse_date(&t, "--today")?,
                None => crate::calendar::today_in_kazakhstan(),
            };
            let store = store.open(false)?;
            let inspection = store.inspection(&id)?;
            let timeline = tekseru_workflow::timeline(&inspection, today)?;
            if json {
                crate::print_json(&timeline)?;
            } else {
                crate::calendar::print_timeline(&timeline)?;
            }
        }
        InspectionCmd::Show { id, store } => {
            let store = store.open(false)?;
            let inspection = store.inspection(&id)?;
            if json {
                crate::print_json(&inspection)?;
            } else {
                print_human(&inspection)?;
            }
        }
        InspectionCmd::Resolve {
            id,
            item,
            field,
            take,
            value,
            store,
        } => {
            let choice = match (take, value) {
                (Some(device), _) => Choice::Take(device),
                (None, Some(value)) => Choice::Value(value),
                (None, None) => anyhow::bail!("give --take DEVICE_ID or --value VALUE"),
            };
            let mut store = store.open(false)?;
            let inspection = store.resolve(&id, &item, &field, choice)?;
            if json {
                crate::print_json(&serde_json::json!({
                    "item": item,
                    "field": field,
                    "conflicts": inspection.conflicts,
                }))?;
            } else {
                out!("resolved {item} {field}");
                match inspection.conflicts.len() {
                    0 => out!("no conflict is open"),
                    n => out!(
                        "{n} conflicts still open: {}",
                        inspection.conflicts_named(10)
                    ),
                }
            }
        }
        InspectionCmd::List { store } => {
            let store = store.open(false)?;
            let list = store.inspections()?;
            if json {
                crate::print_json(&list)?;
            } else {
                for i in &list {
                    if let Some(reason) = &i.damaged {
                        out!("{}  DAMAGED: {reason}", i.id);
                        out!("    {} (BIN {}), {}", i.ca_name, i.bin, i.site);
                        continue;
                    }
                    out!(
                        "{}  {}  {} {}  {}/{} answered, {} failing{}",
                        i.id,
                        i.created_at.get(..10).unwrap_or(&i.created_at),
                        i.checklist_id,
                        i.checklist_version,
                        i.answered,
                        i.total,
                        i.failing,
                        if i.sealed { ", sealed" } else { "" }
                    );
                    if i.training {
                        out!("    training (no legal force)");
                    }
                    out!("    {} (BIN {}), {}", i.ca_name, i.bin, i.site);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::CommissionOrder => "commission-order",
        Field::CommissionOrderDate => "commission-order-date",
        Field::ActNumber => "act-number",
        Field::LegalAddress => "legal-address",
        Field::Present => "present",
        Field::Subject => "subject",
        Field::OnsiteStart => "onsite-start",
        Field::ActualState => "actual-state",
        Field::Conclusions => "conclusions",
    }
}

fn verdict_text(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::Complies) => "complies",
        Some(Verdict::Fails) => "fails",
        Some(Verdict::NotApplicable) => "not applicable",
        None => "not answered",
    }
}

fn print_human(i: &Inspection) -> std::io::Result<()> {
    let s = i.summary();
    out!("{} — {} (BIN {})", i.id, i.ca_name, i.bin);
    if i.training {
        out!("training inspection: NCA test keys, no legal force");
    }
    out!("site: {}", i.site);
    out!(
        "checklist: {} {}; {}/{} answered, {} failing",
        s.checklist_id,
        s.checklist_version,
        s.answered,
        s.total,
        s.failing
    );
    out!("quorum settings: {}", i.settings.describe());
    let d = &i.details;
    let optional = [
        ("commission order", d.commission_order.clone()),
        (
            "commission order date",
            d.commission_order_date.map(|d| d.to_string()),
        ),
        ("act number", d.act_number.clone()),
        ("legal address", d.legal_address.clone()),
        ("subject", d.subject.clone()),
        ("on-site start", d.onsite_start.map(|d| d.to_string())),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            out!("{name}: {value}");
        }
    }
    for p in &d.present {
        out!("present: {p}");
    }
    for v in &d.violations {
        out!("violation: {v}");
    }
    out!("audit head: {}", i.audit_head);
    if let Some(seal) = &i.seal {
        out!(
            "sealed at {} on {}; {} amendments since",
            seal.head,
            seal.at,
            i.amendments
        );
    }
    for (section, item) in i.checklist.items() {
        let answer = i.answer(&item.id);
        let value = answer
            .and_then(|a| a.value)
            .map(|v| format!(" {v} {}", item.unit.as_deref().unwrap_or("")))
            .unwrap_or_default();
        out!(
            "  [{}] {}{}  ({}; {})",
            verdict_text(answer.and_then(|a| a.verdict)),
            item.id,
            value,
            item.reference,
            section.id
        );
        if let Some(note) = answer.and_then(|a| a.note.as_deref()) {
            out!("        {note}");
        }
    }
    for e in &i.evidence {
        out!(
            "  evidence {} {} ({} bytes) → {}",
            tekseru_store::audit::short(&e.sha256),
            e.name,
            e.bytes,
            e.item.as_deref().unwrap_or("(inspection)")
        );
    }
    if !i.conflicts.is_empty() {
        out!(
            "{} open conflicts (resolve each with `tekseru inspection resolve {} ITEM FIELD --take DEVICE_ID|--value VALUE`):",
            i.conflicts.len(),
            i.id
        );
        for c in &i.conflicts {
            out!("  {} {}", c.item, c.field);
            for v in &c.versions {
                out!(
                    "      {}  by {} on device {} at {}",
                    v.value,
                    v.inspector,
                    v.device,
                    v.at
                );
            }
        }
    }
    Ok(())
}
