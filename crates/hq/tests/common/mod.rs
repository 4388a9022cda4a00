//! The harness: an HQ in this process on 127.0.0.1, on SQLite or on a real PostgreSQL
//! (an unprivileged cluster started here on a free port), its blobs in a directory or on a
//! real S3-compatible server (moto's server mode from PyPI, in a venv under target/).
//!
//! The PostgreSQL and moto processes are started once per test binary, each under a
//! watchdog shell that stops them when this process ends. A test is skipped, loudly, only
//! when PostgreSQL's binaries or python3 are missing.

#![allow(dead_code, unreachable_pub)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use object_store::aws::AmazonS3Builder;
use serde_json::Value;
use tekseru_hq::blobs::Blobs;
use tekseru_hq::{Config, Database, Running};
use tekseru_ledger::{DeviceKey, Event, EventHash, SignedEvent};
use tekseru_sync::client::Client;

/// Which database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Which blob store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Local,
    S3,
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR has a parent")
        .to_path_buf()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Runs `command` (a shell command line) in the background under a watchdog that kills it
/// when this test process ends.
#[allow(clippy::zombie_processes)] // the watchdog ends with this process, never waited for
fn spawn_watched(command: &str) {
    let me = std::process::id();
    let script = format!(
        "{command} & child=$!; while kill -0 {me} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done; kill $child 2>/dev/null; sleep 2; kill -9 $child 2>/dev/null"
    );
    // The watchdog outlives this call by design; it ends with this process.
    let _watchdog = Command::new("sh")
        .args(["-c", &script])
        .spawn()
        .expect("sh starts");
}

fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} did not start listening on port {port} within a minute"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The PostgreSQL binaries, if installed (Debian's postgresql-15).
fn pg_bin() -> Option<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("initdb").exists() && b.join("postgres").exists())
        .collect();
    versions.sort();
    versions.pop()
}

struct Cluster {
    port: u16,
}

static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();

/// The cluster of this test binary, started on first use; `None` (with a loud message) when
/// PostgreSQL is not installed.
fn cluster() -> Option<&'static Cluster> {
    CLUSTER
        .get_or_init(|| {
            let Some(bin) = pg_bin() else {
                eprintln!(
                    "\n*** SKIPPED: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); \
                     `cargo xtask test` installs postgresql-15 ***\n"
                );
                return None;
            };
            let root = unsafe_free_tempdir("tekseru-hq-pg");
            let data = root.join("data");
            // initdb refuses to run as root: run the cluster as the `postgres` system user then.
            let as_root = Command::new("id")
                .arg("-u")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
                .unwrap_or(false);
            let prefix = if as_root {
                let status = Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&root)
                    .status()
                    .expect("chown runs");
                assert!(status.success(), "chown of {} to postgres failed", root.display());
                "runuser -u postgres -- ".to_owned()
            } else {
                String::new()
            };
            let initdb = format!(
                "{prefix}{} -D {} -A trust -U postgres --no-sync -E UTF8 > {}/initdb.log 2>&1",
                bin.join("initdb").display(),
                data.display(),
                root.display()
            );
            let status = Command::new("sh")
                .args(["-c", &initdb])
                .status()
                .expect("sh runs");
            assert!(
                status.success(),
                "initdb failed: see {}/initdb.log",
                root.display()
            );
            let port = free_port();
            spawn_watched(&format!(
                "exec {prefix}{} -D {} -p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
                 -c max_connections=200 > {}/postgres.log 2>&1",
                bin.join("postgres").display(),
                data.display(),
                root.display(),
                root.display()
            ));
            wait_for_port(port, "postgres");
            Some(Cluster { port })
        })
        .as_ref()
}

/// A fresh directory under /tmp (world-traversable, so the `postgres` user can use it).
fn unsafe_free_tempdir(prefix: &str) -> PathBuf {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("a temporary directory")
        .keep();
    dir
}

static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

