//! Conditions that can never hold or always hold, and table or bracket rows that can never be
//! used, found by reasoning over intervals.
//!
//! A clause's `when` is read as its top-level `and` parts. Each part that compares one name
//! with a number (`研发费用 >= 100万元`), tests an enum (`级别 == 国家级`, `级别 in { ... }`) or
//! is a yes/no input (`规上企业`, `not 规上企业`) narrows what that name may be; money and
//! quantities start out at zero or more. A part that leaves nothing possible can never hold; a
//! part that the others (or the declaration) already imply always holds. The same narrowed
//! ranges show which rows of the award's tables and brackets can be reached (a table keyed by a
//! yes/no input included); a row of a named table is reported only when none of its look-ups,
//! each with what its clause's condition says of the value looked up, can reach it.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::{clause_exprs, constant, walk, Cx};
use crate::ast::{BinOp, BracketRow, Expr, ExprKind, Name, RowKey, Span, TableRows, UnaryOp};
use crate::check::model::{LookupRows, Ref, TableKey};
use crate::check::types::Ty;
use crate::diagnostic::{Code, Diagnostic};

/// One end of an interval.
#[derive(Clone, Copy, Debug, PartialEq)]
struct End {
    value: Decimal,
    inclusive: bool,
}

/// A set of numbers: `lo .. hi`, either end open when absent.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Interval {
    lo: Option<End>,
    hi: Option<End>,
}

impl Interval {
    fn at_least(value: Decimal, inclusive: bool) -> Self {
        Interval {
            lo: Some(End { value, inclusive }),
            hi: None,
        }
    }

    fn at_most(value: Decimal, inclusive: bool) -> Self {
        Interval {
            lo: None,
            hi: Some(End { value, inclusive }),
        }
    }

    fn intersect(self, other: Interval) -> Interval {
        let lo = match (self.lo, other.lo) {
            (Some(a), Some(b)) => Some(
                if a.value > b.value || (a.value == b.value && !a.inclusive) {
                    a
                } else {
                    b
                },
            ),
            (a, b) => a.or(b),
        };
        let hi = match (self.hi, other.hi) {
            (Some(a), Some(b)) => Some(
                if a.value < b.value || (a.value == b.value && !a.inclusive) {
                    a
                } else {
                    b
                },
            ),
            (a, b) => a.or(b),
        };
        Interval { lo, hi }
    }

    fn is_empty(self) -> bool {
        match (self.lo, self.hi) {
            (Some(lo), Some(hi)) => {
                lo.value > hi.value || (lo.value == hi.value && !(lo.inclusive && hi.inclusive))
            }
            _ => false,
        }
    }

    /// Whether every number of `inner` is in `self`.
    fn contains(self, inner: Interval) -> bool {
        let lo_ok = match (self.lo, inner.lo) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => {
                a.value < b.value || (a.value == b.value && (a.inclusive || !b.inclusive))
            }
        };
        let hi_ok = match (self.hi, inner.hi) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => {
                a.value > b.value || (a.value == b.value && (a.inclusive || !b.inclusive))
            }
        };
        lo_ok && hi_ok
    }
}

/// What a condition part says about one name.
#[derive(Clone, Debug, PartialEq)]
enum Fact {
    /// Its number lies in the interval.
    Num(Interval),
    /// Its variant is one of those marked (by position in the enum).
    Variants(Vec<bool>),
    /// It is yes (or no).
    Bool(bool),
}

impl Fact {
    fn and(&self, other: &Fact) -> Option<Fact> {
        Some(match (self, other) {
            (Fact::Num(a), Fact::Num(b)) => Fact::Num(a.intersect(*b)),
            (Fact::Variants(a), Fact::Variants(b)) => {
                Fact::Variants(a.iter().zip(b).map(|(x, y)| *x && *y).collect())
            }
            (Fact::Bool(a), Fact::Bool(b)) if a == b => Fact::Bool(*a),
            (Fact::Bool(_), Fact::Bool(_)) => Fact::Variants(Vec::new()),
            _ => return None,
        })
    }

    fn is_empty(&self) -> bool {
        match self {
            Fact::Num(i) => i.is_empty(),
            Fact::Variants(v) => !v.iter().any(|x| *x),
            Fact::Bool(_) => false,
        }
    }

