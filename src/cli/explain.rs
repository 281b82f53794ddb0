//! `pol explain`: the long explanation of a diagnostic code, or the list of all codes.

use std::io::Write;

use super::{ExitCode, Format, Output};
use crate::diagnostic::Code;
use crate::explain::{examples, explanation, EXAMPLE_HEADER};
use crate::problem::ProblemCode;

/// Options of `pol explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A diagnostic code such as E0201 or W0309 (any case); without one, every code is listed.
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}

/// Runs `pol explain`.
pub fn run(args: &ExplainArgs, out: &Output) -> ExitCode {
    let text = match &args.code {
        None => list(out.format),
        Some(written) => match (Code::parse(written), ProblemCode::parse(written)) {
            (Some(code), _) => one(code, out.format),
            (None, Some(code)) => one_problem(code, out.format),
            (None, None) => {
                let upper = written.trim().to_ascii_uppercase();
                let known = Code::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .chain(ProblemCode::ALL.iter().map(|c| c.as_str()));
                let hint = crate::check::closest(&upper, known)
                    .map_or(String::new(), |c| format!("; did you mean `{c}`?"));
                return out.fail(&format!(
                    "there is no code `{written}`{hint} (`pol explain` lists every code)"
                ));
            }
        },
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).is_err() {
        return ExitCode::Usage;
    }
    ExitCode::Ok
}

fn list(format: Format) -> String {
    match format {
        Format::Human => {
            let mut s = String::new();
            for c in Code::ALL {
                s.push_str(&format!("{c}  {}\n", c.title()));
            }
            s.push('\n');
            for c in ProblemCode::ALL {
                s.push_str(&format!("{c}  {}\n", c.title()));
            }
            s.push_str("\n`pol explain CODE` explains one code, with an example and its fix.\n");
            s
        }
        Format::Json => {
            let codes: Vec<_> = Code::ALL
                .iter()
                .map(|c| serde_json::json!({"code": c.as_str(), "severity": c.severity(), "title": c.title()}))
                .chain(ProblemCode::ALL.iter().map(|c| {
                    serde_json::json!({"code": c.as_str(), "severity": c.severity(), "title": c.title()})
                }))
                .collect();
            format!("{}\n", serde_json::Value::Array(codes))
        }
    }
}

fn one(code: Code, format: Format) -> String {
    let text = explanation(code);
    match format {
        Format::Human => {
            let mut s = text.to_string();
            if examples(text)
                .iter()
                .any(|e| !e.lines().any(|l| l.starts_with("policy ")))
            {
                s.push_str(
                    "\nThe examples leave out the policy header; to try one, put a header such as \
                     this in front of it:\n\n",
                );
                s.push_str(EXAMPLE_HEADER);
            }
            s
        }
        Format::Json => {
            let blocks = examples(text);
            let doc = serde_json::json!({
                "code": code.as_str(),
                "severity": code.severity(),
                "title": code.title(),
                "explanation": text,
                "wrong": blocks.first(),
                "fixed": blocks.get(1),
            });
            format!("{doc}\n")
        }
    }
}

fn one_problem(code: ProblemCode, format: Format) -> String {
    let text = code.explanation();
    match format {
        Format::Human => text.to_string(),
        Format::Json => {
            let doc = serde_json::json!({
                "code": code.as_str(),
                "severity": code.severity(),
                "title": code.title(),
                "explanation": text,
            });
            format!("{doc}\n")
        }
    }
}
