//! The compiler: a checked model lowered to a [`Program`].
//!
//! Input: a [`Model`] of a file without errors. Output: a [`Program`] whose names are slots,
//! whose lets are ordered so each comes after what it uses, and whose tables are indexed by
//! variant. Guarantee: total on a checked model; nothing is looked up by name at evaluation.

mod program;

use std::collections::HashMap;

pub use program::*;

use crate::ast::{self, BinOp, ExprKind as A, ParamValue, UnaryOp};
use crate::check::model::{self, LetInfo, Model, Symbol};
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
    for input in &model.inputs {
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
            default: input
                .default
                .as_ref()
                .map(|e| c.constant(e, &input.decl.ty)),
            signed: input.signed,
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
        .map(|p| ParamDef {
            show: c.show_of_decl(&p.decl),
            name: p.name.clone(),
            flavor: p.decl.flavor,
            enum_id: enum_of_ty(&p.decl.ty),
            values: match p.value {
                ParamValue::Unspecified => ParamValues::Unspecified,
                ParamValue::Fixed(e) => ParamValues::Fixed(c.constant(e, &p.decl.ty)),
                ParamValue::Dated(list) => ParamValues::Dated(
                    list.iter()
                        .map(|(d, e)| (d.node, c.constant(e, &p.decl.ty)))
                        .collect(),
                ),
            },
            span: p.span,
        })
        .collect();
    let lets = model
        .let_order
        .iter()
        .map(|&i| {
            let l = &model.lets[i];
            let (expr, level) = c.expr(l.value, &[]);
            c.let_level[i] = level;
            c.let_show[i] = expr.show;
            LetDef {
                span: l.span,
                name: l.name.clone(),
                expr,
                level,
            }
        })
        .collect();
    let limits = model
        .limits
        .iter()
        .map(|l| LimitDef {
            name: l.name.clone(),
            bound: c.bound(l.bound, &[]),
        })
        .collect();
    let clauses = model.clauses.iter().map(|cl| c.clause(cl)).collect();
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
        matters: c.matters,
        units: c.units,
        source: source.to_string(),
    }
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

