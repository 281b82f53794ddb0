//! The history of past grants: what a subject has already been paid, and what it changes.
//!
//! Input: the `history` list of the facts (each grant names a document and a clause, with its
//! date and amount; optionally the item, matter and claim), the policy set and the evaluation
//! date. Output: grants matched to the clauses that paid them; for each instance of a
//! once-only clause (`once per KIND [and matter]`) whether an earlier grant makes it
//! *already paid*; for each running total (per-subject caps and limits) what the history has
//! counted before this decision; and each cap's and limit's headroom after the decision.
//! Guarantee: a grant naming a document or clause no loaded policy has, or dated after the
//! evaluation date, is a coded fact error, never ignored; history only ever lowers what is
//! paid (it fills running totals and blocks once-only awards).

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
use crate::compile::{ClauseDef, Kind, LimitUse, Program};
use crate::keys::{document_key, key};
use crate::problem::ProblemCode;

/// One earlier grant as the facts give it.
#[derive(Clone, Debug, PartialEq)]
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
    /// The date it was granted: yearly limits count it in this date's calendar year.
    pub date: NaiveDate,
    /// What was paid.
    pub amount: Decimal,
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
    /// The grant as given.
    pub given: PastGrant,
}

/// The keys a grant may have; `document`, `clause`, `date` and `amount` are required.
const KEYS: [&str; 7] = [
    "document", "clause", "item", "matter", "claim", "date", "amount",
];

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
            out.push(g);
        }
    }
    out
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
                Some((v, _)) => v.kind_words().to_string(),
            };
            let p = FactProblem::new(ProblemCode::BadGrant, format!("{path}.{name}"))
                .name(name)
                .expected("a text")
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
    let claim = text("claim", false, problems);
    if let Some(p) = claim
        .as_deref()
        .and_then(|c| super::facts::claim_id_problem(c, path))
    {
        problems.push(p);
    }
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
        date: date?,
        amount: amount?,
    })
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
                Ok(super::value::Value::Num(d)) if d.is_sign_negative() => {
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

/// Matches each grant of `facts` to the clause that paid it: the document and the clause are
/// compared as keys. A grant naming a document or clause no policy of the set has (F0161) or
/// dated after the evaluation date `date` (F0162) is an error.
pub(super) fn resolve(
    programs: &[Program],
    history: &[PastGrant],
    date: NaiveDate,
) -> Result<Arc<[Grant]>, Vec<FactProblem>> {
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(history.len());
    for (i, g) in history.iter().enumerate() {
        let path = format!("history[{i}]");
        let doc = document_key(&g.document);
        let Some(pi) = programs
            .iter()
            .position(|p| document_key(&p.header.document) == doc)
        else {
            let known = programs.iter().map(|p| p.header.document.as_str());
            problems.push(unknown(&path, "document", &g.document, known));
            continue;
        };
        let program = &programs[pi];
        let name = key(&g.clause);
        let Some(ci) = program.clauses.iter().position(|c| key(&c.name) == name) else {
            let known = program.clauses.iter().map(|c| c.name.as_str());
            problems
                .push(unknown(&path, "clause", &g.clause, known).declared_at(g.document.as_str()));
            continue;
        };
        // A grant that names its item names the one its clause answers (compared as keys).
        let item = program.clauses[ci]
            .item
            .and_then(|i| program.items.get(i as usize));
        if let (Some(given), Some(declared)) = (g.item.as_deref(), item) {
            if key(given) != key(declared) {
                let p = unknown(&path, "item", given, std::iter::once(declared.as_str()));
                problems.push(p.declared_at(format!("{} {}", g.document, g.clause)));
                continue;
            }
        }
        if g.date > date {
            problems.push(
                FactProblem::new(ProblemCode::FutureGrant, format!("{path}.date"))
                    .name(format!("{} {}", g.document, g.clause))
                    .found(g.date.to_string())
                    .expected(date.to_string()),
            );
            continue;
        }
        let clause_matter = program
            .matters
            .get(program.clauses[ci].matter as usize)
            .map_or("", String::as_str);
        out.push(Grant {
            pi,
            ci,
            matter: key(g.matter.as_deref().unwrap_or(clause_matter)).into_owned(),
            claim: g.claim.as_deref().map(|c| key(c).into_owned()),
            given: g.clone(),
        });
    }
    if problems.is_empty() {
        Ok(out.into())
    } else {
        Err(problems)
    }
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
                "write each grant as {\"document\": \"嘉政发〔2023〕15号\", \"clause\": \"...\", \"date\": \"2023-05-01\", \"amount\": \"20万元\"}, with `item`, `matter` and `claim` when known".to_string()
            } else {
                format!("did you mean `{hint}`?")
            },
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
        ProblemCode::FutureGrant => (
            format!("the grant of {name} is dated {found}, after the evaluation date {expected}, so it cannot have been paid yet"),
            "check the grant's date, or evaluate as of a later date (`--date`)".to_string(),
        ),
        _ => return None,
    })
}

