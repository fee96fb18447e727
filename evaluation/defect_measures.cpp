#include "defect_measures.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace decodiff::evaluation {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMaxPsnr = 100.0;

double ratio(double inside, double outside) {
  if (std::isnan(inside) || std::isnan(outside)) return kNaN;
  if (outside > 0) return inside / outside;
  return inside > 0 ? std::numeric_limits<double>::infinity() : kNaN;
}

cv::Mat inside_outside(const cv::Mat& mask) {
  cv::Mat region;
  cv::compare(mask, 0, region, cv::CMP_NE);  // 255 / 0
  return region / 255;
}

}  // namespace

CodecError codec_error(const at::Tensor& x, const at::Tensor& x0) {
  if (x.dim() != 3 || x.size(0) != 3 || !x.sizes().equals(x0.sizes()))
    throw std::invalid_argument("codec_error: x and x0 must both be [3, H, W]");
  const at::Tensor diff = (x.to(at::kFloat) - x0.to(at::kFloat).clamp(-1.0, 1.0)) * 0.5;  // [0, 1] scale
  const double mse = diff.pow(2).mean().item<double>();
  const at::Tensor error = diff.abs().mean(0).to(at::kCPU).contiguous();
  CodecError out;
  out.psnr_db = mse > 0 ? std::min(kMaxPsnr, 10.0 * std::log10(1.0 / mse)) : kMaxPsnr;
  out.error = cv::Mat(static_cast<int>(error.size(0)), static_cast<int>(error.size(1)), CV_32FC1);
  std::memcpy(out.error.data, error.data_ptr<float>(), sizeof(float) * static_cast<size_t>(error.numel()));
  return out;
}

cv::Mat latent_cells(const cv::Mat& mask, int latent_size) {
  if (mask.type() != CV_8UC1 || mask.rows != mask.cols || latent_size < 1 || mask.rows % latent_size != 0)
    throw std::invalid_argument(
        "latent_cells: the mask must be square CV_8UC1 with a side that is a multiple "
        "of the latent size " +
        std::to_string(latent_size));
  cv::Mat defect;
  inside_outside(mask).convertTo(defect, CV_32F);
  cv::Mat fraction;  // INTER_AREA at an integer factor = the exact block average
  cv::resize(defect, fraction, cv::Size(latent_size, latent_size), 0, 0, cv::INTER_AREA);
  cv::Mat cells(latent_size, latent_size, CV_8UC1);
  for (int y = 0; y < latent_size; ++y)
    for (int x = 0; x < latent_size; ++x) {
      const float f = fraction.at<float>(y, x);
      cells.at<uint8_t>(y, x) = f >= 0.5f ? 1 : f <= 0.0f ? 0 : 2;
    }
  return cells;
}

void RegionSums::add(const cv::Mat& values, const cv::Mat& region) {
  if (values.type() != CV_32FC1 || region.type() != CV_8UC1 || values.size() != region.size())
    throw std::invalid_argument("RegionSums: values (float) and region (8-bit) must have the same size");
  for (int y = 0; y < values.rows; ++y) {
    const float* v = values.ptr<float>(y);
    const uint8_t* r = region.ptr<uint8_t>(y);
    for (int x = 0; x < values.cols; ++x) {
      if (r[x] == 1) {
        inside_sum += v[x];
        ++inside_count;
      } else if (r[x] == 0) {
        outside_sum += v[x];
        ++outside_count;
      }
    }
  }
}

double RegionSums::inside_mean() const { return inside_count ? inside_sum / inside_count : kNaN; }
double RegionSums::outside_mean() const { return outside_count ? outside_sum / outside_count : kNaN; }

void DefectMeasuresAccumulator::add(const std::string& defect, const CodecError& codec,
                                    const cv::Mat& correction, const cv::Mat& mask) {
  if (mask.type() != CV_8UC1)
    throw std::invalid_argument("DefectMeasuresAccumulator: the mask must be 8-bit");
  if (!codec.error.empty() && codec.error.size() != mask.size())
    throw std::invalid_argument("DefectMeasuresAccumulator: the codec error and the mask differ in size");
  std::vector<Group*> groups{&all_};
  if (defect != "good") groups.push_back(&by_defect_[defect]);
  const cv::Mat pixels = codec.error.empty() ? cv::Mat() : inside_outside(mask);
  const cv::Mat cells = correction.empty() ? cv::Mat() : latent_cells(mask, correction.rows);
  for (Group* g : groups) {
    ++g->images;
    if (!codec.error.empty()) {
      ++g->psnr_images;
      g->psnr_sum += codec.psnr_db;
      g->codec.add(codec.error, pixels);
    }
    if (!correction.empty()) g->correction.add(correction, cells);
  }
}

DefectMeasures DefectMeasuresAccumulator::measures(const Group& inside, const Group& outside) {
  DefectMeasures m;
  CodecFidelity& c = m.codec;
  c.images = inside.images;
  c.psnr_db = inside.psnr_images ? inside.psnr_sum / inside.psnr_images : kNaN;
  c.error_inside = inside.codec.inside_mean();
  c.error_outside = outside.codec.outside_mean();
  c.ratio = ratio(c.error_inside, c.error_outside);
  c.inside_pixels = inside.codec.inside_count;
  c.outside_pixels = outside.codec.outside_count;
  Selectivity& s = m.selectivity;
  s.correction_inside = inside.correction.inside_mean();
  s.correction_outside = outside.correction.outside_mean();
  s.ratio = ratio(s.correction_inside, s.correction_outside);
  s.inside_cells = inside.correction.inside_count;
  s.outside_cells = outside.correction.outside_count;
  return m;
}

DefectMeasures DefectMeasuresAccumulator::for_class() const { return measures(all_, all_); }

std::vector<std::pair<std::string, DefectMeasures>> DefectMeasuresAccumulator::per_defect() const {
  std::vector<std::pair<std::string, DefectMeasures>> out;
  for (const auto& [name, group] : by_defect_) out.emplace_back(name, measures(group, all_));
  return out;
}

DefectMeasures mean_measures(const std::vector<DefectMeasures>& classes) {
  DefectMeasures mean;
  auto average = [&](auto member) {
    double sum = 0.0;
    int n = 0;
    for (const DefectMeasures& c : classes) {
      const double v = member(c);
      if (!std::isfinite(v)) continue;
      sum += v;
      ++n;
    }
    return n ? sum / n : kNaN;
  };
  mean.codec.psnr_db = average([](const DefectMeasures& c) { return c.codec.psnr_db; });
  mean.codec.error_inside = average([](const DefectMeasures& c) { return c.codec.error_inside; });
  mean.codec.error_outside = average([](const DefectMeasures& c) { return c.codec.error_outside; });
  mean.codec.ratio = average([](const DefectMeasures& c) { return c.codec.ratio; });
  mean.selectivity.correction_inside =
      average([](const DefectMeasures& c) { return c.selectivity.correction_inside; });
  mean.selectivity.correction_outside =
      average([](const DefectMeasures& c) { return c.selectivity.correction_outside; });
  mean.selectivity.ratio = average([](const DefectMeasures& c) { return c.selectivity.ratio; });
  for (const DefectMeasures& c : classes) {
    mean.codec.images += c.codec.images;
    mean.codec.inside_pixels += c.codec.inside_pixels;
    mean.codec.outside_pixels += c.codec.outside_pixels;
    mean.selectivity.inside_cells += c.selectivity.inside_cells;
    mean.selectivity.outside_cells += c.selectivity.outside_cells;
  }
  return mean;
}

}  // namespace decodiff::evaluation
