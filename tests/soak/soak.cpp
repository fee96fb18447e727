// decodiff-soak: long runs of decodiffinspect in one process, measuring what leaks show as: resident memory
// (VmRSS) and the thread count, after a warm-up and at the end. Run by scripts/soak.sh (not in CI: it takes
// minutes). Phases:
//   sync    N frames, mode=sync, overlay, bus messages and a results file on every frame;
//   live    N frames from a live source, mode=live (frames pass with stale results while the worker runs);
//   cycles  C state cycles (NULL -> PLAYING -> EOS -> NULL) of a pipeline whose two elements share one
//           engine through model-instance-id (the engine is freed and loaded again each cycle).
// Prints one line per phase and exits 1 when RSS grew by more than --max-rss-growth-mb or threads grew.
#include <gst/gst.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct Usage {
  double rss_mb = 0;
  int threads = 0;
};

Usage usage_now() {
  std::ifstream status("/proc/self/status");
  Usage u;
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) u.rss_mb = std::stod(line.substr(6)) / 1024.0;  // kB
    if (line.rfind("Threads:", 0) == 0) u.threads = std::stoi(line.substr(8));
  }
  return u;
}

struct Options {
  std::string model;
  int frames = 10000;
  int warmup_frames = 500;
  int cycles = 200;
  int warmup_cycles = 20;
  int width = 160, height = 120;
  int live_fps = 200;
  int interval = 1;  // the element's interval (sync phase): inspect every N-th frame
  int steps = 0;     // the element's reverse steps; 0 = the model's default
  double max_rss_growth_mb = 5.0;
  std::string phases = "sync,live,cycles";
};

// Counts buffers reaching the sink and samples the usage at the warm-up frame, at the last frame and at
// eight frames evenly in between (printed, so a steady leak shows as a rising series, warm-up as a plateau).
struct FrameProbe {
  static constexpr int kPoints = 10;
  int warmup = 0, last = 0;
  std::atomic<int> seen{0};
  Usage at[kPoints];
  int frame_of(int i) const { return warmup + static_cast<int>(int64_t{last - warmup} * i / (kPoints - 1)); }
};

GstPadProbeReturn on_buffer(GstPad*, GstPadProbeInfo*, gpointer data) {
  auto* p = static_cast<FrameProbe*>(data);
  const int n = ++p->seen;
  for (int i = 0; i < FrameProbe::kPoints; ++i)
    if (n == p->frame_of(i)) p->at[i] = usage_now();
  return GST_PAD_PROBE_OK;
}

// Plays until EOS or error, popping (and dropping) every bus message so none accumulate. False on error.
bool play_to_eos(GstElement* pipeline, std::string* error) {
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    *error = "could not start the pipeline";
  }
  GstBus* bus = gst_element_get_bus(pipeline);
  bool ok = error->empty();
  while (ok) {
    GstMessage* m = gst_bus_timed_pop(bus, GST_CLOCK_TIME_NONE);
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
      GError* e = nullptr;
      gst_message_parse_error(m, &e, nullptr);
      *error = e ? e->message : "error";
      g_clear_error(&e);
      ok = false;
    }
    const bool eos = GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
    gst_message_unref(m);
    if (eos) break;
  }
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return ok;
}

std::string caps(const Options& o, int fps) {
  return "video/x-raw,format=RGB,width=" + std::to_string(o.width) + ",height=" + std::to_string(o.height) +
         ",framerate=" + std::to_string(fps) + "/1";
}

bool report(const char* phase, const std::string& what, const Usage& before, const Usage& after,
            const Options& o) {
  const double growth = after.rss_mb - before.rss_mb;
  const int threads = after.threads - before.threads;
  const bool ok = growth <= o.max_rss_growth_mb && threads <= 0;
  std::printf("soak %-6s %s: RSS %.1f -> %.1f MB (growth %+.1f MB, limit %.1f), threads %d -> %d (%+d): %s\n",
              phase, what.c_str(), before.rss_mb, after.rss_mb, growth, o.max_rss_growth_mb, before.threads,
              after.threads, threads, ok ? "ok" : "FAIL");
  std::fflush(stdout);
  return ok;
}

