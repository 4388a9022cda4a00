//! Canonical JSON: object keys sorted by their UTF-8 bytes at every depth, no spaces, numbers
//! and strings as `serde_json` writes them.
//!
//! This is the encoding the store's audit trail has hashed since its first version, kept
//! byte for byte so that every trail written before events were signed still hashes as it
//! did (RFC 8785 differs in how it writes numbers such as `2.0`, which would change those
//! hashes). Keys here are ASCII field names, for which the two sort orders agree.

use serde::Serialize;
use serde_json::Value;

/// The canonical encoding of `value`.
///
/// A number that is not finite becomes `null`, as `serde_json` makes it: callers that hold
/// floats refuse those before encoding (the store does), since `null` would not read back
/// as the number it replaced.
///
/// # Errors
/// When `value` cannot be represented as JSON (a map whose keys are not strings).
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let value = serde_json::to_value(value)?;
    let mut out = Vec::new();
    write(&value, &mut out)?;
    Ok(out)
}

/// Writes `value` canonically to `out`.
///
/// # Errors
/// Only when a string cannot be written, which `serde_json` never reports for a `Value`.
pub fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(serde_json::to_vec(key)?);
                out.push(b':');
                if let Some(v) = map.get(key) {
                    write(v, out)?;
                }
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(v, out)?;
            }
            out.push(b']');
        }
        other => out.extend(serde_json::to_vec(other)?),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_at_every_depth() {
        let value = serde_json::json!({"b": 1, "a": {"d": [1, {"z": 0, "y": null}], "c": "é"}});
        let out = to_vec(&value).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":{"c":"é","d":[1,{"y":null,"z":0}]},"b":1}"#
        );
    }
}
