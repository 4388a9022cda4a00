//! The three GOST hash functions, one-shot and incremental.

use gost94::Gost94Test;
use streebog::{Digest, Streebog256, Streebog512};

/// A GOST hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hash {
    /// GOST R 34.11-2012 (GOST 34.11-2015), 256-bit output.
    Streebog256,
    /// GOST R 34.11-2012 (GOST 34.11-2015), 512-bit output.
    Streebog512,
    /// GOST R 34.11-94 with the *test* S-box, which is the Kazakh GOST 34.311-95 used with
    /// GOST 34.310-2004 keys (32-byte output).
    Gost94Test,
}

impl Hash {
    /// Length of the output in bytes: 32, 64 or 32.
    pub fn output_size(self) -> usize {
        match self {
            Hash::Streebog256 | Hash::Gost94Test => 32,
            Hash::Streebog512 => 64,
        }
    }

    /// A short name: `streebog-256`, `streebog-512` or `gost94-test`.
    pub fn name(self) -> &'static str {
        match self {
            Hash::Streebog256 => "streebog-256",
            Hash::Streebog512 => "streebog-512",
            Hash::Gost94Test => "gost94-test",
        }
    }
}

impl std::fmt::Display for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An incremental hash computation. Also an [`std::io::Write`], so `std::io::copy` can feed it.
#[derive(Clone)]
pub struct Hasher(State);

#[derive(Clone)]
enum State {
    Streebog256(Streebog256),
    Streebog512(Streebog512),
    Gost94Test(Gost94Test),
}

impl Hasher {
    /// Starts hashing with `hash`.
    pub fn new(hash: Hash) -> Self {
        Hasher(match hash {
            Hash::Streebog256 => State::Streebog256(Streebog256::new()),
            Hash::Streebog512 => State::Streebog512(Streebog512::new()),
            Hash::Gost94Test => State::Gost94Test(Gost94Test::new()),
        })
    }

    /// The hash function being computed.
    pub fn algorithm(&self) -> Hash {
        match self.0 {
            State::Streebog256(_) => Hash::Streebog256,
            State::Streebog512(_) => Hash::Streebog512,
            State::Gost94Test(_) => Hash::Gost94Test,
        }
    }

    /// Feeds more data.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            State::Streebog256(h) => h.update(data),
            State::Streebog512(h) => h.update(data),
            State::Gost94Test(h) => h.update(data),
        }
    }

    /// The hash of everything fed, as the hash function outputs it (this byte string, read as a
    /// little-endian integer, is the GOST signature's digest).
    pub fn finalize(self) -> Vec<u8> {
        match self.0 {
            State::Streebog256(h) => h.finalize().to_vec(),
            State::Streebog512(h) => h.finalize().to_vec(),
            State::Gost94Test(h) => h.finalize().to_vec(),
        }
    }
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Hasher").field(&self.algorithm()).finish()
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The hash of `data` with `hash`, in one call.
pub fn digest(hash: Hash, data: &[u8]) -> Vec<u8> {
    let mut hasher = Hasher::new(hash);
    hasher.update(data);
    hasher.finalize()
}
