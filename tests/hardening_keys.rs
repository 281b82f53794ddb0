//! Keys that differ only in what cannot be seen (or in full-width forms) are one key, or are
//! refused: a document number, a matter, a claim id. Otherwise a copy of a policy, a second
//! award of one matter or a second claim would be paid, and the total would look right.
//! Also the wording of a few fact problems that named the wrong place or source.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pol::Code;
use pol::PolicySet;

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn all_text(o: &Output) -> String {
    let mut t = String::from_utf8_lossy(&o.stdout).into_owned();
    t.push_str(&String::from_utf8_lossy(&o.stderr));
    t
}

/// A fresh folder for one test's files.
fn temp(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("pol-hardening-keys-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// A policy numbered `document` with one clause of 10% of 研发费用.
fn policy(document: &str) -> String {
    format!(
        "policy \"{document}\" {{\n  title \"测试\"\n  issued 2024-01-01\n  effective 2024-01-01 to 2025-12-31\n  funding {{ 甲: 50%, 乙: 50% }}\n  same_matter cumulative\n}}\n\ninput enterprise {{\n  研发费用: money\n}}\n\nclause 研发奖 {{\n  source \"第一条\"\n  award 10% of 研发费用\n}}\n"
    )
}

/// A policy paying 10万元 under `a`, 20万元 under `b` and 30万元 under `c` (only the highest
/// of one matter is paid).
fn matters(a: &str, b: &str, c: &str) -> String {
    let mut s = String::from(
        "policy \"事项〔2024〕1号\" {\n  title \"m\"\n  issued 2024-01-01\n  effective 2024-01-01 to 2025-12-31\n  funding { 甲: 100% }\n  same_matter highest\n}\n",
    );
    for (k, (m, amount)) in [(a, "10万元"), (b, "20万元"), (c, "30万元")]
        .iter()
        .enumerate()
    {
        s.push_str(&format!(
            "\nclause 奖{k} {{\n  source \"第{k}条\"\n  matter \"{m}\"\n  award {amount}\n}}\n"
        ));
    }
    s
}

fn codes(text: &str) -> Vec<Code> {
    pol::check(&[("t.pol", text)])
        .iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn a_matter_holding_a_hidden_character_or_an_end_space_is_refused() {
    for bad in [
        "研发\u{200B}补助",
        "研发补助 ",
        " 研发补助",
        "研发\u{202E}补助",
        "研发\u{2060}补助",
    ] {
        let found = codes(&matters("研发补助", bad, "其他"));
        assert!(found.contains(&Code::UncleanKey), "{bad:?}: {found:?}");
    }
    assert!(!codes(&matters("研发补助", "研发 补助", "其他")).contains(&Code::UncleanKey));
}

#[test]
fn a_department_payer_or_document_number_holding_a_hidden_character_is_refused() {
    let text = policy("测试〔2024〕1号")
        .replace("  source", "  department \"市科技局\u{200B}\"\n  source");
    assert!(codes(&text).contains(&Code::UncleanKey));
    // A payer is a name: the grammar already refuses an invisible character in it.
    let text = policy("测试〔2024〕1号").replace("甲: 50%", "甲\u{200B}: 50%");
    assert!(pol::check(&[("t.pol", &text)]).has_errors());
    for doc in [
        "测试〔2024〕1号 ",
        "测试\u{200B}〔2024〕1号",
        "\u{FEFF}测试〔2024〕1号",
    ] {
        assert!(codes(&policy(doc)).contains(&Code::UncleanKey), "{doc:?}");
    }
}

#[test]
fn matters_that_differ_only_in_full_width_forms_or_spacing_are_one_matter() {
    let dir = temp("matters");
    let facts = write(
        &dir,
        "f.json",
        r#"{"kind":"enterprise","id":"E","attributes":{}}"#,
    );
    for (a, b, c) in [
        ("RD补助", "ＲＤ补助", "ＲＤ补助"),
        ("补助（一）", "补助(一)", "补助（一）"),
        ("补助〔一〕", "补助[一]", "补助【一】"),
        ("研发 补助", "研发  补助", "研发\u{3000}补助"),
    ] {
        let p = write(&dir, "m.pol", &matters(a, b, c));
        let o = pol(&[
            "eval",
            &p,
            "--facts",
            &facts,
            "--date",
            "2024-05-01",
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            v["totals"]["paid"]["exact"], "300000.00",
            "{a} {b} {c}: {v}"
        );
    }
}

#[test]
fn copies_whose_document_numbers_differ_only_in_form_are_one_policy() {
    let dir = temp("documents");
    let a = write(&dir, "a.pol", &policy("测试〔2024〕1号"));
    for (k, other) in [
        "测试〔2024〕１号",
        "测试[2024]1号",
        "测试【2024】1号",
        "测试〔２０２４〕1号",
        // Forms that only look different: Unicode compatibility (NFKC) and the other brackets.
        "测试〔2024〕¹号",
        "测试〔2024〕①号",
        "测试〖2024〗1号",
        "测试［2024］1号",
        // Round brackets around the year, spaces (a no-break and an ideographic one too) and
        // the traditional 號: the most common ways a copy's number is retyped.
        "测试（2024）1号",
        "测试(2024)1号",
        "测试 [2024] 1号",
        "测试〔2024〕\u{a0}1号",
        "测试〔2024〕\u{3000}1号",
        "测试〔2024〕1 号",
        "测试〔2024〕1號",
        "测试﹝2024﹞1号",
        // Traditional characters, wholly or in part (a copy taken from a traditional-script
        // edition of the gazette).
        "測試〔2024〕1號",
        "測试〔2024〕第1號",
        // Brackets of other shapes or none, a letter O for a zero, a full stop at the end.
        "测试〈2024〉1号",
        "测试《2024》1号",
        "测试「2024」1号",
        "测试{2024}1号",
        "测试2024年1号",
        "测试〔2O24〕1号",
        "测试〔2024〕1号。",
    ]
    .iter()
    .enumerate()
    {
        // Another title: the number alone makes it the same policy.
        let copy = policy(other).replace("title \"测试\"", &format!("title \"副本{k}\""));
        let b = write(&dir, &format!("b{k}.pol"), &copy);
        for command in ["check", "schema"] {
            let o = pol(&[command, &a, &b]);
            let text = all_text(&o);
            assert_ne!(o.status.code(), Some(0), "{other}: {text}");
            assert!(text.contains("E0410"), "{command} {other}: {text}");
        }
        std::fs::remove_file(&b).unwrap();
    }
    // Inner runs of white space are one space, and a doubled space is the same number too.
    let sources = [
        ("a.pol", policy("测试 〔2024〕1号")),
        ("b.pol", policy("测试  〔2024〕1号")),
    ];
    let sources: Vec<(&str, &str)> = sources.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let Err(failed) = PolicySet::compile(&sources) else {
        panic!("two spellings of one document number were compiled as two policies");
    };
    assert!(failed
        .diagnostics()
        .iter()
        .any(|d| d.code == Code::DuplicateDocument));
    // A set made from compiled programs directly refuses look-alike numbers too: tested beside
    // the façade (`src/api/policies.rs`).
}

/// A copy whose number was retyped in a way the number folds do not know (Chinese numerals)
/// is found by its title and issue date; the same title issued on another day is another
/// policy (a yearly re-issue), and so is another title on the same day.
#[test]
fn a_copy_under_another_number_is_found_by_its_title_and_issue_date() {
    let dir = temp("title-and-day");
    let a = write(&dir, "a.pol", &policy("测试〔2024〕1号"));
    let copy = write(&dir, "b.pol", &policy("测试〔二〇二四〕一号"));
    let o = pol(&["check", &a, &copy]);
    let text = all_text(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("E0410"), "{text}");
    assert!(text.contains("title and issue date"), "{text}");
    let reissued = policy("测试〔2025〕1号").replace("issued 2024-01-01", "issued 2025-01-01");
    let other_day = write(&dir, "c.pol", &reissued);
    let other_title = write(
        &dir,
        "d.pol",
        &policy("测试〔2024〕2号").replace("title \"测试\"", "title \"另一个\""),
    );
    let o = pol(&["check", &a, &other_day, &other_title]);
    assert!(!all_text(&o).contains("E0410"), "{}", all_text(&o));
}

/// A copy whose number is written with round brackets is refused by eval and simulate too,
/// rather than paying every award twice.
#[test]
fn a_copy_numbered_with_round_brackets_is_not_paid_twice() {
    let dir = temp("round-brackets");
    write(&dir, "a.pol", &policy("测试〔2024〕1号"));
    write(&dir, "a - 副本.pol", &policy("测试（2024） 1號"));
    let facts = write(
        &dir,
        "one.json",
        r#"{"kind":"enterprise","id":"1","attributes":{"研发费用":"100元"}}"#,
    );
    let population = write(&dir, "p.csv", "id,研发费用\n1,100\n");
    let folder = dir.to_str().unwrap();
    for args in [
        vec!["eval", folder, "--facts", &facts, "--date", "2024-05-01"],
        vec![
            "simulate",
            folder,
            "--population",
            &population,
            "--date",
            "2024-05-01",
            "--out",
            "-",
        ],
    ] {
        let o = pol(&args);
        let text = all_text(&o);
        assert_ne!(o.status.code(), Some(0), "{args:?}: {text}");
        assert!(text.contains("E0410"), "{args:?}: {text}");
    }
}

/// A grant in the history and a claim's `document` name a policy in the same folded form as
/// the duplicate check: `（2023） 15號` reaches `〔2023〕15号`.
#[test]
fn history_grants_and_claims_find_a_document_written_with_round_brackets() {
    let set = PolicySet::compile(&[("a.pol", &policy("测试〔2024〕1号"))]).unwrap();
    let options = pol::Options::on("2024-05-01".parse().unwrap());
    let facts = pol::Facts::from_json(
        r#"{"kind":"enterprise","id":"E1","attributes":{"研发费用":"100元"},
            "history":[{"document":"测试（2024） 1號","clause":"研发奖","date":"2024-01-10","amount":"1元"}]}"#,
    )
    .unwrap();
    let d = set.evaluate(&facts, &options);
    assert!(d.is_ok(), "{:?}", d.err());
    let twin = "policy \"示例〔2023〕1号\" {\n  title \"示例\"\n  issued 2023-07-24\n  effective 2023-08-01 to 2025-12-31\n  funding { 甲: 100% }\n  same_matter highest\n}\ninput project { 金额: money }\nclause 项目经费 { source \"第一条\" per project award 10% of 金额 }\n";
    let other = twin
        .replace("1号", "2号")
        .replace("10%", "20%")
        .replace("title \"示例\"", "title \"示例二\"");
    let set = PolicySet::compile(&[("a.pol", twin), ("b.pol", &other)]).unwrap();
    let facts = pol::Facts::from_json(
        r#"{"kind":"enterprise","id":"E1","claims":[{"id":"C1","date":"2024-03-01",
            "item":"项目经费","document":"示例(2023) 2號","attributes":{"金额":"100万元"}}]}"#,
    )
    .unwrap();
    let d = set.evaluate(&facts, &options).unwrap();
    assert_eq!(
        d.totals.paid,
        pol::Amount::Exact("200000.00".parse().unwrap())
    );
}

