//! Type and unit inference for expressions, and the one place names are resolved.
//!
//! Input: an expression and the clause's local bindings. Output: its [`Ty`], with a diagnostic
//! for every misuse (undefined names, unit mismatches, incomparable values, tables that miss a
//! variant, brackets out of order), and for every name what it stands for, recorded in the
//! model's [`Resolution`]. Guarantee: an operand already known to be wrong ([`Ty::Error`]) is
//! accepted silently, so one mistake is reported once; the scoping rule (a clause's own `let`
//! hides a policy-wide name, a name that is no value is a variant of the enum expected there)
//! is written here only.
//!
//! [`Resolution`]: super::model::Resolution

use rust_decimal::Decimal;

use super::model::{ClauseId, InputId, Ref, Resolved, TableKey};
use super::types::{EnumId, Ty};
use super::{suggest, Checker, LetState, Symbol};
use crate::ast::{BinOp, BracketRow, Expr, ExprKind, Name, RowKey, Span, UnaryOp};
use crate::diagnostic::{Code, Diagnostic};

/// A bracket threshold as a fixed number: value, inclusive, where.
type Edge = Option<(Decimal, bool, Span)>;

/// What the thresholds of a bracket must be in.
pub(super) enum Against {
    /// The unit of the value placed in the bracket, written at the span.
    Value(crate::units::Unit, Span),
    /// The unit of its first threshold (a named bracket, which has no value of its own).
    First,
}

/// A clause-local binding visible to later expressions of the clause.
#[derive(Clone, Debug)]
pub(super) struct Local {
    pub name: String,
    pub ty: Ty,
    pub used: Vec<(InputId, Span)>,
}

/// What expressions see and what they record while being checked.
#[derive(Default)]
pub(super) struct Ctx {
    /// The clause being checked; `None` for policy-wide expressions.
    pub clause: Option<ClauseId>,
    /// Clause-local lets declared so far.
    pub locals: Vec<Local>,
    /// Inputs used, with the span of the reference that brings each in.
    pub used: Vec<(InputId, Span)>,
    /// Whether the rows of a named table are being checked (they may not look up another).
    pub in_table: bool,
}

impl Ctx {
    /// The context of clause `clause`, before its lets are declared.
    pub fn clause(clause: ClauseId) -> Self {
        Ctx {
            clause: Some(clause),
            ..Ctx::default()
        }
    }
}

