//! The PKI field checks on the items they serve (the item's `tool` in the checklist): choose
//! the CA's files in the app's own dialog, run the check, see the report, keep it as evidence
//! (`tekseru_workflow::pki::attach_report`, as the CLI's `--attach`). The verdict is only
//! proposed: the inspector confirms it with the item's own buttons.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::MutexGuard;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tekseru_core::Tool;
use tekseru_pki::registry::Registry;
use tekseru_pki::{chain, oids, sntp, Input, Report};
use tekseru_workflow::pki::{CrlSource, PkiReport};

use crate::commands::{Failure, Result};
use crate::state::AppState;

/// The largest file a check reads: certificates are a few KB, the NCA's full CRLs a few MB.
const MAX_FILE: u64 = 256 << 20;
/// How long a CRL URL may take.
const CRL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long each time server may take.
const SNTP_TIMEOUT: Duration = Duration::from_secs(3);
/// The largest offset of the time server accepted by default, milliseconds (the law sets no
/// number; the CLI's default).
const MAX_OFFSET_MS: f64 = 1000.0;

/// What the checks hold between the window's calls: the files chosen for each item and
/// role, and the last report of each item, the only one that can be attached.
#[derive(Default)]
pub(crate) struct PkiState {
    files: HashMap<(String, Role), Vec<Input>>,
    reports: HashMap<(String, String), PkiReport>,
}

/// The files a check takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Role {
    /// The certificate whose chain is checked.
    Cert,
    /// Intermediate certificates (or PEM bundles).
    Intermediates,
    /// Trust anchors replacing the NCA RK roots.
    Anchors,
    /// CRLs of the issuers on the path.
    Crls,
    /// Issued certificates whose OIDs are listed.
    Certs,
    /// The CRL file.
    Crl,
    /// The CRL's issuer.
    Issuer,
    /// Certificates looked up on the CRL.
    Checks,
}

impl Role {
    fn many(self) -> bool {
        !matches!(self, Role::Cert | Role::Crl | Role::Issuer)
    }
}

/// The window's settings of a run (files are chosen with `pki_choose`).
#[derive(Default, Deserialize)]
#[serde(default)]
pub(crate) struct RunInput {
    /// The CRL's http(s) URL (the crl check); a chosen file is used when empty.
    url: String,
    /// The time server, HOST[:PORT] (the time check).
    server: String,
    /// A second time source to compare with.
    second: String,
}

/// A run as the window shows it.
#[derive(Serialize)]
pub(crate) struct PkiRun {
    /// `chain`, `oids`, `crl` or `time`.
    check: &'static str,
    /// The check's own verdict (complies, does not comply, not verifiable here).
    verdict: tekseru_pki::Verdict,
    /// The item's verdict it proposes, none when it cannot decide.
    proposed: Option<tekseru_core::Verdict>,
    /// The report, as it is attached.
    report: PkiReport,
    /// The report as text, as it is attached.
    text: String,
}

impl AppState {
    fn pki(&self) -> Result<MutexGuard<'_, PkiState>> {
        self.pki
            .lock()
            .map_err(|_| Failure::from("the field checks' state is unusable; restart tekseru"))
    }
}

/// Asks for the files of `role` for `item` in the system's dialog (titled `title`, opened
/// here: the window never names a file), reads them, and keeps them for the item's next
/// run; their paths, or `None` when the dialog is cancelled (the earlier choice stays).
#[tauri::command(async)]
pub(crate) fn pki_choose(
    app: AppHandle,
    state: State<'_, AppState>,
    item: String,
    role: Role,
    title: String,
) -> Result<Option<Vec<String>>> {
    let dialog = app.dialog().file().set_title(title);
    let picked = if role.many() {
        dialog.blocking_pick_files()
    } else {
        dialog.blocking_pick_file().map(|f| vec![f])
    };
    let Some(picked) = picked else {
        return Ok(None);
    };
    let paths = picked
        .into_iter()
        .map(|f| {
            f.into_path()
                .map_err(|e| Failure::from(format!("the file dialog gave no file path: {e}")))
        })
        .collect::<Result<Vec<PathBuf>>>()?;
    let inputs = paths.iter().map(|p| read(p)).collect::<Result<Vec<_>>>()?;
    let names = inputs.iter().map(|i| i.name.clone()).collect();
    state.pki()?.files.insert((item, role), inputs);
    Ok(Some(names))
}

fn read(path: &std::path::Path) -> Result<Input> {
    let size = std::fs::metadata(path)
        .map_err(|e| Failure::from(format!("cannot read '{}': {e}", path.display())))?
        .len();
    if size > MAX_FILE {
        return Err(Failure::from(format!(
            "'{}' is {size} bytes: too large for a certificate or a CRL",
            path.display()
        )));
    }
    Input::read(path).map_err(Failure::from)
}

/// Forgets the files of `role` chosen for `item`.
#[tauri::command(async)]
pub(crate) fn pki_clear(state: State<'_, AppState>, item: String, role: Role) -> Result<()> {
    state.pki()?.files.remove(&(item, role));
    Ok(())
}

