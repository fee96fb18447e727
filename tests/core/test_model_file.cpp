#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "../common/temp_dir.h"
#include "../common/test_data.h"
#include "io/safetensors.h"
#include "model_file.h"

namespace decodiff {
namespace {

class ModelFileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    original_ = new io::SafetensorsContent(testing::load_golden("tiny_model.safetensors"));
  }
  static void TearDownTestSuite() { delete original_; }
  void SetUp() override { content_ = *original_; }
  std::string write(const std::string& name) {
    const auto p = tmp_.file(name);
    io::write_safetensors(p, content_.tensors, content_.metadata);
    return p;
  }
  void expect_error(const std::string& file, const std::string& fragment) {
    try {
      load_model_file(file);
      FAIL() << "loaded a bad model " << file;
    } catch (const ModelFileError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(file), std::string::npos) << what;
      EXPECT_NE(what.find(fragment), std::string::npos) << what;
    }
  }
  static io::SafetensorsContent* original_;
  io::SafetensorsContent content_;
  testing::TempDir tmp_{"model-file"};
};
io::SafetensorsContent* ModelFileTest::original_ = nullptr;

TEST_F(ModelFileTest, LoadsTheGoldenModelWithItsMetadata) {
  auto model = load_model_file(testing::golden_path("tiny_model.safetensors"));
  EXPECT_EQ(model.config.classes, (std::vector<std::string>{"alpha", "beta", "gamma"}));
  EXPECT_EQ(model.config.input.crop, 64);
  EXPECT_EQ(model.config.latent_size(), 16);
  EXPECT_EQ(model.config.unet.model_channels, 32);
  const auto w = content_.tensors.at("unet.out.2.weight");
  EXPECT_TRUE(model.unet->named_parameters()["out.2.weight"].equal(w));
}

TEST_F(ModelFileTest, MissingTensorIsNamed) {
  content_.tensors.erase("unet.input_blocks.1.1.proj_in.weight");
  expect_error(write("missing.safetensors"), "missing tensor 'unet.input_blocks.1.1.proj_in.weight'");
}

TEST_F(ModelFileTest, UnexpectedTensorIsNamed) {
  content_.tensors["unet.extra.weight"] = at::zeros({2});
  expect_error(write("unexpected.safetensors"), "unexpected tensor 'unet.extra.weight'");
  content_.tensors.erase("unet.extra.weight");
  content_.tensors["optimizer.step"] = at::zeros({1});
  expect_error(write("unexpected2.safetensors"), "unexpected tensor 'optimizer.step'");
}

TEST_F(ModelFileTest, WrongShapeIsNamed) {
  content_.tensors["vae.quant_conv.weight"] = at::zeros({8, 8, 3, 3});
  expect_error(write("shape.safetensors"), "tensor 'vae.quant_conv.weight' has shape");
}

TEST_F(ModelFileTest, WrongDtypeIsNamed) {
  content_.tensors["vae.quant_conv.bias"] = at::zeros({8}, at::kLong);
  expect_error(write("dtype.safetensors"), "tensor 'vae.quant_conv.bias' has dtype");
}

TEST_F(ModelFileTest, HalfAndBFloat16WeightsLoad) {
  for (auto dtype : {at::kHalf, at::kBFloat16}) {
    for (auto& [name, t] : content_.tensors) t = t.to(dtype);
    const auto p = write("half.safetensors");
    auto model = load_model_file(p);
    auto w = model.vae->named_parameters()["quant_conv.weight"];
    EXPECT_EQ(w.scalar_type(), at::kFloat);
    EXPECT_TRUE(w.equal(content_.tensors.at("vae.quant_conv.weight").to(at::kFloat)));
  }
}

TEST_F(ModelFileTest, OldVaeAttentionNamesAreAccepted) {
  for (const char* part : {"to_q", "to_k", "to_v"}) {
    const std::string cur = std::string("vae.encoder.mid_block.attentions.0.") + part + ".weight";
    const std::string old = std::string("vae.encoder.mid_block.attentions.0.") +
                            (part == std::string("to_q")   ? "query"
                             : part == std::string("to_k") ? "key"
                                                           : "value") +
                            ".weight";
    content_.tensors[old] = content_.tensors.at(cur);
    content_.tensors.erase(cur);
  }
  content_.tensors["vae.encoder.mid_block.attentions.0.proj_attn.weight"] =
      content_.tensors.at("vae.encoder.mid_block.attentions.0.to_out.0.weight");
  content_.tensors.erase("vae.encoder.mid_block.attentions.0.to_out.0.weight");
  auto model = load_model_file(write("oldnames.safetensors"));
  EXPECT_TRUE(model.vae->named_parameters()["encoder.mid_block.attentions.0.to_q.weight"].equal(
      original_->tensors.at("vae.encoder.mid_block.attentions.0.to_q.weight")));
}

TEST_F(ModelFileTest, BadMetadataJson) {
  content_.metadata["decodiff"] = "{\"format_version\": 1, ";
  expect_error(write("json.safetensors"), "not valid JSON");
}

TEST_F(ModelFileTest, MetadataMissingKeyIsNamed) {
  auto doc = nlohmann::json::parse(content_.metadata["decodiff"]);
  doc["unet"].erase("context_dim");
  content_.metadata["decodiff"] = doc.dump();
  expect_error(write("key.safetensors"), "unet.context_dim");
}

