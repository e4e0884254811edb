#!/usr/bin/env bash
# Cost of parameter draws (issue 14, MODEL.md section 14): `cxsim run
# --uncertainty N` on C customers against a plain run of N x C customers (the
# same number of customer walks), on the flagship scenario
# (scenarios/retail_whatif.yaml: baseline + 4 variants, 12 periods; sweeps,
# ranking and analytics off, as they are not drawn) whose journey has every
# scalar friction made uncertain, `{estimate: f, beta: [400 f, 400 (1 - f)]}`.
#   bench/uncertainty_draws.sh [DRAWS] [CUSTOMERS_PER_DRAW] [ROUNDS] [THREADS]
# Defaults: 100 draws x 2,000 customers (200,000 customers in all, as the
# flagship), 3 rounds, 2 threads. The two runs alternate round by round (the
# machine's load drifts); prints wall and user CPU seconds and peak RSS of
# each, the per-round wall ratio and its median. The uncertain run also runs
# the point-estimate population once (C more customers: 1/N of the work).
# Needs a built tree (scripts/build.sh), or CXSIM=path/to/cxsim. Nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"; C="${2:-2000}"; R="${3:-3}"; T="${4:-2}"
BIN="${CXSIM:-build/bin/cxsim}"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
python3 - "$OUT" <<'PY'
import re, sys
out = sys.argv[1]
j = open("journeys/retail.yaml").read()
def beta(m):
    f = float(m.group(2))
    return f"{m.group(1)}friction: {{estimate: {m.group(2)}, beta: [{400 * f:.6g}, {400 * (1 - f):.6g}]}}"
j = re.sub(r"^( {4})friction: ([0-9.]+)[ \t]*$", beta, j, flags=re.M)
open(f"{out}/retail_uncertain.yaml", "w").write(j)
s = open("scenarios/retail_whatif.yaml").read()
s = re.sub(r"^journey: .*$", "journey: retail_uncertain.yaml", s, flags=re.M)
open(f"{out}/whatif_uncertain.yaml", "w").write(s)
PY
"$BIN" validate "$OUT/whatif_uncertain.yaml" | head -2
common=(--no-sweeps --no-ranking --no-analytics --threads "$T" -q)
run() {  # label, then the run's own arguments; prints the wall seconds
  local label=$1; shift
  /usr/bin/time -f "%e %U %M" -o "$OUT/time" "$BIN" run "$OUT/whatif_uncertain.yaml" "${common[@]}" "$@" \
    -o "$OUT/r.h5" > /dev/null
  read -r wall user rss < "$OUT/time"
  printf "%-34s %9s %9s %10.1f\n" "$label" "$wall" "$user" "$(echo "$rss / 1024" | bc -l)" >&2
  echo "$wall"
}
printf "%-34s %9s %9s %10s\n" run "wall s" "user s" "RSS MB" >&2
ratios=()
for ((i = 1; i <= R; i++)); do
  plain=$(run "plain, $((N * C)) customers" -n $((N * C)))
  draws=$(run "--uncertainty $N, $C customers" -n "$C" --uncertainty "$N")
  ratio=$(echo "$draws / $plain" | bc -l)
  ratios+=("$ratio")
  printf "round %d: wall ratio (draws / plain) %.3f\n" "$i" "$ratio" >&2
done
printf "%s\n" "${ratios[@]}" | sort -g | awk '{a[NR] = $1} END {printf "median wall ratio over %d rounds: %.3f\n", NR, (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
