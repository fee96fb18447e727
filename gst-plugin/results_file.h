// The results-location JSON-lines file (DESIGN.md, CONTRACT: per-frame
// metadata): one object per inspected frame, flushed line by line so that a
// killed pipeline loses nothing already inspected.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "result.h"

namespace decodiff::gst {

// {"frame":N,"pts":ns,"score":f,"anomalous":b,"threshold":f,"class":"...",
//  "regions":[{"x":..,"y":..,"w":..,"h":..,"score":..}],"latency_ms":f}
// pts is -1 when the frame had none.
std::string json_line(const Result& result);

class ResultsFile {
 public:
  ResultsFile() = default;
  ~ResultsFile() { close(); }
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;

  void open(const std::string& path);  // truncates; throws std::runtime_error naming the path
  void write(const Result& result);    // thread-safe; throws on a write error
  void close();
  bool is_open() const { return file_ != nullptr; }

 private:
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  std::string path_;
};

}  // namespace decodiff::gst
