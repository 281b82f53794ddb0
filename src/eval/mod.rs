//! Evaluation: facts in, an auditable decision out.
//!
//! Input: a [`PolicySet`] compiled once, and for each applicant its [`Facts`], the evaluation
//! date and settings for parameters the text leaves open. Output: a [`Decision`] per applicant:
//! every clause's outcome, amount, funding split, citation and (on request) explanation.
//! Guarantee: the core reads no file and no clock (the caller passes the date); money is exact
//! `Decimal` throughout; bad facts come back as a list of problems, never a panic.
//!
//! ```
//! use pol::eval::{Facts, Options, PolicySet};
//! let text = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
//! let set = PolicySet::compile(&[("15号.pol", &text)]).unwrap();
//! let (facts, _) = Facts::from_json(r#"{
//!   "kind": "enterprise", "id": "E1",
//!   "attributes": {"加计扣除资格": true, "研发费用": "600万元", "上年研发费用": "500万元",
//!                  "营业收入": "1.5亿元", "规上企业": true, "高新技术企业": false}
//! }"#).unwrap();
//! let options = Options::on("2024-05-01".parse().unwrap());
//! let decision = set.evaluate(&facts, &options).unwrap();
//! // Article 1: 10% of the 100万元 increase.
//! assert_eq!(decision.totals.paid, pol::eval::Amount::Exact("100000.00".parse().unwrap()));
//! ```

pub mod decision;
pub mod explain;
mod expr;
pub mod facts;
pub mod format;
pub mod render;
mod run;
mod value;

use std::collections::BTreeMap;

use chrono::NaiveDate;

pub use decision::{Amount, ClauseResult, Decision, Outcome};
pub use facts::{FactProblem, FactValue, Facts};
pub use run::{round, split, split_amount, split_each, Scratch, Verdict};
pub use value::Value;

use crate::check::documents::{duplicate_documents, SetFile};
use crate::check::types::Flavor;
use crate::compile::{ParamValues, Program};
use crate::diagnostic::Diagnostic;
use decision::Citation;

/// Policies compiled once, to be evaluated many times.
#[derive(Debug)]
pub struct PolicySet {
    programs: Vec<Program>,
    citations: Vec<Vec<Citation>>,
}

/// How to evaluate.
#[derive(Clone, Debug)]
pub struct Options {
    /// The evaluation date: clauses evaluated once per subject are in force or not on this
    /// day, and dated parameters take their value at it.
    pub date: NaiveDate,
    /// Values for parameters the policies leave open, by name, written as in a policy
    /// (`10%`, `50万元`).
    pub settings: BTreeMap<String, String>,
    /// Record an explanation for every clause.
    pub explain: bool,
    /// Say why a clause is not eligible, undetermined or adjusted, even without a full
    /// explanation. Off, results carry the figures only (outcomes, amounts, what undetermined
    /// clauses wait for), as a simulation needs.
    pub reasons: bool,
}

impl Options {
    /// Evaluation on `date`, no settings, reasons but no explanations.
    pub fn on(date: NaiveDate) -> Options {
        Options {
            date,
            settings: BTreeMap::new(),
            explain: false,
            reasons: true,
        }
    }
}

/// A policy set ready to evaluate with fixed options.
pub struct Evaluator<'p> {
    set: &'p PolicySet,
    date: NaiveDate,
    /// Per program, per parameter: the value given in the settings.
    settings: Vec<Vec<Option<Value>>>,
    explain: bool,
    reasons: bool,
}

/// Two programs of one set give the same policy (the same document number): evaluating both
/// would pay every award twice, so no set is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicatePolicy {
    /// The document number given twice.
    pub document: String,
    /// The positions of the two programs in the list given.
    pub positions: (usize, usize),
}

impl std::fmt::Display for DuplicatePolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the policy `{}` is given twice (programs {} and {}); give each policy once",
            self.document,
            self.positions.0 + 1,
            self.positions.1 + 1
        )
    }
}

impl std::error::Error for DuplicatePolicy {}

