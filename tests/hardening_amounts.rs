//! One canonical form for every amount in every machine output (issue 18): a plain decimal in
//! yuan with at least two decimal places and no trailing zero beyond them (`0.00`,
//! `1000000.00`, `0.125`), whether it comes from a rate, a cap written in 万元, a limit, a range,
//! a bracket, a payer split or a sum. Checked over generated decisions, and over a simulation's
//! rows and summary.

use proptest::prelude::*;
use rust_decimal::Decimal;

use pol::{Facts, Options, PolicySet};

/// Whether `text` is the canonical text of an amount.
fn canonical(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let Some((int, frac)) = digits.split_once('.') else {
        return false;
    };
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    plain(int)
        && (int == "0" || !int.starts_with('0'))
        && plain(frac)
        && frac.len() >= 2
        && (frac.len() == 2 || !frac.ends_with('0'))
        && !(text.starts_with('-') && text.parse::<Decimal>().is_ok_and(|d| d.is_zero()))
}

/// The keys under which machine outputs hold amounts.
const AMOUNT_KEYS: &[&str] = &[
    "exact",
    "min",
    "max",
    "upper_bound",
    "undetermined_upper_bound",
    "sum",
    "p50",
    "p90",
    "p99",
    "budget",
    "paid",
    "overrun",
];

/// Every amount found under an amount key of `v`, with where it is.
fn amounts(v: &serde_json::Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let here = format!("{at}.{k}");
                match x {
                    serde_json::Value::String(s) if AMOUNT_KEYS.contains(&k.as_str()) => {
                        out.push((here, s.clone()));
                    }
                    serde_json::Value::Number(n) if AMOUNT_KEYS.contains(&k.as_str()) => {
                        out.push((here, format!("number {n}")));
                    }
                    _ => amounts(x, &here, out),
                }
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                amounts(x, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_canonical_test_itself() {
    for ok in ["0.00", "1000000.00", "0.125", "-5.50", "36000.01"] {
        assert!(canonical(ok), "{ok}");
    }
    for bad in [
        "0", "1000000", "100000.0", "0.120", "-0.00", "1,000.00", "01.00", "1e3",
    ] {
        assert!(!canonical(bad), "{bad}");
    }
}

fn set() -> PolicySet {
    let root = env!("CARGO_MANIFEST_DIR");
    let a = std::fs::read_to_string(format!("{root}/tests/output/amounts.pol")).unwrap();
    let b = std::fs::read_to_string(format!("{root}/policies/jiazhengfa-2023-15.pol")).unwrap();
    PolicySet::compile(&[("amounts.pol", &a), ("15号.pol", &b)]).unwrap()
}

/// Money as facts give it: whole yuan, fen, or more places; sometimes in 万元.
fn money() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..20_000_000).prop_map(|y| y.to_string()),
        (0i64..2_000_000_000, 0u32..5).prop_map(|(m, s)| Decimal::new(m, s).to_string()),
        (0u32..3000).prop_map(|w| format!("{w}万元")),
        Just("0".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn every_amount_of_every_decision_is_canonical(
        rd in money(), last in money(), revenue in money(), assessed in proptest::option::of(money()),
        new in any::<bool>(), deduct in any::<bool>(),
    ) {
        let set = set();
        let mut attrs = serde_json::json!({
            "研发费用": rd, "上年研发费用": last, "营业收入": revenue, "新认定": new,
            "加计扣除资格": deduct, "规上企业": false, "高新技术企业": false,
        });
        if let Some(a) = assessed {
            attrs["核定金额"] = serde_json::Value::from(a);
        }
        let facts = serde_json::json!({"kind": "enterprise", "id": "E1", "attributes": attrs});
        let facts = Facts::from_json(&facts.to_string()).unwrap();
        for explain in [false, true] {
            let options = Options::on("2024-05-01".parse().unwrap());
            let decision = if explain {
                set.explain(&facts, &options)
            } else {
                set.evaluate(&facts, &options)
            }
            .unwrap();
            let v = serde_json::to_value(&decision).unwrap();
            let mut found = Vec::new();
            amounts(&v, "", &mut found);
            prop_assert!(found.len() > 10);
            for (at, text) in found {
                prop_assert!(canonical(&text), "{} = {:?}", at, text);
            }
        }
    }
}

#[test]
fn simulation_rows_and_summary_are_canonical() {
    let dir = std::env::temp_dir().join(format!("pol-amounts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut pop = String::from("id,研发费用,营业收入,核定金额,新认定\n");
    for i in 0..60u64 {
        let rd = Decimal::new((i * 7_919_113 % 50_000_000) as i64, (i % 4) as u32);
        let assessed = if i % 3 == 0 {
            String::new()
        } else {
            format!("{}万元", i % 40)
        };
        pop.push_str(&format!(
            "E{i:03},{rd},{},{assessed},{}\n",
            i * 123_457,
            i % 2
        ));
    }
    let population = dir.join("pop.csv");
    std::fs::write(&population, pop).unwrap();
    let rows = dir.join("rows.jsonl");
    let summary = dir.join("summary.json");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_pol"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "simulate",
            "tests/output/amounts.pol",
            "--date",
            "2024-05-01",
        ])
        .arg("--population")
        .arg(&population)
        .arg("--out")
        .arg(&rows)
        .arg("--summary")
        .arg(&summary)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let mut found = Vec::new();
    amounts(&v, "summary", &mut found);
    assert!(found.len() > 10, "{found:?}");
    // JSON Lines rows: every amount column (a total, a payer's share or a clause's paid
    // amount) holds a canonical amount or a canonical range.
    for line in std::fs::read_to_string(&rows).unwrap().lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        for (k, x) in row.as_object().unwrap() {
            let Some(text) = x.as_str() else { continue };
            if k == "subject" || k == "claim" || k == "error" || k.ends_with(":outcome") {
                continue;
            }
            for part in text.split("..") {
                found.push((format!("row.{k}"), part.to_string()));
            }
        }
    }
    for (at, text) in found {
        assert!(canonical(&text), "{at} = {text:?}");
    }
}

