// Parity of the engine with the reference implementation (golden vectors of
// tests/fixtures/golden, made by running the reference code; see its README).
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <thread>

#include "../common/test_data.h"
#include "engine.h"
#include "pillow_resize.h"
#include "preprocess.h"

namespace decodiff {
namespace {

using testing::max_abs_diff;

constexpr double kFp32Tolerance = 1e-4;

class EngineParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    expected_ = new io::SafetensorsContent(testing::load_golden("tiny_expected.safetensors"));
    engine_ = new std::shared_ptr<Engine>(
        Engine::load(testing::golden_path("tiny_model.safetensors"), {"cpu", Precision::kFloat32}));
  }
  static void TearDownTestSuite() {
    delete expected_;
    delete engine_;
  }
  static const at::Tensor& e(const std::string& name) { return expected_->tensors.at(name); }
  static Engine& engine() { return **engine_; }
  static io::SafetensorsContent* expected_;
  static std::shared_ptr<Engine>* engine_;
};
io::SafetensorsContent* EngineParity::expected_ = nullptr;
std::shared_ptr<Engine>* EngineParity::engine_ = nullptr;

TEST_F(EngineParity, AllStagesMatchTheReferenceAtFiveSteps) {
  auto out = engine().run(e("input"), e("class_ids"), 5, true);
  EXPECT_LE(max_abs_diff(out.latent, e("latent")), kFp32Tolerance);
  EXPECT_LE(max_abs_diff(out.latent_rec, e("latent_rec")), kFp32Tolerance);
  EXPECT_LE(max_abs_diff(out.image_x0, e("image_x0")), kFp32Tolerance);
  EXPECT_LE(max_abs_diff(out.image_rec, e("image_rec")), kFp32Tolerance);
  EXPECT_LE(max_abs_diff(out.maps.pixel, e("pixel_discrepancy")), kFp32Tolerance);
  EXPECT_LE(max_abs_diff(out.maps.latent, e("latent_discrepancy")), kFp32Tolerance);
  EXPECT_LE(max_abs_diff(out.maps.fused, e("anomaly_map")), kFp32Tolerance);
  ASSERT_EQ(out.step_latents.size(), 5u);
  for (int i = 0; i < 5; ++i)
    EXPECT_LE(max_abs_diff(out.step_latents[i], e("step_latents_r5")[i]), kFp32Tolerance) << "step " << i;
  // The correction must have moved the latent, or the comparison proves little.
  EXPECT_GT(max_abs_diff(out.latent_rec, out.latent), 1e-2);
  RecordProperty("max_diff_anomaly_map", std::to_string(max_abs_diff(out.maps.fused, e("anomaly_map"))));
}

TEST_F(EngineParity, OtherStepCountsMatch) {
  for (int r : {2, 10}) {
    auto out = engine().run(e("input"), e("class_ids"), r);
    const std::string s = std::to_string(r);
    EXPECT_LE(max_abs_diff(out.latent_rec, e("latent_rec_r" + s)), kFp32Tolerance) << "R=" << r;
    EXPECT_LE(max_abs_diff(out.maps.fused, e("anomaly_map_r" + s)), kFp32Tolerance) << "R=" << r;
  }
}

TEST_F(EngineParity, IllegalStepCountIsRejected) {
  EXPECT_THROW(engine().run(e("input"), e("class_ids"), 6), std::invalid_argument);
}

TEST_F(EngineParity, ScoreIsTheMaximumOfTheMap) {
  auto out = engine().run(e("input"), e("class_ids"));
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(out.maps.score[i].item<float>(), out.maps.fused[i].max().item<float>());
    EXPECT_NEAR(out.maps.score[i].item<float>(), e("anomaly_map")[i].max().item<float>(), kFp32Tolerance);
  }
}