/// A clause-local binding during lowering: name, type, level and how it is shown.
type LocalSlot<'m> = (&'m str, &'m Ty, Level, Show);

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
    units: Vec<Unit>,
    texts: Vec<String>,
    text_ids: HashMap<String, u32>,
    matters: Vec<String>,
    matter_ids: HashMap<String, u32>,
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
        for (pos, &i) in model.let_order.iter().enumerate() {
            let_slot[i] = pos as u32;
        }
        Compiler {
            model,
            input_slot,
            let_slot,
            let_level: vec![Level::Subject; model.lets.len()],
            let_show: vec![Show::Number; model.lets.len()],
            units: Vec::new(),
            texts: Vec::new(),
            text_ids: HashMap::new(),
            matters: Vec::new(),
            matter_ids: HashMap::new(),
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
            ExprKind::Min(v) | ExprKind::Max(v) | ExprKind::Table(_, v) => {
                v.first().map_or(Show::Number, |e| e.show)
            }
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

    /// The value of a parameter written out; `ty` is its declared type.
    fn constant(&mut self, e: &ast::Expr, ty: &Ty) -> Value {
        match &e.node {
            A::Bool(b) => Value::Bool(*b),
            A::Date(d) => Value::Date(*d),
            A::Text(t) => Value::Text(self.text(t)),
            // The checker made sure the variant exists (E0311); were it not to, the first
            // variant stands in, and the checker's own tests are what guard this.
            A::Ref(n) => Value::Enum(
                self.variant(enum_of_ty(ty).map(|i| i as usize), n)
                    .unwrap_or_default(),
            ),
            _ => Value::Num(e.as_constant().map(|(v, _)| v).unwrap_or_default()),
        }
    }

    /// The enum an expression's value belongs to, if it is an enum value.
    fn enum_of(&self, e: &ast::Expr, locals: &[LocalSlot<'_>]) -> Option<usize> {
        match &e.node {
            A::Ref(n) => {
                if let Some((_, ty, ..)) = locals.iter().rev().find(|(name, ..)| name == n) {
                    return enum_of_ty(ty).map(|i| i as usize);
                }
                match self.model.names.get(n)? {
                    Symbol::Input(i) => enum_of_ty(&self.model.inputs[*i].decl.ty),
                    Symbol::Param(i) => enum_of_ty(&self.model.params[*i].decl.ty),
                    Symbol::Let(i) => enum_of_ty(&self.model.lets[*i].ty),
                    _ => None,
                }
                .map(|i| i as usize)
            }
            A::Table { rows, .. } => rows.iter().find_map(|(_, v)| self.enum_of(v, locals)),
            A::Bracket { rows, .. } => rows.iter().find_map(|r| self.enum_of(&r.value, locals)),
            _ => None,
        }
    }

    /// The index of variant `name` of enum `id` (the checker made sure it exists: `None`
    /// means one of its rules broke).
    fn variant(&self, id: Option<usize>, name: &str) -> Option<u16> {
        id.and_then(|id| self.model.enums.get(id))
            .and_then(|e| e.variant(name))
            .and_then(|i| u16::try_from(i).ok())
    }

    /// Lowers an expression; returns it and whether it depends on the current claim.
    fn expr(&mut self, e: &ast::Expr, locals: &[LocalSlot<'_>]) -> (Expr, Level) {
        self.expr_hinted(e, locals, None)
    }

    /// Lowers `e`, reading a name that is no value as a variant of enum `hint`.
    fn expr_hinted(
        &mut self,
        e: &ast::Expr,
        locals: &[LocalSlot<'_>],
        hint: Option<usize>,
    ) -> (Expr, Level) {
        let span = e.span;
        let mut level = Level::Subject;
        let mut sub = |this: &mut Self, x: &ast::Expr| {
            let (x, l) = this.expr(x, locals);
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
            A::Ref(n) => {
                if let Some(pos) = locals.iter().rposition(|(name, ..)| name == n) {
                    level = locals[pos].2;
                    show = Some(locals[pos].3);
                    ExprKind::Local(pos as u32)
                } else {
                    match self.model.names.get(n).copied() {
                        Some(Symbol::Input(i)) => {
                            let (l, slot) = self.input_slot[i];
                            level = l;
                            show = Some(self.show_of_decl(&self.model.inputs[i].decl));
                            match l {
                                Level::Subject => ExprKind::Subject(slot),
                                Level::Claim => ExprKind::Claim(slot),
                            }
                        }
                        Some(Symbol::Param(i)) => {
                            show = Some(self.show_of_decl(&self.model.params[i].decl));
                            ExprKind::Param(i as u32)
                        }
                        Some(Symbol::Let(i)) => {
                            level = self.let_level[i];
                            show = Some(self.let_show[i]);
                            ExprKind::Let(self.let_slot[i])
                        }
                        _ => match self.variant(hint, n) {
                            Some(i) => {
                                show = hint.map(|h| Show::Enum(h as u32));
                                ExprKind::Const(Value::Enum(i))
                            }
                            None => ExprKind::Broken(
                                "a name that is neither a value nor a variant reached the compiler",
                            ),
                        },
                    }
                }
            }
            A::Unary(UnaryOp::Neg, x) => ExprKind::Neg(sub(self, x)),
            A::Unary(UnaryOp::Not, x) => ExprKind::Not(sub(self, x)),
            A::Binary(op, l, r) if op.node.is_comparison() => {
                // Mirrors the checker: a name that is no value is a variant of the other side.
                let (lh, rh) = (self.enum_of(r, locals), self.enum_of(l, locals));
                let (l, ll) = self.expr_hinted(l, locals, lh);
                let (r, rl) = self.expr_hinted(r, locals, rh);
                if ll == Level::Claim || rl == Level::Claim {
                    level = Level::Claim;
                }
                let cmp = match op.node {
                    BinOp::Lt => Some(CmpOp::Lt),
                    BinOp::Le => Some(CmpOp::Le),
                    BinOp::Gt => Some(CmpOp::Gt),
                    BinOp::Ge => Some(CmpOp::Ge),
                    BinOp::Eq => Some(CmpOp::Eq),
                    BinOp::Ne => Some(CmpOp::Ne),
                    _ => None,
                };
                match cmp {
                    Some(cmp) => ExprKind::Cmp(cmp, Box::new(l), Box::new(r)),
                    None => {
                        ExprKind::Broken("an operator that is not a comparison was lowered as one")
                    }
                }
            }
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
                    _ => ExprKind::Broken("a comparison was lowered as another operator"),
                }
            }
            A::In {
                value,
                set,
                negated,
            } => {
                let id = self.enum_of(value, locals);
                let n = id.map_or(0, |id| self.model.enums[id].variants.len());
                let mut flags = vec![false; n];
                let mut known = true;
                for v in set {
                    match self
                        .variant(id, &v.node)
                        .and_then(|i| flags.get_mut(usize::from(i)))
                    {
                        Some(f) => *f = true,
                        None => known = false,
                    }
                }
                let test = if known {
                    ExprKind::In(sub(self, value), flags.into_boxed_slice())
                } else {
                    ExprKind::Broken("a set names a variant its enum does not have")
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
            A::Call(f, args) => {
                let args: Box<[Expr]> = args.iter().map(|a| *sub(self, a)).collect();
                match f.node {
                    ast::Func::Min => ExprKind::Min(args),
                    ast::Func::Max => ExprKind::Max(args),
                }
            }
            A::Table { key, rows } => {
                let id = self.enum_of(key, locals);
                let n = id.map_or(0, |id| self.model.enums[id].variants.len());
                let mut by_variant: Vec<Option<Expr>> = vec![None; n];
                let mut fallback: Option<Expr> = None;
                let mut known = true;
                for (variant, value) in rows {
                    let v = *sub(self, value);
                    match variant {
                        Some(name) => match self
                            .variant(id, &name.node)
                            .and_then(|i| by_variant.get_mut(usize::from(i)))
                        {
                            Some(row) => *row = Some(v),
                            None => known = false,
                        },
                        None => fallback = Some(v),
                    }
                }
                let key = sub(self, key);
                // The checker made sure every variant has a row (E0308): a row missing here
                // is pol's own bug, never a zero.
                let filler = fallback.unwrap_or(Expr {
                    kind: ExprKind::Broken("a tier table has no row for a variant"),
                    show: Show::Number,
                    span,
                });
                let rows: Box<[Expr]> = by_variant
                    .into_iter()
                    .map(|r| r.unwrap_or_else(|| filler.clone()))
                    .collect();
                if known {
                    ExprKind::Table(key, rows)
                } else {
                    ExprKind::Broken("a tier table names a variant its enum does not have")
                }
            }
            A::Bracket { value, rows } => {
                let value = sub(self, value);
                let edge = |t: &Option<ast::Threshold>| {
                    t.as_ref()
                        .and_then(|t| t.value.as_constant().map(|(v, _)| (v, t.inclusive)))
                };
                // The checker made sure thresholds are fixed amounts (E0309): one that is not
                // would silently open the row's bound.
                let fixed = rows.iter().all(|r| {
                    [&r.lower, &r.upper]
                        .iter()
                        .all(|t| t.is_none() || edge(t).is_some())
                });
                let arms: Box<[Arm]> = rows
                    .iter()
                    .map(|r| Arm {
                        lower: edge(&r.lower),
                        upper: edge(&r.upper),
                        value: *sub(self, &r.value),
                    })
                    .collect();
                if fixed {
                    ExprKind::Bracket(value, arms)
                } else {
                    ExprKind::Broken("a bracket threshold is not a fixed amount")
                }
            }
        };
        let show = match show {
            Some(s) => s,
            None => self.show_of(&kind),
        };
        (Expr { kind, show, span }, level)
    }

    fn bound(&mut self, b: &ast::Bound, locals: &[LocalSlot<'_>]) -> BoundDef {
        BoundDef {
            amount: self.expr(&b.amount, locals).0,
            per: Kind::parse(&b.per.node).unwrap_or(Kind::Enterprise),
            per_year: b.per_year,
        }
    }

    fn clause(&mut self, cl: &model::ClauseInfo<'_>) -> ClauseDef {
        let mut slots: Vec<LocalSlot<'_>> = Vec::new();
        let mut locals = Vec::new();
        for LetInfo {
            name,
            value,
            ty,
            span,
        } in &cl.locals
        {
            let (expr, level) = self.expr(value, &slots);
            slots.push((name.as_str(), ty, level, expr.show));
            locals.push(LetDef {
                span: *span,
                name: name.clone(),
                expr,
                level,
            });
        }
        let award = match cl.award {
            ast::Award::Amount(e) => AwardDef::Amount(self.expr(e, &slots).0),
            ast::Award::Rate { rate, base } => AwardDef::Rate {
                rate: self.expr(rate, &slots).0,
                base: self.expr(base, &slots).0,
            },
            ast::Award::UpTo { max, assessed } => AwardDef::UpTo {
                max: self.expr(max, &slots).0,
                assessed: assessed.as_ref().map(|a| self.expr(a, &slots).0),
            },
            ast::Award::Match { ratio, base } => AwardDef::Match {
                num: ratio.node.0,
                den: ratio.node.1,
                base: self.expr(base, &slots).0,
            },
        };
        // Matters are kept in their compared form, so that every comparison of matters (here,
        // across policies in non-cumulation, in simulation columns) folds look-alikes the same.
        let next = self.matters.len() as u32;
        let written = crate::keys::key(&cl.matter).into_owned();
        let matter = *self.matter_ids.entry(written.clone()).or_insert(next);
        if matter == next {
            self.matters.push(written);
        }
        ClauseDef {
            name: cl.name.clone(),
            source: cl.source.clone(),
            departments: cl.departments.clone(),
            matter,
            subjects: cl.subjects.iter().filter_map(|k| Kind::parse(k)).collect(),
            per_claim: cl.per_claim.is_some(),
            window: cl.window.unwrap_or(self.model.header.window),
            when: cl.when.map(|w| self.expr(w, &slots).0),
            award,
            caps: cl.caps.iter().map(|b| self.bound(b, &slots)).collect(),
            limits: cl
                .limits
                .iter()
                .map(|l| match l {
                    model::LimitUse::Shared(i) => LimitUse::Shared(*i as u32),
                    model::LimitUse::Own(b) => LimitUse::Own(self.bound(b, &slots)),
                })
                .collect(),
            locals,
            span: cl.span,
        }
    }
}

#[cfg(test)]
mod tests;
