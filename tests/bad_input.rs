//! Bad input of every kind gets a clear answer: `tests/bad_input/NAME.pol` is checked and
//! `NAME.json` evaluated as facts under 嘉政发〔2023〕15号; `NAME.expected` holds the exit code
//! (`exit N`) and lines that must appear in what pol prints. Generated inputs too large to keep
//! as files are tested below.

use std::path::Path;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&o.stderr));
    (o.status.code().unwrap_or(-1), text)
}

#[test]
fn every_bad_input_gets_its_expected_answer() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pol" || e == "json"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 18);
    for case in cases {
        let rel = format!(
            "tests/bad_input/{}",
            case.file_name().unwrap().to_string_lossy()
        );
        let (code, out) = if case.extension().is_some_and(|e| e == "pol") {
            let (code, human) = run(&["check", "--color", "never", &rel]);
            let (_, json) = run(&["check", "--format", "json", &rel]);
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            let codes: Vec<&str> = v["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["code"].as_str().unwrap())
                .collect();
            (code, format!("[{}]\n{human}", codes.join(",")))
        } else {
            run(&[
                "eval",
                "policies/jiazhengfa-2023-15.pol",
                "--facts",
                &rel,
                "--date",
                "2024-05-01",
            ])
        };
        let expected = std::fs::read_to_string(case.with_extension("expected")).unwrap();
        let mut lines = expected.lines();
        let exit: i32 = lines
            .next()
            .unwrap()
            .trim_start_matches("exit ")
            .parse()
            .unwrap();
        assert_eq!(code, exit, "{rel}: exit code\n{out}");
        for line in lines.filter(|l| !l.is_empty()) {
            assert!(out.contains(line), "{rel}: `{line}` not in\n{out}");
        }
        assert!(!out.contains("panicked"), "{rel}: {out}");
    }
}

#[test]
fn extremely_long_lines_and_files_get_an_answer() {
    // One line of a million characters, and a policy of several megabytes.
    let long_line = format!("let x = 1元{}\n", " + 1元".repeat(100_000));
    let c = pol::check(&[("t.pol", &long_line)]);
    assert!(c.iter().any(|d| d.code == pol::Code::TooDeep));
    let name = "研".repeat(100_000);
    let c = pol::check(&[("t.pol", &format!("let {name} = 1元\nlet b = {name}\n"))]);
    assert!(c.iter().all(|d| d.code == pol::Code::MissingHeader));
    let many: String = (0..20_000)
        .map(|i| format!("let v{i} = {i}元 + 1元\n"))
        .collect();
    let c = pol::check(&[("t.pol", &many)]);
    assert!(c.iter().all(|d| d.code == pol::Code::MissingHeader));
}

#[test]
fn ratios_past_a_hundredfold_of_decimal_are_shown_not_a_panic() {
    // Attack run 10 (A3): a previous year's R&D spending of 0.000…1 元 makes the growth about
    // 6 × 10^27, which `--explain` (and `pol test`'s failure report) showed as a percentage by
    // multiplying by 100 unchecked: exit 101. The figure is shown exactly instead.
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("f.json");
    std::fs::write(
        &facts,
        r#"{"kind": "enterprise", "id": "E1", "attributes": {"加计扣除资格": true, "研发费用": "600万元",
            "上年研发费用": "0.000000000000000000001", "营业收入": "1.5亿元", "规上企业": true, "高新技术企业": false}}"#,
    )
    .unwrap();
    let facts = facts.to_str().unwrap();
    let (code, out) = run(&[
        "eval",
        "policies/jiazhengfa-2023-15.pol",
        "--facts",
        facts,
        "--date",
        "2024-05-01",
        "--explain",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("✓ 研发增幅 5.999999999999999999999999999e29% >= 15%"),
        "{out}"
    );
    // The summary of a run whose budget of 0.01元 is used 10^27 times over.
    let policy = dir.path().join("p.pol");
    std::fs::write(
        &policy,
        "policy \"测〔2024〕71号\" {\n  title \"预算\"\n  issued 2023-01-01\n  \
         effective 2023-01-01 to 2025-12-31\n  funding { 市财政: 100% }\n  same_matter cumulative\n  \
         budget { 2024: 0.01元 }\n}\ninput enterprise { 额: money = 0元 }\n\
         clause 补助 { source \"第一条\" award 额 }\n",
    )
    .unwrap();
    let population = dir.path().join("pop.csv");
    std::fs::write(&population, "id,额\nE1,10000000000000000000000000\n").unwrap();
    let (code, out) = run(&[
        "simulate",
        policy.to_str().unwrap(),
        "--population",
        population.to_str().unwrap(),
        "--date",
        "2024-05-01",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("used (1e29%), over by"), "{out}");
}
