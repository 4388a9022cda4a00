#![allow(clippy::unwrap_used)]
//! The act as a user sees it: rendered pages' text, signatures that pdfsig accepts, and
//! verification that catches every change.

mod common;

use std::path::Path;

use common::*;
use tekseru_act::{
    render_act, render_dissent, sign, verify, ActError, Lang, Languages, Pkcs12Signer,
};
use tekseru_core::Iin;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn signer(p12: &[u8]) -> Pkcs12Signer {
    Pkcs12Signer::open(p12, PASSWORD).unwrap()
}

fn iin(text: &str) -> Iin {
    Iin::parse(text).unwrap()
}

/// Signs `pdf` by each of `who` (IIN, algorithm) in turn.
fn sign_by(root: &Root, mut pdf: Vec<u8>, who: &[(&str, Alg)]) -> Vec<u8> {
    for (member, alg) in who {
        let p12 = root.member(member, *alg);
        pdf = sign(&pdf, &iin(member), &signer(&p12), signing_time()).unwrap();
    }
    pdf
}

#[test]
fn same_data_and_time_give_the_same_bytes() {
    let data = demo();
    let a = render_act(&data, &options(Languages::Both)).unwrap();
    let b = render_act(&data, &options(Languages::Both)).unwrap();
    assert!(a == b, "two renders differ");
    let mut later = options(Languages::Both);
    later.created += time::Duration::hours(1);
    assert!(
        render_act(&data, &later).unwrap() != a,
        "the creation time is not in the document"
    );
}

#[test]
fn extracted_text_matches_the_golden_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo();
    for (name, languages) in [
        ("act-kk", Languages::One(Lang::Kk)),
        ("act-ru", Languages::One(Lang::Ru)),
        ("act-kk+ru", Languages::Both),
    ] {
        let pdf = write(
            dir.path(),
            &format!("{name}.pdf"),
            &render_act(&data, &options(languages)).unwrap(),
        );
        let body = text(&pdf, "-layout");
        let golden = repo().join(format!("crates/act/tests/golden/{name}.txt"));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &body).unwrap();
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", golden.display()));
        assert!(
            body == expected,
            "{name}: text differs from {} (UPDATE_GOLDEN=1 refreshes it)",
            golden.display()
        );
    }
}

/// A revocation act that found no violation carries the checklist's own mark (224/НҚ §22 ¶5),
/// word for word, and its dates in the official form.
#[test]
fn a_revocation_act_without_violations_prints_the_checklists_mark() {
    let dir = tempfile::tempdir().unwrap();
    let checklist = tekseru_core::catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|c| c.id == "ca-revocation-examination")
        .unwrap();
    let mark = &checklist
        .procedure
        .as_ref()
        .unwrap()
        .no_violations_mark
        .as_ref()
        .unwrap()
        .text;
    let mut data = demo();
    data.rule = tekseru_core::quorum::Rule::Revocation;
    data.findings.clear();
    data.basis.paragraphs = "§21 ¶5, §22".into();
    data.basis.notices.clear();
    data.basis.subject = Some("Шағым: пайдаланушы куәліктерінде тіркелген OID жоқ".into());
    data.no_violations_mark = Some(tekseru_act::Bilingual {
        kk: mark.kk.clone(),
        ru: mark.ru.clone(),
    });
    for (name, lang, expected, date) in [
        (
            "act-revocation-kk",
            Lang::Kk,
            &mark.kk,
            "2026 жылғы 20 қараша",
        ),
        ("act-revocation-ru", Lang::Ru, &mark.ru, "20 ноября 2026 г."),
    ] {
        let pdf = write(
            dir.path(),
            &format!("{name}.pdf"),
            &render_act(&data, &options(Languages::One(lang))).unwrap(),
        );
        let raw = text(&pdf, "-raw");
        let flat = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(expected.as_str()),
            "{name}: no mark «{expected}»"
        );
        assert!(flat.contains(date), "{name}: no official date «{date}»");
        assert!(
            !flat.contains("Нарушений не выявлено."),
            "{name}: the old words"
        );
        let body = text(&pdf, "-layout");
        let golden = repo().join(format!("crates/act/tests/golden/{name}.txt"));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &body).unwrap();
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", golden.display()));
        assert!(
            body == expected,
            "{name}: text differs from {} (UPDATE_GOLDEN=1 refreshes it)",
            golden.display()
        );
    }
}

