//! Policies compiled once and evaluated many times, and the facts of one subject.
//!
//! Input: policy files' names and texts; an applicant's facts as JSON; the evaluation date and
//! settings. Output: a [`PolicySet`] (or the [`CompileError`] with every file's diagnostics)
//! and, per subject, a [`Decision`] (or the [`EvalError`] saying why there is none).
//! Guarantee: the same checks, decisions and words as the `pol` command: it is built on these.

use std::fmt;

use super::decision::Decision;
use super::sources::{compile_files, owned_sources, Diagnostics};
use crate::compile::Kind;
use crate::eval::{self, EvalError, FactProblem, Options};
use crate::simulate::{SimulateError, Simulation, SimulationOptions};
use crate::testing::{Case, CaseReport};

/// Policies compiled once, to be evaluated many times (by several threads at once, if need
/// be).
///
/// ```
/// let text = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
/// let set = pol::PolicySet::compile(&[("15号.pol", &text)]).unwrap();
/// assert_eq!(set.documents(), ["嘉政发〔2023〕15号"]);
/// assert!(set.warnings().is_empty());
/// ```
#[derive(Debug)]
pub struct PolicySet {
    set: eval::PolicySet,
    warnings: Diagnostics,
}

/// Why policy files do not compile: every file's diagnostics (errors, and the warnings
/// found with them). They render themselves: see [`Diagnostics`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    diagnostics: Diagnostics,
}

impl CompileError {
    /// Every diagnostic of every file.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.diagnostics.count(crate::diagnostic::Severity::Error);
        writeln!(f, "the policies have {errors} error(s):")?;
        self.diagnostics.fmt(f)
    }
}

impl std::error::Error for CompileError {}

impl PolicySet {
    /// Compiles `(name, text)` policy files as one set. Any error in any file (a policy given
    /// by two files included, E0410) is a [`CompileError`] holding every file's diagnostics;
    /// otherwise the set keeps the files' warnings ([`PolicySet::warnings`]).
    ///
    /// ```
    /// let err = pol::PolicySet::compile(&[("x.pol", "let x = 1元\n")]).unwrap_err();
    /// assert!(err.diagnostics().has_errors());
    /// assert!(err.to_string().contains("x.pol:1:1: error[E0403]"));
    /// ```
    pub fn compile(sources: &[(&str, &str)]) -> Result<PolicySet, CompileError> {
        let owned = owned_sources(sources);
        let (found, programs) = compile_files(&owned);
        let diagnostics = Diagnostics::of_files(owned, found);
        if diagnostics.has_errors() {
            return Err(CompileError { diagnostics });
        }
        // Every file compiled, and no two give the same policy (E0410 above).
        let programs: Vec<_> = programs.into_iter().flatten().collect();
        let set = eval::PolicySet::new(programs).map_err(|_| CompileError {
            diagnostics: diagnostics.clone(),
        })?;
        Ok(PolicySet {
            set,
            warnings: diagnostics,
        })
    }

    /// The files' warnings: the policies compile, but something looks wrong (W03xx). A
    /// warning can mean a policy pays other than its gazette says: show them to whoever reads
    /// the figures.
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// The document number of each policy, in the order of the files.
    pub fn documents(&self) -> Vec<&str> {
        self.set
            .programs()
            .iter()
            .map(|p| p.header.document.as_str())
            .collect()
    }

    /// Every payer of the set, in order of first appearance over the policies' `funding`.
    pub fn payers(&self) -> &[String] {
        self.set.payers()
    }

