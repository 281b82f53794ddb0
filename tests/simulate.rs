//! `pol simulate` from the command line: rows in input order, the same figures as `pol eval`,
//! bad rows counted with their line, out-of-order populations refused, nothing written on
//! failure, and the same output whatever the thread count.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// `pol simulate` on the shipped 15号 with the given arguments.
fn simulate(args: &[&str]) -> Output {
    let mut all = vec!["simulate", POLICY];
    all.extend_from_slice(args);
    pol(&all)
}

/// `pol simulate` on the shipped 15号 over `population` on `date`, with more arguments.
fn simulate_on(population: &str, date: &str, more: &[&str]) -> Output {
    let mut args = vec!["--population", population, "--date", date];
    args.extend_from_slice(more);
    simulate(&args)
}

/// Asserts that a run succeeded, showing what it printed on failure.
fn assert_ok(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pol-sim-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const POLICY: &str = "policies/jiazhengfa-2023-15.pol";

/// Runs institutions with claims (`rows` under the claims header) on 2024-12-31, writing
/// `dir/rows.csv`: the run and the rows written.
fn institutions(dir: &Path, rows: &str) -> (Output, String) {
    let population = dir.join("p.csv");
    let header = "id,claim_id,claim_date,item,项目类别,通过评审,实付合同金额,科技中介机构\n";
    std::fs::write(&population, format!("{header}{rows}")).unwrap();
    let out = dir.join("rows.csv");
    let o = simulate(&[
        "--kind",
        "institution",
        "--population",
        population.to_str().unwrap(),
        "--date",
        "2024-12-31",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let written = std::fs::read_to_string(&out).unwrap_or_default();
    (o, written)
}

#[test]
fn rows_come_out_in_order_with_the_figures_of_pol_eval() {
    let dir = temp("order");
    let out = dir.join("rows.csv");
    let summary = dir.join("summary.json");
    let o = simulate_on(
        "tests/population/firms.csv",
        "2024-05-01",
        &[
            "--out",
            out.to_str().unwrap(),
            "--summary",
            summary.to_str().unwrap(),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "one bad row: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 5: attributes.研发费用"));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with(
        "line,subject,claim,total,市级财政,区级财政,研发投入补助,研发投入补助:outcome"
    ));
    let firsts: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.split(',').take(4).collect::<Vec<_>>().join(","))
        .collect();
    // Firm 1: article 1, 10% of the 100万元 increase. Firm 2: article 1 fails (14.2% growth),
    // article 2 pays 20万元. Firm 3: 100万元 as a new leading enterprise. Firm 10: article 1's cap
    // of 500万元, plus 50万元 as a "little giant" (the 20万元 recognition is superseded).
    assert_eq!(
        firsts,
        [
            "2,1,,100000.00",
            "3,2,,200000.00",
            "4,3,,1000000.00",
            "5,4,,",
            "6,10,,5500000.00"
        ]
    );
    assert!(lines[4].ends_with("must be money (an amount in 元, e.g. \"\"600万元\"\" or 6000000), but the facts give \"\"很多\"\"\""));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(
        (
            s["rows"].as_u64(),
            s["subjects"].as_u64(),
            s["errors"].as_u64()
        ),
        (Some(5), Some(4), Some(1))
    );
    assert_eq!(s["paid"]["exact"], "6800000.00");
    assert_eq!(s["payers"]["市级财政"]["exact"], "3400000.00");
    assert_eq!(s["clauses"][0]["clause"], "研发投入补助");
    assert_eq!(s["clauses"][0]["awarded"], 2);
    assert_eq!(s["distribution"]["max"], "5500000.00");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn claims_are_rows_of_their_subject() {
    let dir = temp("claims");
    let out = dir.join("rows.jsonl");
    let o = simulate(&[
        "--kind",
        "institution",
        "--population",
        "tests/population/claims.csv",
        "--date",
        "2024-12-31",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_ok(&o);
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Article 5: 3% of 200万元 = 6万元; 3% of 500万元 = 15万元 capped at 10万元; not reviewed: none.
    let paid: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["subject"].as_str().unwrap(),
                r["claim"].as_str().unwrap(),
                r["total"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        paid,
        [
            ("A1", "C1", "60000.00"),
            ("A1", "C2", "100000.00"),
            ("A2", "C1", "0.00")
        ]
    );
    assert_eq!(
        rows[2]["clauses"]["中介机构技术转移奖励"]["outcome"],
        "not_eligible"
    );
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["paid"]["exact"], "160000.00");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn out_of_order_subjects_are_refused_and_nothing_is_written() {
    let dir = temp("unsorted");
    let population = dir.join("p.csv");
    std::fs::write(&population, "id,研发费用\n2,1元\n10,1元\n3,1元\n").unwrap();
    let out = dir.join("rows.csv");
    std::fs::write(&out, "old contents\n").unwrap();
    let o = simulate_on(
        population.to_str().unwrap(),
        "2024-05-01",
        &["--out", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 4: subject `3` comes after `10`"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "old contents\n",
        "the old file is untouched"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn max_errors_stops_cleanly() {
    let dir = temp("maxerr");
    let population = dir.join("p.csv");
    let mut text = String::from("id,研发费用\n");
    for i in 1..=2000 {
        text.push_str(&format!("{i},{}\n", if i % 10 == 0 { "坏" } else { "1元" }));
    }
    std::fs::write(&population, text).unwrap();
    let out = dir.join("rows.csv");
    let o = simulate_on(
        population.to_str().unwrap(),
        "2024-05-01",
        &["--out", out.to_str().unwrap(), "--max-errors", "3"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--max-errors"));
    assert!(!out.exists(), "nothing written");
    std::fs::remove_dir_all(dir).unwrap();
}

fn generated(dir: &Path, n: usize) -> PathBuf {
    let p = dir.join("many.csv");
    let mut text = String::from(
        "id,加计扣除资格,研发费用,上年研发费用,营业收入,规上企业,首次认定高新技术企业\n",
    );
    let mut x: u64 = 7;
    for i in 1..=n {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let last = 500_000 + (x >> 40) % 10_000_000;
        let spend = last + (x >> 20) % (last / 2);
        text.push_str(&format!(
            "{i},1,{spend}.37,{last}.11,{},{},{}\n",
            spend * 30,
            (x >> 7) % 2,
            (x >> 9) % 7 == 0
        ));
    }
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn results_are_the_same_with_one_thread_or_several() {
    let dir = temp("threads");
    let population = generated(&dir, 3000);
    let run = |threads: &str| {
        let out = dir.join(format!("rows-{threads}.csv"));
        let o = simulate_on(
            population.to_str().unwrap(),
            "2024-05-01",
            &[
                "--out",
                out.to_str().unwrap(),
                "--threads",
                threads,
                "--format",
                "json",
            ],
        );
        assert_ok(&o);
        (
            std::fs::read_to_string(out).unwrap(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let one = run("1");
    let three = run("3");
    assert_eq!(one, three);
    assert_eq!(one.0.lines().count(), 3001);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_peer_workload_reproduces_the_reference_rows() {
    // The four worked examples of ../shared/bench/peers/RESULTS.md, through benches/peer/run.sh.
    let dir = temp("peer");
    let out = dir.join("canonical.csv");
    let o = Command::new("bash")
        .args([
            "benches/peer/run.sh",
            "tests/population/peer-examples.csv",
            out.to_str().unwrap(),
        ])
        .env("POL", env!("CARGO_BIN_EXE_pol"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "firm_id,rule_a_eligible,rule_b_eligible,rule_c_eligible,award_a,award_b,award_c,total,city_share,district_share\n\
         3715,0,1,1,0.00,500000.00,13986.71,513986.71,256993.36,256993.35\n\
         8463,0,0,1,0.00,0.00,32388.97,32388.97,16194.49,16194.48\n\
         42765,1,0,1,4999999.99,0.00,35070.56,5035070.55,2517535.28,2517535.27\n\
         63363,1,0,1,115817.21,0.00,77323.90,193141.11,96570.56,96570.55\n"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_peer_summary_splits_each_firms_total_once() {
    // `split per_subject`: each firm's total is halved once, the district taking the odd cent
    // (../shared/bench/peers/RESULTS.md); the four worked examples' shares add up to these.
    let o = pol(&[
        "simulate",
        "benches/peer/peer.pol",
        "--population",
        "tests/population/peer-examples.csv",
        "--id-column",
        "firm_id",
        "--date",
        "2024-06-30",
        "--format",
        "json",
    ]);
    assert_ok(&o);
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["paid"]["exact"], "5774587.34");
    assert_eq!(summary["payers"]["市级财政"]["exact"], "2887293.69");
    assert_eq!(summary["payers"]["区级财政"]["exact"], "2887293.65");
}

#[test]
fn outputs_to_links_and_devices_are_written_through_not_replaced() {
    let dir = temp("links");
    let real = dir.join("real.csv");
    std::fs::write(&real, "old\n").unwrap();
    let link = dir.join("link.csv");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let o = simulate(&[
        "--population",
        "tests/population/claims.csv",
        "--kind",
        "institution",
        "--date",
        "2024-12-31",
        "--out",
        link.to_str().unwrap(),
        "--summary",
        "/dev/null",
    ]);
    assert_ok(&o);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still a link"
    );
    assert!(std::fs::read_to_string(&real)
        .unwrap()
        .starts_with("line,subject"));
    assert!(
        !std::fs::symlink_metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_file(),
        "/dev/null is still a device"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bad_row_fails_its_whole_subject_and_split_subjects_are_refused() {
    let dir = temp("badrow");
    let (o, rows) = institutions(
        &dir,
        "A1,C1,2024-03-01,技术转移,技术开发,1,200万元,1\n\
         A1,C2,2024-13-01,技术转移,技术开发,1,200万元,1\n\
         A1,C3,2024-05-01,技术转移,技术开发,1,200万元,1\n\
         A2,C1,2024-03-01,技术转移,技术开发,1,100万元,1\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let population = dir.join("p.csv");
    let out = dir.join("rows.csv");
    let lines: Vec<&str> = rows.lines().collect();
    assert_eq!(lines.len(), 5, "one output line per input line");
    // A1 is not evaluated without its unreadable claim: no partial total for it.
    for l in &lines[1..4] {
        let cells: Vec<&str> = l.split(',').collect();
        assert_eq!((cells[1], cells[3]), ("A1", ""), "{l}");
    }
    assert!(lines[2].contains("`2024-13-01` in column `claim_date` is not a date"));
    assert!(lines[1].contains("subject `A1` is not evaluated: line 3 cannot be read"));
    assert!(lines[4].starts_with("5,A2,C1,30000.00"), "{}", lines[4]);
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["paid"]["exact"], "30000.00");

    std::fs::write(&population, "id,研发费用\n1,1元\n2,1元\n1,1元\n").unwrap();
    let o = simulate_on(
        population.to_str().unwrap(),
        "2024-05-01",
        &["--out", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 4: subject `1` comes after `2`"));
    std::fs::write(&population, "id,研发费用\n1,1元\n1,1元\n").unwrap();
    let o = simulate_on(population.to_str().unwrap(), "2024-05-01", &[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "two rows of one subject without claim ids"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A CSV row of one subject is bound by column position; the same firms as JSON Lines go
/// through the facts by name. Both must give the same rows, empty cells counting as not given
/// (so declared defaults apply) whatever the column order.
#[test]
fn csv_cells_by_position_give_the_rows_of_facts_by_name() {
    let dir = temp("positions");
    let csv = dir.join("p.csv");
    std::fs::write(
        &csv,
        "新认定省科技企业,研发费用,id,营业收入,加计扣除资格,上年研发费用,首次认定高新技术企业\n\
         ,600万元,1,1.5亿元,1,500万元,\n\
         省科技领军企业,,2,,,,1\n\
         ,115万元,3,2000万元,1,100万元,0\n",
    )
    .unwrap();
    let jsonl = dir.join("p.jsonl");
    std::fs::write(
        &jsonl,
        "{\"id\": \"1\", \"研发费用\": \"600万元\", \"营业收入\": \"1.5亿元\", \"加计扣除资格\": \"1\", \"上年研发费用\": \"500万元\"}\n\
         {\"id\": \"2\", \"新认定省科技企业\": \"省科技领军企业\", \"首次认定高新技术企业\": \"1\"}\n\
         {\"id\": \"3\", \"研发费用\": \"115万元\", \"营业收入\": \"2000万元\", \"加计扣除资格\": \"1\", \"上年研发费用\": \"100万元\", \"首次认定高新技术企业\": \"0\"}\n",
    )
    .unwrap();
    let rows = |population: &Path| {
        let out = dir.join("rows.csv");
        let o = simulate_on(
            population.to_str().unwrap(),
            "2024-05-01",
            &["--out", out.to_str().unwrap()],
        );
        assert_ok(&o);
        // The line column differs (JSON Lines has no header line); the rest must not.
        std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split_once(',').unwrap().1.to_string())
            .collect::<Vec<_>>()
    };
    let by_position = rows(&csv);
    assert_eq!(by_position, rows(&jsonl));
    // Firm 1: 10% of the 100万元 increase (第一条). Firm 2: 100万元 as a leading enterprise and
    // 20万元 for its first recognition, one matter: the higher is paid (第二条). Firm 3: growth of
    // exactly 15% qualifies ("以上" includes it): 1.5万元.
    let totals: Vec<&str> = by_position
        .iter()
        .map(|r| r.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(totals, ["100000.00", "1000000.00", "15000.00"]);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The cells of a CSV text by column title, row by row.
fn table(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn chosen_columns_agree_with_the_full_rows() {
    let dir = temp("columns");
    let full = dir.join("full.csv");
    let chosen = dir.join("chosen.csv");
    let run = |out: &Path, columns: Option<&str>| {
        let mut args = vec![
            "--population",
            "tests/population/firms.csv",
            "--date",
            "2024-05-01",
            "--out",
            out.to_str().unwrap(),
        ];
        if let Some(c) = columns {
            args.extend(["--columns", c]);
        }
        simulate(&args)
    };
    assert_eq!(run(&full, None).status.code(), Some(1), "one bad row");
    let spec = "编号=subject,line,培育=matter:科技企业培育,培育获奖=matter:科技企业培育:eligible,\
                高企=高新技术企业认定奖励,高企结果=高新技术企业认定奖励:outcome,\
                高企获奖=高新技术企业认定奖励:eligible,total,市级财政,error";
    assert_eq!(run(&chosen, Some(spec)).status.code(), Some(1));
    let full = table(&std::fs::read_to_string(&full).unwrap());
    let text = std::fs::read_to_string(&chosen).unwrap();
    assert!(
        text.starts_with("编号,line,培育,培育获奖,高企,高企结果,高企获奖,total,市级财政,error\n")
    );
    let chosen = table(&text);
    assert_eq!(full.len(), chosen.len());
    let matter = [
        "高新技术企业认定奖励",
        "技术先进型服务企业认定奖励",
        "省科技领军企业奖励",
        "省科技小巨人企业奖励",
    ];
    let held = |o: &str| o == "awarded" || o == "superseded";
    let mut eligible_rows = 0;
    for (f, c) in full.iter().zip(&chosen) {
        assert_eq!(f["subject"], c["编号"]);
        assert_eq!(f["line"], c["line"]);
        assert_eq!(f["error"], c["error"]);
        if !f["error"].is_empty() {
            // A bad row keeps its line, subject and error; computed cells stay empty.
            assert_eq!(c["total"], "");
            assert_eq!(c["培育获奖"], "");
            continue;
        }
        let sum: rust_decimal::Decimal = matter
            .iter()
            .map(|m| f[*m].parse::<rust_decimal::Decimal>().unwrap())
            .sum();
        assert_eq!(c["培育"].parse::<rust_decimal::Decimal>().unwrap(), sum);
        let any = matter.iter().any(|m| held(&f[&format!("{m}:outcome")]));
        assert_eq!(c["培育获奖"], if any { "1" } else { "0" });
        eligible_rows += usize::from(any);
        assert_eq!(c["高企"], f["高新技术企业认定奖励"]);
        assert_eq!(c["高企结果"], f["高新技术企业认定奖励:outcome"]);
        let flag = held(&f["高新技术企业认定奖励:outcome"]);
        assert_eq!(c["高企获奖"], if flag { "1" } else { "0" });
        assert_eq!(c["total"], f["total"]);
        assert_eq!(c["市级财政"], f["市级财政"]);
    }
    assert!(
        eligible_rows > 0,
        "the population has firms with a recognition"
    );

    // JSON Lines: one flat object per row, amounts as decimal strings.
    let jsonl = dir.join("chosen.jsonl");
    assert_eq!(
        run(
            &jsonl,
            Some("subject,total,高企=高新技术企业认定奖励:outcome")
        )
        .status
        .code(),
        Some(1)
    );
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), full.len());
    assert_eq!(rows[0]["subject"], serde_json::json!(full[0]["subject"]));
    assert_eq!(rows[0]["total"], serde_json::json!(full[0]["total"]));
    assert_eq!(
        rows[0]["高企"],
        serde_json::json!(full[0]["高新技术企业认定奖励:outcome"])
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unknown_columns_are_refused_with_the_closest_name() {
    for (spec, says) in [
        (
            "subject,高新技术企业认定奖",
            "did you mean `高新技术企业认定奖励`",
        ),
        ("matter:科技企业培", "did you mean `matter:科技企业培育`"),
        ("subject,,total", "empty column"),
        ("=total", "empty title"),
        ("市级财政:outcome", "is not a column"),
    ] {
        let o = simulate_on(
            "tests/population/firms.csv",
            "2024-05-01",
            &["--columns", spec],
        );
        assert_eq!(o.status.code(), Some(2), "{spec}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{spec}: {err}");
    }
}

/// Institutions with one to four claims each, a bad claim date, a quoted cell with a line break
/// in a column no policy reads, and the same firms as JSON Lines.
fn mixed(dir: &Path) -> (PathBuf, PathBuf) {
    let csv = dir.join("mixed.csv");
    let jsonl = dir.join("mixed.jsonl");
    let mut c = String::from(
        "id,claim_id,claim_date,item,项目类别,通过评审,实付合同金额,备注,科技中介机构\n",
    );
    let mut j = String::new();
    let mut x: u64 = 11;
    for i in 1..=300u64 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        for k in 1..=(1 + (x >> 33) % 4) {
            let date = if i == 77 && k == 2 {
                "2024-02-30".to_string()
            } else {
                format!("2024-{:02}-{:02}", 1 + (x >> (k * 3)) % 12, 1 + k * 5)
            };
            let kind = ["技术开发", "技术转让", "其他"][((x >> (k * 5)) % 3) as usize];
            let reviewed = (x >> (k * 7)) % 5 != 0;
            let amount = format!("{}.{:02}", (x >> (k * 11)) % 9_000_000, (x >> 17) % 100);
            let note = if (x >> 21) % 9 == 0 {
                "\"two\nlines\""
            } else {
                ""
            };
            // 嘉政发〔2023〕15号 第五条 pays a science and technology intermediary agency.
            c.push_str(&format!(
                "{i},C{k},{date},技术转移,{kind},{},{amount},{note},1\n",
                u8::from(reviewed)
            ));
            // The note is no input: reported as ignored in both formats.
            let note_key = if note.is_empty() {
                ""
            } else {
                ",\"备注\":\"two\\nlines\""
            };
            j.push_str(&format!(
                "{{\"id\":{i},\"claim_id\":\"C{k}\",\"claim_date\":\"{date}\",\"item\":\"技术转移\",\"项目类别\":\"{kind}\",\"通过评审\":{reviewed},\"实付合同金额\":\"{amount}\",\"科技中介机构\":true{note_key}}}\n"
            ));
        }
    }
    std::fs::write(&csv, c).unwrap();
    std::fs::write(&jsonl, j).unwrap();
    (csv, jsonl)
}

#[test]
fn results_do_not_depend_on_how_the_file_is_cut() {
    let dir = temp("chunks");
    let (csv, jsonl) = mixed(&dir);
    let run = |population: &Path, chunk: &str, threads: &str, out: &str| {
        let out = dir.join(out);
        let o = simulate(&[
            "--kind",
            "institution",
            "--population",
            population.to_str().unwrap(),
            "--date",
            "2024-12-31",
            "--out",
            out.to_str().unwrap(),
            "--chunk-size",
            chunk,
            "--threads",
            threads,
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(1), "one subject has a bad claim date");
        (
            std::fs::read_to_string(out).unwrap(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let whole = run(&csv, "16777216", "1", "whole.csv");
    assert!(whole
        .2
        .contains("`2024-02-30` in column `claim_date` is not a date"));
    let summary: serde_json::Value = serde_json::from_str(&whole.1).unwrap();
    assert_eq!(summary["subjects"], 299, "{}", whole.2);
    assert_eq!(summary["errors"], 1);
    let awarded = |c: &serde_json::Value| c["awarded"].as_u64().unwrap();
    assert!(summary["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| awarded(c) > 0));
    for chunk in ["1", "50", "700", "4096"] {
        for threads in ["1", "3"] {
            let cut = run(&csv, chunk, threads, "cut.csv");
            assert_eq!(cut, whole, "chunks of {chunk} bytes, {threads} threads");
        }
    }
    // JSON Lines give the same figures (the rows' text differs only in its format).
    let one = run(&jsonl, "16777216", "1", "whole.jsonl");
    let cut = run(&jsonl, "64", "3", "cut.jsonl");
    assert_eq!(one, cut);
    assert_eq!(one.1, whole.1, "the same summary from CSV and JSON Lines");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn subjects_out_of_order_across_chunks_are_refused() {
    let dir = temp("chunk-order");
    let population = dir.join("p.csv");
    let out = dir.join("rows.csv");
    let mut text = String::from("id,研发费用\n");
    for i in 1..=200 {
        text.push_str(&format!("{i},1元\n"));
    }
    // Subject 150 again, far from its first row: a chunk of its own at small sizes.
    text.push_str("150,1元\n201,1元\n");
    std::fs::write(&population, &text).unwrap();
    for chunk in ["1", "30", "100000"] {
        let o = simulate_on(
            population.to_str().unwrap(),
            "2024-05-01",
            &["--out", out.to_str().unwrap(), "--chunk-size", chunk],
        );
        assert_eq!(o.status.code(), Some(1), "chunks of {chunk}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("line 202: subject `150` comes after `200`"),
            "chunks of {chunk}: {err}"
        );
        assert!(!out.exists(), "nothing is written");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_row_of_the_wrong_width_fails_its_subject_not_the_run() {
    let dir = temp("width");
    let (o, rows) = institutions(
        &dir,
        "A1,C1,2024-03-01,技术转移,技术开发,1,200万元,1\n\
         A1,C2,2024-03-02,技术转移,技术开发,1,200万元,1,extra\n\
         A1,C3,2024-03-03,技术转移,技术开发,1,200万元,1\n\
         A2,C1,2024-03-01,技术转移,技术开发,1,100万元,1\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<&str> = rows.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[1].starts_with("2,A1,") && lines[1].ends_with("line 3 cannot be read (F0207)"));
    assert!(
        lines[2].ends_with("it has 9 cells but the header has 8 (F0204)"),
        "{}",
        lines[2]
    );
    assert!(lines[3].starts_with("4,A1,") && lines[3].ends_with("line 3 cannot be read (F0207)"));
    // Article 5: 3% of 100万元 = 3万元 for A2, evaluated as usual.
    assert!(lines[4].starts_with("5,A2,C1,30000.00"), "{}", lines[4]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_new_output_file_gets_the_permissions_of_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp("mode");
    let reference = dir.join("reference");
    std::fs::File::create(&reference).unwrap();
    let out = dir.join("rows.csv");
    let summary = dir.join("summary.json");
    let o = simulate_on(
        "tests/population/peer-examples.csv",
        "2024-05-01",
        &[
            "--id-column",
            "firm_id",
            "--out",
            out.to_str().unwrap(),
            "--summary",
            summary.to_str().unwrap(),
        ],
    );
    assert!(o.status.code().is_some());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), mode(&reference));
    assert_eq!(mode(&summary), mode(&reference));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_json_line_that_is_not_utf8_is_an_error_not_replaced_text() {
    let dir = temp("utf8");
    let population = dir.join("p.jsonl");
    std::fs::write(
        &population,
        b"{\"id\":\"1\",\"\xe7\xa0\x94\xe5\x8f\x91\xe8\xb4\xb9\xe7\x94\xa8\":\"1\"}\n{\"id\":\"2\",\"x\":\"\xff\"}\n",
    )
    .unwrap();
    let out = dir.join("rows.jsonl");
    let o = simulate_on(
        population.to_str().unwrap(),
        "2024-05-01",
        &["--out", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 2: the line is not UTF-8 text"));
    let rows = std::fs::read_to_string(&out).unwrap();
    assert_eq!(rows.lines().count(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_column_named_twice_is_refused() {
    let dir = temp("twice");
    let population = dir.join("p.csv");
    std::fs::write(&population, "id,研发费用,研发费用\n1,1元,2元\n").unwrap();
    let o = simulate_on(population.to_str().unwrap(), "2024-05-01", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the column `研发费用` appears twice"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bad_claim_date_is_reported_even_on_a_row_without_a_claim() {
    let dir = temp("claimdate");
    let population = dir.join("p.csv");
    std::fs::write(
        &population,
        "id,claim_id,claim_date,研发费用\n1,,2024-13-01,1元\n2,,2024-03-01,1元\n",
    )
    .unwrap();
    let o = simulate_on(population.to_str().unwrap(), "2024-05-01", &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 2: `2024-13-01` in column `claim_date` is not a date"));
    // A good date without a claim id is a claim that cannot be told apart (attack run 6, F1):
    // refused, as `pol eval` refuses a claim without an id (F0105), never dropped.
    assert!(
        err.contains("line 3: the row gives a claim (`claim_date`) but no claim id"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_code_column_gives_each_failed_row_its_problem_code() {
    let dir = temp("codes");
    let population = dir.join("p.csv");
    let out = dir.join("rows.csv");
    std::fs::write(
        &population,
        "id,claim_id,claim_date,item,项目类别,通过评审,实付合同金额\n\
         A1,C1,2024-03-01,技术转移,技术开发,1,200万元\n\
         A1,C2,2024-13-01,技术转移,技术开发,1,200万元\n\
         A2,C1,2024-03-01,技术转移,技术开发,1,100万元,surplus\n\
         ,C1,2024-03-01,技术转移,技术开发,1,100万元\n\
         A3,C1,,技术转移,技术开发,1,100万元\n\
         A4,C1,2024-03-01,技术转移,技术开发,1,100万元\n",
    )
    .unwrap();
    let o = simulate(&[
        "--kind",
        "institution",
        "--population",
        population.to_str().unwrap(),
        "--date",
        "2024-12-31",
        "--out",
        out.to_str().unwrap(),
        "--columns",
        "line,subject,code,error",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let rows = std::fs::read_to_string(&out).unwrap();
    let codes: Vec<(&str, &str)> = rows
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.splitn(4, ',').collect();
            (cells[0], cells[2])
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("2", "F0207"),
            ("3", "F0107"),
            ("4", "F0204"),
            ("5", "F0206"),
            ("6", "F0208"),
            ("7", ""),
        ],
        "{rows}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_department_spelled_two_ways_is_one_line_of_the_summary() {
    // Attack run 11, B1: `市科技局（一）` and `市科技局(一)` are one key (README, Keys), but the
    // summary gave each its own line. Each clause pays 额 to E1 (100) and E2 (50).
    let dir = temp("departments");
    let clause = |name: &str, article: &str, department: &str| {
        format!("clause {name} {{\n  source \"{article}\"\n  department \"{department}\"\n  award 额\n}}\n")
    };
    let policy = format!(
        "policy \"测〔2024〕62号\" {{\n  title \"部门键\"\n  issued 2023-01-01\n  \
         effective 2023-01-01 to 2025-12-31\n  funding {{ 市财政: 100% }}\n  same_matter cumulative\n}}\n\
         input enterprise {{\n  额: money = 0元\n}}\n{}{}",
        clause("甲", "第一条", "市科技局（一）"),
        clause("乙", "第二条", "市科技局(一)")
    );
    std::fs::write(dir.join("p.pol"), policy).unwrap();
    std::fs::write(dir.join("pop.csv"), "id,额\nE1,100\nE2,50\n").unwrap();
    let s = dir.join("s.json");
    let o = pol(&[
        "simulate",
        dir.join("p.pol").to_str().unwrap(),
        "--population",
        dir.join("pop.csv").to_str().unwrap(),
        "--date",
        "2024-05-01",
        "--summary",
        s.to_str().unwrap(),
    ]);
    assert_ok(&o);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&s).unwrap()).unwrap();
    assert_eq!(
        v["departments"],
        serde_json::json!({"市科技局（一）": {"exact": "300.00"}}),
        "{v}"
    );
    assert_eq!(v["paid"]["exact"], "300.00");
}
