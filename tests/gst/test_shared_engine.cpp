// decodiffinspect's shared engines (suite SharedEngine): one model load per model-instance-id.
#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

namespace {
std::atomic<int> g_loads{0};
void count_loads(GstDebugCategory* category, GstDebugLevel, const gchar*, const gchar*, gint, GObject*,
                 GstDebugMessage* message, gpointer) {
  if (std::strcmp(gst_debug_category_get_name(category), "decodiffinspect") == 0 &&
      g_str_has_prefix(gst_debug_message_get(message), "loaded model"))
    ++g_loads;
}
}  // namespace

TEST(SharedEngine, OneInstanceIdLoadsTheModelOnce) {
  SKIP_WITHOUT_TINY_MODEL();
  gst_debug_set_threshold_for_name("decodiffinspect", GST_LEVEL_INFO);
  gst_debug_remove_log_function(gst_debug_log_default);
  gst_debug_add_log_function(count_loads, NULL, NULL);
  const std::string caps = caps_for("RGB", 64, 64);
  g_loads = 0;
  GstHarness* a = make_harness("model-instance-id=line1 class=alpha overlay=none", caps);
  GstHarness* b = make_harness("model-instance-id=line1 class=beta overlay=none", caps);
  EXPECT_EQ(g_loads.load(), 1);
  GstHarness* c = make_harness("model-instance-id=line2 overlay=none", caps);
  EXPECT_EQ(g_loads.load(), 2);
  // the shared engine still honours each element's class
  auto rgb = rgb_pattern(64, 64, 3);
  gst_harness_push(a, make_buffer(caps, rgb, 0, 1));
  gst_harness_push(b, make_buffer(caps, rgb, 0, 1));
  GstBuffer* oa = gst_harness_pull(a);
  GstBuffer* ob = gst_harness_pull(b);
  EXPECT_EQ(gst_buffer_get_decodiff_meta(oa)->score, reference(rgb, 64, 64, 0).score);
  EXPECT_EQ(gst_buffer_get_decodiff_meta(ob)->score, reference(rgb, 64, 64, 1).score);
  gst_buffer_unref(oa);
  gst_buffer_unref(ob);
  gst_harness_teardown(a);
  gst_harness_teardown(b);
  gst_harness_teardown(c);
  // all holders gone: the next element with the id loads again
  GstHarness* d = make_harness("model-instance-id=line1 overlay=none", caps);
  EXPECT_EQ(g_loads.load(), 3);
  gst_harness_teardown(d);
  gst_debug_remove_log_function(count_loads);
  gst_debug_add_log_function(gst_debug_log_default, NULL, NULL);
  gst_debug_set_threshold_for_name("decodiffinspect", GST_LEVEL_NONE);
}
