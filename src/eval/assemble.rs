//! The decision handed back for one subject, from its verdicts and their settlement.
//!
//! Input: the subject's verdicts in evaluation order and the [`Settlement`] made of them.
//! Output: a [`Decision`]: each clause's result with its citation, words and payer shares, and
//! the totals. Guarantee: the totals and payer shares are the settlement's, never added up
//! again here (so the decision, a simulation's rows and its summary cannot disagree); the one
//! sum made here, the most undetermined clauses could add, is checked.

use rust_decimal::Decimal;

use super::decision::{ClauseResult, Decision, Outcome, PolicyTotal, Share, SubjectRef, Totals};
use super::facts::Bound;
use super::format;
use super::instance::step;
use super::run::Verdict;
use super::settle::{Failure, Settlement, ShareBuffers};
use super::trace::Tracer;
use super::Evaluator;
use crate::ast::Split;
use crate::compile::Kind;

impl<'p, T: Tracer> Evaluator<'p, T> {
    /// The decision from a subject's verdicts and their settlement.
    pub(super) fn assemble(
        &self,
        kind: Kind,
        id: &compact_str::CompactString,
        bound: &[Bound],
        instances: Vec<Verdict>,
        settlement: &Settlement,
    ) -> Result<Decision<'p>, Failure> {
        let per_policy = self.policy_totals(&instances, settlement)?;
        let per_payer = self.payer_totals(&instances, settlement);
        let deferred = self.deferred_total(&instances)?;
        let undetermined = instances
            .iter()
            .filter(|i| i.outcome == Outcome::Undetermined)
            .count();
        let mut clauses = Vec::with_capacity(instances.len());
        let mut buffers = (Vec::new(), ShareBuffers::default());
        for (i, inst) in instances.into_iter().enumerate() {
            clauses.push(self.clause_result(i, inst, bound, settlement, &mut buffers)?);
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
                deferred,
            },
            headroom: Vec::new(),
            warnings: Vec::new(),
        })
    }

    /// What the deferred stages of the subject's staged awards come to, checked.
    fn deferred_total(&self, instances: &[Verdict]) -> Result<super::Amount, Failure> {
        let mut sum = super::Amount::ZERO;
        for d in instances.iter().filter_map(Verdict::deferred) {
            sum = (sum + d).ok_or_else(|| Failure::overflow("the deferred stages".to_string()))?;
        }
        Ok(sum)
    }

    /// Per policy: what it pays, and the most its undetermined clauses could add.
    fn policy_totals(
        &self,
        instances: &[Verdict],
        settlement: &Settlement,
    ) -> Result<Vec<PolicyTotal<'p>>, Failure> {
        let set = self.set;
        let mut totals = Vec::with_capacity(set.programs.len());
        for (pi, p) in set.programs.iter().enumerate() {
            let waiting = || {
                instances
                    .iter()
                    .filter(move |i| i.pi == pi && i.outcome == Outcome::Undetermined)
            };
            let mut bound_sum = Decimal::ZERO;
            for u in waiting().filter_map(|i| i.upper) {
                bound_sum = super::decision::add_exact(bound_sum, u).ok_or_else(|| {
                    Failure::overflow(format!(
                        "the most the undetermined clauses of `{}` could add",
                        p.header.document
                    ))
                })?;
            }
            totals.push(PolicyTotal {
                policy: p.header.document.as_str(),
                paid: settlement.policy_total(pi),
                undetermined_upper_bound: bound_sum,
                undetermined: waiting().count(),
                split_per_subject: p.header.split == Split::PerSubject,
            });
        }
        Ok(totals)
    }

    /// Each payer's total, in the order payers first take a share: the payers of per-award
    /// policies as their awards come, then those of policies that split per subject.
    fn payer_totals(&self, instances: &[Verdict], settlement: &Settlement) -> Vec<Share<'p>> {
        let set = self.set;
        let mut order: Vec<usize> = Vec::new();
        let note = |order: &mut Vec<usize>, columns: &[usize]| {
            for c in columns {
                if !order.contains(c) {
                    order.push(*c);
                }
            }
        };
        for (i, inst) in instances.iter().enumerate() {
            if set.programs[inst.pi].header.split == Split::PerAward && settlement.is_paid(i) {
                let g = set.groups().of_clause(inst.pi, inst.ci);
                note(&mut order, set.groups().columns(g));
            }
        }
        for g in 0..set.groups().len() {
            let pi = set.groups().policy(g);
            if set.programs[pi].header.split == Split::PerSubject {
                note(&mut order, set.groups().columns(g));
            }
        }
        order
            .into_iter()
            .map(|c| Share {
                payer: set.payers[c].as_str(),
                amount: settlement.payer_totals()[c],
            })
            .collect()
    }

    /// Verdict `i` as a clause result: its citation, words and (under a policy that splits
    /// per award) its payer shares, explained.
    fn clause_result(
        &self,
        i: usize,
        mut inst: Verdict,
        bound: &[Bound],
        settlement: &Settlement,
        (shares, work): &mut (Vec<super::Amount>, ShareBuffers),
    ) -> Result<ClauseResult<'p>, Failure> {
        let set = self.set;
        let program = &set.programs[inst.pi];
        let clause = &program.clauses[inst.ci];
        let mut funding = Vec::new();
        // A policy that splits per subject shows its payers in the totals only.
        let per_award = program.header.split == Split::PerAward;
        if per_award && settlement.shares_into(set, i, shares, work)? {
            let g = set.groups().of_clause(inst.pi, inst.ci);
            funding = set
                .groups()
                .funding(g)
                .iter()
                .zip(shares.iter())
                .map(|((payer, _), amount)| Share {
                    payer: payer.as_str(),
                    amount: *amount,
                })
                .collect();
            T::step(&mut inst, || {
                let parts: Vec<String> = funding
                    .iter()
                    .map(|s: &Share<'_>| format!("{} {}", s.payer, format::amount(s.amount)))
                    .collect();
                step("funding", parts.join(" / "), None, None)
            });
        }
        pro_rata_note::<T>(program, &mut inst);
        let words = inst.words.map(|w| *w).unwrap_or_default();
        let (stages, deferred) = match inst.stages {
            Some(s) => (s.list, Some(s.deferred)),
            None => (Vec::new(), None),
        };
        Ok(ClauseResult {
            at: (inst.pi, inst.ci),
            policy: program.header.document.as_str(),
            clause: clause.name.as_str(),
            claim: inst
                .claim
                .and_then(|c| bound[inst.pi].claims.get(c))
                .map(|c| c.id.clone()),
            year: inst.year,
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
            stages,
            deferred,
        })
    }
}

