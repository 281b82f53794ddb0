//! Declared input ranges and the evaluation date as "as of", through the real `pol` command
//! and the library: facts outside a range are coded errors, a claim dated after the evaluation
//! date is *not yet* and paid nothing.

use std::path::PathBuf;
use std::process::{Command, Output};

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pol-ranges-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const POLICY_15: &str = "policies/jiazhengfa-2023-15.pol";

// ------------------------------------------------------------------------------------ dates

/// 嘉政发〔2023〕15号 第四条 (揭榜挂帅): 25% of the contract turnover, at most 300万元 per
/// project. Two contracts of 400万元 each: one dated before the evaluation date 2024-05-01
/// (pays 100万元), one after it (not yet).
const TWO_CONTRACTS: &str = r#"{"kind": "enterprise", "id": "E1", "attributes": {}, "claims": [
  {"id": "C1", "date": "2024-03-01", "attributes": {"项目类别": "揭榜挂帅", "技术合同成交额": "400万元"}},
  {"id": "C2", "date": "2024-06-01", "attributes": {"项目类别": "揭榜挂帅", "技术合同成交额": "400万元"}}
]}"#;

fn eval_two_contracts(date: &str, more: &[&str]) -> Output {
    let dir = temp("dates-eval");
    let facts = dir.join(format!("facts-{date}.json"));
    std::fs::write(&facts, TWO_CONTRACTS).unwrap();
    let mut args = vec![
        "eval",
        POLICY_15,
        "--facts",
        facts.to_str().unwrap(),
        "--date",
        date,
    ];
    args.extend_from_slice(more);
    pol(&args)
}

#[test]
fn a_claim_dated_after_the_evaluation_date_is_not_yet_in_human_output() {
    let o = eval_two_contracts("2024-05-01", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(
            "揭榜挂帅后补助 [C2, 2024-06-01] (嘉政发〔2023〕15号 第四条)\n  dated after the evaluation date\n    the claim is dated 2024-06-01, after the evaluation date 2024-05-01"
        ),
        "{text}"
    );
    // Only C1 is paid: 25% of 400万元.
    assert!(
        text.contains("total paid: 1,000,000.00 元 (100万元)"),
        "{text}"
    );

    let explained = stdout(&eval_two_contracts("2024-05-01", &["--explain"]));
    assert!(
        explained.contains("✗ the claim is dated 2024-06-01, after the evaluation date 2024-05-01"),
        "{explained}"
    );
}

#[test]
fn a_claim_dated_after_the_evaluation_date_is_not_yet_in_json() {
    let o = eval_two_contracts("2024-05-01", &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let clause = |claim: &str| {
        d["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["clause"] == "揭榜挂帅后补助" && c["claim"] == claim)
            .cloned()
            .unwrap()
    };
    assert_eq!(clause("C1")["outcome"], "awarded");
    assert_eq!(clause("C2")["outcome"], "not_yet");
    assert_eq!(
        clause("C2")["reason"],
        "the claim is dated 2024-06-01, after the evaluation date 2024-05-01"
    );
    assert!(clause("C2")["paid"].is_null());
    assert_eq!(d["totals"]["paid"]["exact"], "1000000.00", "{d}");
}

#[test]
fn a_claim_dated_on_the_evaluation_date_is_decided() {
    // The evaluation date itself is included: as of 2024-06-01 both contracts are paid.
    let o = eval_two_contracts("2024-06-01", &["--format", "json"]);
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["totals"]["paid"]["exact"], "2000000.00", "{d}");
}

#[test]
fn the_library_gives_not_yet_too() {
    use pol::eval::{Facts, Options, Outcome, PolicySet};
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(POLICY_15))
            .unwrap();
    let set = PolicySet::compile(&[("15号", &text)]).unwrap();
    let (facts, _) = Facts::from_json(TWO_CONTRACTS).unwrap();
    let decision = set
        .evaluate(&facts, &Options::on("2024-05-01".parse().unwrap()))
        .unwrap();
    let not_yet: Vec<_> = decision
        .clauses
        .iter()
        .filter(|c| c.outcome == Outcome::NotYet)
        .map(|c| c.claim.clone().unwrap_or_default())
        .collect();
    // Every per-claim clause of 15号 a firm can get (articles 4 and 8) is not yet for C2.
    assert!(!not_yet.is_empty());
    assert!(not_yet.iter().all(|c| c == "C2"), "{not_yet:?}");
    assert_eq!(Outcome::from_key("not_yet"), Some(Outcome::NotYet));
}

#[test]
fn simulate_writes_not_yet_in_the_row_and_counts_it_in_the_summary() {
    let dir = temp("dates-sim");
    let population = dir.join("p.csv");
    std::fs::write(
        &population,
        "id,claim_id,claim_date,项目类别,技术合同成交额\n\
         1,C1,2024-03-01,揭榜挂帅,400万元\n\
         1,C2,2024-06-01,揭榜挂帅,400万元\n",
    )
    .unwrap();
    let out = dir.join("rows.csv");
    let summary = dir.join("summary.json");
    let run = |summary_arg: &str| {
        pol(&[
            "simulate",
            POLICY_15,
            "--population",
            population.to_str().unwrap(),
            "--date",
            "2024-05-01",
            "--out",
            out.to_str().unwrap(),
            "--columns",
            "line,claim,total,揭榜挂帅后补助,揭榜挂帅后补助:outcome",
            "--summary",
            summary_arg,
        ])
    };
    let o = run(summary.to_str().unwrap());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = rows.lines().collect();
    assert_eq!(lines[1], "2,C1,1000000.00,1000000.00,awarded", "{rows}");
    assert_eq!(lines[2], "3,C2,0.00,0.00,not_yet", "{rows}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let clause = s["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == "揭榜挂帅后补助")
        .cloned()
        .unwrap();
    assert_eq!(clause["not_yet"], 1, "{clause}");
    assert_eq!(clause["awarded"], 1, "{clause}");
    assert_eq!(s["paid"]["exact"], "1000000.00");

    let human = dir.join("summary.txt");
    let o = run(human.to_str().unwrap());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&human).unwrap();
    assert!(
        text.contains("揭榜挂帅后补助: 1 awarded, 0 superseded, 0 undetermined, 0 cannot evaluate, 1 dated after the evaluation date; paid"),
        "{text}"
    );
}
