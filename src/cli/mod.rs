//! The `pol` command line: a thin layer over the library.
//!
//! Only [`run`], [`run_with`] and [`ExitCode`] are public: the binary's entry points (and a
//! fuzz target's). Everything else is the command's own.
//!
//! Input: the arguments and the files they name. Output: text or JSON on stdout, messages
//! about the command itself on stderr, and an [`ExitCode`]. Guarantee: this is the only module
//! that reads files, the environment or the terminal.

// Printing never panics: `print!` and `eprint!` panic when their stream is a closed pipe
// (`pol simulate ... 2>&1 | head -1`), which would turn a finished run into exit 101. These write
// and ignore a failure instead; the exit status still says how the command ended, and a rows
// file is written through its own checked writer.
// What pol says on standard error is built from ids, names and paths that anyone may write:
// `say!` writes its line with hidden characters escaped (`\u{001B}`), so no message can drive the
// terminal; `say_raw!` is for text rendered and escaped already (diagnostics in colour).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let _ = writeln!(std::io::stderr(), "{}", crate::eval::format::escape_text(&text));
    }};
}
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! show {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub(crate) mod check;
pub(crate) mod eval;
mod exit;
pub(crate) mod explain;
pub(crate) mod files;
pub(crate) mod fmt;
pub(crate) mod schema;
pub(crate) mod simulate;
pub(crate) mod test;

use std::io::IsTerminal;

use clap::{Parser, Subcommand, ValueEnum};

pub use exit::ExitCode;

use crate::diagnostic::RenderOptions;

/// pol checks award and subsidy policies written as .pol files, and works out what
/// applicants get under them.
///
/// Each policy of the gazette is written as one .pol file: its header (document number,
/// dates, who pays), the facts it needs about an applicant, and one clause per award rule.
/// `pol check` reports every mistake with the line and a suggestion; `pol eval` says what one
/// applicant gets and why; `pol test` runs the cases written beside the policies; `pol
/// simulate` runs the policies over a whole population and sums up what they cost.
#[derive(Debug, Parser)]
#[command(name = "pol", version, max_term_width = 100)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// How to print results: `human` for people, `json` for programs.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to use colours: `auto` uses them on a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check policy files and report every problem found.
    ///
    /// Give one or more .pol files or folders (folders are searched for .pol files). Every
    /// problem is printed with its code, the line it is on, and how to fix it. Exit status:
    /// 0 when there is no error, 1 when there are errors (or warnings with --deny-warnings),
    /// 2 when a file cannot be read or the command line is wrong.
    Check(check::CheckArgs),
    /// Work out what one applicant gets under the policies, and why.
    ///
    /// Give the policies (files or folders) and the applicant's facts as JSON:
    /// {"kind": "enterprise", "id": "...", "attributes": {"研发费用": "600万元", ...},
    ///  "claims": [{"id": "...", "date": "2024-03-01", "attributes": {...}}],
    ///  "history": [{"document": "...", "clause": "...", "date": "2023-05-01", "amount": "20万元"}]}.
    /// Every clause that applies to the applicant's kind is listed with its outcome (awarded,
    /// not eligible, not in force, undetermined, cannot evaluate, superseded, not yet, already
    /// paid), the amount and who pays it. Exit status: 0 when a decision was made (not eligible is a decision), 1 when
    /// the policies or the facts have errors, 2 when a file cannot be read or the command line
    /// is wrong.
    Eval(eval::EvalArgs),
    /// Run the test cases written beside the policies (`*.tests.toml`).
    ///
    /// Each case gives an applicant's facts, a date and the expected outcome of clauses and the
    /// total; pol evaluates the policies and compares. Each case is printed as ok or FAIL (with
    /// what was expected, what was found and the explanation); the last line reads
    /// `N passed, N failed`. Exit status: 0 when every case passes, 1 otherwise.
    Test(test::TestArgs),
    /// Run the policies over a whole population and summarise what they cost.
    ///
    /// The population is a CSV file (header row; columns named after the policies' inputs,
    /// plus `id`, and `claim_id` and `claim_date` for claims) or JSON Lines, sorted by subject
    /// id. Each row's outcomes and amounts go to --out (in input order, whatever the thread
    /// count); the summary (per clause, department, payer and year, undetermined counts, the
    /// distribution of awards, budgets) is printed or written to --summary. Bad rows are
    /// reported with their line and counted. Output files are replaced only when the run
    /// completes. Exit status: 0 all rows evaluated, 1 some rows failed (or the population is
    /// out of order), 2 usage or files, 130 interrupted.
    Simulate(Box<simulate::SimulateArgs>),
    /// Rewrite policy files in the canonical layout, keeping every comment.
    ///
    /// Indentation, spacing, line breaks and parentheses are made uniform: blocks take one
    /// item per line, brace lists and `min`/`max` calls stay on one line when they fit in 100
    /// display columns (else one row or argument per line), long conditions break before each
    /// `and`/`or`. Comments stay beside what they were written
    /// next to. The result is parsed again and compared with the original before anything is
    /// written; files are replaced atomically. With --check nothing is written: a diff of each
    /// file that would change is printed. Exit status: 0 done (or, with --check, nothing to
    /// change), 1 a file has syntax errors or (with --check) would change, 2 usage or files.
    Fmt(fmt::FmtArgs),
    /// Explain a diagnostic code at length, with an example and its fix.
    ///
    /// `pol explain E0201` prints what the code means, why it matters, an example that
    /// produces it and the example fixed (every example is checked by pol's tests). Without a
    /// code, every code is listed with its title. Exit status: 0, or 2 for an unknown code.
    Explain(explain::ExplainArgs),
    /// Print the JSON Schema (draft 2020-12) of the facts the policies read.
    ///
    /// Forms, portals and other programs can validate an applicant's facts against it before
    /// calling `pol eval`. Each input is described with its name (as the policy writes it), its
    /// description and type: money as a decimal string such as "600万元", enums as their
    /// variants, dates as YYYY-MM-DD. Without --subject, the schema covers every kind of
    /// subject the policies declare facts for. Exit status: 0, 1 when the policies have errors,
    /// 2 usage or files.
    Schema(schema::SchemaArgs),
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Text for people.
    Human,
    /// JSON for programs.
    Json,
}

