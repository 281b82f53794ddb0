//! `pol fmt`: the canonical layout, its guarantees (same tree, same comments, idempotent) as
//! properties, and the command line (check, diff, in-place rewrite, stdin, refusals).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pol::{format_source, FormatError};
use proptest::prelude::*;

/// How many `#` comments `text` has: a `#` outside a text literal starts one, up to the end of
/// its line (an oracle of the tests' own, independent of the formatter's).
fn comment_count(text: &str) -> usize {
    text.lines()
        .filter(|line| {
            let mut closing = None;
            for c in line.chars() {
                match (closing, c) {
                    (Some(q), c) if c == q => closing = None,
                    (Some(_), _) => {}
                    (None, '"') => closing = Some('"'),
                    (None, '“') => closing = Some('”'),
                    (None, '#') => return true,
                    (None, _) => {}
                }
            }
            false
        })
        .count()
}

/// Whether `text` has syntax errors (codes E01xx, which only the parser reports).
fn has_syntax_errors(text: &str) -> bool {
    pol::check(&[("t.pol", text)])
        .iter()
        .any(|d| d.code.as_str().starts_with("E01"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pol_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            pol_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "pol") {
            out.push(p);
        }
    }
}

/// Formats `text`, asserting the guarantees: success, and a second pass changes nothing.
fn formats_stably(text: &str) -> String {
    let once = match format_source(text) {
        Ok(t) => t,
        Err(e) => panic!("not formatted: {e:?}\n{text}"),
    };
    let twice = format_source(&once).unwrap_or_else(|e| panic!("{e:?}\n{once}"));
    assert_eq!(once, twice, "formatting is not idempotent");
    once
}

#[test]
fn messy_layout_becomes_canonical() {
    let messy = std::fs::read_to_string(root().join("tests/fmt/messy.pol")).unwrap();
    let formatted = formats_stably(&messy);
    let expected_path = root().join("tests/fmt/messy.formatted.pol");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&expected_path, &formatted).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    assert_eq!(
        formatted, expected,
        "run with BLESS=1 to accept a new layout"
    );
    // Every comment survived, in order.
    let count = comment_count;
    assert_eq!(count(&messy), count(&formatted));
    assert_eq!(count(&messy), 10);
}

#[test]
fn every_policy_and_test_file_that_parses_formats_stably() {
    let mut files = Vec::new();
    for dir in [
        "policies",
        "tests/fixtures",
        "tests/ui",
        "tests/fmt",
        "benches",
    ] {
        pol_files(&root().join(dir), &mut files);
    }
    let mut formatted = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue; // the invalid-UTF-8 cases
        };
        if has_syntax_errors(&text) {
            assert!(matches!(format_source(&text), Err(FormatError::Syntax(_))));
            continue;
        }
        formats_stably(&text);
        formatted += 1;
    }
    assert!(formatted > 40, "only {formatted} files formatted");
}

