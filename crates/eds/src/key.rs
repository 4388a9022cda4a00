//! Public and private keys: GOST (Kazakh byte order), RSA and ECDSA.

use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{Decode, Tagged};
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use crate::algorithm::{oid, DigestAlgorithm, GostCurve, SignatureAlgorithm};
use crate::{gost, EdsError};

/// A public key, from a certificate's SubjectPublicKeyInfo.
#[derive(Clone, Debug, PartialEq)]
pub enum PublicKey {
    /// A GOST key: the curve and x‖y, each little-endian.
    Gost {
        /// The curve.
        curve: GostCurve,
        /// x‖y, little-endian each.
        xy_le: Vec<u8>,
    },
    /// An RSA key.
    Rsa(rsa::PublicKey),
    /// An ECDSA key on P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// An ECDSA key on P-384.
    P384(p384::ecdsa::VerifyingKey),
}

/// The GOST key parameters: `SEQ { curve OID, digest OID }` (the digest may be absent).
fn gost_curve_param(
    key_oid: &ObjectIdentifier,
    params: Option<&der::Any>,
) -> Result<GostCurve, EdsError> {
    let curve = match params {
        Some(any) if any.tag() == der::Tag::Sequence => {
            let mut reader = der::SliceReader::new(any.value())
                .map_err(|e| EdsError::malformed("the GOST key parameters", e))?;
            let curve: ObjectIdentifier = der::Decode::decode(&mut reader)
                .map_err(|e| EdsError::malformed("the GOST key parameters", e))?;
            Some(curve)
        }
        Some(any) if any.tag() == der::Tag::ObjectIdentifier => Some(
            any.decode_as::<ObjectIdentifier>()
                .map_err(|e| EdsError::malformed("the GOST key parameters", e))?,
        ),
        _ => None,
    };
    GostCurve::from_key_oids(key_oid, curve.as_ref())
}

fn is_gost_key(oid: &ObjectIdentifier) -> bool {
    matches!(
        *oid,
        oid::GOST_2015_512_KEY | oid::GOST_2015_256_KEY | oid::GOST_2004_KEY
    )
}

