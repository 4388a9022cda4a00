//! The client against the protocol double, over real TLS on 127.0.0.1.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use openssl::asn1::Asn1Time;
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::{X509Builder, X509NameBuilder, X509};
use proptest::prelude::*;
use serde_json::json;
use tekseru_ncalayer::double::{Behaviour, Double, Greeting, Options};
use tekseru_ncalayer::{Config, NcaLayer, NcaLayerError, Trust};

/// A signer made at test time: an RSA key and its self-signed certificate.
struct TestSigner {
    key: PKey<Private>,
    cert: X509,
}

impl TestSigner {
    fn new() -> TestSigner {
        let key = PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey");
        let mut name = X509NameBuilder::new().expect("name");
        name.append_entry_by_text("CN", "Test member").expect("cn");
        let name = name.build();
        let mut b = X509Builder::new().expect("builder");
        b.set_version(2).expect("version");
        b.set_subject_name(&name).expect("subject");
        b.set_issuer_name(&name).expect("issuer");
        b.set_pubkey(&key).expect("pubkey");
        b.set_not_before(&Asn1Time::from_unix(1_700_000_000).expect("t"))
            .expect("nb");
        b.set_not_after(&Asn1Time::from_unix(1_900_000_000).expect("t"))
            .expect("na");
        b.sign(&key, MessageDigest::sha256()).expect("sign");
        TestSigner {
            key,
            cert: b.build(),
        }
    }

    fn sign(&self, data: &[u8]) -> Vec<u8> {
        CmsContentInfo::sign(
            Some(&self.cert),
            Some(&self.key),
            None,
            Some(data),
            CMSOptions::DETACHED | CMSOptions::BINARY,
        )
        .expect("cms sign")
        .to_der()
        .expect("cms der")
    }

    /// Verifies a detached CMS over `data` (the signer's certificate trusted as is).
    fn verifies(&self, cms: &[u8], data: &[u8]) -> bool {
        let Ok(mut cms) = CmsContentInfo::from_der(cms) else {
            return false;
        };
        let mut certs = Stack::new().expect("stack");
        certs.push(self.cert.clone()).expect("push");
        cms.verify(
            Some(&certs),
            None,
            Some(data),
            None,
            CMSOptions::NO_SIGNER_CERT_VERIFY | CMSOptions::BINARY,
        )
        .is_ok()
    }
}

/// Each CMS the double made.
type Made = Arc<Mutex<Vec<Vec<u8>>>>;

/// A double that signs with a fresh key and remembers each CMS it made.
fn signing_double(tune: impl FnOnce(&mut Options)) -> (Double, Arc<TestSigner>, Made) {
    // One key for all the tests: RSA key generation is slow.
    static SIGNER: OnceLock<Arc<TestSigner>> = OnceLock::new();
    let signer = SIGNER.get_or_init(|| Arc::new(TestSigner::new())).clone();
    let made = Arc::new(Mutex::new(Vec::new()));
    let (s, m) = (signer.clone(), made.clone());
    let mut options = Options::new(move |data: &[u8]| {
        let cms = s.sign(data);
        m.lock().expect("lock").push(cms.clone());
        cms
    });
    tune(&mut options);
    (Double::start(options).expect("double"), signer, made)
}

fn double_with(behaviour: Behaviour, legacy_only: bool) -> Double {
    let mut options = Options::new(|_: &[u8]| Vec::new()).behaving(behaviour);
    options.legacy_only = legacy_only;
    Double::start(options).expect("double")
}

const ACT: &[u8] = b"%PDF-1.7\n\x00\xff\xfe the act's signed byte range \r\n";

#[test]
fn basics_sign_returns_the_cms_ncalayer_made_over_exactly_the_bytes_given() {
    let (double, signer, made) = signing_double(|_| {});
    let mut config = double.config();
    config.locale = "kk".into();
    let cms = NcaLayer::new(config).sign_detached(ACT).expect("signed");
    assert_eq!(
        made.lock().expect("lock").as_slice(),
        std::slice::from_ref(&cms)
    );
    assert!(signer.verifies(&cms, ACT));
    let received = double.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].module, "kz.gov.pki.knca.basics");
    assert_eq!(received[0].method, "sign");
    assert_eq!(received[0].data.as_deref(), Some(ACT));
    assert_eq!(
        received[0].args,
        json!({
            "format": "cms",
            "data": "<data>",
            "signingParams": {"decode": true, "encapsulate": false, "digested": false},
            "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"], "chain": []},
            "locale": "kk",
        })
    );
}

