//! Claims addressed to items (issue 16): which per-claim clauses evaluate which claim.
//!
//! Input: the policy set, the subject's kind and its claims (each naming an `item`, and a
//! `document` when the item's name is declared by several). Output: for each claim, the one
//! item (policy and item of that policy) it is addressed to, or every problem found: an item
//! no loaded policy declares for the subject's kind (F0120, with the known items and a "did
//! you mean"), a name declared by several documents without a `document` (F0121), a claim
//! without an item where the policies have several for that kind (F0122). Guarantee: a claim
//! is never guessed onto an item; names and documents are compared as keys
//! ([`crate::keys::key`]).

use crate::compile::{Kind, Program};
use crate::eval::facts::{ClaimFacts, FactProblem};
use crate::keys::{document_key, key};
use crate::problem::ProblemCode;

/// One application item of a policy set.
#[derive(Clone, Debug)]
pub(crate) struct ItemRef<'p> {
    /// The policy's position in the set.
    pub pi: usize,
    /// The item's position in [`Program::items`].
    pub index: u32,
    /// The item as first written.
    pub name: &'p str,
    /// The policy's document number.
    pub document: &'p str,
    /// The kinds of subject its clauses are for.
    pub kinds: Vec<Kind>,
}

impl ItemRef<'_> {
    /// The item for people: its name, and its document when `with_document`.
    fn shown(&self, with_document: bool) -> String {
        if with_document {
            format!("{} ({})", self.name, self.document)
        } else {
            self.name.to_string()
        }
    }
}

/// Every application item of `programs`, in policy and item order, with the kinds of subject
/// its clauses are for. The one list that resolution, `pol schema` and history entries read.
pub(crate) fn items_of<'p>(programs: impl IntoIterator<Item = &'p Program>) -> Vec<ItemRef<'p>> {
    let mut out = Vec::new();
    for (pi, p) in programs.into_iter().enumerate() {
        for (index, name) in p.items.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let mut kinds: Vec<Kind> = Vec::new();
            for c in p.clauses.iter().filter(|c| c.item == Some(index)) {
                for k in &c.subjects {
                    if !kinds.contains(k) {
                        kinds.push(*k);
                    }
                }
            }
            out.push(ItemRef {
                pi,
                index,
                name,
                document: &p.header.document,
                kinds,
            });
        }
    }
    out
}