impl PublicKey {
    /// The key of a SubjectPublicKeyInfo.
    pub fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<PublicKey, EdsError> {
        let key_oid = spki.algorithm.oid;
        let bits = spki.subject_public_key.as_bytes().ok_or_else(|| {
            EdsError::malformed("the public key", "a BIT STRING with unused bits")
        })?;
        if is_gost_key(&key_oid) {
            let curve = gost_curve_param(&key_oid, spki.algorithm.parameters.as_ref())?;
            let xy = <&OctetStringRef>::from_der(bits)
                .map_err(|e| EdsError::malformed("the GOST public key", e))?;
            let xy = xy.as_bytes();
            let expected = curve.size().saturating_mul(2);
            if xy.len() != expected {
                return Err(EdsError::malformed(
                    "the GOST public key",
                    format!("{} bytes where {expected} were expected", xy.len()),
                ));
            }
            return Ok(PublicKey::Gost {
                curve,
                xy_le: xy.to_vec(),
            });
        }
        match key_oid {
            oid::RSA_ENCRYPTION => rsa::PublicKey::from_pkcs1_der(bits)
                .map(PublicKey::Rsa)
                .map_err(|e| EdsError::malformed("the RSA public key", e)),
            oid::EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
                match curve {
                    Some(oid::P256) => p256::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                        .map(PublicKey::P256)
                        .map_err(|e| EdsError::malformed("the P-256 public key", e)),
                    Some(oid::P384) => p384::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                        .map(PublicKey::P384)
                        .map_err(|e| EdsError::malformed("the P-384 public key", e)),
                    Some(other) => Err(EdsError::UnknownAlgorithm(format!("(EC curve) {other}"))),
                    None => Err(EdsError::malformed(
                        "the EC public key",
                        "no named curve in its parameters",
                    )),
                }
            }
            other => Err(EdsError::UnknownAlgorithm(format!("(key) {other}"))),
        }
    }

    /// The modulus size of an RSA key, in bits; `None` for other keys.
    pub fn rsa_bits(&self) -> Option<u32> {
        match self {
            PublicKey::Rsa(key) => Some(key.n().bit_width()),
            _ => None,
        }
    }

    /// A short description, e.g. `GOST 2015-512` or `RSA 2048`.
    pub fn describe(&self) -> String {
        match self {
            PublicKey::Gost { curve, .. } => match curve {
                GostCurve::Tc26_512A => "GOST 2015-512".to_owned(),
                GostCurve::Tc26_256A => "GOST 2015-256".to_owned(),
                GostCurve::CryptoProA => "GOST 34.310-2004".to_owned(),
            },
            PublicKey::Rsa(key) => format!("RSA {}", key.n().bit_width()),
            PublicKey::P256(_) => "ECDSA P-256".to_owned(),
            PublicKey::P384(_) => "ECDSA P-384".to_owned(),
        }
    }

    /// Verifies `signature` (as written in a certificate or a CMS) over the digest
    /// `digest` computed with `algorithm`'s digest.
    pub fn verify_digest(
        &self,
        algorithm: SignatureAlgorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), EdsError> {
        let mismatch = || {
            EdsError::BadSignature(format!(
                "a {} key cannot make a {} signature",
                self.describe(),
                algorithm.name()
            ))
        };
        match (self, algorithm) {
            (PublicKey::Gost { curve, xy_le }, alg) if alg == curve.signature() => {
                gost::verify(*curve, xy_le, digest, signature).map_err(EdsError::BadSignature)
            }
            (PublicKey::Rsa(key), SignatureAlgorithm::RsaPkcs1(d)) => {
                let scheme = match d {
                    DigestAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<sha2_011::Sha256>(),
                    DigestAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<sha2_011::Sha384>(),
                    DigestAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<sha2_011::Sha512>(),
                    _ => return Err(mismatch()),
                };
                key.verify(scheme, digest, signature)
                    .map_err(|e| EdsError::BadSignature(format!("RSA: {e}")))
            }
            (PublicKey::P256(key), SignatureAlgorithm::Ecdsa(_)) => {
                let sig = p256::ecdsa::Signature::from_der(signature)
                    .map_err(|e| EdsError::BadSignature(format!("ECDSA signature: {e}")))?;
                key.verify_prehash(digest, &sig)
                    .map_err(|e| EdsError::BadSignature(format!("ECDSA: {e}")))
            }
            (PublicKey::P384(key), SignatureAlgorithm::Ecdsa(_)) => {
                let sig = p384::ecdsa::Signature::from_der(signature)
                    .map_err(|e| EdsError::BadSignature(format!("ECDSA signature: {e}")))?;
                key.verify_prehash(digest, &sig)
                    .map_err(|e| EdsError::BadSignature(format!("ECDSA: {e}")))
            }
            _ => Err(mismatch()),
        }
    }

    /// Verifies `signature` over the message `message` (hashing it with `algorithm`'s
    /// digest).
    pub fn verify(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), EdsError> {
        self.verify_digest(algorithm, &algorithm.digest().digest(message), signature)
    }
}

/// A private key, from PKCS#8 DER. Opaque: the secret never leaves it except as signatures.
pub struct PrivateKey(Secret);

