//! One subject through every clause of a policy set, in the documented order.
//!
//! Input: the policy set, the subject's facts bound to each program, the evaluation date and
//! settings. Output: a [`Decision`]. Guarantee: the order of the README's "Order of evaluation":
//! claims in event-date order (ties by claim id); per instance window -> condition -> award ->
//! per-claim caps -> rounding; then per-subject caps (running totals), non-cumulation by matter
//! (highest kept), yearly limits (running totals, the cut shown) and the payer split, whose
//! shares add up exactly to the award.
//!
//! This module orders a subject's instances and runs them through the steps, each in its own
//! module: `instance` (one clause for the subject or one claim), `bounds` (per-subject caps and
//! limits), `same_matter` (non-cumulation), `settle` (totals and the payer split) and
//! `assemble` (the decision handed back). What is written down besides the figures is the
//! evaluator's tracer's choice (`trace`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::bounds::Counter;
use super::decision::{Adjustment, Amount, Decision, Outcome, Step};
use super::explain::stop_words;
use super::expr::Cache;
use super::facts::Bound;
use super::settle::{Failure, Settlement};
use super::trace::Tracer;
use super::value::{Fault, Stop, Value};
use super::Evaluator;
use crate::ast::RoundingMode;
use crate::compile::{Kind, ParamValues, Program};

/// Which clause, for which claim, on which date.
#[derive(Clone, Copy, Debug)]
pub(super) struct At {
    pub(super) pi: usize,
    pub(super) ci: usize,
    pub(super) claim: Option<usize>,
    pub(super) date: NaiveDate,
    /// The year of a clause's run this instance is for (`for 3 years from 认定日期`).
    pub(super) year: Option<i32>,
}

/// One clause for the subject or one claim: what it came to, with the figures a simulation
/// adds up ([`Scratch::verdicts`]); the words go into a [`super::ClauseResult`].
#[derive(Debug)]
pub struct Verdict {
    /// The policy's position in the policy set.
    pub pi: usize,
    /// The clause's position in its policy.
    pub ci: usize,
    /// The claim (its index among the subject's claims sorted by date, then id).
    pub claim: Option<usize>,
    /// The event date.
    pub date: NaiveDate,
    /// The year of the clause's run it is for, when the clause pays each year of a run.
    pub year: Option<i32>,
    /// What happened.
    pub outcome: Outcome,
    pub(super) assessed: Option<Amount>,
    /// What is paid.
    pub paid: Option<Amount>,
    /// For undetermined clauses: the most the award could be, when known.
    pub upper: Option<Decimal>,
    /// For undetermined clauses: the inputs and parameters it waits for.
    pub needs: Vec<String>,
    /// Reasons, adjustments and explanation, when the tracer writes any.
    pub(super) words: Option<Box<Words>>,
    /// Running-total bounds evaluated for this instance: a range of [`Scratch::bounds`].
    pub(super) counters: (u32, u32),
    /// One of pol's own rules that did not hold while evaluating it.
    pub(super) internal: Option<&'static str>,
    /// For a staged award: its stages (none for most verdicts, which are paid at once).
    pub(super) stages: Option<Box<super::stages::Staged>>,
}

/// The words of a verdict.
#[derive(Debug, Default)]
pub(super) struct Words {
    pub(super) reason: Option<String>,
    pub(super) adjustments: Vec<Adjustment>,
    pub(super) trace: Vec<Step>,
}

impl Verdict {
    /// A verdict for `at` before evaluation: not in force, nothing paid.
    fn at(at: At, bounds: usize) -> Verdict {
        Verdict {
            pi: at.pi,
            ci: at.ci,
            claim: at.claim,
            date: at.date,
            year: at.year,
            outcome: Outcome::NotInForce,
            assessed: None,
            paid: None,
            upper: None,
            needs: Vec::new(),
            words: None,
            counters: (bounds as u32, bounds as u32),
            internal: None,
            stages: None,
        }
    }

    /// Makes this verdict one for `at` before evaluation, as [`Verdict::at`] does. Inlined:
    /// called for every instance, its call cost more than its stores.
    #[inline(always)]
    fn reset(&mut self, at: At, bounds: usize) {
        self.pi = at.pi;
        self.ci = at.ci;
        self.claim = at.claim;
        self.date = at.date;
        self.year = at.year;
        self.outcome = Outcome::NotInForce;
        self.assessed = None;
        self.paid = None;
        self.upper = None;
        if !self.needs.is_empty() {
            self.needs.clear();
        }
        if self.words.is_some() {
            self.words = None;
        }
        self.counters = (bounds as u32, bounds as u32);
        self.internal = None;
        if self.stages.is_some() {
            self.stages = None;
        }
    }

