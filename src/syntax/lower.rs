//! Lowers pest's parse tree into the typed AST.
//!
//! Input: the pairs of one successfully parsed chunk and the chunk's byte offset. Output:
//! [`crate::ast`] items with whole-file spans, plus diagnostics for literals that parse but
//! mean nothing (a 30th of February, a 40-digit number) and for expressions too deep to check.
//! Guarantee: no pest type leaves this module; a bad literal becomes an `Error` node next to its
//! diagnostic, so the rest of the file is still checked.

use chrono::NaiveDate;
use pest::iterators::Pair;
use rust_decimal::Decimal;

use super::grammar::Rule;
use super::literal;
use crate::ast::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::units::Unit;

/// The deepest expression tree accepted (operators nested in operators).
pub const MAX_EXPR_DEPTH: usize = 200;

/// Lowering state for one chunk.
pub struct Lowerer<'d> {
    offset: usize,
    diags: &'d mut Vec<Diagnostic>,
}

type P<'i> = Pair<'i, Rule>;

mod series;

impl<'d> Lowerer<'d> {
    /// A lowerer for a chunk starting at byte `offset`, reporting into `diags`.
    pub fn new(offset: usize, diags: &'d mut Vec<Diagnostic>) -> Self {
        Lowerer { offset, diags }
    }

    /// The pair's span in the whole file, without the whitespace and comments pest lets a
    /// rule swallow after its last token.
    fn span(&self, p: &P<'_>) -> Span {
        let s = p.as_span();
        let end = s.start() + content_len(p.as_str());
        Span::new(self.offset + s.start(), self.offset + end)
    }

    fn name(&self, p: P<'_>) -> Name {
        // Names are compared in one form: two spellings of one character are one name.
        Node::new(crate::keys::name(p.as_str()).into_owned(), self.span(&p))
    }

    /// Lowers the `file` rule of one chunk into `items`.
    pub fn file(&mut self, file: P<'_>, items: &mut Vec<Item>) {
        for p in file.into_inner() {
            let span = self.span(&p);
            let item = match p.as_rule() {
                Rule::policy => Item::Policy(Node::new(self.policy(p), span)),
                Rule::input => Item::Input(Node::new(self.input(p), span)),
                Rule::enum_decl => {
                    let mut it = p.into_inner();
                    let name = self.name(next(&mut it));
                    let variants = self.variants(next(&mut it));
                    Item::Enum(Node::new(EnumDecl { name, variants }, span))
                }
                Rule::param => Item::Param(Node::new(self.param(p), span)),
                Rule::let_decl => Item::Let(Node::new(self.let_decl(p), span)),
                Rule::limit_decl => {
                    let mut it = p.into_inner();
                    let name = self.name(next(&mut it));
                    let amount = self.expr(next(&mut it));
                    let bound = self.bound(amount, &mut it);
                    Item::Limit(Node::new(LimitDecl { name, bound }, span))
                }
                Rule::table_decl => Item::Table(Node::new(self.table_decl(p), span)),
                Rule::clause => Item::Clause(Node::new(self.clause(p), span)),
                _ => continue, // EOI
            };
            items.push(item);
        }
    }

    fn string(&self, p: P<'_>) -> Node<String> {
        let span = self.span(&p);
        let inner = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
        Node::new(inner.to_string(), span)
    }

    fn date(&mut self, p: P<'_>) -> Node<NaiveDate> {
        let span = self.span(&p);
        match literal::date(p.as_str(), span) {
            Ok(d) => Node::new(d, span),
            Err(e) => {
                self.diags.push(e);
                Node::new(NaiveDate::MIN, span)
            }
        }
    }

