//! The revisions of a signed act and what each incremental update changed: the difference
//! analysis against the incremental-saving attack, modelled on PDF's DocMDP with P=2 (form
//! filling and signing allowed) and on pyHanko's `diff_analysis`.
//!
//! Every update after the rendered act (revision 1) is read from its own cross-reference
//! section: only the objects it (re)defines are parsed, each compared with its version in the
//! revision before. What signing needs is allowed (a signature dictionary, a signature field
//! or the filling of an empty one with its appearance and the fonts that appearance uses, the
//! AcroForm, a page's `/Annots`, the catalog's `/AcroForm`, `/DSS` and `/Perms`); a comment
//! annotation is an annotation change; anything else changes the content.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use lopdf::xref::XrefEntry;
use lopdf::{Dictionary, Document, Object, ObjectId, Reader};
use serde::Serialize;

/// How far an update goes, in increasing order (pyHanko's `ModificationLevel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Nothing changed.
    None,
    /// Validation data only (`/DSS`): long-term validation.
    LtaUpdates,
    /// Signing: signature dictionaries, fields, their appearances, the AcroForm.
    FormFilling,
    /// Comment annotations: P=2 does not allow them.
    Annotations,
    /// Anything else: the content changed.
    Other,
}

impl Level {
    /// The level in words.
    pub fn words(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::LtaUpdates => "validation data (DSS)",
            Level::FormFilling => "form filling and signing",
            Level::Annotations => "annotations",
            Level::Other => "content changed",
        }
    }
}

/// One object an update changed beyond what signing needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The object number.
    pub object: u32,
    /// The revision that changed it (1 = the rendered act).
    pub revision: usize,
    /// What it is, e.g. `page 1 /Contents`.
    pub what: String,
    /// How far the change goes.
    pub level: Level,
}

/// One cross-reference section: the objects one revision (re)defines.
struct Section {
    /// Where the section starts.
    offset: usize,
    /// The objects it defines: offset and generation, `None` for a freed object.
    entries: BTreeMap<u32, Option<(usize, u16)>>,
    /// The trailer's `/Root`.
    root: Option<ObjectId>,
    /// Whether the section is a classic table we read (a cross-reference stream is not).
    readable: bool,
}

/// The revisions of a PDF, oldest first.
pub(crate) struct History<'a> {
    bytes: &'a [u8],
    sections: Vec<Section>,
}

/// Skips PDF whitespace and comments.
fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while let Some(&b) = bytes.get(at) {
        if b.is_ascii_whitespace() || b == 0 {
            at += 1;
        } else if b == b'%' {
            while let Some(&c) = bytes.get(at) {
                if c == b'\n' || c == b'\r' {
                    break;
                }
                at += 1;
            }
        } else {
            break;
        }
    }
    at
}

/// An unsigned integer token at `at`, and where it ends.
fn number(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let start = skip_ws(bytes, at);
    let mut end = start;
    let mut value: usize = 0;
    while let Some(&b) = bytes.get(end).filter(|b| b.is_ascii_digit()) {
        value = value.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
        end += 1;
    }
    (end > start).then_some((value, end))
}

fn starts_with_at(bytes: &[u8], at: usize, word: &[u8]) -> bool {
    at.checked_add(word.len())
        .and_then(|end| bytes.get(at..end))
        .is_some_and(|w| w == word)
}

/// Parses one object's text by wrapping it as `1 0 obj … endobj`.
fn parse_text(text: &[u8]) -> Option<Object> {
    let mut buffer = b"1 0 obj\n".to_vec();
    buffer.extend_from_slice(text);
    buffer.extend_from_slice(b"\nendobj\n");
    let mut document = Document::new();
    document.reference_table.insert(
        1,
        XrefEntry::Normal {
            offset: 0,
            generation: 0,
        },
    );
    reader(&buffer, document)
        .get_object((1, 0), &mut HashSet::new())
        .ok()
}

fn reader(buffer: &[u8], document: Document) -> Reader<'_> {
    Reader {
        buffer,
        document,
        encryption_state: None,
        raw_objects: BTreeMap::new(),
        password: None,
        strict: false,
        max_decompressed_size: Some(64 << 20),
    }
}

