//! Evaluation semantics, one rule at a time, through the public library API.

use std::collections::BTreeMap;
use std::str::FromStr;

use pol::Decision;
use pol::{Amount, EvalError, Facts, Options, Outcome, PolicySet};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

const HEADER: &str = r#"policy "测试〔2023〕1号" {
  title "测试政策"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 50%, 区级财政: 50% }
  same_matter highest
}
"#;

fn set(body: &str) -> PolicySet {
    let text = format!("{HEADER}{body}");
    PolicySet::compile(&[("t.pol", &text)]).unwrap_or_else(|e| panic!("{e:#?}"))
}

fn facts(json: &str) -> Facts {
    Facts::from_json(json).unwrap_or_else(|e| panic!("{e:#?}"))
}

fn enterprise(attrs: &str) -> Facts {
    facts(&format!(
        r#"{{"kind": "enterprise", "id": "E1", "attributes": {{{attrs}}}}}"#
    ))
}

fn options(date: &str) -> Options {
    Options::on(date.parse().unwrap())
}

fn run(set: &PolicySet, f: &Facts, date: &str) -> Decision {
    set.evaluate(f, &options(date))
        .unwrap_or_else(|e| panic!("{e:#?}"))
}

fn only(dec: &Decision) -> (Outcome, Option<Amount>) {
    assert_eq!(dec.clauses.len(), 1, "{:#?}", dec.clauses);
    (dec.clauses[0].outcome, dec.clauses[0].paid)
}

fn exact(s: &str) -> Option<Amount> {
    Some(Amount::Exact(d(s)))
}

const ARTICLE_1: &str = r#"
input enterprise { 加计扣除资格: bool  研发费用: money  上年研发费用: money  营业收入: money  规上企业: bool }
let 研发增量 = 研发费用 - 上年研发费用
let 研发增幅 = 研发增量 / 上年研发费用
let 研发强度 = 研发费用 / 营业收入
clause 研发投入补助 {
  source "第一条"
  when 加计扣除资格 and 研发费用 >= 100万元 and 研发增幅 >= 15% and (规上企业 implies 研发强度 >= 3%)
  award 10% of 研发增量
  cap 500万元 per enterprise
}
"#;

fn article1(spend: &str, last: &str, revenue: &str, above_scale: bool) -> Facts {
    enterprise(&format!(
        r#""加计扣除资格": true, "研发费用": "{spend}", "上年研发费用": "{last}", "营业收入": "{revenue}", "规上企业": {above_scale}"#
    ))
}

#[test]
fn inclusive_thresholds_hold_exactly_at_the_threshold() {
    let s = set(ARTICLE_1);
    // 100万元 spent, 15% growth exactly (from 86.95652...? no: from 80万元 is 25%); use exact
    // figures: last year 80万元 -> growth 25%; spend exactly 100万元 qualifies (以上 includes).
    let dec = run(
        &s,
        &article1("100万元", "80万元", "1000万元", true),
        "2024-05-01",
    );
    assert_eq!(only(&dec), (Outcome::Awarded, exact("20000.00")));
    // Growth exactly 15%: 115万元 over 100万元.
    let dec = run(
        &s,
        &article1("115万元", "100万元", "1000万元", true),
        "2024-05-01",
    );
    assert_eq!(only(&dec), (Outcome::Awarded, exact("15000.00")));
    // Intensity exactly 3%: 300万元 of 1亿元 revenue ("3%以上(含)").
    let dec = run(
        &s,
        &article1("300万元", "200万元", "1亿元", true),
        "2024-05-01",
    );
    assert_eq!(only(&dec).0, Outcome::Awarded);
}

