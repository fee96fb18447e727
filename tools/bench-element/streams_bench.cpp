#include "streams_bench.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "bench_stats.h"
#include "engine.h"
#include "error_text.h"

namespace decodiff::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Frames with structure (gradients and hashed noise), different per stream.
std::vector<uint8_t> frame_pixels(int width, int height, int stream, int number) {
  std::vector<uint8_t> px(static_cast<size_t>(width) * height * 3);
  uint32_t state = 2654435761u * static_cast<uint32_t>(stream * 1000 + number + 1);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      state = state * 1664525u + 1013904223u;
      const int noise = static_cast<int>(state >> 28);
      uint8_t* p = &px[(static_cast<size_t>(y) * width + x) * 3];
      p[0] = static_cast<uint8_t>((x * 255 / width + number * 7 + noise) & 255);
      p[1] = static_cast<uint8_t>((y * 255 / height + stream * 40 + noise) & 255);
      p[2] = static_cast<uint8_t>(((x + y) / 4 + noise) & 255);
    }
  return px;
}

struct RoundResult {
  double frames_per_s = 0;
  std::vector<double> latency_ms;  // every frame of every stream
};

// One round: `streams` appsrc ! decodiffinspect ! fakesink branches in one
// pipeline, every stream's frames pushed at once; timed until EOS.
RoundResult run_round(const StreamsBenchOptions& o, int streams, bool shared, const std::string& scratch) {
  std::string desc;
  std::vector<std::string> results;
  for (int s = 0; s < streams; ++s) {
    results.push_back(scratch + "-" + std::to_string(s) + ".jsonl");
    desc += "appsrc name=src" + std::to_string(s) +
            " format=time is-live=false max-bytes=0 caps=video/x-raw,format=RGB,width=" +
            std::to_string(o.width) + ",height=" + std::to_string(o.height) +
            ",framerate=30/1 ! decodiffinspect model=\"" + o.model + "\" device=" + o.device +
            " class=" + o.klass + " mode=sync overlay=none message=none results-location=\"" +
            results.back() + "\"" +
            (shared ? " model-instance-id=bench-streams batch-size=" + std::to_string(o.batch) +
                          " max-batch-wait=" + std::to_string(o.max_batch_wait)
                    : std::string()) +
            " ! fakesink sync=false async=false ";
  }
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &err);
  if (!pipeline || err) {
    const std::string what = err ? err->message : "could not build the pipeline";
    if (err) g_error_free(err);
    throw std::runtime_error(what);
  }
  GstBus* bus = gst_element_get_bus(pipeline);
  auto finish = [&] {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
  };
  if (gst_element_set_state(pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    finish();
    throw std::runtime_error("the pipeline did not start (model loading failed?)");
  }
  gst_element_get_state(pipeline, nullptr, nullptr, GST_CLOCK_TIME_NONE);  // models loaded
  std::vector<std::vector<GstBuffer*>> buffers(static_cast<size_t>(streams));
  for (int s = 0; s < streams; ++s)
    for (int f = 0; f < o.frames; ++f) {
      const auto px = frame_pixels(o.width, o.height, s, f);
      GstBuffer* b = gst_buffer_new_allocate(nullptr, px.size(), nullptr);
      gst_buffer_fill(b, 0, px.data(), px.size());
      GST_BUFFER_PTS(b) = gst_util_uint64_scale(static_cast<guint64>(f), GST_SECOND, 30);
      GST_BUFFER_DURATION(b) = GST_SECOND / 30;
      buffers[static_cast<size_t>(s)].push_back(b);
    }
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  const Clock::time_point t0 = Clock::now();
  for (int s = 0; s < streams; ++s) {
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), ("src" + std::to_string(s)).c_str());
    for (GstBuffer* b : buffers[static_cast<size_t>(s)]) gst_app_src_push_buffer(GST_APP_SRC(src), b);
    gst_app_src_end_of_stream(GST_APP_SRC(src));
    gst_object_unref(src);
  }
  GstMessage* msg = gst_bus_timed_pop_filtered(
      bus, 600 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::string error = !msg ? "timeout" : GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR ? "pipeline error" : "";
  if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError* e = nullptr;
    gst_message_parse_error(msg, &e, nullptr);
    if (e) error += std::string(": ") + e->message, g_error_free(e);
  }
  if (msg) gst_message_unref(msg);
  finish();
  if (!error.empty()) throw std::runtime_error(error);

  RoundResult r;
  r.frames_per_s = streams * o.frames / seconds;
  for (const std::string& path : results) {
    std::ifstream in(path);
    std::string line;
    int lines = 0;
    while (std::getline(in, line)) {
      r.latency_ms.push_back(nlohmann::json::parse(line).at("latency_ms").get<double>());
      ++lines;
    }
    std::remove(path.c_str());
    if (lines != o.frames)
      throw std::runtime_error(path + ": " + std::to_string(lines) + " results, not " +
                               std::to_string(o.frames));
  }
  return r;
}

