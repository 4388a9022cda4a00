//! The bridge to `tekseru-gost`.

use tekseru_gost::{Curve, SigningKey, VerifyingKey};

use crate::algorithm::GostCurve;

fn curve(c: GostCurve) -> Curve {
    match c {
        GostCurve::Tc26_512A => Curve::Tc26_512A,
        GostCurve::Tc26_256A => Curve::Tc26_256A,
        GostCurve::CryptoProA => Curve::CryptoProA,
    }
}

/// Verifies r‖s (little-endian) over `digest` with the public key x‖y (little-endian).
pub(crate) fn verify(
    c: GostCurve,
    public_xy_le: &[u8],
    digest: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    VerifyingKey::from_le_bytes(curve(c), public_xy_le)
        .and_then(|k| k.verify_digest(digest, signature))
        .map_err(|e| e.to_string())
}

/// Signs `digest` with the little-endian scalar: r‖s little-endian.
pub(crate) fn sign(c: GostCurve, scalar_le: &[u8], digest: &[u8]) -> Result<Vec<u8>, String> {
    SigningKey::from_le_bytes(curve(c), scalar_le)
        .and_then(|k| k.sign_digest(digest))
        .map_err(|e| e.to_string())
}

/// The public key x‖y (little-endian) of a little-endian scalar.
pub(crate) fn public_key(c: GostCurve, scalar_le: &[u8]) -> Result<Vec<u8>, String> {
    SigningKey::from_le_bytes(curve(c), scalar_le)
        .map(|k| k.verifying_key().to_le_bytes())
        .map_err(|e| e.to_string())
}
