//! Evaluating one chunk of a population: its rows read, grouped into subjects, evaluated,
//! written and counted.
//!
//! Input: a [`Chunk`] of whole subjects and the simulation's [`Context`]. Output: a [`Batch`]:
//! the chunk's output text, its summary, its errors, its first and last subject ids (so the
//! caller can check the order across chunks) and the first order violation if any. Guarantee:
//! the same rows, figures and errors as evaluating each subject's facts with `pol eval`; a
//! subject of one CSV row without a claim is bound straight from its cells, without building
//! its facts.

use std::collections::HashSet;
use std::sync::Arc;

use super::chunks::Chunk;
use super::history::ChunkHistory;
use super::input::{csv_problem, csv_record, csv_rows, jsonl_record, BadRow, CsvReader};
use super::input::{kind_problem, quote_fault, quote_problem, BareCounts, InputNames, RowRules};
use super::output::{RowWriter, UnpaidRows};
use super::pro_rata::{befores_into, Plan, Running};
use super::{facts_of, id_order, one_row_into, row_error, rows_into, RowIndex};
use super::{Columns, Layout, RowError};
use super::{RowKey, RowProblem, Rows, SubjectRows, Summary, MAX_SUBJECT_ROWS};
use crate::compile::Kind;
use crate::eval::facts::{bare_percent_among, bind_cells, trim, Bound, FactRef};
use crate::eval::{Evaluator, Failure, Scratch, Verdict};

/// How the rows of a CSV file are laid out.
#[derive(Clone, Debug)]
pub struct CsvShape {
    /// The header's names.
    pub names: Vec<Arc<str>>,
    /// The subject id's column.
    pub id: usize,
    /// The claim id's column, if there is one.
    pub claim_id: Option<usize>,
    /// The claim date's column, if there is one.
    pub claim_date: Option<usize>,
    /// The other columns that give a claim: item, document and the claim inputs. A row with
    /// one of them given is read as a claim (and refused without a claim id, F0105).
    pub claim_cells: Vec<usize>,
    /// Per policy and subject input: its column.
    pub cells: Vec<Vec<Option<usize>>>,
    /// The column `kind`, when it says each row's kind ([`InputNames::reads_kind`]).
    pub kind: Option<usize>,
    /// Whether a policy reads yearly series: a subject's row is then read as facts, whose
    /// binding gathers the year columns (`销售收入[2023]`), not by the one-row path.
    pub series: bool,
    /// The columns of percentage inputs, with the inputs' declarations: their bare numbers
    /// are counted (F0173).
    pub percent: Vec<(usize, Vec<crate::compile::InputDef>)>,
}

impl CsvShape {
    /// The shape of a file with `header`, for the policies of `ev` (whose inputs are
    /// `inputs`); `None` when the header has no subject id column.
    pub fn new(
        ev: &Evaluator<'_>,
        inputs: &InputNames,
        header: &[String],
        columns: &Columns,
        claim_inputs: &HashSet<String>,
    ) -> Option<CsvShape> {
        let id = header.iter().position(|h| *h == columns.id)?;
        Some(CsvShape {
            names: header.iter().map(|h| Arc::from(h.as_str())).collect(),
            id,
            claim_id: header.iter().position(|h| *h == columns.claim_id),
            claim_date: header.iter().position(|h| *h == columns.claim_date),
            claim_cells: header
                .iter()
                .enumerate()
                .filter(|(_, h)| {
                    **h == columns.item
                        || **h == columns.document
                        || (!columns.is_special(h) && claim_inputs.contains(h.as_str()))
                })
                .map(|(c, _)| c)
                .collect(),
            kind: header
                .iter()
                .position(|h| *h == super::input::KIND_COLUMN)
                .filter(|_| inputs.reads_kind()),
            cells: ev
                .policies()
                .programs()
                .iter()
                .map(|p| {
                    p.subject_inputs
                        .iter()
                        .map(|i| header.iter().position(|h| *h == i.name))
                        .collect()
                })
                .collect(),
            series: ev
                .policies()
                .programs()
                .iter()
                .any(|p| p.subject_inputs.iter().any(|i| i.series)),
            percent: header
                .iter()
                .enumerate()
                .filter(|(_, h)| !columns.is_special(h))
                .filter_map(|(c, h)| Some((c, inputs.percent(h)?.to_vec())))
                .collect(),
        })
    }
}

/// The file format of a population.
#[derive(Clone, Debug)]
pub enum Source {
    /// CSV with this header.
    Csv(CsvShape),
    /// JSON Lines.
    Jsonl,
}

/// What every chunk of one simulation shares.
pub struct Context<'a, 'p> {
    /// The policies.
    pub ev: &'a Evaluator<'p>,
    /// The kind of every subject.
    pub kind: Kind,
    /// The id, claim id and claim date columns.
    pub columns: &'a Columns,
    /// Inputs read from a claim's row.
    pub claim_inputs: &'a HashSet<String>,
    /// The inputs' names, to tell the JSON Lines keys that are none.
    pub inputs: &'a InputNames,
    /// `--max-errors`, or 0 without it: how many errors' ends a batch keeps (only a run
    /// stopped by it needs them).
    pub max_errors: u64,
    /// The output's clauses and payers.
    pub layout: &'a Layout,
    /// How rows are written; `None` when no per-row output is asked for (rows are then only
    /// counted).
    pub writer: Option<&'a RowWriter>,
    /// The file format.
    pub source: Source,
    /// Whether a history file of past grants is read with the population.
    pub history: bool,
    /// In the second pass of a run with budgets reduced pro rata: the plan the first found.
    pub(crate) pro_rata: Option<&'a Plan>,
}

impl Context<'_, '_> {
    /// How rows are read in this run.
    pub fn rules(&self) -> RowRules<'_> {
        RowRules {
            columns: self.columns,
            claim_inputs: self.claim_inputs,
            kind: self.inputs.reads_kind().then_some(self.kind),
        }
    }
}

