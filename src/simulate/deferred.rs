//! What staged awards leave for later, over a population: the deferred stages' sums per
//! clause, per payer and per year they are dated in.
//!
//! Input: each subject's verdicts. Output: exact sums (a sum too large to hold is F0402, as
//! every summary total). Guarantee: kept apart from what is paid, which counts paid-now stages
//! only; a population without staged awards leaves it empty (and out of the JSON).

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::Serialize;

use rust_decimal::Decimal;

use super::summary::sum_of;
use super::tally::Tally;
use crate::eval::stages::StageOutcome;
use crate::eval::{Amount, PolicySet, Verdict};

/// The deferred stages of a population's staged awards.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DeferredSums {
    /// What they come to in all.
    pub total: Amount,
    /// Per clause (`DOCUMENT/CLAUSE` or the clause's name).
    pub clauses: BTreeMap<String, Amount>,
    /// Per calendar year of the stage's date (the event date's year when the date is not
    /// known).
    pub years: BTreeMap<i32, Amount>,
    /// Per payer: each subject's deferred total under a policy split among its payers as its
    /// paid total is (largest remainder to the fen).
    pub payers: BTreeMap<String, Amount>,
    /// As counted: per clause index and per year.
    #[serde(skip)]
    counted: Counted,
    /// As counted: per payer (its position in the set's payers).
    #[serde(skip)]
    payer_sums: Vec<(usize, Tally)>,
    /// A subject's deferred total per funding group (a buffer reused from one subject to the
    /// next).
    #[serde(skip)]
    subject: Vec<(usize, Amount)>,
    /// Why a sum could not be made, when one could not.
    #[serde(skip)]
    failed: Option<String>,
}

/// Sums as counted: per clause index, per year, and in all.
type Counted = (Vec<(usize, Tally)>, Vec<(i32, Tally)>, Tally);

/// `a` in units of 10^-`places`, when it fits.
fn units(a: Decimal, places: u32) -> Option<i128> {
    10i128
        .checked_pow(places.checked_sub(a.scale())?)
        .and_then(|p| a.mantissa().checked_mul(p))
}

impl DeferredSums {
    /// Whether nothing was deferred.
    pub fn is_empty(&self) -> bool {
        self.counted.2.amount().is_none_or(|a| a.is_zero()) && self.total.is_zero()
    }

    /// Counts the deferred stages of `v`, the result of clause `clause` (its index in the
    /// summary's clauses) paid by funding group `group`; [`DeferredSums::end_subject`] splits
    /// the subject's among payers.
    pub(super) fn add(&mut self, v: &Verdict, clause: usize, group: usize) {
        let Some(d) = v.deferred().filter(|d| !d.is_zero()) else {
            return;
        };
        match self.subject.iter_mut().find(|(g, _)| *g == group) {
            Some((_, sum)) => match *sum + d {
                Some(s) => *sum = s,
                None => self.failed = Some("a subject's deferred total".to_string()),
            },
            None => self.subject.push((group, d)),
        }
        let (clauses, years, total) = &mut self.counted;
        total.add(d);
        sum_of(clauses, clause).add(d);
        for s in v.stage_list() {
            if s.outcome == StageOutcome::Deferred {
                let year = s.date.unwrap_or(v.date).year();
                sum_of(years, year).add(s.amount);
            }
        }
    }

    /// Splits the subject's deferred totals (one per funding group) among the groups' payers.
    pub(super) fn end_subject(&mut self, set: &PolicySet) {
        for (g, sum) in std::mem::take(&mut self.subject) {
            if let Err(why) = self.split(set, g, sum) {
                self.failed = Some(why);
            }
        }
    }

    /// Adds each payer's part of `sum`, deferred under funding group `g`: the least amount and
    /// the spread (most less least) are split apart, as the settlement splits what is paid.
    fn split(&mut self, set: &PolicySet, g: usize, sum: Amount) -> Result<(), String> {
        let groups = set.groups();
        let fractions = groups.fractions(g).map_err(|e| e.to_string())?;
        let places = sum.min().scale().max(sum.max().scale()).max(2);
        let too_large = || "a payer's part of the deferred total".to_string();
        let lo = units(sum.min(), places).ok_or_else(too_large)?;
        let spread = units(sum.max(), places)
            .and_then(|hi| hi.checked_sub(lo))
            .ok_or_else(too_large)?;
        let (mut low, mut wide) = (Vec::new(), Vec::new());
        fractions.split(lo, &mut low).map_err(|e| e.to_string())?;
        fractions
            .split(spread, &mut wide)
            .map_err(|e| e.to_string())?;
        for ((&c, l), w) in groups.columns(g).iter().zip(low).zip(wide) {
            let part = |u: i128| Decimal::try_from_i128_with_scale(u, places).ok();
            let (Some(min), Some(max)) = (part(l), l.checked_add(w).and_then(part)) else {
                return Err(too_large());
            };
            let part = Amount::between(min, max).ok_or_else(too_large)?;
            sum_of(&mut self.payer_sums, c).add(part);
        }
        Ok(())
    }

    /// Adds another part's counts.
    pub(super) fn merge(&mut self, other: &DeferredSums) {
        let (clauses, years, total) = &mut self.counted;
        total.add_tally(&other.counted.2);
        for (k, t) in &other.counted.0 {
            sum_of(clauses, *k).add_tally(t);
        }
        for (k, t) in &other.counted.1 {
            sum_of(years, *k).add_tally(t);
        }
        for (k, t) in &other.payer_sums {
            sum_of(&mut self.payer_sums, *k).add_tally(t);
        }
        self.failed = self.failed.take().or_else(|| other.failed.clone());
    }

    /// The sums, once every subject is counted (`names`: the clauses', `payers`: the set's);
    /// `Err` (with what) when one cannot be held.
    pub(super) fn finish(&mut self, names: &[String], payers: &[String]) -> Result<(), String> {
        if let Some(what) = &self.failed {
            return Err(what.clone());
        }
        self.payers.clear();
        for (c, t) in &self.payer_sums {
            let name = payers.get(*c).cloned().unwrap_or_default();
            let a = t.amount().ok_or_else(|| format!("what `{name}` defers"))?;
            self.payers.insert(name, a);
        }
        let (clauses, years, total) = &self.counted;
        self.total = total.amount().ok_or("the total deferred")?;
        self.clauses.clear();
        for (k, t) in clauses {
            let name = names.get(*k).cloned().unwrap_or_default();
            let a = t
                .amount()
                .ok_or_else(|| format!("the deferred total of `{name}`"))?;
            self.clauses.insert(name, a);
        }
        self.years.clear();
        for (y, t) in years {
            let a = t
                .amount()
                .ok_or_else(|| format!("the deferred total of {y}"))?;
            self.years.insert(*y, a);
        }
        Ok(())
    }
}
