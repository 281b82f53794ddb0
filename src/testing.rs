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
//! `cannot_evaluate`, `superseded`, `not_yet`, `already_paid`), optionally followed by the amount paid (`awarded 20000`),
//! a range (`awarded 0..600000`), or for undetermined clauses the bound (`undetermined <= 3000000`).
//! A per-claim clause is named with its claim: `技术转移奖励[合同-1]`. `total` is the total paid;
//! `payers = { 市级财政 = "50000.00" }` inside `expect` asserts what each named payer pays.
//!
//! A case with a key it does not know (`expected` for `expect`, say), or an expectation that
//! cannot be read, is reported as broken with the reason; the file's other cases still run.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::eval::decision::{ClauseResult, Decision};
use crate::eval::{Amount, Facts, Options, Outcome, PolicySet};

mod stages;
pub use stages::StageExpect;

/// One test case.
#[derive(Clone, Debug)]
#[non_exhaustive]
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
    /// Expected payer shares: the payer and the amount it pays.
    pub payers: Vec<(String, Amount)>,
    /// Expected stages of staged awards.
    pub stages: Vec<StageExpect>,
    /// The expected total of deferred stages (`deferred = "60000"`).
    pub deferred: Option<Amount>,
}

/// A case that cannot be run as written: what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenCase {
    /// Its position in the file (0 for the first case).
    pub index: usize,
    /// Its name (or `case N` when it has none).
    pub name: String,
    /// Why it cannot run, in words.
    pub reason: String,
}

/// The keys a case may have.
const CASE_KEYS: [&str; 6] = ["name", "article", "date", "settings", "facts", "expect"];

/// What a test expects of a clause or the total.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Expected {
    /// The outcome (none for `total`).
    pub outcome: Option<Outcome>,
    /// The amount, if given.
    pub amount: Option<ExpectedAmount>,
    /// What its deferred stages come to, if given (`awarded 40000 deferred 60000`,
    /// `deferred 60000`).
    pub deferred: Option<Amount>,
    /// The text as written.
    pub text: String,
}

/// An expected amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpectedAmount {
    /// Paid exactly this (or this range).
    Paid(Amount),
    /// Undetermined, with at most this.
    AtMost(Decimal),
}

/// A parsed test file.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TestFile {
    /// Policy files named by the test file (relative to it), if any.
    pub policies: Vec<String>,
    /// The cases that can run, in order.
    pub cases: Vec<Case>,
    /// The cases that cannot (an unknown key, a missing date, an unreadable expectation...).
    pub broken: Vec<BrokenCase>,
}

fn decimal(text: &str) -> Result<Decimal, String> {
    Decimal::from_str_exact(text.trim()).map_err(|_| format!("`{text}` is not an amount in 元"))
}

fn amount(text: &str) -> Result<Amount, String> {
    match text.split_once("..") {
        Some((a, b)) => Amount::between(decimal(a)?, decimal(b)?)
            .ok_or_else(|| format!("`{text}` is a range whose least is above its most")),
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
                deferred: None,
                text: t.to_string(),
            });
        }
        let (word, rest) = t.split_once(' ').unwrap_or((t, ""));
        let outcome = Outcome::from_key(word).ok_or_else(|| {
            format!("`{word}` is not an outcome; use awarded, not_eligible, not_in_force, undetermined, cannot_evaluate, superseded, not_yet, deferred or already_paid")
        })?;
        // `deferred AMOUNT` (alone for a wholly deferred award) is what the stages that wait
        // come to.
        let (rest, deferred) = if outcome == Outcome::Deferred {
            match rest.trim() {
                "" => ("", None),
                a => ("", Some(amount(a)?)),
            }
        } else {
            stages::split_deferred(rest.trim())?
        };
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
            deferred,
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
    /// Parses a test file. A problem with the file as a whole (not TOML, no `[[case]]`, a bad
    /// `policies` list) is an error; a problem with one case makes that case broken.
    pub fn parse(text: &str) -> Result<TestFile, String> {
        let root: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
        if let Some(k) = root
            .keys()
            .find(|k| !["policies", "case"].contains(&k.as_str()))
        {
            return Err(format!(
                "unknown key `{k}` at the top of the file (it may hold `policies` and `[[case]]`)"
            ));
        }
        let policies = match root.get("policies") {
            None => Vec::new(),
            Some(toml::Value::Array(a)) => a.iter().filter_map(text_of).collect(),
            Some(_) => return Err("`policies` must be a list of file names".to_string()),
        };
        let list = match root.get("case") {
            Some(toml::Value::Array(a)) => a.as_slice(),
            _ => return Err("the file has no `[[case]]`".to_string()),
        };
        let (mut cases, mut broken) = (Vec::new(), Vec::new());
        for (index, c) in list.iter().enumerate() {
            let name = c
                .get("name")
                .and_then(text_of)
                .unwrap_or_else(|| format!("case {}", index + 1));
            match parse_case(c, &name) {
                Ok(case) => cases.push(case),
                Err(reason) => broken.push(BrokenCase {
                    index,
                    name,
                    reason,
                }),
            }
        }
        Ok(TestFile {
            policies,
            cases,
            broken,
        })
    }
}

