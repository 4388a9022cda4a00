//! `cargo xtask`: the project's only build script (the rust-analyzer pattern).
//!
//! - `cargo xtask run`: the main job — installs what is missing, then the demo.
//! - `cargo xtask test`: every test and check that CI runs.
//! - `cargo xtask bench`: the benchmarks, printed as ratios against reference runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

mod app;
mod bench;
mod calendar;
mod deps;
mod ui;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match task.as_str() {
        "run" => run_demo(&root, &rest),
        "test" => test(&root),
        "bench" => bench(&root, &rest),
        "deps" => deps::ensure(deps::ALL),
        "e2e" => {
            deps::ensure(deps::ALL)?;
            app::e2e(&root)
        }
        "bench-app" => {
            deps::ensure(deps::ALL)?;
            app::bench(&root, app_profile(&rest))
        }
        "dist" => {
            deps::ensure(deps::RUN)?;
            app::dist(&root)
        }
        "crosscheck" => calendar::crosscheck(&root),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n\
                 tasks:\n  \
                 run     the app on a demo store (installs what is missing first; --cli: a CLI tour)\n  \
                 test    every test and check, as CI runs them\n  \
                 bench   the benchmarks, as ratios against reference runs (--quick: no app; --debug: the app's debug build; --only crl: the CRL one alone)\n  \
                 e2e     only the end-to-end tests of the desktop app (under Xvfb)\n  \
                 bench-app  the desktop app's benchmarks (under Xvfb), release build (--debug: debug build)\n  \
                 dist    a .deb of the desktop app (release build)\n  \
                 deps    install the system packages the tests need (Debian)\n  \
                 crosscheck  the calendar against Python's holidays package (part of test)"
            );
            if task.is_empty() || task == "help" || task == "--help" {
                Ok(())
            } else {
                bail!("unknown task '{task}'")
            }
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs a command, echoing it, and fails when it fails.
fn cmd(program: &str, args: &[&str]) -> anyhow::Result<()> {
    cmd_in(Path::new("."), program, args)
}

/// Runs a command in a directory, echoing it, and fails when it fails.
fn cmd_in(dir: &Path, program: &str, args: &[&str]) -> anyhow::Result<()> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .status()
        .with_context(|| format!("cannot start {program}"))?;
    if !status.success() {
        bail!("{program} {} failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The main job: the desktop app on a demo store with a sample inspection (`--cli`: the
/// command-line tour instead).
fn run_demo(root: &Path, rest: &[String]) -> anyhow::Result<()> {
    deps::ensure(deps::RUN)?;
    if rest.iter().any(|a| a == "--cli") {
        return cli_tour(root);
    }
    app::demo(root)
}

/// A tour of the command line: the checklists and three quorum cases.
fn cli_tour(root: &Path) -> anyhow::Result<()> {
    cmd("cargo", &["build", "-p", "tekseru-cli"])?;
    let tekseru = root.join("target/debug/tekseru");
    let tekseru = tekseru.to_str().context("non-UTF-8 path")?;
    println!("\n== The legal checklists built into tekseru ==");
    cmd(tekseru, &["checklist", "list"])?;
    println!("\n== The on-site checklist of 224/НҚ §12 ==");
    cmd(
        tekseru,
        &[
            "checklist",
            "show",
            "ca-accreditation-onsite",
            "--lang",
            "kk",
        ],
    )?;
    for roster in [
        "accreditation-adopted",
        "accreditation-no-knb",
        "revocation-adopted",
    ] {
        let file = format!("assets/demo/{roster}.json");
        println!("\n== Quorum of {file} ==");
        cmd(tekseru, &["quorum", "--roster", &file])?;
    }
    Ok(())
}

fn test(root: &Path) -> anyhow::Result<()> {
    deps::ensure(deps::ALL)?;
    cmd("cargo", &["fmt", "--all", "--", "--check"])?;
    ui::test(root)?;
    ui::build(root)?;
    cmd(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    cmd("cargo", &["test", "--workspace"])?;
    calendar::crosscheck(root)?;
    app::e2e(root)
}

/// Every benchmark: the store's and the act's, then the desktop app's (`--quick`: the store
/// and act with small inputs, without the app).
fn bench(root: &Path, rest: &[String]) -> anyhow::Result<()> {
    bench::run(root, rest)?;
    if rest.iter().any(|a| a == "--quick" || a == "--only") {
        return Ok(());
    }
    deps::ensure(deps::ALL)?;
    app::bench(root, app_profile(rest))
}

/// The app's benchmarks measure the release build users run; `--debug` measures the build
/// the end-to-end tests drive, which is quicker to make.
fn app_profile(rest: &[String]) -> app::Profile {
    if rest.iter().any(|a| a == "--debug") {
        app::Profile::Debug
    } else {
        app::Profile::Release
    }
}
