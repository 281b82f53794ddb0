//! `pol check`: every diagnostic of every policy file.

use std::io::Write;
use std::path::PathBuf;

use super::files::{self, SourceText};
use super::{ExitCode, Format, Output};
use crate::ast::Span;
use crate::check::documents::{duplicate_documents, SetFile};
use crate::diagnostic::{self, Code, Diagnostic, RenderOptions, Severity};

/// Options of `pol check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Policy files, or folders searched for `.pol` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Treat warnings as errors: exit with 1 when there is any warning.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// The diagnostics of one file.
pub struct FileReport {
    /// The file as named.
    pub path: String,
    /// Its text.
    pub text: String,
    /// Its diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks one file's text (the diagnostics `pol check` prints for it).
pub fn check_text(source: &SourceText) -> Vec<Diagnostic> {
    if let Some(at) = source.invalid_utf8_at {
        let d = Diagnostic::new(
            Code::NotUtf8,
            Span::new(at, at + '\u{FFFD}'.len_utf8()),
            "the file is not UTF-8 text from this point on",
        )
        .label("not UTF-8")
        .help("save the file as UTF-8 (in most editors: Save As, encoding UTF-8); GBK files must be converted");
        return vec![d];
    }
    crate::compile_source(&source.text).diagnostics
}

/// Checks the files of one policy set: each file's own diagnostics (as [`check_text`]), and
/// E0410 in every file that gives a policy an earlier file gives. The result is in the order of
/// `sources`.
pub fn check_files(sources: &[(String, SourceText)]) -> Vec<Vec<Diagnostic>> {
    let mut out = Vec::with_capacity(sources.len());
    let mut documents = Vec::new();
    for (k, (_, source)) in sources.iter().enumerate() {
        if source.invalid_utf8_at.is_some() {
            out.push(check_text(source));
            continue;
        }
        let compiled = crate::compile_source(&source.text);
        if let Some(p) = &compiled.program {
            documents.push((k, p.header.document.clone()));
        }
        out.push(compiled.diagnostics);
    }
    let files: Vec<SetFile<'_>> = documents
        .iter()
        .map(|(k, document)| SetFile {
            name: &sources[*k].0,
            text: &sources[*k].1.text,
            document,
        })
        .collect();
    for (i, d) in duplicate_documents(&files) {
        let k = documents[i].0;
        out[k].push(d);
        diagnostic::sort(&mut out[k]);
    }
    out
}

/// Checks a text that may hold several files, each starting at a line `# file: NAME` (as the
/// examples of `pol explain E0410` and the UI tests do), as one policy set; the diagnostics'
/// spans are in the whole text. A text without such a line is checked as one file.
pub fn check_bundle(source: &SourceText) -> Vec<Diagnostic> {
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
    for (diags, offset) in check_files(&parts).into_iter().zip(&starts) {
        for mut d in diags {
            for label in std::iter::once(&mut d.primary).chain(&mut d.secondary) {
                label.span = Span::new(label.span.start + offset, label.span.end + offset);
            }
            out.push(d);
        }
    }
    out
}

/// Runs `pol check`.
pub fn run(args: &CheckArgs, out: &Output) -> ExitCode {
    let paths = match files::collect(&args.paths) {
        Ok(p) => p,
        Err(e) => return out.fail(&e.to_string()),
    };
    let mut sources = Vec::new();
    for p in paths {
        match files::read(&p) {
            Ok(s) => sources.push((p.display().to_string(), s)),
            Err(e) => return out.fail(&e.to_string()),
        }
    }
    let checked = check_files(&sources);
    let reports: Vec<FileReport> = sources
        .into_iter()
        .zip(checked)
        .map(|((path, source), diagnostics)| FileReport {
            path,
            text: source.text,
            diagnostics,
        })
        .collect();
    let errors: usize = reports
        .iter()
        .flat_map(|r| &r.diagnostics)
        .filter(|d| d.severity() == Severity::Error)
        .count();
    let warnings: usize = reports
        .iter()
        .flat_map(|r| &r.diagnostics)
        .filter(|d| d.severity() == Severity::Warning)
        .count();
    if print_reports(&reports, out).is_err() {
        // The reader went away (e.g. `| head`); nothing more can be said on stdout.
        return ExitCode::Usage;
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::Diagnostics
    } else {
        ExitCode::Ok
    }
}

/// Prints the diagnostics of `reports` as the output format says, with a closing summary.
pub fn print_reports(reports: &[FileReport], out: &Output) -> std::io::Result<()> {
    let count = |sev: Severity| {
        reports
            .iter()
            .flat_map(|r| &r.diagnostics)
            .filter(|d| d.severity() == sev)
            .count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let mut stdout = std::io::stdout().lock();
    match out.format {
        Format::Json => write_json(&mut stdout, reports, errors, warnings),
        Format::Human => write_human(&mut stdout, reports, errors, warnings, out.render),
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

fn write_human(
    w: &mut impl Write,
    reports: &[FileReport],
    errors: usize,
    warnings: usize,
    render: RenderOptions,
) -> std::io::Result<()> {
    for r in reports {
        for d in &r.diagnostics {
            let shown = diagnostic::render(d, &r.path, &r.text, render);
            // The quoted lines must show, not hide or reorder, the characters W0315 and W0316
            // are about.
            writeln!(w, "{}", crate::eval::format::escape_invisible(&shown))?;
        }
    }
    let files = plural(reports.len(), "file");
    if errors == 0 && warnings == 0 {
        return writeln!(w, "checked {files}: no problems found");
    }
    writeln!(
        w,
        "checked {files}: {}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )?;
    let mut codes: Vec<Code> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(|d| d.code))
        .collect();
    codes.sort();
    codes.dedup();
    let commands: Vec<String> = codes.iter().map(|c| format!("`pol explain {c}`")).collect();
    writeln!(
        w,
        "for more on each problem and how to fix it: {}",
        commands.join(", ")
    )
}

fn write_json(
    w: &mut impl Write,
    reports: &[FileReport],
    errors: usize,
    warnings: usize,
) -> std::io::Result<()> {
    let diagnostics: Vec<_> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(|d| d.to_json(&r.path, &r.text)))
        .collect();
    let doc = serde_json::json!({
        "files": reports.len(),
        "errors": errors,
        "warnings": warnings,
        "diagnostics": diagnostics,
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
