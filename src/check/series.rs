//! Yearly series in expressions: reading one year (`销售收入[event_year - 1]`), a range of
//! years inside `max`, `min`, `sum` or `average`, and `event_year`.
//!
//! Input: an `Index` expression or an aggregate call, and the names declared. Output: the type
//! of the value read (the type of one year's value; an aggregate keeps the unit), with a coded
//! diagnostic for each misuse: a value that is not a series read at a year (E0360), a series
//! used without a year (E0361, reported where names are resolved), a range of years where one
//! value is needed (E0362), a year that is not a whole number (E0363). Guarantee: the series
//! is recorded as a use of its input at the name's span ([`super::model::Model::series_read`]),
//! so lints count it as used and the compiler finds its slot without looking the name up.

use super::expr::Ctx;
use super::model::Ref;
use super::types::Ty;
use super::{Checker, Symbol};
use crate::ast::{Expr, ExprKind, Func, Name, Span, Years};
use crate::diagnostic::{Code, Diagnostic};

impl Checker<'_> {
    /// Whether `f(args)` reads a range of years: `sum` and `average` always do (and are
    /// refused otherwise), `min` and `max` when given one range.
    pub(super) fn is_aggregate(f: Func, args: &[Expr]) -> bool {
        matches!(f, Func::Sum | Func::Average) || super::model::Model::reads_range(f, args)
    }

    /// `max(S[a .. b])`, `min(...)`, `sum(...)`, `average(...)`: the type of one year's value,
    /// which must be a number.
    pub(super) fn aggregate(&mut self, f: &Func, args: &[Expr], span: Span, ctx: &mut Ctx) -> Ty {
        let [arg] = args else {
            return self.range_needed(*f, span);
        };
        let ExprKind::Index { series, years } = &arg.node else {
            self.infer(arg, ctx);
            return self.range_needed(*f, arg.span);
        };
        if matches!(years, Years::One(_)) {
            self.index(arg.span, series, years, true, ctx);
            return self.range_needed(*f, arg.span);
        }
        let ty = self.index(arg.span, series, years, true, ctx);
        match ty {
            Ty::Num(_) | Ty::Error => ty,
            other => {
                let op = format!("`{}`", f.name());
                self.operand_error(arg.span, &op, "numbers or amounts", &other)
            }
        }
    }

    fn range_needed(&mut self, f: Func, span: Span) -> Ty {
        let name = f.name();
        self.report(
            Diagnostic::new(
                Code::YearRangeMisplaced,
                span,
                format!("`{name}` of yearly values takes one range of years of one series"),
            )
            .label("not a range of years")
            .help(format!(
                "write `{name}(销售收入[event_year - 3 .. event_year - 1])`; `max` and `min` also \
                 take plain values: `max(a, b)`"
            )),
        );
        Ty::Error
    }

    /// `S[year]` or `S[from .. to]`: the type of one year's value of series `S`. A range is
    /// accepted only when `in_aggregate`.
    pub(super) fn index(
        &mut self,
        span: Span,
        series: &Name,
        years: &Years,
        in_aggregate: bool,
        ctx: &mut Ctx,
    ) -> Ty {
        let ty = self.series_type(series, ctx);
        match years {
            Years::One(y) => self.year(y, ctx),
            Years::Range(from, to) => {
                for y in from.iter().chain(to.iter()) {
                    self.year(y, ctx);
                }
                if !in_aggregate {
                    self.report(
                        Diagnostic::new(
                            Code::YearRangeMisplaced,
                            span,
                            "a range of years holds several values; one is needed here",
                        )
                        .label("several years")
                        .help(format!(
                            "reduce the range to one value with `max`, `min`, `sum` or \
                             `average`: `max({}[...])`, or read one year: `{}[event_year]`",
                            series.node, series.node
                        )),
                    );
                    return Ty::Error;
                }
                if to.is_none() {
                    self.report(
                        Diagnostic::new(
                            Code::YearRangeMisplaced,
                            span,
                            "a range of years needs its last year",
                        )
                        .label("no year after `..`")
                        .help(format!(
                            "write the last year, e.g. `{}[2021 .. event_year - 1]`; the first \
                             may be left out (from the first year the facts give)",
                            series.node
                        )),
                    );
                    return Ty::Error;
                }
            }
        }
        ty
    }

    /// The type of one year's value of the series `name`, reporting a name that is no series.
    fn series_type(&mut self, name: &Name, ctx: &mut Ctx) -> Ty {
        let hidden = ctx.locals.iter().any(|l| l.name == name.node);
        if let (false, Some(Symbol::Input(i))) = (hidden, self.names.get(&name.node).copied()) {
            if self.inputs[i.index()].series {
                let ty = self.inputs[i.index()].decl.ty.clone();
                ctx.used.push((i, name.span));
                self.record(name.span, Ref::Input(i), &ty);
                return ty;
            }
        }
        // Resolved as a plain name, so an undeclared one is reported as such.
        let found = self.resolve_plain(&name.node, name.span, ctx);
        if found != Ty::Error {
            let what = self.describe(&found);
            self.report(
                Diagnostic::new(
                    Code::NotASeries,
                    name.span,
                    format!(
                        "`{}` is not a yearly series, so it has no value per year",
                        name.node
                    ),
                )
                .label(format!("this is {what}, one value"))
                .help(format!(
                    "use `{}` without a year, or declare it as a series: `{}: money by year`",
                    name.node, name.node
                )),
            );
        }
        Ty::Error
    }

    /// A year: a plain whole number (`2022`, `event_year - 1`).
    fn year(&mut self, y: &Expr, ctx: &mut Ctx) {
        let ty = self.infer(y, ctx);
        let whole = match y.as_constant() {
            Some((v, _)) => v.fract().is_zero(),
            None => true,
        };
        let plain = matches!(&ty, Ty::Num(u) if u.is_none()) || ty == Ty::Error;
        if plain && whole {
            return;
        }
        let found = if plain {
            "a number with a fraction".to_string()
        } else {
            self.describe(&ty)
        };
        self.report(
            Diagnostic::new(Code::YearNotWhole, y.span, "a year must be a whole number")
                .label(format!("this is {found}"))
                .help(
                    "write a year such as `2022`, or one counted from the event: `event_year - 1`",
                ),
        );
    }

    /// A series named without a year (`销售收入 > 0元`): E0361.
    pub(super) fn series_without_year(&mut self, name: &str, span: Span) -> Ty {
        self.report(
            Diagnostic::new(
                Code::SeriesWithoutYear,
                span,
                format!("`{name}` holds one value per year; say which year"),
            )
            .label("which year?")
            .help(format!(
                "read one year, `{name}[event_year]` or `{name}[2023]`, or combine several: \
                 `max({name}[event_year - 3 .. event_year - 1])`"
            )),
        );
        Ty::Error
    }
}

