//! Hostile input files (attack run 15): deeply nested JSON, history files with other line
//! endings or a column named twice, grants listed twice, misspelled facts keys, JSON Lines keys
//! that are no input, stray quotes in CSV cells. Each was a crash or a wrong amount that looked
//! right before its fix; each is now a coded problem or the right result.
//!
//! The policies are made up (測試 documents): these tests are about how files are read, not
//! about what a real policy pays.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// One award of the whole amount.
const A_POL: &str = r#"policy "测试〔2024〕1号" {
  title "t"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 甲: 100% }
  same_matter cumulative
}
input enterprise {
  金额: money
  比例: percent = 0%
}
clause 全额 {
  source "第一条"
  award 100% of 金额
}
"#;

/// A once-only award and a capped yearly one, so earlier grants change what is paid.
const H_POL: &str = r#"policy "测试〔2024〕6号" {
  title "t"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 甲: 50%, 乙: 50% }
  same_matter cumulative
}
input enterprise {
  金额: money
}
clause 一次性 {
  source "第一条"
  award 10万元
  once per enterprise
}
clause 年度 {
  source "第二条"
  award 100% of 金额
  cap 20万元 per enterprise
}
"#;

fn pol_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// A fresh folder of its own for one test, holding a.pol and h.pol.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pol-inp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.pol"), A_POL).unwrap();
    std::fs::write(dir.join("h.pol"), H_POL).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `n` nested lists.
fn nested(n: usize) -> String {
    "[".repeat(n) + &"]".repeat(n)
}

// ---- F21/F22: deeply nested JSON ----

#[test]
fn deeply_nested_jsonl_rows_are_row_errors_not_a_crash() {
    let dir = temp("deep-rows");
    let rows = format!(
        "{{\"id\":\"1\",\"金额\":\"1\"}}\n{{\"id\":\"2\",\"x\":{}}}\n{{\"id\":\"3\",\"金额\":\"1\"}}\n",
        nested(100_000)
    );
    std::fs::write(dir.join("deep.jsonl"), rows).unwrap();
    let start = Instant::now();
    let o = pol_in(
        &dir,
        &[
            "simulate",
            "a.pol",
            "--population",
            "deep.jsonl",
            "--date",
            "2024-05-01",
            "--out",
            "-",
        ],
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "slow: {:?}",
        start.elapsed()
    );
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(
        err.contains("line 2: the line is not a JSON object") && err.contains("128 levels"),
        "{err}"
    );
    assert!(
        out.contains("\n1,") && out.contains("\n3,"),
        "other rows still evaluated: {out}"
    );
}

#[test]
fn deeply_nested_history_facts_and_settings_are_refused_with_their_line() {
    let dir = temp("deep-files");
    std::fs::write(dir.join("pop.csv"), "id,金额\n1,100\n").unwrap();
    let deep = nested(100_000);
    std::fs::write(
        dir.join("h.jsonl"),
        format!("{{\"id\":\"1\",\"x\":{deep}}}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("f.json"),
        format!("{{\"kind\":\"enterprise\",\"id\":\"1\",\n\"attributes\":{{\"x\":{deep}}}}}"),
    )
    .unwrap();
    std::fs::write(dir.join("s.json"), format!("{{\"比例\":{deep}}}")).unwrap();
    let start = Instant::now();
    let runs = [
        (
            vec![
                "simulate",
                "h.pol",
                "--population",
                "pop.csv",
                "--history",
                "h.jsonl",
            ],
            "F0261",
        ),
        (vec!["eval", "a.pol", "--facts", "f.json"], "F0101"),
        (
            vec![
                "simulate",
                "a.pol",
                "--population",
                "pop.csv",
                "--settings",
                "s.json",
            ],
            "line 1",
        ),
    ];
    for (mut args, code) in runs {
        args.extend_from_slice(&["--date", "2024-05-01"]);
        if args[0] == "simulate" {
            args.extend_from_slice(&["--out", "-"]);
        }
        let o = pol_in(&dir, &args);
        let err = text(&o.stderr);
        assert!(
            matches!(o.status.code(), Some(1 | 2)),
            "{args:?}: {:?} {err}",
            o.status
        );
        assert!(
            err.contains(code) && err.contains("128 levels"),
            "{args:?}: {err}"
        );
    }
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "slow: {:?}",
        start.elapsed()
    );
}

