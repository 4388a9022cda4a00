//! The desktop app: its build, its end-to-end tests under a virtual X server, and its `.deb`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use crate::{cmd, cmd_in, ui};

/// Builds the front-end, then the app (debug: the same build the tests use).
pub(crate) fn build(root: &Path) -> anyhow::Result<PathBuf> {
    ui::build(root)?;
    cmd("cargo", &["build", "-p", "tekseru-app"])?;
    Ok(root.join("target/debug/tekseru-app"))
}

/// Environment that lets WebKitGTK render under Xvfb without a GPU.
pub(crate) const WEBKIT_ENV: &[(&str, &str)] = &[
    ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    ("LIBGL_ALWAYS_SOFTWARE", "1"),
];

fn ensure_tauri_driver() -> anyhow::Result<()> {
    let present = Command::new("tauri-driver")
        .arg("--help")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !present {
        cmd("cargo", &["install", "tauri-driver", "--locked"])?;
    }
    Ok(())
}

/// The end-to-end tests: the real app binary driven through tauri-driver and WebKitWebDriver,
/// in a virtual X server. Screenshots land in `target/e2e/`.
pub(crate) fn e2e(root: &Path) -> anyhow::Result<()> {
    ensure_tauri_driver()?;
    let app = build(root)?;
    cmd("cargo", &["build", "-p", "tekseru-cli"])?;
    let out = root.join("target/e2e");
    std::fs::create_dir_all(&out)?;
    // Every run starts with no store: the tests create it as a first-time user would.
    let store = out.join("store");
    if store.exists() {
        std::fs::remove_dir_all(&store)
            .with_context(|| format!("cannot remove {}", store.display()))?;
    }
    let mut command = Command::new("xvfb-run");
    command
        .args(["-a", "-s", "-screen 0 1440x900x24"])
        .args(["npx", "vitest", "run", "--config", "vitest.e2e.config.ts"])
        .current_dir(root.join("ui"))
        .env("TEKSERU_APP", &app)
        .env("TEKSERU_CLI", root.join("target/debug/tekseru"))
        .env("TEKSERU_E2E_OUT", &out)
        .env("TEKSERU_DATA_DIR", &store)
        .env_remove("TEKSERU_DEMO")
        .envs(WEBKIT_ENV.iter().copied());
    eprintln!("$ xvfb-run npx vitest run --config vitest.e2e.config.ts");
    let status = command.status().context("cannot start xvfb-run")?;
    anyhow::ensure!(status.success(), "the end-to-end tests failed ({status})");
    eprintln!("screenshots: {}", out.display());
    Ok(())
}

/// The app on a demo store (`target/demo-store`, made on first start with a sample
/// inspection; its passphrase is shown on the unlock screen).
pub(crate) fn demo(root: &Path) -> anyhow::Result<()> {
    let app = build(root)?;
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    anyhow::ensure!(
        has_display,
        "no display: run `cargo xtask run` in a desktop session (or `xvfb-run -a cargo xtask run` to try it headless); \
         `cargo xtask run --cli` tours the command line instead"
    );
    let store = root.join("target/demo-store");
    eprintln!(
        "$ TEKSERU_DEMO=1 TEKSERU_DATA_DIR={} {}",
        store.display(),
        app.display()
    );
    let status = Command::new(&app)
        .env("TEKSERU_DEMO", "1")
        .env("TEKSERU_DATA_DIR", &store)
        .status()
        .with_context(|| format!("cannot start {}", app.display()))?;
    anyhow::ensure!(status.success(), "the app exited with {status}");
    Ok(())
}

/// A `.deb` of the app (release build), with the Tauri CLI from npm.
pub(crate) fn dist(root: &Path) -> anyhow::Result<()> {
    ui::build(root)?;
    let tauri = root.join("ui/node_modules/.bin/tauri");
    let tauri = tauri.to_str().context("non-UTF-8 path")?;
    cmd_in(root, tauri, &["build", "--bundles", "deb"])?;
    eprintln!(
        "the package: {}",
        root.join("target/release/bundle/deb").display()
    );
    Ok(())
}
