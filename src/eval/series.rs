//! Yearly series at evaluation: the values a subject's facts give per year, reading one year,
//! and reducing a range of years (`max`, `min`, `sum`, `average`).
//!
//! Input: a [`SeriesRead`] and the series values bound from the facts ([`SeriesValues`], kept
//! beside the subject's plain values so those stay one small [`Value`] per slot). Output: a
//! value, or why there is none: a year the facts do not give is [`Need::Year`] (undetermined,
//! naming the input and the year), never zero; a year that is not a whole number from 1 to
//! 9999, or a range that holds no year, cannot be evaluated. Guarantee: sums are checked and
//! exact; an average is the exact sum divided as `/` divides (28 significant digits).

use rust_decimal::Decimal;

use super::expr::Env;
use super::value::{compare_numbers, Fault, Need, Outcome, Stop, Value};
use crate::compile::{Expr, ExprKind, Reduce, SeriesRead, YearsRead};

/// The years given for one series input of the subject, sorted by year, each once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeriesValues {
    /// The subject input slot of the series.
    pub slot: u32,
    /// `(year, value)` in year order.
    pub years: Vec<(i32, Value)>,
}

impl SeriesValues {
    /// The value given for `year`.
    pub fn at(&self, year: i32) -> Option<Value> {
        self.years
            .binary_search_by_key(&year, |(y, _)| *y)
            .ok()
            .and_then(|i| self.years.get(i))
            .map(|(_, v)| *v)
    }
}

/// The first year there is (there is no year 0) and the largest a series is read at: four
/// digits, as facts write them. Years read by expressions and years given in facts alike.
const YEARS: std::ops::RangeInclusive<i64> = 1..=9999;

