#!/usr/bin/env python3
"""decodiff-bench-element runs the tiny model through the bare engine and the
element, alternating, and reports what it measured: one per-frame time per
timed round for each, medians that are the medians of those lists, and the
overhead computed from the medians. (No speed is asserted: timing belongs in
benchmarks, not tests.)"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

bench, src = sys.argv[1], os.environ["DECODIFF_SOURCE_DIR"]
model = os.path.join(src, "tests/fixtures/golden/tiny_model.safetensors")


def run_bench(*args, json_out=None):
    """Runs decodiff-bench-element on the tiny model; returns (process, report or None)."""
    extra = ["--json", json_out] if json_out else []
    p = subprocess.run([bench, "--model", model, *args, *extra], capture_output=True, text=True, timeout=300)
    print(p.stdout, p.stderr)
    return p, (json.load(open(json_out)) if json_out and p.returncode == 0 else None)


with tempfile.TemporaryDirectory() as tmp:
    out_json = os.path.join(tmp, "bench.json")
    p, r = run_bench("--width", "96", "--height", "80", "--frames", "2", "--rounds", "3", "--batch", "2",
                     "--threads", "1", json_out=out_json)
    if p.returncode != 0:
        sys.exit(f"decodiff-bench-element failed with {p.returncode}")
    ok = (len(r["engine_ms_per_frame"]) == 2 and len(r["element_ms_per_frame"]) == 2
          and all(v > 0 for v in r["engine_ms_per_frame"] + r["element_ms_per_frame"])
          and abs(r["engine_median_ms"] - statistics.median(r["engine_ms_per_frame"])) < 1e-9
          and abs(r["element_median_ms"] - statistics.median(r["element_ms_per_frame"])) < 1e-9
          and abs(r["overhead"] - (r["element_median_ms"] / r["engine_median_ms"] - 1)) < 1e-9
          and r["batch"] == 2 and r["width"] == 96 and "element overhead" in p.stdout)
    if not ok:
        sys.exit(f"unexpected report: {json.dumps(r)}")
    # A YUV sink format (converted inside the element) at an odd width (padded rows).
    p, r = run_bench("--width", "97", "--height", "80", "--frames", "1", "--rounds", "2", "--format", "NV12",
                     "--threads", "1", json_out=out_json)
    if p.returncode != 0:
        sys.exit(f"decodiff-bench-element --format NV12 failed with {p.returncode}")
    if r["format"] != "NV12" or r["width"] != 97 or len(r["element_ms_per_frame"]) != 1 or "97x80 NV12" not in p.stdout:
        sys.exit(f"unexpected NV12 report: {json.dumps(r)}")
    p, _ = run_bench("--format", "NOPE", "--frames", "1", "--rounds", "2")
    if p.returncode != 2 or "unknown video format" not in p.stderr:
        sys.exit(f"bad --format accepted: {p.returncode} {p.stderr}")
