#!/usr/bin/env python3
"""Summary of a decodiffinspect replay against the labels of a synthetic video.

A frame is *positive* when a defective part shows (part of) its defect in it
(labels: parts[].frames[].defect_box is not null). Frame level: recall =
anomalous positive frames / positive frames; false alarms = anomalous frames
that are not positive. Part level: a defective part is detected when one of
its positive frames is anomalous; a normal part raises a false alarm when a
frame in which it is fully in view, and no defect shows, is anomalous.
Standard library only.
"""
import argparse
import json
import statistics
import sys


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


def ratio(a, b):
    return f"{a}/{b} ({100.0 * a / b:.1f}%)" if b else f"{a}/0 (n/a)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True, help="results.jsonl written by decodiffinspect")
    ap.add_argument("--labels", required=True, help="labels JSON written by decodiff-synth video")
    ap.add_argument("--seconds", type=float, default=0.0, help="wall time of the replay")
    ap.add_argument("--video", default="", help="the annotated video (for the report)")
    ap.add_argument("--interval", type=int, default=1)
    args = ap.parse_args()

    with open(args.labels, encoding="utf-8") as f:
        labels = json.load(f)
    results = load_results(args.results)
    frame_count = int(labels["frame_count"])

    positive = set()
    defect_frames = {}  # part id -> its positive frames
    full_view_normal = {}  # part id -> frames fully in view
    for part in labels["parts"]:
        pid = part["id"]
        if part["defective"]:
            frames = {e["frame"] for e in part["frames"] if e.get("defect_box")}
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
