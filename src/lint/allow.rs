//! Silencing a warning that staff have looked at: `allow(CODE)` in a comment.
//!
//! A warning is silenced by a comment holding `allow(W0309)` (several codes separated by
//! commas) on the line the warning points at, or in the block of whole-line comments directly
//! above that line. The comment is where the reason belongs: `# allow(W0309): 文件未定比例`.
//! Errors cannot be silenced.

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic, Severity};

/// The line (from 0) of a byte offset, given where each line starts.
fn line_of(line_starts: &[usize], at: usize) -> usize {
    line_starts.partition_point(|s| *s <= at).saturating_sub(1)
}

/// The codes allowed by each line's comment (lines counted from 0), and whether the comment
/// is the whole line.
fn allowed_by_line(source: &str, line_starts: &[usize]) -> HashMap<usize, (Vec<Code>, bool)> {
    let mut out = HashMap::new();
    for c in crate::fmt::comments(source) {
        let text = c.text(source);
        let mut codes = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find("allow(") {
            let after = &rest[i + "allow(".len()..];
            let Some(end) = after.find(')') else { break };
            codes.extend(after[..end].split(',').filter_map(Code::parse));
            rest = &after[end..];
        }
        let line = line_of(line_starts, c.span.start);
        let line_start = line_starts[line];
        let whole_line = source[line_start..c.span.start].trim().is_empty();
        out.insert(line, (codes, whole_line));
    }
    out
}

/// Removes the warnings of `diags` that a comment allows; returns how many were removed.
pub fn apply(diags: &mut Vec<Diagnostic>, source: &str) -> usize {
    if !source.contains("allow(") {
        return 0;
    }
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let by_line = allowed_by_line(source, &line_starts);
    let allowed = |d: &Diagnostic| {
        if d.severity() != Severity::Warning {
            return false;
        }
        let mut line = line_of(&line_starts, d.primary.span.start.min(source.len()));
        if by_line
            .get(&line)
            .is_some_and(|(codes, _)| codes.contains(&d.code))
        {
            return true;
        }
        // The whole-line comments directly above.
        while line > 0 {
            line -= 1;
            match by_line.get(&line) {
                Some((codes, true)) if codes.contains(&d.code) => return true,
                Some((_, true)) => continue,
                _ => return false,
            }
        }
        false
    };
    let before = diags.len();
    diags.retain(|d| !allowed(d));
    before - diags.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Span;

    fn warning_at(source: &str, needle: &str) -> Diagnostic {
        let at = source.find(needle).unwrap();
        Diagnostic::new(
            Code::UnspecifiedParam,
            Span::new(at, at + needle.len()),
            "w",
        )
    }

    #[test]
    fn same_line_and_comment_block_above_allow() {
        let src = "param a: percent # allow(W0309): left open\n\n# why b is open\n# allow(W0306, W0309)\nparam b: percent\nparam c: percent\n";
        let mut diags = vec![
            warning_at(src, "a:"),
            warning_at(src, "b:"),
            warning_at(src, "c:"),
        ];
        assert_eq!(apply(&mut diags, src), 2);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].primary.span.start, src.find("c:").unwrap());
    }

    #[test]
    fn another_code_or_a_gap_does_not_allow() {
        let src = "# allow(W0306)\nparam a: percent\n# allow(W0309)\n\nparam b: percent\n";
        let mut diags = vec![warning_at(src, "a:"), warning_at(src, "b:")];
        assert_eq!(apply(&mut diags, src), 0);
    }

    #[test]
    fn errors_are_never_allowed() {
        let src = "# allow(E0201)\nlet x = y\n";
        let at = src.find('y').unwrap();
        let mut diags = vec![Diagnostic::new(
            Code::UndefinedName,
            Span::new(at, at + 1),
            "e",
        )];
        assert_eq!(apply(&mut diags, src), 0);
    }
}
