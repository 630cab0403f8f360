#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (meson test), then prints one line
# "N passed, M failed[, K skipped]" for CI.
#   scripts/test.sh                 all suites
#   scripts/test.sh --suite unit    only the unit tests (fast)
#   scripts/test.sh --suite interop only the tests against real peers
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1
scripts/build.sh || exit 1
mkdir -p /run/sshd 2>/dev/null || true

meson test -C build --print-errorlogs --num-processes 2 "$@"
status=$?

# meson writes a JSON line per test; count from it rather than scraping the summary.
python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0, "TIMEOUT": 0, "EXPECTEDFAIL": 0, "UNEXPECTEDPASS": 0, "ERROR": 0}
for line in open(sys.argv[1]):
    line = line.strip()
    if line:
        r = json.loads(line).get("result", "ERROR")
        counts[r] = counts.get(r, 0) + 1
passed = counts["OK"] + counts["EXPECTEDFAIL"]
failed = counts["FAIL"] + counts["TIMEOUT"] + counts["UNEXPECTEDPASS"] + counts["ERROR"]
line = f"{passed} passed, {failed} failed"
if counts["SKIP"]:
    line += f", {counts['SKIP']} skipped"
print(line)
PY
exit $status
