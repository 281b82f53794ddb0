//! Figures that look mistyped: a rate above 100%, a date outside the policy's window.

use chrono::Datelike;
use rust_decimal::Decimal;

use super::{walk, Cx};
use crate::ast::{Award, ClauseItem, Expr, ExprKind, HeaderItem, Item, ParamValue, Span};
use crate::check::model::Ref;
use crate::diagnostic::{Code, Diagnostic};

pub(super) fn check(cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    rates(cx, out);
    dates(cx, out);
}

/// Percentages above 100% written where an award's rate is meant, directly or through a
/// parameter.
fn rates(cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    let mut params_seen = vec![false; cx.model.params.len()];
    for c in &cx.model.clauses {
        let Award::Rate { rate, .. } = c.award else {
            continue;
        };
        walk(rate, &mut |e| match &e.node {
            ExprKind::Number(l) if l.percent && l.value > Decimal::ONE => {
                out.push(over_100(cx, e.span, &c.name));
            }
            ExprKind::Ref(_) => {
                if let Some(Ref::Param(i)) = cx.meaning(e) {
                    let (Some(seen), Some(param)) = (
                        params_seen.get_mut(i.index()),
                        cx.model.params.get(i.index()),
                    ) else {
                        return;
                    };
                    if std::mem::replace(seen, true) {
                        return;
                    }
                    let values: Vec<&Expr> = match param.value {
                        ParamValue::Fixed(v) => vec![v],
                        ParamValue::Dated(vs) => vs.iter().map(|(_, v)| v).collect(),
                        ParamValue::Unspecified => Vec::new(),
                    };
                    for v in values {
                        if matches!(&v.node, ExprKind::Number(l) if l.percent && l.value > Decimal::ONE)
                        {
                            out.push(over_100(cx, v.span, &c.name));
                        }
                    }
                }
            }
            _ => {}
        });
    }
}

fn over_100(cx: &Cx<'_>, span: Span, clause: &str) -> Diagnostic {
    Diagnostic::new(
        Code::PercentOver100,
        span,
        format!(
            "`{}` is the rate of the award `{clause}`: more than the whole base would be paid",
            cx.text(span)
        ),
    )
    .label("above 100%")
    .help("check the figure against the article (a rate such as 10% or 1.5%, or an amount in 元?)")
}

/// Dates that fall outside the policy's window where a date inside it is meant.
fn dates(cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    let (start, end) = cx.model.header.window;
    let window = format!("{start} to {end}");
    let outside = |d: chrono::NaiveDate| d < start || d > end;
    // A clause's own window, and dates in its condition later than the policy's end.
    for info in &cx.model.clauses {
        let Some(c) = cx.clause_node(info) else {
            continue;
        };
        for ci in &c.node.items {
            match &ci.node {
                ClauseItem::Effective(_) => {
                    if let Some((a, b)) = info.window.filter(|(a, b)| outside(*a) || outside(*b)) {
                        out.push(
                            Diagnostic::new(
                                Code::DateOutsideWindow,
                                ci.span,
                                format!("the clause's window {a} to {b} reaches outside the policy's window {window}"),
                            )
                            .label("outside the policy's window")
                            .help("the policy is not in force outside its window; check both windows against the document"),
                        );
                    }
                }
                ClauseItem::When(e) => walk(e, &mut |x| {
                    if let ExprKind::Date(d) = x.node {
                        if d > end {
                            out.push(
                                Diagnostic::new(
                                    Code::DateOutsideWindow,
                                    x.span,
                                    format!("{d} is after the policy ends ({end}): no evaluation in force can see this date pass"),
                                )
                                .label("after the window")
                                .help("check the year; dates in conditions usually fall before or inside the window"),
                            );
                        }
                    }
                }),
                _ => {}
            }
        }
    }
    // Dated values and budget years.
    for item in &cx.file.items {
        match item {
            Item::Param(p) => {
                if let ParamValue::Dated(values) = &p.node.value {
                    for (d, _) in values {
                        if outside(d.node) {
                            out.push(
                                Diagnostic::new(
                                    Code::DateOutsideWindow,
                                    d.span,
                                    format!("the value from {} takes effect outside the policy's window {window}", d.node),
                                )
                                .label("outside the window")
                                .help("check the date against the document; a value that never applies can be removed"),
                            );
                        }
                    }
                }
            }
            Item::Policy(p) => {
                for h in &p.node.items {
                    let HeaderItem::Budget(lines) = &h.node else {
                        continue;
                    };
                    for l in lines {
                        if l.year.node < start.year() || l.year.node > end.year() {
                            out.push(
                                Diagnostic::new(
                                    Code::DateOutsideWindow,
                                    l.year.span,
                                    format!("the budget for {} falls outside the policy's window {window}", l.year.node),
                                )
                                .label("outside the window")
                                .help("check the year; no award of this policy is paid in a year outside its window"),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