const CLAIMS_POLICY: &str = "policy \"比例〔2024〕1号\" {\n  title \"比例\"\n  issued 2024-01-01\n  effective 2024-01-01 to 2025-12-31\n  funding { 甲: 100% }\n  same_matter cumulative\n}\n\ninput project {\n  合同: money\n}\n\nparam 比率: percent\n\nclause 项目奖 {\n  source \"第二条\"\n  per project\n  award 比率 of 合同\n}\n";

fn claims(ids: &[&str]) -> String {
    let list: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(
                r#"{{"id":{},"date":"2024-03-01","attributes":{{"合同":"100元"}}}}"#,
                serde_json::Value::from(*id)
            )
        })
        .collect();
    format!(
        r#"{{"kind":"enterprise","id":"E1","claims":[{}]}}"#,
        list.join(",")
    )
}

#[test]
fn claim_ids_that_look_alike_are_one_claim_in_facts() {
    let dir = temp("claims");
    let p = write(&dir, "p.pol", CLAIMS_POLICY);
    for (one, other) in [
        ("a", "a "),
        ("a", " a"),
        ("a", "ａ"),
        ("HT-1", "HT—1"),
        ("HT-1", "HT−1"),
        ("HT-2", "HT-²"),
        ("HT-2", "HT-②"),
    ] {
        let f = write(&dir, "f.json", &claims(&[one, other]));
        let o = pol(&[
            "eval",
            &p,
            "--facts",
            &f,
            "--set",
            "比率=10%",
            "--date",
            "2024-05-01",
        ]);
        let text = all_text(&o);
        assert_ne!(o.status.code(), Some(0), "{other:?}: {text}");
        assert!(text.contains("F0108"), "{other:?}: {text}");
    }
}