    /// Whether everything `inner` allows, `self` allows too.
    fn implied_by(&self, inner: &Fact) -> bool {
        match (self, inner) {
            (Fact::Num(a), Fact::Num(b)) => a.contains(*b),
            (Fact::Variants(a), Fact::Variants(b)) => b.iter().zip(a).all(|(y, x)| !*y || *x),
            (Fact::Bool(a), Fact::Bool(b)) => a == b,
            _ => false,
        }
    }
}

/// A policy-wide value, what a condition part says about it, and its name as written.
struct Atom<'e> {
    target: Ref,
    name: &'e str,
    fact: Fact,
    span: Span,
}

/// What the look-ups of named tables reach, gathered over every clause and `let`.
#[derive(Default)]
struct Reach {
    /// Per table (by index): +1 where a run of reached rows starts and -1 one past its end, so
    /// that a look-up reaching many rows of a bracket costs no more than one reaching a few.
    runs: HashMap<usize, Vec<i64>>,
    /// The rows of each named bracket as intervals (`None` when a threshold is not written
    /// out), worked out on first use.
    bands: HashMap<usize, Option<Vec<Interval>>>,
}

impl Reach {
    /// Marks the rows `start..end` of table `table` (of `n` rows) as reached.
    fn mark(&mut self, table: usize, n: usize, (start, end): (usize, usize)) {
        let runs = self.runs.entry(table).or_insert_with(|| vec![0; n + 1]);
        if start < end && end < runs.len() {
            runs[start] += 1;
            runs[end] -= 1;
        }
    }

    /// Which rows of `table` some look-up reaches; `None` when nothing looks it up.
    fn reached(&self, table: usize) -> Option<Vec<bool>> {
        let runs = self.runs.get(&table)?;
        let mut open = 0;
        Some(
            runs.iter()
                .take(runs.len().saturating_sub(1))
                .map(|d| {
                    open += d;
                    open > 0
                })
                .collect(),
        )
    }
}

pub(super) fn check(cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    let mut reach = Reach::default();
    for c in &cx.model.clauses {
        let known = match c.when {
            Some(when) => condition(cx, when, out),
            None => Some(HashMap::new()),
        };
        // A stage's own condition that can never hold leaves its stage deferred for ever.
        for stage in &c.stages {
            if let Some(when) = stage.when {
                let before = out.len();
                condition(cx, when, out);
                for d in &mut out[before..] {
                    if d.code == Code::NeverTrue {
                        d.help = Some(format!("the stage `{}` is never paid: it stays deferred; check the condition against the article", stage.name));
                    }
                }
            }
        }
        for e in clause_exprs(c) {
            // A look-up in the condition itself is taken to reach every row.
            if c.when.is_some_and(|w| std::ptr::eq(w, e)) {
                lookups(cx, e, None, &mut reach);
                continue;
            }
            // A condition that never holds makes every row unreachable; that is said once
            // already, so its look-ups are taken to reach every row.
            lookups(cx, e, known.as_ref(), &mut reach);
            if let Some(known) = &known {
                rows(cx, e, known, out);
            }
        }
    }
    for l in &cx.model.lets {
        rows(cx, l.value, &HashMap::new(), out);
        lookups(cx, l.value, Some(&HashMap::new()), &mut reach);
    }
    named_rows(cx, &reach, out);
}

/// Marks in `reach` the rows of the named tables `e` looks up that the facts `known` let the
/// value looked up reach: every row when `known` is `None` or the value is not a simple name.
fn lookups(cx: &Cx<'_>, e: &Expr, known: Option<&HashMap<Ref, Fact>>, reach: &mut Reach) {
    walk(e, &mut |x| {
        let Some(lookup) = cx.model.looked_up(x) else {
            return;
        };
        let t = lookup.table.index();
        let Some(table) = cx.model.tables.get(t) else {
            return;
        };
        let n = table.rows.values().len();
        let bands = match table.rows {
            TableRows::Bracket(rows) => reach
                .bands
                .entry(t)
                .or_insert_with(|| rows.iter().map(row_interval).collect())
                .clone(),
            TableRows::Tier(_) => None,
        };
        let runs = known
            .and_then(|k| reached_rows(cx, x, &lookup.rows, table.rows, bands.as_deref(), k))
            .unwrap_or_else(|| vec![(0, n)]);
        for run in runs {
            reach.mark(t, n, run);
        }
    });
}

