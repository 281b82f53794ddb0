//! Staged awards: an award's total (after its caps and non-cumulation) paid in parts.
//!
//! Input: a clause's stages (share, condition, date), evaluated for one instance when its
//! award is known (`plan`), and the total once caps and non-cumulation have had their say
//! (`Evaluator::apply_stages`). Output: each stage's amount and whether it is paid now,
//! deferred (its condition does not hold yet, or its date is after the evaluation date) or
//! undetermined; the verdict then pays what is paid now. Guarantee: the stages add up exactly
//! to the total, each is a whole number of fen except the last (which takes the remainder),
//! and none is below zero; a deferred stage counts towards no limit or budget now. Limits count
//! each stage paid now in the calendar year of its date (`bounds`): a limit that cuts a year
//! cuts that year's stages, and what it cuts is shown with each stage, so what the stages pay,
//! defer and lose to limits adds up to the total.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::bounds::Counter;
use super::decision::{Amount, Outcome};
use super::explain::source;
use super::expr::Env;
use super::format;
use super::instance::step;
use super::run::{round, Scratch, Verdict};
use super::trace::Tracer;
use super::value::{Stop, Value};
use super::Evaluator;
use crate::ast::RoundingMode;
use crate::compile::{ClauseDef, StageDef};

/// What became of one stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageOutcome {
    /// Its condition holds and its date is on or before the evaluation date: paid now.
    Paid,
    /// Its condition does not hold yet, or its date is after the evaluation date.
    Deferred,
    /// Its condition or its date is not known.
    Undetermined,
    /// An earlier grant (the history) paid it: it is not paid again.
    AlreadyPaid,
}

impl StageOutcome {
    /// The outcome as written in JSON and test files.
    pub fn key(self) -> &'static str {
        match self {
            StageOutcome::Paid => "paid",
            StageOutcome::Deferred => "deferred",
            StageOutcome::Undetermined => "undetermined",
            StageOutcome::AlreadyPaid => "already_paid",
        }
    }
}

/// One stage of a clause result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StageResult {
    /// The stage's name.
    pub name: String,
    /// Its share of the award, as a percentage (`40%`).
    pub share: String,
    /// Its part of the award.
    pub amount: Amount,
    /// Paid now, deferred, undetermined or already paid (by an earlier grant).
    pub outcome: StageOutcome,
    /// The date it is paid on, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// For a deferred stage: what it waits for, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<String>,
    /// For an undetermined stage: the inputs it needs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// For a stage paid now: what a limit of the year it is paid in cut from its part (its
    /// `amount` is what is left), when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut: Option<Amount>,
    /// For a stage already paid: the earlier grant that paid it, in words (its `amount` is
    /// still its part of the award as evaluated now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant: Option<String>,
}

/// The stages of one verdict.
#[derive(Clone, Debug, Default)]
pub struct Staged {
    /// Each stage, in the clause's order.
    pub list: Vec<StageResult>,
    /// The calendar years the stages paid now are paid in, in order, each once.
    pub years: Vec<i32>,
    /// What the deferred stages come to.
    pub deferred: Amount,
    /// The stages earlier grants paid: the stage's position, and the grant's amount and date.
    pub(super) granted: Vec<(usize, Decimal, NaiveDate)>,
}

impl Staged {
    /// Whether stage `s` is paid now in `year` (any year when `None`).
    fn paid_in(s: &StageResult, year: Option<i32>) -> bool {
        s.outcome == StageOutcome::Paid
            && year.is_none_or(|y| s.date.is_some_and(|d| d.year() == y))
    }

    /// What the grants of its stages paid that the per-subject cap `counter` of clause
    /// `(pi, ci)` counted: zero for another bound (a staged award is the only one its
    /// stages' grants are a part of).
    pub(super) fn granted_under(&self, counter: Counter, (pi, ci): (usize, usize)) -> Decimal {
        let Counter::Cap {
            pi: p, ci: c, year, ..
        } = counter
        else {
            return Decimal::ZERO;
        };
        if (p, c) != (pi, ci) {
            return Decimal::ZERO;
        }
        self.granted
            .iter()
            .filter(|(_, _, date)| year.is_none_or(|y| date.year() == y))
            .fold(Decimal::ZERO, |sum, (_, amount, _)| {
                sum.saturating_add(*amount)
            })
    }

