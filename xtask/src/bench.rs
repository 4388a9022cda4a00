//! `cargo xtask bench [--quick] [--only crl|cli]`: the benchmarks of the store, the act and the
//! CRL check, each printed as a ratio against a reference measured in the same run, next to
//! the issue's absolute target. `--only crl` runs the CRL benchmark alone; `--only cli` the
//! evidence import and the command line's import-then-render benchmark.
//!
//! The measurements run in release builds of two examples (`store_bench`, `act_bench`), each
//! in a fresh process that reports one line of JSON (times measured inside it, and its peak
//! RSS read from /proc/self/status). Inputs live in `target/bench/` and are reused: random
//! files of 1 and 2 GiB, a store of 300 answered items and 2,000 evidence files, generated
//! photos. `--quick` uses smaller inputs for a smoke run; its verdicts are indicative only.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};

use crate::{cmd, deps};

/// What the benchmarks run besides our code: sha256sum (coreutils), openssl, pdftotext.
/// GNU time reports the command line's peak RSS.
const DEPS: &[&str] = &[
    "pkg-config",
    "libssl-dev",
    "openssl",
    "poppler-utils",
    "time",
];

const MIB: u64 = 1 << 20;

struct Sizes {
    /// The file whose import is compared with sha256sum.
    throughput: u64,
    /// The file whose import's peak RSS is measured.
    rss: u64,
    /// Runs of the import and of sha256sum, interleaved.
    import_runs: usize,
    /// Fresh processes opening the store.
    open_runs: usize,
    /// Photos in the act.
    photos: usize,
    /// Grainy small photos making the act to sign about 30 MB.
    sign_photos: usize,
    /// Runs of the small measurements (render with thumbnails, sign, references).
    runs: usize,
}

const FULL: Sizes = Sizes {
    throughput: 1024 * MIB,
    rss: 2048 * MIB,
    import_runs: 3,
    open_runs: 9,
    photos: 200,
    sign_photos: 112,
    runs: 5,
};

const QUICK: Sizes = Sizes {
    throughput: 64 * MIB,
    rss: 128 * MIB,
    import_runs: 1,
    open_runs: 3,
    photos: 20,
    sign_photos: 12,
    runs: 1,
};

/// Items of the act, answered items and evidence files of the store: the same in both modes.
const ITEMS: usize = 300;

pub(crate) fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let mut quick = false;
    let mut only_crl = false;
    let mut only_cli = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            // The app's build profile: for the app's benchmarks, not these.
            "--debug" => {}
            "--only" => match rest.next().map(String::as_str) {
                Some("crl") => only_crl = true,
                Some("cli") => only_cli = true,
                _ => bail!("usage: cargo xtask bench [--quick] [--only crl|cli]"),
            },
            _ => bail!("usage: cargo xtask bench [--quick] [--only crl|cli]"),
        }
    }
    let sizes = if quick { &QUICK } else { &FULL };
    deps::ensure(DEPS)?;
    if only_crl {
        let mut rows = Vec::new();
        machine();
        crl_bench(root, quick, &mut rows)?;
        print_table(&rows);
        return Ok(());
    }
    cmd(
        "cargo",
        &[
            "build",
            "--release",
            "-p",
            "tekseru-store",
            "-p",
            "tekseru-act",
            "-p",
            "tekseru-cli",
            "--example",
            "store_bench",
            "--example",
            "act_bench",
            "--example",
            "bundle_bench",
            // In one invocation, so that the shared dependencies are built once with one
            // set of features (two invocations rebuild them each time).
            "--bin",
            "tekseru",
        ],
    )?;
    let examples = root.join("target/release/examples");
    let bench = Bench {
        store: examples.join("store_bench"),
        act: examples.join("act_bench"),
        bundle: examples.join("bundle_bench"),
        cli: root.join("target/release/tekseru"),
        dir: root.join("target/bench"),
    };
    std::fs::create_dir_all(&bench.dir)?;

    let mut rows = Vec::new();
    println!();
    machine();
    if quick {
        println!("quick run: smaller inputs, so the verdicts are indicative only");
    }
    println!("inputs and scratch stores: {}", bench.dir.display());
    bench.import(sizes, &mut rows)?;
    if only_cli {
        bench.cli_act(sizes, &mut rows)?;
    } else {
        bench.bundle(sizes, &mut rows)?;
        bench.open(sizes, &mut rows)?;
        bench.merged(sizes, &mut rows)?;
        let thumbs = bench.thumbnails(sizes, &mut rows)?;
        bench.render(sizes, &thumbs, &mut rows)?;
        bench.cli_act(sizes, &mut rows)?;
        bench.sign(sizes, &mut rows)?;
        bench.gost(sizes, root, &mut rows)?;
        crl_bench(root, quick, &mut rows)?;
    }
    println!("load average at the end: {}", load_average());
    print_table(&rows);
    // An indented row belongs to the row above it.
    let mut parent = "";
    let mut failed = Vec::new();
    for row in &rows {
        if !row.name.starts_with(' ') {
            parent = &row.name;
        }
        if row.pass == Some(false) {
            failed.push(if row.name.starts_with(' ') {
                format!("{parent}: {}", row.name.trim())
            } else {
                row.name.clone()
            });
        }
    }
    if !failed.is_empty() {
        println!("\nmissing their target:");
        for name in failed {
            println!("- {name}");
        }
    }
    Ok(())
}

