//! When is an act adopted? The two quorum rules of 224/НҚ, with their explanations.
//!
//! - Accreditation (224/НҚ §13 ¶4): the act is adopted when it bears the signatures of two
//!   thirds of the commission's members, among them the signature of the representative of
//!   the national security bodies (KNB). Integer arithmetic: `3 × signed ≥ 2 × members`.
//! - Revocation examination (224/НҚ §22 ¶2, ¶4): the commission is a chair, a secretary and
//!   members, at least 5; the act is legitimate when at least 3 of its members other than the
//!   secretary sign it.
//!
//! The text leaves three points open; each is a [`Settings`] field with a documented default,
//! and every outcome names the settings it used.
//!
//! [`evaluate`] is pure: the same roster, signatures and settings give the same outcome.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

pub use crate::explain::Reason;
use crate::identity::Iin;
use crate::roster::{Body, Role, Roster};

/// Which quorum rule applies to the act.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Act of the accreditation check (224/НҚ §13).
    Accreditation,
    /// Act of the on-site examination before a revocation (224/НҚ §21–22).
    Revocation,
}

/// Who counts towards the revocation commission's minimum of 5 (224/НҚ §22 ¶2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationMinimum {
    /// The whole commission, chair and secretary included (default).
    #[default]
    WholeCommission,
    /// Only those whose role is `member`.
    MembersOnly,
}

/// The points the text leaves open, made explicit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Whether the secretary counts as a member in the accreditation two-thirds rule, in the
    /// denominator and among the signers. Default `true`: §13 speaks of "the commission's
    /// members" and every listed member counts.
    pub secretary_counts_in_accreditation: bool,
    /// Who counts towards the revocation commission's minimum of 5. Default: the whole
    /// commission (§22 ¶2 says the commission consists of a chair, a secretary and members).
    pub revocation_minimum: RevocationMinimum,
    /// Whether a signature dated after the act's date counts. Default `false` for
    /// accreditation: §13 ¶1 has the act drawn up on the day the check ends, so a later
    /// signature is not counted unless the commission decides otherwise and says so here.
    /// For revocation [`Settings::for_rule`] makes it `true`: §22 ¶3 has the act drawn up "by
    /// the results of the examination's end" and sets no day.
    pub late_signatures_count: bool,
    /// Whether, when the commission has more than one representative of the national security
    /// bodies, every one of them must sign (accreditation). Default `false`: §13 ¶4 asks for
    /// "the signature of the representative of the national security bodies", one signature,
    /// so either of them suffices.
    pub every_knb_member_signs: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secretary_counts_in_accreditation: true,
            revocation_minimum: RevocationMinimum::WholeCommission,
            late_signatures_count: false,
            every_knb_member_signs: false,
        }
    }
}

impl Settings {
    /// The defaults for an act under `rule`: [`Settings::default`], except that a revocation
    /// act counts a signature made after its date (224/НҚ §22 has no same-day rule).
    pub fn for_rule(rule: Rule) -> Settings {
        match rule {
            Rule::Accreditation => Settings::default(),
            Rule::Revocation => Settings {
                late_signatures_count: true,
                ..Settings::default()
            },
        }
    }

    /// The settings in one line of English, as the act and `act verify` state them.
    pub fn describe(&self) -> String {
        format!(
            "secretary_counts_in_accreditation = {}, revocation_minimum = {}, late_signatures_count = {}, every_knb_member_signs = {}",
            self.secretary_counts_in_accreditation,
            match self.revocation_minimum {
                RevocationMinimum::WholeCommission => "whole_commission",
                RevocationMinimum::MembersOnly => "members_only",
            },
            self.late_signatures_count,
            self.every_knb_member_signs
        )
    }
}

/// A signature on the act, already verified by the caller, by the holder of `iin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// The signer's IIN.
    pub iin: Iin,
    /// The day it was made (Kazakhstan time), when known.
    #[serde(default)]
    pub signed_on: Option<Date>,
}

/// The result of [`evaluate`], with its explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Whether the act is adopted (legitimate).
    pub adopted: bool,
    /// How many signatures count.
    pub signed: usize,
    /// How many counting signatures the rule requires.
    pub required: usize,
    /// The names of the members whose signatures count, in roster order.
    pub counted: Vec<String>,
    /// The explanation: the first line is the verdict in one sentence, then every fact that
    /// made it (a composition defect, a signature not counted and why).
    pub reasons: Vec<String>,
    /// The same explanation as message keys with their arguments, for a user interface that
    /// translates it (the English text of each key: [`english`]).
    #[serde(default)]
    pub explanation: Vec<Reason>,
    /// The rule that was applied.
    pub rule: Rule,
    /// The settings that were applied.
    pub settings: Settings,
}

