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

/// Whether `d` can be written with two decimal places exactly: an amount past about
/// 7.9 × 10^26 with fewer places cannot (Decimal has 96 bits of digits), and
/// [`canonical_decimal`] would keep fewer places than two for it.
pub fn holds_to_the_fen(d: Decimal) -> bool {
    if d.scale() >= 2 {
        return true;
    }
    let mut v = d;
    v.rescale(2);
    v.scale() == 2
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

/// A whole text for the terminal, lines kept: every [`is_hidden`] character but the line break
/// is written as `\u{XXXX}`. Human output is built from facts and policies anyone may write;
/// this is applied once to all of it, so no field can be forgotten.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\n' && is_hidden(c))
}

/// `text` with its bidirectional and invisible characters written as `\u{XXXX}`, control
/// characters left alone: for text that holds terminal colours of its own (rendered
/// diagnostics quote the policy's lines, where such characters would reorder or hide what is
/// shown; W0315 and W0316 report them).
pub fn escape_invisible(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| is_bidi(c) || (is_invisible(c) && c != '\u{FEFF}'))
}

/// `text` with every character for which `hidden` holds written as `\u{XXXX}`.
fn escape_where(text: &str, hidden: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:04X}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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

/// The short figure of an amount in 亿元 or 万元, only where it is exact to two decimal places
/// of that unit: 亿元 from 1亿元 up (`1.5亿元`), else 万元 from 1万元 up (`3.6万元`, `10万元`);
/// `None` for anything else (`10.01 元`, `0.04 元`, `123,456.78 元`), so a short figure is never
/// a rounded or a zero one.
pub fn short(d: Decimal) -> Option<String> {
    let units = [(100_000_000i64, "亿元"), (10_000i64, "万元")];
    units.into_iter().find_map(|(size, unit)| {
        let size = Decimal::from(size);
        if d.abs() < size {
            return None;
        }
        let v = d.checked_div(size)?.normalize();
        (v.scale() <= 2).then(|| format!("{v}{unit}"))
    })
}

/// A total as staff read it: the exact yuan figure, and its [`short`] figure in brackets where
/// there is one (`100,000.00 元 (10万元)`); a range as `min – max` with the short figures of
/// both bounds when both have one.
pub fn total(a: Amount) -> String {
    let yuan_and_short = |d: Decimal| match short(d) {
        Some(s) => format!("{} ({s})", yuan(d)),
        None => yuan(d),
    };
    match a {
        Amount::Exact(d) => yuan_and_short(d),
        Amount::Range { min, max } => match (short(min), short(max)) {
            (Some(a), Some(b)) => format!("{} – {} ({a} – {b})", yuan(min), yuan(max)),
            _ => format!("{} – {}", yuan(min), yuan(max)),
        },
    }
}

