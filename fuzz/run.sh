#!/usr/bin/env bash
# Fuzz one target for a time budget: `fuzz/run.sh TARGET [SECONDS]`, TARGET one of parse_check,
# facts_eval, population, cli_files.
# Seeds each corpus from the shipped policies, UI cases, test facts and test populations; needs
# cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP lets the stable toolchain build the
# sanitizer. Findings land in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?target: parse_check, facts_eval, population or cli_files}
seconds=${2:-60}
mkdir -p corpus/parse_check corpus/facts_eval corpus/population corpus/cli_files
cp ../policies/*.pol ../tests/ui/*.pol ../tests/fixtures/*.pol corpus/parse_check/
cp ../tests/facts/*.json corpus/facts_eval/
# A population seed is one byte of choices then the file: 0 plain CSV, 2 institutions' CSV,
# 1 JSON Lines (see fuzz_targets/population.rs).
for f in ../tests/population/*.csv; do
    kind=0; head -1 "$f" | grep -q claim_id && kind=2
    { printf "\\x$(printf %02x "$kind")"; cat "$f"; } > "corpus/population/$(basename "$f")"
    # cli_files: out, summary, threads, chunk size, format, then the population.
    { printf '\x0e\x10\x01\x03\x01'; cat "$f"; } > "corpus/cli_files/$(basename "$f")"
done
# cli_files writes to stdout and stderr on every run: -close_fd_mask=3 keeps the log readable.
# cli_files and population run a simulation in process, whose worker threads are joined
# (std::thread::scope) but free their thread-local channel state in the thread's exit handlers,
# which can run after the join returns; LeakSanitizer then reports those few bytes (std's
# `mpmc::context`) as a leak of the input. Leak checks are off for these two targets.
extra=()
[ "$target" = cli_files ] && extra=(-close_fd_mask=3 -detect_leaks=0)
[ "$target" = population ] && extra=(-detect_leaks=0)
RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
    -max_len=65536 "${extra[@]}"
