// A fresh, uniquely named folder under the system temp folder, removed with its contents on destruction.
// Tests write their files here, never into the source tree or the current directory.
#pragma once

#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace decodiff::testing {

// Removes a folder and everything in it. Not std::filesystem::remove_all: LibTorch exports its own
// copy of it, which crashes when it wins the symbol lookup in a binary that links LibTorch.
inline void remove_tree(const std::filesystem::path& root) {
  ::nftw(
      root.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("decodiff-test-" + name + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("cannot create a temp folder " + pattern);
    path_ = pattern;
  }
  // A forked child that exits must not remove its parent's folder.
  ~TempDir() {
    if (::getpid() == owner_) remove_tree(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
  pid_t owner_ = ::getpid();
};

}  // namespace decodiff::testing
