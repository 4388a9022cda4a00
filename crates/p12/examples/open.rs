//! Opens a key file and prints what it holds: `cargo run -p tekseru-p12 --example open -- FILE PASSWORD`.
#![allow(clippy::unwrap_used)]

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(password)) = (args.next(), args.next()) else {
        eprintln!("usage: open FILE PASSWORD");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path)?;
    let container = tekseru_p12::open(&bytes, &password)?;
    println!("key algorithm: {}", container.key_algorithm);
    println!(
        "private key: {} bytes of PKCS#8",
        container.private_key.len()
    );
    for (i, cert) in container.certificates.iter().enumerate() {
        println!("certificate {i}: {} bytes", cert.len());
    }
    Ok(())
}
