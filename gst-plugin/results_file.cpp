#include "results_file.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace decodiff::gst {
namespace {

// Shortest decimal that reads back as the same float (floats printed as
// doubles would show noise digits such as 0.7300000190734863).
double short_float(float v) {
  char buf[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*g", digits, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  return std::strtod(buf, nullptr);
}

}  // namespace

std::string json_line(const Result& r) {
  nlohmann::ordered_json j;
  j["frame"] = r.frame_number;
  if (r.pts == Result::kNoPts)
    j["pts"] = -1;
  else
    j["pts"] = r.pts;
  j["score"] = short_float(r.inspection.score);
  j["anomalous"] = r.anomalous;
  j["threshold"] = short_float(r.threshold);
  j["class"] = r.class_name;
  nlohmann::ordered_json regions = nlohmann::ordered_json::array();
  for (const Region& g : r.regions) {
    nlohmann::ordered_json o;
    o["x"] = g.x;
    o["y"] = g.y;
    o["w"] = g.width;
    o["h"] = g.height;
    o["score"] = short_float(g.score);
    regions.push_back(std::move(o));
  }
  j["regions"] = std::move(regions);
  j["latency_ms"] = std::round(r.inspection.latency_ms * 1000.0) / 1000.0;
  return j.dump();
}

void ResultsFile::open(const std::string& path) {
  close();
  std::lock_guard<std::mutex> lock(mutex_);
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw std::runtime_error("cannot write results-location " + path + ": " + std::strerror(errno));
  path_ = path;
}

void ResultsFile::write(const Result& result) {
  std::string line = json_line(result);
  line += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  if (!file_) return;
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw std::runtime_error("cannot write results-location " + path_ + ": " + std::strerror(errno));
}

void ResultsFile::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

}  // namespace decodiff::gst
