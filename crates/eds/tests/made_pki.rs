//! A PKI made at test time (RSA and ECDSA): root, intermediate, leaves, a revoked leaf, an
//! expired leaf, a wrong issuer, a CRL. Every case gets its verdict.
#![allow(clippy::unwrap_used)]

use der::asn1::{BitString, Null, UtcTime};
use der::{Any, Decode, Encode};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509Name, X509};
use spki::AlgorithmIdentifierOwned;
use tekseru_eds::certificate::Certificate;
use tekseru_eds::chain;
use tekseru_eds::crl::Crl;
use tekseru_eds::key::{Credential, PrivateKey};
use time::macros::datetime;
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

fn rsa() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
}

fn ec(nid: Nid) -> PKey<Private> {
    PKey::from_ec_key(EcKey::generate(&EcGroup::from_curve_name(nid).unwrap()).unwrap()).unwrap()
}

fn time(t: OffsetDateTime) -> Asn1Time {
    Asn1Time::from_unix(t.unix_timestamp()).unwrap()
}

struct Ca {
    cert: X509,
    key: PKey<Private>,
}

#[allow(clippy::too_many_arguments)]
fn issue(
    cn: &str,
    serial: u32,
    key: &PKey<Private>,
    issuer: Option<&Ca>,
    ca: bool,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> X509 {
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    if !ca {
        name.append_entry_by_nid(Nid::SERIALNUMBER, "IIN810315400008")
            .unwrap();
    }
    name.append_entry_by_nid(Nid::COUNTRYNAME, "KZ").unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(serial).unwrap()).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&name, |i| i.cert.subject_name()))
        .unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&time(from)).unwrap();
    b.set_not_after(&time(to)).unwrap();
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
    } else {
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .build()
                .unwrap(),
        )
        .unwrap();
    }
    let signer = issuer.map_or(key, |i| &i.key);
    b.sign(signer, MessageDigest::sha256()).unwrap();
    b.build()
}

fn eds(cert: &X509) -> Certificate {
    Certificate::from_der(cert.to_der().unwrap()).unwrap()
}

fn eds_key(key: &PKey<Private>) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&key.private_key_to_pkcs8().unwrap()).unwrap()
}

fn utc(t: OffsetDateTime) -> Time {
    Time::UtcTime(
        UtcTime::from_unix_duration(std::time::Duration::from_secs(t.unix_timestamp() as u64))
            .unwrap(),
    )
}

/// A CRL of `ca` listing `serials` revoked at `when`, signed with its key.
fn crl(ca: &Ca, revoked: &[(u32, OffsetDateTime)]) -> Crl {
    let key = eds_key(&ca.key);
    let algorithm = key.signature_algorithm();
    let parameters = match algorithm {
        tekseru_eds::algorithm::SignatureAlgorithm::Ecdsa(_) => None,
        _ => Some(Any::from(Null)),
    };
    let signature = AlgorithmIdentifierOwned {
        oid: algorithm.oid(),
        parameters,
    };
    let entries = revoked
        .iter()
        .map(|(serial, when)| RevokedCert {
            serial_number: SerialNumber::<x509_cert::certificate::Rfc5280>::new(
                &serial.to_be_bytes(),
            )
            .unwrap(),
            revocation_date: utc(*when),
            crl_entry_extensions: None,
        })
        .collect::<Vec<_>>();
    let tbs: TbsCertList = TbsCertList {
        version: x509_cert::Version::V2,
        signature: signature.clone(),
        issuer: Name::from_der(&ca.cert.subject_name().to_der().unwrap()).unwrap(),
        this_update: utc(datetime!(2024-01-01 0:00 UTC)),
        next_update: Some(utc(datetime!(2024-02-01 0:00 UTC))),
        revoked_certificates: if entries.is_empty() {
            None
        } else {
            Some(entries)
        },
        crl_extensions: None,
    };
    let sig = key.sign(&tbs.to_der().unwrap()).unwrap();
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: signature,
        signature: BitString::from_bytes(&sig).unwrap(),
    };
    Crl::from_der(list.to_der().unwrap()).unwrap()
}

struct Pki {
    root: Certificate,
    intermediate: Certificate,
    intermediate_ca: Ca,
}