impl Env<'_> {
    /// The values given for the series in `slot` (none when the facts give no year of it).
    fn series_values(&self, slot: u32) -> Option<&SeriesValues> {
        self.bound
            .series
            .iter()
            .find(|s| s.slot == slot && !s.years.is_empty())
    }

    /// A year: the value of `y`, a whole number from 1 to 9999.
    fn year(&mut self, y: &Expr) -> Outcome<i32> {
        let v = self.eval_num(y)?;
        let whole = v.fract().is_zero();
        let year = rust_decimal::prelude::ToPrimitive::to_i64(&v.trunc());
        match year {
            Some(n) if whole && YEARS.contains(&n) => Ok(n as i32),
            _ => Err(Stop::Fault(Fault::NotAYear, y.span)),
        }
    }

    /// Evaluates a read of a series.
    pub(super) fn eval_series(&mut self, read: &SeriesRead, e: &Expr) -> Outcome<Value> {
        let slot = read.slot;
        match &read.years {
            YearsRead::One(y) => {
                let year = self.year(y)?;
                let Some(values) = self.series_values(slot) else {
                    return Err(Stop::Needs(Need::Subject(slot)));
                };
                values.at(year).ok_or(Stop::Needs(Need::Year(slot, year)))
            }
            YearsRead::Range(reduce, from, to) => {
                let (first, last) = self.range(slot, from.as_ref(), to)?;
                let Some(values) = self.series_values(slot) else {
                    return Err(Stop::Needs(Need::Subject(slot)));
                };
                if first > last {
                    return Err(Stop::Fault(Fault::EmptyYears, e.span));
                }
                let mut acc: Option<Decimal> = None;
                for year in first..=last {
                    let Some(Value::Num(v)) = values.at(year) else {
                        return match values.at(year) {
                            None => Err(Stop::Needs(Need::Year(slot, year))),
                            // INVARIANT: the checker reduces series of numbers only.
                            Some(_) => Err(Stop::Fault(
                                Fault::Internal("a series reduced by an aggregate is not numeric"),
                                e.span,
                            )),
                        };
                    };
                    acc = Some(match (acc, reduce) {
                        (None, _) => v,
                        (Some(a), Reduce::Max) if compare_numbers(v, a).is_gt() => v,
                        (Some(a), Reduce::Min) if compare_numbers(v, a).is_lt() => v,
                        (Some(a), Reduce::Max | Reduce::Min) => a,
                        (Some(a), Reduce::Sum | Reduce::Average) => {
                            super::decision::add_exact(a, v)
                                .ok_or(Stop::Fault(Fault::Overflow, e.span))?
                        }
                    });
                }
                let total = acc.ok_or(Stop::Fault(Fault::EmptyYears, e.span))?;
                let result = match reduce {
                    Reduce::Average => total
                        .checked_div(Decimal::from(last - first + 1))
                        .ok_or(Stop::Fault(Fault::Overflow, e.span))?,
                    _ => total,
                };
                Ok(Value::Num(result))
            }
        }
    }

    /// The first and last year of a range. An open start is the first year the facts give
    /// (when none is given up to the last year, that last year is what is missing).
    fn range(&mut self, slot: u32, from: Option<&Expr>, to: &Expr) -> Outcome<(i32, i32)> {
        let last = self.year(to)?;
        let first = match from {
            Some(f) => self.year(f)?,
            None => match self.series_values(slot) {
                None => return Err(Stop::Needs(Need::Subject(slot))),
                Some(values) => match values.years.first() {
                    Some(&(y, _)) if y <= last => y,
                    _ => return Err(Stop::Needs(Need::Year(slot, last))),
                },
            },
        };
        Ok((first, last))
    }

    /// `销售收入[2021 .. 2023] = 2021: 4000万元, 2022: 5200万元, 2023: 4800万元`: the years a
    /// read of a series covers and each value given (or `not given`).
    pub fn series_words(&mut self, read: &SeriesRead, e: &Expr) -> String {
        let src = super::explain::source(self.program, e.span);
        let years = match &read.years {
            YearsRead::One(y) => self.year(y).map(|y| (y, y)),
            YearsRead::Range(_, from, to) => self.range(read.slot, from.as_ref(), to),
        };
        let (first, last) = match years {
            Ok(r) => r,
            Err(stop) => {
                return format!("{src}: {}", super::explain::stop_words(self.program, stop));
            }
        };
        let values = self.series_values(read.slot).cloned();
        let mut parts = Vec::new();
        for year in first..=last.min(first.saturating_add(50)) {
            let v = values.as_ref().and_then(|s| s.at(year));
            parts.push(match v {
                Some(v) => format!("{year}: {}", self.show_value(e.show, v)),
                None => format!("{year}: not given"),
            });
        }
        if first > last {
            parts.push(format!("no year from {first} to {last}"));
        }
        let result = match self.eval_series(read, e) {
            Ok(v) if matches!(read.years, YearsRead::Range(..)) => {
                format!(" -> {}", self.show_value(e.show, v))
            }
            _ => String::new(),
        };
        format!("{src} = {}{result}", parts.join(", "))
    }
}

/// Every read of a series reachable from `roots`, once each (by how it is written).
pub fn series_reads<'a>(
    program: &'a crate::compile::Program,
    locals: &'a [crate::compile::LetDef],
    roots: &[&'a Expr],
) -> Vec<(&'a SeriesRead, &'a Expr)> {
    let mut out: Vec<(&SeriesRead, &Expr)> = Vec::new();
    let text = |e: &Expr| super::explain::source(program, e.span);
    super::explain::reachable(program, locals, roots, |e| {
        if let ExprKind::Series(read) = &e.kind {
            // Written twice alike (in the condition and the award), it is shown once.
            if !out.iter().any(|(_, x)| text(x) == text(e)) {
                out.push((read, e));
            }
        }
    });
    out
}

/// The value of a digit, half-width or full-width (`２` is `2`, as keys are compared).
fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// The year of a key written as four digits (`"2023"`, `"２０２３"`), when there is such a
/// year: `"0000"` is none.
pub(super) fn year_key(text: &str) -> Option<i32> {
    let mut year = 0i64;
    let mut n = 0;
    for c in text.chars() {
        year = year * 10 + i64::from(digit(c)?);
        n += 1;
        if n > 4 {
            return None;
        }
    }
    (n == 4 && YEARS.contains(&year)).then_some(year as i32)
}

