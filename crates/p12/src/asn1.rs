//! BER decoding on top of `bcder` (NLnet Labs), which reads what the NCA writes: indefinite
//! lengths and constructed (split) OCTET STRINGs, with byte positions in its errors. BER is
//! its primary mode; RustCrypto's `der` 0.8 also has a BER mode, not tried here.
//!
//! The grammar of PKCS#12 is walked by hand with closures, so the nesting depth is fixed by
//! this code, not by the input; unknown values are skipped by `bcder` with a heap stack, not
//! recursion (and the input is at most [`MAX_INPUT`](crate::MAX_INPUT) bytes).
//!
//! Every buffer is a [`Bytes`]; decrypted plaintext is wrapped by [`secret`] so that the
//! values `bcder` hands out are slices of one zeroizing allocation, not copies.

use std::convert::Infallible;

use bcder::decode::{BytesSource, Constructed, DecodeError, Source};
use bcder::{Mode, OctetString, Oid, Tag};
use bytes::Bytes;
use zeroize::Zeroizing;

use crate::P12Error;

/// A decoding error from an in-memory source.
pub(crate) type DecErr = DecodeError<Infallible>;
/// The constructed content being decoded.
pub(crate) type Cons<'a> = Constructed<'a, BytesSource>;

/// Wraps decrypted plaintext so that it is zeroized when the last slice of it is dropped.
pub(crate) fn secret(plain: Zeroizing<Vec<u8>>) -> Bytes {
    Bytes::from_owner(plain)
}

/// Decodes `data` as one BER value (nothing may follow it), reporting failures as
/// [`P12Error::Malformed`] about `structure`.
pub(crate) fn decode<T>(
    data: Bytes,
    structure: &'static str,
    op: impl FnOnce(&mut Cons<'_>) -> Result<T, DecErr>,
) -> Result<T, P12Error> {
    Mode::Ber
        .decode(data, op)
        .map_err(|e| P12Error::malformed(structure, e.to_string()))
}

/// Skips what is left of a constructed value's content.
///
/// Used instead of `bcder`'s `skip_all` and `capture_all`, which (as of 0.7.7) fail with
/// "missing further values" on the content of an *indefinite*-length value when nothing but its
/// end-of-contents marker is left: they ask for one more value before looking for the marker.
/// `skip_opt` looks for the marker first.
pub(crate) fn skip_rest<S: Source>(
    cons: &mut Constructed<'_, S>,
) -> Result<(), DecodeError<S::Error>> {
    while cons.skip_opt(|_, _, _| Ok(()))?.is_some() {}
    Ok(())
}

/// An OBJECT IDENTIFIER, dotted.
pub(crate) fn take_oid(cons: &mut Cons<'_>) -> Result<String, DecErr> {
    Ok(Oid::take_from(cons)?.to_string())
}

/// The octets of an OCTET STRING, primitive or constructed.
pub(crate) fn take_octets(cons: &mut Cons<'_>) -> Result<Bytes, DecErr> {
    Ok(OctetString::take_from(cons)?.into_bytes())
}

/// `AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }`.
#[derive(Debug, Clone)]
pub(crate) struct AlgorithmId {
    /// The dotted OID.
    pub(crate) oid: String,
    /// The encoded parameters (possibly empty).
    pub(crate) params: Bytes,
}

pub(crate) fn take_algorithm(cons: &mut Cons<'_>) -> Result<AlgorithmId, DecErr> {
    cons.take_sequence(|cons| {
        let oid = take_oid(cons)?;
        #[allow(clippy::redundant_closure)] // the closure is needed for its higher-ranked lifetime
        let params = cons.capture(|cons| skip_rest(cons))?.into_bytes();
        Ok(AlgorithmId { oid, params })
    })
}

/// `[n] EXPLICIT` wrapper.
pub(crate) fn take_explicit<T>(
    cons: &mut Cons<'_>,
    n: u32,
    op: impl FnOnce(&mut Cons<'_>) -> Result<T, DecErr>,
) -> Result<T, DecErr> {
    cons.take_constructed_if(Tag::ctx(n), op)
}

/// A positive iteration count, at most [`MAX_ITERATIONS`](crate::MAX_ITERATIONS).
pub(crate) fn take_iterations(cons: &mut Cons<'_>) -> Result<u32, DecErr> {
    let n = cons.take_u32()?;
    check_iterations(cons, n)
}

pub(crate) fn check_iterations(cons: &mut Cons<'_>, n: u32) -> Result<u32, DecErr> {
    if n == 0 {
        return Err(cons.content_err("iteration count is zero"));
    }
    if n > crate::MAX_ITERATIONS {
        return Err(cons.content_err(format!(
            "iteration count {n} exceeds the limit of {}",
            crate::MAX_ITERATIONS
        )));
    }
    Ok(n)
}
