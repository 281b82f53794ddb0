//! Non-cumulation (就高不重复): under a policy whose `same_matter` is `highest`, one matter
//! pays one award per subject (or per claim), the highest; a subject's award and its claims'
//! awards of one matter meet within one calendar year (README "Order of evaluation").
//!
//! Input: a subject's verdicts after per-subject caps. Output: the lower awards of a matter
//! superseded (paid nothing), said through the tracer. Guarantee: the award kept is the one
//! with the highest most, then the highest least (the first in evaluation order on a tie); a
//! kept range never pays less than the least of an award it superseded.

use super::decision::{Amount, Outcome};
use super::format;
use super::run::{Scratch, Verdict};
use super::trace::Tracer;
use super::Evaluator;
use crate::ast::SameMatter;

impl<'p, T: Tracer> Evaluator<'p, T> {
    /// Keeps the highest award of each matter (and claim) under policies that pay the
    /// highest only; the others are superseded.
    pub(super) fn apply_same_matter(&self, scratch: &mut Scratch<'p>) {
        // One award or none: nothing to compare (most subjects of a population).
        let mut awarded = scratch
            .instances
            .iter()
            .filter(|i| i.outcome == Outcome::Awarded);
        if awarded.nth(1).is_some() {
            scratch.presumed.clear();
            self.across_levels(
                &mut scratch.instances,
                &scratch.once_at,
                &mut scratch.presumed,
            );
            self.keep_highest(scratch);
        }
    }

    /// [`Evaluator::apply_same_matter`] for a subject with at least two awards.
    fn keep_highest(&self, scratch: &mut Scratch<'p>) {
        scratch.kept.clear();
        self.keep_highest_in(scratch, 0..scratch.instances.len());
    }

    /// Non-cumulation among the verdicts `range`, with `scratch.kept` holding what was kept
    /// before them (the awards of one matter and claim are of one event, so the running totals
    /// can settle one event at a time).
    pub(super) fn keep_highest_in(&self, scratch: &mut Scratch<'p>, range: std::ops::Range<usize>) {
        let set = self.set;
        let instances = &mut scratch.instances;
        let highest = |inst: &Verdict| {
            inst.outcome == Outcome::Awarded
                && set.programs[inst.pi].header.same_matter == SameMatter::Highest
        };
        // (matter, claim, year of a run) -> index of the instance kept so far: `meet`'s rule
        // for two awards of one level, as a key so that grouping is linear (change both
        // together). Every program binds the same claims in the same order, so a claim's
        // index names it across policies.
        let kept = &mut scratch.kept;
        for i in range {
            let inst = &instances[i];
            if !highest(inst) {
                continue;
            }
            let program = &set.programs[inst.pi];
            let matter = program
                .matters
                .get(program.clauses[inst.ci].matter as usize)
                .map_or("", String::as_str);
            let key = (matter, inst.claim, inst.year);
            let Some(j) = kept.get(&key).copied() else {
                kept.insert(key, i);
                continue;
            };
            let paid = inst.paid.unwrap_or(Amount::ZERO);
            let other = instances[j].paid.unwrap_or(Amount::ZERO);
            let (winner, loser) = if (paid.max(), paid.min()) > (other.max(), other.min()) {
                (i, j)
            } else {
                (j, i)
            };
            kept.insert(key, winner);
            self.supersede(instances, matter, winner, loser);
        }
    }

