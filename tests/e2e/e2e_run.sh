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
# (into a file: grep -q on a pipe stops reading at the first match, and with
# pipefail inspect's broken pipe would fail the test)
"$CXSIM" inspect "$W/retail.h5" >"$W/retail_inspect.txt"
grep -q "nps_true" "$W/retail_inspect.txt" || fail "inspect shows no nps_true"
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
          scenarios/retail_whatif.yaml scenarios/telecom_selfservice.yaml scenarios/portfolio.yaml; do
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

# The portfolio example: run and inspect print its summary, text and JSON.
"$CXSIM" run scenarios/portfolio.yaml -n 3000 -p 3 --seed 5 --threads 2 -o "$W/pf.h5" --json | $PY -c '
import json, sys
p = json.load(sys.stdin)["portfolio"]
assert p["objective"] == "net_return" and p["search"] == "exhaustive", p
assert len(p["combinations"]) == 31, len(p["combinations"])
assert len(p["interactions"]) == 10, p["interactions"]
best = [c for c in p["combinations"] if c["combination"] == p["best"]]
assert p["best"] == "" or (best and best[0]["within_budget"] and best[0]["p_best"] == p["best_probability"]), p'
"$CXSIM" inspect "$W/pf.h5" >"$W/pf_inspect.txt"
grep -q "best within the budget" "$W/pf_inspect.txt" || fail "inspect: no portfolio summary"
"$CXSIM" inspect "$W/pf.h5" --json | $PY -c 'import json,sys; assert "portfolio" in json.load(sys.stdin)'
"$CXSIM" run scenarios/portfolio.yaml -n 3000 -p 3 --seed 5 -o "$W/pf2.h5" >"$W/pf_run.txt"
grep -q "frontier" "$W/pf_run.txt" || fail "run: no portfolio summary"
# Conflicting candidates: exit 2 at the later change's line, naming both.
cat >"$W/pf_conflict.yaml" <<EOF
scenario: c
journey: $CXSIM_SOURCE_DIR/journeys/retail.yaml
variants:
  a:
    changes:
      - {set: checkout.friction, scale: 0.5}
    investment: {once: 10}
  b:
    changes:
      - {set: checkout.friction, value: 0.01}
    investment: {once: 10}
portfolio: {candidates: [a, b]}
EOF
set +e
"$CXSIM" run "$W/pf_conflict.yaml" -o "$W/bad.h5" -q 2>"$W/err_pf.txt"; rc=$?
set -e
[ $rc -eq 2 ] || fail "conflicting portfolio candidates: exit $rc, expected 2"
grep -q "pf_conflict.yaml:10:9: error: variants.b.changes\[0\].set: portfolio candidates 'a' and 'b' conflict" "$W/err_pf.txt" \
  || { cat "$W/err_pf.txt"; fail "conflict: no diagnostic at the later change's line"; }

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
grep -q "is a text file, not an HDF5 results file" "$W/err3.txt" || fail "inspect: no clear message for a non-HDF5 file"
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
head -1 "$W/events/events.csv" | grep -q "^customer_id,journey_id,timestamp,touchpoint,status,channel,outcome,segment$" || fail "events.csv header"
head -1 "$W/events/surveys.csv" | grep -q "^customer_id,journey_id,nps,csat,ces,segment$" || fail "surveys.csv header"
[ "$(wc -l < "$W/events/cohorts.csv")" -eq 4 ] || fail "cohorts.csv rows"
# Exact analytics of a journey and of a scenario's variants.
"$CXSIM" analyze journeys/retail.yaml --json | $PY -c 'import json,sys; json.load(sys.stdin)'
"$CXSIM" analyze scenarios/retail_whatif.yaml --json 2>/dev/null | $PY -c '
import json, sys
d = json.load(sys.stdin)["variants"]
assert abs(d["fix_checkout"]["share_converted"]["delta"] - 0.0104717) < 1e-6, d["fix_checkout"]
assert d["baseline"]["share_converted"]["delta"] == 0'
# A recovery program triggered by satisfaction: its satisfaction change and
# cost are not exact (n/a, is_exact false), never the baseline's values.
"$CXSIM" analyze scenarios/retail_whatif.yaml --json 2>/dev/null | $PY -c '
import json, sys
v = json.load(sys.stdin)["variants"]["callback_program"]
assert v["cost_per_walk"]["is_exact"] is False and v["cost_per_walk"]["exact"] is None, v
assert v["satisfaction_change_mean"]["is_exact"] is False, v
assert v["effort_mean"]["is_exact"] is True and v["recovery"]["is_exact"] is False, v'
"$CXSIM" analyze scenarios/retail_whatif.yaml 2>/dev/null | grep "^  cost_per_walk" | grep -q "n/a" \
  || fail "analyze: the recovery variant's cost is not marked n/a"

