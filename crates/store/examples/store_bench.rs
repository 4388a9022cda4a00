//! The store's benchmarks, run in release mode by `cargo xtask bench` (which also runs the
//! reference measurements and prints the table). Each command prints one line of JSON.
//!
//! - `import FILE STORE_DIR`: creates a store in STORE_DIR (which must not exist), imports
//!   FILE as evidence, and reports the import's time and the process's peak RSS.
//! - `populate STORE_DIR`: creates a store holding one inspection of a 312-item checklist with
//!   300 answered items and 2,000 evidence files; reports the inspection and an item to list.
//! - `open STORE_DIR INSPECTION ITEM`: opens the store and lists the item's evidence, timing
//!   both, then times the key derivation alone (Argon2id with the store's own parameters).
//! - `merged DIR`: makes, under DIR, one store holding an inspection answered by 9 devices
//!   (300 items each, on their own laptops, then exchanged) and one holding the same 2,700
//!   answers made on one device; reports both inspections.
//! - `load STORE_DIR INSPECTION`: opens the store and reads the inspection, timing both.
//! - `thumbnails PHOTOS N DIR OUT`: creates a store in DIR, attaches the first N
//!   `photo-NNN.jpg` of PHOTOS, times making their thumbnails (first request) and getting
//!   them again (cached), and writes them to OUT under the same names: the photos as the app
//!   gives them to the act.
//! - `checklist OUT_DIR`: writes the 312-item checklist of `populate` to
//!   `OUT_DIR/bench-large.toml` (with the law it cites in `OUT_DIR/sources/`) and the ids and
//!   kinds of its first 300 items to `OUT_DIR/items.txt`, for the command line's benchmark.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tekseru_core::{Bin, Checklist, ItemKind, Roster, Verdict};
use tekseru_store::{AnswerChange, NewInspection, Store};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const PASS: &str = "bench passphrase";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Err(e) = run(&args) {
        eprintln!("store_bench: {e}");
        std::process::exit(2);
    }
}

fn run(args: &[&str]) -> Result<()> {
    match args {
        ["import", file, dir] => import(Path::new(file), Path::new(dir)),
        ["populate", dir] => populate(Path::new(dir)),
        ["checklist", dir] => checklist_files(Path::new(dir)),
        ["open", dir, id, item] => open(Path::new(dir), id, item),
        ["merged", dir] => merged(Path::new(dir)),
        ["load", dir, id] => load(Path::new(dir), id),
        ["thumbnails", photos, n, dir, out] => thumbnails(
            Path::new(photos),
            n.parse()?,
            Path::new(dir),
            Path::new(out),
        ),
        _ => Err(
            "usage: store_bench import FILE DIR | populate DIR | open DIR ID ITEM | \
                  merged DIR | load DIR ID | thumbnails PHOTOS N DIR OUT | checklist OUT_DIR"
                .into(),
        ),
    }
}

/// A field of /proc/self/status in KiB (`VmHWM`: peak resident set size, `VmRSS`: now).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn vm_hwm_kib() -> u64 {
    status_kib("VmHWM")
}

fn roster() -> Result<Roster> {
    Ok(serde_json::from_str(
        r#"[
        {"name":"Әсел Жұмабаева","iin":"810315400008","role":"chair","body":"committee"},
        {"name":"Гүлнар Есенова","iin":"791130400009","role":"member","body":"techreg"},
        {"name":"Ерлан Қасымов","iin":"850214300001","role":"member","body":"knb"}
    ]"#,
    )?)
}

fn inspection(store: &mut Store, checklist: Checklist) -> Result<String> {
    Ok(store.new_inspection(NewInspection {
        checklist,
        ca_name: "«Сенім» КО".into(),
        bin: Bin::parse("050440001000")?,
        site: "Астана".into(),
        roster: roster()?,
        training: false,
        settings: None,
    })?)
}

fn onsite() -> Result<Checklist> {
    Ok(tekseru_core::catalog::embedded()?
        .into_iter()
        .find(|c| c.id == "ca-accreditation-onsite")
        .ok_or("no on-site checklist")?)
}

