//! Yearly series (`money by year`) and runs of years (`for 3 years from DATE`), through the
//! library and the command line: reading a year, aggregates over a range, missing years,
//! facts given per year, population columns per year, and clauses paid each year of a run.
//! The figures are worked by hand in each test.

use std::process::Command;
use std::str::FromStr;

use pol::{Amount, EvalError, Facts, Options, Outcome, PolicySet, ProblemCode};
use proptest::prelude::*;
use rust_decimal::Decimal;

const HEADER: &str = r#"policy "测试〔2024〕9号" {
  title "系列测试"
  issued 2020-01-01
  effective 2020-01-01 to 2030-12-31
  funding { 市级财政: 100% }
  same_matter cumulative
  rounding 0.01元 down
}
"#;

const AGGREGATES: &str = r#"
input enterprise {
  销售收入: money by year
}

clause 合计 {
  source "第一条"
  award sum(销售收入[2020 .. 2024])
}

clause 最高 {
  source "第一条"
  award max(销售收入[2020 .. 2024])
}

clause 最低 {
  source "第一条"
  award min(销售收入[2020 .. 2024])
}

clause 平均 {
  source "第一条"
  award average(销售收入[2020 .. 2024])
}

clause 上年 {
  source "第一条"
  award 销售收入[event_year - 1]
}
"#;

fn set(body: &str) -> PolicySet {
    PolicySet::compile(&[("t.pol", &format!("{HEADER}{body}"))]).unwrap()
}

fn on(date: &str) -> Options {
    Options::on(date.parse().unwrap())
}

fn facts(json: &str) -> Facts {
    Facts::from_json(json).unwrap()
}

fn paid(d: &pol::Decision, clause: &str) -> Option<Decimal> {
    let c = d.clauses.iter().find(|c| c.clause == clause).unwrap();
    match c.paid {
        Some(Amount::Exact(x)) => Some(x),
        _ => None,
    }
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every aggregate over five given years is what Decimal arithmetic gives, exactly; the
    /// average is the exact quotient rounded as the policy's rounding says (down to the fen).
    #[test]
    fn aggregates_are_exact(values in proptest::collection::vec(0i64..10_000_000_000, 5)) {
        let years: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("\"{}\": \"{}.{:02}\"", 2020 + i, v / 100, v % 100))
            .collect();
        let json = format!(
            r#"{{"kind": "enterprise", "id": "E1", "attributes": {{"销售收入": {{{}}}}}}}"#,
            years.join(", ")
        );
        let s = set(AGGREGATES);
        let decision = s.evaluate(&facts(&json), &on("2025-03-01")).unwrap();
        let amounts: Vec<Decimal> = values.iter().map(|v| Decimal::new(*v, 2)).collect();
        let sum: Decimal = amounts.iter().sum();
        prop_assert_eq!(paid(&decision, "合计"), Some(sum));
        prop_assert_eq!(paid(&decision, "最高"), amounts.iter().max().copied());
        prop_assert_eq!(paid(&decision, "最低"), amounts.iter().min().copied());
        let average = (sum / Decimal::from(5)).trunc_with_scale(2);
        prop_assert_eq!(paid(&decision, "平均").map(|x| x.normalize()), Some(average.normalize()));
        // event_year is 2025: the year before is 2024, the last of the five.
        prop_assert_eq!(paid(&decision, "上年"), Some(amounts[4]));
    }
}

