//! Characters that make a policy read differently from what it says: invisible or confusable
//! characters in names (W0315) and characters that reorder text in comments and texts (W0316).
//!
//! The rule for names, as rustc's `confusable_idents` and `mixed_script_confusables` lints do
//! it, kept simple: a name is reported when it holds an invisible character (a zero-width
//! space or joiner, a word joiner, a soft hyphen, a variation selector, ...), or when it mixes
//! Latin letters with Cyrillic or Greek letters (`cаp` with a Cyrillic `а` looks like `cap` but
//! is another name). Chinese names mixed with Latin letters or digits are normal and are not
//! reported. For comments and texts, any bidirectional control character is reported where it
//! stands: it can make the line shown in an editor differ from the line pol reads.

use super::Cx;
use crate::ast::Span;
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::format::{escape, is_bidi, is_invisible};

/// The script of a letter, as far as confusables go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Other,
}

fn script(c: char) -> Script {
    match c {
        'a'..='z' | 'A'..='Z' => Script::Latin,
        '\u{00C0}'..='\u{024F}' if c.is_alphabetic() => Script::Latin,
        '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => Script::Greek,
        '\u{0400}'..='\u{052F}' | '\u{1C80}'..='\u{1C8F}' | '\u{2DE0}'..='\u{2DFF}' => {
            Script::Cyrillic
        }
        '\u{A640}'..='\u{A69F}' => Script::Cyrillic,
        _ => Script::Other,
    }
}

fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// What one pass over the source finds: comments, text literals and names.
#[derive(Default)]
struct Pieces {
    /// Comments and text literals, and whether each is a comment.
    prose: Vec<(Span, bool)>,
    /// Runs of letters, digits, `_` and invisible characters outside comments and texts.
    names: Vec<Span>,
}

/// Splits `source` in one pass (a big policy is linted in linear time). A `#` outside a text
/// starts a comment to the end of its line; a text runs to its closing quote or the line's end,
/// as [`crate::fmt::comments`] reads them.
fn pieces(source: &str) -> Pieces {
    let mut out = Pieces::default();
    // Inside a comment (`None` quote) or a text (its closing quote), since the offset.
    let mut prose: Option<(usize, Option<char>)> = None;
    let mut name: Option<usize> = None;
    for (i, c) in source.char_indices() {
        if let Some((start, quote)) = prose {
            match quote {
                _ if c == '\n' => {
                    let end = if quote.is_none() {
                        start + source[start..i].trim_end().len()
                    } else {
                        i
                    };
                    out.prose.push((Span::new(start, end), quote.is_none()));
                    prose = None;
                }
                Some(q) if c == q => {
                    out.prose.push((Span::new(start, i + c.len_utf8()), false));
                    prose = None;
                }
                _ => {}
            }
            continue;
        }
        // The byte-order mark is white space to the grammar, never part of a name.
        let part = c.is_alphanumeric() || c == '_' || (is_invisible(c) && c != '\u{FEFF}');
        match (name, part) {
            (None, true) => name = Some(i),
            (Some(start), false) => {
                out.names.push(Span::new(start, i));
                name = None;
            }
            _ => {}
        }
        match c {
            '#' => prose = Some((i, None)),
            '"' => prose = Some((i, Some('"'))),
            '“' => prose = Some((i, Some('”'))),
            _ => {}
        }
    }
    if let Some(start) = name {
        out.names.push(Span::new(start, source.len()));
    }
    if let Some((start, quote)) = prose {
        let end = start + source[start..].trim_end().len();
        out.prose.push((Span::new(start, end), quote.is_none()));
    }
    out
}

