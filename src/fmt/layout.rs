//! The canonical layout of each construct.
//!
//! Blocks (`policy`, `input`, `clause`) always take one line per item, indented by two
//! spaces, and are set apart from their neighbours by a blank line. Brace lists (funding,
//! budget, enum variants, dated values, tables, brackets, named tables) and `min`/`max` calls
//! stay on one line when they fit in [`super::printer::WIDTH`] display columns and hold no
//! comment, and otherwise take one row (or argument) per line. A long `when` or `let` condition is broken before each
//! top-level `and`, `or` or `implies`, the continuation lines indented one space past the item.

use super::expr::{self, braces, date, names, quoted, Flat};
use super::printer::Printer;
use crate::ast::{
    Award, BinOp, Bound, BracketRow, Clause, ClauseItem, ClauseLimit, Expr, ExprKind, File, Func,
    HeaderItem, InputBlock, Item, Name, Node, Param, ParamValue, Policy, RoundingMode, RowKey,
    SameMatter, Span, Split, TableRows, TypeExpr,
};

/// Lays out a whole file.
pub struct Layout<'s> {
    p: Printer<'s>,
    flat: Flat<'s>,
}

/// Where each of `spans` is followed by the next one's start, the last by `end`.
fn nexts(starts: impl Iterator<Item = usize>, end: usize) -> Vec<usize> {
    let mut v: Vec<usize> = starts.skip(1).collect();
    v.push(end);
    v
}

/// One row of a brace list: the source it stands for and its text.
struct Row {
    span: Span,
    text: String,
}

impl<'s> Layout<'s> {
    /// A layout of `source`, whose comments are `comments`.
    pub fn new(source: &'s str, comments: Vec<super::comments::Comment>) -> Self {
        Layout {
            p: Printer::new(source, comments),
            flat: Flat { source },
        }
    }

    /// Lays out `file` and returns the text.
    pub fn file(mut self, file: &File) -> String {
        let spans: Vec<Span> = file.items.iter().map(Item::span).collect();
        let next = nexts(spans.iter().map(|s| s.start), usize::MAX);
        let mut previous_block = false;
        for (item, next) in file.items.iter().zip(next) {
            let block = matches!(item, Item::Policy(_) | Item::Input(_) | Item::Clause(_));
            if block || previous_block {
                self.p.blank_line_next();
            }
            previous_block = block;
            self.item(item, next);
        }
        self.p.finish()
    }

    fn item(&mut self, item: &Item, next: usize) {
        match item {
            Item::Policy(n) => self.policy(&n.node, n.span, next),
            Item::Input(n) => self.input(&n.node, n.span, next),
            Item::Enum(n) => {
                let head = format!("enum {}", n.node.name.node);
                self.list(n.span, next, &head, variant_rows(&n.node.variants), "");
            }
            Item::Param(n) => self.param(&n.node, n.span, next),
            Item::Let(n) => {
                let prefix = format!("let {} = ", n.node.name.node);
                self.chain(n.span, next, &prefix, &n.node.value);
            }
            Item::Limit(n) => {
                let prefix = format!("limit {}: ", n.node.name.node);
                self.bound(n.span, next, &prefix, &n.node.bound);
            }
            Item::Table(n) => {
                let name = &n.node.name.node;
                let (head, rows) = match &n.node.rows {
                    TableRows::Bracket(r) => {
                        (format!("table {name} = bracket"), self.bracket_rows(r))
                    }
                    TableRows::Tier(r) => (format!("table {name} = by"), self.tier_rows(r)),
                };
                self.list(n.span, next, &head, rows, "");
            }
            Item::Clause(n) => self.clause(&n.node, n.span, next),
        }
    }

    /// The rows of a tier table, each spanning its label and value.
    fn tier_rows(&self, rows: &[(RowKey, Expr)]) -> Vec<Row> {
        rows.iter()
            .map(|row| Row {
                span: row.0.span().map_or(row.1.span, |s| s.to(row.1.span)),
                text: self.flat.table_row(row),
            })
            .collect()
    }