/// What evaluating one chunk gives.
#[derive(Debug)]
pub struct Batch {
    /// The chunk's place in the file.
    pub seq: u64,
    /// Its rows' output, in input order.
    pub text: String,
    /// Its counts and sums.
    pub summary: Summary,
    /// The first [`MAX_KEPT_ERRORS`] errors of rows or subjects that failed (the run reports
    /// no more): a bad row takes no memory of its own beyond its output text.
    pub errors: Vec<RowError>,
    /// The errors listed, kept in `errors` or not.
    pub listed: usize,
    /// For each error counted in `summary.errors`, in order, up to `--max-errors` of them (none
    /// without it): where it ends, so that a run stopped by `--max-errors` can end its output
    /// and its report exactly after the N-th error, whatever the chunks.
    pub error_ends: Vec<ErrorEnd>,
    /// The first subject's id and line.
    pub first: Option<(String, u64)>,
    /// The length of `text` when the first subject began: what comes before is rows without
    /// a subject id, written even when that subject turns out to be out of order.
    pub first_at: usize,
    /// The last subject's id.
    pub last: Option<String>,
    /// The first subject out of order (or over the limit of rows): the rest of the chunk is
    /// not evaluated.
    pub fatal: Option<RowError>,
    /// In the second pass of a run with budgets reduced pro rata: each line's running total
    /// (before reduction) at the chunk's end, to be checked against the first pass.
    pub(crate) pro_rata_end: Option<Vec<i128>>,
    /// JSON Lines keys that are no input, each once, with the line first met.
    pub ignored: Vec<(String, u64)>,
    /// JSON Lines keys that are inputs, each once, with the line first met.
    pub given: Vec<(String, u64)>,
    /// The bare numbers of its percentage columns (F0173).
    pub bare: BareCounts,
}

/// The most errors a batch keeps: all a run reports ([`super::MAX_REPORTED_ERRORS`]). The
/// others are counted, and written with their rows, but not kept.
pub const MAX_KEPT_ERRORS: usize = super::MAX_REPORTED_ERRORS;

/// Where a counted error of a batch ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorEnd {
    /// The length of the batch's text once the error's rows are written.
    pub text: usize,
    /// The errors listed once its own are ([`Batch::listed`]).
    pub listed: usize,
    /// The line of its last row error.
    pub line: u64,
    /// The bare numbers of percentage columns counted once its subject was read
    /// ([`BareCounts::so_far`]).
    pub bare: Vec<(u64, u64)>,
}

impl Batch {
    /// Counts one failed row or subject whose row `errors` (in line order) are listed, its rows
    /// already written: the first errors of the batch are kept, and where it ends while fewer
    /// than `max_errors` are.
    fn count_error(&mut self, errors: impl IntoIterator<Item = RowError>, max_errors: u64) {
        self.summary.errors += 1;
        let mut line = 0;
        for e in errors {
            line = e.line;
            self.listed += 1;
            if self.errors.len() < MAX_KEPT_ERRORS {
                self.errors.push(e);
            }
        }
        if (self.error_ends.len() as u64) < max_errors {
            self.error_ends.push(ErrorEnd {
                text: self.text.len(),
                listed: self.listed,
                line,
                bare: self.bare.so_far(),
            });
        }
    }
}

/// Whether two rows' subject ids name one subject: equal in their compared form
/// ([`crate::keys::key`]), so `嘉兴某某（集团）有限公司` and `嘉兴某某(集团)有限公司` are one firm.
#[inline]
fn same_id(a: &str, b: &str) -> bool {
    crate::keys::same_key(a, b)
}

/// The error of a subject `id`, starting at `line`, with more than [`MAX_SUBJECT_ROWS`] rows.
fn too_many_rows(id: &str, line: u64) -> RowError {
    let subject = id.to_string();
    RowError::new(line, RowProblem::TooManyRows { subject })
}

/// The error of a subject `id` (at `line`) that follows `last`, when out of order.
pub fn order_error(id: &str, line: u64, last: &str) -> Option<RowError> {
    if id_order(id, last) == std::cmp::Ordering::Greater {
        return None;
    }
    let problem = RowProblem::OutOfOrder {
        subject: id.to_string(),
        after: last.to_string(),
    };
    Some(RowError::new(line, problem))
}

/// Checks that the subjects of consecutive chunks follow on from each other, batch by batch in
/// file order.
#[derive(Debug, Default)]
pub struct Sequence {
    last: Option<String>,
}

impl Sequence {
    /// Takes the next batch in file order: the first subject out of order, if any (within the
    /// batch or against the batches before it).
    pub fn follow(&mut self, batch: &Batch) -> Option<RowError> {
        let across = match (&self.last, &batch.first) {
            (Some(last), Some((id, line))) => order_error(id, *line, last),
            _ => None,
        };
        if let Some(e) = across.or_else(|| batch.fatal.clone()) {
            return Some(e);
        }
        if batch.last.is_some() {
            self.last.clone_from(&batch.last);
        }
        None
    }
}

/// A worker's buffers, kept from chunk to chunk.
pub struct Worker<'a, 'p> {
    cx: &'a Context<'a, 'p>,
    /// Bound facts per policy, for subjects bound from cells.
    bound: Vec<Bound>,
    /// The rows of the subject being read.
    rows: Vec<Cells>,
    /// Their lines.
    lines: Vec<u64>,
    /// What is wrong with each, if anything.
    problems: Vec<Option<RowProblem>>,
    /// The evaluator's buffers.
    scratch: Scratch<'p>,
    /// A subject's output rows.
    out: Rows,
    /// Row text of subjects paid nothing.
    unpaid: UnpaidRows,
    /// The grants of the chunk's subjects (a history file read with the population).
    history: ChunkHistory,
    /// Budgets reduced pro rata: their running totals in the chunk.
    running: Running,
}

