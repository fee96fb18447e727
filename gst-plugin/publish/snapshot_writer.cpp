#include "snapshot_writer.h"

#include "write_all.h"

#include <opencv2/imgcodecs.hpp>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <glib.h>
#include <unistd.h>

namespace decodiff::gst::publish {

SnapshotWriter::SnapshotWriter(const SnapshotSettings& settings, PublisherEvents events)
    : settings_(settings),
      events_(std::move(events)),
      folder_(settings.dir, settings.max_files, settings.max_bytes),
      queue_(settings.max_waiting) {
  if (g_mkdir_with_parents(settings_.dir.c_str(), 0755) != 0 || !folder_.scan()) {
    failing_ = true;
    events_({PublisherEvent::Kind::kWarning,
             "Cannot use snapshot-location " + settings_.dir + ": " + std::strerror(errno) +
                 "; anomalous frames are not saved (counted in snapshots-failed) until it works",
             ""});
  }
  thread_ = std::thread([this] { run(); });
}

SnapshotWriter::~SnapshotWriter() { close(std::chrono::milliseconds(0)); }

void SnapshotWriter::submit(SnapshotJob job) {
  queue_.push(std::move(job));
  std::lock_guard<std::mutex> lock(mutex_);
  changed_.notify_all();
}

SnapshotCounters SnapshotWriter::counters() const {
  SnapshotCounters c;
  c.saved = saved_;
  c.failed = failed_;
  c.dropped = queue_.dropped() + abandoned_;
  return c;
}

void SnapshotWriter::close(std::chrono::milliseconds drain) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!thread_.joinable()) return;
    changed_.wait_for(lock, drain, [this] { return queue_.size() == 0 && !busy_; });
    stopping_ = true;
    changed_.notify_all();
  }
  thread_.join();
  while (queue_.pop()) ++abandoned_;
}

void SnapshotWriter::run() {
  for (;;) {
    std::optional<SnapshotJob> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || queue_.size() > 0; });
      if (stopping_) return;
      job = queue_.pop();
      busy_ = job.has_value();
    }
    if (job) save(*job);
    std::lock_guard<std::mutex> lock(mutex_);
    busy_ = false;
    changed_.notify_all();
  }
}

void SnapshotWriter::failed(const std::string& why) {
  ++failed_;
  if (failing_) return;
  failing_ = true;
  events_({PublisherEvent::Kind::kWarning,
           "Cannot save a snapshot in " + settings_.dir + ": " + why +
               "; anomalous frames are not saved (counted in snapshots-failed) until it works again",
           ""});
}

std::string SnapshotWriter::write_file(const std::string& name, const std::string& bytes) {
  const std::string path = settings_.dir + "/" + name, temporary = settings_.dir + "/." + name + ".part";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::strerror(errno);
  int error_number = write_all(fd, bytes.data(), bytes.size());
  if (::close(fd) != 0 && error_number == 0 && errno != EINTR) error_number = errno;
  if (error_number == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) error_number = errno;
  if (error_number != 0) {
    ::unlink(temporary.c_str());
    return std::strerror(error_number);
  }
  return "";
}

void SnapshotWriter::save(SnapshotJob& job) {
  try {
    const cv::Mat raw = reader_.to_bgr(job.frame.get(), job.info);
    job.frame.reset();
    if (raw.empty()) {
      failed("the frame cannot be read");
      return;
    }
    const cv::Mat heat = heatmap_image(raw, job.result);
    const bool png = settings_.format == SnapshotFormat::kPng;
    const std::string ext = png ? ".png" : ".jpg";
    const std::vector<int> params = png ? std::vector<int>{cv::IMWRITE_PNG_COMPRESSION, 3}
                                        : std::vector<int>{cv::IMWRITE_JPEG_QUALITY, settings_.jpeg_quality};
    std::vector<uchar> raw_bytes, heat_bytes;
    if (!cv::imencode(ext, raw, raw_bytes, params) || !cv::imencode(ext, heat, heat_bytes, params)) {
      failed("the image cannot be encoded");
      return;
    }
    const std::string base = SnapshotFolder::base_name(job.when, job.frame_number, job.element);
    const std::vector<std::string> names = {base + "_raw" + ext, base + "_heatmap" + ext, base + ".json"};
    job.sidecar["raw_image"] = names[0];
    job.sidecar["heatmap_image"] = names[1];
    const std::string sidecar = job.sidecar.dump() + "\n";
    const std::string contents[3] = {std::string(raw_bytes.begin(), raw_bytes.end()),
                                     std::string(heat_bytes.begin(), heat_bytes.end()), sidecar};
    if (g_mkdir_with_parents(settings_.dir.c_str(), 0755) != 0) {
      failed(std::strerror(errno));
      return;
    }
    uint64_t bytes = 0;
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string why = write_file(names[i], contents[i]);
      if (!why.empty()) {
        for (size_t k = 0; k < i; ++k) ::unlink((settings_.dir + "/" + names[k]).c_str());
        failed(why);
        return;
      }
      bytes += contents[i].size();
    }
    folder_.add(base, names, bytes);
    ++saved_;
    if (failing_) {
      failing_ = false;
      events_({PublisherEvent::Kind::kInfo, "Snapshots are saved in " + settings_.dir + " again", ""});
    }
  } catch (const std::exception& e) {  // OpenCV or GStreamer conversion errors: never a crash
    failed(e.what());
  }
}

}  // namespace decodiff::gst::publish
