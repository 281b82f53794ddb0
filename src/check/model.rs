//! The checked model of a policy: what the checker learnt, in the form the compiler reads.
//!
//! Input: built by the checker from a file with no errors. Output: declarations indexed by
//! typed ids, each clause's parts gathered, the header's values computed, what every name
//! written in an expression stands for, and the table each look-up (`销售档(销售收入)`) reads
//! with how its rows are chosen there. Guarantee: every name an expression uses is resolved
//! here ([`Model::resolved`]) with its type, so no reader of the model looks a name up again:
//! the scoping rule (a clause's `let` hides a policy-wide name; a name that is no value is a
//! variant of the enum expected there) lives in the checker alone.

use std::collections::hash_map::{Entry, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;

pub use super::ids::{ClauseId, InputId, LetId, LimitId, MatterId, ParamId, TableId};
use super::types::{Decl, EnumId, Ty};
use crate::ast::{
    Award, Bound, Expr, ExprKind, Name, ParamValue, RoundingMode, SameMatter, Span, TableRows,
};

/// Subject kinds: who receives an award.
pub const SUBJECT_KINDS: [&str; 4] = ["enterprise", "institution", "person", "region"];
/// Claim kinds: what a subject applies with, evaluated one by one.
pub const CLAIM_KINDS: [&str; 1] = ["project"];

/// What a name written in an expression stands for, as the checker resolved it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    /// An input.
    Input(InputId),
    /// A parameter.
    Param(ParamId),
    /// A policy-wide `let`.
    Let(LetId),
    /// A `let` of a clause: the `index`-th of [`ClauseInfo::locals`] of clause `clause`.
    Local {
        /// The clause that declares it.
        clause: ClauseId,
        /// Its position among the clause's lets.
        index: usize,
    },
    /// A variant of an enum, named bare where that enum is expected.
    Variant {
        /// The enum.
        enum_id: EnumId,
        /// The variant's position in [`EnumInfo::variants`].
        variant: usize,
    },
}

/// What chooses the row of a tier table, as the checker resolved its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableKey {
    /// A variant of this enum: its rows name variants.
    Enum(EnumId),
    /// A yes/no value: its rows are `true` and `false`.
    YesNo,
}

/// A named table looked up at one place, as the checker resolved it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// The table.
    pub table: TableId,
    /// How its rows are chosen there.
    pub rows: LookupRows,
}

/// How the rows of a named table are chosen where it is looked up.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LookupRows {
    /// By the thresholds of a bracket, on a number in their unit.
    Bracket,
    /// By a yes/no value: rows `true`, `false` and `else`.
    YesNo,
    /// By a variant of the enum of the value looked up: for each row in order, the position of
    /// the variant it names in that enum (`None` for the `else` row). The same table looked up
    /// with values of two enums that share variant names is resolved at each place on its own.
    Enum {
        /// The enum of the value looked up.
        enum_id: EnumId,
        /// Each row's variant in that enum.
        variants: Vec<Option<usize>>,
    },
}

/// A resolved name: what it stands for and the type of its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// What it stands for.
    pub target: Ref,
    /// The type of its value.
    pub ty: Ty,
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
    /// Whether it holds one value per year (`money by year`); `decl` is one year's type.
    pub series: bool,
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

/// A named table: rows declared once, looked up by several expressions.
#[derive(Clone, Debug)]
pub struct TableInfo<'a> {
    /// Its name.
    pub name: String,
    /// Its rows as written.
    pub rows: &'a TableRows,
    /// The type of the values its rows give.
    pub ty: Ty,
    /// Where its name was declared.
    pub span: Span,
}

/// A limit as a clause uses it.
#[derive(Clone, Debug)]
pub enum LimitUse<'a> {
    /// A shared limit.
    Shared(LimitId),
    /// The clause's own limit.
    Own(&'a Bound),
}

