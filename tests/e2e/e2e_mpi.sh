#!/usr/bin/env bash
# End-to-end: `mpirun -n K cxsim run` (docs/distributed.md; MODEL.md section
# 17), against a -DCXSIM_MPI=ON build (scripts/test.sh builds one in
# build/ with -DCXSIM_MPI=ON and runs this; the plain ctest suite leaves it out):
#  - K = 1..4 ranks (oversubscribed) on a scenario with variants, a sweep, a
#    ranking and per-customer output: every dataset and attribute of the
#    results file equals the one-process run's (h5digest.py: all but the
#    run-time attributes, mpi_ranks and threads among them); also with
#    blocks of chunks that leave a rank with nothing to do, and a journey;
#  - parameter draws (--uncertainty) dealt to the ranks, K = 1..4 (and more
#    ranks than draws); a portfolio, exhaustive and greedy, K = 1..3;
#  - faults: bad input on every rank, one rank failing late (an exception, a
#    bad input found late, a failure at a parameter draw, SIGKILL), a rank reading other input files and
#    options a distributed run refuses:
#    non-zero exit on every rank, one message (from rank 0, naming the rank),
#    no results file under the final name, a previous file there intact.
#
# Env: CXSIM (an MPI build of the binary), CXSIM_SOURCE_DIR, CXSIM_WORK_DIR;
# MPIRUN (default: mpirun).
set -euo pipefail
: "${CXSIM:?}" "${CXSIM_SOURCE_DIR:?}" "${CXSIM_WORK_DIR:?}"
MPIRUN="${MPIRUN:-mpirun}"
W="$CXSIM_WORK_DIR/mpi"
rm -rf "$W"; mkdir -p "$W"
cd "$CXSIM_SOURCE_DIR"
PY=/usr/bin/python3
DIGEST="$PY $CXSIM_SOURCE_DIR/tests/e2e/h5digest.py"
fail() { echo "FAIL: $*"; exit 1; }
command -v "$MPIRUN" >/dev/null || fail "no $MPIRUN (scripts/setup.sh installs openmpi-bin)"
# (Whole outputs into variables: grep -q closing a pipe early fails it under pipefail.)
case "$(ldd "$CXSIM")" in *libmpi*) ;; *) fail "$CXSIM is not an MPI build (configure with -DCXSIM_MPI=ON)" ;; esac
# As root in a container: OpenMPI wants to be told; more ranks than cores.
mpi() { local k="$1"; shift; "$MPIRUN" --oversubscribe --allow-run-as-root --bind-to none -n "$k" "$@"; }

# attrs FILE K THREADS: the run-time attributes say how the file was made.
attrs() {
  $PY - "$@" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert f.attrs["filetype"] == "cxsim-results", f.attrs["filetype"]
assert int(f.attrs["mpi_ranks"]) == int(sys.argv[2]), (f.attrs["mpi_ranks"], sys.argv[2])
assert int(f.attrs["threads"]) == int(sys.argv[3]), (f.attrs["threads"], sys.argv[3])
PYEOF
}

SC=scenarios/retail_whatif.yaml
# 5000 customers in chunks of 256: 20 chunks, the last one of 136. With one
# thread a block is 4 chunks: 5 blocks dealt round-robin.
ARGS=(-n 5000 -p 3 --seed 9 --chunk-size 256 --customers-out -q)
"$CXSIM" run "$SC" "${ARGS[@]}" --threads 2 -o "$W/whole.h5"
attrs "$W/whole.h5" 1 2
for K in 1 2 3 4; do
  mpi "$K" "$CXSIM" run "$SC" "${ARGS[@]}" --threads 1 -o "$W/mpi$K.h5"
  $DIGEST "$W/whole.h5" "$W/mpi$K.h5" || fail "mpirun -n $K differs from the one-process run"
  attrs "$W/mpi$K.h5" "$K" 1
done
$PY - "$W/mpi4.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert "sweeps" in f and "ranking" in f and "comparisons" in f and "money" in f
assert f["variants/baseline/customers"].shape == (5000,)
PYEOF
# Two threads per rank: blocks of 8 chunks, 3 blocks, so rank 3 of 4 has none.
mpi 4 "$CXSIM" run "$SC" "${ARGS[@]}" --threads 2 -o "$W/mpi4t2.h5"
$DIGEST "$W/whole.h5" "$W/mpi4t2.h5" || fail "mpirun -n 4 --threads 2 differs from the one-process run"
# A journey, no per-customer output; --json on rank 0 only (one document).
"$CXSIM" run journeys/bank_account.yaml -n 3000 -p 2 --chunk-size 500 -q -o "$W/j_whole.h5"
mpi 3 "$CXSIM" run journeys/bank_account.yaml -n 3000 -p 2 --chunk-size 500 --threads 1 --json \
  -o "$W/j_mpi.h5" > "$W/j.json"