    /// The rows of a bracket.
    fn bracket_rows(&self, rows: &[BracketRow]) -> Vec<Row> {
        rows.iter()
            .map(|row| Row {
                span: row.span,
                text: self.flat.bracket_row(row),
            })
            .collect()
    }

    /// A block: `head {`, its items one per line, `}`; `head {}` when empty.
    fn block<T>(
        &mut self,
        span: Span,
        next: usize,
        head: &str,
        items: &[Node<T>],
        mut each: impl FnMut(&mut Self, &Node<T>, usize),
    ) {
        if items.is_empty() && !self.p.has_comment_in(span) {
            self.p.line(span, next, &format!("{head} {{}}"));
            return;
        }
        let first = items.first().map_or(span.end, |i| i.span.start);
        self.p.open(span.start, first, &format!("{head} {{"));
        let inner_next = nexts(items.iter().map(|i| i.span.start), span.end);
        for (it, n) in items.iter().zip(inner_next) {
            each(self, it, n);
        }
        self.p.close(span.end, next, "}");
    }

    fn policy(&mut self, policy: &Policy, span: Span, next: usize) {
        let head = format!("policy {}", quoted(&policy.document.node));
        self.block(span, next, &head, &policy.items, |me, item, next| {
            me.header_item(item, next)
        });
    }

    fn header_item(&mut self, item: &Node<HeaderItem>, next: usize) {
        let span = item.span;
        let text = match &item.node {
            HeaderItem::Title(t) => format!("title {}", quoted(&t.node)),
            HeaderItem::Issued(d) => format!("issued {}", date(&d.node)),
            HeaderItem::Effective(w) => format!("effective {}", self.flat.window(w)),
            HeaderItem::SameMatter(m) => match m.node {
                SameMatter::Highest => "same_matter highest".to_string(),
                SameMatter::Cumulative => "same_matter cumulative".to_string(),
            },
            HeaderItem::Rounding { step, mode } => {
                let mode = mode.as_ref().map_or("", |m| match m.node {
                    RoundingMode::HalfUp => " half_up",
                    RoundingMode::HalfEven => " half_even",
                    RoundingMode::Down => " down",
                    RoundingMode::Up => " up",
                });
                format!("rounding {}{mode}", self.flat.expr(step, 0))
            }
            HeaderItem::Split(s) => match s.node {
                Split::PerAward => "split per_award".to_string(),
                Split::PerSubject => "split per_subject".to_string(),
            },
            HeaderItem::Funding(shares) => return self.funding(shares, span, next),
            HeaderItem::Budget(lines) => {
                let rows = lines
                    .iter()
                    .map(|l| Row {
                        span: l.year.span.to(l.pro_rata.unwrap_or(l.amount.span)),
                        text: format!(
                            "{}: {}{}",
                            l.year.node,
                            self.flat.expr(&l.amount, 0),
                            if l.pro_rata.is_some() {
                                " pro_rata"
                            } else {
                                ""
                            }
                        ),
                    })
                    .collect();
                return self.list(span, next, "budget", rows, "");
            }
        };
        self.p.line(span, next, &text);
    }

    /// A `funding` line, in the header or a clause: one row per payer.
    fn funding(&mut self, shares: &[crate::ast::Share], span: Span, next: usize) {
        let rows = shares
            .iter()
            .map(|s| Row {
                span: s.payer.span.to(s.share.span),
                text: format!("{}: {}", s.payer.node, self.flat.expr(&s.share, 0)),
            })
            .collect();
        self.list(span, next, "funding", rows, "");
    }

