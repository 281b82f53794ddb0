//! `pol simulate`: the policies over a whole population, with per-row results and a summary.
//!
//! The reader (this thread) groups rows into subjects and checks their order; worker threads
//! evaluate batches of subjects; a writer thread puts the batches back in input order, writes
//! them and merges the summaries. Output files are written to a temporary file beside the
//! target and renamed at the end, so an interrupted run leaves any old file as it was.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use super::eval::{load_policies, WhenArgs};
use super::files::pending;
use super::{ExitCode, Format, Output};
use crate::compile::Kind;
use crate::eval::decision::Outcome;
use crate::eval::{Amount, Evaluator};
use crate::simulate::input::Reader;
use crate::simulate::{
    amount_text, default_columns, id_order, parse_columns, simulate_subject, Column, Columns,
    Layout, RowError, RowResult, SubjectRows, Summary,
};

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
}

const BATCH: usize = 512;

/// What a worker hands the writer: a batch's output text, its summary and its errors.
struct Done {
    seq: u64,
    text: String,
    summary: Summary,
    errors: Vec<RowError>,
}

/// How rows are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RowFormat {
    Csv,
    Jsonl,
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Appends `text` as one CSV cell (quoted when it holds a comma, quote or line break).
fn push_csv_field(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push_str(&csv_field(text));
    } else {
        out.push_str(text);
    }
}

/// Appends an amount as [`amount_text`] writes it (at least two decimals, no trailing zeros
/// beyond), without a string of its own: most amounts of a population are zero.
fn push_amount(out: &mut String, a: Amount) {
    let push = |out: &mut String, d: rust_decimal::Decimal| {
        if d.is_zero() {
            out.push_str("0.00");
            return;
        }
        let v = d.normalize();
        let (mut mantissa, mut scale) = (v.mantissa().unsigned_abs(), v.scale() as usize);
        while scale < 2 {
            mantissa *= 10;
            scale += 1;
        }
        if v.is_sign_negative() {
            out.push('-');
        }
        let mut buf = itoa::Buffer::new();
        let digits = buf.format(mantissa);
        if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        } else {
            out.push_str("0.");
            for _ in digits.len()..scale {
                out.push('0');
            }
            out.push_str(digits);
        }
    };
    match a {
        Amount::Exact(d) => push(out, d),
        Amount::Range { min, max } => {
            push(out, min);
            out.push_str("..");
            push(out, max);
        }
    }
}

/// How rows are written: the format and, for CSV or an explicit `--columns`, the columns.
struct RowWriter {
    format: RowFormat,
    columns: Vec<(String, Column)>,
    /// JSON Lines in the nested default shape (no `--columns` given).
    nested: bool,
}

impl RowWriter {
    /// The header line, for CSV.
    fn header(&self) -> String {
        let titles: Vec<String> = self.columns.iter().map(|(t, _)| csv_field(t)).collect();
        titles.join(",") + "\n"
    }

    fn row(&self, out: &mut String, r: &RowResult, layout: &Layout) {
        if self.nested {
            return write_nested(out, r, layout);
        }
        let csv = self.format == RowFormat::Csv;
        if !csv {
            out.push('{');
        }
        for (k, (title, column)) in self.columns.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            if !csv {
                push_json_key(out, title);
            }
            // Written cell by cell into the batch's text: no string per cell.
            match column {
                Column::Line => push_int(out, r.line),
                Column::Subject => push_text(out, &r.subject, csv),
                Column::Claim => match &r.claim {
                    Some(c) => push_text(out, c, csv),
                    None if csv => {}
                    None => out.push_str("null"),
                },
                Column::Total => push_money(out, r.total, csv),
                Column::Error if csv => {}
                Column::Error => out.push_str("null"),
                Column::Payer(p) => push_money(out, r.payers[*p], csv),
                Column::Paid(cs) => match cs.as_slice() {
                    [c] => match r.clauses[*c] {
                        Some((_, a)) => push_money(out, a, csv),
                        None if csv => {}
                        None => out.push_str("null"),
                    },
                    _ => {
                        let sum = cs
                            .iter()
                            .filter_map(|c| r.clauses[*c].map(|(_, a)| a))
                            .fold(Amount::ZERO, |s, a| s + a);
                        push_money(out, sum, csv);
                    }
                },
                Column::Outcome(c) => match r.clauses[*c] {
                    Some((o, _)) => push_text(out, o.key(), csv),
                    None if csv => {}
                    None => out.push_str("null"),
                },
                Column::Eligible(cs) => {
                    let held = cs.iter().any(|c| {
                        matches!(
                            r.clauses[*c],
                            Some((Outcome::Awarded | Outcome::Superseded, _))
                        )
                    });
                    out.push(if held { '1' } else { '0' });
                }
            }
        }
        out.push_str(if csv { "\n" } else { "}\n" });
    }

    fn error_row(&self, out: &mut String, e: &RowError, subject: &str) {
        let csv = self.format == RowFormat::Csv;
        if self.nested {
            let v = serde_json::json!({"line": e.line, "subject": subject, "error": e.message});
            out.push_str(&v.to_string());
            out.push('\n');
            return;
        }
        if !csv {
            out.push('{');
        }
        for (k, (title, column)) in self.columns.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            if !csv {
                push_json_key(out, title);
            }
            match column {
                Column::Line => push_int(out, e.line),
                Column::Subject => push_text(out, subject, csv),
                Column::Error => push_text(out, &e.message, csv),
                _ if csv => {}
                _ => out.push_str("null"),
            }
        }
        out.push_str(if csv { "\n" } else { "}\n" });
    }
}

