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
    let failed = pol::PolicySet::compile(&[("a.pol", &text), ("b.pol", &text)]).unwrap_err();
    let files = failed.diagnostics().files();
    let with_errors: Vec<&pol::FileDiagnostics> =
        files.iter().filter(|f| !f.diagnostics.is_empty()).collect();
    assert_eq!(with_errors.len(), 1);
    assert_eq!(with_errors[0].name, "b.pol");
    assert_eq!(
        with_errors[0].diagnostics[0].code,
        pol::Code::DuplicateDocument
    );
    assert!(with_errors[0].diagnostics[0].message.contains("a.pol"));
    // A set made from compiled programs directly refuses it too: tested beside the façade
    // (`src/api/policies.rs`).
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

// ---- 2 and 3. Line endings and blank lines in a population ----

const FIRMS_HEADER: &str = "id,加计扣除资格,研发费用,上年研发费用,营业收入,规上企业,高新技术企业";

/// `pol simulate` of the shipped 15号 over `population` with more arguments, in `dir`.
fn simulate_in(dir: &Path, population: &Path, more: &[&str]) -> Output {
    let policy = root().join(POLICY);
    let mut args = vec!["simulate", s(&policy), "--population", s(population)];
    args.extend_from_slice(&["--format", "json"]);
    if !more.contains(&"--date") {
        args.extend_from_slice(&["--date", "2024-05-01"]);
    }
    args.extend_from_slice(more);
    pol_in(dir, &args)
}

#[test]
fn cr_only_crlf_and_lf_populations_give_the_same_rows() {
    let dir = temp("endings");
    let rows = [
        FIRMS_HEADER,
        "1,1,600万元,500万元,1.5亿元,1,0",
        "2,1,114.2万元,100万元,2000万元,0,0",
        "3,0,200万元,100万元,1亿元,0,0",
    ];
    let mut results = Vec::new();
    for end in ["\n", "\r\n", "\r"] {
        let population = dir.join("p.csv");
        std::fs::write(&population, rows.join(end) + end).unwrap();
        let o = simulate_in(&dir, &population, &[]);
        assert_eq!(o.status.code(), Some(0), "{end:?}: {}", text(&o.stderr));
        let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(summary["rows"], 3, "{end:?}: {summary}");
        results.push(text(&o.stdout));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

#[test]
fn a_blank_line_inside_a_subject_gives_the_same_result_at_every_chunk_size() {
    let dir = temp("blank");
    let population = dir.join("claims.csv");
    let header = "id,claim_id,claim_date,item,项目类别,通过评审,实付合同金额";
    let mut text_rows = vec![header.to_string()];
    for id in 1..=40 {
        text_rows.push(format!("{id},C1,2024-03-01,技术转移,技术开发,1,200万元"));
        text_rows.push(String::new());
        text_rows.push(format!("{id},C2,2024-03-02,技术转移,技术开发,1,100万元"));
    }
    std::fs::write(&population, text_rows.join("\n") + "\n").unwrap();
    let mut seen = Vec::new();
    for chunk in ["1", "64", "300", "262144"] {
        for threads in ["1", "3"] {
            let o = simulate_in(
                &dir,
                &population,
                &[
                    "--kind",
                    "institution",
                    "--chunk-size",
                    chunk,
                    "--threads",
                    threads,
                    "--date",
                    "2024-12-31",
                ],
            );
            assert_eq!(
                o.status.code(),
                Some(0),
                "chunk {chunk}: {}",
                text(&o.stderr)
            );
            seen.push(text(&o.stdout));
        }
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]));
}

// ---- 4. Outputs that would destroy inputs ----

fn firms(dir: &Path) -> PathBuf {
    let population = dir.join("firms.csv");
    std::fs::copy(root().join("tests/population/firms.csv"), &population).unwrap();
    population
}

fn assert_refused(o: &Output, code: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains(code), "{}", text(&o.stderr));
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = temp("out-in");
    let population = firms(&dir);
    let before = std::fs::read(&population).unwrap();
    std::os::unix::fs::symlink(&population, dir.join("link.csv")).unwrap();
    std::fs::hard_link(&population, dir.join("hard.csv")).unwrap();
    for out in [
        "firms.csv",
        "./firms.csv",
        "link.csv",
        "hard.csv",
        "../x/firms.csv",
        "../x/./firms.csv",
    ] {
        let out = out.replace("x", dir.file_name().unwrap().to_str().unwrap());
        for flag in ["--out", "--summary"] {
            let o = simulate_in(&dir, &population, &[flag, &out]);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{flag} {out}: {}",
                text(&o.stderr)
            );
            assert_refused(&o, "F0350");
            assert_eq!(std::fs::read(&population).unwrap(), before, "{flag} {out}");
        }
    }
    // The policy and the settings file are inputs too.
    let policy = dir.join("15.pol");
    std::fs::copy(root().join(POLICY), &policy).unwrap();
    let policy_text = std::fs::read(&policy).unwrap();
    let o = pol_in(
        &dir,
        &[
            "simulate",
            "15.pol",
            "--population",
            "firms.csv",
            "--out",
            "15.pol",
        ],
    );
    assert_refused(&o, "F0350");
    let o = pol_in(&dir, &["schema", "15.pol", "--out", "15.pol"]);
    assert_refused(&o, "F0350");
    let o = pol_in(&dir, &["schema", ".", "--out", "./15.pol"]);
    assert_refused(&o, "F0350");
    assert_eq!(std::fs::read(&policy).unwrap(), policy_text);
    std::fs::write(dir.join("settings.json"), "{}").unwrap();
    let o = simulate_in(
        &dir,
        &population,
        &["--settings", "settings.json", "--summary", "settings.json"],
    );
    assert_refused(&o, "F0350");
}

