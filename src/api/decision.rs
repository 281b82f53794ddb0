//! The decision as the library gives it: owned, so it outlives the policy set, serializable.
//!
//! Input: the evaluator's decision, which borrows names and citations from its policy set.
//! Output: a [`Decision`] holding its own copies. Guarantee: it is the same decision: its JSON
//! and its text are those of the evaluator's decision (both are written through a borrowed
//! view of it, so there is one serialization and one rendering).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use crate::compile::Kind;
use crate::eval::decision::{self as eval, Adjustment, Citation, Step};
use crate::eval::stages::StageResult;
use crate::eval::{Amount, FactProblem, Outcome};

/// What a subject gets under a policy set, and why: every clause's outcome, amount and payers,
/// and the totals. Its JSON is `pol eval --format json`'s (without the policies' warnings).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decision {
    /// Who.
    pub subject: Subject,
    /// The evaluation date.
    pub date: NaiveDate,
    /// One result per clause that applies to the subject's kind (per claim for per-claim
    /// clauses), in evaluation order.
    pub clauses: Vec<ClauseResult>,
    /// Totals.
    pub totals: Totals,
    /// Every cap and limit the awards met, with how much more could still be paid under it
    /// after this decision (the history of past grants counted).
    pub headroom: Vec<crate::eval::history::Headroom>,
    /// Warnings about the facts (attributes no policy uses, keys the format does not know).
    pub warnings: Vec<FactProblem>,
}

/// The subject a decision is about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Subject {
    /// Its kind.
    pub kind: Kind,
    /// Its id.
    pub id: String,
}

/// The result of one clause for the subject or one of its claims.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClauseResult {
    /// The policy's position in the set and the clause's in its policy.
    at: (usize, usize),
    /// The policy's document number.
    pub policy: String,
    /// The clause's name.
    pub clause: String,
    /// The claim, for per-claim clauses.
    pub claim: Option<String>,
    /// The year of the clause's run, for clauses paid each year of a run.
    pub year: Option<i32>,
    /// The date the clause was evaluated at (the claim's date, or the evaluation date).
    pub event_date: NaiveDate,
    /// Where it comes from.
    pub citation: Citation,
    /// What happened.
    pub outcome: Outcome,
    /// Why, in words (the failed condition, the missing input, the arithmetic fault).
    pub reason: Option<String>,
    /// The award after per-claim caps and rounding, before subject caps, non-cumulation and
    /// limits.
    pub assessed: Option<Amount>,
    /// What is paid.
    pub paid: Option<Amount>,
    /// For undetermined clauses: the most the award could be, when known.
    pub upper_bound: Option<Decimal>,
    /// For undetermined clauses: the inputs and parameters it waits for.
    pub needs: Vec<String>,
    /// Changes after assessment (subject caps, non-cumulation, limits).
    pub adjustments: Vec<Adjustment>,
    /// The paid amount split among the payers.
    pub funding: Vec<Share>,
    /// The explanation, when asked for.
    pub trace: Vec<Step>,
    /// For a staged award: each stage, its amount and whether it is paid now.
    pub stages: Vec<StageResult>,
    /// For a staged award: what its deferred stages come to.
    pub deferred: Option<Amount>,
}

/// One payer's part of an amount.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Share {
    /// The payer.
    pub payer: String,
    /// Its part.
    pub amount: Amount,
}

/// A total for one policy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyTotal {
    /// Document number.
    pub policy: String,
    /// Paid under it.
    pub paid: Amount,
    /// The most its undetermined clauses could add, where known.
    pub undetermined_upper_bound: Decimal,
    /// How many of its clauses are undetermined.
    pub undetermined: usize,
    /// Whether the policy splits each subject's total among its payers once (its clauses then
    /// carry no funding of their own).
    pub split_per_subject: bool,
}

/// All totals.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Totals {
    /// Paid overall.
    pub paid: Amount,
    /// Per policy.
    pub per_policy: Vec<PolicyTotal>,
    /// Per payer (a payer named by several policies is one line).
    pub per_payer: Vec<Share>,
    /// How many clause results are undetermined.
    pub undetermined: usize,
    /// What deferred stages of staged awards come to (not paid now).
    pub deferred: Amount,
}

fn share(s: &eval::Share<'_>) -> Share {
    Share {
        payer: s.payer.to_string(),
        amount: s.amount,
    }
}

fn share_view(s: &Share) -> eval::Share<'_> {
    eval::Share {
        payer: &s.payer,
        amount: s.amount,
    }
}