impl PolicySet {
    /// A set of compiled programs; an error when two give the same policy (document number).
    pub fn new(programs: Vec<Program>) -> Result<PolicySet, DuplicatePolicy> {
        let mut first = std::collections::HashMap::new();
        for (k, p) in programs.iter().enumerate() {
            if let Some(&j) = first.get(p.header.document.as_str()) {
                return Err(DuplicatePolicy {
                    document: p.header.document.clone(),
                    positions: (j, k),
                });
            }
            first.insert(p.header.document.as_str(), k);
        }
        let citations = programs
            .iter()
            .map(|p| {
                p.clauses
                    .iter()
                    .map(|c| Citation {
                        document: p.header.document.clone(),
                        article: c.source.clone(),
                        departments: c.departments.clone(),
                        matter: p
                            .matters
                            .get(c.matter as usize)
                            .cloned()
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .collect();
        Ok(PolicySet {
            programs,
            citations,
        })
    }

    /// Compiles `(name, text)` sources; on any error, every file's diagnostics. Two sources that
    /// give the same policy (document number) are an error (E0410) in the later one.
    pub fn compile(sources: &[(&str, &str)]) -> Result<PolicySet, Vec<(String, Vec<Diagnostic>)>> {
        let mut programs = Vec::new();
        let mut failed = Vec::new();
        let mut compiled_from = Vec::new();
        for (name, text) in sources {
            let compiled = crate::compile_source(text);
            match compiled.program {
                Some(p) if !compiled.has_errors() => {
                    programs.push(p);
                    compiled_from.push((*name, *text));
                }
                _ => failed.push((name.to_string(), compiled.diagnostics)),
            }
        }
        let files: Vec<SetFile<'_>> = programs
            .iter()
            .zip(&compiled_from)
            .map(|(p, (name, text))| SetFile {
                name,
                text,
                document: &p.header.document,
            })
            .collect();
        for (k, d) in duplicate_documents(&files) {
            failed.push((compiled_from[k].0.to_string(), vec![d]));
        }
        if !failed.is_empty() {
            return Err(failed);
        }
        // The documents were checked just above, so this cannot fail; an error still says so.
        PolicySet::new(programs).map_err(|e| {
            let name = compiled_from
                .get(e.positions.1)
                .map_or_else(String::new, |(n, _)| n.to_string());
            let d = Diagnostic::new(
                crate::diagnostic::Code::DuplicateDocument,
                crate::ast::Span::new(0, 0),
                e.to_string(),
            )
            .help("give each policy once");
            vec![(name, vec![d])]
        })
    }

    /// The compiled programs.
    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    /// Fixes the options: reads the settings against the parameters they complete.
    pub fn evaluator(&self, options: &Options) -> Result<Evaluator<'_>, Vec<FactProblem>> {
        let mut problems = Vec::new();
        let mut settings: Vec<Vec<Option<Value>>> = self
            .programs
            .iter()
            .map(|p| vec![None; p.params.len()])
            .collect();
        for (name, text) in &options.settings {
            let mut found = false;
            for (pi, p) in self.programs.iter().enumerate() {
                let Some(i) = p.params.iter().position(|x| &x.name == name) else {
                    continue;
                };
                found = true;
                let param = &p.params[i];
                if param.values != ParamValues::Unspecified {
                    problems.push(FactProblem {
                        severity: crate::diagnostic::Severity::Error,
                        path: format!("setting {name}"),
                        message: format!("`{name}` is fixed by {}; it cannot be set", p.header.document),
                        help: "only parameters the policy leaves open (declared without a value) take settings".to_string(),
                    });
                    continue;
                }
                match facts::parse_setting(text, param.flavor) {
                    Some(v) => settings[pi][i] = Some(v),
                    None => problems.push(FactProblem {
                        severity: crate::diagnostic::Severity::Error,
                        path: format!("setting {name}"),
                        message: format!(
                            "`{text}` is not a value for `{name}`, which is {}",
                            flavor_words(param.flavor)
                        ),
                        help: "write it as in a policy, e.g. `10%` or `50万元`".to_string(),
                    }),
                }
            }
            if !found {
                let open: Vec<&str> = self
                    .programs
                    .iter()
                    .flat_map(|p| {
                        p.params
                            .iter()
                            .filter(|x| x.values == ParamValues::Unspecified)
                            .map(|x| x.name.as_str())
                    })
                    .collect();
                let help = match crate::check::closest(name, open.iter().copied()) {
                    Some(h) => format!("did you mean `{h}`?"),
                    None if open.is_empty() => "these policies leave no parameter open".to_string(),
                    None => format!("the open parameters are: {}", open.join(", ")),
                };
                problems.push(FactProblem {
                    severity: crate::diagnostic::Severity::Error,
                    path: format!("setting {name}"),
                    message: format!("no policy has a parameter `{name}`"),
                    help,
                });
            }
        }
        if problems.is_empty() {
            Ok(Evaluator {
                set: self,
                date: options.date,
                settings,
                explain: options.explain,
                reasons: options.reasons || options.explain,
            })
        } else {
            Err(problems)
        }
    }

    /// Evaluates one subject's facts.
    pub fn evaluate(
        &self,
        facts: &Facts,
        options: &Options,
    ) -> Result<Decision<'_>, Vec<FactProblem>> {
        self.evaluator(options)?.evaluate(facts)
    }
}

fn flavor_words(f: Flavor) -> &'static str {
    match f {
        Flavor::Money => "an amount of money",
        Flavor::Percent => "a percentage",
        Flavor::Number | Flavor::Count | Flavor::Quantity => "a number",
        Flavor::Bool => "true or false",
        Flavor::Date => "a date",
        Flavor::Text | Flavor::Enum => "a text",
    }
}

impl<'p> Evaluator<'p> {
    /// The policy set this evaluator evaluates.
    pub fn policies(&self) -> &'p PolicySet {
        self.set
    }

    /// Binds `facts` to every program (reporting every value that does not fit) and decides.
    pub fn evaluate(&self, facts: &Facts) -> Result<Decision<'p>, Vec<FactProblem>> {
        let bound = self.bind(facts)?;
        let mut decision = self.decide(facts.kind, &facts.id, &bound);
        let programs: Vec<&Program> = self.set.programs.iter().collect();
        decision.warnings = facts::unknown_attributes(&programs, facts);
        Ok(decision)
    }

    /// Binds facts to each program's slots.
    pub fn bind(&self, facts: &Facts) -> Result<Vec<facts::Bound>, Vec<FactProblem>> {
        let mut problems = Vec::new();
        let mut bound = Vec::with_capacity(self.set.programs.len());
        for p in &self.set.programs {
            match facts::bind(p, facts) {
                Ok(b) => bound.push(b),
                Err(mut e) => {
                    // The same field declared by several policies is reported once.
                    e.retain(|x| !problems.contains(x));
                    problems.extend(e);
                }
            }
        }
        if problems.is_empty() {
            Ok(bound)
        } else {
            Err(problems)
        }
    }

    /// Decides for facts already bound to each program (the fast path for many subjects).
    pub fn decide_bound(
        &self,
        kind: crate::compile::Kind,
        id: &compact_str::CompactString,
        bound: &[facts::Bound],
    ) -> Decision<'p> {
        self.decide(kind, id, bound)
    }
}
