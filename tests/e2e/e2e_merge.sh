#!/usr/bin/env bash
# End-to-end: partial runs (`cxsim run --chunks A:B`) and `cxsim merge`
# (docs/array-jobs.md, docs/results-format.md "Partial files"):
#  - parts of a scenario with variants, a sweep, a ranking and per-customer
#    output, merged in any order, give the datasets and attributes of the
#    one-process run (h5digest.py: all but the run-time attributes);
#  - a run extended with more customers equals the larger run;
#  - parameter draws (--uncertainty) in parts merged = the one-process run;
#  - a portfolio (exhaustive and greedy) in parts merged = the one-process run;
#  - inspect/report refuse a partial file; overlapping, missing and
#    mismatched parts, bad ranges and unsupported options exit 2 and write
#    nothing.
set -euo pipefail
: "${CXSIM:?}" "${CXSIM_SOURCE_DIR:?}" "${CXSIM_WORK_DIR:?}"
W="$CXSIM_WORK_DIR/merge"
rm -rf "$W"; mkdir -p "$W"
cd "$CXSIM_SOURCE_DIR"
PY=/usr/bin/python3
DIGEST="$PY $CXSIM_SOURCE_DIR/tests/e2e/h5digest.py"
fail() { echo "FAIL: $*"; exit 1; }
# expect_exit2 NAME CMD...: exit 2, a message containing NAME on stderr.
expect_exit2() {
  local want="$1"; shift
  set +e
  "$@" 2>"$W/err.txt" >/dev/null; local rc=$?
  set -e
  [ $rc -eq 2 ] || { cat "$W/err.txt"; fail "$*: exit $rc, expected 2"; }
  grep -q -- "$want" "$W/err.txt" || { cat "$W/err.txt"; fail "$*: no '$want' in the message"; }
}

SC=scenarios/retail_whatif.yaml
# 5000 customers in chunks of 512: 10 chunks, the last one of 392.
ARGS=(-n 5000 -p 3 --seed 9 --chunk-size 512 --customers-out -q)
"$CXSIM" run "$SC" "${ARGS[@]}" --threads 2 -o "$W/whole.h5"
"$CXSIM" run "$SC" "${ARGS[@]}" --threads 2 --chunks 0:4 -o "$W/p1.h5"
"$CXSIM" run "$SC" "${ARGS[@]}" --threads 1 --chunks 4:7 -o "$W/p2.h5"
"$CXSIM" run "$SC" "${ARGS[@]}" --threads 2 --chunks 7:10 -o "$W/p3.h5"
# Any order on the command line.
"$CXSIM" merge "$W/p3.h5" "$W/p1.h5" "$W/p2.h5" -o "$W/merged.h5" -q
$DIGEST "$W/whole.h5" "$W/merged.h5" || fail "merged parts differ from the one-process run"
$PY - "$W/merged.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert f.attrs["filetype"] == "cxsim-results", f.attrs["filetype"]
assert "partial" not in f.attrs and "partial" not in f
assert "sweeps" in f and "ranking" in f and "comparisons" in f and "money" in f
assert f["variants/baseline/customers"].shape == (5000,)
PYEOF
# One part holding every chunk.
"$CXSIM" run "$SC" "${ARGS[@]}" --chunks 0:10 -o "$W/all.h5"
"$CXSIM" merge "$W/all.h5" -o "$W/merged1.h5" -q
$DIGEST "$W/whole.h5" "$W/merged1.h5" || fail "a single 0:10 part differs from the one-process run"
# The merged file reads like any results file.
"$CXSIM" inspect "$W/merged.h5" > "$W/inspect.txt"
grep -q nps_true "$W/inspect.txt" || fail "inspect of the merged file"

# A journey (no scenario), no per-customer output.
"$CXSIM" run journeys/bank_account.yaml -n 3000 -p 2 --chunk-size 1000 -q -o "$W/j_whole.h5"
"$CXSIM" run journeys/bank_account.yaml -n 3000 -p 2 --chunk-size 1000 -q --chunks 0:1 -o "$W/j1.h5"
"$CXSIM" run journeys/bank_account.yaml -n 3000 -p 2 --chunk-size 1000 -q --chunks 1:3 -o "$W/j2.h5"
"$CXSIM" merge "$W/j1.h5" "$W/j2.h5" -o "$W/j_merged.h5" -q
$DIGEST "$W/j_whole.h5" "$W/j_merged.h5" || fail "journey: merged parts differ"

