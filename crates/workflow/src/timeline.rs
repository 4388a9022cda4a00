//! The procedure's deadlines, from the dates recorded on the inspection.

use std::collections::BTreeMap;

use serde::Serialize;
use tekseru_calendar::timeline::{timeline_with, SetTerm, Timeline};
use tekseru_calendar::{Calendar, Procedures};
use tekseru_core::quorum::Rule;
use tekseru_store::{Inspection, Recommendation};
use time::Date;

use crate::error::{Result, WorkflowError};

/// The procedure an inspection belongs to: accreditation or revocation.
pub fn procedure_of(inspection: &Inspection) -> &'static str {
    match inspection.checklist.rule {
        Rule::Accreditation => "accreditation",
        Rule::Revocation => "revocation",
    }
}

/// The timeline input that carries a recommendation's remediation term
/// (`procedure.toml`: `set_by.input`).
const RECOMMENDATION: &str = "recommendation";
/// The step from which remediation terms count, the CA's report and the follow-up request.
const RECEIVED: &str = "recommendations-received";
const REPORTED: &str = "remediation-reported";
const FOLLOW_UP: &str = "follow-up-request";

/// The term a recommendation sets, as the timeline counts it.
fn set_term(r: &Recommendation) -> Option<SetTerm> {
    match (r.agreed_working_days, r.deadline_working_days) {
        (Some(agreed), _) => Some(SetTerm {
            working_days: agreed,
            agreed: true,
        }),
        (None, Some(own)) => Some(SetTerm {
            working_days: own,
            agreed: false,
        }),
        (None, None) => None,
    }
}

fn timeline_for(inspection: &Inspection, term: Option<SetTerm>, today: Date) -> Result<Timeline> {
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
    let terms: BTreeMap<String, SetTerm> = term
        .map(|t| (RECOMMENDATION.to_owned(), t))
        .into_iter()
        .collect();
    Ok(timeline_with(calendar, procedure, &events, &terms, today)?)
}

/// The timeline of the inspection's procedure on `today`. The CA's remediation report
/// (224/НҚ §23 ¶1) is due after the shortest term its recommendations set (an agreed longer
/// term replacing a recommendation's own); after 60 working days (§21 ¶2) when none sets one.
pub fn timeline(inspection: &Inspection, today: Date) -> Result<Timeline> {
    let term = inspection
        .recommendations
        .iter()
        .filter_map(set_term)
        .min_by_key(|t| t.working_days);
    timeline_for(inspection, term, today)
}

/// One recommendation's remediation term and the dates that follow from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Remediation {
    /// The recommendation's number in the act, from 1.
    pub number: usize,
    /// What to do.
    pub text: String,
    /// The term the recommendation sets, in working days.
    pub term: Option<u32>,
    /// A longer term agreed between the CA and the provider (224/НҚ §21 ¶4, §22 ¶8).
    pub agreed_term: Option<u32>,
    /// The term counted: the agreed one, else the recommendation's own, else the 60 working
    /// days of §21 ¶2.
    pub counted_term: u32,
    /// When the CA received the recommendations (the procedure's recorded step).
    pub received: Option<Date>,
    /// The last day for the CA's report on remedying it (224/НҚ §23 ¶1).
    pub report_due: Option<Date>,
    /// The last day for the provider's follow-up request when no report came (§23 ¶2).
    pub follow_up_due: Option<Date>,
    /// How the two dates were counted, in English, with the law's words.
    pub explanation: Vec<String>,
}

/// Each recommendation's remediation term and due dates, counted from its own term. The
/// dates depend only on the recorded events, never on today's date.
pub fn remediation(inspection: &Inspection) -> Result<Vec<Remediation>> {
    // Due dates do not depend on the day they are looked at; the last recorded event is a
    // day the calendar covers (with no event there is nothing to count from).
    let today = inspection.events.iter().map(|e| e.date).max();
    let mut out = Vec::new();
    for (i, r) in inspection.recommendations.iter().enumerate() {
        let t = match today {
            Some(today) => Some(timeline_for(inspection, set_term(r), today)?),
            None => None,
        };
        let step = |id: &str| t.as_ref().and_then(|t| t.steps.iter().find(|s| s.id == id));
        let reported = step(REPORTED);
        let follow_up = step(FOLLOW_UP);
        let counted_term = match set_term(r) {
            Some(t) => t.working_days,
            None => Procedures::embedded()?
                .get(procedure_of(inspection))
                .and_then(|p| p.step(REPORTED))
                .and_then(|s| s.deadlines.first())
                .map_or(0, |d| d.working_days),
        };
        out.push(Remediation {
            number: i + 1,
            text: r.text.clone(),
            term: r.deadline_working_days,
            agreed_term: r.agreed_working_days,
            counted_term,
            received: step(RECEIVED).and_then(|s| s.recorded),
            report_due: reported.and_then(|s| s.due),
            follow_up_due: follow_up.and_then(|s| s.due),
            explanation: reported
                .into_iter()
                .chain(follow_up)
                .flat_map(|s| s.notes.iter())
                .filter(|n| n.key.starts_with("due_"))
                .map(|n| n.render(tekseru_calendar::timeline::MESSAGES))
                .collect(),
        });
    }
    Ok(out)
}

/// Adds a recommendation with its remediation term (and, in the revocation procedure, a
/// longer term agreed with the CA), keeping the findings, conclusions and the others.
pub fn recommend(
    store: &mut tekseru_store::Store,
    id: &str,
    text: &str,
    term: u32,
    agreed_term: Option<u32>,
) -> Result<Vec<Recommendation>> {
    let inspection = store.inspection(id)?;
    let mut recommendations = inspection.recommendations.clone();
    recommendations.push(Recommendation {
        text: text.to_owned(),
        deadline_working_days: Some(term),
        agreed_working_days: agreed_term,
    });
    store.set_conclusions(
        id,
        &inspection.findings,
        &inspection.conclusions,
        recommendations,
    )?;
    Ok(store.inspection(id)?.recommendations)
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