    fn input(&mut self, input: &InputBlock, span: Span, next: usize) {
        let head = format!("input {}", names(&input.kinds));
        self.block(span, next, &head, &input.fields, |me, field, next| {
            let f = &field.node;
            let mut tail = String::new();
            if f.by_year {
                tail.push_str(" by year");
            }
            if let Some(r) = &f.range {
                // Each side as the expression printer writes a number; an open side stays empty.
                let side =
                    |b: &Option<Expr>| b.as_ref().map_or(String::new(), |e| me.flat.expr(e, 0));
                tail.push_str(&format!(
                    " in {}..{}",
                    side(&r.node.low),
                    side(&r.node.high)
                ));
            }
            if let Some(d) = &f.default {
                tail.push_str(" = ");
                tail.push_str(&me.flat.expr(d, 0));
            }
            if let Some(doc) = &f.doc {
                tail.push(' ');
                tail.push_str(&quoted(&doc.node));
            }
            if let TypeExpr::InlineEnum(variants) = &f.ty.node {
                // A long list of variants takes one line each, like an enum declaration.
                let signed = if f.signed { "signed " } else { "" };
                let head = format!("{}: {signed}enum", f.name.node);
                return me.list(field.span, next, &head, variant_rows(variants), &tail);
            }
            let ty = me.flat.type_expr(&f.ty, f.signed);
            me.p.line(field.span, next, &format!("{}: {ty}{tail}", f.name.node));
        });
    }

    fn param(&mut self, param: &Param, span: Span, next: usize) {
        let head = format!(
            "param {}: {}{}",
            param.name.node,
            self.flat.type_expr(&param.ty, param.signed),
            if param.by_year { " by year" } else { "" }
        );
        let doc = param
            .doc
            .as_ref()
            .map_or(String::new(), |d| format!(" {}", quoted(&d.node)));
        match &param.value {
            ParamValue::Unspecified => self.p.line(span, next, &format!("{head}{doc}")),
            ParamValue::Fixed(e) => self.expr_item(span, next, &format!("{head} = "), e, &doc),
            ParamValue::Dated(values) => {
                let rows = values
                    .iter()
                    .map(|(d, e)| Row {
                        span: d.span.to(e.span),
                        text: format!("{}: {}", date(&d.node), self.flat.expr(e, 0)),
                    })
                    .collect();
                self.list(span, next, &head, rows, &doc);
            }
        }
    }

    fn clause(&mut self, clause: &Clause, span: Span, next: usize) {
        let head = format!("clause {}", clause.name.node);
        self.block(span, next, &head, &clause.items, |me, item, next| {
            me.clause_item(item, next)
        });
    }

    fn clause_item(&mut self, item: &Node<ClauseItem>, next: usize) {
        let span = item.span;
        let text = match &item.node {
            ClauseItem::Source(s) => format!("source {}", quoted(&s.node)),
            ClauseItem::Department(ds) => {
                let ds: Vec<String> = ds.iter().map(|d| quoted(&d.node)).collect();
                format!("department {}", ds.join(", "))
            }
            ClauseItem::Matter(m) => format!("matter {}", quoted(&m.node)),
            ClauseItem::Item(m) => format!("item {}", quoted(&m.node)),
            ClauseItem::Subject(kinds) => format!("subject {}", names(kinds)),
            ClauseItem::PerClaim(k) => format!("per {}", k.node),
            ClauseItem::Run(r) => crate::fmt::expr::run(r),
            ClauseItem::Effective(w) => format!("effective {}", self.flat.window(w)),
            ClauseItem::When(e) => return self.chain(span, next, "when ", e),
            ClauseItem::Let(l) => {
                let prefix = format!("let {} = ", l.node.name.node);
                return self.chain(span, next, &prefix, &l.node.value);
            }
            ClauseItem::Cap(b) => return self.bound(span, next, "cap ", b),
            ClauseItem::Limit(ClauseLimit::Inline(b)) => {
                return self.bound(span, next, "limit ", b)
            }
            ClauseItem::Limit(ClauseLimit::Ref(n)) => format!("limit {}", n.node),
            ClauseItem::Stages(list) => return self.stages(span, next, list),
            ClauseItem::Once(o) => {
                let matter = if o.matter { " and matter" } else { "" };
                format!("once per {}{matter}", o.per.node)
            }
            ClauseItem::Funding(shares) => return self.funding(shares, span, next),
            ClauseItem::Award(a) => match &a.node {
                Award::Amount(e) => return self.expr_item(span, next, "award ", e, ""),
                Award::Rate { rate, base } => {
                    let prefix = format!("award {} of ", self.flat.expr(rate, 0));
                    return self.expr_item(span, next, &prefix, base, "");
                }
                Award::UpTo { max, assessed } => {
                    let mut t = format!("award up to {}", self.flat.expr(max, 0));
                    if let Some(a) = assessed {
                        t.push_str(" assessed ");
                        t.push_str(&self.flat.expr(a, 0));
                    }
                    t
                }
                Award::Match { ratio, base } => {
                    let (a, b) = ratio.node;
                    let prefix = format!("award match {a}:{b} of ");
                    return self.expr_item(span, next, &prefix, base, "");
                }
            },
        };
        self.p.line(span, next, &text);
    }

