#!/usr/bin/env bash
# Fuzzes the readers of untrusted input (tests/fuzz, docs/robustness.md) with libFuzzer.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     SECONDS per target (default 60); all targets by default
#
#   FUZZ_RUNS=N       also stop a target after N executions (whichever comes first)
#   FUZZ_NICE=N       nice level of the build and the runs (default 10)
#   DECODIFF_NO_APT=1 never call apt-get (report what is missing instead)
#
# Builds the targets with clang, AddressSanitizer and UndefinedBehaviorSanitizer in build-fuzz/ (only the
# readers' own sources, against the same LibTorch as build/), copies each target's seed corpus to
# build-fuzz/corpus/<target>/ (where the inputs libFuzzer finds accumulate across runs) and runs it.
# Findings (crash-*, leak-*, timeout-*, oom-*) are written to build-fuzz/findings/<target>/; replay one
# with build-fuzz/tests/fuzz/fuzz-<target> FILE. Prints executions and findings per target; exit status
# 1 when any target has a finding.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-60}"
[[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ && "$SECONDS_PER_TARGET" -gt 0 ]] ||
  { echo "fuzz: SECONDS must be a positive integer, not '$SECONDS_PER_TARGET'" >&2; exit 2; }
shift || true
ALL_TARGETS=(safetensors model-config properties region-labels visa-split video-roi replay-labels)
TARGETS=("${@:-${ALL_TARGETS[@]}}")
NICE=(nice -n "${FUZZ_NICE:-10}")
BUILD=build-fuzz
say() { echo "fuzz: $*" >&2; }
die() { echo "fuzz: error: $*" >&2; exit 1; }

# --- clang with libFuzzer (Debian: clang, libclang-rt-14-dev), only this script needs them --------------
CLANG_PACKAGES=(clang libclang-rt-14-dev)
missing=()
for p in "${CLANG_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ "${DECODIFF_NO_APT:-0}" == 1 ]] && die "missing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  say "installing ${missing[*]}"
  $SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null ||
    die "apt-get install failed for: ${missing[*]}"
fi

# --- the same LibTorch as build/ ------------------------------------------------------------------------
torch_root_of() {
  meson introspect "$1" --buildoptions 2>/dev/null |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="torch_root"))' \
      2>/dev/null || true
}
TORCH_ROOT="${DECODIFF_TORCH_ROOT:-}"
[[ -z "$TORCH_ROOT" && -f build/build.ninja ]] && TORCH_ROOT="$(torch_root_of build)"
[[ -z "$TORCH_ROOT" ]] && TORCH_ROOT="$(python3 scripts/find_torch.py)"
[[ -f "$TORCH_ROOT/lib/libtorch_cpu.so" ]] || die "no LibTorch at '$TORCH_ROOT' (run scripts/bootstrap.sh)"

if [[ ! -f "$BUILD/build.ninja" ]]; then
  say "configuring $BUILD (clang, address+undefined sanitizers, LibTorch $TORCH_ROOT)"
  # cuda=disabled: the readers need no CUDA, and each fuzz process then loads only LibTorch's CPU part.
  CC=clang CXX=clang++ "${NICE[@]}" meson setup "$BUILD" -Dfuzzing=true -Dtorch_root="$TORCH_ROOT" \
    -Dcuda=disabled -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
    >"$BUILD.setup.log" 2>&1 || { cat "$BUILD.setup.log" >&2; die "meson setup failed"; }
  rm -f "$BUILD.setup.log"
elif [[ "$(torch_root_of "$BUILD")" != "$TORCH_ROOT" ]]; then
  meson configure "$BUILD" -Dtorch_root="$TORCH_ROOT" >/dev/null || die "meson configure failed"
fi
ninja_targets=()
for t in "${TARGETS[@]}"; do ninja_targets+=("tests/fuzz/fuzz-$t"); done
say "building ${TARGETS[*]} (log: $BUILD/fuzz-build.log)"
"${NICE[@]}" ninja -C "$BUILD" "${ninja_targets[@]}" >"$BUILD/fuzz-build.log" 2>&1 ||
  { grep -E "error|FAILED" "$BUILD/fuzz-build.log" | head -n 30 >&2; die "build failed (see $BUILD/fuzz-build.log)"; }

# --- run ------------------------------------------------------------------------------------------------
# UBSan stops at the first report, so undefined behaviour is a finding like a crash.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
runs_arg=()
[[ -n "${FUZZ_RUNS:-}" ]] && runs_arg=(-runs="$FUZZ_RUNS")
summary=()
any_finding=0
for t in "${TARGETS[@]}"; do
  seeds="tests/fuzz/corpus/$t"
  work="$BUILD/corpus/$t"
  findings="$BUILD/findings/$t"
  log="$BUILD/fuzz-$t.log"
  mkdir -p "$work" "$findings"
  dict=()
  [[ -f "tests/fuzz/$t.dict" ]] && dict=(-dict="tests/fuzz/$t.dict")
  say "$t: ${SECONDS_PER_TARGET} s${FUZZ_RUNS:+ or $FUZZ_RUNS runs} (log: $log)"
  # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: LibTorch and ASan's shadow need room.
  set +e
  "${NICE[@]}" "$BUILD/tests/fuzz/fuzz-$t" "$work" "$seeds" "${dict[@]}" "${runs_arg[@]}" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$findings/" >"$log" 2>&1
  status=$?
  set -e
  execs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n1)"
  secs="$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE 'in [0-9]+' | grep -oE '[0-9]+' | tail -n1)"
  found="$(find "$findings" -type f | wc -l)"
  ((found > 0 || status != 0)) && any_finding=1
  line="$(printf '%-13s %12s executions  %6s s  %3s findings' "$t" "${execs:-?}" "${secs:-?}" "$found")"
  ((status != 0 && found == 0)) && line+="  (exit $status, see $log)"
  ((found > 0)) && line+="  -> $findings/"
  summary+=("$line")
done
echo "target        executions             time    findings"
printf '%s\n' "${summary[@]}"
exit $any_finding
