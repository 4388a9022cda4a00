//! "Now" for the CLI and the app: the system clock, or `SOURCE_DATE_EPOCH` when it is set.
//!
//! `SOURCE_DATE_EPOCH` is the reproducible-builds convention (seconds since 1970-01-01 UTC,
//! <https://reproducible-builds.org/specs/source-date-epoch/>). tekseru honours it wherever it
//! would read the clock: rendering, signing, verifying, recording. Tests use it to sign at a
//! date inside an expired test key's validity; a commission never sets it.

use time::OffsetDateTime;

use crate::error::{Result, WorkflowError};

/// The environment variable that fixes "now".
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// The time given by a `SOURCE_DATE_EPOCH` value: whole seconds since the epoch, UTC.
pub fn parse_source_date_epoch(value: &str) -> Result<OffsetDateTime> {
    let bad = |why: &str| {
        WorkflowError::Refused(format!(
            "{SOURCE_DATE_EPOCH}={value:?} is not usable: {why} (it must be whole seconds since 1970-01-01 UTC)"
        ))
    };
    let seconds: i64 = value.trim().parse().map_err(|_| bad("not an integer"))?;
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| bad("out of range"))
}

/// Now: `SOURCE_DATE_EPOCH` when it is set (and then it must be valid), else the system clock.
pub fn now() -> Result<OffsetDateTime> {
    match std::env::var(SOURCE_DATE_EPOCH) {
        Ok(value) => parse_source_date_epoch(&value),
        Err(std::env::VarError::NotPresent) => Ok(OffsetDateTime::now_utc()),
        Err(std::env::VarError::NotUnicode(_)) => Err(WorkflowError::Refused(format!(
            "{SOURCE_DATE_EPOCH} is not valid UTF-8"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_known_epoch_is_that_moment() {
        let t = parse_source_date_epoch("1730449800").map_err(|e| e.to_string());
        assert_eq!(
            t.map(|t| t.to_string()),
            Ok("2024-11-01 8:30:00.0 +00:00:00".to_owned())
        );
    }

    #[test]
    fn garbage_is_refused_with_the_variable_named() {
        let err = parse_source_date_epoch("yesterday")
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert!(
            matches!(&err, Err(m) if m.contains("SOURCE_DATE_EPOCH") && m.contains("not an integer")),
            "{err:?}"
        );
    }

    proptest! {
        #[test]
        fn every_integer_in_range_round_trips(s in -62_135_596_800_i64..253_402_300_799) {
            let t = parse_source_date_epoch(&s.to_string()).map_err(|e| e.to_string());
            prop_assert_eq!(t.map(|t| t.unix_timestamp()), Ok(s));
        }
    }
}