fn pki() -> Pki {
    let root_key = rsa();
    let root = issue(
        "Test Root (RSA)",
        1,
        &root_key,
        None,
        true,
        datetime!(2020-01-01 0:00 UTC),
        datetime!(2040-01-01 0:00 UTC),
    );
    let root_ca = Ca {
        cert: root,
        key: root_key,
    };
    let int_key = ec(Nid::X9_62_PRIME256V1);
    let int = issue(
        "Test CA (P-256)",
        2,
        &int_key,
        Some(&root_ca),
        true,
        datetime!(2020-01-01 0:00 UTC),
        datetime!(2035-01-01 0:00 UTC),
    );
    Pki {
        root: eds(&root_ca.cert),
        intermediate: eds(&int),
        intermediate_ca: Ca {
            cert: int,
            key: int_key,
        },
    }
}

const AT: OffsetDateTime = datetime!(2024-06-01 12:00 UTC);

#[test]
fn every_case_gets_its_verdict() {
    let p = pki();
    let anchors = [p.root.clone()];
    let inter = [p.intermediate.clone()];
    let window = (
        datetime!(2024-01-01 0:00 UTC),
        datetime!(2025-01-01 0:00 UTC),
    );

    // A good RSA leaf and a good P-384 leaf.
    for (serial, key) in [(10, rsa()), (11, ec(Nid::SECP384R1))] {
        let leaf = eds(&issue(
            "Member",
            serial,
            &key,
            Some(&p.intermediate_ca),
            false,
            window.0,
            window.1,
        ));
        let report = chain::validate(&leaf, &inter, &anchors, AT, &[]);
        assert!(report.valid, "{:?}", report.reasons);
        assert_eq!(report.links.len(), 3);
        assert!(report.links[2].anchor);
        assert_eq!(
            report.links[1].basic_constraints.as_ref().map(|b| b.ca),
            Some(true)
        );

        // Sign and verify a CMS with it.
        let credential = Credential::new(eds_key(&key), leaf.clone(), vec![]).unwrap();
        let der = tekseru_eds::cms::sign_detached(&[b"act"], &credential, AT).unwrap();
        let signed = tekseru_eds::cms::verify_detached(&der, &[b"act"]).unwrap();
        assert_eq!(signed.signing_time, Some(AT));
        assert!(tekseru_eds::cms::verify_detached(&der, &[b"acT"]).is_err());
    }

    // Without the intermediate: no path.
    let leaf = eds(&issue(
        "Member",
        12,
        &rsa(),
        Some(&p.intermediate_ca),
        false,
        window.0,
        window.1,
    ));
    let report = chain::validate(&leaf, &[], &anchors, AT, &[]);
    assert!(!report.valid && !report.trusted);
    assert!(
        report.reasons[0].contains("no path to a trusted anchor"),
        "{:?}",
        report.reasons
    );

    // Expired at the time asked about, valid before.
    let expired = eds(&issue(
        "Member",
        13,
        &rsa(),
        Some(&p.intermediate_ca),
        false,
        datetime!(2022-01-01 0:00 UTC),
        datetime!(2023-01-01 0:00 UTC),
    ));
    let report = chain::validate(&expired, &inter, &anchors, AT, &[]);
    assert!(!report.valid);
    assert!(
        report
            .reasons
            .iter()
            .any(|r| r.starts_with("link 1 (Member): not valid at")),
        "{:?}",
        report.reasons
    );
    assert!(
        chain::validate(
            &expired,
            &inter,
            &anchors,
            datetime!(2022-06-01 0:00 UTC),
            &[]
        )
        .valid
    );

    // Not yet valid.
    let future = eds(&issue(
        "Member",
        14,
        &rsa(),
        Some(&p.intermediate_ca),
        false,
        datetime!(2025-01-01 0:00 UTC),
        datetime!(2026-01-01 0:00 UTC),
    ));
    assert!(!chain::validate(&future, &inter, &anchors, AT, &[]).valid);

    // A wrong issuer: a CA with the same name but another key signed it.
    let impostor = Ca {
        cert: p.intermediate_ca.cert.clone(),
        key: ec(Nid::X9_62_PRIME256V1),
    };
    let forged = eds(&issue(
        "Member",
        15,
        &rsa(),
        Some(&impostor),
        false,
        window.0,
        window.1,
    ));
    let report = chain::validate(&forged, &inter, &anchors, AT, &[]);
    assert!(!report.valid);
    assert!(
        report
            .reasons
            .iter()
            .any(|r| r.starts_with("link 1") && r.contains("does not verify")),
        "{:?}",
        report.reasons
    );

    // Revoked before the time asked about, and after it.
    let revoked = eds(&issue(
        "Member",
        16,
        &rsa(),
        Some(&p.intermediate_ca),
        false,
        window.0,
        window.1,
    ));
    let list = crl(
        &p.intermediate_ca,
        &[
            (16, datetime!(2024-03-01 0:00 UTC)),
            (99, datetime!(2024-01-02 0:00 UTC)),
        ],
    );
    list.verify_signed_by(&p.intermediate).unwrap();
    assert_eq!(list.len(), 2);
    let crls = [list];
    let report = chain::validate(&revoked, &inter, &anchors, AT, &crls);
    assert!(!report.valid);
    assert!(
        report
            .reasons
            .iter()
            .any(|r| r.contains("revoked on 2024-03-01T00:00:00Z")),
        "{:?}",
        report.reasons
    );
    let report = chain::validate(
        &revoked,
        &inter,
        &anchors,
        datetime!(2024-02-01 0:00 UTC),
        &crls,
    );
    assert!(report.valid, "{:?}", report.reasons);
    assert!(report.leaf_revocation().is_some());

    // A CRL signed by someone else is ignored, and said so.
    let forged_crl = [crl(&impostor, &[(16, datetime!(2024-03-01 0:00 UTC))])];
    let report = chain::validate(&revoked, &inter, &anchors, AT, &forged_crl);
    assert!(report.valid, "{:?}", report.reasons);
    assert!(report.links[0]
        .notes
        .iter()
        .any(|n| n.contains("does not verify")));

    // A leaf used as an issuer: not a CA.
    let leaf_key = rsa();
    let leaf_cert = issue(
        "Member CA?",
        17,
        &leaf_key,
        Some(&p.intermediate_ca),
        false,
        window.0,
        window.1,
    );
    let leaf_ca = Ca {
        cert: leaf_cert.clone(),
        key: leaf_key,
    };
    let below = eds(&issue(
        "Below",
        18,
        &rsa(),
        Some(&leaf_ca),
        false,
        window.0,
        window.1,
    ));
    let report = chain::validate(
        &below,
        &[eds(&leaf_cert), p.intermediate.clone()],
        &anchors,
        AT,
        &[],
    );
    assert!(!report.valid);
    assert!(
        report.reasons.iter().any(|r| r.contains("not a CA")),
        "{:?}",
        report.reasons
    );
}

