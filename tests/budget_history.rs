//! Yearly budgets count the grants of the history (issue 15, attack run 6's F4): a policy's
//! `budget` line for a year is used by what `--history` says was granted under it in that year
//! (every subject's grants, in the population or not) as well as by the run's awards. With
//! `pro_rata` the run's awards are reduced to what the earlier grants left of the budget
//! (nothing, when they used it up); without it the summary reports the overrun. The sums do not
//! depend on chunks or threads, and a grant that cannot be read of a subject outside the
//! population stops the run rather than leave the budget short of it.
//!
//! The policies here are made up for the case each test states; none cites a gazette article
//! (no shipped policy has a budget line).

use std::path::Path;
use std::sync::atomic::AtomicBool;

mod common;
use common::{folder, pol};

use pol::{End, Kind, Options, PolicySet, PopulationFormat, SimulationOptions};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// A policy paying each enterprise `额` (and a once-only `认定奖励` of 5万元 to those with
/// `首次认定`), with `budget` as its budget lines.
fn policy(budget: &str) -> String {
    format!(
        "policy \"测〔2024〕21号\" {{\n  title \"预算与已拨付\"\n  issued 2023-01-01\n  \
         effective 2023-01-01 to 2025-12-31\n  funding {{ 市财政: 100% }}\n  \
         same_matter cumulative\n  budget {{ {budget} }}\n}}\n\
         input enterprise {{\n  首次认定: bool = false\n  额: money = 0元\n}}\n\
         clause 认定奖励 {{\n  source \"第一条\"\n  when 首次认定\n  award 5万元\n  once per enterprise\n}}\n\
         clause 运营补助 {{\n  source \"第二条\"\n  award 额\n}}\n"
    )
}

/// E1 was granted its once-only 5万元 on 2024-02-01; E1 and E2 are each paid 5万元 now.
const POPULATION: &str = "id,首次认定,额\nE1,1,5万元\nE2,0,5万元\n";
const HISTORY: &str =
    "id,document,clause,date,amount\nE1,测〔2024〕21号,认定奖励,2024-02-01,5万元\n";

/// `pol simulate` of the folder's `p.pol`, `pop.csv` and `h.csv` on 2024-05-01 with the
/// columns the tests read: exit status, rows, stderr and the JSON summary.
fn simulate(dir: &Path) -> (i32, String, String, serde_json::Value) {
    simulate_with(
        dir,
        &[
            "--columns",
            "subject,total,运营补助,认定奖励:outcome",
            "--out",
            "-",
        ],
    )
}

