//! Writing a bundle, streaming: the manifest, then each event, then each blob as its
//! source gives it, never the whole bundle in memory.

use std::io::{self, BufWriter, Read, Write};

use sha2::{Digest, Sha256};
use tekseru_ledger::{DeviceKey, SignedEvent, VersionVector};

use crate::manifest::{blob_name, event_name, EventEntry, MANIFEST_NAME};
use crate::seal::{recipient, secret};
use crate::{BlobRef, BundleError, DeviceCard, Encryption, Manifest, FORMAT};

/// Size of the copy buffer for blobs, and of the output buffer.
const CHUNK: usize = 256 * 1024;

/// What to put in a bundle: what the store's `outgoing` gives, with the exporter's card
/// and the two version vectors.
#[derive(Clone, Debug)]
pub struct Contents {
    /// The inspection.
    pub inspection: String,
    /// The exporting device's card (its key signs the manifest).
    pub exporter: DeviceCard,
    /// What the exporter holds of the inspection.
    pub vector: VersionVector,
    /// What the receiver holds already (empty: everything).
    pub since: VersionVector,
    /// The events the receiver lacks, in an order that respects `prev`.
    pub events: Vec<SignedEvent>,
    /// The cards of every device whose events are included.
    pub devices: Vec<DeviceCard>,
    /// The evidence those events reference.
    pub blobs: Vec<BlobRef>,
}

/// A bundle written.
#[derive(Debug)]
pub struct Written<W> {
    /// Its manifest.
    pub manifest: Manifest,
    /// The output, flushed.
    pub out: W,
}

/// Writes the bundle of `contents` to `out`, encrypted as `encryption` says, its manifest
/// signed by `key` (the exporter's). `blob` opens a blob's bytes by its reference; each is
/// streamed into the bundle and hashed on the way, and one whose bytes are not what its
/// reference says stops the export.
///
/// # Errors
/// When the contents are inconsistent (an event of another inspection or not signed by the
/// device it names, a device without a card, a gap in a chain), a blob cannot be read or
/// does not match its reference, or the output fails. The output is then incomplete: write
/// to a temporary file and keep it only on success.
pub fn write<W, R, F>(
    out: W,
    contents: &Contents,
    mut blob: F,
    encryption: &Encryption,
    key: &DeviceKey,
) -> Result<Written<W>, BundleError>
where
    W: Write,
    R: Read,
    F: FnMut(&BlobRef) -> io::Result<R>,
{
    let (manifest, events) = prepare(contents)?;
    let manifest_bytes = manifest.clone().sign(key).map_err(BundleError::Contents)?;

    let buffered = BufWriter::with_capacity(CHUNK, out);
    let sink = match encryption {
        Encryption::Plain => Sink::Plain(buffered),
        Encryption::ToDevices(keys) => {
            if keys.is_empty() {
                return Err(BundleError::Contents(
                    "no device to encrypt the bundle to".into(),
                ));
            }
            let recipients = keys.iter().map(recipient).collect::<Result<Vec<_>, _>>()?;
            let encryptor = age::Encryptor::with_recipients(
                recipients.iter().map(|r| r as &dyn age::Recipient),
            )
            .map_err(|e| BundleError::Contents(format!("cannot encrypt: {e}")))?;
            Sink::Age(
                encryptor
                    .wrap_output(buffered)
                    .map_err(|e| BundleError::io("writing the bundle", e))?,
            )
        }
        Encryption::Passphrase {
            passphrase,
            work_factor,
        } => {
            if passphrase.is_empty() {
                return Err(BundleError::Contents("the passphrase is empty".into()));
            }
            let mut recipient = age::scrypt::Recipient::new(secret(passphrase));
            if let Some(log_n) = work_factor {
                if !(1..64).contains(log_n) {
                    return Err(BundleError::Contents(format!(
                        "scrypt's work factor must be between 1 and 63, not {log_n}"
                    )));
                }
                recipient.set_work_factor(*log_n);
            }
            let encryptor =
                age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                    .map_err(|e| BundleError::Contents(format!("cannot encrypt: {e}")))?;
            Sink::Age(
                encryptor
                    .wrap_output(buffered)
                    .map_err(|e| BundleError::io("writing the bundle", e))?,
            )
        }
    };

    let mut tar = tar::Builder::new(sink);
    let io_err = |name: &str| {
        let name = name.to_owned();
        move |e: io::Error| BundleError::io(format!("writing {name} into the bundle"), e)
    };
    tar.append(
        &header(MANIFEST_NAME, len(&manifest_bytes))?,
        &manifest_bytes[..],
    )
    .map_err(io_err(MANIFEST_NAME))?;
    for (i, bytes) in events.iter().enumerate() {
        let name = event_name(i + 1);
        tar.append(&header(&name, len(bytes))?, &bytes[..])
            .map_err(io_err(&name))?;
    }
    for reference in &contents.blobs {
        let name = blob_name(&reference.sha256);
        let source = blob(reference)
            .map_err(|e| BundleError::io(format!("opening {name} to export it"), e))?;
        let mut checked = Checked {
            inner: source.take(reference.bytes),
            hasher: Sha256::new(),
            read: 0,
        };
        tar.append(&header(&name, reference.bytes)?, &mut checked)
            .map_err(io_err(&name))?;
        if checked.read != reference.bytes {
            return Err(BundleError::Contents(format!(
                "{name} is {} bytes in the store, not the {} its reference says",
                checked.read, reference.bytes
            )));
        }
        let digest = hex::encode(checked.hasher.finalize());
        if digest != reference.sha256 {
            return Err(BundleError::Contents(format!(
                "{name}'s bytes hash to {digest} in the store: the stored evidence is damaged"
            )));
        }
    }
    let sink = tar
        .into_inner()
        .map_err(|e| BundleError::io("finishing the bundle", e))?;
    let buffered = match sink {
        Sink::Plain(b) => b,
        Sink::Age(stream) => stream
            .finish()
            .map_err(|e| BundleError::io("finishing the bundle's encryption", e))?,
    };
    let out = buffered
        .into_inner()
        .map_err(|e| BundleError::io("writing the bundle", e.into_error()))?;
    Ok(Written { manifest, out })
}

