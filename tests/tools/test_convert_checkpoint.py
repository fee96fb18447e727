#!/usr/bin/env python3
"""tools/convert_checkpoint.py on a reference-style checkpoint rebuilt from the golden tiny model.

Splits tests/fixtures/golden/tiny_model.safetensors into what the reference
trainer and diffusers would have written (a torch.save'd {"model", "args"}
and a VAE folder), converts it back, and requires every tensor and the
metadata to come out identical. Needs python3 with torch (the bootstrap's).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

src = os.environ.get("DECODIFF_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(src, "tools"))
# Children run as this test runs: isolated (-I) in the venv of the torch we build against.
PYTHON = [sys.executable] + (["-I"] if sys.flags.isolated else [])
try:
    import numpy  # noqa: E402,F401  (the converter writes tensors through numpy)
    import torch  # noqa: E402
except ImportError as e:
    if sys.flags.isolated:  # the venv beside torch_root: it must have what the converter needs
        sys.exit(f"{sys.prefix} lacks a package the converter needs ({e}): run scripts/bootstrap.sh")
    print(f"python3 without torch or numpy ({e}): skipped")
    sys.exit(77)  # meson's skip code
import convert_checkpoint as cc  # noqa: E402

golden = os.path.join(src, "tests/fixtures/golden/tiny_model.safetensors")
with open(golden, "rb") as f:
    n = int.from_bytes(f.read(8), "little")
    meta = json.loads(json.loads(f.read(n))["__metadata__"]["decodiff"])
tensors = cc.read_safetensors(golden, torch)

failures = 0
def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    failures += 0 if cond else 1

with tempfile.TemporaryDirectory() as tmp:
    ckpt = os.path.join(tmp, "last.pt")
    args = argparse.Namespace(model_size="UNet_XS", image_size=72, center_size=64, dataset="mvtec", epochs=3)
    torch.save({"model": {k[5:]: v for k, v in tensors.items() if k.startswith("unet.")}, "args": args}, ckpt)
    vae_dir = os.path.join(tmp, "vae")
    os.makedirs(vae_dir)
    cc.write_safetensors(os.path.join(vae_dir, "diffusion_pytorch_model.safetensors"),
                         {k[4:]: v for k, v in tensors.items() if k.startswith("vae.")}, {}, torch)
    with open(os.path.join(vae_dir, "config.json"), "w") as f:
        json.dump({"_class_name": "AutoencoderKL", "block_out_channels": [32, 64, 64], "layers_per_block": 1,
                   "latent_channels": 4, "norm_num_groups": 16, "scaling_factor": 0.18215}, f)
    out = os.path.join(tmp, "converted.safetensors")
    tool = os.path.join(src, "tools/convert_checkpoint.py")
    r = subprocess.run([*PYTHON, tool, "--checkpoint", ckpt, "--vae", vae_dir, "--out", out], capture_output=True, text=True)
    check(r.returncode != 0 and "--num-heads" in r.stderr, "weights of no preset ask for --num-heads")
    r = subprocess.run([*PYTHON, tool, "--checkpoint", ckpt, "--vae", vae_dir, "--out", out, "--num-heads", "4",
                        "--classes", "alpha,beta,gamma"], capture_output=True, text=True)
    check(r.returncode == 0, "conversion succeeds: " + r.stdout.strip() + r.stderr.strip())
    if r.returncode == 0:
        back = cc.read_safetensors(out, torch)
        check(sorted(back) == sorted(tensors), f"same {len(tensors)} tensor names")
        check(all(torch.equal(back[k], tensors[k]) for k in tensors), "identical tensor values")
        with open(out, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            got = json.loads(json.loads(f.read(n))["__metadata__"]["decodiff"])
        for key in ["unet", "vae", "diffusion", "input", "classes", "anomaly_map"]:
            check(got[key] == meta[key], f"metadata section {key}")
    r = subprocess.run([*PYTHON, tool, "--checkpoint", os.path.join(tmp, "missing.pt"), "--vae", vae_dir,
                        "--out", out], capture_output=True, text=True)
    check(r.returncode == 1 and r.stderr.count("\n") == 1 and "missing.pt" in r.stderr, "missing checkpoint: one line")

print(f"{failures} failures")
sys.exit(1 if failures else 0)
