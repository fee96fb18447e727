#!/usr/bin/env python3
"""Golden vectors for the DeCo-Diff engine, computed by the REFERENCE code.

Builds a tiny but architecturally complete model (reference UNetModel with the
argument set of the reference's models.create_unet_model, num_res_blocks=1, and a
tiny diffusers AutoencoderKL), re-initialises every parameter deterministically,
runs the reference inference path of evaluation_DeCo_Diff.py on two fixed
images, and writes:

  tiny_model.safetensors     the model in the decodiff model-file format
  tiny_expected.safetensors  inputs, intermediate and final tensors
  tiny_unet_names.txt        UNet state_dict keys + shapes
  tiny_vae_names.txt         VAE state_dict keys + shapes

The reference code is imported at run time from --ref (a checkout of
farzad-bz/DeCo-Diff); it is not part of this repository.  Everything runs in
float32 on the CPU with one thread.
"""

import argparse
import importlib.util
import json
import math
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
SCALE = 0.18215

UNET_CFG = {
    "model_channels": 32,
    "num_heads": 4,
    "num_res_blocks": 1,
    "channel_mult": [1, 2, 4],
    "attention_resolutions": [4, 2, 1],
    "context_dim": 64,
    "transformer_depth": 1,
    "ncls": 3,
    "in_channels": 4,
    "out_channels": 4,
}
VAE_CFG = {
    "block_out_channels": [32, 64, 64],
    "layers_per_block": 1,
    "latent_channels": 4,
    "norm_num_groups": 16,
    "scaling_factor": SCALE,
}
META = {
    "format_version": 1,
    "unet": UNET_CFG,
    "vae": VAE_CFG,
    "diffusion": {"steps": 10, "schedule": "squaredcos_cap_v2", "reverse_steps": 5},
    "input": {"resize": 72, "crop": 64},
    "classes": ["alpha", "beta", "gamma"],
    "anomaly_map": {
        "pixel_clip": 0.4,
        "pixel_sigma": 3.0,
        "latent_clip": 0.2,
        "latent_sigma": 1.0,
        "fusion": "geometric",
    },
}

# Output-layer gains applied after the generic re-initialisation so that the
# golden data exercises both clip branches of the anomaly map (neither all
# saturated nor all tiny).  Chosen once by looking at the statistics printed
# below; they are part of the deterministic recipe.
UNET_OUT_GAIN = 0.35
VAE_DECODER_OUT_GAIN = 0.3


