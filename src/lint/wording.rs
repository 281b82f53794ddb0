//! Bounds written against the wording of the article quoted next to them.
//!
//! Chinese regulations follow a convention: 以上, 以下 and 以内 include the number (100万元以上
//! means 100万元 or more), while 超过, 高于, 不满, 不足 and 低于 leave it out; 不超过 and 不低于
//! include it. When a comment in or just above a clause (or a named bracket) quotes such a
//! phrase, a comparison of the clause (or a threshold of the bracket) against the same figure
//! should use the matching operator. This is best effort: only figures written with digits
//! are recognised.

use rust_decimal::Decimal;

use super::{constant, walk, Cx};
use crate::ast::{BinOp, BracketRow, Expr, ExprKind, Item, Span, TableRows};
use crate::diagnostic::{Code, Diagnostic};

/// Which side of a bound a phrase gives, and whether it includes the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bound {
    lower: bool,
    inclusive: bool,
}

/// A figure with its bound, as quoted in a comment.
#[derive(Clone, Debug, PartialEq)]
struct Phrase {
    value: Decimal,
    bound: Bound,
    text: String,
}

/// Words before a number, longest first so `不超过` is not read as `超过`.
const BEFORE: [(&str, Bound); 9] = [
    (
        "不超过",
        Bound {
            lower: false,
            inclusive: true,
        },
    ),
    (
        "不高于",
        Bound {
            lower: false,
            inclusive: true,
        },
    ),
    (
        "不低于",
        Bound {
            lower: true,
            inclusive: true,
        },
    ),
    (
        "不少于",
        Bound {
            lower: true,
            inclusive: true,
        },
    ),
    (
        "超过",
        Bound {
            lower: true,
            inclusive: false,
        },
    ),
    (
        "高于",
        Bound {
            lower: true,
            inclusive: false,
        },
    ),
    (
        "不满",
        Bound {
            lower: false,
            inclusive: false,
        },
    ),
    (
        "不足",
        Bound {
            lower: false,
            inclusive: false,
        },
    ),
    (
        "低于",
        Bound {
            lower: false,
            inclusive: false,
        },
    ),
];

/// Words after a number.
const AFTER: [(&str, Bound); 3] = [
    (
        "以上",
        Bound {
            lower: true,
            inclusive: true,
        },
    ),
    (
        "以下",
        Bound {
            lower: false,
            inclusive: true,
        },
    ),
    (
        "以内",
        Bound {
            lower: false,
            inclusive: true,
        },
    ),
];

/// The figures with a bound word found in `text`.
fn phrases(text: &str) -> Vec<Phrase> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].1.is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = chars[i].0;
        let mut j = i;
        while j < chars.len()
            && (chars[j].1.is_ascii_digit() || chars[j].1 == '.' || chars[j].1 == ',')
        {
            j += 1;
        }
        let num_end = chars.get(j).map_or(text.len(), |c| c.0);
        let digits: String = text[start..num_end].chars().filter(|c| *c != ',').collect();
        let Ok(mut value) = digits.trim_end_matches('.').parse::<Decimal>() else {
            i = j;
            continue;
        };
        // The unit: a scale, then 元, or a percent sign.
        let rest = &text[num_end..];
        let mut unit_len = 0;
        for (word, scale) in [
            ("百万", 1_000_000i64),
            ("亿", 100_000_000),
            ("万", 10_000),
            ("千", 1_000),
        ] {
            if rest.starts_with(word) {
                value *= Decimal::from(scale);
                unit_len = word.len();
                break;
            }
        }
        let after_scale = &rest[unit_len..];
        if after_scale.starts_with('元') {
            unit_len += '元'.len_utf8();
        } else if let Some(p) = after_scale
            .chars()
            .next()
            .filter(|c| *c == '%' || *c == '％')
        {
            value /= Decimal::ONE_HUNDRED;
            unit_len += p.len_utf8();
        }
        // Other units (亩, 年, 个月, ...) may stand between the figure and 以上/以下/以内.
        for c in rest[unit_len..].chars().take(3) {
            let tail = &rest[unit_len..];
            if AFTER.iter().any(|(w, _)| tail.starts_with(w))
                || !('\u{4E00}'..='\u{9FFF}').contains(&c)
            {
                break;
            }
            unit_len += c.len_utf8();
        }
        let figure = &text[start..num_end + unit_len];
        let after = &rest[unit_len..];
        let before = &text[..start];
        let found = if let Some((w, b)) = AFTER.iter().find(|(w, _)| after.starts_with(w)) {
            // `以上(不含)` says outright that the number is left out.
            let tail = &after[w.len()..];
            if tail.starts_with("(不含)") || tail.starts_with("（不含）") {
                let b = Bound {
                    inclusive: false,
                    ..*b
                };
                Some((b, format!("{figure}{w}(不含)")))
            } else {
                Some((*b, format!("{figure}{w}")))
            }
        } else {
            BEFORE
                .iter()
                .find(|(w, _)| before.ends_with(w))
                .map(|(w, b)| (*b, format!("{w}{figure}")))
        };
        if let Some((bound, text)) = found {
            out.push(Phrase { value, bound, text });
        }
        i = j;
    }
    out
}

/// The comments that quote the source of the clause spanning `span`: the ones inside it and
/// the block of comment lines directly above it.
fn quoting_comments<'s>(
    source: &'s str,
    comments: &[crate::fmt::Comment],
    span: Span,
) -> Vec<&'s str> {
    // Comments are in source order: the clause's own are a run found by binary search.
    let first = comments.partition_point(|c| c.span.start < span.start);
    let inside = comments[first..].partition_point(|c| c.span.end <= span.end);
    let mut out: Vec<&str> = comments[first..first + inside]
        .iter()
        .map(|c| c.text(source))
        .collect();
    let mut edge = span.start;
    for c in comments[..first].iter().rev() {
        let between = source.get(c.span.end..edge).unwrap_or("x");
        if !between.trim().is_empty() || between.matches('\n').count() > 1 {
            break;
        }
        out.push(c.text(source));
        edge = c.span.start;
    }
    out
}

