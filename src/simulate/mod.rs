//! Simulation: a policy set over a whole population, row by row, with a summary.
//!
//! Input: records (one per row of a CSV or JSON Lines file) of subjects sorted by id, the rows of
//! one subject next to each other. Output: for each row its clause outcomes and amounts, total and
//! payer shares, in input order; and a [`Summary`] with exact sums. Guarantee: the same
//! evaluation as `pol eval` (one subject's rows form its facts); a subject out of order is an
//! error, never a silently split subject; a bad row is counted and reported with its line.

pub mod input;
pub mod summary;

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::compile::Kind;
use crate::eval::decision::{Decision, Outcome};
use crate::eval::facts::{ClaimFacts, FactValue, Facts};
use crate::eval::{Amount, Evaluator};
pub use input::{BadRow, Columns, Record};
pub use summary::Summary;

/// One output row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowResult {
    /// The input line.
    pub line: u64,
    /// The subject id.
    pub subject: String,
    /// The claim id, if the row is a claim.
    pub claim: Option<String>,
    /// Per clause (in [`Layout::clauses`] order): the outcome and the paid amount, for the
    /// results that belong to this row.
    pub clauses: Vec<Option<(Outcome, Amount)>>,
    /// The row's total paid.
    pub total: Amount,
    /// Per payer (in [`Layout::payers`] order).
    pub payers: Vec<Amount>,
}

/// The columns of the output: every clause of every policy and every payer.
#[derive(Clone, Debug)]
pub struct Layout {
    /// `(document, clause)` in policy and clause order.
    pub clauses: Vec<(String, String)>,
    /// Payers in order of first appearance.
    pub payers: Vec<String>,
    /// Each policy's payers and shares, by document.
    pub funding: BTreeMap<String, Vec<(String, Decimal)>>,
}

impl Layout {
    /// The layout of an evaluator's policy set.
    pub fn of(ev: &Evaluator<'_>) -> Layout {
        let mut clauses = Vec::new();
        let mut payers: Vec<String> = Vec::new();
        let mut funding = BTreeMap::new();
        for p in ev.policies().programs() {
            funding.insert(p.header.document.clone(), p.header.funding.clone());
            for c in &p.clauses {
                clauses.push((p.header.document.clone(), c.name.clone()));
            }
            for (payer, _) in &p.header.funding {
                if !payers.contains(payer) {
                    payers.push(payer.clone());
                }
            }
        }
        Layout {
            clauses,
            payers,
            funding,
        }
    }

    /// Column titles: `line,subject,claim,total,<payers>,<clause>,<clause>:outcome,...`.
    /// Clause columns carry the document when several policies are simulated together.
    pub fn header(&self) -> Vec<String> {
        let several = self.clauses.iter().any(|(d, _)| d != &self.clauses[0].0);
        let mut h = vec![
            "line".to_string(),
            "subject".to_string(),
            "claim".to_string(),
            "total".to_string(),
        ];
        h.extend(self.payers.iter().cloned());
        for (doc, clause) in &self.clauses {
            let name = if several {
                format!("{doc}/{clause}")
            } else {
                clause.clone()
            };
            h.push(name.clone());
            h.push(format!("{name}:outcome"));
        }
        h
    }
}

/// A problem with one row or subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The input line.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// One subject's rows, ready to evaluate.
#[derive(Clone, Debug)]
pub struct SubjectRows {
    /// The subject id.
    pub id: String,
    /// Its rows in input order.
    pub rows: Vec<Record>,
    /// Its rows that could not be read: the subject is then not evaluated, rather than
    /// evaluated without them.
    pub bad: Vec<RowError>,
}

/// Builds a subject's facts from its rows: subject attributes from the first row, one claim per
/// row when the rows carry claim ids.
pub fn facts_of(
    subject: &mut SubjectRows,
    kind: Kind,
    columns: &Columns,
) -> Result<Facts, RowError> {
    // The values move into the facts: a row's attributes are read once.
    let attributes: BTreeMap<String, FactValue> = std::mem::take(&mut subject.rows[0].subject)
        .into_iter()
        .collect();
    let mut claims = Vec::new();
    let several = subject.rows.len() > 1;
    for r in subject.rows.iter_mut() {
        match (&r.claim_id, r.claim_date) {
            (Some(id), Some(date)) => claims.push(ClaimFacts {
                id: id.clone(),
                date,
                attributes: std::mem::take(&mut r.claim).into_iter().collect(),
            }),
            (Some(_), None) => {
                return Err(RowError {
                    line: r.line,
                    message: format!("the claim has no date in column `{}`", columns.claim_date),
                })
            }
            (None, _) if several => {
                return Err(RowError {
                    line: r.line,
                    message: format!(
                        "subject `{}` has several rows but this one has no claim id in column `{}`",
                        subject.id, columns.claim_id
                    ),
                })
            }
            (None, _) => {}
        }
    }
    if claims.len() > 1 {
        let mut ids: Vec<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(RowError {
                line: subject.rows[0].line,
                message: format!(
                    "subject `{}` has two claims with the id `{}`",
                    subject.id, w[0]
                ),
            });
        }
    }
    Ok(Facts {
        kind,
        id: subject.id.as_str().into(),
        attributes,
        claims,
    })
}

