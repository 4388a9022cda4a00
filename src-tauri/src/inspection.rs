//! Inspections: list, create, open, answer, conclude, attach evidence, timeline.

use std::path::PathBuf;

use base64::Engine;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
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
    /// A training inspection (the NCA test keys and identities, no legal force).
    #[serde(default)]
    training: bool,
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
    // The NCA test BIN parses here; the store refuses it outside a training inspection.
    let bin = Bin::parse_allowing_test(input.bin.trim())
        .map_err(|e| Failure::from(format!("BIN: {e}")))?;
    state.with_store(|store| {
        Ok(store.new_inspection(NewInspection {
            checklist,
            ca_name: input.ca_name,
            bin,
            site: input.site,
            roster: input.roster,
            training: input.training,
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

/// Asks the user for files in the system's file dialog (titled `title`, opened here: the
/// window never names a file) and imports them as evidence of an item; nothing when the
/// dialog is cancelled.
#[tauri::command(async)]
pub(crate) fn add_evidence(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    item: Option<String>,
    title: String,
) -> Result<Vec<Evidence>> {
    let picked = app
        .dialog()
        .file()
        .set_title(title)
        .blocking_pick_files()
        .unwrap_or_default();
    let paths = picked
        .into_iter()
        .map(|f| {
            f.into_path()
                .map_err(|e| Failure::from(format!("the file dialog gave no file path: {e}")))
        })
        .collect::<Result<Vec<PathBuf>>>()?;
    import(&app, &state, &id, item.as_deref(), &paths)
}

/// Notes the files dropped on the window (called for the window system's drop event).
pub(crate) fn dropped(window: &tauri::Window, paths: &[PathBuf]) {
    if let Ok(mut dropped) = window.state::<AppState>().dropped.lock() {
        *dropped = paths.to_vec();
    }
}

/// Imports files dropped on the window as evidence of an item. Only files of the last drop,
/// as the window system reported it, are imported: the window cannot name any other file.
#[tauri::command(async)]
pub(crate) fn add_dropped_evidence(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    item: Option<String>,
    paths: Vec<PathBuf>,
) -> Result<Vec<Evidence>> {
    let dropped =
        std::mem::take(&mut *state.dropped.lock().map_err(|_| {
            Failure::from("the list of dropped files is unusable; restart tekseru")
        })?);
    only_dropped(&paths, &dropped)?;
    import(&app, &state, &id, item.as_deref(), &paths)
}

/// Refuses any path that is not among the files of the last drop.
fn only_dropped(paths: &[PathBuf], dropped: &[PathBuf]) -> Result<()> {
    match paths.iter().find(|p| !dropped.contains(p)) {
        Some(other) => Err(Failure::from(format!(
            "'{}' was not dropped on the window; drop it again",
            other.display()
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_window_can_import_only_files_it_was_given_by_a_drop() {
        let dropped = [
            PathBuf::from("/home/i/photo.jpg"),
            PathBuf::from("/home/i/log.txt"),
        ];
        assert!(only_dropped(&dropped[..1], &dropped).is_ok());
        let err = only_dropped(
            &[dropped[0].clone(), PathBuf::from("/home/i/.ssh/id_ed25519")],
            &dropped,
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "'/home/i/.ssh/id_ed25519' was not dropped on the window; drop it again"
        );
        assert!(only_dropped(&dropped[..1], &[]).is_err());
    }
}

/// Imports files as evidence of an item, one transaction each, with progress; a cancel
/// stops at the next chunk and the file being imported leaves no trace.
fn import(
    app: &AppHandle,
    state: &AppState,
    id: &str,
    item: Option<&str>,
    paths: &[PathBuf],
) -> Result<Vec<Evidence>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let cancel = state.start_task();
    state.with_store(|store| {
        let mut added = Vec::new();
        for path in paths {
            let label = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut progress = reporter(app, "evidence", &label, &cancel);
            added.push(store.add_evidence(id, item, path, &mut progress)?);
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

/// How the person resolves a conflict: keep one device's version, or type a value.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ResolveChoice {
    /// The version written on this device (its id).
    Take(String),
    /// A value typed in (see `tekseru_store::Choice::Value` for its form per field).
    Value(String),
}

/// Resolves the open conflict on `item`'s `field` as a signed event that supersedes the
/// conflicting versions (the store's `resolve`).
#[tauri::command(async)]
pub(crate) fn resolve(
    state: State<'_, AppState>,
    id: String,
    item: String,
    field: String,
    choice: ResolveChoice,
) -> Result<()> {
    let choice = match choice {
        ResolveChoice::Take(device) => tekseru_store::Choice::Take(device),
        ResolveChoice::Value(value) => tekseru_store::Choice::Value(value),
    };
    state.with_store(|store| {
        store.resolve(&id, &item, &field, choice)?;
        Ok(())
    })
}