/// One row's cells: a record the CSV reader filled, or where each cell lies in the chunk's
/// text (rows cut by the plain splitter, nothing copied).
#[derive(Default)]
struct Cells {
    /// The cells as the reader read them, or (for a split row) copied when a path needs a record.
    record: csv::StringRecord,
    /// For a split row: each cell's start and end in the chunk's text.
    bounds: Vec<(usize, usize)>,
    /// Whether the row was split (its cells are `bounds`) rather than read (`record`).
    split: bool,
}

impl Cells {
    /// The number of cells.
    fn len(&self) -> usize {
        if self.split {
            self.bounds.len()
        } else {
            self.record.len()
        }
    }

    /// Cell `i`, `text` being the chunk's text the row was split from.
    #[inline]
    fn get<'s>(&'s self, text: &'s str, i: usize) -> Option<&'s str> {
        if self.split {
            let &(start, end) = self.bounds.get(i)?;
            text.get(start..end)
        } else {
            self.record.get(i)
        }
    }

    /// Cell `i` as bytes (a split row's cells are cut at commas and line breaks of UTF-8 text,
    /// so they are UTF-8 too; the bytes spare the check).
    #[inline]
    fn bytes<'s>(&'s self, text: &'s str, i: usize) -> Option<&'s [u8]> {
        if self.split {
            let &(start, end) = self.bounds.get(i)?;
            text.as_bytes().get(start..end)
        } else {
            self.record.get(i).map(str::as_bytes)
        }
    }

    /// The row as a record, for the paths that read records.
    fn record(&mut self, text: &str) -> &csv::StringRecord {
        if self.split {
            self.record.clear();
            for &(start, end) in &self.bounds {
                self.record.push_field(text.get(start..end).unwrap_or(""));
            }
        }
        &self.record
    }
}

/// The rows of a chunk of CSV.
enum CsvRows<'c> {
    /// Quotes or carriage returns: the CSV reader, the bytes it reads, and how far they were
    /// looked through for the lone carriage returns kept in quoted cells (which count as lines,
    /// as the chunker counts them, though the reader counts line feeds only) with how many.
    Reader(CsvReader<'c>, &'c [u8], (usize, u64)),
    /// Neither (as exported registers usually are): every line break ends a row and every
    /// comma a cell, which splitting finds faster than the reader's state machine.
    Plain {
        /// The chunk's text.
        text: &'c str,
        /// Where the text not read yet starts.
        at: usize,
        /// The line `at` is on, counting the chunk's first line as 1.
        line: u64,
    },
}

impl<'c> CsvRows<'c> {
    fn of(bytes: &'c [u8]) -> CsvRows<'c> {
        let plain = memchr::memchr2(b'"', b'\r', bytes).is_none();
        match std::str::from_utf8(bytes) {
            Ok(text) if plain => CsvRows::Plain {
                text,
                at: 0,
                line: 1,
            },
            _ => CsvRows::Reader(csv_rows(bytes), bytes, (0, 0)),
        }
    }

    /// The text split rows' cells lie in (empty for the reader, whose rows hold their cells).
    fn text(&self) -> &'c str {
        match self {
            CsvRows::Plain { text, .. } => text,
            CsvRows::Reader(..) => "",
        }
    }

    /// Reads the next row into `into`: whether there was one, and the line it starts on
    /// (counting the chunk's first line as 1). Blank lines are skipped, as the reader does.
    /// A row that breaks CSV's quoting rules, which the reader would read leniently, is an
    /// error (F0212, F0213).
    fn next(&mut self, into: &mut Cells) -> (Result<bool, RowProblem>, u64) {
        match self {
            CsvRows::Reader(r, bytes, crs) => {
                into.split = false;
                let into = &mut into.record;
                let read = r.read_record(into);
                // The reader's position is where it began to read: before any blank lines it
                // skipped on the way to the row. Those lines are counted here.
                let Some(p) = into.position() else {
                    return (read.map_err(|e| csv_problem(&e)), 1);
                };
                let from = (p.byte() as usize).min(bytes.len());
                let skipped = bytes[from..]
                    .iter()
                    .take_while(|b| matches!(b, b'\n' | b'\r'))
                    .count();
                let blank = bytes[from..from + skipped]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                // Quotes are only ever in rows the reader reads: the row as written is checked
                // against the rules the reader does not enforce.
                let read = match read {
                    Ok(true) => {
                        let end = (r.position().byte() as usize).clamp(from + skipped, bytes.len());
                        let raw = &bytes[from + skipped..end];
                        match quote_fault(raw) {
                            Some(fault) => Err(quote_problem(raw, fault)),
                            None => Ok(true),
                        }
                    }
                    other => other.map_err(|e| csv_problem(&e)),
                };
                if from > crs.0 {
                    // Looked at in the whole chunk: a carriage return just before `from`
                    // may be followed by a line feed at it.
                    crs.1 += memchr::memchr_iter(b'\r', &bytes[crs.0..from])
                        .filter(|&k| bytes.get(crs.0 + k + 1) != Some(&b'\n'))
                        .count() as u64;
                    crs.0 = from;
                }
                (read, p.line() + blank as u64 + crs.1)
            }
            CsvRows::Plain { text, at, line } => loop {
                let bytes = text.as_bytes();
                if *at >= bytes.len() {
                    return (Ok(false), *line);
                }
                let row_line = *line;
                *line += 1;
                let start = *at;
                into.bounds.clear();
                let end = split_row(bytes, start, &mut into.bounds);
                *at = end + 1;
                if end == start {
                    // A blank line.
                    continue;
                }
                into.split = true;
                return (Ok(true), row_line);
            },
        }
    }
}

