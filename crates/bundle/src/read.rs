//! Reading a bundle: decrypting, walking the archive entry by entry, verifying everything
//! and staging blobs, all or nothing.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, BufReader, Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

use sha2::{Digest, Sha256};
use tekseru_ledger::{DeviceId, EventHash, SignedEvent};
use tempfile::TempPath;

use crate::manifest::{blob_name, event_name, is_sha256_hex, MANIFEST_NAME};
use crate::seal::{identity, secret};
use crate::{BundleError, Decryption, DeviceCard, Manifest};

/// The age format's first bytes.
const AGE_MAGIC: &[u8] = b"age-encryption.org/";

/// A tar block.
const BLOCK: u64 = 512;

/// How much may follow the end-of-archive block: the second zero block and the padding of
/// a tar record (10 KiB, as GNU tar writes).
const MAX_TRAILER: u64 = 10240;

/// Size of the copy buffer for blobs.
const CHUNK: usize = 256 * 1024;

/// What a bundle may hold at most. Every limit counts bytes actually read, whatever an
/// entry's header declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Entries in the archive (manifest, events and blobs together).
    pub max_entries: u64,
    /// Bytes of the decrypted archive, headers included.
    pub max_total_bytes: u64,
    /// Bytes of one blob.
    pub max_entry_bytes: u64,
    /// Bytes of the manifest.
    pub max_manifest_bytes: u64,
    /// Bytes of one event.
    pub max_event_bytes: u64,
    /// Bytes of the age header (the recipients' stanzas), read before anything is
    /// decrypted.
    pub max_header_bytes: u64,
}

impl Default for Limits {
    /// 100 000 entries, 64 GiB in all, 8 GiB a blob (a long video), 64 MiB of manifest,
    /// 4 MiB an event, 64 KiB of age header.
    fn default() -> Limits {
        Limits {
            max_entries: 100_000,
            max_total_bytes: 64 << 30,
            max_entry_bytes: 8 << 30,
            max_manifest_bytes: 64 << 20,
            max_event_bytes: 4 << 20,
            max_header_bytes: 64 << 10,
        }
    }
}

/// How the bundle that was read had been protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sealing {
    /// Encrypted to device keys, this one among them.
    Device,
    /// Encrypted to a passphrase.
    Passphrase,
    /// Not encrypted.
    Plain,
}

/// A blob staged from a bundle: a file in the staging directory, whose bytes were hashed as
/// they were written and are `sha256`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedBlob {
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
    /// The file in the staging directory. It is not yet synced to disk.
    pub path: PathBuf,
}

/// A bundle that passed every check.
///
/// The staged files belong to it: those still in the staging directory when it is dropped
/// are deleted, so the store moves what it keeps (a rename within one filesystem) before
/// dropping it.
#[derive(Debug)]
pub struct Verified {
    /// The manifest, its signature checked.
    pub manifest: Manifest,
    /// The events, each signed by the device it names and hashing to what the manifest
    /// lists, in the bundle's order.
    pub events: Vec<SignedEvent>,
    /// The cards of the devices whose events are included.
    pub devices: Vec<DeviceCard>,
    /// The blobs, staged.
    pub blobs: Vec<StagedBlob>,
    /// How the bundle was protected.
    pub sealing: Sealing,
    staged: Vec<TempPath>,
}

impl Verified {
    /// The exporting device's card.
    pub fn exporter(&self) -> &DeviceCard {
        &self.manifest.exporter
    }

    /// Deletes the staged files that are still there.
    pub fn discard(self) {
        drop(self);
    }
}

impl Drop for Verified {
    fn drop(&mut self) {
        for path in self.staged.drain(..) {
            // A file the store moved away is not found, which is fine; any other failure has
            // no one to report to here, and leaves a `.bundle-*.part` file that the store's
            // staging clean-up removes.
            let _ = path.close();
        }
    }
}

