//! `pol simulate`: the policies over a whole population, with per-row results and a summary.
//!
//! This thread cuts the file into chunks of whole subjects; worker threads read, group, check
//! and evaluate the rows of a chunk each; a writer thread puts the chunks back in input order,
//! checks the order of subjects across chunks, writes them and merges the summaries. Output
//! files are written to a temporary file beside the target and renamed at the end, so an
//! interrupted run leaves any old file as it was.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use super::eval::{load_checked, with_policy_warnings, Loaded, WhenArgs};
use super::files::{self, commit_all, pending, problem};
use super::{ExitCode, Format, Output};
use crate::compile::Kind;
use crate::problem::ProblemCode;
use crate::simulate::batch::{Batch, Context, CsvShape, Sequence, Source, Worker};
use crate::simulate::chunks::{Chunk, Chunker, SubjectTooLarge, MAX_CHUNK};
use crate::simulate::input::{csv_header, csv_id, jsonl_id};
use crate::simulate::output::{RowFormat, RowWriter};
use crate::simulate::{default_columns, parse_columns, Columns, Layout, RowError, Summary};

/// Options of `pol simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Policy files, or folders searched for `.pol` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The population: CSV (with a header row) or JSON Lines (`.jsonl`); `-` reads CSV from
    /// standard input. Rows must be sorted by subject id, a subject's rows next to each other.
    #[arg(long, value_name = "FILE")]
    pub population: PathBuf,
    /// The kind of subject every row describes.
    #[arg(long, default_value = "enterprise", value_name = "KIND")]
    pub kind: String,
    /// The date and settings.
    #[command(flatten)]
    pub when: WhenArgs,
    /// Write each row's results here (`.csv`, or `.jsonl` for JSON Lines; `-` for standard
    /// output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write the summary here (`.json` for JSON, anything else for text) instead of printing
    /// it.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Bytes of input per chunk handed to a worker (whole subjects; a subject larger than this
    /// gets a chunk of its own). Results never depend on it.
    #[arg(long, default_value_t = CHUNK, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_size: u32,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// The columns of `--out`, comma-separated `[TITLE=]NAME`: line, subject, claim, total,
    /// error, a payer, a clause (its paid amount), CLAUSE:outcome, CLAUSE:eligible (1 when its
    /// conditions held), matter:M (paid under matter M) or matter:M:eligible. Default: line,
    /// subject, claim, total, every payer, every clause's amount and outcome, error.
    #[arg(long, value_name = "LIST")]
    pub columns: Option<String>,
    /// Stop, writing nothing, once this many rows or subjects have failed.
    #[arg(long, value_name = "N")]
    pub max_errors: Option<u64>,
    /// The column with the subject id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_column: String,
    /// The column with the claim id (for populations with several rows per subject).
    #[arg(long, default_value = "claim_id", value_name = "NAME")]
    pub claim_id_column: String,
    /// The column with the claim's event date.
    #[arg(long, default_value = "claim_date", value_name = "NAME")]
    pub claim_date_column: String,
    /// Treat the policies' warnings as errors: exit with 1, evaluating nothing, when there is
    /// any warning (as `pol check --deny-warnings`).
    #[arg(long)]
    pub deny_warnings: bool,
}

/// The size of the chunks workers take: big enough that handing them over costs little,
/// small enough that both threads stay busy to the end and memory stays flat.
const CHUNK: u32 = 256 * 1024;

/// The most worker threads `--threads` accepts: far more than any machine has cores, few
/// enough that their buffers and stacks always fit.
pub const MAX_THREADS: usize = 1024;

