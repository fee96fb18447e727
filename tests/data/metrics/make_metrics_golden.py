#!/usr/bin/env python3
"""Golden values for core/metrics (tests/core/metrics/test_metrics.cpp).

Writes metrics_golden.json (cases, inputs of the small ones, expected values)
and metrics_golden_large.bin (inputs of the case with more than 1e5 pixels).

Expected values come from scikit-learn (roc_auc_score, average_precision_score,
precision_recall_curve), numpy (percentile), scipy (ndimage.label) and, for
AUPRO, from the MVTec AD official evaluation's algorithm written out below from
its published description. The reference implementation's 200-threshold
compute_pro is evaluated from the reference evaluation script when --reference
points at it (its function is loaded from the file, not copied here), and is
cross-checked against the port in reference_compute_pro() below.

Usage: python3 make_metrics_golden.py [--reference PATH/evaluation_DeCo_Diff.py]
"""
import argparse
import ast
import json
import math
import os
import sys
from bisect import bisect

import numpy as np
import scipy
import scipy.ndimage
import sklearn
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20250514)


def nan_to_none(x):
    x = float(x)
    return None if math.isnan(x) else x


# ---------------------------------------------------------------- image level
def classification_expected(scores, labels):
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        roc = roc_auc_score(y, s) if len(set(y.tolist())) == 2 else float("nan")
        ap = average_precision_score(y, s)
        precision, recall, thresholds = precision_recall_curve(y, s)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * precision * recall / (precision + recall)
    f1 = np.nan_to_num(f1, nan=0.0)
    idx = int(np.argmax(f1))
    f1_threshold = float(thresholds[idx]) if y.sum() > 0 and idx < len(thresholds) else float("nan")
    return {"auroc": nan_to_none(roc), "ap": nan_to_none(ap), "f1": float(f1[idx]),
            "f1_threshold": nan_to_none(f1_threshold)}


def classification_cases():
    cases = []

    def add(name, scores, labels):
        scores = np.asarray(scores, dtype=np.float32)
        labels = np.asarray(labels, dtype=np.uint8)
        case = {"name": name, "scores": [float(v) for v in scores], "labels": labels.tolist()}
        case.update(classification_expected(scores, labels))
        case["percentiles"] = [[q, float(np.percentile(scores.astype(np.float64), q))]
                               for q in (0.0, 5.0, 37.3, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0)]
        cases.append(case)

    y = (rng.random(200) < 0.3).astype(np.uint8)
    add("random", rng.normal(size=200) + 1.2 * y, y)
    y = (rng.random(300) < 0.5).astype(np.uint8)
    add("ties", np.round(rng.random(300) * 8 + 3 * y) / 8, y)
    add("all_equal_scores", np.full(10, 0.25), [0, 1, 0, 1, 1, 0, 0, 0, 1, 0])
    add("no_anomalies", rng.random(20), np.zeros(20))
    add("all_anomalies", rng.random(15), np.ones(15))
    add("negative_and_signed_zero", [-0.0, 0.0, -1.5, 2.0, -0.0, 0.0, 1e-30, -1e-30],
        [1, 0, 0, 1, 0, 1, 1, 0])
    # F1 ties: tp=1,fp=0 and tp=2,fp=2 both give F1 = 2/3 with P = 2.
    add("f1_tie", [0.9, 0.8, 0.7, 0.6, 0.1], [1, 0, 0, 1, 0])
    return cases


# ---------------------------------------------------------------- pixel level
STRUCTURE = np.ones((3, 3), dtype=int)


def official_pro_curve(maps, masks):
    """MVTec AD official compute_pro: exact curve at every distinct score."""
    fp_changes = np.zeros(maps.shape, dtype=np.float64)
    pro_changes = np.zeros(maps.shape, dtype=np.float64)
    num_ok, num_regions = 0, 0
    for k in range(len(masks)):
        labeled, n = scipy.ndimage.label(masks[k], structure=STRUCTURE)
        num_regions += n
        ok = labeled == 0
        num_ok += int(ok.sum())
        fp_changes[k][ok] = 1
        for r in range(1, n + 1):
            region = labeled == r
            pro_changes[k][region] = 1.0 / region.sum()
    scores = maps.ravel().astype(np.float64)
    order = np.argsort(scores, kind="stable")[::-1]
    scores = scores[order]
    fprs = np.cumsum(fp_changes.ravel()[order]) / num_ok
    pros = np.cumsum(pro_changes.ravel()[order]) / num_regions
    keep = np.append(np.diff(scores) != 0, True)
    fprs = np.clip(fprs[keep], None, 1.0)
    pros = np.clip(pros[keep], None, 1.0)
    return np.concatenate(([0.0], fprs, [1.0])), np.concatenate(([0.0], pros, [1.0]))


