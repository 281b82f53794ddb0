#!/usr/bin/env bash
# The peer workload through pol: `benches/peer/run.sh POPULATION.csv OUT.csv`.
# Runs pol once (`$POL`, else target/release/pol) on the population; `--columns` makes pol write
# the canonical text of ../shared/bench/peers itself (header, one line per firm in firm_id order,
# flags 0/1, amounts with two decimals), so nothing reshapes its output.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
population=${1:?population CSV}
out=${2:?output CSV}
pol=${POL:-$root/target/release/pol}
# A stale binary once wrote its `--out -` to a file named `-` (committed by mistake): the
# default binary must be at least as new as the sources it is built from.
if [ -z "${POL:-}" ] && [ -n "$(find "$root/src" "$root/Cargo.toml" -newer "$pol" -print -quit 2>/dev/null)" ]; then
    echo "$pol is older than the sources: run \`cargo build --release\` first (or set POL)" >&2
    exit 2
fi
# The canonical columns: flags are `:eligible` columns (1 when the conditions held, whether
# paid or superseded by a higher award of the same matter), award B is what matter B pays.
columns="firm_id=subject,rule_a_eligible=rule_a:eligible,rule_b_eligible=matter:B:eligible"
columns+=",rule_c_eligible=rule_c:eligible,award_a=rule_a,award_b=matter:B,award_c=rule_c,total"
columns+=",city_share=市级财政,district_share=区级财政"
exec "$pol" simulate "$here/peer.pol" --population "$population" --id-column firm_id \
    --date 2024-06-30 --columns "$columns" --out "$out" --summary /dev/null
