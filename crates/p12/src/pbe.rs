//! Password-based decryption: the PKCS#12 schemes of RFC 7292 appendix C (what the NCA uses)
//! and PBES2 of RFC 8018 (what OpenSSL 3 writes by default).

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockCipherDecrypt, BlockModeDecrypt, BlockSizeUser, InnerIvInit, KeyInit};
use des::{TdesEde2, TdesEde3};
use rc2::Rc2;
use sha1::Sha1;
use sha2_011::{Sha224, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::asn1::{self, AlgorithmId};
use crate::kdf::{self, Purpose};
use crate::{oid, P12Error};

/// Why decryption failed, when the scheme itself is supported.
pub(crate) enum Failure {
    /// The padding of the plaintext is wrong: almost surely a wrong password.
    BadPadding,
    /// Anything else: reported as is.
    Error(P12Error),
}

impl From<P12Error> for Failure {
    fn from(e: P12Error) -> Self {
        Failure::Error(e)
    }
}

/// The password in the two forms the schemes want.
pub(crate) struct Password {
    /// UTF-16BE with a trailing 0x0000, for the PKCS#12 KDF.
    pub(crate) bmp: Zeroizing<Vec<u8>>,
    /// UTF-8, for PBKDF2 (as OpenSSL passes it).
    pub(crate) utf8: Zeroizing<Vec<u8>>,
}

impl Password {
    pub(crate) fn new(password: &str) -> Self {
        Password {
            bmp: kdf::bmp_password(password),
            utf8: Zeroizing::new(password.as_bytes().to_vec()),
        }
    }
}

/// Decrypts `data` encrypted under `alg` with `password`. `structure` names what is decrypted.
pub(crate) fn decrypt(
    alg: &AlgorithmId,
    data: &[u8],
    password: &Password,
    structure: &'static str,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    match alg.oid.as_str() {
        oid::PBE_SHA1_3DES => pkcs12_pbe(alg, data, password, structure, 24, |k| {
            TdesEde3::new_from_slice(k).ok()
        }),
        oid::PBE_SHA1_2DES => pkcs12_pbe(alg, data, password, structure, 16, |k| {
            TdesEde2::new_from_slice(k).ok()
        }),
        oid::PBE_SHA1_RC2_128 => pkcs12_pbe(alg, data, password, structure, 16, |k| {
            Some(Rc2::new_with_eff_key_len(k, 128))
        }),
        oid::PBE_SHA1_RC2_40 => pkcs12_pbe(alg, data, password, structure, 5, |k| {
            Some(Rc2::new_with_eff_key_len(k, 40))
        }),
        oid::PBES2 => pbes2(alg, data, password, structure),
        other => Err(P12Error::unsupported("encryption algorithm", other).into()),
    }
}

/// `pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }`, key and IV from
/// the PKCS#12 KDF with SHA-1.
fn pkcs12_pbe<C>(
    alg: &AlgorithmId,
    data: &[u8],
    password: &Password,
    structure: &'static str,
    key_len: usize,
    make: impl FnOnce(&[u8]) -> Option<C>,
) -> Result<Zeroizing<Vec<u8>>, Failure>
where
    C: BlockCipherDecrypt + BlockSizeUser,
{
    let (salt, iterations) = asn1::decode(alg.params.clone(), "PKCS#12 PBE parameters", |cons| {
        cons.take_sequence(|cons| {
            let salt = asn1::take_octets(cons)?;
            let iterations = asn1::take_iterations(cons)?;
            Ok((salt, iterations))
        })
    })?;
    let key = kdf::derive::<Sha1>(&password.bmp, &salt, Purpose::Key, iterations, key_len);
    let iv = kdf::derive::<Sha1>(
        &password.bmp,
        &salt,
        Purpose::Iv,
        iterations,
        C::block_size(),
    );
    let cipher = make(&key)
        .ok_or_else(|| P12Error::malformed(structure, "cipher rejects the derived key"))?;
    cbc_decrypt(cipher, &iv, data, structure)
}

fn cbc_decrypt<C>(
    cipher: C,
    iv: &[u8],
    data: &[u8],
    structure: &'static str,
) -> Result<Zeroizing<Vec<u8>>, Failure>
where
    C: BlockCipherDecrypt + BlockSizeUser,
{
    let block = C::block_size();
    if data.is_empty() || !data.len().is_multiple_of(block) {
        return Err(P12Error::malformed(
            structure,
            format!(
                "encrypted content of {} bytes is not a whole number of {block}-byte blocks",
                data.len()
            ),
        )
        .into());
    }
    let mode = cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(|_| {
        P12Error::malformed(
            structure,
            format!(
                "initialisation vector of {} bytes, expected {block}",
                iv.len()
            ),
        )
    })?;
    let mut buf = Zeroizing::new(data.to_vec());
    let plain_len = mode
        .decrypt_padded::<Pkcs7>(&mut buf)
        .map_err(|_| Failure::BadPadding)?
        .len();
    buf.truncate(plain_len);
    Ok(buf)
}

