#!/usr/bin/env python3
"""Convert a reference DeCo-Diff checkpoint + a diffusers VAE into a decodiff model file.

    python3 tools/convert_checkpoint.py --checkpoint last.pt --vae sd-vae-ft-ema/ --out model.safetensors

--checkpoint  torch.save({"model": state_dict, "args": argparse.Namespace}) as the
              reference trainer writes it (train_DeCo_Diff.py).
--vae         a diffusers AutoencoderKL folder holding config.json and
              diffusion_pytorch_model.safetensors (or .bin).
The metadata (docs/model-format.md) is filled from the checkpoint's args and the
VAE's config.json; class names follow the reference's fixed ids for MVTec-AD and
VisA. Needs PyPI torch only (the safetensors format is read and written here).
"""
import argparse
import json
import os
import struct
import sys

MVTEC_CLASSES = ["capsule", "bottle", "grid", "leather", "metal_nut", "tile", "transistor", "zipper",
                 "cable", "carpet", "hazelnut", "pill", "screw", "toothbrush", "wood"]
VISA_CLASSES = ["candle", "cashew", "fryum", "macaroni2", "pcb2", "pcb4", "capsules", "chewinggum",
                "macaroni1", "pcb1", "pcb3", "pipe_fryum"]
PRESETS = {  # reference models.py: model_channels, num_heads, context_dim
    "UNet_XS": (64, 4, 128), "UNet_S": (128, 4, 256), "UNet_M": (192, 6, 384),
    "UNet_L": (256, 8, 512), "UNet_XL": (320, 12, 640),
}
DTYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16", "F64": "float64"}


def fail(msg):
    sys.stderr.write(f"convert_checkpoint: error: {msg}\n")
    sys.exit(1)


def read_safetensors(path, torch):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        fail(f"{path}: not a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        fail(f"{path}: truncated header")
    header = json.loads(data[8:8 + n])
    body = memoryview(data)[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] not in DTYPES:
            fail(f"{path}: tensor {name}: unsupported dtype {e['dtype']}")
        b, end = e["data_offsets"]
        if end > len(body):
            fail(f"{path}: tensor {name}: offsets beyond the file (truncated?)")
        dtype = getattr(torch, DTYPES[e["dtype"]])
        t = torch.frombuffer(bytearray(body[b:end]), dtype=dtype) if end > b else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(e["shape"]).clone()
    return out


def write_safetensors(path, tensors, metadata, torch):
    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        if t.dtype not in names:
            t = t.float()
        raw = t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - (8 + len(text)) % 8) % 8)
    tmp = path + ".partial"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="reference checkpoint (.pt)")
    ap.add_argument("--vae", required=True, help="diffusers AutoencoderKL folder")
    ap.add_argument("--out", required=True, help="output model file (.safetensors)")
    ap.add_argument("--dataset", choices=["mvtec", "visa"], help="override args.dataset (class names)")
    ap.add_argument("--classes", help="comma-separated class names in id order (other datasets)")
    ap.add_argument("--num-heads", type=int, help="UNet heads when the weights match no reference preset")
    ap.add_argument("--reverse-steps", type=int, default=5, help="default R stored in the file (default 5)")
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        fail("needs PyPI torch (pip install torch)")

    try:
        ckpt = torch.load(a.checkpoint, map_location="cpu", weights_only=False)
    except Exception as e:  # noqa: BLE001 - any unpickling problem is one clear message
        fail(f"{a.checkpoint}: cannot read the checkpoint: {e}")
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        fail(f"{a.checkpoint}: expected a dict with 'model' (and 'args') as the reference trainer saves")
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in ckpt["model"].items()}
    args = vars(ckpt.get("args")) if ckpt.get("args") is not None else {}

    emb = state.get("cond_stage_model.embedding.weight")
    if emb is None or "input_blocks.0.0.weight" not in state:
        fail(f"{a.checkpoint}: no cond_stage_model.embedding.weight: not a DeCo-Diff UNet state_dict")
    ncls, ctx = emb.shape
    mc = state["input_blocks.0.0.weight"].shape[0]
    model_size = args.get("model_size", "UNet_L")
    if a.num_heads:
        heads = a.num_heads
    elif PRESETS.get(model_size, (None,))[0] == mc and PRESETS[model_size][2] == ctx:
        heads = PRESETS[model_size][1]
    else:
        fail(f"the weights (model_channels {mc}, context_dim {ctx}) match no reference preset; pass --num-heads")
    num_res_blocks = (max(int(k.split(".")[1]) for k in state if k.startswith("output_blocks.")) + 1) // 3 - 1

    dataset = a.dataset or args.get("dataset", "mvtec")
    if a.classes:
        classes = a.classes.split(",")
    else:
        classes = MVTEC_CLASSES if dataset == "mvtec" else VISA_CLASSES
    if len(classes) > ncls:
        fail(f"{len(classes)} class names but the embedding has {ncls} rows")

    cfg_path = os.path.join(a.vae, "config.json")
    if not os.path.isfile(cfg_path):
        fail(f"{a.vae}: no config.json (expected a diffusers AutoencoderKL folder)")
    with open(cfg_path) as f:
        vcfg = json.load(f)
    weights = os.path.join(a.vae, "diffusion_pytorch_model.safetensors")
    if os.path.isfile(weights):
        vae = read_safetensors(weights, torch)
    elif os.path.isfile(os.path.join(a.vae, "diffusion_pytorch_model.bin")):
        vae = torch.load(os.path.join(a.vae, "diffusion_pytorch_model.bin"), map_location="cpu")
    else:
        fail(f"{a.vae}: no diffusion_pytorch_model.safetensors or .bin")

    meta = {
        "format_version": 1,
        "unet": {"model_channels": mc, "num_heads": heads, "num_res_blocks": num_res_blocks,
                 "channel_mult": [1, 2, 4], "attention_resolutions": [4, 2, 1], "context_dim": ctx,
                 "transformer_depth": 1, "ncls": int(ncls), "in_channels": 4, "out_channels": 4},
        "vae": {"block_out_channels": vcfg.get("block_out_channels", [128, 256, 512, 512]),
                "layers_per_block": vcfg.get("layers_per_block", 2),
                "latent_channels": vcfg.get("latent_channels", 4),
                "norm_num_groups": vcfg.get("norm_num_groups", 32),
                "scaling_factor": vcfg.get("scaling_factor", 0.18215)},
        "diffusion": {"steps": 10, "schedule": "squaredcos_cap_v2", "reverse_steps": a.reverse_steps},
        "input": {"resize": int(args.get("image_size", 288)), "crop": int(args.get("center_size", 256))},
        "classes": classes,
        "anomaly_map": {"pixel_clip": 0.4, "pixel_sigma": 3.0, "latent_clip": 0.2, "latent_sigma": 1.0,
                        "fusion": "geometric"},
        "training": {"source": "reference DeCo-Diff checkpoint", "checkpoint": os.path.basename(a.checkpoint),
                     "vae": os.path.basename(os.path.normpath(a.vae)), "dataset": dataset,
                     "epochs": args.get("epochs")},
    }
    tensors = {"unet." + k: v for k, v in state.items()}
    tensors.update({"vae." + k: v for k, v in vae.items()})
    write_safetensors(a.out, tensors, {"decodiff": json.dumps(meta)}, torch)
    print(f"wrote {a.out}: {len(state)} UNet + {len(vae)} VAE tensors, model_channels {mc}, {len(classes)} classes")


if __name__ == "__main__":
    main()
