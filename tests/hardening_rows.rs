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
    simulate_kind(Kind::Enterprise, population, jsonl, chunk, threads)
}

/// [`simulate`] for subjects of `kind`.
fn simulate_kind(
    kind: Kind,
    population: &[u8],
    jsonl: bool,
    chunk: usize,
    threads: usize,
) -> (String, String, Vec<String>) {
    let set = set();
    let mut sim = SimulationOptions::new(kind);
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
    let csv = "id,claim_id,claim_date,item,加计扣除资格,研发费用\n\
               E1,C1,2024-03-01,科技项目,true,\"1,000,000元\"\n\
               E1,C2,2024-04-01,科技项目,1,100万元\n\
               E1,C3,2024-05-01,科技项目,是,1000000\n";
    let (_, _, errors) = simulate(csv.as_bytes(), false, 1 << 20, 1);
    assert!(errors.is_empty(), "{errors:?}");
    let jsonl = "{\"id\": \"E1\", \"claim_id\": \"C1\", \"claim_date\": \"2024-03-01\", \"item\": \"科技项目\", \"加计扣除资格\": true, \"研发费用\": \"1,000,000元\"}\n\
                 {\"id\": \"E1\", \"claim_id\": \"C2\", \"claim_date\": \"2024-04-01\", \"item\": \"科技项目\", \"加计扣除资格\": \"1\", \"研发费用\": 1000000.00}\n";
    let (_, _, errors) = simulate(jsonl.as_bytes(), true, 1 << 20, 1);
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn rows_giving_two_values_still_disagree() {
    let csv = "id,claim_id,claim_date,item,加计扣除资格,研发费用\n\
               E1,C1,2024-03-01,科技项目,true,100万元\n\
               E1,C2,2024-04-01,科技项目,0,100万元\n";
    let (_, _, errors) = simulate(csv.as_bytes(), false, 1 << 20, 1);
    assert!(errors.iter().any(|e| e.contains("F0210")), "{errors:?}");
    let csv = "id,claim_id,claim_date,item,加计扣除资格,研发费用\n\
               E1,C1,2024-03-01,科技项目,true,100万元\n\
               E1,C2,2024-04-01,科技项目,true,100.01万元\n";
    let (_, _, errors) = simulate(csv.as_bytes(), false, 1 << 20, 1);
    assert!(errors.iter().any(|e| e.contains("F0210")), "{errors:?}");
}

#[test]
fn a_lone_cr_inside_a_quoted_cell_stays_a_cr_and_counts_as_a_line() {
    // A CR-only file and a mixed one: the quoted 项目类别 holds a lone CR, which the cell keeps
    // (the error shows it as a CR, not a line feed) and which still starts a line, so the
    // bad date of subject 3 is on line 5 in both.
    let header = "id,claim_id,claim_date,item,项目类别,通过评审,实付合同金额,科技中介机构";
    let rows = [
        "1,C1,2024-03-01,技术转移,\"技术\r开发\",1,200万元,true",
        "2,C1,2024-03-01,技术转移,技术开发,1,200万元,true",
        "3,C1,2024-02-30,技术转移,技术开发,1,200万元,true",
    ];
    let cr_only = format!("{header}\r{}\r", rows.join("\r"));
    let mixed = format!("{header}\r\n{}\r{}\n{}\r\n", rows[0], rows[1], rows[2]);
    for text in [cr_only, mixed] {
        for chunk in [1, 7, 40, 1 << 20] {
            for threads in [1, 3] {
                let (_, _, errors) =
                    simulate_kind(Kind::Institution, text.as_bytes(), false, chunk, threads);
                assert_eq!(errors.len(), 2, "{errors:?}");
                assert!(errors[0].starts_with("2: F0110"), "{errors:?}");
                assert!(errors[0].contains("技术\\u{000D}开发"), "{errors:?}");
                assert!(errors[1].starts_with("5: F0107"), "{errors:?}");
            }
        }
    }
}

/// A population of `rows` (subject id, claim id) as CSV or JSON Lines.
fn population(rows: &[(&str, &str)], jsonl: bool) -> String {
    let mut out = String::new();
    if !jsonl {
        out.push_str("id,claim_id,claim_date,item,加计扣除资格\n");
    }
    for (id, claim) in rows {
        if jsonl {
            out.push_str(&format!(
                "{{\"id\": \"{id}\", \"claim_id\": \"{claim}\", \"claim_date\": \"2024-03-01\", \"item\": \"科技项目\", \"加计扣除资格\": true}}\n"
            ));
        } else {
            out.push_str(&format!("{id},{claim},2024-03-01,科技项目,true\n"));
        }
    }
    out
}

#[test]
fn two_spellings_of_one_firm_are_one_subject_at_every_chunk_size() {
    // Full-width, half-width and mixed brackets: one firm, so one subject (its rows together, the
    // first spelling naming it), whatever the chunk size and thread count.
    // In the compared form's order: 乙 (U+4E59) < 某 (U+67D0) < 甲 (U+7532).
    let sorted = [
        ("嘉兴乙公司", "C1"),
        ("嘉兴某某（集团）有限公司", "C1"),
        ("嘉兴某某(集团)有限公司", "C2"),
        ("嘉兴某某（集团)有限公司", "C3"),
        ("嘉兴甲公司", "C1"),
    ];
    for jsonl in [false, true] {
        let text = population(&sorted, jsonl);
        for chunk in [1, 7, 64, 1 << 20] {
            for threads in [1, 3] {
                let (out, summary, errors) = simulate(text.as_bytes(), jsonl, chunk, threads);
                assert!(errors.is_empty(), "{errors:?}");
                let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
                assert_eq!(summary["subjects"], 3, "chunk {chunk}, {threads} threads");
                assert_eq!(summary["rows"], 5);
                let firm: Vec<&str> = out.lines().filter(|l| l.contains("集团")).collect();
                assert_eq!(firm.len(), 3, "{out}");
                let first = "嘉兴某某（集团）有限公司";
                let subject_cell = format!(",{first},");
                assert!(firm.iter().all(|l| l.contains(&subject_cell)), "{out}");
            }
        }
    }
}

#[test]
fn two_spellings_of_one_firm_apart_stop_the_run_as_out_of_order() {
    // Sorted by the raw text, another firm comes between the two spellings: the second is
    // out of order (it would otherwise be a second subject with a cap of its own).
    let rows = [
        ("嘉兴某某(集团)有限公司", "C1"),
        ("嘉兴某某有限公司", "C1"),
        ("嘉兴某某（集团）有限公司", "C2"),
    ];
    for jsonl in [false, true] {
        let text = population(&rows, jsonl);
        for chunk in [1, 7, 1 << 20] {
            for threads in [1, 3] {
                let (_, _, errors) = simulate(text.as_bytes(), jsonl, chunk, threads);
                assert_eq!(errors.len(), 1, "{errors:?}");
                assert!(errors[0].starts_with("stopped: "), "{errors:?}");
                assert!(errors[0].contains("嘉兴某某（集团）有限公司"), "{errors:?}");
            }
        }
    }
}