$DIGEST "$W/j_whole.h5" "$W/j_mpi.h5" || fail "journey: mpirun -n 3 differs from the one-process run"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["customers"] == 3000, d' "$W/j.json" ||
  fail "--json under mpirun: not one JSON document from rank 0"

# Parameter draws (--uncertainty) dealt to the ranks (draw d on rank d mod K):
# the what-if on the retail journey with an uncertain checkout friction; 7
# draws, so that with K = 4 the ranks have 2, 2, 2 and 1.
sed 's/^    friction: 0.15$/    friction: {estimate: 0.15, beta: [30, 170]}/' journeys/retail.yaml >"$W/retail_uncertain.yaml"
grep -q 'beta: \[30, 170\]' "$W/retail_uncertain.yaml" || fail "could not make the checkout friction uncertain"
sed 's#^journey: .*#journey: retail_uncertain.yaml#' "$SC" >"$W/uncertain.yaml"
UARGS=(-n 2000 -p 3 --seed 9 --chunk-size 256 -q)
"$CXSIM" run "$W/uncertain.yaml" "${UARGS[@]}" --uncertainty 7 --threads 2 -o "$W/u_whole.h5"
$PY - "$W/u_whole.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert int(f["uncertainty"].attrs["draws"]) == 7, dict(f["uncertainty"].attrs)
assert "sensitivity" in f["uncertainty"] and "best" in f["uncertainty"]
PYEOF
for K in 1 2 3 4; do
  mpi "$K" "$CXSIM" run "$W/uncertain.yaml" "${UARGS[@]}" --uncertainty 7 --threads 1 -o "$W/u_mpi$K.h5"
  $DIGEST "$W/u_whole.h5" "$W/u_mpi$K.h5" || fail "--uncertainty: mpirun -n $K differs from the one-process run"
done
# More ranks than draws: ranks 3 and 4 have none.
mpi 5 "$CXSIM" run "$W/uncertain.yaml" "${UARGS[@]}" --uncertainty 3 --threads 1 -o "$W/u_mpi5.h5"
"$CXSIM" run "$W/uncertain.yaml" "${UARGS[@]}" --uncertainty 3 --threads 1 -o "$W/u_whole3.h5"
$DIGEST "$W/u_whole3.h5" "$W/u_mpi5.h5" || fail "--uncertainty 3: mpirun -n 5 differs from the one-process run"

# A portfolio (scenarios/portfolio.yaml: every combination of five candidates
# is a variant, with the cross moments of the combinations' objective scores),
# and the same with max_exhaustive: 2, a greedy search every rank makes alike.
sed "s#^journey: .*#journey: $CXSIM_SOURCE_DIR/journeys/retail.yaml#; s#^  objective: net_return#  objective: net_return\n  max_exhaustive: 2#" \
  scenarios/portfolio.yaml >"$W/greedy.yaml"
grep -q '^  max_exhaustive: 2' "$W/greedy.yaml" || fail "could not make the portfolio greedy"
PARGS=(-n 1500 -p 2 --seed 5 --chunk-size 128 --customers-out -q)
for pf in scenarios/portfolio.yaml "$W/greedy.yaml"; do
  b=$(basename "$pf" .yaml)
  "$CXSIM" run "$pf" "${PARGS[@]}" --threads 2 -o "$W/pf_${b}_whole.h5"
  for K in 1 2 3; do
    mpi "$K" "$CXSIM" run "$pf" "${PARGS[@]}" --threads 1 -o "$W/pf_${b}_mpi$K.h5"
    $DIGEST "$W/pf_${b}_whole.h5" "$W/pf_${b}_mpi$K.h5" || fail "portfolio $b: mpirun -n $K differs from the one-process run"
  done
done
$PY - "$W/pf_portfolio_mpi3.h5" "$W/pf_greedy_mpi3.h5" <<'PYEOF'
import sys, h5py
for p, n in zip(sys.argv[1:], (31, None)):
    f = h5py.File(p, "r")
    rows = f["portfolio/combinations"].shape[0]
    assert rows > 5 and (n is None or rows == n), (p, rows)
