#!/usr/bin/env bash
# End-to-end: `cxsim calibrate`.
#  1. Round trip through the real engine: `cxsim run --events-out` on a known
#     journey (tests/data/calibrate/roundtrip_journey.yaml), calibrate, and
#     check that the 95% intervals cover the true transition probabilities,
#     friction rates, satisfaction deltas and sBG alpha/beta in at least 90%
#     of the parameters.
#  2. Real data: pm4py_receipt.csv (auto-detected XES columns) and
#     ChannelAttribution_Data.csv (--paths) give journeys that validate and run.
#  3. The sample CSVs of docs/calibration.md (shop_*, messy_events.csv).
#  4. Bad inputs: exit 2, "file:line:" diagnostics, no output file; a 1 GiB
#     line is refused without being read; --on-bad-row skip counts reasons.
#  5. The fit report (HDF5) layout, written atomically.
# Env (set by ctest): CXSIM, CXSIM_SOURCE_DIR, CXSIM_SHARED_DIR, CXSIM_WORK_DIR.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
: "${CXSIM_SHARED_DIR:?}"
e2e_setup calibrate
data="$CXSIM_SOURCE_DIR/tests/data/calibrate"


# ---------------------------------------------------------------- 1. round trip
# Three independent simulations (seeds 7, 8, 9), each calibrated back; the
# coverage of the 95% intervals is pooled over the 3 × 38 parameters, so the
# 90% threshold tests the estimator, not the luck of one seed (with one run of
# 38 parameters, a perfect estimator falls below 90% about 1 time in 6).
truth="$data/roundtrip_journey.yaml"
for seed in 7 8 9; do
  "$CXSIM" run "$truth" -n 30000 -p 6 -s $seed -q --events-out "$work/sim_$seed" -o "$work/sim_$seed.h5" \
    >"$work/run.out" 2>&1 || fail "cxsim run --events-out: $(cat "$work/run.out")"
  for f in events surveys cohorts; do [ -s "$work/sim_$seed/$f.csv" ] || fail "no $f.csv from --events-out"; done
  "$CXSIM" calibrate --events "$work/sim_$seed/events.csv" --surveys "$work/sim_$seed/surveys.csv" \
    --cohorts "$work/sim_$seed/cohorts.csv" --outcome-kind purchased=converted -o "$work/rt_$seed.yaml" \
    --report "$work/rt_$seed.h5" --holdout 0.2 --json >"$work/rt_$seed.json" 2>"$work/rt.err"
  rc=$?
  [ $rc -eq 0 ] || fail "calibrate round trip (seed $seed): exit $rc: $(cat "$work/rt.err")"
  "$CXSIM" validate -q "$work/rt_$seed.yaml" || fail "the round-trip YAML (seed $seed) does not validate"
done
cp "$work/rt_7.yaml" "$work/rt.yaml"
cp "$work/rt_7.h5" "$work/rt.h5"
"$PY" - "$work/rt_7.json" "$work/rt_8.json" "$work/rt_9.json" <<'PYEOF' || fail "round-trip coverage below 90% (see above)"
import json, sys
# The truth: tests/data/calibrate/roundtrip_journey.yaml.
start = {"search": 0.6, "social_ad": 0.4}
nxt = {
    "search": {"ok": {"product_page": 0.7, "abandoned": 0.3}, "friction": {"search": 0.3, "abandoned": 0.7}},
    "social_ad": {"ok": {"product_page": 0.6, "abandoned": 0.4}, "friction": {"product_page": 0.6, "abandoned": 0.4}},
    "product_page": {"ok": {"checkout": 0.6, "search": 0.1, "abandoned": 0.3},
                     "friction": {"support_call": 0.5, "abandoned": 0.5}},
    "checkout": {"ok": {"purchased": 1.0}, "friction": {"checkout": 0.3, "support_call": 0.4, "abandoned": 0.3}},
    "support_call": {"ok": {"checkout": 0.5, "resolved": 0.5}, "friction": {"unresolved": 1.0}},
}
friction = {"search": 0.10, "social_ad": 0.05, "product_page": 0.15, "checkout": 0.20, "support_call": 0.25}
sat = {"search": (0.2, -0.8), "social_ad": (0.1, -0.3), "product_page": (0.4, -1.0), "checkout": (0.6, -1.5),
       "support_call": (0.5, -1.2)}