def trapezoid_area(x, y, x_max):
    """The official trapezoid with linear interpolation at x_max."""
    x = np.asarray(x)
    y = np.asarray(y)
    correction = 0.0
    if x_max not in x:
        ins = bisect(x, x_max)
        assert 0 < ins < len(x)
        y_interp = y[ins - 1] + (y[ins] - y[ins - 1]) * (x_max - x[ins - 1]) / (x[ins] - x[ins - 1])
        correction = 0.5 * (y_interp + y[ins - 1]) * (x_max - x[ins - 1])
    mask = x <= x_max
    x, y = x[mask], y[mask]
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * (x[1:] - x[:-1])) + correction)


def official_aupro(maps, masks, limit=0.3):
    if masks.sum() == 0 or (masks == 0).sum() == 0:
        return float("nan")
    fprs, pros = official_pro_curve(maps, masks)
    return trapezoid_area(fprs, pros, limit) / limit


def reference_compute_pro(masks, amaps, num_th=200):
    """Port of the reference compute_pro without pandas (for the cross-check)."""
    from skimage import measure
    min_th, max_th = amaps.min(), amaps.max()
    delta = (max_th - min_th) / num_th
    rows = []
    binary = np.zeros_like(amaps, dtype=bool)
    for th in np.arange(min_th, max_th, delta):
        binary[amaps <= th] = 0
        binary[amaps > th] = 1
        pros = []
        for b, m in zip(binary, masks):
            for region in measure.regionprops(measure.label(m)):
                pros.append(b[region.coords[:, 0], region.coords[:, 1]].sum() / region.area)
        inverse = 1 - masks
        rows.append((np.mean(pros), np.logical_and(inverse, binary).sum() / inverse.sum()))
    rows = [r for r in rows if r[1] < 0.3]
    pro = np.array([r[0] for r in rows])
    fpr = np.array([r[1] for r in rows])
    fpr = fpr / fpr.max()
    return auc(fpr, pro)


def load_reference(path):
    """Loads compute_pro from the reference evaluation script (needs pandas, skimage)."""
    tree = ast.parse(open(path).read())
    fn = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "compute_pro"][0]
    module = ast.Module(body=[fn], type_ignores=[])
    import pandas as pd
    from skimage import measure
    namespace = {"np": np, "pd": pd, "measure": measure, "auc": auc, "ndarray": np.ndarray}
    exec(compile(module, path, "exec"), namespace)
    return namespace["compute_pro"]


def pixel_expected(maps, masks, reference):
    flat_s = maps.ravel().astype(np.float64)
    flat_y = masks.ravel().astype(np.int64)
    out = classification_expected(flat_s, flat_y)
    out["aupro"] = nan_to_none(official_aupro(maps, masks))
    approx = float("nan")
    if masks.sum() > 0 and (masks == 0).sum() > 0:
        approx = reference_compute_pro(masks.astype(np.int64), maps.astype(np.float64))
        if reference is not None:
            genuine = float(reference(masks.astype(np.int64), maps.astype(np.float64)))
            assert abs(genuine - approx) < 1e-12, (genuine, approx)
        # The 200-threshold approximation should be close to the exact value.
        print(f"  aupro exact {out['aupro']:.6f}  reference approx {approx:.6f}", file=sys.stderr)
    out["aupro_reference_approx"] = nan_to_none(approx)
    out["num_regions"] = int(sum(scipy.ndimage.label(m, structure=STRUCTURE)[1] for m in masks))
    return out


def smooth_noise(h, w, sigma):
    return scipy.ndimage.gaussian_filter(rng.random((h, w)), sigma)


