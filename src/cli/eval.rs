//! `pol eval`: what one applicant gets under the given policies, and why.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::{check, files, ExitCode, Format, Output};
use crate::api::sources::{compile_files, Diagnostics};
use crate::diagnostic::Diagnostic;
use crate::eval::json::Json;
use crate::eval::{render, Explain, FactProblem, Facts, Options, PolicySet, Reasons};
use crate::problem::ProblemCode;

/// The evaluation date and the settings of open parameters (`pol eval`, `pol simulate`).
#[derive(Clone, Debug, clap::Args)]
pub struct WhenArgs {
    /// The evaluation date (year-month-day); today when not given.
    #[arg(long, value_name = "DATE", value_parser = evaluation_date)]
    pub date: Option<NaiveDate>,
    /// A value for a parameter the policy leaves open, e.g. `--set 一定比例=10%`. Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// A JSON file of settings: `{"一定比例": "10%"}`. `--set` wins over it.
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
}

/// Reads `--date` as facts and policies read dates (full-width digits allowed, no other
/// forms), with the problem's code in the message.
fn evaluation_date(text: &str) -> Result<NaiveDate, String> {
    crate::syntax::literal::read_date(text).map_err(|why| {
        let p = FactProblem::new(ProblemCode::BadDateSetting, "--date")
            .found(format!("\"{text}\""))
            .hint(why);
        format!("{}: {}; {}", p.code, p.message(), p.help())
    })
}

impl WhenArgs {
    /// The options these arguments give (the CLI reads the clock when no date is given).
    pub fn options(&self, out: &Output) -> Result<Options, ExitCode> {
        Ok(Options {
            date: self
                .date
                .unwrap_or_else(|| chrono::Local::now().date_naive()),
            settings: settings_of(&self.set, self.settings.as_deref(), out)?,
        })
    }
}

/// Options of `pol eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Policy files, or folders searched for `.pol` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The applicant's facts as JSON; `-` reads them from standard input.
    #[arg(long, value_name = "FILE")]
    pub facts: PathBuf,
    /// The date and settings.
    #[command(flatten)]
    pub when: WhenArgs,
    /// Show every condition with its values, every step of the arithmetic and every
    /// adjustment.
    #[arg(long)]
    pub explain: bool,
    /// Treat warnings as errors: the policies' (exit with 1, evaluating nothing, as
    /// `pol check --deny-warnings`) and the facts' (an attribute no policy uses, a bare
    /// percentage read as a ratio: exit with 1, giving no decision).
    #[arg(long)]
    pub deny_warnings: bool,
}

/// A warning about one of the policies, as the commands that evaluate them pass it on: on
/// standard error, and in their JSON (`policy_warnings` of a decision or a summary).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PolicyWarning {
    /// The stable code, e.g. `W0309`.
    pub code: &'static str,
    /// The policy file as named.
    pub file: String,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it (or allow it).
    pub help: String,
}

impl PolicyWarning {
    /// The warning `d` of the policy file `file` whose text is `text`.
    pub fn of(d: &crate::diagnostic::Diagnostic, file: &str, text: &str) -> PolicyWarning {
        let j = d.to_json(file, text);
        PolicyWarning {
            code: d.code.as_str(),
            file: file.to_string(),
            line: j.line,
            column: j.column,
            message: d.message.clone(),
            help: d.help.clone().unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for PolicyWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "warning[{}] {}:{}:{}: {}",
            self.code,
            crate::eval::format::escape(&self.file),
            self.line,
            self.column,
            self.message
        )
    }
}

/// Policies ready to evaluate, and the warnings they left (those not allowed by an
/// `allow(CODE)` comment).
pub struct Loaded {
    /// The compiled policies.
    pub set: PolicySet,
    /// Their warnings, file by file, in position order.
    pub warnings: Vec<PolicyWarning>,
}

/// Reads the policies named by `paths`; on errors, prints them and returns the exit code.
/// Warnings are returned, not printed (see [`load_checked`]).
pub fn load_policies(paths: &[PathBuf], out: &Output) -> Result<PolicySet, ExitCode> {
    load(paths, out, &BTreeMap::new()).map(|l| l.set)
}

/// Whether `d` is the W0309 of a parameter that `settings` gives a value (the warning's span is
/// the parameter's name).
fn set_by_settings(
    d: &crate::diagnostic::Diagnostic,
    text: &str,
    settings: &BTreeMap<String, String>,
) -> bool {
    let span = d.primary.span;
    d.code == crate::diagnostic::Code::UnspecifiedParam
        && text
            .get(span.start..span.end)
            .is_some_and(|name| settings.contains_key(&*crate::keys::name(name)))
}

