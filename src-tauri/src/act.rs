//! The act: render, preview, sign in turn, dissent, trusted roots, export.

use std::path::PathBuf;
use std::process::Command;

use base64::Engine;
use tauri::{AppHandle, State};
use tekseru_act::Pkcs12Signer;
use tekseru_core::Iin;
use tekseru_workflow::ActStatus;

use crate::commands::{Failure, Result};
use crate::session::reporter;
use crate::state::AppState;

fn iin(text: &str) -> Result<Iin> {
    Iin::parse_allowing_test(text).map_err(|e| Failure::from(format!("IIN {text}: {e}")))
}

/// Renders the act (sealing the inspection) and returns its status.
#[tauri::command(async)]
pub(crate) fn render_act(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    lang: String,
) -> Result<Option<ActStatus>> {
    let languages = lang.parse().map_err(Failure::from)?;
    let cancel = state.start_task();
    state.with_store(|store| {
        let mut progress = reporter(&app, "act", "", &cancel);
        tekseru_workflow::render(
            store,
            &id,
            languages,
            tekseru_workflow::clock::now()?,
            &mut progress,
        )?;
        Ok(tekseru_workflow::status(store, &id)?)
    })
}

#[tauri::command(async)]
pub(crate) fn act_status(state: State<'_, AppState>, id: String) -> Result<Option<ActStatus>> {
    state.with_store(|store| Ok(tekseru_workflow::status(store, &id)?))
}

/// One page of the latest act as a PNG data URL (made with poppler's `pdftoppm`).
#[tauri::command(async)]
pub(crate) fn act_page(state: State<'_, AppState>, id: String, page: u32) -> Result<String> {
    let latest = state.with_store(|store| {
        let inspection = store.inspection(&id)?;
        tekseru_workflow::latest_act(store, &inspection)?
            .ok_or_else(|| Failure::from("the act is not rendered yet"))
    })?;
    let key = (latest.revision.sha256.clone(), page);
    if let Some(url) = state.pages.lock().ok().and_then(|p| p.get(&key).cloned()) {
        return Ok(url);
    }
    // The act goes to a private temporary file only for pdftoppm, and is removed at once.
    let dir = tempfile::Builder::new()
        .prefix("tekseru-page")
        .tempdir()
        .map_err(|e| Failure::from(format!("no temporary directory: {e}")))?;
    let pdf = dir.path().join("act.pdf");
    std::fs::write(&pdf, &latest.pdf)
        .map_err(|e| Failure::from(format!("cannot write {}: {e}", pdf.display())))?;
    let out = Command::new("pdftoppm")
        .args([
            "-png",
            "-r",
            "72",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
            "-singlefile",
        ])
        .arg(&pdf)
        .arg(dir.path().join("page"))
        .output()
        .map_err(|e| {
            Failure::from(format!(
                "cannot run pdftoppm (Debian package poppler-utils): {e}"
            ))
        })?;
    if !out.status.success() {
        return Err(Failure::from(format!(
            "pdftoppm could not draw page {page}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let png = std::fs::read(dir.path().join("page.png"))
        .map_err(|e| Failure::from(format!("pdftoppm wrote no page {page}: {e}")))?;
    let url = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    );
    if let Ok(mut pages) = state.pages.lock() {
        pages.insert(key, url.clone());
    }
    Ok(url)
}

/// Signs the latest act as `member` with their PKCS#12 key file; the password is used once
/// and never kept.
#[tauri::command(async)]
pub(crate) fn sign_act(
    state: State<'_, AppState>,
    id: String,
    member: String,
    p12: PathBuf,
    password: String,
) -> Result<Option<ActStatus>> {
    let member = iin(&member)?;
    let key = std::fs::read(&p12)
        .map_err(|e| Failure::from(format!("cannot read the key file '{}': {e}", p12.display())))?;
    let signer = Pkcs12Signer::open(&key, &password)
        .map_err(|e| Failure::from(format!("key file '{}': {e}", p12.display())))?;
    drop(password);
    state.with_store(|store| {
        tekseru_workflow::sign(
            store,
            &id,
            &member,
            &signer,
            tekseru_workflow::clock::now()?,
        )?;
        Ok(tekseru_workflow::status(store, &id)?)
    })
}

/// Signs the latest act as `member` with NCALayer (a key on a token or an ID card, or a
/// key file NCALayer opens); what NCALayer returns is verified before it enters the act.
#[tauri::command(async)]
pub(crate) fn sign_act_ncalayer(
    state: State<'_, AppState>,
    id: String,
    member: String,
) -> Result<Option<ActStatus>> {
    let member = iin(&member)?;
    let signer = tekseru_workflow::NcaLayerSigner::from_env()?;
    state.with_store(|store| {
        tekseru_workflow::sign(
            store,
            &id,
            &member,
            &signer,
            tekseru_workflow::clock::now()?,
        )?;
        Ok(tekseru_workflow::status(store, &id)?)
    })
}

/// Records a member's dissent and keeps the notice to the provider; returns its SHA-256.
#[tauri::command(async)]
pub(crate) fn dissent(
    state: State<'_, AppState>,
    id: String,
    member: String,
    reason: String,
) -> Result<String> {
    let member = iin(&member)?;
    state.with_store(|store| {
        let notice = tekseru_workflow::dissent(
            store,
            &id,
            &member,
            &reason,
            tekseru_act::Languages::Both,
            tekseru_workflow::clock::now()?,
        )?;
        Ok(notice.revision.sha256)
    })
}

/// Trusts the root certificate(s) of a PEM file; returns how many were new.
#[tauri::command(async)]
pub(crate) fn add_trusted_root(state: State<'_, AppState>, pem: PathBuf) -> Result<usize> {
    let bytes = std::fs::read(&pem)
        .map_err(|e| Failure::from(format!("cannot read '{}': {e}", pem.display())))?;
    state.with_store(|store| {
        Ok(tekseru_workflow::add_trusted_root(
            store,
            &pem.display().to_string(),
            &bytes,
            tekseru_workflow::clock::now()?,
        )?)
    })
}

/// Writes the latest act (or, with `sha256`, a given revision such as a dissent notice) to
/// a file the user chose.
#[tauri::command(async)]
pub(crate) fn export_act(
    state: State<'_, AppState>,
    id: String,
    path: PathBuf,
    sha256: Option<String>,
) -> Result<()> {
    let pdf = state.with_store(|store| {
        let inspection = store.inspection(&id)?;
        match sha256 {
            Some(sha) if inspection.acts.iter().any(|a| a.sha256 == sha) => Ok(store.blob(&sha)?),
            Some(sha) => Err(Failure::from(format!(
                "{sha} is not a revision of this act"
            ))),
            None => Ok(tekseru_workflow::latest_act(store, &inspection)?
                .ok_or_else(|| Failure::from("the act is not rendered yet"))?
                .pdf),
        }
    })?;
    std::fs::write(&path, pdf)
        .map_err(|e| Failure::from(format!("cannot write '{}': {e}", path.display())))
}
