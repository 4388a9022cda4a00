//! Garbage, wrong encodings, truncated and mutated files: every check ends with a clear
//! verdict and its reason, never a panic.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tekseru_pki::registry::Registry;
use tekseru_pki::{chain, crl, oids, Input, Verdict};
use time::macros::datetime;
use time::OffsetDateTime;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
const AT: OffsetDateTime = datetime!(2025-05-01 0:00 UTC);

fn file(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{ROOT}{rel}")).unwrap()
}

fn nca() -> Vec<u8> {
    file("assets/anchors/prod/nca_gost_2022.cer")
}

fn test_crl() -> Vec<u8> {
    file("crates/eds/tests/fixtures/crl/nca_gost2022_test.crl")
}

fn issuer() -> Input {
    Input::new("issuer", file("assets/anchors/test/nca_gost2022_test.cer"))
}

/// A verdict other than "complies" always comes with a reason.
fn explained(verdict: Verdict, reasons: &[String]) -> bool {
    verdict == Verdict::Complies || !reasons.is_empty()
}

#[test]
fn wrong_encodings_say_what_is_wrong() {
    let pem_of_crl = b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n".to_vec();
    for bytes in [
        Vec::new(),
        b"hello".to_vec(),
        pem_of_crl,
        test_crl(), // a CRL where a certificate is expected
        b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n".to_vec(),
    ] {
        let input = Input::new("bad.cer", bytes);
        let report = chain::check(&input, &[], None, &[], AT);
        assert_eq!(report.verdict, Verdict::NotVerifiableHere);
        assert!(
            report.reasons[0].starts_with("bad.cer: "),
            "{:?}",
            report.reasons
        );
        let report = oids::check(std::slice::from_ref(&input), &Registry::shipped().unwrap());
        assert_eq!(report.verdict, Verdict::NotVerifiableHere);
        assert!(report.certificates[0].error.is_some());
    }
    // A certificate where a CRL is expected.
    let report = crl::check(&Input::new("x.crl", nca()), None, &[], AT, false);
    assert_eq!(report.verdict, Verdict::NotVerifiableHere);
    assert!(
        report.reasons[0].starts_with("x.crl: "),
        "{:?}",
        report.reasons
    );
}

#[test]
fn not_yet_valid_certificates_do_not_comply() {
    let leaf = Input::new("nca", nca());
    let report = chain::check(&leaf, &[], None, &[], datetime!(2022-01-01 0:00 UTC));
    assert_eq!(report.verdict, Verdict::DoesNotComply);
    assert!(
        report
            .reasons
            .iter()
            .any(|r| r.contains("not valid at 2022-01-01T00:00:00Z")),
        "{:?}",
        report.reasons
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_get_a_verdict(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let input = Input::new("random", bytes);
        let c = chain::check(&input, std::slice::from_ref(&input), Some(std::slice::from_ref(&input)), std::slice::from_ref(&input), AT);
        prop_assert!(explained(c.verdict, &c.reasons));
        let r = crl::check(&input, Some(&input), std::slice::from_ref(&input), AT, true);
        prop_assert!(explained(r.verdict, &r.reasons));
        let o = oids::check(&[input], &Registry::shipped().unwrap());
        prop_assert!(explained(o.verdict, &o.reasons));
    }

    #[test]
    fn mutated_certificates_get_a_verdict(index in 0usize..1008, byte in any::<u8>()) {
        let mut bytes = nca();
        let i = index % bytes.len();
        let unchanged = bytes[i] == byte;
        bytes[i] = byte;
        let report = chain::check(&Input::new("mutated", bytes), &[], None, &[], AT);
        prop_assert!(explained(report.verdict, &report.reasons));
        // Any change to the signed certificate is caught: only the unchanged one complies.
        if report.verdict == Verdict::Complies {
            prop_assert!(unchanged || report.links.first().is_some_and(|l| l.anchor),
                "a changed certificate complies: {:?}", report.links.first().map(|l| &l.sha256));
        }
    }

    #[test]
    fn truncated_certificates_and_crls_get_a_verdict(len in 0usize..2800) {
        let cert = nca();
        let report = chain::check(&Input::new("cut", cert[..len.min(cert.len())].to_vec()), &[], None, &[], AT);
        prop_assert!(explained(report.verdict, &report.reasons));
        if len < cert.len() {
            prop_assert_ne!(report.verdict, Verdict::Complies);
        }
        let list = test_crl();
        let cut = &list[..len.min(list.len())];
        let report = crl::check(&Input::new("cut.crl", cut.to_vec()), Some(&issuer()), &[], AT, false);
        prop_assert!(explained(report.verdict, &report.reasons));
        if len < list.len() {
            prop_assert_ne!(report.verdict, Verdict::Complies);
        }
    }

    #[test]
    fn mutated_crls_get_a_verdict(index in 0usize..2767, byte in any::<u8>()) {
        let mut list = test_crl();
        let i = index % list.len();
        let unchanged = list[i] == byte;
        list[i] = byte;
        let report = crl::check(&Input::new("mutated.crl", list), Some(&issuer()), &[], AT, false);
        prop_assert!(explained(report.verdict, &report.reasons));
        if report.verdict == Verdict::Complies {
            prop_assert!(unchanged, "a changed CRL complies at byte {i}");
        }
    }
}
