// Frames of a video of normal production, for training.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace decodiff::data {

struct VideoOptions {
  int stride = 1;      // keep every stride-th frame (frame 0, stride, 2*stride, ...)
  int max_frames = 0;  // 0 = no limit (frames kept)
  cv::Rect roi;        // empty = the whole frame; must lie inside the frame
  int resize = 0,
      crop = 0;  // when > 0: each kept frame is Pillow-resized to resize x resize and center-cropped
};

// Decodes a video file (anything cv::VideoCapture opens) and returns the kept
// frames as CV_8UC3 RGB images. Throws std::runtime_error with one line: the
// video cannot be opened, it has no frames, or the ROI lies outside the frame.
std::vector<cv::Mat> read_video_frames(const std::string& path, const VideoOptions& options);

// Parses "x,y,w,h": decimal pixels (spaces allowed around each), x, y >= 0, w, h > 0, and x + w,
// y + h within int; anything else (extra characters, a sign, an overflow) throws std::invalid_argument
// naming the text.
cv::Rect parse_roi(const std::string& text);

}  // namespace decodiff::data