/// A new, empty database on the cluster, as a URL.
async fn new_database(cluster: &Cluster) -> String {
    let name = format!(
        "hq_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port);
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .expect("connects to the cluster");
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("creates a database");
    format!("postgres://postgres@127.0.0.1:{}/{name}", cluster.port)
}

struct Moto {
    port: u16,
}

static MOTO: OnceLock<Option<Moto>> = OnceLock::new();

/// The venv's python with moto's server, made if missing; `None` if there is no python3.
fn moto_python() -> Option<PathBuf> {
    let venv = target_dir().join("pyvenv-moto");
    let python = venv.join("bin/python");
    let has_moto = |python: &Path| {
        Command::new(python)
            .args(["-c", "import moto.server, flask"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if python.exists() && has_moto(&python) {
        return Some(python);
    }
    if Command::new("python3").arg("--version").output().is_err() {
        return None;
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 runs");
    assert!(
        status.success(),
        "python3 -m venv {} failed",
        venv.display()
    );
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "moto[server]"])
        .status()
        .expect("pip runs");
    assert!(status.success(), "pip install moto[server] failed");
    assert!(has_moto(&python), "moto's server is not importable");
    Some(python)
}

fn moto() -> Option<&'static Moto> {
    MOTO.get_or_init(|| {
        let Some(python) = moto_python() else {
            eprintln!("\n*** SKIPPED: python3 is missing, so no S3-compatible server (moto) ***\n");
            return None;
        };
        let port = free_port();
        let log = unsafe_free_tempdir("tekseru-hq-moto").join("moto.log");
        spawn_watched(&format!(
            "exec {} -m moto.server -H 127.0.0.1 -p {port} > {} 2>&1",
            python.display(),
            log.display()
        ));
        wait_for_port(port, "moto");
        Some(Moto { port })
    })
    .as_ref()
}

static NEXT_BUCKET: AtomicUsize = AtomicUsize::new(0);

async fn new_bucket(moto: &Moto) -> Blobs {
    let bucket = format!(
        "hq-{}-{}",
        std::process::id(),
        NEXT_BUCKET.fetch_add(1, Ordering::Relaxed)
    );
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    tekseru_hq::install_crypto_provider();
    let response = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("moto answers");
    assert!(
        response.status().is_success(),
        "creating bucket {bucket}: {}",
        response.status()
    );
    let builder = AmazonS3Builder::new()
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("test")
        .with_secret_access_key("test");
    Blobs::s3_with(&format!("s3://{bucket}/evidence"), builder).expect("an S3 blob store")
}

/// The log lines a server wrote.
pub type Log = Arc<Mutex<Vec<(String, Value)>>>;

/// One HQ in this process.
pub struct Hq {
    pub url: String,
    pub pin: String,
    pub data: PathBuf,
    pub database_url: Option<String>,
    pub blobs: Blobs,
    pub log: Log,
    running: Option<Running>,
    _dir: tempfile::TempDir,
}

pub const PASSWORD: &str = "correct horse battery";

impl Hq {
    /// An HQ on `db` and `store`, or `None` (skipped loudly) when that backend is missing.
    pub async fn start(db: Db, store: Store) -> Option<Hq> {
        let database_url = match db {
            Db::Sqlite => None,
            Db::Postgres => Some(new_database(cluster()?).await),
        };
        let blobs = match store {
            Store::Local => None,
            Store::S3 => Some(new_bucket(moto()?).await),
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("hq");
        let report = tekseru_hq::init(&data, database_url.as_deref(), PASSWORD, &[])
            .await
            .expect("hq init");
        let blobs = match blobs {
            Some(b) => b,
            None => Blobs::local(&data.join("blobs")).expect("local blobs"),
        };
        let mut hq = Hq {
            url: String::new(),
            pin: report.cert_sha256,
            data,
            database_url,
            blobs,
            log: Arc::new(Mutex::new(Vec::new())),
            running: None,
            _dir: dir,
        };
        hq.serve().await;
        Some(hq)
    }

    fn config(&self) -> Config {
        let mut config = Config::new(&self.data);
        config.database = self.database_url.clone();
        config.blobs = Some(self.blobs.clone());
        let log = Arc::clone(&self.log);
        config.log = Arc::new(move |kind, detail| {
            log.lock()
                .expect("the log")
                .push((kind.to_owned(), detail.clone()));
        });
        config
    }

    async fn serve(&mut self) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
        let running = tekseru_hq::start(self.config(), listener)
            .await
            .expect("the server starts");
        self.url = format!("https://127.0.0.1:{}", running.addr.port());
        self.running = Some(running);
    }

    /// Stops the server (as a kill would: mid-transfer) and starts a new one on the same
    /// data, database and bucket, on a new port.
    pub async fn restart(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        self.serve().await;
    }

    /// A second server process's worth: another server on the same data.
    pub async fn twin(&self) -> Running {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
        tekseru_hq::start(self.config(), listener)
            .await
            .expect("the twin starts")
    }

    pub async fn database(&self) -> Database {
        Database::open(&self.data, self.database_url.as_deref())
            .await
            .expect("the database opens")
    }

    /// A one-time token for an inspector, valid a day.
    pub async fn token(&self, iin: &str) -> String {
        let now = tekseru_hq::system_clock()();
        tekseru_hq::issue_token(&self.database().await, iin, 86400, now)
            .await
            .expect("a token")
            .token
    }

    /// A client for a new device key (not enrolled).
    pub fn client(&self, key: DeviceKey) -> Client {
        Client::new(&self.url, Some(&self.pin), key).expect("a client")
    }

    /// A new device enrolled for an inspector.
    pub async fn enrolled(&self, iin: &str, name: &str) -> Client {
        let client = self.client(DeviceKey::generate().expect("a key"));
        client
            .enrol(&self.token(iin).await, name)
            .await
            .expect("enrols");
        client
    }

    pub fn logged(&self, kind: &str) -> Vec<Value> {
        self.log
            .lock()
            .expect("the log")
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

/// IINs of a commission (valid control digits are not HQ's business).
pub const ALMA: &str = "880101300011";
pub const BEKZAT: &str = "900202400022";
pub const OUTSIDER: &str = "770303500033";

/// A device's chain of events for one inspection, signed as it grows.
pub struct Chain {
    pub key: DeviceKey,
    pub inspection: String,
    pub events: Vec<SignedEvent>,
}

impl Chain {
    pub fn new(key: DeviceKey, inspection: &str) -> Chain {
        Chain {
            key,
            inspection: inspection.to_owned(),
            events: Vec::new(),
        }
    }

    /// Appends an event with this body and these parents.
    pub fn add(&mut self, body: Value, parents: Vec<EventHash>) -> SignedEvent {
        let prev = self.events.last().map(|e| e.event.hash().expect("hash"));
        let event = Event {
            inspection: self.inspection.clone(),
            device: self.key.id(),
            seq: self.events.len() as u64 + 1,
            prev,
            parents,
            at: "2026-12-01T10:00:00Z".into(),
            body,
        };
        let signed = event.sign(&self.key).expect("signs");
        self.events.push(signed.clone());
        signed
    }
}

/// The body of a creation event with this roster (as the store writes it).
pub fn created(iins: &[&str]) -> Value {
    let members: Vec<Value> = iins
        .iter()
        .map(|iin| serde_json::json!({"name": "Member", "iin": iin, "role": "member", "body": "ministry"}))
        .collect();
    serde_json::json!({"actor": "Alma", "change": {"action": "created", "ca_name": "CA", "roster": members}})
}

pub fn answered(item: &str, verdict: &str) -> Value {
    serde_json::json!({"actor": "Alma", "change": {"action": "answered", "item": item, "verdict": verdict}})
}