/// Every message of the explanation, in English, with its `{placeholders}`. A user interface
/// translates the same keys with the same placeholders.
pub const MESSAGES: &[(&str, &str)] = &[
    ("accreditation_adopted", "adopted: {signed} of {members} members signed (needs {required}, two thirds), the KNB representative signed (224/НҚ §13 ¶4)"),
    ("accreditation_no_knb", "not adopted: the KNB representative has not signed; 224/НҚ §13 ¶4 requires that signature ({signed} of {members} members signed, needs {required})"),
    ("accreditation_knb_late", "not adopted: the KNB representative {name} signed on {on}, after the act's date {act}, and that signature is not counted (setting late_signatures_count = false); 224/НҚ §13 ¶4 requires it ({signed} of {members} members signed, needs {required})"),
    ("accreditation_knb_excluded", "not adopted: the KNB representative {name} signed as the secretary, who is not counted (setting secretary_counts_in_accreditation = false); 224/НҚ §13 ¶4 requires that signature ({signed} of {members} members signed, needs {required})"),
    ("accreditation_knb_not_all", "not adopted: {name}, a KNB representative, has not signed, and setting every_knb_member_signs = true asks every KNB representative's signature ({signed} of {members} members signed, needs {required})"),
    ("accreditation_too_few", "not adopted: {signed} of {members} members signed, needs {required} (two thirds, 224/НҚ §13 ¶4); the KNB representative signed"),
    ("revocation_adopted", "adopted: {signed} members other than the secretary signed (needs at least {required}, 224/НҚ §22 ¶4)"),
    ("revocation_too_few", "not adopted: {signed} members other than the secretary signed, needs at least {required} (224/НҚ §22 ¶4)"),
    ("not_composed", "not adopted: the commission is not composed as 224/НҚ requires"),
    ("signer_not_on_roster", "a signature by IIN {iin} is not counted: that person is not on the commission's roster"),
    ("signed_twice", "a second signature by IIN {iin} is not counted: one member counts once"),
    ("secretary_not_counted", "{name} (secretary) signed but is not counted: the examination act counts members other than the secretary (224/НҚ §22 ¶4)"),
    ("secretary_not_counted_by_setting", "{name} (secretary) signed but is not counted: setting secretary_counts_in_accreditation = false"),
    ("signed_late", "{name} signed on {on}, after the act's date {act}, and is not counted (setting late_signatures_count = false)"),
    ("listed_twice", "IIN {iin} is listed twice on the roster (a person sits on the commission once)"),
    ("chairs", "the commission has {count} chairs; it can have only one"),
    ("secretaries", "the commission has {count} secretaries; it can have only one"),
    ("no_committee", "the commission has no representative of the Information Security Committee (224/НҚ §3 ¶4 names it among the commission's bodies)"),
    ("no_techreg", "the commission has no representative of the technical regulation body (224/НҚ §3 ¶4 names it among the commission's bodies)"),
    ("no_knb", "the commission has no representative of the national security bodies (KNB) (224/НҚ §3 ¶4 names it among the commission's bodies)"),
    ("no_chair", "the commission has no chair (224/НҚ §22 ¶2)"),
    ("no_secretary", "the commission has no secretary (224/НҚ §22 ¶2)"),
    ("too_small", "the commission has {count} members in all; 224/НҚ §22 ¶2 requires at least 5"),
    ("too_small_members_only", "the commission has {count} members besides the chair and the secretary (setting revocation_minimum = members_only); 224/НҚ §22 ¶2 requires at least 5"),
];

/// A reason of the quorum's explanation in English, its placeholders filled.
pub fn english(reason: &Reason) -> String {
    reason.render(MESSAGES)
}

