//! The tekseru desktop app: a Tauri 2 shell whose commands are thin calls into the
//! tekseru crates. Data flows one way: ui → these commands → crates; no crate knows Tauri.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

fn main() {
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::checklists,
            commands::checklist,
            commands::measure_verdict,
            commands::quorum,
        ])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        eprintln!("tekseru-app: {err}");
        std::process::exit(1);
    }
}
