// decodiff-bench-element: what the decodiffinspect element costs on top of the
// bare engine at the same batch (benchmarks/README.md: the target is <= 5 %).
// The same frames go, in alternating rounds, through
// Engine::inspect (with the frame map the element also asks for) and through
// appsrc ! decodiffinspect ! fakesink in sync mode; the medians of the two
// per-frame times and their ratio are printed (and written as JSON).
// With --publish PROPS it measures decodiffpublish instead: frames carrying a
// hand-made GstDecodiffMeta through appsrc ! decodiffpublish PROPS ! fakesink
// against appsrc ! identity ! fakesink, alternating rounds; the difference of
// the medians is the publisher's cost per frame on the streaming thread.
// With --streams 1,2,4 it measures several cameras: private engines against
// one shared engine batching across them (streams_bench.h).
#include <gst/app/gstappsrc.h>
#include <gst/decodiff/decodiffmeta.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <vector>

#include "bench_stats.h"
#include "decodiff_config.h"
#include "engine.h"
#include "error_text.h"
#include "streams_bench.h"

namespace {

using Clock = std::chrono::steady_clock;

double median(const std::vector<double>& v) { return decodiff::bench::Stats::of(v).median; }

// The text of the first error message waiting on the bus, if any.
std::optional<std::string> pop_error_text(GstBus* bus) {
  GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  if (!msg) return std::nullopt;
  GError* err = nullptr;
  gst_message_parse_error(msg, &err, nullptr);
  std::string text = err ? err->message : "unknown error";
  if (err) g_error_free(err);
  gst_message_unref(msg);
  return text;
}

// Deterministic frames with structure (gradients plus hashed noise), so the
// overlay's contours and the encoder see something image-like.
std::vector<std::vector<uint8_t>> make_frames(int count, int width, int height) {
  std::vector<std::vector<uint8_t>> frames(static_cast<size_t>(count));
  uint32_t state = 12345;
  for (int f = 0; f < count; ++f) {
    auto& px = frames[static_cast<size_t>(f)];
    px.resize(static_cast<size_t>(width) * height * 3);
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        state = state * 1664525u + 1013904223u;
        const int noise = static_cast<int>(state >> 28);
        uint8_t* p = &px[(static_cast<size_t>(y) * width + x) * 3];
        p[0] = static_cast<uint8_t>((x * 255 / width + f * 7 + noise) & 255);
        p[1] = static_cast<uint8_t>((y * 255 / height + noise) & 255);
        p[2] = static_cast<uint8_t>(((x + y) / 4 + noise) & 255);
      }
  }
  return frames;
}

// The frames as the element receives them: `format` with GStreamer's strides
// (converted by GstVideoConverter, as videoconvert would), before any clock runs.
std::vector<std::vector<uint8_t>> in_format(const std::vector<std::vector<uint8_t>>& rgb, int width,
                                            int height, GstVideoFormat format) {
  GstVideoInfo packed, out;
  gst_video_info_set_format(&packed, GST_VIDEO_FORMAT_RGB, width, height);
  gst_video_info_set_format(&out, format, width, height);
  // make_frames rows have no padding; GStreamer's RGB rows are rounded up to 4 bytes.
  GstVideoConverter* convert = gst_video_converter_new(&packed, &out, NULL);
  if (!convert)
    throw std::runtime_error(std::string("cannot convert RGB to ") + gst_video_format_to_string(format));
  std::vector<std::vector<uint8_t>> result;
  for (const auto& f : rgb) {
    std::vector<uint8_t> padded(GST_VIDEO_INFO_SIZE(&packed));
    const size_t row = static_cast<size_t>(width) * 3;
    for (int y = 0; y < height; ++y)
      std::memcpy(padded.data() + y * GST_VIDEO_INFO_PLANE_STRIDE(&packed, 0), f.data() + y * row, row);
    std::vector<uint8_t> converted(GST_VIDEO_INFO_SIZE(&out));
    GstBuffer* in_buf = gst_buffer_new_wrapped_full(static_cast<GstMemoryFlags>(0), padded.data(),
                                                    padded.size(), 0, padded.size(), NULL, NULL);
    GstBuffer* out_buf = gst_buffer_new_wrapped_full(static_cast<GstMemoryFlags>(0), converted.data(),
                                                     converted.size(), 0, converted.size(), NULL, NULL);
    GstVideoFrame in_frame, out_frame;
    const bool mapped = gst_video_frame_map(&in_frame, &packed, in_buf, GST_MAP_READ) &&
                        gst_video_frame_map(&out_frame, &out, out_buf, GST_MAP_WRITE);
    if (mapped) {
      gst_video_converter_frame(convert, &in_frame, &out_frame);
      gst_video_frame_unmap(&in_frame);
      gst_video_frame_unmap(&out_frame);
    }
    gst_buffer_unref(in_buf);
    gst_buffer_unref(out_buf);
    if (!mapped) {
      gst_video_converter_free(convert);
      throw std::runtime_error("cannot map a frame for conversion");
    }
    result.push_back(std::move(converted));
  }
  gst_video_converter_free(convert);
  return result;
}

