#!/usr/bin/env python3
"""Prints one field of a decodiff model file's metadata (standard library only).

    model_info.py MODEL classes        -> one class name per line
    model_info.py MODEL input          -> "RESIZE CROP"
    model_info.py MODEL image_threshold -> the calibrated image threshold, or nothing
"""
import json
import struct
import sys


def read_header(f, path, tool="model_info"):
    """The safetensors JSON header of the open file `f` (positioned at 0); the
    file is left at the start of the tensor data. Exits with one line when the
    file is not a safetensors file."""
    head = f.read(8)
    if len(head) != 8:
        sys.exit(f"{tool}: {path}: not a model file (too short)")
    (length,) = struct.unpack("<Q", head)
    if length > 100 * 1024 * 1024:
        sys.exit(f"{tool}: {path}: not a model file (header length {length})")
    try:
        header = json.loads(f.read(length))
    except ValueError as e:
        sys.exit(f"{tool}: {path}: not a model file ({e})")
    if not isinstance(header, dict):
        sys.exit(f"{tool}: {path}: not a model file (header is not an object)")
    return header


def read_metadata(path, tool="model_info"):
    with open(path, "rb") as f:
        header = read_header(f, path, tool)
    try:
        return json.loads(header["__metadata__"]["decodiff"])
    except (ValueError, KeyError, TypeError) as e:
        sys.exit(f"{tool}: {path}: no decodiff metadata ({e})")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    meta = read_metadata(sys.argv[1])
    field = sys.argv[2]
    if field == "classes":
        print("\n".join(meta["classes"]))
    elif field == "input":
        print(meta["input"]["resize"], meta["input"]["crop"])
    elif field == "image_threshold":
        t = meta.get("calibration", {}).get("image_threshold")
        if t is not None:
            print(t)
    else:
        sys.exit(f"model_info: unknown field {field!r} (classes, input, image_threshold)")


if __name__ == "__main__":
    main()
