//! Signing with NCALayer: the act's [`Signer`] for keys on tokens and ID cards, which no file
//! holds. NCALayer makes the CMS; the act crate verifies it, and its certificate, before
//! anything enters the act (fake NCALayers exist).

use tekseru_act::eds::anchor::{self, AnchorRole};
use tekseru_act::eds::certificate::Certificate;
use tekseru_act::{ActError, Signer};
use tekseru_ncalayer::{Config, NcaLayer};
use time::OffsetDateTime;

use crate::error::{Result, WorkflowError};

/// A [`Signer`] that asks NCALayer to sign.
pub struct NcaLayerSigner {
    client: NcaLayer,
}

impl NcaLayerSigner {
    /// NCALayer at wss://127.0.0.1:13579, its TLS certificate checked against the NCA RK
    /// root certificates (as NCALayer's own certificate chains to the NCA RSA root);
    /// `TEKSERU_NCALAYER_URL` and `TEKSERU_NCALAYER_PIN` override them (tests, training).
    pub fn from_env() -> Result<NcaLayerSigner> {
        let roots: Vec<Vec<u8>> = anchor::production()
            .map_err(|e| WorkflowError::Refused(format!("the shipped NCA anchors: {e}")))?
            .iter()
            .filter(|a| a.role == AnchorRole::Root)
            .map(|a| a.certificate.der().to_vec())
            .collect();
        let config = Config::new(roots)
            .with_env()
            .map_err(|e| WorkflowError::Refused(e.to_string()))?;
        Ok(NcaLayerSigner {
            client: NcaLayer::new(config),
        })
    }
}

impl Signer for NcaLayerSigner {
    fn certificate(&self) -> Option<&Certificate> {
        None
    }

    fn sign_detached(
        &self,
        parts: &[&[u8]],
        _at: OffsetDateTime,
    ) -> std::result::Result<Vec<u8>, ActError> {
        // NCALayer signs what it is given and writes its own clock's signing time.
        let data = parts.concat();
        self.client
            .sign_detached(&data)
            .map_err(|e| ActError::KeyStore(format!("NCALayer: {e}")))
    }
}
