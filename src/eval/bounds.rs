//! Running totals: per-subject caps and limits (yearly or not, shared or a clause's own).
//!
//! Input: a subject's verdicts in evaluation order, each with the bounds it is counted against.
//! Output: what each award pays once every bound (and non-cumulation) has counted it (the cut
//! said through the tracer). Guarantee: a bound cuts an award to the room its running total
//! has left, never below zero; every running total, caps included, counts what the award
//! finally pays after all its bounds and non-cumulation, so the result does not hang on the
//! order of the `limit` lines and no award is cut below the room what was actually paid left;
//! a range keeps its least at most its most.

use rust_decimal::Decimal;

use super::decision::Amount;
use super::explain::source;
use super::format;
use super::instance::step;
use super::run::{Scratch, Verdict};
use super::trace::Tracer;
use super::value::{Fault, Stop};
use super::Evaluator;
use crate::ast::{RoundingMode, Span};
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
    /// A clause's cap `k` (or own limit `k`, when `limit`) per claim, for claim `claim`:
    /// applied as the claim is evaluated, listed only for its headroom.
    Claim {
        pi: usize,
        ci: usize,
        k: usize,
        limit: bool,
        claim: usize,
    },
}

impl Counter {
    /// The policy whose bound it counts.
    pub(super) fn pi(self) -> usize {
        match self {
            Counter::Cap { pi, .. }
            | Counter::Shared { pi, .. }
            | Counter::Own { pi, .. }
            | Counter::Claim { pi, .. } => pi,
        }
    }

    /// The per-claim form of a clause's cap or own limit `counter`, for `claim`.
    pub(super) fn per_claim(counter: Counter, claim: Option<usize>) -> Option<Counter> {
        let claim = claim?;
        match counter {
            Counter::Cap { pi, ci, k, .. } => Some(Counter::Claim {
                pi,
                ci,
                k,
                limit: false,
                claim,
            }),
            Counter::Own { pi, ci, k, .. } => Some(Counter::Claim {
                pi,
                ci,
                k,
                limit: true,
                claim,
            }),
            _ => None,
        }
    }

    /// Whether the running total counts part `year` of an award: a yearly limit counts only
    /// the stages paid in its year (`None`: the award as a whole, counted by every bound).
    pub(super) fn counts(self, year: Option<i32>) -> bool {
        match (self.limit_year(), year) {
            (Some(y), Some(part)) => y == part,
            _ => true,
        }
    }

    /// The year of a yearly limit (not of a cap, which bounds a whole award).
    pub(super) fn limit_year(self) -> Option<i32> {
        match self {
            Counter::Shared { year, .. } | Counter::Own { year, .. } => year,
            Counter::Cap { .. } | Counter::Claim { .. } => None,
        }
    }

    /// The year the running total counts, for a yearly bound.
    fn year(self) -> Option<i32> {
        match self {
            Counter::Cap { year, .. }
            | Counter::Shared { year, .. }
            | Counter::Own { year, .. } => year,
            Counter::Claim { .. } => None,
        }
    }
}

