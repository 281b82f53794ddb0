//! The figures path (what a simulation reads: verdicts and the settlement in a scratch,
//! reused from subject to subject) against the decision (what `pol eval` gives), and rows
//! written from it: these tests reach under the façade, so they live beside the code.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::output::{RowFormat, RowWriter, UnpaidRows};
use super::{one_row_into, parse_columns, rows_into, Layout, Rows, Summary};
use crate::eval::{Amount, Explain, Facts, Options, Reasons, Scratch, Silent};
use crate::problem::ProblemCode;

/// A policy set of `(name, text)` files, as the evaluator holds it (through the façade, whose
/// compile is the only one).
fn compiled(sources: &[(&str, &str)]) -> crate::PolicySet {
    crate::PolicySet::compile(sources).unwrap_or_else(|e| panic!("{e}"))
}

fn facts(json: &str) -> Facts {
    Facts::from_json(json)
        .unwrap_or_else(|e| panic!("{e:#?}"))
        .0
}

fn options(date: &str) -> Options {
    Options::on(date.parse().unwrap())
}

fn exact(s: &str) -> Option<Amount> {
    Some(Amount::Exact(s.parse().unwrap()))
}

const HEADER: &str = r#"policy "测试〔2023〕1号" {
  title "测试政策"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 50%, 区级财政: 50% }
  same_matter highest
}
"#;

