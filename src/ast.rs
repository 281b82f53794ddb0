//! The typed syntax tree of a `.pol` file.
//!
//! Input: built only by [`crate::syntax`] from pest's parse tree. Output: plain data that the
//! checker and the compiler read. Guarantee: every node carries the byte span of the text it
//! came from, and equality ignores spans, so two trees written with different layout compare
//! equal.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::units::Unit;

/// A byte range `[start, end)` in the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte of the range.
    pub start: usize,
    /// One past the last byte of the range.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (bytes).
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// True when the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A value with the span it was written at. Equality and hashing ignore the span.
#[derive(Clone, Debug)]
pub struct Node<T> {
    /// The value.
    pub node: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Node<T> {
    /// Wrap `node` with its `span`.
    pub fn new(node: T, span: Span) -> Self {
        Node { node, span }
    }
}

impl<T: PartialEq> PartialEq for Node<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T: Eq> Eq for Node<T> {}

/// A name as written (Chinese or ASCII), with its span.
pub type Name = Node<String>;

/// A whole `.pol` file: its top-level items in source order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct File {
    /// Top-level items in source order.
    pub items: Vec<Item>,
}

/// One top-level item.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `policy "doc no." { ... }`
    Policy(Node<Policy>),
    /// `input enterprise { ... }`
    Input(Node<InputBlock>),
    /// `enum 级别 { 国家级, 省级 }`
    Enum(Node<EnumDecl>),
    /// `param 比例: percent = 10%`
    Param(Node<Param>),
    /// `let 增量 = a - b`
    Let(Node<Let>),
    /// `limit 年度累计: 100万元 per institution per year`
    Limit(Node<LimitDecl>),
    /// `table 销售档 = bracket { ... }` or `table 级别奖 = by { ... }`
    Table(Node<TableDecl>),
    /// `clause 名称 { ... }`
    Clause(Node<Clause>),
}

impl Item {
    /// Where the whole item was written.
    pub fn span(&self) -> Span {
        match self {
            Item::Policy(n) => n.span,
            Item::Input(n) => n.span,
            Item::Enum(n) => n.span,
            Item::Param(n) => n.span,
            Item::Let(n) => n.span,
            Item::Limit(n) => n.span,
            Item::Table(n) => n.span,
            Item::Clause(n) => n.span,
        }
    }
}

/// The policy header: document number and header items in source order.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// The document number, e.g. `嘉政发〔2023〕15号`.
    pub document: Node<String>,
    /// Header items in source order (duplicates are reported by the checker).
    pub items: Vec<Node<HeaderItem>>,
}

/// One line of the policy header.
#[derive(Clone, Debug, PartialEq)]
pub enum HeaderItem {
    /// `title "..."`
    Title(Node<String>),
    /// `issued 2023-07-24`
    Issued(Node<NaiveDate>),
    /// `effective ...`
    Effective(Window),
    /// `funding { 市级财政: 50%, 区级财政: 50% }`
    Funding(Vec<Share>),
    /// `same_matter highest|cumulative`
    SameMatter(Node<SameMatter>),
    /// `rounding 0.01元 half_up`
    Rounding {
        /// The rounding step, a money amount.
        step: Expr,
        /// The mode; half up when omitted.
        mode: Option<Node<RoundingMode>>,
    },
    /// `budget { 2023: 4亿元 }`
    Budget(Vec<BudgetLine>),
    /// `split per_award` or `split per_subject`.
    Split(Node<Split>),
}

/// What the payer split is applied to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Split {
    /// Each award is split on its own (the default).
    #[default]
    PerAward,
    /// A subject's total under the policy is split once.
    PerSubject,
}

/// An effective window.
#[derive(Clone, Debug, PartialEq)]
pub enum Window {
    /// `2023-08-01 to 2025-12-31`, both days included.
    Range(Node<NaiveDate>, Node<NaiveDate>),
    /// `from 2023-07-01 for 1 year`: ends on the day before the start, moved that long on
    /// (`crate::dates::period_end`).
    FromFor(Node<NaiveDate>, Node<Duration>),
}

/// A length of time in whole years or months.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duration {
    /// How many units.
    pub count: u32,
    /// Years or months.
    pub unit: DurationUnit,
}

/// The unit of a [`Duration`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    /// Calendar years.
    Years,
    /// Calendar months.
    Months,
}

/// One payer and its share.
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    /// The payer, e.g. `市级财政`.
    pub payer: Name,
    /// Its share, a percentage.
    pub share: Expr,
}

