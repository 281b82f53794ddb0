//! The policy header and the declarations that hold fixed values: parameters and limits.
//!
//! Input: the file's `policy` block, `param` and `limit` items. Output: the [`Header`] with its
//! values computed, and a diagnostic for a missing or repeated header line, shares that do not
//! sum to exactly 100%, a window that ends before it starts, and a parameter whose value does
//! not match its type.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::expr::Ctx;
use super::model::Header;
use super::types::Ty;
use super::Checker;
use crate::ast::{
    self, DurationUnit, Expr, ExprKind, HeaderItem, Item, Node, ParamValue, RoundingMode,
    SameMatter, Span, Window,
};
use crate::diagnostic::{Code, Diagnostic};

/// The first and last day of a window, or the span to blame when it is empty.
pub(super) fn window_days(w: &Window) -> Result<Option<(NaiveDate, NaiveDate)>, (Span, String)> {
    match w {
        Window::Range(a, b) => {
            if a.node == NaiveDate::MIN || b.node == NaiveDate::MIN {
                return Ok(None);
            }
            if a.node > b.node {
                return Err((
                    b.span,
                    format!("it ends on {} but starts on {}", b.node, a.node),
                ));
            }
            Ok(Some((a.node, b.node)))
        }
        Window::FromFor(a, d) => {
            if a.node == NaiveDate::MIN {
                return Ok(None);
            }
            let months = match d.node.unit {
                DurationUnit::Years => d.node.count.saturating_mul(12),
                DurationUnit::Months => d.node.count,
            };
            if months == 0 {
                return Err((
                    d.span,
                    "a window of no time ends before it starts".to_string(),
                ));
            }
            match crate::dates::period_end(a.node, months) {
                Some(end) => Ok(Some((a.node, end))),
                None => Err((
                    d.span,
                    "the window ends past the last date pol knows".to_string(),
                )),
            }
        }
    }
}

impl<'a> Checker<'a> {
    /// Reports a reversed window; returns its days when it is valid.
    pub(super) fn check_window(&mut self, w: &Window) -> Option<(NaiveDate, NaiveDate)> {
        match window_days(w) {
            Ok(days) => days,
            Err((span, why)) => {
                self.report(
                    Diagnostic::new(Code::WindowReversed, span, "the effective window ends before it starts")
                        .label(why)
                        .help("write the first day in force, then the last: `effective 2023-08-01 to 2025-12-31`"),
                );
                None
            }
        }
    }

