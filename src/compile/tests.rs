//! The compiled form: names become slots, lets come in the order they are computed, tables and
//! parameters keep what the policy says. (What checks clean is tested through the public API in
//! `tests/check.rs`.)

use super::*;

const EVERY: &str = include_str!("../../tests/fixtures/every-construct.pol");

const HEADER: &str = r#"policy "嘉政发〔2023〕15号" {
  title "支持科技创新九条政策意见"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 50%, 区级财政: 50% }
  same_matter highest
}
input enterprise { 研发费用: money  上年研发费用: money  面积: quantity 亩  级别: enum { 国家级, 省级 } }
input project { 合同金额: money }
"#;

#[test]
fn every_construct_compiles_with_its_clauses_inputs_and_window() {
    let c = crate::compile_source(EVERY);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let p = c.program.unwrap();
    assert_eq!(p.clauses.len(), 8);
    assert_eq!(p.subject_inputs.len(), 10);
    assert_eq!(p.claim_inputs.len(), 4);
    assert_eq!(
        p.header.window.1.to_string(),
        "2025-07-31",
        "from 2023-08-01 for 2 years"
    );
}

#[test]
fn a_window_given_by_its_length_ends_the_day_before_its_anniversary() {
    let one_year = HEADER.replace(
        "effective 2023-08-01 to 2025-12-31",
        "effective from 2023-07-01 for 1 year",
    );
    let p = crate::compile_source(&one_year).program.unwrap();
    assert_eq!(p.header.window.1.to_string(), "2024-06-30");
}

#[test]
fn a_window_from_a_month_end_day_keeps_the_last_day_of_its_last_month() {
    // Attack 6 F6: from 2024-03-31 for 1 month ended 2024-04-29, a day early.
    for (from, end) in [
        ("from 2024-03-31 for 1 month", "2024-04-30"),
        ("from 2024-02-29 for 1 year", "2025-02-28"),
        ("from 2024-03-01 for 1 month", "2024-03-31"),
    ] {
        let src = HEADER.replace(
            "effective 2023-08-01 to 2025-12-31",
            &format!("effective {from}"),
        );
        let p = crate::compile_source(&src).program.unwrap();
        assert_eq!(p.header.window.1.to_string(), end, "{from}");
    }
}

#[test]
fn compiled_form_uses_slots_not_names() {
    let p = crate::compile_source(EVERY).program.unwrap();
    let c = &p.clauses[0];
    assert_eq!(c.subjects, [Kind::Enterprise]);
    assert!(!c.per_claim);
    // Every reference in the condition is a slot or a constant.
    // (The compiled form has no name to look up: a checked policy compiles to nothing broken.)
    fn only_slots(e: &Expr) -> bool {
        let mut children = Vec::new();
        e.push_children(&mut children);
        !matches!(e.kind, ExprKind::Broken(_)) && children.into_iter().all(only_slots)
    }
    assert!(only_slots(c.when.as_ref().unwrap()));
    // Lets come after the lets they use: 研发增幅 uses 研发增量.
    let pos = |n: &str| p.lets.iter().position(|l| l.name == n).unwrap();
    assert!(pos("研发增量") < pos("研发增幅"));
    // The tier table has one row per variant, with `else` filling the rest.
    let table = &p.clauses[1];
    match &table.award {
        AwardDef::Amount(e) => match &e.kind {
            ExprKind::Table(_, rows) => assert_eq!(rows.len(), 3),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    // A clause-local let that reads a claim input is recomputed per claim.
    let transfer = &p.clauses[3];
    assert!(transfer.per_claim);
    assert_eq!(transfer.locals[0].level, Level::Claim);
    assert_eq!(transfer.subjects, [Kind::Institution, Kind::Person]);
    // Parameters keep their declared values, unspecified ones stay open.
    assert_eq!(p.params[0].values, ParamValues::Unspecified);
    assert_eq!(p.params[3].values, ParamValues::Fixed(Value::Enum(1)));
    assert!(matches!(&p.params[4].values, ParamValues::Dated(v) if v.len() == 2));
}
