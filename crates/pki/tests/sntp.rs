//! The SNTP client against small responders started here on 127.0.0.1, each with a known
//! offset to this machine's clock.
#![allow(clippy::unwrap_used)]

use std::net::UdpSocket;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tekseru_pki::sntp::{self, from_ntp, to_ntp};
use tekseru_pki::{Report, Verdict};

/// What a responder answers with.
#[derive(Clone, Copy)]
struct Behaviour {
    /// Its clock minus the real one, nanoseconds.
    offset_ns: i128,
    leap: u8,
    stratum: u8,
}

const GOOD: Behaviour = Behaviour {
    offset_ns: 0,
    leap: 0,
    stratum: 1,
};

fn now_ns() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i128
}

/// Starts a responder answering `answers` requests; returns its address.
fn responder(b: Behaviour, answers: usize) -> String {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut buf = [0u8; 48];
        for _ in 0..answers {
            let Ok((n, from)) = socket.recv_from(&mut buf) else {
                return;
            };
            let received = now_ns() + b.offset_ns;
            assert_eq!(n, 48);
            assert_eq!(buf[0] & 7, 3, "a client request");
            let mut out = [0u8; 48];
            out[0] = (b.leap << 6) | (4 << 3) | 4;
            out[1] = b.stratum;
            out[12..16].copy_from_slice(b"GPS\0");
            out[24..32].copy_from_slice(&buf[40..48]); // originate = the client's transmit
            out[32..40].copy_from_slice(&to_ntp(received).to_be_bytes());
            std::thread::sleep(Duration::from_millis(2));
            out[40..48].copy_from_slice(&to_ntp(now_ns() + b.offset_ns).to_be_bytes());
            socket.send_to(&out, from).unwrap();
        }
    });
    addr
}

#[test]
fn the_offset_of_a_responder_is_measured() {
    let server = responder(
        Behaviour {
            offset_ns: 2_500_000_000,
            ..GOOD
        },
        1,
    );
    let sample = sntp::query(&server, Duration::from_secs(2)).unwrap();
    assert!(
        (sample.offset_ms - 2500.0).abs() < 50.0,
        "offset {} ms",
        sample.offset_ms
    );
    assert!(
        sample.delay_ms >= 0.0 && sample.delay_ms < 100.0,
        "{}",
        sample.delay_ms
    );
    assert_eq!((sample.stratum, sample.reference_id.as_str()), (1, "GPS"));
    assert_eq!(sample.version, 4);
    let server_time = time::OffsetDateTime::parse(
        &sample.server_time,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let ahead = server_time.unix_timestamp_nanos() - now_ns();
    assert!((ahead - 2_500_000_000).abs() < 100_000_000, "{ahead}");
}

#[test]
fn against_the_laptop_and_against_a_second_source() {
    let ahead = Behaviour {
        offset_ns: 2_500_000_000,
        ..GOOD
    };
    // 2.5 s off the laptop: beyond the default 1000 ms.
    let report = sntp::check(&responder(ahead, 1), None, Duration::from_secs(2), 1000.0);
    assert_eq!(
        report.verdict,
        Verdict::DoesNotComply,
        "{:?}",
        report.reasons
    );
    assert!(
        report.reasons[0].contains("off the laptop's clock"),
        "{:?}",
        report.reasons
    );
    // The second source is 2.4 s ahead too: the two agree within 1000 ms.
    let second = Behaviour {
        offset_ns: 2_400_000_000,
        ..GOOD
    };
    let report = sntp::check(
        &responder(ahead, 1),
        Some(&responder(second, 1)),
        Duration::from_secs(2),
        1000.0,
    );
    assert_eq!(report.verdict, Verdict::Complies, "{:?}", report.reasons);
    let d = report.offset_to_second_ms.unwrap();
    assert!((d - 100.0).abs() < 50.0, "{d}");
    assert!(report.text().contains("time server minus second source"));
    // A second source 3 s behind the server: the server does not comply.
    let behind = Behaviour {
        offset_ns: -500_000_000,
        ..GOOD
    };
    let report = sntp::check(
        &responder(ahead, 1),
        Some(&responder(behind, 1)),
        Duration::from_secs(2),
        1000.0,
    );
    assert_eq!(report.verdict, Verdict::DoesNotComply);
    assert!(report.reasons[0].contains("off the second source"));
}

#[test]
fn an_unsynchronised_server_and_a_silent_one() {
    let alarm = Behaviour { leap: 3, ..GOOD };
    let report = sntp::check(&responder(alarm, 1), None, Duration::from_secs(2), 1000.0);
    assert_eq!(report.verdict, Verdict::DoesNotComply);
    assert!(report.reasons[0].contains("not synchronised"));
    let kiss = Behaviour { stratum: 0, ..GOOD };
    let report = sntp::check(&responder(kiss, 1), None, Duration::from_secs(2), 1000.0);
    assert_eq!(report.verdict, Verdict::DoesNotComply);
    assert!(report.reasons[0].contains("kiss-o'-death"));

    // A socket that never answers: not verifiable here, after the timeout.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let started = std::time::Instant::now();
    let report = sntp::check(&addr, None, Duration::from_millis(300), 1000.0);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(report.verdict, Verdict::NotVerifiableHere);
    assert!(
        report.reasons[0].contains("no answer"),
        "{:?}",
        report.reasons
    );
    drop(silent);
}

#[test]
fn ntp_time_of_a_known_moment() {
    // 2024-11-01 08:30:00 UTC = NTP seconds 3939438600 (1730449800 + 2208988800).
    let ns = 1_730_449_800i128 * 1_000_000_000;
    assert_eq!(to_ntp(ns) >> 32, 3_939_438_600);
    assert_eq!(from_ntp(to_ntp(ns)), ns);
}
