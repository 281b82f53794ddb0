//! The diagnostics as people see them, and the examples of the documentation, checked.
//!
//! UI tests: each `tests/ui/CODE-what.pol` is checked (a file with `# file: NAME` lines as a
//! set of files) and its rendered diagnostics compared with `tests/ui/CODE-what.out` (no
//! colour, 100 columns). Run with `BLESS=1 cargo test --lib ui` to write the expected files
//! after a deliberate change. Every `pol` fragment of the pages under `docs/` is checked
//! (issue 18): a code's page has exactly its wrong and its fixed example (the wrong one must
//! report the code, the fixed one must check clean); any other page's fragment must check
//! without errors, with the example header in front when it has none.

use std::path::{Path, PathBuf};

use super::{check_bundle, check_text, SourceText};
use crate::diagnostic::{render, Code, Diagnostic, RenderOptions};
use crate::explain::{example_source, examples, explanation};

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("ui")
}

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(ui_dir())
        .expect("tests/ui exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pol"))
        .collect();
    v.sort();
    v
}

fn diagnostics_of(path: &Path) -> (String, Vec<Diagnostic>) {
    let source = SourceText::from_bytes(std::fs::read(path).expect("readable case"));
    let diags = check_bundle(&source);
    (source.text, diags)
}

fn rendered(path: &Path) -> (String, Vec<Diagnostic>) {
    let (text, diags) = diagnostics_of(path);
    let name = format!("tests/ui/{}", path.file_name().unwrap().to_string_lossy());
    let out = diags
        .iter()
        .map(|d| render(d, &name, &text, RenderOptions::default()))
        .collect::<Vec<_>>()
        .join("\n");
    (out, diags)
}

/// The code a case is named after (`E0201-undefined-name.pol` -> `E0201`).
fn code_of(path: &Path) -> Code {
    let stem = path.file_stem().unwrap().to_string_lossy();
    let code = stem.split('-').next().unwrap();
    Code::parse(code).unwrap_or_else(|| panic!("{} is not named after a code", path.display()))
}

#[test]
fn rendered_diagnostics_match_expected_files() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for case in cases() {
        let (out, diags) = rendered(&case);
        let code = code_of(&case);
        if !diags.iter().any(|d| d.code == code) {
            failures.push(format!("{}: does not report {code}", case.display()));
        }
        let expected_path = case.with_extension("out");
        if bless {
            std::fs::write(&expected_path, &out).expect("write .out");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == out => {}
            Ok(expected) => failures.push(format!(
                "{}: output differs\n--- expected\n{expected}\n--- actual\n{out}",
                case.display()
            )),
            Err(_) => failures.push(format!(
                "{}: no expected output (run with BLESS=1)",
                case.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_code_has_a_ui_test() {
    let named: Vec<Code> = cases().iter().map(|c| code_of(c)).collect();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !named.contains(c))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "codes without a UI test: {missing:?}");
}

#[test]
fn every_diagnostic_has_help_and_a_lowercase_message() {
    for case in cases() {
        let (_, diags) = diagnostics_of(&case);
        for d in diags {
            assert!(
                d.help.is_some(),
                "{}: {} has no help",
                case.display(),
                d.code
            );
            let first = d.message.chars().next().unwrap();
            assert!(
                !first.is_uppercase(),
                "{}: message starts uppercase: {}",
                case.display(),
                d.message
            );
            assert!(
                !d.message.ends_with('.'),
                "{}: message ends with a period: {}",
                case.display(),
                d.message
            );
        }
    }
}

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

fn pages(dir: &str) -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_code_page_has_exactly_its_two_checked_examples() {
    for (name, text) in pages("docs/codes") {
        assert_eq!(
            examples(&text).len(),
            2,
            "{name}: a code page holds its wrong and fixed example, nothing unchecked"
        );
        let wrong = text
            .find("## Wrong")
            .unwrap_or_else(|| panic!("{name}: no ## Wrong"));
        let fixed = text
            .find("## Fixed")
            .unwrap_or_else(|| panic!("{name}: no ## Fixed"));
        assert!(wrong < fixed, "{name}");
    }
}

#[test]
fn every_fragment_of_the_other_pages_checks() {
    let mut n = 0;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut dirs: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("codes"))
        .map(|p| format!("docs/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    dirs.push("docs".to_string());
    for dir in &dirs {
        for (name, text) in pages(dir) {
            for example in examples(&text) {
                let source = SourceText::from_bytes(example_source(example));
                let errors: Vec<String> = check_text(&source)
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| format!("{}: {}", d.code, d.message))
                    .collect();
                assert!(errors.is_empty(), "{dir}/{name}: {errors:#?}\n{example}");
                n += 1;
            }
        }
    }
    // Today the problem pages hold no policy fragment; the count is printed for the record.
    println!("{n} fragments checked");
}
