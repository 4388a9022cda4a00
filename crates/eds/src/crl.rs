//! Certificate revocation lists: parsing (PEM or DER), the issuer's signature, freshness,
//! delta CRLs, and lookup by serial number through an index built once.

use std::collections::HashMap;

use der::asn1::ObjectIdentifier;
use der::asn1::{AnyRef, BitStringRef, IntRef, OctetStringRef};
use der::{Decode, Encode};
use der::{Reader as _, SliceReader, Tag, Tagged as _};
use time::OffsetDateTime;
use x509_cert::ext::pkix::{BaseCrlNumber, CrlNumber, CrlReason};
use x509_cert::name::Name;
use x509_cert::time::Time;

use crate::algorithm::SignatureAlgorithm;
use crate::certificate::{first_element, name_line, pem_or_der, to_offset, Certificate};
use crate::EdsError;

/// `bytes` without leading zero bytes (the canonical form of a serial number).
pub(crate) fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// One revoked certificate.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Revocation {
    /// The serial number, lowercase hex.
    pub serial: String,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339")]
    pub date: OffsetDateTime,
    /// The reason code's name (`keyCompromise`, …), when the entry has one.
    pub reason: Option<String>,
}

/// A parsed CRL.
#[derive(Clone, Debug)]
pub struct Crl {
    der: Vec<u8>,
    tbs: std::ops::Range<usize>,
    issuer_der: Vec<u8>,
    issuer: String,
    signature_oid: ObjectIdentifier,
    signature: Vec<u8>,
    this_update: OffsetDateTime,
    next_update: Option<OffsetDateTime>,
    number: Option<String>,
    delta_base: Option<String>,
    entries: HashMap<Vec<u8>, Entry>,
}

/// An entry as stored: the revocation time (Unix seconds) and reason.
#[derive(Clone, Copy, Debug)]
struct Entry {
    unix: i64,
    reason: Option<CrlReason>,
}

fn reason_name(reason: CrlReason) -> &'static str {
    match reason {
        CrlReason::Unspecified => "unspecified",
        CrlReason::KeyCompromise => "keyCompromise",
        CrlReason::CaCompromise => "cACompromise",
        CrlReason::AffiliationChanged => "affiliationChanged",
        CrlReason::Superseded => "superseded",
        CrlReason::CessationOfOperation => "cessationOfOperation",
        CrlReason::CertificateHold => "certificateHold",
        CrlReason::RemoveFromCRL => "removeFromCRL",
        CrlReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        CrlReason::AaCompromise => "aACompromise",
    }
}

fn revocation(serial: &[u8], entry: Entry) -> Revocation {
    Revocation {
        serial: hex::encode(serial),
        date: OffsetDateTime::from_unix_timestamp(entry.unix).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        reason: entry.reason.map(|r| reason_name(r).to_owned()),
    }
}

/// `CertificateList`, its TBS part kept raw.
#[derive(der::Sequence)]
struct CertListRef<'a> {
    tbs: AnyRef<'a>,
    signature_algorithm: spki::AlgorithmIdentifierRef<'a>,
    signature: BitStringRef<'a>,
}

/// The reasonCode of a CRL entry's extensions, read in place.
fn entry_reason(extensions: &[u8]) -> der::Result<Option<CrlReason>> {
    let mut r = SliceReader::new(extensions)?;
    while !r.is_finished() {
        let extension: AnyRef<'_> = r.decode()?;
        let mut e = SliceReader::new(extension.value())?;
        let oid: ObjectIdentifier = e.decode()?;
        if Tag::peek(&e)? == Tag::Boolean {
            let _critical: bool = e.decode()?;
        }
        let value: &OctetStringRef = e.decode()?;
        e.finish()?;
        if oid == <CrlReason as der::oid::AssociatedOid>::OID {
            return CrlReason::from_der(value.as_bytes()).map(Some);
        }
    }
    Ok(None)
}

fn extension<'a, T: Decode<'a> + der::oid::AssociatedOid>(
    extensions: &'a Option<x509_cert::ext::Extensions>,
) -> Option<T> {
    extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == T::OID)
        .and_then(|e| T::from_der(e.extn_value.as_bytes()).ok())
}

impl Crl {
    /// Parses a CRL, PEM or DER, and indexes its entries by serial number.
    pub fn parse(input: &[u8]) -> Result<Crl, EdsError> {
        let mut blocks = pem_or_der("the CRL", input)?;
        if blocks.len() != 1 {
            return Err(EdsError::malformed(
                "the CRL",
                format!("{} PEM blocks where one was expected", blocks.len()),
            ));
        }
        Crl::from_der(blocks.remove(0))
    }