/// Distributes a subject's decision over its rows.
pub fn rows_of(subject: &SubjectRows, decision: &Decision<'_>, layout: &Layout) -> Vec<RowResult> {
    let mut out: Vec<RowResult> = subject
        .rows
        .iter()
        .map(|r| RowResult {
            line: r.line,
            subject: subject.id.clone(),
            claim: r.claim_id.clone(),
            clauses: vec![None; layout.clauses.len()],
            total: Amount::ZERO,
            payers: vec![Amount::ZERO; layout.payers.len()],
        })
        .collect();
    // Per row, the totals of policies that split per subject, split once at the end.
    let programs = decision_programs(decision);
    let mut row_policy: Vec<BTreeMap<&str, Amount>> = vec![BTreeMap::new(); out.len()];
    for c in &decision.clauses {
        let row = match &c.claim {
            Some(id) => out
                .iter()
                .position(|r| r.claim.as_deref() == Some(id.as_str()))
                .unwrap_or(0),
            None => 0,
        };
        let Some(col) = layout
            .clauses
            .iter()
            .position(|(d, n)| d == c.policy && n == c.clause)
        else {
            continue;
        };
        let paid = c.paid.unwrap_or(Amount::ZERO);
        let r = &mut out[row];
        r.clauses[col] = Some((c.outcome, paid));
        if c.outcome == Outcome::Awarded {
            r.total = r.total + paid;
            for s in &c.funding {
                if let Some(p) = layout.payers.iter().position(|x| x == s.payer) {
                    r.payers[p] = r.payers[p] + s.amount;
                }
            }
            if c.funding.is_empty() && programs.contains(&c.policy) {
                let e = row_policy[row].entry(c.policy).or_insert(Amount::ZERO);
                *e = *e + paid;
            }
        }
    }
    for (r, totals) in out.iter_mut().zip(row_policy) {
        for (policy, total) in totals {
            let Some(funding) = layout.funding.get(policy) else {
                continue;
            };
            for share in crate::eval::split_amount(total, funding) {
                if let Some(p) = layout.payers.iter().position(|x| x == share.payer) {
                    r.payers[p] = r.payers[p] + share.amount;
                }
            }
        }
    }
    out
}

/// The documents of the policies in a decision that split per subject.
fn decision_programs<'a>(decision: &Decision<'a>) -> Vec<&'a str> {
    decision
        .totals
        .per_policy
        .iter()
        .filter(|p| p.split_per_subject)
        .map(|p| p.policy)
        .collect()
}

/// Evaluates one subject; an error names the line to blame.
pub fn simulate_subject<'p>(
    ev: &'p Evaluator<'p>,
    subject: &mut SubjectRows,
    kind: Kind,
    columns: &Columns,
    layout: &Layout,
    summary: &mut Summary,
) -> Result<Vec<RowResult>, RowError> {
    let facts = facts_of(subject, kind, columns)?;
    let decision = ev.evaluate(&facts).map_err(|problems| RowError {
        line: subject.rows[0].line,
        message: problems
            .iter()
            .filter(|p| p.is_error())
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect::<Vec<_>>()
            .join("; "),
    })?;
    summary.add(&decision, subject.rows.len());
    Ok(rows_of(subject, &decision, layout))
}

/// Compares subject ids in their natural order: numerically when both are whole numbers.
pub fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// An amount as written in output files: plain, two decimals at least, no separators.
pub fn amount_text(a: Amount) -> String {
    let fmt = |d: Decimal| {
        let mut v = d.normalize();
        if v.scale() < 2 {
            v.rescale(2);
        }
        v.to_string()
    };
    match a {
        Amount::Exact(d) => fmt(d),
        Amount::Range { min, max } => format!("{}..{}", fmt(min), fmt(max)),
    }
}
