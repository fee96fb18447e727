#include "codec_mix.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "procedural.h"
#include "render_sample.h"
#include "rng.h"

namespace decodiff::data {
namespace fs = std::filesystem;

namespace {

enum Source { kPhoto = 0, kSynth = 1, kProcedural = 2, kPaste = 3 };

cv::Mat flip_and_turn(const cv::Mat& image, Rng& rng) {
  cv::Mat out = image;
  if (rng.chance(0.5)) cv::flip(out, out, 1);
  const int turns = rng.uniform_int(0, 3);
  if (turns == 1) cv::rotate(out, out, cv::ROTATE_90_CLOCKWISE);
  if (turns == 2) cv::rotate(out, out, cv::ROTATE_180);
  if (turns == 3) cv::rotate(out, out, cv::ROTATE_90_COUNTERCLOCKWISE);
  return out;
}

}  // namespace

cv::Mat random_zoomed_crop(const cv::Mat& image, int size, double min_zoom, double max_zoom, uint64_t seed) {
  Rng rng(mix_seed(seed, "zoomed-crop"));
  const int limit = std::min(image.cols, image.rows);
  const double zoom = std::exp(rng.uniform(std::log(min_zoom), std::log(max_zoom)));
  const int side = std::clamp(static_cast<int>(std::lround(size / zoom)), std::min(size, limit), limit);
  const int x = rng.uniform_int(0, image.cols - side), y = rng.uniform_int(0, image.rows - side);
  cv::Mat out;
  cv::resize(image(cv::Rect(x, y, side, side)), out, cv::Size(size, size), 0, 0,
             side > size ? cv::INTER_AREA : cv::INTER_CUBIC);
  return out;
}

CodecMix::CodecMix(const CodecMixOptions& options) : options_(options) {
  const double shares[4] = {options.photo_share, options.synth_share, options.procedural_share,
                            options.paste_share};
  double total = 0;
  for (double s : shares) {
    if (s < 0) throw std::invalid_argument("codec data shares must be >= 0");
    total += s;
  }
  if (total <= 0) throw std::invalid_argument("codec data: every share is 0");
  double acc = 0;
  for (int i = 0; i < 4; ++i) cumulative_[i] = (acc += shares[i] / total);
  if (options.photo_share > 0) {
    for (const fs::path& p : codec_training_photos(options.photo_dir)) {
      photos_.push_back(read_photo(p));
      photo_names_.push_back(p.filename().string());
    }
    if (photos_.empty())
      throw std::runtime_error("no training photos in '" + options.photo_dir.string() +
                               "' (Debian: apt-get install opencv-doc)");
  }
  if (options.synth_share > 0 || options.paste_share > 0) {
    const auto categories = synth_categories();
    for (int i = 0; i < options.synth_pool; ++i) {
      const std::string& c = categories[static_cast<size_t>(i) % categories.size()];
      const auto kinds = synth_defect_kinds(c);
      // Every other sample is defective (kinds in turn), so the codec sees defects too.
      const DefectKind k = i % 2 ? kinds[static_cast<size_t>(i / 2) % kinds.size()] : DefectKind::none;
      synth_.push_back(
          render_sample(c, k, sample_seed(options.seed, c, "codec", i), options.synth_size).image);
    }
  }
}

cv::Mat CodecMix::source_crop(int source, uint64_t seed, int size) const {
  Rng rng(seed);
  if (source == kPhoto && !photos_.empty()) {
    const cv::Mat& photo =
        photos_[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(photos_.size()) - 1))];
    return random_zoomed_crop(photo, size, options_.min_zoom, options_.max_zoom, rng.next());
  }
  if (source == kSynth && !synth_.empty()) {
    const cv::Mat& s = synth_[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(synth_.size()) - 1))];
    return random_zoomed_crop(s, size, std::max(options_.min_zoom, 0.25), 1.0, rng.next());
  }
  return render_procedural(rng.next(), size);
}

cv::Mat CodecMix::crop(uint64_t index, int size) const {
  Rng rng(mix_seed(mix_seed(options_.seed, "codec-crop"), index));
  const double u = rng.uniform();
  int source = kPhoto;
  while (source < kPaste && u >= cumulative_[source]) ++source;
  cv::Mat out;
  if (source == kPaste) {
    const int base = rng.chance(0.6) ? kPhoto : kProcedural;
    const int other = rng.uniform_int(kPhoto, kProcedural);
    out =
        paste_between(source_crop(base, rng.next(), size), source_crop(other, rng.next(), size), rng.next());
  } else {
    out = source_crop(source, rng.next(), size);
  }
  out = flip_and_turn(out, rng);
  if (rng.chance(options_.jitter_probability)) out = jitter_colours(out, rng.next());
  return out.isContinuous() ? out : out.clone();
}

nlohmann::json CodecMix::describe() const {
  return {{"photos", photo_names_},
          {"shares",
           {{"photo", options_.photo_share},
            {"synthetic", options_.synth_share},
            {"procedural", options_.procedural_share},
            {"paste", options_.paste_share}}},
          {"jitter_probability", options_.jitter_probability},
          {"synthetic_pool", synth_.size()},
          {"synthetic_size", options_.synth_size},
          {"zoom", {options_.min_zoom, options_.max_zoom}},
          {"seed", options_.seed}};
}

std::vector<cv::Mat> held_out_crops(const fs::path& photo_dir, int size, int count, uint64_t seed) {
  std::vector<cv::Mat> photos;
  for (const std::string& name : held_out_photos()) photos.push_back(read_photo(photo_dir / name));
  std::vector<cv::Mat> out;
  for (int i = 0; i < count; ++i)
    out.push_back(random_zoomed_crop(photos[static_cast<size_t>(i) % photos.size()], size, 0.2, 0.6,
                                     mix_seed(mix_seed(seed, "held-out"), static_cast<uint64_t>(i))));
  return out;
}

}  // namespace decodiff::data