    fn policy(&mut self, p: P<'_>) -> Policy {
        let mut it = p.into_inner();
        let document = self.string(next(&mut it));
        let mut items = Vec::new();
        for h in it {
            let span = self.span(&h);
            let rule = h.as_rule();
            let mut inner = h.into_inner();
            let item = match rule {
                Rule::title => HeaderItem::Title(self.string(next(&mut inner))),
                Rule::issued => HeaderItem::Issued(self.date(next(&mut inner))),
                Rule::effective => HeaderItem::Effective(self.window(next(&mut inner))),
                Rule::funding => HeaderItem::Funding(self.shares(inner)),
                Rule::same_matter => {
                    let r = next(&mut inner);
                    let v = if r.as_str() == "highest" {
                        SameMatter::Highest
                    } else {
                        SameMatter::Cumulative
                    };
                    HeaderItem::SameMatter(Node::new(v, self.span(&r)))
                }
                Rule::rounding => {
                    let step = self.expr(next(&mut inner));
                    let mode = inner.next().map(|m| {
                        let v = match m.as_str() {
                            "half_even" => RoundingMode::HalfEven,
                            "down" => RoundingMode::Down,
                            "up" => RoundingMode::Up,
                            _ => RoundingMode::HalfUp,
                        };
                        Node::new(v, self.span(&m))
                    });
                    HeaderItem::Rounding { step, mode }
                }
                Rule::split => {
                    let r = next(&mut inner);
                    let v = if r.as_str() == "per_subject" {
                        Split::PerSubject
                    } else {
                        Split::PerAward
                    };
                    HeaderItem::Split(Node::new(v, self.span(&r)))
                }
                Rule::budget => HeaderItem::Budget(
                    inner
                        .map(|line| {
                            let mut li = line.into_inner();
                            let y = next(&mut li);
                            let year_span = self.span(&y);
                            let year = literal::normalize_number(y.as_str()).parse().unwrap_or(0);
                            let amount = self.expr(next(&mut li));
                            let pro_rata = li.next().map(|p| self.span(&p));
                            BudgetLine {
                                year: Node::new(year, year_span),
                                amount,
                                pro_rata,
                            }
                        })
                        .collect(),
                ),
                _ => continue,
            };
            items.push(Node::new(item, span));
        }
        Policy { document, items }
    }

    fn window(&mut self, p: P<'_>) -> Window {
        let rule = p.as_rule();
        let mut it = p.into_inner();
        let start = self.date(next(&mut it));
        let second = next(&mut it);
        if rule == Rule::window_range {
            Window::Range(start, self.date(second))
        } else {
            let span = self.span(&second);
            let mut d = second.into_inner();
            let n = next(&mut d);
            let count = literal::normalize_number(n.as_str()).parse::<u32>();
            let unit = match next(&mut d).as_str() {
                "years" | "year" | "年" => DurationUnit::Years,
                _ => DurationUnit::Months,
            };
            let count = match count {
                Ok(c) if c <= 1000 => c,
                _ => {
                    self.diags.push(
                        Diagnostic::new(
                            Code::BadNumber,
                            span,
                            "this duration is not a whole number of at most 1000",
                        )
                        .label("not a usable duration")
                        .help("write a whole number of years or months, e.g. `for 1 year`"),
                    );
                    0
                }
            };
            Window::FromFor(start, Node::new(Duration { count, unit }, span))
        }
    }

    fn input(&mut self, p: P<'_>) -> InputBlock {
        let mut kinds = Vec::new();
        let mut fields = Vec::new();
        for part in p.into_inner() {
            if part.as_rule() == Rule::subject_kind {
                kinds.push(self.name(part));
                continue;
            }
            let span = self.span(&part);
            let mut fi = part.into_inner();
            let name = self.name(next(&mut fi));
            let ty_pair = next(&mut fi);
            let signed = is_signed(&ty_pair);
            let (ty, by_year) = self.type_expr(ty_pair);
            let by_year = by_year.is_some();
            let mut default = None;
            let mut doc = None;
            let mut range = None;
            for rest in fi {
                if rest.as_rule() == Rule::input_range {
                    range = Some(self.input_range(rest));
                } else if rest.as_rule() == Rule::field_default {
                    default = Some(self.expr(next(&mut rest.into_inner())));
                } else {
                    doc = Some(self.string(rest));
                }
            }
            fields.push(Node::new(
                Field {
                    name,
                    ty,
                    signed,
                    range,
                    by_year,
                    default,
                    doc,
                },
                span,
            ));
        }
        InputBlock { kinds, fields }
    }