fn import(file: &Path, dir: &Path) -> Result<()> {
    let mut store = Store::create(dir, PASS, "Bench", None)?;
    let id = inspection(&mut store, onsite()?)?;
    // The key derivation's 19 MiB were the peak so far; the import's own peak is measured
    // from here, after resetting the peak to the current size (Linux 4.0+).
    let process_peak = vm_hwm_kib();
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_kib("VmRSS");
    let start = Instant::now();
    let evidence = store.add_evidence(&id, None, file, &mut |_, _| true)?;
    let seconds = start.elapsed().as_secs_f64();
    drop(store);
    let peak = vm_hwm_kib();
    println!(
        "{{\"seconds\":{seconds:.4},\"bytes\":{},\"rss_before_kib\":{before},\
         \"import_hwm_kib\":{peak},\"hwm_reset\":{reset},\"process_hwm_kib\":{}}}",
        evidence.bytes,
        process_peak.max(peak)
    );
    Ok(())
}

/// The on-site checklist with its sections repeated (ids suffixed) until it has at least
/// `items` items, loaded through the validating loader like any checklist file.
fn big_checklist(items: usize) -> Result<Checklist> {
    let (dir, path, out) = big_checklist_text(items)?;
    let law = |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
    Ok(Checklist::parse(&out, &path, &law)?)
}

/// The text of [`big_checklist`], with the directory of the file it is made from and that
/// file's path.
fn big_checklist_text(items: usize) -> Result<(PathBuf, PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../checklists");
    let path = dir.join("ca-accreditation-onsite.toml");
    let text = std::fs::read_to_string(&path)?;
    let at = text.find("\n[[sections]]").ok_or("no sections")?;
    let (head, body) = text.split_at(at);
    let per_copy = body.matches("[[sections.items]]").count();
    let copies = items.div_ceil(per_copy.max(1));
    let mut out = head.replacen(
        "id = \"ca-accreditation-onsite\"",
        "id = \"bench-large\"",
        1,
    );
    for copy in 0..copies {
        for line in body.lines() {
            match line
                .strip_prefix("id = \"")
                .and_then(|l| l.strip_suffix('"'))
            {
                Some(id) => out.push_str(&format!("id = \"{id}-{copy}\"")),
                None => out.push_str(line),
            }
            out.push('\n');
        }
    }
    Ok((dir, path, out))
}

fn checklist_files(out_dir: &Path) -> Result<()> {
    const ANSWERED: usize = 300;
    let checklist = big_checklist(ANSWERED)?;
    let (dir, _, text) = big_checklist_text(ANSWERED)?;
    std::fs::create_dir_all(out_dir.join("sources"))?;
    std::fs::write(out_dir.join("bench-large.toml"), text)?;
    let law = &checklist.source.text;
    std::fs::copy(dir.join(law), out_dir.join(law))?;
    let items: String = checklist
        .items()
        .take(ANSWERED)
        .map(|(_, i)| format!("{} {}\n", i.id, i.kind))
        .collect();
    std::fs::write(out_dir.join("items.txt"), items)?;
    println!(
        "{{\"checklist\":\"{}\",\"items\":{}}}",
        checklist.id,
        checklist.items().count()
    );
    Ok(())
}

/// Everything `from` has of the inspection that `to` lacks, imported into `to`.
fn exchange(from: &Store, to: &mut Store, id: &str) -> Result<()> {
    let theirs = to
        .version_vector(id)
        .unwrap_or_else(|_| tekseru_ledger::VersionVector::new());
    let out = from.outgoing(id, &theirs)?;
    let accept: Vec<String> = out.devices.iter().map(|d| d.fingerprint()).collect();
    to.import(
        tekseru_store::Incoming {
            inspection: out.inspection,
            events: out.events,
            devices: out.devices,
            blobs: Vec::new(),
        },
        &accept,
    )?;
    Ok(())
}

