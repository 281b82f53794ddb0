//! What a test case expects of staged awards: a clause's deferred amount
//! (`"awarded 40000 deferred 60000"`, `"deferred 60000"`), the subject's deferred total
//! (`deferred = "60000"`) and each stage (`stages = { "项目资助" = { "签约" = "paid 40000" } }`).

use super::{amount, key_of};
use crate::eval::decision::{Amount, Decision};
use crate::eval::format;
use crate::eval::stages::StageOutcome;

/// What a case expects of one stage of a clause result.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StageExpect {
    /// The clause (with `[claim]` for a per-claim clause).
    pub clause: String,
    /// The stage's name.
    pub stage: String,
    /// Paid now, deferred, undetermined or already paid (by an earlier grant).
    pub outcome: StageOutcome,
    /// Its amount, if given.
    pub amount: Option<Amount>,
    /// The text as written.
    pub text: String,
}

/// `REST deferred AMOUNT` -> (`REST`, the amount); text without `deferred` is kept whole.
pub(super) fn split_deferred(rest: &str) -> Result<(&str, Option<Amount>), String> {
    match rest.split_once("deferred") {
        Some((before, after)) => {
            let a = amount(after).map_err(|e| format!("after `deferred`: {e}"))?;
            Ok((before.trim(), Some(a)))
        }
        None => Ok((rest, None)),
    }
}

/// The `stages` table of a case's expectations: a table per clause, a text per stage.
pub(super) fn parse(v: &toml::Value) -> Result<Vec<StageExpect>, String> {
    let clauses = v
        .as_table()
        .ok_or("`stages` must be a table of clauses, e.g. stages = { \"项目资助\" = { \"签约\" = \"paid 40000\" } }")?;
    let mut out = Vec::new();
    for (clause, stages) in clauses {
        let stages = stages
            .as_table()
            .ok_or_else(|| format!("stages.{clause} must be a table of stages"))?;
        for (stage, v) in stages {
            let text = v
                .as_str()
                .ok_or_else(|| format!("stages.{clause}.{stage} must be text"))?
                .trim();
            let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
            let outcome = [
                StageOutcome::Paid,
                StageOutcome::Deferred,
                StageOutcome::Undetermined,
                StageOutcome::AlreadyPaid,
            ]
            .into_iter()
            .find(|o| o.key() == word)
            .ok_or_else(|| {
                format!("stages.{clause}.{stage}: `{word}` is not paid, deferred, undetermined or already_paid")
            })?;
            let amount = match rest.trim() {
                "" => None,
                a => Some(amount(a).map_err(|e| format!("stages.{clause}.{stage}: {e}"))?),
            };
            out.push(StageExpect {
                clause: clause.clone(),
                stage: stage.clone(),
                outcome,
                amount,
                text: text.to_string(),
            });
        }
    }
    Ok(out)
}

/// Whether the stage `e` expects is what the decision has; `None` when it is.
pub(super) fn check(decision: &Decision<'_>, e: &StageExpect) -> Option<String> {
    let name = format!("stages.{}.{}", e.clause, e.stage);
    let Some(c) = decision.clauses.iter().find(|c| key_of(c) == e.clause) else {
        return Some(format!("{name}: no such clause result"));
    };
    let Some(s) = c.stages.iter().find(|s| s.name == e.stage) else {
        let known: Vec<&str> = c.stages.iter().map(|s| s.name.as_str()).collect();
        return Some(format!(
            "{name}: no such stage (the clause result has: {})",
            if known.is_empty() {
                "no stages".to_string()
            } else {
                known.join(", ")
            }
        ));
    };
    let ok = s.outcome == e.outcome && e.amount.is_none_or(|a| a == s.amount);
    (!ok).then(|| {
        format!(
            "{name}: expected {}, got {} {}",
            e.text,
            s.outcome.key(),
            format::amount(s.amount)
        )
    })
}

/// Whether the subject's deferred total is `want`; `None` when it is.
pub(super) fn check_total(decision: &Decision<'_>, want: Amount) -> Option<String> {
    let got = decision.totals.deferred;
    (got != want).then(|| {
        format!(
            "deferred: expected {}, got {}",
            format::amount(want),
            format::amount(got)
        )
    })
}
