//! Runtime values and the ways an evaluation can stop short of a value.
//!
//! Input: produced by the expression evaluator. Output: a value, or why there is none: an
//! input or parameter that is not known (the clause is undetermined) or an arithmetic failure
//! (the clause cannot be evaluated). Guarantee: small, `Copy`, no allocation.

use crate::ast::Span;

pub use crate::compile::Value;

/// What is missing for a value to be known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// A subject input (by slot).
    Subject(u32),
    /// A claim input (by slot).
    Claim(u32),
    /// A parameter with no value at the event date (by slot).
    Param(u32),
}

/// Why arithmetic failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Division by zero.
    DivisionByZero,
    /// A result too large to hold exactly.
    Overflow,
    /// A bracket has no row for the value.
    NoBracketRow,
    /// One of pol's own rules did not hold (what the checker guarantees, such as a value's
    /// type): a bug in pol, reported as an internal error (F0901), never as a result.
    Internal(&'static str),
}

/// Why an evaluation produced no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Something is not known yet.
    Needs(Need),
    /// Arithmetic failed at this span.
    Fault(Fault, Span),
}

/// A value or why there is none.
pub type Outcome<T> = Result<T, Stop>;
