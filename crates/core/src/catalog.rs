//! Loading a directory of checklists. (The shipped checklists will also be compiled in once
//! `checklists/*.toml` exist; see the open work in the issue notes.)

use std::path::{Path, PathBuf};

use crate::checklist::{Checklist, ChecklistError, ChecklistErrorKind};

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
