//! Explanations: each condition with its actual values and verdict, each derived value, and
//! how far a failed threshold was missed.
//!
//! Input: a compiled expression and the environment it was evaluated in. Output: lines in plain
//! words quoting the policy's own text. Guarantee: explaining evaluates the same expressions
//! the decision used, so the explanation cannot disagree with the decision.

use rust_decimal::Decimal;

use super::expr::Env;
use super::format;
use super::value::{Fault, Need, Stop, Value};
use crate::ast::Span;
use crate::compile::{ArithOp, CmpOp, Expr, ExprKind, Program, Show};

/// The policy text at `span`, with runs of white space folded.
pub fn source(program: &Program, span: Span) -> String {
    let text = program.source.get(span.start..span.end).unwrap_or("");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The name of what an undetermined clause waits for (a missing input or parameter).
pub fn need_name(program: &Program, need: Need) -> String {
    match need {
        Need::Subject(i) => program
            .subject_inputs
            .get(i as usize)
            .map_or_else(String::new, |x| x.name.clone()),
        Need::Claim(i) => program
            .claim_inputs
            .get(i as usize)
            .map_or_else(String::new, |x| x.name.clone()),
        Need::Param(i) => program
            .params
            .get(i as usize)
            .map_or_else(String::new, |x| x.name.clone()),
        Need::Year(i, year) => program
            .subject_inputs
            .get(i as usize)
            .map_or_else(String::new, |x| format!("{}[{year}]", x.name)),
    }
}

/// Why a value could not be had, in words.
pub fn stop_words(program: &Program, stop: Stop) -> String {
    match stop {
        Stop::Needs(n @ Need::Param(_)) => {
            format!("parameter `{}` is not set", need_name(program, n))
        }
        Stop::Needs(n) => format!("needs `{}`", need_name(program, n)),
        Stop::Fault(Fault::DivisionByZero, span) => {
            format!("division by zero in `{}`", source(program, span))
        }
        Stop::Fault(Fault::Overflow, span) => {
            format!(
                "`{}` is too large to compute exactly",
                source(program, span)
            )
        }
        Stop::Fault(Fault::NotAYear, span) => {
            format!(
                "`{}` is not a year (a whole number from 1 to 9999)",
                source(program, span)
            )
        }
        Stop::Fault(Fault::EmptyYears, span) => {
            format!(
                "`{}` holds no year: its range ends before it starts",
                source(program, span)
            )
        }
        Stop::Fault(Fault::NegativeBound, span) => {
            format!(
                "the cap or limit `{}` works out below zero: a bound cannot be negative",
                source(program, span)
            )
        }
        Stop::Fault(Fault::NoBracketRow, span) => {
            format!("no row of `{}` applies", source(program, span))
        }
        Stop::Fault(Fault::Internal(what), span) => format!(
            "pol broke one of its own rules at `{}`: {what} (a bug in pol: please report it)",
            source(program, span)
        ),
    }
}

/// The conjuncts of a condition written as `a and b and c`.
pub fn conjuncts(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::And(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            _ => out.push(e),
        }
    }
    out
}

fn op_symbol(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
        CmpOp::Eq => "==",
        CmpOp::Ne => "!=",
    }
}

