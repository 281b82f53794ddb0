//! Named tables: `table 销售档 = bracket { ... }` and `table 级别奖 = by { ... }`, declared once
//! and looked up by name (`销售档(销售收入)`).
//!
//! Input: the table declarations and every look-up. Output: each declaration checked once (a
//! bracket's thresholds fixed, in one unit and in order; a tier table's rows of one kind, none
//! twice, a yes/no table complete; the values of every row of one kind), each look-up checked
//! against it (one value, of the kind the rows are chosen by; for rows named by variants, a
//! value of an enum that has every variant they name and a row or `else` for each of its
//! variants), and what each look-up resolves to, recorded for the compiler. Guarantee: the rows
//! of a named table never look up another named table (E0322), so a look-up compiles to rows
//! written out once, never to a chain of tables that could grow without end.

use super::expr::{variant_list, Against, Ctx};
use super::model::{InputId, Lookup, LookupRows, TableId, TableInfo};
use super::types::{EnumId, Ty};
use super::{suggest, Checker, Symbol, TableState};
use crate::ast::{Expr, Func, Name, RowKey, Span, TableDecl, TableRows};
use crate::diagnostic::{Code, Diagnostic};
use crate::units::Unit;

/// What a named table is looked up by, and the type of the values its rows give.
#[derive(Clone, Debug)]
pub(super) struct Shape {
    /// What chooses its rows.
    pub by: By,
    /// The type of its values.
    pub ty: Ty,
}

/// What chooses the rows of a named table.
#[derive(Clone, Debug)]
pub(super) enum By {
    /// A number in this unit, placed among the bracket's thresholds.
    Number(Unit),
    /// A yes/no value: its rows are `true`, `false` and `else`.
    YesNo,
    /// A variant of an enum: its rows name variants.
    Variant,
    /// Any enum or yes/no value: its only row is `else`.
    Any,
}

/// The built-in functions a table may not be named after: `min(x)` is always the function.
const FUNCTIONS: [Func; 6] = [
    Func::Min,
    Func::Max,
    Func::Year,
    Func::YearsBetween,
    Func::MonthsBetween,
    Func::DaysBetween,
];

impl<'a> Checker<'a> {
    /// Declares the named table `t`.
    pub(super) fn declare_table(&mut self, t: &'a TableDecl) {
        if Func::from_name(&t.name.node).is_some() {
            self.report(
                Diagnostic::new(
                    Code::WrongKindOfName,
                    t.name.span,
                    format!(
                        "a table cannot be called `{}`, the name of a function",
                        t.name.node
                    ),
                )
                .label("the name of a built-in function")
                .help(format!(
                    "`{}(...)` always calls the function: give the table another name",
                    t.name.node
                )),
            );
            return;
        }
        let index = self.tables.len();
        if self.define(&t.name, Symbol::Table(TableId::new(index))) {
            self.tables.push(TableInfo {
                name: t.name.node.clone(),
                rows: &t.rows,
                ty: Ty::Error,
                span: t.name.span,
            });
            self.table_states.push(TableState::Pending);
        }
    }

    /// Checks every named table's declaration (those looked up so far already are).
    pub(super) fn check_tables(&mut self) {
        for i in 0..self.tables.len() {
            let at = self.tables[i].span;
            self.table_shape(i, at);
        }
    }

