//! The TOML form of a checklist and its validation into the model.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use time::Date;
use toml::Spanned;

use super::{
    Checklist, ChecklistError, ChecklistErrorKind as Kind, DeadlineLimit, InventorySpec, Item,
    ItemKind, Localized, Mark, MeasureRule, Procedure, Section, Source, Tool, Wording,
};
use crate::law::{fold, LegalRef, LegalText};
use crate::quorum::Rule;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecklist {
    id: Spanned<String>,
    version: Spanned<String>,
    title: Spanned<RawLocalized>,
    rule: Rule,
    source: Spanned<RawSource>,
    sections: Vec<Spanned<RawSection>>,
    #[serde(default)]
    procedure: Option<RawProcedure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocalized {
    kk: Option<String>,
    ru: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    act: String,
    name: Spanned<RawLocalized>,
    number: String,
    date: Spanned<String>,
    registration: String,
    effective_from: Option<Spanned<String>>,
    effective_note: String,
    wording: Option<Spanned<RawWording>>,
    text: String,
    body_starts_at: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWording {
    quote: String,
    text: Spanned<RawLocalized>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: Spanned<String>,
    title: Spanned<RawLocalized>,
    items: Vec<Spanned<RawItem>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: Spanned<String>,
    kind: ItemKind,
    #[serde(rename = "ref")]
    reference: Spanned<String>,
    quote: Spanned<String>,
    text: Spanned<RawLocalized>,
    guidance: Option<Spanned<RawLocalized>>,
    unit: Option<String>,
    rule: Option<MeasureRule>,
    inventory: Option<InventorySpec>,
    tool: Option<Tool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcedure {
    no_violations_mark: Option<Spanned<RawMark>>,
    recommendation_deadline: Option<Spanned<RawDeadline>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMark {
    #[serde(rename = "ref")]
    reference: String,
    quote: String,
    text: Spanned<RawLocalized>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    max_working_days: u32,
    #[serde(rename = "ref")]
    reference: String,
    quote: String,
}

/// Turns byte offsets into 1-based line numbers and builds errors (checklists and the
/// act's wording file alike).
pub(crate) struct Ctx<'a> {
    pub(crate) path: &'a Path,
    pub(crate) text: &'a str,
}

impl Ctx<'_> {
    pub(crate) fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    pub(crate) fn err<T>(
        &self,
        span: std::ops::Range<usize>,
        kind: Kind,
    ) -> Result<T, ChecklistError> {
        Err(ChecklistError::new(
            self.path,
            Some(self.line(span.start)),
            kind,
        ))
    }

    fn localized(
        &self,
        raw: &Spanned<RawLocalized>,
        what: &str,
    ) -> Result<Localized, ChecklistError> {
        let r = raw.get_ref();
        let pick = |lang: &'static str, v: &Option<String>| -> Result<String, ChecklistError> {
            match v.as_deref().map(str::trim) {
                Some(t) if !t.is_empty() => Ok(crate::nfc(t)),
                _ => self.err(
                    raw.span(),
                    Kind::MissingTranslation {
                        lang,
                        what: what.to_owned(),
                    },
                ),
            }
        };
        Ok(Localized {
            kk: pick("kk", &r.kk)?,
            ru: pick("ru", &r.ru)?,
            en: pick("en", &r.en)?,
        })
    }

    fn id(&self, raw: &Spanned<String>) -> Result<String, ChecklistError> {
        let id = raw.get_ref();
        let ok = id
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
        if ok {
            Ok(id.clone())
        } else {
            self.err(raw.span(), Kind::BadId(id.clone()))
        }
    }

    fn date(&self, raw: &Spanned<String>, field: &str) -> Result<Date, ChecklistError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Date::parse(raw.get_ref(), format).or_else(|_| {
            self.err(
                raw.span(),
                Kind::BadValue(format!(
                    "`{field}` = '{}' is not a date (expected YYYY-MM-DD)",
                    raw.get_ref()
                )),
            )
        })
    }

    /// A TOML error (malformed, unknown field, wrong type) with its line.
    pub(crate) fn syntax(&self, e: &toml::de::Error) -> ChecklistError {
        let line = e.span().map(|s| self.line(s.start));
        ChecklistError::new(
            self.path,
            line,
            Kind::Syntax(e.message().trim().replace('\n', ": ")),
        )
    }
}

/// The cited law, and the checks of references and quotes against it.
pub(crate) struct Citations<'a> {
    pub(crate) act: &'a str,
    pub(crate) law: LegalText,
}

