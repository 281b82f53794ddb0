//! The compiler: a checked model lowered to a [`Program`].
//!
//! Input: a [`Model`] of a file without errors. Output: a [`Program`] whose names are slots,
//! whose lets are ordered so each comes after what it uses, whose tables are indexed by
//! variant (or by `false`, `true`), and in which a look-up of a named table is the table
//! written out with the value looked up. Guarantee: total on a checked model; no name is
//! looked up, here or at evaluation: every name is lowered from what the checker resolved it
//! to ([`Model::resolved`]), and a name (or look-up) it did not resolve becomes an internal
//! error ([`ExprKind::Broken`]), never a guess.

mod program;
mod series;

use std::collections::HashMap;
use std::sync::Arc;

pub use program::*;

use crate::ast::{self, BinOp, ExprKind as A, ParamValue, UnaryOp};
use crate::check::model::{self, ClauseId, LetInfo, LookupRows, Model, Ref, TableKey};
use crate::check::types::{Decl, Flavor, Ty};
use crate::units::Unit;

/// Compiles a checked model of the policy whose text is `source`.
pub fn compile(model: &Model<'_>, source: &str) -> Program {
    let mut c = Compiler::new(model);
    let enums = model
        .enums
        .iter()
        .map(|e| EnumDef {
            name: e.name.clone(),
            variants: e.variants.clone(),
        })
        .collect();
    let (mut subject_inputs, mut claim_inputs) = (Vec::new(), Vec::new());
    for (i, input) in model.inputs.iter().enumerate() {
        let default = input
            .default
            .as_ref()
            .map(|e| c.constant(e, &input.decl.ty));
        // A default the checker let through but did not resolve: every use of the input is an
        // internal error, and facts that leave it out are refused as missing.
        c.broken_inputs[i] = matches!(default, Some(None));
        let def = InputDef {
            show: c.show_of_decl(&input.decl),
            name: input.name.clone(),
            flavor: input.decl.flavor,
            unit: match &input.decl.ty {
                Ty::Num(u) => u.clone(),
                _ => crate::units::Unit::none(),
            },
            enum_id: enum_of_ty(&input.decl.ty),
            kinds: input.kinds.iter().filter_map(|k| Kind::parse(k)).collect(),
            doc: input.doc.clone(),
            default: default.flatten(),
            signed: input.signed,
            series: input.series,
            range: input.range.clone(),
            span: input.span,
        };
        match input.level {
            model::Level::Subject => subject_inputs.push(def),
            model::Level::Claim => claim_inputs.push(def),
        }
    }
    let params = model
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let values = match p.value {
                ParamValue::Unspecified => Some(ParamValues::Unspecified),
                ParamValue::Fixed(e) => c.constant(e, &p.decl.ty).map(ParamValues::Fixed),
                ParamValue::Dated(list) => list
                    .iter()
                    .map(|(d, e)| Some((d.node, c.constant(e, &p.decl.ty)?)))
                    .collect::<Option<_>>()
                    .map(ParamValues::Dated),
            };
            // A value the checker let through but did not resolve: every use of the
            // parameter is an internal error, and it is given no value to show.
            c.broken_params[i] = values.is_none();
            ParamDef {
                show: c.show_of_decl(&p.decl),
                name: p.name.clone(),
                flavor: p.decl.flavor,
                enum_id: enum_of_ty(&p.decl.ty),
                values: values.unwrap_or(ParamValues::Unspecified),
                span: p.span,
            }
        })
        .collect();
    let lets = model
        .let_order
        .iter()
        .filter_map(|&id| {
            let (i, l) = (id.index(), model.lets.get(id.index())?);
            let (expr, level) = c.expr(l.value, Scope::TOP);
            c.let_level[i] = level;
            c.let_show[i] = expr.show;
            Some(LetDef {
                span: l.span,
                name: l.name.clone(),
                expr,
                level,
            })
        })
        .collect();
    let limits = model
        .limits
        .iter()
        .map(|l| LimitDef {
            name: l.name.clone(),
            bound: c.bound(l.bound, Scope::TOP),
        })
        .collect();
    let mut clauses: Vec<ClauseDef> = model.clauses.iter().map(|cl| c.clause(cl)).collect();
    let items = application_items(model, &mut clauses);
    Program {
        header: HeaderDef {
            document: model.header.document.clone(),
            title: model.header.title.clone(),
            issued: model.header.issued,
            window: model.header.window,
            funding: model.header.funding.clone(),
            same_matter: model.header.same_matter,
            rounding_step: model.header.rounding_step,
            rounding_mode: model.header.rounding_mode,
            budget: model.header.budget.clone(),
            pro_rata: model.header.pro_rata.clone(),
            split: model.header.split,
        },
        enums,
        subject_inputs,
        claim_inputs,
        params,
        lets,
        limits,
        clauses,
        texts: c.texts,
        matters: model.matters.clone(),
        items,
        units: c.units,
        source: source.to_string(),
    }
}

/// The policy's application items, each once as first written (spellings that fold to one
/// [`crate::keys::key`] are one item), and each per-claim clause's item set in `clauses`.
fn application_items(model: &Model<'_>, clauses: &mut [ClauseDef]) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for (info, def) in model.clauses.iter().zip(clauses.iter_mut()) {
        let Some(text) = &info.item else { continue };
        let key = crate::keys::key(text);
        let i = match items.iter().position(|x| crate::keys::key(x) == key) {
            Some(i) => i,
            None => {
                items.push(text.clone());
                items.len() - 1
            }
        };
        def.item = u32::try_from(i).ok();
    }
    items
}