#[test]
fn allowed_storages_are_passed_on() {
    let (double, _, _) = signing_double(|_| {});
    let mut config = double.config();
    config.allowed_storages = Some(vec!["AKKaztokenStore".into(), "AKKZIDCardStore".into()]);
    NcaLayer::new(config).sign_detached(ACT).expect("signed");
    assert_eq!(
        double.received()[0].args["allowedStorages"],
        json!(["AKKaztokenStore", "AKKZIDCardStore"])
    );
}

#[test]
fn an_array_result_of_ncalayer_1_4_is_understood_and_heartbeats_are_skipped() {
    let (double, signer, made) = signing_double(|o| {
        o.array_result = true;
        o.heartbeats_before_reply = 3;
    });
    let cms = NcaLayer::new(double.config())
        .sign_detached(ACT)
        .expect("signed");
    assert_eq!(
        made.lock().expect("lock").as_slice(),
        std::slice::from_ref(&cms)
    );
    assert!(signer.verifies(&cms, ACT));
}

#[test]
fn an_ncalayer_without_the_basics_module_is_asked_with_the_legacy_api() {
    let (double, signer, made) = signing_double(|o| o.legacy_only = true);
    let mut config = double.config();
    config.legacy_storage = "AKKaztokenStore".into();
    let cms = NcaLayer::new(config).sign_detached(ACT).expect("signed");
    assert_eq!(
        made.lock().expect("lock").as_slice(),
        std::slice::from_ref(&cms)
    );
    assert!(signer.verifies(&cms, ACT));
    let received = double.received();
    assert_eq!(received.len(), 2, "{received:?}");
    assert_eq!(received[0].module, "kz.gov.pki.knca.basics");
    assert_eq!(received[1].module, "kz.gov.pki.knca.commonUtils");
    assert_eq!(received[1].method, "createCAdESFromBase64");
    assert_eq!(
        received[1].args,
        json!(["AKKaztokenStore", "SIGNATURE", "<data>", false])
    );
    assert_eq!(received[1].data.as_deref(), Some(ACT));
}

#[test]
fn the_legacy_api_can_be_asked_directly() {
    let (double, signer, _) = signing_double(|_| {});
    let cms = NcaLayer::new(double.config())
        .sign_detached_legacy(ACT)
        .expect("signed");
    assert!(signer.verifies(&cms, ACT));
    let received = double.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].args,
        json!(["PKCS12", "SIGNATURE", "<data>", false])
    );
}

#[test]
fn a_cancel_is_reported_as_such_in_both_apis() {
    for legacy_only in [false, true] {
        let double = double_with(Behaviour::Cancel, legacy_only);
        let err = NcaLayer::new(double.config())
            .sign_detached(ACT)
            .expect_err("cancelled");
        assert!(
            matches!(err, NcaLayerError::Cancelled),
            "{legacy_only}: {err:?}"
        );
        assert_eq!(err.to_string(), "the signature was cancelled in NCALayer");
    }
}

