//! Evaluating compiled expressions against one subject (and one claim).
//!
//! Input: a compiled expression and an [`Env`]: the bound facts, parameter values at the event
//! date and caches for lets. Output: a value, or why there is none. Guarantee: every
//! arithmetic operation is checked (division by zero and overflow stop with the span), `and`,
//! `or` and `implies` decide as soon as one side decides even when the other is unknown, and
//! nothing is allocated.

use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::facts::{Bound, BoundClaim};
use super::value::{compare_numbers, Fault, Need, Outcome, Stop, Value};
use crate::compile::{ArithOp, ClauseDef, CmpOp, Expr, ExprKind, LetDef, Program, TimeUnit};

/// A cached let value: not yet computed, or its outcome.
pub type Cache = Option<Outcome<Value>>;

/// What an expression is evaluated against.
pub struct Env<'a> {
    /// The program.
    pub program: &'a Program,
    /// The subject's facts.
    pub bound: &'a Bound,
    /// The claim, for per-claim clauses.
    pub claim: Option<&'a BoundClaim>,
    /// Parameter values at the event date.
    pub params: &'a [Option<Value>],
    /// Policy-wide let values.
    pub lets: &'a mut [Cache],
    /// The clause whose local lets are in scope.
    pub clause: Option<&'a ClauseDef>,
    /// Clause-local let values.
    pub locals: &'a mut [Cache],
    /// The date of the event being judged (`event_date`): the claim's date for a per-claim
    /// clause, the evaluation date otherwise.
    pub date: NaiveDate,
}

/// A value the checker typed as a number is something else.
const NOT_A_NUMBER: Fault = Fault::Internal("a value the checker typed as a number is not one");

fn arith(op: ArithOp, a: Decimal, b: Decimal, e: &Expr) -> Outcome<Value> {
    let r = match op {
        // A sum or difference is exact or an overflow: `Decimal` would drop places to fit.
        ArithOp::Add => super::decision::add_exact(a, b),
        ArithOp::Sub => super::decision::sub_exact(a, b),
        // A product may be rounded far below the fen (a rate with many places), never where
        // money is counted: one that keeps fewer than eight places, and fewer than its
        // factors have together, is too large to compute exactly.
        ArithOp::Mul => a
            .checked_mul(b)
            .filter(|p| p.is_zero() || p.scale() >= (a.scale() + b.scale()).min(8)),
        ArithOp::Div => {
            if b.is_zero() {
                return Err(Stop::Fault(Fault::DivisionByZero, e.span));
            }
            a.checked_div(b)
        }
    };
    r.map(Value::Num)
        .ok_or(Stop::Fault(Fault::Overflow, e.span))
}

/// Whether a comparison holds for two values in this order.
#[inline(always)]
pub(super) fn holds(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
    }
}

