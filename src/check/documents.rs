//! The check across the files of one policy set: no policy is given twice.
//!
//! Input: the files of a set, each with its name, text and the document number it declares.
//! Output: an E0410 diagnostic in every file that declares a document number an earlier file
//! already declares. Guarantee: a policy loaded twice (a file named twice under two names, a
//! copy such as `X - 副本.pol`) is refused before anything is evaluated, because every one of
//! its awards would otherwise be paid twice.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::ast::{Item, Span};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::format::escape;
use crate::keys::document_key;

/// One file of a policy set.
#[derive(Clone, Copy, Debug)]
pub struct SetFile<'a> {
    /// The file's name as the caller knows it (a path on the command line).
    pub name: &'a str,
    /// Its text.
    pub text: &'a str,
    /// The document number its header declares.
    pub document: &'a str,
}

/// Each document number of `documents` that an earlier one already gives, as (the earlier
/// one's position, its own), in order: the one rule for "a policy given twice", used by the
/// checker (E0410) and by [`crate::eval::PolicySet::new`]. Numbers are compared in their
/// folded form ([`document_key`]): a copy whose number differs by a full-width digit, by
/// `（2024）` for `〔2024〕`, a space or `號` is the same policy, and would be paid again.
pub fn repeated_documents<'a>(documents: impl IntoIterator<Item = &'a str>) -> Vec<(usize, usize)> {
    let mut first: HashMap<Cow<'a, str>, usize> = HashMap::new();
    let mut out = Vec::new();
    for (k, document) in documents.into_iter().enumerate() {
        match first.get(&document_key(document)) {
            Some(&j) => out.push((j, k)),
            None => {
                first.insert(document_key(document), k);
            }
        }
    }
    out
}

/// For each file that declares a document number an earlier file declares: its index in
/// `files` and the E0410 diagnostic to report in it (naming the earlier file).
pub fn duplicate_documents(files: &[SetFile<'_>]) -> Vec<(usize, Diagnostic)> {
    let mut out = Vec::new();
    for (j, k) in repeated_documents(files.iter().map(|f| f.document)) {
        let f = &files[k];
        let earlier = files[j].name;
        let same_name = earlier == f.name;
        let written = if files[j].document == f.document {
            String::new()
        } else {
            format!(" (written `{}` there)", escape(files[j].document))
        };
        let d = Diagnostic::new(
            Code::DuplicateDocument,
            document_span(f.text),
            if same_name {
                format!("the policy `{}` is given twice", f.document)
            } else {
                format!(
                    "the policy `{}` is also given by `{earlier}`{written}",
                    escape(f.document)
                )
            },
        )
        .label("given again here")
        .help(format!(
            "give each policy once, or every award of `{}` is paid twice: remove the copy (or move it out of the folder); if it is a different policy, write its own document number",
            f.document
        ));
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

    #[test]
    fn a_document_declared_twice_is_reported_in_the_later_file_naming_the_earlier() {
        let files = [
            SetFile {
                name: "a.pol",
                text: A,
                document: "甲〔2023〕1号",
            },
            SetFile {
                name: "b.pol",
                text: A,
                document: "乙〔2023〕2号",
            },
            SetFile {
                name: "a - 副本.pol",
                text: A,
                document: "甲〔2023〕1号",
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
        let documents = [
            "嘉政发〔2023〕15号",
            "嘉政发[2023]15号",
            "其他",
            "嘉政发〔２０２３〕15号",
        ];
        assert_eq!(repeated_documents(documents), [(0, 1), (0, 3)]);
    }
}
