//! Percentages given as bare numbers next to others refused as percentage points (attack run 15,
//! F19): in a column written in percentage points (`79`, `3`, `1`, `0.8`), `79` and `1` are
//! refused (F0114, F0172) but `0.8` reads as the ratio 80%, a hundred times what was meant,
//! and fixing the refused cells left it so without a word. Now the column's other bare numbers
//! are counted and warned about (F0173), in `pol simulate` whatever the chunks and threads, and
//! in `pol eval` value by value.
//!
//! The policy is made up (a 测试 document): these tests are about how values are read, not
//! about what a real policy pays.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A subject percentage with refused cells (`比例`), one without (`率`), and a claim's
/// percentage (`项比例`).
const POLICY: &str = r#"policy "测试〔2024〕7号" {
  title "t"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 甲: 100% }
  same_matter cumulative
}
input enterprise {
  金额: money
  比例: percent
  率: percent
}
input project {
  额: money
  项比例: percent
}
clause 全额 {
  source "第一条"
  award 比例 of 金额
}
clause 另额 {
  source "第二条"
  award 率 of 金额
}
clause 项目 {
  source "第三条"
  per project
  award 项比例 of 额
}
"#;

/// One block of subjects (`{b}` is the block's number): subjects of one row (read straight
/// from their cells) and of claim rows (read as facts). `比例`: 79 and 1 refused, 0.8, 0.3, 0.3
/// and 0.6 read as ratios; `率`: only ratios and a percentage; `项比例`: 5 refused, 0.5 and 0.7
/// read as ratios. Three subjects fail: 1, 3 and 5.
const CSV_BLOCK: &str = "{b}1,,,100,79,0.5,,\n\
    {b}2,,,100,0.8,0.25,,\n\
    {b}3,,,100,1,10%,,\n\
    {b}4,,,100,12%,0.1,,\n\
    {b}5,P1,2024-03-01,100,0.3,0.2,100,5\n\
    {b}5,P2,2024-03-02,100,0.3,0.2,100,0.5\n\
    {b}6,P1,2024-03-01,100,0.6,,100,0.7\n\
    {b}7,,,100,,,,\n";

/// The same rows as JSON Lines, numbers given as JSON numbers and as text.
const JSONL_BLOCK: &str = r#"{"id":"{b}1","金额":100,"比例":79,"率":0.5}
{"id":"{b}2","金额":"100","比例":"0.8","率":0.25}
{"id":"{b}3","金额":100,"比例":1,"率":"10%"}
{"id":"{b}4","金额":100,"比例":"12%","率":"0.1"}
{"id":"{b}5","claim_id":"P1","claim_date":"2024-03-01","金额":100,"比例":0.3,"率":0.2,"额":100,"项比例":5}
{"id":"{b}5","claim_id":"P2","claim_date":"2024-03-02","金额":100,"比例":0.3,"率":0.2,"额":100,"项比例":"0.5"}
{"id":"{b}6","claim_id":"P1","claim_date":"2024-03-01","金额":100,"比例":"0.6","额":100,"项比例":0.7}
{"id":"{b}7","金额":100}
"#;

/// Blocks in a population: a file of several hundred kilobytes, so that it is read in many
/// chunks at a small chunk size and in a few at the default one.
const BLOCKS: usize = 1000;

/// `BLOCKS` blocks of `block`, in subject id order.
fn population(block: &str) -> String {
    (0..BLOCKS)
        .map(|b| block.replace("{b}", &format!("{b:05}")))
        .collect()
}

fn pol_in(dir: &Path, args: &[&str]) -> Output {
    // POL_BIN runs the tests against another build (to see them fail on one before a fix).
    let pol = std::env::var("POL_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_pol").to_string());
    Command::new(pol)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// A fresh folder of its own for one test, holding p.pol, p.csv and p.jsonl.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pol-bare-percent-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("p.pol"), POLICY).unwrap();
    let header = "id,claim_id,claim_date,金额,比例,率,额,项比例\n";
    std::fs::write(
        dir.join("p.csv"),
        header.to_string() + &population(CSV_BLOCK),
    )
    .unwrap();
    std::fs::write(dir.join("p.jsonl"), population(JSONL_BLOCK)).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The warning about a column's bare percentages, as standard error and the summary say it.
