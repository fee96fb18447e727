/* decodiffinspect: a thin GStreamer adapter over decodiff::Engine.
 *
 * Frame mapping, properties, metadata, messages and overlay live here; the
 * engine (core/) does all the numerics. Architecture notes: docs/element.md.
 */
#include "gstdecodiffinspect.h"

#include <gst/video/gstvideometa.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gst/decodiff/decodiffmeta.h>
#include "error_text.h"
#include "frame_layout.h"
#include "inspection_hook.h"
#include "inspector.h"
#include "latency_tracker.h"
#include "overlay.h"
#include "property_parsing.h"
#include "result.h"
#include "result_publishing.h"
#include "results_file.h"
#include "rgb_bridge.h"

GST_DEBUG_CATEGORY_STATIC(gst_decodiff_inspect_debug);
#define GST_CAT_DEFAULT gst_decodiff_inspect_debug

using decodiff::gst::Inspection;
using decodiff::gst::PackedFrame;
using decodiff::gst::Rect;
using decodiff::gst::Result;
using decodiff::gst::RoiSetting;

namespace {

constexpr double kFallbackThreshold = 0.5;

struct Queued {
  GstBuffer* buffer;
  guint64 frame;
  bool due;
};

struct Ready {
  GstBuffer* buffer;
  std::shared_ptr<const Result> result;
  guint64 frame;
};

struct LiveJob {
  std::vector<uint8_t> pixels;
  PackedFrame layout;
  guint64 frame = 0;
  guint64 pts = Result::kNoPts;
};

// Everything that exists only between start() and stop().
struct State {
  std::shared_ptr<decodiff::gst::Inspector> inspector;
  int class_id = 0;
  std::string class_name;
  int steps = 0;
  double calibrated = kFallbackThreshold;
  std::string name;               // the element's name: the producer of its metas
  RoiSetting roi_setting;         // as parsed at start; whole_frame() = no roi
  Rect roi;                       // roi_setting checked against the current caps
  bool roi_error_posted = false;  // one error per start, however often caps are retried
  bool chain_warned = false;      // painted input from another element: warned once
  GstVideoInfo info;
  decodiff::gst::PixelLayout layout;  // of the frames as mapped (YUV: of the bridge's RGB)
  // YUV caps: frames are converted to packed RGB (and back for the overlay).
  std::unique_ptr<decodiff::gst::RgbBridge> bridge;
  std::vector<std::vector<uint8_t>> rgb_scratch;  // one per frame of a batch
  GstClockTime frame_duration = GST_CLOCK_TIME_NONE;

  guint64 next_frame = 0;
  std::deque<Queued> pending;  // sync: waiting for a full batch
  std::deque<Ready> ready;     // decided, waiting for generate_output

  std::mutex mutex;  // guards latest, the live job slot
  std::condition_variable cond;
  std::shared_ptr<const Result> latest;
  decodiff::gst::LatencyTracker latency;

  // live mode
  std::thread worker;
  std::optional<LiveJob> job;
  bool busy = false;
  bool quit = false;
  bool failed = false;  // (both modes) an error was posted: further buffers are refused

  // fail-safe: inspections in a row with non-finite output (publish(), one thread at a time)
  guint consecutive_errors = 0;

  decodiff::gst::ResultsFile results;
};

}  // namespace

struct _GstDecodiffInspect {
  GstVideoFilter parent;

  /* properties, guarded by the object lock */
  gchar* model;
  gchar* device;
  gchar* precision;
  gchar* class_;
  gint steps;
  gdouble threshold;
  GstDecodiffOverlay overlay;
  gdouble overlay_alpha;
  GstDecodiffMode mode;
  guint interval;
  guint batch_size;
  GstDecodiffMessage message;
  gchar* results_location;
  gchar* roi;
  gchar* model_instance_id;
  guint max_consecutive_errors;
  gboolean started; /* between start() and stop(): settings fixed at start are refused */

  State* state;
};

enum {
  PROP_0,
  PROP_MODEL,
  PROP_DEVICE,
  PROP_PRECISION,
  PROP_CLASS,
  PROP_STEPS,
  PROP_THRESHOLD,
  PROP_OVERLAY,
  PROP_OVERLAY_ALPHA,
  PROP_MODE,
  PROP_INTERVAL,
  PROP_BATCH_SIZE,
  PROP_MESSAGE,
  PROP_RESULTS_LOCATION,
  PROP_ROI,
  PROP_MODEL_INSTANCE_ID,
  PROP_MAX_CONSECUTIVE_ERRORS,
};

#define DEFAULT_DEVICE "auto"
#define DEFAULT_PRECISION "fp32"
#define DEFAULT_STEPS 0
#define DEFAULT_THRESHOLD -1.0
#define DEFAULT_OVERLAY GST_DECODIFF_OVERLAY_HEATMAP
#define DEFAULT_OVERLAY_ALPHA 0.4
#define DEFAULT_MODE GST_DECODIFF_MODE_SYNC
#define DEFAULT_INTERVAL 1
#define DEFAULT_BATCH_SIZE 1
#define DEFAULT_MESSAGE GST_DECODIFF_MESSAGE_ANOMALIES
#define DEFAULT_MAX_CONSECUTIVE_ERRORS 5

#define VIDEO_CAPS GST_VIDEO_CAPS_MAKE("{ RGB, BGR, RGBA, BGRA, RGBx, BGRx, I420, NV12, YUY2 }")

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(VIDEO_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(VIDEO_CAPS));

G_DEFINE_TYPE(GstDecodiffInspect, gst_decodiff_inspect, GST_TYPE_VIDEO_FILTER);
/* The debug category is set up with the element, so that code registering the
 * element without the plugin (the fail-safe tests) logs safely. */
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE(decodiffinspect, "decodiffinspect", GST_RANK_NONE,
                                      GST_TYPE_DECODIFF_INSPECT,
                                      GST_DEBUG_CATEGORY_INIT(gst_decodiff_inspect_debug, "decodiffinspect",
                                                              0, "DeCo-Diff anomaly inspection"));

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */

