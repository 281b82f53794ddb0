#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod ast;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod compile;
pub mod diagnostic;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod keys;
pub mod lint;
pub mod problem;
pub mod schema;
pub mod simulate;
pub mod syntax;
pub mod testing;
pub mod units;

use diagnostic::Diagnostic;

/// The result of compiling one policy's text.
#[derive(Debug)]
pub struct Compiled {
    /// The compiled program, when there is no error (warnings allowed).
    pub program: Option<compile::Program>,
    /// Every diagnostic, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    /// True when there is at least one error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses, checks and compiles the text of one `.pol` file.
///
/// When the text has syntax errors only those are reported: checking a half-parsed file
/// would mostly report consequences of the same mistakes.
///
/// ```
/// let text = r#"
/// policy "嘉政发〔2023〕15号" {
///   title "支持科技创新九条政策意见"
///   issued 2023-07-24
///   effective 2023-08-01 to 2025-12-31
///   funding { 市级财政: 50%, 区级财政: 50% }
///   same_matter highest
/// }
/// input enterprise { 首次认定高新技术企业: bool }
/// clause 高新技术企业认定奖励 {
///   source "第二条"
///   when 首次认定高新技术企业
///   award 20万元
/// }
/// "#;
/// let compiled = pol::compile_source(text);
/// assert!(compiled.diagnostics.is_empty());
/// let program = compiled.program.unwrap();
/// assert_eq!(program.clauses[0].name, "高新技术企业认定奖励");
/// ```
pub fn compile_source(text: &str) -> Compiled {
    let parsed = syntax::parse(text);
    if !parsed.is_ok() {
        let mut diagnostics = parsed.diagnostics;
        diagnostic::sort(&mut diagnostics);
        return Compiled {
            program: None,
            diagnostics,
        };
    }
    let checked = check::check(&parsed.file);
    let mut diagnostics = parsed.diagnostics;
    diagnostics.extend(checked.diagnostics);
    if let Some(model) = &checked.model {
        diagnostics.extend(lint::lint(model, &parsed.file, text));
    }
    lint::allow::apply(&mut diagnostics, text);
    diagnostic::sort(&mut diagnostics);
    Compiled {
        program: checked.model.as_ref().map(|m| compile::compile(m, text)),
        diagnostics,
    }
}