#[test]
fn decide_into_gives_the_figures_of_the_decision_whichever_evaluator_had_the_scratch() {
    // A dated rate: 10% until 2023-12-31, 12% from 2024-01-01 (values made up for the test).
    let s = compiled(&[(
        "t.pol",
        &format!(
            "{HEADER}{}",
            r#"
input enterprise { a: money }
param 比例: percent {
  2023-08-01: 10%
  2024-01-01: 12%
}
clause c { source "一" award 比例 of a }
"#
        ),
    )]);
    let s = s.inner();
    let f = facts(r#"{"kind": "enterprise", "id": "E1", "attributes": {"a": "100元"}}"#);
    let mut scratch = Scratch::new();
    for date in ["2023-09-01", "2024-06-01", "2023-09-01"] {
        let ev = s.evaluator::<Silent>(&options(date)).unwrap();
        let bound = ev.bind(&f).unwrap();
        ev.decide_into(f.kind, &bound, &mut scratch).unwrap();
        let verdicts = scratch.verdicts();
        let decision = s.evaluate(&f, &options(date)).unwrap();
        assert_eq!(verdicts.len(), decision.clauses.len());
        for (v, c) in verdicts.iter().zip(&decision.clauses) {
            assert_eq!((v.outcome, v.paid), (c.outcome, c.paid), "{date}");
        }
        let want = if date.starts_with("2023") { "10" } else { "12" };
        assert_eq!(verdicts[0].paid, exact(want), "{date}");
    }
}

#[test]
fn figures_without_words_are_the_figures_of_the_decision_in_every_shipped_case() {
    // Without reasons the engine takes shorter paths (caps applied at once, no words); every
    // case of the shipped test files must come out the same, decimal places included.
    let text_of = |a: Amount| format!("{}..{}", a.min(), a.max());
    let mut compared = 0;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(root.join("policies")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(".tests.toml") else {
            continue;
        };
        let file =
            crate::testing::TestFile::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let policies = if file.policies.is_empty() {
            vec![format!("{stem}.pol")]
        } else {
            file.policies.clone()
        };
        let texts: Vec<(String, String)> = policies
            .iter()
            .map(|p| {
                (
                    p.clone(),
                    std::fs::read_to_string(root.join("policies").join(p)).unwrap(),
                )
            })
            .collect();
        let sources: Vec<(&str, &str)> = texts
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let set = compiled(&sources);
        let set = set.inner();
        let mut scratch = Scratch::new();
        for case in &file.cases {
            let Ok((facts, _)) = Facts::from_json(&case.facts) else {
                continue;
            };
            let mut options = Options::on(case.date);
            options.settings = case.settings.clone();
            let Ok(decision) = set.evaluate(&facts, &options) else {
                continue;
            };
            let ev = set.evaluator::<Silent>(&options).unwrap();
            let bound = ev.bind(&facts).unwrap();
            ev.decide_into(facts.kind, &bound, &mut scratch).unwrap();
            let got: Vec<_> = scratch
                .verdicts()
                .iter()
                .map(|v| (v.outcome, v.paid.map(text_of)))
                .collect();
            let want: Vec<_> = decision
                .clauses
                .iter()
                .map(|c| (c.outcome, c.paid.map(text_of)))
                .collect();
            assert_eq!(got, want, "{name}: {}", case.name);
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} cases compared");
}

#[test]
fn a_broken_rule_of_pols_own_is_an_internal_error_never_a_result() {
    // What the checker refuses cannot be written in a policy, so the compiled policy is broken
    // by hand: a condition comparing an amount with a yes/no value (which used to compare as
    // "less"), and a condition lowered from an expression the parser could not read.
    let text = format!(
        "{HEADER}input enterprise {{ a: money }}\nclause c {{ source \"一\" when a > 0元 award 1元 }}\n"
    );
    let program = crate::compile_source(&text).program.unwrap();
    use crate::compile::{Expr, ExprKind, Value};
    use crate::eval::{EvalError, PolicySet};
    type Breakage = Box<dyn Fn(&mut Expr)>;
    let breakages: Vec<Breakage> = vec![
        Box::new(|w: &mut Expr| {
            if let ExprKind::Cmp(_, _, b) = &mut w.kind {
                b.kind = ExprKind::Const(Value::Bool(true));
            }
        }),
        Box::new(|w: &mut Expr| w.kind = ExprKind::Broken("test")),
        Box::new(|w: &mut Expr| w.kind = ExprKind::Const(Value::Num(Decimal::ONE))),
    ];
    for (k, breakage) in breakages.iter().enumerate() {
        let mut broken = program.clone();
        breakage(broken.clauses[0].when.as_mut().unwrap());
        let set = PolicySet::new(vec![broken]).unwrap();
        let facts = facts(r#"{"kind": "enterprise", "id": "E", "attributes": {"a": "5元"}}"#);
        let o = options("2024-06-30");
        let results = [
            set.evaluator::<Reasons>(&o)
                .unwrap()
                .try_evaluate(&facts)
                .map(|_| ()),
            set.evaluator::<Explain>(&o)
                .unwrap()
                .try_evaluate(&facts)
                .map(|_| ()),
        ];
        for result in results {
            match result {
                Err(EvalError::Failed(f)) => {
                    assert_eq!(f.code, ProblemCode::Internal, "{k}");
                    assert!(f.help.contains("report"), "{k}");
                }
                other => panic!("{k}: {other:?}"),
            }
        }
        let ev = set.evaluator::<Silent>(&o).unwrap();
        let bound = ev.bind(&facts).unwrap();
        let mut scratch = Scratch::new();
        let e = ev
            .decide_into(facts.kind, &bound, &mut scratch)
            .unwrap_err();
        assert_eq!(e.code, ProblemCode::Internal, "{k}");
    }
}

const PEER: &str = include_str!("../../benches/peer/peer.pol");

/// A firm of the peer workload as facts: each input given, left out, or (for amounts) zero.
fn peer_firm() -> impl Strategy<Value = String> {
    let flag = prop_oneof![2 => Just(Some("true")), 5 => Just(Some("false")), 1 => Just(None)];
    let money = prop_oneof![
        1 => Just(None),
        1 => Just(Some("0".to_string())),
        4 => (0u64..2_000_000_000).prop_map(|c| Some(format!("{}.{:02}", c / 100, c % 100))),
    ];
    (
        prop::collection::vec(flag, 6),
        prop::collection::vec(money, 4),
    )
        .prop_map(|(flags, money)| {
            let flag_names = [
                "rd_deduction_eligible",
                "above_scale",
                "high_tech",
                "new_high_tech_first_time",
                "provincial_leading_enterprise_new",
                "provincial_little_giant_new",
            ];
            let money_names = [
                "revenue",
                "rd_expense_prev",
                "rd_expense",
                "contract_amount_paid",
            ];
            let attrs: Vec<String> = flag_names
                .iter()
                .zip(&flags)
                .filter_map(|(n, v)| v.map(|v| format!(r#""{n}": {v}"#)))
                .chain(
                    money_names
                        .iter()
                        .zip(&money)
                        .filter_map(|(n, v)| v.as_ref().map(|v| format!(r#""{n}": "{v}""#))),
                )
                .collect();
            format!(
                r#"{{"kind": "enterprise", "id": "F1", "attributes": {{{}}}}}"#,
                attrs.join(", ")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Rows of firms paid nothing are written from a text made once per combination of
    /// outcomes, and rows of firms paid something from the total and shares the summary worked
    /// out: in CSV and JSON Lines, in any columns, either is the text the general path writes.
    #[test]
    fn one_row_subjects_are_written_as_the_general_path_writes_them(
        mut firms in prop::collection::vec(peer_firm(), 1..40),
        order in any::<u32>(),
    ) {
        // One firm that certainly gets nothing.
        firms.push(
            r#"{"kind": "enterprise", "id": "F1", "attributes": {"rd_deduction_eligible": false,
                "contract_amount_paid": "0"}}"#
                .to_string(),
        );
        // And one that certainly gets something (rule C: 3% of its contract).
        firms.push(
            r#"{"kind": "enterprise", "id": "F1", "attributes": {"rd_deduction_eligible": false,
                "contract_amount_paid": "1000.01"}}"#
                .to_string(),
        );
        let set = compiled(&[("peer.pol", PEER)]);
        let set = set.inner();
        let options = Options::on("2024-06-30".parse().unwrap());
        let ev = set.evaluator::<Silent>(&options).unwrap();
        let layout = Layout::of(&ev);
        let mut names = vec![
            "line", "subject", "claim", "total", "error", "市级财政", "区级财政", "rule_a",
            "rule_a:outcome", "rule_c:eligible", "matter:B", "matter:B:eligible",
        ];
        // A column order of the case's own.
        let n = names.len();
        for k in 0..n {
            names.swap(k, (order as usize).wrapping_mul(k + 7) % n);
        }
        let columns = parse_columns(&names.join(","), &layout).unwrap();
        let mut scratch = Scratch::new();
        let mut rows = Rows::default();
        let mut shared_rows = Rows::default();
        let (mut fast_rows, mut paid_rows) = (0, 0);
        for format in [RowFormat::Csv, RowFormat::Jsonl] {
            let writer = RowWriter { format, columns: columns.clone(), nested: false, raw_text: false };
            let mut unpaid = UnpaidRows::default();
            for (line, firm) in firms.iter().enumerate() {
                let facts = facts(firm);
                let bound = ev.bind(&facts).unwrap();
                ev.decide_into(facts.kind, &bound, &mut scratch).unwrap();
                let verdicts = scratch.verdicts();
                let id = format!("F{line}");
                let mut general = String::new();
                rows_into(&mut rows, &id, &[(line as u64, None)], verdicts, scratch.settlement(), &bound, &ev, &layout).unwrap();
                writer.row(&mut general, &rows.results[0], &layout);
                let mut fast = String::new();
                if writer.unpaid_row(&mut fast, &mut unpaid, (line as u64, &id), verdicts, &layout) {
                    prop_assert_eq!(&fast, &general);
                    fast_rows += 1;
                }
                let mut summary = Summary::new(&ev);
                summary.add(&ev, &scratch, 1);
                one_row_into(&mut shared_rows, (line as u64, &id), verdicts, scratch.settlement(), &layout).unwrap();
                let mut shared = String::new();
                writer.row(&mut shared, &shared_rows.results[0], &layout);
                prop_assert_eq!(&shared, &general);
                paid_rows += usize::from(!scratch.settlement().total().is_zero());
            }
        }
        // The fast path was taken, at least for the firm that gets nothing, in both formats;
        // and some firm was paid.
        prop_assert!(fast_rows >= 2);
        prop_assert!(paid_rows >= 2);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Without words to write, clauses are decided by shortcuts (a condition failing on plain
    /// inputs, caps applied in place, amounts in machine words): for any firm of the peer
    /// workload, inputs given or not, the outcomes and amounts are those of the full decision.
    #[test]
    fn deciding_without_words_gives_the_outcomes_and_amounts_of_the_decision(firm in peer_firm()) {
        let set = compiled(&[("peer.pol", PEER)]);
        let set = set.inner();
        let options = Options::on("2024-06-30".parse().unwrap());
        let facts = facts(&firm);
        let decision = set.evaluate(&facts, &options).unwrap();
        let ev = set.evaluator::<Silent>(&options).unwrap();
        let bound = ev.bind(&facts).unwrap();
        let mut scratch = Scratch::new();
        ev.decide_into(facts.kind, &bound, &mut scratch).unwrap();
        let text = |a: Option<Amount>| a.map(|a| format!("{}..{}", a.min(), a.max()));
        let got: Vec<_> = scratch.verdicts().iter().map(|v| (v.outcome, text(v.paid))).collect();
        let want: Vec<_> = decision.clauses.iter().map(|c| (c.outcome, text(c.paid))).collect();
        prop_assert_eq!(got, want);
    }
}

thread_local! {
    /// Claim rows looked up by [`super::rows_into`] on this thread.
    pub(super) static ROW_LOOKUPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Rows compared one by one in those lookups.
    pub(super) static ROW_PROBES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Issue 15: a subject with tens of thousands of claims was spread over its rows by looking
/// each verdict's claim up among all the rows (80,000 claims: billions of comparisons). The
/// work is now bounded per verdict: counted, not timed.
#[test]
fn rows_of_a_subject_with_many_claims_take_bounded_work_per_verdict() {
    let policy = format!(
        "{HEADER}input project {{ 金额: money }}\n\
         clause 补助 {{ source \"第一条\" per project award 金额 }}\n"
    );
    let set = compiled(&[("p.pol", &policy)]);
    let set = set.inner();
    let ev = set.evaluator::<Silent>(&options("2024-06-30")).unwrap();
    let layout = Layout::of(&ev);
    for n in [3usize, 20_000] {
        let claims: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"id": "C{i}", "date": "2024-03-01", "attributes": {{"金额": "1元"}}}}"#
                )
            })
            .collect();
        let json = format!(
            r#"{{"kind": "enterprise", "id": "E", "claims": [{}]}}"#,
            claims.join(",")
        );
        let facts = facts(&json);
        let bound = ev.bind(&facts).unwrap();
        let mut scratch = Scratch::new();
        ev.decide_into(facts.kind, &bound, &mut scratch).unwrap();
        let ids: Vec<String> = (0..n).map(|i| format!("C{i}")).collect();
        let keys: Vec<(u64, Option<&str>)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (i as u64 + 2, Some(id.as_str())))
            .collect();
        ROW_LOOKUPS.with(|c| c.set(0));
        ROW_PROBES.with(|c| c.set(0));
        let mut rows = Rows::default();
        let verdicts = scratch.verdicts();
        rows_into(
            &mut rows,
            "E",
            &keys,
            verdicts,
            scratch.settlement(),
            &bound,
            &ev,
            &layout,
        )
        .unwrap();
        let lookups = ROW_LOOKUPS.with(std::cell::Cell::get);
        let probes = ROW_PROBES.with(std::cell::Cell::get);
        assert_eq!(lookups, n as u64, "one lookup per verdict");
        assert!(probes <= 8 * lookups, "{n} claims: {probes} rows compared");
        // Each claim's award is on its own row.
        for (r, id) in rows.results.iter().zip(&ids) {
            assert_eq!(r.claim.as_deref(), Some(id.as_str()));
            assert_eq!(r.total, Amount::Exact(Decimal::ONE), "row of {id}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A row paid nothing is written from the text of its combination of outcomes, whose key
    /// holds four bits a clause column in two 64-bit halves: for the shipped policy of 30
    /// clauses (columns in both halves), subjects that differ in which of its yes/no inputs
    /// hold, read one after another, are written as the general path writes them.
    #[test]
    fn unpaid_rows_of_many_clauses_are_written_as_the_general_path_writes_them(
        mut firms in prop::collection::vec(prop::collection::vec(prop::bool::weighted(0.1), 32), 1..24),
    ) {
        // One firm that certainly is paid nothing.
        firms.push(vec![false; 32]);
        let set = compiled(&[("p.pol", include_str!("../../policies/jiazhengfa-2023-15.pol"))]);
        let set = set.inner();
        let ev = set.evaluator::<Silent>(&options("2024-06-30")).unwrap();
        let layout = Layout::of(&ev);
        prop_assert!(layout.clauses.len() > 16);
        // The yes/no inputs of the policy, each given true or left out as the case says.
        let flags: Vec<String> = set.programs()[0]
            .subject_inputs
            .iter()
            .filter(|i| i.flavor == crate::check::types::Flavor::Bool)
            .map(|i| i.name.clone())
            .collect();
        prop_assert!(flags.len() >= 12);
        let columns = super::default_columns(&layout);
        let mut scratch = Scratch::new();
        let mut rows = Rows::default();
        let mut fast_rows = 0;
        for format in [RowFormat::Csv, RowFormat::Jsonl] {
            let writer = RowWriter { format, columns: columns.clone(), nested: false, raw_text: false };
            let mut unpaid = UnpaidRows::default();
            for (line, given) in firms.iter().enumerate() {
                let attributes: Vec<String> = flags
                    .iter()
                    .zip(given)
                    .filter(|(_, g)| **g)
                    .map(|(f, _)| format!("\"{f}\": true"))
                    .collect();
                let firm = format!(
                    r#"{{"kind": "enterprise", "id": "F", "attributes": {{{}}}}}"#,
                    attributes.join(", ")
                );
                let facts = facts(&firm);
                let bound = ev.bind(&facts).unwrap();
                ev.decide_into(facts.kind, &bound, &mut scratch).unwrap();
                let verdicts = scratch.verdicts();
                let id = format!("F{line}");
                let mut general = String::new();
                rows_into(&mut rows, &id, &[(line as u64, None)], verdicts, scratch.settlement(), &bound, &ev, &layout).unwrap();
                writer.row(&mut general, &rows.results[0], &layout);
                let mut fast = String::new();
                if writer.unpaid_row(&mut fast, &mut unpaid, (line as u64, &id), verdicts, &layout) {
                    prop_assert_eq!(&fast, &general);
                    fast_rows += 1;
                }
            }
        }
        prop_assert!(fast_rows > 0);
    }
}

proptest! {
    /// The order of subject ids is total (every three ids sort consistently, so a sorted file
    /// exists) and two ids are equal in it exactly when their compared forms are.
    #[test]
    fn the_id_order_is_total_and_equal_only_for_one_key(
        ids in proptest::collection::vec("0{0,2}[0-9]{1,3}|[0-9]{1,2}[a（(]|[+]?1|a[0-9]", 3)
    ) {
        use std::cmp::Ordering;
        let (a, b, c) = (&ids[0], &ids[1], &ids[2]);
        let ab = super::id_order(a, b);
        prop_assert_eq!(ab, super::id_order(b, a).reverse());
        prop_assert_eq!(ab == Ordering::Equal, crate::keys::key(a) == crate::keys::key(b));
        if ab != Ordering::Greater && super::id_order(b, c) != Ordering::Greater {
            prop_assert_ne!(super::id_order(a, c), Ordering::Greater, "{} {} {}", a, b, c);
        }
    }
}

#[test]
fn whole_number_ids_of_one_value_are_different_subjects_ordered_by_text() {
    use std::cmp::Ordering;
    assert_eq!(super::id_order("01", "1"), Ordering::Less);
    assert_eq!(super::id_order("1", "2"), Ordering::Less);
    assert_eq!(super::id_order("2", "10"), Ordering::Less);
    // Whole numbers before other ids, so `2`, `10`, `1a` is the one order of the three.
    assert_eq!(super::id_order("10", "1a"), Ordering::Less);
    assert_eq!(super::id_order("2", "1a"), Ordering::Less);
    assert_eq!(super::id_order("1", "1.0"), Ordering::Less);
    let long = "1".repeat(45);
    assert_eq!(super::id_order("9", &long), Ordering::Less);
}
