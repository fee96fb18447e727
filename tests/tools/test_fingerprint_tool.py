#!/usr/bin/env python3
"""decodiff-fingerprint and scripts/add-fingerprint.sh on copies of the tiny
golden model: a model without a fingerprint fails --check with one line; the
script adds one and keeps every tensor byte and every other metadata key; the
fresh fingerprint checks clean in fp32 and bf16; a tampered expected value and
a zeroed UNet fail with one line naming the statistic; bad requests are one
clear line (no traceback)."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

tool, src = sys.argv[1], os.environ["DECODIFF_SOURCE_DIR"]
script = os.path.join(src, "scripts/add-fingerprint.sh")
golden = os.path.join(src, "tests/fixtures/golden/tiny_model.safetensors")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=300)


def one_error_line(p, needle, what):
    lines = p.stderr.splitlines()
    check(p.returncode == 1 and len(lines) == 1 and lines[0].startswith("decodiff-fingerprint: error: ")
          and needle in lines[0], f"{what}: exit {p.returncode}, stderr {p.stderr!r}")


def load(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n)), f.read()


def save(path, header, data):
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob + data)


def edit_fingerprint(path, out, change):
    header, data = load(path)
    meta = json.loads(header["__metadata__"]["decodiff"])
    change(meta["fingerprint"], header)
    header["__metadata__"]["decodiff"] = json.dumps(meta)
    save(out, header, data)


with tempfile.TemporaryDirectory() as tmp:
    model = os.path.join(tmp, "model.safetensors")
    # The golden model with its UNet stored as float16 (as the default model is) and a foreign metadata key.
    header, data = load(golden)
    header["__metadata__"]["other-tool"] = "kept"
    save(model, header, data)
    subprocess.run([sys.executable, os.path.join(src, "scripts/model_to_fp16.py"), model, model],
                   check=True, capture_output=True)
    before_header, before_data = load(model)

    one_error_line(run(tool, "--model", model, "--device", "cpu"), "has no fingerprint", "--check without one")

    env = dict(os.environ)
    p = subprocess.run([script, model, "--device", "cpu"], capture_output=True, text=True, timeout=300, env=env)
    check(p.returncode == 0, f"add-fingerprint.sh: exit {p.returncode}: {p.stderr}")
    written = json.loads(p.stdout)
    check(written["written"] is True and written["fingerprint"]["probe"]["class"] == "alpha", p.stdout)
    after_header, after_data = load(model)
    check(after_data == before_data, "tensor bytes changed")
    for name, info in before_header.items():
        if name != "__metadata__":
            check(after_header[name] == info, f"tensor entry {name} changed")
    check(after_header["__metadata__"]["other-tool"] == "kept", "foreign metadata key lost")
    meta_before = json.loads(before_header["__metadata__"]["decodiff"])
    meta_after = json.loads(after_header["__metadata__"]["decodiff"])
    check(meta_after.pop("fingerprint") == written["fingerprint"], "stored fingerprint differs from the printed one")
    check(meta_after == meta_before, "other decodiff metadata changed")
    check(not os.path.exists(model + ".partial"), "temporary file left behind")

    p = run(tool, "--model", model, "--check", "--device", "cpu")
    check(p.returncode == 0 and p.stderr == "", f"--check fp32: exit {p.returncode}: {p.stderr}")
    r = json.loads(p.stdout)
    check(r["ok"] is True and r["precision"] == "fp32" and r["tolerance"] == 0.002, p.stdout)
    for k in ("score", "map_mean", "map_std", "vae_error", "latent_change"):
        check(abs(r["measured"][k] - r["expected"][k]) < 1e-6, f"fp32 {k}: {r}")
    p = run(tool, "--model", model, "--device", "cpu", "--precision", "bf16")
    r = json.loads(p.stdout) if p.returncode == 0 else {}
    check(r.get("ok") is True and r.get("tolerance") == 0.05, f"--check bf16: {p.stdout} {p.stderr}")

    tampered = os.path.join(tmp, "tampered.safetensors")
    edit_fingerprint(model, tampered, lambda f, h: f["expected"].__setitem__("score", f["expected"]["score"] + 0.1))
    p = run(tool, "--model", tampered, "--device", "cpu")
    one_error_line(p, "fingerprint check failed on cpu in fp32: score ", "tampered score")
    check("map_mean" not in p.stderr and json.loads(p.stdout)["ok"] is False, p.stdout + p.stderr)

    # The UNet's weights zeroed, the fingerprint kept: what a bad conversion can produce.
    zeroed = os.path.join(tmp, "zeroed.safetensors")
    header, data = load(model)
    data = bytearray(data)
    for name, info in header.items():
        if name.startswith("unet."):
            begin, end = info["data_offsets"]
            data[begin:end] = bytes(end - begin)
    save(zeroed, header, bytes(data))
    one_error_line(run(tool, "--model", zeroed, "--device", "cpu"), "score 0 (expected", "zeroed UNet")

    one_error_line(run(tool, "--model", model, "--write", "--precision", "bf16"), "fp32 only", "--write bf16")
    one_error_line(run(tool, "--model", model, "--write", "--class", "delta"), "unknown class 'delta'",
                   "--write unknown class")
    not_model = os.path.join(tmp, "notes.txt")
    with open(not_model, "w") as f:
        f.write("not a model")
    one_error_line(run(tool, "--model", not_model), "notes.txt", "not a model file")
    p = run(script)
    check(p.returncode == 2 and "usage" in p.stderr, f"script without arguments: {p.returncode} {p.stderr}")

for f in failures:
    print("FAIL:", f)
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