    /// The shape of named table `i` and the inputs its rows use, checking its declaration on
    /// first use (`at` is where it is looked up).
    fn table_shape(&mut self, i: usize, at: Span) -> (Option<Shape>, Vec<(InputId, Span)>) {
        match &self.table_states[i] {
            TableState::Done(shape, used) => (shape.clone(), used.clone()),
            TableState::InProgress => {
                // Reached only through a `let` its rows use, whose circle is reported first;
                // said here too so that a circle can never pass unreported.
                let (name, decl) = (self.tables[i].name.clone(), self.tables[i].span);
                self.report(
                    Diagnostic::new(
                        Code::CircularLet,
                        at,
                        format!("`{name}` is defined in terms of itself"),
                    )
                    .label("looked up here while its rows are being checked")
                    .with_secondary(decl, "declared here")
                    .help("break the circle: give its rows values from inputs and parameters only"),
                );
                (None, Vec::new())
            }
            TableState::Pending => {
                self.table_states[i] = TableState::InProgress;
                let (rows, name, span) = {
                    let t = &self.tables[i];
                    (t.rows, t.name.clone(), t.span)
                };
                let mut ctx = Ctx {
                    in_table: true,
                    ..Ctx::default()
                };
                let shape = match rows {
                    TableRows::Bracket(r) => self.named_bracket(span, r, &mut ctx),
                    TableRows::Tier(r) => self.named_tier(&name, span, r, &mut ctx),
                };
                self.table_states[i] = TableState::Done(shape.clone(), ctx.used.clone());
                (shape, ctx.used)
            }
        }
    }

    /// `table NAME = bracket { ... }`: thresholds fixed, in one unit and in order.
    fn named_bracket(
        &mut self,
        at: Span,
        rows: &[crate::ast::BracketRow],
        ctx: &mut Ctx,
    ) -> Option<Shape> {
        let unit = self.thresholds(at, rows, Some(Against::First));
        let values: Vec<(Span, Ty)> = rows
            .iter()
            .map(|r| (r.value.span, self.infer(&r.value, ctx)))
            .collect();
        let ty = self.same_row_types(&values);
        Some(Shape {
            by: By::Number(unit?),
            ty,
        })
    }

    /// `table NAME = by { ... }`: rows of one kind (variants, or `true` and `false`), none
    /// twice; a yes/no table has both rows or `else`; each variant belongs to some enum.
    fn named_tier(
        &mut self,
        name: &str,
        at: Span,
        rows: &[(RowKey, Expr)],
        ctx: &mut Ctx,
    ) -> Option<Shape> {
        if rows.is_empty() {
            self.report(
                Diagnostic::new(
                    Code::TableNotExhaustive,
                    at,
                    format!("the table `{name}` has no rows"),
                )
                .label("no rows")
                .help("give a row per variant (`国家级: 100万元, 省级: 50万元`), or `true` and `false` rows for a yes/no value"),
            );
            return None;
        }
        self.duplicate_rows(rows);
        let what = format!("the table `{name}`");
        let by = match rows.iter().map(|(l, _)| l).find(|l| **l != RowKey::Else) {
            None => By::Any,
            Some(RowKey::Bool(_)) => {
                self.yes_no_rows(at, &what, rows);
                By::YesNo
            }
            Some(_) => {
                self.named_variants(&what, rows);
                By::Variant
            }
        };
        let values: Vec<(Span, Ty)> = rows
            .iter()
            .map(|(_, e)| (e.span, self.infer(e, ctx)))
            .collect();
        let ty = self.same_row_types(&values);
        Some(Shape { by, ty })
    }

    /// The rows of a named table by variants: no `true` or `false` among them, and each a
    /// variant of some enum (which enum is known only where the table is looked up).
    fn named_variants(&mut self, what: &str, rows: &[(RowKey, Expr)]) {
        let all: Vec<String> = self
            .enums
            .iter()
            .flat_map(|e| e.variants.iter().cloned())
            .collect();
        for (label, _) in rows {
            match label {
                RowKey::Bool(b) => self.report(
                    Diagnostic::new(
                        Code::NotAVariant,
                        b.span,
                        format!("`{}` cannot be a row of {what}, whose rows name variants", label.label()),
                    )
                    .label("a yes/no row among variants")
                    .help("a table is chosen either by the variants of an enum or by yes/no: keep the rows of one kind, or declare two tables"),
                ),
                RowKey::Variant(v) if !all.contains(&v.node) => {
                    let hint = suggest::closest(&v.node, all.iter().map(String::as_str))
                        .map(str::to_string);
                    let d = Diagnostic::new(
                        Code::NotAVariant,
                        v.span,
                        format!("`{}` is not a variant of any enum", v.node),
                    )
                    .label("no enum has this variant");
                    self.report(match hint {
                        Some(h) => d.help(format!("did you mean `{h}`?")),
                        None => d.help("name the variants of the enum the table is looked up with, e.g. `国家级: 100万元`"),
                    });
                }
                _ => {}
            }
        }
    }

