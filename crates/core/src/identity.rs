//! Kazakh identification numbers: the IIN of a person and the BIN of a legal entity.
//!
//! Both are 12 digits whose last digit is a control digit (order of the Ministry of
//! Justice on the national identification numbers): the first eleven digits are weighted
//! 1…11 and summed modulo 11; if that gives 10 they are weighted 3…11,1,2 instead; a second
//! 10 means the number cannot be valid.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid IIN or BIN.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The string does not have exactly 12 characters.
    #[error("{what} '{input}' has {len} characters (expected 12 digits)")]
    Length {
        /// "IIN" or "BIN".
        what: &'static str,
        /// What was given.
        input: String,
        /// How many characters it had.
        len: usize,
    },
    /// The string contains something other than digits.
    #[error("{what} '{input}' contains a character that is not a digit (expected 12 digits)")]
    NotDigits {
        /// "IIN" or "BIN".
        what: &'static str,
        /// What was given.
        input: String,
    },
    /// The control digit does not match.
    #[error("{what} '{input}' fails its checksum (control digit {found}, expected {expected}); check for a mistyped digit")]
    Checksum {
        /// "IIN" or "BIN".
        what: &'static str,
        /// What was given.
        input: String,
        /// The twelfth digit as given.
        found: u8,
        /// The control digit the first eleven digits call for.
        expected: u8,
    },
    /// No control digit can make these eleven digits valid.
    #[error("{what} '{input}' cannot be valid: its first eleven digits have no control digit")]
    NoControlDigit {
        /// "IIN" or "BIN".
        what: &'static str,
        /// What was given.
        input: String,
    },
}