enum Secret {
    Gost {
        curve: GostCurve,
        scalar_le: Zeroizing<Vec<u8>>,
    },
    Rsa(Box<rsa::PrivateKey>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(")?;
        f.write_str(match &self.0 {
            Secret::Gost { .. } => "GOST",
            Secret::Rsa(_) => "RSA",
            Secret::P256(_) => "P-256",
            Secret::P384(_) => "P-384",
        })?;
        f.write_str(")")
    }
}

impl PrivateKey {
    /// Reads a PKCS#8 `PrivateKeyInfo` (DER): GOST as the NCA writes it, RSA, or ECDSA
    /// P-256/P-384.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, EdsError> {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der)
            .map_err(|e| EdsError::malformed("the private key (PKCS#8)", e))?;
        let key_oid = info.algorithm.oid;
        if is_gost_key(&key_oid) {
            let params = info.algorithm.parameters.map(der::Any::from);
            let curve = gost_curve_param(&key_oid, params.as_ref())?;
            let raw = info.private_key.as_bytes();
            // GOST 2015 keys wrap the little-endian scalar in a second OCTET STRING; GOST 2004
            // keys hold it as an INTEGER (big-endian, as INTEGERs are). Accept it bare too.
            let scalar: Vec<u8> = if let Ok(inner) = <&OctetStringRef>::from_der(raw) {
                inner.as_bytes().to_vec()
            } else if let Ok(int) = der::asn1::UintRef::from_der(raw) {
                let be = int.as_bytes();
                let size = curve.size();
                if be.len() > size {
                    return Err(EdsError::malformed(
                        "the GOST private key",
                        format!("a {}-byte scalar where {size} were expected", be.len()),
                    ));
                }
                let mut le: Vec<u8> = be.iter().rev().copied().collect();
                le.resize(size, 0);
                le
            } else {
                raw.to_vec()
            };
            let scalar = Zeroizing::new(scalar);
            if scalar.len() != curve.size() {
                return Err(EdsError::malformed(
                    "the GOST private key",
                    format!(
                        "a {}-byte scalar where {} were expected",
                        scalar.len(),
                        curve.size()
                    ),
                ));
            }
            return Ok(PrivateKey(Secret::Gost {
                curve,
                scalar_le: scalar,
            }));
        }
        match key_oid {
            oid::RSA_ENCRYPTION => rsa::PrivateKey::from_pkcs8_der(der)
                .map(|k| PrivateKey(Secret::Rsa(Box::new(k))))
                .map_err(|e| EdsError::malformed("the RSA private key", e)),
            oid::EC_PUBLIC_KEY => {
                let curve = info
                    .algorithm
                    .parameters
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
                match curve {
                    Some(oid::P256) => {
                        <p256::ecdsa::SigningKey as p256::pkcs8::DecodePrivateKey>::from_pkcs8_der(
                            der,
                        )
                        .map(|k| PrivateKey(Secret::P256(k)))
                        .map_err(|e| EdsError::malformed("the P-256 private key", e))
                    }
                    Some(oid::P384) => {
                        <p384::ecdsa::SigningKey as p384::pkcs8::DecodePrivateKey>::from_pkcs8_der(
                            der,
                        )
                        .map(|k| PrivateKey(Secret::P384(k)))
                        .map_err(|e| EdsError::malformed("the P-384 private key", e))
                    }
                    Some(other) => Err(EdsError::UnknownAlgorithm(format!("(EC curve) {other}"))),
                    None => Err(EdsError::malformed(
                        "the EC private key",
                        "no named curve in its parameters",
                    )),
                }
            }
            other => Err(EdsError::UnknownAlgorithm(format!("(private key) {other}"))),
        }
    }

