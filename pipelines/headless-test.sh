#!/usr/bin/env bash
# Smoke test without camera or display: test frames through decodiffinspect
# into fakesink, printing each decodiff-inspect bus message.
#   pipelines/headless-test.sh [MODEL.safetensors] [FRAMES]
# Default model: the tiny test model of the repository (random weights:
# the scores mean nothing, the pipeline works).
set -euo pipefail
source "$(dirname "$0")/common.sh"
MODEL="${1:-$_decodiff_root/tests/fixtures/golden/tiny_model.safetensors}"; FRAMES="${2:-10}"
need_file "$MODEL" "model"
exec gst-launch-1.0 -m \
  videotestsrc num-buffers="$FRAMES" pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! \
  videoconvert ! decodiffinspect model="$MODEL" message=all ${RESULTS:+results-location="$RESULTS"} ! fakesink
