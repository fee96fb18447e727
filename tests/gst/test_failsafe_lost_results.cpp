// decodiffinspect fails safe (suite FailSafe), item 4: lost results are an error.
#include "failsafe_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::failsafe_test;
using decodiff::gst::Inspection;

TEST_F(FailSafe, ResultsOnAFullDeviceStopThePipeline) {
  PipelineRun run = run_pipeline(
      "videotestsrc num-buffers=5 ! video/x-raw,format=RGB,width=96,height=80,framerate=10/1 ! "
      "decodiffinspect name=inspect overlay=none results-location=/dev/full " +
      model_props() + " ! fakesink name=sink");
  EXPECT_FALSE(run.eos);
  ASSERT_FALSE(run.errors.empty());
  EXPECT_EQ(run.errors[0].source, "inspect");
  EXPECT_EQ(count_from(run.errors, "inspect"), 1u);
  EXPECT_TRUE(
      contains(run.errors[0].text, "cannot write results-location /dev/full: No space left on device"))
      << run.errors[0].text;
  EXPECT_EQ(count_from(run.warnings, "inspect"), 0u);
}

namespace {
// gst-launch-1.0 in a child with the plugin; returns the exit status.
int gst_launch(const std::string& pipeline, const std::string& shell_prefix = "") {
  const char* plugin_dir = std::getenv("DECODIFF_GST_PLUGIN_DIR");
  if (!plugin_dir) {
    ADD_FAILURE() << "DECODIFF_GST_PLUGIN_DIR is not set (meson sets it)";
    return -1;
  }
  const std::string registry = scratch("registry.bin");
  gchar** env = g_get_environ();
  env = g_environ_setenv(env, "GST_PLUGIN_PATH", plugin_dir, TRUE);
  env = g_environ_setenv(env, "GST_REGISTRY", registry.c_str(), TRUE);
  // first without limits: builds the registry, so the limited run writes nothing but results
  std::string warmup = "gst-inspect-1.0 decodiffinspect > /dev/null";
  std::string cmd = shell_prefix + "exec gst-launch-1.0 -q " + pipeline;
  gint status = -1;
  const std::string commands[2] = {warmup, cmd};
  for (const std::string& c : commands) {
    gchar* argv[] = {(gchar*)"/bin/bash", (gchar*)"-c", (gchar*)c.c_str(), NULL};
    GError* err = NULL;
    gboolean spawned =
        g_spawn_sync(NULL, argv, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &err);
    EXPECT_TRUE(spawned) << (err ? err->message : "");
    if (err) g_error_free(err);
    if (&c == &commands[0]) {
      EXPECT_TRUE(g_spawn_check_wait_status(status, NULL)) << "gst-inspect-1.0 decodiffinspect";
    }
  }
  g_strfreev(env);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
}  // namespace

TEST_F(FailSafe, GstLaunchExitsNonZeroAndTheFileKeepsEveryLineWrittenBefore) {
  const std::string src =
      "videotestsrc num-buffers=16 ! video/x-raw,format=RGB,width=96,height=80,framerate=10/1 ! "
      "decodiffinspect overlay=none message=none device=cpu model=" +
      tiny_model();
  EXPECT_EQ(gst_launch(src + " ! fakesink"), 0);
  EXPECT_NE(gst_launch(src + " results-location=/dev/full ! fakesink"), 0);

  // A file that fills up after 1 KiB (ulimit -f 1; SIGXFSZ ignored, so write() fails with EFBIG).
  const std::string jsonl = scratch("jsonl");
  EXPECT_NE(gst_launch(src + " results-location=" + jsonl + " ! fakesink", "trap '' XFSZ; ulimit -f 1; "), 0);
  std::ifstream in(jsonl, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  const std::string text = content.str();
  ASSERT_FALSE(text.empty());
  EXPECT_LE(text.size(), 1024u);
  EXPECT_EQ(text.back(), '\n') << "a partly written line was left at the end";
  auto lines = read_lines(jsonl);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_LT(lines.size(), 16u);
  for (size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(nlohmann::json::parse(lines[i])["frame"].get<size_t>(), i);
}
