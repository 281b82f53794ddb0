//! The history of past grants: what a subject has already been paid, and what it changes.
//!
//! Input: the `history` list of the facts (each grant names a document and a clause, with its
//! date and amount; optionally the item, matter and claim, and the stage or year of a run it
//! paid), the policy set and the evaluation date. Output: grants matched to the clauses that
//! paid them; for each instance of a once-only clause (`once per KIND [and matter]`), and each
//! year of a run, whether an earlier grant makes it *already paid* (a stage is marked so by
//! `stages`); for each running total (per-subject caps and limits) what the history has
//! counted before this decision; and each cap's and limit's headroom after the decision.
//! Guarantee: a grant naming a document or clause no loaded policy has, dated after the
//! evaluation date or before its policy was issued, or that its clause cannot have paid the
//! subject as given (another kind, a claim missing or out of place, a hidden character, a
//! stage or year missing or not its clause's), is a coded fact error (F016x, F017x), never
//! ignored; history only ever lowers what is
//! paid (it fills running totals and blocks once-only awards).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::bounds::{describe_bound, Counter};
use super::decision::{Amount, Outcome};
use super::facts::{show_found, FactProblem, FactRef};
use super::format;
use super::json::{Json, Node};
use super::run::{Scratch, Verdict};
use super::trace::Tracer;
use super::Evaluator;
use crate::check::closest;
use crate::check::types::Flavor;
use crate::compile::{ClauseDef, Kind, LimitUse, OnceDef, Program};
use crate::keys::{document_key, key};
use crate::problem::ProblemCode;

/// One earlier grant as the facts give it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PastGrant {
    /// The document number of the policy that paid it.
    pub document: String,
    /// The clause that paid it.
    pub clause: String,
    /// The application item it was paid for, when given (an opaque key).
    pub item: Option<String>,
    /// The matter it was paid for; the clause's matter when not given.
    pub matter: Option<String>,
    /// The claim (project, contract) it was paid for, when it was paid per claim.
    pub claim: Option<String>,
    /// The stage it paid, for a clause paid in stages (`stages { 签约: 40%, ... }`): a stage
    /// paid is not paid again.
    pub stage: Option<String>,
    /// The year of the run it paid, for a clause paid each year of a run (`for 3 years ...`):
    /// that year is not paid again, and yearly caps and limits count the grant in it.
    pub year: Option<i32>,
    /// The date it was granted: yearly limits count it in this date's calendar year.
    pub date: NaiveDate,
    /// What was paid.
    pub amount: Decimal,
}

impl PastGrant {
    /// The calendar year yearly caps, limits and budgets count the grant in: the year of the
    /// run it paid, for a grant of a year of a run (that year's award is counted in it,
    /// whenever it was paid out), else the year of its date.
    pub fn counted_in(&self) -> i32 {
        self.year.unwrap_or_else(|| self.date.year())
    }
}

/// An earlier grant matched to the clause of the policy set that paid it.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    /// The policy's position in the set.
    pub pi: usize,
    /// The clause's position in its policy.
    pub ci: usize,
    /// The matter it was paid for, as a key ([`crate::keys::key`]).
    matter: String,
    /// The claim it was paid for, as a key.
    claim: Option<String>,
    /// The stage it paid (its position among its clause's stages), for a staged clause.
    pub stage: Option<usize>,
    /// The grant as given.
    pub given: PastGrant,
}

/// A subject's earlier grants matched to their clauses, with what caps, limits and once-only
/// awards ask of them worked out once, when they are bound: the sum of the grants of each
/// clause (and of each shared limit), for each claim and each year, and the first grant of
/// each clause and matter. A subject with many claims asks once per claim; reading every grant
/// each time made 20,000 claims with their grants take minutes (attack run, F24).
#[derive(Debug, Default)]
pub struct History {
    /// The grants, in the order given.
    grants: Vec<Grant>,
    /// The grants' claim keys, numbered.
    claims: HashMap<String, u32>,
    /// The grants' matter keys, numbered.
    matters: HashMap<String, u32>,
    /// What the grants paid (exactly, and rounded up to the policy's rounding step), by what
    /// they count towards, the claims they were paid for, and their year (`None`: any year).
    sums: HashMap<(Of, Sel, Option<i32>), (Decimal, Decimal)>,
    /// The position of the first grant of a clause or matter, for the claims selected, and
    /// when that grant paid a stage, of the first grant after it that is not a stage of the
    /// same award (a once-only award asks past the grants of its own stages).
    first: HashMap<(Who, Sel), (usize, Option<usize>)>,
    /// Per clause and claim: what its grants that name no stage paid (exactly, and as
    /// counted). A grant of a stage of the claim's award is a part of the award the claim's
    /// caps bound, not an earlier award: counted before it, the stage would count twice.
    unstaged: HashMap<(usize, usize, u32), (Decimal, Decimal)>,
    /// Per clause and year of its run: the first grant that paid that year.
    run_years: HashMap<(usize, usize, i32), usize>,
}

/// What a sum of grants counts towards: a clause's caps and own limits, or a shared limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Of {
    /// The grants of clause `ci` of policy `pi`.
    Clause(usize, usize),
    /// The grants of the clauses of policy `pi` that name its shared limit `li`.
    Limit(usize, usize),
}

/// Who paid a grant, as a once-only award asks: the clause, or (`and matter`) the matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    Clause(usize, usize),
    Matter(u32),
}

/// Which grants a sum or a first grant is over: all, or those paid for one claim (`None`:
/// those that name no claim).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Sel {
    Any,
    Claim(Option<u32>),
}

impl std::ops::Deref for History {
    type Target = [Grant];
    fn deref(&self) -> &[Grant] {
        &self.grants
    }
}

impl History {
    /// Indexes `grants` (matched to `programs`). A sum that cannot be held exactly, or not
    /// rounded up to its policy's step, is an overflow (F0401), never clamped.
    fn new(programs: &[Program], grants: Vec<Grant>) -> Result<History, Box<FactProblem>> {
        let mut h = History {
            grants: Vec::new(),
            ..History::default()
        };
        for (i, g) in grants.iter().enumerate() {
            let claim = g.claim.as_ref().map(|c| {
                let n = h.claims.len() as u32;
                *h.claims.entry(c.clone()).or_insert(n)
            });
            let n = h.matters.len() as u32;
            let matter = *h.matters.entry(g.matter.clone()).or_insert(n);
            let program = &programs[g.pi];
            let mut of = vec![Of::Clause(g.pi, g.ci)];
            for l in &program.clauses[g.ci].limits {
                if let LimitUse::Shared(li) = l {
                    let limit = Of::Limit(g.pi, *li as usize);
                    if !of.contains(&limit) {
                        of.push(limit);
                    }
                }
            }
            // A grant of a year of a run counts in that year, whenever it was paid out.
            let year = g.counted_in();
            for sel in [Sel::Any, Sel::Claim(claim)] {
                for &o in &of {
                    for y in [None, Some(year)] {
                        let sum = &mut h.sums.entry((o, sel, y)).or_default().0;
                        *sum = super::decision::add_exact(*sum, g.given.amount).ok_or_else(|| {
                            Box::new(FactProblem::new(ProblemCode::SumOverflow, format!("history[{i}]"))
                                .hint(format!(
                                    "the earlier grants of {} {} add up to more than pol can hold exactly",
                                    g.given.document, g.given.clause
                                )))
                        })?;
                    }
                }
                for who in [Who::Clause(g.pi, g.ci), Who::Matter(matter)] {
                    let first = h.first.entry((who, sel)).or_insert((i, None));
                    let f = &grants[first.0];
                    let own_stage = f.stage.is_some()
                        && g.stage.is_some()
                        && (f.pi, f.ci, &f.claim) == (g.pi, g.ci, &g.claim);
                    if first.1.is_none() && f.stage.is_some() && !own_stage {
                        first.1 = Some(i);
                    }
                }
            }
            if let Some(y) = g.given.year {
                h.run_years.entry((g.pi, g.ci, y)).or_insert(i);
            }
            if let (None, Some(n)) = (g.stage, claim) {
                let sum = &mut h.unstaged.entry((g.pi, g.ci, n)).or_default().0;
                *sum = super::decision::add_exact(*sum, g.given.amount).ok_or_else(|| {
                    Box::new(
                        FactProblem::new(ProblemCode::SumOverflow, format!("history[{i}]")).hint(
                            format!(
                            "the earlier grants of {} {} add up to more than pol can hold exactly",
                            g.given.document, g.given.clause
                        ),
                        ),
                    )
                })?;
            }
        }
        // Paid in whole rounding steps, an award cut to a cap's room must leave whole steps:
        // grants finer than the step count as the whole steps they reach (README, "History").
        for ((of, ..), (exact, counted)) in h.sums.iter_mut() {
            let (Of::Clause(pi, _) | Of::Limit(pi, _)) = *of;
            let step = programs[pi].header.rounding_step;
            *counted = super::run::round(*exact, step, crate::ast::RoundingMode::Up)
                .filter(|c| *c >= *exact)
                .ok_or_else(|| {
                    Box::new(
                        FactProblem::new(ProblemCode::SumOverflow, "history").hint(format!(
                            "the earlier grants of {} add up to more than pol can hold exactly",
                            programs[pi].header.document
                        )),
                    )
                })?;
        }
        for ((pi, ..), (exact, counted)) in h.unstaged.iter_mut() {
            let step = programs[*pi].header.rounding_step;
            *counted = super::run::round(*exact, step, crate::ast::RoundingMode::Up)
                .filter(|c| *c >= *exact)
                .ok_or_else(|| {
                    Box::new(
                        FactProblem::new(ProblemCode::SumOverflow, "history").hint(format!(
                            "the earlier grants of {} add up to more than pol can hold exactly",
                            programs[*pi].header.document
                        )),
                    )
                })?;
        }
        h.grants = grants;
        Ok(h)
    }