    /// The signature algorithm this key signs with: its GOST algorithm, RSA with SHA-256,
    /// ECDSA with SHA-256 (P-256) or SHA-384 (P-384).
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        match &self.0 {
            Secret::Gost { curve, .. } => curve.signature(),
            Secret::Rsa(_) => SignatureAlgorithm::RsaPkcs1(DigestAlgorithm::Sha256),
            Secret::P256(_) => SignatureAlgorithm::Ecdsa(DigestAlgorithm::Sha256),
            Secret::P384(_) => SignatureAlgorithm::Ecdsa(DigestAlgorithm::Sha384),
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> Result<PublicKey, EdsError> {
        Ok(match &self.0 {
            Secret::Gost { curve, scalar_le } => PublicKey::Gost {
                curve: *curve,
                xy_le: gost::public_key(*curve, scalar_le).map_err(EdsError::Signing)?,
            },
            Secret::Rsa(key) => PublicKey::Rsa(key.to_public_key()),
            Secret::P256(key) => PublicKey::P256(*key.verifying_key()),
            Secret::P384(key) => PublicKey::P384(*key.verifying_key()),
        })
    }

    /// Signs a digest computed with [`PrivateKey::signature_algorithm`]'s digest. GOST:
    /// r‖s little-endian; RSA: PKCS#1 v1.5; ECDSA: DER `ECDSA-Sig-Value`.
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, EdsError> {
        match &self.0 {
            Secret::Gost { curve, scalar_le } => {
                gost::sign(*curve, scalar_le, digest).map_err(EdsError::Signing)
            }
            Secret::Rsa(key) => key
                .sign(rsa::Pkcs1v15Sign::new::<sha2_011::Sha256>(), digest)
                .map_err(|e| EdsError::Signing(format!("RSA: {e}"))),
            Secret::P256(key) => {
                let sig: p256::ecdsa::Signature = key
                    .sign_prehash(digest)
                    .map_err(|e| EdsError::Signing(format!("ECDSA: {e}")))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            Secret::P384(key) => {
                let sig: p384::ecdsa::Signature = key
                    .sign_prehash(digest)
                    .map_err(|e| EdsError::Signing(format!("ECDSA: {e}")))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
        }
    }

    /// Signs `message` (e.g. the DER of CMS signed attributes) with the key's digest.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, EdsError> {
        self.sign_digest(&self.signature_algorithm().digest().digest(message))
    }
}

/// A signer's private key with its certificate (and any CA certificates that came with it),
/// checked to belong together.
#[derive(Debug)]
pub struct Credential {
    key: PrivateKey,
    certificate: crate::certificate::Certificate,
    chain: Vec<crate::certificate::Certificate>,
}

impl Credential {
    /// Pairs a key with its certificate; the certificate's public key must be the key's.
    pub fn new(
        key: PrivateKey,
        certificate: crate::certificate::Certificate,
        chain: Vec<crate::certificate::Certificate>,
    ) -> Result<Credential, EdsError> {
        let public = key.public_key()?;
        if certificate.public_key()? != public {
            return Err(EdsError::KeyMismatch(certificate.subject()));
        }
        Ok(Credential {
            key,
            certificate,
            chain,
        })
    }

    /// Opens a PKCS#12 (`.p12`) key file as the NCA issues it: the private key, the
    /// certificate whose public key is the key's, and the other certificates as its chain.
    /// A wrong password is [`EdsError::WrongPassword`].
    pub fn open_p12(bytes: &[u8], password: &str) -> Result<Credential, EdsError> {
        let container = tekseru_p12::open(bytes, password).map_err(|e| match e {
            tekseru_p12::P12Error::WrongPassword => EdsError::WrongPassword,
            other => EdsError::KeyFile(other.to_string()),
        })?;
        let key = PrivateKey::from_pkcs8_der(&container.private_key)?;
        let public = key.public_key()?;
        let mut certificate = None;
        let mut chain = Vec::new();
        for der in &container.certificates {
            let cert = crate::certificate::Certificate::from_der(der.clone())?;
            if certificate.is_none() && cert.public_key().ok().as_ref() == Some(&public) {
                certificate = Some(cert);
            } else {
                chain.push(cert);
            }
        }
        let certificate = certificate.ok_or_else(|| {
            EdsError::KeyMismatch(
                "of the key file: none of its certificates is the key's".to_owned(),
            )
        })?;
        Ok(Credential {
            key,
            certificate,
            chain,
        })
    }

    /// The private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The signer's certificate.
    pub fn certificate(&self) -> &crate::certificate::Certificate {
        &self.certificate
    }

    /// The CA certificates that came with it.
    pub fn chain(&self) -> &[crate::certificate::Certificate] {
        &self.chain
    }

    /// Refuses a key that may not sign (an authentication key): see
    /// [`Certificate::check_signing_usage`](crate::certificate::Certificate::check_signing_usage).
    pub fn check_signing_usage(&self) -> Result<(), EdsError> {
        self.certificate.check_signing_usage()
    }
}