// ---- F6: history line endings ----

/// `pol simulate h.pol` over E1..E3 with `history` (written to a file) as its `--history`:
/// exit code, rows, standard error.
fn with_history(dir: &Path, name: &str, history: &str) -> (Option<i32>, String, String) {
    std::fs::write(
        dir.join("pop.csv"),
        "id,金额\nE1,25万元\nE2,25万元\nE3,25万元\n",
    )
    .unwrap();
    std::fs::write(dir.join(name), history).unwrap();
    let o = pol_in(
        dir,
        &[
            "simulate",
            "h.pol",
            "--population",
            "pop.csv",
            "--history",
            name,
            "--date",
            "2024-05-01",
            "--out",
            "-",
        ],
    );
    (o.status.code(), text(&o.stdout), text(&o.stderr))
}

#[test]
fn history_files_read_cr_lf_and_crlf_alike() {
    let dir = temp("history-endings");
    let rows = [
        "id,document,clause,date,amount,matter",
        "E1,测试〔2024〕6号,年度,2024-01-10,15万元,",
        "E3,测试〔2024〕6号,一次性,2024-01-10,10万元,",
    ];
    let (code, lf, err) = with_history(&dir, "lf.csv", &(rows.join("\n") + "\n"));
    assert_eq!(code, Some(0), "{err}");
    // E1 has 15万元 of its 20万元 cap left over; E3's once-only award is paid already.
    assert!(
        lf.contains("\n2,E1,,150000.00,") && lf.contains("already_paid"),
        "{lf}"
    );
    let mixed = format!("{}\r{}\r\n{}\n", rows[0], rows[1], rows[2]);
    for (name, history) in [
        ("cr.csv", rows.join("\r") + "\r"),
        ("crlf.csv", rows.join("\r\n") + "\r\n"),
        ("mixed.csv", mixed),
        ("cr-no-end.csv", rows.join("\r")),
    ] {
        let (code, out, err) = with_history(&dir, name, &history);
        assert_eq!((code, &out), (Some(0), &lf), "{name}: {err}");
    }
}

#[test]
fn a_cr_inside_a_quoted_history_cell_stays_in_the_cell_and_counts_as_a_line() {
    let dir = temp("history-quoted-cr");
    // The matter cell holds a CR: the row goes on, and the row after it is on line 4.
    let history = "id,document,clause,date,amount,matter\r\
                   E1,测试〔2024〕6号,年度,2024-01-10,15万元,\"a\rb\"\r\
                   E3,测试〔2024〕6号,一次性\r";
    let (code, out, err) = with_history(&dir, "q.csv", history);
    assert_ne!(code, Some(0), "{out}");
    assert!(
        err.contains("history line 4") && err.contains("F0261"),
        "{err}"
    );
}

// ---- F7: a history column named twice ----

#[test]
fn a_history_column_named_twice_is_refused() {
    let dir = temp("history-dup-column");
    for header in [
        "id,document,clause,date,amount,id",
        "id,document,clause,date,amount,amount",
        "id,document,clause,date,amount, amount ",
        "id,document, id,clause,date,amount",
    ] {
        let cells = header.split(',').count();
        let row = [
            "E1",
            "测试〔2024〕6号",
            "年度",
            "2024-01-10",
            "15万元",
            "E3",
        ];
        let history = format!("{header}\n{}\n", row[..cells].join(","));
        let (code, out, err) = with_history(&dir, "dup.csv", &history);
        assert_ne!(code, Some(0), "{header}: {out}");
        assert!(
            err.contains("appears twice in the history's header"),
            "{header}: {err}"
        );
    }
}

// ---- F5: a grant listed twice ----