#[test]
fn a_self_signed_leaf_is_not_trusted() {
    let p = pki();
    let key = rsa();
    let own = eds(&issue(
        "Test Root (RSA)",
        1,
        &key,
        None,
        true,
        datetime!(2020-01-01 0:00 UTC),
        datetime!(2040-01-01 0:00 UTC),
    ));
    let report = chain::validate(&own, &[], &[p.root], AT, &[]);
    assert!(!report.valid);
    assert!(
        report.reasons.iter().any(|r| r.contains("wrong root")),
        "{:?}",
        report.reasons
    );
}

#[test]
fn a_crl_of_100000_entries_is_indexed() {
    let p = pki();
    let revoked: Vec<(u32, OffsetDateTime)> = (1..=100_000u32)
        .map(|s| (s * 7, datetime!(2024-01-01 0:00 UTC)))
        .collect();
    let list = crl(&p.intermediate_ca, &revoked);
    assert_eq!(list.len(), 100_000);
    let der = list.der().to_vec();
    let started = std::time::Instant::now();
    let parsed = Crl::from_der(der).unwrap();
    parsed.verify_signed_by(&p.intermediate).unwrap();
    eprintln!(
        "parsed and verified 100000 entries in {:?}",
        started.elapsed()
    );
    assert!(parsed.lookup(&(7u32 * 500).to_be_bytes()).is_some());
    assert!(parsed.lookup(&(7u32 * 500 + 1).to_be_bytes()).is_none());
}

