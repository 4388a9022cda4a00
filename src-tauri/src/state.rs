//! What the app holds while it runs: where the store is, the unlocked store, the cancel flag
//! of the running long task, and rendered act pages.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tekseru_store::Store;

use crate::commands::{Failure, Result};

/// The passphrase of the demo store that `cargo xtask run` opens; shown on the unlock screen
/// only in demo mode.
pub(crate) const DEMO_PASSPHRASE: &str = "demo-tekseru";

/// The app's state, shared by the commands.
pub(crate) struct AppState {
    /// The store's directory.
    pub(crate) data_dir: PathBuf,
    /// Demo mode: the store is made with a sample inspection and its passphrase is shown.
    pub(crate) demo: bool,
    /// The unlocked store; `None` while locked. Held by one command at a time, for minutes
    /// during an import or a render: nothing that answers the window at once waits for it.
    store: Mutex<Option<Store>>,
    /// The unlocked store's inspector, `None` while locked: what the unlock screen shows,
    /// readable while a long task holds the store.
    pub(crate) inspector: Mutex<Option<String>>,
    /// Set by `cancel`; the running long task stops at its next step.
    pub(crate) cancel: Arc<AtomicBool>,
    /// The key file the user chose in the dialog for the next signature (chosen here, in
    /// Rust: the window never names a file).
    pub(crate) key_file: Mutex<Option<PathBuf>>,
    /// The bundle the user chose in the dialog for the next import (kept for the retry once
    /// an unknown device is accepted).
    pub(crate) bundle_file: Mutex<Option<PathBuf>>,
    /// The files of the last drop on the window, as the window system reported them: the
    /// only paths the window may ask to import.
    pub(crate) dropped: Mutex<Vec<PathBuf>>,
    /// Rendered pages of acts as data URLs, by (act SHA-256, page).
    pub(crate) pages: Mutex<HashMap<(String, u32), String>>,
    /// The field checks' chosen files and last reports, by item.
    pub(crate) pki: Mutex<crate::pki::PkiState>,
}

impl AppState {
    pub(crate) fn new() -> AppState {
        let demo = std::env::var_os("TEKSERU_DEMO").is_some_and(|v| v == "1");
        AppState {
            data_dir: data_dir(),
            demo,
            store: Mutex::new(None),
            inspector: Mutex::new(None),
            cancel: Arc::new(AtomicBool::new(false)),
            key_file: Mutex::new(None),
            bundle_file: Mutex::new(None),
            dropped: Mutex::new(Vec::new()),
            pages: Mutex::new(HashMap::new()),
            pki: Mutex::new(crate::pki::PkiState::default()),
        }
    }

    /// The store slot (locked or not).
    pub(crate) fn slot(&self) -> Result<MutexGuard<'_, Option<Store>>> {
        self.store.lock().map_err(|_| {
            Failure::from("an earlier command failed while holding the store; restart tekseru")
        })
    }

    /// Puts the store in its slot (`None`: locks it), and notes its inspector.
    pub(crate) fn set_store(&self, store: Option<Store>) -> Result<()> {
        let name = store.as_ref().map(|s| s.inspector().name.clone());
        let mut slot = self.slot()?;
        *slot = store;
        if let Ok(mut inspector) = self.inspector.lock() {
            *inspector = name;
        }
        Ok(())
    }

    /// The unlocked store's inspector, `None` while locked; never waits for the store.
    pub(crate) fn unlocked_inspector(&self) -> Option<String> {
        self.inspector.lock().ok().and_then(|i| i.clone())
    }

    /// Runs `f` with the unlocked store, or fails with "locked".
    pub(crate) fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        match self.slot()?.as_mut() {
            Some(store) => f(store),
            None => Err(Failure::from("the store is locked: unlock it first")),
        }
    }

    /// Starts a long task: clears an earlier cancel request.
    pub(crate) fn start_task(&self) -> Arc<AtomicBool> {
        self.cancel.store(false, Ordering::SeqCst);
        Arc::clone(&self.cancel)
    }
}

/// The store's directory: `TEKSERU_DATA_DIR`, else `$XDG_DATA_HOME/tekseru`, else
/// `~/.local/share/tekseru` — the same as the command line's, so both see one store.
fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TEKSERU_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = match std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| ".".into()))
            .join(".local/share"),
    };
    base.join("tekseru")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn where_the_store_stands_is_known_while_a_long_task_holds_it() {
        let state = AppState::new();
        *state.inspector.lock().unwrap() = Some("Inspector".into());
        let slot = state.slot().unwrap();
        // A long import holds the store; the unlock screen's question is answered at once.
        let started = std::time::Instant::now();
        std::thread::scope(|s| {
            let asked = s.spawn(|| state.unlocked_inspector());
            assert_eq!(asked.join().unwrap().as_deref(), Some("Inspector"));
        });
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        drop(slot);
        state.set_store(None).unwrap();
        assert_eq!(state.unlocked_inspector(), None);
    }
}