/// Whether `text` is four digits (half-width or full-width): a year's form, if not a year.
fn four_digits(text: &str) -> bool {
    text.chars().count() == 4 && text.chars().all(|c| digit(c).is_some())
}

/// The words of the series problems (F0165, F0166).
pub(super) fn problem_text(
    code: crate::problem::ProblemCode,
    name: &str,
    found: &str,
) -> Option<(String, String)> {
    use crate::problem::ProblemCode as C;
    Some(match code {
        C::BadYearKey if four_digits(found) => (
            format!("`{name}` gives a value for `{found}`, and there is no year 0: years run from 0001 to 9999"),
            format!("key each value by the year it is for: \"{name}\": {{\"2023\": \"5200万元\"}}"),
        ),
        C::BadYearKey => (
            format!("`{name}` gives a value for `{found}`, which is not a year written with four digits"),
            format!("key each value by its year: \"{name}\": {{\"2023\": \"5200万元\"}}"),
        ),
        C::SeriesShape if found.is_empty() => (
            format!("`{name}` holds one value per year, but the facts give it one value"),
            format!("give it by year: \"{name}\": {{\"2022\": \"4000万元\", \"2023\": \"5200万元\"}}"),
        ),
        C::SeriesShape => (
            format!("`{name}` holds one value, but the facts give it by year (`{found}`)"),
            format!("give it one value: \"{name}\": ..., or declare it `by year` in the policy"),
        ),
        _ => return None,
    })
}

impl<'t> super::facts::Reader<'t> {
    /// `"销售收入": {"2022": "4000万元", ...}`: each year's value as the attribute
    /// `销售收入[2022]`, the form population columns take; a key that is no four-digit year
    /// (F0165), a year given twice (F0113) or a value that is not one value (F0103) is refused.
    pub(super) fn series_object(
        &mut self,
        name: &str,
        v: &super::json::Node<'t>,
        path: &str,
        out: &mut std::collections::BTreeMap<String, super::facts::FactValue>,
    ) {
        use super::facts::{join_path, node_value, FactProblem};
        use crate::problem::ProblemCode as C;
        let super::json::Json::Object(pairs) = &v.value else {
            return;
        };
        let here = join_path(path, name);
        let mut seen: std::collections::HashSet<&str> = Default::default();
        for (k, y) in self.unique(pairs, &here) {
            // A year given twice in this object was reported by `unique`.
            if !seen.insert(k.as_str()) {
                continue;
            }
            let Some(year) = year_key(k) else {
                let p = FactProblem::new(C::BadYearKey, join_path(&here, k))
                    .name(name)
                    .found(k.as_str());
                self.problems.push(p);
                continue;
            };
            // `"２０２３"` is 2023: one year, however its digits are typed.
            let key = format!("{name}[{year:04}]");
            match node_value(&y.value) {
                Some(fv) => {
                    if out.insert(key.clone(), fv).is_some() {
                        self.given_twice(&key, path, y.at);
                    }
                }
                None => {
                    let place = self.place(y.at);
                    self.problems.push(
                        FactProblem::new(C::NotSingleValue, join_path(&here, k))
                            .name(key.as_str())
                            .found(y.value.kind_words())
                            .place(place),
                    );
                }
            }
        }
    }

    /// A year given both as `"销售收入[2022]"` and under `"销售收入": {"2022": ...}`.
    pub(super) fn given_twice(&mut self, key: &str, path: &str, at: usize) {
        let place = self.place(at);
        // Two spellings of one year (`［2023］`), or of one name (`金额` with U+F90A).
        let what = if series_name(key).is_some() {
            "another spelling of the same year"
        } else {
            "another spelling of the same name"
        };
        self.problems.push(
            super::facts::FactProblem::new(
                crate::problem::ProblemCode::DuplicateKey,
                super::facts::join_path(path, key),
            )
            .name(key)
            .first_place(what)
            .place(place),
        );
    }
}