def multi_region_masks():
    masks = np.zeros((6, 32, 32), dtype=np.uint8)
    # 1: two blobs touching only diagonally (one 8-connected region), a single
    #    pixel, a region on the border.
    masks[1, 4:8, 4:8] = 1
    masks[1, 8:12, 8:12] = 1
    masks[1, 20, 20] = 1
    masks[1, 28:32, 0:5] = 1
    # 2: a checkerboard patch (one region) and a line.
    for yy in range(14, 20):
        for xx in range(14, 20):
            masks[2, yy, xx] = (yy + xx) % 2
    masks[2, 2, 3:30] = 1
    # 3: random blobs.
    masks[3] = smooth_noise(32, 32, 2.0) > 0.55
    # 4: a large region.
    masks[4, 5:27, 0:20] = 1
    # 5: isolated single pixels.
    for yy, xx in [(1, 1), (1, 30), (10, 10), (10, 13), (30, 30), (16, 3)]:
        masks[5, yy, xx] = 1
    return masks


def maps_for(masks, levels=None):
    n, h, w = masks.shape
    maps = np.stack([smooth_noise(h, w, 1.5) for _ in range(n)])
    maps = maps + 0.25 * scipy.ndimage.gaussian_filter(masks.astype(np.float64), (0, 1.0, 1.0))
    maps = maps + 0.05 * rng.random(maps.shape)
    if levels is not None:
        maps = np.round(maps * levels) / levels
    return maps.astype(np.float32)


def pixel_case(name, maps, masks, reference, with_inputs=True):
    print(name, file=sys.stderr)
    case = {"name": name, "images": int(masks.shape[0]), "height": int(masks.shape[1]),
            "width": int(masks.shape[2])}
    if with_inputs:
        case["maps"] = [float(v) for v in maps.ravel()]
        case["masks"] = masks.ravel().astype(int).tolist()
    case.update(pixel_expected(maps, masks, reference))
    return case


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", help="the reference evaluation_DeCo_Diff.py")
    args = parser.parse_args()
    reference = load_reference(args.reference) if args.reference else None

    pixel = []
    masks = multi_region_masks()
    labels = [scipy.ndimage.label(m, structure=STRUCTURE)[0].ravel().astype(int).tolist() for m in masks]
    case = pixel_case("multi_region_32x32", maps_for(masks), masks, reference)
    case["scipy_labels"] = labels
    pixel.append(case)
    pixel.append(pixel_case("multi_region_ties_32x32", maps_for(masks, levels=16), masks, reference))
    no_anomaly = np.zeros((3, 16, 16), dtype=np.uint8)
    pixel.append(pixel_case("no_anomaly_16x16", maps_for(no_anomaly), no_anomaly, reference))

    # > 1e5 pixels; three quarters of the normal pixels' scores lie in one
    # 16-bit bucket ([0.5, 0.5 + 2^-8)) so the dense-count path is exercised.
    n, h, w = 12, 128, 128
    big_masks = np.stack([(smooth_noise(h, w, 3.0) > 0.56) if k % 3 else np.zeros((h, w), bool)
                          for k in range(n)]).astype(np.uint8)
    big_maps = maps_for(big_masks)
    crowd = rng.random(big_maps.shape) < 0.75
    big_maps[crowd] = (0.5 + rng.random(int(crowd.sum())) * (2.0 ** -8)).astype(np.float32)
    big_maps[crowd & (big_masks == 1) & (rng.random(big_maps.shape) < 0.8)] += np.float32(0.01)
    big_maps = big_maps.astype(np.float32)
    with open(os.path.join(HERE, "metrics_golden_large.bin"), "wb") as f:
        f.write(big_maps.astype("<f4").tobytes())
        f.write(big_masks.astype(np.uint8).tobytes())
    pixel.append(pixel_case("large_12x128x128", big_maps, big_masks, reference, with_inputs=False))
    pixel[-1]["file"] = "metrics_golden_large.bin"

    out = {
        "generator": "tests/data/metrics/make_metrics_golden.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
        "reference_compute_pro_checked": reference is not None,
        "classification": classification_cases(),
        "pixel": pixel,
    }
    with open(os.path.join(HERE, "metrics_golden.json"), "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
