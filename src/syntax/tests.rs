//! Parser tests: every construct and every literal form, as the syntax tree holds them.

use super::parse;
use crate::ast::*;
use rust_decimal::Decimal;
use std::str::FromStr;

fn ok(src: &str) -> File {
    let parsed = parse(src);
    assert!(
        parsed.diagnostics.is_empty(),
        "{src}\n{:#?}",
        parsed.diagnostics
    );
    parsed.file
}

/// The expression of `let x = SRC`.
fn expr(src: &str) -> ExprKind {
    let file = ok(&format!("let x = {src}\n"));
    match &file.items[0] {
        Item::Let(l) => l.node.value.node.clone(),
        other => panic!("not a let: {other:?}"),
    }
}

fn num(v: &str) -> Decimal {
    Decimal::from_str(v).unwrap()
}

fn literal(src: &str) -> Literal {
    match expr(src) {
        ExprKind::Number(l) => l,
        other => panic!("{src} is not a number: {other:?}"),
    }
}

#[test]
fn money_literals_in_the_units_staff_write() {
    assert_eq!(literal("20万元").value, num("200000"));
    assert_eq!(literal("1.5亿元").value, num("150000000"));
    assert_eq!(literal("3000元").value, num("3000"));
    assert_eq!(literal("1,000,000元").value, num("1000000"));
    assert_eq!(literal("0.5千元").value, num("500"));
    assert_eq!(literal("2百万元").value, num("2000000"));
    assert!(literal("20万元").unit.is_money());
}

#[test]
fn percentages_numbers_and_quantities() {
    let p = literal("15%");
    assert_eq!(
        (p.value, p.percent, p.unit.is_none()),
        (num("0.15"), true, true)
    );
    assert_eq!(literal("1.5%").value, num("0.015"));
    let plain = literal("3");
    assert!(plain.unit.is_none() && !plain.percent);
    let per_mu = literal("1000元/亩");
    assert_eq!(
        (per_mu.value, per_mu.unit.to_string()),
        (num("1000"), "元/亩".to_string())
    );
    assert_eq!(literal("500亩").unit.to_string(), "亩");
}

#[test]
fn full_width_forms_mean_the_same() {
    assert_eq!(literal("３０００元").value, num("3000"));
    assert_eq!(literal("１５％").value, num("0.15"));
    assert_eq!(literal("1，000元").value, num("1000"));
    assert_eq!(literal("1．5万元").value, num("15000"));
    let half = ok("policy \"x\" { funding { 市级财政: 50%, 区级财政: 50% } }\nlet a = (1 + 2)\n");
    let full =
        ok("policy \"x\" ｛ funding ｛ 市级财政：50％，区级财政：50％ ｝ ｝\nlet a = （1 ＋ 2）\n");
    assert_eq!(half, full);
}

#[test]
fn dates_booleans_and_text() {
    assert_eq!(
        expr("2023-08-01"),
        ExprKind::Date(chrono::NaiveDate::from_ymd_opt(2023, 8, 1).unwrap())
    );
    assert_eq!(expr("true"), ExprKind::Bool(true));
    assert_eq!(expr("false"), ExprKind::Bool(false));
    assert_eq!(expr("\"中介机构\""), ExprKind::Text("中介机构".into()));
    assert_eq!(expr("“中介机构”"), ExprKind::Text("中介机构".into()));
}

fn binary(e: &ExprKind) -> (BinOp, &ExprKind, &ExprKind) {
    match e {
        ExprKind::Binary(op, l, r) => (op.node, &l.node, &r.node),
        other => panic!("not binary: {other:?}"),
    }
}

#[test]
fn arithmetic_precedence_and_grouping() {
    let e = expr("a + b * c");
    let (op, l, r) = binary(&e);
    assert_eq!(op, BinOp::Add);
    assert_eq!(l, &ExprKind::Ref("a".into()));
    assert_eq!(binary(r).0, BinOp::Mul);
    let e = expr("(a + b) * c");
    assert_eq!(binary(&e).0, BinOp::Mul);
    let e = expr("a - b - c");
    let (_, l, _) = binary(&e);
    assert_eq!(binary(l).0, BinOp::Sub, "left-associative");
    assert!(matches!(expr("-a"), ExprKind::Unary(UnaryOp::Neg, _)));
    assert!(matches!(expr("a / b × c ÷ d"), ExprKind::Binary(..)));
}

