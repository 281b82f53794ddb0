//! JSON as facts are read from it: every scalar kept as its exact text, every value with its
//! byte offset, and every key of an object kept in order, duplicates included.
//!
//! Input: JSON text (facts, one JSON Lines row, a settings file). Output: a [`Node`] tree, or
//! an [`Error`] with its line and column. Brackets may nest at most [`MAX_DEPTH`] levels: a
//! deeper text is refused before it is parsed, so a hostile file can neither exhaust the stack
//! nor make the parse slow (each level re-reads the text below it, so the work is at most
//! `MAX_DEPTH` times the length of the text). Guarantee: numbers never pass through a float (their text is
//! kept, so `0.1` and 28-digit amounts read exactly without serde_json's
//! `arbitrary_precision`, which would change how an embedder's other types deserialize); a
//! key given twice is kept twice, so the reader of the tree can name both places.

use std::fmt;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// One JSON value and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node<'a> {
    /// Byte offset of the value's first character in the text given to [`parse`].
    pub at: usize,
    /// The value.
    pub value: Json<'a>,
}

/// A JSON value with its scalars as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Json<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as its exact text (`-12.50`, `1e3`).
    Number(&'a str),
    /// A string, with its escapes resolved.
    Text(String),
    /// A list.
    List(Vec<Node<'a>>),
    /// An object: its keys in order, a key given twice appearing twice.
    Object(Vec<(String, Node<'a>)>),
}

impl Json<'_> {
    /// What kind of value this is, in plain words (for messages).
    pub fn kind_words(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "true or false",
            Json::Number(_) => "a number",
            Json::Text(_) => "a text",
            Json::List(_) => "a list",
            Json::Object(_) => "an object",
        }
    }
}

/// The deepest nesting of lists and objects accepted (serde_json's own default is 128). Facts
/// need four levels; the limit is far above any real file and far below the stack's size.
pub const MAX_DEPTH: usize = 128;

/// Why a text is not JSON pol reads, and where.
#[derive(Debug)]
pub struct Error {
    line: usize,
    column: usize,
    what: String,
}

impl Error {
    /// The 1-based line of the problem.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column of the problem, in characters.
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same shape as serde_json's messages, which readers split at " at line ".
        write!(
            f,
            "{} at line {} column {}",
            self.what, self.line, self.column
        )
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        let what = e.to_string();
        let what = what.split(" at line ").next().unwrap_or(&what).to_string();
        Error {
            line: e.line(),
            column: e.column(),
            what,
        }
    }
}

/// The offset of the first bracket that opens a level deeper than [`MAX_DEPTH`], if any. One
/// pass over the bytes, skipping strings (a bracket inside a string is text).
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Parses `text` (which must hold exactly one JSON value, with spaces around it allowed).
pub fn parse(text: &str) -> Result<Node<'_>, Error> {
    if let Some(at) = too_deep(text) {
        let lines = LineIndex::new(text);
        return Err(Error {
            line: lines.line(at),
            column: lines.column(text, at),
            what: format!("lists and objects are nested more than {MAX_DEPTH} levels deep"),
        });
    }
    Ok(parse_shallow(text)?)
}

/// [`parse`] of a text known to nest at most [`MAX_DEPTH`] levels.
fn parse_shallow(text: &str) -> Result<Node<'_>, serde_json::Error> {
    let start = text.len() - text.trim_start_matches([' ', '\t', '\n', '\r']).len();
    if text[start..].starts_with('{') {
        // An object (facts, a row) is read in one pass, without first capturing it whole.
        let mut de = serde_json::Deserializer::from_str(text);
        let pairs = (&mut de).deserialize_map(Pairs)?;
        de.end()?;
        return object(text, start, pairs);
    }
    let raw: &RawValue = serde_json::from_str(text)?;
    node(text, raw)
}

fn object<'a>(
    base: &'a str,
    at: usize,
    pairs: Vec<(String, &'a RawValue)>,
) -> Result<Node<'a>, serde_json::Error> {
    let mut out = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        out.push((k, node(base, v)?));
    }
    Ok(Node {
        at,
        value: Json::Object(out),
    })
}

/// The 1-based line of byte offset `at` in `text`.
#[cfg(test)]
pub fn line_of(text: &str, at: usize) -> usize {
    let end = at.min(text.len());
    memchr::memchr_iter(b'\n', &text.as_bytes()[..end]).count() + 1
}

/// The start of every line of a text, to turn byte offsets into line numbers in logarithmic
/// time (so naming the lines of many problems stays linear in the text).
#[derive(Clone, Debug)]
pub struct LineIndex(Vec<usize>);

impl LineIndex {
    /// Indexes the lines of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex(starts)
    }

    /// The 1-based line of byte offset `at`.
    pub fn line(&self, at: usize) -> usize {
        self.0.partition_point(|&start| start <= at)
    }

    /// The 1-based column of byte offset `at` of `text` (the text indexed), in characters.
    pub fn column(&self, text: &str, at: usize) -> usize {
        let start = self.line(at).checked_sub(1).and_then(|k| self.0.get(k));
        let start = start.copied().unwrap_or(0).min(text.len());
        text.get(start..at.min(text.len()))
            .map_or(0, |s| s.chars().count())
            + 1
    }
}

