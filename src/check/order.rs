//! The order in which policy-wide lets are inferred, and circles among them.
//!
//! Input: the declared lets. Output: an order in which each let comes after the lets it uses,
//! and a diagnostic for each circle. Guarantee: iterative, so a chain of ten thousand lets
//! declared in reverse order cannot overflow the stack; lets in a circle are marked as
//! already wrong so inference never follows the circle.

use super::model::LetId;
use super::types::Ty;
use super::{Checker, LetState, Symbol};
use crate::ast::{Expr, ExprKind, Span};
use crate::diagnostic::{Code, Diagnostic};

/// The policy-wide lets an expression refers to, with where: directly, and through the rows of
/// the named tables it looks up (each table followed once).
fn let_refs<'e>(checker: &Checker<'e>, e: &'e Expr, out: &mut Vec<(usize, Span)>) {
    let mut stack = vec![e];
    let mut tables: Vec<usize> = Vec::new();
    while let Some(e) = stack.pop() {
        match &e.node {
            ExprKind::Ref(n) => {
                if let Some(Symbol::Let(j)) = checker.names.get(n) {
                    out.push((j.index(), e.span));
                }
            }
            ExprKind::Lookup { table, .. } => {
                if let Some(Symbol::Table(t)) = checker.names.get(&table.node) {
                    if !tables.contains(&t.index()) {
                        tables.push(t.index());
                        if let Some(info) = checker.tables.get(t.index()) {
                            stack.extend(info.rows.exprs().into_iter().rev());
                        }
                    }
                }
            }
            _ => {}
        }
        stack.extend(e.children().into_iter().rev());
    }
    out.reverse();
}

impl Checker<'_> {
    /// Infers every policy-wide let, dependencies first, reporting circles.
    pub(super) fn check_lets(&mut self) {
        let n = self.lets.len();
        let edges: Vec<Vec<(usize, Span)>> = (0..n)
            .map(|i| {
                let mut out = Vec::new();
                let_refs(self, self.lets[i].value, &mut out);
                out.reverse();
                out
            })
            .collect();
        // 0 = not visited, 1 = on the current path, 2 = done.
        let mut colour = vec![0u8; n];
        let mut order = Vec::with_capacity(n);
        for root in 0..n {
            if colour[root] != 0 {
                continue;
            }
            let mut path: Vec<(usize, usize)> = vec![(root, 0)];
            colour[root] = 1;
            while let Some(&mut (node, ref mut next)) = path.last_mut() {
                if let Some(&(to, span)) = edges[node].get(*next) {
                    *next += 1;
                    match colour[to] {
                        0 => {
                            colour[to] = 1;
                            path.push((to, 0));
                        }
                        1 => self.report_circle(to, span, &path),
                        _ => {}
                    }
                } else {
                    colour[node] = 2;
                    order.push(node);
                    path.pop();
                }
            }
        }
        for &i in &order {
            let span = self.lets[i].span;
            self.let_type(i, span);
        }
        self.let_order = order.into_iter().map(LetId::new).collect();
    }

    fn report_circle(&mut self, to: usize, at: Span, path: &[(usize, usize)]) {
        let name = self.lets[to].name.clone();
        let decl = self.lets[to].span;
        self.report(
            Diagnostic::new(
                Code::CircularLet,
                at,
                format!("`{name}` is defined in terms of itself"),
            )
            .label("used here while it is being defined")
            .with_secondary(decl, "defined here")
            .help("break the circle: define one of the values from inputs and parameters only"),
        );
        // Every let on the circle is wrong; mark them so inference does not walk the circle.
        if let Some(start) = path.iter().position(|(n, _)| *n == to) {
            for (n, _) in &path[start..] {
                self.let_states[*n] = LetState::Done(Ty::Error, Vec::new());
            }
        }
    }
}
