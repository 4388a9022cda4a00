#![allow(clippy::unwrap_used)]
//! The visible signature: each member's field on their line of the signatures table, filled
//! with a stamp (name, IIN, certificate, issuer, time) when they sign.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use lopdf::{Document, Object};
use tekseru_act::{render_act, sign, signature_fields, verify, Lang, Languages, Pkcs12Signer};
use tekseru_core::Iin;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn sign_as(root: &Root, pdf: &[u8], member: &str, alg: Alg) -> Vec<u8> {
    let p12 = root.member(member, alg);
    let signer = Pkcs12Signer::open(&p12, PASSWORD).unwrap();
    sign(pdf, &Iin::parse(member).unwrap(), &signer, signing_time()).unwrap()
}

/// A word pdftotext found: page (from 1), its box in PDF points (y up).
#[derive(Debug)]
struct Word {
    page: usize,
    text: String,
    x1: f32,
    x2: f32,
    y_mid: f32,
}

/// Every word with its place (pdftotext -bbox), y turned to PDF's bottom-up points.
fn words(file: &Path) -> Vec<Word> {
    let out = Command::new("pdftotext")
        .args(["-bbox"])
        .arg(file)
        .arg("-")
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    let mut page = 0;
    let mut height = 0.0_f32;
    let mut found = Vec::new();
    let attr = |line: &str, name: &str| -> f32 {
        let at = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        line[at..].split('"').next().unwrap().parse().unwrap()
    };
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page += 1;
            height = attr(line, "height");
        } else if line.starts_with("<word ") {
            let text = line
                .split('>')
                .nth(1)
                .unwrap()
                .trim_end_matches("</word")
                .to_owned();
            let (y1, y2) = (attr(line, "yMin"), attr(line, "yMax"));
            found.push(Word {
                page,
                text,
                x1: attr(line, "xMin"),
                x2: attr(line, "xMax"),
                y_mid: height - (y1 + y2) / 2.0,
            });
        }
    }
    found
}

/// The page rendered at 100 dpi (RGB pixels, width, height), by pdftoppm.
fn raster(file: &Path, page: usize, dir: &Path, name: &str) -> (image::RgbImage, PathBuf) {
    let prefix = dir.join(name);
    let status = Command::new("pdftoppm")
        .args(["-r", "100", "-png", "-singlefile"])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(file)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let png = prefix.with_extension("png");
    (image::open(&png).unwrap().to_rgb8(), png)
}

/// The stamp's ink: the dark blue no other part of the act uses.
fn is_ink(p: &image::Rgb<u8>) -> bool {
    let [r, g, b] = p.0;
    i32::from(b) - i32::from(r) > 60 && i32::from(b) - i32::from(g) > 40
}

/// Whether pixel (x, y) of a 100-dpi raster lies inside the PDF rectangle `rect`.
fn inside(rect: [f32; 4], x: u32, y: u32, page_h: f32) -> bool {
    let k = 72.0 / 100.0;
    let (px, py) = (x as f32 * k, page_h - y as f32 * k);
    px >= rect[0] - 1.0 && px <= rect[2] + 1.0 && py >= rect[1] - 1.0 && py <= rect[3] + 1.0
}

fn utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .strip_prefix(&[0xFE, 0xFF])
        .unwrap()
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

#[test]
fn each_member_who_may_sign_has_an_empty_field_on_their_signature_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = demo();
    let ids = iins(&data);
    data.dissents = vec![tekseru_act::Dissent {
        iin: Iin::parse(&ids[5]).unwrap(),
        reason: "келіспеймін".to_owned(),
    }];
    for languages in [Languages::Both, Languages::One(Lang::Ru)] {
        let act = render_act(&data, &options(languages)).unwrap();
        let fields = signature_fields(&act).unwrap();
        // The dissenter has none.
        assert_eq!(
            fields.iter().map(|f| f.iin.clone()).collect::<Vec<_>>(),
            ids[..5].to_vec()
        );
        assert!(fields.iter().all(|f| !f.signed));
        assert!(fields.iter().all(|f| f.name == format!("sig-{}", f.iin)));

        let path = write(dir.path(), "act.pdf", &act);
        let found = words(&path);
        for (field, member) in fields.iter().zip(&data.roster.members) {
            let [x1, y1, x2, y2] = field.rect;
            assert!(x2 - x1 > 100.0 && y2 - y1 > 20.0, "{field:?} is too small");
            // The member's name is on the same line of the same page, left of the field...
            let first = member.name.split_whitespace().next().unwrap();
            assert!(
                found.iter().any(|w| w.page == field.page
                    && w.text == first
                    && w.x2 < x1
                    && w.y_mid > y1
                    && w.y_mid < y2),
                "{} is not on the line of {field:?}",
                member.name
            );
            // ... and the field covers the signature cell's placeholder.
            let placeholder = match languages {
                Languages::One(Lang::Ru) => "подписывается",
                _ => "қолтаңбамен",
            };
            assert!(
                found.iter().any(|w| w.page == field.page
                    && w.text == placeholder
                    && w.x1 >= x1
                    && w.x2 <= x2
                    && w.y_mid > y1
                    && w.y_mid < y2),
                "the signature cell of {} is not under {field:?}",
                member.name
            );
        }
        // The fields do not change the text (the golden files check it whole), and the
        // file is clean.
        let check = tool("qpdf", &["--check"], &path);
        assert!(
            check.contains("No syntax or stream encoding errors"),
            "{check}"
        );
        assert!(
            pdfsig(&path).is_empty(),
            "an unsigned field counts as signed"
        );
    }
}

