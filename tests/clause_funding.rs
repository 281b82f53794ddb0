//! Funding per clause (issue 17): a clause may override the header's `funding`; its awards are
//! split among its own payers, by largest remainder on the running total of its funding group
//! (README, "The payer split"), and the decision, the rows and the summary show those payers.
//!
//! The policies here are made up for the case each test states; none cites a gazette article
//! (no article of the four shipped policies is paid by one level only: see policies/README.md).

mod common;
use common::pol;

use pol::{Facts, Options, PolicySet};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A header paid half by 市 and half by 区, then `body`.
fn policy(body: &str) -> String {
    format!(
        "policy \"测〔2024〕9号\" {{\n  title \"分级\"\n  issued 2024-01-01\n  \
         effective 2024-01-01 to 2024-12-31\n  funding {{ 市: 50%, 区: 50% }}\n  same_matter cumulative\n}}\n{body}"
    )
}

const BODY: &str = "input enterprise { 甲额: money, 乙额: money }\n\
    clause 共担 { source \"第一条\" award 甲额 }\n\
    clause 市担 { source \"第二条\" funding { 市: 100% } award 乙额 }\n";

fn facts(a: &str, b: &str) -> Facts {
    Facts::from_json(&format!(
        r#"{{"kind": "enterprise", "id": "E1", "attributes": {{"甲额": "{a}", "乙额": "{b}"}}}}"#
    ))
    .unwrap()
}

#[test]
fn a_clause_paid_by_one_level_is_split_to_that_payer_alone() {
    let set = PolicySet::compile(&[("p.pol", &policy(BODY))]).unwrap();
    let decision = set
        .evaluate(
            &facts("100.01", "50"),
            &Options::on("2024-05-01".parse().unwrap()),
        )
        .unwrap();
    let json = serde_json::to_value(&decision).unwrap();
    let clause = |name: &str| {
        json["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["clause"] == name)
            .unwrap()
            .clone()
    };
    let shared = clause("共担");
    assert_eq!(shared["funding"].as_array().unwrap().len(), 2, "{shared}");
    let city = clause("市担");
    let funding = city["funding"].as_array().unwrap();
    assert_eq!(funding.len(), 1, "{city}");
    assert_eq!(funding[0]["payer"], "市");
    assert_eq!(funding[0]["amount"]["exact"], "50.00");
    // 100.01 split half and half (the odd fen to 市, named first), plus 50 paid by 市 alone.
    let payers: Vec<(String, String)> = json["totals"]["per_payer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["payer"].as_str().unwrap().to_string(),
                p["amount"]["exact"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        payers,
        [
            ("市".into(), "100.01".into()),
            ("区".into(), "50.00".into())
        ]
    );
}

#[test]
fn clause_funding_must_add_up_to_100_percent() {
    let body = BODY.replace("市: 100%", "市: 60%");
    let e = PolicySet::compile(&[("p.pol", &policy(&body))]).unwrap_err();
    assert!(e.to_string().contains("E0401"), "{e}");
    assert!(e.to_string().contains("60%, not 100%"), "{e}");
    let twice = BODY.replace(
        "funding { 市: 100% } award",
        "funding { 市: 100% } funding { 区: 100% } award",
    );
    let e = PolicySet::compile(&[("p.pol", &policy(&twice))]).unwrap_err();
    assert!(e.to_string().contains("gives `funding` twice"), "{e}");
}

/// A population total so large that a payer's exact share needs more digits than a decimal
/// holds (about 10^24 元 split 33.33/66.67): the rows and the payers' totals are written, the
/// informational exact share is left out and the text summary says why, rather than failing
/// the run (it failed with F0401 and wrote nothing).
#[test]
fn an_exact_share_too_large_to_hold_is_left_out_not_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        policy("input enterprise { 甲额: money }\nclause 共担 { source \"第一条\" award 甲额 }\n")
            .replace("市: 50%, 区: 50%", "市: 33.33%, 区: 66.67%");
    std::fs::write(dir.path().join("p.pol"), text).unwrap();
    std::fs::write(
        dir.path().join("pop.csv"),
        "id,甲额\n1,5000000000000000000000000.01\n2,1\n",
    )
    .unwrap();
    let args = [
        "simulate",
        "p.pol",
        "--population",
        "pop.csv",
        "--date",
        "2024-05-01",
        "--out",
        "o.csv",
        "--summary",
        "s.json",
    ];
    let (code, _, err) = pol(&args, dir.path());
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(
        summary["payers"]["市"]["exact"],
        "1666500000000000000000000.33"
    );
    assert_eq!(
        summary["payers"]["区"]["exact"],
        "3333500000000000000000000.68"
    );
    assert_eq!(summary["payers_exact"], serde_json::json!({}), "{summary}");
    // Attack 6 F10: the payers left out are named, so a reader can tell them from no payer.
    assert_eq!(
        summary["payers_exact_left_out"],
        serde_json::json!(["区", "市"]),
        "{summary}"
    );
    // Without `--summary`, the text summary goes to standard output.
    let (code, out, err) = pol(&args[..8], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "市: 1,666,500,000,000,000,000,000,000.33 元 (exact share too large to work out)"
        ),
        "{out}"
    );
}

