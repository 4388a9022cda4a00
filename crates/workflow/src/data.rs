//! The act's data, read from an inspection in the store.

use tekseru_act::{
    ActData, ActItem, Basis, Bilingual, Ca, Dissent, Equipment, EvidenceEntry, EvidenceRef,
    InventoryRow, Measurement, Notice, Photo, Recommendation, Site,
};
use tekseru_core::{quorum::Rule, Checklist, Item, Localized, Verdict};
use tekseru_store::{Inspection, Store};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::error::{Result, WorkflowError};
use crate::Progress;

/// Kazakhstan's time zone (one zone, UTC+5, since 1 March 2024).
pub(crate) fn kazakhstan() -> UtcOffset {
    UtcOffset::from_hms(5, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// Today's date in Kazakhstan.
pub fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(kazakhstan()).date()
}

fn same(text: &str) -> Bilingual {
    Bilingual {
        kk: text.to_owned(),
        ru: text.to_owned(),
    }
}

fn bilingual(text: &Localized) -> Bilingual {
    Bilingual {
        kk: text.kk.clone(),
        ru: text.ru.clone(),
    }
}

/// Paragraphs of the inspectors' prose: one per non-empty line.
fn paragraphs(text: &str) -> Vec<Bilingual> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(same)
        .collect()
}

/// The step whose date ends the on-site work, per procedure.
fn onsite_done_step(rule: Rule) -> &'static str {
    match rule {
        Rule::Accreditation => "onsite-check-done",
        Rule::Revocation => "examination-done",
    }
}

/// The place the act is drawn up: the site address's first part (its city), e.g.
/// `Астана қ.` of `Астана қ., Мәңгілік Ел даңғылы, 55`.
fn place(site: &str) -> Bilingual {
    same(site.split(',').next().unwrap_or(site).trim())
}

/// Reads the inspection into the act's data. `audit_head` is the sealed head the act
/// carries. Photos come from the store's thumbnails; `progress` counts them.
pub fn act_data(
    store: &Store,
    inspection: &Inspection,
    audit_head: &str,
    progress: Progress<'_>,
) -> Result<ActData> {
    let photos = photos(store, inspection, progress)?;
    let mut data = act_text(inspection, audit_head);
    for item in &mut data.items {
        let evidence: Vec<_> = inspection
            .evidence
            .iter()
            .filter(|e| e.item.as_deref() == Some(item.id.as_str()))
            .collect();
        item.pki = crate::measured::measured(store, &inspection.id, &evidence)?;
    }
    Ok(ActData { photos, ..data })
}

/// The photos of annex B, each with its store thumbnail (made now when it was never shown).
fn photos(store: &Store, inspection: &Inspection, progress: Progress<'_>) -> Result<Vec<Photo>> {
    let checklist = &inspection.checklist;
    let images: Vec<_> = inspection
        .evidence
        .iter()
        .filter(|e| e.media_type == "image/jpeg" || e.media_type == "image/png")
        .collect();
    let total = images.len() as u64;
    let mut photos = Vec::with_capacity(images.len());
    for (done, evidence) in images.into_iter().enumerate() {
        if !progress(done as u64, total) {
            return Err(WorkflowError::Cancelled);
        }
        let caption = evidence
            .item
            .as_deref()
            .and_then(|id| checklist.item(id))
            .map(|item| item.reference.clone());
        photos.push(Photo {
            sha256: evidence.sha256.clone(),
            name: evidence.name.clone(),
            caption,
            taken_at: evidence.captured_at.clone(),
            image: store.thumbnail(&evidence.sha256)?.unwrap_or_default(),
        });
    }
    progress(total, total);
    Ok(photos)
}

