#!/usr/bin/env bash
# The peer workload through pol: `benches/peer/run.sh POPULATION.csv OUT.csv`.
# Runs pol once (`$POL`, else target/release/pol) on the population and reshapes its per-row
# output into the canonical text of ../shared/bench/peers (header, one line per firm in firm_id
# order, flags 0/1, amounts with two decimals). Every figure comes from pol; the reshaping only
# picks columns and turns outcomes into flags.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
population=${1:?population CSV}
out=${2:?output CSV}
pol=${POL:-$root/target/release/pol}
"$pol" simulate "$here/peer.pol" --population "$population" --id-column firm_id \
    --date 2024-06-30 --out - --summary /dev/null |
awk -F, -v OFS=, '
NR == 1 {
    for (i = 1; i <= NF; i++) col[$i] = i
    print "firm_id,rule_a_eligible,rule_b_eligible,rule_c_eligible,award_a,award_b,award_c,total,city_share,district_share"
    next
}
function flag(name) { return ($(col[name ":outcome"]) == "awarded" || $(col[name ":outcome"]) == "superseded") ? 1 : 0 }
{
    b_flag = (flag("rule_b_leading") || flag("rule_b_little_giant") || flag("rule_b_high_tech")) ? 1 : 0
    # Only the highest rule B tier is awarded; the others are superseded and paid 0.00, so the
    # sum of the three paid columns is the one awarded amount; pick it without adding.
    award_b = "0.00"
    if ($(col["rule_b_leading:outcome"]) == "awarded") award_b = $(col["rule_b_leading"])
    if ($(col["rule_b_little_giant:outcome"]) == "awarded") award_b = $(col["rule_b_little_giant"])
    if ($(col["rule_b_high_tech:outcome"]) == "awarded") award_b = $(col["rule_b_high_tech"])
    print $(col["subject"]), flag("rule_a"), b_flag, flag("rule_c"), $(col["rule_a"]), award_b, $(col["rule_c"]), $(col["total"]), $(col["市级财政"]), $(col["区级财政"])
}' > "$out"
