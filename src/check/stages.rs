//! Staged awards: `stages { 签约: 40%, 验收: 60% when 通过验收 on 验收日期 }`.
//!
//! Input: a clause's `stages` line and whether its award is money. Output: each stage's name,
//! share, condition and date, and a diagnostic for a share that is not a fixed percentage or
//! shares that do not add up to exactly 100% (E0330), a stage named twice (E0202), a condition
//! that is not yes/no (E0303), a date that is not a date (E0305), stages on an award that is
//! not money (E0304).

use rust_decimal::Decimal;

use super::expr::Ctx;
use super::types::Ty;
use super::Checker;
use crate::ast::{self, ExprKind, Node, Span};
use crate::diagnostic::{Code, Diagnostic};

/// A checked stage.
#[derive(Clone, Debug)]
pub struct StageInfo<'a> {
    /// Its name.
    pub name: String,
    /// Its share of the award, a fraction above zero; the shares add up to exactly 1.
    pub share: Decimal,
    /// What must hold for it to be paid.
    pub when: Option<&'a ast::Expr>,
    /// The date it is paid on, when not the instance's event date.
    pub on: Option<&'a ast::Expr>,
    /// Where it is written.
    pub span: Span,
}

impl<'a> Checker<'a> {
    /// Checks a clause's stages (`at`: the `stages` line); `None` when one is wrong (reported).
    pub(super) fn stages(
        &mut self,
        at: Span,
        stages: &'a [Node<ast::Stage>],
        award: Option<(Span, bool)>,
        ctx: &mut Ctx,
    ) -> Option<Vec<StageInfo<'a>>> {
        let mut ok = true;
        if let Some((award_span, false)) = award {
            self.report(
                Diagnostic::new(
                    Code::CapOnNonMoney,
                    at,
                    "these stages split an award that is not money",
                )
                .label("stages of an amount in yuan")
                .with_secondary(award_span, "the award is not an amount of money")
                .help("make the award an amount of money first; stages split money"),
            );
            ok = false;
        }
        let mut out: Vec<StageInfo<'a>> = Vec::with_capacity(stages.len());
        for s in stages {
            let stage = &s.node;
            // A history grant names its stage as keys are compared (`keys::key`), so two
            // spellings of one key are one stage listed twice.
            let key = crate::keys::key(&stage.name.node);
            if let Some(first) = out.iter().find(|o| crate::keys::key(&o.name) == key) {
                let again = if first.name == stage.name.node {
                    format!("the stage `{}` is listed twice", stage.name.node)
                } else {
                    format!(
                        "the stage `{}` is listed twice (also written `{}`)",
                        first.name, stage.name.node
                    )
                };
                let first = first.span;
                self.report(
                    Diagnostic::new(Code::DuplicateName, stage.name.span, again)
                        .label("listed again here")
                        .with_secondary(first, "first listed here")
                        .help("list each stage once with its whole share"),
                );
                ok = false;
            }
            ok &= self.stage_condition(stage, ctx);
            match stage.share.as_constant() {
                Some((v, u)) if u.is_none() && v > Decimal::ZERO && v <= Decimal::ONE => {
                    out.push(StageInfo {
                        name: stage.name.node.clone(),
                        share: v,
                        when: stage.when.as_ref(),
                        on: stage.on.as_ref(),
                        span: s.span,
                    })
                }
                _ if matches!(stage.share.node, ExprKind::Error) => ok = false,
                _ => {
                    self.report(
                        Diagnostic::new(
                            Code::StageShares,
                            stage.share.span,
                            "a stage's share must be a fixed percentage above 0% and at most 100%",
                        )
                        .label("not a fixed percentage")
                        .help("write the part of the award this stage pays, e.g. `签约: 40%`"),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        // Added with a check: shares past Decimal's range are absurd, but no reason to panic.
        let total = out
            .iter()
            .try_fold(Decimal::ZERO, |sum, s| sum.checked_add(s.share));
        if total != Some(Decimal::ONE) {
            let pct = total.map_or_else(
                || "more than pol can hold".to_string(),
                |t| format!("{}%", crate::eval::format::percent_number(t)),
            );
            self.report(
                Diagnostic::new(Code::StageShares, at, format!("the stages' shares add up to {pct}, not 100%"))
                    .label(format!("these shares total {pct}"))
                    .help("make the stages' shares add up to exactly 100% of the award, e.g. `签约: 40%, 验收: 60%`"),
            );
            return None;
        }
        Some(out)
    }

    /// Checks a stage's condition (yes/no) and date (a date); false when one is wrong.
    fn stage_condition(&mut self, stage: &ast::Stage, ctx: &mut Ctx) -> bool {
        let mut ok = true;
        if let Some(w) = &stage.when {
            let t = self.infer(w, ctx);
            if t != Ty::Bool && t != Ty::Error {
                let found = self.describe(&t);
                self.report(
                    Diagnostic::new(
                        Code::ConditionNotBool,
                        w.span,
                        format!("a stage's condition must be yes or no, but this is {found}"),
                    )
                    .label(format!("this is {found}"))
                    .help("name what must hold for the stage to be paid, e.g. `when 通过验收`"),
                );
                ok = false;
            }
        }
        if let Some(on) = &stage.on {
            let t = self.infer(on, ctx);
            if t != Ty::Date && t != Ty::Error {
                let found = self.describe(&t);
                self.report(
                    Diagnostic::new(
                        Code::OperandKind,
                        on.span,
                        format!("`on` needs the date the stage is paid, but this is {found}"),
                    )
                    .label(format!("this is {found}"))
                    .help("name a date input, e.g. `on 验收日期`"),
                );
                ok = false;
            }
        }
        ok
    }
}
