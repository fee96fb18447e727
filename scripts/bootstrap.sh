#!/usr/bin/env bash
# Installs what decodiff needs on a Debian 12 machine, once, and configures build/.
# Idempotent and quiet when everything is present. Called by test.sh and demo.sh.
#
#   DECODIFF_PREFIX     where LibTorch is installed (default /opt/decodiff)
#   DECODIFF_TORCH_ROOT build against this torch package directory instead
#   DECODIFF_NO_APT=1   never call apt-get (report what is missing instead)
#   DECODIFF_WITH_PHOTOS=1  also install Debian's opencv-doc (its example photos: the real-photo
#                       benchmark, the codec's training data and the tests of both; test.sh sets it)
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX="${DECODIFF_PREFIX:-/opt/decodiff}"
TORCH_VERSION="2.11.0"
say() { echo "bootstrap: $*" >&2; }
die() { echo "bootstrap: error: $*" >&2; exit 1; }

# --- Debian packages ---------------------------------------------------------
DEB_PACKAGES=(
  meson ninja-build pkg-config python3 python3-venv g++
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools
  libopencv-dev nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev
  libmosquitto-dev libssl-dev mosquitto
  libgloo-dev  # headers only: c10d's ProcessGroupGloo.hpp includes them (decodiff-train on several CPU ranks)
  chromium  # headless: the replay report test opens report.html in a real browser
)
[[ "${DECODIFF_WITH_PHOTOS:-0}" == 1 ]] && DEB_PACKAGES+=(opencv-doc)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ "${DECODIFF_NO_APT:-0}" == 1 ]] && die "missing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  say "installing ${#missing[@]} Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
fi

# --- LibTorch (from the PyPI wheel, once per machine) ---------------------------
if [[ -n "${DECODIFF_TORCH_ROOT:-}" ]]; then
  TORCH_ROOT="$DECODIFF_TORCH_ROOT"
else
  VENV="$PREFIX/venv"
  TORCH_ROOT="$(ls -d "$VENV"/lib/python3*/site-packages/torch 2>/dev/null | head -n1 || true)"
  if [[ -z "$TORCH_ROOT" || ! -f "$TORCH_ROOT/lib/libtorch_cpu.so" || ! -f "$PREFIX/.torch-$TORCH_VERSION-ok" ]]; then
    say "installing LibTorch (PyPI torch==$TORCH_VERSION, CUDA build, ~3 GB) into $VENV; this happens once per machine"
    mkdir -p "$PREFIX" || die "cannot create $PREFIX"
    [[ -x "$VENV/bin/python3" ]] || python3 -m venv "$VENV" || die "cannot create a Python venv in $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "torch==$TORCH_VERSION" \
      || die "could not download torch==$TORCH_VERSION from PyPI (network or disk space?); nothing was built"
    TORCH_ROOT="$(ls -d "$VENV"/lib/python3*/site-packages/torch | head -n1)"
    touch "$PREFIX/.torch-$TORCH_VERSION-ok"
  fi
  # The Python helpers run in this venv (isolated, -I): what they import must be installed here,
  # never borrowed from a package someone installed by hand.
  if ! "$VENV/bin/python3" -I -c 'import numpy' 2>/dev/null; then
    say "installing numpy into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check numpy \
      || die "could not install numpy into $VENV from PyPI"
  fi
fi
[[ -f "$TORCH_ROOT/lib/libtorch_cpu.so" ]] || die "$TORCH_ROOT is not a torch package directory (no lib/libtorch_cpu.so)"

# --- configure build/ ------------------------------------------------------------
if [[ ! -f build/build.ninja ]]; then
  say "configuring build/ against $TORCH_ROOT"
  meson setup build -Dtorch_root="$TORCH_ROOT" >build-setup.log 2>&1 || { cat build-setup.log >&2; die "meson setup failed"; }
  rm -f build-setup.log
else
  current="$(meson introspect build --buildoptions 2>/dev/null | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="torch_root"))' 2>/dev/null || true)"
  if [[ "$current" != "$TORCH_ROOT" ]]; then
    meson configure build -Dtorch_root="$TORCH_ROOT" >/dev/null || die "meson configure failed"
  fi
fi
