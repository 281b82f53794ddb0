//! Settlement: what a subject is paid, in all and by whom, worked out once.
//!
//! Input: a subject's verdicts after caps, non-cumulation and limits, and the policy set.
//! Output: a [`Settlement`]: each paid award's payer shares, and the subject's totals per
//! policy and payer. The decision, the simulation's rows and its summary all read this one
//! settlement, so they cannot disagree. Guarantee: every sum is checked (an amount too large
//! to hold exactly is a [`Failure`], never a clamp or a panic); each award's shares add up
//! exactly to the award; each payer's total under a policy is within one unit (0.01 元, or the
//! finer places of the amounts themselves) of its exact share of the subject's total.
//!
//! The split rule (README, "The payer split"): under each funding group (a policy's header
//! funding, or a funding its clauses declare for themselves: [`super::funding::Groups`]), the
//! subject's awards are taken in evaluation order and their running total is split among the
//! group's payers by largest remainder (each payer gets the whole units of its exact share, and the units left over go
//! one each to the payers with the largest fractions left, ties to the payer named first in
//! `funding`). An award's share is what its payer's split of the running total grew by. The
//! spread of a range (an "up to" award) is split on its own and added to the least amount's
//! shares, so that each share is a range whose least is at most its most.
//! Where a limit links "up to" awards, a policy's total (and the subject's) is made exact
//! ([`Settlement`]'s `narrow`): from every award at its least to every award at its most.

use std::fmt;

use rust_decimal::Decimal;

use super::decision::{Amount, Outcome};
use super::run::Verdict;
use super::PolicySet;
use crate::problem::ProblemCode;

/// Why no decision can be given for a subject: a sum that cannot be held exactly, or a broken
/// rule of pol's own. It is never a plausible result: the caller reports it with its code.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    /// The problem code (`F0401` ..., or `F0901` for pol's own bugs).
    pub code: ProblemCode,
    /// What went wrong, in plain words.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl Failure {
    /// A sum (`what`) too large to hold exactly.
    pub fn overflow(what: impl fmt::Display) -> Failure {
        Failure {
            code: ProblemCode::SumOverflow,
            message: format!("{what} is too large to hold exactly"),
            help: "amounts up to about 7.9 × 10^26 元 can be held to the fen; check the facts for a misplaced scale or exponent".to_string(),
        }
    }

    /// One of pol's own rules (`what`) did not hold.
    pub fn internal(what: impl fmt::Display) -> Failure {
        Failure {
            code: ProblemCode::Internal,
            message: format!("pol broke one of its own rules: {what}"),
            help: "this is a bug in pol, not in the input: please report it with the command, the policies and the facts".to_string(),
        }
    }

    /// Whether this is pol's own bug rather than a problem with the input.
    pub fn is_internal(&self) -> bool {
        self.code == ProblemCode::Internal
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Failure {}

/// A policy's funding shares as whole numbers over one denominator: exact, so that splitting
/// is integer arithmetic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fractions {
    /// Each payer's share times `denominator`.
    numerators: Vec<i128>,
    /// 10 to the most decimal places among the shares.
    denominator: i128,
}

