//! Tier tables keyed by a yes/no value, through the command line: checked like tables by an
//! enum, evaluated, explained, formatted and linted. The amounts are worked by hand below.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const HEADER: &str = r#"policy "测试〔2024〕2号" {
  title "表格测试"
  issued 2024-01-01
  effective 2024-01-01 to 2026-12-31
  funding { 市级财政: 100% }
  same_matter cumulative
}

input enterprise {
  高新技术企业: bool
  规上企业: bool
  认定级别: enum { 国家级, 省级, 市级 }
  研发费用: money
}
"#;

const YES_NO: &str = r#"
clause 高企奖励 {
  source "第一条"
  award by 高新技术企业 { true: 20万元, false: 10万元 }
}

clause 规上奖励 {
  source "第二条"
  award by 规上企业 { true: 5% * 研发费用, else: 1万元 }
}

clause 组合奖励 {
  source "第三条"
  when 高新技术企业
  award by 规上企业 { false: 2万元, true: 3万元 } + by 认定级别 { 国家级: 10万元, else: 0元 }
}
"#;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pol-tables-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .output()
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// The decision for `facts` under `policy` on 2024-06-30, as JSON.
fn eval(dir: &Path, policy: &str, facts: &str) -> Value {
    let p = write(dir, "t.pol", policy);
    let f = write(dir, "f.json", facts);
    let o = pol(&[
        "eval",
        &p,
        "--facts",
        &f,
        "--date",
        "2024-06-30",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn paid(v: &Value, clause: &str) -> String {
    let c = v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == clause)
        .unwrap_or_else(|| panic!("no {clause} in {v}"));
    c["paid"]["exact"].as_str().unwrap_or("").to_string()
}

/// The codes `pol check` reports for `policy`, in order.
fn codes(dir: &Path, policy: &str) -> Vec<String> {
    let p = write(dir, "c.pol", policy);
    let o = pol(&["check", &p, "--format", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

fn facts(high_tech: bool, large: bool, level: &str, rd: &str) -> String {
    format!(
        r#"{{"kind":"enterprise","id":"E1","attributes":{{"高新技术企业":{high_tech},"规上企业":{large},"认定级别":"{level}","研发费用":"{rd}"}}}}"#
    )
}

#[test]
fn a_yes_no_key_picks_its_row() {
    let d = dir("yes-no");
    let policy = format!("{HEADER}{YES_NO}");
    // High-tech and large, national level, 400万元 of R&D: 20万元; 5% of 400万元 = 20万元;
    // 3万元 + 10万元 = 13万元. Total 53万元.
    let v = eval(&d, &policy, &facts(true, true, "国家级", "400万元"));
    assert_eq!(paid(&v, "高企奖励"), "200000.00");
    assert_eq!(paid(&v, "规上奖励"), "200000.00");
    assert_eq!(paid(&v, "组合奖励"), "130000.00");
    assert_eq!(v["totals"]["paid"]["exact"], "530000.00");
    // Neither, provincial level: the `false` row 10万元; the `else` row 1万元; 组合奖励 is not
    // eligible (not high-tech). Total 11万元.
    let v = eval(&d, &policy, &facts(false, false, "省级", "400万元"));
    assert_eq!(paid(&v, "高企奖励"), "100000.00");
    assert_eq!(paid(&v, "规上奖励"), "10000.00");
    assert_eq!(v["totals"]["paid"]["exact"], "110000.00");
    // High-tech but not large, city level: 20万元; 1万元; 2万元 + 0元. Total 23万元.
    let v = eval(&d, &policy, &facts(true, false, "市级", "1元"));
    assert_eq!(paid(&v, "组合奖励"), "20000.00");
    assert_eq!(v["totals"]["paid"]["exact"], "230000.00");
}

#[test]
fn the_explanation_names_the_value_that_chose_the_row() {
    let d = dir("explain");
    let policy = format!("{HEADER}{YES_NO}");
    let p = write(&d, "t.pol", &policy);
    let f = write(&d, "f.json", &facts(false, true, "省级", "1元"));
    let o = pol(&[
        "eval",
        &p,
        "--facts",
        &f,
        "--date",
        "2024-06-30",
        "--explain",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("by 高新技术企业 false: 10万元"), "{text}");
}

#[test]
fn a_yes_no_table_is_checked_like_a_table_by_an_enum() {
    let d = dir("check");
    let clause = |award: &str| {
        format!(
            "{HEADER}clause 甲 {{\n  source \"一\"\n  when 规上企业 and 研发费用 > 0元 and 认定级别 == 国家级\n  award {award}\n}}\n"
        )
    };
    // Clean, with `else` standing for the missing row.
    assert_eq!(
        codes(&d, &clause("by 高新技术企业 { true: 1万元, else: 0元 }")),
        Vec::<String>::new()
    );
    // A missing row, a variant among yes/no rows, a row given twice, rows of two kinds.
    assert_eq!(
        codes(&d, &clause("by 高新技术企业 { true: 1万元 }")),
        ["E0308"]
    );
    assert_eq!(
        codes(
            &d,
            &clause("by 高新技术企业 { true: 1万元, 国家级: 2万元, else: 0元 }")
        ),
        ["E0205"]
    );
    assert_eq!(
        codes(
            &d,
            &clause("by 高新技术企业 { true: 1万元, false: 0元, true: 2万元 }")
        ),
        ["E0315"]
    );
    assert_eq!(
        codes(&d, &clause("by 高新技术企业 { true: 1万元, false: 5% }")),
        ["E0310"]
    );
    // A yes/no row in a table by an enum, and a key that is neither.
    assert_eq!(
        codes(&d, &clause("by 认定级别 { true: 1万元, else: 0元 }")),
        ["E0205"]
    );
    assert_eq!(
        codes(&d, &clause("by 研发费用 { true: 1万元, false: 0元 }")),
        ["E0307"]
    );
    // The condition says the firm is large: the `false` row is never used.
    assert_eq!(
        codes(
            &d,
            &clause("by 规上企业 { true: 1万元, false: 2万元 } + by 高新技术企业 { true: 1元, false: 0元 }")
        ),
        ["W0303"]
    );
}

#[test]
fn a_yes_no_table_formats_like_any_table() {
    let d = dir("fmt");
    let messy = format!(
        "{HEADER}clause 甲 {{\n  source \"一\"\n  award by 高新技术企业{{true:20万元,false :10万元}} + by 规上企业 {{ false: 1万元, else: 2万元 }}\n}}\n"
    );
    let p = write(&d, "f.pol", &messy);
    let o = pol(&["fmt", &p]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let formatted = std::fs::read_to_string(&p).unwrap();
    assert!(
        formatted.contains(
            "award by 高新技术企业 { true: 20万元, false: 10万元 } + by 规上企业 { false: 1万元, else: 2万元 }"
        ),
        "{formatted}"
    );
    // Formatting again changes nothing.
    let o = pol(&["fmt", "--check", &p]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

// ------------------------------------------------------------------ named tables

const NAMED_INPUTS: &str = r#"policy "测试〔2024〕3号" {
  title "命名表测试"
  issued 2024-01-01
  effective 2024-01-01 to 2026-12-31
  funding { 市级财政: 100% }
  same_matter cumulative
}

input enterprise {
  销售收入: money
  上年销售收入: money
  认定级别: enum { 国家级, 省级, 无 }
  孵化器级别: enum { 国家级, 省级, 市级, 无 }
  高新技术企业: bool
  耕地面积: quantity 亩
}

input project {
  合同金额: money
  重点项目: bool
}

param 基础奖: money = 5万元
"#;

/// Named tables declared once and looked up by several clauses, with values of two enums that
/// share variant names, a yes/no value, a quantity and a claim's input.
const NAMED: &str = r#"
table 销售档 = bracket { < 1000万元: 0元, >= 1000万元 and < 5000万元: 10万元, >= 5000万元: 30万元 }
table 级别奖 = by { 国家级: 100万元, 省级: 50万元, else: 0元 }
table 高企系数 = by { true: 120%, false: 100% }
table 面积档 = bracket { < 100亩: 0元, >= 100亩: 基础奖 * 2 }
table 合同档 = bracket { < 100万元: 5%, >= 100万元: 10% }

let 销售奖 = 销售档(销售收入)

clause 销售奖励 {
  source "第一条"
  award 销售奖 * 高企系数(高新技术企业)
}

clause 增长奖励 {
  source "第二条"
  when 销售档(销售收入) > 销售档(上年销售收入)
  award 销售档(销售收入) - 销售档(上年销售收入)
}

clause 认定奖励 {
  source "第三条"
  award 级别奖(认定级别) + 级别奖(孵化器级别)
}

clause 面积奖励 {
  source "第四条"
  award 面积档(耕地面积)
}

clause 合同奖励 {
  source "第五条"
  per project
  award 合同档(合同金额) of 合同金额
  cap 高企系数(重点项目) * 10万元 per project
}
"#;

/// The same policy with every table written out where it is looked up.
const WRITTEN_OUT: &str = r#"
let 销售奖 = bracket 销售收入 { < 1000万元: 0元, >= 1000万元 and < 5000万元: 10万元, >= 5000万元: 30万元 }

clause 销售奖励 {
  source "第一条"
  award 销售奖 * by 高新技术企业 { true: 120%, false: 100% }
}

clause 增长奖励 {
  source "第二条"
  when bracket 销售收入 { < 1000万元: 0元, >= 1000万元 and < 5000万元: 10万元, >= 5000万元: 30万元 } > bracket 上年销售收入 { < 1000万元: 0元, >= 1000万元 and < 5000万元: 10万元, >= 5000万元: 30万元 }
  award bracket 销售收入 { < 1000万元: 0元, >= 1000万元 and < 5000万元: 10万元, >= 5000万元: 30万元 } - bracket 上年销售收入 { < 1000万元: 0元, >= 1000万元 and < 5000万元: 10万元, >= 5000万元: 30万元 }
}

clause 认定奖励 {
  source "第三条"
  award by 认定级别 { 国家级: 100万元, 省级: 50万元, else: 0元 } + by 孵化器级别 { 国家级: 100万元, 省级: 50万元, else: 0元 }
}

clause 面积奖励 {
  source "第四条"
  award bracket 耕地面积 { < 100亩: 0元, >= 100亩: 基础奖 * 2 }
}

clause 合同奖励 {
  source "第五条"
  per project
  award bracket 合同金额 { < 100万元: 5%, >= 100万元: 10% } of 合同金额
  cap by 重点项目 { true: 120%, false: 100% } * 10万元 per project
}
"#;

fn firm(
    sales: &str,
    last: &str,
    level: &str,
    incubator: &str,
    high_tech: bool,
    land: &str,
    claims: &str,
) -> String {
    format!(
        r#"{{"kind":"enterprise","id":"E1","attributes":{{"销售收入":"{sales}","上年销售收入":"{last}","认定级别":"{level}","孵化器级别":"{incubator}","高新技术企业":{high_tech},"耕地面积":"{land}"}},"claims":[{claims}]}}"#
    )
}

const CLAIMS: &str = r#"{"id":"C1","date":"2024-03-01","attributes":{"合同金额":"200万元","重点项目":true}},
  {"id":"C2","date":"2024-04-01","attributes":{"合同金额":"50万元","重点项目":false}}"#;

fn claim_paid(v: &Value, clause: &str, claim: &str) -> String {
    let c = v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == clause && c["claim"] == claim)
        .unwrap_or_else(|| panic!("no {clause} {claim} in {v}"));
    c["paid"]["exact"].as_str().unwrap_or("").to_string()
}

#[test]
fn named_tables_are_looked_up_by_several_clauses() {
    let d = dir("named");
    let policy = format!("{NAMED_INPUTS}{NAMED}");
    assert_eq!(codes(&d, &policy), Vec::<String>::new());
    // Sales of 6000万元 are in the top band: 30万元, times 120% for a high-tech firm = 36万元.
    // Last year's 2000万元 were in the middle band (10万元): growth 30万元 - 10万元 = 20万元.
    // National recognition 100万元, a city-level incubator falls to `else`: 0元. 150亩 is at
    // least 100亩: 基础奖 5万元 * 2 = 10万元. C1: 10% of 200万元 = 20万元, capped at 120% of
    // 10万元 = 12万元 (a key project); C2: 5% of 50万元 = 2.5万元, under its 10万元 cap.
    // Total 36 + 20 + 100 + 10 + 12 + 2.5 = 180.5万元.
    let v = eval(
        &d,
        &policy,
        &firm(
            "6000万元",
            "2000万元",
            "国家级",
            "市级",
            true,
            "150亩",
            CLAIMS,
        ),
    );
    assert_eq!(paid(&v, "销售奖励"), "360000.00");
    assert_eq!(paid(&v, "增长奖励"), "200000.00");
    assert_eq!(paid(&v, "认定奖励"), "1000000.00");
    assert_eq!(paid(&v, "面积奖励"), "100000.00");
    assert_eq!(claim_paid(&v, "合同奖励", "C1"), "120000.00");
    assert_eq!(claim_paid(&v, "合同奖励", "C2"), "25000.00");
    assert_eq!(v["totals"]["paid"]["exact"], "1805000.00");
    // Sales of 800万元 (bottom band, 0元), down from 1200万元: no growth award. No recognition,
    // a provincial incubator: 50万元. 99.5亩 is below 100亩: 0元. Total 50万元.
    let v = eval(
        &d,
        &policy,
        &firm("800万元", "1200万元", "无", "省级", false, "99.5亩", ""),
    );
    assert_eq!(paid(&v, "认定奖励"), "500000.00");
    assert_eq!(v["totals"]["paid"]["exact"], "500000.00");
}

#[test]
fn a_named_table_decides_as_the_table_written_out_in_place() {
    let d = dir("same");
    let named = format!("{NAMED_INPUTS}{NAMED}");
    let written = format!("{NAMED_INPUTS}{WRITTEN_OUT}");
    let cases = [
        firm(
            "6000万元",
            "2000万元",
            "国家级",
            "市级",
            true,
            "150亩",
            CLAIMS,
        ),
        firm(
            "5000万元",
            "4999.99万元",
            "省级",
            "国家级",
            false,
            "100亩",
            CLAIMS,
        ),
        firm("999.99万元", "0元", "无", "无", true, "0亩", CLAIMS),
        firm(
            "1000万元",
            "6000万元",
            "国家级",
            "省级",
            true,
            "99.99亩",
            "",
        ),
    ];
    for facts in &cases {
        let a = eval(&d, &named, facts);
        let b = eval(&d, &written, facts);
        let outcome = |v: &Value| -> Vec<(String, String, String)> {
            v["clauses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["clause"].to_string(),
                        c["outcome"].to_string(),
                        c["paid"]["exact"].to_string(),
                    )
                })
                .collect()
        };
        assert_eq!(outcome(&a), outcome(&b), "{facts}");
        assert_eq!(a["totals"], b["totals"], "{facts}");
    }
}

#[test]
fn the_explanation_of_a_looked_up_bracket_shows_its_row() {
    let d = dir("named-explain");
    let policy = format!("{NAMED_INPUTS}{NAMED}");
    let p = write(&d, "t.pol", &policy);
    let f = write(
        &d,
        "f.json",
        &firm("6000万元", "2000万元", "国家级", "市级", true, "150亩", ""),
    );
    let o = pol(&[
        "eval",
        &p,
        "--facts",
        &f,
        "--date",
        "2024-06-30",
        "--explain",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("耕地面积 150亩 is in the row `>= 100亩`: 10万元"),
        "{text}"
    );
    assert!(
        text.contains("= 级别奖(认定级别) + 级别奖(孵化器级别) = 100万元 + 0元 = 100万元"),
        "{text}"
    );
}

#[test]
fn named_tables_are_checked_once_and_at_each_look_up() {
    let d = dir("named-check");
    let with = |decls: &str, award: &str| {
        format!("{NAMED_INPUTS}{decls}\nclause 甲 {{\n  source \"一\"\n  per project\n  when 重点项目 and 高新技术企业 and 合同金额 > 0元 and 上年销售收入 > 0元 and 耕地面积 > 0亩 and 基础奖 > 0元 and (认定级别 == 国家级 or 孵化器级别 == 市级)\n  award {award}\n}}\n")
    };
    let tier = "table 级别奖 = by { 国家级: 100万元, 省级: 50万元, 无: 0元 }";
    // Clean: the rows name every variant of 认定级别.
    assert_eq!(
        codes(&d, &with(tier, "级别奖(认定级别) + 销售收入 * 0%")),
        Vec::<String>::new()
    );
    // 孵化器级别 has 市级, which has no row; 销售收入 is no enum; two values; no such table.
    assert_eq!(
        codes(&d, &with(tier, "级别奖(孵化器级别) + 销售收入 * 0%")),
        ["E0308"]
    );
    assert_eq!(codes(&d, &with(tier, "级别奖(销售收入)")), ["E0321"]);
    assert_eq!(
        codes(&d, &with(tier, "级别奖(认定级别, 销售收入)")),
        ["E0320"]
    );
    assert_eq!(
        codes(&d, &with(tier, "级别表(认定级别) + 销售收入 * 0%")),
        ["E0201"]
    );
    assert_eq!(codes(&d, &with(tier, "级别奖 + 销售收入 * 0%")), ["E0206"]);
    assert_eq!(codes(&d, &with(tier, "销售收入(认定级别)")), ["E0206"]);
    // A row no enum of the argument has: E0205 at the look-up.
    let city = "table 级别奖 = by { 国家级: 100万元, 市级: 10万元, else: 0元 }";
    assert_eq!(
        codes(&d, &with(city, "级别奖(认定级别) + 销售收入 * 0%")),
        ["E0205"]
    );
    // Declarations: rows out of order, in two units, of two kinds; a table in a table's rows;
    // a table named like a function; a table nothing looks up.
    let use_sales = "销售档(销售收入)";
    for (decl, code) in [
        (
            "table 销售档 = bracket { >= 1000万元: 1元, < 1000万元: 0元 }",
            "E0309",
        ),
        (
            "table 销售档 = bracket { < 1000万元: 0元, >= 10亩: 1元 }",
            "E0302",
        ),
        (
            "table 销售档 = bracket { < 1000万元: 0元, >= 1000万元: 1% }",
            "E0310",
        ),
        ("table 销售档 = bracket { }", "E0309"),
    ] {
        assert_eq!(codes(&d, &with(decl, use_sales)), [code], "{decl}");
    }
    assert_eq!(
        codes(
            &d,
            &with(
                "table 高企奖 = by { true: 1元, 国家级: 2元, false: 0元 }",
                "高企奖(高新技术企业) + 销售收入 * 0%"
            )
        ),
        ["E0205"]
    );
    assert_eq!(
        codes(
            &d,
            &with(
                "table 高企奖 = by { true: 1元 }",
                "高企奖(高新技术企业) + 销售收入 * 0%"
            )
        ),
        ["E0308"]
    );
    assert_eq!(
        codes(
            &d,
            &with(
                "table 销售档 = bracket { < 1000万元: 0元, >= 1000万元: 1元 }\ntable 级别奖 = by { 国家级: 销售档(销售收入), else: 0元 }",
                "级别奖(认定级别)"
            )
        ),
        ["E0322"]
    );
    assert_eq!(
        codes(&d, &with("table max = by { else: 1元 }", "销售收入 * 0%")),
        ["E0206"]
    );
    assert_eq!(codes(&d, &with(tier, "销售收入 * 0%")), ["W0318"]);
    // A claim's input in a table's rows, looked up by a clause evaluated once per subject.
    let policy = format!("{NAMED_INPUTS}table 合同奖 = by {{ true: 合同金额 * 10%, false: 0元 }}\nclause 乙 {{\n  source \"二\"\n  when 销售收入 > 0元 and 上年销售收入 > 0元 and 耕地面积 > 0亩 and 基础奖 > 0元 and 认定级别 == 国家级 and 孵化器级别 == 国家级\n  award 合同奖(高新技术企业)\n}}\n");
    assert_eq!(codes(&d, &policy), ["E0314"]);
    // A table whose rows use a let that looks the table up.
    let policy = format!("{NAMED_INPUTS}table 循环 = by {{ 国家级: 循环奖, else: 0元 }}\nlet 循环奖 = 循环(认定级别)\nclause 乙 {{\n  source \"二\"\n  award 循环奖\n}}\n");
    assert!(codes(&d, &policy).contains(&"E0316".to_string()));
}

#[test]
fn rows_no_look_up_reaches_are_reported_once_for_the_table() {
    let d = dir("named-lint");
    let policy = format!(
        "{NAMED_INPUTS}{}",
        r#"
table 销售档 = bracket { < 1000万元: 0元, >= 1000万元 and < 5000万元: 10万元, >= 5000万元: 30万元 }
table 级别奖 = by { 国家级: 100万元, 省级: 50万元, 无: 0元 }

clause 甲 {
  source "一"
  when 销售收入 >= 1000万元 and 认定级别 != 无
  award 销售档(销售收入) + 级别奖(认定级别)
}

clause 乙 {
  source "二"
  per project
  when 上年销售收入 >= 2000万元 and 认定级别 == 国家级 and 孵化器级别 == 国家级 and 高新技术企业 and 耕地面积 > 0亩 and 基础奖 > 0元 and 合同金额 > 0元 and 重点项目
  award 销售档(上年销售收入) + 级别奖(认定级别)
}
"#
    );
    // No look-up places less than 1000万元 in 销售档, nor 无 in 级别奖 (the `无: 0元` row is
    // a variant of its own, not `else`). The middle band and 省级 are reached by 甲.
    assert_eq!(codes(&d, &policy), ["W0303", "W0303"]);
}

#[test]
fn named_tables_format_like_brackets() {
    let d = dir("named-fmt");
    let messy = format!(
        "{NAMED_INPUTS}table   销售档=bracket{{<1000万元:0元,>=1000万元 and <5000万元:10万元,>=5000万元 and < 1亿元:30万元, >= 1亿元: 50万元, # 一亿以上\n}}\ntable 高企系数=by{{true:120%,false:100%}}\nclause 甲 {{\n  source \"一\"\n  award 销售档 ( 销售收入 )*高企系数(高新技术企业)\n}}\n"
    );
    let p = write(&d, "f.pol", &messy);
    let o = pol(&["fmt", &p]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let formatted = std::fs::read_to_string(&p).unwrap();
    assert!(
        formatted.contains(
            "table 销售档 = bracket {\n  < 1000万元: 0元\n  >= 1000万元 and < 5000万元: 10万元\n  >= 5000万元 and < 1亿元: 30万元\n  >= 1亿元: 50万元 # 一亿以上\n}\ntable 高企系数 = by { true: 120%, false: 100% }\n"
        ),
        "{formatted}"
    );
    assert!(
        formatted.contains("  award 销售档(销售收入) * 高企系数(高新技术企业)\n"),
        "{formatted}"
    );
    let o = pol(&["fmt", "--check", &p]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn a_population_is_simulated_through_named_tables() {
    let d = dir("named-simulate");
    let p = write(&d, "t.pol", &format!("{NAMED_INPUTS}{NAMED}"));
    // Two firms without claims: 36 + 20 + 100 + 10 = 166万元 (as above), and 50万元.
    let csv = "id,销售收入,上年销售收入,认定级别,孵化器级别,高新技术企业,耕地面积\nE1,6000万元,2000万元,国家级,市级,true,150亩\nE2,800万元,1200万元,无,省级,false,99.5亩\n";
    let pop = write(&d, "p.csv", csv);
    let o = pol(&[
        "simulate",
        &p,
        "--population",
        &pop,
        "--date",
        "2024-06-30",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["paid"]["exact"], "2160000.00", "{summary}");
}

#[test]
fn a_named_bracket_is_held_to_the_wording_quoted_above_it() {
    let d = dir("named-wording");
    let policy = format!(
        "{NAMED_INPUTS}# 销售收入超过1000万元的，奖励10万元\ntable 销售档 = bracket {{ < 1000万元: 0元, >= 1000万元: 10万元 }}\nclause 甲 {{\n  source \"一\"\n  when 上年销售收入 > 0元 and 耕地面积 > 0亩 and 基础奖 > 0元 and 高新技术企业 and 重点项目 and (认定级别 == 国家级 or 孵化器级别 == 市级)\n  per project\n  award 销售档(销售收入) + 合同金额 * 0%\n}}\n"
    );
    // 超过 leaves 1000万元 out of the upper band: `>= 1000万元` puts it in.
    assert_eq!(codes(&d, &policy), ["W0314"]);
}

#[test]
fn rows_that_read_a_claim_are_computed_for_each_claim() {
    let d = dir("named-claims");
    let policy = format!(
        "{NAMED_INPUTS}{}",
        r#"
table 合同奖 = by { true: 合同金额 * 10%, false: 0元 }
let 合同奖励额 = 合同奖(重点项目)

clause 甲 {
  source "一"
  item "项目"
  per project
  when 销售收入 >= 0元 and 上年销售收入 >= 0元 and 耕地面积 >= 0亩 and 基础奖 > 0元 and 高新技术企业 and (认定级别 == 国家级 or 孵化器级别 == 市级)
  award 合同奖(重点项目)
}

clause 乙 {
  source "二"
  item "项目"
  per project
  award 合同奖励额
}
"#
    );
    // C1, a key project: 10% of 200万元 = 20万元, in each clause; C2 is no key project: the
    // `false` row, 0元. A value computed once per subject would pay C2 the 20万元 of C1.
    let v = eval(
        &d,
        &policy,
        &firm("1元", "1元", "国家级", "市级", true, "1亩", CLAIMS),
    );
    for clause in ["甲", "乙"] {
        assert_eq!(claim_paid(&v, clause, "C1"), "200000.00");
        assert_eq!(claim_paid(&v, clause, "C2"), "0.00");
    }
    assert_eq!(v["totals"]["paid"]["exact"], "400000.00");
}
