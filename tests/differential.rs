//! Differential test over generated policies: the three ways pol decides one subject must agree.
//!
//! For random policies (inputs, lets, a fixed and a dated parameter, conditions built from
//! and/or/implies/not, every award form, caps per claim and per subject (yearly or not), shared
//! and own limits per subject and per project, matters, clause windows, rounding rules, both
//! payer splits)
//! and random facts (values given or left out, several claims), the decision
//! - with reasons (what `pol eval` prints),
//! - with a full explanation (`pol eval --explain`), and
//! - without words (the silent tracer `pol simulate` uses), as the rows written by
//!   `pol simulate` for the same subject,
//!
//! give the same outcome and the same paid amount, to the fen, for every clause and claim; and
//! the simulation's summary adds up to its rows. (Inside the crate, src/simulate/tests.rs also
//! compares the silent evaluator's verdicts with decisions directly.)

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use pol::{Facts, Options, PolicySet};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rust_decimal::Decimal;
use serde_json::Value;

/// One generated clause, as policy text.
#[derive(Debug, Clone)]
struct ClauseSpec {
    per_project: bool,
    matter: Option<&'static str>,
    window: Option<(&'static str, &'static str)>,
    condition: String,
    award: String,
    caps: Vec<String>,
    limits: Vec<String>,
}

#[derive(Debug, Clone)]
struct PolicySpec {
    highest: bool,
    per_subject: bool,
    payers: usize,
    limit0: i64,
    limit1: i64,
    /// A shared limit per project, named by per-project clauses.
    limit2: i64,
    /// The header's rounding line, if any.
    rounding: Option<&'static str>,
    clauses: Vec<ClauseSpec>,
}

/// A money literal of a whole number of yuan.
fn yuan(n: i64) -> String {
    format!("{n}元")
}

fn subject_atom() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("b0".to_string()),
        Just("b1".to_string()),
        (0i64..3_000_000).prop_map(|n| format!("m0 >= {}", yuan(n))),
        (0i64..3_000_000).prop_map(|n| format!("m1 < {}", yuan(n))),
        (0i64..1_000_000).prop_map(|n| format!("d0 > {}", yuan(n))),
        (0u32..200).prop_map(|pc| format!("r0 >= {pc}%")),
        Just("e0 == 甲".to_string()),
        Just("e0 in { 甲, 乙 }".to_string()),
        Just("e0 not in { 丙 }".to_string()),
    ]
}

fn claim_atom() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("pb".to_string()),
        (0i64..2_000_000).prop_map(|n| format!("pm >= {}", yuan(n))),
        Just("pe == 转让".to_string()),
    ]
}

/// A yes/no condition; claim inputs only where the clause is evaluated per claim.
fn condition(per_project: bool) -> BoxedStrategy<String> {
    let leaf = if per_project {
        prop_oneof![subject_atom(), claim_atom()].boxed()
    } else {
        subject_atom().boxed()
    };
    leaf.prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} implies {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
    .boxed()
}

fn base(per_project: bool) -> BoxedStrategy<String> {
    let subject = prop_oneof![
        Just("m0".to_string()),
        Just("m1".to_string()),
        Just("d0".to_string()),
        Just("min(m0, m1)".to_string()),
    ];
    if per_project {
        prop_oneof![
            subject,
            Just("pm".to_string()),
            Just("min(pm, m0)".to_string())
        ]
        .boxed()
    } else {
        subject.boxed()
    }
}

