#!/usr/bin/env python3
"""Golden vectors for the numeric building blocks the reference DeCo-Diff code
borrows from scipy, scikit-image and Pillow, called exactly as the reference
calls them:

  blur_*    scipy.ndimage.gaussian_filter(x, sigma=s)       (evaluation_DeCo_Diff.smooth_mask)
  resize_*  skimage.transform.resize(x, (H, W))              (latent discrepancy upsampling)
  pil_*     PIL.Image.resize((S, S)) + centre crop + /255 + normalise   (MVTECDataLoader, test split)

Writes numerics.safetensors.  No reference code is needed: the loader's steps
are reproduced with the same numpy/Pillow calls (torchvision's ToTensor on a
float32 HWC array only transposes; Normalize(0.5, 0.5) is (x - 0.5) / 0.5;
albumentations' CenterCrop starts at ((H - c) // 2, (W - c) // 2)).
"""

import argparse
import os

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file
from scipy.ndimage import gaussian_filter
from skimage.transform import resize

HERE = os.path.dirname(os.path.abspath(__file__))


def smooth_image(rng, h, w, cells, noise):
    """uint8 HxWx3: bilinear-upsampled coarse random colours plus pixel noise."""
    coarse = rng.uniform(0, 255, size=(cells[0], cells[1], 3)).astype(np.uint8)
    big = np.array(Image.fromarray(coarse).resize((w, h), Image.BILINEAR), dtype=np.float32)
    big += rng.normal(0.0, noise, size=big.shape)
    return np.clip(np.rint(big), 0, 255).astype(np.uint8)


def loader_test_image(src, image_size, center_size):
    """MVTECDataset (test split, center_crop=True, transform = ToTensor + Normalize)."""
    img = np.array(Image.fromarray(src).convert("RGB").resize((image_size, image_size))).astype(np.uint8)
    y0 = (image_size - center_size) // 2
    x0 = (image_size - center_size) // 2
    crop = img[y0 : y0 + center_size, x0 : x0 + center_size]
    f = crop.astype(np.float32) / 255.0
    t = torch.from_numpy(f.transpose((2, 0, 1))).contiguous()
    mean = torch.tensor([0.5, 0.5, 0.5], dtype=torch.float32)[:, None, None]
    std = torch.tensor([0.5, 0.5, 0.5], dtype=torch.float32)[:, None, None]
    t = t.sub_(mean).div_(std)
    return img, t


def loader_test_mask(src, image_size, center_size):
    seg = (np.array(Image.fromarray(src).convert("L").resize((image_size, image_size))) > 0).astype(np.uint8)
    y0 = (image_size - center_size) // 2
    return seg[y0 : y0 + center_size, y0 : y0 + center_size]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=HERE, help="output folder (default: this script's folder)")
    args = ap.parse_args()

    rng = np.random.default_rng(20250)
    out = {}
    dtypes = {}

    def put(name, arr):
        out[name] = torch.from_numpy(np.ascontiguousarray(arr))

    for tag, shape, sigma in (("a", (64, 64), 3.0), ("b", (16, 16), 1.0), ("c", (256, 256), 3.0), ("d", (7, 5), 3.0)):
        x = rng.uniform(0.0, 1.0, size=shape).astype(np.float32)
        y = gaussian_filter(x, sigma=sigma)
        dtypes[f"blur_out_{tag}"] = str(y.dtype)
        put(f"blur_in_{tag}", x)
        put(f"blur_out_{tag}", y.astype(np.float32))
    out["blur_sigma"] = torch.tensor([3.0, 1.0, 3.0, 3.0], dtype=torch.float32)

    for tag, shape, size in (("a", (16, 16), (64, 64)), ("b", (32, 32), (256, 256)), ("c", (5, 7), (48, 64))):
        x = rng.uniform(0.0, 1.0, size=shape).astype(np.float32)
        y = resize(x, size)
        dtypes[f"resize_out_{tag}"] = str(y.dtype)
        put(f"resize_in_{tag}", x)
        put(f"resize_out_{tag}", y.astype(np.float32))

    src_a = smooth_image(rng, 120, 100, (5, 4), 12.0)
    res_a, ten_a = loader_test_image(src_a, 288, 256)
    put("pil_src_a", src_a)
    put("pil_resized_a", res_a)
    out["pil_tensor_a"] = ten_a
    src_b = smooth_image(rng, 480, 640, (6, 8), 12.0)
    res_b, ten_b = loader_test_image(src_b, 72, 64)
    put("pil_src_b", src_b)
    put("pil_resized_b", res_b)
    out["pil_tensor_b"] = ten_b

    # ground-truth mask path: convert('L'), same resize, > 0, same crop
    yy, xx = np.mgrid[0:120, 0:100]
    mask_src = np.zeros((120, 100), dtype=np.uint8)
    mask_src[((yy - 50) / 20.0) ** 2 + ((xx - 62) / 11.0) ** 2 <= 1.0] = 255
    mask_src[95:101, 10:40] = 255
    put("pil_mask_src_a", mask_src)
    put("pil_mask_a", loader_test_mask(mask_src, 288, 256))

    print("scipy/skimage output dtypes:", dtypes)
    os.makedirs(args.out, exist_ok=True)
    save_file(out, os.path.join(args.out, "numerics.safetensors"))
    for k, v in out.items():
        print(f"{k} {v.dtype} {list(v.shape)}")


if __name__ == "__main__":
    main()
