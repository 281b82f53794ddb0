//! Grants of a part of an award: a stage of a staged clause (`stage`) or a year of a clause paid
//! over a run of years (`year`), through the real `pol` command. A paid stage or year is not
//! paid again (*already paid*, citing the grant), the parts still due are paid, caps bound the
//! whole award without counting its paid stages twice, a run's granted years count in their
//! own year and against `per run`, and `pol simulate --history` gives each subject what
//! `pol eval` gives it. A staged award whose every stage waits uses up `once` like one paid now.
//!
//! The staged figures are those of 嘉政发〔2023〕15号 第四条 ("按照项目实际发生技术合同成交额的
//! 25%给予后补助支持,最高不超过300万元"); the gazette pays nothing in stages, so the 40%/60% split,
//! the run and the once-only per-claim clause are made-up test policies.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

/// 第四条 paid 40% at signing and 60% at acceptance, to the firm (not per claim).
const STAGED: &str = r#"policy "嘉政发〔2023〕15号" {
  title "嘉兴市人民政府关于支持科技创新九条政策意见"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 50%, 区级财政: 50% }
  same_matter cumulative
}

input enterprise {
  技术合同成交额: money
  合同日期: date
  通过验收: bool = false
  验收日期: date
}

clause 揭榜挂帅后补助 {
  source "第四条"
  award 25% of 技术合同成交额
  cap 300万元 per enterprise
  stages { 签约: 40% on 合同日期, 验收: 60% when 通过验收 on 验收日期 }
}

clause 其他补助 {
  source "第五条"
  award 1万元
}
"#;

/// A project award paid in two stages, once per firm, per claim.
const ONCE_STAGED: &str = r#"policy "测试〔2024〕31号" {
  title "分期一次性"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 甲: 100% }
  same_matter cumulative
}

input project {
  合同额: money
  签约日期: date
  通过验收: bool = false
}

clause 项目资助 {
  source "第一条"
  per project
  once per enterprise
  award 25% of 合同额
  stages { 签约: 40% on 签约日期, 验收: 60% when 通过验收 }
}
"#;

/// 10% of revenue each year of a three-year run, at most 20万元 a year and 50万元 over the run.
const RUN: &str = r#"policy "测试〔2024〕32号" {
  title "运营补助"
  issued 2023-01-01
  effective 2023-01-01 to 2027-12-31
  funding { 甲: 100% }
  same_matter cumulative
}

input enterprise {
  认定日期: date
  营业收入: money
}

clause 运营补助 {
  source "第一条"
  for 3 years from 认定日期
  award 10% of 营业收入
  cap 20万元 per enterprise per year
  cap 50万元 per run
}
"#;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pol-parts-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .output()
        .unwrap()
}

/// `pol eval` of `facts` under `policy` on `date`, with its exit status and JSON.
fn eval_status(name: &str, policy: &str, facts: &str, date: &str) -> (Option<i32>, Value) {
    let d = dir(name);
    let (p, f) = (d.join("p.pol"), d.join("f.json"));
    std::fs::write(&p, policy).unwrap();
    std::fs::write(&f, facts).unwrap();
    let o = pol(&[
        "eval",
        p.to_str().unwrap(),
        "--facts",
        f.to_str().unwrap(),
        "--date",
        date,
        "--format",
        "json",
    ]);
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    (o.status.code(), v)
}

/// `pol eval` that succeeds, as JSON.
fn eval(name: &str, policy: &str, facts: &str, date: &str) -> Value {
    let (code, v) = eval_status(name, policy, facts, date);
    assert_eq!(code, Some(0), "{v}");
    v
}

/// The problems' codes of a `pol eval` that fails.
fn codes(name: &str, policy: &str, facts: &str, date: &str) -> (Vec<String>, Value) {
    let (code, v) = eval_status(name, policy, facts, date);
    assert_eq!(code, Some(1), "{v}");
    let codes = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect();
    (codes, v)
}

