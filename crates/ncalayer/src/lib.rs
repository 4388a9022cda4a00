//! A client for NCALayer, the signing middleware of the Kazakh National Certification
//! Authority (NCA RK): it holds the EDS keys that live on tokens (Kaztoken, eToken, JaCarta…)
//! and ID cards, which no file holds, and signs with them after the user picks a key and types
//! its PIN in NCALayer's own window. tekseru asks it for a detached CMS over the act's bytes.
//!
//! # Trust nothing it returns
//!
//! **The CMS this crate returns is not verified here.** Programs that pose as NCALayer on
//! `127.0.0.1:13579` and return forged signatures exist, and a real NCALayer signs with
//! whatever key the user picks. This crate only checks that the reply is a DER `ContentInfo`
//! of type signedData. The caller (the act crate) must verify the signature over the bytes it
//! asked to sign, the signer's certificate chain to the NCA roots, the key usage and the
//! signer's identity **before anything enters the act**.
//!
//! # Protocol
//!
//! A WebSocket at `wss://127.0.0.1:13579`. On connecting NCALayer greets with
//! `{"result":{"version":"1.4"}}` (older versions differently, or not at all; the version is
//! then unknown), and echoes the text `--heartbeat--` (such echoes are skipped).
//!
//! * [`NcaLayer::sign_detached`] first asks the current API, module `kz.gov.pki.knca.basics`,
//!   method `sign`, format `cms`, `decode: true, encapsulate: false, digested: false`, no time
//!   stamp, a signing key (extended key usage `1.3.6.1.5.5.7.3.4`). It answers
//!   `{"status":true,"body":{"result":"-----BEGIN CMS-----…"}}` (an array of one on 1.4),
//!   `{"status":true,"body":{}}` when the user cancels, `{"status":false,"code":…,"message":…}`
//!   on an error.
//! * When that NCALayer has no basics module (its core answers
//!   `{"success":false,"errorCode":"MODULE_NOT_FOUND"}`, a `status:false` whose code or message
//!   says the module is not found, or a reply in the legacy shape), it asks again, on a new
//!   connection, with the legacy API: module `kz.gov.pki.knca.commonUtils`, method
//!   `createCAdESFromBase64`, args `[storage, "SIGNATURE", data, false]`, answered
//!   `{"code":"200","responseObject":"<base64>"}` or `{"code":"500","message":…}`
//!   (`action.canceled` when the user cancels). [`NcaLayer::sign_detached_legacy`] asks it
//!   directly.
//!
//! Each call opens its own connection and closes it. The calls block: run them off a UI
//! thread. They wait [`Config::timeout_connect`] for the connection and
//! [`Config::timeout_user`] for the user to pick a key and type the PIN.
//!
//! # TLS
//!
//! NCALayer's TLS certificate chains to the NCA RSA root. This crate ships no root: the caller
//! passes the NCA root certificate(s) in [`Trust::NcaRoots`] (tekseru ships
//! `root_rsa_2020.cer`). Tests use [`Trust::Pinned`], the SHA-256 of the server's certificate.
//! Only loopback addresses are accepted (`127.0.0.1`, `localhost`, `[::1]`).
//!
//! # Environment (tests)
//!
//! [`Config::with_env`] lets a test point a program at the protocol double, `double::Double`
//! (feature `double`) without a command-line option:
//!
//! * `TEKSERU_NCALAYER_URL`: the WebSocket URL instead of `wss://127.0.0.1:13579` (still a
//!   loopback address);
//! * `TEKSERU_NCALAYER_PIN`: the SHA-256 of the server's TLS certificate, 64 hex digits; when
//!   set, that certificate is trusted instead of the NCA roots.
//!
//! Neither weakens the signature check: whatever NCALayer, real or not, returns is verified
//! by the caller.
//!
//! # Example
//!
//! ```no_run
//! use tekseru_ncalayer::{Config, NcaLayer, NcaLayerError};
//! # fn verify_cms(_: &[u8], _: &[u8]) {}
//! let root = std::fs::read("root_rsa_2020.cer").unwrap();
//! let ncalayer = NcaLayer::new(Config::new(vec![root]).with_env()?);
//! let signed_range = b"...the act's bytes...";
//! match ncalayer.sign_detached(signed_range) {
//!     Ok(cms) => verify_cms(&cms, signed_range), // the caller's job: nothing is trusted yet
//!     Err(NcaLayerError::Cancelled) => {}         // the member closed the dialog
//!     Err(e) => eprintln!("{e}"),
//! }
//! # Ok::<(), NcaLayerError>(())
//! ```
#![deny(missing_docs)]

mod cms;
mod conn;
#[cfg(feature = "double")]
#[doc(hidden)]
pub mod double;
mod error;
mod protocol;
mod tls;

use std::time::{Duration, Instant};

use base64::Engine as _;

pub use error::NcaLayerError;
pub use tls::certificate_sha256;

use conn::{Connection, Target};
use protocol::{BasicsReply, LegacyReply};

