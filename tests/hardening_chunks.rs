//! Results and errors never depend on how a population is cut or how many threads read it:
//! generated CSV and JSON Lines populations with blank lines anywhere (also between two rows of
//! one subject), LF, CRLF and CR-only line endings, quoted cells with commas and line breaks,
//! bad cells and subjects out of order give the same rows, summary and errors at every chunk
//! size (through the library) and at every thread count (through `pol simulate`).

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;

use pol::{End, Kind, Options, PolicySet, PopulationFormat, SimulationOptions};
use proptest::prelude::*;

const POLICY: &str = include_str!("../policies/jiazhengfa-2023-15.pol");
// 科技中介机构 (15号 第五条: only an agency is paid for technology transfer) is given on every
// row, so that the populations have awarded rows to compare.
const NAMES: [&str; 8] = [
    "id",
    "claim_id",
    "claim_date",
    // Every claim is an application for 第五条's item.
    "item",
    "项目类别",
    "通过评审",
    "实付合同金额",
    "科技中介机构",
];

/// Everything a run gives: row text, summary, errors, and the order violation that stopped it.
type Run = (String, String, Vec<String>, Option<String>);

fn simulate(set: &PolicySet, population: &[u8], jsonl: bool, chunk: usize) -> Run {
    let mut sim = SimulationOptions::new(Kind::Institution);
    sim.chunk_size = chunk;
    sim.threads = 1;
    if jsonl {
        sim.format = PopulationFormat::Jsonl;
    }
    let simulation = set
        .simulation(&Options::on("2024-12-31".parse().unwrap()), sim)
        .unwrap();
    let mut rows = Vec::new();
    let report = simulation
        .run(
            population,
            Some(&mut rows),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    match report.end {
        End::Completed => {}
        End::Stopped(e) => {
            return (
                String::new(),
                String::new(),
                Vec::new(),
                Some(e.to_string()),
            )
        }
        other => panic!("{other:?}"),
    }
    let errors = report
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.line, e.message()))
        .collect();
    (
        String::from_utf8(rows).unwrap(),
        serde_json::to_string(&report.summary).unwrap(),
        errors,
        None,
    )
}

/// One cell: mostly good values, sometimes empty, quoted (with commas, quotes and line breaks)
/// or odd.
fn cell(good: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(good).prop_map(String::from),
        1 => Just(String::new()),
        1 => "[a-z0-9 ,\"\n-]{0,5}".prop_map(|s| format!("\"{}\"", s.replace('"', "\"\""))),
        1 => "[a-z0-9 .万元-]{0,4}",
    ]
}

/// The cells of one row of subject `id` (before it is written as CSV or JSON).
fn row(id: u32) -> impl Strategy<Value = Vec<String>> {
    (
        prop_oneof![2 => Just(String::new()), 3 => (1u32..4).prop_map(|k| format!("C{k}"))],
        cell(&["2024-03-01", "2024-11-30", "2024-02-30"]),
        cell(&["技术开发", "技术转让", "其他"]),
        cell(&["1", "0", "true"]),
        cell(&["200万元", "1234.56", "0", "-5"]),
    )
        .prop_map(move |(claim, date, kind, reviewed, amount)| {
            vec![
                id.to_string(),
                claim,
                date,
                "技术转移".to_string(),
                kind,
                reviewed,
                amount,
                "true".to_string(),
            ]
        })
}

/// A population: subjects of one to three rows, ids mostly rising, with the blank lines that go
/// before each row and where a byte-order mark is met (as where two exports were joined: 1 at
/// the row's start, 2 on a line of its own before the row), the line ending, and whether it is
/// JSON Lines.
#[derive(Clone, Debug)]
struct Population {
    rows: Vec<(Vec<String>, usize, u8)>,
    end: &'static str,
    jsonl: bool,
}