#[test]
fn comparisons_with_every_operator() {
    for (src, op) in [
        ("a >= b", BinOp::Ge),
        ("a > b", BinOp::Gt),
        ("a <= b", BinOp::Le),
        ("a < b", BinOp::Lt),
        ("a == b", BinOp::Eq),
        ("a != b", BinOp::Ne),
        ("a ≥ b", BinOp::Ge),
        ("a ≤ b", BinOp::Le),
        ("a ≠ b", BinOp::Ne),
    ] {
        assert_eq!(binary(&expr(src)).0, op, "{src}");
    }
}

#[test]
fn logic_binds_looser_than_comparison_and_implies_groups_right() {
    let e = expr("a >= 1 and b or c");
    let (op, l, _) = binary(&e);
    assert_eq!(op, BinOp::Or);
    assert_eq!(binary(l).0, BinOp::And);
    let e = expr("a implies b implies c");
    let (op, l, r) = binary(&e);
    assert_eq!((op, l), (BinOp::Implies, &ExprKind::Ref("a".into())));
    assert_eq!(binary(r).0, BinOp::Implies);
    assert!(matches!(expr("not a"), ExprKind::Unary(UnaryOp::Not, _)));
    assert_eq!(binary(&expr("a => b")).0, BinOp::Implies);
    // A keyword only counts as a whole word.
    assert_eq!(expr("andx"), ExprKind::Ref("andx".into()));
}

#[test]
fn membership_in_variant_sets() {
    match expr("级别 in { 国家级, 省级 }") {
        ExprKind::In { set, negated, .. } => {
            assert!(!negated);
            assert_eq!(
                set.iter().map(|s| s.node.as_str()).collect::<Vec<_>>(),
                ["国家级", "省级"]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        expr("级别 not in { 市级 }"),
        ExprKind::In { negated: true, .. }
    ));
}

#[test]
fn min_max_tables_and_brackets() {
    assert!(
        matches!(expr("min(a, 100万元)"), ExprKind::Call(f, args) if f.node == Func::Min && args.len() == 2)
    );
    assert!(
        matches!(expr("max(a, b, c)"), ExprKind::Call(f, args) if f.node == Func::Max && args.len() == 3)
    );
    match expr("by 级别 { 国家级: 100万元, 省级: 20万元, else: 0元 }") {
        ExprKind::Table { rows, .. } => {
            assert_eq!(rows.len(), 3);
            assert!(matches!(&rows[0].0, RowKey::Variant(n) if n.node == "国家级"));
            assert_eq!(rows[2].0, RowKey::Else);
        }
        other => panic!("{other:?}"),
    }
    match expr("by 高新技术企业 { true: 20万元, false: 10万元 }") {
        ExprKind::Table { rows, .. } => {
            let labels: Vec<&str> = rows.iter().map(|(k, _)| k.label()).collect();
            assert_eq!(labels, ["true", "false"]);
            assert!(matches!(&rows[1].0, RowKey::Bool(b) if !b.node));
        }
        other => panic!("{other:?}"),
    }
    match expr("bracket 研发费用 {\n < 100万元: 0元\n >= 100万元 and < 500万元: 10万元\n > 500万元 and <= 1亿元: 20万元\n > 1亿元: 30万元\n}") {
        ExprKind::Bracket { rows, .. } => {
            assert_eq!(rows.len(), 4);
            assert!(rows[0].lower.is_none() && !rows[0].upper.as_ref().unwrap().inclusive);
            assert!(rows[1].lower.as_ref().unwrap().inclusive);
            assert!(!rows[2].lower.as_ref().unwrap().inclusive && rows[2].upper.as_ref().unwrap().inclusive);
            assert!(rows[3].upper.is_none());
        }
        other => panic!("{other:?}"),
    }
}

const HEADER: &str = r#"
# 文件头
policy "嘉政发〔2023〕15号" {
  title "支持科技创新九条政策意见"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 50%, 区级财政: 50% }
  same_matter highest
  rounding 0.01元 half_even
  budget { 2023: 4亿元, 2024: 5亿元 }
}
"#;

#[test]
fn the_policy_header() {
    let file = ok(HEADER);
    let Item::Policy(p) = &file.items[0] else {
        panic!()
    };
    assert_eq!(p.node.document.node, "嘉政发〔2023〕15号");
    let kinds: Vec<_> = p.node.items.iter().map(|i| &i.node).collect();
    assert!(matches!(kinds[0], HeaderItem::Title(t) if t.node == "支持科技创新九条政策意见"));
    assert!(matches!(kinds[1], HeaderItem::Issued(_)));
    assert!(matches!(kinds[2], HeaderItem::Effective(Window::Range(..))));
    assert!(
        matches!(kinds[3], HeaderItem::Funding(s) if s.len() == 2 && s[1].payer.node == "区级财政")
    );
    assert!(matches!(kinds[4], HeaderItem::SameMatter(m) if m.node == SameMatter::Highest));
    assert!(
        matches!(kinds[5], HeaderItem::Rounding { mode: Some(m), .. } if m.node == RoundingMode::HalfEven)
    );
    assert!(
        matches!(kinds[6], HeaderItem::Budget(lines) if lines.len() == 2 && lines[0].year.node == 2023)
    );
}

