//! Files that are not UTF-8 are refused with a code and help that names the encoding they seem
//! to be in (GBK from a spreadsheet on a Chinese-language Windows, UTF-16 from some exports),
//! never read on a guess.

use std::process::{Command, Output};

const POLICY: &str = "policy \"编码〔2024〕1号\" {\n  title \"编码\"\n  issued 2024-01-01\n  effective 2024-01-01 to 2025-12-31\n  funding { 甲: 100% }\n  same_matter cumulative\n}\n\ninput enterprise {\n  研发费用: money\n}\n\nclause 研发奖 {\n  source \"第一条\"\n  award 10% of 研发费用\n}\n";

const FACTS: &str = r#"{"kind":"enterprise","id":"E1","attributes":{"研发费用":"100元"}}"#;

fn pol(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let o: Output = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&o.stderr));
    (o.status.code(), text)
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

fn utf16(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

#[test]
fn a_policy_in_gbk_is_e0107_with_help_naming_gbk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.pol"), gbk(POLICY)).unwrap();
    let (code, text) = pol(dir.path(), &["check", "p.pol"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("E0107"), "{text}");
    assert!(text.contains("looks like GBK"), "{text}");
}

#[test]
fn facts_in_gbk_or_utf16_are_f0111_with_help_naming_the_encoding() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.pol"), POLICY).unwrap();
    for (name, bytes, encoding) in [
        ("gbk.json", gbk(FACTS), "GBK"),
        ("utf16.json", utf16(FACTS), "UTF-16"),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let (code, text) = pol(
            dir.path(),
            &["eval", "p.pol", "--facts", name, "--date", "2024-05-01"],
        );
        assert_eq!(code, Some(2), "{text}");
        assert!(text.contains("error[F0111]"), "{text}");
        assert!(text.contains(&format!("looks like {encoding}")), "{text}");
    }
    // The facts as UTF-8 are read and paid: 10% of 100元.
    std::fs::write(dir.path().join("f.json"), FACTS).unwrap();
    let (code, text) = pol(
        dir.path(),
        &["eval", "p.pol", "--facts", "f.json", "--date", "2024-05-01"],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("total paid: 10.00 元"), "{text}");
}

#[test]
fn a_population_saved_as_gbk_is_refused_at_its_header_naming_gbk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.pol"), POLICY).unwrap();
    std::fs::write(dir.path().join("pop.csv"), gbk("id,研发费用\nE1,100元\n")).unwrap();
    let (code, text) = pol(
        dir.path(),
        &[
            "simulate",
            "p.pol",
            "--population",
            "pop.csv",
            "--date",
            "2024-05-01",
            "--out",
            "-",
        ],
    );
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("F0111"), "{text}");
    assert!(text.contains("looks like GBK"), "{text}");
    assert!(text.contains("CSV UTF-8"), "{text}");
}

#[test]
fn a_history_saved_as_utf16_or_gbk_is_refused_naming_its_encoding() {
    // Attack run 10 (A8): a UTF-16 history said only "stream did not contain valid UTF-8".
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.pol"), POLICY).unwrap();
    std::fs::write(dir.path().join("pop.csv"), "id,研发费用\nE1,100元\n").unwrap();
    let grants = "id,document,clause,date,amount\nE1,编码〔2024〕1号,研发奖,2024-02-01,10元\n";
    let run = |history: Vec<u8>| {
        std::fs::write(dir.path().join("h.csv"), history).unwrap();
        pol(
            dir.path(),
            &[
                "simulate",
                "p.pol",
                "--population",
                "pop.csv",
                "--history",
                "h.csv",
                "--date",
                "2024-05-01",
                "--out",
                "-",
            ],
        )
    };
    let (code, text) = run(utf16(grants));
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("the history's header: it is not UTF-8 text (error F0261)"),
        "{text}"
    );
    assert!(text.contains("looks like UTF-16"), "{text}");
    // In GBK the header is plain ASCII and the first grant is where it shows.
    let (code, text) = run(gbk(grants));
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("history line 2: error[F0261]") && text.contains("looks like GBK"),
        "{text}"
    );
}

#[test]
fn an_empty_history_is_named_empty() {
    // Attack run 11 (cosmetic): an empty history said "the history has no `id` column".
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.pol"), POLICY).unwrap();
    std::fs::write(dir.path().join("pop.csv"), "id,研发费用\nE1,100元\n").unwrap();
    std::fs::write(dir.path().join("h.csv"), "").unwrap();
    let (code, text) = pol(
        dir.path(),
        &[
            "simulate",
            "p.pol",
            "--population",
            "pop.csv",
            "--history",
            "h.csv",
            "--date",
            "2024-05-01",
            "--out",
            "-",
        ],
    );
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("the history is empty"), "{text}");
}
