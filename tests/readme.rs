//! The README is the language reference: its examples must parse, the complete policy in it
//! must check clean, and its table of codes must list every code.

use pol::Code;

const README: &str = include_str!("../README.md");

/// The syntax errors of `text` (codes E01xx, which only the parser reports).
fn syntax_errors(text: &str) -> Vec<String> {
    pol::check(&[("readme.pol", text)])
        .iter()
        .filter(|d| d.code.as_str().starts_with("E01"))
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

fn pol_blocks() -> Vec<&'static str> {
    README
        .split("```pol\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect()
}

#[test]
fn every_example_parses() {
    let blocks = pol_blocks();
    assert!(
        blocks.len() >= 5,
        "the reference has an example per kind of item"
    );
    for b in blocks {
        let errors = syntax_errors(b);
        assert!(
            errors.is_empty(),
            "README example does not parse:\n{b}\n{errors:#?}"
        );
    }
}

#[test]
fn the_first_policy_checks_clean() {
    let first = pol_blocks()[0];
    let found = pol::check(&[("first.pol", first)]);
    assert!(found.is_empty(), "{found}");
}

#[test]
fn every_code_is_in_the_table() {
    for code in Code::ALL {
        let row = format!("| {} | {} |", code.as_str(), code.title());
        assert!(README.contains(&row), "README lacks the row `{row}`");
    }
}

#[test]
fn every_award_form_in_the_table_parses() {
    let mut n = 0;
    for piece in README.split("`award ").skip(1) {
        let award = piece.split('`').next().unwrap();
        let clause = format!("clause c {{ source \"第一条\" award {award} }}");
        let errors = syntax_errors(&clause);
        assert!(
            errors.is_empty(),
            "`award {award}` does not parse: {errors:#?}"
        );
        n += 1;
    }
    assert!(n >= 7, "one example per award form");
}

/// The text between `heading` and the next `## ` heading.
fn section(heading: &str) -> &'static str {
    let start = README
        .find(heading)
        .unwrap_or_else(|| panic!("README has `{heading}`"));
    let rest = &README[start + heading.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

fn block<'a>(text: &'a str, lang: &str) -> &'a str {
    let open = format!("```{lang}\n");
    let start = text.find(&open).unwrap() + open.len();
    &text[start..start + text[start..].find("```").unwrap()]
}

#[test]
fn the_gazette_walkthrough_matches_the_policy_and_the_engine() {
    let walk = section("## Reading the gazette as code");
    // The clause shown is the shipped one, word for word.
    let policy = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
    let clause = block(walk, "pol");
    for line in clause.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            policy.contains(line),
            "README shows a line the policy does not have: {line}"
        );
    }
    // The explanation shown is what the engine prints for the facts shown.
    let set = pol::PolicySet::compile(&[("15号", &policy)]).unwrap();
    let facts = pol::Facts::from_json(block(walk, "json")).unwrap();
    let options = pol::Options::on("2024-05-01".parse().unwrap());
    let decision = set.explain(&facts, &options).unwrap();
    let printed = decision.render(true);
    let shown = block(walk, "text");
    assert!(
        printed.contains(shown),
        "README explanation differs from the engine's:\n{printed}"
    );
}

#[test]
fn the_test_file_example_runs_and_passes() {
    let example = block(section("## Testing policies"), "toml");
    let file = pol::TestFile::parse(example).unwrap();
    assert!(file.broken.is_empty(), "{:?}", file.broken);
    let policy = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
    let set = pol::PolicySet::compile(&[("15号", &policy)]).unwrap();
    for case in &file.cases {
        let report = set.run_test(case);
        assert!(report.passed, "{:?}", report.mismatches);
    }
}

/// The language reference's examples (header, inputs, enums and lets, a clause), read together
/// as one policy: it must check without errors (warnings about unused names are expected of
/// a reference). `extra` adds declarations a fragment needs and the reference leaves out.
fn reference_with(extra: &str) -> String {
    let blocks = pol_blocks();
    format!("{}\n{extra}\n", blocks[1..5].join("\n"))
}

