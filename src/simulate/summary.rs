//! The summary of a simulation: what the policies cost, who pays, who gets what.
//!
//! Input: each subject's decision. Output: counts and exact `Decimal` sums per clause,
//! department, payer and year; undetermined counts by what they wait for; the distribution of
//! subjects' awards; the share of each yearly budget used. Guarantee: memory does not grow with
//! the population (the distribution is kept in buckets of three significant figures), and
//! summaries of parts of a population merge into the summary of the whole.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::Datelike;
use rust_decimal::Decimal;
use serde::Serialize;

use super::money_places;
use super::tally::Tally;
use crate::eval::decision::Outcome;
use crate::eval::stages::StageOutcome;
use crate::eval::{format, Amount, Evaluator, Failure, Scratch, Verdict};
use crate::problem::ProblemCode;

/// Counts and sums for one clause.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ClauseStats {
    /// Document number.
    pub policy: String,
    /// Clause name.
    pub clause: String,
    /// Results awarded.
    pub awarded: u64,
    /// Results superseded by a higher award for the same matter.
    pub superseded: u64,
    /// Results not eligible.
    pub not_eligible: u64,
    /// Results not in force.
    pub not_in_force: u64,
    /// Results undetermined.
    pub undetermined: u64,
    /// Results that could not be evaluated.
    pub cannot_evaluate: u64,
    /// Results of claims dated after the evaluation date (not paid).
    pub not_yet: u64,
    /// Staged awards of which every stage waits (nothing paid now).
    pub deferred: u64,
    /// Results of once-only awards the subject's history shows as paid already.
    pub already_paid: u64,
    /// Paid under the clause (set when the run completes).
    pub paid: Amount,
}

impl ClauseStats {
    /// Counts one result with this outcome.
    #[inline]
    fn count(&mut self, outcome: Outcome) {
        let n = match outcome {
            Outcome::Awarded => &mut self.awarded,
            Outcome::Superseded => &mut self.superseded,
            Outcome::NotEligible => &mut self.not_eligible,
            Outcome::NotInForce => &mut self.not_in_force,
            Outcome::Undetermined => &mut self.undetermined,
            Outcome::CannotEvaluate => &mut self.cannot_evaluate,
            Outcome::NotYet => &mut self.not_yet,
            Outcome::Deferred => &mut self.deferred,
            Outcome::AlreadyPaid => &mut self.already_paid,
        };
        *n += 1;
    }
}

/// The distribution of what subjects are paid (those paid more than nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Distribution {
    /// Subjects paid more than zero.
    pub count: u64,
    /// Their total (upper bounds for ranges).
    #[serde(serialize_with = "crate::eval::format::serialize_canonical")]
    pub sum: Decimal,
    /// Median, to three significant figures.
    #[serde(serialize_with = "crate::eval::format::serialize_canonical")]
    pub p50: Decimal,
    /// 90th percentile, to three significant figures.
    #[serde(serialize_with = "crate::eval::format::serialize_canonical")]
    pub p90: Decimal,
    /// 99th percentile, to three significant figures.
    #[serde(serialize_with = "crate::eval::format::serialize_canonical")]
    pub p99: Decimal,
    /// The largest, exact.
    #[serde(serialize_with = "crate::eval::format::serialize_canonical")]
    pub max: Decimal,
}

/// A yearly budget and what the simulation spends of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BudgetUse {
    /// Document number.
    pub policy: String,
    /// The year.
    pub year: i32,
    /// The budget line.
    #[serde(serialize_with = "crate::eval::format::serialize_canonical")]
    pub budget: Decimal,
    /// Paid in that year by this run; for a range ("up to" awards without an assessed
    /// amount), its most, the share used and the overrun being those of the most.
    #[serde(serialize_with = "crate::eval::format::serialize_canonical")]
    pub paid: Decimal,
    /// When what the run pays is a range: its least (`paid` is its most).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::eval::format::serialize_canonical_opt"
    )]
    pub paid_at_least: Option<Decimal>,
    /// Granted in that year before this run: the grants of the `--history` file under the
    /// policy (of any subject, in the population or not) that yearly limits count in the year;
    /// zero without a history.
    #[serde(serialize_with = "crate::eval::format::serialize_canonical")]
    pub earlier: Decimal,
    /// Used of the budget (`earlier` and `paid` together), as a fraction to six decimal
    /// places; none for a budget of zero, of which no share can be stated.
    pub share_used: Option<Decimal>,
    /// How much `earlier` and `paid` together pass the budget by, if they do.
    #[serde(serialize_with = "crate::eval::format::serialize_canonical")]
    pub overrun: Decimal,
    /// Kinds of subject the policy's clauses pay that the run does not evaluate (F0216): their
    /// awards count against the budget only as `earlier` grants of the history.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds_not_run: Vec<String>,
    /// For a line reduced pro rata (`pro_rata`): the total before, and the factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pro_rata: Option<super::pro_rata::ProRataUse>,
}

