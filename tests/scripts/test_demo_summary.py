#!/usr/bin/env python3
"""scripts/demo_summary.py on hand-made labels and results (standard library only).

Two parts cross a 200x100 frame: part 0 is normal, part 1 has a defect whose
box is inside the model's view in frames 10-12 and mostly outside it in frame
13. The expected counts below follow from the definitions in the script's
docstring; a change in how positives, recall or false alarms are counted
changes them.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

SRC = os.environ.get("DECODIFF_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(SRC, "scripts", "demo_summary.py")


def write_model(path, resize, crop):
    meta = {"decodiff": json.dumps({"input": {"resize": resize, "crop": crop}, "classes": ["a"]})}
    header = json.dumps({"__metadata__": meta}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header)


def run(*args):
    python = [sys.executable] + (["-I"] if sys.flags.isolated else [])  # as this test runs
    out = subprocess.run([*python, SCRIPT, *args], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"demo_summary failed ({out.returncode}): {out.stderr}")
    return out.stdout


def expect(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        labels = {
            "frame_count": 20, "width": 200, "height": 100,
            "parts": [
                {"id": 0, "defective": False, "full_view": [2, 6], "frames": []},
                {"id": 1, "defective": True, "full_view": [10, 14], "frames":
                    [{"frame": f, "defect_box": [100, 40, 10, 10]} for f in (10, 11, 12)]
                    + [{"frame": 13, "defect_box": [195, 40, 10, 10]}]},
            ],
        }
        with open(os.path.join(tmp, "labels.json"), "w") as f:
            json.dump(labels, f)
        anomalous = {3, 11, 12, 13}  # 3: a false alarm on the normal part; 13: outside the view
        with open(os.path.join(tmp, "results.jsonl"), "w") as f:
            for frame in range(20):
                score = 0.9 if frame in anomalous else 0.1 + frame / 100
                f.write(json.dumps({"frame": frame, "score": score, "anomalous": frame in anomalous,
                                    "threshold": 0.5, "latency_ms": 10.0}) + "\n")
        model = os.path.join(tmp, "m.safetensors")
        write_model(model, 80, 64)  # view: 20 px margin of a 200 px wide frame each side

        out = run("--results", os.path.join(tmp, "results.jsonl"), "--labels", os.path.join(tmp, "labels.json"),
                  "--model", model)
        print(out)
        expect("frame recall:      2/3 (66.7%)" in out, "recall counts frames 10-12 only (13 is outside the view)")
        expect("false alarms:      2/17 (11.8%)" in out, "frames 3 and 13 are false alarms")
        expect("defective parts:   1/1 (100.0%)" in out, "the defective part is detected")
        expect("normal parts:      1/1 (100.0%)" in out, "the normal part raised a false alarm in frame 3")

        out = run("--results", os.path.join(tmp, "results.jsonl"), "--labels", os.path.join(tmp, "labels.json"))
        expect("frame recall:      3/4 (75.0%)" in out, "without a model the view is the whole frame")

        # Calibration: 1.1 x the highest normal score, at most half-way to 1.
        normal = os.path.join(tmp, "normal.jsonl")
        with open(normal, "w") as f:
            for frame, score in enumerate([0.2, 0.4, 0.3]):
                f.write(json.dumps({"frame": frame, "score": score}) + "\n")
        expect(run("--calibrate", normal).strip() == "0.4400", "1.1 x 0.4")
        with open(normal, "w") as f:
            f.write(json.dumps({"frame": 0, "score": 0.96}) + "\n")
        expect(run("--calibrate", normal).strip() == "0.9800", "half-way from 0.96 to 1")
    print("ok")


if __name__ == "__main__":
    main()