TEST_F(EngineParity, BadInputsGiveClearErrors) {
  EXPECT_THROW(engine().run(at::zeros({1, 3, 32, 32}), at::zeros({1}, at::kLong)), std::invalid_argument);
  EXPECT_THROW(engine().run(e("input"), at::tensor({int64_t{0}, int64_t{7}})), std::invalid_argument);
  EXPECT_THROW(engine().resolve_class("delta"), std::invalid_argument);
}

TEST_F(EngineParity, InspectFrameEqualsTensorPath) {
  // A uint8 BGRx frame of another size goes through resize + crop on the engine.
  auto rgb = (at::rand({48, 80, 3}) * 255).to(at::kByte);
  auto bgrx = at::cat({rgb.flip(2), at::full({48, 80, 1}, 255, at::kByte)}, 2).contiguous();
  InspectRequest req;
  req.frame = decodiff::color_view(bgrx.data_ptr<uint8_t>(), 80, 48, 80 * 4, 4, 2, 1, 0);
  req.class_id = 1;
  auto results = engine().inspect({req});
  ASSERT_EQ(results.size(), 1u);
  // The same pixels as packed RGB through the exact Pillow port, then the tensor path.
  ImageView view;
  view.data = rgb.data_ptr<uint8_t>();
  view.width = 80;
  view.height = 48;
  view.row_stride = 80 * 3;
  auto resized = pillow_resize_bicubic(view, 72, 72);
  auto input =
      crop_normalize(at::from_blob(resized.data(), {1, 72, 72, 3}, at::TensorOptions().dtype(at::kByte))
                         .permute({0, 3, 1, 2}),
                     64);
  auto direct = engine().run(input, at::tensor({int64_t{1}}));
  // ... and within a level of the float emulation the GPU path runs.
  auto emulated = resize_crop_normalize(rgb.permute({2, 0, 1}).unsqueeze(0), 72, 64);
  EXPECT_LE(max_abs_diff(input, emulated), 2.0 / 255 + 1e-6);
  EXPECT_LE(max_abs_diff(results[0].anomaly_map, direct.maps.fused[0]), 1e-6);
  EXPECT_FLOAT_EQ(results[0].score, direct.maps.score[0].item<float>());
  EXPECT_EQ(results[0].frame_map.sizes(), (at::IntArrayRef{48, 80}));
  // Center crop 64 of 72 covers x in [4/72*80, 68/72*80) of the frame.
  EXPECT_EQ(results[0].crop_in_frame.x, 4);
  EXPECT_EQ(results[0].crop_in_frame.width, 71);
  EXPECT_EQ(results[0].frame_map.select(1, 0).abs().max().item<float>(), 0.0f);
}

TEST_F(EngineParity, RoiIsInspectedAndMappedBack) {
  auto frame = (at::rand({60, 90, 3}) * 255).to(at::kByte).contiguous();
  InspectRequest req;
  req.frame = decodiff::color_view(frame.data_ptr<uint8_t>(), 90, 60, 90 * 3, 3, 0, 1, 2);
  req.roi = Rect{10, 5, 72, 50};
  auto res = engine().inspect({req})[0];
  EXPECT_EQ(res.frame_map.sizes(), (at::IntArrayRef{50, 72}));
  EXPECT_EQ(res.inspected.x, 10);
  EXPECT_EQ(res.crop_in_frame.x, 14);
  req.roi = Rect{50, 5, 72, 50};
  EXPECT_THROW(engine().inspect({req}), std::invalid_argument);
}

