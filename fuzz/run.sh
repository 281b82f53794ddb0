#!/usr/bin/env bash
# Fuzz one target for a time budget: `fuzz/run.sh parse_check 1800`.
# Seeds the corpus from the shipped policies, the UI cases and the test facts; needs cargo-fuzz
# (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP lets the stable toolchain build the sanitizer.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?target: parse_check or facts_eval}
seconds=${2:-60}
mkdir -p corpus/parse_check corpus/facts_eval
cp ../policies/*.pol ../tests/ui/*.pol ../tests/fixtures/*.pol corpus/parse_check/
cp ../tests/facts/*.json corpus/facts_eval/
RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536
