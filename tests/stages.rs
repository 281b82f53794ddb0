//! Staged and deferred payments through the command line and the library: the split, what is
//! paid now and what waits, caps before the split, limits counting a stage in the year it is
//! paid, the simulation agreeing with `pol eval`, `pol test` expectations and `pol fmt`.
//!
//! The award figures are those of 嘉政发〔2023〕15号 第四条 ("对关键技术需求企业按照项目实际发生
//! 技术合同成交额的25%给予后补助支持,最高不超过300万元"); the gazette pays nothing in stages, so
//! the 40%/60% shares and the yearly limit (第四条's 300万元 used per year) are test figures.

use std::process::{Command, Output};

use serde_json::Value;

const POLICY: &str = r#"policy "嘉政发〔2023〕15号" {
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
  揭榜项目: bool = false
}

limit 年度后补助: 300万元 per enterprise per year

clause 揭榜挂帅后补助 {
  source "第四条"
  award 25% of 技术合同成交额
  cap 300万元 per enterprise
  limit 年度后补助
  stages { 签约: 40% on 合同日期, 验收: 60% when 通过验收 on 验收日期 }
}

clause 揭榜项目补助 {
  source "第四条"
  when 揭榜项目
  award 300万元
  limit 年度后补助
}
"#;

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pol-stages-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .output()
        .unwrap()
}

/// `pol eval` of `attributes` on `date`, as JSON.
fn eval(name: &str, attributes: &str, date: &str) -> Value {
    let d = dir(name);
    let p = d.join("t.pol");
    std::fs::write(&p, POLICY).unwrap();
    let f = d.join("f.json");
    let facts = format!(r#"{{"kind": "enterprise", "id": "E1", "attributes": {attributes}}}"#);
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
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn clause<'v>(v: &'v Value, name: &str) -> &'v Value {
    v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == name)
        .unwrap_or_else(|| panic!("no {name} in {v}"))
}

fn exact(v: &Value) -> &str {
    v["exact"]
        .as_str()
        .unwrap_or_else(|| panic!("not exact: {v}"))
}

#[test]
fn a_stage_waiting_for_acceptance_is_deferred_and_the_rest_is_paid_now() {
    // 25% of 800万元 = 200万元: 40% (80万元) at signing, 60% (120万元) once accepted.
    let v = eval(
        "wait",
        r#"{"技术合同成交额": "800万元", "合同日期": "2024-02-01"}"#,
        "2024-05-01",
    );
    let c = clause(&v, "揭榜挂帅后补助");
    assert_eq!(c["outcome"], "awarded");
    assert_eq!(exact(&c["assessed"]), "2000000.00");
    assert_eq!(exact(&c["paid"]), "800000.00");
    assert_eq!(exact(&c["deferred"]), "1200000.00");
    let stages = c["stages"].as_array().unwrap();
    assert_eq!(stages[0]["name"], "签约");
    assert_eq!(stages[0]["outcome"], "paid");
    assert_eq!(stages[0]["date"], "2024-02-01");
    assert_eq!(exact(&stages[0]["amount"]), "800000.00");
    assert_eq!(stages[1]["outcome"], "deferred");
    assert_eq!(stages[1]["waits_for"], "通过验收");
    assert_eq!(exact(&stages[1]["amount"]), "1200000.00");
    // Payers share what is paid now; the totals show paid and deferred apart.
    let funding = c["funding"].as_array().unwrap();
    assert_eq!(exact(&funding[0]["amount"]), "400000.00");
    assert_eq!(exact(&funding[1]["amount"]), "400000.00");
    assert_eq!(exact(&v["totals"]["paid"]), "800000.00");
    assert_eq!(exact(&v["totals"]["deferred"]), "1200000.00");
}