/// Our CMS verifies in OpenSSL, and OpenSSL's (as the act made them so far) verifies here.
#[test]
fn cms_interoperates_with_openssl() {
    use openssl::cms::{CMSOptions, CmsContentInfo};
    use openssl::stack::Stack;
    use openssl::x509::store::X509StoreBuilder;

    let p = pki();
    let window = (
        datetime!(2024-01-01 0:00 UTC),
        datetime!(2025-01-01 0:00 UTC),
    );
    for (serial, key) in [(20, rsa()), (21, ec(Nid::X9_62_PRIME256V1))] {
        let leaf = issue(
            "Member",
            serial,
            &key,
            Some(&p.intermediate_ca),
            false,
            window.0,
            window.1,
        );
        let content = b"%PDF-1.7 the signed byte ranges".to_vec();

        // Ours → OpenSSL.
        let credential = Credential::new(eds_key(&key), eds(&leaf), vec![]).unwrap();
        let ours = tekseru_eds::cms::sign_detached(&[&content], &credential, AT).unwrap();
        let mut parsed = CmsContentInfo::from_der(&ours).unwrap();
        let store = X509StoreBuilder::new().unwrap().build();
        let certs = Stack::new().unwrap();
        parsed
            .verify(
                Some(&certs),
                Some(&store),
                Some(&content),
                None,
                CMSOptions::NO_SIGNER_CERT_VERIFY | CMSOptions::BINARY,
            )
            .unwrap();

        // OpenSSL → ours.
        let theirs = CmsContentInfo::sign(
            Some(&leaf),
            Some(&key),
            None,
            Some(&content),
            CMSOptions::DETACHED | CMSOptions::BINARY | CMSOptions::NOSMIMECAP,
        )
        .unwrap()
        .to_der()
        .unwrap();
        let signed = tekseru_eds::cms::verify_detached(&theirs, &[&content]).unwrap();
        assert!(signed.signer == eds(&leaf));
        assert!(signed.signing_time.is_some());
        assert!(tekseru_eds::cms::verify_detached(&theirs, &[b"other"]).is_err());
    }
}

#[test]
fn path_length_and_unknown_critical_extensions_are_enforced() {
    use openssl::asn1::{Asn1Object, Asn1OctetString};
    use openssl::x509::X509Extension;

    let root_key = rsa();
    let mut b = X509::builder().unwrap();
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, "Root pathlen 1")
        .unwrap();
    let name = name.build();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(1).unwrap()).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&root_key).unwrap();
    b.set_not_before(&time(datetime!(2020-01-01 0:00 UTC)))
        .unwrap();
    b.set_not_after(&time(datetime!(2040-01-01 0:00 UTC)))
        .unwrap();
    b.append_extension(
        BasicConstraints::new()
            .critical()
            .ca()
            .pathlen(1)
            .build()
            .unwrap(),
    )
    .unwrap();
    b.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()
            .unwrap(),
    )
    .unwrap();
    b.sign(&root_key, MessageDigest::sha256()).unwrap();
    let root = Ca {
        cert: b.build(),
        key: root_key,
    };

    let int_key = rsa();
    let int = issue(
        "Sub CA",
        2,
        &int_key,
        Some(&root),
        true,
        datetime!(2020-01-01 0:00 UTC),
        datetime!(2035-01-01 0:00 UTC),
    );
    let int_ca = Ca {
        cert: int.clone(),
        key: int_key,
    };
    let leaf = eds(&issue(
        "Member",
        3,
        &rsa(),
        Some(&int_ca),
        false,
        datetime!(2024-01-01 0:00 UTC),
        datetime!(2025-01-01 0:00 UTC),
    ));
    let anchors = [eds(&root.cert)];
    let report = chain::validate(&leaf, &[eds(&int)], &anchors, AT, &[]);
    // pathlen 1 allows one intermediate CA below the root: the Sub CA.
    assert!(report.valid, "{:?}", report.reasons);
    let sub_key = rsa();
    let sub = issue(
        "Sub Sub CA",
        4,
        &sub_key,
        Some(&int_ca),
        true,
        datetime!(2020-01-01 0:00 UTC),
        datetime!(2035-01-01 0:00 UTC),
    );
    let sub_ca = Ca {
        cert: sub.clone(),
        key: sub_key,
    };
    let deep = eds(&issue(
        "Member",
        5,
        &rsa(),
        Some(&sub_ca),
        false,
        datetime!(2024-01-01 0:00 UTC),
        datetime!(2025-01-01 0:00 UTC),
    ));
    let report = chain::validate(&deep, &[eds(&int), eds(&sub)], &anchors, AT, &[]);
    assert!(!report.valid);
    assert!(
        report
            .reasons
            .iter()
            .any(|r| r.contains("pathLenConstraint 1")),
        "{:?}",
        report.reasons
    );

    // An unknown critical extension fails its link.
    let key = rsa();
    let mut b = X509::builder().unwrap();
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, "Member").unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(6).unwrap()).unwrap())
        .unwrap();
    b.set_subject_name(&name.build()).unwrap();
    b.set_issuer_name(int_ca.cert.subject_name()).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&time(datetime!(2024-01-01 0:00 UTC)))
        .unwrap();
    b.set_not_after(&time(datetime!(2025-01-01 0:00 UTC)))
        .unwrap();
    let odd = X509Extension::new_from_der(
        &Asn1Object::from_str("1.2.3.4.5").unwrap(),
        true,
        &Asn1OctetString::new_from_bytes(&[0x05, 0x00]).unwrap(),
    )
    .unwrap();
    b.append_extension(odd).unwrap();
    b.sign(&int_ca.key, MessageDigest::sha256()).unwrap();
    let odd_leaf = eds(&b.build());
    let report = chain::validate(&odd_leaf, &[eds(&int)], &anchors, AT, &[]);
    assert!(!report.valid);
    assert!(
        report
            .reasons
            .iter()
            .any(|r| r.starts_with("link 1") && r.contains("critical extension 1.2.3.4.5")),
        "{:?}",
        report.reasons
    );
}

