//! Hostile files on the command line: a policy given twice, link loops, CR-only and blank-line
//! populations, outputs that would overwrite inputs, bad counts. Each case was a wrong result
//! that looked right (or a run that never ended) before its fix.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const POLICY: &str = "policies/jiazhengfa-2023-15.pol";
const FACTS: &str = "tests/facts/article1-eligible.json";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pol(args: &[&str]) -> Output {
    pol_in(root(), args)
}

fn pol_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// A fresh folder of its own for one test.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pol-hard-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The total `pol eval` gives the eligible firm under `paths` (as JSON).
fn eval_total(paths: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["eval"];
    args.extend_from_slice(paths);
    args.extend_from_slice(&["--facts", FACTS, "--date", "2024-05-01", "--format", "json"]);
    let o = pol(&args);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    (o.status.code(), v["totals"]["paid"].to_string())
}

// ---- 1. A policy given twice ----

#[test]
fn a_file_named_twice_or_through_links_is_read_once() {
    let dir = temp("links");
    let policy = dir.join("15.pol");
    std::fs::copy(root().join(POLICY), &policy).unwrap();
    std::os::unix::fs::symlink(&policy, dir.join("link.pol")).unwrap();
    std::fs::hard_link(&policy, dir.join("hard.pol")).unwrap();
    let once = eval_total(&[s(&policy)]);
    assert_eq!(once.0, Some(0));
    assert_ne!(once.1, "null");
    for paths in [
        vec![s(&policy), s(&policy)],
        vec![s(&dir)],
        vec![s(&dir), s(&policy)],
        vec![s(&policy), s(&dir), s(&dir)],
    ] {
        assert_eq!(eval_total(&paths), once, "{paths:?}");
    }
    let o = pol(&["check", s(&dir), s(&policy)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("checked 1 file"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn a_copy_of_a_policy_is_refused_naming_both_files_in_every_command() {
    let dir = temp("copy");
    std::fs::copy(root().join(POLICY), dir.join("15号.pol")).unwrap();
    std::fs::copy(root().join(POLICY), dir.join("15号 - 副本.pol")).unwrap();
    let population = dir.join("p.csv");
    std::fs::copy(root().join("tests/population/firms.csv"), &population).unwrap();
    let d = s(&dir);
    let runs = [
        vec!["check", d],
        vec!["eval", d, "--facts", FACTS, "--date", "2024-05-01"],
        vec![
            "simulate",
            d,
            "--population",
            s(&population),
            "--date",
            "2024-05-01",
        ],
        vec!["schema", d],
    ];
    for args in runs {
        let o = pol(&args);
        let all = text(&o.stdout) + &text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {all}");
        assert!(all.contains("E0410"), "{args:?}: {all}");
        assert!(
            all.contains("15号.pol") && all.contains("15号 - 副本.pol"),
            "{args:?}: {all}"
        );
    }
    // `pol test` with a test file that names both.
    std::fs::write(
        dir.join("both.tests.toml"),
        "policies = [\"15号.pol\", \"15号 - 副本.pol\"]\n",
    )
    .unwrap();
    let o = pol(&["test", s(&dir.join("both.tests.toml"))]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
}

#[test]
fn the_library_refuses_a_set_that_gives_one_policy_twice() {
    let text = std::fs::read_to_string(root().join(POLICY)).unwrap();
    let failed = pol::eval::PolicySet::compile(&[("a.pol", &text), ("b.pol", &text)]).unwrap_err();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, "b.pol");
    assert_eq!(
        failed[0].1[0].code,
        pol::diagnostic::Code::DuplicateDocument
    );
    assert!(failed[0].1[0].message.contains("a.pol"));
    let program = pol::compile_source(&text).program.unwrap();
    let e = pol::eval::PolicySet::new(vec![program.clone(), program]).unwrap_err();
    assert_eq!(e.positions, (0, 1));
}

/// Runs `pol` with `args`, killing it after `limit`: its output, or `None` when it ran on.
fn run_for(args: &[&str], limit: Duration) -> Option<Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn folder_walking_ends_on_symbolic_link_loops() {
    let dir = temp("loops");
    std::fs::copy(root().join(POLICY), dir.join("15.pol")).unwrap();
    std::fs::create_dir_all(dir.join("a/b")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("a/b/up")).unwrap();
    std::os::unix::fs::symlink(dir.join("a"), dir.join("a/b/again")).unwrap();
    std::os::unix::fs::symlink("self", dir.join("self")).unwrap();
    let o = run_for(&["check", s(&dir)], Duration::from_secs(20))
        .expect("pol check ends on link loops");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("checked 1 file"),
        "{}",
        text(&o.stdout)
    );
}
