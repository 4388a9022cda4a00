//! The checklists shipped with tekseru cover what 224/НҚ asks, and each of them loads: so every
//! reference resolves in the law's text and every quote occurs there (the loader checks both).

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::collections::BTreeSet;

use tekseru_core::quorum::Rule;
use tekseru_core::{catalog, Checklist, ItemKind, Op, Tool};

fn shipped(id: &str) -> Checklist {
    catalog::embedded()
        .unwrap_or_else(|e| panic!("a shipped checklist does not load: {e}"))
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("checklist {id} is not shipped"))
}

fn refs(c: &Checklist) -> BTreeSet<String> {
    c.items().map(|(_, i)| i.reference.clone()).collect()
}

/// Whether some item cites this unit or something inside it.
fn cites(c: &Checklist, unit: &str) -> bool {
    refs(c).iter().any(|r| {
        r == unit || r.starts_with(&format!("{unit} ")) || r.starts_with(&format!("{unit}("))
    })
}

#[test]
fn the_files_on_disk_are_the_ones_built_in() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../checklists");
    let on_disk = catalog::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let built_in = catalog::embedded().unwrap_or_else(|e| panic!("{e}"));
    let mut a: Vec<_> = on_disk
        .iter()
        .map(|c| (&c.id, &c.version, c.items().count()))
        .collect();
    let mut b: Vec<_> = built_in
        .iter()
        .map(|c| (&c.id, &c.version, c.items().count()))
        .collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn onsite_covers_every_check_of_paragraph_12() {
    let c = shipped("ca-accreditation-onsite");
    assert_eq!(c.rule, Rule::Accreditation);
    for sub in 1..=15 {
        assert!(
            cites(&c, &format!("224/НҚ §12({sub})")),
            "no item cites §12({sub})"
        );
    }
    // The eight server-room requirements, each its own item; ¶5 is two requirements (the
    // bond to the building's main grounding electrode, and a conduit of at least 1.5 cm).
    for indent in 2..=9 {
        let r = format!("224/НҚ §12(15) ¶{indent}");
        assert_eq!(
            c.items().filter(|(_, i)| i.reference == r).count(),
            if indent == 5 { 2 } else { 1 },
            "items citing {r}"
        );
    }
    let bond = c.item("server-room.grounding-bond").expect("the bond item");
    assert_eq!(
        (bond.kind, bond.reference.as_str()),
        (ItemKind::Check, "224/НҚ §12(15) ¶5")
    );
    // The commission reviews the acts of earlier checks (§12 ¶2).
    assert!(cites(&c, "224/НҚ §12 ¶2"), "no item cites §12 ¶2");
    let ceiling = c
        .items()
        .find(|(_, i)| i.reference == "224/НҚ §12(15) ¶6")
        .unwrap()
        .1;
    assert_eq!(ceiling.kind, ItemKind::Measure);
    assert_eq!(ceiling.unit.as_deref(), Some("m"));
    let rule = ceiling.rule.unwrap();
    assert_eq!((rule.op, rule.value), (Op::AtLeast, 2.44));
    let conduit = c
        .items()
        .find(|(_, i)| i.reference == "224/НҚ §12(15) ¶5" && i.kind == ItemKind::Measure)
        .unwrap()
        .1;
    assert_eq!(conduit.kind, ItemKind::Measure);
    assert_eq!(conduit.unit.as_deref(), Some("cm"));
    let rule = conduit.rule.unwrap();
    assert_eq!((rule.op, rule.value), (Op::AtLeast, 1.5));
    // Reconciliation of the declared servers and HSMs (Annex 1 item 9).
    let inventory = c
        .items()
        .find(|(_, i)| i.kind == ItemKind::Inventory)
        .expect("an inventory item")
        .1;
    assert_eq!(inventory.reference, "224/НҚ Annex 1 item 9");
    let spec = inventory.inventory.as_ref().unwrap();
    assert!(spec.roles.iter().any(|r| r == "main") && spec.roles.iter().any(|r| r == "backup"));
}

#[test]
fn documents_cover_annex_1_item_9() {
    let c = shipped("ca-accreditation-documents");
    let items: Vec<_> = c.items().map(|(_, i)| i).collect();
    assert!(items
        .iter()
        .all(|i| i.kind == ItemKind::Document && i.reference == "224/НҚ Annex 1 item 9"));
    let quotes: BTreeSet<&str> = items.iter().map(|i| i.quote.as_str()).collect();
    assert_eq!(
        quotes.len(),
        items.len(),
        "each document quotes its own words"
    );
    assert_eq!(items.len(), 13, "annex 1 item 9 lists 13 documents");
}

#[test]
fn revocation_examination_has_the_mark_and_the_60_day_limit() {
    let c = shipped("ca-revocation-examination");
    assert_eq!(c.rule, Rule::Revocation);
    let p = c.procedure.as_ref().expect("a [procedure] table");
    let mark = p
        .no_violations_mark
        .as_ref()
        .expect("the no-violations mark");
    assert_eq!(mark.reference, "224/НҚ §22 ¶5");
    let limit = p
        .recommendation_deadline
        .as_ref()
        .expect("the remediation limit");
    assert_eq!(limit.max_working_days, 60);
    for sub in [1, 2, 6, 12, 14, 15] {
        assert!(
            cites(&c, &format!("224/НҚ §12({sub})")),
            "no item cites §12({sub})"
        );
    }
    // The ground of §19(2): recommendations left unfulfilled without good reason, and harm
    // to users, each its own item.
    assert_eq!(
        c.items()
            .filter(|(_, i)| i.reference == "224/НҚ §19(2)")
            .count(),
        2
    );
}

