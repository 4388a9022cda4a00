//! This laptop's device (what colleagues compare before accepting it) and the exchange of an
//! inspection's events with colleagues.

use serde::Serialize;
use tauri::State;

use crate::commands::Result;
use crate::state::AppState;

/// This store's device as the "This device" panel shows it.
#[derive(Serialize)]
pub(crate) struct DeviceView {
    id: String,
    /// SHA-256 of the public key, hex; the panel groups it for reading aloud.
    fingerprint: String,
    public_key: String,
    inspector_name: String,
    /// Empty for a store made before devices had an IIN.
    inspector_iin: String,
}

#[tauri::command(async)]
pub(crate) fn device(state: State<'_, AppState>) -> Result<DeviceView> {
    state.with_store(|store| {
        let card = store.device();
        Ok(DeviceView {
            id: card.id().to_string(),
            fingerprint: card.fingerprint(),
            public_key: card.public_key.to_string(),
            inspector_name: card.inspector_name,
            inspector_iin: card.inspector_iin,
        })
    })
}
