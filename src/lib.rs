#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

// The modules that do the work are the crate's own; what embedders use is re-exported below.
pub(crate) mod api;
pub(crate) mod ast;
pub(crate) mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub(crate) mod compile;
pub(crate) mod dates;
pub(crate) mod diagnostic;
pub(crate) mod encoding;
pub(crate) mod eval;
pub(crate) mod explain;
pub(crate) mod fmt;
pub(crate) mod ids;
pub(crate) mod keys;
pub(crate) mod lint;
pub(crate) mod problem;
pub(crate) mod schema;
pub(crate) mod simulate;
pub(crate) mod syntax;
pub(crate) mod testing;
pub(crate) mod units;

// Compiling and checking policies.
pub use api::{check, CompileError, Diagnostics, FileDiagnostics, PolicySet};
pub use ast::Span;
pub use compile::Kind;
pub use diagnostic::{Code, Diagnostic, Label, RenderOptions, Severity};
pub use fmt::{format_source, FormatError};
// Evaluating one subject.
pub use api::{ClauseResult, Decision, Facts, PolicyTotal, Share, Subject, Totals};
pub use eval::decision::{Adjustment, Citation, SpanJson, Step};
pub use eval::history::{Headroom, PastGrant};
pub use eval::stages::{StageOutcome, StageResult};
pub use eval::{Amount, EvalError, FactProblem, Failure, Options, Outcome};
pub use problem::ProblemCode;
// Simulating a population.
pub use simulate::deferred::DeferredSums;
pub use simulate::pro_rata::ProRataUse;
pub use simulate::summary::{BudgetUse, ClauseStats, Distribution};
pub use simulate::{
    Columns, End, HistorySource, PopulationFormat, Report, RowError, RowFormat, RowProblem,
    SimulateError, Simulation, SimulationOptions, Summary, DEFAULT_CHUNK, MAX_REPORTED_ERRORS,
    MAX_SUBJECT_ROWS, MAX_THREADS,
};
// Running the test cases written beside policies.
pub use testing::{BrokenCase, Case, CaseReport, Expected, ExpectedAmount, StageExpect, TestFile};

// What the modules share: the one pipeline from a file's text to its program.

/// The result of compiling one policy's text.
#[derive(Debug)]
pub(crate) struct Compiled {
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
pub(crate) fn compile_source(text: &str) -> Compiled {
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