/// Reads the cross-reference section at `offset`: a classic table and its trailer.
fn section(bytes: &[u8], offset: usize) -> Option<(Section, Option<usize>)> {
    if !starts_with_at(bytes, offset, b"xref") {
        // A cross-reference stream: not written by tekseru; its objects cannot be told.
        let prev = bytes
            .get(offset..)
            .and_then(|rest| crate::pdf::find(rest, b"/Prev"))
            .and_then(|at| number(bytes, offset + at + 5))
            .map(|(n, _)| n);
        return Some((
            Section {
                offset,
                entries: BTreeMap::new(),
                root: None,
                readable: false,
            },
            prev,
        ));
    }
    let mut at = offset + 4;
    let mut entries = BTreeMap::new();
    loop {
        at = skip_ws(bytes, at);
        if starts_with_at(bytes, at, b"trailer") {
            at += 7;
            break;
        }
        let (start, next) = number(bytes, at)?;
        let (count, next) = number(bytes, next)?;
        at = next;
        for i in 0..count {
            let (object_offset, next) = number(bytes, at)?;
            let (generation, next) = number(bytes, next)?;
            let kind_at = skip_ws(bytes, next);
            let kind = *bytes.get(kind_at)?;
            at = kind_at + 1;
            let id = u32::try_from(start.checked_add(i)?).ok()?;
            let generation = u16::try_from(generation).ok()?;
            match kind {
                b'n' => {
                    entries.insert(id, Some((object_offset, generation)));
                }
                b'f' => {
                    if id != 0 {
                        entries.insert(id, None);
                    }
                }
                _ => return None,
            }
        }
    }
    let end = bytes
        .get(at..)
        .and_then(|rest| crate::pdf::find(rest, b"startxref"))
        .map(|n| at + n)?;
    let trailer = parse_text(bytes.get(at..end)?)?;
    let trailer = trailer.as_dict().ok()?;
    let prev = trailer
        .get(b"Prev")
        .and_then(Object::as_i64)
        .ok()
        .and_then(|p| usize::try_from(p).ok());
    let root = trailer.get(b"Root").and_then(Object::as_reference).ok();
    Some((
        Section {
            offset,
            entries,
            root,
            readable: trailer.get(b"XRefStm").is_err(),
        },
        prev,
    ))
}

impl<'a> History<'a> {
    /// Reads the chain of cross-reference sections from the last `startxref`.
    pub(crate) fn read(bytes: &'a [u8]) -> Option<History<'a>> {
        let mut offset = crate::pdf::last_startxref(bytes).ok()?;
        let mut sections = Vec::new();
        let mut seen = HashSet::new();
        loop {
            if !seen.insert(offset) || sections.len() > 10_000 {
                return None;
            }
            let (section, prev) = section(bytes, offset)?;
            sections.push(section);
            match prev {
                Some(prev) => offset = prev,
                None => break,
            }
        }
        sections.reverse();
        // Incremental updates follow each other in the file.
        if sections.windows(2).any(|w| w[0].offset >= w[1].offset) {
            return None;
        }
        Some(History { bytes, sections })
    }

    /// The revision (from 1) whose cross-reference section ends before `end`: the one a
    /// signature over the bytes up to `end` covers.
    pub(crate) fn revision_of(&self, end: usize) -> usize {
        self.sections.iter().filter(|s| s.offset < end).count()
    }

    /// The bytes of revision 1: up to and with its `%%EOF`.
    pub(crate) fn first_revision_end(&self) -> Option<usize> {
        let first = self.sections.first()?;
        let rest = self.bytes.get(first.offset..)?;
        crate::pdf::find(rest, b"%%EOF").map(|at| first.offset + at + 5)
    }

    /// A reader of the objects as of `revision` (from 1).
    fn view(&self, revision: usize) -> Reader<'a> {
        let mut document = Document::new();
        for section in self.sections.iter().take(revision) {
            for (&id, entry) in &section.entries {
                match entry {
                    Some((offset, generation)) => {
                        if let Ok(offset) = u32::try_from(*offset) {
                            document.reference_table.insert(
                                id,
                                XrefEntry::Normal {
                                    offset,
                                    generation: *generation,
                                },
                            );
                        }
                    }
                    None => {
                        document.reference_table.entries.remove(&id);
                    }
                }
            }
        }
        reader(self.bytes, document)
    }