impl Fractions {
    /// The shares of `funding` (fractions that add up to one), or why they cannot be used.
    pub(crate) fn of(funding: &[(String, Decimal)]) -> Result<Fractions, Failure> {
        let places = funding.iter().map(|(_, f)| f.scale()).max().unwrap_or(0);
        let denominator = pow10(places)
            .ok_or_else(|| Failure::internal("a funding share has too many decimal places"))?;
        let mut numerators = Vec::with_capacity(funding.len());
        for (payer, f) in funding {
            let n = pow10(places - f.scale())
                .and_then(|p| f.mantissa().checked_mul(p))
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    Failure::internal(format!("the share of `{payer}` cannot be used"))
                })?;
            numerators.push(n);
        }
        if numerators.iter().sum::<i128>() != denominator || funding.is_empty() {
            return Err(Failure::internal(
                "a policy's funding shares do not add up to 100% (the checker should have refused it)",
            ));
        }
        Ok(Fractions {
            numerators,
            denominator,
        })
    }

    /// Splits `units` (at least zero) by largest remainder into `out`, one entry per payer.
    pub(crate) fn split(&self, units: i128, out: &mut Vec<i128>) -> Result<(), Failure> {
        out.clear();
        if units < 0 {
            return Err(Failure::internal(
                "a negative amount reached the payer split",
            ));
        }
        let n = self.numerators.len();
        // The remainders on the stack for the usual few payers.
        let mut stack = [0i128; 8];
        let mut heap = Vec::new();
        let rems: &mut [i128] = if n <= stack.len() {
            &mut stack[..n]
        } else {
            heap.resize(n, 0);
            &mut heap
        };
        let mut given = 0i128;
        // In machine words when the figures fit them (they nearly always do).
        if let (Ok(u), Ok(den)) = (u64::try_from(units), u64::try_from(self.denominator)) {
            let mut fits = true;
            for (j, &num) in self.numerators.iter().enumerate() {
                let Some(exact) = u64::try_from(num).ok().and_then(|n| u.checked_mul(n)) else {
                    fits = false;
                    break;
                };
                out.push(i128::from(exact / den));
                rems[j] = i128::from(exact % den);
                given += i128::from(exact / den);
            }
            if fits {
                return self.leftover(units - given, out, rems);
            }
            out.clear();
            given = 0;
        }
        for (j, &num) in self.numerators.iter().enumerate() {
            let exact = units
                .checked_mul(num)
                .ok_or_else(|| Failure::overflow("a payer's share of the total"))?;
            // Division in a machine word when the figures fit one (they nearly always do).
            let (base, rem) = match (u64::try_from(exact), u64::try_from(self.denominator)) {
                (Ok(e), Ok(den)) => (i128::from(e / den), i128::from(e % den)),
                _ => (exact / self.denominator, exact % self.denominator),
            };
            out.push(base);
            rems[j] = rem;
            given += base;
        }
        self.leftover(units - given, out, rems)
    }

    /// Gives the `left` units a split leaves over, one each to the payers with the largest
    /// remainders `rems` (ties to the payer named first).
    #[inline]
    fn leftover(&self, left: i128, out: &mut [i128], rems: &mut [i128]) -> Result<(), Failure> {
        let n = rems.len();
        if left < 0 || left as usize > n {
            return Err(Failure::internal("the payer split left a wrong remainder"));
        }
        for _ in 0..left {
            // The largest remainder left; ties go to the payer named first.
            let mut best: Option<usize> = None;
            for (j, r) in rems.iter().enumerate() {
                if *r >= 0 && best.is_none_or(|b| *r > rems[b]) {
                    best = Some(j);
                }
            }
            let Some(j) = best else {
                return Err(Failure::internal("the payer split ran out of payers"));
            };
            out[j] += 1;
            // Taken: below every remainder still in the running.
            rems[j] = -1;
        }
        Ok(())
    }
}

/// Powers of ten up to 10^38, the largest that fits an `i128`.
const POW10: [i128; 39] = {
    let mut p = [1i128; 39];
    let mut k = 1;
    while k < 39 {
        p[k] = p[k - 1] * 10;
        k += 1;
    }
    p
};

/// 10^`p` as an `i128`, when it fits.
fn pow10(p: u32) -> Option<i128> {
    POW10.get(p as usize).copied()
}

/// `d` in units of 10^-`places` (`places` at least `d`'s own).
#[inline]
fn units(d: Decimal, places: u32) -> Result<i128, Failure> {
    // Amounts rounded to the fen are already in units of it.
    if d.scale() == places {
        return Ok(d.mantissa());
    }
    pow10(places.saturating_sub(d.scale()))
        .and_then(|p| d.mantissa().checked_mul(p))
        .ok_or_else(|| Failure::overflow("an award in whole units"))
}