#[test]
fn simulate_rows_and_summary_carry_the_clause_payers_and_fmt_keeps_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.pol"), policy(BODY)).unwrap();
    std::fs::write(
        dir.path().join("pop.csv"),
        "id,甲额,乙额\n1,100.01,50\n2,0.01,0.01\n",
    )
    .unwrap();
    let (code, out, err) = pol(
        &[
            "simulate",
            "p.pol",
            "--population",
            "pop.csv",
            "--date",
            "2024-05-01",
            "--out",
            "-",
            "--columns",
            "subject,total,市,区,共担,市担",
            "--summary",
            "s.json",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "subject,total,市,区,共担,市担\n1,150.01,100.01,50.00,100.01,50.00\n2,0.02,0.02,0.00,0.01,0.01\n"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(summary["payers"]["市"]["exact"], "100.03");
    assert_eq!(summary["payers"]["区"]["exact"], "50.00");
    // 市 pays under two funding groups: its exact share is half of what the header's group
    // paid (100.02) and all of what its own clause paid (50.01); 区 half of the header's.
    assert_eq!(summary["payers_exact"]["市"]["exact"], "100.02");
    assert_eq!(summary["payers_exact"]["区"]["exact"], "50.01");
    // The formatter keeps the clause's funding line as it lays out the header's.
    let (code, _, err) = pol(&["fmt", "p.pol"], dir.path());
    assert_eq!(code, 0, "{err}");
    let formatted = std::fs::read_to_string(dir.path().join("p.pol")).unwrap();
    assert!(
        formatted.contains("  funding { 市: 100% }\n"),
        "{formatted}"
    );
}

proptest! {
    /// Random awards under three fundings (the header's, and two of the clauses' own): each
    /// award's shares add up to it and go only to its funders; each payer's total is within one
    /// fen of its exact share of each funding group's total (so within one fen per group it is
    /// in), and the payers' totals add up to the subject's.
    #[test]
    fn shares_add_up_and_stay_within_a_fen_per_group(
        amounts in prop::collection::vec(0i64..100_000, 1..8),
    ) {
        let body = "input project { 额: money, 类: enum { 甲, 乙, 丙 } }\n\
            clause 共担 { source \"第一条\" item \"项目\" per project when 类 == 甲 award 额 }\n\
            clause 三方 { source \"第二条\" item \"项目\" per project funding { 区: 33.33%, 县: 33.33%, 市: 33.34% } when 类 == 乙 award 额 }\n\
            clause 市担 { source \"第三条\" item \"项目\" per project funding { 市: 100% } when 类 == 丙 award 额 }\n";
        let set = PolicySet::compile(&[("p.pol", &policy(body))]).unwrap();
        let kinds = ["甲", "乙", "丙"];
        let claims: Vec<String> = amounts
            .iter()
            .enumerate()
            .map(|(k, a)| {
                format!(
                    r#"{{"id": "C{k}", "date": "2024-03-01", "attributes": {{"额": "{}", "类": "{}"}}}}"#,
                    Decimal::new(*a, 2),
                    kinds[k % 3]
                )
            })
            .collect();
        let facts = Facts::from_json(&format!(
            r#"{{"kind": "enterprise", "id": "E1", "attributes": {{}}, "claims": [{}]}}"#,
            claims.join(",")
        ))
        .unwrap();
        let decision = set.evaluate(&facts, &Options::on("2024-05-01".parse().unwrap())).unwrap();
        let json = serde_json::to_value(&decision).unwrap();
        let funders = |clause: &str| -> Vec<(&str, Decimal)> {
            match clause {
                "共担" => vec![("市", d("0.5")), ("区", d("0.5"))],
                "三方" => vec![("区", d("0.3333")), ("县", d("0.3333")), ("市", d("0.3334"))],
                _ => vec![("市", d("1"))],
            }
        };
        let mut exact_by_group: Vec<((String, &str), Decimal)> = Vec::new();
        let mut got: std::collections::BTreeMap<String, Decimal> = Default::default();
        let mut got_by_group: std::collections::BTreeMap<(String, String), Decimal> = Default::default();
        for c in json["clauses"].as_array().unwrap() {
            if c["outcome"] != "awarded" {
                continue;
            }
            let name = c["clause"].as_str().unwrap().to_string();
            let paid = d(c["paid"]["exact"].as_str().unwrap());
            let mut sum = Decimal::ZERO;
            let funding = funders(&name);
            for s in c["funding"].as_array().unwrap() {
                let payer = s["payer"].as_str().unwrap();
                prop_assert!(funding.iter().any(|(p, _)| *p == payer), "{payer} pays {name}");
                let share = d(s["amount"]["exact"].as_str().unwrap());
                sum += share;
                *got.entry(payer.to_string()).or_default() += share;
                *got_by_group.entry((name.clone(), payer.to_string())).or_default() += share;
            }
            prop_assert_eq!(sum, paid);
            for (p, f) in funding {
                match exact_by_group.iter_mut().find(|(k, _)| k.0 == name && k.1 == p) {
                    Some((_, e)) => *e += paid * f,
                    None => exact_by_group.push(((name.clone(), p), paid * f)),
                }
            }
        }
        for ((group, payer), exact) in &exact_by_group {
            let share = got_by_group.get(&(group.clone(), payer.to_string())).copied().unwrap_or_default();
            prop_assert!((share - exact).abs() < d("0.01"), "{group} {payer}: {share} vs {exact}");
        }
        let mut total = Decimal::ZERO;
        for p in json["totals"]["per_payer"].as_array().unwrap() {
            let amount = d(p["amount"]["exact"].as_str().unwrap());
            prop_assert_eq!(Some(&amount), got.get(p["payer"].as_str().unwrap()).or(Some(&Decimal::ZERO)));
            total += amount;
        }
        prop_assert_eq!(total, d(json["totals"]["paid"]["exact"].as_str().unwrap()));
    }
}