fn enum_of_ty(ty: &Ty) -> Option<u32> {
    match ty {
        Ty::Enum(id) => u32::try_from(*id).ok(),
        _ => None,
    }
}

/// `l and r` (`or` when `or`), with a chain of the same operator on the left hung to the
/// right: `(a and b) and c` becomes `a and (b and c)`. The two decide alike, on the same side
/// when a side is unknown (the first unknown one in reading order), but evaluation meets `a`
/// first instead of descending the chain to reach it, and the first side that decides ends it.
fn hang_right(l: Expr, r: Box<Expr>, or: bool) -> ExprKind {
    let pair = |a, b| {
        if or {
            ExprKind::Or(a, b)
        } else {
            ExprKind::And(a, b)
        }
    };
    let chain = match l.kind {
        ExprKind::And(a, b) if !or => Ok((a, b)),
        ExprKind::Or(a, b) if or => Ok((a, b)),
        kind => Err(kind),
    };
    match chain {
        Ok((a, b)) => {
            let span = b.span.to(r.span);
            let rest = Expr {
                kind: hang_right(*b, r, or),
                show: Show::Bool,
                span,
            };
            pair(a, Box::new(rest))
        }
        Err(kind) => pair(
            Box::new(Expr {
                kind,
                show: l.show,
                span: l.span,
            }),
            r,
        ),
    }
}

/// The level of a value computed from values of levels `a` and `b`.
fn join(a: Level, b: Level) -> Level {
    if a == Level::Claim || b == Level::Claim {
        Level::Claim
    } else {
        Level::Subject
    }
}

/// Where a row of a tier table goes in its compiled form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// The row of this variant (or of `false` = 0 and `true` = 1).
    At(usize),
    /// The `else` row: every slot without a row of its own.
    Else,
    /// A row the checker did not resolve (pol's own bug).
    Unresolved,
}

/// The rows of a tier table of `n` slots, from its compiled rows. The `else` row is copied
/// into the slots without a row of their own; the checker made sure every slot has one
/// (E0308), so a slot still empty, or a row it did not resolve, is pol's own bug: the table is
/// then an internal error (`Err` says which), never a zero.
fn tier(n: usize, rows: Vec<(Slot, Expr)>, span: ast::Span) -> Result<Arc<[Expr]>, &'static str> {
    let mut by_slot: Vec<Option<Expr>> = vec![None; n];
    let mut fallback: Option<Expr> = None;
    for (slot, value) in rows {
        match slot {
            Slot::At(i) => match by_slot.get_mut(i) {
                Some(row) => *row = Some(value),
                None => return Err("a tier table's row lies outside its key"),
            },
            Slot::Else => fallback = Some(value),
            Slot::Unresolved => return Err("a tier table names a row the checker did not resolve"),
        }
    }
    let filler = fallback.unwrap_or(Expr {
        kind: ExprKind::Broken("a tier table has no row for a value of its key"),
        show: Show::Number,
        span,
    });
    Ok(by_slot
        .into_iter()
        .map(|r| r.unwrap_or_else(|| filler.clone()))
        .collect())
}

/// The rows of a named table compiled for one way of choosing them, shared by every look-up
/// that chooses them that way (a table looked up many times is compiled once).
#[derive(Clone)]
enum Shared {
    /// A tier table's rows, one per slot.
    Rows(Arc<[Expr]>),
    /// A bracket's arms.
    Arms(Arc<[Arm]>),
    /// What the checker should have refused.
    Broken(&'static str),
}

/// Where an expression is lowered: in a clause (with its lets lowered so far, each with its
/// level and how it is shown), or policy-wide.
#[derive(Clone, Copy)]
struct Scope<'s> {
    clause: Option<ClauseId>,
    locals: &'s [(Level, Show)],
}

impl Scope<'_> {
    /// Policy-wide: no clause, no clause lets.
    const TOP: Scope<'static> = Scope {
        clause: None,
        locals: &[],
    };
}

struct Compiler<'m> {
    model: &'m Model<'m>,
    /// Model input index -> (level, slot).
    input_slot: Vec<(Level, u32)>,
    /// Model let index -> compiled index.
    let_slot: Vec<u32>,
    /// Model let index -> level (filled as lets are compiled in order).
    let_level: Vec<Level>,
    /// Model let index -> how it is shown (filled likewise).
    let_show: Vec<Show>,
    /// Model parameter index -> whether its value could not be lowered (see `constant`).
    broken_params: Vec<bool>,
    /// Model input index -> whether its default could not be lowered.
    broken_inputs: Vec<bool>,
    units: Vec<Unit>,
    texts: Vec<String>,
    text_ids: HashMap<String, u32>,
    /// The rows of each named table (by index) as compiled for each way of choosing them.
    tables: HashMap<(usize, LookupRows), (Shared, Level)>,
}

