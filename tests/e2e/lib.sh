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
  work="${CXSIM_WORK_DIR:-$(mktemp -d)}/$1"
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