/// [`simulate`] with `more` arguments instead of the columns and rows on standard output.
fn simulate_with(dir: &Path, more: &[&str]) -> (i32, String, String, serde_json::Value) {
    let mut args = vec![
        "simulate",
        "p.pol",
        "--population",
        "pop.csv",
        "--history",
        "h.csv",
        "--date",
        "2024-05-01",
        "--summary",
        "s.json",
    ];
    args.extend_from_slice(more);
    let (code, out, err) = pol(&args, dir);
    let summary = std::fs::read_to_string(dir.join("s.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null);
    (code, out, err, summary)
}

/// A folder with the policy of `budget`, [`POPULATION`] and `history`, simulated: the folder
/// (kept for further runs), the exit status, the rows, stderr and the JSON summary.
fn case(
    budget: &str,
    history: &str,
) -> (tempfile::TempDir, i32, String, String, serde_json::Value) {
    let dir = folder(&[
        ("p.pol", &policy(budget)),
        ("pop.csv", POPULATION),
        ("h.csv", history),
    ]);
    let (code, out, err, s) = simulate(dir.path());
    (dir, code, out, err, s)
}

/// Asserts the fields of a budget line (`pro_rata.factor` names a field of `pro_rata`).
fn assert_line(line: &serde_json::Value, expected: &[(&str, &str)]) {
    for (field, value) in expected {
        let got = match field.split_once('.') {
            Some((a, b)) => &line[a][b],
            None => &line[*field],
        };
        assert_eq!(got, value, "{field} of {line}");
    }
}

/// The summary's budget line of `year`.
fn budget(s: &serde_json::Value, year: i64) -> &serde_json::Value {
    let lines = s["budgets"].as_array().expect("budget lines");
    lines
        .iter()
        .find(|b| b["year"] == year)
        .expect("the year's line")
}

#[test]
fn grants_of_the_year_in_the_history_use_the_budget_before_the_runs_awards() {
    // 10万元 for 2024, 5万元 of it granted in February: the run's 10万元 is reduced to the 5万元
    // left, 2.5万元 each, and the line is used to 100%, not 150%.
    let (dir, code, out, err, s) = case("2024: 10万元 pro_rata", HISTORY);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "subject,total,运营补助,认定奖励:outcome\n\
         E1,25000.00,25000.00,already_paid\n\
         E2,25000.00,25000.00,not_eligible\n"
    );
    assert_line(
        &s["budgets"][0],
        &[
            ("earlier", "50000.00"),
            ("paid", "50000.00"),
            ("share_used", "1"),
            ("overrun", "0.00"),
            ("pro_rata.paid_before", "100000.00"),
            ("pro_rata.factor", "0.5"),
        ],
    );

    // Without `pro_rata` the overrun is reported: 5万元 earlier and 10万元 now against 10万元.
    std::fs::write(dir.path().join("p.pol"), policy("2024: 10万元")).unwrap();
    let (code, out, err, s) = simulate(dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("E2,50000.00,50000.00"), "{out}");
    let b = &s["budgets"][0];
    assert_eq!(
        (&b["earlier"], &b["paid"], &b["share_used"], &b["overrun"]),
        (
            &serde_json::json!("50000.00"),
            &serde_json::json!("100000.00"),
            &serde_json::json!("1.5"),
            &serde_json::json!("50000.00")
        )
    );
    // The text names both parts.
    let (code, text, err) = pol(
        &[
            "simulate",
            "p.pol",
            "--population",
            "pop.csv",
            "--history",
            "h.csv",
            "--date",
            "2024-05-01",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains(
            "budget 测〔2024〕21号 2024: 50,000.00 元 granted earlier + 100,000.00 元 this run = \
             150,000.00 元 of 100,000.00 元 used (150.00%), over by 50,000.00 元"
        ),
        "{text}"
    );
}

#[test]
fn grants_of_subjects_outside_the_population_count_and_other_years_do_not() {
    // E0 and E9 are not in the population, but their 2024 grants were paid from the 2024
    // budget; E1's 2023 grant is not this line's.
    let history = "id,document,clause,date,amount\n\
                   E0,测〔2024〕21号,运营补助,2024-01-05,1万元\n\
                   E1,测[2024]21号,运营补助,2023-12-31,3万元\n\
                   E9,测〔2024〕21号,运营补助,2024-03-05,2万元\n";
    let (_dir, code, out, err, s) = case("2023: 1亿元, 2024: 10万元 pro_rata", history);
    assert_eq!(code, 0, "{err}");
    // 3万元 earlier in 2024 leaves 7万元 for the run's 15万元 (E1's once-only award is paid now).
    let b2024 = budget(&s, 2024);
    assert_eq!(b2024["earlier"], "30000.00");
    assert_eq!(b2024["paid"], "70000.00");
    assert_eq!(b2024["share_used"], "1");
    let b2023 = budget(&s, 2023);
    assert_eq!(b2023["earlier"], "30000.00");
    assert_eq!(b2023["paid"], "0.00");
    assert_eq!(s["paid"]["exact"], "70000.00", "{out}");
}

#[test]
fn earlier_grants_too_large_to_hold_to_the_fen_stop_the_summary() {
    // Each grant is whole yuan and fits, but their sum holds 28 digits only without its two
    // places: it was written `…000.0`, and the overrun lost the run's fen (attack run 10, A2).
    let grant = "500000000000000000000000000";
    let history = format!(
        "id,document,clause,date,amount\n\
         E8,测〔2024〕21号,运营补助,2024-01-05,{grant}\n\
         E9,测〔2024〕21号,运营补助,2024-01-06,{grant}\n"
    );
    let (_dir, code, _out, err, s) = case("2024: 1元", &history);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[F0402]: what was granted earlier in 2024 under 测〔2024〕21号 is too large to hold exactly"),
        "{err}"
    );
    assert_eq!(s, serde_json::Value::Null, "no summary is written");
    // A reduction pro rata reads the same sum, held to the fen the same way.
    let (_dir, code, _out, err, _) = case("2024: 1元 pro_rata", &history);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("F0402"), "{err}");
    // One such grant is held, and every figure of the line keeps its fen.
    let history =
        format!("id,document,clause,date,amount\nE8,测〔2024〕21号,运营补助,2024-01-05,{grant}\n");
    let (_dir, code, _out, err, s) = case("2024: 1元", &history);
    assert_eq!(code, 0, "{err}");
    assert_line(
        &s["budgets"][0],
        &[
            ("earlier", "500000000000000000000000000.00"),
            ("paid", "150000.00"),
            ("overrun", "500000000000000000000149999.00"),
        ],
    );
}

