//! Amounts and values as policy staff read them.
//!
//! Input: exact values. Output: text such as `1,234,567.89 元`, `600万元`, `20.00%`.
//! Guarantee: money shown in 元 is exact (all its decimals); only percentages and the 万元
//! summary of a total are rounded for display, and say so by their form.

use rust_decimal::{Decimal, RoundingStrategy};

use super::decision::Amount;
use super::value::Value;
use crate::compile::{Program, Show};

/// Groups the integer part of a decimal text by thousands.
fn group(text: &str) -> String {
    let (sign, rest) = text.strip_prefix('-').map_or(("", text), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// `1,234,567.89 元`: exact, at least two decimals.
pub fn yuan(d: Decimal) -> String {
    let mut v = d.normalize();
    if v.scale() < 2 {
        v.rescale(2);
    }
    format!("{} 元", group(&v.to_string()))
}

/// `123.46万元`: the amount in 万元, rounded half up to two decimals for a summary.
pub fn wan(d: Decimal) -> String {
    let w = (d / Decimal::from(10_000))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    format!("{}万元", w.normalize())
}

/// Money as written in a policy: `600万元` when that is exact and short, else `1,234.50 元`.
pub fn money(d: Decimal) -> String {
    if d.abs() >= Decimal::from(10_000) {
        let w = (d / Decimal::from(10_000)).normalize();
        if w.scale() <= 4 {
            return format!("{w}万元");
        }
    }
    if d.fract().is_zero() {
        format!("{}元", group(&d.normalize().to_string()))
    } else {
        yuan(d)
    }
}

/// `20.00%`; a ratio with more decimals is cut after six and marked `…`, so a value just below
/// a threshold never displays as the threshold (`2.999997…%`, not `3.00%`).
pub fn percent(d: Decimal) -> String {
    let p = (d * Decimal::ONE_HUNDRED).normalize();
    if p.scale() <= 2 {
        let mut p = p;
        p.rescale(2);
        return format!("{p}%");
    }
    let cut = p
        .round_dp_with_strategy(6, RoundingStrategy::ToZero)
        .normalize();
    let more = if cut == p { "" } else { "…" };
    format!("{cut}{more}%")
}

/// An amount in 元 (a range as `min – max`).
pub fn amount(a: Amount) -> String {
    match a {
        Amount::Exact(d) => yuan(d),
        Amount::Range { min, max } => format!("{} – {}", yuan(min), yuan(max)),
    }
}

/// A value shown as `show` says.
pub fn value(program: &Program, texts: &dyn Fn(u32) -> String, show: Show, v: Value) -> String {
    match (show, v) {
        (Show::Money, Value::Num(d)) => money(d),
        (Show::Percent, Value::Num(d)) => percent(d),
        (Show::Quantity(u), Value::Num(d)) => {
            let unit = program
                .units
                .get(u as usize)
                .map(ToString::to_string)
                .unwrap_or_default();
            format!("{}{unit}", d.normalize())
        }
        (_, Value::Num(d)) => d.normalize().to_string(),
        (_, Value::Bool(b)) => b.to_string(),
        (_, Value::Date(d)) => d.to_string(),
        (_, Value::Text(t)) => format!("\"{}\"", texts(t)),
        (Show::Enum(e), Value::Enum(i)) => program
            .enums
            .get(e as usize)
            .and_then(|e| e.variants.get(usize::from(i)))
            .cloned()
            .unwrap_or_else(|| i.to_string()),
        (_, Value::Enum(i)) => i.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn yuan_and_wan() {
        assert_eq!(yuan(d("1234567.89")), "1,234,567.89 元");
        assert_eq!(yuan(d("100000")), "100,000.00 元");
        assert_eq!(yuan(d("-5.5")), "-5.50 元");
        assert_eq!(yuan(d("0.125")), "0.125 元");
        assert_eq!(wan(d("1234567.89")), "123.46万元");
        assert_eq!(money(d("6000000")), "600万元");
        assert_eq!(money(d("1234567.89")), "1,234,567.89 元");
        assert_eq!(money(d("3000")), "3,000元");
        assert_eq!(percent(d("0.142")), "14.20%");
        assert_eq!(percent(d("0.15")), "15.00%");
        assert_eq!(percent(d("0.0299999700000299999")), "2.999997…%");
        assert_eq!(percent(d("0.123456")), "12.3456%");
    }
}
