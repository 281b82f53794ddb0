//! Properties of evaluation that hold for every input: caps and limits are never exceeded,
//! payer shares add up exactly, claim order in the input does not matter, evaluation is
//! deterministic.

use pol::{Facts, Options, Outcome, PolicySet};
use proptest::prelude::*;
use rust_decimal::Decimal;

const POLICY: &str = r#"policy "性质〔2023〕1号" {
  title "性质测试"
  issued 2023-07-24
  effective 2023-01-01 to 2025-12-31
  funding { 市: 33.34%, 区: 33.33%, 镇: 33.33% }
  same_matter highest
}
input enterprise { 合格: bool }
input project { 金额: money  类别: enum { 开发, 转让 } }
limit 每年: 100万元 per enterprise per year
clause 按比例 {
  source "一"
  matter "按比例"
  per project
  item "项目"
  when 合格
  award by 类别 { 开发: 3%, 转让: 1.5% } of 金额
  cap 10万元 per project
  cap 150万元 per enterprise
  limit 每年
}
clause 固定 {
  source "二"
  matter "固定"
  per project
  item "项目"
  when 类别 == 转让
  award 7万元
  limit 每年
}
clause 最高 {
  source "三"
  matter "按比例"
  per project
  item "项目"
  award up to 8万元
}
"#;

fn policy() -> PolicySet {
    PolicySet::compile(&[("p.pol", POLICY)]).unwrap()
}

#[derive(Debug, Clone)]
struct Claim {
    cents: i64,
    day: u32,
    year: i32,
    transfer: bool,
}

fn claim() -> impl Strategy<Value = Claim> {
    (
        0i64..2_000_000_000,
        1u32..=28,
        2023i32..=2025,
        any::<bool>(),
    )
        .prop_map(|(cents, day, year, transfer)| Claim {
            cents,
            day,
            year,
            transfer,
        })
}

fn facts_json(claims: &[Claim], order: &[usize]) -> String {
    let list: Vec<String> = order
        .iter()
        .map(|&i| {
            let c = &claims[i];
            format!(
                r#"{{"id": "c{i:03}", "date": "{}-03-{:02}", "attributes": {{"金额": "{}", "类别": "{}"}}}}"#,
                c.year,
                c.day,
                Decimal::new(c.cents, 2),
                if c.transfer { "转让" } else { "开发" }
            )
        })
        .collect();
    format!(
        r#"{{"kind": "enterprise", "id": "E", "attributes": {{"合格": true}}, "claims": [{}]}}"#,
        list.join(",")
    )
}

fn decide_json(set: &PolicySet, json: &str) -> String {
    let facts: Facts = Facts::from_json(json).unwrap();
    let d = set
        .evaluate(&facts, &Options::on("2025-12-31".parse().unwrap()))
        .unwrap();
    serde_json::to_string(&d).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn caps_limits_and_shares_hold(claims in prop::collection::vec(claim(), 0..12)) {
        let set = policy();
        let order: Vec<usize> = (0..claims.len()).collect();
        let facts = Facts::from_json(&facts_json(&claims, &order)).unwrap();
        let d = set.evaluate(&facts, &Options::on("2025-12-31".parse().unwrap())).unwrap();
        let cap = Decimal::from(100_000);
        let mut per_subject = Decimal::ZERO;
        for c in &d.clauses {
            let Some(paid) = c.paid else { continue };
            prop_assert!(paid.min() >= Decimal::ZERO);
            prop_assert!(paid.min() <= paid.max());
            if c.clause == "按比例" {
                prop_assert!(paid.max() <= cap, "per-project cap exceeded: {:?}", paid);
                per_subject += paid.max();
            }
            if c.outcome == Outcome::Awarded {
                for bound in [paid.min(), paid.max()] {
                    let idx = if bound == paid.min() { 0 } else { 1 };
                    let sum: Decimal = c.funding.iter().map(|s| if idx == 0 { s.amount.min() } else { s.amount.max() }).sum();
                    prop_assert_eq!(sum, bound, "shares must add up exactly");
                }
            }
        }
        prop_assert!(per_subject <= Decimal::from(1_500_000));
        for year in 2023..=2025 {
            let total: Decimal = d
                .clauses
                .iter()
                .filter(|c| c.event_date.format("%Y").to_string() == year.to_string())
                .filter(|c| c.clause != "最高")
                .filter_map(|c| c.paid.map(|p| p.max()))
                .sum();
            prop_assert!(total <= Decimal::from(1_000_000), "{year}: {total}");
        }
    }

    #[test]
    fn claim_order_in_the_input_does_not_matter(claims in prop::collection::vec(claim(), 0..10), seed in any::<u64>()) {
        let set = policy();
        let order: Vec<usize> = (0..claims.len()).collect();
        let mut shuffled = order.clone();
        // A simple deterministic shuffle from the seed.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(decide_json(&set, &facts_json(&claims, &order)), decide_json(&set, &facts_json(&claims, &shuffled)));
    }

    #[test]
    fn evaluation_is_deterministic(claims in prop::collection::vec(claim(), 0..8)) {
        let set = policy();
        let order: Vec<usize> = (0..claims.len()).collect();
        let json = facts_json(&claims, &order);
        prop_assert_eq!(decide_json(&set, &json), decide_json(&set, &json));
    }
}
