//! §12(13): the CA's certificate revocation list — read from a file or fetched from its
//! distribution point, its signature checked by its issuer (GOST included), its freshness
//! at a time, whether it is a delta CRL, and whether given certificates are on it.

use std::time::Duration;

use serde::Serialize;
use tekseru_eds::certificate::Certificate;
use tekseru_eds::crl::{Crl, Revocation};
use tekseru_eds::EdsError;
use time::OffsetDateTime;

use crate::{header, rfc3339, short_name, Input, InputFact, Report, Verdict};

/// The largest CRL fetched (the NCA's full CRLs are a few MB).
const MAX_BODY: u64 = 256 << 20;

/// Why a CRL could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered, with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// No usable answer: timeout, refused connection, unknown host, TLS failure, …
    #[error("no answer from {url}: {reason}")]
    NoAnswer {
        /// The URL.
        url: String,
        /// What happened.
        reason: String,
    },
}

/// Fetches `url` (http or https) with a global `timeout`, following up to 3 redirects.
pub fn fetch(url: &str, timeout: Duration) -> Result<Input, FetchError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(3)
        .build()
        .into();
    let no_answer = |e: ureq::Error| FetchError::NoAnswer {
        url: url.to_owned(),
        reason: e.to_string(),
    };
    let mut response = agent.get(url).call().map_err(no_answer)?;
    let status = response.status().as_u16();
    if status >= 400 {
        return Err(FetchError::Status {
            url: url.to_owned(),
            status,
        });
    }
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(no_answer)?;
    Ok(Input::new(url, bytes))
}

/// The signature check of the CRL.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureFact {
    /// The algorithm, by name or OID.
    pub algorithm: String,
    /// Whether it verifies; `None` when it could not be checked.
    pub verified: Option<bool>,
    /// The issuer certificate used (its subject), when one was.
    pub issuer: Option<String>,
    /// Where that certificate came from: `given`, `production anchors`, `training anchors`.
    pub issuer_from: Option<&'static str>,
    /// Why it does not verify or could not be checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One `--check` certificate looked up on the CRL.