/// The summary of a simulation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Rows read (good and bad).
    pub rows: u64,
    /// Subjects evaluated.
    pub subjects: u64,
    /// Rows or subjects that could not be evaluated.
    pub errors: u64,
    /// Of `errors`: subjects that met a broken rule of pol's own (F0901), a bug in pol.
    pub internal_errors: u64,
    /// Subjects with an award cut by a cap or limit that counted an earlier award of theirs
    /// at its amount before pro rata reduced it (F0217, a warning): the reduction comes after
    /// each subject is decided, so the room it freed is not paid to the later award.
    #[serde(skip_serializing_if = "is_zero")]
    pub subjects_cut_before_reduction: u64,
    /// Paid in all (set when the run completes).
    pub paid: Amount,
    /// Per clause.
    pub clauses: Vec<ClauseStats>,
    /// Paid per responsible department (a clause with several departments counts for each).
    pub departments: BTreeMap<String, Amount>,
    /// Paid per payer.
    pub payers: BTreeMap<String, Amount>,
    /// Per payer: its exact share of what the population was paid under its fundings, before
    /// any rounding. Each subject is split to the fen on its own, so a payer's `payers` total
    /// may differ from this by up to one fen per subject paid; the difference is shown rather
    /// than hidden (README, "The payer split"). A payer of `payers` is missing here only when
    /// its exact share needs more digits than a decimal holds (totals above about 10^22 元): the
    /// figure is a check on the rounding, not an amount paid, so the run is not failed for it.
    pub payers_exact: BTreeMap<String, Amount>,
    /// The payers of `payers` left out of `payers_exact` because their exact share is too large
    /// to hold, so a reader can tell them from payers that are not there (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payers_exact_left_out: Vec<String>,
    /// Paid per year: the year of an award's event date, of a stage's own date.
    pub years: BTreeMap<i32, Amount>,
    /// Undetermined results by the input or parameter they wait for.
    pub waiting_for: BTreeMap<String, u64>,
    /// Subjects' awards.
    pub distribution: Distribution,
    /// Yearly budgets against what is paid.
    pub budgets: Vec<BudgetUse>,
    /// What staged awards leave for later (absent when nothing is deferred).
    #[serde(skip_serializing_if = "super::deferred::DeferredSums::is_empty")]
    pub deferred: super::deferred::DeferredSums,
    /// With a history file (`--history`): its grants given to subjects of the population.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_grants: Option<u64>,
    /// With a history file: its subjects that are not in the population (not evaluated; their
    /// grants count against the yearly budgets only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_subjects_ignored: Option<u64>,
    /// Columns (CSV header names, JSON Lines keys) that are no input of the policies: ignored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_columns: Vec<super::IgnoredColumn>,
    /// With columns ignored: the inputs of the run's kind that no column gives, so that their
    /// default (or no value) applies to every subject (a misnamed column's input).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inputs_given_by_no_column: Vec<crate::eval::facts::UnsetInput>,
    /// Columns of percentages where bare numbers were refused as percentage points (F0114,
    /// F0172) and others read as ratios, which may be percentage points too (F0173).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bare_percent_columns: Vec<super::BarePercentColumn>,
    /// Buckets of subjects' totals in cents: (digits beyond three, first three digits) -> count.
    #[serde(skip)]
    buckets: BTreeMap<(u32, u32), u64>,
    /// Paid per policy (by position) and year, for the budgets and (added up at the end) the
    /// years.
    #[serde(skip)]
    policy_years: Vec<((usize, i32), Tally)>,
    /// Granted before the run, per policy with a budget and year: the history's grants of
    /// the subjects evaluated (counted with them) and of its subjects not in the population
    /// (added once the whole history is read).
    #[serde(skip)]
    earlier: Vec<((usize, i32), Tally)>,
    /// Per policy (by position): whether it has a budget line, so that its earlier grants
    /// are counted.
    #[serde(skip)]
    budgeted: Vec<bool>,
    /// Paid in all, as counted (`paid` is filled from it at the end).
    #[serde(skip)]
    paid_sum: Tally,
    /// Paid per clause, as counted (each clause's `paid` is filled from it at the end).
    #[serde(skip)]
    clause_sums: Vec<Tally>,
    /// Per policy, the index in `clauses` of its first clause.
    #[serde(skip)]
    offsets: Vec<usize>,
    /// Payers in order of first appearance, what each is paid, and whether it was paid at all.
    #[serde(skip)]
    payer_sums: Vec<(String, Tally, bool)>,
    /// Per funding group: what it paid in all (the base of each payer's exact share). Kept
    /// only when a payer pays under several groups: otherwise a group's total is the sum of
    /// its payers' totals (each subject's split adds up exactly to the group's total), and
    /// counting it again for every subject would cost the peer workload about 1%.
    #[serde(skip)]
    group_sums: Option<Vec<Tally>>,
    /// A funding group's total for a subject could not be worked out (it is worked out as the
    /// settlement did, so this is pol's own bug; `finish` reports it).
    #[serde(skip)]
    group_failed: bool,
    /// Per policy, the subject being counted's total (a buffer reused from one to the next).
    #[serde(skip)]
    subject_totals: Vec<Amount>,
}

/// `a` times `b` when `Decimal` holds it exactly (a product past 28 digits would be rounded
/// by `checked_mul`, which shows as fewer places than the factors have together).
fn exact_product(a: Decimal, b: Decimal) -> Option<Decimal> {
    if a.is_zero() || b.is_zero() {
        return Some(Decimal::ZERO);
    }
    let p = a.checked_mul(b)?;
    (p.scale() == a.scale() + b.scale()).then_some(p)
}

