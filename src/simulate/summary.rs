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

use crate::eval::decision::{Decision, Outcome};
use crate::eval::{format, Amount, Evaluator};

/// Counts and sums for one clause.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
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
    /// Paid under the clause.
    pub paid: Amount,
}

/// The distribution of what subjects are paid (those paid more than nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Distribution {
    /// Subjects paid more than zero.
    pub count: u64,
    /// Their total (upper bounds for ranges).
    pub sum: Decimal,
    /// Median, to three significant figures.
    pub p50: Decimal,
    /// 90th percentile, to three significant figures.
    pub p90: Decimal,
    /// 99th percentile, to three significant figures.
    pub p99: Decimal,
    /// The largest, exact.
    pub max: Decimal,
}

/// A yearly budget and what the simulation spends of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BudgetUse {
    /// Document number.
    pub policy: String,
    /// The year.
    pub year: i32,
    /// The budget line.
    pub budget: Decimal,
    /// Paid in that year (upper bounds for ranges).
    pub paid: Decimal,
    /// Paid over budget, as a fraction.
    pub share_used: Decimal,
    /// How much over budget, if any.
    pub overrun: Decimal,
}

/// The summary of a simulation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Rows read (good and bad).
    pub rows: u64,
    /// Subjects evaluated.
    pub subjects: u64,
    /// Rows or subjects that could not be evaluated.
    pub errors: u64,
    /// Paid in all.
    pub paid: Amount,
    /// Per clause.
    pub clauses: Vec<ClauseStats>,
    /// Paid per responsible department (a clause with several departments counts for each).
    pub departments: BTreeMap<String, Amount>,
    /// Paid per payer.
    pub payers: BTreeMap<String, Amount>,
    /// Paid per year of the event date.
    pub years: BTreeMap<i32, Amount>,
    /// Undetermined results by the input or parameter they wait for.
    pub waiting_for: BTreeMap<String, u64>,
    /// Subjects' awards.
    pub distribution: Distribution,
    /// Yearly budgets against what is paid.
    pub budgets: Vec<BudgetUse>,
    /// Buckets of subjects' totals in cents: (digits beyond three, first three digits) -> count.
    #[serde(skip)]
    buckets: BTreeMap<(u32, u32), u64>,
    /// Paid per policy and year, for the budgets.
    #[serde(skip)]
    policy_years: BTreeMap<(String, i32), Amount>,
    /// Per policy, the index in `clauses` of its first clause.
    #[serde(skip)]
    offsets: Vec<usize>,
}

/// The bucket of an amount: its cents to three significant figures.
fn bucket(d: Decimal) -> Option<(u32, u32)> {
    let cents = (d * Decimal::ONE_HUNDRED).trunc();
    let digits = cents.to_string();
    let digits = digits.trim_start_matches('-');
    if cents.is_zero() || digits.is_empty() {
        return None;
    }
    let exp = digits.len().saturating_sub(3) as u32;
    let lead: u32 = digits[..digits.len().min(3)].parse().ok()?;
    Some((exp, lead))
}

/// The lower edge of a bucket, in yuan.
fn bucket_value((exp, lead): (u32, u32)) -> Decimal {
    let cents = Decimal::from(lead) * Decimal::from(10u64.pow(exp.min(18)));
    cents / Decimal::ONE_HUNDRED
}

impl Summary {
    /// An empty summary for the clauses of `ev`'s policies.
    pub fn new(ev: &Evaluator<'_>) -> Summary {
        let mut s = Summary::default();
        for p in ev.policies().programs() {
            s.offsets.push(s.clauses.len());
            for c in &p.clauses {
                s.clauses.push(ClauseStats {
                    policy: p.header.document.clone(),
                    clause: c.name.clone(),
                    ..ClauseStats::default()
                });
            }
        }
        s
    }

    /// Counts one subject's decision (spread over `rows` rows).
    pub fn add(&mut self, decision: &Decision<'_>, rows: usize) {
        self.rows += rows as u64;
        self.subjects += 1;
        let mut subject_paid = Amount::ZERO;
        for c in &decision.clauses {
            // The result's indices find its row without comparing names.
            let at = self.offsets.get(c.at.0).map(|o| o + c.at.1);
            let Some(stats) = at.and_then(|i| self.clauses.get_mut(i)) else {
                continue;
            };
            match c.outcome {
                Outcome::Awarded => stats.awarded += 1,
                Outcome::Superseded => stats.superseded += 1,
                Outcome::NotEligible => stats.not_eligible += 1,
                Outcome::NotInForce => stats.not_in_force += 1,
                Outcome::Undetermined => stats.undetermined += 1,
                Outcome::CannotEvaluate => stats.cannot_evaluate += 1,
            }
            if c.outcome == Outcome::Undetermined {
                for need in &c.needs {
                    *self.waiting_for.entry(need.clone()).or_default() += 1;
                }
            }
            if c.outcome != Outcome::Awarded {
                continue;
            }
            let paid = c.paid.unwrap_or(Amount::ZERO);
            stats.paid = stats.paid + paid;
            subject_paid = subject_paid + paid;
            for d in &c.citation.departments {
                let e = self.departments.entry(d.clone()).or_insert(Amount::ZERO);
                *e = *e + paid;
            }
            let y = self
                .years
                .entry(c.event_date.year())
                .or_insert(Amount::ZERO);
            *y = *y + paid;
            let py = self
                .policy_years
                .entry((c.policy.to_string(), c.event_date.year()))
                .or_insert(Amount::ZERO);
            *py = *py + paid;
        }
        self.paid = self.paid + subject_paid;
        // The decision's per-payer totals also cover policies that split per subject.
        for s in &decision.totals.per_payer {
            match self.payers.get_mut(s.payer) {
                Some(e) => *e = *e + s.amount,
                None => {
                    self.payers.insert(s.payer.to_string(), s.amount);
                }
            }
        }
        let top = subject_paid.max();
        if top > Decimal::ZERO {
            self.distribution.count += 1;
            self.distribution.sum += top;
            self.distribution.max = self.distribution.max.max(top);
            if let Some(b) = bucket(top) {
                *self.buckets.entry(b).or_default() += 1;
            }
        }
    }

