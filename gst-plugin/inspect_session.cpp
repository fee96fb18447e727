#include "inspect_session.h"

#include <gst/decodiff/decodiffmeta.h>

#include <gst/video/gstvideometa.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <stdexcept>

#include "error_text.h"
#include "inspection_hook.h"
#include "overlay.h"
#include "property_parsing.h"
#include "result_publishing.h"
#include "shared_batches.h"

GST_DEBUG_CATEGORY_EXTERN(gst_decodiff_inspect_debug);
#define GST_CAT_DEFAULT gst_decodiff_inspect_debug

namespace decodiff::gst {
namespace {

// Every text setting, checked at once: all malformed values in one line
// ("" when all are fine).
std::string invalid_settings(const StartSettings& s, Parsed<std::vector<RegionSetting>>& roi,
                             Parsed<std::string>& device, Parsed<std::string>& precision) {
  std::string invalid;
  auto note = [&invalid](const std::string& problem) {
    if (!problem.empty()) invalid += (invalid.empty() ? "" : "; ") + problem;
  };
  roi = parse_regions(s.roi);
  note(roi.error);
  device = parse_device(s.device);
  note(device.error);
  precision = parse_precision(s.precision);
  note(precision.error);
  if (!s.class_name.empty()) note(parse_class(s.class_name).error);
  if (!s.roi_types.empty()) {
    note(parse_roi_types(s.roi_types).error);
    if (!s.roi.empty()) note("roi and roi-types exclude each other (fixed regions, or the upstream ones)");
  } else if (!s.class_map.empty()) {
    note("class-map applies to roi-types: set roi-types too");
  }
  note(parse_class_map(s.class_map).error);
  return invalid;
}

}  // namespace

InspectSession::InspectSession(GstElement* element, const StartSettings& settings,
                               RuntimeSettingsSource runtime)
    : element_(element), settings_(settings), runtime_(std::move(runtime)) {}

InspectSession::~InspectSession() {
  if (loader_.joinable()) loader_.join();  // a model still loading: its result is dropped
  scheduler_.reset();                      // the worker next: it may be publishing
  held_.clear();
}

std::unique_ptr<InspectSession> InspectSession::start(GstElement* element, const StartSettings& settings,
                                                      RuntimeSettingsSource runtime) {
  GstElement* self = element;
  if (settings.model.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                      ("No model: set the \"model\" property to a .safetensors model file"), (NULL));
    return nullptr;
  }
  Parsed<std::vector<RegionSetting>> roi;
  Parsed<std::string> device, precision;
  const std::string invalid = invalid_settings(settings, roi, device, precision);
  if (!invalid.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Invalid settings: %s", invalid.c_str()), (NULL));
    return nullptr;
  }
  std::unique_ptr<InspectSession> session(new InspectSession(element, settings, std::move(runtime)));