#[test]
fn windows_from_a_date_for_a_duration() {
    for (src, count, unit) in [
        ("1 year", 1, DurationUnit::Years),
        ("2 years", 2, DurationUnit::Years),
        ("6 months", 6, DurationUnit::Months),
        ("1 month", 1, DurationUnit::Months),
        ("1年", 1, DurationUnit::Years),
        ("18个月", 18, DurationUnit::Months),
    ] {
        let file = ok(&format!(
            "policy \"x\" {{ effective from 2023-07-01 for {src} same_matter cumulative }}"
        ));
        let Item::Policy(p) = &file.items[0] else {
            panic!()
        };
        match &p.node.items[0].node {
            HeaderItem::Effective(Window::FromFor(_, d)) => {
                assert_eq!((d.node.count, d.node.unit), (count, unit), "{src}")
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn declarations() {
    let file = ok(r#"
input enterprise {
  研发费用: money "本年度研发费用"
  增幅: percent
  人数: count
  系数: number
  规上企业: bool
  认定日期: date
  名称: text
  级别: 级别
  面积: quantity 亩
  管护费用: quantity 元/亩
  服务主体: enum { 中介机构, 技术经纪人 }
  首次认定: bool = false "本年度首次通过认定"
  利润: signed money
  signed_gap: signed quantity 亩
}
input institution, person { 名称: text }
enum 级别 { 国家级, 省级, 市级 }
param 固定比例: percent = 10%
param 分期比例: percent {
  from 2023-08-01: 10%
  2024-01-01: 12%
}
param 一定比例: percent
let 研发增量 = 研发费用 - 上年研发费用
limit 中介机构年度累计: 100万元 per institution per year
limit 累计: 500万元 per enterprise
"#);
    let Item::Input(input) = &file.items[0] else {
        panic!()
    };
    assert_eq!(input.node.kinds[0].node, "enterprise");
    let tys: Vec<_> = input
        .node
        .fields
        .iter()
        .map(|f| f.node.ty.node.clone())
        .collect();
    assert_eq!(tys[0], TypeExpr::Named("money".into()));
    assert_eq!(tys[7], TypeExpr::Named("级别".into()));
    assert!(matches!(&tys[8], TypeExpr::Quantity(u) if u.to_string() == "亩"));
    assert!(matches!(&tys[9], TypeExpr::Quantity(u) if u.to_string() == "元/亩"));
    assert!(matches!(&tys[10], TypeExpr::InlineEnum(v) if v.len() == 2));
    let signed: Vec<bool> = input.node.fields.iter().map(|f| f.node.signed).collect();
    assert_eq!(signed.iter().filter(|s| **s).count(), 2);
    assert!(signed[12] && signed[13]);
    assert_eq!(tys[12], TypeExpr::Named("money".into()));
    assert_eq!(
        input.node.fields[0].node.doc.as_ref().unwrap().node,
        "本年度研发费用"
    );
    let last = &input.node.fields[11].node;
    assert_eq!(last.default.as_ref().unwrap().node, ExprKind::Bool(false));
    assert_eq!(last.doc.as_ref().unwrap().node, "本年度首次通过认定");
    let Item::Input(shared) = &file.items[1] else {
        panic!()
    };
    let kinds: Vec<_> = shared.node.kinds.iter().map(|k| k.node.as_str()).collect();
    assert_eq!(kinds, ["institution", "person"]);
    let Item::Enum(e) = &file.items[2] else {
        panic!()
    };
    assert_eq!(e.node.variants.len(), 3);
    let params: Vec<_> = file
        .items
        .iter()
        .filter_map(|i| {
            if let Item::Param(p) = i {
                Some(&p.node.value)
            } else {
                None
            }
        })
        .collect();
    assert!(matches!(params[0], ParamValue::Fixed(_)));
    assert!(matches!(params[1], ParamValue::Dated(v) if v.len() == 2));
    assert!(matches!(params[2], ParamValue::Unspecified));
    let limits: Vec<_> = file
        .items
        .iter()
        .filter_map(|i| {
            if let Item::Limit(l) = i {
                Some(&l.node)
            } else {
                None
            }
        })
        .collect();
    assert!(limits[0].bound.per_year && limits[0].bound.per.node == "institution");
    assert!(!limits[1].bound.per_year);
}

#[test]
fn clauses_with_every_line_and_award_form() {
    let file = ok(r#"
clause 技术转移奖励 {
  source "第五条"
  department "市科技局", "市财政局"
  matter "科技成果转移转化"
  subject institution, person
  per project
  effective 2023-08-01 to 2024-12-31
  let 金额 = 实付合同金额
  when 项目通过评审
  award by 服务主体 { 中介机构: 3%, 技术经纪人: 1.5% } of 金额
  cap by 服务主体 { 中介机构: 10万元, 技术经纪人: 3万元 } per project
  limit 中介机构年度累计
  limit 20万元 per person per year
}
clause a { source "第三条" award up to 60万元 }
clause b { source "第三条" award up to 60万元 assessed 评审核定金额 }
clause c { source "第三条" award match 1:1 of 省级奖励 }
clause d { source "第二条" award 20万元 }
"#);
    let clauses: Vec<_> = file
        .items
        .iter()
        .filter_map(|i| {
            if let Item::Clause(c) = i {
                Some(&c.node)
            } else {
                None
            }
        })
        .collect();
    let items: Vec<_> = clauses[0].items.iter().map(|i| &i.node).collect();
    assert!(matches!(items[0], ClauseItem::Source(s) if s.node == "第五条"));
    assert!(matches!(items[1], ClauseItem::Department(d) if d.len() == 2));
    assert!(matches!(items[2], ClauseItem::Matter(_)));
    assert!(matches!(items[3], ClauseItem::Subject(s) if s.len() == 2));
    assert!(matches!(items[4], ClauseItem::PerClaim(k) if k.node == "project"));
    assert!(matches!(items[5], ClauseItem::Effective(_)));
    assert!(matches!(items[6], ClauseItem::Let(_)));
    assert!(matches!(items[7], ClauseItem::When(_)));
    assert!(matches!(items[8], ClauseItem::Award(a) if matches!(a.node, Award::Rate { .. })));
    assert!(matches!(items[9], ClauseItem::Cap(b) if b.per.node == "project" && !b.per_year));
    assert!(
        matches!(items[10], ClauseItem::Limit(ClauseLimit::Ref(n)) if n.node == "中介机构年度累计")
    );
    assert!(matches!(items[11], ClauseItem::Limit(ClauseLimit::Inline(b)) if b.per_year));
    let award = |c: &Clause| match &c.items[1].node {
        ClauseItem::Award(a) => a.node.clone(),
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        award(clauses[1]),
        Award::UpTo { assessed: None, .. }
    ));
    assert!(matches!(
        award(clauses[2]),
        Award::UpTo {
            assessed: Some(_),
            ..
        }
    ));
    assert!(
        matches!(award(clauses[3]), Award::Match { ratio, .. } if ratio.node == (num("1"), num("1")))
    );
    assert!(matches!(award(clauses[4]), Award::Amount(_)));
}

#[test]
fn equality_ignores_spans_and_comments() {
    let a = ok("let x = a + 1元\nclause c { source \"第一条\" award 20万元 }");
    let b = ok("# comment\n\n\nlet   x=a+1元   # why\nclause c {\n  source \"第一条\"\n  award 20万元\n}\n");
    assert_eq!(a, b);
    let c = ok("let x = a + 2元");
    assert_ne!(a.items[0], c.items[0]);
}

#[test]
fn spans_are_byte_ranges_of_the_whole_file() {
    let src = "let 甲 = 1元\nlet 乙 = 甲 + 2元 # c\n";
    let file = ok(src);
    let Item::Let(l) = &file.items[1] else {
        panic!()
    };
    assert_eq!(&src[l.node.name.span.start..l.node.name.span.end], "乙");
    assert_eq!(
        &src[l.node.value.span.start..l.node.value.span.end],
        "甲 + 2元"
    );
    assert_eq!(&src[l.span.start..l.span.end], "let 乙 = 甲 + 2元");
}

#[test]
fn one_syntax_error_per_item_and_the_rest_still_parses() {
    let src = "let a = 1元 +\nlet b = 2元\nclause c { source }\nlet d = 3元\n";
    let parsed = parse(src);
    let codes: Vec<_> = parsed.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["E0101", "E0101"]);
    assert_eq!(parsed.file.items.len(), 2, "b and d parse");
}