    /// The selection of the grants for `claim` (a claim key; `None`: grants naming no claim),
    /// or `None` when no grant names that claim.
    fn claim(&self, claim: Option<&str>) -> Option<Sel> {
        match claim {
            None => Some(Sel::Claim(None)),
            Some(k) => self.claims.get(k).map(|&n| Sel::Claim(Some(n))),
        }
    }

    /// What the grants selected paid towards `of` in `year` (any year: `None`), exactly and
    /// as counted by a running total (rounded up to the policy's step).
    fn sum(&self, of: Of, sel: Option<Sel>, year: Option<i32>) -> (Decimal, Decimal) {
        #[cfg(test)]
        tests::LOOKUPS.with(|n| n.set(n.get() + 1));
        sel.and_then(|s| self.sums.get(&(of, s, year)).copied())
            .unwrap_or((Decimal::ZERO, Decimal::ZERO))
    }
}

impl Grant {
    /// The calendar year yearly caps and limits count the grant in ([`PastGrant::counted_in`]).
    pub(crate) fn counted_in(&self) -> i32 {
        self.given.counted_in()
    }

    /// Whether it paid a stage of the award of clause `(pi, ci)` for the claim whose id is
    /// `claim` as a key (`None` for an award to the subject): a part of that very award, not
    /// an earlier award.
    pub(super) fn stage_of(&self, pi: usize, ci: usize, claim: Option<&str>) -> bool {
        self.stage.is_some() && (self.pi, self.ci) == (pi, ci) && self.claim.as_deref() == claim
    }
}

/// The keys a grant may have; `document`, `clause`, `date` and `amount` are required.
const KEYS: [&str; 9] = [
    "document", "clause", "item", "matter", "claim", "stage", "year", "date", "amount",
];

/// The documents and clauses of a policy set in the form keys are compared in, worked out once
/// for the set: a grant's names are looked up in them (working out every clause's key again for
/// each grant made a simulation with a long history spend most of its time there).
#[derive(Debug, Default)]
pub(crate) struct Names {
    /// Document key -> the policy's position.
    documents: std::collections::HashMap<String, usize>,
    /// Per policy: clause key -> the clause's position (the first, for names given twice).
    clauses: Vec<std::collections::HashMap<String, usize>>,
    /// Per policy: each matter as a key, by its index.
    matters: Vec<Vec<String>>,
    /// Per policy: each matter's number among the set's matter keys (equal keys, one number;
    /// 0 is the key of no matter).
    matter_ids: Vec<Vec<u32>>,
}

impl Names {
    /// The names of `programs`.
    pub(crate) fn of(programs: &[Program]) -> Names {
        let mut documents = std::collections::HashMap::new();
        for (pi, p) in programs.iter().enumerate() {
            documents
                .entry(document_key(&p.header.document).into_owned())
                .or_insert(pi);
        }
        let clauses = programs
            .iter()
            .map(|p| {
                let mut m = std::collections::HashMap::new();
                for (ci, c) in p.clauses.iter().enumerate() {
                    m.entry(key(&c.name).into_owned()).or_insert(ci);
                }
                m
            })
            .collect();
        let matters = programs
            .iter()
            .map(|p| p.matters.iter().map(|m| key(m).into_owned()).collect())
            .collect::<Vec<Vec<String>>>();
        let mut ids = HashMap::from([(String::new(), 0u32)]);
        let matter_ids = matters
            .iter()
            .map(|ms| {
                ms.iter()
                    .map(|m| {
                        let n = ids.len() as u32;
                        *ids.entry(m.clone()).or_insert(n)
                    })
                    .collect()
            })
            .collect();
        Names {
            documents,
            clauses,
            matters,
            matter_ids,
        }
    }

    /// The number of the matter of clause `ci` of policy `pi` (0: none), equal for clauses
    /// whose matters are equal as keys.
    pub(crate) fn matter_of(&self, programs: &[Program], pi: usize, ci: usize) -> u32 {
        let m = programs[pi].clauses[ci].matter as usize;
        self.matter_ids[pi].get(m).copied().unwrap_or(0)
    }
}

/// Where the awards of a decision are listed for [`Evaluator::paid_in_decision`]: by clause
/// or matter, for any claim (`None`) or for one (`Some(claim)`), in evaluation order.
pub(crate) type OnceIndex = HashMap<
    (OnceWho, Option<Option<usize>>),
    Vec<usize>,
    std::hash::BuildHasherDefault<super::run::Fnv>,
>;

/// What a once-only award is paid once for: its clause, or (`and matter`) its matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum OnceWho {
    /// Clause `ci` of policy `pi`.
    Clause(usize, usize),
    /// A matter, by its number ([`Names::matter_of`]).
    Matter(u32),
}

/// Reads the facts' `history` (a list of grants), adding every problem to `problems`.
/// `place` gives the line of a byte offset of the facts' text.
pub(super) fn read(
    list: &[Node<'_>],
    place: &mut dyn FnMut(usize) -> String,
    problems: &mut Vec<FactProblem>,
) -> Vec<PastGrant> {
    let mut out = Vec::with_capacity(list.len());
    for (i, node) in list.iter().enumerate() {
        let path = format!("history[{i}]");
        let Json::Object(pairs) = &node.value else {
            problems.push(
                FactProblem::new(ProblemCode::BadGrant, path.as_str())
                    .name(path.as_str())
                    .expected("an object such as {\"document\": \"...\", \"clause\": \"...\", \"date\": \"2023-05-01\", \"amount\": \"20万元\"}")
                    .found(node.value.kind_words())
                    .place(place(node.at)),
            );
            continue;
        };
        if let Some(g) = read_one(pairs, &path, place, problems) {
            out.push((g, node.at, i));
        }
    }
    if let Some((a, b)) = repeated_grant(out.iter().map(|(g, _, _)| g)) {
        let ((_, at_a, i), (_, at_b, j)) = (&out[a], &out[b]);
        problems.push(repeated_grant_problem(
            &format!("history[{j}]"),
            format!("history[{i}] ({})", place(*at_a)),
            format!("history[{j}] ({})", place(*at_b)),
        ));
    }
    out.into_iter().map(|(g, _, _)| g).collect()
}

/// The first grant equal in every field to an earlier one, as the positions of both. Grants
/// have no id, so a copy cannot be told from a second payment: a history exported twice, or a
/// line doubled, would count the grant twice against every cap, so pol refuses it (F0171).
/// Grants are compared as pol reads them: names as keys (the document in its folded form, so
/// `测试（2024）3号` is `测试〔2024〕3号`) and amounts by value (6万元 is 60000), or a copy
/// spelled another way would be counted twice.
pub fn repeated_grant<'a>(grants: impl Iterator<Item = &'a PastGrant>) -> Option<(usize, usize)> {
    let mut seen = std::collections::HashMap::new();
    for (i, g) in grants.enumerate() {
        let compared = GrantIdentity::of(g);
        if let Some(&j) = seen.get(&compared) {
            return Some((j, i));
        }
        seen.insert(compared, i);
    }
    None
}

/// What makes two grants of one subject the same grant listed twice (F0171): the policy,
/// clause, claim, stage and year as keys, the date and the amount's value.
#[derive(PartialEq, Eq, Hash)]
struct GrantIdentity(
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i32>,
    NaiveDate,
    Decimal,
);

impl GrantIdentity {
    /// The identity of `g`.
    fn of(g: &PastGrant) -> GrantIdentity {
        let k = |t: &Option<String>| t.as_deref().map(|t| key(t).into_owned());
        // The item and matter are left out: a grant may only name its clause's own (F0161,
        // F0120), so a copy that adds or drops them is the same grant.
        GrantIdentity(
            crate::keys::document_key(&g.document).into_owned(),
            key(&g.clause).into_owned(),
            k(&g.claim),
            k(&g.stage),
            g.year,
            g.date,
            g.amount.normalize(),
        )
    }
}

/// The problem of a grant at `second` that repeats the grant at `first` (F0171).
pub fn repeated_grant_problem(path: &str, first: String, second: String) -> FactProblem {
    FactProblem::new(ProblemCode::DuplicateGrant, path)
        .first_place(first)
        .place(second)
}

