//! The elliptic curves, as data, and their arithmetic types.
//!
//! Each curve gets a zero-sized marker type implementing `primeorder::PrimeCurveParams`, with a
//! base-field element type and a scalar type built by `primefield`'s macros on `crypto-bigint`
//! Montgomery arithmetic (the same pattern as RustCrypto's `bp256`/`p192` crates, `bigint` backend).
//! Point arithmetic is `primeorder`'s: complete Renes–Costello–Batina formulas, constant-time
//! scalar multiplication, variable-time wNAF for verification.
//!
//! The constants are written big-endian (as the standards print them); the Kazakh little-endian
//! encodings are handled in `ops`.
//!
//! Cofactors: all curves have prime order except tc26-256-A (cofactor 4, a twisted Edwards curve
//! given in Weierstrass form). `primeorder`'s formulas are exceptional only for two points whose
//! difference has order 2; that never happens between points of the odd-order subgroup, and every
//! point this crate computes with is in it (public keys are checked, see `ops::point_from_le`).

/// Defines one curve: a module holding the marker type, its field element and scalar types.
macro_rules! gost_curve {
    (
        $(#[$meta:meta])*
        $module:ident :: $curve:ident {
            uint: $uint:ident,
            bytes: $bytes:ident,
            p: $p:literal,
            q: $q:literal,
            a: $a:literal,
            b: $b:literal,
            x: $x:literal,
            y: $y:literal,
            // A quadratic non-residue mod p and mod q: `crypto-bigint` derives the square-root
            // constants from it (and checks it at compile time); this crate takes no square roots.
            field_generator: $fg:literal,
            scalar_generator: $sg:literal,
            cofactor: $h:literal,
            point_arithmetic: $pa:ident,
        }
    ) => {
        $(#[$meta])*
        // `deprecated`: primefield 0.14.0's macro calls `Uint::bits`, deprecated in crypto-bigint 0.7.11.
        #[allow(unreachable_pub, missing_docs, deprecated, dead_code, clippy::unwrap_used)]
        pub(crate) mod $module {
            use elliptic_curve::bigint::{Odd, $uint};
            use elliptic_curve::consts::$bytes;
            use elliptic_curve::{CurveArithmetic, PrimeCurveArithmetic, hazmat::FieldArithmetic};
            use primeorder::{PrimeCurveParams, mul_backend, point_arithmetic};

            /// Marker type of the curve.
            #[derive(Copy, Clone, Debug, Default, Eq, PartialEq, PartialOrd, Ord)]
            pub struct $curve;

            /// The group order q (of the prime-order subgroup), big-endian hex.
            pub const ORDER_HEX: &str = $q;

            /// Number of points of the curve divided by q.
            pub const COFACTOR: u32 = $h;

            pub mod field {
                use elliptic_curve::bigint::$uint;
                #[allow(unused_imports)]
                use elliptic_curve::ff::PrimeField;
                #[allow(unused_imports)]
                use elliptic_curve::subtle::{Choice, ConstantTimeEq, CtOption};

                primefield::monty_field_params! {
                    name: FieldParams,
                    modulus: $p,
                    uint: $uint,
                    byte_order: primefield::ByteOrder::BigEndian,
                    multiplicative_generator: $fg,
                    doc: "Montgomery parameters of the base field"
                }

                primefield::monty_field_element! {
                    name: FieldElement,
                    params: FieldParams,
                    uint: $uint,
                    doc: "Element of the base field"
                }

                primefield::monty_field_arithmetic! {
                    name: FieldElement,
                    params: FieldParams,
                    uint: $uint
                }

                impl elliptic_curve::ops::BatchInvert for FieldElement {}
            }

            pub mod scalar {
                use super::$curve;
                use elliptic_curve::bigint::$uint;
                #[allow(unused_imports)]
                use elliptic_curve::ff::PrimeField;
                use elliptic_curve::scalar::{FromUintUnchecked, IsHigh};
                #[allow(unused_imports)]
                use elliptic_curve::subtle::{Choice, ConstantTimeEq, ConstantTimeGreater, CtOption};

                primefield::monty_field_params! {
                    name: ScalarParams,
                    modulus: $q,
                    uint: $uint,
                    byte_order: primefield::ByteOrder::BigEndian,
                    multiplicative_generator: $sg,
                    doc: "Montgomery parameters of the scalar field (modulo q)"
                }

                primefield::monty_field_element! {
                    name: Scalar,
                    params: ScalarParams,
                    uint: $uint,
                    doc: "Element of the scalar field (modulo q)"
                }

                primefield::monty_field_arithmetic! {
                    name: Scalar,
                    params: ScalarParams,
                    uint: $uint
                }

                primefield::monty_field_reduce! {
                    name: Scalar,
                    params: ScalarParams,
                    uint: $uint,
                }

                elliptic_curve::scalar_impls!($curve, Scalar);

                primeorder::wnaf::impl_wnaf_size_for_scalar!(Scalar);

                impl AsRef<Scalar> for Scalar {
                    fn as_ref(&self) -> &Scalar {
                        self
                    }
                }

                impl FromUintUnchecked for Scalar {
                    type Uint = $uint;

                    fn from_uint_unchecked(uint: Self::Uint) -> Self {
                        Self::from_uint_unchecked(uint)
                    }
                }

                impl IsHigh for Scalar {
                    fn is_high(&self) -> Choice {
                        const HALF: $uint = <$uint>::from_be_hex($q).shr_vartime(1);
                        self.to_canonical().ct_gt(&HALF)
                    }
                }
            }

            pub use self::{field::FieldElement, scalar::Scalar};

            impl elliptic_curve::Curve for $curve {
                type FieldBytesSize = $bytes;
                type Uint = $uint;
                const ORDER: Odd<$uint> = Odd::<$uint>::from_be_hex($q);
            }

            // The arithmetic is used on the prime-order subgroup only (see the module docs).
            impl elliptic_curve::PrimeCurve for $curve {}

            impl elliptic_curve::point::PointCompression for $curve {
                const COMPRESS_POINTS: bool = false;
            }

            pub type AffinePoint = primeorder::AffinePoint<$curve>;
            pub type ProjectivePoint = primeorder::ProjectivePoint<$curve>;

            impl CurveArithmetic for $curve {
                type AffinePoint = AffinePoint;
                type ProjectivePoint = ProjectivePoint;
                type Scalar = Scalar;
            }

            impl FieldArithmetic for $curve {
                type FieldElement = FieldElement;
            }

            impl PrimeCurveArithmetic for $curve {
                type CurveGroup = ProjectivePoint;
            }

            impl PrimeCurveParams for $curve {
                type PointArithmetic = point_arithmetic::$pa;
                type Backend = mul_backend::VariableOnly;

                const EQUATION_A: FieldElement = FieldElement::from_hex_vartime($a);
                const EQUATION_B: FieldElement = FieldElement::from_hex_vartime($b);
                const GENERATOR: (FieldElement, FieldElement) = (
                    FieldElement::from_hex_vartime($x),
                    FieldElement::from_hex_vartime($y),
                );
            }
        }
    };
}

gost_curve! {
    /// id-tc26-gost-3410-12-512-paramSetA (1.2.643.7.1.2.1.2.1) of TC 26, as published in
    /// R 1323565.1.024-2019 (values checked against PyPI gostcrypto's table of it); the curve of the Kazakh GOST 34.310-2015 keys
    /// (1.2.398.3.10.1.1.2.2.1). p = 2^512 - 569, a = -3, prime order.
    tc26_512a::Tc26_512A {
        uint: U512,
        bytes: U64,
        p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffdc7",
        q: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff27e69532f48d89116ff22b8d4e0560609b4b38abfad2b85dcacdb1411f10b275",
        a: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffdc4",
        b: "e8c2505dedfc86ddc1bd0b2b6667f1da34b82574761cb0e879bd081cfd0b6265ee3cb090f30d27614cb4574010da90dd862ef9d4ebee4761503190785a71c760",
        x: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003",
        y: "7503cfe87a836ae3a61b8816e25450e6ce5e1c93acf1abc1778064fdcbefa921df1626be4fd036e93d75e6a50e3a41e98028fe5fc235f5b889a589cb5215f2a4",
        field_generator: 5,
        scalar_generator: 2,
        cofactor: 1,
        point_arithmetic: EquationAIsMinusThree,
    }
}

gost_curve! {
    /// id-tc26-gost-3410-2012-256-paramSetA (1.2.643.7.1.2.1.1.1): RFC 7836 Appendix A.1 and
    /// R 1323565.1.024-2019, in its Weierstrass form (the standard also gives the twisted Edwards
    /// form). p = 2^256 - 617, cofactor 4.
    tc26_256a::Tc26_256A {
        uint: U256,
        bytes: U32,
        p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd97",
        q: "400000000000000000000000000000000fd8cddfc87b6635c115af556c360c67",
        a: "c2173f1513981673af4892c23035a27ce25e2013bf95aa33b22c656f277e7335",
        b: "295f9bae7428ed9ccc20e7c359a9d41a22fccd9108e17bf7ba9337a6f8ae9513",
        x: "91e38443a5e82c0d880923425712b2bb658b9196932e02c78b2582fe742daa28",
        y: "32879423ab1a0375895786c4bb46e9565fde0b5344766740af268adb32322e5c",
        field_generator: 7,
        scalar_generator: 5,
        cofactor: 4,
        point_arithmetic: EquationAIsGeneric,
    }
}

gost_curve! {
    /// id-GostR3410-2001-CryptoPro-A-ParamSet (1.2.643.2.2.35.1): RFC 4357 section 11.4; the
    /// curve of the Kazakh GOST 34.310-2004 keys (1.2.398.3.10.1.1.1.1.1). p = 2^256 - 617,
    /// a = -3, b = 166, prime order.
    cryptopro_a::CryptoProA {
        uint: U256,
        bytes: U32,
        p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd97",
        q: "ffffffffffffffffffffffffffffffff6c611070995ad10045841b09b761b893",
        a: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd94",
        b: "00000000000000000000000000000000000000000000000000000000000000a6",
        x: "0000000000000000000000000000000000000000000000000000000000000001",
        y: "8d91e471e0989cda27df505a453f2b7635294f2ddf23e3b122acc99c9e9f1e14",
        field_generator: 7,
        scalar_generator: 2,
        cofactor: 1,
        point_arithmetic: EquationAIsMinusThree,
    }
}

gost_curve! {
    /// The 256-bit test curve of GOST R 34.10-2012 Appendix A.1 (also RFC 7091 section 7.1),
    /// used only by the known-answer tests.
    test256::Test256 {
        uint: U256,
        bytes: U32,
        p: "8000000000000000000000000000000000000000000000000000000000000431",
        q: "8000000000000000000000000000000150fe8a1892976154c59cfc193accf5b3",
        a: "0000000000000000000000000000000000000000000000000000000000000007",
        b: "5fbff498aa938ce739b8e022fbafef40563f6e6a3472fc2a514c0ce9dae23b7e",
        x: "0000000000000000000000000000000000000000000000000000000000000002",
        y: "08e2a8a0e65147d4bd6316030e16d19c85c97f0a9ca267122b96abbcea7e8fc8",
        field_generator: 7,
        scalar_generator: 2,
        cofactor: 1,
        point_arithmetic: EquationAIsGeneric,
    }
}

gost_curve! {
    /// The 512-bit test curve of GOST R 34.10-2012 Appendix A.2, used only by the known-answer
    /// tests.
    test512::Test512 {
        uint: U512,
        bytes: U64,
        p: "4531acd1fe0023c7550d267b6b2fee80922b14b2ffb90f04d4eb7c09b5d2d15df1d852741af4704a0458047e80e4546d35b8336fac224dd81664bbf528be6373",
        q: "4531acd1fe0023c7550d267b6b2fee80922b14b2ffb90f04d4eb7c09b5d2d15da82f2d7ecb1dbac719905c5eecc423f1d86e25edbe23c595d644aaf187e6e6df",
        a: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007",
        b: "1cff0806a31116da29d8cfa54e57eb748bc5f377e49400fdd788b649eca1ac4361834013b2ad7322480a89ca58e0cf74bc9e540c2add6897fad0a3084f302adc",
        x: "24d19cc64572ee30f396bf6ebbfd7a6c5213b3b3d7057cc825f91093a68cd762fd60611262cd838dc6b60aa7eee804e28bc849977fac33b4b530f1b120248a9a",
        y: "2bb312a43bd2ce6e0d020613c857acddcfbf061e91e5f2c3f32447c259f39b2c83ab156d77f1496bf7eb3351e1ee4e43dc1a18b91b24640b6dbb92cb1add371e",
        field_generator: 2,
        scalar_generator: 5,
        cofactor: 1,
        point_arithmetic: EquationAIsGeneric,
    }
}
