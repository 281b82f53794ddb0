//! The columns of a simulation's per-row output, chosen with `--columns`.
//!
//! Input: a list such as `firm=subject,a=rule_a:eligible,matter:B,total,市级财政` and the
//! [`Layout`] of the simulated policies. Output: the [`Column`]s to write, each with its title.
//! Guarantee: every name is checked against the policies before a row is read (an unknown name
//! is an error with the closest known one); a matter column adds exactly the clause amounts a
//! row already carries, so it cannot disagree with the clause columns.

use super::Layout;
use crate::check::closest;
use crate::eval::format::escape;

/// What one output column holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    /// The input line.
    Line,
    /// The subject id.
    Subject,
    /// The claim id.
    Claim,
    /// The row's total paid.
    Total,
    /// Why the row could not be evaluated (empty for good rows).
    Error,
    /// The problem code of a row that could not be evaluated (empty for good rows).
    Code,
    /// A payer's share, by its index in [`Layout::payers`].
    Payer(usize),
    /// The sum paid under these clauses (indices in [`Layout::clauses`]).
    Paid(Vec<usize>),
    /// A clause's outcome (`awarded`, `not_eligible`, ...).
    Outcome(usize),
    /// `1` when any of these clauses' conditions held (awarded, superseded or deferred), else
    /// `0`.
    Eligible(Vec<usize>),
    /// What a staged clause's deferred stages come to (`0.00` for a clause paid at once).
    Deferred(usize),
    /// What a clause's award was before a budget reduced it pro rata (its paid amount when
    /// nothing was reduced).
    BeforeProRata(usize),
}

/// The default columns: line, subject, claim, total, every payer, every clause's amount and
/// outcome, then the error.
pub fn default_columns(layout: &Layout) -> Vec<(String, Column)> {
    let titles = layout.header();
    let mut cols = vec![Column::Line, Column::Subject, Column::Claim, Column::Total];
    cols.extend((0..layout.payers.len()).map(Column::Payer));
    for c in 0..layout.clauses.len() {
        cols.push(Column::Paid(vec![c]));
        cols.push(Column::Outcome(c));
    }
    // Clauses of policies with a budget reduced pro rata: what they paid before, as
    // `Layout::header` names them.
    cols.extend(
        (0..layout.clauses.len())
            .filter(|c| layout.reduced[*c])
            .map(Column::BeforeProRata),
    );
    let mut out: Vec<(String, Column)> = titles.into_iter().zip(cols).collect();
    out.push(("error".to_string(), Column::Error));
    out
}

/// Reads a `--columns` list: comma-separated `[TITLE=]NAME`, where NAME is `line`, `subject`,
/// `claim`, `total`, `error`, `code`, a payer, a clause (its paid amount), `CLAUSE:outcome`,
/// `CLAUSE:eligible`, `CLAUSE:deferred`, `CLAUSE:before_pro_rata`, `matter:M` (paid under matter M) or `matter:M:eligible`. A clause of one of
/// several policies is written `DOCUMENT/CLAUSE`. The title defaults to the name.
pub fn parse_columns(spec: &str, layout: &Layout) -> Result<Vec<(String, Column)>, String> {
    let several = layout
        .clauses
        .iter()
        .any(|(d, _)| d != &layout.clauses[0].0);
    let clause_names: Vec<String> = layout
        .clauses
        .iter()
        .map(|(doc, clause)| {
            if several {
                format!("{doc}/{clause}")
            } else {
                clause.clone()
            }
        })
        .collect();
    let mut out = Vec::new();
    for item in spec.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!(
                "`{spec}` has an empty column; separate names with one comma"
            ));
        }
        let (title, name) = match item.split_once('=') {
            Some((t, n)) => (t.trim(), n.trim()),
            None => (item, item),
        };
        if title.is_empty() {
            return Err(format!("`{item}` has an empty title before `=`"));
        }
        let column = column(name, layout, &clause_names)?;
        out.push((title.to_string(), column));
    }
    Ok(out)
}

/// The built-in columns by name: a title of one of these names must hold that column.
const BUILT_IN: [(&str, Column); 6] = [
    ("line", Column::Line),
    ("subject", Column::Subject),
    ("claim", Column::Claim),
    ("total", Column::Total),
    ("error", Column::Error),
    ("code", Column::Code),
];