impl Checker<'_> {
    /// `by year` on an input: only a subject's input may hold one value per year, and a series
    /// has no default (a missing year is undetermined, never a made-up value).
    pub(super) fn check_series_field(
        &mut self,
        field: &crate::ast::Field,
        level: super::model::Level,
    ) {
        if !field.by_year {
            return;
        }
        let name = &field.name.node;
        if level == super::model::Level::Claim {
            self.report(
                Diagnostic::new(
                    Code::SeriesMisplaced,
                    field.ty.span,
                    format!("`{name}` is a claim's input, which cannot hold one value per year"),
                )
                .label("`by year` on a claim's input")
                .help(format!(
                    "declare the series for the subject (`input enterprise {{ {name}: ... by year }}`), \
                     or give the claim one value"
                )),
            );
        }
        if let Some(d) = &field.default {
            self.report(
                Diagnostic::new(
                    Code::SeriesMisplaced,
                    d.span,
                    format!("the yearly series `{name}` cannot have a default"),
                )
                .label("a default for every year")
                .help(
                    "remove the default: a year the facts do not give leaves the clauses that \
                     read it undetermined, naming the year",
                ),
            );
        }
    }
}

impl<'a> Checker<'a> {
    /// Splits a clause's caps into those counted per a kind and those over its run
    /// (`cap 300万元 per run`), checking the latter: money, and only in a clause with a run.
    pub(super) fn run_caps(
        &mut self,
        caps: Vec<&'a crate::ast::Bound>,
        has_run: bool,
        ctx: &mut Ctx,
    ) -> (Vec<&'a crate::ast::Bound>, Vec<&'a crate::ast::Bound>) {
        let (run, kinds): (Vec<_>, Vec<_>) = caps.into_iter().partition(|b| b.per.node == "run");
        for b in &run {
            let ty = self.infer(&b.amount, ctx);
            if ty.is_money_or_error() {
                self.check_not_negative(&b.amount, "cap");
            } else {
                let found = self.describe(&ty);
                self.report(
                    Diagnostic::new(
                        Code::AmountNotMoney,
                        b.amount.span,
                        format!("a cap must be an amount of money, but this is {found}"),
                    )
                    .label(format!("this is {found}"))
                    .help("write the cap in yuan, e.g. `cap 300万元 per run`"),
                );
            }
            if !has_run || b.per_year {
                let why = if has_run {
                    "a cap per run covers every year of the run: it cannot also be per year"
                } else {
                    "this clause has no run of years, so a cap per run has nothing to count"
                };
                self.report(
                    Diagnostic::new(Code::RunMisplaced, b.per.span, why)
                        .label("per run")
                        .help(
                            "write `cap X per enterprise per year` for each year, `cap X per run` \
                             for the whole run of a clause with `for N years from DATE`",
                        ),
                );
            }
        }
        (kinds, run)
    }