/// A clause with its parts gathered.
#[derive(Clone, Debug)]
pub struct ClauseInfo<'a> {
    /// Its id: its position in [`Model::clauses`].
    pub id: ClauseId,
    /// Its name.
    pub name: String,
    /// The whole clause.
    pub span: Span,
    /// The article it comes from.
    pub source: String,
    /// Responsible departments.
    pub departments: Vec<String>,
    /// The non-cumulation key as written (the clause name when not given).
    pub matter_text: String,
    /// The non-cumulation key: clauses whose keys fold alike ([`crate::keys::key`]) share it.
    pub matter: MatterId,
    /// The application item claims are addressed to, as written: its `item` line, or the
    /// clause name for a per-claim clause without one; none for a clause not per claim.
    pub item: Option<String>,
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
    /// Its own `let` bindings in order ([`Ref::Local`] indexes them).
    pub locals: Vec<LetInfo<'a>>,
    /// The stages its award is paid in (none: paid at once).
    pub stages: Vec<super::stages::StageInfo<'a>>,
    /// `once per KIND [and matter]`, when the award is paid once.
    pub once: Option<&'a crate::ast::Once>,
    /// Its own `funding` (payers and shares adding up to one), when it overrides the header's.
    pub funding: Option<Vec<(String, Decimal)>>,
    /// The run of years it pays for (`for 3 years from 认定日期`), if any.
    pub run: Option<RunInfo>,
    /// Its caps over the whole run (`cap 300万元 per run`).
    pub run_caps: Vec<&'a Bound>,
}

/// A clause's run of years, checked.
#[derive(Clone, Copy, Debug)]
pub struct RunInfo {
    /// How many years.
    pub count: u32,
    /// Whether it starts the year after the anchor's year (else with it).
    pub after: bool,
    /// The subject's date input it counts from.
    pub anchor: InputId,
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
    /// The budget years whose overrun is reduced pro rata (`pro_rata`).
    pub pro_rata: Vec<i32>,
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
    /// The policy-wide lets, each after the lets it uses.
    pub let_order: Vec<LetId>,
    /// Shared limits.
    pub limits: Vec<LimitInfo<'a>>,
    /// Named tables in source order.
    pub tables: Vec<TableInfo<'a>>,
    /// Clauses in source order.
    pub clauses: Vec<ClauseInfo<'a>>,
    /// Matters in their compared form ([`crate::keys::key`]), in order of first use.
    pub matters: Vec<String>,
    /// What the checker learnt about each place, for [`Model::resolved`] and its kin.
    pub(super) resolution: Resolution,
}

/// What names and enum-keyed expressions stand for, by the span where they are written (every
/// reference, every `in` test and table is a node of its own text, so spans tell them apart).
/// A place recorded twice with two meanings holds `None`: neither is trusted.
#[derive(Clone, Debug, Default)]
pub(super) struct Resolution {
    /// Every name written as a value (`ExprKind::Ref`).
    refs: HashMap<Span, Option<Resolved>>,
    /// Every variant named in an `in` set or as a table row: its enum and position.
    variants: HashMap<Span, Option<(EnumId, usize)>>,
    /// Every `in` test and tier table: what chooses its rows (an `in` test lists an enum's
    /// variants).
    keys: HashMap<Span, Option<TableKey>>,
    /// Every look-up of a named table: the table and how its rows are chosen there.
    lookups: HashMap<Span, Option<Lookup>>,
}

impl Resolution {
    /// Records what the name written at `span` stands for.
    pub(super) fn name(&mut self, span: Span, resolved: Resolved) {
        settle(&mut self.refs, span, resolved);
    }

    /// Records the variant listed at `span`.
    pub(super) fn variant(&mut self, span: Span, enum_id: EnumId, variant: usize) {
        settle(&mut self.variants, span, (enum_id, variant));
    }

    /// Records what chooses the rows of the `in` test or table written at `span`.
    pub(super) fn key(&mut self, span: Span, key: TableKey) {
        settle(&mut self.keys, span, key);
    }

    /// Records the named table looked up at `span` and how its rows are chosen there.
    pub(super) fn lookup(&mut self, span: Span, lookup: Lookup) {
        settle(&mut self.lookups, span, lookup);
    }

    /// The named table looked up at `span`.
    pub(super) fn lookup_at(&self, span: Span) -> Option<&Lookup> {
        self.lookups.get(&span)?.as_ref()
    }

    /// What the name written at `span` stands for.
    pub(super) fn name_at(&self, span: Span) -> Option<&Resolved> {
        self.refs.get(&span)?.as_ref()
    }

    /// The variant listed at `span`.
    pub(super) fn variant_at(&self, span: Span) -> Option<(EnumId, usize)> {
        *self.variants.get(&span)?
    }

    /// What chooses the rows of the `in` test or table written at `span`.
    pub(super) fn key_at(&self, span: Span) -> Option<TableKey> {
        *self.keys.get(&span)?
    }
}

