//! The checklist loader: what a valid file gives, and what each kind of bad file says.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

use std::path::{Path, PathBuf};

use tekseru_core::{Checklist, ItemKind, Verdict};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Loads the fixture with one edit applied, from a file next to it, and returns the error text
/// with the directory stripped.
#[track_caller]
fn error_of(from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(data("mini.toml")).unwrap();
    assert!(text.contains(from), "fixture lacks {from:?}");
    let edited = text.replacen(from, to, 1);
    let path = data(&format!("edited-{}.toml", std::process::id()));
    std::fs::write(&path, edited).unwrap();
    let result = Checklist::load(&path);
    std::fs::remove_file(&path).unwrap();
    let err = result.expect_err("the edited checklist should be refused");
    err.to_string().replace(&data("").display().to_string(), "")
}

#[test]
fn the_fixture_loads() {
    let c = Checklist::load(&data("mini.toml")).unwrap();
    assert_eq!(c.id, "mini");
    let ceiling = c.item("server-room.ceiling-height").unwrap();
    assert_eq!(ceiling.kind, ItemKind::Measure);
    assert_eq!(ceiling.reference, "224/НҚ §12(15) ¶6");
    let rule = ceiling.rule.unwrap();
    assert_eq!(rule.verdict(2.44), Verdict::Complies);
    assert_eq!(rule.verdict(2.43), Verdict::Fails);
}

#[test]
fn each_bad_file_names_its_line_and_problem() {
    let cases = [
        (
            "id = \"server-room.ceiling-height\"",
            "id = \"server-room.ups\"",
            "edited-PID.toml:29: item id 'server-room.ups' is used twice, first on line 22 (ids must be unique within a checklist)",
        ),
        (
            "kind = \"measure\"",
            "kind = \"photo\"",
            "edited-PID.toml:30: unknown variant `photo`, expected one of `check`, `measure`, `inventory`, `pki`, `document`",
        ),
        (
            "ru = \"Наличие ИБП\", ",
            "",
            "edited-PID.toml:26: missing translation 'ru' of the text of item 'server-room.ups' (every text needs kk, ru and en)",
        ),
        (
            "kind = \"check\"",
            "kind = \"check\"\nrule = { op = \">=\", value = 1.0 }",
            "edited-PID.toml:21: item 'server-room.ups' has kind 'check' but a `rule` (only measure items have one)",
        ),
        (
            "unit = \"m\"\n",
            "unit = \"m\"\ntool = \"pki.time\"\n",
            "edited-PID.toml:28: item 'server-room.ceiling-height' has kind 'measure' but a `tool` (only check and pki items have one)",
        ),
        (
            "kind = \"check\"",
            "kind = \"check\"\ntool = \"pki.ruler\"",
            "edited-PID.toml:24: unknown variant `pki.ruler`, expected one of `pki.chain`, `pki.oids`, `pki.crl`, `pki.time`",
        ),
        (
            "unit = \"m\"\n",
            "",
            "edited-PID.toml:28: item 'server-room.ceiling-height' of kind 'measure' needs a `unit`",
        ),
        (
            "ref = \"224/НҚ §12(15) ¶6\"",
            "ref = \"224/НҚ §12(15) ¶12\"",
            "edited-PID.toml:31: item 'server-room.ceiling-height': §12(15) ¶12 does not exist: that unit has 9 абзац(ы)",
        ),
        (
            "ref = \"224/НҚ §12(15) ¶6\"",
            "ref = \"224/НҚ §12(15) ¶5\"",
            "edited-PID.toml:31: item 'server-room.ceiling-height': quote \"төбесінің биіктігі 2,44 метрден кем болмауы\" does not occur in §12(15) ¶5 of the cited text (copy the words from the law, or fix the reference)",
        ),
        (
            "ref = \"224/НҚ §12(15) ¶2\"",
            "ref = \"224/ҚБ §12(15) ¶2\"",
            "edited-PID.toml:24: item 'server-room.ups': reference names the act '224/ҚБ' but this checklist's [source] is '224/НҚ'",
        ),
        (
            "ref = \"224/НҚ §12(15) ¶2\"",
            "ref = \"224/НҚ 12(15)\"",
            "edited-PID.toml:24: item 'server-room.ups': reference '224/НҚ 12(15)' is not understood: the locator must start with '§' or 'Annex ' (expected e.g. '224/НҚ §12(15) ¶6' or '224/НҚ Annex 1 item 9')",
        ),
        (
            "id = \"server-room.ups\"",
            "id = \"Server Room UPS\"",
            "edited-PID.toml:22: id 'Server Room UPS' is not valid (use lowercase ascii letters, digits, '.' and '-', starting with a letter or digit)",
        ),
        (
            "version = \"1\"",
            "version = \"1\"\ncolour = \"red\"",
            "edited-PID.toml:3: unknown field `colour`, expected one of `id`, `version`, `title`, `rule`, `source`, `sections`, `procedure`",
        ),
        (
            "effective_note = \"test fixture\"",
            "effective_note = \"test fixture\"\nwording = { quote = \"2023 жылғы редакция\", text = { kk = \"р\", ru = \"р\", en = \"w\" } }",
            "edited-PID.toml:14: `wording.quote` '2023 жылғы редакция' is not in the cited text '../../../../checklists/sources/000_e988696a9b771066.txt'",
        ),
        (
            "title = { kk = \"Шағын\"",
            "title = { kk = \"Шағын",
            "edited-PID.toml:3: invalid inline table: expected `}`",
        ),
    ];
    let pid = std::process::id().to_string();
    for (from, to, expected) in cases {
        let got = error_of(from, to).replace(&pid, "PID");
        assert_eq!(got, expected, "editing {from:?} → {to:?}");
    }
}

#[test]
fn a_missing_file_is_an_error_not_a_panic() {
    let err = Checklist::load(&data("does-not-exist.toml")).unwrap_err();
    assert!(err.to_string().contains("cannot read the file"), "{err}");
}
