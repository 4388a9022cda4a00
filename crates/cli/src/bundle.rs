//! `tekseru bundle`: an inspection's events and evidence carried between laptops on a USB
//! stick, encrypted to the receiving device's key or to a passphrase.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use serde::Serialize;
use tekseru_bundle::{BundleError, Decryption, Encryption, Limits, Sealing};
use tekseru_ledger::{DeviceId, PublicKey, VersionVector};
use tekseru_store::StoreError;
use zeroize::Zeroizing;

use crate::store::StoreArgs;

#[derive(clap::Subcommand)]
pub(crate) enum BundleCmd {
    /// Write an inspection's events and evidence into one file, for a colleague's laptop.
    /// Choose who can open it: --to their device's public key (`tekseru device show` on
    /// their laptop), --passphrase-env, or --plain.
    Export {
        /// The inspection's id.
        id: String,
        /// The bundle file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// What the receiver holds already, per device (`tekseru bundle since ID` on the
        /// receiving laptop prints these); the bundle holds only what comes after. Without
        /// it, everything.
        #[arg(long, value_name = "DEVICE:SEQ")]
        since: Vec<String>,
        /// Encrypt to this device's public key (`ed25519:…`); repeat for several devices.
        #[arg(long = "to", value_name = "PUBLIC_KEY", conflicts_with_all = ["passphrase_env", "plain"])]
        to: Vec<String>,
        /// Encrypt to the passphrase held in this environment variable.
        #[arg(long, value_name = "VAR", conflicts_with = "plain")]
        passphrase_env: Option<String>,
        /// Do not encrypt: anyone holding the file reads the inspection and its evidence.
        #[arg(long)]
        plain: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Verify a bundle whole (every signature, hash and size) and import it all or
    /// nothing. Opened with this store's device key, or --passphrase-env.
    Import {
        /// The bundle file.
        file: PathBuf,
        /// Accept the device with this fingerprint (after comparing it with what
        /// `tekseru device show` prints on that laptop); repeat for several.
        #[arg(long = "accept-device", value_name = "FINGERPRINT")]
        accept_device: Vec<String>,
        /// The passphrase of a bundle encrypted to one, held in this environment variable.
        #[arg(long, value_name = "VAR")]
        passphrase_env: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print what this store holds of an inspection, as the `--since` arguments a colleague
    /// gives `bundle export` to send only what is missing here.
    Since {
        /// The inspection's id.
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub(crate) fn run(cmd: BundleCmd, json: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        BundleCmd::Export {
            id,
            output,
            since,
            to,
            passphrase_env,
            plain,
            store,
        } => export(
            &id,
            &output,
            &since,
            &to,
            passphrase_env.as_deref(),
            plain,
            &store,
            json,
        ),
        BundleCmd::Import {
            file,
            accept_device,
            passphrase_env,
            store,
        } => import(
            &file,
            &accept_device,
            passphrase_env.as_deref(),
            &store,
            json,
        ),
        BundleCmd::Since { id, store } => {
            let store = store.open(false)?;
            let vector = store.version_vector(&id)?;
            if json {
                crate::print_json(&serde_json::json!({
                    "inspection": id,
                    "vector": vector,
                    "since": since_args(&vector),
                }))?;
            } else {
                out!("{}", since_args(&vector).join(" "));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn since_args(vector: &VersionVector) -> Vec<String> {
    vector
        .iter()
        .map(|(device, seq)| format!("--since {device}:{seq}"))
        .collect()
}

/// `DEVICE:SEQ`, repeated, as a version vector.
fn parse_since(args: &[String]) -> anyhow::Result<VersionVector> {
    let mut vector = VersionVector::new();
    for arg in args {
        let (device, seq) = arg.split_once(':').with_context(|| {
            format!("--since {arg}: expected DEVICE:SEQ, as `tekseru bundle since` prints")
        })?;
        let device: DeviceId = device.parse().with_context(|| format!("--since {arg}"))?;
        let seq: u64 = seq
            .parse()
            .with_context(|| format!("--since {arg}: the sequence number is not a whole number"))?;
        if vector.get(&device) != 0 {
            bail!("--since names device {device} twice");
        }
        vector.observe(&device, seq);
    }
    Ok(vector)
}

/// The passphrase in the environment variable `var`.
fn passphrase_from(var: &str) -> anyhow::Result<Zeroizing<String>> {
    let value = Zeroizing::new(
        std::env::var(var)
            .with_context(|| format!("--passphrase-env {var}: the variable is not set"))?,
    );
    if value.is_empty() {
        bail!("--passphrase-env {var}: the variable is empty");
    }
    Ok(value)
}

#[derive(Serialize)]
struct Exported<'a> {
    file: &'a Path,
    inspection: &'a str,
    events: usize,
    blobs: usize,
    blob_bytes: u64,
    bytes: u64,
    encryption: &'static str,
    recipients: Vec<String>,
    vector: &'a VersionVector,
    since: &'a VersionVector,
}

#[allow(clippy::too_many_arguments)]
fn export(
    id: &str,
    output: &Path,
    since: &[String],
    to: &[String],
    passphrase_env: Option<&str>,
    plain: bool,
    store: &StoreArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let theirs = parse_since(since)?;
    let encryption = if !to.is_empty() {
        let keys = to
            .iter()
            .map(|t| {
                t.parse::<PublicKey>()
                    .with_context(|| format!("--to {t}: `tekseru device show` on the receiving laptop prints its public key"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Encryption::ToDevices(keys)
    } else if let Some(var) = passphrase_env {
        Encryption::Passphrase {
            passphrase: passphrase_from(var)?,
            work_factor: None,
        }
    } else if plain {
        Encryption::Plain
    } else {
        bail!(
            "say who can open the bundle: --to PUBLIC_KEY (the receiving device's, from `tekseru device show` on that laptop), \
             --passphrase-env VAR (a passphrase you tell them apart), or --plain (not encrypted)"
        );
    };
    let (kind, recipients) = match &encryption {
        Encryption::ToDevices(keys) => ("devices", keys.iter().map(|k| k.fingerprint()).collect()),
        Encryption::Passphrase { .. } => ("passphrase", Vec::new()),
        Encryption::Plain => ("plain", Vec::new()),
    };

    let store = store.open(false)?;
    let contents = tekseru_workflow::exchange::bundle_contents(&store, id, &theirs)?;
    let vector = contents.vector.clone();
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".tekseru-bundle-")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write in '{}'", dir.display()))?;
    let manifest = tekseru_bundle::write(
        tmp.as_file(),
        &contents,
        |b| store.blob_reader(&b.sha256).map_err(io::Error::other),
        &encryption,
        store.device_key(),
    )?
    .manifest;
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write '{}'", output.display()))?;
    let bytes = tmp.as_file().metadata().map(|m| m.len()).unwrap_or(0);
    tmp.persist(output)
        .with_context(|| format!("cannot write '{}'", output.display()))?;
    if plain {
        eprintln!(
            "tekseru: warning: '{}' is not encrypted: anyone who holds it reads the inspection and its evidence",
            output.display()
        );
    }
    let report = Exported {
        file: output,
        inspection: id,
        events: manifest.events.len(),
        blobs: manifest.blobs.len(),
        blob_bytes: manifest.blobs.iter().map(|b| b.bytes).sum(),
        bytes,
        encryption: kind,
        recipients,
        vector: &vector,
        since: &theirs,
    };
    if json {
        crate::print_json(&report)?;
    } else {
        out!(
            "wrote '{}': {} events, {} evidence files ({} bytes), {}",
            output.display(),
            report.events,
            report.blobs,
            report.blob_bytes,
            match kind {
                "devices" => format!("encrypted to {} device(s)", report.recipients.len()),
                "passphrase" => "encrypted to a passphrase".to_owned(),
                _ => "NOT encrypted".to_owned(),
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Imported<'a> {
    file: &'a Path,
    inspection: &'a str,
    encryption: &'static str,
    exporter: Device<'a>,
    new_events: usize,
    known_events: usize,
    new_blobs: usize,
    devices_accepted: &'a [String],
    conflicts: usize,
}

#[derive(Serialize)]
struct Device<'a> {
    id: String,
    fingerprint: String,
    inspector: &'a str,
}

fn import(
    file: &Path,
    accept: &[String],
    passphrase_env: Option<&str>,
    store: &StoreArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let passphrase = passphrase_env.map(passphrase_from).transpose()?;
    let input = File::open(file).with_context(|| format!("cannot open '{}'", file.display()))?;
    // A new laptop's first bundle (encrypted to a passphrase) may make its store.
    let mut store = store.open(true)?;
    let staging = store.staging_dir()?;
    let decryption = Decryption {
        device: Some(store.device_key()),
        passphrase,
    };
    let verified = tekseru_bundle::read(
        BufReader::with_capacity(1 << 20, input),
        &decryption,
        &Limits::default(),
        &staging,
    )
    .map_err(|e| explain(e, &store.device().public_key, file))?;
    let sealing = match verified.sealing {
        Sealing::Device => "device",
        Sealing::Passphrase => "passphrase",
        Sealing::Plain => "plain",
    };
    let exporter = verified.exporter().clone();
    let inspection = verified.manifest.inspection.clone();
    let incoming = tekseru_workflow::exchange::incoming(&verified);
    let result = store.import(incoming, accept);
    // What the store did not move in is deleted from the staging directory.
    drop(verified);
    let report = match result {
        Ok(report) => report,
        Err(StoreError::UnknownDevice {
            fingerprint,
            inspector,
        }) => {
            bail!(
                "the bundle holds events of a device this store has not accepted\n\
                 \x20 inspector:   {inspector}\n\
                 \x20 fingerprint: {fingerprint}\n\
                 Compare this fingerprint with the one `tekseru device show` prints on that inspector's laptop \
                 (in person or by phone, not by the channel the bundle came through). If they are the same, import again with:\n\
                 \x20 tekseru bundle import {} --accept-device {fingerprint}",
                file.display()
            );
        }
        Err(e) => return Err(e).context(format!("'{}' was not imported", file.display())),
    };
    if sealing == "plain" && !json {
        eprintln!("tekseru: note: '{}' was not encrypted", file.display());
    }
    let out = Imported {
        file,
        inspection: &inspection,
        encryption: sealing,
        exporter: Device {
            id: exporter.public_key.id().to_string(),
            fingerprint: exporter.public_key.fingerprint(),
            inspector: &exporter.inspector_name,
        },
        new_events: report.new_events,
        known_events: report.known_events,
        new_blobs: report.new_blobs,
        devices_accepted: &report.devices_accepted,
        conflicts: report.conflicts,
    };
    if json {
        crate::print_json(&out)?;
    } else {
        out!(
            "imported '{}' into inspection {}: {} new events ({} already here), {} new evidence files",
            file.display(),
            inspection,
            out.new_events,
            out.known_events,
            out.new_blobs
        );
        for fp in &report.devices_accepted {
            out!("accepted device {fp}");
        }
        if out.conflicts > 0 {
            out!(
                "{} conflicts to resolve: `tekseru inspection show {inspection}`",
                out.conflicts
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A refusal, with what to do about it where there is something to do.
fn explain(e: BundleError, own: &PublicKey, file: &Path) -> anyhow::Error {
    match e {
        BundleError::NeedsPassphrase => anyhow::anyhow!(
            "'{}' is encrypted to a passphrase: put it in an environment variable and give --passphrase-env VAR",
            file.display()
        ),
        BundleError::NotForThisDevice { .. } => anyhow::anyhow!(
            "'{}' is not encrypted to this device; ask its sender to export it with --to {own}",
            file.display()
        ),
        e => anyhow::Error::new(e).context(format!(
            "'{}' was refused; nothing was imported",
            file.display()
        )),
    }
}
