//! Opens PKCS#12 key containers (`.p12`, `.pfx`) in pure Rust: the private key as PKCS#8 and the
//! certificates as DER, nothing more. Key algorithms are not interpreted beyond the OID of the
//! PKCS#8 `privateKeyAlgorithm`.
//!
//! What it reads:
//! - the containers the NCA RK (Kazakhstan's national CA) issues: BER with indefinite lengths and
//!   split (constructed) `encryptedContent`, MAC HMAC-SHA1, the key under
//!   `pbeWithSHAAnd3-KeyTripleDES-CBC`, the certificate in an `encryptedData` under
//!   `pbeWithSHAAnd40BitRC2-CBC`;
//! - what OpenSSL 3 writes by default (PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, MAC
//!   HMAC-SHA256) and with `-legacy`.
//!
//! Supported: PFX version 3 with a `data` authSafe; MAC with HMAC-SHA-1/224/256/384/512 and the
//! PKCS#12 KDF; SafeContents in `data` and in `encryptedData`; `keyBag`,
//! `pkcs8ShroudedKeyBag`, `certBag` (x509Certificate) and nested `safeContentsBag`;
//! `pbeWithSHAAnd3-KeyTripleDES-CBC`, `pbeWithSHAAnd2-KeyTripleDES-CBC`,
//! `pbeWithSHAAnd128BitRC2-CBC`, `pbeWithSHAAnd40BitRC2-CBC`, and PBES2 with PBKDF2
//! (HMAC-SHA-1/224/256/384/512) and AES-128/192/256-CBC or 3DES-CBC. Not supported (reported
//! as [`P12Error::Unsupported`]): public-key integrity or privacy (signedData authSafe,
//! envelopedData), PBMAC1, scrypt, RC4.
//!
//! The input is treated as hostile: at most [`MAX_INPUT`] bytes, at most [`MAX_ITERATIONS`]
//! iterations of any KDF, a fixed nesting depth, every length checked, no panics. Derived keys,
//! the encoded password and every decrypted buffer are zeroized.
//!
//! ```no_run
//! let bytes = std::fs::read("GOST512_0d79679f360a2da49a631a0b1ac76f76c34b6f24.p12")?;
//! match tekseru_p12::open(&bytes, "Qwerty12") {
//!     Ok(container) => {
//!         println!("key algorithm {}", container.key_algorithm);
//!         println!("{} certificate(s)", container.certificates.len());
//!     }
//!     Err(tekseru_p12::P12Error::WrongPassword) => eprintln!("try again"),
//!     Err(other) => eprintln!("{other}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod asn1;
mod error;
mod kdf;
mod mac;
mod oid;
mod pbe;

use bcder::Tag;
use bytes::Bytes;
use zeroize::Zeroizing;

pub use error::P12Error;

use asn1::{AlgorithmId, Cons, DecErr};
use pbe::{Failure, Password};

/// The largest file [`open`] reads: 1 MiB. A key container with its certificate chain is a few
/// kilobytes; the limit bounds the memory a hostile file can make the decoder use.
pub const MAX_INPUT: usize = 1 << 20;

/// The most iterations [`open`] runs of any key derivation (PKCS#12 KDF or PBKDF2). Real files
/// use 1024 to 10 000; the limit bounds the time a hostile file can make [`open`] take.
pub const MAX_ITERATIONS: u32 = 1_000_000;

/// How deep `safeContentsBag`s may nest.
const MAX_BAG_DEPTH: u8 = 4;

/// What a key container holds.
pub struct Container {
    /// The private key: a PKCS#8 `PrivateKeyInfo` (or `OneAsymmetricKey`), exactly as stored in
    /// the container, zeroized on drop. NCA and OpenSSL write it in DER.
    pub private_key: Zeroizing<Vec<u8>>,
    /// The dotted OID of the PKCS#8 `privateKeyAlgorithm`, e.g. `1.2.398.3.10.1.1.2.2` (GOST
    /// 34.10-2015 512-bit, Kazakhstan) or `1.2.840.113549.1.1.1` (RSA).
    pub key_algorithm: String,
    /// The X.509 certificates (DER), in file order, except that the key's own certificate (the
    /// one whose `localKeyId` is the key's) comes first.
    pub certificates: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Container")
            .field(
                "private_key",
                &format_args!("<{} bytes, redacted>", self.private_key.len()),
            )
            .field("key_algorithm", &self.key_algorithm)
            .field("certificates", &self.certificates.len())
            .finish()
    }
}