fn answer_item(store: &mut Store, id: &str, n: usize, item: &str, kind: ItemKind) -> Result<()> {
    let verdict = match kind {
        ItemKind::Measure | ItemKind::Inventory => Verdict::NotApplicable,
        _ if n % 7 == 3 => Verdict::Fails,
        _ => Verdict::Complies,
    };
    store.answer(
        id,
        item,
        AnswerChange {
            verdict: Some(Some(verdict)),
            note: Some(Some(format!("Тексерілді, №{n}: құжат пен нақты жағдай"))),
            ..AnswerChange::default()
        },
    )?;
    Ok(())
}

fn merged(dir: &Path) -> Result<()> {
    const DEVICES: usize = 9;
    const EACH: usize = 300;
    let start = Instant::now();
    let checklist = big_checklist(DEVICES * EACH)?;
    let items: Vec<(String, ItemKind)> = checklist
        .items()
        .take(DEVICES * EACH)
        .map(|(_, i)| (i.id.clone(), i.kind))
        .collect();
    // One device, every answer.
    let mut single = Store::create(&dir.join("single"), PASS, "Bench", None)?;
    let single_id = inspection(&mut single, checklist.clone())?;
    for (n, (item, kind)) in items.iter().enumerate() {
        answer_item(&mut single, &single_id, n, item, *kind)?;
    }
    drop(single);
    // Nine devices, each answering its share on its own laptop, then all gathered in the first.
    let mut stores = Vec::new();
    for d in 0..DEVICES {
        stores.push(Store::create(
            &dir.join(format!("device-{d}")),
            PASS,
            &format!("Bench {d}"),
            None,
        )?);
    }
    let (first, others) = stores.split_first_mut().ok_or("no devices")?;
    let id = inspection(first, checklist)?;
    for other in others.iter_mut() {
        exchange(first, other, &id)?;
    }
    for (d, store) in stores.iter_mut().enumerate() {
        for (n, (item, kind)) in items.iter().enumerate().skip(d * EACH).take(EACH) {
            answer_item(store, &id, n, item, *kind)?;
        }
    }
    let (first, others) = stores.split_first_mut().ok_or("no devices")?;
    for other in others.iter() {
        exchange(other, first, &id)?;
    }
    let answered = first.inspection(&id)?.answers.len();
    println!(
        "{{\"seconds\":{:.2},\"single\":\"{}\",\"single_inspection\":\"{single_id}\",\
         \"merged\":\"{}\",\"merged_inspection\":\"{id}\",\"answered\":{answered}}}",
        start.elapsed().as_secs_f64(),
        dir.join("single").display(),
        dir.join("device-0").display()
    );
    Ok(())
}

