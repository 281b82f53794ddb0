//! Issue 15's last reading variants: the population and history readers (CSV and JSON Lines)
//! read ids and cells as a facts file does, or refuse loudly, so `pol eval` and
//! `pol simulate` never disagree on the same data. Before the fixes: a history id written
//! `1.0` missed subject `1` (a stage paid again), `""` in a JSON Lines row let a default apply
//! (`pol eval` refuses it), a `kind` column of another kind was evaluated as `--kind`, ids
//! with white space at an end were trimmed in populations and histories, and a CSV history
//! trimmed every cell (a stage ` 签约` counted) where facts refuse it (F0169).
//!
//! The policies are made up (测试 documents): these tests are about how files are read.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A project award paid in two stages: 40% at signing, 60% once accepted.
const STAGES_POL: &str = r#"policy "测试〔2024〕22号" {
  title "t"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 甲: 100% }
  same_matter cumulative
}
input enterprise {
  合同额: money
  通过验收: bool = false
  验收日期: date
}
clause 项目资助 {
  source "第四条"
  award 25% of 合同额
  stages { 签约: 40%, 验收: 60% when 通过验收 on 验收日期 }
}
"#;

/// The whole amount, unless excluded (a bool with a default).
const EXCLUDE_POL: &str = r#"policy "测试〔2024〕3号" {
  title "t"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 甲: 100% }
  same_matter cumulative
}
input enterprise {
  排除: bool = false
  金额: money
}
clause 全额 {
  source "第一条"
  when not 排除
  award 100% of 金额
}
"#;

/// One clause for enterprises, another (paying twice as much) for institutions.
const KIND_POL: &str = r#"policy "测试〔2024〕23号" {
  title "t"
  issued 2024-01-01
  effective 2024-01-01 to 2025-12-31
  funding { 甲: 100% }
  same_matter cumulative
}
input enterprise, institution {
  金额: money
}
clause 企业 {
  source "第一条"
  subject enterprise
  award 100% of 金额
}
clause 机构 {
  source "第二条"
  subject institution
  award 200% of 金额
}
"#;

fn pol_in(dir: &Path, args: &[&str]) -> Output {
    // POL_BIN runs the tests against another build (to see them fail on one before a fix).
    let pol = std::env::var("POL_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_pol").to_string());
    Command::new(pol)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// A fresh folder of its own for one test, holding st.pol, c.pol and kind.pol.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pol-variants-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("st.pol"), STAGES_POL).unwrap();
    std::fs::write(dir.join("c.pol"), EXCLUDE_POL).unwrap();
    std::fs::write(dir.join("kind.pol"), KIND_POL).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `pol simulate POLICY --population POPULATION` with `extra`, rows on standard output: exit
/// status, rows, standard error.
fn simulate(dir: &Path, policy: &str, population: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "simulate",
        policy,
        "--population",
        population,
        "--date",
        "2024-05-01",
        "--out",
        "-",
    ];
    args.extend_from_slice(extra);
    let o = pol_in(dir, &args);
    (
        o.status.code().unwrap_or(-1),
        text(&o.stdout),
        text(&o.stderr),
    )
}

/// `pol eval POLICY --facts FACTS`: exit status and everything written.
fn eval(dir: &Path, policy: &str, facts: &str) -> (i32, String) {
    let o = pol_in(
        dir,
        &["eval", policy, "--facts", facts, "--date", "2024-05-01"],
    );
    let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
    (o.status.code().unwrap_or(-1), all)
}

// ---- F2: an id written as a JSON number with a fraction or an exponent ----

