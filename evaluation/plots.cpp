#include "plots.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace decodiff::evaluation {
namespace {

constexpr int kWidth = 1040, kHeight = 680;
constexpr int kLeft = 90, kTop = 60, kPlotW = 600, kPlotH = 540;
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
const cv::Scalar kBlack(0, 0, 0), kGrid(225, 225, 225), kAxis(60, 60, 60);

void text(cv::Mat& img, const std::string& s, cv::Point org, double scale, int thickness = 1,
          const cv::Scalar& color = kBlack) {
  cv::putText(img, s, org, kFont, scale, color, thickness, cv::LINE_AA);
}

cv::Size text_size(const std::string& s, double scale, int thickness = 1) {
  int baseline = 0;
  return cv::getTextSize(s, kFont, scale, thickness, &baseline);
}

std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", v);
  if (v == 0.0) return "0";
  return buf;
}

double tick_step(double range) {
  const double raw = range / 10.0;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * p + 1e-12) return m * p;
  return 10 * p;
}

}  // namespace

cv::Scalar series_color(size_t i) {
  // matplotlib's tab20 order (dark shades first), as BGR.
  static const cv::Scalar palette[] = {{180, 119, 31},  {14, 127, 255},  {44, 160, 44},   {40, 39, 214},
                                       {189, 103, 148}, {75, 86, 140},   {194, 119, 227}, {127, 127, 127},
                                       {34, 189, 188},  {207, 190, 23},  {232, 199, 174}, {120, 187, 255},
                                       {138, 223, 152}, {150, 152, 255}, {213, 176, 197}, {148, 156, 196},
                                       {210, 182, 247}, {199, 199, 199}, {141, 219, 219}, {229, 218, 158}};
  return palette[i % (sizeof palette / sizeof palette[0])];
}

cv::Mat render_plot(const PlotSpec& spec) {
  cv::Mat img(kHeight, kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  auto px = [&](double x, double y) {
    const double cx = std::clamp(x / spec.x_max, 0.0, 1.0), cy = std::clamp(y / spec.y_max, 0.0, 1.0);
    return cv::Point(kLeft + static_cast<int>(std::lround(cx * kPlotW)),
                     kTop + kPlotH - static_cast<int>(std::lround(cy * kPlotH)));
  };

  // Grid and ticks.
  const double xs = tick_step(spec.x_max), ys = tick_step(spec.y_max);
  for (int k = 0; k * xs <= spec.x_max + 1e-9; ++k) {
    const double v = k * xs;
    const cv::Point p = px(v, 0);
    cv::line(img, {p.x, kTop}, {p.x, kTop + kPlotH}, kGrid, 1);
    cv::line(img, {p.x, kTop + kPlotH}, {p.x, kTop + kPlotH + 6}, kAxis, 1);
    const std::string s = tick_label(v);
    text(img, s, {p.x - text_size(s, 0.5).width / 2, kTop + kPlotH + 24}, 0.5);
  }
  for (int k = 0; k * ys <= spec.y_max + 1e-9; ++k) {
    const double v = k * ys;
    const cv::Point p = px(0, v);
    cv::line(img, {kLeft, p.y}, {kLeft + kPlotW, p.y}, kGrid, 1);
    cv::line(img, {kLeft - 6, p.y}, {kLeft, p.y}, kAxis, 1);
    const std::string s = tick_label(v);
    text(img, s, {kLeft - 10 - text_size(s, 0.5).width, p.y + 5}, 0.5);
  }
  cv::rectangle(img, {kLeft, kTop}, {kLeft + kPlotW, kTop + kPlotH}, kAxis, 1);

  if (spec.diagonal) {
    const double end = std::min(spec.x_max, spec.y_max);
    const int dashes = 40;
    for (int k = 0; k < dashes; k += 2)
      cv::line(img, px(end * k / dashes, end * k / dashes),
               px(end * (k + 1) / dashes, end * (k + 1) / dashes), cv::Scalar(150, 150, 150), 1, cv::LINE_AA);
  }

  // Curves, clipped to the axes.
  cv::Mat plot_area = img(cv::Rect(kLeft, kTop, kPlotW + 1, kPlotH + 1));
  for (size_t i = 0; i < spec.series.size(); ++i) {
    const CurvePoints& c = spec.series[i].points;
    std::vector<cv::Point> pts;
    for (size_t k = 0; k < c.x.size(); ++k) {
      const cv::Point p = px(std::min(c.x[k], spec.x_max), c.y[k]) - cv::Point(kLeft, kTop);
      if (pts.empty() || pts.back() != p) pts.push_back(p);
      if (c.x[k] > spec.x_max) break;
    }
    if (pts.size() >= 2) cv::polylines(plot_area, pts, false, series_color(i), 2, cv::LINE_AA);
  }

  // Title and axis labels.
  text(img, spec.title, {kLeft + kPlotW / 2 - text_size(spec.title, 0.75, 2).width / 2, kTop - 22}, 0.75, 2);
  text(img, spec.x_label, {kLeft + kPlotW / 2 - text_size(spec.x_label, 0.6).width / 2, kTop + kPlotH + 56},
       0.6);
  {
    const cv::Size s = text_size(spec.y_label, 0.6);
    cv::Mat label(s.height + 12, s.width + 8, CV_8UC3, cv::Scalar(255, 255, 255));
    text(label, spec.y_label, {4, s.height + 4}, 0.6);
    cv::Mat rotated;
    cv::rotate(label, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
    const int y0 = std::max(0, kTop + kPlotH / 2 - rotated.rows / 2);
    const int h = std::min(rotated.rows, kHeight - y0);
    rotated(cv::Rect(0, 0, rotated.cols, h)).copyTo(img(cv::Rect(14, y0, rotated.cols, h)));
  }

  // Legend beside the plot.
  const int lx = kLeft + kPlotW + 30;
  int ly = kTop + 10;
  const int row = spec.series.size() > 20 ? 20 : 26;
  for (size_t i = 0; i < spec.series.size() && ly < kHeight - 10; ++i, ly += row) {
    cv::line(img, {lx, ly}, {lx + 30, ly}, series_color(i), 3, cv::LINE_AA);
    std::string label = spec.series[i].label;
    while (label.size() > 4 && text_size(label, 0.5).width > kWidth - lx - 50)
      label = label.substr(0, label.size() - 2);
    text(img, label, {lx + 40, ly + 5}, 0.5);
  }
  return img;
}

void write_plot(const std::string& path, const PlotSpec& spec) {
  bool ok = false;
  try {
    ok = cv::imwrite(path, render_plot(spec));
  } catch (const cv::Exception&) {
  }
  if (!ok) throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace decodiff::evaluation