impl Env<'_> {
    /// A value shown as its expression says.
    pub fn show_value(&self, show: Show, v: Value) -> String {
        format::value(self.program, &|t| self.text(t).to_string(), show, v)
    }

    /// `研发费用 600万元`, or just `100万元` for a constant.
    pub fn quote(&mut self, e: &Expr) -> String {
        let value = match self.eval(e) {
            Ok(v) => self.show_value(e.show, v),
            Err(stop) => {
                return format!(
                    "{} (unknown: {})",
                    source(self.program, e.span),
                    stop_words(self.program, stop)
                )
            }
        };
        let src = source(self.program, e.span);
        if matches!(e.kind, ExprKind::Const(_)) {
            // A constant reads best as the policy wrote it (`15%`, `100万元`).
            src
        } else if src == value {
            value
        } else {
            format!("{src} {value}")
        }
    }

    /// The figures an arithmetic expression joins, each term's value with the operators
    /// between them set apart by spaces (`1,000元 * 36`, `(600万元 - 500万元) / 500万元`,
    /// `min(36,000元, 30万元)`); `None` when `e` is not arithmetic or a term cannot be had. Parentheses are kept where
    /// the grouping needs them.
    pub fn figures(&mut self, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Arith(..) | ExprKind::Min(_) | ExprKind::Max(_) => self.term(e, 0),
            _ => None,
        }
    }

    /// One term of [`Env::figures`], in brackets when it binds looser than `outer`.
    fn term(&mut self, e: &Expr, outer: u8) -> Option<String> {
        match &e.kind {
            ExprKind::Arith(op, a, b) => {
                let (sym, prec) = match op {
                    ArithOp::Add => ("+", 1),
                    ArithOp::Sub => ("-", 1),
                    ArithOp::Mul => ("*", 2),
                    ArithOp::Div => ("/", 2),
                };
                // The right side of `-` and `/` needs brackets at equal binding too.
                let right = if matches!(op, ArithOp::Sub | ArithOp::Div) {
                    prec + 1
                } else {
                    prec
                };
                let text = format!("{} {sym} {}", self.term(a, prec)?, self.term(b, right)?);
                Some(if prec < outer {
                    format!("({text})")
                } else {
                    text
                })
            }
            ExprKind::Min(args) | ExprKind::Max(args) => {
                let name = if matches!(e.kind, ExprKind::Min(_)) {
                    "min"
                } else {
                    "max"
                };
                let parts = args
                    .iter()
                    .map(|a| self.term(a, 0))
                    .collect::<Option<Vec<_>>>()?;
                Some(format!("{name}({})", parts.join(", ")))
            }
            _ => {
                let v = self.eval(e).ok()?;
                let text = self.show_value(e.show, v);
                Some(
                    if matches!(e.kind, ExprKind::Neg(_)) || text.starts_with('-') {
                        format!("({text})")
                    } else {
                        text
                    },
                )
            }
        }
    }

    /// The premise of an implication with its verdict: `规上企业 = true`, or `x >= 1` holds.
    fn premise(&mut self, a: &Expr, holds: bool) -> String {
        let src = source(self.program, a.span);
        match a.kind {
            ExprKind::Subject(_)
            | ExprKind::Claim(_)
            | ExprKind::Let(_)
            | ExprKind::Local(_)
            | ExprKind::Param(_) => {
                format!("{src} = {holds}")
            }
            _ if holds => format!("`{src}` holds"),
            _ => format!("`{src}` does not hold"),
        }
    }

    /// Why one part of a condition that failed does not hold, for a reason line: the part as
    /// written, then the values it read (`营业收入 > 100万元 does not hold: 营业收入 is
    /// 100万元 (must exceed 100万元)`). The part comes first so that a value read (`= false`)
    /// is never taken for the condition that failed.
    pub fn why_not(&mut self, e: &Expr) -> String {
        let src = source(self.program, e.span);
        let why = match &e.kind {
            ExprKind::Cmp(op, a, b) => {
                let mut read: Vec<String> = Vec::new();
                for x in [a, b] {
                    if matches!(x.kind, ExprKind::Const(_)) {
                        continue;
                    }
                    let value = match self.eval(x) {
                        Ok(v) => self.show_value(x.show, v),
                        Err(stop) => format!("unknown: {}", stop_words(self.program, stop)),
                    };
                    read.push(format!("{} is {value}", source(self.program, x.span)));
                }
                if let (Ok(Value::Num(x)), Ok(Value::Num(y))) = (self.eval(a), self.eval(b)) {
                    read.push(format!("({})", miss(*op, x, y, a.show)));
                }
                read.join(", ").replace(", (", " (")
            }
            ExprKind::In(x, _) => {
                format!("{} is {}", source(self.program, x.span), self.value_of(x))
            }
            ExprKind::Not(x) => match &x.kind {
                ExprKind::In(inner, _) => {
                    format!(
                        "{} is {}",
                        source(self.program, inner.span),
                        self.value_of(inner)
                    )
                }
                _ => format!("it is {}", self.value_of(e)),
            },
            // An implication says its premise and what failed under it.
            ExprKind::Implies(..) => return format!("{} does not hold", self.describe(e).1),
            _ => format!("it is {}", self.value_of(e)),
        };
        format!("{src} does not hold: {why}")
    }

    /// The value of `e` as shown, or why it is unknown.
    fn value_of(&mut self, e: &Expr) -> String {
        match self.eval(e) {
            Ok(v) => self.show_value(e.show, v),
            Err(stop) => format!("unknown ({})", stop_words(self.program, stop)),
        }
    }

    /// One condition: whether it held, and a line with its values.
    pub fn describe(&mut self, e: &Expr) -> (Option<bool>, String) {
        let passed = self.eval_bool(e).ok();
        let text = match &e.kind {
            ExprKind::Cmp(op, a, b) => {
                let line = format!("{} {} {}", self.quote(a), op_symbol(*op), self.quote(b));
                match (passed, self.eval(a), self.eval(b)) {
                    (Some(false), Ok(Value::Num(x)), Ok(Value::Num(y))) => {
                        format!("{line} ({})", miss(*op, x, y, a.show))
                    }
                    _ => line,
                }
            }
            ExprKind::Implies(a, b) => match self.eval_bool(a) {
                Ok(false) => format!(
                    "{}, so `{}` is not required",
                    self.premise(a, false),
                    source(self.program, b.span)
                ),
                Ok(true) => {
                    let (_, inner) = self.describe(b);
                    format!("{}, so {inner}", self.premise(a, true))
                }
                Err(stop) => format!(
                    "{} ({})",
                    source(self.program, e.span),
                    stop_words(self.program, stop)
                ),
            },
            ExprKind::In(x, _) => format!("{}: {}", source(self.program, e.span), self.quote(x)),
            ExprKind::Not(x) if matches!(x.kind, ExprKind::In(..)) => {
                let tested = match &x.kind {
                    ExprKind::In(inner, _) => self.quote(inner),
                    _ => String::new(),
                };
                format!("{}: {tested}", source(self.program, e.span))
            }
            _ => match self.eval(e) {
                Ok(v) => {
                    let src = source(self.program, e.span);
                    format!("{src} = {}", self.show_value(e.show, v))
                }
                Err(stop) => format!(
                    "{} ({})",
                    source(self.program, e.span),
                    stop_words(self.program, stop)
                ),
            },
        };
        (passed, text)
    }
}

