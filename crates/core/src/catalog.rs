//! The legal checklists: the ones built into tekseru, and any directory of them.
//!
//! The shipped checklists (`checklists/*.toml`) and the legal text they cite are compiled
//! into the binary, so tekseru needs no files at run time; they are validated exactly as a
//! file on disk would be (a test keeps the two identical).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::checklist::{Checklist, ChecklistError, ChecklistErrorKind};

/// The checklist files built in, as (file name, text).
const SHIPPED: &[(&str, &str)] = &[
    (
        "ca-accreditation-onsite.toml",
        include_str!("../../../checklists/ca-accreditation-onsite.toml"),
    ),
    (
        "ca-accreditation-documents.toml",
        include_str!("../../../checklists/ca-accreditation-documents.toml"),
    ),
    (
        "ca-revocation-examination.toml",
        include_str!("../../../checklists/ca-revocation-examination.toml"),
    ),
];

/// The legal texts the shipped checklists cite, by their `[source] text` path.
const SOURCES: &[(&str, &str)] = &[(
    "sources/000_e988696a9b771066.txt",
    include_str!("../../../checklists/sources/000_e988696a9b771066.txt"),
)];

/// The checklists built into tekseru, in the order of the procedure (on-site check, documents,
/// revocation examination). Parsed and validated once.
pub fn embedded() -> Result<Vec<Checklist>, ChecklistError> {
    static PARSED: OnceLock<Result<Vec<Checklist>, ChecklistError>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            SHIPPED
                .iter()
                .map(|(name, text)| {
                    let origin = Path::new("checklists").join(name);
                    Checklist::parse(text, &origin, &|rel: &str| {
                        SOURCES
                            .iter()
                            .find(|(path, _)| *path == rel)
                            .map(|(_, text)| (*text).to_owned())
                            .ok_or_else(|| format!("the cited text '{rel}' is not built in"))
                    })
                })
                .collect()
        })
        .clone()
}

/// A legal text built in, by the path a `[source] text` names it with (only its file name
/// counts: `sources/000_….txt` from a checklist, `../../checklists/sources/000_….txt` from
/// the act's wording file).
pub fn cited_text(path: &str) -> Option<&'static str> {
    let name = Path::new(path).file_name()?;
    SOURCES
        .iter()
        .find(|(p, _)| Path::new(p).file_name() == Some(name))
        .map(|(_, text)| *text)
}

/// Every `*.toml` checklist in a directory, in file-name order; the first bad file stops
/// the load.
pub fn load_dir(dir: &Path) -> Result<Vec<Checklist>, ChecklistError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ChecklistError::new(dir, None, ChecklistErrorKind::Io(e.to_string())))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Checklist::load(p)).collect()
}