/// An accreditation act with every detail the law asks for (224/НҚ §3 ¶4, §10 ¶1, §12 ¶4)
/// and quorum settings other than the defaults: each printed where the act has it, dates in
/// the official form.
#[test]
fn an_accreditation_act_prints_every_detail_and_its_quorum_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = demo();
    data.settings = tekseru_core::quorum::Settings {
        secretary_counts_in_accreditation: false,
        late_signatures_count: true,
        every_knb_member_signs: true,
        ..Default::default()
    };
    data.actual_state = vec![tekseru_act::Bilingual {
        kk: "Серверлік үй-жай таза, кіру журналы жүргізіледі.".into(),
        ru: "Серверное помещение чистое, журнал доступа ведётся.".into(),
    }];
    for (name, lang, expected) in [
        (
            "act-full-kk",
            Lang::Kk,
            [
                "Комиссияны құру туралы бұйрық (224/НҚ §3 ¶4): № 312/НҚ, 2026 жылғы 12 қараша",
                "Көрсетілетін қызметті алушыға комиссия тексеруі туралы хабарланды (224/НҚ §10 ¶1): 2026 жылғы 11 қараша",
                "Көшпелі тексеру туралы хабарланды (224/НҚ §12 ¶4): 2026 жылғы 13 қараша",
                "Заңды мекенжайы: Астана қ., Мәңгілік Ел даңғылы, 55",
                "Куәландырушы орталықтың қатысқан өкілдері: Б. Ахметов, техникалық директор; С. Омарова",
                "Көшпелі тексеру мерзімі: 2026 жылғы 18 қараша — 2026 жылғы 20 қараша",
                "2020 жылғы 1 маусым",
                "№ 20815 болып тіркелген",
                "Куәландырушы орталықтың нақты жай-күйі",
                "хатшы комиссия мүшелерінің санына кірмейді",
                "ұлттық қауіпсіздік органдарының әрбір өкілінің қолы қажет",
                "акт күнінен кейін қойылған қол есептеледі",
            ],
        ),
        (
            "act-full-ru",
            Lang::Ru,
            [
                "Приказ о создании комиссии (224/НҚ §3 ¶4): № 312/НҚ от 12 ноября 2026 г.",
                "Заявитель уведомлён о проверке комиссией (224/НҚ §10 ¶1): 11 ноября 2026 г.",
                "Заявитель уведомлён о выездной проверке (224/НҚ §12 ¶4): 13 ноября 2026 г.",
                "Юридический адрес: Астана қ., Мәңгілік Ел даңғылы, 55",
                "Присутствовавшие представители удостоверяющего центра: Б. Ахметов, техникалық директор; С. Омарова",
                "Сроки выездной проверки: 18 ноября 2026 г. — 20 ноября 2026 г.",
                "от 1 июня 2020 г. № 224/НҚ",
                "под № 20815",
                "Фактическое состояние удостоверяющего центра",
                "секретарь не входит в число членов комиссии",
                "требуется подпись каждого представителя органов национальной безопасности",
                "подпись, поставленная после даты акта, учитывается",
            ],
        ),
    ] {
        let pdf = write(
            dir.path(),
            &format!("{name}.pdf"),
            &render_act(&data, &options(Languages::One(lang))).unwrap(),
        );
        let raw = text(&pdf, "-raw");
        let flat = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        for e in expected {
            assert!(flat.contains(e), "{name}: no «{e}» in {flat}");
        }
        for iso in ["2026-11-09", "2026-11-11", "2026-11-12", "2026-11-13", "2026-11-18"] {
            assert!(!flat.contains(iso), "{name}: the ISO date {iso} is printed");
        }
        let body = text(&pdf, "-layout");
        let golden = repo().join(format!("crates/act/tests/golden/{name}.txt"));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &body).unwrap();
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", golden.display()));
        assert!(
            body == expected,
            "{name}: text differs from {} (UPDATE_GOLDEN=1 refreshes it)",
            golden.display()
        );
    }
}

