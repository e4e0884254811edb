#!/usr/bin/env bash
# End-to-end: damaged results files (issue 12, items 3 and 16).
#  1. Bit-flip sweep of a fresh (format 1.2, checksummed) results file: 200
#     seeded offsets, one byte each; `inspect` and `report` must exit 2 on
#     every one (the checksum catches each flip) and never die of a signal.
#  2. The same sweep over a format 1.1 file without checksum
#     (tests/data/results/legacy_format_1_1.h5): exit 0 or 2, never a signal,
#     never 1 (bounded reads).
#  3. Both files unflipped still read (exit 0).
# Before the fix, sweep 2's flips crashed `report` (SIGSEGV in libhdf5's
# H5HG_read) on 5 of 200 offsets, and many flips exited 1.
# Env (set by ctest): CXSIM, CXSIM_SOURCE_DIR, CXSIM_WORK_DIR.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
e2e_setup integrity


fresh="$work/fresh.h5"
"$CXSIM" run "$CXSIM_SOURCE_DIR/journeys/retail.yaml" -n 200 -p 2 -q -o "$fresh" || fail "run failed"
legacy="$CXSIM_SOURCE_DIR/tests/data/results/legacy_format_1_1.h5"

for f in "$fresh" "$legacy"; do
  "$CXSIM" inspect "$f" >/dev/null || fail "inspect $f: exit $?"
  "$CXSIM" report "$f" -o "$work/ok.html" >/dev/null || fail "report $f: exit $?"
done

# sweep FILE SEED ALLOWED: flip one byte at 200 seeded offsets; every exit of
# inspect and report must be one of ALLOWED ("2" or "0 2").
sweep() {
  local src=$1 seed=$2 allowed=$3 i off x rc cmd f
  local n=0
  mkdir -p "$work/flips"
  while read -r i off x; do
    f="$work/flips/$i.h5"
    # inspect and report side by side (halves the wall time).
    "$CXSIM" inspect "$f" >/dev/null 2>"$work/err.inspect" &
    local pid_inspect=$!
    "$CXSIM" report "$f" -o "$work/flip.html" >/dev/null 2>"$work/err.report" &
    local pid_report=$!
    for cmd in inspect report; do
      if [ $cmd = inspect ]; then wait $pid_inspect; else wait $pid_report; fi
      rc=$?
      case " $allowed " in
        *" $rc "*) ;;
        *) fail "$(basename "$src"): byte $off ^ $x: $cmd exit $rc: $(head -c 300 "$work/err.$cmd")" ;;
      esac
      if [ "$rc" = 2 ] && [ "$(wc -l <"$work/err.$cmd")" != 1 ]; then
        fail "$(basename "$src"): byte $off: $cmd: not one line: $(head -c 300 "$work/err.$cmd")"
      fi
      n=$((n + 1))
    done
    rm -f "$f"
  done < <("$PY" -c 'import random, sys
src, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = open(src, "rb").read(); r = random.Random(seed)
for i in range(200):
    off, x = r.randrange(len(data)), r.randrange(1, 256)
    d = bytearray(data); d[off] ^= x
    open(f"{out}/{i}.h5", "wb").write(d)
    print(i, off, x)' "$src" "$seed" "$work/flips")
  [ "$n" = 400 ] || fail "$(basename "$src"): ran $n of 400 commands"
}

sweep "$fresh" 12 "2"
sweep "$legacy" 12 "0 2"

e2e_finish "ok"
