//! Expressions and small pieces of syntax written out on one line.
//!
//! The syntax tree keeps no parentheses, so they are put back from precedence: an operand is
//! wrapped exactly when the grammar would otherwise group it differently. Numbers keep the
//! digits and unit staff wrote (`20万元` stays `20万元`), with full-width characters made
//! half-width.

use crate::ast::{
    BinOp, BracketRow, Duration, DurationUnit, Expr, ExprKind, Name, Node, RowKey, TypeExpr,
    UnaryOp, Window, Years,
};

/// Binding strength, loosest first, as the grammar's rules nest.
mod prec {
    pub const CONDITIONAL: u8 = 0;
    pub const IMPLIES: u8 = 1;
    pub const OR: u8 = 2;
    pub const AND: u8 = 3;
    pub const NOT: u8 = 4;
    pub const COMPARE: u8 = 5;
    pub const SUM: u8 = 6;
    pub const PRODUCT: u8 = 7;
    pub const NEG: u8 = 8;
    pub const PRIMARY: u8 = 9;
}

/// Writes pieces of the tree as text, reading literals back from `source`.
pub struct Flat<'s> {
    /// The text the tree was parsed from.
    pub source: &'s str,
}

fn precedence(e: &Expr) -> u8 {
    match &e.node {
        ExprKind::Binary(op, _, _) => match op.node {
            BinOp::Implies => prec::IMPLIES,
            BinOp::Or => prec::OR,
            BinOp::And => prec::AND,
            BinOp::Add | BinOp::Sub => prec::SUM,
            BinOp::Mul | BinOp::Div => prec::PRODUCT,
            _ => prec::COMPARE,
        },
        ExprKind::In { .. } => prec::COMPARE,
        ExprKind::Unary(UnaryOp::Not, _) => prec::NOT,
        ExprKind::Unary(UnaryOp::Neg, _) => prec::NEG,
        // Its `else` reaches as far as an expression goes: as an operand it needs brackets.
        ExprKind::If { .. } => prec::CONDITIONAL,
        _ => prec::PRIMARY,
    }
}

/// The binding each side of `op` needs to go without parentheses.
pub fn operand_precedence(op: BinOp) -> (u8, u8) {
    match op {
        // Grouped from the right: `a implies b implies c` is `a implies (b implies c)`.
        BinOp::Implies => (prec::OR, prec::IMPLIES),
        BinOp::Or => (prec::OR, prec::AND),
        BinOp::And => (prec::AND, prec::NOT),
        BinOp::Add | BinOp::Sub => (prec::SUM, prec::PRODUCT),
        BinOp::Mul | BinOp::Div => (prec::PRODUCT, prec::NEG),
        // A comparison's operands are sums; comparisons do not chain.
        _ => (prec::SUM, prec::SUM),
    }
}

/// Text in quotes: ASCII quotes unless the text holds one, then Chinese quotes.
pub fn quoted(text: &str) -> String {
    if text.contains('"') {
        format!("“{text}”")
    } else {
        format!("\"{text}\"")
    }
}

/// Full-width digits and punctuation of a literal, made half-width.
fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '，' => ',',
            '％' => '%',
            '／' => '/',
            '：' => ':',
            c => c,
        })
        .collect()
}

/// A list of names separated by commas.
pub fn names(list: &[Name]) -> String {
    let v: Vec<&str> = list.iter().map(|n| n.node.as_str()).collect();
    v.join(", ")
}

/// A brace-enclosed list of names on one line (`{ a, b }`, or `{}` when empty).
pub fn name_set(list: &[Name]) -> String {
    if list.is_empty() {
        "{}".to_string()
    } else {
        format!("{{ {} }}", names(list))
    }
}

