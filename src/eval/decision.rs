//! The decision: what an applicant gets under a policy set, and why.
//!
//! Input: built by the evaluator. Output: plain serde data with a stable JSON form (amounts are
//! decimal strings). Guarantee: every paid amount is split among the payers so the shares add
//! up exactly to it, and totals are exact sums.

use std::ops::Add;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use super::facts::FactProblem;
use crate::ast::Span;
use crate::compile::Kind;

/// An amount: exact, or a range for "up to" awards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amount {
    /// One amount.
    Exact(Decimal),
    /// Anything from `min` to `max`.
    Range {
        /// The least.
        min: Decimal,
        /// The most.
        max: Decimal,
    },
}

impl Amount {
    /// Zero yuan.
    pub const ZERO: Amount = Amount::Exact(Decimal::ZERO);

    /// The least it can be.
    pub fn min(self) -> Decimal {
        match self {
            Amount::Exact(d) => d,
            Amount::Range { min, .. } => min,
        }
    }

    /// The most it can be.
    pub fn max(self) -> Decimal {
        match self {
            Amount::Exact(d) => d,
            Amount::Range { max, .. } => max,
        }
    }

    /// An amount from its bounds (exact when they are equal), or `None` when `min` is above
    /// `max`: an inverted range is never made.
    pub fn between(min: Decimal, max: Decimal) -> Option<Amount> {
        match min.cmp(&max) {
            std::cmp::Ordering::Equal => Some(Amount::Exact(min)),
            std::cmp::Ordering::Less => Some(Amount::Range { min, max }),
            std::cmp::Ordering::Greater => None,
        }
    }

    /// The amount from the lesser of `a` and `b` to the greater (exact when they are equal):
    /// for bounds whose order is not known, such as the image of a range under a function.
    pub fn spanning(a: Decimal, b: Decimal) -> Amount {
        if a <= b {
            Amount::between(a, b).unwrap_or(Amount::Exact(a))
        } else {
            Amount::between(b, a).unwrap_or(Amount::Exact(b))
        }
    }

    /// Applies `f` to both bounds (the result spans the two images, whichever is greater).
    pub fn map(self, mut f: impl FnMut(Decimal) -> Decimal) -> Amount {
        match self {
            Amount::Exact(d) => Amount::Exact(f(d)),
            Amount::Range { min, max } => Amount::spanning(f(min), f(max)),
        }
    }

    /// True when it is exactly zero.
    pub fn is_zero(self) -> bool {
        self.max().is_zero()
    }

    /// The sum of two amounts, bound by bound, or `None` when it is too large to hold exactly.
    /// The value and decimal places are those of `+`.
    #[inline]
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        // Most amounts added up over a population are zero or exact: those need one addition
        // or none. Adding a zero gives the other side as it is (decimal places included), as
        // `Decimal`'s own addition does.
        match (self, other) {
            (Amount::Exact(a), b) if a.is_zero() => return Some(b),
            // A zero with no more places than the other side leaves it as it is.
            (Amount::Exact(a), Amount::Exact(b)) if b.is_zero() && b.scale() <= a.scale() => {
                return Some(Amount::Exact(a))
            }
            (Amount::Exact(a), Amount::Exact(b)) => return add_exact(a, b).map(Amount::Exact),
            _ => {}
        }
        // Least plus least is at most most plus most: the sum of two ranges is one.
        Amount::between(
            add_exact(self.min(), other.min())?,
            add_exact(self.max(), other.max())?,
        )
    }
}

/// `a + b`, or `None` when the sum cannot be held exactly. `Decimal`'s own checked addition
/// gives up decimal places to make a large sum fit (500000000000000000000000000.01 twice
/// comes to ...000.0, the fen lost); a sum that keeps fewer places than its terms is refused.
#[inline]
pub(crate) fn add_exact(a: Decimal, b: Decimal) -> Option<Decimal> {
    // (`sub_exact` below is this with `b` negated.)
    // Adding a zero gives the other side as it is (its places kept), which loses nothing.
    a.checked_add(b)
        .filter(|s| a.is_zero() || b.is_zero() || s.scale() >= a.scale().max(b.scale()))
}

/// `a - b`, or `None` when the difference cannot be held exactly ([`add_exact`]).
#[inline]
pub(crate) fn sub_exact(a: Decimal, b: Decimal) -> Option<Decimal> {
    add_exact(a, -b)
}

impl Default for Amount {
    fn default() -> Amount {
        Amount::ZERO
    }
}

impl Add for Amount {
    type Output = Option<Amount>;

