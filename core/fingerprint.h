// The model's fingerprint: what a model computes on a fixed probe input,
// stored in the model file and checked when the engine loads it
// (docs/model-format.md, "Fingerprint"). The section itself (keys, parsing) is
// `Fingerprint` in model_config.h; this file measures, checks and writes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine.h"
#include "model_config.h"

namespace decodiff {

// The probe's statistics as `engine` computes them: one run of the probe
// image (probe_image.h, `seed`, at the model's crop size) as class `class_id`.
FingerprintStats measure_probe(Engine& engine, uint64_t seed, int class_id, int reverse_steps);

// A fingerprint of what `engine` computes now, with the default tolerances and
// the model's default reverse steps. Only fp32 engines make fingerprints (the
// reference numbers; std::invalid_argument otherwise); non-finite statistics
// are a ModelFileError. `tool` is recorded as provenance.
Fingerprint take_fingerprint(Engine& engine, const std::string& class_name_or_id = "0",
                             uint64_t seed = Fingerprint::kDefaultSeed, const std::string& tool = "");

struct FingerprintCheck {
  FingerprintStats measured;
  double tolerance = 0;                 // the one that applied (fp32 or reduced precision)
  std::vector<std::string> mismatches;  // one per statistic out of tolerance, e.g. "score 0 (expected 0.41)"
  bool ok() const { return mismatches.empty(); }
};

// Runs the probe and compares. `fingerprint` must be supported().
FingerprintCheck check_fingerprint(Engine& engine, const Fingerprint& fingerprint);

// The one-line refusal of a failed check: `source`, the device and precision,
// every statistic out of tolerance and the tolerance.
std::string describe_failed_check(const Engine& engine, const FingerprintCheck& check,
                                  const std::string& source);

// Throws ModelFileError (describe_failed_check) when the check fails.
void verify_fingerprint(Engine& engine, const Fingerprint& fingerprint, const std::string& source);

// Replaces the fingerprint section of a model file (edit_model_metadata:
// atomic; every other metadata key and every tensor byte kept).
void write_model_fingerprint(const std::string& path, const Fingerprint& fingerprint);

// Loads `path` on `device` in fp32 without checking its fingerprint, takes a
// new one and writes it into the file; returns it.
Fingerprint add_model_fingerprint(const std::string& path, const std::string& device = "cpu",
                                  const std::string& class_name_or_id = "0",
                                  uint64_t seed = Fingerprint::kDefaultSeed, const std::string& tool = "");

}  // namespace decodiff