fn errors_of(text: &str) -> Vec<String> {
    pol::check(&[("reference.pol", text)])
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

#[test]
fn the_reference_examples_together_check_without_errors() {
    let blocks = pol_blocks();
    assert!(blocks[1].starts_with("policy "), "{}", blocks[1]);
    assert!(blocks[4].starts_with("clause "), "{}", blocks[4]);
    let errors = errors_of(&reference_with(""));
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The backticked examples of a row of the first README table after `after`, found by the
/// row's first cell.
fn table_examples(after: &str, row: &str) -> Vec<&'static str> {
    let from = README
        .find(after)
        .unwrap_or_else(|| panic!("README has `{after}`"));
    let text = &README[from..];
    let start = text
        .find(&format!("\n| {row} | "))
        .unwrap_or_else(|| panic!("README has the row `{row}` after `{after}`"));
    let line = text[start + 1..].lines().next().unwrap();
    let cell = line.split(" | ").nth(1).unwrap();
    cell.split('`').skip(1).step_by(2).collect()
}

#[test]
fn every_expression_in_the_table_checks_in_a_policy() {
    // Rows with names of the reference, and rows written with `a`, `b`, `c`, which get inputs
    // of the kind their operators need.
    let rows = [
        (
            "arithmetic",
            "input enterprise { a: money, b: money, c: money }",
        ),
        ("logic", "input enterprise { a: bool, b: bool }"),
        ("membership", ""),
        ("tier table", ""),
        ("bracket", ""),
        ("named table", ""),
    ];
    let mut n = 0;
    for (row, context) in rows {
        // A bare operator (`=>`) is not an expression of its own.
        for example in table_examples("### Expressions", row)
            .into_iter()
            .filter(|e| e.chars().any(char::is_alphanumeric))
        {
            let text = reference_with(&format!("{context}\nlet 表中示例 = {example}\n"));
            let errors = errors_of(&text);
            assert!(errors.is_empty(), "`{example}` ({row}): {errors:#?}");
            n += 1;
        }
    }
    assert!(n >= 14, "{n} examples");
}

/// Facts for the award-form examples.
const AWARD_FACTS: &str = r#"{"kind": "enterprise", "id": "E1", "attributes": {
  "研发费用": "600万元", "上年研发费用": "500万元", "级别": "省级",
  "核定金额": "70万元", "省级奖励": "30万元"}}"#;

#[test]
fn every_award_form_in_the_table_pays_what_it_says() {
    use pol::Amount;
    let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    // What each row's "meaning" says, for the facts above.
    let expected = [
        ("fixed", Amount::Exact(d("200000"))),
        ("percentage", Amount::Exact(d("100000"))),
        ("tier table", Amount::Exact(d("500000"))),
        ("bracket", Amount::Exact(d("100000"))),
        ("up to", Amount::between(d("0"), d("600000")).unwrap()),
        ("up to, assessed", Amount::Exact(d("600000"))),
        ("matching", Amount::Exact(d("300000"))),
    ];
    let facts = pol::Facts::from_json(AWARD_FACTS).unwrap();
    let options = pol::Options::on("2024-05-01".parse().unwrap());
    for (row, want) in expected {
        let [example] = table_examples("Award forms:", row)[..] else {
            panic!("one example in the row `{row}`")
        };
        let policy = reference_with(&format!(
            "input enterprise {{ 核定金额: money, 省级奖励: money }}\n\
             clause 表中示例 {{\n  source \"第一条\"\n  subject enterprise\n  {example}\n}}\n"
        ));
        let errors = errors_of(&policy);
        assert!(errors.is_empty(), "`{example}`: {errors:#?}");
        let set = pol::PolicySet::compile(&[("reference", &policy)]).unwrap();
        let decision = set.evaluate(&facts, &options).unwrap();
        let c = decision
            .clauses
            .iter()
            .find(|c| c.clause == "表中示例")
            .unwrap();
        assert_eq!(c.paid, Some(want), "`{example}` ({row})");
    }
}

#[test]
fn the_near_miss_quoted_in_the_walkthrough_is_what_the_engine_prints() {
    let walk = section("## Reading the gazette as code");
    let quoted = walk
        .split("the line would read\n`")
        .nth(1)
        .and_then(|r| r.split('`').next())
        .expect("the walkthrough quotes the line of a near miss");
    let policy = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
    let set = pol::PolicySet::compile(&[("15号", &policy)]).unwrap();
    // 14.2% growth: 571万元 after 500万元.
    let facts = block(walk, "json").replace("\"600万元\"", "\"571万元\"");
    let facts = pol::Facts::from_json(&facts).unwrap();
    let options = pol::Options::on("2024-05-01".parse().unwrap());
    let printed = set.explain(&facts, &options).unwrap().render(true);
    assert!(printed.contains(quoted), "`{quoted}` not in\n{printed}");
}

#[test]
fn a_window_of_one_year_ends_the_day_the_readme_says() {
    // "from 2023-07-01 for 1 year ends 2024-06-30", with the header example of the reference.
    let policy = format!(
        "{}\ninput enterprise {{ 合格: bool }}\nclause 示例 {{\n  source \"第一条\"\n  when 合格\n  award 1万元\n}}\n",
        pol_blocks()[1]
    );
    let set = pol::PolicySet::compile(&[("38号", &policy)]).unwrap();
    let facts = pol::Facts::from_json(
        r#"{"kind": "enterprise", "id": "E1", "attributes": {"合格": true}}"#,
    )
    .unwrap();
    let outcome = |date: &str| {
        let decision = set
            .evaluate(&facts, &pol::Options::on(date.parse().unwrap()))
            .unwrap();
        decision.clauses[0].outcome
    };
    assert_eq!(outcome("2024-06-30"), pol::Outcome::Awarded);
    assert_eq!(outcome("2024-07-01"), pol::Outcome::NotInForce);
}