#[test]
fn a_claim_id_holding_a_hidden_character_is_refused_in_facts() {
    let dir = temp("hidden-claims");
    let p = write(&dir, "p.pol", CLAIMS_POLICY);
    // The last two hold a Cyrillic `Н` and a Greek `Τ`: they read as `HT-1`.
    for id in [
        "a\u{200B}",
        "x\ry",
        "a\u{202E}b",
        "x\ty",
        "\u{041D}T-1",
        "H\u{03A4}-1",
    ] {
        let f = write(&dir, "f.json", &claims(&["b", id]));
        let o = pol(&[
            "eval",
            &p,
            "--facts",
            &f,
            "--set",
            "比率=10%",
            "--date",
            "2024-05-01",
        ]);
        let text = all_text(&o);
        assert_ne!(o.status.code(), Some(0), "{id:?}: {text}");
        assert!(text.contains("F0180"), "{id:?}: {text}");
    }
}

#[test]
fn a_population_compares_and_refuses_claim_ids_as_facts_do() {
    let dir = temp("population");
    let p = write(&dir, "p.pol", CLAIMS_POLICY);
    let run = |csv: &str| {
        let input = write(&dir, "in.csv", csv);
        let out = dir.join("out.csv");
        let o = pol(&[
            "simulate",
            &p,
            "--population",
            &input,
            "--set",
            "比率=10%",
            "--date",
            "2024-05-01",
            "--out",
            out.to_str().unwrap(),
        ]);
        let written = std::fs::read_to_string(&out).unwrap_or_default();
        (all_text(&o), written)
    };
    let head = "id,claim_id,claim_date,合同\n";
    let (_, out) = run(&format!(
        "{head}1,a,2024-03-01,100元\n1,ａ,2024-03-01,100元\n"
    ));
    assert!(out.contains("two claims") && out.contains("F0108"), "{out}");
    assert!(!out.contains("10.00,"), "a claim paid twice: {out}");
    let (_, out) = run(&format!("{head}1,\"x\ry\",2024-03-01,100元\n"));
    assert!(out.contains("F0180"), "{out}");
    assert!(!out.contains("x\ny"), "the id came out changed: {out}");
    let (_, out) = run(&format!("{head}1,a\u{200B},2024-03-01,100元\n"));
    assert!(out.contains("F0180"), "{out}");
}

