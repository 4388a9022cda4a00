//! The PKI field checks' reports attached as evidence (`tekseru pki … --attach`), summed up
//! for the act: what was measured, typed, so that the act never reads a report itself.

use serde::Deserialize;
use tekseru_act::{PkiMeasured, PkiVerdict};
use tekseru_store::{Evidence, Store};

use crate::error::Result;

/// The largest report read for the act; a larger file is not one the checks write.
const MAX_REPORT: u64 = 16 << 20;

/// Whether an evidence file is a report the PKI checks attached: `pki-<check>-<time>.json`.
fn is_report(evidence: &Evidence) -> bool {
    evidence.name.starts_with("pki-")
        && evidence.name.ends_with(".json")
        && evidence.bytes <= MAX_REPORT
}

/// What each attached report of an item measured, in the order attached; a file that is not
/// a report the checks write is left out (it stays evidence).
pub(crate) fn measured(
    store: &Store,
    inspection: &str,
    evidence: &[&Evidence],
) -> Result<Vec<PkiMeasured>> {
    let mut out = Vec::new();
    for e in evidence.iter().filter(|e| is_report(e)) {
        let mut bytes = Vec::new();
        store.export_evidence(inspection, &e.sha256, &mut bytes)?;
        if let Some(m) = summary(&bytes) {
            out.push(m);
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
enum Report {
    Chain {
        verdict: PkiVerdict,
        at: String,
        links: Vec<Link>,
    },
    Oids {
        verdict: PkiVerdict,
        certificates: Vec<Certificate>,
    },
    Crl {
        verdict: PkiVerdict,
        entries: usize,
        next_update: Option<String>,
        signature: Option<Signature>,
    },
    Time {
        verdict: PkiVerdict,
        server: Source,
        second: Option<Source>,
        offset_to_second_ms: Option<f64>,
    },
}

#[derive(Deserialize)]
struct Link {
    subject: String,
}

#[derive(Deserialize)]
struct Certificate {
    #[serde(default)]
    unknown: Vec<String>,
}

#[derive(Deserialize)]
struct Signature {
    verified: Option<bool>,
}

#[derive(Deserialize)]
struct Source {
    server: String,
    sample: Option<Sample>,
}

#[derive(Deserialize)]
struct Sample {
    offset_ms: f64,
}

/// The CN of a one-line subject, else the whole line.
fn common_name(subject: &str) -> String {
    subject
        .split(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap_or(subject)
        .to_owned()
}

/// What a report (its JSON) measured; `None` when it is not a report of the PKI checks.
pub(crate) fn summary(json: &[u8]) -> Option<PkiMeasured> {
    let report: Report = serde_json::from_slice(json).ok()?;
    Some(match report {
        Report::Chain { verdict, at, links } => PkiMeasured::Chain {
            verdict,
            root: links
                .last()
                .map(|l| common_name(&l.subject))
                .unwrap_or_default(),
            links: links.len(),
            at,
        },
        Report::Oids {
            verdict,
            certificates,
        } => PkiMeasured::Oids {
            verdict,
            certificates: certificates.len(),
            unregistered: certificates.iter().map(|c| c.unknown.len()).sum(),
        },
        Report::Crl {
            verdict,
            entries,
            next_update,
            signature,
        } => PkiMeasured::Crl {
            verdict,
            entries,
            next_update,
            signature_verified: signature.and_then(|s| s.verified),
        },
        Report::Time {
            verdict,
            server,
            second,
            offset_to_second_ms,
        } => PkiMeasured::Time {
            verdict,
            offset_ms: server.sample.map(|s| s.offset_ms),
            server: server.server,
            second: second.map(|s| s.server),
            offset_to_second_ms,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_summed_up() {
        let chain = r#"{"check":"chain","paragraphs":"x","verdict":"complies","reasons":[],
            "at":"2025-01-01T00:00:00Z","anchor_set":"production","inputs":[],"trusted":true,
            "links":[{"subject":"CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) 2022, C=KZ"},
                     {"subject":"C=KZ, CN=ҚР ТКО (GOST) 2022"}]}"#;
        assert_eq!(
            summary(chain.as_bytes()),
            Some(PkiMeasured::Chain {
                verdict: PkiVerdict::Complies,
                root: "ҚР ТКО (GOST) 2022".into(),
                links: 2,
                at: "2025-01-01T00:00:00Z".into()
            })
        );
        let time = br#"{"check":"time","verdict":"does_not_comply","max_offset_ms":1000,
            "server":{"server":"127.0.0.1:123","answered":true,"sample":{"offset_ms":1500.5}},
            "offset_to_second_ms":null}"#;
        assert_eq!(
            summary(time),
            Some(PkiMeasured::Time {
                verdict: PkiVerdict::DoesNotComply,
                server: "127.0.0.1:123".into(),
                offset_ms: Some(1500.5),
                second: None,
                offset_to_second_ms: None
            })
        );
        assert_eq!(summary(b"{\"check\":\"photo\"}"), None);
        assert_eq!(summary(b"not json"), None);
    }
}