/// Where NCALayer listens.
pub const DEFAULT_URL: &str = "wss://127.0.0.1:13579";
/// The variable that overrides [`Config::url`] in [`Config::with_env`].
pub const ENV_URL: &str = "TEKSERU_NCALAYER_URL";
/// The variable that pins the server's certificate in [`Config::with_env`].
pub const ENV_PIN: &str = "TEKSERU_NCALAYER_PIN";

/// The largest data [`NcaLayer::sign_detached`] sends: its base64 and the JSON around it stay
/// within 64 MiB, one WebSocket text message. An act of 30 MB fits.
pub const MAX_DATA: usize = 47 << 20;

/// Storage names of the legacy API (the basics API lets the user choose among them).
pub mod storage {
    /// A PKCS#12 key file.
    pub const PKCS12: &str = "PKCS12";
    /// A Kaztoken.
    pub const KAZTOKEN: &str = "AKKaztokenStore";
    /// A Kazakh ID card.
    pub const ID_CARD: &str = "AKKZIDCardStore";
    /// An eToken 72K.
    pub const ETOKEN_72K: &str = "AKEToken72KStore";
    /// An eToken 5110.
    pub const ETOKEN_5110: &str = "AKEToken5110Store";
    /// A JaCarta.
    pub const JACARTA: &str = "AKJaCartaStore";
    /// An aKey.
    pub const AKEY: &str = "AKAKEYStore";
}

/// Which TLS certificate is NCALayer's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// A certificate that chains to one of these roots (DER), and is valid for the URL's host.
    NcaRoots(Vec<Vec<u8>>),
    /// Exactly the certificate whose DER has this SHA-256 (see [`certificate_sha256`]),
    /// whatever its name and dates. For tests.
    Pinned([u8; 32]),
}

/// How to reach NCALayer and what to ask it.
#[derive(Debug, Clone)]
pub struct Config {
    /// The WebSocket URL, [`DEFAULT_URL`] by default. A loopback `wss://` address.
    pub url: String,
    /// Which certificate is NCALayer's.
    pub trust: Trust,
    /// The longest wait for the connection (TCP, TLS, WebSocket) and for sending the
    /// request. 10 s by default.
    pub timeout_connect: Duration,
    /// The longest wait for the signature: the user picks a key and types a PIN. 5 minutes by
    /// default.
    pub timeout_user: Duration,
    /// The storage the legacy API signs from ([`storage::PKCS12`] by default; a token user sets
    /// [`storage::KAZTOKEN`] or [`storage::ID_CARD`]).
    pub legacy_storage: String,
    /// The storages the basics API offers the user (`allowedStorages`, as
    /// [`storage`] names); `None` lets NCALayer offer all.
    pub allowed_storages: Option<Vec<String>>,
    /// The language of NCALayer's dialogs: `ru`, `kk` or `en`. `ru` by default.
    pub locale: String,
}

impl Config {
    /// The default configuration: NCALayer at [`DEFAULT_URL`], its certificate checked against
    /// `roots` (DER; the NCA RSA root).
    pub fn new(roots: Vec<Vec<u8>>) -> Config {
        Config {
            url: DEFAULT_URL.to_string(),
            trust: Trust::NcaRoots(roots),
            timeout_connect: Duration::from_secs(10),
            timeout_user: Duration::from_secs(5 * 60),
            legacy_storage: storage::PKCS12.to_string(),
            allowed_storages: None,
            locale: "ru".to_string(),
        }
    }

    /// This configuration with [`ENV_URL`] and [`ENV_PIN`] applied, when set (see the crate
    /// documentation). An unset or empty variable changes nothing.
    pub fn with_env(self) -> Result<Config, NcaLayerError> {
        self.with_vars(std::env::var(ENV_URL).ok(), std::env::var(ENV_PIN).ok())
    }

    /// [`Config::with_env`] with the values given instead of read.
    pub fn with_vars(
        mut self,
        url: Option<String>,
        pin: Option<String>,
    ) -> Result<Config, NcaLayerError> {
        if let Some(url) = url.filter(|u| !u.trim().is_empty()) {
            self.url = url.trim().to_string();
        }
        if let Some(pin) = pin.filter(|p| !p.trim().is_empty()) {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(pin.trim(), &mut bytes)
                .map_err(|_| NcaLayerError::BadPin { value: pin.clone() })?;
            self.trust = Trust::Pinned(bytes);
        }
        Ok(self)
    }
}

/// A client of NCALayer. Cheap to keep; each call connects anew.
#[derive(Debug, Clone)]
pub struct NcaLayer {
    config: Config,
}

