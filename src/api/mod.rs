//! The façade's own types: a small, stable surface over the modules that do the work.
//!
//! Input: what an embedding program has: policy files' names and texts, facts as JSON, a date.
//! Output: owned results that outlive the call ([`PolicySet`], [`Decision`], [`Diagnostics`])
//! and error types that say what is wrong in their own words. Guarantee: nothing here decides
//! anything the `pol` command decides otherwise: both go through the same functions.

mod decision;
mod policies;
pub(crate) mod sources;

pub use decision::{ClauseResult, Decision, PolicyTotal, Share, Subject, Totals};
pub use policies::{CompileError, Facts, PolicySet};
pub use sources::{check, Diagnostics, FileDiagnostics};
