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
# Env (set by ctest): CXSIM, CXSIM_SOURCE_DIR, CXSIM_WORK_DIR.
set -uo pipefail

: "${CXSIM:?path to the cxsim binary}"
: "${CXSIM_SOURCE_DIR:?}"
work="${CXSIM_WORK_DIR:-$(mktemp -d)}/segments"
rm -rf "$work"
mkdir -p "$work"
PY=/usr/bin/python3

fails=0
fail() {
  echo "FAIL: $*" >&2
  fails=$((fails + 1))
}

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

if [ "$fails" -ne 0 ]; then
  echo "$fails failure(s)" >&2
  exit 1
fi
echo "e2e segments: ok"
