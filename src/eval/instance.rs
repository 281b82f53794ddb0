//! One clause for the subject or one claim, in the documented order: date and window ->
//! condition -> award -> per-claim caps -> rounding, and the running-total bounds it will be
//! counted against.
//!
//! Input: where the instance is ([`Place`]: clause, claim, date, the subject's bound facts and
//! parameter values), let caches, and the verdict to write. Output: the verdict, written in
//! place (a verdict is too big to move cheaply), and the instance's running-total bounds
//! pushed on the subject's list. Guarantee: the figures do not depend on the tracer; the one
//! shortcut taken only when nothing is written (a condition read on its plain parts) gives
//! the outcome the full evaluation gives (tests/differential.rs compares them).

use chrono::Datelike;
use rust_decimal::Decimal;

use super::bounds::{describe_bound, scope, Counter, Scope};
use super::decision::{Amount, Outcome, Step};
use super::explain::{self, conjuncts, lets_used, source, stop_words};
use super::expr::{holds, Cache, Env};
use super::facts::{Bound, BoundClaim};
use super::format;
use super::run::{round, At, Verdict};
use super::trace::Tracer;
use super::value::{compare_numbers, Fault, Need, Stop, Value};
use super::Evaluator;
use crate::ast::{RoundingMode, Span};
use crate::compile::{AwardDef, BoundDef, ClauseDef, Expr, ExprKind, Kind, LimitUse, Program};

/// Where an instance is evaluated: which clause, for which claim, on which date; for a subject
/// of which kind, with which facts and parameter values (at the event date).
pub(super) struct Place<'a> {
    pub(super) at: At,
    pub(super) kind: Kind,
    /// The program of clause `at`.
    pub(super) program: &'a Program,
    pub(super) bound: &'a Bound,
    pub(super) params: &'a [Option<Value>],
}

/// The bounds of an instance that are applied as it is evaluated.
struct Limits<'c> {
    /// Per-claim caps and limits: amount, definition, `cap` or `limit`, and the running total
    /// it would be ([`Counter::Cap`] or [`Counter::Own`]; only its place is used).
    claim_caps: Vec<(Decimal, &'c BoundDef, &'static str, Counter)>,
    /// The clause's first per-subject cap when the clause is not per claim: this instance is
    /// the only one its running total counts, so it is applied at once, as that running total
    /// would apply it (amount and counter).
    own_cap: Option<(Decimal, Counter)>,
    /// Why a bound has no value.
    stop: Option<Stop>,
}