/// Reads the policies named by `paths` for a command that evaluates them: errors are printed
/// and stop it, as in [`load_policies`]; every warning is printed on standard error (a warning
/// can mean the policy pays other than the gazette says, so whoever reads the figures must see
/// it), and with `deny_warnings` any warning stops the command with exit status 1, as
/// `pol check --deny-warnings` does. A parameter that `settings` gives a value has one in this
/// run, so its W0309 ("the parameter has no value") is neither printed nor returned.
pub fn load_checked(
    paths: &[PathBuf],
    out: &Output,
    deny_warnings: bool,
    settings: &BTreeMap<String, String>,
) -> Result<Loaded, ExitCode> {
    let loaded = load(paths, out, settings)?;
    for w in &loaded.warnings {
        say!("pol: {w}\n  help: {}", w.help);
    }
    if deny_warnings && !loaded.warnings.is_empty() {
        say!(
            "pol: the policies have {} (--deny-warnings); nothing was evaluated",
            if loaded.warnings.len() == 1 {
                "1 warning".to_string()
            } else {
                format!("{} warnings", loaded.warnings.len())
            }
        );
        return Err(ExitCode::Diagnostics);
    }
    Ok(loaded)
}

fn load(
    paths: &[PathBuf],
    out: &Output,
    settings: &BTreeMap<String, String>,
) -> Result<Loaded, ExitCode> {
    let paths = files::collect(paths).map_err(|e| out.fail(&e.to_string()))?;
    let mut sources = Vec::new();
    for p in &paths {
        let source = files::read(p).map_err(|e| out.fail(&e.to_string()))?;
        sources.push((p.display().to_string(), source));
    }
    // Each file's own errors, and a policy given by two files (E0410), are reported together;
    // the warnings of files without errors are passed on.
    let (checked, programs) = compile_files(&sources);
    if checked.iter().flatten().any(Diagnostic::is_error) {
        let (failed, found): (Vec<_>, Vec<_>) = sources
            .into_iter()
            .zip(checked)
            .filter(|(_, d)| d.iter().any(Diagnostic::is_error))
            .unzip();
        say!("pol: the policies have errors (listed below); fix them first");
        let _ = check::print_reports(&Diagnostics::of_files(failed, found), out);
        return Err(ExitCode::Diagnostics);
    }
    let mut warnings = Vec::new();
    for ((name, source), diagnostics) in sources.iter().zip(&checked) {
        warnings.extend(
            diagnostics
                .iter()
                .filter(|d| !set_by_settings(d, &source.text, settings))
                .map(|d| PolicyWarning::of(d, name, &source.text)),
        );
    }
    // No file has an error, so every file compiled and no two give the same policy.
    let set = PolicySet::new(programs.into_iter().flatten().collect()).map_err(|e| {
        say!("pol: error[E0410]: {e}");
        ExitCode::Diagnostics
    })?;
    Ok(Loaded { set, warnings })
}

