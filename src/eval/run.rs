//! One subject through every clause of a policy set, in the documented order.
//!
//! Input: the policy set, the subject's facts bound to each program, the evaluation date and
//! settings. Output: a [`Decision`]. Guarantee: the order of the README's "Order of evaluation":
//! claims in event-date order (ties by claim id); per instance window -> condition -> award ->
//! per-claim caps -> rounding; then per-subject caps (running totals), non-cumulation by matter
//! (highest kept), yearly limits (running totals, the cut shown) and the payer split, whose
//! shares add up exactly to the award.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::decision::*;
use super::explain::{self, conjuncts, lets_used, source, stop_words};
use super::expr::{holds, Cache, Env};
use super::facts::Bound;
use super::format;
use super::settle::{Failure, Settlement};
use super::value::{Fault, Need, Stop, Value};
use super::Evaluator;
use crate::ast::{RoundingMode, SameMatter};
use crate::compile::{
    AwardDef, BoundDef, ClauseDef, Expr, ExprKind, Kind, LimitUse, ParamValues, Program,
};

/// What a cap or limit counts per, for one subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Scope {
    /// Per claim: applied at once, like a cap.
    Claim,
    /// Per subject: a running total.
    Subject,
    /// For another kind of subject: does not apply.
    Other,
}

fn scope(per: Kind, subject: Kind) -> Scope {
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
enum Counter {
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

/// Which clause, for which claim, on which date.
#[derive(Clone, Copy, Debug)]
struct At {
    pi: usize,
    ci: usize,
    claim: Option<usize>,
    date: NaiveDate,
}

/// One clause for the subject or one claim: what it came to, with the figures a simulation
/// adds up ([`Scratch::verdicts`]); the words go into a [`ClauseResult`].
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
    /// What happened.
    pub outcome: Outcome,
    assessed: Option<Amount>,
    /// What is paid.
    pub paid: Option<Amount>,
    /// For undetermined clauses: the most the award could be, when known.
    pub upper: Option<Decimal>,
    /// For undetermined clauses: the inputs and parameters it waits for.
    pub needs: Vec<String>,
    /// Reasons, adjustments and explanation, when there are any (rarely, in a simulation).
    words: Option<Box<Words>>,
    /// Running-total bounds evaluated for this instance: a range of [`Scratch::bounds`].
    counters: (u32, u32),
    /// One of pol's own rules that did not hold while evaluating it.
    internal: Option<&'static str>,
}

use Verdict as Instance;

/// The words of a verdict.
#[derive(Debug, Default)]
struct Words {
    reason: Option<String>,
    adjustments: Vec<Adjustment>,
    trace: Vec<Step>,
}

impl Verdict {
    /// A verdict for `at` before evaluation: not in force, nothing paid.
    fn at(at: At, bounds: usize) -> Verdict {
        Verdict {
            pi: at.pi,
            ci: at.ci,
            claim: at.claim,
            date: at.date,
            outcome: Outcome::NotInForce,
            assessed: None,
            paid: None,
            upper: None,
            needs: Vec::new(),
            words: None,
            counters: (bounds as u32, bounds as u32),
            internal: None,
        }
    }

    /// Makes this verdict one for `at` before evaluation, as [`Verdict::at`] does.
    fn reset(&mut self, at: At, bounds: usize) {
        self.pi = at.pi;
        self.ci = at.ci;
        self.claim = at.claim;
        self.date = at.date;
        self.outcome = Outcome::NotInForce;
        self.assessed = None;
        self.paid = None;
        self.upper = None;
        self.needs.clear();
        if self.words.is_some() {
            self.words = None;
        }
        self.counters = (bounds as u32, bounds as u32);
        self.internal = None;
    }

    /// The verdict's words, made when first written.
    fn words(&mut self) -> &mut Words {
        self.words.get_or_insert_with(Default::default)
    }

    /// Ends the verdict as *cannot evaluate* because of `stop`, with its reason when reasons
    /// are written; a broken rule of pol's own is kept to fail the whole decision.
    fn cannot(&mut self, reasons: bool, program: &Program, stop: Stop) {
        self.outcome = Outcome::CannotEvaluate;
        if let Stop::Fault(Fault::Internal(what), _) = stop {
            self.internal = Some(what);
        }
        if reasons {
            self.words().reason = Some(stop_words(program, stop));
        }
    }
}

/// Buffers reused from one subject to the next, so deciding many subjects allocates nothing
/// per subject in the common case (no undetermined clause, no adjustment in words).
#[derive(Default)]
pub struct Scratch<'p> {
    /// Instances in evaluation order: (date, claim, policy, clause).
    order: Vec<(NaiveDate, Option<usize>, usize, usize)>,
    /// The policy set (by address), kind and date `order` was made for when the subject had no
    /// claims: the next such subject of that kind has the same instances.
    order_for: Option<(usize, Kind, NaiveDate)>,
    /// Per program: the subject-level let values.
    caches: Vec<Vec<Cache>>,
    /// Let values of a per-claim instance.
    claim_cache: Vec<Cache>,
    /// Clause-local let values.
    locals: Vec<Cache>,
    /// Per program: parameter values at the evaluation date (filled on first use).
    params: Vec<Vec<Option<Value>>>,
    /// The date and settings `params` were filled for: a scratch handed to an evaluator with
    /// other options fills them again.
    params_for: Option<(NaiveDate, Vec<Vec<Option<Value>>>)>,
    /// Parameter values at a claim's date.
    claim_params: Vec<Option<Value>>,
    /// The subject's instances.
    instances: Vec<Instance>,
    /// Running-total bounds of all instances: counter and amount.
    bounds: Vec<(Counter, Decimal)>,
    /// Running totals: counter and (low, high) counted so far.
    used: Vec<(Counter, (Decimal, Decimal))>,
    /// (matter, claim) -> the instance kept so far.
    kept: HashMap<(&'p str, Option<usize>), usize, BuildHasherDefault<Fnv>>,
    /// The last subject's settlement: its totals and each award's payer shares.
    settlement: Settlement,
}

/// FNV-1a: the keys of non-cumulation are a few short matter names from the policies and claim
/// positions, looked up for every award; a simple hash is all they need.
#[derive(Clone, Copy)]
struct Fnv(u64);

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

    /// The last subject's settlement: what it is paid in all and by whom, and each paid
    /// verdict's payer shares (by its index in [`Scratch::verdicts`]).
    pub fn settlement(&self) -> &Settlement {
        &self.settlement
    }
}

