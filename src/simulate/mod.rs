//! Simulation: a policy set over a whole population, row by row, with a summary.
//!
//! Input: records (one per row of a CSV or JSON Lines file) of subjects sorted by id, the rows of
//! one subject next to each other. Output: for each row its clause outcomes and amounts, total and
//! payer shares, in input order; and a [`Summary`] with exact sums. Guarantee: the same
//! evaluation as `pol eval` (one subject's rows form its facts); a subject out of order is an
//! error, never a silently split subject; a bad row is counted and reported with its line.

pub mod batch;
pub mod chunks;
pub mod columns;
pub mod input;
pub mod output;
pub mod summary;

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::compile::Kind;
use crate::eval::decision::{Decision, Outcome};
use crate::eval::facts::{ClaimFacts, FactValue, Facts};
use crate::eval::{Amount, Evaluator};
pub use columns::{default_columns, parse_columns, Column};
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
    /// The matter of each clause, in [`Layout::clauses`] order.
    pub matters: Vec<String>,
    /// Payers in order of first appearance.
    pub payers: Vec<String>,
    /// Per policy (in policy-set order): its payers and shares.
    pub funding: Vec<Vec<(String, Decimal)>>,
    /// Per policy: the column in `payers` of each of its payers, in `funding` order.
    payer_columns: Vec<Vec<usize>>,
    /// Per policy: the column of its first clause in `clauses`.
    offsets: Vec<usize>,
    /// Per policy: whether it splits a subject's total once (`split per_subject`).
    per_subject: Vec<bool>,
}

impl Layout {
    /// The layout of an evaluator's policy set.
    pub fn of(ev: &Evaluator<'_>) -> Layout {
        let programs = ev.policies().programs();
        let mut clauses = Vec::new();
        let mut matters = Vec::new();
        let mut payers: Vec<String> = Vec::new();
        let mut offsets = Vec::new();
        for p in programs {
            offsets.push(clauses.len());
            for c in &p.clauses {
                clauses.push((p.header.document.clone(), c.name.clone()));
                matters.push(
                    p.matters
                        .get(c.matter as usize)
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            for (payer, _) in &p.header.funding {
                if !payers.contains(payer) {
                    payers.push(payer.clone());
                }
            }
        }
        let funding: Vec<Vec<(String, Decimal)>> =
            programs.iter().map(|p| p.header.funding.clone()).collect();
        let payer_columns = funding
            .iter()
            .map(|f| {
                f.iter()
                    .map(|(payer, _)| payers.iter().position(|x| x == payer).unwrap_or(0))
                    .collect()
            })
            .collect();
        Layout {
            clauses,
            matters,
            payers,
            funding,
            payer_columns,
            offsets,
            per_subject: programs
                .iter()
                .map(|p| p.header.split == crate::ast::Split::PerSubject)
                .collect(),
        }
    }

    /// The column of a clause result in [`Layout::clauses`].
    fn column(&self, at: (usize, usize)) -> Option<usize> {
        let col = self.offsets.get(at.0)? + at.1;
        (col < self.clauses.len()).then_some(col)
    }

    /// The column of `payer` of policy `pi` in [`Layout::payers`].
    fn payer_column(&self, pi: usize, payer: &str) -> Option<usize> {
        let k = self.funding.get(pi)?.iter().position(|(p, _)| p == payer)?;
        self.payer_columns[pi].get(k).copied()
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
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let mut claims = Vec::new();
    let several = subject.rows.len() > 1;
    for r in subject.rows.iter_mut() {
        match (&r.claim_id, r.claim_date) {
            (Some(id), Some(date)) => claims.push(ClaimFacts {
                id: id.clone(),
                date,
                attributes: std::mem::take(&mut r.claim)
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
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
    // Per row and policy, the totals of policies that split per subject, split once at the end.
    let policies = layout.offsets.len();
    let mut row_policy: Vec<Vec<Amount>> = vec![vec![Amount::ZERO; policies]; out.len()];
    for c in &decision.clauses {
        let row = match &c.claim {
            Some(id) => out
                .iter()
                .position(|r| r.claim.as_deref() == Some(id.as_str()))
                .unwrap_or(0),
            None => 0,
        };
        let Some(col) = layout.column(c.at) else {
            continue;
        };
        let paid = c.paid.unwrap_or(Amount::ZERO);
        let r = &mut out[row];
        r.clauses[col] = Some((c.outcome, paid));
        if c.outcome == Outcome::Awarded {
            r.total = r.total + paid;
            for s in &c.funding {
                if let Some(p) = layout.payer_column(c.at.0, s.payer) {
                    r.payers[p] = r.payers[p] + s.amount;
                }
            }
            if c.funding.is_empty() && layout.per_subject.get(c.at.0) == Some(&true) {
                let t = &mut row_policy[row][c.at.0];
                *t = *t + paid;
            }
        }
    }
    for (r, totals) in out.iter_mut().zip(row_policy) {
        for (pi, total) in totals.into_iter().enumerate() {
            if total == Amount::ZERO || layout.per_subject.get(pi) != Some(&true) {
                continue;
            }
            for share in crate::eval::split_amount(total, &layout.funding[pi]) {
                if let Some(p) = layout.payer_column(pi, share.payer) {
                    r.payers[p] = r.payers[p] + share.amount;
                }
            }
        }
    }
    out
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
    // Columns that are not inputs were reported once, from the header: binding and deciding
    // is all a row needs.
    let bound = ev
        .bind(&facts)
        .map_err(|problems| row_error(subject.rows[0].line, &problems))?;
    let decision = ev.decide_bound(facts.kind, &facts.id, &bound);
    summary.add(&decision, subject.rows.len());
    Ok(rows_of(subject, &decision, layout))
}

/// The error of a row whose values do not fit their declarations.
pub(crate) fn row_error(line: u64, problems: &[crate::eval::facts::FactProblem]) -> RowError {
    let mut seen: Vec<&crate::eval::facts::FactProblem> = Vec::new();
    for p in problems.iter().filter(|p| p.is_error()) {
        // The same field declared by several policies is reported once.
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    RowError {
        line,
        message: seen
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect::<Vec<_>>()
            .join("; "),
    }
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
