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
pub mod deferred;
pub mod history;
pub mod input;
pub mod output;
pub mod pro_rata;
mod problem;
pub mod run;
pub mod summary;
mod tally;

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::compile::Kind;
use crate::eval::decision::Outcome;
use crate::eval::facts::{Bound, ClaimFacts, FactProblem, FactValue, Facts};
use crate::eval::{Amount, Evaluator, Failure, Settlement, ShareBuffers, Verdict};
use crate::problem::ProblemCode;
pub use columns::{check_titles, default_columns, parse_columns, Column};
pub use input::{BarePercentColumn, Columns, IgnoredColumn, Record};
pub use output::RowFormat;
pub use problem::{RowError, RowProblem, MAX_SUBJECT_ROWS};
pub use run::{
    End, HistorySource, PopulationFormat, Report, SimulateError, Simulation, SimulationOptions,
    DEFAULT_CHUNK, MAX_REPORTED_ERRORS, MAX_THREADS,
};
pub use summary::Summary;

/// One output row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
    /// Staged awards of this row: the clause (in [`Layout::clauses`] order) and what its
    /// deferred stages come to (empty for most rows).
    pub deferred: Vec<(usize, Amount)>,
    /// Per clause (in [`Layout::clauses`] order, as far as any is given): what an award reduced
    /// pro rata was before (`pro_rata` budgets); empty when nothing on the row was reduced.
    pub before: Vec<Option<Amount>>,
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
    /// Per funding group: the column in `payers` of each of its payers, in its `funding`
    /// order.
    payer_columns: Vec<Vec<usize>>,
    /// Per policy and clause: its funding group.
    groups: Vec<Vec<usize>>,
    /// Per policy: the column of its first clause in `clauses`.
    offsets: Vec<usize>,
    /// Whether a clause pays in stages (rows then carry what is deferred).
    staged: bool,
    /// Per clause (in `clauses` order): whether its policy has a budget line reduced pro rata,
    /// so that its rows show what its awards were before (`CLAUSE:before_pro_rata`).
    pub reduced: Vec<bool>,
}

impl Layout {
    /// The layout of an evaluator's policy set.
    pub fn of(ev: &Evaluator<'_>) -> Layout {
        let programs = ev.policies().programs();
        let mut clauses = Vec::new();
        let mut matters = Vec::new();
        let mut offsets = Vec::new();
        let mut reduced = Vec::new();
        for p in programs {
            offsets.push(clauses.len());
            for c in &p.clauses {
                reduced.push(!p.header.pro_rata.is_empty());
                clauses.push((p.header.document.clone(), c.name.clone()));
                matters.push(
                    p.matters
                        .get(c.matter as usize)
                        .cloned()
                        .unwrap_or_default(),
                );
            }
        }
        // The payers in the policy set's order, which its settlements' totals follow.
        let set = ev.policies();
        let payers = set.payers().to_vec();
        let g = set.groups();
        let payer_columns = (0..g.len()).map(|k| g.columns(k).to_vec()).collect();
        let groups = programs
            .iter()
            .enumerate()
            .map(|(pi, p)| (0..p.clauses.len()).map(|ci| g.of_clause(pi, ci)).collect())
            .collect();
        Layout {
            clauses,
            matters,
            payers,
            payer_columns,
            groups,
            offsets,
            staged: set.has_stages(),
            reduced,
        }
    }

