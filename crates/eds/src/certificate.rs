//! X.509 certificates (PEM or DER) and the facts a report shows about them.

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use sha2_011::Digest as _;
use time::OffsetDateTime;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, ExtendedKeyUsage, KeyUsage,
    KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use crate::algorithm::SignatureAlgorithm;
use crate::key::PublicKey;
use crate::EdsError;

/// EKU clientAuth.
const EKU_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
/// EKU emailProtection (NCA signing certificates carry it).
const EKU_EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
/// The NCA RK arc of role OIDs.
const ROLE_ARC: &str = "1.2.398.3.3.4.";

/// A parsed X.509 certificate with its DER.
#[derive(Clone, Debug)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: std::ops::Range<usize>,
    inner: x509_cert::Certificate,
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Certificate) -> bool {
        self.der == other.der
    }
}

/// The byte range of the first element inside the outer SEQUENCE of `der` (the TBS part of
/// a certificate or CRL).
pub(crate) fn first_element(
    what: &'static str,
    der: &[u8],
) -> Result<std::ops::Range<usize>, EdsError> {
    let (outer_header, _) = header_info(der, what)?;
    let inner = der
        .get(outer_header..)
        .ok_or_else(|| EdsError::malformed(what, "truncated"))?;
    let (header, len) = header_info(inner, what)?;
    let end = outer_header
        .checked_add(header)
        .and_then(|h| h.checked_add(len))
        .ok_or_else(|| EdsError::malformed(what, "length overflow"))?;
    if end > der.len() {
        return Err(EdsError::malformed(what, "truncated"));
    }
    Ok(outer_header..end)
}

/// The tag+length header size and the content length of the TLV at the start of `bytes`.
fn header_info(bytes: &[u8], what: &'static str) -> Result<(usize, usize), EdsError> {
    use der::Reader as _;
    let mut reader = der::SliceReader::new(bytes).map_err(|e| EdsError::malformed(what, e))?;
    let header = der::Header::decode(&mut reader).map_err(|e| EdsError::malformed(what, e))?;
    let len = usize::try_from(header.length()).map_err(|e| EdsError::malformed(what, e))?;
    let header_len =
        usize::try_from(reader.position()).map_err(|e| EdsError::malformed(what, e))?;
    Ok((header_len, len))
}

/// Decodes PEM (any `-----BEGIN …-----` label) or DER input into DER blocks.
pub(crate) fn pem_or_der(what: &'static str, input: &[u8]) -> Result<Vec<Vec<u8>>, EdsError> {
    let text_start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    if !input
        .get(text_start..)
        .unwrap_or_default()
        .starts_with(b"-----BEGIN")
    {
        // Bare base64 (no PEM armour), as some NCA tools write certificates.
        let bare = input.first() != Some(&0x30)
            && !input.is_empty()
            && input.iter().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(b, b'+' | b'/' | b'=')
                    || b.is_ascii_whitespace()
            });
        if bare {
            use base64ct::Encoding as _;
            let text: String = input
                .iter()
                .filter(|b| !b.is_ascii_whitespace())
                .map(|b| char::from(*b))
                .collect();
            if let Ok(der) = base64ct::Base64::decode_vec(&text) {
                return Ok(vec![der]);
            }
        }
        return Ok(vec![input.to_vec()]);
    }
    let text = std::str::from_utf8(input)
        .map_err(|_| EdsError::malformed(what, "PEM that is not text"))?;
    let mut blocks = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("-----BEGIN") {
            body = Some(String::new());
        } else if line.starts_with("-----END") {
            let b64 = body
                .take()
                .ok_or_else(|| EdsError::malformed(what, "PEM END without BEGIN"))?;
            use base64ct::Encoding as _;
            let der = base64ct::Base64::decode_vec(&b64)
                .map_err(|e| EdsError::malformed(what, format!("PEM base64: {e}")))?;
            blocks.push(der);
        } else if let Some(b) = body.as_mut() {
            if !line.contains(':') {
                b.push_str(line);
            }
        }
    }
    if blocks.is_empty() {
        return Err(EdsError::malformed(what, "PEM without a complete block"));
    }
    Ok(blocks)
}

