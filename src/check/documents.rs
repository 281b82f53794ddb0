//! The check across the files of one policy set: no policy is given twice.
//!
//! Input: the files of a set, each with its name, text, and the document number, title and
//! issue date it declares. Output: an E0410 diagnostic in every file that gives a policy an
//! earlier file already gives. Guarantee: a policy loaded twice (a file named twice under two
//! names, a copy such as `X - 副本.pol`, a copy whose number was retyped another way) is
//! refused before anything is evaluated, because every one of its awards would otherwise be
//! paid twice.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;

use crate::ast::{Item, Span};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::format::escape;
use crate::keys::{document_key, script_key};

/// One file of a policy set.
#[derive(Clone, Copy, Debug)]
pub struct SetFile<'a> {
    /// The file's name as the caller knows it (a path on the command line).
    pub name: &'a str,
    /// Its text.
    pub text: &'a str,
    /// The policy its header declares.
    pub policy: PolicyId<'a>,
}

/// What tells one policy from another: its document number, and its title with the day it was
/// issued.
#[derive(Clone, Copy, Debug)]
pub struct PolicyId<'a> {
    /// The document number.
    pub document: &'a str,
    /// The title.
    pub title: &'a str,
    /// The day it was issued.
    pub issued: NaiveDate,
}

/// How a policy was found given twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// Under one document number (as [`document_key`] compares numbers).
    Number,
    /// Under two numbers, with one title issued on one day: a copy whose number was retyped
    /// in a way the folds of numbers do not know (`〔二〇二四〕`), or a number typed wrong.
    TitleAndDay,
}

/// Each policy of `policies` that an earlier one already gives, as (the earlier one's
/// position, its own, how it repeats), in order: the one rule for "a policy given twice", used
/// by the checker (E0410) and by [`crate::eval::PolicySet::new`]. Numbers are compared in their
/// folded form ([`document_key`]): a copy whose number differs by a full-width digit, by
/// `（2024）` for `〔2024〕`, a space or `號` is the same policy. A copy under another number
/// is still found by its title (as [`script_key`] compares texts, white space dropped) and
/// issue date: two policies issued on one day never share a title.
pub fn repeated_policies<'a>(
    policies: impl IntoIterator<Item = PolicyId<'a>>,
) -> Vec<(usize, usize, Repeat)> {
    let mut numbers: HashMap<Cow<'a, str>, usize> = HashMap::new();
    let mut titles: HashMap<(String, NaiveDate), usize> = HashMap::new();
    let mut out = Vec::new();
    for (k, p) in policies.into_iter().enumerate() {
        let number = document_key(p.document);
        let title: String = script_key(p.title)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if let Some(&j) = numbers.get(&number) {
            out.push((j, k, Repeat::Number));
            continue;
        }
        numbers.insert(number, k);
        match titles.get(&(title.clone(), p.issued)) {
            Some(&j) => out.push((j, k, Repeat::TitleAndDay)),
            None => {
                titles.insert((title, p.issued), k);
            }
        }
    }
    out
}