    /// The objects revision 1 holds that a later update redefined, as revision 1 had them.
    pub(crate) fn first_versions(&self, ids: &BTreeSet<ObjectId>) -> BTreeMap<ObjectId, Object> {
        let view = self.view(1);
        ids.iter()
            .filter_map(|&id| Some((id, view.get_object(id, &mut HashSet::new()).ok()?)))
            .collect()
    }

    /// Every object a later update redefined.
    pub(crate) fn redefined(&self) -> BTreeSet<ObjectId> {
        self.sections
            .iter()
            .skip(1)
            .flat_map(|s| s.entries.iter().map(|(&id, e)| (id, e.map_or(0, |e| e.1))))
            .collect()
    }

    /// The changes of every update after revision 1 beyond what signing needs; `roles` names
    /// the objects of the act. Changes that signing needs are counted in the level only.
    pub(crate) fn changes(&self, roles: &Roles) -> Vec<(usize, Level, Vec<Change>)> {
        let mut out = Vec::new();
        let first_root = self.sections.first().and_then(|s| s.root);
        for k in 1..self.sections.len() {
            let revision = k + 1;
            let section = &self.sections[k];
            let old = self.view(k);
            let new = self.view(k + 1);
            let mut level = Level::None;
            let mut changes = Vec::new();
            let mut note = |level_: Level, object: u32, what: String, changes: &mut Vec<Change>| {
                level = level.max(level_);
                if level_ >= Level::Annotations {
                    changes.push(Change {
                        object,
                        revision,
                        what,
                        level: level_,
                    });
                }
            };
            if !section.readable {
                note(
                    Level::Other,
                    0,
                    "a cross-reference stream tekseru does not analyse".to_owned(),
                    &mut changes,
                );
                out.push((revision, level, changes));
                continue;
            }
            if section.root != first_root {
                note(
                    Level::Other,
                    section.root.map_or(0, |r| r.0),
                    "the trailer's /Root: a different catalog".to_owned(),
                    &mut changes,
                );
            }
            let context = Context::read(&old, section.root.or(first_root));
            for (&number, entry) in &section.entries {
                let Some((_, generation)) = entry else {
                    note(
                        Level::Other,
                        number,
                        format!("{} deleted", roles.describe(number)),
                        &mut changes,
                    );
                    continue;
                };
                let id = (number, *generation);
                let Ok(after) = new.get_object(id, &mut HashSet::new()) else {
                    note(
                        Level::Other,
                        number,
                        format!("{}: unreadable", roles.describe(number)),
                        &mut changes,
                    );
                    continue;
                };
                let before = old.get_object(id, &mut HashSet::new()).ok();
                let (l, what) = classify(id, before.as_ref(), &after, &context, &new, roles);
                note(l, number, what, &mut changes);
            }
            out.push((revision, level, changes));
        }
        out
    }
}

/// What the revision before an update held: its catalog, AcroForm, pages and fields.
struct Context {
    root: Option<ObjectId>,
    acroform: Option<ObjectId>,
    fields: Vec<Object>,
    pages: BTreeMap<ObjectId, usize>,
    dss: BTreeSet<ObjectId>,
}

fn get(reader: &Reader<'_>, object: &Object) -> Option<Object> {
    match object {
        Object::Reference(id) => reader.get_object(*id, &mut HashSet::new()).ok(),
        other => Some(other.clone()),
    }
}

