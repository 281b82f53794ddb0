//! Key texts that hold what no reader can see (E0350).
//!
//! The document number, a clause's `matter` and `department` and a funding payer's name are
//! keys: pol compares them to find a policy given twice and awards of one matter. They are
//! compared after [`crate::keys::key`] folds look-alike forms, but a key holding an invisible
//! character, a bidi control or white space at an end is refused outright: the author cannot
//! see what the file says, and another tool reading the same file may not fold it as pol does.

use crate::ast::{self, ClauseItem, HeaderItem, Item, Node};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::format::escape;
use crate::keys::{flaw, Flaw};

/// Reports every key text of `file` that holds a hidden character or white space at an end.
pub(super) fn check(file: &ast::File, out: &mut Vec<Diagnostic>) {
    for item in &file.items {
        match item {
            Item::Policy(p) => {
                report(out, "document number", &p.node.document);
                for h in &p.node.items {
                    if let HeaderItem::Funding(shares) = &h.node {
                        for s in shares {
                            report(out, "payer", &s.payer);
                        }
                    }
                }
            }
            Item::Clause(c) => {
                for it in &c.node.items {
                    match &it.node {
                        ClauseItem::Matter(m) => report(out, "matter", m),
                        ClauseItem::Item(m) => report(out, "item", m),
                        ClauseItem::Department(ds) => {
                            for d in ds {
                                report(out, "department", d);
                            }
                        }
                        ClauseItem::Funding(shares) => {
                            for s in shares {
                                report(out, "payer", &s.payer);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

fn report(out: &mut Vec<Diagnostic>, what: &str, text: &Node<String>) {
    let Some(f) = flaw(&text.node) else {
        return;
    };
    let (message, label, fix) = match f {
        Flaw::Hidden(c) => (
            format!(
                "the {what} `{}` holds the hidden character U+{:04X}",
                escape(&text.node),
                u32::from(c)
            ),
            "holds a character that cannot be seen",
            "delete the character",
        ),
        Flaw::Padded => (
            format!("the {what} `{}` starts or ends with a space", text.node),
            "white space at an end",
            "delete the space",
        ),
        Flaw::LookAlike(c) => (
            format!(
                "the {what} `{}` holds U+{:04X}, a letter or mark that looks like another",
                escape(&text.node),
                u32::from(c)
            ),
            "holds a look-alike character",
            "type the character again on a Latin or Chinese keyboard",
        ),
    };
    out.push(
        Diagnostic::new(Code::UncleanKey, text.span, message)
            .label(label)
            .help(format!(
                "{fix}: the {what} is a key, and two keys that look the same \
                 must be written the same"
            )),
    );
}