/// Cuts the row starting at `start` at its commas, pushing the bounds of its cells into `bounds`
/// and returning where the row ends (its line break, or the end of `bytes`). Eight bytes are
/// looked at a time: rows are short but many.
fn split_row(bytes: &[u8], start: usize, bounds: &mut Vec<(usize, usize)>) -> usize {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `word` that equals the byte `b` repeated in `pattern`.
    let equal = |word: u64, pattern: u64| {
        let x = word ^ pattern;
        !(((x & LOW7) + LOW7) | x | LOW7)
    };
    let commas = u64::from_ne_bytes([b','; 8]);
    let breaks = u64::from_ne_bytes([b'\n'; 8]);
    let mut from = start;
    let mut i = start;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let (c, n) = (equal(word, commas), equal(word, breaks));
        let mut marks = (c | n) & HIGH;
        while marks != 0 {
            let k = i + (marks.trailing_zeros() / 8) as usize;
            bounds.push((from, k));
            if n & (1 << marks.trailing_zeros()) != 0 {
                return k;
            }
            from = k + 1;
            marks &= marks - 1;
        }
        i += 8;
    }
    for (k, &b) in bytes.iter().enumerate().skip(i) {
        if b == b',' || b == b'\n' {
            bounds.push((from, k));
            if b == b'\n' {
                return k;
            }
            from = k + 1;
        }
    }
    bounds.push((from, bytes.len()));
    bytes.len()
}

/// What is wrong with a CSV row's subject id as written (F0181: two spellings of one id would
/// be two subjects, each with its own caps) or its kind (F0215), read as the facts' `id` and
/// `kind` are; checked on every row, so a later row of a subject cannot slip a refused
/// spelling in. Nothing is allocated for a row without a problem.
fn row_problem(row: &Cells, text: &str, shape: &CsvShape, kind: Kind) -> Option<RowProblem> {
    let id = row.get(text, shape.id).unwrap_or("");
    let id = crate::ids::subject_id_problem(id);
    let kind = shape
        .kind
        .and_then(|c| kind_problem(FactRef::Text(row.get(text, c)?), kind));
    match (id, kind) {
        (None, None) => None,
        (a, b) => Some(RowProblem::facts(
            &a.into_iter().chain(b).collect::<Vec<_>>(),
        )),
    }
}

/// The chunk being evaluated.
struct Run {
    batch: Batch,
    /// The last subject's id as a whole number, if it is one.
    last_number: Option<u64>,
    /// A history row out of order: the subject id before it, and the error. Subjects from
    /// that id on are not evaluated (their grants may be missing).
    stop: Option<(Option<String>, RowError)>,
}

/// A whole-number id of at most nineteen digits as a number, by a machine-word parse: the fast
/// path of [`id_order`] for the common case (ids of equal value, `01` and `1`, and longer ids
/// are left to it).
fn id_number(id: &str) -> Option<u64> {
    let digits = id.as_bytes();
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    // Nineteen digits stay below u64::MAX.
    let mut n = 0u64;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    Some(n)
}

impl Run {
    /// Counts against the yearly budgets the grants of subject `id` (its first row at `line`),
    /// which failed and so was not evaluated: it was still paid what its history says, and
    /// leaving that out would give every award reduced pro rata the room those grants used.
    /// They are checked as a subject's outside the population are; when they cannot be read
    /// or do not fit, the run stops after this subject (F0261), as for such a subject.
    fn count_failed_grants(
        &mut self,
        cx: &Context<'_, '_>,
        history: &ChunkHistory,
        id: &str,
        line: u64,
    ) {
        if !cx.history || !self.batch.summary.counts_earlier() {
            return;
        }
        let why = match history.grants(id, line) {
            Ok(grants) => match cx.ev.resolve_outside(&grants) {
                Ok(h) => return self.batch.summary.add_earlier(&h),
                Err(problems) => problems
                    .iter()
                    .map(|p| format!("{}: {} ({})", p.path, p.message(), p.code))
                    .collect::<Vec<_>>()
                    .join("; "),
            },
            Err(e) => e.message(),
        };
        let failure = Failure {
            code: crate::problem::ProblemCode::HistoryUnreadable,
            message: format!(
                "subject `{}` failed, and its grants, which count against the yearly budgets all the same, cannot be counted: {why}",
                crate::eval::format::escape(id)
            ),
            help: "mend its history rows (or its row of the population) and run again".to_string(),
        };
        let e = RowError::new(line, RowProblem::Failed(failure));
        self.stop.get_or_insert((Some(id.to_string()), e));
    }

    /// Starts a subject: checks its place after the previous one. False when out of order.
    fn begin(&mut self, id: &str, line: u64) -> bool {
        if let Some((after, e)) = &self.stop {
            // Without a row before the unreadable one, every subject may miss its grants.
            let reached = after
                .as_deref()
                .is_none_or(|after| id_order(id, after) != std::cmp::Ordering::Less);
            if reached {
                self.batch.fatal = Some(e.clone());
                self.stop = None;
                return false;
            }
        }
        let b = &mut self.batch;
        // The previous id was parsed when it came: one parse per subject.
        let number = id_number(id);
        if let Some(last) = &b.last {
            let after = match (number, self.last_number) {
                (Some(x), Some(y)) if x != y => x > y,
                _ => id_order(id, last) == std::cmp::Ordering::Greater,
            };
            if !after {
                b.fatal = order_error(id, line, last);
                return false;
            }
        }
        self.last_number = number;
        if b.first.is_none() {
            b.first = Some((id.to_string(), line));
            b.first_at = b.text.len();
        }
        match &mut b.last {
            Some(last) => {
                last.clear();
                last.push_str(id);
            }
            None => b.last = Some(id.to_string()),
        }
        true
    }

    /// A subject whose evaluation failed as a whole (a sum too large to hold, or pol's own
    /// bug): counted once, with the failure's code in its message.
    fn failed(&mut self, cx: &Context<'_, '_>, e: RowError, subject: &str, internal: bool) {
        if internal {
            self.batch.summary.internal_errors += 1;
        }
        self.bad_row(cx, e, subject);
    }

