#include "charts.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace decodiff::replay {
namespace {

const cv::Scalar kWhite(255, 255, 255), kGrid(225, 225, 225), kAxis(60, 60, 60), kText(30, 30, 30);
const cv::Scalar kBlue(200, 110, 30), kRed(40, 40, 215), kGreen(60, 160, 60), kShade(215, 215, 255);
const cv::Scalar kOrange(0, 140, 255);
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, std::fabs(v) >= 100 || v == std::floor(v) ? "%.0f" : "%.2f", v);
  return b;
}

std::string fmt4(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4f", v);
  return b;
}

// Data coordinates [x0, x1] x [y0, y1] mapped into `area` of `img`.
struct Axes {
  cv::Mat img;
  cv::Rect area;
  double x0, x1, y0, y1;

  Axes(int width, int height, double xa, double xb, double ya, double yb, const std::string& title,
       const std::string& x_label, const std::string& y_label, bool x_ticks = true)
      : img(height, width, CV_8UC3, kWhite),
        area(64, 34, width - 64 - 20, height - 34 - 46),
        x0(xa),
        x1(xb > xa ? xb : xa + 1),
        y0(ya),
        y1(yb > ya ? yb : ya + 1) {
    cv::putText(img, title, {area.x, 22}, kFont, 0.55, kText, 1, cv::LINE_AA);
    for (int i = 0; i <= 5; ++i) {
      const double yv = y0 + (y1 - y0) * i / 5;
      const int y = py(yv);
      cv::line(img, {area.x, y}, {area.br().x, y}, kGrid, 1);
      cv::putText(img, fmt(yv), {4, y + 4}, kFont, 0.38, kText, 1, cv::LINE_AA);
    }
    for (int i = 0; x_ticks && i <= 8; ++i) {
      const double xv = x0 + (x1 - x0) * i / 8;
      const int x = px(xv);
      cv::line(img, {x, area.y}, {x, area.br().y}, kGrid, 1);
      cv::putText(img, fmt(xv), {x - 10, area.br().y + 16}, kFont, 0.38, kText, 1, cv::LINE_AA);
    }
    cv::rectangle(img, area, kAxis, 1);
    cv::putText(img, x_label, {area.x + area.width / 2 - 40, img.rows - 8}, kFont, 0.45, kText, 1,
                cv::LINE_AA);
    cv::putText(img, y_label, {4, area.y - 8}, kFont, 0.4, kText, 1, cv::LINE_AA);
  }
  int px(double x) const { return area.x + static_cast<int>(std::lround((x - x0) / (x1 - x0) * area.width)); }
  int py(double y) const {
    const double c = std::clamp(y, y0, y1);
    return area.br().y - static_cast<int>(std::lround((c - y0) / (y1 - y0) * area.height));
  }
  cv::Point at(double x, double y) const { return {px(x), py(y)}; }
  void dashed_h(double y, const cv::Scalar& colour, const std::string& label) {
    const int yy = py(y);
    for (int x = area.x; x < area.br().x; x += 12)
      cv::line(img, {x, yy}, {std::min(x + 6, area.br().x), yy}, colour, 1);
    cv::putText(img, label, {area.br().x - 150, yy - 4}, kFont, 0.4, colour, 1, cv::LINE_AA);
  }
};

double score_axis_top(float threshold, double highest) {
  const double top = std::max<double>(threshold, highest) * 1.15;
  return std::clamp(top > 0 ? top : 1.0, 0.05, 1.0);
}

}  // namespace

cv::Mat draw_timeline(const VideoReplay& video, float threshold, const std::string& title) {
  int last = 1;
  double highest = 0;
  for (const FrameResult& r : video.frames) {
    last = std::max(last, r.frame);
    if (std::isfinite(r.score)) highest = std::max<double>(highest, r.score);
  }
  Axes ax(1000, 280, 0, last, 0, score_axis_top(threshold, highest), title, "frame", "score");
  if (video.labels) {  // shade the runs of positive frames
    const auto& pos = video.labels->positive_frames;
    for (auto it = pos.begin(); it != pos.end();) {
      int a = *it, b = a;
      for (++it; it != pos.end() && *it == b + 1; ++it) b = *it;
      cv::rectangle(ax.img, cv::Point(ax.px(a - 0.5), ax.area.y + 1),
                    cv::Point(std::max(ax.px(b + 0.5), ax.px(a - 0.5) + 1), ax.area.br().y - 1), kShade,
                    cv::FILLED);
    }
    cv::rectangle(ax.img, ax.area, kAxis, 1);
  }
  std::vector<cv::Point> line;
  for (const FrameResult& r : video.frames)
    if (std::isfinite(r.score)) line.push_back(ax.at(r.frame, r.score));
  if (line.size() > 1) cv::polylines(ax.img, line, false, kBlue, 1, cv::LINE_AA);
  for (const FrameResult& r : video.frames)
    if (alarms(r, threshold))
      cv::circle(ax.img, ax.at(r.frame, std::isfinite(r.score) ? r.score : ax.y1), 2, kRed, cv::FILLED);
  ax.dashed_h(threshold, kOrange, "threshold " + fmt4(threshold));
  return ax.img;
}

