//! Algorithms by OID: digests, signature algorithms and key types.

use const_oid::ObjectIdentifier;
use der::asn1::Null;
use der::Any;
use sha2_011::Digest as _;
use spki::AlgorithmIdentifierOwned;

use crate::EdsError;

/// OIDs of the Kazakh (NCA RK) and international algorithms this crate knows.
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;

    /// GOST R 34.10-2015 512-bit public key (NCA RK arc).
    pub const GOST_2015_512_KEY: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.2");
    /// Curve parameters tc26-512-A (NCA RK arc).
    pub const GOST_2015_512_CURVE_A: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.2.1");
    /// GOST R 34.10-2015 256-bit public key.
    pub const GOST_2015_256_KEY: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.1");
    /// Curve parameters tc26-256-A.
    pub const GOST_2015_256_CURVE_A: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.1.1");
    /// GOST 34.310-2004 public key.
    pub const GOST_2004_KEY: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.1");
    /// GOST 34.310-2004 curve parameters (CryptoPro-A).
    pub const GOST_2004_CURVE_A: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.1.1");
    /// Signature GOST 34.310-2004 with GOST 34.311-95.
    pub const GOST_2004_SIGNATURE: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.2");
    /// Signature GOST R 34.10-2015 256-bit with Streebog-256.
    pub const GOST_2015_256_SIGNATURE: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.3.1");
    /// Signature GOST R 34.10-2015 512-bit with Streebog-512.
    pub const GOST_2015_512_SIGNATURE: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.3.2");
    /// Digest GOST 34.311-95 (GOST R 34.11-94 with the Test S-box), as CMS names it.
    pub const GOST_34311: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.1");
    /// Digest GOST 34.311-95, as the key parameters of 2004 certificates name it.
    pub const GOST_34311_PARAMS: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.1.1.0");
    /// Digest Streebog-256 (GOST R 34.11-2015).
    pub const STREEBOG_256: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.2");
    /// Digest Streebog-512 (GOST R 34.11-2015).
    pub const STREEBOG_512: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.3");
    /// SHA-256.
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// SHA-384.
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// SHA-512.
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
    /// rsaEncryption (an RSA key; in CMS also "RSA PKCS#1 v1.5 with the digest algorithm").
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    /// sha256WithRSAEncryption.
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    /// sha384WithRSAEncryption.
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    /// sha512WithRSAEncryption.
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    /// id-ecPublicKey.
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    /// P-256 (prime256v1).
    pub const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    /// P-384 (secp384r1).
    pub const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
    /// ecdsa-with-SHA256.
    pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    /// ecdsa-with-SHA384.
    pub const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    /// ecdsa-with-SHA512.
    pub const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
}

/// A digest (hash) algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum DigestAlgorithm {
    /// GOST R 34.11-2015, 256 bits.
    Streebog256,
    /// GOST R 34.11-2015, 512 bits.
    Streebog512,
    /// GOST 34.311-95 (GOST R 34.11-94 with the Test S-box).
    Gost34311,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// The algorithm an OID names; an unknown OID is an error naming it.
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<DigestAlgorithm, EdsError> {
        Ok(match *oid {
            oid::STREEBOG_256 => DigestAlgorithm::Streebog256,
            oid::STREEBOG_512 => DigestAlgorithm::Streebog512,
            oid::GOST_34311 | oid::GOST_34311_PARAMS => DigestAlgorithm::Gost34311,
            oid::SHA256 => DigestAlgorithm::Sha256,
            oid::SHA384 => DigestAlgorithm::Sha384,
            oid::SHA512 => DigestAlgorithm::Sha512,
            other => return Err(EdsError::UnknownAlgorithm(format!("(digest) {other}"))),
        })
    }

    /// The OID written in CMS `digestAlgorithm`.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            DigestAlgorithm::Streebog256 => oid::STREEBOG_256,
            DigestAlgorithm::Streebog512 => oid::STREEBOG_512,
            DigestAlgorithm::Gost34311 => oid::GOST_34311,
            DigestAlgorithm::Sha256 => oid::SHA256,
            DigestAlgorithm::Sha384 => oid::SHA384,
            DigestAlgorithm::Sha512 => oid::SHA512,
        }
    }

    /// A human name, e.g. `Streebog-512`.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Streebog256 => "Streebog-256",
            DigestAlgorithm::Streebog512 => "Streebog-512",
            DigestAlgorithm::Gost34311 => "GOST 34.311-95",
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha384 => "SHA-384",
            DigestAlgorithm::Sha512 => "SHA-512",
        }
    }

    /// `{oid, NULL}`, as Kalkan writes digest algorithm identifiers.
    pub(crate) fn identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: Some(Any::from(Null)),
        }
    }

    /// A streaming hasher.
    pub fn hasher(self) -> Hasher {
        Hasher(match self {
            DigestAlgorithm::Streebog256 => HasherInner::Streebog256(Default::default()),
            DigestAlgorithm::Streebog512 => HasherInner::Streebog512(Default::default()),
            DigestAlgorithm::Gost34311 => HasherInner::Gost34311(Default::default()),
            DigestAlgorithm::Sha256 => HasherInner::Sha256(Default::default()),
            DigestAlgorithm::Sha384 => HasherInner::Sha384(Default::default()),
            DigestAlgorithm::Sha512 => HasherInner::Sha512(Default::default()),
        })
    }

    /// The digest of the concatenation of `parts` (the byte ranges of a PDF, say), without
    /// copying them.
    pub fn digest_parts(self, parts: &[&[u8]]) -> Vec<u8> {
        let mut hasher = self.hasher();
        for part in parts {
            hasher.update(part);
        }
        hasher.finalize()
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        self.digest_parts(&[data])
    }
}

