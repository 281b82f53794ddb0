//! The facts examples of the problem pages (`docs/problems/F01xx.md`, shown by `pol explain`):
//! where a page's "Wrong" facts, evaluated against the shipped policies, report the page's own
//! code, its "Fixed" facts must evaluate with no error at all. Pages written for a policy of
//! their own (their "Wrong" facts do not report the code against the shipped policies) are
//! skipped; the test fails if fewer pages than expected are checked, so it cannot pass by
//! checking nothing.

use std::path::Path;
use std::process::Command;

/// The first ```json block of section `heading` of a page, if it holds facts.
fn facts_of(page: &str, heading: &str) -> Option<String> {
    let section = page.split(&format!("\n## {heading}\n")).nth(1)?;
    let section = section.split("\n## ").next()?;
    let block = section.split("```json\n").nth(1)?.split("```").next()?;
    block.contains("\"kind\"").then(|| block.to_string())
}

/// Evaluates `facts` against `policies/` on 2024-06-30: the exit status and the output.
fn eval(dir: &Path, facts: &str) -> (i32, String) {
    let file = dir.join("facts.json");
    std::fs::write(&file, facts).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(["eval", "policies/", "--facts"])
        .arg(&file)
        .args(["--date", "2024-06-30"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap_or(-1), text)
}

#[test]
fn each_page_s_fixed_facts_evaluate_cleanly_where_its_wrong_facts_show_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/problems");
    let mut checked = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("F01") && n.ends_with(".md"))
        .collect();
    names.sort();
    for name in names {
        let code = name.trim_end_matches(".md");
        let page = std::fs::read_to_string(pages.join(&name)).unwrap();
        let (Some(wrong), Some(fixed)) = (facts_of(&page, "Wrong"), facts_of(&page, "Fixed"))
        else {
            continue;
        };
        let (_, wrong_out) = eval(dir.path(), &wrong);
        if !wrong_out.contains(code) {
            continue;
        }
        let (status, fixed_out) = eval(dir.path(), &fixed);
        assert_eq!(status, 0, "{code}: the Fixed facts fail:\n{fixed_out}");
        assert!(
            !fixed_out.contains(code),
            "{code}: the Fixed facts still report it:\n{fixed_out}"
        );
        checked.push(code.to_string());
    }
    // 27 pages are written for the shipped policies today; a page moved to a policy of its
    // own lowers this on purpose.
    assert!(
        checked.len() >= 27,
        "only {} pages checked: {checked:?}",
        checked.len()
    );
}
