//! What an evaluation writes down besides its figures, chosen at compile time.
//!
//! Input: a tracer type given to [`crate::eval::Evaluator`]. Output: the words of each verdict
//! (a reason, adjustments, the steps of an explanation), or none. Guarantee: the figures
//! (outcomes, amounts, bounds, needs) are worked out by the same code whatever the tracer; the
//! tracer only decides what is written, and [`Silent`] writes nothing at all (its recording
//! calls compile to nothing, so a simulation pays nothing for words it does not keep).

use super::decision::{Adjustment, Amount, Step};
use super::run::Verdict;

/// How much an evaluation writes down: [`Silent`], [`Reasons`] or [`Explain`]. The choice is a
/// type, so each evaluator is compiled for one of them (nothing is tested at run time).
pub trait Tracer: record::Record + Send + Sync + 'static {}

/// Writes nothing: outcomes, amounts and what undetermined clauses wait for (what `pol
/// simulate` needs).
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

/// Says why a clause is not eligible, undetermined, cannot be evaluated or was adjusted (what
/// `pol eval` prints).
#[derive(Clone, Copy, Debug, Default)]
pub struct Reasons;

/// Reasons, and every step: each condition with its values, the arithmetic, caps, rounding and
/// the payer split (`pol eval --explain`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Explain;

impl Tracer for Silent {}
impl Tracer for Reasons {}
impl Tracer for Explain {}

impl record::Record for Silent {
    const REASONS: bool = false;
    const EXPLAIN: bool = false;
}

impl record::Record for Reasons {
    const REASONS: bool = true;
    const EXPLAIN: bool = false;
}

impl record::Record for Explain {
    const REASONS: bool = true;
    const EXPLAIN: bool = true;
}

/// The recording calls, out of reach outside the crate (so [`Tracer`] cannot be implemented
/// elsewhere either). Each takes a closure that makes the words, called only when the tracer
/// keeps them: under [`Silent`] the call and its closure vanish.
pub(crate) mod record {
    use super::*;

    /// The recording calls of a tracer.
    pub trait Record {
        /// Whether reasons and adjustments are written.
        const REASONS: bool;
        /// Whether every step is written (an explanation).
        const EXPLAIN: bool;

        /// One step of the explanation.
        #[inline(always)]
        fn step(v: &mut Verdict, make: impl FnOnce() -> Step) {
            if Self::EXPLAIN {
                v.words().trace.push(make());
            }
        }

        /// Several steps of the explanation, pushed by `make`.
        #[inline(always)]
        fn steps(v: &mut Verdict, make: impl FnOnce(&mut Vec<Step>)) {
            if Self::EXPLAIN {
                make(&mut v.words().trace);
            }
        }

        /// Why the verdict is what it is.
        #[inline(always)]
        fn reason(v: &mut Verdict, make: impl FnOnce() -> String) {
            if Self::REASONS {
                v.words().reason = Some(make());
            }
        }

        /// An amount changed from `before` to `after` by a rule applied after the award
        /// (`kind`: `subject_cap`, `limit`, `superseded`, `same_matter_floor`), said as the
        /// detail `detail` makes (with where the rule is written); explained as a step too.
        #[inline(always)]
        fn adjustment(
            v: &mut Verdict,
            kind: &'static str,
            (before, after): (Amount, Amount),
            detail: impl FnOnce() -> (String, Option<crate::ast::Span>),
        ) {
            if Self::REASONS {
                let (detail, span) = detail();
                let words = v.words();
                if Self::EXPLAIN {
                    words.trace.push(Step {
                        kind: "adjustment",
                        text: detail.clone(),
                        passed: None,
                        span: span.map(Into::into),
                    });
                }
                words.adjustments.push(Adjustment {
                    kind,
                    detail,
                    before,
                    after,
                });
            }
        }
    }
}
