#!/usr/bin/env bash
# Fault tests (issue 12): cxsim never destroys what is not its output, never
# crashes, and leaves no temporary file behind, whatever the target, the
# signals, the thread limit or the free disk space.
#
#  1. outputs onto non-regular targets (FIFO, device node, socket, folder,
#     symbolic link) and onto the command's own inputs are refused (exit 2)
#     and the target is untouched; a missing output folder is created, the
#     same way for every output; a folder path through a file is exit 2
#  4. a killed run (SIGKILL) blocks no later run, also as PID 1 in a PID
#     namespace; stale temporaries are removed, live (locked) ones kept
#  5. SIGINT/SIGTERM/SIGHUP stop a run cleanly: exit 130/143/129, a message,
#     no temporary left, the previous results and event log intact; the same
#     for calibrate (spill runs in --tmp-dir removed, -o and --report intact),
#     and SIGINT inside calibrate's joint fit: exit 130, no output, no temporary
#  6. no thread can be started: a clear error, exit 1, no temporary
#  2. a full disk (a 200 KB tmpfs) while writing results, customer records,
#     a fit report and a report: exit 1, no crash, no temporary, previous
#     file intact
#
# Parts that need root (device nodes, PID namespaces, mount) or a tool say
# SKIP with the reason when they cannot run.
#
# Env (set by ctest): CXSIM (the binary), CXSIM_SOURCE_DIR, CXSIM_WORK_DIR.
set -euo pipefail

: "${CXSIM:?set CXSIM to the cxsim binary}"
: "${CXSIM_SOURCE_DIR:?set CXSIM_SOURCE_DIR to the repository}"
: "${CXSIM_WORK_DIR:?set CXSIM_WORK_DIR to a scratch folder}"
W="$CXSIM_WORK_DIR/faults"
MNT=""
cleanup() {
  if [ -n "$MNT" ] && mountpoint -q "$MNT" 2>/dev/null; then umount "$MNT" || true; fi
}
trap cleanup EXIT
rm -rf "$W"
mkdir -p "$W"

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
skip() { echo "SKIP: $*"; }

J="$CXSIM_SOURCE_DIR/journeys/retail.yaml"
EV="$CXSIM_SOURCE_DIR/tests/data/calibrate/shop_events.csv"
is_root() { [ "$(id -u)" = 0 ]; }

# Temporaries cxsim makes in a folder (hidden ".<name>.tmp-*" and the old
# "<name>.tmp-*" form).
temps_in() { find "$1" -maxdepth 1 -name '*.tmp-*' 2>/dev/null; }
no_temps() {
  local left
  left=$(temps_in "$1")
  [ -z "$left" ] || fail "$2: temporary files left in $1: $left"
}

# expect CODE LABEL CMD...: run, check the exit code, keep stderr in $W/err.
expect() {
  local want=$1 label=$2 rc=0
  shift 2
  "$@" >"$W/out" 2>"$W/err" || rc=$?
  [ "$rc" -eq "$want" ] || fail "$label: exit $rc, expected $want: $(head -c 600 "$W/err")"
  pass "$label: exit $want"
}

"$CXSIM" run "$J" -n 200 -q -o "$W/base.h5"
"$CXSIM" calibrate --events "$EV" -q -o "$W/base.yaml"

# ------------------------------------------------------------ 1. targets
# The four outputs that replace a file: run -o, report -o, calibrate -o,
# calibrate --report. Each onto TARGET must be exit 2 and leave it as it was.
refuse_all() {
  local target=$1 what=$2 before after
  before=$(stat -c '%F %t:%T %i' "$target")
  expect 2 "run -o onto $what" "$CXSIM" run "$J" -n 100 -q -o "$target"
  grep -q "$target" "$W/err" || fail "run -o onto $what: the message does not name the target"
  expect 2 "report -o onto $what" "$CXSIM" report "$W/base.h5" -q -o "$target"
  expect 2 "calibrate -o onto $what" "$CXSIM" calibrate --events "$EV" -q -o "$target"
  expect 2 "calibrate --report onto $what" "$CXSIM" calibrate --events "$EV" -q -o "$W/c.yaml" --report "$target"
  after=$(stat -c '%F %t:%T %i' "$target")
  [ "$before" = "$after" ] || fail "$what was changed: '$before' -> '$after'"
  no_temps "$(dirname "$target")" "outputs onto $what"
  pass "$what untouched by every output"
}

