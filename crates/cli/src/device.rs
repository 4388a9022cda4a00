//! `tekseru device show`: this store's device, as colleagues accept it.

use std::process::ExitCode;

use crate::store::StoreArgs;

#[derive(clap::Subcommand)]
pub(crate) enum DeviceCmd {
    /// Show this store's device: its id, fingerprint (compare it before accepting a
    /// colleague's device), public key and the inspector it is bound to.
    Show {
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub(crate) fn run(cmd: DeviceCmd, json: bool) -> anyhow::Result<ExitCode> {
    let DeviceCmd::Show { store } = cmd;
    let store = store.open(false)?;
    let card = store.device();
    if json {
        crate::print_json(&serde_json::json!({
            "id": card.id(),
            "fingerprint": card.fingerprint(),
            "public_key": card.public_key.to_string(),
            "inspector": {"name": card.inspector_name, "iin": card.inspector_iin},
        }))?;
    } else {
        out!("device:      {}", card.id());
        out!("fingerprint: {}", card.fingerprint());
        out!("public key:  {}", card.public_key);
        let iin = if card.inspector_iin.is_empty() {
            "IIN not set"
        } else {
            card.inspector_iin.as_str()
        };
        out!("inspector:   {} ({iin})", card.inspector_name);
    }
    Ok(ExitCode::SUCCESS)
}