fn warning(column: &str, refused: &str, ratios: &str) -> String {
    format!(
        "pol: warning: column `{column}`: {refused} refused as percentage points (F0114/F0172) \
         and {ratios} (0.8 = 80%); check them and write each with `%` (`0.8%` or `80%`); see \
         `pol explain F0173`"
    )
}

/// `pol simulate` of `population` with `extra` options: the exit status, the warnings about
/// bare percentages on standard error, and the summary's `bare_percent_columns` (when a
/// summary is written).
fn bare_report(dir: &Path, population: &str, extra: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let _ = std::fs::remove_file(dir.join("s.json"));
    let mut args = vec![
        "simulate",
        "p.pol",
        "--population",
        population,
        "--date",
        "2024-05-01",
        "--out",
        "r.csv",
        "--summary",
        "s.json",
    ];
    args.extend_from_slice(extra);
    let o = pol_in(dir, &args);
    let warnings = text(&o.stderr)
        .lines()
        .filter(|l| l.contains("F0173"))
        .map(String::from)
        .collect();
    let summary = std::fs::read_to_string(dir.join("s.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .map(|s| s["bare_percent_columns"].to_string())
        .unwrap_or_default();
    (o.status.code(), warnings, summary)
}

/// The chunk sizes and threads every run is tried with: the smallest chunks (pol reads 64 KiB
/// at a time, cut at a subject), small ones on two threads, and the default (256 KiB).
const RUNS: [&[&str]; 4] = [
    &["--chunk-size", "1"],
    &["--chunk-size", "64", "--threads", "2"],
    &[],
    &["--threads", "1"],
];

#[test]
fn a_column_with_bare_percentages_refused_warns_of_its_bare_ratios_in_csv_and_json_lines_only() {
    let dir = temp("columns");
    let expected = vec![
        warning(
            "比例",
            "2000 bare values were",
            "4000 other bare values were read as ratios",
        ),
        warning(
            "项比例",
            "1000 bare values were",
            "2000 other bare values were read as ratios",
        ),
    ];
    let summary = r#"[{"name":"比例","read_as_ratios":4000,"refused":2000},{"name":"项比例","read_as_ratios":2000,"refused":1000}]"#;
    for population in ["p.csv", "p.jsonl"] {
        for extra in RUNS {
            let (code, warnings, got) = bare_report(&dir, population, extra);
            // The refused cells fail their subjects.
            assert_eq!(code, Some(1), "{population} {extra:?}");
            // `率` has bare ratios but nothing refused: no warning.
            assert_eq!(warnings, expected, "{population} {extra:?}");
            let got: serde_json::Value = serde_json::from_str(&got).unwrap();
            let want: serde_json::Value = serde_json::from_str(summary).unwrap();
            assert_eq!(got, want, "{population} {extra:?}");
        }
    }
    // The refused cells fixed: every bare ratio left is read as written, without a warning.
    let fixed = |text: String| {
        text.replace(",79,", ",79%,")
            .replace(",1,10%", ",1%,10%")
            .replace(",100,5\n", ",100,5%\n")
            .replace("\"比例\":79,", "\"比例\":\"79%\",")
            .replace("\"比例\":1,", "\"比例\":\"1%\",")
            .replace("\"项比例\":5}", "\"项比例\":\"5%\"}")
    };
    let csv = std::fs::read_to_string(dir.join("p.csv")).unwrap();
    std::fs::write(dir.join("f.csv"), fixed(csv)).unwrap();
    let jsonl = std::fs::read_to_string(dir.join("p.jsonl")).unwrap();
    std::fs::write(dir.join("f.jsonl"), fixed(jsonl)).unwrap();
    for population in ["f.csv", "f.jsonl"] {
        for extra in RUNS {
            let (code, warnings, summary) = bare_report(&dir, population, extra);
            assert_eq!(code, Some(0), "{population} {extra:?}");
            assert!(warnings.is_empty(), "{population} {extra:?}: {warnings:?}");
            // Left out of the summary, as `ignored_columns` is when empty.
            assert_eq!(summary, "null", "{population} {extra:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_stopped_by_max_errors_counts_up_to_its_last_error_whatever_the_chunks() {
    let dir = temp("max-errors");
    // Stopped at error 1502, subject 3 of block 500 (three subjects fail per block), half
    // way through the file: the blocks before it, then 79 and 1 refused and 0.8 read as a
    // ratio; the rows after it are not counted, even in a chunk that holds them.
    let expected = vec![
        warning(
            "比例",
            "1002 bare values were",
            "2001 other bare values were read as ratios",
        ),
        warning(
            "项比例",
            "500 bare values were",
            "1000 other bare values were read as ratios",
        ),
    ];
    for population in ["p.csv", "p.jsonl"] {
        for extra in RUNS {
            let mut args = vec!["--max-errors", "1502"];
            args.extend_from_slice(extra);
            let (code, warnings, _) = bare_report(&dir, population, &args);
            assert_eq!(code, Some(1), "{population} {extra:?}");
            assert_eq!(warnings, expected, "{population} {extra:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `pol eval p.pol` of `facts` as JSON: the exit status and the output.
fn eval_json(dir: &Path, facts: &str) -> (Option<i32>, serde_json::Value) {
    std::fs::write(dir.join("f.json"), facts).unwrap();
    let o = pol_in(
        dir,
        &[
            "eval",
            "p.pol",
            "--facts",
            "f.json",
            "--date",
            "2024-05-01",
            "--format",
            "json",
        ],
    );
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code(), v)
}

/// The `(code, path)` of each problem or warning under `key`.
fn problems(v: &serde_json::Value, key: &str) -> Vec<(String, String)> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
                    (s("code"), s("path"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn facts_with_a_bare_percentage_refused_name_their_other_bare_percentages_only_then() {
    let dir = temp("eval");
    let facts = r#"{"kind": "enterprise", "id": "1",
        "attributes": {"金额": 100, "比例": 79, "率": "0.25"},
        "claims": [
          {"id": "P1", "date": "2024-03-01", "attributes": {"额": 100, "项比例": 0.5}},
          {"id": "P2", "date": "2024-03-01", "attributes": {"额": 100, "项比例": "5%"}},
          {"id": "P3", "date": "2024-03-01", "attributes": {"额": 100, "项比例": 1}}]}"#;
    let (code, v) = eval_json(&dir, facts);
    assert_eq!(code, Some(1), "{v}");
    let pair = |c: &str, p: &str| (c.to_string(), p.to_string());
    assert_eq!(
        problems(&v, "problems"),
        [
            pair("F0114", "attributes.比例"),
            pair("F0172", "claims[2].attributes.项比例"),
            pair("F0173", "attributes.率"),
            pair("F0173", "claims[0].attributes.项比例"),
        ],
        "{v}"
    );
    let w = &v["problems"][2];
    assert_eq!(w["severity"], "warning", "{w}");
    let message = w["message"].as_str().unwrap();
    assert!(
        message.contains("\"0.25\", read as the ratio 25%"),
        "{message}"
    );
    let help = w["help"].as_str().unwrap();
    assert!(help.contains("`0.25%`") && help.contains("`25%`"), "{help}");
    // In words, on standard error.
    let o = pol_in(
        &dir,
        &["eval", "p.pol", "--facts", "f.json", "--date", "2024-05-01"],
    );
    let err = text(&o.stderr);
    assert!(
        err.contains("warning at claims[0].attributes.项比例:") && err.contains("F0173"),
        "{err}"
    );
    // Without a bare percentage refused, bare ratios are read as written, without a warning.
    let facts = r#"{"kind": "enterprise", "id": "1",
        "attributes": {"金额": 100, "比例": 0.79, "率": "0.25"},
        "claims": [{"id": "P1", "date": "2024-03-01", "attributes": {"额": 100, "项比例": 0.5}}]}"#;
    let (code, v) = eval_json(&dir, facts);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["totals"]["paid"]["exact"], "154.00", "{v}");
    assert!(problems(&v, "warnings").is_empty(), "{v}");
    // A refusal of another kind (not a bare percentage) warns of nothing either.
    let facts = facts.replace("\"金额\": 100", "\"金额\": \"abc\"");
    let (code, v) = eval_json(&dir, &facts);
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(problems(&v, "problems").len(), 1, "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}
