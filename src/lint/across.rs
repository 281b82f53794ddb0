//! W0319: clauses of two documents that reward the same thing but share no matter.
//!
//! Input: the compiled programs of one policy set (in file order). Output: for each pair of
//! clauses of different documents, at least one of which pays only the highest
//! (`same_matter highest`), that can award one kind of subject, share no matter, and either
//! test an input of the same name in their conditions or read the same by name or matter
//! (after [`crate::keys::key`]): a warning in the later file, naming the earlier clause.
//! Guarantee: best effort, like every lint: only names tested directly by a `when` count.

use std::collections::BTreeSet;

use crate::ast::{SameMatter, Span};
use crate::compile::{ClauseDef, Expr, ExprKind, Program};
use crate::diagnostic::{Code, Diagnostic};
use crate::keys::key;

/// The W0319 warnings of a set, as (index of the file in `programs`, diagnostic).
pub(crate) fn matters_across(programs: &[Option<&Program>]) -> Vec<(usize, Diagnostic)> {
    let mut out = Vec::new();
    for (b, pb) in programs.iter().enumerate() {
        let Some(pb) = pb else { continue };
        for pa in programs[..b].iter().flatten() {
            if pa.header.same_matter != SameMatter::Highest
                && pb.header.same_matter != SameMatter::Highest
            {
                continue;
            }
            for cb in &pb.clauses {
                if let Some(d) = pa.clauses.iter().find_map(|ca| meeting(pa, ca, pb, cb)) {
                    out.push((b, d));
                }
            }
        }
    }
    out
}

/// The warning for clause `cb` of `pb` when it seems to reward what `ca` of `pa` rewards
/// under another matter.
fn meeting(pa: &Program, ca: &ClauseDef, pb: &Program, cb: &ClauseDef) -> Option<Diagnostic> {
    if !ca.subjects.iter().any(|k| cb.subjects.contains(k)) {
        return None;
    }
    let (ma, mb) = (matter(pa, ca), matter(pb, cb));
    if ma == mb {
        return None;
    }
    let (na, nb) = (key(&ca.name).into_owned(), key(&cb.name).into_owned());
    let same_name = na == nb || na == mb || nb == ma;
    let shared: Vec<String> = tested(pa, ca)
        .intersection(&tested(pb, cb))
        .cloned()
        .collect();
    if !same_name && shared.is_empty() {
        return None;
    }
    let why = if shared.is_empty() {
        "their names or matters read the same".to_string()
    } else {
        format!("both test {}", shared.join(", "))
    };
    Some(
        Diagnostic::new(
            Code::MatterNotShared,
            name_span(pb, cb),
            format!(
                "clause `{}` shares no matter with `{}` of {}, but {why}",
                cb.name, ca.name, pa.header.document
            ),
        )
        .label(format!("matter \"{mb}\"; the other clause's is \"{ma}\""))
        .help(format!(
            "if both reward the same thing, give both one `matter` and cite both articles \
             ({} {}); if not, say why in a comment `allow(W0319)`",
            pa.header.document, ca.source
        )),
    )
}

/// A clause's matter, in its compared form.
fn matter<'p>(p: &'p Program, c: &ClauseDef) -> &'p str {
    p.matters.get(c.matter as usize).map_or("", String::as_str)
}

/// The names of the inputs a clause's condition tests directly, in their compared form.
fn tested(p: &Program, c: &ClauseDef) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<&Expr> = c.when.iter().collect();
    while let Some(e) = stack.pop() {
        let input = match e.kind {
            ExprKind::Subject(i) => p.subject_inputs.get(i as usize),
            ExprKind::Claim(i) => p.claim_inputs.get(i as usize),
            _ => None,
        };
        if let Some(i) = input {
            out.insert(key(&i.name).into_owned());
        }
        e.push_children(&mut stack);
    }
    out
}

/// The span of a clause's name (the clause as a whole when it cannot be found).
fn name_span(p: &Program, c: &ClauseDef) -> Span {
    let text = p.source.get(c.span.start..c.span.end).unwrap_or("");
    match text.find(c.name.as_str()) {
        Some(at) => Span::new(c.span.start + at, c.span.start + at + c.name.len()),
        None => c.span,
    }
}
