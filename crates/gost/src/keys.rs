//! Curves, keys and signatures in the Kazakh byte order.

use crate::curves::{cryptopro_a, tc26_256a, tc26_512a, test256, test512};
use crate::ops::{self, PointError, VerifyError};
use crate::GostError;
use zeroize::{Zeroize, Zeroizing};

/// A curve of the Kazakh EDS keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    /// id-tc26-gost-3410-12-512-paramSetA: the GOST 34.310-2015 (GOST R 34.10-2012) 512-bit keys
    /// of the NCA RK since 2022, hashed with Streebog-512.
    Tc26_512A,
    /// id-tc26-gost-3410-2012-256-paramSetA: 256-bit GOST R 34.10-2012, hashed with
    /// Streebog-256.
    Tc26_256A,
    /// id-GostR3410-2001-CryptoPro-A-ParamSet: the GOST 34.310-2004 keys of the NCA RK, hashed
    /// with GOST 34.311-95 ([`crate::Hash::Gost94Test`]).
    CryptoProA,
}

impl Curve {
    /// All curves.
    pub const ALL: [Curve; 3] = [Curve::Tc26_512A, Curve::Tc26_256A, Curve::CryptoProA];

    /// Bytes of one coordinate, of the private key, and of each of r and s: 64 or 32.
    pub fn size(self) -> usize {
        self.param_set().size()
    }

    /// A short name: `tc26-512-A`, `tc26-256-A` or `CryptoPro-A`.
    pub fn name(self) -> &'static str {
        self.param_set().name()
    }

    /// The object identifiers naming this curve's parameters, the standard one first.
    ///
    /// - tc26-512-A: 1.2.643.7.1.2.1.2.1 (TC 26), 1.2.398.3.10.1.1.2.2.1 (Kazakh GOST 34.310-2015);
    /// - tc26-256-A: 1.2.643.7.1.2.1.1.1 (TC 26);
    /// - CryptoPro-A: 1.2.643.2.2.35.1 (RFC 4357), 1.2.643.2.2.36.0 (its XchA alias, same
    ///   parameters), 1.2.643.7.1.2.1.1.2 (TC 26 256-paramSetB, same parameters),
    ///   1.2.398.3.10.1.1.1.1.1 (Kazakh GOST 34.310-2004).
    pub fn oids(self) -> &'static [&'static str] {
        match self {
            Curve::Tc26_512A => &["1.2.643.7.1.2.1.2.1", "1.2.398.3.10.1.1.2.2.1"],
            Curve::Tc26_256A => &["1.2.643.7.1.2.1.1.1"],
            Curve::CryptoProA => &[
                "1.2.643.2.2.35.1",
                "1.2.643.2.2.36.0",
                "1.2.643.7.1.2.1.1.2",
                "1.2.398.3.10.1.1.1.1.1",
            ],
        }
    }

    /// The curve one of [`Curve::oids`] names (dotted form), if any.
    pub fn from_oid(oid: &str) -> Option<Curve> {
        Curve::ALL
            .into_iter()
            .find(|curve| curve.oids().contains(&oid))
    }

    fn param_set(self) -> ParamSet {
        match self {
            Curve::Tc26_512A => ParamSet::Tc26_512A,
            Curve::Tc26_256A => ParamSet::Tc26_256A,
            Curve::CryptoProA => ParamSet::CryptoProA,
        }
    }
}

impl std::fmt::Display for Curve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every parameter set the arithmetic knows: the three curves and the two test curves of
/// GOST R 34.10-2012 Appendix A. Not part of the API: for the known-answer tests only.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamSet {
    /// See [`Curve::Tc26_512A`].
    Tc26_512A,
    /// See [`Curve::Tc26_256A`].
    Tc26_256A,
    /// See [`Curve::CryptoProA`].
    CryptoProA,
    /// GOST R 34.10-2012 Appendix A.1 (256-bit test curve).
    Test256,
    /// GOST R 34.10-2012 Appendix A.2 (512-bit test curve).
    Test512,
}

/// Runs `$body` with `$c` a type alias for the curve marker of `$set`, and `$h` its cofactor.
macro_rules! with_curve {
    ($set:expr, $c:ident, $h:ident => $body:expr) => {
        match $set {
            ParamSet::Tc26_512A => {
                type $c = tc26_512a::Tc26_512A;
                const $h: u32 = tc26_512a::COFACTOR;
                $body
            }
            ParamSet::Tc26_256A => {
                type $c = tc26_256a::Tc26_256A;
                const $h: u32 = tc26_256a::COFACTOR;
                $body
            }
            ParamSet::CryptoProA => {
                type $c = cryptopro_a::CryptoProA;
                const $h: u32 = cryptopro_a::COFACTOR;
                $body
            }
            ParamSet::Test256 => {
                type $c = test256::Test256;
                const $h: u32 = test256::COFACTOR;
                $body
            }
            ParamSet::Test512 => {
                type $c = test512::Test512;
                const $h: u32 = test512::COFACTOR;
                $body
            }
        }
    };
}

