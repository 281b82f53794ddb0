//! Running a population through the policies: threads, chunks, the order of the output,
//! progress and cancellation.
//!
//! Input: a [`Simulation`] (the policies with fixed options, the kind of subject, how the
//! population is laid out and how rows are written), a reader of the population (CSV with a
//! header row, or JSON Lines, sorted by subject id) and optionally a writer for the per-row
//! output. Output: the rows written in input order, and a [`Report`]: the summary, the first
//! errors, the columns ignored and how the run ended ([`End`]).
//!
//! Guarantee: one thread cuts the input into chunks of whole subjects, worker threads read,
//! group, check and evaluate a chunk each, and the calling thread puts the chunks back in input
//! order, checks the order of subjects across chunks, writes the rows and merges the summaries.
//! The rows, the summary and the errors never depend on the chunk size or the thread count.
//! Nothing here reads a file, the clock or the terminal: the caller passes the reader and
//! the writer, hears of progress through a callback and stops a run with a flag.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::io::{self, Read, Write};
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Mutex, OnceLock};

use super::batch::{Batch, Context, CsvShape, Sequence, Source, Worker};
use super::chunks::{newlines, Chunk, Chunker, SubjectTooLarge, MAX_CHUNK};
use super::history::{chunk_ids, cut_after, ChunkHistory, HistoryReader};
use super::input::{
    csv_header, csv_id, jsonl_id, BareCounts, BarePercentColumn, IgnoredColumn, InputNames,
};
use super::output::{RowFormat, RowWriter};
use super::{
    check_titles, default_columns, parse_columns, Columns, Layout, RowError, RowProblem, Summary,
};
use crate::compile::Kind;
use crate::eval::{Evaluator, FactProblem, Failure, Options, PolicySet};

/// The chunk size used unless another is given: big enough that handing chunks over costs
/// little, small enough that every thread stays busy to the end and memory stays flat.
pub const DEFAULT_CHUNK: usize = 256 * 1024;

/// The most worker threads a run uses: far more than any machine has cores, few enough that
/// their buffers and stacks always fit.
pub const MAX_THREADS: usize = 1024;

/// The most row errors a [`Report`] keeps (the summary counts them all).
pub const MAX_REPORTED_ERRORS: usize = 100;

/// The format of a population.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PopulationFormat {
    /// CSV with a header row naming the columns.
    Csv,
    /// JSON Lines: one JSON object per row.
    Jsonl,
}

/// How a population is read and run.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SimulationOptions {
    /// The kind of subject every row describes.
    pub kind: Kind,
    /// CSV or JSON Lines.
    pub format: PopulationFormat,
    /// The columns holding the subject id, the claim id and the claim date.
    pub columns: Columns,
    /// Bytes of input per chunk handed to a worker, from 1 to 16 MiB (other sizes are brought
    /// into that range). Results never depend on it.
    pub chunk_size: usize,
    /// Worker threads, from 1 to [`MAX_THREADS`] (other counts are brought into that range).
    /// Results never depend on it.
    pub threads: usize,
    /// Stop, with [`End::MaxErrors`], once this many rows or subjects have failed.
    pub max_errors: Option<NonZeroU64>,
    /// How rows are written, when a writer is given to [`Simulation::run`].
    pub rows: RowFormat,
    /// The columns of the rows, comma-separated `[TITLE=]NAME` (as `pol simulate --columns`);
    /// `None` for every payer and every clause's amount and outcome.
    pub row_columns: Option<String>,
    /// Write CSV text cells as they are, even those a spreadsheet would run as a formula
    /// (`=`, `+`, `-`, `@`, a tab or a carriage return first); by default such a cell starts
    /// with `'`. JSON Lines rows are always written as they are.
    pub raw_text: bool,
}

impl SimulationOptions {
    /// A CSV population of subjects of `kind` with the usual columns (`id`, `claim_id`,
    /// `claim_date`), run in chunks of 256 KiB on one thread per core, rows written as CSV.
    pub fn new(kind: Kind) -> SimulationOptions {
        SimulationOptions {
            kind,
            format: PopulationFormat::Csv,
            columns: Columns::default(),
            chunk_size: DEFAULT_CHUNK,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_errors: None,
            rows: RowFormat::Csv,
            row_columns: None,
            raw_text: false,
        }
    }
}

/// Why a simulation cannot start.
#[derive(Debug)]
#[non_exhaustive]
pub enum SimulateError {
    /// `project` is the kind of a claim, not of a subject.
    NotASubject(Kind),
    /// No clause of the policies is for this kind of subject (F0371): every row would be paid
    /// nothing.
    KindNotAwarded {
        /// The kind given.
        kind: Kind,
        /// The kinds the policies award, in alphabetical order.
        awarded: Vec<Kind>,
    },
    /// The settings do not fit the policies' parameters (F03xx).
    Settings(Vec<FactProblem>),
    /// The row columns cannot be read: what is wrong with them.
    Columns(String),
    /// The CSV header cannot be read: why.
    Header(String),
    /// The header names a column twice: which value is meant would be a guess. The name in
    /// backticks, or its two spellings with their code points.
    DuplicateColumn(String),
    /// The header has no subject id column: the column looked for.
    NoIdColumn(String),
    /// The header has no claim id column: the column looked for, and the columns that give
    /// claims (none when the column was named with `--claim-id-column`). Each claim would
    /// otherwise be read as a row of its subject alone.
    NoClaimIdColumn {
        /// The claim id's column looked for.
        column: String,
        /// The header's columns that give claims.
        given: Vec<String>,
    },
    /// The header of the rows cannot be written.
    Write(io::Error),
    /// A budget reduced pro rata needs the population twice ([`Simulation::run_twice`]), but
    /// [`Simulation::run`] was given one reader (F0355).
    TwoPasses,
    /// The population cannot be opened again for the second pass: why.
    Reopen(String),
    /// The history file cannot be opened, its header read, or it lacks a column: why.
    History(String),
}

