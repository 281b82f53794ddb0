//! A quick pass over the raw text before pest sees it.
//!
//! Input: the source text. Output: the byte offsets where top-level items start (so that each
//! item is parsed on its own and one syntax error does not hide the next), and a diagnostic for
//! brackets nested deeper than [`MAX_DEPTH`]. Guarantee: linear time, no recursion, so input
//! that would overflow pest's recursive descent (pest issue #1129) never reaches it.

use crate::ast::Span;
use crate::diagnostic::{Code, Diagnostic};

/// The deepest nesting of brackets and braces accepted.
pub const MAX_DEPTH: usize = 32;

const ITEM_KEYWORDS: [&str; 8] = [
    "policy", "input", "enum", "param", "let", "limit", "table", "clause",
];

/// The result of scanning: chunks to parse and nesting problems.
#[derive(Debug, Default)]
pub struct Scan {
    /// Byte ranges, each holding zero or more whole top-level items.
    pub chunks: Vec<Span>,
    /// Chunks (by index) that must not be parsed, with the reason (brackets nested too deep, a
    /// control character).
    pub blocked: Vec<(usize, Diagnostic)>,
}

fn starts_item(rest: &str) -> bool {
    ITEM_KEYWORDS.iter().any(|k| {
        rest.strip_prefix(k)
            .is_some_and(|after| after.starts_with([' ', '\t', '\u{3000}']))
    })
}

/// Splits `source` into chunks at lines that start a top-level item outside any bracket.
pub fn scan(source: &str) -> Scan {
    let mut out = Scan::default();
    let mut chunk_start = 0;
    let mut depth = 0usize;
    let mut deep_reported = false;
    let mut at_line_start = true;
    let mut chars = source.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if at_line_start && depth == 0 && i > chunk_start && starts_item(&source[i..]) {
            out.chunks.push(Span::new(chunk_start, i));
            chunk_start = i;
            deep_reported = false;
        }
        at_line_start = false;
        match c {
            '\n' => at_line_start = true,
            '#' => {
                while let Some(&(j, c)) = chars.peek() {
                    if c == '\n' {
                        break;
                    }
                    chars.next();
                    // Comments and text are skipped for brackets, not for control characters.
                    if is_forbidden(c) {
                        report_control(&mut out, j, c);
                    }
                }
            }
            '"' | '“' => {
                let close = if c == '"' { '"' } else { '”' };
                while let Some(&(j, c)) = chars.peek() {
                    if c == '\n' {
                        break;
                    }
                    chars.next();
                    if c == close {
                        break;
                    }
                    if is_forbidden(c) {
                        report_control(&mut out, j, c);
                    }
                }
            }
            '(' | '（' | '{' | '｛' | '[' => {
                depth += 1;
                if depth > MAX_DEPTH && !deep_reported {
                    deep_reported = true;
                    let span = Span::new(i, i + c.len_utf8());
                    let diag = Diagnostic::new(
                        Code::TooDeep,
                        span,
                        format!("brackets are nested more than {MAX_DEPTH} levels deep"),
                    )
                    .label("this bracket is too deep")
                    .help("split the expression with `let` bindings so each part stays shallow");
                    out.blocked.push((out.chunks.len(), diag));
                }
            }
            ')' | '）' | '}' | '｝' | ']' => depth = depth.saturating_sub(1),
            c if is_forbidden(c) => report_control(&mut out, i, c),
            _ => {}
        }
    }
    out.chunks.push(Span::new(chunk_start, source.len()));
    out
}

/// Control characters other than tab, line feed and carriage return.
fn is_forbidden(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\r' && c != '\n'
}

/// Reports a control character once per chunk (the chunk is then not parsed).
fn report_control(out: &mut Scan, at: usize, c: char) {
    let chunk = out.chunks.len();
    if out.blocked.iter().any(|(i, _)| *i == chunk) {
        return;
    }
    let code = c as u32;
    let diag = Diagnostic::new(
        Code::ControlCharacter,
        Span::new(at, at + c.len_utf8()),
        format!("the file contains the control character U+{code:04X} here"),
    )
    .label(if c == '\0' { "a NUL byte" } else { "a control character" })
    .help("remove it; a policy is plain text (if the file came from a word processor, save it as plain UTF-8 text)");
    out.blocked.push((chunk, diag));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_top_level_items_only() {
        let src = "let a = 1\nclause x {\nlet b = 2\n}\n# let c\nparam p: money\n";
        let s = scan(src);
        let starts: Vec<_> = s.chunks.iter().map(|c| c.start).collect();
        let at = |needle: &str| src.find(needle).unwrap();
        assert_eq!(starts, vec![0, at("clause"), at("param")]);
        assert!(s.blocked.is_empty());
    }

    #[test]
    fn deep_nesting_is_reported_once() {
        let src = format!("let a = {}1{}", "(".repeat(100), ")".repeat(100));
        let s = scan(&src);
        assert_eq!(s.blocked.len(), 1);
        assert_eq!(s.blocked[0].1.primary.span.start, 8 + MAX_DEPTH);
    }

    #[test]
    fn control_characters_are_reported_once_per_chunk() {
        let s = scan("let a = 1\u{0}\u{0}\nlet b = \u{7}");
        let codes: Vec<_> = s
            .blocked
            .iter()
            .map(|(i, d)| (*i, d.primary.span.start))
            .collect();
        assert_eq!(codes, vec![(0, 9), (1, 20)]);
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let src = "policy \"{{{\" { # {{{\n}\nlet a = 1\n";
        assert_eq!(scan(src).chunks.len(), 2);
    }
}
