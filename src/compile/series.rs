//! Lowering yearly series and runs of years: `销售收入[event_year - 1]`, `max(销售收入[.. y])`,
//! `event_year`, `for 3 years from 认定日期` and `cap X per run`.
//!
//! Input: what the checker resolved (the series' input, the run's anchor). Output: a
//! [`SeriesRead`] on the series' subject slot, a [`RunDef`], and per-run caps as caps per each
//! subject kind of the clause (a subject has one run of a clause, so its total over the run is
//! the clause's total for it). Guarantee: anything the checker should have refused lowers to
//! [`ExprKind::Broken`], never to a value.

use super::{BoundDef, Compiler, Expr, ExprKind, Kind, Level, Reduce, RunDef, Scope, Show};
use super::{SeriesRead, YearsRead};
use crate::ast::{self, Func, Years};
use crate::check::model::{self, Level as ModelLevel};

impl Compiler<'_> {
    /// `S[year]` (`reduce` is `None`) or `f(S[from .. to])`: the kind, how it is shown and
    /// its level.
    pub(super) fn series(
        &mut self,
        e: &ast::Expr,
        reduce: Option<Func>,
        scope: Scope<'_>,
    ) -> (ExprKind, Option<Show>, Level) {
        let broken = |what| (ExprKind::Broken(what), None, Level::Subject);
        let ast::ExprKind::Index { years, .. } = &e.node else {
            return broken("an aggregate without a range of years reached the compiler");
        };
        let Some(i) = self.model.series_read(e) else {
            return broken("a series the checker did not resolve reached the compiler");
        };
        let (input, slot) = match (
            self.model.inputs.get(i.index()),
            self.input_slot.get(i.index()),
        ) {
            (Some(input), Some(&(Level::Subject, slot))) if input.level == ModelLevel::Subject => {
                (input, slot)
            }
            _ => return broken("a series that is not a subject's input reached the compiler"),
        };
        let show = self.show_of_decl(&input.decl);
        let mut level = Level::Subject;
        let mut year = |this: &mut Self, y: &ast::Expr| {
            let (x, l) = this.expr(y, scope);
            level = super::join(level, l);
            x
        };
        let years = match (years, reduce) {
            (Years::One(y), None) => YearsRead::One(year(self, y)),
            (Years::Range(from, Some(to)), Some(f)) => {
                let reduce = match f {
                    Func::Max => Reduce::Max,
                    Func::Min => Reduce::Min,
                    Func::Sum => Reduce::Sum,
                    Func::Average => Reduce::Average,
                    _ => return broken("a function that is no aggregate reads a range of years"),
                };
                let from = from.as_ref().map(|y| year(self, y));
                YearsRead::Range(reduce, from, year(self, to))
            }
            _ => return broken("a range of years outside an aggregate reached the compiler"),
        };
        let read = SeriesRead { slot, years };
        (ExprKind::Series(Box::new(read)), Some(show), level)
    }

    /// `event_year`: the year of the event date.
    pub(super) fn event_year(span: crate::ast::Span) -> ExprKind {
        let date = Expr {
            kind: ExprKind::EventDate,
            show: Show::Date,
            span,
        };
        ExprKind::Year(Box::new(date))
    }

    /// The clause's run, on the anchor's subject slot.
    pub(super) fn run(&self, cl: &model::ClauseInfo<'_>) -> Option<RunDef> {
        let run = cl.run?;
        let &(level, anchor) = self.input_slot.get(run.anchor.index())?;
        (level == Level::Subject).then_some(RunDef {
            count: run.count,
            after: run.after,
            anchor,
        })
    }

    /// The caps over the clause's run: one per subject kind of the clause.
    pub(super) fn run_caps(
        &mut self,
        cl: &model::ClauseInfo<'_>,
        scope: Scope<'_>,
    ) -> Vec<BoundDef> {
        let kinds: Vec<Kind> = cl.subjects.iter().filter_map(|k| Kind::parse(k)).collect();
        let mut out = Vec::new();
        for b in &cl.run_caps {
            for &per in &kinds {
                out.push(BoundDef {
                    amount: self.expr(&b.amount, scope).0,
                    per,
                    per_year: false,
                    per_run: true,
                });
            }
        }
        out
    }
}