/// Parses `NAME=VALUE` settings on top of a settings file. A `--set` replaces the same name
/// from the file; a name given twice by the same means is refused (F0306), as is anything that
/// is not a name with one value (F0304, F0305).
pub fn settings_of(
    set: &[String],
    file: Option<&std::path::Path>,
    out: &Output,
) -> Result<BTreeMap<String, String>, ExitCode> {
    let fail = |p: FactProblem| out.fail(&format!("{}: {}; {}", p.code, p.message(), p.help()));
    let file_problem = |path: &std::path::Path, why: String| {
        FactProblem::new(ProblemCode::SettingsFile, "settings")
            .place(path.display().to_string())
            .found(why)
    };
    let mut map = BTreeMap::new();
    if let Some(path) = file {
        let text = files::read_text_at_most(path, files::MAX_FACTS_BYTES)
            .map_err(|why| fail(file_problem(path, format!("cannot be read: {why}"))))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let root = crate::eval::json::parse(text)
            .map_err(|e| fail(file_problem(path, format!("is not valid JSON: {e}"))))?;
        let Json::Object(pairs) = root.value else {
            return Err(fail(file_problem(
                path,
                format!(
                    "holds {}, not an object of names and values",
                    root.value.kind_words()
                ),
            )));
        };
        let lines = crate::eval::json::LineIndex::new(text);
        let mut first: BTreeMap<String, usize> = BTreeMap::new();
        for (k, v) in &pairs {
            // A name is read as data's names are (NFC, ends trimmed): `比例金` typed with the
            // compatibility ideograph U+F90A is the parameter `比例金` (attack run 11, B5).
            let k = &crate::keys::written_name(k).into_owned();
            if let Some(at) = first.insert(k.clone(), v.at) {
                return Err(fail(
                    FactProblem::new(ProblemCode::DuplicateSetting, format!("setting {k}"))
                        .name(k.as_str())
                        .first_place(format!("line {} of `{}`", lines.line(at), path.display()))
                        .place(format!("line {}", lines.line(v.at))),
                ));
            }
            let value = match &v.value {
                Json::Text(s) => s.clone(),
                // A number keeps its exact value; an exponent is written out, since text
                // values are read without exponents. One that cannot be held exactly is
                // refused as in facts (F0116), not passed on as text with an exponent, which
                // would be refused for its notation (attack run 11, B4).
                Json::Number(n) => match crate::syntax::literal::read_json_number(n) {
                    Ok(d) => d.to_string(),
                    Err(_) => {
                        return Err(fail(
                            FactProblem::new(ProblemCode::TooManyDigits, format!("setting {k}"))
                                .name(k.as_str())
                                .expected("a number")
                                .found(n.to_string()),
                        ))
                    }
                },
                Json::Bool(b) => b.to_string(),
                other => {
                    return Err(fail(file_problem(
                        path,
                        format!("gives `{k}` {}, not a single value", other.kind_words()),
                    )))
                }
            };
            map.insert(k.clone(), value);
        }
    }
    let mut from_set: BTreeMap<String, usize> = BTreeMap::new();
    for (i, s) in set.iter().enumerate() {
        let Some((k, v)) = s.split_once('=') else {
            return Err(fail(
                FactProblem::new(ProblemCode::SettingSyntax, "setting").found(s.as_str()),
            ));
        };
        let k = &*crate::keys::written_name(k);
        if k.is_empty() {
            return Err(fail(
                FactProblem::new(ProblemCode::SettingSyntax, "setting").found(s.as_str()),
            ));
        }
        if let Some(first) = from_set.insert(k.to_string(), i) {
            return Err(fail(
                FactProblem::new(ProblemCode::DuplicateSetting, format!("setting {k}"))
                    .name(k)
                    .first_place(format!("`--set {}`", set[first]))
                    .place(format!("`--set {s}`")),
            ));
        }
        map.insert(k.to_string(), v.trim().to_string());
    }
    Ok(map)
}

fn read_facts(path: &PathBuf, out: &Output) -> Result<String, ExitCode> {
    let (shown, read) = if path.as_os_str() == "-" {
        (
            "standard input".to_string(),
            files::read_at_most(std::io::stdin().lock(), files::MAX_FACTS_BYTES),
        )
    } else {
        let shown = format!("`{}`", path.display());
        let read =
            std::fs::File::open(path).and_then(|f| files::read_at_most(f, files::MAX_FACTS_BYTES));
        (shown, read)
    };
    let bytes = match read {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return Err(files::problem(
                ProblemCode::FileTooLarge,
                &format!(
                    "the facts in {shown} are larger than {} MiB, far more than any subject's facts",
                    files::MAX_FACTS_BYTES >> 20
                ),
                "give the facts of one subject in a file of its own; a population goes to `pol simulate`",
            ))
        }
        Err(e) => return Err(out.fail(&format!("cannot read the facts from {shown}: {e}"))),
    };
    String::from_utf8(bytes).map_err(|e| {
        files::problem(
            ProblemCode::NotUtf8,
            &format!("the facts in {shown} are not UTF-8 text"),
            &crate::encoding::help(e.as_bytes(), crate::encoding::Made::ByEditor),
        )
    })
}

fn print_problems(
    problems: &[FactProblem],
    warnings: &[PolicyWarning],
    source: &str,
    out: &Output,
) {
    if out.format == Format::Json {
        let doc = serde_json::json!({ "problems": problems });
        let doc = with_policy_warnings(&doc, warnings);
        show!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return;
    }
    // Values given by `--set` or `--settings` are not the facts: the heading names what is wrong.
    let settings_only =
        !problems.is_empty() && problems.iter().all(|p| p.path.starts_with("setting "));
    let mut text = if settings_only {
        "pol: the settings do not fit the policies; nothing was evaluated\n".to_string()
    } else if !problems.iter().any(FactProblem::is_error) {
        format!(
            "pol: the facts in `{source}` have warnings (--deny-warnings); no decision is given\n"
        )
    } else {
        format!("pol: the facts in `{source}` do not fit the policies; nothing was evaluated\n")
    };
    for p in problems {
        let sev = if p.is_error() { "error" } else { "warning" };
        text.push_str(&format!(
            "  {sev} at {}: {}\n    help: {} (see `pol explain {}`)\n",
            p.path,
            p.message(),
            p.help(),
            p.code
        ));
    }
    // Paths and values come from the facts file: hidden characters must not reach the terminal.
    say_raw!("{}", crate::eval::format::escape_text(&text));
}

