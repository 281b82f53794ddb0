//! Evaluation: facts in, an auditable decision out.
//!
//! Input: a [`PolicySet`] compiled once, and for each applicant its [`Facts`], the evaluation
//! date and settings for parameters the text leaves open. Output: a [`Decision`] per applicant:
//! every clause's outcome, amount, funding split, citation and (on request) explanation.
//! Guarantee: the core reads no file and no clock (the caller passes the date); money is exact
//! `Decimal` throughout; bad facts come back as a list of problems, never a panic.
//!
//! ```
//! use pol::{Facts, Options, PolicySet};
//! let text = std::fs::read_to_string("policies/jiazhengfa-2023-15.pol").unwrap();
//! let set = PolicySet::compile(&[("15号.pol", &text)]).unwrap();
//! let facts = Facts::from_json(r#"{
//!   "kind": "enterprise", "id": "E1",
//!   "attributes": {"加计扣除资格": true, "研发费用": "600万元", "上年研发费用": "500万元",
//!                  "营业收入": "1.5亿元", "规上企业": true, "高新技术企业": false}
//! }"#).unwrap();
//! let options = Options::on("2024-05-01".parse().unwrap());
//! let decision = set.evaluate(&facts, &options).unwrap();
//! // The same with every step explained: one evaluation path, the words chosen by a tracer.
//! let explained = set.explain(&facts, &options).unwrap();
//! assert_eq!(explained.totals.paid, decision.totals.paid);
//! // Article 1: 10% of the 100万元 increase.
//! assert_eq!(decision.totals.paid, pol::Amount::Exact("100000.00".parse().unwrap()));
//! ```

mod assemble;
mod bounds;
pub mod decision;
pub mod explain;
mod expr;
pub mod facts;
pub mod format;
pub mod funding;
pub mod history;
mod instance;
pub(crate) mod items;
pub mod json;
pub mod render;
mod rescale;
mod run;
mod same_matter;
pub mod series;
pub mod settle;
pub mod stages;
mod trace;
mod value;

use std::collections::BTreeMap;

use chrono::NaiveDate;

pub use decision::{Amount, Decision, Outcome};
pub use facts::{FactProblem, Facts};
pub(crate) use run::round;
pub use run::{Scratch, Verdict};
pub use settle::{Failure, Settlement, ShareBuffers};
pub use trace::{Explain, Reasons, Silent, Tracer};
pub use value::Value;

use crate::check::types::Flavor;
use crate::compile::{ParamValues, Program};
use crate::problem::ProblemCode;
use decision::Citation;

/// Policies compiled once, to be evaluated many times.
#[derive(Debug)]
pub struct PolicySet {
    programs: Vec<Program>,
    citations: Vec<Vec<Citation>>,
    /// Every payer, in order of first appearance over the policies' `funding` (the header's,
    /// then the clauses' own).
    payers: Vec<String>,
    /// The funding groups: per policy, its header's funding and each other funding its
    /// clauses declare (see [`funding::Groups`]).
    groups: funding::Groups,
    /// Per payer: whether a policy that splits per subject names it.
    split_once_payers: Vec<bool>,
    /// Whether an award can be made *already paid* by another award of the same decision: a
    /// clause evaluated per claim and paid once per subject (`once per enterprise`), or one
    /// paid once per matter (`once ... and matter`). Such sets decide event by event.
    once_in_decision: bool,
    /// This set among the sets made by the process ([`next_id`]): buffers worked out for it
    /// know it by this.
    id: u64,
    /// Whether a clause of the set pays in stages (the others skip that step).
    staged: bool,
    /// The documents and clauses as keys, for matching the grants of a history.
    names: history::Names,
}

