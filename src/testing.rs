//! Policy tests: cases written beside a policy, each with facts, a date, settings and the
//! expected outcome per clause, run by `pol test`.
//!
//! Input: the text of a `<policy>.tests.toml` file and the policy set it tests. Output: per case,
//! whether every expectation held, and for a failure what was expected, what was found and the
//! explanation. Guarantee: money in a test file is read exactly; a float in the facts is
//! refused rather than rounded.
//!
//! The format:
//!
//! ```toml
//! policies = ["jiazhengfa-2023-15.pol"]   # optional; default: the .pol of the same stem
//!
//! [[case]]
//! name = "研发费用600万元、增幅20%"
//! article = "第一条"                     # the article the expectations derive from
//! date = 2024-05-01
//! settings = { 一定比例 = "10%" }          # optional
//! facts = { kind = "enterprise", id = "T1", attributes = { 研发费用 = "600万元" } }
//! expect = { total = "100000.00", 研发投入补助 = "awarded 100000.00" }
//! ```
//!
//! An expectation is an outcome (`awarded`, `not_eligible`, `not_in_force`, `undetermined`,
//! `cannot_evaluate`, `superseded`, `not_yet`), optionally followed by the amount paid (`awarded 20000`),
//! a range (`awarded 0..600000`), or for undetermined clauses the bound (`undetermined <= 3000000`).
//! A per-claim clause is named with its claim: `技术转移奖励[合同-1]`. `total` is the total paid.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::eval::decision::{ClauseResult, Decision};
use crate::eval::{Amount, Facts, Options, Outcome, PolicySet};

/// One test case.
#[derive(Clone, Debug)]
pub struct Case {
    /// What it tests, in words.
    pub name: String,
    /// The article its expectations derive from.
    pub article: String,
    /// The evaluation date.
    pub date: NaiveDate,
    /// Settings for open parameters.
    pub settings: BTreeMap<String, String>,
    /// The facts, as JSON text.
    pub facts: String,
    /// Expectations: `total` or a clause (with `[claim]`), and what is expected.
    pub expect: Vec<(String, Expected)>,
}

/// What a test expects of a clause or the total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// The outcome (none for `total`).
    pub outcome: Option<Outcome>,
    /// The amount, if given.
    pub amount: Option<ExpectedAmount>,
    /// The text as written.
    pub text: String,
}

/// An expected amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedAmount {
    /// Paid exactly this (or this range).
    Paid(Amount),
    /// Undetermined, with at most this.
    AtMost(Decimal),
}

/// A parsed test file.
#[derive(Clone, Debug)]
pub struct TestFile {
    /// Policy files named by the test file (relative to it), if any.
    pub policies: Vec<String>,
    /// The cases in order.
    pub cases: Vec<Case>,
}

fn decimal(text: &str) -> Result<Decimal, String> {
    Decimal::from_str_exact(text.trim()).map_err(|_| format!("`{text}` is not an amount in 元"))
}

fn amount(text: &str) -> Result<Amount, String> {
    match text.split_once("..") {
        Some((a, b)) => Ok(Amount::between(decimal(a)?, decimal(b)?)),
        None => Ok(Amount::Exact(decimal(text)?)),
    }
}

impl Expected {
    /// Parses `awarded 20000`, `not_eligible`, `undetermined <= 300`, or a bare amount (total).
    pub fn parse(text: &str, total: bool) -> Result<Expected, String> {
        let t = text.trim();
        if total {
            return Ok(Expected {
                outcome: None,
                amount: Some(ExpectedAmount::Paid(amount(t)?)),
                text: t.to_string(),
            });
        }
        let (word, rest) = t.split_once(' ').unwrap_or((t, ""));
        let outcome = Outcome::from_key(word).ok_or_else(|| {
            format!("`{word}` is not an outcome; use awarded, not_eligible, not_in_force, undetermined, cannot_evaluate, superseded or not_yet")
        })?;
        let rest = rest.trim();
        let amount = if rest.is_empty() {
            None
        } else if let Some(bound) = rest.strip_prefix("<=") {
            Some(ExpectedAmount::AtMost(decimal(bound)?))
        } else {
            Some(ExpectedAmount::Paid(amount(rest)?))
        };
        Ok(Expected {
            outcome: Some(outcome),
            amount,
            text: t.to_string(),
        })
    }
}