#[test]
fn kazakh_letters_come_back_exactly_from_pdftotext() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = demo();
    let letters = "ә ғ қ ң ө ұ ү һ і Ә Ғ Қ Ң Ө Ұ Ү Һ І";
    data.conclusions[0].kk = letters.to_owned();
    // Decomposed input (и + combining breve) is printed in NFC.
    data.site.address = "Астана, Сарыарқа ауданы, Абай даңғылы 1".to_owned();
    for languages in [Languages::One(Lang::Kk), Languages::Both] {
        let pdf = write(
            dir.path(),
            "act.pdf",
            &render_act(&data, &options(languages)).unwrap(),
        );
        let body = text(&pdf, "-raw");
        assert!(
            body.contains(letters),
            "Kazakh letters missing from: {body}"
        );
        assert!(body.contains("Қасымов"), "roster names missing");
        assert_eq!(body, tekseru_core::nfc(&body), "extracted text is not NFC");
    }
}

#[test]
fn the_rendered_act_is_clean_and_carries_its_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo();
    let pdf = write(
        dir.path(),
        "act.pdf",
        &render_act(&data, &options(Languages::Both)).unwrap(),
    );
    let check = tool("qpdf", &["--check"], &pdf);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    let fonts = tool("pdffonts", &[], &pdf);
    assert!(
        fonts.contains("TKSRAA+PTSerif-Regular")
            && fonts
                .lines()
                .filter(|l| l.contains(" yes yes yes "))
                .count()
                == 2,
        "fonts not embedded and subset: {fonts}"
    );
    let attachments = tool("pdfdetach", &["-list"], &pdf);
    assert!(attachments.contains("tekseru-act.json"), "{attachments}");
    let pages = tool("pdfinfo", &[], &pdf);
    assert!(
        pages.contains("595.28 x 841.89 pts (A4)") || pages.contains("(A4)"),
        "{pages}"
    );
    // Every page has its footer: page X of Y, the inspection id and the audit head.
    let body = text(&pdf, "-raw");
    let count: usize = pages
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    for page in 1..=count {
        assert!(
            body.contains(&format!("Бет / Стр. {page} / {count}")),
            "page {page} has no footer"
        );
    }
    assert_eq!(body.matches("insp-2026-0142").count(), count);
    assert_eq!(body.matches(&data.audit_head[..12]).count(), count);
}

#[test]
fn large_photos_are_downscaled_and_small_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = demo();
    let big = image::RgbImage::from_fn(2000, 1500, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(big)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    data.photos[0].image = png;
    let pdf = write(
        dir.path(),
        "act.pdf",
        &render_act(&data, &options(Languages::Both)).unwrap(),
    );
    let list = tool("pdfimages", &["-list"], &pdf);
    let sizes: Vec<(u32, u32)> = list
        .lines()
        .skip(2)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[3].parse().unwrap(), f[4].parse().unwrap())
        })
        .collect();
    assert_eq!(sizes.len(), 3, "{list}");
    assert_eq!(
        sizes[0],
        (480, 360),
        "the 2000x1500 photo is not a 480 px thumbnail: {list}"
    );
    assert_eq!(sizes[1], (96, 72), "a small photo was resized: {list}");
}