/// The act's data without its photos: everything the store's tables say, nothing decoded
/// (what a dissent notice needs).
pub(crate) fn act_text(inspection: &Inspection, audit_head: &str) -> ActData {
    let checklist = &inspection.checklist;
    let details = &inspection.details;
    let end = inspection
        .events
        .iter()
        .find(|e| e.step == onsite_done_step(checklist.rule))
        .map(|e| e.date)
        .unwrap_or_else(crate::today);
    let recorded = |step: &str| {
        inspection
            .events
            .iter()
            .find(|e| e.step == step)
            .map(|e| e.date)
    };

    let items = act_items(inspection);
    // The violations: every failing item, then those the inspectors wrote; the prose of the
    // actual state is not a violation (224/НҚ §13 ¶1 keeps the two apart).
    let mut findings: Vec<Bilingual> = violations(checklist, inspection);
    findings.extend(details.violations.iter().map(|v| same(v)));

    ActData {
        inspection_id: inspection.id.clone(),
        training: inspection.training,
        act_number: details
            .act_number
            .clone()
            .unwrap_or_else(|| act_number(&inspection.id)),
        place: place(&inspection.site),
        ca: Ca {
            name: inspection.ca_name.clone(),
            bin: inspection.bin,
            legal_address: details.legal_address.clone(),
        },
        site: Site {
            address: inspection.site.clone(),
            representatives: details.present.clone(),
        },
        start: details.onsite_start.filter(|s| *s <= end),
        end,
        basis: Basis {
            checklist_id: checklist.id.clone(),
            checklist_version: checklist.version.clone(),
            source_act: checklist.source.act.clone(),
            source_name: bilingual(&checklist.source.name),
            paragraphs: match checklist.rule {
                Rule::Accreditation => paragraphs_of(checklist),
                // The examination is notified under §21 ¶5 and made under §22.
                Rule::Revocation => "§21 ¶5, §22".to_owned(),
            },
            source_date: Some(checklist.source.date),
            source_registration: Some(checklist.source.registration.clone())
                .filter(|r| !r.is_empty()),
            wording: checklist
                .source
                .wording
                .as_ref()
                .map(|w| bilingual(&w.text)),
            commission_order: details.commission_order.clone(),
            commission_order_date: details.commission_order_date,
            // The application's (or complaint's) date is among the procedure's dates.
            application: None,
            notices: notices(checklist.rule, &recorded),
            subject: details.subject.clone(),
        },
        roster: inspection.roster.clone(),
        rule: checklist.rule,
        settings: inspection.settings,
        documentary_check: recorded("documentary-check-done").map(|d| Bilingual {
            kk: format!(
                "Құжаттық тексеру {} аяқталды (224/НҚ §12 ¶1).",
                tekseru_core::dates::official(d, "kk")
            ),
            ru: format!(
                "Документарная проверка завершена {} (224/НҚ §12 ¶1).",
                tekseru_core::dates::official(d, "ru")
            ),
        }),
        items,
        photos: Vec::new(),
        findings,
        actual_state: paragraphs(&inspection.findings),
        conclusions: paragraphs(&inspection.conclusions),
        recommendations: inspection
            .recommendations
            .iter()
            .map(|r| recommendation(r, recorded("recommendations-received")))
            .collect(),
        no_violations_mark: checklist
            .procedure
            .as_ref()
            .and_then(|p| p.no_violations_mark.as_ref())
            .map(|m| bilingual(&m.text)),
        dissents: inspection
            .dissents
            .iter()
            .map(|d| Dissent {
                iin: d.iin,
                reason: d.reason.clone(),
            })
            .collect(),
        audit_head: audit_head.to_owned(),
        evidence: inspection
            .evidence
            .iter()
            .map(|e| EvidenceEntry {
                item: e.item.clone().unwrap_or_default(),
                name: e.name.clone(),
                size: e.bytes,
                sha256: e.sha256.clone(),
            })
            .collect(),
        renderer: None,
        languages: None,
    }
}

/// The procedure's dates the act states: the application (or complaint) and the notices to
/// the CA (224/НҚ §10 ¶1, §12 ¶4; §21 ¶5), each named as the procedure names its step.
fn notices(rule: Rule, recorded: &dyn Fn(&str) -> Option<Date>) -> Vec<Notice> {
    let (procedure, steps): (&str, &[&str]) = match rule {
        Rule::Accreditation => (
            "accreditation",
            &["application-registered", "ca-notified", "onsite-notice"],
        ),
        Rule::Revocation => ("revocation", &["complaint-received", "examination-notice"]),
    };
    let Ok(procedures) = tekseru_calendar::Procedures::embedded() else {
        return Vec::new();
    };
    let Some(procedure) = procedures.get(procedure) else {
        return Vec::new();
    };
    steps
        .iter()
        .filter_map(|id| {
            let step = procedure.step(id)?;
            Some(Notice {
                what: Bilingual {
                    kk: step.title.kk.clone(),
                    ru: step.title.ru.clone(),
                },
                reference: step.basis.reference.clone(),
                date: recorded(id)?,
            })
        })
        .collect()
}

/// A recommendation as the act prints it: its text and term, the agreed longer term instead
/// when there is one (224/НҚ §21 ¶4, §22 ¶8), and the last day of the term when the CA's
/// receipt of the recommendations is recorded.
fn recommendation(r: &tekseru_store::Recommendation, received: Option<Date>) -> Recommendation {
    let text = match (r.agreed_working_days, r.deadline_working_days) {
        (Some(agreed), own) => {
            let own_kk = own
                .map(|n| format!(", ұсынымда белгіленген {n} жұмыс күнінің орнына"))
                .unwrap_or_default();
            let own_ru = own
                .map(|n| format!(", вместо установленных рекомендацией {n} рабочих дней"))
                .unwrap_or_default();
            Bilingual {
                kk: format!(
                    "{} — келісім бойынша айқындалған мерзім: {agreed} жұмыс күні ішінде{own_kk} (224/НҚ §22 ¶8)",
                    r.text
                ),
                ru: format!(
                    "{} — срок, определённый по соглашению: в течение {agreed} рабочих дней{own_ru} (224/НҚ §22 ¶8)",
                    r.text
                ),
            }
        }
        (None, Some(n)) => Bilingual {
            kk: format!("{} — {n} жұмыс күні ішінде", r.text),
            ru: format!("{} — в течение {n} рабочих дней", r.text),
        },
        (None, None) => same(&r.text),
    };
    let deadline = match (received, r.term(), tekseru_calendar::Calendar::embedded()) {
        (Some(from), Some(n), Ok(calendar)) => calendar.add_working_days(from, n).ok(),
        _ => None,
    };
    Recommendation { text, deadline }
}

