//! CMS `SignedData` as KalkanCrypt (the NCA's SDK) makes it: detached, one signer, the
//! signed attributes contentType, signingTime, signingCertificateV2 and messageDigest, the
//! digest matched to the key (Streebog-512 for GOST 2015-512).

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::rfc5911::{
    ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME,
};
use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence, Tagged};
use time::OffsetDateTime;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use crate::algorithm::{DigestAlgorithm, SignatureAlgorithm};
use crate::certificate::{pem_or_der, Certificate};
use crate::key::Credential;
use crate::EdsError;

/// id-aa-signingCertificateV2 (RFC 5035).
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// `ESSCertIDv2` (RFC 5035). `hashAlgorithm` is omitted when it is the DEFAULT, SHA-256.
#[derive(Clone, Debug, Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<spki::AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

/// `IssuerSerial` (RFC 5035).
#[derive(Clone, Debug, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// `SigningCertificateV2` (RFC 5035).
#[derive(Clone, Debug, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// What a verified CMS says.
#[derive(Clone, Debug)]
pub struct SignedCms {
    /// The signer's certificate.
    pub signer: Certificate,
    /// Every certificate the CMS carries (the signer's included).
    pub certificates: Vec<Certificate>,
    /// The signingTime signed attribute.
    pub signing_time: Option<OffsetDateTime>,
    /// The digest algorithm.
    pub digest_algorithm: DigestAlgorithm,
    /// The signature algorithm.
    pub signature_algorithm: SignatureAlgorithm,
    /// Whether an ESS signingCertificateV2 names the signer's certificate (PAdES needs it).
    pub signing_certificate_v2: bool,
    /// The content's digest (the messageDigest attribute).
    pub content_digest: Vec<u8>,
}

fn cms_err(what: impl std::fmt::Display) -> EdsError {
    EdsError::Cms(what.to_string())
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, EdsError> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(cms_err)?;
    Ok(Attribute { oid, values })
}

fn any_of<T: Encode>(value: &T) -> Result<Any, EdsError> {
    Any::from_der(&value.to_der().map_err(cms_err)?).map_err(cms_err)
}

fn signing_time_value(at: OffsetDateTime) -> Result<Time, EdsError> {
    let secs = u64::try_from(at.unix_timestamp())
        .map_err(|_| cms_err("the signing time is before 1970"))?;
    let duration = std::time::Duration::from_secs(secs);
    // UTCTime until 2049, GeneralizedTime from 2050 (RFC 5652 §11.3).
    if at.year() < 2050 {
        der::asn1::UtcTime::from_unix_duration(duration)
            .map(Time::UtcTime)
            .map_err(cms_err)
    } else {
        der::asn1::GeneralizedTime::from_unix_duration(duration)
            .map(Time::GeneralTime)
            .map_err(cms_err)
    }
}

/// Makes a detached CMS `SignedData` over content given as its parts (e.g. a PDF's two
/// byte ranges, hashed in place), signed at `signing_time`. The key must be a signing key:
/// an authentication key is refused.
pub fn sign_detached(
    content: &[&[u8]],
    credential: &Credential,
    signing_time: OffsetDateTime,
) -> Result<Vec<u8>, EdsError> {
    let digest = credential
        .key()
        .signature_algorithm()
        .digest()
        .digest_parts(content);
    sign_detached_digest(&digest, credential, signing_time)
}

