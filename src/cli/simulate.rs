//! `pol simulate`: the policies over a whole population, with per-row results and a summary.
//!
//! The run itself (threads, chunks, order, the summary) is the library's
//! [`Simulation`]; this command reads the arguments, opens the files, draws the progress bar,
//! stops the run on Ctrl-C and says how it ended. Output files are written to a temporary file
//! beside the target and renamed at the end, so an interrupted run leaves any old file as it
//! was.

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::eval::{load_checked, with_policy_warnings, Loaded, PolicyWarning, WhenArgs};
use super::files::{self, commit_all, pending, problem, Pending};
use super::{ExitCode, Format, Output};
use crate::compile::Kind;
use crate::eval::format::escape_text;
use crate::problem::ProblemCode;
use crate::simulate::chunks::MAX_CHUNK;
use crate::simulate::output::RowFormat;
use crate::simulate::run::{kind_list, HistorySource};
use crate::simulate::{
    Columns, End, PopulationFormat, Report, SimulateError, Simulation, SimulationOptions,
    DEFAULT_CHUNK, MAX_THREADS,
};

/// Options of `pol simulate`.
#[derive(Clone, Debug, clap::Args)]
pub struct SimulateArgs {
    /// Policy files, or folders searched for `.pol` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The population: CSV (with a header row) or JSON Lines (`.jsonl`); `-` reads CSV from
    /// standard input. Rows must be sorted by subject id, a subject's rows next to each other.
    /// A budget reduced pro rata (`pro_rata`) reads the file twice, so it must be a file.
    #[arg(long, value_name = "FILE")]
    pub population: PathBuf,
    /// Earlier grants of the population's subjects: CSV (columns: the subject id, document,
    /// clause, item, matter, claim, stage, year, date, amount) or JSON Lines (`.jsonl`), sorted
    /// by subject id like the population and read in step with it.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
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
    #[arg(long, default_value_t = DEFAULT_CHUNK as u32, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_size: u32,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// The columns of `--out`, comma-separated `[TITLE=]NAME`: line, subject, claim, total,
    /// error, code (a failed row's problem code), a payer, a clause (its paid amount), CLAUSE:outcome, CLAUSE:eligible (1 when its
    /// conditions held), CLAUSE:before_pro_rata (its amount before a budget reduced it pro
    /// rata), matter:M (paid under matter M) or matter:M:eligible. Default: line, subject,
    /// claim, total, every payer, every clause's amount and outcome (and, under a budget
    /// reduced pro rata, its amount before), error.
    #[arg(long, value_name = "LIST")]
    pub columns: Option<String>,
    /// Write CSV text cells (ids, claim ids, messages) as they are. By default a text cell of
    /// a CSV `--out` that starts with `=`, `+`, `-`, `@`, a tab or a carriage return, which a
    /// spreadsheet would run as a formula, is written with a leading `'`; JSON Lines rows are
    /// always written as they are.
    #[arg(long)]
    pub raw_text: bool,
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
    /// The column with the item a claim is for.
    #[arg(long, default_value = "item", value_name = "NAME")]
    pub item_column: String,
    /// The column with the document of a claim's item (when several declare its name).
    #[arg(long, default_value = "document", value_name = "NAME")]
    pub document_column: String,
    /// Treat warnings as errors: the policies' (exit with 1, evaluating nothing, as
    /// `pol check --deny-warnings`) and the population's (columns ignored, inputs given by no
    /// column, bare percentages read as ratios: exit with 1 after the run, writing no output
    /// file).
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Runs `pol simulate`.
pub fn run(args: &SimulateArgs, out: &Output) -> ExitCode {
    if let Err(code) = check_counts(args) {
        return code;
    }
    // Nothing is read or written before the outputs are known not to destroy an input.
    if let Err(code) = check_paths(args) {
        return code;
    }
    // Rows sent to standard output by a path (`/dev/stdout`) are written as `--out -` is: the
    // summary then goes to standard error, not into the rows' stream.
    let on_stdout;
    let args = match &args.out {
        Some(p) if p.as_os_str() != "-" && files::is_stdout(p) => {
            on_stdout = SimulateArgs {
                out: Some(PathBuf::from("-")),
                ..args.clone()
            };
            &on_stdout
        }
        _ => args,
    };
    let interrupted = on_interrupt();
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
        return out.fail(&crate::simulate::run::not_a_subject(&args.kind));
    };
    let simulation = match Simulation::new(&set, &options, simulation_options(args, kind)) {
        Ok(s) => s,
        Err(e) => return refused(&e, args, out),
    };
    if simulation.needs_two_passes() {
        if let Err(code) = readable_twice(args) {
            return code;
        }
    }
    // Both outputs are opened before the population is read, so a folder that cannot be
    // written stops the run before any work; they are renamed into place together at the end.
    let (mut rows_file, summary_file) =
        match (open(args.out.as_deref()), open(args.summary.as_deref())) {
            (Ok(r), Ok(s)) => (r, s),
            (Err(e), _) | (_, Err(e)) => return out.fail(&e),
        };
    let (input, size) = match population(&args.population) {
        Ok(p) => p,
        Err(e) => return out.fail(&e),
    };
    let bar = progress_bar(size);
    let mut progress = |bytes: u64| {
        if let Some(bar) = &bar {
            match size {
                Some(_) => bar.set_position(bytes),
                None => bar.set_message(format!("{} MiB", bytes >> 20)),
            }
        }
    };
    // The history is opened for each pass over the population (two with budgets reduced pro
    // rata); a file that cannot be opened stops the run before any row.
    let history_path = args.history.clone();
    let mut open_history = || -> Result<File, String> {
        let path = history_path.as_deref().unwrap_or(Path::new(""));
        File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
    };
    let format = if args.history.as_deref().is_some_and(is_jsonl) {
        PopulationFormat::Jsonl
    } else {
        PopulationFormat::Csv
    };
    let history: Option<HistorySource<'_, File>> = args.history.is_some().then_some((
        &mut open_history as &mut dyn FnMut() -> Result<File, String>,
        format,
    ));
    let rows = rows_file.as_mut().map(Pending::writer);
    // Opened again only for a second pass (budgets reduced pro rata).
    let mut again = || population(&args.population).map(|(r, _)| r);
    let report = simulation.run_twice_with_history(
        input,
        &mut again,
        history,
        rows,
        &mut progress,
        &interrupted,
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = match report {
        Ok(r) => r,
        Err(e) => return refused(&e, args, out),
    };
    let outputs = Outputs {
        rows: rows_file,
        summary: summary_file,
        warnings,
    };
    finish(args, out, report, outputs)
}

