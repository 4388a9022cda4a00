//! A protocol double of NCALayer for tests (feature `double`): a WebSocket server on
//! `127.0.0.1:<free port>` with a TLS certificate made when it starts, speaking the basics and
//! the legacy API, behaving as the test says.
//!
//! ```no_run
//! # use tekseru_ncalayer::{double::{Double, Options}, NcaLayer};
//! let double = Double::start(Options::new(|data: &[u8]| make_cms(data))).unwrap();
//! let cms = NcaLayer::new(double.config()).sign_detached(b"act").unwrap();
//! assert_eq!(double.received()[0].data.as_deref(), Some(&b"act"[..]));
//! // A program under test: TEKSERU_NCALAYER_URL=double.url(), TEKSERU_NCALAYER_PIN=double.pin_hex().
//! # fn make_cms(_: &[u8]) -> Vec<u8> { vec![] }
//! ```
//!
//! Its certificate is issued by a CA it also makes, so a client can trust either the
//! certificate's SHA-256 ([`Double::pin`]) or the CA ([`Double::ca_der`]) as an NCA root.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use serde_json::{json, Value};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::Message;

use crate::protocol::{HEARTBEAT, MODULE_BASICS, MODULE_COMMON_UTILS};
use crate::{certificate_sha256, Config, Trust};

/// Makes the CMS (DER) over the data NCALayer was asked to sign.
pub type SignFn = Arc<dyn Fn(&[u8]) -> Vec<u8> + Send + Sync>;

/// How the double answers a sign request (of either API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// Signs with [`Options::sign`].
    Sign,
    /// The user cancels: `{"status":true,"body":{}}`, or `action.canceled`.
    Cancel,
    /// NCALayer's own error with this code and message.
    Error {
        /// The code.
        code: String,
        /// The message.
        message: String,
    },
    /// Answers this text as it is (garbage, a wrong-shaped JSON…).
    Raw(String),
    /// Never answers (the client times out).
    Silence,
}

/// What the double greets with on connecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Greeting {
    /// `{"result":{"version":V}}`.
    Version(String),
    /// This text as it is.
    Raw(String),
    /// Nothing.
    None,
}

/// The double's behaviour.
#[derive(Clone)]
pub struct Options {
    /// Makes the CMS over the data received.
    pub sign: SignFn,
    /// How sign requests are answered.
    pub behaviour: Behaviour,
    /// An NCALayer without the basics module: basics requests get
    /// `{"success":false,"errorCode":"MODULE_NOT_FOUND"}`.
    pub legacy_only: bool,
    /// The basics result is an array of one PEM (NCALayer 1.4) instead of a string.
    pub array_result: bool,
    /// The greeting.
    pub greeting: Greeting,
    /// Heartbeat echoes sent before each answer (to check that clients skip them).
    pub heartbeats_before_reply: usize,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("behaviour", &self.behaviour)
            .field("legacy_only", &self.legacy_only)
            .field("array_result", &self.array_result)
            .field("greeting", &self.greeting)
            .finish_non_exhaustive()
    }
}

impl Options {
    /// Signs with `sign`, both APIs, greeting as version 1.4, the result as one PEM string.
    pub fn new(sign: impl Fn(&[u8]) -> Vec<u8> + Send + Sync + 'static) -> Options {
        Options {
            sign: Arc::new(sign),
            behaviour: Behaviour::Sign,
            legacy_only: false,
            array_result: false,
            greeting: Greeting::Version("1.4".to_string()),
            heartbeats_before_reply: 0,
        }
    }

    /// These options answering as `behaviour`.
    pub fn behaving(mut self, behaviour: Behaviour) -> Options {
        self.behaviour = behaviour;
        self
    }
}

/// One request the double received.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// Its `module`.
    pub module: String,
    /// Its `method`.
    pub method: String,
    /// Its `args`, with the data replaced by `"<data>"`.
    pub args: Value,
    /// The data to sign, base64-decoded (`None` when it was not valid base64).
    pub data: Option<Vec<u8>>,
}