/// Records `value` at `span`, unless another value is recorded there: then the place is marked
/// as read two ways, and no reader gets either.
fn settle<T: PartialEq>(map: &mut HashMap<Span, Option<T>>, span: Span, value: T) {
    match map.entry(span) {
        Entry::Vacant(place) => {
            place.insert(Some(value));
        }
        Entry::Occupied(mut place) => {
            if place.get().as_ref() != Some(&value) {
                place.insert(None);
            }
        }
    }
}

impl Model<'_> {
    /// Whether the call `f(args)` reduces a range of years of a series (`max(S[a .. b])`).
    pub fn reads_range(f: crate::ast::Func, args: &[Expr]) -> bool {
        f.aggregates()
            && matches!(
                args,
                [Expr {
                    node: ExprKind::Index {
                        years: crate::ast::Years::Range(..),
                        ..
                    },
                    ..
                }]
            )
    }

    /// The series input an `S[year]` or `S[a .. b]` expression reads.
    pub fn series_read(&self, e: &Expr) -> Option<InputId> {
        match &e.node {
            ExprKind::Index { series, .. } => match self.resolution.name_at(series.span) {
                Some(Resolved {
                    target: Ref::Input(i),
                    ..
                }) => Some(*i),
                _ => None,
            },
            _ => None,
        }
    }

    /// What the name `e` stands for, with its type; `None` when `e` is not a name, or is one
    /// the checker did not resolve (which a model never holds: treat it as pol's own bug).
    pub fn resolved(&self, e: &Expr) -> Option<&Resolved> {
        match e.node {
            ExprKind::Ref(_) => self.resolution.name_at(e.span),
            _ => None,
        }
    }

    /// The enum and position of the variant `name` listed in an `in` set or as a table row.
    pub fn listed_variant(&self, name: &Name) -> Option<(EnumId, usize)> {
        self.resolution.variant_at(name.span)
    }

    /// The enum whose variants an `in` test or a tier table by an enum (`e`) lists.
    pub fn keyed_by(&self, e: &Expr) -> Option<EnumId> {
        match self.table_key(e)? {
            TableKey::Enum(id) => Some(id),
            TableKey::YesNo => None,
        }
    }

    /// The named table a look-up (`e`, `销售档(销售收入)`) reads, and how its rows are chosen
    /// there; `None` when `e` is no look-up.
    pub fn looked_up(&self, e: &Expr) -> Option<&Lookup> {
        match e.node {
            ExprKind::Lookup { .. } => self.resolution.lookup_at(e.span),
            _ => None,
        }
    }

    /// What chooses the rows of a tier table (`e`): an enum's variants or yes/no (an `in`
    /// test is read as a table of its enum).
    pub fn table_key(&self, e: &Expr) -> Option<TableKey> {
        match e.node {
            ExprKind::In { .. } | ExprKind::Table { .. } => self.resolution.key_at(e.span),
            _ => None,
        }
    }
}

impl EnumInfo {
    /// The index of the variant called `name`.
    pub fn variant(&self, name: &str) -> Option<usize> {
        self.variants.iter().position(|v| v == name)
    }
}

#[cfg(test)]
impl Model<'_> {
    /// Forgets everything the checker resolved, as a bug in it would: for tests that the
    /// readers of the model never guess a name's meaning.
    pub(crate) fn forget_resolution(&mut self) {
        self.resolution = Resolution::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_read_two_ways_is_trusted_neither_way() {
        let mut r = Resolution::default();
        let (a, b) = (Span::new(0, 1), Span::new(2, 3));
        let input = |i| Resolved {
            target: Ref::Input(InputId::new(i)),
            ty: Ty::money(),
        };
        r.name(a, input(0));
        r.name(a, input(0));
        r.name(b, input(0));
        r.name(b, input(1));
        r.name(b, input(0));
        assert_eq!(r.name_at(a), Some(&input(0)));
        assert_eq!(r.name_at(b), None);
        r.key(a, TableKey::Enum(1));
        r.key(a, TableKey::Enum(2));
        r.key(b, TableKey::YesNo);
        r.variant(a, 1, 0);
        assert_eq!((r.key_at(a), r.variant_at(a)), (None, Some((1, 0))));
        assert_eq!(r.key_at(b), Some(TableKey::YesNo));
    }
}