/// With a budget reduced pro rata the population (and the history) is read twice: refuses one
/// that can be read only once, before anything is read.
fn readable_twice(args: &SimulateArgs) -> Result<(), ExitCode> {
    // Standard input, a named pipe, `/dev/stdin` or `<(...)` can be read only once (a
    // second open of a pipe waits for a writer for ever): only a regular file is read again.
    let named = [
        ("population", "firms.csv", Some(args.population.as_path())),
        ("history", "grants.csv", args.history.as_deref()),
    ];
    if let Some((what, example, path)) = named.iter().find_map(|(what, example, p)| {
        p.filter(|p| super::files::not_regular(p))
            .map(|p| (what, example, p))
    }) {
        let shown = if path.as_os_str() == "-" {
            "standard input".to_string()
        } else {
            format!("`{}`, which is not a regular file,", path.display())
        };
        return Err(problem(
            ProblemCode::TwoPassesFromStdin,
            &format!("a budget of these policies is reduced pro rata (`pro_rata`): the {what} is read twice, once to add up the year and once to write the rows, and {shown} can be read only once"),
            &format!("give the {what} as a regular file (`--{what} {example}`), or save the stream to a file first"),
        ));
    }
    Ok(())
}

/// Refuses counts out of range before anything else.
fn check_counts(args: &SimulateArgs) -> Result<(), ExitCode> {
    if let Some(n) = args.threads.filter(|n| !(1..=MAX_THREADS).contains(n)) {
        return Err(problem(
            ProblemCode::BadThreads,
            &format!("`--threads {n}` is out of range: it must be from 1 to {MAX_THREADS}"),
            "leave `--threads` out for one thread per core, or give a number from 1 to 1024",
        ));
    }
    if args.chunk_size as usize > MAX_CHUNK {
        return Err(problem(
            ProblemCode::BadChunkSize,
            &format!(
                "`--chunk-size {}` is out of range: it must be from 1 to {MAX_CHUNK} bytes (16 MiB)",
                args.chunk_size
            ),
            "leave `--chunk-size` out (256 KiB), or give a size from 1 to 16777216 bytes",
        ));
    }
    if args.max_errors == Some(0) {
        return Err(problem(
            ProblemCode::BadMaxErrors,
            "`--max-errors 0` would stop the run before any row is read",
            "write `--max-errors 1` to stop at the first failed row, or leave it out to never stop",
        ));
    }
    Ok(())
}

