//! The types values have, and the types inputs and parameters are declared with.
//!
//! Input: declarations as written. Output: [`Ty`], the type the checker infers for an
//! expression, and [`Decl`], a declared type that also says how facts must be written.
//! Guarantee: money, percentages, counts and quantities all live in [`Ty::Num`] with a unit,
//! so unit algebra alone decides what may be added or compared.

use std::fmt;

use rust_decimal::Decimal;

use crate::units::Unit;

/// Index of an enum in the checked model.
pub type EnumId = usize;

/// The type of a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// Yes or no.
    Bool,
    /// A calendar date.
    Date,
    /// Free text.
    Text,
    /// One variant of an enum.
    Enum(EnumId),
    /// A number with a unit (money is 元; percentages and counts have no unit).
    Num(Unit),
    /// A value whose error was already reported; accepted everywhere to avoid cascades.
    Error,
}

impl Ty {
    /// Money.
    pub fn money() -> Ty {
        Ty::Num(Unit::money())
    }

    /// A plain number or ratio.
    pub fn ratio() -> Ty {
        Ty::Num(Unit::none())
    }

    /// True for money (or an already reported error).
    pub fn is_money_or_error(&self) -> bool {
        matches!(self, Ty::Error) || matches!(self, Ty::Num(u) if u.is_money())
    }

    /// Describes the type for a message, naming enums through `enum_name`.
    pub fn describe(&self, enum_name: &dyn Fn(EnumId) -> String) -> String {
        match self {
            Ty::Bool => "a yes/no value".into(),
            Ty::Date => "a date".into(),
            Ty::Text => "text".into(),
            Ty::Enum(id) => format!("a `{}` value", enum_name(*id)),
            Ty::Num(u) if u.is_money() => "money (元)".into(),
            Ty::Num(u) if u.is_none() => "a number or percentage".into(),
            Ty::Num(u) => format!("a quantity in {u}"),
            Ty::Error => "an invalid value".into(),
        }
    }
}

/// How a declared input or parameter is written in facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flavor {
    /// Yuan.
    Money,
    /// A percentage (`15%`) or ratio.
    Percent,
    /// Any number.
    Number,
    /// A whole number of things.
    Count,
    /// A number in a declared unit.
    Quantity,
    /// Yes or no.
    Bool,
    /// A calendar date.
    Date,
    /// Free text.
    Text,
    /// One of the enum's variants.
    Enum,
}

/// The values an input may take, declared as `in LOW..HIGH`: both bounds included, `None` on
/// a side left open. Bounds are in the units facts are read in (yuan; a ratio for a percentage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueRange {
    /// The smallest value allowed.
    pub low: Option<Decimal>,
    /// The largest value allowed.
    pub high: Option<Decimal>,
    /// The range as the policy writes it, e.g. `0%..100%`, for messages.
    pub text: String,
}

impl ValueRange {
    /// Whether `v` lies within the range.
    pub fn contains(&self, v: Decimal) -> bool {
        self.low.is_none_or(|l| v >= l) && self.high.is_none_or(|h| v <= h)
    }

    /// Whether a bare number beyond ±1 given for a percentage is meant as a ratio: only when
    /// the range contains it and its bound on that side is written out (`0%..10000%`), so an
    /// open side never turns a forgotten `%` into a huge rate.
    pub fn admits_bare_ratio(&self, v: Decimal) -> bool {
        let written = if v.is_sign_negative() {
            self.low.is_some()
        } else {
            self.high.is_some()
        };
        written && self.contains(v)
    }

    /// Whether the range is written to reach beyond 100% on the side of `v` (`0%..10000%`):
    /// there bare numbers are ratios, and a bare 1 is 100% rather than possibly 1%.
    pub fn reads_bare_ratios(&self, v: Decimal) -> bool {
        let bound = if v.is_sign_negative() {
            self.low
        } else {
            self.high
        };
        bound.is_some_and(|b| b.abs() > Decimal::ONE) && self.admits_bare_ratio(v)
    }
}

/// A declared type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decl {
    /// The type of its values.
    pub ty: Ty,
    /// How it is written.
    pub flavor: Flavor,
}

impl Decl {
    /// The built-in type called `name`, if any.
    pub fn builtin(name: &str) -> Option<Decl> {
        let (ty, flavor) = match name {
            "money" => (Ty::money(), Flavor::Money),
            "percent" => (Ty::ratio(), Flavor::Percent),
            "number" => (Ty::ratio(), Flavor::Number),
            "count" => (Ty::ratio(), Flavor::Count),
            "bool" => (Ty::Bool, Flavor::Bool),
            "date" => (Ty::Date, Flavor::Date),
            "text" => (Ty::Text, Flavor::Text),
            _ => return None,
        };
        Some(Decl { ty, flavor })
    }

    /// Names of the built-in types, for suggestions and help.
    pub const BUILTIN: [&'static str; 7] = [
        "money", "percent", "number", "count", "bool", "date", "text",
    ];
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Flavor::Money => "money",
            Flavor::Percent => "percent",
            Flavor::Number => "number",
            Flavor::Count => "count",
            Flavor::Quantity => "quantity",
            Flavor::Bool => "bool",
            Flavor::Date => "date",
            Flavor::Text => "text",
            Flavor::Enum => "enum",
        };
        f.write_str(s)
    }
}

#[cfg(test)]
mod range_tests {
    use super::ValueRange;
    use rust_decimal::Decimal;

    fn range(low: Option<i64>, high: Option<i64>) -> ValueRange {
        ValueRange {
            low: low.map(Decimal::from),
            high: high.map(Decimal::from),
            text: String::new(),
        }
    }

    #[test]
    fn both_bounds_are_included_and_an_open_side_has_no_bound() {
        let r = range(Some(1), Some(3));
        assert!(r.contains(Decimal::ONE) && r.contains(Decimal::from(3)));
        assert!(!r.contains(Decimal::ZERO) && !r.contains(Decimal::new(3001, 3)));
        assert!(range(Some(1), None).contains(Decimal::MAX));
        assert!(range(None, Some(1)).contains(Decimal::MIN));
    }

    #[test]
    fn a_bare_ratio_beyond_one_needs_a_written_bound_on_its_side() {
        let wide = range(Some(0), Some(100));
        assert!(wide.admits_bare_ratio(Decimal::from(79)));
        assert!(!wide.admits_bare_ratio(Decimal::from(101)));
        assert!(!range(Some(0), None).admits_bare_ratio(Decimal::from(79)));
        assert!(!range(None, Some(100)).admits_bare_ratio(Decimal::from(-5)));
        assert!(range(Some(-100), Some(0)).admits_bare_ratio(Decimal::from(-5)));
    }
}