/// Like [`sign_detached`], over a content digest computed by the caller with the key's
/// digest algorithm (`credential.key().signature_algorithm().digest()`).
pub fn sign_detached_digest(
    content_digest: &[u8],
    credential: &Credential,
    signing_time: OffsetDateTime,
) -> Result<Vec<u8>, EdsError> {
    credential.check_signing_usage()?;
    let algorithm = credential.key().signature_algorithm();
    let digest_algorithm = algorithm.digest();
    let cert = credential.certificate();
    let x509 = cert.x509();
    let tbs = x509.tbs_certificate();

    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(cert.sha256().to_vec()).map_err(cms_err)?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
            }),
        }],
        policies: None,
    };
    let mut attrs: SetOfVec<Attribute> = SetOfVec::new();
    for attr in [
        attribute(ID_CONTENT_TYPE, any_of(&ID_DATA)?)?,
        attribute(ID_SIGNING_TIME, any_of(&signing_time_value(signing_time)?)?)?,
        attribute(ID_SIGNING_CERTIFICATE_V2, any_of(&ess)?)?,
        attribute(
            ID_MESSAGE_DIGEST,
            any_of(&OctetString::new(content_digest.to_vec()).map_err(cms_err)?)?,
        )?,
    ] {
        attrs.insert(attr).map_err(cms_err)?;
    }
    let signed_attrs_der = attrs.to_der().map_err(cms_err)?;
    let signature = credential.key().sign(&signed_attrs_der)?;

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest_algorithm.identifier(),
        signed_attrs: Some(attrs),
        signature_algorithm: algorithm.identifier(),
        signature: OctetString::new(signature).map_err(cms_err)?,
        unsigned_attrs: None,
    };
    let mut certs = vec![CertificateChoices::Certificate(x509.clone())];
    for c in credential.chain() {
        certs.push(CertificateChoices::Certificate(c.x509().clone()));
    }
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms
        .insert(digest_algorithm.identifier())
        .map_err(cms_err)?;
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet::try_from(certs).map_err(cms_err)?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(cms_err)?,
    };
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: any_of(&signed_data)?,
    }
    .to_der()
    .map_err(cms_err)
}

fn single_value(
    attrs: &SetOfVec<Attribute>,
    oid: ObjectIdentifier,
) -> Result<Option<&Any>, EdsError> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(attr) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() || attr.values.len() != 1 {
        return Err(cms_err(format!(
            "the signed attribute {oid} must appear once with one value"
        )));
    }
    Ok(attr.values.iter().next())
}

fn issuer_serial_matches(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            let tbs = cert.x509().tbs_certificate();
            ias.issuer == *tbs.issuer()
                && crate::crl::strip_zeros(ias.serial_number.as_bytes()) == cert.serial_bytes()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            cert.subject_key_id().as_deref() == Some(ski.0.as_bytes())
        }
    }
}

/// Verifies a CMS `SignedData` (PEM or DER) over `content` given as its parts. For an
/// attached CMS, pass no parts to verify the content it carries. Checks the messageDigest,
/// the contentType, the ESS signingCertificateV2 (when present, it must name the signer's
/// certificate) and the signature; trust in the signer is [`crate::chain::validate`]'s job.
pub fn verify_detached(cms: &[u8], content: &[&[u8]]) -> Result<SignedCms, EdsError> {
    verify_content(cms, Content::Parts(content))
}

/// Like [`verify_detached`], for content whose digest the caller computed with `algorithm`
/// (e.g. once, for both signing and checking a 30 MB act): the CMS must digest with the same
/// algorithm, and its messageDigest must be `content_digest`.
pub fn verify_detached_digest(
    cms: &[u8],
    algorithm: DigestAlgorithm,
    content_digest: &[u8],
) -> Result<SignedCms, EdsError> {
    verify_content(cms, Content::Digest(algorithm, content_digest))
}

/// The digest algorithm of a CMS's one signer, read without checking anything else, so
/// that a caller can compute the content's digest its own way (the signed ranges of an act's
/// signatures share their beginning) and then check everything with
/// [`verify_detached_digest`].
pub fn signer_digest_algorithm(cms: &[u8]) -> Result<DigestAlgorithm, EdsError> {
    let signed = signed_data(cms)?;
    DigestAlgorithm::from_oid(&the_signer(&signed)?.digest_alg.oid)
}

/// What a CMS is checked against: the content, or its digest.
enum Content<'a> {
    Parts(&'a [&'a [u8]]),
    Digest(DigestAlgorithm, &'a [u8]),
}

/// The `SignedData` of a CMS given as PEM or DER.
fn signed_data(cms: &[u8]) -> Result<SignedData, EdsError> {
    let mut blocks = pem_or_der("the CMS", cms)?;
    if blocks.len() != 1 {
        return Err(EdsError::malformed("the CMS", "more than one PEM block"));
    }
    let der = blocks.remove(0);
    let info = ContentInfo::from_der(&der).map_err(|e| EdsError::malformed("the CMS", e))?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(cms_err(format!(
            "the CMS is {}, not SignedData",
            info.content_type
        )));
    }
    info.content
        .decode_as()
        .map_err(|e| EdsError::malformed("the CMS SignedData", e))
}

