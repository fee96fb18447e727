#!/usr/bin/env bash
# One script for a GPU machine (benchmarks/README.md, "GPU"): builds core +
# tools against that machine's own torch, runs the CUDA tests and the UNet_L +
# SD-VAE benchmark at 256 px, R = 5, batch 1 and 8, fp32 / fp16 / bf16, eager
# and with the CUDA switches (graphs, cuDNN autotuning, pinned copies,
# channels-last), each case with its anomaly maps' largest difference from
# fp32, and writes JSON results under $OUT (default ./device-out). Needs
# .device/vendor from scripts/device-prepare.sh (carried along); no package
# installs.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/device-out}"
mkdir -p "$OUT"
log() { echo "device-check: $*" | tee -a "$OUT/summary.txt"; }
start=$(date +%s)

TORCH_ROOT="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')" || { log "python3 has no torch"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >"$OUT/gpu.txt" 2>&1 || true
log "torch: $TORCH_ROOT; GPU: $(head -n1 "$OUT/gpu.txt")"

meson setup build-device -Dtorch_root="$TORCH_ROOT" -Dvendor_dir="$PWD/.device/vendor" -Dgst_plugin=disabled \
  -Dbuildtype=release >"$OUT/setup.log" 2>&1 || { tail -n 30 "$OUT/setup.log"; log "meson setup failed"; exit 1; }
ninja -C build-device -j "$(nproc)" tests/core/test-core tests/core/nn/test-nn tools/bench/decodiff-bench \
  >"$OUT/build.log" 2>&1 || { grep -E "error|FAILED" "$OUT/build.log" | head -n 30; log "build failed"; exit 1; }
log "built in $(( $(date +%s) - start )) s"

export DECODIFF_SOURCE_DIR="$PWD" DECODIFF_BUILD_DIR="$PWD/build-device"
for t in core nn; do
  bin=build-device/tests/core/test-core; [[ $t == nn ]] && bin=build-device/tests/core/nn/test-nn
  timeout 240 "$bin" --gtest_output="xml:$OUT/test-$t.xml" >"$OUT/test-$t.log" 2>&1
  log "test-$t: exit $? ($(grep -c '\[       OK \]' "$OUT/test-$t.log") ok, $(grep -c '\[  FAILED  \]' "$OUT/test-$t.log") failed lines)"
done

# Each run stays under its own timeout so that the whole script fits in 8
# minutes; every case is written to the JSON as soon as it is measured.
bench() {
  local name=$1 limit=$2; shift 2
  timeout "$limit" build-device/tools/bench/decodiff-bench --preset L --size 256 --steps 5 --device cuda --batch 1,8 \
    --warmup 3 --iterations 10 --compare-fp32 --json "$OUT/bench-L-256-$name.json" "$@" 2>/dev/null | tee -a "$OUT/summary.txt"
  log "bench $name: exit ${PIPESTATUS[0]}"
}
bench eager 120 --precision fp32,fp16,bf16
bench graphs 100 --precision fp16,bf16 --cuda-graphs on --cudnn-benchmark --pinned-copies
bench graphs-nhwc 60 --precision fp16 --layout channels-last --cuda-graphs on --cudnn-benchmark --pinned-copies
log "done in $(( $(date +%s) - start )) s"