/// Whether `g` counts towards the running total `counter` (of policy `program`), with
/// `claim_key` the key of the claim id of a per-claim shared limit's claim.
fn counts(program: &Program, g: &Grant, counter: Counter, claim_key: Option<&str>) -> bool {
    let year_fits = |year: Option<i32>| year.is_none_or(|y| g.given.date.year() == y);
    match counter {
        Counter::Cap { pi, ci, year, .. } | Counter::Own { pi, ci, year, .. } => {
            g.pi == pi && g.ci == ci && year_fits(year)
        }
        // Per claim: the clause's grants for the same claim.
        Counter::Claim { pi, ci, .. } => {
            g.pi == pi && g.ci == ci && claim_key.is_some() && g.claim.as_deref() == claim_key
        }
        Counter::Shared {
            pi,
            li,
            year,
            claim,
        } => {
            let names = |c: &ClauseDef| {
                c.limits
                    .iter()
                    .any(|l| matches!(l, LimitUse::Shared(x) if *x as usize == li))
            };
            let same_claim = claim.is_none() || g.claim.as_deref() == claim_key;
            g.pi == pi
                && program.clauses.get(g.ci).is_some_and(names)
                && year_fits(year)
                && same_claim
        }
    }
}

/// What earlier grants of the clause of `at` paid for its claim (by the claim id's key): it
/// counts against the clause's caps and limits per claim. Zero for a clause not per claim.
pub(super) fn claim_seed(bound: &super::facts::Bound, at: super::run::At) -> Decimal {
    let Some(claim) = at.claim.and_then(|k| bound.claims.get(k)) else {
        return Decimal::ZERO;
    };
    if bound.history.is_empty() {
        return Decimal::ZERO;
    }
    let id = key(&claim.id);
    bound
        .history
        .iter()
        .filter(|g| (g.pi, g.ci) == (at.pi, at.ci) && g.claim.as_deref() == Some(&*id))
        .fold(Decimal::ZERO, |sum, g| sum.saturating_add(g.given.amount))
}

