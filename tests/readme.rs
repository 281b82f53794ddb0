//! The README is the language reference: its examples must parse, the complete policy in it
//! must check clean, and its table of codes must list every code.

use pol::diagnostic::Code;

const README: &str = include_str!("../README.md");

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
        let parsed = pol::syntax::parse(b);
        assert!(
            parsed.diagnostics.is_empty(),
            "README example does not parse:\n{b}\n{:#?}",
            parsed.diagnostics
        );
    }
}

#[test]
fn the_first_policy_checks_clean() {
    let first = pol_blocks()[0];
    let compiled = pol::compile_source(first);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:#?}",
        compiled.diagnostics
    );
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
        let parsed = pol::syntax::parse(&clause);
        assert!(
            parsed.diagnostics.is_empty(),
            "`award {award}` does not parse: {:#?}",
            parsed.diagnostics
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
    let set = pol::eval::PolicySet::compile(&[("15号", &policy)]).unwrap();
    let (facts, _) = pol::eval::Facts::from_json(block(walk, "json")).unwrap();
    let mut options = pol::eval::Options::on("2024-05-01".parse().unwrap());
    options.explain = true;
    let decision = set.evaluate(&facts, &options).unwrap();
    let printed = pol::eval::render::human(&decision, true);
    let shown = block(walk, "text");
    assert!(
        printed.contains(shown),
        "README explanation differs from the engine's:\n{printed}"
    );
}

#[test]
fn the_test_file_example_runs_and_passes() {
    let example = block(section("## Testing policies"), "toml");
    let file = pol::testing::TestFile::parse(example).unwrap();
    let policy = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
    let set = pol::eval::PolicySet::compile(&[("15号", &policy)]).unwrap();
    for case in &file.cases {
        let report = pol::testing::run_case(&set, case);
        assert!(report.passed, "{:?}", report.mismatches);
    }
}
