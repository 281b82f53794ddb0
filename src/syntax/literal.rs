//! Literal values as staff write them: `20万元`, `1,000,000元`, `15%`, `1000元/亩`, `2023-08-01`.
//!
//! Input: the text of one literal token (full-width digits and separators allowed). Output:
//! an exact value in base units (yuan, a fraction for percentages) with its [`Unit`], or a
//! diagnostic. Guarantee: no value passes through a float, and a value that cannot be held
//! exactly is an error, never a rounded number.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ast::{Literal, Span};
use crate::diagnostic::{Code, Diagnostic};
use crate::units::Unit;

/// Replaces full-width digits and separators by their ASCII forms and drops digit-group commas.
pub fn normalize_number(text: &str) -> String {
    text.chars()
        .filter(|c| *c != ',' && *c != '，')
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            other => other,
        })
        .collect()
}

/// Parses the digits of a number token exactly.
pub fn parse_number(text: &str, span: Span) -> Result<Decimal, Diagnostic> {
    let plain = normalize_number(text);
    Decimal::from_str_exact(&plain).map_err(|_| number_too_long(text, span))
}

fn number_too_long(text: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::BadNumber, span, format!("the number `{text}` cannot be held exactly"))
        .label("too many digits")
        .help("pol keeps at most 28 significant digits; write the amount with a larger unit such as 万元 or 亿元, or with fewer decimals")
}

/// Replaces full-width digits and points by their ASCII forms, keeping commas (`１，０００`
/// becomes `1,000`) so their grouping can still be checked.
fn normalize_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '，' => ',',
            other => other,
        })
        .collect()
}

/// The scale of a money unit: 元 is 1, 万元 is 10,000, ...
fn money_scale(unit: &str) -> Option<Decimal> {
    let exp = match unit {
        "元" => 0,
        "千元" => 3,
        "万元" => 4,
        "百万元" => 6,
        "亿元" => 8,
        _ => return None,
    };
    Some(Decimal::from_i128_with_scale(10i128.pow(exp), 0))
}

/// Why a value written as text is not a literal pol reads. Each reason is shown to whoever
/// wrote the value (a policy author, or the staff who filled in facts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiteralError {
    /// Not a number, date or truth value at all (or nothing is written).
    NotALiteral,
    /// A notation that could mean two things (or that other programs read differently), so pol
    /// refuses it rather than guess; the text says what is wrong in plain words.
    Ambiguous(&'static str),
    /// A scale such as `万` written without `元`.
    ScaleWithoutUnit(String),
    /// More digits than can be held exactly, or a value too large once scaled.
    TooLarge,
}

impl LiteralError {
    /// The reason in plain words (lowercase, no final period).
    pub fn reason(&self) -> String {
        match self {
            LiteralError::NotALiteral => "it is not a number pol can read".to_string(),
            LiteralError::Ambiguous(why) => (*why).to_string(),
            LiteralError::ScaleWithoutUnit(s) => {
                format!("`{s}` is a scale, not a unit; write `{s}元` for money")
            }
            LiteralError::TooLarge => {
                "it has more digits than pol can hold exactly (at most 28 significant digits)"
                    .to_string()
            }
        }
    }
}

/// A unit atom: its unit and the factor that converts a value to base units.
fn unit_atom(text: &str) -> Result<(Unit, Decimal), LiteralError> {
    if let Some(scale) = money_scale(text) {
        return Ok((Unit::money(), scale));
    }
    if matches!(text, "万" | "亿" | "千" | "百万" | "千万") {
        return Err(LiteralError::ScaleWithoutUnit(text.to_string()));
    }
    Ok((Unit::base(text), Decimal::ONE))
}

/// Builds a literal from its number text and unit parts (`unit_atom`, `/`, `unit_atom`): the
/// one place a number and its unit become a value, for policies and for facts alike.
fn build(number: &str, percent: bool, units: &[&str]) -> Result<Literal, (LiteralError, usize)> {
    let value = Decimal::from_str_exact(&normalize_number(number))
        .map_err(|_| (LiteralError::TooLarge, 0))?;
    let too_large = (LiteralError::TooLarge, usize::MAX);
    if percent {
        // `15%` is the fraction 0.15: the same digits two places further right, exactly. A
        // percentage with more places than that leaves is too long a number, not too large.
        let scale = value.scale() + 2;
        if scale > 28 {
            return Err((LiteralError::TooLarge, 0));
        }
        let mut v = value;
        v.set_scale(scale).map_err(|_| too_large.clone())?;
        return Ok(Literal {
            value: v,
            unit: Unit::none(),
            percent: true,
        });
    }
    let mut unit = Unit::none();
    let mut v = value;
    for (i, text) in units.iter().enumerate() {
        let (u, factor) = unit_atom(text).map_err(|e| (e, i + 1))?;
        if i == 0 {
            unit = u;
            v = v.checked_mul(factor).ok_or_else(|| too_large.clone())?;
        } else {
            unit = unit.div(&u);
            v = v.checked_div(factor).ok_or_else(|| too_large.clone())?;
        }
    }
    Ok(Literal {
        value: v.normalize(),
        unit,
        percent: false,
    })
}

