//! How population, history and facts files are read (attack run 15, second round): CSV quotes
//! the lenient reader would accept (F26), JSON Lines keys that are no input (F1), names written
//! with CJK compatibility ideographs (F25), text cells a spreadsheet would run as formulas
//! (F17) and the memory bad rows take (F9). Each was a wrong amount that looked right, a silent
//! drop or a broken promise before its fix.
//!
//! The policies are made up (测试 documents): these tests are about how files are read, not
//! about what a real policy pays.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// One award of the whole amount, split over three payers.
const A_POL: &str = r#"policy "测试〔2024〕1号" {
  title "t"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 甲: 50%, 乙: 50% }
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

/// A capped yearly award, so earlier grants change what is paid.
const H_POL: &str = r#"policy "测试〔2024〕6号" {
  title "t"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 甲: 100% }
  same_matter cumulative
}
input enterprise {
  金额: money
}
clause 年度 {
  source "第二条"
  award 100% of 金额
  cap 20万元 per enterprise
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

/// A fresh folder of its own for one test, holding a.pol and h.pol.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pol-reading-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.pol"), A_POL).unwrap();
    std::fs::write(dir.join("h.pol"), H_POL).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `pol simulate a.pol` of `population` (a file in `dir`) with `extra` options, rows on
/// standard output: exit status, rows, standard error.
fn simulate(dir: &Path, population: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec![
        "simulate",
        "a.pol",
        "--population",
        population,
        "--date",
        "2024-05-01",
        "--out",
        "-",
    ];
    args.extend_from_slice(extra);
    let o = pol_in(dir, &args);
    (o.status.code(), text(&o.stdout), text(&o.stderr))
}

// ---- F26: CSV quotes are read by the rules, not leniently ----

#[test]
fn text_after_a_closing_quote_is_refused_with_its_line_and_column() {
    let dir = temp("text-after-quote");
    // `"100"0` was read as 1000; `"100" ` is text after the quote too. A multi-line quoted
    // cell before the fault puts it on a later line than its row's.
    std::fs::write(
        dir.join("q.csv"),
        "id,金额\n1,\"100\"0\n2,\"100\" \n3,\"5\"\n\"4\n\",\"7\"x\n5,6\n",
    )
    .unwrap();
    for chunk in ["1", "7", "65536"] {
        let (code, out, err) = simulate(&dir, "q.csv", &["--chunk-size", chunk]);
        assert_eq!(code, Some(1), "{err}");
        assert!(!out.contains("1000.00"), "{out}");
        assert!(out.contains("\n4,3,,5.00,"), "{out}");
        assert!(out.contains("\n7,5,,6.00,"), "{out}");
        assert!(
            err.contains("line 2: the row cannot be read as CSV (F0212): on line 2, column 8"),
            "{err}"
        );
        assert!(
            err.contains("line 3: the row cannot be read as CSV (F0212): on line 3, column 8"),
            "{err}"
        );
        assert!(
            err.contains("line 5: the row cannot be read as CSV (F0212): on line 6, column 6"),
            "{err}"
        );
        assert!(err.contains("errors: 3"), "{err}");
    }
}

#[test]
fn a_quote_never_closed_says_how_many_lines_it_swallowed_at_every_chunk_size() {
    let dir = temp("unclosed-quote");
    let mut csv = "id,金额\n1,100\n2,\"200\n".to_string();
    for i in 3..=1000 {
        csv.push_str(&format!("{i},{i}\n"));
    }
    std::fs::write(dir.join("u.csv"), csv).unwrap();
    let mut seen = None;
    for chunk in ["1", "64", "4096", "16777216"] {
        let (code, out, err) = simulate(&dir, "u.csv", &["--chunk-size", chunk]);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains("line 3: the row cannot be read as CSV (F0213): the quote opened on line 3, column 3, is never closed, so the 998 lines after it"),
            "{err}"
        );
        // Every line of the file is counted, never "rows read: 2".
        assert!(
            err.contains("rows read: 1000, subjects: 1, errors: 1"),
            "{err}"
        );
        let now = (out, err);
        if let Some(before) = &seen {
            assert_eq!(before, &now, "chunk size {chunk}");
        }
        seen = Some(now);
    }
}

