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
