//! Budget overruns reduced pro rata (按比例核减): `budget { 2024: 5000万元 pro_rata }`.
//!
//! Input: the policy set's budget lines marked `pro_rata`; in a first pass over the population,
//! what each chunk's subjects are paid under each such line (a policy's awards whose event date
//! falls in the line's year, and the stages paid now of staged awards whose own date falls in
//! it, each stage an award of its year), chunk by chunk in file order; in the second pass, each subject's
//! verdicts. Output: a [`Plan`] (each line's total, and the running total before each chunk);
//! each subject's awards under an overrun line reduced, with what they were before; the
//! summary's budget lines annotated with the totals before and after and the factor.
//!
//! The rule (README, "Simulating a population"): when a line's awards add up to a total `T`
//! above its budget `B`, its awards are taken in file order (subjects in the order of the file,
//! a subject's awards in evaluation order) with their running total `S`, and each award is paid
//! what `floor(B × S / T)` grew by with it, in units of 0.01 元 (or the finer places the amounts
//! have). So each award is its exact share `B × a / T` rounded down or up to the fen, never more
//! than it was; the year's total is `floor(B × T / T) = B` exactly; and the amounts depend only
//! on the file's order, never on the chunk size or the threads (each chunk starts from the
//! running total the first pass found before it). This is the rule the payer split uses for
//! shares (running totals), so the fen left over go by position in the file rather than by the
//! size of a fraction, which a streaming run could only know by holding every award.
//!
//! Guarantee: a year whose total is a range (an "up to" award without an assessed amount) and
//! whose most passes its budget cannot be reduced to the budget exactly: F0403, never a figure
//! that only looks right. A year within its budget is left as it is.

use rust_decimal::Decimal;
use serde::Serialize;

use super::summary::{BudgetUse, Summary};
use super::RowResult;
use crate::eval::{Amount, Evaluator, Failure, PolicySet, Scratch, Verdict};
use crate::problem::ProblemCode;

/// A budget line reduced pro rata: its policy, year and budget, and its policy's rounding step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pi: usize,
    year: i32,
    budget: Decimal,
    step: Decimal,
}

impl Line {
    /// What is left of the budget for this run's awards once `earlier` (what the history
    /// granted under the policy in the year) is taken from it; below zero when the earlier
    /// grants alone passed it.
    fn room(&self, earlier: Decimal) -> Option<Decimal> {
        self.budget.checked_sub(earlier)
    }

    /// What an overrun year's awards are reduced to: what is left of the budget (`room`, none
    /// when the earlier grants used it up) rounded down to the policy's rounding step (as a
    /// cap's amount is, README "Order of evaluation"), so every reduced award is whole steps
    /// and the year never pays more than its budget says. `None` when it cannot be held.
    fn target(&self, room: Decimal) -> Option<Decimal> {
        let room = room.max(Decimal::ZERO);
        crate::eval::round(room, self.step, crate::ast::RoundingMode::Down)
    }
}

/// The budget lines of `set` marked `pro_rata`, in policy and line order.
pub(crate) fn lines(set: &PolicySet) -> Vec<Line> {
    let mut out = Vec::new();
    for (pi, p) in set.programs().iter().enumerate() {
        for (year, budget) in &p.header.budget {
            if p.header.pro_rata.contains(year) {
                // A staged award's parts are split to the fen, not to the policy's rounding
                // step: reduced in steps, a part smaller than a step could be paid a whole
                // step, more than it was (attack run 11, B3). Such a policy's lines move by
                // the fen (or by its step when that divides a fen).
                let fen = Decimal::new(1, 2);
                let staged = p.clauses.iter().any(|c| !c.stages.is_empty());
                let step = if staged && !(fen % p.header.rounding_step).is_zero() {
                    fen
                } else {
                    p.header.rounding_step
                };
                out.push(Line {
                    pi,
                    year: *year,
                    budget: *budget,
                    step,
                });
            }
        }
    }
    out
}

/// What a budget line reduced pro rata came to, as the summary shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ProRataUse {
    /// What the year's awards added up to before any reduction.
    #[serde(serialize_with = "crate::eval::format::serialize_canonical")]
    pub paid_before: Decimal,
    /// Whether the awards were reduced (the year overran its budget).
    pub reduced: bool,
    /// The budget over the total before, to six decimal places without trailing zeros, for
    /// people (the amounts are worked out from the exact fraction); 1 when nothing was reduced.
    pub factor: Decimal,
}

