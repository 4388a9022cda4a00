//! Object identifiers, dotted, and their names for error messages.

// Content types (PKCS#7 / CMS).
pub(crate) const DATA: &str = "1.2.840.113549.1.7.1";
pub(crate) const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";

// Bag types (RFC 7292 section 4.2).
pub(crate) const KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
pub(crate) const PKCS8_SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
pub(crate) const CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
pub(crate) const SAFE_CONTENTS_BAG: &str = "1.2.840.113549.1.12.10.1.6";
pub(crate) const X509_CERTIFICATE: &str = "1.2.840.113549.1.9.22.1";
pub(crate) const LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";

// PKCS#12 password-based encryption (RFC 7292 appendix C).
pub(crate) const PBE_SHA1_3DES: &str = "1.2.840.113549.1.12.1.3";
pub(crate) const PBE_SHA1_2DES: &str = "1.2.840.113549.1.12.1.4";
pub(crate) const PBE_SHA1_RC2_128: &str = "1.2.840.113549.1.12.1.5";
pub(crate) const PBE_SHA1_RC2_40: &str = "1.2.840.113549.1.12.1.6";

// PKCS#5 v2 (RFC 8018).
pub(crate) const PBES2: &str = "1.2.840.113549.1.5.13";
pub(crate) const PBKDF2: &str = "1.2.840.113549.1.5.12";
pub(crate) const HMAC_SHA1: &str = "1.2.840.113549.2.7";
pub(crate) const HMAC_SHA224: &str = "1.2.840.113549.2.8";
pub(crate) const HMAC_SHA256: &str = "1.2.840.113549.2.9";
pub(crate) const HMAC_SHA384: &str = "1.2.840.113549.2.10";
pub(crate) const HMAC_SHA512: &str = "1.2.840.113549.2.11";
pub(crate) const AES128_CBC: &str = "2.16.840.1.101.3.4.1.2";
pub(crate) const AES192_CBC: &str = "2.16.840.1.101.3.4.1.22";
pub(crate) const AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
pub(crate) const DES_EDE3_CBC: &str = "1.2.840.113549.3.7";

// Digests for the PKCS#12 MAC.
pub(crate) const SHA1: &str = "1.3.14.3.2.26";
pub(crate) const SHA224: &str = "2.16.840.1.101.3.4.2.4";
pub(crate) const SHA256: &str = "2.16.840.1.101.3.4.2.1";
pub(crate) const SHA384: &str = "2.16.840.1.101.3.4.2.2";
pub(crate) const SHA512: &str = "2.16.840.1.101.3.4.2.3";

/// The name of a known object identifier, for messages.
pub(crate) fn name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        DATA => "data",
        ENCRYPTED_DATA => "encryptedData",
        "1.2.840.113549.1.7.2" => "signedData",
        "1.2.840.113549.1.7.3" => "envelopedData (public-key encryption)",
        KEY_BAG => "keyBag",
        PKCS8_SHROUDED_KEY_BAG => "pkcs8ShroudedKeyBag",
        CERT_BAG => "certBag",
        SAFE_CONTENTS_BAG => "safeContentsBag",
        PBE_SHA1_3DES => "pbeWithSHAAnd3-KeyTripleDES-CBC",
        PBE_SHA1_2DES => "pbeWithSHAAnd2-KeyTripleDES-CBC",
        PBE_SHA1_RC2_128 => "pbeWithSHAAnd128BitRC2-CBC",
        PBE_SHA1_RC2_40 => "pbeWithSHAAnd40BitRC2-CBC",
        "1.2.840.113549.1.12.1.1" => "pbeWithSHAAnd128BitRC4",
        "1.2.840.113549.1.12.1.2" => "pbeWithSHAAnd40BitRC4",
        "1.2.840.113549.1.5.3" => "pbeWithMD5AndDES-CBC",
        "1.2.840.113549.1.5.10" => "pbeWithSHA1AndDES-CBC",
        PBES2 => "PBES2",
        PBKDF2 => "PBKDF2",
        "1.2.840.113549.1.5.14" => "PBMAC1",
        "1.3.6.1.4.1.11591.4.11" => "scrypt",
        HMAC_SHA1 => "hmacWithSHA1",
        HMAC_SHA224 => "hmacWithSHA224",
        HMAC_SHA256 => "hmacWithSHA256",
        HMAC_SHA384 => "hmacWithSHA384",
        HMAC_SHA512 => "hmacWithSHA512",
        AES128_CBC => "aes128-CBC",
        AES192_CBC => "aes192-CBC",
        AES256_CBC => "aes256-CBC",
        "2.16.840.1.101.3.4.1.6" => "aes128-GCM",
        "2.16.840.1.101.3.4.1.46" => "aes256-GCM",
        DES_EDE3_CBC => "des-ede3-cbc",
        "1.3.14.3.2.7" => "desCBC",
        SHA1 => "SHA-1",
        SHA224 => "SHA-224",
        SHA256 => "SHA-256",
        SHA384 => "SHA-384",
        SHA512 => "SHA-512",
        "1.2.840.113549.2.5" => "MD5",
        "1.2.398.3.10.1.3.3" => "GOST R 34.11-2015 (Kazakhstan)",
        _ => return None,
    })
}