impl Checker<'_> {
    /// Infers the type of `e`, reporting problems.
    pub(super) fn infer(&mut self, e: &Expr, ctx: &mut Ctx) -> Ty {
        match &e.node {
            ExprKind::Number(l) => Ty::Num(l.unit.clone()),
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::Date(_) => Ty::Date,
            ExprKind::Text(_) => Ty::Text,
            ExprKind::Error => Ty::Error,
            ExprKind::Ref(name) => self.resolve_ref(name, e.span, None, ctx),
            ExprKind::Unary(op, inner) => {
                let t = self.infer(inner, ctx);
                match (op, &t) {
                    (_, Ty::Error) => Ty::Error,
                    (UnaryOp::Not, Ty::Bool) => Ty::Bool,
                    (UnaryOp::Neg, Ty::Num(_)) => t,
                    (UnaryOp::Not, _) => {
                        self.operand_error(inner.span, "`not`", "a yes/no value", &t)
                    }
                    (UnaryOp::Neg, _) => self.operand_error(inner.span, "`-`", "a number", &t),
                }
            }
            ExprKind::Binary(op, l, r) => {
                // A bare name that is not a value may be a variant of the other side's enum.
                let (lt, rt) = if op.node.is_comparison() && self.is_bare_variant(l, ctx) {
                    let rt = self.infer(r, ctx);
                    (self.infer_with_hint(l, &rt, ctx), rt)
                } else {
                    let lt = self.infer(l, ctx);
                    let rt = if op.node.is_comparison() {
                        self.infer_with_hint(r, &lt, ctx)
                    } else {
                        self.infer(r, ctx)
                    };
                    (lt, rt)
                };
                self.binary(op.node, op.span, (l, lt), (r, rt))
            }
            ExprKind::In { value, set, .. } => {
                let t = self.infer(value, ctx);
                match t {
                    Ty::Error => {}
                    Ty::Enum(id) => {
                        self.resolution.key(e.span, TableKey::Enum(id));
                        for v in set {
                            self.expect_variant(v, id);
                        }
                    }
                    other => {
                        self.operand_error(
                            value.span,
                            "`in`",
                            "an enum value such as a tier or grade",
                            &other,
                        );
                    }
                }
                Ty::Bool
            }
            ExprKind::EventDate => Ty::Date,
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => self.conditional(cond, then, otherwise, ctx),
            ExprKind::Call(f, args) if Self::is_aggregate(f.node, args) => {
                self.aggregate(&f.node, args, e.span, ctx)
            }
            ExprKind::EventYear => Ty::ratio(),
            ExprKind::Index { series, years } => self.index(e.span, series, years, false, ctx),
            ExprKind::Call(f, args) if f.node.is_date_function() => {
                self.date_call(f.node, args, e.span, ctx)
            }
            ExprKind::Call(f, args) => {
                let tys: Vec<Ty> = args.iter().map(|a| self.infer(a, ctx)).collect();
                let mut result: Option<(Ty, Span)> = None;
                for (a, t) in args.iter().zip(tys) {
                    match (&t, &result) {
                        (Ty::Error, _) => return Ty::Error,
                        (Ty::Num(_), None) => result = Some((t, a.span)),
                        (Ty::Num(_), Some((first, first_span))) if &t != first => {
                            let msg = format!(
                                "the values given to `{}` are in different units",
                                f.node.name()
                            );
                            let d = Diagnostic::new(Code::UnitMismatch, a.span, msg)
                                .label(format!("this is {}", self.describe(&t)))
                                .with_secondary(
                                    *first_span,
                                    format!("this is {}", self.describe(first)),
                                )
                                .help("give every argument the same unit, e.g. all amounts in 元");
                            self.report(d);
                            return Ty::Error;
                        }
                        (Ty::Num(_), Some(_)) => {}
                        _ => {
                            return self.operand_error(
                                a.span,
                                "`min` and `max`",
                                "numbers or amounts",
                                &t,
                            )
                        }
                    }
                }
                result.map_or(Ty::Error, |(t, _)| t)
            }
            ExprKind::Table { key, rows } => self.table(e.span, key, rows, ctx),
            ExprKind::Bracket { value, rows } => self.bracket(e.span, value, rows, ctx),
            ExprKind::Lookup { table, args } => self.lookup(e, table, args, ctx),
        }
    }

    /// `if COND then A else B`: a yes/no condition and two branches of one kind (a bare
    /// variant name in one branch is read as a variant of the other branch's enum).
    fn conditional(&mut self, cond: &Expr, then: &Expr, otherwise: &Expr, ctx: &mut Ctx) -> Ty {
        let ct = self.infer(cond, ctx);
        if ct != Ty::Bool && ct != Ty::Error {
            let found = self.describe(&ct);
            self.report(
                Diagnostic::new(
                    Code::ConditionNotBool,
                    cond.span,
                    format!("the condition of `if` must be yes or no, but this is {found}"),
                )
                .label(format!("this is {found}"))
                .help("compare the value with something, e.g. `if 研发费用 >= 100万元 then ...`"),
            );
        }
        let (tt, et) = if self.is_bare_variant(then, ctx) {
            let et = self.infer(otherwise, ctx);
            (self.infer_with_hint(then, &et, ctx), et)
        } else {
            let tt = self.infer(then, ctx);
            (tt.clone(), self.infer_with_hint(otherwise, &tt, ctx))
        };
        match (&tt, &et) {
            (Ty::Error, _) | (_, Ty::Error) => Ty::Error,
            (a, b) if a == b => tt,
            _ => {
                let (found, first) = (self.describe(&et), self.describe(&tt));
                self.report(
                    Diagnostic::new(
                        Code::BranchKindsDiffer,
                        otherwise.span,
                        format!("`else` gives {found} but `then` gives {first}"),
                    )
                    .label(format!("this is {found}"))
                    .with_secondary(then.span, format!("this is {first}"))
                    .help("give both branches the same kind of value, e.g. two amounts in 元"),
                );
                Ty::Error
            }
        }
    }

    /// `year(d)`, `years_between(a, b)`, `months_between(a, b)`, `days_between(a, b)`: dates
    /// in, a plain number out.
    fn date_call(&mut self, f: crate::ast::Func, args: &[Expr], span: Span, ctx: &mut Ctx) -> Ty {
        let wanted = if f == crate::ast::Func::Year { 1 } else { 2 };
        let tys: Vec<Ty> = args.iter().map(|a| self.infer(a, ctx)).collect();
        if args.len() != wanted {
            let example = if wanted == 1 {
                format!("`{}(完工日期)`", f.name())
            } else {
                format!("`{}(合同日期, event_date)`", f.name())
            };
            self.report(
                Diagnostic::new(
                    Code::ArgumentCount,
                    span,
                    format!(
                        "`{}` takes {wanted} date{}, but {} {} given",
                        f.name(),
                        if wanted == 1 { "" } else { "s" },
                        args.len(),
                        if args.len() == 1 { "is" } else { "are" }
                    ),
                )
                .label(format!("`{}` with {} value(s)", f.name(), args.len()))
                .help(format!("write it as {example}")),
            );
            return Ty::Error;
        }
        for (a, t) in args.iter().zip(&tys) {
            match t {
                Ty::Error => return Ty::Error,
                Ty::Date => {}
                other => {
                    let op = format!("`{}`", f.name());
                    return self.operand_error(a.span, &op, "a date", other);
                }
            }
        }
        Ty::ratio()
    }

    pub(super) fn operand_error(&mut self, span: Span, op: &str, wanted: &str, found: &Ty) -> Ty {
        let d = Diagnostic::new(Code::OperandKind, span, format!("{op} needs {wanted} here"))
            .label(format!("this is {}", self.describe(found)))
            .help(format!(
                "give {op} {wanted}; check that the right name is used"
            ));
        self.report(d);
        Ty::Error
    }

    /// True when `e` is a name that no value has (so it can only be an enum variant).
    pub(super) fn is_bare_variant(&self, e: &Expr, ctx: &Ctx) -> bool {
        matches!(&e.node, ExprKind::Ref(n) if !ctx.locals.iter().any(|l| &l.name == n) && !self.names.contains_key(n))
    }

    /// Infers `e`, reading a bare name as a variant of `other`'s enum when it is one.
    pub(super) fn infer_with_hint(&mut self, e: &Expr, other: &Ty, ctx: &mut Ctx) -> Ty {
        match (&e.node, other) {
            (ExprKind::Ref(n), Ty::Enum(id)) => self.resolve_ref(n, e.span, Some(*id), ctx),
            // The other side is already reported as wrong: a variant name cannot be told apart.
            (ExprKind::Ref(_), Ty::Error) if self.is_bare_variant(e, ctx) => Ty::Error,
            _ => self.infer(e, ctx),
        }
    }

    /// Resolves the name `name` written at `span`, reading it as a variant of enum `hint` when
    /// it is no value; records what it stands for and returns its type.
    /// A plain name, resolved as anywhere else (for a name written before `[`).
    pub(super) fn resolve_plain(&mut self, name: &str, span: Span, ctx: &mut Ctx) -> Ty {
        self.resolve_ref(name, span, None, ctx)
    }

    fn resolve_ref(&mut self, name: &str, span: Span, hint: Option<EnumId>, ctx: &mut Ctx) -> Ty {
        // The latest of the clause's own lets declared so far hides a policy-wide name.
        if let Some(index) = ctx.locals.iter().rposition(|l| l.name == name) {
            let local = &ctx.locals[index];
            let (ty, used) = (local.ty.clone(), local.used.clone());
            ctx.used.extend(used.into_iter().map(|(i, _)| (i, span)));
            if let Some(clause) = ctx.clause {
                self.record(span, Ref::Local { clause, index }, &ty);
            }
            return ty;
        }
        let symbol = self.names.get(name).copied();
        // A name that is no value may be a variant of the enum expected here.
        if symbol.is_none() {
            let variant = hint.and_then(|id| Some((id, self.enums.get(id)?.variant(name)?)));
            if let Some((enum_id, variant)) = variant {
                let ty = Ty::Enum(enum_id);
                self.record(span, Ref::Variant { enum_id, variant }, &ty);
                return ty;
            }
        }
        match symbol {
            Some(Symbol::Input(i)) if self.inputs[i.index()].series => {
                ctx.used.push((i, span));
                self.series_without_year(name, span)
            }
            Some(Symbol::Input(i)) => {
                ctx.used.push((i, span));
                let ty = self.inputs[i.index()].decl.ty.clone();
                self.record(span, Ref::Input(i), &ty);
                ty
            }
            Some(Symbol::Param(i)) => {
                let ty = self.params[i.index()].decl.ty.clone();
                self.record(span, Ref::Param(i), &ty);
                ty
            }
            Some(Symbol::Let(i)) => {
                let (ty, used) = self.let_type(i.index(), span);
                ctx.used.extend(used.into_iter().map(|(i, _)| (i, span)));
                self.record(span, Ref::Let(i), &ty);
                ty
            }
            Some(Symbol::Limit(_)) => {
                self.report(
                    Diagnostic::new(
                        Code::WrongKindOfName,
                        span,
                        format!("`{name}` is a limit, not a value"),
                    )
                    .label("a limit")
                    .help(format!("attach it to a clause with `limit {name}`")),
                );
                Ty::Error
            }
            Some(Symbol::Table(_)) => {
                self.report(
                    Diagnostic::new(
                        Code::WrongKindOfName,
                        span,
                        format!("`{name}` is a table, not a value"),
                    )
                    .label("a table")
                    .help(format!(
                        "look a value up in it: `{name}(销售收入)` gives the row that value chooses"
                    )),
                );
                Ty::Error
            }
            None => {
                let locals: Vec<String> = ctx.locals.iter().map(|l| l.name.clone()).collect();
                let suggestion = {
                    let variants = hint
                        .map(|id| self.enums[id].variants.clone())
                        .unwrap_or_default();
                    let values = self
                        .names
                        .iter()
                        .filter(|(_, s)| !matches!(s, Symbol::Limit(_) | Symbol::Table(_)))
                        .map(|(n, _)| n.as_str());
                    let all = values
                        .chain(locals.iter().map(String::as_str))
                        .chain(variants.iter().map(String::as_str));
                    suggest::closest(name, all).map(str::to_string)
                };
                let mut d = Diagnostic::new(
                    Code::UndefinedName,
                    span,
                    format!("`{name}` is not declared"),
                )
                .label("not declared");
                d = match suggestion {
                    Some(h) => d.help(format!("did you mean `{h}`?")),
                    None => d.help(format!(
                        "declare it as an input (`input enterprise {{ {name}: money }}`), a `param` or a `let`"
                    )),
                };
                self.report(d);
                Ty::Error
            }
        }
    }

    /// Records that the name written at `span` stands for `target`, a value of type `ty`.
    pub(super) fn record(&mut self, span: Span, target: Ref, ty: &Ty) {
        let resolved = Resolved {
            target,
            ty: ty.clone(),
        };
        self.resolution.name(span, resolved);
    }

    /// The type of policy-wide let `i`, inferring it on first use.
    pub(super) fn let_type(&mut self, i: usize, at: Span) -> (Ty, Vec<(InputId, Span)>) {
        match &self.let_states[i] {
            LetState::Done(ty, used) => (ty.clone(), used.clone()),
            LetState::InProgress => {
                let decl = self.lets[i].span;
                let name = self.lets[i].name.clone();
                self.report(
                    Diagnostic::new(Code::CircularLet, at, format!("`{name}` is defined in terms of itself"))
                        .label("used here while it is being defined")
                        .with_secondary(decl, "defined here")
                        .help("break the circle: define one of the values from inputs and parameters only"),
                );
                (Ty::Error, Vec::new())
            }
            LetState::Pending => {
                self.let_states[i] = LetState::InProgress;
                let value = self.lets[i].value;
                let mut ctx = Ctx::default();
                let ty = self.infer(value, &mut ctx);
                self.let_states[i] = LetState::Done(ty.clone(), ctx.used.clone());
                (ty, ctx.used)
            }
        }
    }

    fn binary(&mut self, op: BinOp, op_span: Span, l: (&Expr, Ty), r: (&Expr, Ty)) -> Ty {
        let ((le, lt), (re, rt)) = (l, r);
        if matches!(lt, Ty::Error) || matches!(rt, Ty::Error) {
            return if op.is_comparison() || matches!(op, BinOp::And | BinOp::Or | BinOp::Implies) {
                Ty::Bool
            } else {
                Ty::Error
            };
        }
        let sym = op.symbol();
        match op {
            BinOp::And | BinOp::Or | BinOp::Implies => {
                for (e, t) in [(le, &lt), (re, &rt)] {
                    if *t != Ty::Bool {
                        let t = t.clone();
                        self.operand_error(
                            e.span,
                            &format!("`{sym}`"),
                            "yes/no values on both sides",
                            &t,
                        );
                    }
                }
                Ty::Bool
            }
            BinOp::Add | BinOp::Sub => match (&lt, &rt) {
                (Ty::Num(a), Ty::Num(b)) if a == b => lt,
                (Ty::Num(_), Ty::Num(_)) => {
                    let verb = if op == BinOp::Add { "add" } else { "subtract" };
                    let d = Diagnostic::new(
                        Code::UnitMismatch,
                        op_span,
                        format!("cannot {verb} {} and {}", self.describe(&lt), self.describe(&rt)),
                    )
                    .label(format!("`{sym}` needs both sides in the same unit"))
                    .with_secondary(le.span, format!("this is {}", self.describe(&lt)))
                    .with_secondary(re.span, format!("this is {}", self.describe(&rt)))
                    .help("a percentage of an amount is a product: write `金额 * 15%`, or `15% of 金额` in an award");
                    self.report(d);
                    Ty::Error
                }
                _ => self.arith_operand_error(sym, (le, &lt), (re, &rt)),
            },
            BinOp::Mul | BinOp::Div => match (&lt, &rt) {
                (Ty::Num(a), Ty::Num(b)) => {
                    Ty::Num(if op == BinOp::Mul { a.mul(b) } else { a.div(b) })
                }
                _ => self.arith_operand_error(sym, (le, &lt), (re, &rt)),
            },
            _ => {
                let ordered = !matches!(op, BinOp::Eq | BinOp::Ne);
                let ok = match (&lt, &rt) {
                    (Ty::Num(a), Ty::Num(b)) => a == b,
                    (Ty::Date, Ty::Date) => true,
                    (Ty::Enum(a), Ty::Enum(b)) => a == b && !ordered,
                    (Ty::Bool, Ty::Bool) | (Ty::Text, Ty::Text) => !ordered,
                    _ => false,
                };
                if !ok {
                    let (ld, rd) = (self.describe(&lt), self.describe(&rt));
                    let message = if lt == rt {
                        format!("{ld} cannot be ordered with `{sym}`")
                    } else {
                        format!("{ld} cannot be compared with {rd}")
                    };
                    let help = if lt == rt {
                        "only numbers, amounts and dates are ordered; compare these with `==` or `!=`"
                    } else {
                        "compare like with like: money with money (`研发费用 >= 100万元`), ratios with percentages (`增幅 >= 15%`)"
                    };
                    let d = Diagnostic::new(Code::IncomparableKinds, op_span, message)
                        .label("compared here")
                        .with_secondary(le.span, format!("this is {ld}"))
                        .with_secondary(re.span, format!("this is {rd}"))
                        .help(help);
                    self.report(d);
                }
                Ty::Bool
            }
        }
    }

    fn arith_operand_error(&mut self, sym: &str, l: (&Expr, &Ty), r: (&Expr, &Ty)) -> Ty {
        let (e, t) = if matches!(l.1, Ty::Num(_)) { r } else { l };
        let t = t.clone();
        self.operand_error(e.span, &format!("`{sym}`"), "numbers or amounts", &t)
    }

    /// Reports `v` unless it is a variant of enum `id`; records it when it is.
    fn expect_variant(&mut self, v: &Name, id: EnumId) -> Option<usize> {
        let en = &self.enums[id];
        if let Some(idx) = en.variant(&v.node) {
            self.resolution.variant(v.span, id, idx);
            return Some(idx);
        }
        let list = variant_list(&en.variants);
        let hint =
            suggest::closest(&v.node, en.variants.iter().map(String::as_str)).map(str::to_string);
        let mut d = Diagnostic::new(
            Code::NotAVariant,
            v.span,
            format!("`{}` is not a variant of `{}`", v.node, en.name),
        )
        .label(format!("not a `{}`", en.name));
        d = match hint {
            Some(h) => d.help(format!("did you mean `{h}`? The variants are {list}")),
            None => d.help(format!("use one of {list}")),
        };
        self.report(d);
        None
    }

    /// `by KEY { ... }`: rows chosen by the variants of an enum key, or by `true` and `false`
    /// for a yes/no key; every value of the key has a row or there is an `else` row.
    fn table(&mut self, at: Span, key: &Expr, rows: &[(RowKey, Expr)], ctx: &mut Ctx) -> Ty {
        let kt = self.infer(key, ctx);
        let table_key = match kt {
            Ty::Enum(id) => Some(TableKey::Enum(id)),
            Ty::Bool => Some(TableKey::YesNo),
            Ty::Error => None,
            other => {
                let d = Diagnostic::new(
                    Code::TableKeyNotEnum,
                    key.span,
                    format!(
                        "a tier table needs an enum or a yes/no value to choose its row, but this is {}",
                        self.describe(&other)
                    ),
                )
                .label("neither an enum nor yes/no")
                .help("key the table by an enum input (`级别: enum { 国家级, 省级 }`) or a yes/no one (`by 高新技术企业 { true: 20万元, false: 10万元 }`); for amounts use `bracket`");
                self.report(d);
                None
            }
        };
        self.duplicate_rows(rows);
        match table_key {
            Some(k @ TableKey::Enum(id)) => {
                self.resolution.key(at, k);
                self.enum_rows(key.span, rows, id);
            }
            Some(k @ TableKey::YesNo) => {
                self.resolution.key(at, k);
                let key_text = self.yes_no_key_text(key);
                self.yes_no_rows(key.span, &key_text, rows);
            }
            None => {}
        }
        let values: Vec<(Span, Ty)> = rows
            .iter()
            .map(|(_, e)| (e.span, self.infer(e, ctx)))
            .collect();
        self.same_row_types(&values)
    }

    /// How a message names a yes/no key: the name written, or "a yes/no value".
    fn yes_no_key_text(&self, key: &Expr) -> String {
        match &key.node {
            ExprKind::Ref(n) => format!("`{n}`"),
            _ => "a yes/no value".to_string(),
        }
    }

    /// Reports a second row for the same variant, yes/no value or `else`.
    pub(super) fn duplicate_rows(&mut self, rows: &[(RowKey, Expr)]) {
        for (i, (label, value)) in rows.iter().enumerate() {
            let Some((first, first_value)) = rows[..i].iter().find(|(l, _)| l == label) else {
                continue;
            };
            let d = match label {
                RowKey::Else => Diagnostic::new(
                    Code::DuplicateRow,
                    value.span,
                    "the table has more than one `else` row",
                )
                .label("another `else` row")
                .with_secondary(first_value.span, "first `else` row")
                .help("keep one `else` row"),
                _ => Diagnostic::new(
                    Code::DuplicateRow,
                    label.span().unwrap_or(value.span),
                    format!("`{}` has two rows in this table", label.label()),
                )
                .label("second row")
                .with_secondary(first.span().unwrap_or(first_value.span), "first row")
                .help(match label {
                    RowKey::Bool(_) => "keep one row for `true` and one for `false`",
                    _ => "keep one row per variant",
                }),
            };
            self.report(d);
        }
    }

    /// The rows of a table by enum `id`: each names one of its variants (recorded), and every
    /// variant has a row unless there is an `else` row.
    fn enum_rows(&mut self, key: Span, rows: &[(RowKey, Expr)], id: EnumId) {
        let mut covered: Vec<usize> = Vec::new();
        let mut has_else = false;
        for (label, _) in rows {
            match label {
                RowKey::Else => has_else = true,
                RowKey::Variant(v) => covered.extend(self.expect_variant(v, id)),
                RowKey::Bool(b) => {
                    let en = &self.enums[id];
                    let d = Diagnostic::new(
                        Code::NotAVariant,
                        b.span,
                        format!("`{}` is not a variant of `{}`", label.label(), en.name),
                    )
                    .label("a yes/no row in a table by an enum")
                    .help(format!(
                        "give a row per variant ({}); to choose by a yes/no value, key the table by one: `by 高新技术企业 {{ true: 20万元, false: 10万元 }}`",
                        variant_list(&en.variants)
                    ));
                    self.report(d);
                }
            }
        }
        if has_else {
            return;
        }
        let en = &self.enums[id];
        let missing: Vec<String> = en
            .variants
            .iter()
            .enumerate()
            .filter(|(i, _)| !covered.contains(i))
            .map(|(_, v)| format!("`{v}`"))
            .collect();
        if !missing.is_empty() {
            let d = Diagnostic::new(
                Code::TableNotExhaustive,
                key,
                format!(
                    "the table by `{}` has no row for {}",
                    en.name,
                    missing.join(", ")
                ),
            )
            .label("rows are chosen by this value")
            .help(format!(
                "add a row for {} or an `else: ...` row",
                missing.join(", ")
            ));
            self.report(d);
        }
    }

    /// The rows of a table by a yes/no value (`key_text` names it): `true` and `false`, each
    /// with a row unless there is an `else` row.
    pub(super) fn yes_no_rows(&mut self, key: Span, key_text: &str, rows: &[(RowKey, Expr)]) {
        let mut covered = [false; 2];
        let mut has_else = false;
        for (label, _) in rows {
            match label {
                RowKey::Else => has_else = true,
                RowKey::Bool(b) => covered[usize::from(b.node)] = true,
                RowKey::Variant(v) => self.report(
                    Diagnostic::new(
                        Code::NotAVariant,
                        v.span,
                        format!("`{}` is not a row of a table by {key_text}, which is yes or no", v.node),
                    )
                    .label("not `true` or `false`")
                    .help("a table by a yes/no value has a `true` row and a `false` row (or an `else` row); to choose by a tier, key the table by an enum"),
                ),
            }
        }
        if has_else {
            return;
        }
        let missing: Vec<&str> = [(true, "`true`"), (false, "`false`")]
            .into_iter()
            .filter(|(b, _)| !covered[usize::from(*b)])
            .map(|(_, t)| t)
            .collect();
        if !missing.is_empty() {
            self.report(
                Diagnostic::new(
                    Code::TableNotExhaustive,
                    key,
                    format!(
                        "the table by {key_text} has no row for {}",
                        missing.join(" or ")
                    ),
                )
                .label("rows are chosen by this yes/no value")
                .help(format!(
                    "add a row for {} or an `else: ...` row",
                    missing.join(" and ")
                )),
            );
        }
    }

    pub(super) fn same_row_types(&mut self, values: &[(Span, Ty)]) -> Ty {
        let Some((first_span, first)) = values.iter().find(|(_, t)| *t != Ty::Error).cloned()
        else {
            return Ty::Error;
        };
        for (span, t) in values {
            if *t != Ty::Error && *t != first {
                let d = Diagnostic::new(
                    Code::RowKindsDiffer,
                    *span,
                    format!(
                        "this row gives {} but the first row gives {}",
                        self.describe(t),
                        self.describe(&first)
                    ),
                )
                .label(format!("this is {}", self.describe(t)))
                .with_secondary(first_span, format!("this is {}", self.describe(&first)))
                .help("every row of a table or bracket must give the same kind of value");
                self.report(d);
                return Ty::Error;
            }
        }
        first
    }

    /// `bracket VALUE { rows }`: a number placed in rows whose thresholds are in its unit.
    fn bracket(&mut self, at: Span, value: &Expr, rows: &[BracketRow], ctx: &mut Ctx) -> Ty {
        let vt = self.infer(value, ctx);
        let against = match &vt {
            Ty::Num(u) => Some(Against::Value(u.clone(), value.span)),
            Ty::Error => None,
            other => {
                let other = other.clone();
                self.operand_error(
                    value.span,
                    "`bracket`",
                    "a number or an amount to place in a bracket",
                    &other,
                );
                None
            }
        };
        self.thresholds(at, rows, against);
        let values: Vec<(Span, Ty)> = rows
            .iter()
            .map(|r| (r.value.span, self.infer(&r.value, ctx)))
            .collect();
        self.same_row_types(&values)
    }

    /// Checks the thresholds of a bracket written at `at`: there is a row, every threshold is
    /// a fixed amount in the unit `against` gives (none checked when `None`), and the rows go
    /// from low to high without overlapping. Returns the unit of the first fixed threshold.
    pub(super) fn thresholds(
        &mut self,
        at: Span,
        rows: &[BracketRow],
        against: Option<Against>,
    ) -> Option<crate::units::Unit> {
        if rows.is_empty() {
            self.report(
                Diagnostic::new(Code::BracketOrder, at, "this bracket has no rows")
                    .label("no row to place a value in")
                    .help("give it its rows, e.g. `< 100万元: 0元, >= 100万元: 10万元`"),
            );
            return None;
        }
        let mut first: Option<(crate::units::Unit, Span)> = None;
        let mut edges: Vec<(Edge, Edge, Span)> = Vec::new();
        let mut fixed = true;
        for row in rows {
            let mut edge = |t: &Option<crate::ast::Threshold>, this: &mut Self| -> Edge {
                let t = t.as_ref()?;
                let Some((v, u)) = t.value.as_constant() else {
                    if !matches!(t.value.node, ExprKind::Error) {
                        this.report(
                            Diagnostic::new(
                                Code::BracketOrder,
                                t.value.span,
                                "a bracket threshold must be a fixed amount",
                            )
                            .label("not a fixed amount")
                            .help("write the threshold out, e.g. `>= 100万元`"),
                        );
                    }
                    fixed = false;
                    return None;
                };
                // Thresholds in two units cannot be put in order: that is not reported too.
                fixed &= this.threshold_unit(&u, t.value.span, against.as_ref(), &first);
                if first.is_none() {
                    first = Some((u, t.value.span));
                }
                Some((v, t.inclusive, t.value.span))
            };
            let lo = edge(&row.lower, self);
            let hi = edge(&row.upper, self);
            edges.push((lo, hi, row.span));
        }
        if fixed {
            self.bracket_order(rows, &edges);
        }
        first.map(|(u, _)| u)
    }

    /// Reports a threshold (in `unit`, at `span`) that is not in the unit `against` asks for:
    /// the value's, or the first threshold's (`first`). Returns whether it is in that unit.
    fn threshold_unit(
        &mut self,
        unit: &crate::units::Unit,
        span: Span,
        against: Option<&Against>,
        first: &Option<(crate::units::Unit, Span)>,
    ) -> bool {
        let (wanted, other, what) = match (against, first) {
            (Some(Against::Value(u, at)), _) => (u, *at, "the bracket places"),
            (Some(Against::First), Some((u, at))) => (u, *at, "the first threshold is"),
            _ => return true,
        };
        if unit == wanted {
            return true;
        }
        let (found, wanted) = (
            self.describe(&Ty::Num(unit.clone())),
            self.describe(&Ty::Num(wanted.clone())),
        );
        let secondary = match against {
            Some(Against::Value(..)) => "the value placed in the bracket",
            _ => "the first threshold",
        };
        let d = Diagnostic::new(
            Code::IncomparableKinds,
            span,
            format!("this threshold is {found} but {what} {wanted}"),
        )
        .label("threshold in another unit")
        .with_secondary(other, secondary)
        .help("write thresholds in the unit of the value, e.g. `>= 100万元` for money");
        self.report(d);
        false
    }

    fn bracket_order(&mut self, rows: &[BracketRow], edges: &[(Edge, Edge, Span)]) {
        let n = edges.len();
        for (i, (lo, hi, span)) in edges.iter().enumerate() {
            if let (Some((l, li, _)), Some((h, hi_inc, _))) = (lo, hi) {
                if l > h || (l == h && !(*li && *hi_inc)) {
                    self.report(
                        Diagnostic::new(
                            Code::BracketOrder,
                            *span,
                            "this bracket row contains no value",
                        )
                        .label("its lower threshold is not below its upper one")
                        .help("write the lower threshold first, e.g. `>= 100万元 and < 500万元`"),
                    );
                    return;
                }
            }
            if lo.is_none() && i > 0 && rows[i].lower.is_none() {
                self.report(
                    Diagnostic::new(
                        Code::BracketOrder,
                        *span,
                        "only the first row of a bracket may omit its lower threshold",
                    )
                    .label("no lower threshold")
                    .help("add `>= ...` so the rows follow each other from low to high"),
                );
                return;
            }
            if hi.is_none() && i + 1 < n && rows[i].upper.is_none() {
                self.report(
                    Diagnostic::new(
                        Code::BracketOrder,
                        *span,
                        "only the last row of a bracket may omit its upper threshold",
                    )
                    .label("no upper threshold, so it overlaps the rows after it")
                    .help("add `and < ...`, or move this row last"),
                );
                return;
            }
            if i + 1 < n {
                let next_lo = &edges[i + 1].0;
                if let (Some((h, hi_inc, hs)), Some((l, lo_inc, ls))) = (hi, next_lo) {
                    let overlap = l < h || (l == h && *hi_inc && *lo_inc);
                    if overlap {
                        self.report(
                            Diagnostic::new(Code::BracketOrder, *ls, "this row overlaps the row before it")
                                .label("starts below where the previous row ends")
                                .with_secondary(*hs, "the previous row ends here")
                                .help("order the rows from low to high so each starts where the previous ends, e.g. `< 100万元` then `>= 100万元`"),
                        );
                        return;
                    }
                }
            }
        }
    }
}

