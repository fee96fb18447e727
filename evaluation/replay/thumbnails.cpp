#include "thumbnails.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "imaging/heatmap.h"

namespace decodiff::replay {

ThumbnailKeeper::ThumbnailKeeper(const std::vector<std::optional<JudgedLabels>>& labels, size_t top,
                                 int spacing)
    : videos_(labels.size()), top_(top), spacing_(spacing) {
  for (size_t v = 0; v < labels.size(); ++v) {
    if (!labels[v]) continue;
    videos_[v].labelled = true;
    videos_[v].per_part.resize(labels[v]->parts.size());
    for (size_t p = 0; p < labels[v]->parts.size(); ++p)
      for (int f : labels[v]->parts[p].frames) videos_[v].parts_by_frame[f].push_back(p);
  }
}

bool ThumbnailKeeper::wants(size_t video, int frame, float score) const {
  if (video >= videos_.size() || std::isnan(score)) return false;
  const Video& v = videos_[video];
  if (v.labelled) {
    const auto it = v.parts_by_frame.find(frame);
    if (it == v.parts_by_frame.end()) return false;
    for (size_t p : it->second)
      if (v.per_part[p].frame < 0 || score > v.per_part[p].score) return true;
    return false;
  }
  for (const Thumbnail& t : v.top)  // a near frame that scored higher is already kept
    if (std::abs(t.frame - frame) < spacing_ && t.score >= score) return false;
  return v.top.size() < top_ || score > v.top.back().score;
}

void ThumbnailKeeper::offer(size_t video, int frame, float score, const cv::Mat& picture) {
  if (!wants(video, frame, score)) return;
  Video& v = videos_[video];
  const Thumbnail t{frame, score, picture};
  if (v.labelled) {
    for (size_t p : v.parts_by_frame[frame])
      if (v.per_part[p].frame < 0 || score > v.per_part[p].score) v.per_part[p] = t;
    return;
  }
  v.top.erase(std::remove_if(v.top.begin(), v.top.end(),
                             [&](const Thumbnail& k) { return std::abs(k.frame - frame) < spacing_; }),
              v.top.end());
  v.top.push_back(t);
  std::sort(v.top.begin(), v.top.end(),
            [](const Thumbnail& a, const Thumbnail& b) { return a.score > b.score; });
  if (v.top.size() > top_) v.top.resize(top_);
}

const Thumbnail* ThumbnailKeeper::of_part(size_t video, size_t part) const {
  if (video >= videos_.size() || part >= videos_[video].per_part.size()) return nullptr;
  const Thumbnail& t = videos_[video].per_part[part];
  return t.frame >= 0 ? &t : nullptr;
}

std::vector<Thumbnail> ThumbnailKeeper::top_frames(size_t video) const {
  return video < videos_.size() ? videos_[video].top : std::vector<Thumbnail>{};
}

cv::Mat compose_thumbnail(const cv::Mat& rgb_frame, const cv::Mat& map, const cv::Rect& map_rect,
                          const std::vector<DrawnBox>& boxes, int height) {
  cv::Mat plain = rgb_frame.clone();
  cv::Mat heat = rgb_frame.clone();
  const cv::Rect r = map_rect & cv::Rect(0, 0, rgb_frame.cols, rgb_frame.rows);
  if (!map.empty() && r.area() > 0) {
    cv::Mat roi = heat(r);
    imaging::heatmap_overlay(roi, map, 0.5).copyTo(roi);
  }
  for (const DrawnBox& b : boxes) {
    const cv::Scalar colour = b.defect ? cv::Scalar(255, 40, 40) : cv::Scalar(255, 255, 255);  // RGB
    for (cv::Mat* m : {&plain, &heat})
      cv::rectangle(*m, cv::Rect(b.box.x, b.box.y, b.box.w, b.box.h), colour, 2);
  }
  cv::Mat both;
  if (map.empty())
    both = plain;  // the frame already carries the element's overlay
  else
    cv::hconcat(plain, heat, both);
  const double k = static_cast<double>(height) / both.rows;
  cv::Mat small;
  cv::resize(both, small, cv::Size(std::max(1, static_cast<int>(both.cols * k)), height), 0, 0,
             cv::INTER_AREA);
  cv::cvtColor(small, small, cv::COLOR_RGB2BGR);
  return small;
}

std::vector<DrawnBox> boxes_at(const VideoLabels& labels, int frame) {
  std::vector<DrawnBox> boxes;
  for (const LabelledPart& part : labels.parts) {
    if (part.frames.empty() || frame < part.frames.front().frame || frame > part.frames.back().frame)
      continue;
    const auto it = std::lower_bound(part.frames.begin(), part.frames.end(), frame,
                                     [](const LabelledFrame& f, int n) { return f.frame < n; });
    if (it == part.frames.end() || it->frame != frame) continue;
    if (it->part_box) boxes.push_back({*it->part_box, false});
    if (it->defect_box) boxes.push_back({*it->defect_box, true});
  }
  return boxes;
}

}  // namespace decodiff::replay
