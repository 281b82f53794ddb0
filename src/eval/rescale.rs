//! Amounts changed after a subject is decided: a simulation's pro rata reduction.
//!
//! Input: a subject's verdicts as [`Evaluator::decide_into`] left them in a [`Scratch`], and
//! what each award becomes. Output: the verdicts with their new amounts and a settlement made
//! again from them. Guarantee: the payer shares, the subject's totals and the rows read the new
//! amounts through the one settlement (README, "The payer split"), so they still add up
//! exactly; an award is never made larger (a broken rule of pol's own, F0901).

use super::decision::{Amount, Outcome};
use super::run::{Scratch, Verdict};
use super::settle::Failure;
use super::trace::Tracer;
use super::Evaluator;

impl<'p> Scratch<'p> {
    /// Replaces what each award pays by what `scale` gives for it (`None`: unchanged), then
    /// settles the subject again. `scale` is called for the awards in evaluation order, with
    /// each one's index in [`Scratch::verdicts`].
    pub fn rescale<T: Tracer>(
        &mut self,
        ev: &Evaluator<'p, T>,
        mut scale: impl FnMut(usize, &Verdict) -> Result<Option<Amount>, Failure>,
    ) -> Result<(), Failure> {
        let mut changed = false;
        for (i, v) in self.instances.iter_mut().enumerate() {
            if v.outcome != Outcome::Awarded {
                continue;
            }
            let Some(new) = scale(i, v)? else {
                continue;
            };
            let old = v.paid.unwrap_or(Amount::ZERO);
            if new.min() > old.min() || new.max() > old.max() || new.min().is_sign_negative() {
                return Err(Failure::internal(
                    "a reduction would make an award larger or negative",
                ));
            }
            if new != old {
                v.paid = Some(new);
                changed = true;
            }
        }
        if changed {
            self.settlement
                .settle(ev.policies(), &self.instances, true)?;
        }
        Ok(())
    }
}