// One engine call on `batch` frames, alone (median of three after a warm-up).
double batched_call_ms(const StreamsBenchOptions& o) {
  auto engine = Engine::load(o.model, EngineOptions{o.device, Precision::kFloat32});
  std::vector<std::vector<uint8_t>> frames;
  std::vector<InspectRequest> requests;
  for (int i = 0; i < o.batch; ++i) frames.push_back(frame_pixels(o.width, o.height, i, 0));
  for (const auto& f : frames)
    requests.push_back(
        InspectRequest{color_view(f.data(), o.width, o.height, int64_t{o.width} * 3, 3, 0, 1, 2),
                       engine->resolve_class(o.klass),
                       {}});
  std::vector<double> ms;
  for (int i = 0; i < 4; ++i) {
    const Clock::time_point t0 = Clock::now();
    engine->inspect(requests);
    if (i > 0) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return Stats::of(ms).median;
}

double median_of(std::vector<double> v) { return Stats::of(std::move(v)).median; }

}  // namespace

int bench_streams(const StreamsBenchOptions& o) {
  try {
    const std::string scratch = std::string(g_get_tmp_dir()) + "/decodiff-bench-streams-" +
                                std::to_string(static_cast<long>(getpid()));
    const double call_ms = batched_call_ms(o);
    std::cout << std::fixed << std::setprecision(1) << "frames " << o.width << "x" << o.height << ", device "
              << o.device << ", LibTorch threads per call " << at::get_num_threads() << ", " << o.frames
              << " frames per stream, median of " << o.rounds << " rounds\n"
              << "one engine call on " << o.batch << " frames, alone: " << call_ms << " ms\n"
              << "streams  set-up                       frames/s  latency p50 ms  p95 ms\n";
    nlohmann::json cases = nlohmann::json::array();
    for (int n : o.streams) {
      std::vector<double> fps[2], p50[2], p95[2];
      for (int r = 0; r < o.rounds; ++r)
        for (int shared = 0; shared < 2; ++shared) {
          RoundResult rr = run_round(o, n, shared == 1, scratch);
          const Stats st = Stats::of(rr.latency_ms);
          fps[shared].push_back(rr.frames_per_s);
          p50[shared].push_back(st.median);
          p95[shared].push_back(st.p95);
        }
      for (int shared = 0; shared < 2; ++shared) {
        const std::string label = shared ? "one engine, batch " + std::to_string(o.batch) + ", wait " +
                                               std::to_string(o.max_batch_wait) + " ms"
                                         : "private engines";
        std::cout << std::setw(7) << n << "  " << std::left << std::setw(29) << label << std::right
                  << std::setw(8) << median_of(fps[shared]) << std::setw(16) << median_of(p50[shared])
                  << std::setw(8) << median_of(p95[shared]) << "\n";
        cases.push_back({{"streams", n},
                         {"shared", shared == 1},
                         {"frames_per_s", fps[shared]},
                         {"latency_p50_ms", p50[shared]},
                         {"latency_p95_ms", p95[shared]},
                         {"median_frames_per_s", median_of(fps[shared])},
                         {"median_latency_p50_ms", median_of(p50[shared])},
                         {"median_latency_p95_ms", median_of(p95[shared])}});
      }
      std::cout << std::flush;
    }
    if (!o.json_out.empty()) {
      nlohmann::json j = {{"model", o.model},
                          {"device", o.device},
                          {"width", o.width},
                          {"height", o.height},
                          {"frames", o.frames},
                          {"rounds", o.rounds},
                          {"batch", o.batch},
                          {"max_batch_wait_ms", o.max_batch_wait},
                          {"threads", at::get_num_threads()},
                          {"batched_call_ms", call_ms},
                          {"cases", cases}};
      std::ofstream(o.json_out) << j.dump(2) << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "decodiff-bench-element: error: " << error_text(e) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace decodiff::bench
