#!/usr/bin/env bash
# Non-regular inputs (issue 12 item 7): every input is read once, through a
# bounded reader, whatever it is.
#  - `validate /dev/zero` stops at the 4 MiB limit: exit 2, the size message,
#    quickly and in bounded memory (it grew to gigabytes);
#  - a pipe (`<(cat j.yaml)`, /dev/stdin) reads as the file (it read as empty);
#  - a FIFO fed once works for validate, analyze and run (a second open hung);
#  - a scenario through a pipe (its journey named by an absolute path);
#  - a folder is refused with a message; CSV inputs through a pipe.
#
# Env (set by ctest): CXSIM (the binary), CXSIM_SOURCE_DIR, CXSIM_WORK_DIR.
set -euo pipefail
: "${CXSIM:?}" "${CXSIM_SOURCE_DIR:?}" "${CXSIM_WORK_DIR:?}"
W="$CXSIM_WORK_DIR/inputs"
rm -rf "$W"; mkdir -p "$W"
cd "$CXSIM_SOURCE_DIR"
PY=/usr/bin/python3
DIGEST="$PY $CXSIM_SOURCE_DIR/tests/e2e/h5digest.py"
J=journeys/retail.yaml
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# expect CODE LABEL CMD...: run (120 s at most: a guard that turns a hang into a
# failure, not a time bound: each command takes well under a second), check
# the exit code, keep stdout/stderr in $W/out, $W/err.
expect() {
  local want=$1 label=$2 rc=0
  shift 2
  timeout 120 "$@" >"$W/out" 2>"$W/err" || rc=$?
  [ "$rc" -ne 124 ] || fail "$label: still running after 120 s (hangs?)"
  [ "$rc" -eq "$want" ] || fail "$label: exit $rc, expected $want: $(head -c 600 "$W/err")"
  pass "$label: exit $want"
}

# Feeds FILE into a new FIFO at PATH once, in the background (one writer, one
# reading); the writer is given up after 120 s if nobody reads.
feed_fifo() {
  local file=$1 fifo=$2
  rm -f "$fifo"
  mkfifo "$fifo"
  (timeout 120 sh -c 'cat "$1" > "$2"' sh "$file" "$fifo" || true) &
}

# ------------------------------------------------------------ /dev/zero
if [ -x /usr/bin/time ]; then
  rc=0
  timeout 120 /usr/bin/time -f %M -o "$W/rss" "$CXSIM" validate /dev/zero >"$W/out" 2>"$W/err" || rc=$?
  [ "$rc" -eq 2 ] || fail "validate /dev/zero: exit $rc, expected 2: $(head -c 600 "$W/err")"
  rss=$(tail -1 "$W/rss")
  [ "$rss" -lt 102400 ] || fail "validate /dev/zero: peak RSS $rss KB (limit 100 MB)"
  pass "validate /dev/zero: exit 2, peak RSS $rss KB"
else
  expect 2 "validate /dev/zero" "$CXSIM" validate /dev/zero
  echo "SKIP: peak RSS of validate /dev/zero: /usr/bin/time is not installed"
fi
grep -q "/dev/zero: error: file is larger than 4 MiB, the limit for input files" "$W/err" ||
  fail "validate /dev/zero: no size message: $(cat "$W/err")"
expect 2 "run /dev/zero" "$CXSIM" run /dev/zero -n 10 -q -o "$W/z.h5"
grep -q "larger than 4 MiB" "$W/err" || fail "run /dev/zero: no size message: $(cat "$W/err")"
[ ! -e "$W/z.h5" ] || fail "run /dev/zero wrote a results file"