#[test]
fn an_ncalayer_error_carries_its_code_and_message_in_both_apis() {
    for legacy_only in [false, true] {
        let behaviour = Behaviour::Error {
            code: "SIGNING_FAILURE".into(),
            message: "Неверный пароль".into(),
        };
        let double = double_with(behaviour, legacy_only);
        let err = NcaLayer::new(double.config())
            .sign_detached(ACT)
            .expect_err("error");
        match &err {
            NcaLayerError::NcaLayer { code, message } => {
                assert_eq!(code, "SIGNING_FAILURE");
                assert_eq!(message, "Неверный пароль");
            }
            other => panic!("{legacy_only}: {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "NCALayer refused to sign: Неверный пароль (code SIGNING_FAILURE)"
        );
    }
}

#[test]
fn garbage_and_wrong_shaped_replies_are_refused_saying_what_was_expected() {
    for raw in [
        "<html>not NCALayer</html>",
        r#"{"status":true,"body":{"result":42}}"#,
        r#"{"status":"ok"}"#,
        "[]",
    ] {
        let double = double_with(Behaviour::Raw(raw.into()), false);
        let err = NcaLayer::new(double.config())
            .sign_detached(ACT)
            .expect_err("garbage");
        assert!(
            matches!(err, NcaLayerError::Unexpected { .. }),
            "{raw}: {err:?}"
        );
        let text = err.to_string();
        assert!(text.contains("expected {\"status\":true"), "{text}");
        assert!(text.contains(raw), "{text}");
    }
    // Legacy API: a basics-shaped answer is not a legacy one.
    let double = double_with(Behaviour::Raw(r#"{"status":true,"body":{}}"#.into()), false);
    let err = NcaLayer::new(double.config())
        .sign_detached_legacy(ACT)
        .expect_err("garbage");
    assert!(
        err.to_string().contains(r#"expected {"code":"200""#),
        "{err}"
    );
}

#[test]
fn a_signature_that_is_not_a_cms_is_refused() {
    // Valid PEM armour around something that is not a ContentInfo.
    let double =
        Double::start(Options::new(|_: &[u8]| vec![0x30, 0x03, 0x02, 0x01, 0x01])).expect("double");
    let err = NcaLayer::new(double.config())
        .sign_detached(ACT)
        .expect_err("not cms");
    assert!(matches!(err, NcaLayerError::NotCms { .. }), "{err:?}");
    // Not base64.
    let raw = r#"{"status":true,"body":{"result":"-----BEGIN CMS-----\n*** not base64 ***\n-----END CMS-----"}}"#;
    let double = double_with(Behaviour::Raw(raw.into()), false);
    let err = NcaLayer::new(double.config())
        .sign_detached(ACT)
        .expect_err("not cms");
    assert!(err.to_string().contains("not valid base64"), "{err}");
}

#[test]
fn silence_times_out_when_the_user_time_is_up() {
    let double = double_with(Behaviour::Silence, false);
    let mut config = double.config();
    config.timeout_user = Duration::from_millis(800);
    let start = Instant::now();
    let err = NcaLayer::new(config)
        .sign_detached(ACT)
        .expect_err("timeout");
    let took = start.elapsed();
    assert!(matches!(err, NcaLayerError::Timeout { .. }), "{err:?}");
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert!(
        err.to_string()
            .starts_with("NCALayer did not answer the signature"),
        "{err}"
    );
}

#[test]
fn a_closed_port_means_ncalayer_is_not_running() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let mut config = Config::new(vec![vec![0x30]]);
    config.url = format!("wss://127.0.0.1:{port}");
    config.trust = Trust::Pinned([0; 32]);
    let client = NcaLayer::new(config);
    let err = client.sign_detached(ACT).expect_err("not running");
    assert!(matches!(err, NcaLayerError::NotRunning { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("NCALayer is not running: start NCALayer and try again"),
        "{err}"
    );
    assert!(matches!(
        client.version(),
        Err(NcaLayerError::NotRunning { .. })
    ));
}

#[test]
fn a_certificate_other_than_the_pinned_one_is_refused() {
    let (double, _, made) = signing_double(|_| {});
    let mut config = double.config();
    let mut wrong = double.pin();
    wrong[0] ^= 1;
    config.trust = Trust::Pinned(wrong);
    let err = NcaLayer::new(config)
        .sign_detached(ACT)
        .expect_err("untrusted");
    assert!(matches!(err, NcaLayerError::TlsUntrusted { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&double.pin_hex()) && text.contains(&hex::encode(wrong)),
        "{text}"
    );
    assert!(
        double.received().is_empty(),
        "nothing may be sent to an untrusted server"
    );
    assert!(made.lock().expect("lock").is_empty());
}

#[test]
fn a_certificate_is_trusted_when_it_chains_to_a_root_given() {
    let (double, signer, _) = signing_double(|_| {});
    let mut config = double.config();
    config.trust = Trust::NcaRoots(vec![double.ca_der().to_vec()]);
    let cms = NcaLayer::new(config.clone())
        .sign_detached(ACT)
        .expect("signed");
    assert!(signer.verifies(&cms, ACT));
    // Also reached as localhost: the certificate names both.
    config.url = double.url().replace("127.0.0.1", "localhost");
    NcaLayer::new(config)
        .sign_detached(ACT)
        .expect("signed as localhost");

    // Another CA's root, and the real NCA RSA root: the double's certificate is refused.
    let other = double_with(Behaviour::Cancel, false);
    let nca_root = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/root_rsa_2020.cer"
    ))
    .expect("root");
    for roots in [vec![other.ca_der().to_vec()], vec![nca_root]] {
        let mut config = double.config();
        config.trust = Trust::NcaRoots(roots);
        let err = NcaLayer::new(config)
            .sign_detached(ACT)
            .expect_err("untrusted");
        assert!(matches!(err, NcaLayerError::TlsUntrusted { .. }), "{err:?}");
        assert!(
            err.to_string().contains("is not a trusted NCALayer"),
            "{err}"
        );
    }
    let mut config = double.config();
    config.trust = Trust::NcaRoots(Vec::new());
    assert!(matches!(
        NcaLayer::new(config).sign_detached(ACT),
        Err(NcaLayerError::NoAnchors)
    ));
}

#[test]
fn the_version_comes_from_the_greeting_and_a_silent_greeting_does_not_stop_signing() {
    let (double, _, _) = signing_double(|o| o.greeting = Greeting::Version("1.4".into()));
    assert_eq!(
        NcaLayer::new(double.config()).version().expect("version"),
        "1.4"
    );

    for greeting in [Greeting::None, Greeting::Raw(r#"{"result":{}}"#.into())] {
        let (double, signer, _) = signing_double(|o| o.greeting = greeting.clone());
        let mut config = double.config();
        config.timeout_connect = Duration::from_millis(500);
        let client = NcaLayer::new(config);
        let cms = client.sign_detached(ACT).expect("signed");
        assert!(signer.verifies(&cms, ACT), "{greeting:?}");
        let err = client.version().expect_err("no version");
        assert!(
            matches!(
                err,
                NcaLayerError::Timeout { .. } | NcaLayerError::Unexpected { .. }
            ),
            "{err:?}"
        );
    }
    let (double, _, _) = signing_double(|o| o.greeting = Greeting::Raw("hello".into()));
    let err = NcaLayer::new(double.config())
        .sign_detached(ACT)
        .expect_err("bad greeting");
    assert!(
        err.to_string()
            .contains(r#"expected the greeting {"result":{"version":"#),
        "{err}"
    );
}

#[test]
fn only_a_loopback_wss_address_is_accepted() {
    for url in [
        "wss://10.0.0.1:13579",
        "wss://example.kz:13579",
        "ws://127.0.0.1:13579",
        "not a url",
    ] {
        let mut config = Config::new(vec![vec![0x30]]);
        config.url = url.into();
        let err = NcaLayer::new(config)
            .sign_detached(ACT)
            .expect_err("refused");
        assert!(
            matches!(err, NcaLayerError::BadUrl { .. }),
            "{url}: {err:?}"
        );
    }
}

#[test]
fn the_environment_points_a_program_at_the_double() {
    let (double, signer, _) = signing_double(|_| {});
    let config = Config::new(vec![vec![0x30]])
        .with_vars(Some(double.url()), Some(double.pin_hex()))
        .expect("vars");
    assert_eq!(config.url, double.url());
    assert_eq!(config.trust, Trust::Pinned(double.pin()));
    let cms = NcaLayer::new(config).sign_detached(ACT).expect("signed");
    assert!(signer.verifies(&cms, ACT));
    // Unset or empty: the defaults stay.
    let config = Config::new(vec![vec![1]])
        .with_vars(None, Some(String::new()))
        .expect("vars");
    assert_eq!(config.url, "wss://127.0.0.1:13579");
    assert_eq!(config.trust, Trust::NcaRoots(vec![vec![1]]));
    let err = Config::new(Vec::new())
        .with_vars(None, Some("abc".into()))
        .expect_err("bad pin");
    assert!(matches!(err, NcaLayerError::BadPin { .. }));
}

#[test]
fn a_30_mb_act_goes_through_in_one_message() {
    let (double, signer, _) = signing_double(|_| {});
    let act: Vec<u8> = (0..30_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut config = double.config();
    config.timeout_user = Duration::from_secs(120);
    let cms = NcaLayer::new(config).sign_detached(&act).expect("signed");
    assert_eq!(double.received()[0].data.as_deref(), Some(act.as_slice()));
    assert!(signer.verifies(&cms, &act));
}

#[test]
fn data_larger_than_one_message_is_refused_before_connecting() {
    let mut config = Config::new(vec![vec![0x30]]);
    config.trust = Trust::Pinned([0; 32]);
    config.url = "wss://127.0.0.1:1".into();
    let data = vec![0u8; tekseru_ncalayer::MAX_DATA + 1];
    let err = NcaLayer::new(config)
        .sign_detached(&data)
        .expect_err("too large");
    assert!(matches!(err, NcaLayerError::TooLarge { .. }), "{err:?}");
}

fn reply_texts() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}".prop_map(|s| format!(r#"{{"status":true,"body":{{"result":"{s}"}}}}"#)),
        "[A-Za-z0-9+/=\n-]{0,120}".prop_map(|s| format!(r#"{{"status":true,"body":{{"result":["-----BEGIN CMS-----\n{s}\n-----END CMS-----"]}}}}"#)),
        "[A-Za-z0-9+/=]{0,120}".prop_map(|s| format!(r#"{{"code":"200","responseObject":"{s}"}}"#)),
        "[ -~]{0,60}".prop_map(|s| format!(r#"{{"status":false,"code":{s},"message":"{s}"}}"#)),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(|b| {
            use base64::Engine as _;
            let mut der = vec![0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0];
            der.extend(b);
            format!(r#"{{"code":"200","responseObject":"{}"}}"#, base64::engine::general_purpose::STANDARD.encode(der))
        }),
    ]
}

proptest! {
    #[test]
    fn any_reply_text_gives_an_error_never_a_panic(text in reply_texts(), legacy in any::<bool>()) {
        let result = tekseru_ncalayer::interpret_reply(&text, legacy);
        prop_assert!(!matches!(result, Ok(Some(_))), "{text:?} was taken for a CMS");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn any_reply_over_the_wire_gives_an_error_never_a_panic(text in reply_texts()) {
        let double = double_with(Behaviour::Raw(text.clone()), false);
        let mut config = double.config();
        config.timeout_user = Duration::from_secs(2);
        let result = NcaLayer::new(config).sign_detached(ACT);
        prop_assert!(result.is_err(), "{text:?} was taken for a CMS");
    }
}

fn legacy_reply_of(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    format!(r#"{{"code":"200","responseObject":"{b64}"}}"#)
}

fn real_cms() -> Vec<u8> {
    static CMS: OnceLock<Vec<u8>> = OnceLock::new();
    CMS.get_or_init(|| TestSigner::new().sign(ACT)).clone()
}

#[test]
fn a_real_cms_passes_the_shape_check_unchanged() {
    let cms = real_cms();
    let got = tekseru_ncalayer::interpret_reply(&legacy_reply_of(&cms), true).expect("a cms");
    assert_eq!(got, Some(cms));
}

proptest! {
    #[test]
    fn a_truncated_cms_is_refused(cut in 0usize..4096) {
        let cms = real_cms();
        let cut = cut % cms.len();
        let result = tekseru_ncalayer::interpret_reply(&legacy_reply_of(&cms[..cut]), true);
        prop_assert!(matches!(result, Err(NcaLayerError::NotCms { .. })), "{cut}: {result:?}");
    }

    #[test]
    fn a_mutated_cms_gives_a_result_or_an_error_never_a_panic(at in any::<usize>(), byte in any::<u8>()) {
        let mut cms = real_cms();
        let at = at % cms.len();
        cms[at] = byte;
        let _ = tekseru_ncalayer::interpret_reply(&legacy_reply_of(&cms), true);
    }
}

#[test]
fn with_env_reads_the_two_variables() {
    let (double, signer, _) = signing_double(|_| {});
    // The only test of this binary that touches the environment.
    std::env::set_var(tekseru_ncalayer::ENV_URL, double.url());
    std::env::set_var(tekseru_ncalayer::ENV_PIN, double.pin_hex().to_uppercase());
    let config = Config::new(Vec::new()).with_env();
    std::env::remove_var(tekseru_ncalayer::ENV_URL);
    std::env::remove_var(tekseru_ncalayer::ENV_PIN);
    let mut config = config.expect("env");
    config.timeout_connect = Duration::from_secs(2);
    let cms = NcaLayer::new(config).sign_detached(ACT).expect("signed");
    assert!(signer.verifies(&cms, ACT));
}
