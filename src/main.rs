//! The `pol` command-line tool.

fn main() -> pol::cli::ExitCode {
    pol::cli::run()
}
