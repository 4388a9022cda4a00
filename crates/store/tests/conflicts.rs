//! Two laptops merge one inspection: what they wrote apart merges by itself, what they wrote
//! differently on the same field is a conflict on both, and a resolution on one reaches the
//! other with the next exchange.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // Tests may panic on what they set up.

use tekseru_core::{catalog, Bin, Roster, Verdict};
use tekseru_store::{
    AnswerChange, Choice, Incoming, InventoryRow, NewInspection, StagedBlob, Store,
};

const PASS: &str = "correct horse battery staple";
const UPS: &str = "server-room.ups";
const INVENTORY: &str = "conformity.equipment-inventory";

struct Two {
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    a: Store,
    b: Store,
    id: String,
}

/// Laptop a starts an inspection; laptop b receives it.
fn two() -> Two {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = Store::create(da.path(), PASS, "Әсел Жұмабаева", None).unwrap();
    let mut b = Store::create(db.path(), PASS, "Ерлан Қасымов", None).unwrap();
    let roster: Roster = serde_json::from_str(
        r#"[{"name":"Әсел Жұмабаева","iin":"810315400008","role":"chair","body":"committee"},
            {"name":"Ерлан Қасымов","iin":"850214300001","role":"member","body":"knb"}]"#,
    )
    .unwrap();
    let id = a
        .new_inspection(NewInspection {
            checklist: catalog::embedded()
                .unwrap()
                .into_iter()
                .find(|c| c.id == "ca-accreditation-onsite")
                .unwrap(),
            ca_name: "«Сенім» КО".into(),
            bin: Bin::parse("050440001000").unwrap(),
            site: "Астана".into(),
            roster,
            training: false,
            settings: None,
        })
        .unwrap();
    send(&a, &mut b, &id);
    Two {
        _dirs: (da, db),
        a,
        b,
        id,
    }
}

/// What `to` lacks of `from`'s inspection, carried over and imported (accepting `from`).
fn send(from: &Store, to: &mut Store, id: &str) -> usize {
    let theirs = to.version_vector(id).unwrap_or_default();
    let out = from.outgoing(id, &theirs).unwrap();
    let staging = to.staging_dir().unwrap();
    let blobs = out
        .blobs
        .iter()
        .map(|b| {
            let path = staging.join(&b.sha256);
            let mut file = std::fs::File::create(&path).unwrap();
            std::io::copy(&mut from.blob_reader(&b.sha256).unwrap(), &mut file).unwrap();
            StagedBlob {
                sha256: b.sha256.clone(),
                bytes: b.bytes,
                path,
            }
        })
        .collect();
    let incoming = Incoming {
        inspection: out.inspection,
        events: out.events,
        devices: out.devices,
        blobs,
    };
    to.import(incoming, &[from.device().public_key.fingerprint()])
        .unwrap()
        .conflicts
}

fn exchange(t: &mut Two) {
    send(&t.a, &mut t.b, &t.id);
    send(&t.b, &mut t.a, &t.id);
}

fn verdict(v: Verdict) -> AnswerChange {
    AnswerChange {
        verdict: Some(Some(v)),
        ..AnswerChange::default()
    }
}

fn device_id(s: &Store) -> String {
    s.device().public_key.id().to_string()
}

fn both_intact_and_equal(t: &Two) -> tekseru_store::Inspection {
    for s in [&t.a, &t.b] {
        let v = s.verify(&t.id).unwrap();
        assert!(v.intact(), "{:?}", v.problems);
    }
    let (ia, ib) = (
        t.a.inspection(&t.id).unwrap(),
        t.b.inspection(&t.id).unwrap(),
    );
    assert_eq!(ia, ib, "both laptops say the same");
    ia
}

#[test]
fn laptops_answering_different_items_merge_by_themselves() {
    let mut t = two();
    t.a.answer(&t.id, UPS, verdict(Verdict::Complies)).unwrap();
    t.b.answer(
        &t.id,
        "server-room.air-conditioning",
        verdict(Verdict::Fails),
    )
    .unwrap();
    // The same verdict on both is parallel, not a conflict.
    t.a.answer(&t.id, "pki.chain-building", verdict(Verdict::Fails))
        .unwrap();
    t.b.answer(&t.id, "pki.chain-building", verdict(Verdict::Fails))
        .unwrap();
    exchange(&mut t);
    let i = both_intact_and_equal(&t);
    assert!(i.conflicts.is_empty(), "{:?}", i.conflicts);
    assert_eq!(i.answer(UPS).unwrap().verdict, Some(Verdict::Complies));
    assert_eq!(
        i.answer("server-room.air-conditioning").unwrap().verdict,
        Some(Verdict::Fails)
    );
}