fn push_int(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// A text cell: CSV-quoted when needed, or a JSON string.
fn push_text(out: &mut String, text: &str, csv: bool) {
    if csv {
        push_csv_field(out, text);
    } else {
        out.push_str(&serde_json::Value::from(text).to_string());
    }
}

fn push_json_key(out: &mut String, key: &str) {
    push_text(out, key, false);
    out.push(':');
}

/// An amount cell: plain in CSV, a decimal string in JSON (never a float).
fn push_money(out: &mut String, a: Amount, csv: bool) {
    if !csv {
        out.push('"');
    }
    push_amount(out, a);
    if !csv {
        out.push('"');
    }
}

/// A row of JSON Lines in the default shape: payers and clauses as nested objects.
fn write_nested(out: &mut String, r: &RowResult, layout: &Layout) {
    let several = layout
        .clauses
        .iter()
        .any(|(d, _)| d != &layout.clauses[0].0);
    let mut clauses = serde_json::Map::new();
    for ((doc, name), c) in layout.clauses.iter().zip(&r.clauses) {
        if let Some((o, a)) = c {
            let key = if several {
                format!("{doc}/{name}")
            } else {
                name.clone()
            };
            clauses.insert(
                key,
                serde_json::json!({"outcome": o.key(), "paid": amount_text(*a)}),
            );
        }
    }
    let payers: serde_json::Map<String, serde_json::Value> = layout
        .payers
        .iter()
        .zip(&r.payers)
        .map(|(p, a)| (p.clone(), amount_text(*a).into()))
        .collect();
    let v = serde_json::json!({
        "line": r.line, "subject": r.subject, "claim": r.claim,
        "total": amount_text(r.total), "payers": payers, "clauses": clauses,
    });
    out.push_str(&v.to_string());
    out.push('\n');
}

fn evaluate_batch(
    ev: &Evaluator<'_>,
    batch: &mut [Result<SubjectRows, (RowError, String)>],
    kind: Kind,
    columns: &Columns,
    layout: &Layout,
    writer: &RowWriter,
) -> (String, Summary, Vec<RowError>) {
    let mut text = String::new();
    let mut summary = Summary::new(ev);
    let mut errors = Vec::new();
    for item in batch.iter_mut() {
        match item {
            Ok(subject) if !subject.bad.is_empty() => {
                // Every line of the subject is written, in input order, with the reason.
                let first = subject.bad[0].line;
                let mut lines: Vec<RowError> = subject
                    .rows
                    .iter()
                    .map(|r| RowError {
                        line: r.line,
                        message: format!(
                            "subject `{}` is not evaluated: line {first} cannot be read",
                            subject.id
                        ),
                    })
                    .chain(subject.bad.iter().cloned())
                    .collect();
                lines.sort_by_key(|e| e.line);
                summary.rows += lines.len() as u64;
                summary.errors += 1;
                for e in &lines {
                    writer.error_row(&mut text, e, &subject.id);
                }
                errors.extend(subject.bad.iter().cloned());
            }
            Ok(subject) => match simulate_subject(ev, subject, kind, columns, layout, &mut summary)
            {
                Ok(rows) => {
                    for r in &rows {
                        writer.row(&mut text, r, layout);
                    }
                }
                Err(e) => {
                    summary.rows += subject.rows.len() as u64;
                    summary.errors += 1;
                    for r in &subject.rows {
                        writer.error_row(
                            &mut text,
                            &RowError {
                                line: r.line,
                                message: e.message.clone(),
                            },
                            &subject.id,
                        );
                    }
                    errors.push(e);
                }
            },
            Err((e, subject)) => {
                summary.rows += 1;
                summary.errors += 1;
                writer.error_row(&mut text, e, subject);
                errors.push(e.clone());
            }
        }
    }
    (text, summary, errors)
}

/// Runs `pol simulate`.
pub fn run(args: &SimulateArgs, out: &Output) -> ExitCode {
    let set = match load_policies(&args.paths, out) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let Some(kind) = Kind::parse(&args.kind).filter(|k| *k != Kind::Project) else {
        return out.fail(&format!(
            "`{}` is not a kind of subject; use enterprise, institution, person or region",
            args.kind
        ));
    };
    let options = match args.when.options(false, false, out) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let ev = match set.evaluator(&options) {
        Ok(ev) => ev,
        Err(problems) => {
            for p in problems {
                eprintln!("pol: {}: {} ({})", p.path, p.message, p.help);
            }
            return ExitCode::Diagnostics;
        }
    };
    let columns = Columns {
        id: args.id_column.clone(),
        claim_id: args.claim_id_column.clone(),
        claim_date: args.claim_date_column.clone(),
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
    let mut reader = if jsonl {
        Reader::jsonl(input)
    } else {
        match Reader::csv(input) {
            Ok(r) => r,
            Err(e) => return out.fail(&e),
        }
    };
    let claim_inputs: HashSet<String> = set
        .programs()
        .iter()
        .flat_map(|p| p.claim_inputs.iter().map(|i| i.name.clone()))
        .collect();
    if let Some(header) = reader.header() {
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
        for h in header {
            let special = [&columns.id, &columns.claim_id, &columns.claim_date].contains(&h);
            if !special && !known.contains(h.as_str()) {
                eprintln!("pol: warning: the column `{h}` is not an input of these policies; it is ignored");
            }
        }
        if !header.contains(&columns.id) {
            return out.fail(&format!(
                "the population has no `{}` column for the subject id (see --id-column)",
                columns.id
            ));
        }
    }
    let row_format = match &args.out {
        Some(p) if p.extension().is_some_and(|e| e == "jsonl" || e == "ndjson") => RowFormat::Jsonl,
        _ => RowFormat::Csv,
    };
    let layout = match reader.header() {
        Some(header) => Layout::of(&ev).with_header(&ev, header, &columns, &claim_inputs),
        None => Layout::of(&ev),
    };
    let mut rows_file = match &args.out {
        Some(p) => match pending(p) {
            Ok(f) => Some(f),
            Err(e) => return out.fail(&e),
        },
        None => None,
    };
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

    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // A handler can be set once per process; a second simulation in one process keeps the first.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    }
    let too_many = AtomicBool::new(false);
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
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

    type Batch = Vec<Result<SubjectRows, (RowError, String)>>;
    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Batch)>(threads * 2);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::sync_channel::<Done>(threads * 2);
    let mut fatal: Option<String> = None;
    let mut summary = Summary::new(&ev);
    let mut first_errors: Vec<RowError> = Vec::new();
    let mut write_failed = false;

    std::thread::scope(|scope| {
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let (ev, columns, layout, work_rx, writer) =
                (&ev, &columns, &layout, &work_rx, &writer);
            scope.spawn(move || loop {
                let next = work_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((seq, mut batch))) = next else {
                    break;
                };
                let (text, summary, errors) =
                    evaluate_batch(ev, &mut batch, kind, columns, layout, writer);
                if done_tx
                    .send(Done {
                        seq,
                        text,
                        summary,
                        errors,
                    })
                    .is_err()
                {
                    break;
                }
            });
        }
        drop(done_tx);
        let writer = {
            let (summary, first_errors, write_failed, rows_file, too_many) = (
                &mut summary,
                &mut first_errors,
                &mut write_failed,
                &mut rows_file,
                &too_many,
            );
            let max_errors = args.max_errors;
            scope.spawn(move || {
                let mut waiting: BTreeMap<u64, Done> = BTreeMap::new();
                let mut next = 0u64;
                for done in done_rx {
                    waiting.insert(done.seq, done);
                    while let Some(d) = waiting.remove(&next) {
                        if let Some(f) = rows_file.as_mut() {
                            if f.writer().write_all(d.text.as_bytes()).is_err() {
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
                        next += 1;
                    }
                }
            })
        };

        let mut seq = 0u64;
        let mut batch: Batch = Vec::with_capacity(BATCH);
        let mut current: Option<SubjectRows> = None;
        let mut last_id: Option<String> = None;
        let mut rows = 0u64;
        loop {
            if interrupted.load(Ordering::SeqCst) || too_many.load(Ordering::SeqCst) {
                break;
            }
            let Some(item) = reader.next_record(&columns, &claim_inputs) else {
                break;
            };
            rows += 1;
            if let Some(bar) = &progress {
                if rows % 4096 == 0 {
                    match reader.bytes_read() {
                        Some(b) if size.is_some() => bar.set_position(b),
                        _ => bar.set_message(format!("{rows} rows")),
                    }
                }
            }
            match item {
                Err(bad) => match current.as_mut() {
                    // A bad row of the subject being read fails that subject as a whole.
                    Some(s) if bad.id.as_deref() == Some(s.id.as_str()) => s.bad.push(bad.error),
                    _ => {
                        if let Some(s) = current.take() {
                            batch.push(Ok(s));
                        }
                        batch.push(Err((bad.error, bad.id.unwrap_or_default())));
                    }
                },
                Ok(record) => match current.as_mut() {
                    Some(s) if s.id == record.id => s.rows.push(record),
                    _ => {
                        if let Some(prev) = current.take() {
                            batch.push(Ok(prev));
                        }
                        if let Some(last) = &last_id {
                            let order = id_order(&record.id, last);
                            if order != std::cmp::Ordering::Greater {
                                let why = if record.id == *last {
                                    format!(
                                        "the rows of subject `{}` are not next to each other",
                                        record.id
                                    )
                                } else {
                                    format!("subject `{}` comes after `{last}`", record.id)
                                };
                                fatal = Some(format!(
                                    "line {}: {why}; rows must be sorted by subject id (whole-number ids numerically), so that all rows of a subject are together",
                                    record.line
                                ));
                                break;
                            }
                        }
                        last_id = Some(record.id.clone());
                        current = Some(SubjectRows {
                            id: record.id.clone(),
                            rows: vec![record],
                            bad: Vec::new(),
                        });
                    }
                },
            }
            if batch.len() >= BATCH {
                if work_tx.send((seq, std::mem::take(&mut batch))).is_err() {
                    break;
                }
                seq += 1;
            }
        }
        if fatal.is_none() && !interrupted.load(Ordering::SeqCst) {
            if let Some(s) = current.take() {
                batch.push(Ok(s));
            }
            if !batch.is_empty() {
                let _ = work_tx.send((seq, std::mem::take(&mut batch)));
            }
        }
        drop(work_tx);
        let _ = writer.join();
    });
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }

    if interrupted.load(Ordering::SeqCst) {
        eprintln!("pol: interrupted; no output file was written");
        return ExitCode::Interrupted;
    }
    if let Some(msg) = fatal {
        eprintln!("pol: {msg}; no output file was written");
        return ExitCode::Diagnostics;
    }
    for e in &first_errors {
        eprintln!("pol: line {}: {}", e.line, e.message);
    }
    if summary.errors as usize > first_errors.len() {
        eprintln!(
            "pol: ... and {} more errors",
            summary.errors as usize - first_errors.len()
        );
    }
    if too_many.load(Ordering::SeqCst) {
        eprintln!(
            "pol: stopped after {} errors (--max-errors); no output file was written",
            summary.errors
        );
        return ExitCode::Diagnostics;
    }
    if write_failed {
        return out.fail("cannot write the output file");
    }
    summary.finish(&ev);
    if let Some(f) = rows_file {
        if let Err(e) = f.commit() {
            return out.fail(&e);
        }
    }
    let text = match (&args.summary, out.format) {
        (Some(p), _) if p.extension().is_some_and(|e| e == "json") => {
            serde_json::to_string_pretty(&summary).unwrap_or_default() + "\n"
        }
        (None, Format::Json) => serde_json::to_string_pretty(&summary).unwrap_or_default() + "\n",
        _ => summary.human(),
    };
    match &args.summary {
        Some(p) => {
            let written = pending(p).and_then(|mut f| {
                f.writer()
                    .write_all(text.as_bytes())
                    .map_err(|e| e.to_string())?;
                f.commit()
            });
            if let Err(e) = written {
                return out.fail(&e);
            }
        }
        None => print!("{text}"),
    }
    if summary.errors > 0 {
        ExitCode::Diagnostics
    } else {
        ExitCode::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn pushed(a: Amount) -> String {
        let mut s = String::new();
        push_amount(&mut s, a);
        s
    }

    #[test]
    fn amounts_are_written_as_amount_text_writes_them() {
        for text in [
            "0",
            "0.00",
            "-0.5",
            "1",
            "10.1",
            "123456.789",
            "0.001",
            "-1000000",
            "1e-28",
        ] {
            let d = Decimal::from_scientific(text)
                .or_else(|_| text.parse())
                .unwrap();
            assert_eq!(
                pushed(Amount::Exact(d)),
                amount_text(Amount::Exact(d)),
                "{text}"
            );
        }
        let range = Amount::between(Decimal::ZERO, Decimal::new(600_000_005, 2));
        assert_eq!(pushed(range), amount_text(range));
    }

    proptest! {
        #[test]
        fn any_decimal_is_written_alike(m in any::<i64>(), scale in 0u32..20) {
            let d = Decimal::new(m, scale);
            prop_assert_eq!(pushed(Amount::Exact(d)), amount_text(Amount::Exact(d)));
        }
    }
}