switch = -0.2
alpha, beta = 0.7, 1.2

hits, total, misses = 0, 0, []
def check(ok, what):
    global hits, total
    total += 1
    hits += ok
    if not ok:
        misses.append(what)

for path in sys.argv[1:]:
    T = json.load(open(path))["tables"]
    before = hits
    tr = T["calibration/transitions"]
    for i, src in enumerate(tr["source"]):
        st, tg, lo, hi = tr["status"][i], tr["target"][i], tr["ci_low"][i], tr["ci_high"][i]
        if src == "start":
            p = start[tg]
        else:
            assert st in ("ok", "friction"), f"{src}: expected split next maps, got status {st!r}"
            m = nxt[src][st]
            assert tg in m, f"fitted an arc that does not exist: {src}.{st} -> {tg}"
            if len(m) == 1:
                continue  # degenerate: [1, 1]
            p = m[tg]
        check(lo <= p <= hi, f"{src}.{st}.{tg}: true {p}, CrI [{lo:.4f}, {hi:.4f}]")
    tp = T["calibration/touchpoints"]
    for i, t in enumerate(tp["id"]):
        lo, hi = tp["friction_ci_low"][i], tp["friction_ci_high"][i]
        check(lo <= friction[t] <= hi, f"{t}.friction: true {friction[t]}, CrI [{lo:.4f}, {hi:.4f}]")
    co = T["calibration/survey/nps/coefficients"]
    n_sat = 0
    for i, term in enumerate(co["term"]):
        if term == "cut-point":
            continue
        p = switch if term == "switch" else sat[co["touchpoint"][i]][0 if term == "ok" else 1]
        lo, hi = co["ci_low"][i], co["ci_high"][i]
        n_sat += 1
        check(lo <= p <= hi, f"{co['parameter'][i]}: true {p}, CI [{lo:.4f}, {hi:.4f}]")
    assert n_sat == 11, n_sat
    rt = T["calibration/retention"]
    check(rt["alpha_ci_low"][0] <= alpha <= rt["alpha_ci_high"][0], f"alpha: true {alpha}, CI {rt['alpha_ci_low'][0]:.3f}..{rt['alpha_ci_high'][0]:.3f}")
    check(rt["beta_ci_low"][0] <= beta <= rt["beta_ci_high"][0], f"beta: true {beta}, CI {rt['beta_ci_low'][0]:.3f}..{rt['beta_ci_high'][0]:.3f}")
    print(f"{path}: {hits - before} inside")
print(f"round trip (3 seeds pooled): {hits}/{total} parameters inside their 95% intervals")
for m in misses:
    print("  outside:", m)
# Holdout: the model is the truth, so every measure should pass.
ho = json.load(open(sys.argv[1]))["tables"]["fit/holdout"]
for i, m in enumerate(ho["measure"]):
    print(f"  holdout {m}: TV {ho['tv_distance'][i]:.4f} threshold {ho['threshold'][i]:.4f} pass {ho['pass'][i]}")
sys.exit(0 if hits >= 0.9 * total else 1)
PYEOF