    /// What `facts` get on `options.date`: every clause's outcome, amount and payers, with the
    /// reason of each outcome ([`PolicySet::explain`] adds the explanation: the figures are the
    /// same, through one evaluation path). The facts' own warnings come first in the
    /// decision's. [`EvalError::Facts`] lists every problem with the facts (or the settings);
    /// [`EvalError::Failed`] is a subject whose sums cannot be held (F0401) or pol's own bug
    /// (F0901).
    ///
    /// ```
    /// let text = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
    /// let set = pol::PolicySet::compile(&[("15号.pol", &text)]).unwrap();
    /// let facts = pol::Facts::from_json(r#"{
    ///   "kind": "enterprise", "id": "E1",
    ///   "attributes": {"加计扣除资格": true, "研发费用": "600万元", "上年研发费用": "500万元",
    ///                  "营业收入": "1.5亿元", "规上企业": true, "高新技术企业": false}
    /// }"#).unwrap();
    /// let decision = set.evaluate(&facts, &pol::Options::on("2024-05-01".parse().unwrap())).unwrap();
    /// // Article 1: 10% of the 100万元 increase.
    /// assert_eq!(decision.totals.paid, pol::Amount::Exact("100000.00".parse().unwrap()));
    /// ```
    pub fn evaluate(&self, facts: &Facts, options: &Options) -> Result<Decision, EvalError> {
        self.decide::<crate::eval::Reasons>(facts, options)
    }

    /// What `facts` get on `options.date`, as [`PolicySet::evaluate`], with the explanation
    /// of every clause (what `pol eval --explain` prints).
    ///
    /// ```
    /// let text = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
    /// let set = pol::PolicySet::compile(&[("15号.pol", &text)]).unwrap();
    /// let facts = pol::Facts::from_json(
    ///     r#"{"kind": "enterprise", "id": "E1", "attributes": {"首次认定高新技术企业": true}}"#,
    /// ).unwrap();
    /// let decision = set.explain(&facts, &pol::Options::on("2024-05-01".parse().unwrap())).unwrap();
    /// assert!(decision.render(true).contains("✓ 首次认定高新技术企业 = true"));
    /// ```
    pub fn explain(&self, facts: &Facts, options: &Options) -> Result<Decision, EvalError> {
        self.decide::<crate::eval::Explain>(facts, options)
    }

    /// The decision, with what the tracer `T` writes.
    fn decide<T: crate::eval::Tracer>(
        &self,
        facts: &Facts,
        options: &Options,
    ) -> Result<Decision, EvalError> {
        let ev = self.set.evaluator::<T>(options).map_err(EvalError::Facts)?;
        let mut decision = ev.try_evaluate(&facts.facts)?;
        decision
            .warnings
            .splice(0..0, facts.warnings.iter().cloned());
        Ok(Decision::from(decision))
    }

    /// A simulation of populations of `sim.kind` on `options.date` (see [`Simulation::run`]).
    ///
    /// ```
    /// use std::sync::atomic::AtomicBool;
    /// let text = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
    /// let set = pol::PolicySet::compile(&[("15号.pol", &text)]).unwrap();
    /// let options = pol::Options::on("2024-05-01".parse().unwrap());
    /// let simulation = set
    ///     .simulation(&options, pol::SimulationOptions::new(pol::Kind::Enterprise))
    ///     .unwrap();
    /// let population = "id,首次认定高新技术企业\nE1,true\nE2,false\n";
    /// let mut rows = Vec::new();
    /// let report = simulation
    ///     .run(population.as_bytes(), Some(&mut rows), &mut |_| {}, &AtomicBool::new(false))
    ///     .unwrap();
    /// assert!(matches!(report.end, pol::End::Completed));
    /// assert_eq!(report.summary.subjects, 2);
    /// assert_eq!(report.summary.paid, pol::Amount::Exact("200000.00".parse().unwrap()));
    /// assert_eq!(String::from_utf8(rows).unwrap().lines().count(), 3);
    /// ```
    pub fn simulation(
        &self,
        options: &Options,
        sim: SimulationOptions,
    ) -> Result<Simulation<'_>, SimulateError> {
        Simulation::new(&self.set, options, sim)
    }

    /// The JSON Schema (draft 2020-12) of the facts these policies read, for subjects of
    /// `kind` (or every kind they know), as `pol schema` prints it.
    ///
    /// ```
    /// let text = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
    /// let set = pol::PolicySet::compile(&[("15号.pol", &text)]).unwrap();
    /// let schema = set.facts_schema(Some(pol::Kind::Enterprise));
    /// assert!(schema["properties"]["attributes"]["properties"]["研发费用"].is_object());
    /// ```
    pub fn facts_schema(&self, kind: Option<Kind>) -> serde_json::Value {
        let programs: Vec<_> = self.set.programs().iter().collect();
        crate::schema::facts_schema(&programs, kind)
    }

    /// Runs one case of a `pol test` file against these policies.
    ///
    /// ```
    /// let text = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
    /// let set = pol::PolicySet::compile(&[("15号.pol", &text)]).unwrap();
    /// let tests = std::fs::read_to_string("policies/jiazhengfa-2023-15.tests.toml").unwrap();
    /// let file = pol::TestFile::parse(&tests).unwrap();
    /// assert!(file.cases.iter().all(|case| set.run_test(case).passed));
    /// ```
    pub fn run_test(&self, case: &Case) -> CaseReport {
        crate::testing::run_case(&self.set, case)
    }
}

