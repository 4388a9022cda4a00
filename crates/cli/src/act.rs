//! `tekseru act`: render the act to PDF, sign it as a member, verify it, write a dissent notice.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use tekseru_act::{ActData, Languages, Pkcs12Signer, RenderOptions};
use tekseru_core::Iin;
use time::OffsetDateTime;

/// The act: render, sign, verify, dissent.
#[derive(clap::Subcommand)]
pub(crate) enum ActCmd {
    /// Render the act from act data (JSON) to PDF.
    Render {
        /// The act data (JSON; see assets/demo/act-data.json).
        #[arg(long)]
        data: PathBuf,
        /// Output PDF.
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// Language: kk, ru or kk+ru (side by side).
        #[arg(long, default_value = "kk+ru")]
        lang: String,
        /// The document's creation time (RFC 3339); default: the act's date, 18:00 +05:00,
        /// so that the same data gives the same bytes.
        #[arg(long)]
        created: Option<String>,
    },
    /// Sign the act as one commission member (incremental update; earlier signatures stay valid).
    Sign {
        /// The act PDF.
        pdf: PathBuf,
        /// The member's PKCS#12 key file.
        #[arg(long)]
        p12: PathBuf,
        /// The environment variable holding the PKCS#12 password.
        #[arg(long)]
        password_env: String,
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
        /// PEM file(s) of trusted root certificates.
        #[arg(long)]
        trust: Vec<PathBuf>,
    },
    /// Write a member's dissent notice to the service provider.
    Dissent {
        /// The act data (JSON).
        #[arg(long)]
        data: PathBuf,
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
    },
}

fn read_data(path: &Path) -> anyhow::Result<ActData> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read act data '{}'", path.display()))?;
    ActData::from_json(&text).with_context(|| format!("act data '{}' is not valid", path.display()))
}

fn options(data: &ActData, lang: &str, created: Option<&str>) -> anyhow::Result<RenderOptions> {
    let languages: Languages = lang.parse()?;
    let created = match created {
        Some(text) => OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .with_context(|| format!("--created {text:?} is not an RFC 3339 time"))?,
        None => data
            .end
            .with_hms(18, 0, 0)
            .context("act date")?
            .assume_offset(time::UtcOffset::from_hms(5, 0, 0).context("offset")?),
    };
    Ok(RenderOptions { languages, created })
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write '{}'", path.display()))
}

fn iin(text: &str) -> anyhow::Result<Iin> {
    Iin::parse(text).with_context(|| format!("--member {text:?} is not a valid IIN"))
}

pub(crate) fn run(cmd: ActCmd, json: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        ActCmd::Render {
            data,
            output,
            lang,
            created,
        } => {
            let act = read_data(&data)?;
            let pdf = tekseru_act::render_act(&act, &options(&act, &lang, created.as_deref())?)?;
            write(&output, &pdf)?;
            report(json, &output, pdf.len())
        }
        ActCmd::Dissent {
            data,
            member,
            reason,
            output,
            lang,
        } => {
            let act = read_data(&data)?;
            let member = iin(&member)?;
            let pdf =
                tekseru_act::render_dissent(&act, &member, &reason, &options(&act, &lang, None)?)?;
            write(&output, &pdf)?;
            report(json, &output, pdf.len())
        }
        ActCmd::Sign {
            pdf,
            p12,
            password_env,
            member,
            output,
        } => {
            let member = iin(&member)?;
            let bytes =
                std::fs::read(&pdf).with_context(|| format!("cannot read '{}'", pdf.display()))?;
            let key =
                std::fs::read(&p12).with_context(|| format!("cannot read '{}'", p12.display()))?;
            let Ok(password) = std::env::var(&password_env) else {
                bail!("the environment variable {password_env} (--password-env) is not set");
            };
            let signer = Pkcs12Signer::open(&key, &password)
                .with_context(|| format!("key file '{}'", p12.display()))?;
            let signed = tekseru_act::sign(&bytes, &member, &signer, OffsetDateTime::now_utc())?;
            write(&output, &signed)?;
            report(json, &output, signed.len())
        }
        ActCmd::Verify { pdf, trust } => {
            let bytes =
                std::fs::read(&pdf).with_context(|| format!("cannot read '{}'", pdf.display()))?;
            let mut roots = Vec::new();
            for path in &trust {
                let pem = std::fs::read(path)
                    .with_context(|| format!("cannot read '{}'", path.display()))?;
                let certs = openssl::x509::X509::stack_from_pem(&pem)
                    .with_context(|| format!("'{}' holds no PEM certificate", path.display()))?;
                if certs.is_empty() {
                    bail!("'{}' holds no PEM certificate", path.display());
                }
                roots.extend(certs);
            }
            let result = tekseru_act::verify(&bytes, &roots)?;
            if json {
                crate::print_json(&result)?;
            } else {
                for (i, s) in result.signatures.iter().enumerate() {
                    println!(
                        "signature {}: {} ({}), signed {}, valid: {}, trusted: {}, revision {}",
                        i + 1,
                        s.member.as_deref().unwrap_or("not on the roster"),
                        s.iin.as_deref().unwrap_or("no IIN"),
                        s.signed_at.as_deref().unwrap_or("?"),
                        s.valid,
                        s.trusted,
                        s.revision
                    );
                }
                println!(
                    "modified after the last signature: {}",
                    result.modified_after_last_signature
                );
                println!("manifest matches: {}", result.manifest_matches);
                for reason in result.quorum.reasons.iter().chain(&result.reasons) {
                    println!("- {reason}");
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
        println!("wrote {} ({size} bytes)", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