    /// What its stages paid now come to in `year`; `None` when the sum cannot be held (it
    /// can, as a part of a total that is held).
    pub(super) fn paid_now_in(&self, year: i32) -> Option<Amount> {
        let mut sum = Amount::ZERO;
        for s in self.list.iter().filter(|s| Staged::paid_in(s, Some(year))) {
            sum = (sum + s.amount)?;
        }
        Some(sum)
    }
}

/// The stages of `clause` (at `(pi, ci)` of the policy set) for one instance: each stage's
/// outcome and date, amounts not yet known. `today` is the evaluation date. A stage an earlier
/// grant of this award paid (a grant naming it, of this clause and of the instance's claim) is
/// *already paid*, its condition and date not evaluated. A fault in a stage's condition or
/// date is returned.
pub(super) fn plan(
    env: &mut Env<'_>,
    clause: &ClauseDef,
    today: NaiveDate,
    (pi, ci): (usize, usize),
) -> Result<Box<Staged>, Stop> {
    let mut list = Vec::with_capacity(clause.stages.len());
    let mut years: Vec<i32> = Vec::new();
    let mut granted = Vec::new();
    let claim = env.claim.map(|c| crate::keys::key(&c.id).into_owned());
    for (k, s) in clause.stages.iter().enumerate() {
        let paid = env
            .bound
            .history
            .iter()
            .find(|g| g.stage_of(pi, ci, claim.as_deref()) && g.stage == Some(k));
        if let Some(g) = paid {
            granted.push((k, g.given.amount, g.given.date));
            list.push(StageResult {
                name: s.name.clone(),
                share: format::percent(s.share),
                amount: Amount::ZERO,
                outcome: StageOutcome::AlreadyPaid,
                date: Some(g.given.date),
                waits_for: None,
                needs: Vec::new(),
                cut: None,
                grant: Some(super::history::cite(&g.given)),
            });
            continue;
        }
        let r = stage_outcome(env, clause, s, today)?;
        if let (StageOutcome::Paid, Some(d)) = (r.outcome, r.date) {
            if !years.contains(&d.year()) {
                years.push(d.year());
            }
        }
        list.push(r);
    }
    years.sort_unstable();
    Ok(Box::new(Staged {
        list,
        years,
        deferred: Amount::ZERO,
        granted,
    }))
}

/// What became of stage `s`, its amount left at zero.
fn stage_outcome(
    env: &mut Env<'_>,
    clause: &ClauseDef,
    s: &StageDef,
    today: NaiveDate,
) -> Result<StageResult, Stop> {
    let program = env.program;
    let date = match &s.on {
        None => Ok(env.date),
        Some(e) => match env.eval(e) {
            Ok(Value::Date(d)) => Ok(d),
            Ok(_) => {
                return Err(Stop::Fault(
                    super::value::Fault::Internal(
                        "a stage date the checker typed as a date is not one",
                    ),
                    e.span,
                ))
            }
            Err(stop @ Stop::Fault(..)) => return Err(stop),
            Err(need) => Err(need),
        },
    };
    let holds = match &s.when {
        None => Ok(true),
        Some(w) => match env.eval_bool(w) {
            Err(stop @ Stop::Fault(..)) => return Err(stop),
            other => other,
        },
    };
    let mut waits = Vec::new();
    if let (Ok(false), Some(w)) = (holds, &s.when) {
        waits.push(source(program, w.span));
    }
    if let Ok(d) = date {
        if d > today {
            let what =
                s.on.as_ref()
                    .map_or("its event date".to_string(), |e| source(program, e.span));
            waits.push(format!("{what} {d}"));
        }
    }
    let outcome = if !waits.is_empty() {
        StageOutcome::Deferred
    } else if holds.is_err() || date.is_err() {
        StageOutcome::Undetermined
    } else {
        StageOutcome::Paid
    };
    let needs = if outcome == StageOutcome::Undetermined {
        let roots: Vec<_> = s.when.iter().chain(s.on.iter()).collect();
        super::instance::missing(env, &roots, clause)
    } else {
        Vec::new()
    };
    Ok(StageResult {
        name: s.name.clone(),
        share: format::percent(s.share),
        amount: Amount::ZERO,
        outcome,
        date: date.ok(),
        waits_for: (!waits.is_empty()).then(|| waits.join(", ")),
        needs,
        cut: None,
        grant: None,
    })
}