#[test]
fn two_outputs_that_are_one_file_are_refused() {
    let dir = temp("out-out");
    let population = firms(&dir);
    let o = simulate_in(&dir, &population, &["--out", "r.csv", "--summary", "r.csv"]);
    assert_refused(&o, "F0351");
    assert!(!dir.join("r.csv").exists());
    std::fs::write(dir.join("r.csv"), "old").unwrap();
    std::os::unix::fs::symlink(dir.join("r.csv"), dir.join("s.txt")).unwrap();
    let o = simulate_in(&dir, &population, &["--out", "r.csv", "--summary", "s.txt"]);
    assert_refused(&o, "F0351");
    assert_eq!(std::fs::read_to_string(dir.join("r.csv")).unwrap(), "old");
    let o = simulate_in(&dir, &population, &["--out", "-", "--summary", "-"]);
    assert_refused(&o, "F0351");
    // Devices are written through, never replaced: naming one twice is fine.
    let o = simulate_in(
        &dir,
        &population,
        &["--out", "/dev/null", "--summary", "/dev/null"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
}

#[test]
fn when_the_summary_cannot_be_written_the_rows_are_not_replaced_either() {
    let dir = temp("both-or-none");
    let population = firms(&dir);
    std::fs::write(dir.join("r.csv"), "old").unwrap();
    let o = simulate_in(
        &dir,
        &population,
        &["--out", "r.csv", "--summary", "no/such/folder/s.json"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(dir.join("r.csv")).unwrap(), "old");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pol-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn rows_on_standard_output_are_the_data_alone() {
    let dir = temp("stdout");
    let population = firms(&dir);
    let o = simulate_in(&dir, &population, &["--out", "-"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("line,subject"), "{out}");
    let rows: Vec<&str> = lines.collect();
    let firms_rows = std::fs::read_to_string(&population)
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(rows.len(), firms_rows, "{out}");
    assert!(
        rows.iter()
            .all(|r| r.chars().next().unwrap().is_ascii_digit()),
        "{out}"
    );
    // The summary went to standard error.
    assert!(text(&o.stderr).contains("rows"), "{}", text(&o.stderr));
}

#[test]
fn stale_temporaries_of_a_killed_run_are_removed_and_live_ones_kept() {
    let dir = temp("stale");
    let population = firms(&dir);
    // No process has this id (above the kernel's largest), so the file is stale.
    let stale = dir.join(".pol-4194305000-abc.tmp");
    // The test's own process is alive: its file is not stale.
    let live = dir.join(format!(".pol-{}-abc.tmp", std::process::id()));
    let other = dir.join(".pol-notapid.tmp");
    for f in [&stale, &live, &other] {
        std::fs::write(f, "x").unwrap();
    }
    let o = simulate_in(&dir, &population, &["--out", "r.csv"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(!stale.exists());
    assert!(live.exists() && other.exists());
}

#[test]
fn sigterm_removes_the_temporaries_even_while_a_read_blocks() {
    let dir = temp("sigterm");
    let policy = root().join(POLICY);
    let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args([
            "simulate",
            s(&policy),
            "--population",
            "-",
            "--out",
            "r.csv",
            "--date",
            "2024-05-01",
        ])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{FIRMS_HEADER}\n1,1,600万元,500万元,1.5亿元,1,0").unwrap();
    stdin.flush().unwrap();
    // Wait for the temporary file: the run is under way, blocked on the open pipe.
    let start = Instant::now();
    let temps = || {
        std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".pol-")
            })
            .count()
    };
    while temps() == 0 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(temps(), 1, "the run made its temporary file");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "pol did not end on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o.stderr));
    assert_eq!(temps(), 0);
    assert!(!dir.join("r.csv").exists());
}

// ---- 5. Counts ----

#[test]
fn thread_counts_and_max_errors_out_of_range_are_coded_errors() {
    let dir = temp("counts");
    let population = firms(&dir);
    for threads in ["0", "1025", "20000"] {
        let o = simulate_in(&dir, &population, &["--threads", threads]);
        assert_refused(&o, "F0352");
    }
    let o = simulate_in(&dir, &population, &["--max-errors", "0"]);
    assert_refused(&o, "F0353");
    let o = simulate_in(
        &dir,
        &population,
        &["--threads", "1024", "--max-errors", "1"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("--max-errors"),
        "{}",
        text(&o.stderr)
    );
}

// ---- 5. A large subject ----

#[test]
fn a_subject_with_more_rows_than_the_limit_stops_the_run_at_every_chunk_size() {
    let dir = temp("large");
    let limit = pol::MAX_SUBJECT_ROWS;
    let mut csv = String::from(
        "id,claim_id,claim_date,item,项目类别,通过评审,实付合同金额\n0,C0,2024-03-01,技术转移,技术开发,1,1万元\n",
    );
    let mut jsonl = String::new();
    for k in 0..=limit {
        csv.push_str(&format!("1,C{k},2024-03-01,技术转移,技术开发,1,1万元\n"));
        jsonl.push_str(&format!(
            "{{\"id\": \"1\", \"claim_id\": \"C{k}\", \"claim_date\": \"2024-03-01\"}}\n"
        ));
    }
    std::fs::write(dir.join("p.csv"), &csv).unwrap();
    std::fs::write(dir.join("p.jsonl"), &jsonl).unwrap();
    for name in ["p.csv", "p.jsonl"] {
        for chunk in ["1000", "262144"] {
            let o = simulate_in(
                &dir,
                &dir.join(name),
                &[
                    "--kind",
                    "institution",
                    "--chunk-size",
                    chunk,
                    "--out",
                    "r.csv",
                ],
            );
            assert_eq!(
                o.status.code(),
                Some(1),
                "{name} {chunk}: {}",
                text(&o.stderr)
            );
            assert!(
                text(&o.stderr).contains("F0201"),
                "{name} {chunk}: {}",
                text(&o.stderr)
            );
            // Split runs pay once-only awards and fill caps again unless the earlier runs'
            // awards are given as history: the advice says so, not that totals add up.
            assert!(
                text(&o.stderr).contains("`--history`")
                    && !text(&o.stderr).contains("totals add up"),
                "{}",
                text(&o.stderr)
            );
            assert!(!dir.join("r.csv").exists());
        }
    }
    let o = simulate_in(&dir, &dir.join("p.csv"), &["--chunk-size", "16777217"]);
    assert_refused(&o, "F0354");
}

#[test]
fn the_memory_of_a_large_subject_stays_within_what_the_readme_states() {
    // The README states about 4 KiB per claim row on top of a fixed base; 10,000 rows must
    // stay under 10,000 x 6 KiB + 64 MiB.
    if !Path::new("/usr/bin/time").exists() {
        eprintln!("skipped: no /usr/bin/time to measure the peak memory with");
        return;
    }
    let dir = temp("memory");
    let mut csv = String::from("id,claim_id,claim_date,item,项目类别,通过评审,实付合同金额\n");
    for k in 0..10_000 {
        csv.push_str(&format!("1,C{k},2024-03-01,技术转移,技术开发,1,1万元\n"));
    }
    std::fs::write(dir.join("p.csv"), &csv).unwrap();
    let o = Command::new("/usr/bin/time")
        .args(["-f", "peak %M"])
        .arg(env!("CARGO_BIN_EXE_pol"))
        .args([
            "simulate",
            s(&root().join(POLICY)),
            "--kind",
            "institution",
            "--population",
            "p.csv",
        ])
        .args([
            "--date",
            "2024-12-31",
            "--out",
            "/dev/null",
            "--summary",
            "/dev/null",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    let kib: u64 = err
        .lines()
        .find_map(|l| l.strip_prefix("peak "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(kib < 10_000 * 6 + 64 * 1024, "peak {kib} KiB");
}

// ---- 6. The file named `-` ----

#[test]
fn no_command_writes_a_file_named_dash() {
    let dir = temp("dash");
    let population = firms(&dir);
    let policy = root().join(POLICY);
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "simulate",
            s(&policy),
            "--population",
            s(&population),
            "--out",
            "-",
            "--summary",
            "s.txt",
        ],
        vec![
            "simulate",
            s(&policy),
            "--population",
            s(&population),
            "--summary",
            "-",
        ],
        vec!["schema", s(&policy), "--out", "-"],
    ];
    for args in runs {
        let o = pol_in(&dir, &args);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            text(&o.stderr)
        );
        assert!(!dir.join("-").exists(), "{args:?} wrote a file named `-`");
    }
}

#[test]
fn the_repository_holds_no_file_named_dash() {
    // A stale binary once wrote `--out -` to a file named `-` at the root, which was committed.
    assert!(
        !root().join("-").exists(),
        "remove the file named `-` at the repository root"
    );
    let ignored = std::fs::read_to_string(root().join(".gitignore")).unwrap();
    assert!(
        ignored.lines().any(|l| l.trim() == "/-"),
        ".gitignore must keep `/-` out"
    );
    for script in ["benches/peer/run.sh", "benches/peer/throughput.sh"] {
        let text = std::fs::read_to_string(root().join(script)).unwrap();
        assert!(
            text.contains("-newer \"$pol\""),
            "{script} must refuse a stale binary"
        );
    }
}