impl<'m> Compiler<'m> {
    fn new(model: &'m Model<'m>) -> Self {
        let (mut subject, mut claim) = (0u32, 0u32);
        let input_slot = model
            .inputs
            .iter()
            .map(|i| match i.level {
                model::Level::Subject => {
                    subject += 1;
                    (Level::Subject, subject - 1)
                }
                model::Level::Claim => {
                    claim += 1;
                    (Level::Claim, claim - 1)
                }
            })
            .collect();
        let mut let_slot = vec![0; model.lets.len()];
        for (pos, i) in model.let_order.iter().enumerate() {
            if let Some(slot) = let_slot.get_mut(i.index()) {
                *slot = pos as u32;
            }
        }
        Compiler {
            model,
            input_slot,
            let_slot,
            let_level: vec![Level::Subject; model.lets.len()],
            let_show: vec![Show::Number; model.lets.len()],
            broken_params: vec![false; model.params.len()],
            broken_inputs: vec![false; model.inputs.len()],
            units: Vec::new(),
            texts: Vec::new(),
            text_ids: HashMap::new(),
            tables: HashMap::new(),
        }
    }

    /// How a value of `unit` is shown; `percent` when it is a ratio meant as a percentage.
    fn show_of_unit(&mut self, unit: &Unit, percent: bool) -> Show {
        if unit.is_money() {
            Show::Money
        } else if unit.is_none() {
            if percent {
                Show::Percent
            } else {
                Show::Number
            }
        } else {
            let i = match self.units.iter().position(|u| u == unit) {
                Some(i) => i,
                None => {
                    self.units.push(unit.clone());
                    self.units.len() - 1
                }
            };
            Show::Quantity(i as u32)
        }
    }

    /// The unit behind a [`Show`].
    fn unit_of_show(&self, show: Show) -> Unit {
        match show {
            Show::Money => Unit::money(),
            Show::Quantity(i) => self.units.get(i as usize).cloned().unwrap_or_default(),
            _ => Unit::none(),
        }
    }

    fn show_of_decl(&mut self, decl: &Decl) -> Show {
        match (&decl.ty, decl.flavor) {
            (Ty::Bool, _) => Show::Bool,
            (Ty::Date, _) => Show::Date,
            (Ty::Text, _) => Show::Text,
            (Ty::Enum(id), _) => Show::Enum(*id as u32),
            (Ty::Num(u), flavor) => self.show_of_unit(u, flavor == Flavor::Percent),
            (Ty::Error, _) => Show::Number,
        }
    }

    /// How the value of `kind` is shown, from its operands'.
    fn show_of(&mut self, kind: &ExprKind) -> Show {
        let is_pct = |s: Show| s == Show::Percent;
        match kind {
            ExprKind::Const(Value::Bool(_))
            | ExprKind::Not(_)
            | ExprKind::Cmp(..)
            | ExprKind::And(..)
            | ExprKind::Or(..)
            | ExprKind::Implies(..)
            | ExprKind::In(..) => Show::Bool,
            ExprKind::Const(Value::Date(_)) => Show::Date,
            ExprKind::Const(Value::Text(_)) => Show::Text,
            // Numbers, references and enum constants are given their show where they are made.
            ExprKind::Const(_)
            | ExprKind::Subject(_)
            | ExprKind::Claim(_)
            | ExprKind::Param(_)
            | ExprKind::Let(_)
            | ExprKind::Local(_)
            | ExprKind::Broken(_) => Show::Number,
            ExprKind::Neg(x) => x.show,
            ExprKind::Arith(op, a, b) => {
                let (ua, ub) = (self.unit_of_show(a.show), self.unit_of_show(b.show));
                let unit = match op {
                    ArithOp::Add | ArithOp::Sub => ua,
                    ArithOp::Mul => ua.mul(&ub),
                    ArithOp::Div => ua.div(&ub),
                };
                let amounts = |s: Show| matches!(s, Show::Money | Show::Quantity(_));
                let percent =
                    is_pct(a.show) || is_pct(b.show) || (*op == ArithOp::Div && amounts(a.show));
                self.show_of_unit(&unit, percent)
            }
            ExprKind::Min(v) | ExprKind::Max(v) => v.first().map_or(Show::Number, |e| e.show),
            ExprKind::Table(_, v) => v.first().map_or(Show::Number, |e| e.show),
            ExprKind::If(_, a, _) => a.show,
            ExprKind::EventDate => Show::Date,
            ExprKind::Year(_) | ExprKind::Between(..) => Show::Number,
            ExprKind::Series(_) => Show::Number,
            ExprKind::Bracket(_, arms) => arms.first().map_or(Show::Number, |a| a.value.show),
        }
    }

    fn text(&mut self, s: &str) -> u32 {
        if let Some(id) = self.text_ids.get(s) {
            return *id;
        }
        let id = self.texts.len() as u32;
        self.texts.push(s.to_string());
        self.text_ids.insert(s.to_string(), id);
        id
    }

    /// The value of a parameter or default written out; `ty` is its declared type. `None` when
    /// it is not a value written out of that type, which the checker refuses (E0312): reaching
    /// here, it is pol's own bug, and no value is made up for it.
    fn constant(&mut self, e: &ast::Expr, ty: &Ty) -> Option<Value> {
        Some(match &e.node {
            A::Bool(b) => Value::Bool(*b),
            A::Date(d) => Value::Date(*d),
            A::Text(t) => Value::Text(self.text(t)),
            A::Ref(_) => match self.model.resolved(e).map(|r| r.target) {
                Some(Ref::Variant { enum_id, variant }) if *ty == Ty::Enum(enum_id) => {
                    Value::Enum(u16::try_from(variant).ok()?)
                }
                _ => return None,
            },
            _ => Value::Num(e.as_constant()?.0),
        })
    }

