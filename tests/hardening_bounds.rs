//! Caps and limits count what is actually paid (issue 15): a per-subject cap counts neither the
//! part of an award a yearly limit cut nor a superseded award, so no later award is cut below
//! what every cap and limit still allows; and none is ever exceeded.
//!
//! The policies here are made up for the case each test states (their figures are drawn by
//! the property test); none cites a gazette article.

use pol::{Amount, Facts, Options, Outcome, PolicySet};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn header(same_matter: &str) -> String {
    format!(
        "policy \"测〔2024〕1号\" {{\n  title \"上限\"\n  issued 2020-01-01\n  \
         effective 2020-01-01 to 2030-12-31\n  funding {{ 市: 100% }}\n  same_matter {same_matter}\n}}\n\
         input project {{ 甲: money  乙: money }}\n"
    )
}

/// The facts of subject E with claims (id, date, 甲, 乙).
fn facts(claims: &[(String, String, Decimal, Decimal)]) -> Facts {
    let list: Vec<String> = claims
        .iter()
        .map(|(id, date, a, b)| {
            format!(
                r#"{{"id": "{id}", "date": "{date}", "attributes": {{"甲": "{a}元", "乙": "{b}元"}}}}"#
            )
        })
        .collect();
    Facts::from_json(&format!(
        r#"{{"kind": "enterprise", "id": "E", "claims": [{}]}}"#,
        list.join(",")
    ))
    .unwrap()
}

fn paid_by_claim(
    text: &str,
    claims: &[(String, String, Decimal, Decimal)],
) -> Vec<(String, String, Decimal)> {
    let set = PolicySet::compile(&[("p.pol", text)]).unwrap();
    let decision = set
        .evaluate(&facts(claims), &Options::on("2030-12-31".parse().unwrap()))
        .unwrap();
    decision
        .clauses
        .iter()
        .map(|c| {
            let paid = match c.paid {
                Some(Amount::Exact(x)) if c.outcome == Outcome::Awarded => x,
                None | Some(_) => Decimal::ZERO,
            };
            (
                c.claim.as_deref().unwrap_or("").to_string(),
                c.clause.to_string(),
                paid,
            )
        })
        .collect()
}

fn claim(id: &str, date: &str, a: &str, b: &str) -> (String, String, Decimal, Decimal) {
    (id.to_string(), date.to_string(), d(a), d(b))
}

#[test]
fn a_cap_counts_what_a_yearly_limit_let_through_not_what_it_cut() {
    // cap 10万元 per enterprise, limit 6万元 per year: 8万元 in 2023 pays 6万元 (the limit), so
    // 4万元 of the cap is left for 2024's 8万元, which the 2024 limit lets through up to 6万元.
    // Counting the 8万元 before the limit cut it left 2万元 and paid 2万元.
    let text = format!(
        "{}clause 补助 {{\n  source \"一\"\n  per project\n  item \"项目\"\n  award 甲\n  cap 10万元 per enterprise\n  \
         limit 6万元 per enterprise per year\n}}\n",
        header("cumulative")
    );
    let claims = [
        claim("C1", "2023-03-01", "80000", "0"),
        claim("C2", "2024-03-01", "80000", "0"),
    ];
    let paid: Vec<Decimal> = paid_by_claim(&text, &claims).iter().map(|p| p.2).collect();
    assert_eq!(paid, [d("60000"), d("40000")]);
}

#[test]
fn a_superseded_award_counts_towards_no_cap() {
    // Claim C1: 甲 (8万元, capped at 10万元 per enterprise) gives way to the fixed 9万元 of the
    // same matter, so it pays nothing and the cap still has 10万元 for C2's 8万元.
    let text = format!(
        "{}clause 按额 {{\n  source \"一\"\n  matter \"研发\"\n  per project\n  item \"项目\"\n  award 甲\n  \
         cap 10万元 per enterprise\n}}\nclause 定额 {{\n  source \"二\"\n  matter \"研发\"\n  \
         per project\n  item \"项目\"\n  when 乙 > 0元\n  award 9万元\n}}\n",
        header("highest")
    );
    let claims = [
        claim("C1", "2023-03-01", "80000", "1"),
        claim("C2", "2024-03-01", "80000", "0"),
    ];
    let paid = paid_by_claim(&text, &claims);
    let of = |claim: &str, clause: &str| {
        paid.iter()
            .find(|p| p.0 == claim && p.1 == clause)
            .map(|p| p.2)
            .unwrap()
    };
    assert_eq!(of("C1", "按额"), Decimal::ZERO);
    assert_eq!(of("C1", "定额"), d("90000"));
    assert_eq!(of("C2", "按额"), d("80000"));
}

