//! Any bytes as a population (CSV or JSON Lines), through the chunker, the row readers, the
//! evaluation of the shipped 15号 and the summary: nothing panics; the rows, summary, errors
//! and any stop are the same at every chunk size; and the summary's total equals the sum of the
//! rows' totals.
//!
//! The first byte chooses the run: bit 0 JSON Lines, bit 1 institutions (else enterprises),
//! bit 2 a known header put in front of CSV bytes. The rest is the file.
#![no_main]

use std::collections::HashSet;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pol::compile::Kind;
use pol::eval::{Options, PolicySet};
use pol::simulate::batch::{Context, CsvShape, Sequence, Source, Worker};
use pol::simulate::chunks::Chunker;
use pol::simulate::input::{csv_header, csv_id, jsonl_id};
use pol::simulate::output::{RowFormat, RowWriter};
use pol::simulate::{parse_columns, Columns, Layout, Summary};
use rust_decimal::Decimal;

fn set() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(|| {
        let text = include_str!("../../policies/jiazhengfa-2023-15.pol");
        PolicySet::compile(&[("15", text)]).expect("the shipped policy compiles")
    })
}

/// What a run gives: row text, summary (JSON), errors, the stop, and the summary's paid range.
type Run = (
    String,
    String,
    Vec<String>,
    Option<String>,
    (Decimal, Decimal),
);

fn run(bytes: &[u8], jsonl: bool, kind: Kind, chunk: usize) -> Option<Run> {
    let options = Options::on("2024-12-31".parse().expect("a date"));
    let ev = set()
        .evaluator::<pol::eval::Silent>(&options)
        .expect("no settings needed");
    let columns = Columns::default();
    let claim_inputs: HashSet<String> = set()
        .programs()
        .iter()
        .flat_map(|p| p.claim_inputs.iter().map(|i| i.name.clone()))
        .collect();
    let layout = Layout::of(&ev);
    let writer = RowWriter {
        format: RowFormat::Csv,
        columns: parse_columns("line,subject,claim,total,error", &layout).expect("known columns"),
        nested: false,
    };
    let id_column = OnceLock::new();
    let mut chunker = Chunker::new(bytes, !jsonl, chunk, |r: &[u8]| match id_column.get() {
        Some(&c) => csv_id(r, c),
        None => jsonl_id(r, &columns),
    });
    let source = if jsonl {
        Source::Jsonl
    } else {
        let header = csv_header(&chunker.first_record().ok()??).ok()?;
        let mut seen = HashSet::new();
        if !header.iter().all(|h| seen.insert(h.clone())) {
            return None; // refused by the command line before any row is read
        }
        let shape = CsvShape::new(&ev, &header, &columns)?;
        id_column.set(shape.id).ok()?;
        Source::Csv(shape)
    };
    let cx = Context {
        ev: &ev,
        kind,
        columns: &columns,
        claim_inputs: &claim_inputs,
        layout: &layout,
        writer: Some(&writer),
        source,
    };
    let mut worker = Worker::new(&cx);
    let mut sequence = Sequence::default();
    let (mut text, mut summary, mut errors) = (String::new(), Summary::new(&ev), Vec::new());
    loop {
        let chunk = match chunker.next_chunk() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                let stop = Some(e.to_string());
                return Some((
                    String::new(),
                    String::new(),
                    Vec::new(),
                    stop,
                    Default::default(),
                ));
            }
        };
        let batch = worker.run(&chunk);
        if let Some(fatal) = sequence.follow(&batch) {
            return Some((
                String::new(),
                String::new(),
                Vec::new(),
                Some(fatal),
                Default::default(),
            ));
        }
        text.push_str(&batch.text);
        summary.merge(batch.summary);
        errors.extend(
            batch
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.line, e.message)),
        );
    }
    summary.finish(&ev);
    let paid = (summary.paid.min(), summary.paid.max());
    let json = serde_json::to_string(&summary).expect("a summary serializes");
    Some((text, json, errors, None, paid))
}

/// The sum of the rows' `total` cells (`min..max` for a range), and the number of rows.
fn row_totals(text: &str) -> (Decimal, Decimal, usize) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let (mut min, mut max, mut rows) = (Decimal::ZERO, Decimal::ZERO, 0);
    for record in reader.records() {
        let record = record.expect("pol writes valid CSV");
        rows += 1;
        let total = &record[3];
        if total.is_empty() {
            continue; // a bad row: no total
        }
        let (a, b) = total.split_once("..").unwrap_or((total, total));
        min += a.parse::<Decimal>().expect("a total is a decimal");
        max += b.parse::<Decimal>().expect("a total is a decimal");
    }
    (min, max, rows)
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let jsonl = choice & 1 != 0;
    let kind = if choice & 2 != 0 {
        Kind::Institution
    } else {
        Kind::Enterprise
    };
    let mut bytes = Vec::new();
    if !jsonl && choice & 4 != 0 {
        bytes.extend_from_slice(if kind == Kind::Institution {
            "id,claim_id,claim_date,项目类别,通过评审,实付合同金额\n".as_bytes()
        } else {
            "id,加计扣除资格,研发费用,上年研发费用,营业收入,规上企业,高新技术企业\n".as_bytes()
        });
    }
    bytes.extend_from_slice(rest);
    let Some(whole) = run(&bytes, jsonl, kind, 1 << 20) else {
        return;
    };
    for chunk in [1, 7, 64] {
        let cut = run(&bytes, jsonl, kind, chunk).expect("the header reads the same");
        assert_eq!(cut, whole, "chunks of {chunk} bytes");
    }
    if whole.3.is_none() {
        let (min, max, rows) = row_totals(&whole.0);
        assert_eq!(
            (min, max),
            whole.4,
            "the summary's total is the sum of the rows"
        );
        let summary: serde_json::Value = serde_json::from_str(&whole.1).expect("JSON");
        assert_eq!(
            summary["rows"].as_u64(),
            Some(rows as u64),
            "every row is written once"
        );
    }
});
