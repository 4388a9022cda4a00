//! Request signatures: every request to HQ is signed by the device key.
//!
//! The signed string is
//!
//! ```text
//! tekseru-request-1\n
//! METHOD\n
//! PATH_AND_QUERY\n
//! hex(SHA-256(body))\n
//! created (unix seconds)\n
//! nonce (base64 of 16 random bytes)\n
//! device id
//! ```
//!
//! (no newline after the device id), sent in the headers [`DEVICE`], [`CREATED`], [`NONCE`],
//! [`SIGNATURE`] (base64 of the 64-byte Ed25519 signature) and [`CONTENT_DIGEST`]
//! (`sha-256=:<base64>:`, RFC 9530). HQ recomputes the body's digest itself: the header is
//! there for proxies and for a clear refusal when the body was changed on the way.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2_011::{Digest, Sha256};
use tekseru_ledger::{DeviceId, DeviceKey, PublicKey};

/// The header naming the signing device (its 16-hex id).
pub const DEVICE: &str = "tekseru-device";
/// The header with the signing time, unix seconds.
pub const CREATED: &str = "tekseru-created";
/// The header with the request's nonce: base64 of 16 random bytes.
pub const NONCE: &str = "tekseru-nonce";
/// The header with the Ed25519 signature, base64.
pub const SIGNATURE: &str = "tekseru-signature";
/// The header with the body's SHA-256 (RFC 9530: `sha-256=:<base64>:`).
pub const CONTENT_DIGEST: &str = "content-digest";

/// The first line of the signed string: the version of this scheme.
pub const SCHEME: &str = "tekseru-request-1";

/// How far a request's `created` may be from HQ's clock, in seconds, either way.
pub const WINDOW_SECONDS: i64 = 300;

/// Why a request's signature headers are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A signature header is absent.
    #[error("the request is not signed: header '{0}' is missing")]
    Missing(&'static str),
    /// A signature header does not read.
    #[error("header '{header}' is malformed: {reason}")]
    Malformed {
        /// The header.
        header: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The body is not the one the `Content-Digest` names.
    #[error("the body's SHA-256 is not the one header 'content-digest' names")]
    DigestMismatch,
    /// The signature does not verify under the device's key.
    #[error("the request's signature does not verify under device {0}'s key")]
    BadSignature(DeviceId),
    /// The system's random source failed.
    #[error("the system's random source failed: {0}")]
    Random(String),
}

/// The signature headers of one request, as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHeaders {
    /// The signing device.
    pub device: DeviceId,
    /// When it was signed, unix seconds.
    pub created: i64,
    /// Its nonce, base64 of 16 bytes.
    pub nonce: String,
    /// The signature, base64.
    pub signature: String,
    /// `sha-256=:<base64>:` of the body.
    pub content_digest: String,
}

impl SignedHeaders {
    /// The headers as (name, value) pairs, to add to a request.
    pub fn pairs(&self) -> [(&'static str, String); 5] {
        [
            (DEVICE, self.device.to_string()),
            (CREATED, self.created.to_string()),
            (NONCE, self.nonce.clone()),
            (SIGNATURE, self.signature.clone()),
            (CONTENT_DIGEST, self.content_digest.clone()),
        ]
    }

    /// Reads the headers of a request through `get` (a case-insensitive header lookup).
    ///
    /// # Errors
    /// When one is missing or malformed.
    pub fn from_headers<'a>(
        get: impl Fn(&'static str) -> Option<&'a str>,
    ) -> Result<SignedHeaders, SignatureError> {
        let header = |name: &'static str| get(name).ok_or(SignatureError::Missing(name));
        let malformed = |header: &'static str, reason: &str| SignatureError::Malformed {
            header,
            reason: reason.to_owned(),
        };
        let device = header(DEVICE)?
            .parse::<DeviceId>()
            .map_err(|_| malformed(DEVICE, "not a device id (16 lowercase hex characters)"))?;
        let created = header(CREATED)?
            .parse::<i64>()
            .map_err(|_| malformed(CREATED, "not a number of seconds"))?;
        let nonce = header(NONCE)?;
        match STANDARD.decode(nonce) {
            Ok(bytes) if bytes.len() == 16 => {}
            _ => return Err(malformed(NONCE, "not the base64 of 16 bytes")),
        }
        let signature = header(SIGNATURE)?;
        match STANDARD.decode(signature) {
            Ok(bytes) if bytes.len() == 64 => {}
            _ => return Err(malformed(SIGNATURE, "not the base64 of 64 bytes")),
        }
        let content_digest = header(CONTENT_DIGEST)?;
        parse_content_digest(content_digest).ok_or_else(|| {
            malformed(CONTENT_DIGEST, "expected 'sha-256=:<base64 of 32 bytes>:'")
        })?;
        Ok(SignedHeaders {
            device,
            created,
            nonce: nonce.to_owned(),
            signature: signature.to_owned(),
            content_digest: content_digest.to_owned(),
        })
    }

