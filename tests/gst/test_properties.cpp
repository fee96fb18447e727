// decodiffinspect's properties (suite Properties): defaults and round trips.
#include "inspect_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::inspect_test;

TEST(Properties, DefaultsAndRoundTrips) {
  GstElement* e = gst_element_factory_make("decodiffinspect", NULL);
  ASSERT_NE(e, nullptr);
  gchar *model, *device, *precision, *klass, *results, *roi, *instance;
  gint steps;
  gdouble threshold, alpha;
  gint overlay, mode, message;
  guint interval, batch;
  g_object_get(e, "model", &model, "device", &device, "precision", &precision, "class", &klass, "steps",
               &steps, "threshold", &threshold, "overlay", &overlay, "overlay-alpha", &alpha, "mode", &mode,
               "interval", &interval, "batch-size", &batch, "message", &message, "results-location", &results,
               "roi", &roi, "model-instance-id", &instance, NULL);
  EXPECT_EQ(model, nullptr);
  EXPECT_STREQ(device, "auto");
  EXPECT_STREQ(precision, "fp32");
  EXPECT_EQ(klass, nullptr);
  EXPECT_EQ(steps, 0);
  EXPECT_EQ(threshold, -1.0);
  EXPECT_EQ(alpha, 0.4);
  EXPECT_EQ(interval, 1u);
  EXPECT_EQ(batch, 1u);
  EXPECT_EQ(results, nullptr);
  EXPECT_EQ(roi, nullptr);
  EXPECT_EQ(instance, nullptr);
  auto nick = [&](const char* prop, gint v) {
    GParamSpec* ps = g_object_class_find_property(G_OBJECT_GET_CLASS(e), prop);
    GEnumClass* ec = G_ENUM_CLASS(g_type_class_ref(ps->value_type));
    std::string n = g_enum_get_value(ec, v)->value_nick;
    g_type_class_unref(ec);
    return n;
  };
  EXPECT_EQ(nick("overlay", overlay), "heatmap");
  EXPECT_EQ(nick("mode", mode), "sync");
  EXPECT_EQ(nick("message", message), "anomalies");
  for (gchar* s : {model, device, precision, klass, results, roi, instance}) g_free(s);

  // Set every property through its string form (as gst-launch does) and read it back.
  struct Case {
    const char* prop;
    const char* value;
  } cases[] = {{"model", "/models/a.safetensors"},
               {"device", "cuda:1"},
               {"precision", "fp16"},
               {"class", "beta"},
               {"steps", "3"},
               {"threshold", "0.25"},
               {"overlay", "contour"},
               {"overlay-alpha", "0.75"},
               {"mode", "live"},
               {"interval", "4"},
               {"batch-size", "8"},
               {"message", "all"},
               {"results-location", "/r.jsonl"},
               {"roi", "10,20,30,40"},
               {"model-instance-id", "line-3"}};
  for (const Case& c : cases) {
    gst_util_set_object_arg(G_OBJECT(e), c.prop, c.value);
    GParamSpec* ps = g_object_class_find_property(G_OBJECT_GET_CLASS(e), c.prop);
    ASSERT_NE(ps, nullptr) << c.prop;
    EXPECT_TRUE(ps->flags & G_PARAM_READWRITE) << c.prop;
    EXPECT_NE(std::string(g_param_spec_get_blurb(ps)), "") << c.prop;
    GValue v = G_VALUE_INIT;
    g_value_init(&v, ps->value_type);
    g_object_get_property(G_OBJECT(e), c.prop, &v);
    std::string got;
    if (G_VALUE_HOLDS_STRING(&v))
      got = g_value_get_string(&v);
    else if (G_VALUE_HOLDS_ENUM(&v)) {
      GEnumClass* ec = G_ENUM_CLASS(g_type_class_ref(ps->value_type));
      got = g_enum_get_value(ec, g_value_get_enum(&v))->value_nick;
      g_type_class_unref(ec);
    } else if (G_VALUE_HOLDS_DOUBLE(&v))
      got = std::to_string(g_value_get_double(&v)).substr(0, 4);
    else if (G_VALUE_HOLDS_INT(&v))
      got = std::to_string(g_value_get_int(&v));
    else if (G_VALUE_HOLDS_UINT(&v))
      got = std::to_string(g_value_get_uint(&v));
    g_value_unset(&v);
    EXPECT_EQ(got, c.value) << c.prop;
  }
  gst_object_unref(e);
}