/// Builds a literal from its number text and optional unit parts (`unit_atom`, `/`, `unit_atom`),
/// as the grammar's lowering gives them.
pub fn quantity(
    number: (&str, Span),
    percent: bool,
    units: &[(&str, Span)],
    whole: Span,
) -> Result<Literal, Diagnostic> {
    let texts: Vec<&str> = units.iter().map(|(t, _)| *t).collect();
    build(number.0, percent, &texts).map_err(|(e, at)| match e {
        LiteralError::ScaleWithoutUnit(text) => {
            let span = units.get(at.wrapping_sub(1)).map_or(whole, |u| u.1);
            Diagnostic::new(
                Code::ScaleWithoutUnit,
                span,
                format!("`{text}` is a scale, not a unit"),
            )
            .label("a scale without a unit")
            .help(format!("write `{text}元` for an amount of money"))
        }
        _ if at == 0 => number_too_long(number.0, number.1),
        _ => Diagnostic::new(
            Code::BadNumber,
            whole,
            "this amount is too large to hold exactly",
        )
        .label("too large")
        .help("pol holds amounts up to about 7.9×10^28 in base units; check the number of digits"),
    })
}

/// Reads one value written as text on its own (a facts string, a population cell, a `--set`
/// value) with the grammar of a policy's literals: an optional sign, digits (full-width allowed)
/// in groups of three separated by commas, an optional decimal part, then `%` or a unit
/// (`元`, `万元`, `亿元`, `千元`, `百万元`, another unit such as `亩`, or `元/亩`). Spaces
/// around the whole value are ignored; nothing else may come before or after it.
///
/// Refused as ambiguous: `_` between digits (`1_5`), exponents (`1e3`), commas that do not
/// separate groups of three (`1,5`, a decimal comma elsewhere), a point without digits on both
/// sides (`.5`, `5.`). A `+` or `-` sign is read the same with or without a unit.
pub fn read_quantity(text: &str) -> Result<Literal, LiteralError> {
    let t = text.trim();
    let (negative, body) = match t.chars().next() {
        Some('-' | '－') => (true, &t[t.chars().next().map_or(0, char::len_utf8)..]),
        Some('+' | '＋') => (false, &t[t.chars().next().map_or(0, char::len_utf8)..]),
        _ => (false, t),
    };
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    // The number part: digits, group commas, one point.
    let end = body
        .char_indices()
        .find(|&(_, c)| !(digit(c) || matches!(c, ',' | '，' | '.' | '．' | '_' | 'e' | 'E')))
        .map_or(body.len(), |(i, _)| i);
    let (number, rest) = body.split_at(end);
    check_number_shape(number)?;
    let rest = rest.trim_start_matches([' ', '\t', '\u{3000}']);
    if rest.len() != body.len() - end && !rest.is_empty() {
        return Err(LiteralError::Ambiguous(
            "a unit must follow its number without a space, e.g. `600万元`",
        ));
    }
    let (percent, units) = match rest {
        "" => (false, Vec::new()),
        "%" | "％" => (true, Vec::new()),
        unit => (false, unit_parts(unit)?),
    };
    let mut lit = build(number, percent, &units).map_err(|(e, _)| e)?;
    if negative {
        lit.value = -lit.value;
    }
    Ok(lit)
}