/// For each claim of `claims` (in their order), the item it is addressed to as (policy,
/// item), or `None` when no loaded policy takes claims from a subject of `kind` (nothing
/// evaluates the claim, as no clause could); or every problem with the claims' items.
pub(crate) fn resolve(
    programs: &[Program],
    kind: Kind,
    claims: &[ClaimFacts],
) -> Result<Vec<Option<(usize, u32)>>, Vec<FactProblem>> {
    if claims.is_empty() {
        return Ok(Vec::new());
    }
    let all = items_of(programs);
    let for_kind: Vec<&ItemRef<'_>> = all.iter().filter(|i| i.kinds.contains(&kind)).collect();
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(claims.len());
    for (n, c) in claims.iter().enumerate() {
        match resolve_one(&for_kind, kind, c, &format!("claims[{n}]")) {
            Ok(at) => out.push(at),
            Err(p) => {
                problems.push(*p);
                out.push(None);
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The item of one claim among `items` (those for the subject's kind).
fn resolve_one(
    items: &[&ItemRef<'_>],
    kind: Kind,
    claim: &ClaimFacts,
    path: &str,
) -> Result<Option<(usize, u32)>, Box<FactProblem>> {
    let document = claim.document.as_deref().map(document_key);
    let of_document = |i: &&&ItemRef<'_>| {
        document
            .as_ref()
            .is_none_or(|d| document_key(i.document) == *d)
    };
    let candidates: Vec<&&ItemRef<'_>> = match claim.item.as_deref() {
        Some(name) => {
            let k = key(name);
            items
                .iter()
                .filter(|i| key(i.name) == k)
                .filter(of_document)
                .collect()
        }
        // Without an item: accepted only when one item could be meant.
        None if items.is_empty() => return Ok(None),
        None => {
            let candidates: Vec<_> = items.iter().filter(of_document).collect();
            if candidates.len() != 1 {
                return Err(Box::new(known(
                    FactProblem::new(ProblemCode::ClaimWithoutItem, format!("{path}.item"))
                        .name(claim.id.as_str()),
                    items,
                )));
            }
            candidates
        }
    };
    match candidates.as_slice() {
        [one] => Ok(Some((one.pi, one.index))),
        [] => Err(Box::new(unknown(items, kind, claim, path))),
        several => {
            let documents: Vec<&str> = several.iter().map(|i| i.document).collect();
            let p = FactProblem::new(ProblemCode::AmbiguousItem, format!("{path}.document"))
                .name(claim.item.clone().unwrap_or_default())
                .expected(documents.join(", "));
            Err(Box::new(p))
        }
    }
}

/// The problem of a claim addressed to an item (of a document) that no loaded policy declares
/// for a subject of `kind`.
fn unknown(items: &[&ItemRef<'_>], kind: Kind, claim: &ClaimFacts, path: &str) -> FactProblem {
    let written = claim.item.clone().unwrap_or_default();
    let found = match &claim.document {
        Some(d) => format!("`{written}` of `{d}` for {}", kind.as_str()),
        None => format!("`{written}` for {}", kind.as_str()),
    };
    let p = FactProblem::new(ProblemCode::UnknownItem, format!("{path}.item"))
        .name(written.as_str())
        .found(found);
    let p = known(p, items);
    match crate::check::closest(&written, items.iter().map(|i| i.name)) {
        Some(h) => p.hint(h),
        None => p,
    }
}

/// `p` with the known items listed as what is expected (with their documents where a name
/// is declared by several).
fn known(p: FactProblem, items: &[&ItemRef<'_>]) -> FactProblem {
    let list: Vec<String> = items
        .iter()
        .map(|i| {
            let shared = items.iter().filter(|j| key(j.name) == key(i.name)).count() > 1;
            i.shown(shared)
        })
        .collect();
    let list = if list.is_empty() {
        "none: no loaded policy takes claims from this kind of subject".to_string()
    } else {
        list.join(", ")
    };
    p.expected(list)
}

/// The message and help of an item problem (F0120-F0122), from its fields.
pub(crate) fn words(p: &FactProblem) -> Option<(String, String)> {
    let f = |x: &Option<String>| x.clone().unwrap_or_default();
    let (name, expected, found, hint) = (f(&p.name), f(&p.expected), f(&p.found), f(&p.hint));
    Some(match p.code {
        ProblemCode::UnknownItem => (
            format!("no loaded policy declares the item {found}; the items are: {expected}"),
            if hint.is_empty() {
                "address the claim to one of these items with \"item\"".to_string()
            } else {
                format!("did you mean `{hint}`?")
            },
        ),
        ProblemCode::AmbiguousItem => (
            format!("the item `{name}` is declared by several documents: {expected}"),
            "say which with \"document\", e.g. \"document\": \"嘉政发〔2023〕15号\"".to_string(),
        ),
        ProblemCode::ClaimWithoutItem => (
            format!("the claim `{name}` does not say which item it is for; the items are: {expected}"),
            "add \"item\" to the claim (a column `item` in a population): pol does not guess which application a claim is".to_string(),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(text: &str) -> Program {
        crate::compile_source(text).program.unwrap()
    }

    const A: &str = r#"policy "示例〔2023〕15号" {
  title "t"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 100% }
  same_matter highest
}
input project { 金额: money }
clause 中介奖励 { source "第五条" item "技术转移" subject institution per project award 3% of 金额 }
clause 经纪人奖励 { source "第五条" item "技术转移" subject person per project award 1% of 金额 }
clause 项目经费 { source "第四条" subject institution per project award 1万元 }
"#;

    fn claim(item: Option<&str>, document: Option<&str>) -> ClaimFacts {
        ClaimFacts {
            id: "C1".into(),
            date: "2024-01-01".parse().unwrap(),
            item: item.map(str::to_string),
            document: document.map(str::to_string),
            attributes: Default::default(),
        }
    }

    #[test]
    fn clauses_share_an_item_and_a_clause_alone_is_its_own() {
        let p = [program(A)];
        let items = items_of(&p);
        let names: Vec<&str> = items.iter().map(|i| i.name).collect();
        assert_eq!(names, ["技术转移", "项目经费"]);
        assert_eq!(items[0].kinds, [Kind::Institution, Kind::Person]);
    }

    #[test]
    fn an_item_is_found_by_its_key_and_an_unknown_one_is_refused_with_a_suggestion() {
        let p = [program(A)];
        let ok = resolve(&p, Kind::Institution, &[claim(Some("技术转移"), None)]).unwrap();
        assert_eq!(ok, [Some((0, 0))]);
        let e = resolve(&p, Kind::Institution, &[claim(Some("技术转让"), None)]).unwrap_err();
        assert_eq!(e[0].code, ProblemCode::UnknownItem);
        assert_eq!(e[0].hint.as_deref(), Some("技术转移"));
        assert!(
            e[0].message().contains("技术转移, 项目经费"),
            "{}",
            e[0].message()
        );
        // An item of another kind only: not one for this subject.
        let e = resolve(&p, Kind::Person, &[claim(Some("项目经费"), None)]).unwrap_err();
        assert_eq!(e[0].code, ProblemCode::UnknownItem);
    }

    #[test]
    fn a_claim_without_an_item_is_taken_only_when_one_item_could_be_meant() {
        let p = [program(A)];
        assert_eq!(
            resolve(&p, Kind::Person, &[claim(None, None)]).unwrap(),
            [Some((0, 0))]
        );
        let e = resolve(&p, Kind::Institution, &[claim(None, None)]).unwrap_err();
        assert_eq!(e[0].code, ProblemCode::ClaimWithoutItem);
        assert_eq!(
            resolve(&p, Kind::Region, &[claim(None, None)]).unwrap(),
            [None]
        );
    }

    #[test]
    fn a_name_of_two_documents_needs_the_document() {
        let b = A.replace("15号", "16号");
        let p = [program(A), program(&b)];
        let e = resolve(&p, Kind::Person, &[claim(Some("技术转移"), None)]).unwrap_err();
        assert_eq!(e[0].code, ProblemCode::AmbiguousItem);
        let ok = resolve(
            &p,
            Kind::Person,
            &[claim(Some("技术转移"), Some("示例[2023]16号"))],
        )
        .unwrap();
        assert_eq!(ok, [Some((1, 0))]);
    }
}