/// [`money_places`] for both bounds.
fn plain(a: Amount) -> Amount {
    a.map(money_places)
}

/// A total of the summary as an amount, or the problem that it cannot be held (`what` names
/// the total).
fn held(t: &Tally, what: impl FnOnce() -> String) -> Result<Amount, Failure> {
    // Held to the fen too: a sum of whole-yuan amounts (history grants) can fit Decimal only
    // without its two places, and would be written with fewer (attack run 10, A2).
    let fen = |a: &Amount| format::holds_to_the_fen(a.min()) && format::holds_to_the_fen(a.max());
    t.amount().filter(fen).ok_or_else(|| Failure {
        code: ProblemCode::SummaryOverflow,
        message: format!("{} is too large to hold exactly", what()),
        help: "check the population (and the history) for amounts with a misplaced scale or exponent; each subject's own sums fit".to_string(),
    })
}

/// Per policy of `ev`'s set (by position): whether it has a budget line, so that its earlier
/// grants are counted against it.
pub(crate) fn budgeted(ev: &Evaluator<'_>) -> Vec<bool> {
    let programs = ev.policies().programs();
    programs
        .iter()
        .map(|p| !p.header.budget.is_empty())
        .collect()
}

/// Adds to `sums` the grants of `history` under the policies `budgeted` marks, by policy and
/// the year yearly limits count each in: the one place earlier grants are counted.
pub(crate) fn count_grants(
    sums: &mut Vec<((usize, i32), Tally)>,
    budgeted: &[bool],
    history: &crate::eval::history::History,
) {
    for g in history.iter() {
        if budgeted.get(g.pi).copied().unwrap_or(false) {
            sum_of(sums, (g.pi, g.counted_in())).add(Amount::Exact(g.given.amount));
        }
    }
}

/// The sum of `key` in a short list (a few years or policies), added when new.
pub(super) fn sum_of<K: PartialEq>(list: &mut Vec<(K, Tally)>, key: K) -> &mut Tally {
    let at = match list.iter().position(|(k, _)| *k == key) {
        Some(at) => at,
        None => {
            list.push((key, Tally::default()));
            list.len() - 1
        }
    };
    &mut list[at].1
}

/// The bucket of an amount: its cents to three significant figures.
fn bucket(d: Decimal) -> Option<(u32, u32)> {
    // The usual award: its digits fit a machine word, whose arithmetic is cheap.
    if let (Ok(m), false) = (u64::try_from(d.mantissa()), d.is_sign_negative()) {
        let scale = d.scale();
        let cents = if scale >= 2 {
            10u64.checked_pow(scale - 2).map(|unit| m / unit)
        } else {
            m.checked_mul(10u64.pow(2 - scale))
        };
        if let Some(c) = cents {
            return leading(c, 0);
        }
    }
    // Whole cents without multiplying (which could pass Decimal's range): the mantissa's
    // digits beyond two places are dropped, or zeros added up to two.
    let m = d.mantissa().unsigned_abs();
    let scale = d.scale();
    let mut c = if scale >= 2 {
        m / 10u128.pow(scale - 2)
    } else {
        m * 10u128.pow(2 - scale)
    };
    let mut exp = 0;
    while c > u128::from(u64::MAX) {
        c /= 10;
        exp += 1;
    }
    leading(u64::try_from(c).unwrap_or(u64::MAX), exp)
}

/// The bucket of `cents × 10^exp`: its first three digits and how many follow them.
fn leading(mut cents: u64, mut exp: u32) -> Option<(u32, u32)> {
    if cents == 0 {
        return None;
    }
    while cents >= 1000 {
        cents /= 10;
        exp += 1;
    }
    Some((exp, cents as u32))
}

/// The lower edge of a bucket, in yuan: `lead` × 10^`exp` cents.
fn bucket_value((exp, lead): (u32, u32)) -> Decimal {
    // As a decimal of `lead` with its scale moved: exact for every bucket of an amount that
    // fits a decimal, where raising ten to `exp` in a machine word would not be.
    let lead = i128::from(lead);
    if exp >= 2 {
        let up = 10i128
            .checked_pow(exp - 2)
            .and_then(|p| lead.checked_mul(p));
        up.and_then(|u| Decimal::try_from_i128_with_scale(u, 0).ok())
            .unwrap_or(Decimal::MAX)
    } else {
        Decimal::from_i128_with_scale(lead, 2 - exp)
    }
}

impl Summary {
    /// Counts `grants` of a history file given to subjects and `ignored` subjects of it not in
    /// the population (`None`: no history file).
    pub(crate) fn add_history(&mut self, grants: Option<u64>, ignored: Option<u64>) {
        let add = |mine: &mut Option<u64>, theirs: Option<u64>| {
            if let Some(n) = theirs {
                *mine = Some(mine.unwrap_or(0) + n);
            }
        };
        add(&mut self.history_grants, grants);
        add(&mut self.history_subjects_ignored, ignored);
    }

