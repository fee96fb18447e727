#include "video_frames.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <opencv2/videoio/registry.hpp>

#include <filesystem>
#include <stdexcept>

#include "image_loading.h"

namespace decodiff::data {

std::vector<cv::Mat> read_video_frames(const std::string& path, const VideoOptions& options) {
  if (options.stride < 1) throw std::invalid_argument("video frame stride must be >= 1");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw std::runtime_error("cannot open video '" + path + "': no such file");
  cv::VideoCapture cap;
  try {
    // FFmpeg alone where OpenCV has it: on a file it cannot read, OpenCV would
    // go on to its GStreamer backend, which fails the same way but prints
    // GStreamer-CRITICAL noise around our one error line.
    const bool ffmpeg = cv::videoio_registry::hasBackend(cv::CAP_FFMPEG);
    cap.open(path, ffmpeg ? cv::CAP_FFMPEG : cv::CAP_ANY);
  } catch (const cv::Exception& e) {
    throw std::runtime_error("cannot open video '" + path + "': " + e.what());
  }
  if (!cap.isOpened()) throw std::runtime_error("cannot open video '" + path + "' (unknown format or codec)");
  std::vector<cv::Mat> frames;
  cv::Mat frame;
  for (long index = 0;; ++index) {
    bool ok = false;
    try {
      ok = cap.read(frame);
    } catch (const cv::Exception&) {
      ok = false;
    }
    if (!ok || frame.empty()) break;
    if (index % options.stride != 0) continue;
    cv::Mat bgr = frame;
    if (bgr.channels() == 1) cv::cvtColor(frame, bgr, cv::COLOR_GRAY2BGR);
    if (bgr.channels() == 4) cv::cvtColor(frame, bgr, cv::COLOR_BGRA2BGR);
    if (options.roi.area() > 0) {
      if ((options.roi & cv::Rect(0, 0, bgr.cols, bgr.rows)) != options.roi)
        throw std::runtime_error("ROI " + std::to_string(options.roi.x) + "," +
                                 std::to_string(options.roi.y) + "," + std::to_string(options.roi.width) +
                                 "," + std::to_string(options.roi.height) + " lies outside the " +
                                 std::to_string(bgr.cols) + "x" + std::to_string(bgr.rows) + " frames of '" +
                                 path + "'");
      bgr = bgr(options.roi);
    }
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    if (options.resize > 0)
      rgb = center_crop(pillow_resize(rgb, options.resize), options.crop > 0 ? options.crop : options.resize);
    frames.push_back(rgb);
    if (options.max_frames > 0 && static_cast<int>(frames.size()) >= options.max_frames) break;
  }
  if (frames.empty()) throw std::runtime_error("video '" + path + "' has no readable frames");
  return frames;
}

}  // namespace decodiff::data
