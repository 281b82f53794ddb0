//! Collects the declarations of a file: enums, inputs, parameters, lets and limits.
//!
//! Input: the file's top-level items. Output: the checker's name table, with a diagnostic for
//! each duplicate, unknown subject kind, unknown type or input declared with two types.

use super::model::{
    EnumInfo, InputId, InputInfo, LetId, LetInfo, Level, LimitId, LimitInfo, ParamId, ParamInfo,
    CLAIM_KINDS, SUBJECT_KINDS,
};
use super::types::{Decl, Flavor, Ty, ValueRange};
use super::{suggest, Checker, LetState, Symbol};
use crate::ast::{self, Item, Name, Node, TypeExpr};
use crate::diagnostic::{Code, Diagnostic};

impl<'a> Checker<'a> {
    /// Records `name` as `sym`; reports a duplicate and returns false if it is taken.
    pub(super) fn define(&mut self, name: &Name, sym: Symbol) -> bool {
        if let Some(first) = self.spans.get(&name.node) {
            let first = *first;
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    name.span,
                    format!("`{}` is declared twice", name.node),
                )
                .label("declared again here")
                .with_secondary(first, "first declared here")
                .help("give one of them another name, or remove the second declaration"),
            );
            return false;
        }
        self.spans.insert(name.node.clone(), name.span);
        self.names.insert(name.node.clone(), sym);
        true
    }

    /// Reports an input named like a column a population reserves for a row's identity (its
    /// subject id, claim id, claim date, item or document, as `pol simulate` names them by
    /// default): `pol eval` would read it from the facts, but `pol simulate` takes the column
    /// for what it reserves it for and never reads the input.
    fn reserved_column(&mut self, name: &Name) {
        let c = crate::simulate::Columns::default();
        let key = crate::keys::key(&name.node);
        let reserved = [&c.id, &c.claim_id, &c.claim_date, &c.item, &c.document];
        let Some(column) = reserved.iter().find(|r| crate::keys::key(r) == key) else {
            return;
        };
        self.report(
            Diagnostic::new(
                Code::ReservedColumn,
                name.span,
                format!("the input `{}` is named like the population's `{column}` column", name.node),
            )
            .label("a population column of this name says which row it is, not an input")
            .help(format!(
                "give the input another name, such as the gazette's word for it: `pol simulate` reads the `{column}` column as the row's {}, so it could never read this input",
                what_column(column, &c)
            )),
        );
    }

    /// Reports an unknown subject or claim kind; returns the level of a known one.
    pub(super) fn kind_level(&mut self, kind: &Name) -> Option<Level> {
        if SUBJECT_KINDS.contains(&kind.node.as_str()) {
            return Some(Level::Subject);
        }
        if CLAIM_KINDS.contains(&kind.node.as_str()) {
            return Some(Level::Claim);
        }
        let all = SUBJECT_KINDS.iter().chain(CLAIM_KINDS.iter()).copied();
        let mut d = Diagnostic::new(
            Code::UnknownSubject,
            kind.span,
            format!("`{}` is not a kind of subject or claim", kind.node),
        )
        .label("unknown kind");
        d = match suggest::closest(&kind.node, all) {
            Some(s) => d.help(format!(
                "did you mean `{s}`? The kinds are {}",
                kinds_list()
            )),
            None => d.help(format!("use one of {}", kinds_list())),
        };
        self.report(d);
        None
    }

    fn add_enum(&mut self, name: &Name, variants: &[Name], span: ast::Span) -> Option<usize> {
        let id = self.enums.len();
        if let Some((_, first)) = self.types.get(&name.node) {
            let first = *first;
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    name.span,
                    format!("the enum `{}` is declared twice", name.node),
                )
                .label("declared again here")
                .with_secondary(first, "first declared here")
                .help("give one of them another name, or remove the second declaration"),
            );
            return None;
        }
        self.types.insert(name.node.clone(), (id, name.span));
        let mut seen: Vec<&Name> = Vec::new();
        let mut names = Vec::new();
        for v in variants {
            if let Some(first) = seen.iter().find(|s| s.node == v.node) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateName,
                        v.span,
                        format!("the variant `{}` is listed twice", v.node),
                    )
                    .label("listed again here")
                    .with_secondary(first.span, "first listed here")
                    .help("remove the second one"),
                );
                continue;
            }
            seen.push(v);
            names.push(v.node.clone());
        }
        self.enums.push(EnumInfo {
            name: name.node.clone(),
            variants: names,
            span,
        });
        Some(id)
    }

    /// The declared type written as `ty`; `field` names an inline enum.
    pub(super) fn resolve_type(&mut self, ty: &Node<TypeExpr>, field: &Name) -> Option<Decl> {
        match &ty.node {
            TypeExpr::Quantity(unit) => Some(Decl {
                ty: Ty::Num(unit.clone()),
                flavor: if unit.is_money() {
                    Flavor::Money
                } else {
                    Flavor::Quantity
                },
            }),
            TypeExpr::InlineEnum(variants) => {
                let id = self.add_enum(field, variants, ty.span)?;
                Some(Decl {
                    ty: Ty::Enum(id),
                    flavor: Flavor::Enum,
                })
            }
            TypeExpr::Named(n) => {
                if let Some(d) = Decl::builtin(n) {
                    return Some(d);
                }
                if let Some((id, _)) = self.types.get(n) {
                    return Some(Decl {
                        ty: Ty::Enum(*id),
                        flavor: Flavor::Enum,
                    });
                }
                let enums: Vec<String> = self.enums.iter().map(|e| e.name.clone()).collect();
                let candidates = Decl::BUILTIN
                    .iter()
                    .copied()
                    .chain(enums.iter().map(String::as_str));
                let hint = suggest::closest(n, candidates).map(str::to_string);
                let mut d =
                    Diagnostic::new(Code::UnknownType, ty.span, format!("`{n}` is not a type"))
                        .label("unknown type");
                d = match hint {
                    Some(h) => d.help(format!("did you mean `{h}`?")),
                    None => d.help(
                        "use money, percent, number, count, bool, date, text, `quantity 亩`, an enum declared with `enum`, or `enum { a, b }`",
                    ),
                };
                self.report(d);
                None
            }
        }
    }

    /// Declares everything at the top level of `file`.
    pub(super) fn declare(&mut self, file: &'a ast::File) {
        for item in &file.items {
            if let Item::Enum(e) = item {
                self.add_enum(&e.node.name, &e.node.variants, e.span);
            }
        }
        for item in &file.items {
            if let Item::Input(block) = item {
                self.declare_inputs(&block.node);
            }
        }
        for item in &file.items {
            match item {
                Item::Param(p) => {
                    if p.node.by_year {
                        self.report(super::series::param_by_year(p.node.ty.span));
                    }
                    if p.node.signed {
                        // Read as unsigned, a negative setting was refused (F0109) and a
                        // negative value written here was E0323: `signed` promised what it
                        // did not give.
                        self.report(
                            crate::diagnostic::Diagnostic::new(
                                crate::diagnostic::Code::SignedParameter,
                                p.node.ty.span,
                                "a parameter cannot be `signed`: its value, written here or set by a department, is at least zero",
                            )
                            .label("`signed` is for inputs")
                            .help("remove `signed`; an amount that may be negative (a loss, an adjustment) is an input: `input enterprise { 调整: signed money }`"),
                        );
                    }
                    let decl = self.resolve_type(&p.node.ty, &p.node.name);
                    let index = self.params.len();
                    if self.define(&p.node.name, Symbol::Param(ParamId::new(index))) {
                        self.params.push(ParamInfo {
                            name: p.node.name.node.clone(),
                            decl: decl.unwrap_or(Decl {
                                ty: Ty::Error,
                                flavor: Flavor::Number,
                            }),
                            value: &p.node.value,
                            span: p.node.name.span,
                        });
                    }
                }
                Item::Let(l) => {
                    let index = self.lets.len();
                    if self.define(&l.node.name, Symbol::Let(LetId::new(index))) {
                        self.lets.push(LetInfo {
                            name: l.node.name.node.clone(),
                            value: &l.node.value,
                            ty: Ty::Error,
                            span: l.node.name.span,
                        });
                        self.let_states.push(LetState::Pending);
                    }
                }
                Item::Limit(l) => {
                    let index = self.limits.len();
                    if self.define(&l.node.name, Symbol::Limit(LimitId::new(index))) {
                        self.limits.push(LimitInfo {
                            name: l.node.name.node.clone(),
                            bound: &l.node.bound,
                        });
                    }
                }
                Item::Table(t) => self.declare_table(&t.node),
                _ => {}
            }
        }
    }

    fn declare_inputs(&mut self, block: &ast::InputBlock) {
        let mut kinds: Vec<(String, Level)> = Vec::new();
        for k in &block.kinds {
            if let Some(level) = self.kind_level(k) {
                if let Some((first, _)) = kinds.iter().find(|(_, l)| *l != level) {
                    self.report(
                        Diagnostic::new(
                            Code::UnknownSubject,
                            k.span,
                            format!("`{}` and `{first}` cannot share one input block", k.node),
                        )
                        .label("a subject and a claim kind in one block")
                        .help("declare a claim's inputs in a block of their own: `input project { ... }`"),
                    );
                    continue;
                }
                kinds.push((k.node.clone(), level));
            }
        }
        let Some((kind, level)) = kinds.first().cloned() else {
            return;
        };
        for (k, l) in &kinds {
            if *l == Level::Subject && !self.declared_subjects.contains(k) {
                self.declared_subjects.push(k.clone());
            }
        }
        let mut seen: Vec<&Name> = Vec::new();
        for f in &block.fields {
            let field = &f.node;
            if let Some(first) = seen.iter().find(|s| s.node == field.name.node) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateName,
                        field.name.span,
                        format!("`{}` is declared twice for `{kind}`", field.name.node),
                    )
                    .label("declared again here")
                    .with_secondary(first.span, "first declared here")
                    .help("remove one of the two declarations"),
                );
                continue;
            }
            seen.push(&field.name);
            self.reserved_column(&field.name);
            let index = match self.names.get(&field.name.node).copied() {
                Some(Symbol::Input(i)) => {
                    if !self.redeclare_input(i.index(), field, &kind, level) {
                        continue;
                    }
                    i.index()
                }
                _ => {
                    let Some(decl) = self.resolve_type(&field.ty, &field.name) else {
                        continue;
                    };
                    let range = field
                        .range
                        .as_ref()
                        .and_then(|r| self.range_of(r, &decl, field));
                    let index = self.inputs.len();
                    if !self.define(&field.name, Symbol::Input(InputId::new(index))) {
                        continue;
                    }
                    self.inputs.push(InputInfo {
                        name: field.name.node.clone(),
                        decl,
                        level,
                        kinds: vec![kind.clone()],
                        span: field.name.span,
                        doc: field.doc.as_ref().map(|d| d.node.clone()),
                        default: field.default.clone(),
                        signed: field.signed,
                        range,
                        series: field.by_year,
                    });
                    self.check_series_field(field, level);
                    index
                }
            };
            for (k, _) in &kinds[1..] {
                if !self.inputs[index].kinds.contains(k) {
                    self.inputs[index].kinds.push(k.clone());
                }
            }
        }
    }

    /// The same input declared by a second kind: it must have the same type and level.
    fn redeclare_input(&mut self, i: usize, field: &ast::Field, kind: &str, level: Level) -> bool {
        let same = match (&field.ty.node, &self.inputs[i].decl.ty) {
            (TypeExpr::InlineEnum(vs), Ty::Enum(id)) => {
                let known = &self.enums[*id].variants;
                vs.len() == known.len() && vs.iter().zip(known).all(|(a, b)| &a.node == b)
            }
            (TypeExpr::Named(n), ty) => {
                Decl::builtin(n).map(|d| d.ty).as_ref() == Some(ty)
                    || matches!((self.types.get(n), ty), (Some((a, _)), Ty::Enum(b)) if a == b)
            }
            (TypeExpr::Quantity(u), Ty::Num(v)) => u == v,
            _ => false,
        };
        // The range is part of the declared type: facts of every kind are held to one range.
        let written = field.range.as_ref().map(|r| r.node.text.as_str());
        let same = same && written == self.inputs[i].range.as_ref().map(|r| r.text.as_str());
        let same = same && field.by_year == self.inputs[i].series;
        if !same || self.inputs[i].level != level {
            let first = self.inputs[i].span;
            self.report(
                Diagnostic::new(
                    Code::InputTypeClash,
                    field.ty.span,
                    format!("`{}` is declared here with another type than before", field.name.node),
                )
                .label(format!("declared for `{kind}` with this type"))
                .with_secondary(first, "first declared here")
                .help("an input has one type for every kind that declares it: use the same type, or rename one of them"),
            );
            return false;
        }
        if !self.inputs[i].kinds.iter().any(|k| k == kind) {
            self.inputs[i].kinds.push(kind.to_string());
        }
        true
    }
}

