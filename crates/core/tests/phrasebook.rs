//! Wording files (the act's sentences): what a valid file gives, and what each kind of bad
//! file says, with its file and line.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::path::Path;

use serde::Deserialize;
use tekseru_core::phrasebook::{self, Phrasebook, Sentence};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mini {
    adoption: Adoption,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Adoption {
    heading: Sentence,
    rule: Sentence,
}

const MINI: &str = r#"[source]
act = "224/НҚ"
text = "../../../../checklists/sources/000_e988696a9b771066.txt"
body_starts_at = "1-тарау. Жалпы ережелер"

[sentences.adoption]
heading = { kk = "Актіні қабылдау тәртібі", ru = "Порядок принятия акта" }
rule = { kk = "Акт қабылданды (224/НҚ §13 ¶4).", ru = "Акт принят (224/НҚ §13 ¶4).", ref = "224/НҚ §13 ¶4", quote = "үштен екісі" }
"#;

fn law(rel: &str) -> Result<String, String> {
    let name = Path::new(rel).file_name().unwrap();
    tekseru_core::catalog::cited_text(&name.to_string_lossy())
        .map(str::to_owned)
        .ok_or_else(|| format!("no text {rel}"))
}

fn parse(text: &str) -> Result<Phrasebook<Mini>, String> {
    phrasebook::parse::<Mini>(text, Path::new("assets/act/mini.toml"), &law)
        .map_err(|e| e.to_string())
}

#[test]
fn a_valid_file_gives_its_sentences_and_citations() {
    let book = parse(MINI).unwrap();
    assert_eq!(book.sentences.adoption.heading.ru, "Порядок принятия акта");
    assert_eq!(
        book.sentences.adoption.rule.reference.as_deref(),
        Some("224/НҚ §13 ¶4")
    );
    assert_eq!(
        book.citations.get("adoption.rule").map(String::as_str),
        Some("224/НҚ §13 ¶4")
    );
    assert_eq!(book.citations.len(), 1);
}

#[test]
fn each_bad_file_names_its_file_line_and_problem() {
    let cases = [
        (
            r#"ru = "Порядок принятия акта" "#,
            r#"ru = " " "#,
            "assets/act/mini.toml:7: missing 'ru' text of sentence 'adoption.heading' (every sentence needs kk and ru)",
        ),
        (
            r#"ref = "224/НҚ §13 ¶4""#,
            r#"ref = "224/НҚ §13 ¶9""#,
            "assets/act/mini.toml:8: sentence 'adoption.rule': §13 ¶9 does not exist: that unit has 4 абзац(ы)",
        ),
        (
            r#"quote = "үштен екісі""#,
            r#"quote = "жартысы""#,
            "assets/act/mini.toml:8: sentence 'adoption.rule': quote \"жартысы\" does not occur in §13 ¶4 of the cited text (copy the words from the law, or fix the reference)",
        ),
        (
            r#"Акт принят (224/НҚ §13 ¶4)."#,
            r#"Акт принят (224/НҚ §22 ¶4)."#,
            "assets/act/mini.toml:8: sentence 'adoption.rule': its ru text prints '224/НҚ §22 ¶4' but its `ref` is '224/НҚ §13 ¶4' (a sentence cites what it prints)",
        ),
        (
            r#", ref = "224/НҚ §13 ¶4", quote = "үштен екісі" "#,
            " ",
            "assets/act/mini.toml:8: sentence 'adoption.rule': its kk text prints '224/НҚ §13 ¶4' but its `ref` is missing (a sentence cites what it prints)",
        ),
        (
            r#", quote = "үштен екісі" "#,
            " ",
            "assets/act/mini.toml:8: sentence 'adoption.rule': a `ref` needs a `quote` (words of the law there)",
        ),
        (
            "heading = {",
            "headline = {",
            "assets/act/mini.toml:7: unknown field `headline`, expected `heading` or `rule`",
        ),
        (
            r#"ru = "Порядок принятия акта" }"#,
            r#"ru = "Порядок принятия акта", en = "Adoption" }"#,
            "assets/act/mini.toml:7: unknown field `en`, expected one of `kk`, `ru`, `ref`, `quote`",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(MINI.contains(from), "fixture lacks {from:?}");
        let err = parse(&MINI.replacen(from, to, 1)).expect_err(expected);
        assert_eq!(err, expected);
    }
}

#[test]
fn a_file_on_disk_reads_its_law_relative_to_itself() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let path = dir.join(format!("phrases-{}.toml", std::process::id()));
    std::fs::write(&path, MINI).unwrap();
    let loaded = phrasebook::load::<Mini>(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(loaded.unwrap().citations.len(), 1);
}