// Counts buffers reaching fakesink.
struct SinkCounter {
  std::mutex mutex;
  std::condition_variable changed;
  int count = 0;
  Clock::time_point last;

  static void on_handoff(GstElement*, GstBuffer*, GstPad*, gpointer self) {
    auto* c = static_cast<SinkCounter*>(self);
    std::lock_guard<std::mutex> lock(c->mutex);
    ++c->count;
    c->last = Clock::now();
    c->changed.notify_all();
  }
  // Waits for `target` buffers in total; false when the pipeline failed first.
  bool wait_for(int target, GstBus* bus) {
    std::unique_lock<std::mutex> lock(mutex);
    while (count < target) {
      if (changed.wait_for(lock, std::chrono::milliseconds(200)) == std::cv_status::timeout) {
        lock.unlock();
        if (auto error = pop_error_text(bus)) {
          std::cerr << "decodiff-bench-element: pipeline error: " << *error << "\n";
          return false;
        }
        lock.lock();
      }
    }
    return true;
  }
};

class ElementPipeline {
 public:
  explicit ElementPipeline(const std::string& description) {
    GError* err = nullptr;
    pipeline_ = gst_parse_launch(description.c_str(), &err);
    if (!pipeline_ || err) {
      const std::string what = err ? err->message : "could not build the pipeline";
      if (err) g_error_free(err);
      throw std::runtime_error(what);
    }
    src_ = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline_), "sink");
    g_signal_connect(sink, "handoff", G_CALLBACK(SinkCounter::on_handoff), &counter_);
    gst_object_unref(sink);
    bus_ = gst_element_get_bus(pipeline_);
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      std::string what = "the pipeline did not start";
      if (auto error = pop_error_text(bus_)) what += ": " + *error;
      cleanup();
      throw std::runtime_error(what);
    }
  }
  ~ElementPipeline() { cleanup(); }

  // Pushes the frames (copied into buffers, and given to `decorate` with
  // their number, before the clock starts) and returns the milliseconds until
  // the last one reached the sink, or < 0.
  double run_round(const std::vector<std::vector<uint8_t>>& frames,
                   const std::function<void(GstBuffer*, int)>& decorate = nullptr) {
    std::vector<GstBuffer*> buffers;
    for (const auto& f : frames) {
      GstBuffer* b = gst_buffer_new_allocate(nullptr, f.size(), nullptr);
      gst_buffer_fill(b, 0, f.data(), f.size());
      GST_BUFFER_PTS(b) = gst_util_uint64_scale(pushed_, GST_SECOND, 30);
      GST_BUFFER_DURATION(b) = GST_SECOND / 30;
      if (decorate) decorate(b, pushed_);
      ++pushed_;
      buffers.push_back(b);
    }
    const int target = pushed_;
    const Clock::time_point t0 = Clock::now();
    for (GstBuffer* b : buffers)
      if (gst_app_src_push_buffer(GST_APP_SRC(src_), b) != GST_FLOW_OK) return -1;
    if (!counter_.wait_for(target, bus_)) return -1;
    std::lock_guard<std::mutex> lock(counter_.mutex);
    return std::chrono::duration<double, std::milli>(counter_.last - t0).count();
  }

 private:
  void cleanup() {
    if (pipeline_) {
      if (src_) gst_app_src_end_of_stream(GST_APP_SRC(src_));
      gst_element_set_state(pipeline_, GST_STATE_NULL);
      if (src_) gst_object_unref(src_);
      if (bus_) gst_object_unref(bus_);
      gst_object_unref(pipeline_);
      pipeline_ = nullptr;
    }
  }
  GstElement* pipeline_ = nullptr;
  GstElement* src_ = nullptr;
  GstBus* bus_ = nullptr;
  SinkCounter counter_;
  int pushed_ = 0;
};