  InspectorOptions& options = session->inspector_options_;
  options.model = settings.model;
  options.device = device.value;
  options.precision = precision.value;
  options.instance_id = settings.model_instance_id;
  bool loaded = false;
  std::shared_ptr<Inspector> inspector;
  try {
    inspector = Inspector::open(options, &loaded);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                      ("Cannot load model %s on device %s: %s", options.model.c_str(), options.device.c_str(),
                       error_text(e).c_str()),
                      (NULL));
    return nullptr;
  }
  if (loaded) {
    GST_INFO_OBJECT(self, "loaded model %s on %s", options.model.c_str(), inspector->device_name().c_str());
    for (const std::string& warning : inspector->load_warnings())
      GST_ELEMENT_WARNING(self, RESOURCE, OPEN_READ, ("%s", warning.c_str()), (NULL));
  } else {
    GST_INFO_OBJECT(self, "sharing the engine of model-instance-id %s", options.instance_id.c_str());
  }

  try {
    session->plan_ = make_plan(inspector, settings.model, settings.class_name, settings.roi);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (NULL));
    return nullptr;
  }
  session->newest_ = session->plan_;
  if (!settings.roi_types.empty()) {
    session->upstream_types_ = parse_roi_types(settings.roi_types).value;
    session->class_map_ = parse_class_map(settings.class_map).value;
    for (const auto& [type, klass] : session->class_map_) {
      try {
        inspector->resolve_class(klass);
      } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                          ("class-map %s=%s: %s", type.c_str(), klass.c_str(), e.what()), (NULL));
        return nullptr;
      }
    }
  }
  try {
    inspector->check_steps(settings.steps);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Invalid steps %d: %s", settings.steps, e.what()), (NULL));
    return nullptr;
  }
  if (!settings.results_location.empty()) {
    try {
      session->results_.open(settings.results_location);
    } catch (const std::exception& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("%s", e.what()), (NULL));
      return nullptr;
    }
  }
  const bool live = settings.mode == GST_DECODIFF_MODE_LIVE;
  for (const InspectionTarget& t : session->plan_->targets)
    GST_INFO_OBJECT(self, "region %d,%d,%d,%d: class %s (%d), calibrated threshold %.4f", t.rect.x, t.rect.y,
                    t.rect.width, t.rect.height, t.class_name.c_str(), t.class_id, t.calibrated_threshold);
  GST_INFO_OBJECT(self, "steps %d, mode %s", settings.steps, live ? "live" : "sync");

  InspectSession* s = session.get();
  SchedulerCallbacks callbacks;
  callbacks.inspect = [s](const std::vector<FrameTicket>& frames) { return s->inspect(frames); };
  callbacks.decide = [s](FrameInspections&& inspections, const FrameTicket& frame) {
    return s->decide(std::move(inspections), frame);
  };
  callbacks.publish = [s](const Result& result) { return s->publish(result); };
  callbacks.on_error = [element](const std::string& message) {
    GST_ELEMENT_ERROR(element, STREAM, FAILED, ("inspection failed: %s", message.c_str()), (NULL));
  };
  SharedEngine shared;
  if (!settings.model_instance_id.empty()) {
    // One engine, many cameras: this element's frames are batched with those
    // of the other elements of the id (docs/element.md, "Several cameras on one engine").
    BatchOptions wanted;
    wanted.batch_size = settings.batch_size;
    wanted.max_wait = std::chrono::milliseconds(settings.max_batch_wait_ms);
    wanted.workers = inspector->parallel_calls();
    bool created = false;
    shared.batches = shared_batches(settings.model_instance_id, wanted, &created);
    shared.steps = settings.steps;
    const BatchOptions& used = shared.batches->options();
    GST_INFO_OBJECT(self,
                    "%s the batches of model-instance-id %s: batch-size %u, max-batch-wait %u ms, %u workers",
                    created ? "made" : "joined", settings.model_instance_id.c_str(), used.batch_size,
                    static_cast<unsigned>(used.max_wait.count()), used.workers);
    if (!created && (used.batch_size != wanted.batch_size || used.max_wait != wanted.max_wait))
      GST_ELEMENT_WARNING(
          self, RESOURCE, SETTINGS,
          ("batch-size %u / max-batch-wait %u ms differ from those of model-instance-id %s (%u / "
           "%u ms, set by the first element to start), which apply to its batches",
           wanted.batch_size, settings.max_batch_wait_ms, settings.model_instance_id.c_str(), used.batch_size,
           static_cast<unsigned>(used.max_wait.count())),
          (NULL));
    callbacks.received = [s](FrameInspections& inspections, const FrameTicket& frame) {
      s->received(inspections, frame);
    };
  }
  session->scheduler_ =
      std::make_unique<InspectionScheduler>(live ? SchedulingMode::kLive : SchedulingMode::kSync,
                                            settings.batch_size, std::move(callbacks), std::move(shared));
  return session;
}

bool InspectSession::set_format(const GstVideoInfo& info) {
  GstElement* self = element_;
  try {
    format_ = std::make_shared<const FrameFormat>(info);
  } catch (const std::exception& e) {
    format_.reset();
    GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("%s", e.what()), (NULL));
    return false;
  }
  const int w = format_->width(), h = format_->height();
  const std::string misfit = plan_fit_error(*plan_, w, h);
  if (!misfit.empty()) {
    // upstream retries the caps several times: one error is enough
    if (!roi_error_posted_) GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("%s", misfit.c_str()), (NULL));
    roi_error_posted_ = true;
    format_.reset();
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(change_mutex_);
    frame_width_ = w, frame_height_ = h;
  }
  if (GST_VIDEO_INFO_FPS_N(&info) > 0 && GST_VIDEO_INFO_FPS_D(&info) > 0)
    frame_duration_ =
        gst_util_uint64_scale_int(GST_SECOND, GST_VIDEO_INFO_FPS_D(&info), GST_VIDEO_INFO_FPS_N(&info));
  else
    frame_duration_ = GST_CLOCK_TIME_NONE;
  GST_DEBUG_OBJECT(self, "negotiated %s %dx%d", gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info)), w,
                   h);
  return true;
}