/// The `and` parts of `e`, in order.
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut cur = e;
    while let ExprKind::Binary(op, l, r) = &cur.node {
        if op.node != BinOp::And {
            break;
        }
        out.push(r.as_ref());
        cur = l;
    }
    out.push(cur);
    out.reverse();
    out
}

/// What the declaration alone says about a policy-wide value (money and quantities are never
/// negative).
fn domain(cx: &Cx<'_>, target: Ref) -> Option<Fact> {
    let (ty, may_be_negative) = cx.top_type(target)?;
    match ty {
        Ty::Num(_) if !may_be_negative => Some(Fact::Num(Interval::at_least(Decimal::ZERO, true))),
        Ty::Num(_) => Some(Fact::Num(Interval::default())),
        Ty::Enum(id) => Some(Fact::Variants(vec![
            true;
            cx.model.enums.get(id)?.variants.len()
        ])),
        _ => None,
    }
}

/// The enum a policy-wide value holds a variant of.
fn enum_of(cx: &Cx<'_>, target: Ref) -> Option<usize> {
    match cx.top_type(target)?.0 {
        Ty::Enum(id) => Some(id),
        _ => None,
    }
}

/// The variants of enum `id` at positions `listed` (or all the others, when `negated`).
fn variant_set(cx: &Cx<'_>, id: usize, listed: &[usize], negated: bool) -> Option<Fact> {
    let n = cx.model.enums.get(id)?.variants.len();
    Some(Fact::Variants(
        (0..n).map(|i| listed.contains(&i) != negated).collect(),
    ))
}

/// The name `x` when it stands for a policy-wide value, with what it stands for.
fn top_name<'e>(cx: &Cx<'_>, x: &'e Expr) -> Option<(Ref, &'e str)> {
    let ExprKind::Ref(n) = &x.node else {
        return None;
    };
    match cx.meaning(x)? {
        target @ (Ref::Input(_) | Ref::Let(_) | Ref::Param(_)) => Some((target, n.as_str())),
        Ref::Local { .. } | Ref::Variant { .. } => None,
    }
}

/// Reads one condition part as a fact about one name, when it has that simple shape.
fn atom<'e>(cx: &Cx<'_>, e: &'e Expr) -> Option<Atom<'e>> {
    let fact_of = |(target, name): (Ref, &'e str), fact: Fact| {
        Some(Atom {
            target,
            name,
            fact,
            span: e.span,
        })
    };
    let is_bool = |(target, _): (Ref, &str)| matches!(cx.top_type(target), Some((Ty::Bool, _)));
    match &e.node {
        ExprKind::Ref(_) => {
            let n = top_name(cx, e).filter(|n| is_bool(*n))?;
            fact_of(n, Fact::Bool(true))
        }
        ExprKind::Unary(UnaryOp::Not, inner) => {
            let n = top_name(cx, inner).filter(|n| is_bool(*n))?;
            fact_of(n, Fact::Bool(false))
        }
        ExprKind::In {
            value,
            set,
            negated,
        } => {
            let n = top_name(cx, value)?;
            let id = enum_of(cx, n.0)?;
            let listed = set
                .iter()
                .map(|v: &Name| match cx.model.listed_variant(v) {
                    Some((of, i)) if of == id => Some(i),
                    _ => None,
                })
                .collect::<Option<Vec<usize>>>()?;
            fact_of(n, variant_set(cx, id, &listed, *negated)?)
        }
        ExprKind::Binary(op, l, r) if op.node.is_comparison() => {
            // The name on the left, the number or variant on the right.
            let (name, other, op) = match (top_name(cx, l), top_name(cx, r)) {
                (Some(n), _) => (n, r.as_ref(), op.node),
                (None, Some(n)) => (n, l.as_ref(), op.node.flipped()),
                _ => return None,
            };
            if let Some(id) = enum_of(cx, name.0) {
                let Some(Ref::Variant { enum_id, variant }) = cx.meaning(other) else {
                    return None;
                };
                if enum_id != id {
                    return None;
                }
                return match op {
                    BinOp::Eq => fact_of(name, variant_set(cx, id, &[variant], false)?),
                    BinOp::Ne => fact_of(name, variant_set(cx, id, &[variant], true)?),
                    _ => None,
                };
            }
            let v = constant(other)?;
            let interval = match op {
                BinOp::Ge => Interval::at_least(v, true),
                BinOp::Gt => Interval::at_least(v, false),
                BinOp::Le => Interval::at_most(v, true),
                BinOp::Lt => Interval::at_most(v, false),
                BinOp::Eq => Interval::at_least(v, true).intersect(Interval::at_most(v, true)),
                _ => return None,
            };
            fact_of(name, Fact::Num(interval))
        }
        _ => None,
    }
}