/* The latency this element adds (see docs/element.md, "Timing"). */
static GstClockTime added_latency(GstDecodiffInspect* self) {
  State* st = self->state;
  GST_OBJECT_LOCK(self);
  GstDecodiffMode mode = self->mode;
  guint interval = self->interval, batch = self->batch_size;
  GST_OBJECT_UNLOCK(self);
  if (!st) return 0;
  GstClockTime frame = GST_CLOCK_TIME_IS_VALID(st->frame_duration) ? st->frame_duration : 0;
  if (mode == GST_DECODIFF_MODE_LIVE) return frame;
  const double ms = st->latency.median_ms();
  return static_cast<GstClockTime>(ms * GST_MSECOND) + frame * (guint64)(batch - 1) * interval;
}

static void record_latency(GstDecodiffInspect* self, double ms) {
  if (self->state->latency.record(ms))
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
}

/* The fail-safe policy for one inspected frame (docs/element.md, "Errors"):
 * a failed inspection posts a warning; `max-consecutive-errors` of them in a
 * row post an error. FALSE when the stream must stop. */
static bool account_inspection(GstDecodiffInspect* self, const Result& r) {
  State* st = self->state;
  if (r.error.empty()) {
    st->consecutive_errors = 0;
    return true;
  }
  GST_OBJECT_LOCK(self);
  const guint limit = self->max_consecutive_errors;
  GST_OBJECT_UNLOCK(self);
  const guint in_a_row = ++st->consecutive_errors;
  GST_ELEMENT_WARNING(
      self, STREAM, FAILED,
      ("Inspection of frame %" G_GUINT64_FORMAT " failed: %s; the frame is reported anomalous "
       "(%u in a row)",
       (guint64)r.frame_number, r.error.c_str(), in_a_row),
      (NULL));
  if (limit == 0 || in_a_row < limit) return true;
  GST_ELEMENT_ERROR(
      self, STREAM, FAILED,
      ("%u inspections in a row failed (last: frame %" G_GUINT64_FORMAT ", %s): the model or the "
       "device gives no usable results; stopping (max-consecutive-errors=%u)",
       in_a_row, (guint64)r.frame_number, r.error.c_str(), limit),
      (NULL));
  return false;
}

/* JSONL line and bus message for one inspected frame (any thread, one at a
 * time). FALSE when an error was posted and the stream must stop: results
 * could not be written, or too many inspections in a row failed. */
static bool publish(GstDecodiffInspect* self, const Result& r) {
  State* st = self->state;
  GST_OBJECT_LOCK(self);
  GstDecodiffMessage mode = self->message;
  GST_OBJECT_UNLOCK(self);

  GST_LOG_OBJECT(self, "frame %" G_GUINT64_FORMAT " score %.4f anomalous %d regions %zu latency %.1f ms%s%s",
                 r.frame_number, r.inspection.score, r.anomalous, r.regions.size(), r.inspection.latency_ms,
                 r.error.empty() ? "" : " error: ", r.error.c_str());
  if (st->results.is_open()) {
    try {
      st->results.write(r);
    } catch (const std::exception& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("%s", e.what()), (NULL));
      return false;
    }
  }
  const bool keep_going = account_inspection(self, r);
  if (mode == GST_DECODIFF_MESSAGE_NONE || (mode == GST_DECODIFF_MESSAGE_ANOMALIES && !r.anomalous))
    return keep_going;

  gst_element_post_message(GST_ELEMENT(self),
                           gst_message_new_element(GST_OBJECT(self), decodiff::gst::new_result_structure(r)));
  return keep_going;
}

static float current_threshold(GstDecodiffInspect* self) {
  GST_OBJECT_LOCK(self);
  gdouble t = self->threshold;
  GST_OBJECT_UNLOCK(self);
  return static_cast<float>(t >= 0 ? t : self->state->calibrated);
}

static std::shared_ptr<const Result> make_result(GstDecodiffInspect* self, Inspection&& in, guint64 frame,
                                                 guint64 pts, int width, int height) {
  State* st = self->state;
  auto r = std::make_shared<Result>();
  r->inspection = std::move(in);
  r->class_name = st->class_name;
  r->frame_number = frame;
  r->pts = pts;
  r->frame_width = width;
  r->frame_height = height;
  decodiff::gst::decide(*r, current_threshold(self));
  return r;
}

/* Attaches the result's metas to the buffer and draws the overlay. */
static GstBuffer* decorate(GstDecodiffInspect* self, GstBuffer* buffer,
                           const std::shared_ptr<const Result>& r, guint64 frame) {
  State* st = self->state;
  buffer = gst_buffer_make_writable(buffer);
  if (!r) return buffer; /* live mode before the first inspection completes */
  const bool stale = r->frame_number != frame;

  GstDecodiffMeta* meta = decodiff::gst::attach_result_metas(buffer, *r, frame, st->name);

  GST_OBJECT_LOCK(self);
  GstDecodiffOverlay overlay = self->overlay;
  float alpha = static_cast<float>(self->overlay_alpha);
  GST_OBJECT_UNLOCK(self);
  if (overlay != GST_DECODIFF_OVERLAY_NONE) {
    GstVideoFrame vf;
    if (gst_video_frame_map(&vf, &st->info, buffer, GST_MAP_READWRITE)) {
      decodiff::gst::FrameTarget t;
      t.data = static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&vf, 0));
      t.width = GST_VIDEO_FRAME_WIDTH(&vf);
      t.height = GST_VIDEO_FRAME_HEIGHT(&vf);
      t.row_stride = GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0);
      t.pixel_stride = st->layout.pixel_stride;
      std::memcpy(t.channel_order, st->layout.channel_order, sizeof(t.channel_order));
      // YUV: drawn on an RGB copy; what the overlay changed is converted back.
      std::vector<uint8_t> rgb, untouched;
      const bool bridged = st->bridge && st->bridge->to_rgb(vf, rgb);
      if (bridged) {
        untouched = rgb;
        t.data = rgb.data();
        t.row_stride = st->bridge->row_stride();
      }
      if (!st->bridge || bridged) {
        decodiff::gst::draw_overlay(t, *r,
                                    overlay == GST_DECODIFF_OVERLAY_HEATMAP
                                        ? decodiff::gst::OverlayKind::kHeatmap
                                        : decodiff::gst::OverlayKind::kContour,
                                    alpha, stale);
      }
      if (bridged) st->bridge->write_back(rgb, untouched, vf);
      meta->painted = !st->bridge || bridged;
      gst_video_frame_unmap(&vf);
    } else {
      GST_WARNING_OBJECT(self, "cannot map frame %" G_GUINT64_FORMAT " for writing; no overlay", frame);
    }
  }
  return buffer;
}