# Extension: a run of 4096 customers (8 complete chunks) extended by chunks
# 8:10 of the run of 5000 equals the run of 5000.
"$CXSIM" run "$SC" -n 4096 -p 3 --seed 9 --chunk-size 512 --customers-out -q --chunks 0:8 -o "$W/small.h5"
"$CXSIM" run "$SC" "${ARGS[@]}" --chunks 8:10 -o "$W/more.h5"
"$CXSIM" merge "$W/small.h5" "$W/more.h5" -o "$W/extended.h5" -q
$DIGEST "$W/whole.h5" "$W/extended.h5" || fail "extended run differs from the larger run"
# ... but not from a run whose last chunk is incomplete (4000 = 7 x 512 + 416).
"$CXSIM" run "$SC" -n 4000 -p 3 --seed 9 --chunk-size 512 --customers-out -q --chunks 0:8 -o "$W/short.h5"
expect_exit2 "incomplete chunk 7" "$CXSIM" merge "$W/short.h5" "$W/more.h5" -o "$W/bad.h5" -q

# A partial file is no results file.
expect_exit2 "partial results file (chunks 0:4 of 10)" "$CXSIM" inspect "$W/p1.h5"
expect_exit2 "cxsim merge" "$CXSIM" report "$W/p1.h5" -o "$W/bad.html"
[ ! -e "$W/bad.html" ] || fail "report written from a partial file"

# Overlapping, missing, mismatched parts: exit 2, nothing written.
"$CXSIM" run "$SC" "${ARGS[@]}" --chunks 3:7 -o "$W/p2b.h5"
expect_exit2 "overlap in chunk 3" "$CXSIM" merge "$W/p1.h5" "$W/p2b.h5" "$W/p3.h5" -o "$W/bad.h5" -q
expect_exit2 "chunks 4:7 are in no part" "$CXSIM" merge "$W/p1.h5" "$W/p3.h5" -o "$W/bad.h5" -q
expect_exit2 "chunks 0:4 are in no part" "$CXSIM" merge "$W/p2.h5" "$W/p3.h5" -o "$W/bad.h5" -q
expect_exit2 "chunks 7:10 are in no part" "$CXSIM" merge "$W/p1.h5" "$W/p2.h5" -o "$W/bad.h5" -q
expect_exit2 "overlap" "$CXSIM" merge "$W/p1.h5" "$W/p1.h5" "$W/p2.h5" "$W/p3.h5" -o "$W/bad.h5" -q
"$CXSIM" run "$SC" -n 5000 -p 3 --seed 10 --chunk-size 512 --customers-out -q --chunks 4:7 -o "$W/seed.h5"
expect_exit2 "different runs (seed: '9' vs '10')" "$CXSIM" merge "$W/p1.h5" "$W/seed.h5" "$W/p3.h5" -o "$W/bad.h5" -q
"$CXSIM" run "$SC" -n 5000 -p 3 --seed 9 --chunk-size 512 -q --chunks 4:7 -o "$W/nocust.h5"
expect_exit2 "customers-out" "$CXSIM" merge "$W/p1.h5" "$W/nocust.h5" "$W/p3.h5" -o "$W/bad.h5" -q
"$CXSIM" run "$SC" "${ARGS[@]}" --no-sweeps --chunks 4:7 -o "$W/nosweep.h5"
expect_exit2 "no-sweeps" "$CXSIM" merge "$W/p1.h5" "$W/nosweep.h5" "$W/p3.h5" -o "$W/bad.h5" -q
"$CXSIM" run journeys/bank_account.yaml -n 5000 -p 3 --seed 9 --chunk-size 512 --customers-out -q --chunks 4:7 \
  -o "$W/other.h5"
expect_exit2 "different runs" "$CXSIM" merge "$W/p1.h5" "$W/other.h5" "$W/p3.h5" -o "$W/bad.h5" -q
expect_exit2 "not a cxsim results file" "$CXSIM" merge "$W/p1.h5" "$W/whole.h5" -o "$W/bad.h5" -q
[ ! -e "$W/bad.h5" ] || fail "merge wrote a file after refusing"
# An input changed since the parts ran.
cp journeys/bank_account.yaml "$W/bank.yaml"
"$CXSIM" run "$W/bank.yaml" -n 2000 --chunk-size 1000 -q --chunks 0:2 -o "$W/bank_part.h5"
echo '# edited after the parts ran' >> "$W/bank.yaml"
expect_exit2 "has changed since the parts ran" "$CXSIM" merge "$W/bank_part.h5" -o "$W/bad.h5" -q
[ ! -e "$W/bad.h5" ] || fail "merge wrote a file after refusing"

