// The report's pictures, drawn with OpenCV (BGR CV_8UC3): no plotting library
// on the target machines, and the element already draws with OpenCV.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "judgement.h"
#include "sweep.h"

namespace decodiff::replay {

// Score per frame (blue line, red dots where it alarms at `threshold`), the threshold
// (dashed), the labelled defect intervals (the positive frames) shaded red.
cv::Mat draw_timeline(const VideoReplay& video, float threshold, const std::string& title);

// One column per judged part (labels in the order of `verdicts`): its highest
// score, red for defective parts, green for normal ones, a ring where the
// verdict is wrong (a missed defect, a false alarm); the threshold dashed.
cv::Mat draw_part_strip(const std::vector<VideoReplay>& videos, const std::vector<PartVerdict>& verdicts,
                        float threshold);

// Histogram of the engine's per-frame latency (ms).
cv::Mat draw_latency_histogram(const std::vector<double>& latencies_ms);

// Part recall over part false-alarm rate for every sweep row; `picked` (or
// -1) is ringed.
cv::Mat draw_operating_curve(const std::vector<SweepRow>& rows, int picked);

// PNG bytes of a picture; throws std::runtime_error when OpenCV cannot encode it.
std::vector<unsigned char> encode_png(const cv::Mat& picture);

}  // namespace decodiff::replay
