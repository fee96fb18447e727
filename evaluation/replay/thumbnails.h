// The report's thumbnails: while the video is replayed, the highest-scoring
// frame of every labelled part is kept (small), so that every missed defect and
// every false alarm can be shown afterwards without keeping the whole video;
// for an unlabelled video, the highest-scoring frames, at most one per
// `spacing` frames.
#pragma once

#include <opencv2/core.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <vector>

#include "judgement.h"
#include "labels.h"

namespace decodiff::replay {

struct Thumbnail {
  int frame = -1;
  float score = 0;
  cv::Mat picture;  // BGR
};

class ThumbnailKeeper {
 public:
  // labels: one entry per video (none: unlabelled). top: how many frames of an unlabelled video.
  ThumbnailKeeper(const std::vector<std::optional<JudgedLabels>>& labels, size_t top = 8, int spacing = 15);

  // Whether offer() would keep a frame with this score (ask first: composing a picture costs).
  bool wants(size_t video, int frame, float score) const;
  void offer(size_t video, int frame, float score, const cv::Mat& picture);

  // The kept frame of a labelled part (none when no frame of it was offered).
  const Thumbnail* of_part(size_t video, size_t part) const;
  // The kept frames of an unlabelled video, highest score first.
  std::vector<Thumbnail> top_frames(size_t video) const;

 private:
  struct Video {
    std::map<int, std::vector<size_t>> parts_by_frame;
    std::vector<Thumbnail> per_part;
    bool labelled = false;
    std::vector<Thumbnail> top;
  };
  std::vector<Video> videos_;
  size_t top_;
  int spacing_;
};

// The frame (RGB, CV_8UC3) beside the same frame with the anomaly map (floats
// in [0, 1], covering `map_rect` of the frame) blended over it, `boxes` drawn on
// both (defect boxes red, part boxes white), scaled to `height` pixels; BGR.
// Without a map (the element painted its overlay already), the frame alone.
struct DrawnBox {
  Box box;
  bool defect = false;
};
cv::Mat compose_thumbnail(const cv::Mat& rgb_frame, const cv::Mat& map, const cv::Rect& map_rect,
                          const std::vector<DrawnBox>& boxes, int height = 180);

// The labelled boxes in `frame` (defect boxes and part boxes).
std::vector<DrawnBox> boxes_at(const VideoLabels& labels, int frame);

}  // namespace decodiff::replay
