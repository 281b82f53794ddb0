//! W0320: a per-claim clause named like the application item of another clause.
//!
//! A per-claim clause without an `item` line answers the claims addressed to its own name. When
//! another clause of the file declares an item spelled like that name (compared as keys), one
//! claim is evaluated by both: usually the name was meant to differ, or the first clause was
//! meant to declare the item too. Which it was only the author knows, so it is a warning.

use super::Cx;
use crate::ast::ClauseItem;
use crate::check::model::ClauseInfo;
use crate::diagnostic::{Code, Diagnostic};
use crate::keys::key;

pub(super) fn check(cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    let declared = |c: &ClauseInfo<'_>| cx.clause_line(c, |i| matches!(i, ClauseItem::Item(_)));
    for named in &cx.model.clauses {
        // Only a clause whose item is its own name (no `item` line) takes claims by its name.
        if named.item.is_none() || declared(named).is_some() {
            continue;
        }
        let name = key(&named.name);
        let other = cx.model.clauses.iter().find_map(|c| {
            let span = declared(c)?;
            (key(c.item.as_deref()?) == name).then_some((c, span))
        });
        let Some((owner, span)) = other else { continue };
        let at = cx
            .clause_node(named)
            .map_or(named.span, |n| n.node.name.span);
        out.push(
            Diagnostic::new(
                Code::ItemNamedLikeClause,
                at,
                format!(
                    "claims for the item \"{}\" of `{}` are also evaluated by `{}`, which takes \
                     claims by its own name",
                    owner.item.as_deref().unwrap_or_default(),
                    owner.name,
                    named.name
                ),
            )
            .label("takes the claims addressed to its name")
            .with_secondary(span, "the item declared here")
            .help(format!(
                "if both clauses answer that application, write `item \"{}\"` in `{}` too; \
                 otherwise rename the clause or the item",
                owner.item.as_deref().unwrap_or_default(),
                named.name
            )),
        );
    }
}
