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

impl Grant {
    /// The calendar year yearly caps and limits count the grant in: the year of the run it
    /// paid, for a grant of a year of a run (that year's award is counted in it, whenever it
    /// was paid out), else the year of its date.
    pub(super) fn counted_in(&self) -> i32 {
        self.given.year.unwrap_or_else(|| self.given.date.year())
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
            .collect();
        Names {
            documents,
            clauses,
            matters,
        }
    }
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
pub fn repeated_grant<'a>(grants: impl Iterator<Item = &'a PastGrant>) -> Option<(usize, usize)> {
    let mut seen = std::collections::HashMap::new();
    for (i, g) in grants.enumerate() {
        if let Some(&j) = seen.get(g) {
            return Some((j, i));
        }
        seen.insert(g, i);
    }
    None
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
    kind: Kind,
    history: &[PastGrant],
    date: NaiveDate,
) -> Result<Arc<[Grant]>, Vec<FactProblem>> {
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
            .or_else(|| part_misfit(clause, bound.get(pi), g, &path));
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
        Ok(out.into())
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
    kind: Kind,
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
    // cap or block an award it has nothing to do with.
    if !clause.subjects.contains(&kind) {
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
        let outside = clause.run.is_none() || (!years.is_empty() && !years.contains(&year));
        if outside {
            let listed: Vec<String> = years.iter().map(i32::to_string).collect();
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
                "the history lists one grant twice, every field equal: {} and {}",
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

/// Whether `g` counts towards the running total `counter` (of policy `program`), with
/// `claim_key` the key of the claim id of a per-claim shared limit's claim.
fn counts(program: &Program, g: &Grant, counter: Counter, claim_key: Option<&str>) -> bool {
    let year_fits = |year: Option<i32>| year.is_none_or(|y| g.counted_in() == y);
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
    // A grant of a stage of this claim's award is a part of the award the caps bound, not
    // an earlier award: counted before it, the stage would be counted twice.
    bound
        .history
        .iter()
        .filter(|g| (g.pi, g.ci) == (at.pi, at.ci) && g.claim.as_deref() == Some(&*id))
        .filter(|g| g.stage.is_none())
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
            let paid = bound
                .history
                .iter()
                .find(|g| (g.pi, g.ci) == (at.pi, at.ci) && g.given.year == Some(year));
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
        let claim = at
            .claim
            .and_then(|k| bound.claims.get(k))
            .map(|c| key(&c.id).into_owned());
        let found = bound.history.iter().find(|g| {
            if g.stage_of(at.pi, at.ci, claim.as_deref()) {
                return false;
            }
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
    pub(super) fn paid_in_decision(
        &self,
        instances: &[Verdict],
        i: usize,
        event: std::ops::Range<usize>,
    ) -> Option<usize> {
        let programs = &self.set.programs;
        let v = &instances[i];
        let once = programs[v.pi].clauses[v.ci].once?;
        (0..event.end).find(|&j| {
            let e = &instances[j];
            // A staged award deferred as a whole is granted now (its stages are paid as they
            // fall due): it uses up `once` as an award paid now does, or a second once-only
            // award of the matter would be paid beside it.
            if j == i || !matches!(e.outcome, Outcome::Awarded | Outcome::Deferred) {
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
            let matter = |x: &Verdict| {
                let p = &self.set.programs[x.pi];
                p.matters
                    .get(p.clauses[x.ci].matter as usize)
                    .map_or(std::borrow::Cow::Borrowed(""), |m| key(m))
            };
            matter(v) == matter(e)
        } else {
            (v.pi, v.ci) == (e.pi, e.ci)
        };
        same && (once.per != Kind::Project || v.claim == e.claim) && !self.meet(v, e)
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
                let before = self.paid_in_decision(&scratch.instances, i, event.clone());
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
            let Some(j) = self.paid_in_decision(&scratch.instances, i, event.clone()) else {
                continue;
            };
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

    /// Every cap and limit the decision's awards met, with its room after the decision.
    pub(super) fn headroom(
        &self,
        scratch: &Scratch<'p>,
        bound: &[super::facts::Bound],
    ) -> Vec<Headroom> {
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
        let seeds: Vec<Decimal> = seen
            .iter()
            .map(|(c, _)| seed(&programs[c.pi()], &bound[c.pi()], *c))
            .collect();
        let mut used: Vec<(Decimal, Decimal)> = seeds.iter().map(|&h| (h, h)).collect();
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
                    *lo = lo.saturating_add(p.min());
                    *hi = hi.saturating_add(p.max());
                }
            }
        }
        seen.into_iter()
            .zip(used)
            .zip(seeds)
            .map(|(((counter, limit), (lo, hi)), history)| {
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
                {"document": "嘉政发〔2023〕15号", "clause": "创新券额度", "date": "2023-09-05", "amount": "7万元"}]"#,
        );
        let date = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let resolved = resolve(
            std::slice::from_ref(&p),
            &Names::of(std::slice::from_ref(&p)),
            &[],
            Kind::Enterprise,
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
        let e = resolve(
            std::slice::from_ref(&p),
            &Names::of(std::slice::from_ref(&p)),
            &[],
            Kind::Enterprise,
            &given,
            early,
        )
        .unwrap_err();
        assert_eq!(e[0].code, ProblemCode::FutureGrant);
    }
}
