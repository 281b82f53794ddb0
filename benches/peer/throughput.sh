#!/usr/bin/env bash
# Throughput of `pol simulate` on the peer workload: `benches/peer/throughput.sh POPULATION.csv [REPS]`.
# For 1 and 2 threads, with per-row output (the canonical columns, to a file) and without (the
# summary only), prints the median wall time of REPS runs (default 5), firms per second and the
# largest peak RSS (GNU time). Uses `$POL`, else target/release/pol.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
population=${1:?population CSV}
reps=${2:-5}
pol=${POL:-$root/target/release/pol}
# A stale binary once wrote its `--out -` to a file named `-` (committed by mistake): the
# default binary must be at least as new as the sources it is built from.
if [ -z "${POL:-}" ] && [ -n "$(find "$root/src" "$root/Cargo.toml" -newer "$pol" -print -quit 2>/dev/null)" ]; then
    echo "$pol is older than the sources: run \`cargo build --release\` first (or set POL)" >&2
    exit 2
fi
firms=$(( $(wc -l < "$population") - 1 ))
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
columns="firm_id=subject,rule_a_eligible=rule_a:eligible,rule_b_eligible=matter:B:eligible"
columns+=",rule_c_eligible=rule_c:eligible,award_a=rule_a,award_b=matter:B,award_c=rule_c,total"
columns+=",city_share=市级财政,district_share=区级财政"
echo "$firms firms, $reps runs each"
for threads in 1 2; do
    for mode in output summary; do
        args=(simulate "$here/peer.pol" --population "$population" --id-column firm_id
            --date 2024-06-30 --summary /dev/null --threads "$threads")
        [ "$mode" = output ] && args+=(--columns "$columns" --out "$out/rows.csv")
        : > "$out/runs"
        for _ in $(seq "$reps"); do
            /usr/bin/time -f "%e %M" -o "$out/t" "$pol" "${args[@]}" > /dev/null
            cat "$out/t" >> "$out/runs"
        done
        sort -n "$out/runs" | awk -v n="$firms" -v t="$threads" -v m="$mode" '
            { wall[NR] = $1; if ($2 > rss) rss = $2 }
            END {
                med = wall[int((NR + 1) / 2)]
                printf "threads %d, %-7s median %.2f s, %.0f firms/s, peak RSS %.1f MiB\n", t, m, med, n / med, rss / 1024
            }'
    done
done