impl Env<'_> {
    /// The text behind a text value.
    pub fn text(&self, id: u32) -> &str {
        let own = self.program.texts.len();
        let id = id as usize;
        if id < own {
            &self.program.texts[id]
        } else {
            self.bound.texts.get(id - own).map_or("", String::as_str)
        }
    }

    fn cached(&mut self, local: bool, i: usize) -> Outcome<Value> {
        let slot = if local {
            self.locals.get(i)
        } else {
            self.lets.get(i)
        };
        if let Some(Some(v)) = slot {
            return *v;
        }
        let def: Option<&LetDef> = if local {
            self.clause.and_then(|c| c.locals.get(i))
        } else {
            self.program.lets.get(i)
        };
        let Some(def) = def else {
            return Err(Stop::Fault(
                Fault::Internal("a let is read that the compiled policy does not hold"),
                Default::default(),
            ));
        };
        let v = self.eval(&def.expr);
        let slot = if local {
            self.locals.get_mut(i)
        } else {
            self.lets.get_mut(i)
        };
        if let Some(slot) = slot {
            *slot = Some(v);
        }
        v
    }

    /// The subject's input in slot `i`.
    #[inline(always)]
    fn subject(&self, i: u32) -> Outcome<Value> {
        self.bound
            .subject
            .get(i as usize)
            .copied()
            .flatten()
            .ok_or(Stop::Needs(Need::Subject(i)))
    }

    /// A number operand: an input or a constant read in place, anything else evaluated.
    #[inline(always)]
    fn operand(&mut self, e: &Expr) -> Outcome<Decimal> {
        let v = match &e.kind {
            ExprKind::Subject(i) => self.subject(*i)?,
            ExprKind::Const(v) => *v,
            _ => return self.eval_num(e),
        };
        match v {
            Value::Num(d) => Ok(d),
            // INVARIANT: the checker made sure amounts are numbers.
            _ => Err(Stop::Fault(NOT_A_NUMBER, e.span)),
        }
    }

    /// Evaluates `e` to a yes/no value.
    pub fn eval_bool(&mut self, e: &Expr) -> Outcome<bool> {
        let v = match &e.kind {
            // A yes/no input, the commonest condition, read in place.
            ExprKind::Subject(i) => self.subject(*i)?,
            _ => self.eval(e)?,
        };
        match v {
            Value::Bool(b) => Ok(b),
            // INVARIANT: the checker made sure conditions are yes/no values.
            _ => Err(Stop::Fault(
                Fault::Internal("a condition's value is not yes or no"),
                e.span,
            )),
        }
    }

    /// `and` (`decisive` false) and `or` (`decisive` true), the first side negated when
    /// `negate_first`: a side that equals `decisive` decides, even when the other side is
    /// unknown or cannot be computed; otherwise the first unknown side's reason stands.
    fn logic(&mut self, a: &Expr, b: &Expr, decisive: bool, negate_first: bool) -> Outcome<bool> {
        match self.eval_bool(a).map(|x| x != negate_first) {
            Ok(x) if x == decisive => Ok(decisive),
            Ok(_) => self.eval_bool(b),
            Err(stop) => match self.eval_bool(b) {
                Ok(y) if y == decisive => Ok(decisive),
                _ => Err(stop),
            },
        }
    }

    /// Evaluates `e` to a number.
    pub fn eval_num(&mut self, e: &Expr) -> Outcome<Decimal> {
        match self.eval(e)? {
            Value::Num(d) => Ok(d),
            // INVARIANT: the checker made sure amounts are numbers.
            _ => Err(Stop::Fault(NOT_A_NUMBER, e.span)),
        }
    }

    /// Compares two values of the same kind.
    pub fn compare(&self, a: Value, b: Value) -> Option<Ordering> {
        match (a, b) {
            (Value::Num(x), Value::Num(y)) => Some(compare_numbers(x, y)),
            (Value::Date(x), Value::Date(y)) => Some(x.cmp(&y)),
            (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(&y)),
            (Value::Enum(x), Value::Enum(y)) => Some(x.cmp(&y)),
            (Value::Text(x), Value::Text(y)) => Some(self.text(x).cmp(self.text(y))),
            _ => None,
        }
    }

    /// Evaluates `e`.
    pub fn eval(&mut self, e: &Expr) -> Outcome<Value> {
        match &e.kind {
            ExprKind::Const(v) => Ok(*v),
            ExprKind::Subject(i) => self.subject(*i),
            ExprKind::Claim(i) => self
                .claim
                .and_then(|c| c.values.get(*i as usize).copied().flatten())
                .ok_or(Stop::Needs(Need::Claim(*i))),
            ExprKind::Param(i) => self
                .params
                .get(*i as usize)
                .copied()
                .flatten()
                .ok_or(Stop::Needs(Need::Param(*i))),
            ExprKind::Let(i) => self.cached(false, *i as usize),
            ExprKind::Local(i) => self.cached(true, *i as usize),
            ExprKind::Neg(x) => Ok(Value::Num(-self.eval_num(x)?)),
            ExprKind::Not(x) => Ok(Value::Bool(!self.eval_bool(x)?)),
            ExprKind::Arith(op, a, b) => {
                let a = self.operand(a)?;
                let b = self.operand(b)?;
                arith(*op, a, b, e)
            }
            ExprKind::Cmp(op, a, b) => {
                let a = match &a.kind {
                    ExprKind::Subject(i) => self.subject(*i)?,
                    _ => self.eval(a)?,
                };
                // Most comparisons are with a constant: read in place, not through a call.
                let b = match &b.kind {
                    ExprKind::Const(v) => *v,
                    _ => self.eval(b)?,
                };
                // INVARIANT: the checker only lets values of one kind be compared.
                let Some(ord) = self.compare(a, b) else {
                    return Err(Stop::Fault(
                        Fault::Internal("two values of different kinds are compared"),
                        e.span,
                    ));
                };
                Ok(Value::Bool(holds(*op, ord)))
            }
            ExprKind::And(a, b) => self.logic(a, b, false, false).map(Value::Bool),
            ExprKind::Or(a, b) => self.logic(a, b, true, false).map(Value::Bool),
            // `a implies b` is `not a or b`.
            ExprKind::Implies(a, b) => self.logic(a, b, true, true).map(Value::Bool),
            ExprKind::In(x, flags) => match self.eval(x)? {
                Value::Enum(i) => Ok(Value::Bool(
                    flags.get(usize::from(i)).copied().unwrap_or(false),
                )),
                // INVARIANT: the checker only lets enum values be tested for membership.
                _ => Err(Stop::Fault(
                    Fault::Internal("a value that is not an enum variant is tested with `in`"),
                    e.span,
                )),
            },
            ExprKind::Min(args) | ExprKind::Max(args) => {
                let want = if matches!(e.kind, ExprKind::Min(_)) {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                let mut best: Option<Decimal> = None;
                for a in args.iter() {
                    let v = self.eval_num(a)?;
                    best = Some(match best {
                        Some(b) if b.cmp(&v) == want || b == v => b,
                        _ => v,
                    });
                }
                // INVARIANT: the grammar gives `min` and `max` at least one argument.
                best.map(Value::Num).ok_or(Stop::Fault(
                    Fault::Internal("`min` or `max` has no argument"),
                    e.span,
                ))
            }
            ExprKind::Table(key, rows) => {
                // A variant picks the row at its position; yes/no picks row 0 (`false`) or 1.
                let slot = match self.eval(key)? {
                    Value::Enum(i) => usize::from(i),
                    Value::Bool(b) => usize::from(b),
                    // INVARIANT: the checker made sure a table's key is an enum or yes/no.
                    _ => {
                        return Err(Stop::Fault(
                            Fault::Internal("a tier table's key is neither a variant nor yes/no"),
                            e.span,
                        ))
                    }
                };
                match rows.get(slot) {
                    Some(row) => self.eval(row),
                    // INVARIANT: the checker made sure a table has a row for every value.
                    None => Err(Stop::Fault(
                        Fault::Internal("a tier table has no row for a value of its key"),
                        e.span,
                    )),
                }
            }
            ExprKind::Bracket(value, arms) => {
                let v = self.eval_num(value)?;
                for arm in arms.iter() {
                    let above = arm
                        .lower
                        .is_none_or(|(t, inc)| if inc { v >= t } else { v > t });
                    let below = arm
                        .upper
                        .is_none_or(|(t, inc)| if inc { v <= t } else { v < t });
                    if above && below {
                        return self.eval(&arm.value);
                    }
                }
                Err(Stop::Fault(Fault::NoBracketRow, e.span))
            }
            ExprKind::If(..) | ExprKind::EventDate | ExprKind::Year(_) | ExprKind::Between(..) => {
                self.eval_choice_or_date(e)
            }
            ExprKind::Series(read) => self.eval_series(read, e),
            ExprKind::Broken(what) => Err(Stop::Fault(Fault::Internal(what), e.span)),
        }
    }

    /// Evaluates an `if`, `event_date` or a function of dates.
    fn eval_choice_or_date(&mut self, e: &Expr) -> Outcome<Value> {
        match &e.kind {
            ExprKind::If(c, a, b) => {
                if self.eval_bool(c)? {
                    self.eval(a)
                } else {
                    self.eval(b)
                }
            }
            ExprKind::EventDate => Ok(Value::Date(self.date)),
            ExprKind::Year(d) => {
                let d = self.eval_date(d)?;
                Ok(Value::Num(Decimal::from(d.year())))
            }
            ExprKind::Between(unit, a, b) => {
                let (a, b) = (self.eval_date(a)?, self.eval_date(b)?);
                Ok(Value::Num(Decimal::from(between(*unit, a, b))))
            }
            // INVARIANT: called for the four kinds above only.
            _ => Err(Stop::Fault(
                Fault::Internal("an expression was evaluated as a choice or a date function"),
                e.span,
            )),
        }
    }

    /// Evaluates `e` to a date.
    fn eval_date(&mut self, e: &Expr) -> Outcome<NaiveDate> {
        match self.eval(e)? {
            Value::Date(d) => Ok(d),
            // INVARIANT: the checker gives date functions dates only.
            _ => Err(Stop::Fault(
                Fault::Internal("a value the checker typed as a date is not one"),
                e.span,
            )),
        }
    }
}

