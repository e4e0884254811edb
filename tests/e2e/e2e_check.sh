#!/usr/bin/env bash
# End-to-end: `cxsim check` (docs/calibration.md, "Checking a model against data").
#  1. Data simulated from the model (cxsim run --events-out, 12 seeds)
#     passes `check --require-pass` (exit 0) but for at most 2 seeds (the
#     rule's family-wise error is 5%); the same survival as --cohorts or as
#     per-customer --lifetimes gives the same table.
#  2. A log simulated from the model with one touchpoint's friction doubled
#     (checkout 0.20 -> 0.40) fails (exit 1 with --require-pass, exit 0
#     without) and that touchpoint's friction row is the first of the table.
#     A retention drift (beta 1.2 -> 3.6) fails on a survival row.
#  2b. Durations, channels, CSAT and CES: a log whose checkout takes twice
#     as long fails first on checkout's log-duration row; support_call moved
#     to another channel in the log fails first on a channel row; CSAT answers
#     one point lower fail first on a CSAT row; --no-durations drops the
#     duration rows.
#  3. The check file (-o): filetype, the table columns, sorted by |z|, the
#     verdict attributes; written atomically (no temporary left); `cxsim
#     report` renders it (HTML and Markdown). --json lists every row with its
#     statistic, both estimates, z, the two-sided p-value (and Bonferroni's)
#     and the verdict, consistent with the table.
#  4. Bad input: a touchpoint the model lacks is a counted warning with a
#     did-you-mean (its rows compare with a simulated 0); a missing column,
#     both --cohorts and --lifetimes, surveys that match no journey and a bad
#     model are exit 2 with nothing written.
# Env (set by ctest): CXSIM, CXSIM_SOURCE_DIR, CXSIM_WORK_DIR.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
e2e_setup check
truth="$CXSIM_SOURCE_DIR/tests/data/calibrate/roundtrip_journey.yaml"


# cohorts.csv (period,alive) -> lifetimes (customer_id,periods,churned): the
# same survival, one row per customer.
to_lifetimes() {
  awk -F, 'NR == 1 { print "customer_id,periods,churned"; next }
           { alive[$1] = $2; last = $1 }
           END { id = 0
                 for (t = 1; t <= last; ++t) for (k = 0; k < alive[t - 1] - alive[t]; ++k) print id++ "," t ",1"
                 for (k = 0; k < alive[last]; ++k) print id++ "," last ",0" }' "$1"
}

# ---------------------------------------------------------------- 1. data from the model passes
# The rule's family-wise error rate is alpha = 0.05: data from the model
# fails about 1 time in 20 (seeds 100-159: 3 of 60). So twelve seeds are
# checked and at most 2 may fail (P = 0.02 for a correct check); one failing
# seed would not be a defect, four would be.
seed_fails=0
for seed in $(seq 1 12); do
  d="$work/sim_$seed"
  "$CXSIM" run "$truth" -n 2000 -p 4 -s $seed -q --events-out "$d" -o "$d.h5" >"$work/run.out" 2>&1 ||
    fail "cxsim run --events-out (seed $seed): $(cat "$work/run.out")"
  "$CXSIM" check "$truth" --events "$d/events.csv" --surveys "$d/surveys.csv" --cohorts "$d/cohorts.csv" \
    --require-pass >"$work/pass_$seed.out" 2>&1
  rc=$?
  case $rc in
    0) grep -q " 0 failed" "$work/pass_$seed.out" || fail "seed $seed: exit 0 without '0 failed'" ;;
    1) seed_fails=$((seed_fails + 1)) ;;
    *) fail "check of data simulated from the model (seed $seed): exit $rc: $(tail -3 "$work/pass_$seed.out")" ;;
  esac
done
[ $seed_fails -le 2 ] || fail "$seed_fails of 12 logs simulated from the model fail the check (at most 2 expected)"
# The same survival as per-customer lifetimes gives the same table (Kaplan-Meier
# without censoring before the horizon = the cohort shares, Greenwood = binomial).
d="$work/sim_1"
to_lifetimes "$d/cohorts.csv" >"$d/lifetimes.csv"
"$CXSIM" check "$truth" --events "$d/events.csv" --surveys "$d/surveys.csv" --lifetimes "$d/lifetimes.csv" \
  --all >"$work/pass_l.out" 2>&1 || fail "check with --lifetimes: exit $?"
"$CXSIM" check "$truth" --events "$d/events.csv" --surveys "$d/surveys.csv" --cohorts "$d/cohorts.csv" \
  --all >"$work/pass_c.out" 2>&1 || fail "check with --cohorts: exit $?"