/// The parts of `total` for `shares` (adding up to 1): each cumulative share of the total is
/// rounded half up to the fen and a stage gets what its cumulative part grew by; the last
/// takes the rest. So the parts add up exactly to the total, and none is below zero (the
/// rounded cumulative parts never go down). `None` when a product cannot be held.
pub fn split(total: Decimal, shares: &[Decimal]) -> Option<Vec<Decimal>> {
    let fen = Decimal::new(1, 2);
    let mut out = Vec::with_capacity(shares.len());
    let (mut cumulative, mut before) = (Decimal::ZERO, Decimal::ZERO);
    for (k, share) in shares.iter().enumerate() {
        let upto = if k + 1 == shares.len() {
            total
        } else {
            cumulative = cumulative.checked_add(*share)?;
            round(total.checked_mul(cumulative)?, fen, RoundingMode::HalfUp)?.min(total)
        };
        out.push(upto.checked_sub(before)?);
        before = upto;
    }
    Some(out)
}

/// A limit cut what a staged award pays now in `year` (in every year when `None`) to `after`:
/// the stages paid now in that year share `after` in proportion to their shares, by the rule
/// of [`split`], so they still add up exactly to what is paid (deferred stages and stages of
/// other years keep their parts); each keeps what it lost as its `cut`. `None` when a part
/// cannot be held.
fn recut(clause: &ClauseDef, staged: &mut Staged, year: Option<i32>, after: Amount) -> Option<()> {
    let paid: Vec<usize> = staged
        .list
        .iter()
        .enumerate()
        .filter(|(_, s)| Staged::paid_in(s, year))
        .map(|(k, _)| k)
        .collect();
    let mut whole = Decimal::ZERO;
    for &k in &paid {
        whole = whole.checked_add(clause.stages.get(k)?.share)?;
    }
    if whole.is_zero() {
        return Some(());
    }
    let mut shares = Vec::with_capacity(paid.len());
    for &k in &paid {
        shares.push(clause.stages.get(k)?.share.checked_div(whole)?);
    }
    let (lo, hi) = (split(after.min(), &shares)?, split(after.max(), &shares)?);
    for ((&k, l), h) in paid.iter().zip(lo).zip(hi) {
        let s = &mut staged.list[k];
        let part = s.amount;
        s.amount = Amount::between(l, h)?;
        let cut = Amount::spanning(part.min().checked_sub(l)?, part.max().checked_sub(h)?);
        s.cut = (!cut.is_zero()).then_some(cut);
    }
    Some(())
}

impl<'p, T: Tracer> Evaluator<'p, T> {
    /// Splits each staged award into its stages once caps and non-cumulation are applied: the
    /// verdict then pays its stages paid now, and is *deferred* when every stage waits (or
    /// *undetermined* when none is paid and one is not known).
    pub(super) fn apply_stages(&self, scratch: &mut Scratch<'p>, range: std::ops::Range<usize>) {
        for inst in scratch.instances[range].iter_mut() {
            if inst.stages.is_none() {
                continue;
            }
            if inst.outcome != Outcome::Awarded {
                inst.stages = None;
                continue;
            }
            let clause = &self.set.programs[inst.pi].clauses[inst.ci];
            self.stage_verdict(clause, inst);
        }
    }

    /// After limits cut staged verdict `inst` from `before` to what it pays now: `parts` are,
    /// for each year counted apart (`None`: all its stages paid now, counted as one), what the
    /// stages paid now in it came to before and after. Each year's stages are cut with it (see
    /// [`recut`]), so the stages shown add up to what is paid.
    pub(super) fn stages_after_limits(
        &self,
        inst: &mut Verdict,
        before: Amount,
        parts: &[(Option<i32>, Amount, Amount)],
    ) {
        let Some(after) = inst.paid.filter(|a| *a != before) else {
            return;
        };
        let Some(mut staged) = inst.stages.take() else {
            return;
        };
        let clause = &self.set.programs[inst.pi].clauses[inst.ci];
        for &(year, was, now) in parts {
            if was != now && recut(clause, &mut staged, year, now).is_none() {
                inst.outcome = Outcome::CannotEvaluate;
                inst.paid = None;
                inst.internal = Some("the stages of an award cut by a limit could not be split");
                return;
            }
        }
        T::adjustment(inst, "stages", (before, after), || {
            let parts: Vec<String> = staged.list.iter().map(describe).collect();
            let whose = if staged.years.len() > 1 {
                "each year's cut is shared by the stages paid now in that year"
            } else {
                "the limit's cut is shared by the stages paid now"
            };
            (
                format!(
                    "{whose}, in proportion to their shares: {}",
                    parts.join("; ")
                ),
                None,
            )
        });
        inst.stages = Some(staged);
    }

