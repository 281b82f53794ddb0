//! `pol check`: every diagnostic of every policy file.

use std::io::Write;
use std::path::PathBuf;

use super::files;
use super::{ExitCode, Format, Output};
use crate::api::sources::{compile_files, Diagnostics};
use crate::diagnostic::Severity;

/// Options of `pol check`.
#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Policy files, or folders searched for `.pol` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Treat warnings as errors: exit with 1 when there is any warning.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Runs `pol check`.
pub(crate) fn run(args: &CheckArgs, out: &Output) -> ExitCode {
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
    let (checked, _) = compile_files(&sources);
    let diagnostics = Diagnostics::of_files(sources, checked);
    let errors = diagnostics.count(Severity::Error);
    let warnings = diagnostics.count(Severity::Warning);
    if print_reports(&diagnostics, out).is_err() {
        // The reader went away (e.g. `| head`); nothing more can be said on stdout.
        return ExitCode::Usage;
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::Diagnostics
    } else {
        ExitCode::Ok
    }
}

/// Prints `diagnostics` as the output format says, with a closing summary.
pub(crate) fn print_reports(diagnostics: &Diagnostics, out: &Output) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match out.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, &diagnostics.to_json())?;
            writeln!(stdout)
        }
        Format::Human => write!(stdout, "{}", diagnostics.render(out.render)),
    }
}
