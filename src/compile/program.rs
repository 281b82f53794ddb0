//! The compiled form of a policy: what evaluation runs on.
//!
//! Input: built by [`super::compile`] from a checked model. Output: plain data in which every
//! name is already a slot index, every enum variant a number and every constant a value.
//! Guarantee: evaluating an expression needs no name lookup, no string comparison and no
//! allocation; spans are kept only so explanations can point at the source.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::ast::{RoundingMode, SameMatter, Span};
use crate::check::types::Flavor;
use crate::units::Unit;

/// Who receives an award, or what a subject applies with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A firm.
    Enterprise,
    /// A non-firm organisation: a lab, an agency, an association.
    Institution,
    /// A natural person.
    Person,
    /// A county, district or town.
    Region,
    /// A claim: one project, contract or application of a subject.
    Project,
}

impl Kind {
    /// The kind written as `text` in a policy.
    pub fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "enterprise" => Kind::Enterprise,
            "institution" => Kind::Institution,
            "person" => Kind::Person,
            "region" => Kind::Region,
            "project" => Kind::Project,
            _ => return None,
        })
    }

    /// The kind as written in a policy.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Enterprise => "enterprise",
            Kind::Institution => "institution",
            Kind::Person => "person",
            Kind::Region => "region",
            Kind::Project => "project",
        }
    }
}

/// A constant value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// A number in base units (yuan for money).
    Num(Decimal),
    /// Yes or no.
    Bool(bool),
    /// A calendar date.
    Date(NaiveDate),
    /// Text, as an index into [`Program::texts`].
    Text(u32),
    /// A variant, as its index in its enum.
    Enum(u16),
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

/// How a value is shown to people: the kind of value and its unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Show {
    /// Yuan.
    Money,
    /// A ratio shown as a percentage.
    Percent,
    /// A plain number or count.
    Number,
    /// A number in a unit of [`Program::units`].
    Quantity(u32),
    /// Yes or no.
    Bool,
    /// A date.
    Date,
    /// Text.
    Text,
    /// A variant of an enum of [`Program::enums`].
    Enum(u32),
}

/// A compiled expression with the span it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// How its value is shown.
    pub show: Show,
    /// Where it was written.
    pub span: Span,
}

/// What a compiled expression computes.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A constant.
    Const(Value),
    /// The subject's input in this slot.
    Subject(u32),
    /// The current claim's input in this slot.
    Claim(u32),
    /// A parameter's value at the evaluation date.
    Param(u32),
    /// A policy-wide `let`, by its index in [`Program::lets`].
    Let(u32),
    /// A clause-local `let`, by its index in the clause's `locals`.
    Local(u32),
    /// Arithmetic negation.
    Neg(Box<Expr>),
    /// Logical negation.
    Not(Box<Expr>),
    /// Arithmetic.
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// A comparison.
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// Both.
    And(Box<Expr>, Box<Expr>),
    /// Either.
    Or(Box<Expr>, Box<Expr>),
    /// If the first, then the second.
    Implies(Box<Expr>, Box<Expr>),
    /// Membership of a variant in a set, as one flag per variant.
    In(Box<Expr>, Box<[bool]>),
    /// The smallest argument.
    Min(Box<[Expr]>),
    /// The largest argument.
    Max(Box<[Expr]>),
    /// A tier table: one row per variant of an enum key (by its position), or two rows for a
    /// yes/no key (`false` first, then `true`); the `else` row copied into the values it
    /// covers. The rows of a named table are shared by its look-ups.
    Table(Box<Expr>, Arc<[Expr]>),
    /// A threshold bracket: the first arm whose bounds hold.
    Bracket(Box<Expr>, Arc<[Arm]>),
    /// `if` the first `then` the second `else` the third.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// The date of the event being judged: the claim's date, or the evaluation date.
    EventDate,
    /// The calendar year of a date.
    Year(Box<Expr>),
    /// Whole units of time from the first date to the second.
    Between(TimeUnit, Box<Expr>, Box<Expr>),
    /// A yearly series read at one year or reduced over a range of years (boxed: rare, and
    /// kept out of the size of every other expression).
    Series(Box<SeriesRead>),
    /// What the checker should have refused reached the compiler (`what` says which rule
    /// broke): evaluating it is an internal error (F0901), never a value that looks right.
    Broken(&'static str),
}