#[test]
fn a_key_given_twice_on_one_line_is_placed_by_column() {
    let dir = temp("columns");
    let p = write(&dir, "p.pol", CLAIMS_POLICY);
    let f = write(
        &dir,
        "f.json",
        r#"{"kind":"enterprise","id":"E1","id":"E2","claims":[]}"#,
    );
    let o = pol(&["eval", &p, "--facts", &f, "--set", "比率=10%"]);
    let text = all_text(&o);
    assert!(text.contains("F0113"), "{text}");
    assert!(text.contains("line 1, column 27"), "{text}");
    assert!(text.contains("line 1, column 37"), "{text}");
}

#[test]
fn a_bare_percent_from_a_setting_names_the_setting() {
    let dir = temp("setting");
    let p = write(&dir, "p.pol", CLAIMS_POLICY);
    let f = write(&dir, "f.json", &claims(&["a"]));
    let o = pol(&["eval", &p, "--facts", &f, "--set", "比率=10"]);
    let text = all_text(&o);
    assert!(text.contains("F0114"), "{text}");
    assert!(text.contains("the setting gives"), "{text}");
    assert!(!text.contains("the facts give"), "{text}");
    assert!(text.contains("the settings do not fit"), "{text}");
}

#[test]
fn a_date_given_as_a_number_is_not_reported_as_missing() {
    let dir = temp("date");
    let p = write(&dir, "p.pol", CLAIMS_POLICY);
    let f = write(
        &dir,
        "f.json",
        r#"{"kind":"enterprise","id":"E1","claims":[{"id":"a","date":20240301}]}"#,
    );
    let o = pol(&["eval", &p, "--facts", &f, "--set", "比率=10%"]);
    let text = all_text(&o);
    assert_ne!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("F0107"), "{text}");
    assert!(text.contains("the number 20240301"), "{text}");
    assert!(!text.contains("has no date"), "{text}");
}

