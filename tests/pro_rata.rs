//! Budget overruns reduced pro rata (issue 16, item 7): `budget { 2024: X pro_rata }`.
//!
//! In `pol simulate`, every award counted against an overrun year is reduced so that the year's
//! total equals the budget to the fen (running totals in file order, README "Simulating a
//! population"); rows show the amounts before; the payer columns still add up; a year within
//! its budget is left as it is; results do not depend on chunks or threads; a stream is refused
//! (F0355) and an overrun of ranges stops the run (F0403).
//!
//! The policies here are made up for the case each test states; none cites a gazette article
//! (no shipped policy says how an overrun is handled).

use std::path::Path;
use std::process::Command;
use std::sync::atomic::AtomicBool;

mod common;
use common::folder;

use pol::{End, Kind, Options, PolicySet, SimulationOptions};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    // An empty cell (a clause with no result on the row) pays nothing.
    if s.is_empty() {
        return Decimal::ZERO;
    }
    s.parse().unwrap()
}

/// A policy paid by three payers, with `budget` as its budget lines, then `body`.
fn policy(budget: &str, body: &str) -> String {
    format!(
        "policy \"测〔2024〕7号\" {{\n  title \"核减\"\n  issued 2023-01-01\n  \
         effective 2023-01-01 to 2024-12-31\n  funding {{ 市: 33.33%, 区: 33.33%, 县: 33.34% }}\n  \
         same_matter cumulative\n  budget {{ {budget} }}\n}}\n{body}"
    )
}

const SINGLE: &str = "input enterprise { 额: money }\nclause 补助 { source \"第一条\" award 额 }\n";

fn pol(args: &[&str], dir: &Path, stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        let mut input = input;
        let _ = input.write_all(text.as_bytes());
    }
    let o = child.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const POPULATION: &str = "id,额\n1,33.33\n2,50.01\n3,66.67\n4,0\n5,1\n";