    /// [`Amount::checked_add`]: a sum of money is never clamped, so `+` says when it cannot
    /// be held.
    #[inline]
    fn add(self, other: Amount) -> Option<Amount> {
        self.checked_add(other)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // One text per value in every machine output: see `format::canonical`.
        use super::format::canonical;
        let mut m = s.serialize_map(None)?;
        match self {
            Amount::Exact(d) => m.serialize_entry("exact", &canonical(*d))?,
            Amount::Range { min, max } => {
                m.serialize_entry("min", &canonical(*min))?;
                m.serialize_entry("max", &canonical(*max))?;
            }
        }
        m.end()
    }
}

/// What happened to one clause for one subject (or one of its claims).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Eligible; `paid` says how much.
    Awarded,
    /// A condition failed.
    NotEligible,
    /// The event date is outside the clause's window.
    NotInForce,
    /// An input or parameter is missing; `upper_bound` says the most it could be.
    Undetermined,
    /// Arithmetic failed (division by zero, overflow).
    CannotEvaluate,
    /// Eligible, but a higher award for the same matter is paid instead.
    Superseded,
    /// The claim's event date is after the evaluation date: the decision is "as of" that
    /// date, so an event that has not happened yet is not paid.
    NotYet,
    /// Eligible, but every stage of the award waits (its condition does not hold yet, or its
    /// date is after the evaluation date): nothing is paid now; `stages` says what each waits
    /// for.
    Deferred,
    /// The award is declared once-only (`once per ...`) and the subject's history holds an
    /// earlier grant of it: not paid again, and counted towards nothing.
    AlreadyPaid,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 9] = [
        Outcome::Awarded,
        Outcome::NotEligible,
        Outcome::NotInForce,
        Outcome::Undetermined,
        Outcome::CannotEvaluate,
        Outcome::Superseded,
        Outcome::NotYet,
        Outcome::Deferred,
        Outcome::AlreadyPaid,
    ];

    /// The outcome as written in JSON, output files and test files: `not_eligible`.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Awarded => "awarded",
            Outcome::NotEligible => "not_eligible",
            Outcome::NotInForce => "not_in_force",
            Outcome::Undetermined => "undetermined",
            Outcome::CannotEvaluate => "cannot_evaluate",
            Outcome::Superseded => "superseded",
            Outcome::NotYet => "not_yet",
            Outcome::Deferred => "deferred",
            Outcome::AlreadyPaid => "already_paid",
        }
    }

    /// The outcome written as `key`.
    pub fn from_key(key: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.key() == key)
    }

    /// The outcome as staff read it.
    pub fn words(self) -> &'static str {
        match self {
            Outcome::Awarded => "awarded",
            Outcome::NotEligible => "not eligible",
            Outcome::NotInForce => "not in force",
            Outcome::Undetermined => "undetermined",
            Outcome::CannotEvaluate => "cannot evaluate",
            Outcome::Superseded => "superseded",
            Outcome::NotYet => "dated after the evaluation date",
            Outcome::Deferred => "deferred",
            Outcome::AlreadyPaid => "already paid",
        }
    }
}

/// Where a clause comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Citation {
    /// Document number.
    pub document: String,
    /// Article.
    pub article: String,
    /// Responsible departments.
    pub departments: Vec<String>,
    /// The matter (non-cumulation key).
    pub matter: String,
}

/// A change made to an assessed award after it was computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Adjustment {
    /// `subject_cap`, `superseded` or `limit`.
    pub kind: &'static str,
    /// What happened, in words.
    pub detail: String,
    /// The amount before.
    pub before: Amount,
    /// The amount after.
    pub after: Amount,
}

/// One payer's part of an award.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Share<'p> {
    /// The payer.
    pub payer: &'p str,
    /// Its part.
    pub amount: Amount,
}

/// One line of an explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// `window`, `condition`, `value`, `award`, `cap`, `rounding`, `adjustment`, `funding`.
    pub kind: &'static str,
    /// The line, in words and figures.
    pub text: String,
    /// For conditions: whether it held (absent when it could not be known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// The source text it explains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<SpanJson>,
}

/// A byte range of the policy's source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SpanJson {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl From<Span> for SpanJson {
    fn from(s: Span) -> SpanJson {
        SpanJson {
            start: s.start,
            end: s.end,
        }
    }
}

/// The result of one clause for the subject or one of its claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClauseResult<'p> {
    /// The policy's position in the policy set and the clause's in its policy, for programs
    /// that index their own tables by clause (names identify the clause in output).
    #[serde(skip)]
    pub at: (usize, usize),
    /// The policy's document number.
    pub policy: &'p str,
    /// The clause's name.
    pub clause: &'p str,
    /// The claim, for per-claim clauses.
    pub claim: Option<String>,
    /// The year of the clause's run, for clauses paid each year of a run
    /// (`for 3 years from 认定日期`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// The date the clause was evaluated at (the claim's date, or the evaluation date).
    pub event_date: NaiveDate,
    /// Where it comes from.
    pub citation: &'p Citation,
    /// What happened.
    pub outcome: Outcome,
    /// Why, in words (the failed condition, the missing input, the arithmetic fault).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The award after per-claim caps and rounding, before subject caps, non-cumulation and
    /// limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessed: Option<Amount>,
    /// What is paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid: Option<Amount>,
    /// For undetermined clauses: the most the award could be, when known.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::format::serialize_canonical_opt"
    )]
    pub upper_bound: Option<Decimal>,
    /// For undetermined clauses: the inputs and parameters it waits for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// Changes after assessment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// The paid amount split among the payers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub funding: Vec<Share<'p>>,
    /// The explanation, when asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<Step>,
    /// For a staged award: each stage, its amount and whether it is paid now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<super::stages::StageResult>,
    /// For a staged award: what its deferred stages come to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deferred: Option<Amount>,
}