fn population() -> impl Strategy<Value = Population> {
    let subject = (0u32..3, 1usize..4, prop::bool::weighted(0.02));
    (
        prop::collection::vec(subject, 1..20),
        prop::sample::select(vec!["\n", "\r\n", "\r"]),
        any::<bool>(),
    )
        .prop_flat_map(|(subjects, end, jsonl)| {
            let mut id = 0;
            let rows: Vec<_> = subjects
                .into_iter()
                .map(|(step, n, back)| {
                    id = if back && id > 2 {
                        id - 2
                    } else {
                        id + step + 1
                    };
                    prop::collection::vec(
                        (
                            row(id),
                            prop_oneof![4 => Just(0usize), 1 => 1usize..3],
                            prop_oneof![36 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
                        ),
                        n,
                    )
                })
                .collect();
            (rows, Just(end), Just(jsonl))
        })
        .prop_map(|(rows, end, jsonl)| Population {
            rows: rows.into_iter().flatten().collect(),
            end,
            jsonl,
        })
}

impl Population {
    fn text(&self) -> Vec<u8> {
        let mut text = String::new();
        if !self.jsonl {
            text.push_str(&NAMES.join(","));
            text.push_str(self.end);
        }
        for (cells, blanks, mark) in &self.rows {
            for _ in 0..*blanks {
                text.push_str(if self.jsonl { "  " } else { "" });
                text.push_str(self.end);
            }
            match mark {
                1 => text.push('\u{feff}'),
                2 => {
                    text.push('\u{feff}');
                    text.push_str(self.end);
                }
                _ => {}
            }
            if self.jsonl {
                // A quoted CSV cell becomes a JSON string of what it holds.
                let object: serde_json::Map<String, serde_json::Value> = NAMES
                    .iter()
                    .zip(cells)
                    .filter(|(_, c)| !c.is_empty())
                    .map(|(n, c)| {
                        let value = c
                            .strip_prefix('"')
                            .and_then(|c| c.strip_suffix('"'))
                            .map_or(c.clone(), |c| c.replace("\"\"", "\""));
                        (n.to_string(), serde_json::Value::String(value))
                    })
                    .collect();
                text.push_str(&serde_json::to_string(&object).unwrap());
            } else {
                text.push_str(&cells.join(","));
            }
            text.push_str(self.end);
        }
        text.into_bytes()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn every_chunk_size_gives_what_the_whole_file_gives(p in population()) {
        let set = PolicySet::compile(&[("15.pol", POLICY)]).unwrap();
        let text = p.text();
        let whole = simulate(&set, &text, p.jsonl, 1 << 20);
        for chunk in [1, 5, 37, 200] {
            let cut = simulate(&set, &text, p.jsonl, chunk);
            prop_assert_eq!(&cut, &whole, "chunks of {} bytes", chunk);
        }
        // A population with rows is never read as an empty one (a line holding only a mark is a
        // bad row of CSV, a blank line of JSON Lines).
        if whole.3.is_none() && p.rows.iter().all(|r| r.2 != 2) {
            let summary: serde_json::Value = serde_json::from_str(&whole.1).unwrap();
            prop_assert_eq!(summary["rows"].as_u64().unwrap() as usize, p.rows.len());
        }
    }
}

/// `pol simulate` of the population on standard input: exit status, rows, and standard error.
fn cli(p: &Population, threads: &str, chunk: &str) -> (Option<i32>, String, String) {
    let policy = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/jiazhengfa-2023-15.pol"
    );
    let population = std::env::temp_dir().join(format!(
        "pol-chunks-{}-{threads}-{chunk}.{}",
        std::process::id(),
        if p.jsonl { "jsonl" } else { "csv" }
    ));
    std::fs::write(&population, p.text()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args([
            "simulate",
            policy,
            "--kind",
            "institution",
            "--date",
            "2024-12-31",
        ])
        .args([
            "--out",
            "-",
            "--threads",
            threads,
            "--chunk-size",
            chunk,
            "--population",
        ])
        .arg(&population)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().map(|mut s| s.flush());
    let o = child.wait_with_output().unwrap();
    let _ = std::fs::remove_file(&population);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_thread_count_and_chunk_size_gives_the_same_run(p in population()) {
        let first = cli(&p, "1", "262144");
        for (threads, chunk) in [("3", "1"), ("2", "64"), ("4", "262144")] {
            prop_assert_eq!(&cli(&p, threads, chunk), &first, "{} threads, chunks of {}", threads, chunk);
        }
    }
}

/// The generated columns can pay: 15号 第五条 gives an agency (科技中介机构) 3% of a reviewed
/// contract, here 3% of 200万元 = 6万元 (under the 10万元 cap per project), in CSV and JSON
/// Lines alike. Without this, the properties above could compare populations where nothing is
/// ever paid.
#[test]
fn a_generated_row_of_an_agency_is_paid() {
    let set = PolicySet::compile(&[("15.pol", POLICY)]).unwrap();
    let cells = [
        "1",
        "C1",
        "2024-03-01",
        "技术转移",
        "技术开发",
        "true",
        "200万元",
        "true",
    ];
    let csv = format!("{}\n{}\n", NAMES.join(","), cells.join(","));
    let object: serde_json::Map<String, serde_json::Value> = NAMES
        .iter()
        .zip(cells)
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
        .collect();
    let jsonl = format!("{}\n", serde_json::to_string(&object).unwrap());
    for (text, is_jsonl) in [(csv, false), (jsonl, true)] {
        let (rows, ..) = simulate(&set, text.as_bytes(), is_jsonl, 1 << 20);
        assert!(rows.contains("60000.00"), "{rows}");
    }
}

/// Found once the chunker read small chunk sizes as small reads: a JSON Lines line holding only
/// a byte-order mark, between two rows of one subject, was blank to the reader but a row
/// without an id to the chunker, which cut the subject's rows apart there ("rows not next to
/// each other" at small chunk sizes only). Rows of CR-only line ends, as generated above.
#[test]
fn a_line_of_only_a_byte_order_mark_is_blank_to_the_reader_and_the_chunker() {
    let set = PolicySet::compile(&[("15.pol", POLICY)]).unwrap();
    let row = |id: &str, claim: &str| {
        let cells = [
            id,
            claim,
            "2024-03-01",
            "技术转移",
            "技术开发",
            "true",
            "200万元",
            "true",
        ];
        let object: serde_json::Map<String, serde_json::Value> = NAMES
            .iter()
            .zip(cells)
            .map(|(n, c)| (n.to_string(), serde_json::Value::String(c.to_string())))
            .collect();
        serde_json::to_string(&object).unwrap()
    };
    let text = [
        row("6", "C1"),
        row("7", "C1"),
        row("7", "C2"),
        "\u{feff}".to_string(),
        row("7", "C3"),
        row("10", "C1"),
    ]
    .join("\r")
        + "\r";
    let whole = simulate(&set, text.as_bytes(), true, 1 << 20);
    assert_eq!(whole.3, None, "{whole:?}");
    assert!(whole.0.contains("C3"), "{}", whole.0);
    for chunk in [1, 16, 64, 300] {
        assert_eq!(
            simulate(&set, text.as_bytes(), true, chunk),
            whole,
            "chunks of {chunk}"
        );
    }
}
