// The snapshot folder's budget: which files there are snapshots, their names
// (sortable by time, then frame) and which go when the folder is over
// snapshot-max-files or snapshot-max-bytes (the oldest snapshots first,
// all files of a snapshot together). POSIX only; files that do not look
// like snapshots are never counted nor removed.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace decodiff::gst::publish {

class SnapshotFolder {
 public:
  // 0 = no limit.
  SnapshotFolder(std::string dir, uint64_t max_files, uint64_t max_bytes);

  const std::string& dir() const { return dir_; }

  // "<UTC time>_f<frame, 12 digits>_<element>", e.g. "20250102T030405.678Z_f000000000012_inspect0";
  // the element name is reduced to letters, digits, '-' and '.' (others become '-').
  static std::string base_name(std::chrono::system_clock::time_point when, uint64_t frame,
                               const std::string& element);
  // The base name of a snapshot file name ("" when `file_name` is not one):
  // <base>_raw.{jpg,png}, <base>_heatmap.{jpg,png} or <base>.json.
  static std::string snapshot_of(const std::string& file_name);

  // Reads what the folder holds already (a restarted pipeline keeps its
  // budget) and removes the oldest snapshots beyond it. False when the folder
  // cannot be read.
  bool scan();
  // Records a snapshot just written (its file names in dir(), its bytes) and
  // removes the oldest ones until the folder is within the budget again. The
  // newest snapshot is always kept. Returns the files removed.
  std::vector<std::string> add(const std::string& base, const std::vector<std::string>& files,
                               uint64_t bytes);

  uint64_t files() const { return files_; }
  uint64_t bytes() const { return bytes_; }
  size_t snapshots() const { return snapshots_.size(); }

 private:
  struct Entry {
    std::vector<std::string> files;
    uint64_t bytes = 0;
  };
  std::vector<std::string> enforce();

  std::string dir_;
  uint64_t max_files_, max_bytes_;
  std::map<std::string, Entry> snapshots_;  // by base name: oldest first
  uint64_t files_ = 0, bytes_ = 0;
};

}  // namespace decodiff::gst::publish
