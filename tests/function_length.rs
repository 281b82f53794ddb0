//! The project rule "no function longer than about 120 lines in the evaluator or the CLI"
//! (src/eval, src/cli), checked on the
//! formatted sources: a function runs from its `fn` line to the closing brace at its own
//! indentation (rustfmt puts it there).

use std::path::Path;

/// The longest a function of src/eval or src/cli may be, in lines, signature and closing brace
/// included.
const LIMIT: usize = 120;

/// (name, first line, lines) of each function with a body in `text`.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let mut rest = trimmed;
        for prefix in ["pub(crate) ", "pub(super) ", "pub ", "const ", "unsafe "] {
            rest = rest.strip_prefix(prefix).unwrap_or(rest);
        }
        let Some(signature) = rest.strip_prefix("fn ") else {
            continue;
        };
        let name: String = signature
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // A declaration without a body (in a trait) ends with `;` before any `{`.
        let Some(open) =
            (i..lines.len()).find(|&j| lines[j].contains('{') || lines[j].ends_with(';'))
        else {
            continue;
        };
        if !lines[open].contains('{') {
            continue;
        }
        let close = format!("{indent}}}");
        let end = if lines[open].trim_end().ends_with('}') {
            open
        } else {
            (open + 1..lines.len())
                .find(|&j| lines[j] == close)
                .unwrap_or(lines.len() - 1)
        };
        out.push((name, i + 1, end - i + 1));
    }
    out
}

/// The functions of every `.rs` file in `folder` longer than [`LIMIT`], and how many were seen.
fn long_functions(folder: &str) -> (Vec<String>, usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut long = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (name, line, n) in functions(&text) {
            seen += 1;
            if n > LIMIT {
                long.push(format!("{}:{line} {name}: {n} lines", path.display()));
            }
        }
    }
    (long, seen)
}

#[test]
fn no_function_in_the_cli_is_longer_than_the_limit() {
    let (long, seen) = long_functions("src/cli");
    assert!(seen > 50, "only {seen} functions found: the scan is broken");
    assert!(
        long.is_empty(),
        "split these functions:\n{}",
        long.join("\n")
    );
}

#[test]
fn no_function_in_eval_is_longer_than_the_limit() {
    let (long, seen) = long_functions("src/eval");
    assert!(
        seen > 100,
        "only {seen} functions found: the scan is broken"
    );
    assert!(
        long.is_empty(),
        "split these functions:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_scan_measures_a_function_to_its_closing_brace() {
    let text = "impl X {\n    pub(super) fn a(\n        x: u8,\n    ) -> u8 {\n        x\n    }\n\n    fn b() {}\n}\n";
    assert_eq!(
        functions(text),
        [("a".to_string(), 2, 5), ("b".to_string(), 8, 1)]
    );
}