mkfifo "$W/fifo"
refuse_all "$W/fifo" "a FIFO"
grep -q "FIFO" "$W/err" || fail "the FIFO message does not say what the target is: $(cat "$W/err")"

mkdir "$W/adir"
refuse_all "$W/adir" "a folder"

if is_root; then
  mknod "$W/null" c 1 3
  refuse_all "$W/null" "a device node (like /dev/null)"
  grep -q "device" "$W/err" || fail "the device message does not say what the target is: $(cat "$W/err")"
  echo probe >"$W/null" && [ "$(stat -c %F "$W/null")" = "character special file" ] || fail "device node broken"
else
  skip "device-node target: mknod needs root"
fi

if command -v python3 >/dev/null; then
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$W/sock"
  refuse_all "$W/sock" "a socket"
else
  skip "socket target: no python3 to make one"
fi

# A symbolic link (to a regular file, and dangling) is refused, not replaced
# by a file; the file it names is unchanged.
cp "$W/base.h5" "$W/linked.h5"
sum_linked=$(md5sum <"$W/linked.h5")
ln -s linked.h5 "$W/link.h5"
refuse_all "$W/link.h5" "a symbolic link"
grep -q "symbolic link" "$W/err" || fail "the link message does not say what the target is: $(cat "$W/err")"
[ -L "$W/link.h5" ] && [ "$(md5sum <"$W/linked.h5")" = "$sum_linked" ] || fail "the link or its file changed"
ln -s nowhere.h5 "$W/dangling.h5"
expect 2 "run -o onto a dangling link" "$CXSIM" run "$J" -n 100 -q -o "$W/dangling.h5"
[ -L "$W/dangling.h5" ] && [ ! -e "$W/nowhere.h5" ] || fail "the dangling link was replaced or followed"

# Outputs onto the command's own inputs (by file identity, not by name).
cp "$J" "$W/j.yaml"
sum_j=$(md5sum <"$W/j.yaml")
expect 2 "run j.yaml -o j.yaml" "$CXSIM" run "$W/j.yaml" -n 100 -q -o "$W/j.yaml"
grep -q "input" "$W/err" || fail "run -o onto its input: the message does not say so: $(cat "$W/err")"
ln "$W/j.yaml" "$W/j-hardlink.h5"
expect 2 "run j.yaml -o (a hard link to j.yaml)" "$CXSIM" run "$W/j.yaml" -n 100 -q -o "$W/j-hardlink.h5"
expect 2 "run j.yaml -o ./(same file by another name)" "$CXSIM" run "$W/j.yaml" -n 100 -q -o "$W/./j.yaml"
[ "$(md5sum <"$W/j.yaml")" = "$sum_j" ] || fail "run overwrote its own input"
cp "$EV" "$W/e.csv"
sum_e=$(md5sum <"$W/e.csv")
expect 2 "calibrate --events e.csv -o e.csv" "$CXSIM" calibrate --events "$W/e.csv" -q -o "$W/e.csv"
expect 2 "calibrate --events e.csv --report e.csv" \
  "$CXSIM" calibrate --events "$W/e.csv" -q -o "$W/c.yaml" --report "$W/e.csv"
[ "$(md5sum <"$W/e.csv")" = "$sum_e" ] || fail "calibrate overwrote its own input"
expect 2 "report r.h5 -o r.h5" "$CXSIM" report "$W/base.h5" -q -o "$W/base.h5"
no_temps "$W" "outputs onto inputs"

# Missing output folders: created, the same for every output (issue 11).
expect 0 "run -o into a missing folder" "$CXSIM" run "$J" -n 100 -q -o "$W/new1/a/r.h5"
[ -f "$W/new1/a/r.h5" ] || fail "run -o did not create the folder"
expect 0 "report -o into a missing folder" "$CXSIM" report "$W/base.h5" -q -o "$W/new2/a/r.html"
[ -f "$W/new2/a/r.html" ] || fail "report -o did not create the folder"
expect 0 "calibrate -o/--report into missing folders" \
  "$CXSIM" calibrate --events "$EV" -q -o "$W/new3/a/j.yaml" --report "$W/new4/a/fit.h5"
