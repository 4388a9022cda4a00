//! One measurement each, release mode: `cargo run --release -p tekseru-gost --example bench`.
//! Streebog-512 of 30 MB, one signature and one verification on tc26-512-A (and the other
//! curves, for comparison).

use std::time::Instant;
use tekseru_gost::{digest, Curve, GostError, Hash, SigningKey};

fn main() -> Result<(), GostError> {
    let data: Vec<u8> = (0..30_000_000u32).map(|i| (i % 251) as u8).collect();
    let start = Instant::now();
    let e = digest(Hash::Streebog512, &data);
    let hashing = start.elapsed();
    println!(
        "streebog-512 of 30 MB: {:.1} ms ({:.0} MB/s)",
        hashing.as_secs_f64() * 1e3,
        30.0 / hashing.as_secs_f64()
    );
    let start = Instant::now();
    digest(Hash::Gost94Test, &data);
    println!(
        "gost94-test of 30 MB: {:.1} ms",
        start.elapsed().as_secs_f64() * 1e3
    );

    for curve in Curve::ALL {
        let key = SigningKey::generate(curve)?;
        let public = key.verifying_key();
        let e = &e[..curve.size()];
        let start = Instant::now();
        let signature = key.sign_digest(e)?;
        let signing = start.elapsed();
        let start = Instant::now();
        public.verify_digest(e, &signature)?;
        let verifying = start.elapsed();
        println!(
            "{curve}: sign {:.2} ms, verify {:.2} ms",
            signing.as_secs_f64() * 1e3,
            verifying.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
