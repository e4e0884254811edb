#!/usr/bin/env bash
# End-to-end: hostile inputs and output faults (issue 12, items 9, 11, 15, 17).
#  1. calibrate: lifetimes/cohorts claiming more than 65,535 periods are
#     refused at the row (memory never follows a claimed number); 17-18 digit
#     epoch timestamps are refused at the row; names over 1,024 characters
#     give a journey that loads; too many outcome kinds are refused.
#  2. calibrate's -o and --report commit together: a failing -o leaves no
#     report behind.
#  3. validate: more outcome kinds than the results tables hold is refused at
#     the outcomes line; a second YAML document and quoted numbers are errors
#     at their line.
#  4. run --events-out onto a file, or into a folder that cannot be written:
#     exit 2 with a message, and no results file.
# Env (set by ctest): CXSIM, CXSIM_SOURCE_DIR, CXSIM_WORK_DIR.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
e2e_setup hostile
data="$CXSIM_SOURCE_DIR/tests/data/calibrate"


# expect_exit CODE GREP_PATTERN -- command...: the command exits CODE and its
# stderr matches the (extended) pattern.
expect_exit() {
  local want=$1 pattern=$2
  shift 3
  "$@" >"$work/out.txt" 2>"$work/err.txt"
  local rc=$?
  if [ $rc -ne "$want" ]; then
    fail "$* exited $rc, expected $want: $(head -c 600 "$work/err.txt")"
  elif ! grep -Eq -- "$pattern" "$work/err.txt"; then
    fail "$*: stderr does not match '$pattern': $(head -c 600 "$work/err.txt")"
  fi
}

# Memory is capped (2 GB of address space) so that a reader that allocates
# what a file claims fails here instead of swamping the machine.
limited() { (ulimit -v 2000000 && "$@"); }

# ------------------------------------------------- 1. calibrate: what a file claims
printf 'customer_id,periods,churned\n0,2,1\n1,1000000000,0\n2,1,1\n' >"$work/lifetimes_huge.csv"
expect_exit 2 'lifetimes_huge\.csv:3:.*periods 1000000000 is more than 65535' -- \
  limited "$CXSIM" calibrate --events "$data/shop_events.csv" --lifetimes "$work/lifetimes_huge.csv" \
  -o "$work/lt.yaml"
[ -e "$work/lt.yaml" ] && fail "calibrate wrote -o despite refusing the lifetimes"

# Many segments, each claiming the largest periods: the total is bounded.
"$PY" - "$work/lifetimes_segments.csv" <<'PYEOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("customer_id,periods,churned,segment\n")
    for i in range(200):
        f.write(f"{i},65535,0,s{i}\n")
PYEOF
expect_exit 2 'lifetimes_segments\.csv:[0-9]+:.*add up to more than 4194304' -- \
  limited "$CXSIM" calibrate --events "$data/shop_events.csv" --lifetimes "$work/lifetimes_segments.csv" \
  -o "$work/lt.yaml"

"$PY" - "$work/cohorts_long.csv" <<'PYEOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("period,alive\n")
    for t in range(65537):
        f.write(f"{t},{70000 - t}\n")
PYEOF
expect_exit 2 'cohorts_long\.csv:65538:.*period 65536 is more than 65535' -- \
  limited "$CXSIM" calibrate --events "$data/shop_events.csv" --cohorts "$work/cohorts_long.csv" -o "$work/co.yaml"
grep -q internal "$work/err.txt" && fail "cohorts beyond 65535 periods: still an internal error"

# 17-18 digit epoch milliseconds used to wrap (undefined behaviour).
{
  echo "customer_id,journey_id,timestamp,touchpoint,status,channel,outcome"
  echo "0,j0,1700000000000,search,ok,web,"
  echo "0,j0,999999999999999999,checkout,ok,web,purchased"
} >"$work/epoch.csv"
expect_exit 2 'epoch\.csv:3:.*years 0000 to 9999' -- "$CXSIM" calibrate --events "$work/epoch.csv" -o "$work/ep.yaml"

# Names over 1,024 characters: ids are cut, the journey loads.
long=$(printf 'step%.0s' $(seq 1 400))
{
  echo "customer_id,journey_id,timestamp,touchpoint,status,channel,outcome"
  for j in 1 2 3 4 5 6; do
    echo "$j,j$j,2026-01-0${j}T10:00:00Z,$long,ok,web,"
    echo "$j,j$j,2026-01-0${j}T10:05:00Z,checkout,ok,web,done_$long"
  done
} >"$work/long_names.csv"
"$CXSIM" calibrate --events "$work/long_names.csv" -o "$work/long.yaml" -q >"$work/out.txt" 2>&1 ||
  fail "calibrate with 1,600-character names: $(head -c 600 "$work/out.txt")"
[ -s "$work/long.yaml" ] && { "$CXSIM" validate -q "$work/long.yaml" 2>/dev/null || fail "the long-name journey does not validate"; }

# More outcome kinds than the results tables hold: refused, with the way out.
"$PY" - "$work/kinds.csv" <<'PYEOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("customer_id,journey_id,timestamp,touchpoint,status,channel,outcome\n")
    for i in range(300):
        f.write(f"{i},j{i},2026-01-01T10:00:00Z,search,ok,web,outcome_number_{i}\n")
