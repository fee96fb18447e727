// Where tests find the source tree, the build tree and the fixtures (tests/fixtures/).
// meson test sets DECODIFF_SOURCE_DIR and DECODIFF_BUILD_DIR (tests/meson.build); a test binary
// run by hand falls back to the source folder the build was configured from and to the current
// folder. No LibTorch, no GStreamer: every test may include it.
#pragma once

#include <cstdlib>
#include <string>

#include "decodiff_config.h"

namespace decodiff::testing {

inline std::string source_dir() {
  const char* dir = std::getenv("DECODIFF_SOURCE_DIR");
  return dir ? dir : DECODIFF_SOURCE_DIR;
}

inline std::string build_dir() {
  const char* dir = std::getenv("DECODIFF_BUILD_DIR");
  return dir ? dir : ".";
}

// A file of the build tree, e.g. build_path("tools/eval/decodiff-eval").
inline std::string build_path(const std::string& relative) { return build_dir() + "/" + relative; }

// A file of tests/fixtures/<folder>/, e.g. fixture_path("metrics", "metrics_golden.json").
inline std::string fixture_path(const std::string& folder, const std::string& name) {
  return source_dir() + "/tests/fixtures/" + folder + "/" + name;
}

// A file of tests/fixtures/golden/ (golden vectors and tiny models from the reference implementation).
inline std::string golden_path(const std::string& name) { return fixture_path("golden", name); }

}  // namespace decodiff::testing
