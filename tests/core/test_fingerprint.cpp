// The model self-test at load: finite tensors, and the fingerprint (probe image,
// section, check in Engine::load, writing it into a file) on copies of the
// tiny golden model.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include "../common/temp_dir.h"
#include "../common/test_data.h"
#include "engine.h"
#include "fingerprint.h"
#include "io/safetensors.h"
#include "model_file.h"
#include "probe_image.h"

namespace decodiff {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const EngineOptions kCpu{"cpu", Precision::kFloat32};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The tensor bytes of a safetensors file: everything after the header.
std::string data_section(const std::string& path) {
  const std::string bytes = read_bytes(path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  return bytes.substr(8 + n);
}

json decodiff_metadata(const std::string& path) {
  return json::parse(io::read_safetensors(path).metadata.at("decodiff"));
}

// Runs `f` and returns the ModelFileError's message ("" when nothing was thrown).
template <typename F>
std::string model_file_error(F&& f) {
  try {
    f();
  } catch (const ModelFileError& e) {
    return e.what();
  }
  return "";
}

class FingerprintTest : public ::testing::Test {
 protected:
  // One fingerprinted copy for the suite (each test copies it again before changing it).
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir("fingerprint");
    fingerprinted_ = dir_->file("fingerprinted.safetensors");
    fs::copy_file(testing::golden_path("tiny_model.safetensors"), fingerprinted_);
    add_model_fingerprint(fingerprinted_);
  }
  static void TearDownTestSuite() { delete dir_; }

  std::string copy_of_fingerprinted(const std::string& name) {
    const std::string p = tmp_.file(name);
    fs::copy_file(fingerprinted_, p);
    return p;
  }

  static testing::TempDir* dir_;
  static std::string fingerprinted_;
  testing::TempDir tmp_{"fingerprint-case"};
};
testing::TempDir* FingerprintTest::dir_ = nullptr;
std::string FingerprintTest::fingerprinted_;

TEST(ProbeImage, IsTheSameImageEverywhere) {
  const auto a = make_probe_rgb(Fingerprint::kDefaultSeed, 64);
  ASSERT_EQ(a.size(), 64u * 64u * 3u);
  // FNV-1a of the bytes: pinned, because every stored fingerprint depends on them.
  uint64_t hash = 1469598103934665603ull;
  for (uint8_t b : a) hash = (hash ^ b) * 1099511628211ull;
  EXPECT_EQ(hash, 5930764702247286129ull)
      << "probe bytes changed: every fingerprint in existing model files would fail";
  EXPECT_EQ(make_probe_rgb(Fingerprint::kDefaultSeed, 64), a);
  EXPECT_NE(make_probe_rgb(Fingerprint::kDefaultSeed + 1, 64), a);

  // The odd patch: an 8x8 square (size / 8) whose every channel is near black or near white
  // (0.08 or 0.92 of 255, rounded), both present; no other pixel is like that.
  int patch_pixels = 0, x0 = 64, y0 = 64, x1 = -1, y1 = -1, dark = 0;
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) {
      const uint8_t* p = &a[(y * 64 + x) * 3];
      bool extreme = true;
      for (int c = 0; c < 3; ++c) extreme = extreme && (p[c] == 20 || p[c] == 235);
      if (!extreme) continue;
      ++patch_pixels;
      dark += p[0] == 20;
      x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
    }
  EXPECT_EQ(patch_pixels, 64);
  EXPECT_EQ(x1 - x0, 7);
  EXPECT_EQ(y1 - y0, 7);
  EXPECT_GT(dark, 16);
  EXPECT_LT(dark, 48);

