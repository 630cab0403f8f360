#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (meson test), then prints one line
# "N passed, M failed[, K skipped]" for CI.
#   scripts/test.sh                 all suites, then the sanitizer subset (below)
#   scripts/test.sh --suite unit    only the unit tests (fast)
#   scripts/test.sh --suite interop only the tests against real peers
# The full run also builds ./build-asan (ASan + UBSan) and runs there the connection,
# continuation and monitor unit tests and the hostile-peer, rekey and continuation-ratchet
# suites; a sanitizer report counts as a failure. SSHC_SKIP_ASAN=1 skips that part.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1
scripts/build.sh || exit 1
mkdir -p /run/sshd 2>/dev/null || true

meson test -C build --print-errorlogs --num-processes 2 "$@"
status=$?
logs=(build/meson-logs/testlog.json)

# Sanitizers abort on the first report, so a crash in any sshd process shows as a
# signal in the monitor's log and as a failed test; the reports themselves go to files.
asan_reports=0
if [ $# -eq 0 ] && [ -z "${SSHC_SKIP_ASAN:-}" ]; then
  if [ ! -f build-asan/build.ninja ]; then
    # plain: no -O2 and no -g, which halves the time of this second build.
    meson setup build-asan --buildtype=plain -Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
      exit 1
  fi
  # Only what the subset runs: the programs and the unit tests of the layers the hostile
  # peers reach (the whole tree would double the time of the build).
  asan_units=(connection continuation)
  targets=(ssh/ssh sshd/sshd regress/unittests/sshd/unit_sshd_monitor)
  for u in "${asan_units[@]}"; do targets+=("regress/unittests/$u/unit_$u"); done
  ninja -C build-asan "${targets[@]}" || exit 1
  report_dir=$(mktemp -d /tmp/sshc-asan.XXXXXX)
  chmod 1777 "$report_dir"  # session processes run as the test user
  ASAN_OPTIONS="abort_on_error=1:detect_leaks=0:log_path=$report_dir/report" \
  UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$report_dir/report" \
    meson test -C build-asan --no-rebuild --print-errorlogs --num-processes 2 \
      "${asan_units[@]/#/unit-}" unit-sshd-monitor sshd-hostile-peer rekey-limit continuation-ratchet
  [ $? -eq 0 ] || status=1
  logs+=(build-asan/meson-logs/testlog.json)
  if compgen -G "$report_dir/report*" >/dev/null; then
    echo "sanitizer reports:" && cat "$report_dir"/report* | head -200
    asan_reports=1
    status=1
  fi
fi

# meson writes a JSON line per test; count from it rather than scraping the summary.
python3 - "$asan_reports" "${logs[@]}" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0, "TIMEOUT": 0, "EXPECTEDFAIL": 0, "UNEXPECTEDPASS": 0, "ERROR": 0}
for path in sys.argv[2:]:
    for line in open(path):
        line = line.strip()
        if line:
            r = json.loads(line).get("result", "ERROR")
            counts[r] = counts.get(r, 0) + 1
passed = counts["OK"] + counts["EXPECTEDFAIL"]
failed = counts["FAIL"] + counts["TIMEOUT"] + counts["UNEXPECTEDPASS"] + counts["ERROR"] + int(sys.argv[1])
line = f"{passed} passed, {failed} failed"
if counts["SKIP"]:
    line += f", {counts['SKIP']} skipped"
print(line)
PY
exit $status
