//! Clauses that share a matter but not their subjects.
//!
//! A shared matter means "only the highest of these is paid to one subject" (or all of them,
//! with `same_matter cumulative`). Clauses of one matter that award no kind of subject in
//! common never meet on one subject, so the shared matter does nothing, which usually means a matter
//! name was copied from the clause above.

use std::collections::HashMap;

use super::Cx;
use crate::ast::{ClauseItem, Span};
use crate::check::model::{ClauseInfo, MatterId};
use crate::diagnostic::{Code, Diagnostic};

pub(super) fn check(cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    let mut first: HashMap<MatterId, &ClauseInfo<'_>> = HashMap::new();
    for c in &cx.model.clauses {
        let Some(f) = first.get(&c.matter).copied() else {
            first.insert(c.matter, c);
            continue;
        };
        let (a, b) = (&f.subjects, &c.subjects);
        // Overlapping subjects do meet on the kinds they share; only disjoint ones never do.
        if a.iter().any(|k| b.contains(k)) {
            continue;
        }
        let span = matter_span(cx, c).unwrap_or(c.span);
        let mut d = Diagnostic::new(
            Code::MatterSubjectsDiffer,
            span,
            format!(
                "`{}` shares the matter \"{}\" with `{}`, but awards only {} and that clause only {}: \
                 the two never meet on one subject",
                c.name,
                c.matter_text,
                f.name,
                list(b),
                list(a)
            ),
        )
        .label("same matter, other subjects")
        .help("give the clause its own matter if the two awards are independent; otherwise give both the same subjects");
        if let Some(s) = matter_span(cx, f) {
            d = d.with_secondary(s, "the matter first used here");
        }
        out.push(d);
    }
}

fn matter_span(cx: &Cx<'_>, c: &ClauseInfo<'_>) -> Option<Span> {
    cx.clause_line(c, |i| matches!(i, ClauseItem::Matter(_)))
}

fn list(kinds: &[String]) -> String {
    kinds
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