    /// A row that failed on its own.
    fn bad_row(&mut self, cx: &Context<'_, '_>, e: RowError, subject: &str) {
        let b = &mut self.batch;
        b.summary.rows += 1;
        if let Some(w) = cx.writer {
            w.error_row(&mut b.text, &e, subject);
        }
        b.count_error([e], cx.max_errors);
    }
}

impl<'a, 'p> Worker<'a, 'p> {
    /// A worker for `cx`.
    pub fn new(cx: &'a Context<'a, 'p>) -> Worker<'a, 'p> {
        Worker {
            cx,
            bound: vec![Bound::default(); cx.ev.policies().programs().len()],
            rows: Vec::new(),
            lines: Vec::new(),
            problems: Vec::new(),
            scratch: Scratch::new(),
            out: Rows::default(),
            unpaid: UnpaidRows::default(),
            history: ChunkHistory::default(),
            running: Running::default(),
        }
    }

    /// Evaluates a chunk whose subjects' earlier grants are `history`.
    pub fn run(&mut self, chunk: &Chunk, history: ChunkHistory) -> Batch {
        self.history = history;
        let mut run = Run {
            batch: Batch {
                seq: chunk.seq,
                text: String::with_capacity(chunk.bytes.len() + chunk.bytes.len() / 2),
                summary: Summary::new(self.cx.ev),
                errors: Vec::new(),
                listed: 0,
                error_ends: Vec::new(),
                first: None,
                first_at: 0,
                last: None,
                fatal: None,
                pro_rata_end: None,
                ignored: Vec::new(),
                given: Vec::new(),
                bare: BareCounts::default(),
            },
            last_number: None,
            stop: self.history.stop.take(),
        };
        if self.cx.history {
            let given = self.history.rows.len() as u64;
            run.batch
                .summary
                .add_history(Some(given), Some(self.history.ignored));
        }
        if let Some(plan) = self.cx.pro_rata {
            plan.start(chunk.seq, &mut self.running);
        }
        match &self.cx.source {
            Source::Csv(shape) => self.csv(chunk, shape, &mut run),
            Source::Jsonl => self.jsonl(chunk, &mut run),
        }
        // A history row out of order stops the run after this chunk's subjects before it.
        if let (Some((_, e)), None) = (run.stop.take(), &run.batch.fatal) {
            run.batch.fatal = Some(e);
        }
        if self.cx.pro_rata.is_some() {
            run.batch.pro_rata_end = Some(self.running.totals().to_vec());
        }
        run.batch
    }

    fn csv(&mut self, chunk: &Chunk, shape: &CsvShape, run: &mut Run) {
        let cx = self.cx;
        let mut reader = CsvRows::of(&chunk.bytes);
        let text = reader.text();
        // Rows of the current subject: `rows[..n]`; the buffers are reused.
        let mut n = 0;
        loop {
            if n == self.rows.len() {
                self.rows.push(Cells::default());
                self.lines.push(0);
                self.problems.push(None);
            }
            let (read, at) = reader.next(&mut self.rows[n]);
            let line = chunk.line + at - 1;
            let problem = match read {
                Ok(false) => break,
                Ok(true) => (self.rows[n].len() != shape.names.len()).then(|| RowProblem::Cells {
                    found: self.rows[n].len(),
                    expected: shape.names.len(),
                }),
                Err(problem) => {
                    // Nothing of the row can be trusted, its subject id included.
                    if n > 0 {
                        self.csv_subject(n, text, shape, run);
                        n = 0;
                    }
                    // The lines a quote never closed swallowed are rows of the file not read:
                    // counted as read (and failed), so the summary never shows a short file.
                    if let RowProblem::UnclosedQuote { lines, .. } = problem {
                        run.batch.summary.rows += lines;
                    }
                    run.bad_row(cx, RowError::new(line, problem), "");
                    continue;
                }
            };
            let id = trim(self.rows[n].get(text, shape.id).unwrap_or(""));
            if id.is_empty() {
                if n > 0 {
                    self.csv_subject(n, text, shape, run);
                    n = 0;
                }
                let problem = problem.unwrap_or_else(|| RowProblem::NoSubjectId {
                    column: cx.columns.id.clone(),
                });
                run.bad_row(cx, RowError::new(line, problem), "");
                continue;
            }
            // A row of the wrong width, or whose id or kind is refused, still names its subject
            // (by its trimmed id), which then fails as a whole.
            let problem = problem.or_else(|| row_problem(&self.rows[n], text, shape, cx.kind));
            self.lines[n] = line;
            self.problems[n] = problem;
            if n > 0
                && self.rows[0]
                    .get(text, shape.id)
                    .map(trim)
                    .is_some_and(|f| same_id(f, id))
            {
                n += 1;
                if n > MAX_SUBJECT_ROWS {
                    run.batch.fatal = Some(too_many_rows(id, self.lines[0]));
                    return;
                }
                continue;
            }
            if n > 0 {
                self.csv_subject(n, text, shape, run);
                self.rows.swap(0, n);
                self.lines.swap(0, n);
                self.problems.swap(0, n);
            }
            let id = trim(self.rows[0].get(text, shape.id).unwrap_or(""));
            if !run.begin(id, line) {
                return;
            }
            n = 1;
        }
        if n > 0 {
            self.csv_subject(n, text, shape, run);
        }
    }