/// The sections of the "Patterns" chapter that carry a block of `lang`: a `toml` block (a
/// `pol test` file) or a `json` block (facts, with the result shown in a `text` block). Every
/// section has one of the two, so every pattern is checked by one of the tests below.
fn patterns_with(lang: &str) -> Vec<&'static str> {
    let chapter = section("## Patterns");
    let sections: Vec<&str> = chapter.split("\n### ").skip(1).collect();
    for s in &sections {
        let title = s.lines().next().unwrap_or("");
        let kinds = ["```toml\n", "```json\n"]
            .iter()
            .filter(|k| s.contains(*k))
            .count();
        assert_eq!(
            kinds, 1,
            "pattern `{title}` needs a pol test file or facts, not both"
        );
    }
    let open = format!("```{lang}\n");
    sections
        .into_iter()
        .filter(|s| s.contains(open.as_str()))
        .collect()
}

/// Each pattern of the "Patterns" chapter: its policy checks without errors and the cases of
/// its test file pass (the figures stated are what pol computes).
#[test]
fn every_pattern_compiles_and_gives_its_stated_amounts() {
    let patterns: Vec<&str> = patterns_with("toml");
    assert!(
        patterns.len() >= 3,
        "one-off award, staged payment, deferred stage"
    );
    for pattern in patterns {
        let title = pattern.lines().next().unwrap();
        let policy = block(pattern, "pol");
        let set = pol::PolicySet::compile(&[("pattern.pol", policy)])
            .unwrap_or_else(|e| panic!("{title}: {}", e.diagnostics()));
        let file = pol::TestFile::parse(block(pattern, "toml")).unwrap();
        assert!(file.broken.is_empty(), "{title}: {:?}", file.broken);
        assert!(!file.cases.is_empty(), "{title} has no case");
        for case in &file.cases {
            let report = set.run_test(case);
            assert!(
                report.passed,
                "{title}: {}: {:?}\n{}",
                case.name, report.mismatches, report.explanation
            );
        }
    }
}

/// The blocks of `lang` in `text`, in order.
fn blocks_of<'a>(text: &'a str, lang: &str) -> Vec<&'a str> {
    let open = format!("```{lang}\n");
    text.split(open.as_str())
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect()
}

/// How a result line of a pattern names a clause result: `CLAUSE`, `CLAUSE[claim]` or
/// `CLAUSE@YEAR`.
fn result_key(c: &pol::ClauseResult) -> String {
    match (&c.claim, c.year) {
        (Some(id), _) => format!("{}[{id}]", c.clause),
        (None, Some(year)) => format!("{}@{year}", c.clause),
        (None, None) => c.clause.clone(),
    }
}

fn amount_text(a: &pol::Amount) -> String {
    match a {
        pol::Amount::Exact(d) => d.normalize().to_string(),
        pol::Amount::Range { min, max } => format!("{}..{}", min.normalize(), max.normalize()),
    }
}

#[test]
fn every_pattern_compiles_and_gives_the_result_shown() {
    let patterns = patterns_with("json").join("\n");
    let patterns = patterns.as_str();
    let (policies, facts, results) = (
        blocks_of(patterns, "pol"),
        blocks_of(patterns, "json"),
        blocks_of(patterns, "text"),
    );
    assert!(policies.len() >= 3, "one example per pattern");
    assert_eq!(policies.len(), facts.len());
    assert_eq!(policies.len(), results.len());
    for ((policy, facts), result) in policies.iter().zip(&facts).zip(&results) {
        let set = pol::PolicySet::compile(&[("pattern.pol", policy)])
            .unwrap_or_else(|e| panic!("{policy}\n{}", e.diagnostics()));
        assert!(set.warnings().is_empty(), "{policy}\n{:?}", set.warnings());
        let mut lines = result.lines();
        let command = lines.next().unwrap();
        let date = command.split("--date ").nth(1).unwrap().trim();
        let facts = pol::Facts::from_json(facts).unwrap();
        let decision = set
            .evaluate(&facts, &pol::Options::on(date.parse().unwrap()))
            .unwrap();
        let mut checked = 0;
        for line in lines {
            let (key, expected) = line.split_once(" = ").unwrap();
            let found = if key == "total" {
                amount_text(&decision.totals.paid)
            } else {
                let c = decision
                    .clauses
                    .iter()
                    .find(|c| result_key(c) == key)
                    .unwrap_or_else(|| panic!("no result `{key}` in {:#?}", decision.clauses));
                match &c.paid {
                    Some(p) => format!("{} {}", c.outcome.key(), amount_text(p)),
                    None => c.outcome.key().to_string(),
                }
            };
            assert_eq!(found, expected, "`{key}` of the pattern\n{policy}");
            checked += 1;
        }
        assert!(checked >= 2, "a result and the total: {result}");
        // The policy is in the layout `pol fmt` gives it.
        assert_eq!(pol::format_source(policy).unwrap(), *policy);
    }
}
