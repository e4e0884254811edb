#!/usr/bin/env bash
# End-to-end: numbers outside what the engine can handle are refused up front
# with exit 2 and a message naming the limit (issue 12 items 12 and 13), never
# wrapped, saturated or left to fail half way through a run.
# Env (set by ctest): CXSIM (the binary), CXSIM_SOURCE_DIR, CXSIM_SHARED_DIR,
# CXSIM_WORK_DIR.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
e2e_setup limits
retail="$CXSIM_SOURCE_DIR/journeys/retail.yaml"


# expect_exit CODE NEEDLE CMD...: CMD exits CODE and its stderr contains NEEDLE.
expect_exit() {
  local code="$1" needle="$2"
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  [ "$rc" -eq "$code" ] || fail "$*: exit $rc, expected $code: $(cat "$work/err")"
  grep -qF -- "$needle" "$work/err" || fail "$*: stderr lacks '$needle': $(cat "$work/err")"
}

# 1. customers above 2^40 (the random streams' customer field): refused by
#    validate at the line, not by run after loading.
cat >"$work/many.yaml" <<'YAML'
journey: many
population: {customers: 9e15}
start: {browse: 1.0}
touchpoints:
  browse:
    channel: web
    next: {bought: 0.5, left: 0.5}
outcomes:
  bought: {kind: converted}
  left: {kind: abandoned}
YAML
expect_exit 2 "many.yaml:2:25: error: population.customers: must be between 1 and 1099511627776" \
  "$CXSIM" validate "$work/many.yaml"
expect_exit 2 "many.yaml:2:25: error: population.customers" "$CXSIM" run "$work/many.yaml" -o "$work/many.h5" -q
expect_exit 2 "--customers must be between 1 and 1099511627776" \
  "$CXSIM" run "$retail" -n 1099511627777 -o "$work/r.h5" -q
[ ! -e "$work/r.h5" ] || fail "a refused run wrote its output"

# 2. Unsigned flags: negative, too large and non-decimal values are refused
#    (CLI11 wrapped -1 to 2^64-1 and saturated 2^64 and 1e23).
for v in -1 18446744073709551616 9223372036854775808 1e23 0x10 ""; do
  expect_exit 2 "--seed: expected a whole number from 0 to 9223372036854775807, got '$v'" \
    "$CXSIM" run "$retail" -n 10 --seed "$v" -o "$work/r.h5" -q
done
"$CXSIM" run "$retail" -n 10 --seed 9223372036854775807 -o "$work/r.h5" -q 2>"$work/err" ||
  fail "the largest seed was refused: $(cat "$work/err")"
# (into a file: grep -q on a pipe would stop reading early and, with pipefail,
# fail on inspect's broken pipe)
"$CXSIM" inspect "$work/r.h5" >"$work/inspect.txt"
grep -q "seed 9223372036854775807" "$work/inspect.txt" || fail "the largest seed did not read back"
printf 'journey_id,touchpoint,timestamp\nj1,browse,1\nj1,bought,2\n' >"$work/e.csv"
for v in -5 10 1073741825; do
  expect_exit 2 "--max-line-bytes: expected a whole number from 64 to 1073741824, got '$v'" \
    "$CXSIM" calibrate --events "$work/e.csv" --max-line-bytes "$v" -o "$work/fit.yaml"
done
expect_exit 2 "--seed: expected a whole number from 0 to 9223372036854775807, got '-1'" \
  "$CXSIM" calibrate --events "$work/e.csv" --seed -1 -o "$work/fit.yaml"
[ ! -e "$work/fit.yaml" ] || fail "a refused calibrate wrote its output"

# 3. Durations whose samples overflow: refused by validate at the line (run
#    failed after simulating with an unlocated LogHistogram error).
for d in "{exponential: {mean: 1e308}}" "{gamma: {mean: 1, sd: 4.9e-324}}" "{lognormal: {median: 1, p90: 1e308}}"; do
  sed "s/^    channel: web$/    channel: web\n    duration: $d/" "$work/many.yaml" | sed '/^population/d' >"$work/d.yaml"
  expect_exit 2 "d.yaml:6:" "$CXSIM" validate "$work/d.yaml"
  expect_exit 2 "browse.duration." "$CXSIM" run "$work/d.yaml" -n 100 -o "$work/d.h5" -q
done

# 4. Chained scale changes that overflow: refused at the change's line.
cat >"$work/s.yaml" <<YAML
scenario: chained
journey: $retail
variants:
  big:
    changes:
      - {set: chat.cost, scale: 1e300}
      - {set: chat.cost, scale: 1e300}
YAML
expect_exit 2 "s.yaml:7:9: error: chat.cost: in variant 'big': 3e+300 × 1e+300 gives inf; the result must be a finite number" \
  "$CXSIM" validate "$work/s.yaml"

# 5. Exact analytics in run: --no-analytics skips them (root attribute
#    analytics_skipped, no /analytics) and so does a journey above 5000
#    touchpoints, with a note on stderr; inspect and report cope.
"$CXSIM" run "$retail" -n 50 --no-analytics -o "$work/na.h5" -q 2>"$work/err" || fail "run --no-analytics: $(cat "$work/err")"
h5ls "$work/na.h5" | grep -q '^analytics' && fail "run --no-analytics wrote /analytics"
h5dump -a analytics_skipped "$work/na.h5" | grep -q -- '--no-analytics' || fail "no analytics_skipped attribute"
"$CXSIM" inspect "$work/na.h5" >/dev/null 2>"$work/err" || fail "inspect without /analytics: $(cat "$work/err")"
"$CXSIM" report "$work/na.h5" -o "$work/na.html" -q 2>"$work/err" || fail "report without /analytics: $(cat "$work/err")"
"$CXSIM" report "$work/na.h5" --format md -o "$work/na.md" -q 2>"$work/err" || fail "md report without /analytics: $(cat "$work/err")"
/usr/bin/python3 - "$work/big.yaml" <<'PY'
import sys
n = 5001
lines = ["journey: big", "start: {t0: 1.0}", "touchpoints:"]
for i in range(n):
    nxt = f"t{i + 1}" if i + 1 < n else "done"
    lines += [f"  t{i}:", "    channel: web", f"    next: {{{nxt}: 1.0}}"]
