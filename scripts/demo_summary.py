#!/usr/bin/env python3
"""Summary of a decodiffinspect replay against the labels of a synthetic video.

A frame is *positive* when a defective part shows its defect in the region the
model sees (labels: parts[].frames[].defect_box, at least half of it inside the
model's view: the ROI, or the whole frame, less the model's centre-crop margin). Frame level: recall =
anomalous positive frames / positive frames; false alarms = anomalous frames
that are not positive. Part level: a defective part is detected when one of
its positive frames is anomalous; a normal part raises a false alarm when a
frame in which it is fully in view, and no defect shows, is anomalous.
Standard library only.
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_info  # noqa: E402

# --calibrate: the threshold is this factor times the highest normal score,
# but at most half-way from it to 1 (the element's thresholds are in [0, 1]).
CALIBRATION_MARGIN = 1.1


def load_results(path):
    results = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"demo_summary: {path}:{n}: not JSON ({e})")
            results[int(r["frame"])] = r
    return results


def model_view(model, roi, width, height):
    """The part of the frame the model's centre crop covers (x0, y0, x1, y1)."""
    x, y, w, h = roi if roi else (0, 0, width, height)
    if not model:
        return (x, y, x + w, y + h)
    meta = model_info.read_metadata(model)
    resize, crop = meta["input"]["resize"], meta["input"]["crop"]
    mx, my = w * (resize - crop) / (2 * resize), h * (resize - crop) / (2 * resize)
    return (x + mx, y + my, x + w - mx, y + h - my)


def mostly_inside(box, view):
    bx, by, bw, bh = box
    ix = max(0.0, min(bx + bw, view[2]) - max(bx, view[0]))
    iy = max(0.0, min(by + bh, view[3]) - max(by, view[1]))
    return bw * bh > 0 and ix * iy >= 0.5 * bw * bh


def calibrate(path):
    scores = [r["score"] for r in load_results(path).values()]
    if not scores:
        sys.exit(f"demo_summary: {path}: no results to calibrate on")
    top = max(scores)
    print(f"{min(CALIBRATION_MARGIN * top, 0.5 * (1.0 + top)):.4f}")
    return 0


def ratio(a, b):
    return f"{a}/{b} ({100.0 * a / b:.1f}%)" if b else f"{a}/0 (n/a)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibrate", metavar="JSONL", help="print a threshold from the results of a normal clip, and exit")
    ap.add_argument("--results", help="results.jsonl written by decodiffinspect")
    ap.add_argument("--labels", help="labels JSON written by decodiff-synth video")
    ap.add_argument("--model", default="", help="the model file (its crop margin narrows the view)")
    ap.add_argument("--roi", default="", help="the element's roi, x,y,w,h")
    ap.add_argument("--seconds", type=float, default=0.0, help="wall time of the replay")
    ap.add_argument("--video", default="", help="the annotated video (for the report)")
    ap.add_argument("--interval", type=int, default=1)
    args = ap.parse_args()
    if args.calibrate:
        return calibrate(args.calibrate)
    if not args.results or not args.labels:
        ap.error("--results and --labels are required")

    with open(args.labels, encoding="utf-8") as f:
        labels = json.load(f)
    results = load_results(args.results)
    frame_count = int(labels["frame_count"])
    roi = tuple(int(v) for v in args.roi.split(",")) if args.roi else None
    view = model_view(args.model, roi, int(labels["width"]), int(labels["height"]))

    positive = set()
    defect_frames = {}  # part id -> its positive frames
    full_view_normal = {}  # part id -> frames fully in view
    for part in labels["parts"]:
        pid = part["id"]
        if part["defective"]:
            frames = {e["frame"] for e in part["frames"] if e.get("defect_box") and mostly_inside(e["defect_box"], view)}
            defect_frames[pid] = frames
            positive |= frames
        else:
            first, last = part["full_view"]
            full_view_normal[pid] = set(range(first, last + 1)) if first >= 0 else set()

    inspected = sorted(results)
    anomalous = {f for f in inspected if results[f]["anomalous"]}
    pos_inspected = [f for f in inspected if f in positive]
    neg_inspected = [f for f in inspected if f not in positive]
    hits = sum(1 for f in pos_inspected if f in anomalous)
    false_alarms = sum(1 for f in neg_inspected if f in anomalous)

    detected = sum(1 for frames in defect_frames.values() if frames & anomalous)
    flagged = sum(1 for frames in full_view_normal.values() if (frames - positive) & anomalous)

    print("decodiff demo summary")
    print(f"  frames:            {frame_count} in the video, {len(inspected)} inspected"
          + (f" (every {args.interval}th)" if args.interval > 1 else ""))
    print(f"  anomalous frames:  {len(anomalous)}")
    print(f"  frame recall:      {ratio(hits, len(pos_inspected))} of the frames showing a defect")
    print(f"  false alarms:      {ratio(false_alarms, len(neg_inspected))} of the frames showing none")
    print(f"  defective parts:   {ratio(detected, len(defect_frames))} detected")
    print(f"  normal parts:      {ratio(flagged, len(full_view_normal))} raised a false alarm")
    if inspected:
        scores = [results[f]["score"] for f in inspected]
        lat = [results[f]["latency_ms"] for f in inspected]
        print(f"  scores:            min {min(scores):.4f}  median {statistics.median(scores):.4f}  "
              f"max {max(scores):.4f}  (threshold {results[inspected[0]]['threshold']:.4f})")
        print(f"  inference:         median {statistics.median(lat):.1f} ms per frame")
    if args.seconds > 0:
        print(f"  throughput:        {frame_count / args.seconds:.2f} frames/s "
              f"({args.seconds:.1f} s wall, decode + inspect + encode)")
    if args.video:
        print(f"  annotated video:   {args.video}")
    print(f"  results (JSONL):   {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
