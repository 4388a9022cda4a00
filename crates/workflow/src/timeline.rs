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