#[test]
fn two_members_sign_and_their_stamps_sit_on_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();
    let before = signature_fields(&act).unwrap();
    assert_eq!(before.len(), 6);
    let once = sign_as(&root, &act, &ids[0], Alg::Rsa2048);
    let signed = sign_as(&root, &once, &ids[3], Alg::P256);
    let path = write(dir.path(), "signed.pdf", &signed);

    // Both signatures verify; pdfsig validates them as PAdES, naming each member's field.
    let result = verify(&signed, &trusting(&[&root.cert])).unwrap();
    assert!(result.signatures.iter().all(|s| s.valid && s.trusted));
    assert_eq!(pdfsig(&path), vec!["Signature is Valid."; 2]);
    let report = tool("pdfsig", &[], &path);
    assert!(
        report.contains(&format!("Signature Field Name: sig-{}", ids[0]))
            && report.contains(&format!("Signature Field Name: sig-{}", ids[3])),
        "{report}"
    );
    assert!(
        report
            .matches("Signature Type: ETSI.CAdES.detached")
            .count()
            == 2,
        "{report}"
    );
    let check = tool("qpdf", &["--check"], &path);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );

    // The two fields are filled in place, no field was added, the others stay empty.
    let after = signature_fields(&signed).unwrap();
    assert_eq!(after.len(), before.len());
    for (a, b) in after.iter().zip(&before) {
        assert_eq!(
            (a.widget_id, a.page_id, a.rect),
            (b.widget_id, b.page_id, b.rect)
        );
        assert_eq!(a.signed, a.iin == ids[0] || a.iin == ids[3], "{a:?}");
    }
    let doc = Document::load_mem(&signed).unwrap();
    let catalog = doc.catalog().unwrap();
    let acroform = doc
        .dereference(catalog.get(b"AcroForm").unwrap())
        .unwrap()
        .1
        .as_dict()
        .unwrap();
    assert_eq!(acroform.get(b"SigFlags").unwrap().as_i64().unwrap(), 3);
    for (field, member) in after.iter().zip(&data.roster.members) {
        if !field.signed {
            continue;
        }
        let widget = doc.get_dictionary(field.widget_id).unwrap();
        let sig = doc
            .get_dictionary(widget.get(b"V").unwrap().as_reference().unwrap())
            .unwrap();
        assert_eq!(sig.get(b"Type").unwrap().as_name().unwrap(), b"Sig");
        assert_eq!(
            sig.get(b"SubFilter").unwrap().as_name().unwrap(),
            b"ETSI.CAdES.detached"
        );
        assert!(sig.get(b"M").is_err(), "a signing time besides the CMS's");
        assert_eq!(
            utf16(sig.get(b"Name").unwrap().as_str().unwrap()),
            member.name
        );
        let ap = widget.get(b"AP").unwrap().as_dict().unwrap();
        let form = doc
            .get_object(ap.get(b"N").unwrap().as_reference().unwrap())
            .unwrap()
            .as_stream()
            .unwrap();
        assert_eq!(
            form.dict.get(b"Subtype").unwrap().as_name().unwrap(),
            b"Form"
        );
        let bbox: Vec<f32> = form
            .dict
            .get(b"BBox")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_float().unwrap())
            .collect();
        let [x1, y1, x2, y2] = field.rect;
        assert!((bbox[2] - (x2 - x1)).abs() < 0.01 && (bbox[3] - (y2 - y1)).abs() < 0.01);
    }

    // The stamps' text is extracted with the page's: name, IIN, certificate, issuer, time.
    let body = text(&path, "-raw");
    for iin in [&ids[0], &ids[3]] {
        assert!(body.contains(&format!("ЖСН/ИИН {iin}")), "{body}");
    }
    assert!(body.matches("ЭЦҚ-мен қол қойылды / Подписано ЭЦП").count() == 2);
    assert!(body.contains("Берген / Издатель: Test Root CA"), "{body}");
    assert!(body.contains("Сертификат № 02"), "{body}");
    assert!(body.contains("Сертификат № 03"), "{body}");
    // The time line may wrap in a narrow box.
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Қол қойылған уақыты / Время подписи: 2026-11-20 17:30:00 (UTC+5)"),
        "{body}"
    );
    let fonts = tool("pdffonts", &[], &path);
    assert!(
        fonts
            .lines()
            .filter(|l| l.contains(" yes yes yes "))
            .count()
            >= 4,
        "stamp fonts not embedded, subset, with ToUnicode: {fonts}"
    );

    // Seen as printed pages: each stamp is inked inside its own field, nothing outside.
    let unsigned_path = write(dir.path(), "act.pdf", &act);
    let mut pages: Vec<usize> = after.iter().map(|f| f.page).collect();
    pages.dedup();
    let page_h = 841.89;
    for page in pages {
        let (unsigned, _) = raster(&unsigned_path, page, dir.path(), "before");
        assert!(
            unsigned.pixels().all(|p| !is_ink(p)),
            "blue ink before signing"
        );
        let (image, png) = raster(&path, page, dir.path(), "after");
        let signed_rects: Vec<[f32; 4]> = after
            .iter()
            .filter(|f| f.signed && f.page == page)
            .map(|f| f.rect)
            .collect();
        for rect in &signed_rects {
            let ink = image
                .enumerate_pixels()
                .filter(|(x, y, p)| is_ink(p) && inside(*rect, *x, *y, page_h))
                .count();
            assert!(ink > 500, "the stamp in {rect:?} has {ink} inked pixels");
        }
        let stray = image
            .enumerate_pixels()
            .filter(|(x, y, p)| {
                is_ink(p) && !signed_rects.iter().any(|r| inside(*r, *x, *y, page_h))
            })
            .count();
        assert_eq!(stray, 0, "ink outside the signed fields on page {page}");
        if page == after[0].page {
            // Kept for a look: target/tmp/visible-signature.png.
            let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("visible-signature.png");
            std::fs::copy(&png, &keep).unwrap();
        }
    }
}