/// Binds the subject's yearly series from attributes named `NAME[YEAR]` (how facts objects
/// keyed by year and population columns are both read) into `bound.series`, each value read
/// as the input's type. A series given as one value, or a plain input given per year, is
/// refused (F0166); a year that is not four digits is F0165.
pub(super) fn bind_series(
    program: &crate::compile::Program,
    attributes: &std::collections::BTreeMap<String, super::facts::FactValue>,
    bound: &mut super::facts::Bound,
    problems: &mut Vec<super::facts::FactProblem>,
) {
    use super::facts::{FactProblem, FactValue};
    use crate::problem::ProblemCode as C;
    let inputs = &program.subject_inputs;
    for (key, value) in attributes {
        let Some((name, year)) = series_name(key) else {
            continue;
        };
        let Some(slot) = inputs.iter().position(|i| i.name == name) else {
            continue;
        };
        let input = &inputs[slot];
        if !input.series {
            let p = FactProblem::new(C::SeriesShape, format!("attributes.{key}"))
                .name(name)
                .found(key.as_str());
            problems.push(p);
            continue;
        }
        let Some(year) = year_key(year) else {
            let p = FactProblem::new(C::BadYearKey, format!("attributes.{key}"))
                .name(name)
                .found(year);
            problems.push(p);
            continue;
        };
        let mut one = [None];
        let plain = crate::compile::InputDef {
            default: None,
            ..input.clone()
        };
        super::facts::bind_attributes(
            program,
            std::slice::from_ref(&plain),
            |_, _| Some(value.as_ref()),
            "attributes",
            &mut one,
            &mut bound.texts,
            problems,
        );
        let Some(v) = one[0] else {
            continue;
        };
        let slot = slot as u32;
        match bound.series.iter_mut().find(|s| s.slot == slot) {
            // Two spellings of one year (`销售收入[2023]`, `销售收入［２０２３］`) in a
            // population's row: which value holds would be a guess.
            Some(s) if s.years.iter().any(|(y, _)| *y == year) => {
                let p = FactProblem::new(C::DuplicateKey, format!("attributes.{key}"))
                    .name(key.as_str())
                    .first_place("another spelling of the same year");
                problems.push(p);
            }
            Some(s) => s.years.push((year, v)),
            None => bound.series.push(SeriesValues {
                slot,
                years: vec![(year, v)],
            }),
        }
    }
    for input in inputs.iter().filter(|i| i.series) {
        let given = attributes
            .get(&input.name)
            .is_some_and(|v| *v != FactValue::Null);
        if given {
            let p = FactProblem::new(C::SeriesShape, format!("attributes.{}", input.name))
                .name(input.name.as_str());
            problems.push(p);
        }
    }
    // Keys `NAME[YEAR]` come in text order, which is not year order once full-width digits
    // are among them.
    for s in &mut bound.series {
        s.years.sort_by_key(|(y, _)| *y);
    }
}

/// The instances of a clause paid for each year of a run: `(event date, year)` for each year,
/// the event date being the anchor's anniversary in that year (28 February for a 29 February
/// anchor in other years). Without the anchor date, one instance on the evaluation date with
/// no year, which is undetermined ([`no_run`]).
pub(super) fn run_years(
    run: &crate::compile::RunDef,
    bound: &super::facts::Bound,
    on: chrono::NaiveDate,
    mut push: impl FnMut(chrono::NaiveDate, Option<i32>),
) {
    use chrono::Datelike;
    let Some(Some(Value::Date(anchor))) = bound.subject.get(run.anchor as usize) else {
        return push(on, None);
    };
    let first = anchor.year() + i32::from(run.after);
    for k in 0..run.count {
        let Some(year) = i32::try_from(k).ok().and_then(|k| first.checked_add(k)) else {
            break;
        };
        // The anchor moved on whole years, as every period in months is counted.
        let months = u32::try_from(year - anchor.year())
            .ok()
            .and_then(|y| y.checked_mul(12));
        let date = months.and_then(|m| crate::dates::months_on(*anchor, m));
        match date {
            Some(d) if year <= 9999 => push(d, Some(year)),
            _ => break,
        }
    }
}

