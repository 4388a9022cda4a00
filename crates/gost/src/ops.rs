//! GOST R 34.10-2012 signing and verification, generic over the curve, on the Kazakh byte order.
//!
//! Every integer crosses this module's boundary little-endian: the private scalar, x‖y, r‖s and
//! the digest (read as a little-endian integer, as GOST R 34.10-2012 section 6.1 step 2 reads the
//! hash vector). Inside, `primefield` types are big-endian; the two helpers below reverse.

use elliptic_curve::ff::{Field, PrimeField};
use elliptic_curve::group::Group;
use elliptic_curve::ops::{Invert, LinearCombination, Reduce};
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::subtle::ConditionallySelectable;
use elliptic_curve::{CurveArithmetic, FieldBytes};
use primeorder::{AffinePoint, PrimeCurveParams, ProjectivePoint};
use zeroize::Zeroize;

type Scalar<C> = <C as CurveArithmetic>::Scalar;

/// Little-endian bytes into the curve's big-endian representation; `None` on a length mismatch.
fn be_repr<C: PrimeCurveParams>(le: &[u8]) -> Option<FieldBytes<C>> {
    let mut repr = FieldBytes::<C>::default();
    if le.len() != repr.len() {
        return None;
    }
    for (dst, src) in repr.iter_mut().zip(le.iter().rev()) {
        *dst = *src;
    }
    Some(repr)
}

/// A big-endian representation as little-endian bytes, appended to `out`.
fn push_le(out: &mut Vec<u8>, be: &[u8]) {
    out.extend(be.iter().rev());
}

/// Size in bytes of one coordinate or scalar.
pub(crate) fn size<C: PrimeCurveParams>() -> usize {
    FieldBytes::<C>::default().len()
}

/// A scalar in `[1, q)` from little-endian bytes of exactly `size` bytes.
pub(crate) fn nonzero_scalar<C: PrimeCurveParams>(le: &[u8]) -> Option<Scalar<C>> {
    let mut repr = be_repr::<C>(le)?;
    let scalar = Option::<Scalar<C>>::from(Scalar::<C>::from_repr(repr));
    repr.zeroize();
    scalar.filter(|s| !bool::from(s.is_zero()))
}

/// x‖y little-endian of the public key d·G.
pub(crate) fn public_key<C: PrimeCurveParams>(d: &Scalar<C>) -> Vec<u8> {
    point_to_le::<C>(&ProjectivePoint::<C>::GENERATOR.mul(d).to_affine())
}

fn point_to_le<C: PrimeCurveParams>(point: &AffinePoint<C>) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 * size::<C>());
    push_le(&mut out, &point.x());
    push_le(&mut out, &point.y());
    out
}

/// Why x‖y is not a usable public key.
pub(crate) enum PointError {
    Length,
    NotOnCurve,
    NotInSubgroup,
}

/// The point x‖y (each little-endian): both coordinates below p, on the curve, and, when the
/// curve has a cofactor, of order q.
pub(crate) fn point_from_le<C: PrimeCurveParams>(
    xy: &[u8],
    cofactor: u32,
) -> Result<AffinePoint<C>, PointError> {
    let half = size::<C>();
    if xy.len() != 2 * half {
        return Err(PointError::Length);
    }
    let (x, y) = xy.split_at(half);
    let (x, y) = be_repr::<C>(x)
        .zip(be_repr::<C>(y))
        .ok_or(PointError::Length)?;
    let point = Option::<AffinePoint<C>>::from(AffinePoint::<C>::from_coordinates(&x, &y))
        .ok_or(PointError::NotOnCurve)?;
    if cofactor != 1 && !in_subgroup::<C>(&point) {
        return Err(PointError::NotInSubgroup);
    }
    Ok(point)
}

