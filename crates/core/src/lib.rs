/*!
The domain of tekseru: legal checklists, the commission and the quorum of the act.

# Brief overview

A [`Checklist`] is a legal checklist loaded from a TOML file (`checklists/`), validated
against its schema and against the legal text it cites ([`law`]). A [`Roster`] lists the
commission's [`Member`]s, each identified by an [`Iin`]. [`quorum::evaluate`] says whether
an act is adopted under the rule of 224/НҚ §13 (accreditation) or §22 (revocation), and why.

This crate knows nothing of storage, PDF, networks or user interfaces: it takes values and
returns values.

# Example

```
use tekseru_core::{quorum, Iin, Member, Role, Body, Roster};

let member = |name: &str, iin: &str, role, body| Member {
    name: name.into(), iin: Iin::parse(iin).unwrap(), role, body, position: None,
};
let roster = Roster { members: vec![
    member("Chair", "880101300010", Role::Chair, Body::Committee),
    member("Techreg", "900202400012", Role::Member, Body::Techreg),
    member("KNB", "850303500016", Role::Member, Body::Knb),
]};
let signatures: Vec<quorum::Signature> = roster.members.iter()
    .map(|m| quorum::Signature { iin: m.iin, signed_on: None }).collect();
let outcome = quorum::evaluate(quorum::Rule::Accreditation, &roster, &signatures[1..], None,
    &quorum::Settings::default());
assert!(outcome.adopted);
assert_eq!(outcome.reasons[0],
    "adopted: 2 of 3 members signed (needs 2, two thirds), the KNB representative signed (224/НҚ §13 ¶4)");
```
*/
#![deny(missing_docs)]

pub mod catalog;
mod checklist;
pub mod dates;
pub mod explain;
mod identity;
pub mod law;
pub mod phrasebook;
pub mod quorum;
mod roster;

pub use crate::{
    checklist::{
        Checklist, ChecklistError, ChecklistErrorKind, DeadlineLimit, InventorySpec, Item,
        ItemKind, Localized, Mark, MeasureRule, Op, Procedure, Section, Source, Tool, Verdict,
        Wording,
    },
    identity::{Bin, IdentityError, Iin},
    roster::{Body, Member, Role, Roster},
};

/// Unicode NFC, the one normalization every stored and printed text goes through.
pub fn nfc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfc().collect()
}
