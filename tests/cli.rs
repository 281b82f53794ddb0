//! Integration tests of the `pol` binary: exit codes, human and JSON output, errors about files.

use std::path::Path;
use std::process::{Command, Output};

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .output()
        .expect("pol runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Compares with `tests/cli/NAME`, or writes it when BLESS is set.
fn expect_file(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli")
        .join(name);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{name} missing: run with BLESS=1"));
    assert_eq!(expected, actual, "output differs from tests/cli/{name}");
}

#[test]
fn shipped_policies_check_clean() {
    let o = pol(&["check", "policies/"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("no problems found"));
}

#[test]
fn errors_exit_with_1_and_are_rendered_with_code_and_help() {
    let o = pol(&[
        "check",
        "tests/ui/E0201-undefined-name.pol",
        "tests/ui/E0301-unit-mismatch.pol",
    ]);
    assert_eq!(o.status.code(), Some(1));
    expect_file("check-two-files.txt", &stdout(&o));
}

#[test]
fn json_output_has_every_field() {
    let o = pol(&[
        "check",
        "--format",
        "json",
        "tests/ui/E0201-undefined-name.pol",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "E0201");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["message"], "`研发费甬` is not declared");
    assert_eq!(d["file"], "tests/ui/E0201-undefined-name.pol");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(18), Some(8))
    );
    let text = std::fs::read_to_string("tests/ui/E0201-undefined-name.pol").unwrap();
    let (s, e) = (
        d["span"]["start"].as_u64().unwrap() as usize,
        d["span"]["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "研发费甬");
    assert_eq!(d["help"], "did you mean `研发费用`?");
    expect_file("check-json.json", &stdout(&o));
}

#[test]
fn warnings_pass_unless_denied() {
    let o = pol(&["check", "tests/ui/W0201-shadowing.pol"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("0 errors, 1 warning"));
    let o = pol(&["check", "--deny-warnings", "tests/ui/W0201-shadowing.pol"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn unreadable_paths_exit_with_2() {
    let o = pol(&["check", "no/such/file.pol"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim(),
        "pol: cannot read `no/such/file.pol`: no such file or folder"
    );
    let o = pol(&["check", "src/cli"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds no .pol files"));
}

#[test]
fn usage_errors_exit_with_2_and_help_exits_with_0() {
    assert_eq!(pol(&["check"]).status.code(), Some(2));
    assert_eq!(pol(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        pol(&["check", "--format", "xml", "policies"]).status.code(),
        Some(2)
    );
    let o = pol(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("Check policy files"));
    let o = pol(&["check", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("--deny-warnings"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = pol(&["check", "tests/ui/E0201-undefined-name.pol"]);
    assert!(!stdout(&plain).contains('\u{1b}'), "no escapes when piped");
    let coloured = pol(&[
        "check",
        "--color",
        "always",
        "tests/ui/E0201-undefined-name.pol",
    ]);
    assert!(stdout(&coloured).contains('\u{1b}'));
}

#[test]
fn a_folder_is_searched_for_pol_files_in_order() {
    let o = pol(&["check", "--format", "json", "tests/ui"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = std::fs::read_dir("tests/ui")
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pol")
        })
        .count();
    assert_eq!(v["files"].as_u64().unwrap() as usize, n);
    let files: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
}

fn pol_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

const ELIGIBLE: &str = "tests/facts/article1-eligible.json";

#[test]
fn eval_prints_each_clause_with_its_outcome_and_the_totals() {
    let o = pol(&[
        "eval",
        "policies/",
        "--facts",
        ELIGIBLE,
        "--date",
        "2024-05-01",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    expect_file("eval-eligible.txt", &stdout(&o));
}

#[test]
fn eval_explains_every_step() {
    let o = pol(&[
        "eval",
        "policies/",
        "--facts",
        ELIGIBLE,
        "--date",
        "2024-05-01",
        "--explain",
    ]);
    assert_eq!(o.status.code(), Some(0));
    expect_file("eval-eligible-explain.txt", &stdout(&o));
    let o = pol(&[
        "eval",
        "policies/",
        "--facts",
        "tests/facts/article1-not-eligible.json",
        "--date",
        "2024-05-01",
        "--explain",
    ]);
    assert_eq!(o.status.code(), Some(0), "not eligible is a decision");
    expect_file("eval-not-eligible-explain.txt", &stdout(&o));
}

#[test]
fn eval_json_is_the_documented_decision() {
    let o = pol(&[
        "eval",
        "policies/",
        "--facts",
        ELIGIBLE,
        "--date",
        "2024-05-01",
        "--format",
        "json",
        "--explain",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["totals"]["paid"]["exact"], "100000.00");
    let clause = |name: &str| {
        v["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["clause"] == name)
            .unwrap()
            .clone()
    };
    let a1 = clause("研发投入补助");
    assert_eq!(a1["outcome"], "awarded");
    assert_eq!(a1["citation"]["article"], "第一条");
    assert_eq!(a1["funding"][0]["payer"], "市级财政");
    assert_eq!(a1["funding"][0]["amount"]["exact"], "50000.00");
    assert_eq!(clause("高新技术企业认定奖励")["outcome"], "not_eligible");
    expect_file("eval-eligible.json", &stdout(&o));
}

#[test]
fn eval_reads_facts_from_stdin() {
    let facts = std::fs::read_to_string(ELIGIBLE).unwrap();
    let o = pol_stdin(
        &["eval", "policies/", "--facts", "-", "--date", "2024-05-01"],
        &facts,
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("total paid: 100,000.00 元 (10万元)"));
}

#[test]
fn eval_reports_every_bad_fact_and_exits_with_1() {
    let o = pol(&[
        "eval",
        "policies/",
        "--facts",
        "tests/facts/bad-types.json",
        "--date",
        "2024-05-01",
    ]);
    assert_eq!(o.status.code(), Some(1));
    expect_file("eval-bad-facts.stderr", &stderr(&o));
    let o = pol_stdin(&["eval", "policies/", "--facts", "-"], "{not json");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("the facts are not valid JSON"));
}

#[test]
fn eval_rejects_bad_arguments() {
    let o = pol(&[
        "eval",
        "policies/",
        "--facts",
        ELIGIBLE,
        "--date",
        "2024-02-30",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = pol(&[
        "eval",
        "policies/",
        "--facts",
        ELIGIBLE,
        "--set",
        "一定比例",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("must be written NAME=VALUE"));
    let o = pol(&[
        "eval",
        "policies/",
        "--facts",
        ELIGIBLE,
        "--set",
        "一定比例=10%",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no policy has a parameter `一定比例`"));
    let o = pol(&["eval", "policies/", "--facts", "no-such.json"]);
    assert_eq!(o.status.code(), Some(2));
    let o = pol(&[
        "eval",
        "tests/ui/E0201-undefined-name.pol",
        "--facts",
        ELIGIBLE,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("the policies have errors"));
}

#[test]
fn eval_settings_complete_open_parameters_and_set_wins_over_the_file() {
    let args = [
        "eval",
        "tests/fixtures/every-construct.pol",
        "--facts",
        "tests/facts/every-construct.json",
        "--date",
        "2024-05-01",
        "--format",
        "json",
    ];
    let paid = |o: &Output| -> serde_json::Value {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["clause"] == "电商补助")
            .unwrap()
            .clone()
    };
    let open = pol(&args);
    assert_eq!(open.status.code(), Some(0), "{}", stderr(&open));
    let c = paid(&open);
    assert_eq!(c["outcome"], "undetermined");
    assert_eq!(c["upper_bound"], "3000000.00");
    assert_eq!(c["needs"][0], "parameter 一定比例");
    let mut with_file = args.to_vec();
    with_file.extend(["--settings", "tests/facts/settings.json"]);
    let c = paid(&pol(&with_file));
    assert_eq!(
        c["paid"]["exact"], "1000000.00",
        "5% of 2000万元, rounded to 1元"
    );
    with_file.extend(["--set", "一定比例=20%"]);
    let c = paid(&pol(&with_file));
    assert_eq!(
        c["paid"]["exact"], "3000000.00",
        "20% capped at 300万元 per project"
    );
}

#[test]
fn pol_test_runs_the_shipped_cases_and_counts_them() {
    let o = pol(&["test", "policies/"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let last = stdout(&o).lines().last().unwrap().to_string();
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 150, "{last}");
    assert!(last.ends_with("passed, 0 failed"));
}

/// 嘉政发〔2023〕15号 第二条: 20万元 for a first high-tech recognition; the header splits every
/// award half to the city, half to the district, so each pays 10万元.
#[test]
fn pol_test_runs_the_other_cases_when_one_is_broken_and_checks_payer_shares() {
    let dir = std::env::temp_dir().join(format!("pol-test-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy("policies/jiazhengfa-2023-15.pol", dir.join("p.pol")).unwrap();
    let case = |name: &str, expect: &str| {
        format!(
            "[[case]]\nname = \"{name}\"\narticle = \"第二条\"\ndate = 2024-05-01\n\
             facts = {{ kind = \"enterprise\", id = \"X\", attributes = {{ \"首次认定高新技术企业\" = true }} }}\n{expect}\n"
        )
    };
    let text = [
        case("typo", "expected = { total = \"200000\" }"),
        case("shares", "expect = { total = \"200000\", payers = { \"市级财政\" = \"100000\", \"区级财政\" = \"100000.00\" } }"),
        case("wrong share", "expect = { payers = { \"市级财政\" = \"100001\", \"省财政\" = \"1\" } }"),
        case("bad outcome", "expect = { \"高新技术企业认定奖励\" = \"eligible\" }"),
    ]
    .concat();
    std::fs::write(dir.join("p.tests.toml"), text).unwrap();
    let o = pol(&["test", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("FAIL  typo (broken)"), "{out}");
    assert!(
        out.contains("the case cannot run: unknown key `expected`: did you mean `expect`?"),
        "{out}"
    );
    assert!(out.contains("ok    shares (第二条)"), "{out}");
    assert!(out.contains("FAIL  wrong share (第二条)"), "{out}");
    assert!(
        out.contains("payers.市级财政: expected 100,001.00 元, got 100,000.00 元"),
        "{out}"
    );
    assert!(
        out.contains("payers.省财政: no such payer (there are: 市级财政, 区级财政)"),
        "{out}"
    );
    assert!(out.contains("FAIL  bad outcome (broken)"), "{out}");
    assert!(out.contains("`eligible` is not an outcome"), "{out}");
    // Broken cases are reported where they stand and counted as failed.
    let order: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("FAIL") || l.contains("ok  "))
        .collect();
    assert_eq!(order.len(), 4, "{out}");
    assert!(
        order[0].contains("typo") && order[3].contains("bad outcome"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("1 passed, 3 failed"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pol_test_reports_a_failing_case_with_expected_actual_and_explanation() {
    let dir = std::env::temp_dir().join(format!("pol-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy("policies/jiazhengfa-2023-15.pol", dir.join("p.pol")).unwrap();
    std::fs::write(
        dir.join("p.tests.toml"),
        "[[case]]\nname = \"wrong on purpose\"\narticle = \"第二条\"\ndate = 2024-05-01\n[case.facts]\nkind = \"enterprise\"\nid = \"X\"\n[case.facts.attributes]\n\"首次认定高新技术企业\" = true\n[case.expect]\n\"高新技术企业认定奖励\" = \"awarded 300000\"\ntotal = \"200000\"\n",
    )
    .unwrap();
    let o = pol(&["test", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("FAIL  wrong on purpose (第二条)"), "{out}");
    assert!(
        out.contains("高新技术企业认定奖励: expected awarded 300000, got awarded 200000.00"),
        "{out}"
    );
    assert!(out.contains("✓ 首次认定高新技术企业 = true"), "{out}");
    assert!(out.trim_end().ends_with("0 passed, 1 failed"));
    std::fs::remove_dir_all(&dir).unwrap();
}