/// How far a condition is decided by its plain parts alone.
enum Plain<'c> {
    /// One of them does not hold: the condition fails.
    Fails,
    /// The condition is all plain parts, and they hold.
    Holds,
    /// The parts before this one hold; from here on it takes the evaluator.
    From(&'c Expr),
}

/// Reads `condition` from its first part while the parts are plain (a yes/no input, or an
/// amount input compared with a constant) and given: an `and` is decided by a part that does
/// not hold, whatever follows, and is what follows when a part holds.
#[inline(always)]
fn plain_parts<'c>(condition: Option<&'c Expr>, bound: &Bound) -> Plain<'c> {
    let Some(mut rest) = condition else {
        return Plain::Holds;
    };
    let input = |i: u32| bound.subject.get(i as usize).copied().flatten();
    loop {
        let (part, next) = match &rest.kind {
            ExprKind::And(a, b) => (&**a, Some(&**b)),
            _ => (rest, None),
        };
        let holds = match &part.kind {
            ExprKind::Subject(i) => match input(*i) {
                Some(Value::Bool(b)) => b,
                _ => return Plain::From(rest),
            },
            ExprKind::Cmp(op, a, b) => match (&a.kind, &b.kind) {
                (ExprKind::Subject(i), ExprKind::Const(Value::Num(c))) => match input(*i) {
                    Some(Value::Num(x)) => holds(*op, x.cmp(c)),
                    _ => return Plain::From(rest),
                },
                _ => return Plain::From(rest),
            },
            _ => return Plain::From(rest),
        };
        match next {
            _ if !holds => return Plain::Fails,
            Some(n) => rest = n,
            None => return Plain::Holds,
        }
    }
}

