//! `tekseru act`: render the act to PDF, sign it as a member, verify it, write a dissent notice.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use tekseru_act::eds::certificate::Certificate;
use tekseru_act::eds::crl::Crl;
use tekseru_act::{ActData, Languages, Pkcs12Signer, RenderOptions};
use tekseru_core::Iin;
use time::OffsetDateTime;

use crate::store::StoreArgs;

/// The act: render, sign, verify, dissent.
#[derive(clap::Subcommand)]
pub(crate) enum ActCmd {
    /// Render the act of an inspection in the store (sealing it), or from act data (JSON).
    Render {
        /// The inspection's id: its act is rendered from the store, the inspection sealed at
        /// its audit head and the PDF kept as a revision.
        #[arg(required_unless_present = "data", conflicts_with = "data")]
        id: Option<String>,
        /// Act data (JSON; see assets/demo/act-data.json) instead of an inspection.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Output PDF.
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// Language: kk, ru or kk+ru (side by side).
        #[arg(long, default_value = "kk+ru")]
        lang: String,
        /// The document's creation time (RFC 3339); default with --data: the act's date,
        /// 18:00 +05:00, so that the same data gives the same bytes; with an id: now.
        #[arg(long)]
        created: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Sign the act as one commission member (incremental update; earlier signatures stay valid).
    Sign {
        /// The act PDF.
        pdf: PathBuf,
        /// The member's PKCS#12 key file (NCA RK `GOST512_….p12`, `RSA256_….p12`, …).
        #[arg(
            long,
            required_unless_present = "ncalayer",
            conflicts_with = "ncalayer"
        )]
        p12: Option<PathBuf>,
        /// The environment variable holding the PKCS#12 password.
        #[arg(long, requires = "p12")]
        password_env: Option<String>,
        /// Sign with NCALayer (keys on tokens and ID cards), at wss://127.0.0.1:13579 or
        /// $TEKSERU_NCALAYER_URL; what it returns is verified before it enters the act.
        #[arg(long)]
        ncalayer: bool,
        /// The member's IIN (must be on the act's roster and in the certificate).
        #[arg(long)]
        member: String,
        /// Output PDF.
        #[arg(short = 'o', long)]
        output: PathBuf,
    },
    /// Verify every signature, the manifest and the quorum. Exit 0 only when all hold.
    Verify {
        /// The act PDF.
        pdf: PathBuf,
        /// Certificate file(s), PEM or DER, trusted in addition to the NCA RK anchors.
        #[arg(long)]
        trust: Vec<PathBuf>,
        /// Do not trust the NCA RK anchors tekseru ships: only --trust.
        #[arg(long)]
        no_default_anchors: bool,
        /// Judge every certificate at this time (RFC 3339) instead of its signing time.
        #[arg(long)]
        at: Option<String>,
        /// Revocation list(s), DER or PEM: a signer revoked before signing does not count.
        #[arg(long)]
        crl: Vec<PathBuf>,
        /// The inspection's roster (JSON, as `inspection new --roster` takes it, optionally
        /// with "rule", "settings" and "audit_head"): the act's must be the same. Without it
        /// the roster is taken as the act states it, not confirmed.
        #[arg(long)]
        roster: Option<PathBuf>,
    },
    /// Record a member's dissent and write the notice to the service provider.
    Dissent {
        /// The inspection's id: the dissent is recorded in the store and the notice kept.
        #[arg(required_unless_present = "data", conflicts_with = "data")]
        id: Option<String>,
        /// Act data (JSON) instead of an inspection: only the notice is written.
        #[arg(long)]
        data: Option<PathBuf>,
        /// The dissenting member's IIN.
        #[arg(long)]
        member: String,
        /// Why they do not sign.
        #[arg(long)]
        reason: String,
        /// Output PDF.
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// Language: kk, ru or kk+ru.
        #[arg(long, default_value = "kk+ru")]
        lang: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The latest act of an inspection, verified against the store's trusted roots: its
    /// signatures and quorum. Exit 0 only when every signature counts and the quorum is met.
    Status {
        /// The inspection's id.
        id: String,
        /// Also write the latest revision's PDF here.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Trust the root certificate(s) of a file for verifying signatures in the store, in
    /// addition to the NCA RK anchors tekseru ships.
    Trust {
        /// PEM or DER file of self-signed root certificate(s).
        pem: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// A roster file: the members as `inspection new --roster` takes them, optionally the rule,
/// the quorum settings and the audit head the act must carry.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterFile {
    #[serde(default)]
    rule: Option<tekseru_core::quorum::Rule>,
    members: Vec<RosterMember>,
    #[serde(default)]
    settings: Option<tekseru_core::quorum::Settings>,
    #[serde(default)]
    audit_head: Option<String>,
    #[serde(default, rename = "act_date")]
    _act_date: Option<serde_json::Value>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterMember {
    #[serde(flatten)]
    member: tekseru_core::Member,
    #[serde(default, rename = "signed")]
    _signed: Option<bool>,
    #[serde(default, rename = "signed_on")]
    _signed_on: Option<serde_json::Value>,
}

fn read_roster(path: &Path) -> anyhow::Result<tekseru_act::ExpectedRoster> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read roster file '{}'", path.display()))?;
    let file: RosterFile = serde_json::from_str(&tekseru_core::nfc(&text))
        .with_context(|| format!("roster file '{}' is not valid", path.display()))?;
    Ok(tekseru_act::ExpectedRoster {
        roster: tekseru_core::Roster {
            members: file.members.into_iter().map(|m| m.member).collect(),
        },
        rule: file.rule,
        settings: file.settings,
        audit_head: file.audit_head,
    })
}

fn read_data(path: &Path) -> anyhow::Result<ActData> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read act data '{}'", path.display()))?;
    ActData::from_json(&text).with_context(|| format!("act data '{}' is not valid", path.display()))
}

fn options(data: &ActData, lang: &str, created: Option<&str>) -> anyhow::Result<RenderOptions> {
    let languages: Languages = lang.parse()?;
    let created = match created {
        Some(text) => rfc3339(text)?,
        None => data
            .end
            .with_hms(18, 0, 0)
            .context("act date")?
            .assume_offset(time::UtcOffset::from_hms(5, 0, 0).context("offset")?),
    };
    Ok(RenderOptions { languages, created })
}

fn rfc3339(text: &str) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .with_context(|| format!("--created {text:?} is not an RFC 3339 time"))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write '{}'", path.display()))
}