[ -f "$W/new3/a/j.yaml" ] && [ -f "$W/new4/a/fit.h5" ] || fail "calibrate did not create the folders"
# ... and a folder that cannot be made is bad input (exit 2) for all of them.
touch "$W/afile"
expect 2 "run -o through a file" "$CXSIM" run "$J" -n 100 -q -o "$W/afile/r.h5"
grep -q "output folder" "$W/err" || fail "no clear message for an impossible folder: $(cat "$W/err")"
expect 2 "report -o through a file" "$CXSIM" report "$W/base.h5" -q -o "$W/afile/r.html"
expect 2 "calibrate -o through a file" "$CXSIM" calibrate --events "$EV" -q -o "$W/afile/j.yaml"
expect 2 "calibrate --report through a file" \
  "$CXSIM" calibrate --events "$EV" -q -o "$W/c.yaml" --report "$W/afile/fit.h5"

# ------------------------------------------------------------ 4. stale temporaries
# A temporary whose writer died (nobody holds its lock) is removed by the next
# output to the same name; one a live process holds is kept; one of another
# user is kept.
S="$W/stale"
mkdir -p "$S"
"$CXSIM" run "$J" -n 100 -q -o "$S/r.h5"
printf 'junk' >"$S/.r.h5.tmp-0123456789abcdef"
printf 'live' >"$S/.r.h5.tmp-fedcba9876543210"
if command -v flock >/dev/null; then
  # One process holds the lock (no child keeps it, nothing holds our stdout).
  (exec 9<"$S/.r.h5.tmp-fedcba9876543210" && flock 9 && exec sleep 300) >/dev/null 2>&1 &
  holder=$!
  until ! flock -n "$S/.r.h5.tmp-fedcba9876543210" true; do sleep 0.05; done
else
  holder=""
  skip "live temporary kept: no flock(1)"
fi
if is_root; then
  printf 'theirs' >"$S/.r.h5.tmp-00000000000000aa"
  chown 65534 "$S/.r.h5.tmp-00000000000000aa"
fi
expect 0 "run over stale temporaries" "$CXSIM" run "$J" -n 100 -q -o "$S/r.h5"
[ ! -e "$S/.r.h5.tmp-0123456789abcdef" ] || fail "the stale temporary was not removed"
if [ -n "$holder" ]; then
  [ -e "$S/.r.h5.tmp-fedcba9876543210" ] || fail "a live (locked) temporary was removed"
  kill "$holder" 2>/dev/null || true
  wait "$holder" 2>/dev/null || true
  pass "live temporary kept"
fi
if is_root; then
  [ -e "$S/.r.h5.tmp-00000000000000aa" ] || fail "another user's temporary was removed"
  pass "another user's temporary kept"
fi
pass "stale temporary removed"

# start_bg FILE.err CMD...: start CMD in the background with SIGINT and
# SIGQUIT at their defaults (a script's background job ignores them), pid in $bg.
start_bg() {
  local err=$1
  shift
  (trap - INT QUIT; exec "$@" 2>"$err") &
  bg=$!
}
# wait_for_temps DIR...: until every DIR holds a temporary (the run is writing).
wait_for_temps() {
  local d i
  for i in $(seq 1 1200); do
    local all=1
    for d in "$@"; do [ -n "$(temps_in "$d")" ] || all=0; done
    [ $all = 1 ] && return 0
    kill -0 "$bg" 2>/dev/null || fail "the background run ended before writing"
    sleep 0.05
  done
  fail "no temporary appeared in $*"
}
# wait_bg LABEL: the exit code of the background run in $rc (watchdog: a run
# that ignores the signal would hang the test).
wait_bg() {
  local i
  for i in $(seq 1 1200); do
    kill -0 "$bg" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$bg" 2>/dev/null; then
    kill -KILL "$bg"
    fail "$1: the run did not stop"
  fi
  rc=0
  wait "$bg" || rc=$?
}