/// One `[[case]]` table, named `name`.
fn parse_case(c: &toml::Value, name: &str) -> Result<Case, String> {
    let t = c.as_table().ok_or("the case is not a table")?;
    if let Some(k) = t.keys().find(|k| !CASE_KEYS.contains(&k.as_str())) {
        let hint = crate::check::suggest::closest(k, CASE_KEYS.iter().copied())
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        return Err(format!(
            "unknown key `{k}`: {hint}a case has {}",
            CASE_KEYS.join(", ")
        ));
    }
    let article = t
        .get("article")
        .and_then(text_of)
        .ok_or("no `article` (the article the case derives from)")?;
    let date_text = t.get("date").and_then(text_of).ok_or("no `date`")?;
    // Read as every other date is (four-digit years, full-width digits).
    let date = crate::syntax::literal::read_date(&date_text)
        .map_err(|why| format!("`{date_text}` is not a date: {why}"))?;
    let mut settings = BTreeMap::new();
    if let Some(s) = t.get("settings") {
        let s = s.as_table().ok_or("`settings` must be a table")?;
        for (k, v) in s {
            let v = text_of(v).ok_or_else(|| format!("setting `{k}` must be text"))?;
            settings.insert(k.clone(), v);
        }
    }
    let facts = t.get("facts").ok_or("no `facts`")?;
    let facts = to_json(facts, "facts")?.to_string();
    let expect_table = t
        .get("expect")
        .and_then(|e| e.as_table())
        .ok_or("no `expect` table")?;
    let (mut expect, mut payers) = (Vec::new(), Vec::new());
    let (mut staged, mut deferred) = (Vec::new(), None);
    for (k, v) in expect_table {
        if k == "stages" {
            staged = stages::parse(v)?;
            continue;
        }
        if k == "deferred" {
            let text = text_of(v).ok_or("`deferred` must be text")?;
            deferred = Some(amount(&text).map_err(|e| format!("deferred: {e}"))?);
            continue;
        }
        if let (true, Some(table)) = (k == "payers", v.as_table()) {
            for (payer, v) in table {
                let text = text_of(v).ok_or_else(|| format!("payers.{payer} must be text"))?;
                let paid = amount(&text).map_err(|e| format!("payers.{payer}: {e}"))?;
                payers.push((payer.clone(), paid));
            }
            continue;
        }
        let text = text_of(v).ok_or_else(|| format!("expectation `{k}` must be text"))?;
        let e = Expected::parse(&text, k == "total").map_err(|e| format!("{k}: {e}"))?;
        expect.push((k.clone(), e));
    }
    if expect.is_empty() && payers.is_empty() && staged.is_empty() && deferred.is_none() {
        return Err("`expect` is empty".to_string());
    }
    Ok(Case {
        name: name.to_string(),
        article,
        date,
        settings,
        facts,
        expect,
        payers,
        stages: staged,
        deferred,
    })
}

/// The outcome of one case.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CaseReport {
    /// Whether every expectation held.
    pub passed: bool,
    /// For a failure: each expectation that did not hold, in words.
    pub mismatches: Vec<String>,
    /// For a failure: the explanation of the decision (or the problems with the facts).
    pub explanation: String,
}

/// How a case names a clause result: `CLAUSE`, `CLAUSE[claim]`, or `CLAUSE@2024` for the
/// year 2024 of a clause paid each year of a run.
fn key_of(c: &ClauseResult<'_>) -> String {
    match (&c.claim, c.year) {
        (Some(id), _) => format!("{}[{id}]", c.clause),
        (None, Some(year)) => format!("{}@{year}", c.clause),
        (None, None) => c.clause.to_string(),
    }
}