/// A number no other policy set or evaluator of the process has: a buffer kept from one
/// subject to the next (a [`Scratch`]) remembers what it was last filled for by it.
fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// What to evaluate with: the date and the settings. What is written besides the figures is
/// chosen by the call: a decision with reasons (`PolicySet::evaluate` of the façade) or with
/// the whole explanation (`PolicySet::explain`), figures only in a simulation.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// The evaluation date: clauses evaluated once per subject are in force or not on this
    /// day, and dated parameters take their value at it.
    pub date: NaiveDate,
    /// Values for parameters the policies leave open, by name, written as in a policy
    /// (`10%`, `50万元`).
    pub settings: BTreeMap<String, String>,
}

impl Options {
    /// Evaluation on `date`, no settings.
    pub fn on(date: NaiveDate) -> Options {
        Options {
            date,
            settings: BTreeMap::new(),
        }
    }
}

/// A policy set ready to evaluate with fixed options, writing what the tracer `T` writes:
/// [`Silent`] (the default: figures only, as a simulation needs), [`Reasons`] or [`Explain`].
/// Each tracer gets its own compiled evaluator; the figures are the same under all three.
pub struct Evaluator<'p, T: Tracer = Silent> {
    set: &'p PolicySet,
    date: NaiveDate,
    /// Per program, per parameter: the value given in the settings.
    settings: Vec<Vec<Option<Value>>>,
    /// This evaluator among those of the process ([`next_id`]).
    id: u64,
    tracer: std::marker::PhantomData<T>,
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
        // The checker's own rule (E0410): look-alike numbers are one policy, and so are one
        // title and issue date under two numbers.
        let policies = programs.iter().map(|p| crate::check::documents::PolicyId {
            document: &p.header.document,
            title: &p.header.title,
            issued: p.header.issued,
        });
        if let Some(&(j, k, _)) = crate::check::documents::repeated_policies(policies).first() {
            return Err(DuplicatePolicy {
                document: programs[k].header.document.clone(),
                positions: (j, k),
            });
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
        let mut payers: Vec<String> = Vec::new();
        let groups = funding::Groups::of(&programs, &mut payers);
        let mut split_once_payers = vec![false; payers.len()];
        for g in 0..groups.len() {
            let p = &programs[groups.policy(g)];
            if p.header.split == crate::ast::Split::PerSubject {
                for &c in groups.columns(g) {
                    split_once_payers[c] = true;
                }
            }
        }
        let staged = programs
            .iter()
            .any(|p| p.clauses.iter().any(|c| !c.stages.is_empty()));
        let once_in_decision = programs.iter().any(|p| {
            p.clauses.iter().any(|c| {
                c.once.is_some_and(|o| {
                    o.matter || (c.per_claim && o.per != crate::compile::Kind::Project)
                })
            })
        });
        Ok(PolicySet {
            names: history::Names::of(&programs),
            staged,
            once_in_decision,
            programs,
            citations,
            payers,
            groups,
            split_once_payers,
            id: next_id(),
        })
    }

    /// This set's number among the sets of the process.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Per payer (in [`PolicySet::payers`] order): whether a policy that splits per subject
    /// names it (it then has a line in every subject's totals).
    pub(crate) fn split_once_payers(&self) -> &[bool] {
        &self.split_once_payers
    }

    /// Every payer of the set, in order of first appearance over the policies' `funding`
    /// (a payer named by several policies is one payer).
    pub fn payers(&self) -> &[String] {
        &self.payers
    }

    /// The funding groups of the set: who pays each clause's awards.
    pub(crate) fn groups(&self) -> &funding::Groups {
        &self.groups
    }

    /// Whether an award can be made *already paid* by another award of the same decision.
    pub(crate) fn once_in_decision(&self) -> bool {
        self.once_in_decision
    }

    /// Whether a clause of the set pays its award in stages.
    pub(crate) fn has_stages(&self) -> bool {
        self.staged
    }

    /// The compiled programs.
    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    /// Fixes the options, for evaluations that write what the tracer `T` writes: reads the
    /// settings against the parameters they complete.
    pub fn evaluator<T: Tracer>(
        &self,
        options: &Options,
    ) -> Result<Evaluator<'_, T>, Vec<FactProblem>> {
        let mut problems = Vec::new();
        let mut settings: Vec<Vec<Option<Value>>> = self
            .programs
            .iter()
            .map(|p| vec![None; p.params.len()])
            .collect();
        // Each parameter's name as met, with the setting's name as given: two spellings of
        // one name would otherwise leave one value silently in place of the other.
        let mut met: BTreeMap<String, &str> = BTreeMap::new();
        for (name, text) in &options.settings {
            let mut found = false;
            // Named as data names an input (NFC, ends trimmed; `keys::written_name`), so a
            // compatibility ideograph is the ideograph the policy wrote.
            let key = crate::keys::written_name(name);
            if let Some(first) = met.insert(key.to_string(), name) {
                problems.push(
                    FactProblem::new(ProblemCode::DuplicateSetting, format!("setting {key}"))
                        .name(&*key)
                        .first_place(format!("`{first}`"))
                        .place(format!("`{name}`")),
                );
                continue;
            }
            for (pi, p) in self.programs.iter().enumerate() {
                let Some(i) = p.params.iter().position(|x| x.name == *key) else {
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
                    // Read like a fact of the parameter's type: an amount of money (or a
                    // quantity) is at least zero, as a fact's is (F0109); a parameter cannot
                    // be declared `signed`.
                    Ok(Value::Num(d))
                        if d.is_sign_negative()
                            && !d.is_zero()
                            && matches!(param.flavor, Flavor::Money | Flavor::Quantity) =>
                    {
                        problems.push(
                            FactProblem::new(ProblemCode::Negative, format!("setting {name}"))
                                .name(name.as_str())
                                .found(facts::show_found(facts::FactRef::Text(text)))
                                .declared_at(p.header.document.clone()),
                        )
                    }
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
                id: next_id(),
                tracer: std::marker::PhantomData,
            })
        } else {
            Err(problems)
        }
    }

    /// Evaluates one subject's facts, with reasons (what `pol eval` prints); an explanation is
    /// `self.evaluator::<Explain>(options)?.evaluate(facts)`.
    #[cfg(test)]
    pub fn evaluate(
        &self,
        facts: &Facts,
        options: &Options,
    ) -> Result<Decision<'_>, Vec<FactProblem>> {
        self.evaluator::<Reasons>(options)?.evaluate(facts)
    }
}

