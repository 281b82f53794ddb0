//! Problems with a population's rows, as data.
//!
//! Input: what the readers, the grouping of rows into subjects and the evaluation find wrong
//! with a row or a subject. Output: a [`RowError`]: the line, a [`RowProblem`] holding the
//! fields its words are made from, and its stable [`ProblemCode`]. Guarantee: [`RowProblem::text`]
//! is the one place a row's problem becomes words (problems with values word themselves in
//! [`FactProblem::message`]), so they can be translated without touching the readers; the
//! words written today are kept exactly.

use std::fmt;

use crate::eval::{FactProblem, Failure};
use crate::problem::ProblemCode;

/// The most rows one subject may have. A subject's rows are held and evaluated together, so
/// its memory grows with them (about 4 KiB a claim row, see the README); a larger subject stops
/// the run (F0201) rather than exhaust the machine. The count is the subject's rows, whatever
/// the chunks, so the limit never depends on the chunk size or the thread count.
pub const MAX_SUBJECT_ROWS: usize = 50_000;

/// A problem with one row or subject of a population, at its line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RowError {
    /// The input line (1 is the file's first line).
    pub line: u64,
    /// What is wrong.
    pub problem: RowProblem,
}

/// What is wrong with a row or a subject: the fields its text is made from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowProblem {
    /// The row's values do not fit the policies or the facts format (F01xx, F0210): every
    /// error found, each once.
    Facts(Vec<FactProblem>),
    /// The claim date cell is not a date (F0107); the problem names the column.
    ClaimDate(Box<FactProblem>),
    /// The CSV reader cannot read the row (F0204).
    NotCsv {
        /// The reader's reason.
        reason: String,
    },
    /// A cell of a CSV row is not UTF-8 text (F0111).
    CellNotUtf8 {
        /// The cell, counting from 1.
        cell: usize,
    },
    /// The row has more or fewer cells than the header (F0204).
    Cells {
        /// The row's cells.
        found: usize,
        /// The header's.
        expected: usize,
    },
    /// A quoted cell of a CSV row has text after its closing quote (F0212).
    TextAfterQuote {
        /// The line of that text, counted from the row's first (0 on the row's first line).
        down: u64,
        /// Its column, in characters from 1.
        column: usize,
    },
    /// A quote opened in a CSV row is never closed (F0213): every line after it, to the end
    /// of the file, would be one cell.
    UnclosedQuote {
        /// The quote's line, counted from the row's first.
        down: u64,
        /// Its column, in characters from 1.
        column: usize,
        /// The lines after the quote's, swallowed into the cell.
        lines: u64,
    },
    /// A line of JSON Lines is not UTF-8 text (F0111).
    LineNotUtf8,
    /// A line of JSON Lines is JSON, but not an object (F0205).
    NotObject {
        /// What it is instead, in words (`a list`).
        found: String,
    },
    /// A line of JSON Lines is not JSON (F0205).
    NotJson {
        /// The JSON reader's reason.
        reason: String,
    },
    /// The row has no subject id (F0206).
    NoSubjectId {
        /// The subject id's column.
        column: String,
    },
    /// The subject is not evaluated because another of its rows cannot be read (F0207).
    SubjectNotRead {
        /// The subject id.
        subject: String,
        /// The first of its rows that cannot be read.
        line: u64,
    },
    /// A claim row has no claim date (F0208).
    NoClaimDate {
        /// The claim date's column.
        column: String,
    },
    /// A row gives a claim's date, item, document or inputs, but no claim id (F0105): it
    /// would otherwise be read as the subject's own row and its claim dropped.
    ClaimWithoutId {
        /// The claim id's column.
        column: String,
        /// The columns that give the claim, as named in the file.
        given: Vec<String>,
    },
    /// A subject of several rows has a row without a claim id (F0209).
    NoClaimId {
        /// The subject id.
        subject: String,
        /// The claim id's column.
        column: String,
    },
    /// The subject cannot be settled: a sum too large to hold (F0401), or pol's own bug (F0901).
    Failed(Failure),
    /// A subject comes after one with a later id, or its rows are apart (F0211): the run stops.
    OutOfOrder {
        /// The subject out of order.
        subject: String,
        /// The subject before it.
        after: String,
    },
    /// A row of the history file (`--history`, its line is the error's) names a subject that
    /// sorts before the row above it (F0260): the run stops.
    HistoryOutOfOrder {
        /// The subject of the row out of order.
        subject: String,
        /// The subject of the row before it.
        after: String,
    },
    /// A row of the history file cannot be read (F0261): the run stops.
    HistoryUnreadable {
        /// Why.
        reason: String,
    },
    /// A subject has more than [`MAX_SUBJECT_ROWS`] rows (F0201): the run stops.
    TooManyRows {
        /// The subject id.
        subject: String,
    },
    /// A subject's rows take more bytes than pol holds for a subject (F0202): the run stops.
    TooManyBytes {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl RowProblem {
    /// The problems of a row whose values do not fit: its errors, each once (the same field
    /// declared by several policies is reported once).
    pub(crate) fn facts(problems: &[FactProblem]) -> RowProblem {
        let mut seen: Vec<FactProblem> = Vec::new();
        for p in problems.iter().filter(|p| p.is_error()) {
            if !seen.contains(p) {
                seen.push(p.clone());
            }
        }
        RowProblem::Facts(seen)
    }

    /// The stable code.
    pub fn code(&self) -> ProblemCode {
        use ProblemCode as C;
        match self {
            // A row refused for its values has at least one error; none would be pol's own bug.
            RowProblem::Facts(problems) => problems.first().map_or(C::Internal, |p| p.code),
            RowProblem::ClaimDate(p) => p.code,
            RowProblem::NotCsv { .. } | RowProblem::Cells { .. } => C::NotCsv,
            RowProblem::TextAfterQuote { .. } => C::TextAfterQuote,
            RowProblem::UnclosedQuote { .. } => C::UnclosedQuote,
            RowProblem::CellNotUtf8 { .. } | RowProblem::LineNotUtf8 => C::NotUtf8,
            RowProblem::NotObject { .. } | RowProblem::NotJson { .. } => C::NotJsonObject,
            RowProblem::NoSubjectId { .. } => C::NoSubjectId,
            RowProblem::SubjectNotRead { .. } => C::SubjectNotRead,
            RowProblem::NoClaimDate { .. } => C::NoClaimDate,
            RowProblem::ClaimWithoutId { .. } => C::MissingField,
            RowProblem::NoClaimId { .. } => C::NoClaimId,
            RowProblem::Failed(f) => f.code,
            RowProblem::OutOfOrder { .. } => C::OutOfOrder,
            RowProblem::HistoryOutOfOrder { .. } => C::HistoryOutOfOrder,
            RowProblem::HistoryUnreadable { .. } => C::HistoryUnreadable,
            RowProblem::TooManyRows { .. } => C::SubjectTooLarge,
            RowProblem::TooManyBytes { .. } => C::SubjectTooManyBytes,
        }
    }

    /// Whether [`RowProblem::text`] names the code itself (else the message adds it).
    fn names_its_code(&self) -> bool {
        matches!(
            self,
            RowProblem::Facts(_)
                | RowProblem::ClaimDate(_)
                | RowProblem::TextAfterQuote { .. }
                | RowProblem::UnclosedQuote { .. }
                | RowProblem::Failed(_)
                | RowProblem::HistoryOutOfOrder { .. }
                | RowProblem::HistoryUnreadable { .. }
                | RowProblem::TooManyRows { .. }
                | RowProblem::TooManyBytes { .. }
        )
    }

    /// Whether the problem stops the whole run (the rest of the population is not read).
    pub fn stops_the_run(&self) -> bool {
        matches!(
            self,
            RowProblem::OutOfOrder { .. }
                | RowProblem::HistoryOutOfOrder { .. }
                | RowProblem::HistoryUnreadable { .. }
                | RowProblem::TooManyRows { .. }
                | RowProblem::TooManyBytes { .. }
        )
    }

    /// What is wrong, in words: the one place a row's problem is worded. `line` is the row's.
    pub fn text(&self, line: u64) -> String {
        let not_csv = "the row cannot be read as CSV";
        // Split runs share no caps: each would pay once-only awards and fill caps and limits
        // again unless the earlier runs' awards are given as history.
        let split = "check that its id column is right; if it really has that many claims, split them over several runs and give each later run the awards of the runs before as `--history` (without it each run pays once-only awards and fills caps and limits again)";
        match self {
            RowProblem::Facts(problems) => problems
                .iter()
                .map(|p| format!("{} ({}): {}", p.path, p.code, p.message()))
                .collect::<Vec<_>>()
                .join("; "),
            // The message names the column already.
            RowProblem::ClaimDate(p) => format!("{} ({})", p.message(), p.code),
            RowProblem::NotCsv { reason } => format!("{not_csv}: {reason}"),
            RowProblem::CellNotUtf8 { cell } => format!("{not_csv}: cell {cell} is not UTF-8 text"),
            RowProblem::Cells { found, expected } => {
                format!("{not_csv}: it has {found} cells but the header has {expected}")
            }
            RowProblem::TextAfterQuote { down, column } => format!(
                "{not_csv} (F0212): on line {}, column {column}, text follows the closing quote of a quoted cell (a reader that glued it to the cell would read `\"100\"0` as 1000); remove the stray quotes, or quote the whole cell and double each quote inside it",
                line + down
            ),
            RowProblem::UnclosedQuote {
                down,
                column,
                lines,
            } => format!(
                "{not_csv} (F0213): the quote opened on line {}, column {column}, is never closed, so the {lines} lines after it, to the end of the file, would be one cell; none of them is read as a row. Close the quote or remove it",
                line + down
            ),
            RowProblem::LineNotUtf8 => "the line is not UTF-8 text".to_string(),
            RowProblem::NotObject { found } => {
                format!("the line is not a JSON object: it is {found}")
            }
            RowProblem::NotJson { reason } => format!("the line is not a JSON object: {reason}"),
            RowProblem::NoSubjectId { column } => {
                format!("the row has no subject id in column `{column}`")
            }
            RowProblem::SubjectNotRead { subject, line } => {
                format!("subject `{subject}` is not evaluated: line {line} cannot be read")
            }
            RowProblem::NoClaimDate { column } => {
                format!("the claim has no date in column `{column}`")
            }
            RowProblem::ClaimWithoutId { column, given } => {
                let given: Vec<String> = given
                    .iter()
                    .map(|c| format!("`{}`", crate::eval::format::escape(c)))
                    .collect();
                format!(
                    "the row gives a claim ({}) but no claim id (`{}`), so the claim cannot be told apart and is not paid; give each claim row its claim id (see --claim-id-column), or give none of those on a row of the subject alone",
                    given.join(", "),
                    crate::eval::format::escape(column)
                )
            }
            RowProblem::NoClaimId { subject, column } => format!(
                "subject `{subject}` has several rows but this one has no claim id in column `{column}`"
            ),
            RowProblem::Failed(f) => format!("error[{}]: {}", f.code, f.message),
            RowProblem::OutOfOrder { subject, after } => {
                let why = if subject == after {
                    format!("the rows of subject `{subject}` are not next to each other")
                } else {
                    format!("subject `{subject}` comes after `{after}`")
                };
                format!("line {line}: {why}; rows must be sorted by subject id (whole-number ids first, by value, one value by its text (`01` before `1`), then the others in the form keys are compared in, full-width punctuation as half-width), so that all rows of a subject are together")
            }
            RowProblem::HistoryOutOfOrder { subject, after } => format!(
                "history line {line}: error[F0260]: subject `{subject}` comes after `{after}`; the history must be sorted by subject id like the population (whole-number ids first, by value, one value by its text, then the others)"
            ),
            RowProblem::HistoryUnreadable { reason } => format!(
                "history line {line}: error[F0261]: the row cannot be read: {reason}"
            ),
            RowProblem::TooManyRows { subject } => format!(
                "line {line}: error[F0201]: subject `{subject}` has more than {MAX_SUBJECT_ROWS} rows, more than pol holds for one subject; {split}"
            ),
            RowProblem::TooManyBytes { limit } => format!(
                "error[F0202]: the subject whose rows start on line {line} takes more than {} MiB of the file, more than pol holds for one subject; {split}",
                limit >> 20
            ),
        }
    }
}

impl RowError {
    /// A problem at `line`.
    pub(crate) fn new(line: u64, problem: RowProblem) -> RowError {
        RowError { line, problem }
    }

    /// The stable code of the problem.
    pub fn code(&self) -> ProblemCode {
        self.problem.code()
    }

    /// What is wrong, in words, as written in the `error` column of the output. A problem
    /// that stops the run says where it is itself.
    pub fn message(&self) -> String {
        let text = self.problem.text(self.line);
        // Every problem is told with its code, for `pol explain` and for searching logs.
        if self.problem.names_its_code() {
            text
        } else {
            format!("{text} ({})", self.code())
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problem.stops_the_run() {
            f.write_str(&self.message())
        } else {
            write!(f, "line {}: {}", self.line, self.message())
        }
    }
}

impl std::error::Error for RowError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// One problem of each kind.
    fn every_problem() -> Vec<RowProblem> {
        let fact = FactProblem::new(ProblemCode::WrongType, "attributes.研发费用").name("研发费用");
        vec![
            RowProblem::Facts(vec![fact.clone()]),
            RowProblem::ClaimDate(Box::new(FactProblem::new(
                ProblemCode::NotADate,
                "claim_date",
            ))),
            RowProblem::NotCsv { reason: "x".into() },
            RowProblem::CellNotUtf8 { cell: 2 },
            RowProblem::Cells {
                found: 2,
                expected: 3,
            },
            RowProblem::TextAfterQuote { down: 0, column: 3 },
            RowProblem::UnclosedQuote {
                down: 0,
                column: 3,
                lines: 998,
            },
            RowProblem::LineNotUtf8,
            RowProblem::NotObject {
                found: "a list".into(),
            },
            RowProblem::NotJson { reason: "x".into() },
            RowProblem::NoSubjectId {
                column: "id".into(),
            },
            RowProblem::SubjectNotRead {
                subject: "A".into(),
                line: 3,
            },
            RowProblem::NoClaimDate {
                column: "claim_date".into(),
            },
            RowProblem::NoClaimId {
                subject: "A".into(),
                column: "claim_id".into(),
            },
            RowProblem::ClaimWithoutId {
                column: "claim_id".into(),
                given: vec!["claim_date".into()],
            },
            RowProblem::Failed(Failure::internal("x")),
            RowProblem::OutOfOrder {
                subject: "1".into(),
                after: "2".into(),
            },
            RowProblem::HistoryOutOfOrder {
                subject: "1".into(),
                after: "2".into(),
            },
            RowProblem::HistoryUnreadable { reason: "x".into() },
            RowProblem::TooManyRows {
                subject: "A".into(),
            },
            RowProblem::TooManyBytes { limit: 64 << 20 },
        ]
    }

    #[test]
    fn every_problem_has_a_code_with_a_page_and_words() {
        for p in every_problem() {
            let code = p.code();
            assert!(code.explanation().starts_with(&format!("# {code}")));
            assert!(!p.text(7).is_empty(), "{p:?}");
            // The message names the code, whether its wording does or not.
            let e = RowError::new(7, p);
            assert!(e.message().contains(code.as_str()), "{e}");
        }
    }

    #[test]
    fn problems_that_stop_the_run_say_where_they_are() {
        for p in every_problem()
            .into_iter()
            .filter(RowProblem::stops_the_run)
        {
            let e = RowError::new(7, p);
            assert!(e.to_string().contains("line 7"), "{e}");
            assert_eq!(e.to_string(), e.message());
        }
        let e = RowError::new(7, RowProblem::LineNotUtf8);
        assert_eq!(e.to_string(), "line 7: the line is not UTF-8 text (F0111)");
    }

    #[test]
    fn a_row_reports_each_error_once_and_no_warning() {
        let p = FactProblem::new(ProblemCode::WrongType, "attributes.x");
        let w = FactProblem::new(ProblemCode::UnusedAttribute, "attributes.y");
        let RowProblem::Facts(kept) = RowProblem::facts(&[p.clone(), w, p.clone()]) else {
            unreachable!("facts() makes a Facts problem")
        };
        assert_eq!(kept, vec![p]);
    }
}