impl Flat<'_> {
    fn slice(&self, start: usize, end: usize) -> &str {
        self.source.get(start..end).unwrap_or("")
    }

    /// `e` on one line, in parentheses when it binds more loosely than `min`.
    pub fn expr(&self, e: &Expr, min: u8) -> String {
        let text = self.bare(e);
        if precedence(e) < min {
            format!("({text})")
        } else {
            text
        }
    }

    fn bare(&self, e: &Expr) -> String {
        match &e.node {
            ExprKind::Number(_) => half_width(self.slice(e.span.start, e.span.end).trim()),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Date(d) => d.format("%Y-%m-%d").to_string(),
            ExprKind::Text(t) => quoted(t),
            ExprKind::Ref(n) => n.clone(),
            // `not (a == b)` keeps its parentheses: `not a == b` means the same but reads as if
            // `not` applied to `a` alone.
            ExprKind::Unary(UnaryOp::Not, inner) => format!("not {}", self.expr(inner, prec::SUM)),
            ExprKind::Unary(UnaryOp::Neg, inner) => format!("-{}", self.expr(inner, prec::NEG)),
            ExprKind::Binary(op, l, r) => {
                let (lp, rp) = operand_precedence(op.node);
                format!(
                    "{} {} {}",
                    self.expr(l, lp),
                    op.node.symbol(),
                    self.expr(r, rp)
                )
            }
            ExprKind::In {
                value,
                set,
                negated,
            } => {
                let op = if *negated { "not in" } else { "in" };
                format!("{} {op} {}", self.expr(value, prec::SUM), name_set(set))
            }
            ExprKind::Call(f, args) => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a, 0)).collect();
                format!("{}({})", f.node.name(), args.join(", "))
            }
            ExprKind::Lookup { table, args } => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a, 0)).collect();
                format!("{}({})", table.node, args.join(", "))
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => format!(
                "if {} then {} else {}",
                self.expr(cond, 0),
                self.expr(then, 0),
                self.expr(otherwise, 0)
            ),
            ExprKind::EventDate => "event_date".to_string(),
            ExprKind::EventYear => "event_year".to_string(),
            ExprKind::Index { series, years } => {
                let year = |y: &Option<Box<Expr>>| y.as_ref().map(|y| self.expr(y, 0));
                let inside = match years {
                    Years::One(y) => self.expr(y, 0),
                    Years::Range(a, b) => {
                        let (a, b) = (year(a), year(b));
                        match (a, b) {
                            (Some(a), Some(b)) => format!("{a} .. {b}"),
                            (None, Some(b)) => format!(".. {b}"),
                            (Some(a), None) => format!("{a} .."),
                            (None, None) => "..".to_string(),
                        }
                    }
                };
                format!("{}[{inside}]", series.node)
            }
            ExprKind::Table { key, rows } => {
                let rows: Vec<String> = rows.iter().map(|r| self.table_row(r)).collect();
                format!("{} {}", self.table_head(key), braces(&rows))
            }
            ExprKind::Bracket { value, rows } => {
                let rows: Vec<String> = rows.iter().map(|r| self.bracket_row(r)).collect();
                format!("{} {}", self.bracket_head(value), braces(&rows))
            }
            // Files with syntax errors are never formatted, so this is not reached; write
            // something that cannot parse rather than lose text silently.
            ExprKind::Error => "(?)".to_string(),
        }
    }

    /// `by KEY`, the part of a table before its rows.
    pub fn table_head(&self, key: &Expr) -> String {
        format!("by {}", self.expr(key, prec::SUM))
    }

    /// One row of a table: `variant: value`, `true: value` or `else: value`.
    pub fn table_row(&self, row: &(RowKey, Expr)) -> String {
        format!("{}: {}", row.0.label(), self.expr(&row.1, prec::SUM))
    }

    /// `bracket VALUE`, the part of a bracket before its rows.
    pub fn bracket_head(&self, value: &Expr) -> String {
        format!("bracket {}", self.expr(value, prec::SUM))
    }

    /// One row of a bracket: `>= a and < b: value`.
    pub fn bracket_row(&self, row: &BracketRow) -> String {
        let mut parts = Vec::new();
        if let Some(t) = &row.lower {
            let op = if t.inclusive { ">=" } else { ">" };
            parts.push(format!("{op} {}", self.expr(&t.value, prec::SUM)));
        }
        if let Some(t) = &row.upper {
            let op = if t.inclusive { "<=" } else { "<" };
            parts.push(format!("{op} {}", self.expr(&t.value, prec::SUM)));
        }
        format!(
            "{}: {}",
            parts.join(" and "),
            self.expr(&row.value, prec::SUM)
        )
    }

    /// A declared type, `signed` included.
    pub fn type_expr(&self, ty: &Node<TypeExpr>, signed: bool) -> String {
        let body = match &ty.node {
            TypeExpr::Named(n) => n.clone(),
            TypeExpr::InlineEnum(vs) => format!("enum {}", name_set(vs)),
            TypeExpr::Quantity(_) => {
                // The unit as written (`亩`, `元/亩`): the parsed unit is canonical, not textual.
                let text = self.slice(ty.span.start, ty.span.end).trim();
                let text = text.strip_prefix("signed").unwrap_or(text).trim_start();
                let rest = text.strip_prefix("quantity").unwrap_or(text);
                // A comment may stand between `quantity` and its unit (the unit itself holds no
                // space or `#`): the unit is what remains once comments are cut off; the
                // comment is written by the printer, before the line.
                let unit: String = rest
                    .lines()
                    .map(|l| l.split('#').next().unwrap_or(""))
                    .collect::<String>()
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string();
                format!("quantity {}", half_width(&unit))
            }
        };
        if signed {
            format!("signed {body}")
        } else {
            body
        }
    }

    /// An effective window: `a to b` or `from a for N years`.
    pub fn window(&self, w: &Window) -> String {
        match w {
            Window::Range(a, b) => format!("{} to {}", date(&a.node), date(&b.node)),
            Window::FromFor(a, d) => format!("from {} for {}", date(&a.node), duration(&d.node)),
        }
    }
}