    /// Checks the body against the `Content-Digest` and the signature under `key` (the key of
    /// the device the headers name) over this request. The caller checks the time window
    /// ([`within_window`]) and the nonce store.
    ///
    /// # Errors
    /// When the body or the signature does not match.
    pub fn verify(
        &self,
        key: &PublicKey,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<(), SignatureError> {
        let digest = Sha256::digest(body);
        if parse_content_digest(&self.content_digest).as_ref() != Some(&digest.into()) {
            return Err(SignatureError::DigestMismatch);
        }
        if key.id() != self.device {
            return Err(SignatureError::BadSignature(self.device.clone()));
        }
        let signed = signed_string(
            method,
            path_and_query,
            &hex::encode(digest),
            self.created,
            &self.nonce,
            &self.device,
        );
        let signature = STANDARD
            .decode(&self.signature)
            .map_err(|_| SignatureError::BadSignature(self.device.clone()))?;
        key.verify(signed.as_bytes(), &signature)
            .map_err(|_| SignatureError::BadSignature(self.device.clone()))
    }
}

/// Whether `created` is within [`WINDOW_SECONDS`] of `now`.
pub fn within_window(created: i64, now: i64) -> bool {
    now.checked_sub(created)
        .is_some_and(|d| d.checked_abs().is_some_and(|d| d <= WINDOW_SECONDS))
}

/// The string a request's signature is over.
pub fn signed_string(
    method: &str,
    path_and_query: &str,
    body_sha256_hex: &str,
    created: i64,
    nonce: &str,
    device: &DeviceId,
) -> String {
    format!("{SCHEME}\n{method}\n{path_and_query}\n{body_sha256_hex}\n{created}\n{nonce}\n{device}")
}

/// A fresh nonce: base64 of 16 random bytes.
///
/// # Errors
/// When the system's random source fails.
pub fn new_nonce() -> Result<String, SignatureError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| SignatureError::Random(e.to_string()))?;
    Ok(STANDARD.encode(bytes))
}

/// `sha-256=:<base64>:` of `body`.
pub fn content_digest(body: &[u8]) -> String {
    format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(body)))
}

fn parse_content_digest(value: &str) -> Option<[u8; 32]> {
    let inner = value.trim().strip_prefix("sha-256=:")?.strip_suffix(':')?;
    STANDARD.decode(inner).ok()?.as_slice().try_into().ok()
}

/// Signs a request with the device key, at `created` (unix seconds) with `nonce`.
pub fn sign_with(
    key: &DeviceKey,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    created: i64,
    nonce: String,
) -> SignedHeaders {
    let device = key.id();
    let digest = Sha256::digest(body);
    let signed = signed_string(
        method,
        path_and_query,
        &hex::encode(digest),
        created,
        &nonce,
        &device,
    );
    SignedHeaders {
        signature: STANDARD.encode(key.sign(signed.as_bytes())),
        device,
        created,
        nonce,
        content_digest: format!("sha-256=:{}:", STANDARD.encode(digest)),
    }
}