/// What a run says of a kind that is not a subject's (`project`, or a word that is no kind).
pub(crate) fn not_a_subject(kind: &str) -> String {
    format!("`{kind}` is not a kind of subject; use enterprise, institution, person or region")
}

impl fmt::Display for SimulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimulateError::NotASubject(kind) => f.write_str(&not_a_subject(kind.as_str())),
            SimulateError::KindNotAwarded { kind, awarded } => write!(
                f,
                "no clause of these policies is for a subject of kind `{}`, so every row would be paid nothing; these policies award: {}",
                kind.as_str(),
                kind_list(awarded)
            ),
            SimulateError::Settings(problems) => {
                let words: Vec<String> = problems.iter().map(ToString::to_string).collect();
                write!(f, "the settings do not fit the policies: {}", words.join("; "))
            }
            SimulateError::Columns(why) => write!(f, "the row columns: {why}"),
            SimulateError::Header(why) => f.write_str(why),
            SimulateError::DuplicateColumn(name) => write!(
                f,
                "the column {name} appears twice in the population's header; rename or remove one"
            ),
            SimulateError::NoIdColumn(name) => {
                write!(f, "the population has no `{name}` column for the subject id")
            }
            SimulateError::NoClaimIdColumn { column, given } if given.is_empty() => write!(
                f,
                "the population has no `{}` column for the claim id (--claim-id-column)",
                crate::eval::format::escape(column)
            ),
            SimulateError::NoClaimIdColumn { column, given } => {
                let given: Vec<String> = given.iter().map(|c| format!("`{}`", crate::eval::format::escape(c))).collect();
                write!(
                    f,
                    "the population has claim columns ({}) but no `{}` column for the claim id, so no row could be read as a claim and every claim would be dropped; name the claim id's column with --claim-id-column, or remove the claim columns",
                    given.join(", "),
                    crate::eval::format::escape(column)
                )
            }
            SimulateError::Write(e) => write!(f, "cannot write the rows: {e}"),
            SimulateError::TwoPasses => f.write_str(
                "a budget of these policies is reduced pro rata, so the population is read twice: give it as a file, not a stream (F0355)",
            ),
            SimulateError::History(why) => f.write_str(why),
            SimulateError::Reopen(why) => {
                write!(f, "cannot read the population again for the second pass: {why}")
            }
        }
    }
}

impl std::error::Error for SimulateError {}

/// Kinds as a list in words: `enterprise, institution`.
pub fn kind_list(kinds: &[Kind]) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    names.join(", ")
}

/// How a run ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum End {
    /// Every row was read; the summary is complete.
    Completed,
    /// The cancel flag was raised: the run stopped between chunks.
    Cancelled,
    /// A problem that stops the run (a subject out of order, F0211, or over the limits, F0201
    /// and F0202): the rows before it are written, nothing after.
    Stopped(RowError),
    /// The population cannot be read on.
    ReadFailed(io::Error),
    /// `max_errors` rows or subjects failed: the rows up to the last of them are written.
    MaxErrors,
    /// The rows cannot be written.
    WriteFailed(io::Error),
    /// A total of the summary is too large to hold exactly (F0402), or a budget reduced pro
    /// rata is overrun by ranges (F0403, after the first pass: no row is written), or the
    /// population changed between the two passes (F0404).
    SummaryFailed(Failure),
}

/// What a run gives besides its rows.
#[derive(Debug)]
#[non_exhaustive]
pub struct Report {
    /// Counts and sums over the rows read (complete when the run ended with
    /// [`End::Completed`]).
    pub summary: Summary,
    /// The first [`MAX_REPORTED_ERRORS`] row errors, in input order (the summary counts them
    /// all).
    pub errors: Vec<RowError>,
    /// Columns that are not inputs of the policies, in the order first met (CSV header names,
    /// JSON Lines keys), each once: they are ignored. The summary lists them too.
    pub ignored_columns: Vec<IgnoredColumn>,
    /// With columns ignored: the inputs of the run's kind no column gives, whose default (or
    /// no value) applies to every subject. The summary lists them too.
    pub inputs_given_by_no_column: Vec<crate::eval::facts::UnsetInput>,
    /// Columns of percentages where bare numbers were refused as percentage points (F0114,
    /// F0172) and others read as ratios, in the order first met, each once with its counts:
    /// those read as ratios may be percentage points too (F0173). The summary lists them too.
    pub bare_percent_columns: Vec<BarePercentColumn>,
    /// How the run ended.
    pub end: End,
}

/// A policy set ready to run populations of one kind of subject.
pub struct Simulation<'s> {
    /// The only evaluator of the run: every worker decides through it.
    ev: Evaluator<'s>,
    options: SimulationOptions,
    layout: Layout,
    claim_inputs: HashSet<String>,
    /// The inputs' names, to tell the columns that are none.
    inputs: InputNames,
    writer: RowWriter,
    /// The budget lines reduced pro rata: the population is then read twice.
    pro_rata: Vec<super::pro_rata::Line>,
}