/// An act as rendered before signature fields existed: no /AcroForm, no widgets.
fn without_fields(act: &[u8]) -> Vec<u8> {
    let mut doc = Document::load_mem(act).unwrap();
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let acroform = doc
        .get_dictionary(root)
        .unwrap()
        .get(b"AcroForm")
        .unwrap()
        .as_reference()
        .unwrap();
    doc.get_dictionary_mut(root).unwrap().remove(b"AcroForm");
    doc.objects.remove(&acroform);
    let pages: Vec<_> = doc.get_pages().into_values().collect();
    for page in pages {
        let annots = doc.get_dictionary_mut(page).unwrap().remove(b"Annots");
        if let Some(Object::Array(list)) = annots {
            for widget in list {
                doc.objects.remove(&widget.as_reference().unwrap());
            }
        }
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn an_act_rendered_without_fields_is_still_signed_invisibly_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let old = without_fields(&render_act(&data, &options(Languages::Both)).unwrap());
    assert!(signature_fields(&old).unwrap().is_empty());
    let once = sign_as(&root, &old, &ids[0], Alg::P256);
    let signed = sign_as(&root, &once, &ids[3], Alg::Rsa2048);
    let path = write(dir.path(), "old.pdf", &signed);
    let result = verify(&signed, &trusting(&[&root.cert])).unwrap();
    assert_eq!(result.signatures.len(), 2);
    assert!(result.signatures.iter().all(|s| s.valid && s.trusted));
    assert_eq!(pdfsig(&path), vec!["Signature is Valid."; 2]);
    assert!(tool("qpdf", &["--check"], &path).contains("No syntax or stream encoding errors"));
    // Invisible: zero rectangles, and no stamp text.
    let doc = Document::load_mem(&signed).unwrap();
    let widgets: Vec<_> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig".as_slice()))
        .collect();
    assert_eq!(widgets.len(), 2);
    for w in widgets {
        let rect: Vec<f32> = w
            .get(b"Rect")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_float().unwrap())
            .collect();
        assert_eq!(rect, vec![0.0; 4]);
    }
    assert!(!text(&path, "-raw").contains("Подписано ЭЦП"));
}

#[test]
fn a_member_signing_again_gets_an_invisible_field_and_both_signatures_stay() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::One(Lang::Kk))).unwrap();
    let once = sign_as(&root, &act, &ids[1], Alg::P256);
    let twice = sign_as(&root, &once, &ids[1], Alg::P384);
    let path = write(dir.path(), "twice.pdf", &twice);
    assert_eq!(pdfsig(&path), vec!["Signature is Valid."; 2]);
    let fields = signature_fields(&twice).unwrap();
    assert_eq!(fields.len(), 6, "the member's field was duplicated");
    assert_eq!(fields.iter().filter(|f| f.signed).count(), 1);
    let body = text(&path, "-raw");
    assert_eq!(body.matches(&format!("ЖСН/ИИН {}", ids[1])).count(), 1);
    let result = verify(&twice, &trusting(&[&root.cert])).unwrap();
    assert!(result.signatures.iter().all(|s| s.valid && s.trusted));
}

