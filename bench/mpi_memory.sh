#!/usr/bin/env bash
# Peak memory per rank of `mpirun -n K cxsim run` against the population
# (docs/distributed.md "Memory"; docs/performance.md "MPI ranks"): for each
# population, one plain one-process run, then K ranks, each rank under
# /usr/bin/time -v (its "Maximum resident set size"). Memory per rank should
# stay flat as the population grows (rank 0 receives a chunk only when it is
# the next to merge; a rank keeps at most two blocks of sent chunks).
#   bench/mpi_memory.sh [K] [PERIODS] [JOURNEY] [CUSTOMERS...]
# Defaults: K = 2, 12 periods, journeys/retail.yaml, 1,000,000 and 10,000,000
# customers, --threads 1 per rank. Needs an MPI build in build/
# (scripts/build.sh -DCXSIM_MPI=ON) and mpirun (openmpi-bin). Prints one line
# per run and rank; nothing is asserted (a benchmark, not a test).
set -euo pipefail
cd "$(dirname "$0")/.."
K="${1:-2}"; P="${2:-12}"; J="${3:-journeys/retail.yaml}"
shift $(($# < 3 ? $# : 3))
POPS=("$@")
[ ${#POPS[@]} -gt 0 ] || POPS=(1000000 10000000)
BIN="$PWD/build/bin/cxsim"
case "$(ldd "$BIN")" in *libmpi*) ;; *) echo "$BIN is not an MPI build (-DCXSIM_MPI=ON)" >&2; exit 1 ;; esac
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# peak_mb FILE: "Maximum resident set size (kbytes)" of a `time -v` report, in MB.
peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$1"; }
wall_s() { awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.1f", s}' "$1"; }
# walks_per_s JSON: walks / seconds of a `run --json` document.
walks_per_s() { /usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("{:,.0f}".format(d["walks"] / d["seconds"]))' "$1"; }
echo "# $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $J, $P periods, --threads 1"
printf "%-12s %-10s %6s %14s %10s %14s\n" customers run rank "walks/s" "wall s" "peak RSS MB"
for N in "${POPS[@]}"; do
  /usr/bin/time -v -o "$OUT/one.time" "$BIN" run "$J" -n "$N" -p "$P" --threads 1 --json -q -o "$OUT/one.h5" \
    >"$OUT/one.json"
  ws=$(walks_per_s "$OUT/one.json")
  printf "%-12s %-10s %6s %14s %10s %14s\n" "$N" "1 process" "-" "$ws" "$(wall_s "$OUT/one.time")" \
    "$(peak_mb "$OUT/one.time")"
  rm -f "$OUT"/rank.*.time
  mpirun --oversubscribe --allow-run-as-root --bind-to none -n "$K" \
    sh -c 'exec /usr/bin/time -v -o "$0/rank.$OMPI_COMM_WORLD_RANK.time" "$@"' "$OUT" \
    "$BIN" run "$J" -n "$N" -p "$P" --threads 1 --json -q -o "$OUT/mpi.h5" >"$OUT/mpi.json"
  ws=$(walks_per_s "$OUT/mpi.json")
  for ((r = 0; r < K; r++)); do
    printf "%-12s %-10s %6s %14s %10s %14s\n" "$N" "K = $K" "$r" "$([ $r -eq 0 ] && echo "$ws" || echo -)" \
      "$(wall_s "$OUT/rank.$r.time")" "$(peak_mb "$OUT/rank.$r.time")"
  done
  rm -f "$OUT"/*.h5
done