/// One grant from its pairs (duplicate keys were reported by the caller), its problems added
/// to `problems` under `path`.
pub(crate) fn read_one(
    pairs: &[(String, Node<'_>)],
    path: &str,
    place: &mut dyn FnMut(usize) -> String,
    problems: &mut Vec<FactProblem>,
) -> Option<PastGrant> {
    let before = problems.len();
    for (k, v) in pairs {
        if !KEYS.contains(&k.as_str()) {
            let p = FactProblem::new(ProblemCode::BadGrant, format!("{path}.{k}"))
                .name(k.as_str())
                .expected(format!("one of the keys {}", KEYS.join(", ")))
                .found(format!("the key `{k}`"))
                .place(place(v.at));
            let p = match closest(k, KEYS) {
                Some(h) => p.hint(h),
                None => p,
            };
            problems.push(p);
        }
    }
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let mut text = |name: &str, required: bool, problems: &mut Vec<FactProblem>| match get(name)
        .map(|n| (&n.value, n.at))
    {
        Some((Json::Text(t), _)) if !t.trim().is_empty() => Some(t.clone()),
        None | Some((Json::Null, _)) if !required => None,
        other => {
            let found = match other {
                None => "nothing".to_string(),
                // A text it is, but one that names nothing.
                Some((Json::Text(t), _)) if t.is_empty() => "an empty text".to_string(),
                Some((Json::Text(_), _)) => "a text of white space only".to_string(),
                Some((v, _)) => v.kind_words().to_string(),
            };
            let p = FactProblem::new(ProblemCode::BadGrant, format!("{path}.{name}"))
                .name(name)
                .expected("a text that is not empty")
                .found(found);
            problems.push(match other {
                Some((_, at)) => p.place(place(at)),
                None => p,
            });
            None
        }
    };
    let document = text("document", true, problems);
    let clause = text("clause", true, problems);
    let item = text("item", false, problems);
    let matter = text("matter", false, problems);
    let stage = text("stage", false, problems);
    // These are compared as keys, which drop what no reader can see: a grant naming its clause
    // with a hidden or look-alike character would count for a clause its reader cannot tell.
    // Refused by the rule of every key ([`crate::keys::flaw`]).
    for (name, value) in [
        ("document", &document),
        ("clause", &clause),
        ("item", &item),
        ("matter", &matter),
        ("stage", &stage),
    ] {
        if let Some(flaw) = value.as_deref().and_then(crate::keys::flaw) {
            problems.push(
                FactProblem::new(ProblemCode::HiddenInGrant, format!("{path}.{name}"))
                    .name(name)
                    .found(super::format::escape(value.as_deref().unwrap_or("")).into_owned())
                    .hint(match flaw {
                        crate::keys::Flaw::Hidden(c) => {
                            format!("the hidden character U+{:04X}", u32::from(c))
                        }
                        crate::keys::Flaw::Padded => "white space at an end".to_string(),
                        crate::keys::Flaw::LookAlike(c) => {
                            format!("the look-alike character `{c}` (U+{:04X})", u32::from(c))
                        }
                    }),
            );
        }
    }
    let claim = text("claim", false, problems);
    if let Some(p) = claim
        .as_deref()
        .and_then(|c| super::facts::claim_id_problem(c, path))
    {
        problems.push(p);
    }
    let year = grant_year(get("year"), path, problems);
    let date = grant_date(get("date"), path, problems);
    let amount = grant_amount(get("amount"), path, problems);
    if problems.len() > before {
        return None;
    }
    Some(PastGrant {
        document: document?,
        clause: clause?,
        item,
        matter,
        claim,
        stage,
        year,
        date: date?,
        amount: amount?,
    })
}

/// A grant's `year` (of a run), when given: a year from 0001 to 9999 written with four digits,
/// as a number or a text (a history file's cell). Otherwise `None`, with its problem added.
fn grant_year(node: Option<&Node<'_>>, path: &str, problems: &mut Vec<FactProblem>) -> Option<i32> {
    let found = match node.map(|n| &n.value) {
        None | Some(Json::Null) => return None,
        Some(Json::Number(n)) => n.to_string(),
        Some(Json::Text(t)) => t.clone(),
        Some(other) => other.kind_words().to_string(),
    };
    let year = super::series::year_key(found.trim());
    if year.is_none() {
        problems.push(
            FactProblem::new(ProblemCode::BadGrant, format!("{path}.year"))
                .name("year")
                .expected("the year of the run it paid, written with four digits, e.g. 2024")
                .found(show_found(FactRef::Text(&found))),
        );
    }
    year
}

/// A grant's `date`, or `None` with its problem added.
fn grant_date(
    node: Option<&Node<'_>>,
    path: &str,
    problems: &mut Vec<FactProblem>,
) -> Option<NaiveDate> {
    match node.map(|n| &n.value) {
        Some(Json::Text(d)) => match crate::syntax::literal::read_date(d) {
            Ok(d) => Some(d),
            Err(why) => {
                problems.push(
                    FactProblem::new(ProblemCode::NotADate, format!("{path}.date"))
                        .name("date")
                        .found(show_found(FactRef::Text(d)))
                        .hint(why),
                );
                None
            }
        },
        other => {
            let found = other.map_or("nothing", |v| v.kind_words());
            problems.push(
                FactProblem::new(ProblemCode::BadGrant, format!("{path}.date"))
                    .name("date")
                    .expected("the date of the grant, e.g. \"2023-05-01\"")
                    .found(found),
            );
            None
        }
    }
}

/// A grant's `amount` (money, at least zero), or `None` with its problem added.
fn grant_amount(
    node: Option<&Node<'_>>,
    path: &str,
    problems: &mut Vec<FactProblem>,
) -> Option<Decimal> {
    match node.and_then(|n| super::facts::node_value(&n.value)) {
        Some(v) if v != super::facts::FactValue::Null => {
            let r = v.as_ref();
            match super::facts::read_scalar(Flavor::Money, None, r) {
                Ok(super::value::Value::Num(d)) if d.is_sign_negative() && !d.is_zero() => {
                    problems.push(
                        FactProblem::new(ProblemCode::Negative, format!("{path}.amount"))
                            .name("amount")
                            .found(show_found(r)),
                    );
                    None
                }
                // What was paid was paid in whole fen: a finer amount is a typo or a computed
                // figure, and counted under a cap it would make the next award pay a fraction
                // of a fen.
                Ok(super::value::Value::Num(d)) if d.normalize().scale() > 2 => {
                    problems.push(
                        FactProblem::new(ProblemCode::BadGrant, format!("{path}.amount"))
                            .name("amount")
                            .expected(
                                "an amount paid, in whole fen (at most two decimal places of 元)",
                            )
                            .found(show_found(r)),
                    );
                    None
                }
                // A grant of nothing paid nothing: counted, it would make a once-only award, a
                // stage or a year of a run *already paid* that was never paid (attack run).
                Ok(super::value::Value::Num(d)) if d.is_zero() => {
                    problems.push(
                        FactProblem::new(ProblemCode::BadGrant, format!("{path}.amount"))
                            .name("amount")
                            .expected("an amount paid, above zero (leave out what paid nothing)")
                            .found(show_found(r)),
                    );
                    None
                }
                Ok(super::value::Value::Num(d)) => Some(d),
                Ok(_) => None,
                Err(refusal) => {
                    problems.push(refusal.problem(
                        ProblemCode::WrongType,
                        format!("{path}.amount"),
                        "amount",
                        "money (an amount in 元, e.g. \"20万元\" or 200000)".to_string(),
                        r,
                    ));
                    None
                }
            }
        }
        _ => {
            problems.push(
                FactProblem::new(ProblemCode::BadGrant, format!("{path}.amount"))
                    .name("amount")
                    .expected("the amount paid, e.g. \"20万元\"")
                    .found("nothing"),
            );
            None
        }
    }
}

/// Matches each grant of a subject of kind `kind` to the clause that paid it: the document and
/// the clause are compared as keys. A grant naming a document or clause no policy of the set
/// has (F0161), dated after the evaluation date `date` (F0162) or before its policy was issued
/// (F0163), without the claim its per-claim clause pays per (F0164), with an item or claim its
/// clause does not pay per (F0167), of a clause for another kind (F0168), without the stage or
/// year of a run its clause pays in (F0170), with a stage or year its clause does not have
/// (F0175, F0176: the run's years from the subject's facts bound to each program, `bound`),
/// or paying a stage or year another grant paid (F0177) is an error.
pub(super) fn resolve(
    programs: &[Program],
    names: &Names,
    bound: &[super::facts::Bound],
    kind: Option<Kind>,
    history: &[PastGrant],
    date: NaiveDate,
) -> Result<Arc<History>, Vec<FactProblem>> {
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(history.len());
    // The clause of the grant before: a subject's grants mostly name a few clauses, written
    // the same way, so most grants are matched by comparing their texts with it.
    let mut last: Option<(&str, &str, usize, usize)> = None;
    for (i, g) in history.iter().enumerate() {
        let path = format!("history[{i}]");
        let (pi, ci) = match last {
            Some((d, c, pi, ci)) if d == g.document && c == g.clause => (pi, ci),
            _ => {
                let Some(&pi) = names.documents.get(&*document_key(&g.document)) else {
                    let known = programs.iter().map(|p| p.header.document.as_str());
                    problems.push(unknown(&path, "document", &g.document, known));
                    continue;
                };
                let Some(&ci) = names.clauses[pi].get(&*key(&g.clause)) else {
                    let known = programs[pi].clauses.iter().map(|c| c.name.as_str());
                    let p = unknown(&path, "clause", &g.clause, known);
                    problems.push(p.declared_at(g.document.as_str()));
                    continue;
                };
                last = Some((&g.document, &g.clause, pi, ci));
                (pi, ci)
            }
        };
        let program = &programs[pi];
        let clause = &program.clauses[ci];
        let clause_matter = names.matters[pi].get(clause.matter as usize);
        let misfit = misfit(program, clause, clause_matter, kind, g, &path, date)
            .or_else(|| part_misfit(clause, bound.get(pi), g, &path, date));
        if let Some(p) = misfit {
            problems.push(p);
            continue;
        }
        let stage = g.stage.as_deref().and_then(|name| {
            let name = key(name);
            clause.stages.iter().position(|s| key(&s.name) == name)
        });
        let matter = match (&g.matter, clause_matter) {
            (None, Some(m)) => m.clone(),
            (given, _) => key(given.as_deref().unwrap_or("")).into_owned(),
        };
        out.push(Grant {
            pi,
            ci,
            matter,
            claim: g.claim.as_deref().map(|c| key(c).into_owned()),
            stage,
            given: g.clone(),
        });
    }
    if problems.is_empty() {
        if let Some((a, b)) = part_paid_twice(&out) {
            let g = &out[b].given;
            let part = match (&g.stage, g.year) {
                (Some(s), _) => format!("the stage {s}"),
                (_, year) => format!("the year {} of the run", year.unwrap_or_default()),
            };
            // Positions in the list as given: the grants before were all resolved.
            problems.push(
                FactProblem::new(ProblemCode::GrantPartPaidTwice, format!("history[{b}]"))
                    .name(format!("{} {}", g.document, g.clause))
                    .found(part)
                    .first_place(format!("history[{a}]"))
                    .place(format!("history[{b}]")),
            );
        }
    }
    if problems.is_empty() {
        History::new(programs, out)
            .map(Arc::new)
            .map_err(|p| vec![*p])
    } else {
        Err(problems)
    }
}

/// What contradicts the grant `g` of `clause` (of `program`, whose matter is `clause_matter`
/// as a key) for a subject of kind `kind` on the evaluation date `date`, if anything: the
/// checks of [`resolve`] once the clause is found.
fn misfit(
    program: &Program,
    clause: &ClauseDef,
    clause_matter: Option<&String>,
    kind: Option<Kind>,
    g: &PastGrant,
    path: &str,
    date: NaiveDate,
) -> Option<FactProblem> {
    // A grant that names its item names the one its clause answers (compared as keys).
    let item = clause.item.and_then(|i| program.items.get(i as usize));
    if let (Some(given), Some(declared)) = (g.item.as_deref(), item) {
        if key(given) != key(declared) {
            let p = unknown(path, "item", given, std::iter::once(declared.as_str()));
            return Some(p.declared_at(format!("{} {}", g.document, g.clause)));
        }
    }
    let named = || format!("{} {}", g.document, g.clause);
    // A clause of another kind of subject never paid this one: counted, it would fill a
    // cap or block an award it has nothing to do with. (A subject whose kind is not known,
    // one of a simulation's history outside its population, may be of any.)
    if let Some(kind) = kind.filter(|k| !clause.subjects.contains(k)) {
        let kinds: Vec<&str> = clause.subjects.iter().map(|k| k.as_str()).collect();
        return Some(
            FactProblem::new(ProblemCode::GrantOtherKind, format!("{path}.clause"))
                .name(named())
                .expected(kinds.join(", "))
                .found(kind.as_str()),
        );
    }
    // A per-claim clause counts what it paid per claim: a grant without its claim would
    // count towards no claim's caps and block no `once per project`, paying it again.
    if clause.per_claim && g.claim.is_none() {
        return Some(
            FactProblem::new(ProblemCode::GrantWithoutClaim, format!("{path}.claim")).name(named()),
        );
    }
    // A clause paid to the subject answers no item and pays no claim: a grant naming one
    // was paid by another clause, or the grant is misread.
    if !clause.per_claim {
        let given = [("item", &g.item), ("claim", &g.claim)]
            .into_iter()
            .find_map(|(n, v)| v.as_deref().map(|v| (n, v)));
        if let Some((what, value)) = given {
            return Some(
                FactProblem::new(ProblemCode::GrantClaimOfSubject, format!("{path}.{what}"))
                    .name(named())
                    .expected(what)
                    .found(value),
            );
        }
    }
    // A policy pays nothing before it exists (a retroactive window included: its grants
    // are paid once it is issued); a year 0000 or a typo of the century lands here too.
    if g.date < program.header.issued {
        return Some(
            FactProblem::new(ProblemCode::GrantBeforeIssue, format!("{path}.date"))
                .name(named())
                .found(g.date.to_string())
                .expected(program.header.issued.to_string()),
        );
    }
    if g.date > date {
        return Some(
            FactProblem::new(ProblemCode::FutureGrant, format!("{path}.date"))
                .name(format!("{} {}", g.document, g.clause))
                .found(g.date.to_string())
                .expected(date.to_string()),
        );
    }
    // A grant of a clause was paid for that clause's matter: a grant naming another would
    // escape the clause's own `once` (counted under the other matter) or block another
    // clause's, so it is refused rather than read one way or the other.
    if let (Some(given), Some(declared)) = (g.matter.as_deref(), clause_matter) {
        if *key(given) != **declared {
            let written = program.matters.get(clause.matter as usize);
            let declared = written.map_or(declared.as_str(), String::as_str);
            let p = unknown(path, "matter", given, std::iter::once(declared));
            return Some(p.declared_at(named()));
        }
    }
    None
}

/// What contradicts the part of its clause's award the grant `g` says it paid, if anything: a
/// clause paid in stages needs the grant's `stage` (one of its stages), a clause paid each
/// year of a run its `year` (one of the run's years, when `bound` gives the run's start), and
/// any other clause neither. A grant counted against a whole award it paid only a part of
/// would pay a stage or a year again, or hold back one now due (F0170, F0175, F0176).
fn part_misfit(
    clause: &ClauseDef,
    bound: Option<&super::facts::Bound>,
    g: &PastGrant,
    path: &str,
    date: NaiveDate,
) -> Option<FactProblem> {
    let named = || format!("{} {}", g.document, g.clause);
    let stage_names = || clause.stages.iter().map(|s| s.name.as_str());
    if let Some(stage) = g.stage.as_deref() {
        let known = clause.stages.iter().any(|s| key(&s.name) == key(stage));
        if !known {
            let p = FactProblem::new(ProblemCode::UnknownGrantStage, format!("{path}.stage"))
                .name(named())
                .found(stage)
                .expected(stage_names().collect::<Vec<_>>().join(", "));
            return Some(match closest(stage, stage_names()) {
                Some(h) => p.hint(h),
                None => p,
            });
        }
    }
    if let Some(year) = g.year {
        let mut years = Vec::new();
        if let (Some(run), Some(b)) = (&clause.run, bound) {
            // The run's years hang on the subject's start date: not known without it (the
            // clause is then undetermined, and the grant is only counted).
            super::series::run_years(run, b, NaiveDate::MIN, |_, y| years.extend(y));
        }
        // Whatever the run's start, a year of it is paid only when its date is in the
        // clause's window and not after the evaluation date: a grant of a year outside those
        // (a typo, 2042 for 2024) paid no year of this run.
        let (first, last) = (
            clause.window.0.year(),
            clause.window.1.year().min(date.year()),
        );
        if years.is_empty() && clause.run.is_some() {
            years.extend(first..=last);
        }
        years.retain(|y| (first..=last).contains(y));
        let outside = clause.run.is_none() || !years.contains(&year);
        if outside {
            let listed: Vec<String> = match years.as_slice() {
                // Without the run's start, the window's years: named by their ends.
                [a, .., b] if years.len() > 5 => vec![format!("{a} to {b}")],
                _ => years.iter().map(i32::to_string).collect(),
            };
            let p = FactProblem::new(ProblemCode::GrantYearOutsideRun, format!("{path}.year"))
                .name(named())
                .found(year.to_string())
                .expected(listed.join(", "));
            let nearest = years
                .iter()
                .min_by_key(|y| (i64::from(**y) - i64::from(year)).abs());
            return Some(match nearest {
                Some(y) => p.hint(y.to_string()),
                None => p,
            });
        }
    }
    let missing = if !clause.stages.is_empty() && g.stage.is_none() {
        Some(("stages", stage_names().collect::<Vec<_>>().join(", ")))
    } else if clause.run.is_some() && g.year.is_none() {
        Some(("run", String::new()))
    } else {
        None
    };
    missing.map(|(how, expected)| {
        let what = if how == "stages" { "stage" } else { "year" };
        FactProblem::new(ProblemCode::GrantOfStagedClause, format!("{path}.{what}"))
            .name(named())
            .found(how)
            .expected(expected)
    })
}

/// Two grants of the history that pay one stage of one award (of one clause, for one claim),
/// or one year of one clause's run, as their positions: a stage or a year is paid once, so
/// the second is a copy or a misread part (F0177).
fn part_paid_twice(grants: &[Grant]) -> Option<(usize, usize)> {
    let mut seen = std::collections::HashMap::new();
    for (i, g) in grants.iter().enumerate() {
        let part = match (g.stage, g.given.year) {
            (Some(s), _) => (s as i64, 0),
            (None, Some(y)) => (i64::from(y), 1),
            (None, None) => continue,
        };
        let at = (g.pi, g.ci, g.claim.as_deref(), part);
        if let Some(&j) = seen.get(&at) {
            return Some((j, i));
        }
        seen.insert(at, i);
    }
    None
}

/// A grant names a `what` (document or clause) the policies do not have.
fn unknown<'a>(
    path: &str,
    what: &str,
    written: &str,
    known: impl Iterator<Item = &'a str> + Clone,
) -> FactProblem {
    let p = FactProblem::new(ProblemCode::UnknownGrant, format!("{path}.{what}"))
        .name(what)
        .found(written)
        .expected(known.clone().collect::<Vec<_>>().join(", "));
    match closest(written, known) {
        Some(h) => p.hint(h),
        None => p,
    }
}

/// The words of a problem with the history (F016x), for [`FactProblem::message`].
pub(super) fn words(p: &FactProblem) -> Option<(String, String)> {
    let f = |x: &Option<String>| x.clone().unwrap_or_default();
    let (name, expected, found, hint) = (f(&p.name), f(&p.expected), f(&p.found), f(&p.hint));
    Some(match p.code {
        ProblemCode::BadGrant => (
            format!("`{}` of the history must be {expected}, but it is {found}", p.path),
            if hint.is_empty() {
                "write each grant as {\"document\": \"嘉政发〔2023〕15号\", \"clause\": \"...\", \"date\": \"2023-05-01\", \"amount\": \"20万元\"}, with `item`, `matter`, `claim`, `stage` and `year` when known".to_string()
            } else {
                format!("did you mean `{hint}`?")
            },
        ),
        ProblemCode::UnknownGrant if name == "matter" => (
            format!(
                "the history's grant of {} names the matter `{found}`, but that clause pays the matter `{expected}`",
                f(&p.declared_at)
            ),
            "leave the grant's `matter` out (it is the clause's), or name the clause that paid it".to_string(),
        ),
        ProblemCode::UnknownGrant if name == "item" => (
            format!(
                "the history's grant of {} names the item `{found}`, but that clause answers the item `{expected}`",
                f(&p.declared_at)
            ),
            "give the grant the clause's item, or name the clause that paid it".to_string(),
        ),
        ProblemCode::UnknownGrant => (
            format!("the history names the {name} `{found}`, which no policy given has"),
            match (hint.is_empty(), name.as_str()) {
                (false, _) => format!("did you mean `{hint}`?"),
                (true, "clause") => format!("the clauses of {} are: {expected}", f(&p.declared_at)),
                (true, _) => format!("the policies given are: {expected}; give the policy that paid it too"),
            },
        ),
        ProblemCode::GrantWithoutClaim => (
            format!("the grant of {name} names no claim, but that clause pays each claim on its own"),
            "give the id of the claim the grant paid: `\"claim\": \"...\"`".to_string(),
        ),
        ProblemCode::GrantBeforeIssue => (
            format!("the grant of {name} is dated {found}, before its policy was issued on {expected}, so that policy cannot have paid it"),
            "check the grant's date, or name the policy that paid it".to_string(),
        ),
        ProblemCode::GrantOfStagedClause if found == "stages" => (
            format!("the grant of {name} does not say which stage it paid, and that clause pays its award in stages ({expected})"),
            format!("name the stage the grant paid, e.g. `\"stage\": \"{}\"` (a `stage` column in a history file)", expected.split(", ").next().unwrap_or_default()),
        ),
        ProblemCode::GrantOfStagedClause => (
            format!("the grant of {name} does not say which year it paid, and that clause pays each year of a run"),
            "name the year of the run the grant paid, e.g. `\"year\": 2024` (a `year` column in a history file)".to_string(),
        ),
        ProblemCode::UnknownGrantStage if expected.is_empty() => (
            format!("the grant of {name} names the stage `{found}`, but that clause does not pay in stages"),
            "leave the grant's `stage` out, or name the staged clause that paid it".to_string(),
        ),
        ProblemCode::UnknownGrantStage => (
            format!("the grant of {name} names the stage `{found}`, which that clause does not have; its stages are {expected}"),
            if hint.is_empty() {
                "name one of the clause's stages, as the policy writes it".to_string()
            } else {
                format!("did you mean `{hint}`?")
            },
        ),
        ProblemCode::GrantYearOutsideRun if expected.is_empty() => (
            format!("the grant of {name} names the year {found}, but that clause does not pay each year of a run"),
            "leave the grant's `year` out, or name the clause paid over a run of years that paid it".to_string(),
        ),
        ProblemCode::GrantYearOutsideRun => (
            format!("the grant of {name} names the year {found}, which is not a year of that clause's run for this subject ({expected})"),
            format!("did you mean {hint}? A run's years count from the subject's start date"),
        ),
        ProblemCode::GrantPartPaidTwice => (
            format!(
                "the history pays {found} of {name} twice: {} and {}",
                f(&p.first_place),
                f(&p.place)
            ),
            "a stage, or a year of a run, is paid once: delete the copy, or write the two payments as one grant of their sum".to_string(),
        ),
        ProblemCode::GrantClaimOfSubject => (
            format!("the grant of {name} names the {expected} `{found}`, but that clause is paid to the subject, not per claim"),
            format!("leave the grant's `{expected}` out, or name the per-claim clause that paid it"),
        ),
        ProblemCode::GrantOtherKind => (
            format!("the grant of {name} is in the history of a subject of kind {found}, but that clause is for {expected} only"),
            "name the clause that paid this subject, or give the grant to the subject it was paid to".to_string(),
        ),
        ProblemCode::HiddenInGrant => (
            format!("the history's `{}` `{found}` holds {hint}", p.path),
            "write it as the policy does, without that character".to_string(),
        ),
        ProblemCode::DuplicateGrant => (
            format!(
                "the history lists one grant twice, every field equal as pol reads it (names as keys, amounts by value): {} and {}",
                f(&p.first_place),
                f(&p.place)
            ),
            "delete the copy; if the subject really was paid twice the same day, write the two payments as one grant of their sum".to_string(),
        ),
        ProblemCode::FutureGrant => (
            format!("the grant of {name} is dated {found}, after the evaluation date {expected}, so it cannot have been paid yet"),
            "check the grant's date, or evaluate as of a later date (`--date`)".to_string(),
        ),
        _ => return None,
    })
}

/// An earlier grant in words, as an award already paid cites it: `嘉政发〔2023〕15号 项目资助
/// (stage 签约) for claim C1 on 2024-02-01, 100,000.00 元`.
pub(super) fn cite(g: &PastGrant) -> String {
    let stage = g
        .stage
        .as_deref()
        .map_or(String::new(), |s| format!(" (stage {s})"));
    let year = g
        .year
        .map_or(String::new(), |y| format!(" (year {y} of the run)"));
    let claim = g
        .claim
        .as_deref()
        .map_or(String::new(), |c| format!(" for claim {c}"));
    format!(
        "{} {}{stage}{year}{claim} on {}, {}",
        g.document,
        g.clause,
        g.date,
        format::money(g.amount)
    )
}

/// What earlier grants of the clause of `at` paid for its claim (by the claim id's key), as
/// counted: it counts against the clause's caps and limits per claim. Zero for a clause not
/// per claim.
pub(super) fn claim_seed(bound: &super::facts::Bound, at: super::run::At) -> Decimal {
    let Some(claim) = at.claim.and_then(|k| bound.claims.get(k)) else {
        return Decimal::ZERO;
    };
    if bound.history.is_empty() {
        return Decimal::ZERO;
    }
    // A grant of a stage of this claim's award is a part of the award the caps bound, not
    // an earlier award: counted before it, the stage would be counted twice.
    let h = &bound.history;
    match h.claim(Some(&key(&claim.id))) {
        Some(Sel::Claim(Some(n))) => h
            .unstaged
            .get(&(at.pi, at.ci, n))
            .map_or(Decimal::ZERO, |s| s.1),
        _ => Decimal::ZERO,
    }
}

/// What the history has counted towards `counter` before this decision: exactly, and as a
/// running total counts it (rounded up to the policy's rounding step, so that what is left
/// under the bound is whole steps).
pub(super) fn seed(bound: &super::facts::Bound, counter: Counter) -> (Decimal, Decimal) {
    let h = &bound.history;
    if h.is_empty() {
        return (Decimal::ZERO, Decimal::ZERO);
    }
    let claim = |k: usize| bound.claims.get(k).map(|c| key(&c.id));
    match counter {
        Counter::Cap { pi, ci, year, .. } | Counter::Own { pi, ci, year, .. } => {
            h.sum(Of::Clause(pi, ci), Some(Sel::Any), year)
        }
        // Per claim: the clause's grants for the same claim.
        Counter::Claim {
            pi, ci, claim: k, ..
        } => {
            let sel = claim(k).and_then(|c| h.claim(Some(&c)));
            h.sum(Of::Clause(pi, ci), sel, None)
        }
        Counter::Shared {
            pi,
            li,
            year,
            claim: per,
        } => {
            let sel = match per {
                None => Some(Sel::Any),
                Some(None) => h.claim(None),
                Some(Some(k)) => claim(k).and_then(|c| h.claim(Some(&c))),
            };
            h.sum(Of::Limit(pi, li), sel, year)
        }
    }
}

/// A cap's or limit's room after a decision: how much more could still be paid under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Headroom {
    /// `cap` or `limit`.
    pub kind: &'static str,
    /// The policy's document number.
    pub policy: String,
    /// The clause whose cap or own limit it is; for a shared limit, its name.
    pub name: String,
    /// The bound as written (`limit 20万元 per person per year`).
    pub bound: String,
    /// The calendar year it counts, for a yearly bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// The claim it counts, for a shared limit per project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// The bound's amount.
    #[serde(serialize_with = "super::format::serialize_canonical")]
    pub amount: Decimal,
    /// What earlier grants (the history) counted towards it.
    #[serde(serialize_with = "super::format::serialize_canonical")]
    pub history: Decimal,
    /// What is counted after this decision: the history and this decision's awards.
    pub counted: Amount,
    /// How much more could still be paid under it: `amount - counted`, at least zero.
    pub headroom: Amount,
}

