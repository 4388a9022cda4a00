//! One WebSocket connection to NCALayer over TLS, blocking, every wait bounded.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use crate::error::{excerpt, NcaLayerError};
use crate::protocol;

/// The largest reply read. A CMS with its certificate chain is a few kilobytes; NCALayer's
/// replies with several signatures or certificates stay far below this.
pub(crate) const MAX_REPLY: usize = 4 << 20;

/// The TLS stream, written whole: rustls takes a few kilobytes a write, and tungstenite moves
/// what is left of its buffer down after each one, which for a 40 MB request is gigabytes of
/// copying. A write that fails half-way leaves the stream broken; it is then dropped.
pub(crate) struct Stream(StreamOwned<ClientConnection, TcpStream>);

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Stream {
    fn sock(&self) -> &TcpStream {
        &self.0.sock
    }
}

/// Where NCALayer is: a loopback address only.
pub(crate) struct Target {
    pub(crate) url: String,
    addr: SocketAddr,
    name: ServerName<'static>,
}

impl Target {
    pub(crate) fn parse(url: &str) -> Result<Target, NcaLayerError> {
        let bad = |reason| NcaLayerError::BadUrl {
            url: url.to_string(),
            reason,
        };
        let uri: tungstenite::http::Uri = url.parse().map_err(|_| bad("it is not a URL"))?;
        if uri.scheme_str() != Some("wss") {
            return Err(bad("NCALayer is reached with wss:// only"));
        }
        let host = uri.host().ok_or_else(|| bad("it has no host"))?;
        let port = uri.port_u16().unwrap_or(443);
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let (ip, name) = if bare.eq_ignore_ascii_case("localhost") {
            (
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                ServerName::try_from("localhost".to_string()).map_err(|_| bad("bad host name"))?,
            )
        } else {
            let ip: IpAddr = bare
                .parse()
                .map_err(|_| bad("NCALayer runs on this computer: use 127.0.0.1"))?;
            (ip, ServerName::IpAddress(ip.into()))
        };
        if !ip.is_loopback() {
            return Err(bad(
                "NCALayer runs on this computer: only a loopback address is allowed",
            ));
        }
        Ok(Target {
            url: url.to_string(),
            addr: SocketAddr::new(ip, port),
            name,
        })
    }
}