    /// For a staged award: each stage with its amount, outcome and date (empty otherwise).
    pub fn stage_list(&self) -> &[super::stages::StageResult] {
        self.stages.as_ref().map_or(&[], |s| s.list.as_slice())
    }

    /// For a staged award: what its deferred stages come to (`None` when it is not staged).
    pub fn deferred(&self) -> Option<Amount> {
        self.stages.as_ref().map(|s| s.deferred)
    }

    /// The verdict's words, made when first written.
    pub(super) fn words(&mut self) -> &mut Words {
        self.words.get_or_insert_with(Default::default)
    }

    /// Ends the verdict as *cannot evaluate* because of `stop`, with its reason; a broken rule
    /// of pol's own is kept to fail the whole decision.
    pub(super) fn cannot<T: Tracer>(&mut self, program: &Program, stop: Stop) {
        self.outcome = Outcome::CannotEvaluate;
        if let Stop::Fault(Fault::Internal(what), _) = stop {
            self.internal = Some(what);
        }
        T::reason(self, || stop_words(program, stop));
    }
}

/// An instance to evaluate: (event date, claim, policy, clause, year of a run).
type Slot = (NaiveDate, Option<usize>, usize, usize, Option<i32>);

/// What non-cumulation pays one award of: a matter, for one claim or one year of a run.
pub(super) type MatterKey<'p> = (&'p str, Option<usize>, Option<i32>);

/// Buffers reused from one subject to the next, so deciding many subjects allocates nothing
/// per subject in the common case (no undetermined clause, no adjustment in words).
#[derive(Default)]
pub struct Scratch<'p> {
    /// Instances in evaluation order.
    order: Vec<Slot>,
    /// The policy set (by its number), kind and date `order` was made for when the subject had
    /// no claims: the next such subject of that kind has the same instances.
    order_for: Option<(u64, Kind, NaiveDate)>,
    /// Per program: the subject-level let values.
    caches: Vec<Vec<Cache>>,
    /// Let values of a per-claim instance.
    claim_cache: Vec<Cache>,
    /// Clause-local let values.
    locals: Vec<Cache>,
    /// Per program: parameter values at the evaluation date (filled on first use).
    params: Vec<Vec<Option<Value>>>,
    /// The evaluator (by its number) `params` were filled for, with its date and settings: a
    /// scratch handed to another evaluator fills them again.
    params_for: Option<u64>,
    /// Parameter values at a claim's date.
    claim_params: Vec<Option<Value>>,
    /// The subject's instances.
    pub(super) instances: Vec<Verdict>,
    /// Running-total bounds of all instances: counter and amount.
    pub(super) bounds: Vec<(Counter, Decimal)>,
    /// Running totals: counter and what it counted so far, as (least, most) over each award's
    /// own range, and (every award at its least, every award at its most).
    pub(super) used: Vec<(Counter, [(Decimal, Decimal); 2])>,
    /// Where each counter is in `used`, once there are too many to look through.
    pub(super) used_at: HashMap<Counter, usize, BuildHasherDefault<Fnv>>,
    /// The awards (by index) whose part of the subject's totals is narrower than their own
    /// range, with that part: what each pays when every award is at its least, and at its most.
    pub(super) ends: Vec<(usize, Decimal, Decimal)>,
    /// The least of each verdict of the event being settled, before its per-subject caps.
    pub(super) leasts: Vec<Decimal>,
    /// Once-only awards non-cumulation across levels took as paid already by an earlier
    /// award of the decision: (verdict, what it was due, the award kept instead or itself when
    /// it was left out), checked when its event is decided.
    pub(super) presumed: Vec<(usize, Amount, usize)>,
    /// Once-only awards of the event being decided made *already paid* by an award of the
    /// same event, as (verdict, award): checked once the event's caps and limits have run.
    pub(super) once_by: Vec<(usize, usize)>,
    /// Every once-only award of the decision made *already paid* by another award of it, as
    /// (verdict, award), whatever the event: a reduction after the decision (pro rata) that
    /// takes that award to nothing leaves the first undecided ([`Scratch::rescale`]).
    pub(super) once_from: Vec<(usize, usize)>,
    /// Whether the last reduction ([`Scratch::rescale`]) reduced an award that a cap or limit
    /// had counted before a later award of the decision was cut by it: that later award was
    /// cut by room the reduced award no longer uses (F0217).
    pub(super) cut_by_reduced: bool,
    /// The awards of the decision a cap or limit cut by room earlier awards of it had taken,
    /// as (verdict, running total), whatever became of them after (F0217).
    pub(super) cut_by: Vec<(usize, super::bounds::Counter)>,
    /// The verdicts by clause, matter and claim, for once-only awards paid in the decision.
    pub(super) once_at: super::history::OnceIndex,
    /// (matter, claim) -> the instance kept so far.
    pub(super) kept: HashMap<MatterKey<'p>, usize, BuildHasherDefault<Fnv>>,
    /// The last subject's settlement: its totals and each award's payer shares.
    pub(super) settlement: Settlement,
}