/// Each result as `clause[claim or year] outcome paid`, in evaluation order.
fn outcomes(d: &Value) -> Vec<String> {
    d["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let at = match (c["claim"].as_str(), c["year"].as_i64()) {
                (Some(k), _) => format!("[{k}]"),
                (None, Some(y)) => format!("[{y}]"),
                _ => String::new(),
            };
            let paid = c["paid"]["exact"].as_str().unwrap_or("-");
            format!(
                "{}{at} {} {paid}",
                c["clause"].as_str().unwrap(),
                c["outcome"].as_str().unwrap()
            )
        })
        .collect()
}

/// Each stage of `clause` as `name outcome amount`.
fn stages(d: &Value, clause: &str) -> Vec<String> {
    let c = d["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == clause)
        .unwrap();
    c["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {} {}",
                s["name"].as_str().unwrap(),
                s["outcome"].as_str().unwrap(),
                s["amount"]["exact"].as_str().unwrap()
            )
        })
        .collect()
}

fn staged_facts(amount: &str, history: &str) -> String {
    format!(
        r#"{{"kind": "enterprise", "id": "E1",
  "attributes": {{"技术合同成交额": "{amount}", "合同日期": "2024-02-01", "通过验收": true, "验收日期": "2025-02-01"}},
  "history": [{history}]}}"#
    )
}

const SIGNED: &str = r#"{"document": "嘉政发〔2023〕15号", "clause": "揭榜挂帅后补助", "stage": "签约", "date": "2024-02-10", "amount": "80万元"}"#;

/// 第四条: 25% of an 800万元 contract is 200万元, 80万元 at signing (paid in 2024, in the history)
/// and 120万元 at acceptance (2025-02-01). On 2025-03-01 only the acceptance stage is paid.
#[test]
fn a_stage_paid_before_is_not_paid_again_and_the_stage_now_due_is_paid() {
    let d = eval(
        "paid-stage",
        STAGED,
        &staged_facts("800万元", SIGNED),
        "2025-03-01",
    );
    assert_eq!(
        stages(&d, "揭榜挂帅后补助"),
        ["签约 already_paid 800000.00", "验收 paid 1200000.00"]
    );
    let c = &d["clauses"][0];
    assert_eq!(c["outcome"], "awarded", "{c}");
    assert_eq!(c["paid"]["exact"], "1200000.00");
    let grant = c["stages"][0]["grant"].as_str().unwrap();
    assert!(
        grant.contains("(stage 签约)") && grant.contains("2024-02-10"),
        "{grant}"
    );
    // The firm's total is the acceptance stage and the other clause's 1万元.
    assert_eq!(d["totals"]["paid"]["exact"], "1210000.00");
    // Without the grant both stages are paid now.
    let d = eval(
        "no-grant",
        STAGED,
        &staged_facts("800万元", ""),
        "2025-03-01",
    );
    assert_eq!(d["clauses"][0]["paid"]["exact"], "2000000.00");
}

/// 第四条's cap of 300万元 bounds the whole award: 25% of 2000万元 is 500万元, capped to 300万元,
/// 120万元 at signing (paid) and 180万元 at acceptance. The signing grant is a part of that
/// award: counted before it as well, the acceptance stage would get 108万元.
#[test]
fn the_cap_bounds_the_whole_award_without_counting_its_paid_stage_twice() {
    let signed = SIGNED.replace("80万元", "120万元");
    let d = eval(
        "cap",
        STAGED,
        &staged_facts("2000万元", &signed),
        "2025-03-01",
    );
    assert_eq!(
        stages(&d, "揭榜挂帅后补助"),
        ["签约 already_paid 1200000.00", "验收 paid 1800000.00"]
    );
    // The cap is used up: the grant and this decision's stage.
    let cap = &d["headroom"][0];
    assert_eq!(cap["history"], "1200000.00", "{cap}");
    assert_eq!(cap["headroom"]["exact"], "0.00", "{cap}");
}