bool frames_phase(const Options& o, bool live) {
  const std::string results = std::string(g_get_tmp_dir()) + "/decodiff-soak-" + std::to_string(getpid()) +
                              (live ? "-live" : "-sync") + ".jsonl";
  std::ostringstream launch;
  launch << "videotestsrc pattern=ball num-buffers=" << o.frames << (live ? " is-live=true" : "") << " ! "
         << caps(o, live ? o.live_fps : 30) << " ! decodiffinspect name=inspect device=cpu model=\""
         << o.model << "\" steps=" << o.steps << " interval=" << (live ? 1 : o.interval)
         << " mode=" << (live ? "live" : "sync") << " overlay=heatmap message=all results-location=\""
         << results << "\" ! fakesink name=sink" << (live ? " sync=true" : " sync=false");
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.str().c_str(), &err);
  if (!pipeline) {
    std::fprintf(stderr, "soak: %s\n", err ? err->message : "cannot build the pipeline");
    return false;
  }
  FrameProbe probe;
  probe.warmup = o.warmup_frames;
  probe.last = o.frames;
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstPad* pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, &probe, nullptr);
  gst_object_unref(pad);
  gst_object_unref(sink);
  const gint64 start = g_get_monotonic_time();
  std::string error;
  const bool ran = play_to_eos(pipeline, &error);
  const double seconds = (g_get_monotonic_time() - start) / 1e6;
  gst_object_unref(pipeline);
  int lines = 0;
  {
    std::ifstream in(results);
    std::string line;
    while (std::getline(in, line)) ++lines;
  }
  std::remove(results.c_str());
  const char* phase = live ? "live" : "sync";
  if (!ran || probe.seen != o.frames) {
    std::printf("soak %-6s FAIL: %d of %d frames arrived%s%s\n", phase, probe.seen.load(), o.frames,
                error.empty() ? "" : ": ", error.c_str());
    return false;
  }
  std::printf("soak %-6s RSS MB at frames", phase);
  for (int i = 0; i < FrameProbe::kPoints; ++i)
    std::printf(" %d:%.1f", probe.frame_of(i), probe.at[i].rss_mb);
  std::printf("\n");
  char what[160];
  std::snprintf(what, sizeof what, "%d frames in %.0f s (%d inspected), frame %d vs %d", o.frames, seconds,
                lines, o.warmup_frames, o.frames);
  return report(phase, what, probe.at[0], probe.at[FrameProbe::kPoints - 1], o);
}