impl Context {
    fn read(old: &Reader<'_>, root: Option<ObjectId>) -> Context {
        let mut context = Context {
            root,
            acroform: None,
            fields: Vec::new(),
            pages: BTreeMap::new(),
            dss: BTreeSet::new(),
        };
        let Some(catalog) = root.and_then(|r| old.get_object(r, &mut HashSet::new()).ok()) else {
            return context;
        };
        let Ok(catalog) = catalog.as_dict() else {
            return context;
        };
        if let Ok(Object::Reference(id)) = catalog.get(b"AcroForm") {
            context.acroform = Some(*id);
        }
        if let Some(Object::Dictionary(af)) =
            catalog.get(b"AcroForm").ok().and_then(|a| get(old, a))
        {
            if let Some(Object::Array(fields)) = af.get(b"Fields").ok().and_then(|f| get(old, f)) {
                context.fields = fields;
            }
        }
        if let Ok(dss) = catalog.get(b"DSS") {
            let mut todo = vec![dss.clone()];
            while let Some(object) = todo.pop() {
                if context.dss.len() > 100_000 {
                    break;
                }
                match object {
                    Object::Reference(id) if context.dss.insert(id) => {
                        if let Ok(o) = old.get_object(id, &mut HashSet::new()) {
                            todo.push(o);
                        }
                    }
                    Object::Array(items) => todo.extend(items),
                    Object::Dictionary(d) => todo.extend(d.iter().map(|(_, v)| v.clone())),
                    Object::Stream(s) => todo.extend(s.dict.iter().map(|(_, v)| v.clone())),
                    _ => {}
                }
            }
        }
        // The page tree, depth first, as a viewer numbers the pages.
        let mut stack: Vec<(Object, usize)> = catalog
            .get(b"Pages")
            .ok()
            .map(|p| vec![(p.clone(), 0)])
            .unwrap_or_default();
        let mut seen = HashSet::new();
        while let Some((node, depth)) = stack.pop() {
            let Object::Reference(id) = node else {
                continue;
            };
            if depth > 64 || !seen.insert(id) {
                continue;
            }
            let Some(Object::Dictionary(dict)) = get(old, &node) else {
                continue;
            };
            match dict.get(b"Kids") {
                Ok(kids) => {
                    if let Some(Object::Array(kids)) = get(old, kids) {
                        stack.extend(kids.into_iter().rev().map(|k| (k, depth + 1)));
                    }
                }
                Err(_) => {
                    let n = context.pages.len() + 1;
                    context.pages.insert(id, n);
                }
            }
        }
        context
    }
}

fn name_of<'o>(dict: &'o Dictionary, key: &[u8]) -> Option<&'o [u8]> {
    dict.get(key).and_then(Object::as_name).ok()
}

fn is_sig_widget(dict: &Dictionary) -> bool {
    name_of(dict, b"Subtype") == Some(b"Widget") && name_of(dict, b"FT") == Some(b"Sig")
}

/// Whether two objects are the same, streams by dictionary and content.
fn same(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Stream(x), Object::Stream(y)) => {
            same_dict(&x.dict, &y.dict, &[b"Length"]) && x.content == y.content
        }
        (Object::Dictionary(x), Object::Dictionary(y)) => same_dict(x, y, &[]),
        (Object::Array(x), Object::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        // A string written as hex or literal is the same string.
        (Object::String(x, _), Object::String(y, _)) => x == y,
        _ => a == b,
    }
}

fn same_dict(a: &Dictionary, b: &Dictionary, ignore: &[&[u8]]) -> bool {
    changed_keys(a, b)
        .iter()
        .all(|k| ignore.contains(&k.as_slice()))
}

/// The keys whose values differ between two dictionaries.
fn changed_keys(a: &Dictionary, b: &Dictionary) -> BTreeSet<Vec<u8>> {
    let keys: BTreeSet<Vec<u8>> = a.iter().chain(b.iter()).map(|(k, _)| k.clone()).collect();
    keys.into_iter()
        .filter(|k| match (a.get(k), b.get(k)) {
            (Ok(x), Ok(y)) => !same(x, y),
            _ => true,
        })
        .collect()
}

