//! Policy files checked as one set, and their diagnostics rendered in one place.
//!
//! Input: the files' names and texts (or bytes, which may not be UTF-8). Output: each file's
//! diagnostics (its own, and E0410 in a file that gives a policy an earlier file gives), the
//! compiled programs of the files without errors, and [`Diagnostics`]: every diagnostic with
//! its file's name and text, rendered as `pol check` prints them or as its JSON. Guarantee:
//! a file is parsed, checked and compiled once; the diagnostics of every file are kept, in file
//! order and, within a file, by position.

use std::fmt;

use crate::ast::Span;
use crate::check::documents::{duplicate_documents, PolicyId, SetFile};
use crate::compile::Program;
use crate::diagnostic::{self, Code, Diagnostic, RenderOptions, Severity};

/// A file's text, and whether its bytes were valid UTF-8.
#[derive(Clone, Debug)]
pub(crate) struct SourceText {
    /// The text (invalid bytes replaced by U+FFFD).
    pub text: String,
    /// The byte offset of the first invalid byte, if any.
    pub invalid_utf8_at: Option<usize>,
    /// How to make the file UTF-8 when it is not, naming the encoding it seems to be in.
    pub encoding_help: Option<String>,
}

impl SourceText {
    #[cfg(any(test, feature = "cli"))]
    /// The text of `bytes`, with the first invalid byte noted when they are not UTF-8.
    pub fn from_bytes(bytes: Vec<u8>) -> SourceText {
        match String::from_utf8(bytes) {
            Ok(text) => SourceText {
                text,
                invalid_utf8_at: None,
                encoding_help: None,
            },
            Err(e) => SourceText {
                invalid_utf8_at: Some(e.utf8_error().valid_up_to()),
                encoding_help: Some(crate::encoding::help(
                    e.as_bytes(),
                    crate::encoding::Made::ByEditor,
                )),
                text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            },
        }
    }
}

/// The diagnostic of a file that is not UTF-8 (E0107): nothing else of it is checked.
fn not_utf8(at: usize, source: &SourceText) -> Diagnostic {
    Diagnostic::new(
        Code::NotUtf8,
        Span::new(at, at + '\u{FFFD}'.len_utf8()),
        "the file is not UTF-8 text from this point on",
    )
    .label("not UTF-8")
    .help(source.encoding_help.clone().unwrap_or_else(|| {
        "save the file as UTF-8 (in most editors: Save As, encoding UTF-8)".to_string()
    }))
}

/// Checks one file's text (the diagnostics `pol check` prints for it).
#[cfg(any(test, feature = "cli"))]
pub(crate) fn check_text(source: &SourceText) -> Vec<Diagnostic> {
    match source.invalid_utf8_at {
        Some(at) => vec![not_utf8(at, source)],
        None => crate::compile_source(&source.text).diagnostics,
    }
}

/// Texts given by a caller as named sources of their own (valid UTF-8, as a `&str` is).
pub(crate) fn owned_sources(sources: &[(&str, &str)]) -> Vec<(String, SourceText)> {
    sources
        .iter()
        .map(|(name, text)| {
            let source = SourceText {
                text: text.to_string(),
                invalid_utf8_at: None,
                encoding_help: None,
            };
            (name.to_string(), source)
        })
        .collect()
}

