//! HQ: the server every laptop syncs to (`tekseru hq init|serve|token|device`).
//!
//! - **Embedded default**: a data dir holding a SQLite file (`hq.sqlite`), a blob directory
//!   (`blobs/`) and the TLS certificate (`tls/`, self-signed at `hq init`).
//! - **For scale**: `--database postgres://…` ([`storage::Postgres`]) and `--blobs
//!   s3://BUCKET/PREFIX` ([`blobs::Blobs::s3`]); several `hq serve` processes may share one
//!   database and one bucket (everything they must agree on is decided in the database).
//! - The protocol (signed requests, paths, bodies, refusals) is `tekseru_sync`'s.
//!
//! Logs (enrolment, revocation, refusals, fork alarms) are JSON lines on standard error,
//! `{"at", "kind", ...}`; a fork is also recorded in the database's `alarm` table.
#![deny(missing_docs)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHasher as _, SaltString};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;
use sha2_011::{Digest, Sha256};

pub mod blobs;
mod server;
pub mod storage;
pub mod tls;

use blobs::Blobs;
use storage::{DeviceRow, Postgres, Sqlite, Storage, StorageError};

/// What failed, and where.
#[derive(Debug, thiserror::Error)]
pub enum HqError {
    /// The database.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The blob store.
    #[error(transparent)]
    Blob(#[from] blobs::BlobError),
    /// The certificate.
    #[error("tls: {0}")]
    Tls(String),
    /// A file or a socket.
    #[error("{0}")]
    Io(String),
    /// The data dir or an option.
    #[error("{0}")]
    Config(String),
}

/// The clock (unix seconds): the system's, or a fixed one in tests.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Where log lines go: `(kind, detail)`.
pub type LogSink = Arc<dyn Fn(&str, &Value) + Send + Sync>;

/// Makes ring the process's default rustls provider (the S3 client, reqwest without a
/// provider of its own, asks for the default); harmless when one is installed already.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    })
}

/// JSON lines on standard error, stamped by `clock`.
pub fn stderr_log(clock: Clock) -> LogSink {
    Arc::new(move |kind, detail| {
        let mut line = serde_json::json!({"at": clock(), "kind": kind});
        if let (Some(line), Some(detail)) = (line.as_object_mut(), detail.as_object()) {
            line.extend(detail.clone());
        }
        eprintln!("{line}");
    })
}

/// Limits a server enforces besides the protocol's.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Enrolment attempts a minute from one address before 429.
    pub enrolments_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            enrolments_per_minute: 10,
        }
    }
}

/// How to run a server.
#[derive(Clone)]
pub struct Config {
    /// The data dir (`hq init`'s).
    pub data: PathBuf,
    /// `postgres://…`, or `None` for the SQLite file in the data dir.
    pub database: Option<String>,
    /// The blob store: `None` for `DATA/blobs`.
    pub blobs: Option<Blobs>,
    /// The clock.
    pub clock: Clock,
    /// The log.
    pub log: LogSink,
    /// The limits.
    pub limits: Limits,
}

impl Config {
    /// The embedded default over `data`, with the system clock and the log on standard error.
    pub fn new(data: &Path) -> Config {
        let clock = system_clock();
        Config {
            data: data.to_path_buf(),
            database: None,
            blobs: None,
            log: stderr_log(clock.clone()),
            clock,
            limits: Limits::default(),
        }
    }
}

fn sqlite_path(data: &Path) -> PathBuf {
    data.join("hq.sqlite")
}

/// The database a data dir or `--database` names.
#[derive(Debug)]
pub enum Database {
    /// The embedded file.
    Sqlite(Sqlite),
    /// PostgreSQL.
    Postgres(Postgres),
}

/// Runs `$body` with `$db` bound to the backend, whichever it is.
macro_rules! with_db {
    ($database:expr, $db:ident => $body:expr) => {
        match $database {
            Database::Sqlite($db) => $body,
            Database::Postgres($db) => $body,
        }
    };
}

impl Database {
    /// Opens (and migrates) the database: `url` when given, else the data dir's SQLite file.
    ///
    /// # Errors
    /// When it cannot be opened or migrated, or the data dir was not made by `hq init`.
    pub async fn open(data: &Path, url: Option<&str>) -> Result<Database, HqError> {
        let database = match url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Database::Postgres(Postgres::connect(url, 8).await?)
            }
            Some(url) => {
                return Err(HqError::Config(format!(
                    "--database '{url}': expected postgres://USER@HOST:PORT/DB (or none, for the data dir's SQLite file)"
                )))
            }
            None => {
                if !tls::cert_path(data).exists() {
                    return Err(HqError::Config(format!(
                        "{} is not an HQ data dir: run `tekseru hq init --data {}` first",
                        data.display(),
                        data.display()
                    )));
                }
                Database::Sqlite(Sqlite::open(&sqlite_path(data))?)
            }
        };
        with_db!(&database, db => db.migrate().await)?;
        Ok(database)
    }
}

