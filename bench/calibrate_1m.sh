#!/usr/bin/env bash
# Whole-process cost of `cxsim calibrate` on a generated log of about 1 M
# rows: the log (events, surveys, cohorts) comes from a known journey via
# `cxsim run --events-out`, then calibrate runs under /usr/bin/time -v and
# the script prints the rows, the wall and CPU time, rows/s and the peak RSS.
#   bench/calibrate_1m.sh [CUSTOMERS] [PERIODS] [JOURNEY] [-- EXTRA CALIBRATE FLAGS]
# Defaults: 145,000 customers x 8 periods of tests/data/calibrate/joint_journey.yaml
# (about 1.0 M event rows, 0.62 M walks; surveys and cohorts, so the joint fit runs).
# Needs a built tree (scripts/build.sh). Nothing is asserted; the figures in
# docs/performance.md ("Calibration: the joint fit") come from this script.
# Set CXSIM_BENCH_KEEP=DIR to keep the log and the fit in DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-145000}"; P="${2:-8}"; J="${3:-tests/data/calibrate/joint_journey.yaml}"
shift $(( $# < 3 ? $# : 3 ))
[ "${1:-}" = "--" ] && shift
BIN=${CXSIM:-build/bin/cxsim}
if [ -n "${CXSIM_BENCH_KEEP:-}" ]; then OUT=$CXSIM_BENCH_KEEP; mkdir -p "$OUT"
else OUT=$(mktemp -d); trap 'rm -rf "$OUT"' EXIT; fi
"$BIN" run "$J" -n "$N" -p "$P" -s 1 -q --events-out "$OUT/log" -o "$OUT/run.h5"
rows=$(( $(wc -l <"$OUT/log/events.csv") - 1 ))
answers=$(( $(wc -l <"$OUT/log/surveys.csv") - 1 ))
/usr/bin/time -v -o "$OUT/time.txt" "$BIN" calibrate --events "$OUT/log/events.csv" \
  --surveys "$OUT/log/surveys.csv" --cohorts "$OUT/log/cohorts.csv" --satisfaction0-sd 0.5 -q \
  -o "$OUT/fit.yaml" --report "$OUT/fit.h5" "$@" >"$OUT/calibrate.out" 2>&1 ||
  { echo "cxsim calibrate failed:"; tail -20 "$OUT/calibrate.out"; exit 1; }
/usr/bin/python3 - "$OUT/time.txt" "$rows" "$answers" "$N" "$P" "$J" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def field(name):
    return re.search(re.escape(name) + r": (.*)", t).group(1).strip()
wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
parts = [float(x) for x in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
rss = int(field("Maximum resident set size (kbytes)")) / 1024
rows, answers = int(sys.argv[2]), int(sys.argv[3])
print(f"{'journey':<40} {'customers':>9} {'periods':>7} {'rows':>9} {'answers':>8} {'wall s':>8} {'cpu s':>8} "
      f"{'rows/s':>9} {'peak RSS MB':>11}")
print(f"{sys.argv[6]:<40} {int(sys.argv[4]):>9} {int(sys.argv[5]):>7} {rows:>9} {answers:>8} {secs:>8.1f} {cpu:>8.1f} "
      f"{rows / secs:>9,.0f} {rss:>11.1f}")
PY
