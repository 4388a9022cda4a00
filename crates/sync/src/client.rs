//! The laptop's side: an HTTPS client of HQ that signs every request with the device key and
//! pins HQ's certificate by its SHA-256 (feature `client`).

use std::io::Read;
use std::sync::{Arc, Mutex};

use reqwest::{Method, StatusCode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2_011::{Digest, Sha256};
use tekseru_ledger::{DeviceKey, VersionVector};

use crate::api::{
    self, EnrolRequest, EnrolResponse, InspectionList, PartResponse, PullRequest, PullResponse,
    PushRequest, PushResponse, VectorResponse,
};
use crate::sign::{self, SignedHeaders};
use crate::ErrorBody;

/// Why a call to HQ failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// HQ refused, with its reason.
    #[error("HQ refused ({status}): {} — {}", serde_json::to_string(&.body.error).unwrap_or_default(), .body.reason)]
    Refused {
        /// The status.
        status: u16,
        /// HQ's reason.
        body: ErrorBody,
    },
    /// The connection, TLS, or an answer that does not read.
    #[error("talking to HQ at {url}: {reason}")]
    Http {
        /// Where.
        url: String,
        /// What.
        reason: String,
    },
    /// The URL or the pin does not read.
    #[error("{0}")]
    Config(String),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] sign::SignatureError),
    /// Reading local data failed.
    #[error("{0}")]
    Io(String),
}

/// Accepts exactly the certificate whose SHA-256 is pinned; with no pin, any certificate,
/// remembering the one seen (trust on first use, at enrolment only).
#[derive(Debug)]
struct Pinned {
    pin: Option<String>,
    seen: Arc<Mutex<Option<String>>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fingerprint = hex::encode(Sha256::digest(end_entity.as_ref()));
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(fingerprint.clone());
        }
        match &self.pin {
            Some(pin) if *pin != fingerprint => Err(rustls::Error::General(format!(
                "HQ's certificate has SHA-256 {fingerprint}, not the pinned {pin}"
            ))),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// What HQ holds of a blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobState {
    /// All of it, this many bytes.
    Present(u64),
    /// This many bytes of a partial upload (0: none).
    Partial(u64),
}

/// A client of one HQ, signing as one device.
pub struct Client {
    http: reqwest::Client,
    base: String,
    key: DeviceKey,
    seen: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// The size of each part of an upload.
pub const PART_BYTES: usize = 8 * 1024 * 1024;

impl Client {
    /// A client of HQ at `url` (`https://HOST:PORT`), pinning its certificate's SHA-256
    /// (`None`: any certificate, remembered for [`Client::seen_fingerprint`]).
    ///
    /// # Errors
    /// When the URL or the pin does not read.
    pub fn new(url: &str, pin: Option<&str>, key: DeviceKey) -> Result<Client, ClientError> {
        let base = url.trim_end_matches('/').to_owned();
        if !base.starts_with("https://") {
            return Err(ClientError::Config(format!(
                "HQ's URL must be https://HOST:PORT, not '{url}'"
            )));
        }
        let pin = pin.map(|p| p.trim().to_ascii_lowercase().replace(':', ""));
        if let Some(p) = &pin {
            if !api::valid_sha256(p) {
                return Err(ClientError::Config(format!(
                    "the pin '{p}' is not a SHA-256 (64 hexadecimal characters)"
                )));
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let seen = Arc::new(Mutex::new(None));
        let verifier = Pinned {
            pin,
            seen: Arc::clone(&seen),
            provider: Arc::clone(&provider),
        };
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ClientError::Config(format!("tls: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .http1_only()
            .no_proxy()
            .connect_timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| ClientError::Config(format!("http client: {e}")))?;
        Ok(Client {
            http,
            base,
            key,
            seen,
        })
    }

    /// The SHA-256 of the certificate HQ last presented.
    pub fn seen_fingerprint(&self) -> Option<String> {
        self.seen.lock().ok().and_then(|s| s.clone())
    }

    /// The device key it signs with.
    pub fn key(&self) -> &DeviceKey {
        &self.key
    }

    /// Sends a request with the given signature headers (for tests of refusals: any
    /// headers, or none).
    ///
    /// # Errors
    /// When HQ cannot be reached.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        body: impl Into<reqwest::Body>,
        headers: Option<&SignedHeaders>,
    ) -> Result<reqwest::Response, ClientError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url).body(body);
        if let Some(h) = headers {
            for (name, value) in h.pairs() {
                request = request.header(name, value);
            }
        }
        request.send().await.map_err(|e| ClientError::Http {
            url,
            reason: error_chain(&e),
        })
    }

