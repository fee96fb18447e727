#include "file_publisher.h"

#include "write_all.h"

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace decodiff::gst::publish {

FilePublisher::FilePublisher(const std::string& path, PublisherEvents events)
    : events_(std::move(events)), path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot write location " + path + ": " + std::strerror(errno));
}

FilePublisher::~FilePublisher() { close(std::chrono::milliseconds(0)); }

void FilePublisher::publish(Publication publication) {
  std::string line = std::move(publication.payload);
  line += '\n';
  std::optional<PublisherEvent> event;  // reported without our lock: a handler may read the counters
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ < 0) return;
    const int error_number = write_all(fd_, line.data(), line.size());
    if (error_number == 0) {
      committed_ += static_cast<long long>(line.size());
      ++counters_.sent;
      if (failing_)
        event = PublisherEvent{PublisherEvent::Kind::kInfo, "Writing to " + path_ + " works again", ""};
      failing_ = false;
    } else {
      // Cut a partly written line off (best effort: a device cannot be truncated).
      const int truncated = ::ftruncate(fd_, static_cast<off_t>(committed_));
      (void)truncated;
      (void)::lseek(fd_, 0, SEEK_END);  // the next line goes after the last complete one
      ++counters_.dropped;
      if (!failing_)
        event = PublisherEvent{PublisherEvent::Kind::kWarning,
                               "Cannot write to " + path_ + ": " + std::strerror(error_number) +
                                   "; results are dropped (counted in \"dropped\") until writing works again",
                               ""};
      failing_ = true;
    }
  }
  if (event) events_(*event);
}

PublisherCounters FilePublisher::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

void FilePublisher::close(std::chrono::milliseconds) {
  int error_number = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ < 0) return;
    // EINVAL/EROFS: a file that cannot be synced (a pipe, a device).
    if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) error_number = errno;
    ::close(fd_);
    fd_ = -1;
  }
  if (error_number)
    events_({PublisherEvent::Kind::kWarning,
             "Cannot sync " + path_ + " to the disk: " + std::strerror(error_number), ""});
}

}  // namespace decodiff::gst::publish
