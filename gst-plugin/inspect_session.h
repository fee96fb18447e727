// decodiffinspect between start() and stop(): the loaded model, the
// negotiated format, the scheduler and where the results go. The GObject
// code (gstdecodiffinspect.cpp) creates one at start() and forwards its
// vfuncs here; every problem is posted on `element` as one GStreamer error.
#pragma once

#include <gst/video/video.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "element_settings.h"
#include "inspection_plan.h"
#include "inspection_scheduler.h"
#include "inspector.h"
#include "latency_tracker.h"
#include "mapped_frame.h"
#include "results_file.h"

namespace decodiff::gst {

class InspectSession {
 public:
  using RuntimeSettingsSource = std::function<RuntimeSettings()>;

  // Checks every setting (one error names all malformed ones), loads the
  // model (or shares another element's engine), resolves the class and the
  // steps and opens the results file. Null, with one error posted, when any
  // of that fails.
  static std::unique_ptr<InspectSession> start(GstElement* element, const StartSettings& settings,
                                               RuntimeSettingsSource runtime);
  ~InspectSession();  // stops the live worker; drops the frames still held

  // The negotiated caps: the format must be readable and the roi must fit.
  bool set_format(const GstVideoInfo& info);
  // A buffer arrives (before QoS may drop it): its frame number. Warns once
  // when another decodiffinspect has painted it.
  uint64_t arrive(GstBuffer* input);
  // Takes a buffer (one reference) that the base class has let through.
  GstFlowReturn submit(GstBuffer* buffer, uint64_t number);
  // The next buffer whose result is decided, with its metas and overlay;
  // null when none is.
  GstBuffer* next_output();
  // sync: inspects a partial batch, so that every held buffer can leave.
  GstFlowReturn flush();
  // Drops every held buffer (a flushing seek).
  void discard();
  // The end of the stream: the results file is on the disk, or an error is posted.
  bool sync_results();
  // Closes the results file (stop()); false with an error posted when that fails.
  bool close_results();
  // A changeover while playing: class, roi and model as the element's
  // properties now hold them. A new class or roi is checked now (the error
  // is returned, nothing changes); a new model loads in the background and,
  // when it fails, one warning is posted and `restore_model` runs (the old
  // model stays). The change takes effect at the next frame, announced by a
  // "decodiff-changeover" element message. Call without the object lock.
  std::string request_change(const std::string& model, const std::string& class_setting,
                             const std::string& roi_setting, std::function<void()> restore_model);
  // Upstream regions (roi-types) not inspected: their type names no class, or
  // they lie outside the frame.
  uint64_t regions_skipped() const { return regions_skipped_.load(); }
  // True once an error was posted: further buffers are refused.
  bool failed() const;
  // What the element adds to the pipeline's latency (docs/element.md, "Timing").
  GstClockTime added_latency() const;

 private:
  InspectSession(GstElement* element, const StartSettings& settings, RuntimeSettingsSource runtime);
  std::vector<FrameInspections> inspect(const std::vector<FrameTicket>& frames);
  void received(FrameInspections& inspections, const FrameTicket& frame);
  std::shared_ptr<const Result> decide(FrameInspections&& inspections, const FrameTicket& frame);
  bool publish(const Result& result);
  bool account(const Result& result);
  GstBuffer* decorate(std::unique_ptr<MappedFrame> frame, const Decision& decision);
  void warn_if_painted_upstream(GstBuffer* buffer);

  GstElement* element_;
  const StartSettings settings_;
  const RuntimeSettingsSource runtime_;
  InspectorOptions inspector_options_;          // device, precision: a new model loads with the same
  std::shared_ptr<const InspectionPlan> plan_;  // what new frames get (streaming thread)
  // Changeovers (set_property while playing, any thread) wait here for the next frame.
  mutable std::mutex change_mutex_;
  std::shared_ptr<const InspectionPlan> pending_;  // accepted, not yet in use
  std::shared_ptr<const InspectionPlan> newest_;   // the plan the next change builds on
  int frame_width_ = 0, frame_height_ = 0;         // negotiated (0: not yet)
  std::thread loader_;                             // loads a new model in the background
  // Upstream regions (roi-types): the types inspected and the class of each mapped one.
  std::vector<std::string> upstream_types_;
  std::vector<std::pair<std::string, std::string>> class_map_;
  std::vector<std::string> unknown_types_warned_;  // streaming thread
  std::atomic<uint64_t> regions_skipped_{0};
  std::shared_ptr<const InspectionPlan> upstream_plan(GstBuffer* buffer);
  bool roi_error_posted_ = false;  // one error per start, however often caps are retried
  bool chain_warned_ = false;      // painted input from another element: warned once
  std::shared_ptr<const FrameFormat> format_;
  GstClockTime frame_duration_ = GST_CLOCK_TIME_NONE;
  uint64_t next_frame_ = 0;
  unsigned consecutive_errors_ = 0;  // failed inspections in a row (publish(), one thread at a time)
  LatencyTracker latency_;
  ResultsFile results_;
  std::deque<std::unique_ptr<MappedFrame>> held_;   // in arrival order, one per scheduler decision
  std::unique_ptr<InspectionScheduler> scheduler_;  // last: its worker uses everything above
};

}  // namespace decodiff::gst
