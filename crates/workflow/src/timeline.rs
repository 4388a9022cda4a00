//! The procedure's deadlines, from the dates recorded on the inspection.

use std::collections::BTreeMap;

use tekseru_calendar::{timeline::Timeline, Calendar, Procedures};
use tekseru_core::quorum::Rule;
use tekseru_store::Inspection;
use time::Date;

use crate::error::{Result, WorkflowError};

/// The procedure an inspection belongs to: accreditation or revocation.
pub fn procedure_of(inspection: &Inspection) -> &'static str {
    match inspection.checklist.rule {
        Rule::Accreditation => "accreditation",
        Rule::Revocation => "revocation",
    }
}

/// The timeline of the inspection's procedure on `today`.
pub fn timeline(inspection: &Inspection, today: Date) -> Result<Timeline> {
    let calendar = Calendar::embedded()?;
    let procedures = Procedures::embedded()?;
    let id = procedure_of(inspection);
    let procedure = procedures.get(id).ok_or_else(|| {
        WorkflowError::Refused(format!("no procedure '{id}' in the calendar data"))
    })?;
    let events: BTreeMap<String, Date> = inspection
        .events
        .iter()
        .map(|e| (e.step.clone(), e.date))
        .collect();
    Ok(tekseru_calendar::timeline::timeline(
        calendar, procedure, &events, today,
    )?)
}

/// Records the date a step of the inspection's procedure happened; a step the procedure
/// does not have is refused (naming the steps it has).
pub fn record_event(
    store: &mut tekseru_store::Store,
    id: &str,
    step: &str,
    date: Date,
) -> Result<()> {
    let inspection = store.inspection(id)?;
    let procedures = Procedures::embedded()?;
    let name = procedure_of(&inspection);
    let procedure = procedures.get(name).ok_or_else(|| {
        WorkflowError::Refused(format!("no procedure '{name}' in the calendar data"))
    })?;
    if procedure.step(step).is_none() {
        let known: Vec<&str> = procedure.steps.iter().map(|s| s.id.as_str()).collect();
        return Err(WorkflowError::Refused(format!(
            "'{step}' is not a step of the {name} procedure; its steps are: {}",
            known.join(", ")
        )));
    }
    store.record_event(
        id,
        tekseru_store::ProcedureEvent {
            step: step.to_owned(),
            date,
        },
    )?;
    Ok(())
}
