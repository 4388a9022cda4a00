//! `tekseru audit verify`: is an inspection's record intact?

use std::process::ExitCode;

use crate::store::StoreArgs;

#[derive(clap::Subcommand)]
pub(crate) enum AuditCmd {
    /// Check every event's signature, chain and links (and the hash chain of trails carried
    /// over from older stores), replay them against the store, re-hash the evidence; exit 0
    /// when intact, 1 with each problem named, the first bad event first.
    Verify {
        /// The inspection's id.
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub(crate) fn run(cmd: AuditCmd, json: bool) -> anyhow::Result<ExitCode> {
    let AuditCmd::Verify { id, store } = cmd;
    let store = store.open(false)?;
    let report = store.verify(&id)?;
    if json {
        crate::print_json(&serde_json::json!({
            "inspection": report.inspection,
            "intact": report.intact(),
            "entries": report.entries,
            "head": report.head,
            "problems": report.problems,
        }))?;
    } else if report.intact() {
        out!("intact: {} entries, head {}", report.entries, report.head);
    } else {
        for p in &report.problems {
            out!("broken: {p}");
        }
    }
    Ok(if report.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
