// Codec fidelity and UNet selectivity (evaluation/defect_measures.h,
// codec_check.h) on constructed cases whose answers are known.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "codec_check.h"
#include "defect_measures.h"
#include "engine.h"
#include "eval_test_util.h"
#include "test_data.h"

namespace ev = decodiff::evaluation;
namespace fs = std::filesystem;

namespace {

// [3, H, W] in [-1, 1] of a constant 8-bit grey level.
at::Tensor grey(int level, int size) { return at::full({3, size, size}, level / 127.5 - 1.0); }

// A codec that has learned "normality" all too well: every pixel comes back as
// grey 100, so a defect is erased and a normal image (grey 102) barely changes.
class ErasingCodec : public ev::Reconstructor {
 public:
  int resize() const override { return 16; }
  int crop() const override { return 16; }
  at::Tensor reconstruct(const at::Tensor& x) override {
    calls += x.size(0);
    return at::full_like(x, 100 / 127.5 - 1.0);
  }
  int64_t calls = 0;
};

void save_rgb(const fs::path& p, const cv::Mat& rgb) {
  fs::create_directories(p.parent_path());
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  cv::imwrite(p.string(), bgr);
}

}  // namespace

TEST(CodecError, PsnrAndErrorOnTheZeroToOneScale) {
  at::Tensor x = grey(102, 8), x0 = grey(102, 8);
  // 16 of the 64 pixels differ by 0.4 in [-1, 1] units = 0.2 on the [0, 1] scale, all channels.
  x0.narrow(1, 0, 4).narrow(2, 0, 4).add_(0.4);
  const ev::CodecError e = ev::codec_error(x, x0);
  ASSERT_EQ(e.error.size(), cv::Size(8, 8));
  EXPECT_NEAR(e.error.at<float>(0, 0), 0.2, 1e-6);
  EXPECT_NEAR(e.error.at<float>(3, 3), 0.2, 1e-6);
  EXPECT_NEAR(e.error.at<float>(4, 4), 0.0, 1e-6);
  EXPECT_NEAR(e.psnr_db, 10 * std::log10(1.0 / (0.04 * 16 / 64)), 1e-4);  // 20.0 dB
  // x0 outside [-1, 1] counts as clamped; identical images are capped at 100 dB.
  EXPECT_NEAR(ev::codec_error(at::ones({3, 2, 2}), at::full({3, 2, 2}, 5.0)).psnr_db, 100.0, 1e-9);
  EXPECT_THROW(ev::codec_error(at::ones({3, 2, 2}), at::ones({3, 2, 3})), std::invalid_argument);
}

TEST(LatentCells, AreaAverageOfTheMaskPerCell) {
  cv::Mat mask(8, 8, CV_8UC1, cv::Scalar(0));
  mask(cv::Rect(0, 0, 2, 2)).setTo(255);  // cell (0,0): fully inside
  mask(cv::Rect(2, 0, 2, 1)).setTo(1);    // cell (0,1): half -> inside
  mask.at<uint8_t>(0, 4) = 7;             // cell (0,2): a quarter -> border
  const cv::Mat cells = ev::latent_cells(mask, 4);
  ASSERT_EQ(cells.size(), cv::Size(4, 4));
  EXPECT_EQ(cells.at<uint8_t>(0, 0), 1);
  EXPECT_EQ(cells.at<uint8_t>(0, 1), 1);
  EXPECT_EQ(cells.at<uint8_t>(0, 2), 2);
  EXPECT_EQ(cells.at<uint8_t>(0, 3), 0);
  EXPECT_EQ(cv::countNonZero(cells == 0), 13);
  EXPECT_THROW(ev::latent_cells(mask, 3), std::invalid_argument);
}

TEST(Selectivity, InsideOverOutsideOnAHandMadeLatentPair) {
  // Latent 4x4 of a 16 px crop. z_rec - z: 0.30 on the defect cells, 0.05 elsewhere,
  // and 1.0 on a border cell (quarter covered), which must not count.
  const int crop = 16, latent = 4;
  cv::Mat mask(crop, crop, CV_8UC1, cv::Scalar(0));
  mask(cv::Rect(0, 0, 8, 4)).setTo(1);    // cells (0,0), (0,1)
  mask(cv::Rect(12, 12, 2, 2)).setTo(1);  // cell (3,3): a quarter
  at::Tensor z = at::randn({4, latent, latent}), z_rec = z.clone();
  z_rec.add_(0.05);
  z_rec.select(1, 0).narrow(1, 0, 2).add_(0.25);  // 0.30 in total
  z_rec.select(1, 3).select(1, 3).add_(0.95);     // 1.0
  const at::Tensor corr = (z_rec - z).abs().mean(0).contiguous();
  cv::Mat correction(latent, latent, CV_32FC1);
  std::memcpy(correction.data, corr.data_ptr<float>(), sizeof(float) * latent * latent);

  ev::DefectMeasuresAccumulator acc;
  acc.add("crack", ev::CodecError{}, correction, mask);
  // A normal image corrected by 0.1 everywhere: its 16 cells join the outside.
  acc.add("good", ev::CodecError{}, cv::Mat(latent, latent, CV_32FC1, cv::Scalar(0.1)),
          cv::Mat::zeros(crop, crop, CV_8UC1));
  const ev::DefectMeasures m = acc.for_class();
  EXPECT_EQ(m.selectivity.inside_cells, 2u);
  EXPECT_EQ(m.selectivity.outside_cells, 13u + 16u);
  EXPECT_NEAR(m.selectivity.correction_inside, 0.30, 1e-5);
  const double outside = (13 * 0.05 + 16 * 0.1) / 29.0;
  EXPECT_NEAR(m.selectivity.correction_outside, outside, 1e-6);
  EXPECT_NEAR(m.selectivity.ratio, 0.30 / outside, 1e-4);
  EXPECT_TRUE(std::isnan(m.codec.psnr_db));  // the codec was not measured

  const auto kinds = acc.per_defect();
  ASSERT_EQ(kinds.size(), 1u);
  EXPECT_EQ(kinds[0].first, "crack");
  EXPECT_EQ(kinds[0].second.codec.images, 1u);
  EXPECT_NEAR(kinds[0].second.selectivity.ratio, m.selectivity.ratio, 1e-12);  // outside: the whole class
}