/// The control digit of eleven digits, or `None` when none exists.
pub(crate) fn control_digit(first11: &[u8; 11]) -> Option<u8> {
    let weighted = |weights: [u32; 11]| -> u32 {
        first11
            .iter()
            .zip(weights)
            .map(|(&d, w)| u32::from(d) * w)
            .sum::<u32>()
            % 11
    };
    let first = weighted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    if first != 10 {
        return u8::try_from(first).ok();
    }
    let second = weighted([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
    if second != 10 {
        return u8::try_from(second).ok();
    }
    None
}

fn parse12(what: &'static str, input: &str) -> Result<[u8; 12], IdentityError> {
    let trimmed = input.trim();
    let len = trimmed.chars().count();
    if len != 12 {
        return Err(IdentityError::Length {
            what,
            input: input.to_owned(),
            len,
        });
    }
    let mut digits = [0u8; 12];
    for (slot, b) in digits.iter_mut().zip(trimmed.bytes()) {
        if !b.is_ascii_digit() {
            return Err(IdentityError::NotDigits {
                what,
                input: input.to_owned(),
            });
        }
        *slot = b - b'0';
    }
    let mut first11 = [0u8; 11];
    first11.copy_from_slice(&digits[..11]);
    match control_digit(&first11) {
        None => Err(IdentityError::NoControlDigit {
            what,
            input: input.to_owned(),
        }),
        Some(expected) if expected != digits[11] => Err(IdentityError::Checksum {
            what,
            input: input.to_owned(),
            found: digits[11],
            expected,
        }),
        Some(_) => Ok(digits),
    }
}

/// The IIN of every public NCA RK test certificate (`ТЕСТОВ ТЕСТ`): its control digit is
/// wrong on purpose, so that it can never be a real person's. Source: the NCA test keys of
/// `assets/kz-eds-test/` (shared/kz-eds/README.md).
const NCA_TEST_IINS: &[&str] = &["123456789011"];
/// The BIN of the NCA RK test legal entity (`АО "ТЕСТ"`), likewise.
const NCA_TEST_BINS: &[&str] = &["123456789021"];

macro_rules! identity_number {
    ($(#[$doc:meta])* $name:ident, $what:literal, $test:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; 12]);

        impl $name {
            /// Parses 12 digits and checks the control digit.
            pub fn parse(input: &str) -> Result<Self, IdentityError> {
                parse12($what, input).map(Self)
            }

            /// Like [`Self::parse`], but also accepts the NCA RK's published test
            /// identity ([`Self::is_nca_test`]), whose control digit is wrong on purpose.
            /// Only a training inspection may list it; its callers check that.
            pub fn parse_allowing_test(input: &str) -> Result<Self, IdentityError> {
                match parse12($what, input) {
                    Ok(digits) => Ok(Self(digits)),
                    Err(e @ IdentityError::Checksum { .. }) => {
                        let trimmed = input.trim();
                        if $test.contains(&trimmed) {
                            let mut digits = [0u8; 12];
                            for (d, b) in digits.iter_mut().zip(trimmed.bytes()) {
                                *d = b - b'0';
                            }
                            Ok(Self(digits))
                        } else {
                            Err(e)
                        }
                    }
                    Err(e) => Err(e),
                }
            }

            /// Whether this is the NCA RK's test identity, carried by every public NCA test
            /// certificate: valid only in training inspections.
            pub fn is_nca_test(&self) -> bool {
                $test.contains(&self.as_string().as_str())
            }

            /// The 12 digits as text.
            pub fn as_string(&self) -> String {
                self.0.iter().map(|d| char::from(b'0' + d)).collect()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.as_string())
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdentityError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.as_string())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse_allowing_test(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

identity_number!(
    /// Individual identification number (ЖСН / ИИН) of a person: 12 digits with a control digit.
    Iin,
    "IIN",
    NCA_TEST_IINS
);
identity_number!(
    /// Business identification number (БСН / БИН) of a legal entity: 12 digits with a control digit.
    Bin,
    "BIN",
    NCA_TEST_BINS
);

/// A valid IIN made from a small number, for tests: `880101` + the number + a control digit.
#[cfg(test)]
pub(crate) fn test_iin(n: u32) -> Iin {
    // Search upwards from n for eleven digits that have a control digit (10 in 11 do).
    (n..)
        .find_map(|k| {
            let text = format!("880101{:05}", k % 100_000);
            let mut first11 = [0u8; 11];
            for (d, b) in first11.iter_mut().zip(text.bytes()) {
                *d = b - b'0';
            }
            control_digit(&first11).map(|c| Iin::parse(&format!("{text}{c}")).unwrap())
        })
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Completes eleven digits into a valid number, when one exists.
    fn complete(first11: [u8; 11]) -> Option<String> {
        let c = control_digit(&first11)?;
        Some(
            first11
                .iter()
                .chain([c].iter())
                .map(|d| char::from(b'0' + d))
                .collect(),
        )
    }

    #[test]
    fn known_numbers() {
        // 880101300012: weights 1..11 give 4+... computed by hand below.
        // 8*1+8*2+0*3+1*4+0*5+1*6+3*7+0*8+0*9+0*10+1*11 = 8+16+4+6+21+11 = 66; 66 % 11 = 0.
        assert!(Iin::parse("880101300010").is_ok());
        let err = Iin::parse("880101300011").unwrap_err();
        assert_eq!(
            err.to_string(),
            "IIN '880101300011' fails its checksum (control digit 1, expected 0); check for a mistyped digit"
        );
        assert!(matches!(
            Iin::parse("88010130001"),
            Err(IdentityError::Length { len: 11, .. })
        ));
        assert!(matches!(
            Bin::parse("88010130001x"),
            Err(IdentityError::NotDigits { .. })
        ));
    }

    proptest! {
        #[test]
        fn completed_numbers_parse_and_round_trip(first11 in proptest::array::uniform11(0u8..10)) {
            if let Some(text) = complete(first11) {
                let iin = Iin::parse(&text).unwrap();
                prop_assert_eq!(iin.to_string(), text);
            }
        }

        #[test]
        fn a_wrong_control_digit_is_refused(first11 in proptest::array::uniform11(0u8..10), delta in 1u8..10) {
            if let Some(text) = complete(first11) {
                let mut bytes = text.into_bytes();
                bytes[11] = b'0' + (bytes[11] - b'0' + delta) % 10;
                let changed = String::from_utf8(bytes).unwrap();
                let is_checksum_error = matches!(Iin::parse(&changed), Err(IdentityError::Checksum { .. }));
                prop_assert!(is_checksum_error);
            }
        }
    }
}