    /// Evaluates the subject of `rows[..n]`.
    fn csv_subject(&mut self, n: usize, text: &str, shape: &CsvShape, run: &mut Run) {
        let cx = self.cx;
        let given = |r: &Cells, column: Option<usize>| {
            column
                .and_then(|c| r.get(text, c))
                .is_some_and(|c| !trim(c).is_empty())
        };
        // A row with a claim id (white space too: refused, F0180), a date or any other claim
        // cell takes the general path, which reads (and checks) them.
        let first = &self.rows[0];
        let plain = shape
            .claim_id
            .and_then(|c| first.get(text, c))
            .is_none_or(str::is_empty)
            && !given(first, shape.claim_date)
            && !shape.claim_cells.iter().any(|&c| given(first, Some(c)));
        if n == 1 && plain && !shape.series && self.problems[0].is_none() {
            return self.csv_single(text, shape, run);
        }
        let id = trim(self.rows[0].get(text, shape.id).unwrap_or("")).to_string();
        let mut subject = SubjectRows {
            id,
            rows: Vec::with_capacity(n),
            bad: Vec::new(),
        };
        for k in 0..n {
            if let Some(problem) = self.problems[k].take() {
                subject.bad.push(RowError::new(self.lines[k], problem));
                continue;
            }
            match csv_record(
                self.lines[k],
                &shape.names,
                self.rows[k].record(text),
                cx.rules(),
            ) {
                Ok(r) => {
                    run.batch.bare.note_record(&r, cx.inputs);
                    subject.rows.push(r);
                }
                Err(bad) => subject.bad.push(bad.error),
            }
        }
        let state = (&mut self.scratch, &mut self.running);
        evaluate(cx, &mut subject, run, state, &mut self.out, &self.history);
    }

    /// A subject of one row without a claim: bound from its cells.
    fn csv_single(&mut self, text: &str, shape: &CsvShape, run: &mut Run) {
        let cx = self.cx;
        let row = &self.rows[0];
        let line = self.lines[0];
        for (c, declared) in &shape.percent {
            let cell = row.get(text, *c).map(FactRef::cell);
            if let Some((bare, _)) = cell.and_then(|v| bare_percent_among(declared, v)) {
                run.batch.bare.note(&shape.names[*c], bare);
            }
        }
        let id = trim(row.get(text, shape.id).unwrap_or(""));
        let grants = match self.history.grants(id, line) {
            Ok(g) => g,
            Err(e) => {
                run.count_failed_grants(cx, &self.history, id, line);
                return run.bad_row(cx, e, id);
            }
        };
        let mut problems = Vec::new();
        for ((program, columns), bound) in cx
            .ev
            .policies()
            .programs()
            .iter()
            .zip(&shape.cells)
            .zip(&mut self.bound)
        {
            let cell = |c: usize| row.bytes(text, c);
            if let Err(p) = bind_cells(program, columns, cell, bound) {
                problems.extend(p);
            }
        }
        if let Err(p) = cx.ev.bind_history(cx.kind, &grants, &mut self.bound) {
            problems.extend(p);
        }
        if !problems.is_empty() {
            let e = row_error(line, &problems);
            run.count_failed_grants(cx, &self.history, id, line);
            return run.bad_row(cx, e, id);
        }
        if let Err(f) = decide(cx, &self.bound, &mut self.scratch, &mut self.running) {
            let internal = f.is_internal();
            run.count_failed_grants(cx, &self.history, id, line);
            return run.failed(cx, RowError::new(line, RowProblem::Failed(f)), id, internal);
        }
        let b = &mut run.batch;
        let verdicts = self.scratch.verdicts();
        b.summary.add(cx.ev, &self.scratch, 1);
        if cx.history {
            // The subject's grants use its policies' yearly budgets (every program's bound
            // facts hold the same resolved history: the first's is the subject's).
            if let Some(first) = self.bound.first() {
                b.summary.add_earlier(&first.history);
            }
        }
        let Some(w) = cx.writer else {
            return;
        };
        if w.unpaid_row(
            &mut b.text,
            &mut self.unpaid,
            (line, id),
            verdicts,
            cx.layout,
        ) {
            return;
        }
        if let Err(f) = one_row_into(
            &mut self.out,
            (line, id),
            verdicts,
            self.scratch.settlement(),
            cx.layout,
        ) {
            // Cannot happen: the row's sums are parts of the settled total. Reported, not hidden.
            run.count_failed_grants(cx, &self.history, id, line);
            return run.failed(cx, RowError::new(line, RowProblem::Failed(f)), id, true);
        }
        if cx.pro_rata.is_some() {
            let column = |v: &Verdict| Some((0, cx.layout.column((v.pi, v.ci))?));
            befores_into(&mut self.out.results, verdicts, &self.running, column);
        }
        w.row(&mut run.batch.text, &self.out.results[0], cx.layout);
    }

    fn jsonl(&mut self, chunk: &Chunk, run: &mut Run) {
        let cx = self.cx;
        let mut current: Option<SubjectRows> = None;
        for (k, bytes) in chunk.bytes.split(|b| *b == b'\n').enumerate() {
            let line = chunk.line + k as u64;
            // A line that is not UTF-8 is an error of its own, never read with replaced bytes.
            let item = match std::str::from_utf8(bytes) {
                Ok(text) => jsonl_record(line, text, cx.rules()),
                Err(_) => Some(Err(BadRow::from(RowError::new(
                    line,
                    RowProblem::LineNotUtf8,
                )))),
            };
            let Some(item) = item else {
                continue;
            };
            match item {
                Err(bad) => match current.as_mut() {
                    // A bad row of the subject being read fails that subject as a whole.
                    Some(s) if bad.id.as_deref().is_some_and(|id| same_id(id, &s.id)) => {
                        if s.rows.len() + s.bad.len() >= MAX_SUBJECT_ROWS {
                            let first = s.rows.first().map_or(bad.error.line, |r| r.line);
                            run.batch.fatal = Some(too_many_rows(&s.id, first));
                            return;
                        }
                        s.bad.push(bad.error);
                    }
                    _ => {
                        self.subject_so_far(&mut current, run);
                        match bad.id.filter(|id| !id.is_empty()) {
                            // A bad row that names its subject starts it, as a good row would
                            // (and as a CSV row does): the subject's later rows are not
                            // evaluated without it.
                            Some(id) => {
                                if !run.begin(&id, bad.error.line) {
                                    return;
                                }
                                current = Some(SubjectRows {
                                    id,
                                    rows: Vec::new(),
                                    bad: vec![bad.error],
                                });
                            }
                            None => run.bad_row(cx, bad.error, ""),
                        }
                    }
                },
                Ok(record) => {
                    self.note_ignored(&record, &mut run.batch);
                    match current.as_mut() {
                        Some(s) if same_id(&s.id, &record.id) => {
                            if s.rows.len() + s.bad.len() >= MAX_SUBJECT_ROWS {
                                let first = s.rows.first().map_or(record.line, |r| r.line);
                                run.batch.fatal = Some(too_many_rows(&s.id, first));
                                return;
                            }
                            s.rows.push(record);
                        }
                        _ => {
                            self.subject_so_far(&mut current, run);
                            if !run.begin(&record.id, record.line) {
                                return;
                            }
                            current = Some(SubjectRows {
                                id: record.id.clone(),
                                rows: vec![record],
                                bad: Vec::new(),
                            });
                        }
                    }
                }
            }
        }
        self.subject_so_far(&mut current, run);
    }