/// Whole `unit`s from `a` to `b`, negative when `b` is earlier. A month passes on the same day
/// of the next month, or on its last day when it is shorter (31 January to 28 February is one
/// month); a year is twelve such months.
pub fn between(unit: TimeUnit, a: NaiveDate, b: NaiveDate) -> i64 {
    if b < a {
        return -between(unit, b, a);
    }
    let months = || {
        let guess = (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32;
        let guess = u32::try_from(guess).unwrap_or(0);
        // `a` plus `guess` months may pass `b` when `b`'s day comes before `a`'s.
        let reaches = |n: u32| crate::dates::months_on(a, n).is_some_and(|d| d <= b);
        i64::from(if reaches(guess) {
            guess
        } else {
            guess.saturating_sub(1)
        })
    };
    match unit {
        TimeUnit::Days => (b - a).num_days(),
        TimeUnit::Months => months(),
        TimeUnit::Years => months() / 12,
    }
}

#[cfg(test)]
mod time_tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn whole_units_between_dates() {
        use TimeUnit::*;
        assert_eq!(between(Years, d("2021-06-30"), d("2024-06-29")), 2);
        assert_eq!(between(Years, d("2021-06-30"), d("2024-06-30")), 3);
        assert_eq!(between(Years, d("2024-06-30"), d("2021-06-30")), -3);
        assert_eq!(between(Months, d("2024-01-31"), d("2024-02-28")), 0);
        assert_eq!(between(Months, d("2024-01-31"), d("2024-02-29")), 1);
        assert_eq!(between(Months, d("2023-01-31"), d("2023-02-28")), 1);
        assert_eq!(between(Months, d("2022-03-01"), d("2024-02-29")), 23);
        assert_eq!(between(Months, d("2022-03-01"), d("2024-03-01")), 24);
        assert_eq!(between(Years, d("2024-02-29"), d("2025-02-28")), 1);
        assert_eq!(between(Days, d("2024-02-28"), d("2024-03-01")), 2);
        assert_eq!(between(Days, d("2024-03-01"), d("2024-02-28")), -2);
        assert_eq!(between(Years, d("0001-01-01"), d("9999-12-31")), 9998);
    }
}
