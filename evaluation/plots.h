// Line plots drawn with OpenCV (no plotting library on the target machines):
// axes with ticks and grid, axis labels, a title and a legend beside the plot.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "curves.h"

namespace decodiff::evaluation {

struct PlotSeries {
  std::string label;  // legend text, e.g. "bottle  AUROC 99.1%"
  CurvePoints points;
};

struct PlotSpec {
  std::string title;
  std::string x_label;
  std::string y_label;
  double x_max = 1.0;  // axes run from 0 to x_max / y_max
  double y_max = 1.0;
  bool diagonal = false;  // dashed chance line y = x (ROC)
  std::vector<PlotSeries> series;
};

// A BGR CV_8UC3 picture, 1040x680.
cv::Mat render_plot(const PlotSpec& spec);

// render_plot + PNG; throws std::runtime_error naming the file when it cannot be written.
void write_plot(const std::string& path, const PlotSpec& spec);

// The i-th colour of the palette used for the series (BGR), shared with the panels' legend.
cv::Scalar series_color(size_t i);

}  // namespace decodiff::evaluation
