//! The PFX integrity check: an HMAC over the authSafe content, keyed by the PKCS#12 KDF with
//! `ID = 3` (RFC 7292 section 5 and appendix B).

use bytes::Bytes;
use digest::block_api::{BlockSizeUser, EagerHash};
use digest::{Digest, FixedOutputReset};
use hmac::{Hmac, KeyInit, Mac};
use zeroize::Zeroizing;

use crate::asn1::{self, AlgorithmId, Cons, DecErr};
use crate::kdf::{self, Purpose};
use crate::pbe::Password;
use crate::{oid, P12Error};

/// `MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }`
pub(crate) struct MacData {
    digest_alg: AlgorithmId,
    digest: Bytes,
    salt: Bytes,
    iterations: u32,
}

pub(crate) fn take_mac_data(cons: &mut Cons<'_>) -> Result<MacData, DecErr> {
    // DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }
    let (digest_alg, digest) =
        cons.take_sequence(|cons| Ok((asn1::take_algorithm(cons)?, asn1::take_octets(cons)?)))?;
    let salt = asn1::take_octets(cons)?;
    let iterations = match cons.take_opt_u32()? {
        Some(n) => asn1::check_iterations(cons, n)?,
        None => 1,
    };
    Ok(MacData {
        digest_alg,
        digest,
        salt,
        iterations,
    })
}

/// Checks the MAC. `Ok(None)`: it verified with the password as given. `Ok(Some(bmp))`: it
/// verified only with the other encoding of an empty password (no bytes instead of 0x0000, as
/// some writers do), which the decryption must then use too. A MAC that does not verify is
/// [`P12Error::WrongPassword`].
pub(crate) fn verify(
    mac: &MacData,
    content: &[u8],
    password: &Password,
) -> Result<Option<Zeroizing<Vec<u8>>>, P12Error> {
    let check = |bmp: &[u8]| -> Result<bool, P12Error> {
        match mac.digest_alg.oid.as_str() {
            oid::SHA1 => hmac_matches::<sha1::Sha1>(mac, content, bmp),
            oid::SHA224 => hmac_matches::<sha2_011::Sha224>(mac, content, bmp),
            oid::SHA256 => hmac_matches::<sha2_011::Sha256>(mac, content, bmp),
            oid::SHA384 => hmac_matches::<sha2_011::Sha384>(mac, content, bmp),
            oid::SHA512 => hmac_matches::<sha2_011::Sha512>(mac, content, bmp),
            other => Err(P12Error::unsupported("MAC algorithm", other)),
        }
    };
    if check(&password.bmp)? {
        return Ok(None);
    }
    if password.utf8.is_empty() && check(&[])? {
        return Ok(Some(Zeroizing::new(Vec::new())));
    }
    Err(P12Error::WrongPassword)
}

fn hmac_matches<D>(mac: &MacData, content: &[u8], bmp: &[u8]) -> Result<bool, P12Error>
where
    D: Digest + BlockSizeUser + FixedOutputReset + EagerHash,
{
    let size = <D as Digest>::output_size();
    if mac.digest.len() != size {
        return Err(P12Error::malformed(
            "MacData",
            format!(
                "MAC of {} bytes, expected {size} for the digest",
                mac.digest.len()
            ),
        ));
    }
    let key = kdf::derive::<D>(bmp, &mac.salt, Purpose::Mac, mac.iterations, size);
    let mut hmac = <Hmac<D> as KeyInit>::new_from_slice(&key)
        .map_err(|_| P12Error::malformed("MacData", "HMAC rejects the derived key"))?;
    hmac.update(content);
    Ok(hmac.verify_slice(&mac.digest).is_ok())
}
