#!/usr/bin/env bash
# calibrate --distributions on real logs (../shared/data): the file validates
# and runs with --uncertainty, and without it gives the same headline table,
# bit for bit, as the same fit written without --distributions
# (docs/calibration.md, "Uncertainty of the fit").
set -u
. "$(dirname "$0")/lib.sh"
e2e_setup distributions
: "${CXSIM_SHARED_DIR:?path to the shared folder}"
for f in pm4py_receipt pm4py_running-example; do
  ev="$CXSIM_SHARED_DIR/data/$f.csv"
  "$CXSIM" calibrate --events "$ev" --distributions -o "$work/$f.d.yaml" > /dev/null 2>&1 ||
    fail "$f: calibrate --distributions failed"
  "$CXSIM" calibrate --events "$ev" -o "$work/$f.p.yaml" > /dev/null 2>&1 || fail "$f: calibrate failed"
  "$CXSIM" validate -q "$work/$f.d.yaml" 2> /dev/null || fail "$f: the --distributions fit does not validate"
  grep -q "duration: {lognormal: {median: {estimate:" "$work/$f.d.yaml" ||
    fail "$f: no duration carries a distribution"
  for v in d p; do
    "$CXSIM" run "$work/$f.$v.yaml" --customers 2000 --seed 3 --json -o "$work/$f.$v.h5" > "$work/$f.$v.json" \
      2> /dev/null || fail "$f.$v: run failed"
  done
  $PY - "$work/$f.d.json" "$work/$f.p.json" << 'PYEOF' || fail "$f: without --uncertainty the --distributions fit's results differ from the plain fit's"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if a["variants"] == b["variants"] and a["steps"] == b["steps"] else 1)
PYEOF
  "$CXSIM" run "$work/$f.d.yaml" --customers 300 --seed 3 --uncertainty 30 -o "$work/$f.u.h5" > /dev/null 2>&1 ||
    fail "$f: run --uncertainty 30 on the --distributions fit failed"
done
e2e_finish