/// Reads the bundle in `input`, opening it with what `decryption` offers, within `limits`,
/// staging its blobs as temporary files in `staging` (a directory on the store's own
/// filesystem).
///
/// # Errors
/// On any check that fails, naming the entry; every file staged so far is deleted first.
pub fn read<R: Read + Send>(
    input: R,
    decryption: &Decryption<'_>,
    limits: &Limits,
    staging: &Path,
) -> Result<Verified, BundleError> {
    let raw_budget = Arc::new(AtomicU64::new(limits.max_header_bytes));
    let mut raw = Budget {
        inner: input,
        remaining: Arc::clone(&raw_budget),
        read: Arc::new(AtomicU64::new(0)),
        hard: false,
    };
    let mut prefix = Vec::with_capacity(AGE_MAGIC.len());
    (&mut raw)
        .take(len(AGE_MAGIC))
        .read_to_end(&mut prefix)
        .map_err(|e| BundleError::io("reading the bundle", e))?;
    let input = Cursor::new(prefix.clone()).chain(raw);
    if prefix.as_slice() == AGE_MAGIC {
        let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(CHUNK, input))
            .map_err(|e| match e {
                age::DecryptError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    BundleError::Decryption(format!(
                        "its header is truncated, or larger than {} bytes",
                        limits.max_header_bytes
                    ))
                }
                e => BundleError::Decryption(e.to_string()),
            })?;
        raw_budget.store(u64::MAX, Ordering::Relaxed);
        let (stream, sealing) = if decryptor.is_scrypt() {
            let passphrase = decryption
                .passphrase
                .as_ref()
                .ok_or(BundleError::NeedsPassphrase)?;
            let identity = age::scrypt::Identity::new(secret(passphrase));
            let stream = decryptor
                .decrypt(std::iter::once(&identity as &dyn age::Identity))
                .map_err(|e| match e {
                    age::DecryptError::DecryptionFailed
                    | age::DecryptError::KeyDecryptionFailed
                    | age::DecryptError::NoMatchingKeys => BundleError::WrongPassphrase,
                    e => BundleError::Decryption(e.to_string()),
                })?;
            (stream, Sealing::Passphrase)
        } else {
            let key = decryption.device.ok_or(BundleError::NeedsDeviceKey)?;
            let identity = identity(key)?;
            let stream = decryptor
                .decrypt(std::iter::once(&identity as &dyn age::Identity))
                .map_err(|e| match e {
                    age::DecryptError::NoMatchingKeys => BundleError::NotForThisDevice {
                        fingerprint: key.public().fingerprint(),
                    },
                    e => BundleError::Decryption(e.to_string()),
                })?;
            (stream, Sealing::Device)
        };
        read_ahead(stream, |input| read_tar(input, sealing, limits, staging))
    } else if prefix.is_empty() {
        Err(BundleError::NotABundle("the file is empty".into()))
    } else {
        raw_budget.store(u64::MAX, Ordering::Relaxed);
        read_ahead(input, |input| {
            read_tar(input, Sealing::Plain, limits, staging)
        })
    }
}

/// What the reader expects next, and what it has gathered.
struct Walk<'l> {
    limits: &'l Limits,
    staging: &'l Path,
    manifest: Option<Manifest>,
    /// The names still expected, in order (reversed: the next is last).
    expected: Vec<String>,
    /// Every name the manifest lists.
    listed: HashSet<String>,
    seen: HashSet<Vec<u8>>,
    events: Vec<SignedEvent>,
    /// Per device, the hash of its last event read.
    heads: BTreeMap<DeviceId, EventHash>,
    blobs: Vec<StagedBlob>,
    staged: Vec<TempPath>,
    /// Where the archive's data ends, by its headers: each entry's header and its data
    /// rounded up to whole blocks.
    end: u64,
    buffer: Vec<u8>,
}