/// Refuses output columns a reader would confuse: two columns with one title (a CSV reader
/// keyed by header, or a JSON reader keeping the last key, takes one for the other), or a title
/// naming a built-in column over another one (`total` holding a payer's share). Default
/// columns are checked too: a payer or clause named `total`, or a payer named like a clause,
/// would otherwise give a header with a name twice.
pub fn check_titles(columns: &[(String, Column)], layout: &Layout) -> Result<(), String> {
    let how = "choose the columns with --columns and give each a title of its own (`TITLE=NAME`; `payer:NAME` and `clause:NAME` name a payer or clause whose name is also a column's)";
    for (k, (title, col)) in columns.iter().enumerate() {
        if let Some((_, built_in)) = BUILT_IN.iter().find(|(n, _)| n == title) {
            if built_in != col {
                return Err(format!(
                    "the column titled `{}` would hold {}, not the {title}: a reader would take one for the other; {how}",
                    escape(title),
                    what(col, layout)
                ));
            }
        }
        if let Some((_, other)) = columns[..k].iter().find(|(t, _)| t == title) {
            return Err(format!(
                "two columns would be titled `{}` ({} and {}): a reader keyed by the header takes one for the other; {how}",
                escape(title),
                what(other, layout),
                what(col, layout)
            ));
        }
    }
    Ok(())
}

/// What a column holds, in words, for a message.
fn what(col: &Column, layout: &Layout) -> String {
    let clause = |c: &usize| {
        layout
            .clauses
            .get(*c)
            .map_or(String::new(), |(_, n)| escape(n).into_owned())
    };
    match col {
        Column::Line => "the line".to_string(),
        Column::Subject => "the subject".to_string(),
        Column::Claim => "the claim".to_string(),
        Column::Total => "the total".to_string(),
        Column::Error => "the error".to_string(),
        Column::Code => "the code".to_string(),
        Column::Payer(p) => format!(
            "the payer `{}`",
            layout.payers.get(*p).map_or("", String::as_str)
        ),
        Column::Paid(c) if c.len() == 1 => format!("the clause `{}`", clause(&c[0])),
        Column::Paid(_) => "a matter's sum".to_string(),
        Column::Outcome(c) => format!("the outcome of `{}`", clause(c)),
        Column::Eligible(_) => "an eligibility".to_string(),
        Column::Deferred(c) => format!("the deferred part of `{}`", clause(c)),
        Column::BeforeProRata(c) => format!("`{}` before pro rata", clause(c)),
    }
}

/// One column by name.
fn column(name: &str, layout: &Layout, clause_names: &[String]) -> Result<Column, String> {
    // `payer:NAME` names a payer whose name is also a built-in column's or a clause's.
    if let Some(p) = name
        .strip_prefix("payer:")
        .and_then(|n| layout.payers.iter().position(|p| p == n))
    {
        return Ok(Column::Payer(p));
    }
    match name {
        "line" => return Ok(Column::Line),
        "subject" => return Ok(Column::Subject),
        "claim" => return Ok(Column::Claim),
        "total" => return Ok(Column::Total),
        "error" => return Ok(Column::Error),
        "code" => return Ok(Column::Code),
        _ => {}
    }
    if let Some(p) = layout.payers.iter().position(|p| p == name) {
        if clause_names.iter().any(|n| n == name) {
            let name = escape(name);
            return Err(format!(
                "`{name}` is both a payer and a clause: write `payer:{name}` or `clause:{name}`"
            ));
        }
        return Ok(Column::Payer(p));
    }
    if let Some(rest) = name.strip_prefix("matter:") {
        let (matter, eligible) = match rest.strip_suffix(":eligible") {
            Some(m) => (m, true),
            None => (rest, false),
        };
        let clauses: Vec<usize> = (0..layout.matters.len())
            .filter(|&c| layout.matters[c] == crate::keys::key(matter))
            .collect();
        if clauses.is_empty() {
            let hint = closest(matter, layout.matters.iter().map(String::as_str))
                .map(|m| format!("; did you mean `matter:{m}`?"))
                .unwrap_or_default();
            return Err(format!("no clause has the matter `{matter}`{hint}"));
        }
        return Ok(if eligible {
            Column::Eligible(clauses)
        } else {
            Column::Paid(clauses)
        });
    }
    let (clause, part) = match name.rsplit_once(':') {
        Some((c, p @ ("outcome" | "eligible" | "deferred" | "before_pro_rata"))) => (c, Some(p)),
        _ => (name, None),
    };
    // `clause:NAME` names a clause whose name is also a built-in column's or a payer's.
    let clause = clause
        .strip_prefix("clause:")
        .filter(|c| clause_names.iter().any(|n| n == c))
        .unwrap_or(clause);
    let Some(c) = clause_names.iter().position(|n| n == clause) else {
        let known = ["line", "subject", "claim", "total", "error", "code"]
            .into_iter()
            .chain(layout.payers.iter().map(String::as_str))
            .chain(clause_names.iter().map(String::as_str));
        let hint = closest(clause, known)
            .map(|m| format!("; did you mean `{m}`?"))
            .unwrap_or_default();
        return Err(format!(
            "`{name}` is not a column: name a clause, a payer, `matter:M`, line, subject, claim, total, error or code{hint}"
        ));
    };
    Ok(match part {
        Some("outcome") => Column::Outcome(c),
        Some("deferred") => Column::Deferred(c),
        Some("before_pro_rata") => Column::BeforeProRata(c),
        Some(_) => Column::Eligible(vec![c]),
        None => Column::Paid(vec![c]),
    })
}
