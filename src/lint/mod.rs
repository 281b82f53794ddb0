//! Lints: warnings about a policy that checks clean but probably does not say what was meant.
//!
//! Input: the checked [`Model`] of a file without errors, its syntax tree and its text (for the
//! comments that quote the gazette). Output: warnings (codes W03xx), each with the place, a
//! plain message and how to fix it, and the one error found by the same reasoning, E0318 (a
//! cap or limit counted per a kind its clause never awards), which is an error because the
//! policy as written certainly pays something other than what it says. Guarantee: lints never
//! change what the policy compiles to. A warning that staff have looked at and accept is silenced by a comment
//! `allow(CODE)` on its line or in the comment lines just above (see [`allow`]).
//!
//! What is found is best effort: reasoning covers comparisons of one name with a number, enum
//! tests and yes/no inputs joined by `and`; anything more involved is left alone rather than
//! guessed at.

pub(crate) mod across;
pub mod allow;
mod caps;
mod chars;
mod conditions;
mod items;
mod matters;
mod series;
mod usage;
mod values;
mod wording;

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::ast::{self, Expr, Item, Node};
use crate::check::model::{ClauseInfo, Model, Ref};
use crate::check::types::{Flavor, Ty};
use crate::diagnostic::Diagnostic;

/// Every lint warning of a file whose model checked clean.
pub fn lint(model: &Model<'_>, file: &ast::File, source: &str) -> Vec<Diagnostic> {
    let clause_nodes = file
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Clause(c) => Some((c.span.start, c)),
            _ => None,
        })
        .collect();
    let cx = Cx {
        model,
        file,
        source,
        clause_nodes,
    };
    let mut out = Vec::new();
    usage::check(&cx, &mut out);
    conditions::check(&cx, &mut out);
    caps::check(&cx, &mut out);
    values::check(&cx, &mut out);
    matters::check(&cx, &mut out);
    items::check(&cx, &mut out);
    wording::check(&cx, &mut out);
    chars::check(&cx, &mut out);
    series::check(&cx, &mut out);
    out
}

/// What the lints read.
struct Cx<'m> {
    model: &'m Model<'m>,
    file: &'m ast::File,
    source: &'m str,
    /// The syntax-tree clauses by where they start, to find a checked clause's own lines.
    clause_nodes: HashMap<usize, &'m Node<ast::Clause>>,
}

impl<'m> Cx<'m> {
    /// What the name `e` stands for, as the checker resolved it; `None` when `e` is not a name.
    fn meaning(&self, e: &Expr) -> Option<Ref> {
        self.model.resolved(e).map(|r| r.target)
    }

    /// The type of a policy-wide value (an input, parameter or policy-wide `let`), and whether
    /// it may be negative (`true` when not known); `None` for anything else.
    fn top_type(&self, target: Ref) -> Option<(Ty, bool)> {
        match target {
            Ref::Input(i) => {
                let input = self.model.inputs.get(i.index())?;
                // Facts refuse negative money and quantities unless declared `signed`.
                let non_negative =
                    !input.signed && matches!(input.decl.flavor, Flavor::Money | Flavor::Quantity);
                Some((input.decl.ty.clone(), !non_negative))
            }
            Ref::Param(i) => self
                .model
                .params
                .get(i.index())
                .map(|p| (p.decl.ty.clone(), true)),
            Ref::Let(i) => self.model.lets.get(i.index()).map(|l| (l.ty.clone(), true)),
            Ref::Local { .. } | Ref::Variant { .. } => None,
        }
    }

    /// The source text of `span`, as staff wrote it.
    fn text(&self, span: ast::Span) -> &'m str {
        self.source.get(span.start..span.end).unwrap_or("")
    }

    /// The syntax-tree clause a checked clause came from.
    fn clause_node(&self, info: &ClauseInfo<'_>) -> Option<&'m Node<ast::Clause>> {
        self.clause_nodes.get(&info.span.start).copied()
    }

    /// Where the first line of a checked clause that `is` picks is written.
    fn clause_line(
        &self,
        info: &ClauseInfo<'_>,
        is: impl Fn(&ast::ClauseItem) -> bool,
    ) -> Option<ast::Span> {
        let node = self.clause_node(info)?;
        node.node.items.iter().find(|i| is(&i.node)).map(|i| i.span)
    }
}

/// Calls `f` on `e` and every expression inside it.
fn walk<'e>(e: &'e Expr, f: &mut impl FnMut(&'e Expr)) {
    f(e);
    for child in e.children() {
        walk(child, f);
    }
}

/// The expressions of a clause: its condition, award, caps, own limits and lets.
fn clause_exprs<'a>(c: &ClauseInfo<'a>) -> Vec<&'a Expr> {
    let mut v = clause_roots(c);
    v.extend(c.locals.iter().map(|l| l.value));
    v
}

/// The expressions a clause evaluates directly: its condition, award, caps, own limits and
/// stages (its lets count only as far as these use them).
fn clause_roots<'a>(c: &ClauseInfo<'a>) -> Vec<&'a Expr> {
    let mut v: Vec<&'a Expr> = Vec::new();
    v.extend(c.when);
    match c.award {
        ast::Award::Amount(e) => v.push(e),
        ast::Award::Rate { rate, base } => v.extend([rate, base]),
        ast::Award::UpTo { max, assessed } => {
            v.push(max);
            v.extend(assessed.as_ref());
        }
        ast::Award::Match { base, .. } => v.push(base),
    }
    v.extend(c.caps.iter().map(|b| &b.amount));
    for l in &c.limits {
        if let crate::check::model::LimitUse::Own(b) = l {
            v.push(&b.amount);
        }
    }
    for s in &c.stages {
        v.extend(s.when);
        v.extend(s.on);
    }
    v
}

/// The value of a number written out, e.g. `20万元` or `-5%`.
fn constant(e: &Expr) -> Option<Decimal> {
    e.as_constant().map(|(v, _)| v)
}
