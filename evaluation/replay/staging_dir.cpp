#include "staging_dir.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace decodiff::replay {
namespace fs = std::filesystem;

void remove_tree(const std::string& path) {
  ::nftw(
      path.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

StagingDir::StagingDir(const std::string& destination) : destination_(destination) {
  std::error_code ec;
  fs::path dest = fs::path(destination);
  if (dest.filename().empty()) dest = dest.parent_path();  // "out/" -> "out"
  destination_ = dest.string();
  if (fs::exists(dest, ec)) {
    if (!fs::is_directory(dest, ec)) throw std::runtime_error(destination_ + " exists and is not a folder");
    if (!fs::is_empty(dest, ec) && !fs::exists(dest / "report.json", ec))
      throw std::runtime_error(
          destination_ +
          " exists and is not an earlier replay report (no report.json): choose another --out");
  }
  const fs::path parent = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  std::string pattern = (parent / ("." + dest.filename().string() + ".partial-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("cannot create a folder beside " + destination_ + ": " + std::strerror(errno));
  staging_ = pattern;
}

StagingDir::~StagingDir() {
  if (!committed_) remove_tree(staging_);
}

void StagingDir::commit() {
  std::error_code ec;
  ::chmod(staging_.c_str(), 0755);  // mkdtemp made it 0700
  if (fs::exists(destination_, ec)) {
    // Move the old report aside first, so that a failed rename leaves it in place.
    const std::string old = staging_ + ".old";
    fs::rename(destination_, old, ec);
    if (ec) throw std::runtime_error("cannot replace " + destination_ + ": " + ec.message());
    fs::rename(staging_, destination_, ec);
    if (ec) {
      std::error_code back;
      fs::rename(old, destination_, back);
      throw std::runtime_error("cannot move the report into " + destination_ + ": " + ec.message());
    }
    remove_tree(old);
  } else {
    fs::rename(staging_, destination_, ec);
    if (ec) throw std::runtime_error("cannot move the report into " + destination_ + ": " + ec.message());
  }
  committed_ = true;
}

}  // namespace decodiff::replay