/// A decoded Name on one line, OpenSSL short names: `CN=…, SN=…, serialNumber=IIN…, C=KZ`.
pub(crate) fn name_line(name: &Name) -> String {
    let mut parts = Vec::new();
    for atv in name.iter() {
        let key = match atv.oid.to_string().as_str() {
            "2.5.4.3" => "CN".to_owned(),
            "2.5.4.4" => "SN".to_owned(),
            "2.5.4.5" => "serialNumber".to_owned(),
            "2.5.4.6" => "C".to_owned(),
            "2.5.4.7" => "L".to_owned(),
            "2.5.4.8" => "ST".to_owned(),
            "2.5.4.10" => "O".to_owned(),
            "2.5.4.11" => "OU".to_owned(),
            "2.5.4.42" => "GN".to_owned(),
            "1.2.840.113549.1.9.1" => "emailAddress".to_owned(),
            "0.9.2342.19200300.100.1.1" => "UID".to_owned(),
            "0.9.2342.19200300.100.1.25" => "DC".to_owned(),
            other => other.to_owned(),
        };
        parts.push(format!("{key}={}", attribute_text(&atv.value)));
    }
    parts.join(", ")
}

fn attribute_text(value: &der::Any) -> String {
    let bytes = value.value();
    match value.tag() {
        der::Tag::Utf8String
        | der::Tag::PrintableString
        | der::Tag::Ia5String
        | der::Tag::TeletexString
        | der::Tag::VisibleString => String::from_utf8_lossy(bytes).into_owned(),
        der::Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .filter_map(|c| <[u8; 2]>::try_from(c).ok())
                .map(u16::from_be_bytes)
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => format!("#{}", hex::encode(bytes)),
    }
}
use der::Tagged as _;

fn name_attribute(name: &Name, oid: &str) -> Vec<String> {
    name.iter()
        .filter(|atv| atv.oid.to_string() == oid)
        .map(|atv| attribute_text(&atv.value))
        .collect()
}

pub(crate) fn to_offset(time: &x509_cert::time::Time) -> OffsetDateTime {
    let secs = time.to_unix_duration().as_secs();
    i64::try_from(secs)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The role of the holder, from the NCA RK role EKUs 1.2.398.3.3.4.*.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 1.2.398.3.3.4.1.1: an individual.
    Individual,
    /// 1.2.398.3.3.4.1.2: an employee of a legal entity (no more specific role).
    LegalEntity,
    /// 1.2.398.3.3.4.1.2.1: the first head of a legal entity.
    FirstHead,
    /// 1.2.398.3.3.4.1.2.2: a person with the right to sign.
    SigningAuthority,
    /// 1.2.398.3.3.4.1.2.3: a person with the right to sign financial documents.
    FinancialSignatory,
    /// 1.2.398.3.3.4.1.2.4: a human-resources employee.
    HumanResources,
    /// 1.2.398.3.3.4.1.2.5: an employee of a legal entity.
    Employee,
    /// Another OID of the arc.
    Other(String),
}

impl Role {
    fn from_oid(oid: &str) -> Role {
        match oid {
            "1.2.398.3.3.4.1.1" => Role::Individual,
            "1.2.398.3.3.4.1.2" => Role::LegalEntity,
            "1.2.398.3.3.4.1.2.1" => Role::FirstHead,
            "1.2.398.3.3.4.1.2.2" => Role::SigningAuthority,
            "1.2.398.3.3.4.1.2.3" => Role::FinancialSignatory,
            "1.2.398.3.3.4.1.2.4" => Role::HumanResources,
            "1.2.398.3.3.4.1.2.5" => Role::Employee,
            other => Role::Other(other.to_owned()),
        }
    }

    /// A short English name, e.g. `first head of a legal entity`.
    pub fn name(&self) -> String {
        match self {
            Role::Individual => "individual".to_owned(),
            Role::LegalEntity => "legal entity".to_owned(),
            Role::FirstHead => "first head of a legal entity".to_owned(),
            Role::SigningAuthority => "signing authority of a legal entity".to_owned(),
            Role::FinancialSignatory => "signer of financial documents".to_owned(),
            Role::HumanResources => "human resources employee".to_owned(),
            Role::Employee => "employee of a legal entity".to_owned(),
            Role::Other(oid) => oid.clone(),
        }
    }
}

