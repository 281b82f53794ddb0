//! Formatting: a policy's text written out in the one canonical layout.
//!
//! Input: the text of a `.pol` file. Output: the same policy in canonical layout, with every
//! comment kept next to what it was written beside. Guarantee: the result is checked before it
//! is returned: it parses to a tree equal to the input's (spans aside) and holds the same
//! comments in the same order, or [`FormatError::Internal`] is returned and nothing should be
//! written. Formatting formatted text changes nothing.

mod comments;
mod expr;
mod layout;
mod printer;

pub use comments::{comments, Comment};

use crate::diagnostic::Diagnostic;

/// Why a text could not be formatted.
#[derive(Debug)]
#[non_exhaustive]
pub enum FormatError {
    /// The text has syntax errors; they are given, and must be fixed first.
    Syntax(Vec<Diagnostic>),
    /// The formatter would have changed the policy or lost a comment (a bug in pol): what
    /// differed, in words.
    Internal(String),
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::Syntax(d) => write!(
                f,
                "the text has {} syntax error(s); fix them first (`pol::check` reports them)",
                d.len()
            ),
            FormatError::Internal(why) => write!(
                f,
                "formatting would change the policy ({why}): this is a bug in pol; please report it"
            ),
        }
    }
}

impl std::error::Error for FormatError {}

/// `source` in canonical layout.
///
/// ```
/// let text = "let  x=(a+b)*2   # doubled\n";
/// assert_eq!(pol::format_source(text).unwrap(), "let x = (a + b) * 2 # doubled\n");
/// ```
pub fn format_source(source: &str) -> Result<String, FormatError> {
    let parsed = crate::syntax::parse(source);
    if !parsed.is_ok() {
        return Err(FormatError::Syntax(parsed.diagnostics));
    }
    let found = comments(source);
    let text = layout::Layout::new(source, found.clone()).file(&parsed.file);

    let again = crate::syntax::parse(&text);
    if !again.is_ok() {
        return Err(FormatError::Internal(
            "the formatted text does not parse".to_string(),
        ));
    }
    if again.file != parsed.file {
        return Err(FormatError::Internal(
            "the formatted text parses to a different policy".to_string(),
        ));
    }
    let before: Vec<&str> = found.iter().map(|c| c.text(source)).collect();
    let kept = comments(&text);
    let after: Vec<&str> = kept.iter().map(|c| c.text(&text)).collect();
    if before != after {
        return Err(FormatError::Internal(
            "the formatted text does not keep every comment in order".to_string(),
        ));
    }
    Ok(text)
}