/// Money as written in a policy: `600万元` or `1.5亿元` when that is exact and short, else
/// `3,000元` for whole yuan, else `1,234.50 元`.
pub fn money(d: Decimal) -> String {
    for (size, unit) in [(100_000_000i64, "亿元"), (10_000i64, "万元")] {
        let size = Decimal::from(size);
        if d.abs() >= size {
            if let Some(v) = d.checked_div(size).map(|v| v.normalize()) {
                if v.scale() <= 4 {
                    return format!("{v}{unit}");
                }
            }
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
    let Some(p) = hundredfold(d) else {
        return format!("{}%", too_large_hundredfold(d));
    };
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

/// `d` × 100 without trailing zeros: a ratio as a number of percent (or of percentage
/// points), or `None` past Decimal's range (a ratio above about 7.9 × 10^26).
pub fn hundredfold(d: Decimal) -> Option<Decimal> {
    d.checked_mul(Decimal::ONE_HUNDRED).map(|p| p.normalize())
}

/// `d` × 100 written exactly in scientific notation (`6e29`), for a ratio [`hundredfold`]
/// cannot hold: such a figure comes from absurd facts, and is shown, not a panic.
pub fn too_large_hundredfold(d: Decimal) -> String {
    let text = format!("{:e}", d.normalize());
    match text.split_once('e').map(|(m, e)| (m, e.parse::<i64>())) {
        Some((m, Ok(e))) => format!("{m}e{}", e + 2),
        _ => format!("{text}×100"),
    }
}

/// A ratio as a number of percent, exactly and without trailing zeros (`150` for 1.5).
pub fn percent_number(d: Decimal) -> String {
    hundredfold(d).map_or_else(|| too_large_hundredfold(d), |p| p.to_string())
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
    fn a_ratio_too_large_for_a_hundredfold_is_shown_exactly_not_a_panic() {
        // Attack run 10 (A3): `--explain` of a growth over a previous year of 0.000…1 元.
        assert_eq!(percent(d("0.15")), "15.00%");
        assert_eq!(percent(d("6000000000000000000000000000")), "6e29%");
        assert_eq!(percent(Decimal::MAX), "7.9228162514264337593543950335e30%");
        assert_eq!(percent(Decimal::MIN), "-7.9228162514264337593543950335e30%");
        assert_eq!(percent_number(d("1.5")), "150");
        assert_eq!(percent_number(d("5e26").normalize() * d("2")), "1e29");
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

    proptest::proptest! {
        /// A short figure is the amount itself, never a rounded one, and is given whenever
        /// the amount is at least 1万元 and a whole number of fen of 万元.
        #[test]
        fn a_short_figure_is_exact(m in 0i64..1_000_000_000_000, s in 0u32..5) {
            let v = Decimal::new(m, s);
            match short(v) {
                Some(text) => {
                    let (number, size) = match text.strip_suffix("亿元") {
                        Some(n) => (n, Decimal::from(100_000_000)),
                        None => (text.strip_suffix("万元").unwrap(), Decimal::from(10_000)),
                    };
                    let n: Decimal = number.parse().unwrap();
                    proptest::prop_assert_eq!(n * size, v);
                    proptest::prop_assert!(n.scale() <= 2 && n >= Decimal::ONE);
                }
                None => proptest::prop_assert!(
                    v < Decimal::from(10_000)
                        || (v / Decimal::from(10_000)).normalize().scale() > 2
                ),
            }
        }
    }

    #[test]
    fn hidden_characters_are_escaped() {
        assert_eq!(escape("E1"), "E1");
        assert_eq!(escape("E\u{1b}[31m1"), "E\\u{001B}[31m1");
        assert_eq!(escape("a\\b"), "a\\\\b");
        assert_eq!(escape("x\u{202E}y\u{200D}"), "x\\u{202E}y\\u{200D}");
        assert_eq!(escape_text("a\u{7}\nb\r"), "a\\u{0007}\nb\\u{000D}");
        assert_eq!(escape_text("研发\n"), "研发\n");
    }

    #[test]
    fn short_figures_only_where_exact() {
        assert_eq!(short(d("100000")), Some("10万元".into()));
        assert_eq!(short(d("36000.00")), Some("3.6万元".into()));
        assert_eq!(short(d("150000000")), Some("1.5亿元".into()));
        assert_eq!(short(d("100000000.00")), Some("1亿元".into()));
        assert_eq!(short(d("123456700")), Some("12345.67万元".into()));
        assert_eq!(short(d("10.01")), None);
        assert_eq!(short(d("0.04")), None);
        assert_eq!(short(d("0")), None);
        assert_eq!(short(d("9999")), None);
        assert_eq!(short(d("123456.78")), None);
        assert_eq!(total(Amount::Exact(d("10.01"))), "10.01 元");
        assert_eq!(total(Amount::Exact(d("100000"))), "100,000.00 元 (10万元)");
        assert_eq!(
            total(Amount::Exact(d("150000000"))),
            "150,000,000.00 元 (1.5亿元)"
        );
        assert_eq!(
            total(Amount::between(d("0"), d("600000")).unwrap()),
            "0.00 元 – 600,000.00 元"
        );
    }

    #[test]
    fn yuan_and_wan() {
        assert_eq!(yuan(d("1234567.89")), "1,234,567.89 元");
        assert_eq!(yuan(d("100000")), "100,000.00 元");
        assert_eq!(yuan(d("-5.5")), "-5.50 元");
        assert_eq!(yuan(d("0.125")), "0.125 元");
        assert_eq!(money(d("150000000")), "1.5亿元");
        assert_eq!(money(d("123456789")), "12345.6789万元");
        assert_eq!(money(d("6000000")), "600万元");
        assert_eq!(money(d("1234567.89")), "1,234,567.89 元");
        assert_eq!(money(d("3000")), "3,000元");
        assert_eq!(percent(d("0.142")), "14.20%");
        assert_eq!(percent(d("0.15")), "15.00%");
        assert_eq!(percent(d("0.0299999700000299999")), "2.999997…%");
        assert_eq!(percent(d("0.123456")), "12.3456%");
    }
}