impl Citations<'_> {
    /// Checks that `reference` parses, names this act, exists in its text and that `quote`
    /// occurs in the cited unit; returns the reference in its canonical form.
    pub(crate) fn check(
        &self,
        ctx: &Ctx<'_>,
        span: std::ops::Range<usize>,
        owner: &str,
        reference: &str,
        quote: &str,
    ) -> Result<String, ChecklistError> {
        let parsed: LegalRef = match reference.parse() {
            Ok(r) => r,
            Err(e) => {
                return ctx.err(
                    span,
                    Kind::BadRef {
                        owner: owner.to_owned(),
                        why: e.to_string(),
                    },
                )
            }
        };
        if parsed.act != self.act {
            return ctx.err(
                span,
                Kind::WrongAct {
                    owner: owner.to_owned(),
                    act: parsed.act,
                    expected: self.act.to_owned(),
                },
            );
        }
        let cited = match self.law.resolve(&parsed.locator) {
            Ok((text, _)) => text,
            Err(e) => {
                return ctx.err(
                    span,
                    Kind::RefNotInText {
                        owner: owner.to_owned(),
                        why: e.to_string(),
                    },
                )
            }
        };
        let folded_quote = fold(quote);
        if folded_quote.is_empty() || !fold(&cited).contains(&folded_quote) {
            return ctx.err(
                span,
                Kind::QuoteNotFound {
                    owner: owner.to_owned(),
                    reference: parsed.locator.to_string(),
                    quote: quote.to_owned(),
                },
            );
        }
        Ok(parsed.to_string())
    }
}

