# Sourced by the pipeline scripts: lets gst-launch-1.0 find decodiffinspect in
# an uninstalled build (build/ of this checkout, or $DECODIFF_BUILD_DIR).
_decodiff_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_decodiff_build="${DECODIFF_BUILD_DIR:-$_decodiff_root/build}"
if [[ -f "$_decodiff_build/gst-plugin/libgstdecodiff.so" ]]; then
  export GST_PLUGIN_PATH="$_decodiff_build/gst-plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
fi
if ! gst-inspect-1.0 decodiffinspect >/dev/null 2>&1; then
  echo "$(basename "$0"): the decodiffinspect element is not found: build it (ninja -C build) or install it" >&2
  exit 2
fi
need_file() { [[ -f "$1" ]] || { echo "$(basename "$0"): $2 $1 does not exist" >&2; exit 2; }; }