    /// `NAME(value)`: the named table `table` looked up with `args`, which must be one value
    /// of the kind its rows are chosen by. Records the look-up and gives the rows' type.
    pub(super) fn lookup(&mut self, e: &Expr, table: &Name, args: &[Expr], ctx: &mut Ctx) -> Ty {
        let tys: Vec<Ty> = args.iter().map(|a| self.infer(a, ctx)).collect();
        let t = match self.names.get(&table.node).copied() {
            Some(Symbol::Table(t)) => t,
            other => {
                self.not_a_table(table, other, ctx);
                return Ty::Error;
            }
        };
        if ctx.in_table {
            self.report(
                Diagnostic::new(
                    Code::NestedTable,
                    e.span,
                    format!("the rows of a named table cannot look up the table `{}`", table.node),
                )
                .label("a look-up inside a table's rows")
                .help(format!(
                    "name the value with a `let` first (`let 档位奖励 = {}(...)`) and give the row that name",
                    table.node
                )),
            );
            return Ty::Error;
        }
        let (shape, used) = self.table_shape(t.index(), table.span);
        ctx.used.extend(used.into_iter().map(|(i, _)| (i, e.span)));
        if args.len() != 1 {
            self.report(
                Diagnostic::new(
                    Code::ArgumentCount,
                    e.span,
                    format!(
                        "`{}` looks up one value, but {} {} given",
                        table.node,
                        args.len(),
                        if args.len() == 1 { "is" } else { "are" }
                    ),
                )
                .label(format!("`{}` with {} values", table.node, args.len()))
                .help(format!(
                    "give it only the value that chooses its row: `{}(value)`",
                    table.node
                )),
            );
            return shape.map_or(Ty::Error, |s| s.ty);
        }
        let Some(shape) = shape else {
            return Ty::Error;
        };
        let (arg, arg_ty) = (&args[0], &tys[0]);
        let rows = match (&shape.by, arg_ty) {
            (_, Ty::Error) => None,
            (By::Number(u), Ty::Num(v)) if u == v => Some(LookupRows::Bracket),
            (By::YesNo | By::Any, Ty::Bool) => Some(LookupRows::YesNo),
            (By::Variant | By::Any, Ty::Enum(id)) => match self.table_enums.get(&(t, *id)) {
                Some(rows) => Some(rows.clone()),
                None => {
                    let rows = self.lookup_variants(t, arg, *id);
                    if let Some(rows) = &rows {
                        self.table_enums.insert((t, *id), rows.clone());
                    }
                    rows
                }
            },
            (by, found) => {
                self.lookup_kind(t, arg, by, found);
                None
            }
        };
        if let Some(rows) = rows {
            self.resolution.lookup(e.span, Lookup { table: t, rows });
        }
        shape.ty
    }

