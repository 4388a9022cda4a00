//! The bundle import's benchmark, run in release mode by `cargo xtask bench`:
//! `bundle_bench FILE DIR` makes two stores under DIR (which must not exist), attaches FILE
//! as evidence in the first, exports the inspection as a bundle encrypted to the second's
//! device, and times the second's import of it: reading, decrypting and verifying the
//! bundle, staging its blob, and `Store::import`. Prints one line of JSON.

use std::error::Error;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

use tekseru_bundle::{BlobRef, Contents, Decryption, DeviceCard, Encryption, Limits};
use tekseru_core::{catalog, Bin, Roster};
use tekseru_ledger::VersionVector;
use tekseru_store::{Incoming, NewInspection, StagedBlob, Store};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const PASS: &str = "bench passphrase";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [file, dir] => run(Path::new(file), Path::new(dir)),
        _ => Err("usage: bundle_bench FILE DIR".into()),
    };
    if let Err(e) = result {
        eprintln!("bundle_bench: {e}");
        std::process::exit(2);
    }
}

fn card(c: &tekseru_store::DeviceCard) -> DeviceCard {
    DeviceCard {
        public_key: c.public_key,
        inspector_name: c.inspector_name.clone(),
        inspector_iin: c.inspector_iin.clone(),
    }
}

fn run(file: &Path, dir: &Path) -> Result<()> {
    let mut a = Store::create(&dir.join("a"), PASS, "Aida", None)?;
    let b = Store::create(&dir.join("b"), PASS, "Bolat", None)?;
    let checklist = catalog::embedded()?
        .into_iter()
        .find(|c| c.id == "ca-accreditation-onsite")
        .ok_or("no on-site checklist")?;
    let roster: Roster = serde_json::from_str(
        r#"[{"name":"Әсел Жұмабаева","iin":"810315400008","role":"chair","body":"committee"}]"#,
    )?;
    let id = a.new_inspection(NewInspection {
        checklist,
        ca_name: "«Сенім» КО".into(),
        bin: Bin::parse("050440001000")?,
        site: "Астана".into(),
        roster,
        training: false,
        settings: None,
    })?;
    let start = Instant::now();
    a.add_evidence(&id, None, file, &mut |_, _| true)?;
    let attach = start.elapsed().as_secs_f64();

    let outgoing = a.outgoing(&id, &VersionVector::new())?;
    let contents = Contents {
        inspection: id.clone(),
        exporter: card(&a.device()),
        vector: a.version_vector(&id)?,
        since: VersionVector::new(),
        events: outgoing.events,
        devices: outgoing.devices.iter().map(card).collect(),
        blobs: outgoing
            .blobs
            .iter()
            .map(|r| BlobRef {
                sha256: r.sha256.clone(),
                bytes: r.bytes,
            })
            .collect(),
    };
    let bundle = dir.join("bench.tekseru");
    let start = Instant::now();
    tekseru_bundle::write(
        File::create(&bundle)?,
        &contents,
        |r| a.blob_reader(&r.sha256).map_err(std::io::Error::other),
        &Encryption::ToDevices(vec![b.device().public_key]),
        a.device_key(),
    )?;
    let export = start.elapsed().as_secs_f64();
    let fingerprint = a.device().fingerprint();
    drop(a);

    let mut b = b;
    let start = Instant::now();
    let verified = tekseru_bundle::read(
        BufReader::with_capacity(1 << 20, File::open(&bundle)?),
        &Decryption::device(b.device_key()),
        &Limits::default(),
        &b.staging_dir()?,
    )?;
    let read = start.elapsed().as_secs_f64();
    let incoming = Incoming {
        inspection: verified.manifest.inspection.clone(),
        events: verified.events.clone(),
        devices: verified
            .devices
            .iter()
            .map(|c| tekseru_store::DeviceCard {
                public_key: c.public_key,
                inspector_name: c.inspector_name.clone(),
                inspector_iin: c.inspector_iin.clone(),
            })
            .collect(),
        blobs: verified
            .blobs
            .iter()
            .map(|s| StagedBlob {
                sha256: s.sha256.clone(),
                bytes: s.bytes,
                path: s.path.clone(),
            })
            .collect(),
    };
    let report = b.import(incoming, &[fingerprint])?;
    drop(verified);
    let seconds = start.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(file)?.len();
    println!(
        "{{\"seconds\":{seconds:.4},\"read_seconds\":{read:.4},\"store_seconds\":{:.4},\
         \"attach_seconds\":{attach:.4},\"export_seconds\":{export:.4},\"bytes\":{bytes},\
         \"new_blobs\":{}}}",
        seconds - read,
        report.new_blobs
    );
    Ok(())
}
