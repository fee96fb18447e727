// Two measures that say *why* a model finds defects or not, taken inside the
// ground-truth defects and outside them (docs/evaluation.md, "Codec fidelity and
// UNet selectivity"):
//  - codec fidelity: x0 = decode(encode(x)) against the input x. A codec that
//    erases defects (x0 already looks normal) leaves nothing to detect;
//  - UNet selectivity: the latent correction |z_rec - z| inside the defects over
//    outside them. A UNet that corrects everything alike cannot localise.
#pragma once

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace decodiff::evaluation {

// Per-pixel codec error and PSNR of one image. x, x0: [3, H, W] in [-1, 1]
// (x0 is clamped to [-1, 1], as any picture of it would be). Both are measured
// on the [0, 1] pixel scale: error = mean over RGB of |x - x0| / 2 (CV_32FC1,
// H x W); PSNR = 10 log10(1 / MSE) over the 3 H W values, capped at 100 dB.
struct CodecError {
  cv::Mat error;
  double psnr_db = 0.0;
};
CodecError codec_error(const at::Tensor& x, const at::Tensor& x0);

// The ground truth on the latent grid. mask: CV_8UC1 crop x crop, nonzero =
// defect; crop must be a multiple of latent_size. Each latent cell covers an
// f x f block of pixels (f = crop / latent_size); its defect fraction is the
// block's area average. Returns CV_8UC1 latent_size x latent_size: 1 = inside
// (fraction >= 0.5), 0 = outside (fraction 0), 2 = border (ignored).
cv::Mat latent_cells(const cv::Mat& mask, int latent_size);

// Sums of values inside and outside a region.
struct RegionSums {
  double inside_sum = 0.0, outside_sum = 0.0;
  uint64_t inside_count = 0, outside_count = 0;
  // values: CV_32FC1; region: CV_8UC1 of the same size, 1 inside, 0 outside, other values ignored.
  void add(const cv::Mat& values, const cv::Mat& region);
  double inside_mean() const;   // NaN when empty
  double outside_mean() const;  // NaN when empty
};

struct CodecFidelity {
  uint64_t images = 0;
  double psnr_db = 0.0;        // mean over the images of each image's PSNR
  double error_inside = 0.0;   // mean |x - x0| ([0, 1] units) over the defect pixels
  double error_outside = 0.0;  // ... over the other pixels
  double ratio = 0.0;          // inside / outside
  uint64_t inside_pixels = 0, outside_pixels = 0;
};

struct Selectivity {
  double correction_inside = 0.0;   // mean over the inside latent cells of mean_c |z_rec - z|
  double correction_outside = 0.0;  // ... over the outside cells
  double ratio = 0.0;               // inside / outside: the selectivity
  uint64_t inside_cells = 0, outside_cells = 0;
};

// NaN marks what was not measured (no defect pixels, no latents, ...).
struct DefectMeasures {
  CodecFidelity codec;
  Selectivity selectivity;
};

// One class's measures, image by image. The class row pools every test image;
// a defect kind's row takes its inside values and PSNR from the images of that
// kind and the outside values from the whole class (normal texture is normal
// texture whichever defect an image shows).
class DefectMeasuresAccumulator {
 public:
  // defect: "good" or the defect kind; mask: CV_8UC1 crop x crop, nonzero =
  // defect (all zero for normal images). codec: from codec_error, or an empty
  // error when not measured; correction: CV_32FC1 latent x latent mean over the
  // channels of |z_rec - z|, or empty. Throws std::invalid_argument on sizes
  // that do not fit the mask.
  void add(const std::string& defect, const CodecError& codec, const cv::Mat& correction,
           const cv::Mat& mask);

  DefectMeasures for_class() const;
  // Every defect kind seen (not "good"), in sorted order.
  std::vector<std::pair<std::string, DefectMeasures>> per_defect() const;

 private:
  struct Group {
    uint64_t images = 0, psnr_images = 0;
    double psnr_sum = 0.0;
    RegionSums codec, correction;
  };
  static DefectMeasures measures(const Group& inside, const Group& outside);
  Group all_;
  std::map<std::string, Group> by_defect_;
};

// Mean over classes of every measure (skipping NaN); counts are summed.
DefectMeasures mean_measures(const std::vector<DefectMeasures>& classes);

}  // namespace decodiff::evaluation
