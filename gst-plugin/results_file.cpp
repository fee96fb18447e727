#include "results_file.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include "json_float.h"
#include "write_all.h"

namespace decodiff::gst {
namespace {

nlohmann::ordered_json score_json(float v) {
  return std::isfinite(v) ? nlohmann::ordered_json(short_float(v)) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json regions_json(const std::vector<Region>& regions) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Region& g : regions) {
    nlohmann::ordered_json o;
    o["x"] = g.box.x;
    o["y"] = g.box.y;
    o["w"] = g.box.width;
    o["h"] = g.box.height;
    o["score"] = score_json(g.score);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

std::string json_line(const Result& r) {
  nlohmann::ordered_json j;
  j["frame"] = r.frame_number;
  if (r.pts == Result::kNoPts)
    j["pts"] = -1;
  else
    j["pts"] = r.pts;
  j["score"] = score_json(r.inspection.score);
  j["anomalous"] = r.anomalous;
  j["threshold"] = short_float(r.threshold);
  j["class"] = r.class_name;
  j["regions"] = regions_json(r.regions);
  j["latency_ms"] = rounded_ms(r.inspection.latency_ms);
  if (!r.error.empty()) j["error"] = r.error;
  if (!r.inspections.empty()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Verdict& v : r.inspections) {
      const Rect& area = v.inspection.inspected;
      nlohmann::ordered_json o;
      o["region"] = {{"x", area.x}, {"y", area.y}, {"w", area.width}, {"h", area.height}};
      o["class"] = v.class_name;
      o["score"] = score_json(v.inspection.score);
      o["anomalous"] = v.anomalous;
      o["threshold"] = short_float(v.threshold);
      o["regions"] = regions_json(v.regions);
      if (!v.error.empty()) o["error"] = v.error;
      list.push_back(std::move(o));
    }
    j["inspections"] = std::move(list);
  }
  return j.dump();
}

ResultsFile::~ResultsFile() {
  try {
    close();
  } catch (const std::exception&) {  // the element closes explicitly and reports; nothing to do here
  }
}

void ResultsFile::open(const std::string& path) {
  close();
  std::lock_guard<std::mutex> lock(mutex_);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error("cannot write results-location " + path + ": " + std::strerror(errno));
  path_ = path;
  committed_ = 0;
  failed_ = false;
}

void ResultsFile::fail(const std::string& what, int error_number) {
  failed_ = true;
  // Drop a partly written line so the file ends with the last complete one
  // (best effort: a device such as /dev/full cannot be truncated, and kept nothing).
  const int truncated = ::ftruncate(fd_, static_cast<off_t>(committed_));
  (void)truncated;
  throw std::runtime_error("cannot " + what + " results-location " + path_ + ": " +
                           std::strerror(error_number) + "; the results of this stream are being lost");
}

void ResultsFile::write(const Result& result) {
  std::string line = json_line(result);
  line += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ < 0 || failed_) return;
  if (const int error = write_all(fd_, line.data(), line.size())) fail("write", error);
  committed_ += static_cast<long long>(line.size());
}

void ResultsFile::sync() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ < 0 || failed_) return;
  // EINVAL/EROFS: this file cannot be synced (a pipe, a device); nothing is lost by that.
  if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) fail("sync", errno);
}

void ResultsFile::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ < 0) return;
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 && errno != EINTR && !failed_) {
    failed_ = true;
    throw std::runtime_error("cannot close results-location " + path_ + ": " + std::strerror(errno) +
                             "; results may be lost");
  }
}

}  // namespace decodiff::gst