fn key_list(keys: &BTreeSet<Vec<u8>>) -> String {
    keys.iter()
        .map(|k| format!("/{}", String::from_utf8_lossy(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Classifies one object an update (re)defines: its level and what it is.
fn classify(
    id: ObjectId,
    before: Option<&Object>,
    after: &Object,
    context: &Context,
    new: &Reader<'_>,
    roles: &Roles,
) -> (Level, String) {
    let what = roles.describe(id.0);
    let Some(before) = before else {
        // A new object: harmless unless something old that is changed refers to it, and
        // every such change is judged on its own.
        return match after.as_dict() {
            Ok(d) if name_of(d, b"Type") == Some(b"Sig") => {
                (Level::FormFilling, "a signature dictionary".to_owned())
            }
            Ok(d) if is_sig_widget(d) => (Level::FormFilling, "a new signature field".to_owned()),
            Ok(d)
                if name_of(d, b"Type") == Some(b"Annot") || d.has(b"Subtype") && d.has(b"Rect") =>
            {
                (
                    Level::Annotations,
                    format!(
                        "a new /{} annotation",
                        String::from_utf8_lossy(name_of(d, b"Subtype").unwrap_or(b"?"))
                    ),
                )
            }
            _ => (
                Level::FormFilling,
                "a new object (a signature's appearance or its fonts)".to_owned(),
            ),
        };
    };
    if same(before, after) {
        return (Level::None, what);
    }
    let (Ok(old), Ok(fresh)) = (before.as_dict(), after.as_dict()) else {
        return (Level::Other, what);
    };
    let keys = changed_keys(old, fresh);
    let only = |allowed: &[&[u8]]| keys.iter().all(|k| allowed.contains(&k.as_slice()));
    if Some(id) == context.root {
        if only(&[b"AcroForm", b"DSS", b"Perms"]) {
            let level = if only(&[b"DSS"]) {
                Level::LtaUpdates
            } else {
                Level::FormFilling
            };
            return (level, what);
        }
        return (
            Level::Other,
            format!("the catalog ({} changed)", key_list(&keys)),
        );
    }
    if Some(id) == context.acroform {
        if !only(&[b"Fields", b"SigFlags", b"DA", b"DR"]) {
            return (
                Level::Other,
                format!("the AcroForm ({} changed)", key_list(&keys)),
            );
        }
        let fields = fresh
            .get(b"Fields")
            .ok()
            .and_then(|f| get(new, f))
            .and_then(|f| f.as_array().ok().cloned())
            .unwrap_or_default();
        if !context.fields.iter().all(|f| fields.contains(f)) {
            return (
                Level::Other,
                "the AcroForm (a field was removed)".to_owned(),
            );
        }
        return (Level::FormFilling, what);
    }
    if context.dss.contains(&id) {
        return (Level::LtaUpdates, what);
    }
    if is_sig_widget(old) {
        if old.has(b"V") {
            return (
                Level::Other,
                format!(
                    "{what}: a signed signature field changed ({})",
                    key_list(&keys)
                ),
            );
        }
        if only(&[b"V", b"AP"]) {
            return (Level::FormFilling, what);
        }
        return (
            Level::Other,
            format!("{what} ({} changed)", key_list(&keys)),
        );
    }
    if let Some(&page) = context.pages.get(&id) {
        if !only(&[b"Annots"]) {
            return (
                Level::Other,
                format!("page {page} ({} changed)", key_list(&keys)),
            );
        }
        let list = |d: &Dictionary, reader: Option<&Reader<'_>>| -> Vec<Object> {
            let annots = d.get(b"Annots").ok().cloned();
            match (annots, reader) {
                (Some(Object::Array(a)), _) => a,
                (Some(other), Some(r)) => get(r, &other)
                    .and_then(|a| a.as_array().ok().cloned())
                    .unwrap_or_default(),
                _ => Vec::new(),
            }
        };
        let was = list(old, None);
        let now = list(fresh, Some(new));
        if !was.iter().all(|a| now.contains(a)) {
            return (
                Level::Other,
                format!("page {page} /Annots (an annotation was removed)"),
            );
        }
        let mut level = Level::FormFilling;
        let mut kinds = Vec::new();
        for added in now.iter().filter(|a| !was.contains(a)) {
            match get(new, added) {
                Some(Object::Dictionary(d)) if is_sig_widget(&d) => {}
                Some(Object::Dictionary(d)) => {
                    level = level.max(Level::Annotations);
                    kinds.push(format!(
                        "/{}",
                        String::from_utf8_lossy(name_of(&d, b"Subtype").unwrap_or(b"?"))
                    ));
                }
                _ => level = Level::Other,
            }
        }
        let what = if kinds.is_empty() {
            format!("page {page} /Annots")
        } else {
            format!(
                "page {page} /Annots: a {} annotation added",
                kinds.join(", ")
            )
        };
        return (level, what);
    }
    (
        Level::Other,
        format!("{what} ({} changed)", key_list(&keys)),
    )
}

/// What the objects of the act are, for naming a change: `page 1 /Contents`, `font /F1 of
/// page 2`, `the attached manifest`.
#[derive(Default)]
pub(crate) struct Roles {
    names: BTreeMap<u32, String>,
}

impl Roles {
    /// Names the objects of `doc`.
    pub(crate) fn of(doc: &Document) -> Roles {
        let mut roles = Roles::default();
        let mut name = |id: &Object, what: String| {
            if let Object::Reference(id) = id {
                roles.names.entry(id.0).or_insert(what);
            }
        };
        if let Ok(root) = doc.trailer.get(b"Root") {
            name(root, "the catalog".to_owned());
        }
        if let Ok(info) = doc.trailer.get(b"Info") {
            name(info, "the document information (/Info)".to_owned());
        }
        if let Ok(catalog) = doc.catalog() {
            if let Ok(pages) = catalog.get(b"Pages") {
                name(pages, "the page tree".to_owned());
            }
            if let Ok(af) = catalog.get(b"AcroForm") {
                name(af, "the AcroForm".to_owned());
            }
            if let Ok(Object::Array(af)) = catalog.get(b"AF") {
                for spec in af {
                    name(
                        spec,
                        "the attached manifest's file specification".to_owned(),
                    );
                    if let Ok((_, Object::Dictionary(spec))) = doc.dereference(spec) {
                        if let Ok(Object::Dictionary(ef)) = spec.get(b"EF") {
                            for (_, file) in ef.iter() {
                                name(file, "the attached manifest".to_owned());
                            }
                        }
                    }
                }
            }
        }
        for (number, page_id) in doc.get_pages() {
            let Ok(page) = doc.get_dictionary(page_id) else {
                continue;
            };
            name(&Object::Reference(page_id), format!("page {number}"));
            match page.get(b"Contents") {
                Ok(Object::Array(parts)) => {
                    for part in parts {
                        name(part, format!("page {number} /Contents"));
                    }
                }
                Ok(contents) => name(contents, format!("page {number} /Contents")),
                Err(_) => {}
            }
            if let Ok(annots) = page.get(b"Annots") {
                name(annots, format!("page {number} /Annots"));
                if let Ok((_, Object::Array(list))) = doc.dereference(annots) {
                    for a in list {
                        let label = match doc.dereference(a) {
                            Ok((_, Object::Dictionary(d))) if is_sig_widget(d) => format!(
                                "the signature field {} on page {number}",
                                d.get(b"T")
                                    .and_then(Object::as_str)
                                    .map(|t| String::from_utf8_lossy(t).into_owned())
                                    .unwrap_or_default()
                            ),
                            _ => format!("an annotation on page {number}"),
                        };
                        name(a, label);
                    }
                }
            }
            let Ok((resources_id, Object::Dictionary(resources))) = page
                .get(b"Resources")
                .map_err(|_| ())
                .and_then(|r| doc.dereference(r).map_err(|_| ()))
            else {
                continue;
            };
            if let Some(id) = resources_id {
                name(
                    &Object::Reference(id),
                    format!("the resources of page {number}"),
                );
            }
            for (kind, label) in [
                (b"Font".as_slice(), "font"),
                (b"XObject".as_slice(), "XObject"),
            ] {
                let Ok((_, Object::Dictionary(dict))) = resources
                    .get(kind)
                    .map_err(|_| ())
                    .and_then(|r| doc.dereference(r).map_err(|_| ()))
                else {
                    continue;
                };
                for (key, value) in dict.iter() {
                    let key = String::from_utf8_lossy(key).into_owned();
                    name(value, format!("{label} /{key} of page {number}"));
                    // A font's descriptor, file, widths and ToUnicode map.
                    if let Ok((_, Object::Dictionary(font))) = doc.dereference(value) {
                        for (part, v) in font.iter() {
                            name(
                                v,
                                format!(
                                    "{label} /{key} of page {number} (/{})",
                                    String::from_utf8_lossy(part)
                                ),
                            );
                            if let Ok((_, Object::Array(descendants))) = doc.dereference(v) {
                                for d in descendants {
                                    name(
                                        d,
                                        format!(
                                            "{label} /{key} of page {number} (descendant font)"
                                        ),
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
        roles
    }

    fn describe(&self, number: u32) -> String {
        self.names
            .get(&number)
            .cloned()
            .unwrap_or_else(|| "an object of the act".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A rendered page, a signing-like update and a second update: three revisions.
    fn three_revisions() -> Vec<u8> {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        let o1 = pdf.len();
        pdf.extend_from_slice(b"1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n");
        let o2 = pdf.len();
        pdf.extend_from_slice(b"2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n");
        let o3 = pdf.len();
        pdf.extend_from_slice(b"3 0 obj\n<</Type/Page/Parent 2 0 R/Contents 4 0 R>>\nendobj\n");
        let o4 = pdf.len();
        pdf.extend_from_slice(b"4 0 obj\n<</Length 5>>stream\nBT ET\nendstream\nendobj\n");
        let x1 = pdf.len();
        pdf.extend_from_slice(
            format!(
                "xref\n0 5\n0000000000 65535 f\r\n{o1:010} 00000 n\r\n{o2:010} 00000 n\r\n{o3:010} 00000 n\r\n{o4:010} 00000 n\r\ntrailer\n<</Size 5/Root 1 0 R>>\nstartxref\n{x1}\n%%EOF\n"
            )
            .as_bytes(),
        );
        let o5 = pdf.len();
        pdf.extend_from_slice(b"5 0 obj\n<</Type/Sig/ByteRange[0 0 0 0]>>\nendobj\n");
        let x2 = pdf.len();
        pdf.extend_from_slice(
            format!("xref\n5 1\n{o5:010} 00000 n\r\ntrailer\n<</Size 6/Root 1 0 R/Prev {x1}>>\nstartxref\n{x2}\n%%EOF\n").as_bytes(),
        );
        let o4b = pdf.len();
        pdf.extend_from_slice(b"4 0 obj\n<</Length 9>>stream\nBT (x) ET\nendstream\nendobj\n");
        let x3 = pdf.len();
        pdf.extend_from_slice(
            format!("xref\n4 1\n{o4b:010} 00000 n\r\ntrailer\n<</Size 6/Root 1 0 R/Prev {x2}>>\nstartxref\n{x3}\n%%EOF\n").as_bytes(),
        );
        pdf
    }

    #[test]
    fn a_replaced_content_stream_is_named_and_a_signature_dictionary_is_not() {
        let pdf = three_revisions();
        let history = History::read(&pdf).unwrap();
        let doc = Document::load_mem(&pdf).unwrap();
        let changes = history.changes(&Roles::of(&doc));
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].1, Level::FormFilling);
        assert!(changes[0].2.is_empty());
        assert_eq!(changes[1].1, Level::Other);
        assert_eq!(
            changes[1].2,
            vec![Change {
                object: 4,
                revision: 3,
                what: "page 1 /Contents".to_owned(),
                level: Level::Other
            }]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// A damaged file gives an error or a verdict, never a panic.
        #[test]
        fn damaged_revisions_never_panic(at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
            let mut pdf = three_revisions();
            let i = at.index(pdf.len());
            pdf[i] = byte;
            let keep = pdf.len() - cut.index(pdf.len() / 4);
            pdf.truncate(keep);
            if let Some(history) = History::read(&pdf) {
                let _ = history.changes(&Roles::default());
                let _ = history.first_revision_end();
                let _ = history.first_versions(&history.redefined());
            }
        }
    }
}
