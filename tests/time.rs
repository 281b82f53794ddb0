//! Time in expressions: `event_date`, `year`, whole spans between dates, and `if ... then ...
//! else`, through the command line and the library. The figures are worked by hand below.

use std::process::{Command, Output};

use serde_json::Value;

const POLICY: &str = r#"policy "测试〔2024〕1号" {
  title "时间测试"
  issued 2024-01-01
  effective 2024-01-01 to 2027-12-31
  funding { 市级财政: 100% }
  same_matter cumulative
}

input enterprise {
  完工日期: date
  高新技术企业: bool
}

input project {
  合同日期: date
  合同金额: money
}

let 完工后年数 = year(event_date) - year(完工日期)

clause 连续三年奖励 {
  source "第一条"
  when 完工后年数 >= 1 and 完工后年数 <= 3
  award if 高新技术企业 then 20万元 else 10万元
}

clause 合同奖励 {
  source "第二条"
  per project
  when months_between(合同日期, event_date) <= 24 and days_between(合同日期, event_date) >= 0
  award 10% of 合同金额
  cap (if 合同金额 >= 100万元 then 5万元 else 2万元) per project
}
"#;

fn run(dir: &std::path::Path, facts: &str, date: &str) -> (Output, Value) {
    let p = dir.join("t.pol");
    std::fs::write(&p, POLICY).unwrap();
    let f = dir.join("f.json");
    std::fs::write(&f, facts).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(["eval", p.to_str().unwrap(), "--facts", f.to_str().unwrap()])
        .args(["--date", date, "--format", "json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o, v)
}

fn clause<'v>(v: &'v Value, name: &str, claim: Option<&str>) -> &'v Value {
    v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == name && c["claim"].as_str() == claim)
        .unwrap_or_else(|| panic!("no {name} {claim:?} in {v}"))
}

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pol-time-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn event_dates_years_and_months_decide_and_if_chooses_the_amount() {
    let d = dir("main");
    // Completed in 2023; judged on 2024-06-30: one year after completion, a high-tech firm, so
    // 20万元. C1: 2022-03-02 to 2024-03-01 is 23 whole months (<= 24); 10% of 200万元 is 20万元,
    // capped at 5万元 as the contract is at least 100万元. C2: 2022-02-28 to 2024-03-01 is 24
    // months and 2 days, so 24 whole months (<= 24); 10% of 10万元 is 1万元, under the 2万元
    // cap. C3: 2022-02-01 to 2024-03-01 is 25 months: not eligible. Total 20万 + 5万 + 1万.
    let facts = r#"{"kind":"enterprise","id":"E1",
      "attributes":{"完工日期":"2023-05-01","高新技术企业":true},
      "claims":[
        {"id":"C1","date":"2024-03-01","attributes":{"合同日期":"2022-03-02","合同金额":"200万元"}},
        {"id":"C2","date":"2024-03-01","attributes":{"合同日期":"2022-02-28","合同金额":"10万元"}},
        {"id":"C3","date":"2024-03-01","attributes":{"合同日期":"2022-02-01","合同金额":"10万元"}}]}"#;
    let (o, v) = run(&d, facts, "2024-06-30");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        clause(&v, "连续三年奖励", None)["paid"]["exact"],
        "200000.00"
    );
    assert_eq!(
        clause(&v, "合同奖励", Some("C1"))["paid"]["exact"],
        "50000.00"
    );
    assert_eq!(
        clause(&v, "合同奖励", Some("C2"))["paid"]["exact"],
        "10000.00"
    );
    assert_eq!(
        clause(&v, "合同奖励", Some("C3"))["outcome"],
        "not_eligible"
    );
    assert_eq!(v["totals"]["paid"]["exact"], "260000.00");
    // Not a high-tech firm: the `else` branch, 10万元. Judged in 2027, four years after
    // completion: not eligible.
    let other = facts.replace("\"高新技术企业\":true", "\"高新技术企业\":false");
    let (_, v) = run(&d, &other, "2024-06-30");
    assert_eq!(
        clause(&v, "连续三年奖励", None)["paid"]["exact"],
        "100000.00"
    );
    let (_, v) = run(&d, facts, "2027-01-01");
    assert_eq!(clause(&v, "连续三年奖励", None)["outcome"], "not_eligible");
}

#[test]
fn a_missing_date_leaves_the_clause_undetermined_naming_it() {
    let d = dir("missing");
    let (o, v) = run(
        &d,
        r#"{"kind":"enterprise","id":"E1","attributes":{"高新技术企业":true}}"#,
        "2024-06-30",
    );
    assert_eq!(o.status.code(), Some(0));
    let c = clause(&v, "连续三年奖励", None);
    assert_eq!(c["outcome"], "undetermined");
    assert!(c.to_string().contains("完工日期"), "{c}");
}

#[test]
fn the_explanation_shows_the_years_and_the_branch_taken() {
    let d = dir("explain");
    let p = d.join("t.pol");
    std::fs::write(&p, POLICY).unwrap();
    let f = d.join("f.json");
    std::fs::write(
        &f,
        r#"{"kind":"enterprise","id":"E1","attributes":{"完工日期":"2023-05-01","高新技术企业":false}}"#,
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(["eval", p.to_str().unwrap(), "--facts", f.to_str().unwrap()])
        .args(["--date", "2025-06-30", "--explain"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("完工后年数 = year(event_date) - year(完工日期) = 2025 - 2023 = 2"),
        "{out}"
    );
    assert!(out.contains("高新技术企业 is false: 10万元"), "{out}");
}
