#!/usr/bin/env python3
"""decodiff-bench on the tiny golden model: one case per requested layout, each
report internally consistent (per-frame time and frames/s agree, one timing per
UNet step, the same FLOP count whatever the layout), the anomaly-map comparison
with plain fp32 exactly 0 for the identical configuration and tiny for
channels-last, and clear errors for switches the device cannot honour. (No
speed is asserted: timing belongs in benchmarks, not tests.)"""
import json
import os
import subprocess
import sys
import tempfile

bench, src = sys.argv[1], os.environ["DECODIFF_SOURCE_DIR"]
model = os.path.join(src, "tests/fixtures/golden/tiny_model.safetensors")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    out_json = os.path.join(tmp, "bench.json")
    p = subprocess.run([bench, "--model", model, "--device", "cpu", "--layout", "contiguous,channels-last",
                        "--batch", "2", "--steps", "2", "--warmup", "1", "--iterations", "2", "--threads", "1",
                        "--compare-fp32", "--json", out_json], capture_output=True, text=True, timeout=300)
    print(p.stdout, p.stderr)
    if p.returncode != 0:
        sys.exit(f"decodiff-bench failed with {p.returncode}")
    r = json.load(open(out_json))
    cases = r["cases"]
    check([c["layout"] for c in cases] == ["contiguous", "channels-last"], "one case per layout, in order")
    for c in cases:
        check(c["batch"] == 2 and c["steps"] == 2 and c["precision"] == "fp32", f"case fields: {c}")
        check(len(c["stages"]["unet_steps"]) == 2, "one timing per UNet step")
        check(c["ms_per_frame_median"] > 0 and abs(c["ms_per_frame_median"] * 2 - c["end_to_end"]["median_ms"]) < 1e-6,
              "ms per frame is the batch median divided by the batch")
        check(abs(c["frames_per_s"] * c["ms_per_frame_median"] - 1000) < 1e-6, "frames/s = 1000 / ms per frame")
        check(c["flops_per_frame"] > 1e6, "FLOPs counted")
        check(c["cuda_graphs"] is False and c["pinned_copies"] is False, "CUDA switches off")
    check(cases[0]["flops_per_frame"] == cases[1]["flops_per_frame"], "the layout does not change the arithmetic")
    check(cases[0]["max_map_diff_vs_fp32"] == 0, "identical configuration, identical maps")
    check(0 <= cases[1]["max_map_diff_vs_fp32"] < 1e-4, "channels-last stays within the fp32 tolerance")
    check(p.stdout.count("anomaly maps vs fp32") == 2, "the comparison is printed")

    # Camera-size frames: the pre-processing stage resamples them.
    p = subprocess.run([bench, "--model", model, "--device", "cpu", "--frame-size", "161x97", "--warmup", "0",
                        "--iterations", "1", "--json", out_json], capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, f"--frame-size run failed: {p.stderr}")
    if p.returncode == 0:
        c = json.load(open(out_json))["cases"][0]
        check(c["frame_width"] == 161 and c["frame_height"] == 97, f"frame size in the report: {c}")

    # Several regions per frame: one batched call against one call per region, per count.
    p = subprocess.run([bench, "--model", model, "--device", "cpu", "--regions", "1,3", "--frame-size", "120x90",
                        "--warmup", "0", "--iterations", "2", "--threads", "1", "--json", out_json],
                       capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, f"--regions run failed: {p.stderr}")
    if p.returncode == 0:
        cases = json.load(open(out_json))["cases"]
        check([c["regions"] for c in cases] == [1, 3], f"one case per region count: {cases}")
        for c in cases:
            b, s = c["batched_ms_per_frame"]["median_ms"], c["per_region_ms_per_frame"]["median_ms"]
            check(b > 0 and s > 0 and c["frame"] == "120x90", f"regions case fields: {c}")
            check(abs(c["batched_regions_per_s"] * b - 1000 * c["regions"]) < 1e-6, "regions/s = regions / time")
            check(abs(c["speedup"] - s / b) < 1e-9, "speed-up = per-region time / batched time")
        check(p.stdout.count("x\n") == 2, "one printed row per region count")

for args, message in [(["--regions", "0"], "1 to 64 regions"), (["--cuda-graphs", "on"], "need a CUDA device"), (["--layout", "nhwc"], "unknown layout"),
                      (["--frame-size", "1920"], "--frame-size takes WxH")]:
    p = subprocess.run([bench, "--model", model, "--device", "cpu", "--iterations", "1", *args], capture_output=True,
                       text=True, timeout=120)
    check(p.returncode == 1 and message in p.stderr and "Exception raised" not in p.stderr,
          f"{args}: exit {p.returncode}, stderr {p.stderr!r}")

if failures:
    sys.exit("; ".join(failures))