    /// `in LOW..HIGH`: the bounds on either side of the dots, each optional.
    fn input_range(&mut self, p: P<'_>) -> Node<InputRange> {
        let span = self.span(&p);
        let (mut low, mut high) = (None, None);
        let mut after_dots = false;
        let mut text = String::new();
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::range_dots => {
                    after_dots = true;
                    text.push_str("..");
                }
                Rule::range_bound => {
                    // Full-width forms as their half-width twins, so the text is the same
                    // however the bound was typed (and `pol fmt` keeps it the same).
                    text.extend(part.as_str().chars().filter(|c| !c.is_whitespace()).map(
                        |c| match c {
                            '\u{FF01}'..='\u{FF5E}' => {
                                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
                            }
                            _ => c,
                        },
                    ));
                    let bound_span = self.span(&part);
                    let mut it = part.into_inner();
                    let first = next(&mut it);
                    let bound = if first.as_rule() == Rule::neg_op {
                        let inner = self.quantity(next(&mut it));
                        Node::new(ExprKind::Unary(UnaryOp::Neg, Box::new(inner)), bound_span)
                    } else {
                        self.quantity(first)
                    };
                    if after_dots {
                        high = Some(bound);
                    } else {
                        low = Some(bound);
                    }
                }
                _ => {}
            }
        }
        Node::new(InputRange { low, high, text }, span)
    }

    /// A declared type, and the span of its `by year` when it is a yearly series.
    fn type_expr(&mut self, p: P<'_>) -> (Node<TypeExpr>, Option<Span>) {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let mut inner = next(&mut it);
        if inner.as_rule() == Rule::signed {
            inner = next(&mut it);
        }
        let by_year = it
            .find(|x| x.as_rule() == Rule::by_year)
            .map(|x| self.span(&x));
        let ty = match inner.as_rule() {
            Rule::inline_enum => TypeExpr::InlineEnum(self.variants(next(&mut inner.into_inner()))),
            Rule::unit_type => {
                let u = next(&mut inner.into_inner());
                let (unit, _) = self.unit_of(u);
                TypeExpr::Quantity(unit)
            }
            _ => TypeExpr::Named(crate::keys::name(inner.as_str()).into_owned()),
        };
        (Node::new(ty, span), by_year)
    }

    /// The unit and scale factor of a `unit` pair (used in `quantity 亩` declarations).
    fn unit_of(&mut self, u: P<'_>) -> (Unit, Decimal) {
        let whole = self.span(&u);
        let atoms: Vec<(String, Span)> = u
            .into_inner()
            .map(|a| (a.as_str().to_string(), self.span(&a)))
            .collect();
        let percent = atoms.iter().any(|(t, _)| t == "%" || t == "％");
        let refs: Vec<(&str, Span)> = atoms.iter().map(|(t, s)| (t.as_str(), *s)).collect();
        match literal::quantity(
            ("1", whole),
            percent,
            if percent { &[] } else { &refs },
            whole,
        ) {
            Ok(l) => (l.unit, l.value),
            Err(e) => {
                self.diags.push(e);
                (Unit::none(), Decimal::ONE)
            }
        }
    }

    fn variants(&self, p: P<'_>) -> Vec<Name> {
        p.into_inner().map(|v| self.name(v)).collect()
    }

    fn param(&mut self, p: P<'_>) -> Param {
        let mut it = p.into_inner();
        let name = self.name(next(&mut it));
        let ty_pair = next(&mut it);
        let signed = is_signed(&ty_pair);
        let (ty, by_year) = self.type_expr(ty_pair);
        let mut value = ParamValue::Unspecified;
        let mut doc = None;
        for part in it {
            match part.as_rule() {
                Rule::param_value => {
                    value = ParamValue::Fixed(self.expr(next(&mut part.into_inner())))
                }
                Rule::param_dated => {
                    value = ParamValue::Dated(
                        part.into_inner()
                            .map(|dv| {
                                let mut di = dv.into_inner();
                                let d = self.date(next(&mut di));
                                let e = self.expr(next(&mut di));
                                (d, e)
                            })
                            .collect(),
                    )
                }
                _ => doc = Some(self.string(part)),
            }
        }
        Param {
            name,
            ty,
            by_year: by_year.is_some(),
            signed,
            value,
            doc,
        }
    }

    fn let_decl(&mut self, p: P<'_>) -> Let {
        let mut it = p.into_inner();
        let name = self.name(next(&mut it));
        let value = self.expr(next(&mut it));
        Let { name, value }
    }

    fn bound(&mut self, amount: Expr, it: &mut pest::iterators::Pairs<'_, Rule>) -> Bound {
        let per = self.name(next(&mut next(it).into_inner()));
        let per_year = it.next().is_some();
        Bound {
            amount,
            per,
            per_year,
        }
    }

    /// The shares of a `funding` line, in the header or a clause.
    fn shares(&mut self, shares: pest::iterators::Pairs<'_, Rule>) -> Vec<Share> {
        shares
            .map(|s| {
                let mut si = s.into_inner();
                let payer = self.name(next(&mut si));
                let share = self.expr(next(&mut si));
                Share { payer, share }
            })
            .collect()
    }

    fn clause(&mut self, p: P<'_>) -> Clause {
        let mut it = p.into_inner();
        let name = self.name(next(&mut it));
        let mut items = Vec::new();
        for ci in it {
            let span = self.span(&ci);
            let rule = ci.as_rule();
            let mut inner = ci.into_inner();
            let item = match rule {
                Rule::source => ClauseItem::Source(self.string(next(&mut inner))),
                Rule::department => ClauseItem::Department(inner.map(|s| self.string(s)).collect()),
                Rule::matter => ClauseItem::Matter(self.string(next(&mut inner))),
                Rule::item_line => ClauseItem::Item(self.string(next(&mut inner))),
                Rule::subject => ClauseItem::Subject(inner.map(|s| self.name(s)).collect()),
                Rule::per_claim => ClauseItem::PerClaim(self.name(next(&mut inner))),
                Rule::clause_effective => ClauseItem::Effective(self.window(next(&mut inner))),
                Rule::clause_funding => ClauseItem::Funding(self.shares(inner)),
                Rule::when => ClauseItem::When(self.expr(next(&mut inner))),
                Rule::award => {
                    let form = next(&mut inner);
                    let aspan = self.span(&form);
                    ClauseItem::Award(Node::new(self.award(form), aspan))
                }
                Rule::cap => {
                    let amount = self.expr(next(&mut inner));
                    ClauseItem::Cap(self.bound(amount, &mut inner))
                }
                Rule::clause_limit => {
                    let l = next(&mut inner);
                    if l.as_rule() == Rule::limit_ref {
                        ClauseItem::Limit(ClauseLimit::Ref(self.name(next(&mut l.into_inner()))))
                    } else {
                        let mut li = l.into_inner();
                        let amount = self.expr(next(&mut li));
                        ClauseItem::Limit(ClauseLimit::Inline(self.bound(amount, &mut li)))
                    }
                }
                Rule::let_decl => {
                    let l = self.let_decl_inner(inner);
                    ClauseItem::Let(Node::new(l, span))
                }
                Rule::stages => ClauseItem::Stages(inner.map(|s| self.stage(s)).collect()),
                Rule::once => {
                    let per = self.name(next(&mut next(&mut inner).into_inner()));
                    ClauseItem::Once(crate::ast::Once {
                        per,
                        matter: inner.next().is_some(),
                    })
                }
                Rule::run => ClauseItem::Run(self.run(inner)),
                _ => continue,
            };
            items.push(Node::new(item, span));
        }
        Clause { name, items }
    }

    /// `NAME: SHARE [when COND] [on DATE]`, the two last in either order.
    fn stage(&mut self, p: P<'_>) -> Node<Stage> {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = self.name(next(&mut it));
        let share = self.expr(next(&mut it));
        let (mut when, mut on) = (None, None);
        for part in it {
            let rule = part.as_rule();
            let Some(e) = part.into_inner().find(|q| q.as_rule() != Rule::kw_on) else {
                continue;
            };
            let e = self.expr(e);
            match rule {
                Rule::stage_when => when = Some(e),
                _ => on = Some(e),
            }
        }
        Node::new(
            Stage {
                name,
                share,
                when,
                on,
            },
            span,
        )
    }

    fn let_decl_inner(&mut self, mut it: pest::iterators::Pairs<'_, Rule>) -> Let {
        let name = self.name(next(&mut it));
        let value = self.expr(next(&mut it));
        Let { name, value }
    }

    fn award(&mut self, form: P<'_>) -> Award {
        let rule = form.as_rule();
        let mut it = form.into_inner();
        match rule {
            Rule::award_up_to => {
                let max = self.expr(next(&mut it));
                let assessed = it.next().map(|a| self.expr(a));
                Award::UpTo { max, assessed }
            }
            Rule::award_match => {
                let r = next(&mut it);
                let rspan = self.span(&r);
                let mut nums = r.into_inner().map(|n| {
                    let s = self.span(&n);
                    literal::parse_number(n.as_str(), s)
                });
                let ratio = match (nums.next(), nums.next()) {
                    (Some(Ok(a)), Some(Ok(b))) if !b.is_zero() => (a, b),
                    (Some(Err(e)), _) | (_, Some(Err(e))) => {
                        self.diags.push(e);
                        (Decimal::ONE, Decimal::ONE)
                    }
                    _ => {
                        self.diags.push(
                            Diagnostic::new(
                                Code::BadNumber,
                                rspan,
                                "a matching ratio cannot have 0 as its second number",
                            )
                            .label("divides by zero")
                            .help(
                                "write the ratio as award:base, e.g. `1:1` for one yuan per yuan",
                            ),
                        );
                        (Decimal::ONE, Decimal::ONE)
                    }
                };
                let base = self.expr(next(&mut it));
                Award::Match {
                    ratio: Node::new(ratio, rspan),
                    base,
                }
            }
            _ => {
                let first = self.expr(next(&mut it));
                match it.next() {
                    Some(base) => Award::Rate {
                        rate: first,
                        base: self.expr(base),
                    },
                    None => Award::Amount(first),
                }
            }
        }
    }

    // ------------------------------------------------------------------ expressions

    /// Lowers any expression rule.
    pub fn expr(&mut self, p: P<'_>) -> Expr {
        let (e, depth) = self.expr_d(p);
        if depth > MAX_EXPR_DEPTH {
            // Reported where it first crossed the limit; keep the outer levels cheap.
            return Node::new(ExprKind::Error, e.span);
        }
        e
    }

    fn too_deep(&mut self, span: Span) -> (Expr, usize) {
        self.diags.push(
            Diagnostic::new(
                Code::TooDeep,
                span,
                format!("this expression nests more than {MAX_EXPR_DEPTH} operations"),
            )
            .label("too long to check")
            .help("split it into several `let` bindings"),
        );
        (Node::new(ExprKind::Error, span), 0)
    }

    fn expr_d(&mut self, p: P<'_>) -> (Expr, usize) {
        // Most precedence levels hold a single operand: step through them without building
        // anything.
        let mut p = p;
        // A parenthesised operand keeps its brackets in its span, so quoting it reads right.
        let mut outer: Option<Span> = None;
        loop {
            if p.as_rule() == Rule::paren {
                outer = Some(self.span(&p));
            }
            let pass_through = match p.as_rule() {
                Rule::expr | Rule::paren => true,
                Rule::implication
                | Rule::disjunction
                | Rule::conjunction
                | Rule::negation
                | Rule::comparison
                | Rule::sum
                | Rule::product
                | Rule::unary => {
                    let mut inner = p.clone().into_inner();
                    inner.next();
                    inner.next().is_none()
                }
                _ => false,
            };
            if !pass_through {
                break;
            }
            p = next(&mut p.into_inner());
        }
        let (mut e, depth) = self.expr_level(p);
        if let Some(outer) = outer {
            e.span = outer;
        }
        (e, depth)
    }

    /// Lowers an expression rule that is not a pass-through level.
    fn expr_level(&mut self, p: P<'_>) -> (Expr, usize) {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::expr | Rule::paren => self.expr_d(next(&mut p.into_inner())),
            Rule::implication => {
                let parts: Vec<P<'_>> = p.into_inner().collect();
                self.right_chain(parts, span)
            }
            Rule::disjunction | Rule::conjunction | Rule::sum | Rule::product => {
                let parts: Vec<P<'_>> = p.into_inner().collect();
                self.left_chain(parts)
            }
            Rule::negation | Rule::unary => {
                let mut parts: Vec<P<'_>> = p.into_inner().collect();
                // Checked before building: dropping a very deep tree would itself recurse.
                if parts.len() > MAX_EXPR_DEPTH {
                    return self.too_deep(span);
                }
                let Some(last) = parts.pop() else {
                    return (Node::new(ExprKind::Error, span), 0);
                };
                let (mut e, mut d) = self.expr_d(last);
                for op in parts.into_iter().rev() {
                    let op_span = self.span(&op);
                    let u = if op.as_rule() == Rule::op_not {
                        UnaryOp::Not
                    } else {
                        UnaryOp::Neg
                    };
                    let s = op_span.to(e.span);
                    e = Node::new(ExprKind::Unary(u, Box::new(e)), s);
                    d += 1;
                }
                if d > MAX_EXPR_DEPTH {
                    return self.too_deep(span);
                }
                (e, d)
            }
            Rule::comparison => {
                let mut it = p.into_inner();
                let (lhs, dl) = self.expr_d(next(&mut it));
                let Some(op) = it.next() else {
                    return (lhs, dl);
                };
                if op.as_rule() == Rule::membership {
                    let mut mi = op.into_inner();
                    let negated = next(&mut mi).as_rule() == Rule::op_not_in;
                    let set = self.variants(next(&mut mi));
                    let e = ExprKind::In {
                        value: Box::new(lhs),
                        set,
                        negated,
                    };
                    return (Node::new(e, span), dl + 1);
                }
                let bop = Node::new(binop(op.as_str()), self.span(&op));
                let (rhs, dr) = self.expr_d(next(&mut it));
                let e = ExprKind::Binary(bop, Box::new(lhs), Box::new(rhs));
                (Node::new(e, span), dl.max(dr) + 1)
            }
            Rule::call => {
                let mut it = p.into_inner();
                let f = next(&mut it);
                // INVARIANT: the grammar's `func` rule lists exactly the names `Func` knows.
                let func = Func::from_name(f.as_str()).unwrap_or(Func::Max);
                let fnode = Node::new(func, self.span(&f));
                let mut depth = 0;
                let args = it
                    .map(|a| {
                        let (e, d) = self.expr_d(a);
                        depth = depth.max(d);
                        e
                    })
                    .collect();
                (Node::new(ExprKind::Call(fnode, args), span), depth + 1)
            }
            Rule::reference => {
                let name = crate::keys::name(p.as_str()).into_owned();
                (Node::new(ExprKind::Ref(name), span), 0)
            }
            Rule::event_date => (Node::new(ExprKind::EventDate, span), 0),
            Rule::event_year => (Node::new(ExprKind::EventYear, span), 0),
            Rule::index => self.index(p, span),
            Rule::conditional => {
                // The keywords are rules of their own, so the three parts are every other one.
                let mut parts = p.into_inner().filter(|x| x.as_rule() == Rule::expr);
                let mut part = |this: &mut Self| match parts.next() {
                    Some(x) => this.expr_d(x),
                    // INVARIANT: the grammar gives `if` three expressions.
                    None => (Node::new(ExprKind::Error, span), 0),
                };
                let (cond, d1) = part(self);
                let (then, d2) = part(self);
                let (otherwise, d3) = part(self);
                let e = ExprKind::If {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                };
                (Node::new(e, span), d1.max(d2).max(d3) + 1)
            }
            Rule::boolean => (Node::new(ExprKind::Bool(p.as_str() == "true"), span), 0),
            Rule::string => {
                let s = self.string(p);
                (Node::new(ExprKind::Text(s.node), span), 0)
            }
            Rule::date => {
                let d = self.date(p);
                let kind = if d.node == NaiveDate::MIN {
                    ExprKind::Error
                } else {
                    ExprKind::Date(d.node)
                };
                (Node::new(kind, span), 0)
            }
            Rule::quantity => (self.quantity(p), 0),
            Rule::table => {
                let mut it = p.into_inner();
                let (key, depth) = self.expr_d(next(&mut it));
                let (rows, d) = self.table_rows(it);
                let e = ExprKind::Table {
                    key: Box::new(key),
                    rows,
                };
                (Node::new(e, span), depth.max(d) + 1)
            }
            Rule::bracket => {
                let mut it = p.into_inner();
                let (value, depth) = self.expr_d(next(&mut it));
                let (rows, d) = self.bracket_rows(it);
                let e = ExprKind::Bracket {
                    value: Box::new(value),
                    rows,
                };
                (Node::new(e, span), depth.max(d) + 1)
            }
            Rule::lookup => {
                let mut it = p.into_inner();
                let table = self.name(next(&mut it));
                let mut depth = 0;
                let args = it
                    .map(|a| {
                        let (e, d) = self.expr_d(a);
                        depth = depth.max(d);
                        e
                    })
                    .collect();
                (Node::new(ExprKind::Lookup { table, args }, span), depth + 1)
            }
            _ => (Node::new(ExprKind::Error, span), 0),
        }
    }

    /// The rows of a tier table (`table_row` pairs), with the depth of the deepest value.
    fn table_rows<'i>(
        &mut self,
        rows: impl Iterator<Item = P<'i>>,
    ) -> (Vec<(RowKey, Expr)>, usize) {
        let mut depth = 0;
        let rows = rows
            .map(|row| {
                let mut ri = row.into_inner();
                let k = next(&mut ri);
                let label = match k.as_rule() {
                    Rule::variant => RowKey::Variant(self.name(k)),
                    Rule::boolean => RowKey::Bool(Node::new(k.as_str() == "true", self.span(&k))),
                    _ => RowKey::Else,
                };
                let (v, d) = self.expr_d(next(&mut ri));
                depth = depth.max(d);
                (label, v)
            })
            .collect();
        (rows, depth)
    }

    /// The rows of a bracket (`bracket_row` pairs), with the depth of the deepest expression.
    fn bracket_rows<'i>(&mut self, rows: impl Iterator<Item = P<'i>>) -> (Vec<BracketRow>, usize) {
        let mut depth = 0;
        let rows = rows
            .map(|row| {
                let row_span = self.span(&row);
                let mut lower = None;
                let mut upper = None;
                let mut value = Node::new(ExprKind::Error, row_span);
                for part in row.into_inner() {
                    match part.as_rule() {
                        Rule::lower_bound | Rule::upper_bound => {
                            let is_lower = part.as_rule() == Rule::lower_bound;
                            let mut bi = part.into_inner();
                            let op = next(&mut bi).as_str().to_string();
                            let (v, d) = self.expr_d(next(&mut bi));
                            depth = depth.max(d);
                            let inclusive = matches!(op.as_str(), ">=" | "≥" | "<=" | "≤");
                            let t = Threshold {
                                inclusive,
                                value: v,
                            };
                            if is_lower {
                                lower = Some(t);
                            } else {
                                upper = Some(t);
                            }
                        }
                        _ => {
                            let (v, d) = self.expr_d(part);
                            depth = depth.max(d);
                            value = v;
                        }
                    }
                }
                BracketRow {
                    lower,
                    upper,
                    value,
                    span: row_span,
                }
            })
            .collect();
        (rows, depth)
    }

    /// `table NAME = bracket { ... }` or `table NAME = by { ... }`.
    fn table_decl(&mut self, p: P<'_>) -> TableDecl {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = self.name(next(&mut it));
        let body = next(&mut it);
        let (rows, depth) = if body.as_rule() == Rule::named_bracket {
            let (rows, d) = self.bracket_rows(body.into_inner());
            (TableRows::Bracket(rows), d)
        } else {
            let (rows, d) = self.table_rows(body.into_inner());
            (TableRows::Tier(rows), d)
        };
        if depth + 1 > MAX_EXPR_DEPTH {
            self.too_deep(span);
            return TableDecl {
                name,
                rows: TableRows::Tier(Vec::new()),
            };
        }
        TableDecl { name, rows }
    }

    /// `a op b op c` grouped from the left; operands and operators alternate in `parts`.
    fn left_chain(&mut self, parts: Vec<P<'_>>) -> (Expr, usize) {
        let mut it = parts.into_iter();
        let Some(first) = it.next() else {
            return (Node::new(ExprKind::Error, Span::default()), 0);
        };
        let (mut acc, mut depth) = self.expr_d(first);
        while let (Some(op), Some(rhs)) = (it.next(), it.next()) {
            let bop = Node::new(binop(op.as_str()), self.span(&op));
            let (r, dr) = self.expr_d(rhs);
            let span = acc.span.to(r.span);
            acc = Node::new(ExprKind::Binary(bop, Box::new(acc), Box::new(r)), span);
            depth = depth.max(dr) + 1;
            if depth > MAX_EXPR_DEPTH {
                return self.too_deep(span);
            }
        }
        (acc, depth)
    }

    /// `a implies b implies c` grouped from the right.
    fn right_chain(&mut self, parts: Vec<P<'_>>, span: Span) -> (Expr, usize) {
        if parts.len() > 2 * MAX_EXPR_DEPTH {
            return self.too_deep(span);
        }
        let mut it = parts.into_iter().rev();
        let Some(last) = it.next() else {
            return (Node::new(ExprKind::Error, span), 0);
        };
        let (mut acc, mut depth) = self.expr_d(last);
        while let (Some(op), Some(lhs)) = (it.next(), it.next()) {
            let bop = Node::new(binop(op.as_str()), self.span(&op));
            let (l, dl) = self.expr_d(lhs);
            let s = l.span.to(acc.span);
            acc = Node::new(ExprKind::Binary(bop, Box::new(l), Box::new(acc)), s);
            depth = depth.max(dl) + 1;
        }
        (acc, depth)
    }

    fn quantity(&mut self, p: P<'_>) -> Expr {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let num = next(&mut it);
        let num_span = self.span(&num);
        let num_text = num.as_str();
        let mut percent = false;
        let mut atoms: Vec<(String, Span)> = Vec::new();
        if let Some(u) = it.next() {
            for a in u.into_inner() {
                if a.as_rule() == Rule::percent {
                    percent = true;
                } else {
                    atoms.push((a.as_str().to_string(), self.span(&a)));
                }
            }
        }
        let refs: Vec<(&str, Span)> = atoms.iter().map(|(t, s)| (t.as_str(), *s)).collect();
        match literal::quantity((num_text, num_span), percent, &refs, span) {
            Ok(l) => Node::new(ExprKind::Number(l), span),
            Err(e) => {
                self.diags.push(e);
                Node::new(ExprKind::Error, span)
            }
        }
    }
}