/// Colour choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Color {
    /// Colours on a terminal, unless NO_COLOR is set.
    Auto,
    /// Always colours.
    Always,
    /// Never colours.
    Never,
}

/// How the chosen command should print.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Output {
    /// Human or JSON.
    pub format: Format,
    /// Rendering options for diagnostics.
    pub render: RenderOptions,
}

impl Output {
    /// Prints a message about the command itself and returns the usage exit code.
    pub(crate) fn fail(&self, message: &str) -> ExitCode {
        // Messages quote paths and values given by the user: no raw control characters.
        say!("pol: {message}");
        ExitCode::Usage
    }
}

/// Runs `pol` with the process's arguments.
pub fn run() -> ExitCode {
    run_with(std::env::args_os())
}

/// Runs `pol` with the given arguments (the first is the program name).
pub fn run_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                ExitCode::Usage
            } else {
                ExitCode::Ok
            };
            // Printing help or a usage error can only fail if the terminal is gone.
            let _ = e.print();
            return code;
        }
    };
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let out = Output {
        format: cli.format,
        render: RenderOptions { color, width: 100 },
    };
    match &cli.command {
        Command::Check(args) => check::run(args, &out),
        Command::Eval(args) => eval::run(args, &out),
        Command::Test(args) => test::run(args, &out),
        Command::Simulate(args) => simulate::run(args, &out),
        Command::Fmt(args) => fmt::run(args, &out),
        Command::Explain(args) => explain::run(args, &out),
        Command::Schema(args) => schema::run(args, &out),
    }
}