/// Compiles the files of one policy set: each file's own diagnostics (as [`check_text`]) and
/// E0410 in every file that gives a policy an earlier file gives, in the order of `sources`;
/// and the program of each file that has no error.
pub(crate) fn compile_files(
    sources: &[(String, SourceText)],
) -> (Vec<Vec<Diagnostic>>, Vec<Option<Program>>) {
    let mut out = Vec::with_capacity(sources.len());
    let mut programs = Vec::with_capacity(sources.len());
    for (_, source) in sources {
        if let Some(at) = source.invalid_utf8_at {
            out.push(vec![not_utf8(at, source)]);
            programs.push(None);
            continue;
        }
        let compiled = crate::compile_source(&source.text);
        let ok = !compiled.has_errors();
        out.push(compiled.diagnostics);
        programs.push(compiled.program.filter(|_| ok));
    }
    let files: Vec<(usize, SetFile<'_>)> = programs
        .iter()
        .enumerate()
        .filter_map(|(k, p)| {
            let p = p.as_ref()?;
            let file = SetFile {
                name: &sources[k].0,
                text: &sources[k].1.text,
                policy: PolicyId {
                    document: &p.header.document,
                    title: &p.header.title,
                    issued: p.header.issued,
                },
            };
            Some((k, file))
        })
        .collect();
    let (at, set): (Vec<usize>, Vec<SetFile<'_>>) = files.into_iter().unzip();
    let duplicates = duplicate_documents(&set);
    for (i, d) in duplicates {
        let k = at[i];
        out[k].push(d);
        diagnostic::sort(&mut out[k]);
        programs[k] = None;
    }
    // Lints across documents (W0319), on the programs of the set, silenced by `allow(W0319)`
    // in the file they point into.
    let refs: Vec<Option<&Program>> = programs.iter().map(Option::as_ref).collect();
    for (k, d) in crate::lint::across::matters_across(&refs) {
        let mut found = vec![d];
        crate::lint::allow::apply(&mut found, &sources[k].1.text);
        if !found.is_empty() {
            out[k].extend(found);
            diagnostic::sort(&mut out[k]);
        }
    }
    (out, programs)
}

/// Checks a text that may hold several files, each starting at a line `# file: NAME` (as the
/// examples of `pol explain E0410` and the UI tests do), as one policy set; the diagnostics'
/// spans are in the whole text. A text without such a line is checked as one file.
#[cfg(test)]
pub(crate) fn check_bundle(source: &SourceText) -> Vec<Diagnostic> {
    const MARK: &str = "# file: ";
    let text = &source.text;
    let mut starts: Vec<usize> = text
        .match_indices(MARK)
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')
        .collect();
    if starts.is_empty() || source.invalid_utf8_at.is_some() {
        return check_text(source);
    }
    starts.push(text.len());
    let parts: Vec<(String, SourceText)> = starts
        .windows(2)
        .map(|w| {
            let part = &text[w[0]..w[1]];
            let name = part[MARK.len()..].lines().next().unwrap_or("").trim();
            (
                name.to_string(),
                SourceText::from_bytes(part.as_bytes().to_vec()),
            )
        })
        .collect();
    let mut out = Vec::new();
    for (diags, offset) in compile_files(&parts).0.into_iter().zip(&starts) {
        for mut d in diags {
            for label in std::iter::once(&mut d.primary).chain(&mut d.secondary) {
                label.span = Span::new(label.span.start + offset, label.span.end + offset);
            }
            out.push(d);
        }
    }
    out
}

/// Checks policy files as one set: every diagnostic of every file, as `pol check` reports
/// them (errors, and warnings about policies that compile but look wrong).
///
/// ```
/// let text = "let x = 1元\n";
/// let found = pol::check(&[("x.pol", text)]);
/// assert!(found.has_errors());
/// // Every diagnostic has a stable code, explained by `pol explain CODE`.
/// assert!(found.iter().any(|d| d.code.as_str() == "E0403"));
/// ```
pub fn check(sources: &[(&str, &str)]) -> Diagnostics {
    let owned = owned_sources(sources);
    let (diagnostics, _) = compile_files(&owned);
    Diagnostics::of_files(owned, diagnostics)
}

/// The diagnostics of one policy file, with the file's name and text they point into.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileDiagnostics {
    /// The file as named by the caller.
    pub name: String,
    /// Its text.
    pub text: String,
    /// Its diagnostics, by position.
    pub diagnostics: Vec<Diagnostic>,
}

/// The diagnostics of a set of policy files: every file's, in file order. They render
/// themselves as text for people ([`Diagnostics::render`]) or JSON for programs
/// ([`Diagnostics::to_json`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    files: Vec<FileDiagnostics>,
}

impl Diagnostics {
    /// The diagnostics of `sources`, file by file (`diagnostics` in the same order).
    pub(crate) fn of_files(
        sources: Vec<(String, SourceText)>,
        diagnostics: Vec<Vec<Diagnostic>>,
    ) -> Diagnostics {
        let files = sources
            .into_iter()
            .zip(diagnostics)
            .map(|((name, source), diagnostics)| FileDiagnostics {
                name,
                text: source.text,
                diagnostics,
            })
            .collect();
        Diagnostics { files }
    }

    /// The diagnostics of `name`, whose text is `text`.
    pub fn of_file(name: &str, text: &str, diagnostics: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics {
            files: vec![FileDiagnostics {
                name: name.to_string(),
                text: text.to_string(),
                diagnostics,
            }],
        }
    }

    /// The files, each with its diagnostics (files without any included).
    pub fn files(&self) -> &[FileDiagnostics] {
        &self.files
    }

