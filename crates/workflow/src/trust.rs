//! The trusted root certificates, kept in the store, in addition to the NCA RK anchors that
//! tekseru ships (`tekseru_act::eds::anchor`).

use base64::Engine as _;
use tekseru_act::eds::certificate::Certificate;
use tekseru_store::Store;

use crate::error::{Result, WorkflowError};

/// The store's trusted roots, parsed.
pub fn trusted_roots(store: &Store) -> Result<Vec<Certificate>> {
    store
        .trusted_roots()?
        .iter()
        .map(|root| {
            Certificate::parse(root.pem.as_bytes()).map_err(|e| {
                WorkflowError::Refused(format!(
                    "the trusted root '{}' kept in the store cannot be read: {e}",
                    root.subject
                ))
            })
        })
        .collect()
}

/// A certificate as PEM text.
fn pem(cert: &Certificate) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(cert.der());
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Adds the root certificates of a PEM or DER file (`name` is shown in errors). Each must be
/// a self-signed CA certificate within its validity at `now`; nothing is added unless all
/// are. Returns how many were new.
pub fn add_trusted_root(
    store: &mut Store,
    name: &str,
    bytes: &[u8],
    now: time::OffsetDateTime,
) -> Result<usize> {
    let certs = Certificate::parse_all(bytes).map_err(|e| {
        WorkflowError::Refused(format!(
            "'{name}' is not a certificate file (PEM or DER): {e}"
        ))
    })?;
    if certs.is_empty() {
        return Err(WorkflowError::Refused(format!(
            "'{name}' holds no certificate"
        )));
    }
    let mut checked = Vec::new();
    for cert in &certs {
        let who = cert.subject();
        if !cert.is_self_issued() {
            return Err(WorkflowError::Refused(format!(
                "'{name}': {who} is not a root certificate (it is issued by another): trust its root instead"
            )));
        }
        let self_signed = cert
            .public_key()
            .and_then(|key| cert.verify_signed_by(&key))
            .is_ok();
        if !self_signed {
            return Err(WorkflowError::Refused(format!(
                "'{name}': the self-signature of {who} does not verify"
            )));
        }
        if cert.not_after() < now {
            return Err(WorkflowError::Refused(format!(
                "'{name}': {who} expired on {}",
                cert.not_after()
            )));
        }
        checked.push((cert.der().to_vec(), who, pem(cert)));
    }
    let mut added = 0;
    for (der, who, text) in checked {
        if store.add_trusted_root(&der, &who, &text)? {
            added += 1;
        }
    }
    Ok(added)
}
