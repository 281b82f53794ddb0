//! Collects the declarations of a file: enums, inputs, parameters, lets and limits.
//!
//! Input: the file's top-level items. Output: the checker's name table, with a diagnostic for
//! each duplicate, unknown subject kind, unknown type or input declared with two types.

use super::model::{
    EnumInfo, InputInfo, LetInfo, Level, LimitInfo, ParamInfo, Symbol, CLAIM_KINDS, SUBJECT_KINDS,
};
use super::types::{Decl, Flavor, Ty};
use super::{suggest, Checker, LetState};
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
                    let decl = self.resolve_type(&p.node.ty, &p.node.name);
                    let index = self.params.len();
                    if self.define(&p.node.name, Symbol::Param(index)) {
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
                    if self.define(&l.node.name, Symbol::Let(index)) {
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
                    if self.define(&l.node.name, Symbol::Limit(index)) {
                        self.limits.push(LimitInfo {
                            name: l.node.name.node.clone(),
                            bound: &l.node.bound,
                        });
                    }
                }
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
            let index = match self.names.get(&field.name.node).copied() {
                Some(Symbol::Input(i)) => {
                    if !self.redeclare_input(i, field, &kind, level) {
                        continue;
                    }
                    i
                }
                _ => {
                    let Some(decl) = self.resolve_type(&field.ty, &field.name) else {
                        continue;
                    };
                    let index = self.inputs.len();
                    if !self.define(&field.name, Symbol::Input(index)) {
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
                    });
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