TEST_F(EngineParity, ConcurrentCallersGetTheSameAnswer) {
  auto reference = engine().run(e("input"), e("class_ids")).maps.fused;
  std::vector<double> diffs(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back(
        [&, i] { diffs[i] = max_abs_diff(engine().run(e("input"), e("class_ids")).maps.fused, reference); });
  for (auto& t : threads) t.join();
  for (double d : diffs) EXPECT_EQ(d, 0.0);
}

TEST_F(EngineParity, BFloat16StaysCloseOnCpu) {
  auto engine16 = Engine::load(testing::golden_path("tiny_model.safetensors"), {"cpu", Precision::kBFloat16});
  auto out = engine16->run(e("input"), e("class_ids"));
  const double diff = max_abs_diff(out.maps.fused, e("anomaly_map"));
  RecordProperty("bf16_max_diff_anomaly_map", std::to_string(diff));
  // A margin over the difference measured on this tiny random-weight model (docs/model-format.md).
  EXPECT_LE(diff, 0.15);
}

TEST_F(EngineParity, ChannelsLastLayoutMatchesTheReference) {
  auto cl = Engine::load(testing::golden_path("tiny_model.safetensors"),
                         {"cpu", Precision::kFloat32, Layout::kChannelsLast});
  ASSERT_EQ(cl->layout(), Layout::kChannelsLast);
  int channels_last_weights = 0;
  for (const auto& p : cl->model().vae->parameters())
    if (p.dim() == 4)
      channels_last_weights += p.is_contiguous(at::MemoryFormat::ChannelsLast) && !p.is_contiguous();
  EXPECT_GT(channels_last_weights, 0) << "the layout was not applied";
  auto out = cl->run(e("input"), e("class_ids"), 5);
  EXPECT_TRUE(out.image_x0.is_contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_LE(max_abs_diff(out.latent, e("latent")), kFp32Tolerance);
  EXPECT_LE(max_abs_diff(out.latent_rec, e("latent_rec")), kFp32Tolerance);
  EXPECT_LE(max_abs_diff(out.image_rec, e("image_rec")), kFp32Tolerance);
  EXPECT_LE(max_abs_diff(out.maps.fused, e("anomaly_map")), kFp32Tolerance);
  EXPECT_EQ(engine().layout(), Layout::kContiguous);  // kAuto resolves to the measured-fastest layout
}

TEST(EngineOptionsCheck, CudaOnlySwitchesAreRefusedOnTheCpu) {
  for (int which = 0; which < 3; ++which) {
    EngineOptions o{"cpu", Precision::kFloat32};
    (which == 0 ? o.cuda_graphs : which == 1 ? o.cudnn_benchmark : o.pinned_copies) = true;
    try {
      Engine::load(testing::golden_path("tiny_model.safetensors"), o);
      FAIL() << "switch " << which << " accepted on the CPU";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("need a CUDA device"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(parse_layout("channels-last"), Layout::kChannelsLast);
  EXPECT_EQ(to_string(parse_layout("contiguous")), "contiguous");
  EXPECT_THROW(parse_layout("nhwc"), std::invalid_argument);
}

TEST(EngineDevices, UnavailableDevicesAreRefusedClearly) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a GPU is present; this checks the no-GPU message";
  try {
    Engine::load(testing::golden_path("tiny_model.safetensors"), {"cuda", Precision::kFloat32});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no CUDA GPU"), std::string::npos) << e.what();
  }
  EXPECT_THROW(resolve_device("gpu"), std::invalid_argument);
  EXPECT_THROW(resolve_device("cuda:x"), std::invalid_argument);
  EXPECT_EQ(resolve_device("auto"), at::Device(at::kCPU));
}

TEST(EngineDevices, CudaParity) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA GPU on this machine";
  auto expected = testing::load_golden("tiny_expected.safetensors");
  for (auto precision : {Precision::kFloat32, Precision::kFloat16, Precision::kBFloat16}) {
    auto engine = Engine::load(testing::golden_path("tiny_model.safetensors"), {"cuda", precision});
    auto out = engine->run(expected.tensors.at("input"), expected.tensors.at("class_ids"));
    const double diff = max_abs_diff(out.maps.fused, expected.tensors.at("anomaly_map"));
    RecordProperty("cuda_" + to_string(precision) + "_max_diff", std::to_string(diff));
    // fp32 on CUDA runs without TF32 (Engine switches it off), so it must meet the CPU tolerance.
    EXPECT_LE(diff, precision == Precision::kFloat32 ? 1e-4 : 0.15) << to_string(precision);
  }
}

// CUDA graphs, pinned copies and cuDNN autotuning must not change the answer:
// replayed graphs give the eager path's maps, also for a second input and for
// a second batch size (a second captured graph).
TEST(EngineDevices, CudaGraphsAndPinnedCopiesMatchEager) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA GPU on this machine";
  auto expected = testing::load_golden("tiny_expected.safetensors");
  const auto& input = expected.tensors.at("input");
  const auto& ids = expected.tensors.at("class_ids");
  for (auto precision : {Precision::kFloat32, Precision::kFloat16}) {
    for (auto layout : {Layout::kContiguous, Layout::kChannelsLast}) {
      EngineOptions eager_options{"cuda", precision, layout};
      EngineOptions fast_options = eager_options;
      fast_options.cuda_graphs = fast_options.pinned_copies = fast_options.cudnn_benchmark = true;
      auto eager = Engine::load(testing::golden_path("tiny_model.safetensors"), eager_options);
      auto fast = Engine::load(testing::golden_path("tiny_model.safetensors"), fast_options);
      const std::string label = to_string(precision) + " " + to_string(layout);
      for (int round = 0; round < 3; ++round) {
        auto x = round == 1 ? input.flip(3) : input;
        auto a = eager->run(x, ids);
        auto b = fast->run(x, ids);
        EXPECT_LE(max_abs_diff(a.maps.fused, b.maps.fused), precision == Precision::kFloat32 ? 1e-5 : 2e-3)
            << label << " round " << round;
      }
      auto one_a = eager->run(input.narrow(0, 0, 1), ids.narrow(0, 0, 1));
      auto one_b = fast->run(input.narrow(0, 0, 1), ids.narrow(0, 0, 1));
      EXPECT_LE(max_abs_diff(one_a.maps.fused, one_b.maps.fused),
                precision == Precision::kFloat32 ? 1e-5 : 2e-3)
          << label << " batch 1";
      if (precision == Precision::kFloat32) {
        EXPECT_LE(max_abs_diff(one_b.maps.fused, expected.tensors.at("anomaly_map").narrow(0, 0, 1)), 1e-4);
      }
      // The frame path goes through the pinned upload and download.
      std::vector<uint8_t> pixels(48 * 40 * 3);
      for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>((i * 37) % 251);
      InspectRequest r;
      r.frame = decodiff::color_view(pixels.data(), 48, 40, 48 * 3, 3, 0, 1, 2);
      auto ra = eager->inspect({r});
      auto rb = fast->inspect({r});
      // The GPU picks the channels and resizes on the device (a float emulation of
      // Pillow, within a grey level of the CPU's exact port): close to the CPU's answer.
      if (precision == Precision::kFloat32) {
        auto cpu = Engine::load(testing::golden_path("tiny_model.safetensors"), {"cpu", Precision::kFloat32});
        InspectRequest bgrx = r;
        std::vector<uint8_t> quad(48 * 40 * 4);
        for (int i = 0; i < 48 * 40; ++i)
          for (int c = 0; c < 3; ++c) quad[i * 4 + 2 - c] = pixels[i * 3 + c];
        bgrx.frame = decodiff::color_view(quad.data(), 48, 40, 48 * 4, 4, 2, 1, 0);
        const float cpu_score = cpu->inspect({r})[0].score;
        EXPECT_NEAR(ra[0].score, cpu_score, 0.02) << label;
        EXPECT_NEAR(eager->inspect({bgrx})[0].score, cpu_score, 0.02) << label << " BGRx";
      }
      EXPECT_NEAR(ra[0].score, rb[0].score, precision == Precision::kFloat32 ? 1e-5 : 2e-3) << label;
      EXPECT_LE(max_abs_diff(ra[0].frame_map, rb[0].frame_map),
                precision == Precision::kFloat32 ? 1e-5 : 2e-3);
    }
  }
}

}  // namespace
}  // namespace decodiff
