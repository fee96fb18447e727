#!/usr/bin/env python3
"""Writes the parameter names and shapes of the reference networks to data/*.txt.

The C++ test (test_nn_names.cpp) checks that our LibTorch modules expose exactly
these names with exactly these shapes, so that reference and diffusers weights
load one-to-one.

Usage: make_names.py --ref DIR_OF_REFERENCE_DECO_DIFF_CODE [--out DIR]
Needs torch and diffusers. Each output line is "<name> <d0,d1,...>", sorted by name.
"""
import argparse
import os
import sys
import types


def stub_omegaconf():
    # The reference UNet imports omegaconf only to test for its ListConfig type.
    try:
        import omegaconf.listconfig  # noqa: F401
    except ImportError:
        listconfig = types.ModuleType("omegaconf.listconfig")
        listconfig.ListConfig = type("ListConfig", (list,), {})
        package = types.ModuleType("omegaconf")
        package.listconfig = listconfig
        sys.modules["omegaconf"] = package
        sys.modules["omegaconf.listconfig"] = listconfig


def write(path, module):
    lines = sorted(f"{k} {','.join(str(d) for d in v.shape)}" for k, v in module.state_dict().items())
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{path}: {len(lines)} tensors, {sum(p.numel() for p in module.state_dict().values())} values")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", required=True, help="folder holding the reference models.py and ldm/")
    parser.add_argument("--out", default=os.path.join(here, "data"))
    args = parser.parse_args()

    stub_omegaconf()
    sys.path.insert(0, args.ref)
    import models  # reference DeCo-Diff
    from ldm.modules.diffusionmodules.openaimodel import UNetModel
    from diffusers import AutoencoderKL

    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "unet_xs_names.txt"), models.UNET_models["UNet_XS"](ncls=15))
    tiny = UNetModel(image_size=32, in_channels=4, model_channels=32, out_channels=4, num_heads=4,
                     num_res_blocks=1, dropout=0.4, attention_resolutions=[4, 2, 1], channel_mult=[1, 2, 4],
                     num_head_channels=32 // 4, use_spatial_transformer=True, ncls=3, transformer_depth=1,
                     context_dim=64)
    write(os.path.join(args.out, "unet_tiny_names.txt"), tiny)

    sd_blocks = dict(down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
                     block_out_channels=[128, 256, 512, 512], layers_per_block=2, latent_channels=4,
                     norm_num_groups=32, in_channels=3, out_channels=3)
    write(os.path.join(args.out, "vae_sd_names.txt"), AutoencoderKL(**sd_blocks))
    tiny_blocks = dict(down_block_types=["DownEncoderBlock2D"] * 3, up_block_types=["UpDecoderBlock2D"] * 3,
                       block_out_channels=[32, 64, 64], layers_per_block=1, latent_channels=4,
                       norm_num_groups=16, in_channels=3, out_channels=3)
    write(os.path.join(args.out, "vae_tiny_names.txt"), AutoencoderKL(**tiny_blocks))


if __name__ == "__main__":
    main()
