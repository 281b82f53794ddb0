//! Any bytes as a population (CSV or JSON Lines), through the library's simulation (the
//! chunker, the row readers, the evaluation of the shipped 15号 and the summary): nothing
//! panics; the rows, summary, errors and any stop are the same at every chunk size; and the
//! summary's total equals the sum of the rows' totals.
//!
//! The first byte chooses the run: bit 0 JSON Lines, bit 1 institutions (else enterprises),
//! bit 2 a known header put in front of CSV bytes. The rest is the file.
#![no_main]

use std::sync::atomic::AtomicBool;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pol::{End, Kind, Options, PolicySet, PopulationFormat, SimulateError, SimulationOptions};
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

/// The run of `bytes` in chunks of `chunk` bytes, through the library's simulation on one
/// worker thread; `None` when the population cannot start (its header).
fn run(bytes: &[u8], jsonl: bool, kind: Kind, chunk: usize) -> Option<Run> {
    let mut sim = SimulationOptions::new(kind);
    sim.chunk_size = chunk;
    sim.threads = 1;
    sim.row_columns = Some("line,subject,claim,total,error".to_string());
    if jsonl {
        sim.format = PopulationFormat::Jsonl;
    }
    let options = Options::on("2024-12-31".parse().expect("a date"));
    let simulation = set().simulation(&options, sim).expect("a kind the policy awards");
    let mut rows = Vec::new();
    let cancel = AtomicBool::new(false);
    let report = match simulation.run(bytes, Some(&mut rows), &mut |_| {}, &cancel) {
        Ok(r) => r,
        // Refused before any row is read (as the command line refuses it).
        Err(
            SimulateError::Header(_)
            | SimulateError::DuplicateColumn(_)
            | SimulateError::NoIdColumn(_)
            | SimulateError::NoClaimIdColumn { .. },
        ) => return None,
        Err(e) => panic!("{e}"),
    };
    let errors = report
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.line, e.message()))
        .collect();
    match report.end {
        End::Completed => {}
        // The whole of the output is what reading stopped at; nothing else is compared.
        End::Stopped(e) => {
            return Some((String::new(), String::new(), Vec::new(), Some(e.to_string()), Default::default()))
        }
        End::SummaryFailed(f) => {
            return Some((String::new(), String::new(), Vec::new(), Some(f.to_string()), Default::default()))
        }
        other => panic!("{other:?}"),
    }
    let paid = (report.summary.paid.min(), report.summary.paid.max());
    let json = serde_json::to_string(&report.summary).expect("a summary serializes");
    let text = String::from_utf8(rows).expect("rows are UTF-8");
    // The CSV header line of the rows is not a row.
    let text = text.split_once('\n').map_or(String::new(), |(_, rest)| rest.to_string());
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
            "id,claim_id,claim_date,item,项目类别,通过评审,实付合同金额\n".as_bytes()
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
        // The lines an unclosed quote swallows (F0213) count as rows read but have no row of
        // their own: only then may the summary count more rows than are written.
        let swallowed = whole.2.iter().any(|e| e.contains("F0213"));
        let read = summary["rows"].as_u64().expect("a row count");
        if swallowed {
            assert!(read >= rows as u64, "every row is written once");
        } else {
            assert_eq!(read, rows as u64, "every row is written once");
        }
    }
});
