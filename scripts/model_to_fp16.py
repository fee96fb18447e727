#!/usr/bin/env python3
"""Stores a decodiff model file's (or codec file's) float32 weights as float16 (half the size).

    python3 scripts/model_to_fp16.py IN.safetensors OUT.safetensors

The engine converts weights to the precision it runs in when it loads them
(docs/model-format.md), so the file runs in fp32, bf16 or fp16 as before; the
weights themselves are rounded to the nearest float16 (relative error <= 2^-11).
Metadata is kept and records the conversion under `training.stored_as`, except
the fingerprint, which described the float32 weights: add a new one with
scripts/add-fingerprint.sh.
Refuses weights that float16 cannot hold (|w| > 65504). Standard library only.
"""
import array
import json
import math
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_info import read_header  # noqa: E402

F16_MAX = 65504.0


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f:
        header = read_header(f, src, "model_to_fp16")
        data = f.read()
    meta = header.pop("__metadata__", {})
    key = "decodiff" if "decodiff" in meta else "decodiff_codec" if "decodiff_codec" in meta else None
    if key is None:
        sys.exit(f"model_to_fp16: {src}: no decodiff metadata (not a decodiff model file or codec file)")
    out_header, chunks, offset = {}, [], 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        if info["dtype"] == "F32":
            values = array.array("f")
            values.frombytes(raw)
            if sys.byteorder != "little":
                values.byteswap()
            worst = max((abs(v) for v in values), default=0.0)
            if not math.isfinite(worst) or worst > F16_MAX:
                sys.exit(f"model_to_fp16: {src}: tensor {name} has a value float16 cannot hold ({worst})")
            raw = struct.pack(f"<{len(values)}e", *values)
            info = dict(info, dtype="F16")
        out_header[name] = dict(info, data_offsets=[offset, offset + len(raw)])
        chunks.append(raw)
        offset += len(raw)
    decodiff = json.loads(meta[key])
    if key == "decodiff_codec":
        decodiff["stored_as"] = "float16 (scripts/model_to_fp16.py)"
    else:
        decodiff.setdefault("training", {})["stored_as"] = "float16 (scripts/model_to_fp16.py)"
    # Rounded weights compute slightly different numbers: the old fingerprint no longer describes them.
    had_fingerprint = decodiff.pop("fingerprint", None) is not None
    meta[key] = json.dumps(decodiff, sort_keys=True)
    out_header["__metadata__"] = meta
    blob = json.dumps(out_header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        for c in chunks:
            f.write(c)
    print(f"model_to_fp16: wrote {dst} ({8 + len(blob) + offset} bytes)")
    if had_fingerprint:
        print(f"model_to_fp16: the fingerprint was dropped (made from the float32 weights); add a new one: "
              f"scripts/add-fingerprint.sh {dst}")


if __name__ == "__main__":
    main()