impl<'s> Simulation<'s> {
    /// Fixes the options for runs of `set`: the date and settings of `options` (explanations
    /// and reasons are never recorded: rows carry figures), and how populations are read and
    /// rows written.
    pub(crate) fn new(
        set: &'s PolicySet,
        options: &Options,
        sim: SimulationOptions,
    ) -> Result<Simulation<'s>, SimulateError> {
        if sim.kind == Kind::Project {
            return Err(SimulateError::NotASubject(sim.kind));
        }
        // Column names are named as a header's are read (`keys::written_name`: NFC, ends
        // trimmed), so `编号金` typed with a compatibility ideograph finds the column `编号金`.
        let mut sim = sim;
        let c = &mut sim.columns;
        for name in [
            &mut c.id,
            &mut c.claim_id,
            &mut c.claim_date,
            &mut c.item,
            &mut c.document,
        ] {
            *name = crate::keys::written_name(name).into_owned();
        }
        if let Some(spec) = &mut sim.row_columns {
            if let std::borrow::Cow::Owned(n) = crate::keys::name(spec) {
                *spec = n;
            }
        }
        // A population of a kind no clause is for would be paid nothing, every row
        // "evaluated": almost always a wrong kind, so it is refused rather than reported as a
        // zero cost.
        let awarded: BTreeSet<Kind> = set
            .programs()
            .iter()
            .flat_map(|p| p.clauses.iter().flat_map(|c| c.subjects.iter().copied()))
            .collect();
        if !awarded.contains(&sim.kind) {
            let mut awarded: Vec<Kind> = awarded.into_iter().collect();
            awarded.sort_by_key(|k| k.as_str());
            return Err(SimulateError::KindNotAwarded {
                kind: sim.kind,
                awarded,
            });
        }
        // Figures only: the silent tracer records no words.
        let ev = set
            .evaluator::<crate::eval::Silent>(options)
            .map_err(SimulateError::Settings)?;
        let layout = Layout::of(&ev);
        let columns = match &sim.row_columns {
            Some(spec) => parse_columns(spec, &layout).map_err(SimulateError::Columns)?,
            None => default_columns(&layout),
        };
        let nested = sim.rows == RowFormat::Jsonl && sim.row_columns.is_none();
        // Nested JSON Lines rows keep payers and clauses under keys of their own.
        if !nested {
            check_titles(&columns, &layout).map_err(SimulateError::Columns)?;
        }
        let writer = RowWriter {
            format: sim.rows,
            nested,
            columns,
            raw_text: sim.raw_text,
        };
        let claim_inputs = set
            .programs()
            .iter()
            .flat_map(|p| p.claim_inputs.iter().map(|i| i.name.clone()))
            .collect();
        Ok(Simulation {
            ev,
            options: sim,
            layout,
            claim_inputs,
            inputs: InputNames::of(set.programs()),
            writer,
            pro_rata: super::pro_rata::lines(set),
        })
    }

    /// Runs the population `input`, writing one row per input row to `rows` (when given; the
    /// CSV header first). `progress` hears the bytes of input read so far after each chunk;
    /// raising `cancel` stops the run between chunks ([`End::Cancelled`]). An error is a
    /// population that cannot start (its header); everything after is in the [`Report`].
    /// Policies with a budget reduced pro rata need the population twice
    /// ([`Simulation::run_twice`]): for them this is [`SimulateError::TwoPasses`].
    pub fn run<R: Read + Send>(
        &self,
        input: R,
        rows: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(u64),
        cancel: &AtomicBool,
    ) -> Result<Report, SimulateError> {
        if self.needs_two_passes() {
            return Err(SimulateError::TwoPasses);
        }
        self.pass(input, None, rows, progress, cancel, Pass::Only)
    }

    /// [`Simulation::run`] with the subjects' earlier grants read from `history` (CSV or JSON
    /// Lines, sorted by subject id like the population, read in step with it): each subject
    /// is evaluated with its grants, as `pol eval` evaluates facts with that `history`.
    pub fn run_with_history<R: Read + Send, H: Read + Send>(
        &self,
        input: R,
        history: Option<(H, PopulationFormat)>,
        rows: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(u64),
        cancel: &AtomicBool,
    ) -> Result<Report, SimulateError> {
        if self.needs_two_passes() {
            return Err(SimulateError::TwoPasses);
        }
        let history = self.history_reader(history)?;
        self.pass(input, history, rows, progress, cancel, Pass::Only)
    }

    /// The reader of a history file, its header read.
    fn history_reader<'h, H: Read + Send + 'h>(
        &'h self,
        history: Option<(H, PopulationFormat)>,
    ) -> Result<Option<HistoryReader<'h>>, SimulateError> {
        match history {
            Some((h, format)) => {
                let jsonl = format == PopulationFormat::Jsonl;
                let mut reader = HistoryReader::new(h, jsonl, &self.options.columns)
                    .map_err(SimulateError::History)?;
                // Policies with yearly budgets count the grants already paid in their years,
                // of the history's subjects not in the population too.
                if let Some(e) = super::history::Earlier::new(&self.ev) {
                    reader.count_earlier(e);
                }
                Ok(Some(reader))
            }
            None => Ok(None),
        }
    }

    /// Whether the policies have a budget reduced pro rata (`pro_rata`), so that the population
    /// is read twice: once to add up each such year, once to reduce and write every row.
    pub fn needs_two_passes(&self) -> bool {
        !self.pro_rata.is_empty()
    }

    /// Runs the population as [`Simulation::run`] does, reading it twice when a budget is
    /// reduced pro rata: `first` adds up each such year (nothing is written), `second` (opened
    /// only then) reduces and writes every row. A first pass that does not complete (a subject
    /// out of order, too many errors, an interruption) ends the run with nothing written, and
    /// so does a year whose overrun cannot be reduced exactly (F0403). Memory stays flat: the
    /// first pass keeps one running total per chunk and reduced budget line.
    pub fn run_twice<R: Read + Send>(
        &self,
        first: R,
        second: &mut dyn FnMut() -> Result<R, String>,
        rows: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(u64),
        cancel: &AtomicBool,
    ) -> Result<Report, SimulateError> {
        let no_history: Option<HistorySource<'_, &[u8]>> = None;
        self.run_twice_with_history(first, second, no_history, rows, progress, cancel)
    }

    /// [`Simulation::run_twice`] with the subjects' earlier grants: `history` opens the history
    /// file (for each pass) and says its format, as for [`Simulation::run_with_history`].
    pub fn run_twice_with_history<R: Read + Send, H: Read + Send>(
        &self,
        first: R,
        second: &mut dyn FnMut() -> Result<R, String>,
        mut history: Option<HistorySource<'_, H>>,
        rows: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(u64),
        cancel: &AtomicBool,
    ) -> Result<Report, SimulateError> {
        let mut open_history = || -> Result<Option<(H, PopulationFormat)>, SimulateError> {
            match history.as_mut() {
                Some((open, format)) => {
                    Ok(Some((open().map_err(SimulateError::History)?, *format)))
                }
                None => Ok(None),
            }
        };
        if !self.needs_two_passes() {
            let h = self.history_reader(open_history()?)?;
            return self.pass(first, h, rows, progress, cancel, Pass::Only);
        }
        let mut recorder = super::pro_rata::Recorder::new(self.pro_rata.clone());
        let h = self.history_reader(open_history()?)?;
        let counted = self.pass(
            first,
            h,
            None,
            progress,
            cancel,
            Pass::Record(&mut recorder),
        )?;
        if !matches!(counted.end, End::Completed) {
            return Ok(counted);
        }
        let set = self.ev.policies();
        let earlier = |pi, year| counted.summary.earlier_in(pi, year);
        let plan = match recorder.plan(set, earlier) {
            Ok(p) => p,
            Err(f) => {
                return Ok(Report {
                    end: End::SummaryFailed(f),
                    ..counted
                })
            }
        };
        let input = second().map_err(SimulateError::Reopen)?;
        let h = self.history_reader(open_history()?)?;
        let mut report = self.pass(input, h, rows, progress, cancel, Pass::Apply(&plan))?;
        if matches!(report.end, End::Completed) {
            if let Err(f) = plan.annotate(set, &mut report.summary) {
                report.end = End::SummaryFailed(f);
            }
        }
        Ok(report)
    }

    /// One pass over the population: [`Simulation::run`]'s work, with what `pass` adds.
    fn pass<R: Read + Send>(
        &self,
        input: R,
        history: Option<HistoryReader<'_>>,
        rows: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(u64),
        cancel: &AtomicBool,
        pass: Pass<'_>,
    ) -> Result<Report, SimulateError> {
        let o = &self.options;
        let jsonl = o.format == PopulationFormat::Jsonl;
        let id_column = OnceLock::new();
        let columns = &o.columns;
        let mut chunker = Chunker::new(
            input,
            !jsonl,
            o.chunk_size.clamp(1, MAX_CHUNK),
            // Cut on the id's compared form: two spellings of one id are one subject.
            |record: &[u8]| {
                let id = match id_column.get() {
                    Some(&c) => csv_id(record, c),
                    None => jsonl_id(record, columns),
                };
                id.map(|id| crate::keys::key(&id).into_owned())
            },
        );
        let (source, ignored_columns) = if jsonl {
            (Source::Jsonl, Vec::new())
        } else {
            let (shape, ignored) = self.csv_shape(&mut chunker)?;
            let _ = id_column.set(shape.id);
            (Source::Csv(shape), ignored)
        };
        // The names that give inputs: the header's, or the JSON Lines keys met (below).
        let mut names: Vec<String> = match &source {
            Source::Csv(shape) => shape.names.iter().map(|n| n.to_string()).collect(),
            Source::Jsonl => Vec::new(),
        };
        let claims = match &source {
            Source::Csv(shape) => shape.claim_id.is_some(),
            Source::Jsonl => true,
        };
        let mut rows = rows;
        if let (Some(w), RowFormat::Csv) = (rows.as_mut(), self.writer.format) {
            w.write_all(self.writer.header().as_bytes())
                .map_err(SimulateError::Write)?;
        }
        let cx = Context {
            ev: &self.ev,
            kind: o.kind,
            columns,
            claim_inputs: &self.claim_inputs,
            inputs: &self.inputs,
            max_errors: o.max_errors.map_or(0, NonZeroU64::get),
            layout: &self.layout,
            writer: rows.is_some().then_some(&self.writer),
            source,
            pro_rata: match &pass {
                Pass::Apply(plan) => Some(plan),
                _ => None,
            },
            history: history.is_some(),
        };
        let mut merger = Merger::new(&self.ev, o.max_errors, rows);
        match pass {
            Pass::Record(r) => merger.recorder = Some(r),
            Pass::Apply(plan) => merger.plan = Some(plan),
            Pass::Only => {}
        }
        let given = history.is_some();
        let at_end = Mutex::new(HistoryEnd::default());
        let reading = Reading {
            chunker,
            history,
            history_budget: o.chunk_size.clamp(1, MAX_CHUNK),
            at_end: &at_end,
        };
        let read_end = in_threads(&cx, reading, o.threads, &mut merger, progress, cancel);
        if given {
            // The history's subjects after the population's last: none of them is in it.
            let end = at_end.into_inner().unwrap_or_else(|p| p.into_inner());
            merger.summary.add_history(Some(0), Some(end.ignored));
            merger.summary.add_earlier_sums(&end.earlier);
        }
        let end = self.end(&mut merger, read_end, cancel);
        if matches!(end, End::Completed) {
            merger.summary.note_kinds(&self.ev, o.kind);
        }
        // The header's columns, then the JSON Lines keys in the order first met.
        let mut ignored_columns = ignored_columns;
        for (name, _) in merger.ignored.drain(..) {
            ignored_columns.push(self.inputs.ignored(&name));
        }
        names.extend(merger.given.drain(..).map(|(name, _)| name));
        let inputs_given_by_no_column = if ignored_columns.is_empty() {
            Vec::new()
        } else {
            self.unset_inputs(&names, claims)
        };
        merger.summary.ignored_columns.clone_from(&ignored_columns);
        merger
            .summary
            .inputs_given_by_no_column
            .clone_from(&inputs_given_by_no_column);
        let bare_percent_columns = merger.bare.warnings();
        merger
            .summary
            .bare_percent_columns
            .clone_from(&bare_percent_columns);
        Ok(Report {
            summary: merger.summary,
            errors: merger.errors,
            ignored_columns,
            inputs_given_by_no_column,
            bare_percent_columns,
            end,
        })
    }

    /// The inputs of the run's kind (and claim inputs, with `claims`) that none of the names
    /// `given` (columns, keys; a series by its year columns) gives.
    fn unset_inputs(&self, given: &[String], claims: bool) -> Vec<crate::eval::facts::UnsetInput> {
        let programs: Vec<&crate::compile::Program> =
            self.ev.policies().programs().iter().collect();
        let given = |name: &str| {
            given.iter().any(|g| {
                g == name || crate::eval::series::series_name(g).is_some_and(|(n, _)| n == name)
            })
        };
        crate::eval::facts::unset_inputs(&programs, self.options.kind, claims, &given)
    }

    /// Reads the CSV header: the shape of the rows, and the columns that are not inputs.
    fn csv_shape<R: Read, F: Fn(&[u8]) -> Option<String>>(
        &self,
        chunker: &mut Chunker<R, F>,
    ) -> Result<(CsvShape, Vec<IgnoredColumn>), SimulateError> {
        let header = match chunker.first_record() {
            Ok(Some(h)) => csv_header(&h),
            Ok(None) => Err("cannot read the CSV header: the file is empty".to_string()),
            Err(e) => Err(format!("cannot read the CSV header: {e}")),
        }
        .map_err(SimulateError::Header)?;
        let columns = &self.options.columns;
        if let Some(h) = super::input::repeated_column(&header) {
            return Err(SimulateError::DuplicateColumn(h));
        }
        let header: Vec<String> = header
            .iter()
            .map(|h| super::input::column_name(h).into_owned())
            .collect();
        let ignored = header
            .iter()
            .filter(|h| self.inputs.ignores(h, columns))
            .map(|h| self.inputs.ignored(h))
            .collect();
        let shape = CsvShape::new(&self.ev, &self.inputs, &header, columns, &self.claim_inputs)
            .ok_or_else(|| SimulateError::NoIdColumn(columns.id.clone()))?;
        if shape.claim_id.is_none() {
            // A claim id column named on the command line must be there, as the id's must; the
            // default one only when the header gives claims.
            let given: Vec<String> = match columns.claim_id == Columns::default().claim_id {
                false => Vec::new(),
                true => shape
                    .claim_date
                    .iter()
                    .chain(&shape.claim_cells)
                    .map(|&c| header[c].clone())
                    .collect(),
            };
            if columns.claim_id != Columns::default().claim_id || !given.is_empty() {
                return Err(SimulateError::NoClaimIdColumn {
                    column: columns.claim_id.clone(),
                    given,
                });
            }
        }
        Ok((shape, ignored))
    }

    /// How a run ended, the first reason first: cancelled, stopped by the population,
    /// unreadable, too many errors, unwritable; else its summary is finished.
    fn end(
        &self,
        merger: &mut Merger<'_, '_>,
        read_end: Option<ReadEnd>,
        cancel: &AtomicBool,
    ) -> End {
        let (too_large, read_failed) = match read_end {
            Some(ReadEnd::TooLarge(e) | ReadEnd::History(e)) => (Some(e), None),
            Some(ReadEnd::Failed(e)) => (None, Some(e)),
            None => (None, None),
        };
        if cancel.load(Ordering::SeqCst) {
            return End::Cancelled;
        }
        if let Some(e) = merger.fatal.take().or(too_large) {
            return End::Stopped(e);
        }
        if let Some(f) = merger.changed.take() {
            return End::SummaryFailed(f);
        }
        if let Some(e) = read_failed {
            return End::ReadFailed(e);
        }
        if merger.too_many {
            return End::MaxErrors;
        }
        if let Some(w) = merger.rows.as_mut() {
            if let Err(e) = w.flush() {
                merger.write_error.get_or_insert(e);
            }
        }
        if let Some(e) = merger.write_error.take() {
            return End::WriteFailed(e);
        }
        match merger.summary.finish(&self.ev) {
            Ok(()) => End::Completed,
            Err(f) => End::SummaryFailed(f),
        }
    }
}

