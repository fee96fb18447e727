#!/usr/bin/env bash
# Replays a recorded inspection video through decodiffinspect (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
ninja -C build >/dev/null
if [[ ! -f build/gst-plugin/libgstdecodiff.so ]]; then
  echo "demo: the decodiffinspect element is not built yet (gst-plugin/ is still empty); nothing to replay" >&2
  exit 2
fi
exec bash scripts/demo-run.sh "$@"