/// The first pass: what each chunk's subjects are paid under each line, in file order.
#[derive(Debug)]
pub(crate) struct Recorder {
    lines: Vec<Line>,
    /// Per chunk in file order, per line: what its subjects are paid.
    chunks: Vec<Vec<Amount>>,
    /// A chunk's sum that could not be held.
    failed: Option<Failure>,
}

impl Recorder {
    /// A recorder for `lines`.
    pub(crate) fn new(lines: Vec<Line>) -> Recorder {
        Recorder {
            lines,
            chunks: Vec::new(),
            failed: None,
        }
    }

    /// Takes the next chunk's summary, in file order.
    pub(crate) fn chunk(&mut self, summary: &Summary) {
        let mut paid = Vec::with_capacity(self.lines.len());
        for l in &self.lines {
            match summary.paid_in(l.pi, l.year) {
                None => paid.push(Amount::ZERO),
                Some(Some(a)) => paid.push(a),
                Some(None) => {
                    self.failed.get_or_insert_with(|| too_large(l, "a part of"));
                    paid.push(Amount::ZERO);
                }
            }
        }
        self.chunks.push(paid);
    }

    /// The plan of the second pass, with `earlier` giving what the history granted under a
    /// policy in a year (counted against its budget before this run's awards); F0402 for a
    /// total that cannot be held, F0403 for a year that overruns its budget with amounts that
    /// are ranges.
    pub(crate) fn plan(
        self,
        set: &PolicySet,
        earlier: impl Fn(usize, i32) -> Option<Decimal>,
    ) -> Result<Plan, Failure> {
        if let Some(f) = self.failed {
            return Err(f);
        }
        let mut lines = Vec::with_capacity(self.lines.len());
        for (k, l) in self.lines.iter().enumerate() {
            let mut total = Amount::ZERO;
            let before =
                earlier(l.pi, l.year).ok_or_else(|| too_large(l, "the earlier grants of"))?;
            let room = l
                .room(before)
                .ok_or_else(|| too_large(l, "what is left of the budget of"))?;
            let target = l
                .target(room)
                .ok_or_else(|| too_large(l, "the budget of"))?;
            let mut places = l.budget.scale().max(l.step.scale()).max(2);
            for c in &self.chunks {
                total = total
                    .checked_add(c[k])
                    .ok_or_else(|| too_large(l, "the total of"))?;
                places = places.max(c[k].min().scale()).max(c[k].max().scale());
            }
            // What the run pays passes what the earlier grants left of the budget (all of it,
            // when they used it up): reduced.
            let reduce = total.max() > room && total.max() > Decimal::ZERO;
            if reduce && total.min() != total.max() {
                return Err(ranges(set, l, total, room));
            }
            // The budget in whole steps: the reduced running total moves by whole steps.
            let step = units(l.step, places)
                .filter(|s| *s > 0)
                .ok_or_else(|| too_large(l, "the rounding step of"))?;
            let target_units =
                units(target, places).ok_or_else(|| too_large(l, "the budget of"))?;
            lines.push(Planned {
                line: l.clone(),
                earlier: before,
                total,
                places,
                reduce,
                target,
                budget: target_units / step,
                step,
                total_units: units(total.max(), places)
                    .ok_or_else(|| too_large(l, "the total of"))?,
            });
        }
        // The running total of each line before each chunk, in units of its places.
        let mut starts = Vec::with_capacity(self.chunks.len());
        let mut at: Vec<i128> = vec![0; lines.len()];
        for c in &self.chunks {
            starts.push(at.clone());
            for (k, p) in lines.iter().enumerate() {
                let u =
                    units(c[k].max(), p.places).ok_or_else(|| too_large(&p.line, "a part of"))?;
                at[k] += u;
            }
        }
        Ok(Plan { lines, starts })
    }
}

/// F0402 for a sum of line `l` (`what` it is) too large to hold.
fn too_large(l: &Line, what: &str) -> Failure {
    Failure {
        code: ProblemCode::SummaryOverflow,
        message: format!(
            "{what} the {} budget's awards is too large to hold exactly",
            l.year
        ),
        help: "check the population for amounts with a misplaced scale or exponent".to_string(),
    }
}

/// F0403 for line `l`, whose awards add up to the range `total` against `room` left of it.
fn ranges(set: &PolicySet, l: &Line, total: Amount, room: Decimal) -> Failure {
    let document = &set.programs()[l.pi].header.document;
    let left = if room == l.budget {
        String::new()
    } else {
        format!(
            ", {} of it left after the grants of the history",
            crate::eval::format::yuan(room.max(Decimal::ZERO))
        )
    };
    Failure {
        code: ProblemCode::ProRataRange,
        message: format!(
            "the {} budget of `{document}` ({}{left}) is reduced pro rata, but its awards add up to {}: a range (\"up to\" awards without an assessed amount), so no one factor makes them equal the budget",
            l.year,
            crate::eval::format::yuan(l.budget),
            crate::eval::format::amount(total)
        ),
        help: "give the assessed amounts (`award up to X assessed Y`), or leave `pro_rata` out of that budget line to only report the overrun".to_string(),
    }
}

