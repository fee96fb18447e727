#!/usr/bin/env python3
"""decodiff-replay end to end on short synthetic clips with the shipped default model:
- report.json's counts equal an independent count (here, from the element's own JSON-lines
  results and the labels; the judging rules of docs/replay.md re-implemented in Python);
- --pick-threshold + --write-threshold: the picked sweep row equals a second replay that runs at
  the threshold written into (a copy of) the model;
- the gate's exit codes (0 passed, 3 failed, report still written);
- bad input (missing or undecodable video, a class the model lacks, labels of another video, a CSV
  part beyond the video): one message each, exit 1, nothing written;
- report.html opened in a real browser (headless chromium): every <img> is a data: URI and the
  screenshot is not blank (skipped, saying so, where chromium is not installed).
Arguments: decodiff-replay decodiff-synth."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

replay, synth = sys.argv[1], sys.argv[2]
src = os.environ["DECODIFF_SOURCE_DIR"]
model = os.path.join(src, "models/default/decodiff-default.safetensors")
CLASS = "nut-line"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args, expect=None):
    p = subprocess.run([replay, "--model", args[0], "--class", CLASS, "--device", "cpu", *args[1:]],
                       capture_output=True, text=True, timeout=600)
    print("$ decodiff-replay", " ".join(args[1:]), "->", p.returncode)
    print(p.stdout, p.stderr[-2000:])
    if expect is not None and p.returncode != expect:
        sys.exit(f"decodiff-replay exited {p.returncode}, expected {expect}: {p.stderr}")
    return p


def view(labels, crop, resize):
    k = (resize - crop) / (2 * resize)
    w, h = labels["width"], labels["height"]
    return (w * k, h * k, w - w * k, h - h * k)


def mostly_inside(b, v):
    x, y, w, h = b
    ix = max(0.0, min(x + w, v[2]) - max(x, v[0]))
    iy = max(0.0, min(y + h, v[3]) - max(y, v[1]))
    return w * h > 0 and ix * iy >= 0.5 * w * h


def independent_counts(results_path, labels_path, threshold=None):
    """The counts from the element's JSONL and the labels (threshold None: the element's flags)."""
    labels = json.load(open(labels_path))
    rows = [json.loads(line) for line in open(results_path) if line.strip()]
    alarm = {r["frame"]: (r["anomalous"] if threshold is None else
                          (r["score"] is None or r["score"] >= threshold)) for r in rows}
    v = view(labels, 64, 72)  # the default model: resize 72, crop 64
    positive = set()
    for p in labels["parts"]:
        if p["defective"]:
            positive |= {f["frame"] for f in p["frames"] if f.get("defect_box") and mostly_inside(f["defect_box"], v)}
    c = dict(inspected_frames=len(rows), anomalous_frames=sum(alarm.values()),
             positive_frames=sum(1 for f in alarm if f in positive),
             detected_frames=sum(1 for f in alarm if f in positive and alarm[f]),
             negative_frames=sum(1 for f in alarm if f not in positive),
             false_alarm_frames=sum(1 for f in alarm if f not in positive and alarm[f]),
             defective_parts=0, detected_parts=0, normal_parts=0, false_alarm_parts=0)
    for p in labels["parts"]:
        if p["defective"]:
            frames = {f["frame"] for f in p["frames"] if f.get("defect_box") and mostly_inside(f["defect_box"], v)}
            c["defective_parts"] += 1
            c["detected_parts"] += any(alarm.get(f) for f in frames)
        else:
            a, b = p["full_view"]
            frames = set(range(a, b + 1)) - positive if a >= 0 else set()
            c["normal_parts"] += 1
            c["false_alarm_parts"] += any(alarm.get(f) for f in frames)
    return c


def same_counts(report_counts, expected, what):
    got = {k: report_counts[k] for k in expected}
    check(got == expected, f"{what}: report {got} == independent {expected}")


def png_colours(path):
    """Distinct RGB(A) pixel values of an 8-bit PNG (standard library only)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            bpp = {2: 3, 6: 4}[ctype]
            assert depth == 8
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, colours = zlib.decompress(idat), w * bpp, bytearray(w * bpp), set()
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:
            colours |= {bytes(line[i:i + 3]) for i in range(0, stride, bpp * 4)}
        prev = line
    return colours


