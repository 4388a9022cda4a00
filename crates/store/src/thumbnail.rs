//! Thumbnails of photos: made when a photo is imported (or on first request for one imported
//! before), kept in the `thumbnail` table.
//!
//! A thumbnail is derived data: it is not in the audit trail, `verify` ignores it, and it can
//! be dropped at any time. The original is read chunk by chunk from the database, so memory
//! is the decoded image plus one chunk (a JPEG is held whole while it decodes); images whose
//! header announces more than 100 megapixels are refused before anything is decoded.

use std::cell::RefCell;
use std::io::{BufReader, Read, Seek, SeekFrom};

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use rusqlite::{Connection, OptionalExtension};

use crate::error::{Result, StoreError};
use crate::store::Store;

/// The longest side of a thumbnail, in pixels.
const THUMBNAIL_SIDE: u32 = 320;
/// JPEG quality of thumbnails.
const QUALITY: u8 = 80;
/// Images with more pixels than this get no thumbnail (100 megapixels).
const MAX_PIXELS: u64 = 100_000_000;
/// At most this much memory for the decoded pixels (100 megapixels of RGBA).
const MAX_DECODED: u64 = MAX_PIXELS * 4;
/// Originals larger than this get no thumbnail: no real photo is this big, and a JPEG is held
/// in memory whole while it decodes.
const MAX_ENCODED: u64 = 256 << 20;

impl Store {
    /// A JPEG thumbnail (longest side 320 px, upright as the photo's EXIF orientation says) of
    /// the evidence with this SHA-256, made on first request and cached.
    ///
    /// `Ok(None)` when no evidence with this hash is a JPEG or PNG image, or when the image
    /// cannot be decoded or is larger than 100 megapixels: a broken photo is still evidence,
    /// it just has no picture. Errors are the database's only.
    pub fn thumbnail(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        if let Some(cached) = self.cached_thumbnail(sha256)? {
            return Ok(Some(cached));
        }
        self.make_thumbnail(sha256)
    }

    /// The thumbnail of the evidence with this SHA-256 if one was made (at import, or when
    /// first shown), without making one.
    pub fn cached_thumbnail(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT jpeg FROM thumbnail WHERE sha256 = ?1",
                [sha256],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn make_thumbnail(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let image: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM evidence WHERE sha256 = ?1 \
                 AND media_type IN ('image/jpeg', 'image/png') LIMIT 1",
                [sha256],
                |r| r.get(0),
            )
            .optional()?;
        if image.is_none() {
            return Ok(None);
        }
        let Some(jpeg) = make(&self.conn, sha256)? else {
            return Ok(None);
        };
        // One statement, so one short transaction; a thumbnail made meanwhile by another
        // process is as good as this one.
        self.conn.execute(
            "INSERT OR IGNORE INTO thumbnail (sha256, jpeg) VALUES (?1, ?2)",
            rusqlite::params![sha256, jpeg],
        )?;
        Ok(Some(jpeg))
    }
}

/// Decodes the blob and makes its thumbnail; `Ok(None)` when it is not a usable image.
fn make(conn: &Connection, sha256: &str) -> Result<Option<Vec<u8>>> {
    let (bytes, chunks) = crate::evidence::blob_size(conn, sha256)?;
    let bytes = u64::try_from(bytes).unwrap_or(0);
    if bytes == 0 || bytes > MAX_ENCODED {
        return Ok(None);
    }
    let failure = RefCell::new(None);
    let reader = ChunkReader {
        conn,
        sha256,
        bytes,
        chunks,
        chunk_size: None,
        pos: 0,
        current: None,
        failure: &failure,
    };
    let image = decode(BufReader::with_capacity(64 << 10, reader));
    // A database error while reading is the store's problem, not the photo's.
    if let Some(err) = failure.into_inner() {
        return Err(err);
    }
    let Some(image) = image else {
        return Ok(None);
    };
    Ok(encode(&image))
}

/// The upright image, or `None` when it cannot be decoded or is too large. A JPEG is decoded
/// straight at the smallest of its 1/1, 1/2, 1/4, 1/8 scales that still covers a thumbnail:
/// a fraction of the work of decoding every pixel and throwing most of them away.
fn decode(reader: BufReader<ChunkReader<'_>>) -> Option<DynamicImage> {
    let reader = ImageReader::new(reader).with_guessed_format().ok()?;
    if reader.format() != Some(image::ImageFormat::Jpeg) {
        return decode_any(reader);
    }
    let mut inner = reader.into_inner();
    if let Some(image) =
        tekseru_photo::decode_jpeg_scaled(&mut inner, THUMBNAIL_SIDE as u16, MAX_PIXELS)
    {
        return Some(image);
    }
    // A JPEG the scaled decoder does not take (CMYK, 16-bit): the general path.
    inner.seek(SeekFrom::Start(0)).ok()?;
    decode_any(ImageReader::with_format(inner, image::ImageFormat::Jpeg))
}

