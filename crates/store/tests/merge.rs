//! What merging needs of a single store: writes that name only the fields they touch, rows
//! with stable ids, and resolutions that refuse what is not a conflict.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // Tests may panic on what they set up.

use tekseru_core::{catalog, Bin, Roster, Verdict};
use tekseru_store::audit::{Change, RowWrite};
use tekseru_store::{AnswerChange, Choice, InventoryRow, NewInspection, Store};

const PASS: &str = "correct horse battery staple";
const INVENTORY: &str = "conformity.equipment-inventory";

fn store() -> (tempfile::TempDir, Store, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path(), PASS, "Inspector", None).unwrap();
    let checklist = catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "ca-accreditation-onsite")
        .unwrap();
    let roster: Roster = serde_json::from_str(
        r#"[{"name":"Әсел Жұмабаева","iin":"810315400008","role":"chair","body":"committee"}]"#,
    )
    .unwrap();
    let id = store
        .new_inspection(NewInspection {
            checklist,
            ca_name: "«Сенім» КО".into(),
            bin: Bin::parse("050440001000").unwrap(),
            site: "Астана".into(),
            roster,
            training: false,
            settings: None,
        })
        .unwrap();
    (dir, store, id)
}

fn last_change(store: &Store, id: &str) -> Change {
    store.audit_trail(id).unwrap().pop().unwrap().change
}

fn row(serial: &str) -> InventoryRow {
    InventoryRow {
        id: String::new(),
        kind: "server".into(),
        role: "main".into(),
        serial: serial.into(),
        model: "R740".into(),
        manufacturer: "Dell".into(),
        location: "A1".into(),
        declared: true,
        found: true,
    }
}

fn rows(rows: Vec<InventoryRow>) -> AnswerChange {
    AnswerChange {
        inventory: Some(Some(rows)),
        ..AnswerChange::default()
    }
}

#[test]
fn an_answer_writes_only_the_fields_it_touches() {
    let (_dir, mut store, id) = store();
    store
        .answer(
            &id,
            "server-room.ups",
            AnswerChange {
                verdict: Some(Some(Verdict::Fails)),
                ..AnswerChange::default()
            },
        )
        .unwrap();
    store
        .answer(
            &id,
            "server-room.ups",
            AnswerChange {
                note: Some(Some(" нет ИБП ".into())),
                ..AnswerChange::default()
            },
        )
        .unwrap();
    let Change::AnswerSet {
        item,
        verdict,
        value,
        note,
        inventory,
        rows,
    } = last_change(&store, &id)
    else {
        panic!("not a field-level write");
    };
    assert_eq!(item, "server-room.ups");
    assert_eq!((verdict, value, inventory), (None, None, None));
    assert_eq!(note, Some(Some("нет ИБП".into())));
    assert!(rows.is_empty());
    let answer = store.inspection(&id).unwrap();
    let answer = answer.answer("server-room.ups").unwrap();
    assert_eq!(answer.verdict, Some(Verdict::Fails));
    // A measurement writes its value and the verdict that follows from it.
    store
        .answer(
            &id,
            "server-room.ceiling-height",
            AnswerChange {
                value: Some(Some(2.5)),
                ..AnswerChange::default()
            },
        )
        .unwrap();
    let Change::AnswerSet {
        verdict,
        value,
        note,
        ..
    } = last_change(&store, &id)
    else {
        panic!("not a field-level write");
    };
    assert_eq!(
        (verdict, value, note),
        (Some(Some(Verdict::Complies)), Some(Some(2.5)), None)
    );
    assert!(store.verify(&id).unwrap().intact());
}

