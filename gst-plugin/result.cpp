#include "result.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace decodiff::gst {

std::vector<Region> find_regions(const cv::Mat& frame_map, int offset_x, int offset_y, float threshold) {
  std::vector<Region> regions;
  if (frame_map.empty()) return regions;
  cv::Mat mask = frame_map >= threshold;
  cv::Mat labels, stats, centroids;
  int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
  regions.resize(n > 1 ? n - 1 : 0);
  for (int i = 1; i < n; ++i) {
    regions[i - 1].box =
        Rect{stats.at<int>(i, cv::CC_STAT_LEFT) + offset_x, stats.at<int>(i, cv::CC_STAT_TOP) + offset_y,
             stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT)};
  }
  for (int y = 0; y < labels.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    const float* v = frame_map.ptr<float>(y);
    for (int x = 0; x < labels.cols; ++x)
      if (l[x] > 0) regions[l[x] - 1].score = std::max(regions[l[x] - 1].score, v[x]);
  }
  std::stable_sort(regions.begin(), regions.end(),
                   [](const Region& a, const Region& b) { return a.score > b.score; });
  return regions;
}

std::string inspection_error(const Inspection& in) {
  if (!std::isfinite(in.score)) return "non-finite score";
  for (const cv::Mat* m : {&in.anomaly_map, &in.frame_map})
    if (!m->empty() && !cv::checkRange(*m)) return "non-finite anomaly map";
  return "";
}

void decide(Verdict& result, float threshold) {
  result.threshold = threshold;
  result.regions.clear();
  result.error = inspection_error(result.inspection);
  if (!result.error.empty()) {
    result.anomalous = true;
    result.regions.push_back(Region{result.inspection.inspected, std::numeric_limits<float>::quiet_NaN()});
    return;
  }
  result.anomalous = result.inspection.score >= threshold;
  if (result.anomalous)
    result.regions = find_regions(result.inspection.frame_map, result.inspection.inspected.x,
                                  result.inspection.inspected.y, threshold);
}

}  // namespace decodiff::gst

namespace decodiff::gst {

std::vector<const Verdict*> Result::verdicts() const {
  std::vector<const Verdict*> all;
  if (inspections.empty()) {
    all.push_back(this);
  } else {
    for (const Verdict& v : inspections) all.push_back(&v);
  }
  return all;
}

void sum_up(Result& result) {
  if (result.inspections.empty()) return;
  std::vector<Verdict> inspections = std::move(result.inspections);
  size_t lead = 0;  // the first failed region, else the highest score
  for (size_t i = 1; i < inspections.size() && inspections[lead].error.empty(); ++i)
    if (!inspections[i].error.empty() || inspections[i].inspection.score > inspections[lead].inspection.score)
      lead = i;
  static_cast<Verdict&>(result) = inspections[lead];
  result.anomalous = false;
  result.regions.clear();
  for (const Verdict& v : inspections) {
    result.anomalous = result.anomalous || v.anomalous;
    result.regions.insert(result.regions.end(), v.regions.begin(), v.regions.end());
  }
  result.inspections = std::move(inspections);
}

}  // namespace decodiff::gst