    /// A subject's award and the awards of its claims for one matter meet when the claim's
    /// event date falls in the calendar year of the subject's event date (the evaluation
    /// date): the subject's award is kept only when it is higher than each of them, and then
    /// they are superseded; else it gives way to the highest of them. Claims' awards do not
    /// meet each other (two projects are two matters' worth of work).
    ///
    /// Decided before any running total (per-subject caps and limits), on what each award is
    /// due on its own: a subject's award and a claim's award are different events, counted at
    /// different points of the running totals, and what a total has counted cannot be taken
    /// back. Awards of one level then meet among themselves event by event.
    ///
    /// A once-only award that an earlier award of the decision pays already (as far as is known
    /// before the running totals: [`Evaluator::paid_in_decision`]) pays nothing, so it is
    /// compared with nothing: a subject's award is left out, a claim's award supersedes no
    /// subject's award (and gives way to it). Each is listed in `presumed`, to be checked
    /// when its event is decided.
    pub(super) fn across_levels(
        &self,
        instances: &mut [Verdict],
        once_at: &super::history::OnceIndex,
        presumed: &mut Vec<(usize, Amount, usize)>,
    ) {
        let set = self.set;
        let highest = |inst: &Verdict| {
            inst.outcome == Outcome::Awarded
                && set.programs[inst.pi].header.same_matter == SameMatter::Highest
        };
        // Most subjects have no claim, or no subject-level award: nothing meets across levels.
        let (mut subject, mut claim) = (false, false);
        for inst in instances.iter().filter(|i| highest(i)) {
            match inst.claim {
                None => subject = true,
                Some(_) => claim = true,
            }
        }
        if !(subject && claim) {
            return;
        }
        let matter_of = |inst: &Verdict| {
            let program = &set.programs[inst.pi];
            program
                .matters
                .get(program.clauses[inst.ci].matter as usize)
                .map_or("", String::as_str)
        };
        let rank = |a: Amount| (a.max(), a.min());
        let once = self.set.once_in_decision();
        // Paid already by an earlier award of the decision, as far as is known now.
        let gone = |instances: &[Verdict], i: usize| {
            once && self.paid_in_decision(instances, once_at, i, i..i).is_some()
        };
        for s in 0..instances.len() {
            if instances[s].claim.is_some() || !highest(&instances[s]) {
                continue;
            }
            let matter = matter_of(&instances[s]);
            // The claims' awards this subject-level award meets (one rule: `meet`).
            let met: Vec<usize> = (0..instances.len())
                .filter(|&c| {
                    let inst = &instances[c];
                    inst.claim.is_some()
                        && inst.outcome == Outcome::Awarded
                        && self.meet(&instances[s], inst)
                })
                .collect();
            if met.is_empty() {
                continue;
            }
            let paid = |i: usize| instances[i].paid.unwrap_or(Amount::ZERO);
            if gone(instances, s) {
                presumed.push((s, paid(s), s));
                continue;
            }
            let out: Vec<bool> = met.iter().map(|&c| gone(instances, c)).collect();
            let best = met
                .iter()
                .zip(&out)
                .filter(|(_, &out)| !out)
                .map(|(&c, _)| c)
                .filter(|&c| rank(paid(c)) > rank(paid(s)))
                .max_by(|&a, &b| rank(paid(a)).cmp(&rank(paid(b))).then(b.cmp(&a)));
            match best {
                Some(c) => self.supersede(instances, matter, c, s),
                None => {
                    for (c, out) in met.into_iter().zip(out) {
                        if out {
                            let due = instances[c].paid.unwrap_or(Amount::ZERO);
                            presumed.push((c, due, s));
                        }
                        self.supersede(instances, matter, s, c);
                    }
                }
            }
        }
    }

    /// Whether two awards meet under non-cumulation (README "Order of evaluation", step 4):
    /// both of policies that pay the highest, of one matter, and for one claim (or year of a
    /// run), or one for the subject and one for a claim dated in the same calendar year.
    pub(super) fn meet(&self, a: &Verdict, b: &Verdict) -> bool {
        use chrono::Datelike;
        let set = self.set;
        let highest = |v: &Verdict| set.programs[v.pi].header.same_matter == SameMatter::Highest;
        let matter = |v: &Verdict| {
            let p = &set.programs[v.pi];
            p.matters
                .get(p.clauses[v.ci].matter as usize)
                .map_or("", String::as_str)
        };
        if !(highest(a) && highest(b)) || matter(a) != matter(b) {
            return false;
        }
        match (a.claim, b.claim) {
            (Some(_), None) | (None, Some(_)) => a.date.year() == b.date.year(),
            _ => (a.claim, a.year) == (b.claim, b.year),
        }
    }

    /// Verdict `loser` gives way to `winner`, of the same matter: it pays nothing, and the
    /// winner pays at least its least.
    fn supersede(&self, instances: &mut [Verdict], matter: &str, winner: usize, loser: usize) {
        let (pi, ci) = (instances[winner].pi, instances[winner].ci);
        let kept_paid = instances[winner].paid.unwrap_or(Amount::ZERO);
        let by = || {
            let wp = &self.set.programs[pi];
            let name = &wp.clauses[ci].name;
            let document = &wp.header.document;
            format!("{document} {name} ({})", format::amount(kept_paid))
        };
        let l = &mut instances[loser];
        let before = l.paid.unwrap_or(Amount::ZERO);
        T::adjustment(l, "superseded", (before, Amount::ZERO), || {
            let detail = format!(
                "same matter \"{matter}\": only the highest award is paid, which is {}",
                by()
            );
            (detail, None)
        });
        l.outcome = Outcome::Superseded;
        l.paid = Some(Amount::ZERO);
        // The matter pays the higher of the two, so at least the loser's least: when the kept
        // award is a range reaching below that (a fixed 1.5万元 against "up to 2万元"), its
        // least is raised to it rather than the floor being lost.
        let floor = before.min();
        // The kept award's most is at least the other's, so at least the floor.
        if let Some(raised) =
            Amount::between(floor, kept_paid.max()).filter(|_| kept_paid.min() < floor)
        {
            let w = &mut instances[winner];
            T::adjustment(w, "same_matter_floor", (kept_paid, raised), || {
                let detail = format!(
                    "same matter \"{matter}\": at least {} is paid, the other award's least",
                    format::amount(Amount::Exact(floor))
                );
                (detail, None)
            });
            w.paid = Some(raised);
        }
    }
}