#[test]
fn a_history_id_written_as_a_float_stops_the_run_rather_than_pay_a_stage_again() {
    let dir = temp("float-history");
    std::fs::write(
        dir.join("p.csv"),
        "id,合同额,通过验收,验收日期\n1,100万元,true,2024-03-01\n2,100万元,true,2024-03-01\n",
    )
    .unwrap();
    // The signing stage (40% of 25% of 100万元 = 10万元, 第四条) was paid to subject 1.
    for id in ["1.0", "1e0", "1E0", "10e-1"] {
        let grant = format!(
            "{{\"id\":{id},\"document\":\"测试〔2024〕22号\",\"clause\":\"项目资助\",\"date\":\"2024-02-01\",\"amount\":\"10万元\",\"stage\":\"签约\"}}\n"
        );
        std::fs::write(dir.join("h.jsonl"), grant).unwrap();
        let (code, rows, err) = simulate(&dir, "st.pol", "p.csv", &["--history", "h.jsonl"]);
        assert_ne!(code, 0, "{id}: {rows}{err}");
        assert!(
            err.contains("F0261") && err.contains("F0214"),
            "{id}: {err}"
        );
        assert!(err.contains(id), "the value is named: {id}: {err}");
        // Subject 1 is never written as paid the whole award again.
        assert!(!rows.contains("2,1,,250000.00"), "{id}: {rows}");
    }
    // Written whole, the grant reaches subject 1: only the acceptance stage is paid.
    std::fs::write(
        dir.join("h.jsonl"),
        "{\"id\":1,\"document\":\"测试〔2024〕22号\",\"clause\":\"项目资助\",\"date\":\"2024-02-01\",\"amount\":\"10万元\",\"stage\":\"签约\"}\n",
    )
    .unwrap();
    let (code, rows, err) = simulate(&dir, "st.pol", "p.csv", &["--history", "h.jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert!(rows.contains("\n2,1,,150000.00,"), "{rows}");
}

#[test]
fn a_population_or_facts_id_written_as_a_float_is_refused() {
    let dir = temp("float-population");
    std::fs::write(
        dir.join("p.jsonl"),
        "{\"id\":1,\"金额\":\"100\"}\n{\"id\":2.0,\"金额\":\"100\"}\n{\"id\":3e0,\"金额\":\"100\"}\n",
    )
    .unwrap();
    let (_, rows, err) = simulate(&dir, "c.pol", "p.jsonl", &[]);
    assert!(rows.contains("\n1,1,,100.00,"), "{rows}");
    for (line, id) in [(2, "2.0"), (3, "3e0")] {
        let row = rows
            .lines()
            .find(|l| l.starts_with(&format!("{line},")))
            .unwrap_or_default();
        assert!(row.contains("F0214") && row.contains(id), "{rows}");
        assert!(err.contains(&format!("line {line}: id (F0214)")), "{err}");
    }
    std::fs::write(
        dir.join("f.json"),
        r#"{"kind":"enterprise","id":2.0,"attributes":{"金额":"100"}}"#,
    )
    .unwrap();
    let (code, out) = eval(&dir, "c.pol", "f.json");
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("F0214") && out.contains("2.0"), "{out}");
    assert!(
        out.contains("write the id as text or as a whole number"),
        "{out}"
    );
}

// ---- F3: "" in a JSON Lines population is a value, as in facts ----

#[test]
fn an_empty_text_in_a_json_lines_row_is_refused_as_eval_refuses_it() {
    let dir = temp("empty-text");
    for blank in ["", " "] {
        std::fs::write(
            dir.join("p.jsonl"),
            format!("{{\"id\":\"7\",\"金额\":\"100\",\"排除\":\"{blank}\"}}\n"),
        )
        .unwrap();
        std::fs::write(
            dir.join("f.json"),
            format!(
                "{{\"kind\":\"enterprise\",\"id\":\"7\",\"attributes\":{{\"金额\":\"100\",\"排除\":\"{blank}\"}}}}"
            ),
        )
        .unwrap();
        let (code, out) = eval(&dir, "c.pol", "f.json");
        assert!(code != 0 && out.contains("F0110"), "{blank:?}: {out}");
        let (_, rows, err) = simulate(&dir, "c.pol", "p.jsonl", &[]);
        assert!(
            err.contains("line 1: attributes.排除 (F0110)"),
            "{blank:?}: {err}"
        );
        assert!(
            !rows.contains("100.00"),
            "{blank:?}: the row is not paid: {rows}"
        );
    }
    // `null` is not given in both: the default applies and the amount is paid.
    std::fs::write(
        dir.join("p.jsonl"),
        "{\"id\":\"7\",\"金额\":\"100\",\"排除\":null}\n",
    )
    .unwrap();
    let (_, rows, _) = simulate(&dir, "c.pol", "p.jsonl", &[]);
    assert!(rows.contains("\n1,7,,100.00,"), "{rows}");
    // An empty CSV cell stays a value not given.
    std::fs::write(dir.join("p.csv"), "id,金额,排除\n7,100,\n").unwrap();
    let (_, rows, _) = simulate(&dir, "c.pol", "p.csv", &[]);
    assert!(rows.contains("\n2,7,,100.00,"), "{rows}");
}

// ---- F6: a kind column of another kind ----

#[test]
fn a_row_of_another_kind_than_the_run_is_refused_in_both_formats() {
    let dir = temp("kind");
    std::fs::write(
        dir.join("p.csv"),
        "id,kind,金额\n1,institution,100\n2,enterprise,100\n3,,100\n4,firm,100\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("p.jsonl"),
        "{\"id\":\"1\",\"kind\":\"institution\",\"金额\":\"100\"}\n\
         {\"id\":\"2\",\"kind\":\"enterprise\",\"金额\":\"100\"}\n\
         {\"id\":\"3\",\"kind\":null,\"金额\":\"100\"}\n\
         {\"id\":\"4\",\"kind\":\"firm\",\"金额\":\"100\"}\n",
    )
    .unwrap();
    for (population, first) in [("p.csv", 2), ("p.jsonl", 1)] {
        let (_, rows, err) = simulate(&dir, "kind.pol", population, &[]);
        // The institution is never paid the enterprise clause.
        let row = |k: u64| {
            rows.lines()
                .find(|l| l.starts_with(&format!("{},", first + k)))
                .unwrap_or_default()
                .to_string()
        };
        assert!(
            row(0).contains("F0215") && row(0).contains("institution"),
            "{rows}"
        );
        assert!(row(0).contains("--kind enterprise"), "{rows}");
        assert!(row(1).contains(",2,,100.00,"), "{rows}");
        assert!(row(2).contains(",3,,100.00,"), "{rows}");
        assert!(
            row(3).contains("F0215") && row(3).contains("firm"),
            "{rows}"
        );
        assert!(!err.contains("the column `kind` is not an input"), "{err}");
        // Run as institutions, the institution is paid its own clause and the others refused.
        let (_, rows, _) = simulate(&dir, "kind.pol", population, &["--kind", "institution"]);
        assert!(rows.contains(&format!("\n{first},1,,200.00,")), "{rows}");
    }
}

// ---- F7: ids with white space at an end ----

#[test]
fn ids_with_white_space_at_an_end_are_refused_in_populations_and_histories() {
    let dir = temp("padded");
    // Quoted in CSV, or a JSON text: the rows' subjects fail (F0181), as `pol eval` refuses
    // `"id": " 2"`; a later row of a subject cannot slip a padded spelling in either.
    std::fs::write(
        dir.join("p.csv"),
        "id,金额\n1,100\n\" 2\",100\n3,100\n\"3 \",100\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("p.jsonl"),
        "{\"id\":\"1\",\"金额\":\"100\"}\n{\"id\":\" 2\",\"金额\":\"100\"}\n\
         {\"id\":\"3\",\"金额\":\"100\"}\n{\"id\":\"3 \",\"金额\":\"100\"}\n",
    )
    .unwrap();
    for (population, first) in [("p.csv", 2u64), ("p.jsonl", 1)] {
        let (_, rows, err) = simulate(&dir, "c.pol", population, &[]);
        assert!(rows.contains(&format!("\n{first},1,,100.00,")), "{rows}");
        for k in 1..=3 {
            let row = rows
                .lines()
                .find(|l| l.starts_with(&format!("{},", first + k)))
                .unwrap_or_default();
            assert!(!row.contains("100.00"), "{population}: {rows}");
        }
        assert!(
            err.contains("` 2` holds") && err.contains("`3 ` holds"),
            "{err}"
        );
        assert!(err.contains("F0181"), "{err}");
        assert!(err.contains("errors: 2"), "{err}");
    }
    // A refused first row fails its subject's later rows too (in JSON Lines it was a row of
    // its own, and the subject was paid without it).
    std::fs::write(dir.join("b.csv"), "id,金额\n\" 5\",100\n5,100\n6,100\n").unwrap();
    std::fs::write(
        dir.join("b.jsonl"),
        "{\"id\":\" 5\",\"金额\":\"100\"}\n{\"id\":\"5\",\"金额\":\"100\"}\n{\"id\":\"6\",\"金额\":\"100\"}\n",
    )
    .unwrap();
    for population in ["b.csv", "b.jsonl"] {
        let (_, rows, _) = simulate(&dir, "c.pol", population, &[]);
        assert!(rows.contains(",5,,,,,,id (F0181)"), "{population}: {rows}");
        assert!(
            rows.contains("subject `5` is not evaluated"),
            "{population}: {rows}"
        );
        assert!(rows.contains(",6,,100.00,"), "{population}: {rows}");
    }
    std::fs::write(
        dir.join("f.json"),
        r#"{"kind":"enterprise","id":" 2","attributes":{"金额":"100"}}"#,
    )
    .unwrap();
    let (code, out) = eval(&dir, "c.pol", "f.json");
    assert!(code != 0 && out.contains("F0181"), "{out}");
    // In the history, CSV and JSON Lines alike, the line is refused (F0261 with F0181).
    std::fs::write(
        dir.join("p.csv"),
        "id,合同额,通过验收,验收日期\n1,100万元,true,2024-03-01\n",
    )
    .unwrap();
    let grant = "测试〔2024〕22号,项目资助,2024-02-01,10万元,签约";
    std::fs::write(
        dir.join("h.csv"),
        format!("id,document,clause,date,amount,stage\n\" 1\",{grant}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("h.jsonl"),
        "{\"id\":\"1 \",\"document\":\"测试〔2024〕22号\",\"clause\":\"项目资助\",\"date\":\"2024-02-01\",\"amount\":\"10万元\",\"stage\":\"签约\"}\n",
    )
    .unwrap();
    for history in ["h.csv", "h.jsonl"] {
        let (code, rows, err) = simulate(&dir, "st.pol", "p.csv", &["--history", history]);
        assert_ne!(code, 0, "{history}: {rows}{err}");
        assert!(
            err.contains("F0261") && err.contains("F0181"),
            "{history}: {err}"
        );
        assert!(!rows.contains("250000.00"), "{history}: {rows}");
    }
}

/// A population of several hundred KB whose padded ids sit at every distance from the
/// chunker's cuts: the rows written and the errors are the same at every chunk size and
/// thread count, and every padded row fails its subject.
#[test]
fn padded_ids_give_the_same_run_at_every_chunk_size_and_thread_count() {
    let dir = temp("padded-chunks");
    let mut csv = String::from("id,金额\n");
    let mut jsonl = String::new();
    let mut failing = 0;
    for i in 0..30_000u32 {
        // Every 89th subject's one row is padded; every 97th subject has a second row, padded,
        // which must fail the subject wherever the chunks are cut.
        let mut ids = vec![if i % 89 == 0 {
            format!(" {i}")
        } else {
            i.to_string()
        }];
        if i % 97 == 0 {
            ids.push(format!("{i} "));
        }
        failing += u32::from(i % 89 == 0 || i % 97 == 0);
        for id in ids {
            csv.push_str(&format!("\"{id}\",100\n"));
            jsonl.push_str(&format!("{{\"id\":\"{id}\",\"金额\":\"100\"}}\n"));
        }
    }
    assert!(csv.len() > 300_000);
    std::fs::write(dir.join("p.csv"), &csv).unwrap();
    std::fs::write(dir.join("p.jsonl"), &jsonl).unwrap();
    for population in ["p.csv", "p.jsonl"] {
        let mut runs = Vec::new();
        for (chunk, threads) in [("1", "1"), ("4096", "2"), ("65536", "2"), ("1000000", "1")] {
            let (code, rows, err) = simulate(
                &dir,
                "c.pol",
                population,
                &["--chunk-size", chunk, "--threads", threads],
            );
            let summary: Vec<&str> = err.lines().filter(|l| l.starts_with("rows read")).collect();
            runs.push((code, rows, summary.join("\n")));
        }
        assert!(
            runs[0].2.contains(&format!("errors: {failing}")),
            "{population}: {}",
            runs[0].2
        );
        for r in &runs[1..] {
            assert!(r == &runs[0], "{population}: {} vs {}", r.2, runs[0].2);
        }
    }
}

// ---- F7, small: one rule for a grant's names and keys in every format ----

#[test]
fn a_grants_names_and_keys_read_alike_in_facts_csv_and_json_lines() {
    let dir = temp("grant-rules");
    std::fs::write(
        dir.join("p.csv"),
        "id,合同额,通过验收,验收日期\n1,100万元,true,2024-03-01\n",
    )
    .unwrap();
    // A stage with white space at an end is F0169 in facts, in a CSV history (whose cells were
    // trimmed) and in JSON Lines.
    std::fs::write(
        dir.join("f.json"),
        r#"{"kind":"enterprise","id":"1","attributes":{"合同额":"100万元","通过验收":true,"验收日期":"2024-03-01"},"history":[{"document":"测试〔2024〕22号","clause":"项目资助","date":"2024-02-01","amount":"10万元","stage":" 签约"}]}"#,
    )
    .unwrap();
    let (code, out) = eval(&dir, "st.pol", "f.json");
    assert!(code != 0 && out.contains("F0169"), "{out}");
    std::fs::write(
        dir.join("h.csv"),
        "id,document,clause,date,amount,stage\n1,测试〔2024〕22号,项目资助,2024-02-01,10万元,\" 签约\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("h.jsonl"),
        "{\"id\":\"1\",\"document\":\"测试〔2024〕22号\",\"clause\":\"项目资助\",\"date\":\"2024-02-01\",\"amount\":\"10万元\",\"stage\":\" 签约\"}\n",
    )
    .unwrap();
    for history in ["h.csv", "h.jsonl"] {
        let (_, rows, _) = simulate(&dir, "st.pol", "p.csv", &["--history", history]);
        assert!(rows.contains("F0169"), "{history}: {rows}");
    }
    // A key with white space at an end is no key: F0160 in facts and JSON Lines, and a CSV
    // header naming it is refused likewise (F0261), saying which key it would be.
    std::fs::write(
        dir.join("h.csv"),
        "id,document,clause,date,amount,stage \n1,测试〔2024〕22号,项目资助,2024-02-01,10万元,签约\n",
    )
    .unwrap();
    let (code, _, err) = simulate(&dir, "st.pol", "p.csv", &["--history", "h.csv"]);
    assert_ne!(code, 0);
    assert!(err.contains("`stage `") && err.contains("F0261"), "{err}");
    assert!(err.contains("`stage` with white space at an end"), "{err}");
    std::fs::write(
        dir.join("h.jsonl"),
        "{\"id\":\"1\",\"document\":\"测试〔2024〕22号\",\"clause\":\"项目资助\",\"date\":\"2024-02-01\",\"amount\":\"10万元\",\"stage \":\"签约\"}\n",
    )
    .unwrap();
    let (_, rows, _) = simulate(&dir, "st.pol", "p.csv", &["--history", "h.jsonl"]);
    assert!(
        rows.contains("F0160") && rows.contains("the key `stage `"),
        "{rows}"
    );
    // An amount written as a JSON number in exponent form is the number, as in facts.
    std::fs::write(
        dir.join("h.jsonl"),
        "{\"id\":\"1\",\"document\":\"测试〔2024〕22号\",\"clause\":\"项目资助\",\"date\":\"2024-02-01\",\"amount\":1e5,\"stage\":\"签约\"}\n",
    )
    .unwrap();
    let (_, rows, _) = simulate(&dir, "st.pol", "p.csv", &["--history", "h.jsonl"]);
    assert!(rows.contains("\n2,1,,150000.00,"), "{rows}");
}

// ---- F8: an empty text in a grant ----

#[test]
fn an_empty_text_in_a_grant_is_called_an_empty_text() {
    let dir = temp("empty-grant");
    for (key, found) in [
        ("item", "an empty text"),
        ("claim", "a text of white space only"),
    ] {
        let blank = if key == "item" { "" } else { "  " };
        std::fs::write(
            dir.join("g.json"),
            format!(
                r#"{{"kind":"enterprise","id":"1","attributes":{{"合同额":"100万元"}},"history":[{{"document":"测试〔2024〕22号","clause":"项目资助","date":"2024-02-01","amount":"10万元","stage":"签约","{key}":"{blank}"}}]}}"#
            ),
        )
        .unwrap();
        let (code, out) = eval(&dir, "st.pol", "g.json");
        assert_ne!(code, 0, "{out}");
        assert!(out.contains(&format!("but it is {found}")), "{key}: {out}");
        assert!(!out.contains("a text, but it is a text"), "{key}: {out}");
    }
}