/// For each file that gives a policy an earlier file gives: its index in `files` and the E0410
/// diagnostic to report in it (naming the earlier file).
pub fn duplicate_documents(files: &[SetFile<'_>]) -> Vec<(usize, Diagnostic)> {
    let mut out = Vec::new();
    for (j, k, how) in repeated_policies(files.iter().map(|f| f.policy)) {
        let f = &files[k];
        let document = f.policy.document;
        let earlier = files[j].name;
        let earlier_document = files[j].policy.document;
        let message = match how {
            Repeat::Number if earlier == f.name => {
                format!("the policy `{}` is given twice", escape(document))
            }
            Repeat::Number => {
                let written = if earlier_document == document {
                    String::new()
                } else {
                    format!(" (written `{}` there)", escape(earlier_document))
                };
                format!(
                    "the policy `{}` is also given by `{earlier}`{written}",
                    escape(document)
                )
            }
            Repeat::TitleAndDay => format!(
                "the policy `{}` has the title and issue date of `{}`, given by `{earlier}`: one policy under two document numbers",
                escape(document),
                escape(earlier_document)
            ),
        };
        let help = match how {
            Repeat::Number => format!(
                "give each policy once, or every award of `{document}` is paid twice: remove the copy (or move it out of the folder); if it is a different policy, write its own document number"
            ),
            Repeat::TitleAndDay => format!(
                "give each policy once, or every award is paid twice: remove the copy; if `{document}` and `{earlier_document}` really are two policies, check the title and the `issued` date of each against the gazette"
            ),
        };
        let d = Diagnostic::new(Code::DuplicateDocument, document_span(f.text), message)
            .label("given again here")
            .help(help);
        out.push((k, d));
    }
    out
}

/// Where `text` writes its document number (the start of the file when it cannot be found).
fn document_span(text: &str) -> Span {
    crate::syntax::parse(text)
        .file
        .items
        .iter()
        .find_map(|item| match item {
            Item::Policy(p) => Some(p.node.document.span),
            _ => None,
        })
        .unwrap_or(Span::new(0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "policy \"甲〔2023〕1号\" {\n  title \"x\"\n}\n";

    fn id<'a>(document: &'a str, title: &'a str, issued: &str) -> PolicyId<'a> {
        PolicyId {
            document,
            title,
            issued: issued.parse().unwrap(),
        }
    }

    #[test]
    fn a_document_declared_twice_is_reported_in_the_later_file_naming_the_earlier() {
        let files = [
            SetFile {
                name: "a.pol",
                text: A,
                policy: id("甲〔2023〕1号", "甲", "2023-01-01"),
            },
            SetFile {
                name: "b.pol",
                text: A,
                policy: id("乙〔2023〕2号", "乙", "2023-01-01"),
            },
            SetFile {
                name: "a - 副本.pol",
                text: A,
                policy: id("甲〔2023〕1号", "甲", "2023-01-01"),
            },
        ];
        let found = duplicate_documents(&files);
        assert_eq!(found.len(), 1);
        let (k, d) = &found[0];
        assert_eq!(*k, 2);
        assert_eq!(d.code, Code::DuplicateDocument);
        assert!(d.message.contains("`a.pol`"), "{}", d.message);
        assert_eq!(
            &A[d.primary.span.start..d.primary.span.end],
            "\"甲〔2023〕1号\""
        );
    }

    #[test]
    fn numbers_repeated_in_their_folded_form_are_found_with_the_first_place() {
        let policies = [
            id("嘉政发〔2023〕15号", "甲", "2023-07-24"),
            id("嘉政发[2023]15号", "乙", "2023-07-24"),
            id("其他", "丙", "2023-07-24"),
            id("嘉政发〔２０２３〕15号", "丁", "2023-07-24"),
        ];
        assert_eq!(
            repeated_policies(policies),
            [(0, 1, Repeat::Number), (0, 3, Repeat::Number)]
        );
    }

    #[test]
    fn one_title_issued_on_one_day_under_two_numbers_is_one_policy() {
        let title = "关于印发《嘉兴市推动科技创新若干政策》的通知";
        let policies = [
            id("嘉政发〔2023〕15号", title, "2023-07-24"),
            // Retyped in a form the number folds do not know, in traditional characters.
            id(
                "嘉政發〔二〇二三〕十五號",
                "關於印發《嘉興市推動科技創新若干政策》的通知",
                "2023-07-24",
            ),
            // The same title issued another year is another policy (a yearly re-issue).
            id("嘉政发〔2024〕3号", title, "2024-03-01"),
            id("嘉政发〔2023〕16号", "另一个政策", "2023-07-24"),
        ];
        assert_eq!(repeated_policies(policies), [(0, 1, Repeat::TitleAndDay)]);
    }
}