/// One year's budget line.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetLine {
    /// The calendar year.
    pub year: Node<i32>,
    /// The amount budgeted.
    pub amount: Expr,
    /// `pro_rata`: where it was written, when an overrun is reduced pro rata (按比例核减)
    /// rather than only reported.
    pub pro_rata: Option<Span>,
}

/// What happens when several awards of one subject share a matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameMatter {
    /// Only the highest is paid (就高不重复).
    Highest,
    /// All are paid.
    Cumulative,
}

/// How a final award is rounded to the declared step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Halves away from zero (四舍五入).
    HalfUp,
    /// Halves to the even neighbour.
    HalfEven,
    /// Toward zero.
    Down,
    /// Away from zero.
    Up,
}

/// `input KIND { fields }`: the facts one kind of subject or claim supplies.
#[derive(Clone, Debug, PartialEq)]
pub struct InputBlock {
    /// The subject or claim kinds that supply these fields, e.g. `enterprise` or `project`.
    pub kinds: Vec<Name>,
    /// Declared fields.
    pub fields: Vec<Node<Field>>,
}

/// One declared input.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The field's name.
    pub name: Name,
    /// Its declared type.
    pub ty: Node<TypeExpr>,
    /// `signed money`: negative amounts are allowed (money and quantities are otherwise at
    /// least zero).
    pub signed: bool,
    /// The values facts may give, `in 0%..100%` (both bounds included).
    pub range: Option<Node<InputRange>>,
    /// `by year`: one value per calendar year (a yearly series).
    pub by_year: bool,
    /// The value used when the facts do not give one (`= false`).
    pub default: Option<Expr>,
    /// An optional description for staff and schemas.
    pub doc: Option<Node<String>>,
}

/// `in LOW..HIGH` after an input's type: each bound is a number written out (optionally
/// negative), `None` where that side is left open.
#[derive(Clone, Debug, PartialEq)]
pub struct InputRange {
    /// The smallest value allowed, included.
    pub low: Option<Expr>,
    /// The largest value allowed, included.
    pub high: Option<Expr>,
    /// The bounds and dots as written, without spaces: `0%..100%`, `1..`.
    pub text: String,
}

/// A type as written in a declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    /// A named type: `money`, `percent`, `number`, `count`, `bool`, `date`, `text`, or an enum.
    Named(String),
    /// `quantity 亩`, `quantity 元/亩`.
    Quantity(Unit),
    /// `enum { a, b }` written in place.
    InlineEnum(Vec<Name>),
}

/// `enum NAME { variants }`.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    /// The enum's name.
    pub name: Name,
    /// Its variants in order.
    pub variants: Vec<Name>,
}

/// `param NAME: TYPE [= value | { date: value ... }]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The parameter's name.
    pub name: Name,
    /// Its declared type.
    pub ty: Node<TypeExpr>,
    /// Whether `by year` was written after its type (refused: E0364).
    pub by_year: bool,
    /// Whether `signed` was written before its type (refused: E0324).
    pub signed: bool,
    /// Its value, dated values, or none (unspecified).
    pub value: ParamValue,
    /// An optional description for staff.
    pub doc: Option<Node<String>>,
}

/// The value part of a parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// No value: left to the department (一定比例); completed at evaluation time.
    Unspecified,
    /// One value for the whole window.
    Fixed(Expr),
    /// Values that take effect on the given dates, in source order.
    Dated(Vec<(Node<NaiveDate>, Expr)>),
}

/// `let NAME = expr`.
#[derive(Clone, Debug, PartialEq)]
pub struct Let {
    /// The bound name.
    pub name: Name,
    /// Its definition.
    pub value: Expr,
}

/// `limit NAME: AMOUNT per KIND [per year]`: a limit shared by the clauses that name it.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitDecl {
    /// The limit's name.
    pub name: Name,
    /// Its bound.
    pub bound: Bound,
}

/// An amount per subject, optionally per calendar year.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    /// The amount (may be a table by an enum input).
    pub amount: Expr,
    /// The subject or claim kind it counts per.
    pub per: Name,
    /// Whether it resets each calendar year.
    pub per_year: bool,
}

/// `table NAME = bracket { rows }` or `table NAME = by { rows }`: a bracket or tier table
/// declared once without the value it looks up, and looked up by name (`NAME(value)`).
#[derive(Clone, Debug, PartialEq)]
pub struct TableDecl {
    /// The table's name.
    pub name: Name,
    /// Its rows.
    pub rows: TableRows,
}

/// The rows of a named table.
#[derive(Clone, Debug, PartialEq)]
pub enum TableRows {
    /// `bracket { >= a and < b: x, ... }`: rows chosen by thresholds on a number.
    Bracket(Vec<BracketRow>),
    /// `by { 国家级: x, ..., else: y }` or `by { true: x, false: y }`.
    Tier(Vec<(RowKey, Expr)>),
}