/// Opens the PKCS#12 container `bytes` with `password`, returning the first private key in it
/// and its certificates.
///
/// The MAC, when the file has one, is checked before anything is decrypted: a wrong password
/// is then [`P12Error::WrongPassword`] and never a parse error. Without a MAC, a wrong
/// password shows as bad padding or garbled plaintext, and is reported the same way.
pub fn open(bytes: &[u8], password: &str) -> Result<Container, P12Error> {
    if bytes.len() > MAX_INPUT {
        return Err(P12Error::malformed(
            "PFX",
            format!(
                "{} bytes, more than the {MAX_INPUT} a key file may have",
                bytes.len()
            ),
        ));
    }
    // The commonest mistake is another kind of file: say so plainly rather than in BER terms.
    match bytes.first() {
        None => return Err(P12Error::malformed("PFX", "the file is empty")),
        Some(0x30) => {}
        Some(other) => {
            return Err(P12Error::malformed(
                "PFX",
                format!("expected a SEQUENCE (byte 0x30) at position 0, found 0x{other:02x}"),
            ))
        }
    }
    let pfx = read_pfx(Bytes::copy_from_slice(bytes))?;
    let mut password = Password::new(password);
    let verified = match &pfx.mac {
        Some(mac) => {
            let candidates = mac::verify(mac, &pfx.auth_safe, &password)?;
            if let Some(bmp) = candidates {
                password.bmp = bmp;
            }
            true
        }
        None => false,
    };
    let mut reader = Reader {
        password,
        verified,
        keys: Vec::new(),
        certs: Vec::new(),
    };
    let safes = asn1::decode(pfx.auth_safe, "authenticated safe", |cons| {
        cons.take_sequence(|cons| {
            let mut safes = Vec::new();
            while let Some(safe) = cons.take_opt_sequence(take_safe)? {
                safes.push(safe);
            }
            Ok(safes)
        })
    })?;
    for safe in safes {
        match safe {
            Safe::Data(contents) => reader.read_contents(contents, "SafeContents", false, 0)?,
            Safe::Encrypted { alg, content } => {
                let plain = reader.decrypt(&alg, &content, "encryptedData content")?;
                reader.read_contents(asn1::secret(plain), "decrypted SafeContents", true, 0)?;
            }
            Safe::Other(content_type) => {
                return Err(P12Error::unsupported("content type", &content_type));
            }
        }
    }
    reader.finish()
}

/// The PFX, read up to what the MAC needs.
struct Pfx {
    /// The content octets of the `data` authSafe: the BER of the AuthenticatedSafe.
    auth_safe: Bytes,
    mac: Option<mac::MacData>,
}

/// `PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }`
fn read_pfx(data: Bytes) -> Result<Pfx, P12Error> {
    let (content_type, auth_safe, mac) = asn1::decode(data, "PFX", |cons| {
        cons.take_sequence(|cons| {
            let version = cons.take_u32()?;
            if version != 3 {
                return Err(cons.content_err(format!("version {version}, expected 3")));
            }
            let (content_type, auth_safe) = cons.take_sequence(|cons| {
                let content_type = asn1::take_oid(cons)?;
                if content_type == oid::DATA {
                    let content = asn1::take_explicit(cons, 0, asn1::take_octets)?;
                    Ok((content_type, Some(content)))
                } else {
                    asn1::skip_rest(cons)?;
                    Ok((content_type, None))
                }
            })?;
            let mac = cons.take_opt_sequence(mac::take_mac_data)?;
            Ok((content_type, auth_safe, mac))
        })
    })?;
    match auth_safe {
        Some(auth_safe) => Ok(Pfx { auth_safe, mac }),
        None => Err(P12Error::unsupported(
            "authenticated safe content type",
            &content_type,
        )),
    }
}

/// One ContentInfo of the AuthenticatedSafe.
enum Safe {
    /// `data`: SafeContents in the clear (the bags inside may still be encrypted).
    Data(Bytes),
    /// `encryptedData`: SafeContents encrypted under a password.
    Encrypted { alg: AlgorithmId, content: Bytes },
    /// Anything else (envelopedData, ...): its content type.
    Other(String),
}

fn take_safe(cons: &mut Cons<'_>) -> Result<Safe, DecErr> {
    let content_type = asn1::take_oid(cons)?;
    match content_type.as_str() {
        oid::DATA => Ok(Safe::Data(asn1::take_explicit(cons, 0, asn1::take_octets)?)),
        oid::ENCRYPTED_DATA => asn1::take_explicit(cons, 0, |cons| {
            // EncryptedData ::= SEQUENCE { version INTEGER, encryptedContentInfo
            //   EncryptedContentInfo, unprotectedAttrs [1] IMPLICIT ... OPTIONAL }
            cons.take_sequence(|cons| {
                cons.take_u32()?;
                // EncryptedContentInfo ::= SEQUENCE { contentType OID,
                //   contentEncryptionAlgorithm AlgorithmIdentifier,
                //   encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL }
                let (alg, content) = cons.take_sequence(|cons| {
                    let inner = asn1::take_oid(cons)?;
                    if inner != oid::DATA {
                        return Err(cons.content_err(format!(
                            "encrypted content of type {inner}, expected data"
                        )));
                    }
                    let alg = asn1::take_algorithm(cons)?;
                    let content = cons
                        .take_opt_value_if(Tag::CTX_0, bcder::OctetString::from_content)?
                        .map(bcder::OctetString::into_bytes)
                        .unwrap_or_default();
                    Ok((alg, content))
                })?;
                asn1::skip_rest(cons)?;
                Ok(Safe::Encrypted { alg, content })
            })
        }),
        _ => {
            asn1::skip_rest(cons)?;
            Ok(Safe::Other(content_type))
        }
    }
}

