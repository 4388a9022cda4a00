//! A PKI field check's report kept as evidence on the item it serves: both files stored, the
//! verdict proposed and never set, the wrong item refused.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use tekseru_core::{catalog, Bin, Roster, Verdict};
use tekseru_pki::{chain, Input, Report};
use tekseru_store::{NewInspection, Store};
use tekseru_workflow::pki::{attach_report, PkiReport};
use tekseru_workflow::WorkflowError;
use time::macros::datetime;
use time::OffsetDateTime;

/// When the report is attached (fixed: no test depends on the day it runs).
const NOW: OffsetDateTime = datetime!(2026-11-20 12:00:05 UTC);

fn store_with_inspection() -> (tempfile::TempDir, Store, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        Store::create(&dir.path().join("store"), "pass phrase", "Inspector", None).unwrap();
    let checklist = catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "ca-accreditation-onsite")
        .unwrap();
    let roster: Roster = serde_json::from_value(serde_json::json!([
        {"name": "Әсел Жұмабаева", "iin": "810315400008", "role": "chair", "body": "committee"},
        {"name": "Гүлнар Есенова", "iin": "791130400009", "role": "member", "body": "knb"}
    ]))
    .unwrap();
    let id = store
        .new_inspection(NewInspection {
            checklist,
            ca_name: "«Сенім» КО ЖШС".into(),
            bin: Bin::parse("050440001000").unwrap(),
            site: "Астана".into(),
            roster,
            training: false,
            settings: None,
        })
        .unwrap();
    (dir, store, id)
}

/// The chain of the NCA's GOST 2022 certificate to the RK root, judged in 2025: complies.
fn nca_chain() -> PkiReport {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/anchors/prod/nca_gost_2022.cer"
    );
    let report = chain::check(
        &Input::read(path).unwrap(),
        &[],
        None,
        &[],
        datetime!(2025-01-01 0:00 UTC),
    );
    assert_eq!(report.verdict, tekseru_pki::Verdict::Complies);
    PkiReport::Chain(report)
}

fn exported(store: &Store, id: &str, sha256: &str) -> Vec<u8> {
    let mut out = Vec::new();
    store.export_evidence(id, sha256, &mut out).unwrap();
    out
}

#[test]
fn the_report_becomes_evidence_and_its_verdict_is_only_proposed() {
    let (_dir, mut store, id) = store_with_inspection();
    let report = nca_chain();
    let attached = attach_report(&mut store, &id, "pki.chain-building", &report, NOW).unwrap();
    assert_eq!(attached.proposed_verdict, Some(Verdict::Complies));
    let names: Vec<&str> = attached.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "pki-chain-20261120T120005Z.json",
            "pki-chain-20261120T120005Z.txt"
        ]
    );

    let inspection = store.inspection(&id).unwrap();
    let on_item: Vec<&str> = inspection
        .evidence
        .iter()
        .filter(|e| e.item.as_deref() == Some("pki.chain-building"))
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(on_item, names);
    // The item is still unanswered: the inspector confirms the verdict.
    assert!(inspection
        .answer("pki.chain-building")
        .and_then(|a| a.verdict)
        .is_none());

    // The JSON is the report; the text is what a person reads.
    let json: serde_json::Value =
        serde_json::from_slice(&exported(&store, &id, &attached.files[0].sha256)).unwrap();
    assert_eq!(json, serde_json::to_value(&report).unwrap());
    assert_eq!(json["check"], "chain");
    assert_eq!(json["verdict"], "complies");
    let text = String::from_utf8(exported(&store, &id, &attached.files[1].sha256)).unwrap();
    assert_eq!(text, report.text());
    assert!(text.starts_with("Certificate chain (224/НҚ §12(1), (2), (4))\nverdict: complies"));
}

#[test]
fn a_check_that_cannot_decide_proposes_no_verdict() {
    let (_dir, mut store, id) = store_with_inspection();
    let garbage = Input::new("garbage.cer", b"not a certificate".to_vec());
    let report = chain::check(&garbage, &[], None, &[], NOW);
    assert_eq!(report.verdict, tekseru_pki::Verdict::NotVerifiableHere);
    let attached = attach_report(&mut store, &id, "pki.chain-validation", &report, NOW).unwrap();
    assert_eq!(attached.proposed_verdict, None);
    assert_eq!(attached.files.len(), 2);
}

#[test]
fn a_report_on_an_item_of_another_tool_or_no_such_item_is_refused_and_nothing_is_attached() {
    let (_dir, mut store, id) = store_with_inspection();
    let report = nca_chain();
    let err = attach_report(
        &mut store,
        &id,
        "operations.time-synchronization",
        &report,
        NOW,
    )
    .unwrap_err();
    assert!(matches!(err, WorkflowError::Refused(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "item 'operations.time-synchronization' is measured by pki.time, not by the chain check: attach the report to an item of that check"
    );
    let err = attach_report(&mut store, &id, "no.such-item", &report, NOW).unwrap_err();
    assert!(err.to_string().contains("no.such-item"), "{err}");
    assert!(store.inspection(&id).unwrap().evidence.is_empty());
}

#[test]
fn a_crl_check_needs_a_crl_or_a_certificate_naming_its_distribution_point() {
    use std::time::Duration;
    use tekseru_workflow::pki::{crl_check, CrlSource};
    let timeout = Duration::from_millis(200);
    let err = crl_check(CrlSource::DistributionPoint, None, &[], NOW, timeout, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "give the CRL (file or URL), or a certificate to look up that names a CRL distribution point"
    );
    let garbage = Input::new("/media/ca/list.crl", b"not a certificate".to_vec());
    let err = crl_check(
        CrlSource::DistributionPoint,
        None,
        std::slice::from_ref(&garbage),
        NOW,
        timeout,
        false,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("'/media/ca/list.crl' is not a certificate: "),
        "{err}"
    );
    // A file that is no CRL is a report that cannot decide, not an error.
    let report = crl_check(CrlSource::File(garbage), None, &[], NOW, timeout, false).unwrap();
    assert_eq!(report.verdict, tekseru_pki::Verdict::NotVerifiableHere);
    assert!(matches!(
        CrlSource::url(" http://crl.example.kz/a.crl"),
        Some(CrlSource::Url(u)) if u == "http://crl.example.kz/a.crl"
    ));
    assert!(CrlSource::url("/tmp/a.crl").is_none());
}