    /// `PREFIX AMOUNT per KIND [per year]`, for caps and limits.
    fn bound(&mut self, span: Span, next: usize, prefix: &str, bound: &Bound) {
        let year = if bound.per_year { " per year" } else { "" };
        let suffix = format!(" per {}{year}", bound.per.node);
        self.expr_item(span, next, prefix, &bound.amount, &suffix);
    }

    /// A brace list: on one line when it fits and holds no comment, else one row per line.
    /// `stages { NAME: SHARE [when COND] [on DATE], ... }`, one row per stage when it does not
    /// fit on one line.
    fn stages(&mut self, span: Span, next: usize, list: &[Node<crate::ast::Stage>]) {
        let rows = list
            .iter()
            .map(|s| {
                let st = &s.node;
                let mut text = format!("{}: {}", st.name.node, self.flat.expr(&st.share, 0));
                if let Some(w) = &st.when {
                    text.push_str(" when ");
                    text.push_str(&self.flat.expr(w, 0));
                }
                if let Some(on) = &st.on {
                    text.push_str(" on ");
                    text.push_str(&self.flat.expr(on, 0));
                }
                Row { span: s.span, text }
            })
            .collect();
        self.list(span, next, "stages", rows, "");
    }

    fn list(&mut self, span: Span, next: usize, head: &str, rows: Vec<Row>, tail: &str) {
        let texts: Vec<String> = rows.iter().map(|r| r.text.clone()).collect();
        let one_line = format!("{head} {}{tail}", braces(&texts));
        let parts: Vec<Span> = rows.iter().map(|r| r.span).collect();
        if self.p.fits(&one_line) && !self.p.has_comment_between(span, &parts) {
            self.p.line(span, next, &one_line);
            return;
        }
        let first = rows.first().map_or(span.end, |r| r.span.start);
        self.p.open(span.start, first, &format!("{head} {{"));
        let row_next = nexts(rows.iter().map(|r| r.span.start), span.end);
        for (row, n) in rows.iter().zip(row_next) {
            self.p.line(row.span, n, &row.text);
        }
        self.p.close(span.end, next, &format!("}}{tail}"));
    }

    /// An item made of `prefix`, an expression and `suffix`; a table or bracket that does not
    /// fit on the line is broken into rows.
    fn expr_item(&mut self, span: Span, next: usize, prefix: &str, e: &Expr, suffix: &str) {
        let rows: Vec<Row>;
        let head = match &e.node {
            ExprKind::Table { key, rows: r } => {
                rows = self.tier_rows(r);
                self.flat.table_head(key)
            }
            ExprKind::Bracket { value, rows: r } => {
                rows = self.bracket_rows(r);
                self.flat.bracket_head(value)
            }
            ExprKind::Call(func, args) => {
                let text = format!("{prefix}{}{suffix}", self.flat.expr(e, 0));
                let spans: Vec<Span> = args.iter().map(|a| a.span).collect();
                if self.p.fits(&text) && !self.p.has_comment_between(e.span, &spans) {
                    return self.p.line(span, next, &text);
                }
                return self.call(span, next, prefix, func.node, args, suffix);
            }
            _ => {
                let text = format!("{prefix}{}{suffix}", self.flat.expr(e, 0));
                return self.p.line(span, next, &text);
            }
        };
        self.list(span, next, &format!("{prefix}{head}"), rows, suffix);
    }

