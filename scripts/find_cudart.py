#!/usr/bin/env python3
"""Print the CUDA runtime library to link against for a torch package directory
(argv[1]): the one shipped next to torch (PyPI wheels), else the CUDA toolkit's.
Prints nothing when there is none. Our code calls the runtime only through
LibTorch's inline CUDA helpers (streams, events, graphs), which torch already
loads; the library's soname is what matters, so either copy serves."""
import glob
import os
import sys

torch_root = sys.argv[1] if len(sys.argv) > 1 else ""
site = os.path.dirname(torch_root)
candidates = sorted(glob.glob(os.path.join(site, "nvidia", "cu*", "lib", "libcudart.so.*")), reverse=True)
candidates += sorted(glob.glob(os.path.join(site, "nvidia", "cuda_runtime", "lib", "libcudart.so.*")), reverse=True)
cuda_home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
candidates += [os.path.join(cuda_home, "lib64", "libcudart.so")]
for c in candidates:
    if os.path.isfile(c):
        print(os.path.realpath(c) if c.endswith(".so") else c)
        break