/* ------------------------------------------------------------------------ */
/* sync mode                                                                 */

/* Inspects the due frames of `pending` (all of them when `force`, else only
 * once a full batch is there) and moves decided buffers to `ready`. */
static GstFlowReturn process_pending(GstDecodiffInspect* self, bool force) {
  State* st = self->state;
  GST_OBJECT_LOCK(self);
  guint batch = self->batch_size;
  GST_OBJECT_UNLOCK(self);

  std::vector<size_t> due;
  for (size_t i = 0; i < st->pending.size(); ++i)
    if (st->pending[i].due) due.push_back(i);
  if (!due.empty() && due.size() < batch && !force) return GST_FLOW_OK;

  std::vector<std::shared_ptr<const Result>> results;
  if (!due.empty()) {
    std::vector<GstVideoFrame> frames(due.size());
    std::vector<PackedFrame> views;
    if (st->bridge) st->rgb_scratch.resize(due.size());
    size_t mapped = 0;
    for (; mapped < due.size(); ++mapped) {
      if (!gst_video_frame_map(&frames[mapped], &st->info, st->pending[due[mapped]].buffer, GST_MAP_READ))
        break;
      PackedFrame view = decodiff::gst::packed_view(frames[mapped], st->layout);
      if (st->bridge &&
          !decodiff::gst::bridged_view(*st->bridge, frames[mapped], st->rgb_scratch[mapped], &view)) {
        gst_video_frame_unmap(&frames[mapped]);
        break;
      }
      views.push_back(view);
    }
    std::vector<Inspection> inspections;
    std::string error;
    if (mapped == due.size()) {
      try {
        inspections = st->inspector->inspect(views, st->class_id, st->roi, st->steps);
      } catch (const std::exception& e) {
        error = decodiff::error_text(e);
      }
    } else {
      error = "cannot map an input buffer for reading";
    }
    for (size_t i = 0; i < mapped; ++i) gst_video_frame_unmap(&frames[i]);
    if (!error.empty()) {
      GST_ELEMENT_ERROR(self, STREAM, FAILED, ("inspection failed: %s", error.c_str()), (NULL));
      return GST_FLOW_ERROR;
    }
    record_latency(self, inspections.empty() ? 0.0 : inspections.front().latency_ms);
    for (size_t i = 0; i < due.size(); ++i) {
      const Queued& q = st->pending[due[i]];
      decodiff::gst::run_inspection_hook(inspections[i], q.frame);
      results.push_back(make_result(self, std::move(inspections[i]), q.frame, GST_BUFFER_PTS(q.buffer),
                                    GST_VIDEO_INFO_WIDTH(&st->info), GST_VIDEO_INFO_HEIGHT(&st->info)));
      if (!publish(self, *results.back())) { /* error posted: this stream is over */
        std::lock_guard<std::mutex> lock(st->mutex);
        st->failed = true;
        return GST_FLOW_ERROR;
      }
    }
  }

  size_t k = 0;
  std::shared_ptr<const Result> latest;
  {
    std::lock_guard<std::mutex> lock(st->mutex);
    latest = st->latest;
  }
  for (const Queued& q : st->pending) {
    if (q.due) latest = results[k++];
    st->ready.push_back(Ready{q.buffer, latest, q.frame});
  }
  st->pending.clear();
  std::lock_guard<std::mutex> lock(st->mutex);
  st->latest = latest;
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------------------ */
/* live mode                                                                 */

static void live_worker(GstDecodiffInspect* self) {
  State* st = self->state;
  std::unique_lock<std::mutex> lock(st->mutex);
  for (;;) {
    st->cond.wait(lock, [st] { return st->quit || st->job.has_value(); });
    if (st->quit) return;
    LiveJob job = std::move(*st->job);
    st->job.reset();
    st->busy = true;
    lock.unlock();

    std::shared_ptr<const Result> result;
    std::string error;
    bool stop = false; /* publish() posted an error */
    try {
      PackedFrame view = job.layout;
      view.data = job.pixels.data();
      auto inspections = st->inspector->inspect({view}, st->class_id, st->roi, st->steps);
      record_latency(self, inspections.front().latency_ms);
      decodiff::gst::run_inspection_hook(inspections.front(), job.frame);
      result = make_result(self, std::move(inspections.front()), job.frame, job.pts, view.width, view.height);
      stop = !publish(self, *result);
    } catch (const std::exception& e) {
      error = decodiff::error_text(e);
    }

    lock.lock();
    st->busy = false;
    if (result) st->latest = result;
    if (stop) st->failed = true;
    if (!error.empty()) {
      st->failed = true;
      lock.unlock();
      GST_ELEMENT_ERROR(self, STREAM, FAILED, ("inspection failed: %s", error.c_str()), (NULL));
      lock.lock();
    }
    st->cond.notify_all();
  }
}

static GstFlowReturn submit_live(GstDecodiffInspect* self, GstBuffer* buffer, guint64 frame, bool due) {
  State* st = self->state;
  std::unique_lock<std::mutex> lock(st->mutex);
  if (st->failed) {
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  bool submitted = false;
  if (due && !st->busy && !st->job) {
    GstVideoFrame vf;
    if (gst_video_frame_map(&vf, &st->info, buffer, GST_MAP_READ)) {
      LiveJob job;
      bool copied = true;
      if (st->bridge) {
        copied = decodiff::gst::bridged_view(*st->bridge, vf, job.pixels, &job.layout);
      } else {
        job.layout = decodiff::gst::packed_view(vf, st->layout);
        const int row = job.layout.width * job.layout.pixel_stride;
        job.pixels.resize(static_cast<size_t>(row) * job.layout.height);
        for (int y = 0; y < job.layout.height; ++y)
          std::memcpy(job.pixels.data() + static_cast<size_t>(y) * row,
                      job.layout.data + y * job.layout.row_stride, row);
        job.layout.row_stride = row;
      }
      job.layout.data = nullptr;
      job.frame = frame;
      job.pts = GST_BUFFER_PTS(buffer);
      gst_video_frame_unmap(&vf);
      if (copied) {
        st->job = std::move(job);
        submitted = true;
        st->cond.notify_all();
      }
    }
  }
  /* Give the worker up to one frame period, so that a fast engine delivers
   * fresh results; a slow one never holds the stream back longer. */
  if (submitted && GST_CLOCK_TIME_IS_VALID(st->frame_duration) && st->frame_duration > 0) {
    st->cond.wait_for(lock, std::chrono::nanoseconds(st->frame_duration), [st, frame] {
      return st->failed || (st->latest && st->latest->frame_number == frame);
    });
  }
  st->ready.push_back(Ready{buffer, st->latest, frame});
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------------------ */
/* GstBaseTransform / GstVideoFilter vfuncs                                  */

static void release_queues(State* st) {
  for (auto& q : st->pending) gst_buffer_unref(q.buffer);
  st->pending.clear();
  for (auto& r : st->ready) gst_buffer_unref(r.buffer);
  st->ready.clear();
}

static void stop_worker(State* st) {
  if (!st->worker.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(st->mutex);
    st->quit = true;
  }
  st->cond.notify_all();
  st->worker.join();
}

static gboolean gst_decodiff_inspect_stop(GstBaseTransform* trans) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(trans);
  State* st = self->state;
  gboolean ok = TRUE;
  if (st) {
    stop_worker(st);
    release_queues(st);
    try {
      st->results.close();
    } catch (const std::exception& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, CLOSE, ("%s", e.what()), (NULL));
      ok = FALSE;
    }
    delete st;
    self->state = NULL;
  }
  GST_OBJECT_LOCK(self);
  self->started = FALSE;
  GST_OBJECT_UNLOCK(self);
  return ok;
}

static gboolean inspect_start_impl(GstBaseTransform* trans) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(trans);
  gst_decodiff_inspect_stop(trans);

  decodiff::gst::InspectorOptions options;
  GST_OBJECT_LOCK(self);
  options.model = self->model ? self->model : "";
  options.device = self->device ? self->device : DEFAULT_DEVICE;
  options.precision = self->precision ? self->precision : DEFAULT_PRECISION;
  options.instance_id = self->model_instance_id ? self->model_instance_id : "";
  std::string klass = self->class_ ? self->class_ : "";
  gint steps = self->steps;
  std::string results = self->results_location ? self->results_location : "";
  std::string roi_text = self->roi ? self->roi : "";
  GstDecodiffMode mode = self->mode;
  self->started = TRUE; /* from here on the values read above are the ones in use */
  GST_OBJECT_UNLOCK(self);

  if (options.model.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                      ("No model: set the \"model\" property to a .safetensors model file"), (NULL));
    return FALSE;
  }
  auto st = std::make_unique<State>();
  /* Every text setting is checked here, once, before the model loads: one
   * error names every malformed value. */
  std::string invalid;
  auto note = [&invalid](const std::string& problem) {
    if (!problem.empty()) invalid += (invalid.empty() ? "" : "; ") + problem;
  };
  auto roi = decodiff::gst::parse_roi(roi_text);
  note(roi.error);
  auto device = decodiff::gst::parse_device(options.device);
  note(device.error);
  auto precision = decodiff::gst::parse_precision(options.precision);
  note(precision.error);
  if (!klass.empty()) note(decodiff::gst::parse_class(klass).error);
  if (!invalid.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Invalid settings: %s", invalid.c_str()), (NULL));
    return FALSE;
  }
  st->roi_setting = roi.value;
  options.device = device.value;
  options.precision = precision.value;
  gchar* name = gst_element_get_name(self);
  st->name = name ? name : "";
  g_free(name);

  bool loaded = false;
  try {
    st->inspector = decodiff::gst::Inspector::open(options, &loaded);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                      ("Cannot load model %s on device %s: %s", options.model.c_str(), options.device.c_str(),
                       decodiff::error_text(e).c_str()),
                      (NULL));
    return FALSE;
  }
  if (loaded) {
    GST_INFO_OBJECT(self, "loaded model %s on %s", options.model.c_str(),
                    st->inspector->device_name().c_str());
    for (const std::string& warning : st->inspector->load_warnings())
      GST_ELEMENT_WARNING(self, RESOURCE, OPEN_READ, ("%s", warning.c_str()), (NULL));
  } else
    GST_INFO_OBJECT(self, "sharing the engine of model-instance-id %s", options.instance_id.c_str());

  try {
    st->class_id = klass.empty() ? 0 : st->inspector->resolve_class(klass);
    st->class_name = st->inspector->class_name(st->class_id);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Unknown class \"%s\": %s", klass.c_str(), e.what()),
                      (NULL));
    return FALSE;
  }
  try {
    st->inspector->check_steps(steps);
    st->steps = steps;
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Invalid steps %d: %s", steps, e.what()), (NULL));
    return FALSE;
  }
  st->calibrated = st->inspector->calibrated_threshold(st->class_id).value_or(kFallbackThreshold);
  if (!results.empty()) {
    try {
      st->results.open(results);
    } catch (const std::exception& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("%s", e.what()), (NULL));
      return FALSE;
    }
  }
  GST_INFO_OBJECT(self, "class %s (%d), steps %d, threshold %s %.4f, mode %s", st->class_name.c_str(),
                  st->class_id, steps, self->threshold >= 0 ? "fixed" : "calibrated/default", st->calibrated,
                  mode == GST_DECODIFF_MODE_LIVE ? "live" : "sync");
  self->state = st.release();
  if (mode == GST_DECODIFF_MODE_LIVE) self->state->worker = std::thread(live_worker, self);
  return TRUE;
}

