//! `tekseru hq …`: the HQ server (crates/hq) — init, serve, token, device list|revoke.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use zeroize::Zeroizing;

#[derive(clap::Subcommand)]
pub(crate) enum HqCmd {
    /// Create an HQ data dir: a self-signed TLS certificate (its SHA-256 printed, for laptops
    /// to pin), the database and the admin account (password from TEKSERU_HQ_ADMIN_PASSWORD
    /// or a prompt).
    Init {
        #[command(flatten)]
        at: HqArgs,
        /// Host names or addresses the certificate names (default localhost and 127.0.0.1).
        #[arg(long = "name")]
        names: Vec<String>,
    },
    /// Serve the API over HTTPS until stopped.
    Serve {
        #[command(flatten)]
        at: HqArgs,
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// Blob store: s3://BUCKET/PREFIX (endpoint and credentials from the AWS_* environment
        /// variables); default the data dir's blobs/.
        #[arg(long)]
        blobs: Option<String>,
    },
    /// Issue a one-time enrolment token for an inspector's laptop.
    Token {
        #[command(flatten)]
        at: HqArgs,
        /// The inspector's IIN.
        #[arg(long)]
        inspector: String,
        /// How long it stays valid: 24h, 30m, 7d, 90s.
        #[arg(long, default_value = "24h")]
        expires: String,
    },
    /// Enrolled devices: list, revoke.
    #[command(subcommand)]
    Device(DeviceCmd),
}

#[derive(clap::Subcommand)]
pub(crate) enum DeviceCmd {
    /// Every enrolled device.
    List {
        #[command(flatten)]
        at: HqArgs,
    },
    /// Refuse a device's requests from now on.
    Revoke {
        #[command(flatten)]
        at: HqArgs,
        /// The device id (16 hex characters, as `hq device list` shows).
        device: String,
    },
}

/// Where HQ's data is.
#[derive(clap::Args)]
pub(crate) struct HqArgs {
    /// The data dir (certificate, SQLite file, blobs).
    #[arg(long)]
    data: PathBuf,
    /// postgres://USER@HOST:PORT/DB instead of the data dir's SQLite file.
    #[arg(long, env = "TEKSERU_HQ_DATABASE")]
    database: Option<String>,
}

impl HqArgs {
    async fn open(&self) -> anyhow::Result<tekseru_hq::Database> {
        tekseru_hq::Database::open(&self.data, self.database.as_deref())
            .await
            .with_context(|| format!("opening HQ at {}", self.data.display()))
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn admin_password() -> anyhow::Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var("TEKSERU_HQ_ADMIN_PASSWORD") {
        return Ok(Zeroizing::new(p));
    }
    let first = Zeroizing::new(rpassword::prompt_password("HQ admin password: ")?);
    let again = Zeroizing::new(rpassword::prompt_password("again: ")?);
    anyhow::ensure!(*first == *again, "the two passwords differ");
    Ok(first)
}

fn now() -> i64 {
    tekseru_hq::system_clock()()
}

pub(crate) fn run(cmd: HqCmd, json: bool) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    match cmd {
        HqCmd::Init { at, names } => {
            let password = admin_password()?;
            let report = rt.block_on(tekseru_hq::init(
                &at.data,
                at.database.as_deref(),
                &password,
                &names,
            ))?;
            if json {
                crate::print_json(&report)?;
            } else {
                out!("HQ created at {}", report.data.display());
                out!("certificate SHA-256: {}", report.cert_sha256);
                out!("laptops enrol with: tekseru sync enrol --hq https://HOST:PORT --token T --pin {}", report.cert_sha256);
            }
        }
        HqCmd::Serve { at, listen, blobs } => {
            let mut config = tekseru_hq::Config::new(&at.data);
            config.database = at.database.clone();
            if let Some(url) = blobs {
                config.blobs = Some(tekseru_hq::blobs::Blobs::s3(&url)?);
            }
            rt.block_on(tekseru_hq::serve(config, listen))?;
        }
        HqCmd::Token {
            at,
            inspector,
            expires,
        } => {
            let seconds = tekseru_hq::parse_duration(&expires)?;
            let report = rt.block_on(async {
                let db = at.open().await?;
                Ok::<_, anyhow::Error>(
                    tekseru_hq::issue_token(&db, &inspector, seconds, now()).await?,
                )
            })?;
            eprintln!(
                "{}",
                serde_json::json!({"at": now(), "kind": "token_issued", "inspector_iin": report.inspector_iin, "expires_at": report.expires_at})
            );
            if json {
                crate::print_json(&report)?;
            } else {
                out!("{}", report.token);
            }
        }
        HqCmd::Device(DeviceCmd::List { at }) => {
            let devices = rt.block_on(async {
                let db = at.open().await?;
                Ok::<_, anyhow::Error>(tekseru_hq::list_devices(&db).await?)
            })?;
            if json {
                crate::print_json(&devices)?;
            } else {
                for d in &devices {
                    let state = match d.revoked_at {
                        Some(at) => format!("revoked at {at}"),
                        None => "active".to_owned(),
                    };
                    out!(
                        "{}  {}  {}  {state}",
                        d.device,
                        d.inspector_iin,
                        d.inspector_name
                    );
                }
            }
        }
        HqCmd::Device(DeviceCmd::Revoke { at, device }) => {
            rt.block_on(async {
                let db = at.open().await?;
                Ok::<_, anyhow::Error>(tekseru_hq::revoke_device(&db, &device, now()).await?)
            })?;
            eprintln!(
                "{}",
                serde_json::json!({"at": now(), "kind": "revoked", "device": device})
            );
            if json {
                crate::print_json(&serde_json::json!({"revoked": device}))?;
            } else {
                out!("revoked {device}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