    /// Checks the policy header and returns its values when it is complete.
    pub(super) fn header(&mut self, file: &'a ast::File) -> Option<Header> {
        let policies: Vec<&Node<ast::Policy>> = file
            .items
            .iter()
            .filter_map(|i| {
                if let Item::Policy(p) = i {
                    Some(p)
                } else {
                    None
                }
            })
            .collect();
        let Some(policy) = policies.first() else {
            let span = file.items.first().map_or(Span::new(0, 0), Item::span);
            self.report(
                Diagnostic::new(Code::MissingHeader, Span::new(span.start, span.start), "this file has no policy header")
                    .label("a policy file starts with its header")
                    .help("begin the file with `policy \"文号\" { title \"...\" issued ... effective ... funding { ... } same_matter highest }`"),
            );
            return None;
        };
        for extra in &policies[1..] {
            self.report(
                Diagnostic::new(
                    Code::DuplicateHeader,
                    extra.node.document.span,
                    "this file has a second policy header",
                )
                .label("second header")
                .with_secondary(policy.node.document.span, "first header")
                .help("put each policy in a file of its own"),
            );
        }
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        let mut h = HeaderParts::default();
        for item in &policy.node.items {
            let key = match &item.node {
                HeaderItem::Title(_) => "title",
                HeaderItem::Issued(_) => "issued",
                HeaderItem::Effective(_) => "effective",
                HeaderItem::Funding(_) => "funding",
                HeaderItem::SameMatter(_) => "same_matter",
                HeaderItem::Rounding { .. } => "rounding",
                HeaderItem::Budget(_) => "budget",
                HeaderItem::Split(_) => "split",
            };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                let first = *first;
                self.report(
                    Diagnostic::new(
                        Code::DuplicateHeader,
                        item.span,
                        format!("the header gives `{key}` twice"),
                    )
                    .label("given again here")
                    .with_secondary(first, "first given here")
                    .help("keep one of the two lines"),
                );
                continue;
            }
            seen.push((key, item.span));
            self.header_item(&item.node, item.span, &mut h);
        }
        let missing: Vec<&str> = ["title", "issued", "effective", "funding", "same_matter"]
            .into_iter()
            .filter(|k| !seen.iter().any(|(s, _)| s == k))
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            self.report(
                Diagnostic::new(Code::MissingHeader, policy.node.document.span, format!("the policy header has no {list} line"))
                    .label("in this header")
                    .help(format!("add {list} to the header; every policy states its title, issue date, effective window, who pays and the same-matter rule")),
            );
        }
        Some(Header {
            document: policy.node.document.node.clone(),
            title: h.title?,
            issued: h.issued?,
            window: h.window?,
            funding: h.funding?,
            same_matter: h.same_matter?,
            rounding_step: h.rounding.map_or(Decimal::new(1, 2), |r| r.0),
            rounding_mode: h.rounding.map_or(RoundingMode::HalfUp, |r| r.1),
            budget: h.budget,
            pro_rata: h.pro_rata,
            split: h.split,
        })
    }

    fn header_item(&mut self, item: &HeaderItem, span: Span, h: &mut HeaderParts) {
        match item {
            HeaderItem::Title(t) => h.title = Some(t.node.clone()),
            HeaderItem::Issued(d) => h.issued = (d.node != NaiveDate::MIN).then_some(d.node),
            HeaderItem::Effective(w) => h.window = self.check_window(w),
            HeaderItem::SameMatter(s) => h.same_matter = Some(s.node),
            HeaderItem::Split(s) => h.split = s.node,
            HeaderItem::Funding(shares) => h.funding = self.funding(shares, span),
            HeaderItem::Rounding { step, mode } => {
                let mode = mode.as_ref().map_or(RoundingMode::HalfUp, |m| m.node);
                match step.as_constant() {
                    Some((v, u)) if u.is_money() && v > Decimal::ZERO => h.rounding = Some((v, mode)),
                    _ if matches!(step.node, ExprKind::Error) => {}
                    _ => self.report(
                        Diagnostic::new(Code::BadRounding, step.span, "the rounding step must be a positive amount of money")
                            .label("not a positive amount")
                            .help("write the step awards are rounded to, e.g. `rounding 0.01元 half_up` or `rounding 1元 down`"),
                    ),
                }
            }
            HeaderItem::Budget(lines) => {
                let mut years: Vec<(i32, Span)> = Vec::new();
                for line in lines {
                    // A year's budget given twice would leave it unclear which one the run is
                    // held to (attack run 10, A5: both were reported, one over, one within).
                    if let Some((_, first)) = years.iter().find(|(y, _)| *y == line.year.node) {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateHeader,
                                line.year.span,
                                format!("the budget gives {} twice", line.year.node),
                            )
                            .label("given again here")
                            .with_secondary(*first, "first given here")
                            .help("keep one budget line for the year"),
                        );
                        continue;
                    }
                    years.push((line.year.node, line.year.span));
                    match line.amount.as_constant() {
                        Some((v, u)) if u.is_money() && v < Decimal::ZERO => {
                            self.check_not_negative(&line.amount, "budget")
                        }
                        Some((v, u)) if u.is_money() => {
                            h.budget.push((line.year.node, v));
                            if line.pro_rata.is_some() {
                                h.pro_rata.push(line.year.node);
                            }
                        }
                        _ if matches!(line.amount.node, ExprKind::Error) => {}
                        _ => self.report(
                            Diagnostic::new(
                                Code::AmountNotMoney,
                                line.amount.span,
                                "a budget line must be an amount of money",
                            )
                            .label("not an amount of money")
                            .help("write the year's budget in yuan, e.g. `2023: 4亿元`"),
                        ),
                    }
                }
            }
        }
    }

    /// The shares of a `funding` line (the header's, or a clause's own): each payer once, each
    /// share a positive percentage, adding up to exactly 100% (E0401).
    pub(super) fn funding(
        &mut self,
        shares: &[ast::Share],
        span: Span,
    ) -> Option<Vec<(String, Decimal)>> {
        let mut out: Vec<(String, Decimal)> = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        let mut ok = true;
        for s in shares {
            // Payers are columns matched in their compared form (as keys are), so two spellings
            // of one payer are one payer listed twice.
            let key = crate::keys::key(&s.payer.node);
            if let Some(i) = out.iter().position(|(p, _)| crate::keys::key(p) == key) {
                let again = if out[i].0 == s.payer.node {
                    format!("the payer `{}` is listed twice", s.payer.node)
                } else {
                    format!(
                        "the payer `{}` is listed twice (also written `{}`)",
                        out[i].0, s.payer.node
                    )
                };
                self.report(
                    Diagnostic::new(Code::DuplicateName, s.payer.span, again)
                        .label("listed again here")
                        .with_secondary(spans[i], "first listed here")
                        .help("list each payer once with its whole share"),
                );
                ok = false;
                continue;
            }
            match s.share.as_constant() {
                Some((v, u)) if u.is_none() && v > Decimal::ZERO => {
                    out.push((s.payer.node.clone(), v));
                    spans.push(s.payer.span);
                }
                _ if matches!(s.share.node, ExprKind::Error) => ok = false,
                _ => {
                    self.report(
                        Diagnostic::new(
                            Code::SharesNotWhole,
                            s.share.span,
                            "a funding share must be a positive percentage",
                        )
                        .label("not a positive percentage")
                        .help("write each payer's share as a percentage, e.g. `市级财政: 50%`"),
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
            .try_fold(Decimal::ZERO, |sum, (_, v)| sum.checked_add(*v));
        if total != Some(Decimal::ONE) {
            let pct = total.map_or_else(
                || "more than pol can hold".to_string(),
                |t| format!("{}%", crate::eval::format::percent_number(t)),
            );
            self.report(
                Diagnostic::new(Code::SharesNotWhole, span, format!("the funding shares add up to {pct}, not 100%"))
                    .label(format!("these shares total {pct}"))
                    .help("make the payers' shares add up to exactly 100%, e.g. `市级财政: 50%, 区级财政: 50%`"),
            );
            return None;
        }
        Some(out)
    }

    /// Checks that every parameter's value is written out and matches its type.
    pub(super) fn check_params(&mut self) {
        for i in 0..self.params.len() {
            let (decl, value) = (self.params[i].decl.clone(), self.params[i].value);
            let values: Vec<&Expr> = match value {
                ParamValue::Unspecified => continue,
                ParamValue::Fixed(e) => vec![e],
                ParamValue::Dated(list) => {
                    for pair in list.windows(2) {
                        let (a, b) = (&pair[0].0, &pair[1].0);
                        if a.node != NaiveDate::MIN && b.node != NaiveDate::MIN && b.node <= a.node
                        {
                            self.report(
                                Diagnostic::new(Code::DatedOrder, b.span, "this date is not after the one before it")
                                    .label(format!("{} comes after {}", b.node, a.node))
                                    .with_secondary(a.span, "the previous date")
                                    .help("list a parameter's values from the earliest date to the latest"),
                            );
                        }
                    }
                    list.iter().map(|(_, e)| e).collect()
                }
            };
            let name = self.params[i].name.clone();
            let span = self.params[i].span;
            for e in values {
                self.check_constant(e, &decl, &name, span);
            }
        }
        for i in 0..self.inputs.len() {
            if let Some(e) = self.inputs[i].default.clone() {
                let (decl, name, span) = (
                    self.inputs[i].decl.clone(),
                    self.inputs[i].name.clone(),
                    self.inputs[i].span,
                );
                self.check_constant(&e, &decl, &name, span);
            }
        }
    }

    /// Checks that `e`, the value of `name` (declared at `span` as `decl`), is written out and of
    /// the declared type.
    fn check_constant(&mut self, e: &Expr, decl: &super::types::Decl, name: &str, span: Span) {
        let mut ctx = Ctx::default();
        let is_variant = self.is_bare_variant(e, &ctx);
        let written_out = is_variant
            || e.as_constant().is_some()
            || matches!(
                e.node,
                ExprKind::Bool(_) | ExprKind::Date(_) | ExprKind::Text(_) | ExprKind::Error
            );
        let ty = self.infer_with_hint(e, &decl.ty, &mut ctx);
        if !written_out {
            self.report(
                Diagnostic::new(Code::ValueTypeMismatch, e.span, "a parameter's or default's value must be written out")
                    .label("a calculation, not a value")
                    .help("write the value itself, e.g. `= 10%`; use `let` for values computed from others"),
            );
        } else if decl.flavor == super::types::Flavor::Money && ty == decl.ty {
            self.check_not_negative(e, "money value");
        } else if ty != Ty::Error && decl.ty != Ty::Error && ty != decl.ty {
            let (found, wanted) = (self.describe(&ty), self.describe(&decl.ty));
            self.report(
                Diagnostic::new(
                    Code::ValueTypeMismatch,
                    e.span,
                    format!("`{name}` is declared as {wanted} but given {found}"),
                )
                .label(format!("this is {found}"))
                .with_secondary(span, "declared here")
                .help(format!("give {wanted}, or change the declared type")),
            );
        }
    }

    /// Refuses an amount written out below zero where only an amount of money at least zero
    /// makes sense (E0323): a cap or limit of `-1万元` lets nothing through, so every award
    /// under it would be 0 (or, read from a fact, *cannot evaluate*) for a sign typo; a
    /// budget or a money parameter's value below zero is refused in facts and settings too.
    pub(super) fn check_not_negative(&mut self, e: &Expr, what: &str) {
        let Some((v, _)) = e.as_constant() else {
            return;
        };
        if v >= Decimal::ZERO {
            return;
        }
        self.report(
            Diagnostic::new(
                Code::NegativeAmount,
                e.span,
                format!("a {what} cannot be a negative amount"),
            )
            .label("below zero")
            .help(format!(
                "remove the minus sign: a {what} is an amount of at least zero (`0元` for none)"
            )),
        );
    }

    /// Checks shared limits: an amount of money per a known kind.
    pub(super) fn check_limits(&mut self) {
        for i in 0..self.limits.len() {
            let bound = self.limits[i].bound;
            self.check_bound(bound, "limit", &mut Ctx::default());
        }
    }

    /// Checks a cap or limit bound; returns false when it is not money.
    pub(super) fn check_bound(&mut self, bound: &ast::Bound, what: &str, ctx: &mut Ctx) -> bool {
        self.kind_level(&bound.per);
        let ty = self.infer(&bound.amount, ctx);
        if ty.is_money_or_error() {
            self.check_not_negative(&bound.amount, what);
            return true;
        }
        let found = self.describe(&ty);
        self.report(
            Diagnostic::new(
                Code::AmountNotMoney,
                bound.amount.span,
                format!("a {what} must be an amount of money, but this is {found}"),
            )
            .label(format!("this is {found}"))
            .help(format!(
                "write the {what} in yuan, e.g. `{what} 500万元 per enterprise`"
            )),
        );
        false
    }
}

#[derive(Default)]
struct HeaderParts {
    title: Option<String>,
    issued: Option<NaiveDate>,
    window: Option<(NaiveDate, NaiveDate)>,
    funding: Option<Vec<(String, Decimal)>>,
    same_matter: Option<SameMatter>,
    rounding: Option<(Decimal, RoundingMode)>,
    budget: Vec<(i32, Decimal)>,
    pro_rata: Vec<i32>,
    split: ast::Split,
}