#[test]
fn exclusive_bounds_and_the_failed_condition_with_its_shortfall() {
    let s = set(ARTICLE_1);
    let dec = run(
        &s,
        &article1("99.99万元", "10万元", "1000万元", true),
        "2024-05-01",
    );
    assert_eq!(only(&dec).0, Outcome::NotEligible);
    assert_eq!(
        dec.clauses[0].reason.as_deref(),
        Some("研发费用 >= 100万元 does not hold: 研发费用 is 99.99万元 (100元 short)")
    );
    // Growth 14.20%: 0.80 points short.
    let dec = run(
        &s,
        &article1("114.2万元", "100万元", "1000万元", true),
        "2024-05-01",
    );
    assert_eq!(
        dec.clauses[0].reason.as_deref(),
        Some("研发增幅 >= 15% does not hold: 研发增幅 is 14.20% (0.80 percentage points short)")
    );
    let strict = set(&ARTICLE_1.replace("研发费用 >= 100万元", "研发费用 > 100万元"));
    let dec = run(
        &strict,
        &article1("100万元", "80万元", "1000万元", true),
        "2024-05-01",
    );
    assert_eq!(only(&dec).0, Outcome::NotEligible);
}

#[test]
fn implication_only_binds_when_its_premise_holds() {
    let s = set(ARTICLE_1);
    // Intensity 2% fails only for above-scale firms.
    let low = |above| article1("200万元", "100万元", "1亿元", above);
    assert_eq!(
        only(&run(&s, &low(true), "2024-05-01")).0,
        Outcome::NotEligible
    );
    assert_eq!(
        only(&run(&s, &low(false), "2024-05-01")).0,
        Outcome::Awarded
    );
}

#[test]
fn division_by_zero_cannot_be_evaluated_and_is_never_zero() {
    let s = set(ARTICLE_1);
    let dec = run(
        &s,
        &article1("200万元", "0元", "1亿元", false),
        "2024-05-01",
    );
    assert_eq!(only(&dec).0, Outcome::CannotEvaluate);
    assert_eq!(
        dec.clauses[0].reason.as_deref(),
        Some("division by zero in `研发增量 / 上年研发费用`")
    );
    assert_eq!(dec.totals.paid, Amount::ZERO);
}