    /// Adds another part's counts into this one.
    pub fn merge(&mut self, other: Summary) {
        self.rows += other.rows;
        self.subjects += other.subjects;
        self.errors += other.errors;
        self.paid = self.paid + other.paid;
        for (mine, theirs) in self.clauses.iter_mut().zip(other.clauses) {
            mine.awarded += theirs.awarded;
            mine.superseded += theirs.superseded;
            mine.not_eligible += theirs.not_eligible;
            mine.not_in_force += theirs.not_in_force;
            mine.undetermined += theirs.undetermined;
            mine.cannot_evaluate += theirs.cannot_evaluate;
            mine.paid = mine.paid + theirs.paid;
        }
        let add = |into: &mut BTreeMap<String, Amount>, from: BTreeMap<String, Amount>| {
            for (k, v) in from {
                let e = into.entry(k).or_insert(Amount::ZERO);
                *e = *e + v;
            }
        };
        add(&mut self.departments, other.departments);
        add(&mut self.payers, other.payers);
        for (k, v) in other.years {
            let e = self.years.entry(k).or_insert(Amount::ZERO);
            *e = *e + v;
        }
        for (k, v) in other.waiting_for {
            *self.waiting_for.entry(k).or_default() += v;
        }
        self.distribution.count += other.distribution.count;
        self.distribution.sum += other.distribution.sum;
        self.distribution.max = self.distribution.max.max(other.distribution.max);
        for (k, v) in other.buckets {
            *self.buckets.entry(k).or_default() += v;
        }
        for (k, v) in other.policy_years {
            let e = self.policy_years.entry(k).or_insert(Amount::ZERO);
            *e = *e + v;
        }
    }

    /// Computes the percentiles and the budget shares once every subject is counted.
    pub fn finish(&mut self, ev: &Evaluator<'_>) {
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
        for p in ev.policies().programs() {
            for (year, budget) in &p.header.budget {
                let paid = self
                    .policy_years
                    .get(&(p.header.document.clone(), *year))
                    .map_or(Decimal::ZERO, |a| a.max());
                let share = if budget.is_zero() {
                    Decimal::ZERO
                } else {
                    paid / budget
                };
                self.budgets.push(BudgetUse {
                    policy: p.header.document.clone(),
                    year: *year,
                    budget: *budget,
                    paid,
                    share_used: share,
                    overrun: (paid - budget).max(Decimal::ZERO),
                });
            }
        }
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
        writeln!(
            out,
            "paid in all: {} ({})",
            format::amount(self.paid),
            format::wan(self.paid.max())
        )?;
        writeln!(out, "\nper clause:")?;
        for c in &self.clauses {
            writeln!(
                out,
                "  {} {}: {} awarded, {} superseded, {} undetermined, {} cannot evaluate; paid {}",
                c.policy,
                c.clause,
                c.awarded,
                c.superseded,
                c.undetermined,
                c.cannot_evaluate,
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
            writeln!(out, "  {p}: {}", format::amount(*a))?;
        }
        writeln!(out, "\nper year:")?;
        for (y, a) in &self.years {
            writeln!(out, "  {y}: {}", format::amount(*a))?;
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
            writeln!(
                out,
                "budget {} {}: {} of {} used ({}){}",
                b.policy,
                b.year,
                format::yuan(b.paid),
                format::yuan(b.budget),
                format::percent(b.share_used),
                if b.overrun > Decimal::ZERO {
                    format!(", over by {}", format::yuan(b.overrun))
                } else {
                    String::new()
                }
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_three_significant_figures() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(bucket(d("123456.78")), Some((5, 123)));
        assert_eq!(bucket_value((5, 123)), d("123000"));
        assert_eq!(bucket(d("0.05")), Some((0, 5)));
        assert_eq!(bucket(d("0")), None);
    }
}
