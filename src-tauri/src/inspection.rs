//! Inspections: list, create, open, answer, conclude, attach evidence, timeline.

use std::path::PathBuf;

use base64::Engine;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tekseru_core::{catalog, Bin, Localized, Roster};
use tekseru_store::{
    Answer, AnswerChange, Evidence, InspectionSummary, NewInspection, Recommendation,
};
use time::Date;

use crate::commands::{Failure, Result};
use crate::session::reporter;
use crate::state::AppState;

#[tauri::command(async)]
pub(crate) fn inspections(state: State<'_, AppState>) -> Result<Vec<InspectionSummary>> {
    state.with_store(|store| Ok(store.inspections()?))
}

/// The new-inspection form.
#[derive(Deserialize)]
pub(crate) struct NewInspectionInput {
    checklist: String,
    ca_name: String,
    bin: String,
    site: String,
    roster: Roster,
    /// The quorum settings pinned in the inspection; the rule's defaults when absent.
    #[serde(default)]
    settings: Option<tekseru_core::quorum::Settings>,
}

#[tauri::command(async)]
pub(crate) fn new_inspection(
    state: State<'_, AppState>,
    input: NewInspectionInput,
) -> Result<String> {
    let checklist = catalog::embedded()?
        .into_iter()
        .find(|c| c.id == input.checklist)
        .ok_or_else(|| Failure::from(format!("no checklist '{}'", input.checklist)))?;
    let bin = Bin::parse(input.bin.trim()).map_err(|e| Failure::from(format!("BIN: {e}")))?;
    state.with_store(|store| {
        Ok(store.new_inspection(NewInspection {
            checklist,
            ca_name: input.ca_name,
            bin,
            site: input.site,
            roster: input.roster,
            settings: input.settings,
        })?)
    })
}

/// An inspection as the UI shows it: the store's inspection, its summary counts and the
/// number of trusted roots.
#[derive(Serialize)]
pub(crate) struct InspectionView {
    #[serde(flatten)]
    inspection: tekseru_store::Inspection,
    #[serde(flatten)]
    counts: Counts,
    trusted_roots: usize,
}

#[derive(Serialize)]
struct Counts {
    checklist_id: String,
    checklist_version: String,
    answered: usize,
    total: usize,
    failing: usize,
    sealed: bool,
}

#[tauri::command(async)]
pub(crate) fn inspection(state: State<'_, AppState>, id: String) -> Result<InspectionView> {
    state.with_store(|store| {
        let inspection = store.inspection(&id)?;
        let s = inspection.summary();
        Ok(InspectionView {
            counts: Counts {
                checklist_id: s.checklist_id,
                checklist_version: s.checklist_version,
                answered: s.answered,
                total: s.total,
                failing: s.failing,
                sealed: s.sealed,
            },
            inspection,
            trusted_roots: store.trusted_roots()?.len(),
        })
    })
}

#[tauri::command(async)]
pub(crate) fn answer(
    state: State<'_, AppState>,
    id: String,
    item: String,
    answer: AnswerChange,
) -> Result<Answer> {
    state.with_store(|store| Ok(store.answer(&id, &item, answer)?))
}

#[tauri::command(async)]
pub(crate) fn set_conclusions(
    state: State<'_, AppState>,
    id: String,
    findings: String,
    conclusions: String,
    recommendations: Vec<Recommendation>,
) -> Result<()> {
    state.with_store(|store| {
        Ok(store.set_conclusions(&id, &findings, &conclusions, recommendations)?)
    })
}

/// Saves the act's details (order, number, legal address, representatives, subject, start of
/// the on-site work, written violations) as one audited change.
#[tauri::command(async)]
pub(crate) fn set_details(
    state: State<'_, AppState>,
    id: String,
    details: tekseru_store::ActDetails,
) -> Result<tekseru_store::ActDetails> {
    state.with_store(|store| {
        Ok(store.set_detail(&id, tekseru_store::DetailChange::All(Box::new(details)))?)
    })
}

/// Imports files as evidence of an item, one transaction each, with progress; a cancel
/// stops at the next chunk and the file being imported leaves no trace.
#[tauri::command(async)]
pub(crate) fn add_evidence(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    item: Option<String>,
    paths: Vec<PathBuf>,
) -> Result<Vec<Evidence>> {
    let cancel = state.start_task();
    state.with_store(|store| {
        let mut added = Vec::new();
        for path in &paths {
            let label = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut progress = reporter(&app, "evidence", &label, &cancel);
            added.push(store.add_evidence(&id, item.as_deref(), path, &mut progress)?);
        }
        Ok(added)
    })
}

/// A photo's thumbnail as a data URL; `None` for files that are not images.
#[tauri::command(async)]
pub(crate) fn thumbnail(state: State<'_, AppState>, sha256: String) -> Result<Option<String>> {
    state.with_store(|store| {
        Ok(store.thumbnail(&sha256)?.map(|jpeg| {
            format!(
                "data:image/jpeg;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(jpeg)
            )
        }))
    })
}

/// One step of the procedure's timeline, as the UI shows it.
#[derive(Serialize)]
pub(crate) struct TimelineStep {
    id: String,
    title: Localized,
    reference: String,
    status: tekseru_calendar::timeline::Status,
    due: Option<Date>,
    done: Option<Date>,
    working_days_left: Option<i64>,
    late: bool,
    /// Why: message keys of the calendar's explanation with their arguments, translated by
    /// the UI (`timeline_<key>`).
    notes: Vec<tekseru_core::explain::Reason>,
}

#[tauri::command(async)]
pub(crate) fn timeline(state: State<'_, AppState>, id: String) -> Result<Vec<TimelineStep>> {
    state.with_store(|store| {
        let inspection = store.inspection(&id)?;
        let timeline = tekseru_workflow::timeline(&inspection, tekseru_workflow::today())?;
        Ok(timeline
            .steps
            .into_iter()
            .map(|s| TimelineStep {
                id: s.id,
                title: Localized {
                    kk: s.title.kk,
                    ru: s.title.ru,
                    en: s.title.en,
                },
                reference: s.basis.reference,
                status: s.status,
                due: s.due,
                done: s.recorded,
                working_days_left: s.working_days_left,
                late: s.late,
                notes: s.notes,
            })
            .collect())
    })
}

/// Records the date a step of the procedure happened.
#[tauri::command(async)]
pub(crate) fn record_event(
    state: State<'_, AppState>,
    id: String,
    step: String,
    date: Date,
) -> Result<()> {
    state.with_store(|store| Ok(tekseru_workflow::record_event(store, &id, &step, date)?))
}