/// Reports a subject that cannot be settled; the exit code says whether it is pol's own bug.
fn print_failure(f: &crate::eval::Failure, source: &str, out: &Output) -> ExitCode {
    if out.format == Format::Json {
        let doc = serde_json::json!({ "failure": {
            "code": f.code.as_str(), "message": f.message, "help": f.help,
        }});
        show!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        say!(
            "pol: error[{}]: no decision for the facts in `{source}`: {}\n  help: {}\n  (see `pol explain {}`)",
            f.code, f.message, f.help, f.code
        );
    }
    if f.is_internal() {
        ExitCode::Internal
    } else {
        ExitCode::Diagnostics
    }
}

/// `doc` (a JSON object: a decision or a summary) with the policies' warnings added last under
/// `policy_warnings`, left out when there are none so a clean policy's output is unchanged.
#[derive(serde::Serialize)]
pub struct WithPolicyWarnings<'a, T: serde::Serialize> {
    /// The document, its fields in their own order.
    #[serde(flatten)]
    pub doc: &'a T,
    /// The warnings.
    #[serde(skip_serializing_if = "<[PolicyWarning]>::is_empty")]
    pub policy_warnings: &'a [PolicyWarning],
}

/// [`WithPolicyWarnings`] of `doc` and `warnings`.
pub fn with_policy_warnings<'a, T: serde::Serialize>(
    doc: &'a T,
    warnings: &'a [PolicyWarning],
) -> WithPolicyWarnings<'a, T> {
    WithPolicyWarnings {
        doc,
        policy_warnings: warnings,
    }
}

/// Runs `pol eval`.
pub fn run(args: &EvalArgs, out: &Output) -> ExitCode {
    let options = match args.when.options(out) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let loaded = load_checked(&args.paths, out, args.deny_warnings, &options.settings);
    let Loaded { set, warnings } = match loaded {
        Ok(l) => l,
        Err(code) => return code,
    };
    let text = match read_facts(&args.facts, out) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let source = args.facts.display().to_string();
    let (facts, shape_warnings) = match Facts::from_json(&text) {
        Ok(f) => f,
        Err(problems) => {
            print_problems(&problems, &warnings, &source, out);
            return ExitCode::Diagnostics;
        }
    };
    // The tracer is chosen once: every step explained, or reasons only.
    let evaluated = if args.explain {
        set.evaluator::<Explain>(&options)
            .map(|ev| ev.try_evaluate(&facts))
    } else {
        set.evaluator::<Reasons>(&options)
            .map(|ev| ev.try_evaluate(&facts))
    };
    let evaluated = match evaluated {
        Ok(e) => e,
        Err(problems) => {
            print_problems(&problems, &warnings, &source, out);
            return ExitCode::Diagnostics;
        }
    };
    let mut decision = match evaluated {
        Ok(d) => d,
        Err(crate::eval::EvalError::Facts(problems)) => {
            print_problems(&problems, &warnings, &source, out);
            return ExitCode::Diagnostics;
        }
        Err(crate::eval::EvalError::Failed(f)) => return print_failure(&f, &source, out),
    };
    decision.warnings.splice(0..0, shape_warnings);
    // The facts' warnings (an attribute ignored, F0112, while its input takes its default;
    // bare percentages, F0173) stop the command too with --deny-warnings.
    if args.deny_warnings && !decision.warnings.is_empty() {
        print_problems(&decision.warnings, &warnings, &source, out);
        return ExitCode::Diagnostics;
    }
    // Buffered: standard output is line-buffered, and a decision of many claims is many lines.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match out.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, &with_policy_warnings(&decision, &warnings))
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(stdout))
        }
        // The warnings went to standard error with the policies' loading.
        Format::Human => write!(stdout, "{}", render::human(&decision, args.explain)),
    }
    .and_then(|()| stdout.flush());
    match written {
        Ok(()) => ExitCode::Ok,
        Err(_) => ExitCode::Usage,
    }
}