static gboolean inspect_set_info_impl(GstVideoFilter* filter, GstCaps* incaps, GstVideoInfo* in_info,
                                      GstCaps* outcaps, GstVideoInfo* out_info) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(filter);
  State* st = self->state;
  (void)incaps;
  (void)outcaps;
  (void)out_info;
  if (!st) return FALSE;
  const GstVideoFormat format = GST_VIDEO_INFO_FORMAT(in_info);
  st->bridge.reset();
  if (decodiff::gst::RgbBridge::handles(format)) {
    try {
      st->bridge = std::make_unique<decodiff::gst::RgbBridge>(*in_info);
    } catch (const std::exception& e) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("%s", e.what()), (NULL));
      return FALSE;
    }
    st->layout = decodiff::gst::PixelLayout{};
  } else if (auto layout = decodiff::gst::packed_rgb_layout(format)) {
    st->layout = *layout;
  } else {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                      ("Unsupported video format %s: decodiffinspect takes RGB, BGR, RGBA, BGRA, RGBx, BGRx, "
                       "I420, NV12 or YUY2 (put videoconvert before it)",
                       gst_video_format_to_string(format)),
                      (NULL));
    return FALSE;
  }
  const int w = GST_VIDEO_INFO_WIDTH(in_info), h = GST_VIDEO_INFO_HEIGHT(in_info);
  const RoiSetting& r = st->roi_setting;
  const std::string misfit = decodiff::gst::roi_fit_error(r, w, h);
  if (!misfit.empty()) {
    /* upstream retries the caps several times: one error is enough */
    if (!st->roi_error_posted) GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("%s", misfit.c_str()), (NULL));
    st->roi_error_posted = true;
    return FALSE;
  }
  st->roi = r.whole_frame() ? Rect{} : Rect{r.x, r.y, r.width, r.height};
  st->info = *in_info;
  if (GST_VIDEO_INFO_FPS_N(in_info) > 0 && GST_VIDEO_INFO_FPS_D(in_info) > 0)
    st->frame_duration =
        gst_util_uint64_scale_int(GST_SECOND, GST_VIDEO_INFO_FPS_D(in_info), GST_VIDEO_INFO_FPS_N(in_info));
  else
    st->frame_duration = GST_CLOCK_TIME_NONE;
  GST_DEBUG_OBJECT(self, "negotiated %s %dx%d", gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(in_info)), w,
                   h);
  return TRUE;
}