/// A yearly series read: the subject input in `slot` at `years`, reduced by `reduce` over a
/// range.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesRead {
    /// The subject input slot of the series.
    pub slot: u32,
    /// The year or years read.
    pub years: YearsRead,
}

/// The years a series is read at.
#[derive(Clone, Debug, PartialEq)]
pub enum YearsRead {
    /// One year.
    One(Expr),
    /// The years from the first (or the first the facts give, when `None`) to the last, both
    /// included, reduced to one value.
    Range(Reduce, Option<Expr>, Expr),
}

/// How the values of a range of years become one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduce {
    /// The largest.
    Max,
    /// The smallest.
    Min,
    /// The sum.
    Sum,
    /// The sum divided by the number of years (as `/` divides).
    Average,
}

/// A unit of time that whole spans between dates are counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    /// Whole years: a year passes on the same month and day (29 February counts from 28
    /// February in years without it).
    Years,
    /// Whole months: a month passes on the same day (or the month's last day when shorter).
    Months,
    /// Days.
    Days,
}

/// One arm of a bracket.
#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    /// Lower threshold and whether it is included.
    pub lower: Option<(Decimal, bool)>,
    /// Upper threshold and whether it is included.
    pub upper: Option<(Decimal, bool)>,
    /// The arm's value.
    pub value: Expr,
}

/// An enum.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnumDef {
    /// Its name.
    pub name: String,
    /// Its variants; a value is an index into this list.
    pub variants: Vec<String>,
}

/// An input slot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputDef {
    /// How its values are shown.
    #[serde(skip)]
    pub show: Show,
    /// The name facts use.
    pub name: String,
    /// How it is written in facts.
    pub flavor: Flavor,
    /// Its unit, for numbers.
    #[serde(skip)]
    pub unit: Unit,
    /// Its enum (index into [`Program::enums`]), for enum inputs.
    pub enum_id: Option<u32>,
    /// The kinds that supply it.
    pub kinds: Vec<Kind>,
    /// Its description.
    pub doc: Option<String>,
    /// The value used when facts do not give one.
    #[serde(skip)]
    pub default: Option<Value>,
    /// Whether negative money or quantities are allowed.
    pub signed: bool,
    /// Whether it holds one value per year (`money by year`): given as an object keyed by
    /// year, or as columns `NAME[YEAR]`.
    pub series: bool,
    /// The values facts may give, when declared (`in 0%..100%`).
    #[serde(skip)]
    pub range: Option<crate::check::types::ValueRange>,
    /// Where it was declared.
    #[serde(skip)]
    pub span: Span,
}

/// A parameter's value(s).
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValues {
    /// Not fixed by the text: supplied at evaluation time.
    Unspecified,
    /// One value.
    Fixed(Value),
    /// Values from the given dates on, in date order.
    Dated(Vec<(NaiveDate, Value)>),
}

/// A parameter slot.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDef {
    /// How its values are shown.
    pub show: Show,
    /// Its name.
    pub name: String,
    /// How its value is written.
    pub flavor: Flavor,
    /// Its enum, for enum parameters.
    pub enum_id: Option<u32>,
    /// Its value(s).
    pub values: ParamValues,
    /// Where it was declared.
    pub span: Span,
}

/// Whether a value is computed once per subject or once per claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// From the subject's inputs only.
    Subject,
    /// Uses the current claim's inputs.
    Claim,
}

/// A named value.
#[derive(Clone, Debug, PartialEq)]
pub struct LetDef {
    /// Where its name was declared.
    pub span: Span,
    /// Its name, for explanations.
    pub name: String,
    /// Its definition; refers only to lets before it.
    pub expr: Expr,
    /// When it must be recomputed.
    pub level: Level,
}

