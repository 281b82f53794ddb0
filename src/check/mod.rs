//! The checker: names, types, units, tables and the policy header.
//!
//! Input: a parsed [`ast::File`]. Output: every diagnostic found, sorted by position, and when
//! there is no error, the [`Model`] the compiler lowers. Guarantee: it reports everything it
//! finds rather than stopping at the first problem, and a value already reported as wrong is
//! not reported again where it is used.

mod clause;
mod declare;
pub mod documents;
mod expr;
mod header;
mod ids;
mod keys;
pub mod model;
mod order;
mod series;
pub mod stages;
pub(crate) mod suggest;
mod tables;
pub mod types;

use std::collections::HashMap;

pub use model::Model;
pub use suggest::closest;

use crate::ast::{self, Span};
use crate::diagnostic::{self, Diagnostic};
use model::{
    EnumInfo, InputId, InputInfo, LetId, LetInfo, LimitId, LimitInfo, ParamId, ParamInfo,
    Resolution, TableId, TableInfo,
};
use types::Ty;

/// What a top-level name stands for. Only the checker reads names: everything after it reads
/// the resolution recorded in the [`Model`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Symbol {
    /// An input.
    Input(InputId),
    /// A parameter.
    Param(ParamId),
    /// A policy-wide `let`.
    Let(LetId),
    /// A shared limit.
    Limit(LimitId),
    /// A named table.
    Table(TableId),
}

/// The outcome of checking one file.
#[derive(Debug)]
pub struct Checked<'a> {
    /// The model, present when there are no errors.
    pub model: Option<Model<'a>>,
    /// Every diagnostic, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

/// The state of a policy-wide `let` while types are inferred on demand.
#[derive(Clone, Debug)]
enum LetState {
    Pending,
    InProgress,
    Done(Ty, Vec<(InputId, Span)>),
}

/// The state of a named table while declarations are checked on demand: its declaration is
/// checked once, where it is first looked up (or after the lets).
#[derive(Clone, Debug)]
enum TableState {
    Pending,
    InProgress,
    /// How its rows are chosen and the type of its values (`None` when the declaration is
    /// wrong, which was reported), and the inputs its rows use.
    Done(Option<tables::Shape>, Vec<(InputId, Span)>),
}

/// Checks a parsed file.
pub fn check(file: &ast::File) -> Checked<'_> {
    let mut c = Checker::default();
    c.declare(file);
    let header = c.header(file);
    c.check_lets();
    c.check_tables();
    c.check_params();
    c.check_limits();
    let clauses = c.clauses(file);
    keys::check(file, &mut c.diags);
    let mut diagnostics = c.diags;
    diagnostic::sort(&mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let model = match header {
        Some(header) if !has_errors => Some(Model {
            header,
            enums: c.enums,
            inputs: c.inputs,
            params: c.params,
            lets: c
                .lets
                .into_iter()
                .zip(c.let_states)
                .map(|(mut l, st)| {
                    if let LetState::Done(ty, _) = st {
                        l.ty = ty;
                    }
                    l
                })
                .collect(),
            let_order: c.let_order,
            limits: c.limits,
            tables: c
                .tables
                .into_iter()
                .zip(c.table_states)
                .map(|(mut t, st)| {
                    if let TableState::Done(Some(shape), _) = st {
                        t.ty = shape.ty;
                    }
                    t
                })
                .collect(),
            clauses,
            matters: c.matters,
            resolution: c.resolution,
        }),
        _ => None,
    };
    Checked { model, diagnostics }
}

/// Checker state shared by the phases.
#[derive(Default)]
struct Checker<'a> {
    diags: Vec<Diagnostic>,
    names: HashMap<String, Symbol>,
    /// Where each top-level name was declared.
    spans: HashMap<String, Span>,
    /// Enum types by name: a namespace of their own, so `级别: 级别` reads naturally.
    types: HashMap<String, (usize, Span)>,
    enums: Vec<EnumInfo>,
    inputs: Vec<InputInfo>,
    params: Vec<ParamInfo<'a>>,
    lets: Vec<LetInfo<'a>>,
    let_states: Vec<LetState>,
    let_order: Vec<LetId>,
    limits: Vec<LimitInfo<'a>>,
    tables: Vec<TableInfo<'a>>,
    table_states: Vec<TableState>,
    /// How the rows of a named table by variants are chosen by each enum it was looked up
    /// with, once found clean (a table looked up many times is matched once per enum).
    table_enums: HashMap<(TableId, types::EnumId), model::LookupRows>,
    /// Matters in their compared form, in order of first use.
    matters: Vec<String>,
    /// What each name and enum-keyed expression was resolved to.
    resolution: Resolution,
    /// Subject kinds that declare inputs, in order of first declaration.
    declared_subjects: Vec<String>,
}

impl Checker<'_> {
    fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn enum_name(&self, id: usize) -> String {
        self.enums
            .get(id)
            .map_or_else(String::new, |e| e.name.clone())
    }

    fn describe(&self, ty: &Ty) -> String {
        ty.describe(&|id| self.enum_name(id))
    }
}