/// The one signer of a `SignedData`.
fn the_signer(signed: &SignedData) -> Result<&SignerInfo, EdsError> {
    let signers: Vec<&SignerInfo> = signed.signer_infos.0.iter().collect();
    match signers.as_slice() {
        [signer] => Ok(signer),
        _ => Err(cms_err(format!(
            "the CMS has {} signers where one is expected",
            signers.len()
        ))),
    }
}

fn verify_content(cms: &[u8], content: Content<'_>) -> Result<SignedCms, EdsError> {
    let signed = signed_data(cms)?;
    let signer_info = the_signer(&signed)?;

    let mut certificates = Vec::new();
    for choice in signed.certificates.iter().flat_map(|s| s.0.iter()) {
        if let CertificateChoices::Certificate(c) = choice {
            let der = c
                .to_der()
                .map_err(|e| EdsError::malformed("a CMS certificate", e))?;
            certificates.push(Certificate::from_der(der)?);
        }
    }
    let signer = certificates
        .iter()
        .find(|c| issuer_serial_matches(&signer_info.sid, c))
        .cloned()
        .ok_or_else(|| cms_err("the CMS does not carry the signer's certificate"))?;

    // The versions RFC 5652 §5.1 and §5.3 fix, and the digest among digestAlgorithms: the
    // unsigned parts of the structure must say what the signed parts do.
    let sid_by_key = matches!(signer_info.sid, SignerIdentifier::SubjectKeyIdentifier(_));
    let expected_signer_version = if sid_by_key {
        CmsVersion::V3
    } else {
        CmsVersion::V1
    };
    if signer_info.version != expected_signer_version {
        return Err(cms_err(
            "the SignerInfo version does not match its signer identifier",
        ));
    }
    let expected_version = if sid_by_key || signed.encap_content_info.econtent_type != ID_DATA {
        CmsVersion::V3
    } else {
        CmsVersion::V1
    };
    if signed.version != expected_version {
        return Err(cms_err(
            "the SignedData version is not the one RFC 5652 requires",
        ));
    }
    if !signed
        .digest_algorithms
        .iter()
        .any(|a| a.oid == signer_info.digest_alg.oid)
    {
        return Err(cms_err(
            "the signer's digest algorithm is missing from the SignedData digestAlgorithms",
        ));
    }
    let plain = |a: &spki::AlgorithmIdentifierOwned| {
        a.parameters
            .as_ref()
            .is_none_or(|p| p.tag() == der::Tag::Null && p.value().is_empty())
    };
    if !signed.digest_algorithms.iter().all(plain)
        || !plain(&signer_info.digest_alg)
        || !plain(&signer_info.signature_algorithm)
    {
        return Err(cms_err(
            "an algorithm identifier of the CMS has parameters where none or NULL belong",
        ));
    }
    let digest_algorithm = DigestAlgorithm::from_oid(&signer_info.digest_alg.oid)?;
    let signature_algorithm =
        SignatureAlgorithm::from_cms(&signer_info.signature_algorithm.oid, digest_algorithm)?;

    let attached;
    let given: &[&[u8]] = match content {
        Content::Parts(parts) => parts,
        Content::Digest(..) => &[],
    };
    let parts: &[&[u8]] = if given.is_empty() && matches!(content, Content::Parts(_)) {
        let econtent = signed
            .encap_content_info
            .econtent
            .as_ref()
            .ok_or_else(|| cms_err("the CMS is detached and no content was given"))?;
        let octets: OctetString = econtent
            .decode_as()
            .map_err(|e| EdsError::malformed("the CMS content", e))?;
        attached = octets.into_bytes();
        &[attached.as_ref()]
    } else {
        given
    };
    let content_digest = match content {
        Content::Parts(_) => digest_algorithm.digest_parts(parts),
        Content::Digest(algorithm, digest) if algorithm == digest_algorithm => digest.to_vec(),
        Content::Digest(algorithm, _) => {
            return Err(cms_err(format!(
                "the CMS digests its content with {}, not {}",
                digest_algorithm.name(),
                algorithm.name()
            )))
        }
    };

    let attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| cms_err("the CMS has no signed attributes"))?;
    let content_type = single_value(attrs, ID_CONTENT_TYPE)?
        .ok_or_else(|| cms_err("the CMS lacks the contentType signed attribute"))?
        .decode_as::<ObjectIdentifier>()
        .map_err(|e| EdsError::malformed("the contentType attribute", e))?;
    if content_type != signed.encap_content_info.econtent_type {
        return Err(cms_err(
            "the contentType attribute does not match the content",
        ));
    }
    let message_digest = single_value(attrs, ID_MESSAGE_DIGEST)?
        .ok_or_else(|| cms_err("the CMS lacks the messageDigest signed attribute"))?
        .decode_as::<OctetString>()
        .map_err(|e| EdsError::malformed("the messageDigest attribute", e))?;
    if message_digest.as_bytes() != content_digest.as_slice() {
        return Err(cms_err(
            "the content does not match the signature: its digest differs from messageDigest (the signed bytes were changed)",
        ));
    }
    let signing_time = match single_value(attrs, ID_SIGNING_TIME)? {
        Some(value) => Some(crate::certificate::to_offset(
            &value
                .decode_as::<Time>()
                .map_err(|e| EdsError::malformed("the signingTime attribute", e))?,
        )),
        None => None,
    };
    let signing_certificate_v2 = match single_value(attrs, ID_SIGNING_CERTIFICATE_V2)? {
        Some(value) => {
            let ess: SigningCertificateV2 = value
                .decode_as()
                .map_err(|e| EdsError::malformed("the signingCertificateV2 attribute", e))?;
            let first = ess.certs.first().ok_or_else(|| {
                cms_err("the signingCertificateV2 attribute names no certificate")
            })?;
            let hash_alg = match &first.hash_algorithm {
                None => DigestAlgorithm::Sha256,
                Some(a) => DigestAlgorithm::from_oid(&a.oid)?,
            };
            if first.cert_hash.as_bytes() != hash_alg.digest(signer.der()).as_slice() {
                return Err(cms_err(
                    "the signingCertificateV2 attribute names another certificate than the signer's",
                ));
            }
            true
        }
        None => false,
    };

    let signed_attrs_der = attrs.to_der().map_err(cms_err)?;
    signer.public_key()?.verify(
        signature_algorithm,
        &signed_attrs_der,
        signer_info.signature.as_bytes(),
    )?;
    Ok(SignedCms {
        signer,
        certificates,
        signing_time,
        digest_algorithm,
        signature_algorithm,
        signing_certificate_v2,
        content_digest,
    })
}