/// The act's number: the inspection id's first eight characters, upper case.
fn act_number(id: &str) -> String {
    id.chars().take(8).collect::<String>().to_uppercase()
}

/// The paragraphs the checklist's items cite, e.g. `§12` or `§12, §21, §22`.
fn paragraphs_of(checklist: &Checklist) -> String {
    let mut seen: Vec<String> = Vec::new();
    for (_, item) in checklist.items() {
        // A reference reads `224/НҚ §12(15)`, `224/НҚ §21 ¶5` or `224/НҚ Annex 1 item 9`.
        let Some(rest) = item.reference.split_whitespace().nth(1) else {
            continue;
        };
        let paragraph: String = rest.chars().take_while(|c| *c != '(').collect();
        if paragraph.starts_with('§') && !seen.contains(&paragraph) {
            seen.push(paragraph);
        }
    }
    seen.join(", ")
}

/// One line per failing item: the violations the act lists, whatever the prose says.
fn violations(checklist: &Checklist, inspection: &Inspection) -> Vec<Bilingual> {
    checklist
        .items()
        .map(|(_, item)| item)
        .filter(|item| {
            inspection
                .answer(&item.id)
                .is_some_and(|a| a.verdict == Some(Verdict::Fails))
        })
        .map(|item| {
            let note = inspection
                .answer(&item.id)
                .and_then(|a| a.note.as_deref())
                .map(|n| format!(" — {n}"))
                .unwrap_or_default();
            let value = measured(item, inspection);
            Bilingual {
                kk: format!(
                    "{} ({}){value}{note}",
                    trim_period(&item.text.kk),
                    item.reference
                ),
                ru: format!(
                    "{} ({}){value}{note}",
                    trim_period(&item.text.ru),
                    item.reference
                ),
            }
        })
        .collect()
}

fn trim_period(text: &str) -> &str {
    text.trim().trim_end_matches(['.', ';'])
}

/// `: 2.31 m` for a measured item.
fn measured(item: &Item, inspection: &Inspection) -> String {
    match inspection.answer(&item.id).and_then(|a| a.value) {
        Some(v) => format!(": {v} {}", item.unit.as_deref().unwrap_or(""))
            .trim_end()
            .to_owned(),
        None => String::new(),
    }
}

fn act_items(inspection: &Inspection) -> Vec<ActItem> {
    let checklist = &inspection.checklist;
    let mut out = Vec::new();
    for section in &checklist.sections {
        for item in &section.items {
            let answer = inspection.answer(&item.id);
            out.push(ActItem {
                id: item.id.clone(),
                section: bilingual(&section.title),
                reference: item.reference.clone(),
                requirement: bilingual(&item.text),
                kind: item.kind,
                verdict: answer.and_then(|a| a.verdict),
                measurement: answer.and_then(|a| a.value).map(|value| Measurement {
                    value,
                    unit: item.unit.clone().unwrap_or_default(),
                    rule: item.rule,
                }),
                inventory: answer
                    .and_then(|a| a.inventory.as_ref())
                    .map(|rows| rows.iter().map(inventory_row).collect())
                    .unwrap_or_default(),
                note: answer.and_then(|a| a.note.clone()),
                evidence: inspection
                    .evidence
                    .iter()
                    .filter(|e| e.item.as_deref() == Some(item.id.as_str()))
                    .map(|e| EvidenceRef {
                        sha256: e.sha256.clone(),
                        name: e.name.clone(),
                    })
                    .collect(),
                pki: Vec::new(),
            });
        }
    }
    out
}

/// The store's row (declared and/or found flags) as the act's declared-vs-found row.
fn inventory_row(row: &tekseru_store::InventoryRow) -> InventoryRow {
    let equipment = Equipment {
        manufacturer: row.manufacturer.clone(),
        model: row.model.clone(),
        serial: row.serial.clone(),
        location: row.location.clone(),
    };
    InventoryRow {
        kind: row.kind.clone(),
        role: row.role.clone(),
        declared: if row.declared {
            equipment.clone()
        } else {
            Equipment::default()
        },
        found: row.found.then_some(equipment),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_is_the_city_of_the_site() {
        assert_eq!(place("Астана қ., Мәңгілік Ел, 55").kk, "Астана қ.");
        assert_eq!(place("Алматы").ru, "Алматы");
    }

    #[test]
    fn act_number_is_short_and_upper_case() {
        assert_eq!(act_number("a1b2c3d4e5f6"), "A1B2C3D4");
    }
}
