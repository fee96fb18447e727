#include "publish_session.h"

#include <gst/decodiff/decodiffmeta.h>

#include <cstring>
#include <stdexcept>

#include "file_publisher.h"
#include "meta_json.h"

GST_DEBUG_CATEGORY_EXTERN(gst_decodiff_publish_debug);
#define GST_CAT_DEFAULT gst_decodiff_publish_debug

namespace decodiff::gst::publish {
namespace {

SnapshotResult snapshot_result(const GstDecodiffMeta& m) {
  SnapshotResult r;
  r.score = m.score;
  r.anomalous = m.anomalous;
  if (m.error) r.error = m.error;
  if (m.map_data && m.map_width > 0 && m.map_height > 0)
    r.map = cv::Mat(m.map_height, m.map_width, CV_32F, m.map_data).clone();
  r.map_rect = Rect{m.map_frame_x, m.map_frame_y, m.map_frame_width, m.map_frame_height};
  for (guint i = 0; i < m.n_regions; ++i)
    r.regions.push_back(Rect{m.regions[i].x, m.regions[i].y, m.regions[i].width, m.regions[i].height});
  return r;
}

}  // namespace

std::unique_ptr<PublishSession> PublishSession::start(GstElement* element, const PublishSettings& settings) {
  if (std::string error = settings_error(settings); !error.empty()) {
    GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS,
                      ("decodiffpublish \"%s\": %s", settings.element_name.c_str(), error.c_str()), (NULL));
    return nullptr;
  }
  try {
    return std::unique_ptr<PublishSession>(new PublishSession(element, settings));
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(element, RESOURCE, OPEN_WRITE,
                      ("decodiffpublish \"%s\": %s", settings.element_name.c_str(), e.what()), (NULL));
    return nullptr;
  }
}

PublishSession::PublishSession(GstElement* element, const PublishSettings& settings)
    : element_(element), settings_(settings) {
  gst_video_info_init(&info_);
  auto events = [this](const PublisherEvent& e) { report(e); };
  if (settings_.method == Method::kFile)
    publisher_ = std::make_unique<FilePublisher>(settings_.location, events);
  else
    publisher_ = std::make_unique<MqttPublisher>(settings_.mqtt, events);
  if (!settings_.snapshot.dir.empty())
    snapshots_ = std::make_unique<SnapshotWriter>(settings_.snapshot, events);
}

PublishSession::~PublishSession() { close(); }

void PublishSession::report(const PublisherEvent& e) {
  const std::string text = "decodiffpublish \"" + settings_.element_name + "\": " + e.message;
  if (e.kind == PublisherEvent::Kind::kWarning)
    GST_ELEMENT_WARNING(element_, RESOURCE, WRITE, ("%s", text.c_str()),
                        ("%s", e.detail.empty() ? text.c_str() : e.detail.c_str()));
  else
    GST_ELEMENT_INFO(element_, RESOURCE, WRITE, ("%s", text.c_str()), (NULL));
}

void PublishSession::set_format(const GstVideoInfo& info) {
  info_ = info;
  have_info_ = true;
}

void PublishSession::handle(GstBuffer* buffer, bool anomalies_only) {
  BufferPtr copy;  // one copy of the frame for all its snapshots
  bool painted = false;
  gpointer state = NULL;
  while (GstDecodiffMeta* m = gst_buffer_iterate_decodiff_meta(buffer, &state))
    painted = painted || m->painted;
  if (painted && snapshots_ && !warned_painted_) {
    warned_painted_ = true;
    GstDecodiffMeta* first = NULL;
    state = NULL;
    while (GstDecodiffMeta* m = gst_buffer_iterate_decodiff_meta(buffer, &state))
      if (m->painted && !first) first = m;
    const char* painter = first && first->producer ? first->producer : "(unknown)";
    GST_ELEMENT_WARNING(
        element_, STREAM, FORMAT,
        ("decodiffpublish \"%s\": the frames were painted by decodiffinspect \"%s\" (its "
         "overlay), so the raw snapshots show the overlay too (their sidecars say "
         "\"painted\": true). Set overlay=none on \"%s\" to save frames as the camera saw them",
         settings_.element_name.c_str(), painter, painter),
        (NULL));
  }
  state = NULL;
  while (GstDecodiffMeta* m = gst_buffer_iterate_decodiff_meta(buffer, &state)) {
    if (m->stale || m->inspected_frame_number != m->frame_number) continue;  // a carried-over result
    if (anomalies_only && !m->anomalous) continue;
    nlohmann::ordered_json object = meta_json(*m);
    Publication p;
    p.payload = object.dump();
    p.class_name = m->class_name ? m->class_name : "";
    p.element = m->producer ? m->producer : "";
    publisher_->publish(p);
    if (!snapshots_ || !m->anomalous || !have_info_) continue;
    if (!copy) copy = share_buffer(gst_buffer_copy_deep(buffer));
    SnapshotJob job;
    job.frame = copy;
    job.info = info_;
    job.result = snapshot_result(*m);
    object["painted"] = painted;
    job.sidecar = std::move(object);
    job.element = p.element;
    job.frame_number = m->inspected_frame_number;
    job.when = std::chrono::system_clock::now();
    snapshots_->submit(std::move(job));
  }
}

PublishCounters PublishSession::counters() const {
  PublishCounters c;
  c.published = publisher_->counters();
  if (snapshots_) c.snapshots = snapshots_->counters();
  return c;
}

GstStructure* PublishSession::counters_structure() const {
  const PublishCounters c = counters();
  return gst_structure_new(
      "decodiff-publish", "method", G_TYPE_STRING, settings_.method == Method::kFile ? "file" : "mqtt",
      "sent", G_TYPE_UINT64, (guint64)c.published.sent, "dropped", G_TYPE_UINT64,
      (guint64)c.published.dropped, "queued", G_TYPE_UINT64, (guint64)c.published.queued, "snapshots-saved",
      G_TYPE_UINT64, (guint64)c.snapshots.saved, "snapshots-failed", G_TYPE_UINT64,
      (guint64)c.snapshots.failed, "snapshots-dropped", G_TYPE_UINT64, (guint64)c.snapshots.dropped, NULL);
}

void PublishSession::close() {
  if (publisher_) publisher_->close(kDrain);
  if (snapshots_) snapshots_->close(kDrain);
}

}  // namespace decodiff::gst::publish