/// The figures of the drawn policy, in yuan.
#[derive(Debug, Clone)]
struct Figures {
    cap_a: i64,
    cap_b_yearly: i64,
    yearly: i64,
    total: i64,
    per_claim: i64,
}

fn figures() -> impl Strategy<Value = Figures> {
    (1i64..200, 1i64..200, 1i64..200, 1i64..400, 1i64..200).prop_map(|(a, b, y, t, c)| Figures {
        cap_a: a * 100,
        cap_b_yearly: b * 100,
        yearly: y * 100,
        total: t * 100,
        per_claim: c * 100,
    })
}

/// Two clauses under a yearly limit and a per-claim limit they share; 甲 also has a
/// per-subject cap and a total limit of its own, 乙 a yearly cap.
fn drawn_policy(f: &Figures) -> String {
    format!(
        "{}limit 年度: {}元 per enterprise per year\nlimit 每项: {}元 per project\n\
         clause 甲类 {{\n  source \"一\"\n  per project\n  item \"项目\"\n  award 甲\n  cap {}元 per enterprise\n  \
         limit 年度\n  limit 每项\n  limit {}元 per enterprise\n}}\n\
         clause 乙类 {{\n  source \"二\"\n  per project\n  item \"项目\"\n  award 乙\n  cap {}元 per enterprise per year\n  \
         limit 年度\n  limit 每项\n}}\n",
        header("cumulative"),
        f.yearly,
        f.per_claim,
        f.cap_a,
        f.total,
        f.cap_b_yearly
    )
}

fn claims() -> impl Strategy<Value = Vec<(String, String, Decimal, Decimal)>> {
    prop::collection::vec((2022i32..2025, 1u32..13, 0i64..30_000, 0i64..30_000), 0..14).prop_map(
        |v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (y, m, a, b))| {
                    (
                        format!("C{i:02}"),
                        format!("{y}-{m:02}-01"),
                        Decimal::new(a, 0),
                        Decimal::new(b, 0),
                    )
                })
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Over any sequence of awards: no cap or limit is ever exceeded, and each award is paid
    /// exactly the least of what it comes to and what every cap and limit it meets still has
    /// room for, counting only what earlier awards were actually paid.
    #[test]
    fn no_bound_is_exceeded_and_no_award_is_cut_below_the_room_left(f in figures(), cs in claims()) {
        let paid = paid_by_claim(&drawn_policy(&f), &cs);
        // The model: claims by date then id, 甲类 before 乙类; running totals of what is paid.
        let mut order: Vec<&(String, String, Decimal, Decimal)> = cs.iter().collect();
        order.sort_by(|x, y| (&x.1, &x.0).cmp(&(&y.1, &y.0)));
        let mut cap_a = Decimal::ZERO;
        let mut total = Decimal::ZERO;
        let mut yearly = std::collections::BTreeMap::<String, Decimal>::new();
        let mut cap_b = std::collections::BTreeMap::<String, Decimal>::new();
        let mut expected = Vec::new();
        for (id, date, a, b) in order {
            let year = date[..4].to_string();
            let mut claim_used = Decimal::ZERO;
            let room = |limit: i64, used: Decimal| (Decimal::from(limit) - used).max(Decimal::ZERO);
            let y = yearly.entry(year.clone()).or_default();
            let pa = (*a)
                .min(room(f.cap_a, cap_a))
                .min(room(f.total, total))
                .min(room(f.yearly, *y))
                .min(room(f.per_claim, claim_used));
            cap_a += pa;
            total += pa;
            *y += pa;
            claim_used += pa;
            expected.push((id.clone(), "甲类".to_string(), pa));
            let cb = cap_b.entry(year).or_default();
            let pb = (*b)
                .min(room(f.cap_b_yearly, *cb))
                .min(room(f.yearly, *y))
                .min(room(f.per_claim, claim_used));
            *cb += pb;
            *y += pb;
            expected.push((id.clone(), "乙类".to_string(), pb));
        }
        prop_assert_eq!(&paid, &expected);
        // And, from the decision alone: no bound exceeded.
        let sum = |keep: &dyn Fn(&(String, String, Decimal)) -> bool| -> Decimal {
            paid.iter().filter(|p| keep(p)).map(|p| p.2).sum()
        };
        prop_assert!(sum(&|p| p.1 == "甲类") <= Decimal::from(f.cap_a.min(f.total)));
        for (id, date, _, _) in &cs {
            prop_assert!(sum(&|p| &p.0 == id) <= Decimal::from(f.per_claim));
            let year = &date[..4];
            let in_year = |p: &(String, String, Decimal)| {
                cs.iter().any(|c| c.0 == p.0 && &c.1[..4] == year)
            };
            prop_assert!(sum(&|p| in_year(p)) <= Decimal::from(f.yearly));
            prop_assert!(sum(&|p| in_year(p) && p.1 == "乙类") <= Decimal::from(f.cap_b_yearly));
        }
    }
}