pub(super) fn check(cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    let comments = crate::fmt::comments(cx.source);
    // A named bracket, against the comments in and just above its declaration.
    for item in &cx.file.items {
        let Item::Table(t) = item else { continue };
        let TableRows::Bracket(rows) = &t.node.rows else {
            continue;
        };
        let quoted: Vec<Phrase> = quoting_comments(cx.source, &comments, t.span)
            .into_iter()
            .flat_map(phrases)
            .collect();
        if !quoted.is_empty() {
            against_quotes(bracket_bounds(cx, rows), &quoted, out);
        }
    }
    for c in &cx.model.clauses {
        let quoted: Vec<Phrase> = quoting_comments(cx.source, &comments, c.span)
            .into_iter()
            .flat_map(phrases)
            .collect();
        if quoted.is_empty() {
            continue;
        }
        for e in super::clause_exprs(c) {
            walk(e, &mut |x| check_bounds(cx, x, &quoted, out));
        }
    }
}

/// The comparisons and bracket thresholds of `x` against a quoted figure.
fn check_bounds(cx: &Cx<'_>, x: &Expr, quoted: &[Phrase], out: &mut Vec<Diagnostic>) {
    let mut bounds: Vec<(Bound, Decimal, Span, String)> = Vec::new();
    match &x.node {
        ExprKind::Binary(op, l, r) if op.node.is_comparison() => {
            let (value, op) = match (constant(r), constant(l)) {
                (Some(v), _) => (v, op.node),
                (None, Some(v)) => (v, op.node.flipped()),
                _ => return,
            };
            let bound = match op {
                BinOp::Ge => Bound {
                    lower: true,
                    inclusive: true,
                },
                BinOp::Gt => Bound {
                    lower: true,
                    inclusive: false,
                },
                BinOp::Le => Bound {
                    lower: false,
                    inclusive: true,
                },
                BinOp::Lt => Bound {
                    lower: false,
                    inclusive: false,
                },
                _ => return,
            };
            bounds.push((bound, value, x.span, cx.text(x.span).to_string()));
        }
        ExprKind::Bracket { rows, .. } => bounds = bracket_bounds(cx, rows),
        _ => return,
    }
    against_quotes(bounds, quoted, out);
}

/// A written bound: its side, its figure, where and how it is written.
type Written = (Bound, Decimal, Span, String);

/// The thresholds of a bracket's rows, each as a bound.
fn bracket_bounds(cx: &Cx<'_>, rows: &[BracketRow]) -> Vec<Written> {
    let mut bounds = Vec::new();
    for row in rows {
        for (t, lower) in [(&row.lower, true), (&row.upper, false)] {
            let Some(t) = t else { continue };
            let Some(v) = constant(&t.value) else {
                continue;
            };
            let op = match (lower, t.inclusive) {
                (true, true) => ">=",
                (true, false) => ">",
                (false, true) => "<=",
                (false, false) => "<",
            };
            let written = format!("{op} {}", cx.text(t.value.span));
            bounds.push((
                Bound {
                    lower,
                    inclusive: t.inclusive,
                },
                v,
                t.value.span,
                written,
            ));
        }
    }
    bounds
}

/// Reports each bound of `bounds` that a quoted phrase with the same figure contradicts.
fn against_quotes(bounds: Vec<Written>, quoted: &[Phrase], out: &mut Vec<Diagnostic>) {
    for (bound, value, span, written) in bounds {
        let Some(p) = quoted.iter().find(|p| {
            p.value == value && p.bound.lower == bound.lower && p.bound.inclusive != bound.inclusive
        }) else {
            continue;
        };
        // Another phrase with the same figure may agree with what is written.
        if quoted.iter().any(|q| q.value == value && q.bound == bound) {
            continue;
        }
        let (says, fix) = match (p.bound.lower, p.bound.inclusive) {
            (true, true) => ("includes", ">="),
            (true, false) => ("leaves out", ">"),
            (false, true) => ("includes", "<="),
            (false, false) => ("leaves out", "<"),
        };
        out.push(
            Diagnostic::new(
                Code::BoundWording,
                span,
                format!(
                    "the comment quotes \"{}\", which {says} the figure itself, but `{written}` does the opposite",
                    p.text
                ),
            )
            .label(format!("the quoted wording calls for `{fix}`"))
            .help("以上/以下/以内 and 不超过/不低于 include the number, 超过/高于/不满/不足/低于 leave it out: use the matching operator, or correct the comment if it misquotes the article"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(String, bool, bool)> {
        phrases(text)
            .into_iter()
            .map(|p| {
                (
                    p.value.normalize().to_string(),
                    p.bound.lower,
                    p.bound.inclusive,
                )
            })
            .collect()
    }

    #[test]
    fn phrases_after_and_before_the_number() {
        assert_eq!(
            read("研发费用100万元以上"),
            [("1000000".into(), true, true)]
        );
        assert_eq!(read("增幅超过15%"), [("0.15".into(), true, false)]);
        assert_eq!(read("不超过500万元"), [("5000000".into(), false, true)]);
        assert_eq!(read("不满3年"), [("3".into(), false, false)]);
        assert_eq!(read("1,000亩以内"), [("1000".into(), false, true)]);
        assert_eq!(read("100万元以上(不含)"), [("1000000".into(), true, false)]);
        assert!(read("第一条 给予20万元奖励").is_empty());
    }
}
