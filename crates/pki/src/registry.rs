//! The registry of OIDs registered by the service provider (the NCA RK arc 1.2.398.3.* that
//! is known, and the standard EKUs its certificates carry): an editable TOML file shipped in
//! `assets/pki/oid-registry.toml`, validated on load with the file, line and reason.
//!
//! ```toml
//! [[oid]]
//! oid = "1.2.398.3.3.4.1.1"
//! kind = "role"                      # policy, eku or role
//! name = { en = "individual", ru = "физическое лицо", kk = "жеке тұлға" }   # en required
//! source = "where it is known from"  # required
//! ```

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The registry shipped with tekseru.
pub const SHIPPED: &str = include_str!("../../../assets/pki/oid-registry.toml");
/// The name the shipped registry is reported under.
pub const SHIPPED_NAME: &str = "assets/pki/oid-registry.toml";

/// What an OID identifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A certificate policy (certificatePolicies).
    Policy,
    /// An extended key usage.
    Eku,
    /// A holder's role: an EKU of the NCA RK arc 1.2.398.3.3.4.*.
    Role,
}

impl Kind {
    /// `policy`, `eku` or `role`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::Eku => "eku",
            Kind::Role => "role",
        }
    }
}

/// A name in the three languages of the act; only English is required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Names {
    /// Kazakh.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kk: Option<String>,
    /// Russian.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ru: Option<String>,
    /// English.
    pub en: String,
}

/// One registered OID.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The OID, dotted.
    pub oid: String,
    /// What it identifies.
    pub kind: Kind,
    /// Its name.
    pub name: Names,
    /// Where it is known from.
    pub source: String,
}

/// A registry, loaded and validated.
#[derive(Clone, Debug)]
pub struct Registry {
    /// The file it came from.
    pub file: String,
    entries: Vec<Entry>,
    index: HashMap<(String, Kind), usize>,
}

/// A registry file that cannot be used: where and why.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}{}: {reason}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct RegistryError {
    /// The file.
    pub file: String,
    /// The 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    oid: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    oid: Spanned<String>,
    kind: Spanned<String>,
    name: Spanned<RawNames>,
    source: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNames {
    kk: Option<String>,
    ru: Option<String>,
    en: Option<String>,
}

/// Whether `oid` is a dotted OID: at least two arcs of digits, the first 0, 1 or 2, no
/// leading zeros.
pub fn is_oid(oid: &str) -> bool {
    let arcs: Vec<&str> = oid.split('.').collect();
    arcs.len() >= 2
        && arcs.iter().all(|a| {
            !a.is_empty()
                && a.bytes().all(|b| b.is_ascii_digit())
                && (a.len() == 1 || !a.starts_with('0'))
        })
        && matches!(arcs.first(), Some(&("0" | "1" | "2")))
}

impl Registry {
    /// The registry shipped with tekseru.
    pub fn shipped() -> Result<Registry, RegistryError> {
        Registry::parse(SHIPPED_NAME, SHIPPED)
    }

    /// Reads and validates a registry file.
    pub fn load(path: &Path) -> Result<Registry, RegistryError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RegistryError {
            file: file.clone(),
            line: None,
            reason: format!("cannot read it: {e}"),
        })?;
        Registry::parse(&file, &text)
    }

    /// Validates a registry's text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Registry, RegistryError> {
        let line_of = |span: Range<usize>| {
            let end = span.start.min(text.len());
            text.as_bytes()
                .get(..end)
                .unwrap_or_default()
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        };
        let fail = |span: Option<Range<usize>>, reason: String| RegistryError {
            file: file.to_owned(),
            line: span.map(line_of),
            reason,
        };
        let raw: RawFile =
            toml::from_str(text).map_err(|e| fail(e.span(), e.message().to_owned()))?;
        let mut entries = Vec::new();
        let mut index = HashMap::new();
        let mut lines: HashMap<(String, Kind), usize> = HashMap::new();
        for spanned in raw.oid {
            let raw = spanned.get_ref();
            let oid = raw.oid.get_ref().trim().to_owned();
            if !is_oid(&oid) {
                return Err(fail(
                    Some(raw.oid.span()),
                    format!("'{oid}' is not a dotted OID (digits and dots, e.g. 1.2.398.3.3.2)"),
                ));
            }
            let kind = match raw.kind.get_ref().as_str() {
                "policy" => Kind::Policy,
                "eku" => Kind::Eku,
                "role" => Kind::Role,
                other => {
                    return Err(fail(
                        Some(raw.kind.span()),
                        format!("kind '{other}' of {oid} is not one of policy, eku, role"),
                    ))
                }
            };
            if kind == Kind::Role && !oid.starts_with("1.2.398.3.3.4.") {
                return Err(fail(
                    Some(raw.kind.span()),
                    format!("{oid} is a role, but roles are EKUs of the arc 1.2.398.3.3.4.*"),
                ));
            }
            let names = raw.name.get_ref();
            let text_of = |lang: &str, v: &Option<String>, required: bool| match v
                .as_deref()
                .map(str::trim)
            {
                Some("") => Err(fail(
                    Some(raw.name.span()),
                    format!("the {lang} name of {oid} is empty"),
                )),
                None if required => Err(fail(
                    Some(raw.name.span()),
                    format!("{oid} has no {lang} name (name.{lang} is required)"),
                )),
                v => Ok(v.map(str::to_owned)),
            };
            let name = Names {
                kk: text_of("kk", &names.kk, false)?,
                ru: text_of("ru", &names.ru, false)?,
                en: text_of("en", &names.en, true)?.unwrap_or_default(),
            };
            let source = raw.source.get_ref().trim().to_owned();
            if source.is_empty() {
                return Err(fail(
                    Some(raw.source.span()),
                    format!("{oid} has an empty source: say where it is known from"),
                ));
            }
            let line = line_of(spanned.span());
            if let Some(first) = lines.insert((oid.clone(), kind), line) {
                return Err(fail(
                    Some(raw.oid.span()),
                    format!(
                        "{oid} is listed twice as {}, first on line {first}",
                        kind.name()
                    ),
                ));
            }
            index.insert((oid.clone(), kind), entries.len());
            entries.push(Entry {
                oid,
                kind,
                name,
                source,
            });
        }
        Ok(Registry {
            file: file.to_owned(),
            entries,
            index,
        })
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry of an OID of a kind. A role OID is also an EKU: looking up an EKU finds
    /// the role entry too.
    pub fn get(&self, oid: &str, kind: Kind) -> Option<&Entry> {
        let find = |k: Kind| {
            self.index
                .get(&(oid.to_owned(), k))
                .and_then(|i| self.entries.get(*i))
        };
        find(kind).or_else(|| {
            if kind == Kind::Eku {
                find(Kind::Role)
            } else {
                None
            }
        })
    }
}
