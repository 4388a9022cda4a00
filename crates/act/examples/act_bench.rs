//! The act's benchmarks, run in release mode by `cargo xtask bench` (which also runs the
//! reference measurements and prints the table). Each command prints one line of JSON.
//!
//! - `photos DIR N WIDTH HEIGHT NOISE`: writes N JPEG photos (`photo-NNN.jpg`) of that size
//!   into DIR, keeping those already there; NOISE (0–255) is how grainy they are, which sets
//!   how large they stay once the act re-encodes them.
//! - `render DIR ITEMS N OUT`: renders (kk+ru) an act of ITEMS items with the first N photos
//!   of DIR, writes it to OUT, and reports the time, the size and the process's peak RSS; then
//!   times decoding and downscaling the photos alone (the part no renderer can skip).
//! - `sign IN P12 PASSWORD OUT`: signs the act IN as its chair with the PKCS#12 file's key
//!   and reports the time.
//! - `training DIR ITEMS N OUT`: like `render`, as a training act whose chair has the NCA
//!   test identity, so that the public NCA test keys can sign it.
//! - `sign-as IN P12 PASSWORD IIN UNIX_TIME N OUT`: signs IN N times in turn (each over the
//!   last) as IIN at that time, and reports the time of the first signature, beside the
//!   time to hash IN alone with Streebog-512 (the reference).
//! - `verify IN`: verifies IN against the shipped anchors and reports the time, beside the
//!   time to hash every signature's byte range alone with its own digest (the reference).

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};
use tekseru_act::{ActData, ActItem, EvidenceEntry, Languages, Photo, Pkcs12Signer, RenderOptions};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Err(e) = run(&args) {
        eprintln!("act_bench: {e}");
        std::process::exit(2);
    }
}

fn run(args: &[&str]) -> Result<()> {
    match args {
        ["photos", dir, n, width, height, noise] => photos(
            Path::new(dir),
            n.parse()?,
            width.parse()?,
            height.parse()?,
            noise.parse()?,
        ),
        ["render", dir, items, n, out] => {
            render(Path::new(dir), items.parse()?, n.parse()?, Path::new(out))
        }
        ["sign", input, p12, password, out] => {
            sign(Path::new(input), Path::new(p12), password, Path::new(out))
        }
        ["training", dir, items, n, out] => {
            training(Path::new(dir), items.parse()?, n.parse()?, Path::new(out))
        }
        ["sign-as", input, p12, password, iin, at, n, out] => sign_as(
            Path::new(input),
            Path::new(p12),
            password,
            iin,
            at.parse()?,
            n.parse()?,
            Path::new(out),
        ),
        ["verify", input] => verify(Path::new(input)),
        _ => Err(
            "usage: act_bench photos DIR N W H NOISE | render DIR ITEMS N OUT | \
                  sign IN P12 PASSWORD OUT | training DIR ITEMS N OUT | \
                  sign-as IN P12 PASSWORD IIN UNIX_TIME N OUT | verify IN"
                .into(),
        ),
    }
}

/// The process's peak resident set size so far, KiB (`VmHWM` of /proc/self/status).
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn photo_path(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("photo-{n:03}.jpg"))
}