/// A running double; stops when dropped.
pub struct Double {
    addr: SocketAddr,
    pin: [u8; 32],
    cert_der: Vec<u8>,
    ca_der: Vec<u8>,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl Double {
    /// Starts a double on `127.0.0.1` at a free port.
    pub fn start(options: Options) -> io::Result<Double> {
        let ca_key = rcgen::KeyPair::generate().map_err(other)?;
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(other)?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "NCALayer double test root");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).map_err(other)?;
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().map_err(other)?;
        let mut params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .map_err(other)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "127.0.0.1");
        let cert = params.signed_by(&key, &issuer).map_err(other)?;
        let cert_der = cert.der().to_vec();
        let tls = ServerConfig::builder_with_provider(crate::tls::provider())
            .with_safe_default_protocol_versions()
            .map_err(other)?
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .map_err(other)?;
        let tls = Arc::new(tls);
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (received, stop) = (received.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (tls, options, received) = (tls.clone(), options.clone(), received.clone());
                    std::thread::spawn(move || serve(stream, tls, &options, &received));
                }
            })
        };
        Ok(Double {
            addr,
            pin: certificate_sha256(&cert_der),
            cert_der,
            ca_der: ca_cert.der().to_vec(),
            received,
            stop,
            thread: Some(thread),
        })
    }

    /// `wss://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("wss://{}", self.addr)
    }

    /// The SHA-256 of its TLS certificate.
    pub fn pin(&self) -> [u8; 32] {
        self.pin
    }

    /// [`Double::pin`] in hex, as `TEKSERU_NCALAYER_PIN` takes it.
    pub fn pin_hex(&self) -> String {
        hex::encode(self.pin)
    }

    /// Its TLS certificate (DER).
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA that issued its TLS certificate (DER), to be trusted as an NCA root.
    pub fn ca_der(&self) -> &[u8] {
        &self.ca_der
    }

    /// A client configuration pointed at it, trusting its pinned certificate, with short
    /// timeouts (2 s to connect, 5 s for the user).
    pub fn config(&self) -> Config {
        let mut config = Config::new(Vec::new());
        config.url = self.url();
        config.trust = Trust::Pinned(self.pin);
        config.timeout_connect = Duration::from_secs(2);
        config.timeout_user = Duration::from_secs(5);
        config
    }

    /// The requests received so far, in order (heartbeats left out).
    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Double {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    tcp: TcpStream,
    tls: Arc<ServerConfig>,
    options: &Options,
    received: &Mutex<Vec<Received>>,
) {
    // A client gone silent must not keep the thread forever.
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(120)));
    let Ok(conn) = ServerConnection::new(tls) else {
        return;
    };
    let stream = StreamOwned::new(conn, tcp);
    // Requests of a 30 MB act are 40 MB of base64 in one frame.
    let config = WebSocketConfig::default()
        .max_message_size(Some(80 << 20))
        .max_frame_size(Some(80 << 20));
    let Ok(mut ws) = tungstenite::accept_with_config(stream, Some(config)) else {
        return;
    };
    let greeting = match &options.greeting {
        Greeting::Version(v) => Some(json!({"result": {"version": v}}).to_string()),
        Greeting::Raw(text) => Some(text.clone()),
        Greeting::None => None,
    };
    if let Some(greeting) = greeting {
        if ws.send(Message::text(greeting)).is_err() {
            return;
        }
    }
    loop {
        let text = match ws.read() {
            Ok(Message::Text(t)) => t.as_str().to_string(),
            Ok(Message::Close(_)) | Err(_) => return,
            Ok(_) => continue,
        };
        if text == HEARTBEAT {
            if ws.send(Message::text(HEARTBEAT)).is_err() {
                return;
            }
            continue;
        }
        let Some(reply) = answer(&text, options, received) else {
            continue;
        };
        for _ in 0..options.heartbeats_before_reply {
            if ws.send(Message::text(HEARTBEAT)).is_err() {
                return;
            }
        }
        if ws.send(Message::text(reply)).is_err() {
            return;
        }
    }
}

fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CMS-----\r\n");
    let mut chunk = String::new();
    for c in b64.chars() {
        chunk.push(c);
        if chunk.len() == 64 {
            out.push_str(&chunk);
            out.push_str("\r\n");
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        out.push_str(&chunk);
        out.push_str("\r\n");
    }
    out.push_str("-----END CMS-----\r\n");
    out
}

/// The reply to one request; `None` for silence.
fn answer(text: &str, options: &Options, received: &Mutex<Vec<Received>>) -> Option<String> {
    let Ok(mut request) = serde_json::from_str::<Value>(text) else {
        return Some(
            json!({"success": false, "code": "COMMON_JSON_WRAPPING_EXCEPTION"}).to_string(),
        );
    };
    let module = request
        .get("module")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let method = request
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let basics = module == MODULE_BASICS;
    let data_slot = if basics {
        request.get_mut("args").and_then(|a| a.get_mut("data"))
    } else {
        request.get_mut("args").and_then(|a| a.get_mut(2))
    };
    let data = data_slot.map(|slot| {
        let b64 = slot.as_str().unwrap_or_default().to_string();
        *slot = Value::String("<data>".to_string());
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .ok()
    });
    let args = request.get("args").cloned().unwrap_or(Value::Null);
    received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Received {
            module: module.clone(),
            method: method.clone(),
            args,
            data: data.clone().flatten(),
        });
    if basics && options.legacy_only {
        return Some(json!({"success": false, "errorCode": "MODULE_NOT_FOUND"}).to_string());
    }
    let known = (basics && method == "sign")
        || (module == MODULE_COMMON_UTILS && method == "createCAdESFromBase64");
    if !known {
        return Some(if basics {
            json!({"status": false, "code": "INVOCATION_ERROR", "message": "unknown method"})
                .to_string()
        } else {
            json!({"code": "500", "message": format!("Method {method} is not implemented")})
                .to_string()
        });
    }
    let reply = match &options.behaviour {
        Behaviour::Silence => return None,
        Behaviour::Raw(text) => return Some(text.clone()),
        Behaviour::Cancel if basics => json!({"status": true, "body": {}}),
        Behaviour::Cancel => json!({"code": "500", "message": "action.canceled"}),
        Behaviour::Error { code, message } if basics => {
            json!({"status": false, "code": code, "message": message})
        }
        Behaviour::Error { code, message } => json!({"code": code, "message": message}),
        Behaviour::Sign => {
            let Some(Some(data)) = data else {
                return Some(if basics {
                    json!({"status": false, "code": "INVALID_SIGNING_PARAMS", "message": "data is not base64"})
                        .to_string()
                } else {
                    json!({"code": "500", "message": "data is not base64"}).to_string()
                });
            };
            let cms = (options.sign)(&data);
            if basics {
                let result = if options.array_result {
                    json!([pem(&cms)])
                } else {
                    json!(pem(&cms))
                };
                json!({"status": true, "body": {"result": result}})
            } else {
                json!({"code": "200", "responseObject": base64::engine::general_purpose::STANDARD.encode(&cms)})
            }
        }
    };
    Some(reply.to_string())
}
