#include "synth_video.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "rng.h"
#include "scene_utils.h"

namespace decodiff::data {
namespace fs = std::filesystem;

namespace {

int resolved_part_size(const VideoOptions& o) {
  return o.part_size > 0 ? o.part_size : static_cast<int>(std::lround(0.55 * o.height));
}

// The conveyor: a dark rubber belt between two steel rails. The belt texture
// repeats every `period` pixels so it can scroll forever.
cv::Mat make_belt(const VideoOptions& o, int period, uint64_t seed) {
  const int w = period, h = o.height;
  Rng rng(mix_seed(seed, "belt"));
  const int belt_top = static_cast<int>(0.07 * h), belt_bottom = h - belt_top;
  cv::Mat streaks = value_noise(rng, cv::Size(1, h), 1, std::max(2, h / 6));
  cv::Mat strip(h, w, CV_32FC3);
  for (int y = 0; y < h; ++y) {
    cv::Vec3f* p = strip.ptr<cv::Vec3f>(y);
    const bool rail = y < belt_top || y >= belt_bottom;
    const float ry = rail ? (y < belt_top ? float(y) / belt_top : float(h - 1 - y) / belt_top) : 0.f;
    for (int x = 0; x < w; ++x) {
      if (rail) {
        const float v = 0.45f + 0.25f * std::sin(static_cast<float>(CV_PI) * ry);
        p[x] = cv::Vec3f(v * 1.03f, v, v * 0.97f);
      } else {
        const float v = 0.19f * (1.f + 0.08f * streaks.at<float>(y, 0));
        p[x] = cv::Vec3f(v, v * 1.01f, v * 1.03f);
      }
    }
  }
  // Cleats across the belt, and scuffs, wrapped around the period.
  const int cleat = std::max(2, period / 24);
  for (int y = belt_top; y < belt_bottom; ++y)
    for (int x = 0; x < cleat; ++x) strip.at<cv::Vec3f>(y, x) *= (x == 0 ? 1.6f : 0.6f);
  cv::Mat belt = strip(cv::Rect(0, belt_top, w, belt_bottom - belt_top));
  const int scuffs = std::max(4, w * (belt_bottom - belt_top) / 2500);
  for (int i = 0; i < scuffs; ++i) {
    const cv::Point c(rng.uniform_int(0, w - 1), rng.uniform_int(2, belt.rows - 3));
    const int r = rng.uniform_int(1, 3);
    const float f = static_cast<float>(rng.uniform(0.75, 1.3));
    for (int dx : {-w, 0, w}) {
      cv::Mat spot(belt.size(), CV_8UC1, cv::Scalar(0));
      cv::circle(spot, c + cv::Point(dx, 0), r, cv::Scalar(255), cv::FILLED);
      cv::Mat scaled = belt * f;
      scaled.copyTo(belt, spot);
    }
  }
  cv::Mat out;
  strip.convertTo(out, CV_8UC3, 255.0);
  return out;
}

nlohmann::json box_json(const cv::Rect& r) { return nlohmann::json::array({r.x, r.y, r.width, r.height}); }

}  // namespace

void validate(const VideoOptions& o) {
  synth_category_look(o.category);  // throws for an unknown category
  if (o.width < 64 || o.height < 64 || o.width > 8192 || o.height > 8192)
    throw std::invalid_argument("frame size " + std::to_string(o.width) + "x" + std::to_string(o.height) +
                                " is out of range [64, 8192]");
  if (o.width % 2 || o.height % 2)
    throw std::invalid_argument("frame width and height must be even (video codecs need it)");
  if (!(o.fps > 0 && o.fps <= 1000)) throw std::invalid_argument("fps must be in (0, 1000]");
  if (o.parts < 1 || o.parts > 10000) throw std::invalid_argument("part count must be in [1, 10000]");
  if (!(o.defect_fraction >= 0 && o.defect_fraction <= 1))
    throw std::invalid_argument("defect fraction must be in [0, 1]");
  const int ps = resolved_part_size(o);
  if (ps < kMinSynthSize || ps > o.height || ps >= o.width)
    throw std::invalid_argument("part size " + std::to_string(ps) + " must be in [" +
                                std::to_string(kMinSynthSize) + ", frame height] and below the frame width");
  if (o.speed < 1 || o.speed > o.width)
    throw std::invalid_argument("speed must be in [1, frame width] pixels per frame");
  if (o.gap < 0) throw std::invalid_argument("gap must not be negative");
}

SyntheticVideo::SyntheticVideo(const VideoOptions& options) : options_(options) {
  validate(options_);
  const VideoOptions& o = options_;
  part_size_ = resolved_part_size(o);
  const int gap = o.gap > 0 ? o.gap : part_size_ / 2;
  const int spacing = (part_size_ + gap + o.speed - 1) / o.speed;  // frames between part starts
  const int crossing = (o.width + part_size_ + o.speed - 1) / o.speed;
  frame_count_ = (o.parts - 1) * spacing + crossing + 1;

  // Which parts are defective, and with what.
  Rng rng(mix_seed(o.seed, "video:" + o.category));
  std::vector<int> order(static_cast<size_t>(o.parts));
  for (int i = 0; i < o.parts; ++i) order[static_cast<size_t>(i)] = i;
  for (int i = o.parts - 1; i > 0; --i)
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(rng.uniform_int(0, i))]);
  const int defective = static_cast<int>(std::lround(o.parts * o.defect_fraction));
  const std::vector<DefectKind> kinds = synth_defect_kinds(o.category);
  std::vector<DefectKind> kind_of(static_cast<size_t>(o.parts), DefectKind::none);
  const int first_kind = rng.uniform_int(0, static_cast<int>(kinds.size()) - 1);
  for (int k = 0; k < defective; ++k)
    kind_of[static_cast<size_t>(order[static_cast<size_t>(k)])] =
        kinds[static_cast<size_t>((first_kind + k) % static_cast<int>(kinds.size()))];

  const bool texture = synth_category_is_texture(o.category);
  const int centre_top = (o.height - part_size_) / 2;
  const int jitter = std::min(centre_top, static_cast<int>(0.04 * o.height));
  for (int i = 0; i < o.parts; ++i) {
    Part part;
    const uint64_t seed = sample_seed(o.seed, o.category, "video", i);
    part.sample = render_sample(o.category, kind_of[static_cast<size_t>(i)], seed, part_size_);
    // The outline comes from the part without its defect, so that the frame
    // differs from the good part's frame exactly where the defect mask is.
    const cv::Mat outline = part.sample.defect == DefectKind::none
                                ? part.sample.foreground
                                : render_sample(o.category, DefectKind::none, seed, part_size_).foreground;
    outline.convertTo(part.alpha, CV_32FC1, 1.0 / 255.0);
    if (!texture) cv::GaussianBlur(part.alpha, part.alpha, cv::Size(3, 3), 0);
    cv::Mat shifted = cv::Mat::zeros(part.alpha.size(), CV_32FC1);
    const int sx = std::max(1, part_size_ / 30), sy = std::max(1, part_size_ / 22);
    part.alpha(cv::Rect(0, 0, part_size_ - sx, part_size_ - sy))
        .copyTo(shifted(cv::Rect(sx, sy, part_size_ - sx, part_size_ - sy)));
    cv::GaussianBlur(shifted, part.shadow, cv::Size(0, 0), std::max(1.0, part_size_ / 40.0));
    part.start = i * spacing;
    part.top = centre_top + rng.uniform_int(-jitter, jitter);
    parts_.push_back(std::move(part));
  }

  belt_period_ = std::max(32, part_size_ / 2);
  cv::Mat strip = make_belt(o, belt_period_, o.seed);
  cv::repeat(strip, 1, o.width / belt_period_ + 2, belt_);

  // Labels.
  const cv::Rect frame_rect(0, 0, o.width, o.height);
  labels_ = {{"generator", "decodiff-synth"},
             {"generator_version", kSynthGeneratorVersion},
             {"seed", o.seed},
             {"category", o.category},
             {"width", o.width},
             {"height", o.height},
             {"fps", o.fps},
             {"frame_count", frame_count_},
             {"part_size", part_size_},
             {"speed", o.speed},
             {"parts", nlohmann::json::array()}};
  for (int i = 0; i < o.parts; ++i) {
    const Part& part = parts_[static_cast<size_t>(i)];
    const bool is_defective = part.sample.defect != DefectKind::none;
    const cv::Rect part_box = cv::boundingRect(part.alpha > 0);
    nlohmann::json frames = nlohmann::json::array();
    int enter = -1, exit = -1, full_first = -1, full_last = -1;
    for (int t = 0; t < frame_count_; ++t) {
      const int x = left_edge(part, t);
      const cv::Rect placed = (part_box + cv::Point(x, part.top)) & frame_rect;
      if (placed.area() == 0) continue;
      if (enter < 0) enter = t;
      exit = t;
      if (x >= 0 && x + part_size_ <= o.width) {
        if (full_first < 0) full_first = t;
        full_last = t;
      }
      nlohmann::json entry = {{"frame", t}, {"part_box", box_json(placed)}};
      if (is_defective) {
        // The defect pixels that are inside the frame at this position.
        const int from = std::max(0, -x), to = std::min(part_size_, o.width - x);
        cv::Rect visible;
        if (to > from) {
          const cv::Rect cols(from, 0, to - from, part_size_);
          visible = cv::boundingRect(part.sample.mask(cols));
          visible.x += from;
        }
        entry["defect_box"] =
            visible.area() > 0 ? box_json(visible + cv::Point(x, part.top)) : nlohmann::json();
      }
      frames.push_back(std::move(entry));
    }
    labels_["parts"].push_back(
        {{"id", i},
         {"defective", is_defective},
         {"defect_kind", is_defective ? nlohmann::json(to_string(part.sample.defect)) : nlohmann::json()},
         {"enter_frame", enter},
         {"exit_frame", exit},
         {"full_view", {full_first, full_last}},
         {"frames", std::move(frames)}});
  }
}