#[test]
fn a_history_or_header_with_a_stray_quote_is_refused() {
    let dir = temp("history-quote");
    std::fs::write(dir.join("p.csv"), "id,金额\n1,300000\n").unwrap();
    let history = |name: &str, body: &str| {
        std::fs::write(dir.join(name), body).unwrap();
        let o = pol_in(
            &dir,
            &[
                "simulate",
                "h.pol",
                "--population",
                "p.csv",
                "--history",
                name,
                "--date",
                "2024-05-01",
                "--out",
                "-",
            ],
        );
        (o.status.code(), text(&o.stdout), text(&o.stderr))
    };
    // The amount `"10"0000` would be 100000 of the 200000 cap.
    let (code, _, err) = history(
        "h1.csv",
        "id,document,clause,date,amount\n1,测试〔2024〕6号,年度,2024-02-01,\"10\"0000\n",
    );
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("column 32 (F0212)"), "{err}");
    let (code, _, err) = history(
        "h2.csv",
        "id,document,clause,date,amount\n1,测试〔2024〕6号,年度,2024-02-01,\"100000\n",
    );
    assert_ne!(code, Some(0), "{err}");
    assert!(
        err.contains("column 28 is not closed on its line (F0213)"),
        "{err}"
    );
    // A quoted cell holding a line break is named as such, not as a quote never closed
    // (attack run 10, A6): a grant is one line of the history.
    for (name, cell) in [("h3.csv", "\"认定\n奖励\""), ("h4.csv", "\"认定\r\n奖励\"")] {
        let (code, _, err) = history(
            name,
            &format!("id,document,clause,date,amount\n1,测试〔2024〕6号,{cell},2024-02-01,5万元\n"),
        );
        assert_ne!(code, Some(0), "{err}");
        assert!(err.contains("so no cell may hold a line break"), "{err}");
    }
    // A population header: `"金额"x` is no column `金额`.
    std::fs::write(dir.join("h.csv"), "id,\"金额\"x\n1,5\n").unwrap();
    let (code, _, err) = simulate(&dir, "h.csv", &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot read the CSV header"), "{err}");
    assert!(err.contains("F0212"), "{err}");
}

// ---- F17: CSV text cells a spreadsheet would run as formulas ----

