#!/usr/bin/env bash
# End-to-end: segments and the period convention across the files cxsim
# writes and reads (MODEL.md section 16, issue 13 item 3).
#  1. `run --events-out --customers-out`: every row of events.csv and
#     surveys.csv carries the customer's segment id, the same segment as the
#     customer's row of the per-customer table.
#  2. One base for periods: the customer table's `periods`, `churned` and
#     `segment` columns, written unchanged as a --lifetimes file, give sBG
#     alpha/beta per segment within 3 SE of the journey's true values (no
#     conversion); `periods` = `churned_period` + 1 for churned customers.
#  3. Segments in calibrate: the event log's `segment` column gives one
#     fitted segment per id, shares within 3 SE of the truth, and the friction
#     override of the segment whose friction differs within 3 SE of the truth.
# Env (set by ctest): CXSIM, CXSIM_SOURCE_DIR, CXSIM_WORK_DIR.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
e2e_setup segments


# The retail journey with retention independent of the walks (sensitivity 0),
# so each segment's lifetimes follow its sBG exactly. Its two segments differ
# in retention (beta 1.2 vs 3.8) and in one friction (checkout 0.08 for
# `loyal`).
sed 's/^  sensitivity: .*/  sensitivity: 0.0/' "$CXSIM_SOURCE_DIR/journeys/retail.yaml" >"$work/truth.yaml"
grep -q "^  sensitivity: 0.0" "$work/truth.yaml" || fail "could not set the sensitivity to 0 in the test journey"

"$CXSIM" run "$work/truth.yaml" -n 20000 -p 8 -s 11 -q --events-out "$work/ev" --customers-out -o "$work/run.h5" \
  >"$work/run.out" 2>&1 || fail "cxsim run --events-out --customers-out: $(cat "$work/run.out")"

# ---------------------------------------------------------------- 1 and 2
$PY - "$work" <<'PYEOF' || fail "segment columns / lifetimes from the customer table"
import sys, h5py, numpy as np, pandas as pd
w = sys.argv[1]
f = h5py.File(f"{w}/run.h5", "r")
seg_names = [s.decode() for s in f["variants/baseline/segments"]["segment"]]
cust = pd.DataFrame(f["variants/baseline/customers"][()])
cust["segment_id"] = [seg_names[i] for i in cust["segment"]]
ev = pd.read_csv(f"{w}/ev/events.csv")
sv = pd.read_csv(f"{w}/ev/surveys.csv")
assert list(ev.columns)[-1] == "segment", ev.columns
assert list(sv.columns)[-1] == "segment", sv.columns
by_id = cust.set_index("customer")["segment_id"]
for name, t in (("events", ev), ("surveys", sv)):
    assert t["segment"].notna().all(), name
    bad = (t["segment"] != by_id.loc[t["customer_id"]].to_numpy()).sum()
    assert bad == 0, f"{name}.csv: {bad} rows whose segment differs from the customer's"
assert set(ev["segment"]) == set(seg_names), set(ev["segment"])
# One base for periods: periods walked; churned customers churned at the end
# of their last period (churned_period is its 0-based index).
ch = cust["churned"] == 1
assert (cust.loc[ch, "periods"] == cust.loc[ch, "churned_period"] + 1).all()
assert (cust.loc[~ch, "churned_period"] == -1).all() and (cust.loc[~ch, "periods"] == 8).all()
# The journeys per customer in the event log are the periods walked.
jn = ev.groupby("customer_id")["journey_id"].nunique()
assert (jn == cust.set_index("customer")["periods"].loc[jn.index]).all()
# The cohort table agrees: alive after t periods.
co = pd.read_csv(f"{w}/ev/cohorts.csv")
for t, alive in zip(co["period"], co["alive"]):
    assert alive == (cust["periods"] >= t).sum() - ((cust["periods"] == t) & ch).sum(), (t, alive)
life = cust[["customer", "periods", "churned", "segment_id"]].rename(
    columns={"customer": "customer_id", "segment_id": "segment"})
life.to_csv(f"{w}/lifetimes.csv", index=False)
print("segment columns ok")
PYEOF

"$CXSIM" calibrate --lifetimes "$work/lifetimes.csv" -o "$work/life.yaml" --report "$work/life.h5" \
  >"$work/life.out" 2>&1 || fail "calibrate --lifetimes: $(cat "$work/life.out")"
