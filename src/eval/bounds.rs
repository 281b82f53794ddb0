//! Running totals: per-subject caps and limits (yearly or not, shared or a clause's own).
//!
//! Input: a subject's verdicts in evaluation order, each with the bounds it is counted against.
//! Output: what each award pays once every bound has counted it (the cut said through the
//! tracer). Guarantee: a bound cuts an award to the room its running total has left, never
//! below zero; every running total counts what the award finally pays after all its bounds,
//! so the result does not hang on the order of the `limit` lines; a range keeps its least at
//! most its most.

use rust_decimal::Decimal;

use super::decision::Amount;
use super::explain::source;
use super::format;
use super::instance::step;
use super::run::{Scratch, Verdict};
use super::trace::Tracer;
use super::Evaluator;
use crate::ast::Span;
use crate::compile::{BoundDef, ExprKind, Kind, LimitUse, Program};

/// What a cap or limit counts per, for one subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Scope {
    /// Per claim: applied at once, like a cap.
    Claim,
    /// Per subject: a running total.
    Subject,
    /// For another kind of subject: does not apply.
    Other,
}

/// What a bound counts per (`per`) for a subject of kind `subject`.
pub(super) fn scope(per: Kind, subject: Kind) -> Scope {
    if per == Kind::Project {
        Scope::Claim
    } else if per == subject {
        Scope::Subject
    } else {
        Scope::Other
    }
}

/// The key of a running total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Counter {
    /// A clause's per-subject cap `k`.
    Cap {
        pi: usize,
        ci: usize,
        k: usize,
        year: Option<i32>,
    },
    /// A shared limit; `claim` is set for a limit counted per project, whose running total
    /// is the claim's over every clause that names the limit.
    Shared {
        pi: usize,
        li: usize,
        year: Option<i32>,
        claim: Option<Option<usize>>,
    },
    /// A clause's own limit `k`.
    Own {
        pi: usize,
        ci: usize,
        k: usize,
        year: Option<i32>,
    },
}

impl Counter {
    /// The year the running total counts, for a yearly bound.
    fn year(self) -> Option<i32> {
        match self {
            Counter::Cap { year, .. }
            | Counter::Shared { year, .. }
            | Counter::Own { year, .. } => year,
        }
    }
}

/// What is paid of `paid` under a running total `limit` of which `lo_used..hi_used` is counted
/// already: `paid` itself, as it is written, when the bound does not cut it.
///
/// The room left is `limit - used`, so it is least when the most was counted before: the
/// award's least pairs with the room after the most counted, its most with the room after the
/// least counted.
#[inline]
fn cut(paid: Amount, limit: Decimal, lo_used: Decimal, hi_used: Decimal) -> Amount {
    // Nothing counted yet (running totals never go below zero) and the award within the
    // limit: the usual case of a cap, decided by one comparison.
    if hi_used.is_zero() && paid.max() <= limit {
        return paid;
    }
    let room = |used: Decimal| (limit - used).max(Decimal::ZERO);
    let lo = paid.min().min(room(hi_used));
    let hi = paid.max().min(room(lo_used));
    let after = Amount::between(lo, hi);
    if after == paid {
        paid
    } else {
        after
    }
}

/// A running total `limit` of which `lo_used..hi_used` was counted, after `paid` is counted:
/// `min(used + paid, limit)` at each end.
fn counted(paid: Amount, limit: Decimal, lo_used: Decimal, hi_used: Decimal) -> (Decimal, Decimal) {
    // Past what a decimal holds, a sum of amounts at least zero is past the limit too.
    let total = |used: Decimal, add: Decimal| {
        used.checked_add(add)
            .map_or(limit, |sum| sum.min(limit))
            .max(used)
    };
    (total(lo_used, paid.min()), total(hi_used, paid.max()))
}

/// Adds what an award finally pays to the running total of `counter`.
fn record(
    used: &mut [(Counter, (Decimal, Decimal))],
    counter: Counter,
    limit: Decimal,
    paid: Amount,
) {
    if let Some((_, sums)) = used.iter_mut().find(|(c, _)| *c == counter) {
        *sums = counted(paid, limit, sums.0, sums.1);
    }
}

impl<'p, T: Tracer> Evaluator<'p, T> {
    /// Applies the running totals of one kind (per-subject caps when `caps`, else limits) to
    /// the awarded verdicts, in evaluation order.
    pub(super) fn apply_counters(&self, scratch: &mut Scratch<'p>, caps: bool) {
        if scratch.bounds.is_empty() {
            // No instance reached a running-total bound.
            return;
        }
        let used = &mut scratch.used;
        used.clear();
        let kind = if caps { "subject_cap" } else { "limit" };
        for inst in scratch
            .instances
            .iter_mut()
            .filter(|i| i.outcome == super::Outcome::Awarded)
        {
            let range = inst.counters.0 as usize..inst.counters.1 as usize;
            let of_kind = |&&(counter, _): &&(Counter, Decimal)| {
                matches!(counter, Counter::Cap { .. }) == caps
            };
            for &(counter, limit) in scratch.bounds[range.clone()].iter().filter(of_kind) {
                let slot = match used.iter().position(|(c, _)| *c == counter) {
                    Some(i) => i,
                    None => {
                        used.push((counter, (Decimal::ZERO, Decimal::ZERO)));
                        used.len() - 1
                    }
                };
                // What this bound has counted is updated once the award has met all its
                // bounds: a later bound may cut it further.
                self.apply_bound(inst, counter, limit, used[slot].1, kind);
            }
            // Every bound counts what the award pays after all of them, not what one of them
            // let through: otherwise a yearly limit would count an amount a per-project limit
            // cut further, and cut later awards that fit (the result would hang on the order
            // of the `limit` lines).
            let Some(paid) = inst.paid else { continue };
            for &(counter, limit) in scratch.bounds[range].iter().filter(of_kind) {
                record(used, counter, limit, paid);
            }
        }
    }