fn award(per_project: bool) -> BoxedStrategy<String> {
    let table_key = if per_project { "pe" } else { "e0" };
    let rows = if per_project {
        ("开发", "转让")
    } else {
        ("甲", "乙")
    };
    prop_oneof![
        (1i64..2_000_000).prop_map(|n| format!("award {}", yuan(n))),
        (1u32..300, base(per_project))
            .prop_map(|(bp, b)| format!("award {}% of {b}", Decimal::new(bp.into(), 1))),
        base(per_project).prop_map(|b| format!("award p0 of {b}")),
        // A dated rate: a claim dated before its change takes the earlier value.
        base(per_project).prop_map(|b| format!("award p1 of {b}")),
        (0i64..500_000, 0i64..500_000).prop_map(move |(a, b)| format!(
            "award by {table_key} {{ {}: {}, {}: {}, else: 0元 }}",
            rows.0,
            yuan(a),
            rows.1,
            yuan(b)
        )),
        (1u32..50, 1u32..50, base(per_project)).prop_map(move |(a, b, x)| format!(
            "award by {table_key} {{ {}: {a}%, else: {b}% }} of {x}",
            rows.0
        )),
        (
            1i64..1_000_000,
            1i64..1_000_000,
            0i64..300_000,
            0i64..300_000,
            0i64..300_000
        )
            .prop_map(|(t1, t2, a, b, c)| {
                let (lo, hi) = (t1.min(t2), t1.max(t2) + 1);
                format!(
                    "award bracket m0 {{ < {}: {}  >= {} and < {}: {}  >= {}: {} }}",
                    yuan(lo),
                    yuan(a),
                    yuan(lo),
                    yuan(hi),
                    yuan(b),
                    yuan(hi),
                    yuan(c)
                )
            }),
        (1i64..1_000_000).prop_map(|n| format!("award up to {}", yuan(n))),
        (1i64..1_000_000).prop_map(|n| format!("award up to {} assessed m1", yuan(n))),
        Just("award match 1:1 of m1".to_string()),
    ]
    .boxed()
}

fn clause() -> impl Strategy<Value = ClauseSpec> {
    any::<bool>().prop_flat_map(|per_project| {
        (
            prop_oneof![1 => Just(None), 2 => Just(Some("甲事项")), 1 => Just(Some("乙事项"))],
            prop_oneof![
                6 => Just(None),
                2 => Just(Some(("2024-01-01", "2024-12-31"))),
                1 => Just(Some(("2023-03-01", "2024-03-31"))),
            ],
            condition(per_project),
            award(per_project),
            prop::option::of(1i64..1_000_000),
            prop::option::of((1i64..3_000_000, any::<bool>())),
            (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
                move |(a, b, c, d)| {
                    [
                        (a, "limit L0"),
                        (b, "limit L1"),
                        (c, "limit 500000元 per enterprise per year"),
                        (d && per_project, "limit L2"),
                    ]
                    .into_iter()
                    .filter_map(|(on, l)| on.then_some(l.to_string()))
                    .collect::<Vec<_>>()
                },
            ),
            prop::option::of(1i64..800_000),
        )
            .prop_map(
                move |(
                    matter,
                    window,
                    condition,
                    award,
                    cap_claim,
                    cap_subject,
                    mut limits,
                    own_project_limit,
                )| {
                    let mut caps = Vec::new();
                    if let (true, Some(c)) = (per_project, cap_claim) {
                        caps.push(format!("cap {} per project", yuan(c)));
                    }
                    if let Some((c, yearly)) = cap_subject {
                        let year = if yearly { " per year" } else { "" };
                        caps.push(format!("cap {} per enterprise{year}", yuan(c)));
                    }
                    if let (true, Some(l)) = (per_project, own_project_limit) {
                        limits.push(format!("limit {} per project", yuan(l)));
                    }
                    ClauseSpec {
                        per_project,
                        matter,
                        window,
                        condition,
                        award,
                        caps,
                        limits,
                    }
                },
            )
    })
}

fn policy_spec() -> impl Strategy<Value = PolicySpec> {
    (
        any::<bool>(),
        any::<bool>(),
        1usize..=3,
        1i64..3_000_000,
        1i64..5_000_000,
        1i64..1_500_000,
        prop_oneof![
            3 => Just(None),
            1 => Just(Some("rounding 1元 down")),
            1 => Just(Some("rounding 100元 half_even")),
            1 => Just(Some("rounding 0.1元 up")),
        ],
        prop::collection::vec(clause(), 1..=5),
    )
        .prop_map(
            |(highest, per_subject, payers, limit0, limit1, limit2, rounding, clauses)| {
                PolicySpec {
                    highest,
                    per_subject,
                    payers,
                    limit0,
                    limit1,
                    limit2,
                    rounding,
                    clauses,
                }
            },
        )
}

