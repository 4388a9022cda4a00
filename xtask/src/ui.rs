//! The front-end (`ui/`): its npm packages, checks, tests and build. The desktop app embeds
//! `ui/dist`, so the front-end is built before any cargo build of `src-tauri`.

use std::path::Path;

use crate::cmd_in;

/// Installs the npm packages exactly as `package-lock.json` pins them, when they changed.
pub(crate) fn install(root: &Path) -> anyhow::Result<()> {
    let ui = root.join("ui");
    let lock = ui.join("package-lock.json");
    let stamp = ui.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => match (l.modified(), s.modified()) {
            (Ok(l), Ok(s)) => s >= l,
            _ => false,
        },
        _ => false,
    };
    if !fresh {
        cmd_in(&ui, "npm", &["ci", "--no-audit", "--no-fund"])?;
    }
    Ok(())
}

/// Builds `ui/dist`.
pub(crate) fn build(root: &Path) -> anyhow::Result<()> {
    install(root)?;
    cmd_in(&root.join("ui"), "npm", &["run", "build"])
}

/// `svelte-check` (warnings fail) and the vitest unit tests.
pub(crate) fn test(root: &Path) -> anyhow::Result<()> {
    install(root)?;
    let ui = root.join("ui");
    cmd_in(&ui, "npm", &["run", "check"])?;
    cmd_in(&ui, "npm", &["test"])
}
