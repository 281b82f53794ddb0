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
    Decimal::from_str_exact(&plain).map_err(|_| {
        Diagnostic::new(Code::BadNumber, span, format!("the number `{text}` cannot be held exactly"))
            .label("too many digits")
            .help("pol keeps at most 28 significant digits; write the amount with a larger unit such as 万元 or 亿元, or with fewer decimals")
    })
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

/// A unit atom: its unit and the factor that converts a value to base units.
fn unit_atom(text: &str, span: Span) -> Result<(Unit, Decimal), Diagnostic> {
    if let Some(scale) = money_scale(text) {
        return Ok((Unit::money(), scale));
    }
    if matches!(text, "万" | "亿" | "千" | "百万" | "千万") {
        return Err(Diagnostic::new(
            Code::ScaleWithoutUnit,
            span,
            format!("`{text}` is a scale, not a unit"),
        )
        .label("a scale without a unit")
        .help(format!("write `{text}元` for an amount of money")));
    }
    Ok((Unit::base(text), Decimal::ONE))
}

/// Builds a literal from its number text and optional unit parts (`unit_atom`, `/`, `unit_atom`).
pub fn quantity(
    number: (&str, Span),
    percent: bool,
    units: &[(&str, Span)],
    whole: Span,
) -> Result<Literal, Diagnostic> {
    let value = parse_number(number.0, number.1)?;
    let overflow = || {
        Diagnostic::new(
            Code::BadNumber,
            whole,
            "this amount is too large to hold exactly",
        )
        .label("too large")
        .help("pol holds amounts up to about 7.9×10^28 in base units; check the number of digits")
    };
    if percent {
        let scale = value.scale() + 2;
        if scale > 28 {
            return Err(overflow());
        }
        let mut v = value;
        v.set_scale(scale).map_err(|_| overflow())?;
        return Ok(Literal {
            value: v,
            unit: Unit::none(),
            percent: true,
        });
    }
    let mut unit = Unit::none();
    let mut v = value;
    for (i, (text, span)) in units.iter().enumerate() {
        let (u, factor) = unit_atom(text, *span)?;
        if i == 0 {
            unit = u;
            v = v.checked_mul(factor).ok_or_else(overflow)?;
        } else {
            unit = unit.div(&u);
            v = v.checked_div(factor).ok_or_else(overflow)?;
        }
    }
    Ok(Literal {
        value: v.normalize(),
        unit,
        percent: false,
    })
}

/// Parses `YYYY-MM-DD` (full-width digits allowed) into a calendar date.
pub fn date(text: &str, span: Span) -> Result<NaiveDate, Diagnostic> {
    let plain = normalize_number(text);
    let mut parts = plain.split('-').map(u32::from_str);
    let (y, m, d) = match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) => (y, m, d),
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