/// What verdict `v` counts towards `counter`: what it pays, or, for a staged award counted
/// year by year, what its stages paid in the year of a yearly limit come to.
pub(super) fn counted_by(v: &Verdict, counter: Counter) -> Option<Amount> {
    match (&v.stages, counter.limit_year()) {
        (Some(s), Some(y)) if s.years.len() > 1 => s.paid_now_in(y),
        _ => v.paid,
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
    // `lo` is at most `hi`: the room after the most counted is at most the room after the
    // least counted.
    let after = Amount::spanning(lo, hi);
    if after == paid {
        paid
    } else {
        after
    }
}

/// A running total `limit` of which `lo_used..hi_used` was counted (when every award before
/// is at its least, and at its most), after an award that pays `lo..hi` in those two cases:
/// `min(used + paid, limit)` at each end.
fn counted(
    (lo, hi): (Decimal, Decimal),
    limit: Decimal,
    lo_used: Decimal,
    hi_used: Decimal,
) -> (Decimal, Decimal) {
    // Past what a decimal holds, a sum of amounts at least zero is past the limit too.
    let total = |used: Decimal, add: Decimal| {
        super::decision::add_exact(used, add)
            .map_or(limit, |sum| sum.min(limit))
            .max(used)
    };
    (total(lo_used, lo), total(hi_used, hi))
}

/// The running totals of a subject: counter and what it counted.
type Used = Vec<(Counter, [(Decimal, Decimal); 2])>;

/// Counters looked through one by one; past this many (a subject with many claims under a
/// limit per project has one per claim), they are found through a map.
const FEW: usize = 16;

/// The running total of `counter` in `used` (found through `at` once there are many), added
/// (at zero) when first met.
fn slot(
    used: &mut Used,
    at: &mut std::collections::HashMap<Counter, usize, impl std::hash::BuildHasher>,
    counter: Counter,
) -> usize {
    let found = if used.len() <= FEW {
        used.iter().position(|(c, _)| *c == counter)
    } else {
        at.get(&counter).copied()
    };
    if let Some(i) = found {
        return i;
    }
    used.push((counter, [(Decimal::ZERO, Decimal::ZERO); 2]));
    if used.len() == FEW + 1 {
        at.clear();
        at.extend(used.iter().enumerate().map(|(i, (c, _))| (*c, i)));
    } else if used.len() > FEW {
        at.insert(counter, used.len() - 1);
    }
    used.len() - 1
}

impl<'p, T: Tracer> Evaluator<'p, T> {
    /// Applies the per-subject caps, non-cumulation and limits to the awarded verdicts, in
    /// evaluation order (README, "Order of evaluation", steps 3 to 5), one event (a claim, or
    /// the subject's clauses on the evaluation date) at a time: its awards meet their caps,
    /// then non-cumulation among them, then their limits; only then is what each award finally
    /// pays counted by every cap and limit it met. So a cap counts neither a superseded award
    /// nor the part of an award a limit cut, and a later award is cut only to the room that
    /// what was actually paid left.
    ///
    /// A subject's earlier grants (its history, `bound`) are counted first: every running
    /// total starts from what they paid under it.
    pub(super) fn apply_running_totals(
        &self,
        scratch: &mut Scratch<'p>,
        bound: &[super::facts::Bound],
    ) {
        // Awards that another award of the decision may have paid already are decided event
        // by event, as running totals are.
        if scratch.bounds.is_empty() && !self.set.once_in_decision() {
            // No instance reached a running-total bound.
            self.apply_same_matter(scratch);
            // Stages split what caps and non-cumulation left.
            if self.set.has_stages() {
                self.apply_stages(scratch, 0..scratch.instances.len());
            }
            return;
        }
        scratch.used.clear();
        scratch.kept.clear();
        scratch.presumed.clear();
        scratch.once_by.clear();
        self.seed_from_history(scratch, bound);
        if self.set.once_in_decision() {
            self.index_once(scratch);
        }
        self.across_levels(
            &mut scratch.instances,
            &scratch.once_at,
            &mut scratch.presumed,
        );
        let mut start = 0;
        while start < scratch.instances.len() {
            let event = |v: &Verdict| (v.date, v.claim);
            let first = event(&scratch.instances[start]);
            let end = scratch.instances[start..]
                .iter()
                .position(|v| event(v) != first)
                .map_or(scratch.instances.len(), |n| start + n);
            if self.set.once_in_decision() {
                self.once_in_event(scratch, bound, start..end);
            }
            self.apply_event(scratch, start..end);
            if !scratch.once_by.is_empty() {
                self.once_after_caps(scratch);
            }
            start = end;
        }
    }

    /// Starts the running total of every bound the verdicts reach from what the subject's
    /// history paid under it (nothing to do for a subject without history).
    fn seed_from_history(&self, scratch: &mut Scratch<'p>, bound: &[super::facts::Bound]) {
        if bound.iter().all(|b| b.history.is_empty()) {
            return;
        }
        for &(counter, _) in scratch.bounds.iter() {
            let known = scratch.used.len();
            let at = slot(&mut scratch.used, &mut scratch.used_at, counter);
            if at == known {
                let pi = counter.pi();
                let (_, before) = super::history::seed(&bound[pi], counter);
                scratch.used[at].1 = [(before, before); 2];
            }
        }
    }

    /// [`Evaluator::apply_running_totals`] for the verdicts `event` of one event.
    fn apply_event(&self, scratch: &mut Scratch<'p>, event: std::ops::Range<usize>) {
        let awarded = |v: &Verdict| v.outcome == super::Outcome::Awarded;
        if !scratch.instances[event.clone()].iter().any(awarded) {
            return;
        }
        scratch.leasts.clear();
        for i in event.clone() {
            let least = scratch.instances[i].paid.map_or(Decimal::ZERO, |p| p.min());
            scratch.leasts.push(least);
            self.meet_bounds(scratch, i, true, None);
        }
        self.keep_highest_in(scratch, event.clone());
        // Stages split what caps and non-cumulation left; limits count what is paid now.
        if self.set.has_stages() {
            self.apply_stages(scratch, event.clone());
            // A staged award's least is now that of what it pays now.
            for i in event.clone() {
                let inst = &scratch.instances[i];
                if inst.stages.is_some() {
                    scratch.leasts[i - event.start] = inst.paid.map_or(Decimal::ZERO, |p| p.min());
                }
            }
        }
        for i in event.clone() {
            let Some(before) = scratch.instances[i]
                .paid
                .filter(|_| awarded(&scratch.instances[i]))
            else {
                continue;
            };
            // Its least before the caps (raised to the floor of an award it superseded), as
            // the caps paired it with the most counted.
            let least = scratch.leasts[i - event.start].max(before.min());
            // A staged award whose stages paid now fall in several years is counted year by
            // year, each year's stages against the yearly limits of that year (and, in the
            // order of the years, against the other bounds); any other award at once.
            let years = match &scratch.instances[i].stages {
                Some(s) if s.years.len() > 1 => s.years.clone(),
                _ => Vec::new(),
            };
            let (paid, lo, hi) = if years.is_empty() {
                let (paid, lo, hi) = self.count_part(scratch, i, None, least);
                let parts = [(None, before, paid)];
                if scratch.instances[i].stages.is_some() {
                    self.stages_after_limits(&mut scratch.instances[i], before, &parts);
                }
                (paid, lo, hi)
            } else {
                match self.count_years(scratch, i, &years) {
                    Some(counted) => counted,
                    None => continue,
                }
            };
            if (lo, hi) != (paid.min(), paid.max()) {
                scratch.ends.push((i, lo, hi));
            }
        }
    }

    /// Counts part `year` of verdict `i`, which it pays now (`None`: the whole award), against
    /// its bounds that count that part: cut to the room each has left, then counted by each.
    /// Gives what the part pays, and what it pays when every award is at its least and at
    /// its most (from `least`, the least it could be paid before its bounds).
    fn count_part(
        &self,
        scratch: &mut Scratch<'p>,
        i: usize,
        year: Option<i32>,
        least: Decimal,
    ) -> (Amount, Decimal, Decimal) {
        let most = scratch.instances[i].paid.map_or(Decimal::ZERO, |p| p.max());
        self.meet_bounds(scratch, i, false, year);
        let inst = &scratch.instances[i];
        let range = inst.counters.0 as usize..inst.counters.1 as usize;
        let paid = inst.paid.unwrap_or(Amount::ZERO);
        // What it pays when every award is at its least, and at its most: the room each
        // bound has left in that same case.
        let (mut lo, mut hi) = (least, most);
        for &(counter, limit) in &scratch.bounds[range.clone()] {
            if !counter.counts(year) {
                continue;
            }
            let at = slot(&mut scratch.used, &mut scratch.used_at, counter);
            let (lo_used, hi_used) = scratch.used[at].1[1];
            lo = lo.min((limit - lo_used).max(Decimal::ZERO));
            hi = hi.min((limit - hi_used).max(Decimal::ZERO));
        }
        for &(counter, limit) in &scratch.bounds[range] {
            if !counter.counts(year) {
                continue;
            }
            let at = slot(&mut scratch.used, &mut scratch.used_at, counter);
            let [own, ends] = &mut scratch.used[at].1;
            *own = counted((paid.min(), paid.max()), limit, own.0, own.1);
            *ends = counted((lo, hi), limit, ends.0, ends.1);
        }
        (paid, lo, hi)
    }

    /// [`Evaluator::count_part`] for each of `years`, the years staged verdict `i` pays
    /// stages in now, in order: each year's stages are cut to the room that year's limits
    /// (and what the years before left of the other bounds) have, and cut among themselves in
    /// proportion to their shares. What one year's limit cuts is not paid in another: a limit
    /// cuts an award, it does not put it off. `None` when the verdict is written as cannot
    /// evaluate instead (a sum pol holds could not be held).
    fn count_years(
        &self,
        scratch: &mut Scratch<'p>,
        i: usize,
        years: &[i32],
    ) -> Option<(Amount, Decimal, Decimal)> {
        let before = scratch.instances[i].paid?;
        let mut parts = Vec::with_capacity(years.len());
        let (mut paid, mut lo, mut hi) = (Amount::ZERO, Decimal::ZERO, Decimal::ZERO);
        for &year in years {
            let inst = &mut scratch.instances[i];
            let Some(part) = inst.stages.as_ref().and_then(|s| s.paid_now_in(year)) else {
                inst.outcome = super::Outcome::CannotEvaluate;
                inst.paid = None;
                inst.internal =
                    Some("the stages a staged award pays in a year could not be added up");
                return None;
            };
            inst.paid = Some(part);
            let (now, l, h) = self.count_part(scratch, i, Some(year), part.min());
            parts.push((Some(year), part, now));
            let add = super::decision::add_exact;
            let sums = (paid + now, add(l, lo), add(h, hi));
            let (Some(p), Some(l), Some(h)) = sums else {
                let inst = &mut scratch.instances[i];
                inst.outcome = super::Outcome::CannotEvaluate;
                inst.paid = None;
                inst.internal = Some("what a staged award pays in its years could not be added up");
                return None;
            };
            (paid, lo, hi) = (p, l, h);
        }
        let inst = &mut scratch.instances[i];
        inst.paid = Some(paid);
        self.stages_after_limits(inst, before, &parts);
        Some((paid, lo, hi))
    }

    /// Verdict `i` (when awarded) meets its per-subject caps (`caps`), or its limits and again
    /// its caps (the caps then only when they cut: two verdicts of one event may count
    /// against one cap); only the bounds that count part `year` of it (see
    /// [`Counter::counts`]).
    fn meet_bounds(&self, scratch: &mut Scratch<'p>, i: usize, caps: bool, year: Option<i32>) {
        let inst = &mut scratch.instances[i];
        if inst.outcome != super::Outcome::Awarded {
            return;
        }
        let range = inst.counters.0 as usize..inst.counters.1 as usize;
        for &(counter, limit) in &scratch.bounds[range] {
            let is_cap = matches!(counter, Counter::Cap { .. });
            if (caps && !is_cap) || !counter.counts(year) {
                continue;
            }
            let at = slot(&mut scratch.used, &mut scratch.used_at, counter);
            let mut used = scratch.used[at].1[0];
            // A cap bounds a staged award as a whole, and the grants of stages of this very
            // award (its history) are parts of that whole, not earlier awards: counted before
            // it as well, a paid stage would take its room twice. What it pays now is then
            // counted against the whole running total (below), grants and all.
            if caps {
                let own = inst.stages.as_ref().map_or(Decimal::ZERO, |s| {
                    s.granted_under(counter, (inst.pi, inst.ci))
                });
                if !own.is_zero() {
                    let less = |d: Decimal| (d - own).max(Decimal::ZERO);
                    used = (less(used.0), less(used.1));
                }
            }
            if !caps && is_cap {
                let paid = inst.paid.unwrap_or(Amount::ZERO);
                if cut(paid, limit, used.0, used.1) == paid {
                    continue;
                }
            }
            let kind = if is_cap { "subject_cap" } else { "limit" };
            // A cut by room earlier awards of the decision took is noted: a reduction after
            // the decision (pro rata) may give some of it back (F0217).
            if self.apply_bound(inst, counter, limit, used, kind) && used.1 > Decimal::ZERO {
                scratch.cut_by.push((i, counter));
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
    ) -> bool {
        let Some(paid) = inst.paid else { return false };
        let after = cut(paid, limit, lo_used, hi_used);
        // The words: the bound, what it counted before this award, and in which year.
        let said = || {
            let (text, span) = self.counter_text(counter, limit);
            let before = format::amount(Amount::spanning(lo_used, hi_used));
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
            true
        } else {
            T::step(inst, || {
                let (text, span, before, period) = said();
                let text =
                    format!("{text}: not reached ({before} counted{period} before this award)");
                let kind = if kind == "subject_cap" { "cap" } else { kind };
                step(kind, text, None, span)
            });
            false
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
            Counter::Claim {
                pi,
                ci,
                k,
                limit: false,
                ..
            } => programs[pi].clauses[ci].caps.get(k).map(|b| (pi, b, "cap")),
            Counter::Own { pi, ci, k, .. }
            | Counter::Claim {
                pi,
                ci,
                k,
                limit: true,
                ..
            } => match programs[pi].clauses[ci].limits.get(k) {
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

/// The amount a cap or limit whose expression came to `value` bounds awards to (README,
/// "Order of evaluation"): rounded down to the policy's rounding step, so that a bound never
/// lets through more than it says and what it leaves of an award is whole steps (whole fen by
/// default) whether its amount is written in the policy or read from a fact, a setting or a
/// parameter. A negative amount is a fault at the bound (`span`), never a bound of zero.
pub(super) fn bound_amount(program: &Program, value: Decimal, span: Span) -> Result<Decimal, Stop> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(Stop::Fault(Fault::NegativeBound, span));
    }
    let header = &program.header;
    super::run::round(value, header.rounding_step, RoundingMode::Down)
        .map(|d| d.max(Decimal::ZERO))
        .ok_or(Stop::Fault(Fault::Overflow, span))
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
    let computed = if matches!(b.amount.kind, ExprKind::Const(crate::compile::Value::Num(v)) if v == value)
    {
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
        assert_eq!(after, Amount::between(d("10000"), d("20000")).unwrap());
        // Counted: 2万元 when the first paid nothing, 2万元 + 1万元 when it paid its most.
        let (lo, hi) = counted((d("20000"), d("10000")), d("30000"), d("0"), d("20000"));
        assert_eq!((lo, hi), (d("20000"), d("30000")));
    }

    proptest::proptest! {
        #[test]
        fn a_cut_never_inverts_a_range_and_keeps_the_running_total_within_the_limit(
            a in 0i64..1_000_000, b in 0i64..1_000_000, limit in 0i64..2_000_000,
            u in 0i64..2_000_000, v in 0i64..2_000_000,
        ) {
            let paid = Amount::spanning(Decimal::from(a), Decimal::from(b));
            let limit = Decimal::from(limit);
            let (lo_used, hi_used) = (Decimal::from(u.min(v)).min(limit), Decimal::from(u.max(v)).min(limit));
            let after = cut(paid, limit, lo_used, hi_used);
            let (lo, hi) = counted((paid.min(), paid.max()), limit, lo_used, hi_used);
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