fn read_tar<R: Read>(
    input: R,
    sealing: Sealing,
    limits: &Limits,
    staging: &Path,
) -> Result<Verified, BundleError> {
    let read = Arc::new(AtomicU64::new(0));
    let budget = Budget {
        inner: input,
        remaining: Arc::new(AtomicU64::new(limits.max_total_bytes)),
        read: Arc::clone(&read),
        hard: true,
    };
    let mut walk = Walk {
        limits,
        staging,
        manifest: None,
        expected: vec![MANIFEST_NAME.to_owned()],
        listed: HashSet::new(),
        seen: HashSet::new(),
        events: Vec::new(),
        heads: BTreeMap::new(),
        blobs: Vec::new(),
        staged: Vec::new(),
        end: 0,
        buffer: Vec::new(),
    };
    let mut archive = tar::Archive::new(budget);
    let entries = archive
        .entries()
        .map_err(|e| refusal("", e))?
        // Raw: GNU long names and pax headers are entries of their own here, and refused,
        // rather than silently renaming or resizing the entry after them.
        .raw(true);
    let mut count = 0u64;
    let mut last = String::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| refusal(&last, e))?;
        count = count.saturating_add(1);
        let name = display(&entry.path_bytes());
        if count > limits.max_entries {
            return Err(BundleError::refused(
                name,
                format!(
                    "the bundle has more than {} entries, the limit",
                    limits.max_entries
                ),
            ));
        }
        walk.entry(&mut entry, &name)?;
        last = name;
    }
    archive_end(&walk, &read, &last)?;
    // The end of the archive: one zero block was read; what follows must be zeros, and the
    // file must end, which also checks the last block of age's encryption.
    let mut rest = archive.into_inner();
    let mut trailer = Vec::new();
    (&mut rest)
        .take(MAX_TRAILER.saturating_add(1))
        .read_to_end(&mut trailer)
        .map_err(|e| refusal("(end of archive)", e))?;
    if len(&trailer) > MAX_TRAILER {
        return Err(BundleError::refused(
            "(end of archive)",
            "more data follows the end of the archive",
        ));
    }
    if len(&trailer) < BLOCK || trailer.iter().any(|b| *b != 0) {
        return Err(BundleError::refused(
            "(end of archive)",
            "the archive does not end as a tar archive does (two zero blocks): it is truncated or has data after its end",
        ));
    }
    let manifest = walk
        .manifest
        .take()
        .ok_or_else(|| BundleError::refused(MANIFEST_NAME, "the bundle is empty"))?;
    Ok(Verified {
        devices: manifest.devices.clone(),
        manifest,
        events: std::mem::take(&mut walk.events),
        blobs: std::mem::take(&mut walk.blobs),
        sealing,
        staged: std::mem::take(&mut walk.staged),
    })
}

/// Checks, once the archive gave no more entries, that every listed entry came and that the
/// archive's end-of-archive block was there.
fn archive_end(walk: &Walk<'_>, read: &AtomicU64, last: &str) -> Result<(), BundleError> {
    if let Some(missing) = walk.expected.last() {
        let reason = if walk.manifest.is_none() {
            "the bundle holds no manifest: it is empty, or not a tar archive".to_owned()
        } else {
            "the manifest lists it but the bundle ends before it (truncated, or the manifest lies)"
                .to_owned()
        };
        return Err(BundleError::refused(missing.clone(), reason));
    }
    if read.load(Ordering::Relaxed) != walk.end.saturating_add(BLOCK) {
        return Err(BundleError::refused(
            if last.is_empty() {
                "(end of archive)"
            } else {
                last
            },
            "the archive is truncated after this entry (its end-of-archive block is missing)",
        ));
    }
    Ok(())
}

