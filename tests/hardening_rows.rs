//! Population rows read as their values, not their texts (issue 15): rows of one subject that
//! give one value in two spellings agree, a lone CR inside a quoted cell stays a CR, and two
//! spellings of one firm's id are one subject, whatever the chunk size or thread count.
//!
//! The policy is 嘉政发〔2023〕15号 (policies/jiazhengfa-2023-15.pol); the amounts are made
//! up, since these tests are about how rows are read, not what they are paid.

use std::sync::atomic::AtomicBool;

use pol::{End, Kind, Options, PolicySet, PopulationFormat, SimulationOptions};

const POLICY: &str = include_str!("../policies/jiazhengfa-2023-15.pol");

fn set() -> PolicySet {
    PolicySet::compile(&[("p.pol", POLICY)]).unwrap()
}

/// Row text, summary as JSON, and errors (`line: message`), or the error that stopped the run.
fn simulate(
    population: &[u8],
    jsonl: bool,
    chunk: usize,
    threads: usize,
) -> (String, String, Vec<String>) {
    let set = set();
    let mut sim = SimulationOptions::new(Kind::Enterprise);
    sim.chunk_size = chunk;
    sim.threads = threads;
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
        End::Stopped(e) => return (String::new(), String::new(), vec![format!("stopped: {e}")]),
        other => panic!("{other:?}"),
    }
    let errors = report
        .errors
        .iter()
        .map(|e| format!("{}: {} {}", e.line, e.code(), e.message()))
        .collect();
    (
        String::from_utf8(rows).unwrap(),
        serde_json::to_string(&report.summary).unwrap(),
        errors,
    )
}

#[test]
fn rows_giving_one_value_in_two_spellings_agree() {
    // `true` and `1` are one yes/no; `"1,000,000元"` and `100万元` one amount.
    let csv = "id,claim_id,claim_date,加计扣除资格,研发费用\n\
               E1,C1,2024-03-01,true,\"1,000,000元\"\n\
               E1,C2,2024-04-01,1,100万元\n\
               E1,C3,2024-05-01,是,1000000\n";
    let (_, _, errors) = simulate(csv.as_bytes(), false, 1 << 20, 1);
    assert!(errors.is_empty(), "{errors:?}");
    let jsonl = "{\"id\": \"E1\", \"claim_id\": \"C1\", \"claim_date\": \"2024-03-01\", \"加计扣除资格\": true, \"研发费用\": \"1,000,000元\"}\n\
                 {\"id\": \"E1\", \"claim_id\": \"C2\", \"claim_date\": \"2024-04-01\", \"加计扣除资格\": \"1\", \"研发费用\": 1000000.00}\n";
    let (_, _, errors) = simulate(jsonl.as_bytes(), true, 1 << 20, 1);
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn rows_giving_two_values_still_disagree() {
    let csv = "id,claim_id,claim_date,加计扣除资格,研发费用\n\
               E1,C1,2024-03-01,true,100万元\n\
               E1,C2,2024-04-01,0,100万元\n";
    let (_, _, errors) = simulate(csv.as_bytes(), false, 1 << 20, 1);
    assert!(errors.iter().any(|e| e.contains("F0210")), "{errors:?}");
    let csv = "id,claim_id,claim_date,加计扣除资格,研发费用\n\
               E1,C1,2024-03-01,true,100万元\n\
               E1,C2,2024-04-01,true,100.01万元\n";
    let (_, _, errors) = simulate(csv.as_bytes(), false, 1 << 20, 1);
    assert!(errors.iter().any(|e| e.contains("F0210")), "{errors:?}");
}
