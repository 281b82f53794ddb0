//! Checker tests through the public API: what checks clean and what does not (the compiled
//! form is tested beside the compiler, in `src/compile/tests.rs`).

use pol::{Code, Diagnostic};

const EVERY: &str = include_str!("fixtures/every-construct.pol");
const SHIPPED: &str = include_str!("../policies/jiazhengfa-2023-15.pol");

/// The checker's codes for `src`; the lints' warnings (W03xx) have their own tests.
fn codes(src: &str) -> Vec<Code> {
    pol::check(&[("t.pol", src)])
        .iter()
        .map(|d| d.code)
        .filter(|c| !c.as_str().starts_with("W03"))
        .collect()
}

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

fn with_header(body: &str) -> Vec<Code> {
    codes(&format!("{HEADER}{body}"))
}

#[test]
fn every_construct_checks_clean_and_compiles() {
    let c = pol::check(&[("every.pol", EVERY)]);
    assert!(c.is_empty(), "{c}");
    assert!(pol::PolicySet::compile(&[("every.pol", EVERY)]).is_ok());
}

#[test]
fn the_shipped_policy_checks_clean() {
    assert_eq!(codes(SHIPPED), []);
}

#[test]
fn three_independent_errors_are_all_reported_with_their_own_spans() {
    let src = format!(
        "{HEADER}
let 增量 = 研发费用 - 上年研发费甬
let 比率 = 研发费用 + 15%
clause 奖励 {{
  source \"第一条\"
  when 研发费用
  award 20万元
}}
"
    );
    let c = pol::check(&[("t.pol", &src)]);
    let got: Vec<(Code, &str)> = c
        .iter()
        .map(|d| (d.code, &src[d.primary.span.start..d.primary.span.end]))
        .collect();
    assert_eq!(
        got,
        [
            (Code::UndefinedName, "上年研发费甬"),
            (Code::UnitMismatch, "+"),
            (Code::ConditionNotBool, "研发费用"),
        ]
    );
}

#[test]
fn units_follow_their_algebra() {
    // money / money is a ratio, money x percent is money, 元/亩 x 亩 is money.
    assert_eq!(with_header("let a = 研发费用 / 上年研发费用 >= 15%"), []);
    assert_eq!(
        with_header("clause c { source \"一\" award 研发费用 * 10% }"),
        []
    );
    assert_eq!(
        with_header("clause c { source \"一\" award 1000元/亩 * 面积 }"),
        []
    );
    assert_eq!(
        with_header("clause c { source \"一\" award 1000元 * 面积 }"),
        [Code::AmountNotMoney]
    );
    assert_eq!(with_header("let a = 研发费用 + 10%"), [Code::UnitMismatch]);
    assert_eq!(
        with_header("let a = 研发费用 >= 面积"),
        [Code::IncomparableKinds]
    );
    assert_eq!(
        with_header("let a = min(研发费用, 10%)"),
        [Code::UnitMismatch]
    );
}

#[test]
fn comparisons_only_between_compatible_kinds() {
    assert_eq!(with_header("let a = 级别 == 国家级"), []);
    assert_eq!(with_header("let a = 国家级 != 级别"), []);
    assert_eq!(
        with_header("let a = 级别 > 国家级"),
        [Code::IncomparableKinds]
    );
    assert_eq!(with_header("let a = 级别 == 市级"), [Code::UndefinedName]);
    assert_eq!(with_header("let a = 2023-01-01 < 2024-01-01"), []);
    assert_eq!(
        with_header("let a = true == 研发费用"),
        [Code::IncomparableKinds]
    );
}

#[test]
fn logic_needs_yes_no_values() {
    assert_eq!(
        with_header("let a = 研发费用 and true"),
        [Code::OperandKind]
    );
    assert_eq!(with_header("let a = not 研发费用"), [Code::OperandKind]);
    assert_eq!(
        with_header("let a = 研发费用 in { 国家级 }"),
        [Code::OperandKind]
    );
    assert_eq!(
        with_header("let a = 级别 in { 国家级, 县级 }"),
        [Code::NotAVariant]
    );
}

#[test]
fn brackets_must_be_ordered_and_not_overlap() {
    let ok = "clause c { source \"一\" award bracket 研发费用 { < 1万元: 0元  >= 1万元 and <= 2万元: 1元  > 2万元: 2元 } }";
    assert_eq!(with_header(ok), []);
    for bad in [
        "{ >= 2万元: 1元  < 1万元: 0元 }",
        "{ >= 1万元 and <= 2万元: 1元  >= 2万元: 2元 }",
        "{ >= 3万元 and < 2万元: 1元 }",
        "{ >= 1万元: 1元  >= 2万元: 2元 }",
        "{ >= 研发费用: 1元 }",
    ] {
        let src = format!("clause c {{ source \"一\" award bracket 研发费用 {bad} }}");
        assert_eq!(with_header(&src), [Code::BracketOrder], "{bad}");
    }
    let wrong_unit = "clause c { source \"一\" award bracket 研发费用 { >= 10%: 1元 } }";
    assert_eq!(with_header(wrong_unit), [Code::IncomparableKinds]);
}

#[test]
fn tables_cover_their_enum() {
    assert_eq!(
        with_header("clause c { source \"一\" award by 级别 { 国家级: 1元, 省级: 2元 } }"),
        []
    );
    assert_eq!(
        with_header("clause c { source \"一\" award by 级别 { 国家级: 1元, else: 2元 } }"),
        []
    );
    assert_eq!(
        with_header("clause c { source \"一\" award by 级别 { 国家级: 1元 } }"),
        [Code::TableNotExhaustive]
    );
    assert_eq!(
        with_header(
            "clause c { source \"一\" award by 级别 { 国家级: 1元, else: 2元, else: 3元 } }"
        ),
        [Code::DuplicateRow]
    );
}

