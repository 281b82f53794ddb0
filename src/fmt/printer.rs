//! The output being built: lines, indentation, blank lines and comments.
//!
//! Every line written is tied to the span of source it stands for. Before a line, the comments
//! written before that span come out on their own lines; after it, a comment that stood on the
//! same source line follows it. One blank line is kept wherever the source had one or more
//! between two things, except just inside an opening brace; the layout may ask for one more.

use unicode_width::UnicodeWidthStr;

use super::comments::Comment;
use crate::ast::Span;

/// The widest a line may be (in terminal columns) before a list is broken over several lines.
pub const WIDTH: usize = 100;

/// Spaces per level of nesting.
const INDENT: usize = 2;

/// Builds the formatted text.
pub struct Printer<'s> {
    source: &'s str,
    comments: Vec<Comment>,
    /// The first comment not yet written.
    next: usize,
    out: String,
    /// Current nesting depth.
    depth: usize,
    /// Where in the source the last written thing ended; `None` just inside a brace or at the
    /// start of the file, where no blank line is kept.
    last_end: Option<usize>,
    /// Set between two top-level items that must be separated by a blank line.
    force_blank: bool,
}

impl<'s> Printer<'s> {
    /// A printer for `source`, whose comments are `comments`.
    pub fn new(source: &'s str, comments: Vec<Comment>) -> Self {
        Printer {
            source,
            comments,
            next: 0,
            out: String::new(),
            depth: 0,
            last_end: None,
            force_blank: false,
        }
    }

    /// The columns taken by the current indentation.
    pub fn indent_width(&self) -> usize {
        self.depth * INDENT
    }

    /// Whether `text` fits on a line at the current indentation.
    pub fn fits(&self, text: &str) -> bool {
        !text.contains('\n') && self.indent_width() + text.width() <= WIDTH
    }

    /// Whether a comment starts inside `span` (one that must not be lost inside a line).
    pub fn has_comment_in(&self, span: Span) -> bool {
        self.has_comment_between(span, &[])
    }

    /// Whether a comment starts inside `span` but outside every span of `parts`. A comment
    /// inside a part is moved above that part's line whatever the layout, so only comments
    /// between parts decide whether the parts need lines of their own (deciding on the others
    /// would make a second formatting differ from the first).
    pub fn has_comment_between(&self, span: Span, parts: &[Span]) -> bool {
        // Comments are in source order: stop at the first one past the span.
        self.comments[self.next..]
            .iter()
            .take_while(|c| c.span.start < span.end)
            .any(|c| {
                let at = c.span.start;
                at >= span.start && !parts.iter().any(|p| at >= p.start && at < p.end)
            })
    }

    /// Asks for a blank line before whatever is written next (unless nothing precedes it).
    pub fn blank_line_next(&mut self) {
        self.force_blank = true;
    }

    fn blank_line_before(&mut self, start: usize) {
        if std::mem::take(&mut self.force_blank) {
            if self.last_end.is_some() {
                self.out.push('\n');
            }
            return;
        }
        if let Some(end) = self.last_end {
            let between = self.source.get(end..start).unwrap_or("");
            if between.matches('\n').count() >= 2 {
                self.out.push('\n');
            }
        }
    }

    fn indent(&mut self, extra: usize) {
        for _ in 0..self.indent_width() + extra {
            self.out.push(' ');
        }
    }

    /// Writes every comment that starts before `pos` on its own line.
    pub fn comments_before(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next).cloned() {
            if c.span.start >= pos {
                break;
            }
            self.next += 1;
            self.blank_line_before(c.span.start);
            self.indent(0);
            self.out.push_str(c.text(self.source));
            self.out.push('\n');
            self.last_end = Some(c.span.end);
        }
    }

    /// Ends the line: a comment on the same source line after `end`, and not after `limit`,
    /// follows the text.
    fn end_line(&mut self, end: usize, limit: usize) {
        self.last_end = Some(end);
        if let Some(c) = self.comments.get(self.next).cloned() {
            let between = self.source.get(end..c.span.start).unwrap_or("\n");
            if c.span.start >= end && c.span.start <= limit && !between.contains('\n') {
                self.next += 1;
                self.out.push(' ');
                self.out.push_str(c.text(self.source));
                self.last_end = Some(c.span.end);
            }
        }
        self.out.push('\n');
    }

    /// Writes `text` as one line standing for `span`, `extra` columns past the indentation.
    /// Comments written inside the span come out just before it, on their own lines; a comment
    /// after it on the same source line, before `next` (where the next thing starts), follows it.
    pub fn line_at(&mut self, span: Span, extra: usize, next: usize, text: &str) {
        self.comments_before(span.end);
        self.blank_line_before(span.start);
        self.indent(extra);
        self.out.push_str(text);
        self.end_line(span.end, next);
    }

    /// Writes `text` as one line standing for `span`; the next thing starts at `next`.
    pub fn line(&mut self, span: Span, next: usize, text: &str) {
        self.line_at(span, 0, next, text);
    }

    /// Opens a block: writes `text` (ending in `{`) for the thing starting at `start`, whose
    /// first inner thing starts at `first` (a comment before it on the same line stays on the
    /// opening line).
    pub fn open(&mut self, start: usize, first: usize, text: &str) {
        self.comments_before(start);
        self.blank_line_before(start);
        self.indent(0);
        self.out.push_str(text);
        self.end_line(start, first);
        self.last_end = None;
        self.depth += 1;
    }

    /// Closes the block that ends at `end` (just past its `}`), writing `text` (`}` and what
    /// follows it); the next thing starts at `next`.
    pub fn close(&mut self, end: usize, next: usize, text: &str) {
        self.comments_before(end);
        self.depth = self.depth.saturating_sub(1);
        self.indent(0);
        self.out.push_str(text);
        self.end_line(end, next);
    }

    /// Writes the remaining comments and returns the text.
    pub fn finish(mut self) -> String {
        self.comments_before(usize::MAX);
        self.out
    }
}