impl ParamSet {
    fn size(self) -> usize {
        with_curve!(self, C, _H => ops::size::<C>())
    }

    fn name(self) -> &'static str {
        match self {
            ParamSet::Tc26_512A => "tc26-512-A",
            ParamSet::Tc26_256A => "tc26-256-A",
            ParamSet::CryptoProA => "CryptoPro-A",
            ParamSet::Test256 => "GOST R 34.10-2012 test 256",
            ParamSet::Test512 => "GOST R 34.10-2012 test 512",
        }
    }

    fn check_private(self, d: &[u8]) -> Result<(), GostError> {
        let expected = self.size();
        if d.len() != expected {
            return Err(GostError::PrivateKeyLength {
                curve: self.name(),
                expected,
                actual: d.len(),
            });
        }
        let valid = with_curve!(self, C, _H => ops::nonzero_scalar::<C>(d).map(|mut s| {
            s.zeroize();
        }));
        valid.ok_or(GostError::PrivateKeyRange { curve: self.name() })
    }

    /// x‖y of d·G; `d` must have passed `check_private`.
    fn public_of(self, d: &[u8]) -> Result<Vec<u8>, GostError> {
        with_curve!(self, C, _H => {
            let mut scalar = ops::nonzero_scalar::<C>(d)
                .ok_or(GostError::PrivateKeyRange { curve: self.name() })?;
            let public = ops::public_key::<C>(&scalar);
            scalar.zeroize();
            Ok(public)
        })
    }

    fn check_public(self, xy: &[u8]) -> Result<(), GostError> {
        with_curve!(self, C, H => ops::point_from_le::<C>(xy, H).map(|_| ()))
            .map_err(|e| self.point_error(e, xy.len()))
    }

    fn point_error(self, error: PointError, actual: usize) -> GostError {
        match error {
            PointError::Length => GostError::PublicKeyLength {
                curve: self.name(),
                expected: 2 * self.size(),
                actual,
            },
            PointError::NotOnCurve => GostError::PublicKeyNotOnCurve { curve: self.name() },
            PointError::NotInSubgroup => GostError::PublicKeyNotInSubgroup { curve: self.name() },
        }
    }

    fn digest_error(self, digest: &[u8]) -> GostError {
        GostError::DigestLength {
            curve: self.name(),
            expected: self.size(),
            actual: digest.len(),
        }
    }

    /// Signs with `k` if given (`None` if it gives r = 0 or s = 0), else with fresh random k.
    fn sign(self, d: &[u8], digest: &[u8], k: Option<&[u8]>) -> Result<Vec<u8>, GostError> {
        with_curve!(self, C, _H => {
            let e = ops::digest_scalar::<C>(digest).ok_or_else(|| self.digest_error(digest))?;
            let mut d = ops::nonzero_scalar::<C>(d)
                .ok_or(GostError::PrivateKeyRange { curve: self.name() })?;
            let result = match k {
                Some(k) => {
                    let mut k = ops::nonzero_scalar::<C>(k)
                        .ok_or(GostError::PrivateKeyRange { curve: self.name() })?;
                    let signature = ops::sign::<C>(&d, &e, &k);
                    k.zeroize();
                    signature.ok_or(GostError::SignatureRange { curve: self.name() })
                }
                None => loop {
                    let mut k = match ops::random_scalar::<C>() {
                        Ok(k) => k,
                        Err(error) => break Err(GostError::Randomness(error.to_string())),
                    };
                    let signature = ops::sign::<C>(&d, &e, &k);
                    k.zeroize();
                    if let Some(signature) = signature {
                        break Ok(signature);
                    }
                },
            };
            d.zeroize();
            result
        })
    }

    /// Verifies r‖s; `xy` is decoded again, and its subgroup check is skipped when `checked`.
    fn verify(
        self,
        xy: &[u8],
        checked: bool,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), GostError> {
        with_curve!(self, C, H => {
            let cofactor = if checked { 1 } else { H };
            let public = ops::point_from_le::<C>(xy, cofactor)
                .map_err(|e| self.point_error(e, xy.len()))?;
            let e = ops::digest_scalar::<C>(digest).ok_or_else(|| self.digest_error(digest))?;
            ops::verify::<C>(&public, &e, signature).map_err(|error| match error {
                VerifyError::Length => GostError::SignatureLength {
                    curve: self.name(),
                    expected: 2 * self.size(),
                    actual: signature.len(),
                },
                VerifyError::Range => GostError::SignatureRange { curve: self.name() },
                VerifyError::Mismatch => GostError::SignatureMismatch,
            })
        })
    }
}

/// A private signing key: the scalar d, kept little-endian, wiped on drop.
#[derive(Clone)]
pub struct SigningKey {
    curve: Curve,
    d: Zeroizing<Vec<u8>>,
    public: VerifyingKey,
}