/// How far a failed comparison of `x` with `y` missed, in the unit of `show`. A strict bound
/// missed by equality says what the bound asks (`must exceed 100万元`), and a gap is never shown
/// as zero: it keeps the places it needs, or says it is below the smallest one shown.
fn miss(op: CmpOp, x: Decimal, y: Decimal, show: Show) -> String {
    let gap = (y - x).abs();
    if gap.is_zero() {
        let bound = match show {
            Show::Money => format::money(y),
            Show::Percent => format::percent(y),
            _ => y.normalize().to_string(),
        };
        return match op {
            CmpOp::Gt => format!("must exceed {bound}"),
            CmpOp::Lt => format!("must be below {bound}"),
            _ => format!("must differ from {bound}"),
        };
    }
    let amount = match show {
        Show::Percent => format!("{} percentage points", points(gap)),
        Show::Money => format::money(gap),
        _ => gap.normalize().to_string(),
    };
    match op {
        CmpOp::Ge | CmpOp::Gt => format!("{amount} short"),
        CmpOp::Le | CmpOp::Lt => format!("{amount} over"),
        CmpOp::Eq | CmpOp::Ne => format!("differs by {amount}"),
    }
}

/// A ratio gap in percentage points: two places, more when it needs them (up to six), and
/// `less than 0.000001` below that, so a near miss never reads `0.00`.
fn points(gap: Decimal) -> String {
    let Some(mut pp) = format::hundredfold(gap) else {
        return format::too_large_hundredfold(gap);
    };
    if pp.scale() <= 2 {
        pp.rescale(2);
        return pp.to_string();
    }
    if pp.scale() <= 6 {
        return pp.to_string();
    }
    let cut = pp.trunc_with_scale(6).normalize();
    if cut.is_zero() {
        "less than 0.000001".to_string()
    } else {
        format!("{cut}…")
    }
}

