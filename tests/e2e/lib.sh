# Shared by the counting end-to-end scripts (source it, then call e2e_setup).
#   e2e_setup NAME   checks CXSIM and CXSIM_SOURCE_DIR, makes a clean "$work"
#                    (CXSIM_WORK_DIR/NAME, or a new temporary folder)
#   fail MESSAGE     records a failure and goes on (every failure is reported)
#   e2e_finish       exits 1 with the count when anything failed
: "${CXSIM:?path to the cxsim binary}"
: "${CXSIM_SOURCE_DIR:?path to the repository}"
PY=/usr/bin/python3
fails=0
e2e_name=e2e

e2e_setup() {
  e2e_name="e2e_$1"
  local base="${CXSIM_WORK_DIR:-$(mktemp -d)}"
  work="$base/$1"
  mkdir -p "$base"
  # Two runs of the same script on one build tree (two ctest invocations at
  # once) would delete each other's files: the second waits for the first.
  exec {e2e_lock_fd}>"$base/$1.lock"
  if ! flock -w 1800 "$e2e_lock_fd"; then
    echo "FAIL: $work is held by another run of $e2e_name for 30 minutes" >&2
    exit 1
  fi
  rm -rf "$work"
  mkdir -p "$work"
}

fail() {
  echo "FAIL: $*" >&2
  fails=$((fails + 1))
}

e2e_finish() {
  if [ "$fails" -ne 0 ]; then
    echo "$e2e_name: $fails failure(s)" >&2
    exit 1
  fi
  echo "$e2e_name: ${1:-all checks passed}"
}