/// One line of the table.
struct Row {
    name: String,
    value: String,
    reference: String,
    ratio: String,
    target: String,
    /// `None`: for information, no target.
    pass: Option<bool>,
}

impl Row {
    fn info(name: impl Into<String>, value: String) -> Row {
        Row {
            name: name.into(),
            value,
            reference: String::new(),
            ratio: String::new(),
            target: String::new(),
            pass: None,
        }
    }
}

fn print_table(rows: &[Row]) {
    let headers = [
        "measurement",
        "value",
        "reference",
        "ratio",
        "target",
        "result",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.value.clone(),
                r.reference.clone(),
                r.ratio.clone(),
                r.target.clone(),
                match r.pass {
                    Some(true) => "PASS".to_owned(),
                    Some(false) => "FAIL".to_owned(),
                    None => "info".to_owned(),
                },
            ]
        })
        .collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        println!("| {} |", text.join(" | "));
    };
    println!();
    line(&headers.map(str::to_owned));
    println!(
        "|{}|",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("|")
    );
    for row in &cells {
        line(row);
    }
}

/// The machine: CPU, cores, memory, kernel, and how busy it is.
fn machine() {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let sha_ni = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .is_some_and(|l| l.split_whitespace().any(|f| f == "sha_ni"));
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or_else(String::new, |kib| {
            format!(", {:.1} GiB RAM", kib / 1024.0 / 1024.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    println!(
        "machine: {model} ({}), {cores} CPUs (nproc){memory}, Linux {}",
        if sha_ni {
            "SHA-NI"
        } else {
            "no SHA instructions"
        },
        kernel.trim()
    );
    let version = |program: &str, flag: &str| {
        Command::new(program)
            .arg(flag)
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| format!("{program}: not found"))
    };
    println!(
        "references: {}; {}",
        version("sha256sum", "--version"),
        version("openssl", "version")
    );
    println!("load average at the start: {}", load_average());
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

struct Bench {
    store: PathBuf,
    act: PathBuf,
    bundle: PathBuf,
    /// The release `tekseru` command line.
    cli: PathBuf,
    dir: PathBuf,
}

/// The passphrase of the command line's benchmark store.
const CLI_PASSPHRASE: &str = "bench passphrase";
/// Photos attached per `evidence add` call (and per item) in the command line's benchmark.
const PHOTOS_PER_ITEM: usize = 10;

impl Bench {
    fn import(&self, sizes: &Sizes, rows: &mut Vec<Row>) -> anyhow::Result<()> {
        let file = self.random_file(sizes.throughput)?;
        let store = self.dir.join("import-store");
        let name = file.to_str().context("non-UTF-8 path")?;
        // Once untimed, so that both sides read the file from the page cache.
        timed("sha256sum", &[name])?;
        let mut reference = Vec::new();
        let mut imports = Vec::new();
        for run in 0..sizes.import_runs {
            eprintln!(
                "import {}/{}: sha256sum, then the import",
                run + 1,
                sizes.import_runs
            );
            reference.push(timed("sha256sum", &[name])?);
            remove_dir(&store)?;
            let out = self.json(&self.store, &["import", name, path(&store)?])?;
            imports.push(num(&out, "seconds")?);
            remove_dir(&store)?;
        }
        let mb = sizes.throughput as f64 / 1e6;
        let (ours, theirs) = (mb / median(&mut imports), mb / median(&mut reference));
        rows.push(Row {
            name: format!(
                "evidence import, {} (median of {})",
                human(sizes.throughput),
                sizes.import_runs
            ),
            value: format!("{ours:.0} MB/s"),
            reference: format!("sha256sum {theirs:.0} MB/s"),
            ratio: format!("{:.2}×", ours / theirs),
            target: "≥ 0.70×".to_owned(),
            pass: Some(ours / theirs >= 0.7),
        });

        let big = self.random_file(sizes.rss)?;
        remove_dir(&store)?;
        eprintln!("import of {} for its peak RSS", human(sizes.rss));
        let out = self.json(&self.store, &["import", path(&big)?, path(&store)?])?;
        remove_dir(&store)?;
        let mb = |key: &str| -> anyhow::Result<f64> { Ok(num(&out, key)? * 1024.0 / 1e6) };
        let (peak, before, process) = (
            mb("import_hwm_kib")?,
            mb("rss_before_kib")?,
            mb("process_hwm_kib")?,
        );
        let reset = out.contains("\"hwm_reset\":true");
        rows.push(Row {
            name: format!(
                "peak RSS importing {}{}",
                human(sizes.rss),
                if reset {
                    ""
                } else {
                    " (whole process: the peak could not be reset)"
                }
            ),
            value: format!("{peak:.1} MB"),
            reference: format!("{before:.1} MB before the import"),
            ratio: format!("{:.2}×", peak / before),
            target: "< 100 MB".to_owned(),
            pass: Some(peak < 100.0 && process < 100.0),
        });
        rows.push(Row::info(
            "  the process's peak, with the key derivation",
            format!("{process:.1} MB"),
        ));
        rows.push(Row::info(
            format!("  its throughput ({})", human(sizes.rss)),
            format!("{:.0} MB/s", sizes.rss as f64 / 1e6 / num(&out, "seconds")?),
        ));
        Ok(())
    }

    /// A bundle holding the throughput file as its evidence, encrypted to the receiving
    /// store's device, imported there (read, decrypted, verified, staged, `Store::import`),
    /// against sha256sum of the same file, interleaved.
    fn bundle(&self, sizes: &Sizes, rows: &mut Vec<Row>) -> anyhow::Result<()> {
        let file = self.random_file(sizes.throughput)?;
        let scratch = self.dir.join("bundle-stores");
        let name = file.to_str().context("non-UTF-8 path")?;
        let mut reference = Vec::new();
        let mut imports = Vec::new();
        let mut read = Vec::new();
        for run in 0..sizes.import_runs {
            eprintln!(
                "bundle import {}/{}: sha256sum, then the bundle's import",
                run + 1,
                sizes.import_runs
            );
            reference.push(timed("sha256sum", &[name])?);
            remove_dir(&scratch)?;
            let out = self.json(&self.bundle, &[name, path(&scratch)?])?;
            imports.push(num(&out, "seconds")?);
            read.push(num(&out, "read_seconds")?);
            remove_dir(&scratch)?;
        }
        let mb = sizes.throughput as f64 / 1e6;
        let (ours, theirs) = (mb / median(&mut imports), mb / median(&mut reference));
        rows.push(Row {
            name: format!(
                "bundle import, {} of evidence, encrypted (median of {})",
                human(sizes.throughput),
                sizes.import_runs
            ),
            value: format!("{ours:.0} MB/s"),
            reference: format!("sha256sum {theirs:.0} MB/s"),
            ratio: format!("{:.2}×", ours / theirs),
            target: "≥ 0.70×".to_owned(),
            pass: Some(ours / theirs >= 0.7),
        });
        rows.push(Row::info(
            "  of it: reading, decrypting, verifying and staging the bundle",
            format!("{:.0} MB/s", mb / median(&mut read)),
        ));
        Ok(())
    }

    fn open(&self, sizes: &Sizes, rows: &mut Vec<Row>) -> anyhow::Result<()> {
        let store = self.dir.join("open-store");
        let info = self.dir.join("open-store.json");
        let populated = match std::fs::read_to_string(&info) {
            Ok(text) if store.join("store.toml").exists() => text,
            _ => {
                remove_dir(&store)?;
                eprintln!("making a store of {ITEMS} answered items and 2,000 evidence files");
                let out = self.json(&self.store, &["populate", path(&store)?])?;
                std::fs::write(&info, &out)?;
                out
            }
        };
        let id = text(&populated, "inspection")?;
        let item = text(&populated, "item")?;
        let (mut total, mut open, mut list, mut kdf) = (vec![], vec![], vec![], vec![]);
        let mut listed = 0.0;
        for _ in 0..sizes.open_runs {
            let out = self.json(&self.store, &["open", path(&store)?, &id, &item])?;
            total.push(num(&out, "total_ms")?);
            open.push(num(&out, "open_ms")?);
            list.push(num(&out, "list_ms")?);
            kdf.push(num(&out, "kdf_ms")?);
            listed = num(&out, "listed")?;
        }
        let (total, open, list, kdf) = (
            median(&mut total),
            median(&mut open),
            median(&mut list),
            median(&mut kdf),
        );
        rows.push(Row {
            name: format!(
                "open store ({ITEMS} answered, 2,000 files) + list an item's {listed:.0} files, \
                 fresh process, median of {}",
                sizes.open_runs
            ),
            value: format!("{total:.1} ms"),
            reference: format!("Argon2id alone {kdf:.1} ms"),
            ratio: format!("{:.2}×", total / kdf),
            target: "≤ 50 ms".to_owned(),
            pass: Some(total <= 50.0),
        });
        rows.push(Row::info(
            "  of which Store::open (with the key derivation)",
            format!("{open:.1} ms"),
        ));
        rows.push(Row::info(
            "  of which listing the item's evidence",
            format!("{list:.2} ms"),
        ));
        if kdf > 50.0 {
            println!(
                "note: the key derivation alone (Argon2id, 19 MiB, t=2) takes {kdf:.0} ms here, \
                 more than the 50 ms target for opening and listing"
            );
        }
        Ok(())
    }

    /// Opening an inspection merged from 9 devices (300 answers each) against the same
    /// answers made on one device, each in a fresh process, alternately.
    fn merged(&self, sizes: &Sizes, rows: &mut Vec<Row>) -> anyhow::Result<()> {
        let dir = self.dir.join("merged-stores");
        let info = self.dir.join("merged-stores.json");
        let made = match std::fs::read_to_string(&info) {
            Ok(text) if dir.join("single/store.toml").exists() => text,
            _ => {
                remove_dir(&dir)?;
                std::fs::create_dir_all(&dir)?;
                eprintln!(
                    "making an inspection answered by 9 devices × 300 items, and one by one device"
                );
                let out = self.json(&self.store, &["merged", path(&dir)?])?;
                std::fs::write(&info, &out)?;
                out
            }
        };
        let (single, single_id) = (text(&made, "single")?, text(&made, "single_inspection")?);
        let (merged, merged_id) = (text(&made, "merged")?, text(&made, "merged_inspection")?);
        let (mut one, mut nine) = (vec![], vec![]);
        for _ in 0..sizes.open_runs {
            one.push(num(
                &self.json(&self.store, &["load", &single, &single_id])?,
                "total_ms",
            )?);
            nine.push(num(
                &self.json(&self.store, &["load", &merged, &merged_id])?,
                "total_ms",
            )?);
        }
        let (one, nine) = (median(&mut one), median(&mut nine));
        let ratio = nine / one;
        rows.push(Row {
            name: format!(
                "open an inspection merged from 9 devices × 300 answers, fresh process, median of {}",
                sizes.open_runs
            ),
            value: format!("{nine:.1} ms"),
            reference: format!("same answers, one device {one:.1} ms"),
            ratio: format!("{ratio:.2}×"),
            target: "≤ 1.5×".to_owned(),
            pass: Some(ratio <= 1.5),
        });
        Ok(())
    }

    /// The photos' thumbnails made by the store, as the app gives them to the act.
    fn thumbnails(&self, sizes: &Sizes, rows: &mut Vec<Row>) -> anyhow::Result<PathBuf> {
        let photos = self.photos(sizes.photos)?;
        let store = self.dir.join("thumbnail-store");
        let thumbs = self.dir.join("thumbnails");
        remove_dir(&store)?;
        remove_dir(&thumbs)?;
        eprintln!("thumbnails of {} photos", sizes.photos);
        let out = self.json(
            &self.store,
            &[
                "thumbnails",
                path(&photos)?,
                &sizes.photos.to_string(),
                path(&store)?,
                path(&thumbs)?,
            ],
        )?;
        remove_dir(&store)?;
        let (cold, warm) = (num(&out, "cold_seconds")?, num(&out, "warm_seconds")?);
        rows.push(Row {
            name: format!(
                "thumbnails of {} photos 1600×1200, first request",
                sizes.photos
            ),
            value: format!("{cold:.2} s"),
            reference: format!("cached {:.1} ms", warm * 1000.0),
            ratio: format!("{:.0}×", cold / warm.max(1e-6)),
            target: String::new(),
            pass: None,
        });
        Ok(thumbs)
    }

    fn render(&self, sizes: &Sizes, thumbs: &Path, rows: &mut Vec<Row>) -> anyhow::Result<()> {
        let photos = self.photos(sizes.photos)?;
        for (what, dir, runs) in [
            (
                "as the app passes them (320 px thumbnails)",
                thumbs,
                sizes.runs,
            ),
            ("given whole (1600×1200 JPEG)", photos.as_path(), 1),
        ] {
            let act = self.dir.join("act.pdf");
            let mut times = Vec::new();
            let mut peak: f64 = 0.0;
            let mut out = String::new();
            for _ in 0..runs {
                eprintln!("render: {ITEMS} items, {} photos {what}", sizes.photos);
                out = self.json(
                    &self.act,
                    &[
                        "render",
                        path(dir)?,
                        &ITEMS.to_string(),
                        &sizes.photos.to_string(),
                        path(&act)?,
                    ],
                )?;
                times.push(num(&out, "seconds")?);
                peak = peak.max(num(&out, "vm_hwm_kib")? * 1024.0 / 1e6);
            }
            let seconds = median(&mut times);
            let before = num(&out, "baseline_hwm_kib")? * 1024.0 / 1e6;
            let bytes = num(&out, "bytes")?;
            let mut reference = Vec::new();
            for _ in 0..runs {
                reference.push(timed("pdftotext", &[path(&act)?, "/dev/null"])?);
            }
            let reference = median(&mut reference);
            rows.push(Row {
                name: format!(
                    "render act: {ITEMS} items, {} photos {what}{}",
                    sizes.photos,
                    if runs > 1 {
                        format!(", median of {runs}")
                    } else {
                        String::new()
                    }
                ),
                value: format!("{seconds:.2} s"),
                reference: format!("pdftotext of it {reference:.2} s ({:.1} MB)", bytes / 1e6),
                ratio: format!("{:.1}×", seconds / reference),
                target: "≤ 3 s".to_owned(),
                pass: Some(seconds <= 3.0),
            });
            rows.push(Row {
                name: "  peak RSS of the rendering process".to_owned(),
                value: format!("{peak:.0} MB"),
                reference: format!("{before:.0} MB with the data loaded"),
                ratio: format!("{:.1}×", peak / before),
                target: "≤ 300 MB".to_owned(),
                pass: Some(peak <= 300.0),
            });
            rows.push(Row::info(
                "  of which decoding and downscaling the photos alone",
                format!("{:.2} s", num(&out, "decode_seconds")?),
            ));
        }
        Ok(())
    }

    /// The command line as a commission uses it (issue 14, item 14): an inspection of
    /// {ITEMS} answered items, the photos 1600×1200 attached with `tekseru evidence add` (their
    /// thumbnails made as they are imported), then `tekseru act render`, each a fresh process.
    /// The import against sha256sum of the same photos, interleaved; the render against
    /// pdftotext of the act, with its peak RSS from GNU time.
    fn cli_act(&self, sizes: &Sizes, rows: &mut Vec<Row>) -> anyhow::Result<()> {
        let photos = self.photos(sizes.photos)?;
        let checklists = self.dir.join("cli-checklists");
        let store = self.dir.join("cli-store");
        remove_dir(&checklists)?;
        remove_dir(&store)?;
        self.json(&self.store, &["checklist", path(&checklists)?])?;
        let roster = self.dir.join("cli-roster.json");
        std::fs::write(
            &roster,
            r#"{"members":[
                {"name":"Әсел Жұмабаева","iin":"810315400008","role":"chair","body":"committee"},
                {"name":"Гүлнар Есенова","iin":"791130400009","role":"member","body":"techreg"},
                {"name":"Ерлан Қасымов","iin":"850214300001","role":"member","body":"knb"}]}"#,
        )?;
        let tekseru = |args: &[&str]| -> anyhow::Result<String> {
            let out = Command::new(&self.cli)
                .args(args)
                .env("TEKSERU_DATA_DIR", &store)
                .env("TEKSERU_PASSPHRASE", CLI_PASSPHRASE)
                .env("TEKSERU_CHECKLISTS", &checklists)
                .env("TEKSERU_INSPECTOR", "bench")
                .stderr(Stdio::inherit())
                .output()
                .with_context(|| format!("cannot start {}", self.cli.display()))?;
            if !out.status.success() {
                bail!("tekseru {} failed ({})", args.join(" "), out.status);
            }
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let created = tekseru(&[
            "inspection",
            "new",
            "--checklist",
            "bench-large",
            "--ca",
            "«Сенім» КО",
            "--bin",
            "050440001000",
            "--site",
            "Астана",
            "--roster",
            path(&roster)?,
            "--json",
        ])?;
        let id = text(&created, "id")?;
        let items = std::fs::read_to_string(checklists.join("items.txt"))?;
        let items: Vec<(&str, &str)> = items.lines().filter_map(|l| l.split_once(' ')).collect();
        eprintln!("cli: answering {} items, one process each", items.len());
        for (n, (item, kind)) in items.iter().enumerate() {
            let verdict = match *kind {
                "measure" | "inventory" => "na",
                _ if n % 7 == 3 => "fails",
                _ => "complies",
            };
            let note = format!("Тексерілді, №{n}: құжат пен нақты жағдай");
            tekseru(&[
                "inspection",
                "answer",
                &id,
                item,
                "--verdict",
                verdict,
                "--note",
                &note,
            ])?;
        }
        // The photos, PHOTOS_PER_ITEM to an item, each call timed; sha256sum of the same
        // files right before each call (once untimed first, so both read from the page cache).
        let files: Vec<String> = (0..sizes.photos)
            .map(|n| path(&photos.join(format!("photo-{n:03}.jpg"))).map(str::to_owned))
            .collect::<anyhow::Result<_>>()?;
        let bytes: u64 = files
            .iter()
            .map(|f| std::fs::metadata(f).map(|m| m.len()))
            .sum::<std::io::Result<u64>>()?;
        let all: Vec<&str> = files.iter().map(String::as_str).collect();
        timed("sha256sum", &all)?;
        eprintln!(
            "cli: importing {} photos with `tekseru evidence add`",
            files.len()
        );
        let (mut import, mut reference) = (0.0, 0.0);
        for (chunk, (item, _)) in files.chunks(PHOTOS_PER_ITEM).zip(&items) {
            let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
            reference += timed("sha256sum", &chunk)?;
            let mut args = vec!["evidence", "add", id.as_str(), "--item", item];
            args.extend(&chunk);
            let start = Instant::now();
            tekseru(&args)?;
            import += start.elapsed().as_secs_f64();
        }
        let mb = bytes as f64 / 1e6;
        let (ours, theirs) = (mb / import, mb / reference);
        let calls = sizes.photos.div_ceil(PHOTOS_PER_ITEM);
        rows.push(Row {
            name: format!(
                "cli: {} photos 1600×1200 ({mb:.0} MB) imported by {calls} `evidence add`, thumbnails made",
                sizes.photos
            ),
            value: format!("{ours:.1} MB/s"),
            reference: format!("sha256sum {theirs:.0} MB/s"),
            ratio: format!("{:.2}×", ours / theirs),
            target: "≥ 0.70× (the import's)".to_owned(),
            pass: Some(ours / theirs >= 0.7),
        });
        rows.push(Row::info(
            "  per photo, with each process's start and key derivation",
            format!("{:.1} ms", import * 1000.0 / sizes.photos as f64),
        ));

        let act = self.dir.join("cli-act.pdf");
        let measured = self.dir.join("cli-act.time");
        eprintln!(
            "cli: act render of {ITEMS} items and {} photos",
            sizes.photos
        );
        let start = Instant::now();
        let status = Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o", path(&measured)?])
            .arg(&self.cli)
            .args(["act", "render", &id, "-o", path(&act)?])
            .env("TEKSERU_DATA_DIR", &store)
            .env("TEKSERU_PASSPHRASE", CLI_PASSPHRASE)
            .env("TEKSERU_INSPECTOR", "bench")
            .stdout(Stdio::null())
            .status()
            .context("cannot start /usr/bin/time")?;
        let seconds = start.elapsed().as_secs_f64();
        if !status.success() {
            bail!("tekseru act render {id} failed ({status})");
        }
        let peak = std::fs::read_to_string(&measured)?
            .lines()
            .last()
            .and_then(|l| l.trim().parse::<f64>().ok())
            .context("GNU time reported no peak RSS")?
            * 1024.0
            / 1e6;
        let size = std::fs::metadata(&act)?.len() as f64;
        let pdftotext = timed("pdftotext", &[path(&act)?, "/dev/null"])?;
        rows.push(Row {
            name: format!(
                "cli: act render, {ITEMS} items, {} photos imported by the cli, fresh process",
                sizes.photos
            ),
            value: format!("{seconds:.2} s"),
            reference: format!("pdftotext of it {pdftotext:.2} s ({:.1} MB)", size / 1e6),
            ratio: format!("{:.1}×", seconds / pdftotext),
            target: "≤ 3 s".to_owned(),
            pass: Some(seconds <= 3.0),
        });
        rows.push(Row {
            name: "  peak RSS of `tekseru act render`".to_owned(),
            value: format!("{peak:.0} MB"),
            reference: String::new(),
            ratio: String::new(),
            target: "≤ 300 MB".to_owned(),
            pass: Some(peak <= 300.0),
        });
        remove_dir(&store)?;
        Ok(())
    }

    fn sign(&self, sizes: &Sizes, rows: &mut Vec<Row>) -> anyhow::Result<()> {
        // Grainy photos stay large once the act re-encodes them: about 270 kB each.
        let grainy = self.dir.join("photos-grainy");
        self.json(
            &self.act,
            &[
                "photos",
                path(&grainy)?,
                &sizes.sign_photos.to_string(),
                "480",
                "360",
                "255",
            ],
        )?;
        let act = self.dir.join("act-to-sign.pdf");
        let made = self.json(
            &self.act,
            &[
                "render",
                path(&grainy)?,
                &ITEMS.to_string(),
                &sizes.sign_photos.to_string(),
                path(&act)?,
            ],
        )?;
        let bytes = num(&made, "bytes")?;
        // The chair's key, made now by openssl (no key is committed).
        let pki = self.dir.join("pki");
        std::fs::create_dir_all(&pki)?;
        let (key, cert, p12) = (
            pki.join("key.pem"),
            pki.join("cert.pem"),
            pki.join("chair.p12"),
        );
        quiet(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=Bench chair/serialNumber=IIN810315400008",
                "-keyout",
                path(&key)?,
                "-out",
                path(&cert)?,
            ],
        )?;
        quiet(
            "openssl",
            &[
                "pkcs12",
                "-export",
                "-inkey",
                path(&key)?,
                "-in",
                path(&cert)?,
                "-out",
                path(&p12)?,
                "-passout",
                "pass:bench",
            ],
        )?;
        let signed = self.dir.join("act-signed.pdf");
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..sizes.runs {
            let out = self.json(
                &self.act,
                &["sign", path(&act)?, path(&p12)?, "bench", path(&signed)?],
            )?;
            ours.push(num(&out, "seconds")?);
            theirs.push(timed(
                "openssl",
                &[
                    "cms",
                    "-sign",
                    "-binary",
                    "-md",
                    "sha256",
                    "-in",
                    path(&act)?,
                    "-signer",
                    path(&cert)?,
                    "-inkey",
                    path(&key)?,
                    "-outform",
                    "DER",
                    "-out",
                    path(&pki.join("signature.der"))?,
                ],
            )?);
        }
        let (ours, theirs) = (median(&mut ours), median(&mut theirs));
        let check = Command::new("pdfsig")
            .arg(&signed)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("Signature is Valid"))
            .unwrap_or(false);
        rows.push(Row {
            name: format!(
                "sign a {:.1} MB act{}",
                bytes / 1e6,
                if sizes.runs > 1 {
                    format!(", median of {}", sizes.runs)
                } else {
                    String::new()
                }
            ),
            value: format!("{ours:.3} s"),
            reference: format!("openssl cms -sign of it {theirs:.3} s"),
            ratio: format!("{:.1}×", ours / theirs),
            target: "≤ 0.5 s".to_owned(),
            pass: Some(ours <= 0.5 && check),
        });
        if !check {
            println!(
                "note: pdfsig does not find a valid signature in {}",
                signed.display()
            );
        }
        Ok(())
    }

    /// Kazakh EDS: a 30 MB training act signed with the public NCA GOST-2015-512 test key,
    /// then nine such signatures verified, each against hashing the signed bytes alone.
    fn gost(&self, sizes: &Sizes, root: &Path, rows: &mut Vec<Row>) -> anyhow::Result<()> {
        let grainy = self.dir.join("photos-grainy");
        let act = self.dir.join("act-training.pdf");
        self.json(
            &self.act,
            &[
                "training",
                path(&grainy)?,
                &ITEMS.to_string(),
                &sizes.sign_photos.to_string(),
                path(&act)?,
            ],
        )?;
        let key = root
            .join("assets/kz-eds-test/keys/GOST512_0d79679f360a2da49a631a0b1ac76f76c34b6f24.p12");
        // 2024-11-20 12:00 UTC: inside the test key's validity (2024-10-29 → 2025-10-29).
        let at = "1732104000";
        let once = self.dir.join("act-gost-1.pdf");
        let nine = self.dir.join("act-gost-9.pdf");
        let mut signing = Vec::new();
        for _ in 0..sizes.runs {
            let out = self.json(
                &self.act,
                &[
                    "sign-as",
                    path(&act)?,
                    path(&key)?,
                    "Qwerty12",
                    "123456789011",
                    at,
                    "1",
                    path(&once)?,
                ],
            )?;
            signing.push(num(&out, "seconds")?);
        }
        let made = self.json(
            &self.act,
            &[
                "sign-as",
                path(&act)?,
                path(&key)?,
                "Qwerty12",
                "123456789011",
                at,
                "9",
                path(&nine)?,
            ],
        )?;
        let mut verifying = Vec::new();
        let mut hashing = Vec::new();
        let mut valid = 0.0;
        for _ in 0..sizes.runs {
            let out = self.json(&self.act, &["verify", path(&nine)?])?;
            verifying.push(num(&out, "seconds")?);
            hashing.push(num(&out, "hash_seconds")?);
            valid = num(&out, "valid")?;
        }
        let (signing, verifying, hashing) = (
            median(&mut signing),
            median(&mut verifying),
            median(&mut hashing),
        );
        let per_range = hashing / 9.0;
        let mb = num(&made, "bytes")? / 1e6;
        rows.push(Row {
            name: format!("sign a {mb:.1} MB act with a GOST-2015-512 key"),
            value: format!("{signing:.3} s"),
            reference: format!("Streebog-512 of its bytes {per_range:.3} s"),
            ratio: format!("{:.1}×", signing / per_range),
            target: "≤ 0.5 s".to_owned(),
            pass: Some(signing <= 0.5),
        });
        rows.push(Row {
            name: format!("verify a {mb:.1} MB act with 9 GOST signatures ({valid} valid)"),
            value: format!("{verifying:.3} s"),
            reference: format!("Streebog-512 of the 9 signed ranges {hashing:.3} s"),
            ratio: format!("{:.2}×", verifying / hashing),
            target: "≤ 1.3×".to_owned(),
            pass: Some(verifying <= 1.3 * hashing && valid >= 9.0),
        });
        Ok(())
    }

    /// `n` generated photos 1600×1200, made once.
    fn photos(&self, n: usize) -> anyhow::Result<PathBuf> {
        let dir = self.dir.join("photos");
        self.json(
            &self.act,
            &["photos", path(&dir)?, &n.to_string(), "1600", "1200", "24"],
        )?;
        Ok(dir)
    }

    /// A file of `bytes` random bytes, made once.
    fn random_file(&self, bytes: u64) -> anyhow::Result<PathBuf> {
        use std::io::{Read, Write};
        let file = self.dir.join(format!("random-{}.bin", human(bytes)));
        if std::fs::metadata(&file).is_ok_and(|m| m.len() == bytes) {
            return Ok(file);
        }
        eprintln!(
            "writing {} of random bytes to {}",
            human(bytes),
            file.display()
        );
        let mut random = std::fs::File::open("/dev/urandom")?;
        let tmp = file.with_extension("tmp");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        let mut buf = vec![0u8; MIB as usize];
        for _ in 0..bytes / MIB {
            random.read_exact(&mut buf)?;
            out.write_all(&buf)?;
        }
        out.flush()?;
        drop(out);
        std::fs::rename(&tmp, &file)?;
        Ok(file)
    }

    /// Runs a bench program and returns the JSON line it printed last.
    fn json(&self, program: &Path, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new(program)
            .args(args)
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("cannot start {}", program.display()))?;
        if !out.status.success() {
            bail!(
                "{} {} failed ({})",
                program.display(),
                args.join(" "),
                out.status
            );
        }
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .map(str::to_owned)
            .with_context(|| format!("{} {} printed no result", program.display(), args.join(" ")))
    }
}