grep -q "^survival  *t=4 " "$work/pass_l.out" || fail "no survival row for t=4 with --lifetimes"
diff <(grep -v "^lifetimes:\|^cohorts:" "$work/pass_l.out") <(grep -v "^lifetimes:\|^cohorts:" "$work/pass_c.out") ||
  fail "--lifetimes and --cohorts of the same survival give different tables"
# Rows: every metric is there (one seed, --all).
"$CXSIM" check "$truth" --events "$d/events.csv" --surveys "$d/surveys.csv" --cohorts "$d/cohorts.csv" --all \
  >"$work/all.out" 2>&1 || fail "check --all: exit $?"
for m in journeys_per_customer start transition friction duration_log_mean duration_log_sd channel outcome \
  response_rate nps nps_score csat csat_score ces ces_score survival; do
  grep -q "^$m " "$work/all.out" || fail "no '$m' row in check --all"
done
grep -q "^transition  *checkout (friction) -> support_call .* pass$" "$work/all.out" ||
  fail "transitions are not compared per ok/friction branch"
# Every row of this journey has data on both sides: none is untested.
grep -qE "^([0-9]+) rows, \1 tested, " "$work/all.out" || fail "untested rows: $(tail -1 "$work/all.out")"

# Timeouts: with an outcome column they are censored on both sides (no exit),
# without one the log cannot tell them from an exit: '(end)' on both sides.
printf 'journey: loop\nmax_steps: 3\nstart: {a: 1}\ntouchpoints:\n  a: {channel: web, friction: 0.2, duration: {exponential: {mean: 2}}, next: {a: 0.6, done: 0.4}}\noutcomes:\n  done: {kind: converted}\n' \
  >"$work/loop.yaml"
"$CXSIM" run "$work/loop.yaml" -n 3000 -s 5 -q --events-out "$work/loop" -o "$work/loop.h5" >/dev/null 2>&1 ||
  fail "run of the loop journey"
grep -q ",timeout,[^,]*$" "$work/loop/events.csv" || fail "the loop journey has no timeouts"
"$CXSIM" check "$work/loop.yaml" --events "$work/loop/events.csv" --require-pass -q || fail "loop journey: exit $?"
grep -q "^outcome  *timeout " <("$CXSIM" check "$work/loop.yaml" --events "$work/loop/events.csv" --all) ||
  fail "no timeout outcome row"
cut -d, -f1-6 "$work/loop/events.csv" >"$work/loop_noout.csv"
"$CXSIM" check "$work/loop.yaml" --events "$work/loop_noout.csv" --require-pass -q ||
  fail "loop journey without an outcome column: exit $?"

# ---------------------------------------------------------------- 2. drift fails, on the drifted touchpoint
awk '/^  checkout:/ { f = 1 } f && /friction: 0.20/ { sub("0.20", "0.40"); f = 0 } { print }' "$truth" >"$work/drift.yaml"
grep -q "friction: 0.40" "$work/drift.yaml" || fail "the drift YAML was not made"
"$CXSIM" run "$work/drift.yaml" -n 2000 -p 4 -s 7 -q --events-out "$work/drift" -o "$work/drift.h5" >/dev/null 2>&1 ||
  fail "run of the drifted journey"
"$CXSIM" check "$truth" --events "$work/drift/events.csv" --surveys "$work/drift/surveys.csv" \
  --cohorts "$work/drift/cohorts.csv" --require-pass >"$work/drift.out" 2>"$work/drift.err"
rc=$?
[ $rc -eq 1 ] || fail "drifted log with --require-pass: exit $rc (expected 1)"
grep -q "rows fail (--require-pass)" "$work/drift.err" || fail "no --require-pass message: $(cat "$work/drift.err")"
first=$(awk '/^metric / { getline; print; exit }' "$work/drift.out")
case "$first" in
  "friction "*" checkout "*FAIL) ;;
  *) fail "the first row of the drifted check is not checkout's friction: '$first'" ;;
esac
"$CXSIM" check "$truth" --events "$work/drift/events.csv" -q
rc=$?
[ $rc -eq 0 ] || fail "drifted log without --require-pass: exit $rc (expected 0)"
# Retention drift: survival rows fail.
sed 's/retention: {alpha: 0.7, beta: 1.2}/retention: {alpha: 0.7, beta: 3.6}/' "$truth" >"$work/drift_r.yaml"
grep -q "beta: 3.6" "$work/drift_r.yaml" || fail "the retention drift YAML was not made"
"$CXSIM" run "$work/drift_r.yaml" -n 2000 -p 4 -s 7 -q --events-out "$work/drift_r" -o "$work/drift_r.h5" \
  >/dev/null 2>&1 || fail "run of the retention drift"