#[test]
fn a_missing_year_is_undetermined_naming_the_year_never_zero() {
    let s = set(AGGREGATES);
    let f = facts(
        r#"{"kind": "enterprise", "id": "E1", "attributes": {"销售收入": {"2020": "1万元", "2021": "2万元", "2023": "4万元", "2024": "5万元"}}}"#,
    );
    let decision = s.evaluate(&f, &on("2025-03-01")).unwrap();
    for name in ["合计", "最高", "最低", "平均"] {
        let c = decision.clauses.iter().find(|c| c.clause == name).unwrap();
        assert_eq!(c.outcome, Outcome::Undetermined, "{name}");
        assert_eq!(c.needs, ["销售收入[2022]"], "{name}");
    }
    // The year read is given.
    assert_eq!(paid(&decision, "上年"), Some(d("50000")));
    // No year at all: the series itself is what is missing.
    let none = facts(r#"{"kind": "enterprise", "id": "E1", "attributes": {}}"#);
    let decision = s.evaluate(&none, &on("2025-03-01")).unwrap();
    let c = decision
        .clauses
        .iter()
        .find(|c| c.clause == "上年")
        .unwrap();
    assert_eq!(c.outcome, Outcome::Undetermined);
    assert_eq!(c.needs, ["销售收入"]);
}

const CROSSING: &str = r#"
input enterprise {
  销售收入: money by year
}

table 销售档 = bracket { < 5000万元: 0, >= 5000万元 and < 1亿元: 1, >= 1亿元: 2 }

clause 首次突破 {
  source "第三条"
  when 销售档(销售收入[event_year - 1]) > 销售档(max(销售收入[.. event_year - 2]))
  award 50万元
}
"#;

#[test]
fn an_open_range_starts_with_the_first_year_given() {
    let s = set(CROSSING);
    let run = |years: &str, date: &str| {
        let f = facts(&format!(
            r#"{{"kind": "enterprise", "id": "E1", "attributes": {{"销售收入": {{{years}}}}}}}"#
        ));
        let decision = s.evaluate(&f, &on(date)).unwrap();
        let c = decision.clauses[0].clone();
        (c.outcome, c.needs)
    };
    // 2023 reaches the band above every earlier year's: the first crossing.
    let crossing = r#""2021": "3000万元", "2022": "4500万元", "2023": "5200万元""#;
    assert_eq!(run(crossing, "2024-05-01").0, Outcome::Awarded);
    // 2022 had reached it already: not the first time.
    let again = r#""2021": "3000万元", "2022": "5100万元", "2023": "5200万元""#;
    assert_eq!(run(again, "2024-05-01").0, Outcome::NotEligible);
    // A gap inside the open range is missing, named with its year.
    let gap = r#""2020": "3000万元", "2022": "4500万元", "2023": "5200万元""#;
    assert_eq!(
        run(gap, "2024-05-01"),
        (Outcome::Undetermined, vec!["销售收入[2021]".to_string()])
    );
    // No year before the one read: the last year of the range is what is missing.
    let first = r#""2023": "5200万元""#;
    assert_eq!(
        run(first, "2024-05-01"),
        (Outcome::Undetermined, vec!["销售收入[2022]".to_string()])
    );
}

#[test]
fn facts_per_year_are_checked() {
    let s = set(AGGREGATES);
    let problems = |json: &str| -> Vec<ProblemCode> {
        let p = match Facts::from_json(json) {
            Err(EvalError::Facts(p)) => p,
            Err(other) => panic!("{other}"),
            Ok(f) => match s.evaluate(&f, &on("2025-03-01")) {
                Err(EvalError::Facts(p)) => p,
                _ => Vec::new(),
            },
        };
        p.iter().map(|p| p.code).collect()
    };
    let attrs = |a: &str| format!(r#"{{"kind": "enterprise", "id": "E1", "attributes": {{{a}}}}}"#);
    assert_eq!(
        problems(&attrs(r#""销售收入": {"2023年": "1万元"}"#)),
        [ProblemCode::BadYearKey]
    );
    assert_eq!(
        problems(&attrs(r#""销售收入": {"2023": "1万元", "2023": "2万元"}"#)),
        [ProblemCode::DuplicateKey]
    );
    assert_eq!(
        problems(&attrs(
            r#""销售收入": {"2023": "1万元"}, "销售收入[2023]": "2万元""#
        )),
        [ProblemCode::DuplicateKey]
    );
    assert_eq!(
        problems(&attrs(r#""销售收入": "5200万元""#)),
        [ProblemCode::SeriesShape]
    );
    assert_eq!(
        problems(&attrs(r#""销售收入": {"2023": "-1万元"}"#)),
        [ProblemCode::Negative]
    );
    // The column form is the same as the object form.
    assert!(problems(&attrs(r#""销售收入[2024]": "1万元""#)).is_empty());
}

const RUN: &str = r#"
input enterprise {
  认定日期: date
  营业收入: money by year
}

clause 三年支持 {
  source "第八条"
  for 3 years after 认定日期
  when 营业收入[event_year - 1] >= 100万元
  award 10% of 营业收入[event_year - 1]
  cap 20万元 per enterprise per year
  cap 50万元 per run
}
"#;

#[test]
fn a_run_pays_each_year_with_its_own_year_and_a_cap_over_the_run() {
    let s = set(RUN);
    let f = facts(
        r#"{"kind": "enterprise", "id": "E1", "attributes": {"认定日期": "2022-06-15", "营业收入": {"2022": "300万元", "2023": "200万元", "2024": "500万元"}}}"#,
    );
    let decision = s.evaluate(&f, &on("2025-07-01")).unwrap();
    let years: Vec<(Option<i32>, String, Outcome, Option<Amount>)> = decision
        .clauses
        .iter()
        .map(|c| (c.year, c.event_date.to_string(), c.outcome, c.paid))
        .collect();
    // 2023: 10% of 300万元 = 30万元, cut to 20万元 by the yearly cap; 2024: 20万元; 2025: 50万元
    // is cut to 20万元 by the yearly cap, then to 10万元 by the run's cap of 50万元.
    let exact = |x: &str| Some(Amount::Exact(d(x)));
    assert_eq!(
        years,
        [
            (
                Some(2023),
                "2023-06-15".into(),
                Outcome::Awarded,
                exact("200000.00")
            ),
            (
                Some(2024),
                "2024-06-15".into(),
                Outcome::Awarded,
                exact("200000.00")
            ),
            (
                Some(2025),
                "2025-06-15".into(),
                Outcome::Awarded,
                exact("100000.00")
            ),
        ]
    );
    // Before the year's date, the year is not yet paid, and counts towards no cap.
    let early = s.evaluate(&f, &on("2025-05-01")).unwrap();
    assert_eq!(early.clauses[2].outcome, Outcome::NotYet);
    assert_eq!(early.totals.paid, Amount::Exact(d("400000.00")));
    // Without the anchor date the years are not known: undetermined, waiting for it.
    let none = facts(r#"{"kind": "enterprise", "id": "E1", "attributes": {}}"#);
    let decision = s.evaluate(&none, &on("2025-07-01")).unwrap();
    assert_eq!(decision.clauses.len(), 1);
    assert_eq!(decision.clauses[0].outcome, Outcome::Undetermined);
    assert_eq!(decision.clauses[0].needs, ["认定日期"]);
}

fn pol(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn runs_are_named_by_year_in_json_human_output_and_tests() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.pol"), format!("{HEADER}{RUN}")).unwrap();
    let facts = r#"{"kind": "enterprise", "id": "E1", "attributes": {"认定日期": "2022-06-15", "营业收入": {"2022": "300万元", "2023": "50万元"}}}"#;
    std::fs::write(dir.path().join("f.json"), facts).unwrap();
    let json = pol(
        &[
            "eval",
            "t.pol",
            "--facts",
            "f.json",
            "--date",
            "2025-05-01",
            "--format",
            "json",
        ],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let years: Vec<_> = v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["year"].clone())
        .collect();
    assert_eq!(years, [2023, 2024, 2025]);
    assert_eq!(v["clauses"][2]["outcome"], "not_yet");
    let human = pol(
        &["eval", "t.pol", "--facts", "f.json", "--date", "2025-05-01"],
        dir.path(),
    );
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("三年支持 [year 2023, 2023-06-15]"), "{text}");
    assert!(
        text.contains("三年支持 [year 2024] (测试〔2024〕9号 第八条)"),
        "{text}"
    );
    let toml = r#"[[case]]
name = "三年"
article = "第八条"
date = 2025-05-01
[case.facts]
kind = "enterprise"
id = "E1"
[case.facts.attributes]
"认定日期" = "2022-06-15"
"营业收入" = { "2022" = "300万元", "2023" = "50万元" }
[case.expect]
"三年支持@2023" = "awarded 200000"
"三年支持@2024" = "not_eligible"
"三年支持@2025" = "not_yet"
total = "200000"
"#;
    std::fs::write(dir.path().join("t.tests.toml"), toml).unwrap();
    let test = pol(&["test", "."], dir.path());
    let out = String::from_utf8_lossy(&test.stdout);
    assert!(
        test.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&test.stderr)
    );
    assert!(out.contains("1 passed"), "{out}");
}

#[test]
fn a_population_gives_a_series_as_one_column_per_year() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.pol"), format!("{HEADER}{CROSSING}")).unwrap();
    let csv = "id,销售收入[2021],销售收入[2022],销售收入[2023]\n\
               1,3000万元,4500万元,5200万元\n\
               2,3000万元,5100万元,5200万元\n\
               3,,4500万元,5200万元\n";
    std::fs::write(dir.path().join("p.csv"), csv).unwrap();
    let o = pol(
        &[
            "simulate",
            "t.pol",
            "--population",
            "p.csv",
            "--date",
            "2024-05-01",
            "--out",
            "-",
        ],
        dir.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{out}{err}");
    assert!(!err.contains("not an input"), "{err}");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(rows[0].contains("awarded"), "{out}");
    assert!(rows[1].contains("not_eligible"), "{out}");
    // Subject 3 leaves 2021 empty: its range starts with the first year given, 2022.
    assert!(rows[2].contains("awarded"), "{out}");
}

#[test]
fn series_and_runs_keep_their_layout() {
    let text = format!(
        "{HEADER}\ninput enterprise {{\n  销售收入: money by year\n  面积: quantity 亩 by year\n  认定日期: date\n}}\n\n\
         clause 甲 {{\n  source \"第一条\"\n  for 3 years from 认定日期\n  when 销售收入[event_year] > average(销售收入[event_year - 3 .. event_year - 1])\n   and max(销售收入[.. event_year - 1]) >= 1元\n   and 面积[2022] > 0亩\n  award 10万元\n  cap 20万元 per run\n}}\n"
    );
    let formatted = pol::format_source(&text).unwrap();
    assert_eq!(pol::format_source(&formatted).unwrap(), formatted);
    for line in [
        "  销售收入: money by year",
        "  面积: quantity 亩 by year",
        "  for 3 years from 认定日期",
        "  cap 20万元 per run",
        "max(销售收入[.. event_year - 1]) >= 1元",
    ] {
        assert!(formatted.contains(line), "{line}\n{formatted}");
    }
    assert!(pol::check(&[("t.pol", &formatted)])
        .iter()
        .all(|d| !d.is_error()));
}

#[test]
fn a_run_has_one_cell_per_row_the_sum_of_its_years() {
    let dir = tempfile::tempdir().unwrap();
    let policy = format!(
        "{HEADER}\ninput enterprise {{\n  认定日期: date\n}}\n\nclause 三年补助 {{\n  source \"第八条\"\n  for 3 years from 认定日期\n  award 10万元\n  cap 25万元 per run\n}}\n"
    );
    std::fs::write(dir.path().join("t.pol"), policy).unwrap();
    // Subject 1: 2023, 2024 paid (10万元 each), 2025 not yet. Subject 2: 2021..2023, the last
    // cut to 5万元 by the cap over the run. Subject 3: no date, undetermined.
    let csv = "id,认定日期\n1,2023-03-01\n2,2021-01-15\n3,\n";
    std::fs::write(dir.path().join("p.csv"), csv).unwrap();
    let o = pol(
        &[
            "simulate",
            "t.pol",
            "--population",
            "p.csv",
            "--date",
            "2025-02-01",
            "--out",
            "-",
            "--columns",
            "subject,三年补助,三年补助:outcome,total",
        ],
        dir.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(
        rows,
        [
            "1,200000.00,awarded,200000.00",
            "2,250000.00,awarded,250000.00",
            "3,0.00,undetermined,0.00"
        ],
        "{out}"
    );
}

#[test]
fn a_run_reduced_pro_rata_shows_its_years_before_reduction_in_one_cell() {
    let dir = tempfile::tempdir().unwrap();
    let policy = HEADER.replace(
        "  rounding 0.01元 down\n",
        "  rounding 0.01元 down\n  budget { 2023: 15万元 pro_rata }\n",
    );
    let policy = format!(
        "{policy}\ninput enterprise {{\n  认定日期: date\n}}\n\nclause 两年补助 {{\n  source \"第八条\"\n  for 2 years from 认定日期\n  award 10万元\n}}\n"
    );
    std::fs::write(dir.path().join("t.pol"), policy).unwrap();
    // 2023: two awards of 10万元 against a budget of 15万元, each reduced to 7.5万元; 2024 has no
    // budget line and is paid in full.
    let csv = "id,认定日期\n1,2023-03-01\n2,2023-03-01\n";
    std::fs::write(dir.path().join("p.csv"), csv).unwrap();
    let o = pol(
        &[
            "simulate",
            "t.pol",
            "--population",
            "p.csv",
            "--date",
            "2025-02-01",
            "--out",
            "-",
            "--columns",
            "subject,两年补助,两年补助:before_pro_rata,total",
        ],
        dir.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(
        rows,
        [
            "1,175000.00,200000.00,175000.00",
            "2,175000.00,200000.00,175000.00"
        ],
        "{out}"
    );
}

/// The codes of the problems `json` (a facts file) gets with the crossing policy.
fn crossing_problems(json: &str) -> Vec<ProblemCode> {
    let s = set(CROSSING);
    let p = match Facts::from_json(json) {
        Err(EvalError::Facts(p)) => p,
        Err(other) => panic!("{other}"),
        Ok(f) => match s.evaluate(&f, &on("2024-05-01")) {
            Err(EvalError::Facts(p)) => p,
            Err(other) => panic!("{other}"),
            Ok(_) => Vec::new(),
        },
    };
    p.iter().map(|p| p.code).collect()
}

fn attrs(a: &str) -> String {
    format!(r#"{{"kind": "enterprise", "id": "E1", "attributes": {{{a}}}}}"#)
}

#[test]
fn a_year_that_does_not_exist_is_refused_in_every_form() {
    // There is no year 0: a value filed under it is no year's value (years run 0001 to 9999).
    for a in [
        r#""销售收入": {"0000": "1万元", "2023": "5200万元"}"#,
        r#""销售收入[0000]": "1万元""#,
        r#""销售收入": {"００００": "1万元"}"#,
        r#""销售收入［0000］": "1万元""#,
    ] {
        assert_eq!(
            crossing_problems(&attrs(a)),
            [ProblemCode::BadYearKey],
            "{a}"
        );
    }
    let words = crate_words(&attrs(r#""销售收入": {"0000": "1万元"}"#));
    assert!(
        words.contains("0000") && words.contains("no year 0"),
        "{words}"
    );
    // The first and last years there are stay years.
    assert!(
        crossing_problems(&attrs(r#""销售收入": {"0001": "1万元", "9999": "1万元"}"#)).is_empty()
    );
}

/// The message of the first problem `json` gets.
fn crate_words(json: &str) -> String {
    let s = set(CROSSING);
    let found = Facts::from_json(json).and_then(|f| s.evaluate(&f, &on("2024-05-01")));
    match found {
        Err(EvalError::Facts(p)) => p[0].to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn full_width_brackets_and_digits_name_the_same_year() {
    let s = set(CROSSING);
    // 2023 reached 5000万元 for the first time: the clause is awarded, and no attribute is
    // unknown, however the year's brackets and digits are typed.
    for a in [
        r#""销售收入[2021]": "3000万元", "销售收入［2022］": "4500万元", "销售收入［２０２３］": "5200万元""#,
        r#""销售收入": {"2021": "3000万元", "２０２２": "4500万元"}, "销售收入[2023］": "5200万元""#,
    ] {
        let f = facts(&attrs(a));
        let decision = s.evaluate(&f, &on("2024-05-01")).unwrap();
        assert_eq!(paid(&decision, "首次突破"), Some(d("500000")), "{a}");
        assert!(decision.warnings.is_empty(), "{a}: {:?}", decision.warnings);
    }
    // Two spellings of one year in one facts file are one key given twice.
    for a in [
        r#""销售收入[2023]": "1万元", "销售收入［2023］": "2万元""#,
        r#""销售收入": {"2023": "1万元", "２０２３": "2万元"}"#,
        r#""销售收入": {"2023": "1万元"}, "销售收入［２０２３］": "2万元""#,
    ] {
        assert_eq!(
            crossing_problems(&attrs(a)),
            [ProblemCode::DuplicateKey],
            "{a}"
        );
    }
}

#[test]
fn population_columns_read_full_width_years_and_refuse_year_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.pol"), format!("{HEADER}{CROSSING}")).unwrap();
    let run = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).unwrap();
        let o = pol(
            &[
                "simulate",
                "t.pol",
                "--population",
                name,
                "--date",
                "2024-05-01",
                "--out",
                "-",
                "--columns",
                "subject,首次突破:outcome,code",
            ],
            dir.path(),
        );
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        (o.status.code(), out, err)
    };
    // Full-width brackets and digits in the header are the years they read as.
    let (code, out, err) = run(
        "p.csv",
        "id,销售收入［2021］,销售收入[２０２２],销售收入［２０２３］\n1,3000万元,4500万元,5200万元\n",
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("1,awarded,"), "{out}");
    assert!(!err.contains("not an input"), "{err}");
    // Two spellings of one year are one column named twice.
    let (code, _, err) = run(
        "twice.csv",
        "id,销售收入[2023],销售收入［2023］\n1,1万元,2万元\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("twice"), "{err}");
    // And in a JSON Lines row, one key given twice.
    let (code, out, _) = run(
        "twice.jsonl",
        "{\"id\": \"1\", \"销售收入[2023]\": \"1万元\", \"销售收入［２０２３］\": \"2万元\"}\n",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("F0113"), "{out}");
    // Year 0 is no year, as in facts.
    let (code, out, _) = run(
        "zero.csv",
        "id,销售收入[0000],销售收入[2023]\n1,1万元,2万元\n",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("F0165"), "{out}");
}
