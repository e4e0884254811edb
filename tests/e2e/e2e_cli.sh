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

D="$W/we\"ird\\dir"
mkdir -p "$D"
# 3. analyze SCENARIO: --solver reaches every variant, --reduce is refused, -o is versioned.
A="$D/an\"alytics.h5"
run 0 "$CXSIM" analyze scenarios/retail_whatif.yaml --solver iterative -o "$A"
$PY - "$A" <<'PYEOF' || fail "analyze SCENARIO -o: attributes or solver"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
a = f.attrs
assert a["filetype"] == "cxsim-analytics", dict(a)
assert a["format_version"] == "1.0" and a["format_version_major"] == 1, dict(a)
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
run 2 "$CXSIM" analyze scenarios/retail_whatif.yaml --reduce 0.3
grep -qF -- "--reduce: " "$W/err" || fail "analyze SCENARIO --reduce: no message: $(cat "$W/err")"
run 0 "$CXSIM" analyze journeys/retail.yaml --reduce 0.3 --json
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["friction_ranking"]["reduction"] == 0.3' "$W/out" \
  || fail "analyze JOURNEY --reduce 0.3"

if [ $fails -ne 0 ]; then
  echo "e2e_cli: $fails failure(s)" >&2
  exit 1
fi
echo "e2e_cli: all checks passed"
