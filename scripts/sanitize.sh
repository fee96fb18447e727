#!/usr/bin/env bash
# The test suite under AddressSanitizer and UndefinedBehaviorSanitizer (docs/robustness.md).
#
#   scripts/sanitize.sh [TEST...]     meson test names (meson test -C build-asan --list); all by default
#
#   SANITIZE_NICE=N   nice level of the build and the tests (default 10)
#   SANITIZE_JOBS=N   tests run side by side (default 1: sanitized LibTorch code is slow and memory-hungry)
#   SANITIZE_BUILD_JOBS=N  compile jobs (default 2)
#
# Builds the whole project with gcc and -Db_sanitize=address,undefined in build-asan/ (against the same
# LibTorch as build/; the CPU build: no GPU code runs on machines without one), then runs the tests there.
# Any sanitizer report fails its test: UBSan stops at the first report (halt_on_error), ASan always does,
# and LeakSanitizer checks every test process at exit. Last line as scripts/test.sh: N passed, N failed.
set -uo pipefail
cd "$(dirname "$0")/.."
NICE=(nice -n "${SANITIZE_NICE:-10}")
BUILD=build-asan
die() { echo "sanitize: error: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

bash scripts/bootstrap.sh || die "bootstrap failed"
TORCH_ROOT="$(meson introspect build --buildoptions |
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="torch_root"))')" ||
  die "cannot read torch_root of build/"

if [[ ! -f "$BUILD/build.ninja" ]]; then
  echo "sanitize: configuring $BUILD (gcc, address+undefined, LibTorch $TORCH_ROOT)"
  # b_lundef=false: the sanitizer runtimes resolve some symbols only when the executable loads them.
  "${NICE[@]}" meson setup "$BUILD" -Dtorch_root="$TORCH_ROOT" -Dcuda=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false >"$BUILD.setup.log" 2>&1 ||
    { cat "$BUILD.setup.log" >&2; die "meson setup failed"; }
  rm -f "$BUILD.setup.log"
fi
# Named tests: build only what they run (their executables and declared dependencies), not everything.
targets=()
if (($#)); then
  mapfile -t targets < <(meson introspect "$BUILD" --tests --targets | python3 -c '
import json, os, sys
build, names = os.path.abspath(sys.argv[1]), set(sys.argv[2:])
doc = json.load(sys.stdin)
files = {t["id"]: f for t in doc["targets"] for f in t["filename"]}
out = set()
for t in doc["tests"]:
    if t["name"] in names:
        out.update(os.path.relpath(c, build) for c in t["cmd"][:1] if c.startswith(build + os.sep))
        out.update(os.path.relpath(files[d], build) for d in t["depends"] if d in files)
print("\n".join(sorted(out)))' "$BUILD" "$@") || die "cannot list the targets of: $*"
fi
echo "sanitize: building ${targets[*]:-everything} (log: $BUILD/build.log)"
"${NICE[@]}" ninja -C "$BUILD" -j "${SANITIZE_BUILD_JOBS:-2}" "${targets[@]}" >"$BUILD/build.log" 2>&1 ||
  { grep -E "error|FAILED" "$BUILD/build.log" | head -n 30; die "the build failed; full log in $BUILD/build.log"; }

# halt_on_error: a UBSan report is a failure, not a line in a log nobody reads.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# detect_leaks: on (the default), with the suppressions below for what LibTorch and GStreamer keep on
# purpose until exit. protect_shadow_gap=0: the CUDA runtime inside LibTorch maps memory where ASan's
# shadow gap would be (harmless on CPU-only runs, and needed wherever a driver is present).
# fast_unwind_on_malloc=0: complete allocation stacks (slower), so that the suppressions match exactly
# what they name and a leak of ours through g_malloc is never hidden behind a truncated stack.
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:protect_shadow_gap=0:detect_odr_violation=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitize-lsan.supp:print_suppressions=0"
# The uninstrumented gst-plugin-scanner helper cannot load a sanitized plugin (the ASan runtime must be
# the first library of a process): scan plugins inside the sanitized test process instead.
export GST_REGISTRY_FORK=no

rm -f "$BUILD/meson-logs/testlog.junit.xml"
"${NICE[@]}" meson test -C "$BUILD" --no-rebuild --print-errorlogs --num-processes "${SANITIZE_JOBS:-1}" \
  --timeout-multiplier 6 "$@"
status=$?
if grep -lE "runtime error:|ERROR: (Address|Leak)Sanitizer" "$BUILD"/meson-logs/testlog.txt >/dev/null 2>&1; then
  echo "sanitize: sanitizer reports in $BUILD/meson-logs/testlog.txt:"
  grep -E "runtime error:|ERROR: (Address|Leak)Sanitizer|SUMMARY: " "$BUILD/meson-logs/testlog.txt" | sort | uniq -c | head -n 40
fi
python3 scripts/count_tests.py "$BUILD/meson-logs/testlog.junit.xml"
count_status=$?
if ((status == 0 && count_status != 0)); then status=$count_status; fi
exit $status