/// Says of an award counted against a budget reduced pro rata (`pro_rata`) that one subject's
/// decision cannot apply the reduction: only a simulation knows the year's total. In the
/// reason (when the award has none) and as a step of the explanation.
/// A staged award's stages paid now count in the years of their own dates.
fn pro_rata_note<T: Tracer>(program: &crate::compile::Program, inst: &mut Verdict) {
    use chrono::Datelike;
    let pro_rata = &program.header.pro_rata;
    if inst.outcome != Outcome::Awarded || pro_rata.is_empty() {
        return;
    }
    let event = [inst.date.year()];
    let years = match &inst.stages {
        Some(s) if !s.years.is_empty() => s.years.as_slice(),
        _ => &event[..],
    };
    let reduced: Vec<String> = years
        .iter()
        .filter(|y| pro_rata.contains(y))
        .map(i32::to_string)
        .collect();
    if reduced.is_empty() {
        return;
    }
    let (years, budgets) = (
        reduced.join(" and "),
        if reduced.len() > 1 {
            "budgets"
        } else {
            "budget"
        },
    );
    let note = || {
        format!(
            "counted against the {years} {budgets} of {}, reduced pro rata (按比例核减) when a year's awards overrun it: `pol simulate` over the whole population applies it; this amount is before any reduction",
            program.header.document
        )
    };
    if inst.words.as_ref().is_none_or(|w| w.reason.is_none()) {
        T::reason(inst, note);
    }
    T::step(inst, || step("budget", note(), None, None));
}
