//! Staged awards whose stages are paid in different calendar years, under a yearly limit:
//! each stage paid now counts against the limit of the year of its own date. Checked against a
//! simple model written here from the README's rule ("Stages" under "Clauses"): the stages are
//! the award's cumulative shares rounded half up to the fen, the last taking the rest; each
//! year's stages paid now are cut to the room that year's limit has left after earlier grants;
//! what a year's limit cuts is lost, not carried to another year. So no year's limit is
//! exceeded, nothing is paid twice, and paid + deferred + cut = the award.
//!
//! The figures are generated test figures: the gazette pays nothing in stages.

use proptest::prelude::*;
use rust_decimal::prelude::*;

/// A stage: its share in whole percent, the year of its date, whether its condition holds.
type Stage = (u32, i32, bool);

fn stages() -> impl Strategy<Value = Vec<Stage>> {
    // Whole percentages above zero adding up to 100, each stage dated in 2023 to 2027 (2027
    // is after the evaluation date: deferred).
    (
        proptest::collection::vec(1u32..100, 1..5),
        proptest::collection::vec((2023i32..=2027, proptest::bool::weighted(0.8)), 5),
    )
        .prop_map(|(cuts, when)| {
            let mut points = cuts;
            points.sort_unstable();
            points.dedup();
            let mut out = Vec::new();
            let mut before = 0;
            for (k, p) in points.into_iter().chain([100]).enumerate() {
                out.push((p - before, when[k].0, when[k].1));
                before = p;
            }
            out
        })
}

fn policy(stages: &[Stage], limit_fen: i64) -> String {
    let mut inputs = String::new();
    let mut list = Vec::new();
    for (k, (share, _, _)) in stages.iter().enumerate() {
        inputs.push_str(&format!("  日期{k}: date\n  条件{k}: bool\n"));
        list.push(format!("第{k}期: {share}% when 条件{k} on 日期{k}"));
    }
    let limit = Decimal::new(limit_fen, 2);
    format!(
        r#"policy "测试〔2024〕7号" {{
  title "分期与年度限额"
  issued 2022-01-01
  effective 2022-01-01 to 2027-12-31
  funding {{ 市级财政: 60%, 区级财政: 40% }}
  same_matter cumulative
}}

input enterprise {{
  金额: money
{inputs}}}

limit 年度: {limit}元 per enterprise per year

clause 分期 {{
  source "第一条"
  award 金额
  limit 年度
  stages {{ {} }}
}}

clause 其他 {{
  source "第二条"
  when false
  award 0元
  limit 年度
}}
"#,
        list.join(", ")
    )
}

/// The model's stages: each stage's part of `award` (cumulative shares rounded half up).
fn parts(award: Decimal, stages: &[Stage]) -> Vec<Decimal> {
    let mut out = Vec::new();
    let (mut cumulative, mut before) = (0u32, Decimal::ZERO);
    for (k, (share, _, _)) in stages.iter().enumerate() {
        cumulative += share;
        let upto = if k + 1 == stages.len() {
            award
        } else {
            (award * Decimal::new(i64::from(cumulative), 2))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
                .min(award)
        };
        out.push(upto - before);
        before = upto;
    }
    out
}