#[test]
fn the_same_item_answered_differently_is_one_conflict_resolved_on_one_laptop_for_both() {
    let mut t = two();
    t.a.answer(&t.id, UPS, verdict(Verdict::Complies)).unwrap();
    t.b.answer(&t.id, UPS, verdict(Verdict::Fails)).unwrap();
    assert_eq!(send(&t.b, &mut t.a, &t.id), 1, "the import reports it");
    send(&t.a, &mut t.b, &t.id);
    let i = both_intact_and_equal(&t);
    assert_eq!(i.conflicts.len(), 1, "{:?}", i.conflicts);
    let c = &i.conflicts[0];
    assert_eq!((c.item.as_str(), c.field.as_str()), (UPS, "verdict"));
    let mut versions: Vec<(String, String, serde_json::Value)> = c
        .versions
        .iter()
        .map(|v| (v.device.clone(), v.inspector.clone(), v.value.clone()))
        .collect();
    versions.sort_by(|x, y| x.0.cmp(&y.0));
    let mut expected = vec![
        (
            device_id(&t.a),
            "Әсел Жұмабаева".to_owned(),
            "complies".into(),
        ),
        (device_id(&t.b), "Ерлан Қасымов".to_owned(), "fails".into()),
    ];
    expected.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(versions, expected);
    let json = serde_json::to_value(&i).unwrap();
    assert_eq!(
        json["conflicts"][0]["versions"].as_array().unwrap().len(),
        2
    );

    // Errors name what is wrong.
    let err =
        t.a.resolve(&t.id, UPS, "note", Choice::Value("x".into()))
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "inspection '{}' has no open conflict on {UPS} note (open: {UPS} verdict)",
            t.id
        )
    );
    let err =
        t.a.resolve(
            &t.id,
            UPS,
            "verdict",
            Choice::Take("0123456789abcdef".into()),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("no version of {UPS} verdict comes from device 0123456789abcdef; the versions come from ")),
        "{err}"
    );
    let err =
        t.a.resolve(&t.id, UPS, "verdict", Choice::Value("maybe".into()))
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "'maybe' is no verdict: use complies, fails, na or none"
    );

    // Laptop a takes b's version: settled on a at once, on b after the exchange.
    let after =
        t.a.resolve(&t.id, UPS, "verdict", Choice::Take(device_id(&t.b)))
            .unwrap();
    assert!(after.conflicts.is_empty());
    assert_eq!(after.answer(UPS).unwrap().verdict, Some(Verdict::Fails));
    assert_eq!(t.b.inspection(&t.id).unwrap().conflicts.len(), 1);
    exchange(&mut t);
    let i = both_intact_and_equal(&t);
    assert!(i.conflicts.is_empty(), "{:?}", i.conflicts);
    assert_eq!(i.answer(UPS).unwrap().verdict, Some(Verdict::Fails));
    // Both versions and the resolution stay in the history.
    let trail = t.b.audit_trail(&t.id).unwrap();
    let described: Vec<String> = trail.iter().map(|e| e.change.describe()).collect();
    assert_eq!(
        described
            .iter()
            .filter(|d| *d == &format!("answered item '{UPS}'"))
            .count(),
        2
    );
    assert!(described.contains(&format!("resolved the conflict on {UPS} verdict")));
}

#[test]
fn an_inventory_row_edited_on_one_laptop_and_deleted_on_the_other_conflicts() {
    let mut t = two();
    let row = |serial: &str| InventoryRow {
        id: String::new(),
        kind: "server".into(),
        role: "main".into(),
        serial: serial.into(),
        model: "R740".into(),
        manufacturer: "Dell".into(),
        location: "A1".into(),
        declared: true,
        found: true,
    };
    let rows = |rows: Vec<InventoryRow>| AnswerChange {
        inventory: Some(Some(rows)),
        ..AnswerChange::default()
    };
    let first =
        t.a.answer(&t.id, INVENTORY, rows(vec![row("SN-1"), row("SN-2")]))
            .unwrap()
            .inventory
            .unwrap();
    exchange(&mut t);
    // a edits row 1; b deletes row 1 and edits row 2: row 2 merges, row 1 conflicts.
    let mut edited = first.clone();
    edited[0].location = "B7".into();
    t.a.answer(&t.id, INVENTORY, rows(edited)).unwrap();
    let mut other = vec![first[1].clone()];
    other[0].found = false;
    t.b.answer(&t.id, INVENTORY, rows(other)).unwrap();
    exchange(&mut t);
    let i = both_intact_and_equal(&t);
    let fields: Vec<&str> = i
        .conflicts
        .iter()
        .filter(|c| c.item == INVENTORY)
        .map(|c| c.field.as_str())
        .collect();
    assert!(fields.contains(&first[0].id.as_str()), "{fields:?}");
    assert!(!fields.contains(&first[1].id.as_str()), "{fields:?}");
    let shown = i.answer(INVENTORY).unwrap().inventory.clone().unwrap();
    assert_eq!(shown.len(), 2, "the edited row shows until resolved");
    assert!(!shown[1].found);
    // b resolves it as deleted; the verdict follows from the rows left.
    t.b.resolve(
        &t.id,
        INVENTORY,
        &first[0].id,
        Choice::Value("deleted".into()),
    )
    .unwrap();
    exchange(&mut t);
    let i = both_intact_and_equal(&t);
    assert!(i.conflicts.is_empty(), "{:?}", i.conflicts);
    let answer = i.answer(INVENTORY).unwrap();
    assert_eq!(answer.inventory.as_ref().unwrap().len(), 1);
    assert_eq!(answer.verdict, Some(Verdict::Fails));
}
