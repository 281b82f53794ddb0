//! Amounts changed after a subject is decided: a simulation's pro rata reduction.
//!
//! Input: a subject's verdicts as [`Evaluator::decide_into`] left them in a [`Scratch`], and
//! what each award (or each stage paid now of a staged award) becomes. Output: the verdicts with their new amounts and a settlement made
//! again from them. Guarantee: the payer shares, the subject's totals and the rows read the new
//! amounts through the one settlement (README, "The payer split"), so they still add up
//! exactly; an award is never made larger (a broken rule of pol's own, F0901).

use chrono::Datelike;

use super::decision::{Amount, Outcome};
use super::run::{Scratch, Verdict};
use super::settle::Failure;
use super::stages::StageOutcome;
use super::trace::Tracer;
use super::Evaluator;

impl<'p> Scratch<'p> {
    /// Replaces what each award pays by what `scale` gives for it (`None`: unchanged), then
    /// settles the subject again. `scale` is called for the awards in evaluation order, with
    /// each one's index in [`Scratch::verdicts`], once for each part of it counted in a year:
    /// the whole award in the year of its event date, or each stage of a staged award paid
    /// now, in the year of the stage's date (deferred stages are not paid, and keep their
    /// parts). A staged award then pays what its stages paid now come to.
    pub fn rescale<T: Tracer>(
        &mut self,
        ev: &Evaluator<'p, T>,
        mut scale: impl FnMut(usize, &Verdict, Amount, i32) -> Result<Option<Amount>, Failure>,
    ) -> Result<(), Failure> {
        // The policies some of whose awards change.
        let mut changed: Vec<usize> = Vec::new();
        // Each part reduced: the award and the year it is counted in.
        let mut reduced: Vec<(usize, i32)> = Vec::new();
        let mut stages: Vec<(usize, Amount)> = Vec::new();
        for (i, v) in self.instances.iter_mut().enumerate() {
            if v.outcome != Outcome::Awarded {
                continue;
            }
            let old = v.paid.unwrap_or(Amount::ZERO);
            let new = if v.stage_list().is_empty() {
                match scale(i, v, old, v.date.year())? {
                    Some(new) => {
                        if new != old {
                            reduced.push((i, v.date.year()));
                        }
                        new
                    }
                    None => continue,
                }
            } else {
                stages.clear();
                let paid = v
                    .stage_list()
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.outcome == StageOutcome::Paid);
                for (k, s) in paid {
                    let year = s.date.unwrap_or(v.date).year();
                    if let Some(new) = scale(i, v, s.amount, year)? {
                        not_larger(s.amount, new)?;
                        if new != s.amount {
                            reduced.push((i, year));
                        }
                        stages.push((k, new));
                    }
                }
                if stages.is_empty() {
                    continue;
                }
                let Some(staged) = v.stages.as_mut() else {
                    continue;
                };
                for &(k, new) in &stages {
                    staged.list[k].amount = new;
                }
                let mut sum = Amount::ZERO;
                for s in staged
                    .list
                    .iter()
                    .filter(|s| s.outcome == StageOutcome::Paid)
                {
                    sum = (sum + s.amount).ok_or_else(|| {
                        Failure::internal("the reduced stages of an award could not be added up")
                    })?;
                }
                sum
            };
            not_larger(old, new)?;
            if new != old {
                v.paid = Some(new);
                if !changed.contains(&v.pi) {
                    changed.push(v.pi);
                }
            }
        }
        if !changed.is_empty() {
            self.once_after_reduction(ev);
            self.cut_by_reduced = self.cut_after(&reduced);
            // What the awards would pay at the ends of linked ranges was worked out for the
            // amounts before the reduction: a policy some of whose awards changed is now the
            // sum of its awards' own ranges (pro rata reduces exact amounts only, F0403); the
            // others keep their linked ends (attack run 9: dropping every policy's made a
            // subject's most larger than anything it can be paid).
            let instances = &self.instances;
            self.ends
                .retain(|(i, ..)| instances.get(*i).is_some_and(|v| !changed.contains(&v.pi)));
            self.settlement
                .settle(ev.policies(), &self.instances, &self.ends, true)?;
        }
        Ok(())
    }
}

impl<'p> Scratch<'p> {
    /// Whether a cap or limit that counted one of the `reduced` awards cut a later award of
    /// the decision by room earlier awards had taken (whatever the later award's outcome
    /// became: deferred, superseded): that room was what the reduced award took before the
    /// reduction (F0217, a warning: the reduction comes after each subject is decided).
    /// Only the bounds that count the part reduced: a staged award's yearly limit of a year
    /// whose stage was not reduced gives nothing back.
    fn cut_after(&self, reduced: &[(usize, i32)]) -> bool {
        reduced.iter().any(|&(i, year)| {
            let v = &self.instances[i];
            let mine = &self.bounds[v.counters.0 as usize..v.counters.1 as usize];
            (self.cut_by.iter())
                .any(|&(j, c)| j > i && c.counts(Some(year)) && mine.iter().any(|(m, _)| *m == c))
        })
    }

    /// A once-only award made *already paid* by an award of the decision that the reduction
    /// took to nothing (and that pays no stage later): the matter is then paid by neither,
    /// and whether it should be paid by this one hangs on the budget and the once-only rule
    /// at once (paying it could overrun the budget the reduction was for). It cannot be
    /// evaluated, and says why, as when a cap or limit cuts the award to nothing (attack run
    /// 10, A4). It paid nothing either way, so no total changes.
    fn once_after_reduction<T: Tracer>(&mut self, ev: &Evaluator<'p, T>) {
        let programs = ev.policies().programs();
        for &(i, j) in &self.once_from {
            let e = &self.instances[j];
            let later = e
                .stage_list()
                .iter()
                .any(|s| s.outcome != StageOutcome::Paid);
            let nothing =
                e.outcome == Outcome::Awarded && e.paid.is_none_or(|p| p.max().is_zero()) && !later;
            if !nothing || self.instances[i].outcome != Outcome::AlreadyPaid {
                continue;
            }
            let (document, clause) = (
                &programs[e.pi].header.document,
                &programs[e.pi].clauses[e.ci].name,
            );
            let v = &mut self.instances[i];
            v.outcome = Outcome::CannotEvaluate;
            v.paid = None;
            T::reason(v, || {
                format!("paid once only, and already awarded in this decision under {document} {clause}, but that award was reduced to nothing pro rata (its share of the budget came to nothing): whether this one is paid instead hangs on the budget and the once-only rule at once, so it cannot be decided here")
            });
        }
    }
}

/// A reduction never makes an amount larger or negative (else pol broke its own rule).
fn not_larger(old: Amount, new: Amount) -> Result<(), Failure> {
    if new.min() > old.min() || new.max() > old.max() || new.min().is_sign_negative() {
        return Err(Failure::internal(
            "a reduction would make an award larger or negative",
        ));
    }
    Ok(())
}
