//! Builds the app's context, declaring its commands so that the window is granted only the
//! ones its capability (`capabilities/default.json`) lists.

/// Every command of the app (`main.rs`'s `generate_handler!`); each gets `allow-…` and
/// `deny-…` permissions, and none is open to the window unless its capability allows it.
const COMMANDS: &[&str] = &[
    "app_info",
    "checklists",
    "checklist",
    "measure_verdict",
    "quorum",
    "store_state",
    "create_store",
    "unlock",
    "lock",
    "cancel",
    "device",
    "export_bundle",
    "choose_bundle",
    "import_bundle",
    "inspections",
    "new_inspection",
    "inspection",
    "answer",
    "set_conclusions",
    "set_details",
    "add_evidence",
    "add_dropped_evidence",
    "thumbnail",
    "timeline",
    "record_event",
    "resolve",
    "render_act",
    "act_status",
    "act_page",
    "choose_key",
    "sign_act",
    "sign_act_ncalayer",
    "dissent",
    "add_trusted_root",
    "export_act",
    "pki_choose",
    "pki_clear",
    "pki_run",
    "pki_attach",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri-build: {e:#}"));
}
