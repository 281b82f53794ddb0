//! Lints through the public API: what each one finds, and what it must leave alone.
//! (Each code's rendered output is in `tests/ui/W03xx-*.pol`.)

use pol::Code;

const HEADER: &str = r#"policy "测试〔2023〕1号" {
  title "测试政策"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 100% }
  same_matter highest
}
input enterprise { 研发费用: money  利润: signed money  级别: enum { 国家级, 省级, 无 }  规上企业: bool }
input project { 合同金额: money }
"#;

/// The warnings of a policy made of the header and `body`, with the text each points at.
fn lints(body: &str) -> Vec<(Code, String)> {
    // Inputs the snippet does not use would be reported too; each case uses what it needs and
    // the unused-input warnings are left out unless asked for.
    let text = format!("{HEADER}{body}");
    let c = pol::check(&[("t.pol", &text)]);
    assert!(!c.has_errors(), "{c}");
    c.iter()
        .filter(|d| d.code != Code::UnusedInput)
        .map(|d| {
            (
                d.code,
                text[d.primary.span.start..d.primary.span.end].to_string(),
            )
        })
        .collect()
}

fn clause(when: &str, award: &str) -> String {
    format!("clause c {{\n  source \"一\"\n  when {when}\n  award {award}\n}}\n")
}

#[test]
fn declarations_bound_what_a_condition_can_say() {
    // Money is never negative unless declared signed.
    assert_eq!(
        lints(&clause("研发费用 >= 0元", "1元")),
        [(Code::AlwaysTrue, "研发费用 >= 0元".into())]
    );
    assert_eq!(
        lints(&clause("研发费用 < 0元", "1元")),
        [(Code::NeverTrue, "研发费用 < 0元".into())]
    );
    assert_eq!(lints(&clause("利润 < 0元", "1元")), []);
    // Every variant listed: always true.
    assert_eq!(
        lints(&clause("级别 in { 国家级, 省级, 无 }", "1元")),
        [(Code::AlwaysTrue, "级别 in { 国家级, 省级, 无 }".into())]
    );
    assert_eq!(
        lints(&clause("级别 == 国家级 and 级别 == 省级", "1元")),
        [(Code::NeverTrue, "级别 == 省级".into())]
    );
    assert_eq!(
        lints(&clause("规上企业 and not 规上企业", "1元")),
        [(Code::NeverTrue, "not 规上企业".into())]
    );
    assert_eq!(
        lints(&clause("1元 > 2元", "1元")),
        [(Code::NeverTrue, "1元 > 2元".into())]
    );
}

#[test]
fn thresholds_that_meet_are_not_flagged() {
    assert_eq!(
        lints(&clause(
            "研发费用 >= 100万元 and 研发费用 <= 100万元",
            "1元"
        )),
        []
    );
    assert_eq!(
        lints(&clause("研发费用 > 100万元 and 研发费用 <= 100万元", "1元")),
        [(Code::NeverTrue, "研发费用 <= 100万元".into())]
    );
    // Written the other way round: 100万元 <= x.
    assert_eq!(
        lints(&clause("100万元 <= 研发费用 and 研发费用 < 200万元", "1元")),
        []
    );
}

#[test]
fn table_rows_the_condition_rules_out() {
    // The usual `else: 0元` filler is fine even when the condition excludes what it covers.
    let usual = clause(
        "级别 != 无",
        "by 级别 { 国家级: 100万元, 省级: 20万元, else: 0元 }",
    );
    assert_eq!(lints(&usual), []);
    let paid_else = clause(
        "级别 != 无",
        "by 级别 { 国家级: 100万元, 省级: 20万元, else: 5万元 }",
    );
    assert_eq!(lints(&paid_else), [(Code::UnreachableRow, "5万元".into())]);
    let excluded = clause(
        "级别 == 国家级",
        "by 级别 { 国家级: 100万元, 省级: 20万元, else: 0元 }",
    );
    assert_eq!(lints(&excluded), [(Code::UnreachableRow, "省级".into())]);
}

#[test]
fn caps_are_judged_by_the_awards_range() {
    let within =
        "clause c {\n  source \"一\"\n  award up to 50万元\n  cap 50万元 per enterprise\n}\n";
    assert_eq!(lints(within), [(Code::CapNeverBinds, "50万元".into())]);
    // A rate of an open-ended base can exceed any cap.
    let rate =
        "clause c {\n  source \"一\"\n  award 10% of 研发费用\n  cap 50万元 per enterprise\n}\n";
    assert_eq!(lints(rate), []);
    // Per claim, a cap per subject adds the claims up: it can bind though each award is small.
    let claims = "clause c {\n  source \"一\"\n  per project\n  award 1万元\n  cap 5万元 per enterprise\n}\n";
    assert_eq!(lints(claims), []);
    let table = "clause c {\n  source \"一\"\n  award by 级别 { 国家级: 100万元, else: 80万元 }\n  cap 50万元 per enterprise\n}\n";
    assert_eq!(lints(table), [(Code::CapAlwaysBinds, "50万元".into())]);
}

#[test]
fn wording_conventions_both_ways() {
    let body = |comment: &str, when: &str| format!("# {comment}\n{}", clause(when, "1元"));
    assert_eq!(
        lints(&body("研发费用500万元以上", "研发费用 >= 500万元")),
        []
    );
    assert_eq!(
        lints(&body("研发费用超过500万元", "研发费用 > 500万元")),
        []
    );
    assert_eq!(
        lints(&body("研发费用超过500万元", "研发费用 >= 500万元")),
        [(Code::BoundWording, "研发费用 >= 500万元".into())]
    );
    assert_eq!(
        lints(&body("不超过500万元", "研发费用 < 500万元")),
        [(Code::BoundWording, "研发费用 < 500万元".into())]
    );
    assert_eq!(lints(&body("500万元以上(不含)", "研发费用 > 500万元")), []);
    // A figure the comment does not mention is not judged.
    assert_eq!(
        lints(&body("研发费用超过500万元", "研发费用 >= 400万元")),
        []
    );
}

#[test]
fn an_allow_comment_silences_only_its_code() {
    let body = "# allow(W0305): kept as the article words it\n".to_string()
        + &clause("研发费用 >= 0元", "1元");
    // The comment sits above the clause, not above the `when` line: it does not reach it.
    assert_eq!(lints(&body), [(Code::AlwaysTrue, "研发费用 >= 0元".into())]);
    let on_line = "clause c {\n  source \"一\"\n  when 研发费用 >= 0元 # allow(W0305): as written\n  award 1元\n}\n";
    assert_eq!(lints(on_line), []);
    let other =
        "clause c {\n  source \"一\"\n  when 研发费用 >= 0元 # allow(W0304)\n  award 1元\n}\n";
    assert_eq!(lints(other), [(Code::AlwaysTrue, "研发费用 >= 0元".into())]);
}

#[test]
fn unused_declarations_are_found_through_lets() {
    let body = "let 一 = 研发费用\nlet 二 = 一\nlet 三 = 规上企业\nclause c {\n  source \"一\"\n  award 10% of 二\n}\n";
    assert_eq!(lints(body), [(Code::UnusedLet, "三".into())]);
    let text = format!("{HEADER}{body}");
    let unused_inputs: Vec<String> = pol::check(&[("t.pol", &text)])
        .iter()
        .filter(|d| d.code == Code::UnusedInput)
        .map(|d| text[d.primary.span.start..d.primary.span.end].to_string())
        .collect();
    // 规上企业 is used only by the unused let, so it counts as unused too.
    assert_eq!(unused_inputs, ["利润", "级别", "规上企业", "合同金额"]);
}