fn policy_text(p: &PolicySpec) -> String {
    let funding = match p.payers {
        1 => "市级财政: 100%",
        2 => "市级财政: 50%, 区级财政: 50%",
        _ => "市级财政: 33.34%, 区级财政: 33.33%, 镇级财政: 33.33%",
    };
    let mut s = format!(
        "policy \"差分〔2023〕1号\" {{\n  title \"生成的政策\"\n  issued 2023-01-01\n  \
         effective 2023-01-01 to 2025-12-31\n  funding {{ {funding} }}\n  same_matter {}\n  \
         split {}\n{}}}\n",
        if p.highest { "highest" } else { "cumulative" },
        if p.per_subject {
            "per_subject"
        } else {
            "per_award"
        },
        p.rounding.map_or(String::new(), |r| format!("  {r}\n")),
    );
    s.push_str(
        "input enterprise {\n  b0: bool\n  b1: bool\n  m0: money\n  m1: money\n  \
         e0: enum { 甲, 乙, 丙 }\n}\n\
         input project {\n  pm: money\n  pb: bool\n  pe: enum { 开发, 转让 }\n}\n\
         param p0: percent = 12.5%\n\
         param p1: percent { 2023-01-01: 8%, 2024-03-01: 15% }\n\
         let d0 = m0 - m1\n\
         let r0 = m0 / m1\n",
    );
    let _ = writeln!(
        s,
        "limit L0: {} per enterprise per year\nlimit L1: {} per enterprise\n\
         limit L2: {} per project",
        yuan(p.limit0),
        yuan(p.limit1),
        yuan(p.limit2)
    );
    for (i, c) in p.clauses.iter().enumerate() {
        let _ = writeln!(s, "clause c{i} {{\n  source \"第{i}条\"");
        if let Some(m) = c.matter {
            let _ = writeln!(s, "  matter \"{m}\"");
        }
        if c.per_project {
            // One item for every per-project clause: each claim goes through all of them.
            s.push_str("  per project\n  item \"项目\"\n");
        }
        if let Some((from, to)) = c.window {
            let _ = writeln!(s, "  effective {from} to {to}");
        }
        let _ = writeln!(s, "  when {}\n  {}", c.condition, c.award);
        for line in c.caps.iter().chain(&c.limits) {
            let _ = writeln!(s, "  {line}");
        }
        s.push_str("}\n");
    }
    s
}

/// One subject's facts: each value given or left out.
#[derive(Debug, Clone)]
struct SubjectSpec {
    b0: Option<bool>,
    b1: Option<bool>,
    m0: Option<i64>,
    m1: Option<i64>,
    e0: Option<&'static str>,
    claims: Vec<ClaimSpec>,
}

#[derive(Debug, Clone)]
struct ClaimSpec {
    day: u32,
    pm: Option<i64>,
    pb: Option<bool>,
    pe: Option<&'static str>,
}

fn cents() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(0)),
        6 => (0i64..400_000_000).prop_map(Some),
    ]
}

fn maybe_bool() -> impl Strategy<Value = Option<bool>> {
    prop_oneof![1 => Just(None), 6 => any::<bool>().prop_map(Some)]
}

fn subject_spec() -> impl Strategy<Value = SubjectSpec> {
    let claim = (
        0u32..1095,
        cents(),
        maybe_bool(),
        prop_oneof![1 => Just(None), 3 => Just(Some("开发")), 3 => Just(Some("转让"))],
    )
        .prop_map(|(day, pm, pb, pe)| ClaimSpec { day, pm, pb, pe });
    (
        maybe_bool(),
        maybe_bool(),
        cents(),
        cents(),
        prop_oneof![1 => Just(None), 2 => Just(Some("甲")), 2 => Just(Some("乙")), 2 => Just(Some("丙"))],
        prop::collection::vec(claim, 0..=3),
    )
        .prop_map(|(b0, b1, m0, m1, e0, claims)| SubjectSpec {
            b0,
            b1,
            m0,
            m1,
            e0,
            claims,
        })
}

fn claim_date(day: u32) -> String {
    let start: chrono::NaiveDate = "2023-01-01".parse().unwrap();
    (start + chrono::Duration::days(day.into()))
        .format("%Y-%m-%d")
        .to_string()
}