/// A total for one policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyTotal<'p> {
    /// Document number.
    pub policy: &'p str,
    /// Paid under it.
    pub paid: Amount,
    /// The most its undetermined clauses could add, where known.
    #[serde(serialize_with = "super::format::serialize_canonical")]
    pub undetermined_upper_bound: Decimal,
    /// How many of its clauses are undetermined.
    pub undetermined: usize,
    /// Whether the policy splits each subject's total among its payers once (its clauses then
    /// carry no funding of their own).
    pub split_per_subject: bool,
}

/// All totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Totals<'p> {
    /// Paid overall.
    pub paid: Amount,
    /// Per policy.
    pub per_policy: Vec<PolicyTotal<'p>>,
    /// Per payer (a payer named by several policies is one line).
    pub per_payer: Vec<Share<'p>>,
    /// How many clause results are undetermined.
    pub undetermined: usize,
    /// What deferred stages of staged awards come to (not paid now; absent when none).
    #[serde(skip_serializing_if = "nothing")]
    pub deferred: Amount,
}

/// Whether `a` is exactly zero (a total left out of JSON when it is).
fn nothing(a: &Amount) -> bool {
    a.is_zero()
}

/// The subject a decision is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectRef {
    /// Its kind.
    pub kind: Kind,
    /// Its id.
    pub id: compact_str::CompactString,
}

/// What a subject gets under a policy set, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision<'p> {
    /// Who.
    pub subject: SubjectRef,
    /// The evaluation date.
    pub date: NaiveDate,
    /// One result per clause that applies to the subject's kind (per claim for per-claim
    /// clauses), in evaluation order.
    pub clauses: Vec<ClauseResult<'p>>,
    /// Totals.
    pub totals: Totals<'p>,
    /// Every cap and limit the awards met (per-subject caps and limits, counted with the
    /// history of past grants), with how much more could still be paid under it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headroom: Vec<super::history::Headroom>,
    /// Warnings about the facts (attributes no policy uses).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<FactProblem>,
}

/// Amounts for property tests: exact, or a range between two numbers made of a `mantissa` and
/// a number of `places`.
#[cfg(test)]
pub(crate) fn amount_strategy(
    mantissa: impl proptest::strategy::Strategy<Value = i64> + Clone,
    places: std::ops::Range<u32>,
) -> impl proptest::strategy::Strategy<Value = Amount> {
    use proptest::prelude::*;
    let d = (mantissa, places).prop_map(|(m, s)| Decimal::new(m, s));
    (d.clone(), d, any::<bool>()).prop_map(|(x, y, range)| {
        if range {
            Amount::spanning(x, y)
        } else {
            Amount::Exact(x)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The sum as the general rule makes it, bound by bound.
    fn slow(a: Amount, b: Amount) -> Option<Amount> {
        Amount::between(a.min().checked_add(b.min())?, a.max().checked_add(b.max())?)
    }

    fn amount() -> impl Strategy<Value = Amount> {
        let mantissa = prop_oneof![Just(0i64), any::<i32>().prop_map(i64::from), any::<i64>()];
        amount_strategy(mantissa, 0..6)
    }

    #[test]
    fn a_sum_that_would_lose_places_is_not_held() {
        let big: Decimal = "500000000000000000000000000.01".parse().unwrap();
        // `Decimal`'s own addition gives 1000000000000000000000000000.0, the fen lost.
        assert!(add_exact(big, big).is_none());
        assert!(Amount::Exact(big).checked_add(Amount::Exact(big)).is_none());
        let half = Decimal::new(5, 1);
        assert_eq!(add_exact(big, Decimal::ZERO), Some(big));
        assert_eq!(add_exact(half, half), Some(Decimal::ONE));
    }

    proptest! {
        #[test]
        fn the_quick_sums_keep_value_and_decimal_places(a in amount(), b in amount()) {
            // Equal Decimals can differ in their places ("5" and "5.00"): compare the text.
            let text = |x: Option<Amount>| x.map(|x| format!("{}..{}", x.min(), x.max()));
            prop_assert_eq!(text(a + b), text(slow(a, b)));
        }
    }
}
