#!/usr/bin/env bash
# The demo proper (scripts/demo.sh builds build/ and calls this): replays a
# synthetic conveyor-inspection video through decodiffinspect with the default
# model with decodiff-replay, writes out/annotated.mp4, out/results.jsonl and the
# HTML report out/replay-report/report.html, and prints a summary against the
# video's labels.
#
# Environment:
#   DECODIFF_DEMO_MODEL     model file (default models/default/decodiff-default.safetensors)
#   DECODIFF_DEMO_CATEGORY  synthetic part category (default nut)
#   DECODIFF_DEMO_CLASS     model class to inspect with (default: "<category>-line" when the
#                           model has that class, a class trained on conveyor footage; else the category)
#   DECODIFF_DEMO_THRESHOLD alarm threshold (default: calibrated on a normal-production clip, below)
#   DECODIFF_DEMO_PARTS     parts on the belt (default 6)
#   DECODIFF_DEMO_INTERVAL  inspect every Nth frame (default 1: every frame)
#   DECODIFF_DEMO_DEVICE    auto | cpu | cuda | cuda:N (default auto)
#   DECODIFF_DEMO_ROI       inspect only "x,y,width,height" of each frame (default: the whole frame)
#   DECODIFF_BUILD_DIR      build directory (default build)
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL="${DECODIFF_DEMO_MODEL:-models/default/decodiff-default.safetensors}"
CATEGORY="${DECODIFF_DEMO_CATEGORY:-nut}"
CLASS="${DECODIFF_DEMO_CLASS:-}"
THRESHOLD="${DECODIFF_DEMO_THRESHOLD:-}"
PARTS="${DECODIFF_DEMO_PARTS:-6}"
INTERVAL="${DECODIFF_DEMO_INTERVAL:-1}"
DEVICE="${DECODIFF_DEMO_DEVICE:-auto}"
ROI="${DECODIFF_DEMO_ROI:-}"
BUILD="${DECODIFF_BUILD_DIR:-build}"
OUT=out
# LibTorch's OpenMP threads spin while they wait; on a small CPU they fight the
# decoder and encoder threads of the pipeline, so the demo runs the model on one
# thread (benchmarks/README.md has the figures). Set OMP_NUM_THREADS to override.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
SYNTH="$BUILD/tools/synth/decodiff-synth"
REPLAY="$BUILD/tools/replay/decodiff-replay"
say() { echo "demo: $*" >&2; }

if [[ ! -f "$MODEL" ]]; then
  say "error: the default model $MODEL is missing; train one (docs) or set DECODIFF_DEMO_MODEL=FILE"
  exit 2
fi
[[ -x "$SYNTH" ]] || { say "error: $SYNTH is not built (ninja -C $BUILD)"; exit 2; }
[[ -x "$REPLAY" ]] || { say "error: $REPLAY is not built (ninja -C $BUILD)"; exit 2; }
export GST_PLUGIN_PATH="$PWD/$BUILD/gst-plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
gst-inspect-1.0 decodiffinspect >/dev/null 2>&1 || { say "error: decodiffinspect not found in $BUILD/gst-plugin"; exit 2; }

if [[ -z "$CLASS" ]]; then
  if python3 scripts/model_info.py "$MODEL" classes | grep -qx -- "$CATEGORY-line"; then
    CLASS="$CATEGORY-line"
  else
    CLASS="$CATEGORY"
  fi
fi

# 1. The inspection video (made once; reused while its parameters are unchanged).
mkdir -p "$OUT/demo-video"
CLIP="$OUT/demo-video/$CATEGORY-$PARTS.avi"
LABELS="${CLIP%.avi}.json"
if [[ ! -f "$CLIP" || ! -f "$LABELS" ]]; then
  say "making a synthetic inspection video ($CATEGORY, $PARTS parts) -> $CLIP"
  "$SYNTH" video --category "$CATEGORY" --parts "$PARTS" --seed 7 --width 640 --height 480 --fps 30 \
    --speed 12 --out "$CLIP" --labels "$LABELS"
else
  say "reusing $CLIP"
fi
TOTAL="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["frame_count"])' "$LABELS")"

# 2. The alarm threshold, as on a real line: replay normal production (other
# parts than the demo's, no defects) and put the threshold just above the
# highest score it gave (DECODIFF_DEMO_THRESHOLD overrides).
if [[ -z "$THRESHOLD" ]]; then
  NORMAL_CLIP="$OUT/demo-video/$CATEGORY-normal.avi"
  CALIB="$OUT/demo-video/$CATEGORY-normal-$CLASS${ROI:+-roi-${ROI//,/_}}.jsonl"
  if [[ ! -f "$NORMAL_CLIP" ]]; then
    "$SYNTH" video --category "$CATEGORY" --parts 3 --defect-fraction 0 --seed 8 --width 640 --height 480 \
      --fps 30 --speed 12 --out "$NORMAL_CLIP" --labels "${NORMAL_CLIP%.avi}.json" >/dev/null
  fi
  if [[ ! -s "$CALIB" || "$MODEL" -nt "$CALIB" ]]; then
    say "calibrating the alarm threshold on a normal-production clip ($NORMAL_CLIP)"
    rm -f "$CALIB"
    gst-launch-1.0 -q filesrc location="$NORMAL_CLIP" ! decodebin ! videoconvert ! \
      decodiffinspect model="$MODEL" class="$CLASS" device="$DEVICE" interval="$INTERVAL" overlay=none \
        ${ROI:+roi="$ROI"} message=none results-location="$CALIB" ! fakesink \
      >"$OUT/gst-launch-calibration.log" 2>&1 || { say "error: the calibration replay failed:"; tail -n 5 "$OUT/gst-launch-calibration.log" >&2; exit 1; }
  fi
  THRESHOLD="$(python3 scripts/demo_summary.py --calibrate "$CALIB")"
  say "threshold $THRESHOLD (1.1 x the highest score of $(wc -l <"$CALIB") normal frames, at most half-way to 1)"
fi

# 3. Replay it through the element with decodiff-replay (sync mode: every frame, deterministic):
# the annotated video, the element's JSON lines, the summary against the labels and an HTML report.
RESULTS="$OUT/results.jsonl"
VIDEO="$OUT/annotated.mp4"
REPORT="$OUT/replay-report"
rm -f "$RESULTS" "$VIDEO"
say "replaying $TOTAL frames through decodiffinspect (model $MODEL, class $CLASS, device $DEVICE)"
status=0
"$REPLAY" --model "$MODEL" --class "$CLASS" --device "$DEVICE" --interval "$INTERVAL" --threshold "$THRESHOLD" \
  ${ROI:+--roi "$ROI"} --video "$CLIP" --labels "$LABELS" --annotated "$VIDEO" --out "$REPORT" \
  >"$OUT/replay-summary.txt" || status=$?
if ((status != 0)); then
  say "error: the replay failed (exit $status)"
  exit 1
fi
cp "$REPORT/results-1.jsonl" "$RESULTS"

# 4. The summary (decodiff-replay's; docs/replay.md explains how frames and parts are judged).
sed -n '1,/throughput/p' "$OUT/replay-summary.txt" | sed 's/^decodiff replay summary$/decodiff demo summary/'
echo "  annotated video:   $VIDEO"
echo "  results (JSONL):   $RESULTS"
echo "  report (HTML):     $REPORT/report.html"