/// `units` × 10^-`places` as a decimal, when it fits one.
fn decimal(units: i128, places: u32, what: impl FnOnce() -> String) -> Result<Decimal, Failure> {
    // Most amounts fit a machine word, whose conversion skips the 96-bit check.
    if let Ok(small) = i64::try_from(units) {
        if places <= 28 {
            return Ok(Decimal::new(small, places));
        }
    }
    Decimal::try_from_i128_with_scale(units, places).map_err(|_| Failure::overflow(what()))
}

/// The places an amount's split works in: at least two (whole fen), more only when the
/// amount itself has them (a policy whose rounding step is finer than a fen).
fn places_of(a: Amount) -> u32 {
    a.min().scale().max(a.max().scale()).max(2)
}

/// One paid award, as the settlement counted it: its policy and funding group, where its
/// group's running total of least amounts stood before it, its least amount and its spread
/// (most less least), in units of its group's places.
#[derive(Clone, Copy, Debug, Default)]
struct Counted {
    pi: usize,
    g: usize,
    paid: Amount,
    /// What it pays when every award is at its least, and at its most (its own ends unless
    /// a limit links it to a range).
    ends: (Decimal, Decimal),
    before: i128,
    least: i128,
    spread: i128,
}

/// One funding group's sums for the subject being settled, in whole units.
#[derive(Clone, Copy, Debug, Default)]
struct PolicySums {
    /// The places its units are in.
    places: u32,
    /// The running total of its awards' least amounts.
    least: i128,
    /// The sum of its ranges' spreads.
    spread: i128,
    /// Whether it paid the subject anything (zero included).
    paid: bool,
    /// Whether one of its awards is a range.
    ranges: bool,
}

/// What a subject is paid, in all and by whom, with each award's payer shares.
#[derive(Clone, Debug, Default)]
pub struct Settlement {
    /// Per verdict: its entry in `counted`, or `u32::MAX` when it pays nothing.
    at: Vec<u32>,
    /// The paid awards, in evaluation order.
    counted: Vec<Counted>,
    /// The subject's total.
    total: Amount,
    /// Per policy: the subject's total under it.
    per_policy: Vec<Amount>,
    /// Per payer, in the policy set's payer order ([`PolicySet::payers`]): its total.
    per_payer: Vec<Amount>,
    /// Per payer: whether any policy naming it paid this subject or splits per subject.
    named: Vec<bool>,
    /// Per funding group: its sums.
    sums: Vec<PolicySums>,
    /// Per funding group and payer (flat, at [`super::funding::Groups::offset`]): the sum of
    /// its shares of the ranges' spreads, in units.
    payer_spreads: Vec<i128>,
    /// Buffers for splits.
    low: Vec<i128>,
    spread: Vec<i128>,
    /// The policy set (by its number) for which every total above is zero: a subject paid
    /// nothing leaves them as they are.
    zero_for: Option<u64>,
}

/// Buffers for [`Settlement::shares_into`], kept by the caller from one call to the next.
#[derive(Clone, Debug, Default)]
pub struct ShareBuffers {
    before: Vec<i128>,
    after: Vec<i128>,
    spread: Vec<i128>,
}

impl Settlement {
    /// Whether verdict `i` (by its index in the verdicts settled) is paid.
    pub fn is_paid(&self, i: usize) -> bool {
        self.at.get(i).is_some_and(|a| *a != u32::MAX)
    }