/// TOML facts to JSON, refusing floats (they would not be exact).
fn to_json(v: &toml::Value, path: &str) -> Result<serde_json::Value, String> {
    Ok(match v {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Float(_) => {
            return Err(format!(
                "{path} is written as a float; write amounts as text so they stay exact, e.g. \"1234.56\" or \"20万元\""
            ))
        }
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| to_json(x, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, x)| Ok((k.clone(), to_json(x, &format!("{path}.{k}"))?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

fn text_of(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        _ => None,
    }
}

impl TestFile {
    /// Parses a test file, reporting the first problem with the case it is in.
    pub fn parse(text: &str) -> Result<TestFile, String> {
        let root: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
        let policies = match root.get("policies") {
            None => Vec::new(),
            Some(toml::Value::Array(a)) => a.iter().filter_map(text_of).collect(),
            Some(_) => return Err("`policies` must be a list of file names".to_string()),
        };
        let mut cases = Vec::new();
        let list = match root.get("case") {
            Some(toml::Value::Array(a)) => a.as_slice(),
            _ => return Err("the file has no `[[case]]`".to_string()),
        };
        for (i, c) in list.iter().enumerate() {
            let Some(t) = c.as_table() else {
                return Err(format!("case {} is not a table", i + 1));
            };
            let name = t
                .get("name")
                .and_then(text_of)
                .unwrap_or_else(|| format!("case {}", i + 1));
            let at = |what: &str| format!("case `{name}`: {what}");
            let article = t
                .get("article")
                .and_then(text_of)
                .ok_or_else(|| at("no `article` (the article the case derives from)"))?;
            let date_text = t
                .get("date")
                .and_then(text_of)
                .ok_or_else(|| at("no `date`"))?;
            let date = NaiveDate::from_str(&date_text)
                .map_err(|_| at(&format!("`{date_text}` is not a date")))?;
            let mut settings = BTreeMap::new();
            if let Some(s) = t.get("settings") {
                let s = s
                    .as_table()
                    .ok_or_else(|| at("`settings` must be a table"))?;
                for (k, v) in s {
                    settings.insert(
                        k.clone(),
                        text_of(v).ok_or_else(|| at(&format!("setting `{k}` must be text")))?,
                    );
                }
            }
            let facts = t.get("facts").ok_or_else(|| at("no `facts`"))?;
            let facts = to_json(facts, "facts").map_err(|e| at(&e))?.to_string();
            let expect_table = t
                .get("expect")
                .and_then(|e| e.as_table())
                .ok_or_else(|| at("no `expect` table"))?;
            let mut expect = Vec::new();
            for (k, v) in expect_table {
                let text =
                    text_of(v).ok_or_else(|| at(&format!("expectation `{k}` must be text")))?;
                let e =
                    Expected::parse(&text, k == "total").map_err(|e| at(&format!("{k}: {e}")))?;
                expect.push((k.clone(), e));
            }
            if expect.is_empty() {
                return Err(at("`expect` is empty"));
            }
            cases.push(Case {
                name,
                article,
                date,
                settings,
                facts,
                expect,
            });
        }
        Ok(TestFile { policies, cases })
    }
}

/// The outcome of one case.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// Whether every expectation held.
    pub passed: bool,
    /// For a failure: each expectation that did not hold, in words.
    pub mismatches: Vec<String>,
    /// For a failure: the explanation of the decision (or the problems with the facts).
    pub explanation: String,
}

fn key_of(c: &ClauseResult<'_>) -> String {
    match &c.claim {
        Some(id) => format!("{}[{id}]", c.clause),
        None => c.clause.to_string(),
    }
}

fn describe(c: &ClauseResult<'_>) -> String {
    let words = c.outcome.key();
    match (c.outcome, c.paid, c.upper_bound) {
        (Outcome::Awarded, Some(Amount::Exact(d)), _) => format!("{words} {d}"),
        (Outcome::Awarded, Some(Amount::Range { min, max }), _) => format!("{words} {min}..{max}"),
        (Outcome::Undetermined, _, Some(u)) => format!("{words} <= {u}"),
        _ => words.to_string(),
    }
}

fn check(decision: &Decision<'_>, key: &str, e: &Expected) -> Option<String> {
    if key == "total" {
        let got = decision.totals.paid;
        return match e.amount {
            Some(ExpectedAmount::Paid(want)) if want == got => None,
            _ => Some(format!(
                "total: expected {}, got {}",
                e.text,
                crate::eval::format::amount(got)
            )),
        };
    }
    let Some(c) = decision.clauses.iter().find(|c| key_of(c) == key) else {
        let known: Vec<String> = decision.clauses.iter().map(key_of).collect();
        return Some(format!(
            "{key}: no such clause result (there are: {})",
            known.join(", ")
        ));
    };
    let outcome_ok = e.outcome == Some(c.outcome);
    let amount_ok = match e.amount {
        None => true,
        Some(ExpectedAmount::Paid(want)) => c.paid == Some(want),
        Some(ExpectedAmount::AtMost(b)) => c.upper_bound == Some(b),
    };
    if outcome_ok && amount_ok {
        None
    } else {
        Some(format!("{key}: expected {}, got {}", e.text, describe(c)))
    }
}

/// A case cites the article its expectations derive from: the article must be the `source`
/// of at least one clause the case expects something of (of any clause evaluated, when the case
/// expects only the total), so that a case cannot cite the wrong article. `None` when it is.
fn check_article(decision: &Decision<'_>, case: &Case) -> Option<String> {
    let named: Vec<&ClauseResult<'_>> = decision
        .clauses
        .iter()
        .filter(|c| case.expect.iter().any(|(k, _)| *k == key_of(c)))
        .collect();
    let cited: Vec<&ClauseResult<'_>> = if named.is_empty() {
        decision.clauses.iter().collect()
    } else {
        named
    };
    let article = case.article.trim();
    if cited.iter().any(|c| c.citation.article.trim() == article) {
        return None;
    }
    let mut sources: Vec<String> = cited
        .iter()
        .map(|c| format!("`{}` is from `{}`", c.clause, c.citation.article))
        .collect();
    sources.dedup();
    Some(format!(
        "article: `{article}` is not the source of any clause this case expects something of \
         ({}); cite the article the expectations derive from",
        if sources.is_empty() {
            "no clause applies".to_string()
        } else {
            sources.join(", ")
        }
    ))
}

/// Runs one case against a policy set.
pub fn run_case(set: &PolicySet, case: &Case) -> CaseReport {
    let fail = |message: String| CaseReport {
        passed: false,
        mismatches: vec![message],
        explanation: String::new(),
    };
    let facts = match Facts::from_json(&case.facts) {
        Ok((f, _)) => f,
        Err(problems) => {
            let list: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message()))
                .collect();
            return fail(format!("the facts are not valid: {}", list.join("; ")));
        }
    };
    let options = Options {
        date: case.date,
        settings: case.settings.clone(),
    };
    let explained = set
        .evaluator::<crate::eval::Explain>(&options)
        .and_then(|ev| ev.evaluate(&facts));
    let decision = match explained {
        Ok(d) => d,
        Err(problems) => {
            let list: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message()))
                .collect();
            return fail(format!(
                "the facts do not fit the policies: {}",
                list.join("; ")
            ));
        }
    };
    let mut failed: Vec<(&str, String)> = case
        .expect
        .iter()
        .filter_map(|(k, e)| check(&decision, k, e).map(|m| (k.as_str(), m)))
        .collect();
    if let Some(m) = check_article(&decision, case) {
        failed.push(("article", m));
    }
    // Explain the clauses that failed; a wrong total is explained by every clause.
    let explanation = if failed.iter().any(|(k, _)| *k == "total") {
        crate::eval::render::human(&decision, true)
    } else {
        decision
            .clauses
            .iter()
            .filter(|c| failed.iter().any(|(k, _)| *k == key_of(c)))
            .map(|c| crate::eval::render::clause(c, true))
            .collect()
    };
    CaseReport {
        passed: failed.is_empty(),
        mismatches: failed.into_iter().map(|(_, m)| m).collect(),
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations() {
        let e = Expected::parse("awarded 20000", false).unwrap();
        assert_eq!(e.outcome, Some(Outcome::Awarded));
        assert_eq!(
            e.amount,
            Some(ExpectedAmount::Paid(Amount::Exact(Decimal::from(20000))))
        );
        let r = Expected::parse("awarded 0..600000", false).unwrap();
        assert_eq!(
            r.amount,
            Some(ExpectedAmount::Paid(Amount::Range {
                min: Decimal::ZERO,
                max: Decimal::from(600000)
            }))
        );
        let u = Expected::parse("undetermined <= 3000000", false).unwrap();
        assert_eq!(
            u.amount,
            Some(ExpectedAmount::AtMost(Decimal::from(3000000)))
        );
        assert!(Expected::parse("eligible", false).is_err());
        assert!(Expected::parse("awarded lots", false).is_err());
    }

    #[test]
    fn floats_in_facts_are_refused() {
        let text = "[[case]]\nname = \"x\"\narticle = \"一\"\ndate = 2024-01-01\nfacts = { kind = \"enterprise\", id = \"1\", attributes = { a = 0.1 } }\nexpect = { total = \"0\" }\n";
        let err = TestFile::parse(text).unwrap_err();
        assert!(
            err.contains("facts.attributes.a is written as a float"),
            "{err}"
        );
    }
}