/// What `hq init` made.
#[derive(Clone, Debug, Serialize)]
pub struct InitReport {
    /// The data dir.
    pub data: PathBuf,
    /// The TLS certificate's SHA-256, for laptops to pin.
    pub cert_sha256: String,
}

/// Argon2id of a password, PHC string.
///
/// # Errors
/// When the random source fails.
pub fn hash_password(password: &str) -> Result<String, HqError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| HqError::Config(format!("random source: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| HqError::Config(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HqError::Config(format!("hashing the password: {e}")))
}

/// `hq init`: makes the data dir, its certificate (for `names`, default `localhost` and
/// `127.0.0.1`), the database (SQLite, or `database`), and the `admin` account.
///
/// # Errors
/// When the data dir holds an HQ already, or anything cannot be written.
pub async fn init(
    data: &Path,
    database: Option<&str>,
    admin_password: &str,
    names: &[String],
) -> Result<InitReport, HqError> {
    if admin_password.chars().count() < 8 {
        return Err(HqError::Config(
            "the admin password must be at least 8 characters".into(),
        ));
    }
    if tls::cert_path(data).exists() {
        return Err(HqError::Config(format!(
            "{} holds an HQ already (tls/cert.pem exists)",
            data.display()
        )));
    }
    std::fs::create_dir_all(data).map_err(|e| HqError::Io(format!("{}: {e}", data.display())))?;
    let names = if names.is_empty() {
        vec!["localhost".to_owned(), "127.0.0.1".to_owned()]
    } else {
        names.to_vec()
    };
    let cert_sha256 = tls::generate(data, &names)?;
    let database = Database::open(data, database).await?;
    let hash = hash_password(admin_password)?;
    let now = system_clock()();
    with_db!(&database, db => db.set_account("admin", "admin", &hash, now).await)?;
    Ok(InitReport {
        data: data.to_path_buf(),
        cert_sha256,
    })
}

/// A token `hq token` issued.
#[derive(Clone, Debug, Serialize)]
pub struct TokenReport {
    /// The one-time token (shown once; HQ keeps only its SHA-256).
    pub token: String,
    /// The inspector it enrols a device for.
    pub inspector_iin: String,
    /// When it stops working, unix seconds.
    pub expires_at: i64,
}

/// `hq token`: a one-time enrolment token for an inspector, valid `seconds`.
///
/// # Errors
/// When the IIN is not 12 digits or the database fails.
pub async fn issue_token(
    database: &Database,
    iin: &str,
    seconds: i64,
    now: i64,
) -> Result<TokenReport, HqError> {
    if iin.len() != 12 || !iin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HqError::Config(format!(
            "'{iin}' is not an IIN (12 digits)"
        )));
    }
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| HqError::Config(format!("random source: {e}")))?;
    let token = URL_SAFE_NO_PAD.encode(raw);
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    let expires_at = now.saturating_add(seconds);
    with_db!(database, db => db.add_token(&hash, iin, now, expires_at).await)?;
    Ok(TokenReport {
        token,
        inspector_iin: iin.to_owned(),
        expires_at,
    })
}

/// An enrolled device, as `hq device list` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceReport {
    /// Its id.
    pub device: String,
    /// Its public key.
    pub public_key: String,
    /// The inspector it is bound to.
    pub inspector_iin: String,
    /// The inspector's name.
    pub inspector_name: String,
    /// When it enrolled.
    pub enrolled_at: i64,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
}

impl From<DeviceRow> for DeviceReport {
    fn from(d: DeviceRow) -> DeviceReport {
        DeviceReport {
            device: d.id,
            public_key: d.public_key,
            inspector_iin: d.inspector_iin,
            inspector_name: d.inspector_name,
            enrolled_at: d.enrolled_at,
            revoked_at: d.revoked_at,
        }
    }
}

/// `hq device list`.
///
/// # Errors
/// When the database fails.
pub async fn list_devices(database: &Database) -> Result<Vec<DeviceReport>, HqError> {
    let rows = with_db!(database, db => db.devices().await)?;
    Ok(rows.into_iter().map(DeviceReport::from).collect())
}

