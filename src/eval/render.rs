//! A decision as text for policy staff.
//!
//! Input: a [`Decision`]. Output: one heading line per clause result (citation, outcome,
//! amount), the reason or the full explanation under it, and the totals per policy and payer.

use std::fmt::Write;

use super::decision::{ClauseResult, Decision, Outcome, Step};
use super::format;

fn marker(step: &Step) -> &'static str {
    match (step.kind, step.passed) {
        (_, Some(true)) => "✓",
        (_, Some(false)) => "✗",
        ("condition", None) => "?",
        ("award", _) | ("rounding", _) => "=",
        _ => "·",
    }
}

/// Renders `decision`; with `explain`, every step of every clause. Control characters and
/// other hidden characters of ids, names and texts are escaped (`\u{001B}`): they come from
/// facts and policies and must not drive the terminal.
pub fn human(decision: &Decision<'_>, explain: bool) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write_human(&mut out, decision, explain);
    format::escape_text(&out).into_owned()
}

fn write_human(out: &mut String, d: &Decision<'_>, explain: bool) -> std::fmt::Result {
    writeln!(
        out,
        "{} {} on {}",
        d.subject.kind.as_str(),
        d.subject.id,
        d.date
    )?;
    for w in &d.warnings {
        writeln!(out, "warning: {} ({}) [{}]", w.message(), w.help(), w.code)?;
    }
    if d.clauses.is_empty() {
        writeln!(
            out,
            "\nno clause of these policies applies to a subject of this kind"
        )?;
    }
    // Without an explanation, clauses that pay nothing for want of eligibility or time are
    // listed last, one line each, so what is paid stands out.
    let quiet = |c: &&ClauseResult<'_>| {
        !explain && matches!(c.outcome, Outcome::NotEligible | Outcome::NotInForce)
    };
    for c in d.clauses.iter().filter(|c| !quiet(c)) {
        write_clause(out, c, explain)?;
    }
    let rest: Vec<&ClauseResult<'_>> = d.clauses.iter().filter(quiet).collect();
    if !rest.is_empty() {
        writeln!(out, "\nnot eligible or not in force ({}):", rest.len())?;
        for c in rest {
            let claim = match (&c.claim, c.year) {
                (Some(id), _) => format!(" [{id}]"),
                (None, Some(year)) => format!(" [year {year}]"),
                (None, None) => String::new(),
            };
            let why = c.reason.as_deref().unwrap_or(c.outcome.words());
            writeln!(
                out,
                "  {}{claim} ({} {}): {why}",
                c.clause, c.citation.document, c.citation.article
            )?;
        }
    }
    writeln!(out, "\ntotal paid: {}", format::total(d.totals.paid))?;
    if !d.totals.deferred.is_zero() {
        writeln!(
            out,
            "total deferred (stages not paid yet): {}",
            format::total(d.totals.deferred)
        )?;
    }
    for p in &d.totals.per_policy {
        write!(out, "  {}: {}", p.policy, format::amount(p.paid))?;
        if p.undetermined > 0 {
            write!(
                out,
                "; {} undetermined (up to {} more where a bound is known)",
                p.undetermined,
                format::yuan(p.undetermined_upper_bound)
            )?;
        }
        writeln!(out)?;
    }
    for s in &d.totals.per_payer {
        writeln!(out, "  {}: {}", s.payer, format::amount(s.amount))?;
    }
    if explain && !d.headroom.is_empty() {
        write_headroom(out, &d.headroom)?;
    }
    Ok(())
}

/// Each cap's and limit's room after the decision: `headroom:` then one line each.
fn write_headroom(out: &mut String, rows: &[super::history::Headroom]) -> std::fmt::Result {
    writeln!(
        out,
        "\nheadroom (what more could be paid under each cap and limit):"
    )?;
    for h in rows {
        let year = h.year.map_or(String::new(), |y| format!(" in {y}"));
        let claim = h
            .claim
            .as_ref()
            .map_or(String::new(), |c| format!(" [{c}]"));
        let history = if h.history.is_zero() {
            String::new()
        } else {
            format!(", {} of it by earlier grants", format::money(h.history))
        };
        writeln!(
            out,
            "  {} {}{claim}: {}{year}: {} counted{history}, {} left",
            h.policy,
            h.name,
            h.bound,
            format::amount(h.counted),
            format::amount(h.headroom)
        )?;
    }
    Ok(())
}

/// Renders one clause result: its heading, and its reason or (with `explain`) every step;
/// hidden characters escaped as in [`human`].
pub fn clause(c: &ClauseResult<'_>, explain: bool) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write_clause(&mut out, c, explain);
    format::escape_text(&out).into_owned()
}

fn write_clause(out: &mut String, c: &ClauseResult<'_>, explain: bool) -> std::fmt::Result {
    let departments = if c.citation.departments.is_empty() {
        String::new()
    } else {
        format!(", {}", c.citation.departments.join("、"))
    };
    let claim = match (&c.claim, c.year) {
        (Some(id), _) => format!(" [{id}, {}]", c.event_date),
        (None, Some(year)) => format!(" [year {year}, {}]", c.event_date),
        (None, None) => String::new(),
    };
    let mut amount = match (c.outcome, c.paid, c.upper_bound) {
        (Outcome::Awarded, Some(p), _) => format::total(p),
        (Outcome::Undetermined, _, Some(u)) => format!("at most {}", format::yuan(u)),
        _ => String::new(),
    };
    // A staged award says what waits as well as what is paid now.
    if let Some(d) = c.deferred.filter(|d| !d.is_zero()) {
        if !amount.is_empty() {
            amount.push_str(" now; ");
        }
        amount.push_str(&format!("{} deferred", format::total(d)));
    }
    writeln!(
        out,
        "\n{}{claim} ({} {}{departments})\n  {}{}{}",
        c.clause,
        c.citation.document,
        c.citation.article,
        c.outcome.words(),
        if amount.is_empty() { "" } else { ": " },
        amount
    )?;
    if explain {
        for s in &c.trace {
            writeln!(out, "    {} {}", marker(s), s.text)?;
        }
        // The trace shows why an award was paid or a condition failed; for every other outcome
        // (stopped, superseded, already paid, not yet, not in force) the reason the plain
        // output gives is not in the trace, so it is written here too: the explanation never
        // says less than the plain output.
        let traced = matches!(c.outcome, Outcome::Awarded | Outcome::NotEligible);
        if let Some(r) = c.reason.as_ref().filter(|_| !traced) {
            if !c.trace.iter().any(|s| s.text == *r) {
                writeln!(out, "    ! {r}")?;
            }
        }
    } else {
        if let Some(r) = &c.reason {
            writeln!(out, "    {r}")?;
        }
        for a in &c.adjustments {
            writeln!(out, "    {}", a.detail)?;
        }
    }
    if !c.needs.is_empty() {
        writeln!(out, "    waits for: {}", c.needs.join(", "))?;
    }
    Ok(())
}
