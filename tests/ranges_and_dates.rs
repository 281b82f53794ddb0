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
/// project, for the firm that needs the key technology. Two contracts of 400万元 each: one
/// dated before the evaluation date 2024-05-01 (pays 100万元), one after it (not yet).
const TWO_CONTRACTS: &str = r#"{"kind": "enterprise", "id": "E1", "attributes": {}, "claims": [
  {"id": "C1", "date": "2024-03-01", "item": "科技项目", "attributes": {"揭榜挂帅项目": true, "列入市级科技项目": false, "关键技术需求企业": true, "技术合同成交额": "400万元"}},
  {"id": "C2", "date": "2024-06-01", "item": "科技项目", "attributes": {"揭榜挂帅项目": true, "列入市级科技项目": false, "关键技术需求企业": true, "技术合同成交额": "400万元"}}
]}"#;

fn eval_two_contracts(date: &str, more: &[&str]) -> Output {
    let dir = temp("dates-eval");
    // Tests run in parallel: each run gets a file of its own.
    let facts = dir.join(format!("facts-{date}-{}.json", more.join("")));
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

    // The evaluation date itself is included: as of 2024-06-01 both contracts are paid.
    let o = eval_two_contracts("2024-06-01", &["--format", "json"]);
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["totals"]["paid"]["exact"], "2000000.00", "{d}");
}

#[test]
fn the_library_gives_not_yet_too() {
    use pol::{Facts, Options, Outcome, PolicySet};
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(POLICY_15))
            .unwrap();
    let set = PolicySet::compile(&[("15号", &text)]).unwrap();
    let facts = Facts::from_json(TWO_CONTRACTS).unwrap();
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
        "id,claim_id,claim_date,item,揭榜挂帅项目,列入市级科技项目,关键技术需求企业,技术合同成交额\n\
         1,C1,2024-03-01,科技项目,1,0,1,400万元\n\
         1,C2,2024-06-01,科技项目,1,0,1,400万元\n",
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

// ----------------------------------------------------------------------------------- ranges

/// Institution facts for 嘉政发〔2023〕15号 第九条 (仪器共享创新券奖励): a unit on the sharing
/// platform with a sharing rate of at least 80% gets 10% of the innovation vouchers redeemed.
/// The sharing rate is a share, declared `in 0%..100%`.
fn sharing_facts(rate: &str) -> String {
    format!(
        r#"{{"kind": "institution", "id": "I1", "attributes": {{"共享平台单位": true, "仪器共享率": {rate}, "创新券兑付金额": "100万元"}}}}"#
    )
}

fn eval_15(facts: &str, more: &[&str]) -> Output {
    let dir = temp("ranges-eval");
    // Tests run in parallel: each set of facts gets a file of its own.
    let unique: u32 = facts
        .chars()
        .map(u32::from)
        .fold(7, |h, c| h.wrapping_mul(31).wrapping_add(c));
    let path = dir.join(format!("facts-{unique}-{}.json", more.len()));
    std::fs::write(&path, facts).unwrap();
    let mut args = vec![
        "eval",
        POLICY_15,
        "--facts",
        path.to_str().unwrap(),
        "--date",
        "2024-05-01",
    ];
    args.extend_from_slice(more);
    pol(&args)
}