    /// Parses a DER CRL. The revoked entries are walked in place (borrowed, one hash-map
    /// insert each), so that a CRL of 100 000 entries parses in a few tens of milliseconds.
    pub fn from_der(der: Vec<u8>) -> Result<Crl, EdsError> {
        let bad = |e: der::Error| EdsError::malformed("the CRL", e);
        let list = CertListRef::from_der(&der).map_err(bad)?;
        if list.tbs.tag() != Tag::Sequence {
            return Err(EdsError::malformed(
                "the CRL",
                "its TBSCertList is not a SEQUENCE",
            ));
        }
        let tbs = first_element("the CRL", &der)?;
        let mut r = SliceReader::new(list.tbs.value()).map_err(bad)?;
        if Tag::peek(&r).map_err(bad)? == Tag::Integer {
            let version: u8 = r.decode().map_err(bad)?;
            if version != 1 {
                return Err(EdsError::malformed("the CRL", format!("version {version}")));
            }
        }
        let _inner_signature: AnyRef<'_> = r.decode().map_err(bad)?;
        let issuer: Name = r.decode().map_err(bad)?;
        let this_update: Time = r.decode().map_err(bad)?;
        let next_update: Option<Time> = if !r.is_finished()
            && matches!(
                Tag::peek(&r).map_err(bad)?,
                Tag::UtcTime | Tag::GeneralizedTime
            ) {
            Some(r.decode().map_err(bad)?)
        } else {
            None
        };
        let mut entries = HashMap::new();
        if !r.is_finished() && Tag::peek(&r).map_err(bad)? == Tag::Sequence {
            let revoked: AnyRef<'_> = r.decode().map_err(bad)?;
            // An entry takes at least 36 bytes (an 8-byte serial, a UTCTime, no extensions).
            entries.reserve(revoked.value().len() / 36);
            let mut list_reader = SliceReader::new(revoked.value()).map_err(bad)?;
            while !list_reader.is_finished() {
                let entry: AnyRef<'_> = list_reader.decode().map_err(bad)?;
                if entry.tag() != Tag::Sequence {
                    return Err(EdsError::malformed("the CRL", "an entry is not a SEQUENCE"));
                }
                let mut e = SliceReader::new(entry.value()).map_err(bad)?;
                let serial: IntRef<'_> = e.decode().map_err(bad)?;
                let date: Time = e.decode().map_err(bad)?;
                let reason = if e.is_finished() {
                    None
                } else {
                    let extensions: AnyRef<'_> = e.decode().map_err(bad)?;
                    entry_reason(extensions.value()).map_err(bad)?
                };
                e.finish().map_err(bad)?;
                let serial = strip_zeros(serial.as_bytes()).to_vec();
                let unix = i64::try_from(date.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
                let revocation = Entry { unix, reason };
                entries.insert(serial, revocation);
            }
        }
        let extensions: Option<x509_cert::ext::Extensions> = if r.is_finished() {
            None
        } else {
            let explicit: AnyRef<'_> = r.decode().map_err(bad)?;
            if !matches!(explicit.tag(), Tag::ContextSpecific { .. }) {
                return Err(EdsError::malformed(
                    "the CRL",
                    "unexpected field after the entries",
                ));
            }
            Some(Vec::<x509_cert::ext::Extension>::from_der(explicit.value()).map_err(bad)?)
        };
        r.finish().map_err(bad)?;
        let number =
            extension::<CrlNumber>(&extensions).map(|n| hex::encode(strip_zeros(n.0.as_bytes())));
        let delta_base = extension::<BaseCrlNumber>(&extensions)
            .map(|n| hex::encode(strip_zeros(n.0.as_bytes())));
        let signature = list
            .signature
            .as_bytes()
            .ok_or_else(|| EdsError::malformed("the CRL signature", "unused bits"))?
            .to_vec();
        Ok(Crl {
            issuer_der: issuer
                .to_der()
                .map_err(|e| EdsError::malformed("the CRL issuer", e))?,
            issuer: name_line(&issuer),
            signature_oid: list.signature_algorithm.oid,
            signature,
            this_update: to_offset(&this_update),
            next_update: next_update.as_ref().map(to_offset),
            number,
            delta_base,
            entries,
            tbs,
            der,
        })
    }

    /// The DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The issuer on one line.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub(crate) fn issuer_der(&self) -> &[u8] {
        &self.issuer_der
    }

    /// thisUpdate.
    pub fn this_update(&self) -> OffsetDateTime {
        self.this_update
    }

    /// nextUpdate, when given.
    pub fn next_update(&self) -> Option<OffsetDateTime> {
        self.next_update
    }

    /// Whether `at` lies within thisUpdate..nextUpdate (a CRL without nextUpdate is fresh
    /// from thisUpdate on).
    pub fn is_fresh_at(&self, at: OffsetDateTime) -> bool {
        self.this_update <= at && self.next_update.is_none_or(|n| at <= n)
    }

    /// The CRL number, hex.
    pub fn number(&self) -> Option<&str> {
        self.number.as_deref()
    }

    /// For a delta CRL, the number of its base CRL (hex); `None` for a base CRL.
    pub fn delta_base(&self) -> Option<&str> {
        self.delta_base.as_deref()
    }

    /// Whether this is a delta CRL.
    pub fn is_delta(&self) -> bool {
        self.delta_base.is_some()
    }

    /// How many certificates it lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it lists none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = Revocation> + '_ {
        self.entries
            .iter()
            .map(|(serial, entry)| revocation(serial, *entry))
    }

    /// The algorithm the issuer signed it with.
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, EdsError> {
        SignatureAlgorithm::from_oid(&self.signature_oid)
    }

    /// Verifies the CRL's signature with `issuer`'s key; the issuer's name must be the
    /// CRL's issuer.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), EdsError> {
        if issuer.subject_der() != self.issuer_der {
            return Err(EdsError::BadSignature(format!(
                "the CRL is issued by {}, not by {}",
                self.issuer,
                issuer.subject()
            )));
        }
        let tbs = self.der.get(self.tbs.clone()).unwrap_or_default();
        issuer
            .public_key()?
            .verify(self.signature_algorithm()?, tbs, &self.signature)
    }

    /// The entry of a serial number (big-endian bytes; leading zeros do not matter).
    pub fn lookup(&self, serial: &[u8]) -> Option<Revocation> {
        let serial = strip_zeros(serial);
        self.entries
            .get(serial)
            .map(|entry| revocation(serial, *entry))
    }

    /// The entry of `cert`, when this CRL is from its issuer and lists it.
    pub fn lookup_certificate(&self, cert: &Certificate) -> Option<Revocation> {
        if cert.issuer_der() != self.issuer_der {
            return None;
        }
        self.lookup(cert.serial_bytes())
    }
}