#[test]
fn earlier_grants_that_used_up_the_budget_leave_the_run_nothing() {
    // 12万元 granted against 10万元: every award of the run is reduced to zero, and the line
    // shows the overrun the history already made.
    let history = "id,document,clause,date,amount\nE7,测〔2024〕21号,运营补助,2024-01-05,12万元\n";
    let (_dir, code, out, err, s) = case("2024: 10万元 pro_rata", history);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "subject,total,运营补助,认定奖励:outcome\n\
         E1,0.00,0.00,awarded\n\
         E2,0.00,0.00,not_eligible\n"
    );
    assert_line(
        &s["budgets"][0],
        &[
            ("earlier", "120000.00"),
            ("paid", "0.00"),
            ("overrun", "20000.00"),
            ("pro_rata.factor", "0"),
        ],
    );
}

#[test]
fn an_unreadable_or_repeated_grant_outside_the_population_stops_a_run_with_budgets() {
    // E0 is not in the population; its grant's amount cannot be read. With a budget line the
    // budget cannot know what it paid: F0261, exit 1. Without one, the grant concerns no one.
    let history = "id,document,clause,date,amount\nE0,测〔2024〕21号,运营补助,2024-01-05,五万\n";
    let (dir, code, _, err, _) = case("2024: 10万元", history);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("F0261"), "{err}");
    assert!(err.contains("not in the population"), "{err}");
    // After the population's last subject too.
    let history = "id,document,clause,date,amount\nE9,测〔2024〕21号,运营补助,2024-01-05,五万\n";
    std::fs::write(dir.path().join("h.csv"), history).unwrap();
    let (code, _, err, _) = simulate(dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("F0261"), "{err}");
    // A grant listed twice of a subject outside the population (no evaluation refuses it) would
    // be counted twice: refused too.
    let history = "id,document,clause,date,amount\n\
                   E0,测〔2024〕21号,运营补助,2024-01-05,1万元\n\
                   E0,测[2024]21号,运营补助,2024-01-05,10000\n";
    std::fs::write(dir.path().join("h.csv"), history).unwrap();
    let (code, _, err, _) = simulate(dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("history line 2 and history line 3 (F0171)"),
        "{err}"
    );
    let without = policy("2024: 10万元").replace("  budget { 2024: 10万元 }\n", "");
    assert!(!without.contains("budget"));
    std::fs::write(dir.path().join("p.pol"), without).unwrap();
    let (code, _, err, _) = simulate(dir.path());
    assert_eq!(code, 0, "{err}");
}

#[test]
fn grants_outside_the_population_are_checked_as_a_subjects_are() {
    // Attack run 7: grants of subjects not in the population were counted unchecked. Each of
    // these fails a subject of the population (F0161-F0176); outside it, it stops the run.
    let cases = [
        ("运营奖励,2024-01-05,1万元,", "F0161"),
        ("运营补助,2024-06-05,1万元,", "F0162"),
        ("运营补助,2022-06-05,1万元,", "F0163"),
        ("运营补助,2023-06-05,8万元,2024", "F0176"),
    ];
    for (grant, code) in cases {
        let history = format!("id,document,clause,date,amount,year\nE0,测〔2024〕21号,{grant}\n");
        let (dir, exit, out, err, _) = case("2023: 1亿元, 2024: 10万元 pro_rata", &history);
        assert_eq!(exit, 1, "{grant}: {err}");
        assert!(
            err.contains("F0261") && err.contains(code),
            "{grant}: {err}"
        );
        assert!(
            err.contains("`E0`, a subject not in the population"),
            "{err}"
        );
        assert!(out.lines().count() <= 1, "{out}");
        // The same grant of a subject of the population fails that subject; its grants,
        // which the budgets count all the same, cannot be counted either: the run stops.
        let history = history.replace("E0,", "E1,");
        std::fs::write(dir.path().join("h.csv"), &history).unwrap();
        let (exit, out, err, _) = simulate(dir.path());
        assert_eq!(exit, 1, "{grant}: {err}");
        assert!(err.contains(code), "{err}{out}");
        assert!(err.contains("error[F0261]: subject `E1` failed"), "{err}");
        assert!(!out.contains("E2"), "{out}");
    }
}

