//! Trust anchors as data: the NCA RK production roots and intermediates, and the NCA TEST
//! hierarchy for training inspections. Compiled in; each file is checked against the
//! SHA-256 its `anchors.toml` pins.

use std::sync::OnceLock;

use crate::certificate::Certificate;
use crate::EdsError;

/// Whether an anchor is a self-signed root or an intermediate trusted as such.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnchorRole {
    /// A self-signed root.
    Root,
    /// An intermediate CA, trusted as a path element.
    Intermediate,
}

/// A trusted certificate with where it comes from.
#[derive(Clone, Debug)]
pub struct Anchor {
    /// The certificate.
    pub certificate: Certificate,
    /// The file it ships as.
    pub file: String,
    /// Where the NCA RK publishes it.
    pub source: String,
    /// SHA-256 of its DER, lowercase hex.
    pub sha256: String,
    /// Root or intermediate.
    pub role: AnchorRole,
}

#[derive(serde::Deserialize)]
struct Manifest {
    anchor: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    file: String,
    subject_cn: String,
    source: String,
    sha256: String,
    role: AnchorRole,
}

macro_rules! files {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../../assets/anchors/", $dir, "/", $name)) as &[u8])),*]
    };
}

const PRODUCTION_TOML: &str = include_str!("../../../assets/anchors/prod/anchors.toml");
const PRODUCTION_FILES: &[(&str, &[u8])] = files!("prod":
    "root_rsa_2020.cer", "nca_rsa_2022.cer", "root_gost_2022.cer", "nca_gost_2022.cer",
    "root_gost_2020.cer", "ucgo_gost.cer", "btsd_gost.cer", "root_rsa.cer", "root_gost.cer",
    "nca_rsa.cer", "nca_gost.cer",
);
const TRAINING_TOML: &str = include_str!("../../../assets/anchors/test/anchors.toml");
const TRAINING_FILES: &[(&str, &[u8])] = files!("test":
    "root_test_gost_2022.cer", "nca_gost2022_test.cer", "root_rsa_test.cer", "nca_rsa_test.cer",
    "root_gost_test.cer", "nca_gost_test.cer",
);

/// Loads a set of anchors from its manifest and files, checking every file's SHA-256,
/// subject CN and role against the manifest. Any mismatch refuses the whole set.
pub fn load(manifest: &str, files: &[(&str, &[u8])]) -> Result<Vec<Anchor>, EdsError> {
    let manifest: Manifest = toml::from_str(manifest).map_err(|e| EdsError::Anchor {
        file: "anchors.toml".to_owned(),
        reason: e.to_string(),
    })?;
    let mut anchors = Vec::new();
    for entry in manifest.anchor {
        let fail = |reason: String| EdsError::Anchor {
            file: entry.file.clone(),
            reason,
        };
        let bytes = files
            .iter()
            .find(|(name, _)| *name == entry.file)
            .map(|(_, b)| *b)
            .ok_or_else(|| fail("listed in anchors.toml but not shipped".to_owned()))?;
        let certificate = Certificate::parse(bytes).map_err(|e| fail(e.to_string()))?;
        let sha256 = certificate.sha256_hex();
        if sha256 != entry.sha256 {
            return Err(fail(format!(
                "SHA-256 {sha256} where anchors.toml pins {}",
                entry.sha256
            )));
        }
        if certificate.common_name().as_deref() != Some(entry.subject_cn.as_str()) {
            return Err(fail(format!(
                "subject CN {:?} where anchors.toml says {:?}",
                certificate.common_name(),
                entry.subject_cn
            )));
        }
        let self_signed = certificate.is_self_issued();
        if self_signed != (entry.role == AnchorRole::Root) {
            return Err(fail(format!(
                "anchors.toml says {:?} but the certificate is {}",
                entry.role,
                if self_signed {
                    "self-issued"
                } else {
                    "issued by another CA"
                }
            )));
        }
        anchors.push(Anchor {
            certificate,
            file: entry.file,
            source: entry.source,
            sha256,
            role: entry.role,
        });
    }
    if let Some((name, _)) = files
        .iter()
        .find(|(name, _)| !anchors.iter().any(|a| a.file == *name))
    {
        return Err(EdsError::Anchor {
            file: (*name).to_owned(),
            reason: "shipped but not listed in anchors.toml".to_owned(),
        });
    }
    Ok(anchors)
}

fn cached(
    cell: &'static OnceLock<Result<Vec<Anchor>, String>>,
    manifest: &str,
    files: &[(&str, &[u8])],
) -> Result<&'static [Anchor], EdsError> {
    match cell.get_or_init(|| load(manifest, files).map_err(|e| e.to_string())) {
        Ok(anchors) => Ok(anchors),
        Err(reason) => Err(EdsError::Anchor {
            file: "anchors".to_owned(),
            reason: reason.clone(),
        }),
    }
}

/// The NCA RK production roots and intermediates, the expired 2015/2018 generation included
/// (it verifies acts signed back then).
pub fn production() -> Result<&'static [Anchor], EdsError> {
    static CELL: OnceLock<Result<Vec<Anchor>, String>> = OnceLock::new();
    cached(&CELL, PRODUCTION_TOML, PRODUCTION_FILES)
}

/// The NCA TEST hierarchy: only for training inspections, never for a real act.
pub fn training() -> Result<&'static [Anchor], EdsError> {
    static CELL: OnceLock<Result<Vec<Anchor>, String>> = OnceLock::new();
    cached(&CELL, TRAINING_TOML, TRAINING_FILES)
}
