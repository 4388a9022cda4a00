//! The commands the UI may call. Each is a thin call into a crate; errors reach the UI as
//! `{ "message": … }` with the crate's own explanation.

use serde::Serialize;
use tekseru_core::{catalog, quorum, Checklist, Localized, MeasureRule, Roster, Verdict};

/// An error as the UI sees it.
#[derive(Debug, Serialize)]
pub(crate) struct Failure {
    pub(crate) message: String,
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(err: E) -> Failure {
        Failure {
            message: err.to_string(),
        }
    }
}

pub(crate) type Result<T> = std::result::Result<T, Failure>;

/// What the UI shows in its title bar and about box.
#[derive(Serialize)]
pub(crate) struct AppInfo {
    version: &'static str,
}

#[tauri::command(async)]
pub(crate) fn app_info() -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION"),
    }
}

/// One built-in checklist, as the new-inspection form lists it.
#[derive(Serialize)]
pub(crate) struct ChecklistSummary {
    id: String,
    version: String,
    title: Localized,
    items: usize,
    /// The act's quorum rule, for the defaults of its settings.
    rule: quorum::Rule,
}

#[tauri::command(async)]
pub(crate) fn checklists() -> Result<Vec<ChecklistSummary>> {
    Ok(catalog::embedded()?
        .into_iter()
        .map(|c| ChecklistSummary {
            items: c.items().count(),
            rule: c.rule,
            id: c.id,
            version: c.version,
            title: c.title,
        })
        .collect())
}

#[tauri::command(async)]
pub(crate) fn checklist(id: String) -> Result<Checklist> {
    catalog::embedded()?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Failure::from(format!("no checklist '{id}'")))
}

/// The verdict of a measurement under its rule, as the inspector types it.
#[tauri::command(async)]
pub(crate) fn measure_verdict(rule: MeasureRule, value: f64) -> Verdict {
    rule.verdict(value)
}

/// Whether the act is adopted with these members' signatures, and why.
#[tauri::command(async)]
pub(crate) fn quorum(
    rule: quorum::Rule,
    roster: Roster,
    signed: Vec<tekseru_core::Iin>,
    settings: Option<quorum::Settings>,
) -> quorum::Outcome {
    let signatures: Vec<quorum::Signature> = signed
        .into_iter()
        .map(|iin| quorum::Signature {
            iin,
            signed_on: None,
        })
        .collect();
    quorum::evaluate(
        rule,
        &roster,
        &signatures,
        None,
        &settings.unwrap_or_else(|| quorum::Settings::for_rule(rule)),
    )
}
