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