bool element_available(const char* name) {
  GstElementFactory* f = gst_element_factory_find(name);
  if (!f) {
    // Not installed and no GST_PLUGIN_PATH: use the plugin of this build tree.
    gst_registry_scan_path(gst_registry_get(), DECODIFF_PLUGIN_DIR);
    f = gst_element_factory_find(name);
  }
  if (f) gst_object_unref(f);
  return f != nullptr;
}

// What decodiffinspect attaches, made by hand: a map of map_size^2 over the
// frame's centre, anomalous (with one region) on every `anomalous_every`th frame.
void attach_result(GstBuffer* b, int number, int width, int height, int map_size, int anomalous_every) {
  GstDecodiffMeta* m = gst_buffer_add_decodiff_meta(b);
  const bool anomalous = anomalous_every > 0 && number % anomalous_every == 0;
  gst_decodiff_meta_set_producer(m, "inspect0");
  gst_decodiff_meta_set_class_name(m, "nut");
  m->score = anomalous ? 0.8125f : 0.1875f;
  m->anomalous = anomalous;
  m->threshold = 0.5f;
  m->frame_number = m->inspected_frame_number = static_cast<guint64>(number);
  m->inspected_pts = GST_BUFFER_PTS(b);
  m->latency_ms = 12.5;
  std::vector<float> map(static_cast<size_t>(map_size) * map_size);
  for (size_t i = 0; i < map.size(); ++i) map[i] = static_cast<float>(i % 97) / 96.0f;
  gst_decodiff_meta_set_map(m, map_size, map_size, map.data());
  const int side = std::min(width, height);
  m->map_frame_x = (width - side) / 2;
  m->map_frame_y = (height - side) / 2;
  m->map_frame_width = m->map_frame_height = side;
  if (anomalous) {
    const GstDecodiffRegion r{m->map_frame_x + side / 4, m->map_frame_y + side / 4, side / 8, side / 10,
                              0.8125f};
    gst_decodiff_meta_set_regions(m, 1, &r);
  }
}