    /// An empty summary for the clauses of `ev`'s policies.
    pub(crate) fn new(ev: &Evaluator<'_>) -> Summary {
        let mut s = Summary {
            budgeted: budgeted(ev),
            ..Summary::default()
        };
        for p in ev.policies().programs() {
            s.offsets.push(s.clauses.len());
            for c in &p.clauses {
                s.clauses.push(ClauseStats {
                    policy: p.header.document.clone(),
                    clause: c.name.clone(),
                    ..ClauseStats::default()
                });
                s.clause_sums.push(Tally::default());
            }
        }
        // In the policy set's payer order, which each settlement's payer totals follow.
        for payer in ev.policies().payers() {
            s.payer_sums.push((payer.clone(), Tally::default(), false));
        }
        let groups = ev.policies().groups();
        let mut groups_of = vec![0usize; ev.policies().payers().len()];
        for g in 0..groups.len() {
            for &c in groups.columns(g) {
                groups_of[c] += 1;
            }
        }
        if groups_of.iter().any(|&n| n > 1) {
            s.group_sums = Some(vec![Tally::default(); groups.len()]);
        }
        s
    }

    /// Counts one subject's results (spread over `rows` rows) as [`Evaluator::decide_into`]
    /// leaves them in `scratch`: its outcomes, and its paid amounts and payer shares as its
    /// settlement gives them (the same figures its rows are written with).
    pub(crate) fn add(&mut self, ev: &Evaluator<'_>, scratch: &Scratch<'_>, rows: usize) {
        let verdicts = scratch.verdicts();
        let settlement = scratch.settlement();
        self.rows += rows as u64;
        self.subjects += 1;
        if scratch.cut_by_reduced() {
            self.subjects_cut_before_reduction += 1;
        }
        let payers = &mut self.payer_sums;
        for (c, (_, sum, seen)) in payers.iter_mut().enumerate() {
            if settlement.names_payer(c) {
                *seen = true;
                if let Some(share) = settlement.payer_totals().get(c) {
                    if !share.is_zero() {
                        sum.add(*share);
                    }
                }
            }
        }
        if let (Some(sums), false) = (&mut self.group_sums, settlement.total().is_zero()) {
            for (g, sum) in sums.iter_mut().enumerate() {
                match settlement.group_total(g) {
                    Ok(t) if t.is_zero() => {}
                    Ok(t) => sum.add(t),
                    Err(_) => self.group_failed = true,
                }
            }
        }
        // Most subjects of a population are paid nothing and wait for nothing: their outcomes
        // are counted, as the general path below does for them.
        let counted_only = |v: &Verdict| {
            !matches!(
                v.outcome,
                Outcome::Awarded | Outcome::Undetermined | Outcome::Deferred
            )
        };
        if verdicts.iter().all(counted_only) {
            for v in verdicts {
                let at = self.offsets.get(v.pi).map(|o| o + v.ci);
                if let Some(stats) = at.and_then(|i| self.clauses.get_mut(i)) {
                    stats.count(v.outcome);
                }
            }
            return;
        }
        // Only a set with staged awards has deferred stages to count.
        let staged = ev.policies().has_stages();
        for v in verdicts {
            // The result's indices find its row without comparing names.
            let at = self.offsets.get(v.pi).map(|o| o + v.ci);
            let Some(stats) = at.and_then(|i| self.clauses.get_mut(i)) else {
                continue;
            };
            stats.count(v.outcome);
            if v.outcome == Outcome::Undetermined {
                for need in &v.needs {
                    match self.waiting_for.get_mut(need) {
                        Some(n) => *n += 1,
                        None => {
                            self.waiting_for.insert(need.clone(), 1);
                        }
                    }
                }
            }
            if let (true, Some(i)) = (staged, at) {
                let group = ev.policies().groups().of_clause(v.pi, v.ci);
                self.deferred.add(v, i, group);
            }
            if v.outcome != Outcome::Awarded {
                continue;
            }
            let paid = v.paid.unwrap_or(Amount::ZERO);
            if let Some(sum) = at.and_then(|i| self.clause_sums.get_mut(i)) {
                sum.add(paid);
            }
            // A stage paid now counts in the year of its own date.
            let stages = if staged { v.stage_list() } else { &[] };
            if stages.is_empty() {
                sum_of(&mut self.policy_years, (v.pi, v.date.year())).add(paid);
            }
            for s in stages.iter().filter(|s| s.outcome == StageOutcome::Paid) {
                let year = s.date.unwrap_or(v.date).year();
                sum_of(&mut self.policy_years, (v.pi, year)).add(s.amount);
            }
        }
        if staged {
            self.deferred.end_subject(ev.policies());
        }
        let subject_paid = settlement.total();
        if !subject_paid.is_zero() {
            self.paid_sum.add(subject_paid);
        }
        let top = subject_paid.max();
        if top > Decimal::ZERO {
            // Their sum is the upper end of the total paid, filled in at the end.
            self.distribution.count += 1;
            self.distribution.max = self.distribution.max.max(top);
            if let Some(b) = bucket(top) {
                *self.buckets.entry(b).or_default() += 1;
            }
        }
    }

    /// What policy `pi` paid in `year` (of the event date, or of a stage's own date) in the subjects counted so far:
    /// `None` when nothing was counted, `Some(None)` when the sum cannot be held.
    pub(crate) fn paid_in(&self, pi: usize, year: i32) -> Option<Option<Amount>> {
        let (_, t) = self.policy_years.iter().find(|(k, _)| *k == (pi, year))?;
        Some(t.amount())
    }

