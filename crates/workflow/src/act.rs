//! The act's life in the store: rendered from a sealed inspection, signed by each member in
//! turn, verified against the trusted roots; a member who does not sign writes a dissent.

use serde::Serialize;
use tekseru_act::{Languages, RenderOptions, SignatureReport, Signer};
use tekseru_core::{quorum, Iin};
use tekseru_store::{ActRevision, Inspection, Store, StoreError};
use time::OffsetDateTime;

use crate::data::{act_data, act_text, kazakhstan};
use crate::error::{Result, WorkflowError};
use crate::Progress;

/// Revision kinds the store keeps for the act itself (dissent notices are separate).
const RENDERED: &str = "rendered";
const SIGNED: &str = "signed";
const DISSENT: &str = "dissent";

/// An act revision and its bytes.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The revision as the store keeps it.
    pub revision: ActRevision,
    /// The PDF.
    pub pdf: Vec<u8>,
}

/// Where the act stands: its latest revision, verified.
#[derive(Clone, Debug, Serialize)]
pub struct ActStatus {
    /// The latest revision of the act.
    pub revision: ActRevision,
    /// Its pages.
    pub pages: usize,
    /// Every signature on it, in order.
    pub signatures: Vec<SignatureReport>,
    /// Whether bytes follow the last signature.
    pub modified_after_last_signature: bool,
    /// Whether the attached manifest is intact and covered by every signature.
    pub manifest_matches: bool,
    /// Whether the rendered pages are the manifest's, drawn again.
    pub pages_shown: tekseru_act::Pages,
    /// Whether the act's roster, rule, settings and audit head are the inspection's and its
    /// seal's.
    pub roster_confirmed: bool,
    /// The quorum over the valid, trusted signatures of roster members.
    pub quorum: quorum::Outcome,
    /// Every problem found, one sentence each.
    pub reasons: Vec<String>,
    /// Whether every signature is valid and trusted and the quorum is met.
    pub ok: bool,
    /// Changes made to the inspection since the act was rendered: the act no longer shows
    /// them, and it must be rendered (and signed) again.
    pub amendments: usize,
    /// The trusted roots it was checked against.
    pub trusted_roots: usize,
}

/// The latest revision of the act (rendered or signed), with its bytes.
pub fn latest_act(store: &Store, inspection: &Inspection) -> Result<Option<Rendered>> {
    let Some(revision) = inspection
        .acts
        .iter()
        .rev()
        .find(|a| a.kind == RENDERED || a.kind == SIGNED)
    else {
        return Ok(None);
    };
    let pdf = store.blob(&revision.sha256)?;
    Ok(Some(Rendered {
        revision: revision.clone(),
        pdf,
    }))
}

/// The members who signed the latest act: the `signed` revisions since the last render.
fn signers(inspection: &Inspection) -> Vec<Iin> {
    let mut out = Vec::new();
    for act in &inspection.acts {
        match act.kind.as_str() {
            RENDERED => out.clear(),
            SIGNED => out.extend(act.member),
            _ => {}
        }
    }
    out
}

/// Refuses while laptops' versions of a field disagree: the act would show one of them as
/// if it were the commission's.
fn refuse_open_conflicts(inspection: &Inspection, what: &str) -> Result<()> {
    if inspection.conflicts.is_empty() {
        return Ok(());
    }
    Err(WorkflowError::Refused(format!(
        "the act is not {what} while {} conflict(s) between laptops are open ({}): resolve each with `tekseru inspection resolve {} ITEM FIELD --take DEVICE_ID|--value VALUE`, or in the conflicts panel",
        inspection.conflicts.len(),
        inspection.conflicts_named(5),
        inspection.id
    )))
}

/// Renders the act of inspection `id`, seals the inspection at the head the act carries and
/// keeps the PDF as a new revision. `created` is the PDF's creation time. Refused when the
/// latest act carries signatures and nothing changed since: rendering again would silently
/// start the signing over, and while a conflict between laptops is open (naming them).
/// Cancelling (`progress` returns `false`) writes nothing.
pub fn render(
    store: &mut Store,
    id: &str,
    languages: Languages,
    created: OffsetDateTime,
    progress: Progress<'_>,
) -> Result<Rendered> {
    let inspection = store.inspection(id)?;
    refuse_open_conflicts(&inspection, "rendered")?;
    let signed = signers(&inspection);
    if !signed.is_empty() && inspection.amendments == 0 {
        return Err(WorkflowError::Refused(format!(
            "the act already carries {} signature(s) and the inspection has not changed since it was rendered; \
             rendering it again would start the signing over",
            signed.len()
        )));
    }
    let data = act_data(store, &inspection, &inspection.audit_head, progress)?;
    let pdf = tekseru_act::render_act(
        &data,
        &RenderOptions {
            languages,
            created: created.to_offset(kazakhstan()),
        },
    )?;
    // One transaction, refused when another writer changed the inspection meanwhile: no
    // inspection is ever sealed at a head that no stored act shows.
    let revision = match store.seal_act(id, &inspection.audit_head, &pdf) {
        Err(StoreError::HeadMoved(_)) => {
            return Err(WorkflowError::Refused(
                "the inspection changed while the act was being rendered; render it again".into(),
            ))
        }
        other => other?,
    };
    Ok(Rendered { revision, pdf })
}