impl<'p, T: Tracer> Evaluator<'p, T> {
    /// Whether instance `inst` of `clause` is paid already: for a clause paid each year of a
    /// run, a grant of the history of the instance's year; for a once-only clause, a grant of
    /// this clause (or, `and matter`, of its matter), for the same claim when it counts per
    /// claim, that is not a stage of this very award (an award some of whose stages were paid
    /// is granted: its other stages are still due, see [`super::stages`]). Writes the verdict
    /// as *already paid*, citing the grant.
    #[inline]
    pub(super) fn already_paid(
        &self,
        program: &Program,
        clause: &ClauseDef,
        bound: &super::facts::Bound,
        at: super::run::At,
        inst: &mut Verdict,
    ) -> bool {
        if bound.history.is_empty() {
            return false;
        }
        if let Some(year) = at.year {
            let h = &bound.history;
            let paid = h
                .run_years
                .get(&(at.pi, at.ci, year))
                .and_then(|&i| h.grants.get(i));
            let Some(g) = paid else {
                return false;
            };
            inst.outcome = Outcome::AlreadyPaid;
            T::reason(inst, || {
                format!(
                    "year {year} of the run already paid: granted under {}",
                    cite(&g.given)
                )
            });
            return true;
        }
        let Some(once) = clause.once else {
            return false;
        };
        let matter = program
            .matters
            .get(clause.matter as usize)
            .map_or(std::borrow::Cow::Borrowed(""), |m| key(m));
        let h = &bound.history;
        let sel = if once.per == Kind::Project {
            // Per project: a grant for the same claim (an instance without one has none).
            let claim = at.claim.and_then(|k| bound.claims.get(k));
            match claim {
                Some(c) => h.claim(Some(&key(&c.id))),
                None => None,
            }
        } else {
            Some(Sel::Any)
        };
        let who = if once.matter {
            h.matters.get(&*matter).map(|&m| Who::Matter(m))
        } else {
            Some(Who::Clause(at.pi, at.ci))
        };
        let claim_key = at
            .claim
            .and_then(|k| bound.claims.get(k))
            .map(|c| key(&c.id).into_owned());
        // The first grant, unless it paid a stage of this very award (then the first after it
        // that did not: an award some of whose stages were paid still has the others due).
        let found = who
            .zip(sel)
            .and_then(|k| h.first.get(&k))
            .and_then(|&(i, next)| {
                let g = h.grants.get(i)?;
                if g.stage_of(at.pi, at.ci, claim_key.as_deref()) {
                    next.and_then(|j| h.grants.get(j))
                } else {
                    Some(g)
                }
            });
        let Some(g) = found else {
            return false;
        };
        inst.outcome = Outcome::AlreadyPaid;
        T::reason(inst, || {
            format!(
                "paid once only (`once per {}{}`): already granted under {}",
                once.per.as_str(),
                if once.matter { " and matter" } else { "" },
                cite(&g.given)
            )
        });
        true
    }