    /// The payer shares of verdict `i` (its funding group's payers in `funding` order) into
    /// `out`: what each payer's split of its group's running total grew by with this award, and the
    /// award's spread split on its own. False when the verdict pays nothing.
    pub fn shares_into(
        &self,
        set: &PolicySet,
        i: usize,
        out: &mut Vec<Amount>,
        work: &mut ShareBuffers,
    ) -> Result<bool, Failure> {
        out.clear();
        let Some(&at) = self.at.get(i).filter(|a| **a != u32::MAX) else {
            return Ok(false);
        };
        let Some(&c) = self.counted.get(at as usize) else {
            return Err(Failure::internal("a paid verdict was not counted"));
        };
        let places = self.sums[c.g].places;
        let fractions = set.groups().fractions(c.g)?;
        fractions.split(c.before, &mut work.before)?;
        fractions.split(c.before + c.least, &mut work.after)?;
        if c.spread > 0 {
            fractions.split(c.spread, &mut work.spread)?;
        } else {
            work.spread.clear();
            work.spread.resize(work.before.len(), 0);
        }
        for j in 0..work.before.len() {
            let lo = work.after[j] - work.before[j];
            let hi = lo + work.spread[j];
            out.push(amount(lo, hi, places, || "a payer's share".to_string())?);
        }
        Ok(true)
    }

    /// The subject's total.
    pub fn total(&self) -> Amount {
        self.total
    }

    /// The subject's total under policy `pi`.
    pub fn policy_total(&self, pi: usize) -> Amount {
        self.per_policy.get(pi).copied().unwrap_or(Amount::ZERO)
    }

    /// Each payer's total, in the policy set's payer order ([`PolicySet::payers`]).
    pub fn payer_totals(&self) -> &[Amount] {
        &self.per_payer
    }

    /// Funding group `g`'s total for this subject (zero when it paid nothing): what its
    /// payers' shares of this subject add up to, before the split rounds them.
    pub(crate) fn group_total(&self, g: usize) -> Result<Amount, Failure> {
        match self.sums.get(g) {
            Some(s) if s.paid && (s.least != 0 || s.spread != 0) => {
                let what = || "a funding group's total".to_string();
                let most = s
                    .least
                    .checked_add(s.spread)
                    .ok_or_else(|| Failure::overflow(what()))?;
                amount(s.least, most, s.places, what)
            }
            _ => Ok(Amount::ZERO),
        }
    }

    /// Whether payer `k` (in [`PolicySet::payers`] order) has a line for this subject: a policy
    /// naming it paid something, or splits per subject.
    pub fn names_payer(&self, k: usize) -> bool {
        self.named.get(k).copied().unwrap_or(false)
    }

    /// Settles `verdicts` (in evaluation order) under `set`; `ends` gives, for the awards
    /// whose part of the totals is narrower than their own range, what each pays when every
    /// award is at its least and at its most; `awarded` says whether any verdict is an award.
    #[inline(always)]
    pub(crate) fn settle(
        &mut self,
        set: &PolicySet,
        verdicts: &[Verdict],
        ends: &[(usize, Decimal, Decimal)],
        awarded: bool,
    ) -> Result<(), Failure> {
        self.at.clear();
        self.counted.clear();
        self.total = Amount::ZERO;
        // Most subjects of a population are paid nothing: their totals are the zeros the
        // previous such subject left (no verdict is paid: `at` stays empty).
        if !awarded && self.zero_for == Some(set.id()) {
            return Ok(());
        }
        self.settle_awards(set, verdicts, ends)
    }

    /// [`Settlement::settle`] for a subject that may have awards, or whose totals are not
    /// zeros for `set`.
    #[inline(never)]
    fn settle_awards(
        &mut self,
        set: &PolicySet,
        verdicts: &[Verdict],
        ends: &[(usize, Decimal, Decimal)],
    ) -> Result<(), Failure> {
        if self.zero_for != Some(set.id()) {
            self.clear(set);
        }
        if !verdicts.iter().any(|v| v.outcome == Outcome::Awarded) {
            return Ok(());
        }
        // The totals are written: the next subject clears them.
        self.zero_for = None;
        self.count(set, verdicts, ends)?;
        self.split_spreads(set)?;
        for g in 0..set.groups().len() {
            if self.sums[g].paid {
                self.group_totals(set, g)?;
            }
        }
        if !ends.is_empty() {
            self.narrow(set)?;
        }
        Ok(())
    }

