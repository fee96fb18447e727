/**
 * SECTION:element-decodiffinspect
 * @title: decodiffinspect
 * @short_description: DeCo-Diff visual anomaly inspection of raw video
 *
 * decodiffinspect runs a DeCo-Diff model (a diffusion model that corrects
 * deviations from normality in an autoencoder's latent space) on video
 * frames, on a GPU through LibTorch or on the CPU. Each inspected frame gets a
 * #GstDecodiffMeta (score, verdict, threshold, class, anomaly map, regions),
 * one #GstVideoRegionOfInterestMeta ("anomaly") per anomalous region, an
 * optional heatmap or contour overlay, a "decodiff-inspect" element message
 * on the bus and a line in the JSON-lines file of #GstDecodiffInspect:results-location.
 *
 * In sync mode (the default) every due frame is inspected before it leaves,
 * in order: replays and tests give the same results every time. In live mode
 * frames never wait for more than one frame period; the newest frame is
 * inspected while the others carry the most recent result, marked stale.
 *
 * A missing or damaged model, an unknown class, an unavailable device or a
 * malformed setting stops the element at start with one error; a result that
 * cannot be written, or #GstDecodiffInspect:max-consecutive-errors failed
 * inspections in a row, stop the stream with an error. Frames are never
 * passed as normal when they were not inspected properly.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=line.avi ! decodebin ! videoconvert ! \
 *     decodiffinspect model=decodiff-default.safetensors class=nut-line \
 *     results-location=results.jsonl ! videoconvert ! autovideosink
 * ]| Inspects every frame of a recorded video, shows the heatmap and writes
 * one JSON line per frame.
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! \
 *     decodiffinspect model=model.safetensors mode=live roi=160,80,320,320 \
 *     overlay=contour message=all ! videoconvert ! autovideosink
 * ]| Inspects the newest frame of a live camera inside a fixed region, never
 * slowing the camera down, and posts a bus message for every inspected frame.
 *
 * The element is a thin adapter: this file holds its properties and the
 * GStreamer vfuncs; what happens between start() and stop() is an
 * InspectSession (inspect_session.h), when frames are inspected is an
 * InspectionScheduler (inspection_scheduler.h), and the numerics are the
 * engine's (core/). See docs/element.md.
 */
#include "gstdecodiffinspect.h"

#include <memory>
#include <string>

#include "element_settings.h"
#include "error_text.h"
#include "inspect_session.h"
#include "property_guard.h"

GST_DEBUG_CATEGORY(gst_decodiff_inspect_debug);
#define GST_CAT_DEFAULT gst_decodiff_inspect_debug

using decodiff::gst::InspectSession;
using decodiff::gst::RuntimeSettings;
using decodiff::gst::StartSettings;

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
  guint max_batch_wait;
  GstDecodiffMessage message;
  gchar* results_location;
  gchar* roi;
  gchar* model_instance_id;
  gchar* roi_types;
  gchar* class_map;
  guint max_consecutive_errors;
  gboolean started; /* between start() and stop(): settings fixed at start are refused */

  InspectSession* session; /* between start() and stop() */
  GMutex session_lock;     /* held to take the session away (stop) or to ask it for a changeover */
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
  PROP_ROI_TYPES,
  PROP_CLASS_MAP,
  PROP_REGIONS_SKIPPED,
  PROP_MAX_BATCH_WAIT,
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
#define DEFAULT_MAX_BATCH_WAIT 0
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
/* settings snapshots                                                         */

static std::string text_or(const gchar* value, const char* fallback) { return value ? value : fallback; }

/* The settings fixed from start() on; marks the element started (under the
 * same lock, so a concurrent set_property is either in or refused). */
static StartSettings take_start_settings(GstDecodiffInspect* self) {
  StartSettings s;
  gchar* name = gst_element_get_name(self);
  s.element_name = text_or(name, "");
  g_free(name);
  GST_OBJECT_LOCK(self);
  s.model = text_or(self->model, "");
  s.device = text_or(self->device, DEFAULT_DEVICE);
  s.precision = text_or(self->precision, DEFAULT_PRECISION);
  s.class_name = text_or(self->class_, "");
  s.steps = self->steps;
  s.results_location = text_or(self->results_location, "");
  s.roi = text_or(self->roi, "");
  s.model_instance_id = text_or(self->model_instance_id, "");
  s.roi_types = text_or(self->roi_types, "");
  s.class_map = text_or(self->class_map, "");
  s.mode = self->mode;
  s.batch_size = self->batch_size;
  s.max_batch_wait_ms = self->max_batch_wait;
  self->started = TRUE;
  GST_OBJECT_UNLOCK(self);
  return s;
}