# The report: layout and no temporary left behind.
"$PY" - "$work/rt.h5" <<'PYEOF' || fail "report layout"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["filetype"] == "cxsim-calibration", f.attrs["filetype"]
    for p in ["model/journey_yaml", "calibration/transitions", "calibration/touchpoints", "calibration/durations",
              "calibration/outcomes", "calibration/survey/nps/coefficients", "calibration/survey/key_drivers",
              "calibration/retention", "calibration/data_quality", "fit/holdout", "fit/outcome_shares",
              "fit/path_length", "fit/nps_distribution", "calibration/reference_book/frequent",
              "calibration/reference_book/favourable", "calibration/reference_book/unfavourable"]:
        assert p in f, p
    b = f["calibration/reference_book/frequent"][()]
    assert set(b.dtype.names) >= {"segment", "rank", "path", "count", "count_error", "share", "respondents", "nps",
                                  "nps_se", "nps_ci_low", "nps_ci_high"}, b.dtype.names
    assert len(b) == 10 and b["count"][0] >= b["count"][-1], b
    t = f["calibration/transitions"][()]
    assert set(t.dtype.names) >= {"source", "status", "target", "count", "probability", "ci_low", "ci_high"}
    assert len(f["fit/holdout"][()]) == 3
    # Versioned format a reader can check, integers stored as integers.
    assert f.attrs["format_version"] == "2.3", f.attrs["format_version"]
    for a in ["format_version_major", "format_version_minor", "seed", "rows"]:
        assert f.attrs[a].dtype.kind == "i", (a, f.attrs[a].dtype)
    assert f.attrs["format_version_major"] == 2
    ints = {"calibration/data_quality": ["count"], "calibration/durations": ["gaps", "zero_gaps"],
            "calibration/survey/nps/fit": ["respondents", "iterations", "converged", "parameters"],
            "calibration/survey/key_drivers": ["rank"], "calibration/retention": ["horizon", "converged"],
            "fit/holdout": ["pass"]}
    for p, cols in ints.items():
        d = f[p][()]
        for c in cols:
            assert d.dtype[c].kind == "i", (p, c, d.dtype[c])
    assert f["calibration/transitions"][()].dtype["probability"].kind == "f"
    # Data quality of every source.
    dq = f["calibration/data_quality"][()]
    sources = {s.decode() if isinstance(s, bytes) else s for s in dq["source"]}
    assert sources == {"events", "surveys", "cohorts"}, sources
PYEOF
ls "$work" | grep -q 'tmp' && fail "temporary files left in $work: $(ls "$work")"

# The fitted model runs.
"$CXSIM" run "$work/rt.yaml" -n 2000 -q -o "$work/rt_run.h5" >/dev/null 2>&1 || fail "cxsim run on the fitted model"

# ---------------------------------------------------------------- 2. public data
out="$("$CXSIM" calibrate --events "$CXSIM_SHARED_DIR/data/pm4py_receipt.csv" -o "$work/receipt.yaml" --holdout 0.2 2>&1)"
rc=$?
[ $rc -eq 0 ] || fail "pm4py_receipt.csv: exit $rc: $out"
[[ "$out" == *"journey_id=case:concept:name"*"touchpoint=concept:name"* ]] || fail "XES columns not auto-detected: $out"
[[ "$out" == *"1434 journeys"* ]] || fail "pm4py_receipt.csv: expected 1434 journeys: $out"
"$CXSIM" validate -q "$work/receipt.yaml" || fail "receipt YAML does not validate"
grep -q '"T02 Check confirmation of receipt"' "$work/receipt.yaml" || fail "original activity names not kept in comments"
grep -q '^  t02_check_confirmation_of_receipt:' "$work/receipt.yaml" || fail "sanitized touchpoint id missing"
"$CXSIM" run "$work/receipt.yaml" -n 500 -q -o "$work/receipt_run.h5" >/dev/null 2>&1 || fail "run the receipt model"

out="$("$CXSIM" calibrate --events "$CXSIM_SHARED_DIR/data/pm4py_running-example.csv" -o "$work/running.yaml" 2>&1)" ||
  fail "pm4py_running-example.csv: $out"
"$CXSIM" validate -q "$work/running.yaml" || fail "running-example YAML does not validate"

out="$("$CXSIM" calibrate --paths "$CXSIM_SHARED_DIR/data/ChannelAttribution_Data.csv" -o "$work/paths.yaml" \
  --outcome-kind converted=converted,abandoned=abandoned --holdout 0.2 2>&1)"
rc=$?
[ $rc -eq 0 ] || fail "ChannelAttribution_Data.csv: exit $rc: $out"
"$CXSIM" validate -q "$work/paths.yaml" || fail "paths YAML does not validate"
grep -q '^  converted: {kind: "converted", value: ' "$work/paths.yaml" || fail "paths: converted outcome without value"
"$CXSIM" calibrate --paths "$CXSIM_SHARED_DIR/data/ChannelAttribution_Data.csv" -o "$work/paths2.yaml" \
  --report "$work/paths.h5" -q || fail "paths with --report"
