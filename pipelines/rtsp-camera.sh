#!/usr/bin/env bash
# Live inspection of an RTSP camera (H.264/H.265), heatmap on screen.
#   pipelines/rtsp-camera.sh rtsp://user:pass@camera/stream MODEL.safetensors [CLASS]
# Environment: LATENCY (jitterbuffer ms, default 200), RESULTS (JSONL file),
# SINK (default autovideosink; use fakesink for a headless box).
set -euo pipefail
source "$(dirname "$0")/common.sh"
URL="${1:?usage: $0 RTSP-URL MODEL.safetensors [CLASS]}"
MODEL="${2:?usage: $0 RTSP-URL MODEL.safetensors [CLASS]}"; CLASS="${3:-0}"
need_file "$MODEL" "model"
exec gst-launch-1.0 -e \
  rtspsrc location="$URL" latency="${LATENCY:-200}" ! decodebin ! videoconvert ! \
  decodiffinspect model="$MODEL" class="$CLASS" mode=live overlay=heatmap message=anomalies \
    ${RESULTS:+results-location="$RESULTS"} ! \
  videoconvert ! "${SINK:-autovideosink}" sync=false