#[test]
fn three_then_six_sequential_signatures_are_all_valid_for_pdfsig() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();
    let algs = [
        Alg::Rsa2048,
        Alg::P256,
        Alg::P384,
        Alg::Rsa2048,
        Alg::P256,
        Alg::P384,
    ];
    let who: Vec<(&str, Alg)> = ids.iter().map(String::as_str).zip(algs).collect();
    let three = sign_by(&root, act, &who[..3]);
    let path = write(dir.path(), "three.pdf", &three);
    assert_eq!(pdfsig(&path), vec!["Signature is Valid."; 3]);
    assert!(tool("qpdf", &["--check"], &path).contains("No syntax or stream encoding errors"));
    let six = sign_by(&root, three, &who[3..]);
    let path = write(dir.path(), "six.pdf", &six);
    assert_eq!(pdfsig(&path), vec!["Signature is Valid."; 6]);
    assert!(tool("qpdf", &["--check"], &path).contains("No syntax or stream encoding errors"));
    assert!(text(&path, "-raw").contains("Ерлан Маратұлы Қасымов"));

    let result = verify(&six, &trusting(&[&root.cert])).unwrap();
    assert!(result.ok, "{:?}", result.reasons);
    assert_eq!(result.signatures.len(), 6);
    assert!(result.signatures.iter().all(|s| s.valid && s.trusted));
    assert_eq!(
        result
            .signatures
            .iter()
            .map(|s| s.revision)
            .collect::<Vec<_>>(),
        vec![2, 3, 4, 5, 6, 7]
    );
    assert_eq!(
        result.signatures[3].member.as_deref(),
        Some("Ерлан Маратұлы Қасымов")
    );
    // PAdES: the only signing time is the CMS's own signingTime (shown in the visible
    // signature); the signature dictionary no longer carries one in /M.
    assert!(
        result
            .signatures
            .iter()
            .all(|s| s.signed_at.as_deref() == Some("2026-11-20T12:30:00Z")),
        "{:?}",
        result
            .signatures
            .iter()
            .map(|s| &s.signed_at)
            .collect::<Vec<_>>()
    );
    assert!(!result.modified_after_last_signature);
    assert!(result.manifest_matches);
    assert!(result.quorum.adopted);
    assert_eq!(result.quorum.signed, 6);
}

#[test]
fn quorum_needs_the_knb_representative() {
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::One(Lang::Kk))).unwrap();
    // Chair, secretary, techreg and member: 4 of 6, but no KNB.
    let who = [
        (ids[0].as_str(), Alg::P256),
        (ids[1].as_str(), Alg::P256),
        (ids[2].as_str(), Alg::P256),
        (ids[4].as_str(), Alg::P256),
    ];
    let signed = sign_by(&root, act, &who);
    let result = verify(&signed, &trusting(&[&root.cert])).unwrap();
    assert!(!result.ok);
    assert!(!result.quorum.adopted);
    assert!(
        result.quorum.reasons[0].contains("KNB representative has not signed"),
        "{:?}",
        result.quorum.reasons
    );
    // The same member signing twice counts once.
    let again = sign_by(
        &root,
        signed,
        &[(ids[3].as_str(), Alg::P256), (ids[3].as_str(), Alg::P384)],
    );
    let result = verify(&again, &trusting(&[&root.cert])).unwrap();
    assert!(result.quorum.adopted, "{:?}", result.quorum.reasons);
    assert_eq!(result.quorum.signed, 5);
    assert!(result
        .quorum
        .reasons
        .iter()
        .any(|r| r.contains("one member counts once")));
}

#[test]
fn without_trusted_roots_nothing_is_trusted_and_it_says_so() {
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();
    let signed = sign_by(&root, act, &[(ids[0].as_str(), Alg::P256)]);
    let result = verify(&signed, &trusting(&[])).unwrap();
    assert!(!result.ok);
    assert!(result.signatures[0].valid && !result.signatures[0].trusted);
    assert!(
        result.reasons[0].contains("no trust anchors"),
        "{:?}",
        result.reasons
    );
    // A root that did not issue the certificate does not make it trusted either.
    let other = Root::new("Another Root");
    let result = verify(&signed, &trusting(&[&other.cert])).unwrap();
    assert!(!result.signatures[0].trusted);
    assert!(
        result.reasons.iter().any(|r| r.starts_with(
            "signature 1 (Әсел Нұрланқызы Жұмабаева) is not trusted at 2026-11-20T12:30:00Z: "
        )),
        "{:?}",
        result.reasons
    );
}