/* A frame painted by another decodiffinspect upstream would be inspected
 * with that element's heatmap on it: warned once per start (docs/element.md,
 * "Several elements in a row"). */
static void warn_if_painted_upstream(GstDecodiffInspect* self, GstBuffer* input) {
  State* st = self->state;
  if (st->chain_warned) return;
  gpointer iter = NULL;
  while (GstDecodiffMeta* m = gst_buffer_iterate_decodiff_meta(input, &iter)) {
    if (!m->painted) continue;
    const char* other = m->producer ? m->producer : "(unnamed)";
    GST_ELEMENT_WARNING(self, STREAM, FORMAT,
                        ("decodiffinspect \"%s\" receives frames painted by decodiffinspect \"%s\" (its "
                         "overlay is on the pixels): \"%s\" inspects the painted pixels, so its scores are "
                         "wrong. Set overlay=none on \"%s\" (its results stay in the metas)",
                         st->name.c_str(), other, st->name.c_str(), other),
                        (NULL));
    st->chain_warned = true;
    return;
  }
}

static GstFlowReturn inspect_submit_input_buffer_impl(GstBaseTransform* trans, gboolean is_discont,
                                                      GstBuffer* input) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(trans);
  State* st = self->state;
  if (!st) {
    gst_buffer_unref(input);
    return GST_FLOW_FLUSHING;
  }
  {
    std::lock_guard<std::mutex> lock(st->mutex);
    if (st->failed) { /* an error was posted (lost results, too many failed inspections) */
      gst_buffer_unref(input);
      return GST_FLOW_ERROR;
    }
  }
  const guint64 frame = st->next_frame++;
  warn_if_painted_upstream(self, input);
  /* the parent does QoS (drops late buffers) and stores the buffer in queued_buf */
  GstFlowReturn ret = GST_BASE_TRANSFORM_CLASS(gst_decodiff_inspect_parent_class)
                          ->submit_input_buffer(trans, is_discont, input);
  if (ret != GST_FLOW_OK || trans->queued_buf == NULL) return ret;
  GstBuffer* buffer = trans->queued_buf;
  trans->queued_buf = NULL;

  GST_OBJECT_LOCK(self);
  const guint interval = self->interval;
  const GstDecodiffMode mode = self->mode;
  GST_OBJECT_UNLOCK(self);
  const bool due = frame % interval == 0;

  if (mode == GST_DECODIFF_MODE_LIVE && st->worker.joinable()) return submit_live(self, buffer, frame, due);
  st->pending.push_back(Queued{buffer, frame, due});
  return process_pending(self, false);
}

