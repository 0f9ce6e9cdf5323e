#!/usr/bin/env bash
# Builds and runs the whole test suite (unit, theorem, CLI); installs missing packages first.
#   scripts/test.sh [BUILD_DIR] [extra meson setup options...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-test}
shift || true
scripts/deps.sh
if [ -f "$dir/build.ninja" ]; then
  meson setup --reconfigure "$dir" -Dwerror=true "$@" >/dev/null
else
  meson setup "$dir" -Dwerror=true "$@" >/dev/null
fi
ninja -C "$dir"
rc=0
meson test -C "$dir" --print-errorlogs --num-processes 2 || rc=$?
# One closing line: counts of meson tests and of the subtests they ran.
python3 - "$dir/meson-logs/testlog.json" <<'PY' || true
import json, re, sys
tests = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
res = {}
sub_pass = sub_fail = sub_skip = 0
for t in tests:
    res[t["result"]] = res.get(t["result"], 0) + 1
    out = t.get("stdout") or ""
    # TAP lines: "ok [N] - ...", "not ok [N] - ...", with "# SKIP" directives
    skips = len(re.findall(r"^ok\b.*# SKIP", out, re.M))
    sub_pass += len(re.findall(r"^ok\b", out, re.M)) - skips
    sub_skip += skips
    sub_fail += len(re.findall(r"^not ok\b", out, re.M))
print(f"subtests: {sub_pass} passed, {sub_fail} failed, {sub_skip} skipped")
print(f"tests: {res.get('OK', 0)} passed, {res.get('FAIL', 0) + res.get('TIMEOUT', 0) + res.get('ERROR', 0)} failed, {res.get('SKIP', 0)} skipped")
PY
exit $rc
