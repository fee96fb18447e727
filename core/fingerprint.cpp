#include "fingerprint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "decodiff_config.h"
#include "model_file.h"
#include "probe_image.h"

namespace decodiff {
namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

FingerprintStats measure_probe(Engine& engine, uint64_t seed, int class_id, int reverse_steps) {
  c10::InferenceMode guard;
  const at::Tensor probe = make_probe_input(seed, engine.config().input.crop);
  const EngineOutputs out = engine.run(probe, at::tensor({int64_t{class_id}}), reverse_steps);
  const at::Tensor map = out.maps.fused[0].to(at::kCPU, at::kDouble);
  FingerprintStats s;
  s.score = out.maps.score[0].to(at::kCPU, at::kDouble).item<double>();
  s.map_mean = map.mean().item<double>();
  s.map_std = map.std(/*unbiased=*/false).item<double>();
  s.vae_error = (out.image_x0.to(at::kCPU, at::kDouble) - out.input.to(at::kCPU, at::kDouble))
                    .abs()
                    .mean()
                    .item<double>();
  s.latent_change = (out.latent_rec.to(at::kCPU, at::kDouble) - out.latent.to(at::kCPU, at::kDouble))
                        .abs()
                        .mean()
                        .item<double>();
  return s;
}

Fingerprint take_fingerprint(Engine& engine, const std::string& class_name_or_id, uint64_t seed,
                             const std::string& tool) {
  if (engine.precision() != Precision::kFloat32)
    throw std::invalid_argument(
        "a fingerprint is made in fp32 (it is the reference the other precisions are "
        "checked against), not in " +
        to_string(engine.precision()));
  const ModelConfig& cfg = engine.config();
  Fingerprint fp;
  fp.seed = seed;
  fp.class_name = cfg.class_name(cfg.class_id(class_name_or_id));
  fp.reverse_steps = cfg.diffusion.reverse_steps;
  fp.expected = measure_probe(engine, seed, cfg.class_id(fp.class_name), fp.reverse_steps);
  const FingerprintStats& e = fp.expected;
  if (!std::isfinite(e.score) || !std::isfinite(e.map_mean) || !std::isfinite(e.map_std) ||
      !std::isfinite(e.vae_error) || !std::isfinite(e.latent_change))
    throw ModelFileError(engine.model_path() + ": the fingerprint probe gives non-finite values (score " +
                         number(e.score) + ", vae_error " + number(e.vae_error) +
                         "): the model computes garbage; no fingerprint written");
  fp.provenance = {{"device", engine.device().str()},
                   {"precision", to_string(engine.precision())},
                   {"tool", tool.empty() ? std::string("decodiff ") + DECODIFF_VERSION : tool},
                   {"created", utc_now()}};
  return fp;
}

FingerprintCheck check_fingerprint(Engine& engine, const Fingerprint& fp) {
  if (!fp.supported()) throw std::invalid_argument("fingerprint version not supported by this build");
  const ModelConfig& cfg = engine.config();
  FingerprintCheck check;
  check.measured = measure_probe(engine, fp.seed, cfg.class_id(fp.class_name), fp.reverse_steps);
  check.tolerance =
      engine.precision() == Precision::kFloat32 ? fp.tolerance.float32 : fp.tolerance.reduced_precision;
  const struct {
    const char* name;
    double expected, got;
  } stats[] = {{"score", fp.expected.score, check.measured.score},
               {"map_mean", fp.expected.map_mean, check.measured.map_mean},
               {"map_std", fp.expected.map_std, check.measured.map_std},
               {"vae_error", fp.expected.vae_error, check.measured.vae_error},
               {"latent_change", fp.expected.latent_change, check.measured.latent_change}};
  for (const auto& s : stats) {
    // Written so that NaN fails.
    if (!(std::abs(s.got - s.expected) <= check.tolerance))
      check.mismatches.push_back(std::string(s.name) + " " + number(s.got) + " (expected " +
                                 number(s.expected) + ")");
  }
  return check;
}

std::string describe_failed_check(const Engine& engine, const FingerprintCheck& check,
                                  const std::string& source) {
  std::string list;
  for (const std::string& m : check.mismatches) list += (list.empty() ? "" : ", ") + m;
  return source + ": fingerprint check failed on " + engine.device().str() + " in " +
         to_string(engine.precision()) + ": " + list + ", beyond the tolerance " + number(check.tolerance) +
         "; the model does not compute what it computed when its fingerprint was made (corrupt or badly "
         "converted weights, or a device/precision that computes garbage)";
}

void verify_fingerprint(Engine& engine, const Fingerprint& fp, const std::string& source) {
  const FingerprintCheck check = check_fingerprint(engine, fp);
  if (!check.ok()) throw ModelFileError(describe_failed_check(engine, check, source));
}

void write_model_fingerprint(const std::string& path, const Fingerprint& fp) {
  edit_model_metadata(path, [&](nlohmann::json& meta) { meta["fingerprint"] = fp.to_json(); });
}

Fingerprint add_model_fingerprint(const std::string& path, const std::string& device,
                                  const std::string& class_name_or_id, uint64_t seed,
                                  const std::string& tool) {
  // Building the networks draws their initial weights from the default CPU
  // generator; a trainer that fingerprints its checkpoints must get the same
  // random stream afterwards as without them.
  struct KeepCpuRandomState {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    at::Tensor state = generator.get_state();
    ~KeepCpuRandomState() { generator.set_state(state); }
  } keep_random_state;
  EngineOptions options;
  options.device = device;
  options.verify_fingerprint = false;
  auto engine = Engine::load(path, options);
  Fingerprint fp = take_fingerprint(*engine, class_name_or_id, seed, tool);
  write_model_fingerprint(path, fp);
  return fp;
}

}  // namespace decodiff