#[test]
fn a_changed_byte_in_a_signed_range_fails_naming_the_signature() {
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();
    let first_len = act.len();
    let mut signed = sign_by(
        &root,
        act,
        &[
            (ids[0].as_str(), Alg::Rsa2048),
            (ids[3].as_str(), Alg::P256),
        ],
    );
    // A byte of the second revision only (after the first signature's range): the first
    // signature stays valid, the second does not.
    let result = verify(&signed, &trusting(&[&root.cert])).unwrap();
    assert!(result.ok || !result.quorum.adopted);
    // The second revision begins after the first signature's update (its %%EOF).
    let second_sig_region = signed[first_len..]
        .windows(5)
        .position(|w| w == b"%%EOF")
        .unwrap()
        + first_len
        + 5;
    let at = signed[second_sig_region..]
        .windows(7)
        .position(|w| w == b"/Widget")
        .unwrap()
        + second_sig_region;
    signed[at + 1] = b'V';
    let result = verify(&signed, &trusting(&[&root.cert])).unwrap();
    assert!(
        result.signatures[0].valid,
        "the first signature does not cover that byte"
    );
    assert!(!result.signatures[1].valid);
    assert!(!result.ok);
    assert!(
        result
            .reasons
            .iter()
            .any(|r| r.starts_with("signature 2 is not valid: ")
                && r.contains("the signed bytes were changed")),
        "{:?}",
        result.reasons
    );
    // A byte of the rendered act: every signature fails, each named.
    let mut broken = signed.clone();
    let at = broken.windows(9).position(|w| w == b"/Producer").unwrap();
    broken[at + 1] = b'p';
    let result = verify(&broken, &trusting(&[&root.cert])).unwrap();
    assert!(result.signatures.iter().all(|s| !s.valid));
    assert!(
        result
            .reasons
            .iter()
            .any(|r| r.starts_with("signature 1 is not valid: ")),
        "{:?}",
        result.reasons
    );
}

#[test]
fn an_unsigned_update_after_the_last_signature_is_reported() {
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();
    let mut signed = sign_by(&root, act, &[(ids[0].as_str(), Alg::P256)]);
    assert!(
        !verify(&signed, &trusting(&[&root.cert]))
            .unwrap()
            .modified_after_last_signature
    );
    // A genuine incremental update: one new object, its xref section, a trailer with /Prev.
    let text = String::from_utf8_lossy(&signed).into_owned();
    let prev = text
        .rsplit("startxref")
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let size: u32 = text
        .rsplit("/Size ")
        .next()
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let root_ref = text
        .rsplit("/Root ")
        .next()
        .unwrap()
        .split(" R")
        .next()
        .unwrap()
        .to_owned();
    let offset = signed.len();
    signed.extend_from_slice(format!("{size} 0 obj\n(an unsigned note)\nendobj\n").as_bytes());
    let xref = signed.len();
    signed.extend_from_slice(
        format!("xref\n{size} 1\n{offset:010} 00000 n\r\ntrailer\n<</Size {} /Root {root_ref} R /Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n", size + 1).as_bytes(),
    );
    let result = verify(&signed, &trusting(&[&root.cert])).unwrap();
    assert!(result.modified_after_last_signature);
    assert!(
        result.signatures[0].valid,
        "the signature itself still holds"
    );
    assert!(!result.ok);
    assert!(result
        .reasons
        .iter()
        .any(|r| r.contains("appended after the last signature")));
}

