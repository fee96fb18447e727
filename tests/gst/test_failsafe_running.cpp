// decodiffinspect fails safe (suite FailSafe), item 6: settings fixed at start are refused while
// running; the others apply at once (model, class and roi: a changeover, suite Changeover).
#include "failsafe_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::failsafe_test;
using decodiff::gst::Inspection;

TEST_F(FailSafe, SettingsReadAtStartAreRefusedWhileRunning) {
  const std::string jsonl = scratch("jsonl");
  GstElement* e = make_element("overlay=none class=gamma roi=0,0,96,80 results-location=\"" + jsonl + "\"");
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_harness_set_src_caps_str(h, caps_for().c_str());
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(0)));
  gst_buffer_unref(gst_harness_pull(h));
  // (model, class and roi change over while running: suite Changeover)
  const std::pair<const char*, const char*> refused[] = {{"device", "cuda:1"},
                                                         {"precision", "bf16"},
                                                         {"steps", "2"},
                                                         {"mode", "live"},
                                                         {"batch-size", "4"},
                                                         {"results-location", "/tmp/other.jsonl"},
                                                         {"model-instance-id", "other"}};
  for (const auto& [prop, value] : refused) {
    GParamSpec* ps = g_object_class_find_property(G_OBJECT_GET_CLASS(e), prop);
    ASSERT_NE(ps, nullptr) << prop;
    EXPECT_FALSE(ps->flags & GST_PARAM_MUTABLE_PLAYING) << prop;
    GValue before = G_VALUE_INIT, after = G_VALUE_INIT;
    g_value_init(&before, ps->value_type);
    g_value_init(&after, ps->value_type);
    g_object_get_property(G_OBJECT(e), prop, &before);
    gst_util_set_object_arg(G_OBJECT(e), prop, value);
    g_object_get_property(G_OBJECT(e), prop, &after);
    EXPECT_EQ(gst_value_compare(&before, &after), GST_VALUE_EQUAL) << prop << " changed while running";
    g_value_unset(&before);
    g_value_unset(&after);
    auto warnings = take(bus, GST_MESSAGE_WARNING);
    ASSERT_EQ(warnings.size(), 1u) << prop;
    EXPECT_TRUE(contains(warnings[0].text, std::string("Property \"") + prop + "\" cannot change while"))
        << warnings[0].text;
  }
  // still the settings of the start
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(1)));
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_STREQ(gst_buffer_get_decodiff_meta(out)->class_name, "gamma");
  gst_buffer_unref(out);
  EXPECT_EQ(read_lines(jsonl).size(), 2u);
  // and accepted again once stopped
  ASSERT_EQ(gst_element_set_state(e, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_util_set_object_arg(G_OBJECT(e), "class", "alpha");
  gchar* klass = NULL;
  g_object_get(e, "class", &klass, NULL);
  EXPECT_STREQ(klass, "alpha");
  g_free(klass);
  EXPECT_TRUE(take(bus, GST_MESSAGE_WARNING).empty());
  gst_object_unref(e);
  gst_harness_teardown(h);
}

TEST_F(FailSafe, RuntimeSettingsApplyWhileRunning) {
  GstElement* e = make_element("overlay=none threshold=0.99 message=all");
  Bus bus(e);
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_harness_set_src_caps_str(h, caps_for().c_str());
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(0)));
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_FALSE(gst_buffer_get_decodiff_meta(out)->anomalous);
  gst_buffer_unref(out);

  gst_util_set_object_arg(G_OBJECT(e), "threshold", "0");  // everything anomalous
  gst_util_set_object_arg(G_OBJECT(e), "overlay", "heatmap");
  gst_util_set_object_arg(G_OBJECT(e), "message", "none");
  gst_util_set_object_arg(G_OBJECT(e), "interval", "2");
  gst_util_set_object_arg(G_OBJECT(e), "max-consecutive-errors", "1");
  for (GstMessage* m : bus.pop_all(GST_MESSAGE_ELEMENT)) gst_message_unref(m);
  EXPECT_TRUE(take(bus, GST_MESSAGE_WARNING).empty());

  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(1)));  // 1 % 2: stale
  out = gst_harness_pull(h);
  EXPECT_TRUE(gst_buffer_get_decodiff_meta(out)->stale);
  gst_buffer_unref(out);
  GstBuffer* in = frame(2);
  GstBuffer* plain = gst_buffer_copy_deep(in);
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, in));  // inspected with threshold 0, painted
  out = gst_harness_pull(h);
  GstDecodiffMeta* m = gst_buffer_get_decodiff_meta(out);
  EXPECT_FALSE(m->stale);
  EXPECT_TRUE(m->anomalous);
  EXPECT_FLOAT_EQ(m->threshold, 0.0f);
  EXPECT_TRUE(m->painted);
  GstMapInfo a, b;
  gst_buffer_map(out, &a, GST_MAP_READ);
  gst_buffer_map(plain, &b, GST_MAP_READ);
  EXPECT_NE(0, std::memcmp(a.data, b.data, a.size));
  gst_buffer_unmap(out, &a);
  gst_buffer_unmap(plain, &b);
  gst_buffer_unref(plain);
  gst_buffer_unref(out);
  EXPECT_TRUE(bus.pop_all(GST_MESSAGE_ELEMENT).empty()) << "message=none";
  // one failure now stops (max-consecutive-errors=1)
  decodiff::gst::set_inspection_hook([](Inspection& in, uint64_t) { poison(in); });
  ASSERT_EQ(GST_FLOW_OK, gst_harness_push(h, frame(3)));  // stale: not inspected
  gst_buffer_unref(gst_harness_pull(h));
  EXPECT_EQ(GST_FLOW_ERROR, gst_harness_push(h, frame(4)));
  EXPECT_EQ(take(bus, GST_MESSAGE_ERROR).size(), 1u);
  gst_object_unref(e);
  gst_harness_teardown(h);
}