/// Entries of the benchmark's CRL.
const CRL_ENTRIES: usize = 100_000;

/// A CRL of 100,000 entries (made once, in `target/bench/crl/`) parsed and queried 1,000
/// times by tekseru-pki's `crl_bench`, against `openssl crl -noout` reading the same file:
/// whole processes, wall time, median of 7 interleaved runs each (3 with `--quick`).
fn crl_bench(root: &Path, quick: bool, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    cmd(
        "cargo",
        &[
            "build",
            "--release",
            "-p",
            "tekseru-pki",
            "--example",
            "crl_bench",
        ],
    )?;
    let program = root.join("target/release/examples/crl_bench");
    let dir = root.join("target/bench/crl");
    let crl = dir.join("bench.crl");
    let bench = Bench {
        store: PathBuf::new(),
        act: PathBuf::new(),
        bundle: PathBuf::new(),
        cli: PathBuf::new(),
        dir: dir.clone(),
    };
    let made = dir.join("made.json");
    let fresh = std::fs::read_to_string(&made)
        .ok()
        .is_some_and(|m| m.contains(&format!("\"entries\":{CRL_ENTRIES},")) && crl.exists());
    if !fresh {
        eprintln!("making a CRL of {CRL_ENTRIES} entries");
        let out = bench.json(&program, &["make", path(&dir)?, &CRL_ENTRIES.to_string()])?;
        std::fs::write(&made, out)?;
    }
    let file = path(&crl)?;
    let reference_args = ["crl", "-inform", "DER", "-in", file, "-noout"];
    // Once each untimed, so that both read the file from the page cache.
    timed("openssl", &reference_args)?;
    let mut out = bench.json(&program, &["query", file])?;
    let runs = if quick { 3 } else { 7 };
    let (mut ours, mut theirs, mut parse) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        theirs.push(timed("openssl", &reference_args)?);
        let start = Instant::now();
        out = bench.json(&program, &["query", file])?;
        ours.push(start.elapsed().as_secs_f64());
        parse.push(num(&out, "parse_ms")?);
    }
    if num(&out, "entries")? as usize != CRL_ENTRIES || num(&out, "found")? != 500.0 {
        bail!("the CRL benchmark found the wrong entries: {out}");
    }
    let (ours, theirs) = (median(&mut ours), median(&mut theirs));
    rows.push(Row {
        name: format!(
            "CRL of {CRL_ENTRIES} entries ({:.1} MB): parse + 1,000 lookups, whole process, median of {runs}",
            std::fs::metadata(&crl)?.len() as f64 / 1e6
        ),
        value: format!("{:.1} ms", ours * 1e3),
        reference: format!("openssl crl -noout {:.1} ms", theirs * 1e3),
        ratio: format!("{:.2}×", ours / theirs),
        target: "≤ 1.50×".to_owned(),
        pass: Some(ours / theirs <= 1.5),
    });
    rows.push(Row::info(
        "  of which parsing (inside the process)",
        format!("{:.1} ms", median(&mut parse)),
    ));
    rows.push(Row::info(
        "  of which 1,000 lookups",
        format!("{:.3} ms", num(&out, "lookup_ms")?),
    ));
    Ok(())
}