/// The variants of an enum as a sentence fragment: `` `国家级`, `省级` ``.
pub(super) fn variant_list(variants: &[String]) -> String {
    variants
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::check::model::{ClauseId, Ref, TableKey};
    use crate::check::{check, Model};

    const HEADER: &str = r#"policy "测试〔2023〕1号" {
  title "测试政策"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 100% }
  same_matter highest
}
enum 等级 { 国家级, 省级, 无 }
input enterprise { 研发费用: money  级别: 等级  上年级别: 等级 }
"#;

    /// Checks `HEADER` + `body`, which must have no error, and hands the model to `f` with the
    /// whole text.
    fn with_model(body: &str, f: impl FnOnce(&Model<'_>, &str)) {
        let text = format!("{HEADER}{body}");
        let parsed = crate::syntax::parse(&text);
        assert!(parsed.is_ok(), "{:#?}", parsed.diagnostics);
        let checked = check(&parsed.file);
        let model = checked
            .model
            .unwrap_or_else(|| panic!("{:#?}", checked.diagnostics));
        f(&model, &text);
    }

    /// What each occurrence of `name` in `text` after the header resolved to (`None` where it
    /// is not a reference, e.g. where it is declared).
    fn occurrences(model: &Model<'_>, text: &str, name: &str) -> Vec<Option<Ref>> {
        text.match_indices(name)
            .filter(|(at, _)| *at >= HEADER.len())
            .map(|(at, _)| {
                let span = crate::ast::Span::new(at, at + name.len());
                model.resolution.name_at(span).map(|r| r.target)
            })
            .collect()
    }

    const SHADOWED: &str = r#"let 基数 = 研发费用 * 10%
clause 甲 {
  source "一"
  let 奖励 = 基数 * 2
  let 基数 = 1万元
  award 奖励 + 基数
}
clause 乙 {
  source "二"
  award 基数
}
"#;

    #[test]
    fn a_clause_let_hides_a_policy_name_after_it_and_in_its_clause_only() {
        with_model(SHADOWED, |model, text| {
            let global = Some(Ref::Let(crate::check::model::LetId::new(0)));
            let local = Some(Ref::Local {
                clause: ClauseId::new(0),
                index: 1,
            });
            // Declared; used by 奖励 before the clause's own 基数 exists; the clause's own in
            // its award; the policy-wide one in the other clause.
            assert_eq!(
                occurrences(model, text, "基数"),
                [None, global, None, local, global]
            );
            // The clause's 奖励, as its award reads it, with its type.
            let at = text.rfind("奖励").unwrap_or_default();
            let 奖励 = model
                .resolution
                .name_at(crate::ast::Span::new(at, at + "奖励".len()));
            let expected = crate::check::model::Resolved {
                target: Ref::Local {
                    clause: ClauseId::new(0),
                    index: 0,
                },
                ty: crate::check::types::Ty::money(),
            };
            assert_eq!(奖励, Some(&expected));
            assert_eq!(model.clauses[1].id, ClauseId::new(1));
        });
    }

    #[test]
    fn a_name_that_is_no_value_is_a_variant_of_the_enum_expected_there() {
        let body = r#"param 目标: 等级 = 省级
clause 甲 {
  source "一"
  when 级别 == 国家级 or 省级 == 上年级别 or 上年级别 != 目标 or 级别 in { 无, 省级 }
  award by 级别 { 国家级: 10万元, else: 0元 }
}
"#;
        with_model(body, |model, text| {
            let variant = |variant| {
                Some(Ref::Variant {
                    enum_id: 0,
                    variant,
                })
            };
            // The enum's declaration is in the header; the table row and the `in` set list
            // variants rather than write values.
            assert_eq!(occurrences(model, text, "国家级"), [variant(0), None]);
            assert_eq!(
                occurrences(model, text, "省级"),
                [variant(1), variant(1), None]
            );
            let 目标 = occurrences(model, text, "目标");
            assert!(matches!(目标[..], [None, Some(Ref::Param(_))]), "{目标:?}");
            // The variants listed (the last of each name: the table row, the `in` set) and the
            // enum of the `in` test and of the table are recorded.
            let listed = |s: &str| {
                let at = text.rfind(s).unwrap_or_default();
                let span = crate::ast::Span::new(at, at + s.len());
                model.resolution.variant_at(span)
            };
            assert_eq!(listed("国家级"), Some((0, 0)));
            assert_eq!(listed("省级"), Some((0, 1)));
            assert_eq!(listed("无"), Some((0, 2)));
            let key_of = |s: &str| {
                let at = text.find(s).unwrap_or_default();
                model
                    .resolution
                    .key_at(crate::ast::Span::new(at, at + s.len()))
            };
            assert_eq!(key_of("级别 in { 无, 省级 }"), Some(TableKey::Enum(0)));
            assert_eq!(
                key_of("by 级别 { 国家级: 10万元, else: 0元 }"),
                Some(TableKey::Enum(0))
            );
        });
    }

    #[test]
    fn matters_that_fold_alike_share_an_id() {
        let body = r#"clause 甲 {
  source "一"
  matter "研发〔2023〕补助"
  award 1万元
}
clause 乙 {
  source "二"
  matter "研发[2023]补助"
  award 1万元
}
clause 丙 {
  source "三"
  award 1万元
}
"#;
        with_model(body, |model, _| {
            let ids: Vec<usize> = model.clauses.iter().map(|c| c.matter.index()).collect();
            assert_eq!(ids, [0, 0, 1]);
            assert_eq!(model.matters, ["研发[2023]补助", "丙"]);
            assert_eq!(model.clauses[1].matter_text, "研发[2023]补助");
        });
    }
}
