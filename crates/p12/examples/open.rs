//! Opens a key file and prints what it holds.
//!
//! `cargo run -p tekseru-p12 --example open` opens the NCA test key in `assets/kz-eds-test/`;
//! `cargo run -p tekseru-p12 --example open -- FILE PASSWORD` opens another.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/kz-eds-test/keys/GOST512_0d79679f360a2da49a631a0b1ac76f76c34b6f24.p12"
        )
        .to_owned()
    });
    let password = args.next().unwrap_or_else(|| "Qwerty12".to_owned());
    let bytes = std::fs::read(&path)?;
    match tekseru_p12::open(&bytes, &password) {
        Ok(container) => {
            println!("key algorithm: {}", container.key_algorithm);
            println!(
                "private key: {} bytes of PKCS#8",
                container.private_key.len()
            );
            for (i, cert) in container.certificates.iter().enumerate() {
                println!("certificate {i}: {} bytes of DER", cert.len());
            }
        }
        Err(tekseru_p12::P12Error::WrongPassword) => eprintln!("{path}: wrong password"),
        Err(e) => eprintln!("{path}: {e}"),
    }
    Ok(())
}