fn refusal(pdf: &[u8], member: &str, p12: &[u8]) -> String {
    let signer = Pkcs12Signer::open(p12, PASSWORD).unwrap();
    match sign(pdf, &iin(member), &signer, signing_time()) {
        Ok(_) => panic!("signing as {member} was not refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn signing_is_refused_with_a_clear_message() {
    let mut data = demo();
    let ids = iins(&data);
    data.dissents = vec![tekseru_act::Dissent {
        iin: iin(&ids[5]),
        reason: "келіспеймін".to_owned(),
    }];
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();

    // Not on the roster.
    let stranger = "900101300007";
    assert!(Iin::parse(stranger).is_ok());
    let msg = refusal(&act, stranger, &root.member(stranger, Alg::P256));
    assert_eq!(msg, format!("IIN {stranger} is not on the commission's roster in this act's manifest: only its members sign"));

    // The certificate is another member's.
    let msg = refusal(&act, &ids[0], &root.member(&ids[1], Alg::P256));
    assert_eq!(
        msg,
        format!("the certificate belongs to IIN {} (subject serialNumber IIN{}), not to Әсел Нұрланқызы Жұмабаева ({})", ids[1], ids[1], ids[0])
    );

    // Expired, and not yet valid.
    let expired = root.p12(
        &ids[0],
        Alg::P256,
        unix(2024, 1, 1),
        unix(2025, 1, 1),
        PASSWORD,
    );
    let msg = refusal(&act, &ids[0], &expired);
    assert!(
        msg.starts_with(
            "the certificate of Әсел Нұрланқызы Жұмабаева expired on 2025-01-01T12:00:00Z"
        ),
        "{msg}"
    );
    let future = root.p12(
        &ids[0],
        Alg::P256,
        unix(2027, 1, 1),
        unix(2028, 1, 1),
        PASSWORD,
    );
    let msg = refusal(&act, &ids[0], &future);
    assert!(
        msg.starts_with(
            "the certificate of Әсел Нұрланқызы Жұмабаева is not valid before 2027-01-01T12:00:00Z"
        ),
        "{msg}"
    );

    // A member with a dissent note does not sign.
    let msg = refusal(&act, &ids[5], &root.member(&ids[5], Alg::P256));
    assert!(msg.contains("has a dissent note in this act"), "{msg}");

    // Wrong password.
    let p12 = root.member(&ids[0], Alg::P256);
    match Pkcs12Signer::open(&p12, "wrong") {
        Err(e @ ActError::KeyStore(_)) => {
            assert_eq!(e.to_string(), "wrong password for the key file")
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a wrong password opened the key"),
    }
    // A weak RSA key.
    let weak = {
        let key =
            openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(1024).unwrap()).unwrap();
        let mut name = openssl::x509::X509Name::builder().unwrap();
        name.append_entry_by_nid(openssl::nid::Nid::COMMONNAME, "weak")
            .unwrap();
        let name = name.build();
        let mut b = openssl::x509::X509::builder().unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::from_unix(unix(2026, 1, 1)).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::from_unix(unix(2027, 1, 1)).unwrap())
            .unwrap();
        b.sign(&key, openssl::hash::MessageDigest::sha256())
            .unwrap();
        openssl::pkcs12::Pkcs12::builder()
            .pkey(&key)
            .cert(&b.build())
            .build2(PASSWORD)
            .unwrap()
            .to_der()
            .unwrap()
    };
    match Pkcs12Signer::open(&weak, PASSWORD) {
        Err(e) => assert_eq!(
            e.to_string(),
            "the RSA key has 1024 bits; at least 2048 are required"
        ),
        Ok(_) => panic!("a 1024-bit key was accepted"),
    }
    // Nothing was changed by a refusal: the act still verifies as unsigned.
    let result = verify(&act, &trusting(&[&root.cert])).unwrap();
    assert!(result.signatures.is_empty());
    assert!(result
        .reasons
        .iter()
        .any(|r| r == "the act bears no signature"));
}

#[test]
fn the_dissent_notice_names_the_member_and_the_reason_and_the_act_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo();
    let ids = iins(&data);
    let reason = "Резервтік АБК болмауы — елеулі бұзушылық; акт оны толық көрсетпейді.";
    let notice = render_dissent(&data, &iin(&ids[5]), reason, &options(Languages::Both)).unwrap();
    let path = write(dir.path(), "notice.pdf", &notice);
    let body = text(&path, "-raw");
    assert!(
        body.contains("ЕРЕКШЕ ПІКІР") && body.contains("ОСОБОЕ МНЕНИЕ"),
        "{body}"
    );
    assert!(
        body.contains("Айгүл Қанатқызы Мұқанова, 870925400005"),
        "{body}"
    );
    assert!(
        body.contains("Резервтік АБК болмауы — елеулі бұзушылық;"),
        "{body}"
    );
    assert!(matches!(
        render_dissent(
            &data,
            &iin("900101300007"),
            reason,
            &options(Languages::Both)
        ),
        Err(ActError::NotOnRoster(_))
    ));
    // The act with that dissent: the member's line says they did not sign, annex D has why.
    let mut with = data.clone();
    with.dissents = vec![tekseru_act::Dissent {
        iin: iin(&ids[5]),
        reason: reason.to_owned(),
    }];
    let path = write(
        dir.path(),
        "act.pdf",
        &render_act(&with, &options(Languages::One(Lang::Ru))).unwrap(),
    );
    let body = text(&path, "-raw");
    assert!(
        body.contains("Мұқанова член\nИное\nне подписал(а), особое мнение"),
        "{body}"
    );
    assert!(body.contains("D. Особые мнения"), "{body}");
}

