use std::fmt;
use std::path::{Path, PathBuf};

/// A checklist file, or a wording file ([`crate::phrasebook`]), that cannot be loaded: where,
/// and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistError {
    path: PathBuf,
    line: Option<usize>,
    kind: ChecklistErrorKind,
}

/// What is wrong with a checklist file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChecklistErrorKind {
    /// The file could not be read.
    Io(String),
    /// The TOML is malformed, a field is unknown or has the wrong type.
    Syntax(String),
    /// An id is not lowercase ascii letters, digits, '.' and '-'.
    BadId(String),
    /// A section or item id is used twice.
    DuplicateId {
        /// "section" or "item".
        what: &'static str,
        /// The id.
        id: String,
        /// Where it was first used.
        first_line: usize,
    },
    /// A kk/ru/en text is missing or empty.
    MissingTranslation {
        /// The language code.
        lang: &'static str,
        /// Which text, e.g. "the title of section 'onsite'".
        what: String,
    },
    /// A sentence of a wording file lacks its Kazakh or Russian text.
    MissingSentence {
        /// The language code.
        lang: &'static str,
        /// Which sentence, e.g. "sentence 'adoption.rule_accreditation'".
        what: String,
    },
    /// A field that only one kind of item may have is on another kind.
    FieldNotAllowed {
        /// The item.
        item: String,
        /// Its kind.
        kind: String,
        /// The field, e.g. "rule".
        field: &'static str,
        /// The kind that may have it.
        allowed_on: &'static str,
    },
    /// A field that this kind of item needs is missing.
    FieldMissing {
        /// The item.
        item: String,
        /// Its kind.
        kind: String,
        /// The field.
        field: &'static str,
    },
    /// A `ref` that does not parse.
    BadRef {
        /// Whose reference.
        owner: String,
        /// Why.
        why: String,
    },
    /// A `ref` that names another act than the file's `[source]`.
    WrongAct {
        /// Whose reference.
        owner: String,
        /// The act it names.
        act: String,
        /// The act of `[source]`.
        expected: String,
    },
    /// A `ref` that does not exist in the cited text.
    RefNotInText {
        /// Whose reference.
        owner: String,
        /// Why.
        why: String,
    },
    /// A `quote` that does not occur in the cited unit.
    QuoteNotFound {
        /// Whose quote.
        owner: String,
        /// The reference it should occur under.
        reference: String,
        /// The quote.
        quote: String,
    },
    /// The cited text file cannot be read or its body marker is missing.
    SourceText(String),
    /// A value is out of its range.
    BadValue(String),
}

impl ChecklistError {
    pub(crate) fn new(path: &Path, line: Option<usize>, kind: ChecklistErrorKind) -> Self {
        ChecklistError {
            path: path.to_owned(),
            line,
            kind,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The 1-based line, when the problem has one.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// What is wrong.
    pub fn kind(&self) -> &ChecklistErrorKind {
        &self.kind
    }
}

impl fmt::Display for ChecklistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        match &self.kind {
            ChecklistErrorKind::Io(e) => write!(f, "cannot read the file: {e}"),
            ChecklistErrorKind::Syntax(e) => write!(f, "{e}"),
            ChecklistErrorKind::BadId(id) => write!(
                f,
                "id '{id}' is not valid (use lowercase ascii letters, digits, '.' and '-', starting with a letter or digit)"
            ),
            ChecklistErrorKind::DuplicateId { what, id, first_line } => write!(
                f,
                "{what} id '{id}' is used twice, first on line {first_line} (ids must be unique within a checklist)"
            ),
            ChecklistErrorKind::MissingTranslation { lang, what } => {
                write!(f, "missing translation '{lang}' of {what} (every text needs kk, ru and en)")
            }
            ChecklistErrorKind::MissingSentence { lang, what } => {
                write!(f, "missing '{lang}' text of {what} (every sentence needs kk and ru)")
            }
            ChecklistErrorKind::FieldNotAllowed {
                item,
                kind,
                field,
                allowed_on,
            } => write!(
                f,
                "item '{item}' has kind '{kind}' but a `{field}` (only {allowed_on} items have one)"
            ),
            ChecklistErrorKind::FieldMissing { item, kind, field } => {
                write!(f, "item '{item}' of kind '{kind}' needs a `{field}`")
            }
            ChecklistErrorKind::BadRef { owner, why } => write!(f, "{owner}: {why}"),
            ChecklistErrorKind::WrongAct { owner, act, expected } => write!(
                f,
                "{owner}: reference names the act '{act}' but this checklist's [source] is '{expected}'"
            ),
            ChecklistErrorKind::RefNotInText { owner, why } => write!(f, "{owner}: {why}"),
            ChecklistErrorKind::QuoteNotFound {
                owner,
                reference,
                quote,
            } => write!(
                f,
                "{owner}: quote \"{quote}\" does not occur in {reference} of the cited text (copy the words from the law, or fix the reference)"
            ),
            ChecklistErrorKind::SourceText(e) => write!(f, "{e}"),
            ChecklistErrorKind::BadValue(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ChecklistError {}
