//! The system packages the project needs, installed on Debian when missing.

use std::process::Command;

use anyhow::{bail, Context};

/// Debian packages for `cargo xtask run`: the build of the desktop app (Tauri 2 on WebKitGTK).
pub(crate) const RUN: &[&str] = &[
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libssl-dev",
    "librsvg2-dev",
    "poppler-utils",
];

/// Debian packages for every test: the build, plus the end-to-end tests of the app (WebKit's
/// WebDriver under a virtual X server).
pub(crate) const ALL: &[&str] = &[
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libssl-dev",
    "librsvg2-dev",
    "webkit2gtk-driver",
    "xvfb",
    "xauth",
    "xdotool",
    "openssl",
    "poppler-utils",
    "qpdf",
    // The independent cross-checks: the calendar against `holidays`, GOST signatures against
    // `gostcrypto`, PDF signatures against pyHanko, each from PyPI in a venv under target/.
    "python3",
    "python3-venv",
    // HQ's tests run every server scenario on a real PostgreSQL too: an unprivileged cluster
    // started by the harness (crates/hq/tests/common) with initdb/postgres from here. The S3
    // blob tests use moto's server from PyPI, in a venv under target/ (python3-venv above).
    "postgresql-15",
];

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Installs the missing packages with apt-get (as root, or through sudo).
pub(crate) fn ensure(packages: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("installing Debian packages: {}", missing.join(" "));
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let sudo: &[&str] = if root { &[] } else { &["sudo"] };
    let run = |args: &[&str]| -> anyhow::Result<()> {
        let mut all: Vec<&str> = sudo.to_vec();
        all.extend_from_slice(args);
        let status = Command::new(all[0])
            .args(&all[1..])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .with_context(|| format!("cannot run {}", all.join(" ")))?;
        if !status.success() {
            bail!("{} failed ({status})", all.join(" "));
        }
        Ok(())
    };
    run(&["apt-get", "update", "-qq"])?;
    let mut install = vec!["apt-get", "install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&missing);
    run(&install)
}