/// `d` in whole units of 10^-`places` (`places` at least its own), when they fit.
fn units(d: Decimal, places: u32) -> Option<i128> {
    let up = places.checked_sub(d.scale())?;
    10i128.checked_pow(up)?.checked_mul(d.mantissa())
}

/// One line as the second pass reduces it.
#[derive(Debug)]
struct Planned {
    line: Line,
    /// What the history granted earlier in the year, as the first pass counted it.
    earlier: Decimal,
    /// Its awards' total before reduction.
    total: Amount,
    /// The places its units are in (at least two).
    places: u32,
    /// Whether it overran (and its awards are reduced).
    reduce: bool,
    /// What an overrun year is reduced to ([`Line::target`]).
    target: Decimal,
    /// That amount in whole rounding steps, the step in units, and the total in units.
    budget: i128,
    step: i128,
    total_units: i128,
}

impl Planned {
    /// `floor(budget × s / total)` steps, in units: what the reduced running total is at `s`.
    /// Exact for every running total up to the total (the product is formed in 256 bits).
    fn scaled(&self, s: i128) -> Result<i128, Failure> {
        mul_div_floor(self.budget, s, self.total_units)
            .and_then(|q| q.checked_mul(self.step))
            .ok_or_else(|| {
                Failure::overflow(format!(
                    "the {} budget's reduced running total",
                    self.line.year
                ))
            })
    }
}

/// `floor(a × b / c)` for `a`, `b` at least zero and `c` above zero, when it fits: the
/// product is formed in 256 bits, so it never overflows on the way.
fn mul_div_floor(a: i128, b: i128, c: i128) -> Option<i128> {
    if let Some(p) = a.checked_mul(b) {
        return (c > 0).then(|| p.div_euclid(c));
    }
    let (a, b, c) = (
        u128::try_from(a).ok()?,
        u128::try_from(b).ok()?,
        u128::try_from(c).ok()?,
    );
    let (hi, lo) = mul_wide(a, b);
    // A quotient of 2^128 or more does not fit (and `c` is not zero).
    if c == 0 || hi >= c {
        return None;
    }
    // Long division of (hi, lo) by c, one bit at a time; the remainder stays below c.
    let (mut r, mut q) = (hi, 0u128);
    for i in (0..128).rev() {
        let carry = r >> 127;
        r = (r << 1) | ((lo >> i) & 1);
        q <<= 1;
        if carry == 1 || r >= c {
            r = r.wrapping_sub(c);
            q |= 1;
        }
    }
    i128::try_from(q).ok()
}

/// `a × b` as (high, low) 128-bit halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const LOW: u128 = u64::MAX as u128;
    let (a1, a0, b1, b0) = (a >> 64, a & LOW, b >> 64, b & LOW);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let lo = (p00 & LOW) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// The second pass's plan: each line's total, and where its running total stands before each
/// chunk.
#[derive(Debug)]
pub(crate) struct Plan {
    lines: Vec<Planned>,
    /// Per chunk in file order, per line: the running total before it, in units.
    starts: Vec<Vec<i128>>,
}

/// A worker's state in the second pass: each line's running total in the chunk being read, and
/// what the last subject's reduced awards were before (by verdict).
#[derive(Debug, Default)]
pub(crate) struct Running {
    at: Vec<i128>,
    before: Vec<Option<Amount>>,
}

impl Running {
    /// Each line's running total (before reduction) so far in the chunk, from its start.
    pub(crate) fn totals(&self) -> &[i128] {
        &self.at
    }
}

impl Plan {
    /// Checks, in the second pass, that chunk `seq` ended where the first pass found the next
    /// one to start (each line's running total before reduction): else the population changed
    /// between the passes (F0404), and the reduction would not add up to the budget.
    pub(crate) fn check_chunk(&self, seq: u64, end: &[i128]) -> Result<(), Failure> {
        let next = usize::try_from(seq + 1)
            .ok()
            .and_then(|s| self.starts.get(s));
        let same = match next {
            Some(start) => start.as_slice() == end,
            None => self
                .lines
                .iter()
                .map(|l| l.total_units)
                .eq(end.iter().copied()),
        };
        if same && usize::try_from(seq).is_ok_and(|s| s < self.starts.len()) {
            return Ok(());
        }
        Err(Failure {
            code: ProblemCode::ChangedBetweenPasses,
            message: "the population is not what the first pass read: its awards under a budget reduced pro rata differ".to_string(),
            help: "do not change the population file while `pol simulate` runs, then run it again".to_string(),
        })
    }