pub(crate) struct Connection {
    ws: WebSocket<Stream>,
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// The time left before `deadline`, never zero (a zero socket timeout means none).
fn left(deadline: Instant) -> Option<Duration> {
    let now = Instant::now();
    (deadline > now).then(|| (deadline - now).max(Duration::from_millis(1)))
}

impl Connection {
    /// TCP, TLS (the certificate checked by `tls`) and the WebSocket handshake, all within
    /// `timeout`.
    pub(crate) fn open(
        target: &Target,
        tls: Arc<ClientConfig>,
        timeout: Duration,
    ) -> Result<Connection, NcaLayerError> {
        let url = target.url.clone();
        let deadline = Instant::now() + timeout;
        let tcp =
            TcpStream::connect_timeout(&target.addr, timeout).map_err(|e| match e.kind() {
                ErrorKind::ConnectionRefused => NcaLayerError::NotRunning { url: url.clone() },
                _ if is_timeout(&e) => NcaLayerError::Timeout {
                    what: "the connection",
                    after: timeout,
                },
                _ => NcaLayerError::Connect {
                    url: url.clone(),
                    source: e,
                },
            })?;
        let _ = tcp.set_nodelay(true);
        let handshake_timeout = |_| NcaLayerError::Timeout {
            what: "the TLS handshake",
            after: timeout,
        };
        tcp.set_read_timeout(left(deadline))
            .map_err(handshake_timeout)?;
        tcp.set_write_timeout(left(deadline))
            .map_err(handshake_timeout)?;
        let conn = ClientConnection::new(tls, target.name.clone()).map_err(|e| {
            NcaLayerError::Handshake {
                url: url.clone(),
                reason: e.to_string(),
            }
        })?;
        let mut stream = StreamOwned::new(conn, tcp);
        while stream.conn.is_handshaking() {
            stream
                .conn
                .complete_io(&mut stream.sock)
                .map_err(|e| tls_error(&url, timeout, e))?;
        }
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_REPLY))
            .max_frame_size(Some(MAX_REPLY))
            .write_buffer_size(0);
        let (ws, _response) = tungstenite::client::client_with_config(
            target.url.as_str(),
            Stream(stream),
            Some(config),
        )
        .map_err(|e| match e {
            tungstenite::HandshakeError::Failure(tungstenite::Error::Io(io)) if is_timeout(&io) => {
                NcaLayerError::Timeout {
                    what: "the WebSocket handshake",
                    after: timeout,
                }
            }
            tungstenite::HandshakeError::Failure(e) => NcaLayerError::Handshake {
                url: url.clone(),
                reason: format!("WebSocket: {e}"),
            },
            tungstenite::HandshakeError::Interrupted(_) => NcaLayerError::Timeout {
                what: "the WebSocket handshake",
                after: timeout,
            },
        })?;
        Ok(Connection { ws })
    }

    fn set_timeouts(
        &self,
        deadline: Instant,
        what: &'static str,
        after: Duration,
    ) -> Result<(), NcaLayerError> {
        let t = left(deadline).ok_or(NcaLayerError::Timeout { what, after })?;
        let sock = self.ws.get_ref().sock();
        let _ = sock.set_read_timeout(Some(t));
        let _ = sock.set_write_timeout(Some(t));
        Ok(())
    }

    /// Sends one text message, within `timeout`.
    pub(crate) fn send(&mut self, text: String, timeout: Duration) -> Result<(), NcaLayerError> {
        let what = "the request (it stopped reading it)";
        self.set_timeouts(Instant::now() + timeout, what, timeout)?;
        // No retry after a timeout: the write may have stopped half-way (see `Stream`).
        match self.ws.send(Message::text(text)) {
            Ok(()) => Ok(()),
            Err(tungstenite::Error::Io(e)) if is_timeout(&e) => Err(NcaLayerError::Timeout {
                what,
                after: timeout,
            }),
            Err(e) => Err(NcaLayerError::Closed {
                what: "sending the request",
                reason: e.to_string(),
            }),
        }
    }

    /// The next text message that is not a heartbeat echo or a greeting, or `None` when
    /// `deadline` passes first. Pings are answered on the way.
    pub(crate) fn next_text(
        &mut self,
        deadline: Instant,
        what: &'static str,
        skip_noise: bool,
    ) -> Result<Option<String>, NcaLayerError> {
        loop {
            let Some(t) = left(deadline) else {
                return Ok(None);
            };
            let _ = self.ws.get_ref().sock().set_read_timeout(Some(t));
            match self.ws.read() {
                Ok(Message::Text(text)) => {
                    let text = text.as_str();
                    if skip_noise && protocol::is_noise(text) {
                        continue;
                    }
                    if !skip_noise && text.trim() == protocol::HEARTBEAT {
                        continue;
                    }
                    return Ok(Some(text.to_string()));
                }
                Ok(Message::Binary(bytes)) => {
                    return Err(NcaLayerError::Unexpected {
                        request: what,
                        expected: "a text message",
                        got: excerpt(&format!("a binary message of {} bytes", bytes.len())),
                    })
                }
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
                Ok(Message::Close(frame)) => {
                    let reason = match frame {
                        Some(f) if !f.reason.is_empty() => {
                            format!("NCALayer closed it ({})", f.reason)
                        }
                        _ => "NCALayer closed it".to_string(),
                    };
                    return Err(NcaLayerError::Closed { what, reason });
                }
                Err(tungstenite::Error::Io(e)) if is_timeout(&e) => continue,
                Err(tungstenite::Error::Capacity(e)) => {
                    return Err(NcaLayerError::Unexpected {
                        request: what,
                        expected: "a reply of at most 4 MiB",
                        got: excerpt(&e.to_string()),
                    })
                }
                Err(tungstenite::Error::Utf8(_)) => {
                    return Err(NcaLayerError::Unexpected {
                        request: what,
                        expected: "a text message",
                        got: "invalid UTF-8".to_string(),
                    })
                }
                Err(e) => {
                    return Err(NcaLayerError::Closed {
                        what,
                        reason: e.to_string(),
                    })
                }
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self
            .ws
            .get_ref()
            .sock()
            .set_write_timeout(Some(Duration::from_millis(200)));
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
    }
}

fn tls_error(url: &str, timeout: Duration, e: std::io::Error) -> NcaLayerError {
    if is_timeout(&e) {
        return NcaLayerError::Timeout {
            what: "the TLS handshake",
            after: timeout,
        };
    }
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidCertificate(reason)) => NcaLayerError::TlsUntrusted {
            url: url.to_string(),
            reason: certificate_reason(reason),
        },
        Some(other) => NcaLayerError::Handshake {
            url: url.to_string(),
            reason: other.to_string(),
        },
        None => NcaLayerError::Handshake {
            url: url.to_string(),
            reason: e.to_string(),
        },
    }
}

/// Why a certificate was refused, in words.
fn certificate_reason(e: &rustls::CertificateError) -> String {
    use rustls::CertificateError as E;
    match e {
        E::Other(other) => other.0.to_string(),
        E::UnknownIssuer => "it does not chain to the NCA roots given".to_string(),
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            "it is not issued for this address".to_string()
        }
        E::Expired | E::ExpiredContext { .. } => "it has expired".to_string(),
        E::NotValidYet | E::NotValidYetContext { .. } => "it is not valid yet".to_string(),
        E::Revoked => "it is revoked".to_string(),
        E::BadSignature => "its signature is invalid".to_string(),
        E::InvalidPurpose | E::InvalidPurposeContext { .. } => {
            "it is not a TLS server certificate".to_string()
        }
        other => format!("{other:?}"),
    }
}
