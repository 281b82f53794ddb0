//! Claims addressed to items and matters across levels and documents (issue 16, items 1 and 2),
//! through the command line and the library: a firm evaluated against every shipped policy
//! with one claim per item, one recognition under two documents paid once, claims addressed to
//! unknown or ambiguous items refused, and populations with an item column giving what `pol
//! eval` gives. Figures derive from the gazette (../shared/gazette/), articles cited.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pol-items-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ENTITLED: &str = "tests/facts/entitled.json";

/// Every shipped policy, as the library compiles them.
fn shipped() -> pol::PolicySet {
    let mut paths: Vec<PathBuf> = std::fs::read_dir("policies")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pol"))
        .collect();
    // In the order `pol eval policies/` reads them.
    paths.sort();
    let files: Vec<(String, String)> = paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.display().to_string(), text)
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    pol::PolicySet::compile(&refs).unwrap()
}

/// (clause, claim, outcome, paid) of each per-claim result and each award of a decision JSON.
fn shown(v: &Value) -> Vec<(String, String, String, String)> {
    v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["claim"].is_null() || c["outcome"] != "not_eligible")
        .map(|c| {
            (
                c["clause"].as_str().unwrap().to_string(),
                c["claim"].as_str().unwrap_or("").to_string(),
                c["outcome"].as_str().unwrap().to_string(),
                c["paid"]["exact"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn row(clause: &str, claim: &str, outcome: &str, paid: &str) -> (String, String, String, String) {
    (clause.into(), claim.into(), outcome.into(), paid.into())
}

/// The firm of the README's "Everything this firm is entitled to": one claim per item of
/// 15号 第四条 (揭榜挂帅 project that is also a city project), 第八条 (a settled project) and
/// 38号 二(一)4 (国内首台套), 二(一)1 (an overseas R&D centre), and the same centre recognised
/// under 15号 第七条.
fn expected_entitled() -> Vec<(String, String, String, String)> {
    vec![
        // 38号 二(一)4: 国内首台套 150万元.
        row("首台套补助", "首台套-2024-03", "awarded", "1500000.00"),
        // 15号 第四条: up to 100万元, assessed 80万元, against 25% of 400万元 = 100万元: one
        // project, one matter, the higher paid.
        row("市级科技项目经费", "揭榜-2024-01", "superseded", "0.00"),
        row("揭榜挂帅后补助", "揭榜-2024-01", "awarded", "1000000.00"),
        // 15号 第八条: landing award assessed 5万元 (at most 6万元); not selected on merit.
        row("入驻项目落地奖励", "入驻-2024-07", "awarded", "50000.00"),
        row("入驻项目创业资助", "入驻-2024-07", "not_eligible", ""),
        // 38号 二(一)1 (assessed 80万元) and 15号 第七条 省级企业海外研发机构 100万元: one matter.
        row("海外研发中心补助", "海外中心-2024-02", "superseded", "0.00"),
        row("海外研发机构奖励", "", "awarded", "1000000.00"),
    ]
}

#[test]
fn a_firm_with_one_claim_per_item_sees_exactly_its_clauses_under_every_policy() {
    let o = pol(&[
        "eval",
        "policies/",
        "--facts",
        ENTITLED,
        "--date",
        "2024-05-01",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(shown(&v), expected_entitled());
    assert_eq!(v["totals"]["paid"]["exact"], "3550000.00");
    assert_eq!(v["totals"]["undetermined"], 0);
    for p in v["totals"]["per_policy"].as_array().unwrap() {
        assert_eq!(p["undetermined_upper_bound"], "0.00", "{p}");
    }
    // The library gives the same decision.
    let set = shipped();
    let facts = pol::Facts::from_json(&std::fs::read_to_string(ENTITLED).unwrap()).unwrap();
    let options = pol::Options::on("2024-05-01".parse().unwrap());
    let decision = set.evaluate(&facts, &options).unwrap();
    let lib = serde_json::to_value(&decision).unwrap();
    assert_eq!(shown(&lib), expected_entitled());
    assert_eq!(lib["totals"], v["totals"]);
}

#[test]
fn the_readme_example_is_what_pol_eval_prints() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("### Everything this firm is entitled to")
        .unwrap();
    let section = &readme[start..];
    let section = &section[..section[4..].find("\n### ").unwrap() + 4];
    let json = section.split("```json\n").nth(1).unwrap();
    let json = &json[..json.find("```").unwrap()];
    let file = std::fs::read_to_string(ENTITLED).unwrap();
    assert_eq!(
        json.trim_end(),
        file.trim_end(),
        "the README shows {ENTITLED}"
    );
    let o = pol(&[
        "eval",
        "policies/",
        "--facts",
        ENTITLED,
        "--date",
        "2024-05-01",
    ]);
    let printed = String::from_utf8(o.stdout).unwrap();
    let blocks: Vec<&str> = section
        .split("```text\n")
        .skip(1)
        .map(|b| &b[..b.find("```").unwrap()])
        .collect();
    assert_eq!(blocks.len(), 2);
    for b in blocks {
        assert!(
            printed.contains(b),
            "README block not printed:\n{b}\n---\n{printed}"
        );
    }
}

/// A firm recognised under 15号 第七条 as `recognition` and claiming the same overseas centre
/// under 38号 二(一)1 on `claim_date`, assessed `assessed`.
fn overseas(recognition: &str, claim_date: &str, assessed: &str) -> Value {
    let facts = format!(
        r#"{{"kind": "enterprise", "id": "E1", "attributes": {{"新认定海外研发机构": "{recognition}"}},
            "claims": [{{"id": "H1", "date": "{claim_date}", "item": "海外研发中心补助",
              "attributes": {{"设在海外大城市": true, "经认定": true, "核定金额": "{assessed}"}}}}]}}"#
    );
    let set = shipped();
    let facts = pol::Facts::from_json(&facts).unwrap();
    let d = set
        .evaluate(&facts, &pol::Options::on("2024-05-01".parse().unwrap()))
        .unwrap();
    serde_json::to_value(&d).unwrap()
}

fn outcome(v: &Value, clause: &str) -> (String, String) {
    let c = v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == clause)
        .unwrap();
    (
        c["outcome"].as_str().unwrap().to_string(),
        c["paid"]["exact"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn one_recognition_under_two_documents_is_paid_once_the_higher() {
    // 15号 第七条: 省级企业海外研发机构 100万元; 38号 二(一)1: at most 100万元, assessed 80万元.
    let v = overseas("省级企业海外研发机构", "2024-03-01", "80万元");
    assert_eq!(
        outcome(&v, "海外研发机构奖励"),
        ("awarded".into(), "1000000.00".into())
    );
    assert_eq!(
        outcome(&v, "海外研发中心补助"),
        ("superseded".into(), "0.00".into())
    );
    assert_eq!(v["totals"]["paid"]["exact"], "1000000.00");
    // 15号 第七条: 国际联合实验室 80万元; 38号 assessed 90万元: the claim's award is higher.
    let v = overseas("国际联合实验室", "2024-03-01", "90万元");
    assert_eq!(
        outcome(&v, "海外研发机构奖励"),
        ("superseded".into(), "0.00".into())
    );
    assert_eq!(
        outcome(&v, "海外研发中心补助"),
        ("awarded".into(), "900000.00".into())
    );
    assert_eq!(v["totals"]["paid"]["exact"], "900000.00");
    // A claim of another calendar year than the evaluation date does not meet the subject's
    // award: both are paid (80万元 + 90万元).
    let v = overseas("国际联合实验室", "2023-12-01", "90万元");
    assert_eq!(
        outcome(&v, "海外研发机构奖励"),
        ("awarded".into(), "800000.00".into())
    );
    assert_eq!(
        outcome(&v, "海外研发中心补助"),
        ("awarded".into(), "900000.00".into())
    );
    assert_eq!(v["totals"]["paid"]["exact"], "1700000.00");
}

#[test]
fn a_claim_for_an_unknown_item_is_refused_with_the_items_and_a_suggestion() {
    let dir = temp("unknown");
    let facts = dir.join("f.json");
    std::fs::write(
        &facts,
        r#"{"kind": "institution", "id": "I1", "attributes": {"科技中介机构": true},
            "claims": [{"id": "C1", "date": "2024-03-01", "item": "技术转让",
              "attributes": {"项目类别": "技术开发", "通过评审": true, "实付合同金额": "200万元"}}]}"#,
    )
    .unwrap();
    let f = facts.to_str().unwrap();
    let o = pol(&["eval", "policies/", "--facts", f, "--date", "2024-05-01"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("F0120"), "{err}");
    // The items an institution may claim under the shipped policies, and the closest.
    assert!(
        err.contains("标准制定补助, 行业协会组团参展补助, 科技项目, 技术转移"),
        "{err}"
    );
    assert!(err.contains("did you mean `技术转移`?"), "{err}");
    let o = pol(&[
        "eval",
        "policies/",
        "--facts",
        f,
        "--date",
        "2024-05-01",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let text = v.to_string();
    assert!(text.contains("\"code\":\"F0120\""), "{text}");
    assert!(text.contains("\"hint\":\"技术转移\""), "{text}");
}

#[test]
fn a_claim_without_an_item_is_taken_only_when_one_item_could_be_meant() {
    let claim = r#"{"kind": "person", "id": "P1", "attributes": {"技术经纪人": true},
        "claims": [{"id": "C1", "date": "2024-03-01",
          "attributes": {"项目类别": "技术转让", "通过评审": true, "实付合同金额": "100万元"}}]}"#;
    let facts = pol::Facts::from_json(claim).unwrap();
    let options = pol::Options::on("2024-05-01".parse().unwrap());
    // A person has one item under the shipped policies (15号 第五条 技术转移): 1.5% of 100万元.
    let d = shipped().evaluate(&facts, &options).unwrap();
    assert_eq!(
        d.totals.paid,
        pol::Amount::Exact("15000.00".parse().unwrap())
    );
    // An institution has several: refused, listing them.
    let claim = claim
        .replace("person", "institution")
        .replace("技术经纪人", "科技中介机构");
    let facts = pol::Facts::from_json(&claim).unwrap();
    let Err(pol::EvalError::Facts(p)) = shipped().evaluate(&facts, &options) else {
        panic!("a claim without an item was taken")
    };
    assert_eq!(p[0].code.as_str(), "F0122");
    assert!(p[0].message().contains("技术转移"), "{}", p[0].message());
}

const TWIN: &str = r#"policy "示例〔2023〕1号" {
  title "示例"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 100% }
  same_matter highest
}
input project { 金额: money }
clause 项目经费 { source "第一条" per project award 10% of 金额 }
"#;

#[test]
fn an_item_of_two_documents_needs_the_document() {
    // Another policy: its own number and title.
    let other = TWIN
        .replace("1号", "2号")
        .replace("10%", "20%")
        .replace("title \"示例\"", "title \"示例二\"");
    let set = pol::PolicySet::compile(&[("a.pol", TWIN), ("b.pol", &other)]).unwrap();
    let options = pol::Options::on("2024-05-01".parse().unwrap());
    let facts = |document: &str| {
        let text = format!(
            r#"{{"kind": "enterprise", "id": "E1", "claims": [{{"id": "C1", "date": "2024-03-01",
                "item": "项目经费"{document}, "attributes": {{"金额": "100万元"}}}}]}}"#
        );
        pol::Facts::from_json(&text).unwrap()
    };
    let Err(pol::EvalError::Facts(p)) = set.evaluate(&facts(""), &options) else {
        panic!("an ambiguous item was guessed")
    };
    assert_eq!(p[0].code.as_str(), "F0121");
    assert!(p[0].message().contains("示例〔2023〕1号, 示例〔2023〕2号"));
    // The document as a key: brackets and full-width digits fold.
    let d = set
        .evaluate(&facts(r#", "document": "示例[2023]２号""#), &options)
        .unwrap();
    assert_eq!(
        d.totals.paid,
        pol::Amount::Exact("200000.00".parse().unwrap())
    );
    assert_eq!(
        d.clauses.len(),
        1,
        "only the item of document 2 sees the claim"
    );
}

#[test]
fn a_population_with_an_item_column_gives_what_eval_gives() {
    let dir = temp("population");
    let population = dir.join("p.csv");
    // The claims of tests/facts/entitled.json as rows (one per claim), plus an institution with
    // a technology transfer claim (15号 第五条: 3% of 200万元 = 6万元).
    let rows = "id,claim_id,claim_date,item,新认定海外研发机构,列入市级科技项目,项目核定经费,揭榜挂帅项目,关键技术需求企业,技术合同成交额,入驻载体,落地奖励核定金额,创业资助择优入选,首台套级别,设在海外大城市,经认定,核定金额\n\
        E1,揭榜-2024-01,2024-02-20,科技项目,省级企业海外研发机构,1,80万元,1,1,400万元,,,,,,,\n\
        E1,入驻-2024-07,2024-03-10,入驻项目,,,,,,,科技企业孵化器,5万元,0,,,,\n\
        E1,首台套-2024-03,2024-01-15,首台套补助,,,,,,,,,,国内,,,\n\
        E1,海外中心-2024-02,2024-04-08,海外研发中心补助,,,,,,,,,,,1,1,80万元\n";
    std::fs::write(&population, rows).unwrap();
    let out = dir.join("rows.csv");
    let o = pol(&[
        "simulate",
        "policies/",
        "--population",
        population.to_str().unwrap(),
        "--date",
        "2024-05-01",
        "--out",
        out.to_str().unwrap(),
        "--columns",
        "line,claim,total,error",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let written = std::fs::read_to_string(&out).unwrap();
    // Each claim's row carries its awards, the first row the subject's own (15号 第七条
    // 100万元): the rows of pol eval's decision on the same facts, and the same total.
    assert_eq!(
        written,
        "line,claim,total,error\n\
         2,揭榜-2024-01,2000000.00,\n\
         3,入驻-2024-07,50000.00,\n\
         4,首台套-2024-03,1500000.00,\n\
         5,海外中心-2024-02,0.00,\n"
    );
    // The same rows as JSON Lines, `item` a key of each object: the same figures.
    let header: Vec<&str> = rows.lines().next().unwrap().split(',').collect();
    let jsonl: String = rows
        .lines()
        .skip(1)
        .map(|line| {
            let object: serde_json::Map<String, Value> = header
                .iter()
                .zip(line.trim().split(','))
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.to_string(), Value::from(v)))
                .collect();
            format!("{}\n", Value::Object(object))
        })
        .collect();
    let population = dir.join("p.jsonl");
    std::fs::write(&population, jsonl).unwrap();
    let out = dir.join("rows.jsonl");
    let o = pol(&[
        "simulate",
        "policies/",
        "--population",
        population.to_str().unwrap(),
        "--date",
        "2024-05-01",
        "--out",
        out.to_str().unwrap(),
        "--columns",
        "claim,total",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let totals: Vec<String> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["total"].to_string())
        .collect();
    assert_eq!(
        totals,
        [
            "\"2000000.00\"",
            "\"50000.00\"",
            "\"1500000.00\"",
            "\"0.00\""
        ]
    );
    // A claim addressed to an unknown item fails its subject with F0120.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "id,claim_id,claim_date,item,首台套级别\nE1,C1,2024-01-15,首台套,国内\n",
    )
    .unwrap();
    let o = pol(&[
        "simulate",
        "policies/",
        "--population",
        bad.to_str().unwrap(),
        "--date",
        "2024-05-01",
        "--item-column",
        "item",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("F0120") && err.contains("首台套补助"), "{err}");
}

#[test]
fn the_schema_lists_the_items_a_claim_may_name() {
    let set = shipped();
    let schema = set.facts_schema(Some(pol::Kind::Enterprise));
    let item = &schema["properties"]["claims"]["items"]["properties"]["item"]["enum"];
    let names: Vec<&str> = item
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for expected in [
        "科技项目",
        "入驻项目",
        "科学技术奖",
        "首台套补助",
        "海外研发中心补助",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    // 技术转移 is for agencies and brokers only (15号 第五条).
    assert!(!names.contains(&"技术转移"), "{names:?}");
}

/// Two documents paying the highest only, whose clauses test one input under two matters.
const A: &str = r#"policy "示例〔2023〕15号" {
  title "示例"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 100% }
  same_matter highest
}
input enterprise { 新认定海外研发机构: bool }
clause 海外研发机构奖励 { source "第七条" when 新认定海外研发机构 award 100万元 }
"#;

#[test]
fn clauses_of_two_documents_testing_one_input_under_two_matters_are_reported_unless_allowed() {
    let b = A
        .replace("15号", "38号")
        .replace("title \"示例\"", "title \"示例二\"")
        .replace(
            "海外研发机构奖励 { source \"第七条\"",
            "海外研发中心补助 { source \"二(一)1\"",
        );
    let found = pol::check(&[("a.pol", A), ("b.pol", &b)]);
    let codes: Vec<&str> = found.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["W0319"], "{found}");
    // The same clauses under one matter: nothing to report.
    let shared = |t: &str| t.replace("when 新认定", "matter \"海外研发机构\" when 新认定");
    assert!(pol::check(&[("a.pol", &shared(A)), ("b.pol", &shared(&b))]).is_empty());
    // Cumulative documents pay both anyway: nothing to report.
    let cumulative = |t: &str| t.replace("same_matter highest", "same_matter cumulative");
    assert!(pol::check(&[("a.pol", &cumulative(A)), ("b.pol", &cumulative(&b))]).is_empty());
    // Looked at and accepted: silenced in the file it points into.
    let allowed = b.replace(
        "clause 海外研发中心补助",
        "# allow(W0319): a centre abroad, not the provincial recognition\nclause 海外研发中心补助",
    );
    assert!(pol::check(&[("a.pol", A), ("b.pol", &allowed)]).is_empty());
}