static RuntimeSettings runtime_settings(GstDecodiffInspect* self) {
  RuntimeSettings s;
  GST_OBJECT_LOCK(self);
  s.threshold = self->threshold;
  s.overlay = self->overlay;
  s.overlay_alpha = self->overlay_alpha;
  s.message = self->message;
  s.interval = self->interval;
  s.max_consecutive_errors = self->max_consecutive_errors;
  GST_OBJECT_UNLOCK(self);
  return s;
}

/* ------------------------------------------------------------------------ */
/* GstBaseTransform / GstVideoFilter vfuncs                                  */

static gboolean inspect_stop_impl(GstDecodiffInspect* self) {
  gboolean ok = TRUE;
  g_mutex_lock(&self->session_lock);
  std::unique_ptr<InspectSession> session(self->session);
  self->session = NULL;
  g_mutex_unlock(&self->session_lock);
  if (session) ok = session->close_results();
  GST_OBJECT_LOCK(self);
  self->started = FALSE;
  GST_OBJECT_UNLOCK(self);
  return ok;
}

static gboolean inspect_start_impl(GstDecodiffInspect* self) {
  inspect_stop_impl(self);
  const StartSettings settings = take_start_settings(self);
  auto session =
      InspectSession::start(GST_ELEMENT(self), settings, [self] { return runtime_settings(self); });
  if (!session) return FALSE;
  g_mutex_lock(&self->session_lock);
  self->session = session.release();
  g_mutex_unlock(&self->session_lock);
  return TRUE;
}

static GstFlowReturn inspect_submit_input_buffer_impl(GstDecodiffInspect* self, gboolean is_discont,
                                                      GstBuffer* input) {
  GstBaseTransform* trans = GST_BASE_TRANSFORM(self);
  InspectSession* session = self->session;
  if (!session) {
    gst_buffer_unref(input);
    return GST_FLOW_FLUSHING;
  }
  if (session->failed()) { /* an error was posted (lost results, too many failed inspections) */
    gst_buffer_unref(input);
    return GST_FLOW_ERROR;
  }
  const guint64 frame = session->arrive(input);
  /* the parent does QoS (drops late buffers) and stores the buffer in queued_buf */
  GstFlowReturn ret = GST_BASE_TRANSFORM_CLASS(gst_decodiff_inspect_parent_class)
                          ->submit_input_buffer(trans, is_discont, input);
  if (ret != GST_FLOW_OK || trans->queued_buf == NULL) return ret;
  GstBuffer* buffer = trans->queued_buf;
  trans->queued_buf = NULL;
  return session->submit(buffer, frame);
}

/* Pushes everything held back (a partial batch) downstream, in order. */
static GstFlowReturn drain(GstDecodiffInspect* self) {
  InspectSession* session = self->session;
  if (!session) return GST_FLOW_OK;
  GstFlowReturn ret = session->flush();
  while (GstBuffer* out = session->next_output()) {
    GstFlowReturn r = gst_pad_push(GST_BASE_TRANSFORM_SRC_PAD(self), out);
    if (ret == GST_FLOW_OK) ret = r;
  }
  return ret;
}

static gboolean inspect_sink_event_impl(GstDecodiffInspect* self, GstEvent* event) {
  InspectSession* session = self->session;
  if (session) {
    if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP)
      session->discard();
    else if (GST_EVENT_IS_SERIALIZED(event))
      drain(self); /* keep buffers and serialized events in order */
    /* a lost result must be an error before the application sees EOS */
    if (GST_EVENT_TYPE(event) == GST_EVENT_EOS && !session->sync_results()) {
      gst_event_unref(event);
      return FALSE;
    }
  }
  return GST_BASE_TRANSFORM_CLASS(gst_decodiff_inspect_parent_class)
      ->sink_event(GST_BASE_TRANSFORM(self), event);
}