/// What the history has counted towards `counter` before this decision.
pub(super) fn seed(program: &Program, bound: &super::facts::Bound, counter: Counter) -> Decimal {
    if bound.history.is_empty() {
        return Decimal::ZERO;
    }
    let claim_key = match counter {
        Counter::Shared {
            claim: Some(Some(k)),
            ..
        }
        | Counter::Claim { claim: k, .. } => bound.claims.get(k).map(|c| key(&c.id).into_owned()),
        _ => None,
    };
    bound
        .history
        .iter()
        .filter(|g| counts(program, g, counter, claim_key.as_deref()))
        .fold(Decimal::ZERO, |sum, g| sum.saturating_add(g.given.amount))
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
    /// Whether instance `inst` of `clause` (once-only) is paid already: a grant of the
    /// history of this clause (or, `and matter`, of its matter), for the same claim when it
    /// counts per claim. Writes the verdict as *already paid*, citing the grant.
    #[inline]
    pub(super) fn already_paid(
        &self,
        program: &Program,
        clause: &ClauseDef,
        bound: &super::facts::Bound,
        at: super::run::At,
        inst: &mut Verdict,
    ) -> bool {
        let Some(once) = clause.once else {
            return false;
        };
        if bound.history.is_empty() {
            return false;
        }
        let matter = program
            .matters
            .get(clause.matter as usize)
            .map_or(std::borrow::Cow::Borrowed(""), |m| key(m));
        let claim = at
            .claim
            .and_then(|k| bound.claims.get(k))
            .map(|c| key(&c.id).into_owned());
        let found = bound.history.iter().find(|g| {
            let same = if once.matter {
                g.matter == matter
            } else {
                g.pi == at.pi && g.ci == at.ci
            };
            same && (once.per != Kind::Project || (claim.is_some() && g.claim == claim))
        });
        let Some(g) = found else {
            return false;
        };
        inst.outcome = Outcome::AlreadyPaid;
        T::reason(inst, || {
            let g = &g.given;
            let claim = g
                .claim
                .as_deref()
                .map_or(String::new(), |c| format!(" for claim {c}"));
            format!(
                "paid once only (`once per {}{}`): already granted under {} {}{claim} on {}, {}",
                once.per.as_str(),
                if once.matter { " and matter" } else { "" },
                g.document,
                g.clause,
                g.date,
                format::money(g.amount)
            )
        });
        true
    }

    /// A per-claim clause paid once per subject: within one decision, the first claim
    /// awarded (in evaluation order) is paid and later ones are *already paid*.
    pub(super) fn once_in_decision(
        &self,
        scratch: &mut Scratch<'p>,
        bound: &[super::facts::Bound],
    ) {
        let programs = &self.set.programs;
        let instances = &mut scratch.instances;
        for i in 0..instances.len() {
            let v = &instances[i];
            let clause = &programs[v.pi].clauses[v.ci];
            let per_subject = clause.once.is_some_and(|o| o.per != Kind::Project);
            if v.outcome != Outcome::Awarded || !clause.per_claim || !per_subject {
                continue;
            }
            let (pi, ci) = (v.pi, v.ci);
            let first = instances[..i]
                .iter()
                .find(|e| e.pi == pi && e.ci == ci && e.outcome == Outcome::Awarded)
                .and_then(|e| e.claim);
            let Some(first) = first else { continue };
            let v = &mut instances[i];
            v.outcome = Outcome::AlreadyPaid;
            v.paid = None;
            T::reason(v, || {
                let id = bound[pi].claims.get(first).map_or("", |c| c.id.as_str());
                format!(
                    "paid once only per subject: already awarded in this decision for claim {id}"
                )
            });
        }
    }

    /// Every cap and limit the decision's awards met, with its room after the decision.
    pub(super) fn headroom(
        &self,
        scratch: &Scratch<'p>,
        bound: &[super::facts::Bound],
    ) -> Vec<Headroom> {
        let mut seen: Vec<(Counter, Decimal)> = Vec::new();
        for &(counter, limit) in &scratch.bounds {
            match seen.iter_mut().find(|(c, _)| *c == counter) {
                Some((_, l)) => *l = (*l).min(limit),
                None => seen.push((counter, limit)),
            }
        }
        let programs = &self.set.programs;
        seen.into_iter()
            .map(|(counter, limit)| {
                let pi = counter.pi();
                let history = seed(&programs[pi], &bound[pi], counter);
                let (mut lo, mut hi) = (history, history);
                for v in &scratch.instances {
                    let range = v.counters.0 as usize..v.counters.1 as usize;
                    let mine = scratch.bounds[range].iter().any(|(c, _)| *c == counter)
                        || own_cap_of(programs, v, counter)
                        || claim_bound_of(v, counter);
                    let paid = super::bounds::counted_by(v, counter);
                    if let (true, Outcome::Awarded, Some(p)) = (mine, v.outcome, paid) {
                        lo = lo.saturating_add(p.min());
                        hi = hi.saturating_add(p.max());
                    }
                }
                let room = |used: Decimal| (limit - used).max(Decimal::ZERO);
                self.headroom_entry(
                    counter,
                    limit,
                    bound,
                    history,
                    (lo, hi),
                    (room(hi), room(lo)),
                )
            })
            .collect()
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
                {"document": "嘉政发〔2023〕15号", "clause": "创新券额度", "date": "2023-01-05", "amount": "7万元"}]"#,
        );
        let date = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let resolved = resolve(std::slice::from_ref(&p), &given, date).unwrap();
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
        assert_eq!(seed(&p, &bound, own(Some(2024))), Decimal::new(50_000, 0));
        assert_eq!(seed(&p, &bound, own(Some(2023))), Decimal::new(70_000, 0));
        assert_eq!(seed(&p, &bound, own(None)), Decimal::new(120_000, 0));
        // Another clause's bound counts none of them.
        assert_eq!(
            seed(
                &p,
                &bound,
                Counter::Own {
                    pi: 0,
                    ci: 0,
                    k: 0,
                    year: None
                }
            ),
            Decimal::ZERO
        );
        // A grant dated after the evaluation date cannot have been paid.
        let early = NaiveDate::from_ymd_opt(2023, 12, 31).unwrap();
        let e = resolve(std::slice::from_ref(&p), &given, early).unwrap_err();
        assert_eq!(e[0].code, ProblemCode::FutureGrant);
    }
}
