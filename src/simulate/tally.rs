//! Exact running sums of amounts, for the summary of a population.
//!
//! A sum is kept as a whole number of its smallest decimal place in 128 bits, so that counting
//! an award is an integer addition rather than a `Decimal` one (which aligns places and carries
//! over three words each time). Guarantee: the value and the decimal places of a sum are what
//! adding the amounts one by one with [`Amount`]'s `+` gives (a zero added to a sum leaves it
//! as it is; a sum that is zero takes what is added as it is; otherwise the more places win),
//! for any sum that fits `Decimal` (below about 7.9 × 10^28 of its smallest place). A sum past
//! that is known to be past it: [`Tally::amount`] then gives nothing, never a clamped value.

use rust_decimal::Decimal;

use crate::eval::Amount;

/// Powers of ten up to 10^38, the largest that fits an `i128`.
const POW10: [i128; 39] = {
    let mut p = [1i128; 39];
    let mut k = 1;
    while k < 39 {
        p[k] = p[k - 1] * 10;
        k += 1;
    }
    p
};

/// An exact running sum of decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sum {
    /// The sum in units of its last place.
    units: i128,
    /// Its decimal places.
    places: u32,
    /// Past the range of an `i128`: the sum can no longer be known.
    overflowed: bool,
}

impl Sum {
    /// Adds `units` × 10^-`places`.
    #[inline]
    fn add(&mut self, units: i128, places: u32) {
        if units == 0 {
            if self.units == 0 {
                self.places = places;
            }
            return;
        }
        if self.units == 0 {
            self.units = units;
            self.places = places;
            return;
        }
        let sum = if places == self.places {
            self.units.checked_add(units)
        } else if places < self.places {
            POW10
                .get((self.places - places) as usize)
                .and_then(|p| units.checked_mul(*p))
                .and_then(|u| self.units.checked_add(u))
        } else {
            let up = POW10
                .get((places - self.places) as usize)
                .and_then(|p| self.units.checked_mul(*p))
                .and_then(|u| u.checked_add(units));
            self.places = places;
            up
        };
        match sum {
            Some(s) => self.units = s,
            None => self.overflowed = true,
        }
    }

    /// The sum as a decimal, when it fits one.
    fn value(self) -> Option<Decimal> {
        if self.overflowed {
            return None;
        }
        Decimal::try_from_i128_with_scale(self.units, self.places).ok()
    }
}

/// An exact running sum of amounts: the sums of their least and their most, one sum while
/// every amount added is exact (as nearly all are).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    min: Sum,
    /// The sum of the most, once a range was added (until then, `min`).
    max: Option<Sum>,
}

impl Tally {
    /// Adds an amount.
    #[inline]
    pub fn add(&mut self, a: Amount) {
        match (a, &mut self.max) {
            (Amount::Exact(d), None) => self.min.add(d.mantissa(), d.scale()),
            (a, max) => {
                let mut most = max.unwrap_or(self.min);
                let (min, high) = (a.min(), a.max());
                self.min.add(min.mantissa(), min.scale());
                most.add(high.mantissa(), high.scale());
                *max = Some(most);
            }
        }
    }

    /// Adds another sum, as if its amounts had been added here.
    pub fn add_tally(&mut self, other: &Tally) {
        let mut most = match (self.max, other.max) {
            (None, None) => None,
            (mine, _) => Some(mine.unwrap_or(self.min)),
        };
        if let Some(most) = &mut most {
            let theirs = other.max.unwrap_or(other.min);
            most.add(theirs.units, theirs.places);
            most.overflowed |= theirs.overflowed;
        }
        self.min.add(other.min.units, other.min.places);
        self.min.overflowed |= other.min.overflowed;
        self.max = most;
    }

    /// The sum as an amount (exact when its least and most are equal), or `None` when it is
    /// too large for a decimal to hold exactly.
    pub fn amount(&self) -> Option<Amount> {
        let min = self.min.value()?;
        Some(match self.max {
            None => Amount::Exact(min),
            // Sums of ordered ranges are ordered: an inverted one is refused, never shown.
            Some(max) => Amount::between(min, max.value()?)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn amount() -> impl Strategy<Value = Amount> {
        let mantissa = prop_oneof![2 => Just(0i64), 3 => 0i64..100_000, 2 => any::<i64>()];
        // Up to six places: any twelve of these add up within Decimal's digits at the most
        // places among them, where `Decimal` is exact too.
        crate::eval::decision::amount_strategy(mantissa, 0..7)
    }

    /// Value and places, which `==` on decimals does not compare.
    fn text(a: Amount) -> String {
        format!("{}..{}", a.min(), a.max())
    }

    proptest! {
        #[test]
        fn a_tally_is_the_sum_of_its_amounts_one_by_one(
            amounts in prop::collection::vec(amount(), 0..12),
            cut in 0usize..12,
        ) {
            let mut tally = Tally::default();
            let mut sum = Some(Amount::ZERO);
            for a in &amounts {
                tally.add(*a);
                sum = sum.and_then(|s| s + *a);
            }
            prop_assert_eq!(tally.amount().map(text), sum.map(text));
            prop_assert_eq!(tally.amount(), sum);
            // Two parts added up give what the whole gives.
            let cut = cut.min(amounts.len());
            let (mut first, mut second) = (Tally::default(), Tally::default());
            amounts[..cut].iter().for_each(|a| first.add(*a));
            amounts[cut..].iter().for_each(|a| second.add(*a));
            first.add_tally(&second);
            prop_assert_eq!(first.amount(), sum);
        }
    }

    #[test]
    fn zeros_keep_a_sum_and_a_zero_sum_takes_what_comes() {
        let d = |s: &str| Amount::Exact(s.parse().unwrap());
        let mut t = Tally::default();
        t.add(d("0.000"));
        assert_eq!(text(t.amount().unwrap()), "0.000..0.000");
        t.add(d("5"));
        assert_eq!(text(t.amount().unwrap()), "5..5");
        t.add(d("0.00"));
        assert_eq!(text(t.amount().unwrap()), "5..5");
        t.add(d("1.25"));
        assert_eq!(text(t.amount().unwrap()), "6.25..6.25");
    }

    #[test]
    fn a_sum_past_decimal_is_known_to_be_past_it_never_clamped() {
        let mut t = Tally::default();
        t.add(Amount::Exact(Decimal::MAX));
        assert_eq!(t.amount(), Some(Amount::Exact(Decimal::MAX)));
        for _ in 0..3 {
            t.add(Amount::Exact(Decimal::MAX));
        }
        assert_eq!(t.amount(), None);
        // Past an i128 too.
        for _ in 0..40 {
            t.add(Amount::Exact(Decimal::MAX));
            let copy = t;
            t.add_tally(&copy);
        }
        assert_eq!(t.amount(), None);
    }
}