/// An error reading the archive at `entry`, as a refusal that names it.
fn refusal(entry: &str, e: io::Error) -> BundleError {
    let entry = if entry.is_empty() {
        MANIFEST_NAME.to_owned()
    } else {
        entry.to_owned()
    };
    let reason = if OverLimit::is(&e) {
        format!("the bundle is larger than the limit ({e})")
    } else if e.kind() == io::ErrorKind::UnexpectedEof {
        "the bundle is truncated here".to_owned()
    } else {
        format!("the archive is damaged here or truncated: {e}")
    };
    BundleError::refused(entry, reason)
}

/// What an entry's name says it is.
enum Kind {
    Manifest,
    Event,
    Blob(String),
}

impl Walk<'_> {
    fn entry<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        name: &str,
    ) -> Result<(), BundleError> {
        let header = entry.header();
        entry_type(header.entry_type(), &entry.link_name_bytes())
            .map_err(|reason| BundleError::refused(name, reason))?;
        let bytes = entry.path_bytes().into_owned();
        let kind = classify(&bytes).map_err(|reason| BundleError::refused(name, reason))?;
        if !self.seen.insert(bytes) {
            return Err(BundleError::refused(name, "a duplicate entry"));
        }
        let next = self.expected.last().cloned().unwrap_or_default();
        if self.manifest.is_some() && !self.listed.contains(name) {
            return Err(BundleError::refused(
                name,
                "an entry the manifest does not list",
            ));
        }
        if self.manifest.is_none() && !matches!(kind, Kind::Manifest) {
            return Err(BundleError::refused(
                name,
                format!("the first entry must be '{MANIFEST_NAME}'"),
            ));
        }
        if name != next {
            return Err(BundleError::refused(
                name,
                if next.is_empty() {
                    "an entry after every entry the manifest lists".to_owned()
                } else {
                    format!("out of order: '{next}' was expected here")
                },
            ));
        }
        self.expected.pop();
        let declared = header
            .entry_size()
            .map_err(|e| BundleError::refused(name, format!("its size is unreadable: {e}")))?;
        let (limit, what) = match kind {
            Kind::Manifest => (self.limits.max_manifest_bytes, "the manifest"),
            Kind::Event => (self.limits.max_event_bytes, "an event"),
            Kind::Blob(_) => (self.limits.max_entry_bytes, "a blob"),
        };
        if declared > limit {
            return Err(BundleError::refused(
                name,
                format!("it is {declared} bytes, over the limit of {limit} bytes for {what}"),
            ));
        }
        let rounded = declared
            .checked_add(BLOCK - 1)
            .map(|n| n / BLOCK * BLOCK)
            .and_then(|n| n.checked_add(BLOCK))
            .and_then(|n| self.end.checked_add(n))
            .ok_or_else(|| BundleError::refused(name, "its size overflows"))?;
        self.end = rounded;
        match kind {
            Kind::Manifest => {
                let data = read_small(entry, name, declared)?;
                let manifest = Manifest::open(&data)
                    .and_then(|m| m.check().map(|()| m))
                    .map_err(|reason| BundleError::refused(name, reason))?;
                self.plan(&manifest, name)?;
                self.manifest = Some(manifest);
            }
            Kind::Event => {
                let data = read_small(entry, name, declared)?;
                self.event(&data, name)?;
            }
            Kind::Blob(sha256) => self.blob(entry, name, &sha256, declared)?,
        }
        Ok(())
    }

    /// What the manifest promises: the names to come, within the limits.
    fn plan(&mut self, manifest: &Manifest, name: &str) -> Result<(), BundleError> {
        let entries = len_usize(manifest.events.len())
            .saturating_add(len_usize(manifest.blobs.len()))
            .saturating_add(1);
        if entries > self.limits.max_entries {
            return Err(BundleError::refused(
                name,
                format!(
                    "it lists {entries} entries, over the limit of {}",
                    self.limits.max_entries
                ),
            ));
        }
        let mut total = 0u64;
        for blob in &manifest.blobs {
            if blob.bytes > self.limits.max_entry_bytes {
                return Err(BundleError::refused(
                    blob_name(&blob.sha256),
                    format!(
                        "the manifest lists it as {} bytes, over the limit of {} for a blob",
                        blob.bytes, self.limits.max_entry_bytes
                    ),
                ));
            }
            total = total.saturating_add(blob.bytes);
        }
        for event in &manifest.events {
            total = total.saturating_add(event.bytes);
        }
        if total > self.limits.max_total_bytes {
            return Err(BundleError::refused(
                name,
                format!(
                    "it lists {total} bytes in all, over the limit of {}",
                    self.limits.max_total_bytes
                ),
            ));
        }
        let mut names: Vec<String> = (1..=manifest.events.len()).map(event_name).collect();
        names.extend(manifest.blobs.iter().map(|b| blob_name(&b.sha256)));
        self.listed = names.iter().cloned().collect();
        names.reverse();
        self.expected = names;
        Ok(())
    }

    fn event(&mut self, data: &[u8], name: &str) -> Result<(), BundleError> {
        let refuse = |reason: String| BundleError::refused(name, reason);
        let manifest = self
            .manifest
            .as_ref()
            .ok_or_else(|| refuse("an event before the manifest".into()))?;
        let index = self.events.len();
        let listed = manifest
            .events
            .get(index)
            .ok_or_else(|| refuse("an event the manifest does not list".into()))?;
        if len(data) != listed.bytes {
            return Err(refuse(format!(
                "it is {} bytes, and the manifest lists {}",
                data.len(),
                listed.bytes
            )));
        }
        let signed = SignedEvent::from_json(data).map_err(|e| refuse(e.to_string()))?;
        let event = &signed.event;
        if event.inspection != manifest.inspection {
            return Err(refuse(format!(
                "it belongs to inspection {}, not {}",
                event.inspection, manifest.inspection
            )));
        }
        if event.device != listed.device || event.seq != listed.seq {
            return Err(refuse(format!(
                "it is event {}#{}, and the manifest lists {}#{} here",
                event.device, event.seq, listed.device, listed.seq
            )));
        }
        let card = manifest
            .devices
            .iter()
            .find(|c| c.public_key.id() == event.device)
            .ok_or_else(|| refuse(format!("no card for device {}", event.device)))?;
        let hash = signed
            .verify(&card.public_key)
            .map_err(|e| refuse(e.to_string()))?;
        if hash != listed.hash {
            return Err(refuse(format!(
                "its hash is {hash}, and the manifest lists {}: the event was altered or replaced",
                listed.hash
            )));
        }
        if let Some(head) = self.heads.get(&event.device) {
            if event.prev.as_ref() != Some(head) {
                return Err(refuse(format!(
                    "its 'prev' is not the hash of {}#{} before it",
                    event.device,
                    event.seq.saturating_sub(1)
                )));
            }
        }
        self.heads.insert(event.device.clone(), hash);
        self.events.push(signed);
        Ok(())
    }

    fn blob<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        name: &str,
        sha256: &str,
        declared: u64,
    ) -> Result<(), BundleError> {
        let listed = self
            .manifest
            .as_ref()
            .and_then(|m| m.blobs.iter().find(|b| b.sha256 == sha256))
            .ok_or_else(|| BundleError::refused(name, "a blob the manifest does not list"))?;
        if declared != listed.bytes {
            return Err(BundleError::refused(
                name,
                format!(
                    "it is {declared} bytes, and the manifest lists {}",
                    listed.bytes
                ),
            ));
        }
        let file = tempfile::Builder::new()
            .prefix(".bundle-")
            .suffix(".part")
            .tempfile_in(self.staging)
            .map_err(|e| {
                BundleError::io(format!("staging {name} in {}", self.staging.display()), e)
            })?;
        let (mut file, path) = file.into_parts();
        // From here the file is deleted on any early return, with `path`.
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        if self.buffer.len() < CHUNK {
            self.buffer.resize(CHUNK, 0);
        }
        loop {
            let n = match entry.read(&mut self.buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(refusal(name, e)),
            };
            let data = self.buffer.get(..n).unwrap_or_default();
            total = total.saturating_add(len(data));
            if total > self.limits.max_entry_bytes {
                return Err(BundleError::refused(
                    name,
                    format!(
                        "more than {} bytes, the limit for a blob",
                        self.limits.max_entry_bytes
                    ),
                ));
            }
            hasher.update(data);
            file.write_all(data).map_err(|e| {
                BundleError::io(format!("staging {name} in {}", self.staging.display()), e)
            })?;
        }
        if total != declared {
            return Err(BundleError::refused(
                name,
                format!("the bundle is truncated: {total} of its {declared} bytes are there"),
            ));
        }
        let digest = hex::encode(hasher.finalize());
        if digest != sha256 {
            return Err(BundleError::refused(
                name,
                format!("its bytes hash to {digest}, not to its name"),
            ));
        }
        file.flush().map_err(|e| {
            BundleError::io(format!("staging {name} in {}", self.staging.display()), e)
        })?;
        drop(file);
        self.blobs.push(StagedBlob {
            sha256: sha256.to_owned(),
            bytes: total,
            path: path.to_path_buf(),
        });
        self.staged.push(path);
        Ok(())
    }
}