lines += ["outcomes:", "  done: {kind: converted}"]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
"$CXSIM" run "$work/big.yaml" -n 5 -q -o "$work/big.h5" 2>"$work/err" || fail "run big: $(cat "$work/err")"
grep -qF "cxsim: note: exact analytics skipped: the journey has 5001 touchpoints, more than the 5000" "$work/err" ||
  fail "no note for the automatic skip: $(cat "$work/err")"
h5ls "$work/big.h5" | grep -q '^analytics' && fail "a 5001-touchpoint run wrote /analytics"

# 6. analyze has the same work bound (issue 12 item 10/p2): above 5000
#    touchpoints it refuses before solving, at the touchpoints: key (a journey
#    or a scenario on it), unless --force.
expect_exit 2 "big.yaml:3:1: error: touchpoints: the journey has 5001 touchpoints, more than the 5000 up to which analyze" \
  "$CXSIM" analyze "$work/big.yaml"
grep -qF -- "--force" "$work/err" || fail "analyze refusal does not mention --force: $(cat "$work/err")"
expect_exit 2 "big.yaml:3:1: error: touchpoints:" "$CXSIM" analyze "$work/big.yaml" --json -o "$work/big-a.h5"
[ ! -e "$work/big-a.h5" ] || fail "a refused analyze wrote its output"
printf 'scenario: bigs\njourney: big.yaml\nvariants:\n  v: {changes: [{set: t0.cost, value: 1}]}\n' >"$work/bigs.yaml"
expect_exit 2 "big.yaml:3:1: error: touchpoints: the journey has 5001 touchpoints" "$CXSIM" analyze "$work/bigs.yaml"

# 7. The size of a run (issue 12 item 8): at most 10000 variant runs and
#    4096 MiB of estimated accumulators per scenario, refused by validate and
#    run at the entry that crosses the limit (exit 2, nothing written).
/usr/bin/python3 - "$work" "$retail" <<'PY'
import sys
work, retail = sys.argv[1], sys.argv[2]
vals = ", ".join(f"{0.00001 * i:.5f}" for i in range(10000))
open(f"{work}/sweep10k.yaml", "w").write(
    f"scenario: s\njourney: {retail}\npopulation: {{customers: 10}}\nvariants:\n"
    f"  v: {{changes: [{{set: chat.cost, value: 1}}]}}\nsweeps:\n  f:\n    set: checkout.friction\n"
    f"    values: [{vals}]\n")
vals = ", ".join(str(i) for i in range(9999))
open(f"{work}/sweep9999.yaml", "w").write(
    f"scenario: s\njourney: {retail}\npopulation: {{customers: 1}}\nsweeps:\n  f:\n    set: chat.cost\n"
    f"    values: [{vals}]\n")
vals = ", ".join(str(i) for i in range(450))
open(f"{work}/bigsweep.yaml", "w").write(
    f"scenario: s\njourney: big.yaml\npopulation: {{customers: 10}}\nsweeps:\n  f:\n    set: t0.cost\n"
    f"    values: [{vals}]\n")
PY
expect_exit 2 "sweep10k.yaml:7:3: error: sweeps.f: sweep 'f' (10000 values) makes 10002 variant runs so far" \
  "$CXSIM" validate "$work/sweep10k.yaml"
grep -qF "a scenario may make at most 10000 variant runs and 4096 MiB" "$work/err" || fail "no limit in: $(cat "$work/err")"
grep -qE "estimated at [0-9]+ MiB" "$work/err" || fail "no estimate in: $(cat "$work/err")"
expect_exit 2 "sweep10k.yaml:7:3: error: sweeps.f:" "$CXSIM" run "$work/sweep10k.yaml" -o "$work/s.h5" -q
[ ! -e "$work/s.h5" ] || fail "a refused run wrote its output"
# 9999 sweep values + the baseline: exactly at the limit, accepted.
"$CXSIM" validate -q "$work/sweep9999.yaml" 2>"$work/err" || fail "10000 variant runs refused: $(cat "$work/err")"
# The memory estimate: a 5001-touchpoint journey costs about 10 MiB a variant.
expect_exit 2 "bigsweep.yaml:5:3: error: sweeps.f: sweep 'f' (450 values) makes 451 variant runs so far" \
  "$CXSIM" validate "$work/bigsweep.yaml"
# run checks again with its flags: more customers raise the estimate (dense
# quantile groups and a full path sketch per variant).
expect_exit 2 "sweep9999.yaml:5:3: error: sweeps.f: sweep 'f' (9999 values) makes 10000 variant runs so far" \
  "$CXSIM" run "$work/sweep9999.yaml" -n 100000 -o "$work/s.h5" -q
grep -qF "100000 customers" "$work/err" || fail "the estimate does not use -n: $(cat "$work/err")"
[ ! -e "$work/s.h5" ] || fail "a refused run wrote its output"

e2e_finish "ok"
