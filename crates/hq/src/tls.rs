//! HQ's TLS certificate: self-signed by `hq init` (rcgen), served through rustls (ring);
//! laptops pin its SHA-256 at enrolment.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2_011::{Digest, Sha256};

use crate::HqError;

/// The certificate's file under the data dir.
pub fn cert_path(data: &Path) -> PathBuf {
    data.join("tls").join("cert.pem")
}

/// The private key's file under the data dir.
pub fn key_path(data: &Path) -> PathBuf {
    data.join("tls").join("key.pem")
}

fn tls(e: impl std::fmt::Display) -> HqError {
    HqError::Tls(e.to_string())
}

/// Makes a self-signed certificate for `names` (host names or IP addresses) and writes it and
/// its key under the data dir (the key readable by its owner only); gives its SHA-256.
///
/// # Errors
/// When it cannot be made or written.
pub fn generate(data: &Path, names: &[String]) -> Result<String, HqError> {
    let certified = rcgen::generate_simple_self_signed(names.to_vec()).map_err(tls)?;
    let dir = data.join("tls");
    std::fs::create_dir_all(&dir).map_err(|e| HqError::Io(format!("{}: {e}", dir.display())))?;
    write_private(
        &key_path(data),
        certified.signing_key.serialize_pem().as_bytes(),
    )?;
    let cert = cert_path(data);
    std::fs::write(&cert, certified.cert.pem())
        .map_err(|e| HqError::Io(format!("{}: {e}", cert.display())))?;
    Ok(hex::encode(Sha256::digest(certified.cert.der())))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), HqError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| HqError::Io(format!("{}: {e}", path.display())))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| HqError::Io(format!("{}: {e}", path.display())))
}

/// The SHA-256 of the certificate in the data dir (what laptops pin).
///
/// # Errors
/// When it cannot be read.
pub fn fingerprint(data: &Path) -> Result<String, HqError> {
    let cert = CertificateDer::from_pem_file(cert_path(data)).map_err(tls)?;
    Ok(hex::encode(Sha256::digest(cert.as_ref())))
}

/// The rustls configuration serving the data dir's certificate (HTTP/1.1).
///
/// # Errors
/// When the certificate or key cannot be read.
pub fn server_config(data: &Path) -> Result<Arc<ServerConfig>, HqError> {
    let certs = CertificateDer::pem_file_iter(cert_path(data))
        .map_err(tls)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(tls)?;
    let key = PrivateKeyDer::from_pem_file(key_path(data)).map_err(tls)?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(tls)?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(tls)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