/// The length of `text` without trailing whitespace and trailing `#` comments.
fn content_len(text: &str) -> usize {
    let mut t = text.trim_end();
    loop {
        let line_start = t.rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&t[line_start..]) {
            Some(i) => t = t[..line_start + i].trim_end(),
            None => return t.len(),
        }
    }
}

/// Where a `#` comment starts on one line, ignoring `#` inside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut close: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (close, c) {
            (None, '#') => return Some(i),
            (None, '"') => close = Some('"'),
            (None, '“') => close = Some('”'),
            (Some(q), c) if c == q => close = None,
            _ => {}
        }
    }
    None
}

fn binop(text: &str) -> BinOp {
    match text {
        "+" | "＋" => BinOp::Add,
        "-" | "－" => BinOp::Sub,
        "*" | "×" | "＊" => BinOp::Mul,
        "/" | "÷" | "／" => BinOp::Div,
        "<" | "＜" => BinOp::Lt,
        "<=" | "≤" => BinOp::Le,
        ">" | "＞" => BinOp::Gt,
        ">=" | "≥" => BinOp::Ge,
        "==" => BinOp::Eq,
        "!=" | "≠" => BinOp::Ne,
        "or" => BinOp::Or,
        "implies" | "=>" => BinOp::Implies,
        _ => BinOp::And,
    }
}

