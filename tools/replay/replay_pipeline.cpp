#include "replay_pipeline.h"

#include <gst/app/gstappsink.h>
#include <gst/decodiff/decodiffmeta.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "progress.h"

namespace decodiff::replay {
namespace {

std::string pop_error(GstBus* bus) {
  GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  if (!msg) return "";
  GError* err = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(msg, &err, &debug);
  std::string text = err ? err->message : "unknown error";
  if (GST_MESSAGE_SRC(msg)) text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " + text;
  if (err) g_error_free(err);
  g_free(debug);
  gst_message_unref(msg);
  return text;
}

// Owns the pipeline: stopped and released on every path out.
struct Pipeline {
  GstElement* pipeline = nullptr;
  GstBus* bus = nullptr;
  ~Pipeline() {
    if (pipeline) gst_element_set_state(pipeline, GST_STATE_NULL);
    if (bus) gst_object_unref(bus);
    if (pipeline) gst_object_unref(pipeline);
  }
  GstElement* get(const char* name) const { return gst_bin_get_by_name(GST_BIN(pipeline), name); }
};

}  // namespace

void ensure_element_available() {
  GstElementFactory* f = gst_element_factory_find("decodiffinspect");
  if (!f) {  // not installed and no GST_PLUGIN_PATH: the plugin of this build tree
    gst_registry_scan_path(gst_registry_get(), DECODIFF_PLUGIN_DIR);
    f = gst_element_factory_find("decodiffinspect");
  }
  if (!f)
    throw std::runtime_error(
        "the GStreamer element decodiffinspect is not available (install the plugin, "
        "or set GST_PLUGIN_PATH to the folder holding libgstdecodiff.so)");
  gst_object_unref(f);
}

PipelineRun run_pipeline(const std::string& video, const std::string& results_path,
                         const PipelineSettings& settings, int expected_frames,
                         const std::string& progress_label,
                         const std::function<void(const InspectedFrame&)>& on_frame) {
  GError* err = nullptr;
  Pipeline p;
  std::string description =
      "filesrc name=src ! decodebin ! videoconvert ! video/x-raw,format=RGB ! "
      "decodiffinspect name=inspect mode=sync message=none ! ";
  if (settings.annotated.empty()) {
    description += "appsink name=sink sync=false max-buffers=4 drop=false";
  } else {
    GstElementFactory* x264 = gst_element_factory_find("x264enc");
    const std::string encoder =
        x264 ? "x264enc speed-preset=veryfast tune=zerolatency bitrate=4000" : "avenc_mpeg4 bitrate=4000000";
    if (x264) gst_object_unref(x264);
    description +=
        "tee name=t t. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! "
        "appsink name=sink sync=false max-buffers=4 drop=false "
        "t. ! queue ! videoconvert ! video/x-raw,format=I420 ! " +
        encoder + " ! mp4mux ! filesink name=annotated";
  }
  p.pipeline = gst_parse_launch(description.c_str(), &err);
  if (!p.pipeline) {
    const std::string why = err ? err->message : "unknown error";
    if (err) g_error_free(err);
    throw std::runtime_error("cannot build the pipeline: " + why);
  }
  p.bus = gst_element_get_bus(p.pipeline);
  GstElement* src = p.get("src");
  GstElement* inspect = p.get("inspect");
  GstElement* sink = p.get("sink");
  g_object_set(src, "location", video.c_str(), NULL);
  g_object_set(inspect, "model", settings.model.c_str(), "device", settings.device.c_str(),
               "results-location", results_path.c_str(), NULL);
  if (!settings.class_name.empty()) g_object_set(inspect, "class", settings.class_name.c_str(), NULL);
  if (!settings.roi.empty()) g_object_set(inspect, "roi", settings.roi.c_str(), NULL);
  g_object_set(inspect, "interval", static_cast<guint>(settings.interval), NULL);
  gst_util_set_object_arg(G_OBJECT(inspect), "overlay", settings.annotated.empty() ? "none" : "heatmap");
  if (!settings.annotated.empty()) {
    GstElement* file = p.get("annotated");
    g_object_set(file, "location", settings.annotated.c_str(), NULL);
    gst_object_unref(file);
  }
  if (settings.threshold) g_object_set(inspect, "threshold", *settings.threshold, NULL);
  gst_object_unref(src);
  gst_object_unref(inspect);

  const auto start = std::chrono::steady_clock::now();
  ProgressBar progress(progress_label);
  progress.set_total(expected_frames);
  if (gst_element_set_state(p.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    const std::string why = pop_error(p.bus);
    gst_object_unref(sink);
    throw std::runtime_error(why.empty() ? "the pipeline did not start" : why);
  }
  PipelineRun run;
  std::string error;
  while (true) {
    GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 100 * GST_MSECOND);
    if (!sample) {
      error = pop_error(p.bus);
      if (!error.empty() || gst_app_sink_is_eos(GST_APP_SINK(sink))) break;
      continue;
    }
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    GstVideoInfo info;
    GstDecodiffMeta* meta = buffer ? gst_buffer_get_decodiff_meta(buffer) : nullptr;
    if (meta && gst_video_info_from_caps(&info, gst_sample_get_caps(sample))) {
      InspectedFrame f;
      f.frame = static_cast<int>(meta->frame_number);
      f.score = meta->score;
      if (!meta->painted && meta->map_data && meta->map_width > 0 && meta->map_height > 0) {
        f.map = cv::Mat(meta->map_height, meta->map_width, CV_32FC1, meta->map_data);
        f.map_rect =
            cv::Rect(meta->map_frame_x, meta->map_frame_y, meta->map_frame_width, meta->map_frame_height);
      }
      f.rgb = [&]() {
        GstVideoFrame vf;
        cv::Mat copy;
        if (gst_video_frame_map(&vf, &info, buffer, GST_MAP_READ)) {
          cv::Mat(GST_VIDEO_INFO_HEIGHT(&info), GST_VIDEO_INFO_WIDTH(&info), CV_8UC3,
                  GST_VIDEO_FRAME_PLANE_DATA(&vf, 0), GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0))
              .copyTo(copy);
          gst_video_frame_unmap(&vf);
        }
        return copy;
      };
      on_frame(f);
    }
    gst_sample_unref(sample);
    ++run.frames;
    progress.update(run.frames);
  }
  gst_object_unref(sink);
  if (error.empty() && !settings.annotated.empty()) {
    // the encoder branch finishes after the appsink: wait for the pipeline's own EOS
    GstMessage* msg = gst_bus_timed_pop_filtered(
        p.bus, 120 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    if (!msg) {
      error = "the annotated video was not finished within 120 s";
    } else {
      if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        gst_bus_post(p.bus, gst_message_ref(msg));
        error = pop_error(p.bus);
      }
      gst_message_unref(msg);
    }
  }
  progress.finish(run.frames);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!error.empty()) throw std::runtime_error(error);
  return run;
}

}  // namespace decodiff::replay