#[test]
fn shipped_policies_are_in_canonical_layout() {
    let mut files = Vec::new();
    pol_files(&root().join("policies"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert_eq!(
            formats_stably(&text),
            text,
            "{} is not formatted",
            f.display()
        );
    }
}

#[test]
fn layout_does_not_depend_on_spacing() {
    let one_line = "policy \"x\" { title \"t\" issued 2023-01-01 } clause c { source \"a\" when a and b award by k { 甲: 1元, else: 2元 } }";
    let spread = "policy \"x\"\n{\n title   \"t\"\n\tissued 2023-1-1\n}\nclause c {\n source \"a\"\n when a\n and b\n award by k {\n 甲 : 1元\n else : 2元 }\n}\n";
    assert_eq!(formats_stably(one_line), formats_stably(spread));
}

#[test]
fn a_syntax_error_is_reported_not_formatted() {
    let Err(FormatError::Syntax(d)) = format_source("clause c { award 1元") else {
        panic!("formatted a broken file")
    };
    assert!(!d.is_empty());
}

// ------------------------------------------------------------------ properties

/// A random expression as text, every operand in parentheses, so it parses one way only.
fn arb_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("研发费用".to_string()),
        Just("a".to_string()),
        Just("20万元".to_string()),
        Just("１５％".to_string()),
        Just("1,000元/亩".to_string()),
        Just("3".to_string()),
        Just("true".to_string()),
        Just("2023-7-1".to_string()),
        Just("\"文本\"".to_string()),
        Just("event_date".to_string()),
    ];
    leaf.prop_recursive(5, 40, 4, |inner| {
        let op = prop_oneof![
            Just("+"),
            Just("-"),
            Just("*"),
            Just("/"),
            Just("<"),
            Just(">="),
            Just("=="),
            Just("!="),
            Just("and"),
            Just("or"),
            Just("implies"),
            Just("≥"),
        ];
        prop_oneof![
            (inner.clone(), op.clone(), inner.clone())
                .prop_map(|(l, o, r)| format!("({l}) {o} ({r})")),
            // A comment inside an expression must survive too.
            (inner.clone(), op, inner.clone())
                .prop_map(|(l, o, r)| format!("({l}) # inside\n {o} ({r})")),
            inner.clone().prop_map(|e| format!("not ({e})")),
            inner.clone().prop_map(|e| format!("-({e})")),
            inner.clone().prop_map(|e| format!("({e}) in {{ 甲, 乙 }}")),
            inner.clone().prop_map(|e| format!("({e}) not in {{ 甲 }}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("min({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("months_between({a}, {b})")),
            inner.clone().prop_map(|a| format!("year({a})")),
            inner.clone().prop_map(|a| format!("档({a})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("档({a}, {b})")),
            // An `if` in every position, written bare: its brackets are the formatter's job.
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("if {c} then {a} else {b}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(k, a, b)| format!("by ({k}) {{ 甲: ({a}), else: ({b}) }}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(k, a, b)| format!("by ({k}) {{ true: ({a}), false: ({b}) }}")),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(v, a, b)| format!(
                "bracket ({v}) {{ < 1元: ({a}), >= 1元 and <= 5元: ({b}), > 5元: 0元 }}"
            )),
        ]
    })
}

/// Spacing and comments to put between tokens.
fn arb_gap() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just(" "),
        Just("  "),
        Just("\n  "),
        Just("\t"),
        Just(" # a comment\n  "),
        Just("\n\n\n"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Format-then-parse gives the same tree (checked inside `format_source`), and a second
    /// format changes nothing, for expressions in every position that holds one.
    #[test]
    fn random_expressions_round_trip(
        cond in arb_expr(),
        amount in arb_expr(),
        value in arb_expr(),
        gaps in prop::collection::vec(arb_gap(), 8),
    ) {
        let text = format!(
            "let{}x = {value}{}\nclause c{}{{ source \"a\"{}when {cond}{}award {amount}{}cap ({amount}) per enterprise{}}}\ntable 档 ={}by {{ true: ({value}), else: ({amount}) }}\ntable 档位 = bracket {{ < 1元: ({cond}),{}>= 1元: ({value}) }}\n",
            gaps[0], gaps[1], gaps[2], gaps[3], gaps[4], gaps[5], gaps[6], gaps[7], gaps[1]
        );
        let formatted = formats_stably(&text);
        prop_assert_eq!(
            comment_count(&text),
            comment_count(&formatted)
        );
    }

    /// Changing the spacing inside lines of a shipped policy does not change its layout.
    #[test]
    fn respaced_policies_format_to_the_same_text(
        which in 0usize..4,
        picks in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3), 1..20),
    ) {
        let mut files = Vec::new();
        pol_files(&root().join("policies"), &mut files);
        files.sort();
        let original = std::fs::read_to_string(&files[which]).unwrap();
        let mut text = original.clone();
        for (at, how) in picks {
            let spaces: Vec<usize> = text.match_indices(' ').map(|(i, _)| i).collect();
            let i = spaces[at.index(spaces.len())];
            // Only spaces outside text literals and comments may change.
            let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
            let before = &text[line_start..i];
            if before.contains('#') || before.matches('"').count() % 2 == 1 || before.contains('“') {
                continue;
            }
            let with = ["  ", "\t", " \u{3000}"][how];
            text.replace_range(i..i + 1, with);
        }
        prop_assert_eq!(formats_stably(&text), original);
    }
}

// ------------------------------------------------------------------ command line

fn pol(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("pol runs")
}

fn messy_copy(dir: &Path) -> PathBuf {
    let p = dir.join("messy.pol");
    std::fs::copy(root().join("tests/fmt/messy.pol"), &p).unwrap();
    p
}

#[test]
fn check_prints_a_diff_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = messy_copy(dir.path());
    let before = std::fs::read_to_string(&p).unwrap();
    let o = pol(&["fmt", "--check", "messy.pol"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("--- messy.pol\n+++ messy.pol (formatted)\n"),
        "{out}"
    );
    assert!(
        out.contains("+  when 规上企业\n+   and 研发费用 >= 100万元\n"),
        "{out}"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("1 not in canonical layout"), "{err}");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), before);
}

