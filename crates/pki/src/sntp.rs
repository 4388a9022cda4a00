//! §12(8), (9): the CA's time server, queried by SNTP (RFC 4330) with a timeout: its offset
//! and round-trip delay against the laptop's clock, and against a second source.
//!
//! The client is the 48-byte exchange of RFC 4330 over a `UdpSocket`, written here rather
//! than taken from a crate: the report needs the raw fields (leap indicator, stratum,
//! reference id, kiss code) and the §5 sanity checks (mode, originate timestamp, stratum,
//! non-zero transmit time), and the crates that exist give only the offset.

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::{header, Report, Verdict};

/// Seconds from 1900-01-01 (NTP era 0) to 1970-01-01.
const NTP_UNIX: i128 = 2_208_988_800;
const NANOS: i128 = 1_000_000_000;

/// Nanoseconds since the Unix epoch of `SystemTime::now()` (negative before it).
fn now_nanos() -> i128 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i128::try_from(d.as_nanos()).unwrap_or(i128::MAX),
        Err(e) => -i128::try_from(e.duration().as_nanos()).unwrap_or(i128::MAX),
    }
}

/// A 64-bit NTP timestamp of Unix nanoseconds.
pub fn to_ntp(unix_nanos: i128) -> u64 {
    let ntp = unix_nanos + NTP_UNIX * NANOS;
    let secs = ntp.div_euclid(NANOS);
    let frac = (ntp.rem_euclid(NANOS) << 32) / NANOS;
    // Era 1 (from 2036) wraps the seconds: keep the low 32 bits.
    (((secs as u64) & 0xffff_ffff) << 32) | (frac as u64 & 0xffff_ffff)
}

/// Unix nanoseconds of an NTP timestamp. Seconds below 2^31 are taken to be era 1 (after
/// 2036-02-07), as RFC 4330 §3 advises.
pub fn from_ntp(ntp: u64) -> i128 {
    let secs = i128::from(ntp >> 32);
    let secs = if secs < (1 << 31) {
        secs + (1i128 << 32)
    } else {
        secs
    };
    let frac = i128::from(ntp & 0xffff_ffff);
    (secs - NTP_UNIX) * NANOS + ((frac * NANOS) >> 32)
}

fn read_u32(packet: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    if let Some(s) = packet.get(at..at + 4) {
        b.copy_from_slice(s);
    }
    u32::from_be_bytes(b)
}

fn read_u64(packet: &[u8], at: usize) -> u64 {
    (u64::from(read_u32(packet, at)) << 32) | u64::from(read_u32(packet, at + 4))
}

/// One server's answer, measured.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Sample {
    /// The server as given.
    pub server: String,
    /// The address it answered from.
    pub address: String,
    /// Leap indicator: 0 none, 1/2 a leap second ahead, 3 the clock is not synchronised.
    pub leap: u8,
    /// NTP version of the answer.
    pub version: u8,
    /// Stratum: 1 a primary reference, 2–15 secondary, 0 a kiss-o'-death.
    pub stratum: u8,
    /// The reference id: four ASCII characters for stratum 0–1 (`GPS`, `PPS`, a kiss code),
    /// else an address.
    pub reference_id: String,
    /// The server's transmit time, RFC 3339 with nanoseconds.
    pub server_time: String,
    /// The laptop's clock when the answer arrived, RFC 3339 with nanoseconds.
    pub laptop_time: String,
    /// The server's clock minus the laptop's, milliseconds.
    pub offset_ms: f64,
    /// The round-trip delay, milliseconds.
    pub delay_ms: f64,
    /// Root delay the server reports, milliseconds.
    pub root_delay_ms: f64,
    /// Root dispersion the server reports, milliseconds.
    pub root_dispersion_ms: f64,
}

/// Why a server gave no usable answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SntpError {
    /// The name does not resolve, or the socket cannot be used.
    #[error("{0}")]
    Network(String),
    /// Nothing valid came back in time.
    #[error("no answer from {server} within {timeout_ms} ms")]
    Timeout {
        /// The server.
        server: String,
        /// The timeout.
        timeout_ms: u64,
    },
}