/// The subject's total, as (least, most).
fn total(text: &str, claims: &[(String, String, Decimal, Decimal)]) -> (Decimal, Decimal) {
    let set = PolicySet::compile(&[("p.pol", text)]).unwrap();
    let decision = set
        .evaluate(&facts(claims), &Options::on("2030-12-31".parse().unwrap()))
        .unwrap();
    let t = decision.totals.paid;
    let per_payer = decision
        .totals
        .per_payer
        .first()
        .map_or(Amount::ZERO, |s| s.amount);
    // The one payer's total adds up the awards' own ranges: it holds the exact total.
    assert!(
        per_payer.min() <= t.min() && t.max() <= per_payer.max(),
        "{per_payer:?} {t:?}"
    );
    (t.min(), t.max())
}

/// An "up to 乙" clause (or `award` as given) before a fixed 甲 clause, both under a yearly
/// limit of `yearly` yuan.
fn linked(award: &str, yearly: i64) -> String {
    format!(
        "{}limit 年度: {yearly}元 per enterprise per year\n\
         clause 酌定 {{\n  source \"一\"\n  per project\n  item \"项目\"\n  award {award}\n  limit 年度\n}}\n\
         clause 定额 {{\n  source \"二\"\n  per project\n  item \"项目\"\n  award 甲\n  limit 年度\n}}\n",
        header("cumulative")
    )
}

#[test]
fn the_readme_example_of_linked_ranges_totals_two_to_three_not_one_to_four() {
    // limit 3万元 per year: an "up to 2万元" award and then a fixed 2万元. The second pays
    // 1万元 to 2万元 on its own, but the two together pay 2万元 (the first nothing) to 3万元.
    let text = linked("up to 2万元", 30000);
    let claims = [claim("C1", "2024-03-01", "20000", "0")];
    assert_eq!(total(&text, &claims), (d("20000"), d("30000")));
    let paid = paid_ranges(&text, &claims);
    assert_eq!(paid, [(d("0"), d("20000")), (d("10000"), d("20000"))]);
}

#[test]
fn two_fixed_awards_after_a_range_fill_the_limit_whatever_the_range_pays() {
    // limit 3万元: "up to 2万元", then fixed 2万元 twice (two claims of one year). Whatever the
    // range pays, the three come to exactly 3万元 (the sum of their own ranges is 1万元 to
    // 6万元).
    let text = linked("up to 2万元", 30000);
    let claims = [
        claim("C1", "2024-03-01", "20000", "0"),
        claim("C2", "2024-04-01", "20000", "0"),
    ];
    assert_eq!(total(&text, &claims), (d("30000"), d("30000")));
    let paid = paid_ranges(&text, &claims);
    assert_eq!(paid[1], (d("10000"), d("20000")));
    assert!(
        paid[3].0 == Decimal::ZERO && paid[3].1 <= d("20000"),
        "{paid:?}"
    );
}

