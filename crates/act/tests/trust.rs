#![allow(clippy::unwrap_used)]
//! An act you can trust: what each signed revision changed (the incremental-saving attack,
//! checked by pyHanko too), the pages drawn again from the manifest, the roster checked
//! against the inspection's, and trust judged at the signing time.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use lopdf::{dictionary, Document, IncrementalDocument, Object, Stream};
use tekseru_act::{
    render_act, sign, verify, ExpectedRoster, Languages, Level, Pages, Pkcs12Signer,
};
use tekseru_core::Iin;

fn iin(text: &str) -> Iin {
    Iin::parse(text).unwrap()
}

fn sign_as(root: &Root, pdf: &[u8], member: &str) -> Vec<u8> {
    let signer = Pkcs12Signer::open(&root.member(member, Alg::Rsa2048), PASSWORD).unwrap();
    sign(pdf, &iin(member), &signer, signing_time()).unwrap()
}

/// Appends an incremental update made with lopdf: `change` edits the new revision.
fn update(pdf: &[u8], change: impl FnOnce(&mut IncrementalDocument)) -> Vec<u8> {
    let doc = Document::load_mem(pdf).unwrap();
    let mut inc = IncrementalDocument::create_from(pdf.to_vec(), doc);
    change(&mut inc);
    let mut out = Vec::new();
    inc.save_to(&mut out).unwrap();
    out.push(b'\n');
    out
}

fn first_page(doc: &Document) -> (lopdf::ObjectId, lopdf::ObjectId) {
    let page = *doc.get_pages().get(&1).unwrap();
    let contents = doc
        .get_dictionary(page)
        .unwrap()
        .get(b"Contents")
        .unwrap()
        .as_reference()
        .unwrap();
    (page, contents)
}

/// Replaces page 1's content stream (same object number) in an incremental update.
fn replace_page_one(pdf: &[u8]) -> (Vec<u8>, u32) {
    let (_, contents) = first_page(&Document::load_mem(pdf).unwrap());
    let forged = update(pdf, |inc| {
        let stream = Stream::new(
            dictionary! {},
            b"BT /F1 24 Tf 72 700 Td (FORGED) Tj ET".to_vec(),
        );
        inc.new_document
            .set_object(contents, Object::Stream(stream));
    });
    (forged, contents.0)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// pyHanko in a venv under the workspace's target/, installed on first use; `None` (with a
/// notice) only when python3 is missing.
fn pyhanko() -> Option<PathBuf> {
    let venv = repo().join("target/pyvenv-pyhanko");
    let python = venv.join("bin/python");
    if !python.exists() {
        let made = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status();
        match made {
            Err(e) => {
                println!("NOTICE: python3 is missing ({e}): the pyHanko cross-check is skipped");
                return None;
            }
            Ok(s) => assert!(s.success(), "python3 -m venv failed"),
        }
        let pip = Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "pyhanko"])
            .status()
            .unwrap();
        assert!(pip.success(), "pip install pyhanko failed");
    }
    Some(python)
}

const VALIDATE: &str = r#"
import sys, json, datetime
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.keys import load_cert_from_pemder
from pyhanko_certvalidator import ValidationContext
root = load_cert_from_pemder(sys.argv[2])
moment = datetime.datetime(2026, 11, 20, 12, 30, tzinfo=datetime.timezone.utc)
out = []
with open(sys.argv[1], 'rb') as f:
    r = PdfFileReader(f)
    for sig in r.embedded_signatures:
        vc = ValidationContext(trust_roots=[root], allow_fetching=False, moment=moment)
        st = validate_pdf_signature(sig, vc)
        out.append({
            'intact': st.intact, 'valid': st.valid, 'trusted': st.trusted,
            'coverage': st.coverage.name if st.coverage else None,
            'level': st.modification_level.name if st.modification_level else None,
            'bottom_line': st.bottom_line,
        })
print(json.dumps(out))
"#;