/// The next pair of a rule whose shape the grammar guarantees.
fn next<'i>(it: &mut pest::iterators::Pairs<'i, Rule>) -> P<'i> {
    // INVARIANT: callers only ask for children the grammar makes mandatory; pest only hands
    // us trees that match the grammar.
    #[allow(clippy::expect_used)]
    it.next().expect("grammar guarantees this child")
}

/// Whether a declared type (`type_expr`) is written `signed ...`.
fn is_signed(ty: &P<'_>) -> bool {
    ty.clone()
        .into_inner()
        .next()
        .is_some_and(|x| x.as_rule() == Rule::signed)
}

#[cfg(test)]
mod tests {
    use super::content_len;

    #[test]
    fn trailing_space_and_comments_are_not_content() {
        assert_eq!(content_len("award 20万元\n  "), "award 20万元".len());
        assert_eq!(content_len("when a # why\n  # more\n"), "when a".len());
        assert_eq!(content_len("source \"#1\" # c"), "source \"#1\"".len());
    }

    /// The fields of the one input declared in `text`.
    fn field(text: &str) -> crate::ast::Field {
        let parsed = crate::syntax::parse(text);
        assert!(parsed.is_ok(), "{:?}", parsed.diagnostics);
        parsed
            .file
            .items
            .iter()
            .find_map(|i| match i {
                crate::ast::Item::Input(b) => Some(b.node.fields[0].node.clone()),
                _ => None,
            })
            .expect("an input")
    }

    #[test]
    fn a_range_keeps_its_bounds_and_a_half_width_text() {
        let f = field("input enterprise { a: signed money in －5万元 .. １亿元 = 0元 }");
        let r = f.range.expect("a range").node;
        assert_eq!(r.text, "-5万元..1亿元");
        let low = r.low.and_then(|e| e.as_constant()).map(|(v, _)| v);
        assert_eq!(low, Some(rust_decimal::Decimal::from(-50_000)));
        let high = r.high.and_then(|e| e.as_constant()).map(|(v, _)| v);
        assert_eq!(high, Some(rust_decimal::Decimal::from(100_000_000)));
        assert!(f.default.is_some());

        let open = field("input enterprise { n: count in ..5 }")
            .range
            .unwrap()
            .node;
        assert!(open.low.is_none() && open.high.is_some());
        assert_eq!(open.text, "..5");
    }
}