static GstFlowReturn inspect_generate_output_impl(GstBaseTransform* trans, GstBuffer** outbuf) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(trans);
  State* st = self->state;
  *outbuf = NULL;
  if (!st || st->ready.empty()) return GST_FLOW_OK;
  Ready r = st->ready.front();
  st->ready.pop_front();
  *outbuf = decorate(self, r.buffer, r.result, r.frame);
  return GST_FLOW_OK;
}

/* Pushes everything held back (a partial batch) downstream, in order. */
static GstFlowReturn drain(GstDecodiffInspect* self) {
  State* st = self->state;
  if (!st || (st->pending.empty() && st->ready.empty())) return GST_FLOW_OK;
  GstFlowReturn ret = process_pending(self, true);
  while (!st->ready.empty()) {
    GstBuffer* out = NULL;
    inspect_generate_output_impl(GST_BASE_TRANSFORM(self), &out);
    GstFlowReturn r = gst_pad_push(GST_BASE_TRANSFORM_SRC_PAD(self), out);
    if (ret == GST_FLOW_OK) ret = r;
  }
  return ret;
}

static gboolean gst_decodiff_inspect_sink_event(GstBaseTransform* trans, GstEvent* event) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(trans);
  State* st = self->state;
  if (st) {
    if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP)
      release_queues(st);
    else if (GST_EVENT_IS_SERIALIZED(event))
      drain(self); /* keep buffers and serialized events in order */
    if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
      /* a lost result must be an error before the application sees EOS */
      try {
        st->results.sync();
      } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("%s", e.what()), (NULL));
        gst_event_unref(event);
        return FALSE;
      }
    }
  }
  return GST_BASE_TRANSFORM_CLASS(gst_decodiff_inspect_parent_class)->sink_event(trans, event);
}

static gboolean gst_decodiff_inspect_query(GstBaseTransform* trans, GstPadDirection direction,
                                           GstQuery* query) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(trans);
  if (direction == GST_PAD_SRC && GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
    if (!gst_pad_peer_query(GST_BASE_TRANSFORM_SINK_PAD(trans), query)) return FALSE;
    gboolean live;
    GstClockTime min, max;
    gst_query_parse_latency(query, &live, &min, &max);
    GstClockTime ours = added_latency(self);
    GST_DEBUG_OBJECT(self, "adding latency %" GST_TIME_FORMAT, GST_TIME_ARGS(ours));
    min += ours;
    if (GST_CLOCK_TIME_IS_VALID(max)) max += ours;
    gst_query_set_latency(query, live, min, max);
    return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS(gst_decodiff_inspect_parent_class)->query(trans, direction, query);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                   */

static void set_string(GstDecodiffInspect* self, gchar** field, const GValue* value) {
  GST_OBJECT_LOCK(self);
  g_free(*field);
  *field = g_value_dup_string(value);
  GST_OBJECT_UNLOCK(self);
}

/* Settings read once at start() cannot change while the element runs
 * (PAUSED, PLAYING): the change is refused with one warning and the value in
 * use stays (and reads back). TRUE when refused. */
static bool refused_while_running(GstDecodiffInspect* self, GParamSpec* pspec) {
  if (pspec->flags & GST_PARAM_MUTABLE_PLAYING) return false;
  GST_OBJECT_LOCK(self);
  const gboolean started = self->started;
  GST_OBJECT_UNLOCK(self);
  if (!started) return false;
  GValue current = G_VALUE_INIT;
  g_value_init(&current, pspec->value_type);
  g_object_get_property(G_OBJECT(self), pspec->name, &current);
  gchar* text = g_strdup_value_contents(&current);
  g_value_unset(&current);
  GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                      ("Property \"%s\" cannot change while the element runs (PAUSED or PLAYING): it keeps "
                       "%s. Set it in the NULL or READY state",
                       pspec->name, text),
                      (NULL));
  g_free(text);
  return true;
}

static void gst_decodiff_inspect_set_property(GObject* object, guint prop_id, const GValue* value,
                                              GParamSpec* pspec) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(object);
  if (refused_while_running(self, pspec)) return;
  switch (prop_id) {
    case PROP_MODEL:
      set_string(self, &self->model, value);
      break;
    case PROP_DEVICE:
      set_string(self, &self->device, value);
      break;
    case PROP_PRECISION:
      set_string(self, &self->precision, value);
      break;
    case PROP_CLASS:
      set_string(self, &self->class_, value);
      break;
    case PROP_RESULTS_LOCATION:
      set_string(self, &self->results_location, value);
      break;
    case PROP_ROI: /* checked at start(), with the other settings */
      set_string(self, &self->roi, value);
      break;
    case PROP_MODEL_INSTANCE_ID:
      set_string(self, &self->model_instance_id, value);
      break;
    default:
      GST_OBJECT_LOCK(self);
      switch (prop_id) {
        case PROP_STEPS:
          self->steps = g_value_get_int(value);
          break;
        case PROP_THRESHOLD:
          self->threshold = g_value_get_double(value);
          break;
        case PROP_OVERLAY:
          self->overlay = static_cast<GstDecodiffOverlay>(g_value_get_enum(value));
          break;
        case PROP_OVERLAY_ALPHA:
          self->overlay_alpha = g_value_get_double(value);
          break;
        case PROP_MODE:
          self->mode = static_cast<GstDecodiffMode>(g_value_get_enum(value));
          break;
        case PROP_INTERVAL:
          self->interval = g_value_get_uint(value);
          break;
        case PROP_MAX_CONSECUTIVE_ERRORS:
          self->max_consecutive_errors = g_value_get_uint(value);
          break;
        case PROP_BATCH_SIZE:
          self->batch_size = g_value_get_uint(value);
          break;
        case PROP_MESSAGE:
          self->message = static_cast<GstDecodiffMessage>(g_value_get_enum(value));
          break;
        default:
          G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
          break;
      }
      const gboolean started = self->started;
      GST_OBJECT_UNLOCK(self);
      /* sync mode with batches: the interval is part of the latency */
      if (prop_id == PROP_INTERVAL && started)
        gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
      break;
  }
}