/// What a pass over the population does besides [`Simulation::run`]'s work.
enum Pass<'r> {
    /// Nothing: the only pass.
    Only,
    /// The first of two: each chunk's awards under the budgets reduced pro rata are recorded.
    Record(&'r mut super::pro_rata::Recorder),
    /// The second of two: awards under overrun budgets are reduced by the plan.
    Apply(&'r super::pro_rata::Plan),
}

/// Why reading the population ended early.
enum ReadEnd {
    /// A subject takes more bytes than pol holds for one (F0202).
    TooLarge(RowError),
    /// The history's rows after the population's last subject are out of order (F0260) or
    /// unreadable (F0261).
    History(RowError),
    /// The input cannot be read on.
    Failed(io::Error),
}

/// What the reading thread reads: the population cut into chunks, and the history (if any)
/// read in step with it.
struct Reading<'h, R, F> {
    chunker: Chunker<R, F>,
    history: Option<HistoryReader<'h>>,
    /// The bytes of history rows one chunk's grants may take before the chunk is cut (the
    /// chunk size): a dense history is handed out in pieces, as the population is.
    history_budget: usize,
    /// Set when the population ends: what the history's reading came to.
    at_end: &'h Mutex<HistoryEnd>,
}

/// What reading the history came to, once the population has ended.
#[derive(Default)]
struct HistoryEnd {
    /// The history's subjects after the population's last.
    ignored: u64,
    /// Its grants counted against yearly budgets (by policy and year).
    earlier: Vec<((usize, i32), super::tally::Tally)>,
}

