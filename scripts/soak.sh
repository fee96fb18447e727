#!/usr/bin/env bash
# Soak test of decodiffinspect (not in CI: minutes of CPU). In one process: FRAMES frames in sync mode,
# FRAMES frames from a live source in live mode, and CYCLES state cycles of two elements sharing one engine
# (model-instance-id). Prints, per phase, the resident memory (RSS) and thread count after a warm-up and at
# the end; fails when RSS grew by more than 5 MB or any thread was left behind.
#
#   scripts/soak.sh [--frames N] [--cycles N] [--model M] [--width W --height H] [--live-fps F]
#                   [--interval N] [--steps R] [--phases sync,live,cycles]
#
# Defaults: 10000 frames, 200 cycles, the tiny test model at 160x120 on the CPU. Runs under nice.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
args=("$@")
[[ " $* " == *" --model "* ]] || args+=(--model tests/fixtures/golden/tiny_model.safetensors)
nice -n "${SOAK_NICE:-10}" ninja -C build gst-plugin/libgstdecodiff.so tests/soak/decodiff-soak >/dev/null
# One thread per inference, as on a loaded line machine, and no OpenMP spinning between frames.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export GST_PLUGIN_PATH="$PWD/build/gst-plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
exec nice -n "${SOAK_NICE:-10}" build/tests/soak/decodiff-soak "${args[@]}"