#[test]
fn a_sharing_rate_above_its_range_is_refused_naming_field_value_and_range() {
    let o = eval_15(&sharing_facts(r#""120%""#), &[]);
    assert_eq!(o.status.code(), Some(1));
    let text = stderr(&o);
    assert!(
        text.contains("`仪器共享率` must be within `0%..100%`, but the facts give \"120%\""),
        "{text}"
    );
    assert!(text.contains("F0150"), "{text}");

    let o = eval_15(&sharing_facts(r#""120%""#), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = &d["problems"][0];
    assert_eq!(p["code"], "F0150", "{d}");
    assert_eq!(p["name"], "仪器共享率");
    assert_eq!(p["expected"], "0%..100%");
    assert_eq!(p["found"], "\"120%\"");
    assert_eq!(p["path"], "attributes.仪器共享率");

    // Both bounds are included: at 100%, 10% of 100万元 is 10万元.
    let o = eval_15(&sharing_facts(r#""100%""#), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["totals"]["paid"]["exact"], "100000.00", "{d}");

    // A bare 79 keeps its suggestion: the range `0%..100%` does not reach 79 (7900%).
    let o = eval_15(&sharing_facts("79"), &[]);
    assert_eq!(o.status.code(), Some(1));
    let text = stderr(&o);
    assert!(text.contains("did you mean `79%`?"), "{text}");
    assert!(text.contains("F0114"), "{text}");
}

/// A small policy after 15号 第一条 (10% of the R&D increase) with ranged inputs; the rate input
/// `倍率` is a made-up multiplier to exercise percentages beyond 100%.
const RANGED: &str = r#"policy "嘉政发〔2023〕15号" {
  title "支持科技创新九条政策意见"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 50%, 区级财政: 50% }
  same_matter highest
}

input enterprise {
  研发费用: money in 0元..5亿元
  研发强度: percent in 0%..100%
  倍率: percent in 0%..10000%
  开放倍率: percent in 0%..
  职工人数: count in 1..
}

input project {
  合同金额: money in 1元..
}

clause 研发投入补助 {
  source "第一条"
  when 研发强度 >= 3% and 职工人数 >= 1 and 倍率 >= 0% and 开放倍率 >= 0%
  award 10% of 研发费用
}

clause 合同补助 {
  source "第四条"
  per project
  award 25% of 合同金额
}
"#;

fn ranged_set() -> pol::PolicySet {
    pol::PolicySet::compile(&[("ranged", RANGED)]).unwrap()
}

fn evaluate_ranged(attributes: &str) -> Result<String, Vec<pol::FactProblem>> {
    use pol::{Facts, Options};
    let set = ranged_set();
    let facts = Facts::from_json(&format!(
        r#"{{"kind": "enterprise", "id": "E1", "attributes": {{{attributes}}}}}"#
    ))
    .unwrap();
    match set.evaluate(&facts, &Options::on("2024-05-01".parse().unwrap())) {
        Ok(d) => Ok(serde_json::to_value(&d).unwrap()["totals"]["paid"]["exact"].to_string()),
        Err(pol::EvalError::Facts(problems)) => Err(problems),
        Err(other) => panic!("{other:?}"),
    }
}

const BASE: &str = r#""研发费用": "100万元", "研发强度": "5%", "职工人数": 5, "开放倍率": "5%""#;

#[test]
fn a_bare_number_beyond_one_is_a_ratio_only_where_the_range_writes_it_out() {
    // `倍率: percent in 0%..10000%`: a bare 79 is the ratio 79 (7900%), within the range.
    assert_eq!(
        evaluate_ranged(&format!(r#"{BASE}, "倍率": 79"#)).unwrap(),
        "\"100000.00\""
    );
    // Beyond the written bound it is still refused with the suggestion.
    let p = evaluate_ranged(&format!(r#"{BASE}, "倍率": 1000000"#)).unwrap_err();
    assert_eq!(p[0].code, pol::ProblemCode::BarePercent, "{p:?}");
    // `开放倍率: percent in 0%..`: an open side never turns a forgotten `%` into a ratio.
    let p = evaluate_ranged(
        r#""研发费用": "100万元", "研发强度": "5%", "职工人数": 5, "倍率": "5%", "开放倍率": 79"#,
    )
    .unwrap_err();
    assert_eq!(p[0].code, pol::ProblemCode::BarePercent, "{p:?}");
    assert_eq!(p[0].hint.as_deref(), Some("79%"));
}

#[test]
fn counts_and_plain_amounts_outside_their_range_are_refused() {
    let p = evaluate_ranged(
        r#""研发费用": "100万元", "研发强度": "5%", "职工人数": 0, "倍率": "5%", "开放倍率": "5%""#,
    )
    .unwrap_err();
    assert_eq!(p[0].code, pol::ProblemCode::OutOfRange, "{p:?}");
    assert_eq!(
        p[0].message(),
        "`职工人数` must be within `1..`, but the facts give 0"
    );
    // A plain amount, the form the fast reader takes, is held to the range too.
    let p = evaluate_ranged(r#""研发费用": "500000000.01", "研发强度": "5%", "职工人数": 5, "倍率": "5%", "开放倍率": "5%""#)
        .unwrap_err();
    assert_eq!(p[0].code, pol::ProblemCode::OutOfRange, "{p:?}");
    assert_eq!(p[0].expected.as_deref(), Some("0元..5亿元"));
    // Exactly 5亿元 is allowed.
    assert!(evaluate_ranged(r#""研发费用": "500000000", "研发强度": "5%", "职工人数": 5, "倍率": "5%", "开放倍率": "5%""#).is_ok());
}

#[test]
fn a_claim_attribute_outside_its_range_is_refused() {
    use pol::{Facts, Options};
    let facts = Facts::from_json(
        r#"{"kind": "enterprise", "id": "E1", "attributes": {},
            "claims": [{"id": "C1", "date": "2024-03-01", "attributes": {"合同金额": "0元"}}]}"#,
    )
    .unwrap();
    let Err(pol::EvalError::Facts(p)) =
        ranged_set().evaluate(&facts, &Options::on("2024-05-01".parse().unwrap()))
    else {
        panic!("the claim is refused")
    };
    assert_eq!(p[0].code, pol::ProblemCode::OutOfRange, "{p:?}");
    assert_eq!(p[0].path, "claims[0].attributes.合同金额");
}

#[test]
fn population_cells_outside_their_range_fail_their_subject() {
    let dir = temp("ranges-sim");
    let policy = dir.join("ranged.pol");
    std::fs::write(&policy, RANGED).unwrap();
    let run = |name: &str, population: &str| {
        let path = dir.join(name);
        std::fs::write(&path, population).unwrap();
        let out = dir.join(format!("out-{name}.csv"));
        let o = pol(&[
            "simulate",
            policy.to_str().unwrap(),
            "--population",
            path.to_str().unwrap(),
            "--date",
            "2024-05-01",
            "--out",
            out.to_str().unwrap(),
            "--columns",
            "line,subject,total,error",
        ]);
        (o, std::fs::read_to_string(&out).unwrap_or_default())
    };
    // Row 2: a plain amount above 5亿元 (the cell the fast path reads); row 3 within range;
    // row 4: a share above 100%.
    let (o, rows) = run(
        "p.csv",
        "id,研发费用,研发强度,职工人数,倍率,开放倍率\n\
         1,600000000,5%,5,5%,5%\n\
         2,1000000,5%,5,5%,5%\n\
         3,1000000,120%,5,5%,5%\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines: Vec<&str> = rows.lines().collect();
    assert!(
        lines[1].contains(
            "(F0150): `研发费用` must be within `0元..5亿元`, but the facts give \"\"600000000\"\""
        ),
        "{rows}"
    );
    assert_eq!(lines[2], "3,2,100000.00,", "{rows}");
    assert!(
        lines[3].contains("`研发强度` must be within `0%..100%`"),
        "{rows}"
    );

    let (o, rows) = run(
        "p.jsonl",
        "{\"id\": 1, \"研发费用\": \"100万元\", \"研发强度\": \"5%\", \"职工人数\": 0, \"倍率\": \"5%\", \"开放倍率\": \"5%\"}\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        rows.contains("`职工人数` must be within `1..`, but the facts give 0"),
        "{rows}"
    );
}

fn codes(text: &str) -> Vec<String> {
    pol::check(&[("t.pol", text)])
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code.to_string())
        .collect()
}

fn with_inputs(inputs: &str) -> String {
    let head = RANGED.split("input enterprise").next().unwrap();
    format!(
        "{head}input enterprise {{\n  研发费用: money\n{inputs}\n}}\n\nclause c {{\n  source \"第一条\"\n  subject enterprise\n  award 10% of 研发费用\n}}\n"
    )
}

#[test]
fn the_checker_holds_ranges_to_the_input_type() {
    assert_eq!(codes(RANGED), Vec::<String>::new());
    assert_eq!(codes(&with_inputs("  a: bool in 0..1")), ["E0340"]);
    assert_eq!(codes(&with_inputs("  a: date in 2024-01-01..")), ["E0101"]);
    assert_eq!(codes(&with_inputs("  a: enum { x, y } in 0..1")), ["E0340"]);
    assert_eq!(codes(&with_inputs("  a: text in 0..1")), ["E0340"]);
    assert_eq!(
        codes(&with_inputs("  a: percent in 0..1")),
        ["E0341", "E0341"]
    );
    assert_eq!(codes(&with_inputs("  a: money in 0%..")), ["E0341"]);
    assert_eq!(codes(&with_inputs("  a: count in 1.5..")), ["E0341"]);
    assert_eq!(codes(&with_inputs("  a: quantity 亩 in 0元..")), ["E0341"]);
    assert_eq!(
        codes(&with_inputs("  a: quantity 亩 in 0亩..")),
        Vec::<String>::new()
    );
    assert_eq!(codes(&with_inputs("  a: money in 5亿元..0元")), ["E0342"]);
    assert_eq!(
        codes(&with_inputs("  a: count in 1..1")),
        Vec::<String>::new()
    );
    assert_eq!(codes(&with_inputs("  a: count in 1.. = 0")), ["E0343"]);
    assert_eq!(codes(&with_inputs("  a: percent in ..")), ["E0101"]);
    // The range is part of the type: two blocks must agree on it.
    let two = with_inputs("  a: count in 1..").replace(
        "clause c",
        "input institution {\n  a: count in 0..\n}\n\nclause c",
    );
    assert_eq!(codes(&two), ["E0313"]);
}

#[test]
fn the_schema_carries_minimum_and_maximum_for_ranged_inputs() {
    let o = pol(&["schema", POLICY_15, "--subject", "institution"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rate = &schema["properties"]["attributes"]["properties"]["仪器共享率"];
    let number = rate["anyOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "number")
        .unwrap();
    // A percentage's number is a ratio: 0%..100% is 0 to 1, without a bare 1, which could
    // mean 100% or 1% (F0172).
    assert_eq!(
        (&number["minimum"], &number["exclusiveMaximum"]),
        (&0.into(), &1.into())
    );
    assert!(number.get("maximum").is_none(), "{number}");
    assert!(rate["description"]
        .as_str()
        .unwrap()
        .contains("within `0%..100%`"));

    let dir = temp("ranges-schema");
    let policy = dir.join("ranged.pol");
    std::fs::write(&policy, RANGED).unwrap();
    let o = pol(&[
        "schema",
        policy.to_str().unwrap(),
        "--subject",
        "enterprise",
    ]);
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let v = jsonschema::draft202012::new(&schema).unwrap();
    let facts = |attrs: serde_json::Value| serde_json::json!({"kind": "enterprise", "id": "E1", "attributes": attrs});
    assert!(v.is_valid(&facts(
        serde_json::json!({"研发费用": 500000000, "职工人数": 1, "倍率": 79})
    )));
    assert!(!v.is_valid(&facts(serde_json::json!({"研发费用": 500000001}))));
    assert!(!v.is_valid(&facts(serde_json::json!({"职工人数": 0}))));
    assert!(!v.is_valid(&facts(serde_json::json!({"研发强度": 1.2}))));
    assert!(!v.is_valid(&facts(serde_json::json!({"倍率": 101}))));
}

#[test]
fn fmt_keeps_the_range() {
    use std::io::Write;
    let messy = RANGED
        .replace(
            "研发强度: percent in 0%..100%",
            "研发强度 :percent   in  0%..100%",
        )
        .replace("职工人数: count in 1..", "职工人数:count in 1..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(["fmt", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(messy.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let text = stdout(&o);
    assert!(text.contains("  研发强度: percent in 0%..100%\n"), "{text}");
    assert!(text.contains("  职工人数: count in 1..\n"), "{text}");
    assert!(text.contains("  研发费用: money in 0元..5亿元\n"), "{text}");
}

/// A year written with two digits (`24-03-01`) was read as the year 24: a claim dated so was
/// paid as if 2000 years before the evaluation date. Every date, in facts, in a population, on
/// the command line, is refused unless its year has four digits.
#[test]
fn a_date_whose_year_is_not_four_digits_is_refused_everywhere() {
    let dir = temp("dates-two-digit-year");
    let facts = dir.join("f.json");
    std::fs::write(&facts, TWO_CONTRACTS.replace("2024-03-01", "24-03-01")).unwrap();
    let o = pol(&[
        "eval",
        POLICY_15,
        "--facts",
        facts.to_str().unwrap(),
        "--date",
        "2024-05-01",
    ]);
    let text = stdout(&o) + &stderr(&o);
    assert_ne!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("year with four digits"), "{text}");
    let o = eval_two_contracts("24-05-01", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("year with four digits"),
        "{}",
        stderr(&o)
    );
    let population = dir.join("p.csv");
    std::fs::write(
        &population,
        "id,claim_id,claim_date,item,揭榜挂帅项目,列入市级科技项目,关键技术需求企业,技术合同成交额\n\
         1,C1,24-03-01,科技项目,1,0,1,400万元\n",
    )
    .unwrap();
    let o = pol(&[
        "simulate",
        POLICY_15,
        "--population",
        population.to_str().unwrap(),
        "--date",
        "2024-05-01",
        "--out",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("year with four digits"),
        "{}",
        stdout(&o)
    );
}
