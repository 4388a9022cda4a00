//! `tekseru sync enrol` and `tekseru sync`: this laptop's store with HQ.
//!
//! A sync of an inspection: HQ's vector → the store's `outgoing` for it → evidence HQ lacks
//! uploaded (resumable) → events pushed → what HQ holds beyond the store's vector pulled →
//! the blobs those events reference and the store lacks downloaded into the store's staging
//! dir → `Store::import` (all or nothing). HQ's enrolled devices are accepted on the way:
//! HQ, whose certificate is pinned, vouches for them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use tekseru_ledger::VersionVector;
use tekseru_store::{Incoming, StagedBlob, Store};
use tekseru_sync::api::PushRequest;
use tekseru_sync::client::{Client, ClientError};
use tekseru_sync::{DeviceCard, ErrorCode};

use crate::store::StoreArgs;

#[derive(clap::Args)]
pub(crate) struct SyncArgs {
    #[command(subcommand)]
    enrol: Option<SyncCmd>,
    /// HQ's URL (https://HOST:PORT); default the one enrolled with.
    #[arg(long)]
    hq: Option<String>,
    /// The inspections to sync; default every one of this store and every one HQ holds for
    /// this inspector.
    ids: Vec<String>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(clap::Subcommand)]
pub(crate) enum SyncCmd {
    /// Register this store's device with HQ, with a one-time token from `hq token`.
    Enrol {
        /// HQ's URL (https://HOST:PORT).
        #[arg(long)]
        hq: String,
        /// The token.
        #[arg(long)]
        token: String,
        /// The SHA-256 of HQ's certificate, as `hq init` printed it. Without it the
        /// certificate seen now is remembered (trust on first use).
        #[arg(long)]
        pin: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Events a push carries at most (an event is a few KiB; the creation event, which copies
/// the checklist, some hundreds).
const PUSH_BATCH: usize = 200;

/// What the store remembers of HQ: `<store>/hq.json`.
#[derive(Serialize, Deserialize)]
struct Remembered {
    url: String,
    cert_sha256: String,
}

fn remembered_path(dir: &Path) -> PathBuf {
    dir.join("hq.json")
}

#[derive(Default, Serialize)]
struct Report {
    pushed_events: usize,
    pulled_events: usize,
    sent_bytes: u64,
    received_bytes: u64,
    conflicts: usize,
}

pub(crate) fn run(args: SyncArgs, json: bool) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    if let Some(SyncCmd::Enrol {
        hq,
        token,
        pin,
        store,
    }) = args.enrol
    {
        let dir = store.dir()?;
        let store = store.open(false)?;
        let card = store.device();
        let client = Client::new(&hq, pin.as_deref(), own_key(&store)?)?;
        let enrolled = rt.block_on(client.enrol(&token, &card.inspector_name))?;
        let cert_sha256 = client
            .seen_fingerprint()
            .context("HQ presented no certificate")?;
        let remembered = Remembered {
            url: hq.clone(),
            cert_sha256: cert_sha256.clone(),
        };
        std::fs::write(
            remembered_path(&dir),
            serde_json::to_vec_pretty(&remembered)?,
        )
        .with_context(|| format!("remembering HQ in {}", dir.display()))?;
        if json {
            crate::print_json(&serde_json::json!({
                "device": enrolled.device, "inspector_iin": enrolled.inspector_iin,
                "hq": hq, "cert_sha256": cert_sha256,
            }))?;
        } else {
            out!(
                "enrolled device {} at {hq} (certificate {cert_sha256})",
                enrolled.device
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let dir = args.store.dir()?;
    let text = std::fs::read(remembered_path(&dir)).with_context(|| {
        format!(
            "this store is not enrolled with HQ: run `tekseru sync enrol` first ({})",
            dir.display()
        )
    })?;
    let remembered: Remembered = serde_json::from_slice(&text)
        .with_context(|| format!("{} does not read", remembered_path(&dir).display()))?;
    let url = args.hq.unwrap_or(remembered.url);
    let mut store = args.store.open(false)?;
    let client = Client::new(&url, Some(&remembered.cert_sha256), own_key(&store)?)?;
    let mut ids: BTreeSet<String> = args.ids.into_iter().collect();
    if ids.is_empty() {
        ids.extend(store.inspections()?.into_iter().map(|s| s.id));
        ids.extend(rt.block_on(client.inspections())?);
    }
    let mut report = Report::default();
    for id in &ids {
        rt.block_on(sync_one(&client, &mut store, id, &mut report))
            .with_context(|| format!("syncing inspection {id}"))?;
    }
    if json {
        crate::print_json(&report)?;
    } else {
        out!(
            "pushed {} events and {} bytes of evidence, pulled {} events and {} bytes; {} conflicts open",
            report.pushed_events,
            report.sent_bytes,
            report.pulled_events,
            report.received_bytes,
            report.conflicts
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn held_locally(store: &Store, id: &str) -> anyhow::Result<bool> {
    Ok(store.inspections()?.iter().any(|s| s.id == id))
}

/// The blobs an event's body references: `(sha256, bytes)` of evidence and acts.
fn referenced(body: &serde_json::Value) -> Option<(String, u64)> {
    let change = body.get("change").unwrap_or(body);
    let inner = match change.get("action")?.as_str()? {
        "evidence_added" => change.get("evidence")?,
        "act_stored" => change.get("act")?,
        _ => return None,
    };
    Some((
        inner.get("sha256")?.as_str()?.to_owned(),
        inner.get("bytes")?.as_u64()?,
    ))
}

async fn sync_one(
    client: &Client,
    store: &mut Store,
    id: &str,
    report: &mut Report,
) -> anyhow::Result<()> {
    let local = held_locally(store, id)?;
    let (theirs, known) = match client.vector(id).await {
        Ok(v) => (v, true),
        Err(ClientError::Refused { body, .. }) if body.error == ErrorCode::UnknownInspection => {
            (VersionVector::new(), false)
        }
        Err(e) => return Err(e.into()),
    };
    if local {
        let outgoing = store.outgoing(id, &theirs)?;
        let cards: Vec<DeviceCard> = outgoing
            .devices
            .iter()
            .map(|c| DeviceCard {
                public_key: c.public_key,
                inspector_name: c.inspector_name.clone(),
                inspector_iin: c.inspector_iin.clone(),
            })
            .collect();
        // HQ authorises blobs by the inspection's roster: a new inspection's creation event
        // (first in the DAG's order) goes first.
        if let (false, Some(first)) = (known, outgoing.events.first()) {
            let push = PushRequest {
                devices: cards.clone(),
                events: vec![first.clone()],
            };
            report.pushed_events += client.push(id, &push).await?.new_events;
        }
        // Evidence first, so that HQ never holds an event whose blob it lacks.
        for blob in &outgoing.blobs {
            let reader = store.blob_reader(&blob.sha256)?;
            report.sent_bytes += client
                .upload(id, &blob.sha256, blob.bytes, reader, |_| {})
                .await?;
        }
        // In batches, each within HQ's body limit; the DAG's order keeps every batch's
        // `prev` and parents in the batches before it.
        for batch in outgoing.events.chunks(PUSH_BATCH) {
            let push = PushRequest {
                devices: cards.clone(),
                events: batch.to_vec(),
            };
            let pushed = client.push(id, &push).await?;
            report.pushed_events += pushed.new_events;
        }
    }
    let mine = if local {
        store.version_vector(id)?
    } else {
        VersionVector::new()
    };
    let pulled = client.pull(id, &mine).await?;
    if pulled.events.is_empty() {
        return Ok(());
    }
    let staging = store.staging_dir()?;
    let mut blobs = Vec::new();
    let wanted: BTreeSet<(String, u64)> = pulled
        .events
        .iter()
        .filter_map(|e| referenced(&e.event.body))
        .collect();
    for (sha256, bytes) in wanted {
        if store.blob_reader(&sha256).is_ok() {
            continue;
        }
        let path = staging.join(format!("hq-{sha256}"));
        let file = std::fs::File::create(&path)
            .with_context(|| format!("staging blob {sha256} in {}", path.display()))?;
        let got = client
            .download(id, &sha256, std::io::BufWriter::new(file))
            .await?;
        report.received_bytes += got;
        blobs.push(StagedBlob {
            sha256,
            bytes,
            path,
        });
    }
    let accept: Vec<String> = pulled
        .devices
        .iter()
        .map(|c| c.public_key.fingerprint())
        .collect();
    let incoming = Incoming {
        inspection: id.to_owned(),
        events: pulled.events,
        devices: pulled
            .devices
            .into_iter()
            .map(|c| tekseru_store::DeviceCard {
                public_key: c.public_key,
                inspector_name: c.inspector_name,
                inspector_iin: c.inspector_iin,
            })
            .collect(),
        blobs,
    };
    let staged: Vec<PathBuf> = incoming.blobs.iter().map(|b| b.path.clone()).collect();
    let imported = store.import(incoming, &accept);
    for path in staged {
        let _ = std::fs::remove_file(path);
    }
    let imported = imported?;
    report.pulled_events += imported.new_events;
    report.conflicts += imported.conflicts;
    Ok(())
}

/// A copy of the store's device key for the client, which holds it for the whole sync; both
/// copies are wiped from memory when dropped.
fn own_key(store: &Store) -> anyhow::Result<tekseru_ledger::DeviceKey> {
    Ok(tekseru_ledger::DeviceKey::from_secret(
        store.device_key().secret().as_slice(),
    )?)
}
