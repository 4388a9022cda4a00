//! Export for a colleague / Import: an inspection's events as a bundle file (crates/bundle),
//! encrypted to colleagues' device keys or a passphrase. The file is chosen in a dialog the
//! app opens itself; the window never names a path.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tekseru_bundle::{BundleError, Decryption, Encryption, Limits};
use tekseru_ledger::{PublicKey, VersionVector};
use tekseru_store::{ImportReport, StoreError};
use zeroize::Zeroizing;

use crate::commands::{Failure, Result};
use crate::state::AppState;

/// What an export wrote.
#[derive(Serialize)]
pub(crate) struct Exported {
    file: String,
    events: usize,
    blobs: usize,
    bytes: u64,
}

/// Asks where to save (dialog titled `title`, proposing `file_name`) and writes the whole
/// inspection as a bundle there: encrypted to the colleagues' public keys in `to`, or else to
/// `passphrase`. `None` when the dialog is cancelled.
#[tauri::command(async)]
pub(crate) fn export_bundle(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    to: Vec<String>,
    passphrase: Option<Zeroizing<String>>,
    title: String,
    file_name: String,
) -> Result<Option<Exported>> {
    let encryption = encryption(&to, passphrase)?;
    let Some(file) = app
        .dialog()
        .file()
        .set_title(title)
        .set_file_name(file_name)
        .add_filter("tekseru", &["tekseru"])
        .blocking_save_file()
    else {
        return Ok(None);
    };
    let output = file
        .into_path()
        .map_err(|e| Failure::from(format!("the file dialog gave no file path: {e}")))?;
    state.with_store(|store| {
        // Everything the inspection holds: what the colleague has already is skipped on import.
        let since = VersionVector::default();
        let contents = tekseru_workflow::exchange::bundle_contents(store, &id, &since)?;
        let cannot =
            |e: std::io::Error| Failure::from(format!("cannot write '{}': {e}", output.display()));
        let dir = output
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".tekseru-bundle-")
            .tempfile_in(dir)
            .map_err(cannot)?;
        let manifest = tekseru_bundle::write(
            tmp.as_file(),
            &contents,
            |b| store.blob_reader(&b.sha256).map_err(std::io::Error::other),
            &encryption,
            store.device_key(),
        )?
        .manifest;
        tmp.as_file().sync_all().map_err(cannot)?;
        let bytes = tmp.as_file().metadata().map(|m| m.len()).unwrap_or(0);
        tmp.persist(&output).map_err(|e| cannot(e.error))?;
        Ok(Some(Exported {
            file: output.display().to_string(),
            events: manifest.events.len(),
            blobs: manifest.blobs.len(),
            bytes,
        }))
    })
}