/// Checks a clause's condition; returns what it says about each name, or `None` when it can
/// never hold (and that was reported).
fn condition<'e>(
    cx: &Cx<'_>,
    when: &'e Expr,
    out: &mut Vec<Diagnostic>,
) -> Option<HashMap<Ref, Fact>> {
    let parts = conjuncts(when);
    // Parts that compare two numbers written out hold or fail whatever the facts.
    for p in &parts {
        if let ExprKind::Binary(op, l, r) = &p.node {
            if let (Some(a), Some(b)) = (constant(l), constant(r)) {
                let holds = match op.node {
                    BinOp::Lt => a < b,
                    BinOp::Le => a <= b,
                    BinOp::Gt => a > b,
                    BinOp::Ge => a >= b,
                    BinOp::Eq => a == b,
                    BinOp::Ne => a != b,
                    _ => continue,
                };
                out.push(fixed_outcome(
                    cx,
                    p.span,
                    holds,
                    "it compares two numbers written out",
                ));
            }
        }
    }
    let atoms: Vec<Atom<'e>> = parts.iter().filter_map(|p| atom(cx, p)).collect();
    let mut known: HashMap<Ref, (Fact, Option<Span>)> = HashMap::new();
    for a in &atoms {
        let start = match known.get(&a.target) {
            Some(k) => k.clone(),
            None => match domain(cx, a.target) {
                Some(d) => (d, None),
                None => (a.fact.clone(), None),
            },
        };
        let Some(next) = start.0.and(&a.fact) else {
            continue;
        };
        if next.is_empty() {
            let why = match start.1 {
                Some(_) => "the parts before it already rule out every value it allows".to_string(),
                None => format!("`{}` is never negative (money and quantities are at least zero unless declared `signed`)", a.name),
            };
            let mut d = Diagnostic::new(
                Code::NeverTrue,
                a.span,
                format!("`{}` can never be true here: {why}", cx.text(a.span)),
            )
            .label("never true")
            .help("the clause can never award anything; check the thresholds against the article");
            if let Some(earlier) = start.1 {
                d = d.with_secondary(earlier, "ruled out by this");
            }
            out.push(d);
            return None;
        }
        known.insert(a.target, (next, Some(a.span)));
    }
    // A part is always true when the declaration and the other parts already imply it.
    for (i, a) in atoms.iter().enumerate() {
        let mut rest = domain(cx, a.target);
        let mut other_span = None;
        for (j, b) in atoms.iter().enumerate() {
            if i != j && b.target == a.target {
                rest = match rest {
                    Some(r) => r.and(&b.fact),
                    None => Some(b.fact.clone()),
                };
                other_span = other_span.or(Some(b.span));
            }
        }
        if rest.is_some_and(|r| a.fact.implied_by(&r)) {
            let why = match other_span {
                Some(_) => "the other parts of the condition already imply it",
                None => "every value its declaration allows meets it",
            };
            let mut d = fixed_outcome(cx, a.span, true, why);
            if let Some(s) = other_span {
                d = d.with_secondary(s, "implied by this");
            }
            out.push(d);
        }
    }
    Some(known.into_iter().map(|(k, (f, _))| (k, f)).collect())
}