/// Refuses outputs that are inputs, or each other.
fn check_paths(args: &SimulateArgs) -> Result<(), ExitCode> {
    let mut inputs = files::collect(&args.paths).unwrap_or_default();
    inputs.push(args.population.clone());
    inputs.extend(args.history.clone());
    inputs.extend(args.when.settings.clone());
    let mut outputs: Vec<(&str, &Path)> = Vec::new();
    if let Some(p) = &args.out {
        outputs.push(("--out", p));
    }
    if let Some(p) = &args.summary {
        outputs.push(("--summary", p));
    }
    files::check_outputs(&inputs, &outputs)
}

/// The flag Ctrl-C, SIGTERM and SIGHUP (the `termination` feature of ctrlc) raise: the run
/// stops between chunks, the temporary files are removed, no output is replaced. It is set
/// before any temporary file exists.
fn on_interrupt() -> Arc<AtomicBool> {
    let interrupted = Arc::new(AtomicBool::new(false));
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
    interrupted
}

/// Whether `path` names a JSON Lines file.
fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "jsonl" || e == "ndjson")
}

/// The library's options for these arguments.
fn simulation_options(args: &SimulateArgs, kind: Kind) -> SimulationOptions {
    let mut o = SimulationOptions::new(kind);
    if is_jsonl(&args.population) {
        o.format = PopulationFormat::Jsonl;
    }
    o.columns = Columns {
        id: args.id_column.clone(),
        claim_id: args.claim_id_column.clone(),
        claim_date: args.claim_date_column.clone(),
        item: args.item_column.clone(),
        document: args.document_column.clone(),
    };
    o.chunk_size = args.chunk_size as usize;
    if let Some(n) = args.threads {
        o.threads = n;
    }
    o.max_errors = args.max_errors.and_then(NonZeroU64::new);
    if args.out.as_deref().is_some_and(is_jsonl) {
        o.rows = RowFormat::Jsonl;
    }
    o.row_columns.clone_from(&args.columns);
    o.raw_text = args.raw_text;
    o
}

/// Says why the simulation cannot start, in the command's words, and returns its exit code.
fn refused(e: &SimulateError, args: &SimulateArgs, out: &Output) -> ExitCode {
    match e {
        SimulateError::KindNotAwarded { awarded, .. } => problem(
            ProblemCode::KindNotAwarded,
            &format!(
                "no clause of these policies is for a subject of kind `{}`, so every row would be paid nothing",
                args.kind
            ),
            &format!(
                "give `--kind` the kind of the population's subjects; these policies award: {}",
                kind_list(awarded)
            ),
        ),
        SimulateError::Settings(problems) => {
            for p in problems {
                say!("pol: {} {}: {} ({})", p.code, p.path, p.message(), p.help());
            }
            ExitCode::Diagnostics
        }
        SimulateError::Columns(why) => out.fail(&format!("--columns: {why}")),
        SimulateError::NoIdColumn(column) => out.fail(&format!(
            "the population has no `{column}` column for the subject id (see --id-column)"
        )),
        SimulateError::Write(_) => out.fail("cannot write the output file"),
        other => out.fail(&other.to_string()),
    }
}