/// Runs `pol simulate`.
pub fn run(args: &SimulateArgs, out: &Output) -> ExitCode {
    if let Some(n) = args.threads.filter(|n| !(1..=MAX_THREADS).contains(n)) {
        return problem(
            ProblemCode::BadThreads,
            &format!("`--threads {n}` is out of range: it must be from 1 to {MAX_THREADS}"),
            "leave `--threads` out for one thread per core, or give a number from 1 to 1024",
        );
    }
    if args.chunk_size as usize > MAX_CHUNK {
        return problem(
            ProblemCode::BadChunkSize,
            &format!(
                "`--chunk-size {}` is out of range: it must be from 1 to {MAX_CHUNK} bytes (16 MiB)",
                args.chunk_size
            ),
            "leave `--chunk-size` out (256 KiB), or give a size from 1 to 16777216 bytes",
        );
    }
    if args.max_errors == Some(0) {
        return problem(
            ProblemCode::BadMaxErrors,
            "`--max-errors 0` would stop the run before any row is read",
            "write `--max-errors 1` to stop at the first failed row, or leave it out to never stop",
        );
    }
    // Nothing is read or written before the outputs are known not to destroy an input.
    let mut inputs = files::collect(&args.paths).unwrap_or_default();
    inputs.push(args.population.clone());
    inputs.extend(args.when.settings.clone());
    let mut outputs: Vec<(&str, &std::path::Path)> = Vec::new();
    if let Some(p) = &args.out {
        outputs.push(("--out", p));
    }
    if let Some(p) = &args.summary {
        outputs.push(("--summary", p));
    }
    if let Err(code) = files::check_outputs(&inputs, &outputs) {
        return code;
    }
    // Ctrl-C, SIGTERM and SIGHUP (the `termination` feature of ctrlc) all stop the run the same
    // way: the workers finish, the temporary files are removed, no output is replaced. It is set
    // before any temporary file exists.
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // A handler can be set once per process; a second simulation in one process keeps the first.
        let _ = ctrlc::set_handler(move || {
            flag.store(true, Ordering::SeqCst);
            // The run notices the flag between chunks and cleans up itself. A run that cannot
            // (its read of a pipe blocks) is ended here: its temporary files removed first.
            std::thread::sleep(std::time::Duration::from_secs(2));
            files::remove_temporaries();
            say!("pol: interrupted; no output file was written");
            std::process::exit(ExitCode::Interrupted as i32);
        });
    }
    // The settings first: a parameter they give is not reported as having no value (W0309).
    let options = match args.when.options(out) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let loaded = load_checked(&args.paths, out, args.deny_warnings, &options.settings);
    let Loaded { set, warnings } = match loaded {
        Ok(l) => l,
        Err(code) => return code,
    };
    let Some(kind) = Kind::parse(&args.kind).filter(|k| *k != Kind::Project) else {
        return out.fail(&format!(
            "`{}` is not a kind of subject; use enterprise, institution, person or region",
            args.kind
        ));
    };
    // A population of a kind no clause is for would be paid nothing, every row "evaluated":
    // almost always a wrong `--kind`, so it is refused rather than reported as a zero cost.
    if !set
        .programs()
        .iter()
        .any(|p| p.clauses.iter().any(|c| c.subjects.contains(&kind)))
    {
        let kinds: std::collections::BTreeSet<&str> = set
            .programs()
            .iter()
            .flat_map(|p| p.clauses.iter().flat_map(|c| c.subjects.iter()))
            .map(|k| k.as_str())
            .collect();
        return files::problem(
            ProblemCode::KindNotAwarded,
            &format!(
                "no clause of these policies is for a subject of kind `{}`, so every row would be paid nothing",
                args.kind
            ),
            &format!(
                "give `--kind` the kind of the population's subjects; these policies award: {}",
                kinds.into_iter().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    // Figures only: a simulation writes no words.
    let ev = match set.evaluator::<crate::eval::Silent>(&options) {
        Ok(ev) => ev,
        Err(problems) => {
            for p in problems {
                say!("pol: {} {}: {} ({})", p.code, p.path, p.message(), p.help());
            }
            return ExitCode::Diagnostics;
        }
    };
    let columns = Columns {
        id: args.id_column.clone(),
        claim_id: args.claim_id_column.clone(),
        claim_date: args.claim_date_column.clone(),
    };
    // Both outputs are opened before the population is read, so a folder that cannot be
    // written stops the run before any work; they are renamed into place together at the end.
    let mut rows_file = match &args.out {
        Some(p) => match pending(p) {
            Ok(f) => Some(f),
            Err(e) => return out.fail(&e),
        },
        None => None,
    };
    let mut summary_file = match &args.summary {
        Some(p) => match pending(p) {
            Ok(f) => Some(f),
            Err(e) => return out.fail(&e),
        },
        None => None,
    };
    let jsonl = args
        .population
        .extension()
        .is_some_and(|e| e == "jsonl" || e == "ndjson");
    let (input, size): (Box<dyn Read + Send>, Option<u64>) = if args.population.as_os_str() == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        match File::open(&args.population) {
            Ok(f) => {
                let size = f.metadata().ok().map(|m| m.len());
                (Box::new(f), size)
            }
            Err(e) => {
                return out.fail(&format!("cannot read `{}`: {e}", args.population.display()))
            }
        }
    };
    let claim_inputs: HashSet<String> = set
        .programs()
        .iter()
        .flat_map(|p| p.claim_inputs.iter().map(|i| i.name.clone()))
        .collect();
    let id_column = std::sync::OnceLock::new();
    let mut chunker = Chunker::new(
        input,
        !jsonl,
        args.chunk_size as usize,
        |record: &[u8]| match id_column.get() {
            Some(&c) => csv_id(record, c),
            None => jsonl_id(record, &columns),
        },
    );
    let source = if jsonl {
        Source::Jsonl
    } else {
        let header = match chunker.first_record() {
            Ok(Some(h)) => csv_header(&h),
            Ok(None) => Err("cannot read the CSV header: the file is empty".to_string()),
            Err(e) => Err(format!("cannot read the CSV header: {e}")),
        };
        let header = match header {
            Ok(h) => h,
            Err(e) => return out.fail(&e),
        };
        let known: HashSet<&str> = set
            .programs()
            .iter()
            .flat_map(|p| {
                p.subject_inputs
                    .iter()
                    .chain(&p.claim_inputs)
                    .map(|i| i.name.as_str())
            })
            .collect();
        for (k, h) in header.iter().enumerate() {
            // Which of two cells with one name holds the value would be a guess.
            if header[..k].contains(h) {
                return out.fail(&format!(
                    "the column `{h}` appears twice in the population's header; rename or remove one"
                ));
            }
            let special = [&columns.id, &columns.claim_id, &columns.claim_date].contains(&h);
            if !special && !known.contains(h.as_str()) {
                let h = crate::eval::format::escape(h);
                say!("pol: warning: the column `{h}` is not an input of these policies; it is ignored");
            }
        }
        let Some(shape) = CsvShape::new(&ev, &header, &columns) else {
            return out.fail(&format!(
                "the population has no `{}` column for the subject id (see --id-column)",
                columns.id
            ));
        };
        let _ = id_column.set(shape.id);
        Source::Csv(shape)
    };
    let row_format = match &args.out {
        Some(p) if p.extension().is_some_and(|e| e == "jsonl" || e == "ndjson") => RowFormat::Jsonl,
        _ => RowFormat::Csv,
    };
    let layout = Layout::of(&ev);
    let rows_on_stdout = args.out.as_deref().is_some_and(|p| p.as_os_str() == "-");
    let writer = RowWriter {
        format: row_format,
        nested: row_format == RowFormat::Jsonl && args.columns.is_none(),
        columns: match &args.columns {
            Some(spec) => match parse_columns(spec, &layout) {
                Ok(c) => c,
                Err(e) => return out.fail(&format!("--columns: {e}")),
            },
            None => default_columns(&layout),
        },
    };
    if let (Some(f), RowFormat::Csv) = (&mut rows_file, row_format) {
        if f.writer().write_all(writer.header().as_bytes()).is_err() {
            return out.fail("cannot write the output file");
        }
    }

    let too_many = AtomicBool::new(false);
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, MAX_THREADS);
    let progress = if std::io::stderr().is_terminal() {
        let bar = match size {
            Some(n) => indicatif::ProgressBar::new(n).with_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {percent}% {binary_bytes_per_sec} eta {eta} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            ),
            None => indicatif::ProgressBar::new_spinner(),
        };
        Some(bar)
    } else {
        None
    };

    let cx = Context {
        ev: &ev,
        kind,
        columns: &columns,
        claim_inputs: &claim_inputs,
        layout: &layout,
        writer: rows_file.is_some().then_some(&writer),
        source,
    };
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(threads * 2);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::sync_channel::<Batch>(threads * 2);
    let mut fatal: Option<String> = None;
    let mut read_failed: Option<String> = None;
    let mut fatal_read: Option<String> = None;
    let mut summary = Summary::new(&ev);
    let mut first_errors: Vec<RowError> = Vec::new();
    let mut write_failed = false;
    let stop = AtomicBool::new(false);

    std::thread::scope(|scope| {
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let (cx, work_rx) = (&cx, &work_rx);
            scope.spawn(move || {
                let mut worker = Worker::new(cx);
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(chunk)) = next else {
                        break;
                    };
                    if done_tx.send(worker.run(&chunk)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let writer = {
            let (summary, first_errors, write_failed, rows_file, too_many, fatal, stop) = (
                &mut summary,
                &mut first_errors,
                &mut write_failed,
                &mut rows_file,
                &too_many,
                &mut fatal,
                &stop,
            );
            let max_errors = args.max_errors;
            scope.spawn(move || {
                let mut waiting: BTreeMap<u64, Batch> = BTreeMap::new();
                let mut next = 0u64;
                let mut sequence = Sequence::default();
                for done in done_rx {
                    waiting.insert(done.seq, done);
                    while let Some(d) = waiting.remove(&next) {
                        next += 1;
                        // Nothing after the first subject out of order, or after the error that
                        // reached `--max-errors`, is written: a stream ends at the same row
                        // whatever the chunks and threads.
                        if fatal.is_some() || too_many.load(Ordering::SeqCst) {
                            continue;
                        }
                        if let Some(msg) = sequence.follow(&d) {
                            // The rows before the subject out of order, in its own chunk, are
                            // written like those of the chunks before: a stream (`--out -`)
                            // then ends at the same row whatever the chunks and threads.
                            // Out of order inside the chunk: its rows before that subject; at
                            // the chunk's first subject: the rows before it (rows without an id,
                            // which a larger chunk would have written before the same stop).
                            let upto = if d.fatal.as_deref() == Some(msg.as_str()) {
                                d.text.len()
                            } else {
                                d.first_at.min(d.text.len())
                            };
                            if let Some(f) = rows_file.as_mut() {
                                if f.writer().write_all(&d.text.as_bytes()[..upto]).is_err() {
                                    *write_failed = true;
                                }
                            }
                            *fatal = Some(msg);
                            stop.store(true, Ordering::SeqCst);
                            continue;
                        }
                        // The rows up to the error that reaches `--max-errors`, and no further.
                        let limit = max_errors.and_then(|m| {
                            let left = m.checked_sub(summary.errors)?;
                            let k = usize::try_from(left).ok()?.checked_sub(1)?;
                            d.error_ends.get(k).copied()
                        });
                        let text = &d.text[..limit.unwrap_or(d.text.len())];
                        if let Some(f) = rows_file.as_mut() {
                            if f.writer().write_all(text.as_bytes()).is_err() {
                                *write_failed = true;
                            }
                        }
                        summary.merge(d.summary);
                        for e in d.errors {
                            if first_errors.len() < 100 {
                                first_errors.push(e);
                            }
                        }
                        if max_errors.is_some_and(|m| summary.errors >= m) {
                            too_many.store(true, Ordering::SeqCst);
                        }
                    }
                }
            })
        };

        loop {
            if interrupted.load(Ordering::SeqCst)
                || too_many.load(Ordering::SeqCst)
                || stop.load(Ordering::SeqCst)
            {
                break;
            }
            let chunk = match chunker.next_chunk() {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    match e
                        .get_ref()
                        .and_then(|x| x.downcast_ref::<SubjectTooLarge>())
                    {
                        // The population's content, not the file, is the problem: like a
                        // subject out of order, it stops the run with exit status 1.
                        Some(too_large) => fatal_read = Some(too_large.to_string()),
                        None => {
                            read_failed =
                                Some(format!("cannot read `{}`: {e}", args.population.display()))
                        }
                    }
                    break;
                }
            };
            if let Some(bar) = &progress {
                match size {
                    Some(_) => bar.set_position(chunker.consumed()),
                    None => bar.set_message(format!("{} MiB", chunker.consumed() >> 20)),
                }
            }
            if work_tx.send(chunk).is_err() {
                break;
            }
        }
        drop(work_tx);
        let _ = writer.join();
    });
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }

    if interrupted.load(Ordering::SeqCst) {
        say!("pol: interrupted; no output file was written");
        return ExitCode::Interrupted;
    }
    if let Some(msg) = fatal.or(fatal_read) {
        if rows_on_stdout {
            say!("pol: {msg}; standard output has the rows before it, and no summary");
        } else {
            say!("pol: {msg}; no output file was written");
        }
        return ExitCode::Diagnostics;
    }
    if let Some(msg) = read_failed {
        return out.fail(&format!("{msg}; no output file was written"));
    }
    for e in &first_errors {
        // Row errors quote ids and cells of the population: no raw control characters.
        let message = crate::eval::format::escape_text(&e.message);
        say!("pol: line {}: {message}", e.line);
    }
    if summary.errors as usize > first_errors.len() {
        say!(
            "pol: ... and {} more errors",
            summary.errors as usize - first_errors.len()
        );
    }
    if too_many.load(Ordering::SeqCst) {
        say!(
            "pol: stopped after {} errors (--max-errors); no output file was written",
            summary.errors
        );
        return ExitCode::Diagnostics;
    }
    if write_failed {
        return out.fail("cannot write the output file");
    }
    if let Err(f) = summary.finish(&ev) {
        say!(
            "pol: error[{}]: {}\n  help: {}\n  (see `pol explain {}`); no output file was written",
            f.code,
            f.message,
            f.help,
            f.code
        );
        return ExitCode::Diagnostics;
    }
    // The summary carries the policies' warnings: figures read without them can mislead.
    let json = || {
        serde_json::to_string_pretty(&with_policy_warnings(&summary, &warnings)).unwrap_or_default()
            + "\n"
    };
    let text = match (&args.summary, out.format) {
        (Some(p), _) if p.extension().is_some_and(|e| e == "json") => json(),
        (None, Format::Json) if !rows_on_stdout => json(),
        _ => {
            let mut text = summary.human();
            for w in &warnings {
                text.push_str(&format!("policy {w}\n"));
            }
            text
        }
    };
    if let Some(f) = &mut summary_file {
        if let Err(e) = f.writer().write_all(text.as_bytes()) {
            return out.fail(&format!("cannot write the summary: {e}"));
        }
    }
    // Every output complete and synced first, the renames last: both or neither replaced.
    let outputs: Vec<files::Pending> = rows_file.into_iter().chain(summary_file).collect();
    if let Err(e) = commit_all(outputs) {
        return out.fail(&e);
    }
    if args.summary.is_none() {
        if rows_on_stdout {
            // Standard output carries the rows alone; the summary is for the person watching.
            say_raw!("{}", crate::eval::format::escape_text(&text));
        } else {
            // Without `--out` and `--summary` the summary is the run's only result: one that
            // cannot be written (a full disk, a closed pipe) is a failed run, not a success.
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            let shown = crate::eval::format::escape_text(&text);
            if stdout
                .write_all(shown.as_bytes())
                .and_then(|()| stdout.flush())
                .is_err()
            {
                say!("pol: cannot write the summary to standard output");
                return ExitCode::Usage;
            }
        }
    }
    if summary.internal_errors > 0 {
        say!(
            "pol: {} subjects met a broken rule of pol's own (F0901): this is a bug in pol; please report it",
            summary.internal_errors
        );
        ExitCode::Internal
    } else if summary.errors > 0 {
        ExitCode::Diagnostics
    } else {
        ExitCode::Ok
    }
}
