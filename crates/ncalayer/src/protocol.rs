//! The JSON messages: the requests sent and the replies understood. No I/O here.

use serde_json::{json, Map, Value};

use crate::error::{excerpt, NcaLayerError};

/// The text NCALayer echoes to keep a connection alive; never a reply.
pub(crate) const HEARTBEAT: &str = "--heartbeat--";
/// The module of the current API.
pub(crate) const MODULE_BASICS: &str = "kz.gov.pki.knca.basics";
/// The module of the legacy API.
pub(crate) const MODULE_COMMON_UTILS: &str = "kz.gov.pki.knca.commonUtils";
/// The extended key usage of signing keys (emailProtection), as NCALayer's clients ask it:
/// NCALayer then offers no authentication key.
pub(crate) const EKU_SIGNING: &str = "1.3.6.1.5.5.7.3.4";

pub(crate) const GREETING_SHAPE: &str = r#"the greeting {"result":{"version":"…"}}"#;
pub(crate) const BASICS_SHAPE: &str = r#"{"status":true,"body":{"result":"-----BEGIN CMS-----…"}}, {"status":true,"body":{}} or {"status":false,"code":…,"message":…}"#;
pub(crate) const LEGACY_SHAPE: &str =
    r#"{"code":"200","responseObject":"<base64>"} or {"code":"500","message":…}"#;

/// The `kz.gov.pki.knca.basics` `sign` request: a detached CMS over the decoded `data`, with
/// a signing key, no time stamp.
pub(crate) fn basics_sign(
    b64: String,
    allowed_storages: Option<&[String]>,
    locale: &str,
) -> String {
    let mut args = Map::new();
    if let Some(storages) = allowed_storages {
        args.insert("allowedStorages".into(), json!(storages));
    }
    args.insert("format".into(), json!("cms"));
    args.insert("data".into(), Value::String(b64));
    args.insert(
        "signingParams".into(),
        json!({"decode": true, "encapsulate": false, "digested": false}),
    );
    args.insert(
        "signerParams".into(),
        json!({"extKeyUsageOids": [EKU_SIGNING], "chain": []}),
    );
    args.insert("locale".into(), json!(locale));
    json!({"module": MODULE_BASICS, "method": "sign", "args": Value::Object(args)}).to_string()
}

/// The legacy `kz.gov.pki.knca.commonUtils` `createCAdESFromBase64` request: a detached CMS
/// with the SIGNATURE key of `storage`.
pub(crate) fn legacy_sign(b64: String, storage: &str) -> String {
    json!({
        "module": MODULE_COMMON_UTILS,
        "method": "createCAdESFromBase64",
        "args": [storage, "SIGNATURE", Value::String(b64), false],
    })
    .to_string()
}

/// What a reply to the basics `sign` says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BasicsReply {
    /// The signature: PEM or base64 text, still to be decoded and checked.
    Signed(String),
    /// The user cancelled.
    Cancelled,
    /// NCALayer's own error.
    Failed { code: String, message: String },
    /// This NCALayer has no basics module: ask with the legacy API.
    ModuleUnknown,
}

/// What a reply to the legacy `createCAdESFromBase64` says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LegacyReply {
    /// The signature: base64 (or PEM) text, still to be decoded and checked.
    Signed(String),
    /// The user cancelled.
    Cancelled,
    /// NCALayer's own error.
    Failed { code: String, message: String },
}

/// A reply that is not among the known messages: ignored while waiting for the answer.
/// The heartbeat echo, and the greeting (which may come after the request was sent).
pub(crate) fn is_noise(text: &str) -> bool {
    if text.trim() == HEARTBEAT {
        return true;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => is_greeting(&map),
        _ => false,
    }
}

/// `{"result":{"version":…}}` and nothing else beside it.
fn is_greeting(map: &Map<String, Value>) -> bool {
    map.len() == 1
        && map
            .get("result")
            .and_then(Value::as_object)
            .is_some_and(|r| r.contains_key("version") || r.is_empty())
}

