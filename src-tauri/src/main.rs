//! The tekseru desktop app: a Tauri 2 shell whose commands are thin calls into the
//! tekseru crates. Data flows one way: ui → these commands → crates; no crate knows Tauri.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod act;
mod commands;
mod demo;
mod device;
mod exchange;
mod inspection;
mod pki;
mod session;
mod state;

fn main() {
    let state = state::AppState::new();
    if let Err(err) = demo::prepare(&state) {
        eprintln!("tekseru-app: cannot make the demo store: {err}");
        std::process::exit(1);
    }
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                inspection::dropped(window, paths);
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::checklists,
            commands::checklist,
            commands::measure_verdict,
            commands::quorum,
            session::store_state,
            session::create_store,
            session::unlock,
            session::lock,
            session::cancel,
            device::device,
            exchange::export_bundle,
            exchange::choose_bundle,
            exchange::import_bundle,
            inspection::inspections,
            inspection::new_inspection,
            inspection::inspection,
            inspection::answer,
            inspection::set_conclusions,
            inspection::set_details,
            inspection::add_evidence,
            inspection::add_dropped_evidence,
            inspection::thumbnail,
            inspection::timeline,
            inspection::record_event,
            inspection::resolve,
            act::render_act,
            act::act_status,
            act::act_page,
            act::choose_key,
            act::sign_act,
            act::dissent,
            act::add_trusted_root,
            act::sign_act_ncalayer,
            act::export_act,
            pki::pki_choose,
            pki::pki_clear,
            pki::pki_run,
            pki::pki_attach,
        ])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        eprintln!("tekseru-app: {err}");
        std::process::exit(1);
    }
}