impl<'p, T: Tracer> Evaluator<'p, T> {
    /// The policy set this evaluator evaluates.
    pub fn policies(&self) -> &'p PolicySet {
        self.set
    }

    /// Binds `facts` to every program (reporting every value that does not fit) and decides.
    /// A subject that cannot be settled ([`Failure`]) comes back as one more problem, under
    /// the path `totals`; [`Evaluator::try_evaluate`] keeps it apart, with its code.
    pub fn evaluate(&self, facts: &Facts) -> Result<Decision<'p>, Vec<FactProblem>> {
        self.try_evaluate(facts).map_err(|e| match e {
            EvalError::Facts(problems) => problems,
            EvalError::Failed(f) => vec![FactProblem::new(f.code, "totals").hint(f.message)],
        })
    }

    /// [`Evaluator::evaluate`], with a subject that cannot be settled kept apart from problems
    /// with its facts.
    pub fn try_evaluate(&self, facts: &Facts) -> Result<Decision<'p>, EvalError> {
        let programs: Vec<&Program> = self.set.programs.iter().collect();
        let bound = self.bind(facts).map_err(|mut problems| {
            // Bare percentages refused beside others read as ratios: those are named too.
            let warnings = facts::bare_ratio_warnings(&programs, facts, &problems);
            problems.extend(warnings);
            EvalError::Facts(problems)
        })?;
        let mut decision = self
            .decide(facts.kind, &facts.id, &bound)
            .map_err(EvalError::Failed)?;
        decision.warnings = facts::unknown_attributes(&programs, facts);
        Ok(decision)
    }

    /// Binds facts to each program's slots.
    pub fn bind(&self, facts: &Facts) -> Result<Vec<facts::Bound>, Vec<FactProblem>> {
        let mut problems = Vec::new();
        // Through a set, so that facts with many bad claims are reported in linear time.
        let mut seen = std::collections::HashSet::new();
        let mut bound = Vec::with_capacity(self.set.programs.len());
        // Which item each claim is for: resolved once for the set, then bound per program.
        let addressed = match items::resolve(&self.set.programs, facts.kind, &facts.claims) {
            Ok(a) => a,
            // Reported with the values' problems, so one run shows them all.
            Err(p) => {
                problems.extend(p);
                Vec::new()
            }
        };
        for (pi, p) in self.set.programs.iter().enumerate() {
            let of_this: Vec<Option<u32>> = addressed
                .iter()
                .map(|a| a.and_then(|(api, item)| (api == pi).then_some(item)))
                .collect();
            match facts::bind(p, facts, &of_this) {
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
        if let Err(e) = self.bind_history(facts.kind, &facts.history, &mut bound) {
            problems.extend(e);
        }
        if problems.is_empty() {
            Ok(bound)
        } else {
            Err(problems)
        }
    }
}

impl<T: Tracer> Evaluator<'_, T> {
    /// Matches the earlier grants of a subject of kind `kind` to the clauses of the set
    /// (refusing a grant its clause cannot have paid that subject) and gives them to its
    /// facts bound to each program (none when `history` is empty: bound facts reused from one
    /// subject to the next are cleared of the last one's).
    #[inline]
    pub fn bind_history(
        &self,
        kind: crate::compile::Kind,
        history: &[history::PastGrant],
        bound: &mut [facts::Bound],
    ) -> Result<(), Vec<FactProblem>> {
        // A subject without grants after one without: nothing to bind or clear (most
        // subjects of a population; checked where it is called).
        if history.is_empty() && bound.iter().all(|b| b.history.is_empty()) {
            return Ok(());
        }
        self.rebind_history(kind, history, bound)
    }

    /// Checks the grants of a subject that is not evaluated (a subject of a simulation's
    /// history that is not in its population) by the rules a subject's grants are checked
    /// by, as far as they hold without its facts: each names a document and clause of the
    /// set and fits its clause (item, matter, dates, stage, year of a run; any kind of
    /// subject, whose kind is not known). The grants
    /// matched to their clauses, or every problem (paths `history[i]`, `i` the grant's
    /// position). Grants listed twice are the caller's to find, where their places are known.
    pub(crate) fn resolve_outside(
        &self,
        history: &[history::PastGrant],
    ) -> Result<std::sync::Arc<history::History>, Vec<FactProblem>> {
        // Its kind is not known: a policy's budget pays its clauses for every kind.
        history::resolve(
            &self.set.programs,
            &self.set.names,
            &[],
            None,
            history,
            self.date,
        )
    }

    /// [`Evaluator::bind_history`] when there are grants to bind, or the last subject's to
    /// clear.
    fn rebind_history(
        &self,
        kind: crate::compile::Kind,
        history: &[history::PastGrant],
        bound: &mut [facts::Bound],
    ) -> Result<(), Vec<FactProblem>> {
        let grants = if history.is_empty() {
            std::sync::Arc::default()
        } else {
            history::resolve(
                &self.set.programs,
                &self.set.names,
                bound,
                Some(kind),
                history,
                self.date,
            )?
        };
        for b in bound {
            b.history = grants.clone();
        }
        Ok(())
    }
}

/// Why a subject gets no decision.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EvalError {
    /// The facts do not fit the policies: every problem found.
    Facts(Vec<FactProblem>),
    /// The subject cannot be settled: a sum too large to hold exactly (F04xx), or a broken
    /// rule of pol's own (F0901).
    Failed(Failure),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Facts(p) => write!(f, "{} problems with the facts", p.len()),
            EvalError::Failed(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EvalError {}
