//! Amounts and values as policy staff read them.
//!
//! Input: exact values. Output: text such as `1,234,567.89 元`, `600万元`, `20.00%`.
//! Guarantee: money shown in 元 is exact (all its decimals); only percentages and the 万元
//! summary of a total are rounded for display, and say so by their form.

use std::borrow::Cow;

use rust_decimal::{Decimal, RoundingStrategy};

use super::decision::Amount;
use super::value::Value;
use crate::compile::{Program, Show};

/// True for a character that changes the terminal or the order of text when printed raw, or
/// that cannot be seen: control characters (C0, DEL, C1), bidirectional marks, embeddings,
/// overrides and isolates, and the invisible format characters (zero-width space, joiners,
/// word joiner, soft hyphen, variation selectors, tags).
pub fn is_hidden(c: char) -> bool {
    c.is_control() || is_bidi(c) || is_invisible(c)
}

/// True for a character that reorders how the text around it is displayed (the "Trojan
/// Source" characters: LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, and the LRM, RLM and ALM
/// marks).
pub fn is_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// True for a character that takes no visible space and no visible mark: two names that differ
/// only by one look the same.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// `text` safe to print on a terminal: every [`is_hidden`] character is written as
/// `\u{XXXX}`, and every backslash is doubled so that an escape cannot be forged. Ids and
/// names come from facts files and policies, which anyone may write: raw escape sequences would
/// recolour, hide or rewrite what staff read.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_hidden(c) || c == '\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:04X}}}", u32::from(c)));
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// An amount in its canonical machine form, the one every machine output uses (decision JSON,
/// simulation rows in CSV and JSON Lines, the summary): a plain decimal in yuan with at least
/// two decimal places and no trailing zero beyond them, no grouping, no unit, `-` only before a
/// negative amount (`0.00`, `36000.00`, `1000000.00`, `0.125`, `-5.50`). Each value has
/// exactly one such text, whatever places the computation left on it (a cap written `100万元`
/// and an award computed to the fen compare equal as text too).
pub fn canonical(d: Decimal) -> String {
    canonical_decimal(d).to_string()
}

/// `d` with the places of its [`canonical`] text (a zero is a positive zero).
pub fn canonical_decimal(d: Decimal) -> Decimal {
    if d.is_zero() {
        return Decimal::new(0, 2);
    }
    let mut v = d.normalize();
    if v.scale() < 2 {
        v.rescale(2);
    }
    v
}

/// Serializes an amount as its [`canonical`] text (for `#[serde(serialize_with)]`).
pub fn serialize_canonical<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&canonical(*d))
}

/// Serializes an optional amount as its [`canonical`] text, or null.
pub fn serialize_canonical_opt<S: serde::Serializer>(
    d: &Option<Decimal>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&canonical(*d)),
        None => s.serialize_none(),
    }
}

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
    fn canonical_amounts_have_one_text_per_value() {
        assert_eq!(canonical(d("0")), "0.00");
        assert_eq!(canonical(d("-0.000")), "0.00");
        assert_eq!(canonical(d("1000000")), "1000000.00");
        assert_eq!(canonical(d("100000.0000")), "100000.00");
        assert_eq!(canonical(d("0.125")), "0.125");
        assert_eq!(canonical(d("0.1250")), "0.125");
        assert_eq!(canonical(d("-5.5")), "-5.50");
        assert_eq!(canonical(d("1e3")), "1000.00");
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
