//! The field checks on real NCA RK material: the production chains, the NCA TEST CRL, a test
//! certificate under the production roots, the shipped registry and anchors.
#![allow(clippy::unwrap_used)]

use tekseru_eds::key::Credential;
use tekseru_pki::registry::{Kind, Registry};
use tekseru_pki::{anchors, chain, crl, oids, Input, Report, Verdict};
use time::macros::datetime;
use time::OffsetDateTime;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
const AT: OffsetDateTime = datetime!(2025-01-01 0:00 UTC);

fn asset(rel: &str) -> Input {
    Input::read(format!("{ROOT}{rel}")).unwrap()
}

fn prod(name: &str) -> Input {
    asset(&format!("assets/anchors/prod/{name}.cer"))
}

fn sha(input: &Input) -> String {
    input.describe().sha256
}

/// The certificate of an NCA TEST key container, as a DER input.
fn test_key_cert(prefix: &str) -> Input {
    let dir = format!("{ROOT}assets/kz-eds-test/keys/");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with(prefix))
        .unwrap();
    let p12 = std::fs::read(format!("{dir}{file}")).unwrap();
    let cred = Credential::open_p12(&p12, "Qwerty12").unwrap();
    Input::new(file, cred.certificate().der().to_vec())
}

/// The byte offset of the last byte of the signature value (the DER's last byte).
fn flip_signature(input: &Input) -> Input {
    let mut bytes = input.bytes.clone();
    let n = bytes.len() - 3;
    bytes[n] ^= 0x01;
    Input::new(format!("{} (flipped)", input.name), bytes)
}

#[test]
fn the_production_chains_verify_up_to_their_roots() {
    for (leaf, root) in [
        ("nca_gost_2022", "root_gost_2022"),
        ("nca_rsa_2022", "root_rsa_2020"),
        ("ucgo_gost", "root_gost_2020"),
    ] {
        let (leaf, root) = (prod(leaf), prod(root));
        // With the shipped anchors and with the root alone as the anchor.
        for anchors in [None, Some(std::slice::from_ref(&root))] {
            let report = chain::check(&leaf, &[], anchors, &[], AT);
            assert_eq!(
                report.verdict,
                Verdict::Complies,
                "{}: {:?}",
                leaf.name,
                report.reasons
            );
            assert!(report.trusted);
            assert_eq!(report.links.len(), 2, "{}", leaf.name);
            assert_eq!(report.links[0].sha256, sha(&leaf));
            assert_eq!(report.links[1].sha256, sha(&root), "{}", leaf.name);
            assert!(report.links[1].anchor);
            assert!(report.text().contains("verdict: complies"));
        }
    }
}

#[test]
fn a_flipped_byte_in_any_signature_fails_naming_the_link() {
    for (leaf, root) in [
        ("nca_gost_2022", "root_gost_2022"),
        ("nca_rsa_2022", "root_rsa_2020"),
        ("ucgo_gost", "root_gost_2020"),
    ] {
        let (leaf, root) = (prod(leaf), prod(root));
        // The intermediate's signature, by the root.
        let report = chain::check(&flip_signature(&leaf), &[], None, &[], AT);
        assert_eq!(report.verdict, Verdict::DoesNotComply, "{}", leaf.name);
        assert!(
            report
                .reasons
                .iter()
                .any(|r| r.starts_with("link 1 (") && r.contains("does not verify")),
            "{}: {:?}",
            leaf.name,
            report.reasons
        );
        assert!(!report.links[0].ok);
        // The root's own signature, the root given as the anchor.
        let flipped_root = flip_signature(&root);
        let report = chain::check(
            &leaf,
            &[],
            Some(std::slice::from_ref(&flipped_root)),
            &[],
            AT,
        );
        assert_eq!(report.verdict, Verdict::DoesNotComply, "{}", root.name);
        assert!(
            report
                .reasons
                .iter()
                .any(|r| r.starts_with("link 2 (") && r.contains("self-signature does not verify")),
            "{}: {:?}",
            root.name,
            report.reasons
        );
        assert!(report.links[0].ok && !report.links[1].ok);
    }
}

