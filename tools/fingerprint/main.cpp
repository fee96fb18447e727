// decodiff-fingerprint: writes or checks the fingerprint section of a model
// file (docs/model-format.md, "Fingerprint").
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

#include "decodiff_config.h"
#include "engine.h"
#include "error_text.h"
#include "fingerprint.h"

namespace {

struct Args {
  std::string model, device, precision = "fp32", class_name = "0";
  uint64_t seed = decodiff::Fingerprint::kDefaultSeed;
  bool write = false;
};

nlohmann::json to_json(const decodiff::FingerprintStats& s) {
  return {{"score", s.score},
          {"map_mean", s.map_mean},
          {"map_std", s.map_std},
          {"vae_error", s.vae_error},
          {"latent_change", s.latent_change}};
}

int write(const Args& a) {
  const auto fp =
      decodiff::add_model_fingerprint(a.model, a.device.empty() ? "cpu" : a.device, a.class_name, a.seed,
                                      std::string("decodiff-fingerprint ") + DECODIFF_VERSION);
  std::cout << nlohmann::json{{"model", a.model}, {"written", true}, {"fingerprint", fp.to_json()}}.dump()
            << std::endl;
  return 0;
}

int check(const Args& a) {
  using namespace decodiff;
  EngineOptions options;
  options.device = a.device.empty() ? "auto" : a.device;
  options.precision = parse_precision(a.precision);
  options.verify_fingerprint = false;  // checked here, to report the figures
  auto engine = Engine::load(a.model, options);
  const auto& fp = engine->config().fingerprint;
  if (!fp) throw ModelFileError(a.model + ": the model has no fingerprint (add one with --write)");
  if (!fp->supported())
    throw ModelFileError(a.model + ": fingerprint version " + std::to_string(fp->version) +
                         " is not read by this build");
  const FingerprintCheck c = check_fingerprint(*engine, *fp);
  std::cout << nlohmann::json{{"model", a.model},
                              {"ok", c.ok()},
                              {"device", engine->device().str()},
                              {"precision", to_string(engine->precision())},
                              {"tolerance", c.tolerance},
                              {"expected", to_json(fp->expected)},
                              {"measured", to_json(c.measured)}}
                   .dump()
            << std::endl;
  if (c.ok()) return 0;
  std::cerr << "decodiff-fingerprint: error: " << describe_failed_check(*engine, c, a.model) << std::endl;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "decodiff-fingerprint: check a model file's fingerprint on a device and precision (default), or write "
      "a "
      "new one (--write: the probe's score and map statistics as this build computes them in fp32)"};
  Args a;
  app.add_option("--model", a.model, "model file (.safetensors)")->required()->check(CLI::ExistingFile);
  auto* write_flag = app.add_flag("--write", a.write, "compute the fingerprint and write it into the file");
  app.add_flag("--check", "check the fingerprint (the default)")->excludes(write_flag);
  app.add_option("--device", a.device,
                 "auto, cpu, cuda or cuda:N (default: auto for --check, cpu for --write)");
  app.add_option("--precision", a.precision, "fp32, fp16 (CUDA) or bf16; --write takes fp32 only")
      ->capture_default_str();
  app.add_option("--class", a.class_name, "--write: the class the probe is inspected as (name or id)")
      ->capture_default_str();
  app.add_option("--seed", a.seed, "--write: the probe image's seed")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (a.write && decodiff::parse_precision(a.precision) != decodiff::Precision::kFloat32)
      throw std::invalid_argument(
          "--write makes fingerprints in fp32 only (the reference the other precisions "
          "are checked against), not " +
          a.precision);
    return a.write ? write(a) : check(a);
  } catch (const std::exception& e) {
    std::cerr << "decodiff-fingerprint: error: " << decodiff::error_text(e) << std::endl;
    return 1;
  }
}