    /// The column of a clause result in [`Layout::clauses`].
    pub(crate) fn column(&self, at: (usize, usize)) -> Option<usize> {
        let col = self.offsets.get(at.0)? + at.1;
        (col < self.clauses.len()).then_some(col)
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
        for (k, (doc, clause)) in self.clauses.iter().enumerate() {
            if self.reduced[k] {
                let name = if several {
                    format!("{doc}/{clause}")
                } else {
                    clause.clone()
                };
                h.push(format!("{name}:before_pro_rata"));
            }
        }
        h
    }
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
/// row when the rows carry claim ids; `programs` read the values rows must agree on.
pub fn facts_of(
    subject: &mut SubjectRows,
    kind: Kind,
    columns: &Columns,
    programs: &[crate::compile::Program],
) -> Result<Facts, RowError> {
    disagreeing_rows(subject, kind, programs)?;
    // The values move into the facts: a row's attributes are read once.
    let attributes: BTreeMap<String, FactValue> = std::mem::take(&mut subject.rows[0].subject)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let mut claims = Vec::new();
    let several = subject.rows.len() > 1;
    for r in subject.rows.iter_mut() {
        if let Some(p) = r
            .claim_id
            .as_deref()
            .and_then(|id| crate::eval::facts::claim_id_problem(id, "claim"))
        {
            return Err(row_error(r.line, &[p]));
        }
        match (&r.claim_id, r.claim_date) {
            (Some(id), Some(date)) => claims.push(ClaimFacts {
                id: id.clone(),
                date,
                item: r.item.take(),
                document: r.document.take(),
                attributes: std::mem::take(&mut r.claim)
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            }),
            (Some(_), None) => {
                let column = columns.claim_date.clone();
                return Err(RowError::new(r.line, RowProblem::NoClaimDate { column }));
            }
            (None, _) if several => {
                let problem = RowProblem::NoClaimId {
                    subject: subject.id.clone(),
                    column: columns.claim_id.clone(),
                };
                return Err(RowError::new(r.line, problem));
            }
            (None, _) => {}
        }
    }
    if claims.len() > 1 {
        // Compared as facts files compare them (`keys::key`): look-alike ids are one claim,
        // reported with the same code (F0108) and the lines of both.
        let mut first = crate::ids::ClaimIds::with_capacity(claims.len());
        for r in &subject.rows {
            let Some(id) = r.claim_id.as_deref() else {
                continue;
            };
            if let Some(at) = first.repeat(id, r.line) {
                let p = FactProblem::new(ProblemCode::DuplicateClaim, "claim.id")
                    .name(id)
                    .first_place(format!("line {at}"))
                    .place(format!("line {}", r.line));
                return Err(row_error(r.line, &[p]));
            }
        }
    }
    Ok(Facts {
        kind,
        id: subject.id.as_str().into(),
        attributes,
        claims,
        history: Vec::new(),
    })
}

/// Checks that the later rows of a subject give its inputs as the first row does, or not at all:
/// the first row's values are the ones used, so a different value on a claim row (or one the
/// first row leaves empty) would otherwise be dropped without a word. Values are compared as
/// the policies read them (`true` and `1`, `1,000元` and `1000元` are one value).
fn disagreeing_rows(
    subject: &SubjectRows,
    kind: Kind,
    programs: &[crate::compile::Program],
) -> Result<(), RowError> {
    let Some((first, rest)) = subject.rows.split_first() else {
        return Ok(());
    };
    let same = |name: &str, a: &FactValue, b: &FactValue| {
        a == b || crate::eval::facts::same_fact(programs, kind, name, a.as_ref(), b.as_ref())
    };
    for r in rest {
        for (name, value) in &r.subject {
            if *value == FactValue::Null {
                continue;
            }
            let on_first = first
                .subject
                .iter()
                .find(|(n, _)| n == name)
                .map_or(&FactValue::Null, |(_, v)| v);
            if same(name, on_first, value) {
                continue;
            }
            let shown = |v: &FactValue| match v {
                FactValue::Null => "empty".to_string(),
                v => crate::eval::facts::show_found(v.as_ref()),
            };
            let problem = FactProblem::new(ProblemCode::RowsDisagree, name.to_string())
                .name(name.to_string())
                .expected(shown(on_first))
                .found(shown(value))
                .place(format!("line {}", r.line));
            return Err(row_error(r.line, &[problem]));
        }
    }
    Ok(())
}

/// A row of a subject: its line and claim id.
pub type RowKey<'a> = (u64, Option<&'a str>);

/// A subject's output rows, reused from one subject to the next.
#[derive(Debug, Default)]
pub struct Rows {
    /// The rows, in input order.
    pub results: Vec<RowResult>,
    /// An award's payer shares, and the buffers that work them out.
    shares: Vec<Amount>,
    work: ShareBuffers,
}