cv::Mat draw_part_strip(const std::vector<VideoReplay>& videos, const std::vector<PartVerdict>& verdicts,
                        float threshold) {
  double highest = 0;
  for (const PartVerdict& pv : verdicts)
    if (std::isfinite(pv.max_score)) highest = std::max<double>(highest, pv.max_score);
  const int n = static_cast<int>(verdicts.size());
  Axes ax(1000, 300, 0, std::max(n + 1, 2), 0, score_axis_top(threshold, highest),
          "highest score per part (red: defective, green: normal; ringed: missed or false alarm)", "part",
          "score", false);
  for (int i = 0; i < n; ++i) {
    const PartVerdict& pv = verdicts[i];
    const JudgedPart& part = videos[pv.video].labels->parts[pv.part];
    const double s = std::isnan(pv.max_score) ? 0.0 : std::min<double>(pv.max_score, ax.y1);
    const cv::Scalar colour = part.defective ? kRed : kGreen;
    const cv::Point p = ax.at(i + 1, s);
    cv::line(ax.img, ax.at(i + 1, 0), p, colour, 2);
    cv::circle(ax.img, p, 4, colour, cv::FILLED, cv::LINE_AA);
    if (part.defective != pv.alarmed) cv::circle(ax.img, p, 9, kText, 2, cv::LINE_AA);
    if (n <= 40) {
      const std::string label = (videos.size() > 1 ? std::to_string(pv.video + 1) + ":" : "") + part.id;
      cv::putText(ax.img, label, {p.x - 6, ax.area.br().y - 4}, kFont, 0.33, kText, 1, cv::LINE_AA);
    }
  }
  ax.dashed_h(threshold, kOrange, "threshold " + fmt4(threshold));
  return ax.img;
}

cv::Mat draw_latency_histogram(const std::vector<double>& latencies_ms) {
  double lo = 0, hi = 1;
  if (!latencies_ms.empty()) {
    lo = *std::min_element(latencies_ms.begin(), latencies_ms.end());
    hi = *std::max_element(latencies_ms.begin(), latencies_ms.end());
    if (hi <= lo) hi = lo + 1;
  }
  constexpr int kBins = 30;
  std::vector<int> bins(kBins, 0);
  for (double v : latencies_ms)
    ++bins[std::clamp(static_cast<int>((v - lo) / (hi - lo) * kBins), 0, kBins - 1)];
  const int top = std::max(1, *std::max_element(bins.begin(), bins.end()));
  Axes ax(1000, 260, lo, hi, 0, top * 1.1, "engine latency per frame", "ms", "frames");
  for (int b = 0; b < kBins; ++b) {
    if (!bins[b]) continue;
    const double a = lo + (hi - lo) * b / kBins, e = lo + (hi - lo) * (b + 1) / kBins;
    cv::rectangle(ax.img, ax.at(a, bins[b]), cv::Point(ax.px(e) - 1, ax.py(0)), kBlue, cv::FILLED);
  }
  return ax.img;
}

cv::Mat draw_operating_curve(const std::vector<SweepRow>& rows, int picked) {
  Axes ax(640, 480, 0, 1, 0, 1, "operating curve (one point per threshold)", "part false-alarm rate",
          "part recall");
  std::vector<cv::Point> line;
  for (const SweepRow& r : rows) {
    const double fa = std::isnan(r.counts.part_false_alarm_rate()) ? 0 : r.counts.part_false_alarm_rate();
    const double rec = std::isnan(r.counts.part_recall()) ? 0 : r.counts.part_recall();
    line.push_back(ax.at(fa, rec));
  }
  if (line.size() > 1) cv::polylines(ax.img, line, false, kBlue, 2, cv::LINE_AA);
  for (const cv::Point& p : line) cv::circle(ax.img, p, 3, kBlue, cv::FILLED, cv::LINE_AA);
  if (picked >= 0 && picked < static_cast<int>(line.size())) {
    cv::circle(ax.img, line[picked], 9, kRed, 2, cv::LINE_AA);
    cv::putText(ax.img, "picked " + fmt4(rows[picked].threshold), line[picked] + cv::Point(12, 16), kFont,
                0.45, kRed, 1, cv::LINE_AA);
  }
  return ax.img;
}

std::vector<unsigned char> encode_png(const cv::Mat& picture) {
  std::vector<unsigned char> png;
  if (!cv::imencode(".png", picture, png)) throw std::runtime_error("cannot encode a PNG picture");
  return png;
}

}  // namespace decodiff::replay