std::string InspectSession::request_change(const std::string& model, const std::string& class_setting,
                                           const std::string& roi_setting,
                                           std::function<void()> restore_model) {
  std::unique_lock<std::mutex> lock(change_mutex_);
  const std::shared_ptr<const InspectionPlan> base = newest_;
  const int w = frame_width_, h = frame_height_;
  lock.unlock();
  auto fits = [w, h](const InspectionPlan& plan) {
    return w > 0 ? plan_fit_error(plan, w, h) : std::string();
  };
  if (model == base->model) {
    std::shared_ptr<const InspectionPlan> plan;
    try {
      plan = make_plan(base->inspector, model, class_setting, roi_setting);
    } catch (const std::exception& e) {
      return e.what();
    }
    if (const std::string misfit = fits(*plan); !misfit.empty()) return misfit;
    lock.lock();
    pending_ = newest_ = plan;
    return "";
  }
  // A new model: loaded beside the one in use, which keeps inspecting.
  if (loader_.joinable()) loader_.join();  // one load at a time
  InspectorOptions options = inspector_options_;
  options.model = model;
  options.instance_id.clear();  // a private engine: other elements keep the shared one
  loader_ = std::thread([this, options, class_setting, roi_setting, fits, restore_model] {
    std::string problem;
    std::shared_ptr<const InspectionPlan> plan;
    try {
      auto inspector = Inspector::open(options);
      inspector->check_steps(settings_.steps);
      plan = make_plan(inspector, options.model, class_setting, roi_setting);
      problem = fits(*plan);
    } catch (const std::exception& e) {
      problem = error_text(e);
    }
    if (problem.empty()) {
      std::lock_guard<std::mutex> guard(change_mutex_);
      pending_ = newest_ = plan;
      return;
    }
    GST_ELEMENT_WARNING(element_, RESOURCE, OPEN_READ,
                        ("Cannot change over to model %s: %s; the model in use stays", options.model.c_str(),
                         problem.c_str()),
                        (NULL));
    restore_model();
  });
  return "";
}

bool InspectSession::failed() const { return scheduler_->failed(); }

GstClockTime InspectSession::added_latency() const {
  const RuntimeSettings rt = runtime_();
  const GstClockTime frame = GST_CLOCK_TIME_IS_VALID(frame_duration_) ? frame_duration_ : 0;
  if (settings_.mode == GST_DECODIFF_MODE_LIVE) return frame;
  return static_cast<GstClockTime>(latency_.median_ms() * GST_MSECOND) +
         frame * static_cast<guint64>(settings_.batch_size - 1) * rt.interval;
}

/* A frame painted by another decodiffinspect upstream would be inspected
 * with that element's heatmap on it: warned once per start (docs/element.md,
 * "Several elements in a row"). */
void InspectSession::warn_if_painted_upstream(GstBuffer* input) {
  if (chain_warned_) return;
  gpointer iter = NULL;
  while (GstDecodiffMeta* m = gst_buffer_iterate_decodiff_meta(input, &iter)) {
    if (!m->painted) continue;
    const char* other = m->producer ? m->producer : "(unnamed)";
    const char* name = settings_.element_name.c_str();
    GST_ELEMENT_WARNING(element_, STREAM, FORMAT,
                        ("decodiffinspect \"%s\" receives frames painted by decodiffinspect \"%s\" (its "
                         "overlay is on the pixels): \"%s\" inspects the painted pixels, so its scores are "
                         "wrong. Set overlay=none on \"%s\" (its results stay in the metas)",
                         name, other, name, other),
                        (NULL));
    chain_warned_ = true;
    return;
  }
}

/* The frame's own plan in upstream mode: one target per region meta of a
 * listed type (its class from class-map, or the type itself when the model
 * has such a class), clipped to the frame. */