#[test]
fn a_parameter_given_by_the_settings_is_not_reported_as_having_no_value() {
    let dir = temp("w0309");
    let p = write(&dir, "p.pol", CLAIMS_POLICY);
    let f = write(&dir, "f.json", &claims(&["a"]));
    let s = write(&dir, "s.json", r#"{"比率": "10%"}"#);
    for given in [["--set", "比率=10%"], ["--settings", s.as_str()]] {
        let o = pol(&["eval", &p, "--facts", &f, given[0], given[1]]);
        assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
        assert!(!all_text(&o).contains("W0309"), "{}", all_text(&o));
        let population = write(
            &dir,
            "in.csv",
            "id,claim_id,claim_date,合同\n1,a,2024-03-01,100元\n",
        );
        let out = dir.join("out.csv");
        let o = pol(&[
            "simulate",
            &p,
            "--population",
            &population,
            given[0],
            given[1],
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(!all_text(&o).contains("W0309"), "{}", all_text(&o));
    }
    // Without a value, the warning is still there.
    let o = pol(&["eval", &p, "--facts", &f]);
    assert!(all_text(&o).contains("W0309"), "{}", all_text(&o));
}

#[test]
fn payers_that_differ_only_in_full_width_forms_are_one_payer() {
    assert_eq!(
        payers("A财政", "Ａ财政"),
        [("A财政".to_string(), "20.00".to_string())]
    );
    // Traditional and simplified names stay two payers (keys keep their script).
    assert_eq!(payers("市级财政", "市級財政").len(), 2);
}

/// The payers and amounts of two policies paying 10元 each, one by the payer `a`, one by `b`.
fn payers(a: &str, b: &str) -> Vec<(String, String)> {
    let dir = temp("payers");
    let mut paths = Vec::new();
    for (n, payer) in [(1, a), (2, b)] {
        let text = policy(&format!("测试〔2024〕{n}号"))
            .replace("title \"测试\"", &format!("title \"测试{n}\""))
            .replace(
                "funding { 甲: 50%, 乙: 50% }",
                &format!("funding {{ {payer}: 100% }}"),
            );
        paths.push(write(&dir, &format!("p{n}.pol"), &text));
    }
    let facts = write(
        &dir,
        "f.json",
        r#"{"kind":"enterprise","id":"E","attributes":{"研发费用":"100元"}}"#,
    );
    let o = pol(&[
        "eval",
        &paths[0],
        &paths[1],
        "--facts",
        &facts,
        "--date",
        "2024-05-01",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["totals"]["per_payer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["payer"].as_str().unwrap_or_default().to_string(),
                p["amount"]["exact"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

/// Subject ids that read as another id: in a population, rows of `E1` and `Ｅ1` would be two
/// subjects, each paid up to its own caps; they are refused (F0181) in populations and facts
/// alike, and the plain id next to them is paid as usual.
#[test]
fn a_subject_id_that_reads_as_another_is_refused_in_populations_and_facts() {
    let dir = temp("subjects");
    let p = write(&dir, "p.pol", &policy("比例〔2024〕9号"));
    // (A population's cells are trimmed of white space, so an end space is a facts file's only.)
    for odd in ["Ｅ1", "E\u{2014}1", "\u{0415}1", "E1\u{200B}"] {
        // `A1` sorts before every odd id.
        let csv = format!("id,研发费用\nA1,100元\n{odd},100元\n");
        let input = write(&dir, "in.csv", &csv);
        let out = dir.join("out.csv");
        let o = pol(&[
            "simulate",
            &p,
            "--population",
            &input,
            "--date",
            "2024-05-01",
            "--out",
            out.to_str().unwrap(),
        ]);
        let written = std::fs::read_to_string(&out).unwrap_or_default();
        let text = all_text(&o) + &written;
        assert_ne!(o.status.code(), Some(0), "{odd:?}: {text}");
        assert!(written.contains("F0181"), "{odd:?}: {text}");
        // 10% of 100元 for the plain id.
        assert!(
            written.lines().any(|l| l.starts_with("2,A1,,10.00,")),
            "{odd:?}: {text}"
        );
    }
    for odd in ["Ｅ1", "E\u{2014}1", "\u{0415}1", "E1\u{200B}", "E1 ", "E①"] {
        let facts = serde_json::json!({"kind": "enterprise", "id": odd, "attributes": {"研发费用": "100元"}});
        let f = write(&dir, "f.json", &facts.to_string());
        let o = pol(&["eval", &p, "--facts", &f, "--date", "2024-05-01"]);
        let text = all_text(&o);
        assert_ne!(o.status.code(), Some(0), "{odd:?}: {text}");
        assert!(text.contains("F0181"), "{odd:?}: {text}");
    }
}

/// A Chinese firm name with full-width brackets is an ordinary subject id: paid as usual.
#[test]
fn a_chinese_firm_name_with_full_width_brackets_is_a_subject_id() {
    let dir = temp("firm-names");
    let p = write(&dir, "p.pol", &policy("比例〔2024〕8号"));
    let name = "嘉兴某某（集团）有限公司";
    let facts =
        serde_json::json!({"kind": "enterprise", "id": name, "attributes": {"研发费用": "100元"}});
    let f = write(&dir, "f.json", &facts.to_string());
    let o = pol(&["eval", &p, "--facts", &f, "--date", "2024-05-01"]);
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
    let input = write(&dir, "in.csv", &format!("id,研发费用\n{name},100元\n"));
    let o = pol(&[
        "simulate",
        &p,
        "--population",
        &input,
        "--date",
        "2024-05-01",
        "--out",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
    // 10% of 100元.
    assert!(
        all_text(&o).contains(&format!("2,{name},,10.00,")),
        "{}",
        all_text(&o)
    );
    // Two firms whose names differ by a character both scripts use (`乾`, `干`) are two firms,
    // each paid (keys keep their script).
    let input = write(
        &dir,
        "in.csv",
        "id,研发费用\n乾元科技,100元\n干元科技,100元\n",
    );
    let o = pol(&[
        "simulate",
        &p,
        "--population",
        &input,
        "--date",
        "2024-05-01",
        "--out",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
    for row in ["2,乾元科技,,10.00,", "3,干元科技,,10.00,"] {
        assert!(all_text(&o).contains(row), "{}", all_text(&o));
    }
}

/// An attribute named in traditional characters is not the input (names are compared as
/// written, in NFC), so it is ignored with a warning; the warning names the input it is
/// (`研發費用` is `研发费用` in simplified characters), in facts and populations alike.
#[test]
fn an_attribute_in_traditional_characters_is_warned_about_with_its_input() {
    let dir = temp("traditional-attribute");
    let p = write(&dir, "p.pol", &policy("繁体〔2024〕1号"));
    let facts = write(
        &dir,
        "f.json",
        r#"{"kind":"enterprise","id":"E","attributes":{"研發費用":"100元"}}"#,
    );
    let o = pol(&["eval", &p, "--facts", &facts, "--date", "2024-05-01"]);
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
    assert!(
        all_text(&o).contains("did you mean `研发费用`?"),
        "{}",
        all_text(&o)
    );
    let input = write(&dir, "in.csv", "id,研發費用\nE,100元\n");
    let o = pol(&[
        "simulate",
        &p,
        "--population",
        &input,
        "--date",
        "2024-05-01",
        "--out",
        "-",
    ]);
    assert!(
        all_text(&o).contains("did you mean `研发费用`?"),
        "{}",
        all_text(&o)
    );
}