#[test]
fn a_test_certificate_under_the_production_roots_fails_wrong_root() {
    for prefix in ["GOST512_0d79", "RSA256_11c7"] {
        let cert = test_key_cert(prefix);
        let report = chain::check(&cert, &[], None, &[], datetime!(2020-06-01 0:00 UTC));
        assert_eq!(report.verdict, Verdict::DoesNotComply, "{prefix}");
        assert!(!report.trusted);
        assert!(
            report.reasons.iter().any(|r| r.contains("wrong root")),
            "{prefix}: {:?}",
            report.reasons
        );
    }
    // Under the NCA TEST anchors the GOST one does chain.
    let cert = test_key_cert("GOST512_0d79");
    let training: Vec<Input> = std::fs::read_dir(format!("{ROOT}assets/anchors/test"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cer"))
        .map(|p| Input::read(p).unwrap())
        .collect();
    let report = chain::check(
        &cert,
        &[],
        Some(&training),
        &[],
        datetime!(2025-01-01 0:00 UTC),
    );
    assert_eq!(report.verdict, Verdict::Complies, "{:?}", report.reasons);
    assert_eq!(report.links.len(), 3);
}

#[test]
fn the_test_crl_verifies_under_its_issuer_and_lists_the_revoked_key() {
    let list = asset("crates/eds/tests/fixtures/crl/nca_gost2022_test.crl");
    let issuer = asset("assets/anchors/test/nca_gost2022_test.cer");
    let revoked = test_key_cert("GOST512_0860");
    let fine = test_key_cert("GOST512_0d79");
    let at = datetime!(2025-05-01 0:00 UTC);
    let report = crl::check(&list, Some(&issuer), &[revoked, fine], at, false);
    assert_eq!(report.verdict, Verdict::Complies, "{:?}", report.reasons);
    let signature = report.signature.as_ref().unwrap();
    assert_eq!(signature.verified, Some(true));
    assert_eq!(signature.issuer_from, Some("given"));
    assert!(
        signature.algorithm.contains("GOST"),
        "{}",
        signature.algorithm
    );
    assert!(report.fresh && !report.delta);
    assert_eq!(report.entries, 54);
    let hit = &report.lookups[0];
    assert!(hit.covered && hit.revoked && hit.revoked_at_time);
    assert_eq!(hit.revoked_on.as_deref(), Some("2024-10-29T11:45:53Z"));
    assert!(report.text().contains("REVOKED on 2024-10-29T11:45:53Z"));
    let miss = &report.lookups[1];
    assert!(miss.covered && !miss.revoked);

    // Without --issuer it is found among the shipped (training) anchors, and said so.
    let report = crl::check(&list, None, &[], at, false);
    assert_eq!(report.verdict, Verdict::Complies, "{:?}", report.reasons);
    assert_eq!(
        report.signature.as_ref().unwrap().issuer_from,
        Some("training anchors")
    );
    assert!(report.notes.iter().any(|n| n.contains("NCA TEST")));

    // Out of date a year later; not yet issued before its thisUpdate.
    let late = crl::check(
        &list,
        Some(&issuer),
        &[],
        datetime!(2026-05-01 0:00 UTC),
        false,
    );
    assert_eq!(late.verdict, Verdict::DoesNotComply);
    assert!(
        late.reasons[0].contains("out of date"),
        "{:?}",
        late.reasons
    );
    let early = crl::check(
        &list,
        Some(&issuer),
        &[],
        datetime!(2025-01-01 0:00 UTC),
        false,
    );
    assert_eq!(early.verdict, Verdict::DoesNotComply);
    assert!(early.reasons[0].contains("not yet issued"));

    // Under another CA's certificate, and with a flipped signature byte: does not verify.
    let other = asset("assets/anchors/test/root_test_gost_2022.cer");
    let report = crl::check(&list, Some(&other), &[], at, false);
    assert_eq!(report.verdict, Verdict::DoesNotComply);
    let flipped = flip_signature(&list);
    let report = crl::check(&flipped, Some(&issuer), &[], at, false);
    assert_eq!(report.verdict, Verdict::DoesNotComply);
    assert_eq!(report.signature.as_ref().unwrap().verified, Some(false));

    // The delta CRL is recognised as one.
    let delta = asset("crates/eds/tests/fixtures/crl/nca_gost2022_d_test.crl");
    let report = crl::check(&delta, Some(&issuer), &[], at, true);
    assert!(report.delta && report.delta_base.is_some());
    assert!(report.notes.iter().any(|n| n.contains("delta CRL")));
    assert_eq!(report.revoked.as_ref().map(Vec::len), Some(report.entries));
}

#[test]
fn the_oids_of_nca_certificates_are_all_registered() {
    let registry = Registry::shipped().unwrap();
    let mut inputs = vec![
        prod("nca_gost_2022"),
        prod("root_rsa_2020"),
        asset("crates/eds/tests/fixtures/cms/legal_entity_signer.cer"),
    ];
    for prefix in [
        "GOST512_0860",
        "GOST512_0d79",
        "RSA256",
        "AUTH_RSA256",
        "GOSTKNCA",
    ] {
        inputs.push(test_key_cert(prefix));
    }
    let report = oids::check(&inputs, &registry);
    assert_eq!(report.verdict, Verdict::Complies, "{:?}", report.reasons);
    let head = &report.certificates[3];
    assert_eq!(
        head.role.as_deref(),
        Some("first head of a legal entity"),
        "{head:?}"
    );
    let roles: Vec<&str> = head
        .extended_key_usages
        .iter()
        .filter(|f| f.kind == Kind::Role)
        .map(|f| f.oid.as_str())
        .collect();
    assert_eq!(roles, ["1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.1"]);

    // A registry without the 2022 policy flags it.
    let smaller = Registry::parse(
        "small.toml",
        "[[oid]]\noid = \"1.2.398.3.1.2\"\nkind = \"policy\"\nname = { en = \"root policy\" }\nsource = \"test\"\n",
    )
    .unwrap();
    let report = oids::check(&[prod("nca_gost_2022"), prod("root_gost_2022")], &smaller);
    assert_eq!(report.verdict, Verdict::DoesNotComply);
    assert_eq!(report.certificates[0].unknown, ["1.2.398.3.3.2"]);
    assert!(report.certificates[1].unknown.is_empty());
    assert!(report.reasons[0].contains("policy 1.2.398.3.3.2 is not in the registry"));
    assert!(report.text().contains("NOT IN THE REGISTRY"));
}

#[test]
fn a_bad_registry_is_refused_with_file_line_and_reason() {
    let good = "[[oid]]\noid = \"1.2.398.3.3.2\"\nkind = \"policy\"\nname = { en = \"x\" }\nsource = \"s\"\n";
    assert_eq!(Registry::parse("r.toml", good).unwrap().entries().len(), 1);
    let cases = [
        (
            good.replace("1.2.398.3.3.2", "1.2.x"),
            2,
            "not a dotted OID",
        ),
        (
            good.replace("policy", "extension"),
            3,
            "not one of policy, eku, role",
        ),
        (
            good.replace("policy", "role"),
            3,
            "roles are EKUs of the arc",
        ),
        (
            good.replace("{ en = \"x\" }", "{ ru = \"x\" }"),
            4,
            "no en name",
        ),
        (
            good.replace("source = \"s\"", "source = \" \""),
            5,
            "empty source",
        ),
        (
            format!("{good}\n{good}"),
            8,
            "listed twice as policy, first on line 1",
        ),
        (good.replace("source", "sauce"), 5, "unknown field `sauce`"),
        ("[[oid]\n".to_owned(), 1, ""),
    ];
    for (text, line, reason) in cases {
        let err = Registry::parse("r.toml", &text).unwrap_err();
        assert_eq!(err.line, Some(line), "{err} for {text:?}");
        assert!(
            err.to_string().starts_with(&format!("r.toml:{line}: ")),
            "{err}"
        );
        assert!(err.reason.contains(reason), "{err}");
    }
    let missing = Registry::load(std::path::Path::new("/nonexistent/registry.toml")).unwrap_err();
    assert_eq!(missing.line, None);
    assert!(missing
        .to_string()
        .starts_with("/nonexistent/registry.toml: cannot read it"));
}

#[test]
fn the_shipped_anchors_are_listed_with_source_and_sha256() {
    let list = anchors::list(false).unwrap();
    let pinned: Vec<(&str, &str)> = list
        .iter()
        .map(|a| (a.file.as_str(), a.sha256.as_str()))
        .collect();
    assert_eq!(
        pinned,
        [
            (
                "root_rsa_2020.cer",
                "9ba06354b626641715182e4d07c9dbaa1777720fa795d03174ffc68876535dcd"
            ),
            (
                "nca_rsa_2022.cer",
                "84fb799a66140950818c056a5d9730acc2a7622cdd4ef0d47113b132fb892905"
            ),
            (
                "root_gost_2022.cer",
                "af77725f8328bb24f89d81da3acdf7cee4324248538b7ba2cd2a860517fb9dca"
            ),
            (
                "nca_gost_2022.cer",
                "32c7d233a42703a327f3025543a05b930e3f39a786c68dfa196baa86d5618524"
            ),
            (
                "root_gost_2020.cer",
                "c48164ab5ccaaee6b938299a1e3aeebd6f698bb2bd716a0f0d85befc46166aa2"
            ),
            (
                "ucgo_gost.cer",
                "eb5a5318299db447a46619d2a541f026b52c1fce8a1d371262da8f6f2d7bb6f5"
            ),
            (
                "btsd_gost.cer",
                "74bb80edf34f4594e5e69b79029c64214e67630e3d16b82f952ab6e5956c5fa8"
            ),
            (
                "root_rsa.cer",
                "a7064abc5699827f370c67b09f1a1bfd7ad5e1514d471223df209c08300ea972"
            ),
            (
                "root_gost.cer",
                "9ab210e54e6b0343321131202d9edcc2598f598cfdd9ee4ec1056021ab2e9759"
            ),
            (
                "nca_rsa.cer",
                "34d1b311a9873191ae3382805df51e0a5da23315c512a8deeb885668ceeb5834"
            ),
            (
                "nca_gost.cer",
                "908521d0531e5645e64b34d3588374a3a83582c860e5f7293a04c41217e8cc18"
            ),
        ]
    );
    // Each listed hash is the hash of the file in assets/anchors/prod.
    for a in &list {
        assert_eq!(sha(&prod(a.file.trim_end_matches(".cer"))), a.sha256);
        assert!(a.source.starts_with("http"), "{}", a.source);
    }
    let root = list
        .iter()
        .find(|a| a.file == "root_gost_2022.cer")
        .unwrap();
    assert_eq!(root.role, "root");
    assert_eq!(root.not_after, "2045-09-08T04:56:12Z");
    let training = anchors::list(true).unwrap();
    assert_eq!(training.len(), 6);
    assert!(training.iter().all(|a| a.set == "training"));
}

#[test]
fn an_unknown_signature_algorithm_is_not_verifiable_here_never_valid() {
    // nca_rsa_2022 with its signature algorithm sha256WithRSAEncryption
    // (1.2.840.113549.1.1.11), inside the signed part and outside, made
    // 1.2.840.113549.1.1.127, which nothing implements.
    let leaf = prod("nca_rsa_2022");
    let oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
    ];
    let mut bytes = leaf.bytes.clone();
    let found: Vec<usize> = (0..bytes.len() - oid.len())
        .filter(|&i| bytes[i..i + oid.len()] == oid)
        .collect();
    assert_eq!(found.len(), 2);
    for at in found {
        bytes[at + oid.len() - 1] = 0x7f;
    }
    let odd = Input::new("odd algorithm", bytes);
    let report = chain::check(&odd, &[], None, &[], AT);
    assert_eq!(
        report.verdict,
        Verdict::NotVerifiableHere,
        "{:?}",
        report.reasons
    );
    assert!(
        report.reasons.iter().any(|r| r.starts_with("link 1 (")),
        "{:?}",
        report.reasons
    );
    assert_eq!(
        report.links[0].signature_algorithm,
        "1.2.840.113549.1.1.127"
    );
    // With a real failure besides (expired at the time asked about): does not comply.
    let report = chain::check(&odd, &[], None, &[], datetime!(2050-01-01 0:00 UTC));
    assert_eq!(report.verdict, Verdict::DoesNotComply);
}

#[test]
fn the_crl_distribution_points_of_a_test_key_are_read() {
    let cert = test_key_cert("GOST512_0860");
    let cert = tekseru_eds::certificate::Certificate::parse(&cert.bytes).unwrap();
    let points = crl::distribution_points(&cert);
    assert!(!points.is_empty());
    assert!(points.iter().all(|p| p.starts_with("http")), "{points:?}");
    let root = tekseru_eds::certificate::Certificate::parse(&prod("root_gost_2022").bytes).unwrap();
    assert!(crl::distribution_points(&root).is_empty());
}