/// The raw facts of a GOST signature in a CMS, for an independent verifier to recompute:
/// nothing here is checked (use [`verify_detached`] for that).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GostSignatureFacts {
    /// The signer's curve.
    pub curve: crate::algorithm::GostCurve,
    /// The digest the signature is over: the curve's hash of the DER signed attributes, as
    /// the hash gives it (read as a little-endian integer by Kazakh GOST).
    pub signed_attributes_digest: Vec<u8>,
    /// The signer's public key, x‖y, each little-endian.
    pub public_key_le: Vec<u8>,
    /// The signature, r‖s, each little-endian.
    pub signature_le: Vec<u8>,
}

/// The raw GOST signature facts of a CMS `SignedData` (PEM or DER) with one signer, or
/// `None` when its signer's key is not a GOST key.
pub fn gost_signature_facts(cms: &[u8]) -> Result<Option<GostSignatureFacts>, EdsError> {
    let signed = signed_data(cms)?;
    let signer_info = the_signer(&signed)?;
    let mut signer = None;
    for choice in signed.certificates.iter().flat_map(|s| s.0.iter()) {
        if let CertificateChoices::Certificate(c) = choice {
            let der = c
                .to_der()
                .map_err(|e| EdsError::malformed("a CMS certificate", e))?;
            let cert = Certificate::from_der(der)?;
            if issuer_serial_matches(&signer_info.sid, &cert) {
                signer = Some(cert);
            }
        }
    }
    let signer =
        signer.ok_or_else(|| cms_err("the CMS does not carry the signer's certificate"))?;
    let crate::key::PublicKey::Gost { curve, xy_le } = signer.public_key()? else {
        return Ok(None);
    };
    let attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| cms_err("the CMS has no signed attributes"))?;
    let signed_attrs_der = attrs.to_der().map_err(cms_err)?;
    Ok(Some(GostSignatureFacts {
        curve,
        signed_attributes_digest: curve.digest().digest(&signed_attrs_der),
        public_key_le: xy_le,
        signature_le: signer_info.signature.as_bytes().to_vec(),
    }))
}
