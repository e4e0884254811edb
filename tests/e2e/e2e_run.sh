#!/usr/bin/env bash
# End-to-end: `cxsim run` / `inspect` on the example files.
#  - runs journeys and scenarios, exit codes for bad input (2) and runtime failures (1);
#  - identical datasets for --threads 1, 2 and 7, and for the same seed twice;
#  - stored digests of the example runs (CXSIM_UPDATE_DIGESTS=1 rewrites them);
#  - no half-written output after a failure;
#  - the h5py/pandas snippet from docs/results-format.md runs.
set -euo pipefail
: "${CXSIM:?}" "${CXSIM_SOURCE_DIR:?}" "${CXSIM_WORK_DIR:?}"
W="$CXSIM_WORK_DIR/run"
rm -rf "$W"; mkdir -p "$W"
cd "$CXSIM_SOURCE_DIR"
PY=/usr/bin/python3
DIGEST="$PY $CXSIM_SOURCE_DIR/tests/e2e/h5digest.py"
fail() { echo "FAIL: $*"; exit 1; }

# Journey run + inspect.
"$CXSIM" run journeys/retail.yaml -n 3000 -p 4 -o "$W/retail.h5" -q
[ -f "$W/retail.h5" ] || fail "no results file"
"$CXSIM" inspect "$W/retail.h5" | grep -q "nps_true" || fail "inspect shows no nps_true"
"$CXSIM" inspect --json "$W/retail.h5" | $PY -c 'import json,sys; d=json.load(sys.stdin); assert "baseline" in d["variants"]'

# Determinism: threads 1, 2, 7 and the same seed twice give the same datasets.
for t in 1 2 7; do
  "$CXSIM" run scenarios/retail_whatif.yaml -n 6000 -p 3 --threads $t --chunk-size 512 -o "$W/t$t.h5" -q
done
$DIGEST "$W/t1.h5" "$W/t2.h5" || fail "threads 1 vs 2 differ"
$DIGEST "$W/t1.h5" "$W/t7.h5" || fail "threads 1 vs 7 differ"
"$CXSIM" run scenarios/retail_whatif.yaml -n 6000 -p 3 --threads 2 --chunk-size 512 -o "$W/again.h5" -q
$DIGEST "$W/t2.h5" "$W/again.h5" || fail "same seed twice differs"
"$CXSIM" run scenarios/retail_whatif.yaml -n 6000 -p 3 --seed 99 --chunk-size 512 -o "$W/other.h5" -q
if $DIGEST "$W/t1.h5" "$W/other.h5" >/dev/null; then fail "another seed gives the same file"; fi