/// An output file, opened to be renamed into place at the end.
fn open(path: Option<&Path>) -> Result<Option<Pending>, String> {
    path.map(pending).transpose()
}

/// The population's reader and, for a file, its size.
fn population(path: &Path) -> Result<(Box<dyn Read + Send>, Option<u64>), String> {
    if path.as_os_str() == "-" {
        return Ok((Box::new(std::io::stdin()), None));
    }
    match File::open(path) {
        Ok(f) => {
            let size = f.metadata().ok().map(|m| m.len());
            Ok((Box::new(f), size))
        }
        Err(e) => Err(format!("cannot read `{}`: {e}", path.display())),
    }
}

/// A progress bar on a terminal: bytes of a file with rate and time left, or a spinner with
/// the bytes read from a pipe.
fn progress_bar(size: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    Some(match size {
        Some(n) => indicatif::ProgressBar::new(n).with_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {percent}% {binary_bytes_per_sec} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        ),
        None => indicatif::ProgressBar::new_spinner(),
    })
}

/// What the end of a run writes: the rows and summary files, and the policies' warnings.
struct Outputs {
    rows: Option<Pending>,
    summary: Option<Pending>,
    warnings: Vec<PolicyWarning>,
}

/// The budget lines reduced pro rata that also pay clauses for kinds of subject the run does
/// not evaluate (F0216), in words: each run of one kind would reduce its awards to the whole
/// budget as if it were its own. (A line only reported says so in the summary.)
fn shared_budgets(report: &Report) -> Vec<String> {
    let kind = |k: &str| format!("`{k}`");
    (report.summary.budgets.iter())
        .filter(|b| !b.kinds_not_run.is_empty() && b.pro_rata.is_some())
        .map(|b| {
            let kinds: Vec<String> = b.kinds_not_run.iter().map(|k| kind(k)).collect();
            format!(
                "the {} budget of `{}` also pays clauses for {}, which this run does not evaluate: their awards count against it only as earlier grants, so give them as --history (run that kind first) or this run may use the budget the other kind is paid from",
                b.year,
                b.policy,
                kinds.join(", ")
            )
        })
        .collect()
}

/// Prints the population's warnings on standard error: how many there are (for
/// `--deny-warnings`).
fn print_data_warnings(report: &Report) -> usize {
    for c in &report.ignored_columns {
        say!("pol: warning: {c}");
    }
    for u in &report.inputs_given_by_no_column {
        say!("pol: warning: {}", u.words(true));
    }
    for c in &report.bare_percent_columns {
        say!("pol: warning: {c}");
    }
    let shared = shared_budgets(report);
    for w in &shared {
        say!("pol: warning[F0216]: {w}");
    }
    let cut = usize::from(report.summary.subjects_cut_before_reduction > 0);
    if cut > 0 {
        say!(
            "pol: warning[F0217]: {}",
            report.summary.cut_before_reduction()
        );
    }
    // A column misnamed lets an input's default apply to every subject (attack run 6, F5):
    // with --deny-warnings the population's warnings stop the run as the policies' do.
    report.ignored_columns.len()
        + report.inputs_given_by_no_column.len()
        + report.bare_percent_columns.len()
        + shared.len()
        + cut
}

