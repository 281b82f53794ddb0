//! `pol test`: runs the cases written beside the policies.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{ExitCode, Output};
use crate::api::PolicySet;
use crate::testing::TestFile;

/// Options of `pol test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Test files (`*.tests.toml`), or folders searched for them. Default: `policies/`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Treat the policies' warnings as errors: a test file whose policies have a warning fails
    /// (as `pol check --deny-warnings`).
    #[arg(long)]
    pub deny_warnings: bool,
}

fn is_test_file(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".tests.toml"))
}

fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            let mut stack = vec![p.clone()];
            while let Some(dir) = stack.pop() {
                let entries = std::fs::read_dir(&dir)
                    .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
                for entry in entries {
                    let path = entry
                        .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
                        .path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if is_test_file(&path) {
                        found.push(path);
                    }
                }
            }
            if found.is_empty() {
                return Err(format!("`{}` holds no .tests.toml files", p.display()));
            }
            found.sort();
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!(
                "cannot read `{}`: no such file or folder",
                p.display()
            ));
        }
    }
    Ok(out)
}

/// The policy files a test file tests: those it names, or the `.pol` of the same stem.
fn policies_of(test: &Path, file: &TestFile) -> Vec<PathBuf> {
    let dir = test.parent().unwrap_or(Path::new("."));
    if !file.policies.is_empty() {
        return file.policies.iter().map(|p| dir.join(p)).collect();
    }
    let name = test.file_name().and_then(|n| n.to_str()).unwrap_or("");
    vec![dir.join(format!("{}.pol", name.trim_end_matches(".tests.toml")))]
}

/// The policies of a test file, compiled, and the warnings they leave (not allowed by an
/// `allow(CODE)` comment), each as one line.
fn load(paths: &[PathBuf]) -> Result<(PolicySet, Vec<String>), String> {
    let mut texts = Vec::new();
    // A policy named twice (or through a link) is read once; two files that give the same
    // policy are refused by the set (E0410).
    let mut seen = std::collections::HashSet::new();
    for p in paths {
        if !seen.insert(super::files::file_id(p).unwrap_or(super::files::FileId::Path(p.clone()))) {
            continue;
        }
        let text = super::files::read_text_at_most(p, super::files::MAX_POLICY_BYTES)
            .map_err(|why| format!("cannot read the policy `{}`: {why}", p.display()))?;
        texts.push((p.display().to_string(), text));
    }
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let set = PolicySet::compile(&refs).map_err(|failed| {
        let names: Vec<&str> = failed
            .diagnostics()
            .files()
            .iter()
            .filter(|f| f.diagnostics.iter().any(|d| d.is_error()))
            .map(|f| f.name.as_str())
            .collect();
        format!(
            "the policies have errors (run `pol check {}`)",
            names.join(" ")
        )
    })?;
    let mut warnings = Vec::new();
    for f in set.warnings().files() {
        for d in &f.diagnostics {
            warnings.push(super::eval::PolicyWarning::of(d, &f.name, &f.text).to_string());
        }
    }
    Ok((set, warnings))
}

/// Writes one line of the report, its hidden characters escaped: case names, ids and
/// explanations come from test files and facts, and must not drive the terminal.
fn say(out: &mut impl Write, line: &str) -> std::io::Result<()> {
    writeln!(out, "{}", crate::eval::format::escape_text(line))
}

/// Runs `pol test`.
pub fn run(args: &TestArgs, out: &Output) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("policies")]
    } else {
        args.paths.clone()
    };
    let files = match collect(&paths) {
        Ok(f) => f,
        Err(e) => return out.fail(&e),
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut stdout = std::io::stdout().lock();
    for path in files {
        let _ = say(&mut stdout, &path.display().to_string());
        let text = match super::files::read_text_at_most(&path, super::files::MAX_FACTS_BYTES) {
            Ok(t) => t,
            Err(why) => return out.fail(&format!("cannot read `{}`: {why}", path.display())),
        };
        let file = match TestFile::parse(&text) {
            Ok(f) => f,
            Err(e) => {
                let _ = say(
                    &mut stdout,
                    &format!("  FAIL  the file cannot be read as tests: {e}"),
                );
                failed += 1;
                continue;
            }
        };
        let set = match load(&policies_of(&path, &file)) {
            Ok((set, warnings)) => {
                // Cases that pass under a policy with warnings may pass for the wrong reason.
                for w in &warnings {
                    say!("pol: {w}");
                }
                if args.deny_warnings && !warnings.is_empty() {
                    let _ = writeln!(
                        stdout,
                        "  FAIL  the policies have {} warning(s) (--deny-warnings)",
                        warnings.len()
                    );
                    failed += (file.cases.len() + file.broken.len()).max(1);
                    continue;
                }
                set
            }
            Err(e) => {
                let _ = say(&mut stdout, &format!("  FAIL  {e}"));
                failed += (file.cases.len() + file.broken.len()).max(1);
                continue;
            }
        };
        let mut broken = file.broken.iter().peekable();
        let mut cases = file.cases.iter();
        for index in 0..file.cases.len() + file.broken.len() {
            if let Some(b) = broken.next_if(|b| b.index == index) {
                failed += 1;
                let _ = say(&mut stdout, &format!("  FAIL  {} (broken)", b.name));
                let _ = say(
                    &mut stdout,
                    &format!("        the case cannot run: {}", b.reason),
                );
                continue;
            }
            let Some(case) = cases.next() else { break };
            let report = set.run_test(case);
            if report.passed {
                passed += 1;
                let _ = say(
                    &mut stdout,
                    &format!("  ok    {} ({})", case.name, case.article),
                );
            } else {
                failed += 1;
                let _ = say(
                    &mut stdout,
                    &format!("  FAIL  {} ({})", case.name, case.article),
                );
                for m in &report.mismatches {
                    let _ = say(&mut stdout, &format!("        {m}"));
                }
                for line in report.explanation.lines() {
                    let _ = say(&mut stdout, &format!("        | {line}"));
                }
            }
        }
    }
    let _ = say(&mut stdout, &format!("{passed} passed, {failed} failed"));
    if failed > 0 {
        ExitCode::Diagnostics
    } else {
        ExitCode::Ok
    }
}
