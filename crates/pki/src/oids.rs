//! §12(3), (5): the policy OIDs, extended key usages and roles (1.2.398.3.3.4.*) of the CA's
//! certificates, compared with the [`Registry`] of OIDs registered by the service provider.

use serde::Serialize;
use tekseru_eds::certificate::Certificate;

use crate::registry::{Kind, Registry};
use crate::{header, short_name, Input, InputFact, Report, Verdict};

/// One OID found in a certificate.
#[derive(Clone, Debug, Serialize)]
pub struct OidFact {
    /// The OID.
    pub oid: String,
    /// Where it was found: `policy` (certificatePolicies) or `eku` / `role`
    /// (extKeyUsage; `role` for 1.2.398.3.3.4.*).
    pub kind: Kind,
    /// Whether the registry lists it.
    pub registered: bool,
    /// Its English name from the registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The registry's source for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One certificate's OIDs.
#[derive(Clone, Debug, Serialize)]
pub struct CertificateOids {
    /// The file.
    pub file: InputFact,
    /// The subject on one line (empty when the file does not parse).
    pub subject: String,
    /// The issuer on one line.
    pub issuer: String,
    /// The serial number, hex.
    pub serial: String,
    /// Whether it is a CA certificate (basicConstraints cA).
    pub ca: bool,
    /// Its certificate policies.
    pub policies: Vec<OidFact>,
    /// Its extended key usages, roles included.
    pub extended_key_usages: Vec<OidFact>,
    /// The holder's role, the most specific 1.2.398.3.3.4.* EKU, by name.
    pub role: Option<String>,
    /// The OIDs the registry does not list.
    pub unknown: Vec<String>,
    /// Why the file could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The report of [`check`].
#[derive(Clone, Debug, Serialize)]
pub struct OidsCheck {
    /// Always `oids`.
    pub check: &'static str,
    /// The paragraphs of 224/НҚ it serves.
    pub paragraphs: &'static str,
    /// The proposed verdict.
    pub verdict: Verdict,
    /// Why, one sentence each.
    pub reasons: Vec<String>,
    /// The registry compared with.
    pub registry: String,
    /// The certificates, in the order given.
    pub certificates: Vec<CertificateOids>,
}

impl Report for OidsCheck {
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
            "Registered OIDs",
            self.paragraphs,
            self.verdict,
            &self.reasons,
        );
        out.push_str(&format!("registry: {}\n", self.registry));
        let line = |f: &OidFact| {
            format!(
                "    {} {}{}\n",
                f.oid,
                if f.registered {
                    "registered"
                } else {
                    "NOT IN THE REGISTRY"
                },
                f.name
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            )
        };
        for c in &self.certificates {
            out.push_str(&format!("\n{} ({})\n", c.file.name, c.file.sha256));
            if let Some(e) = &c.error {
                out.push_str(&format!("  cannot be read: {e}\n"));
                continue;
            }
            out.push_str(&format!(
                "  subject: {}\n  issuer: {}\n  serial: {}\n  role: {}\n  policies:\n",
                c.subject,
                c.issuer,
                c.serial,
                c.role.as_deref().unwrap_or("none")
            ));
            for f in &c.policies {
                out.push_str(&line(f));
            }
            out.push_str("  extended key usages:\n");
            for f in &c.extended_key_usages {
                out.push_str(&line(f));
            }
        }
        out
    }
}

fn fact(registry: &Registry, oid: String, kind: Kind) -> OidFact {
    let entry = registry.get(&oid, kind);
    OidFact {
        kind,
        registered: entry.is_some(),
        name: entry.map(|e| e.name.en.clone()),
        source: entry.map(|e| e.source.clone()),
        oid,
    }
}

/// Lists the OIDs of `certificates` and compares them with `registry`.
///
/// Complies when every OID is registered and every end-entity certificate carries a policy;
/// does not comply when one is not registered (or an end-entity certificate carries no
/// policy); not verifiable here when a file is not a certificate and nothing else failed.
pub fn check(certificates: &[Input], registry: &Registry) -> OidsCheck {
    let mut reasons = Vec::new();
    let mut unreadable = Vec::new();
    let mut rows = Vec::new();
    for input in certificates {
        let cert = match Certificate::parse(&input.bytes) {
            Ok(c) => c,
            Err(e) => {
                unreadable.push(format!("{}: {e}", input.name));
                rows.push(CertificateOids {
                    file: input.describe(),
                    subject: String::new(),
                    issuer: String::new(),
                    serial: String::new(),
                    ca: false,
                    policies: Vec::new(),
                    extended_key_usages: Vec::new(),
                    role: None,
                    unknown: Vec::new(),
                    error: Some(e.to_string()),
                });
                continue;
            }
        };
        let policies: Vec<OidFact> = cert
            .policies()
            .into_iter()
            .map(|o| fact(registry, o, Kind::Policy))
            .collect();
        let ekus: Vec<OidFact> = cert
            .extended_key_usage()
            .into_iter()
            .map(|o| {
                let kind = if o.starts_with("1.2.398.3.3.4.") {
                    Kind::Role
                } else {
                    Kind::Eku
                };
                fact(registry, o, kind)
            })
            .collect();
        let unknown: Vec<String> = policies
            .iter()
            .chain(&ekus)
            .filter(|f| !f.registered)
            .map(|f| f.oid.clone())
            .collect();
        let name = short_name(&cert.subject());
        for f in policies.iter().chain(&ekus).filter(|f| !f.registered) {
            reasons.push(format!(
                "{} ({name}): {} {} is not in the registry of registered OIDs",
                input.name,
                f.kind.name(),
                f.oid
            ));
        }
        let ca = cert.basic_constraints().is_some_and(|(ca, _)| ca);
        if !ca && policies.is_empty() {
            reasons.push(format!(
                "{} ({name}): it carries no certificate policy OID",
                input.name
            ));
        }
        rows.push(CertificateOids {
            file: input.describe(),
            subject: cert.subject(),
            issuer: cert.issuer(),
            serial: cert.serial_hex(),
            ca,
            policies,
            extended_key_usages: ekus,
            role: cert.role().map(|r| r.name()),
            unknown,
            error: None,
        });
    }
    if certificates.is_empty() {
        unreadable.push("no certificate was given".to_owned());
    }
    let verdict = if !reasons.is_empty() {
        Verdict::DoesNotComply
    } else if !unreadable.is_empty() {
        Verdict::NotVerifiableHere
    } else {
        Verdict::Complies
    };
    reasons.extend(unreadable);
    OidsCheck {
        check: "oids",
        paragraphs: "224/НҚ §12(3), (5)",
        verdict,
        reasons,
        registry: registry.file.clone(),
        certificates: rows,
    }
}