    /// `for N years from|after DATE`: DATE must be a subject's date input (the run's years are
    /// known before the clause is evaluated), and the clause is not evaluated per claim.
    pub(super) fn clause_run(
        &mut self,
        run: &crate::ast::Run,
        at: Span,
        per_claim: bool,
    ) -> Option<super::model::RunInfo> {
        let anchor = &run.anchor;
        if per_claim {
            self.report(
                Diagnostic::new(
                    Code::RunMisplaced,
                    at,
                    "a clause paid for each year of a run cannot also be paid per claim",
                )
                .label("a run of years")
                .help("remove `per project`, or give each claim its own clause without a run"),
            );
        }
        let input = match self.names.get(&anchor.node).copied() {
            Some(Symbol::Input(i)) => Some(i),
            _ => None,
        };
        let fits = input.is_some_and(|i| {
            let info = &self.inputs[i.index()];
            info.decl.ty == Ty::Date && !info.series && info.level == super::model::Level::Subject
        });
        if !fits {
            self.report(
                Diagnostic::new(
                    Code::RunMisplaced,
                    anchor.span,
                    format!(
                        "a run of years counts from a subject's date input; `{}` is not one",
                        anchor.node
                    ),
                )
                .label("not a subject's date input")
                .help(format!(
                    "declare the date the run starts from, e.g. `input enterprise {{ {}: date }}`",
                    anchor.node
                )),
            );
        }
        let anchor_id = input.filter(|_| fits && !per_claim && run.count.node > 0)?;
        Some(super::model::RunInfo {
            count: run.count.node,
            after: run.after,
            anchor: anchor_id,
        })
    }
}

/// `by year` on a parameter: a parameter has one value (or values by date), not one a year.
pub(super) fn param_by_year(at: Span) -> Diagnostic {
    Diagnostic::new(
        Code::SeriesMisplaced,
        at,
        "a parameter cannot hold one value per year",
    )
    .label("`by year` is for inputs")
    .help(
        "declare the yearly values as an input (`销售收入: money by year`), or give the \
         parameter values by date: `param 比例: percent { 2023-01-01: 10%, 2024-01-01: 12% }`",
    )
}