impl SigningKey {
    /// The key whose scalar d is `le` read little-endian, as the NCA's PKCS#8 holds it:
    /// exactly `curve.size()` bytes, with 0 < d < q.
    pub fn from_le_bytes(curve: Curve, le: &[u8]) -> Result<SigningKey, GostError> {
        SigningKey::new(curve, Zeroizing::new(le.to_vec()))
    }

    /// A new random key, d uniform in [1, q) from the operating system's generator.
    pub fn generate(curve: Curve) -> Result<SigningKey, GostError> {
        let set = curve.param_set();
        let d = with_curve!(set, C, _H => {
            let mut d = ops::random_scalar::<C>()
                .map_err(|error| GostError::Randomness(error.to_string()))?;
            let mut be = elliptic_curve::ff::PrimeField::to_repr(&d);
            d.zeroize();
            let le: Vec<u8> = be.iter().rev().copied().collect();
            be.zeroize();
            le
        });
        SigningKey::new(curve, Zeroizing::new(d))
    }

    fn new(curve: Curve, d: Zeroizing<Vec<u8>>) -> Result<SigningKey, GostError> {
        let set = curve.param_set();
        set.check_private(&d)?;
        let xy = set.public_of(&d)?;
        Ok(SigningKey {
            curve,
            d,
            public: VerifyingKey { curve, xy },
        })
    }

    /// The curve of the key.
    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// The matching public key d·G.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.public.clone()
    }

    /// Signs a digest (`curve.size()` bytes, the hash output as it is) with a fresh random k,
    /// as GOST R 34.10-2012 section 6.1 prescribes. Returns r‖s, each little-endian,
    /// `2 * curve.size()` bytes: the Kazakh `signatureValue`.
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, GostError> {
        self.curve.param_set().sign(&self.d, digest, None)
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("curve", &self.curve)
            .finish_non_exhaustive()
    }
}

/// A public key: the point (x, y) of the curve, in its prime-order subgroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    curve: Curve,
    xy: Vec<u8>,
}

impl VerifyingKey {
    /// The key x‖y, each coordinate little-endian (`2 * curve.size()` bytes, the content of the
    /// OCTET STRING in a Kazakh SubjectPublicKeyInfo). Checks that the point is on the curve
    /// (and, on tc26-256-A, that it has order q).
    pub fn from_le_bytes(curve: Curve, xy: &[u8]) -> Result<VerifyingKey, GostError> {
        curve.param_set().check_public(xy)?;
        Ok(VerifyingKey {
            curve,
            xy: xy.to_vec(),
        })
    }

    /// The curve of the key.
    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// x‖y, each coordinate little-endian.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        self.xy.clone()
    }

    /// Checks the signature r‖s (each little-endian) of a digest (`curve.size()` bytes, the hash
    /// output as it is). `Ok(())` only for a valid signature.
    pub fn verify_digest(&self, digest: &[u8], signature: &[u8]) -> Result<(), GostError> {
        self.curve
            .param_set()
            .verify(&self.xy, true, digest, signature)
    }
}

/// Raw operations on every parameter set, test curves included, for the known-answer tests.
/// Not part of the API.
#[doc(hidden)]
pub mod hazmat {
    pub use super::ParamSet;
    use crate::GostError;

    /// x‖y little-endian of d·G, d little-endian.
    pub fn public_key(set: ParamSet, d: &[u8]) -> Result<Vec<u8>, GostError> {
        set.check_private(d)?;
        set.public_of(d)
    }

    /// r‖s little-endian with the given k (little-endian), as in the standard's examples.
    pub fn sign_with_k(
        set: ParamSet,
        d: &[u8],
        digest: &[u8],
        k: &[u8],
    ) -> Result<Vec<u8>, GostError> {
        set.check_private(d)?;
        set.sign(d, digest, Some(k))
    }

    /// Verifies r‖s little-endian against x‖y little-endian.
    pub fn verify(
        set: ParamSet,
        xy: &[u8],
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), GostError> {
        set.verify(xy, false, digest, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use elliptic_curve::group::Group;
    use elliptic_curve::point::AffineCoordinates;
    use primeorder::{AffinePoint, ProjectivePoint};

    /// The constants of every parameter set describe a curve through G, and G has order q.
    #[test]
    fn generators_are_on_their_curves_and_have_order_q() {
        for set in [
            ParamSet::Tc26_512A,
            ParamSet::Tc26_256A,
            ParamSet::CryptoProA,
            ParamSet::Test256,
            ParamSet::Test512,
        ] {
            with_curve!(set, C, _H => {
                let g = AffinePoint::<C>::GENERATOR;
                let decoded = AffinePoint::<C>::from_coordinates(&g.x(), &g.y());
                assert!(bool::from(decoded.is_some()), "{set:?}: G is on the curve");
                let g = ProjectivePoint::<C>::GENERATOR;
                let minus_one = -<C as elliptic_curve::CurveArithmetic>::Scalar::ONE;
                assert!(bool::from((g.mul(&minus_one) + g).is_identity()), "{set:?}: qG = O");
                assert!(!bool::from(g.is_identity()), "{set:?}: G is not O");
            });
        }
    }
}
