#!/usr/bin/env python3
"""Image and pixel AUROC of a model on an MVTec-layout test set, through decodiff-infer.

A fallback for decodiff-eval (tools/eval), which is faster and reports all metrics.
Needs numpy, pillow, safetensors and scikit-learn.

  measure_quality.py --infer build/tools/infer/decodiff-infer --model M.safetensors --data TEST_ROOT
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
from safetensors.numpy import load_file
from sklearn.metrics import roc_auc_score


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--infer", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--resize", type=int, required=True)
    ap.add_argument("--crop", type=int, required=True)
    args = ap.parse_args()
    root = pathlib.Path(args.data)
    labels, scores, pix_labels, pix_scores = [], [], [], []
    per_class = {}
    with tempfile.TemporaryDirectory() as tmp:
        dump = pathlib.Path(tmp) / "d.safetensors"
        for cls in sorted(p.name for p in root.iterdir() if (p / "test").is_dir()):
            for defect_dir in sorted((root / cls / "test").iterdir()):
                for img in sorted(defect_dir.glob("*.png")):
                    out = subprocess.run([args.infer, "--model", args.model, "--image", str(img), "--class", cls,
                                          "--device", "cpu", "--dump", str(dump)],
                                         check=True, capture_output=True, text=True)
                    score = json.loads(out.stdout)["score"]
                    amap = load_file(str(dump))["anomaly_map"]
                    anomalous = defect_dir.name != "good"
                    if anomalous:
                        m = Image.open(root / cls / "ground_truth" / defect_dir.name / (img.stem + "_mask.png")).convert("L")
                        m = np.array(m.resize((args.resize, args.resize))) > 0
                        o = (args.resize - args.crop) // 2
                        m = m[o:o + args.crop, o:o + args.crop]
                    else:
                        m = np.zeros((args.crop, args.crop), bool)
                    labels.append(anomalous)
                    scores.append(score)
                    pix_labels.append(m.ravel())
                    pix_scores.append(amap.ravel())
                    per_class.setdefault(cls, ([], []))
                    per_class[cls][0].append(anomalous)
                    per_class[cls][1].append(score)
                    print(f"\r{len(labels)} images", end="", file=sys.stderr)
    print(file=sys.stderr)
    result = {
        "images": len(labels),
        "image_auroc": roc_auc_score(labels, scores),
        "pixel_auroc": roc_auc_score(np.concatenate(pix_labels), np.concatenate(pix_scores)),
        "per_class_image_auroc": {c: roc_auc_score(l, s) for c, (l, s) in per_class.items()},
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