    /// The earlier award of this decision that makes verdict `i` (of a once-only clause)
    /// *already paid*, if any: an award that is still paid or granted (superseded awards and
    /// awards already paid do not count; a staged award whose every stage waits is granted
    /// now and paid later, so it counts) of the same clause (with `and matter`, of any clause of the
    /// same matter), for the same claim under `once per project`, and that does not meet `i`
    /// under non-cumulation (awards that meet pay the matter once by themselves). Awards of
    /// events before `event` count as they were finally decided; within `event`, only a
    /// clause `once ... and matter` can be paid already, by an award of another clause that is
    /// not itself once-only for the matter, or that comes first in evaluation order.
    /// Only the awards listed under `i`'s clause or matter (and claim) in `index` are looked
    /// at: reading every earlier award made a decision of many claims quadratic.
    pub(super) fn paid_in_decision(
        &self,
        instances: &[Verdict],
        index: &OnceIndex,
        i: usize,
        event: std::ops::Range<usize>,
    ) -> Option<usize> {
        let programs = &self.set.programs;
        let v = &instances[i];
        let once = programs[v.pi].clauses[v.ci].once?;
        let who = if once.matter {
            OnceWho::Matter(self.set.names.matter_of(programs, v.pi, v.ci))
        } else {
            OnceWho::Clause(v.pi, v.ci)
        };
        let claim = (once.per == Kind::Project).then_some(v.claim);
        let listed = index.get(&(who, claim))?;
        let end = listed.partition_point(|&j| j < event.end);
        listed[..end].iter().copied().find(|&j| {
            #[cfg(test)]
            tests::LOOKUPS.with(|n| n.set(n.get() + 1));
            let e = &instances[j];
            // A staged award deferred as a whole is granted now (its stages are paid as they
            // fall due): it uses up `once` as an award paid now does, or a second once-only
            // award of the matter would be paid beside it.
            if j == i || !matches!(e.outcome, Outcome::Awarded | Outcome::Deferred) {
                return false;
            }
            // An award of an earlier event is final: one a cap or limit cut to nothing paid
            // nothing and uses nothing up (one of this event is checked after its caps).
            if j < event.start
                && e.outcome == Outcome::Awarded
                && e.paid.is_none_or(|p| p.max().is_zero())
            {
                return false;
            }
            if j >= event.start {
                let other = programs[e.pi].clauses[e.ci].once;
                let first = other.is_some_and(|o| o.matter) && j > i;
                if !once.matter || first {
                    return false;
                }
            }
            self.paid_before(instances, i, j, once)
        })
    }