    /// Notes on each budget line the kinds of subject its policy's clauses pay other than the
    /// run's `kind` (F0216), once the summary is finished.
    pub(crate) fn note_kinds(&mut self, ev: &Evaluator<'_>, kind: crate::compile::Kind) {
        for b in &mut self.budgets {
            let Some(p) = ev
                .policies()
                .programs()
                .iter()
                .find(|p| p.header.document == b.policy)
            else {
                continue;
            };
            let mut kinds: Vec<String> = Vec::new();
            for k in p.clauses.iter().flat_map(|c| &c.subjects) {
                if *k != kind && !kinds.iter().any(|n| n == k.as_str()) {
                    kinds.push(k.as_str().to_string());
                }
            }
            b.kinds_not_run = kinds;
        }
    }

    /// Counts the grants of a subject evaluated (`history`, matched to their clauses) under
    /// policies with a budget line, in the year yearly limits count each in (a subject that
    /// fails has its grants counted too, checked as an outsider's).
    pub(crate) fn add_earlier(&mut self, history: &crate::eval::history::History) {
        count_grants(&mut self.earlier, &self.budgeted, history);
    }

    /// Whether earlier grants are counted: some policy has a budget line.
    pub(crate) fn counts_earlier(&self) -> bool {
        self.budgeted.contains(&true)
    }

    /// Adds sums of earlier grants counted elsewhere (the history's subjects not in the
    /// population).
    pub(crate) fn add_earlier_sums(&mut self, sums: &[((usize, i32), Tally)]) {
        for (k, t) in sums {
            sum_of(&mut self.earlier, *k).add_tally(t);
        }
    }

    /// What the history granted under policy `pi` in `year` before the run (zero without a
    /// history; none when it cannot be held).
    pub(crate) fn earlier_in(&self, pi: usize, year: i32) -> Option<Decimal> {
        self.earlier_held(pi, year, "").ok()
    }

    /// What the history granted under policy `pi` in `year`, held to the fen ([`held`]; F0402
    /// naming it under `document` when it cannot be): the one reading of the earlier sums, for
    /// the budget lines and for the reduction alike.
    fn earlier_held(&self, pi: usize, year: i32, document: &str) -> Result<Decimal, Failure> {
        match self.earlier.iter().find(|(k, _)| *k == (pi, year)) {
            Some((_, t)) => Ok(held(t, || {
                format!("what was granted earlier in {year} under {document}")
            })?
            .max()),
            None => Ok(Decimal::ZERO),
        }
    }

    /// Adds another part's counts into this one.
    pub(crate) fn merge(&mut self, other: Summary) {
        self.rows += other.rows;
        self.subjects += other.subjects;
        self.errors += other.errors;
        self.internal_errors += other.internal_errors;
        self.subjects_cut_before_reduction += other.subjects_cut_before_reduction;
        self.add_history(other.history_grants, other.history_subjects_ignored);
        self.paid_sum.add_tally(&other.paid_sum);
        for (mine, theirs) in self.clause_sums.iter_mut().zip(&other.clause_sums) {
            mine.add_tally(theirs);
        }
        for (mine, theirs) in self.clauses.iter_mut().zip(other.clauses) {
            mine.awarded += theirs.awarded;
            mine.superseded += theirs.superseded;
            mine.not_eligible += theirs.not_eligible;
            mine.not_in_force += theirs.not_in_force;
            mine.undetermined += theirs.undetermined;
            mine.cannot_evaluate += theirs.cannot_evaluate;
            mine.not_yet += theirs.not_yet;
            mine.deferred += theirs.deferred;
            mine.already_paid += theirs.already_paid;
        }
        self.deferred.merge(&other.deferred);
        for (mine, theirs) in self.payer_sums.iter_mut().zip(other.payer_sums) {
            mine.1.add_tally(&theirs.1);
            mine.2 |= theirs.2;
        }
        if let (Some(mine), Some(theirs)) = (&mut self.group_sums, &other.group_sums) {
            for (mine, theirs) in mine.iter_mut().zip(theirs) {
                mine.add_tally(theirs);
            }
        }
        self.group_failed |= other.group_failed;
        for (k, v) in other.waiting_for {
            *self.waiting_for.entry(k).or_default() += v;
        }
        self.distribution.count += other.distribution.count;
        self.distribution.max = self.distribution.max.max(other.distribution.max);
        for (k, v) in other.buckets {
            *self.buckets.entry(k).or_default() += v;
        }
        self.add_earlier_sums(&other.earlier);
        for (k, v) in other.policy_years {
            sum_of(&mut self.policy_years, k).add_tally(&v);
        }
    }