"$PY" - "$work/paths.h5" <<'PYEOF' || fail "paths: data_quality"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    dq = f["calibration/data_quality"][()]
    items = {(s.decode(), i.decode()): int(c) for s, i, c in zip(dq["source"], dq["item"], dq["count"])}
    assert items[("paths", "rows")] == 10000, items
    assert items[("paths", "journeys")] == 88387, items
    assert items[("paths", "bad_rows")] == 0, items
PYEOF
"$CXSIM" run "$work/paths.yaml" -n 2000 -q -o "$work/paths_run.h5" >/dev/null 2>&1 || fail "run the paths model"

# ---------------------------------------------------------------- 3. docs samples
out="$("$CXSIM" calibrate --events "$data/shop_events.csv" --surveys "$data/shop_surveys.csv" \
  --cohorts "$data/shop_cohorts.csv" -o "$work/shop.yaml" --report "$work/shop.h5" 2>&1)" || fail "shop sample: $out"
"$CXSIM" validate -q "$work/shop.yaml" || fail "shop YAML does not validate"
out="$("$CXSIM" calibrate --events "$data/shop_events.csv" --lifetimes "$data/shop_lifetimes.csv" -o "$work/shop2.yaml" 2>&1)" ||
  fail "shop lifetimes: $out"
out="$("$CXSIM" calibrate --events "$data/messy_events.csv" -o "$work/messy.yaml" 2>&1)"
rc=$?
[ $rc -eq 0 ] || fail "messy_events.csv: exit $rc: $out"
[[ "$out" == *"separator ';'"* ]] || fail "messy: ';' not detected: $out"
[[ "$out" == *"3 journeys"* ]] || fail "messy: expected 3 journeys: $out"
[[ "$out" == *"1 exact duplicate rows kept as events"* ]] || fail "messy: the duplicate row not reported as kept: $out"
out="$("$CXSIM" calibrate --events "$data/messy_events.csv" --dedupe -o "$work/messy_dedupe.yaml" 2>&1)" || fail "messy --dedupe: $out"
[[ "$out" == *"duplicate rows dropped: 1 (--dedupe)"* ]] || fail "messy: --dedupe did not drop the duplicate row: $out"
grep -q '"T04 Determine confirmation, of receipt"' "$work/messy.yaml" || fail "messy: quoted name with a comma lost"
# case-2 starts at 08:30Z with T02 (the 'Confirmation' row is at 10:00+02:00 = 08:00Z, earlier): 3 starts of 'Confirmation'.
grep -q 'confirmation_of_receipt: 1  # 3 of 3 journeys' "$work/messy.yaml" || fail "messy: offsets/ordering wrong: $(head -20 "$work/messy.yaml")"