/// A chunk and its subjects' earlier grants.
type Work = (Chunk, ChunkHistory);

/// How to open a history file (once per pass over the population), and its format.
pub type HistorySource<'o, H> = (&'o mut dyn FnMut() -> Result<H, String>, PopulationFormat);

/// Runs the chunks of `chunker` on `threads` workers, a thread of its own cutting them, and
/// merges their batches on this thread: how reading ended, if early.
fn in_threads<R: Read + Send, F: Fn(&[u8]) -> Option<String> + Send>(
    cx: &Context<'_, '_>,
    reading: Reading<'_, R, F>,
    threads: usize,
    merger: &mut Merger<'_, '_>,
    progress: &mut dyn FnMut(u64),
    cancel: &AtomicBool,
) -> Option<ReadEnd> {
    let threads = threads.clamp(1, MAX_THREADS);
    let stop = AtomicBool::new(false);
    let consumed = AtomicU64::new(0);
    let (stop, consumed) = (&stop, &consumed);
    let (work_tx, work_rx) = mpsc::sync_channel::<Work>(threads * 2);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::sync_channel::<Batch>(threads * 2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || work(cx, work_rx, &done_tx));
        }
        drop(done_tx);
        let (source, columns) = (&cx.source, cx.columns);
        let reader =
            scope.spawn(move || read(reading, (source, columns), &work_tx, cancel, stop, consumed));
        for done in done_rx {
            merger.take(done);
            if merger.stopped() {
                stop.store(true, Ordering::SeqCst);
            }
            progress(consumed.load(Ordering::Relaxed));
        }
        reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// A worker: evaluates chunks until there are no more (or no one takes the batches).
