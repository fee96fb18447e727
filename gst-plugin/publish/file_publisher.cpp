#include "file_publisher.h"

#include <cerrno>
#include <cstring>
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
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ < 0) return;
  size_t done = 0;
  int error_number = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_number = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (error_number == 0) {
    committed_ += static_cast<long long>(line.size());
    ++counters_.sent;
    if (failing_) {
      failing_ = false;
      events_({PublisherEvent::Kind::kInfo, "Writing to " + path_ + " works again", ""});
    }
    return;
  }
  // Cut a partly written line off (best effort: a device cannot be truncated).
  const int truncated = ::ftruncate(fd_, static_cast<off_t>(committed_));
  (void)truncated;
  if (::lseek(fd_, 0, SEEK_END) < 0) { /* nothing better to do: the next write reports */
  }
  ++counters_.dropped;
  if (!failing_) {
    failing_ = true;
    events_({PublisherEvent::Kind::kWarning,
             "Cannot write to " + path_ + ": " + std::strerror(error_number) +
                 "; results are dropped (counted in \"dropped\") until writing works again",
             ""});
  }
}

PublisherCounters FilePublisher::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

void FilePublisher::close(std::chrono::milliseconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ < 0) return;
  // EINVAL/EROFS: a file that cannot be synced (a pipe, a device).
  if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS)
    events_({PublisherEvent::Kind::kWarning, "Cannot sync " + path_ + " to the disk: " + std::strerror(errno),
             ""});
  ::close(fd_);
  fd_ = -1;
}

}  // namespace decodiff::gst::publish