fn rfc3339_nanos(unix_nanos: i128) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(unix_nanos)
        .map(crate::rfc3339)
        .unwrap_or_default()
}

/// `host`, `host:port`, `[v6]:port` or `v6` → socket addresses, port 123 by default.
fn resolve(server: &str) -> Result<Vec<SocketAddr>, SntpError> {
    let with_port = if server.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{server}]:123")
    } else if server.rsplit_once(':').is_some_and(|(h, p)| {
        !h.is_empty() && !h.ends_with(':') && p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty()
    }) {
        server.to_owned()
    } else {
        format!("{server}:123")
    };
    let addrs: Vec<SocketAddr> = with_port
        .to_socket_addrs()
        .map_err(|e| SntpError::Network(format!("cannot resolve {server}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(SntpError::Network(format!("{server} has no address")));
    }
    Ok(addrs)
}

/// Parses a server's answer to the request sent at NTP time `sent` (`t1`, Unix ns), received
/// at `t4`. `None` when it is not an answer to it (RFC 4330 §5 checks).
fn parse_answer(
    packet: &[u8],
    sent: u64,
    t1: i128,
    t4: i128,
    server: &str,
    from: SocketAddr,
) -> Option<Sample> {
    if packet.len() < 48 {
        return None;
    }
    let first = *packet.first()?;
    let (leap, version, mode) = (first >> 6, (first >> 3) & 7, first & 7);
    if mode != 4 || !(1..=4).contains(&version) || read_u64(packet, 24) != sent {
        return None;
    }
    let transmit = read_u64(packet, 40);
    let receive = read_u64(packet, 32);
    let stratum = *packet.get(1)?;
    let id = packet.get(12..16)?;
    let reference_id = if stratum <= 1 {
        id.iter()
            .take_while(|b| **b != 0)
            .map(|b| {
                if b.is_ascii_graphic() {
                    *b as char
                } else {
                    '?'
                }
            })
            .collect()
    } else {
        id.iter().map(u8::to_string).collect::<Vec<_>>().join(".")
    };
    let short = |v: u32| f64::from(v) / 65536.0 * 1000.0;
    let (t2, t3) = if transmit == 0 {
        (0, 0)
    } else {
        (from_ntp(receive), from_ntp(transmit))
    };
    let offset = ((t2 - t1) + (t3 - t4)) as f64 / 2.0;
    let delay = ((t4 - t1) - (t3 - t2)) as f64;
    Some(Sample {
        server: server.to_owned(),
        address: from.to_string(),
        leap,
        version,
        stratum,
        reference_id,
        server_time: if transmit == 0 {
            String::new()
        } else {
            rfc3339_nanos(t3)
        },
        laptop_time: rfc3339_nanos(t4),
        offset_ms: offset / 1e6,
        delay_ms: delay / 1e6,
        root_delay_ms: short(read_u32(packet, 4)),
        root_dispersion_ms: short(read_u32(packet, 8)),
    })
}

/// Queries `server` (`host[:port]`, port 123 by default) once, waiting at most `timeout`.
pub fn query(server: &str, timeout: Duration) -> Result<Sample, SntpError> {
    let addrs = resolve(server)?;
    let target = addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| SntpError::Network(format!("{server} has no address")))?;
    let local: SocketAddr = if target.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let net = |e: std::io::Error| SntpError::Network(format!("{server}: {e}"));
    let socket = UdpSocket::bind(local).map_err(net)?;
    socket.connect(target).map_err(net)?;
    let mut request = [0u8; 48];
    request[0] = 0x23; // LI 0, version 4, mode 3 (client)
    let t1 = now_nanos();
    let sent = to_ntp(t1);
    request[40..48].copy_from_slice(&sent.to_be_bytes());
    let started = Instant::now();
    socket.send(&request).map_err(net)?;
    let mut buf = [0u8; 512];
    loop {
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            break;
        }
        socket.set_read_timeout(Some(left)).map_err(net)?;
        match socket.recv(&mut buf) {
            Ok(n) => {
                let t4 = now_nanos();
                if let Some(sample) = parse_answer(
                    buf.get(..n).unwrap_or_default(),
                    sent,
                    t1,
                    t4,
                    server,
                    target,
                ) {
                    return Ok(sample);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break
            }
            // An ICMP "port unreachable" surfaces as ConnectionRefused: nothing will come.
            Err(e) => return Err(net(e)),
        }
    }
    Err(SntpError::Timeout {
        server: server.to_owned(),
        timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
    })
}