#[test]
fn a_sum_that_would_drop_places_cannot_be_evaluated_rather_than_lose_the_fen() {
    // `Decimal` makes a sum past 28 digits fit by dropping places: `a + b - b` with a and b
    // 500000000000000000000000000.01 paid ...999.99, a fen less than `a`, without a word.
    let text = "policy \"测〔2024〕1号\" {\n  title \"t\"\n  issued 2024-01-01\n  \
                effective 2024-01-01 to 2024-12-31\n  funding { 甲: 100% }\n  same_matter cumulative\n}\n\
                input enterprise { a: money\n b: money }\nclause c { source \"一\" award a + b - b }\n";
    let set = PolicySet::compile(&[("p.pol", text)]).unwrap();
    let big = "500000000000000000000000000.01";
    let facts = Facts::from_json(&format!(
        r#"{{"kind": "enterprise", "id": "1", "attributes": {{"a": "{big}", "b": "{big}"}}}}"#
    ))
    .unwrap();
    let d = set
        .evaluate(&facts, &Options::on("2024-06-01".parse().unwrap()))
        .unwrap();
    let c = &d.clauses[0];
    assert_eq!(c.outcome, pol::Outcome::CannotEvaluate, "{c:?}");
    assert!(c.paid.is_none(), "{c:?}");
    assert!(
        c.reason.as_deref().unwrap_or("").contains("too large"),
        "{c:?}"
    );
    // A product that would drop the fen likewise (a × 3 came to ...000.0).
    let text = text.replace("award a + b - b", "award a * 3 + b - b");
    let set = PolicySet::compile(&[("p.pol", &text)]).unwrap();
    let d = set
        .evaluate(&facts, &Options::on("2024-06-01".parse().unwrap()))
        .unwrap();
    assert_eq!(
        d.clauses[0].outcome,
        pol::Outcome::CannotEvaluate,
        "{:?}",
        d.clauses[0]
    );
}