fn fixed_outcome(cx: &Cx<'_>, span: Span, holds: bool, why: &str) -> Diagnostic {
    let text = cx.text(span);
    if holds {
        Diagnostic::new(
            Code::AlwaysTrue,
            span,
            format!("`{text}` is always true: {why}"),
        )
        .label("always true")
        .help("remove it, or write the threshold the article gives")
    } else {
        Diagnostic::new(
            Code::NeverTrue,
            span,
            format!("`{text}` can never be true: {why}"),
        )
        .label("never true")
        .help("the clause can never award anything; check the thresholds against the article")
    }
}

/// Reports rows of tables and brackets in `e` that the known facts rule out.
fn rows(cx: &Cx<'_>, e: &Expr, known: &HashMap<Ref, Fact>, out: &mut Vec<Diagnostic>) {
    walk(e, &mut |x| {
        let (ExprKind::Table { key, .. } | ExprKind::Bracket { value: key, .. }) = &x.node else {
            return;
        };
        let Some((target, name)) = top_name(cx, key) else {
            return;
        };
        let Some(fact) = known.get(&target).cloned().or_else(|| domain(cx, target)) else {
            return;
        };
        match (&x.node, fact) {
            (ExprKind::Table { rows, .. }, fact) => {
                let Some((slots, allowed)) = table_slots(cx, x, rows, &fact) else {
                    return;
                };
                let dead = dead_rows(rows, &slots, &allowed);
                table_rows(name, rows, &dead, out);
            }
            (ExprKind::Bracket { rows, .. }, Fact::Num(range)) => {
                bracket_rows(cx, name, rows, range, out)
            }
            _ => {}
        }
    });
}

/// The slot each row of the table `x` fills (its variant's position, or 0 for `false` and 1
/// for `true`; `None` for `else`), and which slots `fact` allows its key to be.
fn table_slots(
    cx: &Cx<'_>,
    x: &Expr,
    rows: &[(RowKey, Expr)],
    fact: &Fact,
) -> Option<(Vec<Option<usize>>, Vec<bool>)> {
    let allowed = match (cx.model.table_key(x)?, fact) {
        (TableKey::Enum(id), Fact::Variants(allowed)) => {
            let n = cx.model.enums.get(id)?.variants.len();
            (allowed.len() == n).then(|| allowed.clone())?
        }
        (TableKey::YesNo, Fact::Bool(b)) => vec![!b, *b],
        _ => return None,
    };
    let key = cx.model.table_key(x)?;
    // Rows by what the checker resolved them to; a row it did not resolve ends the reasoning.
    let slots = rows
        .iter()
        .map(|(label, _)| match (label, key) {
            (RowKey::Else, _) => Some(None),
            (RowKey::Bool(b), TableKey::YesNo) => Some(Some(usize::from(b.node))),
            (RowKey::Variant(v), TableKey::Enum(id)) => match cx.model.listed_variant(v) {
                Some((of, i)) if of == id => Some(Some(i)),
                _ => None,
            },
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some((slots, allowed))
}

/// Which rows can never be used: a row whose slot is not allowed, and an `else` row when every
/// allowed slot has a row of its own.
fn dead_rows(rows: &[(RowKey, Expr)], slots: &[Option<usize>], allowed: &[bool]) -> Vec<bool> {
    let is_allowed = |i: usize| allowed.get(i).copied().unwrap_or(true);
    let listed: Vec<usize> = slots.iter().flatten().copied().collect();
    let else_reached = (0..allowed.len()).any(|i| !listed.contains(&i) && is_allowed(i));
    rows.iter()
        .zip(slots)
        .map(|(_, slot)| match slot {
            Some(i) => !is_allowed(*i),
            None => !else_reached,
        })
        .collect()
}

/// Reports the rows marked `dead` of a table keyed by `key`.
fn table_rows(key: &str, rows: &[(RowKey, Expr)], dead: &[bool], out: &mut Vec<Diagnostic>) {
    for ((label, value), _) in rows.iter().zip(dead).filter(|(_, d)| **d) {
        match label.span() {
            Some(span) => out.push(
                Diagnostic::new(
                    Code::UnreachableRow,
                    span,
                    format!(
                        "the row for `{}` is never used: the clause's condition rules out `{key}` being `{}`",
                        label.label(),
                        label.label()
                    ),
                )
                .label("never reached")
                .help("remove the row, or widen the condition if the article awards this tier"),
            ),
            // `else: 0元` is the usual way to make a table complete; only a non-zero else row
            // that nothing reaches is worth a warning.
            None if constant(value) != Some(Decimal::ZERO) => out.push(
                Diagnostic::new(
                    Code::UnreachableRow,
                    value.span,
                    format!("the `else` row is never used: every value of `{key}` the condition allows has its own row"),
                )
                .label("never reached")
                .help("remove the value or write `else: 0元`, so no reader expects this amount to be paid"),
            ),
            None => {}
        }
    }
}

/// The numbers a bracket row holds; `None` when a threshold is not written out.
fn row_interval(row: &BracketRow) -> Option<Interval> {
    let mut interval = Interval::default();
    for (t, lower) in [(&row.lower, true), (&row.upper, false)] {
        let Some(t) = t else { continue };
        let v = constant(&t.value)?;
        interval = interval.intersect(if lower {
            Interval::at_least(v, t.inclusive)
        } else {
            Interval::at_most(v, t.inclusive)
        });
    }
    Some(interval)
}

/// A bracket row's thresholds as written, without its value: `>= 100万元 and < 500万元`.
fn row_text<'s>(cx: &Cx<'s>, row: &BracketRow) -> &'s str {
    let text = cx.text(Span::new(row.span.start, row.value.span.start));
    text.trim_end().trim_end_matches([':', '：']).trim_end()
}

