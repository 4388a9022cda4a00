//! DER walking for the tests: just enough to take a certificate and a CMS SignerInfo apart.
#![allow(dead_code)]

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode, Reader, SliceReader, Tagged};

/// The elements inside a constructed value.
pub(crate) fn children(any: AnyRef<'_>) -> Vec<AnyRef<'_>> {
    let mut reader = SliceReader::new(any.value()).expect("value fits a reader");
    let mut out = Vec::new();
    while !reader.is_finished() {
        out.push(reader.decode::<AnyRef<'_>>().expect("DER element"));
    }
    out
}

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What a certificate gives the signature check.
pub(crate) struct Cert {
    /// The DER TBSCertificate, as signed.
    pub(crate) tbs: Vec<u8>,
    /// The signature algorithm OID of the certificate.
    pub(crate) signature_algorithm: String,
    /// signatureValue: r‖s little-endian.
    pub(crate) signature: Vec<u8>,
    /// The subject key's parameter-set OID (the curve).
    pub(crate) curve_oid: String,
    /// The subject key: x‖y little-endian, from the OCTET STRING in the BIT STRING.
    pub(crate) public_xy: Vec<u8>,
}

pub(crate) fn oid(any: AnyRef<'_>) -> String {
    any.decode_as::<ObjectIdentifier>()
        .expect("OBJECT IDENTIFIER")
        .to_string()
}

pub(crate) fn cert(der: &[u8]) -> Cert {
    let outer = AnyRef::from_der(der).expect("certificate is DER");
    let parts = children(outer);
    let [tbs, alg, sig] = parts.as_slice() else {
        panic!("certificate has 3 parts");
    };
    let tbs_fields = children(*tbs);
    // [0] version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    let spki = tbs_fields[6];
    let spki_parts = children(spki);
    let key_alg = children(spki_parts[0]);
    let key_params = children(key_alg[1]);
    let key_bits = spki_parts[1]
        .decode_as::<BitStringRef<'_>>()
        .expect("BIT STRING");
    let public_xy = <&OctetStringRef>::from_der(key_bits.raw_bytes())
        .expect("OCTET STRING in the key")
        .as_bytes()
        .to_vec();
    Cert {
        tbs: tbs.to_der().expect("re-encodes"),
        signature_algorithm: oid(children(*alg)[0]),
        signature: sig
            .decode_as::<BitStringRef<'_>>()
            .expect("BIT STRING")
            .raw_bytes()
            .to_vec(),
        curve_oid: oid(key_params[0]),
        public_xy,
    }
}

/// What a CMS SignedData's (first) SignerInfo gives the signature check.
pub(crate) struct Signer {
    /// The signed attributes, DER, re-tagged as a SET (0x31), as signed.
    pub(crate) signed_attributes: Vec<u8>,
    /// The messageDigest attribute.
    pub(crate) message_digest: Vec<u8>,
    /// The signature: r‖s little-endian.
    pub(crate) signature: Vec<u8>,
}

pub(crate) fn cms_signer(der: &[u8]) -> Signer {
    let content_info = AnyRef::from_der(der).expect("ContentInfo is DER");
    let explicit = children(content_info)[1];
    let signed_data = children(explicit)[0];
    let fields = children(signed_data);
    let signer_infos = fields.last().copied().expect("signerInfos");
    let signer = children(signer_infos)[0];
    let signer_fields = children(signer);
    let attrs = signer_fields
        .iter()
        .find(|f| f.to_der().expect("encodes")[0] == 0xa0)
        .copied()
        .expect("signed attributes [0]");
    let mut signed_attributes = attrs.to_der().expect("encodes");
    signed_attributes[0] = 0x31;
    let message_digest = children(attrs)
        .into_iter()
        .find_map(|attr| {
            let parts = children(attr);
            (oid(parts[0]) == "1.2.840.113549.1.9.4").then(|| {
                children(parts[1])[0]
                    .decode_as::<&OctetStringRef>()
                    .expect("OCTET STRING")
                    .as_bytes()
                    .to_vec()
            })
        })
        .expect("messageDigest attribute");
    let signature = signer_fields
        .iter()
        .rev()
        .find(|f| f.tag() == der::Tag::OctetString)
        .expect("signature OCTET STRING")
        .value()
        .to_vec();
    Signer {
        signed_attributes,
        message_digest,
        signature,
    }
}