#[test]
fn inventory_rows_keep_their_ids_and_only_changed_rows_are_written() {
    let (_dir, mut store, id) = store();
    let a = store
        .answer(
            &id,
            INVENTORY,
            rows(vec![row("SN-1"), row("SN-2"), row("SN-3")]),
        )
        .unwrap();
    let first: Vec<InventoryRow> = a.inventory.unwrap();
    let ids: Vec<&str> = first.iter().map(|r| r.id.as_str()).collect();
    assert!(ids.iter().all(|id| id.len() == 16), "{ids:?}");
    assert_eq!(
        store
            .inspection(&id)
            .unwrap()
            .answer(INVENTORY)
            .unwrap()
            .inventory
            .as_ref(),
        Some(&first)
    );
    // A caller that knows ids deletes the middle row: one tombstone, nothing else.
    let kept = vec![first[0].clone(), first[2].clone()];
    store.answer(&id, INVENTORY, rows(kept.clone())).unwrap();
    let Change::AnswerSet { rows: writes, .. } = last_change(&store, &id) else {
        panic!("not a field-level write");
    };
    assert_eq!(
        writes,
        [RowWrite {
            id: first[1].id.clone(),
            row: None
        }]
    );
    // A caller that does not know ids edits by position: the first row keeps its id.
    let mut edited = row("SN-1a");
    edited.found = false;
    let a = store
        .answer(&id, INVENTORY, rows(vec![edited, row("SN-3")]))
        .unwrap();
    let now = a.inventory.unwrap();
    assert_eq!(now[0].id, first[0].id);
    assert_eq!(now[1].id, first[2].id);
    assert_eq!(a.verdict, Some(Verdict::Fails));
    let Change::AnswerSet { rows: writes, .. } = last_change(&store, &id) else {
        panic!("not a field-level write");
    };
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].id, first[0].id);
    // `na` clears the inventory: every row is deleted.
    store
        .answer(
            &id,
            INVENTORY,
            AnswerChange {
                verdict: Some(Some(Verdict::NotApplicable)),
                ..AnswerChange::default()
            },
        )
        .unwrap();
    let Change::AnswerSet {
        inventory,
        rows: writes,
        ..
    } = last_change(&store, &id)
    else {
        panic!("not a field-level write");
    };
    assert_eq!(inventory, Some(false));
    assert!(writes.iter().all(|w| w.row.is_none()) && writes.len() == 2);
    let report = store.verify(&id).unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    // Two rows with one id are refused.
    let mut twin = row("SN-9");
    twin.id = "r1".into();
    let err = store
        .answer(&id, INVENTORY, rows(vec![twin.clone(), twin]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("item '{INVENTORY}': two rows have the id 'r1'")
    );
}

#[test]
fn conclusions_and_details_write_only_what_changed() {
    let (_dir, mut store, id) = store();
    store
        .set_conclusions(&id, "findings", "conclusions", Vec::new())
        .unwrap();
    store
        .set_conclusions(&id, "findings", "other conclusions", Vec::new())
        .unwrap();
    assert_eq!(
        last_change(&store, &id),
        Change::ConclusionsEdited {
            findings: None,
            conclusions: Some("other conclusions".into()),
            recommendations: None,
        }
    );
    store
        .set_detail(&id, tekseru_store::DetailChange::ActNumber("12".into()))
        .unwrap();
    let Change::DetailsEdited { fields } = last_change(&store, &id) else {
        panic!("not a field-level write");
    };
    assert_eq!(
        fields.into_iter().collect::<Vec<_>>(),
        [("act_number".to_owned(), serde_json::json!("12"))]
    );
    let i = store.inspection(&id).unwrap();
    assert_eq!(
        (i.findings.as_str(), i.conclusions.as_str()),
        ("findings", "other conclusions")
    );
    assert_eq!(i.details.act_number.as_deref(), Some("12"));
    assert!(store.verify(&id).unwrap().intact());
}

#[test]
fn resolving_what_is_not_a_conflict_is_refused() {
    let (_dir, mut store, id) = store();
    store
        .answer(
            &id,
            "server-room.ups",
            AnswerChange {
                verdict: Some(Some(Verdict::Fails)),
                ..AnswerChange::default()
            },
        )
        .unwrap();
    let err = store
        .resolve(
            &id,
            "server-room.ups",
            "verdict",
            Choice::Value("complies".into()),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("inspection '{id}' has no open conflict on server-room.ups verdict (it has none)")
    );
    let json = serde_json::to_value(store.inspection(&id).unwrap()).unwrap();
    assert_eq!(json["conflicts"], serde_json::json!([]));
}