PYEOF
expect_exit 2 '300 distinct outcome kinds.*--outcome-kind' -- \
  "$CXSIM" calibrate --events "$work/kinds.csv" -o "$work/kinds.yaml"
[ -e "$work/kinds.yaml" ] && fail "calibrate wrote a journey with 300 kinds"

# ------------------------------------------------- 2. calibrate's outputs commit together
mkdir -p "$work/a_folder"
expect_exit 2 'a_folder: the output exists and is a folder' -- "$CXSIM" calibrate --events "$data/shop_events.csv" -o "$work/a_folder" \
  --report "$work/rep.h5"
[ -e "$work/rep.h5" ] && fail "calibrate --report was written although -o failed"
ls -a "$work" | grep -q '\.tmp-' && fail "calibrate left a temporary behind: $(ls -a "$work")"
expect_exit 2 '-o and --report name the same file' -- "$CXSIM" calibrate --events "$data/shop_events.csv" -o "$work/same" \
  --report "$work/same"
# run: a results file that is one of the --events-out CSVs is refused before simulating.
mkdir -p "$work/ev"
expect_exit 2 '-o and --events-out name the same file' -- "$CXSIM" run "$CXSIM_SOURCE_DIR/journeys/retail.yaml" -n 100 -q \
  -o "$work/ev/events.csv" --events-out "$work/ev"
[ -e "$work/ev/events.csv" ] && fail "run wrote events.csv although -o and --events-out name it both"

# ------------------------------------------------- 3. validate
"$PY" - "$work/kinds300.yaml" <<'PYEOF'
import sys
n = 300
lines = ["journey: many_kinds", "start: {a: 1.0}", "touchpoints:", "  a:", "    channel: web", "    next:"]
for i in range(n):
    lines.append(f"      o{i}: {'0.003333333333' if i < n - 1 else repr(round(1 - 0.003333333333 * (n - 1), 12))}")
lines.append("outcomes:")
for i in range(n):
    lines.append(f"  o{i}: {{kind: k{i}, good: true}}")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PYEOF
expect_exit 2 'kinds300\.yaml:[0-9]+:[0-9]+: error: outcomes: 300 distinct outcome kinds are too many.*15000' -- \
  "$CXSIM" validate "$work/kinds300.yaml"

journey="$CXSIM_SOURCE_DIR/tests/data/timeout_loop.yaml"
{ cat "$journey"; printf -- '---\njourney: other\n'; } >"$work/two_docs.yaml"
line=$(($(wc -l <"$journey") + 1))
expect_exit 2 "two_docs\\.yaml:$line:1: error: a second YAML document" -- "$CXSIM" validate "$work/two_docs.yaml"
sed 's/friction: 0.5/friction: "0.5"/' "$journey" >"$work/quoted.yaml"
expect_exit 2 'quoted\.yaml:9:[0-9]+: error: queue\.friction: expected a number, got the quoted string' -- \
  "$CXSIM" validate "$work/quoted.yaml"
"$CXSIM" validate -q "$journey" || fail "the unmodified journey does not validate"

# ------------------------------------------------- 4. run --events-out
echo "not a folder" >"$work/a_file"
expect_exit 2 "output folder '.*a_file' is not a folder" -- \
  "$CXSIM" run "$journey" -n 10 -p 1 -q -o "$work/ev1.h5" --events-out "$work/a_file"
[ -e "$work/ev1.h5" ] && fail "run wrote -o although --events-out was refused"
expect_exit 2 'cannot create the output folder .*a_file/sub' -- \
  "$CXSIM" run "$journey" -n 10 -p 1 -q -o "$work/ev2.h5" --events-out "$work/a_file/sub"

# A read-only parent: as root permissions do not apply, so run as nobody.
mkdir -p "$work/ro"
chmod 555 "$work/ro"
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$CXSIM"; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    chmod 1777 "$work"
  else
    echo "SKIP: read-only folder test (root, and cannot run as nobody)"
    as_user=(skip)
  fi
fi
if [ "${as_user[0]:-}" != skip ]; then
  expect_exit 2 'cannot create the output folder .*ro/sub.*: Permission denied' -- \
    "${as_user[@]}" "$CXSIM" run "$journey" -n 10 -p 1 -q -o "$work/ev3.h5" --events-out "$work/ro/sub"
  expect_exit 2 'events-out .*ro: cannot write into the folder' -- \
    "${as_user[@]}" "$CXSIM" run "$journey" -n 10 -p 1 -q -o "$work/ev4.h5" --events-out "$work/ro"
fi
chmod 755 "$work/ro" "$work"
# And the working case still writes all four outputs.
"$CXSIM" run "$journey" -n 10 -p 1 -q -o "$work/ev5.h5" --events-out "$work/ev5" >/dev/null 2>&1 ||
  fail "run --events-out into a new folder failed"
for f in ev5.h5 ev5/events.csv ev5/surveys.csv ev5/cohorts.csv; do [ -s "$work/$f" ] || fail "no $f"; done

e2e_finish
