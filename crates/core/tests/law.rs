//! The legal text index reads 224/НҚ as a lawyer cites it.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use tekseru_core::law::{LegalRef, LegalText};

fn rules() -> LegalText {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../checklists/sources/000_e988696a9b771066.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    LegalText::parse(&text, "1-тарау. Жалпы ережелер").expect("the rules' first chapter is found")
}

#[track_caller]
fn text(law: &LegalText, reference: &str) -> String {
    let r: LegalRef = reference.parse().unwrap();
    law.resolve(&r.locator)
        .unwrap_or_else(|e| panic!("{reference}: {e}"))
        .0
}

#[test]
fn cited_units_resolve_to_the_right_words() {
    let law = rules();
    assert!(text(&law, "224/НҚ §12(15) ¶1")
        .starts_with("15) серверлік үй-жайларға қойылатын талаптар:"));
    assert_eq!(
        text(&law, "224/НҚ §12(15) ¶2"),
        "үздіксіз қоректену көзінің болуы;"
    );
    assert_eq!(
        text(&law, "224/НҚ §12(15) ¶6"),
        "серверлік үй-жай төбесінің биіктігі 2,44 метрден кем болмауы;"
    );
    assert_eq!(
        text(&law, "224/НҚ §12(15) ¶9"),
        "серверлік үй-жайға жүргізілетін жұмыстардың тігілген журналының болуы."
    );
    assert!(text(&law, "224/НҚ §13 ¶4")
        .contains("үштен екісі, оның ішінде ұлттық қауіпсіздік органдары өкілінің қолы"));
    assert!(text(&law, "224/НҚ §22 ¶4").contains("хатшыны қоспағанда"));
    assert!(text(&law, "224/НҚ §22 ¶5").contains("тиісті белгі қойылады"));
    assert!(
        text(&law, "224/НҚ §3 ¶4").contains("ұлттық қауіпсіздік органдарының өкілдерінен тұрады")
    );
    assert!(
        text(&law, "224/НҚ §12 ¶6").contains("құжаттардың нақты жағдайға сәйкестігін айқындайды")
    );
    assert!(text(&law, "224/НҚ Annex 1 item 9").contains("ҚР СТ 1073-2007"));
    assert!(text(&law, "224/НҚ Annex 1 item 4").contains("13 (он үш) жұмыс күні"));
    // A paragraph cited whole includes its sub-items.
    assert!(
        text(&law, "224/НҚ §12").contains("кері қайтарылып алынған тіркеу куәліктерінің тізіміне")
    );
}

#[test]
fn units_that_do_not_exist_are_refused() {
    let law = rules();
    for missing in [
        "224/НҚ §26",
        "224/НҚ §12(16)",
        "224/НҚ §12(15) ¶10",
        "224/НҚ §13 ¶5",
        "224/НҚ Annex 1 item 11",
        "224/НҚ Annex 4 item 1",
    ] {
        let r: LegalRef = missing.parse().unwrap();
        assert!(
            law.resolve(&r.locator).is_err(),
            "{missing} should not exist"
        );
    }
}