# ---------------------------------------------------------------- 4. bad inputs
expect_bad() {  # expect_bad NAME PATTERN ARGS...
  local name="$1" pattern="$2"
  shift 2
  local outf="$work/bad_$name.yaml"
  "$CXSIM" calibrate "$@" -o "$outf" >"$work/bad.out" 2>"$work/bad.err"
  local rc=$?
  [ $rc -eq 2 ] || fail "$name: exit $rc, expected 2 (stderr: $(cat "$work/bad.err"))"
  grep -qF -- "$pattern" "$work/bad.err" || fail "$name: stderr lacks '$pattern': $(cat "$work/bad.err")"
  [ ! -e "$outf" ] || fail "$name: an output file was written"
  ls "$work" | grep -q "bad_$name.yaml.tmp" && fail "$name: temporary left behind"
}
b="$data/bad"
expect_bad missing_columns "events_missing_columns.csv:1: error: missing column 'timestamp'" --events "$b/events_missing_columns.csv"
expect_bad bad_timestamp "events_bad_timestamp.csv:3: error: column 'timestamp': 'yesterday' is not a timestamp" --events "$b/events_bad_timestamp.csv"
expect_bad empty "events_empty.csv: error: empty file" --events "$b/events_empty.csv"
expect_bad header_only "no events" --events "$b/events_header_only.csv"
expect_bad bad_status "events_bad_status.csv:3: error: column 'status': 'broken'" --events "$b/events_bad_status.csv"
expect_bad quote "events_unterminated_quote.csv:2: error: quoted field opened on line 2 is never closed" --events "$b/events_unterminated_quote.csv"
expect_bad fields "events_wrong_field_count.csv:3: error: expected 4 fields" --events "$b/events_wrong_field_count.csv"
expect_bad nps_text "surveys_nps_not_numeric.csv:3: error: column 'nps': 'nine' is not a number" --events "$data/shop_events.csv" --surveys "$b/surveys_nps_not_numeric.csv"
expect_bad nps_11 "surveys_nps_11.csv:3: error: column 'nps': '11' is outside 0..10" --events "$data/shop_events.csv" --surveys "$b/surveys_nps_11.csv"
expect_bad cohorts "cohorts_increasing.csv:4: error:" --events "$data/shop_events.csv" --cohorts "$b/cohorts_increasing.csv"
expect_bad paths "paths_empty_step.csv:3: error: column 'path'" --paths "$b/paths_empty_step.csv"
expect_bad map "--map journey_id=nope: no column 'nope'" --events "$data/shop_events.csv" --map journey_id=nope
expect_bad map_field "unknown field 'jouney_id'" --events "$data/shop_events.csv" --map jouney_id=journey_id
# A 1 GiB line (a sparse file: header, then 1 GiB without a newline) is refused
# after the 1 MiB record limit, quickly and in little memory.
giga="$work/giga.csv"
printf 'journey_id,timestamp,touchpoint\nj1,' >"$giga"
truncate -s 1G "$giga"
start_ns=$(date +%s%N)
expect_bad giga "giga.csv:2: error: record longer than 1048576 bytes" --events "$giga"
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
[ $elapsed_ms -lt 5000 ] || fail "1 GiB line: took ${elapsed_ms} ms (should stop at the limit)"
rm -f "$giga"
# The same through a pipe: the reader stops, the writer gets SIGPIPE.
expect_bad pipe "record longer than 1048576 bytes" --events <(printf 'journey_id,timestamp,touchpoint\nj1,'; head -c 1073741824 /dev/zero | tr '\0' a)

# --on-bad-row skip: counted per reason, the rest fitted.
cat "$data/shop_events.csv" >"$work/mixed.csv"
printf '9,9-0,not a time,search,ok,web,\n9,9-0,2026-01-01T00:00:00Z,search,weird,web,\n9,,2026-01-01T00:00:00Z,search,ok,web,\n' >>"$work/mixed.csv"
out="$("$CXSIM" calibrate --events "$work/mixed.csv" --on-bad-row skip -o "$work/mixed.yaml" 2>&1)"
rc=$?
[ $rc -eq 0 ] || fail "--on-bad-row skip: exit $rc: $out"
[[ "$out" == *"bad rows skipped: 3 (empty journey_id: 1, status not ok/friction: 1, timestamp does not parse: 1)"* ]] ||
  fail "--on-bad-row skip: per-reason counts missing: $out"
expect_bad on_bad_row "--on-bad-row 'maybe'" --events "$data/shop_events.csv" --on-bad-row maybe

# ---------------------------------------------------------------- 4. retention alone, --prior, --prior-model
out="$("$CXSIM" calibrate --cohorts "$data/shop_cohorts.csv" -o "$work/ret.yaml" --report "$work/ret.h5" 2>&1)" ||
  fail "retention alone (--cohorts): $out"
"$CXSIM" validate -q "$work/ret.yaml" || fail "retention-alone YAML does not validate"
grep -q "retention: {alpha:" "$work/ret.yaml" || fail "retention-alone YAML has no retention"
"$CXSIM" run "$work/ret.yaml" -n 200 -q -o "$work/ret_run.h5" >/dev/null 2>&1 || fail "run the retention-alone model"
out="$("$CXSIM" calibrate --lifetimes "$data/shop_lifetimes.csv" -o "$work/ret2.yaml" 2>&1)" ||
  fail "retention alone (--lifetimes): $out"