    /// `PREFIX min(` or `max(`, one argument per line (each laid out like an item of its own, so
    /// a long argument breaks in turn), then `)SUFFIX`: for a call too wide for one line or with
    /// a comment between its arguments.
    fn call(
        &mut self,
        span: Span,
        next: usize,
        prefix: &str,
        func: Func,
        args: &[Expr],
        suffix: &str,
    ) {
        let name = func.name();
        let first = args.first().map_or(span.end, |a| a.span.start);
        self.p.open(span.start, first, &format!("{prefix}{name}("));
        let arg_next = nexts(args.iter().map(|a| a.span.start), span.end);
        for (arg, n) in args.iter().zip(arg_next) {
            self.expr_item(arg.span, n, "", arg, ",");
        }
        self.p.close(span.end, next, &format!("){suffix}"));
    }

    /// `PREFIX CONDITION`, broken before each top-level `and`/`or`/`implies` when too long
    /// or when a comment sits inside it.
    fn chain(&mut self, span: Span, next: usize, prefix: &str, e: &Expr) {
        let one_line = format!("{prefix}{}", self.flat.expr(e, 0));
        let op = match &e.node {
            ExprKind::Binary(op, _, _)
                if matches!(op.node, BinOp::And | BinOp::Or | BinOp::Implies) =>
            {
                op.node
            }
            _ => return self.expr_item(span, next, prefix, e, ""),
        };
        let parts = operands(e, op);
        let spans: Vec<Span> = parts.iter().map(|(_, x)| x.span).collect();
        if self.p.fits(&one_line) && !self.p.has_comment_between(e.span, &spans) {
            return self.p.line(span, next, &one_line);
        }
        // Each operand is written as a whole, so it needs the binding of the chain's operator
        // on both sides.
        let min = match op {
            BinOp::And => expr::operand_precedence(BinOp::And).1,
            BinOp::Or => expr::operand_precedence(BinOp::Or).1,
            _ => expr::operand_precedence(BinOp::Implies).0,
        };
        let starts: Vec<usize> = parts
            .iter()
            .map(|(op_span, operand)| op_span.map_or(operand.span.start, |s| s.start))
            .collect();
        let part_next = nexts(starts.iter().copied(), next);
        for (i, ((_, operand), n)) in parts.iter().zip(part_next).enumerate() {
            let text = self.flat.expr(operand, min);
            if i == 0 {
                let first = Span::new(span.start, operand.span.end);
                self.p.line_at(first, 0, n, &format!("{prefix}{text}"));
            } else {
                let part = Span::new(starts[i], operand.span.end);
                self.p
                    .line_at(part, 1, n, &format!("{} {text}", op.symbol()));
            }
        }
    }
}

fn variant_rows(variants: &[Name]) -> Vec<Row> {
    variants
        .iter()
        .map(|v| Row {
            span: v.span,
            text: v.node.clone(),
        })
        .collect()
}

/// The operands of a chain of `op` (grouped from the left, or from the right for
/// `implies`), each with the span of the operator before it.
fn operands(e: &Expr, op: BinOp) -> Vec<(Option<Span>, &Expr)> {
    let mut out = Vec::new();
    if op == BinOp::Implies {
        let mut cur = e;
        let mut before: Option<Span> = None;
        while let ExprKind::Binary(o, l, r) = &cur.node {
            if o.node != op {
                break;
            }
            out.push((before, l.as_ref()));
            before = Some(o.span);
            cur = r;
        }
        out.push((before, cur));
    } else {
        let mut cur = e;
        while let ExprKind::Binary(o, l, r) = &cur.node {
            if o.node != op {
                break;
            }
            out.push((Some(o.span), r.as_ref()));
            cur = l;
        }
        out.push((None, cur));
        out.reverse();
    }
    out
}