    /// Whether award `j` is one that makes the once-only award `i` already paid (see
    /// [`Evaluator::paid_in_decision`]), whatever their order.
    fn paid_before(&self, instances: &[Verdict], i: usize, j: usize, once: OnceDef) -> bool {
        let (v, e) = (&instances[i], &instances[j]);
        let same = if once.matter {
            let (names, programs) = (&self.set.names, &self.set.programs);
            names.matter_of(programs, v.pi, v.ci) == names.matter_of(programs, e.pi, e.ci)
        } else {
            (v.pi, v.ci) == (e.pi, e.ci)
        };
        same && (once.per != Kind::Project || v.claim == e.claim) && !self.meet(v, e)
    }

    /// Lists the decision's verdicts in `scratch.once_at` by the clause, matter and claim
    /// [`Evaluator::paid_in_decision`] looks them up by.
    pub(super) fn index_once(&self, scratch: &mut Scratch<'p>) {
        let (names, programs) = (&self.set.names, &self.set.programs);
        scratch.once_at.clear();
        for (j, e) in scratch.instances.iter().enumerate() {
            let matter = OnceWho::Matter(names.matter_of(programs, e.pi, e.ci));
            for who in [OnceWho::Clause(e.pi, e.ci), matter] {
                for claim in [None, Some(e.claim)] {
                    scratch.once_at.entry((who, claim)).or_default().push(j);
                }
            }
        }
    }

    /// Makes the once-only awards of `event` that an earlier award of this decision paid
    /// already *already paid* (run event by event, before the event's caps and
    /// non-cumulation: what earlier events finally paid is known, and a superseded award paid
    /// nothing). An award that non-cumulation across levels assumed would be paid already
    /// ([`Evaluator::across_levels`]) but is not cannot be evaluated: which award of the matter
    /// is paid then hangs on both rules at once.
    pub(super) fn once_in_event(
        &self,
        scratch: &mut Scratch<'p>,
        bound: &[super::facts::Bound],
        event: std::ops::Range<usize>,
    ) {
        let programs = &self.set.programs;
        for i in event.clone() {
            let v = &scratch.instances[i];
            let once = programs[v.pi].clauses[v.ci].once;
            if once.is_none() {
                continue;
            }
            // An award non-cumulation across levels took as paid already ([`Evaluator::
            // across_levels`]): kept out of its comparison (`winner == i`), or superseded there
            // by `winner` without being compared. Either is right only if it is paid already.
            if let Some(&(_, due, winner)) = scratch.presumed.iter().find(|(p, ..)| *p == i) {
                let before =
                    self.paid_in_decision(&scratch.instances, &scratch.once_at, i, event.clone());
                let rank = |a: Amount| (a.max(), a.min());
                let kept = scratch.instances[winner].paid.unwrap_or(Amount::ZERO);
                if before.is_none() && (winner == i || rank(due) > rank(kept)) {
                    let v = &mut scratch.instances[i];
                    v.outcome = Outcome::CannotEvaluate;
                    v.paid = None;
                    T::reason(v, || {
                        "paid once only, and of the same matter as an award it meets across levels (non-cumulation): which is paid depends on an earlier award of this decision that non-cumulation supersedes, so it cannot be decided here; give the earlier award in the history, or evaluate the claims apart".to_string()
                    });
                    continue;
                }
            }
            if scratch.instances[i].outcome != Outcome::Awarded {
                continue;
            }
            let Some(j) =
                self.paid_in_decision(&scratch.instances, &scratch.once_at, i, event.clone())
            else {
                continue;
            };
            if j >= event.start {
                scratch.once_by.push((i, j));
            }
            scratch.once_from.push((i, j));
            let (pi, ci, claim, deferred) = {
                let e = &scratch.instances[j];
                (e.pi, e.ci, e.claim, e.outcome == Outcome::Deferred)
            };
            let v = &mut scratch.instances[i];
            v.outcome = Outcome::AlreadyPaid;
            v.paid = None;
            T::reason(v, || {
                let p = &programs[pi];
                let claim = claim
                    .and_then(|k| bound[pi].claims.get(k))
                    .map_or(String::new(), |c| format!(" for claim {}", c.id));
                let once = once.map_or(String::new(), |o| {
                    format!(
                        " (`once per {}{}`)",
                        o.per.as_str(),
                        if o.matter { " and matter" } else { "" }
                    )
                });
                let later = if deferred {
                    " (its stages are paid later)"
                } else {
                    ""
                };
                format!(
                    "paid once only{once}: already awarded in this decision under {} {}{claim}{later}",
                    p.header.document, p.clauses[ci].name
                )
            });
        }
    }