std::shared_ptr<const InspectionPlan> InspectSession::upstream_plan(GstBuffer* buffer) {
  auto plan = std::make_shared<InspectionPlan>(*plan_);
  plan->targets.clear();
  plan->upstream = true;
  const Rect frame{0, 0, format_->width(), format_->height()};
  gpointer state = NULL;
  while (GstMeta* m =
             gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) {
    const auto* roi = reinterpret_cast<const GstVideoRegionOfInterestMeta*>(m);
    const std::string type = g_quark_to_string(roi->roi_type);
    if (std::find(upstream_types_.begin(), upstream_types_.end(), type) == upstream_types_.end()) continue;
    std::string klass = type;
    for (const auto& [from, to] : class_map_)
      if (from == type) klass = to;
    // Clipped to the frame (the meta's fields are unsigned: clamped into int first).
    auto clamp = [](guint v) { return static_cast<int>(std::min<guint>(v, INT_MAX)); };
    const Rect rect = intersect(Rect{clamp(roi->x), clamp(roi->y), clamp(roi->w), clamp(roi->h)}, frame);
    InspectionTarget t;
    try {
      t = make_target(*plan->inspector, klass, rect);
    } catch (const std::invalid_argument&) {
      ++regions_skipped_;
      if (std::find(unknown_types_warned_.begin(), unknown_types_warned_.end(), type) ==
          unknown_types_warned_.end()) {
        unknown_types_warned_.push_back(type);
        GST_ELEMENT_WARNING(
            element_, STREAM, FORMAT,
            ("Regions of type \"%s\" are skipped: the model has no class \"%s\" (map the type "
             "to a class with class-map)",
             type.c_str(), klass.c_str()),
            (NULL));
      }
      continue;
    }
    if (rect.empty()) {
      ++regions_skipped_;
      continue;
    }
    t.source_roi_id = roi->id;
    plan->targets.push_back(t);
  }
  return plan;
}

uint64_t InspectSession::arrive(GstBuffer* input) {
  warn_if_painted_upstream(input);
  return next_frame_++;
}

