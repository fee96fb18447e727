#!/usr/bin/env bash
# Live inspection of a USB (V4L2) camera, heatmap on screen.
#   pipelines/usb-camera.sh MODEL.safetensors [CLASS]
# Environment: CAMERA (default /dev/video0), WIDTH/HEIGHT/FPS (default 640x480@30),
# RESULTS (JSONL file, optional), SINK (default autovideosink).
# mode=live: the camera never waits for the model; frames between two
# inspections carry the latest result, marked stale.
set -euo pipefail
source "$(dirname "$0")/common.sh"
MODEL="${1:?usage: $0 MODEL.safetensors [CLASS]}"; CLASS="${2:-0}"
need_file "$MODEL" "model"
exec gst-launch-1.0 -e \
  v4l2src device="${CAMERA:-/dev/video0}" ! videoconvert ! videoscale ! \
  video/x-raw,width="${WIDTH:-640}",height="${HEIGHT:-480}",framerate="${FPS:-30}/1" ! videoconvert ! \
  decodiffinspect model="$MODEL" class="$CLASS" mode=live overlay=heatmap message=anomalies \
    ${RESULTS:+results-location="$RESULTS"} ! \
  videoconvert ! "${SINK:-autovideosink}" sync=false
