//! A cap's or limit's amount read from a fact, a setting or a parameter (attack 15, F11 and
//! F12): it is rounded down to the policy's rounding step before it is applied, so every paid
//! amount and payer share is whole fen (or whole steps) and no bound lets through more than it
//! says; a negative setting of a money parameter is refused (F0109) like a negative fact; a
//! bound that works out negative makes its award *cannot evaluate*, naming the bound, never a
//! silent zero.
//!
//! The policies here are made up for the case each test states; none cites a gazette article.

use pol::{Amount, Facts, Options, Outcome, PolicySet};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Three payers whose shares of a fen-rounded award come out in tenths of a fen unless the
/// award is whole fen; `rounding` is an optional header line.
fn policy(rounding: &str, body: &str) -> String {
    format!(
        "policy \"测〔2024〕10号\" {{\n  title \"上限\"\n  issued 2024-01-01\n  \
         effective 2024-01-01 to 2025-12-31\n  funding {{ 甲: 33.33%, 乙: 33.33%, 丙: 33.34% }}\n  \
         same_matter cumulative\n{rounding}}}\n{body}"
    )
}

const BODY: &str = "input enterprise {\n  金额: money\n  核定额: money\n}\nparam 额度: money\n\
    limit 每家: 核定额 per enterprise\n\
    clause 补助 {\n  source \"第一条\"\n  award 100% of 金额\n  cap 核定额 per enterprise\n}\n\
    clause 限额 {\n  source \"第二条\"\n  award 100% of 金额\n  limit 每家\n}\n\
    clause 额度 {\n  source \"第三条\"\n  award 100% of 金额\n  cap 额度 per enterprise\n}\n";

fn decide(
    text: &str,
    amount: &str,
    bound: &str,
    setting: &str,
) -> Result<pol::Decision, Vec<pol::FactProblem>> {
    let set = PolicySet::compile(&[("p.pol", text)]).unwrap();
    let facts = Facts::from_json(&format!(
        r#"{{"kind": "enterprise", "id": "1", "attributes": {{"金额": "{amount}", "核定额": "{bound}"}}}}"#
    ))
    .unwrap();
    let mut options = Options::on("2024-05-01".parse().unwrap());
    options
        .settings
        .insert("额度".to_string(), setting.to_string());
    set.evaluate(&facts, &options).map_err(|e| match e {
        pol::EvalError::Facts(p) => p,
        other => panic!("{other}"),
    })
}

fn exact(a: Option<Amount>) -> Decimal {
    match a {
        Some(Amount::Exact(x)) => x,
        other => panic!("not an exact amount: {other:?}"),
    }
}

fn whole(d: Decimal, step: Decimal) -> bool {
    (d / step).fract().is_zero()
}

#[test]
fn a_bound_from_a_fact_or_a_setting_is_rounded_down_to_the_fen() {
    // 核定额 1.005 元 (a fact) and 额度 0.001 元 (a setting): the caps let through 1.00 元 and
    // 0.00 元, never 1.005 元 or 0.001 元, and the three payers' shares are whole fen.
    let text = policy("", BODY);
    let decision = decide(&text, "100元", "1.005元", "0.001元").unwrap();
    let paid: Vec<Decimal> = decision.clauses.iter().map(|c| exact(c.paid)).collect();
    assert_eq!(paid, ["1.00", "1.00", "0.00"].map(|s| s.parse().unwrap()));
    for total in &decision.totals.per_payer {
        assert!(
            whole(exact(Some(total.amount)), Decimal::new(1, 2)),
            "{total:?}"
        );
    }
}

#[test]
fn a_bound_is_rounded_down_to_the_policys_own_step() {
    // `rounding 1元 half_up`: a cap of 99.99 元 lets through 99 元, not 99.99 元 nor 100 元.
    let text = policy("  rounding 1元 half_up\n", BODY);
    let decision = decide(&text, "1000元", "99.99元", "5.5元").unwrap();
    let paid: Vec<Decimal> = decision.clauses.iter().map(|c| exact(c.paid)).collect();
    assert_eq!(paid, ["99", "99", "5"].map(|s| s.parse().unwrap()));
}

#[test]
fn a_negative_money_setting_is_refused_like_a_negative_fact() {
    let text = policy("", BODY);
    let problems = decide(&text, "100元", "1元", "-1万元").unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].code.as_str(), "F0109", "{problems:?}");
    assert!(
        problems[0].message().contains("额度"),
        "{}",
        problems[0].message()
    );
    // Zero is an amount like any other.
    assert!(decide(&text, "100元", "1元", "0元").is_ok());
}

#[test]
fn a_bound_that_works_out_negative_cannot_be_evaluated_and_is_named() {
    // `cap 核定额 - 50元`: with 核定额 10 元 the cap is -40 元; the award is not silently 0.
    let body = "input enterprise {\n  金额: money\n  核定额: money\n}\nparam 额度: money\n\
        clause 补助 {\n  source \"第一条\"\n  award 100% of 金额\n  cap 核定额 - 50元 per enterprise\n}\n";
    let text = policy("", body);
    let set = PolicySet::compile(&[("p.pol", &text)]).unwrap();
    let facts = Facts::from_json(
        r#"{"kind": "enterprise", "id": "1", "attributes": {"金额": "100元", "核定额": "10元"}}"#,
    )
    .unwrap();
    let mut options = Options::on("2024-05-01".parse().unwrap());
    options
        .settings
        .insert("额度".to_string(), "1元".to_string());
    let decision = set.evaluate(&facts, &options).unwrap();
    let c = &decision.clauses[0];
    assert_eq!(c.outcome, Outcome::CannotEvaluate, "{c:?}");
    assert!(c.paid.is_none(), "{c:?}");
    let reasons = c.reason.clone().unwrap_or_default();
    assert!(
        reasons.contains("核定额 - 50元") && reasons.contains("below zero"),
        "{reasons}"
    );
}

proptest! {
    /// Any bound amount with many decimals: every paid amount and payer share is a whole
    /// number of steps, and no award passes its bound.
    #[test]
    fn every_paid_amount_and_share_is_whole_steps_and_no_bound_is_exceeded(
        amount in 0u64..10_000_000_000,
        bound in 0u64..10_000_000_000_000,
        bound_places in 0u32..12,
        setting in 0u64..10_000_000_000_000,
        setting_places in 0u32..12,
        step in prop::sample::select(vec!["", "  rounding 0.1元 down\n", "  rounding 1元 half_up\n", "  rounding 0.01元 half_even\n"]),
    ) {
        let text = policy(step, BODY);
        let fen = Decimal::new(1, 2);
        let unit = match step {
            "  rounding 0.1元 down\n" => Decimal::new(1, 1),
            "  rounding 1元 half_up\n" => Decimal::ONE,
            _ => fen,
        };
        let amount = Decimal::new(amount as i64, 2);
        let bound = Decimal::new(bound as i64, bound_places);
        let setting = Decimal::new(setting as i64, setting_places);
        let decision = decide(&text, &format!("{amount}元"), &format!("{bound}元"), &format!("{setting}元")).unwrap();
        for (c, cap) in decision.clauses.iter().zip([bound, bound, setting]) {
            prop_assert_eq!(c.outcome, Outcome::Awarded);
            let paid = exact(c.paid);
            prop_assert!(whole(paid, unit), "{} paid {}", c.clause, paid);
            prop_assert!(paid <= cap, "{} paid {} over {}", c.clause, paid, cap);
        }
        for share in &decision.totals.per_payer {
            prop_assert!(whole(exact(Some(share.amount)), fen), "{:?}", share);
        }
    }
}