fn load(dir: &Path, id: &str) -> Result<()> {
    let start = Instant::now();
    let store = Store::open(dir, PASS)?;
    let opened = start.elapsed();
    let inspection = store.inspection(id)?;
    let total = start.elapsed();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{{\"open_ms\":{:.3},\"load_ms\":{:.3},\"total_ms\":{:.3},\"answers\":{}}}",
        ms(opened),
        ms(total - opened),
        ms(total),
        inspection.answers.len()
    );
    Ok(())
}

fn populate(dir: &Path) -> Result<()> {
    const ANSWERED: usize = 300;
    const EVIDENCE: usize = 2000;
    let start = Instant::now();
    let checklist = big_checklist(ANSWERED)?;
    let total = checklist.items().count();
    let items: Vec<(String, ItemKind)> = checklist
        .items()
        .take(ANSWERED)
        .map(|(_, i)| (i.id.clone(), i.kind))
        .collect();
    let mut store = Store::create(dir, PASS, "Bench", None)?;
    let id = inspection(&mut store, checklist)?;
    for (n, (item, kind)) in items.iter().enumerate() {
        let verdict = match kind {
            ItemKind::Measure | ItemKind::Inventory => Verdict::NotApplicable,
            _ if n % 7 == 3 => Verdict::Fails,
            _ => Verdict::Complies,
        };
        store.answer(
            &id,
            item,
            AnswerChange {
                verdict: Some(Some(verdict)),
                note: Some(Some(format!("Тексерілді, №{n}: құжат пен нақты жағдай"))),
                ..AnswerChange::default()
            },
        )?;
    }
    let files = dir.with_extension("files");
    std::fs::create_dir_all(&files)?;
    for n in 0..EVIDENCE {
        let path = files.join(format!("evidence-{n:04}.txt"));
        let line = format!("evidence {n}: журнал жазбасы, серверлік үй-жай\n");
        std::fs::write(&path, line.repeat(40 + n % 60))?;
        let item = &items[n % items.len()].0;
        store.add_evidence(&id, Some(item), &path, &mut |_, _| true)?;
        std::fs::remove_file(&path)?;
    }
    std::fs::remove_dir(&files)?;
    // The first item has the most evidence (2000 = 6 × 300 + 200: items 0–199 have 7).
    let item = &items[0].0;
    let listed = store.evidence_of_item(&id, item)?.len();
    println!(
        "{{\"seconds\":{:.2},\"items\":{total},\"answered\":{ANSWERED},\"evidence\":{EVIDENCE},\
         \"inspection\":\"{id}\",\"item\":\"{item}\",\"listed\":{listed}}}",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn open(dir: &Path, id: &str, item: &str) -> Result<()> {
    let start = Instant::now();
    let store = Store::open(dir, PASS)?;
    let opened = start.elapsed();
    let listed = store.evidence_of_item(id, item)?;
    let total = start.elapsed();
    let list = total - opened;
    drop(store);
    // The key derivation alone, as Store::open does it (parameters and salt from store.toml).
    let header: toml::Value = toml::from_str(&std::fs::read_to_string(dir.join("store.toml"))?)?;
    let number = |key: &str| -> Result<u32> {
        Ok(u32::try_from(
            header
                .get(key)
                .and_then(toml::Value::as_integer)
                .ok_or("store.toml lacks a KDF parameter")?,
        )?)
    };
    let salt = header
        .get("salt")
        .and_then(toml::Value::as_str)
        .ok_or("store.toml lacks the salt")?;
    let salt: Vec<u8> = (0..salt.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(salt.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<std::result::Result<_, _>>()?;
    let params = argon2::Params::new(
        number("m_cost_kib")?,
        number("t_cost")?,
        number("p_cost")?,
        Some(32),
    )
    .map_err(|e| e.to_string())?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = [0u8; 32];
    let kdf_start = Instant::now();
    argon
        .hash_password_into(PASS.as_bytes(), &salt, &mut key)
        .map_err(|e| e.to_string())?;
    let kdf = kdf_start.elapsed();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{{\"open_ms\":{:.3},\"list_ms\":{:.3},\"total_ms\":{:.3},\"kdf_ms\":{:.3},\"listed\":{}}}",
        ms(opened),
        ms(list),
        ms(total),
        ms(kdf),
        listed.len()
    );
    Ok(())
}

fn thumbnails(photos: &Path, count: usize, dir: &Path, out: &Path) -> Result<()> {
    let mut store = Store::create(dir, PASS, "Bench", None)?;
    let id = inspection(&mut store, onsite()?)?;
    let mut hashes = Vec::new();
    for n in 0..count {
        let path = photos.join(format!("photo-{n:03}.jpg"));
        let evidence = store.add_evidence(
            &id,
            Some("server-room.ceiling-height"),
            &path,
            &mut |_, _| true,
        )?;
        hashes.push(evidence.sha256);
    }
    let start = Instant::now();
    let mut made = Vec::new();
    for sha256 in &hashes {
        made.push(store.thumbnail(sha256)?.ok_or("a photo got no thumbnail")?);
    }
    let cold = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for sha256 in &hashes {
        std::hint::black_box(store.thumbnail(sha256)?);
    }
    let warm = start.elapsed().as_secs_f64();
    std::fs::create_dir_all(out)?;
    for (n, jpeg) in made.iter().enumerate() {
        std::fs::write(out.join(format!("photo-{n:03}.jpg")), jpeg)?;
    }
    println!(
        "{{\"count\":{},\"cold_seconds\":{cold:.4},\"warm_seconds\":{warm:.4},\"thumbnail_bytes\":{}}}",
        hashes.len(),
        made.iter().map(Vec::len).sum::<usize>()
    );
    Ok(())
}