    /// Applies the bound `counter` of `limit`, of which `used` (least, most) is counted
    /// already, to what `inst` pays: the cut is an adjustment of `kind`; an explanation also
    /// says when the bound is not reached.
    #[inline]
    pub(super) fn apply_bound(
        &self,
        inst: &mut Verdict,
        counter: Counter,
        limit: Decimal,
        (lo_used, hi_used): (Decimal, Decimal),
        kind: &'static str,
    ) {
        let Some(paid) = inst.paid else { return };
        let after = cut(paid, limit, lo_used, hi_used);
        // The words: the bound, what it counted before this award, and in which year.
        let said = || {
            let (text, span) = self.counter_text(counter, limit);
            let before = format::amount(Amount::between(lo_used, hi_used));
            let period = counter.year().map_or(String::new(), |y| format!(" in {y}"));
            (text, span, before, period)
        };
        if after != paid {
            T::adjustment(inst, kind, (paid, after), || {
                let (text, span, before, period) = said();
                let detail = format!(
                    "{text}: {before} already counted{period}, so {} is cut to {}",
                    format::amount(paid),
                    format::amount(after)
                );
                (detail, span)
            });
            inst.paid = Some(after);
        } else {
            T::step(inst, || {
                let (text, span, before, period) = said();
                let text =
                    format!("{text}: not reached ({before} counted{period} before this award)");
                let kind = if kind == "subject_cap" { "cap" } else { kind };
                step(kind, text, None, span)
            });
        }
    }

    /// The words of the cap or limit behind a running total, and where it is written.
    fn counter_text(&self, counter: Counter, limit: Decimal) -> (String, Option<Span>) {
        let programs = &self.set.programs;
        let found = match counter {
            Counter::Cap { pi, ci, k, .. } => {
                programs[pi].clauses[ci].caps.get(k).map(|b| (pi, b, "cap"))
            }
            Counter::Shared { pi, li, .. } => {
                programs[pi].limits.get(li).map(|l| (pi, &l.bound, "limit"))
            }
            Counter::Own { pi, ci, k, .. } => match programs[pi].clauses[ci].limits.get(k) {
                Some(LimitUse::Own(b)) => Some((pi, b, "limit")),
                _ => None,
            },
        };
        found.map_or_else(
            || (String::new(), None),
            |(pi, b, what)| {
                let text = describe_bound(&programs[pi], what, b, limit);
                (text, Some(b.amount.span))
            },
        )
    }
}

/// `cap 10万元 per project`, `limit 每家每年 ... per institution per year`.
/// `cap 500万元 per enterprise`; a bound written as an expression also shows the value it
/// came to (`cap 100万元 / 3 = 333,333.33 元 per person`).
pub(super) fn describe_bound(
    program: &Program,
    what: &str,
    b: &BoundDef,
    value: Decimal,
) -> String {
    let computed = if matches!(b.amount.kind, ExprKind::Const(_)) {
        String::new()
    } else {
        format!(" = {}", format::money(value))
    };
    format!(
        "{what} {}{computed} per {}{}",
        source(program, b.amount.span),
        if b.per_run { "run" } else { b.per.as_str() },
        if b.per_year { " per year" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn a_range_under_a_limit_pairs_its_least_with_the_most_counted_before() {
        // 3万元 per year; an "up to 2万元" award counted before (0 to 2万元), then a fixed
        // 2万元: what is left is 1万元 when the first paid its most, 3万元 when it paid nothing.
        let paid = Amount::Exact(d("20000"));
        let after = cut(paid, d("30000"), d("0"), d("20000"));
        assert_eq!(after, Amount::between(d("10000"), d("20000")));
        let (lo, hi) = counted(paid, d("30000"), d("0"), d("20000"));
        assert_eq!((lo, hi), (d("20000"), d("30000")));
    }

    proptest::proptest! {
        #[test]
        fn a_cut_never_inverts_a_range_and_keeps_the_running_total_within_the_limit(
            a in 0i64..1_000_000, b in 0i64..1_000_000, limit in 0i64..2_000_000,
            u in 0i64..2_000_000, v in 0i64..2_000_000,
        ) {
            let paid = Amount::between(Decimal::from(a.min(b)), Decimal::from(a.max(b)));
            let limit = Decimal::from(limit);
            let (lo_used, hi_used) = (Decimal::from(u.min(v)).min(limit), Decimal::from(u.max(v)).min(limit));
            let after = cut(paid, limit, lo_used, hi_used);
            let (lo, hi) = counted(paid, limit, lo_used, hi_used);
            proptest::prop_assert!(after.min() <= after.max());
            proptest::prop_assert!(lo <= hi && hi <= limit.max(hi_used));
            // Each end of the running total is what that end of the award brings it to.
            proptest::prop_assert_eq!(lo, (lo_used + paid.min()).min(limit));
            proptest::prop_assert_eq!(hi, (hi_used + paid.max()).min(limit));
            // What is paid is what fits in the room left at each end.
            let room = |used: Decimal| (limit - used).max(Decimal::ZERO);
            proptest::prop_assert_eq!(after.min(), paid.min().min(room(hi_used)));
            proptest::prop_assert_eq!(after.max(), paid.max().min(room(lo_used)));
        }
    }
}