/// Signs a request with the device key, now, with a fresh nonce.
///
/// # Errors
/// When the system's random source or clock fails.
pub fn sign(
    key: &DeviceKey,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> Result<SignedHeaders, SignatureError> {
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| SignatureError::Random(format!("the system clock is before 1970: {e}")))?
        .as_secs();
    let created = i64::try_from(created)
        .map_err(|_| SignatureError::Random("the system clock is out of range".into()))?;
    Ok(sign_with(
        key,
        method,
        path_and_query,
        body,
        created,
        new_nonce()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lookup(h: &SignedHeaders) -> impl Fn(&'static str) -> Option<String> + '_ {
        move |name| {
            h.pairs()
                .into_iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v)
        }
    }

    fn read(h: &SignedHeaders) -> Result<SignedHeaders, SignatureError> {
        let values: Vec<(&'static str, String)> = h.pairs().into_iter().collect();
        SignedHeaders::from_headers(|name| {
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        })
    }

    #[test]
    fn the_signed_string_is_the_contracts() {
        let id: DeviceId = "0123456789abcdef".parse().unwrap();
        assert_eq!(
            signed_string("PUT", "/v1/x?offset=0", "ab", 1700000000, "bm9uY2U=", &id),
            "tekseru-request-1\nPUT\n/v1/x?offset=0\nab\n1700000000\nbm9uY2U=\n0123456789abcdef"
        );
    }

    #[test]
    fn a_signed_request_verifies_and_a_changed_one_does_not() {
        let key = DeviceKey::generate().unwrap();
        let h = sign(&key, "POST", "/v1/inspections/a/events", b"{}").unwrap();
        let again = read(&h).unwrap();
        assert_eq!(again, h);
        assert!(lookup(&h)(DEVICE).is_some());
        again
            .verify(&key.public(), "POST", "/v1/inspections/a/events", b"{}")
            .unwrap();
        assert_eq!(
            again.verify(&key.public(), "POST", "/v1/inspections/a/events", b"{ }"),
            Err(SignatureError::DigestMismatch)
        );
        assert!(matches!(
            again.verify(&key.public(), "POST", "/v1/inspections/b/events", b"{}"),
            Err(SignatureError::BadSignature(_))
        ));
        assert!(matches!(
            again.verify(&key.public(), "PUT", "/v1/inspections/a/events", b"{}"),
            Err(SignatureError::BadSignature(_))
        ));
        let other = DeviceKey::generate().unwrap();
        assert!(again
            .verify(&other.public(), "POST", "/v1/inspections/a/events", b"{}")
            .is_err());
    }

    #[test]
    fn missing_and_malformed_headers_are_named() {
        assert_eq!(
            SignedHeaders::from_headers(|_| None),
            Err(SignatureError::Missing(DEVICE))
        );
        let key = DeviceKey::generate().unwrap();
        let h = sign(&key, "GET", "/", b"").unwrap();
        let mut bad = h.clone();
        bad.nonce = "AAAA".into();
        assert!(matches!(
            read(&bad),
            Err(SignatureError::Malformed { header: NONCE, .. })
        ));
        let mut bad = h.clone();
        bad.content_digest = "sha-512=:AAAA:".into();
        assert!(matches!(
            read(&bad),
            Err(SignatureError::Malformed {
                header: CONTENT_DIGEST,
                ..
            })
        ));
    }

    #[test]
    fn the_window_is_five_minutes_either_way() {
        assert!(within_window(1000, 1300));
        assert!(within_window(1300, 1000));
        assert!(!within_window(1000, 1301));
        assert!(!within_window(1301, 1000));
        assert!(!within_window(i64::MIN, i64::MAX));
    }

    proptest! {
        #[test]
        fn any_changed_part_breaks_the_signature(
            path in "/[a-z0-9/]{0,30}",
            body in proptest::collection::vec(any::<u8>(), 0..100),
            created in 0i64..4_000_000_000,
            flip in 0usize..64,
        ) {
            let key = DeviceKey::generate().unwrap();
            let h = sign_with(&key, "PUT", &path, &body, created, new_nonce().unwrap());
            prop_assert!(h.verify(&key.public(), "PUT", &path, &body).is_ok());
            let mut later = h.clone();
            later.created = created + 1;
            prop_assert!(later.verify(&key.public(), "PUT", &path, &body).is_err());
            let mut sig = STANDARD.decode(&h.signature).unwrap();
            if let Some(b) = sig.get_mut(flip) { *b ^= 1; }
            let mut flipped = h.clone();
            flipped.signature = STANDARD.encode(sig);
            prop_assert!(flipped.verify(&key.public(), "PUT", &path, &body).is_err());
        }

        #[test]
        fn header_reading_never_panics(value in "\\PC{0,100}") {
            let _ = SignedHeaders::from_headers(|_| Some(value.as_str()));
        }
    }
}
