//! Property tests of the simulation engine through the library: for any population text (good
//! rows, bad cells, quotes, line breaks in cells, blank lines, carriage returns, subjects out of
//! order), cutting the file into chunks of any size gives the same rows, summary, errors and
//! order violation as reading it whole, and nothing panics. (The rows of one-row subjects
//! written by the shortcuts, and the figures path against the decision, are tested beside the
//! code in `src/simulate/tests.rs`.)

use std::sync::atomic::AtomicBool;

use pol::{End, Kind, Options, PolicySet, SimulationOptions};
use proptest::prelude::*;

const POLICY: &str = include_str!("../policies/jiazhengfa-2023-15.pol");
// 科技中介机构 (15号 第五条: only an agency is paid for technology transfer) is given on every
// row, so that the populations have awarded rows to compare.
// Every claim is an application for 第五条's item (`item`).
const HEADER: &str = "id,claim_id,claim_date,项目类别,通过评审,实付合同金额,备注,科技中介机构,item";

/// Everything a run produces: row text, summary, errors and the first order violation.
type Run = (String, String, Vec<String>, Option<String>);

fn simulate(set: &PolicySet, population: &str, chunk: usize) -> Run {
    let mut sim = SimulationOptions::new(Kind::Institution);
    sim.chunk_size = chunk;
    sim.threads = 1;
    let simulation = set
        .simulation(&Options::on("2024-12-31".parse().unwrap()), sim)
        .unwrap();
    let mut rows = Vec::new();
    let report = simulation
        .run(
            population.as_bytes(),
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

/// One cell of the population: mostly good values, sometimes odd ones.
fn cell(good: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(good).prop_map(String::from),
        1 => Just(String::new()),
        1 => "[a-z0-9 ,.\"\n-]{0,6}".prop_map(|s| format!("\"{}\"", s.replace('"', "\"\""))),
        1 => "[a-z0-9 .万元-]{0,5}",
    ]
}

fn row(id: u32) -> impl Strategy<Value = String> {
    (
        prop_oneof![3 => Just(String::new()), 2 => (1u32..4).prop_map(|k| format!("C{k}"))],
        cell(&["2024-03-01", "2024-11-30", "2024-02-30"]),
        cell(&["技术开发", "技术转让", "其他"]),
        cell(&["1", "0", "true"]),
        cell(&["200万元", "1234.56", "0", "-5"]),
        cell(&["", "备注", "a,b"]),
    )
        .prop_map(move |(claim, date, kind, reviewed, amount, note)| {
            format!("{id},{claim},{date},{kind},{reviewed},{amount},{note},true,技术转移")
        })
}

fn population() -> impl Strategy<Value = String> {
    // Ids mostly rise, one to three rows each; now and then one goes back.
    let subject = (0u32..3, 1usize..4, prop::bool::weighted(0.01));
    prop::collection::vec(subject, 1..25)
        .prop_flat_map(|subjects| {
            let mut id = 0;
            let rows: Vec<_> = subjects
                .into_iter()
                .map(|(step, n, back)| {
                    id = if back && id > 2 {
                        id - 2
                    } else {
                        id + step + 1
                    };
                    prop::collection::vec(row(id), n)
                })
                .collect();
            (rows, any::<bool>(), any::<bool>())
        })
        .prop_map(|(rows, crlf, blank)| {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut text = format!("{HEADER}{end}");
            for (k, subject) in rows.iter().enumerate() {
                for r in subject {
                    text.push_str(r);
                    text.push_str(end);
                }
                if blank && k % 3 == 1 {
                    text.push_str(end);
                }
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_cut_of_the_file_gives_what_the_whole_file_gives(text in population()) {
        let set = PolicySet::compile(&[("15.pol", POLICY)]).unwrap();
        let whole = simulate(&set, &text, 1 << 20);
        for chunk in [1, 9, 64] {
            let cut = simulate(&set, &text, chunk);
            prop_assert_eq!(&cut, &whole, "chunks of {} bytes", chunk);
        }
    }
}

/// The generated columns can pay: 15号 第五条 gives an agency (科技中介机构) 3% of a reviewed
/// contract, here 3% of 200万元 = 6万元 (under the 10万元 cap per project). Without this, the
/// properties above could compare populations where nothing is ever paid.
#[test]
fn a_generated_row_of_an_agency_is_paid() {
    let set = PolicySet::compile(&[("15.pol", POLICY)]).unwrap();
    let text = format!("{HEADER}\n1,C1,2024-03-01,技术开发,true,200万元,,true,技术转移\n");
    let (rows, ..) = simulate(&set, &text, 1 << 20);
    assert!(rows.contains("60000.00"), "{rows}");
}