/// A row's sum that the settlement already held: failing here is a bug in pol.
fn row_sum(a: Amount, b: Amount) -> Result<Amount, Failure> {
    (a + b)
        .ok_or_else(|| Failure::internal("a row's sum is larger than the subject's settled total"))
}

/// Distributes a subject's results (as [`Evaluator::decide_into`] leaves them) over its rows,
/// into `rows_out`: per row the clause outcomes and amounts, the total and the payers' shares.
/// A row's payer shares are the settlement's shares of the awards on that row, so the rows'
/// payer columns add up exactly to the subject's payer totals (and the summary's).
#[allow(clippy::too_many_arguments)]
pub fn rows_into(
    rows_out: &mut Rows,
    subject: &str,
    rows: &[RowKey<'_>],
    verdicts: &[Verdict],
    settlement: &Settlement,
    bound: &[Bound],
    ev: &Evaluator<'_>,
    layout: &Layout,
) -> Result<(), Failure> {
    let (shares, work) = (&mut rows_out.shares, &mut rows_out.work);
    let out = &mut rows_out.results;
    out.resize_with(rows.len(), RowResult::default);
    for (r, (line, claim)) in out.iter_mut().zip(rows) {
        r.line = *line;
        r.subject.clear();
        r.subject.push_str(subject);
        r.claim = claim.map(str::to_string);
        r.clauses.clear();
        r.clauses.resize(layout.clauses.len(), None);
        r.total = Amount::ZERO;
        r.payers.clear();
        r.payers.resize(layout.payers.len(), Amount::ZERO);
        r.deferred.clear();
        r.before.clear();
    }
    let index = RowIndex::new(rows);
    for (i, v) in verdicts.iter().enumerate() {
        let row = index.row_of(v, bound);
        let Some(col) = layout.column((v.pi, v.ci)) else {
            continue;
        };
        let paid = v.paid.unwrap_or(Amount::ZERO);
        let r = &mut out[row];
        add_cell(&mut r.clauses[col], v.outcome, paid).ok_or_else(|| {
            Failure::internal("a row's sum is larger than the subject's settled total")
        })?;
        if layout.staged {
            r.deferred.extend(v.deferred().map(|d| (col, d)));
        }
        if v.outcome != Outcome::Awarded {
            continue;
        }
        r.total = row_sum(r.total, paid)?;
        if !settlement.shares_into(ev.policies(), i, shares, work)? {
            return Err(Failure::internal("a paid award has no payer shares"));
        }
        let g = layout.groups[v.pi][v.ci];
        for (share, &c) in shares.iter().zip(&layout.payer_columns[g]) {
            r.payers[c] = row_sum(r.payers[c], *share)?;
        }
    }
    Ok(())
}

/// Rows looked through one by one for a claim's row; past this many, a map finds it.
const FEW_ROWS: usize = 8;

/// Finds the row a verdict is written on among a subject's rows: looked through when there
/// are few, through a map when there are many (a subject may have tens of thousands of claims,
/// each with several verdicts: a scan per verdict made that quadratic).
pub(crate) struct RowIndex<'r> {
    rows: &'r [RowKey<'r>],
    by_id: Option<std::collections::HashMap<&'r str, usize>>,
}

impl<'r> RowIndex<'r> {
    /// The index of `rows`.
    pub(crate) fn new(rows: &'r [RowKey<'r>]) -> RowIndex<'r> {
        let by_id = (rows.len() > FEW_ROWS).then(|| {
            let mut map = std::collections::HashMap::with_capacity(rows.len());
            for (i, (_, c)) in rows.iter().enumerate() {
                if let Some(c) = c {
                    map.entry(*c).or_insert(i);
                }
            }
            map
        });
        RowIndex { rows, by_id }
    }

    /// The row verdict `v` is written on: its claim's row (the first with its id), or the
    /// first row.
    pub(crate) fn row_of(&self, v: &Verdict, bound: &[Bound]) -> usize {
        let Some(k) = v.claim else {
            return 0;
        };
        let id = bound[v.pi].claims.get(k).map(|c| c.id.as_str());
        #[cfg(test)]
        tests::ROW_LOOKUPS.with(|n| n.set(n.get() + 1));
        match (&self.by_id, id) {
            (Some(map), Some(id)) => map.get(id).copied().unwrap_or(0),
            _ => {
                #[cfg(test)]
                tests::ROW_PROBES.with(|n| n.set(n.get() + self.rows.len() as u64));
                self.rows.iter().position(|(_, c)| *c == id).unwrap_or(0)
            }
        }
    }
}

