#include "photo_dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "defects.h"
#include "render_sample.h"
#include "rng.h"
#include "scene_utils.h"

namespace decodiff::data {
namespace fs = std::filesystem;

namespace {

cv::Mat central_zone(int size) {
  cv::Mat zone(size, size, CV_8UC1, cv::Scalar(0));
  const int margin = static_cast<int>(std::ceil(0.15 * size));
  zone(cv::Rect(margin, margin, size - 2 * margin, size - 2 * margin)).setTo(255);
  return zone;
}

// An irregular blob of radius r (a fraction of the side) inside the central zone.
cv::Mat blob_mask(int size, Rng& rng, double r_lo, double r_hi) {
  const double margin = 0.15 * size;
  const cv::Point2d c(rng.uniform(margin, size - margin), rng.uniform(margin, size - margin));
  const double r = std::max(3.0, rng.uniform(r_lo, r_hi) * size);
  const double elongation = rng.uniform(1.0, 1.5), tilt = rng.uniform(0.0, CV_PI);
  double amp[3], phase[3];
  for (int k = 0; k < 3; ++k)
    amp[k] = rng.uniform(0.05, 0.25) / (k + 1), phase[k] = rng.uniform(0.0, 2 * CV_PI);
  std::vector<cv::Point> pts;
  for (int i = 0; i < 48; ++i) {
    const double a = 2.0 * CV_PI * i / 48;
    double rr = r;
    for (int k = 0; k < 3; ++k) rr *= 1.0 + amp[k] * std::sin((k + 2) * a + phase[k]);
    const double ex = rr * elongation * std::cos(a), ey = rr * std::sin(a);
    pts.emplace_back(cvRound(c.x + ex * std::cos(tilt) - ey * std::sin(tilt)),
                     cvRound(c.y + ex * std::sin(tilt) + ey * std::cos(tilt)));
  }
  cv::Mat mask(size, size, CV_8UC1, cv::Scalar(0));
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{pts}, cv::Scalar(255));
  return mask;
}

PhotoDefect painted_by_synth_code(const cv::Mat& good, DefectKind kind, Rng& rng) {
  const int size = good.cols;
  Scene scene;
  good.convertTo(scene.image, CV_32FC3, 1.0 / 255.0);
  // What a hole shows: a dark, slightly uneven cavity.
  scene.backdrop = surface(rng, good.size(), cv::Vec3f(0.07f, 0.07f, 0.08f), 0.3f, 0.2f);
  scene.foreground = cv::Mat(size, size, CV_8UC1, cv::Scalar(255));
  scene.defect_zone = central_zone(size);
  const PaintedDefect painted = paint_defect(scene, kind, rng);
  PhotoDefect out{good.clone(), painted.mask};
  cv::Mat image8;
  painted.image.convertTo(image8, CV_8UC3, 255.0);
  image8.copyTo(out.image, painted.mask);
  return out;
}

}  // namespace

const std::vector<std::string>& photo_defect_kinds() {
  static const std::vector<std::string> kinds = {"scratch", "spot",          "hole",          "colour_stain",
                                                 "crack",   "foreign_patch", "smoothed_patch"};
  return kinds;
}

PhotoDefect paint_photo_defect(const cv::Mat& good, const std::string& kind, const cv::Mat& foreign,
                               uint64_t seed) {
  if (good.type() != CV_8UC3 || good.rows != good.cols || good.cols < 32)
    throw std::invalid_argument("paint_photo_defect needs a square 8-bit BGR crop of at least 32 px");
  Rng rng(mix_seed(mix_seed(seed, "photo-defect"), kind));
  if (kind == "foreign_patch") {
    if (foreign.type() != CV_8UC3 || foreign.size() != good.size())
      throw std::invalid_argument("foreign_patch needs a foreign crop of the good crop's size");
    PhotoDefect out{good.clone(), blob_mask(good.cols, rng, 0.07, 0.12)};
    foreign.copyTo(out.image, out.mask);
    return out;
  }
  if (kind == "smoothed_patch") {
    PhotoDefect out{good.clone(), blob_mask(good.cols, rng, 0.08, 0.13)};
    cv::Mat blurred;
    cv::GaussianBlur(good, blurred, cv::Size(0, 0), 0.05 * good.cols);
    const cv::Scalar mean = cv::mean(good, out.mask);
    cv::Mat flat(good.size(), CV_8UC3, mean);
    cv::Mat smooth;
    cv::addWeighted(blurred, 0.5, flat, 0.5, 0.0, smooth);  // texture gone, tone kept
    smooth.copyTo(out.image, out.mask);
    return out;
  }
  for (const std::string& k : photo_defect_kinds())
    if (k == kind) return painted_by_synth_code(good, parse_defect_kind(kind), rng);
  std::string known;
  for (const std::string& k : photo_defect_kinds()) known += (known.empty() ? "" : ", ") + k;
  throw std::invalid_argument("unknown photo defect kind '" + kind + "' (known: " + known + ")");
}

cv::Rect photo_crop_rect(cv::Size photo, bool train, const PhotoSetOptions& o, uint64_t seed) {
  Rng rng(mix_seed(seed, "photo-crop"));
  const int w = photo.width / 2, h = photo.height / 2;
  // train: top-left [0,w)x[0,h) or bottom-right [w,W)x[h,H); test: top-right or bottom-left.
  const bool second = rng.uniform_int(0, 1) == 1;
  const bool right = train ? second : !second, bottom = second;
  const cv::Rect quadrant(right ? w : 0, bottom ? h : 0, right ? photo.width - w : w,
                          bottom ? photo.height - h : h);
  const int shorter = std::min(quadrant.width, quadrant.height);
  const int side =
      std::clamp(static_cast<int>(std::lround(shorter * o.region_fraction * rng.uniform(0.85, 1.15))),
                 std::min(8, shorter), shorter);
  return {quadrant.x + rng.uniform_int(0, quadrant.width - side),
          quadrant.y + rng.uniform_int(0, quadrant.height - side), side, side};
}

