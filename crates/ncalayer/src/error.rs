//! What can go wrong when asking NCALayer for a signature.

use std::time::Duration;

/// Why NCALayer gave no CMS. Each message says what happened and, where the user can do
/// something about it, what.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NcaLayerError {
    /// Nothing listens at the address: NCALayer is not started.
    #[error("NCALayer is not running: start NCALayer and try again (nothing answers at {url})")]
    NotRunning {
        /// The address tried.
        url: String,
    },
    /// The TCP connection failed for another reason than a refusal.
    #[error("cannot connect to NCALayer at {url}: {source}")]
    Connect {
        /// The address tried.
        url: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The configured address is not one NCALayer can be at.
    #[error("the NCALayer address {url} is refused: {reason}")]
    BadUrl {
        /// The address configured.
        url: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The server's TLS certificate is not NCALayer's: it does not chain to the NCA roots
    /// given, or it is not the pinned one.
    #[error(
        "the program at {url} is not a trusted NCALayer: its TLS certificate is refused ({reason})"
    )]
    TlsUntrusted {
        /// The address connected to.
        url: String,
        /// Why the certificate is refused.
        reason: String,
    },
    /// TLS or the WebSocket handshake failed for another reason than the certificate.
    #[error("the secure connection to NCALayer at {url} failed: {reason}")]
    Handshake {
        /// The address connected to.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The user closed NCALayer's key or PIN dialog.
    #[error("the signature was cancelled in NCALayer")]
    Cancelled,
    /// NCALayer answered with an error of its own (wrong PIN, no key, token removed…).
    #[error("NCALayer refused to sign: {message} (code {code})")]
    NcaLayer {
        /// NCALayer's error code, as it sent it.
        code: String,
        /// NCALayer's message, as it sent it.
        message: String,
    },
    /// A reply that is not what NCALayer sends to that request.
    #[error("unexpected reply from NCALayer to {request}: expected {expected}, got {got}")]
    Unexpected {
        /// The request answered.
        request: &'static str,
        /// What a reply should look like.
        expected: &'static str,
        /// The start of what came.
        got: String,
    },
    /// No answer in time.
    #[error("NCALayer did not answer {what} within {} s", .after.as_secs())]
    Timeout {
        /// What was waited for.
        what: &'static str,
        /// How long it was waited for.
        after: Duration,
    },
    /// NCALayer closed the connection, or it broke, before it answered.
    #[error("the connection to NCALayer broke while waiting for {what}: {reason}")]
    Closed {
        /// What was waited for.
        what: &'static str,
        /// What happened.
        reason: String,
    },
    /// The signature NCALayer sent is not a CMS (PEM or base64 of a DER `ContentInfo` of
    /// type signedData).
    #[error("NCALayer's reply is not a CMS signature: {reason}")]
    NotCms {
        /// What is wrong with it.
        reason: String,
    },
    /// The data is too large to be sent to NCALayer in one message.
    #[error(
        "the data to sign is {len} bytes, more than the {max} bytes that can be sent to NCALayer"
    )]
    TooLarge {
        /// The size of the data.
        len: usize,
        /// The largest size sent.
        max: usize,
    },
    /// `TEKSERU_NCALAYER_PIN` is set but is not a SHA-256 in hex.
    #[error("TEKSERU_NCALAYER_PIN is not a SHA-256 in hex (64 hex digits): {value:?}")]
    BadPin {
        /// The value found.
        value: String,
    },
    /// No trust anchor was given: NCALayer's certificate cannot be checked.
    #[error("no NCA root certificate was given to check NCALayer's TLS certificate against")]
    NoAnchors,
    /// A trust anchor given is not a certificate rustls can use.
    #[error("NCA root certificate {index} cannot be used as a TLS trust anchor: {reason}")]
    BadAnchor {
        /// Its position in the list given (from 0).
        index: usize,
        /// Why.
        reason: String,
    },
}

/// The first 200 characters of a reply, for error messages.
pub(crate) fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(200).collect();
    if text.chars().nth(200).is_some() {
        out.push('…');
    }
    if out.is_empty() {
        out.push_str("an empty message");
    }
    out
}