/// `SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF
/// PKCS12Attribute OPTIONAL }`
struct Bag {
    kind: String,
    /// The encoding of the bag value.
    value: Bytes,
    local_key_id: Option<Bytes>,
}

fn take_bag(cons: &mut Cons<'_>) -> Result<Bag, DecErr> {
    let kind = asn1::take_oid(cons)?;
    let value = asn1::take_explicit(cons, 0, |cons| Ok(cons.capture_one()?.into_bytes()))?;
    let mut local_key_id = None;
    cons.take_opt_set(|cons| {
        // PKCS12Attribute ::= SEQUENCE { attrId OID, attrValues SET OF ANY }
        while let Some(()) = cons.take_opt_sequence(|cons| {
            let id = asn1::take_oid(cons)?;
            if id == oid::LOCAL_KEY_ID {
                cons.take_set(|cons| {
                    if local_key_id.is_none() {
                        local_key_id = Some(asn1::take_octets(cons)?);
                    }
                    asn1::skip_rest(cons)
                })
            } else {
                asn1::skip_rest(cons)
            }
        })? {}
        Ok(())
    })?;
    Ok(Bag {
        kind,
        value,
        local_key_id,
    })
}

struct Key {
    pkcs8: Zeroizing<Vec<u8>>,
    algorithm: String,
    local_key_id: Option<Bytes>,
}

struct Cert {
    der: Vec<u8>,
    local_key_id: Option<Bytes>,
}

/// Walks the bags, collecting keys and certificates.
struct Reader {
    password: Password,
    /// Whether the MAC verified the password.
    verified: bool,
    keys: Vec<Key>,
    certs: Vec<Cert>,
}

impl Reader {
    /// Decrypts; a bad padding means a wrong password unless the MAC vouched for it.
    fn decrypt(
        &self,
        alg: &AlgorithmId,
        data: &[u8],
        structure: &'static str,
    ) -> Result<Zeroizing<Vec<u8>>, P12Error> {
        match pbe::decrypt(alg, data, &self.password, structure) {
            Ok(plain) => Ok(plain),
            Err(Failure::Error(e)) => Err(e),
            Err(Failure::BadPadding) if self.verified => Err(P12Error::malformed(
                structure,
                "bad padding after decryption, although the password passed the MAC",
            )),
            Err(Failure::BadPadding) => Err(P12Error::WrongPassword),
        }
    }

    /// Parse errors in decrypted data are a wrong password when nothing verified it.
    fn decrypted_parse<T>(&self, result: Result<T, P12Error>) -> Result<T, P12Error> {
        match result {
            Err(P12Error::Malformed { .. }) if !self.verified => Err(P12Error::WrongPassword),
            other => other,
        }
    }

    /// `SafeContents ::= SEQUENCE OF SafeBag`; `decrypted` when it came out of a decryption.
    fn read_contents(
        &mut self,
        data: Bytes,
        structure: &'static str,
        decrypted: bool,
        depth: u8,
    ) -> Result<(), P12Error> {
        let parsed = asn1::decode(data, structure, |cons| {
            cons.take_sequence(|cons| {
                let mut bags = Vec::new();
                while let Some(bag) = cons.take_opt_sequence(take_bag)? {
                    bags.push(bag);
                }
                Ok(bags)
            })
        });
        let bags = if decrypted {
            self.decrypted_parse(parsed)?
        } else {
            parsed?
        };
        for bag in bags {
            self.read_bag(bag, decrypted, depth)?;
        }
        Ok(())
    }

