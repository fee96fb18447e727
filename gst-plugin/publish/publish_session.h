// decodiffpublish between start() and stop(): the publisher (file or MQTT),
// the snapshot writer, and what is done with each buffer's results. The
// GObject code (gstdecodiffpublish.cpp) creates one at start() and forwards
// buffers here; problems become GStreamer messages on `element`.
#pragma once

#include <gst/video/video.h>

#include <memory>
#include <mutex>

#include "publish_settings.h"
#include "publisher.h"
#include "snapshot_writer.h"

namespace decodiff::gst::publish {

struct PublishCounters {
  PublisherCounters published;
  SnapshotCounters snapshots;
};

class PublishSession {
 public:
  // How long stop() waits for queued results and snapshots to go out.
  static constexpr std::chrono::milliseconds kDrain{2000};

  // Checks every setting (one error names all unusable ones) and opens the
  // publisher. Null, with one error posted, when that fails.
  static std::unique_ptr<PublishSession> start(GstElement* element, const PublishSettings& settings);
  ~PublishSession();

  void set_format(const GstVideoInfo& info);
  // Publishes the results on `buffer` (read only): one object per meta whose
  // frame was inspected (not stale), all or only the anomalous ones, and
  // snapshots of the anomalous ones. Never blocks.
  void handle(GstBuffer* buffer, bool anomalies_only);
  PublishCounters counters() const;
  // The "decodiff-publish" element message's structure (posted at EOS).
  GstStructure* counters_structure() const;
  // Waits at most kDrain for what is queued, then closes everything.
  void close();

 private:
  PublishSession(GstElement* element, const PublishSettings& settings);
  void report(const PublisherEvent& event);

  GstElement* element_;
  PublishSettings settings_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<SnapshotWriter> snapshots_;
  GstVideoInfo info_;
  bool have_info_ = false;
  bool warned_painted_ = false;
};

}  // namespace decodiff::gst::publish