fn work(cx: &Context<'_, '_>, chunks: &Mutex<Receiver<Work>>, done: &SyncSender<Batch>) {
    let mut worker = Worker::new(cx);
    loop {
        let next = chunks.lock().map(|rx| rx.recv());
        let Ok(Ok((chunk, history))) = next else {
            break;
        };
        if done.send(worker.run(&chunk, history)).is_err() {
            break;
        }
    }
}

/// Cuts the input into chunks for the workers until it ends, the run is cancelled or stopped,
/// or it cannot be read on (the reason is returned).
fn read<R: Read, F: Fn(&[u8]) -> Option<String>>(
    reading: Reading<'_, R, F>,
    (source, columns): (&Source, &Columns),
    work: &SyncSender<Work>,
    cancel: &AtomicBool,
    stop: &AtomicBool,
    consumed: &AtomicU64,
) -> Option<ReadEnd> {
    let Reading {
        mut chunker,
        mut history,
        history_budget,
        at_end,
    } = reading;
    // Chunks are numbered here: one cut in pieces by its history is several.
    let mut seq = 0u64;
    loop {
        if cancel.load(Ordering::SeqCst) || stop.load(Ordering::SeqCst) {
            return None;
        }
        let chunk = match chunker.next_chunk() {
            Ok(Some(c)) => c,
            Ok(None) => {
                let h = history.as_mut()?;
                let (ignored, e) = h.drain();
                let end = HistoryEnd {
                    ignored,
                    earlier: h.take_earlier(),
                };
                *at_end.lock().unwrap_or_else(|p| p.into_inner()) = end;
                return e.map(ReadEnd::History);
            }
            Err(e) => {
                let too_large = e
                    .get_ref()
                    .and_then(|x| x.downcast_ref::<SubjectTooLarge>());
                // The population's content, not the file, is the problem: like a subject out
                // of order, it stops the run.
                return Some(match too_large {
                    Some(t) => {
                        let problem = RowProblem::TooManyBytes { limit: t.limit };
                        ReadEnd::TooLarge(RowError::new(t.line, problem))
                    }
                    None => ReadEnd::Failed(e),
                });
            }
        };
        consumed.store(chunker.consumed(), Ordering::Relaxed);
        let Some(h) = history.as_mut() else {
            let chunk = Chunk { seq, ..chunk };
            seq += 1;
            if work.send((chunk, ChunkHistory::default())).is_err() {
                return None;
            }
            continue;
        };
        if !send_with_history(chunk, h, history_budget, (source, columns), &mut seq, work) {
            return None;
        }
    }
}

/// Sends `chunk` with its subjects' grants, read in step from `h`: the history is read no
/// further than the chunk's last subject, and a chunk whose grants pass `budget` bytes is cut
/// after the subjects they reached, each piece sent with its own grants (numbered from `seq`
/// on). So no more than about a chunk's worth of grants is held for each chunk in flight,
/// however dense the history. Whether to read on: not when the workers are gone or the history
/// stopped the run.
fn send_with_history(
    mut chunk: Chunk,
    h: &mut HistoryReader<'_>,
    budget: usize,
    (source, columns): (&Source, &Columns),
    seq: &mut u64,
    work: &SyncSender<Work>,
) -> bool {
    let ids = chunk_ids(&chunk.bytes, source, columns);
    let mut from = 0;
    loop {
        let (mut grants, covered) = h.take_for(&ids[from..], budget);
        let more = from + covered < ids.len() && grants.stop.is_none();
        let rest = more
            .then(|| ids.get(from + covered - 1))
            .flatten()
            .and_then(|last| cut_after(&chunk.bytes, source, columns, last))
            .map(|at| Chunk {
                seq: 0,
                line: chunk.line + newlines(&chunk.bytes[..at]),
                bytes: chunk.bytes.split_off(at),
            });
        if more && rest.is_none() {
            // No place to cut (rows out of order, which stops the run anyway): the rest of the
            // chunk's grants at once.
            let (after, _) = h.take_for(&ids[from + covered..], usize::MAX);
            grants.rows.extend(after.rows);
            grants.ignored += after.ignored;
            grants.stop = after.stop;
        }
        let stopped = grants.stop.is_some();
        let piece = Chunk { seq: *seq, ..chunk };
        *seq += 1;
        if work.send((piece, grants)).is_err() || stopped {
            return false;
        }
        match rest {
            Some(r) => {
                chunk = r;
                from += covered;
            }
            None => return true,
        }
    }
}