with tempfile.TemporaryDirectory() as tmp:
    clip, labels = os.path.join(tmp, "clip.mp4"), os.path.join(tmp, "clip.json")
    small, small_labels = os.path.join(tmp, "small.mp4"), os.path.join(tmp, "small.json")
    for out, lab, parts, speed in ((clip, labels, 4, 14), (small, small_labels, 2, 16)):
        subprocess.run([synth, "video", "--category", "nut", "--parts", str(parts), "--seed", "5", "--width", "192",
                        "--height", "128", "--speed", str(speed), "--out", out, "--labels", lab], check=True,
                       capture_output=True, timeout=300)
    frames = json.load(open(labels))["frame_count"]
    print(f"clip: {frames} frames; small clip: {json.load(open(small_labels))['frame_count']} frames")
    model_copy = os.path.join(tmp, "model.safetensors")
    shutil.copy(model, model_copy)

    # 1. Replay, pick the threshold, write it into the copy of the model.
    a = os.path.join(tmp, "a")
    p = run(model_copy, "--video", clip, "--labels", labels, "--out", a, "--pick-threshold", "max-recall-at-fa=0",
            "--write-threshold", expect=0)
    ra = json.load(open(os.path.join(a, "report.json")))
    check("frames/s" in p.stderr and "ETA" in p.stderr, "a progress bar with frames/s and ETA")
    check(ra["counts"]["inspected_frames"] == frames, "every frame inspected")
    picked = ra["pick"]["threshold"]
    row = next(r for r in ra["sweep"] if r["threshold"] == picked)
    check(row["false_alarm_parts"] == 0, "the pick allows no false-alarm part")
    check(all(r["detected_parts"] <= row["detected_parts"] for r in ra["sweep"] if r["false_alarm_parts"] == 0),
          "no row without false alarms detects more parts")
    same_counts(ra["counts"], independent_counts(os.path.join(a, "results-1.jsonl"), labels, picked),
                "replay 1 at the picked threshold")
    for r in ra["sweep"]:  # every row, recounted from the JSONL
        exp = independent_counts(os.path.join(a, "results-1.jsonl"), labels, r["threshold"])
        if {k: r[k] for k in exp} != exp:
            check(False, f"sweep row {r['threshold']} == independent count {exp}")
            break
    else:
        check(True, f"all {len(ra['sweep'])} sweep rows equal an independent count")
    meta_len = struct.unpack("<Q", open(model_copy, "rb").read(8))[0]
    header = json.loads(open(model_copy, "rb").read(8 + meta_len)[8:])
    calib = json.loads(header["__metadata__"]["decodiff"])["calibration"]
    check(calib["per_class"][CLASS]["image_threshold"] == picked, "the picked threshold is in the model, per class")
    check(calib["per_class"]["nut"]["image_threshold"] == 0.13601712882518768, "other classes keep theirs")

    # 2. A replay at the written threshold gives the sweep's numbers; the gate at them passes.
    b = os.path.join(tmp, "b")
    recall = row["part_recall"] if row["part_recall"] is not None else 0
    run(model_copy, "--video", clip, "--labels", labels, "--out", b, "--min-part-recall", str(recall),
        "--max-false-alarms", "0", expect=0)
    rb = json.load(open(os.path.join(b, "report.json")))
    check(rb["threshold"] == picked and rb["threshold_source"] == "element", "replay 2 ran at the written threshold")
    keys = ["detected_parts", "false_alarm_parts", "defective_parts", "normal_parts", "detected_frames",
            "false_alarm_frames", "positive_frames", "negative_frames"]
    check({k: rb["counts"][k] for k in keys} == {k: row[k] for k in keys},
          f"replay at the picked threshold == the sweep's row: {[rb['counts'][k] for k in keys]}")
    same_counts(rb["counts"], independent_counts(os.path.join(b, "results-1.jsonl"), labels),
                "replay 2 from the element's anomalous flags")
    check(rb["gate"]["passed"] is True, "gate passed")

    # 3. The gate fails: exit 3, the report is still written and says so.
    c = os.path.join(tmp, "c")
    p = run(model, "--video", small, "--labels", small_labels, "--out", c, "--threshold", "0.999",
            "--min-part-recall", "0.5", expect=3)
    rc = json.load(open(os.path.join(c, "report.json")))
    check(rc["gate"]["passed"] is False and rc["counts"]["detected_parts"] == 0, "gate failed, in the report")
    check("gate failed: part recall 0/" in p.stderr, "the gate says why")
    p = run(model, "--video", small, "--labels", small_labels, "--out", c, "--threshold", "0.999",
            "--max-false-alarms", "0", expect=0)
    rc = json.load(open(os.path.join(c, "report.json")))
    check(rc["counts"]["false_alarm_parts"] == 0 and rc["gate"]["passed"] is True,
          "no false alarm at 0.999: --max-false-alarms 0 passes")

    # 4. Bad input: one clear message, exit 1, nothing written.
    bad = os.path.join(tmp, "bad")
    not_video = os.path.join(tmp, "notes.mp4")
    open(not_video, "w").write("not a video\n")
    csv = os.path.join(tmp, "parts.csv")
    open(csv, "w").write("part,first,last,defective\n1,0,10,0\n2,5,900,1\n")
    cases = [
        (["--video", os.path.join(tmp, "missing.mp4"), "--out", bad], "missing.mp4 does not exist"),
        (["--video", not_video, "--out", bad], "cannot replay " + not_video),
        (["--video", small, "--labels", labels, "--out", bad], f"are for a video of {frames} frames"),
        (["--video", small, "--labels", csv, "--out", bad], "name part '2' in frames 5-900"),
        (["--video", small, "--labels", small_labels, "--out", bad, "--class", "spaceship"], "has no class 'spaceship'"),
    ]
    for args, message in cases:
        if "--class" in args:
            p = subprocess.run([replay, "--model", model, "--device", "cpu", *args], capture_output=True, text=True)
        else:
            p = run(model, *args)
        lines = [l for l in p.stderr.splitlines() if "error" in l]
        check(p.returncode == 1 and len(lines) == 1 and message in lines[0], f"bad input -> exit 1, '{message}'")
        check(not os.path.exists(bad) and not [f for f in os.listdir(tmp) if "partial" in f], "  nothing written")

    # 5. The page in a real browser.
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIP browser check: chromium is not installed (scripts/bootstrap.sh installs it)")
    else:
        # report c: 4 charts and the thumbnail of the part it missed
        page = "file://" + os.path.join(c, "report.html")
        flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--user-data-dir={os.path.join(tmp, 'chromium-profile')}"]
        dom = subprocess.run(flags + ["--dump-dom", page], capture_output=True, text=True, timeout=120).stdout
        tags = [part.split(">")[0] for part in dom.split("<img")[1:]]
        inline = [t for t in tags if 'src="data:image/png;base64,' in t]
        check(len(tags) >= 5 and 'alt="video 1, part' in dom and len(inline) == len(tags),
              f"the browser's DOM: {len(tags)} <img> (a thumbnail among them), all data: URIs")
        shot = os.path.join(tmp, "shot.png")
        subprocess.run(flags + [f"--screenshot={shot}", "--window-size=1200,1600", page], capture_output=True,
                       timeout=120)
        colours = png_colours(shot) if os.path.exists(shot) else set()
        check(len(colours) > 20, f"the screenshot is not blank ({len(colours)} colours sampled)")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("all checks passed")
