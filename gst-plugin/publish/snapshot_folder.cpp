#include "snapshot_folder.h"

#include <cstdio>
#include <ctime>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

namespace decodiff::gst::publish {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool digits(const std::string& s, size_t from, size_t count) {
  if (s.size() < from + count) return false;
  for (size_t i = from; i < from + count; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// "20250102T030405.678Z_f000000000012_" : 35 characters.
constexpr size_t kPrefixLength = 35;

bool snapshot_prefix(const std::string& s) {
  return digits(s, 0, 8) && s[8] == 'T' && digits(s, 9, 6) && s[15] == '.' && digits(s, 16, 3) &&
         s[19] == 'Z' && s[20] == '_' && s[21] == 'f' && digits(s, 22, 12) && s[34] == '_';
}

}  // namespace

SnapshotFolder::SnapshotFolder(std::string dir, uint64_t max_files, uint64_t max_bytes)
    : dir_(std::move(dir)), max_files_(max_files), max_bytes_(max_bytes) {}

std::string SnapshotFolder::base_name(std::chrono::system_clock::time_point when, uint64_t frame,
                                      const std::string& element) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(when.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[64];
  std::snprintf(stamp, sizeof(stamp), "%04d%02d%02dT%02d%02d%02d.%03dZ_f%012llu_", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms % 1000),
                static_cast<unsigned long long>(frame % 1000000000000ULL));
  std::string name = stamp;
  for (char c : element.empty() ? std::string("unknown") : element) {
    const bool keep =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    name += keep ? c : '-';
  }
  return name;
}

std::string SnapshotFolder::snapshot_of(const std::string& f) {
  if (!snapshot_prefix(f)) return "";
  for (const char* suffix : {"_raw.jpg", "_raw.png", "_heatmap.jpg", "_heatmap.png", ".json"})
    if (ends_with(f, suffix) && f.size() > kPrefixLength + std::string(suffix).size())
      return f.substr(0, f.size() - std::string(suffix).size());
  return "";
}

bool SnapshotFolder::scan() {
  snapshots_.clear();
  files_ = bytes_ = 0;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return false;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    const std::string base = snapshot_of(name);
    if (base.empty()) continue;
    struct stat st {};
    if (::stat((dir_ + "/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    Entry& entry = snapshots_[base];
    entry.files.push_back(name);
    entry.bytes += static_cast<uint64_t>(st.st_size);
    ++files_;
    bytes_ += static_cast<uint64_t>(st.st_size);
  }
  ::closedir(d);
  enforce();
  return true;
}

std::vector<std::string> SnapshotFolder::add(const std::string& base, const std::vector<std::string>& files,
                                             uint64_t bytes) {
  Entry& entry = snapshots_[base];
  entry.files.insert(entry.files.end(), files.begin(), files.end());
  entry.bytes += bytes;
  files_ += files.size();
  bytes_ += bytes;
  return enforce();
}

std::vector<std::string> SnapshotFolder::enforce() {
  std::vector<std::string> removed;
  auto over = [this] { return (max_files_ && files_ > max_files_) || (max_bytes_ && bytes_ > max_bytes_); };
  while (snapshots_.size() > 1 && over()) {
    auto oldest = snapshots_.begin();
    for (const std::string& f : oldest->second.files) {
      ::unlink((dir_ + "/" + f).c_str());  // a file removed by someone else meanwhile is fine
      removed.push_back(f);
    }
    files_ -= oldest->second.files.size();
    bytes_ -= oldest->second.bytes;
    snapshots_.erase(oldest);
  }
  return removed;
}

}  // namespace decodiff::gst::publish
