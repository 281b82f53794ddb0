//! Caps that can never change an award, and caps that cut every award.
//!
//! The award's possible amounts are bounded from its form: a fixed amount, the rows of a
//! table or bracket (written in place or named), `up to` its maximum, a rate of a base that is never negative, `min` and
//! `max` of those. A cap at or above the largest possible award never binds; a cap below the
//! smallest possible award always binds (the award as written is never paid). A cap counted per
//! subject on a clause evaluated per claim adds the claims up, so it can bind even when each
//! award is below it: only "always binds" is reported there.

use rust_decimal::Decimal;

use super::{constant, Cx};
use crate::ast::{Award, Expr, ExprKind, Func, ParamValue, UnaryOp};
use crate::check::model::{ClauseInfo, Ref};
use crate::check::types::Ty;
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::format::money;

/// The smallest and largest value an expression can take (`None`: no bound known).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Range {
    lo: Option<Decimal>,
    hi: Option<Decimal>,
}

const UNKNOWN: Range = Range { lo: None, hi: None };

fn exact(v: Decimal) -> Range {
    Range {
        lo: Some(v),
        hi: Some(v),
    }
}

/// The range of a product of two ranges that are never negative.
fn times(a: Range, b: Range) -> Range {
    match (a.lo, b.lo) {
        (Some(al), Some(bl)) if al >= Decimal::ZERO && bl >= Decimal::ZERO => Range {
            lo: al.checked_mul(bl),
            hi: a.hi.zip(b.hi).and_then(|(x, y)| x.checked_mul(y)),
        },
        _ => UNKNOWN,
    }
}

/// The range of `e`; `tables` holds the range of each named table's values, worked out once.
fn range(cx: &Cx<'_>, tables: &[Range], e: &Expr) -> Range {
    if let Some(v) = constant(e) {
        return exact(v);
    }
    match &e.node {
        ExprKind::Ref(_) => match cx.meaning(e) {
            Some(Ref::Param(i)) => match cx.model.params.get(i.index()).map(|p| p.value) {
                Some(ParamValue::Fixed(v)) => constant(v).map_or(UNKNOWN, exact),
                _ => UNKNOWN,
            },
            Some(target) => match cx.top_type(target) {
                Some((Ty::Num(_), false)) => Range {
                    lo: Some(Decimal::ZERO),
                    hi: None,
                },
                _ => UNKNOWN,
            },
            None => UNKNOWN,
        },
        ExprKind::Unary(UnaryOp::Neg, _) => UNKNOWN,
        ExprKind::Table { rows, .. } => span_of(rows.iter().map(|(_, v)| range(cx, tables, v))),
        ExprKind::Bracket { rows, .. } => span_of(rows.iter().map(|r| range(cx, tables, &r.value))),
        ExprKind::Lookup { .. } => cx
            .model
            .looked_up(e)
            .and_then(|l| tables.get(l.table.index()).copied())
            .unwrap_or(UNKNOWN),
        ExprKind::If {
            then, otherwise, ..
        } => span_of([range(cx, tables, then), range(cx, tables, otherwise)].into_iter()),
        ExprKind::Call(f, _) if f.node.is_date_function() => UNKNOWN,
        ExprKind::Call(f, args) => {
            let rs: Vec<Range> = args.iter().map(|a| range(cx, tables, a)).collect();
            let los = rs.iter().map(|r| r.lo);
            let his = rs.iter().map(|r| r.hi);
            match f.node {
                // min: below every argument's bound; above the smallest low bound.
                Func::Min => Range {
                    lo: los
                        .collect::<Option<Vec<_>>>()
                        .and_then(|v| v.into_iter().min()),
                    hi: his.flatten().min(),
                },
                Func::Max => Range {
                    lo: los.flatten().max(),
                    hi: his
                        .collect::<Option<Vec<_>>>()
                        .and_then(|v| v.into_iter().max()),
                },
                _ => UNKNOWN,
            }
        }
        _ => UNKNOWN,
    }
}

/// The range covering every range of `rs`.
fn span_of(rs: impl Iterator<Item = Range>) -> Range {
    let rs: Vec<Range> = rs.collect();
    Range {
        lo: rs
            .iter()
            .map(|r| r.lo)
            .collect::<Option<Vec<_>>>()
            .and_then(|v| v.into_iter().min()),
        hi: rs
            .iter()
            .map(|r| r.hi)
            .collect::<Option<Vec<_>>>()
            .and_then(|v| v.into_iter().max()),
    }
}

fn award_range(cx: &Cx<'_>, tables: &[Range], c: &ClauseInfo<'_>) -> Range {
    match c.award {
        Award::Amount(e) => range(cx, tables, e),
        Award::UpTo { max, .. } => Range {
            lo: Some(Decimal::ZERO),
            hi: range(cx, tables, max).hi,
        },
        Award::Rate { rate, base } => times(range(cx, tables, rate), range(cx, tables, base)),
        Award::Match { ratio, base } => {
            let (a, b) = ratio.node;
            match a.checked_div(b) {
                Some(f) => times(exact(f), range(cx, tables, base)),
                None => UNKNOWN,
            }
        }
    }
}

pub(super) fn check(cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    // A table's rows look up no other table (E0322): each range needs no other table's.
    let tables: Vec<Range> = cx
        .model
        .tables
        .iter()
        .map(|t| span_of(t.rows.values().into_iter().map(|v| range(cx, &[], v))))
        .collect();
    for c in &cx.model.clauses {
        let award = award_range(cx, &tables, c);
        for cap in &c.caps {
            let Some(limit) = constant(&cap.amount) else {
                continue;
            };
            // Per subject on a clause evaluated per claim: the claims' awards add up.
            let adds_up = c
                .per_claim
                .as_deref()
                .is_some_and(|k| k != cap.per.node.as_str());
            if let Some(lo) = award.lo.filter(|lo| *lo > limit) {
                out.push(
                    Diagnostic::new(
                        Code::CapAlwaysBinds,
                        cap.amount.span,
                        format!(
                            "every award of `{}` is at least {}, above this cap of {}: the award as written is never paid",
                            c.name,
                            money(lo),
                            money(limit)
                        ),
                    )
                    .label("always cuts the award")
                    .help("check the award and the cap against the article; if the article's figure is the cap, write it as the award"),
                );
            } else if let Some(hi) = award.hi.filter(|hi| *hi <= limit && !adds_up) {
                out.push(
                    Diagnostic::new(
                        Code::CapNeverBinds,
                        cap.amount.span,
                        format!(
                            "no award of `{}` is more than {}, so this cap of {} never changes it",
                            c.name,
                            money(hi),
                            money(limit)
                        ),
                    )
                    .label("never reached")
                    .help("remove the cap, or check the award and the cap against the article"),
                );
            }
        }
    }
}
