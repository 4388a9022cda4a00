//! The system packages the project needs, installed on Debian when missing.

use std::process::Command;

use anyhow::{bail, Context};

/// Debian packages for `cargo xtask run` (the act links OpenSSL).
pub(crate) const RUN: &[&str] = &["pkg-config", "libssl-dev"];

/// Debian packages for every test: OpenSSL to build, poppler-utils (pdfsig, pdftotext,
/// pdffonts, pdfimages, pdfdetach) and qpdf to read the act back, openssl for scripts.
pub(crate) const ALL: &[&str] = &["pkg-config", "libssl-dev", "openssl", "poppler-utils", "qpdf"];

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
