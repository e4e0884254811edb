#!/usr/bin/env bash
# Before/after throughput of two cxsim binaries, run alternately (old, new,
# old, new, ...) so that drift in the machine's load affects both alike.
#   bench/alternate.sh OLD_CXSIM NEW_CXSIM [ROUNDS] [CUSTOMERS] [PERIODS] [JOURNEY] [THREADS]
# Defaults: 3 rounds of 2,000,000 customers x 12 periods of journeys/retail.yaml
# on 1 thread. Prints walks/s, steps/s and peak RSS per run, then the ratio
# new/old per round and its median. Nothing is asserted; run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD="$1"; NEW="$2"; R="${3:-3}"; N="${4:-2000000}"; P="${5:-12}"; J="${6:-journeys/retail.yaml}"; T="${7:-1}"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for r in $(seq 1 "$R"); do
  for which in old new; do
    B="$OLD"; [ "$which" = new ] && B="$NEW"
    /usr/bin/time -f "%M" -o "$OUT/rss" "$B" run "$J" -n "$N" -p "$P" --threads "$T" --json -q -o "$OUT/r.h5" \
      > "$OUT/json"
    /usr/bin/python3 - "$OUT/json" "$OUT/rss" "$which" "$r" >> "$OUT/lines" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); rss_kb = int(open(sys.argv[2]).read().split()[-1])
print(sys.argv[3], sys.argv[4], d['walks'] / d['seconds'], d['steps'] / d['seconds'], rss_kb / 1024)
PY
    tail -n 1 "$OUT/lines" | awk '{printf "%-4s round %s %14.0f walks/s %14.0f steps/s %8.1f MB\n", $1, $2, $3, $4, $5}'
  done
done
/usr/bin/python3 - "$OUT/lines" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
old = {r[1]: float(r[2]) for r in rows if r[0] == 'old'}
new = {r[1]: float(r[2]) for r in rows if r[0] == 'new'}
ratios = [new[k] / old[k] for k in old]
print("ratio new/old per round:", " ".join(f"{x:.3f}" for x in ratios), f"median {statistics.median(ratios):.3f}")
PY