"$CXSIM" check "$truth" --events "$work/drift_r/events.csv" --cohorts "$work/drift_r/cohorts.csv" --all \
  >"$work/drift_r.out" 2>&1
grep -q "^survival .*FAIL$" "$work/drift_r.out" || fail "retention drift: no survival row fails"

# ---------------------------------------------------------------- 2b. durations, channels, CSAT, CES
# first_row OUT: the first row of a printed table.
first_row() { awk '/^metric / { getline; print; exit }' "$1"; }
sed 's/duration: {gamma: {mean: 4, sd: 2}}/duration: {gamma: {mean: 8, sd: 4}}/' "$truth" >"$work/drift_d.yaml"
grep -q "mean: 8, sd: 4" "$work/drift_d.yaml" || fail "the duration drift YAML was not made"
"$CXSIM" run "$work/drift_d.yaml" -n 2000 -p 4 -s 7 -q --events-out "$work/drift_d" -o "$work/drift_d.h5" \
  >/dev/null 2>&1 || fail "run of the duration drift"
"$CXSIM" check "$truth" --events "$work/drift_d/events.csv" --surveys "$work/drift_d/surveys.csv" \
  --require-pass >"$work/drift_d.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "duration drift with --require-pass: exit $rc (expected 1)"
first=$(first_row "$work/drift_d.out")
case "$first" in
  "duration_log_"*" checkout ("*FAIL) ;;
  *) fail "the first row of the duration drift is not a checkout duration: '$first'" ;;
esac
"$CXSIM" check "$truth" --events "$work/drift_d/events.csv" --no-durations --all >"$work/nodur.out" 2>&1 ||
  [ $? -eq 1 ] || fail "check --no-durations: exit $?"
grep -q "^duration_log" "$work/nodur.out" && fail "--no-durations still prints duration rows"
grep -q "^friction " "$work/nodur.out" || fail "--no-durations dropped other rows"
# support_call answered on chat in the log (phone in the model).
sed 's/,support_call,\(ok\|friction\),phone,/,support_call,\1,chat,/' "$d/events.csv" >"$work/chan.csv"
grep -q ",support_call,ok,chat," "$work/chan.csv" || fail "the channel drift log was not made"
"$CXSIM" check "$truth" --events "$work/chan.csv" >"$work/chan.out" 2>&1
first=$(first_row "$work/chan.out")
case "$first" in
  "channel "*FAIL) ;;
  *) fail "the first row of the channel drift is not a channel row: '$first'" ;;
esac
# CSAT one point lower (5 -> 4) in the answers; CES unchanged.
awk -F, -v OFS=, 'NR > 1 && $4 == 5 { $4 = 4 } { print }' "$d/surveys.csv" >"$work/csat.csv"
"$CXSIM" check "$truth" --events "$d/events.csv" --surveys "$work/csat.csv" >"$work/csat.out" 2>&1
first=$(first_row "$work/csat.out")
case "$first" in
  "csat"*FAIL) ;;
  *) fail "the first row of the CSAT drift is not a CSAT row: '$first'" ;;
esac
grep -q "^ces.*FAIL$" "$work/csat.out" && fail "the CSAT drift fails a CES row"

# ---------------------------------------------------------------- 3. the check file
"$CXSIM" check "$truth" --events "$work/drift/events.csv" --surveys "$work/drift/surveys.csv" \
  --cohorts "$work/drift/cohorts.csv" -o "$work/out/check.h5" -q || fail "check -o: exit $?"
[ -s "$work/out/check.h5" ] || fail "check -o wrote nothing"
ls -a "$work/out" | grep -q "tmp" && fail "a temporary was left next to check.h5"
"$PY" - "$work/out/check.h5" <<'PYEOF' || fail "check file layout (see above)"
import math, sys
import h5py
f = h5py.File(sys.argv[1], "r")
a = f.attrs
def s(x):
    return x.decode() if isinstance(x, bytes) else str(x)
assert s(a["filetype"]) == "cxsim-check", a["filetype"]
assert s(a["format_version"]) == "1.0"
for k in ["format_version_major", "format_version_minor", "seed", "seed_simulation", "customers_sims",
          "customers_observed", "customers_simulated", "journeys_observed", "walks_simulated", "periods",
          "rows_tested", "rows_failed", "pass"]:
    assert a[k].dtype.kind == "i", (k, a[k].dtype)