    /// Lowers an expression; returns it and whether it depends on the current claim.
    fn expr(&mut self, e: &ast::Expr, scope: Scope<'_>) -> (Expr, Level) {
        let span = e.span;
        let mut level = Level::Subject;
        let mut sub = |this: &mut Self, x: &ast::Expr| {
            let (x, l) = this.expr(x, scope);
            if l == Level::Claim {
                level = Level::Claim;
            }
            Box::new(x)
        };
        let mut show = None;
        let kind = match &e.node {
            A::Number(l) => {
                show = Some(self.show_of_unit(&l.unit, l.percent));
                ExprKind::Const(Value::Num(l.value))
            }
            A::Bool(b) => ExprKind::Const(Value::Bool(*b)),
            A::Date(d) => ExprKind::Const(Value::Date(*d)),
            A::Text(t) => ExprKind::Const(Value::Text(self.text(t))),
            A::Error => {
                ExprKind::Broken("an expression that could not be read reached the compiler")
            }
            A::Ref(_) => match self.reference(e, scope) {
                Ok((kind, s, l)) => {
                    show = Some(s);
                    level = l;
                    kind
                }
                Err(what) => ExprKind::Broken(what),
            },
            A::Unary(UnaryOp::Neg, x) => ExprKind::Neg(sub(self, x)),
            A::Unary(UnaryOp::Not, x) => ExprKind::Not(sub(self, x)),
            A::Binary(op, l, r) => {
                let (l, r) = (sub(self, l), sub(self, r));
                match op.node {
                    BinOp::Add => ExprKind::Arith(ArithOp::Add, l, r),
                    BinOp::Sub => ExprKind::Arith(ArithOp::Sub, l, r),
                    BinOp::Mul => ExprKind::Arith(ArithOp::Mul, l, r),
                    BinOp::Div => ExprKind::Arith(ArithOp::Div, l, r),
                    BinOp::And => hang_right(*l, r, false),
                    BinOp::Or => hang_right(*l, r, true),
                    BinOp::Implies => ExprKind::Implies(l, r),
                    BinOp::Lt => ExprKind::Cmp(CmpOp::Lt, l, r),
                    BinOp::Le => ExprKind::Cmp(CmpOp::Le, l, r),
                    BinOp::Gt => ExprKind::Cmp(CmpOp::Gt, l, r),
                    BinOp::Ge => ExprKind::Cmp(CmpOp::Ge, l, r),
                    BinOp::Eq => ExprKind::Cmp(CmpOp::Eq, l, r),
                    BinOp::Ne => ExprKind::Cmp(CmpOp::Ne, l, r),
                }
            }
            A::In {
                value,
                set,
                negated,
            } => {
                let test = match self.set_flags(e, set) {
                    Ok(flags) => ExprKind::In(sub(self, value), flags.into_boxed_slice()),
                    Err(what) => ExprKind::Broken(what),
                };
                if *negated {
                    ExprKind::Not(Box::new(Expr {
                        kind: test,
                        show: Show::Bool,
                        span,
                    }))
                } else {
                    test
                }
            }
            A::Call(f, args) if crate::check::model::Model::reads_range(f.node, args) => {
                let (kind, s, l) = match args.first() {
                    Some(a) => self.series(a, Some(f.node), scope),
                    None => (
                        ExprKind::Broken("an aggregate without a value"),
                        None,
                        level,
                    ),
                };
                show = s;
                level = join(level, l);
                kind
            }
            A::Index { .. } => {
                let (kind, s, l) = self.series(e, None, scope);
                show = s;
                level = join(level, l);
                kind
            }
            A::EventYear => Self::event_year(span),
            A::Call(f, args) => {
                let mut args: Vec<Expr> = args.iter().map(|a| *sub(self, a)).collect();
                let mut two = |unit| match (args.pop(), args.pop(), args.is_empty()) {
                    (Some(b), Some(a), true) => ExprKind::Between(unit, Box::new(a), Box::new(b)),
                    _ => ExprKind::Broken(
                        "a function with the wrong number of values reached the compiler",
                    ),
                };
                match f.node {
                    ast::Func::Sum | ast::Func::Average => {
                        ExprKind::Broken("`sum` or `average` without a range of years")
                    }
                    ast::Func::Min => ExprKind::Min(args.into()),
                    ast::Func::Max => ExprKind::Max(args.into()),
                    ast::Func::YearsBetween => two(TimeUnit::Years),
                    ast::Func::MonthsBetween => two(TimeUnit::Months),
                    ast::Func::DaysBetween => two(TimeUnit::Days),
                    ast::Func::Year => match (args.pop(), args.is_empty()) {
                        (Some(d), true) => ExprKind::Year(Box::new(d)),
                        _ => ExprKind::Broken(
                            "a function with the wrong number of values reached the compiler",
                        ),
                    },
                }
            }
            A::EventDate => ExprKind::EventDate,
            A::If {
                cond,
                then,
                otherwise,
            } => {
                // A bare variant in a branch was resolved by the checker like any name.
                let (c, a, b) = (sub(self, cond), sub(self, then), sub(self, otherwise));
                ExprKind::If(c, a, b)
            }
            A::Table { key, rows } => {
                let (kind, l) = self.table(e, key, rows, scope);
                level = join(level, l);
                kind
            }
            A::Bracket { value, rows } => {
                let (value, l) = self.expr(value, scope);
                let (arms, l2) = self.arms(rows, scope);
                level = join(level, join(l, l2));
                match arms {
                    Some(arms) => ExprKind::Bracket(Box::new(value), arms),
                    None => ExprKind::Broken("a bracket threshold is not a fixed amount"),
                }
            }
            A::Lookup { args, .. } => {
                let (kind, l) = self.lookup(e, args, scope);
                level = join(level, l);
                kind
            }
        };
        let show = match show {
            Some(s) => s,
            None => self.show_of(&kind),
        };
        (Expr { kind, show, span }, level)
    }