namespace {

// A square crop of one of a half's two quadrants: see photo_crop_rect.
cv::Mat crop_of(const cv::Mat& photo, bool train, const PhotoSetOptions& o, uint64_t seed) {
  const cv::Rect r = photo_crop_rect(photo.size(), train, o, seed);
  cv::Mat out;
  cv::resize(photo(r), out, cv::Size(o.image_size, o.image_size), 0, 0,
             r.width >= o.image_size ? cv::INTER_AREA : cv::INTER_CUBIC);
  return out;
}

std::string numbered(int i) {
  char b[16];
  std::snprintf(b, sizeof b, "%03d", i);
  return b;
}

}  // namespace

nlohmann::json write_photo_dataset(const fs::path& root, const PhotoSetOptions& o,
                                   const ProgressFn& progress) {
  if (o.image_size < 32 || o.image_size > 1024)
    throw std::invalid_argument("photo set image size " + std::to_string(o.image_size) +
                                " is out of range [32, 1024]");
  if (o.train_per_class < 0 || o.test_good_per_class < 0 || o.test_defect_per_kind < 0)
    throw std::invalid_argument("photo set counts must be >= 0");
  if (!(o.region_fraction > 0.05 && o.region_fraction <= 0.85))
    throw std::invalid_argument("photo set region fraction must be in (0.05, 0.85]");
  std::vector<std::pair<BenchmarkPhoto, cv::Mat>> photos;
  const std::set<std::string> only(o.classes.begin(), o.classes.end());
  std::set<std::string> wanted = only;
  for (const BenchmarkPhoto& b : benchmark_photos()) {
    if (!only.empty() && !wanted.erase(b.klass)) continue;
    photos.emplace_back(b, read_photo(o.source / b.file));
  }
  if (!wanted.empty()) {
    std::string known;
    for (const auto& b : benchmark_photos()) known += (known.empty() ? "" : ", ") + b.klass;
    throw std::invalid_argument("unknown photo class '" + *wanted.begin() + "' (known: " + known + ")");
  }
  make_folder(root);
  const int kinds = static_cast<int>(photo_defect_kinds().size());
  const int total = static_cast<int>(photos.size()) *
                    (o.train_per_class + o.test_good_per_class + kinds * o.test_defect_per_kind);
  int done = 0;
  auto note = [&](const std::string& what) {
    ++done;
    if (progress) progress(done, total, what);
  };
  nlohmann::json classes = nlohmann::json::array();
  for (size_t p = 0; p < photos.size(); ++p) {
    const BenchmarkPhoto& info = photos[p].first;
    const cv::Mat& photo = photos[p].second;
    const fs::path dir = root / info.klass;
    const fs::path train_dir = dir / "train" / "good", good_dir = dir / "test" / "good";
    make_folder(train_dir);
    make_folder(good_dir);
    for (int i = 0; i < o.train_per_class; ++i) {
      write_png(train_dir / (numbered(i) + ".png"),
                crop_of(photo, true, o, sample_seed(o.seed, info.klass, "train/good", i)));
      note(info.klass + "/train/good");
    }
    for (int i = 0; i < o.test_good_per_class; ++i) {
      write_png(good_dir / (numbered(i) + ".png"),
                crop_of(photo, false, o, sample_seed(o.seed, info.klass, "test/good", i)));
      note(info.klass + "/test/good");
    }
    // Foreign patches come from the test half of the next photo in the benchmark's list.
    const cv::Mat& foreign_photo = photos[(p + 1) % photos.size()].second;
    nlohmann::json defects = nlohmann::json::object();
    for (const std::string& kind : photo_defect_kinds()) {
      const fs::path img_dir = dir / "test" / kind, mask_dir = dir / "ground_truth" / kind;
      make_folder(img_dir);
      make_folder(mask_dir);
      for (int i = 0; i < o.test_defect_per_kind; ++i) {
        const uint64_t s = sample_seed(o.seed, info.klass, "test/" + kind, i);
        const cv::Mat good = crop_of(photo, false, o, s);
        const cv::Mat foreign = crop_of(foreign_photo, false, o, mix_seed(s, "foreign"));
        const PhotoDefect d = paint_photo_defect(good, kind, foreign, s);
        write_png(img_dir / (numbered(i) + ".png"), d.image);
        write_png(mask_dir / (numbered(i) + "_mask.png"), d.mask);
        note(info.klass + "/test/" + kind);
      }
      defects[kind] = o.test_defect_per_kind;
    }
    classes.push_back({{"name", info.klass},
                       {"photo", info.file},
                       {"look", info.why},
                       {"train_half", "top-left and bottom-right quadrants"},
                       {"test_half", "top-right and bottom-left quadrants"},
                       {"train_good", o.train_per_class},
                       {"test_good", o.test_good_per_class},
                       {"test_defects", defects}});
  }
  nlohmann::json info = {{"generator", "decodiff-synth photos"},
                         {"generator_version", kPhotoSetVersion},
                         {"seed", o.seed},
                         {"image_size", o.image_size},
                         {"region_fraction", o.region_fraction},
                         {"layout", "mvtec"},
                         {"categories", classes}};
  std::ofstream f(root / "dataset.json");
  f << info.dump(2) << "\n";
  if (!f) throw std::runtime_error("cannot write '" + (root / "dataset.json").string() + "'");
  return info;
}

}  // namespace decodiff::data