impl Limits<'_> {
    /// The least of the instance's bounds (`counted`: those pushed as running totals), the
    /// most an undetermined award can come to.
    /// A yearly limit bounds only what is paid in its year: a staged award paid in several
    /// years is bounded by the sum over those years of each year's least limit.
    fn least(&self, counted: &[(Counter, Decimal)]) -> Option<Decimal> {
        let mut years: Vec<(i32, Decimal)> = Vec::new();
        let mut whole = None;
        for &(c, v) in counted {
            match c.limit_year() {
                Some(y) => match years.iter_mut().find(|(x, _)| *x == y) {
                    Some(e) => e.1 = e.1.min(v),
                    None => years.push((y, v)),
                },
                None => whole = Some(whole.map_or(v, |w: Decimal| w.min(v))),
            }
        }
        // Past what a decimal holds, the yearly limits bound nothing that can be paid.
        let yearly = years
            .iter()
            .try_fold(Decimal::ZERO, |sum, (_, v)| {
                super::decision::add_exact(sum, *v)
            })
            .filter(|_| !years.is_empty());
        self.claim_caps
            .iter()
            .map(|(v, ..)| *v)
            .chain(self.own_cap.map(|(v, _)| v))
            .chain(whole)
            .chain(yearly)
            .min()
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
                    Some(Value::Num(x)) => holds(*op, compare_numbers(x, *c)),
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

/// A step of an explanation.
pub(super) fn step(
    kind: &'static str,
    text: String,
    passed: Option<bool>,
    span: Option<Span>,
) -> Step {
    Step {
        kind,
        text,
        passed,
        span: span.map(Into::into),
    }
}

impl<'p, T: Tracer> Evaluator<'p, T> {
    /// Evaluates one clause for the subject or one claim into `inst` (made by [`Verdict`]'s
    /// constructor or reset to it), pushing the running-total bounds it is counted against on
    /// `bounds`. Inlined into its one caller: passing its arguments cost more than much of its
    /// work.
    #[inline(always)]
    pub(super) fn instance(
        &self,
        place: Place<'_>,
        cache: &mut [Cache],
        locals: &mut Vec<Cache>,
        bounds: &mut Vec<(Counter, Decimal)>,
        inst: &mut Verdict,
    ) {
        let Place {
            at,
            kind,
            program,
            bound,
            params,
        } = place;
        let clause = &program.clauses[at.ci];
        // A run whose anchor date is not given: undetermined, unless a condition that does
        // not depend on the year already fails.
        let no_run = clause.run.is_some() && at.year.is_none();
        if no_run && super::series::reads_the_year(program, clause) {
            return super::series::no_run::<T>(program, clause, inst);
        }
        if !self.in_force(at, clause, inst) {
            return;
        }
        // A once-only award, or a year of a run, the history shows as paid is not evaluated
        // further.
        if (clause.once.is_some() || at.year.is_some())
            && self.already_paid(program, clause, bound, at, inst)
        {
            return;
        }
        // The one shortcut taken only when no words are written (measured faster, and
        // compared with the full evaluation by tests/differential.rs): the plain parts a
        // condition starts with are read in place. A condition that fails on them needs
        // nothing else of the clause (conditions often start with such inputs, and in a
        // population most subjects fail them); one that passes them is evaluated from the
        // first part they leave open.
        let mut open = clause.when.as_ref();
        if !T::REASONS {
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
            claim: at.claim.and_then(|c| bound.claims.get(c)),
            params,
            lets: cache,
            clause: Some(clause),
            locals,
            date: at.date,
        };
        let Some(condition) = condition::<T>(&mut env, clause, open, inst) else {
            return;
        };
        if no_run {
            return super::series::no_run::<T>(program, clause, inst);
        }
        let award = award::<T>(&mut env, clause, inst);
        // A staged award: which stages are paid now, and in which years limits count them.
        let Some(staged) = staging::<T>(&mut env, clause, self.date, inst) else {
            return;
        };
        let pay_years = staged.as_ref().map_or(&[][..], |s| s.years.as_slice());
        let limits = limits(&mut env, program, at, pay_years, kind, clause, bounds);
        inst.counters.1 = bounds.len() as u32;
        let counted = &bounds[inst.counters.0 as usize..];
        let amount = match award {
            Ok(a) => a,
            Err(stop @ Stop::Needs(_)) => {
                let upper = limits.least(counted);
                return undetermined::<T>(&env, clause, upper, stop, inst);
            }
            Err(stop) => return inst.cannot::<T>(program, stop),
        };
        // What earlier grants of this clause paid for the same claim counts against its
        // per-claim caps and limits.
        let before = super::history::claim_seed(bound, at);
        let amount = claim_caps::<T>(program, &limits.claim_caps, before, amount, inst);
        let Some(rounded) = rounded::<T>(program, amount, inst) else {
            return;
        };
        if let Err(stop) = condition {
            let upper = match limits.least(counted) {
                Some(c) => c.min(rounded.max()),
                None => rounded.max(),
            };
            return undetermined::<T>(&env, clause, Some(upper), stop, inst);
        }
        match limits.stop {
            Some(stop @ Stop::Fault(..)) => return inst.cannot::<T>(program, stop),
            Some(stop) => return undetermined::<T>(&env, clause, Some(rounded.max()), stop, inst),
            None => {}
        }
        inst.outcome = Outcome::Awarded;
        inst.assessed = Some(rounded);
        inst.paid = Some(rounded);
        inst.stages = staged;
        self.own_cap(bound, at.claim, &limits, bounds, inst);
    }

    /// The clause's own cap over the subject, counted after what earlier grants (the
    /// history) paid under it; in a decision, that cap and the per-claim caps and limits are
    /// listed for their headroom.
    fn own_cap(
        &self,
        bound: &super::facts::Bound,
        claim: Option<usize>,
        limits: &Limits<'_>,
        bounds: &mut Vec<(Counter, Decimal)>,
        inst: &mut Verdict,
    ) {
        if let Some((limit, counter)) = limits.own_cap {
            // The grants of this award's own stages are parts of the award the cap bounds,
            // not earlier awards (see `bounds::Evaluator::meet_bounds`).
            let own = inst.stages.as_ref().map_or(Decimal::ZERO, |s| {
                s.granted_under(counter, (inst.pi, inst.ci))
            });
            let (_, seed) = super::history::seed(bound, counter);
            let before = (seed - own).max(Decimal::ZERO);
            // Cut by the history's grants only, which no reduction of this run changes.
            let _ = self.apply_bound(inst, counter, limit, (before, before), "subject_cap");
            // Listed after the instance's own running totals, in no instance's range, so it
            // is not applied again. A simulation reports no headroom, and keeps its list of
            // running totals empty.
            if T::REASONS {
                bounds.push((counter, limit));
            }
        }
        if T::REASONS {
            for &(limit, _, _, counter) in &limits.claim_caps {
                if let Some(c) = Counter::per_claim(counter, claim) {
                    bounds.push((c, limit));
                }
            }
        }
    }

    /// Whether the instance is in force: a claim dated after the evaluation date is not yet
    /// paid, whatever the window says (the window is about when the event happens), and the
    /// event date must be within the clause's window. Writes the verdict when it is not.
    #[inline(always)]
    fn in_force(&self, at: At, clause: &ClauseDef, inst: &mut Verdict) -> bool {
        let date = at.date;
        if (at.claim.is_some() || at.year.is_some()) && date > self.date {
            inst.outcome = Outcome::NotYet;
            let why = || match at.year {
                Some(year) => format!(
                    "year {year} of the run falls on {date}, after the evaluation date {}",
                    self.date
                ),
                None => format!(
                    "the claim is dated {date}, after the evaluation date {}",
                    self.date
                ),
            };
            T::step(inst, || step("date", why(), Some(false), None));
            T::reason(inst, why);
            return false;
        }
        let (start, end) = clause.window;
        let in_force = start <= date && date <= end;
        T::step(inst, || {
            let verdict = if in_force { "within" } else { "outside" };
            let text = format!("{date} is {verdict} the window {start} to {end}");
            step("window", text, Some(in_force), None)
        });
        if !in_force {
            T::reason(inst, || {
                format!("{date} is outside the window {start} to {end}")
            });
        }
        in_force
    }
}

/// The clause's condition (from `open`, the part left once plain parts were read): `None` when
/// it decides the verdict (not eligible, or cannot be evaluated), else whether it holds or what
/// it waits for. The values it uses and each of its parts are explained.
#[inline(always)]
fn condition<T: Tracer>(
    env: &mut Env<'_>,
    clause: &ClauseDef,
    open: Option<&Expr>,
    inst: &mut Verdict,
) -> Option<Result<bool, Stop>> {
    T::steps(inst, |steps| value_steps(env, clause, steps));
    let condition = match open {
        Some(w) => env.eval_bool(w),
        None => Ok(true),
    };
    if let Some(w) = &clause.when {
        T::steps(inst, |steps| {
            for c in conjuncts(w) {
                let (passed, text) = env.describe(c);
                steps.push(step("condition", text, passed, Some(c.span)));
            }
        });
    }
    match condition {
        Ok(false) => {
            inst.outcome = Outcome::NotEligible;
            if let Some(w) = &clause.when {
                T::reason(inst, || failed_part(env, w));
            }
            None
        }
        Err(stop @ Stop::Fault(..)) => {
            inst.cannot::<T>(env.program, stop);
            None
        }
        other => Some(other),
    }
}

/// The lets the clause uses, each with its value (arithmetic with the figures it joins).
fn value_steps(env: &mut Env<'_>, clause: &ClauseDef, steps: &mut Vec<Step>) {
    let program = env.program;
    for (local, i) in lets_used(program, &clause.locals, &roots(clause)) {
        let def = if local {
            &clause.locals[i]
        } else {
            &program.lets[i]
        };
        let value = match env.eval(&def.expr) {
            Ok(v) => match env.figures(&def.expr) {
                Some(f) => format!("{f} = {}", env.show_value(def.expr.show, v)),
                None => env.show_value(def.expr.show, v),
            },
            Err(stop) => format!("unknown ({})", stop_words(program, stop)),
        };
        let text = format!(
            "{} = {} = {value}",
            def.name,
            source(program, def.expr.span)
        );
        steps.push(step("value", text, None, Some(def.span)));
    }
    let roots = roots(clause);
    for (read, e) in super::series::series_reads(program, &clause.locals, &roots) {
        let text = env.series_words(read, e);
        steps.push(step("years", text, None, Some(e.span)));
    }
}

/// Why a condition that does not hold fails: its first part that does not hold.
fn failed_part(env: &mut Env<'_>, when: &Expr) -> String {
    let failed = conjuncts(when)
        .into_iter()
        .find(|c| env.eval_bool(c) == Ok(false));
    match failed {
        Some(c) => env.why_not(c),
        // A condition that fails has a part that fails; said as a whole all the same.
        None => format!("{} does not hold", source(env.program, when.span)),
    }
}

/// The stages of a staged award (none for others), with the years its paid stages are
/// counted in; `None` when the verdict is written instead (a stage that cannot be worked out).
#[inline(always)]
fn staging<T: Tracer>(
    env: &mut Env<'_>,
    clause: &ClauseDef,
    today: chrono::NaiveDate,
    inst: &mut Verdict,
) -> Option<Option<Box<super::stages::Staged>>> {
    if clause.stages.is_empty() {
        return Some(None);
    }
    let program = env.program;
    match super::stages::plan(env, clause, today, (inst.pi, inst.ci)) {
        Ok(plan) => Some(Some(plan)),
        Err(stop) => {
            inst.cannot::<T>(program, stop);
            None
        }
    }
}

/// The award before caps: exact, or a range for "up to" awards; never below zero.
fn award<T: Tracer>(
    env: &mut Env<'_>,
    clause: &ClauseDef,
    inst: &mut Verdict,
) -> Result<Amount, Stop> {
    let amount = award_amount(env, &clause.award)?;
    T::step(inst, || {
        let span = roots(clause)
            .iter()
            .skip(usize::from(clause.when.is_some()))
            .map(|e| e.span)
            .reduce(|a, b| a.to(b));
        step("award", award_words(env, &clause.award, amount), None, span)
    });
    if amount.min() < Decimal::ZERO {
        T::step(inst, || {
            let text = format!(
                "{} is below zero; an award is never negative, so 0",
                format::amount(amount)
            );
            step("award", text, None, None)
        });
        return Ok(amount.map(|d| d.max(Decimal::ZERO)));
    }
    Ok(amount)
}

/// The award's figures, as written (perhaps below zero).
#[inline(always)]
fn award_amount(env: &mut Env<'_>, award: &AwardDef) -> Result<Amount, Stop> {
    Ok(match award {
        AwardDef::Amount(e) => Amount::Exact(env.eval_num(e)?),
        AwardDef::Rate { rate, base } => {
            let r = env.eval_num(rate)?;
            let b = env.eval_num(base)?;
            let overflow = Stop::Fault(Fault::Overflow, rate.span.to(base.span));
            Amount::Exact(r.checked_mul(b).ok_or(overflow)?)
        }
        AwardDef::UpTo { max, assessed } => {
            let m = env.eval_num(max)?;
            match assessed_value(env, assessed.as_ref())? {
                Some(v) => Amount::Exact(v.min(m)),
                // Up to a maximum below zero spans it and 0, so the award is said to be
                // below zero and paid 0, like any other.
                None => Amount::spanning(Decimal::ZERO, m),
            }
        }
        AwardDef::Match { num, den, base } => {
            let b = env.eval_num(base)?;
            let v = b
                .checked_mul(*num)
                .and_then(|x| x.checked_div(*den))
                .ok_or(Stop::Fault(Fault::Overflow, base.span))?;
            Amount::Exact(v)
        }
    })
}

/// The assessed amount of an "up to" award, or `None` when it is not written or not known (the
/// award is then anything up to its maximum).
fn assessed_value(env: &mut Env<'_>, assessed: Option<&Expr>) -> Result<Option<Decimal>, Stop> {
    match assessed.map(|a| env.eval_num(a)) {
        Some(Ok(v)) => Ok(Some(v)),
        Some(Err(Stop::Needs(_))) | None => Ok(None),
        Some(Err(stop)) => Err(stop),
    }
}

/// An award that came to `amount`, in words.
fn award_words(env: &mut Env<'_>, award: &AwardDef, amount: Amount) -> String {
    match award {
        AwardDef::Amount(e) => describe_amount(env, e, amount.min()),
        AwardDef::Rate { rate, base } => format!(
            "{} of {} = {}",
            env.quote(rate),
            env.quote(base),
            format::money(amount.min())
        ),
        AwardDef::UpTo { max, assessed } => match assessed_value(env, assessed.as_ref()) {
            Ok(Some(_)) => {
                let m = env.eval_num(max).unwrap_or(amount.max());
                let a = assessed.as_ref().map_or_else(String::new, |a| env.quote(a));
                format!(
                    "assessed {a}, at most {} = {}",
                    format::money(m),
                    format::money(amount.min())
                )
            }
            _ => format!(
                "up to {}: anything from 0 to {}",
                format::money(amount.max()),
                format::money(amount.max())
            ),
        },
        AwardDef::Match { num, den, base } => format!(
            "{}:{} of {} = {}",
            num.normalize(),
            den.normalize(),
            env.quote(base),
            format::money(amount.min())
        ),
    }
}

/// An amount award in words: a fixed amount, the row of a table or bracket, or a formula.
fn describe_amount(env: &mut Env<'_>, e: &Expr, v: Decimal) -> String {
    match &e.kind {
        ExprKind::Const(_) => format!("a fixed award of {}", format::money(v)),
        ExprKind::Table(key, _) => format!("by {}: {}", env.quote(key), format::money(v)),
        ExprKind::If(c, a, b) => {
            // The award's value was found, so the condition is known.
            let holds = env.eval_bool(c).unwrap_or_default();
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
            // The award's value was found, so the bracket's value is known.
            let x = env.eval_num(value).ok();
            let row = arms.iter().find(|a| {
                x.is_some_and(|x| {
                    a.lower
                        .is_none_or(|(t, inc)| if inc { x >= t } else { x > t })
                        && a.upper
                            .is_none_or(|(t, inc)| if inc { x <= t } else { x < t })
                })
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
    }
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

/// The instance's caps and limits: per-claim ones and its own cap kept to apply at once, the
/// others (running totals) pushed on `bounds` to be counted once every instance is evaluated.
#[inline(always)]
fn limits<'c>(
    env: &mut Env<'_>,
    program: &'c Program,
    at: At,
    pay_years: &[i32],
    kind: Kind,
    clause: &'c ClauseDef,
    bounds: &mut Vec<(Counter, Decimal)>,
) -> Limits<'c> {
    let At {
        pi,
        ci,
        claim,
        date,
        ..
    } = at;
    // Caps bound the whole award, counted in its event's year; limits count what is paid, in
    // the year it is paid: a staged award's stages paid now in each year of their own dates,
    // a yearly limit having a running total for each of those years.
    let event_year = [date.year()];
    let years = if pay_years.is_empty() {
        &event_year[..]
    } else {
        pay_years
    };
    let caps = clause.caps.iter().enumerate().map(|(k, cap)| {
        let year = cap.per_year.then(|| date.year());
        (cap, Counter::Cap { pi, ci, k, year }, "cap")
    });
    let limits = clause.limits.iter().enumerate().flat_map(move |(k, l)| {
        let def = match l {
            LimitUse::Shared(li) => program.limits.get(*li as usize).map(|d| &d.bound),
            LimitUse::Own(b) => Some(b),
        };
        let per_year = def.is_some_and(|b| b.per_year);
        let each = if per_year { years } else { &years[..1] };
        each.iter().filter_map(move |&y| {
            let (b, year) = (def?, per_year.then_some(y));
            let counter = match l {
                LimitUse::Shared(li) => Counter::Shared {
                    pi,
                    li: *li as usize,
                    year,
                    // A shared limit per project binds the sum over its clauses for one claim.
                    claim: (b.per == Kind::Project).then_some(claim),
                },
                LimitUse::Own(_) => Counter::Own { pi, ci, k, year },
            };
            Some((b, counter, "limit"))
        })
    });
    let mut out = Limits {
        claim_caps: Vec::new(),
        own_cap: None,
        stop: None,
    };
    for (b, counter, what) in caps.chain(limits) {
        let sc = scope(b.per, kind);
        if sc == Scope::Other {
            continue;
        }
        // A per-subject cap of a clause that is not per claim (nor per year of a run) is counted by this instance
        // alone.
        let alone = !clause.per_claim
            && clause.run.is_none()
            && out.own_cap.is_none()
            && matches!(counter, Counter::Cap { .. });
        let shared = matches!(counter, Counter::Shared { .. });
        let amount = env.eval_num(&b.amount);
        match amount.and_then(|v| super::bounds::bound_amount(program, v, b.amount.span)) {
            Ok(v) if sc == Scope::Claim && !shared => out.claim_caps.push((v, b, what, counter)),
            Ok(v) if alone => out.own_cap = Some((v, counter)),
            Ok(v) => bounds.push((counter, v)),
            Err(stop) => out.stop = out.stop.or(Some(stop)),
        }
    }
    out
}

/// `amount` under the instance's per-claim caps and limits, each explained.
#[inline(always)]
fn claim_caps<T: Tracer>(
    program: &Program,
    caps: &[(Decimal, &BoundDef, &'static str, Counter)],
    before: Decimal,
    mut amount: Amount,
    inst: &mut Verdict,
) -> Amount {
    for (cap, b, what, _) in caps {
        let room = (*cap - before).max(Decimal::ZERO);
        let capped = amount.map(|d| d.min(room));
        T::step(inst, || {
            let text = describe_bound(program, what, b, *cap);
            let what = if capped == amount {
                "not reached"
            } else {
                "applied"
            };
            let earlier = if before.is_zero() {
                String::new()
            } else {
                format!(
                    ", {} paid for this claim by earlier grants",
                    format::money(before)
                )
            };
            let text = format!(
                "{text}: {what} ({} -> {}{earlier})",
                format::amount(amount),
                format::amount(capped)
            );
            step("cap", text, None, Some(b.amount.span))
        });
        amount = capped;
    }
    amount
}

/// `amount` rounded by the policy's rule (explained), or `None` when it cannot be: the verdict
/// is then written as cannot evaluate.
#[inline(always)]
fn rounded<T: Tracer>(program: &Program, amount: Amount, inst: &mut Verdict) -> Option<Amount> {
    let header = &program.header;
    let mut failed = false;
    let rounded = amount.map(|d| {
        round(d, header.rounding_step, header.rounding_mode).unwrap_or_else(|| {
            failed = true;
            d
        })
    });
    if failed {
        inst.outcome = Outcome::CannotEvaluate;
        T::reason(inst, || {
            "the award cannot be rounded to the declared step".to_string()
        });
        return None;
    }
    T::step(inst, || {
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
        let step_text = format::money(header.rounding_step);
        step(
            "rounding",
            format!("rounded to {step_text} {mode}: {change}"),
            None,
            None,
        )
    });
    Some(rounded)
}

/// Writes the verdict as undetermined: the most it could come to, what it waits for and why.
fn undetermined<T: Tracer>(
    env: &Env<'_>,
    clause: &ClauseDef,
    upper: Option<Decimal>,
    stop: Stop,
    inst: &mut Verdict,
) {
    inst.outcome = Outcome::Undetermined;
    inst.upper = upper;
    inst.needs = missing(env, &roots(clause), clause);
    // A missing year of a series is named with its year (`销售收入[2023]`).
    if let Stop::Needs(need @ Need::Year(..)) = stop {
        let name = explain::need_name(env.program, need);
        if !inst.needs.contains(&name) {
            inst.needs.push(name);
        }
    }
    T::reason(inst, || stop_words(env.program, stop));
}

/// Names of the inputs and parameters an undetermined clause is missing.
pub(super) fn missing(env: &Env<'_>, roots: &[&Expr], clause: &ClauseDef) -> Vec<String> {
    let (program, bound, params) = (env.program, env.bound, env.params);
    let claim_values = env.claim.map(|c: &BoundClaim| c.values.as_slice());
    let mut names: Vec<String> = Vec::new();
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
            // A series none of whose years is given; a missing year is named by the stop.
            ExprKind::Series(ref read) if !bound.series.iter().any(|s| s.slot == read.slot) => {
                Need::Subject(read.slot)
            }
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