/// Every stage paid before: the award is already paid, each stage citing its grant. A grant
/// that paid more than its stage's part of the award as evaluated now cannot be squared with
/// it: the award cannot be evaluated, and says why.
#[test]
fn an_award_whose_every_stage_was_paid_is_already_paid_and_an_overpaid_stage_is_refused() {
    let accepted = r#"{"document": "嘉政发〔2023〕15号", "clause": "揭榜挂帅后补助", "stage": "验收", "date": "2025-02-05", "amount": "120万元"}"#;
    let both = format!("{SIGNED}, {accepted}");
    let d = eval(
        "all-paid",
        STAGED,
        &staged_facts("800万元", &both),
        "2025-03-01",
    );
    assert_eq!(outcomes(&d)[0], "揭榜挂帅后补助 already_paid -");
    assert_eq!(
        stages(&d, "揭榜挂帅后补助"),
        [
            "签约 already_paid 800000.00",
            "验收 already_paid 1200000.00"
        ]
    );
    let over = SIGNED.replace("80万元", "90万元");
    let d = eval(
        "over",
        STAGED,
        &staged_facts("800万元", &over),
        "2025-03-01",
    );
    let c = &d["clauses"][0];
    assert_eq!(c["outcome"], "cannot_evaluate", "{c}");
    assert!(c["reason"].as_str().unwrap().contains("签约"), "{c}");
}

fn once_facts(c1: &str, history: &str) -> String {
    format!(
        r#"{{"kind": "enterprise", "id": "E1",
  "claims": [
    {{"id": "C1", "date": "2024-02-01", "attributes": {{"合同额": "400万元", {c1}}}}},
    {{"id": "C2", "date": "2024-03-01", "attributes": {{"合同额": "200万元", "签约日期": "2024-03-01"}}}}
  ],
  "history": [{history}]}}"#
    )
}

/// `once per enterprise`: C1's award (100万元) had its signing stage (40万元) paid before. It is
/// granted, so C2 is *already paid*; C1's acceptance stage (60万元) is still due and paid.
#[test]
fn with_once_an_award_some_of_whose_stages_were_paid_is_paid_and_its_other_stages_are_due() {
    let signed = r#"{"document": "测试〔2024〕31号", "clause": "项目资助", "claim": "C1", "stage": "签约", "date": "2024-02-10", "amount": "40万元"}"#;
    let facts = once_facts(r#""签约日期": "2024-02-01", "通过验收": true"#, signed);
    let d = eval("once", ONCE_STAGED, &facts, "2024-05-01");
    assert_eq!(
        outcomes(&d),
        [
            "项目资助[C1] awarded 600000.00",
            "项目资助[C2] already_paid -"
        ]
    );
    assert_eq!(
        stages(&d, "项目资助"),
        ["签约 already_paid 400000.00", "验收 paid 600000.00"]
    );
    // Both stages of C1 paid: C1 and C2 are both already paid.
    let accepted = r#"{"document": "测试〔2024〕31号", "clause": "项目资助", "claim": "C1", "stage": "验收", "date": "2024-04-10", "amount": "60万元"}"#;
    let facts = once_facts(
        r#""签约日期": "2024-02-01", "通过验收": true"#,
        &format!("{signed}, {accepted}"),
    );
    let d = eval("once-all", ONCE_STAGED, &facts, "2024-05-01");
    assert_eq!(
        outcomes(&d),
        ["项目资助[C1] already_paid -", "项目资助[C2] already_paid -"]
    );
}

/// A staged award whose every stage waits (C1: signed after the evaluation date, not accepted)
/// is granted now and paid later: it uses up `once per enterprise`, so C2 is already paid.
/// Before, C2 was paid 20万元 beside it (50万元 × 40%).
#[test]
fn an_award_whose_every_stage_is_deferred_uses_up_once() {
    let facts = once_facts(r#""签约日期": "2024-06-01""#, "");
    let d = eval("deferred-once", ONCE_STAGED, &facts, "2024-05-01");
    assert_eq!(
        outcomes(&d),
        ["项目资助[C1] deferred -", "项目资助[C2] already_paid -"]
    );
    let reason = d["clauses"][1]["reason"].as_str().unwrap();
    assert!(reason.contains("paid later"), "{reason}");
    assert_eq!(d["totals"]["paid"]["exact"], "0.00");
}

fn run_facts(history: &str) -> String {
    format!(
        r#"{{"kind": "enterprise", "id": "E1",
  "attributes": {{"认定日期": "2023-06-01", "营业收入": "300万元"}},
  "history": [{history}]}}"#
    )
}