GstFlowReturn InspectSession::submit(GstBuffer* buffer, uint64_t number) {
  if (scheduler_->failed() || !format_) {  // an error was posted (lost results, failed inspections, caps)
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  std::shared_ptr<const InspectionPlan> changed;
  {
    std::lock_guard<std::mutex> lock(change_mutex_);
    changed.swap(pending_);
  }
  if (changed) {  // a changeover: from this frame on
    plan_ = changed;
    GST_INFO_OBJECT(element_, "changeover at frame %" G_GUINT64_FORMAT ": model %s, class \"%s\", roi \"%s\"",
                    (guint64)number, plan_->model.c_str(), plan_->class_setting.c_str(),
                    plan_->roi_setting.c_str());
    gst_element_post_message(
        element_, gst_message_new_element(
                      GST_OBJECT(element_),
                      gst_structure_new("decodiff-changeover", "frame", G_TYPE_UINT64, (guint64)number,
                                        "model", G_TYPE_STRING, plan_->model.c_str(), "class", G_TYPE_STRING,
                                        plan_->class_setting.c_str(), "roi", G_TYPE_STRING,
                                        plan_->roi_setting.c_str(), NULL)));
  }
  const RuntimeSettings rt = runtime_();
  FrameTicket ticket;
  ticket.plan = upstream_types_.empty() ? plan_ : upstream_plan(buffer);
  ticket.number = number;
  ticket.pts = GST_BUFFER_PTS(buffer);
  ticket.due = number % rt.interval == 0;

  auto frame = std::make_unique<MappedFrame>(buffer, format_, rt.overlay != GST_DECODIFF_OVERLAY_NONE);
  if (scheduler_->wants_pixels(ticket.due)) {
    ticket.pixels = frame->pixels();
    if (!ticket.pixels.data && scheduler_->mode() == SchedulingMode::kSync) {
      GST_ELEMENT_ERROR(element_, STREAM, FAILED,
                        ("inspection failed: cannot map frame %" G_GUINT64_FORMAT " for reading", number),
                        (NULL));
      return GST_FLOW_ERROR;
    }
  }
  held_.push_back(std::move(frame));
  const std::chrono::nanoseconds wait(GST_CLOCK_TIME_IS_VALID(frame_duration_) ? frame_duration_ : 0);
  if (!scheduler_->submit(ticket, wait)) {
    // live: the frame was not taken; sync: it stays held until stop() or a flush
    if (scheduler_->mode() == SchedulingMode::kLive) held_.pop_back();
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

GstFlowReturn InspectSession::flush() { return scheduler_->flush() ? GST_FLOW_OK : GST_FLOW_ERROR; }

void InspectSession::discard() {
  scheduler_->discard();
  held_.clear();
}

GstBuffer* InspectSession::next_output() {
  std::optional<Decision> decision = scheduler_->pop();
  if (!decision) return nullptr;
  std::unique_ptr<MappedFrame> frame = std::move(held_.front());
  held_.pop_front();
  return decorate(std::move(frame), *decision);
}

/* Attaches the result's metas to the buffer and draws the overlay. */
GstBuffer* InspectSession::decorate(std::unique_ptr<MappedFrame> frame, const Decision& decision) {
  const std::shared_ptr<const Result> r =
      decision.result && !decision.result->nothing_inspected ? decision.result : nullptr;
  const RuntimeSettings rt = runtime_();
  bool painted = false;
  if (r && rt.overlay != GST_DECODIFF_OVERLAY_NONE) {
    const OverlayKind kind =
        rt.overlay == GST_DECODIFF_OVERLAY_HEATMAP ? OverlayKind::kHeatmap : OverlayKind::kContour;
    const bool stale = r->frame_number != decision.number;
    const float alpha = static_cast<float>(rt.overlay_alpha);
    painted =
        frame->paint([&](const MutableImageView& canvas) { draw_overlay(canvas, *r, kind, alpha, stale); });
    if (!painted)
      GST_WARNING_OBJECT(element_, "cannot map frame %" G_GUINT64_FORMAT " for writing; no overlay",
                         (guint64)decision.number);
  }
  GstBuffer* buffer = gst_buffer_make_writable(frame->release());
  if (!r) return buffer;  // live mode before the first inspection completes
  GstDecodiffMeta* meta = attach_result_metas(buffer, *r, decision.number, settings_.element_name);
  meta->painted = painted;
  return buffer;
}

std::vector<FrameInspections> InspectSession::inspect(const std::vector<FrameTicket>& frames) {
  std::vector<FrameInspections> out(frames.size());
  // One engine call for every region of every frame; frames on both sides of a
  // model changeover go to their own engines.
  for (size_t first = 0; first < frames.size();) {
    const std::shared_ptr<Inspector>& inspector = frames[first].plan->inspector;
    size_t end = first;
    std::vector<InspectRequest> requests;
    for (; end < frames.size() && frames[end].plan->inspector == inspector; ++end)
      for (const InspectionTarget& t : frames[end].plan->targets)
        requests.push_back(InspectRequest{frames[end].pixels, t.class_id, t.rect});
    std::vector<Inspection> flat;
    try {
      if (!requests.empty()) flat = inspector->inspect(requests, settings_.steps);
    } catch (const std::exception& e) {
      throw std::runtime_error(error_text(e));  // one line, without LibTorch's backtrace
    }
    if (flat.size() != requests.size()) throw std::runtime_error("the engine returned a result per region");
    if (!flat.empty() && latency_.record(flat.front().latency_ms))
      gst_element_post_message(element_, gst_message_new_latency(GST_OBJECT(element_)));
    size_t k = 0;
    for (size_t i = first; i < end; ++i) {
      for (size_t t = 0; t < frames[i].plan->targets.size(); ++t) {
        run_inspection_hook(flat[k], frames[i].number);
        out[i].push_back(std::move(flat[k++]));
      }
    }
    first = end;
  }
  return out;
}

/* A frame's inspections back from the shared engine's batch (any thread):
 * the test hook, and the latency (the wait for the batch included). */
void InspectSession::received(FrameInspections& inspections, const FrameTicket& frame) {
  if (!inspections.empty() && latency_.record(inspections.front().latency_ms))
    gst_element_post_message(element_, gst_message_new_latency(GST_OBJECT(element_)));
  for (Inspection& i : inspections) run_inspection_hook(i, frame.number);
}

/* The element's verdict on one inspected frame (any thread). */
std::shared_ptr<const Result> InspectSession::decide(FrameInspections&& inspections,
                                                     const FrameTicket& frame) {
  const RuntimeSettings rt = runtime_();
  auto result = std::make_shared<Result>();
  result->frame_number = frame.number;
  result->pts = frame.pts;
  result->frame_width = frame.pixels.width;
  result->frame_height = frame.pixels.height;
  std::vector<Verdict> verdicts(inspections.size());
  for (size_t k = 0; k < inspections.size(); ++k) {
    const InspectionTarget& t = frame.plan->targets[k];
    verdicts[k].inspection = std::move(inspections[k]);
    verdicts[k].class_name = t.class_name;
    verdicts[k].source_roi_id = t.source_roi_id;
    const double threshold = t.threshold >= 0    ? t.threshold
                             : rt.threshold >= 0 ? rt.threshold
                                                 : t.calibrated_threshold;
    gst::decide(verdicts[k], static_cast<float>(threshold));
  }
  if (frame.plan->upstream && verdicts.empty()) {
    result->nothing_inspected = true;
  } else if (verdicts.size() == 1 && !frame.plan->upstream) {
    static_cast<Verdict&>(*result) = std::move(verdicts.front());
  } else {
    result->inspections = std::move(verdicts);
    sum_up(*result);
  }
  return result;
}

/* The JSONL line and bus message of one result (any thread, one at a time).
 * False when an error was posted and the stream must stop: the results could
 * not be written, or too many inspections in a row failed. */
bool InspectSession::publish(const Result& r) {
  if (r.nothing_inspected) return true;
  const RuntimeSettings rt = runtime_();
  GST_LOG_OBJECT(element_,
                 "frame %" G_GUINT64_FORMAT " score %.4f anomalous %d regions %zu latency %.1f ms%s%s",
                 (guint64)r.frame_number, r.inspection.score, r.anomalous, r.regions.size(),
                 r.inspection.latency_ms, r.error.empty() ? "" : " error: ", r.error.c_str());
  if (results_.is_open()) {
    try {
      results_.write(r);
    } catch (const std::exception& e) {
      GST_ELEMENT_ERROR(element_, RESOURCE, WRITE, ("%s", e.what()), (NULL));
      return false;
    }
  }
  const bool keep_going = account(r);
  const bool post =
      rt.message == GST_DECODIFF_MESSAGE_ALL || (rt.message == GST_DECODIFF_MESSAGE_ANOMALIES && r.anomalous);
  if (post)
    gst_element_post_message(element_,
                             gst_message_new_element(GST_OBJECT(element_), new_result_structure(r)));
  return keep_going;
}

/* The fail-safe policy for one inspected frame (docs/element.md, "Errors"):
 * a failed inspection posts a warning; `max-consecutive-errors` of them in a
 * row post an error. False when the stream must stop. */
bool InspectSession::account(const Result& r) {
  if (r.error.empty()) {
    consecutive_errors_ = 0;
    return true;
  }
  const guint limit = runtime_().max_consecutive_errors;
  const guint in_a_row = ++consecutive_errors_;
  GST_ELEMENT_WARNING(
      element_, STREAM, FAILED,
      ("Inspection of frame %" G_GUINT64_FORMAT " failed: %s; the frame is reported anomalous "
       "(%u in a row)",
       (guint64)r.frame_number, r.error.c_str(), in_a_row),
      (NULL));
  if (limit == 0 || in_a_row < limit) return true;
  GST_ELEMENT_ERROR(
      element_, STREAM, FAILED,
      ("%u inspections in a row failed (last: frame %" G_GUINT64_FORMAT ", %s): the model or the "
       "device gives no usable results; stopping (max-consecutive-errors=%u)",
       in_a_row, (guint64)r.frame_number, r.error.c_str(), limit),
      (NULL));
  return false;
}

bool InspectSession::sync_results() {
  try {
    results_.sync();
    return true;
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(element_, RESOURCE, WRITE, ("%s", e.what()), (NULL));
    return false;
  }
}

bool InspectSession::close_results() {
  try {
    results_.close();
    return true;
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(element_, RESOURCE, CLOSE, ("%s", e.what()), (NULL));
    return false;
  }
}

}  // namespace decodiff::gst