// --publish: decodiffpublish against identity on the same frames with metas.
int bench_publish(const std::string& props, int width, int height, const std::string& format_name,
                  int frames_per_round, int rounds, int map_size, int anomalous_every,
                  const std::string& json_out) {
  if (!element_available("decodiffpublish")) {
    std::cerr << "decodiff-bench-element: the decodiffpublish element is not found\n";
    return 2;
  }
  const auto frames = in_format(make_frames(frames_per_round, width, height), width, height,
                                gst_video_format_from_string(format_name.c_str()));
  const std::string src =
      "appsrc name=src format=time is-live=false max-bytes=0 caps=video/x-raw,format=" + format_name +
      ",width=" + std::to_string(width) + ",height=" + std::to_string(height) + ",framerate=30/1 ! ";
  const std::string sink = " ! fakesink name=sink signal-handoffs=true sync=false";
  ElementPipeline baseline(src + "identity" + sink), publish(src + "decodiffpublish " + props + sink);
  auto decorate = [&](GstBuffer* b, int n) { attach_result(b, n, width, height, map_size, anomalous_every); };
  std::vector<double> identity_ms, publish_ms;
  for (int r = 0; r < rounds; ++r) {
    const double a = baseline.run_round(frames, decorate), b = publish.run_round(frames, decorate);
    if (a < 0 || b < 0) return 1;
    if (r == 0) continue;  // warm-up
    identity_ms.push_back(a / frames_per_round);
    publish_ms.push_back(b / frames_per_round);
  }
  const double im = median(identity_ms), pm = median(publish_ms);
  std::cout << std::fixed << std::setprecision(1) << "frames " << width << "x" << height << " " << format_name
            << ", map " << map_size << "x" << map_size << ", anomalous every " << anomalous_every << ", "
            << rounds - 1 << " rounds of " << frames_per_round << " frames\n"
            << "decodiffpublish " << props << "\n"
            << "identity        us/frame (median) " << 1000.0 * im << "\n"
            << "decodiffpublish us/frame (median) " << 1000.0 * pm << "\n"
            << "publisher overhead us/frame " << 1000.0 * (pm - im) << "\n";
  if (!json_out.empty()) {
    nlohmann::json j = {{"publish", props},
                        {"width", width},
                        {"height", height},
                        {"format", format_name},
                        {"map", map_size},
                        {"anomalous_every", anomalous_every},
                        {"identity_ms", identity_ms},
                        {"publish_ms", publish_ms},
                        {"identity_median_ms", im},
                        {"publish_median_ms", pm},
                        {"overhead_us", 1000.0 * (pm - im)}};
    std::ofstream(json_out) << j.dump(2) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  CLI::App app{
      "decodiff-bench-element: per-frame time of decodiffinspect (sync mode) against the bare engine on the "
      "same "
      "frames, in alternating rounds; prints the medians and the element's overhead"};
  std::string model = std::string(DECODIFF_SOURCE_DIR) + "/models/default/decodiff-default.safetensors";
  std::string device = "cpu", overlay = "heatmap", klass = "0", format_name = "RGB", json_out;
  int width = 640, height = 480, frames_per_round = 16, rounds = 5, batch = 1, threads = 0;
  app.add_option("--model", model, "model file")->check(CLI::ExistingFile)->capture_default_str();
  app.add_option("--device", device, "cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--class", klass, "class name or id")->capture_default_str();
  app.add_option("--width", width, "frame width")->capture_default_str()->check(CLI::Range(16, 8192));
  app.add_option("--height", height, "frame height")->capture_default_str()->check(CLI::Range(16, 8192));
  app.add_option("--frames", frames_per_round, "frames per round")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--rounds", rounds, "rounds of each (alternating; the first of each is a warm-up)")
      ->capture_default_str()
      ->check(CLI::Range(2, 1000));
  app.add_option("--batch", batch, "engine batch = the element's batch-size")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--overlay", overlay, "the element's overlay: heatmap, contour or none")
      ->capture_default_str();
  app.add_option("--format", format_name,
                 "the frames' format on the element's sink pad (RGB, BGRx, I420, NV12, YUY2, ...); the bare "
                 "engine always gets packed RGB")
      ->capture_default_str();
  app.add_option("--threads", threads, "CPU threads for LibTorch (0 = its default)");
  app.add_option("--json", json_out, "write the results as JSON here");
  std::string publish_props;
  int map_size = 64, anomalous_every = 1;
  app.add_option("--publish", publish_props,
                 "measure decodiffpublish with these properties (e.g. \"method=file location=/tmp/r.jsonl\") "
                 "against identity, on frames carrying a hand-made result, instead of decodiffinspect");
  app.add_option("--map", map_size, "--publish: the results' map size (the model's crop)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--anomalous-every", anomalous_every,
                 "--publish: every Nth frame is anomalous (snapshots); 0 = none")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  std::vector<int> streams;
  int max_batch_wait = 0;
  app.add_option("--streams", streams,
                 "measure several cameras instead (e.g. 1,2,4): N private engines against one shared engine "
                 "(model-instance-id) batching across the N streams with --batch and --max-batch-wait; "
                 "--frames per stream, --rounds of each, alternating")
      ->delimiter(',');
  app.add_option("--max-batch-wait", max_batch_wait, "--streams: the shared engine's max-batch-wait (ms)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  CLI11_PARSE(app, argc, argv);
  if (!streams.empty()) {
    if (!element_available("decodiffinspect")) {
      std::cerr << "decodiff-bench-element: the decodiffinspect element is not found\n";
      return 2;
    }
    if (threads > 0) at::set_num_threads(threads);
    decodiff::bench::StreamsBenchOptions o;
    o.model = model, o.device = device, o.klass = klass, o.width = width, o.height = height;
    o.frames = frames_per_round, o.rounds = rounds, o.streams = streams, o.batch = batch;
    o.max_batch_wait = max_batch_wait, o.json_out = json_out;
    return decodiff::bench::bench_streams(o);
  }
  if (!publish_props.empty()) {
    try {
      return bench_publish(publish_props, width, height, format_name, frames_per_round, rounds, map_size,
                           anomalous_every, json_out);
    } catch (const std::exception& e) {
      std::cerr << "decodiff-bench-element: error: " << e.what() << "\n";
      return 1;
    }
  }
  if (frames_per_round % batch != 0) {
    std::cerr << "decodiff-bench-element: --frames must be a multiple of --batch\n";
    return 2;
  }
  const GstVideoFormat format = gst_video_format_from_string(format_name.c_str());
  if (format == GST_VIDEO_FORMAT_UNKNOWN) {
    std::cerr << "decodiff-bench-element: unknown video format '" << format_name << "'\n";
    return 2;
  }
  if (!element_available("decodiffinspect")) {
    std::cerr << "decodiff-bench-element: the decodiffinspect element is not found (build the plugin or set "
                 "GST_PLUGIN_PATH)\n";
    return 2;
  }

  try {
    using namespace decodiff;
    if (threads > 0) at::set_num_threads(threads);
    auto engine = Engine::load(model, EngineOptions{device, Precision::kFloat32});
    const int class_id = engine->resolve_class(klass);
    const auto frames = make_frames(frames_per_round, width, height);
    std::vector<InspectRequest> requests(frames.size());
    for (size_t i = 0; i < frames.size(); ++i) {
      requests[i].frame =
          decodiff::color_view(frames[i].data(), width, height, int64_t(width) * 3, 3, 0, 1, 2);
      requests[i].class_id = class_id;
    }
    InspectOptions io;
    io.want_frame_map = true;  // as the element asks

    const auto element_frames = in_format(frames, width, height, format);
    const std::string description =
        "appsrc name=src format=time is-live=false max-bytes=0 caps=video/x-raw,format=" + format_name +
        ",width=" + std::to_string(width) + ",height=" + std::to_string(height) +
        ",framerate=30/1 ! decodiffinspect model=\"" + model + "\" device=" + device + " class=" + klass +
        " mode=sync batch-size=" + std::to_string(batch) + " overlay=" + overlay +
        " message=none ! fakesink name=sink signal-handoffs=true sync=false";
    ElementPipeline pipeline(description);

    std::vector<double> engine_ms, element_ms;
    for (int r = 0; r < rounds; ++r) {
      const Clock::time_point t0 = Clock::now();
      for (size_t i = 0; i < requests.size(); i += static_cast<size_t>(batch))
        engine->inspect(std::vector<InspectRequest>(requests.begin() + static_cast<long>(i),
                                                    requests.begin() + static_cast<long>(i) + batch),
                        io);
      const double e =
          std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / frames_per_round;
      const double g = pipeline.run_round(element_frames);
      if (g < 0) return 1;
      std::cerr << "\rround " << r + 1 << "/" << rounds << (r == 0 ? " (warm-up)" : "          ")
                << std::flush;
      if (r == 0) continue;
      engine_ms.push_back(e);
      element_ms.push_back(g / frames_per_round);
    }
    std::cerr << "\r" << std::string(30, ' ') << "\r";
    const double em = median(engine_ms), gm = median(element_ms), overhead = gm / em - 1.0;
    std::cout << std::fixed << std::setprecision(2) << "frames " << width << "x" << height << " "
              << format_name << ", batch " << batch << ", overlay " << overlay << ", device " << device
              << ", " << rounds - 1 << " rounds of " << frames_per_round << " frames\n"
              << "engine   ms/frame (median) " << em << "  frames/s " << 1000.0 / em << "\n"
              << "element  ms/frame (median) " << gm << "  frames/s " << 1000.0 / gm << "\n"
              << "element overhead " << std::setprecision(1) << 100.0 * overhead << " %\n";
    if (!json_out.empty()) {
      nlohmann::json j = {{"model", model},
                          {"device", device},
                          {"width", width},
                          {"height", height},
                          {"format", format_name},
                          {"batch", batch},
                          {"overlay", overlay},
                          {"threads", at::get_num_threads()},
                          {"engine_ms_per_frame", engine_ms},
                          {"element_ms_per_frame", element_ms},
                          {"engine_median_ms", em},
                          {"element_median_ms", gm},
                          {"overhead", overhead}};
      std::ofstream(json_out) << j.dump(2) << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "decodiff-bench-element: error: " << decodiff::error_text(e) << "\n";
    return 1;
  }
  return 0;
}
