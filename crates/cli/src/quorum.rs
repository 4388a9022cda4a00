//! `tekseru quorum`: whether an act is adopted, from a roster file with signatures.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::Deserialize;
use tekseru_core::quorum::{self, Rule, Settings, Signature};
use tekseru_core::{Body, Iin, Member, Role, Roster};

#[derive(clap::Args)]
pub(crate) struct QuorumArgs {
    /// JSON file: {"rule":"accreditation"|"revocation","members":[{"name","iin","role","body","signed":bool}],"settings":{…}}
    #[arg(long)]
    roster: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterFile {
    rule: Rule,
    members: Vec<SignedMember>,
    /// The rule's defaults when absent ([`Settings::for_rule`]).
    #[serde(default)]
    settings: Option<Settings>,
    /// The act's date, for `settings.late_signatures_count`.
    #[serde(default)]
    act_date: Option<time::Date>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedMember {
    name: String,
    iin: Iin,
    role: Role,
    body: Body,
    #[serde(default)]
    position: Option<String>,
    #[serde(default)]
    signed: bool,
    #[serde(default)]
    signed_on: Option<time::Date>,
}

pub(crate) fn run(args: QuorumArgs, json: bool) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.roster)
        .with_context(|| format!("cannot read roster file '{}'", args.roster.display()))?;
    let file: RosterFile = serde_json::from_str(&text)
        .with_context(|| format!("roster file '{}' is not valid", args.roster.display()))?;
    let signatures: Vec<Signature> = file
        .members
        .iter()
        .filter(|m| m.signed)
        .map(|m| Signature {
            iin: m.iin,
            signed_on: m.signed_on,
        })
        .collect();
    let roster = Roster {
        members: file
            .members
            .into_iter()
            .map(|m| Member {
                name: m.name,
                iin: m.iin,
                role: m.role,
                body: m.body,
                position: m.position,
            })
            .collect(),
    };
    let outcome = quorum::evaluate(
        file.rule,
        &roster,
        &signatures,
        file.act_date,
        &file
            .settings
            .unwrap_or_else(|| Settings::for_rule(file.rule)),
    );
    if json {
        crate::print_json(&outcome)?;
    } else {
        let mut lines = outcome.reasons.iter();
        if let Some(first) = lines.next() {
            out!("{first}");
        }
        for line in lines {
            out!("  - {line}");
        }
        if !outcome.counted.is_empty() {
            out!("counted: {}", outcome.counted.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}