static void gst_decodiff_inspect_get_property(GObject* object, guint prop_id, GValue* value,
                                              GParamSpec* pspec) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(object);
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string(value, self->model);
      break;
    case PROP_DEVICE:
      g_value_set_string(value, self->device);
      break;
    case PROP_PRECISION:
      g_value_set_string(value, self->precision);
      break;
    case PROP_CLASS:
      g_value_set_string(value, self->class_);
      break;
    case PROP_STEPS:
      g_value_set_int(value, self->steps);
      break;
    case PROP_THRESHOLD:
      g_value_set_double(value, self->threshold);
      break;
    case PROP_OVERLAY:
      g_value_set_enum(value, self->overlay);
      break;
    case PROP_OVERLAY_ALPHA:
      g_value_set_double(value, self->overlay_alpha);
      break;
    case PROP_MODE:
      g_value_set_enum(value, self->mode);
      break;
    case PROP_INTERVAL:
      g_value_set_uint(value, self->interval);
      break;
    case PROP_MAX_CONSECUTIVE_ERRORS:
      g_value_set_uint(value, self->max_consecutive_errors);
      break;
    case PROP_BATCH_SIZE:
      g_value_set_uint(value, self->batch_size);
      break;
    case PROP_MESSAGE:
      g_value_set_enum(value, self->message);
      break;
    case PROP_RESULTS_LOCATION:
      g_value_set_string(value, self->results_location);
      break;
    case PROP_ROI:
      g_value_set_string(value, self->roi);
      break;
    case PROP_MODEL_INSTANCE_ID:
      g_value_set_string(value, self->model_instance_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_decodiff_inspect_finalize(GObject* object) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(object);
  gst_decodiff_inspect_stop(GST_BASE_TRANSFORM(object));
  g_free(self->model);
  g_free(self->device);
  g_free(self->precision);
  g_free(self->class_);
  g_free(self->results_location);
  g_free(self->roi);
  g_free(self->model_instance_id);
  G_OBJECT_CLASS(gst_decodiff_inspect_parent_class)->finalize(object);
}

/* The vfuncs GStreamer calls: no C++ exception may cross into C frames. */
static gboolean gst_decodiff_inspect_start(GstBaseTransform* trans) {
  gboolean ok = FALSE;
  try {
    ok = inspect_start_impl(trans);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(trans, LIBRARY, INIT,
                      ("decodiffinspect failed to start: %s", decodiff::error_text(e).c_str()), (NULL));
  }
  if (!ok) {
    GST_OBJECT_LOCK(trans);
    GST_DECODIFF_INSPECT(trans)->started = FALSE;
    GST_OBJECT_UNLOCK(trans);
  }
  return ok;
}

static gboolean gst_decodiff_inspect_set_info(GstVideoFilter* filter, GstCaps* incaps, GstVideoInfo* in_info,
                                              GstCaps* outcaps, GstVideoInfo* out_info) {
  try {
    return inspect_set_info_impl(filter, incaps, in_info, outcaps, out_info);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(filter, CORE, NEGOTIATION, ("decodiffinspect: %s", decodiff::error_text(e).c_str()),
                      (NULL));
    return FALSE;
  }
}

static GstFlowReturn gst_decodiff_inspect_submit_input_buffer(GstBaseTransform* trans, gboolean is_discont,
                                                              GstBuffer* input) {
  try {
    return inspect_submit_input_buffer_impl(trans, is_discont, input);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(trans, STREAM, FAILED, ("decodiffinspect: %s", decodiff::error_text(e).c_str()),
                      (NULL));
    return GST_FLOW_ERROR;
  }
}

static GstFlowReturn gst_decodiff_inspect_generate_output(GstBaseTransform* trans, GstBuffer** outbuf) {
  try {
    return inspect_generate_output_impl(trans, outbuf);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(trans, STREAM, FAILED, ("decodiffinspect: %s", decodiff::error_text(e).c_str()),
                      (NULL));
    return GST_FLOW_ERROR;
  }
}

