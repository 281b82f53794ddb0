//! Units of measure as exponents of base units (元, 亩, 人, ...).
//!
//! Input: units named in literals (`20万元`, `1000元/亩`) and declarations (`quantity 亩`).
//! Output: a canonical [`Unit`] that multiplies and divides by adding and subtracting
//! exponents. Guarantee: two units are equal exactly when they measure the same thing, so
//! `元/亩 * 亩` is `元` and `元 / 元` is a plain ratio.

use std::fmt;

/// The base unit of money.
pub const YUAN: &str = "元";

/// A unit: base-unit names with non-zero exponents, sorted by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unit {
    dims: Vec<(String, i8)>,
}

impl Unit {
    /// No unit: plain numbers, counts, percentages and ratios.
    pub fn none() -> Unit {
        Unit { dims: Vec::new() }
    }

    /// One base unit to the first power.
    pub fn base(name: &str) -> Unit {
        Unit {
            dims: vec![(name.to_string(), 1)],
        }
    }

    /// Money, in yuan.
    pub fn money() -> Unit {
        Unit::base(YUAN)
    }

    /// True for plain numbers.
    pub fn is_none(&self) -> bool {
        self.dims.is_empty()
    }

    /// True for money.
    pub fn is_money(&self) -> bool {
        self.dims.len() == 1 && self.dims[0].0 == YUAN && self.dims[0].1 == 1
    }

    fn combine(&self, other: &Unit, sign: i8) -> Unit {
        let mut dims = self.dims.clone();
        for (name, exp) in &other.dims {
            match dims.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
                Ok(i) => {
                    dims[i].1 = dims[i].1.saturating_add(sign.saturating_mul(*exp));
                    if dims[i].1 == 0 {
                        dims.remove(i);
                    }
                }
                Err(i) => dims.insert(i, (name.clone(), sign.saturating_mul(*exp))),
            }
        }
        Unit { dims }
    }

    /// The unit of a product.
    pub fn mul(&self, other: &Unit) -> Unit {
        self.combine(other, 1)
    }

    /// The unit of a quotient.
    pub fn div(&self, other: &Unit) -> Unit {
        self.combine(other, -1)
    }
}

impl fmt::Display for Unit {
    /// `元`, `亩`, `元/亩`; a plain number prints as `number`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dims.is_empty() {
            return f.write_str("number");
        }
        let part = |f: &mut fmt::Formatter<'_>, name: &str, exp: i8| -> fmt::Result {
            if exp == 1 {
                f.write_str(name)
            } else {
                write!(f, "{name}^{exp}")
            }
        };
        let num: Vec<_> = self.dims.iter().filter(|(_, e)| *e > 0).collect();
        let den: Vec<_> = self.dims.iter().filter(|(_, e)| *e < 0).collect();
        if num.is_empty() {
            f.write_str("1")?;
        }
        for (i, (n, e)) in num.iter().enumerate() {
            if i > 0 {
                f.write_str("·")?;
            }
            part(f, n, *e)?;
        }
        for (n, e) in den {
            f.write_str("/")?;
            part(f, n, -e)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_per_mu_times_mu_is_money() {
        let per_mu = Unit::money().div(&Unit::base("亩"));
        assert_eq!(per_mu.to_string(), "元/亩");
        assert_eq!(per_mu.mul(&Unit::base("亩")), Unit::money());
    }

    #[test]
    fn money_over_money_is_plain() {
        assert!(Unit::money().div(&Unit::money()).is_none());
        assert_eq!(Unit::none().to_string(), "number");
        assert_eq!(Unit::none().div(&Unit::base("亩")).to_string(), "1/亩");
    }
}