    /// The tier table `e` (`by KEY { rows }`), its rows placed as the checker resolved them.
    fn table(
        &mut self,
        e: &ast::Expr,
        key: &ast::Expr,
        rows: &[(ast::RowKey, ast::Expr)],
        scope: Scope<'_>,
    ) -> (ExprKind, Level) {
        let table_key = self.model.table_key(e);
        let slots = rows
            .iter()
            .map(|(label, _)| self.row_slot(table_key, label))
            .collect();
        let (rows, l) = self.tier_rows(rows, slots, scope);
        let (key, l2) = self.expr(key, scope);
        let kind = match table_key {
            Some(k) => match tier(self.slot_count(k), rows, e.span) {
                Ok(rows) => ExprKind::Table(Box::new(key), rows),
                Err(what) => ExprKind::Broken(what),
            },
            None => ExprKind::Broken(
                "a tier table whose key the checker did not record reached the compiler",
            ),
        };
        (kind, join(l, l2))
    }

    /// The values of a tier table's rows, each with the slot it fills, and their level.
    fn tier_rows(
        &mut self,
        rows: &[(ast::RowKey, ast::Expr)],
        slots: Vec<Slot>,
        scope: Scope<'_>,
    ) -> (Vec<(Slot, Expr)>, Level) {
        let mut level = Level::Subject;
        let rows = rows
            .iter()
            .zip(slots)
            .map(|((_, value), slot)| {
                let (v, l) = self.expr(value, scope);
                level = join(level, l);
                (slot, v)
            })
            .collect();
        (rows, level)
    }

    /// The arms of a bracket and their level; `None` when a threshold is not a fixed amount,
    /// which the checker refuses (E0309): lowering it would silently open the row's bound.
    fn arms(&mut self, rows: &[ast::BracketRow], scope: Scope<'_>) -> (Option<Arc<[Arm]>>, Level) {
        let edge = |t: &Option<ast::Threshold>| {
            t.as_ref()
                .and_then(|t| t.value.as_constant().map(|(v, _)| (v, t.inclusive)))
        };
        let fixed = rows.iter().all(|r| {
            [&r.lower, &r.upper]
                .iter()
                .all(|t| t.is_none() || edge(t).is_some())
        });
        let mut level = Level::Subject;
        let arms: Arc<[Arm]> = rows
            .iter()
            .map(|r| {
                let (value, l) = self.expr(&r.value, scope);
                level = join(level, l);
                Arm {
                    lower: edge(&r.lower),
                    upper: edge(&r.upper),
                    value,
                }
            })
            .collect();
        (fixed.then_some(arms), level)
    }

    /// The look-up `e` of a named table with `args`, lowered to the bracket or tier table its
    /// rows make with the value looked up: the same compiled form as the table written out in
    /// place, so evaluation and explanations need nothing of their own. The rows are lowered
    /// policy-wide, as the checker checked them (a table's rows see no clause's `let`).
    fn lookup(&mut self, e: &ast::Expr, args: &[ast::Expr], scope: Scope<'_>) -> (ExprKind, Level) {
        let model = self.model;
        let Some(lookup) = model.looked_up(e) else {
            let what = "a table look-up the checker did not resolve reached the compiler";
            return (ExprKind::Broken(what), Level::Subject);
        };
        let (Some(table), [arg]) = (model.tables.get(lookup.table.index()), args) else {
            let what = "a table look-up without its table or its one value reached the compiler";
            return (ExprKind::Broken(what), Level::Subject);
        };
        let (key, level) = self.expr(arg, scope);
        let key = Box::new(key);
        let cached = self
            .tables
            .get(&(lookup.table.index(), lookup.rows.clone()));
        let (shared, l) = match cached {
            Some(done) => done.clone(),
            None => {
                let done = self.shared_rows(&lookup.rows, table.rows, e.span);
                let at = (lookup.table.index(), lookup.rows.clone());
                self.tables.insert(at, done.clone());
                done
            }
        };
        let kind = match shared {
            Shared::Rows(rows) => ExprKind::Table(key, rows),
            Shared::Arms(arms) => ExprKind::Bracket(key, arms),
            Shared::Broken(what) => ExprKind::Broken(what),
        };
        (kind, join(level, l))
    }