# Stored digests of the example runs.
mkdir -p tests/e2e/digests
for ex in journeys/retail.yaml journeys/telecom_support.yaml journeys/bank_account.yaml \
          scenarios/retail_whatif.yaml scenarios/telecom_selfservice.yaml; do
  name=$(basename "$ex" .yaml)
  case "$ex" in scenarios/*) name="scenario_$name";; esac
  "$CXSIM" run "$ex" -n 4000 -p 3 --seed 5 --threads 2 --chunk-size 1000 -o "$W/$name.h5" -q
  $DIGEST "$W/$name.h5" > "$W/$name.digest"
  if [ "${CXSIM_UPDATE_DIGESTS:-0}" = "1" ]; then
    cp "$W/$name.digest" "tests/e2e/digests/$name.digest"
    echo "updated tests/e2e/digests/$name.digest"
  elif ! diff -q "tests/e2e/digests/$name.digest" "$W/$name.digest" >/dev/null; then
    diff "tests/e2e/digests/$name.digest" "$W/$name.digest" | head -20
    fail "$ex: results differ from the stored digest (CXSIM_UPDATE_DIGESTS=1 to accept)"
  fi
done

# Bad input: exit 2, message on stderr, no output file.
set +e
"$CXSIM" run tests/data/invalid/unknown_target.yaml -o "$W/bad.h5" 2>"$W/err.txt"; rc=$?
set -e
[ $rc -eq 2 ] || fail "invalid journey: exit $rc, expected 2"
grep -q "error:" "$W/err.txt" || fail "no diagnostic on stderr"
[ ! -e "$W/bad.h5" ] || fail "output written for invalid input"
set +e
"$CXSIM" run journeys/retail.yaml --customers 0 -o "$W/bad.h5" -q 2>/dev/null; rc=$?
"$CXSIM" run journeys/retail.yaml --variant nope -o "$W/bad.h5" -q 2>/dev/null; rc2=$?
"$CXSIM" run scenarios/retail_whatif.yaml --variant fix_chekout -o "$W/bad.h5" -q 2>"$W/err2.txt"; rc3=$?
"$CXSIM" nosuchcommand 2>/dev/null; rc4=$?
set -e
[ $rc -eq 2 ] && [ $rc2 -eq 2 ] && [ $rc3 -eq 2 ] && [ $rc4 -eq 2 ] || fail "bad flags: exits $rc $rc2 $rc3 $rc4, expected 2"
set +e
"$CXSIM" inspect README.md 2>"$W/err3.txt"; rc=$?
set -e
[ $rc -eq 2 ] || fail "inspect of a non-HDF5 file: exit $rc, expected 2"
grep -q "not a readable HDF5 results file" "$W/err3.txt" || fail "inspect: no clear message for a non-HDF5 file"
grep -q "did you mean 'fix_checkout'" "$W/err2.txt" || fail "no suggestion for a misspelt variant"

# Bad input: the output path is a directory (only regular files are
# replaced; tests/e2e/e2e_faults.sh has the other kinds) -> exit 2, no
# temporary left behind.
mkdir -p "$W/adir.h5"
set +e
"$CXSIM" run journeys/retail.yaml -n 100 -o "$W/adir.h5" -q 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "output onto a directory: exit $rc, expected 2"
if ls "$W" | grep -q "tmp-"; then fail "temporary file left behind"; fi

# Per-customer table and the documented Python snippet.
"$CXSIM" run journeys/retail.yaml -n 2500 -p 6 --customers-out -o "$W/customers.h5" -q
$PY - "$W/customers.h5" <<'PYEOF'
import sys, h5py, pandas as pd
f = h5py.File(sys.argv[1], "r")
summary = pd.DataFrame(f["variants/baseline/summary"][()])
summary["metric"] = summary["metric"].str.decode("utf-8")
survival = pd.DataFrame(f["variants/baseline/survival_ci"][()])
customers = pd.DataFrame(f["variants/baseline/customers"][()])
nps = summary.set_index("metric").loc["nps_true"]
assert nps["ci_low"] <= nps["estimate"] <= nps["ci_high"], nps
assert len(survival) == 7 and survival["alive"].iloc[0] == 1.0
assert len(customers) == 2500 and customers["customer"].is_monotonic_increasing
assert abs(customers["clv"].mean() - summary.set_index("metric").loc["clv_mean", "estimate"]) < 1e-9
print("python snippet ok")
PYEOF

# Event log in the calibration formats.
"$CXSIM" run journeys/retail.yaml -n 500 -p 2 --events-out "$W/events" -o "$W/ev.h5" -q
head -1 "$W/events/events.csv" | grep -q "^customer_id,journey_id,timestamp,touchpoint,status,channel,outcome$" || fail "events.csv header"
head -1 "$W/events/surveys.csv" | grep -q "^customer_id,journey_id,nps,csat,ces$" || fail "surveys.csv header"
[ "$(wc -l < "$W/events/cohorts.csv")" -eq 4 ] || fail "cohorts.csv rows"
# Exact analytics of a journey and of a scenario's variants.
"$CXSIM" analyze journeys/retail.yaml --json | $PY -c 'import json,sys; json.load(sys.stdin)'
"$CXSIM" analyze scenarios/retail_whatif.yaml --json 2>/dev/null | $PY -c '
import json, sys
d = json.load(sys.stdin)["variants"]
assert abs(d["fix_checkout"]["share_converted"]["delta"] - 0.0104717) < 1e-6, d["fix_checkout"]
assert d["baseline"]["share_converted"]["delta"] == 0'
echo "e2e_run: all checks passed"