    /// Starts chunk `seq`: each line's running total before it.
    pub(crate) fn start(&self, seq: u64, running: &mut Running) {
        running.at.clear();
        match usize::try_from(seq).ok().and_then(|s| self.starts.get(s)) {
            Some(s) => running.at.extend_from_slice(s),
            None => running.at.resize(self.lines.len(), 0),
        }
    }

    /// The line a part of an award of policy `pi` paid in `year` is counted against.
    fn line_of(&self, pi: usize, year: i32) -> Option<usize> {
        self.lines
            .iter()
            .position(|l| l.line.pi == pi && l.line.year == year)
    }

    /// Reduces the awards of the subject just decided into `scratch` that fall under an
    /// overrun line, and settles it again; `running` keeps what each was before, and every
    /// line's running total before reduction (checked against the first pass).
    pub(crate) fn apply<'p>(
        &self,
        running: &mut Running,
        ev: &Evaluator<'p>,
        scratch: &mut Scratch<'p>,
    ) -> Result<(), Failure> {
        running.before.clear();
        running.before.resize(scratch.verdicts().len(), None);
        let (at, before) = (&mut running.at, &mut running.before);
        // Each part counted in a year (an award, or a stage paid now in the year of its date)
        // is an award of that year's line, as the first pass's summary counted it.
        scratch.rescale(ev, |i, v, paid, year| {
            let Some(k) = self.line_of(v.pi, year) else {
                return Ok(None);
            };
            let line = &self.lines[k];
            // Counted as the first pass counted it (the most of a range).
            let u = units(paid.max(), line.places).ok_or_else(|| {
                Failure::internal("an award has more places than its budget line's total")
            })?;
            let prev = at[k];
            let next = prev
                .checked_add(u)
                .ok_or_else(|| Failure::overflow("a budget's running total"))?;
            at[k] = next;
            if !line.reduce {
                return Ok(None);
            }
            if !matches!(paid, Amount::Exact(_)) {
                return Err(Failure::internal(
                    "a range reached a budget reduced pro rata whose total is exact",
                ));
            }
            let grew = line.scaled(next)? - line.scaled(prev)?;
            before[i] = v.paid;
            let mut reduced = Decimal::try_from_i128_with_scale(grew, line.places)
                .map_err(|_| Failure::overflow("a reduced award"))?;
            // Whole steps, written with the step's places: a budget's finer places must not
            // make the payer split work in finer places than the award has.
            reduced.rescale(line.line.step.scale().max(2));
            Ok(Some(Amount::Exact(reduced)))
        })
    }

    /// What the last subject's verdict `i` was before it was reduced, if it was.
    pub(crate) fn before(running: &Running, i: usize) -> Option<Amount> {
        running.before.get(i).copied().flatten()
    }

    /// Annotates the summary's budget lines reduced pro rata, and checks that each overrun year
    /// now adds up to its budget exactly (else pol broke its own rule: F0901).
    pub(crate) fn annotate(&self, set: &PolicySet, summary: &mut Summary) -> Result<(), Failure> {
        for p in &self.lines {
            let document = &set.programs()[p.line.pi].header.document;
            let earlier_now = summary.earlier_in(p.line.pi, p.line.year);
            let Some(b) = summary
                .budgets
                .iter_mut()
                .find(|b: &&mut BudgetUse| b.year == p.line.year && &b.policy == document)
            else {
                continue;
            };
            // The history is read again in the second pass: changed in between, the
            // reduction (made for the first pass's earlier grants) would not fit the line.
            if earlier_now != Some(p.earlier) {
                return Err(Failure {
                    code: ProblemCode::ChangedBetweenPasses,
                    message: format!(
                        "the history is not what the first pass read: its grants counted against the {} budget of `{document}` differ",
                        p.line.year
                    ),
                    help: "do not change the history file while `pol simulate` runs, then run it again".to_string(),
                });
            }
            if p.reduce && b.paid != p.target {
                return Err(Failure::internal(format!(
                    "the {} budget of `{document}` was reduced pro rata to {}, not to the budget",
                    p.line.year, b.paid
                )));
            }
            let before = super::money_places(p.total.max());
            let factor = if p.reduce {
                // The factor applied: the budget in whole rounding steps (what the year is
                // reduced to) over the total before.
                let f = p.target.checked_div(p.total.max());
                f.ok_or_else(|| Failure::internal("a budget over its overrun total"))?
                    .round_dp(6)
                    .normalize()
            } else {
                Decimal::ONE
            };
            b.pro_rata = Some(ProRataUse {
                paid_before: before,
                reduced: p.reduce,
                factor,
            });
        }
        Ok(())
    }
}