/// A streaming hasher of one [`DigestAlgorithm`].
#[derive(Clone)]
pub struct Hasher(HasherInner);

#[derive(Clone)]
enum HasherInner {
    Streebog256(streebog::Streebog256),
    Streebog512(streebog::Streebog512),
    Gost34311(gost94::Gost94Test),
    Sha256(sha2_011::Sha256),
    Sha384(sha2_011::Sha384),
    Sha512(sha2_011::Sha512),
}

impl Hasher {
    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            HasherInner::Streebog256(h) => h.update(data),
            HasherInner::Streebog512(h) => h.update(data),
            HasherInner::Gost34311(h) => h.update(data),
            HasherInner::Sha256(h) => h.update(data),
            HasherInner::Sha384(h) => h.update(data),
            HasherInner::Sha512(h) => h.update(data),
        }
    }

    /// The digest, in the hash's normal output order.
    pub fn finalize(self) -> Vec<u8> {
        match self.0 {
            HasherInner::Streebog256(h) => h.finalize().to_vec(),
            HasherInner::Streebog512(h) => h.finalize().to_vec(),
            HasherInner::Gost34311(h) => h.finalize().to_vec(),
            HasherInner::Sha256(h) => h.finalize().to_vec(),
            HasherInner::Sha384(h) => h.finalize().to_vec(),
            HasherInner::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// The GOST curves of Kazakh keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum GostCurve {
    /// tc26-512-A (GOST 2015, 512 bits).
    Tc26_512A,
    /// tc26-256-A (GOST 2015, 256 bits).
    Tc26_256A,
    /// CryptoPro-A (GOST 34.310-2004).
    CryptoProA,
}

impl GostCurve {
    /// The digest that goes with keys on this curve.
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            GostCurve::Tc26_512A => DigestAlgorithm::Streebog512,
            GostCurve::Tc26_256A => DigestAlgorithm::Streebog256,
            GostCurve::CryptoProA => DigestAlgorithm::Gost34311,
        }
    }

    /// The size of a coordinate, a scalar, r or s, in bytes.
    pub fn size(self) -> usize {
        match self {
            GostCurve::Tc26_512A => 64,
            GostCurve::Tc26_256A | GostCurve::CryptoProA => 32,
        }
    }

    /// The signature algorithm of keys on this curve.
    pub fn signature(self) -> SignatureAlgorithm {
        match self {
            GostCurve::Tc26_512A => SignatureAlgorithm::Gost2015_512,
            GostCurve::Tc26_256A => SignatureAlgorithm::Gost2015_256,
            GostCurve::CryptoProA => SignatureAlgorithm::Gost2004,
        }
    }

    /// The curve of a GOST key: from the curve parameter OID when there is one, else from
    /// the key algorithm OID.
    pub(crate) fn from_key_oids(
        key: &ObjectIdentifier,
        curve: Option<&ObjectIdentifier>,
    ) -> Result<GostCurve, EdsError> {
        match curve {
            Some(&oid::GOST_2015_512_CURVE_A) => Ok(GostCurve::Tc26_512A),
            Some(&oid::GOST_2015_256_CURVE_A) => Ok(GostCurve::Tc26_256A),
            Some(&oid::GOST_2004_CURVE_A) => Ok(GostCurve::CryptoProA),
            Some(other) => Err(EdsError::UnknownAlgorithm(format!(
                "(GOST curve parameters) {other}"
            ))),
            None => match *key {
                oid::GOST_2015_512_KEY => Ok(GostCurve::Tc26_512A),
                oid::GOST_2015_256_KEY => Ok(GostCurve::Tc26_256A),
                oid::GOST_2004_KEY => Ok(GostCurve::CryptoProA),
                other => Err(EdsError::UnknownAlgorithm(format!("(key) {other}"))),
            },
        }
    }
}

/// A signature algorithm: the key's algorithm with its digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum SignatureAlgorithm {
    /// GOST R 34.10-2015 512-bit with Streebog-512.
    Gost2015_512,
    /// GOST R 34.10-2015 256-bit with Streebog-256.
    Gost2015_256,
    /// GOST 34.310-2004 with GOST 34.311-95.
    Gost2004,
    /// RSA PKCS#1 v1.5 with a SHA-2 digest.
    RsaPkcs1(DigestAlgorithm),
    /// ECDSA (P-256 or P-384) with a SHA-2 digest.
    Ecdsa(DigestAlgorithm),
}

