#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds build/, runs every test.
# Last line: "N passed, N failed" (", N skipped" when any), counting individual
# GoogleTest cases. Exit status is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

# The data and codec tests read the opencv-doc photos.
DECODIFF_WITH_PHOTOS=1 bash scripts/bootstrap.sh || { echo "0 passed, 1 failed"; exit 1; }

echo "test: building (log: build/build.log)"
if ! ninja -C build >build/build.log 2>&1; then
  grep -E "error|Error|FAILED" build/build.log | head -n 40
  echo "test: the build failed; full log in build/build.log"
  echo "0 passed, 1 failed"
  exit 1
fi

rm -f build/meson-logs/testlog.junit.xml
meson test -C build --print-errorlogs --num-processes "${DECODIFF_TEST_JOBS:-2}" "$@"
status=$?

python3 scripts/count_tests.py build/meson-logs/testlog.junit.xml
count_status=$?
if ((status == 0 && count_status != 0)); then status=$count_status; fi
exit $status