/// An amount per subject or claim, optionally per calendar year.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundDef {
    /// The amount.
    pub amount: Expr,
    /// What it counts per.
    pub per: Kind,
    /// Whether it resets each calendar year.
    pub per_year: bool,
    /// Whether it was written `per run`: the clause's total for the subject over its run of
    /// years (counted per `per`, the subject's kind).
    pub per_run: bool,
}

/// A shared limit.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitDef {
    /// Its name.
    pub name: String,
    /// Its bound.
    pub bound: BoundDef,
}

/// A limit as a clause uses it.
#[derive(Clone, Debug, PartialEq)]
pub enum LimitUse {
    /// Index into [`Program::limits`].
    Shared(u32),
    /// The clause's own.
    Own(BoundDef),
}

/// A compiled award.
#[derive(Clone, Debug, PartialEq)]
pub enum AwardDef {
    /// An amount: fixed, by tier or by bracket.
    Amount(Expr),
    /// A rate of a base.
    Rate {
        /// The rate.
        rate: Expr,
        /// The base.
        base: Expr,
    },
    /// Anything from zero to a maximum, or the assessed amount within it.
    UpTo {
        /// The maximum.
        max: Expr,
        /// The assessed amount, if the policy names one.
        assessed: Option<Expr>,
    },
    /// `num` yuan for every `den` yuan of the base.
    Match {
        /// Award side of the ratio.
        num: Decimal,
        /// Base side of the ratio.
        den: Decimal,
        /// The matched amount.
        base: Expr,
    },
}

/// A compiled clause.
#[derive(Clone, Debug, PartialEq)]
pub struct ClauseDef {
    /// Its name.
    pub name: String,
    /// The article it comes from.
    pub source: String,
    /// Responsible departments.
    pub departments: Vec<String>,
    /// The non-cumulation key, as an index into [`Program::matters`].
    pub matter: u32,
    /// The subject kinds it applies to.
    pub subjects: Vec<Kind>,
    /// Whether it is evaluated once per claim.
    pub per_claim: bool,
    /// The application item it answers (an index into [`Program::items`]): a claim is
    /// evaluated by the per-claim clauses of the item it is addressed to, and by no other.
    pub item: Option<u32>,
    /// The days it is in force (its own window, or the policy's).
    pub window: (NaiveDate, NaiveDate),
    /// Its local lets, in order.
    pub locals: Vec<LetDef>,
    /// Its condition.
    pub when: Option<Expr>,
    /// Its award.
    pub award: AwardDef,
    /// Its caps.
    pub caps: Vec<BoundDef>,
    /// Its limits.
    pub limits: Vec<LimitUse>,
    /// The stages its award is paid in, in order (empty: paid at once).
    pub stages: Vec<StageDef>,
    /// `once per KIND [and matter]`: paid at most once (per subject or per claim), the
    /// subject's history of past grants saying what was paid.
    pub once: Option<OnceDef>,
    /// The run of years it is paid for, if any (`for 3 years from 认定日期`).
    pub run: Option<RunDef>,
    /// Its own payers and shares (fractions summing to exactly 1), when it overrides the
    /// header's `funding`.
    pub funding: Option<Vec<(String, Decimal)>>,
    /// Where it was written.
    pub span: Span,
}

/// One stage of a staged award.
#[derive(Clone, Debug, PartialEq)]
pub struct StageDef {
    /// Its name.
    pub name: String,
    /// Its share of the award (the shares add up to exactly 1).
    pub share: Decimal,
    /// What must hold for it to be paid.
    pub when: Option<Expr>,
    /// The date it is paid on (none: the instance's event date).
    pub on: Option<Expr>,
    /// Where it is written.
    pub span: Span,
}

/// `once per KIND [and matter]`, compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnceDef {
    /// Per subject (its kind), or per claim ([`Kind::Project`]).
    pub per: Kind,
    /// Whether an earlier grant of the clause's matter counts, whichever clause paid it.
    pub matter: bool,
}