/// The manifest and each event's JSON, after checking that the contents hang together.
fn prepare(contents: &Contents) -> Result<(Manifest, Vec<Vec<u8>>), BundleError> {
    let mut entries = Vec::with_capacity(contents.events.len());
    let mut jsons = Vec::with_capacity(contents.events.len());
    for signed in &contents.events {
        let event = &signed.event;
        if event.inspection != contents.inspection {
            return Err(BundleError::Contents(format!(
                "event {}#{} belongs to inspection {}, not {}",
                event.device, event.seq, event.inspection, contents.inspection
            )));
        }
        let card = contents
            .devices
            .iter()
            .find(|c| c.public_key.id() == event.device)
            .ok_or_else(|| {
                BundleError::Contents(format!(
                    "event {}#{} is by a device whose card is not included",
                    event.device, event.seq
                ))
            })?;
        let hash = signed
            .verify(&card.public_key)
            .map_err(|e| BundleError::Contents(e.to_string()))?;
        let json = signed
            .to_json()
            .map_err(|e| BundleError::Contents(e.to_string()))?;
        entries.push(EventEntry {
            device: event.device.clone(),
            seq: event.seq,
            hash,
            bytes: len(&json),
        });
        jsons.push(json);
    }
    let manifest = Manifest {
        format: FORMAT,
        inspection: contents.inspection.clone(),
        exporter: contents.exporter.clone(),
        vector: contents.vector.clone(),
        since: contents.since.clone(),
        devices: contents.devices.clone(),
        events: entries,
        blobs: contents.blobs.clone(),
    };
    manifest.check().map_err(BundleError::Contents)?;
    Ok((manifest, jsons))
}

fn len(bytes: &[u8]) -> u64 {
    u64::try_from(bytes.len()).unwrap_or(u64::MAX)
}

/// A ustar header for a regular file: fixed mode, owner and time, so that two exports of
/// the same contents differ only by their encryption.
fn header(name: &str, size: u64) -> Result<tar::Header, BundleError> {
    let mut header = tar::Header::new_ustar();
    header
        .set_path(name)
        .map_err(|e| BundleError::io(format!("naming {name}"), e))?;
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_cksum();
    Ok(header)
}

/// Hashes and counts what passes through.
struct Checked<R> {
    inner: R,
    hasher: Sha256,
    read: u64,
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = buf.get(..n).unwrap_or_default();
        self.hasher.update(data);
        self.read = self.read.saturating_add(len(data));
        Ok(n)
    }
}

/// The tar stream's destination: the buffered output, or age over it.
enum Sink<W: Write> {
    Plain(BufWriter<W>),
    Age(age::stream::StreamWriter<BufWriter<W>>),
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Age(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Age(w) => w.flush(),
        }
    }
}