    /// The rows of a named table compiled for `chosen`, the way a look-up chooses them, and
    /// their level.
    fn shared_rows(
        &mut self,
        chosen: &LookupRows,
        rows: &ast::TableRows,
        span: ast::Span,
    ) -> (Shared, Level) {
        let (shared, level) = match (chosen, rows) {
            (LookupRows::Bracket, ast::TableRows::Bracket(rows)) => {
                let (arms, l) = self.arms(rows, Scope::TOP);
                let shared = match arms {
                    Some(arms) => Shared::Arms(arms),
                    None => Shared::Broken("a bracket threshold is not a fixed amount"),
                };
                (shared, l)
            }
            (LookupRows::YesNo, ast::TableRows::Tier(rows)) => {
                let slots = rows
                    .iter()
                    .map(|(label, _)| self.row_slot(Some(TableKey::YesNo), label))
                    .collect();
                let (rows, l) = self.tier_rows(rows, slots, Scope::TOP);
                (
                    tier(2, rows, span).map_or_else(Shared::Broken, Shared::Rows),
                    l,
                )
            }
            (LookupRows::Enum { enum_id, variants }, ast::TableRows::Tier(rows)) => {
                let slots = rows
                    .iter()
                    .enumerate()
                    .map(|(i, (label, _))| match (label, variants.get(i)) {
                        (ast::RowKey::Else, _) => Slot::Else,
                        (ast::RowKey::Variant(_), Some(Some(v))) => Slot::At(*v),
                        _ => Slot::Unresolved,
                    })
                    .collect();
                let (rows, l) = self.tier_rows(rows, slots, Scope::TOP);
                let n = self.slot_count(TableKey::Enum(*enum_id));
                (
                    tier(n, rows, span).map_or_else(Shared::Broken, Shared::Rows),
                    l,
                )
            }
            _ => (
                Shared::Broken("a table look-up resolved to rows of another kind"),
                Level::Subject,
            ),
        };
        (shared, level)
    }

    /// The name `e` lowered from what the checker resolved it to: what it computes, how it is
    /// shown and its level; or which rule broke when the resolution does not fit.
    fn reference(
        &mut self,
        e: &ast::Expr,
        scope: Scope<'_>,
    ) -> Result<(ExprKind, Show, Level), &'static str> {
        let Some(resolved) = self.model.resolved(e) else {
            return Err("a name the checker did not resolve reached the compiler");
        };
        let model = self.model;
        Ok(match resolved.target {
            Ref::Input(i) => {
                let (input, &(level, slot)) = model
                    .inputs
                    .get(i.index())
                    .zip(self.input_slot.get(i.index()))
                    .ok_or("a name resolved to an input the model does not have")?;
                if self.broken_inputs[i.index()] {
                    return Err(
                        "an input's default the checker did not resolve reached the compiler",
                    );
                }
                let kind = match level {
                    Level::Subject => ExprKind::Subject(slot),
                    Level::Claim => ExprKind::Claim(slot),
                };
                (kind, self.show_of_decl(&input.decl), level)
            }
            Ref::Param(i) => {
                let param = model
                    .params
                    .get(i.index())
                    .ok_or("a name resolved to a parameter the model does not have")?;
                if self.broken_params[i.index()] {
                    return Err(
                        "a parameter's value the checker did not resolve reached the compiler",
                    );
                }
                let show = self.show_of_decl(&param.decl);
                (ExprKind::Param(i.index() as u32), show, Level::Subject)
            }
            Ref::Let(i) => {
                let i = i.index();
                let (&slot, &level, &show) = self
                    .let_slot
                    .get(i)
                    .zip(self.let_level.get(i))
                    .zip(self.let_show.get(i))
                    .map(|((a, b), c)| (a, b, c))
                    .ok_or("a name resolved to a let the model does not have")?;
                (ExprKind::Let(slot), show, level)
            }
            Ref::Local { clause, index } => {
                if scope.clause != Some(clause) {
                    return Err("a name resolved to a let of another clause");
                }
                let &(level, show) = scope
                    .locals
                    .get(index)
                    .ok_or("a name resolved to a clause's let not yet defined")?;
                (ExprKind::Local(index as u32), show, level)
            }
            Ref::Variant { enum_id, variant } => {
                let v = u16::try_from(variant).map_err(|_| "an enum has too many variants")?;
                (
                    ExprKind::Const(Value::Enum(v)),
                    Show::Enum(enum_id as u32),
                    Level::Subject,
                )
            }
        })
    }

    /// Where the row labelled `label` of a table by `key` goes: the position of its variant
    /// (as the checker resolved it) or of `false`/`true` (0 and 1).
    fn row_slot(&self, key: Option<TableKey>, label: &ast::RowKey) -> Slot {
        match (key, label) {
            (_, ast::RowKey::Else) => Slot::Else,
            (Some(TableKey::YesNo), ast::RowKey::Bool(b)) => Slot::At(usize::from(b.node)),
            (Some(TableKey::Enum(id)), ast::RowKey::Variant(name)) => {
                match self.model.listed_variant(name) {
                    Some((of, i)) if of == id => Slot::At(i),
                    _ => Slot::Unresolved,
                }
            }
            _ => Slot::Unresolved,
        }
    }

    /// How many rows a compiled table by `key` has: one per variant, or two for yes/no.
    fn slot_count(&self, key: TableKey) -> usize {
        match key {
            TableKey::Enum(id) => self.model.enums.get(id).map_or(0, |en| en.variants.len()),
            TableKey::YesNo => 2,
        }
    }

    /// The set of the `in` test `e` as one flag per variant of its enum, from the variants
    /// the checker resolved `set` to.
    fn set_flags(&self, e: &ast::Expr, set: &[ast::Name]) -> Result<Vec<bool>, &'static str> {
        let id = self
            .model
            .keyed_by(e)
            .ok_or("an `in` test whose enum the checker did not record reached the compiler")?;
        let n = self.model.enums.get(id).map_or(0, |en| en.variants.len());
        let mut flags = vec![false; n];
        for name in set {
            let flag = match self.model.listed_variant(name) {
                Some((of, i)) if of == id => flags.get_mut(i),
                _ => None,
            };
            *flag.ok_or("a set names a variant the checker did not resolve")? = true;
        }
        Ok(flags)
    }

    fn bound(&mut self, b: &ast::Bound, scope: Scope<'_>) -> BoundDef {
        BoundDef {
            amount: self.expr(&b.amount, scope).0,
            per: Kind::parse(&b.per.node).unwrap_or(Kind::Enterprise),
            per_year: b.per_year,
            per_run: false,
        }
    }

    fn clause(&mut self, cl: &model::ClauseInfo<'_>) -> ClauseDef {
        // Each of the clause's lets sees those before it: the scope grows as they are lowered.
        let mut slots: Vec<(Level, Show)> = Vec::new();
        let mut locals = Vec::new();
        for LetInfo {
            name, value, span, ..
        } in &cl.locals
        {
            let scope = Scope {
                clause: Some(cl.id),
                locals: &slots,
            };
            let (expr, level) = self.expr(value, scope);
            slots.push((level, expr.show));
            locals.push(LetDef {
                span: *span,
                name: name.clone(),
                expr,
                level,
            });
        }
        let scope = Scope {
            clause: Some(cl.id),
            locals: &slots,
        };
        let award = match cl.award {
            ast::Award::Amount(e) => AwardDef::Amount(self.expr(e, scope).0),
            ast::Award::Rate { rate, base } => AwardDef::Rate {
                rate: self.expr(rate, scope).0,
                base: self.expr(base, scope).0,
            },
            ast::Award::UpTo { max, assessed } => AwardDef::UpTo {
                max: self.expr(max, scope).0,
                assessed: assessed.as_ref().map(|a| self.expr(a, scope).0),
            },
            ast::Award::Match { ratio, base } => AwardDef::Match {
                num: ratio.node.0,
                den: ratio.node.1,
                base: self.expr(base, scope).0,
            },
        };
        ClauseDef {
            name: cl.name.clone(),
            source: cl.source.clone(),
            departments: cl.departments.clone(),
            matter: cl.matter.index() as u32,
            subjects: cl.subjects.iter().filter_map(|k| Kind::parse(k)).collect(),
            per_claim: cl.per_claim.is_some(),
            item: None,
            window: cl.window.unwrap_or(self.model.header.window),
            when: cl.when.map(|w| self.expr(w, scope).0),
            award,
            caps: {
                let mut caps: Vec<BoundDef> =
                    cl.caps.iter().map(|b| self.bound(b, scope)).collect();
                caps.extend(self.run_caps(cl, scope));
                caps
            },
            limits: cl
                .limits
                .iter()
                .map(|l| match l {
                    model::LimitUse::Shared(i) => LimitUse::Shared(i.index() as u32),
                    model::LimitUse::Own(b) => LimitUse::Own(self.bound(b, scope)),
                })
                .collect(),
            stages: cl
                .stages
                .iter()
                .map(|s| StageDef {
                    name: s.name.clone(),
                    share: s.share,
                    when: s.when.map(|w| self.expr(w, scope).0),
                    on: s.on.map(|d| self.expr(d, scope).0),
                    span: s.span,
                })
                .collect(),
            locals,
            once: cl.once.and_then(|o| {
                Some(OnceDef {
                    per: Kind::parse(&o.per.node)?,
                    matter: o.matter,
                })
            }),
            run: self.run(cl),
            funding: cl.funding.clone(),
            span: cl.span,
        }
    }
}