TEST_F(ModelFileTest, NoDecodiffMetadata) {
  content_.metadata.clear();
  expect_error(write("nometa.safetensors"), "not a decodiff model");
}

TEST_F(ModelFileTest, TruncatedFile) {
  const auto p = write("trunc.safetensors");
  std::filesystem::resize_file(p, std::filesystem::file_size(p) / 2);
  expect_error(p, "truncated");
}

TEST_F(ModelFileTest, SaveThenLoadIsIdentical) {
  auto model = load_model_file(testing::golden_path("tiny_model.safetensors"));
  const auto p = tmp_.file("resaved.safetensors");
  save_model_file(p, model.config, model.unet, model.vae);
  auto again = io::read_safetensors(p);
  ASSERT_EQ(again.tensors.size(), original_->tensors.size());
  for (const auto& [name, t] : original_->tensors) EXPECT_TRUE(again.tensors.at(name).equal(t)) << name;
  EXPECT_EQ(ModelConfig::from_json(again.metadata.at("decodiff"), p).to_json(), model.config.to_json());
}

TEST(ModelConfigTest, PerClassThresholdsApplyToTheirClassAndSurviveASave) {
  auto cfg = read_model_config(testing::golden_path("tiny_model.safetensors"));
  auto doc = nlohmann::json::parse(cfg.to_json());
  doc["calibration"] = {{"image_threshold", 0.3},
                        {"pixel_threshold", 0.4},
                        {"method", "f1-optimal"},
                        {"images", 12},
                        {"per_class",
                         {{"beta", {{"image_threshold", 0.21}, {"pixel_threshold", 0.55}}},
                          {"gamma", {{"image_threshold", 0.17}}}}}};
  const auto with = ModelConfig::from_json(doc.dump(), "test");
  EXPECT_EQ(with.calibration.for_class("beta").image_threshold, 0.21);
  EXPECT_EQ(with.calibration.for_class("beta").pixel_threshold, 0.55);
  EXPECT_EQ(with.calibration.for_class("gamma").image_threshold, 0.17);
  EXPECT_EQ(with.calibration.for_class("gamma").pixel_threshold, 0.4);  // gamma has none of its own
  EXPECT_EQ(with.calibration.for_class("alpha").image_threshold, 0.3);  // not calibrated per class
  EXPECT_EQ(with.calibration.provenance.at("images"), 12);
  const auto again = ModelConfig::from_json(with.to_json(), "resaved");
  EXPECT_EQ(again.to_json(), with.to_json());
  EXPECT_EQ(again.calibration.for_class("beta").image_threshold, 0.21);
  EXPECT_FALSE(again.calibration.provenance.contains("per_class"));  // parsed, not carried twice

  for (const auto& bad : {nlohmann::json("high"), nlohmann::json({{"beta", 0.2}}),
                          nlohmann::json({{"beta", {{"image_threshold", "x"}}}})}) {
    doc["calibration"]["per_class"] = bad;
    try {
      ModelConfig::from_json(doc.dump(), "bad.safetensors");
      FAIL() << bad.dump();
    } catch (const ModelFileError& e) {
      EXPECT_NE(std::string(e.what()).find("calibration.per_class"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.safetensors"), std::string::npos) << e.what();
    }
  }
}

// Found by fuzzing (docs/robustness.md): each was undefined behaviour or a hang before.
TEST(ModelConfigTest, NumbersOutOfRangeAreOneClearError) {
  const auto tiny =
      nlohmann::json::parse(read_model_config(testing::golden_path("tiny_model.safetensors")).to_json());
  auto with = [&](const char* section, const char* key, const nlohmann::json& value) {
    auto doc = tiny;
    doc[section][key] = value;
    return doc.dump();
  };
  const std::pair<std::string, std::string> cases[] = {
      {with("input", "crop", 1e300),
       "key 'input.crop' must be an integer in -2147483648..2147483647, got 1e+300"},
      {with("input", "crop", 4294967360), "key 'input.crop' must be an integer"},
      {with("input", "crop", 64.0), "key 'input.crop' must be an integer"},
      {with("unet", "channel_mult", {1, 2.5}), "key 'unet.channel_mult' must be a list of integers"},
      {with("unet", "channel_mult", nlohmann::json::array()), "unet.channel_mult must have 1..8 entries"},
      {with("vae", "block_out_channels", std::vector<int>(70, 32)),
       "vae.block_out_channels must have 1..8 entries"},
      {with("diffusion", "steps", 2000000000), "diffusion.steps must be in 1..10000, got 2000000000"},
  };
  for (const auto& [text, fragment] : cases) {
    try {
      ModelConfig::from_json(text, "bad.safetensors");
      ADD_FAILURE() << "accepted: " << fragment;
    } catch (const ModelFileError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("bad.safetensors: ", 0), 0u) << e.what();
    }
  }
}

TEST(ModelConfigTest, ClassLookupByNameOrId) {
  auto cfg = read_model_config(testing::golden_path("tiny_model.safetensors"));
  EXPECT_EQ(cfg.class_id("gamma"), 2);
  EXPECT_EQ(cfg.class_id("1"), 1);
  try {
    cfg.class_id("delta");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("0=alpha, 1=beta, 2=gamma"), std::string::npos) << e.what();
  }
  EXPECT_THROW(cfg.class_id("3"), std::invalid_argument);
}

}  // namespace
}  // namespace decodiff