#[cfg(test)]
impl PolicySet {
    /// The set as the evaluator holds it, for tests of the modules under the façade.
    pub(crate) fn inner(&self) -> &eval::PolicySet {
        &self.set
    }
}

/// One subject's facts: its kind, id, attributes and claims, read from JSON.
#[derive(Clone, Debug)]
pub struct Facts {
    facts: eval::Facts,
    warnings: Vec<FactProblem>,
}

impl Facts {
    /// Reads facts written as JSON: `{"kind": "enterprise", "id": "E1", "attributes": {...},
    /// "claims": [{"id": "C1", "date": "2024-03-01", "attributes": {...}}]}`. Amounts are read
    /// exactly (`"600万元"`, `"6000000.00"`, or a JSON number as written). Every problem is
    /// reported, in [`EvalError::Facts`]; a key at the top the format does not know is one
    /// (F0106, with the closest key: a misspelt `history` would drop earlier grants).
    ///
    /// ```
    /// let facts = pol::Facts::from_json(r#"{"kind": "enterprise", "id": "E1", "attributes": {}}"#).unwrap();
    /// assert_eq!((facts.kind(), facts.id()), (pol::Kind::Enterprise, "E1"));
    /// let Err(pol::EvalError::Facts(problems)) = pol::Facts::from_json(r#"{"kind": "enterprise", "id": "E1", "histroy": []}"#) else { panic!() };
    /// assert_eq!((problems[0].code.as_str(), problems[0].hint.as_deref()), ("F0106", Some("history")));
    /// let Err(pol::EvalError::Facts(problems)) = pol::Facts::from_json("{") else { panic!() };
    /// assert_eq!(problems[0].code.as_str(), "F0101");
    /// ```
    pub fn from_json(text: &str) -> Result<Facts, EvalError> {
        let (facts, warnings) = eval::Facts::from_json(text).map_err(EvalError::Facts)?;
        Ok(Facts { facts, warnings })
    }

    /// The subject's kind.
    pub fn kind(&self) -> Kind {
        self.facts.kind
    }

    /// The subject's id.
    pub fn id(&self) -> &str {
        &self.facts.id
    }

    /// Warnings about the JSON's form (keys the facts format does not know).
    pub fn warnings(&self) -> &[FactProblem] {
        &self.warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(document: &str) -> String {
        format!(
            "policy \"{document}\" {{\n  title \"测试\"\n  issued 2024-01-01\n  effective 2024-01-01 to 2025-12-31\n  funding {{ 甲: 100% }}\n  same_matter cumulative\n}}\ninput enterprise {{ a: money }}\nclause c {{ source \"一\" award a }}\n"
        )
    }

    #[test]
    fn a_set_made_from_programs_directly_refuses_one_policy_twice_however_spelt() {
        // Below the checker's E0410: the set itself never pays one policy twice.
        let compile = |doc: &str| crate::compile_source(&policy(doc)).program.unwrap();
        let text = compile("测试〔2024〕1号");
        let e = eval::PolicySet::new(vec![text.clone(), text]).unwrap_err();
        assert_eq!(e.positions, (0, 1));
        let set = eval::PolicySet::new(vec![compile("测试〔2024〕1号"), compile("测试[2024]１号")]);
        assert!(set.is_err());
    }
}