/// Puts batches back in input order, checks the order of subjects across them, writes their
/// rows and merges their summaries.
struct Merger<'w, 'r> {
    /// Batches that came before the ones before them.
    waiting: BTreeMap<u64, Batch>,
    /// The place of the next batch to merge.
    next: u64,
    sequence: Sequence,
    summary: Summary,
    errors: Vec<RowError>,
    max_errors: Option<NonZeroU64>,
    /// The first problem that stops the run.
    fatal: Option<RowError>,
    /// Whether `max_errors` was reached.
    too_many: bool,
    rows: Option<&'w mut dyn Write>,
    write_error: Option<io::Error>,
    /// In the first pass of a run with budgets reduced pro rata: each chunk's awards under
    /// them, recorded in file order.
    recorder: Option<&'r mut super::pro_rata::Recorder>,
    /// In the second pass: the plan each chunk is checked against, and the first difference.
    plan: Option<&'r super::pro_rata::Plan>,
    changed: Option<Failure>,
    /// JSON Lines keys that are no input, each once, with the line first met, in file order.
    ignored: Vec<(String, u64)>,
    /// JSON Lines keys that are inputs, likewise.
    given: Vec<(String, u64)>,
    /// The bare numbers of percentage columns, in file order (F0173).
    bare: BareCounts,
}

impl<'w, 'r> Merger<'w, 'r> {
    fn new(
        ev: &Evaluator<'_>,
        max_errors: Option<NonZeroU64>,
        rows: Option<&'w mut dyn Write>,
    ) -> Merger<'w, 'r> {
        Merger {
            waiting: BTreeMap::new(),
            next: 0,
            sequence: Sequence::default(),
            summary: Summary::new(ev),
            errors: Vec::new(),
            max_errors,
            fatal: None,
            too_many: false,
            rows,
            write_error: None,
            recorder: None,
            plan: None,
            changed: None,
            ignored: Vec::new(),
            given: Vec::new(),
            bare: BareCounts::default(),
        }
    }

    /// Whether nothing more is to be merged.
    fn stopped(&self) -> bool {
        self.fatal.is_some() || self.too_many || self.changed.is_some()
    }

    /// Notes the JSON Lines keys that are no input found in a batch on lines up to `last` (none
    /// when `None`), those not noted before.
    fn note_ignored(&mut self, d: &Batch, last: Option<u64>) {
        let Some(last) = last else {
            return;
        };
        for (keys, noted) in [(&d.ignored, &mut self.ignored), (&d.given, &mut self.given)] {
            for (name, line) in keys.iter().filter(|(_, line)| *line <= last) {
                if !noted.iter().any(|(n, _)| n == name) {
                    noted.push((name.clone(), *line));
                }
            }
        }
    }

    /// Takes a batch in any order; merges every batch that is next in input order.
    fn take(&mut self, batch: Batch) {
        self.waiting.insert(batch.seq, batch);
        while let Some(b) = self.waiting.remove(&self.next) {
            self.next += 1;
            self.merge(b);
        }
    }

    /// Writes the rows of `bytes`; after a failure, nothing more is written.
    fn write(&mut self, bytes: &[u8]) {
        if self.write_error.is_some() {
            return;
        }
        if let Some(w) = self.rows.as_mut() {
            if let Err(e) = w.write_all(bytes) {
                self.write_error = Some(e);
            }
        }
    }

    /// Merges the next batch in input order.
    fn merge(&mut self, d: Batch) {
        // Nothing after the first subject out of order, or after the error that reached
        // `max_errors`, is written: a stream ends at the same row whatever the chunks and
        // threads.
        if self.stopped() {
            return;
        }
        if let Some(e) = self.sequence.follow(&d) {
            // The rows before the subject out of order, in its own chunk, are written like
            // those of the chunks before. Out of order inside the chunk: its rows before that
            // subject; at the chunk's first subject: the rows before it (rows without an id,
            // which a larger chunk would have written before the same stop).
            let upto = if d.fatal.as_ref() == Some(&e) {
                d.text.len()
            } else {
                d.first_at.min(d.text.len())
            };
            self.write(&d.text.as_bytes()[..upto]);
            self.note_ignored(&d, e.line.checked_sub(1));
            // A chunk's counts stop at its subject out of order; one whose first subject is
            // out of order counted nothing before it.
            if d.fatal.as_ref() == Some(&e) {
                self.bare.add(&d.bare, None);
            }
            self.fatal = Some(e);
            return;
        }
        // The rows up to the error that reaches `max_errors`, and no further; that error is
        // the last counted and listed, so the report is the same whatever the chunks.
        let limit = self.max_errors.and_then(|m| {
            let left = m.get().checked_sub(self.summary.errors)?;
            let k = usize::try_from(left).ok()?.checked_sub(1)?;
            d.error_ends.get(k).map(|end| (m.get(), end.clone()))
        });
        // A chunk that does not end where the first pass said is a population that changed:
        // its rows and every row after it are not written.
        if let (Some(plan), Some(end)) = (self.plan, &d.pro_rata_end) {
            if let Err(f) = plan.check_chunk(d.seq, end) {
                self.changed = Some(f);
                return;
            }
        }
        let (text, listed) = limit
            .as_ref()
            .map_or((d.text.len(), d.listed), |(_, end)| (end.text, end.listed));
        // Keys of rows after the error that stops the run are not reported: the report ends
        // at the same row whatever the chunks.
        let last_line = limit.as_ref().map_or(u64::MAX, |(_, end)| end.line);
        self.note_ignored(&d, Some(last_line));
        // Bare numbers as far as that error's subject, too.
        self.bare
            .add(&d.bare, limit.as_ref().map(|(_, end)| end.bare.as_slice()));
        self.write(&d.text.as_bytes()[..text]);
        if let Some(r) = self.recorder.as_mut() {
            r.chunk(&d.summary);
        }
        self.summary.merge(d.summary);
        if let Some((m, _)) = limit {
            self.summary.errors = m;
        }
        let room = MAX_REPORTED_ERRORS.saturating_sub(self.errors.len());
        self.errors
            .extend(d.errors.into_iter().take(listed).take(room));
        if self
            .max_errors
            .is_some_and(|m| self.summary.errors >= m.get())
        {
            self.too_many = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = include_str!("../../policies/jiazhengfa-2023-15.pol");

    fn set() -> crate::PolicySet {
        crate::PolicySet::compile(&[("15.pol", POLICY)]).unwrap()
    }

    fn options() -> Options {
        Options::on("2024-12-31".parse().unwrap())
    }

    /// Runs `population` of institutions with `threads` and `chunk`: the rows and the report.
    fn run(
        set: &crate::PolicySet,
        population: &str,
        threads: usize,
        chunk: usize,
    ) -> (String, Report) {
        let mut sim = SimulationOptions::new(Kind::Institution);
        sim.threads = threads;
        sim.chunk_size = chunk;
        let simulation = set.simulation(&options(), sim).unwrap();
        let mut rows = Vec::new();
        let report = simulation
            .run(
                population.as_bytes(),
                Some(&mut rows),
                &mut |_| {},
                &AtomicBool::new(false),
            )
            .unwrap();
        (String::from_utf8(rows).unwrap(), report)
    }

    const POPULATION: &str = "id,claim_id,claim_date,item,项目类别,通过评审,实付合同金额,备注\n\
        1,C1,2024-03-01,技术转移,技术开发,1,200万元,\n\
        1,C2,2024-04-01,技术转移,技术转让,1,100万元,\n\
        2,C1,2024-13-01,技术转移,技术开发,1,200万元,\n\
        3,,,,,,,\n";

    #[test]
    fn rows_report_and_ignored_columns_do_not_depend_on_threads_or_chunks() {
        let set = set();
        let (rows, report) = run(&set, POPULATION, 1, 1 << 20);
        assert!(matches!(report.end, End::Completed), "{:?}", report.end);
        let ignored: Vec<&str> = report
            .ignored_columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(ignored, ["备注"]);
        assert_eq!(report.summary.rows, 4);
        assert_eq!(report.summary.errors, 1);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].line, 4);
        assert_eq!(rows.lines().count(), 5, "{rows}");
        for (threads, chunk) in [(3, 1), (2, 17)] {
            let (r, other) = run(&set, POPULATION, threads, chunk);
            assert_eq!(r, rows);
            assert_eq!(other.summary, report.summary);
            assert_eq!(other.errors, report.errors);
        }
    }