/// Says how the run ended, writes the summary, puts the outputs in place: the exit code.
fn finish(args: &SimulateArgs, out: &Output, report: Report, outputs: Outputs) -> ExitCode {
    let data_warnings = print_data_warnings(&report);
    let rows_on_stdout = args.out.as_deref().is_some_and(|p| p.as_os_str() == "-");
    // A run stopped by a broken rule of pol's own exits as one (70), not as bad input.
    let stopped = |code: crate::problem::ProblemCode| {
        if code == crate::problem::ProblemCode::Internal {
            ExitCode::Internal
        } else {
            ExitCode::Diagnostics
        }
    };
    match &report.end {
        End::Cancelled => {
            say!("pol: interrupted; no output file was written");
            return ExitCode::Interrupted;
        }
        End::Stopped(e) if rows_on_stdout => {
            say!("pol: {e}; standard output has the rows before it, and no summary");
            return stopped(e.code());
        }
        End::Stopped(e) => {
            say!("pol: {e}; no output file was written");
            return stopped(e.code());
        }
        End::ReadFailed(e) => {
            let path = args.population.display();
            return out.fail(&format!(
                "cannot read `{path}`: {e}; no output file was written"
            ));
        }
        _ => {}
    }
    print_errors(&report);
    match &report.end {
        End::MaxErrors => {
            let written = if rows_on_stdout {
                "standard output has the rows up to it, and no summary"
            } else {
                "no output file was written"
            };
            say!(
                "pol: stopped at error {} (--max-errors); {written}",
                report.summary.errors
            );
            return ExitCode::Diagnostics;
        }
        End::WriteFailed(_) => return out.fail("cannot write the output file"),
        End::SummaryFailed(f) => {
            let written = if rows_on_stdout {
                "standard output has the rows, and no summary"
            } else {
                "no output file was written"
            };
            say!(
                "pol: error[{}]: {}\n  help: {}\n  (see `pol explain {}`); {written}",
                f.code,
                f.message,
                f.help,
                f.code
            );
            return stopped(f.code);
        }
        _ => {}
    }
    if args.deny_warnings && data_warnings > 0 {
        let written = if rows_on_stdout {
            "standard output has the rows, and no summary"
        } else {
            "no output file was written"
        };
        say!(
            "pol: the population has {} (--deny-warnings); {written}",
            if data_warnings == 1 {
                "1 warning".to_string()
            } else {
                format!("{data_warnings} warnings")
            }
        );
        return ExitCode::Diagnostics;
    }
    if let Err(code) = write_summary(args, out, &report, outputs) {
        return code;
    }
    let summary = &report.summary;
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

/// Prints the first row errors with their lines, and how many more there were.
fn print_errors(report: &Report) {
    for e in &report.errors {
        // Row errors quote ids and cells of the population: no raw control characters.
        let message = e.message();
        say!("pol: line {}: {}", e.line, escape_text(&message));
    }
    let errors = report.summary.errors as usize;
    if errors > report.errors.len() {
        say!("pol: ... and {} more errors", errors - report.errors.len());
    }
}

/// Writes the summary (to its file, or standard output or error) and puts both outputs in
/// place.
fn write_summary(
    args: &SimulateArgs,
    out: &Output,
    report: &Report,
    outputs: Outputs,
) -> Result<(), ExitCode> {
    let Outputs {
        rows,
        summary: mut summary_file,
        warnings,
    } = outputs;
    let summary = &report.summary;
    let rows_on_stdout = args.out.as_deref().is_some_and(|p| p.as_os_str() == "-");
    // The summary carries the policies' warnings: figures read without them can mislead.
    let json = || {
        serde_json::to_string_pretty(&with_policy_warnings(summary, &warnings)).unwrap_or_default()
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
            return Err(out.fail(&format!("cannot write the summary: {e}")));
        }
    }
    // Every output complete and synced first, the renames last: both or neither replaced.
    let outputs: Vec<Pending> = rows.into_iter().chain(summary_file).collect();
    commit_all(outputs).map_err(|e| out.fail(&e))?;
    if args.summary.is_some() {
        return Ok(());
    }
    if rows_on_stdout {
        // Standard output carries the rows alone; the summary is for the person watching.
        say_raw!("{}", escape_text(&text));
        return Ok(());
    }
    // Without `--out` and `--summary` the summary is the run's only result: one that cannot be
    // written (a full disk, a closed pipe) is a failed run, not a success.
    let mut stdout = std::io::stdout().lock();
    let shown = escape_text(&text);
    if stdout
        .write_all(shown.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        say!("pol: cannot write the summary to standard output");
        return Err(ExitCode::Usage);
    }
    Ok(())
}