impl NcaLayer {
    /// A client with this configuration. Nothing is checked or connected yet.
    pub fn new(config: Config) -> NcaLayer {
        NcaLayer { config }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn connect(&self) -> Result<(Connection, Option<String>), NcaLayerError> {
        let target = Target::parse(&self.config.url)?;
        let tls = tls::client_config(&self.config.trust, &self.config.url)?;
        let timeout = self.config.timeout_connect;
        let mut conn = Connection::open(&target, tls, timeout)?;
        // The greeting; an NCALayer that does not greet is still asked.
        let deadline = Instant::now() + timeout;
        let version = match conn.next_text(deadline, "the greeting", false)? {
            Some(text) => protocol::parse_greeting(&text)?,
            None => None,
        };
        Ok((conn, version))
    }

    /// NCALayer's version, from its greeting. Checks that NCALayer runs and is trusted.
    pub fn version(&self) -> Result<String, NcaLayerError> {
        let target = Target::parse(&self.config.url)?;
        let tls = tls::client_config(&self.config.trust, &self.config.url)?;
        let timeout = self.config.timeout_connect;
        let mut conn = Connection::open(&target, tls, timeout)?;
        let deadline = Instant::now() + timeout;
        let text =
            conn.next_text(deadline, "the greeting", false)?
                .ok_or(NcaLayerError::Timeout {
                    what: "the greeting",
                    after: timeout,
                })?;
        protocol::parse_greeting(&text)?.ok_or_else(|| NcaLayerError::Unexpected {
            request: "the connection",
            expected: protocol::GREETING_SHAPE,
            got: error::excerpt(&text),
        })
    }

    fn encode(data: &[u8]) -> Result<String, NcaLayerError> {
        if data.len() > MAX_DATA {
            return Err(NcaLayerError::TooLarge {
                len: data.len(),
                max: MAX_DATA,
            });
        }
        Ok(base64::engine::general_purpose::STANDARD.encode(data))
    }

    fn ask(
        &self,
        conn: &mut Connection,
        request: String,
        what: &'static str,
    ) -> Result<String, NcaLayerError> {
        conn.send(
            request,
            self.config.timeout_user.max(self.config.timeout_connect),
        )?;
        let deadline = Instant::now() + self.config.timeout_user;
        conn.next_text(deadline, what, true)?
            .ok_or(NcaLayerError::Timeout {
                what,
                after: self.config.timeout_user,
            })
    }

    /// A detached CMS over `data`, signed by the key the user picks in NCALayer: the DER of
    /// a `ContentInfo`. The basics API first; the legacy one when this NCALayer lacks it.
    ///
    /// **Not verified**: the caller verifies the signature over `data` and the signer's
    /// certificate before using it (see the crate documentation).
    pub fn sign_detached(&self, data: &[u8]) -> Result<Vec<u8>, NcaLayerError> {
        let b64 = Self::encode(data)?;
        let (mut conn, _version) = self.connect()?;
        let request = protocol::basics_sign(
            b64,
            self.config.allowed_storages.as_deref(),
            &self.config.locale,
        );
        let reply = self.ask(&mut conn, request, "the signature (basics sign)")?;
        match protocol::parse_basics_reply(&reply)? {
            BasicsReply::Signed(text) => cms::decode(&text),
            BasicsReply::Cancelled => Err(NcaLayerError::Cancelled),
            BasicsReply::Failed { code, message } => Err(NcaLayerError::NcaLayer { code, message }),
            BasicsReply::ModuleUnknown => {
                drop(conn);
                self.sign_detached_legacy(data)
            }
        }
    }

    /// A detached CMS over `data` through the legacy API only
    /// (`kz.gov.pki.knca.commonUtils` `createCAdESFromBase64`), with the SIGNATURE key of
    /// [`Config::legacy_storage`]. **Not verified**, as [`NcaLayer::sign_detached`].
    pub fn sign_detached_legacy(&self, data: &[u8]) -> Result<Vec<u8>, NcaLayerError> {
        self.legacy(Self::encode(data)?)
    }

    fn legacy(&self, b64: String) -> Result<Vec<u8>, NcaLayerError> {
        let (mut conn, _version) = self.connect()?;
        let request = protocol::legacy_sign(b64, &self.config.legacy_storage);
        let reply = self.ask(&mut conn, request, "the signature (createCAdESFromBase64)")?;
        match protocol::parse_legacy_reply(&reply)? {
            LegacyReply::Signed(text) => cms::decode(&text),
            LegacyReply::Cancelled => Err(NcaLayerError::Cancelled),
            LegacyReply::Failed { code, message } => Err(NcaLayerError::NcaLayer { code, message }),
        }
    }
}

/// For the property tests: how a reply text to each request is understood, without a
/// connection. Every text gives a CMS or an error.
#[doc(hidden)]
pub fn interpret_reply(text: &str, legacy: bool) -> Result<Option<Vec<u8>>, NcaLayerError> {
    if legacy {
        match protocol::parse_legacy_reply(text)? {
            LegacyReply::Signed(t) => cms::decode(&t).map(Some),
            LegacyReply::Cancelled => Err(NcaLayerError::Cancelled),
            LegacyReply::Failed { code, message } => Err(NcaLayerError::NcaLayer { code, message }),
        }
    } else {
        match protocol::parse_basics_reply(text)? {
            BasicsReply::Signed(t) => cms::decode(&t).map(Some),
            BasicsReply::Cancelled => Err(NcaLayerError::Cancelled),
            BasicsReply::Failed { code, message } => Err(NcaLayerError::NcaLayer { code, message }),
            BasicsReply::ModuleUnknown => Ok(None),
        }
    }
}