impl Checker<'_> {
    /// The range `in LOW..HIGH` declared for `field` of type `decl`, once its bounds are known
    /// to be values of that type in increasing order (each problem is reported, and the input
    /// is then declared without a range).
    fn range_of(
        &mut self,
        range: &Node<ast::InputRange>,
        decl: &Decl,
        field: &ast::Field,
    ) -> Option<ValueRange> {
        let name = &field.name.node;
        let flavor = decl.flavor;
        let (expected, example) = match (flavor, &decl.ty) {
            (Flavor::Money, _) => (
                "amounts of money".to_string(),
                "money in 0元..5亿元".to_string(),
            ),
            (Flavor::Percent, _) => ("percentages".to_string(), "percent in 0%..100%".to_string()),
            (Flavor::Number, _) => ("plain numbers".to_string(), "number in 0..10".to_string()),
            (Flavor::Count, _) => ("whole numbers".to_string(), "count in 1..".to_string()),
            (Flavor::Quantity, Ty::Num(u)) => (
                format!("quantities in `{u}`"),
                format!("quantity {u} in 0{u}.."),
            ),
            _ => {
                self.report(
                    Diagnostic::new(
                        Code::RangeOnUnordered,
                        range.span,
                        format!("`{name}` is a {flavor} input, which cannot have a range"),
                    )
                    .label(format!("a range on a {flavor} input"))
                    .help("remove `in ...`; a range is for money, percent, number, count and quantity inputs"),
                );
                return None;
            }
        };
        let mut bounds = [None, None];
        let mut fits = true;
        for (slot, bound) in [&range.node.low, &range.node.high].into_iter().enumerate() {
            let Some(bound) = bound else { continue };
            let value = bound_value(bound).filter(|(v, percent, unit)| match (flavor, &decl.ty) {
                (Flavor::Money, _) => !percent && unit.is_money(),
                (Flavor::Percent, _) => *percent,
                (Flavor::Number, _) => !percent && unit.is_none(),
                (Flavor::Count, _) => !percent && unit.is_none() && v.fract().is_zero(),
                (_, Ty::Num(u)) => !percent && unit == u,
                _ => false,
            });
            match value {
                Some((v, _, _)) => bounds[slot] = Some(v),
                None => {
                    fits = false;
                    self.report(
                        Diagnostic::new(
                            Code::RangeBoundKind,
                            bound.span,
                            format!("the bounds of the range of `{name}` must be {expected}"),
                        )
                        .label(format!("not a value of this {flavor} input"))
                        .help(format!(
                            "write the bound in the input's own unit, e.g. `{name}: {example}`"
                        )),
                    );
                }
            }
        }
        if !fits {
            return None;
        }
        let [low, high] = bounds;
        if let (Some(l), Some(h)) = (low, high) {
            if l > h {
                self.report(
                    Diagnostic::new(
                        Code::RangeReversed,
                        range.span,
                        format!(
                            "the range `{}` of `{name}` ends below where it starts",
                            range.node.text
                        ),
                    )
                    .label("the lower bound is greater than the upper bound")
                    .help("write the smaller bound first, e.g. `in 0%..100%`"),
                );
                return None;
            }
        }
        let range = ValueRange {
            low,
            high,
            text: range.node.text.clone(),
        };
        if let Some(default) = &field.default {
            if bound_value(default).is_some_and(|(v, _, _)| !range.contains(v)) {
                self.report(
                    Diagnostic::new(
                        Code::DefaultOutOfRange,
                        default.span,
                        format!(
                            "the default of `{name}` lies outside its range `{}`",
                            range.text
                        ),
                    )
                    .label("outside the declared range")
                    .help(
                        "give a default within the range, or widen the range if the text allows it",
                    ),
                );
            }
        }
        Some(range)
    }
}

