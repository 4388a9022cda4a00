//! The bridge to the GOST crate (`tekseru-gost`): until it is merged, GOST signatures are
//! "not verifiable here".

use crate::algorithm::GostCurve;

/// Verifies r‖s (little-endian) over `digest` with the public key x‖y (little-endian).
pub(crate) fn verify(
    curve: GostCurve,
    public_xy_le: &[u8],
    digest: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let _ = (curve, public_xy_le, digest, signature);
    Err("GOST signatures are not verifiable in this build".to_owned())
}

/// Signs `digest` with the little-endian scalar: r‖s little-endian.
pub(crate) fn sign(curve: GostCurve, scalar_le: &[u8], digest: &[u8]) -> Result<Vec<u8>, String> {
    let _ = (curve, scalar_le, digest);
    Err("GOST signing is not available in this build".to_owned())
}

/// The public key x‖y (little-endian) of a little-endian scalar.
pub(crate) fn public_key(curve: GostCurve, scalar_le: &[u8]) -> Result<Vec<u8>, String> {
    let _ = (curve, scalar_le);
    Err("GOST keys are not available in this build".to_owned())
}