    /// After an event's caps and limits: a once-only award made *already paid* by an award of
    /// the same event that they cut to nothing was taken as paid by an award that pays
    /// nothing. Whether it is paid instead hangs on the caps and the once-only rule at once,
    /// so it cannot be evaluated, and says why (never paid twice, never silently dropped).
    pub(super) fn once_after_caps(&self, scratch: &mut Scratch<'p>) {
        let programs = &self.set.programs;
        for (i, j) in std::mem::take(&mut scratch.once_by) {
            let e = &scratch.instances[j];
            let nothing = e.outcome == Outcome::Awarded && e.paid.is_none_or(|p| p.max().is_zero());
            if !nothing || scratch.instances[i].outcome != Outcome::AlreadyPaid {
                continue;
            }
            let (document, clause) = (
                &programs[e.pi].header.document,
                &programs[e.pi].clauses[e.ci].name,
            );
            let v = &mut scratch.instances[i];
            v.outcome = Outcome::CannotEvaluate;
            v.paid = None;
            T::reason(v, || {
                format!("paid once only, and already awarded in this decision under {document} {clause}, but a cap or limit cut that award to nothing: whether this one is paid instead hangs on both rules at once, so it cannot be decided here; give the earlier award in the history, or evaluate the claims apart")
            });
        }
    }

    /// Every cap and limit the decision's awards met, with its room after the decision.
    pub(super) fn headroom(
        &self,
        scratch: &Scratch<'p>,
        bound: &[super::facts::Bound],
    ) -> Result<Vec<Headroom>, super::settle::Failure> {
        // Each bound once, in the order first met, with the least amount it was met with.
        let mut seen: Vec<(Counter, Decimal)> = Vec::new();
        let mut index: HashMap<Counter, usize> = HashMap::new();
        for &(counter, limit) in &scratch.bounds {
            match index.get(&counter) {
                Some(&i) => seen[i].1 = seen[i].1.min(limit),
                None => {
                    index.insert(counter, seen.len());
                    seen.push((counter, limit));
                }
            }
        }
        // The bounds an award is counted by without being in its range of running totals: its
        // clause's own per-subject caps, and its claim's caps and limits per claim. Looked up by
        // clause and claim, so a decision of many claims is read once rather than once per bound
        // (attack run: 20,000 claims under a cap per project took 10 s).
        let mut by_clause: HashMap<(usize, usize, Option<usize>), Vec<usize>> = HashMap::new();
        for (i, (counter, _)) in seen.iter().enumerate() {
            let at = match *counter {
                Counter::Cap { pi, ci, .. } => (pi, ci, None),
                Counter::Claim { pi, ci, claim, .. } => (pi, ci, Some(claim)),
                _ => continue,
            };
            by_clause.entry(at).or_default().push(i);
        }
        let programs = &self.set.programs;
        // What the history paid under each, exactly (as reported) and as counted.
        let seeds: Vec<(Decimal, Decimal)> =
            seen.iter().map(|(c, _)| seed(&bound[c.pi()], *c)).collect();
        let mut used: Vec<(Decimal, Decimal)> = seeds.iter().map(|&(h, _)| (h, h)).collect();
        let mut mine: Vec<usize> = Vec::new();
        let none = Vec::new();
        for v in scratch
            .instances
            .iter()
            .filter(|v| v.outcome == Outcome::Awarded)
        {
            mine.clear();
            let range = v.counters.0 as usize..v.counters.1 as usize;
            mine.extend(
                scratch.bounds[range]
                    .iter()
                    .filter_map(|(c, _)| index.get(c)),
            );
            for at in [(v.pi, v.ci, None), (v.pi, v.ci, v.claim)] {
                for &i in by_clause.get(&at).unwrap_or(&none) {
                    let counter = seen[i].0;
                    if own_cap_of(programs, v, counter) || claim_bound_of(v, counter) {
                        mine.push(i);
                    }
                }
            }
            mine.sort_unstable();
            mine.dedup();
            for &i in &mine {
                if let Some(p) = super::bounds::counted_by(v, seen[i].0) {
                    let (lo, hi) = &mut used[i];
                    let sum = |a, b| {
                        super::decision::add_exact(a, b).ok_or_else(|| {
                            super::settle::Failure::overflow("what a cap or limit has counted")
                        })
                    };
                    *lo = sum(*lo, p.min())?;
                    *hi = sum(*hi, p.max())?;
                }
            }
        }
        Ok(seen
            .into_iter()
            .zip(used)
            .zip(seeds)
            .map(|(((counter, limit), (lo, hi)), (history, counted))| {
                // The room is what whole steps can still be paid: the history as counted.
                let room = |used: Decimal| (limit - used - (counted - history)).max(Decimal::ZERO);
                self.headroom_entry(
                    counter,
                    limit,
                    bound,
                    history,
                    (lo, hi),
                    (room(hi), room(lo)),
                )
            })
            .collect())
    }

    /// One line of [`Evaluator::headroom`].
    fn headroom_entry(
        &self,
        counter: Counter,
        limit: Decimal,
        bound: &[super::facts::Bound],
        history: Decimal,
        (lo, hi): (Decimal, Decimal),
        (least, most): (Decimal, Decimal),
    ) -> Headroom {
        let program = &self.set.programs[counter.pi()];
        let (kind, name, def, year, claim) = match counter {
            Counter::Cap { ci, k, year, .. } => {
                let c = &program.clauses[ci];
                ("cap", c.name.clone(), c.caps.get(k), year, None)
            }
            Counter::Own { ci, k, year, .. } => {
                let c = &program.clauses[ci];
                let def = match c.limits.get(k) {
                    Some(LimitUse::Own(b)) => Some(b),
                    _ => None,
                };
                ("limit", c.name.clone(), def, year, None)
            }
            Counter::Claim {
                pi,
                ci,
                k,
                limit,
                claim,
            } => {
                let c = &program.clauses[ci];
                let def = if limit {
                    match c.limits.get(k) {
                        Some(LimitUse::Own(b)) => Some(b),
                        _ => None,
                    }
                } else {
                    c.caps.get(k)
                };
                let claim = bound[pi].claims.get(claim).map(|c| c.id.clone());
                let kind = if limit { "limit" } else { "cap" };
                (kind, c.name.clone(), def, None, claim)
            }
            Counter::Shared {
                pi,
                li,
                year,
                claim,
            } => {
                let l = program.limits.get(li);
                let claim = claim
                    .flatten()
                    .and_then(|k| bound[pi].claims.get(k))
                    .map(|c| c.id.clone());
                let name = l.map_or(String::new(), |l| l.name.clone());
                ("limit", name, l.map(|l| &l.bound), year, claim)
            }
        };
        Headroom {
            kind,
            policy: program.header.document.clone(),
            name,
            bound: def.map_or(String::new(), |b| describe_bound(program, kind, b, limit)),
            year,
            claim,
            amount: limit,
            history,
            counted: Amount::spanning(lo, hi),
            headroom: Amount::spanning(least, most),
        }
    }
}

/// Whether `counter` is one of verdict `v`'s caps or limits per claim (applied as its claim
/// was evaluated, and listed for the headroom only).
fn claim_bound_of(v: &Verdict, counter: Counter) -> bool {
    match counter {
        Counter::Claim { pi, ci, claim, .. } => (v.pi, v.ci, v.claim) == (pi, ci, Some(claim)),
        _ => false,
    }
}

