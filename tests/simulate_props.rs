//! Property tests of the simulation engine through the library: for any population text (good
//! rows, bad cells, quotes, line breaks in cells, blank lines, carriage returns, subjects out of
//! order), cutting the file into chunks of any size gives the same rows, summary, errors and
//! order violation as reading it whole, and nothing panics.

use std::collections::HashSet;

use pol::compile::Kind;
use pol::eval::{Options, PolicySet, Silent};
use pol::simulate::batch::{Context, CsvShape, Sequence, Source, Worker};
use pol::simulate::chunks::Chunker;
use pol::simulate::input::{csv_header, csv_id};
use pol::simulate::output::{RowFormat, RowWriter};
use pol::simulate::{default_columns, one_row_into, Columns, Layout, Summary};
use proptest::prelude::*;

const POLICY: &str = include_str!("../policies/jiazhengfa-2023-15.pol");
const HEADER: &str = "id,claim_id,claim_date,项目类别,通过评审,实付合同金额,备注";

/// Everything a run produces: row text, summary, errors and the first order violation.
type Run = (String, String, Vec<String>, Option<String>);

fn simulate(set: &PolicySet, population: &str, chunk: usize) -> Run {
    let options = Options::on("2024-12-31".parse().unwrap());
    let ev = set.evaluator::<Silent>(&options).unwrap();
    let columns = Columns::default();
    let claim_inputs: HashSet<String> = set
        .programs()
        .iter()
        .flat_map(|p| p.claim_inputs.iter().map(|i| i.name.clone()))
        .collect();
    let layout = Layout::of(&ev);
    let writer = RowWriter {
        format: RowFormat::Csv,
        columns: default_columns(&layout),
        nested: false,
    };
    let mut chunker = Chunker::new(population.as_bytes(), true, chunk, |r: &[u8]| csv_id(r, 0));
    let header = csv_header(&chunker.first_record().unwrap().unwrap()).unwrap();
    let shape = CsvShape::new(&ev, &header, &columns).unwrap();
    let cx = Context {
        ev: &ev,
        kind: Kind::Institution,
        columns: &columns,
        claim_inputs: &claim_inputs,
        layout: &layout,
        writer: Some(&writer),
        source: Source::Csv(shape),
    };
    let mut worker = Worker::new(&cx);
    let mut sequence = Sequence::default();
    let (mut text, mut summary, mut errors) = (String::new(), Summary::new(&ev), Vec::new());
    while let Some(chunk) = chunker.next_chunk().unwrap() {
        let batch = worker.run(&chunk);
        if let Some(fatal) = sequence.follow(&batch) {
            return (String::new(), String::new(), Vec::new(), Some(fatal));
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
    summary.finish(&ev).unwrap();
    (text, serde_json::to_string(&summary).unwrap(), errors, None)
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
        cell(&["技术开发", "技术转让", "入驻项目"]),
        cell(&["1", "0", "true"]),
        cell(&["200万元", "1234.56", "0", "-5"]),
        cell(&["", "备注", "a,b"]),
    )
        .prop_map(move |(claim, date, kind, reviewed, amount, note)| {
            format!("{id},{claim},{date},{kind},{reviewed},{amount},{note}")
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

const PEER: &str = include_str!("../benches/peer/peer.pol");

/// A firm of the peer workload as facts: each input given, left out, or (for amounts) zero.
fn peer_firm() -> impl Strategy<Value = String> {
    let flag = prop_oneof![2 => Just(Some("true")), 5 => Just(Some("false")), 1 => Just(None)];
    let money = prop_oneof![
        1 => Just(None),
        1 => Just(Some("0".to_string())),
        4 => (0u64..2_000_000_000).prop_map(|c| Some(format!("{}.{:02}", c / 100, c % 100))),
    ];
    (
        prop::collection::vec(flag, 6),
        prop::collection::vec(money, 4),
    )
        .prop_map(|(flags, money)| {
            let flag_names = [
                "rd_deduction_eligible",
                "above_scale",
                "high_tech",
                "new_high_tech_first_time",
                "provincial_leading_enterprise_new",
                "provincial_little_giant_new",
            ];
            let money_names = [
                "revenue",
                "rd_expense_prev",
                "rd_expense",
                "contract_amount_paid",
            ];
            let attrs: Vec<String> = flag_names
                .iter()
                .zip(&flags)
                .filter_map(|(n, v)| v.map(|v| format!(r#""{n}": {v}"#)))
                .chain(
                    money_names
                        .iter()
                        .zip(&money)
                        .filter_map(|(n, v)| v.as_ref().map(|v| format!(r#""{n}": "{v}""#))),
                )
                .collect();
            format!(
                r#"{{"kind": "enterprise", "id": "F1", "attributes": {{{}}}}}"#,
                attrs.join(", ")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Rows of firms paid nothing are written from a text made once per combination of
    /// outcomes, and rows of firms paid something from the total and shares the summary worked
    /// out: in CSV and JSON Lines, in any columns, either is the text the general path writes.
    #[test]
    fn one_row_subjects_are_written_as_the_general_path_writes_them(
        mut firms in prop::collection::vec(peer_firm(), 1..40),
        order in any::<u32>(),
    ) {
        // One firm that certainly gets nothing.
        firms.push(
            r#"{"kind": "enterprise", "id": "F1", "attributes": {"rd_deduction_eligible": false,
                "contract_amount_paid": "0"}}"#
                .to_string(),
        );
        // And one that certainly gets something (rule C: 3% of its contract).
        firms.push(
            r#"{"kind": "enterprise", "id": "F1", "attributes": {"rd_deduction_eligible": false,
                "contract_amount_paid": "1000.01"}}"#
                .to_string(),
        );
        let set = PolicySet::compile(&[("peer.pol", PEER)]).unwrap();
        let options = Options::on("2024-06-30".parse().unwrap());
        let ev = set.evaluator::<Silent>(&options).unwrap();
        let layout = Layout::of(&ev);
        let mut names = vec![
            "line", "subject", "claim", "total", "error", "市级财政", "区级财政", "rule_a",
            "rule_a:outcome", "rule_c:eligible", "matter:B", "matter:B:eligible",
        ];
        // A column order of the case's own.
        let n = names.len();
        for k in 0..n {
            names.swap(k, (order as usize).wrapping_mul(k + 7) % n);
        }
        let columns = pol::simulate::parse_columns(&names.join(","), &layout).unwrap();
        let mut scratch = pol::eval::Scratch::new();
        let mut rows = pol::simulate::Rows::default();
        let mut shared_rows = pol::simulate::Rows::default();
        let (mut fast_rows, mut paid_rows) = (0, 0);
        for format in [RowFormat::Csv, RowFormat::Jsonl] {
            let writer = RowWriter { format, columns: columns.clone(), nested: false };
            let mut unpaid = pol::simulate::output::UnpaidRows::default();
            for (line, firm) in firms.iter().enumerate() {
                let (facts, _) = pol::eval::Facts::from_json(firm).unwrap();
                let bound = ev.bind(&facts).unwrap();
                ev.decide_into(facts.kind, &bound, &mut scratch).unwrap();
                let verdicts = scratch.verdicts();
                let id = format!("F{line}");
                let mut general = String::new();
                pol::simulate::rows_into(&mut rows, &id, &[(line as u64, None)], verdicts, scratch.settlement(), &bound, &ev, &layout).unwrap();
                writer.row(&mut general, &rows.results[0], &layout);
                let mut fast = String::new();
                if writer.unpaid_row(&mut fast, &mut unpaid, (line as u64, &id), verdicts, &layout) {
                    prop_assert_eq!(&fast, &general);
                    fast_rows += 1;
                }
                let mut summary = Summary::new(&ev);
                summary.add(&ev, &scratch, 1);
                one_row_into(&mut shared_rows, (line as u64, &id), verdicts, scratch.settlement(), &layout);
                let mut shared = String::new();
                writer.row(&mut shared, &shared_rows.results[0], &layout);
                prop_assert_eq!(&shared, &general);
                paid_rows += usize::from(!scratch.settlement().total().is_zero());
            }
        }
        // The fast path was taken, at least for the firm that gets nothing, in both formats;
        // and some firm was paid.
        prop_assert!(fast_rows >= 2);
        prop_assert!(paid_rows >= 2);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Without words to write, clauses are decided by shortcuts (a condition failing on plain
    /// inputs, caps applied in place, amounts in machine words): for any firm of the peer
    /// workload, inputs given or not, the outcomes and amounts are those of the full decision.
    #[test]
    fn deciding_without_words_gives_the_outcomes_and_amounts_of_the_decision(firm in peer_firm()) {
        let set = PolicySet::compile(&[("peer.pol", PEER)]).unwrap();
        let options = Options::on("2024-06-30".parse().unwrap());
        let (facts, _) = pol::eval::Facts::from_json(&firm).unwrap();
        let decision = set.evaluate(&facts, &options).unwrap();
        let ev = set.evaluator::<Silent>(&options).unwrap();
        let bound = ev.bind(&facts).unwrap();
        let mut scratch = pol::eval::Scratch::new();
        ev.decide_into(facts.kind, &bound, &mut scratch).unwrap();
        let text = |a: Option<pol::eval::Amount>| a.map(|a| format!("{}..{}", a.min(), a.max()));
        let got: Vec<_> = scratch.verdicts().iter().map(|v| (v.outcome, text(v.paid))).collect();
        let want: Vec<_> = decision.clauses.iter().map(|c| (c.outcome, text(c.paid))).collect();
        prop_assert_eq!(got, want);
    }
}
