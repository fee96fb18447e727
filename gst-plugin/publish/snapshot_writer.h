// snapshot-location: every anomalous inspected frame saved as two pictures
// (the frame, and the frame with the heatmap) and a JSON sidecar, by a worker
// thread so that the streaming thread only copies the frame. The folder stays
// within snapshot-max-files / snapshot-max-bytes (snapshot_folder.h). Jobs
// wait in a small bounded queue; when the disk is slower than the rejects
// arrive the oldest waiting job is dropped and counted. A snapshot that
// cannot be saved (unwritable folder, full disk) is removed again, counted,
// and warned about once until one is saved again; nothing stops the stream.
#pragma once

#include <gst/video/video.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "drop_oldest_queue.h"
#include "publisher.h"
#include "snapshot_folder.h"
#include "snapshot_image.h"

namespace decodiff::gst::publish {

enum class SnapshotFormat { kJpeg, kPng };

struct SnapshotSettings {
  std::string dir;
  SnapshotFormat format = SnapshotFormat::kJpeg;
  uint64_t max_files = 0;  // 0: no limit
  uint64_t max_bytes = 0;  // 0: no limit
  int jpeg_quality = 95;
  size_t max_waiting = 16;  // jobs waiting for the worker
};

struct BufferUnref {
  void operator()(GstBuffer* b) const { gst_buffer_unref(b); }
};
using BufferPtr = std::shared_ptr<GstBuffer>;  // shared by the snapshots of one frame (several inspectors)
inline BufferPtr share_buffer(GstBuffer* owned) { return BufferPtr(owned, BufferUnref()); }

struct SnapshotJob {
  BufferPtr frame;  // a copy of the buffer, not writable by anyone else
  GstVideoInfo info;
  SnapshotResult result;
  nlohmann::ordered_json sidecar;  // the published object (+ "painted"); the image names are added
  std::string element;
  uint64_t frame_number = 0;
  std::chrono::system_clock::time_point when;
};

struct SnapshotCounters {
  uint64_t saved = 0;
  uint64_t failed = 0;   // could not be written
  uint64_t dropped = 0;  // the worker was behind (queue overflow)
};

class SnapshotWriter {
 public:
  // Creates the folder if needed and reads its budget. Problems are events
  // (warnings), never exceptions: the stream goes on without snapshots.
  SnapshotWriter(const SnapshotSettings& settings, PublisherEvents events);
  ~SnapshotWriter();

  void submit(SnapshotJob job);  // never blocks
  SnapshotCounters counters() const;
  // Waits at most `drain` for the waiting jobs, then stops the worker (the
  // jobs left are counted as dropped).
  void close(std::chrono::milliseconds drain);

 private:
  void run();
  void save(SnapshotJob& job);
  // Writes `bytes` to dir/name through a temporary file renamed at the end;
  // "" or the reason it failed.
  std::string write_file(const std::string& name, const std::string& bytes);
  void failed(const std::string& why);

  SnapshotSettings settings_;
  PublisherEvents events_;
  SnapshotFolder folder_;
  FrameReader reader_;  // worker thread only
  DropOldestQueue<SnapshotJob> queue_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  bool busy_ = false;     // the worker is saving a job
  bool failing_ = false;  // warned; an info follows the next saved snapshot (worker thread only)
  std::atomic<uint64_t> saved_{0}, failed_{0}, abandoned_{0};
};

}  // namespace decodiff::gst::publish