/// FNV-1a: the keys of non-cumulation are a few short matter names from the policies and claim
/// positions, looked up for every award; a simple hash is all they need.
#[derive(Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl<'p> Scratch<'p> {
    /// Empty buffers.
    pub fn new() -> Scratch<'p> {
        Scratch::default()
    }

    /// The last subject's results, in evaluation order.
    pub fn verdicts(&self) -> &[Verdict] {
        &self.instances
    }

    /// Whether a reduction after the decision (pro rata) reduced an award that a cap or limit
    /// counted at its amount before, when that cap or limit then cut a later award of the
    /// subject: the later award was decided with room the reduced one no longer uses (F0217).
    pub(crate) fn cut_by_reduced(&self) -> bool {
        self.cut_by_reduced
    }

    /// The last subject's settlement: what it is paid in all and by whom, and each paid
    /// verdict's payer shares (by its index in [`Scratch::verdicts`]).
    pub fn settlement(&self) -> &Settlement {
        &self.settlement
    }
}

/// Which outcomes a subject's verdicts came to, one bit each: the steps after the instances
/// are for awards, and most subjects of a population have none.
#[derive(Clone, Copy, Default)]
struct Outcomes(u16);

impl Outcomes {
    fn add(&mut self, outcome: Outcome) {
        self.0 |= 1 << outcome as u16;
    }

    fn has(self, outcome: Outcome) -> bool {
        self.0 & (1 << outcome as u16) != 0
    }
}

/// Parameter values at `date` (fixed, dated, or from the settings), into `out`.
fn params_at(
    program: &Program,
    settings: &[Option<Value>],
    date: NaiveDate,
    out: &mut Vec<Option<Value>>,
) {
    out.clear();
    out.extend(
        program
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| match &p.values {
                ParamValues::Fixed(v) => Some(*v),
                ParamValues::Dated(list) => {
                    list.iter().rev().find(|(d, _)| *d <= date).map(|(_, v)| *v)
                }
                ParamValues::Unspecified => settings.get(i).copied().flatten(),
            }),
    );
}

/// Rounds `d` to a multiple of `step`.
pub fn round(d: Decimal, step: Decimal, mode: RoundingMode) -> Option<Decimal> {
    let strategy = match mode {
        RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
        RoundingMode::Down => RoundingStrategy::ToZero,
        RoundingMode::Up => RoundingStrategy::AwayFromZero,
    };
    if step == Decimal::new(1, 2) {
        // Half up to 0.01 is what a payer's part is rounded by: `part` with a share of one does it
        // in integer arithmetic when the digits fit.
        let mut r = if mode == RoundingMode::HalfUp {
            part(d, Decimal::ONE)
        } else {
            d.round_dp_with_strategy(2, strategy)
        };
        r.rescale(2);
        return Some(r);
    }
    let units = d.checked_div(step)?.round_dp_with_strategy(0, strategy);
    units.checked_mul(step)
}