impl SignatureAlgorithm {
    /// The algorithm of a certificate's or CRL's `signatureAlgorithm`.
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<SignatureAlgorithm, EdsError> {
        Ok(match *oid {
            oid::GOST_2015_512_SIGNATURE => SignatureAlgorithm::Gost2015_512,
            oid::GOST_2015_256_SIGNATURE => SignatureAlgorithm::Gost2015_256,
            oid::GOST_2004_SIGNATURE => SignatureAlgorithm::Gost2004,
            oid::SHA256_WITH_RSA => SignatureAlgorithm::RsaPkcs1(DigestAlgorithm::Sha256),
            oid::SHA384_WITH_RSA => SignatureAlgorithm::RsaPkcs1(DigestAlgorithm::Sha384),
            oid::SHA512_WITH_RSA => SignatureAlgorithm::RsaPkcs1(DigestAlgorithm::Sha512),
            oid::ECDSA_SHA256 => SignatureAlgorithm::Ecdsa(DigestAlgorithm::Sha256),
            oid::ECDSA_SHA384 => SignatureAlgorithm::Ecdsa(DigestAlgorithm::Sha384),
            oid::ECDSA_SHA512 => SignatureAlgorithm::Ecdsa(DigestAlgorithm::Sha512),
            other => return Err(EdsError::UnknownAlgorithm(format!("(signature) {other}"))),
        })
    }

    /// The algorithm of a CMS `SignerInfo`: its `signatureAlgorithm` with its
    /// `digestAlgorithm` (CMS may write a bare `rsaEncryption`). A digest that contradicts
    /// the signature algorithm is an error.
    pub fn from_cms(
        signature: &ObjectIdentifier,
        digest: DigestAlgorithm,
    ) -> Result<SignatureAlgorithm, EdsError> {
        let algorithm = if *signature == oid::RSA_ENCRYPTION {
            SignatureAlgorithm::RsaPkcs1(digest)
        } else {
            SignatureAlgorithm::from_oid(signature)?
        };
        if algorithm.digest() != digest {
            return Err(EdsError::Cms(format!(
                "the signature algorithm {} does not go with the digest algorithm {}",
                algorithm.name(),
                digest.name()
            )));
        }
        Ok(algorithm)
    }

    /// The digest the signature is computed over.
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            SignatureAlgorithm::Gost2015_512 => DigestAlgorithm::Streebog512,
            SignatureAlgorithm::Gost2015_256 => DigestAlgorithm::Streebog256,
            SignatureAlgorithm::Gost2004 => DigestAlgorithm::Gost34311,
            SignatureAlgorithm::RsaPkcs1(d) | SignatureAlgorithm::Ecdsa(d) => d,
        }
    }

    /// The signature algorithm OID, as written in certificates and in Kalkan's CMS.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            SignatureAlgorithm::Gost2015_512 => oid::GOST_2015_512_SIGNATURE,
            SignatureAlgorithm::Gost2015_256 => oid::GOST_2015_256_SIGNATURE,
            SignatureAlgorithm::Gost2004 => oid::GOST_2004_SIGNATURE,
            SignatureAlgorithm::RsaPkcs1(DigestAlgorithm::Sha384) => oid::SHA384_WITH_RSA,
            SignatureAlgorithm::RsaPkcs1(DigestAlgorithm::Sha512) => oid::SHA512_WITH_RSA,
            SignatureAlgorithm::RsaPkcs1(_) => oid::SHA256_WITH_RSA,
            SignatureAlgorithm::Ecdsa(DigestAlgorithm::Sha384) => oid::ECDSA_SHA384,
            SignatureAlgorithm::Ecdsa(DigestAlgorithm::Sha512) => oid::ECDSA_SHA512,
            SignatureAlgorithm::Ecdsa(_) => oid::ECDSA_SHA256,
        }
    }

    /// The identifier written in CMS: `{oid, NULL}` for GOST and RSA, `{oid}` for ECDSA.
    pub(crate) fn identifier(self) -> AlgorithmIdentifierOwned {
        let parameters = match self {
            SignatureAlgorithm::Ecdsa(_) => None,
            _ => Some(Any::from(Null)),
        };
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters,
        }
    }

    /// A human name, e.g. `GOST R 34.10-2015 512 (Streebog-512)`.
    pub fn name(self) -> String {
        match self {
            SignatureAlgorithm::Gost2015_512 => "GOST R 34.10-2015 512 (Streebog-512)".to_owned(),
            SignatureAlgorithm::Gost2015_256 => "GOST R 34.10-2015 256 (Streebog-256)".to_owned(),
            SignatureAlgorithm::Gost2004 => "GOST 34.310-2004 (GOST 34.311-95)".to_owned(),
            SignatureAlgorithm::RsaPkcs1(d) => format!("RSA PKCS#1 v1.5 ({})", d.name()),
            SignatureAlgorithm::Ecdsa(d) => format!("ECDSA ({})", d.name()),
        }
    }
}
