// The codec: its file format through load_pretrained_vae, `--vae codec`, the shipped codec's fidelity on a
// held-out photo crop, and a tiny codec training run with a checkpoint and a resume. Needs Debian's
// opencv-doc photos (scripts/bootstrap.sh installs them for the tests).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "../common/temp_dir.h"
#include "codec_file.h"
#include "codec_mix.h"
#include "codec_trainer.h"
#include "io/safetensors.h"
#include "vae_source.h"

namespace fs = std::filesystem;
namespace data = decodiff::data;
using namespace decodiff::train;

namespace {

void require_photos() {
  ASSERT_TRUE(fs::is_directory(data::kOpenCvDocPhotoDir))
      << data::kOpenCvDocPhotoDir << " is missing: apt-get install opencv-doc (scripts/bootstrap.sh does)";
}

decodiff::nn::VaeConfig tiny_config() {
  decodiff::nn::VaeConfig c;
  c.block_out_channels = {8, 16};
  c.layers_per_block = 1;
  c.norm_num_groups = 4;
  c.latent_channels = 3;
  c.scaling_factor = 0.731;
  return c;
}

}  // namespace

TEST(CodecFile, LoadsThroughLoadPretrainedVaeWithItsScalingFactor) {
  decodiff::testing::TempDir dir("codec-file");
  at::manual_seed(3);
  decodiff::nn::AutoencoderKL vae(tiny_config());
  CodecInfo info;
  info.vae = tiny_config();
  info.input_size = 32;
  info.training = {{"note", "test"}};
  for (bool half : {false, true}) {
    const std::string path = (dir.path() / (half ? "h.safetensors" : "f.safetensors")).string();
    write_codec_file(path, vae, info, half);
    const auto content = decodiff::io::read_safetensors(path);
    ASSERT_TRUE(content.metadata.count(kCodecMetadataKey));
    EXPECT_EQ(content.tensors.at("vae.encoder.conv_in.weight").scalar_type(), half ? at::kHalf : at::kFloat);
    const CodecInfo back = parse_codec_metadata(content.metadata.at(kCodecMetadataKey), path);
    EXPECT_EQ(back.input_size, 32);
    EXPECT_EQ(back.training["note"], "test");
    PretrainedVae p = load_pretrained_vae(path);
    EXPECT_EQ(p.config.block_out_channels, tiny_config().block_out_channels);
    EXPECT_EQ(p.config.latent_channels, 3);
    EXPECT_EQ(p.config.norm_num_groups, 4);
    EXPECT_DOUBLE_EQ(p.config.scaling_factor, 0.731);
    auto x = at::rand({1, 3, 16, 16}) * 2 - 1;
    at::NoGradGuard ng;
    vae->eval();
    const double diff = (p.vae->encode_mean(x) - vae->encode_mean(x)).abs().max().item<double>();
    EXPECT_LT(diff, half ? 1e-2 : 1e-6);
  }
  EXPECT_THROW(parse_codec_metadata(R"({"format_version": 2, "vae": {}})", "x"), std::runtime_error);
  try {
    parse_codec_metadata(R"({"format_version": 1, "vae": {"block_out_channels": [8]}})", "x.safetensors");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("vae.layers_per_block"), std::string::npos) << e.what();
  }
}

TEST(CodecFile, VaeCodecNamesTheShippedCodec) {
  unsetenv("DECODIFF_MODELS_DIR");
  const std::string resolved = resolve_vae_name("codec");
  EXPECT_EQ(fs::path(resolved).filename(), kDefaultCodecFile);
  EXPECT_TRUE(fs::is_regular_file(resolved)) << resolved;
  EXPECT_EQ(resolve_vae_name("codec-v2"), resolved);
  // An existing path is taken as it is; an unknown bare name is one clear error.
  EXPECT_EQ(resolve_vae_name(resolved), resolved);
  try {
    resolve_vae_name("nosuchcodec");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("nosuchcodec"), std::string::npos) << e.what();
  }
  decodiff::testing::TempDir dir("codec-env");
  fs::create_directories(dir.path() / "codec");
  fs::copy_file(resolved, dir.path() / "codec" / kDefaultCodecFile);
  setenv("DECODIFF_MODELS_DIR", dir.path().c_str(), 1);
  EXPECT_EQ(resolve_vae_name("codec"), (dir.path() / "codec" / kDefaultCodecFile).string());
  unsetenv("DECODIFF_MODELS_DIR");
}

TEST(ShippedCodec, ReconstructsHeldOutPhotoCrops) {
  require_photos();
  PretrainedVae codec = load_pretrained_vae("codec");
  const auto crops = data::held_out_crops(data::kOpenCvDocPhotoDir, 64, 8, 1234);
  const CodecFidelity f = measure_fidelity(codec.vae, crops);
  // Just under what the shipped codec reaches on these crops, and out of reach of v1 and of an
  // untrained codec (figures: models/codec/README.md).
  EXPECT_GE(f.psnr_db, 23.0);
  EXPECT_LT(f.l1, 0.105);
  // Its scaling factor puts these latents near unit variance, as the diffusion assumes.
  at::NoGradGuard ng;
  const double sd =
      (codec.vae->encode_mean(images_to_tensor(crops)) * codec.config.scaling_factor).std().item<double>();
  EXPECT_GT(sd, 0.5);
  EXPECT_LT(sd, 2.0);
}

TEST(CodecTraining, TinyRunCheckpointsAndResumes) {
  require_photos();
  decodiff::testing::TempDir dir("codec-train");
  CodecTrainOptions o;
  o.out = (dir.path() / "c.safetensors").string();
  o.size = 16;
  o.train_crop = 16;
  o.channels = {8, 16};
  o.norm_groups = 4;
  o.batch_size = 4;
  o.steps = 6;
  o.stop_at_step = 3;
  o.eval_crops = 4;
  o.synth_pool = 5;  // a small mix: the photos and the full pool cost seconds to prepare
  o.photo_share = 0;
  o.threads = 1;
  o.progress = false;
  const auto first = train_codec(o);
  EXPECT_TRUE(first.interrupted);
  EXPECT_EQ(first.steps_done, 3);
  EXPECT_TRUE(fs::exists(o.out + ".optim.pt"));
  auto meta =
      parse_codec_metadata(decodiff::io::read_safetensors(o.out).metadata.at(kCodecMetadataKey), o.out);
  EXPECT_EQ(meta.training["state"]["steps_done"], 3);
  EXPECT_FALSE(meta.training["state"]["done"].get<bool>());
  EXPECT_GT(meta.vae.scaling_factor, 0);
  EXPECT_TRUE(std::isfinite(meta.fidelity["psnr_db"].get<double>()));

  o.resume = o.out;
  o.stop_at_step = 0;
  const auto second = train_codec(o);
  EXPECT_FALSE(second.interrupted);
  EXPECT_EQ(second.steps_done, 6);
  meta = parse_codec_metadata(decodiff::io::read_safetensors(o.out).metadata.at(kCodecMetadataKey), o.out);
  EXPECT_TRUE(meta.training["state"]["done"].get<bool>());
  EXPECT_EQ(load_pretrained_vae(o.out).config.latent_channels, 4);
  // A finished codec is not trained further.
  EXPECT_THROW(train_codec(o), std::runtime_error);
}