static gboolean gst_decodiff_inspect_query(GstBaseTransform* trans, GstPadDirection direction,
                                           GstQuery* query) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(trans);
  if (direction == GST_PAD_SRC && GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
    if (!gst_pad_peer_query(GST_BASE_TRANSFORM_SINK_PAD(trans), query)) return FALSE;
    gboolean live;
    GstClockTime min, max;
    gst_query_parse_latency(query, &live, &min, &max);
    GstClockTime ours = self->session ? self->session->added_latency() : 0;
    GST_DEBUG_OBJECT(self, "adding latency %" GST_TIME_FORMAT, GST_TIME_ARGS(ours));
    min += ours;
    if (GST_CLOCK_TIME_IS_VALID(max)) max += ours;
    gst_query_set_latency(query, live, min, max);
    return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS(gst_decodiff_inspect_parent_class)->query(trans, direction, query);
}

/* The vfuncs GStreamer calls: no C++ exception may cross into C frames. */
static gboolean gst_decodiff_inspect_start(GstBaseTransform* trans) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(trans);
  gboolean ok = FALSE;
  try {
    ok = inspect_start_impl(self);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(trans, LIBRARY, INIT,
                      ("decodiffinspect failed to start: %s", decodiff::error_text(e).c_str()), (NULL));
  }
  if (!ok) {
    GST_OBJECT_LOCK(trans);
    self->started = FALSE;
    GST_OBJECT_UNLOCK(trans);
  }
  return ok;
}

static gboolean gst_decodiff_inspect_stop(GstBaseTransform* trans) {
  try {
    return inspect_stop_impl(GST_DECODIFF_INSPECT(trans));
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(trans, LIBRARY, SHUTDOWN, ("decodiffinspect: %s", decodiff::error_text(e).c_str()),
                      (NULL));
    return FALSE;
  }
}

static gboolean gst_decodiff_inspect_set_info(GstVideoFilter* filter, GstCaps* incaps, GstVideoInfo* in_info,
                                              GstCaps* outcaps, GstVideoInfo* out_info) {
  (void)incaps;
  (void)outcaps;
  (void)out_info;
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(filter);
  try {
    return self->session && self->session->set_format(*in_info);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(filter, CORE, NEGOTIATION, ("decodiffinspect: %s", decodiff::error_text(e).c_str()),
                      (NULL));
    return FALSE;
  }
}

static GstFlowReturn gst_decodiff_inspect_submit_input_buffer(GstBaseTransform* trans, gboolean is_discont,
                                                              GstBuffer* input) {
  try {
    return inspect_submit_input_buffer_impl(GST_DECODIFF_INSPECT(trans), is_discont, input);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(trans, STREAM, FAILED, ("decodiffinspect: %s", decodiff::error_text(e).c_str()),
                      (NULL));
    return GST_FLOW_ERROR;
  }
}

static GstFlowReturn gst_decodiff_inspect_generate_output(GstBaseTransform* trans, GstBuffer** outbuf) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(trans);
  *outbuf = NULL;
  try {
    if (self->session) *outbuf = self->session->next_output();
    return GST_FLOW_OK;
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(trans, STREAM, FAILED, ("decodiffinspect: %s", decodiff::error_text(e).c_str()),
                      (NULL));
    return GST_FLOW_ERROR;
  }
}

