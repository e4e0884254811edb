#!/usr/bin/env bash
# End-to-end: `cxsim validate` on good, bad and missing files; exit codes,
# diagnostics on stderr, and --json output.
# Env (set by ctest): CXSIM (the binary), CXSIM_SOURCE_DIR, CXSIM_SHARED_DIR,
# CXSIM_WORK_DIR.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
: "${CXSIM_SHARED_DIR:?}"
e2e_setup validate


# 1. Valid journeys: the spec's examples and every journeys/*.yaml.
valid_files=("$CXSIM_SHARED_DIR/spec/examples/retail.yaml" "$CXSIM_SHARED_DIR/spec/examples/telecom_support.yaml")
for f in "$CXSIM_SOURCE_DIR"/journeys/*.yaml; do valid_files+=("$f"); done
for f in "${valid_files[@]}"; do
  out="$("$CXSIM" validate "$f" 2>"$work/err")"
  rc=$?
  [ $rc -eq 0 ] || fail "validate $f: exit $rc, expected 0: $(cat "$work/err")"
  [[ "$out" == *"valid journey"* ]] || fail "validate $f: stdout '$out' does not say 'valid journey'"
  [ ! -s "$work/err" ] || fail "validate $f: unexpected stderr: $(cat "$work/err")"
done
"$CXSIM" validate "${valid_files[@]}" >/dev/null 2>&1 || fail "validate of all valid files together did not exit 0"
"$CXSIM" validate -q "${valid_files[@]}" >"$work/quiet" 2>&1 || fail "validate -q exited non-zero"
[ ! -s "$work/quiet" ] || fail "validate -q printed something for valid files: $(cat "$work/quiet")"

# 2. Every invalid example: exit 2 and exactly its `# expect:` lines on stderr
#    (run from a copy so the file is shown by its bare name).
cp "$CXSIM_SOURCE_DIR"/tests/data/invalid/*.yaml "$work/"
n=0
for f in "$CXSIM_SOURCE_DIR"/tests/data/invalid/*.yaml; do
  name="$(basename "$f")"
  # A scenario file is invalid *as a journey* (the unit tests check that);
  # the CLI recognises it and validates it as a scenario instead.
  if grep -q '^scenario:' "$f"; then continue; fi
  n=$((n + 1))
  (cd "$work" && "$CXSIM" validate -q "$name" >"$work/out" 2>"$work/err")
  rc=$?
  [ $rc -eq 2 ] || fail "$name: exit $rc, expected 2"
  grep '^# expect: ' "$f" | sed 's/^# expect: //' >"$work/expected"
  grep -v ': invalid: ' "$work/err" >"$work/got"
  diff -u "$work/expected" "$work/got" >"$work/diff" || fail "$name: stderr differs from its expectations:
$(cat "$work/diff")"
  grep -q "^$name: invalid: " "$work/err" || fail "$name: no summary line on stderr"
  [ ! -s "$work/out" ] || fail "$name: unexpected stdout: $(cat "$work/out")"
done
[ $n -ge 34 ] || fail "only $n invalid examples found"

# 2b. Every invalid scenario (tests/data/invalid/scenarios/, naming _journey.yaml):
#     exit 2 from validate, exactly its `# expect:` lines, and `run` refuses it
#     the same way before simulating anything.
mkdir -p "$work/scenarios"
cp "$CXSIM_SOURCE_DIR"/tests/data/invalid/scenarios/*.yaml "$work/scenarios/"
ns=0
for f in "$CXSIM_SOURCE_DIR"/tests/data/invalid/scenarios/[!_]*.yaml; do
  name="$(basename "$f")"
  ns=$((ns + 1))
  (cd "$work/scenarios" && "$CXSIM" validate -q "$name" >"$work/out" 2>"$work/err")
  rc=$?
  [ $rc -eq 2 ] || fail "scenarios/$name: exit $rc, expected 2"
  grep '^# expect: ' "$f" | sed 's/^# expect: //' >"$work/expected"
  grep -v ': invalid: ' "$work/err" >"$work/got"
  diff -u "$work/expected" "$work/got" >"$work/diff" || fail "scenarios/$name: stderr differs from its expectations:
$(cat "$work/diff")"
  (cd "$work/scenarios" && "$CXSIM" run -q "$name" -o "$work/scenarios/out.h5" >"$work/out" 2>"$work/err")
  rc=$?
  [ $rc -eq 2 ] || fail "run scenarios/$name: exit $rc, expected 2"
  [ ! -e "$work/scenarios/out.h5" ] || fail "run scenarios/$name wrote a results file"
done
[ $ns -ge 6 ] || fail "only $ns invalid scenario examples found"

# The spec's scenario example validates too (as a scenario).
out="$("$CXSIM" validate "$CXSIM_SHARED_DIR/spec/examples/retail_whatif.yaml" 2>"$work/err")"
rc=$?
[ $rc -eq 0 ] || fail "validate retail_whatif.yaml: exit $rc, expected 0: $(cat "$work/err")"
[[ "$out" == *"valid scenario"* ]] || fail "validate retail_whatif.yaml: stdout '$out' does not say 'valid scenario'"

# 3. One invalid among valid ones: exit 2, the valid ones still reported.
"$CXSIM" validate "${valid_files[0]}" "$work/unknown_key.yaml" >"$work/out" 2>"$work/err"
rc=$?
[ $rc -eq 2 ] || fail "mixed valid+invalid: exit $rc, expected 2"
grep -q "valid journey" "$work/out" || fail "mixed: the valid file is not reported on stdout"
grep -q "unknown key 'frction' (did you mean 'friction'?)" "$work/err" || fail "mixed: diagnostic missing on stderr"

# 4. A missing file: exit 2 with a message.
"$CXSIM" validate "$work/no_such_journey.yaml" >"$work/out" 2>"$work/err"
rc=$?
[ $rc -eq 2 ] || fail "missing file: exit $rc, expected 2"
grep -q "no_such_journey.yaml: error: no such file" "$work/err" || fail "missing file: no message: $(cat "$work/err")"

# 5. --json: parses, and carries the diagnostics.
"$CXSIM" validate --json "${valid_files[0]}" "$work/multi_error.yaml" "$work/no_such_journey.yaml" \
  >"$work/json" 2>"$work/err"
rc=$?
[ $rc -eq 2 ] || fail "--json with invalid files: exit $rc, expected 2"
$PY -c 'import json,sys; json.load(sys.stdin)' <"$work/json" || fail "--json output does not parse: $(head -c 500 "$work/json")"
$PY - "$work/json" "$work/multi_error.yaml" <<'PYEOF' || fail "--json content check failed"
import json, sys
doc = json.load(open(sys.argv[1]))
expected = [l[len("# expect: "):].rstrip("\n") for l in open(sys.argv[2]) if l.startswith("# expect: ")]
assert isinstance(doc, list) and len(doc) == 3, doc
good, multi, missing = doc
assert good["valid"] is True and good["errors"] == 0, good
assert good["touchpoints"] == 8 and good["segments"] == 2, good
assert multi["valid"] is False and multi["errors"] == len(expected), multi
texts = [d["text"].replace(multi["file"], "multi_error.yaml", 1) for d in multi["diagnostics"]]
assert texts == expected, (texts, expected)
for d in multi["diagnostics"]:
    assert d["severity"] == "error" and d["line"] > 0 and d["message"], d
assert any(d["suggestion"] == "browse" for d in multi["diagnostics"]), multi
assert missing["valid"] is False and missing["diagnostics"][0]["message"] == "no such file", missing
PYEOF
"$CXSIM" validate --json "${valid_files[@]}" >"$work/json" 2>/dev/null || fail "--json on valid files: non-zero exit"
$PY -c 'import json,sys; d=json.load(sys.stdin); assert all(f["valid"] for f in d) and len(d) >= 3' <"$work/json" \
  || fail "--json on valid files: not all valid"

# 5b. Uncertain parameters are listed (issue 14): a journey's with their
#     distributions, a scenario's recovery reach/success too, and in --json.
unc="$CXSIM_SOURCE_DIR/tests/data/uncertainty"
out="$("$CXSIM" validate "$unc/uncertain.yaml" 2>/dev/null)" || fail "validate uncertain.yaml: non-zero exit"
[[ "$out" == *"8 uncertain parameters"* && "$out" == *"browse.friction: Beta(25, 75) (mean 0.25)"* ]] \
  || fail "validate uncertain.yaml does not list its 8 uncertain parameters: $out"
out="$("$CXSIM" validate "$unc/recovery.yaml" 2>/dev/null)" || fail "validate recovery.yaml: non-zero exit"
[[ "$out" == *"2 uncertain parameters"* && "$out" == *"variants.rescue.recovery.reach: Beta(30, 20) (mean 0.6)"* ]] \
  || fail "validate recovery.yaml does not list the recovery's reach and success: $out"
out="$("$CXSIM" validate "$unc/point.yaml" 2>/dev/null)" || fail "validate point.yaml: non-zero exit"
[[ "$out" != *"uncertain parameter"* ]] || fail "validate point.yaml lists uncertain parameters: $out"
"$CXSIM" validate --json "$unc/survey.yaml" | $PY -c 'import json,sys; d=json.load(sys.stdin)[0]; u=d["uncertain_parameters"]; assert len(u) == 7 and u[0].startswith("survey.response.rate: Beta(40, 60)"), u' \
  || fail "validate --json survey.yaml: uncertain_parameters wrong"
out="$("$CXSIM" analyze "$unc/one_beta.yaml" 2>/dev/null)" || fail "analyze one_beta.yaml: non-zero exit"
[[ "$out" == *"1 uncertain parameter "* && "$out" == *"at their estimates"* ]] \
  || fail "analyze one_beta.yaml does not say its analytics are at the estimates: $out"

# 6. No file at all is a usage error (exit 2).
"$CXSIM" validate >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] || fail "validate without files: exit $rc, expected 2"

e2e_finish "ok (${#valid_files[@]} valid, $n invalid files)"