PYEOF

# Faults. A previous results file at the output stays as it was.
cp "$W/mpi1.h5" "$W/keep.h5"
keep_sum=$(sha256sum < "$W/keep.h5")
# expect_fail CODE WANT K [mpirun args...] -- CXSIM ARGS: exit CODE (or any
# non-zero for "nz"), WANT once in the messages, nothing new at the output.
expect_fail() {
  local code="$1" want="$2" k="$3"; shift 3
  set +e
  mpi "$k" "$@" -o "$W/keep.h5" >"$W/out.txt" 2>"$W/err.txt"; local rc=$?
  set -e
  if [ "$code" = nz ]; then
    [ $rc -ne 0 ] || { cat "$W/err.txt"; fail "$*: exit 0, expected a failure"; }
  else
    [ $rc -eq "$code" ] || { cat "$W/err.txt"; fail "$*: exit $rc, expected $code"; }
  fi
  if [ -n "$want" ]; then
    local n; n=$(grep -c -- "$want" "$W/err.txt" || true)
    [ "$n" -eq 1 ] || { cat "$W/err.txt"; fail "$*: '$want' $n times in the messages, expected once"; }
  fi
  [ "$(sha256sum < "$W/keep.h5")" = "$keep_sum" ] || fail "$*: the previous results file was changed"
  # No temporary left, except by a killed job (the next run to the output removes it).
  if [ "$code" != nz ] && [ -n "$(find "$W" -maxdepth 1 -name '.keep.h5.tmp-*')" ]; then
    fail "$*: a temporary was left behind"
  fi
  return 0
}
# Bad input seen by every rank: exit 2, the message once.
expect_fail 2 "--variant 'nope': no such variant" 3 "$CXSIM" run "$SC" "${ARGS[@]}" --threads 1 --variant nope
# One rank failing late, while the others simulate.
expect_fail 1 "rank 2: injected failure" 3 -x CXSIM_MPI_TEST_FAULT=2:throw "$CXSIM" run "$SC" "${ARGS[@]}" --threads 1
expect_fail 2 "rank 1: injected bad input" 4 -x CXSIM_MPI_TEST_FAULT=1:input \
  "$CXSIM" run "$SC" "${ARGS[@]}" --threads 1
# One rank failing at its first parameter draw (after the chunks were merged).
expect_fail 1 "rank 1: injected failure at parameter draw 1" 3 -x CXSIM_MPI_TEST_FAULT=1:draw \
  "$CXSIM" run "$W/uncertain.yaml" "${UARGS[@]}" --uncertainty 7 --threads 1
expect_fail 1 "injected failure at parameter draw 0" 2 -x CXSIM_MPI_TEST_FAULT=0:draw \
  "$CXSIM" run "$W/uncertain.yaml" "${UARGS[@]}" --uncertainty 7 --threads 1
# A killed rank: mpirun ends the job.
expect_fail nz "" 3 -x CXSIM_MPI_TEST_FAULT=1:kill "$CXSIM" run "$SC" "${ARGS[@]}" --threads 1
rm -f "$W"/.keep.h5.tmp-*  # rank 0's temporary, if mpirun killed it before it could remove it
# What a distributed run refuses (exit 2 on every rank, one message).
expect_fail 2 "--events-out is not available under mpirun" 2 "$CXSIM" run "$SC" "${ARGS[@]}" --events-out "$W/ev"
expect_fail 2 "drop --chunks" 2 "$CXSIM" run "$SC" "${ARGS[@]}" --chunks 0:2
expect_fail 2 "precision target" 2 "$CXSIM" run scenarios/bank_kyc.yaml -n 2000 -q
# A rank that sees other input files (another machine): refused before anything runs.
cp journeys/bank_account.yaml "$W/in_0.yaml"
{ cat journeys/bank_account.yaml; echo '# edited on another machine'; } > "$W/in_1.yaml"
expect_fail 2 "rank 1 loaded another run than rank 0" 2 \
  sh -c 'c=$0; w=$1; shift; exec "$c" run "$w/in_$OMPI_COMM_WORLD_RANK.yaml" -n 2000 -q "$@"' "$CXSIM" "$W"
[ ! -e "$W/ev" ] || [ -z "$(ls -A "$W/ev")" ] || fail "--events-out wrote under mpirun"
echo "e2e_mpi: ok"
