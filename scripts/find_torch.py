#!/usr/bin/env python3
"""Print the torch package directory meson should build against.

Order: $DECODIFF_TORCH_ROOT, the bootstrap's install (scripts/bootstrap.sh),
then whatever `import torch` finds in this python3.
"""
import glob
import os
import sys

env = os.environ.get("DECODIFF_TORCH_ROOT")
if env:
    print(env)
    sys.exit(0)
prefix = os.environ.get("DECODIFF_PREFIX", "/opt/decodiff")
for cand in sorted(glob.glob(os.path.join(prefix, "venv/lib/python3*/site-packages/torch"))):
    if os.path.isdir(os.path.join(cand, "include")):
        print(cand)
        sys.exit(0)
try:
    import torch  # noqa: F401
except ImportError:
    sys.stderr.write("decodiff: no LibTorch found; run scripts/bootstrap.sh or pass -Dtorch_root=\n")
    sys.exit(1)
print(os.path.dirname(torch.__file__))
