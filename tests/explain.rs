//! `pol explain`: the command prints every code's explanation (that each code's examples do
//! what the explanation says is tested beside the checker, in `src/api/sources/ui.rs`).

use std::process::Command;

use pol::Code;

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