/// Any image the `image` crate reads, upright.
fn decode_any<R: std::io::BufRead + Seek>(mut reader: ImageReader<R>) -> Option<DynamicImage> {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().ok()?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS || decoder.total_bytes() > MAX_DECODED {
        return None;
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).ok()?;
    image.apply_orientation(orientation);
    Some(image)
}

/// Scales down to fit 320×320 (never up), flattens transparency onto white, encodes JPEG.
fn encode(image: &DynamicImage) -> Option<Vec<u8>> {
    let shrunk = box_shrink(image);
    let image = shrunk.as_ref().unwrap_or(image);
    let small = if image.width() > THUMBNAIL_SIDE || image.height() > THUMBNAIL_SIDE {
        image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    } else {
        image.clone()
    };
    let rgb = if small.color().has_alpha() {
        let rgba = small.to_rgba8();
        let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
        for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
            let [r, g, b, a] = px.0;
            let over =
                |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
            *out = image::Rgb([over(r), over(g), over(b)]);
        }
        rgb
    } else {
        small.to_rgb8()
    };
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&rgb)
        .ok()?;
    Some(out)
}

/// Shrinks by the largest whole factor that keeps the longest side at least 320 px, each
/// pixel the average of a k×k block: a quarter of the time `thumbnail` takes on a full-size
/// photo, which is then left with a small step. `None` when there is nothing to gain or the
/// pixels are not 8-bit.
fn box_shrink(image: &DynamicImage) -> Option<DynamicImage> {
    let k = (image.width().max(image.height()) / THUMBNAIL_SIDE) as usize;
    if k < 2 {
        return None;
    }
    let (w, h) = (image.width() as usize, image.height() as usize);
    let (nw, nh) = (w / k, h / k);
    let shrink = |src: &[u8], c: usize| -> Vec<u8> {
        let area = (k * k) as u32;
        let mut out = Vec::with_capacity(nw * nh * c);
        let mut sums = vec![0u32; nw * c];
        for band in src.chunks_exact(w * c * k).take(nh) {
            sums.fill(0);
            for row in band.chunks_exact(w * c) {
                for (sum, block) in sums.chunks_exact_mut(c).zip(row.chunks_exact(k * c)) {
                    for px in block.chunks_exact(c) {
                        for (s, v) in sum.iter_mut().zip(px) {
                            *s += u32::from(*v);
                        }
                    }
                }
            }
            out.extend(sums.iter().map(|s| ((s + area / 2) / area) as u8));
        }
        out
    };
    let (nw32, nh32) = (nw as u32, nh as u32);
    match image {
        DynamicImage::ImageRgb8(px) => {
            image::RgbImage::from_raw(nw32, nh32, shrink(px.as_raw(), 3)).map(Into::into)
        }
        DynamicImage::ImageRgba8(px) => {
            image::RgbaImage::from_raw(nw32, nh32, shrink(px.as_raw(), 4)).map(Into::into)
        }
        DynamicImage::ImageLuma8(px) => {
            image::GrayImage::from_raw(nw32, nh32, shrink(px.as_raw(), 1)).map(Into::into)
        }
        _ => None,
    }
}

/// Reads a blob's chunks on demand. A database error is kept in `failure` (the decoder sees
/// only an I/O error) so that the caller can report it as such.
struct ChunkReader<'a> {
    conn: &'a Connection,
    sha256: &'a str,
    bytes: u64,
    chunks: i64,
    /// The size of every chunk but the last, learnt from the first.
    chunk_size: Option<u64>,
    pos: u64,
    current: Option<(i64, Vec<u8>)>,
    failure: &'a RefCell<Option<StoreError>>,
}

impl ChunkReader<'_> {
    fn load(&mut self, seq: i64) -> std::io::Result<&[u8]> {
        if self.current.as_ref().map(|(s, _)| *s) != Some(seq) {
            let data: Option<Vec<u8>> = self
                .conn
                .query_row(
                    "SELECT data FROM chunk WHERE sha256 = ?1 AND seq = ?2",
                    rusqlite::params![self.sha256, seq],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| {
                    let message = e.to_string();
                    self.failure.borrow_mut().get_or_insert(e.into());
                    std::io::Error::other(message)
                })?;
            let data = data.ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("blob {} lacks chunk {seq}", self.sha256),
                )
            })?;
            self.current = Some((seq, data));
        }
        Ok(self.current.as_ref().map_or(&[][..], |(_, d)| d.as_slice()))
    }

    fn chunk_size(&mut self) -> std::io::Result<u64> {
        if let Some(size) = self.chunk_size {
            return Ok(size);
        }
        let size = self.load(0)?.len() as u64;
        if size == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "empty chunk",
            ));
        }
        self.chunk_size = Some(size);
        Ok(size)
    }
}

impl Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.bytes || buf.is_empty() {
            return Ok(0);
        }
        let size = self.chunk_size()?;
        let seq = (self.pos / size) as i64;
        if seq >= self.chunks {
            return Ok(0);
        }
        let offset = (self.pos % size) as usize;
        let data = self.load(seq)?;
        let available = data.get(offset..).unwrap_or(&[]);
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for ChunkReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.bytes.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the blob",
            )
        })?;
        Ok(self.pos)
    }
}