/// Fills each row's `before` with what the reduced awards written on it were before: `place`
/// gives a verdict's row and clause column.
pub(crate) fn befores_into(
    rows: &mut [RowResult],
    verdicts: &[Verdict],
    running: &Running,
    place: impl Fn(&Verdict) -> Option<(usize, usize)>,
) {
    for r in rows.iter_mut() {
        r.before.clear();
    }
    for (i, v) in verdicts.iter().enumerate() {
        let Some(b) = Plan::before(running, i) else {
            continue;
        };
        let Some(row) = place(v).and_then(|(row, col)| Some((rows.get_mut(row)?, col))) else {
            continue;
        };
        let (r, col) = row;
        if r.before.len() <= col {
            r.before.resize(col + 1, None);
        }
        r.before[col] = Some(b);
    }
    // The years of a run share their clause's cell: its figure before reduction is the sum of
    // each year's, a year not reduced counting what it paid.
    if verdicts.iter().any(|v| v.year.is_some()) {
        run_befores(rows, verdicts, running, &place);
    }
}

/// [`befores_into`] for the cells of clauses paid for each year of a run.
fn run_befores(
    rows: &mut [RowResult],
    verdicts: &[Verdict],
    running: &Running,
    place: &impl Fn(&Verdict) -> Option<(usize, usize)>,
) {
    let mut cells: Vec<((usize, usize), Option<Amount>, bool)> = Vec::new();
    for (i, v) in verdicts
        .iter()
        .enumerate()
        .filter(|(_, v)| v.year.is_some())
    {
        let Some(at) = place(v) else {
            continue;
        };
        let before = Plan::before(running, i);
        let amount = before.or(v.paid).unwrap_or(Amount::ZERO);
        match cells.iter_mut().find(|(p, _, _)| *p == at) {
            // A sum that cannot be held leaves no figure (`None`), never a wrong one; it cannot
            // happen, as the amounts are parts of the subject's total.
            Some(c) => {
                c.1 = c.1.and_then(|x| x + amount);
                c.2 |= before.is_some();
            }
            None => cells.push((at, Some(amount), before.is_some())),
        }
    }
    for ((row, col), sum, reduced) in cells {
        if let (Some(r), true) = (rows.get_mut(row), reduced) {
            if r.before.len() <= col {
                r.before.resize(col + 1, None);
            }
            r.before[col] = sum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn planned(budget: i128, total: i128) -> Planned {
        Planned {
            line: Line {
                pi: 0,
                year: 2024,
                budget: Decimal::new(budget as i64, 2),
                step: Decimal::new(1, 2),
            },
            earlier: Decimal::ZERO,
            total: Amount::Exact(Decimal::new(total as i64, 2)),
            places: 2,
            reduce: total > budget,
            target: Decimal::new(budget as i64, 2),
            budget,
            step: 1,
            total_units: total,
        }
    }

    proptest! {
        /// Awards in any order, cut anywhere into chunks: reduced by the running total, they add
        /// up to the budget exactly, each is its exact share rounded down or up, never more than
        /// it was, and the result does not depend on where the chunks are cut.
        #[test]
        fn running_totals_reduce_to_the_budget_exactly(
            awards in prop::collection::vec(0i128..10_000_000, 1..60),
            budget_share in 1u32..100,
        ) {
            let total: i128 = awards.iter().sum();
            prop_assume!(total > 1);
            let budget = total * i128::from(budget_share) / 100;
            let p = planned(budget, total);
            let mut s = 0;
            let mut sum = 0;
            for a in &awards {
                let grew = p.scaled(s + a).unwrap() - p.scaled(s).unwrap();
                s += a;
                sum += grew;
                prop_assert!(grew <= *a && grew >= 0);
                // |grew - a × B / T| < 1, in integers.
                prop_assert!((grew * total - a * budget).abs() < total);
            }
            prop_assert_eq!(sum, budget);
        }
    }

    #[test]
    fn units_refuse_fewer_places_than_the_amount_has() {
        assert_eq!(units(Decimal::new(12345, 2), 2), Some(12345));
        assert_eq!(units(Decimal::new(12345, 2), 3), Some(123450));
        assert_eq!(units(Decimal::new(12345, 3), 2), None);
    }
}
