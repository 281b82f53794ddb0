//! The exit codes of `pol`, in one place.

use std::process::Termination;

/// How `pol` ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything checked, or the command did what was asked.
    Ok = 0,
    /// The policies have errors (or warnings, with `--deny-warnings`).
    Diagnostics = 1,
    /// The command line was wrong, or a file could not be read or written.
    Usage = 2,
    /// pol broke one of its own rules (problem code F0901): a bug to report, never the
    /// input's fault. 70 is `EX_SOFTWARE` of BSD's `sysexits.h`.
    Internal = 70,
    /// Stopped by Ctrl-C (the shell's convention for an interrupt).
    Interrupted = 130,
}

impl Termination for ExitCode {
    fn report(self) -> std::process::ExitCode {
        std::process::ExitCode::from(self as u8)
    }
}