fn step(
    kind: &'static str,
    text: String,
    passed: Option<bool>,
    span: Option<crate::ast::Span>,
) -> Step {
    Step {
        kind,
        text,
        passed,
        span: span.map(Into::into),
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

/// `paid` against a running total `limit` of which `lo_used..hi_used` is counted already: what
/// is paid after it (`paid` itself, as it is written, when the bound does not cut it), and the
/// running total's new least and most.
///
/// The room left is `limit - used`, so it is least when the most was counted before: the
/// award's least pairs with the room after the most counted, its most with the room after the
/// least counted. The running total after it is `min(used + paid, limit)` at each end.
fn cut(
    paid: Amount,
    limit: Decimal,
    lo_used: Decimal,
    hi_used: Decimal,
) -> (Amount, Decimal, Decimal) {
    let room = |used: Decimal| (limit - used).max(Decimal::ZERO);
    let lo = paid.min().min(room(hi_used));
    let hi = paid.max().min(room(lo_used));
    let after = Amount::between(lo, hi);
    // Past what a decimal holds, a sum of amounts at least zero is past the limit too.
    let total = |used: Decimal, add: Decimal| {
        used.checked_add(add)
            .map_or(limit, |sum| sum.min(limit))
            .max(used)
    };
    (
        if after == paid { paid } else { after },
        total(lo_used, paid.min()),
        total(hi_used, paid.max()),
    )
}

/// Adds what an award finally pays to the running total of `counter`.
fn record(
    used: &mut [(Counter, (Decimal, Decimal))],
    counter: Counter,
    limit: Decimal,
    paid: Amount,
) {
    if let Some((_, sums)) = used.iter_mut().find(|(c, _)| *c == counter) {
        let (_, lo, hi) = cut(paid, limit, sums.0, sums.1);
        *sums = (lo, hi);
    }
}

/// Names of the inputs and parameters an undetermined clause is missing.
fn missing(
    program: &Program,
    bound: &Bound,
    claim: Option<usize>,
    params: &[Option<Value>],
    roots: &[&Expr],
    clause: &ClauseDef,
) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let claim_values = claim
        .and_then(|c| bound.claims.get(c))
        .map(|c| c.values.as_slice());
    explain::reachable(program, &clause.locals, roots, |e| {
        let known = |slots: Option<&[Option<Value>]>, i: u32| {
            slots
                .and_then(|s| s.get(i as usize).copied().flatten())
                .is_some()
        };
        let need = match e.kind {
            ExprKind::Subject(i) if !known(Some(&bound.subject), i) => Need::Subject(i),
            ExprKind::Claim(i) if !known(claim_values, i) => Need::Claim(i),
            ExprKind::Param(i) if !known(Some(params), i) => Need::Param(i),
            _ => return,
        };
        let name = match need {
            Need::Param(_) => format!("parameter {}", explain::need_name(program, need)),
            _ => explain::need_name(program, need),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    });
    names
}

impl<'p> Evaluator<'p> {
    /// Evaluates one clause for the subject or one claim (window, condition, award, per-claim
    /// caps, rounding), and the running-total bounds it will be counted against, into `inst`
    /// (made by [`Instance::at`] or reset to it: written in place, as a verdict is too big to
    /// move cheaply).
    /// Inlined into its one caller: passing its arguments cost more than much of its work.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn instance(
        &self,
        at: At,
        kind: Kind,
        bound: &Bound,
        cache: &mut [Cache],
        params: &[Option<Value>],
        locals: &mut Vec<Cache>,
        bounds: &mut Vec<(Counter, Decimal)>,
        inst: &mut Instance,
    ) {
        let At {
            pi,
            ci,
            claim,
            date,
        } = at;
        let program = &self.set.programs[pi];
        let clause = &program.clauses[ci];
        // The decision is as of the evaluation date: a claim for a later event is not paid,
        // whatever the window says (the window is about when the event happens).
        if claim.is_some() && date > self.date {
            inst.outcome = Outcome::NotYet;
            let why = || {
                format!(
                    "the claim is dated {date}, after the evaluation date {}",
                    self.date
                )
            };
            if self.explain {
                inst.words()
                    .trace
                    .push(step("date", why(), Some(false), None));
            }
            if self.reasons {
                inst.words().reason = Some(why());
            }
            return;
        }
        let (start, end) = clause.window;
        let in_force = start <= date && date <= end;
        if self.explain {
            let verdict = if in_force { "within" } else { "outside" };
            inst.words().trace.push(step(
                "window",
                format!("{date} is {verdict} the window {start} to {end}"),
                Some(in_force),
                None,
            ));
        }
        if !in_force {
            if self.reasons {
                inst.words().reason =
                    Some(format!("{date} is outside the window {start} to {end}"));
            }
            return;
        }
        // Without words to write, the plain parts a condition starts with are read in place: a
        // condition that fails on them needs nothing else of the clause (conditions often start
        // with such inputs, and in a population most subjects fail them), and one that passes
        // them is evaluated from the first part they leave open.
        let mut open = clause.when.as_ref();
        if !self.explain && !self.reasons {
            match plain_parts(open, bound) {
                Plain::Fails => {
                    inst.outcome = Outcome::NotEligible;
                    return;
                }
                Plain::Holds => open = None,
                Plain::From(rest) => open = Some(rest),
            }
        }
        locals.clear();
        locals.resize(clause.locals.len(), None);
        let mut env = Env {
            program,
            bound,
            claim: claim.and_then(|c| bound.claims.get(c)),
            params,
            lets: cache,
            clause: Some(clause),
            locals,
            date,
        };
        if self.explain {
            for (local, i) in lets_used(program, &clause.locals, &roots(clause)) {
                let def = if local {
                    &clause.locals[i]
                } else {
                    &program.lets[i]
                };
                let value = match env.eval(&def.expr) {
                    // Arithmetic shows the figures it joins, each term set apart.
                    Ok(v) => match env.figures(&def.expr) {
                        Some(f) => format!("{f} = {}", env.show_value(def.expr.show, v)),
                        None => env.show_value(def.expr.show, v),
                    },
                    Err(stop) => format!("unknown ({})", stop_words(program, stop)),
                };
                inst.words().trace.push(step(
                    "value",
                    format!(
                        "{} = {} = {value}",
                        def.name,
                        source(program, def.expr.span)
                    ),
                    None,
                    Some(def.span),
                ));
            }
        }
        let condition = match open {
            Some(w) => env.eval_bool(w),
            None => Ok(true),
        };
        if self.explain {
            if let Some(w) = &clause.when {
                for c in conjuncts(w) {
                    let (passed, text) = env.describe(c);
                    inst.words()
                        .trace
                        .push(step("condition", text, passed, Some(c.span)));
                }
            }
        }
        match condition {
            Ok(false) => {
                inst.outcome = Outcome::NotEligible;
                if self.reasons {
                    if let Some(w) = &clause.when {
                        let failed = conjuncts(w)
                            .into_iter()
                            .find(|c| env.eval_bool(c) == Ok(false));
                        inst.words().reason =
                            failed.map(|c| format!("{} does not hold", env.describe(c).1));
                    }
                }
                return;
            }
            Err(stop @ Stop::Fault(..)) => {
                inst.cannot(self.reasons, program, stop);
                return;
            }
            _ => {}
        }
        let mut award_trace = Vec::new();
        let award = self.award(&mut env, clause, &mut award_trace);
        if !award_trace.is_empty() {
            inst.words().trace.append(&mut award_trace);
        }
        // Per-claim caps and limits apply at once; per-subject ones are counted later.
        let mut claim_caps: Vec<(Decimal, &BoundDef, &'static str)> = Vec::new();
        let year_of = |b: &BoundDef| b.per_year.then(|| date.year());
        let caps = clause.caps.iter().enumerate().map(|(k, cap)| {
            let year = year_of(cap);
            (cap, Counter::Cap { pi, ci, k, year }, "cap")
        });
        let limits = clause
            .limits
            .iter()
            .enumerate()
            .filter_map(|(k, l)| match l {
                LimitUse::Shared(li) => program.limits.get(*li as usize).map(|def| {
                    let li = *li as usize;
                    let year = year_of(&def.bound);
                    // A shared limit per project binds the sum over its clauses for one claim.
                    let claim = (def.bound.per == Kind::Project).then_some(claim);
                    let counter = Counter::Shared {
                        pi,
                        li,
                        year,
                        claim,
                    };
                    (&def.bound, counter, "limit")
                }),
                LimitUse::Own(b) => Some((
                    b,
                    Counter::Own {
                        pi,
                        ci,
                        k,
                        year: year_of(b),
                    },
                    "limit",
                )),
            });
        let mut bound_stop: Option<Stop> = None;
        // A cap per subject on a clause that is not per claim is counted by this instance
        // alone: without words to write, it is applied here (as its running total would be)
        // rather than counted later.
        let mut own_cap: Option<Decimal> = None;
        for (b, counter, what) in caps.chain(limits) {
            let sc = scope(b.per, kind);
            if sc == Scope::Other {
                continue;
            }
            let alone = !self.reasons
                && !clause.per_claim
                && own_cap.is_none()
                && matches!(counter, Counter::Cap { .. });
            let shared = matches!(counter, Counter::Shared { .. });
            match env.eval_num(&b.amount) {
                Ok(v) if sc == Scope::Claim && !shared => claim_caps.push((v, b, what)),
                Ok(v) if alone => own_cap = Some(v),
                Ok(v) => bounds.push((counter, v)),
                Err(stop) => bound_stop = bound_stop.or(Some(stop)),
            }
        }
        inst.counters.1 = bounds.len() as u32;
        // The least bound, only wanted when the clause is undetermined.
        let counted = &bounds[inst.counters.0 as usize..];
        let cap_bound = || {
            claim_caps
                .iter()
                .map(|(v, ..)| *v)
                .chain(own_cap)
                .chain(counted.iter().map(|(_, v)| *v))
                .min()
        };
        let mut amount = match award {
            Ok(a) => a,
            Err(stop @ Stop::Needs(_)) => {
                inst.outcome = Outcome::Undetermined;
                inst.upper = cap_bound();
                inst.needs = missing(program, bound, claim, params, &roots(clause), clause);
                if self.reasons {
                    inst.words().reason = Some(stop_words(program, stop));
                }
                return;
            }
            Err(stop) => {
                inst.cannot(self.reasons, program, stop);
                return;
            }
        };
        for (cap, b, what) in &claim_caps {
            let capped = amount.map(|d| d.min(*cap));
            if self.explain {
                let text = describe_bound(program, what, b, *cap);
                let what = if capped == amount {
                    "not reached"
                } else {
                    "applied"
                };
                inst.words().trace.push(step(
                    "cap",
                    format!(
                        "{text}: {what} ({} -> {})",
                        format::amount(amount),
                        format::amount(capped)
                    ),
                    None,
                    Some(b.amount.span),
                ));
            }
            amount = capped;
        }
        let header = &program.header;
        let mut rounding_failed = false;
        let rounded = amount.map(|d| {
            round(d, header.rounding_step, header.rounding_mode).unwrap_or_else(|| {
                rounding_failed = true;
                d
            })
        });
        if rounding_failed {
            inst.outcome = Outcome::CannotEvaluate;
            if self.reasons {
                inst.words().reason =
                    Some("the award cannot be rounded to the declared step".to_string());
            }
            return;
        }
        if self.explain {
            let mode = match header.rounding_mode {
                RoundingMode::HalfUp => "half up",
                RoundingMode::HalfEven => "half even",
                RoundingMode::Down => "down",
                RoundingMode::Up => "up",
            };
            let change = if rounded == amount {
                format!("{} (unchanged)", format::amount(rounded))
            } else {
                format!("{} -> {}", format::amount(amount), format::amount(rounded))
            };
            inst.words().trace.push(step(
                "rounding",
                format!(
                    "rounded to {} {mode}: {change}",
                    format::money(header.rounding_step)
                ),
                None,
                None,
            ));
        }
        if let Err(stop) = condition {
            inst.outcome = Outcome::Undetermined;
            inst.upper = Some(match cap_bound() {
                Some(c) => c.min(rounded.max()),
                None => rounded.max(),
            });
            inst.needs = missing(program, bound, claim, params, &roots(clause), clause);
            if self.reasons {
                inst.words().reason = Some(stop_words(program, stop));
            }
            return;
        }
        if let Some(stop @ Stop::Fault(..)) = bound_stop {
            inst.cannot(self.reasons, program, stop);
            return;
        }
        if let Some(stop) = bound_stop {
            inst.outcome = Outcome::Undetermined;
            inst.upper = Some(rounded.max());
            inst.needs = missing(program, bound, claim, params, &roots(clause), clause);
            if self.reasons {
                inst.words().reason = Some(stop_words(program, stop));
            }
            return;
        }
        inst.outcome = Outcome::Awarded;
        inst.assessed = Some(rounded);
        inst.paid = Some(match own_cap {
            // Within the cap: `cut` would give the amount itself.
            Some(limit) if rounded.max() <= limit => rounded,
            Some(limit) => cut(rounded, limit, Decimal::ZERO, Decimal::ZERO).0,
            None => rounded,
        });
    }

    /// The award before caps: exact, or a range for "up to" awards; never below zero.
    fn award(
        &self,
        env: &mut Env<'_>,
        clause: &ClauseDef,
        trace: &mut Vec<Step>,
    ) -> Result<Amount, Stop> {
        let (amount, detail) = match &clause.award {
            AwardDef::Amount(e) => {
                let v = env.eval_num(e)?;
                let detail = if self.explain {
                    Some(describe_amount(env, e, v)?)
                } else {
                    None
                };
                (Amount::Exact(v), detail)
            }
            AwardDef::Rate { rate, base } => {
                let r = env.eval_num(rate)?;
                let b = env.eval_num(base)?;
                let v = r.checked_mul(b).ok_or(Stop::Fault(
                    super::value::Fault::Overflow,
                    rate.span.to(base.span),
                ))?;
                let detail = if self.explain {
                    Some(format!(
                        "{} of {} = {}",
                        env.quote(rate),
                        env.quote(base),
                        format::money(v)
                    ))
                } else {
                    None
                };
                (Amount::Exact(v), detail)
            }
            AwardDef::UpTo { max, assessed } => {
                let m = env.eval_num(max)?;
                let assessed_value = match assessed {
                    Some(a) => match env.eval_num(a) {
                        Ok(v) => Some((v, a)),
                        Err(Stop::Needs(_)) => None,
                        Err(stop) => return Err(stop),
                    },
                    None => None,
                };
                match assessed_value {
                    Some((v, a)) => {
                        let paid = v.min(m);
                        let detail = if self.explain {
                            Some(format!(
                                "assessed {}, at most {} = {}",
                                env.quote(a),
                                format::money(m),
                                format::money(paid)
                            ))
                        } else {
                            None
                        };
                        (Amount::Exact(paid), detail)
                    }
                    None => {
                        let detail = if self.explain {
                            Some(format!(
                                "up to {}: anything from 0 to {}",
                                format::money(m),
                                format::money(m)
                            ))
                        } else {
                            None
                        };
                        (Amount::between(Decimal::ZERO, m), detail)
                    }
                }
            }
            AwardDef::Match { num, den, base } => {
                let b = env.eval_num(base)?;
                let v = b
                    .checked_mul(*num)
                    .and_then(|x| x.checked_div(*den))
                    .ok_or(Stop::Fault(super::value::Fault::Overflow, base.span))?;
                let detail = if self.explain {
                    Some(format!(
                        "{}:{} of {} = {}",
                        num.normalize(),
                        den.normalize(),
                        env.quote(base),
                        format::money(v)
                    ))
                } else {
                    None
                };
                (Amount::Exact(v), detail)
            }
        };
        if let Some(d) = detail {
            let span = roots(clause)
                .iter()
                .skip(usize::from(clause.when.is_some()))
                .map(|e| e.span)
                .reduce(|a, b| a.to(b));
            trace.push(step("award", d, None, span));
        }
        if amount.min() < Decimal::ZERO {
            if self.explain {
                trace.push(step(
                    "award",
                    format!(
                        "{} is below zero; an award is never negative, so 0",
                        format::amount(amount)
                    ),
                    None,
                    None,
                ));
            }
            return Ok(amount.map(|d| d.max(Decimal::ZERO)));
        }
        Ok(amount)
    }

    /// The decision for one subject whose facts are bound to each program.
    pub(super) fn decide(
        &self,
        kind: Kind,
        id: &compact_str::CompactString,
        bound: &[Bound],
    ) -> Result<Decision<'p>, Failure> {
        let mut scratch = Scratch::new();
        self.decide_into(kind, bound, &mut scratch)?;
        let instances = std::mem::take(&mut scratch.instances);
        self.finish(kind, id, bound, instances, &scratch.settlement)
    }

    /// Decides for one subject whose facts are bound to each program, leaving the results in
    /// `scratch` ([`Scratch::verdicts`]): the figures of [`Evaluator::decide_bound`] without
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
        let set = self.set;
        // Instances in evaluation order: event date, then claim id, then policy and clause.
        // Every program binds the same claims sorted by (date, id), so a claim's index orders
        // claims of equal date by id without comparing strings.
        let no_claims = bound.iter().all(|b| b.claims.is_empty());
        let made_for = (std::ptr::from_ref(set) as usize, kind, self.date);
        if !(no_claims && scratch.order_for == Some(made_for)) {
            let order = &mut scratch.order;
            order.clear();
            for (pi, program) in set.programs.iter().enumerate() {
                for (ci, clause) in program.clauses.iter().enumerate() {
                    if !clause.subjects.contains(&kind) {
                        continue;
                    }
                    if clause.per_claim {
                        for (k, c) in bound[pi].claims.iter().enumerate() {
                            order.push((c.date, Some(k), pi, ci));
                        }
                    } else {
                        order.push((self.date, None, pi, ci));
                    }
                }
            }
            // Without claims the order is already (date, policy, clause).
            if !order.is_sorted() {
                order.sort_unstable();
            }
            scratch.order_for = no_claims.then_some(made_for);
        }

        let filled = scratch
            .params_for
            .as_ref()
            .is_some_and(|(date, settings)| *date == self.date && *settings == self.settings);
        if !filled || scratch.params.len() != set.programs.len() {
            scratch.params_for = Some((self.date, self.settings.clone()));
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
        scratch.bounds.clear();
        // The previous subject's verdicts are written over in place (their `needs` keep their
        // buffers); a verdict is too big to build and move cheaply.
        let count = scratch.order.len();
        for (i, &(date, claim, pi, ci)) in scratch.order.iter().enumerate() {
            let at = At {
                pi,
                ci,
                claim,
                date,
            };
            let program = &set.programs[pi];
            let bounds = scratch.bounds.len();
            let inst = match scratch.instances.get_mut(i) {
                Some(inst) => {
                    inst.reset(at, bounds);
                    inst
                }
                None => {
                    scratch.instances.push(Instance::at(at, bounds));
                    let Some(inst) = scratch.instances.last_mut() else {
                        continue;
                    };
                    inst
                }
            };
            let (cache, params): (&mut [Cache], &[Option<Value>]) = if claim.is_some() {
                scratch.claim_cache.clear();
                scratch.claim_cache.resize(program.lets.len(), None);
                let params: &[Option<Value>] = if date == self.date {
                    &scratch.params[pi]
                } else {
                    params_at(program, &self.settings[pi], date, &mut scratch.claim_params);
                    &scratch.claim_params
                };
                (&mut scratch.claim_cache, params)
            } else {
                (&mut scratch.caches[pi], &scratch.params[pi])
            };
            self.instance(
                at,
                kind,
                &bound[pi],
                cache,
                params,
                &mut scratch.locals,
                &mut scratch.bounds,
                inst,
            );
        }

        scratch.instances.truncate(count);
        if let Some(what) = scratch.instances.iter().find_map(|i| i.internal) {
            return Err(Failure::internal(what));
        }
        self.apply_counters(scratch, true);
        self.apply_same_matter(scratch);
        self.apply_counters(scratch, false);
        scratch.settlement.settle(self.set, &scratch.instances)
    }

    /// Applies a running-total bound to `inst`; returns whether it cut the award.
    fn count(
        &self,
        inst: &mut Instance,
        used: &mut Vec<(Counter, (Decimal, Decimal))>,
        counter: Counter,
        limit: Decimal,
        kind: &'static str,
    ) {
        let Some(paid) = inst.paid else { return };
        let slot = match used.iter().position(|(c, _)| *c == counter) {
            Some(i) => i,
            None => {
                used.push((counter, (Decimal::ZERO, Decimal::ZERO)));
                used.len() - 1
            }
        };
        let (lo_used, hi_used) = used[slot].1;
        // What this bound has counted is updated once the award has met all its bounds
        // ([`record`]): a later bound may cut it further.
        let (after, _, _) = cut(paid, limit, lo_used, hi_used);
        if after == paid && !self.explain {
            return;
        }
        if !self.reasons {
            // Figures only: the cut, without its words.
            inst.paid = Some(after);
            return;
        }
        let (text, span) = self.counter_text(counter, limit);
        let year = match counter {
            Counter::Cap { year, .. }
            | Counter::Shared { year, .. }
            | Counter::Own { year, .. } => year,
        };
        let period = year.map_or(String::new(), |y| format!(" in {y}"));
        if after != paid {
            let detail = format!(
                "{text}: {} already counted{period}, so {} is cut to {}",
                format::amount(Amount::between(lo_used, hi_used)),
                format::amount(paid),
                format::amount(after)
            );
            if self.explain {
                inst.words()
                    .trace
                    .push(step("adjustment", detail.clone(), None, span));
            }
            inst.words().adjustments.push(Adjustment {
                kind,
                detail,
                before: paid,
                after,
            });
            inst.paid = Some(after);
        } else if self.explain {
            inst.words().trace.push(step(
                kind_word(kind),
                format!(
                    "{text}: not reached ({} counted{period} before this award)",
                    format::amount(Amount::between(lo_used, hi_used))
                ),
                None,
                span,
            ));
        }
    }

    /// The words of the cap or limit behind a running total, and where it is written.
    fn counter_text(&self, counter: Counter, limit: Decimal) -> (String, Option<crate::ast::Span>) {
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

    /// Applies the running totals of one kind (`subject_cap` or `limit`) in instance order.
    fn apply_counters(&self, scratch: &mut Scratch<'p>, caps: bool) {
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
            .filter(|i| i.outcome == Outcome::Awarded)
        {
            for k in inst.counters.0..inst.counters.1 {
                let (counter, limit) = scratch.bounds[k as usize];
                if matches!(counter, Counter::Cap { .. }) == caps {
                    self.count(inst, used, counter, limit, kind);
                }
            }
            // Every bound counts what the award pays after all of them, not what one of them
            // let through: otherwise a yearly limit would count an amount a per-project limit
            // cut further, and cut later awards that fit (the result would hang on the order
            // of the `limit` lines).
            let Some(paid) = inst.paid else { continue };
            for k in inst.counters.0..inst.counters.1 {
                let (counter, limit) = scratch.bounds[k as usize];
                if matches!(counter, Counter::Cap { .. }) == caps {
                    record(used, counter, limit, paid);
                }
            }
        }
    }

    fn apply_same_matter(&self, scratch: &mut Scratch<'p>) {
        let set = self.set;
        // (matter, claim) -> index of the instance kept so far. Every program binds the same
        // claims in the same order, so a claim's index names it across policies.
        let instances = &mut scratch.instances;
        let highest = |inst: &Instance| {
            inst.outcome == Outcome::Awarded
                && set.programs[inst.pi].header.same_matter == SameMatter::Highest
        };
        // One award or none: nothing to compare (most subjects of a population).
        if instances.iter().filter(|i| highest(i)).nth(1).is_none() {
            return;
        }
        let kept = &mut scratch.kept;
        kept.clear();
        for i in 0..instances.len() {
            let inst = &instances[i];
            let program = &set.programs[inst.pi];
            if inst.outcome != Outcome::Awarded || program.header.same_matter != SameMatter::Highest
            {
                continue;
            }
            let clause = &program.clauses[inst.ci];
            let matter = program
                .matters
                .get(clause.matter as usize)
                .map_or("", String::as_str);
            let key = (matter, inst.claim);
            let paid = inst.paid.unwrap_or(Amount::ZERO);
            match kept.get(&key).copied() {
                None => {
                    kept.insert(key, i);
                }
                Some(j) => {
                    let other = instances[j].paid.unwrap_or(Amount::ZERO);
                    let (winner, loser) = if (paid.max(), paid.min()) > (other.max(), other.min()) {
                        (i, j)
                    } else {
                        (j, i)
                    };
                    kept.insert(key, winner);
                    if self.reasons {
                        let w = &instances[winner];
                        let wp = &set.programs[w.pi];
                        let by = format!(
                            "{} {} ({})",
                            wp.header.document,
                            wp.clauses[w.ci].name,
                            format::amount(w.paid.unwrap_or(Amount::ZERO))
                        );
                        let l = &mut instances[loser];
                        let before = l.paid.unwrap_or(Amount::ZERO);
                        let detail = format!(
                            "same matter \"{matter}\": only the highest award is paid, which is {by}"
                        );
                        if self.explain {
                            l.words()
                                .trace
                                .push(step("adjustment", detail.clone(), None, None));
                        }
                        l.words().adjustments.push(Adjustment {
                            kind: "superseded",
                            detail,
                            before,
                            after: Amount::ZERO,
                        });
                    }
                    // The matter pays the higher of the two, so at least the loser's least: when
                    // the kept award is a range reaching below that (a fixed 1.5万元 against "up
                    // to 2万元"), its least is raised to it rather than the floor being lost.
                    let floor = instances[loser].paid.unwrap_or(Amount::ZERO).min();
                    let w = &mut instances[winner];
                    let kept_paid = w.paid.unwrap_or(Amount::ZERO);
                    if kept_paid.min() < floor {
                        let raised = Amount::between(floor, kept_paid.max());
                        if self.reasons {
                            let detail = format!(
                                "same matter \"{matter}\": at least {} is paid, the other award's least",
                                format::amount(Amount::Exact(floor))
                            );
                            if self.explain {
                                w.words().trace.push(step(
                                    "adjustment",
                                    detail.clone(),
                                    None,
                                    None,
                                ));
                            }
                            w.words().adjustments.push(Adjustment {
                                kind: "same_matter_floor",
                                detail,
                                before: kept_paid,
                                after: raised,
                            });
                        }
                        w.paid = Some(raised);
                    }
                    let l = &mut instances[loser];
                    l.outcome = Outcome::Superseded;
                    l.paid = Some(Amount::ZERO);
                }
            }
        }
    }

    /// The decision from a subject's verdicts and their settlement: the totals and payer
    /// shares are the settlement's, never added up again here.
    fn finish(
        &self,
        kind: Kind,
        id: &compact_str::CompactString,
        bound: &[Bound],
        instances: Vec<Instance>,
        settlement: &Settlement,
    ) -> Result<Decision<'p>, Failure> {
        let set = self.set;
        let per_policy: Vec<PolicyTotal<'p>> = set
            .programs
            .iter()
            .enumerate()
            .map(|(pi, p)| {
                let mut bound_sum = Decimal::ZERO;
                for u in instances
                    .iter()
                    .filter(|i| i.pi == pi && i.outcome == Outcome::Undetermined)
                    .filter_map(|i| i.upper)
                {
                    bound_sum = bound_sum.checked_add(u).ok_or_else(|| {
                        Failure::overflow(format!(
                            "the most the undetermined clauses of `{}` could add",
                            p.header.document
                        ))
                    })?;
                }
                Ok(PolicyTotal {
                    policy: p.header.document.as_str(),
                    paid: settlement.policy_total(pi),
                    undetermined_upper_bound: bound_sum,
                    undetermined: instances
                        .iter()
                        .filter(|i| i.pi == pi && i.outcome == Outcome::Undetermined)
                        .count(),
                    split_per_subject: p.header.split == crate::ast::Split::PerSubject,
                })
            })
            .collect::<Result<_, Failure>>()?;
        // Payers in the order they first take a share: the payers of per-award policies as
        // their awards come, then those of policies that split per subject.
        let mut order: Vec<usize> = Vec::new();
        let note = |order: &mut Vec<usize>, columns: &[usize]| {
            for c in columns {
                if !order.contains(c) {
                    order.push(*c);
                }
            }
        };
        for (i, inst) in instances.iter().enumerate() {
            if set.programs[inst.pi].header.split == crate::ast::Split::PerAward
                && settlement.is_paid(i)
            {
                note(&mut order, set.payer_columns(inst.pi));
            }
        }
        for (pi, p) in set.programs.iter().enumerate() {
            if p.header.split == crate::ast::Split::PerSubject {
                note(&mut order, set.payer_columns(pi));
            }
        }
        let per_payer = order
            .into_iter()
            .map(|c| Share {
                payer: set.payers[c].as_str(),
                amount: settlement.payer_totals()[c],
            })
            .collect();
        let undetermined = instances
            .iter()
            .filter(|i| i.outcome == Outcome::Undetermined)
            .count();
        let mut clauses = Vec::with_capacity(instances.len());
        let (mut shares, mut work) = (Vec::new(), super::settle::ShareBuffers::default());
        for (i, mut inst) in instances.into_iter().enumerate() {
            let program = &set.programs[inst.pi];
            let clause = &program.clauses[inst.ci];
            let mut funding = Vec::new();
            // A policy that splits per subject shows its payers in the totals only.
            let per_award = program.header.split == crate::ast::Split::PerAward;
            if per_award && settlement.shares_into(set, i, &mut shares, &mut work)? {
                funding = program
                    .header
                    .funding
                    .iter()
                    .zip(&shares)
                    .map(|((payer, _), amount)| Share {
                        payer: payer.as_str(),
                        amount: *amount,
                    })
                    .collect();
                if self.explain {
                    let parts: Vec<String> = funding
                        .iter()
                        .map(|s| format!("{} {}", s.payer, format::amount(s.amount)))
                        .collect();
                    inst.words()
                        .trace
                        .push(step("funding", parts.join(" / "), None, None));
                }
            }
            let words = inst.words.map(|w| *w).unwrap_or_default();
            clauses.push(ClauseResult {
                at: (inst.pi, inst.ci),
                policy: program.header.document.as_str(),
                clause: clause.name.as_str(),
                claim: inst
                    .claim
                    .and_then(|c| bound[inst.pi].claims.get(c))
                    .map(|c| c.id.clone()),
                event_date: inst.date,
                citation: &set.citations[inst.pi][inst.ci],
                outcome: inst.outcome,
                reason: words.reason,
                assessed: inst.assessed,
                paid: inst.paid,
                upper_bound: inst.upper,
                needs: inst.needs,
                adjustments: words.adjustments,
                funding,
                trace: words.trace,
            });
        }
        Ok(Decision {
            subject: SubjectRef {
                kind,
                id: id.clone(),
            },
            date: self.date,
            clauses,
            totals: Totals {
                paid: settlement.total(),
                per_policy,
                per_payer,
                undetermined,
            },
            warnings: Vec::new(),
        })
    }
}

/// An amount award in words: a fixed amount, the row of a table or bracket, or a formula.
fn describe_amount(env: &mut Env<'_>, e: &Expr, v: Decimal) -> Result<String, Stop> {
    Ok(match &e.kind {
        ExprKind::Const(_) => format!("a fixed award of {}", format::money(v)),
        ExprKind::Table(key, _) => format!("by {}: {}", env.quote(key), format::money(v)),
        ExprKind::If(c, a, b) => {
            let holds = env.eval_bool(c)?;
            let branch = if holds { a } else { b };
            let cond = source(env.program, c.span);
            let verdict = if holds { "true" } else { "false" };
            match branch.kind {
                ExprKind::Const(_) => format!("{cond} is {verdict}: {}", format::money(v)),
                _ => format!(
                    "{cond} is {verdict}, so {} = {}",
                    source(env.program, branch.span),
                    format::money(v)
                ),
            }
        }
        ExprKind::Bracket(value, arms) => {
            let x = env.eval_num(value)?;
            let row = arms.iter().find(|a| {
                a.lower
                    .is_none_or(|(t, inc)| if inc { x >= t } else { x > t })
                    && a.upper
                        .is_none_or(|(t, inc)| if inc { x <= t } else { x < t })
            });
            let row = row.map_or_else(String::new, |a| bracket_row(env, value.show, a));
            format!(
                "{} is in the row `{row}`: {}",
                env.quote(value),
                format::money(v)
            )
        }
        // Arithmetic shows the figures it joins, each term set apart (explain.rs).
        _ => match env.figures(e) {
            Some(f) => format!(
                "{} = {f} = {}",
                source(env.program, e.span),
                format::money(v)
            ),
            None => format!("{} = {}", source(env.program, e.span), format::money(v)),
        },
    })
}

/// A bracket row's bounds as written: `>= 100万元 and < 500万元`.
fn bracket_row(env: &Env<'_>, show: crate::compile::Show, arm: &crate::compile::Arm) -> String {
    let bound = |(t, inclusive): (Decimal, bool), lower: bool| {
        let op = match (lower, inclusive) {
            (true, true) => ">=",
            (true, false) => ">",
            (false, true) => "<=",
            (false, false) => "<",
        };
        format!("{op} {}", env.show_value(show, Value::Num(t)))
    };
    match (arm.lower, arm.upper) {
        (Some(l), Some(u)) => format!("{} and {}", bound(l, true), bound(u, false)),
        (Some(l), None) => bound(l, true),
        (None, Some(u)) => bound(u, false),
        (None, None) => String::new(),
    }
}

/// The expressions a clause evaluates: its condition and its award's parts.
fn roots(clause: &ClauseDef) -> Vec<&Expr> {
    let mut roots: Vec<&Expr> = clause.when.iter().collect();
    match &clause.award {
        AwardDef::Amount(e) => roots.push(e),
        AwardDef::Rate { rate, base } => roots.extend([rate, base]),
        AwardDef::UpTo { max, assessed } => {
            roots.push(max);
            roots.extend(assessed.iter());
        }
        AwardDef::Match { base, .. } => roots.push(base),
    }
    roots
}

/// `cap 10万元 per project`, `limit 每家每年 ... per institution per year`.
/// `cap 500万元 per enterprise`; a bound written as an expression also shows the value it
/// came to (`cap 100万元 / 3 = 333,333.33 元 per person`).
fn describe_bound(program: &Program, what: &str, b: &BoundDef, value: Decimal) -> String {
    let computed = if matches!(b.amount.kind, ExprKind::Const(_)) {
        String::new()
    } else {
        format!(" = {}", format::money(value))
    };
    format!(
        "{what} {}{computed} per {}{}",
        source(program, b.amount.span),
        b.per.as_str(),
        if b.per_year { " per year" } else { "" }
    )
}

fn kind_word(kind: &'static str) -> &'static str {
    match kind {
        "subject_cap" => "cap",
        other => other,
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
    fn a_range_under_a_limit_pairs_its_least_with_the_most_counted_before() {
        // 3万元 per year; an "up to 2万元" award counted before (0 to 2万元), then a fixed
        // 2万元: what is left is 1万元 when the first paid its most, 3万元 when it paid nothing.
        let (after, lo, hi) = cut(Amount::Exact(d("20000")), d("30000"), d("0"), d("20000"));
        assert_eq!(after, Amount::between(d("10000"), d("20000")));
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
            let (after, lo, hi) = cut(paid, limit, lo_used, hi_used);
            proptest::prop_assert!(after.min() <= after.max());
            proptest::prop_assert!(lo <= hi && hi <= limit.max(hi_used));
            // Each end of the running total is what that end of the award brings it to.
            proptest::prop_assert_eq!(lo, (lo_used + paid.min()).min(limit));
            proptest::prop_assert_eq!(hi, (hi_used + paid.max()).min(limit));
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