int SyntheticVideo::left_edge(const Part& part, int frame) const {
  return options_.speed * (frame - part.start) - part_size_;
}

cv::Mat SyntheticVideo::frame(int index) const {
  if (index < 0 || index >= frame_count_)
    throw std::out_of_range("frame " + std::to_string(index) + " is outside [0, " +
                            std::to_string(frame_count_) + ")");
  const int w = options_.width, h = options_.height;
  const int offset = static_cast<int>((static_cast<int64_t>(options_.speed) * index) % belt_period_);
  cv::Mat out = belt_(cv::Rect((belt_period_ - offset) % belt_period_, 0, w, h)).clone();
  for (const Part& part : parts_) {
    const int x0 = left_edge(part, index);
    if (x0 >= w || x0 + part_size_ <= 0) continue;
    const int from = std::max(0, -x0), to = std::min(part_size_, w - x0);
    for (int y = 0; y < part_size_; ++y) {
      const int fy = part.top + y;
      if (fy < 0 || fy >= h) continue;
      cv::Vec3b* o = out.ptr<cv::Vec3b>(fy);
      const cv::Vec3b* s = part.sample.image.ptr<cv::Vec3b>(y);
      const float* a = part.alpha.ptr<float>(y);
      const float* sh = part.shadow.ptr<float>(y);
      for (int x = from; x < to; ++x) {
        const float shade = 1.f - 0.5f * sh[x] * (1.f - a[x]);
        for (int c = 0; c < 3; ++c)
          o[x0 + x][c] = cv::saturate_cast<uchar>(o[x0 + x][c] * shade * (1.f - a[x]) + s[x][c] * a[x]);
      }
    }
  }
  // Sensor noise: triangular, about +-3 grey levels.
  Rng rng(mix_seed(mix_seed(options_.seed, "frame"), static_cast<uint64_t>(index)));
  for (int y = 0; y < h; ++y) {
    uchar* p = out.ptr<uchar>(y);
    for (int x = 0; x < w * 3; x += 4) {
      uint64_t bits = rng.next();
      for (int k = 0; k < 4 && x + k < w * 3; ++k, bits >>= 16) {
        const int n = (static_cast<int>(bits & 0xFF) + static_cast<int>((bits >> 8) & 0xFF) - 255) * 3 / 255;
        p[x + k] = cv::saturate_cast<uchar>(p[x + k] + n);
      }
    }
  }
  return out;
}