/// A server's result: its sample or why there is none.
#[derive(Clone, Debug, Serialize)]
pub struct Source {
    /// The server as given.
    pub server: String,
    /// Whether it answered.
    pub answered: bool,
    /// The measurement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<Sample>,
    /// Why it did not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The report of [`check`].
#[derive(Clone, Debug, Serialize)]
pub struct TimeCheck {
    /// Always `time`.
    pub check: &'static str,
    /// The paragraphs of 224/НҚ they serve.
    pub paragraphs: &'static str,
    /// The proposed verdict.
    pub verdict: Verdict,
    /// Why, one sentence each.
    pub reasons: Vec<String>,
    /// What was noticed without failing it.
    pub notes: Vec<String>,
    /// The largest offset accepted, milliseconds (tekseru's default or `--max-offset`; the
    /// law sets no number).
    pub max_offset_ms: f64,
    /// The CA's time server.
    pub server: Source,
    /// The second source, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second: Option<Source>,
    /// The CA's server's clock minus the second source's, milliseconds, when both answered.
    pub offset_to_second_ms: Option<f64>,
}

impl Report for TimeCheck {
    fn check(&self) -> &'static str {
        self.check
    }
    fn verdict(&self) -> Verdict {
        self.verdict
    }
    fn reasons(&self) -> &[String] {
        &self.reasons
    }
    fn text(&self) -> String {
        let mut out = header("Time source", self.paragraphs, self.verdict, &self.reasons);
        out.push_str(&format!(
            "largest offset accepted: {} ms\n",
            self.max_offset_ms
        ));
        for (what, s) in std::iter::once(("time server", &self.server))
            .chain(self.second.as_ref().map(|s| ("second source", s)))
        {
            out.push_str(&format!("\n{what}: {}\n", s.server));
            match (&s.sample, &s.error) {
                (Some(x), _) => out.push_str(&format!(
                    "  address: {}\n  stratum: {}, reference: {}, leap indicator: {}, version: {}\n  \
                     server time: {}\n  laptop time: {}\n  offset to the laptop: {:+.3} ms\n  \
                     round-trip delay: {:.3} ms\n  root delay: {:.3} ms, root dispersion: {:.3} ms\n",
                    x.address,
                    x.stratum,
                    x.reference_id,
                    x.leap,
                    x.version,
                    x.server_time,
                    x.laptop_time,
                    x.offset_ms,
                    x.delay_ms,
                    x.root_delay_ms,
                    x.root_dispersion_ms
                )),
                (None, Some(e)) => out.push_str(&format!("  no answer: {e}\n")),
                (None, None) => {}
            }
        }
        if let Some(d) = self.offset_to_second_ms {
            out.push_str(&format!("\ntime server minus second source: {d:+.3} ms\n"));
        }
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        out
    }
}

fn source(server: &str, result: Result<Sample, SntpError>) -> Source {
    match result {
        Ok(s) => Source {
            server: server.to_owned(),
            answered: true,
            sample: Some(s),
            error: None,
        },
        Err(e) => Source {
            server: server.to_owned(),
            answered: false,
            sample: None,
            error: Some(e.to_string()),
        },
    }
}