/// `hq device revoke`: from now on the device's requests are refused (403).
///
/// # Errors
/// When there is no such enrolled, unrevoked device.
pub async fn revoke_device(database: &Database, device: &str, now: i64) -> Result<(), HqError> {
    if with_db!(database, db => db.revoke(device, now).await)? {
        Ok(())
    } else {
        Err(HqError::Config(format!(
            "no enrolled, unrevoked device {device} at this HQ (see `hq device list`)"
        )))
    }
}

/// Parses `24h`, `30m`, `7d`, `90s` into seconds.
///
/// # Errors
/// When it does not read.
pub fn parse_duration(text: &str) -> Result<i64, HqError> {
    let bad = || {
        HqError::Config(format!(
            "'{text}' is not a duration like 24h, 30m, 7d or 90s"
        ))
    };
    let text = text.trim();
    let unit = text.chars().last().ok_or_else(bad)?;
    let (number, factor) = match unit {
        's' => (text.trim_end_matches('s'), 1),
        'm' => (text.trim_end_matches('m'), 60),
        'h' => (text.trim_end_matches('h'), 3600),
        'd' => (text.trim_end_matches('d'), 86400),
        _ => return Err(bad()),
    };
    let n: i64 = number.parse().map_err(|_| bad())?;
    n.checked_mul(factor).filter(|s| *s > 0).ok_or_else(bad)
}

/// A server running in this process.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    handle: axum_server::Handle<SocketAddr>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops it and waits for it.
    pub async fn stop(self) {
        self.handle.shutdown();
        let _ = self.task.await;
    }

    /// Waits until it stops (forever, unless it fails).
    ///
    /// # Errors
    /// When it fails.
    pub async fn wait(self) -> Result<(), HqError> {
        match self.task.await {
            Ok(r) => r.map_err(|e| HqError::Io(format!("serving: {e}"))),
            Err(e) => Err(HqError::Io(format!("serving: {e}"))),
        }
    }
}

/// Starts serving `config` on `listener` (in this runtime), TLS with the data dir's
/// certificate.
///
/// # Errors
/// When the database, the blob store or the certificate cannot be opened.
pub async fn start(config: Config, listener: std::net::TcpListener) -> Result<Running, HqError> {
    install_crypto_provider();
    let database = Database::open(&config.data, config.database.as_deref()).await?;
    let blobs = match config.blobs.clone() {
        Some(b) => b,
        None => Blobs::local(&config.data.join("blobs"))?,
    };
    let tls = axum_server::tls_rustls::RustlsConfig::from_config(tls::server_config(&config.data)?);
    let addr = listener
        .local_addr()
        .map_err(|e| HqError::Io(format!("the listening socket: {e}")))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| HqError::Io(format!("the listening socket: {e}")))?;
    let handle = axum_server::Handle::new();
    let backend = match &database {
        Database::Sqlite(_) => "sqlite",
        Database::Postgres(_) => "postgresql",
    };
    (config.log)(
        "serving",
        &serde_json::json!({"listen": addr.to_string(), "database": backend, "blobs": blobs.description}),
    );
    let server = axum_server::from_tcp_rustls(listener, tls)
        .map_err(|e| HqError::Io(format!("the listening socket: {e}")))?
        .handle(handle.clone());
    macro_rules! serve_with {
        ($db:expr) => {{
            let app = Arc::new(server::App {
                db: $db,
                blobs,
                clock: config.clock.clone(),
                log: config.log.clone(),
                limits: config.limits.clone(),
                attempts: Mutex::new(Default::default()),
            });
            let service = server::router(app).into_make_service_with_connect_info::<SocketAddr>();
            tokio::spawn(server.serve(service))
        }};
    }
    let task = match database {
        Database::Sqlite(db) => serve_with!(db),
        Database::Postgres(db) => serve_with!(db),
    };
    Ok(Running { addr, handle, task })
}

/// `hq serve`: binds `listen` and serves until the process is stopped.
///
/// # Errors
/// When it cannot bind or start, or serving fails.
pub async fn serve(config: Config, listen: SocketAddr) -> Result<(), HqError> {
    let listener = std::net::TcpListener::bind(listen)
        .map_err(|e| HqError::Io(format!("cannot listen on {listen}: {e}")))?;
    let running = start(config, listener).await?;
    running.wait().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read() {
        assert_eq!(parse_duration("24h").unwrap(), 86400);
        assert_eq!(parse_duration("30m").unwrap(), 1800);
        assert_eq!(parse_duration("7d").unwrap(), 604800);
        assert_eq!(parse_duration("90s").unwrap(), 90);
        for bad in ["", "h", "-1h", "0h", "1w", "99999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