#[derive(Clone, Debug, Serialize)]
pub struct Lookup {
    /// The file.
    pub file: InputFact,
    /// Its subject (empty when the file does not parse).
    pub subject: String,
    /// Its serial number, hex.
    pub serial: String,
    /// Whether this CRL covers it (same issuer).
    pub covered: bool,
    /// Whether the CRL lists it.
    pub revoked: bool,
    /// When it was revoked, RFC 3339.
    pub revoked_on: Option<String>,
    /// The reason code, when the entry has one.
    pub reason: Option<String>,
    /// Whether it was revoked at or before the time judged at.
    pub revoked_at_time: bool,
    /// Why the file could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The report of [`check`].
#[derive(Clone, Debug, Serialize)]
pub struct CrlCheck {
    /// Always `crl`.
    pub check: &'static str,
    /// The paragraph of 224/НҚ it serves.
    pub paragraphs: &'static str,
    /// The proposed verdict.
    pub verdict: Verdict,
    /// Why, one sentence each.
    pub reasons: Vec<String>,
    /// What was noticed without failing it.
    pub notes: Vec<String>,
    /// The time judged at, RFC 3339.
    pub at: String,
    /// The CRL file or URL.
    pub source: InputFact,
    /// The CRL's issuer on one line (empty when it does not parse).
    pub issuer: String,
    /// thisUpdate, RFC 3339.
    pub this_update: Option<String>,
    /// nextUpdate, RFC 3339.
    pub next_update: Option<String>,
    /// Whether `at` lies within thisUpdate..nextUpdate.
    pub fresh: bool,
    /// The CRL number, hex.
    pub number: Option<String>,
    /// Whether it is a delta CRL.
    pub delta: bool,
    /// For a delta CRL, its base CRL's number, hex.
    pub delta_base: Option<String>,
    /// How many certificates it lists.
    pub entries: usize,
    /// The signature check.
    pub signature: Option<SignatureFact>,
    /// The `--check` certificates.
    pub lookups: Vec<Lookup>,
    /// Every entry, by serial, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Vec<Revocation>>,
}

impl Report for CrlCheck {
    fn check(&self) -> &'static str {
        self.check
    }
    fn verdict(&self) -> Verdict {
        self.verdict
    }
    fn reasons(&self) -> &[String] {
        &self.reasons
    }
    fn text(&self) -> String {
        let mut out = header(
            "Certificate revocation list",
            self.paragraphs,
            self.verdict,
            &self.reasons,
        );
        out.push_str(&format!(
            "source: {} ({} bytes, sha256 {})\njudged at: {}\nissuer: {}\nthisUpdate: {}\nnextUpdate: {}\n\
             fresh at that time: {}\nCRL number: {}\ndelta CRL: {}\nentries: {}\n",
            self.source.name,
            self.source.bytes,
            self.source.sha256,
            self.at,
            self.issuer,
            self.this_update.as_deref().unwrap_or("-"),
            self.next_update.as_deref().unwrap_or("none"),
            if self.fresh { "yes" } else { "no" },
            self.number.as_deref().unwrap_or("none"),
            match &self.delta_base {
                Some(base) => format!("yes, of base CRL {base}"),
                None => "no".to_owned(),
            },
            self.entries,
        ));
        if let Some(s) = &self.signature {
            out.push_str(&format!(
                "signature: {} {}{}{}\n",
                s.algorithm,
                match s.verified {
                    Some(true) => "verifies",
                    Some(false) => "DOES NOT VERIFY",
                    None => "not checked",
                },
                s.issuer
                    .as_deref()
                    .map(|i| format!(" under {i}"))
                    .unwrap_or_default(),
                s.issuer_from.map(|f| format!(" ({f})")).unwrap_or_default(),
            ));
        }
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        for l in &self.lookups {
            out.push_str(&format!("\ncertificate {} ({})\n", l.file.name, l.subject));
            if let Some(e) = &l.error {
                out.push_str(&format!("  cannot be read: {e}\n"));
            } else if !l.covered {
                out.push_str("  not covered: another issuer\n");
            } else if l.revoked {
                out.push_str(&format!(
                    "  serial {}: REVOKED on {}{}\n",
                    l.serial,
                    l.revoked_on.as_deref().unwrap_or("?"),
                    l.reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                ));
            } else {
                out.push_str(&format!("  serial {}: not revoked\n", l.serial));
            }
        }
        out
    }
}

/// Whether the outer signatureAlgorithm of a signed structure (a CRL's CertificateList)
/// is byte for byte the `signature` field inside its signed part.
pub(crate) fn algorithms_agree(der_bytes: &[u8]) -> bool {
    use der::asn1::AnyRef;
    use der::{Decode as _, Reader as _, SliceReader, Tag};
    let inner = || -> der::Result<bool> {
        let outer = AnyRef::from_der(der_bytes)?;
        let mut r = SliceReader::new(outer.value())?;
        let tbs: AnyRef<'_> = r.decode()?;
        let algorithm: AnyRef<'_> = r.decode()?;
        let mut t = SliceReader::new(tbs.value())?;
        if Tag::peek(&t)? == Tag::Integer {
            let _version: AnyRef<'_> = t.decode()?;
        }
        let signed: AnyRef<'_> = t.decode()?;
        Ok(signed == algorithm)
    };
    inner().unwrap_or(false)
}

/// A CA certificate that may have signed a CRL of `issuer`, among the shipped anchors.
fn shipped_issuer(crl: &Crl) -> Option<(Certificate, &'static str)> {
    let sets = [
        (tekseru_eds::anchor::production(), "production anchors"),
        (tekseru_eds::anchor::training(), "training anchors"),
    ];
    for (set, from) in sets {
        let Ok(anchors) = set else { continue };
        let mut same_name = anchors
            .iter()
            .filter(|a| a.certificate.subject() == crl.issuer());
        // Several generations may share a name: the one whose key verifies, else the first.
        let candidates: Vec<_> = same_name.by_ref().collect();
        if let Some(a) = candidates
            .iter()
            .find(|a| crl.verify_signed_by(&a.certificate).is_ok())
            .or(candidates.first())
        {
            return Some((a.certificate.clone(), from));
        }
    }
    None
}