assert a["customers_observed"] == 2000 and a["customers_simulated"] == 20000, (a["customers_observed"],)
assert a["pass"] == 0 and a["rows_failed"] >= 1
assert abs(a["threshold_z"] - 3.0) < 1.0
rows = f["check/rows"][()]
names = rows.dtype.names
want = ("metric", "key", "observed", "observed_lo", "observed_hi", "observed_se", "observed_n", "simulated",
        "simulated_lo", "simulated_hi", "simulated_se", "simulated_n", "z", "tested", "pass", "result")
assert names == want, names
assert s(rows[0]["metric"]) == "friction" and s(rows[0]["key"]) == "checkout", rows[0]
zs = [abs(r["z"]) for r in rows if r["tested"] == 1]
assert zs == sorted(zs, reverse=True), "not sorted by |z|"
assert sum(1 for r in rows if r["pass"] == 0) == a["rows_failed"]
assert sum(1 for r in rows if r["tested"] == 1) == a["rows_tested"]
for r in rows:
    if r["tested"] == 1:
        se = math.hypot(r["observed_se"], r["simulated_se"])
        assert abs((r["observed"] - r["simulated"]) / se - r["z"]) < 1e-9 * max(1, abs(r["z"]))
        assert r["observed_lo"] <= r["observed"] <= r["observed_hi"]
assert "check/warnings" in f and "check/summary" in f and "model/journey_yaml" in f
PYEOF
"$CXSIM" report "$work/out/check.h5" -q || fail "report of a check file: exit $?"
grep -q "Model check" "$work/out/check.html" || fail "the check page has no title"
grep -q "<strong>FAIL</strong>" "$work/out/check.html" || fail "the check page shows no failing row"
"$CXSIM" report "$work/out/check.h5" --format md -q || fail "report --format md of a check file"
grep -q "^| friction | checkout |" "$work/out/check.md" || fail "the Markdown check table does not start with checkout's friction"

# --json: every row, with its statistic, p-value and verdict, as the table.
"$CXSIM" check "$truth" --events "$work/drift/events.csv" --surveys "$work/drift/surveys.csv" \
  --cohorts "$work/drift/cohorts.csv" --json >"$work/check.json" 2>/dev/null || fail "check --json: exit $?"
"$CXSIM" check "$truth" --events "$work/drift/events.csv" --surveys "$work/drift/surveys.csv" \
  --cohorts "$work/drift/cohorts.csv" --all >"$work/check_all.out" 2>/dev/null || fail "check --all: exit $?"
"$PY" - "$work/check.json" "$work/check_all.out" <<'PYEOF' || fail "check --json (see above)"
import json, math, sys
j = json.load(open(sys.argv[1]))
table = [l for l in open(sys.argv[2]).read().splitlines()[1:] if l and not l[0].isdigit() and " " in l]
rows = j["checks"]
assert j["rows"] == len(rows), (j["rows"], len(rows))
assert j["pass"] is False and j["rows_failed"] >= 1
assert j["rows_tested"] == sum(1 for r in rows if r["result"] != "untested")
assert j["rows_failed"] == sum(1 for r in rows if r["result"] == "fail")
assert rows[0]["metric"] == "friction" and rows[0]["key"] == "checkout", rows[0]
stats = {r["metric"]: r["statistic"] for r in rows}
assert stats["friction"] == "share" and stats["duration_log_mean"] == "log-duration mean", stats
assert stats["duration_log_sd"] == "log-duration sd" and stats["survival"] == "kaplan-meier survival", stats
assert stats["csat"] == "mean" and stats["ces_score"] == "share" and stats["nps"] == "nps", stats
m = j["rows_tested"]
for r in rows:
    for side in ("observed", "simulated"):
        assert set(r[side]) == {"value", "se", "lo", "hi", "n"}, r[side]
    if r["result"] == "untested":
        assert r["p_value"] is None
        continue
    z = r["z"]
    se = math.hypot(r["observed"]["se"], r["simulated"]["se"])
    assert abs((r["observed"]["value"] - r["simulated"]["value"]) / se - z) < 1e-9 * max(1, abs(z)), r
    assert abs(r["p_value"] - math.erfc(abs(z) / math.sqrt(2))) < 1e-12, r
    assert abs(r["p_bonferroni"] - min(1.0, r["p_value"] * m)) < 1e-12, r
    assert (r["result"] == "fail") == (abs(z) > j["threshold_z"]), r