    /// Makes exact the totals of the policies where a limit links ranges: a policy's total
    /// can only grow when one of its awards grows (the awards kept being fixed), so it runs
    /// from its total with every award at its least to its total with every award at its
    /// most, narrower than the sum of the awards' own ranges; the subject's total is the sum
    /// of the policies'. (Payer and funding-group totals stay the sums of the awards' ranges:
    /// a part of a policy can pay more when another part pays less.)
    fn narrow(&mut self, set: &PolicySet) -> Result<(), Failure> {
        let policies = set.programs().len();
        let mut ends = vec![None::<(Decimal, Decimal)>; policies];
        for c in &self.counted {
            let what = || Failure::overflow("the subject's total");
            let (lo, hi) = ends[c.pi].unwrap_or((Decimal::ZERO, Decimal::ZERO));
            let lo = super::decision::add_exact(lo, c.ends.0).ok_or_else(what)?;
            let hi = super::decision::add_exact(hi, c.ends.1).ok_or_else(what)?;
            ends[c.pi] = Some((lo, hi));
        }
        self.total = Amount::ZERO;
        for (pi, sum) in ends.iter().enumerate() {
            if let Some((lo, hi)) = *sum {
                let document = &set.programs()[pi].header.document;
                let exact = Amount::between(lo, hi)
                    .filter(|e| {
                        e.min() >= self.per_policy[pi].min() && e.max() <= self.per_policy[pi].max()
                    })
                    .ok_or_else(|| {
                        Failure::internal(format!(
                            "the exact total under `{document}` is not within the sum of its awards"
                        ))
                    })?;
                self.per_policy[pi] = exact;
            }
            self.total = self
                .total
                .checked_add(self.per_policy[pi])
                .ok_or_else(|| Failure::overflow("the subject's total"))?;
        }
        Ok(())
    }

    /// Makes every total zero for `set` (its policies and payers), the payers of policies that
    /// split per subject named.
    fn clear(&mut self, set: &PolicySet) {
        let policies = set.programs().len();
        reset(&mut self.per_policy, policies, Amount::ZERO);
        reset(&mut self.per_payer, set.payers().len(), Amount::ZERO);
        self.named.clear();
        self.named.extend_from_slice(set.split_once_payers());
        reset(&mut self.sums, set.groups().len(), PolicySums::default());
        self.zero_for = Some(set.id());
    }

    /// Counts each paid verdict: where it is in `counted`, and its policy's running total of
    /// least amounts and sum of spreads, in whole units (made decimals once at the end).
    fn count(
        &mut self,
        set: &PolicySet,
        verdicts: &[Verdict],
        ends: &[(usize, Decimal, Decimal)],
    ) -> Result<(), Failure> {
        let mut narrowed = ends.iter().peekable();
        for (i, v) in verdicts.iter().enumerate() {
            let Some(a) = paid(v) else {
                self.at.push(u32::MAX);
                continue;
            };
            let (ends, own) = match narrowed.next_if(|e| e.0 == i) {
                Some(&(_, lo, hi)) => ((lo, hi), false),
                None => ((a.min(), a.max()), true),
            };
            // An exact award's own ends are the award itself (most awards: not compared).
            let exact = own && matches!(a, Amount::Exact(_));
            if !exact
                && [ends.0, ends.1]
                    .iter()
                    .any(|e| *e < a.min() || *e > a.max())
            {
                return Err(Failure::internal(
                    "an award's part of the totals is outside its own range",
                ));
            }
            let g = set.groups().of_clause(v.pi, v.ci);
            let Some(sums) = self.sums.get_mut(g) else {
                return Err(Failure::internal(
                    "a verdict names a funding that is not in the set",
                ));
            };
            sums.paid = true;
            sums.places = sums.places.max(places_of(a));
            self.at.push(self.counted.len() as u32);
            self.counted.push(Counted {
                pi: v.pi,
                g,
                paid: a,
                ends,
                ..Counted::default()
            });
        }
        for c in self.counted.iter_mut() {
            let a = c.paid;
            let wrong = match a {
                Amount::Exact(d) => d.is_sign_negative(),
                Amount::Range { min, max } => min.is_sign_negative() || min > max,
            };
            if wrong {
                return Err(Failure::internal(format!(
                    "a paid amount of `{}` is negative or an inverted range",
                    super::format::amount(a)
                )));
            }
            let sums = &mut self.sums[c.g];
            let too_large = || {
                Failure::overflow(format!(
                    "the subject's total under `{}`",
                    set.programs()[c.pi].header.document
                ))
            };
            c.before = sums.least;
            c.least = units(a.min(), sums.places)?;
            c.spread = units(a.max(), sums.places)? - c.least;
            sums.least = sums.least.checked_add(c.least).ok_or_else(too_large)?;
            if c.spread > 0 {
                sums.ranges = true;
                sums.spread = sums.spread.checked_add(c.spread).ok_or_else(too_large)?;
            }
        }
        Ok(())
    }