/// `amount × share` rounded half away from zero to 0.01 (kept as it is with fewer places).
fn part(amount: Decimal, share: Decimal) -> Decimal {
    // The usual case, a non-negative amount and share whose product fits: integer arithmetic
    // gives the same digits and places as `Decimal`'s multiplication and rounding, much faster.
    if !amount.is_sign_negative() && !share.is_sign_negative() {
        let places = amount.scale() + share.scale();
        let product = amount.mantissa().checked_mul(share.mantissa());
        if let (Some(p), true) = (product, places <= 28) {
            let (digits, places) = if places <= 2 {
                (p, places)
            } else {
                let unit = 10i128.pow(places - 2);
                // Division in a machine word when the product fits one (it nearly always does).
                match (u64::try_from(p), u64::try_from(unit)) {
                    (Ok(p), Ok(unit)) if p <= u64::MAX - unit / 2 => {
                        (i128::from((p + unit / 2) / unit), 2)
                    }
                    _ => ((p + unit / 2) / unit, 2),
                }
            };
            if let Ok(d) = Decimal::try_from_i128_with_scale(digits, places) {
                if p < 1i128 << 96 {
                    return d;
                }
            }
        }
    }
    (amount * share).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

impl<'p, T: Tracer> Evaluator<'p, T> {
    /// The decision for one subject whose facts are bound to each program.
    pub(super) fn decide(
        &self,
        kind: Kind,
        id: &compact_str::CompactString,
        bound: &[Bound],
    ) -> Result<Decision<'p>, Failure> {
        let mut scratch = Scratch::new();
        self.decide_into(kind, bound, &mut scratch)?;
        let headroom = self.headroom(&scratch, bound)?;
        let instances = std::mem::take(&mut scratch.instances);
        let mut decision = self.assemble(kind, id, bound, instances, &scratch.settlement)?;
        decision.headroom = headroom;
        Ok(decision)
    }

    /// Decides for one subject whose facts are bound to each program, leaving the results in
    /// `scratch` ([`Scratch::verdicts`]): the figures of a decision without
    /// building a [`Decision`] (the path for simulating a population). A scratch may move
    /// between evaluators of one policy set: what depends on the date and settings is redone.
    ///
    /// A sum too large to hold exactly, or a broken rule of pol's own, fails the subject as a
    /// whole: its verdicts are then not to be used.
    pub fn decide_into(
        &self,
        kind: Kind,
        bound: &[Bound],
        scratch: &mut Scratch<'p>,
    ) -> Result<(), Failure> {
        self.order(kind, bound, scratch);
        self.fill_params(scratch);
        let outcomes = self.evaluate_instances(kind, bound, scratch);
        // A broken rule of pol's own ends its verdict as cannot evaluate (rare).
        if outcomes.has(Outcome::CannotEvaluate) {
            if let Some(what) = scratch.instances.iter().find_map(|i| i.internal) {
                return Err(Failure::internal(what));
            }
        }
        // Running totals and non-cumulation change awards only: most subjects have none.
        let awarded = outcomes.has(Outcome::Awarded);
        scratch.ends.clear();
        scratch.once_from.clear();
        scratch.cut_by_reduced = false;
        scratch.cut_by.clear();
        if awarded {
            self.apply_running_totals(scratch, bound);
        }
        scratch
            .settlement
            .settle(self.set, &scratch.instances, &scratch.ends, awarded)
    }

    /// The subject's instances in evaluation order, into `scratch.order`: event date, then
    /// claim id, then policy and clause. Every program binds the same claims sorted by (date,
    /// id), so a claim's index orders claims of equal date by id without comparing strings.
    #[inline]
    fn order(&self, kind: Kind, bound: &[Bound], scratch: &mut Scratch<'p>) {
        let set = self.set;
        let no_claims = bound.iter().all(|b| b.claims.is_empty());
        let made_for = (set.id(), kind, self.date);
        if no_claims && scratch.order_for == Some(made_for) {
            return;
        }
        let order = &mut scratch.order;
        order.clear();
        // A run's years depend on the subject's anchor date: such an order is not reused.
        let mut runs = false;
        for (pi, program) in set.programs.iter().enumerate() {
            for (ci, clause) in program.clauses.iter().enumerate() {
                if !clause.subjects.contains(&kind) {
                    continue;
                }
                if let Some(run) = &clause.run {
                    runs = true;
                    super::series::run_years(run, &bound[pi], self.date, |date, year| {
                        order.push((date, None, pi, ci, year))
                    });
                } else if clause.per_claim {
                    // A claim is evaluated by the clauses of the item it is addressed to only.
                    for (k, c) in bound[pi].claims.iter().enumerate() {
                        if c.item.is_some() && c.item == clause.item {
                            order.push((c.date, Some(k), pi, ci, None));
                        }
                    }
                } else {
                    order.push((self.date, None, pi, ci, None));
                }
            }
        }
        // Without claims the order is already (date, policy, clause).
        if !order.is_sorted() {
            order.sort_unstable();
        }
        scratch.order_for = (no_claims && !runs).then_some(made_for);
    }

    /// Parameter values at the evaluation date and let caches, made again only when the
    /// scratch was last used by another evaluator; the caches are emptied.
    #[inline]
    fn fill_params(&self, scratch: &mut Scratch<'p>) {
        let set = self.set;
        if scratch.params_for != Some(self.id) {
            scratch.params_for = Some(self.id);
            scratch.params = set
                .programs
                .iter()
                .enumerate()
                .map(|(pi, p)| {
                    let mut v = Vec::new();
                    params_at(p, &self.settings[pi], self.date, &mut v);
                    v
                })
                .collect();
            scratch.caches = set
                .programs
                .iter()
                .map(|p| vec![None; p.lets.len()])
                .collect();
        }
        // Subject-level lets are shared by the subject's clauses of one program; per-claim
        // instances start from a fresh cache, as their lets may read the claim.
        for cache in &mut scratch.caches {
            cache.fill(None);
        }
    }

    /// Evaluates each instance of `scratch.order` into `scratch.instances`, and says which
    /// outcomes they came to. The previous subject's verdicts are written over in place (their
    /// `needs` keep their buffers); a verdict is too big to build and move cheaply.
    #[inline]
    fn evaluate_instances(
        &self,
        kind: Kind,
        bound: &[Bound],
        scratch: &mut Scratch<'p>,
    ) -> Outcomes {
        let mut outcomes = Outcomes::default();
        // The buffers apart, each held once for the whole loop.
        let Scratch {
            order,
            caches,
            claim_cache,
            locals,
            params,
            claim_params,
            instances,
            bounds,
            ..
        } = scratch;
        let (caches, params) = (caches.as_mut_slice(), params.as_slice());
        bounds.clear();
        for (i, &(date, claim, pi, ci, year)) in order.iter().enumerate() {
            let at = At {
                pi,
                ci,
                claim,
                date,
                year,
            };
            let program = &self.set.programs[pi];
            let inst = match instances.get_mut(i) {
                Some(inst) => {
                    inst.reset(at, bounds.len());
                    inst
                }
                None => {
                    instances.push(Verdict::at(at, bounds.len()));
                    let Some(inst) = instances.last_mut() else {
                        continue;
                    };
                    inst
                }
            };
            // A claim's, or a year's of a run, lets may read what differs between instances.
            let (cache, params): (&mut [Cache], &[Option<Value>]) =
                if claim.is_some() || year.is_some() {
                    claim_cache.clear();
                    claim_cache.resize(program.lets.len(), None);
                    let params: &[Option<Value>] = if date == self.date {
                        &params[pi]
                    } else {
                        params_at(program, &self.settings[pi], date, claim_params);
                        claim_params
                    };
                    (claim_cache, params)
                } else {
                    (&mut caches[pi], &params[pi])
                };
            let place = super::instance::Place {
                at,
                kind,
                program,
                bound: &bound[pi],
                params,
            };
            self.instance(place, cache, locals, bounds, inst);
            outcomes.add(inst.outcome);
        }
        instances.truncate(order.len());
        outcomes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn parts_are_what_decimal_arithmetic_gives(
            m in 0i64..i64::MAX, s in 0u32..6, f in 0i64..1_000_000, t in 0u32..7
        ) {
            let (a, share) = (Decimal::new(m, s), Decimal::new(f, t));
            let slow = (a * share).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            let fast = part(a, share);
            // The same value with the same places.
            proptest::prop_assert_eq!(fast.to_string(), slow.to_string());
        }

        #[test]
        fn cents_are_what_decimal_rounding_gives(m in proptest::prelude::any::<i64>(), s in 0u32..28) {
            let d = Decimal::new(m, s);
            let mut slow = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            slow.rescale(2);
            let fast = round(d, Decimal::new(1, 2), RoundingMode::HalfUp);
            proptest::prop_assert_eq!(fast.map(|f| f.to_string()), Some(slow.to_string()));
        }
    }

    #[test]
    fn rounding_modes() {
        assert_eq!(
            round(d("1.005"), d("0.01"), RoundingMode::HalfUp),
            Some(d("1.01"))
        );
        assert_eq!(
            round(d("1.005"), d("0.01"), RoundingMode::HalfEven),
            Some(d("1.00"))
        );
        assert_eq!(
            round(d("1234.5"), d("1"), RoundingMode::Down),
            Some(d("1234"))
        );
        assert_eq!(
            round(d("1234.1"), d("100"), RoundingMode::Up),
            Some(d("1300"))
        );
    }
}