#[test]
fn a_grant_listed_twice_is_refused_in_facts_and_in_a_history_file() {
    let dir = temp("dup-grant");
    let grant =
        r#"{"document":"测试〔2024〕6号","clause":"年度","date":"2024-01-10","amount":"15万元"}"#;
    let same_amount =
        r#"{"document":"测试〔2024〕6号","clause":"年度","date":"2024-01-10","amount":"150000"}"#;
    for second in [grant, same_amount] {
        let facts = format!(
            "{{\"kind\":\"enterprise\",\"id\":\"E1\",\"attributes\":{{\"金额\":\"25万元\"}},\"history\":[\n{grant},\n{second}]}}"
        );
        std::fs::write(dir.join("f.json"), facts).unwrap();
        let o = pol_in(
            &dir,
            &["eval", "h.pol", "--facts", "f.json", "--date", "2024-05-01"],
        );
        let err = text(&o.stderr) + &text(&o.stdout);
        assert_ne!(o.status.code(), Some(0), "{err}");
        assert!(
            err.contains("F0171") && err.contains("line 2") && err.contains("line 3"),
            "{err}"
        );
    }
    let row = "E1,测试〔2024〕6号,年度,2024-01-10,15万元";
    let history = format!("id,document,clause,date,amount\n{row}\n{row}\n");
    let (_, out, err) = with_history(&dir, "dup.csv", &history);
    // E1 fails with both lines named; E2 and E3 are evaluated.
    assert!(
        out.contains("F0171") && out.contains("history line 2") && out.contains("history line 3"),
        "{out}\n{err}"
    );
    assert!(out.contains("\n3,E2,,300000.00,"), "{out}");
    // Two different grants (another date) are two grants.
    let other = "E1,测试〔2024〕6号,年度,2024-02-10,1万元";
    let (code, out, err) = with_history(
        &dir,
        "two.csv",
        &format!("id,document,clause,date,amount\n{row}\n{other}\n"),
    );
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(out.contains("\n2,E1,,140000.00,"), "{out}");
}

// ---- F1: JSON Lines keys are read as CSV header names ----

#[test]
fn a_jsonl_key_with_spaces_at_its_ends_is_read_as_the_csv_header_is() {
    let dir = temp("jsonl-keys");
    let policy = A_POL.replace(
        "  比例: percent = 0%\n}\nclause 全额 {\n  source \"第一条\"\n",
        "  排除: bool = false\n}\nclause 全额 {\n  source \"第一条\"\n  when not 排除\n",
    );
    std::fs::write(dir.join("c.pol"), policy).unwrap();
    std::fs::write(
        dir.join("p.jsonl"),
        "{\"id\":\"1\",\"金额\":\"100\",\" 排除 \":true}\n",
    )
    .unwrap();
    std::fs::write(dir.join("p.csv"), "id,金额, 排除 \n1,100,true\n").unwrap();
    let run = |file: &str| {
        let o = pol_in(
            &dir,
            &[
                "simulate",
                "c.pol",
                "--population",
                file,
                "--date",
                "2024-05-01",
                "--out",
                "-",
            ],
        );
        (o.status.code(), text(&o.stdout))
    };
    let (csv, jsonl) = (run("p.csv"), run("p.jsonl"));
    assert_eq!(csv.0, Some(0));
    assert!(
        csv.1.ends_with("\n2,1,,0.00,0.00,0.00,not_eligible,\n"),
        "{csv:?}"
    );
    assert_eq!(
        jsonl.1,
        csv.1.replace("\n2,1,", "\n1,1,"),
        "line 1 of the JSON Lines"
    );
    // The key and its spelling with spaces are one key: given twice.
    std::fs::write(
        dir.join("d.jsonl"),
        "{\"id\":\"1\",\"金额\":\"100\",\"排除 \":true,\"排除\":false}\n",
    )
    .unwrap();
    let (code, out) = run("d.jsonl");
    assert_ne!(code, Some(0), "{out}");
    assert!(out.contains("F0113"), "{out}");
}