# A run killed with SIGKILL (no cleanup possible) blocks no later run and its
# temporaries are removed by the next run to the same outputs.
K="$W/killed"
mkdir -p "$K"
start_bg "$K/err" "$CXSIM" run "$J" -n 1000000000 -t 1 -q -o "$K/r.h5" --events-out "$K/ev"
wait_for_temps "$K" "$K/ev"
kill -KILL "$bg"
wait_bg "SIGKILL"
[ -n "$(temps_in "$K")" ] || fail "SIGKILL left no temporary (the test is broken)"
expect 0 "run after a killed run" "$CXSIM" run "$J" -n 100 -q -o "$K/r.h5" --events-out "$K/ev"
no_temps "$K" "run after a killed run"
no_temps "$K/ev" "run after a killed run (event log)"
pass "a killed run's temporaries are removed by the next run"

# As PID 1 (a container), the old pid-based names always clashed with the
# leftovers of a killed run: "File exists".
if is_root && command -v unshare >/dev/null && unshare --pid --fork true 2>/dev/null; then
  P="$W/pid1"
  mkdir -p "$P"
  : >"$P/r.h5.tmp-1-0"
  : >"$P/.j.yaml.tmp-1-0"
  expect 0 "run as PID 1 next to a dead PID 1's temporary" unshare --pid --fork "$CXSIM" run "$J" -n 100 -q -o "$P/r.h5"
  expect 0 "calibrate as PID 1 next to a dead PID 1's temporary" \
    unshare --pid --fork "$CXSIM" calibrate --events "$EV" -q -o "$P/j.yaml"
else
  skip "PID 1 runs: unshare --pid needs root"
fi