    /// Splits the award of one staged verdict.
    fn stage_verdict(&self, clause: &ClauseDef, inst: &mut Verdict) {
        let (Some(total), Some(mut staged)) = (inst.paid, inst.stages.take()) else {
            return;
        };
        let shares: Vec<Decimal> = clause.stages.iter().map(|s| s.share).collect();
        let (Some(lo), Some(hi)) = (split(total.min(), &shares), split(total.max(), &shares))
        else {
            inst.outcome = Outcome::CannotEvaluate;
            inst.paid = None;
            T::reason(inst, || {
                "the stages of the award are too large to hold".to_string()
            });
            return;
        };
        // The split of the least is at most the split of the most, stage by stage (rounding
        // cumulative shares keeps order); were it not, pol's own rule is broken (F0901).
        let amounts: Option<Vec<Amount>> = lo
            .into_iter()
            .zip(hi)
            .map(|(l, h)| Amount::between(l, h))
            .collect();
        let Some(amounts) = amounts else {
            inst.outcome = Outcome::CannotEvaluate;
            inst.paid = None;
            inst.internal = Some("a stage of a range came to a least above its most");
            return;
        };
        let mut sums = [Amount::ZERO; 4];
        let mut needs: Vec<String> = Vec::new();
        for (s, amount) in staged.list.iter_mut().zip(amounts) {
            s.amount = amount;
            let k = s.outcome as usize;
            // Parts of a total that is held are held too.
            sums[k] = (sums[k] + s.amount).unwrap_or(sums[k]);
            for n in &s.needs {
                if !needs.contains(n) {
                    needs.push(n.clone());
                }
            }
        }
        let [paid, deferred, unknown, _] = sums;
        if overpaid::<T>(&staged, inst) {
            return;
        }
        let any = |o: StageOutcome| staged.list.iter().any(|s| s.outcome == o);
        staged.deferred = deferred;
        if any(StageOutcome::Paid) {
            inst.paid = Some(paid);
        } else if any(StageOutcome::Undetermined) {
            inst.outcome = Outcome::Undetermined;
            inst.paid = None;
            inst.upper = Some(unknown.max());
            inst.needs = needs;
        } else if any(StageOutcome::Deferred) {
            inst.outcome = Outcome::Deferred;
            inst.paid = None;
        } else {
            // Every stage was paid by an earlier grant.
            inst.outcome = Outcome::AlreadyPaid;
            inst.paid = None;
        }
        T::adjustment(inst, "stages", (total, paid), || {
            let parts: Vec<String> = staged.list.iter().map(describe).collect();
            (format!("paid in stages: {}", parts.join("; ")), None)
        });
        if inst.outcome == Outcome::Deferred {
            T::reason(inst, || {
                let waits: Vec<&str> = staged
                    .list
                    .iter()
                    .filter_map(|s| s.waits_for.as_deref())
                    .collect();
                let every = if staged.granted.is_empty() {
                    "every stage waits"
                } else {
                    "every stage not paid already waits"
                };
                format!("{every}: for {}", waits.join("; "))
            });
        }
        if inst.outcome == Outcome::AlreadyPaid {
            T::reason(inst, || {
                let grants: Vec<&str> = staged
                    .list
                    .iter()
                    .filter_map(|s| s.grant.as_deref())
                    .collect();
                format!(
                    "every stage already paid: granted under {}",
                    grants.join("; ")
                )
            });
        }
        T::steps(inst, |steps| {
            for (s, def) in staged.list.iter().zip(&clause.stages) {
                let passed = match s.outcome {
                    StageOutcome::Paid => Some(true),
                    StageOutcome::Deferred | StageOutcome::AlreadyPaid => Some(false),
                    StageOutcome::Undetermined => None,
                };
                let text = format!(
                    "stage {}: {} of {} = {}, {}",
                    s.name,
                    s.share,
                    format::amount(total),
                    format::amount(s.amount),
                    status(s)
                );
                steps.push(step("stage", text, passed, Some(def.span)));
            }
        });
        inst.stages = Some(staged);
    }
}