    /// The spreads of ranges ("up to" awards, rare), split one by one: each payer's sum of its
    /// shares of them, per policy.
    fn split_spreads(&mut self, set: &PolicySet) -> Result<(), Failure> {
        if !self.sums.iter().any(|s| s.ranges) {
            return Ok(());
        }
        let groups = set.groups();
        reset(&mut self.payer_spreads, groups.flat_len(), 0);
        for c in &self.counted {
            if c.spread > 0 {
                groups.fractions(c.g)?.split(c.spread, &mut self.spread)?;
                let offset = groups.offset(c.g);
                for (j, s) in self.spread.iter().enumerate() {
                    self.payer_spreads[offset + j] += s;
                }
            }
        }
        Ok(())
    }

    /// Funding group `g`'s total added to its policy's, and its payers' shares of it added to
    /// their totals.
    fn group_totals(&mut self, set: &PolicySet, g: usize) -> Result<(), Failure> {
        let sums = self.sums[g];
        let groups = set.groups();
        let pi = groups.policy(g);
        let document = &set.programs()[pi].header.document;
        let what = || format!("the subject's total under `{document}`");
        let most = sums
            .least
            .checked_add(sums.spread)
            .ok_or_else(|| Failure::overflow(what()))?;
        let group = amount(sums.least, most, sums.places, what)?;
        // A policy's first group (most policies have one) is its total as it is.
        self.per_policy[pi] = if self.per_policy[pi].is_zero() {
            group
        } else {
            self.per_policy[pi]
                .checked_add(group)
                .ok_or_else(|| Failure::overflow(what()))?
        };
        self.total = self
            .total
            .checked_add(group)
            .ok_or_else(|| Failure::overflow("the subject's total"))?;
        groups.fractions(g)?.split(sums.least, &mut self.low)?;
        let offset = groups.offset(g);
        for (j, &column) in groups.columns(g).iter().enumerate() {
            let what = || format!("what `{}` pays", set.payers()[column]);
            let lo = self.low[j];
            let spread = if sums.ranges {
                self.payer_spreads[offset + j]
            } else {
                0
            };
            let hi = lo
                .checked_add(spread)
                .ok_or_else(|| Failure::overflow(what()))?;
            let share = amount(lo, hi, sums.places, what)?;
            self.per_payer[column] = self.per_payer[column]
                .checked_add(share)
                .ok_or_else(|| Failure::overflow(what()))?;
            self.named[column] = true;
        }
        Ok(())
    }
}

/// `lo..hi` units of 10^-`places` as an amount (exact when they are equal, as they are but for
/// "up to" awards).
#[inline]
fn amount(lo: i128, hi: i128, places: u32, what: impl Fn() -> String) -> Result<Amount, Failure> {
    let least = decimal(lo, places, &what)?;
    if hi == lo {
        return Ok(Amount::Exact(least));
    }
    Amount::between(least, decimal(hi, places, &what)?).ok_or_else(|| {
        Failure::internal(format!(
            "{} is a range whose least is above its most",
            what()
        ))
    })
}