    #[test]
    fn a_subject_out_of_order_stops_the_run_after_the_rows_before_it() {
        let set = set();
        let population = format!("{POPULATION}2,C1,2024-03-01,技术转移,技术开发,1,1万元,\n");
        let (rows, report) = run(&set, &population, 2, 40);
        let End::Stopped(e) = &report.end else {
            panic!("{:?}", report.end)
        };
        assert_eq!((e.line, e.code().as_str()), (6, "F0211"));
        assert_eq!(rows.lines().count(), 5, "{rows}");
    }

    #[test]
    fn max_errors_ends_the_rows_at_the_last_error_counted() {
        let set = set();
        let population =
            format!("{POPULATION}4,C1,bad,技术转移,技术开发,1,1万元,\n5,C1,2024-03-01,技术转移,技术开发,1,1万元,\n");
        let mut sim = SimulationOptions::new(Kind::Institution);
        sim.max_errors = NonZeroU64::new(2);
        sim.row_columns = Some("line,code".into());
        let simulation = set.simulation(&options(), sim).unwrap();
        let mut rows = Vec::new();
        let report = simulation
            .run(
                population.as_bytes(),
                Some(&mut rows),
                &mut |_| {},
                &AtomicBool::new(false),
            )
            .unwrap();
        assert!(matches!(report.end, End::MaxErrors), "{:?}", report.end);
        let rows = String::from_utf8(rows).unwrap();
        assert_eq!(rows, "line,code\n2,\n3,\n4,F0107\n5,\n6,F0107\n");
    }

    #[test]
    fn a_raised_cancel_flag_stops_the_run_and_progress_is_heard() {
        let set = set();
        let simulation = set
            .simulation(&options(), SimulationOptions::new(Kind::Institution))
            .unwrap();
        let cancel = AtomicBool::new(true);
        let report = simulation
            .run(POPULATION.as_bytes(), None, &mut |_| {}, &cancel)
            .unwrap();
        assert!(matches!(report.end, End::Cancelled));
        let mut heard = Vec::new();
        let report = simulation
            .run(
                POPULATION.as_bytes(),
                None,
                &mut |bytes| heard.push(bytes),
                &AtomicBool::new(false),
            )
            .unwrap();
        assert!(matches!(report.end, End::Completed));
        assert_eq!(heard.last().copied(), Some(POPULATION.len() as u64));
    }

    #[test]
    fn setups_that_cannot_run_are_refused_before_any_row() {
        let set = set();
        let refused = |kind: Kind, columns: Option<&str>| {
            let mut sim = SimulationOptions::new(kind);
            sim.row_columns = columns.map(String::from);
            set.simulation(&options(), sim).err().map(|e| e.to_string())
        };
        assert!(refused(Kind::Project, None)
            .unwrap()
            .contains("not a kind of subject"));
        let region = refused(Kind::Region, None).unwrap();
        assert!(
            region.contains("`region`") && region.contains("enterprise, institution"),
            "{region}"
        );
        assert!(refused(Kind::Institution, Some("nope"))
            .unwrap()
            .contains("is not a column"));
        let mut o = options();
        o.settings.insert("没有".into(), "1".into());
        let e = set.simulation(&o, SimulationOptions::new(Kind::Institution));
        assert!(matches!(e, Err(SimulateError::Settings(_))));
        let simulation = set
            .simulation(&options(), SimulationOptions::new(Kind::Institution))
            .unwrap();
        let header = |text: &str| {
            simulation
                .run(text.as_bytes(), None, &mut |_| {}, &AtomicBool::new(false))
                .err()
                .map(|e| e.to_string())
        };
        assert_eq!(
            header("").unwrap(),
            "cannot read the CSV header: the file is empty"
        );
        assert!(header("id,id\n").unwrap().contains("appears twice"));
        assert!(header("name\n").unwrap().contains("no `id` column"));
    }
}