$PY - "$work/life.h5" <<'PYEOF' || fail "sBG from the customer table's lifetimes"
import sys, h5py, pandas as pd
r = pd.DataFrame(h5py.File(sys.argv[1], "r")["calibration/retention"][()])
r["segment"] = r["segment"].str.decode("utf-8")
truth = {"new": (0.7, 1.2), "loyal": (0.7, 3.8)}
assert set(r["segment"]) == set(truth), r["segment"]
for _, x in r.iterrows():
    a, b = truth[x["segment"]]
    za, zb = (x["alpha"] - a) / x["alpha_se"], (x["beta"] - b) / x["beta_se"]
    print(f"{x['segment']}: alpha {x['alpha']:.3f} ({za:+.2f} se), beta {x['beta']:.3f} ({zb:+.2f} se)")
    assert abs(za) < 3 and abs(zb) < 3, x
PYEOF

# ---------------------------------------------------------------- 3
"$CXSIM" calibrate --events "$work/ev/events.csv" --lifetimes "$work/lifetimes.csv" -o "$work/seg.yaml" \
  >"$work/seg.out" 2>&1 || fail "calibrate --events (segment column): $(cat "$work/seg.out")"
$PY - "$work/seg.yaml" "$work/lifetimes.csv" <<'PYEOF' || fail "per-segment fit"
import sys, math, yaml, pandas as pd
m = yaml.safe_load(open(sys.argv[1]))
segs = m["segments"]
assert set(segs) == {"new", "loyal"}, list(segs)
n = len(pd.read_csv(sys.argv[2]))
truth_share = {"new": 0.6, "loyal": 0.4}
for g, x in segs.items():
    se = math.sqrt(truth_share[g] * (1 - truth_share[g]) / n)
    z = (x["share"] - truth_share[g]) / se
    print(f"{g}: share {x['share']:.4f} ({z:+.2f} se)")
    assert abs(z) < 3, (g, x["share"])
    assert "retention" in x, g
text = open(sys.argv[1]).read()
# The checkout friction differs (0.15 vs 0.08 for loyal): an override in both
# segments, each within 3 SE of the truth (SE from the override's own visits,
# read from its comment "f of n visits").
truth_fr = {"new": 0.15, "loyal": 0.08}
lines = text.splitlines()
for g in segs:
    ov = segs[g].get("overrides") or {}
    assert "checkout" in ov, (g, ov)
    fr = ov["checkout"]["friction"]
    line = next(l for l in lines if l.strip().startswith("checkout: {friction:") and f"{fr}" in l)
    visits = float(line.split(" of ")[1].split(" visits")[0].replace(",", ""))
    se = math.sqrt(truth_fr[g] * (1 - truth_fr[g]) / visits)
    z = (fr - truth_fr[g]) / se
    print(f"{g}: checkout friction {fr:.4f} over {visits:.0f} visits ({z:+.2f} se); overrides {sorted(ov)}")
    assert abs(z) < 3, (g, fr)
    # No other friction differs in the truth: at most one false override at 1%.
    assert len(ov) <= 2, (g, sorted(ov))
PYEOF
# The segment survives the external merge: a 1 MiB buffer spills sorted runs
# and the fit is the same.
"$CXSIM" calibrate --events "$work/ev/events.csv" --lifetimes "$work/lifetimes.csv" -o "$work/spill.yaml" \
  --memory-mb 1 >"$work/spill.out" 2>&1 || fail "calibrate --memory-mb 1: $(cat "$work/spill.out")"
grep -q "sorted runs spilled" "$work/spill.out" || fail "--memory-mb 1 did not spill: $(cat "$work/spill.out")"
diff <(grep -v "^#" "$work/seg.yaml") <(grep -v "^#" "$work/spill.yaml") >/dev/null ||
  fail "the segment fit depends on the memory budget"
"$CXSIM" validate "$work/seg.yaml" >"$work/val.out" 2>&1 || fail "the per-segment fit does not validate: $(cat "$work/val.out")"

# A segment present in one file only: a counted warning, the fit goes on.
$PY - "$work/lifetimes.csv" "$work/lifetimes_other.csv" <<'PYEOF'
import sys, pandas as pd
t = pd.read_csv(sys.argv[1])
t.loc[t["segment"] == "loyal", "segment"] = "vip"
t.to_csv(sys.argv[2], index=False)
PYEOF
"$CXSIM" calibrate --events "$work/ev/events.csv" --lifetimes "$work/lifetimes_other.csv" -o "$work/other.yaml" \
  >"$work/other.out" 2>&1 || fail "calibrate with a segment in one file only failed: $(cat "$work/other.out")"
grep -q "segment 'loyal' is in the event log but not in the retention file" "$work/other.out" ||
  fail "no warning for a segment in the events only: $(cat "$work/other.out")"
grep -q "segment 'vip' is in the retention file but not in the event log" "$work/other.out" ||
  fail "no warning for a segment in the lifetimes only"

e2e_finish "ok"