    /// Each payer's exact share of what its funding groups paid over the population: a
    /// group's total times the payer's share in it, added over the groups naming the payer.
    /// A share too large to hold exactly is left out (see [`Summary::payers_exact`]).
    fn exact_shares(&self, ev: &Evaluator<'_>) -> Result<BTreeMap<String, Amount>, Failure> {
        if self.group_failed {
            return Err(Failure::internal(
                "a funding group's total could not be worked out as its settlement did",
            ));
        }
        let groups = ev.policies().groups();
        let payers = ev.policies().payers();
        // Per payer column: nothing yet, its share so far, or `Err` once a part cannot be held.
        let mut exact: Vec<Option<Result<Amount, ()>>> = vec![None; payers.len()];
        for g in 0..groups.len() {
            let sum = match &self.group_sums {
                Some(sums) => sums[g],
                None => {
                    let mut sum = Tally::default();
                    for &c in groups.columns(g) {
                        sum.add_tally(&self.payer_sums[c].1);
                    }
                    sum
                }
            };
            let total = held(&sum, || "a funding group's total".to_string())?;
            for ((_, share), &column) in groups.funding(g).iter().zip(groups.columns(g)) {
                let part = exact_product(total.min(), *share)
                    .zip(exact_product(total.max(), *share))
                    .and_then(|(least, most)| Amount::between(least, most));
                exact[column] = Some(match (exact[column], part) {
                    (None, Some(part)) => Ok(part),
                    (Some(Ok(sum)), Some(part)) => sum.checked_add(part).ok_or(()),
                    _ => Err(()),
                });
            }
        }
        Ok(self
            .payers
            .keys()
            .filter_map(|name| {
                let column = payers.iter().position(|p| p == name)?;
                match exact[column] {
                    None => Some((name.clone(), Amount::ZERO)),
                    Some(Ok(share)) => Some((name.clone(), share)),
                    Some(Err(())) => None,
                }
            })
            .collect())
    }

    /// Computes the totals, percentiles and budget shares once every subject is counted; a
    /// total too large to hold exactly is an error (F0402), never a clamped figure.
    pub(crate) fn finish(&mut self, ev: &Evaluator<'_>) -> Result<(), Failure> {
        let programs = ev.policies().programs();
        self.paid = held(&self.paid_sum, || "the total paid".to_string())?;
        for (c, sum) in self.clauses.iter_mut().zip(&self.clause_sums) {
            c.paid = held(sum, || format!("the total of clause `{}`", c.clause))?;
        }
        self.distribution.sum = self.paid.max();
        let names: Vec<String> = self
            .clauses
            .iter()
            .map(|c| format!("{}/{}", c.policy, c.clause))
            .collect();
        let payers = ev.policies().payers();
        self.deferred
            .finish(&names, payers)
            .map_err(|what| Failure {
                code: ProblemCode::SummaryOverflow,
                message: format!("{what} is too large to hold exactly"),
                help: "check the population for amounts with a misplaced scale or exponent"
                    .to_string(),
            })?;
        // Departments and payers are derived from the per-clause and per-payer sums.
        // A department is a key: two spellings of one (`（一）`/`(一)`) are one line, named as
        // first written in the policies' order (attack run 11, B1: they were two lines).
        self.departments.clear();
        let mut shown: Vec<(String, &str)> = Vec::new();
        for (pi, p) in programs.iter().enumerate() {
            for (ci, c) in p.clauses.iter().enumerate() {
                let stats = &self.clauses[self.offsets[pi] + ci];
                if stats.awarded == 0 {
                    continue;
                }
                let mut counted: Vec<&str> = Vec::new();
                for d in &c.departments {
                    let key = crate::keys::key(d);
                    let name = match shown.iter().find(|(k, _)| *k == key) {
                        Some((_, name)) => *name,
                        None => {
                            shown.push((key.into_owned(), d.as_str()));
                            d.as_str()
                        }
                    };
                    // Each department counts a clause's awards once (the checker refuses a
                    // department listed twice; this holds whatever the model says).
                    if counted.contains(&name) {
                        continue;
                    }
                    counted.push(name);
                    let e = self
                        .departments
                        .entry(name.to_string())
                        .or_insert(Amount::ZERO);
                    *e = (*e + stats.paid).ok_or_else(|| Failure {
                        code: ProblemCode::SummaryOverflow,
                        message: format!(
                            "the total of department `{d}` is too large to hold exactly"
                        ),
                        help: "check the population for amounts with a misplaced scale or exponent"
                            .to_string(),
                    })?;
                }
            }
        }
        let mut years = Vec::new();
        for ((_, year), paid) in &self.policy_years {
            sum_of(&mut years, *year).add_tally(paid);
        }
        self.years = years
            .into_iter()
            .map(|(y, t)| Ok((y, held(&t, || format!("the total of {y}"))?)))
            .collect::<Result<_, Failure>>()?;
        self.payers = self
            .payer_sums
            .iter()
            .filter(|(.., seen)| *seen)
            .map(|(name, sum, _)| Ok((name.clone(), held(sum, || format!("what `{name}` pays"))?)))
            .collect::<Result<_, Failure>>()?;
        self.payers_exact = self.exact_shares(ev)?;
        self.payers_exact_left_out = (self.payers.keys())
            .filter(|p| !self.payers_exact.contains_key(*p))
            .cloned()
            .collect();
        let n = self.distribution.count;
        let at = |q: u64| -> Decimal {
            if n == 0 {
                return Decimal::ZERO;
            }
            let rank = (n * q).div_ceil(100).max(1);
            let mut seen = 0;
            for (b, count) in &self.buckets {
                seen += count;
                if seen >= rank {
                    return bucket_value(*b);
                }
            }
            Decimal::ZERO
        };
        self.distribution.p50 = at(50);
        self.distribution.p90 = at(90);
        self.distribution.p99 = at(99);
        self.budgets.clear();
        for (pi, p) in programs.iter().enumerate() {
            for (year, budget) in &p.header.budget {
                let total = match self.policy_years.iter().find(|(k, _)| *k == (pi, *year)) {
                    Some((_, t)) => held(t, || {
                        format!("the total of {} in {year}", p.header.document)
                    })?,
                    None => Amount::ZERO,
                };
                // A range ("up to" awards not assessed) is counted at its most, and said so.
                let paid = total.max();
                let paid_at_least = (total.min() != total.max()).then(|| money_places(total.min()));
                let earlier = self.earlier_held(pi, *year, &p.header.document)?;
                // Added exactly: `Decimal`'s own addition rounds a sum past its digits.
                let mut both = Tally::default();
                both.add(Amount::Exact(paid));
                both.add(Amount::Exact(earlier));
                let used = held(&both, || {
                    format!("what the {year} budget of `{}` has paid", p.header.document)
                })?
                .max();
                both.add(Amount::Exact(-*budget));
                let over = held(&both, || {
                    format!(
                        "the overrun of the {year} budget of `{}`",
                        p.header.document
                    )
                })?
                .max();
                let share = if budget.is_zero() {
                    None
                } else {
                    let share = used.checked_div(*budget).ok_or_else(|| Failure {
                        code: ProblemCode::SummaryOverflow,
                        message: format!("the share used of the {year} budget of `{}` is too large to hold exactly", p.header.document),
                        help: "check the population for amounts with a misplaced scale or exponent".to_string(),
                    })?;
                    Some(share.round_dp(6).normalize())
                };
                self.budgets.push(BudgetUse {
                    policy: p.header.document.clone(),
                    year: *year,
                    budget: *budget,
                    paid,
                    paid_at_least,
                    earlier,
                    share_used: share,
                    overrun: over.max(Decimal::ZERO),
                    kinds_not_run: Vec::new(),
                    pro_rata: None,
                });
            }
        }
        // Sums are written the same however the population was cut into parts: adding a zero
        // keeps the other side's decimal places, so the places of a sum of zeros depend on
        // the order of the parts.
        self.paid = plain(self.paid);
        for c in &mut self.clauses {
            c.paid = plain(c.paid);
        }
        for a in self
            .departments
            .values_mut()
            .chain(self.payers.values_mut())
            .chain(self.years.values_mut())
        {
            *a = plain(*a);
        }
        let d = &mut self.distribution;
        for v in [&mut d.sum, &mut d.p50, &mut d.p90, &mut d.p99, &mut d.max] {
            *v = money_places(*v);
        }
        for b in &mut self.budgets {
            b.paid = money_places(b.paid);
            b.earlier = money_places(b.earlier);
            b.overrun = money_places(b.overrun);
        }
        Ok(())
    }