    /// Notes the keys of a JSON Lines `record` that are no input (a CSV header's are noted
    /// once, from the header), each once per chunk: reported like a CSV column that is none.
    fn note_ignored(&self, record: &super::Record, batch: &mut Batch) {
        let cx = self.cx;
        for (name, _) in record.subject.iter().chain(&record.claim) {
            // The inputs given too, so that one no row gives can be named (an ignored key may
            // have been meant as it).
            let list = if cx.inputs.ignores(name, cx.columns) {
                &mut batch.ignored
            } else {
                &mut batch.given
            };
            if !list.iter().any(|(n, _)| **n == **name) {
                list.push((name.to_string(), record.line));
            }
        }
    }

    /// Evaluates the subject read so far from JSON Lines, if any, leaving `current` empty.
    fn subject_so_far(&mut self, current: &mut Option<SubjectRows>, run: &mut Run) {
        if let Some(mut s) = current.take() {
            // Counted when its subject is, so that where a run stops counts end too.
            for r in &s.rows {
                run.batch.bare.note_record(r, self.cx.inputs);
            }
            let state = (&mut self.scratch, &mut self.running);
            evaluate(self.cx, &mut s, run, state, &mut self.out, &self.history);
        }
    }
}

/// Decides a subject bound to each program and, in the second pass of a run with budgets
/// reduced pro rata, reduces its awards under those that overrun.
#[inline]
fn decide<'p>(
    cx: &Context<'_, 'p>,
    bound: &[Bound],
    scratch: &mut Scratch<'p>,
    running: &mut Running,
) -> Result<(), Failure> {
    cx.ev.decide_into(cx.kind, bound, scratch)?;
    match cx.pro_rata {
        Some(plan) => plan.apply(running, cx.ev, scratch),
        None => Ok(()),
    }
}

/// Evaluates a subject read as records, writing its rows (or their errors).
fn evaluate<'p>(
    cx: &Context<'_, 'p>,
    subject: &mut SubjectRows,
    run: &mut Run,
    state: (&mut Scratch<'p>, &mut Running),
    out: &mut Rows,
    history: &ChunkHistory,
) {
    let line = subject.rows.first().map_or(0, |r| r.line);
    let b = &mut run.batch;
    if !subject.bad.is_empty() {
        run.count_failed_grants(cx, history, &subject.id, line);
        let b = &mut run.batch;
        // Every line of the subject is written, in input order, with the reason.
        let first = subject.bad[0].line;
        let mut lines: Vec<RowError> = subject
            .rows
            .iter()
            .map(|r| {
                let problem = RowProblem::SubjectNotRead {
                    subject: subject.id.clone(),
                    line: first,
                };
                RowError::new(r.line, problem)
            })
            .chain(subject.bad.iter().cloned())
            .collect();
        lines.sort_by_key(|e| e.line);
        b.summary.rows += lines.len() as u64;
        for e in &lines {
            if let Some(w) = cx.writer {
                w.error_row(&mut b.text, e, &subject.id);
            }
        }
        b.count_error(subject.bad.iter().cloned(), cx.max_errors);
        return;
    }
    match facts_and_rows(cx, subject, state, &mut b.summary, out, history) {
        Ok(Some(f)) => {
            if f.is_internal() {
                b.summary.internal_errors += 1;
            }
            let e = RowError::new(subject.rows[0].line, RowProblem::Failed(f));
            run.count_failed_grants(cx, history, &subject.id, line);
            failed_subject(cx, &mut run.batch, subject, e);
        }
        Ok(None) => {
            for r in &out.results {
                if let Some(w) = cx.writer {
                    w.row(&mut b.text, r, cx.layout);
                }
            }
        }
        Err(e) => {
            run.count_failed_grants(cx, history, &subject.id, line);
            failed_subject(cx, &mut run.batch, subject, e);
        }
    }
}

/// A subject that failed as a whole: counted once, every one of its rows written with `e`.
fn failed_subject(cx: &Context<'_, '_>, b: &mut Batch, subject: &SubjectRows, e: RowError) {
    b.summary.rows += subject.rows.len() as u64;
    for r in &subject.rows {
        let line = RowError::new(r.line, e.problem.clone());
        if let Some(w) = cx.writer {
            w.error_row(&mut b.text, &line, &subject.id);
        }
    }
    b.count_error([e], cx.max_errors);
}