/// Checks the digits of a number written as text against the one notation pol reads.
fn check_number_shape(number: &str) -> Result<(), LiteralError> {
    if number.is_empty() {
        return Err(LiteralError::NotALiteral);
    }
    if number.contains('_') {
        return Err(LiteralError::Ambiguous("`_` is not part of a number; write the digits without it (or with commas between groups of three)"));
    }
    if number.contains(['e', 'E']) {
        return Err(LiteralError::Ambiguous("exponents such as `1e3` are not read in text; write the digits out, e.g. `1000`, or use a unit such as 万元"));
    }
    let plain: String = normalize_digits(number);
    let (int, frac) = match plain.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (plain.as_str(), None),
    };
    if let Some(f) = frac {
        if int.is_empty() || f.is_empty() || f.contains(['.', ',']) {
            return Err(LiteralError::Ambiguous(
                "a decimal point needs digits on both sides and comes once, e.g. `0.5`",
            ));
        }
    }
    if int.contains(',') {
        let mut groups = int.split(',');
        let first = groups.next().unwrap_or_default();
        let good = (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3);
        if !good {
            return Err(LiteralError::Ambiguous("commas must separate groups of three digits, e.g. `1,000,000`; a comma is never a decimal point"));
        }
    }
    if int.is_empty() {
        return Err(LiteralError::NotALiteral);
    }
    Ok(())
}

/// Splits a unit written after a number into its atoms (`元/亩` into `元` and `亩`), checking
/// that each is one the grammar accepts.
fn unit_parts(unit: &str) -> Result<Vec<&str>, LiteralError> {
    let parts: Vec<&str> = unit.split(['/', '／']).collect();
    if parts.len() > 2 {
        return Err(LiteralError::NotALiteral);
    }
    for p in &parts {
        let atom = money_scale(p).is_some()
            || (!p.is_empty()
                && p.chars().all(|c| {
                    ('\u{4E00}'..='\u{9FFF}').contains(&c)
                        && !matches!(c, '元' | '以' | '及' | '和' | '或' | '且')
                }));
        // A scale without 元 (`5万`) passes here and is named by `unit_atom`.
        if !atom {
            return Err(LiteralError::NotALiteral);
        }
    }
    Ok(parts)
}

/// Reads a number as JSON writes it (`-12.5`, `1e3`, `0.1`): exactly, never through a float;
/// JSON's exponent notation is accepted here, where programs produce it.
pub fn read_json_number(raw: &str) -> Result<Decimal, LiteralError> {
    let Some(at) = raw.find(['e', 'E']) else {
        return Decimal::from_str_exact(raw).map_err(|_| LiteralError::TooLarge);
    };
    // The digits are read exactly, then the point is moved by the exponent by hand:
    // `Decimal::from_scientific` rounds a mantissa of more than 28 digits when the exponent
    // is not negative, and a value must never be rounded on its way in (attack run 10).
    // Zeros at the end of the fraction are no digits of the value: `0.1000…0e1` is 1.
    let written = &raw[..at];
    let written = if written.contains('.') {
        written.trim_end_matches('0').trim_end_matches('.')
    } else {
        written
    };
    // The digits as one whole number and the places they take: more places than Decimal's 28
    // are fine here when the exponent takes some back (`0.1…01e1`).
    let (negative, body) = match written.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, written),
    };
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(LiteralError::NotALiteral);
    }
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(Decimal::ZERO);
    }
    // Past 38 digits a machine word cannot hold them, and Decimal holds at most 29.
    let mut mantissa: i128 = digits.parse().map_err(|_| LiteralError::TooLarge)?;
    if negative {
        mantissa = -mantissa;
    }
    let mut scale = fraction.len() as i64;
    // Trailing zeros of the digits are places the exponent may take (`100e-29` is 1e-27).
    while mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    // An exponent too large for a machine word moves the point past anything pol holds.
    let exponent: i64 = raw[at + 1..].parse().map_err(|_| LiteralError::TooLarge)?;
    let Some(scale) = scale.checked_sub(exponent) else {
        return Err(LiteralError::TooLarge);
    };
    let value = if scale >= 0 {
        u32::try_from(scale)
            .ok()
            .and_then(|s| Decimal::try_from_i128_with_scale(mantissa, s).ok())
    } else {
        scale
            .checked_neg()
            .and_then(|k| u32::try_from(k).ok())
            .and_then(|k| 10i128.checked_pow(k))
            .and_then(|ten| mantissa.checked_mul(ten))
            .and_then(|m| Decimal::try_from_i128_with_scale(m, 0).ok())
    };
    value.ok_or(LiteralError::TooLarge)
}

/// Reads a truth value written as text: `true`/`false`, `是`/`否`, or `1`/`0` as spreadsheets
/// write them.
pub fn read_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "是" | "1" => Some(true),
        "false" | "否" | "0" => Some(false),
        _ => None,
    }
}

