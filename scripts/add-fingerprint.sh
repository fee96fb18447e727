#!/usr/bin/env bash
# Adds (or refreshes) the fingerprint of an existing model file: the score and
# anomaly-map statistics of a fixed probe image, which the engine recomputes
# when it loads the model and compares (docs/model-format.md, "Fingerprint").
# The file is rewritten atomically; its tensors and other metadata stay as
# they are. Run it on a model you trust (freshly trained or converted and
# evaluated): the fingerprint records what the model computes now.
#
#   scripts/add-fingerprint.sh MODEL.safetensors [--device cpu|cuda|cuda:N] [--class NAME|ID] [--seed N]
#
# Environment: DECODIFF_BUILD_DIR  build directory (default: build/ of this checkout)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tool="${DECODIFF_BUILD_DIR:-$here/build}/tools/fingerprint/decodiff-fingerprint"
if [[ $# -lt 1 || "$1" == -* ]]; then
  echo "usage: scripts/add-fingerprint.sh MODEL.safetensors [--device D] [--class C] [--seed N]" >&2
  exit 2
fi
if [[ ! -x "$tool" ]]; then
  echo "add-fingerprint: $tool is not built (ninja -C build tools/fingerprint/decodiff-fingerprint)" >&2
  exit 2
fi
model="$1"
shift
exec "$tool" --write --model "$model" "$@"