fn iin(text: &str) -> anyhow::Result<Iin> {
    Iin::parse_allowing_test(text).with_context(|| format!("--member {text:?} is not a valid IIN"))
}

pub(crate) fn run(cmd: ActCmd, json: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        ActCmd::Render {
            id,
            data,
            output,
            lang,
            created,
            store,
        } => {
            let pdf = match (id, data) {
                (Some(id), _) => {
                    let mut store = store.open(false)?;
                    let created = match created.as_deref() {
                        Some(text) => rfc3339(text)?,
                        None => tekseru_workflow::clock::now()?,
                    };
                    tekseru_workflow::render(
                        &mut store,
                        &id,
                        lang.parse()?,
                        created,
                        &mut |_, _| true,
                    )?
                    .pdf
                }
                (None, Some(data)) => {
                    let act = read_data(&data)?;
                    tekseru_act::render_act(&act, &options(&act, &lang, created.as_deref())?)?
                }
                (None, None) => bail!("give an inspection id or --data"),
            };
            write(&output, &pdf)?;
            report(json, &output, pdf.len())
        }
        ActCmd::Dissent {
            id,
            data,
            member,
            reason,
            output,
            lang,
            store,
        } => {
            let member = iin(&member)?;
            let pdf = match (id, data) {
                (Some(id), _) => {
                    let mut store = store.open(false)?;
                    tekseru_workflow::dissent(
                        &mut store,
                        &id,
                        &member,
                        &reason,
                        lang.parse()?,
                        tekseru_workflow::clock::now()?,
                    )?
                    .pdf
                }
                (None, Some(data)) => {
                    let act = read_data(&data)?;
                    tekseru_act::render_dissent(
                        &act,
                        &member,
                        &reason,
                        &options(&act, &lang, None)?,
                    )?
                }
                (None, None) => bail!("give an inspection id or --data"),
            };
            write(&output, &pdf)?;
            report(json, &output, pdf.len())
        }
        ActCmd::Status { id, output, store } => {
            let store = store.open(false)?;
            let Some(status) = tekseru_workflow::status(&store, &id)? else {
                bail!("inspection {id} has no act yet: render it with `tekseru act render {id}`");
            };
            if let Some(output) = &output {
                let inspection = store.inspection(&id)?;
                if let Some(latest) = tekseru_workflow::latest_act(&store, &inspection)? {
                    write(output, &latest.pdf)?;
                }
            }
            if json {
                crate::print_json(&status)?;
            } else {
                out!(
                    "act revision {} ({}), {} page(s), {} signature(s), {} trusted root(s)",
                    tekseru_store::audit::short(&status.revision.sha256),
                    status.revision.kind,
                    status.pages,
                    status.signatures.len(),
                    status.trusted_roots
                );
                if status.amendments > 0 {
                    out!(
                        "the inspection changed {} time(s) since: render the act again",
                        status.amendments
                    );
                }
                for reason in status.quorum.reasons.iter().chain(&status.reasons) {
                    out!("- {reason}");
                }
            }
            Ok(if status.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        ActCmd::Trust { pem, store } => {
            let mut store = store.open(false)?;
            let bytes =
                std::fs::read(&pem).with_context(|| format!("cannot read '{}'", pem.display()))?;
            let added = tekseru_workflow::add_trusted_root(
                &mut store,
                &pem.display().to_string(),
                &bytes,
                tekseru_workflow::clock::now()?,
            )?;
            let total = tekseru_workflow::trusted_roots(&store)?.len();
            if json {
                crate::print_json(&serde_json::json!({ "added": added, "trusted": total }))?;
            } else {
                out!("{added} root(s) added; {total} trusted");
            }
            Ok(ExitCode::SUCCESS)
        }
        ActCmd::Sign {
            pdf,
            p12,
            password_env,
            ncalayer,
            member,
            output,
        } => {
            let member = iin(&member)?;
            let bytes =
                std::fs::read(&pdf).with_context(|| format!("cannot read '{}'", pdf.display()))?;
            let signer: Box<dyn tekseru_act::Signer> = match (p12, ncalayer) {
                (_, true) => Box::new(tekseru_workflow::NcaLayerSigner::from_env()?),
                (Some(p12), false) => {
                    let key = zeroize::Zeroizing::new(
                        std::fs::read(&p12)
                            .with_context(|| format!("cannot read '{}'", p12.display()))?,
                    );
                    let Some(password_env) = password_env else {
                        bail!("give --password-env VAR: the environment variable holding the key file's password");
                    };
                    let Ok(password) = std::env::var(&password_env) else {
                        bail!(
                            "the environment variable {password_env} (--password-env) is not set"
                        );
                    };
                    let password = zeroize::Zeroizing::new(password);
                    Box::new(
                        Pkcs12Signer::open(&key, &password)
                            .with_context(|| format!("key file '{}'", p12.display()))?,
                    )
                }
                (None, false) => bail!("give --p12 FILE or --ncalayer"),
            };
            let signed = tekseru_act::sign(
                &bytes,
                &member,
                signer.as_ref(),
                tekseru_workflow::clock::now()?,
            )?;
            write(&output, &signed)?;
            report(json, &output, signed.len())
        }
        ActCmd::Verify {
            pdf,
            trust,
            no_default_anchors,
            at,
            crl,
            roster,
        } => {
            let bytes =
                std::fs::read(&pdf).with_context(|| format!("cannot read '{}'", pdf.display()))?;
            let mut options = tekseru_act::VerifyOptions {
                default_anchors: !no_default_anchors,
                ..tekseru_act::VerifyOptions::default()
            };
            for path in &trust {
                let file = std::fs::read(path)
                    .with_context(|| format!("cannot read '{}'", path.display()))?;
                let certs = Certificate::parse_all(&file).with_context(|| {
                    format!(
                        "'{}' is not a certificate file (PEM or DER)",
                        path.display()
                    )
                })?;
                if certs.is_empty() {
                    bail!("'{}' holds no certificate", path.display());
                }
                options.trust.extend(certs);
            }
            for path in &crl {
                let file = std::fs::read(path)
                    .with_context(|| format!("cannot read '{}'", path.display()))?;
                options.crls.push(Crl::parse(&file).with_context(|| {
                    format!(
                        "'{}' is not a revocation list (CRL, DER or PEM)",
                        path.display()
                    )
                })?);
            }
            if let Some(at) = at.as_deref() {
                options.at = Some(
                    OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                        .with_context(|| format!("--at {at:?} is not an RFC 3339 time"))?,
                );
            }
            if let Some(path) = &roster {
                options.roster = Some(read_roster(path)?);
            }
            let result = tekseru_act::verify(&bytes, &options)?;
            if json {
                crate::print_json(&result)?;
            } else {
                if result.training {
                    out!("TRAINING act: it has no legal force");
                }
                for (i, s) in result.signatures.iter().enumerate() {
                    out!(
                        "signature {}: {} ({}), signed {}, {}, valid: {}, trusted: {}{}, revision {}",
                        i + 1,
                        s.member.as_deref().unwrap_or("not on the roster"),
                        s.iin.as_deref().unwrap_or("no IIN"),
                        s.signed_at.as_deref().unwrap_or("?"),
                        s.algorithm.as_deref().unwrap_or("unknown algorithm"),
                        s.valid,
                        s.trusted,
                        if s.revoked.is_some() { " (revoked later)" } else { "" },
                        s.revision
                    );
                    out!(
                        "  allows {}; after it: {}{}",
                        s.mdp,
                        s.modification.words(),
                        if s.content_intact {
                            ""
                        } else {
                            "; its content was changed: it does not count"
                        }
                    );
                    for c in s.changes_after.iter().chain(&s.changes_before) {
                        out!(
                            "  - OBJECT {} ({}) in revision {}",
                            c.object,
                            c.what,
                            c.revision
                        );
                    }
                }
                out!(
                    "modified after the last signature: {}",
                    result.modified_after_last_signature
                );
                out!("manifest matches: {}", result.manifest_matches);
                out!(
                    "pages: {}",
                    match result.pages {
                        tekseru_act::Pages::Shown => "the pages show the manifest",
                        tekseru_act::Pages::NotShown => "the pages do NOT show the manifest",
                        tekseru_act::Pages::Unconfirmed => "cannot confirm the pages",
                    }
                );
                out!(
                    "roster: {}",
                    if result.roster_confirmed {
                        "the inspection's (confirmed)"
                    } else if roster.is_some() {
                        "NOT the inspection's"
                    } else {
                        "as the act states it, not confirmed"
                    }
                );
                for reason in result.quorum.reasons.iter().chain(&result.reasons) {
                    out!("- {reason}");
                }
            }
            Ok(if result.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn report(json: bool, path: &Path, size: usize) -> anyhow::Result<ExitCode> {
    if json {
        crate::print_json(
            &serde_json::json!({ "output": path.display().to_string(), "bytes": size }),
        )?;
    } else {
        out!("wrote {} ({size} bytes)", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