/// The tree of one raw value. Its text is a slice of `base`, so its offset is where it starts.
fn node<'a>(base: &'a str, raw: &'a RawValue) -> Result<Node<'a>, serde_json::Error> {
    let text = raw.get();
    let at = (text.as_ptr() as usize).saturating_sub(base.as_ptr() as usize);
    let value = match text.as_bytes().first() {
        Some(b'{') => {
            let pairs = serde_json::Deserializer::from_str(text).deserialize_map(Pairs)?;
            return object(base, at, pairs);
        }
        Some(b'[') => {
            let items = serde_json::Deserializer::from_str(text).deserialize_seq(Items)?;
            let mut out = Vec::with_capacity(items.len());
            for v in items {
                out.push(node(base, v)?);
            }
            Json::List(out)
        }
        // A string without escapes is its text between the quotes (serde_json has checked it).
        Some(b'"') if !text.contains('\\') => Json::Text(text[1..text.len() - 1].to_string()),
        Some(b'"') => Json::Text(serde_json::from_str(text)?),
        Some(b't') => Json::Bool(true),
        Some(b'f') => Json::Bool(false),
        Some(b'n') => Json::Null,
        // serde_json has checked the syntax: anything else is a number.
        _ => Json::Number(text),
    };
    Ok(Node { at, value })
}

/// The keys and raw values of one object, in order, duplicates kept.
struct Pairs;

impl<'de> Visitor<'de> for Pairs {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            out.push((k, map.next_value::<&'de RawValue>()?));
        }
        Ok(out)
    }
}

/// The raw values of one list, in order.
struct Items;

impl<'de> Visitor<'de> for Items {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<&'de RawValue>()? {
            out.push(v);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_text_and_values_their_place() {
        let text = "{\"a\": 0.1,\n \"b\": [1e2, 12345678901234567890123456.78], \"a\": null}";
        let root = parse(text).unwrap();
        let Json::Object(pairs) = root.value else {
            panic!("not an object")
        };
        assert_eq!(pairs.len(), 3, "a key given twice is kept twice");
        assert_eq!(pairs[0].1.value, Json::Number("0.1"));
        assert_eq!(line_of(text, pairs[0].1.at), 1);
        let Json::List(items) = &pairs[1].1.value else {
            panic!("not a list")
        };
        assert_eq!(items[0].value, Json::Number("1e2"));
        assert_eq!(
            items[1].value,
            Json::Number("12345678901234567890123456.78")
        );
        assert_eq!(line_of(text, items[1].at), 2);
        assert_eq!(&text[pairs[2].1.at..pairs[2].1.at + 4], "null");
        let lines = LineIndex::new(text);
        for at in [0, pairs[0].1.at, items[1].at, text.len() - 1] {
            assert_eq!(lines.line(at), line_of(text, at));
        }
    }

    #[test]
    fn nesting_is_limited_and_brackets_in_strings_do_not_count() {
        let deep = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n - 1), "]".repeat(n - 1));
        assert!(parse(&deep(MAX_DEPTH)).is_ok());
        let e = parse(&format!("\n{}", deep(MAX_DEPTH + 1))).unwrap_err();
        assert_eq!((e.line(), e.column()), (2, 6 + MAX_DEPTH - 1));
        assert!(e.to_string().contains("nested more than 128 levels"), "{e}");
        let quoted = format!("{{\"a\":\"{}\\\"{}\"}}", "[".repeat(500), "{".repeat(500));
        assert!(parse(&quoted).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_a_tree_or_a_syntax_error(text in "[{}\\[\\],:\" a1.e\\\\nu好-]{0,24}") {
            // What serde_json accepts, this reader accepts (and more: numbers too large for a
            // float, which it keeps as text for the exact reader to judge).
            if serde_json::from_str::<serde_json::Value>(&text).is_ok() {
                let root = parse(&text);
                proptest::prop_assert!(root.is_ok(), "{:?}", root);
                proptest::prop_assert!(root.unwrap().at < text.len());
            }
        }
    }

    #[test]
    fn syntax_errors_come_from_serde_json_with_their_place() {
        let e = parse("{\"a\": 1,\n}").unwrap_err();
        assert_eq!(e.line(), 2);
        assert!(parse("{\"a\": 1} x").is_err());
        assert!(parse("\"\\u12\"").is_err());
        assert!(parse("{\"a\": 1}}").is_err());
        assert!(
            parse(" {\"a\": \"x\\ny\", \"b\": \"好\"} ").is_ok_and(|n| n.at == 1
                && n.value
                    == Json::Object(vec![
                        (
                            "a".into(),
                            Node {
                                at: 7,
                                value: Json::Text("x\ny".into())
                            }
                        ),
                        (
                            "b".into(),
                            Node {
                                at: 20,
                                value: Json::Text("好".into())
                            }
                        ),
                    ]))
        );
    }
}
