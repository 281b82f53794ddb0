//! Clauses: their lines, their subject, their condition, award, caps and limits.
//!
//! Input: the file's `clause` items. Output: a [`ClauseInfo`] per clause, and a diagnostic
//! for a clause without source or award, a repeated line, a condition that is not yes/no, an
//! award or cap that is not money, an input of the wrong subject or of a claim used where no
//! claim is evaluated.

use std::collections::HashMap;

use super::expr::{Ctx, Local};
use super::model::{ClauseId, ClauseInfo, InputId, LetInfo, Level, LimitId, LimitUse, MatterId};
use super::types::Ty;
use super::{suggest, Checker, Symbol};
use crate::ast::{self, Award, ClauseItem, ClauseLimit, Item, Node, Span};
use crate::diagnostic::{Code, Diagnostic};

impl<'a> Checker<'a> {
    /// Checks every clause of `file`.
    pub(super) fn clauses(&mut self, file: &'a ast::File) -> Vec<ClauseInfo<'a>> {
        // Clause names are compared as keys (history grants name clauses that way): `ＡＢ` and
        // `AB` are one name.
        let mut names: HashMap<String, Span> = HashMap::new();
        let mut out = Vec::new();
        for item in &file.items {
            let Item::Clause(c) = item else { continue };
            let folded = crate::keys::key(&c.node.name.node).into_owned();
            if let Some(first) = names.get(&folded) {
                let first = *first;
                self.report(
                    Diagnostic::new(
                        Code::DuplicateName,
                        c.node.name.span,
                        format!("there are two clauses called `{}`", c.node.name.node),
                    )
                    .label("second clause of that name")
                    .with_secondary(first, "first clause of that name")
                    .help(
                        "give each clause its own name, e.g. after its article (names are \
                         compared as keys: full-width and half-width letters are one)",
                    ),
                );
            } else {
                names.insert(folded, c.node.name.span);
            }
            // A clause that fails to check leaves the model unmade (it was reported as an
            // error), so its id may be handed out again.
            if let Some(info) = self.clause(ClauseId::new(out.len()), c) {
                out.push(info);
            }
        }
        out
    }

    fn clause(&mut self, id: ClauseId, c: &'a Node<ast::Clause>) -> Option<ClauseInfo<'a>> {
        let name = &c.node.name;
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        let mut source = None;
        let mut departments = Vec::new();
        let mut matter = None;
        let mut item_line: Option<&'a Node<String>> = None;
        let mut subjects: Option<&[ast::Name]> = None;
        let mut per_claim: Option<&ast::Name> = None;
        let mut window = None;
        let mut when = None;
        let mut award: Option<&'a Node<Award>> = None;
        let mut caps = Vec::new();
        let mut limits: Vec<&'a ClauseLimit> = Vec::new();
        let mut lets: Vec<&'a Node<ast::Let>> = Vec::new();
        let mut stages: Option<(Span, &'a [Node<ast::Stage>])> = None;
        let mut once: Option<&'a ast::Once> = None;
        let mut run: Option<(&'a ast::Run, Span)> = None;
        let mut funding = None;
        for item in &c.node.items {
            let key = match &item.node {
                ClauseItem::Source(_) => "source",
                ClauseItem::Department(_) => "department",
                ClauseItem::Matter(_) => "matter",
                ClauseItem::Item(_) => "item",
                ClauseItem::Subject(_) => "subject",
                ClauseItem::PerClaim(_) => "per",
                ClauseItem::Effective(_) => "effective",
                ClauseItem::When(_) => "when",
                ClauseItem::Award(_) => "award",
                ClauseItem::Stages(_) => "stages",
                ClauseItem::Once(_) => "once",
                ClauseItem::Run(_) => "for",
                ClauseItem::Funding(_) => "funding",
                ClauseItem::Cap(_) | ClauseItem::Limit(_) | ClauseItem::Let(_) => "",
            };
            if !key.is_empty() {
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                    let first = *first;
                    let help = if key == "when" {
                        "combine the conditions into one `when` with `and`".to_string()
                    } else {
                        format!("keep one `{key}` line")
                    };
                    self.report(
                        Diagnostic::new(
                            Code::DuplicateClauseItem,
                            item.span,
                            format!("the clause gives `{key}` twice"),
                        )
                        .label("given again here")
                        .with_secondary(first, "first given here")
                        .help(help),
                    );
                    continue;
                }
                seen.push((key, item.span));
            }
            match &item.node {
                ClauseItem::Source(s) => source = Some(s.node.clone()),
                ClauseItem::Department(d) => departments = self.departments(d),
                ClauseItem::Matter(m) => matter = Some(m.node.clone()),
                ClauseItem::Item(m) => item_line = Some(m),
                ClauseItem::Subject(s) => subjects = Some(s),
                ClauseItem::PerClaim(k) => per_claim = Some(k),
                ClauseItem::Effective(w) => window = self.check_window(w),
                ClauseItem::When(e) => when = Some(e),
                ClauseItem::Award(a) => award = Some(a),
                ClauseItem::Cap(b) => caps.push(b),
                ClauseItem::Limit(l) => limits.push(l),
                ClauseItem::Let(l) => lets.push(l),
                ClauseItem::Stages(list) => stages = Some((item.span, list)),
                ClauseItem::Once(o) => once = Some(o),
                ClauseItem::Run(r) => run = Some((r, item.span)),
                ClauseItem::Funding(shares) => funding = self.funding(shares, item.span),
            }
        }
        if source.is_none() {
            self.report(
                Diagnostic::new(
                    Code::MissingSource,
                    name.span,
                    format!(
                        "clause `{}` does not say which article it comes from",
                        name.node
                    ),
                )
                .label("no `source` line")
                .help("add the article it encodes, e.g. `source \"第一条\"`"),
            );
        }
        if award.is_none() {
            self.report(
                Diagnostic::new(Code::MissingAward, name.span, format!("clause `{}` has no award", name.node))
                    .label("no `award` line")
                    .help("add what the clause pays, e.g. `award 20万元`, `award 10% of 研发增量` or `award up to 60万元`"),
            );
        }
        let subjects = self.clause_subjects(name, subjects);
        let per_claim = per_claim.and_then(|k| self.claim_kind(k));
        if let Some(o) = once {
            self.check_once(o, &subjects, per_claim.as_deref());
            if let Some((_, run_span)) = run {
                // Paid once and paid each year of a run contradict each other: refused rather
                // than paying every year (or only the first) by a guess.
                self.report(
                    Diagnostic::new(
                        Code::RunMisplaced,
                        run_span,
                        "a clause paid each year of a run cannot also be paid `once`",
                    )
                    .label("paid for each year of this run")
                    .help(
                        "keep `for N years ...` and bound the run with `cap X per run`, or keep \
                         `once per ...` and drop the run",
                    ),
                );
            }
        }
        let item = self.clause_item(name, item_line, per_claim.is_some());

        let mut ctx = Ctx::clause(id);
        for l in &lets {
            self.local_let(l, &mut ctx);
        }
        let locals: Vec<LetInfo<'a>> = lets
            .iter()
            .zip(&ctx.locals)
            .map(|(l, local)| LetInfo {
                name: l.node.name.node.clone(),
                value: &l.node.value,
                ty: local.ty.clone(),
                span: l.node.name.span,
            })
            .collect();
        if let Some(w) = when {
            let t = self.infer(w, &mut ctx);
            if t != Ty::Bool && t != Ty::Error {
                let found = self.describe(&t);
                self.report(
                    Diagnostic::new(
                        Code::ConditionNotBool,
                        w.span,
                        format!("a condition must be yes or no, but this is {found}"),
                    )
                    .label(format!("this is {found}"))
                    .help("compare the value with something, e.g. `研发费用 >= 100万元`"),
                );
            }
        }
        let award_money = award.map(|a| self.award(a, &mut ctx));
        let (caps, run_caps) = self.run_caps(caps, run.is_some(), &mut ctx);
        let run = run.and_then(|(r, at)| self.clause_run(r, at, per_claim.is_some()));
        for b in &caps {
            let is_money = self.check_bound(b, "cap", &mut ctx);
            if is_money {
                self.money_award_for(b.amount.span, "cap", award, award_money);
            }
        }
        let mut limit_uses = Vec::new();
        for l in &limits {
            match l {
                ClauseLimit::Inline(b) => {
                    if self.check_bound(b, "limit", &mut ctx) {
                        self.money_award_for(b.amount.span, "limit", award, award_money);
                    }
                    limit_uses.push(LimitUse::Own(b));
                }
                ClauseLimit::Ref(r) => {
                    if let Some(i) = self.limit_ref(r) {
                        self.money_award_for(r.span, "limit", award, award_money);
                        limit_uses.push(LimitUse::Shared(i));
                    }
                }
            }
        }
        let award_kind = award.zip(award_money).map(|(a, m)| (a.span, m));
        let stages = stages
            .and_then(|(at, list)| self.stages(at, list, award_kind, &mut ctx))
            .unwrap_or_default();
        self.check_inputs_used(name, &ctx.used, &subjects, per_claim.is_some());
        let matter_text = matter.unwrap_or_else(|| name.node.clone());
        Some(ClauseInfo {
            id,
            name: name.node.clone(),
            span: c.span,
            source: source?,
            departments,
            matter: self.matter(&matter_text),
            matter_text,
            item,
            subjects,
            per_claim,
            window,
            when,
            award: &award?.node,
            caps,
            limits: limit_uses,
            locals,
            stages,
            once,
            run,
            run_caps,
            funding,
        })
    }

    /// `once per KIND`: KIND is one of the clause's subjects, or its claim kind when it is
    /// evaluated per claim; otherwise no grant could ever be matched (E0318, as for a cap).
    fn check_once(&mut self, o: &ast::Once, subjects: &[String], per_claim: Option<&str>) {
        let Some(level) = self.kind_level(&o.per) else {
            return;
        };
        let fits = match level {
            Level::Subject => subjects.contains(&o.per.node),
            Level::Claim => per_claim == Some(o.per.node.as_str()),
        };
        if !fits {
            let awarded = subjects
                .iter()
                .map(String::as_str)
                .chain(per_claim)
                .collect::<Vec<_>>()
                .join(", ");
            self.report(
                Diagnostic::new(
                    Code::BoundPerUnawardedKind,
                    o.per.span,
                    format!(
                        "`once per {}` counts per a kind this clause never awards",
                        o.per.node
                    ),
                )
                .label("not a kind this clause is for")
                .help(format!("write `once per` one of: {awarded}")),
            );
        }
    }

    /// A clause's responsible departments, each once: a department is a key (the summary sums
    /// awards per department), so one listed twice, in any spelling, would count its awards
    /// twice (attack run 11, B1).
    fn departments(&mut self, list: &[Node<String>]) -> Vec<String> {
        let mut out: Vec<&Node<String>> = Vec::with_capacity(list.len());
        for d in list {
            let key = crate::keys::key(&d.node);
            if let Some(first) = out.iter().find(|o| crate::keys::key(&o.node) == key) {
                let again = if first.node == d.node {
                    format!("the department `{}` is listed twice", d.node)
                } else {
                    format!(
                        "the department `{}` is listed twice (also written `{}`)",
                        first.node, d.node
                    )
                };
                let first = first.span;
                self.report(
                    Diagnostic::new(Code::DuplicateName, d.span, again)
                        .label("listed again here")
                        .with_secondary(first, "first listed here")
                        .help("list each responsible department once"),
                );
                continue;
            }
            out.push(d);
        }
        out.into_iter().map(|d| d.node.clone()).collect()
    }

    /// The id of the matter written `text`: texts that fold to one key share it. Matters are
    /// kept in their compared form, so that every comparison of matters (in non-cumulation
    /// across policies, in simulation columns) folds look-alikes the same.
    fn matter(&mut self, text: &str) -> MatterId {
        let key = crate::keys::key(text);
        match self.matters.iter().position(|m| *m == key) {
            Some(i) => MatterId::new(i),
            None => {
                self.matters.push(key.into_owned());
                MatterId::new(self.matters.len() - 1)
            }
        }
    }

    /// The application item of a clause (issue 16): its `item` line, or its own name when it is
    /// evaluated per claim without one; none for a clause not per claim, where an `item` line
    /// is an error (it would address claims to a clause that never reads them).
    fn clause_item(
        &mut self,
        name: &ast::Name,
        item: Option<&Node<String>>,
        per_claim: bool,
    ) -> Option<String> {
        match (item, per_claim) {
            (Some(i), true) => Some(i.node.clone()),
            (None, true) => Some(name.node.clone()),
            (None, false) => None,
            (Some(i), false) => {
                self.report(
                    Diagnostic::new(
                        Code::ItemNotPerClaim,
                        i.span,
                        format!(
                            "clause `{}` names the item `{}` but is not evaluated per claim",
                            name.node, i.node
                        ),
                    )
                    .label("claims are addressed to this item")
                    .help("add `per project` if the clause pays each application, or delete the `item` line"),
                );
                None
            }
        }
    }

    fn clause_subjects(&mut self, name: &ast::Name, written: Option<&[ast::Name]>) -> Vec<String> {
        if let Some(list) = written {
            let mut out = Vec::new();
            for k in list {
                match self.kind_level(k) {
                    Some(Level::Subject) => out.push(k.node.clone()),
                    Some(Level::Claim) => self.report(
                        Diagnostic::new(Code::UnknownSubject, k.span, format!("`{}` is a kind of claim, not a subject", k.node))
                            .label("a claim kind")
                            .help(format!("name who receives the award after `subject`, and write `per {}` to evaluate the clause once per claim", k.node)),
                    ),
                    None => {}
                }
            }
            return out;
        }
        match self.declared_subjects.as_slice() {
            [] => vec!["enterprise".to_string()],
            [one] => vec![one.clone()],
            many => {
                let list = many
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.report(
                    Diagnostic::new(
                        Code::AmbiguousSubject,
                        name.span,
                        format!("clause `{}` does not say whom it is for", name.node),
                    )
                    .label("no `subject` line")
                    .help(format!(
                        "this policy has inputs for {list}: add e.g. `subject {}`",
                        many[0]
                    )),
                );
                Vec::new()
            }
        }
    }

    fn claim_kind(&mut self, k: &ast::Name) -> Option<String> {
        match self.kind_level(k)? {
            Level::Claim => Some(k.node.clone()),
            Level::Subject => {
                self.report(
                    Diagnostic::new(Code::UnknownSubject, k.span, format!("`{}` is a subject, not a kind of claim", k.node))
                        .label("a subject kind")
                        .help("a clause is evaluated once per subject unless it says `per project`; name the subject with `subject` instead"),
                );
                None
            }
        }
    }

    fn local_let(&mut self, l: &Node<ast::Let>, ctx: &mut Ctx) {
        let name = &l.node.name;
        if ctx.locals.iter().any(|x| x.name == name.node) {
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    name.span,
                    format!("`{}` is declared twice in this clause", name.node),
                )
                .label("declared again here")
                .help("give the second one another name"),
            );
        } else if let Some(global) = self.spans.get(&name.node) {
            let global = *global;
            self.report(
                Diagnostic::new(
                    Code::Shadowing,
                    name.span,
                    format!(
                        "`{}` hides the policy-wide name of the same name in this clause",
                        name.node
                    ),
                )
                .label("this clause's own value")
                .with_secondary(global, "the policy-wide name")
                .help(
                    "rename the clause's `let` so readers are not misled about which value is used",
                ),
            );
        }
        let before = ctx.used.len();
        let ty = self.infer(&l.node.value, ctx);
        let used = ctx.used[before..].to_vec();
        ctx.locals.push(Local {
            name: name.node.clone(),
            ty,
            used,
        });
    }

    /// Checks an award; returns whether it is money.
    fn award(&mut self, a: &Node<Award>, ctx: &mut Ctx) -> bool {
        let not_money = |this: &mut Self, e: &ast::Expr, t: &Ty, what: &str| {
            let found = this.describe(t);
            this.report(
                Diagnostic::new(Code::AmountNotMoney, e.span, format!("{what} must be an amount of money, but this is {found}"))
                    .label(format!("this is {found}"))
                    .help("write an amount in yuan such as `20万元`; a percentage of an amount is written `10% of 研发增量`"),
            );
        };
        match &a.node {
            Award::Amount(e) => {
                let t = self.infer(e, ctx);
                if !t.is_money_or_error() {
                    not_money(self, e, &t, "the award");
                    return false;
                }
                true
            }
            Award::UpTo { max, assessed } => {
                let t = self.infer(max, ctx);
                let mut ok = true;
                if !t.is_money_or_error() {
                    not_money(self, max, &t, "the most awarded");
                    ok = false;
                }
                if let Some(x) = assessed {
                    let t = self.infer(x, ctx);
                    if !t.is_money_or_error() {
                        not_money(self, x, &t, "the assessed amount");
                    }
                }
                ok
            }
            Award::Match { base, .. } => {
                let t = self.infer(base, ctx);
                if !t.is_money_or_error() {
                    not_money(self, base, &t, "the matched award");
                    return false;
                }
                true
            }
            Award::Rate { rate, base } => {
                let rt = self.infer(rate, ctx);
                let bt = self.infer(base, ctx);
                let mut ok = true;
                if !matches!(&rt, Ty::Num(u) if u.is_none()) && rt != Ty::Error {
                    let found = self.describe(&rt);
                    self.report(
                        Diagnostic::new(
                            Code::RateOfBase,
                            rate.span,
                            format!(
                                "the rate before `of` must be a percentage, but this is {found}"
                            ),
                        )
                        .label(format!("this is {found}"))
                        .help("write the share of the base that is paid, e.g. `10% of 研发增量`"),
                    );
                    ok = false;
                }
                if !bt.is_money_or_error() {
                    let found = self.describe(&bt);
                    self.report(
                        Diagnostic::new(Code::RateOfBase, base.span, format!("the base after `of` must be an amount of money, but this is {found}"))
                            .label(format!("this is {found}"))
                            .help("name the amount the percentage is taken of, e.g. `10% of 研发增量`"),
                    );
                    ok = false;
                }
                ok
            }
        }
    }

    /// Reports a cap or limit attached to an award that is not money.
    fn money_award_for(
        &mut self,
        at: Span,
        what: &str,
        award: Option<&Node<Award>>,
        award_money: Option<bool>,
    ) {
        if let (Some(a), Some(false)) = (award, award_money) {
            self.report(
                Diagnostic::new(
                    Code::CapOnNonMoney,
                    at,
                    format!("this {what} limits an award that is not money"),
                )
                .label(format!("a {what} in yuan"))
                .with_secondary(a.span, "the award is not an amount of money")
                .help(format!(
                    "make the award an amount of money first; a {what} only bounds money"
                )),
            );
        }
    }

    fn limit_ref(&mut self, r: &ast::Name) -> Option<LimitId> {
        match self.names.get(&r.node).copied() {
            Some(Symbol::Limit(i)) => Some(i),
            Some(_) => {
                self.report(
                    Diagnostic::new(Code::WrongKindOfName, r.span, format!("`{}` is not a limit", r.node))
                        .label("declared as something else")
                        .help(format!("declare a shared limit with `limit {}: 100万元 per enterprise per year`, or write the amount here: `limit 100万元 per enterprise per year`", r.node)),
                );
                None
            }
            None => {
                let names: Vec<&str> = self.limits.iter().map(|l| l.name.as_str()).collect();
                let hint = suggest::closest(&r.node, names).map(str::to_string);
                let d = Diagnostic::new(
                    Code::UndefinedName,
                    r.span,
                    format!("the limit `{}` is not declared", r.node),
                )
                .label("not declared");
                self.report(match hint {
                    Some(h) => d.help(format!("did you mean `{h}`?")),
                    None => d.help(format!(
                        "declare it at the top level: `limit {}: 100万元 per enterprise per year`",
                        r.node
                    )),
                });
                None
            }
        }
    }

    /// Every input a clause uses must belong to its subjects, or to its claims when per claim.
    fn check_inputs_used(
        &mut self,
        clause: &ast::Name,
        used: &[(InputId, Span)],
        subjects: &[String],
        per_claim: bool,
    ) {
        let mut reported: Vec<InputId> = Vec::new();
        for (i, span) in used {
            if reported.contains(i) {
                continue;
            }
            let input = &self.inputs[i.index()];
            let d = match input.level {
                Level::Claim if !per_claim => Diagnostic::new(
                    Code::ClaimInputOutsideClaim,
                    *span,
                    format!(
                        "`{}` belongs to each claim, but clause `{}` is evaluated once per subject",
                        input.name, clause.node
                    ),
                )
                .label(format!("uses the claim input `{}`", input.name))
                .with_secondary(input.span, "declared for claims here")
                .help(format!(
                    "add `per {}` to the clause to evaluate it for each claim",
                    input.kinds[0]
                )),
                Level::Subject => {
                    let Some(kind) = subjects.iter().find(|s| !input.kinds.contains(s)) else {
                        continue;
                    };
                    Diagnostic::new(Code::UndefinedName, *span, format!("`{}` is not an input of `{kind}`", input.name))
                        .label(format!("clause `{}` is for `{kind}`", clause.node))
                        .with_secondary(input.span, format!("declared for {}", input.kinds.join(", ")))
                        .help(format!("declare `{}` in `input {kind} {{ ... }}` too, or change the clause's `subject`", input.name))
                }
                Level::Claim => continue,
            };
            reported.push(*i);
            self.report(d);
        }
    }
}
