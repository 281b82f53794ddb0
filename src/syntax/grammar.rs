//! The pest parser generated from `grammar/policy.pest`.

#![allow(missing_docs)]

use pest_derive::Parser;

/// The generated parser; only [`crate::syntax`] uses it.
#[derive(Parser)]
#[grammar = "grammar/policy.pest"]
pub struct PolicyParser;
