//! Finding the `#` comments of a source text.
//!
//! The syntax tree drops comments, so the formatter finds them here, by position, and puts
//! them back next to the node they were written beside.

use crate::ast::Span;

/// One `#` comment: from the `#` to the end of its line, trailing spaces excluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Where the comment is (the `#` up to its last non-blank character).
    pub span: Span,
}

impl Comment {
    /// The comment's text, `#` included.
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        &source[self.span.start..self.span.end]
    }
}

/// Every comment of `source`, in order. A `#` inside a text literal is not a comment.
pub fn comments(source: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    // The closing quote of the text literal being read, if inside one.
    let mut closing: Option<char> = None;
    // Characters before this offset belong to a comment already taken.
    let mut skip_to = 0;
    for (i, c) in source.char_indices() {
        if i < skip_to {
            continue;
        }
        match (closing, c) {
            (_, '\n') => closing = None,
            (Some(q), c) if c == q => closing = None,
            (Some(_), _) => {}
            (None, '"') => closing = Some('"'),
            (None, '“') => closing = Some('”'),
            (None, '#') => {
                let end = source[i..].find('\n').map_or(source.len(), |n| i + n);
                let text = source[i..end].trim_end();
                out.push(Comment {
                    span: Span::new(i, i + text.len()),
                });
                skip_to = end;
            }
            (None, _) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<&str> {
        comments(src).iter().map(|c| c.text(src)).collect()
    }

    #[test]
    fn finds_whole_line_and_trailing_comments() {
        let src = "# one\nlet a = 1 # two  \n  # three\n";
        assert_eq!(texts(src), ["# one", "# two", "# three"]);
    }

    #[test]
    fn hash_inside_text_is_not_a_comment() {
        let src = "source \"第#1条\" # real\nsource “#” #also\n";
        assert_eq!(texts(src), ["# real", "#also"]);
    }

    #[test]
    fn an_unclosed_quote_ends_at_the_line() {
        let src = "source \"abc\n# comment";
        assert_eq!(texts(src), ["# comment"]);
    }

    #[test]
    fn comment_at_end_of_file_without_newline() {
        assert_eq!(texts("a #x"), ["#x"]);
        assert_eq!(texts("#"), ["#"]);
    }
}