/// A clause's run of years: evaluated once for each of `count` years, the first being the
/// year of the anchor date (`from`) or the year after (`after`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunDef {
    /// How many years.
    pub count: u32,
    /// Whether the first year is the one after the anchor's.
    pub after: bool,
    /// The subject input slot of the anchor date.
    pub anchor: u32,
}

/// The policy header.
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderDef {
    /// Document number.
    pub document: String,
    /// Title.
    pub title: String,
    /// Issue date.
    pub issued: NaiveDate,
    /// First and last day in force.
    pub window: (NaiveDate, NaiveDate),
    /// Payers with their shares (fractions summing to exactly 1).
    pub funding: Vec<(String, Decimal)>,
    /// The same-matter rule.
    pub same_matter: SameMatter,
    /// Rounding step in yuan.
    pub rounding_step: Decimal,
    /// Rounding mode.
    pub rounding_mode: RoundingMode,
    /// Yearly budget lines.
    pub budget: Vec<(i32, Decimal)>,
    /// The budget years whose overrun is reduced pro rata (`pro_rata`) in a simulation.
    pub pro_rata: Vec<i32>,
    /// What the payer split is applied to.
    pub split: crate::ast::Split,
}

/// A compiled policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// The header.
    pub header: HeaderDef,
    /// Enums.
    pub enums: Vec<EnumDef>,
    /// Subject input slots.
    pub subject_inputs: Vec<InputDef>,
    /// Claim input slots.
    pub claim_inputs: Vec<InputDef>,
    /// Parameter slots.
    pub params: Vec<ParamDef>,
    /// Policy-wide lets; each refers only to lets before it.
    pub lets: Vec<LetDef>,
    /// Shared limits.
    pub limits: Vec<LimitDef>,
    /// Clauses in source order.
    pub clauses: Vec<ClauseDef>,
    /// Text constants.
    pub texts: Vec<String>,
    /// Matter names in their compared form ([`crate::keys::key`]: look-alike spellings of one
    /// matter are one entry); a clause's `matter` indexes this.
    pub matters: Vec<String>,
    /// The application items claims are addressed to, as first written (an `item` line, or
    /// the name of a per-claim clause without one); compared through [`crate::keys::key`].
    pub items: Vec<String>,
    /// Units other than yuan that values are shown in.
    pub units: Vec<Unit>,
    /// The policy's source text, so explanations can quote it.
    pub source: String,
}

impl Expr {
    /// Pushes the direct sub-expressions of `self` onto `out`, in source order.
    pub fn push_children<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        match &self.kind {
            ExprKind::Const(_)
            | ExprKind::Subject(_)
            | ExprKind::Claim(_)
            | ExprKind::Param(_)
            | ExprKind::Let(_)
            | ExprKind::Local(_)
            | ExprKind::EventDate
            | ExprKind::Broken(_) => {}
            ExprKind::Neg(x) | ExprKind::Not(x) | ExprKind::In(x, _) | ExprKind::Year(x) => {
                out.push(x)
            }
            ExprKind::Between(_, a, b) => out.extend([&**a, &**b]),
            ExprKind::Series(read) => match &read.years {
                YearsRead::One(y) => out.push(y),
                YearsRead::Range(_, a, b) => {
                    out.extend(a.iter());
                    out.push(b);
                }
            },
            ExprKind::If(c, a, b) => out.extend([&**c, &**a, &**b]),
            ExprKind::Arith(_, a, b)
            | ExprKind::Cmp(_, a, b)
            | ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::Implies(a, b) => out.extend([&**a, &**b]),
            ExprKind::Min(v) | ExprKind::Max(v) => out.extend(v.iter()),
            ExprKind::Table(k, rows) => {
                out.push(k);
                out.extend(rows.iter());
            }
            ExprKind::Bracket(v, arms) => {
                out.push(v);
                out.extend(arms.iter().map(|a| &a.value));
            }
        }
    }
}