/// Whether `counter` is verdict `v`'s own per-subject cap, applied as it was evaluated (a
/// clause not evaluated per claim): it lies in no verdict's range of running totals.
fn own_cap_of(programs: &[Program], v: &Verdict, counter: Counter) -> bool {
    match counter {
        Counter::Cap { pi, ci, .. } => {
            v.pi == pi && v.ci == ci && !programs[pi].clauses[ci].per_claim
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Sums of grants and earlier awards looked up for caps, limits and once-only
        /// awards on this thread: each lookup is one step, so a decision's work is counted.
        pub(super) static LOOKUPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    const POLICY: &str = include_str!("../../policies/jiazhengfa-2023-15.pol");

    fn grants(json: &str) -> (Vec<PastGrant>, Vec<FactProblem>) {
        let node = crate::eval::json::parse(json).unwrap();
        let Json::List(list) = &node.value else {
            panic!("a list")
        };
        let mut problems = Vec::new();
        let out = read(list, &mut |at| format!("byte {at}"), &mut problems);
        (out, problems)
    }

    fn program() -> Program {
        crate::compile_source(POLICY).program.unwrap()
    }

    /// A policy of a per-claim clause paid once per project and matter, under a cap per
    /// project, and a subject-level clause under a cap and a yearly limit (the attack run's
    /// h.pol), with `rounding` as given.
    fn capped(rounding: &str) -> crate::PolicySet {
        let text = format!(
            "policy \"测试〔2024〕6号\" {{\n  title \"t\"\n  issued 2024-01-01\n  effective 2024-01-01 to 2025-12-31\n  funding {{ 甲: 50%, 乙: 50% }}\n  same_matter cumulative\n{rounding}}}\n\
             input enterprise {{ 金额: money }}\ninput project {{ 合同额: money }}\n\
             clause 年度 {{ source \"第二条\" award 100% of 金额 cap 20万元 per enterprise limit 30万元 per enterprise per year }}\n\
             clause 项目 {{ source \"第三条\" per project item \"项目\" award 50% of 合同额 once per project and matter cap 5万元 per project }}\n"
        );
        crate::PolicySet::compile(&[("h.pol", &text)]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn on(date: &str) -> crate::Options {
        crate::Options::on(date.parse().unwrap())
    }

    /// Attack run F24: a decision of many claims, half of them with an earlier grant, read
    /// every grant and every earlier award for each claim (40,000 claims: 97 s). The lookups
    /// are counted, not timed: a bounded number per claim.
    #[test]
    fn many_claims_with_grants_take_bounded_lookups_per_claim() {
        let set = capped("");
        for n in [10usize, 100_000] {
            let claims: Vec<String> = (0..n)
                .map(|i| format!(r#"{{"id": "C{i}", "date": "2024-01-01", "item": "项目", "attributes": {{"合同额": "1万元"}}}}"#))
                .collect();
            let grants: Vec<String> = (0..n)
                .step_by(2)
                .map(|i| format!(r#"{{"document": "测试〔2024〕6号", "clause": "项目", "claim": "C{i}", "date": "2024-01-10", "amount": "1元"}}"#))
                .collect();
            let json = format!(
                r#"{{"kind": "enterprise", "id": "E1", "attributes": {{"金额": "25万元"}}, "claims": [{}], "history": [{}]}}"#,
                claims.join(","),
                grants.join(",")
            );
            let facts = crate::Facts::from_json(&json).unwrap();
            LOOKUPS.with(|c| c.set(0));
            let d = set.evaluate(&facts, &on("2024-05-01")).unwrap();
            let lookups = LOOKUPS.with(std::cell::Cell::get);
            assert!(
                lookups <= 8 * n as u64 + 16,
                "{n} claims: {lookups} lookups"
            );
            let paid = |o: Outcome| d.clauses.iter().filter(|c| c.outcome == o).count();
            assert_eq!(
                paid(Outcome::AlreadyPaid),
                n / 2,
                "the claims granted before"
            );
            assert_eq!(paid(Outcome::Awarded), n / 2 + 1);
        }
    }

    /// Attack run F4: two grants of 500000000000000000000000000.01 元 came to
    /// 1000000000000000000000000000.0 (the fen lost), and two of 5 × 10^28 to the largest
    /// decimal. A sum of grants that cannot be held exactly is F0401, not a clamp.
    #[test]
    fn a_sum_of_grants_too_large_to_hold_exactly_is_an_overflow() {
        let set = capped("");
        for amount in [
            "500000000000000000000000000.01",
            "50000000000000000000000000000",
        ] {
            let g = format!(
                r#"{{"document": "测试〔2024〕6号", "clause": "年度", "date": "2024-01-10", "amount": "{amount}"}}"#
            );
            let json = format!(
                r#"{{"kind": "enterprise", "id": "E1", "attributes": {{"金额": "25万元"}}, "history": [{g}, {}]}}"#,
                g.replace("01-10", "01-11")
            );
            let facts = crate::Facts::from_json(&json).unwrap();
            match set.evaluate(&facts, &on("2024-05-01")) {
                Err(crate::EvalError::Facts(p)) => {
                    assert_eq!(p[0].code, ProblemCode::SumOverflow, "{amount}: {p:?}")
                }
                other => panic!("{amount}: {other:?}"),
            }
        }
        // One such grant is held exactly, and shown so.
        let json = r#"{"kind": "enterprise", "id": "E1", "attributes": {"金额": "25万元"}, "history": [{"document": "测试〔2024〕6号", "clause": "年度", "date": "2024-01-10", "amount": "500000000000000000000000000.01"}]}"#;
        let d = set
            .evaluate(&crate::Facts::from_json(json).unwrap(), &on("2024-05-01"))
            .unwrap();
        let h = &d.headroom[0];
        assert_eq!(h.history.to_string(), "500000000000000000000000000.01");
    }

    /// A grant finer than the policy's rounding step (100.50 元 under `rounding 1元`) leaves
    /// a cap's room in whole steps: the award cut to it pays whole 元 and stays within the cap.
    #[test]
    fn a_grant_finer_than_the_rounding_step_leaves_whole_steps_under_a_cap() {
        let set = capped("  rounding 1元 down\n");
        let json = r#"{"kind": "enterprise", "id": "E1", "attributes": {"金额": "25万元"}, "history": [{"document": "测试〔2024〕6号", "clause": "年度", "date": "2024-03-10", "amount": "100.50"}]}"#;
        let d = set
            .evaluate(&crate::Facts::from_json(json).unwrap(), &on("2024-05-01"))
            .unwrap();
        let paid = d.clauses[0].paid.unwrap();
        // 20万元 less 100.50 元 is 199,899.50 元; in whole 元, 199,899 元.
        assert_eq!(paid, Amount::Exact(Decimal::new(199_899, 0)), "{d:?}");
        let h = d.headroom.iter().find(|h| h.kind == "cap").unwrap();
        assert_eq!(h.history, Decimal::new(10_050, 2));
        assert_eq!(h.headroom, Amount::Exact(Decimal::ZERO));
    }

    #[test]
    fn grants_are_read_exactly_and_bad_ones_report_every_problem() {
        let (ok, problems) = grants(
            r#"[{"document": "嘉政发〔2023〕15号", "clause": "研发投入补助", "date": "2023-05-01", "amount": "12.5万元", "claim": "C1"}]"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(ok[0].amount, Decimal::new(125_000, 0));
        assert_eq!(ok[0].claim.as_deref(), Some("C1"));
        let (none, problems) =
            grants(r#"[{"clause": 3, "date": "2023-05-01", "amount": 1.5, "x": 1}, 7]"#);
        assert!(none.is_empty());
        let codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
        // `x`, no document, a clause that is not a text, and an entry that is not an object.
        assert_eq!(codes, ["F0160", "F0160", "F0160", "F0160"], "{problems:?}");
    }

    #[test]
    fn grants_match_clauses_as_keys_and_count_by_year() {
        let p = program();
        let (given, _) = grants(
            r#"[{"document": "嘉政发[2023]15号", "clause": "创新券额度", "date": "2024-01-05", "amount": "5万元"},
                {"document": "嘉政发〔2023〕15号", "clause": "创新券额度", "date": "2023-09-05", "amount": "7万元"}]"#,
        );
        let date = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let resolved = resolve(
            std::slice::from_ref(&p),
            &Names::of(std::slice::from_ref(&p)),
            &[],
            Some(Kind::Enterprise),
            &given,
            date,
        )
        .unwrap();
        let ci = p
            .clauses
            .iter()
            .position(|c| c.name == "创新券额度")
            .unwrap();
        assert!(resolved.iter().all(|g| (g.pi, g.ci) == (0, ci)));
        let bound = super::super::facts::Bound {
            history: resolved,
            ..Default::default()
        };
        let own = |year| Counter::Own {
            pi: 0,
            ci,
            k: 0,
            year,
        };
        let seed = |c| seed(&bound, c).0;
        assert_eq!(seed(own(Some(2024))), Decimal::new(50_000, 0));
        assert_eq!(seed(own(Some(2023))), Decimal::new(70_000, 0));
        assert_eq!(seed(own(None)), Decimal::new(120_000, 0));
        // Another clause's bound counts none of them.
        assert_eq!(
            seed(Counter::Own {
                pi: 0,
                ci: 0,
                k: 0,
                year: None
            }),
            Decimal::ZERO
        );
        // A grant dated after the evaluation date cannot have been paid.
        let early = NaiveDate::from_ymd_opt(2023, 12, 31).unwrap();
        let e = resolve(
            std::slice::from_ref(&p),
            &Names::of(std::slice::from_ref(&p)),
            &[],
            Some(Kind::Enterprise),
            &given,
            early,
        )
        .unwrap_err();
        assert_eq!(e[0].code, ProblemCode::FutureGrant);
    }
}