static void gst_decodiff_inspect_class_init(GstDecodiffInspectClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  GstVideoFilterClass* filter_class = GST_VIDEO_FILTER_CLASS(klass);
  const GParamFlags rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const GParamFlags ready = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY);
  const GParamFlags playing = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_PLAYING);

  gobject_class->set_property = gst_decodiff_inspect_set_property;
  gobject_class->get_property = gst_decodiff_inspect_get_property;
  gobject_class->finalize = gst_decodiff_inspect_finalize;

  g_object_class_install_property(
      gobject_class, PROP_MODEL,
      g_param_spec_string("model", "Model", "Model file (.safetensors, see docs/model-format.md). Required",
                          NULL, ready));
  g_object_class_install_property(
      gobject_class, PROP_DEVICE,
      g_param_spec_string(
          "device", "Device",
          "Where the engine runs: auto (cuda:0 when a GPU is usable, else cpu), cpu, cuda, cuda:N. "
          "An unavailable device is an error, never a silent fallback",
          DEFAULT_DEVICE, ready));
  g_object_class_install_property(
      gobject_class, PROP_PRECISION,
      g_param_spec_string("precision", "Precision",
                          "Engine arithmetic: fp32, fp16 or bf16 (fp16/bf16 on GPU)", DEFAULT_PRECISION,
                          ready));
  g_object_class_install_property(
      gobject_class, PROP_CLASS,
      g_param_spec_string(
          "class", "Class",
          "Object class the model inspects, by name (e.g. bottle) or id; unset = the model's class 0", NULL,
          ready));
  g_object_class_install_property(
      gobject_class, PROP_STEPS,
      g_param_spec_int("steps", "Reverse steps",
                       "Deviation-correction steps (0 = the model's default; legal: divisors giving an exact "
                       "respacing of the model's schedule, e.g. 2, 3, 4, 5, 10)",
                       0, 1000, DEFAULT_STEPS, ready));
  g_object_class_install_property(
      gobject_class, PROP_THRESHOLD,
      g_param_spec_double(
          "threshold", "Threshold",
          "Anomaly threshold on the score and on the map (regions). -1 = the model's calibrated "
          "image threshold, or 0.5 when the model has none",
          -1.0, 1.0, DEFAULT_THRESHOLD, playing));
  g_object_class_install_property(
      gobject_class, PROP_OVERLAY,
      g_param_spec_enum("overlay", "Overlay", "What to draw on the outgoing frames",
                        gst_decodiff_overlay_get_type(), DEFAULT_OVERLAY, playing));
  g_object_class_install_property(gobject_class, PROP_OVERLAY_ALPHA,
                                  g_param_spec_double("overlay-alpha", "Overlay alpha",
                                                      "Opacity of the heatmap (0 = invisible, 1 = opaque)",
                                                      0.0, 1.0, DEFAULT_OVERLAY_ALPHA, playing));
  g_object_class_install_property(
      gobject_class, PROP_MODE,
      g_param_spec_enum("mode", "Mode",
                        "sync: every due frame is inspected before it is pushed (deterministic); live: never "
                        "blocks upstream (at most one frame period), results may be stale",
                        gst_decodiff_mode_get_type(), DEFAULT_MODE, ready));
  g_object_class_install_property(
      gobject_class, PROP_INTERVAL,
      g_param_spec_uint("interval", "Interval",
                        "Inspect every Nth frame (frames 0, N, 2N...); the others carry the latest result, "
                        "marked stale",
                        1, G_MAXUINT, DEFAULT_INTERVAL, playing));
  g_object_class_install_property(
      gobject_class, PROP_BATCH_SIZE,
      g_param_spec_uint(
          "batch-size", "Batch size",
          "sync mode: frames inspected per engine call (adds (batch-size - 1) x interval frames "
          "of latency; a partial batch is flushed at EOS and before events)",
          1, 256, DEFAULT_BATCH_SIZE, ready));
  g_object_class_install_property(
      gobject_class, PROP_MESSAGE,
      g_param_spec_enum("message", "Bus messages",
                        "When to post the \"decodiff-inspect\" element message (fields frame, pts, score, "
                        "anomalous, threshold, class, class-id, latency-ms, regions)",
                        gst_decodiff_message_get_type(), DEFAULT_MESSAGE, playing));
  g_object_class_install_property(
      gobject_class, PROP_RESULTS_LOCATION,
      g_param_spec_string(
          "results-location", "Results location",
          "JSON-lines file with one object per inspected frame (truncated at start; flushed per "
          "line); unset = none",
          NULL, ready));
  g_object_class_install_property(
      gobject_class, PROP_ROI,
      g_param_spec_string("roi", "Region of interest",
                          "Inspected region \"x,y,width,height\" in frame pixels; unset = the whole frame. "
                          "It is resized and cropped as the model requires; results are in frame coordinates",
                          NULL, ready));
  g_object_class_install_property(
      gobject_class, PROP_MAX_CONSECUTIVE_ERRORS,
      g_param_spec_uint("max-consecutive-errors", "Max consecutive errors",
                        "Inspections in a row whose score or map is not finite (each one reported anomalous, "
                        "with a warning) after which the element posts an error and stops the stream; "
                        "0 = never stop",
                        0, G_MAXUINT, DEFAULT_MAX_CONSECUTIVE_ERRORS, playing));
  g_object_class_install_property(
      gobject_class, PROP_MODEL_INSTANCE_ID,
      g_param_spec_string("model-instance-id", "Model instance id",
                          "Elements with the same id in one process share one loaded engine (same model and "
                          "device required); unset = a private engine",
                          NULL, ready));

  gst_element_class_set_static_metadata(element_class, "DeCo-Diff anomaly inspection",
                                        "Filter/Analyzer/Video",
                                        "Detects visual anomalies with DeCo-Diff: attaches a "
                                        "GstDecodiffMeta, anomaly ROI metas, bus messages, a "
                                        "JSON-lines log and an optional heatmap overlay",
                                        "decodiff developers");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR(gst_decodiff_inspect_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_decodiff_inspect_stop);
  trans_class->submit_input_buffer = GST_DEBUG_FUNCPTR(gst_decodiff_inspect_submit_input_buffer);
  trans_class->generate_output = GST_DEBUG_FUNCPTR(gst_decodiff_inspect_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_decodiff_inspect_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR(gst_decodiff_inspect_query);
  filter_class->set_info = GST_DEBUG_FUNCPTR(gst_decodiff_inspect_set_info);

  gst_type_mark_as_plugin_api(gst_decodiff_overlay_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(gst_decodiff_mode_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(gst_decodiff_message_get_type(), static_cast<GstPluginAPIFlags>(0));
}

static void gst_decodiff_inspect_init(GstDecodiffInspect* self) {
  self->model = NULL;
  self->device = g_strdup(DEFAULT_DEVICE);
  self->precision = g_strdup(DEFAULT_PRECISION);
  self->class_ = NULL;
  self->steps = DEFAULT_STEPS;
  self->threshold = DEFAULT_THRESHOLD;
  self->overlay = DEFAULT_OVERLAY;
  self->overlay_alpha = DEFAULT_OVERLAY_ALPHA;
  self->mode = DEFAULT_MODE;
  self->interval = DEFAULT_INTERVAL;
  self->batch_size = DEFAULT_BATCH_SIZE;
  self->message = DEFAULT_MESSAGE;
  self->results_location = NULL;
  self->roi = NULL;
  self->model_instance_id = NULL;
  self->max_consecutive_errors = DEFAULT_MAX_CONSECUTIVE_ERRORS;
  self->started = FALSE;
  self->state = NULL;
  gst_base_transform_set_qos_enabled(GST_BASE_TRANSFORM(self), TRUE);
}