/// Runs the check of the item's tool on the files chosen for it (and the URL or time server
/// given), and keeps the report for `pki_attach`. The store is held only to read the item:
/// a CRL download or a time server's answer never blocks the window's other commands.
#[tauri::command(async)]
pub(crate) fn pki_run(
    state: State<'_, AppState>,
    id: String,
    item: String,
    input: RunInput,
) -> Result<PkiRun> {
    let tool = state.with_store(|store| {
        let inspection = store.inspection(&id)?;
        let found = inspection.checklist.item(&item).ok_or_else(|| {
            Failure::from(format!("the inspection's checklist has no item '{item}'"))
        })?;
        found
            .tool
            .ok_or_else(|| Failure::from(format!("item '{item}' has no field tool")))
    })?;
    let files = |role: Role| -> Result<Vec<Input>> {
        Ok(state
            .pki()?
            .files
            .get(&(item.clone(), role))
            .cloned()
            .unwrap_or_default())
    };
    let report = run(tool, &input, files)?;
    let shown = PkiRun {
        check: report.check(),
        verdict: report.verdict(),
        proposed: tekseru_workflow::pki::proposed_verdict(report.verdict()),
        text: report.text(),
        report: report.clone(),
    };
    state.pki()?.reports.insert((id, item), report);
    Ok(shown)
}

/// The check of `tool` on the files `files` gives for each role.
pub(crate) fn run(
    tool: Tool,
    input: &RunInput,
    files: impl Fn(Role) -> Result<Vec<Input>>,
) -> Result<PkiReport> {
    let now = || tekseru_workflow::clock::now().map_err(Failure::from);
    Ok(match tool {
        Tool::PkiChain => {
            let leaf = files(Role::Cert)?
                .into_iter()
                .next()
                .ok_or_else(|| Failure::from("choose the certificate whose chain is checked"))?;
            let anchors = files(Role::Anchors)?;
            PkiReport::Chain(chain::check(
                &leaf,
                &files(Role::Intermediates)?,
                (!anchors.is_empty()).then_some(anchors.as_slice()),
                &files(Role::Crls)?,
                now()?,
            ))
        }
        Tool::PkiOids => {
            let certs = files(Role::Certs)?;
            if certs.is_empty() {
                return Err(Failure::from(
                    "choose the certificates the CA issued whose OIDs are listed",
                ));
            }
            PkiReport::Oids(oids::check(&certs, &Registry::shipped()?))
        }
        Tool::PkiCrl => {
            let source = match CrlSource::url(&input.url) {
                Some(url) => url,
                None if !input.url.trim().is_empty() => {
                    return Err(Failure::from(format!(
                        "'{}' is not an http:// or https:// URL",
                        input.url.trim()
                    )))
                }
                None => match files(Role::Crl)?.into_iter().next() {
                    Some(file) => CrlSource::File(file),
                    None => CrlSource::DistributionPoint,
                },
            };
            let issuer = files(Role::Issuer)?.into_iter().next();
            PkiReport::Crl(tekseru_workflow::pki::crl_check(
                source,
                issuer.as_ref(),
                &files(Role::Checks)?,
                now()?,
                CRL_TIMEOUT,
                false,
            )?)
        }
        Tool::PkiTime => {
            let server = input.server.trim();
            if server.is_empty() {
                return Err(Failure::from(
                    "give the CA's time server, HOST or HOST:PORT",
                ));
            }
            let second = Some(input.second.trim()).filter(|s| !s.is_empty());
            PkiReport::Time(sntp::check(server, second, SNTP_TIMEOUT, MAX_OFFSET_MS))
        }
    })
}

/// Keeps the item's last report as evidence on it (its JSON and text) and returns what was
/// attached with the proposed verdict; the item's answer is not changed.
#[tauri::command(async)]
pub(crate) fn pki_attach(
    state: State<'_, AppState>,
    id: String,
    item: String,
) -> Result<tekseru_workflow::pki::Attached> {
    let report = state
        .pki()?
        .reports
        .get(&(id.clone(), item.clone()))
        .cloned()
        .ok_or_else(|| Failure::from("run the check first: there is no report to attach"))?;
    state.with_store(|store| {
        Ok(tekseru_workflow::pki::attach_report(
            store,
            &id,
            &item,
            &report,
            tekseru_workflow::clock::now()?,
        )?)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn none(_: Role) -> Result<Vec<Input>> {
        Ok(Vec::new())
    }

    #[test]
    fn a_run_without_its_files_says_what_to_give() {
        let input = RunInput::default();
        let message = |tool| run(tool, &input, none).err().unwrap().message;
        assert_eq!(
            message(Tool::PkiChain),
            "choose the certificate whose chain is checked"
        );
        assert_eq!(
            message(Tool::PkiOids),
            "choose the certificates the CA issued whose OIDs are listed"
        );
        assert_eq!(
            message(Tool::PkiCrl),
            "give the CRL (file or URL), or a certificate to look up that names a CRL distribution point"
        );
        assert_eq!(
            message(Tool::PkiTime),
            "give the CA's time server, HOST or HOST:PORT"
        );
        let ftp = RunInput {
            url: "ftp://crl.example.kz/a.crl".into(),
            ..RunInput::default()
        };
        assert_eq!(
            run(Tool::PkiCrl, &ftp, none).err().unwrap().message,
            "'ftp://crl.example.kz/a.crl' is not an http:// or https:// URL"
        );
    }

    #[test]
    fn a_file_that_is_not_a_certificate_is_a_report_that_cannot_decide() {
        let garbage = |role: Role| -> Result<Vec<Input>> {
            Ok(match role {
                Role::Cert => vec![Input::new("/media/ca/user.cer", b"hello".to_vec())],
                _ => Vec::new(),
            })
        };
        let report = run(Tool::PkiChain, &RunInput::default(), garbage).unwrap();
        assert_eq!(report.verdict(), tekseru_pki::Verdict::NotVerifiableHere);
        assert!(
            report
                .reasons()
                .iter()
                .any(|r| r.contains("/media/ca/user.cer")),
            "{:?}",
            report.reasons()
        );
    }
}
