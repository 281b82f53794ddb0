//! `pol schema`: the JSON Schema of the facts the policies read.

use std::path::PathBuf;

use super::eval::load_policies;
use super::files::{self, pending};
use super::{ExitCode, Output};
use crate::compile::{Kind, Program};
use crate::schema::{facts_schema, subject_kinds};

/// Options of `pol schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Policy files, or folders searched for `.pol` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Only the facts of this kind of subject (enterprise, institution, person, region).
    #[arg(long, value_name = "KIND")]
    pub subject: Option<String>,
    /// Write the schema to this file (replaced only when complete) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `pol schema`.
pub fn run(args: &SchemaArgs, out: &Output) -> ExitCode {
    if let Some(target) = &args.out {
        // A schema written over a policy file would destroy the policy.
        let inputs = files::collect(&args.paths).unwrap_or_default();
        if let Err(code) = files::check_outputs(&inputs, &[("--out", target)]) {
            return code;
        }
    }
    let set = match load_policies(&args.paths, out) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let programs: Vec<&Program> = set.programs().iter().collect();
    let declared = subject_kinds(&programs);
    let names = || {
        declared
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let subject = match args.subject.as_deref() {
        None => None,
        Some(written) => match Kind::parse(written.trim()) {
            Some(k) if declared.contains(&k) => Some(k),
            Some(_) | None => {
                return out.fail(&format!(
                    "the policies declare no facts for `{written}`; --subject takes one of: {}",
                    names()
                ))
            }
        },
    };
    let schema = facts_schema(&programs, subject);
    let mut text = match serde_json::to_string_pretty(&schema) {
        Ok(t) => t,
        Err(e) => return out.fail(&format!("cannot write the schema: {e}")),
    };
    text.push('\n');
    let target = args.out.clone().unwrap_or_else(|| PathBuf::from("-"));
    let written = pending(&target).and_then(|mut f| {
        f.writer()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", target.display()))?;
        f.commit()
    });
    match written {
        Ok(()) => ExitCode::Ok,
        Err(e) => out.fail(&e),
    }
}