/// A subject's award and a claim's award of one matter meet before any running total: the
/// one superseded counts towards no limit, even though the claim's event comes first. (A
/// made-up policy: the figures are the test's own, not the gazette's.)
#[test]
fn awards_meeting_across_levels_are_decided_before_the_limits_count() {
    let policy = r#"
policy "测试〔2024〕1号" {
  title "跨层级就高"
  issued 2024-01-01
  effective 2024-01-01 to 2024-12-31
  funding { 市级财政: 100% }
  same_matter highest
}
input enterprise { 认定: bool }
input project { 项目金额: money }
limit 年度上限: 150万元 per enterprise per year
clause 认定奖励 {
  source "第一条"
  department "科技局"
  matter "研发中心"
  subject enterprise
  when 认定
  award 100万元
  limit 年度上限
}
clause 中心项目补助 {
  source "第二条"
  department "科技局"
  matter "研发中心"
  subject enterprise
  per project
  item "中心项目"
  award 项目金额
  limit 年度上限
}
clause 其他项目补助 {
  source "第三条"
  department "科技局"
  matter "其他"
  subject enterprise
  per project
  item "其他项目"
  award 项目金额
  limit 年度上限
}
"#;
    let dir = temp("across-limits");
    let pol_path = dir.join("p.pol");
    std::fs::write(&pol_path, policy).unwrap();
    let facts = serde_json::json!({
        "kind": "enterprise", "id": "E1", "attributes": {"认定": true},
        "claims": [
            {"id": "C1", "date": "2024-03-01", "item": "中心项目", "attributes": {"项目金额": "80万元"}},
            {"id": "C2", "date": "2024-04-01", "item": "其他项目", "attributes": {"项目金额": "60万元"}}
        ]
    });
    let facts_path = dir.join("f.json");
    std::fs::write(&facts_path, facts.to_string()).unwrap();
    let out = pol(&[
        "eval",
        pol_path.to_str().unwrap(),
        "--facts",
        facts_path.to_str().unwrap(),
        "--date",
        "2024-06-30",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The recognition (100万元) is higher than the centre's project (80万元), which is
    // superseded and counts towards nothing; the other project's 60万元 counts, leaving 90万元
    // of the year's 150万元 for the recognition.
    assert_eq!(
        outcome(&v, "中心项目补助"),
        ("superseded".to_string(), "0.00".to_string())
    );
    assert_eq!(
        outcome(&v, "其他项目补助"),
        ("awarded".to_string(), "600000.00".to_string())
    );
    assert_eq!(
        outcome(&v, "认定奖励"),
        ("awarded".to_string(), "900000.00".to_string())
    );
    assert_eq!(v["totals"]["paid"]["exact"], "1500000.00");
}