"$CXSIM" validate -q "$work/ret2.yaml" || fail "retention-alone (lifetimes) YAML does not validate"
expect_bad prior "--prior" --events "$data/shop_events.csv" --prior -1
expect_bad holdout_alone "--holdout needs --events or --paths" --cohorts "$data/shop_cohorts.csv" --holdout 0.2
head -1 "$data/shop_events.csv" >"$work/half_a.csv"
head -1 "$data/shop_events.csv" >"$work/half_b.csv"
awk -F, 'NR > 1 { if ($1 % 2 == 0) print >> "'"$work"'/half_a.csv"; else print >> "'"$work"'/half_b.csv" }' \
  "$data/shop_events.csv"
"$CXSIM" calibrate --events "$data/shop_events.csv" --prior 0 --name j -o "$work/whole.yaml" -q ||
  fail "--prior 0 on the whole log"
"$CXSIM" calibrate --events "$work/half_a.csv" --prior 0 --name j -o "$work/half_a.yaml" -q || fail "first half"
"$CXSIM" calibrate --events "$work/half_b.csv" --prior 0 --name j --prior-model "$work/half_a.yaml" \
  -o "$work/updated.yaml" -q || fail "--prior-model update"
"$CXSIM" validate -q "$work/updated.yaml" || fail "updated YAML does not validate"
# The cumulative counts are those of the whole log.
diff <(sed -n '/^calibration:/,$p' "$work/whole.yaml" | grep -v -e '^  touchpoints' -e '^    - ' | sort) \
  <(sed -n '/^calibration:/,$p' "$work/updated.yaml" | grep -v -e '^  touchpoints' -e '^    - ' | sort) >/dev/null ||
  fail "--prior-model: the updated counts differ from the whole log's"
expect_bad prior_model "no calibration: block" --events "$data/shop_events.csv" --prior-model "$work/ret.yaml"

# ---------------------------------------------------------------- non-contractual retention (--repeat)
# BG/BB on the donations: engagement and retention in the YAML, which
# validates and runs; the report's /calibration/repeat; BG/NBD on CDNOW.
out="$("$CXSIM" calibrate --repeat "$CXSIM_SHARED_DIR/data/fhs2010_donations.csv" -o "$work/don.yaml" \
  --report "$work/don.h5" 2>&1)" || fail "--repeat donations: $out"
grep -q "engagement: {alpha: 1.20" "$work/don.yaml" || fail "--repeat: no engagement in $(cat "$work/don.yaml")"
grep -q "retention: {alpha: 0.65" "$work/don.yaml" || fail "--repeat: no BG/BB retention"
"$CXSIM" validate -q "$work/don.yaml" || fail "--repeat YAML does not validate"
"$CXSIM" run "$work/don.yaml" -n 200 -q -o "$work/don_run.h5" >/dev/null 2>&1 || fail "run the --repeat model"
"$PY" - "$work/don.h5" <<'PYEOF' || fail "--repeat report layout"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    t = f["calibration/repeat"][()]
    assert [p.decode() for p in t["parameter"]] == ["alpha", "beta", "gamma", "delta"], t
    assert t["converged"].dtype.kind == "i" and t["iterations"].dtype.kind == "i"
    assert abs(t["estimate"][0] - 1.204) < 0.002 and all(t["se"] > 0)
PYEOF
out="$("$CXSIM" calibrate --repeat "$CXSIM_SHARED_DIR/data/cdnow_customers_summary.csv" -o "$work/cdnow.yaml" 2>&1)" ||
  fail "--repeat CDNOW: $out"
echo "$out" | grep -q "BG/NBD r = 0.24" || fail "--repeat CDNOW summary: $out"
printf 'frequency,recency,periods\n1,1,6\n3,2,6\n' >"$work/repeat_bad.csv"
expect_bad repeat_bad "repeat_bad.csv:3:3: error: recency:" --repeat "$work/repeat_bad.csv"
expect_bad repeat_cohorts "--cohorts" --repeat "$work/repeat_bad.csv" --cohorts "$data/shop_cohorts.csv"

e2e_finish
