#!/usr/bin/env bash
# Whole-process throughput and memory of `cxsim run`: walks/s, touchpoint
# steps/s and peak RSS, for 1 and 2 threads.
#   bench/whole_process.sh [CUSTOMERS] [PERIODS] [JOURNEY]
# Defaults: 1,000,000 customers x 12 periods on journeys/retail.yaml.
# Needs a built tree (scripts/build.sh). Prints one line per run; nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"; P="${2:-12}"; J="${3:-journeys/retail.yaml}"
BIN=build/bin/cxsim
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
printf "%-28s %8s %10s %8s %14s %14s %12s\n" journey threads customers periods "walks/s" "steps/s" "peak RSS MB"
for T in 1 2; do
  /usr/bin/time -f "%M" -o "$OUT/rss" "$BIN" run "$J" -n "$N" -p "$P" --threads "$T" --json -q -o "$OUT/r.h5" > "$OUT/json"
  /usr/bin/python3 - "$OUT/json" "$OUT/rss" "$J" "$T" "$N" "$P" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); rss_kb = int(open(sys.argv[2]).read().split()[-1])
print(f"{sys.argv[3]:<28} {sys.argv[4]:>8} {sys.argv[5]:>10} {sys.argv[6]:>8} "
      f"{d['walks']/d['seconds']:>14,.0f} {d['steps']/d['seconds']:>14,.0f} {rss_kb/1024:>12.1f}")
PY
done
