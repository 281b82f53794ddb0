//! `pol explain`: every code's examples do what the explanation says, and the command prints
//! them.

use std::process::Command;

use pol::cli::check::check_bundle;
use pol::cli::files::SourceText;
use pol::diagnostic::Code;
use pol::explain::{example_source, examples, explanation};

fn codes_of(example: &str) -> Vec<Code> {
    let source = SourceText::from_bytes(example_source(example));
    check_bundle(&source).iter().map(|d| d.code).collect()
}

#[test]
fn wrong_examples_report_their_code_and_fixed_ones_check_clean() {
    let mut failures = Vec::new();
    for code in Code::ALL {
        let blocks = examples(explanation(*code));
        let (wrong, fixed) = (blocks[0], blocks[1]);
        let found = codes_of(wrong);
        if !found.contains(code) {
            failures.push(format!("{code}: the wrong example reports {found:?}"));
        }
        let found = codes_of(fixed);
        if !found.is_empty() {
            failures.push(format!("{code}: the fixed example reports {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn pol(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("pol runs")
}

#[test]
fn explain_prints_the_explanation_of_a_code_in_any_case() {
    let o = pol(&["explain", "w0309"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("# W0309: a parameter has no value"),
        "{out}"
    );
    assert!(out.contains("## Wrong") && out.contains("## Fixed"));
    // Examples without a header say which header they are checked with.
    assert!(out.contains("policy \"示例〔2023〕1号\""), "{out}");
}

#[test]
fn explain_without_a_code_lists_every_code() {
    let o = pol(&["explain"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    for code in Code::ALL {
        assert!(
            out.contains(&format!("{code}  {}", code.title())),
            "{code} missing"
        );
    }
}

#[test]
fn an_unknown_code_is_a_usage_error_with_a_suggestion() {
    let o = pol(&["explain", "e021"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no code `e021`") && err.contains("did you mean `E0201`?"),
        "{err}"
    );
}

#[test]
fn check_output_points_to_explain() {
    let o = pol(&["check", "tests/ui/E0201-undefined-name.pol"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("pol explain E0201"), "{out}");
}