#[test]
fn an_overrun_year_is_reduced_to_its_budget_with_the_amounts_before_shown() {
    let dir = folder(&[
        ("p.pol", &policy("2024: 100元 pro_rata", SINGLE)),
        ("pop.csv", POPULATION),
    ]);
    let args = [
        "simulate",
        "p.pol",
        "--population",
        "pop.csv",
        "--date",
        "2024-05-01",
        "--out",
        "-",
        "--summary",
        "s.json",
    ];
    let (code, out, err) = pol(&args, dir.path(), None);
    assert_eq!(code, 0, "{err}");
    // 151.01 元 against 100 元: each award is what floor(100 × S / 151.01) grew by, S the running
    // total in file order (33.33 -> 22.07, 83.34 -> 55.18, 150.01 -> 99.33, 151.01 -> 100).
    assert_eq!(
        out,
        "line,subject,claim,total,市,区,县,补助,补助:outcome,补助:before_pro_rata,error\n\
         2,1,,22.07,7.36,7.35,7.36,22.07,awarded,33.33,\n\
         3,2,,33.11,11.04,11.03,11.04,33.11,awarded,50.01,\n\
         4,3,,44.15,14.72,14.71,14.72,44.15,awarded,66.67,\n\
         5,4,,0.00,0.00,0.00,0.00,0.00,awarded,0.00,\n\
         6,5,,0.67,0.22,0.22,0.23,0.67,awarded,1.00,\n"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    let b = &s["budgets"][0];
    assert_eq!(b["paid"], "100.00");
    assert_eq!(b["overrun"], "0.00");
    assert_eq!(b["pro_rata"]["paid_before"], "151.01");
    assert_eq!(b["pro_rata"]["reduced"], true);
    assert_eq!(b["pro_rata"]["factor"], "0.662208");
    assert_eq!(s["paid"]["exact"], "100.00");
    // JSON Lines rows carry the amount before beside the amount paid.
    let (code, _, err) = pol(
        &[
            "simulate",
            "p.pol",
            "--population",
            "pop.csv",
            "--date",
            "2024-05-01",
            "--out",
            "rows.jsonl",
        ],
        dir.path(),
        None,
    );
    assert_eq!(code, 0, "{err}");
    let jsonl = std::fs::read_to_string(dir.path().join("rows.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(first["clauses"]["补助"]["paid"], "22.07");
    assert_eq!(first["clauses"]["补助"]["before_pro_rata"], "33.33");
    // The human summary says so too.
    let (_, text, _) = pol(
        &[
            "simulate",
            "p.pol",
            "--population",
            "pop.csv",
            "--date",
            "2024-05-01",
        ],
        dir.path(),
        None,
    );
    assert!(
        text.contains("reduced pro rata: 151.01 元 before, factor ≈ 0.662208"),
        "{text}"
    );
}

#[test]
fn a_year_within_its_budget_is_left_as_it_is() {
    let within = folder(&[
        ("p.pol", &policy("2024: 1000元 pro_rata", SINGLE)),
        ("q.pol", &policy("2024: 1000元", SINGLE)),
        ("pop.csv", POPULATION),
    ]);
    let run = |file: &str| {
        let (code, out, err) = pol(
            &[
                "simulate",
                file,
                "--population",
                "pop.csv",
                "--date",
                "2024-05-01",
                "--out",
                "-",
                "--columns",
                "subject,total,市,区,县,补助",
            ],
            within.path(),
            None,
        );
        assert_eq!(code, 0, "{err}");
        out
    };
    assert_eq!(run("p.pol"), run("q.pol"));
    let (_, text, _) = pol(
        &[
            "simulate",
            "p.pol",
            "--population",
            "pop.csv",
            "--date",
            "2024-05-01",
        ],
        within.path(),
        None,
    );
    assert!(text.contains("within budget, nothing reduced"), "{text}");
}

#[test]
fn a_stream_is_refused_and_ranges_that_overrun_stop_the_run() {
    let dir = folder(&[
        ("p.pol", &policy("2024: 100元 pro_rata", SINGLE)),
        (
            "r.pol",
            &policy(
                "2024: 100元 pro_rata",
                "input enterprise { 额: money }\nclause 补助 { source \"第一条\" award up to 额 }\n",
            ),
        ),
        ("pop.csv", POPULATION),
    ]);
    let (code, out, err) = pol(
        &[
            "simulate",
            "p.pol",
            "--population",
            "-",
            "--date",
            "2024-05-01",
            "--out",
            "-",
        ],
        dir.path(),
        Some(POPULATION),
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("error[F0355]"), "{err}");
    let (code, out, err) = pol(
        &[
            "simulate",
            "r.pol",
            "--population",
            "pop.csv",
            "--date",
            "2024-05-01",
            "--out",
            "-",
        ],
        dir.path(),
        None,
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("F0403"), "{err}");
    // Nothing but the header is written: no row carries a figure that only looks right.
    assert!(out.lines().count() <= 1, "{out}");
}

#[test]
fn eval_says_the_reduction_is_the_simulations_and_fmt_keeps_the_mark() {
    let dir = folder(&[
        ("p.pol", &policy("2023: 1元, 2024: 100元 pro_rata", SINGLE)),
        (
            "e.json",
            r#"{"kind": "enterprise", "id": "E1", "attributes": {"额": "150"}}"#,
        ),
    ]);
    let (code, out, err) = pol(
        &["eval", "p.pol", "--facts", "e.json", "--date", "2024-05-01"],
        dir.path(),
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("awarded: 150.00 元"), "{out}");
    assert!(
        out.contains("reduced pro rata") && out.contains("pol simulate"),
        "{out}"
    );
    // A clause under a budget that only reports its overrun says nothing of the kind.
    let (_, out, _) = pol(
        &["eval", "p.pol", "--facts", "e.json", "--date", "2023-05-01"],
        dir.path(),
        None,
    );
    assert!(!out.contains("pro rata"), "{out}");
    let (code, _, err) = pol(&["fmt", "p.pol"], dir.path(), None);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.path().join("p.pol")).unwrap();
    assert!(
        text.contains("budget { 2023: 1元, 2024: 100元 pro_rata }"),
        "{text}"
    );
}

#[test]
fn a_population_changed_between_the_passes_stops_the_run() {
    let set = PolicySet::compile(&[("p.pol", &policy("2024: 100元 pro_rata", SINGLE))]).unwrap();
    let simulation = set
        .simulation(
            &Options::on("2024-05-01".parse().unwrap()),
            SimulationOptions::new(Kind::Enterprise),
        )
        .unwrap();
    let changed = POPULATION.replace("3,66.67", "3,66.68");
    let mut second = || Ok(changed.as_bytes());
    let mut rows = Vec::new();
    let report = simulation
        .run_twice(
            POPULATION.as_bytes(),
            &mut second,
            Some(&mut rows),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    let End::SummaryFailed(f) = &report.end else {
        panic!("{:?}", report.end)
    };
    assert_eq!(f.code.as_str(), "F0404");
    // One chunk: none of its rows is written.
    assert_eq!(String::from_utf8(rows).unwrap().lines().count(), 1);
    // `run` alone cannot read a population twice.
    let e = simulation.run(
        POPULATION.as_bytes(),
        None,
        &mut |_| {},
        &AtomicBool::new(false),
    );
    assert!(matches!(e, Err(pol::SimulateError::TwoPasses)));
}

/// A policy with claims and subject-level awards over two years, 2024 reduced pro rata.
const CLAIMS: &str = "input enterprise { 基数: money = 0元 }\ninput project { 额: money }\n\
    clause 项目 { source \"第一条\" per project award 额 }\n\
    clause 企业 { source \"第二条\" award 基数 }\n";

/// Runs `population` through `set` in two passes with `threads` and `chunk`: rows and summary.
fn run(set: &PolicySet, population: &str, threads: usize, chunk: usize) -> (String, pol::Summary) {
    let mut sim = SimulationOptions::new(Kind::Enterprise);
    sim.threads = threads;
    sim.chunk_size = chunk;
    sim.row_columns = Some(
        "subject,claim,total,市,区,县,项目,企业,项目:before_pro_rata,企业:before_pro_rata".into(),
    );
    let simulation = set
        .simulation(&Options::on("2024-12-31".parse().unwrap()), sim)
        .unwrap();
    assert!(simulation.needs_two_passes());
    let mut rows = Vec::new();
    let mut again = || Ok(population.as_bytes());
    let report = simulation
        .run_twice(
            population.as_bytes(),
            &mut again,
            Some(&mut rows),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    assert!(matches!(report.end, End::Completed), "{:?}", report.end);
    (String::from_utf8(rows).unwrap(), report.summary)
}

fn population() -> impl Strategy<Value = String> {
    // Subjects with a base amount and zero to three claims dated 2023 or 2024.
    let claim = (0i64..5_000_000, any::<bool>());
    let subject = (0i64..1_000_000, prop::collection::vec(claim, 0..4));
    prop::collection::vec(subject, 1..25).prop_map(|subjects| {
        let mut text = String::from("id,基数,claim_id,claim_date,额\n");
        for (i, (base, claims)) in subjects.iter().enumerate() {
            let base = Decimal::new(*base, 2);
            if claims.is_empty() {
                text.push_str(&format!("{i},{base},,,\n"));
            }
            for (k, (amount, later)) in claims.iter().enumerate() {
                let year = if *later { 2024 } else { 2023 };
                let amount = Decimal::new(*amount, 2);
                text.push_str(&format!("{i},{base},C{k},{year}-03-0{},{amount}\n", k + 1));
            }
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Over generated populations: the 2024 awards add up to the budget exactly when they
    /// overrun it (else are left as they are), no award grows, each row's payer columns add up
    /// to its total, the 2023 awards are never touched, and chunks and threads change nothing.
    #[test]
    fn reduced_awards_add_up_to_the_budget_exactly(
        population in population(),
        budget_cents in 1i64..50_000_000,
    ) {
        let budget = Decimal::new(budget_cents, 2);
        let text = policy(&format!("2023: 1元, 2024: {budget}元 pro_rata"), CLAIMS);
        let set = PolicySet::compile(&[("p.pol", &text)]).unwrap();
        let (rows, summary) = run(&set, &population, 1, 1 << 20);
        let mut before_2024 = Decimal::ZERO;
        let mut after_2024 = Decimal::ZERO;
        let dates: Vec<&str> = population.lines().skip(1).map(|l| l.split(',').nth(3).unwrap()).collect();
        for (line, date) in rows.lines().skip(1).zip(&dates) {
            let cells: Vec<&str> = line.split(',').collect();
            let c = |k: usize| d(cells[k]);
            prop_assert_eq!(c(3) + c(4) + c(5), c(2), "{}", line);
            prop_assert_eq!(c(6) + c(7), c(2), "{}", line);
            prop_assert!(c(6) <= c(8) && c(7) <= c(9), "{}", line);
            // Subject-level awards are dated on the evaluation date (2024).
            after_2024 += c(7);
            before_2024 += c(9);
            if date.starts_with("2024") {
                after_2024 += c(6);
                before_2024 += c(8);
            } else {
                prop_assert_eq!(c(6), c(8), "{}", line);
            }
        }
        if before_2024 > budget {
            prop_assert_eq!(after_2024, budget);
        } else {
            prop_assert_eq!(after_2024, before_2024);
        }
        let line = summary.budgets.iter().find(|b| b.year == 2024).unwrap();
        prop_assert_eq!(line.paid, after_2024);
        for (threads, chunk) in [(2, 1), (3, 97)] {
            let (other, other_summary) = run(&set, &population, threads, chunk);
            prop_assert_eq!(&other, &rows);
            prop_assert_eq!(&other_summary, &summary);
        }
    }
}

/// A staged award (40% on the contract date, 60% on acceptance) and the contract amount, under
/// budgets for 2023 and 2024 reduced pro rata.
const STAGED: &str = "input enterprise { 额: money\n 合同日期: date\n 验收日期: date }\n\
    clause 项目 { source \"第一条\" award 额\n stages { 签约: 40% on 合同日期, 验收: 60% on 验收日期 } }\n";

/// Runs `population` under `set` (the staged policy) with `threads` and `chunk`: rows (subject,
/// total, paid, before) and summary.
fn run_staged(
    set: &PolicySet,
    population: &str,
    threads: usize,
    chunk: usize,
) -> (String, pol::Summary) {
    let mut sim = SimulationOptions::new(Kind::Enterprise);
    sim.threads = threads;
    sim.chunk_size = chunk;
    sim.row_columns = Some("subject,total,市,区,县,项目,项目:before_pro_rata".into());
    let simulation = set
        .simulation(&Options::on("2024-12-31".parse().unwrap()), sim)
        .unwrap();
    assert!(simulation.needs_two_passes());
    let mut rows = Vec::new();
    let mut again = || Ok(population.as_bytes());
    let report = simulation
        .run_twice(
            population.as_bytes(),
            &mut again,
            Some(&mut rows),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    assert!(matches!(report.end, End::Completed), "{:?}", report.end);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    (String::from_utf8(rows).unwrap(), report.summary)
}

#[test]
fn a_stage_counts_in_the_budget_of_the_year_it_is_paid_and_is_reduced_there() {
    // Each firm's award is split 40% signed in 2023, 60% accepted in 2024. The 2023 stages
    // come to 40万元 + 20万元 = 60万元 against a budget of 30万元 (factor 1/2); the 2024
    // stages to 60万元 + 30万元 = 90万元 against a budget of 100万元 (left as they are).
    let text = policy("2023: 30万元 pro_rata, 2024: 100万元 pro_rata", STAGED);
    let set = PolicySet::compile(&[("p.pol", &text)]).unwrap();
    let population = "id,额,合同日期,验收日期\n\
                      1,100万元,2023-05-01,2024-05-01\n\
                      2,50万元,2023-06-01,2024-06-01\n";
    let (rows, summary) = run_staged(&set, population, 1, 1 << 20);
    let lines: Vec<Vec<&str>> = rows
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    // Firm 1: 20万元 (its 40万元 halved) + 60万元; firm 2: 10万元 + 30万元.
    assert_eq!(d(lines[0][5]), d("800000"), "{rows}");
    assert_eq!(d(lines[0][6]), d("1000000"), "{rows}");
    assert_eq!(d(lines[1][5]), d("400000"), "{rows}");
    assert_eq!(d(lines[1][6]), d("500000"), "{rows}");
    for l in &lines {
        assert_eq!(d(l[2]) + d(l[3]) + d(l[4]), d(l[1]), "{rows}");
    }
    let year = |y: i32| summary.budgets.iter().find(|b| b.year == y).unwrap();
    assert_eq!(year(2023).paid, d("300000"));
    assert!(year(2023).pro_rata.as_ref().unwrap().reduced);
    assert_eq!(year(2024).paid, d("900000"));
    assert!(!year(2024).pro_rata.as_ref().unwrap().reduced);
    // `pol eval` pays the amount before any reduction and names the years its stages count in.
    let facts = pol::Facts::from_json(
        r#"{"kind": "enterprise", "id": "1", "attributes": {"额": "100万元", "合同日期": "2023-05-01", "验收日期": "2024-05-01"}}"#,
    )
    .unwrap();
    let decision = set
        .evaluate(&facts, &Options::on("2024-12-31".parse().unwrap()))
        .unwrap();
    let c = &decision.clauses[0];
    assert_eq!(c.paid, Some(pol::Amount::Exact(d("1000000"))));
    let reason = c.reason.as_deref().unwrap_or("");
    assert!(
        reason.contains("counted against the 2023 and 2024 budgets"),
        "{reason}"
    );
}

fn staged_population() -> impl Strategy<Value = String> {
    // Subjects with an award whose stages are dated in 2023, 2024 or (deferred) 2025.
    let subject = (0i64..5_000_000, 2023i32..=2025, 2023i32..=2025);
    prop::collection::vec(subject, 1..25).prop_map(|subjects| {
        let mut text = String::from("id,额,合同日期,验收日期\n");
        for (i, (amount, signed, accepted)) in subjects.iter().enumerate() {
            let amount = Decimal::new(*amount, 2);
            text.push_str(&format!("{i},{amount},{signed}-03-01,{accepted}-04-01\n"));
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Over generated populations of staged awards: each year's stages paid now add up to its
    /// budget exactly when they overrun it (else are left as they are), no award grows, each
    /// row's payer columns add up to its total, deferred stages are never reduced, and chunks
    /// and threads change nothing.
    #[test]
    fn reduced_stages_add_up_to_each_years_budget_exactly(
        population in staged_population(),
        budget_2023 in 1i64..50_000_000,
        budget_2024 in 1i64..50_000_000,
    ) {
        let (b23, b24) = (Decimal::new(budget_2023, 2), Decimal::new(budget_2024, 2));
        let text = policy(&format!("2023: {b23}元 pro_rata, 2024: {b24}元 pro_rata"), STAGED);
        let set = PolicySet::compile(&[("p.pol", &text)]).unwrap();
        let (rows, summary) = run_staged(&set, &population, 1, 1 << 20);
        // The model: each stage's part (40% rounded half up to the fen, the rest), counted in
        // the year of its date; 2025 is after the evaluation date (deferred).
        let mut before = [Decimal::ZERO; 2];
        for line in population.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let amount = d(cells[1]);
            let first = (amount * d("0.4")).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            for (part, date) in [(first, cells[2]), (amount - first, cells[3])] {
                match &date[..4] {
                    "2023" => before[0] += part,
                    "2024" => before[1] += part,
                    _ => {}
                }
            }
        }
        for (k, (year, budget)) in [(2023, b23), (2024, b24)].into_iter().enumerate() {
            let line = summary.budgets.iter().find(|b| b.year == year).unwrap();
            let want = if before[k] > budget { budget } else { before[k] };
            prop_assert_eq!(line.paid, want, "{}", year);
            prop_assert_eq!(line.pro_rata.as_ref().unwrap().paid_before, before[k]);
        }
        for line in rows.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let c = |k: usize| d(cells[k]);
            prop_assert_eq!(c(2) + c(3) + c(4), c(1), "{}", line);
            prop_assert_eq!(c(5), c(1), "{}", line);
            prop_assert!(c(5) <= c(6) || cells[6].is_empty(), "{}", line);
        }
        for (threads, chunk) in [(2, 1), (3, 61)] {
            let (other, other_summary) = run_staged(&set, &population, threads, chunk);
            prop_assert_eq!(&other, &rows);
            prop_assert_eq!(&other_summary, &summary);
        }
    }
}

/// `args` run in `dir`, killed after 20 s: (exit status, standard error), `None` when it hung.
fn pol_within(args: &[&str], dir: &Path) -> Option<(i32, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if child.try_wait().unwrap().is_some() {
            let o = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&o.stderr).into_owned();
            return Some((o.status.code().unwrap_or(-1), err));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
#[cfg(unix)]
fn a_population_or_history_that_is_not_a_regular_file_is_refused_not_waited_for() {
    // Attack 15, F15: a named pipe as population waited for ever for a second writer, and
    // `/dev/stdin` read an empty second pass ("the file is empty").
    let dir = folder(&[
        ("p.pol", &policy("2024: 100元 pro_rata", SINGLE)),
        ("pop.csv", POPULATION),
    ]);
    let made = Command::new("mkfifo")
        .arg(dir.path().join("fifo"))
        .status()
        .unwrap();
    assert!(made.success());
    for (population, history) in [("fifo", None), ("pop.csv", Some("fifo"))] {
        let mut args = vec![
            "simulate",
            "p.pol",
            "--population",
            population,
            "--date",
            "2024-05-01",
            "--out",
            "-",
        ];
        if let Some(h) = history {
            args.extend(["--history", h]);
        }
        let (code, err) = pol_within(&args, dir.path()).expect("pol waited on the pipe");
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("error[F0355]") && err.contains("fifo"),
            "{err}"
        );
    }
    let args = [
        "simulate",
        "p.pol",
        "--population",
        "/dev/stdin",
        "--date",
        "2024-05-01",
        "--out",
        "-",
    ];
    let (code, out, err) = pol(&args, dir.path(), Some(POPULATION));
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("error[F0355]"), "{err}");
}

#[test]
fn a_budget_finer_than_the_rounding_step_is_rounded_down_to_it() {
    // Attack 15, F12 variant: `budget { 2024: 0.001元 pro_rata }` paid one row 0.001 元. The
    // budget is rounded down to the fen (0.00 元), and 100.005 元 to 100.00 元.
    // The summary's factor is the one applied: the budget in whole steps over the total
    // before (100 / 151.01), not 100.005 / 151.01 (it said 0.662241).
    for (budget, paid, factor) in [
        ("0.001元", "0.00", "0"),
        ("100.005元", "100.00", "0.662208"),
    ] {
        let dir = folder(&[
            (
                "p.pol",
                &policy(&format!("2024: {budget} pro_rata"), SINGLE),
            ),
            ("pop.csv", POPULATION),
        ]);
        let args = [
            "simulate",
            "p.pol",
            "--population",
            "pop.csv",
            "--date",
            "2024-05-01",
            "--out",
            "-",
            "--summary",
            "s.json",
        ];
        let (code, out, err) = pol(&args, dir.path(), None);
        assert_eq!(code, 0, "{err}");
        let mut sum = Decimal::ZERO;
        for line in out.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            for cell in &cells[3..7] {
                let x = d(cell);
                assert_eq!(x, x.round_dp(2), "{line}");
            }
            sum += d(cells[3]);
        }
        assert_eq!(sum, d(paid), "{out}");
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap())
                .unwrap();
        let line = &summary["budgets"][0]["pro_rata"];
        assert_eq!(d(line["factor"].as_str().unwrap()), d(factor), "{summary}");
    }
}

#[test]
fn amounts_above_ten_to_the_seventeen_are_reduced_exactly() {
    // Attack 15, F20: B × S in fen passed i128 above about 1.3 × 10^17 元, so every subject
    // failed (F0401) and the run ended in an internal error (F0901, exit 1). Exactly:
    // 10^18 × 600000000000000000.01 / 1200000000000000000.11 = 499999999999999999.962...,
    // floor in fen 499999999999999999.96; the running total 1200000000000000000.04 gives
    // 999999999999999999.94 (so the second grew by 499999999999999999.98); the last, 0.06.
    let dir = folder(&[
        (
            "p.pol",
            &policy("2024: 1000000000000000000元 pro_rata", SINGLE),
        ),
        (
            "pop.csv",
            "id,额\n1,600000000000000000.01\n2,600000000000000000.03\n3,0.07\n",
        ),
    ]);
    let args = [
        "simulate",
        "p.pol",
        "--population",
        "pop.csv",
        "--date",
        "2024-05-01",
        "--out",
        "-",
        "--columns",
        "subject,补助",
        "--summary",
        "s.json",
    ];
    let (code, out, err) = pol(&args, dir.path(), None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "subject,补助\n1,499999999999999999.96\n2,499999999999999999.98\n3,0.06\n"
    );
}

#[test]
fn a_staged_part_smaller_than_the_rounding_step_is_reduced_in_fen() {
    // Attack run 11, B3: with `rounding 1元` a stage paid now of 0.30 元 (stage parts are split
    // to the fen) was reduced in whole yuan and would have been paid 1元, more than it was:
    // the run stopped with F0901 on a valid policy. A policy with staged awards is reduced in
    // fen: 1,452.30 元 against 7元 pays 6.99 元 and 0.01 元, 7.00 元 in all.
    let text = "policy \"测〔2024〕82号\" {\n  title \"整元核减\"\n  issued 2023-01-01\n  \
                effective 2023-01-01 to 2025-12-31\n  funding { 市财政: 100% }\n  \
                same_matter cumulative\n  rounding 1元 half_up\n  budget { 2024: 7元 pro_rata }\n}\n\
                input enterprise {\n  额: money = 0元\n  验收: bool = false\n}\n\
                clause 一 { source \"第一条\" award 额 }\n\
                clause 二 { source \"第二条\" award 1元 stages { 首: 30%, 尾: 70% when 验收 } }\n";
    let dir = folder(&[("p.pol", text), ("pop.csv", "id,额\nE1,1452\n")]);
    let args = [
        "simulate",
        "p.pol",
        "--population",
        "pop.csv",
        "--date",
        "2024-05-01",
        "--columns",
        "subject,total,一,二,一:before_pro_rata,二:before_pro_rata",
        "--out",
        "-",
        "--summary",
        "s.json",
    ];
    let (code, out, err) = pol(&args, dir.path(), None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "subject,total,一,二,一:before_pro_rata,二:before_pro_rata\nE1,7.00,6.99,0.01,1452.00,0.30\n"
    );
    // A policy without stages keeps its whole steps: the same award 1,452 元 against 7元.
    let text = text.replace("stages { 首: 30%, 尾: 70% when 验收 }", "");
    std::fs::write(dir.path().join("p.pol"), text).unwrap();
    let (code, out, err) = pol(&args, dir.path(), None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "subject,total,一,二,一:before_pro_rata,二:before_pro_rata\nE1,7.00,6.00,1.00,1452.00,1.00\n"
    );
}