fn exact(a: Option<pol::Amount>) -> Decimal {
    match a {
        Some(pol::Amount::Exact(d)) => d,
        None => Decimal::ZERO,
        Some(other) => panic!("not exact: {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn each_year_pays_its_stages_within_its_own_limit(
        stages in stages(),
        award_fen in 0i64..50_000_000,
        limit_fen in 1i64..30_000_000,
        used in proptest::collection::vec(0i64..30_000_000, 5),
    ) {
        let today: chrono::NaiveDate = "2026-06-30".parse().unwrap();
        let set = pol::PolicySet::compile(&[("t.pol", &policy(&stages, limit_fen))]).unwrap();
        let award = Decimal::new(award_fen, 2);
        let limit = Decimal::new(limit_fen, 2);
        let mut attrs = vec![format!(r#""金额": "{award}元""#)];
        for (k, (_, year, holds)) in stages.iter().enumerate() {
            attrs.push(format!(r#""日期{k}": "{year}-03-01", "条件{k}": {holds}"#));
        }
        // Earlier grants under the limit in 2023 to 2026 (2027 has not come).
        let history: Vec<String> = (2023..=2026)
            .zip(&used)
            .map(|(y, u)| format!(
                r#"{{"document": "测试〔2024〕7号", "clause": "其他", "date": "{y}-01-15", "amount": "{}元"}}"#,
                Decimal::new(*u, 2)
            ))
            .collect();
        let facts = pol::Facts::from_json(&format!(
            r#"{{"kind": "enterprise", "id": "E1", "attributes": {{{}}}, "history": [{}]}}"#,
            attrs.join(", "),
            history.join(", ")
        ))
        .unwrap();
        let d = set.evaluate(&facts, &pol::Options::on(today)).unwrap();
        let c = d.clauses.iter().find(|c| c.clause == "分期").unwrap();

        // The model.
        let parts = parts(award, &stages);
        let paid_now = |s: &Stage| s.2 && s.1 <= 2026;
        let used_in = |y: i32| Decimal::new(used[(y - 2023) as usize], 2);
        let mut model_paid = Decimal::ZERO;
        let mut model_deferred = Decimal::ZERO;
        let mut year_paid: Vec<(i32, Decimal)> = Vec::new();
        for y in 2023..=2026 {
            let due: Decimal = stages
                .iter()
                .zip(&parts)
                .filter(|(s, _)| paid_now(s) && s.1 == y)
                .map(|(_, p)| *p)
                .sum();
            let room = (limit - used_in(y)).max(Decimal::ZERO);
            let paid = due.min(room);
            model_paid += paid;
            year_paid.push((y, paid));
        }
        for (s, p) in stages.iter().zip(&parts) {
            if !paid_now(s) {
                model_deferred += *p;
            }
        }

        prop_assert_eq!(c.stages.len(), stages.len());
        let any_paid = stages.iter().any(paid_now);
        if any_paid {
            prop_assert_eq!(c.outcome, pol::Outcome::Awarded);
            prop_assert_eq!(exact(c.paid), model_paid);
        } else {
            prop_assert_eq!(c.outcome, pol::Outcome::Deferred);
        }
        prop_assert_eq!(exact(c.deferred), model_deferred);
        // Stage by stage: what it pays (or defers) and what a limit cut make its part.
        let mut cut_total = Decimal::ZERO;
        let mut shown = Decimal::ZERO;
        for ((r, s), p) in c.stages.iter().zip(&stages).zip(&parts) {
            let cut = exact(r.cut);
            prop_assert_eq!(exact(Some(r.amount)) + cut, *p, "stage {}", r.name);
            prop_assert!(exact(Some(r.amount)) >= Decimal::ZERO && cut >= Decimal::ZERO);
            let expected = if paid_now(s) { pol::StageOutcome::Paid } else { pol::StageOutcome::Deferred };
            prop_assert_eq!(r.outcome, expected);
            if !paid_now(s) {
                prop_assert!(r.cut.is_none());
            }
            cut_total += cut;
            shown += exact(Some(r.amount));
        }
        // Paid + deferred + cut = the award, to the fen.
        prop_assert_eq!(exact(c.paid) + exact(c.deferred) + cut_total, award);
        prop_assert_eq!(shown, exact(c.paid) + exact(c.deferred));
        // Each year: its stages paid now come to what the model pays in it, within the limit
        // with what earlier grants used, and the headroom is what is left.
        for (y, paid) in year_paid {
            let in_year: Decimal = c
                .stages
                .iter()
                .filter(|r| r.outcome == pol::StageOutcome::Paid)
                .filter(|r| r.date.is_some_and(|d| chrono::Datelike::year(&d) == y))
                .map(|r| exact(Some(r.amount)))
                .sum();
            prop_assert_eq!(in_year, paid, "year {}", y);
            prop_assert!(used_in(y) >= limit || used_in(y) + in_year <= limit);
            if let Some(h) = d.headroom.iter().find(|h| h.year == Some(y)) {
                prop_assert_eq!(exact(Some(h.counted)), used_in(y) + in_year, "year {}", y);
                let left = (limit - used_in(y) - in_year).max(Decimal::ZERO);
                prop_assert_eq!(exact(Some(h.headroom)), left, "year {}", y);
            }
        }
        // The payers share exactly what is paid now.
        let shares: Decimal = c.funding.iter().map(|s| exact(Some(s.amount))).sum();
        prop_assert_eq!(shares, exact(c.paid));
    }
}

#[test]
fn an_unknown_award_paid_in_two_years_is_bounded_by_both_years_limits() {
    // Two stages paid now, in 2024 and 2025, under 1000元 a year: the award is not known, so
    // the most it can pay now is 1000元 in each year, 2000元 (not one year's 1000元).
    let text = policy(&[(40, 2024, true), (60, 2025, true)], 100_000);
    let set = pol::PolicySet::compile(&[("t.pol", &text)]).unwrap();
    let facts = pol::Facts::from_json(
        r#"{"kind": "enterprise", "id": "E1", "attributes": {"日期0": "2024-03-01", "条件0": true, "日期1": "2025-03-01", "条件1": true}}"#,
    )
    .unwrap();
    let d = set
        .evaluate(&facts, &pol::Options::on("2025-06-30".parse().unwrap()))
        .unwrap();
    let c = d.clauses.iter().find(|c| c.clause == "分期").unwrap();
    assert_eq!(c.outcome, pol::Outcome::Undetermined);
    assert_eq!(c.upper_bound, Some(Decimal::new(2000, 0)));
    assert_eq!(c.needs, ["金额"]);
}