/// Adds `member`'s signature to the latest revision of the act and keeps the result as a new
/// revision. Refused, with the reason, while a conflict between laptops is open, when there
/// is no act, when the inspection changed
/// after it was rendered, when an item has no verdict, when the act states no conclusions
/// (224/НҚ §13 ¶1), when the member dissented or already signed; the act crate refuses a member not on the roster and a certificate that is not
/// theirs or has expired.
pub fn sign(
    store: &mut Store,
    id: &str,
    member: &Iin,
    signer: &dyn Signer,
    now: OffsetDateTime,
) -> Result<Rendered> {
    let inspection = store.inspection(id)?;
    refuse_open_conflicts(&inspection, "signed")?;
    let Some(latest) = latest_act(store, &inspection)? else {
        return Err(WorkflowError::Refused(
            "there is no act to sign yet: render it first".into(),
        ));
    };
    if inspection.amendments > 0 {
        return Err(WorkflowError::Refused(format!(
            "the inspection changed after the act was rendered ({} change(s)): render the act again, then sign",
            inspection.amendments
        )));
    }
    let undecided: Vec<&str> = inspection
        .checklist
        .items()
        .map(|(_, item)| item)
        .filter(|item| {
            inspection
                .answer(&item.id)
                .is_none_or(|a| a.verdict.is_none())
        })
        .map(|item| item.id.as_str())
        .collect();
    if !undecided.is_empty() {
        let shown: Vec<&str> = undecided.iter().take(5).copied().collect();
        return Err(WorkflowError::Refused(format!(
            "{} item(s) have no verdict yet ({}{}): an act is signed only when every item is decided",
            undecided.len(),
            shown.join(", "),
            if undecided.len() > shown.len() { ", …" } else { "" }
        )));
    }
    if inspection.conclusions.trim().is_empty() {
        return Err(WorkflowError::Refused(
            "the act states no conclusions, and 224/НҚ §13 ¶1 asks it to: write them, render the act again, then sign".into(),
        ));
    }
    if let Some(d) = inspection.dissents.iter().find(|d| &d.iin == member) {
        return Err(WorkflowError::Refused(format!(
            "{member} recorded a dissent ({}) and does not sign",
            d.reason
        )));
    }
    if signers(&inspection).contains(member) {
        return Err(WorkflowError::Refused(format!(
            "{member} has already signed this act"
        )));
    }
    let pdf = tekseru_act::sign(&latest.pdf, member, signer, now)?;
    let revision = match store.store_act(id, &inspection.audit_head, &pdf, SIGNED, Some(*member))
    {
        Err(StoreError::HeadMoved(_)) => {
            return Err(WorkflowError::Refused(
                "the inspection changed while the act was being signed; nothing was kept: render the act again, then sign"
                    .into(),
            ))
        }
        other => other?,
    };
    Ok(Rendered { revision, pdf })
}

/// The latest act of inspection `id`, verified against the store's trusted roots; `None`
/// before the first render.
pub fn status(store: &Store, id: &str) -> Result<Option<ActStatus>> {
    let inspection = store.inspection(id)?;
    refuse_open_conflicts(&inspection, "signed")?;
    let Some(latest) = latest_act(store, &inspection)? else {
        return Ok(None);
    };
    let roots = crate::trust::trusted_roots(store)?;
    // The roster, rule, settings and audit head are the inspection's, not the act's say-so.
    let options = tekseru_act::VerifyOptions {
        trust: roots.clone(),
        roster: Some(tekseru_act::ExpectedRoster {
            roster: inspection.roster.clone(),
            rule: Some(inspection.checklist.rule),
            settings: Some(quorum::Settings::default()),
            audit_head: Some(
                inspection
                    .seal
                    .as_ref()
                    .map(|s| s.head.clone())
                    .unwrap_or_default(),
            ),
        }),
        ..tekseru_act::VerifyOptions::default()
    };
    let verification = tekseru_act::verify(&latest.pdf, &options)?;
    let pages = lopdf::Document::load_mem(&latest.pdf)
        .map(|doc| doc.get_pages().len())
        .map_err(|e| WorkflowError::Refused(format!("the stored act cannot be read: {e}")))?;
    Ok(Some(ActStatus {
        revision: latest.revision,
        pages,
        signatures: verification.signatures,
        modified_after_last_signature: verification.modified_after_last_signature,
        manifest_matches: verification.manifest_matches,
        pages_shown: verification.pages,
        roster_confirmed: verification.roster_confirmed,
        quorum: verification.quorum,
        reasons: verification.reasons,
        ok: verification.ok && inspection.amendments == 0,
        amendments: inspection.amendments,
        trusted_roots: roots.len(),
    }))
}

/// Records why `member` does not sign and writes the notice to the service provider
/// (224/НҚ §13), kept in the store as a `dissent` revision.
pub fn dissent(
    store: &mut Store,
    id: &str,
    member: &Iin,
    reason: &str,
    languages: Languages,
    now: OffsetDateTime,
) -> Result<Rendered> {
    let before = store.inspection(id)?;
    if signers(&before).contains(member) {
        return Err(WorkflowError::Refused(format!(
            "{member} has already signed this act; a dissent comes instead of a signature"
        )));
    }
    store.record_dissent(id, *member, reason)?;
    let inspection = store.inspection(id)?;
    // The notice shows no photos: nothing to decode.
    let data = act_text(&inspection, &inspection.audit_head);
    let options = RenderOptions {
        languages,
        created: now.to_offset(kazakhstan()),
    };
    let pdf = tekseru_act::render_dissent(&data, member, reason, &options)?;
    let revision = store.store_act(id, &inspection.audit_head, &pdf, DISSENT, Some(*member))?;
    Ok(Rendered { revision, pdf })
}