#[test]
fn claim_inputs_need_a_per_claim_clause() {
    assert_eq!(
        with_header("clause c { source \"一\" per project award 3% of 合同金额 }"),
        []
    );
    assert_eq!(
        with_header("clause c { source \"一\" award 3% of 合同金额 }"),
        [Code::ClaimInputOutsideClaim]
    );
    // Through a let as well.
    assert_eq!(
        with_header("let 金额 = 合同金额\nclause c { source \"一\" award 3% of 金额 }"),
        [Code::ClaimInputOutsideClaim]
    );
    assert_eq!(
        with_header("clause c { source \"一\" per enterprise award 1元 }"),
        [Code::UnknownSubject]
    );
    assert_eq!(
        with_header("clause c { source \"一\" subject project award 1元 }"),
        [Code::UnknownSubject]
    );
}

#[test]
fn inputs_must_belong_to_the_clause_subject() {
    let src = "input person { 年龄: count }\nclause c { source \"一\" subject person when 研发费用 > 0元 award 1元 }";
    assert_eq!(with_header(src), [Code::UndefinedName]);
}

#[test]
fn caps_and_limits_name_known_kinds_and_limits() {
    assert_eq!(
        with_header("clause c { source \"一\" award 1元 cap 1元 per enterprize }"),
        [Code::UnknownSubject]
    );
    assert_eq!(
        with_header("clause c { source \"一\" award 1元 limit 年度 }"),
        [Code::UndefinedName]
    );
    assert_eq!(
        with_header("limit 年度: 10% per enterprise per year"),
        [Code::AmountNotMoney]
    );
    assert_eq!(
        with_header("limit 年度: 1元 per agency per year"),
        [Code::UnknownSubject]
    );
}

#[test]
fn header_window_from_for_and_reversed() {
    let one_year = HEADER.replace(
        "effective 2023-08-01 to 2025-12-31",
        "effective from 2023-07-01 for 1 year",
    );
    assert_eq!(codes(&one_year), []);
    let zero = HEADER.replace(
        "effective 2023-08-01 to 2025-12-31",
        "effective from 2023-07-01 for 0 years",
    );
    assert_eq!(codes(&zero), [Code::WindowReversed]);
}

#[test]
fn funding_shares_must_be_exactly_whole() {
    let thirds = HEADER.replace(
        "市级财政: 50%, 区级财政: 50%",
        "甲: 33.33%, 乙: 33.33%, 丙: 33.33%",
    );
    assert_eq!(codes(&thirds), [Code::SharesNotWhole]);
    let exact = HEADER.replace(
        "市级财政: 50%, 区级财政: 50%",
        "甲: 33.34%, 乙: 33.33%, 丙: 33.33%",
    );
    assert_eq!(codes(&exact), []);
    let negative = HEADER.replace("区级财政: 50%", "区级财政: -50%");
    assert_eq!(codes(&negative), [Code::SharesNotWhole]);
}

#[test]
fn did_you_mean_works_on_chinese_names() {
    let c = pol::check(&[("t.pol", &format!("{HEADER}let a = 研发费甬 * 2"))]);
    let d: &Diagnostic = c.iter().next().unwrap();
    assert_eq!(d.help.as_deref(), Some("did you mean `研发费用`?"));
}

#[test]
fn diagnostics_are_sorted_by_position() {
    let text = format!("{HEADER}let b = 乙乙\nlet a = 甲甲\nlet c = 研发费用 + 1%");
    let c = pol::check(&[("t.pol", &text)]);
    let starts: Vec<usize> = c.iter().map(|d| d.primary.span.start).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
    assert_eq!(starts.len(), 3);
}

#[test]
fn input_defaults_must_be_values_of_the_declared_type() {
    assert_eq!(
        codes(&format!(
            "{HEADER}input person {{ a: bool = false  b: money = 0元  c: enum {{ 甲, 乙 }} = 乙 }}"
        )),
        []
    );
    assert_eq!(
        codes(&format!("{HEADER}input person {{ a: bool = 1元 }}")),
        [Code::ValueTypeMismatch]
    );
    assert_eq!(
        codes(&format!("{HEADER}input person {{ a: money = 研发费用 }}")),
        [Code::ValueTypeMismatch]
    );
    assert_eq!(
        codes(&format!("{HEADER}input person, project {{ a: money }}")),
        [Code::UnknownSubject]
    );
}

#[test]
fn two_clause_names_that_are_one_key_are_refused() {
    // `ＡＢ` (full-width) and `AB` are one key: earlier grants name a clause that way, so two
    // such clauses would share one history.
    let body = "clause ＡＢ {\n  source \"第一条\"\n  award 10元\n}\n\
                clause AB {\n  source \"第二条\"\n  award 20元\n}\n";
    assert_eq!(with_header(body), [Code::DuplicateName]);
}

#[test]
fn a_run_of_years_paid_once_is_refused() {
    // Each year of a run is a result of its own: `once` on top would pay all three (or one,
    // by a guess), so the two are refused together.
    let src = format!(
        "{HEADER}input enterprise {{ 认定日期: date }}\n\
         clause 跑 {{\n  source \"第一条\"\n  for 3 years from 认定日期\n  award 10元\n  once per enterprise\n}}\n"
    );
    assert_eq!(codes(&src), [Code::RunMisplaced]);
}