/// The version in NCALayer's greeting; `None` when the greeting is an object without one
/// (older NCALayers greet otherwise).
pub(crate) fn parse_greeting(text: &str) -> Result<Option<String>, NcaLayerError> {
    let unexpected = || NcaLayerError::Unexpected {
        request: "the connection",
        expected: GREETING_SHAPE,
        got: excerpt(text),
    };
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return Err(unexpected());
    };
    Ok(match map.get("result").and_then(|r| r.get("version")) {
        Some(Value::String(v)) => Some(v.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// A code as text: NCALayer sends them as strings, some versions as numbers.
fn code_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn message_text(map: &Map<String, Value>) -> String {
    let mut message = match map.get("message") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    match map.get("details") {
        Some(Value::String(d)) if !d.is_empty() => {
            message = if message.is_empty() {
                d.clone()
            } else {
                format!("{message} ({d})")
            };
        }
        Some(Value::Null) | None | Some(Value::String(_)) => {}
        Some(other) => message = format!("{message} ({other})"),
    }
    message
}

/// NCALayer's words for "no such module", in its error code or message.
fn says_module_unknown(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("module_not_found")
        || lower.contains("modulenotfound")
        || (lower.contains("module")
            && (lower.contains("not found")
                || lower.contains("unknown")
                || lower.contains("not exist")
                || lower.contains("no such")
                || lower.contains("не найден")))
}

/// Classifies a reply to the basics `sign` request.
pub(crate) fn parse_basics_reply(text: &str) -> Result<BasicsReply, NcaLayerError> {
    let unexpected = || NcaLayerError::Unexpected {
        request: "the basics sign request",
        expected: BASICS_SHAPE,
        got: excerpt(text),
    };
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return Err(unexpected());
    };
    match map.get("status") {
        Some(Value::Bool(true)) => {
            let Some(Value::Object(body)) = map.get("body") else {
                return Err(unexpected());
            };
            match body.get("result") {
                None => Ok(BasicsReply::Cancelled),
                Some(Value::String(s)) => Ok(BasicsReply::Signed(s.clone())),
                // NCALayer 1.4 answers with an array, one signature a document.
                Some(Value::Array(items)) => match items.as_slice() {
                    [Value::String(s)] => Ok(BasicsReply::Signed(s.clone())),
                    _ => Err(unexpected()),
                },
                Some(_) => Err(unexpected()),
            }
        }
        Some(Value::Bool(false)) => {
            let code = code_text(map.get("code")).unwrap_or_default();
            let message = message_text(&map);
            if says_module_unknown(&code) || says_module_unknown(&message) {
                Ok(BasicsReply::ModuleUnknown)
            } else {
                Ok(BasicsReply::Failed { code, message })
            }
        }
        Some(_) => Err(unexpected()),
        None => {
            // The OSGi core of an NCALayer without the module: {"success":false,"errorCode":"MODULE_NOT_FOUND"}.
            if let Some(error_code) = code_text(map.get("errorCode")) {
                if says_module_unknown(&error_code) {
                    return Ok(BasicsReply::ModuleUnknown);
                }
                return Ok(BasicsReply::Failed {
                    code: error_code,
                    message: message_text(&map),
                });
            }
            if map.get("success") == Some(&Value::Bool(false)) {
                return Ok(BasicsReply::ModuleUnknown);
            }
            // An answer in the legacy shape: this NCALayer speaks only the legacy API.
            if code_text(map.get("code")).is_some() {
                return Ok(BasicsReply::ModuleUnknown);
            }
            Err(unexpected())
        }
    }
}

/// Classifies a reply to the legacy `createCAdESFromBase64` request.
pub(crate) fn parse_legacy_reply(text: &str) -> Result<LegacyReply, NcaLayerError> {
    let unexpected = || NcaLayerError::Unexpected {
        request: "the legacy createCAdESFromBase64 request",
        expected: LEGACY_SHAPE,
        got: excerpt(text),
    };
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return Err(unexpected());
    };
    let Some(code) = code_text(map.get("code")) else {
        return Err(unexpected());
    };
    if code == "200" {
        return match map.get("responseObject") {
            Some(Value::String(s)) => Ok(LegacyReply::Signed(s.clone())),
            _ => Err(unexpected()),
        };
    }
    let message = message_text(&map);
    if message == "action.canceled" || message == "action.cancelled" {
        return Ok(LegacyReply::Cancelled);
    }
    Ok(LegacyReply::Failed { code, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics_replies() {
        assert_eq!(
            parse_basics_reply(r#"{"status":true,"body":{"result":"PEM"}}"#).ok(),
            Some(BasicsReply::Signed("PEM".into()))
        );
        assert_eq!(
            parse_basics_reply(r#"{"status":true,"body":{"result":["PEM"]}}"#).ok(),
            Some(BasicsReply::Signed("PEM".into()))
        );
        assert!(parse_basics_reply(r#"{"status":true,"body":{"result":["A","B"]}}"#).is_err());
        assert!(parse_basics_reply(r#"{"status":true,"body":{"result":[]}}"#).is_err());
        assert_eq!(
            parse_basics_reply(r#"{"status":true,"body":{}}"#).ok(),
            Some(BasicsReply::Cancelled)
        );
        assert_eq!(
            parse_basics_reply(r#"{"status":false,"code":"SIGNING_FAILURE","message":"bad PIN"}"#)
                .ok(),
            Some(BasicsReply::Failed {
                code: "SIGNING_FAILURE".into(),
                message: "bad PIN".into()
            })
        );
        assert_eq!(
            parse_basics_reply(r#"{"success":false,"errorCode":"MODULE_NOT_FOUND"}"#).ok(),
            Some(BasicsReply::ModuleUnknown)
        );
        assert_eq!(
            parse_basics_reply(r#"{"status":false,"code":"500","message":"Module kz.gov.pki.knca.basics not found"}"#).ok(),
            Some(BasicsReply::ModuleUnknown)
        );
        assert_eq!(
            parse_basics_reply(r#"{"code":"500","message":"whatever"}"#).ok(),
            Some(BasicsReply::ModuleUnknown)
        );
        assert!(parse_basics_reply("{}").is_err());
        assert!(parse_basics_reply(r#"{"status":"true"}"#).is_err());
    }

    #[test]
    fn legacy_replies() {
        assert_eq!(
            parse_legacy_reply(r#"{"code":"200","responseObject":"MIIB"}"#).ok(),
            Some(LegacyReply::Signed("MIIB".into()))
        );
        assert_eq!(
            parse_legacy_reply(r#"{"code":200,"responseObject":"MIIB"}"#).ok(),
            Some(LegacyReply::Signed("MIIB".into()))
        );
        assert_eq!(
            parse_legacy_reply(r#"{"code":"500","message":"action.canceled"}"#).ok(),
            Some(LegacyReply::Cancelled)
        );
        assert_eq!(
            parse_legacy_reply(r#"{"code":"500","message":"Token not found"}"#).ok(),
            Some(LegacyReply::Failed {
                code: "500".into(),
                message: "Token not found".into()
            })
        );
        assert!(parse_legacy_reply(r#"{"code":"200"}"#).is_err());
        assert!(parse_legacy_reply(r#"{"status":true,"body":{}}"#).is_err());
    }

    #[test]
    fn greetings_and_noise() {
        assert_eq!(
            parse_greeting(r#"{"result":{"version":"1.4"}}"#).ok(),
            Some(Some("1.4".into()))
        );
        assert_eq!(parse_greeting(r#"{"result":{}}"#).ok(), Some(None));
        assert_eq!(parse_greeting(r#"{}"#).ok(), Some(None));
        assert!(parse_greeting("hello").is_err());
        assert!(is_noise("--heartbeat--"));
        assert!(is_noise(r#"{"result":{"version":"1.4"}}"#));
        assert!(!is_noise(r#"{"status":true,"body":{}}"#));
    }

    #[test]
    fn requests_carry_what_the_protocol_says() {
        let r: Value =
            serde_json::from_str(&basics_sign("QUJD".into(), None, "kk")).unwrap_or_default();
        assert_eq!(r["module"], MODULE_BASICS);
        assert_eq!(r["method"], "sign");
        assert_eq!(r["args"]["format"], "cms");
        assert_eq!(r["args"]["data"], "QUJD");
        assert_eq!(
            r["args"]["signingParams"],
            json!({"decode":true,"encapsulate":false,"digested":false})
        );
        assert_eq!(
            r["args"]["signerParams"]["extKeyUsageOids"],
            json!([EKU_SIGNING])
        );
        assert_eq!(r["args"]["locale"], "kk");
        assert!(r["args"].get("allowedStorages").is_none());
        assert!(r["args"]["signingParams"].get("tsaProfile").is_none());
        let storages = vec!["AKKaztokenStore".to_string()];
        let r: Value = serde_json::from_str(&basics_sign("QUJD".into(), Some(&storages), "ru"))
            .unwrap_or_default();
        assert_eq!(r["args"]["allowedStorages"], json!(["AKKaztokenStore"]));
        let l: Value = serde_json::from_str(&legacy_sign("QUJD".into(), "AKKZIDCardStore"))
            .unwrap_or_default();
        assert_eq!(
            l,
            json!({"module":MODULE_COMMON_UTILS,"method":"createCAdESFromBase64","args":["AKKZIDCardStore","SIGNATURE","QUJD",false]})
        );
    }
}