/// The runs of rows (`start`, one past the end) of a named table (`rows`, chosen as `chosen`; a bracket's rows as the
/// intervals `bands`) that the look-up `x` can reach when its value is known to satisfy
/// `known`; `None` when nothing is known of that value.
fn reached_rows(
    cx: &Cx<'_>,
    x: &Expr,
    chosen: &LookupRows,
    rows: &TableRows,
    bands: Option<&[Interval]>,
    known: &HashMap<Ref, Fact>,
) -> Option<Vec<(usize, usize)>> {
    let ExprKind::Lookup { args, .. } = &x.node else {
        return None;
    };
    let (target, _) = top_name(cx, args.first()?)?;
    let fact = known.get(&target).cloned().or_else(|| domain(cx, target))?;
    // Each row that is not dead, as a run of its own.
    let alive = |dead: Vec<bool>| {
        dead.into_iter()
            .enumerate()
            .filter(|(_, d)| !d)
            .map(|(i, _)| (i, i + 1))
            .collect()
    };
    match (chosen, rows, fact) {
        (LookupRows::Bracket, TableRows::Bracket(_), Fact::Num(range)) => {
            // The rows go from low to high without overlapping (E0309): those the range meets
            // are one run, found by halving.
            let bands = bands?;
            let above = Interval {
                lo: range.lo,
                hi: None,
            };
            let below = Interval {
                lo: None,
                hi: range.hi,
            };
            let first = bands.partition_point(|b| b.intersect(above).is_empty());
            let last = bands.partition_point(|b| !b.intersect(below).is_empty());
            Some(vec![(first, last.max(first))])
        }
        (LookupRows::YesNo, TableRows::Tier(rows), Fact::Bool(b)) => {
            let slots: Vec<Option<usize>> = rows
                .iter()
                .map(|(label, _)| match label {
                    RowKey::Bool(v) => Some(usize::from(v.node)),
                    _ => None,
                })
                .collect();
            Some(alive(dead_rows(rows, &slots, &[!b, b])))
        }
        (
            LookupRows::Enum { enum_id, variants },
            TableRows::Tier(rows),
            Fact::Variants(allowed),
        ) => {
            let n = cx.model.enums.get(*enum_id)?.variants.len();
            (allowed.len() == n).then(|| alive(dead_rows(rows, variants, &allowed)))
        }
        _ => None,
    }
}