/// No page of the act holds a single line by itself (before, the acknowledgement could stand
/// alone on the last page), in kk, ru and both, with and without violations.
#[test]
fn no_page_holds_a_single_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut revocation = demo();
    revocation.rule = tekseru_core::quorum::Rule::Revocation;
    revocation.findings.clear();
    for (n, data) in [demo(), revocation].iter().enumerate() {
        for languages in [
            Languages::One(Lang::Kk),
            Languages::One(Lang::Ru),
            Languages::Both,
        ] {
            let pdf = write(
                dir.path(),
                &format!("act-{n}.pdf"),
                &render_act(data, &options(languages)).unwrap(),
            );
            let text = text(&pdf, "-layout");
            for (i, page) in text
                .split('\u{c}')
                .filter(|p| !p.trim().is_empty())
                .enumerate()
            {
                let lines = page
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .filter(|l| !l.contains("insp-2026-0142"))
                    .count();
                assert!(
                    lines >= 2,
                    "{languages:?}, page {}: {lines} line(s)\n{page}",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn an_honest_signed_act_shows_its_manifest_and_every_signature_allows_only_signing() {
    let data = demo();
    let ids = iins(&data);
    let root = Root::new("Test Root CA");
    let act = render_act(&data, &options(Languages::Both)).unwrap();
    let signed = sign_by(
        &root,
        act,
        &[
            (ids[0].as_str(), Alg::Rsa2048),
            (ids[3].as_str(), Alg::P256),
        ],
    );
    let result = verify(&signed, &trusting(&[&root.cert])).unwrap();
    assert_eq!(
        result.pages,
        tekseru_act::Pages::Shown,
        "{:?}",
        result.reasons
    );
    assert_eq!(
        result.renderer.as_deref(),
        Some(tekseru_act::RENDERER),
        "the manifest does not record the renderer"
    );
    assert!(tekseru_act::RENDERER.ends_with(&format!("+{}", tekseru_act::RENDER_FORMAT)));
    for s in &result.signatures {
        assert!(s.content_intact, "{:?}", result.reasons);
        assert!(s.changes_after.is_empty() && s.changes_before.is_empty());
        assert_eq!(s.mdp, "form filling and signing (P=2)");
    }
    assert_eq!(
        result.signatures[0].modification,
        tekseru_act::Level::FormFilling
    );
    assert_eq!(result.signatures[1].modification, tekseru_act::Level::None);
    assert!(!result.roster_confirmed);
    assert!(result
        .reasons
        .iter()
        .any(|r| r.starts_with("roster as the act states it, not confirmed")));
}

/// An act whose items carry the PKI field checks' reports prints, under each such item, what
/// was measured: the chain to its root with its links, the CRL's entries, next update and
/// signature, the time server's offset; in kk and ru (golden texts).
#[test]
fn an_act_prints_what_the_pki_checks_measured() {
    use tekseru_act::{EvidenceRef, PkiMeasured, PkiVerdict};
    let dir = tempfile::tempdir().unwrap();
    let mut data = demo();
    let chain = data
        .items
        .iter_mut()
        .find(|i| i.id == "onsite.chain")
        .unwrap();
    chain.evidence.push(EvidenceRef {
        sha256: "5e1f0c2a9b7d4e3f8a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f".into(),
        name: "pki-chain-20261120T094500Z.json".into(),
    });
    chain.pki.push(PkiMeasured::Chain {
        verdict: PkiVerdict::Complies,
        root: "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) 2022".into(),
        links: 3,
        at: "2026-11-20T04:45:00Z".into(),
    });
    let crl = data
        .items
        .iter_mut()
        .find(|i| i.id == "onsite.crl")
        .unwrap();
    crl.pki.push(PkiMeasured::Crl {
        verdict: PkiVerdict::DoesNotComply,
        entries: 1234,
        next_update: Some("2026-11-19T06:00:00Z".into()),
        signature_verified: Some(true),
    });
    for (name, lang, expected) in [
        (
            "act-pki-kk",
            Lang::Kk,
            [
                "Өлшенді: ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) 2022 түбіріне дейінгі тізбек, 2026 жылғы 20 қараша, 04:45 UTC, буындары: 3 — сәйкес келеді",
                "Өлшенді: CRL, жазбалары: 1234, келесі жаңартылуы: 2026 жылғы 19 қараша, 06:00 UTC, қолтаңбасы тексерілді — сәйкес келмейді",
            ],
        ),
        (
            "act-pki-ru",
            Lang::Ru,
            [
                "Измерено: цепочка до корня ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) 2022 на 20 ноября 2026 г., 04:45 UTC, звеньев: 3 — соответствует",
                "Измерено: CRL, записей: 1234, следующее обновление: 19 ноября 2026 г., 06:00 UTC, подпись проверена — не соответствует",
            ],
        ),
    ] {
        let pdf = write(
            dir.path(),
            &format!("{name}.pdf"),
            &render_act(&data, &options(Languages::One(lang))).unwrap(),
        );
        let flat = text(&pdf, "-raw")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for line in expected {
            assert!(flat.contains(line), "{name}: no «{line}» in {flat}");
        }
        let body = text(&pdf, "-layout");
        let golden = repo().join(format!("crates/act/tests/golden/{name}.txt"));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &body).unwrap();
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", golden.display()));
        assert!(
            body == expected,
            "{name}: text differs from {} (UPDATE_GOLDEN=1 refreshes it)",
            golden.display()
        );
    }
    // The time source: its offset against the laptop's clock and a second source; a server
    // that did not answer says so.
    let journal = data
        .items
        .iter_mut()
        .find(|i| i.id == "onsite.crl")
        .unwrap();
    journal.pki = vec![
        PkiMeasured::Time {
            verdict: PkiVerdict::Complies,
            server: "10.0.0.5:123".into(),
            offset_ms: Some(120.4),
            second: Some("ntp.example.kz".into()),
            offset_to_second_ms: Some(-35.0),
        },
        PkiMeasured::Time {
            verdict: PkiVerdict::NotVerifiableHere,
            server: "10.0.0.6:123".into(),
            offset_ms: None,
            second: None,
            offset_to_second_ms: None,
        },
    ];
    let pdf = write(
        dir.path(),
        "act-time.pdf",
        &render_act(&data, &options(Languages::One(Lang::Ru))).unwrap(),
    );
    let flat = text(&pdf, "-raw")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for line in [
        "Измерено: время, смещение сервера 10.0.0.5:123 относительно часов ноутбука +0.120 с, относительно ntp.example.kz -0.035 с — соответствует",
        "Измерено: время, смещение сервера 10.0.0.6:123 относительно часов ноутбука нет ответа — здесь не проверяется",
    ] {
        assert!(flat.contains(line), "no «{line}» in {flat}");
    }
}