/// Reads a small entry (the manifest, an event) whole; its size was checked against its
/// limit already, and at most that much is read.
fn read_small<R: Read>(entry: &mut R, name: &str, declared: u64) -> Result<Vec<u8>, BundleError> {
    let mut data = Vec::new();
    entry.take(declared).read_to_end(&mut data).map_err(|e| {
        let reason = if OverLimit::is(&e) {
            format!("the bundle is larger than the limit ({e})")
        } else {
            format!("the archive is damaged here or truncated: {e}")
        };
        BundleError::refused(name, reason)
    })?;
    if len(&data) != declared {
        return Err(BundleError::refused(
            name,
            format!(
                "the bundle is truncated: {} of its {declared} bytes are there",
                data.len()
            ),
        ));
    }
    Ok(data)
}

/// Only regular files: anything else is named for what it is.
fn entry_type(
    kind: tar::EntryType,
    link: &Option<std::borrow::Cow<'_, [u8]>>,
) -> Result<(), String> {
    use tar::EntryType as T;
    let target = || {
        link.as_ref()
            .map(|l| format!(" to '{}'", display(l)))
            .unwrap_or_default()
    };
    let what = match kind {
        T::Regular => return Ok(()),
        T::Symlink => format!("a symbolic link{}", target()),
        T::Link => format!("a hard link{}", target()),
        T::Char => "a character device".to_owned(),
        T::Block => "a block device".to_owned(),
        T::Fifo => "a fifo".to_owned(),
        T::Directory => "a directory".to_owned(),
        T::GNULongName | T::GNULongLink => "a GNU long-name entry".to_owned(),
        T::XHeader | T::XGlobalHeader => "a pax extended header".to_owned(),
        T::GNUSparse => "a sparse file".to_owned(),
        T::Continuous => "a contiguous file".to_owned(),
        other => format!("an entry of type '{}'", display(&[other.as_byte()])),
    };
    Err(format!("it is {what}; a bundle holds regular files only"))
}