fn run_grant(year: i32, date: &str, amount: &str) -> String {
    format!(
        r#"{{"document": "测试〔2024〕32号", "clause": "运营补助", "year": {year}, "date": "{date}", "amount": "{amount}"}}"#
    )
}

/// 10% of 300万元 is 30万元 a year, capped to 20万元 a year and 50万元 over the run (2023-2025):
/// 20, 20 and 10万元 without history. Year 2023 was paid 10万元 and year 2024 20万元, the
/// latter late, on 2025-01-15: both years are already paid, the 2024 grant counts in 2024
/// (the year it paid), not in 2025, and the run's cap counts both: 2025 is paid 20万元.
#[test]
fn a_paid_year_of_a_run_is_not_paid_again_and_counts_in_its_own_year() {
    let d = eval("run-none", RUN, &run_facts(""), "2025-07-01");
    assert_eq!(
        outcomes(&d),
        [
            "运营补助[2023] awarded 200000.00",
            "运营补助[2024] awarded 200000.00",
            "运营补助[2025] awarded 100000.00"
        ]
    );
    let history = [
        run_grant(2023, "2023-07-01", "10万元"),
        run_grant(2024, "2025-01-15", "20万元"),
    ]
    .join(", ");
    let d = eval("run", RUN, &run_facts(&history), "2025-07-01");
    assert_eq!(
        outcomes(&d),
        [
            "运营补助[2023] already_paid -",
            "运营补助[2024] already_paid -",
            "运营补助[2025] awarded 200000.00"
        ]
    );
    let reason = d["clauses"][1]["reason"].as_str().unwrap();
    assert!(
        reason.contains("year 2024") && reason.contains("2025-01-15"),
        "{reason}"
    );
    // With 2024 paid 30万元 the run's cap leaves 10万元 for 2025.
    let history = [
        run_grant(2023, "2023-07-01", "20万元"),
        run_grant(2024, "2024-07-01", "20万元"),
    ]
    .join(", ");
    let d = eval("run-cap", RUN, &run_facts(&history), "2025-07-01");
    assert_eq!(outcomes(&d)[2], "运营补助[2025] awarded 100000.00");
}

