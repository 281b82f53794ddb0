//! UI tests: each `tests/ui/CODE-what.pol` is checked and its rendered diagnostics compared
//! with `tests/ui/CODE-what.out` (no colour, 100 columns).
//!
//! Run with `BLESS=1 cargo test --test ui` to write the expected files after a deliberate change.

use std::path::{Path, PathBuf};

use pol::cli::check::check_bundle;
use pol::cli::files;
use pol::diagnostic::{render, Code, Diagnostic, RenderOptions};

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
    let source = files::read(path).expect("readable case");
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
