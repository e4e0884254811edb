#!/usr/bin/env bash
# cxsim against a vectorised numpy implementation of the same model (bench/numpy_peer.py), side by side on the
# same inputs: cxsim with 2 threads and with 1 thread, then the peer (single-threaded numpy), REPEATS times each,
# interleaved so that a change in the machine's load hits all three alike.
#   bench/side_by_side.sh [CUSTOMERS] [PERIODS] [JOURNEY]
# Defaults: 1,000,000 customers x 12 periods on journeys/retail.yaml, REPEATS=1 (env).
# CXSIM=path overrides build/bin/cxsim; PEER_ARGS (e.g. "--block 131072") is passed to the peer.
# Needs /usr/bin/python3 with numpy and PyYAML (scripts/setup.sh).
# Prints one line per run (wall and CPU seconds, walks/s, peak RSS), then best and median walks/s of each and the
# ratios cxsim / peer: by wall time, and by CPU time (walks per CPU-second, less sensitive to a shared machine).
# The two sides draw different random numbers (same model, not the same streams), so their walk counts differ by
# Monte Carlo noise; `bench/numpy_peer.py JOURNEY --check` compares their results. Nothing is asserted.
# Whole-process times (/usr/bin/time, 10 ms CPU resolution): below ~1M walks start-up (numpy's import) dominates.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"; P="${2:-12}"; J="${3:-journeys/retail.yaml}"
BIN="${CXSIM:-build/bin/cxsim}"
REPEATS="${REPEATS:-1}"
PY=/usr/bin/python3
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
[ -x "$BIN" ] || { echo "side_by_side.sh: no cxsim at $BIN (build it, or set CXSIM=...)" >&2; exit 2; }
echo "# $J: $N customers x $P periods, $REPEATS repeat(s), peer args '${PEER_ARGS:-}'; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$OUT/runs"
for ((r = 1; r <= REPEATS; r++)); do
  for T in 2 1; do
    /usr/bin/time -f "%e %U %S %M" -o "$OUT/time" \
      "$BIN" run "$J" -n "$N" -p "$P" --threads "$T" --json -q --no-analytics -o "$OUT/r.h5" > "$OUT/json"
    "$PY" - "$OUT/json" "$OUT/time" "cxsim-${T}t" >> "$OUT/runs" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); wall, user, sys_, rss = open(sys.argv[2]).read().split()[-4:]
print(sys.argv[3], d["walks"], d["steps"], float(wall), float(user) + float(sys_), int(rss) / 1024)
PY
    tail -n 1 "$OUT/runs"
  done
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/time" "$PY" bench/numpy_peer.py "$J" -n "$N" -p "$P" ${PEER_ARGS:-} > "$OUT/json"
  "$PY" - "$OUT/json" "$OUT/time" numpy-peer >> "$OUT/runs" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); wall, user, sys_, rss = open(sys.argv[2]).read().split()[-4:]
print(sys.argv[3], d["walks"], d["steps"], float(wall), float(user) + float(sys_), int(rss) / 1024)
PY
  tail -n 1 "$OUT/runs"
done
"$PY" - "$OUT/runs" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, walks, steps, wall, cpu, rss = line.split()
    runs.setdefault(name, []).append((int(walks) / float(wall), int(walks) / float(cpu), float(rss), float(wall)))
print(f"\n{'program':<12} {'runs':>4} {'best walks/s':>14} {'median walks/s':>15} {'walks/CPU-s':>13} "
      f"{'median wall s':>14} {'peak RSS MB':>12}")
summary = {}
for name, rs in runs.items():
    best, med = max(r[0] for r in rs), statistics.median(r[0] for r in rs)
    cpu = statistics.median(r[1] for r in rs)
    summary[name] = (best, med, cpu)
    print(f"{name:<12} {len(rs):>4} {best:>14,.0f} {med:>15,.0f} {cpu:>13,.0f} "
          f"{statistics.median(r[3] for r in rs):>14.2f} {max(r[2] for r in rs):>12.1f}")
pb, pm, pc = summary["numpy-peer"]
for name in ("cxsim-2t", "cxsim-1t"):
    b, m, c = summary[name]
    print(f"ratio {name} / numpy-peer: best {b / pb:.1f}x, median {m / pm:.1f}x, per CPU-second {c / pc:.1f}x")
PY
