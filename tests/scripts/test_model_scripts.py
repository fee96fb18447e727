#!/usr/bin/env python3
"""scripts/model_info.py and scripts/model_to_fp16.py on the tiny golden model:
the fields the shell scripts read, a float16 copy whose every weight is the
float16 rounding of the original and whose metadata records the conversion,
and one clear line (no traceback) for files that are not model files."""
import json
import os
import struct
import subprocess
import sys
import tempfile

src = os.environ["DECODIFF_SOURCE_DIR"]
scripts = os.path.join(src, "scripts")
model = os.path.join(src, "tests/fixtures/golden/tiny_model.safetensors")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(script, *args):
    # as this test runs: isolated (-I) when meson runs it in the bootstrap's venv
    python = [sys.executable] + (["-I"] if sys.flags.isolated else [])
    return subprocess.run([*python, os.path.join(scripts, script), *args], capture_output=True, text=True,
                          timeout=120)


def load(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        return header, f.read()


def values(header, data, name):
    info = header[name]
    begin, end = info["data_offsets"]
    code = {"F32": "f", "F16": "e"}[info["dtype"]]
    raw = data[begin:end]
    return struct.unpack(f"<{len(raw) // struct.calcsize(code)}{code}", raw)


header, data = load(model)
meta = json.loads(header["__metadata__"]["decodiff"])
p = run("model_info.py", model, "classes")
check(p.returncode == 0 and p.stdout.split() == meta["classes"], f"classes: {p.stdout!r} {p.stderr!r}")
p = run("model_info.py", model, "input")
check(p.stdout.split() == [str(meta["input"]["resize"]), str(meta["input"]["crop"])], f"input: {p.stdout!r}")
p = run("model_info.py", model, "nonsense")
check(p.returncode != 0 and "unknown field" in p.stderr, f"unknown field: {p.stderr!r}")

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "half.safetensors")
    p = run("model_to_fp16.py", model, out)
    check(p.returncode == 0, f"model_to_fp16 failed: {p.stderr}")
    h16, d16 = load(out)
    names = [k for k in header if k != "__metadata__"]
    check(sorted(names) == sorted(k for k in h16 if k != "__metadata__"), "same tensors")
    check(all(h16[k]["dtype"] == "F16" for k in names if header[k]["dtype"] == "F32"), "F32 became F16")
    check(all(h16[k]["shape"] == header[k]["shape"] for k in names), "shapes kept")
    worst = 0.0
    for k in names:
        a, b = values(header, data, k), values(h16, d16, k)
        rounded = struct.unpack(f"<{len(a)}e", struct.pack(f"<{len(a)}e", *a))
        check(rounded == b, f"{k}: not the float16 rounding")
        worst = max([worst] + [abs(x - y) / max(abs(x), 1e-3) for x, y in zip(a, b)])
    check(0 < worst <= 2 ** -10, f"relative rounding error {worst}")
    meta16 = json.loads(h16["__metadata__"]["decodiff"])
    check(meta16["training"].get("stored_as", "").startswith("float16"), "conversion recorded")
    check(meta16["classes"] == meta["classes"], "metadata kept")
    check(os.path.getsize(out) < 0.6 * os.path.getsize(model), "about half the size")
    p = run("model_info.py", out, "classes")
    check(p.stdout.split() == meta["classes"], "model_info reads the converted file")

    junk = os.path.join(tmp, "junk.safetensors")
    with open(junk, "wb") as f:
        f.write(struct.pack("<Q", 12) + b"not json at all")
    for script, args in [("model_info.py", [junk, "classes"]), ("model_to_fp16.py", [junk, out + "2"])]:
        p = run(script, *args)
        check(p.returncode != 0 and "not a model file" in p.stderr and "Traceback" not in p.stderr,
              f"{script} on junk: {p.returncode} {p.stderr!r}")
    check(not os.path.exists(out + "2"), "nothing written for a bad input")

if failures:
    sys.exit("\n".join(failures))