/// A number written out, optionally negated: its value, whether it is a percentage, its unit.
fn bound_value(e: &ast::Expr) -> Option<(rust_decimal::Decimal, bool, crate::units::Unit)> {
    match &e.node {
        ast::ExprKind::Number(l) => Some((l.value, l.percent, l.unit.clone())),
        ast::ExprKind::Unary(ast::UnaryOp::Neg, inner) => {
            bound_value(inner).map(|(v, p, u)| (-v, p, u))
        }
        _ => None,
    }
}

/// The known kinds as a sentence fragment.
pub(super) fn kinds_list() -> String {
    let subjects: Vec<String> = SUBJECT_KINDS.iter().map(|k| format!("`{k}`")).collect();
    let claims: Vec<String> = CLAIM_KINDS.iter().map(|k| format!("`{k}`")).collect();
    format!(
        "{} (subjects) and {} (claims)",
        subjects.join(", "),
        claims.join(", ")
    )
}

/// What a reserved population column gives a row, for a message.
fn what_column(column: &str, c: &crate::simulate::Columns) -> &'static str {
    if column == c.id {
        "subject id"
    } else if column == c.claim_id {
        "claim id"
    } else if column == c.claim_date {
        "claim date"
    } else if column == c.item {
        "claim's item"
    } else {
        "item's document"
    }
}
