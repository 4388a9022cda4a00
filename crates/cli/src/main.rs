//! `tekseru`: the command line of the inspection tool. Every operation is scriptable:
//! `--json` prints JSON on stdout, otherwise human text; bad input exits 2 with the reason on
//! stderr.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `println!` that returns the error instead of panicking, so that `tekseru … | head` ends
/// quietly when the reader goes away.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

mod act;
mod audit;
mod bundle;
mod calendar;
mod checklist;
mod device;
mod evidence;
mod inspection;
mod pki;
mod quorum;
mod store;

/// tekseru — on-site inspections of certification authorities (224/НҚ)
#[derive(Parser)]
#[command(name = "tekseru", version, about, propagate_version = true)]
struct Cli {
    /// Print JSON on stdout instead of human text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The act: render, sign, verify, dissent notice.
    #[command(subcommand)]
    Act(act::ActCmd),
    /// Working days of Kazakhstan and the deadlines of the procedures.
    #[command(subcommand)]
    Calendar(calendar::CalendarCmd),
    /// The legal checklists: list, show, validate.
    #[command(subcommand)]
    Checklist(checklist::ChecklistCmd),
    /// Whether an act is adopted, for a roster with signatures.
    Quorum(quorum::QuorumArgs),
    /// Inspections: new, answer, show, list.
    #[command(subcommand)]
    Inspection(inspection::InspectionCmd),
    /// Evidence files: add, export.
    #[command(subcommand)]
    Evidence(evidence::EvidenceCmd),
    /// Bundles: an inspection's events and evidence between laptops, on a USB stick.
    #[command(subcommand)]
    Bundle(bundle::BundleCmd),
    /// The audit trail: verify.
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// This store's device: its public key and fingerprint, and the inspector it is bound to.
    #[command(subcommand)]
    Device(device::DeviceCmd),
    /// PKI field checks (224/НҚ §12): chain, oids, crl, time, anchors. Exit 0 complies,
    /// 1 does not comply, 3 not verifiable here.
    #[command(subcommand)]
    Pki(pki::PkiCmd),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Act(cmd) => act::run(cmd, cli.json),
        Command::Calendar(cmd) => calendar::run(cmd, cli.json),
        Command::Checklist(cmd) => checklist::run(cmd, cli.json),
        Command::Quorum(args) => quorum::run(args, cli.json),
        Command::Inspection(cmd) => inspection::run(cmd, cli.json),
        Command::Evidence(cmd) => evidence::run(cmd, cli.json),
        Command::Audit(cmd) => audit::run(cmd, cli.json),
        Command::Bundle(cmd) => bundle::run(cmd, cli.json),
        Command::Device(cmd) => device::run(cmd, cli.json),
        Command::Pki(cmd) => pki::run(cmd, cli.json),
    };
    match result {
        Ok(code) => code,
        Err(err) if broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tekseru: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether the error is only that stdout's reader went away (`tekseru … | head`).
fn broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints a value as pretty JSON on stdout.
fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    out!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
