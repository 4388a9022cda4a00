//! The PKCS#12 key derivation function (RFC 7292 appendix B.2) and the password encoding it takes.
//!
//! Written here rather than taken from RustCrypto's `pkcs12` crate (feature `kdf`): its only
//! release for the digest-0.11 generation is `0.2.0-pre.0`, which pins `cms = "=0.3.0-pre.1"`
//! exactly (a second copy of `cms` beside the one the workspace uses), leaves the derived blocks
//! in memory unzeroized, and encodes passwords through `BmpString`, which rejects characters
//! outside the BMP that OpenSSL and Java both encode as UTF-16 surrogate pairs. The function is
//! forty lines; it is checked against the published vectors below and, in the integration
//! tests, against the MACs and keys of files made by the NCA and by OpenSSL.

use digest::block_api::BlockSizeUser;
use digest::{Digest, FixedOutputReset};
use zeroize::{Zeroize, Zeroizing};

/// What a derived string is for: the `ID` byte of RFC 7292 appendix B.3.
#[derive(Clone, Copy)]
#[repr(u8)]
pub(crate) enum Purpose {
    /// Key material for a cipher.
    Key = 1,
    /// An initialisation vector.
    Iv = 2,
    /// A MAC key.
    Mac = 3,
}

/// The password as RFC 7292 appendix B.1 wants it: UTF-16 big-endian with a trailing 0x0000.
/// Characters outside the BMP become surrogate pairs, as OpenSSL and Java encode them.
pub(crate) fn bmp_password(password: &str) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    for unit in password.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// Derives `len` bytes from the encoded `password` (see [`bmp_password`]) and `salt` with
/// `iterations` rounds of the hash `D`. `iterations` must be at least 1.
pub(crate) fn derive<D>(
    password: &[u8],
    salt: &[u8],
    purpose: Purpose,
    iterations: u32,
    len: usize,
) -> Zeroizing<Vec<u8>>
where
    D: Digest + BlockSizeUser + FixedOutputReset,
{
    let v = D::block_size();
    let u = <D as Digest>::output_size();
    // 1. D = v copies of ID.
    let diversifier = vec![purpose as u8; v];
    // 2-4. I = S || P, salt and password each repeated to a multiple of v bytes.
    let mut i_buf = Zeroizing::new(Vec::new());
    for part in [salt, password] {
        if !part.is_empty() {
            let n = part.len().div_ceil(v) * v;
            i_buf.extend(part.iter().cycle().take(n));
        }
    }
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    let mut b = Zeroizing::new(vec![0u8; v]);
    loop {
        // 6a. A = H^r(D || I), hashed in place so that no copy of A is left behind.
        let mut hasher = D::new();
        Digest::update(&mut hasher, &diversifier);
        Digest::update(&mut hasher, &*i_buf);
        let mut a = hasher.finalize_reset();
        for _ in 1..iterations {
            Digest::update(&mut hasher, &a);
            Digest::finalize_into_reset(&mut hasher, &mut a);
        }
        let take = (len - out.len()).min(u);
        out.extend_from_slice(a.get(..take).unwrap_or_default());
        if out.len() >= len {
            a.as_mut_slice().zeroize();
            return out;
        }
        // 6b. B = A repeated to v bytes.
        for (dst, src) in b.iter_mut().zip(a.iter().cycle()) {
            *dst = *src;
        }
        a.as_mut_slice().zeroize();
        // 6c. I_j = (I_j + B + 1) mod 2^v, for each v-byte block I_j of I.
        for block in i_buf.chunks_mut(v) {
            let mut carry = 1u16;
            for (x, y) in block.iter_mut().zip(b.iter()).rev() {
                carry += u16::from(*x) + u16::from(*y);
                *x = carry as u8;
                carry >>= 8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn password_is_utf16_big_endian_with_a_terminator() {
        assert_eq!(&*bmp_password("Ab"), &[0, b'A', 0, b'b', 0, 0]);
        // Cyrillic stays two bytes; an emoji becomes a surrogate pair.
        assert_eq!(&*bmp_password("Ж"), &[0x04, 0x16, 0, 0]);
        assert_eq!(&*bmp_password("😀"), &[0xd8, 0x3d, 0xde, 0x00, 0, 0]);
        assert_eq!(&*bmp_password(""), &[0, 0]);
    }

    // The published PKCS#12 KDF vectors (BouncyCastle's PKCS12Test, also used by NSS), SHA-1.
    #[test]
    fn matches_the_published_vectors() {
        let pw = bmp_password("smeg");
        let salt = [0x0a, 0x58, 0xcf, 0x64, 0x53, 0x0d, 0x82, 0x3f];
        let key = derive::<sha1::Sha1>(&pw, &salt, Purpose::Key, 1, 24);
        assert_eq!(
            hex(&key),
            "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"
        );
        let iv = derive::<sha1::Sha1>(&pw, &salt, Purpose::Iv, 1, 8);
        assert_eq!(hex(&iv), "79993dfe048d3b76");
        let salt = [0x3d, 0x83, 0xc0, 0xe4, 0x54, 0x6a, 0xc1, 0x40];
        let mac = derive::<sha1::Sha1>(&pw, &salt, Purpose::Mac, 1, 20);
        assert_eq!(hex(&mac), "8d967d88f6caa9d714800ab3d48051d63f73a312");
        let pw = bmp_password("queeg");
        let salt = [0x05, 0xde, 0xc9, 0x59, 0xac, 0xff, 0x72, 0xf7];
        let key = derive::<sha1::Sha1>(&pw, &salt, Purpose::Key, 1000, 24);
        assert_eq!(
            hex(&key),
            "ed2034e36328830ff09df1e1a07dd357185dac0d4f9eb3d4"
        );
    }
}