# ------------------------------------------------------------ pipes
expect 0 "validate <(cat $J)" "$CXSIM" validate <(cat "$J")
grep -q "valid journey" "$W/out" || fail "pipe: not reported valid: $(cat "$W/out")"
expect 0 "validate /dev/stdin < $J" sh -c '"$1" validate /dev/stdin < "$2"' sh "$CXSIM" "$J"
expect 0 "validate /dev/stdin from a pipe" sh -c 'cat "$2" | "$1" validate /dev/stdin' sh "$CXSIM" "$J"
# The same summary as the file itself.
"$CXSIM" validate "$J" | sed "s|^$J:||" >"$W/file.txt"
"$CXSIM" validate <(cat "$J") | sed 's|^/dev/fd/[0-9]*:||' >"$W/pipe.txt"
cmp -s "$W/file.txt" "$W/pipe.txt" || fail "pipe and file validate differently: $(cat "$W/file.txt" "$W/pipe.txt")"
# Diagnostics through a pipe keep their lines.
printf 'journey: x\ntime_unit: minutes\nstart: {a: 1}\ntouchpoints:\n  a: {channel: web, next: {nowhere: 1}}\noutcomes:\n  done: {kind: converted}\n' >"$W/bad.yaml"
expect 2 "validate <(cat bad.yaml)" "$CXSIM" validate <(cat "$W/bad.yaml")
grep -q '^/dev/fd/[0-9]*:5:' "$W/err" || fail "pipe: diagnostic without its line: $(cat "$W/err")"
# An empty pipe is an empty file.
expect 2 "validate an empty pipe" "$CXSIM" validate <(true)
grep -q "file is empty" "$W/err" || fail "empty pipe: $(cat "$W/err")"

# A scenario through a pipe; its journey by absolute path (a relative one is
# relative to the scenario's folder, which a pipe does not have).
sed "s|^journey: .*|journey: $CXSIM_SOURCE_DIR/journeys/retail.yaml|" scenarios/retail_whatif.yaml >"$W/abs_whatif.yaml"
expect 0 "validate a scenario through a pipe" "$CXSIM" validate <(cat "$W/abs_whatif.yaml")
grep -q "valid scenario" "$W/out" || fail "scenario pipe: $(cat "$W/out")"

# ------------------------------------------------------------ FIFOs
feed_fifo "$J" "$W/j.fifo"
expect 0 "validate a FIFO fed once" "$CXSIM" validate "$W/j.fifo"
wait
feed_fifo "$J" "$W/j.fifo"
expect 0 "analyze a FIFO fed once" "$CXSIM" analyze "$W/j.fifo"
wait
feed_fifo "$J" "$W/j.fifo"
expect 0 "run a FIFO fed once" "$CXSIM" run "$W/j.fifo" -n 2000 -p 2 -q -o "$W/fifo.h5"
wait
"$CXSIM" run "$J" -n 2000 -p 2 -q -o "$W/file.h5"
$DIGEST "$W/file.h5" "$W/fifo.h5" >/dev/null || fail "run on a FIFO differs from run on the file"
pass "run on a FIFO: the same results as on the file"
feed_fifo "$W/abs_whatif.yaml" "$W/s.fifo"
expect 0 "run a scenario FIFO fed once" "$CXSIM" run "$W/s.fifo" -n 2000 -p 2 -q -o "$W/sfifo.h5"
wait
"$CXSIM" run "$W/abs_whatif.yaml" -n 2000 -p 2 -q -o "$W/sfile.h5"
$DIGEST "$W/sfile.h5" "$W/sfifo.h5" >/dev/null || fail "scenario run on a FIFO differs from run on the file"
pass "scenario run on a FIFO: the same results as on the file"

# ------------------------------------------------------------ folders, CSV
expect 2 "validate a folder" "$CXSIM" validate journeys
grep -q "journeys: error: is a directory, expected a YAML file" "$W/err" || fail "folder: $(cat "$W/err")"
EV=tests/data/calibrate/shop_events.csv
expect 2 "calibrate --events a folder" "$CXSIM" calibrate --events tests -q -o "$W/c.yaml"
grep -qi "directory" "$W/err" || fail "calibrate folder: $(cat "$W/err")"
expect 0 "calibrate --events from a pipe" "$CXSIM" calibrate --events <(cat "$EV") -q -o "$W/cpipe.yaml"
"$CXSIM" calibrate --events "$EV" -q -o "$W/cfile.yaml"
# (The journey is named after the file: "63" for /dev/fd/63.)
diff <(grep -v '^#\|^journey:' "$W/cfile.yaml") <(grep -v '^#\|^journey:' "$W/cpipe.yaml") >/dev/null ||
  fail "calibrate from a pipe differs from the file: $(diff "$W/cfile.yaml" "$W/cpipe.yaml" | head)"
pass "calibrate from a pipe: the same model as from the file"
echo "e2e_inputs: all passed"