    fn read_bag(&mut self, bag: Bag, decrypted: bool, depth: u8) -> Result<(), P12Error> {
        match bag.kind.as_str() {
            oid::KEY_BAG => {
                let pkcs8 = Zeroizing::new(bag.value.to_vec());
                let algorithm = key_algorithm(bag.value, "keyBag PrivateKeyInfo");
                let algorithm = if decrypted {
                    self.decrypted_parse(algorithm)?
                } else {
                    algorithm?
                };
                self.keys.push(Key {
                    pkcs8,
                    algorithm,
                    local_key_id: bag.local_key_id,
                });
            }
            oid::PKCS8_SHROUDED_KEY_BAG => {
                // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm
                //   AlgorithmIdentifier, encryptedData OCTET STRING }
                let (alg, data) = asn1::decode(bag.value, "EncryptedPrivateKeyInfo", |cons| {
                    cons.take_sequence(|cons| {
                        Ok((asn1::take_algorithm(cons)?, asn1::take_octets(cons)?))
                    })
                })?;
                let pkcs8 = self.decrypt(&alg, &data, "pkcs8ShroudedKeyBag")?;
                let plain = asn1::secret(pkcs8);
                let algorithm =
                    self.decrypted_parse(key_algorithm(plain.clone(), "decrypted PrivateKeyInfo"))?;
                self.keys.push(Key {
                    pkcs8: Zeroizing::new(plain.to_vec()),
                    algorithm,
                    local_key_id: bag.local_key_id,
                });
            }
            oid::CERT_BAG => {
                // CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT ANY }
                let parsed = asn1::decode(bag.value, "CertBag", |cons| {
                    cons.take_sequence(|cons| {
                        let cert_type = asn1::take_oid(cons)?;
                        if cert_type == oid::X509_CERTIFICATE {
                            Ok(Some(asn1::take_explicit(cons, 0, asn1::take_octets)?))
                        } else {
                            asn1::skip_rest(cons)?;
                            Ok(None)
                        }
                    })
                });
                let parsed = if decrypted {
                    self.decrypted_parse(parsed)?
                } else {
                    parsed?
                };
                if let Some(der) = parsed {
                    self.certs.push(Cert {
                        der: der.to_vec(),
                        local_key_id: bag.local_key_id,
                    });
                }
            }
            oid::SAFE_CONTENTS_BAG => {
                if depth >= MAX_BAG_DEPTH {
                    return Err(P12Error::malformed(
                        "safeContentsBag",
                        format!("nested more than {MAX_BAG_DEPTH} deep"),
                    ));
                }
                self.read_contents(bag.value, "nested SafeContents", decrypted, depth + 1)?;
            }
            // CRLs, secrets and unknown bags are not wanted.
            _ => {}
        }
        Ok(())
    }

    fn finish(self) -> Result<Container, P12Error> {
        let key = self.keys.into_iter().next().ok_or(P12Error::NoPrivateKey)?;
        if self.certs.is_empty() {
            return Err(P12Error::NoCertificate);
        }
        let (mut certificates, others): (Vec<_>, Vec<_>) = self
            .certs
            .into_iter()
            .partition(|c| key.local_key_id.is_some() && c.local_key_id == key.local_key_id);
        certificates.extend(others);
        Ok(Container {
            private_key: key.pkcs8,
            key_algorithm: key.algorithm,
            certificates: certificates.into_iter().map(|c| c.der).collect(),
        })
    }
}

/// The `privateKeyAlgorithm` OID of a PKCS#8 `PrivateKeyInfo ::= SEQUENCE { version INTEGER,
/// privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING, ... }`.
fn key_algorithm(pkcs8: Bytes, structure: &'static str) -> Result<String, P12Error> {
    asn1::decode(pkcs8, structure, |cons| {
        cons.take_sequence(|cons| {
            let version = cons.take_u8()?;
            if version > 1 {
                return Err(cons.content_err(format!("version {version}, expected 0 or 1")));
            }
            let alg = asn1::take_algorithm(cons)?;
            cons.take_value_if(Tag::OCTET_STRING, |content| {
                bcder::OctetString::from_content(content).map(drop)
            })?;
            asn1::skip_rest(cons)?;
            Ok(alg.oid)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(der: u8, id: Option<&'static [u8]>) -> Cert {
        Cert {
            der: vec![der],
            local_key_id: id.map(Bytes::from_static),
        }
    }

    fn reader(key_id: Option<&'static [u8]>, certs: Vec<Cert>) -> Reader {
        Reader {
            password: Password::new(""),
            verified: true,
            keys: vec![Key {
                pkcs8: Zeroizing::new(vec![0x30, 0x00]),
                algorithm: "1.2.3".into(),
                local_key_id: key_id.map(Bytes::from_static),
            }],
            certs,
        }
    }

    #[test]
    fn the_keys_certificate_comes_first_the_others_keep_their_order() {
        let certs = vec![
            cert(1, None),
            cert(2, Some(b"other")),
            cert(3, Some(b"mine")),
            cert(4, None),
        ];
        let c = reader(Some(b"mine"), certs).finish().unwrap();
        assert_eq!(c.certificates, vec![vec![3], vec![1], vec![2], vec![4]]);
    }

    #[test]
    fn without_a_local_key_id_the_file_order_stays() {
        let certs = vec![cert(1, None), cert(2, None)];
        let c = reader(None, certs).finish().unwrap();
        assert_eq!(c.certificates, vec![vec![1], vec![2]]);
    }
}
