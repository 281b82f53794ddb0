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
pub mod json;
pub mod render;
mod run;
mod value;

use std::collections::BTreeMap;

use chrono::NaiveDate;

pub use decision::{Amount, ClauseResult, Decision, Outcome};
pub use facts::{FactProblem, FactValue, Facts};
pub use run::{round, split, split_amount, split_each, Scratch, Verdict};
pub use value::Value;

use crate::compile::{ParamValues, Program};
use crate::diagnostic::Diagnostic;
use crate::problem::ProblemCode;
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

impl PolicySet {
    /// A set of compiled programs.
    pub fn new(programs: Vec<Program>) -> PolicySet {
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
        PolicySet {
            programs,
            citations,
        }
    }

    /// Compiles `(name, text)` sources; on any error, every file's diagnostics.
    pub fn compile(sources: &[(&str, &str)]) -> Result<PolicySet, Vec<(String, Vec<Diagnostic>)>> {
        let mut programs = Vec::new();
        let mut failed = Vec::new();
        for (name, text) in sources {
            let compiled = crate::compile_source(text);
            match compiled.program {
                Some(p) if !compiled.has_errors() => programs.push(p),
                _ => failed.push((name.to_string(), compiled.diagnostics)),
            }
        }
        if failed.is_empty() {
            Ok(PolicySet::new(programs))
        } else {
            Err(failed)
        }
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
                    problems.push(
                        FactProblem::new(ProblemCode::FixedParameter, format!("setting {name}"))
                            .name(name.as_str())
                            .declared_at(p.header.document.clone()),
                    );
                    continue;
                }
                let unit = match param.show {
                    crate::compile::Show::Quantity(u) => p.units.get(u as usize).cloned(),
                    _ => None,
                }
                .unwrap_or_else(crate::units::Unit::none);
                match facts::parse_setting(facts::FactRef::Text(text), param.flavor, &unit) {
                    Ok(v) => settings[pi][i] = Some(v),
                    Err(refusal) => problems.push(refusal.problem(
                        ProblemCode::BadSetting,
                        format!("setting {name}"),
                        name,
                        facts::flavor_words(param.flavor, &unit),
                        facts::FactRef::Text(text),
                    )),
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
                // The closest open parameter, or the list of them, for the help.
                let p = FactProblem::new(ProblemCode::UnknownParameter, format!("setting {name}"))
                    .name(name.as_str())
                    .expected(open.join(", "));
                problems.push(match crate::check::closest(name, open.iter().copied()) {
                    Some(h) => p.hint(h),
                    None => p,
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
        // Through a set, so that facts with many bad claims are reported in linear time.
        let mut seen = std::collections::HashSet::new();
        let mut bound = Vec::with_capacity(self.set.programs.len());
        for p in &self.set.programs {
            match facts::bind(p, facts) {
                Ok(b) => bound.push(b),
                Err(e) => {
                    // The same field declared by several policies is reported once.
                    for x in e {
                        if !seen.contains(&x) {
                            seen.insert(x.clone());
                            problems.push(x);
                        }
                    }
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