static gboolean gst_decodiff_inspect_sink_event(GstBaseTransform* trans, GstEvent* event) {
  try {
    return inspect_sink_event_impl(GST_DECODIFF_INSPECT(trans), event);
  } catch (const std::exception& e) { /* thrown before the event was handed on */
    GST_ELEMENT_ERROR(trans, STREAM, FAILED, ("decodiffinspect: %s", decodiff::error_text(e).c_str()),
                      (NULL));
    gst_event_unref(event);
    return FALSE;
  }
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                   */

static void set_string(GstDecodiffInspect* self, gchar** field, const GValue* value) {
  GST_OBJECT_LOCK(self);
  g_free(*field);
  *field = g_value_dup_string(value);
  GST_OBJECT_UNLOCK(self);
}

/* class, roi or model set while the element runs: a changeover at the next
 * frame (InspectSession::request_change). A value that cannot work is refused
 * with one warning and the value in use stays; a model that fails to load in
 * the background is put back the same way. */
static void change_over(GstDecodiffInspect* self, GParamSpec* pspec, gchar** field, const GValue* value) {
  const std::string wanted = text_or(g_value_get_string(value), "");
  GST_OBJECT_LOCK(self);
  std::string model = text_or(self->model, ""), klass = text_or(self->class_, ""),
              roi = text_or(self->roi, "");
  GST_OBJECT_UNLOCK(self);
  const std::string in_use = model;
  if (field == &self->model) model = wanted;
  if (field == &self->class_) klass = wanted;
  if (field == &self->roi) roi = wanted;
  std::string problem = model.empty() ? "an element that runs needs a model" : "";
  if (problem.empty()) {
    auto restore_model = [self, in_use] {
      GST_OBJECT_LOCK(self);
      g_free(self->model);
      self->model = g_strdup(in_use.c_str());
      GST_OBJECT_UNLOCK(self);
    };
    g_mutex_lock(&self->session_lock);
    if (self->session) problem = self->session->request_change(model, klass, roi, restore_model);
    g_mutex_unlock(&self->session_lock);
  }
  if (!problem.empty()) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                        ("Cannot change \"%s\" to \"%s\" while the element runs: %s. The value in use stays",
                         pspec->name, wanted.c_str(), problem.c_str()),
                        (NULL));
    return;
  }
  set_string(self, field, value);
}