# ------------------------------------------------------------ 5. signals
# SIGINT, SIGTERM, SIGHUP: stop at the next chunk boundary, remove every
# temporary, keep the previous outputs, exit 128 + signal with a message.
for sig in INT:130 TERM:143 HUP:129; do
  name=${sig%%:*}
  want=${sig##*:}
  D="$W/sig-$name"
  mkdir -p "$D"
  "$CXSIM" run "$J" -n 100 -q -o "$D/r.h5" --events-out "$D/ev"
  before=$(cd "$D" && md5sum r.h5 ev/*.csv)
  start_bg "$D/err" "$CXSIM" run "$J" -n 1000000000 -t 2 -q -o "$D/r.h5" --events-out "$D/ev"
  wait_for_temps "$D" "$D/ev"
  kill -"$name" "$bg"
  wait_bg "SIG$name"
  [ "$rc" -eq "$want" ] || fail "SIG$name: exit $rc, expected $want: $(cat "$D/err")"
  grep -q "stopped by SIG$name" "$D/err" || fail "SIG$name: no message on stderr: $(cat "$D/err")"
  no_temps "$D" "SIG$name"
  no_temps "$D/ev" "SIG$name (event log)"
  [ "$(cd "$D" && md5sum r.h5 ev/*.csv)" = "$before" ] || fail "SIG$name: the previous outputs changed"
  pass "SIG$name: exit $want, no temporary, previous outputs intact"
done

# A signal ignored at start (nohup) stays ignored: the run finishes.
if command -v nohup >/dev/null; then
  D="$W/sig-nohup"
  mkdir -p "$D"
  (trap - INT QUIT; exec nohup "$CXSIM" run "$J" -n 300000 -t 1 -q -o "$D/r.h5" >/dev/null 2>"$D/err") &
  bg=$!
  wait_for_temps "$D"
  kill -HUP "$bg"
  wait_bg "nohup"
  [ "$rc" -eq 0 ] && [ -f "$D/r.h5" ] || fail "nohup run: exit $rc: $(cat "$D/err")"
  pass "an ignored SIGHUP stays ignored"
fi

# calibrate: a signal while it reads a large event log and spills sorted runs
# to --tmp-dir stops it the same way: exit 130/143/129, a message, the spill
# folder and the output temporaries removed, the previous -o and --report
# files intact.
C="$W/sig-calibrate"
mkdir -p "$C/tmp"
awk 'BEGIN {
  print "journey_id,timestamp,touchpoint,outcome"
  for (j = 0; j < 500000; j++) {
    t = 1700000000 + j
    printf "j%d,%d,search,\nj%d,%d,product_page,\nj%d,%d,checkout,purchased\n", j, t, j, t + 60, j, t + 120
  }
}' >"$C/big.csv"
"$CXSIM" calibrate --events "$EV" -q -o "$C/fit.yaml" --report "$C/fit.h5"
before=$(cd "$C" && md5sum fit.yaml fit.h5)
for sig in INT:130 TERM:143 HUP:129; do
  name=${sig%%:*}
  want=${sig##*:}
  start_bg "$C/err" "$CXSIM" calibrate --events "$C/big.csv" --memory-mb 1 --tmp-dir "$C/tmp" -q \
    -o "$C/fit.yaml" --report "$C/fit.h5"
  for i in $(seq 1 1200); do
    [ -n "$(find "$C/tmp" -mindepth 1 -maxdepth 1 -name 'cxsim-calibrate-*' 2>/dev/null)" ] && break
    kill -0 "$bg" 2>/dev/null || fail "calibrate SIG$name: ended before spilling: $(cat "$C/err")"
    sleep 0.05
  done
  [ -n "$(find "$C/tmp" -mindepth 1 -maxdepth 1 -name 'cxsim-calibrate-*')" ] || fail "calibrate spilled nothing"
  kill -"$name" "$bg"
  wait_bg "calibrate SIG$name"
  [ "$rc" -eq "$want" ] || fail "calibrate SIG$name: exit $rc, expected $want: $(cat "$C/err")"
  grep -q "stopped by SIG$name" "$C/err" || fail "calibrate SIG$name: no message on stderr: $(cat "$C/err")"
  no_temps "$C" "calibrate SIG$name"
  [ -z "$(ls -A "$C/tmp")" ] || fail "calibrate SIG$name: spill files left in --tmp-dir: $(ls -A "$C/tmp")"
  [ "$(cd "$C" && md5sum fit.yaml fit.h5)" = "$before" ] || fail "calibrate SIG$name: the previous outputs changed"
  pass "calibrate SIG$name: exit $want, no temporary or spill run, previous outputs intact"
done

# calibrate: SIGINT inside the joint fit (--progress says when it starts)
# stops between two of its iterations: exit 130, the message, no -o or
# --report file and no temporary.
JF="$W/sig-joint"
mkdir -p "$JF"
"$CXSIM" run "$CXSIM_SOURCE_DIR/tests/data/calibrate/joint_journey.yaml" -n 3000 -p 8 -s 3 -q \
  --events-out "$JF/log" -o "$JF/run.h5" || fail "run of the joint journey"
start_bg "$JF/err" "$CXSIM" calibrate --events "$JF/log/events.csv" --surveys "$JF/log/surveys.csv" \
  --cohorts "$JF/log/cohorts.csv" --satisfaction0-sd 0.5 --progress -q -o "$JF/fit.yaml" --report "$JF/fit.h5"
for i in $(seq 1 2400); do
  grep -q "^calibrate: fit_joint \.\.\.$" "$JF/err" 2>/dev/null && break
  kill -0 "$bg" 2>/dev/null || fail "calibrate ended before the joint fit: $(cat "$JF/err")"
  sleep 0.05
done
grep -q "^calibrate: fit_joint \.\.\.$" "$JF/err" || fail "--progress never said fit_joint: $(cat "$JF/err")"
kill -INT "$bg"
wait_bg "calibrate SIGINT in the joint fit"
[ "$rc" -eq 130 ] || fail "calibrate SIGINT in the joint fit: exit $rc, expected 130: $(cat "$JF/err")"
grep -q "stopped by SIGINT" "$JF/err" || fail "calibrate SIGINT in the joint fit: no message: $(cat "$JF/err")"
! grep -q "fit_joint done" "$JF/err" || fail "the joint fit ended before the signal (the test is broken)"
[ ! -e "$JF/fit.yaml" ] && [ ! -e "$JF/fit.h5" ] || fail "calibrate SIGINT in the joint fit: an output was written"
no_temps "$JF" "calibrate SIGINT in the joint fit"
pass "calibrate SIGINT inside the joint fit: exit 130, no output, no temporary"

# ------------------------------------------------------------ 6. no threads
# The process may not start a thread (RLIMIT_NPROC): a clear error, exit 1,
# no temporary. Root is exempt from the limit, so drop to nobody.
T="$W/threads"
mkdir -p "$T"
chmod 777 "$T"
limited=()
if is_root; then
  if command -v setpriv >/dev/null && command -v prlimit >/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups "$CXSIM" --version >/dev/null 2>&1 &&
    setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$J"; then
    limited=(setpriv --reuid=65534 --regid=65534 --clear-groups prlimit --nproc=2 "$CXSIM")
  else
    skip "no threads: needs setpriv and prlimit, and nobody (65534) able to run $CXSIM and read $J"
  fi
else
  limited=(bash -c 'ulimit -u 1 && exec "$0" "$@"' "$CXSIM")
fi
if [ ${#limited[@]} -gt 0 ]; then
  expect 1 "run -t 4 when no thread can start" "${limited[@]}" run "$J" -n 100000 -t 4 -q -o "$T/r.h5"
  grep -q "cannot start worker thread" "$W/err" || fail "no clear message: $(cat "$W/err")"
  ! grep -q "terminate called" "$W/err" || fail "std::terminate: $(cat "$W/err")"
  no_temps "$T" "no threads"
fi

# ------------------------------------------------------------ 2. full disk
# A 300 KB tmpfs (the four previous files need ~215 KB since the per-segment
# tables of results format 1.5): every HDF5 output (results, customer records, fit report)
# and text output (report, journey YAML) that does not fit is exit 1 with the
# reason, never a crash (it was SIGSEGV, exit 139, in HDF5's shutdown), no
# temporary is left and the previous file is intact.
MNT="$W/mnt"
mkdir -p "$MNT"
if ! is_root || ! mount -t tmpfs -o size=300k tmpfs "$MNT" 2>/dev/null; then
  MNT=""
  skip "full disk: needs root and mount -t tmpfs (a 300 KB file system)"
else
  "$CXSIM" run "$J" -n 100 -q -o "$MNT/r.h5"
  "$CXSIM" calibrate --events "$EV" -q -o "$MNT/j.yaml" --report "$MNT/fit.h5"
  "$CXSIM" report "$MNT/r.h5" -q -o "$MNT/r.html"
  sums=$(cd "$MNT" && md5sum r.h5 j.yaml fit.h5 r.html)
  full_disk() {
    local label=$1
    shift
    expect 1 "$label on a full disk" "$@"
    grep -Eq "No space left on device|disk full" "$W/err" || fail "$label: the reason is not given: $(cat "$W/err")"
    ! grep -q "internal error" "$W/err" || fail "$label: an internal error: $(cat "$W/err")"
    [ "$(wc -l <"$W/err")" -eq 1 ] || fail "$label: the message is not one line: $(cat "$W/err")"
    no_temps "$MNT" "$label on a full disk"
    [ "$(cd "$MNT" && md5sum r.h5 j.yaml fit.h5 r.html)" = "$sums" ] || fail "$label: a previous file changed"
  }
  # Customer records: the streamed table outgrows the disk while simulating.
  full_disk "run --customers-out" "$CXSIM" run "$J" -n 200000 --customers-out -q -o "$MNT/r.h5"
  # Fill the rest (the tmpfs has more free space than any of these needs).
  dd if=/dev/zero of="$MNT/fill" bs=1k count=400 2>/dev/null || true
  full_disk "run (results)" "$CXSIM" run "$J" -n 100 -q -o "$MNT/r.h5"
  full_disk "run (a new results file)" "$CXSIM" run "$J" -n 100 -q -o "$MNT/new.h5"
  full_disk "calibrate --report (fit report)" \
    "$CXSIM" calibrate --events "$EV" -q -o "$W/j-full.yaml" --report "$MNT/fit.h5"
  full_disk "calibrate -o (journey YAML)" "$CXSIM" calibrate --events "$EV" -q -o "$MNT/j.yaml"
  full_disk "report -o" "$CXSIM" report "$W/base.h5" -q -o "$MNT/r.html"
  full_disk "run --events-out" "$CXSIM" run "$J" -n 2000 -q -o "$W/ev-full.h5" --events-out "$MNT/ev"
  umount "$MNT"
  MNT=""
  pass "full disk: exit 1, no crash, no temporary, previous files intact"
fi

echo "e2e_faults: all passed"
