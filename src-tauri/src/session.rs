//! The store's lifecycle: create, unlock, lock; and progress of long tasks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::Serialize;
use tauri::{AppHandle, Emitter, State};
use tekseru_core::Iin;
use tekseru_store::Store;
use zeroize::Zeroizing;

use crate::commands::{Failure, Result};
use crate::state::{AppState, DEMO_PASSPHRASE};

/// What the unlock screen shows.
#[derive(Serialize)]
pub(crate) struct StoreState {
    exists: bool,
    unlocked: bool,
    data_dir: String,
    inspector: Option<String>,
    demo_passphrase: Option<&'static str>,
}

/// Where the store stands. Never waits for the store (a long import or render may hold it),
/// and runs off the main thread.
#[tauri::command(async)]
pub(crate) fn store_state(state: State<'_, AppState>) -> Result<StoreState> {
    let inspector = state.unlocked_inspector();
    Ok(StoreState {
        exists: Store::exists(&state.data_dir),
        unlocked: inspector.is_some(),
        data_dir: state.data_dir.display().to_string(),
        inspector,
        demo_passphrase: state.demo.then_some(DEMO_PASSPHRASE),
    })
}

#[tauri::command(async)]
pub(crate) fn create_store(
    state: State<'_, AppState>,
    passphrase: Zeroizing<String>,
    inspector: String,
    iin: String,
) -> Result<()> {
    if inspector.trim().is_empty() {
        return Err(Failure::from("give the inspector's name"));
    }
    let iin = device_iin(&iin)?;
    // The passphrase policy is the store's own (Store::create).
    let store = Store::create(&state.data_dir, &passphrase, inspector.trim(), Some(iin))?;
    state.set_store(Some(store))
}

/// The IIN a device is bound to: a valid IIN of a real person. The NCA test IIN belongs in
/// the roster of a training inspection only: a device stays bound to its inspector for every
/// inspection it takes part in, training or not, and colleagues accept it by that identity.
fn device_iin(text: &str) -> Result<Iin> {
    let iin = Iin::parse_allowing_test(text.trim())
        .map_err(|e| Failure::from(format!("the inspector's IIN: {e}")))?;
    if iin.is_nca_test() {
        return Err(Failure::from(format!(
            "the inspector's IIN: {iin} is the NCA test identity, allowed only in a training \
             inspection's roster, not for the inspector of this laptop; give your own IIN"
        )));
    }
    Ok(iin)
}

#[tauri::command(async)]
pub(crate) fn unlock(state: State<'_, AppState>, passphrase: Zeroizing<String>) -> Result<()> {
    let store = Store::open(&state.data_dir, &passphrase)?;
    state.set_store(Some(store))
}

/// Locks the store: asks a running long task to stop, then drops the store once it has (off
/// the main thread, which never waits for the store).
#[tauri::command(async)]
pub(crate) fn lock(state: State<'_, AppState>) -> Result<()> {
    state.cancel.store(true, Ordering::SeqCst);
    state.set_store(None)?;
    if let Ok(mut pages) = state.pages.lock() {
        pages.clear();
    }
    if let Ok(mut pki) = state.pki.lock() {
        *pki = crate::pki::PkiState::default();
    }
    Ok(())
}

/// Asks the running long task to stop.
#[tauri::command(async)]
pub(crate) fn cancel(state: State<'_, AppState>) {
    state.cancel.store(true, Ordering::SeqCst);
}

/// Progress of a long task, as the UI receives it.
#[derive(Clone, Serialize)]
struct ProgressEvent<'a> {
    task: &'a str,
    label: &'a str,
    done: u64,
    total: u64,
}

/// A progress callback for a long task: emits `progress` events (at most one per percent)
/// and returns `false` once the user cancelled.
pub(crate) fn reporter<'a>(
    app: &'a AppHandle,
    task: &'a str,
    label: &'a str,
    cancel: &'a Arc<AtomicBool>,
) -> impl FnMut(u64, u64) -> bool + 'a {
    let mut last: Option<u64> = None;
    move |done, total| {
        let percent = (done.saturating_mul(100)).checked_div(total).unwrap_or(100);
        if last != Some(percent) {
            last = Some(percent);
            let _ = app.emit(
                "progress",
                ProgressEvent {
                    task,
                    label,
                    done,
                    total,
                },
            );
        }
        !cancel.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_bound_to_a_valid_iin_and_never_the_nca_test_one() {
        assert_eq!(
            device_iin(" 810315400008 ").map(|i| i.to_string()).ok(),
            Some("810315400008".to_owned())
        );
        let mistyped = device_iin("810315400009").err().map(|f| f.message);
        assert!(
            mistyped.as_deref().is_some_and(|m| m.contains("checksum")),
            "{mistyped:?}"
        );
        let test = device_iin("123456789011").err().map(|f| f.message);
        assert!(
            test.as_deref().is_some_and(|m| m.contains("training")),
            "{test:?}"
        );
    }
}
