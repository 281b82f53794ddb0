#!/usr/bin/env bash
# Side by side with OpenFisca on the peer workload, whole processes, A B A B:
#   benches/peer/compare.sh PEERS_DIR N [REPS]
# PEERS_DIR is a writable copy of ../shared/bench/peers whose .venv has its requirements and
# whose data/firms_N.csv exists (its gen_population.py makes it). Prints each run's wall time and
# peak RSS (GNU time), the medians and the ratio OpenFisca / pol.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
peers=$(cd "${1:?PEERS_DIR}" && pwd)
n=${2:?N}
reps=${3:-3}
population="$peers/data/firms_$n.csv"
[ -f "$population" ] || { echo "no $population: run gen_population.py --n $n in $peers" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
measure() { # name, command...
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$out/t" "$@" > /dev/null
    read -r wall rss < "$out/t"
    echo "$name $wall $rss" | tee -a "$out/runs"
}
for _ in $(seq "$reps"); do
    measure pol "$here/run.sh" "$population" "$out/pol.csv"
    measure openfisca bash -c "cd '$peers' && .venv/bin/python openfisca_bench.py --n $n"
done
median() { grep "^$1 " "$out/runs" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
peak() { grep "^$1 " "$out/runs" | awk '{print $3}' | sort -n | tail -1; }
p=$(median pol); o=$(median openfisca)
echo "median wall: pol ${p}s (peak RSS $(( $(peak pol) / 1024 )) MiB), openfisca ${o}s (peak RSS $(( $(peak openfisca) / 1024 )) MiB)"
awk -v p="$p" -v o="$o" 'BEGIN { printf "openfisca / pol = %.2f (target: at least 3)\n", o / p }'