TEST(CodecCheck, AnErasingCodecShowsALargeInsideOutsideRatio) {
  // Grey 102 images at crop size (no resampling); the defects are white squares.
  eval_test::TempDir tmp("codec-erasing");
  const fs::path root = tmp.path() / "set" / "tile";
  const cv::Mat normal(16, 16, CV_8UC3, cv::Scalar(102, 102, 102));
  save_rgb(root / "train" / "good" / "000.png", normal);
  save_rgb(root / "test" / "good" / "000.png", normal);
  save_rgb(root / "test" / "good" / "001.png", normal);
  for (int i = 0; i < 2; ++i) {
    cv::Mat img = normal.clone(), mask(16, 16, CV_8UC1, cv::Scalar(0));
    const cv::Rect r(2 + 4 * i, 3, 4, 4);
    img(r).setTo(cv::Scalar(255, 255, 255));
    mask(r).setTo(255);
    save_rgb(root / "test" / "spot" / ("00" + std::to_string(i) + ".png"), img);
    fs::create_directories(root / "ground_truth" / "spot");
    cv::imwrite((root / "ground_truth" / "spot" / ("00" + std::to_string(i) + "_mask.png")).string(), mask);
  }
  ErasingCodec codec;
  ev::CodecCheckOptions opt;
  opt.batch = 3;
  const ev::CodecCheckResult r =
      ev::check_codec(codec, decodiff::data::index_dataset((tmp.path() / "set").string()), opt);
  EXPECT_EQ(codec.calls, 4);
  ASSERT_EQ(r.classes, std::vector<std::string>{"tile"});
  const ev::CodecFidelity& c = r.per_class[0].codec;
  EXPECT_EQ(c.images, 4u);
  EXPECT_EQ(c.inside_pixels, 32u);
  EXPECT_EQ(c.outside_pixels, 4u * 256u - 32u);
  EXPECT_NEAR(c.error_inside, 155.0 / 255.0, 1e-5);
  EXPECT_NEAR(c.error_outside, 2.0 / 255.0, 1e-5);
  EXPECT_NEAR(c.ratio, 77.5, 1e-3);
  // PSNR per image, averaged: normal images 2/255 everywhere; defective ones 155/255 on 16 of 256 pixels.
  const double normal_psnr = 10 * std::log10(1.0 / std::pow(2.0 / 255, 2));
  const double defect_psnr =
      10 * std::log10(1.0 / ((16 * std::pow(155.0 / 255, 2) + 240 * std::pow(2.0 / 255, 2)) / 256));
  EXPECT_NEAR(c.psnr_db, (2 * normal_psnr + 2 * defect_psnr) / 4, 1e-3);
  ASSERT_EQ(r.per_defect.size(), 1u);
  EXPECT_EQ(r.per_defect[0].defect, "spot");
  EXPECT_NEAR(r.per_defect[0].measures.codec.psnr_db, defect_psnr, 1e-3);
  EXPECT_NEAR(r.per_defect[0].measures.codec.ratio, 77.5, 1e-3);

  const std::string table = ev::format_codec_table(r);
  EXPECT_NE(table.find("tile/spot"), std::string::npos) << table;
  EXPECT_NE(table.find("77.50"), std::string::npos) << table;
  const nlohmann::json j = ev::codec_report_json(r, {{"codec", "erasing"}});
  EXPECT_NEAR(j.at("classes").at("tile").at("ratio").get<double>(), 77.5, 1e-3);
  EXPECT_EQ(j.at("defects").at(0).at("defect"), "spot");
}

TEST(CodecCheck, PreprocessingAndReconstructionAreTheEngines) {
  // The tiny golden model: its engine's input crop and x0 = decode(z) equal the codec check's.
  auto engine = decodiff::Engine::load(decodiff::testing::golden_path("tiny_model.safetensors"), {"cpu"});
  const auto& cfg = engine->config();
  cv::Mat rgb(90, 80, CV_8UC3);
  cv::randu(rgb, 0, 255);
  decodiff::InspectRequest req;
  req.frame = decodiff::color_view(rgb.data, rgb.cols, rgb.rows, static_cast<int64_t>(rgb.step), 3, 0, 1, 2);
  c10::InferenceMode guard;
  const at::Tensor input = engine->preprocess({req});
  const at::Tensor mine = ev::preprocess_rgb(rgb, cfg.input.resize, cfg.input.crop);
  EXPECT_TRUE(at::equal(input[0], mine));
  const decodiff::EngineOutputs out = engine->run(input, at::zeros({1}, at::kLong));
  ev::VaeReconstructor codec(engine->model().vae, cfg.input.resize, cfg.input.crop);
  const at::Tensor x0 = codec.reconstruct(mine.unsqueeze(0));
  EXPECT_LT((x0 - out.image_x0).abs().max().item<double>(), 1e-5);
}
