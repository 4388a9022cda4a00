//! Evidence blobs behind `object_store`: a directory under the data dir by default, or an
//! S3-compatible bucket (`s3://BUCKET/PREFIX`, endpoint and credentials from the usual AWS
//! environment variables).
//!
//! An upload arrives in parts; each part is one object, `PREFIX/parts/<sha256>/<offset>-<r>`,
//! written whole before the database records it, so a killed transfer (client or server)
//! leaves either a whole part or none. When the parts reach the blob's size, HQ reads them
//! back in order, re-hashes them, and commits the blob by writing its manifest
//! `PREFIX/blobs/<sha256>` (the parts' list) create-if-absent; a blob whose bytes do not hash
//! to its name is refused and its parts deleted.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};
use sha2_011::{Digest, Sha256};

use crate::storage::Part;

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The object store failed.
    #[error("blob store: {0}")]
    Store(String),
    /// The bytes do not hash to the blob's name.
    #[error("the {bytes} bytes received hash to {actual}, not to {expected}")]
    Mismatch {
        /// The name.
        expected: String,
        /// What they hash to.
        actual: String,
        /// How many bytes.
        bytes: u64,
    },
    /// The `--blobs` URL does not read.
    #[error("blob store url '{0}': expected s3://BUCKET/PREFIX")]
    Url(String),
}

fn store_err(e: impl std::fmt::Display) -> BlobError {
    BlobError::Store(e.to_string())
}

/// A committed blob's manifest.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    sha256: String,
    bytes: u64,
    parts: Vec<ManifestPart>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ManifestPart {
    object: String,
    length: u64,
}

/// Where HQ keeps blobs.
#[derive(Clone, Debug)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    /// What it is, for the log.
    pub description: String,
}

impl Blobs {
    /// Over any object store, under `prefix` (no leading or trailing `/`; may be empty).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str, description: String) -> Blobs {
        Blobs {
            store,
            prefix: prefix.trim_matches('/').to_owned(),
            description,
        }
    }

    /// A directory (created when absent).
    ///
    /// # Errors
    /// When it cannot be created.
    pub fn local(dir: &Path) -> Result<Blobs, BlobError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| BlobError::Store(format!("{}: {e}", dir.display())))?;
        let store = LocalFileSystem::new_with_prefix(dir).map_err(store_err)?;
        Ok(Blobs::new(
            Arc::new(store),
            "",
            format!("directory {}", dir.display()),
        ))
    }

    /// `s3://BUCKET/PREFIX`, configured from the environment (`AWS_ENDPOINT`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP`, …).
    ///
    /// # Errors
    /// When the URL does not read or the configuration is incomplete.
    pub fn s3(url: &str) -> Result<Blobs, BlobError> {
        Blobs::s3_with(url, AmazonS3Builder::from_env())
    }

    /// `s3://BUCKET/PREFIX` with a builder configured by the caller.
    ///
    /// # Errors
    /// When the URL does not read or the configuration is incomplete.
    pub fn s3_with(url: &str, builder: AmazonS3Builder) -> Result<Blobs, BlobError> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| BlobError::Url(url.to_owned()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(BlobError::Url(url.to_owned()));
        }
        let store = builder
            .with_bucket_name(bucket)
            .build()
            .map_err(store_err)?;
        Ok(Blobs::new(Arc::new(store), prefix, format!("bucket {url}")))
    }

    fn path(&self, rest: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(rest)
        } else {
            ObjectPath::from(format!("{}/{rest}", self.prefix))
        }
    }

    /// Writes one part of an upload; gives the object's name (relative to the prefix).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn put_part(
        &self,
        sha256: &str,
        offset: u64,
        bytes: Bytes,
    ) -> Result<String, BlobError> {
        let mut r = [0u8; 8];
        getrandom::fill(&mut r).map_err(store_err)?;
        let name = format!("parts/{sha256}/{offset:020}-{}", hex::encode(r));
        self.store
            .put(&self.path(&name), PutPayload::from_bytes(bytes))
            .await
            .map_err(store_err)?;
        Ok(name)
    }

    /// Deletes objects (parts of a refused or duplicate upload); failures are ignored, the
    /// objects being unreferenced.
    pub async fn delete(&self, objects: &[String]) {
        for o in objects {
            let _ = self.store.delete(&self.path(o)).await;
        }
    }

    /// Re-hashes the parts in order and commits the blob under its hash, create-if-absent
    /// (`false`: it was committed already, by this upload's twin).
    ///
    /// # Errors
    /// [`BlobError::Mismatch`] when the bytes hash to something else; the store's failures.
    pub async fn commit(&self, sha256: &str, parts: &[Part]) -> Result<bool, BlobError> {
        let mut hasher = Sha256::new();
        let mut total: u64 = 0;
        for part in parts {
            let mut body = self
                .store
                .get(&self.path(&part.object))
                .await
                .map_err(store_err)?
                .into_stream();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(store_err)?;
                hasher.update(&chunk);
                total = total
                    .checked_add(chunk.len() as u64)
                    .ok_or_else(|| BlobError::Store("blob too large".into()))?;
            }
        }
        let actual = hex::encode(hasher.finalize());
        if actual != sha256 {
            return Err(BlobError::Mismatch {
                expected: sha256.to_owned(),
                actual,
                bytes: total,
            });
        }
        let manifest = Manifest {
            sha256: sha256.to_owned(),
            bytes: total,
            parts: parts
                .iter()
                .map(|p| ManifestPart {
                    object: p.object.clone(),
                    length: p.length,
                })
                .collect(),
        };
        let json = serde_json::to_vec(&manifest).map_err(store_err)?;
        let put = self
            .store
            .put_opts(
                &self.path(&format!("blobs/{sha256}")),
                PutPayload::from(json),
                PutOptions::from(PutMode::Create),
            )
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(store_err(e)),
        }
    }

    /// A committed blob's bytes, streamed part by part.
    ///
    /// # Errors
    /// When the manifest cannot be read.
    pub async fn open(
        &self,
        sha256: &str,
    ) -> Result<(u64, BoxStream<'static, Result<Bytes, BlobError>>), BlobError> {
        let manifest = self
            .store
            .get(&self.path(&format!("blobs/{sha256}")))
            .await
            .map_err(store_err)?
            .bytes()
            .await
            .map_err(store_err)?;
        let manifest: Manifest = serde_json::from_slice(&manifest).map_err(store_err)?;
        let store = Arc::clone(&self.store);
        let paths: Vec<ObjectPath> = manifest
            .parts
            .iter()
            .map(|p| self.path(&p.object))
            .collect();
        let body = stream::iter(paths)
            .then(move |path| {
                let store = Arc::clone(&store);
                async move {
                    store
                        .get(&path)
                        .await
                        .map(|r| r.into_stream().map_err(store_err))
                        .map_err(store_err)
                }
            })
            .try_flatten()
            .boxed();
        Ok((manifest.bytes, body))
    }
}