  const at::Tensor input = make_probe_input(Fingerprint::kDefaultSeed, 64);
  EXPECT_EQ(input.sizes(), (at::IntArrayRef{1, 3, 64, 64}));
  EXPECT_GE(input.min().item<float>(), -1.0f);
  EXPECT_LE(input.max().item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(input[0][1][5][7].item<float>(), a[(5 * 64 + 7) * 3 + 1] / 127.5f - 1.0f);
}

TEST(ModelSelfTest, NonFiniteTensorIsRefusedNamingIt) {
  testing::TempDir tmp("non-finite");
  auto content = testing::load_golden("tiny_model.safetensors");
  content.tensors.at("unet.out.2.weight").view(-1)[3] = std::numeric_limits<float>::quiet_NaN();
  const std::string nan_file = tmp.file("nan.safetensors");
  io::write_safetensors(nan_file, content.tensors, content.metadata);
  const std::string what = model_file_error([&] { load_model_file(nan_file); });
  EXPECT_NE(what.find(nan_file + ": tensor 'unet.out.2.weight' has non-finite values (NaN/Inf): 1 of"),
            std::string::npos)
      << what;
  // The engine refuses it the same way, before any fingerprint question.
  EXPECT_EQ(model_file_error([&] { Engine::load(nan_file, kCpu); }), what);

  // An infinity in a VAE tensor stored as float16.
  content = testing::load_golden("tiny_model.safetensors");
  auto& w = content.tensors.at("vae.decoder.conv_out.weight");
  w = w.to(at::kHalf);
  w.view(-1)[0] = std::numeric_limits<float>::infinity();
  const std::string inf_file = tmp.file("inf.safetensors");
  io::write_safetensors(inf_file, content.tensors, content.metadata);
  EXPECT_NE(model_file_error([&] {
              load_model_file(inf_file);
            }).find("tensor 'vae.decoder.conv_out.weight' has non-finite values"),
            std::string::npos);
}

TEST(ModelSelfTest, ModelWithoutFingerprintLoadsWithExactlyOneWarning) {
  const std::string golden = testing::golden_path("tiny_model.safetensors");
  auto engine = Engine::load(golden, kCpu);
  ASSERT_EQ(engine->load_warnings().size(), 1u);
  EXPECT_EQ(engine->load_warnings()[0].rfind(golden + ": the model has no fingerprint", 0), 0u)
      << engine->load_warnings()[0];
  EngineOptions unchecked = kCpu;
  unchecked.verify_fingerprint = false;
  EXPECT_TRUE(Engine::load(golden, unchecked)->load_warnings().empty());
}

TEST_F(FingerprintTest, FreshlyFingerprintedModelLoadsCleanOnCpuFp32) {
  auto engine = Engine::load(fingerprinted_, kCpu);
  EXPECT_TRUE(engine->load_warnings().empty());
  const auto& fp = engine->config().fingerprint;
  ASSERT_TRUE(fp.has_value());
  EXPECT_EQ(fp->version, 1);
  EXPECT_EQ(fp->seed, Fingerprint::kDefaultSeed);
  EXPECT_EQ(fp->class_name, "alpha");
  EXPECT_EQ(fp->reverse_steps, 5);
  EXPECT_EQ(fp->tolerance.float32, FingerprintTolerance::kDefaultFloat32);
  EXPECT_EQ(fp->provenance.at("device"), "cpu");
  EXPECT_EQ(fp->provenance.at("precision"), "fp32");
  // The stored figures are the engine's own on the probe.
  const FingerprintStats s = measure_probe(*engine, fp->seed, 0, 5);
  EXPECT_NEAR(s.score, fp->expected.score, 1e-6);
  EXPECT_NEAR(s.map_mean, fp->expected.map_mean, 1e-6);
  EXPECT_NEAR(s.map_std, fp->expected.map_std, 1e-6);
  EXPECT_NEAR(s.vae_error, fp->expected.vae_error, 1e-6);
  EXPECT_NEAR(s.latent_change, fp->expected.latent_change, 1e-6);
  // Informative: far from the zero a dead network gives, by many reduced-precision tolerances.
  EXPECT_GT(fp->expected.score, 4 * fp->tolerance.reduced_precision);
  EXPECT_GT(fp->expected.map_mean, 2 * fp->tolerance.float32);
  // The score is the maximum of the map the probe gets.
  const auto out = engine->run(make_probe_input(fp->seed, 64), at::tensor({int64_t{0}}), 5);
  EXPECT_FLOAT_EQ(static_cast<float>(fp->expected.score), out.maps.fused.max().item<float>());
}

TEST_F(FingerprintTest, ReducedPrecisionPassesWithItsTolerance) {
  auto engine = Engine::load(fingerprinted_, {"cpu", Precision::kBFloat16});
  EXPECT_TRUE(engine->load_warnings().empty());
  const FingerprintCheck check = check_fingerprint(*engine, *engine->config().fingerprint);
  EXPECT_TRUE(check.ok());
  EXPECT_EQ(check.tolerance, FingerprintTolerance::kDefaultReducedPrecision);
  // bf16 really differs from fp32 (the check is not comparing fp32 with itself).
  EXPECT_GT(std::abs(check.measured.map_mean - engine->config().fingerprint->expected.map_mean), 1e-5);
}

TEST_F(FingerprintTest, ZeroUnetWithTheOriginalFingerprintIsRefused) {
  auto content = io::read_safetensors(fingerprinted_);
  for (auto& [name, t] : content.tensors)
    if (name.rfind("unet.", 0) == 0) t.zero_();
  const std::string zero = tmp_.file("zero-unet.safetensors");
  io::write_safetensors(zero, content.tensors, content.metadata);
  // Without the check it loads and scores (nearly) nothing: a model that passes every part.
  EngineOptions unchecked = kCpu;
  unchecked.verify_fingerprint = false;
  auto dead = Engine::load(zero, unchecked);
  EXPECT_LT(measure_probe(*dead, Fingerprint::kDefaultSeed, 0, 5).score, 1e-6);

  const std::string what = model_file_error([&] { Engine::load(zero, kCpu); });
  EXPECT_EQ(what.rfind(zero + ": fingerprint check failed on cpu in fp32: score 0 (expected ", 0), 0u)
      << what;
  EXPECT_NE(what.find("map_mean 0 (expected "), std::string::npos) << what;
  EXPECT_NE(what.find("latent_change 0 (expected "), std::string::npos) << what;
  EXPECT_EQ(what.find("vae_error"), std::string::npos) << what;  // the VAE is intact
  EXPECT_NE(what.find("beyond the tolerance 0.002"), std::string::npos) << what;
}

TEST_F(FingerprintTest, TamperedExpectedValueIsRefusedAndTheToleranceHolds) {
  const std::string p = copy_of_fingerprinted("tampered.safetensors");
  const double mean = decodiff_metadata(p)["fingerprint"]["expected"]["map_mean"].get<double>();
  auto set_mean = [&](double v) {
    edit_model_metadata(p, [&](json& m) { m["fingerprint"]["expected"]["map_mean"] = v; });
  };
  set_mean(mean + 0.8 * FingerprintTolerance::kDefaultFloat32);  // within the tolerance
  EXPECT_TRUE(Engine::load(p, kCpu)->load_warnings().empty());
  set_mean(mean + 0.01);
  const std::string what = model_file_error([&] { Engine::load(p, kCpu); });
  EXPECT_NE(what.find(p + ": fingerprint check failed"), std::string::npos) << what;
  EXPECT_NE(what.find("map_mean"), std::string::npos) << what;
  EXPECT_EQ(what.find("score"), std::string::npos) << what;  // only the tampered statistic is named
  // bf16 has the larger tolerance: 0.01 is within it.
  EXPECT_NO_THROW(Engine::load(p, {"cpu", Precision::kBFloat16}));
}

TEST_F(FingerprintTest, MalformedSectionIsOneClearError) {
  const std::string p = copy_of_fingerprinted("malformed.safetensors");
  const json original = decodiff_metadata(p)["fingerprint"];
  auto expect_refused = [&](const std::function<void(json&)>& change, const std::string& fragment) {
    json section = original;
    change(section);
    json meta = decodiff_metadata(p);
    meta["fingerprint"] = section;
    const std::string what = model_file_error([&] { ModelConfig::from_json(meta.dump(), p); });
    EXPECT_NE(what.find(p + ": model metadata: "), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
    // edit_model_metadata refuses to write it, and the file is unchanged.
    const std::string before = read_bytes(p);
    EXPECT_FALSE(model_file_error([&] {
                   edit_model_metadata(p, [&](json& m) { m["fingerprint"] = section; });
                 }).empty());
    EXPECT_EQ(read_bytes(p), before);
  };
  expect_refused([](json& f) { f["expected"].erase("score"); }, "missing key 'fingerprint.expected.score'");
  expect_refused([](json& f) { f["expected"]["map_std"] = "wide"; }, "'fingerprint.expected.map_std'");
  expect_refused([](json& f) { f["tolerance"]["fp32"] = -1; },
                 "'fingerprint.tolerance.fp32' must be a finite");
  expect_refused([](json& f) { f["probe"]["class"] = "delta"; }, "fingerprint.probe.class 'delta'");
  expect_refused([](json& f) { f["probe"]["reverse_steps"] = 7; }, "fingerprint.probe.reverse_steps");
  expect_refused([](json& f) { f.erase("probe"); }, "missing section 'fingerprint.probe'");
}

TEST_F(FingerprintTest, NewerVersionIsKeptAndWarnedAbout) {
  const std::string p = copy_of_fingerprinted("newer.safetensors");
  const json future = {{"version", 2}, {"probes", json::array({1, 2})}};
  edit_model_metadata(p, [&](json& m) { m["fingerprint"] = future; });
  auto engine = Engine::load(p, kCpu);
  ASSERT_EQ(engine->load_warnings().size(), 1u);
  EXPECT_NE(engine->load_warnings()[0].find("fingerprint version 2 is not read by this build"),
            std::string::npos);
  EXPECT_EQ(json::parse(engine->config().to_json())["fingerprint"], future);  // kept as it was
}

TEST_F(FingerprintTest, WritingKeepsEveryTensorByteAndTheOtherMetadata) {
  // A model stored as float16 (as the default model is), with calibration and a foreign metadata key.
  auto content = testing::load_golden("tiny_model.safetensors");
  for (auto& [name, t] : content.tensors)
    if (name.rfind("unet.", 0) == 0) t = t.to(at::kHalf);
  json meta = json::parse(content.metadata.at("decodiff"));
  meta["calibration"] = {{"image_threshold", 0.25}, {"method", "f1-optimal"}, {"images", 7}};
  meta["training"] = {{"stored_as", "float16"}, {"epochs", 3}};
  content.metadata["decodiff"] = meta.dump();
  content.metadata["other-tool"] = "kept as is";
  const std::string p = tmp_.file("half.safetensors");
  io::write_safetensors(p, content.tensors, content.metadata);
  const std::string data_before = data_section(p);
  const auto before = io::read_safetensors(p);

  const Fingerprint fp = add_model_fingerprint(p);
  EXPECT_FALSE(fs::exists(p + ".partial"));
  EXPECT_EQ(data_section(p), data_before);  // every tensor byte, in place
  const auto after = io::read_safetensors(p);
  ASSERT_EQ(after.tensors.size(), before.tensors.size());
  for (const auto& [name, t] : before.tensors) {
    EXPECT_EQ(after.tensors.at(name).scalar_type(), t.scalar_type()) << name;
    EXPECT_TRUE(after.tensors.at(name).equal(t)) << name;
  }
  EXPECT_EQ(after.metadata.at("other-tool"), "kept as is");
  json meta_after = json::parse(after.metadata.at("decodiff"));
  EXPECT_EQ(meta_after["fingerprint"], fp.to_json());
  meta_after.erase("fingerprint");
  EXPECT_EQ(meta_after, meta);  // nothing else changed
  // The float16 weights are what the fingerprint was made from: it checks clean.
  EXPECT_TRUE(Engine::load(p, kCpu)->load_warnings().empty());

  // Refreshing replaces the section; a reduced-precision engine cannot make one.
  EXPECT_EQ(add_model_fingerprint(p, "cpu", "gamma").class_name, "gamma");
  EXPECT_EQ(decodiff_metadata(p)["fingerprint"]["probe"]["class"], "gamma");
  EXPECT_EQ(data_section(p), data_before);
  EngineOptions bf16{"cpu", Precision::kBFloat16};
  bf16.verify_fingerprint = false;
  EXPECT_THROW(take_fingerprint(*Engine::load(p, bf16)), std::invalid_argument);
}

TEST_F(FingerprintTest, WritingOneLeavesTheRandomStreamAlone) {
  // decodiff-train fingerprints every checkpoint: its random draws must stay those of a run without.
  const std::string p = copy_of_fingerprinted("random.safetensors");
  at::manual_seed(11);
  const at::Tensor expected = at::rand({16});
  at::manual_seed(11);
  add_model_fingerprint(p);
  EXPECT_TRUE(at::rand({16}).equal(expected));
}

}  // namespace
}  // namespace decodiff