    /// Sends a signed request; a refusal becomes [`ClientError::Refused`].
    ///
    /// # Errors
    /// When HQ cannot be reached or refuses.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, ClientError> {
        let head = method == Method::HEAD;
        let headers = sign::sign(&self.key, method.as_str(), path, &body)?;
        let response = self.send_raw(method, path, body, Some(&headers)).await?;
        // A 404 is an answer to HEAD on a blob (not held); the caller reads its offset.
        if response.status().is_success() || (head && response.status() == StatusCode::NOT_FOUND) {
            Ok(response)
        } else {
            Err(refusal(&self.base, response).await)
        }
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let bytes = match body {
            Some(b) => serde_json::to_vec(b).map_err(|e| ClientError::Io(e.to_string()))?,
            None => Vec::new(),
        };
        let response = self.send(method, path, bytes).await?;
        let url = format!("{}{path}", self.base);
        let bytes = response.bytes().await.map_err(|e| ClientError::Http {
            url: url.clone(),
            reason: error_chain(&e),
        })?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Http {
            url,
            reason: format!("the answer does not read: {e}"),
        })
    }

    /// Redeems an enrolment token for this device.
    ///
    /// # Errors
    /// When HQ refuses (a used or expired token, …) or cannot be reached.
    pub async fn enrol(
        &self,
        token: &str,
        inspector_name: &str,
    ) -> Result<EnrolResponse, ClientError> {
        let body = EnrolRequest {
            token: token.to_owned(),
            public_key: self.key.public(),
            inspector_name: inspector_name.to_owned(),
        };
        self.call(Method::POST, api::ENROL, Some(&body)).await
    }

    /// The inspections HQ holds whose roster holds this device's inspector.
    ///
    /// # Errors
    /// When HQ refuses or cannot be reached.
    pub async fn inspections(&self) -> Result<Vec<String>, ClientError> {
        let list: InspectionList = self
            .call::<(), _>(Method::GET, api::INSPECTIONS, None)
            .await?;
        Ok(list.inspections)
    }

    /// HQ's vector of an inspection.
    ///
    /// # Errors
    /// When HQ refuses or cannot be reached.
    pub async fn vector(&self, inspection: &str) -> Result<VersionVector, ClientError> {
        let v: VectorResponse = self
            .call::<(), _>(Method::GET, &api::vector_path(inspection), None)
            .await?;
        Ok(v.vector)
    }

    /// Pushes events.
    ///
    /// # Errors
    /// When HQ refuses (a fork: 409) or cannot be reached.
    pub async fn push(
        &self,
        inspection: &str,
        push: &PushRequest,
    ) -> Result<PushResponse, ClientError> {
        self.call(Method::POST, &api::events_path(inspection), Some(push))
            .await
    }

    /// What HQ holds beyond `have`.
    ///
    /// # Errors
    /// When HQ refuses or cannot be reached.
    pub async fn pull(
        &self,
        inspection: &str,
        have: &VersionVector,
    ) -> Result<PullResponse, ClientError> {
        let body = PullRequest { have: have.clone() };
        self.call(Method::POST, &api::pull_path(inspection), Some(&body))
            .await
    }

    /// What HQ holds of a blob.
    ///
    /// # Errors
    /// When HQ refuses or cannot be reached.
    pub async fn blob_state(
        &self,
        inspection: &str,
        sha256: &str,
    ) -> Result<BlobState, ClientError> {
        let response = self
            .send(
                Method::HEAD,
                &api::blob_path(inspection, sha256),
                Vec::new(),
            )
            .await?;
        let offset = response
            .headers()
            .get(api::UPLOAD_OFFSET)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        if response.status().is_success() {
            Ok(BlobState::Present(offset))
        } else {
            Ok(BlobState::Partial(offset))
        }
    }

    /// Sends one part of a blob.
    ///
    /// # Errors
    /// When HQ refuses (a wrong offset, bytes that do not hash to the name) or cannot be
    /// reached.
    pub async fn put_part(
        &self,
        inspection: &str,
        sha256: &str,
        offset: u64,
        total: u64,
        bytes: Vec<u8>,
    ) -> Result<PartResponse, ClientError> {
        let path = api::blob_part_path(inspection, sha256, offset, total);
        let response = self.send(Method::PUT, &path, bytes).await?;
        let url = format!("{}{path}", self.base);
        let body = response.bytes().await.map_err(|e| ClientError::Http {
            url: url.clone(),
            reason: error_chain(&e),
        })?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Http {
            url,
            reason: format!("the answer does not read: {e}"),
        })
    }

    /// Uploads a blob of `total` bytes from `source`, resuming where HQ stopped; gives the
    /// bytes sent (0 when HQ held it already). `progress` is told the bytes HQ holds after
    /// each part.
    ///
    /// # Errors
    /// When reading `source` fails, or HQ refuses or cannot be reached.
    pub async fn upload<R: Read>(
        &self,
        inspection: &str,
        sha256: &str,
        total: u64,
        mut source: R,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, ClientError> {
        let mut offset = match self.blob_state(inspection, sha256).await? {
            BlobState::Present(_) => return Ok(0),
            BlobState::Partial(n) => n,
        };
        let mut sent = 0u64;
        // Skip what HQ holds (the store's blobs stream; they do not seek).
        let skipped = std::io::copy(&mut (&mut source).take(offset), &mut std::io::sink())
            .map_err(|e| ClientError::Io(format!("blob {sha256}: {e}")))?;
        if skipped != offset {
            return Err(ClientError::Io(format!(
                "blob {sha256} has {skipped} bytes, HQ holds {offset}"
            )));
        }
        loop {
            let left = total.saturating_sub(offset);
            let want = usize::try_from(left.min(PART_BYTES as u64)).unwrap_or(PART_BYTES);
            let mut part = vec![0u8; want];
            source
                .read_exact(&mut part)
                .map_err(|e| ClientError::Io(format!("blob {sha256} at {offset}: {e}")))?;
            let answer = self
                .put_part(inspection, sha256, offset, total, part)
                .await?;
            sent = sent.saturating_add(want as u64);
            offset = answer.offset;
            progress(offset);
            if answer.complete {
                return Ok(sent);
            }
        }
    }

    /// Downloads a blob into `sink`; gives its size.
    ///
    /// # Errors
    /// When HQ refuses or cannot be reached, or writing fails.
    pub async fn download<W: std::io::Write>(
        &self,
        inspection: &str,
        sha256: &str,
        mut sink: W,
    ) -> Result<u64, ClientError> {
        let path = api::blob_path(inspection, sha256);
        let mut response = self.send(Method::GET, &path, Vec::new()).await?;
        if !response.status().is_success() {
            return Err(refusal(&self.base, response).await);
        }
        let mut n = 0u64;
        loop {
            let chunk = response.chunk().await.map_err(|e| ClientError::Http {
                url: format!("{}{path}", self.base),
                reason: error_chain(&e),
            })?;
            let Some(chunk) = chunk else { break };
            sink.write_all(&chunk)
                .map_err(|e| ClientError::Io(format!("blob {sha256}: {e}")))?;
            n = n.saturating_add(chunk.len() as u64);
        }
        Ok(n)
    }
}

/// A refusal's [`ClientError`], from HQ's JSON body.
pub async fn refusal(base: &str, response: reqwest::Response) -> ClientError {
    let status = response.status().as_u16();
    let url = format!("{base}{}", response.url().path());
    match response.bytes().await {
        Ok(bytes) => match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => ClientError::Refused { status, body },
            Err(_) => ClientError::Http {
                url,
                reason: format!(
                    "status {status}: {}",
                    String::from_utf8_lossy(&bytes)
                        .chars()
                        .take(200)
                        .collect::<String>()
                ),
            },
        },
        Err(e) => ClientError::Http {
            url,
            reason: format!("status {status}: {}", error_chain(&e)),
        },
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