/// Wall time of a command, seconds; its output is discarded, its failure an error.
fn timed(program: &str, args: &[&str]) -> anyhow::Result<f64> {
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("cannot start {program}"))?;
    let seconds = start.elapsed().as_secs_f64();
    if !status.success() {
        bail!("{program} {} failed ({status})", args.join(" "));
    }
    Ok(seconds)
}

/// Runs a command quietly (its error output shown only when it fails).
fn quiet(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("cannot start {program}"))?;
    if !out.status.success() {
        bail!(
            "{program} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn remove_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

fn path(p: &Path) -> anyhow::Result<&str> {
    p.to_str().context("non-UTF-8 path")
}

fn human(bytes: u64) -> String {
    if bytes >= 1024 * MIB && bytes.is_multiple_of(1024 * MIB) {
        format!("{}GiB", bytes / (1024 * MIB))
    } else {
        format!("{}MiB", bytes / MIB)
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// A number of a flat JSON object line.
fn num(json: &str, key: &str) -> anyhow::Result<f64> {
    let rest = value_of(json, key)?;
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end]
        .trim()
        .parse()
        .with_context(|| format!("'{key}' is not a number in {json}"))
}

/// A string of a flat JSON object line (no escapes).
fn text(json: &str, key: &str) -> anyhow::Result<String> {
    let rest = value_of(json, key)?;
    rest.strip_prefix('"')
        .and_then(|r| r.split_once('"'))
        .map(|(v, _)| v.to_owned())
        .with_context(|| format!("'{key}' is not a string in {json}"))
}

fn value_of<'a>(json: &'a str, key: &str) -> anyhow::Result<&'a str> {
    let needle = format!("\"{key}\":");
    json.find(&needle)
        .map(|at| json[at + needle.len()..].trim_start())
        .with_context(|| format!("no '{key}' in {json}"))
}