/// [`rows_into`] for a subject of one row without claims: its total and payer shares are the
/// settlement's.
pub fn one_row_into(
    rows_out: &mut Rows,
    row: (u64, &str),
    verdicts: &[Verdict],
    settlement: &Settlement,
    layout: &Layout,
) -> Result<(), Failure> {
    let out = &mut rows_out.results;
    out.resize_with(1, RowResult::default);
    let r = &mut out[0];
    r.line = row.0;
    r.subject.clear();
    r.subject.push_str(row.1);
    r.claim = None;
    r.clauses.clear();
    r.clauses.resize(layout.clauses.len(), None);
    r.deferred.clear();
    for v in verdicts {
        if let Some(col) = layout.column((v.pi, v.ci)) {
            let paid = v.paid.unwrap_or(Amount::ZERO);
            add_cell(&mut r.clauses[col], v.outcome, paid).ok_or_else(|| {
                Failure::internal("a row's sum is larger than the subject's settled total")
            })?;
            if layout.staged {
                r.deferred.extend(v.deferred().map(|d| (col, d)));
            }
        }
    }
    r.total = settlement.total();
    r.payers.clear();
    r.payers.extend_from_slice(settlement.payer_totals());
    r.before.clear();
    Ok(())
}

/// Adds a result to its clause's cell of a row. A clause paid for each year of a run has one
/// cell: the sum of what its years pay, `awarded` when any year is paid, else the outcome of
/// its first year. `None` when the sum cannot be held (it is part of the subject's settled
/// total, which can).
fn add_cell(cell: &mut Option<(Outcome, Amount)>, outcome: Outcome, paid: Amount) -> Option<()> {
    let awarded = outcome == Outcome::Awarded;
    *cell = Some(match *cell {
        None => (outcome, paid),
        Some((Outcome::Awarded, before)) if awarded => (outcome, (before + paid)?),
        Some(first @ (Outcome::Awarded, _)) => first,
        Some(_) if awarded => (outcome, paid),
        Some(first) => first,
    });
    Some(())
}

/// The error of a row whose values do not fit their declarations.
pub(crate) fn row_error(line: u64, problems: &[FactProblem]) -> RowError {
    RowError::new(line, RowProblem::facts(problems))
}

/// Compares subject ids in the order a population and a history are sorted in. Ids are text:
/// two ids are one subject exactly when their compared forms ([`crate::keys::key`]) are equal,
/// so `01` and `1` are two subjects (leading zeros are significant in many registers) and a
/// grant for one never reaches the other. The order: whole numbers (ASCII digits only) first,
/// by value, and ids of equal value by their text (`01` before `1`); then every other id by its
/// compared form. This is a total order, so a sorted file always exists.
pub fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (whole_number(a), whole_number(b)) {
        (Some(x), Some(y)) => x
            .len()
            .cmp(&y.len())
            .then_with(|| x.cmp(y))
            .then_with(|| a.cmp(b)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => crate::keys::key(a).cmp(&crate::keys::key(b)),
    }
}

/// The significant digits of an id that is a whole number (ASCII digits only, no sign), if it
/// is one: compared by length, then as text, they are compared by value at any length.
fn whole_number(id: &str) -> Option<&str> {
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.trim_start_matches('0'))
}

/// Money as written in output files and summaries: the canonical form of
/// [`crate::eval::format::canonical`].
pub fn money_places(d: Decimal) -> Decimal {
    crate::eval::format::canonical_decimal(d)
}

/// An amount as written in output files: plain, two decimals at least, no separators.
pub fn amount_text(a: Amount) -> String {
    match a.map(money_places) {
        Amount::Exact(d) => d.to_string(),
        Amount::Range { min, max } => format!("{min}..{max}"),
    }
}

#[cfg(test)]
mod tests;