/// Whether q·P = O, for a point of a curve with cofactor 4.
///
/// The complete formulas are exceptional only when adding two points whose difference has order 2
/// (Renes–Costello–Batina 2015, section 3), so the small-order points go first: a point of order 2
/// has y = 0, and one of order 4 doubles (exactly: doubling has no exceptions) to one. Any other
/// point has order q, 2q or 4q, and q·P is computed as (q-1)·P + P: there every addition adds
/// multiples a·P and b·P with 0 < |a - b| < q, whose difference never has order 2, so the
/// result is exact.
fn in_subgroup<C: PrimeCurveParams>(point: &AffinePoint<C>) -> bool {
    let has_order_2 = |p: &AffinePoint<C>| p.y().iter().all(|b| *b == 0);
    let p = ProjectivePoint::<C>::from(*point);
    let twice = p.double().to_affine();
    if has_order_2(point) || bool::from(twice.is_identity()) || has_order_2(&twice) {
        return false;
    }
    let minus_one = -Scalar::<C>::ONE;
    (p.mul(&minus_one) + p).is_identity().into()
}

/// e = (digest read little-endian) mod q, and 1 if that is 0 (GOST R 34.10-2012 6.1 step 2).
/// `None` if the digest is not `size` bytes long.
pub(crate) fn digest_scalar<C: PrimeCurveParams>(digest: &[u8]) -> Option<Scalar<C>> {
    let repr = be_repr::<C>(digest)?;
    let e = <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&repr);
    Some(Scalar::<C>::conditional_select(
        &e,
        &Scalar::<C>::ONE,
        e.is_zero(),
    ))
}

/// r = x(k·G) mod q, s = (r·d + k·e) mod q, as r‖s little-endian; `None` if r or s is 0 (the
/// caller picks another k). k·G is the constant-time multiplication of `primeorder`.
pub(crate) fn sign<C: PrimeCurveParams>(
    d: &Scalar<C>,
    e: &Scalar<C>,
    k: &Scalar<C>,
) -> Option<Vec<u8>> {
    let c = ProjectivePoint::<C>::GENERATOR.mul(k).to_affine();
    let r = <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&c.x());
    let s = r * d + *k * e;
    if bool::from(r.is_zero() | s.is_zero()) {
        return None;
    }
    let mut out = Vec::with_capacity(2 * size::<C>());
    push_le(&mut out, &r.to_repr());
    push_le(&mut out, &s.to_repr());
    Some(out)
}

/// Why r‖s does not verify.
pub(crate) enum VerifyError {
    Length,
    Range,
    Mismatch,
}

/// GOST R 34.10-2012 section 6.2 on r‖s little-endian, in variable time (all inputs public).
pub(crate) fn verify<C: PrimeCurveParams>(
    public: &AffinePoint<C>,
    e: &Scalar<C>,
    signature: &[u8],
) -> Result<(), VerifyError> {
    let half = size::<C>();
    if signature.len() != 2 * half {
        return Err(VerifyError::Length);
    }
    let (r, s) = signature.split_at(half);
    let r = nonzero_scalar::<C>(r).ok_or(VerifyError::Range)?;
    let s = nonzero_scalar::<C>(s).ok_or(VerifyError::Range)?;
    // e is never 0 (digest_scalar maps 0 to 1), so the inverse exists.
    let v = Option::<Scalar<C>>::from(e.invert_vartime()).ok_or(VerifyError::Mismatch)?;
    let z1 = s * v;
    let z2 = -(r * v);
    let c = ProjectivePoint::<C>::lincomb_vartime(&[
        (ProjectivePoint::<C>::GENERATOR, z1),
        (ProjectivePoint::<C>::from(*public), z2),
    ])
    .to_affine();
    if bool::from(c.is_identity()) {
        return Err(VerifyError::Mismatch);
    }
    let big_r = <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&c.x());
    if big_r == r {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// A uniformly random scalar in `[1, q)` from the operating system: `size` random bytes with the
/// bits above q's bit length cleared, drawn again until below q and nonzero.
pub(crate) fn random_scalar<C: PrimeCurveParams>() -> Result<Scalar<C>, getrandom::Error> {
    let excess = 8 * size::<C>() - Scalar::<C>::NUM_BITS as usize;
    let mask = 0xffu8 >> excess.min(7);
    let mut repr = FieldBytes::<C>::default();
    loop {
        getrandom::fill(&mut repr)?;
        if let Some(first) = repr.first_mut() {
            *first &= mask;
        }
        let candidate = Option::<Scalar<C>>::from(Scalar::<C>::from_repr(repr));
        if let Some(k) = candidate.filter(|k| !bool::from(k.is_zero())) {
            repr.zeroize();
            return Ok(k);
        }
    }
}
