// method=file: one JSON object per line, appended with one write() each (a
// killed pipeline loses nothing already published). A line that cannot be
// written (a full disk) is dropped and counted, with one warning until a line
// goes through again; the stream goes on.
#pragma once

#include <mutex>
#include <string>

#include "publisher.h"

namespace decodiff::gst::publish {

class FilePublisher : public Publisher {
 public:
  // Creates or truncates `path`; throws std::runtime_error naming it when it cannot.
  FilePublisher(const std::string& path, PublisherEvents events);
  ~FilePublisher() override;

  void publish(Publication publication) override;
  PublisherCounters counters() const override;
  void close(std::chrono::milliseconds drain) override;

 private:
  PublisherEvents events_;
  std::string path_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  long long committed_ = 0;  // bytes of complete lines
  bool failing_ = false;     // the last write failed (warned)
  PublisherCounters counters_;
};

}  // namespace decodiff::gst::publish