#[test]
fn an_issuer_loop_ends_with_a_verdict() {
    // A is issued by B and B by A; neither is an anchor.
    let (key_a, key_b) = (rsa(), rsa());
    let named = |cn: &str| {
        let mut n = X509Name::builder().unwrap();
        n.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
        n.build()
    };
    let make = |subject: &str, issuer: &str, key: &PKey<Private>, signer: &PKey<Private>| {
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(7).unwrap()).unwrap())
            .unwrap();
        b.set_subject_name(&named(subject)).unwrap();
        b.set_issuer_name(&named(issuer)).unwrap();
        b.set_pubkey(key).unwrap();
        b.set_not_before(&time(datetime!(2020-01-01 0:00 UTC)))
            .unwrap();
        b.set_not_after(&time(datetime!(2030-01-01 0:00 UTC)))
            .unwrap();
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.sign(signer, MessageDigest::sha256()).unwrap();
        b.build()
    };
    let a = make("Loop A", "Loop B", &key_a, &key_b);
    let b = make("Loop B", "Loop A", &key_b, &key_a);
    let a_ca = Ca {
        cert: a.clone(),
        key: key_a.clone(),
    };
    let leaf = eds(&issue(
        "Member",
        8,
        &rsa(),
        Some(&a_ca),
        false,
        datetime!(2024-01-01 0:00 UTC),
        datetime!(2025-01-01 0:00 UTC),
    ));
    let p = pki();
    let report = chain::validate(&leaf, &[eds(&a), eds(&b)], &[p.root], AT, &[]);
    assert!(!report.valid && !report.trusted);
    assert!(
        report.reasons.iter().any(|r| r.contains("issuer loop")),
        "{:?}",
        report.reasons
    );
    assert!(report.links.len() <= 3);
}

#[test]
fn a_key_and_another_certificate_do_not_make_a_credential() {
    let p = pki();
    let key = rsa();
    let leaf = issue(
        "Member",
        30,
        &rsa(),
        Some(&p.intermediate_ca),
        false,
        datetime!(2024-01-01 0:00 UTC),
        datetime!(2025-01-01 0:00 UTC),
    );
    let err = Credential::new(eds_key(&key), eds(&leaf), vec![])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("the private key does not match the certificate"),
        "{err}"
    );
}