# Parameter draws in parts: the what-if on the retail journey with an
# uncertain checkout friction, 5 draws; parts (one of them with another
# thread count) merged = the one-process run, /uncertainty included.
sed 's/^    friction: 0.15$/    friction: {estimate: 0.15, beta: [30, 170]}/' journeys/retail.yaml >"$W/retail_uncertain.yaml"
grep -q 'beta: \[30, 170\]' "$W/retail_uncertain.yaml" || fail "could not make the checkout friction uncertain"
sed 's#^journey: .*#journey: retail_uncertain.yaml#' "$SC" >"$W/uncertain.yaml"
UARGS=(-n 2000 -p 3 --seed 9 --chunk-size 256 --uncertainty 5 -q)
"$CXSIM" run "$W/uncertain.yaml" "${UARGS[@]}" --threads 2 -o "$W/u_whole.h5"
"$CXSIM" run "$W/uncertain.yaml" "${UARGS[@]}" --threads 2 --chunks 0:3 -o "$W/u_p1.h5"
"$CXSIM" run "$W/uncertain.yaml" "${UARGS[@]}" --threads 1 --chunks 3:8 -o "$W/u_p2.h5"
"$CXSIM" merge "$W/u_p2.h5" "$W/u_p1.h5" -o "$W/u_merged.h5" -q
$DIGEST "$W/u_whole.h5" "$W/u_merged.h5" || fail "--uncertainty: merged parts differ from the one-process run"
$PY - "$W/u_merged.h5" "$W/u_p1.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert int(f["uncertainty"].attrs["draws"]) == 5, dict(f["uncertainty"].attrs)
assert "sensitivity" in f["uncertainty"] and "best" in f["uncertainty"]
p = h5py.File(sys.argv[2], "r")
assert int(p.attrs["partial_uncertainty"]) == 5 and int(p["partial/draws"].attrs["draws"]) == 5
assert sorted(p["partial/draws/4"].keys(), key=int) == ["0", "1", "2"], list(p["partial/draws/4"].keys())
PYEOF
# Parts with other draws are parts of another run.
"$CXSIM" run "$W/uncertain.yaml" -n 2000 -p 3 --seed 9 --chunk-size 256 --uncertainty 4 -q --chunks 3:8 \
  -o "$W/u_p2_4.h5"
expect_exit2 "--uncertainty: '5' vs '4'" "$CXSIM" merge "$W/u_p1.h5" "$W/u_p2_4.h5" -o "$W/bad.h5" -q
[ ! -e "$W/bad.h5" ] || fail "merge wrote a file after refusing"

# A portfolio in parts: the cross moments of the combinations' objective
# scores are kept per chunk (/partial/cross/<c>), and a greedy search
# (max_exhaustive: 2) is made alike by every part and by the merge.
sed "s#^journey: .*#journey: $CXSIM_SOURCE_DIR/journeys/retail.yaml#; s#^  objective: net_return#  objective: net_return\n  max_exhaustive: 2#" \
  scenarios/portfolio.yaml >"$W/greedy.yaml"
grep -q '^  max_exhaustive: 2' "$W/greedy.yaml" || fail "could not make the portfolio greedy"
PARGS=(-n 1500 -p 2 --seed 5 --chunk-size 128 --customers-out -q)
for pf in scenarios/portfolio.yaml "$W/greedy.yaml"; do
  b=$(basename "$pf" .yaml)
  "$CXSIM" run "$pf" "${PARGS[@]}" --threads 2 -o "$W/pf_${b}_whole.h5"
  "$CXSIM" run "$pf" "${PARGS[@]}" --threads 2 --chunks 0:5 -o "$W/pf_${b}_p1.h5"
  "$CXSIM" run "$pf" "${PARGS[@]}" --threads 1 --chunks 5:12 -o "$W/pf_${b}_p2.h5"
  "$CXSIM" merge "$W/pf_${b}_p2.h5" "$W/pf_${b}_p1.h5" -o "$W/pf_${b}_merged.h5" -q
  $DIGEST "$W/pf_${b}_whole.h5" "$W/pf_${b}_merged.h5" || fail "portfolio $b: merged parts differ from the one-process run"
done

# Bad ranges and options a partial run cannot take.
expect_exit2 "the run has 10 chunks" "$CXSIM" run "$SC" "${ARGS[@]}" --chunks 8:11 -o "$W/bad.h5"
expect_exit2 "expected A:B" "$CXSIM" run "$SC" "${ARGS[@]}" --chunks 3 -o "$W/bad.h5"
expect_exit2 "the range is empty" "$CXSIM" run "$SC" "${ARGS[@]}" --chunks 4:4 -o "$W/bad.h5"
expect_exit2 "--events-out" "$CXSIM" run "$SC" "${ARGS[@]}" --events-out "$W/ev" --chunks 0:2 -o "$W/bad.h5"
expect_exit2 "precision" "$CXSIM" run scenarios/bank_kyc.yaml -n 2000 -q --chunks 0:1 -o "$W/bad.h5"
[ ! -e "$W/bad.h5" ] || fail "a refused partial run wrote a file"
echo "e2e_merge: ok"