pub(super) fn check(cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    let source = cx.source;
    let Pieces { prose, names } = pieces(source);
    for (span, comment) in &prose {
        let what = if *comment { "comment" } else { "text" };
        for (i, c) in source[span.start..span.end].char_indices() {
            if is_bidi(c) {
                let at = span.start + i;
                out.push(
                    Diagnostic::new(
                        Code::BidiInComment,
                        Span::new(at, at + c.len_utf8()),
                        format!(
                            "this {what} holds the character {} that reorders how the line is shown",
                            code_point(c)
                        ),
                    )
                    .label("changes the order text is shown in")
                    .help(
                        "delete the character: an editor may show this line differently from \
                         what pol reads",
                    ),
                );
            }
        }
    }
    // Each name is reported where it first appears, not at every use.
    let mut seen = std::collections::HashSet::new();
    for span in names {
        let name = &source[span.start..span.end];
        if !name.chars().any(|c| is_invisible(c) || !c.is_ascii()) || !seen.insert(name) {
            continue;
        }
        if let Some(c) = name.chars().find(|c| is_invisible(*c)) {
            out.push(
                Diagnostic::new(
                    Code::ConfusableName,
                    span,
                    format!(
                        "the name `{}` holds the invisible character {}",
                        escape(name),
                        code_point(c)
                    ),
                )
                .label("holds a character that cannot be seen")
                .help(
                    "delete the invisible character: two names that look the same would be \
                     different names",
                ),
            );
            continue;
        }
        if let Some((c, read)) = compatibility_form(name) {
            out.push(compatibility_name(span, name, c, &read));
            continue;
        }
        let latin = name.chars().any(|c| script(c) == Script::Latin);
        let other = name
            .chars()
            .find(|c| matches!(script(*c), Script::Cyrillic | Script::Greek));
        if let (true, Some(c)) = (latin, other) {
            let kind = if script(c) == Script::Greek {
                "Greek"
            } else {
                "Cyrillic"
            };
            out.push(
                Diagnostic::new(
                    Code::ConfusableName,
                    span,
                    format!(
                        "the name `{name}` mixes Latin letters with the {kind} letter `{c}` ({})",
                        code_point(c)
                    ),
                )
                .label("a letter here looks Latin but is not")
                .help(format!(
                    "type the name with Latin letters only (the {kind} letter looks the same but \
                     makes it a different name)"
                )),
            );
        }
    }
}

/// The first character of `name` that is a compatibility form of another (a CJK compatibility
/// ideograph, a Kangxi radical, a full-width letter), with the text it stands for: the form
/// keys are compared in ([`crate::keys::key`]) tells them.
fn compatibility_form(name: &str) -> Option<(char, String)> {
    name.chars().find_map(|c| {
        let mut one = [0; 4];
        let text = &*c.encode_utf8(&mut one);
        let read = crate::keys::key(text);
        (read != text && !read.is_empty()).then(|| (c, read.into_owned()))
    })
}

/// W0315 for a name holding the compatibility form `c` of `read`. Canonically equal forms
/// (`金` U+F90A and `金` U+91D1) are one name, as pol reads it; the others only look the same.
fn compatibility_name(span: Span, name: &str, c: char, read: &str) -> Diagnostic {
    let points = |t: &str| t.chars().map(code_point).collect::<Vec<_>>().join(" ");
    let same = crate::keys::name(&c.to_string()) == read;
    let (what, help) = if same {
        (
            "a compatibility ideograph read as",
            format!("type `{read}` ({}): pol reads the name with it already, but a reader comparing the file byte by byte (a search, a diff, a spreadsheet) sees two names", points(read)),
        )
    } else {
        (
            "a compatibility form that looks like",
            format!("type `{read}` ({}): the name as written is a different name from the one it looks like, so a column or fact named with `{read}` is not it", points(read)),
        )
    };
    Diagnostic::new(
        Code::ConfusableName,
        span,
        format!(
            "the name `{}` holds `{c}` ({}), {what} `{read}` ({})",
            escape(name),
            code_point(c),
            points(read)
        ),
    )
    .label("a character here has another, usual form")
    .help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_forms_are_told() {
        assert_eq!(
            compatibility_form("\u{F90A}额"),
            Some(('\u{F90A}', "金".to_string()))
        );
        assert_eq!(
            compatibility_form("\u{2FA6}额"),
            Some(('\u{2FA6}', "金".to_string()))
        );
        assert_eq!(compatibility_form("研发费用"), None);
        assert_eq!(compatibility_form("cap_2"), None);
    }

    #[test]
    fn scripts() {
        assert!(script('a') == Script::Latin);
        assert!(script('а') == Script::Cyrillic);
        assert!(script('α') == Script::Greek);
        assert!(script('研') == Script::Other);
    }

    #[test]
    fn texts_comments_and_names_are_told_apart() {
        let src = "ab \"x#y\" # c d \nb_1 “z”";
        let p = pieces(src);
        let text = |s: &Span| &src[s.start..s.end];
        let prose: Vec<&str> = p.prose.iter().map(|(s, _)| text(s)).collect();
        assert_eq!(prose, ["\"x#y\"", "# c d", "“z”"]);
        let names: Vec<&str> = p.names.iter().map(text).collect();
        assert_eq!(names, ["ab", "b_1"]);
    }
}