/// pyHanko's verdict on each signature of `file`.
fn pyhanko_validate(python: &Path, file: &Path, root: &Root) -> Vec<serde_json::Value> {
    let dir = file.parent().unwrap();
    let script = write(dir, "validate.py", VALIDATE.as_bytes());
    let pem = write(dir, "root.pem", &root.pem());
    let out = Command::new(python)
        .arg(&script)
        .arg(file)
        .arg(&pem)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyHanko failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_incremental_saving_attack_is_named_and_its_signatures_do_not_count_and_pyhanko_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();
    let two = sign_as(&root, &sign_as(&root, &act, &ids[0]), &ids[1]);
    let (forged, contents) = replace_page_one(&two);
    let three = sign_as(&root, &forged, &ids[2]);
    let honest = sign_as(&root, &two, &ids[2]);

    let result = verify(&three, &trusting(&[&root.cert])).unwrap();
    assert!(!result.ok);
    for s in &result.signatures[..2] {
        assert!(s.valid && s.trusted, "the bytes themselves are intact");
        assert!(!s.content_intact);
        assert_eq!(s.modification, Level::Other);
        assert_eq!(
            s.changes_after,
            vec![tekseru_act::Change {
                object: contents,
                revision: 4,
                what: "page 1 /Contents".to_owned(),
                level: Level::Other,
            }]
        );
    }
    let third = &result.signatures[2];
    assert!(third.valid && third.changes_after.is_empty() && !third.content_intact);
    assert_eq!(third.changes_before.len(), 1, "{:?}", third.changes_before);
    for n in [1, 2] {
        assert!(
            result.reasons.iter().any(|r| r.starts_with(&format!("signature {n} (")) && r.contains(&format!(
                "covers a revision whose content was changed afterwards: OBJECT {contents} (page 1 /Contents) in revision 4"
            ))),
            "{:?}",
            result.reasons
        );
    }
    assert!(!result.quorum.adopted);
    assert_eq!(result.quorum.signed, 0, "{:?}", result.quorum);
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(
        json["signatures"][0]["changes_after"][0]["what"],
        "page 1 /Contents"
    );
    assert_eq!(
        json["signatures"][0]["mdp"],
        "form filling and signing (P=2)"
    );

    // The same three members without the forged update: every signature counts.
    let result = verify(&honest, &trusting(&[&root.cert])).unwrap();
    assert!(
        result.signatures.iter().all(|s| s.content_intact),
        "{:?}",
        result.reasons
    );
    assert_eq!(result.quorum.signed, 3);

    let Some(python) = pyhanko() else { return };
    let path = write(dir.path(), "forged.pdf", &three);
    let verdicts = pyhanko_validate(&python, &path, &root);
    assert_eq!(verdicts.len(), 3, "{verdicts:?}");
    for v in &verdicts[..2] {
        assert_eq!(v["intact"], true, "{verdicts:?}");
        assert_eq!(
            v["level"], "OTHER",
            "pyHanko sees the content changed: {verdicts:?}"
        );
        assert_eq!(v["bottom_line"], false, "{verdicts:?}");
    }
    assert_eq!(verdicts[2]["coverage"], "ENTIRE_FILE", "{verdicts:?}");
    assert_eq!(verdicts[2]["bottom_line"], true, "{verdicts:?}");

    let path = write(dir.path(), "honest.pdf", &honest);
    let verdicts = pyhanko_validate(&python, &path, &root);
    assert_eq!(verdicts.len(), 3, "{verdicts:?}");
    for v in &verdicts {
        assert_eq!(v["intact"], true, "{verdicts:?}");
        assert_eq!(v["valid"], true, "{verdicts:?}");
        assert_eq!(v["trusted"], true, "{verdicts:?}");
        assert_eq!(v["bottom_line"], true, "{verdicts:?}");
    }
    for v in &verdicts[..2] {
        assert_eq!(v["level"], "FORM_FILLING", "{verdicts:?}");
    }
    assert_eq!(pdfsig(&path), vec!["Signature is Valid."; 3]);
}

