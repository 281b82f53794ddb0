//! Lowering of the yearly-series syntax: `销售收入[event_year - 1]`, a range of years
//! `销售收入[.. event_year - 1]`, and a clause's run of years `for 3 years from 认定日期`.

use super::{next, Lowerer, P};
use crate::ast::{Expr, ExprKind, Node, Run, Span, Years};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::grammar::Rule;
use crate::syntax::literal;

impl Lowerer<'_> {
    /// `NAME[YEAR]` or `NAME[FROM .. TO]` (either end optional), with its depth.
    pub(super) fn index(&mut self, p: P<'_>, span: Span) -> (Expr, usize) {
        let mut it = p.into_inner();
        let series = self.name(next(&mut it));
        let inner = next(&mut it);
        let (years, depth) = if inner.as_rule() == Rule::year_range {
            let (mut from, mut to, mut depth) = (None, None, 0);
            for part in inner.into_inner() {
                let rule = part.as_rule();
                if rule == Rule::range_dots {
                    continue;
                }
                let (e, d) = self.expr_d(next(&mut part.into_inner()));
                depth = depth.max(d);
                if rule == Rule::year_from {
                    from = Some(Box::new(e));
                } else {
                    to = Some(Box::new(e));
                }
            }
            (Years::Range(from, to), depth)
        } else {
            let (e, d) = self.expr_d(inner);
            (Years::One(Box::new(e)), d)
        };
        (
            Node::new(ExprKind::Index { series, years }, span),
            depth + 1,
        )
    }

    /// `for N years from|after DATE`.
    pub(super) fn run(&mut self, mut it: pest::iterators::Pairs<'_, Rule>) -> Run {
        let count_pair = next(&mut it);
        let count_span = self.span(&count_pair);
        let digits = count_pair
            .clone()
            .into_inner()
            .next()
            .map_or("", |n| n.as_str());
        let count = match literal::parse_number(digits, count_span) {
            Ok(n) if n.fract().is_zero() && n >= rust_decimal::Decimal::ONE => {
                rust_decimal::prelude::ToPrimitive::to_u32(&n).filter(|n| *n <= 100)
            }
            _ => None,
        };
        let count = count.unwrap_or_else(|| {
            self.diags.push(
                Diagnostic::new(
                    Code::BadNumber,
                    count_span,
                    "the number of years of a run is not a whole number from 1 to 100",
                )
                .label("not a usable number of years")
                .help("write a whole number of years, e.g. `for 3 years from 认定日期`"),
            );
            0
        });
        let after = next(&mut it).as_str() == "after";
        let anchor = self.name(next(&mut it));
        Run {
            count: Node::new(count, count_span),
            after,
            anchor,
        }
    }
}