#[test]
fn an_award_whose_every_stage_waits_is_deferred_and_counts_towards_no_limit() {
    // The contract is dated after the evaluation date and acceptance has not happened: nothing
    // is paid now, and the other clause under the yearly limit gets the whole 300万元.
    let v = eval(
        "all",
        r#"{"技术合同成交额": "800万元", "合同日期": "2024-06-01", "揭榜项目": true}"#,
        "2024-05-01",
    );
    let c = clause(&v, "揭榜挂帅后补助");
    assert_eq!(c["outcome"], "deferred");
    assert!(c.get("paid").is_none(), "{c}");
    assert_eq!(exact(&c["deferred"]), "2000000.00");
    assert_eq!(c["stages"][0]["waits_for"], "合同日期 2024-06-01");
    assert_eq!(exact(&clause(&v, "揭榜项目补助")["paid"]), "3000000.00");
    assert_eq!(exact(&v["totals"]["paid"]), "3000000.00");
    assert_eq!(exact(&v["totals"]["deferred"]), "2000000.00");
}

#[test]
fn the_cap_bounds_the_award_before_it_is_split() {
    // 25% of 2000万元 = 500万元, capped to 300万元, then 120万元 + 180万元.
    let v = eval(
        "cap",
        r#"{"技术合同成交额": "2000万元", "合同日期": "2024-02-01", "通过验收": true, "验收日期": "2024-04-01"}"#,
        "2024-05-01",
    );
    let c = clause(&v, "揭榜挂帅后补助");
    assert_eq!(exact(&c["paid"]), "3000000.00");
    assert_eq!(exact(&c["stages"][0]["amount"]), "1200000.00");
    assert_eq!(exact(&c["stages"][1]["amount"]), "1800000.00");
    assert_eq!(exact(&c["deferred"]), "0.00");
    assert!(v["totals"].get("deferred").is_none(), "{}", v["totals"]);
}

#[test]
fn a_limit_counts_a_stage_in_the_year_it_is_paid() {
    // Judged in 2025: the signing stage (80万元) was paid on its contract date in 2024, so the
    // 2025 room of the yearly limit is whole and the other clause is paid 300万元 in full.
    let v = eval(
        "year",
        r#"{"技术合同成交额": "800万元", "合同日期": "2024-12-01", "揭榜项目": true}"#,
        "2025-03-01",
    );
    assert_eq!(exact(&clause(&v, "揭榜挂帅后补助")["paid"]), "800000.00");
    assert_eq!(exact(&clause(&v, "揭榜项目补助")["paid"]), "3000000.00");
    // Signed in 2025 instead: both count in 2025, and the second is cut to the room left.
    let v = eval(
        "same-year",
        r#"{"技术合同成交额": "800万元", "合同日期": "2025-01-02", "揭榜项目": true}"#,
        "2025-03-01",
    );
    assert_eq!(exact(&clause(&v, "揭榜项目补助")["paid"]), "2200000.00");
}

