//! The checklists in `checklists/` load: every reference resolves in the law's text and every
//! quote occurs there (the loader checks both).

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::collections::BTreeSet;

use tekseru_core::{catalog, ItemKind};

#[test]
fn documents_cover_annex_1_item_9() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../checklists");
    let all = catalog::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let c = all
        .iter()
        .find(|c| c.id == "ca-accreditation-documents")
        .unwrap();
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