#[test]
fn fmt_rewrites_in_place_keeping_permissions_then_check_passes() {
    let dir = tempfile::tempdir().unwrap();
    let p = messy_copy(dir.path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let o = pol(&["fmt", "."], dir.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 rewritten"));
    let expected = std::fs::read_to_string(root().join("tests/fmt/messy.formatted.pol")).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), expected);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let o = pol(&["fmt", "--check", "messy.pol"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
}

#[test]
fn stdin_is_formatted_to_stdout() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(["fmt", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("let  x=1元+ 2元 # sum\n".as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "let x = 1元 + 2元 # sum\n"
    );
}

#[test]
fn a_file_with_syntax_errors_is_left_alone_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.pol");
    std::fs::write(&p, "clause c {\n  award 1元\n").unwrap();
    let o = pol(&["fmt", "bad.pol"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("E0101") && err.contains("was not formatted"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        "clause c {\n  award 1元\n"
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let o = pol(&["fmt"], &root());
    assert_eq!(o.status.code(), Some(2));
    let o = pol(&["fmt", "--stdin", "policies"], &root());
    assert_eq!(o.status.code(), Some(2));
    let o = pol(&["fmt", "no-such-file.pol"], &root());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_file_that_is_not_utf8_is_reported_and_the_others_formatted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("gbk.pol"),
        b"policy \"x\" {\n  title \"\xb2\xbb\"\n}\n",
    )
    .unwrap();
    messy_copy(dir.path());
    let o = pol(&["fmt", "."], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("E0107"), "{err}");
    assert!(
        err.contains("formatted 1 file: 1 rewritten; 1 file could not be formatted"),
        "{err}"
    );
}

/// A `min`/`max` too wide for one line, counted in display columns (a CJK character takes two),
/// takes one argument per line, and a nested call that is still too wide breaks in turn; the
/// layout holds the same tree and is stable.
#[test]
fn a_wide_call_breaks_one_argument_per_line_counting_display_columns() {
    use unicode_width::UnicodeWidthStr;
    // The width `pol fmt` keeps lines within (README, "pol fmt").
    const WIDTH: usize = 100;
    let text = r#"policy "嘉政发〔2023〕15号" {
  title "支持科技创新九条政策意见"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 50%, 区级财政: 50% }
  same_matter highest
}
input enterprise { 研发费用增加额度: money, 企业年度研发投入总额: money, 上年度研发投入总额: money }
clause 研发投入补助 {
  source "第一条"
  award min(研发费用增加额度 * 10%, 企业年度研发投入总额 - 上年度研发投入总额, 500万元, max(企业年度研发投入总额 * 20%, 研发费用增加额度 * 30%, 上年度研发投入总额 * 5%, 企业年度研发投入总额 * 6%))
  cap max(研发费用增加额度, 企业年度研发投入总额) per enterprise
}
"#;
    let award = text.lines().find(|l| l.contains("award")).unwrap();
    assert!(award.width() > WIDTH);
    let formatted = formats_stably(text);
    for line in formatted.lines() {
        assert!(line.width() <= WIDTH, "too wide: {line}");
    }
    let expected = "  award min(
    研发费用增加额度 * 10%,
    企业年度研发投入总额 - 上年度研发投入总额,
    500万元,
    max(
      企业年度研发投入总额 * 20%,
      研发费用增加额度 * 30%,
      上年度研发投入总额 * 5%,
      企业年度研发投入总额 * 6%,
    ),
  )
  cap max(研发费用增加额度, 企业年度研发投入总额) per enterprise
";
    assert!(formatted.contains(expected), "{formatted}");
    // The same tree: the broken layout compiles to a policy that checks cleanly.
    assert!(!pol::check(&[("f.pol", &formatted)]).has_errors());
}