impl TableRows {
    /// Every expression of the rows in source order: thresholds and values.
    pub fn exprs(&self) -> Vec<&Expr> {
        match self {
            TableRows::Bracket(rows) => rows
                .iter()
                .flat_map(|r| {
                    let bounds = [&r.lower, &r.upper].into_iter().flatten();
                    bounds.map(|t| &t.value).chain([&r.value])
                })
                .collect(),
            TableRows::Tier(rows) => rows.iter().map(|(_, v)| v).collect(),
        }
    }

    /// The values the rows give, in order.
    pub fn values(&self) -> Vec<&Expr> {
        match self {
            TableRows::Bracket(rows) => rows.iter().map(|r| &r.value).collect(),
            TableRows::Tier(rows) => rows.iter().map(|(_, v)| v).collect(),
        }
    }
}

/// `clause NAME { items }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    /// The clause's name.
    pub name: Name,
    /// Its items in source order.
    pub items: Vec<Node<ClauseItem>>,
}

/// One line of a clause.
#[derive(Clone, Debug, PartialEq)]
pub enum ClauseItem {
    /// `source "第一条"`: the article of the document.
    Source(Node<String>),
    /// `department "市科技局", "市财政局"`.
    Department(Vec<Node<String>>),
    /// `matter "..."`: the non-cumulation key.
    Matter(Node<String>),
    /// `item "..."`: the application item a per-claim clause answers.
    Item(Node<String>),
    /// `subject enterprise, institution`.
    Subject(Vec<Name>),
    /// `per project`: evaluated once per claim of that kind.
    PerClaim(Name),
    /// `effective ...` for this clause alone.
    Effective(Window),
    /// `when CONDITION`.
    When(Expr),
    /// `award ...`.
    Award(Node<Award>),
    /// `cap AMOUNT per KIND [per year]`.
    Cap(Bound),
    /// `limit AMOUNT per KIND per year` or `limit NAME`.
    Limit(ClauseLimit),
    /// `let NAME = expr` local to the clause.
    Let(Node<Let>),
    /// `stages { NAME: SHARE [when COND] [on DATE], ... }`: the award paid in parts.
    Stages(Vec<Node<Stage>>),
    /// `funding { 市级财政: 100% }`: the clause's payers, instead of the header's.
    Funding(Vec<Share>),
    /// `once per KIND [and matter]`: the award is paid once (see [`Once`]).
    Once(Once),
    /// `for N years from|after DATE`: the clause is evaluated once for each year of the run.
    Run(Run),
}

/// `once per KIND [and matter]`: an award paid at most once per subject (`per enterprise`) or
/// per claim (`per project`); with `and matter`, once for the clause's matter whichever clause
/// paid it. Earlier grants are the subject's history.
#[derive(Clone, Debug, PartialEq)]
pub struct Once {
    /// The subject or claim kind it counts per.
    pub per: Name,
    /// `and matter`: any earlier grant of the same matter counts, not only this clause's.
    pub matter: bool,
}

/// The years a clause pays for: `count` consecutive years starting with the year of `anchor`
/// (`from`) or the year after it (`after`).
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// How many years.
    pub count: Node<u32>,
    /// Whether the run starts the year after the anchor's year.
    pub after: bool,
    /// The date input the run is counted from.
    pub anchor: Name,
}

/// One stage of a staged award: `验收: 60% when 通过验收 on 验收日期`.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// Its name.
    pub name: Name,
    /// Its share of the award: a fixed percentage.
    pub share: Expr,
    /// What must hold for it to be paid (none: it is paid with the award).
    pub when: Option<Expr>,
    /// The date it is paid on (none: the instance's event date).
    pub on: Option<Expr>,
}

/// The forms an award takes.
#[derive(Clone, Debug, PartialEq)]
pub enum Award {
    /// A fixed amount, a table by tier or a bracket by threshold: any money expression.
    Amount(Expr),
    /// `RATE of BASE`.
    Rate {
        /// The percentage.
        rate: Expr,
        /// The money base.
        base: Expr,
    },
    /// `up to MAX [assessed AMOUNT]`.
    UpTo {
        /// The most that may be awarded.
        max: Expr,
        /// The assessed amount, when the policy names where it comes from.
        assessed: Option<Expr>,
    },
    /// `match A:B of BASE`: A yuan for every B yuan of the base.
    Match {
        /// The ratio as written, e.g. 1:1.
        ratio: Node<(Decimal, Decimal)>,
        /// What is matched.
        base: Expr,
    },
}

