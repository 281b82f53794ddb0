//! The checked model of a policy: what the checker learnt, in the form the compiler reads.
//!
//! Input: built by the checker from a file with no errors. Output: declarations indexed by
//! number, each clause's parts gathered, the header's values computed. Guarantee: every name
//! an expression uses is in [`Model::names`], every type is known, and the header is complete.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::types::{Decl, Ty};
use crate::ast::{Award, Bound, Expr, ParamValue, RoundingMode, SameMatter, Span};

/// Subject kinds: who receives an award.
pub const SUBJECT_KINDS: [&str; 4] = ["enterprise", "institution", "person", "region"];
/// Claim kinds: what a subject applies with, evaluated one by one.
pub const CLAIM_KINDS: [&str; 1] = ["project"];

/// What a top-level name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Symbol {
    /// An input (index into [`Model::inputs`]).
    Input(usize),
    /// A parameter.
    Param(usize),
    /// A policy-wide `let`.
    Let(usize),
    /// A shared limit.
    Limit(usize),
}

/// Whether an input belongs to the subject or to each claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// One value per subject.
    Subject,
    /// One value per claim.
    Claim,
}

/// A declared enum.
#[derive(Clone, Debug)]
pub struct EnumInfo {
    /// Its name.
    pub name: String,
    /// Its variants in order. Variant names are scoped to their enum: they are found only where
    /// the enum is known (tables, `in` sets, comparisons with an enum value).
    pub variants: Vec<String>,
    /// Where it was declared.
    #[allow(
        dead_code,
        reason = "kept with the model for the passes that will point at it"
    )]
    pub span: Span,
}

/// A declared input.
#[derive(Clone, Debug)]
pub struct InputInfo {
    /// Its name.
    pub name: String,
    /// Its type.
    pub decl: Decl,
    /// Subject or claim.
    pub level: Level,
    /// The kinds that declare it.
    pub kinds: Vec<String>,
    /// Where it was first declared.
    pub span: Span,
    /// The description written next to it.
    pub doc: Option<String>,
    /// The value used when facts do not give one.
    pub default: Option<crate::ast::Expr>,
    /// Whether negative money or quantities are allowed.
    pub signed: bool,
    /// The values facts may give, when declared (`in 0%..100%`).
    pub range: Option<super::types::ValueRange>,
}

/// A declared parameter.
#[derive(Clone, Debug)]
pub struct ParamInfo<'a> {
    /// Its name.
    pub name: String,
    /// Its type.
    pub decl: Decl,
    /// Its value(s) as written.
    pub value: &'a ParamValue,
    /// Where it was declared.
    pub span: Span,
}

/// A `let` binding with its inferred type.
#[derive(Clone, Debug)]
pub struct LetInfo<'a> {
    /// Its name.
    pub name: String,
    /// Its definition.
    pub value: &'a Expr,
    /// Its type.
    pub ty: Ty,
    /// Where it was declared.
    pub span: Span,
}

/// A shared limit.
#[derive(Clone, Debug)]
pub struct LimitInfo<'a> {
    /// Its name.
    pub name: String,
    /// Its amount and what it counts per.
    pub bound: &'a Bound,
}

/// A limit as a clause uses it.
#[derive(Clone, Debug)]
pub enum LimitUse<'a> {
    /// A shared limit (index into [`Model::limits`]).
    Shared(usize),
    /// The clause's own limit.
    Own(&'a Bound),
}

/// A clause with its parts gathered.
#[derive(Clone, Debug)]
pub struct ClauseInfo<'a> {
    /// Its name.
    pub name: String,
    /// The whole clause.
    pub span: Span,
    /// The article it comes from.
    pub source: String,
    /// Responsible departments.
    pub departments: Vec<String>,
    /// The non-cumulation key (the clause name when not given).
    pub matter: String,
    /// Subject kinds it applies to.
    pub subjects: Vec<String>,
    /// The claim kind it is evaluated per, if any.
    pub per_claim: Option<String>,
    /// Its own effective window, if any.
    pub window: Option<(NaiveDate, NaiveDate)>,
    /// Its condition.
    pub when: Option<&'a Expr>,
    /// Its award.
    pub award: &'a Award,
    /// Its caps.
    pub caps: Vec<&'a Bound>,
    /// Its limits.
    pub limits: Vec<LimitUse<'a>>,
    /// Its own `let` bindings in order.
    pub locals: Vec<LetInfo<'a>>,
}

/// The policy header's values.
#[derive(Clone, Debug)]
pub struct Header {
    /// Document number.
    pub document: String,
    /// Title.
    pub title: String,
    /// Issue date.
    pub issued: NaiveDate,
    /// First and last day in force.
    pub window: (NaiveDate, NaiveDate),
    /// Payers and their shares (fractions summing to 1).
    pub funding: Vec<(String, Decimal)>,
    /// The same-matter rule.
    pub same_matter: SameMatter,
    /// Rounding step in yuan.
    pub rounding_step: Decimal,
    /// Rounding mode.
    pub rounding_mode: RoundingMode,
    /// Yearly budget lines.
    pub budget: Vec<(i32, Decimal)>,
    /// What the payer split is applied to.
    pub split: crate::ast::Split,
}

/// Everything the checker learnt about a file with no errors.
#[derive(Clone, Debug)]
pub struct Model<'a> {
    /// The header.
    pub header: Header,
    /// Enums.
    pub enums: Vec<EnumInfo>,
    /// Inputs.
    pub inputs: Vec<InputInfo>,
    /// Parameters.
    pub params: Vec<ParamInfo<'a>>,
    /// Policy-wide lets in source order.
    pub lets: Vec<LetInfo<'a>>,
    /// Indices into `lets`, each after the lets it uses.
    pub let_order: Vec<usize>,
    /// Shared limits.
    pub limits: Vec<LimitInfo<'a>>,
    /// Clauses in source order.
    pub clauses: Vec<ClauseInfo<'a>>,
    /// Top-level names.
    pub names: HashMap<String, Symbol>,
}

impl EnumInfo {
    /// The index of the variant called `name`.
    pub fn variant(&self, name: &str) -> Option<usize> {
        self.variants.iter().position(|v| v == name)
    }
}
