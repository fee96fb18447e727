// Agreement with scikit-learn / numpy / scipy and the MVTec AD official AUPRO
// (tests/fixtures/metrics/make_metrics_golden.py).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../common/paths.h"
#include "metrics/classification.h"
#include "metrics/connected_components.h"
#include "metrics/pixel_curves.h"
#include "metrics/pro.h"

namespace decodiff::metrics {
namespace {

std::string data_dir() { return decodiff::testing::fixture_path("metrics", ""); }

const nlohmann::json& golden() {
  static const nlohmann::json data = [] {
    std::ifstream in(data_dir() + "metrics_golden.json");
    if (!in) throw std::runtime_error("cannot open " + data_dir() + "metrics_golden.json");
    return nlohmann::json::parse(in);
  }();
  return data;
}

// null in the JSON stands for NaN.
void expect_value(const nlohmann::json& expected, double actual, double tolerance, const std::string& what) {
  if (expected.is_null()) {
    EXPECT_TRUE(std::isnan(actual)) << what << " = " << actual << ", expected NaN";
  } else {
    EXPECT_NEAR(actual, expected.get<double>(), tolerance) << what;
  }
}

TEST(MetricsGolden, Classification) {
  const auto& cases = golden().at("classification");
  ASSERT_GE(cases.size(), 7u);
  for (const auto& c : cases) {
    const std::string name = c.at("name");
    const auto scores = c.at("scores").get<std::vector<float>>();
    const auto labels = c.at("labels").get<std::vector<uint8_t>>();
    expect_value(c.at("auroc"), auroc(scores, labels), 1e-9, name + " auroc");
    expect_value(c.at("ap"), average_precision(scores, labels), 1e-9, name + " ap");
    const F1Max f1 = f1_max(scores, labels);
    expect_value(c.at("f1"), f1.f1, 1e-9, name + " f1");
    expect_value(c.at("f1_threshold"), f1.threshold, 0.0, name + " f1 threshold");
    for (const auto& pq : c.at("percentiles")) {
      const double q = pq[0];
      expect_value(pq[1], percentile_threshold(scores, q), 1e-12, name + " percentile " + std::to_string(q));
    }
  }
}

struct PixelCase {
  int images = 0, height = 0, width = 0;
  std::vector<float> maps;
  std::vector<uint8_t> masks;
};

PixelCase load_pixel_case(const nlohmann::json& c) {
  PixelCase p;
  p.images = c.at("images");
  p.height = c.at("height");
  p.width = c.at("width");
  const size_t n = static_cast<size_t>(p.images) * p.height * p.width;
  if (c.contains("file")) {
    const std::string path = data_dir() + c.at("file").get<std::string>();
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() != n * 5) throw std::runtime_error(path + ": unexpected size");
    p.maps.resize(n);
    p.masks.resize(n);
    std::memcpy(p.maps.data(), bytes.data(), n * 4);  // little-endian float32
    std::memcpy(p.masks.data(), bytes.data() + n * 4, n);
  } else {
    p.maps = c.at("maps").get<std::vector<float>>();
    p.masks = c.at("masks").get<std::vector<uint8_t>>();
  }
  if (p.maps.size() != n || p.masks.size() != n) throw std::runtime_error("pixel case: size mismatch");
  return p;
}

TEST(MetricsGolden, PixelLevel) {
  const auto& cases = golden().at("pixel");
  ASSERT_GE(cases.size(), 4u);
  for (const auto& c : cases) {
    const std::string name = c.at("name");
    const PixelCase p = load_pixel_case(c);
    PixelCurveAccumulator accumulator;
    const size_t stride = static_cast<size_t>(p.height) * p.width;
    for (int k = 0; k < p.images; ++k) {
      accumulator.add(p.maps.data() + k * stride, p.masks.data() + k * stride, p.width, p.height);
    }
    const PixelMetrics m = accumulator.compute();
    EXPECT_EQ(m.num_regions, c.at("num_regions").get<uint64_t>()) << name;
    expect_value(c.at("auroc"), m.auroc, 1e-9, name + " P-AUROC");
    expect_value(c.at("ap"), m.average_precision, 1e-9, name + " P-AP");
    expect_value(c.at("f1"), m.f1_max, 1e-9, name + " P-F1max");
    expect_value(c.at("f1_threshold"), m.f1_threshold, 0.0, name + " P-F1max threshold");
    expect_value(c.at("aupro"), m.aupro, 1e-9, name + " AUPRO");
    expect_value(c.at("aupro_reference_approx"), m.aupro_reference_approx, 1e-9,
                 name + " AUPRO (reference approximation)");
    // The stand-alone entry points give the same numbers.
    expect_value(c.at("aupro"), aupro(p.maps.data(), p.masks.data(), p.images, p.width, p.height), 1e-9,
                 name + " aupro()");
  }
}

TEST(MetricsGolden, ComponentsMatchScipyLabel) {
  for (const auto& c : golden().at("pixel")) {
    if (!c.contains("scipy_labels")) continue;
    const PixelCase p = load_pixel_case(c);
    const auto& expected = c.at("scipy_labels");
    ASSERT_EQ(expected.size(), static_cast<size_t>(p.images));
    const size_t stride = static_cast<size_t>(p.height) * p.width;
    for (int k = 0; k < p.images; ++k) {
      const Components comp = label_components_8(p.masks.data() + k * stride, p.width, p.height);
      const auto want = expected[k].get<std::vector<uint32_t>>();
      EXPECT_EQ(comp.labels, want) << "image " << k;
    }
    return;
  }
  FAIL() << "no case with scipy_labels in the golden file";
}

}  // namespace
}  // namespace decodiff::metrics
