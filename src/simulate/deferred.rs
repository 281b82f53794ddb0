//! What staged awards leave for later, over a population: the deferred stages' sums per
//! clause and per year they are dated in.
//!
//! Input: each subject's verdicts. Output: exact sums (a sum too large to hold is F0402, as
//! every summary total). Guarantee: kept apart from what is paid, which counts paid-now stages
//! only; a population without staged awards leaves it empty (and out of the JSON).

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::Serialize;

use super::tally::Tally;
use crate::eval::stages::StageOutcome;
use crate::eval::{Amount, Verdict};

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
    /// As counted: per clause index and per year.
    #[serde(skip)]
    counted: Counted,
}

/// Sums as counted: per clause index, per year, and in all.
type Counted = (Vec<(usize, Tally)>, Vec<(i32, Tally)>, Tally);

fn sum_of<K: PartialEq>(list: &mut Vec<(K, Tally)>, key: K) -> &mut Tally {
    let at = match list.iter().position(|(k, _)| *k == key) {
        Some(at) => at,
        None => {
            list.push((key, Tally::default()));
            list.len() - 1
        }
    };
    &mut list[at].1
}

impl DeferredSums {
    /// Whether nothing was deferred.
    pub fn is_empty(&self) -> bool {
        self.counted.2.amount().is_none_or(|a| a.is_zero()) && self.total.is_zero()
    }

    /// Counts the deferred stages of `v`, the result of clause `clause` (its index in the
    /// summary's clauses).
    pub(super) fn add(&mut self, v: &Verdict, clause: usize) {
        let Some(d) = v.deferred().filter(|d| !d.is_zero()) else {
            return;
        };
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
    }

    /// The sums, once every subject is counted; `None` (with what) when one cannot be held.
    pub(super) fn finish(&mut self, names: &[String]) -> Result<(), String> {
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