    /// Reports `name(...)` where `name` is no table: something else (`symbol`), a value of the
    /// clause, or nothing declared.
    fn not_a_table(&mut self, name: &Name, symbol: Option<Symbol>, ctx: &Ctx) {
        let n = &name.node;
        let what = match symbol {
            Some(Symbol::Input(_)) => Some("an input"),
            Some(Symbol::Param(_)) => Some("a parameter"),
            Some(Symbol::Let(_)) => Some("a `let` value"),
            Some(Symbol::Limit(_)) => Some("a limit"),
            Some(Symbol::Table(_)) => None,
            None if ctx.locals.iter().any(|l| &l.name == n) => Some("a value of this clause"),
            None => None,
        };
        if let Some(what) = what {
            self.report(
                Diagnostic::new(
                    Code::WrongKindOfName,
                    name.span,
                    format!("`{n}` is {what}, not a table"),
                )
                .label("not a table")
                .help(format!(
                    "only a table declared with `table {n} = bracket {{ ... }}` or `table {n} = by {{ ... }}` is looked up as `{n}(value)`; to use the value, write `{n}` on its own"
                )),
            );
            return;
        }
        let tables: Vec<String> = self.tables.iter().map(|t| t.name.clone()).collect();
        let candidates = tables
            .iter()
            .map(String::as_str)
            .chain(FUNCTIONS.iter().map(|f| f.name()));
        let hint = suggest::closest(n, candidates).map(str::to_string);
        let d = Diagnostic::new(
            Code::UndefinedName,
            name.span,
            format!("`{n}` is not declared"),
        )
        .label("no table or function of this name");
        self.report(match hint {
            Some(h) => d.help(format!("did you mean `{h}`?")),
            None => d.help(format!(
                "declare the table at the top level (`table {n} = bracket {{ ... }}` or `table {n} = by {{ ... }}`); the functions are `min`, `max`, `year`, `years_between`, `months_between` and `days_between`"
            )),
        });
    }

    /// Reports a look-up of table `t` with `arg`, a value of another kind (`found`) than its
    /// rows are chosen by (`by`).
    fn lookup_kind(&mut self, t: TableId, arg: &Expr, by: &By, found: &Ty) {
        let table = &self.tables[t.index()];
        let (name, decl) = (table.name.clone(), table.span);
        let (wanted, help) = match by {
            By::Number(u) => (
                self.describe(&Ty::Num(u.clone())),
                format!(
                    "give it a number in the unit of its thresholds ({}), e.g. `{name}(销售收入)`",
                    self.describe(&Ty::Num(u.clone()))
                ),
            ),
            By::YesNo => (
                "a yes/no value".to_string(),
                format!("give it a yes/no input or condition, e.g. `{name}(高新技术企业)`"),
            ),
            By::Variant => (
                "an enum value".to_string(),
                format!(
                    "give it an enum input whose variants its rows name, e.g. `{name}(认定级别)`"
                ),
            ),
            By::Any => (
                "an enum or yes/no value".to_string(),
                format!("give it an enum or yes/no input, e.g. `{name}(认定级别)`"),
            ),
        };
        let found = self.describe(found);
        self.report(
            Diagnostic::new(
                Code::TableArgumentKind,
                arg.span,
                format!("`{name}` is looked up with {wanted}, but this is {found}"),
            )
            .label(format!("this is {found}"))
            .with_secondary(decl, "the table is declared here")
            .help(help),
        );
    }

