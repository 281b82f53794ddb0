//! Declarations that nothing uses, parameters left without a value, and limits that nothing
//! counts against.
//!
//! A name counts as used when a clause reaches it: through its condition, award, caps and
//! limits, and through the `let`s and named tables those use. An input used only by an unused
//! `let` or table is unused.

use super::{clause_roots, walk, Cx};
use crate::ast::{Expr, ParamValue};
use crate::check::model::{LimitUse, Ref};
use crate::diagnostic::{Code, Diagnostic};

#[derive(Default)]
struct Used {
    inputs: Vec<bool>,
    params: Vec<bool>,
    lets: Vec<bool>,
    limits: Vec<bool>,
    tables: Vec<bool>,
}

pub(super) fn check(cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    let m = cx.model;
    let mut used = Used {
        inputs: vec![false; m.inputs.len()],
        params: vec![false; m.params.len()],
        lets: vec![false; m.lets.len()],
        limits: vec![false; m.limits.len()],
        tables: vec![false; m.tables.len()],
    };
    for c in &m.clauses {
        let mut locals_used = vec![false; c.locals.len()];
        let mut work: Vec<&Expr> = clause_roots(c);
        // A run's anchor date is read to know its years; its caps are read like the others.
        if let Some(u) = c.run.and_then(|r| used.inputs.get_mut(r.anchor.index())) {
            *u = true;
        }
        work.extend(c.run_caps.iter().map(|b| &b.amount));
        for l in &c.limits {
            if let LimitUse::Shared(i) = l {
                if let (Some(u), Some(limit)) =
                    (used.limits.get_mut(i.index()), m.limits.get(i.index()))
                {
                    if !*u {
                        *u = true;
                        work.push(&limit.bound.amount);
                    }
                }
            }
        }
        while let Some(e) = work.pop() {
            let mut refs = Vec::new();
            let mut tables = Vec::new();
            walk(e, &mut |x| {
                refs.extend(cx.meaning(x));
                refs.extend(m.series_read(x).map(Ref::Input));
                tables.extend(m.looked_up(x).map(|l| l.table.index()));
            });
            // A table looked up counts as used, and so does everything its rows use.
            for t in tables {
                if let (Some(u), Some(table)) = (used.tables.get_mut(t), m.tables.get(t)) {
                    if !std::mem::replace(u, true) {
                        work.extend(table.rows.exprs());
                    }
                }
            }
            for target in refs {
                // Each name is counted as what the checker resolved it to, so a clause's `let`
                // that hides a policy-wide name is told apart from it exactly as evaluation does.
                let first = |flags: &mut Vec<bool>, i: usize| {
                    flags
                        .get_mut(i)
                        .is_some_and(|u| !std::mem::replace(u, true))
                };
                match target {
                    Ref::Local { clause, index } if clause == c.id => {
                        if first(&mut locals_used, index) {
                            work.extend(c.locals.get(index).map(|l| l.value));
                        }
                    }
                    Ref::Input(i) => {
                        first(&mut used.inputs, i.index());
                    }
                    Ref::Param(i) => {
                        first(&mut used.params, i.index());
                    }
                    Ref::Let(i) => {
                        if first(&mut used.lets, i.index()) {
                            work.extend(m.lets.get(i.index()).map(|l| l.value));
                        }
                    }
                    Ref::Local { .. } | Ref::Variant { .. } => {}
                }
            }
        }
        for (l, u) in c.locals.iter().zip(&locals_used) {
            if !u {
                out.push(
                    unused(Code::UnusedLet, "let", &l.name, l.span).help(format!(
                        "remove `let {}`, or use it in the clause's condition or award",
                        l.name
                    )),
                );
            }
        }
        kinds_counted(cx, c, out);
    }
    for (i, input) in m.inputs.iter().enumerate() {
        if !used.inputs[i] {
            out.push(
                unused(Code::UnusedInput, "input", &input.name, input.span).help(
                    "remove it so applicants are not asked for it, or use it in the clause it was \
                     meant for",
                ),
            );
        }
    }
    for (i, l) in m.lets.iter().enumerate() {
        if !used.lets[i] {
            out.push(
                unused(Code::UnusedLet, "let", &l.name, l.span)
                    .help("remove it, or use it in the clause it was written for"),
            );
        }
    }
    for (i, t) in m.tables.iter().enumerate() {
        if !used.tables[i] {
            out.push(
                Diagnostic::new(
                    Code::UnusedTable,
                    t.span,
                    format!("the table `{}` is never looked up", t.name),
                )
                .label("declared here, looked up nowhere")
                .help(format!(
                    "remove it, or look a value up in it where the article uses it: `{}(value)`",
                    t.name
                )),
            );
        }
    }
    for (i, p) in m.params.iter().enumerate() {
        if !used.params[i] {
            out.push(
                unused(Code::UnusedParam, "parameter", &p.name, p.span)
                    .help("remove it, or use it where the policy's figure is meant"),
            );
        }
        if matches!(p.value, ParamValue::Unspecified) {
            out.push(
                Diagnostic::new(
                    Code::UnspecifiedParam,
                    p.span,
                    format!(
                        "the parameter `{}` has no value: the policy leaves it open",
                        p.name
                    ),
                )
                .label("no value")
                .help(
                    "give the value when evaluating (`--set NAME=VALUE`); when the gazette \
                     really leaves it open, say so in a comment with `allow(W0309)`",
                ),
            );
        }
    }
    for (i, l) in m.limits.iter().enumerate() {
        if !used.limits[i] {
            out.push(
                Diagnostic::new(
                    Code::LimitNotFed,
                    l.bound.per.span,
                    format!("no clause counts against the limit `{}`", l.name),
                )
                .label("never used")
                .help(format!(
                    "add `limit {}` to the clauses it limits, or remove it",
                    l.name
                )),
            );
        }
    }
}

