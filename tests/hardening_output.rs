//! What pol prints is what it computed and what the author meant (issues 18 and 15): warnings
//! reach every command that evaluates, amounts have one canonical form, explanations show the
//! figures that decided, hostile names are escaped.

use std::process::{Command, Output};

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("pol runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", stdout(o), stderr(o)))
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pol-output-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// --- Warnings that change money are errors --------------------------------------------------

#[test]
fn a_cap_per_a_kind_the_clause_never_awards_stops_eval_and_simulate() {
    // Before: W0311 in `pol check`, and 36,000 元 paid in full by eval and simulate.
    let o = pol(&[
        "eval",
        "tests/output/rent-per-enterprise.pol",
        "--facts",
        "tests/output/person.json",
        "--date",
        "2024-05-01",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("E0318"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("36,000"), "{}", stdout(&o));

    let dir = scratch("e0318");
    let pop = dir.join("people.csv");
    std::fs::write(&pop, "id,月租金,月数\nP1,1000元,36\n").unwrap();
    let o = pol(&[
        "simulate",
        "tests/output/rent-per-enterprise.pol",
        "--population",
        pop.to_str().unwrap(),
        "--kind",
        "person",
        "--date",
        "2024-05-01",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("E0318"));
}

// --- Warnings reach every consumer -----------------------------------------------------------

#[test]
fn eval_prints_the_policies_warnings_and_its_json_carries_them() {
    let args = [
        "eval",
        "tests/output/warned.pol",
        "--facts",
        "tests/output/warned.json",
        "--date",
        "2024-01-01",
    ];
    let o = pol(&args);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("warning[W0311] tests/output/warned.pol:13:"),
        "{}",
        stderr(&o)
    );
    let o = pol(&[&args[..], &["--format", "json"]].concat());
    let v = json(&o);
    assert_eq!(v["policy_warnings"][0]["code"], "W0311");
    assert_eq!(v["policy_warnings"][0]["line"], 13);
    // The decision's own fields come first, in their order.
    let text = stdout(&o);
    assert!(text.find("\"subject\"") < text.find("\"policy_warnings\""));

    let o = pol(&[&args[..], &["--deny-warnings"]].concat());
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert!(stderr(&o).contains("--deny-warnings"));
}

#[test]
fn a_clean_policy_has_no_policy_warnings_field() {
    let o = pol(&[
        "eval",
        "policies/jiazhengfa-2023-15.pol",
        "--facts",
        "tests/output/warned.json",
        "--date",
        "2024-05-01",
        "--format",
        "json",
        "--deny-warnings",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(json(&o).get("policy_warnings").is_none());
}

#[test]
fn simulate_prints_the_warnings_and_its_summary_carries_them() {
    let args = [
        "simulate",
        "tests/output/warned.pol",
        "--population",
        "tests/output/warned.csv",
        "--date",
        "2024-01-01",
    ];
    let o = pol(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning[W0311]"));
    assert!(stdout(&o).contains("warning[W0311]"), "{}", stdout(&o));
    let o = pol(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(json(&o)["policy_warnings"][0]["code"], "W0311");
    let dir = scratch("summary");
    let summary = dir.join("summary.json");
    let o = pol(&[&args[..], &["--summary", summary.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(v["policy_warnings"][0]["code"], "W0311");
    let o = pol(&[&args[..], &["--deny-warnings"]].concat());
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn test_prints_the_warnings_and_deny_warnings_fails_the_file() {
    let o = pol(&["test", "tests/output/warned.tests.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stderr(&o).contains("warning[W0311]"), "{}", stderr(&o));
    let o = pol(&["test", "--deny-warnings", "tests/output/warned.tests.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("--deny-warnings"), "{}", stdout(&o));
}

// --- Explanations and human amounts ---------------------------------------------------------

/// Compares with `tests/output/NAME`, or writes it when BLESS is set.
fn snapshot(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/output")
        .join(name);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{name} missing: run with BLESS=1"));
    assert_eq!(expected, actual, "output differs from tests/output/{name}");
}

fn explained() -> String {
    let o = pol(&[
        "eval",
        "tests/output/explain.pol",
        "--facts",
        "tests/output/explain.json",
        "--date",
        "2024-05-01",
        "--explain",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn explanations_show_every_figure_that_decided() {
    let text = explained();
    snapshot("explain.txt", &text);
    // A strict bound missed by equality says what it asks, not "0元 short".
    assert!(
        text.contains("营业收入 100万元 > 100万元 (must exceed 100万元)"),
        "{text}"
    );
    // A near miss is never "0.00 percentage points short".
    assert!(!text.contains(" 0.00 percentage points"), "{text}");
    assert!(text.contains("0.000001… percentage points short"), "{text}");
    // Arithmetic shows the figures it joins, each set apart.
    assert!(
        text.contains("= 100万元 + 869,565.23 元 - 10.01 元 = 1,869,555.22 元"),
        "{text}"
    );
    assert!(
        text.contains("= (100万元 - 869,565.23 元) / 869,565.23 元 ="),
        "{text}"
    );
    // A cap written as an expression shows what it came to, rounded down to the policy's
    // rounding step as it is applied (README, order of evaluation).
    assert!(
        text.contains("cap 100万元 / 3 = 333,333.33 元 per enterprise"),
        "{text}"
    );
    // The reason of a result that cannot be evaluated is kept with --explain.
    assert!(
        text.contains("! division by zero in `研发费用 / 职工人数`"),
        "{text}"
    );
}

#[test]
fn human_amounts_get_a_short_figure_only_where_it_is_exact() {
    let text = explained();
    assert!(text.contains("awarded: 100,000.00 元 (10万元)\n"), "{text}");
    assert!(
        text.contains("awarded: 150,000,000.00 元 (1.5亿元)\n"),
        "{text}"
    );
    assert!(text.contains("awarded: 10.01 元\n"), "{text}");
    assert!(text.contains("awarded: 1,869,555.22 元\n"), "{text}");
    assert!(
        !text.contains("(0万元)") && !text.contains("15000万元"),
        "{text}"
    );
}

#[test]
fn hidden_characters_of_ids_are_refused_and_escaped_in_the_message() {
    // A subject id with a terminal escape and a bidi control is refused (F0181: it does not
    // read as what it is); the message shows it escaped, so it cannot drive the terminal.
    let dir = std::env::temp_dir().join(format!("pol-output-ids-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let facts = dir.join("f.json");
    std::fs::write(
        &facts,
        r#"{"kind": "enterprise", "id": "E\u001b[2J\u202e1", "attributes": {"营业收入": "100万元"}}"#,
    )
    .unwrap();
    let o = pol(&[
        "eval",
        "tests/output/explain.pol",
        "--facts",
        facts.to_str().unwrap(),
        "--date",
        "2024-05-01",
    ]);
    assert_ne!(o.status.code(), Some(0));
    let text = stderr(&o) + &stdout(&o);
    assert!(text.contains("F0181"), "{text}");
    assert!(text.contains("E\\u{001B}[2J\\u{202E}1"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hidden_characters_in_fact_problems_are_escaped() {
    let dir = scratch("problems");
    let facts = dir.join("facts.json");
    std::fs::write(
        &facts,
        "{\"kind\": \"enterprise\", \"id\": \"E1\", \"attributes\": {\"营业收入\": \"x\\u001b[31m\"}}",
    )
    .unwrap();
    let o = pol(&[
        "eval",
        "tests/output/explain.pol",
        "--facts",
        facts.to_str().unwrap(),
        "--date",
        "2024-05-01",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains('\u{1b}'), "{}", stderr(&o));
}

// --- Every documented example is checked ------------------------------------------------------

#[test]
fn a_case_that_cites_the_wrong_article_fails() {
    let o = pol(&["test", "tests/output/wrong-article.tests.toml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("FAIL  引错条款 (第八条)"), "{out}");
    assert!(
        out.contains(
            "article: `第八条` is not the source of any clause this case expects something of \
             (`仪器共享创新券奖励` is from `第九条`)"
        ),
        "{out}"
    );
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");
}

#[test]
fn hidden_characters_of_a_population_are_escaped_on_standard_error() {
    let dir = scratch("population-escape");
    let pop = dir.join("pop.csv");
    std::fs::write(&pop, "id,创新券兑付金额\nE1,\"12\u{1b}[2J\"\n").unwrap();
    let o = pol(&[
        "simulate",
        "tests/output/warned.pol",
        "--population",
        pop.to_str().unwrap(),
        "--date",
        "2024-01-01",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("line 2:") && err.contains("\\u{001B}[2J"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "{err}");
    // Messages about the command line quote what was given, escaped too.
    let o = pol(&[
        "eval",
        "tests/output/warned.pol",
        "--facts",
        "tests/output/warned.json",
        "--set",
        "x\u{1b}[2J",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains('\u{1b}'), "{}", stderr(&o));
}

#[test]
fn check_shows_invisible_and_reordering_characters_in_quoted_lines() {
    for (file, raw, shown) in [
        (
            "tests/ui/W0316-bidi-in-comment.pol",
            '\u{202e}',
            "# 第一条 \\u{202E}按研发费用的10%补助",
        ),
        (
            "tests/ui/W0315-confusable-name.pol",
            '\u{200d}',
            "研发\\u{200D}费用: money",
        ),
    ] {
        let o = pol(&["check", "--color", "never", file]);
        assert_eq!(o.status.code(), Some(0));
        let out = stdout(&o);
        assert!(out.contains(shown), "{out}");
        assert!(!out.contains(raw), "{out}");
    }
}

// --- Output columns have one title each -----------------------------------------------------

/// `policy` with the payers `payers` and one clause `clause` paying 100% of 金额.
fn named_policy(payers: &str, clause: &str) -> String {
    format!(
        "policy \"测试〔2024〕1号\" {{\n  title \"t\"\n  issued 2024-01-01\n  effective 2024-01-01 to 2025-12-31\n  funding {{ {payers} }}\n  same_matter cumulative\n}}\ninput enterprise {{\n  金额: money\n}}\nclause {clause} {{\n  source \"第一条\"\n  award 100% of 金额\n}}\n"
    )
}

/// Two output columns with one title (chosen, or a payer or clause named like a built-in
/// column or like each other) would let a reader keyed by the header take the payer's share
/// for the total: refused with exit 2, naming the title; `payer:` and `clause:` reach them.
#[test]
fn output_columns_with_one_title_twice_are_refused() {
    let dir = scratch("titles");
    let population = dir.join("p.csv");
    std::fs::write(&population, "id,金额\n1,100\n").unwrap();
    let jsonl = dir.join("rows.jsonl");
    let jsonl = jsonl.to_str().unwrap();
    let run = |policy: &str, more: &[&str]| {
        let path = dir.join("a.pol");
        std::fs::write(&path, policy).unwrap();
        let mut args = vec![
            "simulate",
            path.to_str().unwrap(),
            "--population",
            population.to_str().unwrap(),
            "--date",
            "2024-05-01",
        ];
        if !more.contains(&"--out") {
            args.extend_from_slice(&["--out", "-"]);
        }
        args.extend_from_slice(more);
        pol(&args)
    };
    let plain = named_policy("甲: 100%", "全额");
    for (policy, more, title) in [
        (plain.clone(), vec!["--columns", "a=total,a=line"], "`a`"),
        (
            plain.clone(),
            vec!["--columns", "a=total,a=line", "--out", jsonl],
            "`a`",
        ),
        (
            plain.clone(),
            vec!["--columns", "line=total,total=line"],
            "`line`",
        ),
        (
            named_policy("total: 50%, line: 50%", "小计"),
            vec![],
            "`total`",
        ),
        (named_policy("甲: 100%", "total"), vec![], "`total`"),
        (named_policy("error: 100%", "全额"), vec![], "`error`"),
        (named_policy("全额: 50%, 乙: 50%", "全额"), vec![], "`全额`"),
    ] {
        let o = run(&policy, &more);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{more:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        let err = stderr(&o);
        assert!(err.contains(title) && err.contains("--columns"), "{err}");
        assert!(stdout(&o).is_empty(), "{}", stdout(&o));
        assert!(!std::path::Path::new(jsonl).exists());
    }
    // A payer named like a clause is ambiguous as a column name, and reachable by its kind.
    let both = named_policy("全额: 50%, 乙: 50%", "全额");
    let o = run(&both, &["--columns", "全额"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("payer:全额"), "{}", stderr(&o));
    let o = run(
        &both,
        &["--columns", "subject,total,p=payer:全额,c=clause:全额"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).replace('\r', ""),
        "subject,total,p,c\n1,100.00,50.00,100.00\n"
    );
    // Default JSON Lines rows nest payers and clauses: no clash there.
    let o = run(
        &named_policy("total: 50%, line: 50%", "小计"),
        &["--out", jsonl],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A policy file whose name holds terminal escapes (a shared folder, an unpacked archive) is
/// named escaped in `pol check`'s rendered diagnostics and in `pol fmt --check`'s diff header,
/// as in every one-line message: it cannot recolour or retitle the reader's terminal.
#[cfg(unix)]
#[test]
fn file_names_with_terminal_escapes_are_shown_escaped() {
    let dir = scratch("escaped-names");
    // An unused input (a warning, W0306) and a layout `pol fmt` would change.
    let text = named_policy("甲: 100%", "全额")
        .replace("  金额: money\n", "  金额: money\n  多余:   money\n");
    std::fs::write(dir.join("x\u{1b}[31mRED\u{1b}]0;pwn\u{7}.pol"), text).unwrap();
    let folder = dir.to_str().unwrap();
    for args in [vec!["check", folder], vec!["fmt", "--check", folder]] {
        let o = pol(&args);
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(all.contains("x\\u{001B}[31mRED"), "{args:?}: {all}");
        assert!(
            !all.contains('\u{1b}') && !all.contains('\u{7}'),
            "{args:?}: {all}"
        );
    }
}
