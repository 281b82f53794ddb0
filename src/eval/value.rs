//! Runtime values and the ways an evaluation can stop short of a value.
//!
//! Input: produced by the expression evaluator. Output: a value, or why there is none: an
//! input or parameter that is not known (the clause is undetermined) or an arithmetic failure
//! (the clause cannot be evaluated). Guarantee: small, `Copy`, no allocation; numbers compare
//! exactly as `Decimal` orders them.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::ast::Span;

pub use crate::compile::Value;

/// What is missing for a value to be known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// A subject input (by slot).
    Subject(u32),
    /// A claim input (by slot).
    Claim(u32),
    /// A parameter with no value at the event date (by slot).
    Param(u32),
    /// One year of a yearly series (subject slot, year).
    Year(u32, i32),
}

/// Why arithmetic failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Division by zero.
    DivisionByZero,
    /// A result too large to hold exactly.
    Overflow,
    /// A bracket has no row for the value.
    NoBracketRow,
    /// A year read from a series is not a whole number from 1 to 9999.
    NotAYear,
    /// A range of years holds no year (its start is after its end).
    EmptyYears,
    /// A cap's or limit's amount works out below zero.
    NegativeBound,
    /// One of pol's own rules did not hold (what the checker guarantees, such as a value's
    /// type): a bug in pol, reported as an internal error (F0901), never as a result.
    Internal(&'static str),
}

/// Why an evaluation produced no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Something is not known yet.
    Needs(Need),
    /// Arithmetic failed at this span.
    Fault(Fault, Span),
}

/// A value or why there is none.
pub type Outcome<T> = Result<T, Stop>;

/// Powers of ten up to 10^38, the largest below 2^128.
const POW10: [u128; 39] = {
    let mut p = [1u128; 39];
    let mut k = 1;
    while k < 39 {
        p[k] = p[k - 1] * 10;
        k += 1;
    }
    p
};

/// `a` against `b` as [`Decimal`]'s own ordering has it, in integer arithmetic: a condition
/// compares an input with a constant for most subjects of a population, and the general
/// comparison is slower.
#[inline(always)]
pub(super) fn compare_numbers(a: Decimal, b: Decimal) -> Ordering {
    let (x, y) = (a.unpack(), b.unpack());
    // The magnitudes: 96 bits each.
    let m = (u128::from(x.hi) << 64) | (u128::from(x.mid) << 32) | u128::from(x.lo);
    let n = (u128::from(y.hi) << 64) | (u128::from(y.mid) << 32) | u128::from(y.lo);
    // A zero is neither above nor below zero, whatever its sign.
    let (below, other_below) = (x.negative && m != 0, y.negative && n != 0);
    if below != other_below {
        return if below {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    // `m / 10^e` against `n / 10^f` with `e < f` is `m × 10^(f-e)` against `n`: one machine
    // multiplication when both fit a word (nearly always); a product past 128 bits is larger
    // than any magnitude.
    let up = |m: u128, k: u32| match (POW10.get(k as usize), u64::try_from(m)) {
        (Some(&p), Ok(small)) if k <= 19 => Some(u128::from(small) * u128::from(p as u64)),
        (Some(&p), _) => p.checked_mul(m),
        (None, _) => None,
    };
    let magnitude = match x.scale.cmp(&y.scale) {
        Ordering::Equal => m.cmp(&n),
        Ordering::Less => up(m, y.scale - x.scale).map_or(Ordering::Greater, |m| m.cmp(&n)),
        Ordering::Greater => up(n, x.scale - y.scale).map_or(Ordering::Less, |n| m.cmp(&n)),
    };
    // Below zero, the larger magnitude is the smaller number.
    if below {
        magnitude.reverse()
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decimal() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            (any::<i64>(), 0u32..29).prop_map(|(m, s)| Decimal::new(m, s)),
            (any::<i32>(), 0u32..6).prop_map(|(m, s)| Decimal::new(m.into(), s)),
            (
                any::<u32>(),
                any::<u32>(),
                any::<u32>(),
                any::<bool>(),
                0u32..29
            )
                .prop_map(|(lo, mid, hi, neg, s)| Decimal::from_parts(lo, mid, hi, neg, s)),
            Just(Decimal::ZERO),
            Just(Decimal::new(0, 7)),
            Just(-Decimal::new(0, 3)),
        ]
    }

    proptest! {
        #[test]
        fn numbers_compare_as_decimal_compares_them(a in decimal(), b in decimal()) {
            prop_assert_eq!(compare_numbers(a, b), a.cmp(&b));
            prop_assert_eq!(compare_numbers(b, a), b.cmp(&a));
            prop_assert_eq!(compare_numbers(a, a), Ordering::Equal);
        }

        #[test]
        fn a_number_against_itself_at_another_scale_is_equal(m in any::<i64>(), s in 0u32..10, k in 1u32..19) {
            let a = Decimal::new(m, s);
            let mut b = a;
            b.rescale(s + k);
            prop_assert_eq!(compare_numbers(a, b), Ordering::Equal);
        }
    }
}
