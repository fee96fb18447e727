#!/usr/bin/env python3
"""Times the REFERENCE DeCo-Diff inference path (PyTorch + diffusers + scipy/
skimage), to compare with decodiff-bench on the same model size, input size,
batch and machine. The reference code is imported from --ref at run time (a
checkout of farzad-bz/DeCo-Diff; never committed here).

    python3 benchmarks/reference_bench.py --ref DeCo-Diff/ --preset XS --size 256 --batch 1 --iterations 10
    python3 benchmarks/reference_bench.py --ref DeCo-Diff/ --model models/default/decodiff-default.safetensors

With --model, the reference networks are built from the model file's metadata
and loaded with its weights (the same model decodiff-bench --model runs).

Per iteration, as evaluation_DeCo_Diff.py does it: encode (posterior mean),
ddim_deviation_sample_loop with R steps, decode of the corrected and of the
clean latent, calculate_anomaly_maps (blur + resize + fusion on the CPU).
Prints median ms per frame and frames/s as JSON on stdout.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures", "golden"))

import torch  # noqa: E402

import make_engine_golden as golden  # noqa: E402  (reuses its reference importer)

PRESETS = {"XS": (64, 4, 128), "S": (128, 4, 256), "M": (192, 6, 384), "L": (256, 8, 512), "XL": (320, 12, 640)}


def load_model_file(path, UNetModel, AutoencoderKL):
    """The reference UNet and the diffusers VAE built from a decodiff model file's
    metadata, with its weights (strict: every tensor must be used)."""
    from safetensors import safe_open

    with safe_open(path, framework="pt") as f:
        meta = json.loads(f.metadata()["decodiff"])
        tensors = {k: f.get_tensor(k).float() for k in f.keys()}
    u, v, crop = meta["unet"], meta["vae"], meta["input"]["crop"]
    levels = len(v["block_out_channels"])
    unet = UNetModel(image_size=crop // 2 ** (levels - 1), in_channels=u["in_channels"],
                     model_channels=u["model_channels"], out_channels=u["out_channels"], num_heads=u["num_heads"],
                     num_res_blocks=u["num_res_blocks"], dropout=0.4,
                     attention_resolutions=u["attention_resolutions"], channel_mult=u["channel_mult"],
                     num_head_channels=u["model_channels"] // u["num_heads"], use_spatial_transformer=True,
                     ncls=u["ncls"], transformer_depth=u["transformer_depth"], context_dim=u["context_dim"])
    vae = AutoencoderKL(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * levels,
                        up_block_types=("UpDecoderBlock2D",) * levels,
                        block_out_channels=tuple(v["block_out_channels"]), layers_per_block=v["layers_per_block"],
                        latent_channels=v["latent_channels"], norm_num_groups=v["norm_num_groups"], sample_size=crop)
    unet.load_state_dict({k[5:]: t for k, t in tensors.items() if k.startswith("unet.")}, strict=True)
    vae.load_state_dict({k[4:]: t for k, t in tensors.items() if k.startswith("vae.")}, strict=True)
    return unet, vae, v["scaling_factor"], crop, u["ncls"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--model", help="a decodiff model file (overrides --preset and --size)")
    ap.add_argument("--preset", default="XS", choices=list(PRESETS) + ["tiny"])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    a = ap.parse_args()

    UNetModel, create_diffusion, ev, _ = golden.import_reference(os.path.abspath(a.ref))
    from diffusers.models import AutoencoderKL

    scale = 0.18215
    ncls = 3
    if a.model:
        unet, vae, scale, a.size, ncls = load_model_file(a.model, UNetModel, AutoencoderKL)
        a.preset = os.path.basename(a.model)
        factor = 2 ** (len(vae.config.block_out_channels) - 1)
    elif a.preset == "tiny":
        unet, vae = golden.build_unet(UNetModel), golden.build_vae()
        factor = 4
    else:
        mc, heads, ctx = PRESETS[a.preset]
        unet = UNetModel(image_size=a.size // 8, in_channels=4, model_channels=mc, out_channels=4, num_heads=heads,
                         num_res_blocks=2, dropout=0.4, attention_resolutions=[4, 2, 1], channel_mult=[1, 2, 4],
                         num_head_channels=mc // heads, use_spatial_transformer=True, ncls=15, transformer_depth=1,
                         context_dim=ctx)
        vae = AutoencoderKL(down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                            block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4,
                            norm_num_groups=32, sample_size=a.size)
        factor = 8
    unet.eval()
    vae.eval()
    diffusion = create_diffusion(f"ddim{a.steps}", predict_deviation=True, sigma_small=False, predict_xstart=False,
                                 diffusion_steps=10)
    x = torch.rand(a.batch, 3, a.size, a.size) * 2 - 1
    y = torch.arange(a.batch) % ncls
    times = []
    with torch.no_grad():
        for it in range(a.warmup + a.iterations):
            t0 = time.perf_counter()
            encoded = vae.encode(x).latent_dist.mean.mul_(scale)
            lat = diffusion.ddim_deviation_sample_loop(unet, encoded.shape, noise=encoded, clip_denoised=False,
                                                       start_t=a.steps, model_kwargs={"context": y.unsqueeze(1), "mask": None},
                                                       progress=False, device="cpu", eta=0)
            image_samples = vae.decode(lat / scale).sample
            x0 = vae.decode(encoded / scale).sample
            ev.calculate_anomaly_maps([v.unsqueeze(0) for v in x0], [v.unsqueeze(0) for v in encoded],
                                      [v.unsqueeze(0) for v in image_samples], [v.unsqueeze(0) for v in lat],
                                      center_size=a.size)
            if it >= a.warmup:
                times.append((time.perf_counter() - t0) * 1000)
            print(f"\riteration {it + 1}/{a.warmup + a.iterations}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    med = statistics.median(times) / a.batch
    print(json.dumps({"implementation": "reference", "preset": a.preset, "size": a.size, "batch": a.batch,
                      "steps": a.steps, "threads": torch.get_num_threads(), "latent": a.size // factor,
                      "ms_per_frame_median": med, "frames_per_s": 1000 / med, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