/// Reports the rows of named tables that no look-up reaches (`reach`); a table looked up
/// nowhere is reported as unused instead.
fn named_rows(cx: &Cx<'_>, reach: &Reach, out: &mut Vec<Diagnostic>) {
    for (t, table) in cx.model.tables.iter().enumerate() {
        let Some(reached) = reach.reached(t) else {
            continue;
        };
        let name = &table.name;
        let help = format!("remove the row, or check it against the article and the conditions of the clauses that look `{name}` up");
        let unreached = |i: &usize| !reached.get(*i).copied().unwrap_or(true);
        match table.rows {
            TableRows::Bracket(rows) => {
                for (_, row) in rows.iter().enumerate().filter(|(i, _)| unreached(i)) {
                    out.push(
                        Diagnostic::new(
                            Code::UnreachableRow,
                            row.span,
                            format!("the bracket row `{}` of `{name}` is never used: no value it is looked up with can be in it", row_text(cx, row)),
                        )
                        .label("never reached")
                        .help(help.clone()),
                    );
                }
            }
            TableRows::Tier(rows) => {
                for (_, (label, value)) in rows.iter().enumerate().filter(|(i, _)| unreached(i)) {
                    let d = match label.span() {
                        Some(span) => Diagnostic::new(
                            Code::UnreachableRow,
                            span,
                            format!("the row for `{}` of `{name}` is never used: wherever `{name}` is looked up, the conditions rule out `{}`", label.label(), label.label()),
                        ),
                        // `else: 0元` completes a table: only a non-zero one is worth a word.
                        None if constant(value) != Some(Decimal::ZERO) => Diagnostic::new(
                            Code::UnreachableRow,
                            value.span,
                            format!("the `else` row of `{name}` is never used: every value it is looked up with has its own row"),
                        ),
                        None => continue,
                    };
                    out.push(d.label("never reached").help(help.clone()));
                }
            }
        }
    }
}

fn bracket_rows(
    cx: &Cx<'_>,
    key: &str,
    rows: &[BracketRow],
    range: Interval,
    out: &mut Vec<Diagnostic>,
) {
    for row in rows {
        let Some(interval) = row_interval(row) else {
            return;
        };
        if interval.intersect(range).is_empty() {
            let row_text = row_text(cx, row);
            out.push(
                Diagnostic::new(
                    Code::UnreachableRow,
                    row.span,
                    format!("the bracket row `{row_text}` is never used: `{key}` cannot be in it here"),
                )
                .label("never reached")
                .help("remove the row, or check its thresholds against the clause's condition and the article"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: i64) -> Decimal {
        Decimal::from(v)
    }

    #[test]
    fn intervals_intersect_and_empty() {
        let ge100 = Interval::at_least(d(100), true);
        let lt50 = Interval::at_most(d(50), false);
        assert!(ge100.intersect(lt50).is_empty());
        let le100 = Interval::at_most(d(100), true);
        assert!(!ge100.intersect(le100).is_empty());
        let lt100 = Interval::at_most(d(100), false);
        assert!(ge100.intersect(lt100).is_empty());
    }

    #[test]
    fn an_enum_compared_with_another_value_of_it_says_nothing_about_either() {
        let text = r#"policy "测试〔2023〕1号" {
  title "测试政策"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 100% }
  same_matter highest
}
enum 等级 { 国家级, 省级, 无 }
input enterprise { 级别: 等级  上年级别: 等级 }
clause 甲 {
  source "一"
  when 级别 == 上年级别 and 级别 != 国家级
  award by 级别 { 国家级: 3万元, 省级: 2万元, 无: 1万元 }
}
"#;
        let c = crate::compile_source(text);
        let codes: Vec<_> = c.diagnostics.iter().map(|d| d.code).collect();
        // Only the variant named bare narrows 级别: its row is the one never used.
        assert_eq!(codes, [crate::diagnostic::Code::UnreachableRow]);
        let row = &c.diagnostics[0].primary.span;
        assert_eq!(&text[row.start..row.end], "国家级");
    }

    #[test]
    fn containment_respects_open_ends() {
        let ge0 = Interval::at_least(d(0), true);
        let gt0 = Interval::at_least(d(0), false);
        assert!(ge0.contains(gt0));
        assert!(!gt0.contains(ge0));
        assert!(ge0.contains(Interval::at_least(d(5), true)));
        assert!(!Interval::at_least(d(5), true).contains(ge0));
        assert!(Interval::default().contains(ge0));
    }
}