/// Calls `visit` on every expression reachable from `roots`, following each let (policy-wide
/// or clause-local) into its definition once.
pub fn reachable<'a>(
    program: &'a Program,
    locals: &'a [crate::compile::LetDef],
    roots: &[&'a Expr],
    mut visit: impl FnMut(&'a Expr),
) {
    let mut seen: Vec<(bool, u32)> = Vec::new();
    let mut stack: Vec<&'a Expr> = roots.iter().rev().copied().collect();
    let mut children: Vec<&'a Expr> = Vec::new();
    while let Some(e) = stack.pop() {
        visit(e);
        if let ExprKind::Let(i) | ExprKind::Local(i) = e.kind {
            let key = (matches!(e.kind, ExprKind::Local(_)), i);
            if !seen.contains(&key) {
                seen.push(key);
                let def = if key.0 {
                    locals.get(i as usize)
                } else {
                    program.lets.get(i as usize)
                };
                stack.extend(def.map(|d| &d.expr));
            }
        }
        children.clear();
        e.push_children(&mut children);
        stack.extend(children.iter().rev());
    }
}

/// The lets an expression uses, directly or through other lets: `(local, index)`.
pub fn lets_used(
    program: &Program,
    locals: &[crate::compile::LetDef],
    roots: &[&Expr],
) -> Vec<(bool, usize)> {
    let mut out: Vec<(bool, usize)> = Vec::new();
    reachable(program, locals, roots, |e| {
        if let ExprKind::Let(i) | ExprKind::Local(i) = e.kind {
            let key = (matches!(e.kind, ExprKind::Local(_)), i as usize);
            if !out.contains(&key) {
                out.push(key);
            }
        }
    });
    // Policy-wide lets first, each after those it uses (their compiled order), then locals.
    out.sort_by_key(|(local, i)| (*local, *i));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misses_are_measured_in_the_unit() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            miss(CmpOp::Ge, d("0.142"), d("0.15"), Show::Percent),
            "0.80 percentage points short"
        );
        assert_eq!(
            miss(CmpOp::Ge, d("800000"), d("1000000"), Show::Money),
            "20万元 short"
        );
        assert_eq!(miss(CmpOp::Lt, d("12"), d("10"), Show::Number), "2 over");
        // A gap past a hundredfold of Decimal is shown exactly, not a panic (attack run 10).
        assert_eq!(
            miss(CmpOp::Le, Decimal::MAX, d("0.15"), Show::Percent),
            "7.9228162514264337593543950335e30 percentage points over"
        );
        // A near miss is not "0.00 percentage points short".
        assert_eq!(
            miss(CmpOp::Ge, d("0.14999999"), d("0.15"), Show::Percent),
            "0.000001 percentage points short"
        );
        assert_eq!(
            miss(CmpOp::Ge, d("0.149999999999"), d("0.15"), Show::Percent),
            "less than 0.000001 percentage points short"
        );
        assert_eq!(
            miss(CmpOp::Ge, d("0.1499999"), d("0.15"), Show::Percent),
            "0.00001 percentage points short"
        );
        // A strict bound missed by equality.
        assert_eq!(
            miss(CmpOp::Gt, d("1000000"), d("1000000"), Show::Money),
            "must exceed 100万元"
        );
        assert_eq!(
            miss(CmpOp::Lt, d("0.03"), d("0.03"), Show::Percent),
            "must be below 3.00%"
        );
        assert_eq!(
            miss(CmpOp::Ge, d("99999.99"), d("100000"), Show::Money),
            "0.01 元 short"
        );
    }
}
