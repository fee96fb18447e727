// The report folder is written whole or not at all: everything goes into a
// fresh sibling folder, renamed over the destination only at the end (commit).
// A failed run removes its staging folder and leaves the destination as it was.
#pragma once

#include <string>

namespace decodiff::replay {

class StagingDir {
 public:
  // Throws std::runtime_error when `destination` exists and is neither empty
  // nor an earlier report (a folder holding report.json), or when the
  // staging folder cannot be made.
  explicit StagingDir(const std::string& destination);
  ~StagingDir();  // removes the staging folder unless committed
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  const std::string& path() const { return staging_; }
  // Replaces the destination with the staging folder. Throws std::runtime_error.
  void commit();

 private:
  std::string destination_;
  std::string staging_;
  bool committed_ = false;
};

// Removes a folder and everything in it (nftw: std::filesystem::remove_all of
// LibTorch's own copy can win the symbol lookup in programs linking LibTorch).
void remove_tree(const std::string& path);

}  // namespace decodiff::replay