impl From<eval::Decision<'_>> for Decision {
    fn from(d: eval::Decision<'_>) -> Decision {
        let clauses = d
            .clauses
            .into_iter()
            .map(|c| ClauseResult {
                at: c.at,
                policy: c.policy.to_string(),
                clause: c.clause.to_string(),
                claim: c.claim,
                year: c.year,
                event_date: c.event_date,
                citation: c.citation.clone(),
                outcome: c.outcome,
                reason: c.reason,
                assessed: c.assessed,
                paid: c.paid,
                upper_bound: c.upper_bound,
                needs: c.needs,
                adjustments: c.adjustments,
                funding: c.funding.iter().map(share).collect(),
                trace: c.trace,
                stages: c.stages,
                deferred: c.deferred,
            })
            .collect();
        let per_policy = d
            .totals
            .per_policy
            .iter()
            .map(|p| PolicyTotal {
                policy: p.policy.to_string(),
                paid: p.paid,
                undetermined_upper_bound: p.undetermined_upper_bound,
                undetermined: p.undetermined,
                split_per_subject: p.split_per_subject,
            })
            .collect();
        Decision {
            subject: Subject {
                kind: d.subject.kind,
                id: d.subject.id.to_string(),
            },
            date: d.date,
            clauses,
            totals: Totals {
                paid: d.totals.paid,
                per_policy,
                per_payer: d.totals.per_payer.iter().map(share).collect(),
                undetermined: d.totals.undetermined,
                deferred: d.totals.deferred,
            },
            headroom: d.headroom,
            warnings: d.warnings,
        }
    }
}

impl Decision {
    /// The evaluator's form of this decision, borrowing from it: what is written and rendered.
    pub(crate) fn view(&self) -> eval::Decision<'_> {
        let clauses = self
            .clauses
            .iter()
            .map(|c| eval::ClauseResult {
                at: c.at,
                policy: &c.policy,
                clause: &c.clause,
                claim: c.claim.clone(),
                year: c.year,
                event_date: c.event_date,
                citation: &c.citation,
                outcome: c.outcome,
                reason: c.reason.clone(),
                assessed: c.assessed,
                paid: c.paid,
                upper_bound: c.upper_bound,
                needs: c.needs.clone(),
                adjustments: c.adjustments.clone(),
                funding: c.funding.iter().map(share_view).collect(),
                trace: c.trace.clone(),
                stages: c.stages.clone(),
                deferred: c.deferred,
            })
            .collect();
        let per_policy = self
            .totals
            .per_policy
            .iter()
            .map(|p| eval::PolicyTotal {
                policy: &p.policy,
                paid: p.paid,
                undetermined_upper_bound: p.undetermined_upper_bound,
                undetermined: p.undetermined,
                split_per_subject: p.split_per_subject,
            })
            .collect();
        eval::Decision {
            subject: eval::SubjectRef {
                kind: self.subject.kind,
                id: self.subject.id.as_str().into(),
            },
            date: self.date,
            clauses,
            totals: eval::Totals {
                paid: self.totals.paid,
                per_policy,
                per_payer: self.totals.per_payer.iter().map(share_view).collect(),
                undetermined: self.totals.undetermined,
                deferred: self.totals.deferred,
            },
            headroom: self.headroom.clone(),
            warnings: self.warnings.clone(),
        }
    }

    /// The decision as text for policy staff, as `pol eval` prints it: one heading per clause
    /// result (citation, outcome, amount) with its reason, or with `explain` every step of
    /// its explanation (when the options asked for one), then the totals per policy and
    /// payer. Hidden characters of ids and names are escaped.
    ///
    /// ```
    /// let text = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
    /// let set = pol::PolicySet::compile(&[("15号.pol", &text)]).unwrap();
    /// let facts = pol::Facts::from_json(
    ///     r#"{"kind": "enterprise", "id": "E1", "attributes": {"首次认定高新技术企业": true}}"#,
    /// ).unwrap();
    /// let decision = set.evaluate(&facts, &pol::Options::on("2024-05-01".parse().unwrap())).unwrap();
    /// let shown = decision.render(false);
    /// assert!(shown.starts_with("enterprise E1 on 2024-05-01"));
    /// assert!(shown.contains("total paid:"));
    /// ```
    pub fn render(&self, explain: bool) -> String {
        crate::eval::render::human(&self.view(), explain)
    }
}

impl Serialize for Decision {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.view().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Facts, Options};

    #[test]
    fn the_owned_decision_writes_and_renders_as_the_evaluators() {
        let text = include_str!("../../policies/jiazhengfa-2023-15.pol");
        let set = crate::PolicySet::compile(&[("15号", text)]).unwrap();
        let set = set.inner();
        let (facts, _) = Facts::from_json(
            r#"{"kind": "institution", "id": "I1", "attributes": {"科技中介机构": true},
                "claims": [{"id": "C1", "date": "2024-03-01", "item": "技术转移", "attributes":
                    {"项目类别": "技术开发", "通过评审": true, "实付合同金额": "200万元"}}]}"#,
        )
        .unwrap();
        let options = Options::on("2024-12-31".parse().unwrap());
        let borrowed = set
            .evaluator::<crate::eval::Explain>(&options)
            .unwrap()
            .evaluate(&facts)
            .unwrap();
        let owned = Decision::from(borrowed.clone());
        assert!(owned.totals.paid.max() > Decimal::ZERO);
        assert!(owned.clauses.iter().any(|c| !c.funding.is_empty()));
        assert_eq!(
            serde_json::to_value(&owned).unwrap(),
            serde_json::to_value(&borrowed).unwrap()
        );
        for explain in [false, true] {
            assert_eq!(
                owned.render(explain),
                crate::eval::render::human(&borrowed, explain)
            );
        }
        assert_eq!(owned.view(), borrowed);
    }
}