/// Checks `crl` at `at`: its signature by `issuer` (searched among the shipped anchors when
/// `None`), its freshness, whether it is a delta CRL, and looks up `checks`. With
/// `list_entries`, the report carries every entry.
///
/// Complies when the signature verifies and `at` lies within thisUpdate..nextUpdate; does
/// not comply when the signature does not verify or the CRL is not current; not verifiable
/// here when it does not parse, no issuer certificate is at hand, or its algorithm is not
/// known here. Revoked `checks` certificates are facts reported, not failures of the CRL.
pub fn check(
    crl: &Input,
    issuer: Option<&Input>,
    checks: &[Input],
    at: OffsetDateTime,
    list_entries: bool,
) -> CrlCheck {
    let mut report = CrlCheck {
        check: "crl",
        paragraphs: "224/НҚ §12(13)",
        verdict: Verdict::NotVerifiableHere,
        reasons: Vec::new(),
        notes: Vec::new(),
        at: rfc3339(at),
        source: crl.describe(),
        issuer: String::new(),
        this_update: None,
        next_update: None,
        fresh: false,
        number: None,
        delta: false,
        delta_base: None,
        entries: 0,
        signature: None,
        lookups: Vec::new(),
        revoked: None,
    };
    let list = match Crl::parse(&crl.bytes) {
        Ok(l) => l,
        Err(e) => {
            report.reasons.push(format!("{}: {e}", crl.name));
            return report;
        }
    };
    let mut hard = Vec::new();
    let mut undecided = Vec::new();
    report.issuer = list.issuer().to_owned();
    report.this_update = Some(rfc3339(list.this_update()));
    report.next_update = list.next_update().map(rfc3339);
    report.fresh = list.is_fresh_at(at);
    report.number = list.number().map(str::to_owned);
    report.delta = list.is_delta();
    report.delta_base = list.delta_base().map(str::to_owned);
    report.entries = list.len();

    // The signature.
    let algorithm = match list.signature_algorithm() {
        Ok(a) => a.name(),
        Err(EdsError::UnknownAlgorithm(oid)) => oid,
        Err(e) => e.to_string(),
    };
    let issuer_cert = match issuer {
        Some(input) => match Certificate::parse(&input.bytes) {
            Ok(c) => Some((c, "given")),
            Err(e) => {
                undecided.push(format!("{}: {e}", input.name));
                None
            }
        },
        None => shipped_issuer(&list),
    };
    let signature = match &issuer_cert {
        None => {
            if issuer.is_none() {
                undecided.push(format!(
                    "the CRL's signature was not checked: its issuer {} is not among the shipped \
                     anchors; give its certificate with --issuer",
                    list.issuer()
                ));
            }
            SignatureFact {
                algorithm,
                verified: None,
                issuer: None,
                issuer_from: None,
                error: None,
            }
        }
        Some((cert, from)) => {
            let result = list.verify_signed_by(cert);
            let verified = match &result {
                Ok(()) => Some(true),
                Err(EdsError::UnknownAlgorithm(_)) => None,
                Err(_) => Some(false),
            };
            let error = result.err().map(|e| e.to_string());
            match (verified, &error) {
                (Some(false), Some(e)) => hard.push(format!(
                    "the CRL's signature does not verify under {}: {e}",
                    short_name(&cert.subject())
                )),
                (None, Some(e)) => undecided.push(format!("the CRL's signature: {e}")),
                _ => {}
            }
            let usage = cert.key_usage();
            if !usage.is_empty() && !usage.iter().any(|u| u == "cRLSign") {
                hard.push(format!(
                    "its issuer {} may not sign CRLs: its keyUsage ({}) lacks cRLSign",
                    short_name(&cert.subject()),
                    usage.join(", ")
                ));
            }
            if *from == "training anchors" {
                report.notes.push(
                    "its issuer is of the NCA TEST hierarchy: a training CRL, not a production one"
                        .to_owned(),
                );
            }
            SignatureFact {
                algorithm,
                verified,
                issuer: Some(cert.subject()),
                issuer_from: Some(from),
                error,
            }
        }
    };
    report.signature = Some(signature);

    // RFC 5280 §5.1.1.2: the algorithm outside the signed part must be the one inside it.
    if !algorithms_agree(list.der()) {
        hard.push(
            "its signatureAlgorithm differs from the signature field inside the signed list \
             (RFC 5280 §5.1.1.2)"
                .to_owned(),
        );
    }

    // Freshness.
    if list.this_update() > at {
        hard.push(format!(
            "the CRL is not yet issued at {}: its thisUpdate is {}",
            rfc3339(at),
            rfc3339(list.this_update())
        ));
    }
    match list.next_update() {
        Some(next) if next < at => hard.push(format!(
            "the CRL is out of date at {}: its nextUpdate was {}",
            rfc3339(at),
            rfc3339(next)
        )),
        Some(_) => {}
        None => report
            .notes
            .push("the CRL has no nextUpdate: when the next one is due is not said".to_owned()),
    }
    if let Some(base) = list.delta_base() {
        report.notes.push(format!(
            "a delta CRL (of base CRL number {base}): it lists only the changes since that base; \
             check the base CRL too"
        ));
    }

    // The certificates asked about.
    for input in checks {
        let cert = match Certificate::parse(&input.bytes) {
            Ok(c) => c,
            Err(e) => {
                report.lookups.push(Lookup {
                    file: input.describe(),
                    subject: String::new(),
                    serial: String::new(),
                    covered: false,
                    revoked: false,
                    revoked_on: None,
                    reason: None,
                    revoked_at_time: false,
                    error: Some(e.to_string()),
                });
                continue;
            }
        };
        let covered = cert.issuer() == list.issuer();
        let entry = list.lookup_certificate(&cert);
        if !covered {
            report.notes.push(format!(
                "{} is issued by {}, which this CRL does not cover",
                input.name,
                cert.issuer()
            ));
        }
        report.lookups.push(Lookup {
            file: input.describe(),
            subject: cert.subject(),
            serial: cert.serial_hex(),
            covered,
            revoked: entry.is_some(),
            revoked_on: entry.as_ref().map(|e| rfc3339(e.date)),
            reason: entry.as_ref().and_then(|e| e.reason.clone()),
            revoked_at_time: entry.as_ref().is_some_and(|e| e.date <= at),
            error: None,
        });
    }
    if list_entries {
        let mut all: Vec<Revocation> = list.entries().collect();
        all.sort_by(|a, b| (a.serial.len(), &a.serial).cmp(&(b.serial.len(), &b.serial)));
        report.revoked = Some(all);
    }
    report.verdict = if !hard.is_empty() {
        Verdict::DoesNotComply
    } else if !undecided.is_empty() {
        Verdict::NotVerifiableHere
    } else {
        Verdict::Complies
    };
    report.reasons = hard;
    report.reasons.extend(undecided);
    report
}

