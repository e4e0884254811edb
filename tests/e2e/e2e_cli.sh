#!/usr/bin/env bash
# End-to-end: the command line itself.
#  - bare `cxsim` prints the help (exit 0); an unknown subcommand or option is
#    exit 2 with a did-you-mean or the list of subcommands;
#  - every --json output is valid JSON, also for paths with `"` and `\`;
#  - `analyze SCENARIO` honours --solver, refuses --reduce, and its -o file is
#    versioned like every results file.
# Env (set by ctest): CXSIM, CXSIM_SOURCE_DIR, CXSIM_WORK_DIR.
set -uo pipefail
: "${CXSIM:?}" "${CXSIM_SOURCE_DIR:?}" "${CXSIM_WORK_DIR:?}"
W="$CXSIM_WORK_DIR/cli"
rm -rf "$W"; mkdir -p "$W"
cd "$CXSIM_SOURCE_DIR"
PY=/usr/bin/python3
fails=0
fail() {
  echo "FAIL: $*" >&2
  fails=$((fails + 1))
}
# run EXPECTED_RC CMD...: stdout to $W/out, stderr to $W/err.
run() {
  local want=$1; shift
  "$@" >"$W/out" 2>"$W/err"
  local rc=$?
  [ $rc -eq "$want" ] || fail "$*: exit $rc, expected $want: $(head -c 400 "$W/err")"
}

# 1. Usage: bare cxsim, unknown subcommands and options.
run 0 "$CXSIM"
grep -q "^Usage: cxsim \[OPTIONS\] SUBCOMMAND" "$W/out" || fail "bare cxsim: no usage on stdout: $(head -3 "$W/out")"
for s in validate analyze run inspect report calibrate; do
  grep -q "^  $s " "$W/out" || fail "bare cxsim: help does not list '$s'"
done
run 2 "$CXSIM" rnu journeys/retail.yaml
grep -qF "unknown subcommand 'rnu' (did you mean 'run'?); the subcommands are validate, analyze, run, inspect, report, calibrate" "$W/err" \
  || fail "unknown subcommand: $(cat "$W/err")"
run 2 "$CXSIM" frobnicate
grep -qF "unknown subcommand 'frobnicate'; the subcommands are validate, analyze, run," "$W/err" \
  || fail "unknown subcommand without a match: $(cat "$W/err")"
run 2 "$CXSIM" run --custmers 5 journeys/retail.yaml -o "$W/never.h5"
grep -qF "run: unknown option '--custmers' (did you mean '--customers'?)" "$W/err" || fail "--custmers: $(cat "$W/err")"
[ ! -e "$W/never.h5" ] || fail "--custmers: a results file was written"
run 2 "$CXSIM" validate --jsn journeys/retail.yaml
grep -qF "validate: unknown option '--jsn' (did you mean '--json'?)" "$W/err" || fail "--jsn: $(cat "$W/err")"
run 2 "$CXSIM" run --custmers=5 journeys/retail.yaml
grep -qF "unknown option '--custmers' (did you mean" "$W/err" || fail "--custmers=5: $(cat "$W/err")"
run 2 "$CXSIM" --verison
grep -qF "unknown option '--verison' (did you mean '--version'?)" "$W/err" || fail "--verison: $(cat "$W/err")"
# Known options with values, a value after '=', and a negative number as a value are not mistaken for options.
run 0 "$CXSIM" run journeys/retail.yaml -n 300 --seed=3 -q -o "$W/ok.h5"
run 2 "$CXSIM" analyze journeys/retail.yaml --reduce -0.5
grep -q "unknown option" "$W/err" && fail "--reduce -0.5: the value was taken for an option: $(cat "$W/err")"
run 0 "$CXSIM" --version
run 0 "$CXSIM" run --help