#[test]
fn each_checklist_names_the_wording_it_cites_and_states_no_date_it_cannot_know() {
    for c in catalog::embedded().unwrap_or_else(|e| panic!("{e}")) {
        let wording = c.source.wording.as_ref().expect("the wording applied");
        assert!(wording.text.ru.contains("2022"), "{}", c.id);
        // The 2022 order's day and publication are blank in the text: no date is claimed,
        // and the old 2020-06-01 (the date of the order 224/НҚ itself) is gone.
        assert_eq!(c.source.effective_from, None, "{}", c.id);
        assert!(c.source.effective_note.contains("blank"), "{}", c.id);
    }
}

#[test]
fn translations_keep_what_the_law_says() {
    let onsite = shipped("ca-accreditation-onsite");
    let documents = shipped("ca-accreditation-documents");
    let all: Vec<_> = [&onsite, &documents]
        .into_iter()
        .flat_map(|c| c.items().map(|(_, i)| i.clone()))
        .collect();
    for item in &all {
        assert!(
            !item.text.ru.contains("проводник"),
            "{}: the law says кондуит only",
            item.id
        );
        assert!(
            !item.text.en.contains("root keys"),
            "{}: the law says main keys",
            item.id
        );
    }
    let chain = onsite.item("pki.chain-building").unwrap();
    assert!(chain.text.ru.starts_with("Проверка построения"));
    let text = |id: &str| documents.item(id).unwrap().text.clone();
    assert!(text("documents.crypto-conformity")
        .ru
        .contains("и его пользователями"));
    assert!(text("documents.module-scheme")
        .ru
        .contains("Утверждённая удостоверяющим центром"));
    assert!(text("documents.servers-hsm-data")
        .ru
        .contains("основных и резервных аппаратно-программных комплексов"));
    for id in [
        "documents.is-policy",
        "documents.regulations",
        "documents.certificate-policy",
        "documents.statute",
    ] {
        assert!(text(id).kk.to_lowercase().contains("бекітілген"), "{id}");
        assert!(text(id).ru.starts_with("Утверждён"), "{id}");
    }
}

#[test]
fn every_text_is_translated_and_nfc() {
    for c in catalog::embedded().unwrap_or_else(|e| panic!("{e}")) {
        for (_, item) in c.items() {
            for text in [&item.text.kk, &item.text.ru, &item.text.en] {
                assert!(!text.trim().is_empty(), "{}: empty text", item.id);
                assert_eq!(text, &tekseru_core::nfc(text));
            }
            // Kazakh text is Kazakh: it uses Cyrillic letters.
            assert!(
                item.text
                    .kk
                    .chars()
                    .any(|ch| ('\u{0400}'..='\u{04FF}').contains(&ch)),
                "{}",
                item.id
            );
        }
    }
}

#[test]
fn revocation_repeats_the_onsite_items_word_for_word() {
    // The examination has the same technical scope as the on-site check (224/НҚ §21–22); its
    // copies of those items must not drift from the originals.
    let onsite = shipped("ca-accreditation-onsite");
    let revocation = shipped("ca-revocation-examination");
    let mut shared = 0;
    for (_, item) in onsite.items() {
        let copy = revocation
            .item(&item.id)
            .unwrap_or_else(|| panic!("{} is missing from the examination", item.id));
        assert_eq!(copy, item);
        shared += 1;
    }
    assert_eq!(shared, onsite.items().count());
    assert!(
        revocation.items().count() > shared,
        "the examination adds its own items"
    );
}

#[test]
fn the_pki_field_tools_serve_the_items_of_paragraph_12_they_measure() {
    // §12(1), (2), (4): the chain; (3), (5): the OIDs; (8), (9): the time source; (13): the
    // CRL. No other item names a tool, in either checklist that has them.
    for id in ["ca-accreditation-onsite", "ca-revocation-examination"] {
        let c = shipped(id);
        let tools: Vec<(String, Tool)> = c
            .items()
            .filter_map(|(_, i)| i.tool.map(|t| (i.reference.clone(), t)))
            .collect();
        let expected = [
            ("224/НҚ §12(1)", Tool::PkiChain),
            ("224/НҚ §12(2)", Tool::PkiChain),
            ("224/НҚ §12(3)", Tool::PkiOids),
            ("224/НҚ §12(4)", Tool::PkiChain),
            ("224/НҚ §12(5)", Tool::PkiOids),
            ("224/НҚ §12(13)", Tool::PkiCrl),
            ("224/НҚ §12(8)", Tool::PkiTime),
            ("224/НҚ §12(9)", Tool::PkiTime),
        ];
        assert_eq!(
            tools,
            expected.map(|(r, t)| (r.to_owned(), t)).to_vec(),
            "{id}"
        );
    }
    assert!(shipped("ca-accreditation-documents")
        .items()
        .all(|(_, i)| i.tool.is_none()));
    // The checks the tools run, as their reports name them.
    assert_eq!(
        [Tool::PkiChain, Tool::PkiOids, Tool::PkiCrl, Tool::PkiTime].map(Tool::check),
        ["chain", "oids", "crl", "time"]
    );
}