/// `PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme
/// AlgorithmIdentifier }`, with PBKDF2 and an AES-CBC or 3DES-CBC cipher.
fn pbes2(
    alg: &AlgorithmId,
    data: &[u8],
    password: &Password,
    structure: &'static str,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let (kdf_alg, enc_alg) = asn1::decode(alg.params.clone(), "PBES2 parameters", |cons| {
        cons.take_sequence(|cons| Ok((asn1::take_algorithm(cons)?, asn1::take_algorithm(cons)?)))
    })?;
    if kdf_alg.oid != oid::PBKDF2 {
        return Err(P12Error::unsupported("key derivation function", &kdf_alg.oid).into());
    }
    // PBKDF2-params ::= SEQUENCE { salt CHOICE { specified OCTET STRING, otherSource
    // AlgorithmIdentifier }, iterationCount INTEGER, keyLength INTEGER OPTIONAL,
    // prf AlgorithmIdentifier DEFAULT hmacWithSHA1 }
    let (salt, iterations, key_length, prf) =
        asn1::decode(kdf_alg.params, "PBKDF2 parameters", |cons| {
            cons.take_sequence(|cons| {
                let salt = asn1::take_octets(cons)?;
                let iterations = asn1::take_iterations(cons)?;
                let key_length = cons.take_opt_u16()?;
                let prf = cons.take_opt_sequence(|cons| {
                    let oid = asn1::take_oid(cons)?;
                    asn1::skip_rest(cons)?;
                    Ok(oid)
                })?;
                Ok((
                    salt,
                    iterations,
                    key_length,
                    prf.unwrap_or_else(|| oid::HMAC_SHA1.to_owned()),
                ))
            })
        })?;
    let key_len = match enc_alg.oid.as_str() {
        oid::AES128_CBC => 16,
        oid::AES192_CBC => 24,
        oid::AES256_CBC => 32,
        oid::DES_EDE3_CBC => 24,
        other => return Err(P12Error::unsupported("encryption algorithm", other).into()),
    };
    if let Some(declared) = key_length {
        if usize::from(declared) != key_len {
            return Err(P12Error::malformed(
                "PBKDF2 parameters",
                format!("key length {declared} does not fit the cipher, which takes {key_len}"),
            )
            .into());
        }
    }
    let iv = asn1::decode(
        enc_alg.params.clone(),
        "PBES2 cipher parameters",
        asn1::take_octets,
    )?;
    let mut key = Zeroizing::new(vec![0u8; key_len]);
    let pw = &password.utf8;
    match prf.as_str() {
        oid::HMAC_SHA1 => pbkdf2::pbkdf2_hmac::<Sha1>(pw, &salt, iterations, &mut key),
        oid::HMAC_SHA224 => pbkdf2::pbkdf2_hmac::<Sha224>(pw, &salt, iterations, &mut key),
        oid::HMAC_SHA256 => pbkdf2::pbkdf2_hmac::<Sha256>(pw, &salt, iterations, &mut key),
        oid::HMAC_SHA384 => pbkdf2::pbkdf2_hmac::<Sha384>(pw, &salt, iterations, &mut key),
        oid::HMAC_SHA512 => pbkdf2::pbkdf2_hmac::<Sha512>(pw, &salt, iterations, &mut key),
        other => return Err(P12Error::unsupported("PBKDF2 pseudo-random function", other).into()),
    }
    let bad_key = || {
        Failure::Error(P12Error::malformed(
            structure,
            "cipher rejects the derived key",
        ))
    };
    match enc_alg.oid.as_str() {
        oid::AES128_CBC => cbc_decrypt(
            Aes128::new_from_slice(&key).map_err(|_| bad_key())?,
            &iv,
            data,
            structure,
        ),
        oid::AES192_CBC => cbc_decrypt(
            Aes192::new_from_slice(&key).map_err(|_| bad_key())?,
            &iv,
            data,
            structure,
        ),
        oid::AES256_CBC => cbc_decrypt(
            Aes256::new_from_slice(&key).map_err(|_| bad_key())?,
            &iv,
            data,
            structure,
        ),
        _ => cbc_decrypt(
            TdesEde3::new_from_slice(&key).map_err(|_| bad_key())?,
            &iv,
            data,
            structure,
        ),
    }
}
