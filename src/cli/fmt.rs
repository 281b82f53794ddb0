//! `pol fmt`: rewrite policy files in the canonical layout.

use std::io::{Read, Write};
use std::path::PathBuf;

use super::files;
use super::{ExitCode, Format, Output};
use crate::api::sources::{check_text, SourceText};
use crate::diagnostic;
use crate::fmt::{format_source, FormatError};

/// Options of `pol fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Policy files, or folders searched for `.pol` files.
    #[arg(
        value_name = "PATH",
        required_unless_present = "stdin",
        conflicts_with = "stdin"
    )]
    pub paths: Vec<PathBuf>,
    /// Change nothing: print a diff of every file whose layout differs and exit with 1 if any.
    #[arg(long)]
    pub check: bool,
    /// Read one policy from standard input and write it, formatted, to standard output.
    #[arg(long)]
    pub stdin: bool,
}

/// What happened to one file.
enum Outcome {
    /// Already in canonical layout.
    Same,
    /// Its layout differs (and was rewritten, unless checking).
    Changed,
    /// It could not be formatted (syntax errors, or an internal error); already reported.
    Failed,
}

/// Runs `pol fmt`.
pub fn run(args: &FmtArgs, out: &Output) -> ExitCode {
    if args.stdin {
        return run_stdin(args, out);
    }
    let paths = match files::collect(&args.paths) {
        Ok(p) => p,
        Err(e) => return out.fail(&e.to_string()),
    };
    let (mut changed, mut failed) = (Vec::new(), 0usize);
    for path in &paths {
        let shown = path.display().to_string();
        let source = match files::read(path) {
            Ok(s) => s,
            Err(e) => return out.fail(&e.to_string()),
        };
        match format_one(&source, &shown, args.check, out) {
            Ok((Outcome::Changed, text)) => {
                if !args.check {
                    let written = files::pending(path).and_then(|mut f| {
                        f.writer()
                            .write_all(text.as_bytes())
                            .map_err(|e| format!("cannot write `{shown}`: {e}"))?;
                        f.commit()
                    });
                    if let Err(e) = written {
                        return out.fail(&e);
                    }
                }
                changed.push(shown);
            }
            Ok((Outcome::Same, _)) => {}
            Ok((Outcome::Failed, _)) => failed += 1,
            Err(code) => return code,
        }
    }
    let summary = summary(paths.len(), &changed, failed, args.check);
    match out.format {
        Format::Human => say!("{summary}"),
        Format::Json => {
            let doc = serde_json::json!({
                "files": paths.len(),
                "changed": changed,
                "failed": failed,
                "check": args.check,
            });
            show!("{doc}");
        }
    }
    if failed > 0 || (args.check && !changed.is_empty()) {
        ExitCode::Diagnostics
    } else {
        ExitCode::Ok
    }
}

fn summary(files: usize, changed: &[String], failed: usize, check: bool) -> String {
    let plural = |n: usize| {
        if n == 1 {
            "1 file".to_string()
        } else {
            format!("{n} files")
        }
    };
    let read = plural(files - failed);
    let mut s = match (check, changed.len()) {
        (_, _) if failed == files => "no file formatted".to_string(),
        (true, 0) => format!("checked {read}: all in canonical layout"),
        (false, 0) => format!("formatted {read}: all already in canonical layout"),
        (true, n) => format!("checked {read}: {n} not in canonical layout (run `pol fmt` on them)"),
        (false, n) => format!("formatted {read}: {n} rewritten"),
    };
    if failed > 0 {
        s.push_str(&format!(
            "; {} could not be formatted (see above)",
            plural(failed)
        ));
    }
    s
}

/// Formats one file's text. Syntax errors and internal errors are reported on stderr; with
/// `check`, a diff of a changed file goes to stdout. `Err` carries an exit code for stdout
/// going away.
fn format_one(
    source: &SourceText,
    shown: &str,
    check: bool,
    out: &Output,
) -> Result<(Outcome, String), ExitCode> {
    if source.invalid_utf8_at.is_some() {
        report_diagnostics(&check_text(source), shown, &source.text, out);
        return Ok((Outcome::Failed, String::new()));
    }
    match format_source(&source.text) {
        Ok(text) if text == source.text => Ok((Outcome::Same, text)),
        Ok(text) => {
            if check && out.format == Format::Human {
                let diff = similar::TextDiff::from_lines(&source.text, &text);
                // A file name may hold terminal escapes: shown escaped, as in every message.
                let name = crate::eval::format::escape(shown);
                let shown_new = format!("{name} (formatted)");
                let mut stdout = std::io::stdout().lock();
                if write!(stdout, "{}", diff.unified_diff().header(&name, &shown_new)).is_err() {
                    return Err(ExitCode::Usage);
                }
            }
            Ok((Outcome::Changed, text))
        }
        Err(FormatError::Syntax(diags)) => {
            report_diagnostics(&diags, shown, &source.text, out);
            Ok((Outcome::Failed, String::new()))
        }
        Err(FormatError::Internal(why)) => {
            say!(
                "pol: internal error formatting `{shown}`: {why}; the file was left as it was. \
                 Please report this with the file."
            );
            Ok((Outcome::Failed, String::new()))
        }
    }
}

fn report_diagnostics(diags: &[diagnostic::Diagnostic], shown: &str, text: &str, out: &Output) {
    for d in diags {
        let rendered = diagnostic::render(d, shown, text, out.render);
        // As in `pol check`: quoted lines show, not hide, invisible and reordering characters.
        say_raw!("{}", crate::eval::format::escape_invisible(&rendered));
    }
    say!("pol: `{shown}` has syntax errors and was not formatted; `pol check` lists them");
}

fn run_stdin(args: &FmtArgs, out: &Output) -> ExitCode {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        return out.fail(&format!("cannot read standard input: {e}"));
    }
    let source = SourceText::from_bytes(bytes);
    match format_one(&source, "<stdin>", args.check, out) {
        Ok((Outcome::Failed, _)) => ExitCode::Diagnostics,
        Ok((Outcome::Changed, _)) if args.check => ExitCode::Diagnostics,
        Ok((Outcome::Same, _)) if args.check => ExitCode::Ok,
        Ok((_, text)) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(text.as_bytes()).is_err() {
                return ExitCode::Usage;
            }
            ExitCode::Ok
        }
        Err(code) => code,
    }
}