# Timeouts (walks that hit max_steps) are warned by run (also with --quiet and
# --json), inspect and inspect --json, and stored as attributes.
"$CXSIM" run tests/data/timeout_loop.yaml -n 2000 -o "$W/timeout.h5" -q 2>"$W/timeout_err.txt"
grep -q "warning: variant 'baseline': .* walks .* hit the step limit (max_steps = 5)" "$W/timeout_err.txt" \
  || fail "run: no timeout warning on stderr"
"$CXSIM" run tests/data/timeout_loop.yaml -n 2000 -o "$W/timeout2.h5" --json 2>"$W/timeout_err2.txt" | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert d["timeout_walks"]["baseline"] > 0, d
assert any("step limit" in w for w in d["warnings"]), d["warnings"]'
grep -q "hit the step limit" "$W/timeout_err2.txt" || fail "run --json: no timeout warning on stderr"
"$CXSIM" inspect "$W/timeout.h5" 2>"$W/inspect_err.txt" >/dev/null
grep -q "hit the step limit" "$W/inspect_err.txt" || fail "inspect: no timeout warning on stderr"
"$CXSIM" inspect --json "$W/timeout.h5" 2>/dev/null | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert d["timeout_walks"]["baseline"] > 0 and len(d["warnings"]) == 1, d["warnings"]
assert "baseline" in d["variants"]'
$PY - "$W/timeout.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
g = f["variants/baseline"]
assert f.attrs["timeout_walks"] == g.attrs["timeout_walks"] > 0, dict(g.attrs)
assert g.attrs["max_steps"] == 5 and g.attrs["walks"] == 2000
PYEOF
# ... and not for a run without timeouts.
"$CXSIM" run journeys/retail.yaml -n 500 -o "$W/no_timeout.h5" -q 2>"$W/no_timeout_err.txt"
if grep -q "step limit" "$W/no_timeout_err.txt"; then fail "timeout warning without timeouts"; fi
"$CXSIM" inspect --json "$W/no_timeout.h5" | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert d["warnings"] == [] and d["timeout_walks"]["baseline"] == 0, d["warnings"]'

# Precision target: growing the population stage by stage (whole chunks) gives
# the same bits as one run of the final size, which the file reports in its
# `customers` attribute. The one-shot run uses a copy of the scenario without
# the precision key; besides the precision attributes, only the stored copy of
# the scenario YAML may differ.
"$CXSIM" run scenarios/bank_kyc.yaml --variant better_kyc --no-sweeps --threads 2 -o "$W/grown.h5" -q 2>/dev/null
read -r final met < <($PY -c 'import sys, h5py; a = h5py.File(sys.argv[1], "r").attrs; print(int(a["customers"]), int(a["precision_met"]))' "$W/grown.h5")
[ "$met" = "1" ] || fail "bank_kyc: precision target not met"
[ "$final" -gt 20480 ] || fail "bank_kyc: the population did not grow ($final customers), so nothing was checked"
sed -e '/^ *precision:/d' -e "s#^journey: \.\./#journey: $CXSIM_SOURCE_DIR/#" scenarios/bank_kyc.yaml > "$W/bank_kyc_fixed.yaml"
! grep -q precision "$W/bank_kyc_fixed.yaml" || fail "bank_kyc: precision key not removed from the copy"
"$CXSIM" run "$W/bank_kyc_fixed.yaml" -n "$final" --variant better_kyc --no-sweeps --threads 2 -o "$W/oneshot.h5" -q 2>/dev/null
$DIGEST "$W/grown.h5" | grep -v -e '^attr /@precision_' -e '^data model/scenario_yaml ' > "$W/grown.digest"
$DIGEST "$W/oneshot.h5" | grep -v -e '^data model/scenario_yaml ' > "$W/oneshot.digest"
if ! diff "$W/grown.digest" "$W/oneshot.digest" > "$W/grown.diff"; then
  head -20 "$W/grown.diff"
  fail "bank_kyc: growing to $final customers differs from one run of $final customers"
fi