/// The facts about a certificate a report or the act's JSON shows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CertificateFacts {
    /// The subject on one line.
    pub subject: String,
    /// The subject's common name.
    pub common_name: Option<String>,
    /// The IIN from the subject's `serialNumber=IIN…`.
    pub iin: Option<String>,
    /// The BIN from the subject's `OU=BIN…`.
    pub bin: Option<String>,
    /// The serial number, lowercase hex.
    pub serial: String,
    /// The issuer on one line.
    pub issuer: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Key usage names (`digitalSignature`, `nonRepudiation`, …).
    pub key_usage: Vec<String>,
    /// Extended key usage OIDs.
    pub extended_key_usage: Vec<String>,
    /// Certificate policy OIDs.
    pub policies: Vec<String>,
    /// The holder's role from EKU 1.2.398.3.3.4.* (the most specific one).
    pub role: Option<String>,
    /// The signature algorithm's name, or its OID when unknown.
    pub signature_algorithm: String,
    /// The public key, e.g. `GOST 2015-512`.
    pub public_key: String,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Certificate {
    /// Parses one certificate, PEM or DER.
    pub fn parse(input: &[u8]) -> Result<Certificate, EdsError> {
        let mut blocks = pem_or_der("the certificate", input)?;
        if blocks.len() != 1 {
            return Err(EdsError::malformed(
                "the certificate",
                format!("{} PEM blocks where one was expected", blocks.len()),
            ));
        }
        Certificate::from_der(blocks.remove(0))
    }

    /// Parses every certificate of a PEM bundle (or the one of a DER file).
    pub fn parse_all(input: &[u8]) -> Result<Vec<Certificate>, EdsError> {
        pem_or_der("the certificate", input)?
            .into_iter()
            .map(Certificate::from_der)
            .collect()
    }

    /// Parses a DER certificate.
    pub fn from_der(der: Vec<u8>) -> Result<Certificate, EdsError> {
        let inner = x509_cert::Certificate::from_der(&der)
            .map_err(|e| EdsError::malformed("the certificate", e))?;
        let tbs = first_element("the certificate", &der)?;
        Ok(Certificate { der, tbs, inner })
    }

    /// The DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The x509-cert view, for what this type does not expose.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.inner
    }

    pub(crate) fn tbs_der(&self) -> &[u8] {
        self.der.get(self.tbs.clone()).unwrap_or_default()
    }

    /// The subject on one line.
    pub fn subject(&self) -> String {
        name_line(self.inner.tbs_certificate().subject())
    }

    /// The issuer on one line.
    pub fn issuer(&self) -> String {
        name_line(self.inner.tbs_certificate().issuer())
    }

    pub(crate) fn subject_der(&self) -> Vec<u8> {
        self.inner
            .tbs_certificate()
            .subject()
            .to_der()
            .unwrap_or_default()
    }

    pub(crate) fn issuer_der(&self) -> Vec<u8> {
        self.inner
            .tbs_certificate()
            .issuer()
            .to_der()
            .unwrap_or_default()
    }

    /// The subject's common name.
    pub fn common_name(&self) -> Option<String> {
        name_attribute(self.inner.tbs_certificate().subject(), "2.5.4.3")
            .into_iter()
            .next()
    }

    /// The issuer's common name.
    pub fn issuer_common_name(&self) -> Option<String> {
        name_attribute(self.inner.tbs_certificate().issuer(), "2.5.4.3")
            .into_iter()
            .next()
    }

    /// The IIN (12 digits) of the subject's `serialNumber=IIN…`.
    pub fn iin(&self) -> Option<String> {
        name_attribute(self.inner.tbs_certificate().subject(), "2.5.4.5")
            .into_iter()
            .find_map(|s| s.strip_prefix("IIN").map(str::to_owned))
    }

    /// The BIN of the subject's `OU=BIN…`.
    pub fn bin(&self) -> Option<String> {
        name_attribute(self.inner.tbs_certificate().subject(), "2.5.4.11")
            .into_iter()
            .find_map(|s| s.strip_prefix("BIN").map(str::to_owned))
    }

    /// The serial number's bytes (leading zeros stripped).
    pub fn serial_bytes(&self) -> &[u8] {
        crate::crl::strip_zeros(self.inner.tbs_certificate().serial_number().as_bytes())
    }

    /// The serial number, lowercase hex.
    pub fn serial_hex(&self) -> String {
        hex::encode(self.serial_bytes())
    }

    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        to_offset(&self.inner.tbs_certificate().validity().not_before)
    }

    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        to_offset(&self.inner.tbs_certificate().validity().not_after)
    }

    /// Whether `at` is within the validity period.
    pub fn is_valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before() <= at && at <= self.not_after()
    }

    fn key_usage_flags(&self) -> Option<KeyUsage> {
        self.inner
            .tbs_certificate()
            .get_extension::<KeyUsage>()
            .ok()
            .flatten()
            .map(|(_, ku)| ku)
    }

    /// Whether the key usage extension is present and has `usage`.
    pub(crate) fn has_key_usage(&self, usage: KeyUsages) -> Option<bool> {
        self.key_usage_flags().map(|ku| ku.0.contains(usage))
    }

    /// Key usage names, in the order of RFC 5280.
    pub fn key_usage(&self) -> Vec<String> {
        let Some(ku) = self.key_usage_flags() else {
            return Vec::new();
        };
        let names = [
            (KeyUsages::DigitalSignature, "digitalSignature"),
            (KeyUsages::NonRepudiation, "nonRepudiation"),
            (KeyUsages::KeyEncipherment, "keyEncipherment"),
            (KeyUsages::DataEncipherment, "dataEncipherment"),
            (KeyUsages::KeyAgreement, "keyAgreement"),
            (KeyUsages::KeyCertSign, "keyCertSign"),
            (KeyUsages::CRLSign, "cRLSign"),
            (KeyUsages::EncipherOnly, "encipherOnly"),
            (KeyUsages::DecipherOnly, "decipherOnly"),
        ];
        names
            .iter()
            .filter(|(flag, _)| ku.0.contains(*flag))
            .map(|(_, name)| (*name).to_owned())
            .collect()
    }

    fn eku_oids(&self) -> Vec<ObjectIdentifier> {
        self.inner
            .tbs_certificate()
            .get_extension::<ExtendedKeyUsage>()
            .ok()
            .flatten()
            .map(|(_, eku)| eku.0)
            .unwrap_or_default()
    }

    /// Extended key usage OIDs.
    pub fn extended_key_usage(&self) -> Vec<String> {
        self.eku_oids().iter().map(ToString::to_string).collect()
    }

    /// Certificate policy OIDs.
    pub fn policies(&self) -> Vec<String> {
        self.inner
            .tbs_certificate()
            .get_extension::<CertificatePolicies>()
            .ok()
            .flatten()
            .map(|(_, p)| {
                p.0.iter()
                    .map(|i| i.policy_identifier.to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The holder's role: the most specific NCA RK role EKU (1.2.398.3.3.4.*).
    pub fn role(&self) -> Option<Role> {
        self.extended_key_usage()
            .into_iter()
            .filter(|o| o.starts_with(ROLE_ARC))
            .max_by_key(|o| o.len())
            .map(|o| Role::from_oid(&o))
    }

    /// basicConstraints: `Some((ca, path_len))` when present.
    pub fn basic_constraints(&self) -> Option<(bool, Option<u8>)> {
        self.inner
            .tbs_certificate()
            .get_extension::<BasicConstraints>()
            .ok()
            .flatten()
            .map(|(_, bc)| (bc.ca, bc.path_len_constraint))
    }

    pub(crate) fn subject_key_id(&self) -> Option<Vec<u8>> {
        self.inner
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, s)| s.0.as_bytes().to_vec())
    }

    pub(crate) fn authority_key_id(&self) -> Option<Vec<u8>> {
        self.inner
            .tbs_certificate()
            .get_extension::<AuthorityKeyIdentifier>()
            .ok()
            .flatten()
            .and_then(|(_, a)| a.key_identifier.map(|k| k.as_bytes().to_vec()))
    }

    /// The OIDs of critical extensions that path validation does not process (RFC 5280
    /// §4.2: such a certificate must be rejected).
    pub fn unknown_critical_extensions(&self) -> Vec<String> {
        const KNOWN: [&str; 9] = [
            "2.5.29.15", // keyUsage
            "2.5.29.19", // basicConstraints
            "2.5.29.37", // extKeyUsage
            "2.5.29.32", // certificatePolicies
            "2.5.29.14", // subjectKeyIdentifier
            "2.5.29.35", // authorityKeyIdentifier
            "2.5.29.17", // subjectAltName
            "2.5.29.31", // cRLDistributionPoints
            "2.5.29.46", // freshestCRL
        ];
        self.inner
            .tbs_certificate()
            .extensions()
            .map(|exts| {
                exts.iter()
                    .filter(|e| e.critical)
                    .map(|e| e.extn_id.to_string())
                    .filter(|oid| !KNOWN.contains(&oid.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// SHA-256 of the DER.
    pub fn sha256(&self) -> [u8; 32] {
        sha2_011::Sha256::digest(&self.der).into()
    }

    /// SHA-256 of the DER, lowercase hex.
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256())
    }

    /// The subject's public key.
    pub fn public_key(&self) -> Result<PublicKey, EdsError> {
        PublicKey::from_spki(self.inner.tbs_certificate().subject_public_key_info())
    }

    /// The algorithm the issuer signed this certificate with.
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, EdsError> {
        SignatureAlgorithm::from_oid(&self.inner.signature_algorithm().oid)
    }

    /// The signature algorithm's name, or its OID when unknown.
    pub fn signature_algorithm_name(&self) -> String {
        match self.signature_algorithm() {
            Ok(a) => a.name(),
            Err(_) => self.inner.signature_algorithm().oid.to_string(),
        }
    }

    /// Whether subject and issuer are the same name.
    pub fn is_self_issued(&self) -> bool {
        self.subject_der() == self.issuer_der()
    }

    /// Verifies this certificate's signature with `issuer`'s public key.
    pub fn verify_signed_by(&self, issuer: &PublicKey) -> Result<(), EdsError> {
        let algorithm = self.signature_algorithm()?;
        // RFC 5280 §4.1.1.2: the algorithm outside the signed part must be the one inside it,
        // or a signature could be read under another algorithm than the issuer signed.
        if self.inner.signature_algorithm() != self.inner.tbs_certificate().signature() {
            return Err(EdsError::BadSignature(format!(
                "the certificate's signatureAlgorithm ({}) is not the one its signed part names ({})",
                self.inner.signature_algorithm().oid,
                self.inner.tbs_certificate().signature().oid
            )));
        }
        let signature = self
            .inner
            .signature()
            .as_bytes()
            .ok_or_else(|| EdsError::malformed("the certificate signature", "unused bits"))?;
        issuer.verify(algorithm, self.tbs_der(), signature)
    }

    /// Whether the key may make a legally binding signature: keyUsage has nonRepudiation.
    /// An authentication key (keyUsage without nonRepudiation, or EKU clientAuth without
    /// emailProtection) is refused with the reason and what to use instead.
    pub fn check_signing_usage(&self) -> Result<(), EdsError> {
        let ekus = self.eku_oids();
        let client_auth_only =
            ekus.contains(&EKU_CLIENT_AUTH) && !ekus.contains(&EKU_EMAIL_PROTECTION);
        let non_repudiation = self.has_key_usage(KeyUsages::NonRepudiation);
        let mut why = Vec::new();
        match non_repudiation {
            Some(true) => {}
            Some(false) => why.push(format!(
                "keyUsage lacks nonRepudiation (it has {})",
                self.key_usage().join(", ")
            )),
            None => why.push("the certificate has no keyUsage with nonRepudiation".to_owned()),
        }
        if client_auth_only {
            why.push("its extended key usage is clientAuth (1.3.6.1.5.5.7.3.2)".to_owned());
        }
        if why.is_empty() {
            return Ok(());
        }
        let looks_auth = client_auth_only || non_repudiation == Some(false);
        let what = if looks_auth {
            "this is an authentication key (AUTH_…)"
        } else {
            "this key is not for signing"
        };
        Err(EdsError::NotForSigning(format!(
            "{what}: {}; sign with your signing key (RSA256_…/GOST512_…) instead",
            why.join("; ")
        )))
    }

    /// The facts a report or the act's JSON shows.
    pub fn facts(&self) -> CertificateFacts {
        CertificateFacts {
            subject: self.subject(),
            common_name: self.common_name(),
            iin: self.iin(),
            bin: self.bin(),
            serial: self.serial_hex(),
            issuer: self.issuer(),
            not_before: rfc3339(self.not_before()),
            not_after: rfc3339(self.not_after()),
            key_usage: self.key_usage(),
            extended_key_usage: self.extended_key_usage(),
            policies: self.policies(),
            role: self.role().map(|r| r.name()),
            signature_algorithm: self.signature_algorithm_name(),
            public_key: self
                .public_key()
                .map(|k| k.describe())
                .unwrap_or_else(|e| e.to_string()),
            sha256: self.sha256_hex(),
        }
    }
}