#[test]
fn a_comment_after_the_last_signature_is_an_unsigned_change_not_tampering() {
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();
    let signed = sign_as(&root, &act, &ids[0]);
    let doc = Document::load_mem(&signed).unwrap();
    let (page, _) = first_page(&doc);
    let annot_id = (doc.max_id + 1, 0);
    let commented = update(&signed, |inc| {
        inc.new_document.max_id = annot_id.0;
        inc.new_document.set_object(
            annot_id,
            dictionary! {
                "Type" => "Annot",
                "Subtype" => "Text",
                "Rect" => vec![100.into(), 100.into(), 120.into(), 120.into()],
                "Contents" => Object::string_literal("a reader's note"),
                "P" => page,
            },
        );
        inc.opt_clone_object_to_new_document(page).unwrap();
        let dict = inc
            .new_document
            .get_object_mut(page)
            .unwrap()
            .as_dict_mut()
            .unwrap();
        let mut annots = dict
            .get(b"Annots")
            .and_then(Object::as_array)
            .cloned()
            .unwrap_or_default();
        annots.push(Object::Reference(annot_id));
        dict.set("Annots", annots);
    });
    let result = verify(&commented, &trusting(&[&root.cert])).unwrap();
    assert!(result.modified_after_last_signature);
    assert!(!result.ok);
    let s = &result.signatures[0];
    assert!(
        s.valid && s.trusted && s.content_intact,
        "{:?}",
        result.reasons
    );
    assert_eq!(s.modification, Level::Annotations);
    assert!(s
        .changes_after
        .iter()
        .all(|c| c.level == Level::Annotations));
    assert!(
        result.reasons.iter().any(|r| r
            .starts_with("after the last signature, an unsigned update adds comments: ")
            && r.contains("/Text")),
        "{:?}",
        result.reasons
    );
    assert!(
        !result
            .reasons
            .iter()
            .any(|r| r.contains("was changed afterwards")),
        "{:?}",
        result.reasons
    );
    assert_eq!(result.quorum.signed, 1);
    // The same comment before another member signs is a change P=2 does not allow.
    let again = sign_as(&root, &commented, &ids[1]);
    let result = verify(&again, &trusting(&[&root.cert])).unwrap();
    assert!(!result.signatures[0].content_intact);
    assert!(result
        .reasons
        .iter()
        .any(|r| r.starts_with("signature 1 (") && r.contains("was changed afterwards")));
}