/// A clause paid per year of a run whose anchor date the facts do not give: undetermined,
/// waiting for that date (its years are not known).
pub(super) fn no_run<T: super::trace::Tracer>(
    program: &crate::compile::Program,
    clause: &crate::compile::ClauseDef,
    inst: &mut super::run::Verdict,
) {
    let Some(run) = &clause.run else {
        return;
    };
    let name = super::explain::need_name(program, Need::Subject(run.anchor));
    inst.outcome = super::decision::Outcome::Undetermined;
    let why = || format!("needs `{name}`: the years of the run count from it");
    T::reason(inst, why);
    inst.needs.push(name.clone());
}

/// Whether the clause's condition reads the event's date or year (directly, through a `let`,
/// or through a series read at a year): evaluated on the evaluation date it might fail where a
/// year of the run would not.
pub(super) fn reads_the_year(
    program: &crate::compile::Program,
    clause: &crate::compile::ClauseDef,
) -> bool {
    let mut reads = false;
    let roots: Vec<&Expr> = clause.when.iter().collect();
    super::explain::reachable(program, &clause.locals, &roots, |e| {
        reads |= matches!(e.kind, ExprKind::EventDate | ExprKind::Series(_));
    });
    reads
}

/// `(name, inside)` of an attribute or column named `name[inside]`; full-width brackets
/// (`name［inside］`) are brackets too, as keys are compared (`keys::key`).
pub fn series_name(key: &str) -> Option<(&str, &str)> {
    let inner = key.strip_suffix(']').or_else(|| key.strip_suffix('］'))?;
    let open = inner.rfind(['[', '［'])?;
    let bracket = inner[open..].chars().next()?.len_utf8();
    Some((&inner[..open], &inner[open + bracket..]))
}

/// The attribute or column `key` as it is compared: a year of a series in half-width
/// brackets and digits (`销售收入［２０２３］` is `销售收入[2023]`), anything else as written.
pub fn series_key(key: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if key.is_ascii() || !key.ends_with(['］', ']']) {
        return Cow::Borrowed(key);
    }
    let Some((name, inside)) = series_name(key) else {
        return Cow::Borrowed(key);
    };
    let inside: String = inside
        .chars()
        .map(|c| digit(c).and_then(|d| char::from_digit(d, 10)).unwrap_or(c))
        .collect();
    let folded = format!("{name}[{inside}]");
    if folded == key {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn values(v: &[(i32, i64)]) -> SeriesValues {
        SeriesValues {
            slot: 0,
            years: v
                .iter()
                .map(|&(y, n)| (y, Value::Num(Decimal::from(n))))
                .collect(),
        }
    }

    #[test]
    fn a_year_is_found_only_when_given() {
        let s = values(&[(2021, 5), (2023, 7)]);
        assert_eq!(s.at(2021), Some(Value::Num(Decimal::from(5))));
        assert_eq!(s.at(2022), None);
        assert_eq!(s.at(2023), Some(Value::Num(Decimal::from(7))));
    }

    proptest! {
        #[test]
        fn every_given_year_is_found(years in proptest::collection::btree_set(1i32..9999, 0..20)) {
            let given: Vec<(i32, i64)> = years.iter().map(|&y| (y, i64::from(y) * 3)).collect();
            let s = values(&given);
            for &(y, n) in &given {
                prop_assert_eq!(s.at(y), Some(Value::Num(Decimal::from(n))));
            }
            prop_assert_eq!(s.at(0), None);
        }
    }
}
