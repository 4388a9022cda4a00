#![allow(clippy::unwrap_used)]
//! The act's fixed wording is data (`assets/act/wording.toml`): every sentence that states a
//! legal rule cites a paragraph that exists in the law's text, and the renderer holds no
//! Kazakh or Russian sentence of its own.

use std::path::Path;

use tekseru_core::law::{LegalRef, LegalText};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn every_cited_paragraph_exists_in_the_law() {
    let text = std::fs::read_to_string(repo().join("checklists/sources/000_e988696a9b771066.txt"))
        .unwrap();
    let law = LegalText::parse(&text, "1-тарау. Жалпы ережелер").unwrap();
    let citations = tekseru_act::wording_citations().unwrap();
    for (sentence, reference) in &citations {
        let r: LegalRef = reference
            .parse()
            .unwrap_or_else(|e| panic!("{sentence}: {e}"));
        assert_eq!(r.act, "224/НҚ", "{sentence}");
        law.resolve(&r.locator)
            .unwrap_or_else(|e| panic!("{sentence} cites {reference}: {e}"));
    }
    // The rules the act states, each with the paragraph that sets it.
    for (sentence, reference) in [
        ("adoption.rule_accreditation", "224/НҚ §13 ¶4"),
        ("adoption.rule_revocation", "224/НҚ §22 ¶4"),
        ("dissent.reason_accreditation", "224/НҚ §13 ¶3"),
        ("basis.commission_order", "224/НҚ §3 ¶4"),
        ("basis.subject", "224/НҚ §21 ¶5"),
        ("findings.conclusions", "224/НҚ §13 ¶1"),
    ] {
        assert_eq!(
            citations.get(sentence).map(String::as_str),
            Some(reference),
            "{sentence}"
        );
    }
}

#[test]
fn every_printed_reference_is_a_citation() {
    // A line of the file that prints a reference to 224/НҚ is a sentence citing it.
    let file = std::fs::read_to_string(repo().join("assets/act/wording.toml")).unwrap();
    for line in file.lines().filter(|l| !l.starts_with('#')) {
        if line.contains("(224/НҚ §") {
            assert!(line.contains("ref = \"224/НҚ §"), "uncited: {line}");
        }
    }
}

#[test]
fn the_renderer_holds_no_sentence_of_its_own() {
    let source = std::fs::read_to_string(repo().join("crates/act/src/render.rs")).unwrap();
    for (no, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let cyrillic = code.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
        // The training mark is a public constant the verifier also reads.
        if cyrillic && !code.contains("TRAINING_MARK: &str") {
            panic!("crates/act/src/render.rs:{}: {line}", no + 1);
        }
    }
}