/// Pseudo-photographs: a gradient with soft shapes and grain, different for each `n`.
fn photos(dir: &Path, count: usize, width: u32, height: u32, noise: u32) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let start = Instant::now();
    let mut made = 0;
    for n in 0..count {
        let path = photo_path(dir, n);
        if path.exists() {
            continue;
        }
        let mut state = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut grain = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (w, h) = (width as f32, height as f32);
        let phase = n as f32 * 0.7;
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            let (fx, fy) = (x as f32 / w, y as f32 / h);
            let wave = ((fx * 9.0 + phase).sin() * (fy * 7.0 - phase).cos() + 1.0) * 60.0;
            let g = grain();
            let mut px = [0u8; 3];
            for (c, v) in px.iter_mut().enumerate() {
                let base = 40.0 + fx * 90.0 + fy * 50.0 + wave + c as f32 * 20.0;
                let jitter = if noise == 0 {
                    0.0
                } else {
                    ((g >> (c * 16)) % u64::from(noise)) as f32 - noise as f32 / 2.0
                };
                *v = (base + jitter).clamp(0.0, 255.0) as u8;
            }
            image::Rgb(px)
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88).encode_image(&image)?;
        std::fs::write(&path, out)?;
        made += 1;
    }
    println!(
        "{{\"made\":{made},\"seconds\":{:.2}}}",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The demo act with `items` items (the demo's, repeated under new ids) and the first
/// `photos` photos of `dir`, each also listed in annex A.
fn act_data(dir: &Path, items: usize, photos: usize) -> Result<ActData> {
    let text = std::fs::read_to_string(repo().join("assets/demo/act-data.json"))?;
    let mut data = ActData::from_json(&text)?;
    data.dissents.clear();
    let demo: Vec<ActItem> = std::mem::take(&mut data.items);
    if demo.is_empty() {
        return Err("the demo act has no items".into());
    }
    for n in 0..items {
        let mut item = demo[n % demo.len()].clone();
        item.id = format!("{}-{n}", item.id);
        data.items.push(item);
    }
    data.photos.clear();
    data.evidence.clear();
    for n in 0..photos {
        let image = std::fs::read(photo_path(dir, n))?;
        let sha256: String = Sha256::digest(&image)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = format!("IMG_{n:04}.jpg");
        data.evidence.push(EvidenceEntry {
            item: data.items[n % items.max(1)].id.clone(),
            name: name.clone(),
            size: image.len() as u64,
            sha256: sha256.clone(),
        });
        data.photos.push(Photo {
            sha256,
            name,
            caption: Some(format!("Серверлік үй-жай, көрініс {n}")),
            taken_at: Some("2026-11-20 10:10".to_owned()),
            image,
        });
    }
    Ok(data)
}

fn render(dir: &Path, items: usize, photos: usize, out: &Path) -> Result<()> {
    let data = act_data(dir, items, photos)?;
    let input: usize = data.photos.iter().map(|p| p.image.len()).sum();
    let before = vm_hwm_kib();
    let options = RenderOptions {
        languages: Languages::Both,
        created: time::macros::datetime!(2026-11-20 18:00 +05:00),
    };
    let start = Instant::now();
    let pdf = tekseru_act::render_act(&data, &options)?;
    let seconds = start.elapsed().as_secs_f64();
    let peak = vm_hwm_kib();
    std::fs::write(out, &pdf)?;
    // What no renderer can skip: decoding each photo and scaling it down to 480 px.
    let start = Instant::now();
    for photo in &data.photos {
        let image = image::load_from_memory(&photo.image)?;
        let image = if image.width() > 480 || image.height() > 480 {
            image.thumbnail(480, 480)
        } else {
            image
        };
        std::hint::black_box(image.to_rgb8());
    }
    let decode = start.elapsed().as_secs_f64();
    println!(
        "{{\"seconds\":{seconds:.4},\"decode_seconds\":{decode:.4},\"items\":{},\"photos\":{},\
         \"photo_bytes\":{input},\"bytes\":{},\"baseline_hwm_kib\":{before},\"vm_hwm_kib\":{peak}}}",
        data.items.len(),
        data.photos.len(),
        pdf.len()
    );
    Ok(())
}

fn sign(input: &Path, p12: &Path, password: &str, out: &Path) -> Result<()> {
    let pdf = std::fs::read(input)?;
    let signer = Pkcs12Signer::open(&std::fs::read(p12)?, password)?;
    let chair = tekseru_core::Iin::parse("810315400008")?;
    let before = vm_hwm_kib();
    let start = Instant::now();
    let signed = tekseru_act::sign(&pdf, &chair, &signer, time::OffsetDateTime::now_utc())?;
    let seconds = start.elapsed().as_secs_f64();
    let peak = vm_hwm_kib();
    std::fs::write(out, &signed)?;
    println!(
        "{{\"seconds\":{seconds:.4},\"bytes\":{},\"signed_bytes\":{},\"baseline_hwm_kib\":{before},\"vm_hwm_kib\":{peak}}}",
        pdf.len(),
        signed.len()
    );
    Ok(())
}

/// Like `render`, as a training act whose chair has the NCA test identity.
fn training(dir: &Path, items: usize, photos: usize, out: &Path) -> Result<()> {
    let mut data = act_data(dir, items, photos)?;
    data.training = true;
    data.roster.members[0].iin = tekseru_core::Iin::parse_allowing_test("123456789011")?;
    let options = RenderOptions {
        languages: Languages::Both,
        created: time::macros::datetime!(2024-11-20 18:00 +05:00),
    };
    let pdf = tekseru_act::render_act(&data, &options)?;
    std::fs::write(out, &pdf)?;
    println!("{{\"bytes\":{}}}", pdf.len());
    Ok(())
}

fn sign_as(
    input: &Path,
    p12: &Path,
    password: &str,
    iin: &str,
    at: i64,
    n: usize,
    out: &Path,
) -> Result<()> {
    let mut pdf = std::fs::read(input)?;
    let signer = Pkcs12Signer::open(&std::fs::read(p12)?, password)?;
    let member = tekseru_core::Iin::parse_allowing_test(iin)?;
    let at = time::OffsetDateTime::from_unix_timestamp(at)?;
    let mut first = None;
    for _ in 0..n {
        let start = Instant::now();
        pdf = tekseru_act::sign(&pdf, &member, &signer, at)?;
        first.get_or_insert(start.elapsed().as_secs_f64());
    }
    std::fs::write(out, &pdf)?;
    // The reference: the input hashed once with Streebog-512, nothing else.
    let input = std::fs::read(input)?;
    let start = Instant::now();
    std::hint::black_box(tekseru_act::eds::algorithm::DigestAlgorithm::Streebog512.digest(&input));
    let hashing = start.elapsed().as_secs_f64();
    println!(
        "{{\"seconds\":{:.4},\"hash_seconds\":{hashing:.4},\"bytes\":{}}}",
        first.unwrap_or_default(),
        pdf.len()
    );
    Ok(())
}

/// The `/ByteRange` arrays of a signed PDF, read from its text.
fn byte_ranges(pdf: &[u8]) -> Vec<[usize; 4]> {
    let mut out = Vec::new();
    let key = b"/ByteRange";
    let mut at = 0;
    while let Some(pos) = pdf
        .get(at..)
        .and_then(|rest| rest.windows(key.len()).position(|w| w == key))
    {
        let start = at + pos + key.len();
        let text: String = pdf
            .get(start..start + 80)
            .unwrap_or_default()
            .iter()
            .map(|&b| char::from(b))
            .take_while(|&c| c != ']')
            .collect();
        let numbers: Vec<usize> = text
            .trim_start_matches([' ', '['])
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        if let [a, b, c, d] = numbers[..] {
            out.push([a, b, c, d]);
        }
        at = start;
    }
    out
}

fn verify(input: &Path) -> Result<()> {
    let pdf = std::fs::read(input)?;
    let start = Instant::now();
    let result = tekseru_act::verify(&pdf, &tekseru_act::VerifyOptions::default())?;
    let seconds = start.elapsed().as_secs_f64();
    let valid = result
        .signatures
        .iter()
        .filter(|s| s.valid && s.trusted)
        .count();
    // The reference: each signature's two byte ranges hashed with Streebog-512, nothing else.
    let ranges = byte_ranges(&pdf);
    let start = Instant::now();
    for [a, b, c, d] in &ranges {
        let parts = [
            pdf.get(*a..a + b).unwrap_or_default(),
            pdf.get(*c..c + d).unwrap_or_default(),
        ];
        std::hint::black_box(
            tekseru_act::eds::algorithm::DigestAlgorithm::Streebog512.digest_parts(&parts),
        );
    }
    let hashing = start.elapsed().as_secs_f64();
    println!(
        "{{\"seconds\":{seconds:.4},\"hash_seconds\":{hashing:.4},\"signatures\":{},\"valid\":{valid},\"bytes\":{}}}",
        ranges.len(),
        pdf.len()
    );
    Ok(())
}
