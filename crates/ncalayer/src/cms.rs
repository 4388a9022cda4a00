//! The signature text NCALayer sends, turned into DER and checked for the shape of a CMS.
//! Only the shape: whether it is a valid signature, over what, by whom, is the caller's to
//! verify.

use base64::Engine as _;
use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode as _, Reader as _, Tag, TagNumber, Tagged as _};

use crate::error::NcaLayerError;

/// id-signedData, the content type of a CMS signature.
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

fn not_cms(reason: impl Into<String>) -> NcaLayerError {
    NcaLayerError::NotCms {
        reason: reason.into(),
    }
}

/// The DER of the CMS in `text`: PEM (`-----BEGIN CMS-----`, or `PKCS7`) or bare base64,
/// whatever the line breaks. It must be one `ContentInfo` of type signedData.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, NcaLayerError> {
    let trimmed = text.trim();
    let body = if trimmed.starts_with("-----BEGIN ") {
        pem_body(trimmed)?
    } else {
        trimmed
    };
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if b64.is_empty() {
        return Err(not_cms("it is empty"));
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| not_cms(format!("it is not valid base64 ({e})")))?;
    check_content_info(&der)?;
    Ok(der)
}

/// The base64 between the armour lines of a PEM CMS.
fn pem_body(text: &str) -> Result<&str, NcaLayerError> {
    let mut lines = text.splitn(2, '\n');
    let begin = lines.next().unwrap_or_default().trim();
    let rest = lines.next().unwrap_or_default();
    let label = begin
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or_else(|| not_cms(format!("its PEM header {begin:?} is malformed")))?;
    if !matches!(label, "CMS" | "PKCS7") {
        return Err(not_cms(format!("it is a PEM {label}, not a PEM CMS")));
    }
    let end = format!("-----END {label}-----");
    let (body, after) = rest
        .split_once(end.as_str())
        .ok_or_else(|| not_cms(format!("its PEM has no {end} line")))?;
    if !after.trim().is_empty() {
        return Err(not_cms("there is text after its PEM"));
    }
    Ok(body)
}

/// `ContentInfo ::= SEQUENCE { contentType id-signedData, content [0] EXPLICIT SignedData }`,
/// DER, with nothing after it.
fn check_content_info(der: &[u8]) -> Result<(), NcaLayerError> {
    let outer =
        AnyRef::from_der(der).map_err(|e| not_cms(format!("it is not one DER structure ({e})")))?;
    let content_type = outer
        .sequence(|r| -> der::Result<ObjectIdentifier> {
            let oid: ObjectIdentifier = r.decode()?;
            let content: AnyRef<'_> = r.decode()?;
            let explicit0 = Tag::ContextSpecific {
                constructed: true,
                number: TagNumber(0),
            };
            if content.tag() != explicit0 {
                return Err(der::ErrorKind::TagUnexpected {
                    expected: Some(explicit0),
                    actual: content.tag(),
                }
                .into());
            }
            let signed_data = AnyRef::from_der(content.value())?;
            signed_data.tag().assert_eq(Tag::Sequence)?;
            Ok(oid)
        })
        .map_err(|e| not_cms(format!("it is not a CMS ContentInfo ({e})")))?;
    if content_type != ID_SIGNED_DATA {
        return Err(not_cms(format!(
            "its content type is {content_type}, not signedData ({ID_SIGNED_DATA})"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SEQUENCE { OID signedData, [0] { SEQUENCE { INTEGER 1 } } }
    const MINIMAL: &[u8] = &[
        0x30, 0x12, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x05,
        0x30, 0x03, 0x02, 0x01, 0x01,
    ];

    fn b64(d: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(d)
    }

    #[test]
    fn pem_and_base64_decode_to_the_der() {
        let pem = format!(
            "-----BEGIN CMS-----\r\n{}\r\n-----END CMS-----\r\n",
            b64(MINIMAL)
        );
        assert_eq!(decode(&pem).ok().as_deref(), Some(MINIMAL));
        assert_eq!(decode(&b64(MINIMAL)).ok().as_deref(), Some(MINIMAL));
        let wrapped: String = b64(MINIMAL)
            .chars()
            .enumerate()
            .flat_map(|(i, c)| if i % 5 == 4 { vec![c, '\n'] } else { vec![c] })
            .collect();
        assert_eq!(decode(&wrapped).ok().as_deref(), Some(MINIMAL));
    }

    #[test]
    fn what_is_not_a_cms_is_refused() {
        for (text, want) in [
            ("", "empty"),
            ("!!!", "base64"),
            (
                "-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----",
                "not a PEM CMS",
            ),
            ("-----BEGIN CMS-----\nMII=\n", "no -----END CMS-----"),
        ] {
            let err = decode(text)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(want), "{text:?}: {err}");
        }
        // Data (1.2.840.113549.1.7.1) instead of signedData.
        let mut data = MINIMAL.to_vec();
        data[12] = 0x01;
        let err = decode(&b64(&data))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("not signedData"), "{err}");
        // Trailing bytes, truncation.
        let mut longer = MINIMAL.to_vec();
        longer.push(0);
        assert!(decode(&b64(&longer)).is_err());
        assert!(decode(&b64(&MINIMAL[..MINIMAL.len() - 1])).is_err());
    }
}