/// A limit inside a clause.
#[derive(Clone, Debug, PartialEq)]
pub enum ClauseLimit {
    /// Written in place.
    Inline(Bound),
    /// Named, declared at top level and shared.
    Ref(Name),
}

/// An expression with its span.
pub type Expr = Node<ExprKind>;

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number with its unit, already scaled: `20万元` is 200000 元, `15%` is 0.15.
    Number(Literal),
    /// `true` / `false`.
    Bool(bool),
    /// A date literal.
    Date(NaiveDate),
    /// A text literal.
    Text(String),
    /// A name: an input, parameter, `let` or enum variant.
    Ref(String),
    /// `-x` or `not x`.
    Unary(UnaryOp, Box<Expr>),
    /// `a OP b`.
    Binary(Node<BinOp>, Box<Expr>, Box<Expr>),
    /// `x in { a, b }` / `x not in { a, b }`.
    In {
        /// The tested value.
        value: Box<Expr>,
        /// The variants.
        set: Vec<Name>,
        /// `not in`.
        negated: bool,
    },
    /// `min(a, b, ...)`, `max(a, b, ...)`, `year(d)`, `years_between(a, b)`, ...
    Call(Node<Func>, Vec<Expr>),
    /// `if COND then A else B`.
    If {
        /// The condition.
        cond: Box<Expr>,
        /// The value when it holds.
        then: Box<Expr>,
        /// The value when it does not.
        otherwise: Box<Expr>,
    },
    /// `event_date`: the date of the event being judged (the claim's date for a per-claim
    /// clause, the evaluation date otherwise).
    EventDate,
    /// `by KEY { variant: value, ..., else: value }` or `by KEY { true: value, false: value }`.
    Table {
        /// The key: an enum value or a yes/no value.
        key: Box<Expr>,
        /// Rows in order, each with what chooses it.
        rows: Vec<(RowKey, Expr)>,
    },
    /// `销售档(销售收入)`: the named table `table` looked up with its argument (the checker
    /// refuses any other number of arguments).
    Lookup {
        /// The table's name.
        table: Name,
        /// The values given.
        args: Vec<Expr>,
    },
    /// `bracket VALUE { >= a and < b: x, ... }`.
    Bracket {
        /// The value placed in a bracket.
        value: Box<Expr>,
        /// Rows in order.
        rows: Vec<BracketRow>,
    },
    /// `year(event_date)`, written `event_year`.
    EventYear,
    /// A yearly series read at one year or over a range of years: `销售收入[event_year - 1]`.
    Index {
        /// The series input.
        series: Name,
        /// The year or years read.
        years: Years,
    },
    /// Stands where lowering already reported an error.
    Error,
}

/// The years a series is read at.
#[derive(Clone, Debug, PartialEq)]
pub enum Years {
    /// One year.
    One(Box<Expr>),
    /// From the first year to the last, both included; an open start begins with the first
    /// year the facts give (an open end is refused by the checker).
    Range(Option<Box<Expr>>, Option<Box<Expr>>),
}

impl Expr {
    /// The expressions directly inside this one, in source order.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.node {
            ExprKind::Unary(_, x) => vec![x],
            ExprKind::Binary(_, a, b) => vec![a, b],
            ExprKind::In { value, .. } => vec![value],
            ExprKind::Call(_, args) | ExprKind::Lookup { args, .. } => args.iter().collect(),
            ExprKind::Index { years, .. } => match years {
                Years::One(y) => vec![y],
                Years::Range(a, b) => a.iter().chain(b.iter()).map(|x| &**x).collect(),
            },
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => vec![cond, then, otherwise],
            ExprKind::Table { key, rows } => {
                let mut v: Vec<&Expr> = vec![key];
                v.extend(rows.iter().map(|(_, x)| x));
                v
            }
            ExprKind::Bracket { value, rows } => {
                let mut v: Vec<&Expr> = vec![value];
                for r in rows {
                    v.extend(r.lower.iter().map(|t| &t.value));
                    v.extend(r.upper.iter().map(|t| &t.value));
                    v.push(&r.value);
                }
                v
            }
            ExprKind::Number(_)
            | ExprKind::Bool(_)
            | ExprKind::Date(_)
            | ExprKind::Text(_)
            | ExprKind::Ref(_)
            | ExprKind::EventDate
            | ExprKind::EventYear
            | ExprKind::Error => Vec::new(),
        }
    }

    /// The value and unit of a number written out (optionally negated), e.g. `-20万元`.
    pub fn as_constant(&self) -> Option<(Decimal, Unit)> {
        match &self.node {
            ExprKind::Number(l) => Some((l.value, l.unit.clone())),
            ExprKind::Unary(UnaryOp::Neg, inner) => inner.as_constant().map(|(v, u)| (-v, u)),
            _ => None,
        }
    }
}