#[cfg(test)]
mod tests;

/// The compiler reads what the checker resolved, and never guesses when it is missing.
#[cfg(test)]
mod resolution_tests {
    use super::*;
    use rust_decimal::Decimal;

    const HEADER: &str = r#"policy "测试〔2023〕1号" {
  title "测试政策"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 100% }
  same_matter highest
}
enum 等级 { 国家级, 省级, 无 }
input enterprise { 研发费用: money  级别: 等级  上年级别: 等级 = 无 }
"#;

    /// Compiles `HEADER` + `body`, which must check without error; `forget` first drops what
    /// the checker resolved, as a bug in it would.
    fn program(body: &str, forget: bool) -> Program {
        let text = format!("{HEADER}{body}");
        let parsed = crate::syntax::parse(&text);
        let checked = crate::check::check(&parsed.file);
        let mut model = checked
            .model
            .unwrap_or_else(|| panic!("{:#?}", checked.diagnostics));
        if forget {
            model.forget_resolution();
        }
        compile(&model, &text)
    }

    fn award(p: &Program, clause: usize) -> &ExprKind {
        match &p.clauses[clause].award {
            AwardDef::Amount(e) => &e.kind,
            other => panic!("{other:?}"),
        }
    }

    /// Every expression of the program's lets and clauses.
    fn all_exprs(p: &Program) -> Vec<&Expr> {
        let mut todo: Vec<&Expr> = p.lets.iter().map(|l| &l.expr).collect();
        for c in &p.clauses {
            todo.extend(c.locals.iter().map(|l| &l.expr));
            todo.extend(c.when.as_ref());
            if let AwardDef::Amount(e) = &c.award {
                todo.push(e);
            }
        }
        let mut out = Vec::new();
        while let Some(e) = todo.pop() {
            e.push_children(&mut todo);
            out.push(e);
        }
        out
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
        let p = program(SHADOWED, false);
        let 甲 = &p.clauses[0];
        // 奖励 reads the policy-wide 基数: the clause's own is declared after it.
        assert!(
            matches!(&甲.locals[0].expr.kind, ExprKind::Arith(ArithOp::Mul, a, _) if a.kind == ExprKind::Let(0)),
            "{:?}",
            甲.locals[0].expr
        );
        assert!(
            matches!(award(&p, 0), ExprKind::Arith(ArithOp::Add, a, b)
                if a.kind == ExprKind::Local(0) && b.kind == ExprKind::Local(1)),
            "{:?}",
            award(&p, 0)
        );
        assert_eq!(award(&p, 1), &ExprKind::Let(0));
    }

    #[test]
    fn a_bare_variant_is_lowered_from_the_enum_expected_there() {
        let body = r#"param 目标: 等级 = 省级
clause 甲 {
  source "一"
  when 级别 == 国家级 or 省级 == 上年级别 or 级别 in { 无, 省级 } or 上年级别 != 目标
  award by 级别 { 省级: 10万元, else: 0元 }
}
"#;
        let p = program(body, false);
        assert_eq!(p.params[0].values, ParamValues::Fixed(Value::Enum(1)));
        assert_eq!(p.subject_inputs[2].default, Some(Value::Enum(2)));
        let exprs = all_exprs(&p);
        let consts: Vec<(u16, Show)> = exprs
            .iter()
            .filter_map(|e| match e.kind {
                ExprKind::Const(Value::Enum(v)) => Some((v, e.show)),
                _ => None,
            })
            .collect();
        assert_eq!(consts.len(), 2, "{consts:?}");
        assert!(consts.contains(&(0, Show::Enum(0))) && consts.contains(&(1, Show::Enum(0))));
        assert!(exprs
            .iter()
            .any(|e| matches!(&e.kind, ExprKind::In(_, flags) if **flags == [false, true, true])));
        assert!(
            matches!(award(&p, 0), ExprKind::Table(_, rows)
                if rows[1].kind == ExprKind::Const(Value::Num(Decimal::from(100_000)))
                && rows[0].kind == ExprKind::Const(Value::Num(Decimal::ZERO))),
            "{:?}",
            award(&p, 0)
        );
    }

    /// The debug form of `e` without its spans: two expressions written in different places
    /// that compute alike read the same.
    fn without_spans(e: &ExprKind) -> String {
        let text = format!("{e:?}");
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("span: Span {") {
            out.push_str(&rest[..at]);
            let after = &rest[at..];
            rest = after.find('}').map_or("", |end| &after[end + 1..]);
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn a_look_up_compiles_to_the_table_written_out_in_place() {
        let body = r#"table 级别奖 = by { 国家级: 10万元, 省级: 研发费用 * 10%, else: 0元 }
table 费用档 = bracket { < 100万元: 0元, >= 100万元: 5万元 }
table 高企奖 = by { false: 1万元, true: 2万元 }
clause 甲 {
  source "一"
  award 级别奖(上年级别) + 费用档(研发费用) + 高企奖(研发费用 > 0元)
}
clause 乙 {
  source "二"
  award by 上年级别 { 国家级: 10万元, 省级: 研发费用 * 10%, else: 0元 } + bracket 研发费用 { < 100万元: 0元, >= 100万元: 5万元 } + by 研发费用 > 0元 { true: 2万元, false: 1万元 }
}
"#;
        let p = program(body, false);
        assert_eq!(without_spans(award(&p, 0)), without_spans(award(&p, 1)));
        assert!(
            matches!(award(&p, 0), ExprKind::Arith(ArithOp::Add, a, _) if matches!(&a.kind, ExprKind::Arith(ArithOp::Add, t, _) if matches!(t.kind, ExprKind::Table(..)))),
            "{:?}",
            award(&p, 0)
        );
        // Unresolved, a look-up is an internal error, never a guessed row.
        let p = program(body, true);
        let exprs = all_exprs(&p);
        assert!(!exprs.iter().any(|e| matches!(
            e.kind,
            ExprKind::Table(..) | ExprKind::Bracket(..)
        ) && e.span.start < p.source.find("clause 乙").unwrap_or(0)));
        let lookups = exprs
            .iter()
            .filter(|e| {
                e.kind
                    == ExprKind::Broken(
                        "a table look-up the checker did not resolve reached the compiler",
                    )
            })
            .count();
        assert_eq!(lookups, 3);
    }

    #[test]
    fn a_name_the_checker_did_not_resolve_is_an_internal_error_never_a_guess() {
        let body = r#"param 目标: 等级 = 省级
clause 甲 {
  source "一"
  let 奖励 = by 级别 { 国家级: 10万元, else: 0元 }
  when 级别 in { 国家级 } or 上年级别 == 目标 or 上年级别 == 省级
  award 奖励
}
"#;
        let p = program(body, true);
        // No value is made up for the parameter or the default either.
        assert_eq!(p.params[0].values, ParamValues::Unspecified);
        assert_eq!(p.subject_inputs[2].default, None);
        let exprs = all_exprs(&p);
        let names = exprs.iter().filter(|e| {
            matches!(
                e.kind,
                ExprKind::Subject(_)
                    | ExprKind::Claim(_)
                    | ExprKind::Param(_)
                    | ExprKind::Let(_)
                    | ExprKind::Local(_)
                    | ExprKind::Const(Value::Enum(_))
                    | ExprKind::In(..)
                    | ExprKind::Table(..)
            )
        });
        assert_eq!(names.count(), 0, "{exprs:#?}");
        let broken = exprs
            .iter()
            .filter(|e| matches!(e.kind, ExprKind::Broken(_)))
            .count();
        // The table, the `in` test, 上年级别 twice, 目标, 省级 and 奖励.
        assert_eq!(broken, 7, "{exprs:#?}");
    }
}
