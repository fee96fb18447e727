#!/usr/bin/env bash
# Several cameras on one engine: N sources (2..4) through N decodiffinspect
# elements that share one loaded model (model-instance-id) and batch their
# frames together; one JSON-lines file per camera.
#   pipelines/multi-camera.sh MODEL.safetensors [CAMERAS] [OUT-PREFIX]
# Sources: videotestsrc patterns by default, or the video files in VIDEOS
# (space-separated, e.g. decodiff-synth clips), one per camera.
# Environment: CLASS (default 0), DEVICE (default auto), MODE (sync|live, default
# sync), BATCH (batch-size, default CAMERAS), WAIT (max-batch-wait in ms, default
# 40), FRAMES (per videotestsrc camera, default 60), WIDTH x HEIGHT (default 640x480).
set -euo pipefail
source "$(dirname "$0")/common.sh"
usage="usage: $0 MODEL.safetensors [CAMERAS] [OUT-PREFIX]"
MODEL="${1:?$usage}"; CAMERAS="${2:-4}"; PREFIX="${3:-camera}"
need_file "$MODEL" "model"
[[ "$CAMERAS" =~ ^[1-9][0-9]*$ ]] || { echo "$(basename "$0"): CAMERAS must be a positive number" >&2; exit 2; }
read -r -a VIDEO_FILES <<<"${VIDEOS:-}"
PATTERNS=(ball smpte snow pinwheel)
ARGS=()
for ((i = 0; i < CAMERAS; i++)); do
  if ((${#VIDEO_FILES[@]} > 0)); then
    need_file "${VIDEO_FILES[i % ${#VIDEO_FILES[@]}]}" "video"
    ARGS+=(filesrc location="${VIDEO_FILES[i % ${#VIDEO_FILES[@]}]}" ! decodebin ! videoconvert !)
  else
    ARGS+=(videotestsrc pattern="${PATTERNS[i % 4]}" num-buffers="${FRAMES:-60}" !
      video/x-raw,width="${WIDTH:-640}",height="${HEIGHT:-480}",framerate=$((10 + 5 * i))/1 !)
  fi
  ARGS+=(decodiffinspect name="camera$i" model="$MODEL" class="${CLASS:-0}" device="${DEVICE:-auto}"
    model-instance-id=cameras batch-size="${BATCH:-$CAMERAS}" max-batch-wait="${WAIT:-40}"
    mode="${MODE:-sync}" overlay=none message=none results-location="$PREFIX$i.jsonl" !
    fakesink sync="$([[ "${MODE:-sync}" == live ]] && echo true || echo false)")
done
exec gst-launch-1.0 -e "${ARGS[@]}"