/// Grants that do not say which part they paid, or name a part the clause does not have, are
/// coded errors with the closest name; a part paid twice is one too.
#[test]
fn grants_of_parts_that_cannot_be_counted_are_coded_errors() {
    let facts = |h: &str| staged_facts("800万元", h);
    let g = |extra: &str| {
        format!(
            r#"{{"document": "嘉政发〔2023〕15号", "clause": "揭榜挂帅后补助", {extra}"date": "2024-02-10", "amount": "80万元"}}"#
        )
    };
    let cases = [
        ("no-stage", g(""), "F0170", "签约"),
        (
            "bad-stage",
            g(r#""stage": "签字", "#),
            "F0175",
            "did you mean `签约`",
        ),
        (
            "year-of-stages",
            g(r#""stage": "签约", "year": 2024, "#),
            "F0176",
            "run",
        ),
        (
            "bad-year",
            g(r#""stage": "签约", "year": "2024年", "#),
            "F0160",
            "four digits",
        ),
    ];
    for (name, grant, code, words) in cases {
        let (got, v) = codes(name, STAGED, &facts(&grant), "2025-03-01");
        assert_eq!(got, [code], "{name}: {v}");
        assert!(v.to_string().contains(words), "{name}: {v}");
    }
    // A stage of a clause that pays no stages.
    let other = r#"{"document": "嘉政发〔2023〕15号", "clause": "其他补助", "stage": "签约", "date": "2024-02-10", "amount": "1万元"}"#;
    let (got, v) = codes("stage-of-plain", STAGED, &facts(other), "2025-03-01");
    assert_eq!(got, ["F0175"], "{v}");
    // The same stage twice.
    let again = SIGNED.replace("2024-02-10", "2024-03-10");
    let (got, v) = codes(
        "twice",
        STAGED,
        &facts(&format!("{SIGNED}, {again}")),
        "2025-03-01",
    );
    assert_eq!(got, ["F0177"], "{v}");
    assert!(v.to_string().contains("history[0]"), "{v}");
    // A run: no year, a year outside the subject's run (2023-2025), the same year twice.
    let no_year = r#"{"document": "测试〔2024〕32号", "clause": "运营补助", "date": "2024-07-01", "amount": "10万元"}"#;
    let (got, v) = codes("no-year", RUN, &run_facts(no_year), "2025-07-01");
    assert_eq!(got, ["F0170"], "{v}");
    assert!(v.to_string().contains("\\\"year\\\": 2024"), "{v}");
    let late = run_grant(2026, "2025-01-01", "10万元");
    let (got, v) = codes("outside", RUN, &run_facts(&late), "2025-07-01");
    assert_eq!(got, ["F0176"], "{v}");
    assert!(v.to_string().contains("did you mean 2025"), "{v}");
    let twice = [
        run_grant(2024, "2024-07-01", "10万元"),
        run_grant(2024, "2024-08-01", "10万元"),
    ]
    .join(", ");
    let (got, v) = codes("year-twice", RUN, &run_facts(&twice), "2025-07-01");
    assert_eq!(got, ["F0177"], "{v}");
}

/// `pol simulate --history` with `stage` and `year` columns (CSV, and JSON Lines) gives each
/// subject the rows `pol eval` gives it with the same grants in its facts.
#[test]
fn simulate_counts_stages_and_years_of_the_history_as_eval_does() {
    let d = dir("simulate");
    // Staged: E1 signing paid, E2 nothing paid, E3 both stages paid, E4 capped and signing paid.
    let people = [
        ("E1", "800万元", &[("签约", "2024-02-10", "80万元")][..]),
        ("E2", "800万元", &[][..]),
        (
            "E3",
            "400万元",
            &[
                ("签约", "2024-02-10", "40万元"),
                ("验收", "2025-02-02", "60万元"),
            ][..],
        ),
        ("E4", "2000万元", &[("签约", "2024-02-10", "120万元")][..]),
    ];
    let mut population = "id,技术合同成交额,合同日期,通过验收,验收日期\n".to_string();
    let mut csv = "id,document,clause,stage,date,amount\n".to_string();
    let mut jsonl = String::new();
    let mut each = Vec::new();
    for (id, amount, grants) in people {
        population.push_str(&format!("{id},{amount},2024-02-01,1,2025-02-01\n"));
        let mut list = Vec::new();
        for (stage, date, paid) in grants {
            csv.push_str(&format!(
                "{id},嘉政发〔2023〕15号,揭榜挂帅后补助,{stage},{date},{paid}\n"
            ));
            let g = format!(
                r#"{{"document": "嘉政发〔2023〕15号", "clause": "揭榜挂帅后补助", "stage": "{stage}", "date": "{date}", "amount": "{paid}"}}"#
            );
            jsonl.push_str(&format!("{{\"id\": \"{id}\", {}\n", &g[1..]));
            list.push(g);
        }
        let facts = format!(
            r#"{{"kind": "enterprise", "id": "{id}", "attributes": {{"技术合同成交额": "{amount}", "合同日期": "2024-02-01", "通过验收": true, "验收日期": "2025-02-01"}}, "history": [{}]}}"#,
            list.join(", ")
        );
        each.push((id, facts));
    }
    let columns = "subject,total,揭榜挂帅后补助:outcome,揭榜挂帅后补助";
    for (name, text) in [("h.csv", &csv), ("h.jsonl", &jsonl)] {
        let rows = simulate(&d, STAGED, &population, name, text, columns, "2025-03-01");
        compare(&rows, &each, STAGED, "揭榜挂帅后补助", "2025-03-01");
    }
    // A run: F1 paid 2023, F2 paid 2023 and 2024 (late), F3 nothing.
    let mut population = "id,认定日期,营业收入\n".to_string();
    let mut csv = "id,document,clause,year,date,amount\n".to_string();
    let mut each = Vec::new();
    let firms = [
        ("F1", &[(2023, "2023-07-01", "20万元")][..]),
        (
            "F2",
            &[
                (2023, "2023-07-01", "10万元"),
                (2024, "2025-01-15", "20万元"),
            ][..],
        ),
        ("F3", &[][..]),
    ];
    for (id, grants) in firms {
        population.push_str(&format!("{id},2023-06-01,300万元\n"));
        let mut list = Vec::new();
        for (year, date, paid) in grants {
            csv.push_str(&format!(
                "{id},测试〔2024〕32号,运营补助,{year},{date},{paid}\n"
            ));
            list.push(run_grant(*year, date, paid));
        }
        let facts = format!(
            r#"{{"kind": "enterprise", "id": "{id}", "attributes": {{"认定日期": "2023-06-01", "营业收入": "300万元"}}, "history": [{}]}}"#,
            list.join(", ")
        );
        each.push((id, facts));
    }
    let rows = simulate(
        &d,
        RUN,
        &population,
        "run.csv",
        &csv,
        "subject,total",
        "2025-07-01",
    );
    compare(&rows, &each, RUN, "", "2025-07-01");
}

/// The rows of `pol simulate` of `population` with the history `history` (written to `name`).
fn simulate(
    d: &std::path::Path,
    policy: &str,
    population: &str,
    name: &str,
    history: &str,
    columns: &str,
    date: &str,
) -> String {
    let (p, pop, hist) = (d.join("p.pol"), d.join("pop.csv"), d.join(name));
    std::fs::write(&p, policy).unwrap();
    std::fs::write(&pop, population).unwrap();
    std::fs::write(&hist, history).unwrap();
    let o = pol(&[
        "simulate",
        p.to_str().unwrap(),
        "--population",
        pop.to_str().unwrap(),
        "--history",
        hist.to_str().unwrap(),
        "--date",
        date,
        "--out",
        "-",
        "--columns",
        columns,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// Each subject's row of `rows` is `id,total[,outcome,paid]` of `pol eval` of its facts; and
/// the history changed something (a subject is paid less than without it).
fn compare(rows: &str, each: &[(&str, String)], policy: &str, clause: &str, date: &str) {
    for (id, facts) in each {
        let v = eval(&format!("cmp-{id}"), policy, facts, date);
        let mut want = format!("{id},{}", v["totals"]["paid"]["exact"].as_str().unwrap());
        if !clause.is_empty() {
            let c = v["clauses"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["clause"] == clause)
                .unwrap();
            let paid = c["paid"]["exact"].as_str().unwrap_or("0.00");
            want.push_str(&format!(",{},{paid}", c["outcome"].as_str().unwrap()));
        }
        let line = rows
            .lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap_or_else(|| panic!("no row of {id} in {rows}"));
        assert_eq!(line, want, "{rows}");
    }
}

/// A project award paid in two stages under a cap per project and a cap per firm.
const CAPPED_PROJECTS: &str = r#"policy "测试〔2024〕33号" {
  title "分期项目"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 甲: 100% }
  same_matter cumulative
}

input project {
  合同额: money
  签约日期: date
  通过验收: bool = false
}

clause 项目资助 {
  source "第一条"
  per project
  award 25% of 合同额
  cap 80万元 per project
  cap 100万元 per enterprise
  stages { 签约: 40% on 签约日期, 验收: 60% when 通过验收 }
}
"#;

/// C1: 25% of 800万元 is 200万元, capped to 80万元 for the project: 32万元 at signing (paid
/// before) and 48万元 at acceptance, now due. Neither cap counts the signing grant before the
/// award it is a part of (counted so, the acceptance stage would get 28.8万元 or 40.8万元).
/// The firm's cap has 20万元 left for C2 (50万元): 8万元 paid at signing, 12万元 deferred.
#[test]
fn caps_per_project_and_per_firm_bound_the_whole_award_of_a_claim() {
    let facts = r#"{"kind": "enterprise", "id": "E1",
  "claims": [
    {"id": "C1", "date": "2024-02-01", "attributes": {"合同额": "800万元", "签约日期": "2024-02-01", "通过验收": true}},
    {"id": "C2", "date": "2024-03-01", "attributes": {"合同额": "200万元", "签约日期": "2024-03-01"}}
  ],
  "history": [{"document": "测试〔2024〕33号", "clause": "项目资助", "claim": "C1", "stage": "签约", "date": "2024-02-10", "amount": "32万元"}]}"#;
    let d = eval("capped-projects", CAPPED_PROJECTS, facts, "2024-05-01");
    assert_eq!(
        outcomes(&d),
        [
            "项目资助[C1] awarded 480000.00",
            "项目资助[C2] awarded 80000.00"
        ]
    );
    let c2 = &d["clauses"][1];
    assert_eq!(c2["deferred"]["exact"], "120000.00", "{c2}");
    assert_eq!(d["totals"]["paid"]["exact"], "560000.00");
}

/// A history denser than the population (30 grants a subject, paid under 第五条's fixed 1万元)
/// makes the reader cut a chunk into pieces of about a chunk's size of grants, each evaluated
/// with its own subjects' grants: the rows and the summary are the same whatever the chunk
/// size, for a population in CSV and in JSON Lines, as with the whole history held at once.
#[test]
fn a_dense_history_cut_into_pieces_gives_the_same_rows_whatever_the_chunks() {
    let d = dir("dense");
    let (mut csv, mut jsonl, mut history) = (
        "id,技术合同成交额,合同日期,通过验收,验收日期\n".to_string(),
        String::new(),
        "id,document,clause,stage,date,amount\n".to_string(),
    );
    for i in 1..=40 {
        let amount = format!("{}万元", 100 * i);
        csv.push_str(&format!("{i},{amount},2024-02-01,1,2025-02-01\n"));
        jsonl.push_str(&format!(
            r#"{{"id": "{i}", "技术合同成交额": "{amount}", "合同日期": "2024-02-01", "通过验收": true, "验收日期": "2025-02-01"}}"#
        ));
        jsonl.push('\n');
        if i % 3 != 0 {
            history.push_str(&format!(
                "{i},嘉政发〔2023〕15号,揭榜挂帅后补助,签约,2024-02-10,{}万元\n",
                10 * i
            ));
        }
        for k in 1..=30 {
            history.push_str(&format!(
                "{i},嘉政发〔2023〕15号,其他补助,,2024-03-{k:02},1万元\n"
            ));
        }
    }
    let (p, hist) = (d.join("p.pol"), d.join("h.csv"));
    std::fs::write(&p, STAGED).unwrap();
    std::fs::write(&hist, &history).unwrap();
    let run = |pop: &str, chunk: &str| {
        let summary = d.join(format!("s-{chunk}.json"));
        let o = pol(&[
            "simulate",
            p.to_str().unwrap(),
            "--population",
            pop,
            "--history",
            hist.to_str().unwrap(),
            "--date",
            "2025-03-01",
            "--out",
            "-",
            "--summary",
            summary.to_str().unwrap(),
            "--columns",
            "subject,total,揭榜挂帅后补助:outcome,揭榜挂帅后补助",
            "--chunk-size",
            chunk,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let s: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
        assert_eq!(s["history_grants"], 40 * 30 + 27, "{s}");
        (String::from_utf8(o.stdout).unwrap(), s["paid"].clone())
    };
    let (pop_csv, pop_jsonl) = (d.join("pop.csv"), d.join("pop.jsonl"));
    std::fs::write(&pop_csv, &csv).unwrap();
    std::fs::write(&pop_jsonl, &jsonl).unwrap();
    let whole = run(pop_csv.to_str().unwrap(), "16777216");
    // 第四条 for subject 1: 25% of 100万元 is 25万元, 10万元 at signing paid before, so 15万元
    // is paid at acceptance; 第五条's 1万元 is paid again (it is not once-only).
    assert!(
        whole.0.contains("\n1,160000.00,awarded,150000.00\n"),
        "{}",
        whole.0
    );
    for pop in [&pop_csv, &pop_jsonl] {
        for chunk in ["1", "300", "4096"] {
            assert_eq!(run(pop.to_str().unwrap(), chunk), whole, "{pop:?} {chunk}");
        }
    }
}