    /// The variant of enum `id` each row of table `t` names (`None` for `else`), when every
    /// row names one and every variant has a row or there is an `else` row; otherwise reports
    /// at `arg`, the value looked up.
    fn lookup_variants(&mut self, t: TableId, arg: &Expr, id: EnumId) -> Option<LookupRows> {
        let table = &self.tables[t.index()];
        let (name, decl) = (table.name.clone(), table.span);
        let rows: &'a TableRows = table.rows;
        let TableRows::Tier(rows) = rows else {
            return None;
        };
        let en = self.enums.get(id)?.clone();
        let mut variants = Vec::new();
        let mut strangers: Vec<&Name> = Vec::new();
        let mut has_else = false;
        for (label, _) in rows {
            match label {
                RowKey::Variant(v) => {
                    let at = en.variant(&v.node);
                    if at.is_none() {
                        strangers.push(v);
                    }
                    variants.push(at);
                }
                RowKey::Else => {
                    has_else = true;
                    variants.push(None);
                }
                // A yes/no row among variants was reported with the declaration.
                RowKey::Bool(_) => return None,
            }
        }
        if !strangers.is_empty() {
            let listed: Vec<String> = strangers.iter().map(|v| format!("`{}`", v.node)).collect();
            let (rows_word, verb) = if strangers.len() == 1 {
                ("a row", "is not a variant")
            } else {
                ("rows", "are not variants")
            };
            let mut d = Diagnostic::new(
                Code::NotAVariant,
                arg.span,
                format!(
                    "`{name}` has {rows_word} for {}, which {verb} of `{}`",
                    listed.join(", "),
                    en.name
                ),
            )
            .label(format!("a `{}` value", en.name));
            for v in &strangers {
                d = d.with_secondary(v.span, format!("not a variant of `{}`", en.name));
            }
            self.report(d.help(format!(
                "look `{name}` up with a value of the enum its rows are written for, or declare a table for `{}`, whose variants are {}",
                en.name,
                variant_list(&en.variants)
            )));
            return None;
        }
        if !has_else {
            let missing: Vec<String> = en
                .variants
                .iter()
                .enumerate()
                .filter(|(i, _)| !variants.contains(&Some(*i)))
                .map(|(_, v)| format!("`{v}`"))
                .collect();
            if !missing.is_empty() {
                self.report(
                    Diagnostic::new(
                        Code::TableNotExhaustive,
                        arg.span,
                        format!(
                            "the table `{name}` has no row for {} of `{}`",
                            missing.join(", "),
                            en.name
                        ),
                    )
                    .label(format!("looked up with a `{}` value", en.name))
                    .with_secondary(decl, "the table is declared here")
                    .help(format!(
                        "add a row for {} or an `else: ...` row to `table {name}`",
                        missing.join(", ")
                    )),
                );
                return None;
            }
        }
        Some(LookupRows::Enum {
            enum_id: id,
            variants,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::check::check;
    use crate::check::model::{LookupRows, TableId};

    #[test]
    fn each_look_up_is_resolved_against_the_enum_of_its_own_value() {
        let text = r#"policy "测试〔2023〕1号" {
  title "测试政策"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 100% }
  same_matter highest
}
input enterprise {
  甲级别: enum { 国家级, 省级, 无 }
  乙级别: enum { 无, 市级, 省级, 国家级 }
  高企: bool
}
table 级别奖 = by { 国家级: 10万元, 省级: 5万元, else: 0元 }
table 高企奖 = by { true: 2万元, false: 1万元 }
clause 甲 {
  source "一"
  award 级别奖(甲级别) + 级别奖(乙级别) + 高企奖(高企)
}
"#;
        let parsed = crate::syntax::parse(text);
        let checked = check(&parsed.file);
        let model = checked
            .model
            .unwrap_or_else(|| panic!("{:#?}", checked.diagnostics));
        let crate::ast::Award::Amount(award) = model.clauses[0].award else {
            panic!("not an amount");
        };
        let mut found = Vec::new();
        let mut stack = vec![award];
        while let Some(e) = stack.pop() {
            found.extend(model.looked_up(e).cloned());
            stack.extend(e.children());
        }
        found.sort_by_key(|l| format!("{l:?}"));
        let enum_rows = |enum_id, variants: [Option<usize>; 3]| crate::check::model::Lookup {
            table: TableId::new(0),
            rows: LookupRows::Enum {
                enum_id,
                variants: variants.to_vec(),
            },
        };
        // 甲级别 is the first enum: 国家级 is its variant 0, 省级 1; 乙级别 lists them as 3, 2.
        let expected = [
            enum_rows(0, [Some(0), Some(1), None]),
            enum_rows(1, [Some(3), Some(2), None]),
            crate::check::model::Lookup {
                table: TableId::new(1),
                rows: LookupRows::YesNo,
            },
        ];
        assert_eq!(found, expected);
        assert_eq!(model.tables.len(), 2);
        assert_eq!(model.tables[0].ty, crate::check::types::Ty::money());
    }
}