/// Rewrites revision 1 itself (an act doctored before anyone signs): `change` edits it.
fn doctored(act: &[u8], change: impl FnOnce(&mut Document)) -> Vec<u8> {
    let mut doc = Document::load_mem(act).unwrap();
    change(&mut doc);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn manifest_stream(doc: &Document) -> lopdf::ObjectId {
    *doc.objects
        .iter()
        .find(|(_, o)| {
            o.as_stream().is_ok_and(|s| {
                s.dict.get(b"Type").and_then(Object::as_name).ok()
                    == Some(b"EmbeddedFile".as_slice())
            })
        })
        .unwrap()
        .0
}

#[test]
fn an_act_whose_manifest_was_swapped_before_signing_does_not_show_it() {
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();
    let mut other = data.clone();
    other.inspection_id = "insp-2026-0999".to_owned();
    other.roster.members.truncate(4);
    let other_act = render_act(&other, &options(Languages::Both)).unwrap();
    let other_doc = Document::load_mem(&other_act).unwrap();
    let other_manifest = other_doc
        .get_object(manifest_stream(&other_doc))
        .unwrap()
        .clone();

    // Re-saving the act untouched keeps it the act (the comparison is not fooled by lopdf).
    let resaved = doctored(&act, |_| {});
    let result = verify(&sign_as(&root, &resaved, &ids[0]), &trusting(&[&root.cert])).unwrap();
    assert_eq!(result.pages, Pages::Shown, "{:?}", result.reasons);

    let swapped = doctored(&act, |doc| {
        let id = manifest_stream(doc);
        doc.objects.insert(id, other_manifest);
    });
    let signed = sign_as(&root, &swapped, &ids[0]);
    let result = verify(&signed, &trusting(&[&root.cert])).unwrap();
    assert_eq!(result.pages, Pages::NotShown);
    assert!(!result.ok);
    assert!(
        result
            .reasons
            .iter()
            .any(|r| r.starts_with("pages do not show the manifest")),
        "{:?}",
        result.reasons
    );
}

#[test]
fn white_text_hidden_in_the_rendered_act_is_caught() {
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();
    let shadow = doctored(&act, |doc| {
        let (_, contents) = first_page(doc);
        let stream = doc
            .get_object_mut(contents)
            .unwrap()
            .as_stream_mut()
            .unwrap();
        let mut content = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        content.extend_from_slice(b"\nq 1 1 1 rg BT /F1 9 Tf 72 60 Td (the CA complies) Tj ET Q\n");
        stream.dict.remove(b"Filter");
        stream.set_content(content);
    });
    let signed = sign_as(&root, &shadow, &ids[0]);
    let result = verify(&signed, &trusting(&[&root.cert])).unwrap();
    assert!(result.signatures[0].valid && result.signatures[0].content_intact);
    assert_eq!(result.pages, Pages::NotShown, "{:?}", result.reasons);
    assert!(!result.ok);
}

#[test]
fn the_roster_is_checked_against_the_inspections_when_given() {
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();
    let mut signed = act;
    for member in &ids[..4] {
        signed = sign_as(&root, &signed, member);
    }
    let mut options = trusting(&[&root.cert]);
    options.roster = Some(ExpectedRoster {
        roster: data.roster.clone(),
        rule: Some(data.rule),
        settings: Some(data.settings),
        audit_head: Some(data.audit_head.clone()),
    });
    let result = verify(&signed, &options).unwrap();
    assert!(result.ok && result.roster_confirmed, "{:?}", result.reasons);

    // An act listing a commission the inspection does not have is not ok.
    let mut other = data.roster.clone();
    other.members.pop();
    options.roster = Some(ExpectedRoster {
        roster: other,
        ..ExpectedRoster::default()
    });
    let result = verify(&signed, &options).unwrap();
    assert!(!result.ok && !result.roster_confirmed);
    assert!(
        result
            .reasons
            .iter()
            .any(|r| r.starts_with("the act's roster is not the inspection's")),
        "{:?}",
        result.reasons
    );
}

/// Trust is judged at the signing time: an act signed in 2021 with certificates valid only
/// that year verifies whatever today's date is.
#[test]
fn a_signature_is_judged_at_its_signing_time_never_today() {
    let mut data = demo();
    data.start = Some(time::macros::date!(2021 - 06 - 14));
    data.end = time::macros::date!(2021 - 06 - 15);
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let render = tekseru_act::RenderOptions {
        languages: Languages::Both,
        created: time::macros::datetime!(2021-06-15 18:00 +05:00),
    };
    let at = time::macros::datetime!(2021-06-15 17:30 +05:00);
    let mut pdf = render_act(&data, &render).unwrap();
    for member in &ids[..4] {
        let p12 = root.p12(
            member,
            Alg::Rsa2048,
            unix(2021, 3, 1),
            unix(2021, 9, 30),
            PASSWORD,
        );
        let signer = Pkcs12Signer::open(&p12, PASSWORD).unwrap();
        pdf = sign(&pdf, &iin(member), &signer, at).unwrap();
    }
    let result = verify(&pdf, &trusting(&[&root.cert])).unwrap();
    assert!(result.ok, "{:?}", result.reasons);
    assert!(result
        .signatures
        .iter()
        .all(|s| s.trusted && s.judged_at.as_deref() == Some("2021-06-15T12:30:00Z")));
    // Judged at a time outside the certificates' year (as "today" would be), they fail.
    let mut later = trusting(&[&root.cert]);
    later.at = Some(time::macros::datetime!(2022-01-01 00:00 UTC));
    assert!(!verify(&pdf, &later).unwrap().ok);
}
