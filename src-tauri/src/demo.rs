//! The demo store of `cargo xtask run`: made on first start with one sample inspection
//! (assets/demo/inspection.json) so that a newcomer sees the app at work at once.

use serde::Deserialize;
use tekseru_core::{catalog, Bin, Roster};
use tekseru_store::{AnswerChange, NewInspection, Recommendation, Store};

use crate::state::{AppState, DEMO_PASSPHRASE};

const SAMPLE: &str = include_str!("../../assets/demo/inspection.json");

#[derive(Deserialize)]
struct Sample {
    checklist: String,
    ca_name: String,
    bin: String,
    site: String,
    roster: Roster,
    answers: Vec<SampleAnswer>,
    findings: String,
    conclusions: String,
    recommendations: Vec<Recommendation>,
}

#[derive(Deserialize)]
struct SampleAnswer {
    item: String,
    #[serde(flatten)]
    change: AnswerChange,
}

/// Makes the demo store when it does not exist yet.
pub(crate) fn prepare(state: &AppState) -> Result<(), String> {
    if !state.demo || Store::exists(&state.data_dir) {
        return Ok(());
    }
    let sample: Sample =
        serde_json::from_str(SAMPLE).map_err(|e| format!("assets/demo/inspection.json: {e}"))?;
    let checklist = catalog::embedded()
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|c| c.id == sample.checklist)
        .ok_or_else(|| format!("the demo's checklist {} is not built in", sample.checklist))?;
    let bin = Bin::parse(&sample.bin).map_err(|e| format!("the demo's BIN: {e}"))?;
    let mut store = Store::create(&state.data_dir, DEMO_PASSPHRASE, "Demo inspector", None)
        .map_err(|e| e.to_string())?;
    let id = store
        .new_inspection(NewInspection {
            checklist,
            ca_name: sample.ca_name,
            bin,
            site: sample.site,
            roster: sample.roster,
            training: false,
            settings: None,
        })
        .map_err(|e| e.to_string())?;
    for a in sample.answers {
        store
            .answer(&id, &a.item, a.change)
            .map_err(|e| format!("demo answer {}: {e}", a.item))?;
    }
    store
        .set_conclusions(
            &id,
            &sample.findings,
            &sample.conclusions,
            sample.recommendations,
        )
        .map_err(|e| e.to_string())?;
    Ok(())
}