/// Computes whether an act is adopted.
///
/// `signatures` are the valid, trusted signatures found on the act; a signature by someone
/// not on the roster, or a second signature by the same member, does not count (and the
/// outcome says so). `act_date` is the act's date, used only for
/// [`Settings::late_signatures_count`].
pub fn evaluate(
    rule: Rule,
    roster: &Roster,
    signatures: &[Signature],
    act_date: Option<Date>,
    settings: &Settings,
) -> Outcome {
    let mut notes = Vec::new();
    let defects = composition_defects(rule, roster, settings);

    // Which members signed, each once, in roster order.
    let mut seen = BTreeSet::new();
    for sig in signatures {
        if roster.find(&sig.iin).is_none() {
            notes.push(Reason::new(
                "signer_not_on_roster",
                &[("iin", sig.iin.to_string())],
            ));
        } else if !seen.insert(sig.iin) {
            notes.push(Reason::new("signed_twice", &[("iin", sig.iin.to_string())]));
        }
    }
    let signed_on = |iin: &Iin| {
        signatures
            .iter()
            .find(|s| &s.iin == iin)
            .and_then(|s| s.signed_on)
    };

    let mut counted = Vec::new();
    let mut counted_iins = BTreeSet::new();
    let mut knb_signed = false;
    // A KNB representative who signed but is not counted, and why (the verdict says so).
    let mut knb_uncounted: Option<Reason> = None;
    for member in &roster.members {
        if !seen.contains(&member.iin) {
            continue;
        }
        let knb = member.body == Body::Knb;
        if member.role == Role::Secretary {
            match rule {
                Rule::Revocation => {
                    notes.push(Reason::new(
                        "secretary_not_counted",
                        &[("name", member.name.clone())],
                    ));
                    continue;
                }
                Rule::Accreditation if !settings.secretary_counts_in_accreditation => {
                    notes.push(Reason::new(
                        "secretary_not_counted_by_setting",
                        &[("name", member.name.clone())],
                    ));
                    if knb && knb_uncounted.is_none() {
                        knb_uncounted = Some(Reason::new(
                            "accreditation_knb_excluded",
                            &[("name", member.name.clone())],
                        ));
                    }
                    continue;
                }
                Rule::Accreditation => {}
            }
        }
        if let (Some(on), Some(act)) = (signed_on(&member.iin), act_date) {
            if on > act && !settings.late_signatures_count {
                let args = [
                    ("name", member.name.clone()),
                    ("on", on.to_string()),
                    ("act", act.to_string()),
                ];
                notes.push(Reason::new("signed_late", &args));
                if knb && knb_uncounted.is_none() {
                    knb_uncounted = Some(Reason::new("accreditation_knb_late", &args));
                }
                continue;
            }
        }
        if knb {
            knb_signed = true;
        }
        counted_iins.insert(member.iin);
        counted.push(member.name.clone());
    }

    let signed = counted.len();
    let (adopted, required, verdict) = match rule {
        Rule::Accreditation => {
            let denominator = roster
                .members
                .iter()
                .filter(|m| m.role != Role::Secretary || settings.secretary_counts_in_accreditation)
                .count();
            // The least `s` with 3s ≥ 2n.
            let required = (2 * denominator).div_ceil(3).max(1);
            let enough = 3 * signed >= 2 * denominator && signed >= 1;
            // With every_knb_member_signs, the first KNB representative not counted.
            let knb_missing = roster
                .members
                .iter()
                .filter(|m| m.body == Body::Knb)
                .find(|m| !counted_iins.contains(&m.iin))
                .filter(|_| settings.every_knb_member_signs);
            let knb_ok = knb_signed && knb_missing.is_none();
            let adopted = defects.is_empty() && enough && knb_ok;
            let counts = [
                ("signed", signed.to_string()),
                ("members", denominator.to_string()),
                ("required", required.to_string()),
            ];
            let with_counts = |mut reason: Reason| {
                for (k, v) in &counts {
                    reason.args.insert((*k).to_owned(), v.clone());
                }
                reason
            };
            let verdict = if adopted {
                Reason::new("accreditation_adopted", &counts)
            } else if !defects.is_empty() {
                Reason::new("not_composed", &[])
            } else if !knb_signed {
                match knb_uncounted {
                    Some(reason) => with_counts(reason),
                    None => Reason::new("accreditation_no_knb", &counts),
                }
            } else if let Some(m) = knb_missing {
                with_counts(Reason::new(
                    "accreditation_knb_not_all",
                    &[("name", m.name.clone())],
                ))
            } else {
                Reason::new("accreditation_too_few", &counts)
            };
            (adopted, required, verdict)
        }
        Rule::Revocation => {
            let required = 3;
            let adopted = defects.is_empty() && signed >= required;
            let counts = [
                ("signed", signed.to_string()),
                ("required", required.to_string()),
            ];
            let verdict = if adopted {
                Reason::new("revocation_adopted", &counts)
            } else if !defects.is_empty() {
                Reason::new("not_composed", &[])
            } else {
                Reason::new("revocation_too_few", &counts)
            };
            (adopted, required, verdict)
        }
    };

    let mut explanation = vec![verdict];
    explanation.extend(defects);
    explanation.extend(notes);
    Outcome {
        adopted,
        signed,
        required,
        counted,
        reasons: explanation.iter().map(english).collect(),
        explanation,
        rule,
        settings: *settings,
    }
}