/// `pol eval` of facts `json` (with `args` added), as its standard output.
fn eval_text(name: &str, json: &str, date: &str, args: &[&str]) -> String {
    let d = dir(name);
    let p = d.join("t.pol");
    std::fs::write(&p, POLICY).unwrap();
    let f = d.join("f.json");
    std::fs::write(&f, json).unwrap();
    let base = [
        "eval",
        p.to_str().unwrap(),
        "--facts",
        f.to_str().unwrap(),
        "--date",
        date,
    ];
    let o = pol(&[&base[..], args].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// Signed in 2024 (80万元), accepted in 2025 (120万元): earlier grants used 250万元 of 2024's
/// 300万元 and 100万元 of 2025's.
const TWO_YEARS: &str = r#"{"kind": "enterprise", "id": "E1",
    "attributes": {"技术合同成交额": "800万元", "合同日期": "2024-12-01",
                   "通过验收": true, "验收日期": "2025-02-01"},
    "history": [{"document": "嘉政发〔2023〕15号", "clause": "揭榜项目补助",
                 "date": "2024-06-01", "amount": "250万元"},
                {"document": "嘉政发〔2023〕15号", "clause": "揭榜项目补助",
                 "date": "2025-01-10", "amount": "100万元"}]}"#;

#[test]
fn stages_paid_in_two_years_count_each_against_the_limit_of_its_year() {
    let text = eval_text("two-years", TWO_YEARS, "2025-03-01", &["--format", "json"]);
    let v: Value = serde_json::from_str(&text).unwrap();
    let c = clause(&v, "揭榜挂帅后补助");
    // 2024 has 50万元 left: the signing stage's 80万元 is cut by 30万元. 2025 has 200万元
    // left: the acceptance stage's 120万元 is paid whole. Nothing is carried from one year to
    // the other: 50 + 120 paid, 30 cut, 0 deferred, 200万元 in all.
    assert_eq!(c["outcome"], "awarded", "{c}");
    assert_eq!(exact(&c["paid"]), "1700000.00", "{c}");
    assert_eq!(exact(&c["deferred"]), "0.00", "{c}");
    let s = &c["stages"];
    assert_eq!(
        (exact(&s[0]["amount"]), exact(&s[0]["cut"])),
        ("500000.00", "300000.00"),
        "{c}"
    );
    assert_eq!(exact(&s[1]["amount"]), "1200000.00", "{c}");
    assert!(s[1].get("cut").is_none(), "{c}");
    // Each year's limit shows what it counted and what is left.
    let room = |year: i64| {
        let h = v["headroom"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["year"] == year)
            .unwrap_or_else(|| panic!("no headroom in {year}: {}", v["headroom"]));
        (
            exact(&h["counted"]).to_string(),
            exact(&h["headroom"]).to_string(),
        )
    };
    assert_eq!(room(2024), ("3000000.00".to_string(), "0.00".to_string()));
    assert_eq!(
        room(2025),
        ("2200000.00".to_string(), "800000.00".to_string())
    );
    // The explanation says which year cut what, and each stage's cut.
    let text = eval_text("two-years-explain", TWO_YEARS, "2025-03-01", &["--explain"]);
    assert!(
        text.contains(
            "2,500,000.00 元 already counted in 2024, so 800,000.00 元 is cut to 500,000.00 元"
        ),
        "{text}"
    );
    assert!(
        text.contains("not reached (1,000,000.00 元 counted in 2025"),
        "{text}"
    );
    assert!(
        text.contains(
            "签约 40.00% 500,000.00 元 paid on 2024-12-01 (300,000.00 元 cut by a limit)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "年度后补助: limit 300万元 per enterprise per year in 2025: 2,200,000.00 元 counted"
        ),
        "{text}"
    );
}

#[test]
fn a_later_stage_shares_its_year_with_the_other_awards_of_that_year() {
    // Judged in 2025 with the other clause also due: the acceptance stage (120万元, 2025)
    // comes first in the order of evaluation and leaves 180万元 of 2025's room; the signing
    // stage (80万元, 2024) takes none of it.
    let v = eval(
        "two-years-shared",
        r#"{"技术合同成交额": "800万元", "合同日期": "2024-12-01", "通过验收": true, "验收日期": "2025-02-01", "揭榜项目": true}"#,
        "2025-03-01",
    );
    assert_eq!(exact(&clause(&v, "揭榜挂帅后补助")["paid"]), "2000000.00");
    assert_eq!(exact(&clause(&v, "揭榜项目补助")["paid"]), "1800000.00");
    assert_eq!(exact(&v["totals"]["paid"]), "3800000.00");
}

#[test]
fn an_unknown_stage_date_is_undetermined_naming_it() {
    let v = eval(
        "unknown",
        r#"{"技术合同成交额": "800万元", "合同日期": "2024-02-01", "通过验收": true}"#,
        "2024-05-01",
    );
    let c = clause(&v, "揭榜挂帅后补助");
    assert_eq!(c["outcome"], "awarded");
    assert_eq!(exact(&c["paid"]), "800000.00");
    assert_eq!(c["stages"][1]["outcome"], "undetermined");
    assert_eq!(c["stages"][1]["needs"][0], "验收日期");
    // With the contract date unknown too, no stage is paid: the clause waits for both dates.
    let v = eval(
        "unknown-both",
        r#"{"技术合同成交额": "800万元", "通过验收": true}"#,
        "2024-05-01",
    );
    let c = clause(&v, "揭榜挂帅后补助");
    assert_eq!(c["outcome"], "undetermined");
    assert_eq!(c["upper_bound"], "2000000.00");
    assert_eq!(c["needs"], serde_json::json!(["合同日期", "验收日期"]));
}

#[test]
fn the_explanation_and_the_text_show_each_stage() {
    let d = dir("explain");
    let p = d.join("t.pol");
    std::fs::write(&p, POLICY).unwrap();
    let f = d.join("f.json");
    std::fs::write(
        &f,
        r#"{"kind": "enterprise", "id": "E1", "attributes": {"技术合同成交额": "800万元", "合同日期": "2024-02-01"}}"#,
    )
    .unwrap();
    let args = [
        "eval",
        p.to_str().unwrap(),
        "--facts",
        f.to_str().unwrap(),
        "--date",
        "2024-05-01",
    ];
    let o = pol(&[&args[..], &["--explain"]].concat());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(
            "✓ stage 签约: 40.00% of 2,000,000.00 元 = 800,000.00 元, paid on 2024-02-01"
        ),
        "{text}"
    );
    assert!(
        text.contains("✗ stage 验收: 60.00% of 2,000,000.00 元 = 1,200,000.00 元, deferred: waits for 通过验收"),
        "{text}"
    );
    let o = pol(&args);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("awarded: 800,000.00 元 (80万元) now; 1,200,000.00 元 (120万元) deferred"),
        "{text}"
    );
    assert!(
        text.contains("total deferred (stages not paid yet): 1,200,000.00 元 (120万元)"),
        "{text}"
    );
}