# The same rows, in the same order, as the printed table.
keys = [(r["metric"], r["key"]) for r in rows]
printed = [l.split()[0] for l in table if l.split()[0] in stats]
assert printed == [k[0] for k in keys], (printed[:5], keys[:5])
PYEOF

# ---------------------------------------------------------------- 4. bad input
sed '2,400s/,checkout,/,chekout,/' "$d/events.csv" >"$work/typo.csv"
"$CXSIM" check "$truth" --events "$work/typo.csv" -q 2>"$work/typo.err"
rc=$?
[ $rc -eq 0 ] || fail "unknown touchpoint: exit $rc (a warning, expected 0)"
grep -q "touchpoint 'chekout' ([0-9]* visits) is not in the model (did you mean 'checkout'?)" "$work/typo.err" ||
  fail "unknown touchpoint: no counted warning with a did-you-mean: $(cat "$work/typo.err")"
cut -d, -f1,2,3 "$d/events.csv" >"$work/nocol.csv"
"$CXSIM" check "$truth" --events "$work/nocol.csv" -o "$work/bad.h5" 2>"$work/bad.err"
rc=$?
[ $rc -eq 2 ] || fail "missing touchpoint column: exit $rc (expected 2)"
grep -q "nocol.csv:1: .*missing column 'touchpoint'" "$work/bad.err" || fail "missing column message: $(cat "$work/bad.err")"
[ -e "$work/bad.h5" ] && fail "a check file was written on bad input"
"$CXSIM" check "$truth" --events "$d/events.csv" --cohorts "$d/cohorts.csv" --lifetimes "$d/lifetimes.csv" \
  2>"$work/bad.err"
rc=$?
[ $rc -eq 2 ] || fail "--cohorts with --lifetimes: exit $rc (expected 2)"
printf 'journey_id,nps\nnobody-0,9\nnobody-1,3\n' >"$work/nomatch.csv"
"$CXSIM" check "$truth" --events "$d/events.csv" --surveys "$work/nomatch.csv" -o "$work/bad.h5" 2>"$work/bad.err"
rc=$?
[ $rc -eq 2 ] || fail "surveys matching no journey: exit $rc (expected 2)"
grep -q "no answer matches a journey" "$work/bad.err" || fail "no-match message: $(cat "$work/bad.err")"
[ -e "$work/bad.h5" ] && fail "a check file was written for surveys matching no journey"
printf 'journey: x\nstart: {a: 1}\ntouchpoints:\n  a: {channel: web, friction: 2, next: {done: 1}}\noutcomes:\n  done: {kind: converted}\n' \
  >"$work/badmodel.yaml"
"$CXSIM" check "$work/badmodel.yaml" --events "$d/events.csv" 2>"$work/bad.err"
rc=$?
[ $rc -eq 2 ] || fail "bad model: exit $rc (expected 2)"
grep -q "badmodel.yaml:4:" "$work/bad.err" || fail "bad model: no file:line: $(cat "$work/bad.err")"
"$CXSIM" check "$truth" --events "$d/events.csv" --customers-sims 0 2>/dev/null
[ $? -eq 2 ] || fail "--customers-sims 0 accepted"

# Exact duplicate rows: kept by default as in calibrate (a warning counts
# them), dropped with --dedupe (the summary says so); the two flags exclude
# each other.
{ cat "$d/events.csv"; sed -n 2p "$d/events.csv"; } >"$work/dup_events.csv"
"$CXSIM" check "$truth" --events "$work/dup_events.csv" >"$work/dup.out" 2>&1 || [ $? -eq 1 ] ||
  fail "check with a duplicate row: $(tail -3 "$work/dup.out")"
grep -q "1 exact duplicate rows kept" "$work/dup.out" || fail "duplicate kept: no warning: $(head -5 "$work/dup.out")"
"$CXSIM" check "$truth" --events "$work/dup_events.csv" --dedupe >"$work/dedupe.out" 2>&1 || [ $? -eq 1 ] ||
  fail "check --dedupe: $(tail -3 "$work/dedupe.out")"
grep -q "exact duplicate rows dropped (--dedupe): 1" "$work/dedupe.out" || fail "--dedupe: $(head -5 "$work/dedupe.out")"
"$CXSIM" check "$truth" --events "$d/events.csv" --dedupe --keep-duplicates >/dev/null 2>&1
[ $? -eq 2 ] || fail "--dedupe with --keep-duplicates accepted"
"$CXSIM" check "$truth" --events "$d/events.csv" --lifecycle both >/dev/null 2>&1
[ $? -eq 2 ] || fail "--lifecycle both accepted"

e2e_finish