/// Whether a grant paid more than its stage's part of the award as evaluated now: the award
/// has changed since (other facts, or caps that have since filled), and what the other stages
/// should pay cannot be told from it. The verdict is then *cannot evaluate*, saying why,
/// rather than paid.
fn overpaid<T: Tracer>(staged: &Staged, inst: &mut Verdict) -> bool {
    let over = staged.granted.iter().find(|(k, amount, _)| {
        staged
            .list
            .get(*k)
            .is_some_and(|s| *amount > s.amount.max())
    });
    let Some(&(k, amount, _)) = over else {
        return false;
    };
    let s = &staged.list[k];
    let (name, part) = (s.name.clone(), s.amount);
    inst.outcome = Outcome::CannotEvaluate;
    inst.paid = None;
    T::reason(inst, || {
        format!(
            "an earlier grant paid {} for the stage {name}, more than its part of the award as evaluated now ({}): the award has changed since that stage was paid, so what its other stages are due cannot be told; check the grant and the facts",
            format::money(amount),
            format::amount(part)
        )
    });
    true
}

/// What became of a stage, in words: `paid on 2024-05-01`, `deferred: waits for 通过验收`,
/// `paid on 2025-02-01 (100,000.00 元 cut by a limit)`.
fn status(s: &StageResult) -> String {
    match s.outcome {
        StageOutcome::Paid => {
            let on = s.date.map_or(String::new(), |d| format!(" on {d}"));
            let cut = s.cut.map_or(String::new(), |c| {
                format!(" ({} cut by a limit)", format::amount(c))
            });
            format!("paid{on}{cut}")
        }
        StageOutcome::Deferred => format!(
            "deferred: waits for {}",
            s.waits_for.as_deref().unwrap_or("")
        ),
        StageOutcome::Undetermined => format!("undetermined: needs {}", s.needs.join(", ")),
        StageOutcome::AlreadyPaid => format!(
            "already paid: granted under {}",
            s.grant.as_deref().unwrap_or("")
        ),
    }
}

/// One stage in words: `验收 60.00% 600,000.00 元 deferred: waits for 通过验收`.
fn describe(s: &StageResult) -> String {
    format!(
        "{} {} {} {}",
        s.name,
        s.share,
        format::amount(s.amount),
        status(s)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn stages_are_fen_and_the_last_takes_the_rest() {
        let parts = split(d("100000.00"), &[d("0.4"), d("0.6")]).unwrap();
        assert_eq!(parts, vec![d("40000.00"), d("60000.00")]);
        let parts = split(d("0.05"), &[d("0.3"), d("0.3"), d("0.3"), d("0.1")]).unwrap();
        // Rounding each share alone would give 0.02 three times and -0.01 for the last.
        assert_eq!(parts, vec![d("0.02"), d("0.01"), d("0.02"), d("0.00")]);
        let parts = split(d("100.005"), &[d("0.5"), d("0.5")]).unwrap();
        assert_eq!(parts, vec![d("50.00"), d("50.005")]);
    }

    fn shares() -> impl Strategy<Value = Vec<Decimal>> {
        // Whole percentages above zero adding up to 100.
        proptest::collection::vec(1u32..100, 1..6).prop_map(|cuts| {
            let mut points: Vec<u32> = cuts.into_iter().collect();
            points.sort_unstable();
            points.dedup();
            let mut out = Vec::new();
            let mut before = 0;
            for p in points.into_iter().chain([100]) {
                out.push(Decimal::new(i64::from(p - before), 2));
                before = p;
            }
            out
        })
    }

    proptest! {
        #[test]
        fn stages_add_up_exactly_and_none_is_negative(
            m in 0i64..10_000_000_000_000, s in 0u32..4, shares in shares()
        ) {
            let total = Decimal::new(m, s);
            let parts = split(total, &shares).unwrap();
            prop_assert_eq!(parts.len(), shares.len());
            prop_assert_eq!(parts.iter().copied().sum::<Decimal>(), total);
            for p in &parts {
                prop_assert!(!p.is_sign_negative() || p.is_zero());
            }
            // Every stage but the last is a whole number of fen, within a fen of its share.
            for (p, sh) in parts.iter().zip(&shares).take(parts.len() - 1) {
                prop_assert_eq!(p.round_dp(2), *p);
                prop_assert!((*p - total * sh).abs() <= Decimal::new(1, 2));
            }
        }
    }
}
