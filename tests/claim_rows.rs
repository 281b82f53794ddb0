//! Attack run 6 on issue 15 (F1, F10's claim ids): a population row that gives a claim
//! (a claim date, an item, a document or a claim input's value) but no claim id was read as a
//! row of the subject alone and its claim dropped without a word, where `pol eval` refuses the
//! same claim (F0105); a header with claim columns but no claim id column, or a
//! `--claim-id-column` naming a column the header lacks, dropped every claim. Claim ids with
//! white space at an end, blank or empty were accepted by `pol eval`, though README ("Keys")
//! refuses them (F0180, F0105); a claim id written `1.0` was its own text (F0214).
//!
//! The policy is made up (a 测试 document): these tests are about how rows are read.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// 一次性 10万元 once per enterprise (第一条); 项目: 50% of 合同额 per project, capped at
/// 5万元 a project (第三条).
const POLICY: &str = r#"policy "测试〔2024〕6号" {
  title "t"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 甲: 50%, 乙: 50% }
  same_matter cumulative
}
input project {
  合同额: money
}
clause 一次性 {
  source "第一条"
  award 10万元
  once per enterprise
}
clause 项目 {
  source "第三条"
  per project
  item "项目"
  award 50% of 合同额
  once per project
  cap 5万元 per project
}
"#;

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

/// A fresh folder of its own for one test, holding h.pol.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pol-claim-rows-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("h.pol"), POLICY).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `pol simulate h.pol --population POPULATION` with `extra`, rows on standard output: exit
/// status, rows, standard error.
fn simulate(dir: &Path, population: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "simulate",
        "h.pol",
        "--population",
        population,
        "--date",
        "2024-05-01",
        "--out",
        "-",
    ];
    args.extend_from_slice(extra);
    let o = pol_in(dir, &args);
    (
        o.status.code().unwrap_or(-1),
        text(&o.stdout),
        text(&o.stderr),
    )
}

/// `pol eval h.pol --facts FACTS`: exit status and everything written.
fn eval(dir: &Path, facts: &str) -> (i32, String) {
    let o = pol_in(
        dir,
        &["eval", "h.pol", "--facts", facts, "--date", "2024-05-01"],
    );
    let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
    (o.status.code().unwrap_or(-1), all)
}

/// The output row of `line`.
fn row(rows: &str, line: u64) -> String {
    rows.lines()
        .find(|l| l.starts_with(&format!("{line},")))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_row_with_claim_cells_but_no_claim_id_fails_its_subject() {
    let dir = temp("no-claim-id");
    // Each row gives a claim some way, with an empty claim id; E9 is a row of its subject alone.
    let csv = "id,claim_id,claim_date,item,合同额\n\
               E1,,2024-03-01,项目,10万元\n\
               E2,,2024-03-01,,\n\
               E3,,,项目,\n\
               E4,,,,10万元\n\
               E9,,,,\n";
    std::fs::write(dir.join("p.csv"), csv).unwrap();
    let jsonl =
        "{\"id\":\"E1\",\"claim_date\":\"2024-03-01\",\"item\":\"项目\",\"合同额\":\"10万元\"}\n\
                 {\"id\":\"E2\",\"claim_id\":\"\",\"claim_date\":\"2024-03-01\"}\n\
                 {\"id\":\"E3\",\"claim_id\":null,\"item\":\"项目\"}\n\
                 {\"id\":\"E4\",\"合同额\":\"10万元\"}\n\
                 {\"id\":\"E9\"}\n";
    std::fs::write(dir.join("p.jsonl"), jsonl).unwrap();
    for (file, first) in [("p.csv", 2), ("p.jsonl", 1)] {
        let (code, rows, err) = simulate(&dir, file, &["--columns", "line,subject,total,code"]);
        // Rows that fail make the run's status 1.
        assert_eq!(code, 1, "{file}: {err}");
        for line in first..first + 4 {
            let r = row(&rows, line);
            assert!(r.ends_with(",F0105"), "{file} line {line}: {rows}");
            assert!(
                err.contains(&format!("line {line}: the row gives a claim (")),
                "{file}: {err}"
            );
        }
        // The subject row alone is paid 一次性 (第一条: 10万元).
        assert!(
            row(&rows, first + 4).contains(",E9,100000.00,"),
            "{file}: {rows}"
        );
        assert!(
            err.contains("`claim_date`, `item`, `合同额`"),
            "{file}: {err}"
        );
    }
    // The same claim in facts: refused, with the same code.
    std::fs::write(
        dir.join("f.json"),
        r#"{"kind":"enterprise","id":"E1","claims":[{"date":"2024-03-01","item":"项目","attributes":{"合同额":"10万元"}}]}"#,
    )
    .unwrap();
    let (code, out) = eval(&dir, "f.json");
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("F0105"), "{out}");
}