/// To the colleagues' keys (each `ed25519:…`, as their This device panel shows it), or to a
/// passphrase; a bundle the app writes is never plain.
fn encryption(to: &[String], passphrase: Option<Zeroizing<String>>) -> Result<Encryption> {
    let keys = to
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<PublicKey>().map_err(|e| {
                Failure::from(format!(
                    "'{t}' is not a device's public key ({e}); copy it from the colleague's This device panel"
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if !keys.is_empty() {
        return Ok(Encryption::ToDevices(keys));
    }
    match passphrase.filter(|p| !p.trim().is_empty()) {
        Some(passphrase) => Ok(Encryption::Passphrase {
            passphrase,
            work_factor: None,
        }),
        None => Err(Failure::from(
            "say who can open the file: paste a colleague's public key, or give a passphrase",
        )),
    }
}

/// Opens the dialog (titled `title`) for a bundle to import and remembers the file for
/// `import_bundle`; its name, `None` when cancelled.
#[tauri::command(async)]
pub(crate) fn choose_bundle(
    app: AppHandle,
    state: State<'_, AppState>,
    title: String,
) -> Result<Option<String>> {
    let Some(file) = app
        .dialog()
        .file()
        .set_title(title)
        .add_filter("tekseru", &["tekseru"])
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
        .bundle_file
        .lock()
        .map_err(|_| Failure::from("the chosen file is unusable; restart tekseru"))? = Some(path);
    Ok(Some(name))
}

/// What an import came to: done, or a question for the person.
#[derive(Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub(crate) enum ImportOutcome {
    /// Imported.
    Imported {
        inspection: String,
        #[serde(flatten)]
        report: ImportReport,
    },
    /// The bundle holds events of a device this store has not accepted: show it, and import
    /// again with its fingerprint accepted if the person confirms it.
    UnknownDevice {
        fingerprint: String,
        inspector: String,
    },
    /// The bundle is encrypted to a passphrase: ask for it.
    NeedsPassphrase,
}

/// Imports the bundle chosen last (`choose_bundle`), accepting the devices whose
/// fingerprints are in `accept`. All or nothing: a refusal leaves the store as it was.
#[tauri::command(async)]
pub(crate) fn import_bundle(
    state: State<'_, AppState>,
    accept: Vec<String>,
    passphrase: Option<Zeroizing<String>>,
) -> Result<ImportOutcome> {
    let path: PathBuf = state
        .bundle_file
        .lock()
        .map_err(|_| Failure::from("the chosen file is unusable; restart tekseru"))?
        .clone()
        .ok_or_else(|| Failure::from("choose the file to import first"))?;
    let input = File::open(&path)
        .map_err(|e| Failure::from(format!("cannot open '{}': {e}", path.display())))?;
    state.with_store(|store| {
        let staging = store.staging_dir()?;
        let decryption = Decryption {
            device: Some(store.device_key()),
            passphrase: passphrase.filter(|p| !p.is_empty()),
        };
        let verified = match tekseru_bundle::read(
            BufReader::with_capacity(1 << 20, input),
            &decryption,
            &Limits::default(),
            &staging,
        ) {
            Ok(v) => v,
            Err(BundleError::NeedsPassphrase) => return Ok(ImportOutcome::NeedsPassphrase),
            Err(e @ BundleError::NotForThisDevice { .. }) => {
                return Err(Failure::from(format!(
                    "'{}' is not encrypted to this laptop ({e}); ask its sender to export it to this device's public key",
                    path.display()
                )))
            }
            Err(e) => {
                return Err(Failure::from(format!(
                    "'{}' was refused, nothing was imported: {e}",
                    path.display()
                )))
            }
        };
        let inspection = verified.manifest.inspection.clone();
        let incoming = tekseru_workflow::exchange::incoming(&verified);
        let result = store.import(incoming, &accept);
        // What the store did not move in is deleted from the staging directory.
        drop(verified);
        match result {
            Ok(report) => Ok(ImportOutcome::Imported { inspection, report }),
            Err(StoreError::UnknownDevice {
                fingerprint,
                inspector,
            }) => Ok(ImportOutcome::UnknownDevice {
                fingerprint,
                inspector,
            }),
            Err(e) => Err(Failure::from(format!(
                "'{}' was not imported: {e}",
                path.display()
            ))),
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_bundle_is_sealed_to_the_keys_pasted_else_to_the_passphrase_never_plain() {
        let key = tekseru_ledger::DeviceKey::generate().unwrap().public();
        let pasted = vec![format!("  {key} "), String::new()];
        let to_keys = encryption(&pasted, Some(Zeroizing::new("ignored".into()))).unwrap();
        assert!(matches!(to_keys, Encryption::ToDevices(ref k) if k == &vec![key]));
        let to_passphrase = encryption(&[], Some(Zeroizing::new("tell them apart".into())));
        assert!(matches!(to_passphrase, Ok(Encryption::Passphrase { .. })));
        let nothing = encryption(&[], Some(Zeroizing::new("  ".into())))
            .err()
            .unwrap();
        assert!(
            nothing.message.contains("public key"),
            "{}",
            nothing.message
        );
        let garbage = encryption(&["ed25519:nope".into()], None).err().unwrap();
        assert!(
            garbage.message.contains("ed25519:nope"),
            "{}",
            garbage.message
        );
    }
}
