#!/usr/bin/env bash
# Replays a recorded video through decodiffinspect (sync mode: every frame,
# deterministic) and writes an annotated MP4 plus the JSON-lines results.
#   pipelines/replay.sh INPUT-VIDEO MODEL.safetensors [CLASS] [OUT.mp4] [RESULTS.jsonl]
# Environment: INTERVAL (inspect every Nth frame, default 1), DEVICE (default auto),
# OVERLAY (heatmap|contour|none, default heatmap).
set -euo pipefail
source "$(dirname "$0")/common.sh"
usage="usage: $0 INPUT-VIDEO MODEL.safetensors [CLASS] [OUT.mp4] [RESULTS.jsonl]"
INPUT="${1:?$usage}"; MODEL="${2:?$usage}"; CLASS="${3:-0}"
OUT="${4:-annotated.mp4}"; RESULTS="${5:-results.jsonl}"
need_file "$INPUT" "input video"
need_file "$MODEL" "model"
if gst-inspect-1.0 x264enc >/dev/null 2>&1; then
  ENCODER=(x264enc speed-preset=veryfast bitrate=4000 ! video/x-h264,profile=high)
else
  ENCODER=(avenc_mpeg4 bitrate=4000000)
fi
exec gst-launch-1.0 -e \
  filesrc location="$INPUT" ! decodebin ! videoconvert ! \
  decodiffinspect model="$MODEL" class="$CLASS" device="${DEVICE:-auto}" mode=sync interval="${INTERVAL:-1}" \
    overlay="${OVERLAY:-heatmap}" message=none results-location="$RESULTS" ! \
  videoconvert ! video/x-raw,format=I420 ! "${ENCODER[@]}" ! mp4mux ! filesink location="$OUT"