#[test]
fn csv_text_cells_that_read_as_formulas_are_neutralised_unless_raw_text() {
    let dir = temp("formulas");
    std::fs::write(
        dir.join("f.csv"),
        "id,金额\n+1,1\n-2,2\n\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",3\n@SUM(1),x\n",
    )
    .unwrap();
    let (code, out, err) = simulate(&dir, "f.csv", &[]);
    assert_eq!(code, Some(1), "{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows[1], "2,'+1,,1.00,0.50,0.50,1.00,awarded,", "{out}");
    assert_eq!(rows[2], "3,'-2,,2.00,1.00,1.00,2.00,awarded,", "{out}");
    assert!(
        rows[3].starts_with("4,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",,3.00,"),
        "{out}"
    );
    // A bad row's subject too; amounts are never touched.
    assert!(rows[4].starts_with("5,'@SUM(1),,,"), "{out}");
    let (_, raw, _) = simulate(&dir, "f.csv", &["--raw-text"]);
    let raw: Vec<&str> = raw.lines().collect();
    assert_eq!(raw[1], "2,+1,,1.00,0.50,0.50,1.00,awarded,");
    assert!(raw[4].starts_with("5,@SUM(1),,,"), "{raw:?}");
    // JSON Lines stay raw.
    let o = pol_in(
        &dir,
        &[
            "simulate",
            "a.pol",
            "--population",
            "f.csv",
            "--date",
            "2024-05-01",
            "--out",
            "r.jsonl",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let jsonl = std::fs::read_to_string(dir.join("r.jsonl")).unwrap();
    assert!(jsonl.contains("\"subject\":\"+1\""), "{jsonl}");
    assert!(jsonl.contains("\"subject\":\"@SUM(1)\""), "{jsonl}");
}

// ---- F1: JSON Lines keys that are no input are reported as CSV columns are ----

/// The warnings about columns on standard error, and the summary's `ignored_columns`.
fn ignored_report(dir: &Path, population: &str, chunk: &str) -> (Vec<String>, String) {
    let o = pol_in(
        dir,
        &[
            "simulate",
            "a.pol",
            "--population",
            population,
            "--date",
            "2024-05-01",
            "--chunk-size",
            chunk,
            "--summary",
            "s.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let warnings = text(&o.stderr)
        .lines()
        .filter(|l| l.contains("is not an input"))
        .map(String::from)
        .collect();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("s.json")).unwrap()).unwrap();
    (warnings, summary["ignored_columns"].to_string())
}

#[test]
fn jsonl_keys_that_are_no_input_are_reported_once_like_csv_columns() {
    let dir = temp("jsonl-unknown");
    // `金額` (traditional) is near the input `金额`; `bogus` and `note` are near nothing (`kind` is read: F0215).
    std::fs::write(
        dir.join("p.csv"),
        "id,金额,bogus,金額,note\n1,100,1,5,institution\n2,100,2,6,institution\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("p.jsonl"),
        "{\"id\":\"1\",\"金额\":\"100\",\"bogus\":1}\n\
         {\"id\":\"2\",\"金额\":\"100\",\"bogus\":2,\"金額\":\"6\",\"note\":\"institution\"}\n\
         {\"id\":\"3\",\"金额\":\"100\",\"金額\":\"7\"}\n",
    )
    .unwrap();
    let expected = vec![
        "pol: warning: the column `bogus` is not an input of these policies; it is ignored"
            .to_string(),
        "pol: warning: the column `金額` is not an input of these policies; it is ignored (did you mean `金额`?)".to_string(),
        "pol: warning: the column `note` is not an input of these policies; it is ignored"
            .to_string(),
    ];
    let (csv, csv_summary) = ignored_report(&dir, "p.csv", "65536");
    assert_eq!(csv, expected);
    assert!(
        csv_summary.contains("\"did_you_mean\":\"金额\""),
        "{csv_summary}"
    );
    for chunk in ["1", "40", "65536"] {
        let (jsonl, jsonl_summary) = ignored_report(&dir, "p.jsonl", chunk);
        assert_eq!(jsonl, expected, "chunk size {chunk}");
        assert_eq!(jsonl_summary, csv_summary, "chunk size {chunk}");
    }
}

// ---- F25: names compared in one form (CJK compatibility ideographs) ----

/// `金额` with its first character written as the compatibility ideograph U+F90A.
const COMPAT: &str = "\u{F90A}额";

#[test]
fn a_compatibility_ideograph_in_a_header_key_or_attribute_is_the_input() {
    let dir = temp("compat");
    std::fs::write(dir.join("c.csv"), format!("id,{COMPAT}\n1,100\n")).unwrap();
    std::fs::write(
        dir.join("c.jsonl"),
        format!("{{\"id\":\"1\",\"{COMPAT}\":\"100\"}}\n"),
    )
    .unwrap();
    for file in ["c.csv", "c.jsonl"] {
        let (code, out, err) = simulate(&dir, file, &[]);
        assert_eq!(code, Some(0), "{err}");
        assert!(
            out.ends_with("\n1,1,,100.00,50.00,50.00,100.00,awarded,\n")
                || out.ends_with("\n2,1,,100.00,50.00,50.00,100.00,awarded,\n"),
            "{file}: {out}"
        );
        assert!(!err.contains("not an input"), "{err}");
    }
    // Two spellings of one column: named twice, the code points telling them apart.
    std::fs::write(dir.join("d.csv"), format!("id,金额,{COMPAT}\n1,100,900\n")).unwrap();
    let (code, _, err) = simulate(&dir, "d.csv", &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "the column `金额` (U+91D1 U+989D) and `\u{F90A}额` (U+F90A U+989D) appears twice"
        ),
        "{err}"
    );
    std::fs::write(
        dir.join("d.jsonl"),
        format!("{{\"id\":\"1\",\"金额\":\"100\",\"{COMPAT}\":\"900\"}}\n"),
    )
    .unwrap();
    let (code, _, err) = simulate(&dir, "d.jsonl", &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("F0113"), "{err}");
    // Facts: the attribute is the input, and given twice when both spellings are there.
    let facts = |name: &str, attributes: &str| {
        std::fs::write(
            dir.join(name),
            format!("{{\"kind\":\"enterprise\",\"id\":\"1\",\"attributes\":{{{attributes}}}}}"),
        )
        .unwrap();
        let o = pol_in(
            &dir,
            &[
                "eval",
                "a.pol",
                "--facts",
                name,
                "--date",
                "2024-05-01",
                "--format",
                "json",
            ],
        );
        (
            o.status.code(),
            text(&o.stdout),
            text(&o.stderr) + &text(&o.stdout),
        )
    };
    let (code, out, err) = facts("f.json", &format!("\"{COMPAT}\":\"100元\""));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("\"100.00\""), "{out}");
    let (code, _, err) = facts(
        "g.json",
        &format!("\"金额\":\"5元\",\"{COMPAT}\":\"100元\""),
    );
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("F0113"), "{err}");
    assert!(err.contains("another spelling of the same name"), "{err}");
}

#[test]
fn a_policy_name_with_a_compatibility_form_is_linted_and_two_spellings_are_one_name() {
    let dir = temp("compat-policy");
    let one = A_POL.replace("  金额: money\n", &format!("  {COMPAT}: money\n"));
    std::fs::write(dir.join("one.pol"), one).unwrap();
    let o = pol_in(&dir, &["check", "one.pol"]);
    let err = text(&o.stderr) + &text(&o.stdout);
    assert!(err.contains("W0315"), "{err}");
    assert!(
        err.contains("(U+F90A), a compatibility ideograph read as `金` (U+91D1)"),
        "{err}"
    );
    // Two inputs that differ only so are one name declared twice.
    let two = A_POL.replace("  比例: percent = 0%\n", &format!("  {COMPAT}: money\n"));
    std::fs::write(dir.join("two.pol"), two).unwrap();
    let o = pol_in(&dir, &["check", "two.pol"]);
    let err = text(&o.stderr) + &text(&o.stdout);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("E0202"), "{err}");
}
