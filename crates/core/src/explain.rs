//! Explanations as data. An engine (the quorum, the procedure calendar) says why with a
//! message key and its arguments; the English text comes from the engine's table of messages,
//! and a user interface translates the same keys with the same `{placeholders}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One line of an explanation: a message key and its arguments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The message's key, e.g. `accreditation_adopted`.
    pub key: String,
    /// Its arguments by placeholder name, e.g. `signed` → `4`.
    #[serde(default)]
    pub args: BTreeMap<String, String>,
}

impl Reason {
    /// A reason with its arguments.
    pub fn new(key: &str, args: &[(&str, String)]) -> Reason {
        Reason {
            key: key.to_owned(),
            args: args
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }

    /// The message of `table` with this key, its placeholders filled; the key itself when the
    /// table has no such message.
    pub fn render(&self, table: &[(&str, &str)]) -> String {
        let template = table
            .iter()
            .find(|(key, _)| *key == self.key)
            .map_or(self.key.as_str(), |(_, text)| text);
        let mut text = template.to_owned();
        for (name, value) in &self.args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::Reason;

    const TABLE: &[(&str, &str)] = &[("signed", "{name} signed on {on}")];

    #[test]
    fn fills_every_placeholder_of_its_message() {
        let r = Reason::new(
            "signed",
            &[("name", "Әсел".into()), ("on", "2026-11-30".into())],
        );
        assert_eq!(r.render(TABLE), "Әсел signed on 2026-11-30");
    }

    #[test]
    fn an_unknown_key_reads_as_itself() {
        assert_eq!(Reason::new("no_such", &[]).render(TABLE), "no_such");
    }
}
