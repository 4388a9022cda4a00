//! The commission: who sits on it, in which role, for which body.

use serde::{Deserialize, Serialize};

use crate::identity::Iin;

/// A member's role in the commission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Chair (төраға / председатель).
    Chair,
    /// Secretary (хатшы / секретарь).
    Secretary,
    /// Ordinary member (мүше / член).
    Member,
}

/// The body a member represents (224/НҚ §3 ¶4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// The Information Security Committee (the service provider).
    Committee,
    /// The authorized body for technical regulation.
    Techreg,
    /// The national security bodies (ҰҚК / КНБ).
    Knb,
    /// Anyone else.
    Other,
}

impl Role {
    /// The role in English, as used in explanations.
    pub fn label(self) -> &'static str {
        match self {
            Role::Chair => "chair",
            Role::Secretary => "secretary",
            Role::Member => "member",
        }
    }
}

impl Body {
    /// The body in English, as used in explanations.
    pub fn label(self) -> &'static str {
        match self {
            Body::Committee => "Information Security Committee",
            Body::Techreg => "technical regulation body",
            Body::Knb => "national security bodies (KNB)",
            Body::Other => "other",
        }
    }
}

/// One member of the commission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Full name as written in the order that formed the commission.
    pub name: String,
    /// The member's IIN; it ties a digital signature to the member.
    pub iin: Iin,
    /// Role in the commission.
    pub role: Role,
    /// The body the member represents.
    pub body: Body,
    /// Position (лауазымы), as printed in the act; optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// The commission of one inspection, in the order of the order that formed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Roster {
    /// The members.
    pub members: Vec<Member>,
}

impl Roster {
    /// The member with this IIN, if any.
    pub fn find(&self, iin: &Iin) -> Option<&Member> {
        self.members.iter().find(|m| &m.iin == iin)
    }
}