#[test]
fn a_header_with_claim_columns_but_no_claim_id_column_is_refused_before_the_run() {
    let dir = temp("no-claim-id-column");
    std::fs::write(
        dir.join("other.csv"),
        "id,合同编号,claim_date,item,合同额\nE1,HT-1,2024-03-01,项目,10万元\n",
    )
    .unwrap();
    std::fs::write(dir.join("none.csv"), "id,item,合同额\nE1,项目,10万元\n").unwrap();
    for file in ["other.csv", "none.csv"] {
        let (code, rows, err) = simulate(&dir, file, &[]);
        assert_eq!(code, 2, "{file}: {rows}{err}");
        assert!(rows.is_empty(), "{file}: {rows}");
        assert!(
            err.contains("no `claim_id` column") && err.contains("--claim-id-column"),
            "{file}: {err}"
        );
        assert!(err.contains("`item`, `合同额`"), "{file}: {err}");
    }
    // Named right, the claim is paid: 50% of 10万元 is 5万元, the cap of 第三条.
    let (code, rows, err) = simulate(&dir, "other.csv", &["--claim-id-column", "合同编号"]);
    assert_eq!(code, 0, "{err}");
    assert!(row(&rows, 2).contains(",E1,HT-1,150000.00,"), "{rows}");
    // Named with a typo, the column is missing: refused as a missing `--id-column` is.
    let (code, rows, err) = simulate(&dir, "other.csv", &["--claim-id-column", "合同号"]);
    assert_eq!(code, 2, "{rows}{err}");
    assert!(err.contains("no `合同号` column for the claim id"), "{err}");
    // A population of subjects alone needs no claim id column.
    std::fs::write(dir.join("subjects.csv"), "id\nE1\n").unwrap();
    let (code, rows, err) = simulate(&dir, "subjects.csv", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(row(&rows, 2).contains(",E1,,100000.00,"), "{rows}");
}

#[test]
fn blank_claim_ids_and_ids_with_white_space_at_an_end_are_refused_everywhere() {
    let dir = temp("blank-claim-id");
    std::fs::write(
        dir.join("p.csv"),
        "id,claim_id,claim_date,item,合同额\nE1, ,2024-03-01,项目,10万元\nE2,\u{3000},2024-03-01,项目,10万元\nE3,C1 ,2024-03-01,项目,10万元\nE4, ,,,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("p.jsonl"),
        "{\"id\":\"E1\",\"claim_id\":\" \",\"claim_date\":\"2024-03-01\",\"item\":\"项目\",\"合同额\":\"10万元\"}\n\
         {\"id\":\"E2\",\"claim_id\":\"\u{3000}\",\"claim_date\":\"2024-03-01\",\"item\":\"项目\",\"合同额\":\"10万元\"}\n\
         {\"id\":\"E3\",\"claim_id\":\"C1 \",\"claim_date\":\"2024-03-01\",\"item\":\"项目\",\"合同额\":\"10万元\"}\n\
         {\"id\":\"E4\",\"claim_id\":\" \"}\n",
    )
    .unwrap();
    for (file, first) in [("p.csv", 2), ("p.jsonl", 1)] {
        let (code, rows, err) = simulate(&dir, file, &["--columns", "line,subject,total,code"]);
        // Rows that fail make the run's status 1.
        assert_eq!(code, 1, "{file}: {err}");
        for line in first..first + 4 {
            assert!(
                row(&rows, line).ends_with(",F0180"),
                "{file} line {line}: {rows}"
            );
        }
        assert!(err.contains("has white space at an end"), "{file}: {err}");
    }
    for (id, code) in [
        ("\"\"", "F0105"),
        ("\" \"", "F0180"),
        ("\"C1 \"", "F0180"),
        ("\" C1\"", "F0180"),
        ("\"C1\\u3000\"", "F0180"),
        ("1.0", "F0214"),
    ] {
        std::fs::write(
            dir.join("f.json"),
            format!(r#"{{"kind":"enterprise","id":"E1","claims":[{{"id":{id},"date":"2024-03-01","item":"项目","attributes":{{"合同额":"10万元"}}}}]}}"#),
        )
        .unwrap();
        let (status, out) = eval(&dir, "f.json");
        assert_ne!(status, 0, "{id}: {out}");
        assert!(out.contains(code), "{id}: {out}");
    }
}

#[test]
fn a_claim_id_written_as_a_float_is_refused_in_json_lines() {
    let dir = temp("float-claim-id");
    std::fs::write(
        dir.join("p.jsonl"),
        "{\"id\":\"E1\",\"claim_id\":1,\"claim_date\":\"2024-03-01\",\"item\":\"项目\",\"合同额\":\"10万元\"}\n\
         {\"id\":\"E2\",\"claim_id\":1.0,\"claim_date\":\"2024-03-01\",\"item\":\"项目\",\"合同额\":\"10万元\"}\n",
    )
    .unwrap();
    let (code, rows, err) = simulate(
        &dir,
        "p.jsonl",
        &["--columns", "line,subject,claim,total,code"],
    );
    assert_eq!(code, 1, "{err}");
    // A whole number is its text: 10万元 (一次性, 第一条) + 5万元 (第三条's cap).
    assert!(row(&rows, 1).contains(",E1,1,150000.00,"), "{rows}");
    assert!(row(&rows, 2).ends_with(",F0214"), "{rows}");
    assert!(err.contains("the claim id is the JSON number 1.0"), "{err}");
}