/// A key file as the NCA issues them: Cyrillic names, a 20-byte serial, an issuer whose
/// name is Kazakh. Returns (PKCS#12, issuer certificate).
fn nca_like_p12(iin: &str, cn: &str) -> (Vec<u8>, openssl::x509::X509) {
    use openssl::asn1::{Asn1Integer, Asn1Time};
    use openssl::bn::BigNum;
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::x509::{X509Name, X509};

    let name = |entries: &[(Nid, &str)]| {
        let mut b = X509Name::builder().unwrap();
        for (nid, value) in entries {
            b.append_entry_by_nid(*nid, value).unwrap();
        }
        b.build()
    };
    let cert = |subject: &openssl::x509::X509NameRef,
                issuer: &openssl::x509::X509NameRef,
                key: &openssl::pkey::PKey<openssl::pkey::Private>,
                signer: &openssl::pkey::PKey<openssl::pkey::Private>,
                serial: &str| {
        let mut b = X509::builder().unwrap();
        if subject.entries().count() == 1 {
            b.append_extension(
                openssl::x509::extension::BasicConstraints::new()
                    .critical()
                    .ca()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        } else {
            b.append_extension(
                openssl::x509::extension::KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .non_repudiation()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        }
        b.set_version(2).unwrap();
        let serial = BigNum::from_hex_str(serial).unwrap();
        b.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap())
            .unwrap();
        b.set_subject_name(subject).unwrap();
        b.set_issuer_name(issuer).unwrap();
        b.set_pubkey(key).unwrap();
        b.set_not_before(&Asn1Time::from_unix(unix(2026, 1, 1)).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::from_unix(unix(2027, 1, 1)).unwrap())
            .unwrap();
        b.sign(signer, MessageDigest::sha256()).unwrap();
        b.build()
    };
    let ca_key = tekseru_testpki::key(Alg::P256);
    let ca_name = name(&[(Nid::COMMONNAME, "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST)")]);
    let ca = cert(&ca_name, &ca_name, &ca_key, &ca_key, "01");
    let key = tekseru_testpki::key(Alg::Rsa2048);
    let subject = name(&[
        (Nid::COMMONNAME, cn),
        (Nid::SERIALNUMBER, &format!("IIN{iin}")),
    ]);
    let member = cert(
        &subject,
        &ca_name,
        &key,
        &ca_key,
        "3c5c4e9d1f0b2a7e6d8c9b0a1f2e3d4c5b6a7980",
    );
    let mut chain = openssl::stack::Stack::new().unwrap();
    chain.push(ca.clone()).unwrap();
    let p12 = openssl::pkcs12::Pkcs12::builder()
        .pkey(&key)
        .cert(&member)
        .ca(chain)
        .build2(PASSWORD)
        .unwrap()
        .to_der()
        .unwrap();
    (p12, ca)
}

#[test]
fn pdfsig_names_a_cyrillic_signer_and_the_stamp_shows_the_kazakh_issuer() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo();
    let ids = iins(&data);
    let (p12, ca) = nca_like_p12(&ids[0], "ЖҰМАБАЕВА ӘСЕЛ");
    let act = render_act(&data, &options(Languages::One(Lang::Kk))).unwrap();
    let signer = Pkcs12Signer::open(&p12, PASSWORD).unwrap();
    let signed = sign(&act, &Iin::parse(&ids[0]).unwrap(), &signer, signing_time()).unwrap();
    let path = write(dir.path(), "nca.pdf", &signed);
    let report = tool("pdfsig", &[], &path);
    assert!(
        report.contains("Signer Certificate Common Name: ЖҰМАБАЕВА ӘСЕЛ"),
        "{report}"
    );
    assert_eq!(pdfsig(&path), vec!["Signature is Valid."]);
    let result = verify(&signed, &trusting(&[&ca])).unwrap();
    assert!(
        result.signatures[0].valid && result.signatures[0].trusted,
        "{:?}",
        result.reasons
    );
    let flat = text(&path, "-raw")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for line in [
        "Әсел Нұрланқызы Жұмабаева",
        "Берген / Издатель: ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST)",
        "Сертификат № 3c5c4e9d1f0b2a7e6d8c9b0a1f2e3d4c5b6a7980",
    ] {
        assert!(flat.contains(line), "{line} missing from {flat}");
    }
    let field = signature_fields(&signed).unwrap().remove(0);
    let (_, png) = raster(&path, field.page, dir.path(), "nca");
    std::fs::copy(
        &png,
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("visible-signature-kk.png"),
    )
    .unwrap();
}