std::string default_fourcc(const fs::path& video) {
  std::string ext = video.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".mp4" || ext == ".m4v" || ext == ".mov") return "mp4v";
  if (ext == ".avi" || ext == ".mkv") return "MJPG";
  throw std::invalid_argument("cannot choose a codec for '" + video.string() +
                              "': use a .mp4 (mp4v) or .avi (MJPG) file name, or give a fourcc");
}

nlohmann::json write_synthetic_video(const VideoOptions& options, const VideoOutput& output,
                                     const ProgressFn& progress) {
  std::string fourcc;
  if (!output.video.empty()) {
    fourcc = output.fourcc.empty() ? default_fourcc(output.video) : output.fourcc;
    if (fourcc.size() != 4) throw std::invalid_argument("fourcc '" + fourcc + "' must have 4 characters");
  }
  validate(options);
  // Fail on unwritable outputs before the (long) rendering.
  auto parent_of = [](const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); };
  if (!output.video.empty()) make_folder(parent_of(output.video));
  if (!output.labels.empty()) make_folder(parent_of(output.labels));
  if (!output.frames_dir.empty()) make_folder(output.frames_dir);

  SyntheticVideo video(options);
  cv::VideoWriter writer;
  if (!output.video.empty()) {
    const int code = cv::VideoWriter::fourcc(fourcc[0], fourcc[1], fourcc[2], fourcc[3]);
    writer.open(output.video.string(), cv::CAP_FFMPEG, code, options.fps, video.frame_size(), true);
    if (!writer.isOpened()) writer.open(output.video.string(), code, options.fps, video.frame_size(), true);
    if (!writer.isOpened())
      throw std::runtime_error("cannot write video '" + output.video.string() + "' with fourcc '" + fourcc +
                               "'");
  }
  for (int t = 0; t < video.frame_count(); ++t) {
    const cv::Mat frame = video.frame(t);
    if (writer.isOpened()) writer.write(frame);
    if (!output.frames_dir.empty()) {
      char name[32];
      std::snprintf(name, sizeof name, "%05d.png", t);
      write_png(output.frames_dir / name, frame);
    }
    if (progress) progress(t + 1, video.frame_count(), "frame " + std::to_string(t));
  }
  writer.release();

  nlohmann::json labels = video.labels();
  labels["video"] =
      output.video.empty() ? nlohmann::json() : nlohmann::json(output.video.filename().string());
  labels["fourcc"] = fourcc.empty() ? nlohmann::json() : nlohmann::json(fourcc);
  labels["frames_dir"] =
      output.frames_dir.empty() ? nlohmann::json() : nlohmann::json(output.frames_dir.filename().string());
  labels["frame_pattern"] = "%05d.png";
  if (!output.labels.empty()) {
    std::ofstream f(output.labels);
    f << labels.dump(1) << "\n";
    if (!f) throw std::runtime_error("cannot write '" + output.labels.string() + "'");
  }
  return labels;
}

}  // namespace decodiff::data