# 2. JSON output with a path holding '"' and '\'.
D="$W/we\"ird\\dir"
mkdir -p "$D"
R="$D/r\"un\\1.h5"
run 0 "$CXSIM" run scenarios/retail_whatif.yaml -n 2000 -p 2 --no-sweeps --no-ranking -o "$R" --json
$PY - "$W/out" "$R" <<'PYEOF' || fail "run --json: $(head -c 300 "$W/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["output"] == sys.argv[2], d["output"]
assert "baseline" in d["variants"] and "fix_checkout" in d["comparisons"], list(d)
PYEOF
run 0 "$CXSIM" inspect --json "$R"
$PY - "$W/out" "$R" <<'PYEOF' || fail "inspect --json: $(head -c 300 "$W/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["file"] == sys.argv[2], d["file"]
assert list(d["variants"])[0] == "baseline" and "fix_checkout" in d["comparisons"], d.keys()
rows = {r["metric"]: r for r in d["variants"]["baseline"]}
assert rows["nps_true"]["ci_low"] <= rows["nps_true"]["estimate"] <= rows["nps_true"]["ci_high"]
PYEOF
cp journeys/retail.yaml "$D/jour\"ney.yaml"
run 0 "$CXSIM" validate --json "$D/jour\"ney.yaml"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["file"] == sys.argv[2] and d[0]["valid"]' \
  "$W/out" "$D/jour\"ney.yaml" || fail "validate --json: $(head -c 300 "$W/out")"
run 0 "$CXSIM" analyze --json "$D/jour\"ney.yaml"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["file"] == sys.argv[2]' "$W/out" "$D/jour\"ney.yaml" \
  || fail "analyze --json: $(head -c 300 "$W/out")"

# 3. analyze SCENARIO: --solver reaches every variant, --reduce is refused, -o is versioned.
A="$D/an\"alytics.h5"
run 0 "$CXSIM" analyze scenarios/retail_whatif.yaml --solver iterative -o "$A"
$PY - "$A" <<'PYEOF' || fail "analyze SCENARIO -o: attributes or solver"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
a = f.attrs
assert a["filetype"] == "cxsim-analytics", dict(a)
assert a["format_version"].startswith("1.") and a["format_version_major"] == 1, dict(a)
assert a["journey"] == "online_retail" and a["scenario"] == "retail_whatif", dict(a)
variants = list(f["analytics"])
assert "baseline" in variants and "fix_checkout" in variants, variants
for v in variants:
    solvers = set(s.decode() for s in f["analytics/" + v + "/segments"]["solver"])
    assert solvers == {"iterative"}, (v, solvers)
PYEOF
run 0 "$CXSIM" analyze journeys/retail.yaml --solver dense -o "$W/journey_an.h5"
$PY -c 'import sys,h5py; a=h5py.File(sys.argv[1],"r").attrs; assert a["format_version_major"] == 1 and "scenario" not in a' \
  "$W/journey_an.h5" || fail "analyze JOURNEY -o: attributes"
run 0 "$CXSIM" inspect --json "$A"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["filetype"] == "cxsim-analytics" and "fix_checkout" in d["analytics"]' \
  "$W/out" || fail "inspect --json of an analytics file: $(head -c 300 "$W/out")"
run 2 "$CXSIM" analyze scenarios/retail_whatif.yaml --reduce 0.3
grep -qF -- "--reduce: " "$W/err" || fail "analyze SCENARIO --reduce: no message: $(cat "$W/err")"
run 0 "$CXSIM" analyze journeys/retail.yaml --reduce 0.3 --json
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["friction_ranking"]["reduction"] == 0.3' "$W/out" \
  || fail "analyze JOURNEY --reduce 0.3"

# 4. calibrate: an outcome named in --outcome-kind that the data does not have is exit 2.
run 2 "$CXSIM" calibrate --events tests/data/calibrate/shop_events.csv --outcome-kind purchsed=converted -o "$W/fit.yaml"
grep -qF "no outcome 'purchsed' in the data (did you mean 'purchased'?)" "$W/err" || fail "--outcome-kind typo: $(cat "$W/err")"
[ ! -e "$W/fit.yaml" ] || fail "--outcome-kind typo: a journey was written"

if [ $fails -ne 0 ]; then
  echo "e2e_cli: $fails failure(s)" >&2
  exit 1
fi
echo "e2e_cli: all checks passed"