/// What an entry's name is, or why it is refused.
fn classify(name: &[u8]) -> Result<Kind, String> {
    if name.first() == Some(&b'/') {
        return Err("an absolute path; a bundle holds fixed relative names only".into());
    }
    if name.contains(&b'\\')
        || name
            .split(|b| *b == b'/')
            .any(|part| part == b".." || part == b".")
    {
        return Err("a path that climbs out of the bundle ('..', '.' or '\\')".into());
    }
    if name == MANIFEST_NAME.as_bytes() {
        return Ok(Kind::Manifest);
    }
    let text = std::str::from_utf8(name).map_err(|_| unexpected())?;
    if let Some(n) = text
        .strip_prefix("events/")
        .and_then(|rest| rest.strip_suffix(".json"))
    {
        let canonical =
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0');
        return if canonical {
            Ok(Kind::Event)
        } else {
            Err(unexpected())
        };
    }
    if let Some(hash) = text.strip_prefix("blobs/") {
        return if is_sha256_hex(hash) {
            Ok(Kind::Blob(hash.to_owned()))
        } else {
            Err(unexpected())
        };
    }
    Err(unexpected())
}

fn unexpected() -> String {
    "an unexpected name; a bundle holds 'manifest.json', 'events/<n>.json' and 'blobs/<sha256>' only"
        .into()
}