bool cycles_phase(const Options& o) {
  std::ostringstream launch;
  for (int branch = 0; branch < 2; ++branch) {
    launch << "videotestsrc num-buffers=3 pattern=" << (branch ? "snow" : "ball") << " ! " << caps(o, 30)
           << " ! decodiffinspect device=cpu steps=" << o.steps << " model-instance-id=soak model=\""
           << o.model << "\" ! fakesink sync=false ";
  }
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.str().c_str(), &err);
  if (!pipeline) {
    std::fprintf(stderr, "soak: %s\n", err ? err->message : "cannot build the pipeline");
    return false;
  }
  Usage at_warmup, at_end;
  std::string series;
  const gint64 start = g_get_monotonic_time();
  for (int cycle = 1; cycle <= o.cycles; ++cycle) {
    std::string error;
    if (!play_to_eos(pipeline, &error)) {
      std::printf("soak cycles FAIL at cycle %d: %s\n", cycle, error.c_str());
      gst_object_unref(pipeline);
      return false;
    }
    const int step = std::max(1, (o.cycles - o.warmup_cycles) / 9);
    if (cycle == o.warmup_cycles || (cycle > o.warmup_cycles && (cycle - o.warmup_cycles) % step == 0) ||
        cycle == o.cycles) {
      at_end = usage_now();
      if (cycle == o.warmup_cycles) at_warmup = at_end;
      char point[32];
      std::snprintf(point, sizeof point, " %d:%.1f", cycle, at_end.rss_mb);
      series += point;
    }
  }
  std::printf("soak cycles RSS MB after cycles%s\n", series.c_str());
  gst_object_unref(pipeline);
  char what[160];
  std::snprintf(what, sizeof what, "%d cycles of 2 elements sharing an engine in %.0f s, cycle %d vs %d",
                o.cycles, (g_get_monotonic_time() - start) / 1e6, o.warmup_cycles, o.cycles);
  return report("cycles", what, at_warmup, at_end, o);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  gchar* model = nullptr;
  gchar* phases = nullptr;
  const GOptionEntry entries[] = {
      {"model", 0, 0, G_OPTION_ARG_FILENAME, &model, "Model file (required)", "M"},
      {"frames", 0, 0, G_OPTION_ARG_INT, &o.frames, "Frames per frame phase (default 10000)", "N"},
      {"warmup-frames", 0, 0, G_OPTION_ARG_INT, &o.warmup_frames, "Frame of the first sample (500)", "N"},
      {"cycles", 0, 0, G_OPTION_ARG_INT, &o.cycles, "State cycles (default 200)", "N"},
      {"warmup-cycles", 0, 0, G_OPTION_ARG_INT, &o.warmup_cycles, "Cycle of the first sample (20)", "N"},
      {"width", 0, 0, G_OPTION_ARG_INT, &o.width, "Frame width (160)", "W"},
      {"height", 0, 0, G_OPTION_ARG_INT, &o.height, "Frame height (120)", "H"},
      {"live-fps", 0, 0, G_OPTION_ARG_INT, &o.live_fps, "Frame rate of the live source (200)", "F"},
      {"interval", 0, 0, G_OPTION_ARG_INT, &o.interval, "Sync phase: inspect every N-th frame (1)", "N"},
      {"steps", 0, 0, G_OPTION_ARG_INT, &o.steps, "Reverse steps (0: the model's default)", "R"},
      {"max-rss-growth-mb", 0, 0, G_OPTION_ARG_DOUBLE, &o.max_rss_growth_mb, "RSS growth limit (5)", "MB"},
      {"phases", 0, 0, G_OPTION_ARG_STRING, &phases, "Comma-separated: sync,live,cycles (all)", "LIST"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* context = g_option_context_new("- decodiffinspect soak test");
  g_option_context_add_main_entries(context, entries, nullptr);
  g_option_context_add_group(context, gst_init_get_option_group());
  GError* err = nullptr;
  if (!g_option_context_parse(context, &argc, &argv, &err)) {
    std::fprintf(stderr, "decodiff-soak: %s\n", err->message);
    return 2;
  }
  g_option_context_free(context);
  if (!model) {
    std::fprintf(stderr, "decodiff-soak: --model is required\n");
    return 2;
  }
  o.model = model;
  if (phases) o.phases = phases;
  if (o.frames < 2 || o.warmup_frames < 1 || o.warmup_frames >= o.frames || o.cycles < 2 ||
      o.warmup_cycles < 1 || o.warmup_cycles >= o.cycles) {
    std::fprintf(stderr, "decodiff-soak: need 1 <= warm-up < frames (cycles)\n");
    return 2;
  }
  bool ok = true;
  const std::string list = "," + o.phases + ",";
  if (list.find(",sync,") != std::string::npos) ok = frames_phase(o, false) && ok;
  if (list.find(",live,") != std::string::npos) ok = frames_phase(o, true) && ok;
  if (list.find(",cycles,") != std::string::npos) ok = cycles_phase(o) && ok;
  g_free(model);
  g_free(phases);
  return ok ? 0 : 1;
}