class _Stub(types.ModuleType):
    """Module stand-in for imports of evaluation_DeCo_Diff.py that the anomaly-map
    function does not use (anomalib, torchvision, pandas, cv2, ...)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        sub = _Stub(f"{self.__name__}.{name}")
        setattr(self, name, sub)
        return sub


def stub_missing(names):
    stubbed = []
    for name in names:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            parts = name.split(".")
            for i in range(1, len(parts) + 1):
                sub = ".".join(parts[:i])
                if sub not in sys.modules:
                    sys.modules[sub] = _Stub(sub)
                if i > 1:
                    setattr(sys.modules[".".join(parts[: i - 1])], parts[i - 1], sys.modules[sub])
            stubbed.append(name)
    return stubbed


def import_reference(ref):
    sys.path.insert(0, ref)
    # Import the real packages first: diffusers probes optional packages with
    # importlib.util.find_spec, which a stub in sys.modules would confuse.
    import diffusers.models  # noqa: F401
    import scipy.ndimage  # noqa: F401
    import skimage.transform  # noqa: F401

    stubbed = []
    # The UNet constructor imports omegaconf only to test isinstance(ListConfig).
    if importlib.util.find_spec("omegaconf") is None:
        om = types.ModuleType("omegaconf")
        lc = types.ModuleType("omegaconf.listconfig")

        class ListConfig(list):
            pass

        lc.ListConfig = ListConfig
        om.listconfig = lc
        sys.modules["omegaconf"] = om
        sys.modules["omegaconf.listconfig"] = lc
        stubbed.append("omegaconf")
    stubbed += stub_missing(
        ["torchvision", "anomalib", "pandas", "cv2", "albumentations", "MVTECDataLoader", "VISADataLoader"]
    )
    from ldm.modules.diffusionmodules.openaimodel import UNetModel
    from diffusion import create_diffusion
    import evaluation_DeCo_Diff as ev

    torch.set_grad_enabled(True)  # evaluation_DeCo_Diff disables it globally at import
    for name in list(sys.modules):
        if isinstance(sys.modules[name], _Stub):
            del sys.modules[name]
    return UNetModel, create_diffusion, ev, stubbed


def build_unet(UNetModel):
    c = UNET_CFG
    # Exactly the argument set of the reference's models.create_unet_model,
    # except num_res_blocks (hard-wired to 2 there).
    return UNetModel(
        image_size=16,
        in_channels=c["in_channels"],
        model_channels=c["model_channels"],
        out_channels=c["out_channels"],
        num_heads=c["num_heads"],
        num_res_blocks=c["num_res_blocks"],
        dropout=0.4,
        attention_resolutions=c["attention_resolutions"],
        channel_mult=c["channel_mult"],
        num_head_channels=c["model_channels"] // c["num_heads"],
        use_spatial_transformer=True,
        ncls=c["ncls"],
        transformer_depth=c["transformer_depth"],
        context_dim=c["context_dim"],
    )


def build_vae():
    from diffusers.models import AutoencoderKL

    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 3,
        up_block_types=("UpDecoderBlock2D",) * 3,
        block_out_channels=tuple(VAE_CFG["block_out_channels"]),
        layers_per_block=VAE_CFG["layers_per_block"],
        latent_channels=VAE_CFG["latent_channels"],
        norm_num_groups=VAE_CFG["norm_num_groups"],
        sample_size=64,
    )


@torch.no_grad()
def reinit(module):
    """weight ~ N(0, 1/fan_in) for conv/linear, N(0,1) for embeddings,
    norm weight 1 + 0.1 N, every bias 0.1 N.  Order = named_modules order."""
    norm_types = (torch.nn.GroupNorm, torch.nn.LayerNorm)
    for _, m in module.named_modules():
        own = dict(m.named_parameters(recurse=False))
        if not own:
            continue
        if isinstance(m, torch.nn.Embedding):
            m.weight.normal_(0.0, 1.0)
            continue
        if isinstance(m, norm_types):
            m.weight.copy_(1.0 + 0.1 * torch.randn_like(m.weight))
            m.bias.copy_(0.1 * torch.randn_like(m.bias))
            continue
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Conv1d, torch.nn.Linear)):
            fan_in = m.weight[0].numel()
            m.weight.normal_(0.0, 1.0 / math.sqrt(fan_in))
            if m.bias is not None:
                m.bias.copy_(0.1 * torch.randn_like(m.bias))
            continue
        raise RuntimeError(f"unhandled parameterised module {type(m).__name__}")


def make_images():
    g = torch.Generator().manual_seed(1)
    low = torch.randn(2, 3, 6, 6, generator=g)
    img = F.interpolate(low, size=(64, 64), mode="bilinear", align_corners=False)
    img = 0.6 * torch.tanh(img)
    img = img + 0.03 * torch.randn(2, 3, 64, 64, generator=g)
    yy, xx = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    disc = ((yy - 40.0) ** 2 + (xx - 22.0) ** 2) <= 8.0**2
    img[1, :, disc] = torch.tensor([0.95, 0.9, 0.6])[:, None]
    return img.clamp(-1.0, 1.0).contiguous()


class Recorder:
    """Callable standing in for the UNet inside the sampler: records the
    timestep tensor and the output of every UNet call."""

    def __init__(self, model):
        self.model = model
        self.ts = []
        self.outs = []

    def __call__(self, x, t, **kw):
        self.ts.append(t.clone())
        out = self.model(x, t, **kw)
        self.outs.append(out.clone())
        return out


def names_file(path, sd):
    with open(path, "w") as f:
        for k, v in sd.items():
            f.write(f"{k} {list(v.shape)}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", required=True, help="checkout of the reference DeCo-Diff code")
    ap.add_argument("--out", default=HERE, help="output folder (default: this script's folder)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    UNetModel, create_diffusion, ev, stubbed = import_reference(os.path.abspath(args.ref))
    print("stubbed modules:", stubbed)

    torch.manual_seed(0)
    unet = build_unet(UNetModel)
    vae = build_vae()
    torch.manual_seed(0)
    reinit(unet)
    reinit(vae)
    with torch.no_grad():
        unet.out[2].weight.mul_(UNET_OUT_GAIN)
        unet.out[2].bias.mul_(UNET_OUT_GAIN)
        vae.decoder.conv_out.weight.mul_(VAE_DECODER_OUT_GAIN)
        vae.decoder.conv_out.bias.mul_(VAE_DECODER_OUT_GAIN)
        # Round every weight to a bfloat16-representable float32 value: the file
        # stays float32, but git stores it about half the size (low 16 mantissa
        # bits are zero and compress away).
        for p in list(unet.parameters()) + list(vae.parameters()):
            p.copy_(p.bfloat16().float())
    unet.eval()
    vae.eval()
    unet.float()
    vae.float()

    x = make_images()
    y = torch.tensor([1, 2], dtype=torch.int64)
    exp = {"input": x, "class_ids": y}

    with torch.no_grad():
        # evaluation_DeCo_Diff.py: encoded = vae.encode(x).latent_dist.mean.mul_(0.18215)
        encoded = vae.encode(x).latent_dist.mean.mul_(SCALE)
        model_kwargs = {"context": y.unsqueeze(1), "mask": None}

        def run(R, model):
            diffusion = create_diffusion(
                f"ddim{R}", predict_deviation=True, sigma_small=False, predict_xstart=False, diffusion_steps=10
            )
            lat = diffusion.ddim_deviation_sample_loop(
                model,
                encoded.shape,
                noise=encoded,
                clip_denoised=False,
                start_t=R,
                model_kwargs=model_kwargs,
                progress=False,
                device="cpu",
                eta=0,
            )
            return diffusion, lat

        results = {}
        for R in (5, 2, 10):
            diffusion, latent_samples = run(R, unet)
            image_samples = vae.decode(latent_samples / SCALE).sample
            x0 = vae.decode(encoded / SCALE).sample
            # the reference accumulates per-image [1,...] tensors in lists
            maps = ev.calculate_anomaly_maps(
                [a.unsqueeze(0) for a in x0],
                [a.unsqueeze(0) for a in encoded],
                [a.unsqueeze(0) for a in image_samples],
                [a.unsqueeze(0) for a in latent_samples],
                center_size=64,
            )
            results[R] = (diffusion, latent_samples, image_samples, x0, maps)

        diffusion5, lat5, img5, x0, maps5 = results[5]
        exp["latent"] = encoded
        exp["latent_rec"] = lat5
        exp["image_x0"] = x0
        exp["image_rec"] = img5
        exp["anomaly_map"] = torch.from_numpy(maps5["anomaly_geometric"])
        exp["anomaly_map_arithmetic"] = torch.from_numpy(maps5["anomaly_aritmetic"])
        exp["pixel_discrepancy"] = torch.from_numpy(maps5["image_discrepancy"])
        exp["latent_discrepancy"] = torch.from_numpy(maps5["latent_discrepancy"])
        for R in (2, 10):
            exp[f"latent_rec_r{R}"] = results[R][1]
            exp[f"anomaly_map_r{R}"] = torch.from_numpy(results[R][4]["anomaly_geometric"])
        dtypes = {k: str(maps5[k].dtype) for k in maps5}

        # Timesteps the UNet sees and per-step latents (same loop, progressive variant).
        for R in (5, 2, 10):
            diffusion = results[R][0]
            rec = Recorder(unet)
            steps = []
            for out in diffusion.ddim_deviation_sample_loop_progressive(
                rec,
                encoded.shape,
                noise=encoded,
                clip_denoised=False,
                start_t=R,
                model_kwargs=model_kwargs,
                progress=False,
                device="cpu",
                eta=0,
            ):
                steps.append(out["sample"])
            assert torch.equal(steps[-1], results[R][1]), "progressive loop differs from sample loop"
            seen = torch.stack([t[0] for t in rec.ts]).to(torch.int64)
            assert all(torch.equal(t, t[:1].expand_as(t)) for t in rec.ts)
            exp[f"unet_timesteps_r{R}"] = seen
            exp[f"timestep_map_r{R}"] = torch.tensor(diffusion.timestep_map, dtype=torch.int64)
            # the float32 coefficients the sampler multiplies with (index = respaced step)
            exp[f"sqrt_one_minus_abar_r{R}"] = torch.from_numpy(diffusion.sqrt_one_minus_alphas_cumprod).float()
            if R == 5:
                exp["step_latents_r5"] = torch.stack(steps)
                exp["step_unet_out_r5"] = torch.stack(rec.outs)
                print("UNet timesteps R=5:", seen.tolist(), "timestep_map", diffusion.timestep_map)

        # Single-network goldens (raw UNet call as the sampler's wrapper makes it).
        g = torch.Generator().manual_seed(2)
        unet_x = torch.randn(2, 4, 16, 16, generator=g)
        unet_t = torch.tensor([3, 8], dtype=torch.int64)
        unet_y = torch.tensor([2, 0], dtype=torch.int64)
        exp["unet_x"] = unet_x
        exp["unet_t"] = unet_t
        exp["unet_y"] = unet_y
        exp["unet_out"] = unet(unet_x, unet_t, context=unet_y.unsqueeze(1), mask=None)
        exp["vae_moments"] = vae.quant_conv(vae.encoder(x))
        assert torch.equal(exp["vae_moments"][:, :4] * SCALE, encoded)
        exp["vae_decoded"] = vae.decode(unet_x / SCALE).sample

    # statistics to judge the scale of the random model
    out_std = exp["unet_out"].std().item()
    dlat = (exp["latent_rec"] - exp["latent"]).abs()
    dimg = (exp["image_rec"] - exp["image_x0"]).abs().amax(1)
    lat_ch_mean = dlat.mean(1)
    print(f"unet_out std {out_std:.4f}")
    print(f"latent std {exp['latent'].std().item():.4f}")
    print(f"|latent_rec-latent| mean {dlat.mean().item():.4f}, chan-mean>0.2 frac {(lat_ch_mean > 0.2).float().mean().item():.3f}")
    print(f"image_x0 range [{exp['image_x0'].min().item():.3f},{exp['image_x0'].max().item():.3f}] std {exp['image_x0'].std().item():.3f}")
    print(f"max_c|img_rec-img_x0| mean {dimg.mean().item():.4f}, >0.4 frac {(dimg > 0.4).float().mean().item():.3f}")
    for k in ("anomaly_map", "pixel_discrepancy", "latent_discrepancy", "anomaly_map_r2", "anomaly_map_r10"):
        v = exp[k]
        print(f"{k}: min {v.min().item():.4f} max {v.max().item():.4f} mean {v.mean().item():.4f}")
    print("anomaly-map dtypes:", dtypes)
    if not (0.05 <= out_std <= 2.0) or dlat.mean().item() <= 1e-2:
        raise SystemExit("random model scale out of range: adjust UNET_OUT_GAIN")

    os.makedirs(args.out, exist_ok=True)
    from safetensors.torch import save_file

    tensors = {}
    usd = unet.state_dict()
    vsd = vae.state_dict()
    for k, v in usd.items():
        tensors["unet." + k] = v.detach().float().contiguous()
    for k, v in vsd.items():
        tensors["vae." + k] = v.detach().float().contiguous()
    save_file(tensors, os.path.join(args.out, "tiny_model.safetensors"), metadata={"decodiff": json.dumps(META)})
    names_file(os.path.join(args.out, "tiny_unet_names.txt"), usd)
    names_file(os.path.join(args.out, "tiny_vae_names.txt"), vsd)

    out = {}
    for k, v in exp.items():
        v = v.detach().contiguous()
        out[k] = v if v.dtype == torch.int64 else v.float()
    save_file(out, os.path.join(args.out, "tiny_expected.safetensors"))
    print(f"wrote {len(tensors)} model tensors, {len(out)} expected tensors to {args.out}")


if __name__ == "__main__":
    main()