#[test]
fn the_library_gives_the_same_stages() {
    let set = pol::PolicySet::compile(&[("t.pol", POLICY)]).unwrap();
    let facts = pol::Facts::from_json(
        r#"{"kind": "enterprise", "id": "E1", "attributes": {"技术合同成交额": "800万元", "合同日期": "2024-02-01"}}"#,
    )
    .unwrap();
    let d = set
        .evaluate(&facts, &pol::Options::on("2024-05-01".parse().unwrap()))
        .unwrap();
    let c = d
        .clauses
        .iter()
        .find(|c| c.clause == "揭榜挂帅后补助")
        .unwrap();
    let outcomes: Vec<pol::StageOutcome> = c.stages.iter().map(|s| s.outcome).collect();
    assert_eq!(
        outcomes,
        [pol::StageOutcome::Paid, pol::StageOutcome::Deferred]
    );
    assert_eq!(
        d.totals.deferred,
        pol::Amount::Exact("1200000".parse().unwrap())
    );
    assert_eq!(d.totals.paid, pol::Amount::Exact("800000".parse().unwrap()));
}

#[test]
fn the_simulation_pays_and_defers_what_eval_does() {
    let d = dir("simulate");
    let p = d.join("t.pol");
    std::fs::write(&p, POLICY).unwrap();
    let rows = [
        ("E1", "800万元", "2024-02-01", "0", "", "0"),
        ("E2", "800万元", "2024-06-01", "0", "", "1"),
        ("E3", "2000万元", "2024-02-01", "1", "2024-04-01", "0"),
        ("E4", "800万元", "2024-02-01", "1", "", "0"),
        ("E5", "123.45万元", "2024-02-01", "0", "", "1"),
        // Signed after the evaluation date, accepted on a day not given: undetermined, with
        // the signing stage deferred (the row takes the general path for its deferred cell).
        ("E6", "1万元", "2024-06-01", "1", "", "0"),
    ];
    let mut csv = "id,技术合同成交额,合同日期,通过验收,验收日期,揭榜项目\n".to_string();
    for r in rows {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r.0, r.1, r.2, r.3, r.4, r.5
        ));
    }
    let pop = d.join("pop.csv");
    std::fs::write(&pop, csv).unwrap();
    let out = d.join("out.csv");
    let summary = d.join("summary.json");
    let o = pol(&[
        "simulate",
        p.to_str().unwrap(),
        "--population",
        pop.to_str().unwrap(),
        "--date",
        "2024-05-01",
        "--columns",
        "subject,total,揭榜挂帅后补助,揭榜挂帅后补助:outcome,揭榜挂帅后补助:deferred,揭榜挂帅后补助:eligible",
        "--out",
        out.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let written = std::fs::read_to_string(&out).unwrap();
    let mut deferred_sum = rust_decimal::Decimal::ZERO;
    for (line, r) in written.lines().skip(1).zip(rows) {
        let mut attrs = format!(
            r#"{{"技术合同成交额": "{}", "合同日期": "{}", "通过验收": {}, "揭榜项目": {}"#,
            r.1,
            r.2,
            r.3 == "1",
            r.5 == "1"
        );
        if !r.4.is_empty() {
            attrs.push_str(&format!(r#", "验收日期": "{}""#, r.4));
        }
        attrs.push('}');
        let v = eval(&format!("sim-{}", r.0), &attrs, "2024-05-01");
        let c = clause(&v, "揭榜挂帅后补助");
        let paid = c.get("paid").map_or("0.00", exact);
        let deferred = c.get("deferred").map_or("0.00", exact);
        // `:eligible` is 1 when the conditions held: paid, superseded or deferred.
        let held = ["awarded", "superseded", "deferred"].contains(&c["outcome"].as_str().unwrap());
        let eligible = if held { "1" } else { "0" };
        let want = format!(
            "{},{},{paid},{},{deferred},{eligible}",
            r.0,
            exact(&v["totals"]["paid"]),
            c["outcome"].as_str().unwrap()
        );
        assert_eq!(line, want);
        deferred_sum += deferred.parse::<rust_decimal::Decimal>().unwrap();
    }
    let s: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    let total: rust_decimal::Decimal = s["deferred"]["total"]["exact"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(total, deferred_sum);
    // Split among the payers as the paid totals are: each subject's half to the fen.
    let payers: rust_decimal::Decimal = ["市级财政", "区级财政"]
        .iter()
        .map(|p| {
            s["deferred"]["payers"][p]["exact"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(payers, total);
    let years = &s["deferred"]["years"];
    assert!(years.get("2024").is_some(), "{years}");
    let clause_stats = &s["clauses"][0];
    assert_eq!(clause_stats["deferred"], 1, "{clause_stats}");
}

#[test]
fn test_files_assert_stages_and_a_malformed_one_breaks_its_case_only() {
    let file = r#"
[[case]]
name = "ok"
article = "第四条"
date = 2024-05-01
[case.facts]
kind = "enterprise"
id = "E1"
[case.facts.attributes]
"技术合同成交额" = "800万元"
"合同日期" = "2024-02-01"
[case.expect]
"揭榜挂帅后补助" = "awarded 800000 deferred 1200000"
deferred = "1200000"
stages = { "揭榜挂帅后补助" = { "签约" = "paid 800000", "验收" = "deferred" } }

[[case]]
name = "wrong amount"
article = "第四条"
date = 2024-05-01
[case.facts]
kind = "enterprise"
id = "E1"
[case.facts.attributes]
"技术合同成交额" = "800万元"
"合同日期" = "2024-02-01"
[case.expect]
stages = { "揭榜挂帅后补助" = { "验收" = "deferred 1000000" } }

[[case]]
name = "broken"
article = "第四条"
date = 2024-05-01
[case.facts]
kind = "enterprise"
id = "E1"
[case.expect]
stages = { "揭榜挂帅后补助" = { "验收" = "waiting 1000000" } }
"#;
    let parsed = pol::TestFile::parse(file).unwrap();
    assert_eq!(parsed.broken.len(), 1);
    assert_eq!(parsed.broken[0].name, "broken");
    assert!(
        parsed.broken[0]
            .reason
            .contains("not paid, deferred, undetermined or already_paid"),
        "{}",
        parsed.broken[0].reason
    );
    let set = pol::PolicySet::compile(&[("t.pol", POLICY)]).unwrap();
    let reports: Vec<pol::CaseReport> = parsed.cases.iter().map(|c| set.run_test(c)).collect();
    assert!(reports[0].passed, "{:?}", reports[0].mismatches);
    assert!(!reports[1].passed);
    assert!(
        reports[1].mismatches[0]
            .contains("expected deferred 1000000, got deferred 1,200,000.00 元"),
        "{:?}",
        reports[1].mismatches
    );
    // A wholly deferred award is asserted by its outcome and what waits.
    let e = pol::Expected::parse("deferred 2000000", false).unwrap();
    assert_eq!(e.outcome, Some(pol::Outcome::Deferred));
    assert!(pol::Expected::parse("awarded 1 deferred lots", false).is_err());
}

#[test]
fn shares_not_adding_up_to_100_percent_are_e0330() {
    let bad = POLICY.replace("验收: 60%", "验收: 50%");
    let found = pol::check(&[("t.pol", bad.as_str())]);
    assert!(
        found
            .iter()
            .any(|d| d.code == pol::Code::StageShares
                && d.message.contains("add up to 90%, not 100%")),
        "{found}"
    );
    let named_twice = POLICY.replace("验收: 60%", "签约: 60%");
    let found = pol::check(&[("t.pol", named_twice.as_str())]);
    assert!(
        found.iter().any(|d| d.code == pol::Code::DuplicateName),
        "{found}"
    );
    let not_a_date = POLICY.replace("on 验收日期", "on 技术合同成交额");
    let found = pol::check(&[("t.pol", not_a_date.as_str())]);
    assert!(
        found.iter().any(|d| d.code == pol::Code::OperandKind),
        "{found}"
    );
}

#[test]
fn fmt_lays_out_stages_and_keeps_them() {
    let messy = POLICY.replace(
        "stages { 签约: 40% on 合同日期, 验收: 60% when 通过验收 on 验收日期 }",
        "stages{签约:40% on 合同日期\n 验收：60%  on 验收日期 when 通过验收}",
    );
    let formatted = pol::format_source(&messy).unwrap();
    assert!(
        formatted
            .contains("  stages { 签约: 40% on 合同日期, 验收: 60% when 通过验收 on 验收日期 }\n"),
        "{formatted}"
    );
    assert_eq!(pol::format_source(&formatted).unwrap(), formatted);
    // A list too wide for one line takes a row per stage.
    let wide = formatted.replace(
        "验收: 60% when 通过验收 on 验收日期",
        "验收: 30% when 通过验收 on 验收日期, 绩效评价: 30% when 通过验收 and 技术合同成交额 >= 1000万元 on 验收日期",
    );
    let formatted = pol::format_source(&wide).unwrap();
    assert!(
        formatted.contains(
            "  stages {\n    签约: 40% on 合同日期\n    验收: 30% when 通过验收 on 验收日期\n"
        ),
        "{formatted}"
    );
    assert!(pol::check(&[("t.pol", formatted.as_str())]).is_empty());
}

#[test]
fn an_up_to_award_is_split_bound_by_bound_and_a_superseded_one_has_no_stages() {
    // 第八条: "对符合条件的单个入驻项目,给予最高不超过6万元的一次性落地奖励": up to 6万元, here
    // paid 40%/60% (the shares are test figures), and a fixed 10万元 of the same matter (第四条's
    // 市级科技项目 figure stands in) that is higher and supersedes it.
    let policy = r#"policy "嘉政发〔2023〕15号" {
  title "嘉兴市人民政府关于支持科技创新九条政策意见"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 50%, 区级财政: 50% }
  same_matter highest
}

input enterprise {
  入驻项目: bool
  通过验收: bool = false
  市级项目: bool = false
}

clause 落地奖励 {
  source "第八条"
  matter "落地"
  when 入驻项目
  award up to 6万元
  stages { 入驻: 40%, 验收: 60% when 通过验收 }
}

clause 项目支持 {
  source "第四条"
  matter "落地"
  when 市级项目
  award 10万元
}
"#;
    let set = pol::PolicySet::compile(&[("t.pol", policy)]).unwrap();
    let options = pol::Options::on("2024-05-01".parse().unwrap());
    let facts = |attrs: &str| {
        pol::Facts::from_json(&format!(
            r#"{{"kind": "enterprise", "id": "E1", "attributes": {attrs}}}"#
        ))
        .unwrap()
    };
    let d = set
        .evaluate(&facts(r#"{"入驻项目": true}"#), &options)
        .unwrap();
    let c = &d.clauses[0];
    let range = |lo: &str, hi: &str| {
        pol::Amount::between(lo.parse().unwrap(), hi.parse().unwrap()).unwrap()
    };
    assert_eq!(c.stages[0].amount, range("0", "24000"));
    assert_eq!(c.stages[1].amount, range("0", "36000"));
    assert_eq!(c.paid, Some(range("0", "24000")));
    assert_eq!(c.deferred, Some(range("0", "36000")));
    let d = set
        .evaluate(&facts(r#"{"入驻项目": true, "市级项目": true}"#), &options)
        .unwrap();
    let c = d.clauses.iter().find(|c| c.clause == "落地奖励").unwrap();
    assert_eq!(c.outcome, pol::Outcome::Superseded);
    assert!(c.stages.is_empty() && c.deferred.is_none());
    assert_eq!(d.totals.deferred, pol::Amount::ZERO);
}

/// A population row for the property below: (contract amount in 万元, days from the evaluation
/// date to the contract, accepted, days from the evaluation date to acceptance or none, also a
/// 揭榜 project).
type Firm = (u32, i64, bool, Option<i64>, bool);

fn firms() -> impl proptest::strategy::Strategy<Value = Vec<Firm>> {
    use proptest::prelude::*;
    let firm = (
        0u32..2500,
        -400i64..60,
        any::<bool>(),
        proptest::option::of(-400i64..60),
        any::<bool>(),
    );
    proptest::collection::vec(firm, 1..12)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Each row of a simulation pays, defers and is decided as `pol eval` decides that firm,
    /// and the summary's deferred total is the sum of the decisions' deferred totals.
    #[test]
    fn a_simulation_of_staged_awards_is_what_eval_gives(firms in firms()) {
        use std::sync::atomic::AtomicBool;
        let today: chrono::NaiveDate = "2025-03-01".parse().unwrap();
        let day = |d: i64| (today + chrono::Duration::days(d)).to_string();
        let set = pol::PolicySet::compile(&[("t.pol", POLICY)]).unwrap();
        let options = pol::Options::on(today);
        let mut csv = "id,技术合同成交额,合同日期,通过验收,验收日期,揭榜项目\n".to_string();
        let mut decisions = Vec::new();
        for (i, f) in firms.iter().enumerate() {
            let accepted_on = f.3.map(day).unwrap_or_default();
            csv.push_str(&format!(
                "E{i:02},{}万元,{},{},{accepted_on},{}\n",
                f.0, day(f.1), u8::from(f.2), u8::from(f.4)
            ));
            let mut attrs = format!(
                r#""技术合同成交额": "{}万元", "合同日期": "{}", "通过验收": {}, "揭榜项目": {}"#,
                f.0, day(f.1), f.2, f.4
            );
            if !accepted_on.is_empty() {
                attrs.push_str(&format!(r#", "验收日期": "{accepted_on}""#));
            }
            let facts = pol::Facts::from_json(&format!(
                r#"{{"kind": "enterprise", "id": "E{i:02}", "attributes": {{{attrs}}}}}"#
            ))
            .unwrap();
            decisions.push(set.evaluate(&facts, &options).unwrap());
        }
        let mut sim = pol::SimulationOptions::new(pol::Kind::Enterprise);
        sim.threads = 1;
        sim.row_columns = Some(
            "subject,total,揭榜挂帅后补助,揭榜挂帅后补助:outcome,揭榜挂帅后补助:deferred".to_string(),
        );
        let simulation = set.simulation(&options, sim).unwrap();
        let mut rows = Vec::new();
        let cancel = AtomicBool::new(false);
        let report = simulation
            .run(csv.as_bytes(), Some(&mut rows), &mut |_| {}, &cancel)
            .unwrap();
        // Ids in order, so the whole population is read and the summary finished.
        proptest::prop_assert!(matches!(report.end, pol::End::Completed));
        proptest::prop_assert!(report.errors.is_empty());
        let text = String::from_utf8(rows).unwrap();
        proptest::prop_assert_eq!(text.lines().count(), decisions.len() + 1);
        let amount = |a: Option<pol::Amount>| match a {
            Some(pol::Amount::Exact(d)) => format!("{d:.2}"),
            Some(pol::Amount::Range { min, max }) => format!("{min:.2}..{max:.2}"),
            None => "0.00".to_string(),
        };
        let mut deferred = pol::Amount::ZERO;
        for (line, d) in text.lines().skip(1).zip(&decisions) {
            let c = d.clauses.iter().find(|c| c.clause == "揭榜挂帅后补助").unwrap();
            let want = format!(
                "{},{},{},{},{}",
                d.subject.id,
                amount(Some(d.totals.paid)),
                amount(c.paid),
                c.outcome.key(),
                amount(c.deferred)
            );
            proptest::prop_assert_eq!(line, want.as_str());
            deferred = (deferred + d.totals.deferred).unwrap();
        }
        let summary = serde_json::to_value(&report.summary).unwrap();
        let got = summary.get("deferred").map_or("0.00".to_string(), |s| {
            s["total"]["exact"].as_str().unwrap().to_string()
        });
        proptest::prop_assert_eq!(got, amount(Some(deferred)));
    }
}

#[test]
fn a_limit_that_cuts_a_staged_award_cuts_its_stages_paid_now_in_proportion() {
    // 290万元 of the yearly 300万元 was paid earlier in 2025 (history), so the 200万元 both
    // stages pay now is cut to 10万元: the stages show 4万元 and 6万元, not 80万元 and 120万元.
    let d = dir("limit-cuts-stages");
    let p = d.join("t.pol");
    std::fs::write(&p, POLICY).unwrap();
    let f = d.join("f.json");
    std::fs::write(
        &f,
        r#"{"kind": "enterprise", "id": "E1",
            "attributes": {"技术合同成交额": "800万元", "合同日期": "2025-01-02",
                           "通过验收": true, "验收日期": "2025-02-01"},
            "history": [{"document": "嘉政发〔2023〕15号", "clause": "揭榜项目补助",
                         "date": "2025-01-10", "amount": "290万元"}]}"#,
    )
    .unwrap();
    let o = pol(&[
        "eval",
        p.to_str().unwrap(),
        "--facts",
        f.to_str().unwrap(),
        "--date",
        "2025-03-01",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let c = clause(&v, "揭榜挂帅后补助");
    assert_eq!(exact(&c["paid"]), "100000.00", "{c}");
    let stages: Vec<(&str, &str)> = c["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["outcome"].as_str().unwrap(), exact(&s["amount"])))
        .collect();
    assert_eq!(stages, [("paid", "40000.00"), ("paid", "60000.00")], "{c}");
}