/// Reads a date written as text (year-month-day, full-width digits allowed), as a policy's
/// dates are read.
/// The error is the reason in plain words (`month 2 of 2023 has 28 days`).
pub fn read_date(text: &str) -> Result<NaiveDate, String> {
    date(text.trim(), Span::default()).map_err(|d| {
        d.primary
            .text
            .unwrap_or_else(|| "it is not written as year-month-day".to_string())
    })
}

/// Parses `YYYY-MM-DD` (full-width digits allowed) into a calendar date.
pub fn date(text: &str, span: Span) -> Result<NaiveDate, Diagnostic> {
    let plain = normalize_number(text);
    // Exactly three parts of plain digits: no signs, no fourth part.
    let parts: Vec<&str> = plain.split('-').collect();
    let number = |p: &str| {
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| u32::from_str(p).ok())
            .flatten()
    };
    let (y, m, d) = match parts.as_slice() {
        // A year of two digits (`24-03-01`) would be read as the year 24, not 2024: a date
        // decides windows and runs of years, so a year outside 1000-9999 is refused rather
        // than guessed. Months and
        // days take one or two digits (`2024-3-1`).
        [y, m, d]
            if number(y).is_some() && (y.len() != 4 || y.starts_with('0'))
                || m.len() > 2
                || d.len() > 2 =>
        {
            return Err(
                Diagnostic::new(Code::BadDate, span, format!("`{text}` is not a date"))
                    .label("write the year with four digits, from 1000 to 9999, and the month and day with one or two")
                    .help("write dates as year-month-day, e.g. `2023-08-01`"),
            );
        }
        [y, m, d] => match (number(y), number(m), number(d)) {
            (Some(y), Some(m), Some(d)) => (y, m, d),
            _ => {
                return Err(
                    Diagnostic::new(Code::BadDate, span, format!("`{text}` is not a date"))
                        .help("write dates as year-month-day, e.g. `2023-08-01`"),
                )
            }
        },
        _ => {
            return Err(
                Diagnostic::new(Code::BadDate, span, format!("`{text}` is not a date"))
                    .help("write dates as year-month-day, e.g. `2023-08-01`"),
            )
        }
    };
    i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or_else(|| {
            let why = if !(1..=12).contains(&m) {
                format!("there is no month {m}")
            } else {
                let days = days_in_month(y, m);
                format!("month {m} of {y} has {days} days")
            };
            Diagnostic::new(
                Code::BadDate,
                span,
                format!("`{text}` is not a day of the calendar"),
            )
            .label(why)
            .help("write an existing date as year-month-day, e.g. `2023-08-01`")
        })
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The value the grammar gives a literal written in a policy.
    fn in_a_policy(text: &str) -> Option<Literal> {
        let parsed = crate::syntax::parse(&format!("let x = {text}"));
        if !parsed.is_ok() {
            return None;
        }
        match &parsed.file.items.first()? {
            crate::ast::Item::Let(l) => match &l.node.value.node {
                crate::ast::ExprKind::Number(lit) => Some(lit.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    proptest! {
        #[test]
        fn values_read_on_their_own_as_in_a_policy(
            int in "[1-9][0-9]{0,2}(,[0-9]{3}){0,2}|[0-9]{1,7}",
            frac in "(\\.[0-9]{1,3})?",
            unit in "|元|万元|亿元|千元|百万元|%|亩|元/亩|万元/亩",
            wide in any::<bool>(),
        ) {
            let mut text = format!("{int}{frac}{unit}");
            if wide {
                text = text.replace('1', "１").replace(',', "，");
            }
            let policy = in_a_policy(&text);
            prop_assert!(policy.is_some(), "{text}");
            prop_assert_eq!(read_quantity(&text).ok(), policy, "{}", text);
        }
    }

    proptest! {
        #[test]
        fn an_exponent_moves_the_point_and_nothing_else(
            digits in "[1-9][0-9]{0,31}",
            point in 0usize..33,
            e in -34i64..34,
        ) {
            // The same number written out (the point moved in the text) is read by the plain
            // reader, which never rounds: both agree, or both refuse. Up to 32 digits, past
            // the 28 where `from_scientific` rounded (attack run 10).
            let point = point.min(digits.len());
            let mantissa = format!("{}.{}", &digits[..point], &digits[point..]);
            let mantissa = mantissa.trim_end_matches('.').trim_start_matches('.');
            let all: String = digits.clone();
            let at = point as i64 + e;
            let plain = if at <= 0 {
                format!("0.{}{all}", "0".repeat((-at) as usize))
            } else if at as usize >= all.len() {
                format!("{all}{}", "0".repeat(at as usize - all.len()))
            } else {
                format!("{}.{}", &all[..at as usize], &all[at as usize..])
            };
            let written = if point == 0 { format!("0.{digits}e{e}") } else { format!("{mantissa}e{e}") };
            let read = read_json_number(&written).ok().map(|d| d.normalize());
            match read {
                // A value read is the exact value written (zeros at the end of a fraction are
                // no digits of it: `0.…10` is `0.…1`).
                Some(v) => {
                    let trimmed = if plain.contains('.') {
                        plain.trim_end_matches('0').trim_end_matches('.')
                    } else {
                        plain.as_str()
                    };
                    let exact = Decimal::from_str_exact(trimmed).ok().map(|d| d.normalize());
                    prop_assert_eq!(Some(v), exact, "{} against {}", written, plain);
                }
                // A refusal only where the plain reader refuses the number written out.
                None => prop_assert!(
                    Decimal::from_str_exact(&plain).is_err(),
                    "{} refused, but {} is read",
                    written,
                    plain
                ),
            }
        }

        #[test]
        fn any_text_gets_a_value_or_a_reason(text in "\\PC{0,12}|[-+０-９0-9,，._eE%万元亿亩/ \n]{0,12}") {
            match read_quantity(&text) {
                Ok(l) => prop_assert!(!l.percent || l.unit.is_none()),
                Err(e) => prop_assert!(!e.reason().is_empty()),
            }
            let _ = read_date(&text);
            let _ = read_json_number(&text);
        }
    }

    #[test]
    fn ambiguous_notations_are_refused_with_and_without_a_unit() {
        for text in [
            "1_5",
            "1e3",
            "1E3",
            "1,5",
            "1,0000",
            ".5",
            "5.",
            "1.2.3",
            "600 万元",
        ] {
            for unit in ["", "元"] {
                let t = format!("{text}{unit}");
                assert!(
                    matches!(read_quantity(&t), Err(LiteralError::Ambiguous(_))),
                    "{t}: {:?}",
                    read_quantity(&t)
                );
            }
        }
        assert_eq!(
            read_quantity("5万"),
            Err(LiteralError::ScaleWithoutUnit("万".into()))
        );
        for not_a_value in [
            "",
            "-",
            "abc",
            "5万元\n另有说明",
            "5元元",
            "5%%",
            "1/2",
            "5元/亩/年",
        ] {
            assert_eq!(
                read_quantity(not_a_value),
                Err(LiteralError::NotALiteral),
                "{not_a_value:?}"
            );
        }
        assert_eq!(
            read_quantity(" -5万元 ").unwrap().value,
            Decimal::from(-50_000)
        );
        assert_eq!(
            read_quantity("+5万元").unwrap().value,
            Decimal::from(50_000)
        );
        assert_eq!(
            read_quantity("１，０００元").unwrap().value,
            Decimal::from(1000)
        );
        assert_eq!(
            read_quantity("123456789012345678901234567890"),
            Err(LiteralError::TooLarge)
        );
    }

    #[test]
    fn json_numbers_read_exactly_with_their_exponents() {
        assert_eq!(read_json_number("0.1"), Ok(Decimal::new(1, 1)));
        assert_eq!(read_json_number("1e2"), Ok(Decimal::from(100)));
        assert_eq!(read_json_number("1.5E-3"), Ok(Decimal::new(15, 4)));
        assert_eq!(read_json_number("1e400"), Err(LiteralError::TooLarge));
        assert_eq!(read_json_number("-2.5e+3"), Ok(Decimal::from(-2500)));
        assert_eq!(read_json_number("0e-400"), Ok(Decimal::ZERO));
        assert_eq!(read_json_number("1.20e1"), Ok(Decimal::from(12)));
        assert_eq!(read_json_number("5e-28"), Ok(Decimal::new(5, 28)));
        assert_eq!(read_json_number("5e-29"), Err(LiteralError::TooLarge));
        // More than 28 significant digits are refused with an exponent as without one, never
        // rounded (attack run 10: `…e0` and `…e24` were rounded to 28 digits).
        for raw in [
            "0.1500000000000000000000000000001e0",
            "1.234567890123456789012345004951e24",
            "5.00000000000000000000000000001e4",
        ] {
            assert_eq!(read_json_number(raw), Err(LiteralError::TooLarge), "{raw}");
        }
        assert_eq!(read_json_number("8e28"), Err(LiteralError::TooLarge));
        // Exponents at the ends of a machine word: refused, never an overflow (a trailing
        // zero taken as a place left `-1 - i64::MAX`, whose negation overflowed).
        for raw in [
            "10e9223372036854775807",
            "1e-9223372036854775808",
            "1.5e-9223372036854775807",
            "1e99999999999999999999",
        ] {
            assert_eq!(read_json_number(raw), Err(LiteralError::TooLarge), "{raw}");
        }
        assert_eq!(
            read_json_number("0e99999999999999999999"),
            Ok(Decimal::ZERO)
        );
        assert_eq!(
            read_json_number("1234567890123456789012345678")
                .unwrap()
                .to_string(),
            "1234567890123456789012345678"
        );
    }

    #[test]
    fn dates_on_their_own() {
        assert!(read_date(" 2024-03-01 ").is_ok());
        assert!(read_date("２０２４-０３-０１").is_ok());
        for bad in [
            "2024/03/01",
            "2024-03-01-5",
            "+2024-03-01",
            "2024-3",
            "2024-02-30",
            // A year not of four digits would be guessed (`24` is not 2024 to a calendar).
            "24-03-01",
            "024-03-01",
            "0024-3-1",
            "2024-003-01",
            "2024-03-001",
        ] {
            assert!(read_date(bad).is_err(), "{bad}");
        }
        assert!(read_date("2024-3-1").is_ok());
        assert!(read_date("24-03-01")
            .unwrap_err()
            .contains("year with four digits"));
        // A year of four digits below 1000 is told the range, not "four digits" alone.
        assert!(read_date("0999-03-02")
            .unwrap_err()
            .contains("from 1000 to 9999"));
        assert_eq!(read_bool("是"), Some(true));
        assert_eq!(read_bool("0"), Some(false));
        assert_eq!(read_bool("yes"), None);
    }

    fn lit(n: &str, units: &[&str]) -> Literal {
        let s = Span::default();
        let u: Vec<_> = units.iter().map(|u| (*u, s)).collect();
        quantity((n, s), false, &u, s).unwrap()
    }

    #[test]
    fn money_scales() {
        assert_eq!(lit("20", &["万元"]).value, Decimal::from(200_000));
        assert_eq!(lit("1.5", &["亿元"]).value, Decimal::from(150_000_000));
        assert_eq!(lit("1,000,000", &["元"]).value, Decimal::from(1_000_000));
        assert_eq!(lit("３０００", &["元"]).value, Decimal::from(3000));
        assert!(lit("3000", &["元"]).unit.is_money());
    }

    #[test]
    fn per_unit_quantities() {
        let l = lit("1000", &["元", "亩"]);
        assert_eq!(l.value, Decimal::from(1000));
        assert_eq!(l.unit.to_string(), "元/亩");
        assert_eq!(lit("500", &["亩"]).unit, Unit::base("亩"));
    }

    #[test]
    fn percent_is_exact_fraction() {
        let s = Span::default();
        let l = quantity(("1.5", s), true, &[], s).unwrap();
        assert_eq!(l.value, Decimal::from_str("0.015").unwrap());
        assert!(l.percent && l.unit.is_none());
    }

    #[test]
    fn scale_without_yuan_is_reported() {
        let s = Span::default();
        let e = quantity(("20", s), false, &[("万", s)], s).unwrap_err();
        assert_eq!(e.code, Code::ScaleWithoutUnit);
    }

    #[test]
    fn too_many_digits_is_reported() {
        let s = Span::default();
        let e = parse_number("123456789012345678901234567890123", s).unwrap_err();
        assert_eq!(e.code, Code::BadNumber);
        let e = quantity(("79228162514264337593543950", s), false, &[("亿元", s)], s).unwrap_err();
        assert_eq!(e.code, Code::BadNumber);
    }

    #[test]
    fn dates() {
        let s = Span::default();
        assert_eq!(
            date("2023-08-01", s).unwrap(),
            NaiveDate::from_ymd_opt(2023, 8, 1).unwrap()
        );
        let e = date("2023-02-30", s).unwrap_err();
        assert_eq!(e.code, Code::BadDate);
        assert_eq!(
            e.primary.text.as_deref(),
            Some("month 2 of 2023 has 28 days")
        );
        assert!(date("2024-02-29", s).is_ok());
        assert!(date("2023-13-01", s).is_err());
    }
}