/// What chooses a row of a tier table.
#[derive(Clone, Debug, PartialEq)]
pub enum RowKey {
    /// `国家级:`: a variant of the key's enum.
    Variant(Name),
    /// `true:` or `false:`: a yes/no value.
    Bool(Node<bool>),
    /// `else:`: every value without a row of its own.
    Else,
}

impl RowKey {
    /// The row's label as written: the variant, `true`, `false` or `else`.
    pub fn label(&self) -> &str {
        match self {
            RowKey::Variant(n) => &n.node,
            RowKey::Bool(b) if b.node => "true",
            RowKey::Bool(_) => "false",
            RowKey::Else => "else",
        }
    }

    /// Where the label was written (`None` for `else`, whose row is found by its value).
    pub fn span(&self) -> Option<Span> {
        match self {
            RowKey::Variant(n) => Some(n.span),
            RowKey::Bool(b) => Some(b.span),
            RowKey::Else => None,
        }
    }
}

/// A numeric literal: its exact value and unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    /// The value in base units (yuan for money, a fraction for percentages).
    pub value: Decimal,
    /// The unit.
    pub unit: Unit,
    /// Whether it was written as a percentage.
    pub percent: bool,
}

/// One row of a bracket. Equality ignores the span, as for [`Node`].
#[derive(Clone, Debug)]
pub struct BracketRow {
    /// `>= x` or `> x`.
    pub lower: Option<Threshold>,
    /// `< x` or `<= x`.
    pub upper: Option<Threshold>,
    /// The row's value.
    pub value: Expr,
    /// The whole row.
    pub span: Span,
}

impl PartialEq for BracketRow {
    fn eq(&self, other: &Self) -> bool {
        self.lower == other.lower && self.upper == other.upper && self.value == other.value
    }
}

/// A bracket threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// Whether the threshold value itself belongs to the row.
    pub inclusive: bool,
    /// The threshold.
    pub value: Expr,
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// Arithmetic negation.
    Neg,
    /// Logical negation.
    Not,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
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
    /// `and`
    And,
    /// `or`
    Or,
    /// `implies`
    Implies,
}

impl BinOp {
    /// The operator as staff write it.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Implies => "implies",
        }
    }

    /// The comparison with its sides swapped: `a < b` is `b > a`.
    pub fn flipped(self) -> BinOp {
        match self {
            BinOp::Lt => BinOp::Gt,
            BinOp::Le => BinOp::Ge,
            BinOp::Gt => BinOp::Lt,
            BinOp::Ge => BinOp::Le,
            other => other,
        }
    }

    /// True for `< <= > >= == !=`.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
        )
    }
}

/// Built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// The smallest argument.
    Min,
    /// The largest argument.
    Max,
    /// The sum of a series over a range of years.
    Sum,
    /// The average of a series over a range of years.
    Average,
    /// The calendar year of a date, as a number.
    Year,
    /// Whole years from the first date to the second (negative when the second is earlier).
    YearsBetween,
    /// Whole months from the first date to the second.
    MonthsBetween,
    /// Days from the first date to the second.
    DaysBetween,
}

impl Func {
    /// The name it is written with.
    pub fn name(self) -> &'static str {
        match self {
            Func::Min => "min",
            Func::Max => "max",
            Func::Sum => "sum",
            Func::Average => "average",
            Func::Year => "year",
            Func::YearsBetween => "years_between",
            Func::MonthsBetween => "months_between",
            Func::DaysBetween => "days_between",
        }
    }

    /// True for the functions of dates (`year`, `years_between`, ...).
    pub fn is_date_function(self) -> bool {
        !matches!(self, Func::Min | Func::Max | Func::Sum | Func::Average)
    }

    /// Whether the function takes a range of years of a series (`sum` and `average` only
    /// take one; `min` and `max` take one or plain values).
    pub fn aggregates(self) -> bool {
        matches!(self, Func::Min | Func::Max | Func::Sum | Func::Average)
    }

    /// The function written `name`.
    pub fn from_name(name: &str) -> Option<Func> {
        [
            Func::Min,
            Func::Max,
            Func::Sum,
            Func::Average,
            Func::Year,
            Func::YearsBetween,
            Func::MonthsBetween,
            Func::DaysBetween,
        ]
        .into_iter()
        .find(|f| f.name() == name)
    }
}