/// A name for messages: printable, at most 120 characters.
fn display(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for c in text.chars().flat_map(char::escape_debug).take(120) {
        out.push(c);
    }
    if out.is_empty() {
        out.push_str("(no name)");
    }
    out
}

fn len(bytes: &[u8]) -> u64 {
    u64::try_from(bytes.len()).unwrap_or(u64::MAX)
}

fn len_usize(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The error a [`Budget`] gives when its limit is passed.
#[derive(Debug)]
struct OverLimit(u64);

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "more than {} bytes", self.0)
    }
}

impl std::error::Error for OverLimit {}

impl OverLimit {
    fn is(e: &io::Error) -> bool {
        e.get_ref().is_some_and(|inner| inner.is::<OverLimit>())
    }
}

/// Counts the bytes that pass. Once its budget is spent, a hard budget fails when more
/// comes; a soft one ends the stream there (for age's header, which its reader reads ahead
/// of).
struct Budget<R> {
    inner: R,
    remaining: Arc<AtomicU64>,
    read: Arc<AtomicU64>,
    hard: bool,
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let remaining = self.remaining.load(Ordering::Relaxed);
        if remaining == 0 && !self.hard {
            return Ok(0);
        }
        // One byte more than the budget, to tell "exactly the budget" from "more".
        let room = if self.hard {
            remaining.saturating_add(1)
        } else {
            remaining
        };
        let room = usize::try_from(room).unwrap_or(usize::MAX);
        let max = buf.len().min(room);
        let n = self.inner.read(buf.get_mut(..max).unwrap_or_default())?;
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        if n64 > remaining {
            return Err(io::Error::other(OverLimit(
                self.read.load(Ordering::Relaxed).saturating_add(remaining),
            )));
        }
        if remaining != u64::MAX {
            self.remaining
                .store(remaining.saturating_sub(n64), Ordering::Relaxed);
        }
        self.read.fetch_add(n64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Runs `f` over what `inner` gives, read on a helper thread (decrypting, for an age file) a
/// few chunks ahead, so that decryption overlaps with hashing and staging.
fn read_ahead<R: Read + Send, T>(inner: R, f: impl FnOnce(&mut dyn Read) -> T) -> T {
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(4);
        scope.spawn(move || {
            let mut inner = inner;
            loop {
                let mut chunk = vec![0u8; CHUNK];
                let mut filled = 0;
                let result = loop {
                    match inner.read(chunk.get_mut(filled..).unwrap_or_default()) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            filled += n;
                            if filled == chunk.len() {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                chunk.truncate(filled);
                let end = filled == 0 || result.is_err();
                if filled > 0 && tx.send(Ok(chunk)).is_err() {
                    return;
                }
                if let Err(e) = result {
                    let _ = tx.send(Err(e));
                }
                if end {
                    return;
                }
            }
        });
        let mut reader = Ahead {
            rx,
            chunk: Vec::new(),
            pos: 0,
        };
        // When `f` returns early (a refusal), `reader` is dropped here and the helper stops at
        // its next send.
        f(&mut reader)
    })
}

/// The reading end of [`read_ahead`].
struct Ahead {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for Ahead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.chunk.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The helper is done: the end of the stream.
                Err(_) => return Ok(0),
            }
        }
        let rest = self.chunk.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}
