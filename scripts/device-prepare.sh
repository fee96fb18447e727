#!/usr/bin/env bash
# Fills .device/vendor with what the GPU machine lacks (it has CUDA, python3
# with torch, meson and ninja, but no apt): nlohmann-json and CLI11 headers and
# GoogleTest's sources, all from this machine's Debian packages.
# Then run scripts/device-check.sh there with `.device` carried along.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
V=.device/vendor
rm -rf "$V" && mkdir -p "$V/include"
cp -r /usr/include/nlohmann "$V/include/"
cp -r /usr/include/CLI "$V/include/"
cp -r /usr/src/googletest "$V/googletest"
du -sh .device | sed 's/^/device-prepare: /'