/// Evaluates a subject read as records through its facts, leaving its rows in `out`; an error
/// names the line to blame, a failure of the whole subject comes back as it is (not counted).
fn facts_and_rows<'p>(
    cx: &Context<'_, 'p>,
    subject: &mut SubjectRows,
    (scratch, running): (&mut Scratch<'p>, &mut Running),
    summary: &mut Summary,
    out: &mut Rows,
    history: &ChunkHistory,
) -> Result<Option<Failure>, RowError> {
    let mut facts = facts_of(subject, cx.kind, cx.columns, cx.ev.policies().programs())?;
    facts.history = history.grants(&subject.id, subject.rows[0].line)?;
    // Columns that are not inputs were reported once, from the header: binding and deciding
    // is all a row needs.
    let bound = cx
        .ev
        .bind(&facts)
        .map_err(|problems| row_error(subject.rows[0].line, &problems))?;
    if let Err(f) = decide(cx, &bound, scratch, running) {
        return Ok(Some(f));
    }
    if cx.writer.is_some() {
        let keys: Vec<RowKey<'_>> = subject
            .rows
            .iter()
            .map(|r| (r.line, r.claim_id.as_deref()))
            .collect();
        let written = rows_into(
            out,
            &subject.id,
            &keys,
            scratch.verdicts(),
            scratch.settlement(),
            &bound,
            cx.ev,
            cx.layout,
        );
        if let Err(f) = written {
            return Ok(Some(f));
        }
        if cx.pro_rata.is_some() {
            let index = RowIndex::new(&keys);
            let place =
                |v: &Verdict| Some((index.row_of(v, &bound), cx.layout.column((v.pi, v.ci))?));
            befores_into(&mut out.results, scratch.verdicts(), running, place);
        }
    }
    // Counted once its rows are known to be written, with its grants (against the budgets;
    // every program's bound facts hold the same resolved history).
    summary.add(cx.ev, scratch, subject.rows.len());
    if let Some(first) = bound.first().filter(|_| cx.history) {
        summary.add_earlier(&first.history);
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every row with its line, as a reader gives them.
    fn rows(mut r: CsvRows<'_>) -> Vec<(Vec<String>, u64)> {
        let mut out = Vec::new();
        let mut cells = Cells::default();
        let text = r.text();
        loop {
            match r.next(&mut cells) {
                (Ok(true), line) => {
                    // Through both accessors: cell by cell, and as a record.
                    let got: Vec<String> = (0..cells.len())
                        .map(|i| cells.get(text, i).unwrap_or("").to_string())
                        .collect();
                    let record = cells.record(text);
                    assert!(got.iter().map(String::as_str).eq(record.iter()));
                    out.push((got, line));
                }
                (Ok(false), _) => return out,
                (Err(e), _) => panic!("{e:?}"),
            }
        }
    }

    proptest! {
        #[test]
        fn the_fast_number_path_orders_ids_as_id_order_does(
            a in "[+-]{0,1}[0-9]{0,21}|[0-9a +]{0,5}",
            b in "[+-]{0,1}[0-9]{0,21}|[0-9a +]{0,5}",
        ) {
            if let (Some(x), Some(y)) = (id_number(&a), id_number(&b)) {
                if x != y {
                    prop_assert_eq!(x.cmp(&y), id_order(&a, &b));
                }
            }
        }

        #[test]
        fn splitting_plain_rows_reads_them_as_the_csv_reader_does(text in "[a1 ,\n好]{0,90}") {
            let plain = CsvRows::of(text.as_bytes());
            let is_plain = matches!(plain, CsvRows::Plain { .. });
            prop_assert!(is_plain);
            let reader = CsvRows::Reader(csv_rows(text.as_bytes()), text.as_bytes(), (0, 0));
            prop_assert_eq!(rows(plain), rows(reader));
        }
    }

    #[test]
    fn a_batch_keeps_a_bounded_record_of_its_bad_rows() {
        let batch = || Batch {
            seq: 0,
            text: String::new(),
            summary: Summary::default(),
            errors: Vec::new(),
            listed: 0,
            error_ends: Vec::new(),
            first: None,
            first_at: 0,
            last: None,
            fatal: None,
            pro_rata_end: None,
            ignored: Vec::new(),
            given: Vec::new(),
            bare: BareCounts::default(),
        };
        let bad = |line| {
            let column = "id".to_string();
            RowError::new(line, RowProblem::NoSubjectId { column })
        };
        // Without --max-errors: a count, the errors a run reports, and nothing per row.
        let mut b = batch();
        for line in 2..100_002 {
            b.count_error([bad(line)], 0);
        }
        assert_eq!((b.summary.errors, b.listed), (100_000, 100_000));
        assert_eq!(b.errors.len(), MAX_KEPT_ERRORS);
        assert_eq!(b.errors[0].line, 2);
        assert!(b.error_ends.is_empty());
        // With it: where each error ends, up to that many.
        let mut b = batch();
        for line in 2..100_002 {
            b.count_error([bad(line), bad(line)], 7);
        }
        assert_eq!(b.listed, 200_000);
        assert_eq!(b.errors.len(), MAX_KEPT_ERRORS);
        assert_eq!(b.error_ends.len(), 7);
        assert_eq!(
            b.error_ends[6],
            ErrorEnd {
                text: 0,
                listed: 14,
                line: 8,
                bare: Vec::new(),
            }
        );
    }

    #[test]
    fn quotes_and_carriage_returns_go_to_the_reader() {
        for text in ["a,\"b\"\n", "a,b\r\n", "a\rb\n"] {
            assert!(
                matches!(CsvRows::of(text.as_bytes()), CsvRows::Reader(..)),
                "{text:?}"
            );
        }
        assert!(matches!(CsvRows::of(b"a,\xff\n"), CsvRows::Reader(..)));
        // Rows after blank lines keep their true line, whichever way they are read.
        let text = "a\n\n\"b\nc\"\r\n\r\n\nd\n";
        let lines: Vec<u64> = rows(CsvRows::of(text.as_bytes()))
            .iter()
            .map(|r| r.1)
            .collect();
        assert_eq!(lines, [1, 3, 7]);
    }
}