pub(super) fn parse(
    text: &str,
    path: &Path,
    law: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Checklist, ChecklistError> {
    let ctx = Ctx { path, text };
    let raw: RawChecklist = toml::from_str(text).map_err(|e| ctx.syntax(&e))?;

    let id = ctx.id(&raw.id)?;
    let version = raw.version.get_ref().trim().to_owned();
    if version.is_empty() {
        return ctx.err(
            raw.version.span(),
            Kind::BadValue("`version` is empty".to_owned()),
        );
    }
    let title = ctx.localized(&raw.title, "the checklist's title")?;

    let src = raw.source.get_ref();
    let law_text = law(&src.text).or_else(|e| ctx.err(raw.source.span(), Kind::SourceText(e)))?;
    let Some(legal) = LegalText::parse(&law_text, &src.body_starts_at) else {
        return ctx.err(
            raw.source.span(),
            Kind::SourceText(format!(
                "`body_starts_at` line '{}' is not in the cited text '{}'",
                src.body_starts_at, src.text
            )),
        );
    };
    let citations = Citations {
        act: &src.act,
        law: legal,
    };
    let source = Source {
        act: src.act.clone(),
        name: ctx.localized(&src.name, "the source's name")?,
        number: src.number.clone(),
        date: ctx.date(&src.date, "date")?,
        registration: src.registration.clone(),
        effective_from: match &src.effective_from {
            Some(d) => Some(ctx.date(d, "effective_from")?),
            None => None,
        },
        effective_note: src.effective_note.clone(),
        wording: match &src.wording {
            None => None,
            Some(w) => {
                let r = w.get_ref();
                let folded = fold(&r.quote);
                if folded.is_empty() || !fold(&law_text).contains(&folded) {
                    return ctx.err(
                        w.span(),
                        Kind::BadValue(format!(
                            "`wording.quote` '{}' is not in the cited text '{}'",
                            r.quote, src.text
                        )),
                    );
                }
                Some(Wording {
                    quote: r.quote.clone(),
                    text: ctx.localized(&r.text, "the wording's name")?,
                })
            }
        },
        text: src.text.clone(),
    };

    let mut section_ids: HashMap<String, usize> = HashMap::new();
    let mut item_ids: HashMap<String, usize> = HashMap::new();
    let mut sections = Vec::with_capacity(raw.sections.len());
    for raw_section in &raw.sections {
        let s = raw_section.get_ref();
        let sid = ctx.id(&s.id)?;
        let line = ctx.line(s.id.span().start);
        if let Some(&first_line) = section_ids.get(&sid) {
            return ctx.err(
                s.id.span(),
                Kind::DuplicateId {
                    what: "section",
                    id: sid,
                    first_line,
                },
            );
        }
        section_ids.insert(sid.clone(), line);
        let title = ctx.localized(&s.title, &format!("the title of section '{sid}'"))?;
        let mut items = Vec::with_capacity(s.items.len());
        for raw_item in &s.items {
            items.push(item(&ctx, &citations, raw_item, &mut item_ids)?);
        }
        sections.push(Section {
            id: sid,
            title,
            items,
        });
    }
    if sections.iter().all(|s| s.items.is_empty()) {
        return ctx.err(
            0..0,
            Kind::BadValue("the checklist has no items".to_owned()),
        );
    }

    let procedure = match &raw.procedure {
        None => None,
        Some(p) => Some(Procedure {
            no_violations_mark: match &p.no_violations_mark {
                None => None,
                Some(m) => {
                    let r = m.get_ref();
                    let owner = "procedure.no_violations_mark";
                    Some(Mark {
                        reference: citations.check(
                            &ctx,
                            m.span(),
                            owner,
                            &r.reference,
                            &r.quote,
                        )?,
                        quote: r.quote.clone(),
                        text: ctx.localized(&r.text, "the no-violations mark")?,
                    })
                }
            },
            recommendation_deadline: match &p.recommendation_deadline {
                None => None,
                Some(d) => {
                    let r = d.get_ref();
                    let owner = "procedure.recommendation_deadline";
                    if r.max_working_days == 0 {
                        return ctx.err(
                            d.span(),
                            Kind::BadValue(format!("{owner}: max_working_days must be at least 1")),
                        );
                    }
                    Some(DeadlineLimit {
                        max_working_days: r.max_working_days,
                        reference: citations.check(
                            &ctx,
                            d.span(),
                            owner,
                            &r.reference,
                            &r.quote,
                        )?,
                        quote: r.quote.clone(),
                    })
                }
            },
        }),
    };

    Ok(Checklist {
        id,
        version,
        title,
        rule: raw.rule,
        source,
        sections,
        procedure,
    })
}

fn item(
    ctx: &Ctx<'_>,
    citations: &Citations<'_>,
    raw: &Spanned<RawItem>,
    ids: &mut HashMap<String, usize>,
) -> Result<Item, ChecklistError> {
    let r = raw.get_ref();
    let id = ctx.id(&r.id)?;
    if let Some(&first_line) = ids.get(&id) {
        return ctx.err(
            r.id.span(),
            Kind::DuplicateId {
                what: "item",
                id,
                first_line,
            },
        );
    }
    ids.insert(id.clone(), ctx.line(r.id.span().start));

    let kind = r.kind;
    let not_allowed = |field: &'static str, allowed_on: &'static str| {
        ctx.err(
            raw.span(),
            Kind::FieldNotAllowed {
                item: id.clone(),
                kind: kind.to_string(),
                field,
                allowed_on,
            },
        )
    };
    let missing = |field: &'static str| {
        ctx.err(
            raw.span(),
            Kind::FieldMissing {
                item: id.clone(),
                kind: kind.to_string(),
                field,
            },
        )
    };
    match kind {
        ItemKind::Measure => {
            if r.rule.is_none() {
                return missing("rule");
            }
            if r.unit.as_deref().is_none_or(|u| u.trim().is_empty()) {
                return missing("unit");
            }
            if let Some(rule) = &r.rule {
                if !rule.value.is_finite() {
                    return ctx.err(
                        raw.span(),
                        Kind::BadValue(format!("item '{id}': rule value must be a finite number")),
                    );
                }
            }
        }
        _ => {
            if r.rule.is_some() {
                return not_allowed("rule", "measure");
            }
            if r.unit.is_some() {
                return not_allowed("unit", "measure");
            }
        }
    }
    match (kind, &r.inventory) {
        (ItemKind::Inventory, None) => return missing("inventory"),
        (ItemKind::Inventory, Some(spec)) if spec.kinds.is_empty() || spec.roles.is_empty() => {
            return ctx.err(
                raw.span(),
                Kind::BadValue(format!(
                    "item '{id}': inventory needs at least one kind and one role"
                )),
            )
        }
        (ItemKind::Inventory, Some(_)) => {}
        (_, Some(_)) => return not_allowed("inventory", "inventory"),
        (_, None) => {}
    }
    if r.tool.is_some() && !matches!(kind, ItemKind::Check | ItemKind::Pki) {
        return not_allowed("tool", "check and pki");
    }

    let owner = format!("item '{id}'");
    let reference = citations.check(
        ctx,
        r.reference.span(),
        &owner,
        r.reference.get_ref(),
        r.quote.get_ref(),
    )?;
    let text = ctx.localized(&r.text, &format!("the text of item '{id}'"))?;
    let guidance = match &r.guidance {
        Some(g) => Some(ctx.localized(g, &format!("the guidance of item '{id}'"))?),
        None => None,
    };
    Ok(Item {
        id,
        kind,
        reference,
        quote: r.quote.get_ref().clone(),
        text,
        guidance,
        unit: r.unit.clone(),
        rule: r.rule,
        inventory: r.inventory.clone(),
        tool: r.tool,
    })
}