/// Each clause result's paid amount as (least, most), in evaluation order.
fn paid_ranges(
    text: &str,
    claims: &[(String, String, Decimal, Decimal)],
) -> Vec<(Decimal, Decimal)> {
    let set = PolicySet::compile(&[("p.pol", text)]).unwrap();
    let decision = set
        .evaluate(&facts(claims), &Options::on("2030-12-31".parse().unwrap()))
        .unwrap();
    decision
        .clauses
        .iter()
        .map(|c| {
            c.paid
                .map_or((Decimal::ZERO, Decimal::ZERO), |p| (p.min(), p.max()))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// With "up to" awards linked by a limit, the subject's total is exactly the total with
    /// every such award at its least (nothing) to the total with every one at its most.
    #[test]
    fn a_total_of_linked_ranges_is_exact(yearly in 1i64..100, cs in claims()) {
        let yearly = yearly * 1000;
        let ranged = total(&linked("up to 乙", yearly), &cs);
        let least = total(&linked("0元", yearly), &cs);
        let most = total(&linked("乙", yearly), &cs);
        prop_assert_eq!(least.0, least.1);
        prop_assert_eq!(most.0, most.1);
        prop_assert_eq!(ranged, (least.0, most.0));
        // Each award's own range holds what it pays in both cases.
        let own = paid_ranges(&linked("up to 乙", yearly), &cs);
        for (case, text) in [(0, linked("0元", yearly)), (1, linked("乙", yearly))] {
            for (r, p) in own.iter().zip(paid_ranges(&text, &cs)) {
                prop_assert!(r.0 <= p.0 && p.1 <= r.1, "case {}: {:?} outside {:?}", case, p, r);
            }
        }
    }
}

#[test]
fn up_to_a_maximum_below_zero_pays_nothing_rather_than_an_inverted_range() {
    // It was the range 0 to -1万元 (`Amount::between` took any order) and ended as pol's own
    // error (F0901).
    let text = format!(
        "{}clause 酌定 {{\n  source \"一\"\n  per project\n  item \"项目\"\n  award up to 甲 - 2万元\n}}\n",
        header("cumulative")
    );
    let claims = [claim("C1", "2024-03-01", "10000", "0")];
    assert_eq!(total(&text, &claims), (Decimal::ZERO, Decimal::ZERO));
}

#[test]
fn an_amount_is_never_an_inverted_range() {
    assert_eq!(Amount::between(d("2"), d("1")), None);
    assert_eq!(Amount::between(d("1"), d("1")), Some(Amount::Exact(d("1"))));
    assert_eq!(
        Amount::spanning(d("2"), d("1")),
        Amount::between(d("1"), d("2")).unwrap()
    );
    // A decreasing function maps a range onto one that is still in order.
    let r = Amount::between(d("1"), d("2")).unwrap().map(|x| -x);
    assert!(r.min() <= r.max());
}

/// [`linked`] with per-subject caps on both clauses and a per-claim limit they share.
fn linked_capped(award: &str, yearly: i64, cap: i64, per_claim: i64) -> String {
    format!(
        "{}limit 年度: {yearly}元 per enterprise per year\nlimit 每项: {per_claim}元 per project\n\
         clause 酌定 {{\n  source \"一\"\n  per project\n  item \"项目\"\n  award {award}\n  cap {cap}元 per enterprise\n  \
         limit 年度\n  limit 每项\n}}\n\
         clause 定额 {{\n  source \"二\"\n  per project\n  item \"项目\"\n  award 甲\n  cap {cap}元 per enterprise per year\n  \
         limit 年度\n  limit 每项\n}}\n",
        header("cumulative")
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    /// The same under caps and a per-claim limit as well: the total is exactly the total with
    /// every "up to" award at nothing to the total with every one at its most.
    #[test]
    fn a_total_of_ranges_under_caps_and_limits_is_exact(
        yearly in 1i64..100, cap in 1i64..100, per_claim in 1i64..60, cs in claims(),
    ) {
        let (yearly, cap, per_claim) = (yearly * 1000, cap * 1000, per_claim * 1000);
        let ranged = total(&linked_capped("up to 乙", yearly, cap, per_claim), &cs);
        let least = total(&linked_capped("0元", yearly, cap, per_claim), &cs);
        let most = total(&linked_capped("乙", yearly, cap, per_claim), &cs);
        prop_assert_eq!(ranged, (least.0, most.0));
    }
}