    /// The summary as text for people.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let _ = self.write_human(&mut out);
        out
    }

    fn write_human(&self, out: &mut String) -> std::fmt::Result {
        writeln!(
            out,
            "rows read: {}, subjects: {}, errors: {}",
            self.rows, self.subjects, self.errors
        )?;
        if let (Some(g), Some(i)) = (self.history_grants, self.history_subjects_ignored) {
            // Not evaluated, but with budget lines their grants still use the budgets.
            let outside = if self.budgets.is_empty() {
                "ignored"
            } else {
                "not evaluated (their grants count against the budgets only)"
            };
            writeln!(
                out,
                "history: {g} earlier grants of subjects in the population, {i} subjects not in the population {outside}"
            )?;
        }
        for c in &self.ignored_columns {
            writeln!(out, "warning: {c}")?;
        }
        for u in &self.inputs_given_by_no_column {
            writeln!(out, "warning: {}", u.words(true))?;
        }
        for c in &self.bare_percent_columns {
            writeln!(out, "warning: {c}")?;
        }
        writeln!(out, "paid in all: {}", format::total(self.paid))?;
        writeln!(out, "\nper clause:")?;
        for c in &self.clauses {
            writeln!(
                out,
                "  {} {}: {} awarded, {} superseded, {} undetermined, {} cannot evaluate{}; paid {}",
                c.policy,
                c.clause,
                c.awarded,
                c.superseded,
                c.undetermined,
                c.cannot_evaluate,
                // Shown only when it happens, so runs without such claims read as before.
                {
                    let mut said = String::new();
                    if c.not_yet != 0 {
                        said += &format!(", {} dated after the evaluation date", c.not_yet);
                    }
                    if c.deferred != 0 {
                        said += &format!(", {} deferred", c.deferred);
                    }
                    if c.already_paid != 0 {
                        said += &format!(", {} already paid", c.already_paid);
                    }
                    said
                },
                format::amount(c.paid)
            )?;
        }
        if !self.departments.is_empty() {
            writeln!(out, "\nper department:")?;
            for (d, a) in &self.departments {
                writeln!(out, "  {d}: {}", format::amount(*a))?;
            }
        }
        writeln!(out, "\nper payer:")?;
        for (p, a) in &self.payers {
            write!(out, "  {p}: {}", format::amount(*a))?;
            // Shown only where the per-subject rounding moved money, so that the usual run
            // reads as before and an accumulated difference cannot pass unseen.
            match self.payers_exact.get(p) {
                Some(exact) if exact != a => writeln!(
                    out,
                    " (exact share {}; each subject's split is rounded to the fen)",
                    format::amount(*exact)
                )?,
                Some(_) => writeln!(out)?,
                None => writeln!(out, " (exact share too large to work out)")?,
            }
        }
        writeln!(out, "\nper year:")?;
        for (y, a) in &self.years {
            writeln!(out, "  {y}: {}", format::amount(*a))?;
        }
        if !self.deferred.is_empty() {
            let d = &self.deferred;
            writeln!(
                out,
                "\ndeferred (stages not paid yet): {}",
                format::total(d.total)
            )?;
            for (c, a) in &d.clauses {
                writeln!(out, "  {c}: {}", format::amount(*a))?;
            }
            for (p, a) in &d.payers {
                writeln!(out, "  {p}: {}", format::amount(*a))?;
            }
            for (y, a) in &d.years {
                writeln!(out, "  dated {y}: {}", format::amount(*a))?;
            }
        }
        if !self.waiting_for.is_empty() {
            writeln!(out, "\nundetermined, waiting for:")?;
            for (k, n) in &self.waiting_for {
                writeln!(out, "  {k}: {n}")?;
            }
        }
        let d = &self.distribution;
        writeln!(
            out,
            "\nsubjects paid: {}; sum {}; median ≈ {}, p90 ≈ {}, p99 ≈ {} (three significant figures), max {}",
            d.count,
            format::yuan(d.sum),
            format::yuan(d.p50),
            format::yuan(d.p90),
            format::yuan(d.p99),
            format::yuan(d.max)
        )?;
        for b in &self.budgets {
            // With grants made earlier in the year (the history), both parts are shown.
            let this_run = match b.paid_at_least {
                Some(least) => format!(
                    "{} to {} (a range: its most counted)",
                    format::yuan(least),
                    format::yuan(b.paid)
                ),
                None => format::yuan(b.paid),
            };
            let used = if b.earlier.is_zero() {
                this_run
            } else {
                format!(
                    "{} granted earlier + {this_run} this run = {}",
                    format::yuan(b.earlier),
                    format::yuan(b.earlier + b.paid)
                )
            };
            writeln!(
                out,
                "budget {} {}: {} of {} used ({}){}",
                b.policy,
                b.year,
                used,
                format::yuan(b.budget),
                b.share_used
                    .map_or("no share of a budget of zero".to_string(), format::percent),
                if b.overrun > Decimal::ZERO {
                    let up_to = if b.paid_at_least.is_some() {
                        "up to "
                    } else {
                        ""
                    };
                    format!(", over by {up_to}{}", format::yuan(b.overrun))
                } else {
                    String::new()
                }
            )?;
            if !b.kinds_not_run.is_empty() {
                writeln!(
                    out,
                    "  also pays clauses for {}, which this run does not evaluate: their awards count only as earlier grants of --history (F0216)",
                    b.kinds_not_run.join(", ")
                )?;
            }
            match &b.pro_rata {
                Some(p) if p.reduced => writeln!(
                    out,
                    "  reduced pro rata: {} before, factor ≈ {} (each award scaled by {} in whole rounding steps / total before)",
                    format::yuan(p.paid_before),
                    p.factor,
                    if b.earlier.is_zero() {
                        "the budget"
                    } else {
                        "what the earlier grants left of the budget"
                    }
                )?,
                Some(_) => writeln!(out, "  reduced pro rata if overrun: within budget, nothing reduced")?,
                None => {}
            }
        }
        if self.subjects_cut_before_reduction > 0 {
            writeln!(out, "warning[F0217]: {}", self.cut_before_reduction())?;
        }
        Ok(())
    }

    /// F0217 in words, when some subject met it: said in the summary and on standard error.
    pub fn cut_before_reduction(&self) -> String {
        let n = self.subjects_cut_before_reduction;
        format!(
            "{n} {} an award cut by a cap or limit that counted an earlier award of the same subject at its amount before pro rata reduced it: the reduction comes after each subject is decided, so the room it freed is not paid to the later award (see `pol explain F0217`)",
            if n == 1 { "subject had" } else { "subjects had" },
        )
    }
}

/// Whether a count is zero (left out of the JSON summary).
fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn buckets_of_machine_words_are_the_decimal_buckets(m in proptest::prelude::any::<i64>(), s in 0u32..28) {
            let d = Decimal::new(m, s);
            let slow = {
                let cents = (d * Decimal::ONE_HUNDRED).trunc();
                let mut c = cents.mantissa().unsigned_abs() / 10u128.pow(cents.scale());
                let mut exp = 0;
                while c >= 1000 {
                    c /= 10;
                    exp += 1;
                }
                (c != 0).then_some((exp, c as u32))
            };
            proptest::prop_assert_eq!(bucket(d), slow);
        }
    }

    #[test]
    fn buckets_keep_three_significant_figures() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(bucket(d("123456.78")), Some((5, 123)));
        assert_eq!(bucket_value((5, 123)), d("123000"));
        assert_eq!(bucket(d("0.05")), Some((0, 5)));
        assert_eq!(bucket(d("0")), None);
    }
}
