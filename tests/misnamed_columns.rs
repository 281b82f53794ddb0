//! Attack run 6 on issue 15 (F5): a column `失信(是/否)`, `失信企业` or `是否失信` was ignored
//! with a bare warning (no "did you mean"), the input `失信` took its default `false` for every
//! subject and every blacklisted firm was paid, even with `--deny-warnings`. Now the warning
//! names the input a column's name contains, says which inputs no column gives (their default
//! then applies to every subject), in standard error and the summary JSON, and
//! `--deny-warnings` stops on these warnings in `pol simulate` and `pol eval`.
//!
//! The policy is made up (a 测试 document): these tests are about how columns are read.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// 奖励 5万元 unless the firm is blacklisted (第一条).
const POLICY: &str = r#"policy "测试〔2024〕15号" {
  title "t"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 市财政: 100% }
  same_matter cumulative
}
input enterprise {
  失信: bool = false
}
clause 奖励 {
  source "第一条"
  when not 失信
  award 5万元
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

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pol-misnamed-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ex.pol"), POLICY).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_column_containing_an_inputs_name_names_it_and_its_default() {
    let dir = temp("names");
    for header in ["失信(是/否)", "失信企业", "是否失信"] {
        std::fs::write(dir.join("p.csv"), format!("id,{header}\nE1,1\n")).unwrap();
        std::fs::write(
            dir.join("p.jsonl"),
            format!("{{\"id\":\"E1\",\"{header}\":true}}\n"),
        )
        .unwrap();
        for file in ["p.csv", "p.jsonl"] {
            let o = pol_in(
                &dir,
                &[
                    "simulate",
                    "ex.pol",
                    "--population",
                    file,
                    "--date",
                    "2024-05-01",
                    "--out",
                    "rows.csv",
                    "--summary",
                    "s.json",
                ],
            );
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(0), "{header} {file}: {err}");
            assert!(
                err.contains("(did you mean `失信`?)"),
                "{header} {file}: {err}"
            );
            assert!(
                err.contains("`失信` is given by no column: every subject takes its default false"),
                "{header} {file}: {err}"
            );
            let summary = std::fs::read_to_string(dir.join("s.json")).unwrap();
            let json: serde_json::Value = serde_json::from_str(&summary).unwrap();
            assert_eq!(
                json["ignored_columns"][0]["did_you_mean"], "失信",
                "{header} {file}: {summary}"
            );
            assert_eq!(
                json["inputs_given_by_no_column"],
                serde_json::json!([{"name": "失信", "default": "false"}]),
                "{header} {file}: {summary}"
            );
        }
        // `pol eval` names it in F0112 alike.
        std::fs::write(
            dir.join("f.json"),
            format!(
                "{{\"kind\":\"enterprise\",\"id\":\"E1\",\"attributes\":{{\"{header}\":true}}}}"
            ),
        )
        .unwrap();
        let o = pol_in(
            &dir,
            &[
                "eval",
                "ex.pol",
                "--facts",
                "f.json",
                "--date",
                "2024-05-01",
            ],
        );
        let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert!(all.contains("F0112"), "{header}: {all}");
        assert!(all.contains("did you mean `失信`?"), "{header}: {all}");
        assert!(
            all.contains("`失信` is not given: its default false applies"),
            "{header}: {all}"
        );
    }
    // No column ignored: nothing said about inputs, even one given by no column.
    std::fs::write(dir.join("q.csv"), "id\nE1\n").unwrap();
    let o = pol_in(
        &dir,
        &[
            "simulate",
            "ex.pol",
            "--population",
            "q.csv",
            "--date",
            "2024-05-01",
            "--out",
            "-",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(
        !text(&o.stderr).contains("given by no column"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn deny_warnings_stops_on_the_populations_and_the_facts_warnings() {
    let dir = temp("deny");
    std::fs::write(dir.join("p.csv"), "id,失信(是/否)\nE1,1\nE2,1\n").unwrap();
    let o = pol_in(
        &dir,
        &[
            "simulate",
            "ex.pol",
            "--population",
            "p.csv",
            "--date",
            "2024-05-01",
            "--out",
            "rows.csv",
            "--summary",
            "s.json",
            "--deny-warnings",
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the population has 2 warnings (--deny-warnings)"),
        "{err}"
    );
    assert!(!dir.join("rows.csv").exists() && !dir.join("s.json").exists());
    std::fs::write(
        dir.join("f.json"),
        r#"{"kind":"enterprise","id":"E1","attributes":{"失信(是/否)":true}}"#,
    )
    .unwrap();
    let o = pol_in(
        &dir,
        &[
            "eval",
            "ex.pol",
            "--facts",
            "f.json",
            "--date",
            "2024-05-01",
            "--deny-warnings",
        ],
    );
    let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(
        all.contains("have warnings (--deny-warnings)") && all.contains("F0112"),
        "{all}"
    );
    assert!(!all.contains("awarded"), "no decision is given: {all}");
    // The right column: paid nothing (第一条 excludes a blacklisted firm), no warning.
    std::fs::write(dir.join("ok.csv"), "id,失信\nE1,1\n").unwrap();
    let o = pol_in(
        &dir,
        &[
            "simulate",
            "ex.pol",
            "--population",
            "ok.csv",
            "--date",
            "2024-05-01",
            "--out",
            "-",
            "--deny-warnings",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("\n2,E1,,0.00,"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn names_given_on_the_command_line_and_in_headers_are_read_in_nfc() {
    // Attack run 12 (C5): `金` typed as the compatibility ideograph U+F90A in `--columns`,
    // `--id-column`, a history header or a `pol test` expectation was "no such column / clause,
    // did you mean `奖金`?", naming what looked like the very name given. Each is now read in
    // NFC, as population headers and policies are.
    let k = '\u{F90A}';
    let dir = tempfile::tempdir().unwrap();
    let policy = "policy \"测〔2024〕96号\" {\n  title \"名称\"\n  issued 2023-01-01\n  \
                  effective 2023-01-01 to 2025-12-31\n  funding { 市财政: 100% }\n  same_matter cumulative\n}\n\
                  input enterprise { 额: money }\n\
                  clause 奖金 { source \"第一条\" award 额 }\n";
    std::fs::write(dir.path().join("m.pol"), policy).unwrap();
    std::fs::write(dir.path().join("pid.csv"), "编号金,额\nE1,100\n").unwrap();
    std::fs::write(
        dir.path().join("h.csv"),
        format!("编号{k},document,clause,date,amount\nE1,测〔2024〕96号,奖金,2024-02-01,50元\n"),
    )
    .unwrap();
    let columns = format!("subject,total,奖{k}");
    let id_column = format!("编号{k} ");
    let o = pol_in(
        dir.path(),
        &[
            "simulate",
            "m.pol",
            "--population",
            "pid.csv",
            "--history",
            "h.csv",
            "--date",
            "2024-05-01",
            "--id-column",
            &id_column,
            "--columns",
            &columns,
            "--out",
            "-",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        // The column is named as the policy names the clause.
        "subject,total,奖金\nE1,100.00,100.00\n"
    );
    assert!(err.contains("history: 1 earlier grants"), "{err}");
    // A JSON Lines history's keys likewise; and a column option with a space at an end is the
    // column, as a header's name is (review: only names NFC changed were trimmed).
    std::fs::write(
        dir.path().join("h.jsonl"),
        format!("{{\"编号{k}\": \"E1\", \"document\": \"测〔2024〕96号\", \"clause\": \"奖金\", \"date\": \"2024-02-01\", \"amount\": \"50元\"}}\n"),
    )
    .unwrap();
    let o = pol_in(
        dir.path(),
        &[
            "simulate",
            "m.pol",
            "--population",
            "pid.csv",
            "--history",
            "h.jsonl",
            "--date",
            "2024-05-01",
            "--id-column",
            "编号金 ",
            "--out",
            "-",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("history: 1 earlier grants"), "{err}");
    // A `pol test` expectation names the clause the same way.
    std::fs::write(
        dir.path().join("m.tests.toml"),
        format!(
            "[[case]]\nname = \"a\"\narticle = \"第一条\"\ndate = 2024-05-01\n\
             [case.facts]\nkind = \"enterprise\"\nid = \"T1\"\n[case.facts.attributes]\n\"额\" = \"100元\"\n\
             [case.expect]\n\"奖{k}\" = \"awarded 100\"\n"
        ),
    )
    .unwrap();
    let o = pol_in(dir.path(), &["test", "m.tests.toml"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