/// What verdict `v` pays, when it is an award.
#[inline]
fn paid(v: &Verdict) -> Option<Amount> {
    match (v.outcome, v.paid) {
        (Outcome::Awarded, Some(a)) => Some(a),
        _ => None,
    }
}

/// Makes `v` `n` copies of `x`, keeping its buffer.
#[inline]
fn reset<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
    if v.len() == n {
        v.fill(x);
    } else {
        v.clear();
        v.resize(n, x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fractions(percents: &[i64]) -> Fractions {
        let funding: Vec<(String, Decimal)> = percents
            .iter()
            .map(|p| (String::new(), Decimal::new(*p, 4)))
            .collect();
        Fractions::of(&funding).unwrap()
    }

    fn split(f: &Fractions, units: i128) -> Vec<i128> {
        let mut out = Vec::new();
        f.split(units, &mut out).unwrap();
        out
    }

    #[test]
    fn halves_give_the_odd_fen_to_the_payer_named_first() {
        let f = fractions(&[5000, 5000]);
        assert_eq!(split(&f, 10001), [5001, 5000]);
        assert_eq!(split(&f, 10000), [5000, 5000]);
    }

    #[test]
    fn thirds_give_the_leftover_by_largest_remainder() {
        let f = fractions(&[3333, 3333, 3334]);
        assert_eq!(split(&f, 1), [0, 0, 1]);
        assert_eq!(split(&f, 2), [1, 0, 1]);
        assert_eq!(split(&f, 3), [1, 1, 1]);
        assert_eq!(split(&f, 10000), [3333, 3333, 3334]);
    }

    #[test]
    fn shares_that_do_not_add_up_to_one_are_an_internal_error() {
        let funding = vec![
            (String::new(), Decimal::new(5, 1)),
            (String::new(), Decimal::new(4, 1)),
        ];
        assert_eq!(
            Fractions::of(&funding).unwrap_err().code,
            ProblemCode::Internal
        );
    }

    #[test]
    fn a_split_too_large_is_an_overflow_not_a_panic() {
        let f = fractions(&[5000, 5000]);
        let mut out = Vec::new();
        let e = f.split(i128::MAX / 2, &mut out).unwrap_err();
        assert_eq!(e.code, ProblemCode::SumOverflow);
    }

    fn shares() -> impl Strategy<Value = Vec<i64>> {
        // Two to five payers whose shares (in hundredths of a percent) add up to 100%.
        prop::collection::vec(1i64..5000, 1..5).prop_map(|mut v| {
            let used: i64 = v.iter().sum();
            if used >= 10000 {
                let n = v.len() as i64;
                v = vec![10000 / (n + 1); v.len()];
            }
            let used: i64 = v.iter().sum();
            v.push(10000 - used);
            v
        })
    }

    proptest! {
        /// Two payers: the first gets its share rounded half up to the unit, the second the
        /// rest, as the peer workload's reference output has it (its SHA-256 stays the same).
        #[test]
        fn two_payers_split_as_half_up_with_the_rest_to_the_second(
            first in 1i64..10000, units in 0i128..1_000_000_000_000,
        ) {
            let f = fractions(&[first, 10000 - first]);
            let exact = Decimal::from_i128_with_scale(units * i128::from(first), 4);
            let half_up = exact
                .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .mantissa();
            prop_assert_eq!(split(&f, units), vec![half_up, units - half_up]);
        }

        #[test]
        fn a_split_adds_up_and_each_share_is_within_one_unit_of_exact(
            percents in shares(), units in 0i128..1_000_000_000_000,
        ) {
            let f = fractions(&percents);
            let out = split(&f, units);
            prop_assert_eq!(out.iter().sum::<i128>(), units);
            for (j, s) in out.iter().enumerate() {
                // |s - units × p / 10000| < 1, in integers.
                let exact = units * i128::from(percents[j]);
                prop_assert!((s * 10000 - exact).abs() < 10000, "{s} vs {exact}/10000");
            }
        }
    }
}
