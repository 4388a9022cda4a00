//! The trusted root certificates, kept in the store.

use openssl::x509::{X509VerifyResult, X509};
use tekseru_store::Store;

use crate::error::{Result, WorkflowError};

/// The store's trusted roots, parsed.
pub fn trusted_roots(store: &Store) -> Result<Vec<X509>> {
    store
        .trusted_roots()?
        .iter()
        .map(|root| {
            X509::from_pem(root.pem.as_bytes()).map_err(|e| {
                WorkflowError::Refused(format!(
                    "the trusted root '{}' kept in the store cannot be read: {e}",
                    root.subject
                ))
            })
        })
        .collect()
}

/// Adds the root certificates of a PEM file (`name` is shown in errors). Each must be a
/// self-signed CA certificate within its validity; nothing is added unless all are.
/// Returns how many were new.
pub fn add_trusted_root(store: &mut Store, name: &str, pem: &[u8]) -> Result<usize> {
    let certs = X509::stack_from_pem(pem)
        .map_err(|_| WorkflowError::Refused(format!("'{name}' is not a PEM certificate file")))?;
    if certs.is_empty() {
        return Err(WorkflowError::Refused(format!(
            "'{name}' holds no PEM certificate"
        )));
    }
    let now = openssl::asn1::Asn1Time::days_from_now(0)
        .map_err(|e| WorkflowError::Refused(e.to_string()))?;
    let mut checked = Vec::new();
    for cert in &certs {
        let who = tekseru_act::subject_line(cert);
        if cert.issued(cert) != X509VerifyResult::OK {
            return Err(WorkflowError::Refused(format!(
                "'{name}': {who} is not a root certificate (it is issued by another): trust its root instead"
            )));
        }
        let self_signed = cert
            .public_key()
            .and_then(|key| cert.verify(&key))
            .unwrap_or(false);
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
        let der = cert
            .to_der()
            .map_err(|e| WorkflowError::Refused(e.to_string()))?;
        let text = cert
            .to_pem()
            .map_err(|e| WorkflowError::Refused(e.to_string()))?;
        checked.push((der, who, String::from_utf8_lossy(&text).into_owned()));
    }
    let mut added = 0;
    for (der, who, text) in checked {
        if store.add_trusted_root(&der, &who, &text)? {
            added += 1;
        }
    }
    Ok(added)
}