/// The report when the CRL could not be fetched: a server that answers with an error does
/// not give access to its CRL (does not comply); no answer at all is not verifiable here
/// (the laptop may not be on the CA's network).
pub fn not_fetched(url: &str, error: &FetchError, at: OffsetDateTime) -> CrlCheck {
    let verdict = match error {
        FetchError::Status { .. } => Verdict::DoesNotComply,
        FetchError::NoAnswer { .. } => Verdict::NotVerifiableHere,
    };
    CrlCheck {
        check: "crl",
        paragraphs: "224/НҚ §12(13)",
        verdict,
        reasons: vec![format!("the CRL could not be fetched: {error}")],
        notes: Vec::new(),
        at: rfc3339(at),
        source: Input::new(url, Vec::new()).describe(),
        issuer: String::new(),
        this_update: None,
        next_update: None,
        fresh: false,
        number: None,
        delta: false,
        delta_base: None,
        entries: 0,
        signature: None,
        lookups: Vec::new(),
        revoked: None,
    }
}

/// The http(s) URLs of a certificate's CRL distribution points, in order.
pub fn distribution_points(cert: &Certificate) -> Vec<String> {
    use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
    use x509_cert::ext::pkix::CrlDistributionPoints;
    let Ok(Some((_, points))) = cert
        .x509()
        .tbs_certificate()
        .get_extension::<CrlDistributionPoints>()
    else {
        return Vec::new();
    };
    points
        .0
        .iter()
        .filter_map(|p| match &p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|n| match n {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .collect()
}