# The analytics file of `cxsim analyze -o` (docs/analytics-format.md), for a
# journey and for a scenario: the same root attributes, `order` per group.
"$CXSIM" analyze journeys/bank_account.yaml -o "$W/an_journey.h5" >/dev/null
"$CXSIM" analyze scenarios/retail_whatif.yaml -o "$W/an_scenario.h5" >/dev/null 2>&1
$PY - "$W/an_journey.h5" "$W/an_scenario.h5" <<'PYEOF' || fail "analytics files do not match docs/analytics-format.md"
import sys, h5py, pandas as pd
for path, scenario in ((sys.argv[1], False), (sys.argv[2], True)):
    f = h5py.File(path, "r")
    a = f.attrs
    for k in ("filetype", "format_version", "format_version_major", "tool_version", "created_utc",
              "command_line", "journey", "title"):
        assert k in a, (path, "root attribute missing", k)
    assert a["filetype"] == "cxsim-analytics" and a["format_version_major"] == 1, path
    assert ("scenario_yaml" in f["model"]) == scenario and "journey_path" in f["model"].attrs, path
    assert ("scenario_path" in f["model"].attrs) == scenario, path
    variants = sorted(f["analytics"], key=lambda v: f["analytics"][v].attrs["order"])
    assert variants[0] == "baseline" and (len(variants) > 1) == scenario, (path, variants)
    if scenario:
        assert variants == ["baseline", "fix_checkout", "faster_delivery", "callback_program",
                            "fewer_phone_escalations"], variants
    for v in variants:
        g = f["analytics"][v]
        for k in ("method", "max_steps", "removal_outcome"):
            assert k in g.attrs, (path, v, k)
        for name in ("summary", "touchpoints", "segments", "outcomes", "channels"):
            assert "description" in g[name].attrs, (path, v, name)
        summary = pd.DataFrame(g["summary"][()])
        summary["metric"] = summary["metric"].str.decode("utf-8")
        tp = pd.DataFrame(g["touchpoints"][()])
        assert ("reach_prob" in tp.columns) != scenario, (path, v, list(tp.columns))
        assert "d_share_converted_df" in tp.columns, (path, v)
        seg = pd.DataFrame(g["segments"][()])
        assert list(summary.columns) == ["metric", "estimate", "exact", "pooled"], (path, v)
        per_walk = [m for m in summary["metric"]
                    if m not in ("walks_per_customer", "retention_final", "clv_mean", "cost_mean")]
        assert list(seg.columns[:4]) == ["segment", "share", "solver", "expected_walks"], (path, v)
        assert list(seg.columns[4:]) == per_walk, (path, v, list(seg.columns), per_walk)
        out = pd.DataFrame(g["outcomes"][()])
        share = summary.set_index("metric").loc["share_converted", "estimate"]
        conv = out[out["kind"].str.decode("utf-8") == "converted"]["prob"].sum()
        assert abs(share - conv) < 1e-12, (path, v, share, conv)
        if len(seg) > 1:
            assert sorted(g["segment_touchpoints"]) == sorted(seg["segment"].str.decode("utf-8")), (path, v)
print("analytics files ok")
PYEOF

# h5digest.py compares bits: in a table with a string column (hashed through
# repr) and in attributes, -0.0 is not +0.0 and NaNs differ by their bits.
$PY - "$W" <<'PYEOF' || fail "h5digest.py does not compare bits"
import struct, subprocess, sys
import h5py, numpy as np
w = sys.argv[1]
def bits(b): return struct.unpack("<d", struct.pack("<Q", b))[0]
def write(name, x):
    with h5py.File(f"{w}/{name}.h5", "w") as f:
        t = np.array([(b"a", x)], dtype=[("s", h5py.string_dtype()), ("x", "<f8")])
        f.create_dataset("t", data=t)
        f.attrs["x"] = x
def same(a, b):
    return subprocess.run([sys.executable, "tests/e2e/h5digest.py", f"{w}/{a}.h5", f"{w}/{b}.h5"],
                          stdout=subprocess.DEVNULL).returncode == 0
for name, x in (("pz", 0.0), ("nz", -0.0), ("nan", float("nan")), ("nan2", float("nan")),
                ("negnan", bits(0xFFF8000000000000)), ("payload", bits(0x7FF8000000000001))):
    write(name, x)
assert not same("pz", "nz"), "+0 vs -0"
assert same("nan", "nan2"), "the same NaN"
assert not same("nan", "negnan") and not same("nan", "payload"), "NaNs with other bits"
PYEOF

# The sampler tables are what scripts/gen_sampler_tables.py computes (needs
# mpmath; skipped with a note where no python3 has it).
if python3 -c 'import mpmath' 2>/dev/null; then
  python3 scripts/gen_sampler_tables.py --check 2>/dev/null || fail "sim/src/rng/sampler_tables.cpp differs from scripts/gen_sampler_tables.py"
else
  echo "note: mpmath not found, sampler tables not regenerated"
fi

echo "e2e_run: all checks passed"
