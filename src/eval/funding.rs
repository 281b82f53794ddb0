//! Funding groups: who pays each clause's awards.
//!
//! Input: the compiled programs of a policy set, each with its header's `funding` and the
//! clauses' own `funding` lines (a clause paid by one level only). Output: [`Groups`]: per
//! policy, one group for the header's funding and one for each other funding its clauses
//! declare, with each group's payers (as positions in the set's payer list) and exact shares.
//! Guarantee: a clause's awards are split among its group's payers only; a clause whose own
//! funding is the header's (payers compared as keys, same shares) is in the header's group,
//! and clauses of one policy with the same funding share one group, so they share one running
//! total in the payer split (README, "The payer split").

use rust_decimal::Decimal;

use super::settle::{Failure, Fractions};
use crate::compile::Program;

/// One funding group: a policy and one of its fundings.
#[derive(Debug)]
struct Group {
    /// The policy's position in the set.
    pi: usize,
    /// Its payers and shares, in `funding` order.
    funding: Vec<(String, Decimal)>,
    /// The position in the set's payer list of each of its payers.
    columns: Vec<usize>,
    /// Where its payers start in a flat list of every group's payers.
    offset: usize,
    /// Its shares as exact whole numbers, or why they cannot be used.
    fractions: Result<Fractions, Failure>,
}

/// The funding groups of a policy set, in policy order (a policy's header group first).
#[derive(Debug, Default)]
pub struct Groups {
    groups: Vec<Group>,
    /// Per policy: its header's group.
    header: Vec<usize>,
    /// Per policy and clause: its group.
    clause: Vec<Vec<usize>>,
    /// The length of a flat list of every group's payers.
    flat: usize,
}

/// Whether two fundings name the same payers (as keys) with the same shares, in any order.
fn same_funding(a: &[(String, Decimal)], b: &[(String, Decimal)]) -> bool {
    let key = |p: &String| crate::keys::key(p).into_owned();
    a.len() == b.len()
        && a.iter()
            .all(|(p, s)| b.iter().any(|(q, t)| key(p) == key(q) && s == t))
}

impl Groups {
    /// The groups of `programs`; payers not in `payers` yet are added to it in order of first
    /// appearance (a payer's spellings that fold to one key are one payer).
    pub(crate) fn of(programs: &[Program], payers: &mut Vec<String>) -> Groups {
        let mut out = Groups::default();
        for (pi, p) in programs.iter().enumerate() {
            let header = out.add(pi, &p.header.funding, payers);
            out.header.push(header);
            let clauses = p
                .clauses
                .iter()
                .map(|c| match &c.funding {
                    None => header,
                    Some(own) => {
                        let found = (header..out.groups.len())
                            .find(|&g| same_funding(&out.groups[g].funding, own));
                        found.unwrap_or_else(|| out.add(pi, own, payers))
                    }
                })
                .collect();
            out.clause.push(clauses);
        }
        out
    }

    /// Adds a group of policy `pi` paid by `funding`: its index.
    fn add(&mut self, pi: usize, funding: &[(String, Decimal)], payers: &mut Vec<String>) -> usize {
        let columns = funding
            .iter()
            .map(|(payer, _)| {
                let same = |x: &String| crate::keys::key(x) == crate::keys::key(payer);
                match payers.iter().position(same) {
                    Some(k) => k,
                    None => {
                        payers.push(payer.clone());
                        payers.len() - 1
                    }
                }
            })
            .collect();
        self.groups.push(Group {
            pi,
            funding: funding.to_vec(),
            columns,
            offset: self.flat,
            fractions: Fractions::of(funding),
        });
        self.flat += funding.len();
        self.groups.len() - 1
    }

    /// How many groups there are.
    pub(crate) fn len(&self) -> usize {
        self.groups.len()
    }

    /// The group of clause `ci` of policy `pi` (its header's group when out of range).
    #[inline]
    pub(crate) fn of_clause(&self, pi: usize, ci: usize) -> usize {
        self.clause
            .get(pi)
            .and_then(|c| c.get(ci))
            .copied()
            .unwrap_or_else(|| self.of_policy(pi))
    }

    /// The header's group of policy `pi`.
    pub(crate) fn of_policy(&self, pi: usize) -> usize {
        self.header.get(pi).copied().unwrap_or(usize::MAX)
    }

    /// The policy of group `g`.
    pub(crate) fn policy(&self, g: usize) -> usize {
        self.groups.get(g).map_or(usize::MAX, |x| x.pi)
    }

    /// Group `g`'s payers and shares, in `funding` order.
    pub(crate) fn funding(&self, g: usize) -> &[(String, Decimal)] {
        self.groups.get(g).map_or(&[], |x| x.funding.as_slice())
    }

    /// The position in the set's payer list of each of group `g`'s payers.
    pub(crate) fn columns(&self, g: usize) -> &[usize] {
        self.groups.get(g).map_or(&[], |x| x.columns.as_slice())
    }

    /// Where group `g`'s payers start in a flat list of every group's payers.
    pub(crate) fn offset(&self, g: usize) -> usize {
        self.groups.get(g).map_or(0, |x| x.offset)
    }

    /// The length of a flat list of every group's payers.
    pub(crate) fn flat_len(&self) -> usize {
        self.flat
    }

    /// Group `g`'s shares as exact whole numbers.
    pub(crate) fn fractions(&self, g: usize) -> Result<&Fractions, Failure> {
        match self.groups.get(g).map(|x| &x.fractions) {
            Some(Ok(f)) => Ok(f),
            Some(Err(e)) => Err(e.clone()),
            None => Err(Failure::internal(
                "a verdict names a funding that is not in the set",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn clauses_with_one_funding_share_a_group_and_the_header_s_own_is_the_header_s() {
        let text = "policy \"测〔2024〕9号\" {\n  title \"分级\"\n  issued 2024-01-01\n  \
            effective 2024-01-01 to 2024-12-31\n  funding { 市: 50%, 区: 50% }\n  same_matter cumulative\n}\n\
            input enterprise { a: money }\n\
            clause c0 { source \"一\" award a }\n\
            clause c1 { source \"二\" funding { 县: 100% } award a }\n\
            clause c2 { source \"三\" funding { 区: 50%, 市: 50% } award a }\n\
            clause c3 { source \"四\" funding { 县: 100% } award a }\n";
        let program = crate::compile_source(text).program.unwrap();
        let mut payers = Vec::new();
        let g = Groups::of(&[program], &mut payers);
        assert_eq!(payers, ["市", "区", "县"]);
        assert_eq!(g.len(), 2);
        let groups: Vec<usize> = (0..4).map(|ci| g.of_clause(0, ci)).collect();
        assert_eq!(groups, [0, 1, 0, 1]);
        assert_eq!(g.columns(1), [2]);
        assert_eq!((g.offset(1), g.flat_len()), (2, 3));
    }

    #[test]
    fn fundings_compare_as_keys_in_any_order() {
        let a = vec![
            ("市级财政".to_string(), d("0.5")),
            ("区级财政".into(), d("0.5")),
        ];
        let b = vec![
            ("区级财政".to_string(), d("0.5")),
            ("市级财政".into(), d("0.50")),
        ];
        assert!(same_funding(&a, &b));
        let c = vec![("市级财政".to_string(), d("1"))];
        assert!(!same_funding(&a, &c));
        let full = vec![
            ("市级财政".to_string(), d("0.6")),
            ("区级财政".into(), d("0.4")),
        ];
        assert!(!same_funding(&a, &full));
    }
}