/// A date as `YYYY-MM-DD`.
pub fn date(d: &chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn duration(d: &Duration) -> String {
    let unit = match (d.unit, d.count) {
        (DurationUnit::Years, 1) => "year",
        (DurationUnit::Years, _) => "years",
        (DurationUnit::Months, 1) => "month",
        (DurationUnit::Months, _) => "months",
    };
    format!("{} {unit}", d.count)
}

/// Items in braces on one line: `{ a, b }`, or `{}` when there are none.
pub fn braces(items: &[String]) -> String {
    if items.is_empty() {
        "{}".to_string()
    } else {
        format!("{{ {} }}", items.join(", "))
    }
}

/// A clause's run of years: `for 3 years from 认定日期`.
pub fn run(r: &crate::ast::Run) -> String {
    let unit = if r.count.node == 1 { "year" } else { "years" };
    let start = if r.after { "after" } else { "from" };
    format!("for {} {unit} {start} {}", r.count.node, r.anchor.node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Item;

    /// The `let` value of a one-line policy fragment, written back.
    fn round(src: &str) -> String {
        let parsed = crate::syntax::parse(src);
        assert!(parsed.is_ok(), "{:?}", parsed.diagnostics);
        let Item::Let(l) = &parsed.file.items[0] else {
            panic!("not a let")
        };
        Flat { source: src }.expr(&l.node.value, 0)
    }

    #[test]
    fn parentheses_only_where_grouping_needs_them() {
        assert_eq!(round("let x = (a - b) - c"), "a - b - c");
        assert_eq!(round("let x = a - (b - c)"), "a - (b - c)");
        assert_eq!(round("let x = (a + b) * c"), "(a + b) * c");
        assert_eq!(round("let x = a or b and c"), "a or b and c");
        assert_eq!(round("let x = (a or b) and c"), "(a or b) and c");
        assert_eq!(
            round("let x = a implies (b implies c)"),
            "a implies b implies c"
        );
        assert_eq!(
            round("let x = (a implies b) implies c"),
            "(a implies b) implies c"
        );
        assert_eq!(round("let x = not (a and b)"), "not (a and b)");
        assert_eq!(round("let x = not (a == b)"), "not (a == b)");
        assert_eq!(round("let x = not not a"), "not (not a)");
        assert_eq!(round("let x = -(a + b)"), "-(a + b)");
        assert_eq!(round("let x = (a + b) in { 甲 }"), "a + b in { 甲 }");
    }

    #[test]
    fn literals_keep_their_written_form_half_width() {
        assert_eq!(round("let x = ２０万元 ＋ 1,000元"), "20万元 + 1,000元");
        assert_eq!(round("let x = a ≥ 15％"), "a >= 15%");
        assert_eq!(round("let x = “他说\"好\"”"), "“他说\"好\"”");
        assert_eq!(round("let x = 2023-7-1"), "2023-07-01");
    }

    #[test]
    fn tables_and_brackets_on_one_line() {
        assert_eq!(
            round("let x = by 级别 {国家级:100万元,else:0元}"),
            "by 级别 { 国家级: 100万元, else: 0元 }"
        );
        assert_eq!(
            round("let x = bracket a { >=1元 and <2元: 3元, ≥2元: 4元 }"),
            "bracket a { >= 1元 and < 2元: 3元, >= 2元: 4元 }"
        );
        assert_eq!(
            round("let x = by 高企 {true:20万元,false :10万元}"),
            "by 高企 { true: 20万元, false: 10万元 }"
        );
        assert_eq!(
            round("let x = 销售档 ( 销售收入*2 )+级别奖（级别）"),
            "销售档(销售收入 * 2) + 级别奖(级别)"
        );
    }
}
