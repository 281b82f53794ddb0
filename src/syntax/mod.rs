//! Syntax: source text to the typed AST.
//!
//! Input: the text of one `.pol` file. Output: an [`ast::File`] and every syntax diagnostic
//! found. Guarantee: never panics on any text; brackets nested too deeply are reported
//! before pest could recurse on them; a syntax error in one top-level item does not hide
//! errors in the next.

mod attempts;
mod errors;
mod grammar;
pub mod literal;
mod lower;
mod scan;

use pest::Parser;

use crate::ast;
use crate::diagnostic::Diagnostic;
use grammar::{PolicyParser, Rule};

/// The result of parsing one file.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The items that parsed, in source order.
    pub file: ast::File,
    /// Syntax diagnostics (empty when the whole file parsed).
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// True when the file had no syntax errors.
    pub fn is_ok(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses `source` into the typed AST.
pub fn parse(source: &str) -> Parsed {
    let mut out = Parsed::default();
    let scanned = scan::scan(source);
    for (index, chunk) in scanned.chunks.iter().enumerate() {
        if let Some((_, diag)) = scanned.blocked.iter().find(|(i, _)| *i == index) {
            out.diagnostics.push(diag.clone());
            continue;
        }
        let text = &source[chunk.start..chunk.end];
        match PolicyParser::parse(Rule::file, text) {
            Ok(mut pairs) => {
                if let Some(file) = pairs.next() {
                    lower::Lowerer::new(chunk.start, &mut out.diagnostics)
                        .file(file, &mut out.file.items);
                }
            }
            Err(_) => {
                // Tracking what was expected slows every parse down, so it is turned on only to
                // explain a failure, by parsing the failed chunk once more.
                pest::set_error_detail(true);
                let detailed = PolicyParser::parse(Rule::file, text);
                pest::set_error_detail(false);
                if let Err(err) = detailed {
                    out.diagnostics
                        .push(errors::translate(&err, source, chunk.start));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