#[test]
fn overflow_cannot_be_evaluated() {
    let s = set("input enterprise { a: money }\nclause c { source \"一\" award a * 100000000000000000000 * 100000000000000000000 }");
    let dec = run(&s, &enterprise(r#""a": "1万元""#), "2024-05-01");
    assert_eq!(only(&dec).0, Outcome::CannotEvaluate);
    assert!(dec.clauses[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("too large"));
}

#[test]
fn a_missing_input_makes_the_clause_undetermined_not_the_evaluation_fail() {
    let s = set(ARTICLE_1);
    let f = enterprise(
        r#""加计扣除资格": true, "研发费用": "600万元", "营业收入": "1亿元", "规上企业": false"#,
    );
    let dec = run(&s, &f, "2024-05-01");
    let c = &dec.clauses[0];
    assert_eq!(c.outcome, Outcome::Undetermined);
    assert_eq!(c.needs, ["上年研发费用"]);
    assert_eq!(c.upper_bound, Some(d("5000000")), "the cap bounds it");
    assert_eq!(dec.totals.undetermined, 1);
    // A false condition decides even when another input is missing.
    let f = enterprise(r#""加计扣除资格": false"#);
    assert_eq!(only(&run(&s, &f, "2024-05-01")).0, Outcome::NotEligible);
}

#[test]
fn every_award_form() {
    let s = set(r#"
enum 级别 { 国家级, 省级, 市级 }
input enterprise { 级别: 级别  营收: money  核定: money }
input project { 省级奖励: money }
clause 固定 { source "一" matter "一" award 20万元 }
clause 比例 { source "二" matter "二" award 10% of 营收 }
clause 分档 { source "三" matter "三" award by 级别 { 国家级: 100万元, 省级: 50万元, else: 10万元 } }
clause 阶梯 { source "四" matter "四" award bracket 营收 { < 100万元: 0元  >= 100万元 and < 500万元: 10万元  >= 500万元: 20万元 } }
clause 最高 { source "五" matter "五" award up to 60万元 }
clause 核定 { source "六" matter "六" award up to 60万元 assessed 核定 }
clause 配套 { source "七" matter "七" per project award match 1:1 of 省级奖励 }
"#);
    let f = facts(
        r#"{"kind": "enterprise", "id": "E", "attributes": {"级别": "市级", "营收": "500万元", "核定": "80万元"},
            "claims": [{"id": "P1", "date": "2024-03-01", "attributes": {"省级奖励": "200万元"}}]}"#,
    );
    let dec = run(&s, &f, "2024-05-01");
    let paid: BTreeMap<&str, Option<Amount>> = dec
        .clauses
        .iter()
        .map(|c| (c.clause.as_str(), c.paid))
        .collect();
    assert_eq!(paid["固定"], exact("200000.00"));
    assert_eq!(paid["比例"], exact("500000.00"));
    assert_eq!(paid["分档"], exact("100000.00"), "else row");
    assert_eq!(
        paid["阶梯"],
        exact("200000.00"),
        ">= 500万元 includes 500万元"
    );
    assert_eq!(
        paid["最高"],
        Some(Amount::Range {
            min: d("0.00"),
            max: d("600000.00")
        })
    );
    assert_eq!(
        paid["核定"],
        exact("600000.00"),
        "min(assessed 80万元, 60万元)"
    );
    assert_eq!(paid["配套"], exact("2000000.00"));
    // Ranges add up as ranges.
    assert_eq!(
        dec.totals.paid,
        Amount::Range {
            min: d("3600000.00"),
            max: d("4200000.00")
        }
    );
}

#[test]
fn per_claim_caps_then_per_subject_caps_in_date_order() {
    let s = set(r#"
input project { 合同金额: money }
clause 技术转移 {
  source "第五条"
  per project
  award 3% of 合同金额
  cap 10万元 per project
  cap 15万元 per enterprise
}
"#);
    // Claims are listed out of order; the cut falls on the later one.
    let f = facts(
        r#"{"kind": "enterprise", "id": "E", "claims": [
            {"id": "B", "date": "2024-06-01", "attributes": {"合同金额": "200万元"}},
            {"id": "A", "date": "2024-03-01", "attributes": {"合同金额": "500万元"}}]}"#,
    );
    let dec = run(&s, &f, "2024-12-31");
    let a = &dec.clauses[0];
    assert_eq!(
        (a.claim.as_deref(), a.paid),
        (Some("A"), exact("100000.00")),
        "15万元 capped at 10万元 per project"
    );
    let b = &dec.clauses[1];
    assert_eq!(b.assessed, exact("60000.00"));
    assert_eq!(b.paid, exact("50000.00"), "15万元 per firm leaves 5万元");
    assert_eq!(b.adjustments[0].kind, "subject_cap");
    assert_eq!(Some(dec.totals.paid), exact("150000.00"));
}

#[test]
fn yearly_limits_sum_over_clauses_and_claims_and_reset_each_year() {
    let s = set(r#"
input institution { 中介机构: bool }
input project { 合同金额: money }
limit 每家每年: 100万元 per institution per year
clause 技术开发 { source "第五条" matter "开发" item "技术转移" per project award 3% of 合同金额 cap 10万元 per project limit 每家每年 }
clause 技术转让 { source "第五条" matter "转让" item "技术转移" per project award 50万元 limit 每家每年 }
"#);
    let f = facts(
        r#"{"kind": "institution", "id": "I", "attributes": {"中介机构": true}, "claims": [
            {"id": "c1", "date": "2024-01-10", "attributes": {"合同金额": "300万元"}},
            {"id": "c2", "date": "2024-02-10", "attributes": {"合同金额": "300万元"}},
            {"id": "c3", "date": "2025-01-10", "attributes": {"合同金额": "300万元"}}]}"#,
    );
    let dec = run(&s, &f, "2025-12-31");
    let paid: Vec<(&str, &str, Option<Amount>)> = dec
        .clauses
        .iter()
        .map(|c| (c.claim.as_deref().unwrap(), c.clause.as_str(), c.paid))
        .collect();
    // 2024: c1 9万 + 50万 = 59万; c2 9万 -> 68万, then 50万 cut to 32万 (100万 reached).
    assert_eq!(
        paid,
        [
            ("c1", "技术开发", exact("90000.00")),
            ("c1", "技术转让", exact("500000.00")),
            ("c2", "技术开发", exact("90000.00")),
            ("c2", "技术转让", exact("320000.00")),
            ("c3", "技术开发", exact("90000.00")),
            ("c3", "技术转让", exact("500000.00")),
        ]
    );
    let cut = &dec.clauses[3].adjustments[0];
    assert_eq!(cut.kind, "limit");
    assert!(
        cut.detail.contains("680,000.00 元 already counted in 2024"),
        "{}",
        cut.detail
    );
    // A yearly total never exceeds the limit.
    let y2024: Decimal = dec.clauses[..4].iter().map(|c| c.paid.unwrap().max()).sum();
    assert_eq!(y2024, d("1000000.00"));
}

#[test]
fn limits_for_another_kind_of_subject_do_not_apply() {
    let s = set(r#"
input institution { x: bool }
input person { x: bool }
clause c { source "一" subject institution, person award 30万元 limit 20万元 per person per year }
"#);
    let person = facts(r#"{"kind": "person", "id": "P", "attributes": {"x": true}}"#);
    assert_eq!(only(&run(&s, &person, "2024-05-01")).1, exact("200000.00"));
    let inst = facts(r#"{"kind": "institution", "id": "I", "attributes": {"x": true}}"#);
    assert_eq!(only(&run(&s, &inst, "2024-05-01")).1, exact("300000.00"));
}

#[test]
fn same_matter_pays_the_highest_and_shows_the_others_as_superseded() {
    let s = set(r#"
input enterprise { 省级: bool  国家级: bool }
clause 省级奖励 { source "第七条" matter "国际科技合作基地" when 省级 award 20万元 }
clause 国家级奖励 { source "第七条" matter "国际科技合作基地" when 国家级 award 100万元 }
"#);
    let dec = run(
        &s,
        &enterprise(r#""省级": true, "国家级": true"#),
        "2024-05-01",
    );
    assert_eq!(dec.clauses[0].outcome, Outcome::Superseded);
    assert_eq!(dec.clauses[0].paid, exact("0"));
    assert_eq!(dec.clauses[0].assessed, exact("200000.00"));
    assert!(dec.clauses[0].adjustments[0].detail.contains("国家级奖励"));
    assert_eq!(dec.clauses[1].outcome, Outcome::Awarded);
    assert_eq!(Some(dec.totals.paid), exact("1000000.00"));
    // A cumulative policy pays both.
    let cumulative_text = format!(
        "{}{}",
        HEADER.replace("same_matter highest", "same_matter cumulative"),
        r#"
input enterprise { 省级: bool  国家级: bool }
clause 省级奖励 { source "第七条" matter "基地" when 省级 award 20万元 }
clause 国家级奖励 { source "第七条" matter "基地" when 国家级 award 100万元 }
"#
    );
    let cumulative = PolicySet::compile(&[("c.pol", &cumulative_text)]).unwrap();
    let dec = run(
        &cumulative,
        &enterprise(r#""省级": true, "国家级": true"#),
        "2024-05-01",
    );
    assert_eq!(Some(dec.totals.paid), exact("1200000.00"));
}

#[test]
fn same_matter_across_two_policies() {
    let a = format!("{HEADER}input enterprise {{ 新品: bool }}\nclause 首台套 {{ source \"第四项\" matter \"首台套\" when 新品 award 50万元 }}");
    let b = format!(
        "{}input enterprise {{ 新品: bool }}\nclause 首台套奖励 {{ source \"第二条\" matter \"首台套\" when 新品 award 30万元 }}",
        HEADER
            .replace("测试〔2023〕1号", "测试〔2023〕2号")
            .replace("测试政策", "测试政策二")
    );
    let s = PolicySet::compile(&[("a.pol", &a), ("b.pol", &b)]).unwrap();
    let dec = run(&s, &enterprise(r#""新品": true"#), "2024-05-01");
    let outcomes: Vec<(&str, Outcome)> = dec
        .clauses
        .iter()
        .map(|c| (c.policy.as_str(), c.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("测试〔2023〕1号", Outcome::Awarded),
            ("测试〔2023〕2号", Outcome::Superseded)
        ]
    );
    assert_eq!(dec.totals.per_policy[1].paid, Amount::ZERO);
}

#[test]
fn superseded_awards_consume_no_limit() {
    let s = set(r#"
input enterprise { x: bool }
limit 年度: 100万元 per enterprise per year
clause 高 { source "一" matter "同一事项" award 80万元 limit 年度 }
clause 低 { source "一" matter "同一事项" award 50万元 limit 年度 }
clause 其他 { source "二" matter "其他" award 20万元 limit 年度 }
"#);
    let dec = run(&s, &enterprise(r#""x": true"#), "2024-05-01");
    let paid: Vec<Option<Amount>> = dec.clauses.iter().map(|c| c.paid).collect();
    assert_eq!(paid, [exact("800000.00"), exact("0"), exact("200000.00")]);
}

#[test]
fn effective_windows_put_claims_outside_them_not_in_force() {
    let s = set(
        "input project { 金额: money }\nclause c { source \"一\" per project award 1% of 金额 }",
    );
    let f = facts(
        r#"{"kind": "enterprise", "id": "E", "claims": [
            {"id": "before", "date": "2023-07-31", "attributes": {"金额": "100万元"}},
            {"id": "first", "date": "2023-08-01", "attributes": {"金额": "100万元"}},
            {"id": "last", "date": "2025-12-31", "attributes": {"金额": "100万元"}},
            {"id": "after", "date": "2026-01-01", "attributes": {"金额": "100万元"}}]}"#,
    );
    let dec = run(&s, &f, "2026-06-01");
    let outcomes: Vec<Outcome> = dec.clauses.iter().map(|c| c.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::NotInForce,
            Outcome::Awarded,
            Outcome::Awarded,
            Outcome::NotInForce
        ]
    );
    assert_eq!(
        dec.clauses[0].reason.as_deref(),
        Some("2023-07-31 is outside the window 2023-08-01 to 2025-12-31")
    );
}

#[test]
fn dated_parameters_take_their_value_at_the_event_date() {
    let s = set(r#"
param 比例: percent { 2023-08-01: 10%  2024-01-01: 12% }
input project { 金额: money }
clause c { source "一" per project award 比例 of 金额 }
"#);
    let f = facts(
        r#"{"kind": "enterprise", "id": "E", "claims": [
            {"id": "a", "date": "2023-12-31", "attributes": {"金额": "100万元"}},
            {"id": "b", "date": "2024-01-01", "attributes": {"金额": "100万元"}}]}"#,
    );
    let dec = run(&s, &f, "2024-06-01");
    assert_eq!(dec.clauses[0].paid, exact("100000.00"));
    assert_eq!(dec.clauses[1].paid, exact("120000.00"));
}

#[test]
fn unspecified_parameters_are_undetermined_with_their_bound_until_set() {
    let s = set(r#"
param 一定比例: percent
input project { 实际投资额: money }
clause 电商补助 { source "第十五项" per project award 一定比例 of 实际投资额 cap 300万元 per project }
"#);
    let f = facts(
        r#"{"kind": "enterprise", "id": "E", "claims": [{"id": "a", "date": "2024-03-01", "attributes": {"实际投资额": "5000万元"}}]}"#,
    );
    let dec = run(&s, &f, "2024-06-01");
    let c = &dec.clauses[0];
    assert_eq!(c.outcome, Outcome::Undetermined);
    assert_eq!(c.upper_bound, Some(d("3000000")));
    assert_eq!(c.needs, ["parameter 一定比例"]);
    assert_eq!(c.reason.as_deref(), Some("parameter `一定比例` is not set"));
    let mut o = options("2024-06-01");
    o.settings.insert("一定比例".into(), "5%".into());
    let dec = s.evaluate(&f, &o).unwrap();
    assert_eq!(dec.clauses[0].paid, exact("2500000.00"));
    o.settings.insert("一定比例".into(), "10%".into());
    let dec = s.evaluate(&f, &o).unwrap();
    assert_eq!(
        dec.clauses[0].paid,
        exact("3000000.00"),
        "capped at 300万元"
    );
}

#[test]
fn settings_must_name_open_parameters_and_fit_their_type() {
    let s = set("param 一定比例: percent\nparam 固定: percent = 1%\ninput enterprise { a: money }\nclause c { source \"一\" award 一定比例 of a }");
    let mut o = options("2024-06-01");
    o.settings.insert("一定比列".into(), "5%".into());
    o.settings.insert("固定".into(), "5%".into());
    o.settings.insert("一定比例".into(), "五成".into());
    let Err(EvalError::Facts(problems)) = s.evaluate(&enterprise(""), &o) else {
        panic!("the settings are refused")
    };
    let messages: Vec<String> = problems.iter().map(|p| p.message()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(problems
        .iter()
        .any(|p| p.help() == "did you mean `一定比例`?"));
}

#[test]
fn rounding_is_applied_once_at_the_end_of_each_award_and_shown() {
    let text = format!(
        "{}{}",
        HEADER.replace(
            "same_matter highest",
            "same_matter highest\n  rounding 1元 down"
        ),
        "input enterprise { a: money }\nclause c { source \"一\" award 3% of a }"
    );
    let s = PolicySet::compile(&[("r.pol", &text)]).unwrap();
    let o = options("2024-06-01");
    let dec = s.explain(&enterprise(r#""a": "12345.67""#), &o).unwrap();
    assert_eq!(dec.clauses[0].paid, exact("370"));
    assert!(
        dec.clauses[0]
            .trace
            .iter()
            .any(|s| s.kind == "rounding"
                && s.text == "rounded to 1元 down: 370.3701 元 -> 370.00 元")
    );
}

#[test]
fn payer_shares_sum_exactly_to_the_award() {
    let text = HEADER.replace(
        "市级财政: 50%, 区级财政: 50%",
        "市: 33.34%, 区: 33.33%, 镇: 33.33%",
    );
    let s = PolicySet::compile(&[(
        "s.pol",
        &format!("{text}input enterprise {{ a: money }}\nclause c {{ source \"一\" award a }}"),
    )])
    .unwrap();
    let dec = run(&s, &enterprise(r#""a": "100.01""#), "2024-06-01");
    let parts: Vec<Decimal> = dec.clauses[0]
        .funding
        .iter()
        .map(|f| f.amount.max())
        .collect();
    // Largest remainder: 3334.3334, 3333.3333 and 3333.3333 fen leave one fen over, which goes
    // to the largest fraction left (README, "The payer split").
    assert_eq!(parts, [d("33.35"), d("33.33"), d("33.33")]);
    assert_eq!(parts.iter().sum::<Decimal>(), d("100.01"));
}

#[test]
fn a_policy_that_splits_per_subject_counts_its_awards_and_splits_their_sum_once() {
    // Two awards of 0.01 元 each: split one by one, the district would take both odd cents
    // (0.01 + 0.01 to the city, rounded half up, and nothing to the district); split once, the
    // subject's 0.02 元 goes 0.01 / 0.01.
    let text = HEADER.replace(
        "  same_matter highest\n",
        "  same_matter highest\n  split per_subject\n",
    );
    let s = PolicySet::compile(&[(
        "s.pol",
        &format!(
            "{text}input enterprise {{ a: money }}\n\
             clause c1 {{ source \"一\" matter \"x\" award a }}\n\
             clause c2 {{ source \"二\" matter \"y\" award a }}"
        ),
    )])
    .unwrap_or_else(|e| panic!("{e:#?}"));
    let dec = run(&s, &enterprise(r#""a": "0.01""#), "2024-06-01");
    assert!(dec.clauses.iter().all(|c| c.funding.is_empty()));
    assert_eq!(dec.totals.paid, Amount::Exact(d("0.02")));
    assert_eq!(dec.totals.per_policy[0].paid, Amount::Exact(d("0.02")));
    let shares: Vec<(&str, Decimal)> = dec
        .totals
        .per_payer
        .iter()
        .map(|s| (s.payer.as_str(), s.amount.max()))
        .collect();
    assert_eq!(shares, [("市级财政", d("0.01")), ("区级财政", d("0.01"))]);
}

#[test]
fn facts_that_do_not_fit_are_all_reported_with_field_type_value_and_line() {
    let s = set(ARTICLE_1);
    let f = enterprise(r#""研发费用": "很多", "规上企业": "yes", "营业收入": true"#);
    let Err(EvalError::Facts(problems)) = s.evaluate(&f, &options("2024-05-01")) else {
        panic!("the facts are refused")
    };
    let got: Vec<(String, String, String)> = problems
        .iter()
        .map(|p| (p.path.clone(), p.message(), p.help()))
        .collect();
    let got: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("attributes.研发费用", "`研发费用` must be money (an amount in 元, e.g. \"600万元\" or 6000000), but the facts give \"很多\"", "the policy declares it at 测试〔2023〕1号 line 9"),
            ("attributes.营业收入", "`营业收入` must be money (an amount in 元, e.g. \"600万元\" or 6000000), but the facts give true", "the policy declares it at 测试〔2023〕1号 line 9"),
            ("attributes.规上企业", "`规上企业` must be true or false, but the facts give \"yes\"", "the policy declares it at 测试〔2023〕1号 line 9"),
        ]
    );
}

#[test]
fn money_is_read_exactly_from_json_numbers_and_strings() {
    let s = set("input enterprise { a: money }\nclause c { source \"一\" award a * 1 }");
    for (json, want) in [
        (r#""a": 0.1"#, "0.10"),
        (r#""a": 1234567.891"#, "1234567.89"),
        (r#""a": "20万元""#, "200000.00"),
        (r#""a": "1,000,000元""#, "1000000.00"),
        (r#""a": "0.1""#, "0.10"),
    ] {
        assert_eq!(
            only(&run(&s, &enterprise(json), "2024-06-01")).1,
            exact(want),
            "{json}"
        );
    }
}

#[test]
fn unknown_attributes_are_warnings_with_a_suggestion() {
    let s = set(ARTICLE_1);
    let dec = run(&s, &enterprise(r#""研发费甬": "1元""#), "2024-06-01");
    assert_eq!(dec.warnings.len(), 1);
    assert_eq!(
        dec.warnings[0].help(),
        "did you mean `研发费用`? Otherwise remove it"
    );
}

#[test]
fn clauses_for_other_kinds_of_subject_are_left_out() {
    let s = set("input person { a: bool }\nclause c { source \"一\" award 1元 }");
    let dec = run(&s, &enterprise(""), "2024-06-01");
    assert!(dec.clauses.is_empty());
}

#[test]
fn input_defaults_stand_in_for_facts_not_given() {
    let s = set("input enterprise, institution { 新认定: bool = false  级别: enum { 国家级, 省级, 无 } = 无 }\nclause c { source \"一\" subject enterprise, institution when 新认定 award by 级别 { 国家级: 2元, 省级: 1元, else: 0元 } }");
    assert_eq!(
        only(&run(&s, &enterprise(""), "2024-06-01")).0,
        Outcome::NotEligible
    );
    let inst = facts(
        r#"{"kind": "institution", "id": "I", "attributes": {"新认定": true, "级别": "省级"}}"#,
    );
    assert_eq!(only(&run(&s, &inst, "2024-06-01")).1, exact("1.00"));
    let null = enterprise(r#""新认定": true, "级别": null"#);
    assert_eq!(
        only(&run(&s, &null, "2024-06-01")).1,
        exact("0.00"),
        "null is the default 无"
    );
}

#[test]
fn signed_money_accepts_a_loss_and_plain_money_refuses_it() {
    // A made-up rule: a firm that made a loss receives 10万元 of relief.
    let s = set(r#"
input enterprise { 利润: signed money  收入: money }
clause 亏损补助 {
  source "第一条"
  when 利润 < 0元
  award 10万元
}
"#);
    let dec = run(
        &s,
        &enterprise(r#""利润": "-5万元", "收入": "0元""#),
        "2024-05-01",
    );
    assert_eq!(only(&dec), (Outcome::Awarded, exact("100000")));
    let refused = Facts::from_json(
        r#"{"kind": "enterprise", "id": "E1", "attributes": {"利润": "1元", "收入": "-1元"}}"#,
    )
    .and_then(|f| s.evaluate(&f, &options("2024-05-01")).map(|_| ()));
    let err = format!(
        "{:?}",
        refused.expect_err("negative plain money must be refused")
    );
    assert!(err.contains("收入") && !err.contains("利润"), "{err}");
}

#[test]
fn chains_of_and_and_or_decide_as_three_valued_logic_with_the_first_unknown_as_reason() {
    // Chains are evaluated hung to the right; grouped either way they must give the outcome
    // of three-valued logic, and when undetermined the reason names the first unknown input.
    let s = set(r#"
input enterprise { a: bool  b: bool  c: bool }
clause all_left { source "一" when (a and b) and c  award 1元 }
clause all_right { source "一" when a and (b and c)  award 1元 }
clause any_left { source "一" when (a or b) or c  award 1元 }
clause any_right { source "一" when a or (b or c)  award 1元 }
"#);
    let values = [Some(true), Some(false), None];
    for a in values {
        for b in values {
            for c in values {
                let given: Vec<String> = [("a", a), ("b", b), ("c", c)]
                    .iter()
                    .filter_map(|(n, v)| v.map(|v| format!(r#""{n}": {v}"#)))
                    .collect();
                let dec = run(&s, &enterprise(&given.join(", ")), "2024-01-01");
                let sides = [a, b, c];
                let first_unknown =
                    ["a", "b", "c"][sides.iter().position(Option::is_none).unwrap_or(0)];
                for (k, want_all) in [(0, true), (1, true), (2, false), (3, false)] {
                    // `and` is decided by a false side, `or` by a true one.
                    let decisive = !want_all;
                    let outcome = if sides.contains(&Some(decisive)) {
                        if want_all {
                            Outcome::NotEligible
                        } else {
                            Outcome::Awarded
                        }
                    } else if sides.contains(&None) {
                        Outcome::Undetermined
                    } else if want_all {
                        Outcome::Awarded
                    } else {
                        Outcome::NotEligible
                    };
                    let c = &dec.clauses[k];
                    assert_eq!(
                        c.outcome,
                        outcome,
                        "clause {k} for {a:?} {b:?} {c:?}",
                        c = sides[2]
                    );
                    if outcome == Outcome::Undetermined {
                        let reason = c.reason.clone().unwrap_or_default();
                        assert_eq!(reason, format!("needs `{first_unknown}`"), "clause {k}");
                    }
                }
            }
        }
    }
}