/// What is wrong with the commission itself, whoever signs.
fn composition_defects(rule: Rule, roster: &Roster, settings: &Settings) -> Vec<Reason> {
    let mut defects = Vec::new();
    let members = &roster.members;
    let count = |role: Role| members.iter().filter(|m| m.role == role).count();
    let has = |body: Body| members.iter().any(|m| m.body == body);

    let mut iins = BTreeSet::new();
    for m in members {
        if !iins.insert(m.iin) {
            defects.push(Reason::new("listed_twice", &[("iin", m.iin.to_string())]));
        }
    }
    if count(Role::Chair) > 1 {
        defects.push(Reason::new(
            "chairs",
            &[("count", count(Role::Chair).to_string())],
        ));
    }
    if count(Role::Secretary) > 1 {
        defects.push(Reason::new(
            "secretaries",
            &[("count", count(Role::Secretary).to_string())],
        ));
    }
    match rule {
        Rule::Accreditation => {
            for (body, key) in [
                (Body::Committee, "no_committee"),
                (Body::Techreg, "no_techreg"),
                (Body::Knb, "no_knb"),
            ] {
                if !has(body) {
                    defects.push(Reason::new(key, &[]));
                }
            }
        }
        Rule::Revocation => {
            if count(Role::Chair) == 0 {
                defects.push(Reason::new("no_chair", &[]));
            }
            if count(Role::Secretary) == 0 {
                defects.push(Reason::new("no_secretary", &[]));
            }
            let (size, key) = match settings.revocation_minimum {
                RevocationMinimum::WholeCommission => (members.len(), "too_small"),
                RevocationMinimum::MembersOnly => (count(Role::Member), "too_small_members_only"),
            };
            if size < 5 {
                defects.push(Reason::new(key, &[("count", size.to_string())]));
            }
        }
    }
    defects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::test_iin;
    use crate::roster::Member;
    use proptest::prelude::*;

    fn member(i: u32, role: Role, body: Body) -> Member {
        Member {
            name: format!("M{i}"),
            iin: test_iin(i * 7),
            role,
            body,
            position: None,
        }
    }

    /// Chair (Committee), secretary (Committee), techreg member, KNB member, two more members.
    fn accreditation_roster() -> Roster {
        Roster {
            members: vec![
                member(1, Role::Chair, Body::Committee),
                member(2, Role::Secretary, Body::Committee),
                member(3, Role::Member, Body::Techreg),
                member(4, Role::Member, Body::Knb),
                member(5, Role::Member, Body::Committee),
                member(6, Role::Member, Body::Other),
            ],
        }
    }

    fn signed_by(roster: &Roster, who: &[usize]) -> Vec<Signature> {
        who.iter()
            .map(|&i| Signature {
                iin: roster.members[i].iin,
                signed_on: None,
            })
            .collect()
    }

    fn eval(rule: Rule, roster: &Roster, who: &[usize]) -> Outcome {
        evaluate(
            rule,
            roster,
            &signed_by(roster, who),
            None,
            &Settings::default(),
        )
    }

    #[test]
    fn accreditation_four_of_six_with_knb_is_adopted() {
        let roster = accreditation_roster();
        let o = eval(Rule::Accreditation, &roster, &[0, 2, 3, 5]);
        assert!(o.adopted);
        assert_eq!((o.signed, o.required), (4, 4));
        assert_eq!(o.counted, ["M1", "M3", "M4", "M6"]);
        assert_eq!(
            o.reasons,
            ["adopted: 4 of 6 members signed (needs 4, two thirds), the KNB representative signed (224/НҚ §13 ¶4)"]
        );
    }

    #[test]
    fn accreditation_without_knb_is_not_adopted_and_says_why() {
        let roster = accreditation_roster();
        let o = eval(Rule::Accreditation, &roster, &[0, 1, 2, 4, 5]);
        assert!(!o.adopted);
        assert_eq!(o.signed, 5);
        assert_eq!(
            o.reasons[0],
            "not adopted: the KNB representative has not signed; 224/НҚ §13 ¶4 requires that signature (5 of 6 members signed, needs 4)"
        );
    }

    #[test]
    fn accreditation_three_of_six_is_short() {
        let roster = accreditation_roster();
        let o = eval(Rule::Accreditation, &roster, &[0, 2, 3]);
        assert!(!o.adopted);
        assert_eq!(
            o.reasons[0],
            "not adopted: 3 of 6 members signed, needs 4 (two thirds, 224/НҚ §13 ¶4); the KNB representative signed"
        );
    }

    #[test]
    fn secretary_setting_changes_the_denominator() {
        let roster = accreditation_roster();
        let settings = Settings {
            secretary_counts_in_accreditation: false,
            ..Settings::default()
        };
        // Without the secretary: 5 members, two thirds of 5 is 4 (3×4=12 ≥ 10; 3×3=9 < 10).
        let o = evaluate(
            Rule::Accreditation,
            &roster,
            &signed_by(&roster, &[1, 2, 3, 4]),
            None,
            &settings,
        );
        assert!(!o.adopted);
        assert_eq!((o.signed, o.required), (3, 4));
        assert!(o
            .reasons
            .iter()
            .any(|r| r.contains("M2 (secretary) signed but is not counted")));
    }

    #[test]
    fn bad_compositions_are_named() {
        let mut roster = accreditation_roster();
        roster.members[3].body = Body::Committee; // no KNB left
        roster.members[4].role = Role::Chair; // two chairs
        let o = eval(Rule::Accreditation, &roster, &[0, 1, 2, 3, 4, 5]);
        assert!(!o.adopted);
        assert_eq!(
            o.reasons[0],
            "not adopted: the commission is not composed as 224/НҚ requires"
        );
        assert!(o
            .reasons
            .contains(&"the commission has 2 chairs; it can have only one".to_owned()));
        assert!(o.reasons.iter().any(|r| r.starts_with(
            "the commission has no representative of the national security bodies (KNB)"
        )));
    }

    #[test]
    fn revocation_needs_five_and_three_besides_the_secretary() {
        let mut roster = accreditation_roster();
        roster.members.truncate(4);
        let o = eval(Rule::Revocation, &roster, &[0, 1, 2, 3]);
        assert!(!o.adopted);
        assert!(o.reasons.contains(
            &"the commission has 4 members in all; 224/НҚ §22 ¶2 requires at least 5".to_owned()
        ));

        let roster = accreditation_roster();
        let o = eval(Rule::Revocation, &roster, &[0, 1, 2]);
        assert!(
            !o.adopted,
            "chair + secretary + one member is only 2 besides the secretary"
        );
        assert_eq!(o.signed, 2);
        let o = eval(Rule::Revocation, &roster, &[0, 2, 5]);
        assert!(o.adopted);
        assert_eq!(
            o.reasons[0],
            "adopted: 3 members other than the secretary signed (needs at least 3, 224/НҚ §22 ¶4)"
        );
    }

    #[test]
    fn revocation_members_only_setting() {
        let roster = accreditation_roster(); // 4 with role member
        let settings = Settings {
            revocation_minimum: RevocationMinimum::MembersOnly,
            ..Settings::default()
        };
        let o = evaluate(
            Rule::Revocation,
            &roster,
            &signed_by(&roster, &[0, 2, 3]),
            None,
            &settings,
        );
        assert!(!o.adopted);
        assert!(o
            .reasons
            .iter()
            .any(|r| r
                .starts_with("the commission has 4 members besides the chair and the secretary")));
    }

    #[test]
    fn late_and_foreign_and_double_signatures() {
        let roster = accreditation_roster();
        let act = time::macros::date!(2026 - 11 - 20);
        let mut sigs = signed_by(&roster, &[0, 2, 3, 5]);
        sigs[3].signed_on = Some(time::macros::date!(2026 - 11 - 21));
        sigs.push(sigs[0]);
        sigs.push(Signature {
            iin: test_iin(99_000),
            signed_on: None,
        });
        let o = evaluate(
            Rule::Accreditation,
            &roster,
            &sigs,
            Some(act),
            &Settings::default(),
        );
        assert!(!o.adopted);
        assert_eq!(o.signed, 3);
        assert!(o.reasons.iter().any(|r| r == "M6 signed on 2026-11-21, after the act's date 2026-11-20, and is not counted (setting late_signatures_count = false)"));
        assert!(o
            .reasons
            .iter()
            .any(|r| r.contains("one member counts once")));
        assert!(o
            .reasons
            .iter()
            .any(|r| r.contains("not on the commission's roster")));
        let lenient = Settings {
            late_signatures_count: true,
            ..Settings::default()
        };
        assert!(evaluate(Rule::Accreditation, &roster, &sigs, Some(act), &lenient).adopted);
    }

    #[test]
    fn a_late_knb_signature_is_reported_as_late_not_as_missing() {
        let roster = accreditation_roster();
        let act = time::macros::date!(2026 - 11 - 20);
        let mut sigs = signed_by(&roster, &[0, 1, 2, 3, 4]);
        sigs[3].signed_on = Some(time::macros::date!(2026 - 11 - 23));
        let o = evaluate(
            Rule::Accreditation,
            &roster,
            &sigs,
            Some(act),
            &Settings::default(),
        );
        assert!(!o.adopted);
        assert_eq!(o.reasons[0], "not adopted: the KNB representative M4 signed on 2026-11-23, after the act's date 2026-11-20, and that signature is not counted (setting late_signatures_count = false); 224/НҚ §13 ¶4 requires it (4 of 6 members signed, needs 4)");
    }

    #[test]
    fn a_knb_secretary_excluded_by_the_setting_is_reported_as_excluded() {
        let mut roster = accreditation_roster();
        roster.members[1].body = Body::Knb;
        roster.members[3].body = Body::Committee;
        let settings = Settings {
            secretary_counts_in_accreditation: false,
            ..Settings::default()
        };
        let o = evaluate(
            Rule::Accreditation,
            &roster,
            &signed_by(&roster, &[0, 1, 2, 3, 4]),
            None,
            &settings,
        );
        assert!(!o.adopted);
        assert!(
            o.reasons[0].starts_with("not adopted: the KNB representative M2 signed as the secretary, who is not counted"),
            "{}",
            o.reasons[0]
        );
    }

    #[test]
    fn either_of_two_knb_members_suffices_unless_the_setting_asks_both() {
        let mut roster = accreditation_roster();
        roster.members[5].body = Body::Knb;
        let who = [0, 1, 2, 3];
        assert!(eval(Rule::Accreditation, &roster, &who).adopted);
        let both = Settings {
            every_knb_member_signs: true,
            ..Settings::default()
        };
        let o = evaluate(
            Rule::Accreditation,
            &roster,
            &signed_by(&roster, &who),
            None,
            &both,
        );
        assert!(!o.adopted);
        assert_eq!(o.reasons[0], "not adopted: M6, a KNB representative, has not signed, and setting every_knb_member_signs = true asks every KNB representative's signature (4 of 6 members signed, needs 4)");
        assert!(o.settings.every_knb_member_signs);
    }

    #[test]
    fn a_revocation_act_counts_a_later_signature_by_default() {
        let roster = Roster {
            members: vec![
                member(1, Role::Chair, Body::Committee),
                member(2, Role::Secretary, Body::Committee),
                member(3, Role::Member, Body::Techreg),
                member(4, Role::Member, Body::Knb),
                member(5, Role::Member, Body::Committee),
            ],
        };
        let mut sigs = signed_by(&roster, &[0, 2, 3]);
        sigs[2].signed_on = Some(time::macros::date!(2026 - 11 - 24));
        let act = Some(time::macros::date!(2026 - 11 - 20));
        let settings = Settings::for_rule(Rule::Revocation);
        assert!(settings.late_signatures_count);
        assert!(evaluate(Rule::Revocation, &roster, &sigs, act, &settings).adopted);
        assert!(!Settings::for_rule(Rule::Accreditation).late_signatures_count);
    }

    fn arb_roster() -> impl Strategy<Value = Roster> {
        let role = prop_oneof![
            Just(Role::Chair),
            Just(Role::Secretary),
            Just(Role::Member),
            Just(Role::Member)
        ];
        let body = prop_oneof![
            Just(Body::Committee),
            Just(Body::Techreg),
            Just(Body::Knb),
            Just(Body::Other)
        ];
        proptest::collection::vec((role, body), 1..10).prop_map(|spec| Roster {
            members: spec
                .into_iter()
                .enumerate()
                .map(|(i, (role, body))| member(u32::try_from(i).unwrap() + 1, role, body))
                .collect(),
        })
    }

    fn arb_settings() -> impl Strategy<Value = Settings> {
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(s, m, l, k)| {
            Settings {
                secretary_counts_in_accreditation: s,
                revocation_minimum: if m {
                    RevocationMinimum::MembersOnly
                } else {
                    RevocationMinimum::WholeCommission
                },
                late_signatures_count: l,
                every_knb_member_signs: k,
            }
        })
    }

    fn arb_rule() -> impl Strategy<Value = Rule> {
        prop_oneof![Just(Rule::Accreditation), Just(Rule::Revocation)]
    }

    proptest! {
        #[test]
        fn adding_a_signature_never_unadopts(
            roster in arb_roster(),
            rule in arb_rule(),
            settings in arb_settings(),
            mask in any::<u16>(),
            extra in 0usize..10,
        ) {
            let n = roster.members.len();
            let who: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
            let before = evaluate(rule, &roster, &signed_by(&roster, &who), None, &settings);
            let mut more = who.clone();
            more.push(extra % n);
            let after = evaluate(rule, &roster, &signed_by(&roster, &more), None, &settings);
            prop_assert!(!before.adopted || after.adopted, "before: {:?}\nafter: {:?}", before.reasons, after.reasons);
            prop_assert!(after.signed >= before.signed);
            // Every line of the explanation is a known message with every placeholder filled.
            for o in [&before, &after] {
                prop_assert_eq!(o.reasons.len(), o.explanation.len());
                for r in &o.explanation {
                    prop_assert!(MESSAGES.iter().any(|(key, _)| *key == r.key), "unknown key {}", r.key);
                    prop_assert!(!english(r).contains('{'), "unfilled: {}", english(r));
                }
            }
        }

        #[test]
        fn accreditation_without_knb_signature_is_never_adopted(
            roster in arb_roster(),
            settings in arb_settings(),
            mask in any::<u16>(),
        ) {
            let who: Vec<usize> = (0..roster.members.len())
                .filter(|&i| mask & (1 << i) != 0 && roster.members[i].body != Body::Knb)
                .collect();
            let o = evaluate(Rule::Accreditation, &roster, &signed_by(&roster, &who), None, &settings);
            prop_assert!(!o.adopted);
        }

        #[test]
        fn revocation_never_counts_the_secretary(
            roster in arb_roster(),
            settings in arb_settings(),
            mask in any::<u16>(),
        ) {
            let who: Vec<usize> = (0..roster.members.len()).filter(|i| mask & (1 << i) != 0).collect();
            let o = evaluate(Rule::Revocation, &roster, &signed_by(&roster, &who), None, &settings);
            let secretaries: Vec<&str> = roster.members.iter()
                .filter(|m| m.role == Role::Secretary).map(|m| m.name.as_str()).collect();
            prop_assert!(o.counted.iter().all(|c| !secretaries.contains(&c.as_str())));
            let non_secretary_signers = who.iter().filter(|&&i| roster.members[i].role != Role::Secretary).count();
            prop_assert_eq!(o.signed, non_secretary_signers);
        }

        #[test]
        fn accreditation_adoption_is_two_thirds_with_knb(
            roster in arb_roster(),
            mask in any::<u16>(),
        ) {
            // Cross-check the rule against its plain statement with the default settings.
            let who: Vec<usize> = (0..roster.members.len()).filter(|i| mask & (1 << i) != 0).collect();
            let o = evaluate(Rule::Accreditation, &roster, &signed_by(&roster, &who), None, &Settings::default());
            let n = roster.members.len();
            let knb = who.iter().any(|&i| roster.members[i].body == Body::Knb);
            let composed = roster.members.iter().filter(|m| m.role == Role::Chair).count() <= 1
                && roster.members.iter().filter(|m| m.role == Role::Secretary).count() <= 1
                && [Body::Committee, Body::Techreg, Body::Knb].iter().all(|b| roster.members.iter().any(|m| m.body == *b));
            prop_assert_eq!(o.adopted, composed && knb && 3 * who.len() >= 2 * n);
        }
    }
}
