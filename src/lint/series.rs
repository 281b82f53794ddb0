//! Ranges of years that hold no year (W0330): `销售收入[event_year - 1 .. event_year - 3]`
//! ends before it starts for every event, so whatever reads it can never be evaluated.
//!
//! Only the cheap case is found: both ends written as a fixed year, or both as `event_year`
//! plus or minus a fixed number of years.

use rust_decimal::Decimal;

use super::{clause_exprs, walk, Cx};
use crate::ast::{BinOp, Expr, ExprKind, Func, Years};
use crate::diagnostic::{Code, Diagnostic};

/// A year as `(counted from event_year, offset)`, when it is written in one of those forms.
fn year_form(e: &Expr) -> Option<(bool, Decimal)> {
    match &e.node {
        ExprKind::EventYear => Some((true, Decimal::ZERO)),
        ExprKind::Call(f, args) if f.node == Func::Year => match args.as_slice() {
            [Expr {
                node: ExprKind::EventDate,
                ..
            }] => Some((true, Decimal::ZERO)),
            _ => None,
        },
        ExprKind::Binary(op, a, b) if matches!(op.node, BinOp::Add | BinOp::Sub) => {
            let (base, k) = year_form(a)?;
            let n = b.as_constant()?.0;
            let k = if op.node == BinOp::Add { k + n } else { k - n };
            Some((base, k))
        }
        _ => e.as_constant().map(|(v, _)| (false, v)),
    }
}

pub(super) fn check(cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    let mut exprs: Vec<&Expr> = cx.model.lets.iter().map(|l| l.value).collect();
    for c in &cx.model.clauses {
        exprs.extend(clause_exprs(c));
    }
    let mut seen = Vec::new();
    for root in exprs {
        walk(root, &mut |e| {
            let ExprKind::Index {
                series,
                years: Years::Range(Some(from), Some(to)),
            } = &e.node
            else {
                return;
            };
            let (Some((a, x)), Some((b, y))) = (year_form(from), year_form(to)) else {
                return;
            };
            if a != b || x <= y || seen.contains(&e.span) {
                return;
            }
            seen.push(e.span);
            out.push(
                Diagnostic::new(
                    Code::EmptyYearRange,
                    e.span,
                    format!(
                        "this range of years of `{}` ends before it starts, so it holds no year",
                        series.node
                    ),
                )
                .label("no year lies in this range")
                .help("write the earlier year first: `销售收入[event_year - 3 .. event_year - 1]`"),
            );
        });
    }
}