static void gst_decodiff_inspect_set_property(GObject* object, guint prop_id, const GValue* value,
                                              GParamSpec* pspec) {
  GstDecodiffInspect* self = GST_DECODIFF_INSPECT(object);
  GST_OBJECT_LOCK(self);
  const gboolean running = self->started;
  GST_OBJECT_UNLOCK(self);
  if (gst_decodiff_refuse_while_running(GST_ELEMENT(self), pspec, running)) return;
  if (running && (prop_id == PROP_MODEL || prop_id == PROP_CLASS || prop_id == PROP_ROI)) {
    change_over(self, pspec,
                prop_id == PROP_MODEL   ? &self->model
                : prop_id == PROP_CLASS ? &self->class_
                                        : &self->roi,
                value);
    return;
  }
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
    case PROP_ROI_TYPES: /* checked at start(), with the other settings */
      set_string(self, &self->roi_types, value);
      break;
    case PROP_CLASS_MAP:
      set_string(self, &self->class_map, value);
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
        case PROP_MAX_BATCH_WAIT:
          self->max_batch_wait = g_value_get_uint(value);
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
  if (prop_id == PROP_REGIONS_SKIPPED) {
    g_mutex_lock(&self->session_lock);
    g_value_set_uint64(value, self->session ? self->session->regions_skipped() : 0);
    g_mutex_unlock(&self->session_lock);
    return;
  }
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
    case PROP_MAX_BATCH_WAIT:
      g_value_set_uint(value, self->max_batch_wait);
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
    case PROP_ROI_TYPES:
      g_value_set_string(value, self->roi_types);
      break;
    case PROP_CLASS_MAP:
      g_value_set_string(value, self->class_map);
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
  g_free(self->roi_types);
  g_free(self->class_map);
  g_mutex_clear(&self->session_lock);
  G_OBJECT_CLASS(gst_decodiff_inspect_parent_class)->finalize(object);
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

  /**
   * GstDecodiffInspect:model:
   *
   * The model file: one .safetensors file with the networks, their
   * configuration, the calibrated thresholds and a fingerprint that is
   * checked at load (docs/model-format.md). Required. Set while playing, the
   * new model loads in the background and takes over at a frame boundary
   * (a "decodiff-changeover" message says at which frame); frames keep
   * flowing on the old one until then, and a model that fails to load is
   * refused with one warning (the old one stays).
   */
  g_object_class_install_property(
      gobject_class, PROP_MODEL,
      g_param_spec_string("model", "Model", "Model file (.safetensors, see docs/model-format.md). Required",
                          NULL, playing));
  /**
   * GstDecodiffInspect:device:
   *
   * Where the engine runs: auto (cuda:0 when a GPU is usable, else cpu), cpu,
   * cuda or cuda:N. An unavailable device stops the element at start; it
   * never falls back to another one silently.
   */
  g_object_class_install_property(
      gobject_class, PROP_DEVICE,
      g_param_spec_string(
          "device", "Device",
          "Where the engine runs: auto (cuda:0 when a GPU is usable, else cpu), cpu, cuda, cuda:N. "
          "An unavailable device is an error, never a silent fallback",
          DEFAULT_DEVICE, ready));
  /**
   * GstDecodiffInspect:precision:
   *
   * The engine's arithmetic: fp32, fp16 or bf16 (the reduced ones for GPUs).
   */
  g_object_class_install_property(
      gobject_class, PROP_PRECISION,
      g_param_spec_string("precision", "Precision",
                          "Engine arithmetic: fp32, fp16 or bf16 (fp16/bf16 on GPU)", DEFAULT_PRECISION,
                          ready));
  /**
   * GstDecodiffInspect:class:
   *
   * The object class the model inspects, by name or by id. Unset: the model's
   * class 0. An unknown class stops the element at start, naming the classes
   * the model has. Set while playing, it takes effect at the next frame (an
   * unknown class is then refused with one warning).
   */
  g_object_class_install_property(
      gobject_class, PROP_CLASS,
      g_param_spec_string(
          "class", "Class",
          "Object class the model inspects, by name (e.g. bottle) or id; unset = the model's class 0", NULL,
          playing));
  /**
   * GstDecodiffInspect:steps:
   *
   * Reverse (deviation-correction) steps; 0 is the model's default. Legal
   * values respace the model's schedule exactly (e.g. 2, 3, 4, 5, 10 for a
   * 10-step schedule); another value stops the element at start.
   */
  g_object_class_install_property(
      gobject_class, PROP_STEPS,
      g_param_spec_int("steps", "Reverse steps",
                       "Deviation-correction steps (0 = the model's default; legal: divisors giving an exact "
                       "respacing of the model's schedule, e.g. 2, 3, 4, 5, 10)",
                       0, 1000, DEFAULT_STEPS, ready));
  /**
   * GstDecodiffInspect:threshold:
   *
   * The anomaly threshold on the score (the verdict) and on the map (the
   * regions). -1 uses the model's calibrated threshold for the class, or 0.5
   * when the model has none. May change while playing.
   */
  g_object_class_install_property(
      gobject_class, PROP_THRESHOLD,
      g_param_spec_double(
          "threshold", "Threshold",
          "Anomaly threshold on the score and on the map (regions). -1 = the model's calibrated "
          "image threshold, or 0.5 when the model has none",
          -1.0, 1.0, DEFAULT_THRESHOLD, playing));
  /**
   * GstDecodiffInspect:overlay:
   *
   * What is drawn on the outgoing frames: nothing, the heatmap with region
   * boxes, or the contour of the anomalous area; always with the score.
   * May change while playing.
   */
  g_object_class_install_property(
      gobject_class, PROP_OVERLAY,
      g_param_spec_enum("overlay", "Overlay", "What to draw on the outgoing frames",
                        gst_decodiff_overlay_get_type(), DEFAULT_OVERLAY, playing));
  /**
   * GstDecodiffInspect:overlay-alpha:
   *
   * Opacity of the heatmap (0 invisible, 1 opaque). May change while playing.
   */
  g_object_class_install_property(gobject_class, PROP_OVERLAY_ALPHA,
                                  g_param_spec_double("overlay-alpha", "Overlay alpha",
                                                      "Opacity of the heatmap (0 = invisible, 1 = opaque)",
                                                      0.0, 1.0, DEFAULT_OVERLAY_ALPHA, playing));
  /**
   * GstDecodiffInspect:mode:
   *
   * sync: every due frame is inspected before it is pushed, in order
   * (deterministic: replay and tests). live: frames wait at most one frame
   * period; the newest is inspected, the others carry the latest result,
   * marked stale.
   */
  g_object_class_install_property(
      gobject_class, PROP_MODE,
      g_param_spec_enum("mode", "Mode",
                        "sync: every due frame is inspected before it is pushed (deterministic); live: never "
                        "blocks upstream (at most one frame period), results may be stale",
                        gst_decodiff_mode_get_type(), DEFAULT_MODE, ready));
  /**
   * GstDecodiffInspect:interval:
   *
   * Inspect every Nth frame (frames 0, N, 2N, ...); the others carry the
   * latest result, marked stale. May change while playing.
   */
  g_object_class_install_property(
      gobject_class, PROP_INTERVAL,
      g_param_spec_uint("interval", "Interval",
                        "Inspect every Nth frame (frames 0, N, 2N...); the others carry the latest result, "
                        "marked stale",
                        1, G_MAXUINT, DEFAULT_INTERVAL, playing));
  /**
   * GstDecodiffInspect:batch-size:
   *
   * sync mode: due frames per engine call. Adds (batch-size - 1) x interval
   * frames of latency; a partial batch is inspected at EOS and before any
   * serialized event.
   *
   * With #GstDecodiffInspect:model-instance-id set, the frames of every
   * element of the id are batched together: an engine call takes up to
   * batch-size frames from all of them (see
   * #GstDecodiffInspect:max-batch-wait), and each element has at most
   * batch-size frames in flight (in sync mode). The first element of the id
   * sets the shared batch-size.
   */
  g_object_class_install_property(
      gobject_class, PROP_BATCH_SIZE,
      g_param_spec_uint(
          "batch-size", "Batch size",
          "sync mode: frames inspected per engine call (adds (batch-size - 1) x interval frames "
          "of latency; a partial batch is flushed at EOS and before events)",
          1, 256, DEFAULT_BATCH_SIZE, ready));
  /**
   * GstDecodiffInspect:max-batch-wait:
   *
   * With #GstDecodiffInspect:model-instance-id set: how long, in
   * milliseconds, the oldest waiting frame may wait for the shared engine's
   * batch to fill to #GstDecodiffInspect:batch-size before the batch runs
   * with the frames there are. 0: a free engine worker never waits, it takes
   * whatever frames are waiting. A stream that ends or flushes does not wait.
   * The first element of the id sets it for all. No effect without
   * model-instance-id.
   */
  g_object_class_install_property(
      gobject_class, PROP_MAX_BATCH_WAIT,
      g_param_spec_uint(
          "max-batch-wait", "Max batch wait",
          "Shared engine (model-instance-id): milliseconds the oldest frame may wait for a full "
          "batch of batch-size frames from all elements of the id; 0 = never wait",
          0, 60000, DEFAULT_MAX_BATCH_WAIT, ready));
  /**
   * GstDecodiffInspect:message:
   *
   * When the "decodiff-inspect" element message is posted: never, for
   * anomalous frames, or for every inspected frame. May change while playing.
   */
  g_object_class_install_property(
      gobject_class, PROP_MESSAGE,
      g_param_spec_enum("message", "Bus messages",
                        "When to post the \"decodiff-inspect\" element message (fields frame, pts, score, "
                        "anomalous, threshold, class, class-id, latency-ms, regions)",
                        gst_decodiff_message_get_type(), DEFAULT_MESSAGE, playing));
  /**
   * GstDecodiffInspect:results-location:
   *
   * A JSON-lines file with one object per inspected frame, truncated at
   * start and written line by line. A line that cannot be written stops the
   * stream with an error; the file keeps every line written before.
   */
  g_object_class_install_property(
      gobject_class, PROP_RESULTS_LOCATION,
      g_param_spec_string(
          "results-location", "Results location",
          "JSON-lines file with one object per inspected frame (truncated at start; flushed per "
          "line); unset = none",
          NULL, ready));
  /**
   * GstDecodiffInspect:roi:
   *
   * The inspected region "x,y,width,height" in frame pixels, or several
   * "x,y,w,h[@class][:threshold];..." (up to 64, not overlapping), each
   * inspected with its own class and threshold in one engine call per frame;
   * unset is the whole frame. Malformed or out-of-range values stop the
   * element at start; a region outside the negotiated frame is refused at
   * caps time. Set while playing, the regions change at the next frame (bad
   * ones are refused with one warning).
   */
  g_object_class_install_property(
      gobject_class, PROP_ROI,
      g_param_spec_string(
          "roi", "Region of interest",
          "Inspected region \"x,y,width,height\" in frame pixels, or several "
          "\"x,y,w,h[@class][:threshold];...\" (each with its own class and threshold); unset = "
          "the whole frame. Each is resized and cropped as the model requires; results are in "
          "frame coordinates",
          NULL, playing));
  /**
   * GstDecodiffInspect:max-consecutive-errors:
   *
   * Failed inspections (a non-finite score or map; each reported anomalous,
   * with a warning) in a row after which the stream stops with an error.
   * 0 never stops. May change while playing.
   */
  g_object_class_install_property(
      gobject_class, PROP_MAX_CONSECUTIVE_ERRORS,
      g_param_spec_uint("max-consecutive-errors", "Max consecutive errors",
                        "Inspections in a row whose score or map is not finite (each one reported anomalous, "
                        "with a warning) after which the element posts an error and stops the stream; "
                        "0 = never stop",
                        0, G_MAXUINT, DEFAULT_MAX_CONSECUTIVE_ERRORS, playing));
  /**
   * GstDecodiffInspect:model-instance-id:
   *
   * Elements with the same id in one process share one loaded engine (same
   * model file and device required), and their frames go through it in
   * batches across the elements (#GstDecodiffInspect:batch-size,
   * #GstDecodiffInspect:max-batch-wait). Unset: a private engine.
   */
  g_object_class_install_property(
      gobject_class, PROP_MODEL_INSTANCE_ID,
      g_param_spec_string("model-instance-id", "Model instance id",
                          "Elements with the same id in one process share one loaded engine (same model and "
                          "device required); unset = a private engine",
                          NULL, ready));

  /**
   * GstDecodiffInspect:roi-types:
   *
   * Inspect the regions that arrive with each frame instead of fixed ones:
   * every #GstVideoRegionOfInterestMeta whose roi_type is in this
   * comma-separated list (e.g. those of a detector, or of decodiffregions).
   * Each one's class is #GstDecodiffInspect:class-map's, or the type itself
   * when the model has such a class; others are skipped and counted
   * (#GstDecodiffInspect:regions-skipped). The result goes onto the region's
   * meta (a "decodiff" param: score, anomalous, class, threshold) and the
   * anomalies found inside it become "anomaly" metas with that region as
   * parent. Frames without such regions get no result. Excludes roi.
   */
  g_object_class_install_property(
      gobject_class, PROP_ROI_TYPES,
      g_param_spec_string("roi-types", "Upstream region types",
                          "Inspect the incoming region-of-interest metas of these types (comma-separated) "
                          "instead of roi; unset = roi",
                          NULL, ready));
  /**
   * GstDecodiffInspect:class-map:
   *
   * The model class of each upstream region type: "type=class,..." (class by
   * name or id). Checked at start against the model.
   */
  g_object_class_install_property(
      gobject_class, PROP_CLASS_MAP,
      g_param_spec_string("class-map", "Class map",
                          "Model class of each upstream region type: \"bolt=nut,part=capsule\"", NULL,
                          ready));
  /**
   * GstDecodiffInspect:regions-skipped:
   *
   * Upstream regions of a listed type that were not inspected since start:
   * their type names no class of the model, or they lie outside the frame.
   */
  g_object_class_install_property(
      gobject_class, PROP_REGIONS_SKIPPED,
      g_param_spec_uint64(
          "regions-skipped", "Regions skipped",
          "Upstream regions of a listed type not inspected since start (no class, outside the "
          "frame)",
          0, G_MAXUINT64, 0, static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

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
  self->max_batch_wait = DEFAULT_MAX_BATCH_WAIT;
  self->message = DEFAULT_MESSAGE;
  self->results_location = NULL;
  self->roi = NULL;
  self->model_instance_id = NULL;
  self->roi_types = NULL;
  self->class_map = NULL;
  self->max_consecutive_errors = DEFAULT_MAX_CONSECUTIVE_ERRORS;
  self->started = FALSE;
  self->session = NULL;
  g_mutex_init(&self->session_lock);
  gst_base_transform_set_qos_enabled(GST_BASE_TRANSFORM(self), TRUE);
}
