//! What can go wrong: bad calendar or procedure data, a date outside the data.

/// An error of the calendar or of the timeline.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// A data file is wrong: which file, which line (1-based) and why.
    #[error("{file}:{line}: {reason}")]
    Data {
        /// The file's name, e.g. `kz-2025.toml`.
        file: String,
        /// The 1-based line of the offending value.
        line: usize,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// A date falls in a year the calendar has no data for; the calendar never guesses.
    #[error("the working-day calendar has no data for {year} (it covers {first}–{last}): add assets/calendars/kz-{year}.toml")]
    YearNotCovered {
        /// The year asked for.
        year: i32,
        /// The first year covered.
        first: i32,
        /// The last year covered.
        last: i32,
    },
    /// The events of a timeline are wrong (unknown step, unknown procedure…).
    #[error("{0}")]
    Events(String),
}

/// The 1-based line of a byte offset in a text.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