fn money(c: i64) -> String {
    format!("{}元", Decimal::new(c, 2))
}

fn facts_json(s: &SubjectSpec) -> String {
    let mut attrs = serde_json::Map::new();
    let put = |m: &mut serde_json::Map<String, Value>, k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put(&mut attrs, "b0", s.b0.map(Value::Bool));
    put(&mut attrs, "b1", s.b1.map(Value::Bool));
    put(&mut attrs, "m0", s.m0.map(|c| Value::String(money(c))));
    put(&mut attrs, "m1", s.m1.map(|c| Value::String(money(c))));
    put(&mut attrs, "e0", s.e0.map(|e| Value::String(e.into())));
    let claims: Vec<Value> = s
        .claims
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut a = serde_json::Map::new();
            put(&mut a, "pm", c.pm.map(|c| Value::String(money(c))));
            put(&mut a, "pb", c.pb.map(Value::Bool));
            put(&mut a, "pe", c.pe.map(|e| Value::String(e.into())));
            serde_json::json!({"id": format!("K{i}"), "date": claim_date(c.day), "attributes": a})
        })
        .collect();
    serde_json::json!({"kind": "enterprise", "id": "E1", "attributes": attrs, "claims": claims})
        .to_string()
}

/// The same subject as population rows: one row per claim (or one row without claims).
fn population_csv(s: &SubjectSpec) -> String {
    let b = |v: Option<bool>| v.map_or(String::new(), |b| if b { "1" } else { "0" }.to_string());
    let m = |v: Option<i64>| v.map_or(String::new(), money);
    let subject = format!(
        "{},{},{},{},{}",
        b(s.b0),
        b(s.b1),
        m(s.m0),
        m(s.m1),
        s.e0.unwrap_or("")
    );
    let mut out = String::from("id,claim_id,claim_date,b0,b1,m0,m1,e0,pm,pb,pe\n");
    if s.claims.is_empty() {
        let _ = writeln!(out, "E1,,,{subject},,,");
    }
    for (i, c) in s.claims.iter().enumerate() {
        let _ = writeln!(
            out,
            "E1,K{i},{},{subject},{},{},{}",
            claim_date(c.day),
            m(c.pm),
            b(c.pb),
            c.pe.unwrap_or("")
        );
    }
    out
}

/// A row's amount: `"12.00"`, or a range `"0.00..1.00"`, as (min, max).
fn cell(v: &Value) -> (Decimal, Decimal) {
    let text = v
        .as_str()
        .unwrap_or_else(|| panic!("an amount as a string: {v}"));
    match text.split_once("..") {
        Some((lo, hi)) => (lo.parse().unwrap(), hi.parse().unwrap()),
        None => {
            let d: Decimal = text.parse().unwrap();
            (d, d)
        }
    }
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("an amount as a string: {v}"))
        .parse()
        .unwrap()
}

/// An amount of the decision JSON as (min, max).
fn bounds(v: &Value) -> Option<(Decimal, Decimal)> {
    if v.is_null() {
        return None;
    }
    if let Some(e) = v.get("exact") {
        return Some((dec(e), dec(e)));
    }
    Some((dec(&v["min"]), dec(&v["max"])))
}

/// Per (clause, claim): outcome and paid bounds.
type Results = BTreeMap<(String, String), (String, Option<(Decimal, Decimal)>)>;

fn results(decision: &Value) -> Results {
    decision["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                (
                    c["clause"].as_str().unwrap().to_string(),
                    c["claim"].as_str().unwrap_or("").to_string(),
                ),
                (
                    c["outcome"].as_str().unwrap().to_string(),
                    bounds(&c["paid"]),
                ),
            )
        })
        .collect()
}

/// The decision with the tracer `T`, as JSON.
/// The decision with reasons (`explain` false, what `pol eval` prints) or with the whole
/// explanation (`pol eval --explain`), as JSON.
fn decide(set: &PolicySet, facts: &Facts, date: &str, explain: bool) -> Value {
    let options = Options::on(date.parse().unwrap());
    let d = if explain {
        set.explain(facts, &options)
    } else {
        set.evaluate(facts, &options)
    };
    serde_json::to_value(d.unwrap()).unwrap()
}

