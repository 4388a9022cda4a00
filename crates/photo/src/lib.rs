//! Photos made small fast, for thumbnails (the store) and the act's photo annex.
//!
//! A JPEG is decoded straight at the smallest of its 1/1, 1/2, 1/4 and 1/8 scales that still
//! covers the size wanted (the decoder's scaled IDCT): a fraction of the work of decoding
//! every pixel and throwing most of them away. The result is upright, as its EXIF
//! orientation says.
#![deny(missing_docs)]

use std::io::Read;

use image::metadata::Orientation;
use image::DynamicImage;

/// A JPEG decoded at the smallest scale whose longer side is at least `side` pixels (or at
/// full size when the photo is smaller), upright. `None` when it is not an 8-bit grey or RGB
/// JPEG (CMYK, 16-bit: use the general decoder), has more than `max_pixels` pixels, or is
/// broken.
pub fn decode_jpeg_scaled<R: Read>(reader: R, side: u16, max_pixels: u64) -> Option<DynamicImage> {
    let mut decoder = jpeg_decoder::Decoder::new(reader);
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    if u64::from(info.width) * u64::from(info.height) > max_pixels {
        return None;
    }
    let (width, height) = decoder.scale(side, side).ok()?;
    let orientation = decoder.exif_data().and_then(exif_orientation);
    let pixels = decoder.decode().ok()?;
    let (width, height) = (u32::from(width), u32::from(height));
    let mut image: DynamicImage = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            image::RgbImage::from_raw(width, height, pixels)?.into()
        }
        jpeg_decoder::PixelFormat::L8 => image::GrayImage::from_raw(width, height, pixels)?.into(),
        _ => return None,
    };
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Some(image)
}

/// The orientation in a JPEG's raw EXIF data (its APP1 segment).
fn exif_orientation(raw: &[u8]) -> Option<Orientation> {
    let exif = exif::Reader::new().read_raw(raw.to_vec()).ok()?;
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    let value = field.value.get_uint(0)?;
    Orientation::from_exif(u8::try_from(value).ok()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&image::RgbImage::from_pixel(
                width,
                height,
                image::Rgb([10, 120, 200]),
            ))
            .unwrap();
        out
    }

    #[test]
    fn a_large_photo_is_decoded_at_the_smallest_scale_that_covers_the_side() {
        let image = decode_jpeg_scaled(&jpeg(1600, 1200)[..], 320, u64::MAX).unwrap();
        assert_eq!((image.width(), image.height()), (400, 300));
        let image = decode_jpeg_scaled(&jpeg(1600, 1200)[..], 480, u64::MAX).unwrap();
        assert_eq!((image.width(), image.height()), (800, 600));
        let [r, g, b] = image.to_rgb8().get_pixel(10, 10).0;
        assert!(r < 40 && (100..140).contains(&g) && b > 180, "{r} {g} {b}");
    }

    #[test]
    fn a_small_photo_keeps_its_size_and_a_huge_or_broken_one_is_refused() {
        let image = decode_jpeg_scaled(&jpeg(200, 100)[..], 320, u64::MAX).unwrap();
        assert_eq!((image.width(), image.height()), (200, 100));
        assert!(decode_jpeg_scaled(&jpeg(200, 100)[..], 320, 10_000).is_none());
        assert!(decode_jpeg_scaled(&b"not a jpeg"[..], 320, u64::MAX).is_none());
    }
}
