//! The store's header (`store.toml`, plain text) and the database key derived from the
//! passphrase with Argon2id. The header holds no secret: a random salt and the KDF's cost.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};

pub(crate) const HEADER: &str = "store.toml";

/// Argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane): about 50 ms per unlock.
const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

/// The most a header may ask of the KDF: unlocking reads the cost from `store.toml`, which
/// anyone can edit, and must not be made to exhaust the laptop's memory or take minutes.
const MAX_M_COST_KIB: u32 = 256 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 8;
/// Salt sizes a header may name, bytes.
const MIN_SALT: usize = 16;
const MAX_SALT: usize = 64;

/// The shortest passphrase a new store takes, in characters.
pub(crate) const MIN_PASSPHRASE_CHARS: usize = 8;

/// The format of new stores. Format 1 used SQLCipher's default page (4 KiB, HMAC-SHA512);
/// format 2 names its page size and HMAC in the header: 64 KiB pages with HMAC-SHA256 import
/// evidence about 1.5× as fast (fewer pages to encrypt, authenticate and write, and SHA-256
/// has CPU instructions where SHA-512 has none).
const FORMAT: u32 = 2;
const PAGE_SIZE: u32 = 64 * 1024;
const HMAC: &str = "HMAC_SHA256";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Header {
    /// The store's format; this version reads formats 1 and 2.
    format: u32,
    kdf: String,
    salt: String,
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
    /// SQLCipher's page size, bytes (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page_size: Option<u32>,
    /// SQLCipher's page authentication: `HMAC_SHA256` or `HMAC_SHA512` (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hmac: Option<String>,
}

/// A 256-bit database key. Never written anywhere; wiped (with a write the compiler keeps)
/// when dropped, as is every copy of it in text.
pub(crate) struct Key(Zeroizing<[u8; 32]>);

impl Key {
    /// The statement that gives SQLCipher the raw key: `PRAGMA key = "x'…'";`, in a string
    /// that is wiped when dropped (allocated once, so no reallocation leaves a copy behind).
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = Zeroizing::new(String::with_capacity(64 + 24));
        text.push_str("PRAGMA key = \"x'");
        for b in self.0.iter() {
            text.push(char::from(HEX[usize::from(b >> 4)]));
            text.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        text.push_str("'\";");
        text
    }
}

impl Header {
    pub(crate) fn fresh() -> Result<Header> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt)
            .map_err(|e| StoreError::Invalid(format!("no randomness for the salt: {e}")))?;
        Ok(Header {
            format: FORMAT,
            kdf: "argon2id".into(),
            salt: hex(&salt),
            m_cost_kib: M_COST_KIB,
            t_cost: T_COST,
            p_cost: P_COST,
            page_size: Some(PAGE_SIZE),
            hmac: Some(HMAC.to_owned()),
        })
    }

    pub(crate) fn path(dir: &Path) -> PathBuf {
        dir.join(HEADER)
    }

    pub(crate) fn read(dir: &Path) -> Result<Header> {
        let path = Header::path(dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound(dir.to_path_buf()))
            }
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        let bad = |reason: String| StoreError::BadHeader {
            path: path.clone(),
            reason,
        };
        let header: Header = toml::from_str(&text).map_err(|e| bad(e.message().to_owned()))?;
        if header.format != 1 && header.format != 2 {
            return Err(bad(format!(
                "store format {} is not known to this version of tekseru (it reads formats 1 and 2); update tekseru",
                header.format
            )));
        }
        if header.kdf != "argon2id" {
            return Err(bad(format!("unknown key derivation '{}'", header.kdf)));
        }
        if header.m_cost_kib > MAX_M_COST_KIB
            || header.t_cost > MAX_T_COST
            || header.p_cost > MAX_P_COST
        {
            return Err(bad(format!(
                "the key derivation asks for {} KiB, {} passes and {} lanes; at most {MAX_M_COST_KIB} KiB, {MAX_T_COST} passes and {MAX_P_COST} lanes are allowed",
                header.m_cost_kib, header.t_cost, header.p_cost
            )));
        }
        match unhex(&header.salt) {
            Some(salt) if (MIN_SALT..=MAX_SALT).contains(&salt.len()) => {}
            Some(salt) => {
                return Err(bad(format!(
                    "the salt has {} bytes; it must have {MIN_SALT} to {MAX_SALT}",
                    salt.len()
                )))
            }
            None => return Err(bad("the salt is not hexadecimal".to_owned())),
        }
        match (header.format, header.page_size, header.hmac.as_deref()) {
            (1, None, None) => {}
            (1, _, _) => {
                return Err(bad(
                    "a format 1 store has no page_size or hmac (format 2 has both)".to_owned(),
                ))
            }
            (_, Some(size), Some("HMAC_SHA256" | "HMAC_SHA512"))
                if size.is_power_of_two() && (1024..=65536).contains(&size) => {}
            (_, Some(size), Some(hmac)) => {
                return Err(bad(format!(
                    "unsupported page_size {size} or hmac '{hmac}' (page_size is a power of two from 1024 to 65536, hmac HMAC_SHA256 or HMAC_SHA512)"
                )))
            }
            _ => return Err(bad("a format 2 store names its page_size and hmac".to_owned())),
        }
        Ok(header)
    }

    /// The SQLCipher settings this store was created with, as pragmas to run right after the
    /// key (format 1: none, SQLCipher's defaults).
    pub(crate) fn cipher_pragmas(&self) -> String {
        match (self.page_size, &self.hmac) {
            (Some(size), Some(hmac)) => {
                format!("PRAGMA cipher_page_size = {size}; PRAGMA cipher_hmac_algorithm = {hmac};")
            }
            _ => String::new(),
        }
    }

    pub(crate) fn write(&self, dir: &Path) -> Result<()> {
        let path = Header::path(dir);
        let text = toml::to_string(self).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let tmp = dir.join(".store.toml.tmp");
        std::fs::write(&tmp, text).map_err(|e| StoreError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| StoreError::io(&path, e))
    }

    pub(crate) fn derive(&self, passphrase: &str) -> Result<Key> {
        let salt = unhex(&self.salt).ok_or_else(|| StoreError::BadHeader {
            path: PathBuf::from(HEADER),
            reason: "the salt is not hexadecimal".into(),
        })?;
        let params = argon2::Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| StoreError::BadHeader {
                path: PathBuf::from(HEADER),
                reason: format!("bad Argon2 parameters: {e}"),
            })?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase.as_bytes(), &salt, key.as_mut())
            .map_err(|e| StoreError::Invalid(format!("cannot derive the key: {e}")))?;
        Ok(Key(key))
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
