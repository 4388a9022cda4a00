//! The calendar's cross-check with Python's `holidays` package (country KZ).
//!
//! `python3` must exist; `holidays` is installed when missing, pinned, in a venv under
//! `target/` (or with `pip install --user` when a venv cannot be made).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// The `holidays` version the data was checked against; bump it on purpose, then explain or
/// fix every new difference.
const HOLIDAYS: &str = "0.109";

fn has_holidays(python: &Path) -> bool {
    let probe =
        format!("import sys, holidays; sys.exit(0 if holidays.__version__ == '{HOLIDAYS}' else 1)");
    Command::new(python)
        .args(["-c", &probe])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A Python with `holidays` of the pinned version.
fn python(root: &Path) -> anyhow::Result<PathBuf> {
    let system = PathBuf::from("python3");
    if has_holidays(&system) {
        return Ok(system);
    }
    let venv = root.join("target/xtask-venv");
    let venv_python = venv.join("bin/python");
    if has_holidays(&venv_python) {
        return Ok(venv_python);
    }
    let pin = format!("holidays=={HOLIDAYS}");
    let venv_str = venv.to_str().context("non-UTF-8 path")?;
    if crate::cmd("python3", &["-m", "venv", venv_str]).is_ok() {
        let py = venv_python.to_str().context("non-UTF-8 path")?;
        crate::cmd(py, &["-m", "pip", "install", "-q", &pin])?;
        if has_holidays(&venv_python) {
            return Ok(venv_python);
        }
    }
    crate::cmd("python3", &["-m", "pip", "install", "-q", "--user", &pin])?;
    if has_holidays(&system) {
        return Ok(system);
    }
    bail!("cannot install the Python package {pin} for the calendar cross-check")
}

/// Runs `assets/calendars/crosscheck.py`: its self-test, then the check of every year.
pub(crate) fn crosscheck(root: &Path) -> anyhow::Result<()> {
    let python = python(root)?;
    let python = python.to_str().context("non-UTF-8 path")?;
    let script = root.join("assets/calendars/crosscheck.py");
    let script = script.to_str().context("non-UTF-8 path")?;
    crate::cmd(python, &[script, "--self-test"])?;
    crate::cmd(python, &[script])
}