    /// Every diagnostic, file by file.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.files.iter().flat_map(|f| &f.diagnostics)
    }

    /// How many diagnostics have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.iter().filter(|d| d.severity() == severity).count()
    }

    /// Whether any diagnostic is an error (the policies cannot be compiled).
    pub fn has_errors(&self) -> bool {
        self.iter().any(Diagnostic::is_error)
    }

    /// Whether there is no diagnostic at all.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Every diagnostic as text for people, as `pol check` prints it (the source line
    /// underlined, the help under it), then a closing count and the `pol explain` pages of
    /// the codes found. Hidden characters of the quoted lines are shown escaped.
    ///
    /// ```
    /// let found = pol::check(&[("x.pol", "let x = 1元\n")]);
    /// let text = found.render(pol::RenderOptions::default());
    /// assert!(text.contains("E0403"));
    /// assert!(text.contains("checked 1 file: 1 error, 0 warnings"));
    /// ```
    pub fn render(&self, options: RenderOptions) -> String {
        let mut out = String::new();
        for f in &self.files {
            for d in &f.diagnostics {
                let shown = diagnostic::render(d, &f.name, &f.text, options);
                // The quoted lines must show, not hide or reorder, the characters W0315 and
                // W0316 are about.
                out.push_str(&crate::eval::format::escape_invisible(&shown));
                out.push('\n');
            }
        }
        out.push_str(&self.closing());
        out
    }

    /// The closing lines of [`Diagnostics::render`]: the counts, and the codes' pages.
    fn closing(&self) -> String {
        let plural = |n: usize, one: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {one}s")
            }
        };
        let files = plural(self.files.len(), "file");
        let (errors, warnings) = (self.count(Severity::Error), self.count(Severity::Warning));
        if errors == 0 && warnings == 0 {
            return format!("checked {files}: no problems found\n");
        }
        let mut codes: Vec<Code> = self.iter().map(|d| d.code).collect();
        codes.sort();
        codes.dedup();
        let commands: Vec<String> = codes.iter().map(|c| format!("`pol explain {c}`")).collect();
        format!(
            "checked {files}: {}, {}\nfor more on each problem and how to fix it: {}\n",
            plural(errors, "error"),
            plural(warnings, "warning"),
            commands.join(", ")
        )
    }

    /// Every diagnostic as JSON, as `pol check --format json` prints it: the counts of files,
    /// errors and warnings, and one record per diagnostic (code, severity, message, file, line,
    /// column, span, label, help).
    ///
    /// ```
    /// let found = pol::check(&[("x.pol", "let x = 1元\n")]);
    /// let json = found.to_json();
    /// assert_eq!(json["errors"], 1);
    /// assert_eq!(json["diagnostics"][0]["line"], 1);
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        let diagnostics: Vec<_> = self
            .files
            .iter()
            .flat_map(|f| f.diagnostics.iter().map(|d| d.to_json(&f.name, &f.text)))
            .collect();
        serde_json::json!({
            "files": self.files.len(),
            "errors": self.count(Severity::Error),
            "warnings": self.count(Severity::Warning),
            "diagnostics": diagnostics,
        })
    }
}

impl fmt::Display for Diagnostics {
    /// One line per diagnostic: `FILE:LINE:COLUMN: error[CODE]: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for file in &self.files {
            for d in &file.diagnostics {
                let (line, column) = diagnostic::line_col(&file.text, d.primary.span.start);
                let severity = match d.severity() {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                writeln!(
                    f,
                    "{}:{line}:{column}: {severity}[{}]: {}",
                    crate::eval::format::escape(&file.name),
                    d.code,
                    crate::eval::format::escape(&d.message)
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = include_str!("../../../policies/jiazhengfa-2023-15.pol");

    #[test]
    fn a_policy_given_by_two_files_is_an_error_in_the_second_and_compiles_only_once() {
        let sources = [
            ("a.pol".to_string(), SourceText::from_bytes(POLICY.into())),
            ("b.pol".to_string(), SourceText::from_bytes(POLICY.into())),
        ];
        let (diagnostics, programs) = compile_files(&sources);
        assert!(diagnostics[0].is_empty());
        assert_eq!(
            diagnostics[1].iter().map(|d| d.code).collect::<Vec<_>>(),
            [Code::DuplicateDocument]
        );
        assert!(programs[0].is_some() && programs[1].is_none());
    }

    #[test]
    fn a_file_that_is_not_utf8_is_reported_where_its_text_breaks() {
        let source = SourceText::from_bytes(b"let x = 1\n\xff\n".to_vec());
        let found = check_text(&source);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].code, found[0].primary.span.start),
            (Code::NotUtf8, 10)
        );
    }

    #[test]
    fn diagnostics_display_one_line_each_with_file_line_and_column() {
        let found = check(&[("x.pol", "\nlet x = 1元\n")]);
        let text = found.to_string();
        assert!(text.starts_with("x.pol:2:1: error[E0403]: "), "{text}");
        assert_eq!(text.lines().count(), found.iter().count());
        assert_eq!(
            check(&[("ok.pol", POLICY)]).render(RenderOptions::default()),
            "checked 1 file: no problems found\n"
        );
    }
}

#[cfg(test)]
mod ui;