#[test]
fn a_history_changed_between_the_two_passes_stops_the_run() {
    // Attack run 7: the first pass's earlier grants set the reduction, the second's were
    // shown. Now the second pass checks it read the same (F0404), as for the population.
    let text = policy("2024: 10万元 pro_rata");
    let set = PolicySet::compile(&[("p.pol", &text)]).unwrap();
    let simulation = set
        .simulation(
            &Options::on("2024-05-01".parse().unwrap()),
            SimulationOptions::new(Kind::Enterprise),
        )
        .unwrap();
    let mut opened = 0;
    let mut open = || {
        opened += 1;
        let amount = if opened == 1 { "1万元" } else { "5万元" };
        Ok(std::io::Cursor::new(
            format!(
                "id,document,clause,date,amount\nE0,测〔2024〕21号,运营补助,2024-01-05,{amount}\n"
            )
            .into_bytes(),
        ))
    };
    let mut again = || Ok(POPULATION.as_bytes());
    let mut rows = Vec::new();
    let report = simulation
        .run_twice_with_history(
            POPULATION.as_bytes(),
            &mut again,
            Some((&mut open, PopulationFormat::Csv)),
            Some(&mut rows),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    match report.end {
        End::SummaryFailed(f) => {
            assert_eq!(f.code, pol::ProblemCode::ChangedBetweenPasses, "{f:?}");
            assert!(f.message.contains("history"), "{f:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_budget_of_zero_states_no_share() {
    // Attack run 7: a budget of 0 overrun said "0.00%" used.
    let (_dir, code, _, err, s) = case("2024: 0元", HISTORY);
    assert_eq!(code, 0, "{err}");
    let b = &s["budgets"][0];
    assert_eq!(b["share_used"], serde_json::Value::Null);
    assert_eq!(b["overrun"], "150000.00");
}

/// Runs `population` with `history` through `set` with `threads` and `chunk`: rows and summary.
fn run(
    set: &PolicySet,
    population: &str,
    history: &str,
    threads: usize,
    chunk: usize,
) -> (String, pol::Summary) {
    let mut sim = SimulationOptions::new(Kind::Enterprise);
    sim.threads = threads;
    sim.chunk_size = chunk;
    sim.row_columns = Some("subject,total,运营补助,运营补助:before_pro_rata".into());
    let simulation = set
        .simulation(&Options::on("2024-12-31".parse().unwrap()), sim)
        .unwrap();
    let mut rows = Vec::new();
    let mut again = || Ok(population.as_bytes());
    let mut open = || Ok(history.as_bytes());
    let report = simulation
        .run_twice_with_history(
            population.as_bytes(),
            &mut again,
            Some((&mut open, PopulationFormat::Csv)),
            Some(&mut rows),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    assert!(matches!(report.end, End::Completed), "{:?}", report.end);
    (String::from_utf8(rows).unwrap(), report.summary)
}

/// A population of subjects 1..=n paid `额`, and a history of grants of subjects 1..=n+3 (some
/// outside the population), each in 2023 or 2024: (population, history, the 2024 grants' sum).
fn population_and_history() -> impl Strategy<Value = (String, String, Decimal)> {
    let grant = (0i64..3_000_000, any::<bool>());
    let subject = (0i64..2_000_000, prop::collection::vec(grant, 0..3));
    prop::collection::vec(subject, 1..20).prop_map(|subjects| {
        let n = subjects.len();
        let mut population = String::from("id,额\n");
        let mut history = String::from("id,document,clause,date,amount\n");
        let mut earlier = Decimal::ZERO;
        for (i, (amount, grants)) in subjects.iter().enumerate() {
            // Every third subject is left out of the population (its grants still count).
            if i % 3 != 2 || i + 1 == n {
                population.push_str(&format!("{},{}\n", i + 1, Decimal::new(*amount, 2)));
            }
            for (k, (paid, in_2024)) in grants.iter().enumerate() {
                let year = if *in_2024 { 2024 } else { 2023 };
                let paid = Decimal::new(*paid, 2);
                if *in_2024 {
                    earlier += paid;
                }
                history.push_str(&format!(
                    "{},测〔2024〕21号,运营补助,{year}-0{}-01,{paid}\n",
                    i + 1,
                    k + 1
                ));
            }
        }
        (population, history, earlier)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Over generated populations and histories: the run's 2024 awards come to what the 2024
    /// grants left of the budget (none when they used it up) when they pass it, else stay as
    /// they are; the summary's line counts every 2024 grant; chunks and threads change nothing.
    #[test]
    fn the_run_pays_at_most_what_the_earlier_grants_left(
        (population, history, earlier) in population_and_history(),
        budget_cents in 1i64..3_000_000,
    ) {
        let budget = Decimal::new(budget_cents, 2);
        let text = policy(&format!("2024: {budget}元 pro_rata"));
        let set = PolicySet::compile(&[("p.pol", &text)]).unwrap();
        let (rows, summary) = run(&set, &population, &history, 1, 1 << 20);
        let (mut after, mut before) = (Decimal::ZERO, Decimal::ZERO);
        for line in rows.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let c = |k: usize| cells[k].parse::<Decimal>().unwrap_or_default();
            prop_assert!(c(2) <= c(3), "{}", line);
            after += c(2);
            before += c(3);
        }
        let room = (budget - earlier).max(Decimal::ZERO);
        if before > room {
            prop_assert_eq!(after, room);
        } else {
            prop_assert_eq!(after, before);
        }
        prop_assert_eq!(summary.errors, 0);
        let line = &summary.budgets[0];
        prop_assert_eq!(line.earlier, earlier);
        prop_assert_eq!(line.paid, after);
        prop_assert_eq!(line.overrun, (earlier + after - budget).max(Decimal::ZERO));
        for (threads, chunk) in [(2, 1), (3, 17)] {
            let (other, other_summary) = run(&set, &population, &history, threads, chunk);
            prop_assert_eq!(&other, &rows);
            prop_assert_eq!(
                serde_json::to_value(&other_summary).unwrap(),
                serde_json::to_value(&summary).unwrap()
            );
        }
    }
}

/// A policy with clauses for enterprises and for persons under one budget reduced pro rata.
const TWO_KINDS: &str =
    "policy \"测〔2024〕41号\" {\n  title \"项目与人才\"\n  issued 2023-01-01\n  \
     effective 2023-01-01 to 2025-12-31\n  funding { 市财政: 100% }\n  same_matter cumulative\n  \
     budget { 2024: 20万元 pro_rata }\n}\n\
     input enterprise { 额: money = 0元 }\ninput person { 额: money = 0元 }\n\
     clause 运营补助 { source \"第一条\" subject enterprise award 额 }\n\
     clause 人才补助 { source \"第二条\" subject person award 额 }\n";

#[test]
fn a_budget_shared_with_another_kind_warns_and_counts_that_kinds_grants() {
    // Attack run 8, N1: a run of each kind reduced its awards to the whole budget. A person's
    // grant in the history of an enterprise run counts (a subject outside the population may
    // be of any kind), and the run warns that the budget also pays persons (F0216).
    let history = "id,document,clause,date,amount\nP9,测〔2024〕41号,人才补助,2024-01-05,5万元\n";
    let dir = folder(&[
        ("p.pol", TWO_KINDS),
        ("pop.csv", "id,额\nE1,15万元\nE2,15万元\n"),
        ("h.csv", history),
    ]);
    let args = |more: &[&'static str]| {
        let mut a = vec![
            "simulate",
            "p.pol",
            "--population",
            "pop.csv",
            "--history",
            "h.csv",
            "--date",
            "2024-05-01",
            "--out",
            "o.csv",
            "--summary",
            "s.json",
        ];
        a.extend_from_slice(more);
        a
    };
    let (code, _, err) = pol(&args(&[]), dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning[F0216]") && err.contains("`person`"),
        "{err}"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    assert_line(
        &s["budgets"][0],
        &[("earlier", "50000.00"), ("paid", "150000.00")],
    );
    assert_eq!(
        s["budgets"][0]["kinds_not_run"],
        serde_json::json!(["person"])
    );
    // With --deny-warnings the run stops, its outputs not written.
    std::fs::remove_file(dir.path().join("s.json")).unwrap();
    let (code, _, err) = pol(&args(&["--deny-warnings"]), dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(!dir.path().join("s.json").exists());
}

/// A policy paying each enterprise 1万元 a year for three years after its 认定日期, with
/// budgets for 2023 and 2024.
const RUN: &str = "policy \"测〔2024〕31号\" {\n  title \"多年\"\n  issued 2022-01-01\n  \
     effective 2022-01-01 to 2026-12-31\n  funding { 市财政: 100% }\n  same_matter cumulative\n  \
     budget { 2023: 50万元, 2024: 10万元 pro_rata }\n}\n\
     input enterprise { 认定日期: date }\n\
     clause 三年运营补助 { source \"第五条\" for 3 years after 认定日期 award 1万元 }\n";

#[test]
fn the_year_of_a_grant_outside_the_population_must_be_one_a_run_can_pay() {
    // Attack run 8, N2: without its start date, the year of an outsider's grant was taken as
    // written, so a typo (2042) moved it out of every budget line. A year of a run is paid
    // only within the clause's window and not after the evaluation date.
    let grant = |year: &str| {
        format!("id,document,clause,date,amount,year\nE0,测〔2024〕31号,三年运营补助,2024-02-01,3万元,{year}\n")
    };
    for (year, fits) in [
        ("2024", true),
        ("2023", true),
        ("2042", false),
        ("2021", false),
        ("2025", false),
    ] {
        let dir = folder(&[
            ("p.pol", RUN),
            ("pop.csv", "id,认定日期\nE1,2022-05-01\n"),
            ("h.csv", &grant(year)),
        ]);
        let (code, _, err, s) = simulate_with(dir.path(), &["--out", "o.csv"]);
        if fits {
            assert_eq!(code, 0, "{year}: {err}");
            assert_eq!(
                budget(&s, year.parse().unwrap())["earlier"],
                "30000.00",
                "{year}"
            );
        } else {
            assert_eq!(code, 1, "{year}: {err}");
            assert!(
                err.contains("F0261") && err.contains("F0176"),
                "{year}: {err}"
            );
        }
    }
}

#[test]
fn a_range_is_shown_as_one_and_one_firm_spelled_two_ways_is_one_subject_ignored() {
    // Attack run 8, N3: an "up to" award made the line's figures its most without a word;
    // N4: an outsider written `(集团)` and `（集团）` was counted as two subjects ignored.
    let policy = "policy \"测〔2024〕51号\" {\n  title \"区间\"\n  issued 2023-01-01\n  \
         effective 2023-01-01 to 2025-12-31\n  funding { 市财政: 100% }\n  same_matter cumulative\n  \
         budget { 2024: 10万元 }\n}\ninput enterprise { 额: money = 0元 }\n\
         clause 奖励 { source \"第一条\" award up to 5万元 }\n\
         clause 补助 { source \"第二条\" award 额 }\n";
    let history = "id,document,clause,date,amount\n\
                   A(集团),测〔2024〕51号,补助,2024-01-05,4000\n\
                   A（集团）,测〔2024〕51号,补助,2024-01-06,6000\n";
    let dir = folder(&[
        ("p.pol", policy),
        ("pop.csv", "id,额\nE1,1万元\nE2,1万元\n"),
        ("h.csv", history),
    ]);
    let (code, _, err, s) = simulate_with(dir.path(), &["--out", "o.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_line(
        &s["budgets"][0],
        &[
            ("paid", "120000.00"),
            ("paid_at_least", "20000.00"),
            ("earlier", "10000.00"),
            ("overrun", "30000.00"),
        ],
    );
    assert_eq!(s["history_subjects_ignored"], 1);
    let args = [
        "simulate",
        "p.pol",
        "--population",
        "pop.csv",
        "--history",
        "h.csv",
        "--date",
        "2024-05-01",
    ];
    let (_, text, _) = pol(&args, dir.path());
    assert!(
        text.contains("20,000.00 元 to 120,000.00 元 (a range: its most counted) this run")
            && text.contains("over by up to 30,000.00 元"),
        "{text}"
    );
}

#[test]
fn a_reduction_in_one_policy_keeps_the_linked_range_of_another() {
    // Attack run 9: 92号's "up to 5万元" and its fixed 10万元 share a limit of 12万元, so 92号
    // pays 10万元 to 12万元; 91号's 2万元 is reduced to its 1万元 budget. The subject's total is
    // 11万元 to 13万元 (as `pol eval` gives 12万元 to 14万元 before the reduction); the reduction
    // made it the sum of the awards' own ranges, 8万元 to 16万元, a most nothing can pay.
    let a = "policy \"测〔2024〕91号\" {\n  title \"甲\"\n  issued 2023-01-01\n  \
             effective 2023-01-01 to 2025-12-31\n  funding { 市财政: 100% }\n  \
             same_matter cumulative\n  budget { 2024: 1万元 pro_rata }\n}\n\
             clause 甲奖 { source \"第一条\" award 2万元 }\n";
    let b = "policy \"测〔2024〕92号\" {\n  title \"乙\"\n  issued 2023-01-01\n  \
             effective 2023-01-01 to 2025-12-31\n  funding { 市财政: 100% }\n  \
             same_matter cumulative\n}\n\
             limit 共享: 12万元 per enterprise per year\n\
             clause 乙一 { source \"第一条\" award up to 5万元 limit 共享 }\n\
             clause 乙二 { source \"第二条\" award 10万元 limit 共享 }\n";
    let dir = folder(&[("a.pol", a), ("b.pol", b), ("pop.csv", "id\n1\n")]);
    let args = [
        "simulate",
        "a.pol",
        "b.pol",
        "--population",
        "pop.csv",
        "--date",
        "2024-05-01",
        "--columns",
        "subject,total",
        "--out",
        "-",
        "--summary",
        "s.json",
    ];
    let (code, out, err) = pol(&args, dir.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "subject,total\n1,110000.00..130000.00\n");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(s["paid"]["max"], "130000.00");
    assert_eq!(s["distribution"]["max"], "130000.00");
}

#[test]
fn a_subject_that_fails_still_counts_its_grants() {
    // Review of this session: a subject of the population that failed (a bad cell) left its
    // grants out of the budget, so the others' awards reduced pro rata got the room they used.
    let dir = folder(&[
        ("p.pol", &policy("2024: 10万元 pro_rata")),
        (
            "pop.csv",
            "id,首次认定,额\nE1,1,五万\nE2,0,5万元\nE3,0,5万元\n",
        ),
        ("h.csv", HISTORY),
    ]);
    let (code, out, err, s) = simulate(dir.path());
    assert_eq!(code, 1, "{err}");
    // E1's 5万元 granted in February leaves 5万元 for E2 and E3's 10万元.
    assert!(
        out.contains("E2,25000.00,25000.00") && out.contains("E3,25000.00"),
        "{out}"
    );
    assert_line(
        &s["budgets"][0],
        &[("earlier", "50000.00"), ("paid", "50000.00")],
    );
}

#[test]
fn a_once_only_award_blocked_by_one_reduced_to_nothing_cannot_be_evaluated() {
    // 甲's once-only 5万元 for the matter 首次认定 is reduced to nothing (an outsider's grant
    // used the 2024 budget up), so 乙's award of the matter, made *already paid* by it, would
    // leave the matter paid by neither without a word; paying 乙 instead hangs on the budget
    // (attack run 10, A4). It cannot be evaluated, as when a limit cuts 甲 to nothing.
    let a = "policy \"测〔2024〕11号\" {\n  title \"甲\"\n  issued 2023-01-01\n  \
             effective 2023-01-01 to 2025-12-31\n  funding { 市财政: 100% }\n  \
             same_matter cumulative\n  budget { 2024: 10万元 pro_rata }\n}\n\
             input enterprise { 额: money = 0元 }\n\
             clause 认定甲 { source \"第一条\" matter \"首次认定\" award 5万元 once per enterprise and matter }\n\
             clause 运营 { source \"第二条\" award 额 }\n";
    let b = "policy \"测〔2024〕12号\" {\n  title \"乙\"\n  issued 2023-01-01\n  \
             effective 2023-01-01 to 2025-12-31\n  funding { 区财政: 100% }\n  \
             same_matter cumulative\n}\n\
             clause 认定乙 { source \"第一条\" matter \"首次认定\" award 5万元 once per enterprise and matter }\n";
    let run = |history: &str| {
        let dir = folder(&[
            ("a.pol", a),
            ("b.pol", b),
            ("pop.csv", "id,额\nE1,0\n"),
            ("h.csv", history),
        ]);
        let (code, out, err) = pol(
            &[
                "simulate",
                "a.pol",
                "b.pol",
                "--population",
                "pop.csv",
                "--history",
                "h.csv",
                "--date",
                "2024-05-01",
                "--columns",
                "subject,total,测〔2024〕11号/认定甲,测〔2024〕11号/认定甲:outcome,测〔2024〕12号/认定乙:outcome",
                "--out",
                "-",
            ],
            dir.path(),
        );
        assert_eq!(code, 0, "{err}");
        // The header names the columns in full; the rows are what the test reads.
        out.replacen("测〔2024〕11号/认定", "", 2)
            .replacen("测〔2024〕12号/认定", "", 1)
    };
    let used_up = "id,document,clause,date,amount\nX9,测〔2024〕11号,运营,2024-01-05,10万元\n";
    assert_eq!(
        run(used_up),
        "subject,total,甲,甲:outcome,乙:outcome\nE1,0.00,0.00,awarded,cannot_evaluate\n"
    );
    // Reduced but not to nothing, 甲 still pays the matter: 乙 is already paid.
    let half = "id,document,clause,date,amount\nX9,测〔2024〕11号,运营,2024-01-05,7.5万元\n";
    assert_eq!(
        run(half),
        "subject,total,甲,甲:outcome,乙:outcome\nE1,25000.00,25000.00,awarded,already_paid\n"
    );
}

#[test]
fn a_cap_that_counted_an_award_before_its_reduction_is_warned_about() {
    // Attack run 11, B2: C1 (2024) is reduced to nothing (the budget was used up by the
    // history), but `cap 5万元 per enterprise` counted its 5万元, so C2 (2025, no overrun) is
    // cut to nothing too. The reduction comes after each subject is decided (README): the
    // run says so (F0217), and --deny-warnings stops it.
    let policy = "policy \"测〔2024〕72号\" {\n  title \"封顶与核减\"\n  issued 2023-01-01\n  \
                  effective 2023-01-01 to 2025-12-31\n  funding { 市财政: 100% }\n  \
                  same_matter cumulative\n  budget { 2024: 10万元 pro_rata }\n}\n\
                  input project { 合格: bool = true }\n\
                  input enterprise { 运营: bool = false }\n\
                  clause 认定 {\n  source \"第一条\"\n  per project\n  when 合格\n  award 5万元\n  cap 5万元 per enterprise\n}\n\
                  clause 运营 { source \"第二条\" when 运营 award 10万元 }\n";
    let dir = folder(&[
        ("p.pol", policy),
        (
            "pop.csv",
            "id,claim_id,claim_date,合格\nE1,C1,2024-03-01,1\nE1,C2,2025-03-01,1\nE2,C3,2025-03-01,1\n",
        ),
        (
            "h.csv",
            "id,document,clause,date,amount\nX9,测〔2024〕72号,运营,2024-01-05,10万元\n",
        ),
    ]);
    let mut args = vec![
        "simulate",
        "p.pol",
        "--population",
        "pop.csv",
        "--history",
        "h.csv",
        "--date",
        "2025-05-01",
        "--columns",
        "subject,claim,认定,认定:before_pro_rata",
        "--out",
        "-",
        "--summary",
        "s.json",
    ];
    let (code, out, err) = pol(&args, dir.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "subject,claim,认定,认定:before_pro_rata\nE1,C1,0.00,50000.00\nE1,C2,0.00,0.00\nE2,C3,50000.00,50000.00\n"
    );
    assert!(
        err.contains("warning[F0217]: 1 subject had an award cut by a cap or limit"),
        "{err}"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(s["subjects_cut_before_reduction"], 1, "{s}");
    args.push("--deny-warnings");
    let (code, _, err) = pol(&args, dir.path());
    assert_eq!(code, 1, "{err}");
}

#[test]
fn f0217_asks_which_bound_cut_the_later_award() {
    // Attack run 12: the first check took the reduction itself for a cut (two claims of the
    // overrun year under a cap never reached: a false F0217 that --deny-warnings refused), and
    // missed a later award cut by the cap and then superseded under `same_matter highest`
    // (paid 3万元 where the cap's room allowed 5万元). A later award is now counted when a
    // bound the reduced award met cut it by room earlier awards took, whatever became of it.
    let run = |policy: &str, population: &str, history: &str, date: &str| {
        let dir = folder(&[
            ("p.pol", policy),
            ("pop.csv", population),
            ("h.csv", history),
        ]);
        pol(
            &[
                "simulate",
                "p.pol",
                "--population",
                "pop.csv",
                "--history",
                "h.csv",
                "--date",
                date,
                "--out",
                "-",
                "--deny-warnings",
            ],
            dir.path(),
        )
    };
    let no_grants = "id,document,clause,date,amount\n";
    let (code, out, err) = run(
        "policy \"测〔2024〕94号\" {\n  title \"同年误报\"\n  issued 2023-01-01\n  effective 2023-01-01 to 2025-12-31\n  funding { 市财政: 100% }\n  same_matter cumulative\n  budget { 2024: 1万元 pro_rata }\n}\ninput project { 额: money }\nclause 认定 {\n  source \"第一条\"\n  per project\n  award 额\n  cap 100万元 per enterprise\n}\n",
        "id,claim_id,claim_date,额\nE1,C1,2024-03-01,1万元\nE1,C2,2024-04-01,1万元\n",
        no_grants,
        "2024-12-31",
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("F0217"), "{err}");
    assert!(out.contains("E1,C2,5000.00"), "{out}");
    let (code, _, err) = run(
        "policy \"测〔2024〕92号\" {\n  title \"就高封顶核减\"\n  issued 2023-01-01\n  effective 2023-01-01 to 2025-12-31\n  funding { 市财政: 100% }\n  same_matter highest\n  budget { 2024: 10万元 pro_rata }\n}\ninput project { 合格: bool = true }\nclause 甲 {\n  source \"第一条\"\n  per project\n  item \"申报\"\n  matter \"认定\"\n  when 合格\n  award 5万元\n  cap 5万元 per enterprise\n}\nclause 乙 {\n  source \"第二条\"\n  per project\n  item \"申报\"\n  matter \"认定\"\n  when 合格\n  award 3万元\n}\nclause 运营 { source \"第三条\" award 1元 }\n",
        "id,claim_id,claim_date,item\nE1,C1,2024-03-01,申报\nE1,C2,2025-03-01,申报\n",
        "id,document,clause,date,amount\nX9,测〔2024〕92号,运营,2024-01-05,10万元\n",
        "2025-05-01",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("warning[F0217]: 1 subject had"), "{err}");
}
