//! Shared by the integration tests: the NCA test key files in `assets/kz-eds-test/keys/`.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::PathBuf;

/// The password of every NCA test key file.
pub const NCA_PASSWORD: &str = "Qwerty12";

/// The NCA test key files, with the key algorithm each holds.
pub const NCA_KEYS: &[(&str, &str)] = &[
    (
        "GOST512_0d79679f360a2da49a631a0b1ac76f76c34b6f24.p12",
        "1.2.398.3.10.1.1.2.2",
    ),
    (
        "GOST512_0860d9665327c26760c213126760a3b73072218d.p12",
        "1.2.398.3.10.1.1.2.2",
    ),
    (
        "RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.p12",
        "1.2.840.113549.1.1.1",
    ),
    (
        "AUTH_RSA256_b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d.p12",
        "1.2.840.113549.1.1.1",
    ),
    (
        "GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.p12",
        "1.2.398.3.10.1.1.1.1",
    ),
];

pub fn nca_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/kz-eds-test/keys")
        .join(name)
}

pub fn nca_file(name: &str) -> Vec<u8> {
    std::fs::read(nca_path(name)).unwrap()
}

/// The hex in a file name: `GOST512_<hex>.p12` → `<hex>`.
pub fn name_hex(name: &str) -> &str {
    name.rsplit('_').next().unwrap().trim_end_matches(".p12")
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that `der` is one DER value: definite, minimally encoded lengths all the way down
/// through constructed values, no constructed OCTET STRING, nothing after it. Returns the
/// tag of the outer value.
pub fn assert_der(der: &[u8]) -> u8 {
    assert_eq!(value(der, true), der.len(), "bytes after the value");
    der[0]
}

/// How many values the outer SEQUENCE of a DER PFX holds: 3 with a MAC, 2 without.
pub fn pfx_fields(der: &[u8]) -> usize {
    let (_, hl, len) = header(der);
    let mut at = hl;
    let mut n = 0;
    while at < hl + len {
        at += value(&der[at..hl + len], false);
        n += 1;
    }
    n
}

/// Tag, header length and content length of a DER value.
fn header(d: &[u8]) -> (u8, usize, usize) {
    let tag = d[0];
    assert_ne!(tag & 0x1f, 0x1f, "high tag numbers are not expected here");
    match d[1] {
        n if n < 0x80 => (tag, 2, usize::from(n)),
        0x80 => panic!("indefinite length: BER, not DER"),
        n => {
            let k = usize::from(n & 0x7f);
            let len = d[2..2 + k]
                .iter()
                .fold(0usize, |a, b| a << 8 | usize::from(*b));
            assert!(len >= 0x80 && d[2] != 0, "length not minimally encoded");
            (tag, 2 + k, len)
        }
    }
}

/// The length of the DER value at the start of `d`, checked all the way down if `deep`.
fn value(d: &[u8], deep: bool) -> usize {
    let (tag, hl, len) = header(d);
    assert_ne!(tag, 0x24, "constructed OCTET STRING: BER, not DER");
    if deep && tag & 0x20 != 0 {
        let mut at = hl;
        while at < hl + len {
            at += value(&d[at..hl + len], true);
        }
        assert_eq!(at, hl + len);
    }
    hl + len
}

/// The PFX without its MacData: the same container, with no integrity check. The outer
/// SEQUENCE and its first two values must have definite lengths (true of NCA and OpenSSL files).
pub fn strip_mac(pfx: &[u8]) -> Vec<u8> {
    let (tag, hl, _) = header(pfx);
    assert_eq!(tag, 0x30);
    let version = value(&pfx[hl..], false);
    let auth_safe = value(&pfx[hl + version..], false);
    let content = &pfx[hl..hl + version + auth_safe];
    let mut out = vec![0x30];
    match content.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}
