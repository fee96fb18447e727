// The results-location JSON-lines file (a user-facing contract, see
// docs/element.md): one object per inspected frame, written line by line so
// that a killed pipeline loses nothing already inspected.
#pragma once

#include <mutex>
#include <string>

#include "result.h"

namespace decodiff::gst {

// {"frame":N,"pts":ns,"score":f,"anomalous":b,"threshold":f,"class":"...",
//  "regions":[{"x":..,"y":..,"w":..,"h":..,"score":..}],"latency_ms":f}
// pts is -1 when the frame had none. A failed inspection (result.error) adds
// "error":"..." after latency_ms; its non-finite scores are written as null
// (JSON has no NaN). With several regions, "inspections" follows: one
// {"region":{x,y,w,h},"class","score","anomalous","threshold","regions"[,"error"]}
// per region, and the fields above sum them up (see Result).
std::string json_line(const Result& result);

class ResultsFile {
 public:
  ResultsFile() = default;
  ~ResultsFile();
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;

  void open(const std::string& path);  // truncates; throws std::runtime_error naming the path
  // Appends one line with one write() (thread-safe; no user-space buffer, so
  // a killed pipeline loses nothing already inspected). On a write error the
  // file is cut back to the lines written before, no later line is written,
  // and std::runtime_error naming the path and the cause is thrown.
  void write(const Result& result);
  // Pushes everything written so far to the disk (fsync); throws as write()
  // does. For the end of a stream.
  void sync();
  // Closes the file; throws as write() does when the close reports an error.
  void close();
  bool is_open() const { return fd_ >= 0; }

 private:
  [[noreturn]] void fail(const std::string& what, int error_number);  // mutex_ held

  std::mutex mutex_;
  int fd_ = -1;
  std::string path_;
  long long committed_ = 0;  // bytes of complete lines in the file
  bool failed_ = false;
};

}  // namespace decodiff::gst
