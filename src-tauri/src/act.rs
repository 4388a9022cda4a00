//! The act: render, preview, sign in turn, dissent, trusted roots, export.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use base64::Engine;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tekseru_act::Pkcs12Signer;
use tekseru_core::Iin;
use tekseru_workflow::ActStatus;
use zeroize::Zeroizing;

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

/// Asks the user for their PKCS#12 key file in the system's dialog (titled `title`, opened
/// here: the window never names a file) and keeps the choice for the next signature;
/// returns the file's name to show, `None` when the dialog is cancelled.
#[tauri::command(async)]
pub(crate) fn choose_key(
    app: AppHandle,
    state: State<'_, AppState>,
    title: String,
) -> Result<Option<String>> {
    let Some(file) = app
        .dialog()
        .file()
        .set_title(title)
        .add_filter("PKCS#12", &["p12", "pfx"])
        .blocking_pick_file()
    else {
        return Ok(None);
    };
    let path = file
        .into_path()
        .map_err(|e| Failure::from(format!("the file dialog gave no file path: {e}")))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    *state
        .key_file
        .lock()
        .map_err(|_| Failure::from("the chosen key is unusable; restart tekseru"))? = Some(path);
    Ok(Some(name))
}

/// Signs the latest act as `member` with the key file chosen with `choose_key`; the
/// password is used once, never kept, and wiped from memory.
#[tauri::command(async)]
pub(crate) fn sign_act(
    state: State<'_, AppState>,
    id: String,
    member: String,
    password: Zeroizing<String>,
) -> Result<Option<ActStatus>> {
    let member = iin(&member)?;
    let p12 = state
        .key_file
        .lock()
        .map_err(|_| Failure::from("the chosen key is unusable; restart tekseru"))?
        .take()
        .ok_or_else(|| Failure::from("choose the key file first"))?;
    let key = Zeroizing::new(std::fs::read(&p12).map_err(|e| {
        Failure::from(format!("cannot read the key file '{}': {e}", p12.display()))
    })?);
    let signer = Pkcs12Signer::open(&key, &password)
        .map_err(|e| Failure::from(format!("key file '{}': {e}", p12.display())))?;
    drop(password);
    drop(key);
    sign_with(&state, &id, &member, &signer)
}

/// Adds `member`'s signature by `signer` to the latest act, now; returns the act's status.
fn sign_with(
    state: &AppState,
    id: &str,
    member: &Iin,
    signer: &dyn tekseru_act::Signer,
) -> Result<Option<ActStatus>> {
    state.with_store(|store| {
        tekseru_workflow::sign(store, id, member, signer, tekseru_workflow::clock::now()?)?;
        Ok(tekseru_workflow::status(store, id)?)
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
    sign_with(&state, &id, &member, &signer)
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

/// Asks the user for PEM files in the system's dialog (titled `title`, opened here) and
/// trusts the root certificates they hold; returns how many were new (0 when cancelled).
#[tauri::command(async)]
pub(crate) fn add_trusted_root(
    app: AppHandle,
    state: State<'_, AppState>,
    title: String,
) -> Result<usize> {
    let picked = app
        .dialog()
        .file()
        .set_title(title)
        .add_filter("PEM, DER", &["pem", "crt", "cer", "der"])
        .blocking_pick_files()
        .unwrap_or_default();
    let mut added = 0;
    for file in picked {
        let pem = file
            .into_path()
            .map_err(|e| Failure::from(format!("the file dialog gave no file path: {e}")))?;
        let bytes = std::fs::read(&pem)
            .map_err(|e| Failure::from(format!("cannot read '{}': {e}", pem.display())))?;
        added += state.with_store(|store| {
            Ok(tekseru_workflow::add_trusted_root(
                store,
                &pem.display().to_string(),
                &bytes,
                tekseru_workflow::clock::now()?,
            )?)
        })?;
    }
    Ok(added)
}

/// Asks where to save the latest act (or, with `sha256`, a given revision such as a dissent
/// notice) in the system's dialog (titled `title`, suggesting `file_name`), opened here, and
/// writes it there atomically: a temporary file in the same directory, renamed over the
/// target once complete, so that a crash or a full disk never leaves a half-written act.
/// Returns whether it was saved (not when the dialog is cancelled).
#[tauri::command(async)]
pub(crate) fn export_act(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    sha256: Option<String>,
    title: String,
    file_name: String,
) -> Result<bool> {
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
    let Some(file) = app
        .dialog()
        .file()
        .set_title(title)
        .set_file_name(file_name)
        .add_filter("PDF", &["pdf"])
        .blocking_save_file()
    else {
        return Ok(false);
    };
    let path = file
        .into_path()
        .map_err(|e| Failure::from(format!("the file dialog gave no file path: {e}")))?;
    write_atomically(&path, &pdf)?;
    Ok(true)
}

/// Writes `bytes` to `path` through a temporary file in the same directory, synced, then
/// renamed over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let failed =
        |e: std::io::Error| Failure::from(format!("cannot write '{}': {e}", path.display()));
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tekseru-export")
        .tempfile_in(dir)
        .map_err(failed)?;
    tmp.write_all(bytes).map_err(failed)?;
    tmp.as_file().sync_all().map_err(failed)?;
    tmp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn an_export_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("act.pdf");
        std::fs::write(&path, b"an older act, longer than the new one").unwrap();
        write_atomically(&path, b"%PDF-1.7 new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"%PDF-1.7 new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["act.pdf"]);
        // A directory that does not exist: an error naming the file, and nothing written.
        let missing = dir.path().join("no-such-dir").join("act.pdf");
        let err = write_atomically(&missing, b"x").unwrap_err();
        assert!(err.message.contains("no-such-dir"), "{}", err.message);
    }
}