fn simulate(dir: &Path, date: &str) -> (Vec<Value>, Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args([
            "simulate",
            "p.pol",
            "--population",
            "pop.csv",
            "--date",
            date,
        ])
        .args([
            "--out",
            "out.jsonl",
            "--summary",
            "summary.json",
            "--threads",
            "1",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "simulate failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rows = std::fs::read_to_string(dir.join("out.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    (rows, summary)
}

fn check_case(p: &PolicySpec, s: &SubjectSpec, date: &str) -> Result<(), TestCaseError> {
    let text = policy_text(p);
    let set = match PolicySet::compile(&[("p.pol", &text)]) {
        Ok(set) => set,
        Err(failed) => {
            return Err(TestCaseError::fail(format!(
                "the generator wrote a policy with errors: {failed}\n{text}"
            )))
        }
    };
    let json = facts_json(s);
    let facts = Facts::from_json(&json).unwrap();
    let reasons = decide(&set, &facts, date, false);
    let explained = decide(&set, &facts, date, true);
    let (reasons_r, explained_r) = (results(&reasons), results(&explained));
    prop_assert_eq!(
        &reasons_r,
        &explained_r,
        "with reasons vs explained\n{}\n{}",
        text,
        json
    );
    prop_assert_eq!(
        bounds(&reasons["totals"]["paid"]),
        bounds(&explained["totals"]["paid"])
    );

    // The simulation of the same subject: the decision without words (the silent tracer),
    // compared below row by row with the explained decision.
    // The simulation of the same subject.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.pol"), &text).unwrap();
    std::fs::write(dir.path().join("pop.csv"), population_csv(s)).unwrap();
    let (rows, summary) = simulate(dir.path(), date);
    let mut row_total = (Decimal::ZERO, Decimal::ZERO);
    let mut row_payers: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        prop_assert!(row["error"].is_null(), "row error: {row}\n{text}\n{json}");
        let (lo, hi) = cell(&row["total"]);
        row_total = (row_total.0 + lo, row_total.1 + hi);
        for (payer, amount) in row["payers"].as_object().unwrap() {
            let (lo, hi) = cell(amount);
            let sum = row_payers.entry(payer.clone()).or_default();
            *sum = (sum.0 + lo, sum.1 + hi);
        }
        let claim = row["claim"].as_str().unwrap_or("").to_string();
        for (clause, result) in row["clauses"].as_object().unwrap() {
            // A subject-level clause is written on the subject's first row.
            let key_claim = if i == 0 && !explained_r.contains_key(&(clause.clone(), claim.clone()))
            {
                String::new()
            } else {
                claim.clone()
            };
            let key = (clause.clone(), key_claim);
            let Some((outcome, paid)) = explained_r.get(&key) else {
                return Err(TestCaseError::fail(format!(
                    "simulate wrote {key:?}, which the decision does not have\n{text}\n{json}"
                )));
            };
            prop_assert_eq!(
                result["outcome"].as_str().unwrap(),
                outcome.as_str(),
                "{:?}\n{}\n{}",
                key,
                text,
                json
            );
            let sim_paid = cell(&result["paid"]);
            if let ("awarded" | "superseded", Some(paid)) = (outcome.as_str(), paid) {
                prop_assert_eq!(sim_paid, *paid, "{:?} paid\n{}\n{}", key, text, json);
            }
        }
    }
    if let Some(total) = bounds(&explained["totals"]["paid"]) {
        prop_assert_eq!(
            row_total,
            total,
            "rows' totals vs the decision's total\n{}\n{}",
            text,
            json
        );
    }
    // The summary adds up to the rows, payer by payer.
    for (payer, sum) in &row_payers {
        if let Some(summed) = bounds(&summary["payers"][payer]) {
            prop_assert_eq!(
                *sum,
                summed,
                "payer {} rows vs summary\n{}\n{}",
                payer,
                text,
                json
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn eval_without_words_with_words_and_simulate_agree(
        p in policy_spec(),
        s in subject_spec(),
        date in prop_oneof![Just("2023-06-30"), Just("2024-06-30"), Just("2025-12-31")],
    ) {
        check_case(&p, &s, date)?;
    }
}