/// Whether a sample says the server's clock is synchronised; the reason when not.
fn unsynchronised(s: &Sample) -> Option<String> {
    if s.stratum == 0 {
        Some(format!(
            "{} sent a kiss-o'-death ({}): it refuses to serve time",
            s.server, s.reference_id
        ))
    } else if s.leap == 3 {
        Some(format!(
            "{} says its clock is not synchronised (leap indicator 3)",
            s.server
        ))
    } else if s.stratum > 15 {
        Some(format!(
            "{} has stratum {}: not synchronised to a reference",
            s.server, s.stratum
        ))
    } else if s.server_time.is_empty() {
        Some(format!("{} sent no transmit time", s.server))
    } else {
        None
    }
}

/// Queries `server` and, when given, `second`, each with `timeout`, and judges the server's
/// offset against `max_offset_ms`: against the second source when it answered, else against
/// the laptop's clock.
pub fn check(
    server: &str,
    second: Option<&str>,
    timeout: Duration,
    max_offset_ms: f64,
) -> TimeCheck {
    let main = source(server, query(server, timeout));
    let second = second.map(|s| source(s, query(s, timeout)));
    let mut reasons = Vec::new();
    let mut notes = Vec::new();
    let mut undecided = Vec::new();
    let mut offset_to_second_ms = None;
    match &main.sample {
        None => undecided.push(format!(
            "the time server gave no answer: {}",
            main.error.as_deref().unwrap_or("?")
        )),
        Some(s) => {
            if let Some(r) = unsynchronised(s) {
                reasons.push(r);
            }
            let other = second.as_ref().and_then(|x| x.sample.as_ref());
            if let Some(x) = second.as_ref().filter(|x| !x.answered) {
                notes.push(format!(
                    "the second source {} gave no answer ({}): the offset is judged against the \
                     laptop's clock",
                    x.server,
                    x.error.as_deref().unwrap_or("?")
                ));
            }
            if let Some(o) = other {
                if let Some(r) = unsynchronised(o) {
                    notes.push(format!("the second source: {r}"));
                }
                let d = s.offset_ms - o.offset_ms;
                offset_to_second_ms = Some(d);
                if d.abs() > max_offset_ms {
                    reasons.push(format!(
                        "the time server is {d:+.3} ms off the second source {}, more than {max_offset_ms} ms",
                        o.server
                    ));
                }
            } else if s.offset_ms.abs() > max_offset_ms {
                reasons.push(format!(
                    "the time server is {:+.3} ms off the laptop's clock, more than {max_offset_ms} ms \
                     (give --second to compare with another source)",
                    s.offset_ms
                ));
            }
        }
    }
    let verdict = if !reasons.is_empty() {
        Verdict::DoesNotComply
    } else if !undecided.is_empty() {
        Verdict::NotVerifiableHere
    } else {
        Verdict::Complies
    };
    reasons.extend(undecided);
    TimeCheck {
        check: "time",
        paragraphs: "224/НҚ §12(8), (9)",
        verdict,
        reasons,
        notes,
        max_offset_ms,
        server: main,
        second,
        offset_to_second_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ntp_timestamps_round_trip(ns in 0i128..4_000_000_000i128 * NANOS) {
            let back = from_ntp(to_ntp(ns));
            // The 32-bit fraction is 0.23 ns; truncation loses at most one nanosecond.
            prop_assert!((back - ns).abs() <= 1, "{ns} → {back}");
        }

        #[test]
        fn any_answer_is_parsed_or_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let from: SocketAddr = ([127, 0, 0, 1], 123).into();
            let _ = parse_answer(&bytes, 0, 0, 0, "x", from);
        }
    }

    #[test]
    fn an_answer_to_another_request_is_ignored() {
        let from: SocketAddr = ([127, 0, 0, 1], 123).into();
        let mut p = [0u8; 48];
        p[0] = 0x24;
        p[1] = 1;
        p[24..32].copy_from_slice(&7u64.to_be_bytes());
        p[40..48].copy_from_slice(&to_ntp(1_700_000_000 * NANOS).to_be_bytes());
        assert!(parse_answer(&p, 8, 0, 0, "x", from).is_none());
        assert!(parse_answer(&p, 7, 0, 0, "x", from).is_some());
        p[0] = 0x23; // a client's packet, not a server's
        assert!(parse_answer(&p, 7, 0, 0, "x", from).is_none());
    }
}