fn describe(c: &ClauseResult<'_>) -> String {
    let words = c.outcome.key();
    let text = |a: Amount| match a {
        Amount::Exact(d) => d.to_string(),
        Amount::Range { min, max } => format!("{min}..{max}"),
    };
    let said = match (c.outcome, c.paid, c.upper_bound) {
        (Outcome::Awarded, Some(a), _) => format!("{words} {}", text(a)),
        (Outcome::Undetermined, _, Some(u)) => format!("{words} <= {u}"),
        _ => words.to_string(),
    };
    match c.deferred {
        Some(d) if c.outcome == Outcome::Deferred => format!("{words} {}", text(d)),
        Some(d) => format!("{said} deferred {}", text(d)),
        None => said,
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
    // Named as a policy's names are read (NFC): a key typed with a compatibility ideograph
    // is the clause the policy names with the ideograph it stands for.
    let name = crate::keys::name(key);
    let Some(c) = (decision.clauses.iter()).find(|c| crate::keys::name(&key_of(c)) == name) else {
        let known: Vec<String> = decision.clauses.iter().map(key_of).collect();
        return Some(format!(
            "{key}: no such clause result (there are: {})",
            known.join(", ")
        ));
    };
    let outcome_ok =
        e.outcome == Some(c.outcome) && e.deferred.is_none_or(|d| c.deferred == Some(d));
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

/// Whether `payer` pays `want` in `decision`; `None` when it does.
fn check_payer(decision: &Decision<'_>, payer: &str, want: Amount) -> Option<String> {
    let Some(share) = decision.totals.per_payer.iter().find(|s| s.payer == payer) else {
        let known: Vec<&str> = decision.totals.per_payer.iter().map(|s| s.payer).collect();
        return Some(format!(
            "payers.{payer}: no such payer (there are: {})",
            known.join(", ")
        ));
    };
    (share.amount != want).then(|| {
        format!(
            "payers.{payer}: expected {}, got {}",
            crate::eval::format::amount(want),
            crate::eval::format::amount(share.amount)
        )
    })
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
    for (payer, want) in &case.payers {
        if let Some(m) = check_payer(&decision, payer, *want) {
            // A share is explained by every clause, as a wrong total is.
            failed.push(("total", m));
        }
    }
    for e in &case.stages {
        if let Some(m) = stages::check(&decision, e) {
            failed.push((e.clause.as_str(), m));
        }
    }
    if let Some(m) = case
        .deferred
        .and_then(|d| stages::check_total(&decision, d))
    {
        failed.push(("total", m));
    }
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
    use std::collections::BTreeMap;

    #[test]
    fn an_expected_range_whose_least_is_above_its_most_is_refused() {
        let e = amount("600000..0").unwrap_err();
        assert!(e.contains("least is above its most"), "{e}");
        assert_eq!(
            amount("0..600000"),
            Ok(Amount::between(Decimal::ZERO, Decimal::from(600000)).unwrap())
        );
    }

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
        let file = TestFile::parse(text).unwrap();
        assert!(file.cases.is_empty());
        let reason = &file.broken[0].reason;
        assert!(
            reason.contains("facts.attributes.a is written as a float"),
            "{reason}"
        );
    }

    #[test]
    fn an_unknown_key_breaks_its_case_only_and_a_top_level_one_the_file() {
        let case = |key: &str| {
            format!("[[case]]\nname = \"{key}\"\narticle = \"一\"\ndate = 2024-01-01\nfacts = {{ kind = \"enterprise\", id = \"1\" }}\n{key} = {{ total = \"0\" }}\n")
        };
        let file = TestFile::parse(&(case("expect") + &case("expct") + &case("expect"))).unwrap();
        assert_eq!(file.cases.len(), 2);
        assert_eq!(file.broken.len(), 1);
        assert_eq!(file.broken[0].index, 1);
        assert!(file.broken[0].reason.contains("did you mean `expect`?"));
        let err = TestFile::parse(&format!("polices = []\n{}", case("expect"))).unwrap_err();
        assert!(err.contains("unknown key `polices`"), "{err}");
    }

    /// The shipped policies: every clause is covered by at least three test cases, every case
    /// cites an article of the clause it tests, and every policy checks clean.
    fn shipped() -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(root.join("policies")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "pol") {
                let tests = path.with_extension("tests.toml");
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                    std::fs::read_to_string(&tests)
                        .unwrap_or_else(|_| panic!("{} has no tests", path.display())),
                ));
            }
        }
        out.sort();
        assert_eq!(out.len(), 4, "15号, 38号, 40号 and 41号");
        out
    }

    #[test]
    fn every_clause_has_at_least_three_cases_citing_its_article() {
        let mut total = 0;
        for (name, policy, tests) in shipped() {
            let set =
                crate::PolicySet::compile(&[(&name, &policy)]).unwrap_or_else(|e| panic!("{e}"));
            let file = TestFile::parse(&tests).unwrap();
            assert!(file.broken.is_empty(), "{name}: {:?}", file.broken);
            total += file.cases.len();
            let program = &set.inner().programs()[0];
            let mut count: BTreeMap<&str, usize> = BTreeMap::new();
            for case in &file.cases {
                for (key, _) in &case.expect {
                    let clause_name = key.split(['[', '@']).next().unwrap();
                    if let Some(c) = program.clauses.iter().find(|c| c.name == clause_name) {
                        *count.entry(c.name.as_str()).or_default() += 1;
                        assert_eq!(
                            case.article, c.source,
                            "{name}: case `{}` cites {} but tests {}",
                            case.name, case.article, c.name
                        );
                    }
                }
            }
            for c in &program.clauses {
                let n = count.get(c.name.as_str()).copied().unwrap_or(0);
                assert!(n >= 3, "{name}: clause {} has {n} cases", c.name);
            }
        }
        assert!(total >= 150, "{total} cases");
    }

    #[test]
    fn every_policy_states_its_header_and_cites_every_clause() {
        for (name, policy, _) in shipped() {
            let compiled = crate::compile_source(&policy);
            assert!(
                compiled.diagnostics.is_empty(),
                "{name}: {:#?}",
                compiled.diagnostics
            );
            let p = compiled.program.unwrap();
            assert!(p.header.document.starts_with("嘉政"), "{name}");
            assert!(!p.header.funding.is_empty());
            for c in &p.clauses {
                assert!(!c.source.is_empty(), "{name}: {} has no source", c.name);
            }
        }
    }
}