fn unused(code: Code, what: &str, name: &str, span: crate::ast::Span) -> Diagnostic {
    Diagnostic::new(code, span, format!("the {what} `{name}` is never used"))
        .label("declared here, used nowhere")
}

/// A cap or limit of a clause counted per a kind the clause never awards: it never counts, so
/// the clause would pay in full what its author meant to bound. This is an error (E0318), not a
/// lint warning: the policy as written certainly pays something other than what it says.
fn kinds_counted(cx: &Cx<'_>, c: &crate::check::model::ClauseInfo<'_>, out: &mut Vec<Diagnostic>) {
    let mut bounds: Vec<(&crate::ast::Bound, &str)> = c.caps.iter().map(|b| (*b, "cap")).collect();
    for l in &c.limits {
        match l {
            LimitUse::Own(b) => bounds.push((b, "limit")),
            LimitUse::Shared(i) => {
                if let Some(l) = cx.model.limits.get(i.index()) {
                    bounds.push((l.bound, "limit"));
                }
            }
        }
    }
    for &(b, what) in &bounds {
        let per = b.per.node.as_str();
        let counted = c.subjects.iter().any(|s| s == per) || c.per_claim.as_deref() == Some(per);
        if !counted {
            let mut kinds = c.subjects.clone();
            kinds.extend(c.per_claim.clone());
            out.push(
                Diagnostic::new(
                    Code::BoundPerUnawardedKind,
                    b.per.span,
                    format!(
                        "this {what} counts per `{per}`, but the clause `{}` awards only {}",
                        c.name,
                        kinds
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .label(format!(
                    "no award of this clause is counted per `{per}`, so the {what} would never bind"
                ))
                .help(format!(
                    "count it per one of the clause's kinds ({}), or add `{per}` to its subjects",
                    kinds.join(", ")
                )),
            );
        }
    }
    partly_bounded(c, &bounds, out);
}

/// A clause for several kinds of subject whose caps and limits are counted per some of them
/// only: the awards of the other kinds are bounded by nothing (W0317). It may be what the
/// article says (a ceiling for firms alone), so it is a warning; the shipped policies write one
/// bound per kind (`limit 30万元 per enterprise per year` and `... per institution per year`).
fn partly_bounded(
    c: &crate::check::model::ClauseInfo<'_>,
    bounds: &[(&crate::ast::Bound, &str)],
    out: &mut Vec<Diagnostic>,
) {
    let per_subject: Vec<&(&crate::ast::Bound, &str)> = bounds
        .iter()
        .filter(|(b, _)| c.subjects.iter().any(|s| *s == b.per.node.as_str()))
        .collect();
    let Some((first, what)) = per_subject.first() else {
        return;
    };
    let unbounded: Vec<&String> = c
        .subjects
        .iter()
        .filter(|s| {
            !per_subject
                .iter()
                .any(|(b, _)| b.per.node.as_str() == s.as_str())
        })
        .collect();
    if unbounded.is_empty() {
        return;
    }
    let names = |v: &[&String]| {
        v.iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push(
        Diagnostic::new(
            Code::BoundSomeKinds,
            first.per.span,
            format!(
                "this {what} counts per `{}`, but the clause `{}` also awards {}, whose awards no cap or limit of it bounds",
                first.per.node,
                c.name,
                names(&unbounded)
            ),
        )
        .label(format!("bounds only the awards of `{}`", first.per.node))
        .help(format!(
            "add the same bound per {} if the article bounds every recipient, or allow this \
             warning with the article's reason",
            unbounded
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    );
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;

    /// The warnings of a policy, with the line each points at.
    fn warnings(body: &str) -> Vec<(Code, usize)> {
        let text = format!(
            r#"policy "测试〔2023〕1号" {{
  title "测试政策"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding {{ 市级财政: 100% }}
  same_matter highest
}}
input enterprise {{ 研发费用: money }}
{body}"#
        );
        let c = crate::compile_source(&text);
        assert!(!c.has_errors(), "{:#?}", c.diagnostics);
        c.diagnostics
            .iter()
            .map(|d| (d.code, text[..d.primary.span.start].lines().count()))
            .collect()
    }

    #[test]
    fn a_name_counts_as_used_where_the_checker_resolved_it() {
        // 奖励 reads the policy-wide 基数 (the clause's own comes after it), so the policy-wide
        // one and 研发费用 are used, and the clause's own 基数 (line 13) is not.
        let body = r#"let 基数 = 研发费用 * 10%
clause 甲 {
  source "一"
  let 奖励 = 基数 * 2
  let 基数 = 1万元
  award 奖励
}
"#;
        assert_eq!(
            warnings(body),
            [(Code::Shadowing, 13), (Code::UnusedLet, 13)]
        );
        // The same name hidden in one clause and read in another: both are used.
        let body = r#"let 基数 = 研发费用 * 10%
clause 甲 {
  source "一"
  let 基数 = 1万元
  award 基数
}
clause 乙 {
  source "二"
  award 基数
}
"#;
        assert_eq!(warnings(body), [(Code::Shadowing, 12)]);
    }
}
